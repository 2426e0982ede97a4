//! PDF → text, with the repairs PDF text needs before parsing: running headers and footers that
//! repeat on every page are dropped; page numbers and hard line wraps are left to the parser, which
//! removes and joins them for every format.
//!
//! Extractor, chosen by measurement on Chinese PDFs made with LibreOffice (CID fonts; see README):
//! pdf-extract (in process, no tool to install) recovered the text in reading order better than
//! pdftotext and keeps table rows on one line. pdftotext (poppler-utils) is the fallback when
//! pdf-extract fails, panics or finds no text, if it is installed.

use anyhow::{bail, Result};
use std::collections::HashMap;
use std::process::Command;

/// Text written by pdf-extract's plain-text printer into a string shared with the page splitter.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<String>>);

impl std::fmt::Write for Shared {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.borrow_mut().push_str(s);
        Ok(())
    }
}

impl pdf_extract::ConvertToFmt for Shared {
    type Writer = Shared;
    fn convert(self) -> Shared {
        self
    }
}

/// Collects the text page by page in one pass over the document (pdf-extract's own per-page
/// function walks the page tree once per page: quadratic in pages).
struct Paged {
    text: Shared,
    inner: pdf_extract::PlainTextOutput<Shared>,
    page_start: usize,
    pages: Vec<String>,
}

impl pdf_extract::OutputDev for Paged {
    fn begin_page(&mut self, n: u32, media: &pdf_extract::MediaBox, art: Option<(f64, f64, f64, f64)>) -> Result<(), pdf_extract::OutputError> {
        self.page_start = self.text.0.borrow().len();
        self.inner.begin_page(n, media, art)
    }
    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_page()?;
        let text = self.text.0.borrow();
        self.pages.push(text[self.page_start.min(text.len())..].to_string());
        Ok(())
    }
    fn output_character(&mut self, trm: &pdf_extract::Transform, width: f64, spacing: f64, font_size: f64, ch: &str) -> Result<(), pdf_extract::OutputError> {
        self.inner.output_character(trm, width, spacing, font_size, ch)
    }
    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.begin_word()
    }
    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_word()
    }
    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_line()
    }
}

/// What the built-in reader made of a PDF that loaded: its pages of text (or why it failed), and
/// whether the PDF defines fonts, i.e. draws text (a scan draws only images).
struct InProcess {
    pages: Result<Vec<String>>,
    fonts: bool,
}

