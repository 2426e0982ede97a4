//! Loading a PDF with every cost bounded before the text reader sees it.
//!
//! A PDF is a graph of compressed streams, and a small file can describe a huge or endless amount
//! of work: a stream that inflates to gigabytes (through any filter chain), forms that draw
//! themselves, a page tree that is its own ancestor. The text reader (pdf-extract) trusts the file,
//! so jixiao decodes every stream itself, while it is read, with a cap on each and on the document's
//! total, and walks the forms each page draws before the reader does.
//!
//! Limits (each refused with its figure in the message):
//! - a stream decodes to at most [`MAX_STREAM`] bytes per filter stage, the document to
//!   [`MAX_TOTAL`] (report text streams are a few MB; a 40-page report's whole PDF decodes to
//!   well under 20 MB);
//! - forms nest at most [`MAX_FORM_DEPTH`] deep (real documents nest two or three), a form never
//!   draws itself through any chain, and the content the reader would walk, counting each form once
//!   per draw, is at most [`MAX_DRAWN`] bytes (so a form drawn twice by the next, 40 deep, is
//!   refused instead of running for ever), and forms are drawn at most [`MAX_FORM_DRAWS`] times;
//! - a page's ancestors (where it inherits its resources from) never loop.

use anyhow::{anyhow, Result};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::rc::Rc;

/// The most one filter stage of one stream may decode to.
pub const MAX_STREAM: usize = 64 << 20;
/// The most all the document's streams may decode to together.
pub const MAX_TOTAL: usize = 256 << 20;
/// The deepest chain of forms drawing forms.
pub const MAX_FORM_DEPTH: usize = 16;
/// The most content (pages and every drawing of a form) the text reader may walk.
pub const MAX_DRAWN: usize = 256 << 20;
/// The most times forms may be drawn in one document (a 1,000-page report drawing a logo and a
/// few stamps on every page stays far below).
pub const MAX_FORM_DRAWS: usize = 100_000;

/// A PDF refused for breaking a limit: final, no other reader is tried on it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Refuses the file with a reason.
macro_rules! refuse {
    ($($arg:tt)*) => { return Err(anyhow::Error::new(Refused(format!($($arg)*)))) };
}

thread_local! {
    /// Bytes decoded so far for the document being loaded on this thread.
    static DECODED: Cell<usize> = const { Cell::new(0) };
    /// Why the document being loaded on this thread is refused, once a stream broke a limit.
    static REFUSED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The object streams of the encrypted document being loaded on this thread, set aside until
    /// it is decrypted.
    static STASHED: RefCell<Vec<(ObjectId, Object)>> = const { RefCell::new(Vec::new()) };
}

/// Loads a PDF, decoding its streams within the limits and checking what the text reader will
/// walk; an encrypted PDF is opened with the empty password (the usual "protected" PDF that opens
/// without asking) or refused.
pub fn load(bytes: &[u8]) -> Result<Document> {
    check_xref_streams(bytes)?;
    DECODED.with(|d| d.set(0));
    REFUSED.with(|r| r.borrow_mut().take());
    STASHED.with(|s| s.borrow_mut().clear());
    // The PDF library decrypts an encrypted document while loading it and unpacks its object
    // streams then, without a hook and without a limit. Its encryption entry is hidden from the
    // library (renamed in place, so no offset moves); the document is decrypted here, its object
    // streams decoded within the limits before they are unpacked.
    let hidden = hide_encryption(bytes);
    let hook: fn(ObjectId, &mut Object) -> Option<(ObjectId, Object)> = if hidden.is_some() { stash_on_load } else { decode_on_load };
    let options = lopdf::LoadOptions { filter: Some(hook), ..Default::default() };
    let loaded = Document::load_mem_with_options(hidden.as_deref().unwrap_or(bytes), options);
    if let Some(why) = REFUSED.with(|r| r.borrow_mut().take()) {
        refuse!("{why}");
    }
    let mut doc = loaded.map_err(|e| anyhow!("the PDF cannot be read: {e}"))?;
    if let Some(entry) = doc.trailer.remove(HIDDEN_ENCRYPT) {
        doc.trailer.set("Encrypt", entry);
        decrypt(&mut doc)?;
    } else if doc.is_encrypted() {
        refuse!("the PDF's encryption is written in a way jixiao cannot read; save an unprotected copy first");
    } else {
        // "/Encrypt N 0 R" written somewhere but the trailer: not encrypted after all.
        unpack_stashed(&mut doc, None)?;
    }
    // Streams of an encrypted document were read without decoding; decode what is left.
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            decode_in_place(stream)?;
        }
    }
    check_pages_and_forms(&doc)?;
    Ok(doc)
}

