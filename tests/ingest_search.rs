//! The `jixiao` binary end to end: ingest → search → show, bad input, idempotent re-ingest,
//! replacement of changed files, removal, exit codes, and the data-directory lock.

mod common;

use common::*;
use predicates::prelude::*;
use tempfile::TempDir;

fn ingested_samples() -> TempDir {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(samples()).assert().success().stdout(predicate::str::contains("7 added"));
    data
}

#[test]
fn ingest_search_show_round_trip() {
    let data = ingested_samples();
    let out = jixiao(data.path()).args(["search", "政府采购执行率", "--format", "json"]).assert().success().get_output().stdout.clone();
    let hits = json_lines(&out);
    assert!(!hits.is_empty());
    let first = &hits[0];
    assert_eq!(first["department"], "平遥县教育局");
    assert_eq!(first["category"], "problems");
    for field in ["id", "report_id", "fiscal_year", "path", "level", "heading", "themes", "text", "score", "snippet"] {
        assert!(first.get(field).is_some(), "hit lacks {field}");
    }
    assert!(first["snippet"].as_str().unwrap().contains("<b>"));

    let report_id = first["report_id"].as_str().unwrap().to_string();
    let out = jixiao(data.path()).args(["show", &report_id, "--format", "json"]).assert().success().get_output().stdout.clone();
    let rows = json_lines(&out);
    assert_eq!(rows[0]["id"], report_id.as_str());
    assert_eq!(rows[0]["region"]["county"], "平遥县");
    let sections: Vec<_> = rows[1..].iter().collect();
    assert_eq!(sections.len() as u64, rows[0]["sections"].as_u64().unwrap());
    assert!(sections.iter().all(|s| s["report_id"] == report_id.as_str()));
    let seqs: Vec<u64> = sections.iter().map(|s| s["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "sections in document order");

    let sid = first["id"].as_str().unwrap();
    jixiao(data.path()).args(["show", sid]).assert().success().stdout(predicate::str::contains("政府采购执行率"));
}

#[test]
fn filters_restrict_hits() {
    let data = ingested_samples();
    let out = jixiao(data.path())
        .args(["search", "进度滞后", "--dept", "水利", "--year", "2023", "--format", "json", "-n", "50"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let hits = json_lines(&out);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["department"] == "桐庐县水利局" && h["fiscal_year"] == 2023));
    let out = jixiao(data.path())
        .args(["search", "满意度", "--region", "四川", "--category", "problems", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(json_lines(&out).iter().all(|h| h["region"]["province"] == "四川省" && h["category"] == "problems"));
    jixiao(data.path()).args(["search", "采购", "--theme", "procurement_low", "--kind", "project"]).assert().code(1);
}

#[test]
fn exit_codes_follow_ripgrep() {
    let data = ingested_samples();
    jixiao(data.path()).args(["search", "量子计算机"]).assert().code(1);
    jixiao(data.path()).args(["search", "\"未闭合"]).assert().code(2).stderr(predicate::str::contains("bad query"));
    jixiao(data.path()).args(["search", "采购", "--year", "二〇二三"]).assert().code(2);
    jixiao(data.path()).args(["search", "采购", "--theme", "no_such_theme"]).assert().code(2).stderr(predicate::str::contains("unknown theme"));
    jixiao(data.path()).args(["show", "ffffffffffff"]).assert().code(2).stderr(predicate::str::contains("no report"));
}

#[test]
fn re_ingest_is_a_no_op_and_a_changed_file_replaces_its_report() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("报告 2023.txt");
    std::fs::copy(samples().join("pingyao_jiaoyu_2023.txt"), &file).unwrap();
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir.path()).assert().success().stdout(predicate::str::contains("1 added"));
    jixiao(data.path())
        .arg("ingest")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("0 added, 0 replaced, 1 unchanged"));
    let text = std::fs::read_to_string(&file).unwrap().replace("52.7%", "57.2%");
    std::fs::write(&file, text).unwrap();
    jixiao(data.path()).arg("ingest").arg(&file).assert().success().stdout(predicate::str::contains("1 replaced"));
    let out = jixiao(data.path()).args(["reports", "--format", "json"]).assert().success().get_output().stdout.clone();
    let reports = json_lines(&out);
    assert_eq!(reports.len(), 1, "the old version is gone");
    jixiao(data.path()).args(["search", "57.2%"]).assert().success();
    let id = reports[0]["id"].as_str().unwrap();
    jixiao(data.path()).args(["remove", id]).assert().success();
    let out = jixiao(data.path()).args(["reports", "--format", "json"]).assert().success().get_output().stdout.clone();
    assert!(json_lines(&out).is_empty());
}

#[test]
fn bad_files_are_reported_by_name_and_the_rest_is_stored() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    std::fs::write(dir.path().join("binary.txt"), [0u8, 159, 146, 150, 0, 0, 1, 2, 3, 0, 0, 0].repeat(50)).unwrap();
    std::fs::copy(samples().join("cuiping_gongan_2023.txt"), dir.path().join("good.txt")).unwrap();
    let data = TempDir::new().unwrap();
    jixiao(data.path())
        .arg("ingest")
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("1 added, 0 replaced, 0 unchanged, 2 failed"))
        .stderr(predicate::str::contains("empty.txt").and(predicate::str::contains("the file is empty")))
        .stderr(predicate::str::contains("binary.txt").and(predicate::str::contains("binary")));
    jixiao(data.path()).arg("ingest").arg(dir.path().join("missing.txt")).assert().code(2).stderr(predicate::str::contains("missing.txt"));
    // Nothing stored was lost.
    jixiao(data.path()).args(["search", "编外人员"]).assert().success();
}

