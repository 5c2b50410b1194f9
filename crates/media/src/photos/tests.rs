use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};

use super::*;

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    })
}

fn png_bytes(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let (w, h) = picture.dimensions();
    PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), w, h, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn jpeg_bytes(picture: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    let (w, h) = picture.dimensions();
    encoder
        .write_image(picture.as_raw(), w, h, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8])
}

fn decoded(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).unwrap().into_rgb8()
}

#[test]
fn a_jpeg_is_reencoded_and_thumbnailed() {
    let photo = process(&jpeg_bytes(&gradient(800, 600), None)).unwrap();
    assert!(is_jpeg(&photo.full_jpeg) && is_jpeg(&photo.thumb_jpeg));
    assert_eq!(
        (photo.width, photo.height),
        (800, 600),
        "never upscaled nor cropped"
    );
    assert_eq!(decoded(&photo.full_jpeg).dimensions(), (800, 600));
    assert_eq!(decoded(&photo.thumb_jpeg).dimensions(), (320, 240));
}

#[test]
fn a_wide_png_is_capped_at_1600_and_its_thumbnail_at_320() {
    let photo = process(&png_bytes(&gradient(3000, 1000))).unwrap();
    assert!(is_jpeg(&photo.full_jpeg) && is_jpeg(&photo.thumb_jpeg));
    assert_eq!((photo.width, photo.height), (1600, 533));
    assert_eq!(decoded(&photo.full_jpeg).dimensions(), (1600, 533));
    assert_eq!(decoded(&photo.thumb_jpeg).width(), 320);
}

#[test]
fn a_tall_picture_is_capped_on_its_long_edge() {
    let photo = process(&png_bytes(&gradient(500, 2000))).unwrap();
    assert_eq!((photo.width, photo.height), (400, 1600));
    assert_eq!(decoded(&photo.thumb_jpeg).dimensions(), (80, 320));
}

