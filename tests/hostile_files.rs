//! Hostile files: each is generated here and ingested beside a valid report, by the binary under a
//! 3 GB address-space cap. Every run must end by itself (no abort, no signal) within 30 s, store the
//! valid report, and name the hostile file with its reason (or store it, where the file is only
//! unusual and reading it is cheap).

mod common;

use common::{jixiao, jixiao_std, run_json, samples};
use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const CAP_KB: u64 = 3 * 1024 * 1024;
const LIMIT: Duration = Duration::from_secs(30);

/// What a hostile file must do to the run.
enum Expect {
    /// Refused, the message naming the file and containing this reason.
    Refused(&'static str),
    /// Stored beside the valid report.
    Stored,
}

/// Ingests `name` (holding `bytes`) beside a valid report under the address-space cap and checks
/// the outcome.
fn ingest_beside_valid(name: &str, bytes: &[u8], expect: Expect) {
    let dir = TempDir::new().unwrap();
    std::fs::copy(samples().join("pingyao_jiaoyu_2023.txt"), dir.path().join("valid_report.txt")).unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let data = TempDir::new().unwrap();
    let bin = jixiao_std(data.path());
    let mut capped = std::process::Command::new("sh");
    capped.arg("-c").arg(format!("ulimit -v {CAP_KB} && exec \"$@\"")).arg("sh").arg(bin.get_program()).args(bin.get_args()).args(["ingest"]).arg(dir.path());
    capped.env_remove("JIXIAO_DATA").env_remove("JIXIAO_SCHEMA").current_dir(std::env::temp_dir());
    capped.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = capped.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{name}: the ingest ran over {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let err = reader.join().unwrap();
    assert!(status.code().is_some(), "{name}: the ingest ended by a signal ({status:?}); stderr:\n{err}");
    let stored = run_json(data.path(), &["reports", "--format", "json"]);
    let files: Vec<String> = stored.iter().filter_map(|r| r["source"].as_str().or(r["path"].as_str()).map(str::to_string)).collect();
    match expect {
        Expect::Refused(reason) => {
            assert_eq!(stored.len(), 1, "{name}: the valid report alone must be stored; stored {files:?}; stderr:\n{err}");
            assert_eq!(status.code(), Some(2), "{name}: a refused file makes the run report failure; stderr:\n{err}");
            assert!(err.contains(name) && err.contains(reason), "{name}: expected the file named with «{reason}»; stderr:\n{err}");
        }
        Expect::Stored => {
            assert_eq!(stored.len(), 2, "{name}: both files must be stored; stored {files:?}; stderr:\n{err}");
            assert_eq!(status.code(), Some(0), "{name}: stderr:\n{err}");
        }
    }
    jixiao(data.path()).args(["search", "预算"]).assert().success();
}

// ---- PDF ----

/// A PDF's header and numbered objects (object n is `objects[n - 1]`), with each object's offset.
fn objects_of(version: &str, objects: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let mut out = format!("%PDF-{version}\n%").into_bytes();
    out.extend_from_slice(b"\xe2\xe3\xcf\xd3\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    (out, offsets)
}

/// A PDF from numbered object bodies (object n is `objects[n - 1]`), with a correct xref table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let (mut out, offsets) = objects_of("1.7", objects);
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

fn stream(dict: &str, content: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", content.len()).into_bytes();
    s.extend_from_slice(content);
    s.extend_from_slice(b"\nendstream");
    s
}

/// Catalog, one page drawing `content` with `resources`: objects 1–4; more objects follow.
fn one_page(resources: &str, content: &[u8], more: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources {resources} /Contents 4 0 R >>").into_bytes(),
        stream("", content),
    ];
    objects.extend(more);
    pdf(&objects)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// A zlib stream of `mb` MB of zeros, made once per size.
fn zeros(mb: usize) -> Vec<u8> {
    static MADE: OnceLock<std::sync::Mutex<std::collections::HashMap<usize, Vec<u8>>>> = OnceLock::new();
    let made = MADE.get_or_init(Default::default);
    made.lock()
        .unwrap()
        .entry(mb)
        .or_insert_with(|| {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            let chunk = vec![0u8; 1 << 20];
            for _ in 0..mb {
                z.write_all(&chunk).unwrap();
            }
            z.finish().unwrap()
        })
        .clone()
}

#[test]
fn a_form_that_draws_itself_is_refused() {
    let form = stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 5 0 R >> >>", b"/X1 Do");
    ingest_beside_valid("self_form.pdf", &one_page("<< /XObject << /X1 5 0 R >> >>", b"/X1 Do", vec![form]), Expect::Refused("draws itself"));
}

#[test]
fn a_form_drawing_itself_through_inherited_resources_or_a_longer_cycle_is_refused() {
    // No resources of its own: it draws with the page's, which name it.
    let form = stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", b"q /X1 Do Q");
    ingest_beside_valid("inherited_form.pdf", &one_page("<< /XObject << /X1 5 0 R >> >>", b"/X1 Do", vec![form]), Expect::Refused("draws itself"));
    // A → B → C → A.
    let f = |next: u32| stream(&format!("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /N {next} 0 R >> >>"), b"/N Do");
    ingest_beside_valid("cycle3.pdf", &one_page("<< /XObject << /N 5 0 R >> >>", b"/N Do", vec![f(6), f(7), f(5)]), Expect::Refused("draws itself"));
}

#[test]
fn forms_that_each_draw_the_next_twice_forty_deep_are_refused() {
    let mut forms = Vec::new();
    for i in 0..40u32 {
        let next = if i < 39 { format!("/Resources << /XObject << /N {} 0 R >> >>", 6 + i) } else { String::new() };
        forms.push(stream(&format!("/Type /XObject /Subtype /Form /BBox [0 0 1 1] {next}"), b"/N Do /N Do BT ET"));
    }
    ingest_beside_valid("form_tree.pdf", &one_page("<< /XObject << /N 5 0 R >> >>", b"/N Do", forms.clone()), Expect::Refused("forms nest over"));
    // Wide instead of deep: ten levels, each drawing the next 8 times (8^9 draws).
    let wide: Vec<Vec<u8>> = (0..10u32)
        .map(|i| match i {
            9 => stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"BT ET"),
            _ => stream(&format!("/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /N {} 0 R >> >>", 6 + i), &b"/N Do ".repeat(8)),
        })
        .collect();
    ingest_beside_valid("form_fan.pdf", &one_page("<< /XObject << /N 5 0 R >> >>", b"/N Do", wide), Expect::Refused("draws forms over"));
}

#[test]
fn a_page_that_is_its_own_ancestor_is_refused() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>".to_vec(),
        stream("", b"BT ET"),
    ];
    ingest_beside_valid("page_loop.pdf", &pdf(&objects), Expect::Refused("page tree loops"));
}

