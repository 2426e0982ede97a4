//! Word .docx → text: paragraphs and tables in reading order, table rows as tab-separated lines (so
//! score tables parse), Word's automatic list numbering written out as the marker it displays
//! ("一、", "（1）"), no bookmarks, field codes or deleted text.

use anyhow::{bail, Context, Result};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The largest XML part read from a .docx, decompressed (a zip bomb guard): a larger part makes
/// the file an error, never a silently cut report.
const MAX_PART: u64 = 64 * 1024 * 1024;
/// Word's list levels are 0 to 8.
const MAX_LEVEL: usize = 8;
/// The longest list-marker template kept ("%1、", "（%2）" in real documents; Word's own limit is
/// far below this): a longer one is dropped, so that a marker cannot multiply a small file into
/// gigabytes of text over thousands of numbered paragraphs.
const MAX_MARKER: usize = 64;

fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e).context(format!("the .docx is damaged ({name})")),
    };
    let mut s = String::new();
    f.take(MAX_PART + 1).read_to_string(&mut s).with_context(|| format!("the .docx is damaged ({name} unreadable)"))?;
    if s.len() as u64 > MAX_PART {
        anyhow::bail!("the .docx's {name} is over {} MB when decompressed; the file is refused (a zip bomb?)", MAX_PART / (1024 * 1024));
    }
    Ok(Some(s))
}

fn attr(e: &quick_xml::events::BytesStart, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.unescape_value().ok()).map(|v| v.into_owned())
}

/// One level of a list definition.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// Word's list definitions: numId → levels.
#[derive(Default)]
struct Numbering {
    lists: HashMap<String, Vec<Level>>,
}

impl Numbering {
    fn parse(xml: &str) -> Numbering {
        let mut abstract_levels: HashMap<String, Vec<Level>> = HashMap::new();
        let mut num_to_abstract: HashMap<String, String> = HashMap::new();
        let mut reader = Reader::from_str(xml);
        let (mut cur_abstract, mut cur_num, mut cur_lvl): (Option<String>, Option<String>, Option<usize>) = (None, None, None);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().as_ref() {
                    b"w:abstractNum" => cur_abstract = attr(&e, b"w:abstractNumId"),
                    b"w:num" => cur_num = attr(&e, b"w:numId"),
                    b"w:abstractNumId" => {
                        if let (Some(n), Some(v)) = (&cur_num, attr(&e, b"w:val")) {
                            num_to_abstract.insert(n.clone(), v);
                        }
                    }
                    b"w:lvl" => {
                        cur_lvl = attr(&e, b"w:ilvl").and_then(|v| v.parse().ok()).filter(|l| *l <= MAX_LEVEL);
                        if let (Some(a), Some(l)) = (&cur_abstract, cur_lvl) {
                            let levels = abstract_levels.entry(a.clone()).or_default();
                            if levels.len() <= l {
                                levels.resize(l + 1, Level { start: 1, ..Level::default() });
                            }
                        }
                    }
                    name @ (b"w:start" | b"w:numFmt" | b"w:lvlText") => {
                        if let (Some(a), Some(l), Some(v)) = (&cur_abstract, cur_lvl, attr(&e, b"w:val")) {
                            if let Some(level) = abstract_levels.get_mut(a).and_then(|ls| ls.get_mut(l)) {
                                match name {
                                    b"w:start" => level.start = v.parse().unwrap_or(1),
                                    b"w:numFmt" => level.format = v,
                                    _ => level.text = if v.len() <= MAX_MARKER { v } else { String::new() },
                                }
                            }
                        }
                    }
                    _ => {}
                },
                Ok(Event::End(e)) => match e.name().as_ref() {
                    b"w:abstractNum" => cur_abstract = None,
                    b"w:num" => cur_num = None,
                    b"w:lvl" => cur_lvl = None,
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
        let lists = num_to_abstract.into_iter().filter_map(|(n, a)| abstract_levels.get(&a).map(|l| (n, l.clone()))).collect();
        Numbering { lists }
    }
}

fn chinese(n: u32) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 => format!("{}十{}", D[(n / 10) as usize], if n % 10 == 0 { "" } else { D[(n % 10) as usize] }),
        _ => n.to_string(),
    }
}

fn format_number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting" | "chineseCountingThousand" | "chineseLegalSimplified" | "ideographTraditional" | "japaneseCounting" => chinese(n),
        "decimalFullWidth" | "decimalFullWidth2" => n.to_string().chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)).collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => char::from_u32('①' as u32 + n - 1).map(String::from).unwrap_or_default(),
        "lowerLetter" => char::from_u32('a' as u32 + (n.saturating_sub(1) % 26)).map(String::from).unwrap_or_default(),
        "upperLetter" => char::from_u32('A' as u32 + (n.saturating_sub(1) % 26)).map(String::from).unwrap_or_default(),
        "bullet" | "none" => String::new(),
        _ => n.to_string(),
    }
}

/// Counters of the lists met so far, per numId and level.
struct Counters<'a> {
    numbering: &'a Numbering,
    counts: HashMap<String, Vec<u32>>,
}