/// The trailer key that stands for `/Encrypt` while the PDF library loads the document: as long,
/// so that every offset stays true.
const HIDDEN_ENCRYPT: &[u8] = b"EncrypX";

/// The file with each `/Encrypt N 0 R` renamed to the hidden key, when it has one.
fn hide_encryption(bytes: &[u8]) -> Option<Vec<u8>> {
    static ENTRY: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| regex::bytes::Regex::new(r"/Encrypt(\s*(?:\d|<<))").expect("valid pattern"));
    if !ENTRY.is_match(bytes) {
        return None;
    }
    Some(ENTRY.replace_all(bytes, &b"/EncrypX$1"[..]).into_owned())
}

/// The load hook for an encrypted document: object streams are set aside whole (still encrypted,
/// so the library cannot unpack them), everything else is kept as read.
fn stash_on_load(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        if stream.dict.has_type(b"ObjStm") {
            let taken = std::mem::replace(object, Object::Null);
            STASHED.with(|s| s.borrow_mut().push((id, taken)));
        }
        return Some((id, Object::Null));
    }
    Some((id, object.clone()))
}

/// Decrypts a document loaded with its encryption hidden, with the empty password (as the PDF
/// library would), then unpacks its object streams, each decoded within the limits first.
fn decrypt(doc: &mut Document) -> Result<()> {
    use lopdf::encryption::{decrypt_object, EncryptionState};
    let locked = || anyhow!("the PDF is encrypted with a password; save an unprotected copy first");
    doc.authenticate_password("").map_err(|_| locked())?;
    let state = EncryptionState::decode(&*doc, "").map_err(|_| locked())?;
    // The encryption dictionary (not itself encrypted) is an object of its own or written inline.
    let entry = doc.trailer.get(b"Encrypt").and_then(Object::as_reference).ok();
    for (&id, object) in doc.objects.iter_mut() {
        if Some(id) != entry {
            // As the PDF library does: an object that does not decrypt is left as it is.
            let _ = decrypt_object(&state, id, object);
        }
    }
    unpack_stashed(doc, Some(&state))?;
    doc.trailer.remove(b"Encrypt");
    if let Some(entry) = entry {
        doc.objects.remove(&entry);
    }
    doc.encryption_state = Some(state);
    Ok(())
}

/// Unpacks the object streams set aside while loading (decrypted first with `state`), each decoded
/// within the limits; an object already loaded is kept.
fn unpack_stashed(doc: &mut Document, state: Option<&lopdf::encryption::EncryptionState>) -> Result<()> {
    let mut unpacked = std::collections::BTreeMap::new();
    for (id, mut object) in STASHED.with(|s| std::mem::take(&mut *s.borrow_mut())) {
        if let Some(state) = state {
            let _ = lopdf::encryption::decrypt_object(state, id, &mut object);
        }
        if let Object::Stream(stream) = &mut object {
            decode_in_place(stream)?;
            if let Ok(objects) = lopdf::ObjectStream::new(stream) {
                unpacked.extend(objects.objects);
            }
        }
    }
    for (id, object) in unpacked {
        doc.objects.entry(id).or_insert(object);
    }
    Ok(())
}