#[test]
fn decompression_bombs_are_refused_whatever_the_filter_chain() {
    let page = |dict: &str, content: &[u8]| one_page("<< >>", b"BT ET", vec![stream(dict, content)]);
    // Compressed twice: 1 GB of zeros inside a few KB.
    ingest_beside_valid("twice.pdf", &page("/Filter [/FlateDecode /FlateDecode]", &zlib(&zeros(1024))), Expect::Refused("inflates to over 64 MB"));
    // The word /Image in the dictionary of a stream that is not an image.
    ingest_beside_valid("image_word.pdf", &page("/Filter /FlateDecode /Note /Image", &zeros(1024)), Expect::Refused("inflates to over 64 MB"));
    // A damaged zlib header: the reader falls back to raw deflate.
    let mut damaged = zeros(1024);
    damaged[0] = 0;
    damaged[1] = 0;
    ingest_beside_valid("damaged_header.pdf", &page("/Filter /FlateDecode", &damaged), Expect::Refused("inflates to over 64 MB"));
    // The filter name written with #xx escapes.
    ingest_beside_valid("escaped_name.pdf", &page("/Filter /Fl#61te#44ecode", &zeros(1024)), Expect::Refused("inflates to over 64 MB"));
    // ASCII hex around deflate.
    let hex: String = zeros(300).iter().map(|b| format!("{b:02x}")).collect::<String>() + ">";
    ingest_beside_valid("hex_flate.pdf", &page("/Filter [/ASCIIHexDecode /FlateDecode]", hex.as_bytes()), Expect::Refused("inflates to over 64 MB"));
    // LZW.
    let mut lzw = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
    let lzw = lzw.encode(&vec![0u8; 100 << 20]).unwrap();
    ingest_beside_valid("lzw.pdf", &page("/Filter /LZWDecode", &lzw), Expect::Refused("inflates to over 64 MB"));
    // Many streams, each under the per-stream limit, together over the document's.
    let many: Vec<Vec<u8>> = (0..6).map(|_| stream("/Filter /FlateDecode", &zeros(60))).collect();
    ingest_beside_valid("many_streams.pdf", &one_page("<< >>", b"BT ET", many), Expect::Refused("decode to over 256 MB together"));
    // A predictor row wider than the data.
    ingest_beside_valid(
        "predictor.pdf",
        &page("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 2000000000 /Colors 4 >>", &zlib(b"short")),
        Expect::Refused("predictor rows"),
    );
}

