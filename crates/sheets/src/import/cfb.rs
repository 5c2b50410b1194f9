//! Walking the OLE compound file around an .xls before calamine does.
//!
//! calamine (`cfb.rs`) follows each sector chain until its end marker or until it has the
//! length the directory declares, without noticing a chain that loops back on itself: a
//! few hundred bytes then make it append the same sectors until memory runs out. It also
//! indexes the sector table with ids taken from the file, and reads as many table sectors
//! as the header lists, the same one again and again if told so. Its `.xlsx` reader
//! opens every file as a compound file first, to look for a password.
//!
//! So every chain calamine will walk is walked here first, the same way, visiting each
//! sector at most once and checking every id against the table, and the Workbook stream is
//! handed back for the record scan (`xls_scan.rs`). A structure calamine would simply
//! fail on is let through for calamine to report.
//!
//! The scanned (and neutralised) stream is then given to calamine in a fresh container
//! written by [`wrap`], so calamine never walks the original one.

use crate::SheetError;

const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const FATSECT: u32 = 0xFFFF_FFFD;
const FREESECT: u32 = 0xFFFF_FFFF;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const MINI_SECTOR: usize = 64;
/// Streams shorter than this live in the mini stream.
const MINI_CUTOFF: usize = 4096;

/// Whether `bytes` starts like a compound file.
pub(crate) fn is_compound_file(bytes: &[u8]) -> bool {
    bytes.starts_with(SIGNATURE)
}

/// Why a walk stopped.
enum Stop {
    /// calamine fails here too, with its own error: let it.
    Fails,
    /// calamine would loop, run out of memory or panic here.
    Damaged(&'static str),
}

impl From<Stop> for Option<SheetError> {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Fails => None,
            Stop::Damaged(why) => Some(damaged(why)),
        }
    }
}

fn damaged(why: &str) -> SheetError {
    SheetError::Damaged(format!("the .xls container {why}"))
}

/// Walks the container the way calamine will. `Ok(Some(stream))` is the Workbook (or
/// older Book) stream as calamine will read it; `Ok(None)` means calamine will fail on
/// this file by itself.
pub(crate) fn workbook_stream(bytes: &[u8]) -> Result<Option<Vec<u8>>, SheetError> {
    match Container::open(bytes) {
        Ok(container) => container.workbook(),
        Err(stop) => Option::<SheetError>::from(stop).map_or(Ok(None), Err),
    }
}

/// Checks only that calamine can walk the container without harm (what its .xlsx reader
/// does with every file).
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    match Container::open(bytes) {
        Ok(_) => Ok(()),
        Err(stop) => Option::<SheetError>::from(stop).map_or(Ok(()), Err),
    }
}

struct Container<'a> {
    /// The sectors: the file after its header.
    body: &'a [u8],
    size: usize,
    /// The largest sector id calamine accepts.
    maxid: usize,
    fats: Vec<u32>,
    directories: Vec<(String, u32, u64)>,
    mini_fats: Vec<u32>,
    mini_stream: Vec<u8>,
}

