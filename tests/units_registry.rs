//! One name per unit across a collection: the names a unit's reports are written with are grouped
//! (`jixiao units`), `problems`, `--dept` and copied-forward detection see one unit, and the
//! user's merges and splits are remembered in the data directory.

mod common;

use common::*;
use std::path::Path;
use tempfile::TempDir;

/// A report of ours: the unit as its cover writes it, a fiscal year, a problem and a figure.
fn report(unit: &str, year: u16, rate: &str) -> String {
    format!(
        "平阳县审计局{year}年度部门整体支出绩效自评报告\n\n单位名称：{unit}\n\n\
一、部门基本情况\n本单位负责全县审计监督工作，年初预算安排资金300万元。\n\n\
二、存在的问题\n（一）政府采购执行率偏低，全年仅为{rate}，部分采购项目未按计划实施。\n"
    )
}

/// A data directory holding three years of one unit, written with and without its city.
fn collection() -> TempDir {
    let files = TempDir::new().unwrap();
    for (year, unit, rate) in [(2021, "平阳县审计局", "41.5%"), (2022, "温州市平阳县审计局", "52.0%"), (2023, "平阳县审计局", "60.2%")] {
        std::fs::write(files.path().join(format!("{year}.txt")), report(unit, year, rate)).unwrap();
    }
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(files.path()).assert().success();
    let names: Vec<String> = run_json(data.path(), &["reports", "--format", "json"]).iter().map(|r| r["department"].as_str().unwrap_or("").to_string()).collect();
    assert!(names.contains(&"温州市平阳县审计局".to_string()) && names.contains(&"平阳县审计局".to_string()), "{names:?}");
    data
}

fn procurement_rows(data: &Path) -> Vec<serde_json::Value> {
    run_json(data, &["problems", "--theme", "procurement_low", "--format", "json"])
}

#[test]
fn the_names_of_one_unit_are_one_department_in_problems_and_filters() {
    let data = collection();
    let units = run_json(data.path(), &["units", "--format", "json"]);
    assert_eq!(units.len(), 1, "{units:?}");
    assert_eq!(units[0]["name"], "平阳县审计局", "the name most reports write");
    assert_eq!(units[0]["reports"], 3);
    assert_eq!(units[0]["variants"].as_array().unwrap().len(), 2);

    let rows = procurement_rows(data.path());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["years"], serde_json::json!([2021, 2022, 2023]));
    assert_eq!(rows[0]["variants"], serde_json::json!(["温州市平阳县审计局"]));

    // --dept with one name finds the reports written with the other.
    let hits = run_json(data.path(), &["search", "采购", "--dept", "温州市平阳县审计局", "--format", "json", "-n", "50"]);
    let reports: std::collections::BTreeSet<String> = hits.iter().map(|h| h["report_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(reports.len(), 3, "{hits:?}");
}

#[test]
fn a_split_and_a_merge_are_remembered_in_the_data_directory() {
    let data = collection();
    jixiao(data.path()).args(["units", "split", "温州市平阳县审计局"]).assert().success();
    assert!(data.path().join("aliases.toml").exists());
    assert_eq!(procurement_rows(data.path()).len(), 2, "split: two units");
    assert_eq!(run_json(data.path(), &["units", "--format", "json"]).len(), 2);

    jixiao(data.path()).args(["units", "merge", "平阳县审计局", "温州市平阳县审计局", "--as", "平阳县审计局（合并）"]).assert().success();
    let units = run_json(data.path(), &["units", "--format", "json"]);
    assert_eq!(units.len(), 1, "{units:?}");
    assert_eq!(units[0]["name"], "平阳县审计局（合并）");
    assert_eq!(units[0]["merged_by_user"], true);
    let rows = procurement_rows(data.path());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["department"], "平阳县审计局（合并）");
    // The shown name filters too, though no report writes it.
    let hits = run_json(data.path(), &["search", "采购", "--dept", "平阳县审计局（合并）", "--format", "json", "-n", "50"]);
    assert!(!hits.is_empty());
}

#[test]
fn unknown_names_and_a_malformed_aliases_file_are_refused_by_name() {
    let data = collection();
    let out = jixiao(data.path()).args(["units", "merge", "平阳县审计局", "平阳县财政局"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("平阳县财政局"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!data.path().join("aliases.toml").exists(), "nothing written on a refused merge");

    std::fs::write(data.path().join("aliases.toml"), "apart = [\"x\"]\n\n[[merge]]\nname = 7\n").unwrap();
    let out = jixiao(data.path()).args(["units"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("aliases.toml, line 4"), "{err}");
}