#[test]
fn object_stream_and_cross_reference_stream_bombs_are_refused() {
    // An object stream, unpacked by the PDF library while loading.
    let objstm = stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", &zeros(1024));
    ingest_beside_valid("objstm.pdf", &one_page("<< >>", b"BT ET", vec![objstm]), Expect::Refused("inflates to over 64 MB"));
    // A cross-reference stream, read before any object: objects 1–4 without an xref table, then
    // object 5, the cross-reference stream that startxref names.
    let mut body = one_page("<< >>", b"BT ET", vec![]);
    body.truncate(memchr::memmem::rfind(&body, b"xref\n0 ").unwrap());
    let at = body.len();
    body.extend_from_slice(b"5 0 obj\n");
    body.extend_from_slice(&stream("/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode", &zeros(1024)));
    body.extend_from_slice(format!("\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    ingest_beside_valid("xref_stream.pdf", &body, Expect::Refused("inflates to over 64 MB"));
    // The same behind a chain of filters, and with its filter's name escaped.
    let hex: Vec<u8> = zeros(1024).iter().flat_map(|b| format!("{b:02x}").into_bytes()).chain(*b">").collect();
    for (name, dict, content) in [
        ("xref_chain.pdf", "/Filter [/ASCIIHexDecode /FlateDecode]", hex),
        ("xref_escaped.pdf", "/Filter /Fl#61teDecode", zeros(1024)),
    ] {
        let mut body = one_page("<< >>", b"BT ET", vec![]);
        body.truncate(memchr::memmem::rfind(&body, b"xref\n0 ").unwrap());
        let at = body.len();
        body.extend_from_slice(b"5 0 obj\n");
        body.extend_from_slice(&stream(&format!("/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R {dict}"), &content));
        body.extend_from_slice(format!("\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
        ingest_beside_valid(name, &body, Expect::Refused("inflates to over 64 MB"));
    }
}

// ---- Word ----

fn docx(document: &str, numbering: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", opts).unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    if let Some(n) = numbering {
        zip.start_file("word/numbering.xml", opts).unwrap();
        zip.write_all(n.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

#[test]
fn a_docx_list_marker_of_megabytes_is_dropped_and_a_huge_paragraph_refused() {
    let marker = "标".repeat(1_400_000);
    let numbering = format!(
        r#"<w:numbering {W}><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="{marker}%1"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num></w:numbering>"#
    );
    let paragraph = r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>预算执行情况良好。</w:t></w:r></w:p>"#;
    let document = format!(
        r#"<w:document {W}><w:body><w:p><w:r><w:t>某某县水务局2023年度部门整体支出绩效自评报告</w:t></w:r></w:p>{}</w:body></w:document>"#,
        paragraph.repeat(20_000)
    );
    ingest_beside_valid("marker.docx", &docx(&document, Some(&numbering)), Expect::Stored);
    let huge = format!(r#"<w:document {W}><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"#, "字".repeat(21_000_000));
    ingest_beside_valid("paragraph.docx", &docx(&huge, None), Expect::Refused("over 8 MB, the limit for one report"));
}

// ---- Text ----

#[test]
fn texts_that_cost_far_more_than_their_size_are_refused_by_name() {
    ingest_beside_valid("one_line.txt", "预算执行".repeat(5_000_000).as_bytes(), Expect::Refused("over 8 MB, the limit for one report"));
    let tiny: String = (0..700_000).map(|i| format!("{}、甲\n", i % 9 + 1)).collect();
    ingest_beside_valid("tiny_sections.txt", tiny.as_bytes(), Expect::Refused("numbered headings, over the limit"));
    // Headings cycling through twelve numbering styles: refused over the limit, stored under it.
    let styles = ["一、", "（一）", "1.", "（1）", "①", "1、", "(一)", "(1)", "一.", "1)", "第一部分", "1．"];
    let cycling = |n: usize, body: &str| -> String {
        let mut s = String::from("某某县水务局2023年度部门整体支出绩效自评报告\n");
        for i in 0..n {
            s.push_str(&format!("{}标题{i}\n{body}", styles[i % styles.len()]));
        }
        s
    };
    ingest_beside_valid("cycling.txt", cycling(300_000, "").as_bytes(), Expect::Refused("numbered headings, over the limit"));
    ingest_beside_valid("cycling_under.txt", cycling(9_000, "本段说明预算执行情况。\n").as_bytes(), Expect::Stored);
}

// ---- Web pages ----

#[test]
fn deep_or_unclosed_html_is_refused_and_nested_candidates_stay_linear() {
    let deep = format!("<html><body>{}某某县水务局2023年度部门整体支出绩效自评报告{}</body></html>", "<div>".repeat(20_000), "</div>".repeat(20_000));
    ingest_beside_valid("deep.html", deep.as_bytes(), Expect::Refused("nests its tags"));
    let unclosed: String = (0..50_000).map(|i| format!("<font color=\"#{i:06x}\">预算")).collect();
    ingest_beside_valid("unclosed.html", format!("<html><body>{unclosed}</body></html>").as_bytes(), Expect::Refused("nests its tags"));
    // 900 nested article candidates, each with text: read once, not once per candidate.
    let mut nested = String::from("<html><head><title>某某县水务局2023年度部门整体支出绩效自评报告</title></head><body>");
    for i in 0..900 {
        nested.push_str(&format!("<div class=\"content\"><p>{}、第{i}项预算执行情况良好，资金使用规范。</p>", i % 9 + 1));
    }
    nested.push_str(&"</div>".repeat(900));
    nested.push_str("</body></html>");
    ingest_beside_valid("nested_candidates.html", nested.as_bytes(), Expect::Stored);
}

/// A scan that carries a font it never uses is told it needs OCR, not a PDF tool.
#[test]
fn a_scan_with_an_unused_font_is_told_to_run_ocr() {
    let image = stream("/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8", &[0, 255, 255, 0]);
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec();
    let bytes = one_page("<< /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >>", b"q 595 0 0 842 0 0 cm /Im1 Do Q", vec![image, font]);
    let e = jixiao::extract::pdf::extract(&bytes).unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("OCR") && !msg.contains("poppler"), "{msg}");
}

/// The pdftotext fallback is bounded too: one that writes without end is stopped at the text
/// limit, the file refused by name, and the run goes on.
#[cfg(unix)]
#[test]
fn a_pdftotext_that_writes_without_end_is_stopped() {
    use std::os::unix::fs::PermissionsExt;
    let tools = TempDir::new().unwrap();
    let fake = tools.path().join("pdftotext");
    std::fs::write(&fake, "#!/bin/sh\ncat >/dev/null\nexec yes 预算执行率偏低预算执行率偏低预算执行率偏低\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let image = stream("/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8", &[0, 255, 255, 0]);
    let scan = one_page("<< /XObject << /Im1 5 0 R >> >>", b"q 595 0 0 842 0 0 cm /Im1 Do Q", vec![image]);
    let dir = TempDir::new().unwrap();
    std::fs::copy(samples().join("pingyao_jiaoyu_2023.txt"), dir.path().join("valid_report.txt")).unwrap();
    std::fs::write(dir.path().join("endless.pdf"), scan).unwrap();
    let data = TempDir::new().unwrap();
    let path = format!("{}:{}", tools.path().display(), std::env::var("PATH").unwrap_or_default());
    let started = Instant::now();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).env("PATH", path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("endless.pdf") && err.contains("MB of text"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30), "stopped at the limit, not at the clock");
    assert_eq!(run_json(data.path(), &["reports", "--format", "json"]).len(), 1, "the valid report is stored");
}

/// An object written as PDF source (the values an encryption dictionary holds).
fn pdf_source(o: &lopdf::Object) -> String {
    use lopdf::Object as O;
    match o {
        O::Null => "null".into(),
        O::Boolean(b) => b.to_string(),
        O::Integer(i) => i.to_string(),
        O::Real(r) => r.to_string(),
        O::Name(n) => format!("/{}", String::from_utf8_lossy(n)),
        O::String(s, _) => format!("<{}>", s.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        O::Array(a) => format!("[{}]", a.iter().map(pdf_source).collect::<Vec<_>>().join(" ")),
        O::Dictionary(d) => format!("<< {} >>", d.iter().map(|(k, v)| format!("/{} {}", String::from_utf8_lossy(k), pdf_source(v))).collect::<Vec<_>>().join(" ")),
        O::Reference((n, g)) => format!("{n} {g} R"),
        O::Stream(_) => unreachable!("no stream is written this way"),
    }
}

/// The RC4 encryption a "protected" PDF uses: opens with the empty password, the owner's differs.
fn protection(doc: &lopdf::Document) -> lopdf::EncryptionState {
    use lopdf::encryption::{EncryptionState, EncryptionVersion, Permissions};
    EncryptionState::try_from(EncryptionVersion::V2 { document: doc, owner_password: "owner", user_password: "", key_length: 128, permissions: Permissions::default() }).unwrap()
}

fn file_id() -> lopdf::Object {
    let id = lopdf::Object::String(b"jixiao-test-file".to_vec(), lopdf::StringFormat::Hexadecimal);
    lopdf::Object::Array(vec![id.clone(), id])
}

/// An encrypted PDF whose one page draws nothing, with an object stream of `mb` MB of zeros that
/// a cross-reference stream names as holding object 8 (so a reader unpacks it while loading).
fn encrypted_with_object_stream(mb: usize) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    doc.trailer.set("ID", file_id());
    let state = protection(&doc);
    let encrypted = |id: u32, content: Vec<u8>| {
        let mut o = lopdf::Object::Stream(lopdf::Stream::new(lopdf::Dictionary::new(), content));
        lopdf::encryption::encrypt_object(&state, (id, 0), &mut o).unwrap();
        match o {
            lopdf::Object::Stream(s) => s.content,
            _ => unreachable!(),
        }
    };
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>".to_vec(),
        stream("", &encrypted(4, b"BT ET".to_vec())),
        stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", &encrypted(5, zeros(mb))),
        pdf_source(&lopdf::Object::Dictionary(state.encode().unwrap())).into_bytes(),
    ];
    let (mut out, offsets) = objects_of("1.5", &objects);
    // Object 7, the cross-reference stream (not encrypted, as the format has it): entries of
    // 1 + 4 + 2 bytes for objects 0–8; object 8 is in object stream 5.
    let at = out.len();
    let mut entries = vec![0u8, 0, 0, 0, 0, 0xff, 0xff];
    for o in offsets.iter().chain([&at]) {
        entries.push(1);
        entries.extend_from_slice(&(*o as u32).to_be_bytes());
        entries.extend_from_slice(&[0, 0]);
    }
    entries.extend_from_slice(&[2, 0, 0, 0, 5, 0, 0]);
    out.extend_from_slice(b"7 0 obj\n");
    out.extend_from_slice(&stream(&format!("/Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R /Encrypt 6 0 R /ID {}", pdf_source(&file_id())), &entries));
    out.extend_from_slice(format!("\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn an_encrypted_pdf_opens_and_its_object_stream_bombs_are_refused() {
    // A report of ours, protected (opens without a password): read as the unprotected file is.
    let mut doc = lopdf::Document::load(common::fixtures().join("cuiping_gongan_2023.pdf")).unwrap();
    if doc.trailer.get(b"ID").is_err() {
        doc.trailer.set("ID", file_id());
    }
    let state = protection(&doc);
    doc.encrypt(&state).unwrap();
    let mut protected = Vec::new();
    doc.save_to(&mut protected).unwrap();
    assert!(memchr::memmem::find(&protected, b"/Encrypt").is_some());
    ingest_beside_valid("protected.pdf", &protected, Expect::Stored);
    let read = |name: &str, bytes: &[u8]| {
        let (dir, data) = (TempDir::new().unwrap(), TempDir::new().unwrap());
        std::fs::write(dir.path().join(name), bytes).unwrap();
        jixiao(data.path()).arg("ingest").arg(dir.path()).assert().success();
        let r = run_json(data.path(), &["reports", "--format", "json"]);
        (r[0]["department"].clone(), r[0]["fiscal_year"].clone(), r[0]["sections"].clone())
    };
    let plain = std::fs::read(common::fixtures().join("cuiping_gongan_2023.pdf")).unwrap();
    let (plain, protected) = (read("plain.pdf", &plain), read("protected.pdf", &protected));
    assert!(plain.0.as_str().is_some_and(|d| d.contains("公安")), "{plain:?}");
    assert_eq!(protected, plain);
    // An unprotected file whose objects sit in object streams and that writes "/Encrypt 9 0 R"
    // somewhere but its trailer (a comment here) reads as it is.
    let mut modern = lopdf::Document::load(common::fixtures().join("cuiping_gongan_2023.pdf")).unwrap();
    let mut bytes = Vec::new();
    modern.save_modern(&mut bytes).unwrap();
    assert!(memchr::memmem::find(&bytes, b"/ObjStm").is_some(), "written with object streams");
    bytes.extend_from_slice(b"% /Encrypt 9 0 R\n");
    assert_eq!(read("modern.pdf", &bytes), plain);
    // The same object stream, small: the document opens (its page draws nothing, so it holds no
    // text), which shows the file is read as a reader would read it.
    let small = encrypted_with_object_stream(1);
    let data = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("small.pdf"), &small).unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("small.pdf") && !err.contains("cannot be read") && !err.contains("password"), "{err}");
    // A bomb in an encrypted document's object stream, which the PDF library would unpack while
    // decrypting, without a limit.
    ingest_beside_valid("encrypted_objstm.pdf", &encrypted_with_object_stream(2048), Expect::Refused("inflates to over 64 MB"));
}

#[test]
fn a_doc_converter_that_writes_without_end_is_stopped() {
    use std::os::unix::fs::PermissionsExt;
    let yes = ["/usr/bin/yes", "/bin/yes"].into_iter().find(|p| std::path::Path::new(p).exists()).expect("yes(1)");
    // LibreOffice is tried first; antiword where it is the only converter (the PATH holds the fake alone).
    for (tool, reason) in [("soffice", "soffice wrote over 1 MB"), ("antiword", "antiword wrote over 32 MB")] {
        let tools = TempDir::new().unwrap();
        let fake = tools.path().join(tool);
        std::fs::write(&fake, format!("#!/bin/sh\nexec {yes} 预算执行率偏低预算执行率偏低\n")).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = TempDir::new().unwrap();
        std::fs::copy(samples().join("pingyao_jiaoyu_2023.txt"), dir.path().join("valid_report.txt")).unwrap();
        std::fs::copy(common::fixtures().join("tonglu_shuili_2022.doc"), dir.path().join("report.doc")).unwrap();
        let data = TempDir::new().unwrap();
        let started = Instant::now();
        let out = jixiao(data.path()).arg("ingest").arg(dir.path()).env("PATH", tools.path()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{tool}: {err}");
        assert!(err.contains("report.doc") && err.contains(reason), "{tool}: {err}");
        assert!(started.elapsed() < LIMIT, "{tool}: stopped at the limit, not at the clock");
        assert_eq!(run_json(data.path(), &["reports", "--format", "json"]).len(), 1, "{tool}: the valid report is stored");
    }
}