impl<'a> Container<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, Stop> {
        if bytes.len() < 512 || !is_compound_file(bytes) {
            return Err(Stop::Fails);
        }
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let version = u16_at(26);
        let size = match u16_at(30) {
            0x0009 => 512,
            0x000C => 4096,
            _ => return Err(Stop::Fails),
        };
        if u16_at(32) != 0x0006 || bytes.len() < size {
            return Err(Stop::Fails);
        }
        let dir_start = u32_at(48);
        let mini_fat_start = u32_at(60);
        let mini_fat_len = u32_at(64) as usize;
        let difat_start = u32_at(68);
        let mut difat: Vec<u32> = (76..512).step_by(4).map(u32_at).collect();
        let mut container = Container {
            body: &bytes[size..],
            size,
            maxid: bytes.len() / size,
            fats: Vec::new(),
            directories: Vec::new(),
            mini_fats: Vec::new(),
            mini_stream: Vec::new(),
        };

        let mut sector = difat_start;
        let mut difat_sectors = 0usize;
        while sector < RESERVED_SECTORS {
            difat_sectors += 1;
            if difat_sectors > container.maxid.saturating_add(1) {
                return Err(Stop::Fails);
            }
            difat.extend(words(whole(container.sector(sector)?)?));
            sector = difat.pop().ok_or(Stop::Fails)?;
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        // Each listed sector is read in full; more of them than the file has sectors can
        // only be the same ones listed again.
        if fat_sectors.len() > container.maxid + 1 {
            return Err(Stop::Damaged(
                "lists more allocation-table sectors than it has",
            ));
        }
        let mut fats = Vec::new();
        for id in fat_sectors {
            fats.extend(words(whole(container.sector(id)?)?));
        }
        container.fats = fats;

        let dirs = container.chain(dir_start, usize::MAX, false)?;
        container.directories = dirs
            .chunks_exact(128)
            .map(|entry| {
                let units: Vec<u16> = entry[..64]
                    .chunks_exact(2)
                    .map(|u| u16::from_le_bytes([u[0], u[1]]))
                    .collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(nul) = name.find('\0') {
                    name.truncate(nul);
                }
                let start = u32::from_le_bytes(entry[116..120].try_into().expect("4 bytes"));
                let len = if size == 512 {
                    u64::from(u32::from_le_bytes(
                        entry[120..124].try_into().expect("4 bytes"),
                    ))
                } else {
                    u64::from_le_bytes(entry[120..128].try_into().expect("8 bytes"))
                };
                (name, start, len)
            })
            .collect();
        let Some(&(_, root_start, root_len)) = container.directories.first() else {
            return Err(Stop::Fails);
        };
        if version != 3 && root_start == ENDOFCHAIN {
            return Err(Stop::Fails);
        }
        if mini_fat_len > 0 {
            container.mini_stream = container.chain(root_start, clamp(root_len), false)?;
            let mini_fat =
                container.chain(mini_fat_start, mini_fat_len.saturating_mul(size), false)?;
            container.mini_fats = words(whole(&mini_fat)?).collect();
        }
        Ok(container)
    }

    /// Sector `id`, as calamine reads it: the last one may be cut short by the end of the
    /// file. One that starts past the end makes calamine panic.
    fn sector(&self, id: u32) -> Result<&'a [u8], Stop> {
        if id as usize > self.maxid {
            return Err(Stop::Fails);
        }
        let start = id as usize * self.size;
        if start > self.body.len() {
            return Err(Stop::Damaged("points past its end"));
        }
        Ok(&self.body[start..self.body.len().min(start + self.size)])
    }

    fn mini_sector(&self, id: u32) -> Result<&[u8], Stop> {
        let start = id as usize * MINI_SECTOR;
        self.mini_stream
            .get(start..start + MINI_SECTOR)
            .ok_or(Stop::Damaged("points past its mini stream"))
    }

    /// The chain from `start`, up to `len` bytes, in sectors or (`mini`) mini sectors.
    fn chain(&self, start: u32, len: usize, mini: bool) -> Result<Vec<u8>, Stop> {
        let (table, count) = if mini {
            (&self.mini_fats, self.mini_stream.len() / MINI_SECTOR + 1)
        } else {
            (&self.fats, self.maxid + 1)
        };
        let mut seen = vec![false; count.min(table.len()).max(1)];
        let mut out = Vec::new();
        let mut id = start;
        while id != ENDOFCHAIN {
            let sector = if mini {
                self.mini_sector(id)?
            } else {
                self.sector(id)?
            };
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            let next = *table.get(id as usize).ok_or(Stop::Damaged(
                "has a chain that leaves its allocation table",
            ))?;
            let visited = seen.get_mut(id as usize).ok_or(Stop::Damaged(
                "has a chain that leaves its allocation table",
            ))?;
            if *visited {
                return Err(Stop::Damaged("has a chain of sectors that loops"));
            }
            *visited = true;
            id = next;
        }
        Ok(out)
    }

    fn stream(&self, name: &str) -> Result<Option<Vec<u8>>, Stop> {
        let Some(&(_, start, len)) = self
            .directories
            .iter()
            .find(|(n, ..)| n.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        let len = clamp(len);
        self.chain(start, len, len < MINI_CUTOFF).map(Some)
    }

    fn workbook(&self) -> Result<Option<Vec<u8>>, SheetError> {
        // calamine tries Book when Workbook is missing or fails.
        for name in ["Workbook", "Book"] {
            match self.stream(name) {
                Ok(Some(stream)) => return Ok(Some(stream)),
                Ok(None) | Err(Stop::Fails) => continue,
                Err(Stop::Damaged(why)) => return Err(damaged(why)),
            }
        }
        Ok(None)
    }
}

/// calamine asserts that a table sector holds whole 4-byte ids.
fn whole(sector: &[u8]) -> Result<&[u8], Stop> {
    if sector.len().is_multiple_of(4) {
        Ok(sector)
    } else {
        Err(Stop::Damaged("is cut short"))
    }
}

fn clamp(len: u64) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes(w.try_into().expect("4 bytes")))
}

