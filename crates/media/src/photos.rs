//! Photos attached to requests: checked by content, re-encoded as plain JPEG, thumbnailed, and
//! kept in a content-addressed folder ([`PhotoStore`]).
//!
//! Re-encoding is deliberate. The stored file is a fresh JPEG drawn from the decoded pixels, so
//! nothing of the upload survives but the picture: EXIF, GPS position, camera serial numbers,
//! embedded thumbnails and any trailing bytes are all dropped. The EXIF orientation is applied to
//! the pixels first, so a phone photo taken upright stays upright once its metadata is gone.

mod store;
#[cfg(test)]
mod tests;

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

pub use store::PhotoStore;

/// The largest upload accepted, in bytes (8 MiB): enough for any phone photo.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// The most pixels a photo may have (40 megapixels); larger ones are refused before decoding.
const MAX_PIXELS: u64 = 40_000_000;
/// The most memory the decoder may allocate for one photo (256 MiB).
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// The long edge of the stored photo, in pixels. Smaller photos are never scaled up.
const FULL_EDGE: u32 = 1600;
/// The long edge of the thumbnail, in pixels.
const THUMB_EDGE: u32 = 320;
/// JPEG quality of both the photo and its thumbnail.
const JPEG_QUALITY: u8 = 82;

/// A photo ready to store: re-encoded JPEG bytes (no metadata) and a thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// Lowercase hex SHA-256 of `full_jpeg`: the same picture always gets the same id.
    pub id: String,
    /// The photo as a baseline JPEG, long edge at most 1600 px.
    pub full_jpeg: Vec<u8>,
    /// The thumbnail as a JPEG, long edge at most 320 px.
    pub thumb_jpeg: Vec<u8>,
    /// Width of `full_jpeg`, in pixels.
    pub width: u32,
    /// Height of `full_jpeg`, in pixels.
    pub height: u32,
}

/// Shows the sizes of the JPEGs, not their bytes, so logs and test failures stay readable.
impl std::fmt::Debug for ProcessedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("id", &self.id)
            .field("full_jpeg", &format_args!("{} bytes", self.full_jpeg.len()))
            .field(
                "thumb_jpeg",
                &format_args!("{} bytes", self.thumb_jpeg.len()),
            )
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Why an upload was refused. `Display` gives English; [`PhotoError::message_zh`] gives Chinese.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PhotoError {
    /// The upload has no bytes.
    #[error("the file is empty")]
    Empty,
    /// The upload is larger than `limit` bytes.
    #[error("the file is larger than {} MB", limit / (1024 * 1024))]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The bytes are not a picture in any format we know (text, PDF, random bytes...).
    #[error("the file is not a picture; please send a JPEG, PNG or WebP photo")]
    NotAnImage,
    /// A picture in a format we do not accept; holds the format's name, such as "GIF".
    #[error("{0} pictures are not accepted; please send a JPEG, PNG or WebP photo")]
    Unsupported(String),
    /// A JPEG, PNG or WebP file that could not be decoded: truncated, corrupt or an odd variant.
    #[error("the picture could not be read (it may be damaged): {0}")]
    Damaged(String),
    /// The picture is too large in pixels to decode safely (a decompression bomb, or a panorama).
    #[error("the picture has too many pixels (at most 40 megapixels)")]
    TooManyPixels,
}

impl PhotoError {
    /// The error in Chinese, for the resident or worker who uploaded the file.
    pub fn message_zh(&self) -> String {
        match self {
            PhotoError::Empty => "文件是空的，请重新选择照片。".to_owned(),
            PhotoError::TooLarge { limit } => {
                format!("文件太大，照片不能超过 {} MB。", limit / (1024 * 1024))
            }
            PhotoError::NotAnImage => {
                "这不是图片文件，请上传 JPEG、PNG 或 WebP 格式的照片。".to_owned()
            }
            PhotoError::Unsupported(kind) => {
                format!("不支持 {kind} 格式，请上传 JPEG、PNG 或 WebP 格式的照片。")
            }
            PhotoError::Damaged(_) => {
                "图片无法读取，文件可能已损坏，请重新拍摄或另存为 JPEG 后再上传。".to_owned()
            }
            PhotoError::TooManyPixels => {
                "图片像素太多（最多 4000 万像素），请缩小后再上传。".to_owned()
            }
        }
    }
}

