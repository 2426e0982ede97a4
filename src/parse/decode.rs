//! Bytes → text. Detects UTF-8 (with or without BOM), UTF-16 with BOM and the Chinese legacy
//! encodings (GB18030/GBK, Big5) and refuses what is not text.

use encoding_rs::{Encoding, GB18030, UTF_8};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is binary, not text ({0})")]
    Binary(&'static str),
    #[error("cannot tell the text encoding (tried UTF-8, UTF-16, GB18030 and the detector's guess {0}); convert the file to UTF-8")]
    Undetectable(String),
}

/// Decoded text and the name of the encoding it came from.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Decodes a file's bytes. NUL bytes are dropped from UTF-8 text (a common artifact of broken
/// exports); a file that is mostly NULs or control bytes is binary.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors && enc != UTF_8 {
            return Err(DecodeError::Undetectable(enc.name().to_string()));
        }
        return finish(text.into_owned(), enc);
    }
    if looks_binary(bytes) {
        return Err(DecodeError::Binary(binary_kind(bytes)));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return finish(s.to_string(), UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    for enc in [guess, GB18030] {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors && plausible(&text) {
            // GBK is a subset of GB18030; report the family users know.
            return finish(text.into_owned(), if enc == GB18030 { GB18030 } else { enc });
        }
    }
    Err(DecodeError::Undetectable(guess.name().to_string()))
}

fn finish(mut text: String, enc: &'static Encoding) -> Result<Decoded, DecodeError> {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    if !plausible(&text) {
        return Err(DecodeError::Binary("mostly control characters"));
    }
    Ok(Decoded { text, encoding: enc.name() })
}

/// Text whose characters are mostly printable.
fn plausible(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().take(200_000) {
        total += 1;
        if (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) || c == '\u{FFFD}' {
            bad += 1;
        }
    }
    total > 0 && bad * 20 < total
}

/// Many NUL bytes (not in a UTF-16 pattern, which has a BOM or is caught by the detector) or a
/// known binary signature.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if known_signature(head) {
        return true;
    }
    let nuls = head.iter().filter(|b| **b == 0).count();
    nuls * 10 > head.len()
}

fn known_signature(head: &[u8]) -> bool {
    const SIGS: [&[u8]; 7] = [b"%PDF", b"PK\x03\x04", b"\xD0\xCF\x11\xE0", b"\x89PNG", b"\xFF\xD8\xFF", b"GIF8", b"\x7FELF"];
    SIGS.iter().any(|s| head.starts_with(s))
}

fn binary_kind(head: &[u8]) -> &'static str {
    match head {
        [b'%', b'P', b'D', b'F', ..] => "a PDF document",
        [b'P', b'K', 3, 4, ..] => "a ZIP archive or Office document",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "a legacy Office document",
        [0x89, b'P', b'N', b'G', ..] => "a PNG image",
        [0xFF, 0xD8, 0xFF, ..] => "a JPEG image",
        [b'G', b'I', b'F', b'8', ..] => "a GIF image",
        [0x7F, b'E', b'L', b'F', ..] => "an executable",
        _ => "contains NUL bytes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "一、部门基本情况\n本部门预算执行率为95%。\n";

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(SAMPLE.as_bytes()).unwrap().text, SAMPLE);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&bom).unwrap();
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in SAMPLE.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.encoding, "UTF-16LE");
    }

    #[test]
    fn gb18030() {
        let (bytes, _, _) = GB18030.encode(SAMPLE);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn binary_and_empty_are_refused() {
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(decode(b"   \n ").unwrap_err(), DecodeError::Empty);
        assert!(matches!(decode(b"%PDF-1.7\n\x00\x01\x02binary").unwrap_err(), DecodeError::Binary(_)));
        let noise: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 256) as u8).collect();
        assert!(decode(&noise).is_err());
    }

    #[test]
    fn nul_bytes_inside_utf8_text_are_dropped() {
        let d = decode("一、概况\0\n正文。".as_bytes()).unwrap();
        assert_eq!(d.text, "一、概况\n正文。");
    }
}