/// `stream` as the Workbook stream of a new, minimal compound file (version 4, 4 KiB
/// sectors): the header, the allocation table, one directory sector, then the stream,
/// padded with zeros to at least 4 KiB so that it is not looked for in a mini stream.
/// Zeros after the last record read as empty records, which calamine skips.
pub(crate) fn wrap(stream: &[u8]) -> Vec<u8> {
    const SECTOR: usize = 4096;
    const PER_FAT: usize = SECTOR / 4;
    const NOSTREAM: u32 = FREESECT;
    let len = stream.len().max(MINI_CUTOFF);
    let data_sectors = len.div_ceil(SECTOR);
    let mut fat_sectors = 1;
    while fat_sectors * PER_FAT < fat_sectors + 1 + data_sectors {
        fat_sectors += 1;
    }
    assert!(fat_sectors <= 109, "a stream of {len} bytes needs no DIFAT");
    let dir = fat_sectors as u32;
    let first_data = dir + 1;

    let mut out = Vec::with_capacity(SECTOR * (2 + fat_sectors + data_sectors));
    let put16 = |out: &mut Vec<u8>, v: u16| out.extend(v.to_le_bytes());
    let put32 = |out: &mut Vec<u8>, v: u32| out.extend(v.to_le_bytes());
    // Header.
    out.extend(SIGNATURE);
    out.extend([0; 16]);
    put16(&mut out, 0x003E);
    put16(&mut out, 0x0004);
    put16(&mut out, 0xFFFE);
    put16(&mut out, 0x000C);
    put16(&mut out, 0x0006);
    out.extend([0; 6]);
    put32(&mut out, 1); // directory sectors
    put32(&mut out, fat_sectors as u32);
    put32(&mut out, dir);
    put32(&mut out, 0); // transaction signature
    put32(&mut out, MINI_CUTOFF as u32);
    put32(&mut out, ENDOFCHAIN); // mini FAT start
    put32(&mut out, 0); // mini FAT sectors
    put32(&mut out, ENDOFCHAIN); // DIFAT start
    put32(&mut out, 0); // DIFAT sectors
    for i in 0..109 {
        put32(&mut out, if i < fat_sectors { i as u32 } else { FREESECT });
    }
    out.resize(SECTOR, 0);
    // Allocation table.
    for id in 0..fat_sectors * PER_FAT {
        let next = match id {
            _ if id < fat_sectors => FATSECT,
            _ if id == dir as usize => ENDOFCHAIN,
            _ if id >= first_data as usize && id < first_data as usize + data_sectors => {
                if id + 1 == first_data as usize + data_sectors {
                    ENDOFCHAIN
                } else {
                    id as u32 + 1
                }
            }
            _ => FREESECT,
        };
        put32(&mut out, next);
    }
    // Directory: the root (no mini stream; calamine wants its start to be a sector)
    // and the Workbook stream.
    let entry = |out: &mut Vec<u8>, name: &str, kind: u8, child: u32, start: u32, size: u64| {
        let at = out.len();
        for unit in name.encode_utf16() {
            put16(out, unit);
        }
        out.resize(at + 64, 0);
        put16(out, (2 * (name.encode_utf16().count() + 1)) as u16);
        out.push(kind);
        out.push(1); // black
        put32(out, NOSTREAM);
        put32(out, NOSTREAM);
        put32(out, child);
        out.resize(at + 116, 0);
        put32(out, start);
        out.extend(size.to_le_bytes());
    };
    entry(&mut out, "Root Entry", 5, 1, dir, 0);
    entry(&mut out, "Workbook", 2, NOSTREAM, first_data, len as u64);
    out.resize(SECTOR * (2 + fat_sectors), 0);
    // The stream.
    out.extend(stream);
    out.resize(SECTOR * (2 + fat_sectors + data_sectors), 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_stream_reads_back() {
        for len in [10, 4096, 100_000, 5_000_000] {
            let stream: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let file = wrap(&stream);
            let back = workbook_stream(&file).unwrap().unwrap();
            assert_eq!(&back[..len], &stream[..]);
            assert!(back[len..].iter().all(|b| *b == 0));
            assert_eq!(back.len(), len.max(MINI_CUTOFF));
        }
    }

    #[test]
    fn a_looping_chain_is_refused() {
        let mut file = wrap(&[1; 10_000]);
        // Sector k sits at 4096 × (k + 1): the table is sector 0, the directory 1, the
        // stream 2, 3 and 4. Declare a gigabyte and make sector 3 point back at 2.
        let size_at = 2 * 4096 + 128 + 120;
        file[size_at..size_at + 8].copy_from_slice(&(1u64 << 30).to_le_bytes());
        let at = 4096 + 4 * 3;
        file[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            workbook_stream(&file),
            Err(SheetError::Damaged(_))
        ));
    }
}
