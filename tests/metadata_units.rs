//! The unit lexicon is data (schema/units.toml): an ending or a short form added there changes what
//! `ingest` finds, with the same binary; a malformed entry is refused with the file and the line.

mod common;

use common::*;
use std::path::Path;
use tempfile::TempDir;

const BUILTIN_UNITS: &str = include_str!("../schema/units.toml");

/// A report of ours by a unit whose ending (台) the built-in lexicon does not know.
const REPORT: &str = "平阳县气象台2023年度部门整体支出绩效自评报告\n\n\
单位名称：平阳县气象台\n\n\
一、部门基本情况\n本单位负责全县气象观测和预报服务，年初预算安排资金120万元。\n\n\
二、存在的问题\n（一）部分项目支出进度偏慢，年末结转资金较多。\n";

fn ingest_department(schema: Option<&Path>, dir: &Path) -> String {
    let data = TempDir::new().unwrap();
    let mut cmd = jixiao(data.path());
    if let Some(s) = schema {
        cmd.arg("--schema").arg(s);
    }
    cmd.arg("ingest").arg(dir).assert().success();
    let mut cmd = jixiao(data.path());
    if let Some(s) = schema {
        cmd.arg("--schema").arg(s);
    }
    let rows = json_lines(&cmd.args(["reports", "--format", "json"]).output().unwrap().stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0]["department"].as_str().unwrap_or("").to_string()
}

#[test]
fn an_ending_added_to_units_toml_names_a_unit_kind_without_a_rebuild() {
    let reports = TempDir::new().unwrap();
    std::fs::write(reports.path().join("report.txt"), REPORT).unwrap();
    let builtin = ingest_department(None, reports.path());
    assert_ne!(builtin, "平阳县气象台", "the built-in lexicon does not know 台 (else this test shows nothing)");

    let schema = TempDir::new().unwrap();
    let taught = BUILTIN_UNITS.replacen(
        r#"  { ending = "公司", roles = ["signature"] },"#,
        "  { ending = \"公司\", roles = [\"signature\"] },\n  { ending = \"台\", roles = [\"name\", \"body\"] },",
        1,
    );
    assert_ne!(taught, BUILTIN_UNITS);
    std::fs::write(schema.path().join("units.toml"), taught).unwrap();
    assert_eq!(ingest_department(Some(schema.path()), reports.path()), "平阳县气象台");
}

#[test]
fn a_short_form_added_to_units_toml_is_written_out() {
    let reports = TempDir::new().unwrap();
    let text = "县大数据局2023年度部门整体支出绩效自评报告\n\n\
一、部门基本情况\n平阳县大数据发展管理局负责全县政务数据归集。平阳县大数据发展管理局年初预算80万元。\n\n\
二、存在的问题\n（一）数据共享平台建设滞后。\n";
    std::fs::write(reports.path().join("report.txt"), text).unwrap();
    assert_ne!(ingest_department(None, reports.path()), "平阳县大数据发展管理局");
    let schema = TempDir::new().unwrap();
    let taught = BUILTIN_UNITS.replacen("short_forms = [\n", "short_forms = [\n  { short = \"大数据局\", full = \"大数据发展管理局\" },\n", 1);
    std::fs::write(schema.path().join("units.toml"), taught).unwrap();
    assert_eq!(ingest_department(Some(schema.path()), reports.path()), "平阳县大数据发展管理局");
}

#[test]
fn a_malformed_units_entry_is_refused_with_file_and_line() {
    let schema = TempDir::new().unwrap();
    let bad = BUILTIN_UNITS.replacen(r#"{ ending = "队", roles = ["name"] }"#, r#"{ ending = "队", roles = ["nmae"] }"#, 1);
    let line = bad.lines().position(|l| l.contains("nmae")).unwrap() + 1;
    let path = schema.path().join("units.toml");
    std::fs::write(&path, bad).unwrap();
    let data = TempDir::new().unwrap();
    let out = jixiao(data.path()).arg("--schema").arg(schema.path()).arg("ingest").arg(samples()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&path.display().to_string()) && err.contains(&format!("line {line}:")) && err.contains("nmae"), "{err}");
    // And a TOML syntax error names the file and its line too.
    std::fs::write(&path, "suffixes = [\n  { ending = \"局\" roles = [] },\n]\n").unwrap();
    let out = jixiao(data.path()).arg("--schema").arg(schema.path()).arg("ingest").arg(samples()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(&path.display().to_string()) && err.contains("line 2"), "{err}");
}