/// Cross-reference streams are inflated by the PDF library before any hook runs, so they are
/// measured first, from the raw bytes: the stream at each offset `startxref`, `/Prev` or
/// `/XRefStm` names is decoded into a counter (an object stream or page stream there is harmless
/// to measure too).
fn check_xref_streams(bytes: &[u8]) -> Result<()> {
    static OFFSETS: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| regex::bytes::Regex::new(r"(?:startxref|/Prev|/XRefStm)\s+(\d{1,12})").expect("valid pattern"));
    let mut seen = HashSet::new();
    for caps in OFFSETS.captures_iter(bytes).take(1000) {
        let Some(at) = std::str::from_utf8(&caps[1]).ok().and_then(|s| s.parse::<usize>().ok()) else { continue };
        if at >= bytes.len() || !seen.insert(at) {
            continue;
        }
        let head = &bytes[at..bytes.len().min(at + 4096)];
        let Some(kw) = memchr::memmem::find(head, b"stream") else { continue };
        let body = &bytes[at + kw + 6..];
        let body = body.strip_prefix(b"\r\n").or_else(|| body.strip_prefix(b"\n")).or_else(|| body.strip_prefix(b"\r")).unwrap_or(body);
        // The chain the dictionary names, each stage measured; a chain named by reference is
        // measured as the one filter it most likely is.
        match raw_filters(&head[..kw]) {
            Some(filters) if filters.is_empty() => {}
            Some(filters) => {
                decode_chain(&filters, &[], body)?;
            }
            None if memchr::memmem::find(&head[..kw], b"LZW").is_some() => {
                unlzw(body, None)?;
            }
            None => {
                inflate(body)?;
            }
        }
    }
    Ok(())
}

/// lopdf's load hook: runs on every object read (on this thread: lopdf is built without rayon),
/// before object streams are unpacked, so no stream is ever inflated without a limit.
fn decode_on_load(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        if let Err(why) = decode_in_place(stream) {
            REFUSED.with(|r| r.borrow_mut().get_or_insert_with(|| format!("{why:#}")).len());
            stream.set_plain_content(Vec::new());
        }
        // The loader keeps the object it passed in; the returned copy is used only for objects
        // unpacked from object streams, which are never streams.
        return Some((id, Object::Null));
    }
    Some((id, object.clone()))
}

/// A filter as named in full or by its inline-image short form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    Flate,
    Lzw,
    Ascii85,
    AsciiHex,
    RunLength,
    /// An image codec (DCT, JPX, CCITT, JBIG2) or an unknown filter: nothing a text reader needs.
    Other,
}

impl Filter {
    fn named(name: &[u8]) -> Filter {
        match name {
            b"FlateDecode" | b"Fl" => Filter::Flate,
            b"LZWDecode" | b"LZW" => Filter::Lzw,
            b"ASCII85Decode" | b"A85" => Filter::Ascii85,
            b"ASCIIHexDecode" | b"AHx" => Filter::AsciiHex,
            b"RunLengthDecode" | b"RL" => Filter::RunLength,
            _ => Filter::Other,
        }
    }
}

/// `input` through a chain of filters, each stage within the limits (an `Other` filter: nothing
/// a text reader needs, so nothing).
fn decode_chain(filters: &[Filter], params: &[Option<Dictionary>], input: &[u8]) -> Result<Vec<u8>> {
    let mut data: Option<Vec<u8>> = None;
    for (i, filter) in filters.iter().enumerate() {
        let params = params.get(i).and_then(Option::as_ref);
        let src = data.as_deref().unwrap_or(input);
        data = Some(match filter {
            Filter::Flate => predicted(inflate(src)?, params)?,
            Filter::Lzw => predicted(unlzw(src, params)?, params)?,
            Filter::Ascii85 => ascii85(src)?,
            Filter::AsciiHex => ascii_hex(src),
            Filter::RunLength => run_length(src)?,
            Filter::Other => return Ok(Vec::new()),
        });
    }
    Ok(data.unwrap_or_else(|| input.to_vec()))
}