#[test]
fn a_lossless_webp_with_transparency_is_flattened_onto_white() {
    // Left half opaque red, right half fully transparent (and black underneath).
    let picture = RgbaImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            image::Rgba([200, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .encode(picture.as_raw(), 64, 32, ExtendedColorType::Rgba8)
        .unwrap();
    assert_eq!(&webp[8..12], b"WEBP");

    let photo = process(&webp).unwrap();
    assert!(is_jpeg(&photo.full_jpeg));
    let out = decoded(&photo.full_jpeg);
    let [r, g, b] = out.get_pixel(8, 16).0;
    assert!(r > 180 && g < 40 && b < 40, "opaque part kept: {r},{g},{b}");
    let [r, g, b] = out.get_pixel(56, 16).0;
    assert!(
        r > 240 && g > 240 && b > 240,
        "transparent part is white: {r},{g},{b}"
    );
}

#[test]
fn exif_is_stripped_after_its_orientation_is_applied() {
    // A little-endian TIFF block with one entry: Orientation (0x0112) = 6, "rotate 90° clockwise".
    let mut exif = b"II*\0\x08\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
    exif.extend_from_slice(b"GPS secret 39.15N 117.18E");
    let upload = jpeg_bytes(&gradient(40, 20), Some(exif));
    assert!(upload.windows(4).any(|w| w == b"Exif"));

    let photo = process(&upload).unwrap();
    assert_eq!((photo.width, photo.height), (20, 40), "turned upright");
    for needle in [&b"Exif"[..], b"GPS secret"] {
        assert!(!photo.full_jpeg.windows(needle.len()).any(|w| w == needle));
        assert!(!photo.thumb_jpeg.windows(needle.len()).any(|w| w == needle));
    }
}

#[test]
fn the_same_picture_gets_the_same_id_and_another_picture_another() {
    let upload = png_bytes(&gradient(120, 80));
    let first = process(&upload).unwrap();
    let second = process(&upload).unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(first.id.len(), 64);
    assert!(first
        .id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_ne!(
        first.id,
        process(&png_bytes(&gradient(121, 80))).unwrap().id
    );
}

#[test]
fn empty_and_oversized_uploads_are_refused() {
    assert_eq!(process(&[]), Err(PhotoError::Empty));
    let huge = vec![0xFF; MAX_UPLOAD_BYTES + 1];
    assert_eq!(
        process(&huge),
        Err(PhotoError::TooLarge {
            limit: MAX_UPLOAD_BYTES
        })
    );
}

#[test]
fn other_formats_are_named_in_the_refusal() {
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04";
    assert_eq!(process(gif), Err(PhotoError::Unsupported("GIF".into())));
    let bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0";
    assert_eq!(process(bmp), Err(PhotoError::Unsupported("BMP".into())));
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    assert_eq!(process(heic), Err(PhotoError::Unsupported("HEIC".into())));
}

#[test]
fn text_pdf_and_random_bytes_are_not_images() {
    assert_eq!(
        process(b"hello, this is a note"),
        Err(PhotoError::NotAnImage)
    );
    assert_eq!(
        process(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        Err(PhotoError::NotAnImage)
    );
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(process(&noise), Err(PhotoError::NotAnImage));
}

#[test]
fn truncated_pictures_are_damaged() {
    let jpeg = jpeg_bytes(&gradient(200, 150), None);
    let png = png_bytes(&gradient(200, 150));
    // A PNG missing only its end chunk still holds the whole picture, so it is not cut there.
    let cuts = [
        &jpeg[..20],
        &jpeg[..jpeg.len() / 2],
        &jpeg[..jpeg.len() - 2],
    ];
    for cut in cuts.into_iter().chain([&png[..20], &png[..png.len() / 2]]) {
        match process(cut) {
            Err(PhotoError::Damaged(_)) => {}
            other => panic!("cut at {}: expected Damaged, got {other:?}", cut.len()),
        }
    }
    // Bytes after the end of the picture (a "motion photo" video, say) are fine.
    let mut trailing = jpeg.clone();
    trailing.extend_from_slice(b"\0\0\0\x18ftypmp42 trailing video");
    assert_eq!(process(&trailing).unwrap(), process(&jpeg).unwrap());
}

/// CRC-32 as PNG chunks use it (ISO-HDLC), so the crafted header is otherwise valid.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

#[test]
fn a_png_claiming_ten_billion_pixels_is_refused_before_decoding() {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut bomb, b"IHDR", &ihdr);
    png_chunk(
        &mut bomb,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut bomb, b"IEND", &[]);
    assert_eq!(process(&bomb), Err(PhotoError::TooManyPixels));
}

#[test]
fn errors_read_well_in_both_languages() {
    let gif = PhotoError::Unsupported("GIF".into());
    assert!(gif.to_string().contains("GIF") && gif.to_string().contains("JPEG"));
    assert!(gif.message_zh().contains("GIF") && gif.message_zh().contains("不支持"));
    let large = PhotoError::TooLarge {
        limit: MAX_UPLOAD_BYTES,
    };
    assert!(large.to_string().contains("8 MB"));
    assert!(large.message_zh().contains("8 MB"));
    assert!(PhotoError::TooManyPixels.message_zh().contains("像素"));
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bangbang-media-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

use std::path::PathBuf;

#[test]
fn the_store_keeps_photos_by_content_in_two_level_folders() {
    let dir = scratch_dir("store");
    let store = PhotoStore::new(&dir);
    let photo = process(&png_bytes(&gradient(90, 60))).unwrap();
    assert_eq!(store.path(&photo.id, false), None, "nothing saved yet");

    store.save(&photo).unwrap();
    store.save(&photo).unwrap(); // the same photo again is harmless
    let full = store.path(&photo.id, false).unwrap();
    let thumb = store.path(&photo.id, true).unwrap();
    let folder = dir.join(&photo.id[..2]);
    assert_eq!(full, folder.join(format!("{}.jpg", photo.id)));
    assert_eq!(thumb, folder.join(format!("{}_thumb.jpg", photo.id)));
    assert_eq!(std::fs::read(&full).unwrap(), photo.full_jpeg);
    assert_eq!(std::fs::read(&thumb).unwrap(), photo.thumb_jpeg);
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left behind: {names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_store_refuses_ids_that_are_not_sha256_hex() {
    let dir = scratch_dir("ids");
    let store = PhotoStore::new(&dir);
    let photo = process(&png_bytes(&gradient(30, 30))).unwrap();
    store.save(&photo).unwrap();
    for bad in [
        "../etc/passwd".to_owned(),
        "abc".to_owned(),
        String::new(),
        photo.id.to_uppercase(),
        format!("{}/../{}", &photo.id[..2], &photo.id[..60]),
        format!("{}0", photo.id),
    ] {
        assert_eq!(store.path(&bad, false), None, "{bad}");
        assert_eq!(store.path(&bad, true), None, "{bad}");
    }
    let forged = ProcessedPhoto {
        id: "../../evil".into(),
        ..photo
    };
    let error = store.save(&forged).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    std::fs::remove_dir_all(&dir).unwrap();
}
