//! File → text, by format. Plain text and Markdown are decoded (parse::decode); every format's text
//! goes through the same parser afterwards.

use crate::parse::decode::decode;
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// The largest file read. Reports are rarely over a few MB; a larger file is almost always something
/// else (an archive, a scan, a data dump), and reading it whole would only cost memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
}

impl Format {
    /// The format of a file by its extension; `None` for files that are not reports.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "md" | "text" => Some(Format::Text),
            _ => None,
        }
    }
}

/// A file's text and where it came from.
pub struct Extracted {
    pub text: String,
    /// The text encoding, or the format it was extracted from.
    pub encoding: String,
}

/// Reads a file, refusing what is too large to be a report.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).context("cannot open the file")?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES {
        bail!("the file is {} MB, over the {} MB limit for a report; split or convert it first", len >> 20, MAX_FILE_BYTES >> 20);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).context("cannot read the file")?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("the file is over the {} MB limit for a report", MAX_FILE_BYTES >> 20);
    }
    Ok(bytes)
}

/// Extracts the text of a file's bytes.
pub fn extract(path: &Path, bytes: &[u8]) -> Result<Extracted> {
    match Format::of(path) {
        Some(Format::Text) | None => {
            let d = decode(bytes)?;
            Ok(Extracted { text: d.text, encoding: d.encoding.to_string() })
        }
    }
}
