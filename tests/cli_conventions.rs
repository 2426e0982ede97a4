//! CLI conventions: stable results (ties by id), output files and formats, export without a query,
//! query traps, help text; one regression test per defect, on the shipped samples.

mod common;

use common::*;
use std::path::Path;
use tempfile::TempDir;

fn ingest(dir: &Path) -> TempDir {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir).assert().success();
    data
}

#[test]
fn output_files_follow_their_extension_and_a_contradiction_is_an_error() {
    let data = ingest(&samples());
    let dir = TempDir::new().unwrap();
    let file = |n: &str| dir.path().join(n);
    jixiao(data.path()).args(["problems", "-o"]).arg(file("p.xlsx")).assert().success().stdout("");
    assert!(calamine::open_workbook_auto(file("p.xlsx")).is_ok(), "a real workbook");
    jixiao(data.path()).args(["metrics", "-o"]).arg(file("m.json")).assert().success().stdout("");
    assert!(json_lines(&std::fs::read(file("m.json")).unwrap()).len() >= 3);
    jixiao(data.path()).args(["problems", "--theme", "procurement_low", "-o"]).arg(file("t.txt")).assert().success().stdout("");
    assert!(std::fs::read_to_string(file("t.txt")).unwrap().contains("平遥县教育局"));
    jixiao(data.path()).args(["export", "预算", "-o"]).arg(file("x.xlsx")).assert().success();
    assert!(calamine::open_workbook_auto(file("x.xlsx")).is_ok(), "export -o x.xlsx writes Excel, not CSV text");
    let out = jixiao(data.path()).args(["export", "预算", "--format", "csv", "-o"]).arg(file("y.xlsx")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contradicts"));
}

#[test]
fn export_needs_no_query_when_filters_say_what() {
    let data = ingest(&samples());
    let out = jixiao(data.path()).args(["export", "--category", "problems", "--statements", "--format", "jsonl"]).output().unwrap();
    assert!(out.status.success());
    let rows = json_lines(&out.stdout);
    assert!(rows.len() >= 20, "{}", rows.len());
    assert!(rows.iter().all(|r| r["statement_id"].as_str().unwrap().contains('.')));
    // Without a query there is no relevance to order by: rows follow the section ids, whichever
    // file the ingest's threads finished first.
    let sections: Vec<&str> = rows.iter().map(|r| r["section_id"].as_str().unwrap()).collect();
    assert!(sections.windows(2).all(|w| w[0] <= w[1]), "rows in section-id order: {sections:?}");
    assert!(sections.first() < sections.last(), "rows from more than one section");
    let out = jixiao(data.path()).arg("export").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--category problems"));
}

#[test]
fn query_traps_get_answers_or_clear_errors() {
    let data = ingest(&samples());
    // An ASCII colon in Chinese text is text.
    assert!(!run_json(data.path(), &["search", "政府采购:执行率", "--format", "json"]).is_empty());
    // theme:nosuch is an error, as --theme nosuch is.
    let out = jixiao(data.path()).args(["search", "theme:nosuch"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown theme"));
    assert!(!run_json(data.path(), &["search", "theme:procurement_low", "--format", "json"]).is_empty());
}

#[test]
fn a_query_of_common_words_or_english_finds_nothing_and_says_why() {
    let data = ingest(&samples());
    // Notices are on (the helper passes --quiet).
    let search = |q: &str| std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao")).arg("--data").arg(data.path()).args(["search", q]).env_remove("JIXIAO_QUIET").output().unwrap();
    let out = search("的");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only common words (的)"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = search("procurement");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the reports are in Chinese") && err.contains("procurement_low"), "{err}");
}

#[test]
fn a_theme_is_named_by_id_label_or_the_way_users_type_it() {
    let data = ingest(&samples());
    let by_id = run_json(data.path(), &["problems", "--theme", "procurement_low", "--format", "json"]);
    assert!(!by_id.is_empty());
    for named in ["采购执行率低", "政府采购执行率低", "政府采购执行率低 / 采购预算执行慢"] {
        assert_eq!(run_json(data.path(), &["problems", "--theme", named, "--format", "json"]), by_id, "{named}");
    }
    // Not a theme: the nearest are suggested with their labels.
    let out = jixiao(data.path()).args(["problems", "--theme", "采购慢了吧"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean procurement_low (政府采购执行率低"), "{err}");
}

#[test]
fn remove_needs_six_characters_and_says_what_it_removed() {
    let data = ingest(&samples());
    let id = run_json(data.path(), &["reports", "--format", "json"])[0]["id"].as_str().unwrap().to_string();
    let out = jixiao(data.path()).args(["remove", &id[..1]]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(run_json(data.path(), &["reports", "--format", "json"]).len(), 7, "nothing removed");
    let out = jixiao(data.path()).args(["remove", &id[..6]]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("removed {id}")));
    assert_eq!(run_json(data.path(), &["reports", "--format", "json"]).len(), 6);
}

#[test]
fn ties_are_broken_by_id_so_shorter_lists_are_prefixes_of_longer_ones() {
    let ids = |data: &Path, args: &[&str]| -> Vec<String> {
        run_json(data, args).iter().map(|h| h["id"].as_str().or(h["section_id"].as_str()).unwrap().to_string()).collect()
    };
    let a = ingest(&samples());
    let b = ingest(&samples());
    let mut previous: Vec<String> = vec![];
    for n in 1..=6 {
        let n = n.to_string();
        let got = ids(a.path(), &["search", "采购执行率低", "-n", &n, "--format", "json"]);
        assert!(got.starts_with(&previous), "-n {n}: {got:?} after {previous:?}");
        assert_eq!(got, ids(b.path(), &["search", "采购执行率低", "-n", &n, "--format", "json"]), "same answer in another data directory");
        previous = got;
    }
    let exported: Vec<String> = ids(a.path(), &["export", "采购执行率低", "--format", "jsonl"]);
    assert!(exported.starts_with(&previous), "export lists hits in search order");
}

#[test]
fn a_heading_without_text_ranks_below_the_paragraphs_it_heads() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("r.txt"),
        "桐庐县档案馆2023年度部门整体支出绩效自评报告\n一、存在的问题\n（一）政府采购执行率偏低\n1.设备采购\n部分设备采购项目到年底仍未完成招标，政府采购执行率偏低，仅为41%。\n",
    )
    .unwrap();
    let data = ingest(dir.path());
    let hits = run_json(data.path(), &["search", "政府采购执行率偏低", "--format", "json"]);
    assert!(hits.len() >= 2, "{hits:?}");
    assert!(!hits[0]["text"].as_str().unwrap().trim().is_empty(), "first hit has text: {:?}", hits[0]);
}

fn stdout(data: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&jixiao(data).args(args).output().unwrap().stdout).into_owned()
}

fn stderr(data: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&jixiao(data).args(args).output().unwrap().stderr).into_owned()
}

