//! Real-world inputs: Word, PDF, HTML and legacy .doc files, and a messy folder of bad files that
//! ingests in one command with one line per problem file.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use tempfile::TempDir;

fn reports(data: &Path) -> Vec<Value> {
    json_lines(&jixiao(data).args(["reports", "--format", "json"]).output().unwrap().stdout)
}

fn sections(data: &Path, id: &str) -> Vec<Value> {
    json_lines(&jixiao(data).args(["show", id, "--format", "json"]).output().unwrap().stdout)[1..].to_vec()
}

/// A minimal .docx: paragraphs (with optional Word list numbering) and one table.
fn write_docx(path: &Path, body: &str, numbering: Option<&str>) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opt = zip::write::SimpleFileOptions::default();
    let files: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.into()),
        ("word/document.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#)),
    ];
    for (name, content) in files {
        z.start_file(name, opt).unwrap();
        z.write_all(content.as_bytes()).unwrap();
    }
    if let Some(n) = numbering {
        z.start_file("word/numbering.xml", opt).unwrap();
        z.write_all(n.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn numbered(level: u8, text: &str) -> String {
    format!("<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
}

const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num></w:numbering>"#;

#[test]
fn docx_with_word_numbering_tables_and_bookmarks() {
    let dir = TempDir::new().unwrap();
    let body = [
        p("嘉善县农业农村局2023年度部门整体支出绩效自评报告"),
        numbered(0, "部门概况"),
        p("本部门负责全县农业农村工作。"),
        numbered(0, "绩效自评情况"),
        numbered(1, "指标得分"),
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>分值</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>得分</w:t></w:r></w:p></w:tc></w:tr>\
         <w:tr><w:tc><w:p><w:r><w:t>预算执行率</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>6</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>5.5</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
            .to_string(),
        numbered(0, "存在的问题"),
        "<w:p><w:bookmarkStart w:id=\"0\" w:name=\"_GoBack\"/><w:bookmarkEnd w:id=\"0\"/><w:r><w:t>1.政府采购执行率偏低，仅为45.2%。</w:t></w:r><w:r><w:delText>删掉的字</w:delText></w:r></w:p>".to_string(),
    ]
    .concat();
    write_docx(&dir.path().join("报告.docx"), &body, Some(NUMBERING));
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir.path()).assert().success().stdout(predicate::str::contains("1 added"));
    let r = &reports(data.path())[0];
    assert_eq!(r["department"], "嘉善县农业农村局");
    assert_eq!(r["fiscal_year"], 2023);
    let s = sections(data.path(), r["id"].as_str().unwrap());
    let headings: Vec<&str> = s.iter().map(|x| x["heading"].as_str().unwrap()).collect();
    assert!(headings.contains(&"一、部门概况") && headings.contains(&"二、绩效自评情况") && headings.contains(&"三、存在的问题"), "{headings:?}");
    let sub = s.iter().find(|x| x["heading"] == "（一）指标得分").expect("level-2 auto number");
    assert_eq!(sub["level"], 2);
    assert!(sub["text"].as_str().unwrap().contains("预算执行率\t6\t5.5"), "table rows are tab-separated: {sub:?}");
    let all: String = s.iter().map(|x| x["text"].as_str().unwrap().to_string() + x["heading"].as_str().unwrap()).collect();
    assert!(!all.contains("bookmark") && !all.contains("删掉的字"));
    assert!(s.iter().any(|x| x["themes"].as_array().unwrap().iter().any(|t| t == "procurement_low")));
}

#[test]
fn libreoffice_docx_pdf_and_doc_fixtures() {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(fixtures().join("tonglu_shuili_2022.docx")).assert().success();
    jixiao(data.path()).arg("ingest").arg(fixtures().join("cuiping_gongan_2023.pdf")).assert().success();
    let rs = reports(data.path());
    let docx = rs.iter().find(|r| r["source"].as_str().unwrap().ends_with(".docx")).unwrap();
    assert_eq!((docx["department"].as_str(), docx["fiscal_year"].as_u64()), (Some("桐庐县水利局"), Some(2022)));
    let pdf = rs.iter().find(|r| r["source"].as_str().unwrap().ends_with(".pdf")).unwrap();
    assert_eq!((pdf["department"].as_str(), pdf["fiscal_year"].as_u64(), pdf["total_score"].as_f64()), (Some("宜宾市翠屏区公安分局"), Some(2023), Some(86.5)));
    let s = sections(data.path(), pdf["id"].as_str().unwrap());
    let themes: Vec<&str> = s.iter().flat_map(|x| x["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap())).collect();
    for t in ["offbook_staff", "three_public_over", "satisfaction_no_survey"] {
        assert!(themes.contains(&t), "{t} from the PDF: {themes:?}");
    }
    // Legacy .doc: converted where LibreOffice or antiword exists, otherwise a clear error.
    let out = jixiao(data.path()).arg("ingest").arg(fixtures().join("tonglu_shuili_2022.doc")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let has_converter = ["soffice", "libreoffice", "antiword"].iter().any(|t| std::process::Command::new("which").arg(t).output().is_ok_and(|o| o.status.success()));
    if has_converter {
        assert!(out.status.success(), "{stderr}");
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr.contains("tonglu_shuili_2022.doc") && stderr.contains("save the file as .docx"), "{stderr}");
    }
}

#[test]
fn html_page_article_and_publication_date() {
    let dir = TempDir::new().unwrap();
    let page = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>德清县民政局2022年度部门整体支出绩效自评报告</title></head><body>
        <div class="header"><ul class="nav"><li>首页</li><li>政务公开</li></ul></div>
        <div class="info">发布时间：2023-05-06 浏览次数：120</div>
        <div class="TRS_Editor"><p>一、部门基本情况</p><p>德清县民政局负责全县社会救助、养老服务和社会事务管理。</p>
        <p>二、自评结论</p><p>2022年度部门整体支出绩效自评得分为92分，评价等级为优。</p>
        <p>三、存在的问题</p><p>1.养老服务专业人才紧缺，护理员年龄偏大。</p></div>
        <div class="footer">主办单位：德清县人民政府办公室</div></body></html>"#;
    std::fs::write(dir.path().join("page.html"), page).unwrap();
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir.path()).assert().success();
    let r = &reports(data.path())[0];
    assert_eq!((r["department"].as_str(), r["fiscal_year"].as_u64(), r["grade"].as_str()), (Some("德清县民政局"), Some(2022), Some("优")));
    assert_eq!(r["filed"], "2023-05-06");
    let s = sections(data.path(), r["id"].as_str().unwrap());
    assert!(s.iter().all(|x| !x["text"].as_str().unwrap().contains("首页") && !x["text"].as_str().unwrap().contains("主办单位")));
}

#[test]
fn a_messy_folder_ingests_in_one_command_with_one_line_per_problem_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let sub = d.join("子目录 with spaces");
    std::fs::create_dir(&sub).unwrap();
    // Good files in three encodings and three formats.
    std::fs::copy(samples().join("pingyao_jiaoyu_2021.txt"), sub.join("平遥 2021.txt")).unwrap();
    std::fs::copy(samples().join("pingyao_jiaoyu_2022.txt"), d.join("gb18030.txt")).unwrap();
    std::fs::copy(samples().join("tonglu_shuili_2023.txt"), d.join("utf16.txt")).unwrap();
    std::fs::copy(fixtures().join("tonglu_shuili_2022.docx"), d.join("word.docx")).unwrap();
    std::fs::copy(fixtures().join("cuiping_gongan_2023.pdf"), d.join("scan.pdf")).unwrap();
    // No headings, and no department or year: stored and flagged.
    std::fs::write(d.join("no_headings.txt"), "本单位今年认真开展预算绩效管理工作，预算执行情况良好，资金使用规范，未发现问题。\n").unwrap();
    // Bad files.
    std::fs::write(d.join("empty.txt"), b"").unwrap();
    std::fs::write(d.join("binary.txt"), [0u8, 1, 2, 3, 0, 0, 255, 254, 0, 0].repeat(100)).unwrap();
    std::fs::write(d.join("undetectable.txt"), (0..3000u32).map(|i| (0x80 + (i * 37 % 0x7f)) as u8).collect::<Vec<_>>()).unwrap();
    std::fs::write(d.join("truncated.docx"), &std::fs::read(fixtures().join("tonglu_shuili_2022.docx")).unwrap()[..800]).unwrap();
    std::fs::write(d.join("corrupt.pdf"), b"%PDF-1.4\n% not really a pdf\n1 0 obj\n<< /Type /Catalog").unwrap();
    let mut nul = std::fs::read(samples().join("cuiping_gongan_2023.txt")).unwrap();
    nul.splice(20..20, [0u8, 0, 0]);
    std::fs::write(d.join("nul_bytes.txt"), nul).unwrap();
    let mut long = String::from("一、概况\n");
    long.push_str(&"本部门预算执行良好".repeat(250_000)); // one line of 6.75 MB, under the 8 MB limit
    std::fs::write(d.join("long_line.txt"), long).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d, sub.join("loop")).unwrap();

    let data = TempDir::new().unwrap();
    // --follow: the loop is followed and reported as such.
    let out = jixiao(data.path()).args(["ingest", "--follow"]).arg(d).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    let failed = if cfg!(unix) { 6 } else { 5 };
    assert!(stdout.contains(&format!("8 added, 0 replaced, 0 unchanged, {failed} failed")), "{stdout}\n{stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("jixiao: error:")).collect();
    assert_eq!(error_lines.len(), failed, "{stderr}");
    for (file, reason) in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("undetectable.txt", "encoding"),
        ("truncated.docx", "damaged"),
        ("corrupt.pdf", "PDF"),
    ] {
        assert!(error_lines.iter().any(|l| l.contains(file) && l.contains(reason)), "{file}: {stderr}");
    }
    #[cfg(unix)]
    assert!(error_lines.iter().any(|l| l.contains("loop") && l.contains("symbolic link loop")), "{stderr}");

    // The flagged report is listed and can be fixed by hand.
    let incomplete = json_lines(&jixiao(data.path()).args(["reports", "--incomplete", "--format", "json"]).output().unwrap().stdout);
    assert_eq!(incomplete.len(), 2, "no_headings.txt and long_line.txt lack department and year: {incomplete:?}");
    let id = incomplete.iter().find(|r| r["source"].as_str().unwrap().ends_with("no_headings.txt")).unwrap()["id"].as_str().unwrap().to_string();
    assert!(incomplete[0]["flags"].as_array().unwrap().iter().any(|f| f == "no_department"));
    jixiao(data.path()).args(["set", &id, "--department", "海宁市审计局", "--year", "2021"]).assert().success();
    let fixed = reports(data.path()).into_iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!((fixed["department"].as_str(), fixed["fiscal_year"].as_u64()), (Some("海宁市审计局"), Some(2021)));
    assert_eq!(fixed["region"]["city"], "嘉兴市");
    assert!(fixed["flags"].as_array().unwrap().iter().all(|f| f != "no_department"));
    let no_headings = fixed["flags"].as_array().unwrap().iter().any(|f| f == "no_headings");
    assert!(no_headings, "stored as one section, flagged");

    // A second run changes nothing and still names the bad files.
    jixiao(data.path()).args(["ingest", "--follow"]).arg(d).assert().code(2).stdout(predicate::str::contains(format!("0 added, 0 replaced, 8 unchanged, {failed} failed")));
    jixiao(data.path()).arg("check").assert().success().stdout(predicate::str::contains("consistent"));
}

#[test]
fn oversized_files_are_refused_by_name() {
    let dir = TempDir::new().unwrap();
    let big = dir.path().join("huge.txt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap(); // sparse: no disk used
    let data = TempDir::new().unwrap();
    jixiao(data.path())
        .arg("ingest")
        .arg(&big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("huge.txt").and(predicate::str::contains("limit")));
}

/// The section tree follows the genre's numbering (一、 above （一） above 1、 above （1）) on reports
/// with the layout mess of real files: a table of contents, 1、 and 1. mixed, numbers skipped or
/// swapped, a list restarted at （一） inside （二）.
#[test]
fn top_level_headings_stay_top_level_in_messy_layouts() {
    use jixiao::model::SourceInfo;
    let domain = jixiao::schema::Domain::builtin().unwrap();
    let (mut checked, mut wrong, mut missing) = (0, Vec::new(), 0);
    let corpus = jixiao::synth::Generator::new(20261207, domain.regions().unwrap()).messy().generate(300);
    assert!(corpus.iter().any(|r| r.text.contains("目  录")), "the messy mode writes tables of contents");
    for r in &corpus {
        let source = SourceInfo { path: r.file_name.clone(), file_hash: String::new(), bytes: 0, encoding: String::new(), published: None };
        let report = jixiao::enrich::read_report(&r.text, source, &domain).unwrap();
        for h in &r.top_headings {
            let found: Vec<_> = report.sections.iter().filter(|s| s.heading.trim() == h.as_str()).collect();
            if found.is_empty() {
                missing += 1;
            }
            for s in found {
                checked += 1;
                if s.level != 1 {
                    wrong.push(format!("{}: {:?} under {:?}", r.file_name, s.heading, s.path));
                }
            }
        }
        // A table of contents is not headings: each chapter is one section.
        for h in &r.top_headings {
            assert!(report.sections.iter().filter(|s| s.heading.trim() == h.as_str()).count() <= 1, "{}: {h} twice", r.file_name);
        }
    }
    assert!(checked > 1000, "{checked} top-level headings checked");
    assert!(wrong.is_empty(), "{} of {checked} nested: {:?}", wrong.len(), &wrong[..wrong.len().min(5)]);
    assert_eq!(missing, 0, "top-level headings not found as sections");
}

/// A .zip of our sample reports as Chinese Windows writes one: one member named in GBK without
/// the UTF-8 flag, one in UTF-8 inside a folder, a picture, and a member that unpacks far past a
/// report's size.
fn bundle(path: &Path) {
    let gbk_name = "平遥县教育局2023年度报告.txt";
    let (gbk, _, _) = encoding_rs::GBK.encode(gbk_name);
    // Written under an ASCII name as long as the GBK bytes, which are then put in its place (in the
    // local header and the central directory): the zip writer itself writes only UTF-8 names.
    let placeholder: String = "p".repeat(gbk.len() - 4) + ".txt";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(placeholder.as_str(), opts).unwrap();
    zip.write_all(&std::fs::read(samples().join("pingyao_jiaoyu_2023.txt")).unwrap()).unwrap();
    zip.start_file("桐庐县/水利局2022.txt", opts).unwrap();
    zip.write_all(&std::fs::read(samples().join("tonglu_shuili_2022.txt")).unwrap()).unwrap();
    zip.start_file("照片.jpg", opts).unwrap();
    zip.write_all(b"\xff\xd8\xff\xe0").unwrap();
    zip.start_file("巨大.txt", opts).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..70 {
        zip.write_all(&chunk).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(placeholder.len()).position(|w| w == placeholder.as_bytes()) {
        bytes[at + i..at + i + gbk.len()].copy_from_slice(&gbk);
        at += i + gbk.len();
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn reports_in_a_zip_archive_are_ingested_with_their_gbk_names() {
    let dir = TempDir::new().unwrap();
    bundle(&dir.path().join("2023年报告.zip"));
    let data = TempDir::new().unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The two reports are stored; the picture is passed over; the oversized member is refused by name.
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("巨大.txt") && err.contains("64 MB"), "{err}");
    let stored = reports(data.path());
    let sources: Vec<&str> = stored.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(stored.len(), 2, "{sources:?}");
    assert!(sources.iter().any(|s| s.ends_with("2023年报告.zip/平遥县教育局2023年度报告.txt")), "the GBK name is read: {sources:?}");
    assert!(sources.iter().any(|s| s.ends_with("2023年报告.zip/桐庐县/水利局2022.txt")), "{sources:?}");
    assert!(stored.iter().any(|r| r["department"].as_str().is_some_and(|d| d.contains("平遥县教育局"))));
    // Ingesting the archive again finds the same reports unchanged.
    let again = jixiao(data.path()).arg("ingest").arg(dir.path().join("2023年报告.zip")).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 unchanged") || String::from_utf8_lossy(&again.stderr).contains("2 unchanged"), "{}", String::from_utf8_lossy(&again.stderr));
    // A damaged archive is refused by name; the run goes on.
    std::fs::write(dir.path().join("坏的.zip"), b"PK\x03\x04 not really").unwrap();
    let out = jixiao(data.path()).arg("ingest").arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("坏的.zip"));
}
