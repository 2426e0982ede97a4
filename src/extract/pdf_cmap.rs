//! Chinese PDFs written with the predefined CJK CMaps (STSong-Light and the like, fonts not
//! embedded, no ToUnicode map): the built-in reader knows only Identity-H and embedded maps, so
//! each such font is given an explicit encoding and a ToUnicode map before the text is read.
//!
//! - `Uni…-UCS2-H/V`, `Uni…-UTF16-H/V` (GB1, CNS1): the codes are UTF-16 code units: Identity-H
//!   plus a ToUnicode map that maps every code to itself.
//! - `GBK-EUC-H/V`, `GBpc-EUC-H/V`, `GB-EUC-H/V` (GB2312/GBK) and `ETen-B5-H/V`, `B5pc-H/V` (Big5):
//!   one byte for ASCII, two for Chinese; encoding_rs decodes each two-byte code for the map.
//!
//! - `Identity-H/V` fonts of the Adobe-GB1 collection without a ToUnicode map: the codes are CIDs,
//!   mapped by Adobe's CID table (`adobe_gb1.txt`, BSD-licensed, notice in the file).

use lopdf::{Dictionary, Document, Object, Stream};

/// How a predefined CMap encodes characters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Codes {
    /// Two-byte UTF-16 code units.
    Utf16,
    /// Two-byte Adobe-GB1 CIDs (Identity-H/V).
    Gb1Cids,
    /// ASCII bytes and two-byte codes of a legacy encoding.
    Legacy(&'static encoding_rs::Encoding),
}

fn codes_of(cmap: &str) -> Option<Codes> {
    let base = cmap.trim_end_matches("-H").trim_end_matches("-V");
    if base.starts_with("Uni") && (base.ends_with("-UCS2") || base.ends_with("-UTF16")) {
        return Some(Codes::Utf16);
    }
    match base {
        "GBK-EUC" | "GBpc-EUC" | "GB-EUC" | "GBKp-EUC" | "GBT-EUC" => Some(Codes::Legacy(encoding_rs::GBK)),
        "ETen-B5" | "B5pc" | "ETenms-B5" | "HKscs-B5" => Some(Codes::Legacy(encoding_rs::BIG5)),
        _ => None,
    }
}

