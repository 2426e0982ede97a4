//! Chinese PDFs written with the predefined CJK CMaps (fonts not embedded, no ToUnicode map), as
//! many document systems make them: read in process, without pdftotext. The PDFs are built here
//! from our own text with lopdf.

mod common;

use common::*;
use lopdf::{dictionary, Document, Object, Stream};
use tempfile::TempDir;

const TEXT: &str = "桐庐县文化和广电旅游体育局
2023年度部门整体支出绩效自评报告
一、部门基本情况
本局负责全县文化、广电、旅游和体育工作，下设办公室等五个科室。
二、绩效自评结论
经逐项打分，本局部门整体支出绩效自评得分为88分，等级为良。
三、存在的问题
1.政府采购执行率偏低，全年仅为46.2%。
2.部分项目绩效目标较为笼统，难以考核。
四、下一步改进措施
加强采购计划管理，按季度通报执行进度。";

/// A one-page PDF drawing `TEXT` line by line with STSong-Light in the CMap `encoding`; `encode`
/// turns a line into the string's bytes.
fn cjk_pdf(encoding: &str, encode: fn(&str) -> Vec<u8>) -> Vec<u8> {
    cjk_pdf_in("GB1", encoding, encode)
}

/// `cjk_pdf` with a font of the character collection Adobe-`ordering`.
fn cjk_pdf_in(ordering: &str, encoding: &str, encode: fn(&str) -> Vec<u8>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "STSong-Light", "Flags" => 6,
        "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
        "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 880, "StemV" => 93,
    });
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal(ordering), "Supplement" => 4 },
        "FontDescriptor" => descriptor, "DW" => 1000,
    });
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => format!("STSong-Light-{encoding}").as_str(),
        "Encoding" => encoding, "DescendantFonts" => vec![cid_font.into()],
    });
    let mut content = String::from("BT /F1 11 Tf 50 800 Td\n");
    for line in TEXT.lines() {
        let hex: String = encode(line).iter().map(|b| format!("{b:02X}")).collect();
        content.push_str(&format!("<{hex}> Tj 0 -18 Td\n"));
    }
    content.push_str("ET\n");
    let contents = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let pages_id = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } }, "Contents" => contents,
    });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Adobe-GB1 CIDs of the text, two bytes each, from the table the reader ships (inverted): the
/// test checks that CIDs come back as the characters they stand for.
fn gb1_cids(s: &str) -> Vec<u8> {
    let table = include_str!("../src/extract/adobe_gb1.txt");
    let mut cid_of = std::collections::HashMap::new();
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (cid, cp, n): (u32, u32, u32) = (f[0].parse().unwrap(), u32::from_str_radix(f[1], 16).unwrap(), f[2].parse().unwrap());
        for k in 0..n {
            if let Some(c) = char::from_u32(cp + k) {
                cid_of.entry(c).or_insert(cid + k);
            }
        }
    }
    s.chars().flat_map(|c| (cid_of[&c] as u16).to_be_bytes()).collect()
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// Share of the source's 12-character windows found in `got`, in order.
fn windows_recovered(got: &str) -> f64 {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<Vec<char>>();
    let (src, got) = (squeeze(TEXT), squeeze(got).into_iter().collect::<String>());
    let windows: Vec<String> = src.windows(12).map(|w| w.iter().collect()).collect();
    let mut at = 0;
    let mut found = 0;
    for w in &windows {
        if let Some(i) = got[at..].find(w.as_str()) {
            found += 1;
            at += i;
        }
    }
    found as f64 / windows.len() as f64
}