#[test]
fn a_second_writer_gets_a_clear_error_and_readers_keep_working() {
    let data = ingested_samples();
    let _held = jixiao::store::DataDir::new(data.path()).lock().unwrap();
    jixiao(data.path())
        .arg("ingest")
        .arg(samples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is being changed by process"));
    jixiao(data.path()).args(["search", "编外人员"]).assert().success();
    jixiao(data.path()).args(["reports"]).assert().success();
}

#[test]
fn data_dir_from_the_environment() {
    let data = TempDir::new().unwrap();
    let mut c = assert_cmd::Command::cargo_bin("jixiao").unwrap();
    c.env("JIXIAO_DATA", data.path()).args(["--quiet", "ingest"]).arg(samples().join("cuiping_gongan_2023.txt")).assert().success();
    assert!(data.path().join("store").exists() && data.path().join("search").exists());
}

#[test]
fn searching_an_empty_data_dir_says_what_to_do() {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).args(["search", "采购"]).assert().code(2).stderr(predicate::str::contains("jixiao ingest"));
}

#[test]
fn an_older_or_foreign_data_directory_says_what_to_do() {
    let data = ingested_samples();
    // The index stamped by another analyzer: refused with the way on, then rebuilt.
    std::fs::write(data.path().join("search/jixiao-analyzer.json"), r#"{"analyzer_version":0,"dictionary":"old"}"#).unwrap();
    jixiao(data.path()).args(["search", "采购"]).assert().code(2).stderr(predicate::str::contains("jixiao rebuild"));
    jixiao(data.path()).arg("rebuild").assert().success().stdout(predicate::str::contains("re-indexed 7 reports"));
    jixiao(data.path()).args(["search", "采购"]).assert().success();
    // A store of another format version: refused, nothing touched.
    {
        let db = sled::open(data.path().join("store")).unwrap();
        db.open_tree("meta").unwrap().insert("format", &0u32.to_le_bytes()).unwrap();
        db.flush().unwrap();
    }
    jixiao(data.path())
        .arg("ingest")
        .arg(samples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("format version 0").and(predicate::str::contains("--data")));
    jixiao(data.path()).args(["search", "采购"]).assert().success();
}

#[test]
fn searches_keep_working_while_an_ingest_runs() {
    let corpus = TempDir::new().unwrap();
    synth_corpus(corpus.path(), 5, 400);
    let data = ingested_samples();
    let mut ingest = jixiao_std(data.path()).arg("ingest").arg(corpus.path()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let mut searches = 0;
    let mut during = 0;
    while ingest.try_wait().unwrap().is_none() || searches < 3 {
        jixiao(data.path()).args(["search", "预算执行率"]).assert().success();
        searches += 1;
        if ingest.try_wait().unwrap().is_none() {
            during += 1;
        }
    }
    assert!(ingest.wait().unwrap().success());
    assert!(during >= 1, "at least one search ran during the ingest");
    let out = jixiao(data.path()).args(["reports", "--format", "json"]).output().unwrap();
    assert_eq!(json_lines(&out.stdout).len(), 407);
}

#[test]
fn a_damaged_store_is_restored_from_the_index_not_emptied() {
    let data = ingested_samples();
    // Overwrite part of sled's file: sled then reads only what precedes the damage, or refuses.
    let db = data.path().join("store/db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() / 3;
    let end = (at + 256).min(bytes.len());
    for b in &mut bytes[at..end] {
        *b = 0xAB;
    }
    std::fs::write(&db, bytes).unwrap();
    jixiao(data.path()).arg("check").assert().success();
    jixiao(data.path()).arg("check").assert().success().stdout(predicate::str::contains("consistent"));
    let out = jixiao(data.path()).args(["reports", "--format", "json"]).output().unwrap();
    assert_eq!(json_lines(&out.stdout).len(), 7, "no report lost");
    let out = jixiao(data.path()).args(["show", "fab7", "--format", "json"]).output().unwrap();
    assert!(json_lines(&out.stdout).len() > 10, "sections restored too");
    jixiao(data.path()).arg("ingest").arg(samples()).assert().success().stdout(predicate::str::contains("7 unchanged"));
}