/// A CMap program with the given body (codespace and mappings).
fn cmap_program(name: &str, body: &str) -> Vec<u8> {
    format!(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /{name} def\n/CMapType 2 def\n{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    .into_bytes()
}

/// UTF-16BE hex of a string (for a ToUnicode map's destinations).
fn utf16_hex(s: &str) -> String {
    s.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

/// Writes `entries` in blocks of at most 100 (the CMap limit per block).
fn blocks(out: &mut String, kind: &str, entries: &[String]) {
    for chunk in entries.chunks(100) {
        out.push_str(&format!("{} begin{kind}\n", chunk.len()));
        for e in chunk {
            out.push_str(e);
            out.push('\n');
        }
        out.push_str(&format!("end{kind}\n"));
    }
}

const ADOBE_GB1: &str = include_str!("adobe_gb1.txt");

/// The two-byte codes and single bytes used by the document's text strings (`strings`), read as
/// `codes` reads them. The reader rebuilds a font's map on every page, so the maps hold only the
/// codes in use: a 300-page report then costs 300 small maps, not 300 of 60,000 entries.
fn used(codes: Codes, strings: &[Vec<u8>]) -> std::collections::BTreeSet<u32> {
    let mut set = std::collections::BTreeSet::new();
    for s in strings {
        match codes {
            Codes::Utf16 | Codes::Gb1Cids => {
                for pair in s.chunks_exact(2) {
                    set.insert(u32::from(pair[0]) << 8 | u32::from(pair[1]));
                }
            }
            Codes::Legacy(_) => {
                let mut i = 0;
                while i < s.len() {
                    if s[i] >= 0x81 && i + 1 < s.len() {
                        set.insert(u32::from(s[i]) << 8 | u32::from(s[i + 1]));
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }
    set
}

/// The (encoding, ToUnicode) CMap programs for one kind of codes, mapping the codes in `used`.
fn programs(codes: Codes, used: &std::collections::BTreeSet<u32>) -> (Option<Vec<u8>>, Vec<u8>) {
    match codes {
        Codes::Gb1Cids => {
            let mut chars = vec![];
            for line in ADOBE_GB1.lines().filter(|l| !l.starts_with('#')) {
                let mut f = line.split_whitespace();
                let (Some(cid), Some(cp), Some(n)) = (f.next(), f.next(), f.next()) else { continue };
                let (Ok(cid), Ok(cp), Ok(n)) = (cid.parse::<u32>(), u32::from_str_radix(cp, 16), n.parse::<u32>()) else { continue };
                for k in used.range(cid..cid + n) {
                    if let Some(c) = char::from_u32(cp + (k - cid)) {
                        chars.push(format!("<{k:04X}> <{}>", utf16_hex(&c.to_string())));
                    }
                }
            }
            let mut body = String::from("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
            blocks(&mut body, "bfchar", &chars);
            (None, cmap_program("jixiao-Adobe-GB1-ToUnicode", &body))
        }
        Codes::Utf16 => {
            let mut body = String::from("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
            let chars: Vec<String> = used.iter().filter(|c| !(0xD800..=0xDFFF).contains(*c)).map(|c| format!("<{c:04X}> <{c:04X}>")).collect();
            blocks(&mut body, "bfchar", &chars);
            (None, cmap_program("jixiao-UCS2-ToUnicode", &body))
        }
        Codes::Legacy(enc) => {
            // adobe-cmap-parser (inside pdf-extract) takes a codespace range's width in bytes as
            // half its hex string's byte length, so one-byte codes are written with two bytes and
            // two-byte codes with four. These programs are read by pdf-extract only.
            let encoding_space = "2 begincodespacerange\n<0000> <0080>\n<00008140> <0000FEFE>\nendcodespacerange\n";
            let encoding = format!("{encoding_space}1 begincidrange\n<0000> <FFFF> 0\nendcidrange\n");
            let space = "2 begincodespacerange\n<00> <80>\n<8140> <FEFE>\nendcodespacerange\n";
            let mut entries = vec![];
            for code in used.iter().filter(|c| **c >= 0x8140) {
                let bytes = [(code >> 8) as u8, (code & 0xFF) as u8];
                let (text, had_errors) = enc.decode_without_bom_handling(&bytes);
                if !had_errors && text.chars().count() == 1 {
                    entries.push(format!("<{code:04X}> <{}>", utf16_hex(&text)));
                }
            }
            let mut body = String::from(space);
            blocks(&mut body, "bfrange", &["<00> <7F> <0000>".to_string()]);
            blocks(&mut body, "bfchar", &entries);
            (Some(cmap_program("jixiao-Legacy", &encoding)), cmap_program("jixiao-Legacy-ToUnicode", &body))
        }
    }
}

/// The operands of the text-showing operators (Tj, TJ, ', ") of every page.
fn text_strings(doc: &Document) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (_, page) in doc.get_pages() {
        let Ok(content) = doc.get_page_content(page) else { continue };
        let Ok(ops) = lopdf::content::Content::decode(&content) else { continue };
        for op in ops.operations {
            if !matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\"") {
                continue;
            }
            for operand in &op.operands {
                match operand {
                    Object::String(b, _) => out.push(b.clone()),
                    Object::Array(items) => out.extend(items.iter().filter_map(|i| if let Object::String(b, _) = i { Some(b.clone()) } else { None })),
                    _ => {}
                }
            }
        }
    }
    out
}

/// The character collection (CIDSystemInfo /Ordering) of a Type0 font's descendant font.
fn ordering(doc: &Document, font: &Dictionary) -> Option<String> {
    let deref = |o: &Object| -> Option<Object> {
        match o {
            Object::Reference(r) => doc.get_object(*r).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let descendants = deref(font.get(b"DescendantFonts").ok()?)?;
    let first = deref(descendants.as_array().ok()?.first()?)?;
    let info = deref(first.as_dict().ok()?.get(b"CIDSystemInfo").ok()?)?;
    let ordering = info.as_dict().ok()?.get(b"Ordering").ok()?;
    let bytes = match ordering {
        Object::String(b, _) => b.clone(),
        Object::Name(b) => b.clone(),
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

/// Gives every Type0 font that uses a predefined CJK CMap (and has no ToUnicode map) an explicit
/// encoding and ToUnicode map. Returns how many fonts were rewritten.
pub fn rewrite_predefined_cmaps(doc: &mut Document) -> usize {
    let fonts: Vec<(lopdf::ObjectId, Codes)> = doc
        .objects
        .iter()
        .filter_map(|(id, obj)| {
            let d = obj.as_dict().ok()?;
            let is_type0 = d.get(b"Subtype").ok()?.as_name().ok()? == b"Type0";
            if !is_type0 || d.get(b"ToUnicode").is_ok() {
                return None;
            }
            let name = std::str::from_utf8(d.get(b"Encoding").ok()?.as_name().ok()?).ok()?;
            let codes = match name {
                "Identity-H" | "Identity-V" => (ordering(doc, d).as_deref() == Some("GB1")).then_some(Codes::Gb1Cids)?,
                _ => codes_of(name)?,
            };
            Some((*id, codes))
        })
        .collect();
    if fonts.is_empty() {
        return 0;
    }
    let strings = text_strings(doc);
    let mut cache: Vec<(Codes, Object, lopdf::ObjectId)> = Vec::new();
    for (id, codes) in &fonts {
        let (encoding, to_unicode) = match cache.iter().find(|(c, _, _)| c == codes) {
            Some((_, e, t)) => (e.clone(), *t),
            None => {
                let (enc, tu) = programs(*codes, &used(*codes, &strings));
                let encoding = match enc {
                    Some(p) => Object::Reference(doc.add_object(Stream::new(Dictionary::new(), p))),
                    None => Object::Name(b"Identity-H".to_vec()),
                };
                let to_unicode = doc.add_object(Stream::new(Dictionary::new(), tu));
                cache.push((*codes, encoding.clone(), to_unicode));
                (encoding, to_unicode)
            }
        };
        if let Ok(Object::Dictionary(d)) = doc.get_object_mut(*id) {
            d.set("Encoding", encoding);
            d.set("ToUnicode", Object::Reference(to_unicode));
        }
    }
    fonts.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_cmap_names_are_recognised() {
        assert_eq!(codes_of("UniGB-UCS2-H"), Some(Codes::Utf16));
        assert_eq!(codes_of("UniGB-UTF16-V"), Some(Codes::Utf16));
        assert_eq!(codes_of("UniCNS-UCS2-H"), Some(Codes::Utf16));
        assert_eq!(codes_of("GBK-EUC-H"), Some(Codes::Legacy(encoding_rs::GBK)));
        assert_eq!(codes_of("GB-EUC-V"), Some(Codes::Legacy(encoding_rs::GBK)));
        assert_eq!(codes_of("ETen-B5-H"), Some(Codes::Legacy(encoding_rs::BIG5)));
        assert_eq!(codes_of("Identity-H"), None);
    }
}