/// The filters a stream dictionary names, read from the file's bytes (`/Filter /A` or
/// `/Filter [/A /B]`, names with `#xx` escapes written out); `None` when it names them otherwise
/// (by reference).
fn raw_filters(dict: &[u8]) -> Option<Vec<Filter>> {
    static FILTER: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| regex::bytes::Regex::new(r"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+|\d)").expect("valid pattern"));
    let Some(c) = FILTER.captures(dict) else { return Some(Vec::new()) };
    let value = &c[1];
    if value[0].is_ascii_digit() {
        return None;
    }
    let names = value.split(|b| *b == b'/').skip(1).map(|n| {
        let n: Vec<u8> = n.iter().copied().filter(|b| !b.is_ascii_whitespace() && *b != b']').collect();
        let mut out = Vec::with_capacity(n.len());
        let mut i = 0;
        while i < n.len() {
            match (n[i], std::str::from_utf8(n.get(i + 1..i + 3).unwrap_or_default()).ok().and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'#', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        Filter::named(&out)
    });
    Some(names.collect())
}

/// Decodes a stream through its whole filter chain within the limits and stores it plain. A
/// stream whose chain holds an image codec is emptied: it holds no text, and decoding the layers
/// before the codec would cost memory for nothing.
fn decode_in_place(stream: &mut Stream) -> Result<()> {
    let Ok(names) = stream.filters() else { return Ok(()) };
    if names.is_empty() {
        return Ok(());
    }
    let filters: Vec<Filter> = names.iter().map(|n| Filter::named(n)).collect();
    if filters.contains(&Filter::Other) {
        stream.set_plain_content(Vec::new());
        return Ok(());
    }
    let params: Vec<Option<Dictionary>> = (0..filters.len()).map(|i| decode_params(&stream.dict, i)).collect();
    let data = decode_chain(&filters, &params, &stream.content)?;
    let total = DECODED.with(|d| {
        d.set(d.get().saturating_add(data.len()));
        d.get()
    });
    if total > MAX_TOTAL {
        refuse!("the PDF's streams decode to over {} MB together; the file is refused (a decompression bomb?)", MAX_TOTAL >> 20);
    }
    stream.set_plain_content(data);
    Ok(())
}

/// The decode parameters of the `i`th filter (a dictionary for one filter, an array for a chain).
fn decode_params(dict: &Dictionary, i: usize) -> Option<Dictionary> {
    match dict.get(b"DecodeParms").or_else(|_| dict.get(b"DP")).ok()? {
        Object::Dictionary(d) => (i == 0).then(|| d.clone()),
        Object::Array(a) => a.get(i).and_then(|o| o.as_dict().ok()).cloned(),
        _ => None,
    }
}

fn too_large() -> anyhow::Error {
    anyhow::Error::new(Refused(format!("a compressed stream in the PDF inflates to over {} MB; the file is refused (a decompression bomb?)", MAX_STREAM >> 20)))
}

/// Reads a decoder to its end, at most `MAX_STREAM` bytes; what was read before a damaged end is
/// kept (as lopdf does).
fn bounded(reader: impl Read) -> Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let ok = reader.take(MAX_STREAM as u64 + 1).read_to_end(&mut out).is_ok();
    if out.len() > MAX_STREAM {
        return Err(too_large());
    }
    Ok((out, ok))
}

/// zlib, or raw deflate after the two header bytes when the zlib header is damaged (the same
/// fallback the PDF library takes, so a damaged header cannot skip the limit).
fn inflate(input: &[u8]) -> Result<Vec<u8>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let (out, ok) = bounded(flate2::read::ZlibDecoder::new(input))?;
    if !ok && out.is_empty() && input.len() > 2 {
        return Ok(bounded(flate2::read::DeflateDecoder::new(&input[2..]))?.0);
    }
    Ok(out)
}

fn unlzw(input: &[u8], params: Option<&Dictionary>) -> Result<Vec<u8>> {
    use weezl::{decode::Decoder, BitOrder, LzwStatus};
    let early = params.and_then(|p| p.get(b"EarlyChange").ok()).and_then(|o| o.as_i64().ok()).is_none_or(|v| v != 0);
    let mut decoder = if early { Decoder::with_tiff_size_switch(BitOrder::Msb, 8) } else { Decoder::new(BitOrder::Msb, 8) };
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut rest = input;
    loop {
        let r = decoder.decode_bytes(rest, &mut buf);
        rest = &rest[r.consumed_in..];
        out.extend_from_slice(&buf[..r.consumed_out]);
        if out.len() > MAX_STREAM {
            return Err(too_large());
        }
        match r.status {
            Ok(LzwStatus::Ok) if r.consumed_in > 0 || r.consumed_out > 0 => {}
            _ => return Ok(out), // done, no progress, or damaged: keep what was decoded
        }
    }
}