#[test]
fn help_lists_values_fields_and_an_example_apart_from_global_options() {
    let none = TempDir::new().unwrap();
    let search = stdout(none.path(), &["search", "--help"]);
    for want in ["Query fields", "department:", "region:", "theme:", "Global options:", "achievements", "department_overall", "procurement_low", "Examples:"] {
        assert!(search.contains(want), "search --help lacks {want:?}");
    }
    // Own options come before the global ones.
    assert!(search.find("--theme").unwrap() < search.find("Global options:").unwrap());
    let metrics = stdout(none.path(), &["metrics", "--help"]);
    assert!(metrics.contains("--year <YEAR>  Fiscal year or range") || metrics.contains("Fiscal year or range"));
    assert!(metrics.contains("Part of the department name") && metrics.contains("Example"));
    for cmd in ["ingest", "reports", "show", "problems", "similar", "export", "set", "check", "remove", "classify"] {
        assert!(stdout(none.path(), &[cmd, "--help"]).contains("Example"), "{cmd} --help has no example");
    }
    assert!(stderr(none.path(), &["similar"]).contains("--text"));
}

#[test]
fn query_fields_behave_like_the_filters_and_bad_queries_say_why() {
    let data = ingest(&samples());
    let d = data.path();
    let by_field = run_json(d, &["search", "department:桐庐 预算", "-n", "100", "--format", "json"]);
    let by_flag = run_json(d, &["search", "预算", "--dept", "桐庐", "-n", "100", "--format", "json"]);
    assert!(!by_field.is_empty());
    assert_eq!(by_field.len(), by_flag.len());
    assert!(by_field.iter().all(|h| h["department"].as_str().unwrap().contains("桐庐")));
    assert!(!run_json(d, &["search", "region:杭州", "--format", "json"]).is_empty(), "a field alone lists what it selects");
    let err = stderr(d, &["search", "\"政府采购"]);
    assert!(err.contains("quote") && err.contains("leave out quotes"), "{err}");
    // Section kind and report kind are named apart; hits carry the report's score and kind.
    let hit = &run_json(d, &["search", "预算", "-n", "1", "--format", "json"])[0];
    assert!(hit["section_kind"].is_string() && hit["report_kind"].is_string() && hit.get("kind").is_none());
    assert!(hit.get("total_score").is_some() && hit.get("grade").is_some());
}