impl Counters<'_> {
    /// The marker Word displays for the next paragraph of list `num` at level `ilvl`.
    fn next(&mut self, num: &str, ilvl: usize) -> String {
        let Some(levels) = self.numbering.lists.get(num) else { return String::new() };
        let Some(level) = levels.get(ilvl) else { return String::new() };
        if level.format == "bullet" || level.format == "none" {
            return String::new();
        }
        let counts = self.counts.entry(num.to_string()).or_insert_with(|| vec![0; 9]);
        if counts.len() <= ilvl {
            counts.resize(ilvl + 1, 0);
        }
        counts[ilvl] = if counts[ilvl] == 0 { level.start.max(1) } else { counts[ilvl].saturating_add(1) };
        for deeper in counts.iter_mut().skip(ilvl + 1) {
            *deeper = 0;
        }
        let mut text = level.text.clone();
        for (i, l) in levels.iter().enumerate().take(ilvl + 1) {
            let n = if counts[i] == 0 { l.start.max(1) } else { counts[i] };
            text = text.replace(&format!("%{}", i + 1), &format_number(n, &l.format));
        }
        text
    }
}

/// Extracts the text of a .docx file's bytes.
pub fn extract(bytes: &[u8]) -> Result<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).context("not a valid .docx (the zip container is damaged or truncated)")?;
    let Some(doc) = part(&mut zip, "word/document.xml")? else {
        bail!("not a Word document (no word/document.xml in the archive)");
    };
    let numbering = part(&mut zip, "word/numbering.xml")?.map(|x| Numbering::parse(&x)).unwrap_or_default();
    let mut counters = Counters { numbering: &numbering, counts: HashMap::new() };
    let mut reader = Reader::from_str(&doc);
    let mut out = String::new();
    let mut para = String::new();
    let mut num: (Option<String>, usize) = (None, 0);
    let mut in_text = false;
    let mut skip_depth = 0usize;
    // Table state: cells of the current row, text of the current cell, nesting depth.
    let mut table_depth = 0usize;
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    loop {
        let ev = reader.read_event().context("the .docx text (word/document.xml) is damaged")?;
        match ev {
            Event::Start(e) => match e.name().as_ref() {
                b"w:p" => {
                    para.clear();
                    num = (None, 0);
                }
                b"w:t" => in_text = skip_depth == 0,
                b"w:instrText" | b"w:delText" | b"w:del" => skip_depth += 1,
                b"w:tbl" => table_depth += 1,
                b"w:tr" => row.clear(),
                b"w:tc" => cell.clear(),
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                b"w:tab" if skip_depth == 0 => para.push('\t'),
                b"w:br" | b"w:cr" if skip_depth == 0 => para.push('\n'),
                b"w:numId" => num.0 = attr(&e, b"w:val").filter(|v| v != "0"),
                b"w:ilvl" => num.1 = attr(&e, b"w:val").and_then(|v| v.parse().ok()).unwrap_or(0),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t.xml_content().map(|c| c.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                para.push_str(&s);
                if out.len() + cell.len() + para.len() > super::MAX_TEXT_BYTES {
                    bail!("{}", super::too_much_text());
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    para.push(c);
                } else {
                    let name: &[u8] = &r;
                    match name {
                        b"amp" => para.push('&'),
                        b"lt" => para.push('<'),
                        b"gt" => para.push('>'),
                        b"quot" => para.push('"'),
                        b"apos" => para.push('\''),
                        _ => {}
                    }
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:instrText" | b"w:delText" | b"w:del" => skip_depth = skip_depth.saturating_sub(1),
                b"w:p" => {
                    let marker = match &num.0 {
                        Some(id) => counters.next(id, num.1),
                        None => String::new(),
                    };
                    let text = format!("{marker}{}", para.trim_end());
                    if table_depth > 0 {
                        if !cell.is_empty() && !text.trim().is_empty() {
                            cell.push(' ');
                        }
                        cell.push_str(text.replace(['\t', '\n'], " ").trim());
                    } else {
                        out.push_str(&text);
                        out.push('\n');
                    }
                    para.clear();
                    if out.len() + cell.len() > super::MAX_TEXT_BYTES {
                        bail!("{}", super::too_much_text());
                    }
                }
                b"w:tc" => row.push(std::mem::take(&mut cell)),
                b"w:tr" => {
                    if table_depth == 1 || !row.is_empty() {
                        // Empty leading cells keep their tab so columns stay aligned.
                        out.push_str(&row.join("\t"));
                        out.push('\n');
                    }
                    row.clear();
                }
                b"w:tbl" => {
                    table_depth = table_depth.saturating_sub(1);
                    out.push('\n');
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers_for_word_lists() {
        assert_eq!(format_number(7, "chineseCounting"), "七");
        assert_eq!(format_number(12, "chineseCountingThousand"), "十二");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(2, "decimal"), "2");
    }

    #[test]
    fn damaged_archives_are_clear_errors() {
        let err = extract(b"PK\x03\x04 truncated").unwrap_err();
        assert!(format!("{err:#}").contains("not a valid .docx"), "{err:#}");
    }
}