/// Checks an upload by its content and turns it into a [`ProcessedPhoto`].
///
/// The format is read from the bytes (magic numbers), never from a file name. Only JPEG, PNG
/// and WebP are accepted. Pictures over 40 megapixels are refused before their pixels are
/// decoded. The result is re-encoded, which strips all metadata (EXIF, GPS); transparency is
/// flattened onto white.
pub fn process(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge {
            limit: MAX_UPLOAD_BYTES,
        });
    }
    let format = detect_format(bytes)?;
    // The JPEG decoder fills a cut-off picture with grey; a half-uploaded photo is refused.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Damaged("the JPEG file is cut off".to_owned()));
    }
    let picture = flatten_onto_white(decode(bytes, format)?);
    let full = fit_within(&picture, FULL_EDGE);
    let thumb = fit_within(&full, THUMB_EDGE);
    let full_jpeg = encode_jpeg(&full)?;
    let thumb_jpeg = encode_jpeg(&thumb)?;
    Ok(ProcessedPhoto {
        id: hex_sha256(&full_jpeg),
        full_jpeg,
        thumb_jpeg,
        width: full.width(),
        height: full.height(),
    })
}

/// Names the format from the first bytes and refuses all but JPEG, PNG and WebP.
fn detect_format(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    // iPhones save HEIC by default; the image crate does not know it, so name it ourselves.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand: &[u8] = &bytes[8..12];
        let heif = [
            b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1",
        ];
        if heif.iter().any(|b| b.as_slice() == brand) {
            return Err(PhotoError::Unsupported("HEIC".to_owned()));
        }
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        Ok(other) => {
            let name = other.extensions_str().first().copied().unwrap_or("this");
            Err(PhotoError::Unsupported(name.to_ascii_uppercase()))
        }
        Err(_) => Err(PhotoError::NotAnImage),
    }
}

/// True if the JPEG's segments and scans run through to its end-of-image marker. Bytes after
/// that marker (such as the video some phones append to a "motion photo") are allowed.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after the start-of-image marker
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            0xD9 => return true,
            // Fill bytes, and markers that stand alone without a length.
            0xFF => i += 1,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(length) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
                if length < 2 {
                    return false;
                }
                i += 2 + length;
                if marker == 0xDA {
                    // Entropy-coded data follows a start-of-scan: skip to the next real marker
                    // (0xFF00 is an escaped 0xFF byte; 0xFFD0..D7 are restart markers).
                    let real_marker =
                        |i: usize| bytes[i] == 0xFF && !matches!(bytes[i + 1], 0x00 | 0xD0..=0xD7);
                    while i + 1 < bytes.len() && !real_marker(i) {
                        i += 1;
                    }
                }
            }
        }
    }
    false
}

/// Decodes within the pixel and memory limits, and turns the picture upright.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoError> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || decoder.total_bytes() > MAX_ALLOC {
        return Err(PhotoError::TooManyPixels);
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Damaged("the picture has no pixels".to_owned()));
    }
    // A broken EXIF block is no reason to refuse the photo: it is stripped anyway.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        other => PhotoError::Damaged(other.to_string()),
    }
}

/// Drops any alpha channel by compositing onto white (a transparent PNG would turn black).
fn flatten_onto_white(picture: DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.into_rgb8();
    }
    let rgba = picture.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            // Rounded (c·a + 255·(255 − a)) / 255; at most 255, so the cast cannot truncate.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// Scales down so the long edge is at most `edge` pixels, keeping the aspect ratio.
fn fit_within(picture: &RgbImage, edge: u32) -> RgbImage {
    let (width, height) = picture.dimensions();
    let long = width.max(height);
    if long <= edge {
        return picture.clone();
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(edge) + u64::from(long) / 2) / u64::from(long);
        // scaled <= edge, so it fits in u32; never let a thin strip vanish.
        (scaled as u32).max(1)
    };
    // Averaging whole source pixels into each target pixel (integer arithmetic) costs only
    // the output: `resize` would first build a float copy of every source column, ~150 MB
    // for a 36-megapixel photo, on top of the ~110 MB the decoded pixels already take.
    imageops::thumbnail(picture, scale(width), scale(height))
}

fn encode_jpeg(picture: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(picture)
        .map_err(|e| PhotoError::Damaged(format!("could not re-encode the picture: {e}")))?;
    Ok(out)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