#[test]
fn smaller_things_a_new_user_meets() {
    let data = ingest(&samples());
    let d = data.path();
    // 2022-2023 is the range it plainly means.
    let dash = run_json(d, &["search", "预算", "--year", "2022-2023", "-n", "100", "--format", "json"]);
    let dots = run_json(d, &["search", "预算", "--year", "2022..2023", "-n", "100", "--format", "json"]);
    assert!(!dash.is_empty());
    assert_eq!(dash, dots);
    assert!(stderr(d, &["search", "预算", "--year", "2022/2023"]).contains("2022..2024"));
    // The reports table shows the region.
    assert!(stdout(d, &["reports"]).lines().any(|l| l.contains("浙江省") && l.contains("桐庐县水利局")));
    // The metrics table names the metric and its unit.
    let m = stdout(d, &["metrics"]);
    assert!(m.lines().next().unwrap().contains("unit") && m.contains("procurement_exec_rate"));
    // Scores in CSV are rounded.
    let csv = stdout(d, &["export", "预算", "--format", "csv"]);
    let score = csv.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(score.split('.').nth(1).is_none_or(|dec| dec.len() <= 3), "{score}");
    // A department named without its place keeps the region found before.
    let report = run_json(d, &["reports", "--format", "json"]).into_iter().find(|r| r["department"] == "桐庐县水利局").unwrap();
    let id = report["id"].as_str().unwrap();
    jixiao(d).args(["set", id, "--department", "水利局"]).assert().success();
    let after = run_json(d, &["reports", "--format", "json"]).into_iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(after["region"], report["region"]);
}

#[test]
fn a_year_the_collection_does_not_hold_is_named_with_the_years_it_does() {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(samples()).assert().success();
    for args in [vec!["search", "预算", "--year", "20233"], vec!["problems", "--year", "2030"], vec!["problems", "--theme", "procurement_low", "--year", "2030"]] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
            .arg("--data")
            .arg(data.path())
            .args(&args)
            .env_remove("JIXIAO_QUIET")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("the years it holds: 2021, 2022, 2023"), "{args:?}: {err}");
    }
    // A year it holds with nothing matching: no such note.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao")).arg("--data").arg(data.path()).args(["search", "火星基地", "--year", "2022"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("the years it holds"));
}

#[test]
fn a_filter_given_several_values_keeps_what_has_any_of_them() {
    let data = ingest(&samples());
    let count = |args: &[&str]| {
        let mut all = vec!["export", "--format", "jsonl"];
        all.extend_from_slice(args);
        let out = jixiao(data.path()).args(&all).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        json_lines(&out.stdout).len()
    };
    let (y22, y23) = (count(&["--year", "2022"]), count(&["--year", "2023"]));
    assert!(y22 > 0 && y23 > 0);
    assert_eq!(count(&["--year", "2022,2023"]), y22 + y23);
    let (problems, measures) = (count(&["--category", "problems"]), count(&["--category", "measures"]));
    assert_eq!(count(&["--category", "problems,measures"]), problems + measures);
    let (tonglu, pingyao) = (count(&["--dept", "桐庐"]), count(&["--dept", "平遥"]));
    assert!(tonglu > 0 && pingyao > 0);
    assert_eq!(count(&["--dept", "桐庐,平遥", "--year", "2023"]), count(&["--dept", "桐庐", "--year", "2023"]) + count(&["--dept", "平遥", "--year", "2023"]));
    // A bad value among good ones is named.
    let out = jixiao(data.path()).args(["export", "--year", "2022,20x3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("20x3"));
}
