//! A content-addressed folder of processed photos.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::ProcessedPhoto;

/// Keeps photos on disk as `{dir}/{id[0..2]}/{id}.jpg` and `{dir}/{id[0..2]}/{id}_thumb.jpg`.
///
/// Files are named by the SHA-256 of their content, so saving the same photo twice keeps one
/// copy, and a file once written never changes.
#[derive(Debug, Clone)]
pub struct PhotoStore {
    dir: PathBuf,
}

impl PhotoStore {
    /// A store rooted at `dir`; the folder is created on the first save.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PhotoStore { dir: dir.into() }
    }

    /// Writes the photo and its thumbnail, creating folders as needed.
    ///
    /// Each file is written to a temporary name, flushed to disk and then renamed, so a reader
    /// never sees half a file, even after a crash. A file already present is left as it is.
    /// Fails with `InvalidInput` if `photo.id` is not a 64-character lowercase hex id.
    pub fn save(&self, photo: &ProcessedPhoto) -> io::Result<()> {
        if !is_valid_id(&photo.id) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a photo id is 64 lowercase hex characters",
            ));
        }
        let folder = self.folder(&photo.id);
        fs::create_dir_all(&folder)?;
        write_atomically(&self.file(&photo.id, false), &photo.full_jpeg)?;
        write_atomically(&self.file(&photo.id, true), &photo.thumb_jpeg)
    }

    /// The path of a stored photo (or of its thumbnail), if `id` is a well-formed id and the
    /// file exists. Anything else, such as `../etc/passwd`, gives `None`.
    pub fn path(&self, id: &str, thumbnail: bool) -> Option<PathBuf> {
        if !is_valid_id(id) {
            return None;
        }
        let file = self.file(id, thumbnail);
        file.is_file().then_some(file)
    }

    fn folder(&self, id: &str) -> PathBuf {
        self.dir.join(&id[..2])
    }

    fn file(&self, id: &str, thumbnail: bool) -> PathBuf {
        let suffix = if thumbnail { "_thumb" } else { "" };
        self.folder(id).join(format!("{id}{suffix}.jpg"))
    }
}

/// True for exactly 64 lowercase hex characters: the only names we ever build paths from.
fn is_valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    if target.is_file() {
        return Ok(()); // Content-addressed: the same name holds the same bytes.
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = target.with_extension(format!("tmp.{}.{unique}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create_new(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
