//! File → text, by format: plain text and Markdown (decoded by parse::decode), Word .docx and
//! legacy .doc, PDF and HTML. Every format's text goes through the same parser afterwards.

pub mod archive;
mod child;
mod doc;
pub(crate) mod docx;
pub(crate) mod html;
pub mod pdf;
mod pdf_cmap;
mod pdf_limits;

use crate::parse::decode::decode;
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// The largest file read. Reports are rarely over a few MB; a larger file is almost always something
/// else (an archive, a scan, a data dump), and reading it whole would only cost memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The most text one report may hold once extracted: 8 MB is about 2.7 million Chinese characters,
/// a thousand pages and more (a long report is under 1 MB). Parsing costs many times the text's
/// size, and up to eight files are read at once, so a larger text is refused, never cut.
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// The message for a text over [`MAX_TEXT_BYTES`].
pub fn too_much_text() -> String {
    format!("the file's text is over {} MB, the limit for one report; split it into reports first", MAX_TEXT_BYTES >> 20)
}

/// A file's format, from its name and first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text in any encoding.
    Text,
    /// Word 2007 and later.
    Docx,
    /// Legacy Word.
    Doc,
    /// PDF.
    Pdf,
    /// A web page.
    Html,
}

impl Format {
    /// The format of a file by its extension; `None` for files that are not reports.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "md" | "text" => Some(Format::Text),
            "docx" => Some(Format::Docx),
            "doc" => Some(Format::Doc),
            "pdf" => Some(Format::Pdf),
            "html" | "htm" | "shtml" | "xhtml" => Some(Format::Html),
            _ => None,
        }
    }
}

/// A file's text and where it came from.
pub struct Extracted {
    /// The text read.
    pub text: String,
    /// The text encoding, or the format it was extracted from.
    pub encoding: String,
    /// A web page's publication date (发布日期).
    pub published: Option<String>,
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

/// Extracts the text of a file's bytes. A file with an unknown extension is read as text. A text
/// over [`MAX_TEXT_BYTES`] is refused.
pub fn extract(path: &Path, bytes: &[u8]) -> Result<Extracted> {
    let extracted = extract_any(path, bytes)?;
    if extracted.text.len() > MAX_TEXT_BYTES {
        bail!("{}", too_much_text());
    }
    Ok(extracted)
}

fn extract_any(path: &Path, bytes: &[u8]) -> Result<Extracted> {
    let from = |text: String, format: &str| Extracted { text, encoding: format.to_string(), published: None };
    match Format::of(path) {
        Some(Format::Text) | None => {
            let d = decode(bytes)?;
            Ok(from(d.text, d.encoding))
        }
        Some(Format::Docx) => Ok(from(docx::extract(bytes)?, "docx")),
        Some(Format::Doc) => Ok(from(doc::extract(bytes)?, "doc")),
        Some(Format::Pdf) => {
            if !bytes.starts_with(b"%PDF") && !bytes[..bytes.len().min(1024)].windows(4).any(|w| w == b"%PDF") {
                bail!("not a PDF (no %PDF header); the file is damaged or misnamed");
            }
            Ok(from(pdf::extract(bytes)?, "pdf"))
        }
        Some(Format::Html) => {
            let d = decode(bytes)?;
            let (text, published) = html::extract(&d.text)?;
            if text.trim().is_empty() {
                bail!("the web page has no article text");
            }
            Ok(Extracted { text, encoding: format!("html ({})", d.encoding), published })
        }
    }
}