/// PNG predictors (10–15), as the PDF library applies them; a row wider than the data is refused
/// instead of allocated.
fn predicted(data: Vec<u8>, params: Option<&Dictionary>) -> Result<Vec<u8>> {
    let Some(params) = params else { return Ok(data) };
    let int = |key: &[u8], default: i64| params.get(key).and_then(|o| o.as_i64()).unwrap_or(default);
    if !(10..=15).contains(&int(b"Predictor", 1)) {
        return Ok(data);
    }
    let columns = int(b"Columns", 1).clamp(1, i64::from(u32::MAX)) as usize;
    let colors = int(b"Colors", 1).clamp(1, 64) as usize;
    let bits = int(b"BitsPerComponent", 8).clamp(8, 64) as usize;
    let bytes_per_pixel = colors * bits / 8;
    if bytes_per_pixel.saturating_mul(columns) > data.len() {
        refuse!("a PDF stream's predictor rows ({columns} columns) are wider than its data; the file is damaged");
    }
    lopdf::filters::png::decode_frame(&data, bytes_per_pixel, columns).map_err(|e| anyhow!("a PDF stream cannot be decoded ({e})"))
}

fn ascii85(input: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut group = [0u32; 5];
    let mut n = 0;
    for &c in input {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = u32::from(c - b'!');
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u32, |acc, d| acc.wrapping_mul(85).wrapping_add(*d));
                    out.extend_from_slice(&v.to_be_bytes());
                    n = 0;
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => break, // damaged: keep what was decoded, as the PDF library does
        }
        if out.len() > MAX_STREAM {
            return Err(too_large());
        }
    }
    if n > 1 {
        for d in group.iter_mut().skip(n) {
            *d = 84;
        }
        let v = group.iter().fold(0u32, |acc, d| acc.wrapping_mul(85).wrapping_add(*d));
        out.extend_from_slice(&v.to_be_bytes()[..n - 1]);
    }
    Ok(out)
}

fn ascii_hex(input: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = input
        .iter()
        .take_while(|c| **c != b'>')
        .filter_map(|c| (*c as char).to_digit(16))
        .map(|d| d as u8)
        .collect();
    digits.chunks(2).map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0)).collect()
}

fn run_length(input: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let len = input[i];
        i += 1;
        match len {
            128 => break,
            0..=127 => {
                let end = (i + len as usize + 1).min(input.len());
                out.extend_from_slice(&input[i..end]);
                i = end;
            }
            _ => {
                if let Some(b) = input.get(i) {
                    out.resize(out.len() + 257 - len as usize, *b);
                }
                i += 1;
            }
        }
        if out.len() > MAX_STREAM {
            return Err(too_large());
        }
    }
    Ok(out)
}

/// Follows a reference (one level, as the text reader does).
fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// The resources a page draws with: its own or the nearest ancestor's, as the text reader finds
/// them. A page tree where a page is its own ancestor is refused (the reader would recurse for
/// ever).
fn page_resources(doc: &Document, page: ObjectId) -> Result<Option<&Dictionary>> {
    let mut seen = HashSet::new();
    let mut id = page;
    let mut found = None;
    loop {
        if !seen.insert(id) {
            refuse!("the PDF's page tree loops (a page is its own ancestor); the file is damaged");
        }
        let Ok(dict) = doc.get_dictionary(id) else { return Ok(found) };
        if found.is_none() {
            found = dict.get(b"Resources").ok().and_then(|r| resolve(doc, r)).and_then(|r| r.as_dict().ok());
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => id = parent,
            Err(_) => return Ok(found),
        }
    }
}

/// The names a content stream draws with `Do`, in order.
fn drawn_names(content: &[u8]) -> Rc<Vec<Vec<u8>>> {
    if memchr::memmem::find(content, b"Do").is_none() {
        return Rc::new(Vec::new());
    }
    let names = lopdf::content::Content::decode(content)
        .map(|c| {
            c.operations
                .into_iter()
                .filter(|op| op.operator == "Do")
                .filter_map(|op| op.operands.first().and_then(|o| o.as_name().ok()).map(<[u8]>::to_vec))
                .collect()
        })
        .unwrap_or_default();
    Rc::new(names)
}