#[test]
fn predefined_cjk_cmaps_are_read_in_process() {
    for (encoding, encode) in [
        ("UniGB-UCS2-H", utf16 as fn(&str) -> Vec<u8>),
        ("UniGB-UCS2-V", utf16),
        ("UniGB-UTF16-H", utf16),
        ("UniGB-UTF16-V", utf16),
        ("GBK-EUC-H", gbk),
        ("GBK-EUC-V", gbk),
        ("GBpc-EUC-H", gbk),
        ("GB-EUC-H", gbk),
        ("UniCNS-UCS2-H", utf16),
        ("UniCNS-UTF16-H", utf16),
        ("Identity-H", gb1_cids),
    ] {
        let text = jixiao::extract::pdf::extract(&cjk_pdf(encoding, encode)).unwrap_or_else(|e| panic!("{encoding}: {e:#}"));
        let share = windows_recovered(&text);
        assert!(share >= 0.99, "{encoding}: {share:.3} of 12-character windows recovered:\n{text}");
    }
}

#[test]
fn a_chinese_pdf_ingests_with_its_metadata_and_problems_without_optional_tools() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("report.pdf"), cjk_pdf("UniGB-UCS2-H", utf16)).unwrap();
    std::fs::write(dir.path().join("report-gbk.pdf"), cjk_pdf("GBK-EUC-H", gbk)).unwrap();
    let data = TempDir::new().unwrap();
    // PATH without pdftotext: only the built-in reader.
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).env("PATH", "/nonexistent").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    // The same text twice: one report, the second file noted as a duplicate.
    assert_eq!(reports.len(), 1, "{reports:?}");
    let r = &reports[0];
    assert_eq!(r["department"], "桐庐县文化和广电旅游体育局");
    assert_eq!(r["fiscal_year"], 2023);
    assert_eq!(r["kind"], "department_overall");
    assert_eq!(r["total_score"], 88.0);
    let sections = run_json(data.path(), &["show", r["id"].as_str().unwrap(), "--format", "json"]);
    let themes: Vec<&str> = sections.iter().filter_map(|s| s["themes"].as_array()).flatten().map(|t| t.as_str().unwrap()).collect();
    assert!(themes.contains(&"procurement_low") && themes.contains(&"target_not_quantified"), "{themes:?}");
}

#[test]
fn text_without_a_mapping_and_scans_get_errors_a_user_can_act_on() {
    // Identity-H codes of a collection without a shipped table (Adobe-Japan1 here) and no ToUnicode.
    let japan = cjk_pdf_in("Japan1", "Identity-H", utf16);
    // Without pdftotext on the PATH of this process the message names what to do; with it, the
    // fallback may read the file.
    if let Err(e) = jixiao::extract::pdf::extract(&japan) {
        let msg = format!("{e:#}");
        assert!(msg.contains("poppler-utils") && !msg.contains("damaged"), "{msg}");
    }
    let data = tempfile::TempDir::new().unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(dir.path().join("japan1.pdf"), &japan).unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).env("PATH", "/nonexistent").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("japan1.pdf") && err.contains("poppler-utils") && err.lines().count() <= 2, "{err}");
}

#[test]
fn reading_time_grows_linearly_with_pages() {
    // 3,000 pages of one line each: read in one pass over the page tree, not one walk per page.
    let mut doc = Document::with_version("1.5");
    let descriptor = doc.add_object(dictionary! { "Type" => "FontDescriptor", "FontName" => "STSong-Light", "Flags" => 6, "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 880, "StemV" => 93, "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 880.into()] });
    let cid_font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light", "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("GB1"), "Supplement" => 4 }, "FontDescriptor" => descriptor, "DW" => 1000 });
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light", "Encoding" => "UniGB-UCS2-H", "DescendantFonts" => vec![cid_font.into()] });
    let pages_id = doc.new_object_id();
    let mut kids = vec![];
    for i in 0..3000 {
        let hex: String = utf16(&format!("第{i}页 预算执行情况良好。")).iter().map(|b| format!("{b:02X}")).collect();
        let contents = doc.add_object(Stream::new(dictionary! {}, format!("BT /F1 11 Tf 50 800 Td <{hex}> Tj ET\n").into_bytes()));
        kids.push(Object::from(doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()], "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } }, "Contents" => contents })));
    }
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 3000 }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let started = std::time::Instant::now();
    let text = jixiao::extract::pdf::extract(&bytes).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(text.contains("第2999页"));
}