/// Loads the PDF within the limits (an error: it cannot be loaded, or breaks a limit), then reads
/// its pages with pdf-extract, after the fonts that use predefined CJK CMaps were given explicit
/// maps; a panic inside the loader or the reader becomes an error.
fn pages_in_process(bytes: &[u8]) -> Result<InProcess> {
    let mut doc = crate::guard::catch(|| super::pdf_limits::load(bytes)).map_err(|why| anyhow::anyhow!("the built-in PDF reader failed on this file ({why})"))??;
    let fonts = doc.objects.values().any(|o| o.as_dict().is_ok_and(|d| d.get(b"Type").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Font"))) && draws_text(&doc);
    let read = || -> Result<Vec<String>> {
        super::pdf_cmap::rewrite_predefined_cmaps(&mut doc);
        let text = Shared::default();
        let mut out = Paged { text: text.clone(), inner: pdf_extract::PlainTextOutput::new(text), page_start: 0, pages: vec![] };
        pdf_extract::output_doc(&doc, &mut out).map_err(|e| anyhow::anyhow!("the PDF cannot be read: {e}"))?;
        Ok(out.pages)
    };
    let pages = match crate::guard::catch(read) {
        Ok(result) => result,
        Err(why) if why.contains("encoding") || why.contains("ToUnicode") || why.contains("cmap") => Err(anyhow::anyhow!(
            "the PDF's fonts have no text mapping the built-in reader knows ({why}); install poppler-utils (pdftotext) or export the PDF again from Word"
        )),
        Err(why) => Err(anyhow::anyhow!("the built-in PDF reader failed on this file ({why})")),
    };
    Ok(InProcess { pages, fonts })
}

/// Whether a page or a form of the document shows text (a `Tj` or `TJ` operator): a scan that
/// carries a font it never uses draws none.
fn draws_text(doc: &lopdf::Document) -> bool {
    let shows = |content: &[u8]| memchr::memmem::find(content, b"Tj").is_some() || memchr::memmem::find(content, b"TJ").is_some();
    let pages = doc.get_pages().into_values().any(|p| doc.get_page_content(p).is_ok_and(|c| shows(&c)));
    pages
        || doc.objects.values().filter_map(|o| o.as_stream().ok()).filter(|s| s.dict.get(b"Subtype").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Form")).any(|s| {
            let content = s.decompressed_content().unwrap_or_else(|_| s.content.clone());
            shows(&content)
        })
}

/// What pdftotext may take: wall-clock and processor time, address space, and text read back
/// (four times what one report may hold: the text is trimmed after). A PDF that makes it loop or
/// swell is stopped and counts as unreadable by it, like a refusal.
const PDFTOTEXT: super::child::Limits = super::child::Limits { seconds: 60, memory: Some(2 << 30), output: super::MAX_TEXT_BYTES * 4 };

/// Pages of text by pdftotext, if installed; stopped past its time, memory or text limit.
fn pages_by_pdftotext(bytes: &[u8]) -> Result<Vec<String>> {
    let mut command = Command::new("pdftotext");
    command.args(["-enc", "UTF-8", "-", "-"]);
    let (status, out) = super::child::run(command, "pdftotext", Some(bytes.to_vec()), PDFTOTEXT, "pdftotext is not installed (apt-get install poppler-utils)")?;
    if !status.success() {
        bail!("pdftotext cannot read the PDF");
    }
    Ok(String::from_utf8_lossy(&out).split('\u{c}').map(str::to_string).collect())
}

fn han(pages: &[String]) -> usize {
    pages.iter().map(|p| crate::text::han_count(p)).sum()
}

/// Extracts a PDF's text: pdf-extract, else pdftotext; a PDF with no text at all is a scan. A PDF
/// refused for breaking a limit is not given to another reader.
pub fn extract(bytes: &[u8]) -> Result<String> {
    let (first, fonts) = match pages_in_process(bytes) {
        Ok(read) => (read.pages, read.fonts),
        Err(e) if e.downcast_ref::<super::pdf_limits::Refused>().is_some() => return Err(e),
        Err(e) => (Err(e), false),
    };
    if let Ok(p) = &first {
        if han(p) >= 20 {
            return Ok(drop_running_lines(p.clone()).join("\n"));
        }
    }
    let second = pages_by_pdftotext(bytes);
    let has_text = |r: &Result<Vec<String>>| r.as_ref().is_ok_and(|p| p.iter().any(|x| !x.trim().is_empty()));
    let best = match (&first, &second) {
        (_, Ok(p)) if han(p) >= 20 => Some(p),
        (Ok(p), _) if has_text(&first) => Some(p),
        (_, Ok(p)) if has_text(&second) => Some(p),
        _ => None,
    };
    if best.is_none() {
        if let Err(e) = &second {
            if e.downcast_ref::<super::child::Stopped>().is_some() {
                return second.map(|_| String::new());
            }
        }
    }
    match best {
        Some(p) => Ok(drop_running_lines(p.clone()).join("\n")),
        None if (first.is_ok() || second.is_ok()) && fonts => bail!(
            "the PDF draws text with fonts that have no text mapping jixiao can read; install poppler-utils (pdftotext), or export the PDF again from Word or WPS"
        ),
        None if first.is_ok() || second.is_ok() => bail!("the PDF has no text layer (a scanned document?); run OCR on it first"),
        None => Err(first.err().unwrap_or_else(|| anyhow::anyhow!("the PDF cannot be read"))),
    }
}

/// A line as compared across pages: digits masked, spaces removed.
fn line_key(l: &str) -> String {
    l.chars().filter(|c| !c.is_whitespace()).map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}

/// Removes lines that stand at the top or bottom of most pages (running headers and footers, page
/// number lines such as "第 3 页 共 12 页").
pub fn drop_running_lines(pages: Vec<String>) -> Vec<String> {
    let n = pages.iter().filter(|p| !p.trim().is_empty()).count();
    if n < 3 {
        return pages;
    }
    const EDGE: usize = 2;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in &pages {
        let lines: Vec<&str> = p.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut seen = std::collections::HashSet::new();
        for l in lines.iter().take(EDGE).chain(lines.iter().rev().take(EDGE)) {
            let k = line_key(l);
            // Headers and footers are short and are not sentences.
            if !k.is_empty() && k.chars().count() <= 30 && !crate::text::ends_sentence(l) && seen.insert(k.clone()) {
                *counts.entry(k).or_insert(0) += 1;
            }
        }
    }
    let running: std::collections::HashSet<String> = counts.into_iter().filter(|(_, c)| *c * 2 >= n && *c >= 3).map(|(k, _)| k).collect();
    pages
        .into_iter()
        .map(|p| {
            let lines: Vec<&str> = p.lines().collect();
            let nonempty: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i).collect();
            let edges: std::collections::HashSet<usize> = nonempty.iter().take(EDGE).chain(nonempty.iter().rev().take(EDGE)).copied().collect();
            lines
                .iter()
                .enumerate()
                .filter(|(i, l)| !(edges.contains(i) && running.contains(&line_key(l))))
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_headers_and_footers_are_dropped() {
        let pages: Vec<String> = (1..=4)
            .map(|i| format!("某某县财政局绩效评价报告\n正文第{i}页的内容，说明预算执行情况。\n第{i}段结束。\n- {i} -\n"))
            .collect();
        let out = drop_running_lines(pages).join("\n");
        assert!(!out.contains("某某县财政局绩效评价报告"));
        assert!(!out.contains("- 3 -"));
        assert!(out.contains("正文第2页的内容"));
    }

    #[test]
    fn damaged_pdfs_are_clear_errors() {
        let err = extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntruncated").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("PDF") || msg.contains("pdftotext"), "{msg}");
    }
}