/// What walking the forms has cost so far.
struct Walk<'a> {
    doc: &'a Document,
    names: HashMap<ObjectId, Rc<Vec<Vec<u8>>>>,
    stack: Vec<ObjectId>,
    drawn: usize,
    draws: usize,
}

impl<'a> Walk<'a> {
    fn content(&mut self, bytes: usize) -> Result<()> {
        self.drawn = self.drawn.saturating_add(bytes);
        if self.drawn > MAX_DRAWN {
            refuse!("the PDF's forms draw over {} MB of content (forms drawing forms many times over); the file is refused", MAX_DRAWN >> 20);
        }
        Ok(())
    }

    /// Walks the forms a content stream draws, as the text reader will: a form without resources
    /// of its own draws with its caller's.
    fn draws(&mut self, names: &[Vec<u8>], resources: Option<&'a Dictionary>) -> Result<()> {
        let xobjects = resources.and_then(|r| r.get(b"XObject").ok()).and_then(|x| resolve(self.doc, x)).and_then(|x| x.as_dict().ok());
        let Some(xobjects) = xobjects else { return Ok(()) };
        for name in names {
            let Ok(id) = xobjects.get(name).and_then(Object::as_reference) else { continue };
            let Ok(stream) = self.doc.get_object(id).and_then(Object::as_stream) else { continue };
            if self.stack.contains(&id) {
                refuse!("a form in the PDF draws itself (object {} {}); the file is refused", id.0, id.1);
            }
            if self.stack.len() >= MAX_FORM_DEPTH {
                refuse!("the PDF's forms nest over {MAX_FORM_DEPTH} deep; the file is refused");
            }
            self.draws += 1;
            if self.draws > MAX_FORM_DRAWS {
                refuse!("the PDF draws forms over {MAX_FORM_DRAWS} times (forms drawing forms many times over); the file is refused");
            }
            self.content(stream.content.len())?;
            let inner = stream.dict.get(b"Resources").ok().and_then(|r| resolve(self.doc, r)).and_then(|r| r.as_dict().ok()).or(resources);
            let names = self.names.entry(id).or_insert_with(|| drawn_names(&stream.content)).clone();
            self.stack.push(id);
            self.draws(&names, inner)?;
            self.stack.pop();
        }
        Ok(())
    }
}

/// Checks every page's ancestors and the forms it draws against the limits.
fn check_pages_and_forms(doc: &Document) -> Result<()> {
    let mut walk = Walk { doc, names: HashMap::new(), stack: Vec::new(), drawn: 0, draws: 0 };
    for page in doc.get_pages().into_values() {
        let resources = page_resources(doc, page)?;
        let content = doc.get_page_content(page).unwrap_or_default();
        walk.content(content.len())?;
        walk.draws(&drawn_names(&content), resources)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_decodes_within_the_limit() {
        assert_eq!(ascii_hex(b"48 65 6c6C6f>"), b"Hello");
        assert_eq!(ascii_hex(b"414>"), b"A@");
        assert_eq!(ascii85(b"87cURD]i,\"Ebo80~>").unwrap(), b"Hello World!");
        assert_eq!(run_length(&[2, b'a', b'b', b'c', 254, b'x', 128]).unwrap(), b"abcxxx");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"BT (text) Tj ET").unwrap();
        let z = z.finish().unwrap();
        assert_eq!(inflate(&z).unwrap(), b"BT (text) Tj ET");
        // A damaged zlib header: raw deflate after it, still counted.
        let mut damaged = z.clone();
        damaged[0] = 0;
        assert_eq!(inflate(&damaged).unwrap(), b"BT (text) Tj ET");
    }

    #[test]
    fn run_length_and_ascii85_bombs_stop_at_the_limit() {
        let rle: Vec<u8> = std::iter::repeat([129u8, b'x']).take(MAX_STREAM / 128 + 10).flatten().collect();
        assert!(run_length(&rle).is_err());
        let z = vec![b'z'; MAX_STREAM / 4 + 10];
        assert!(ascii85(&z).is_err());
    }
}
