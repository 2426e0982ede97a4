//! `export --format opensearch` (scale beyond one machine): the index template
//! and the bulk files against the bulk format, with ids stable across runs.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::TempDir;

fn export(data: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    jixiao(data).args(["export", "--format", "opensearch", "-o"]).arg(dir).args(extra).output().unwrap()
}

/// Every key of `doc` (recursively) has a mapping under `props`.
fn unmapped(doc: &Value, props: &Value, path: &str, missing: &mut Vec<String>) {
    let Some(obj) = doc.as_object() else { return };
    for (k, v) in obj {
        let Some(m) = props.get(k) else {
            missing.push(format!("{path}{k}"));
            continue;
        };
        let children = |v: &Value| if let Some(a) = v.as_array() { a.clone() } else { vec![v.clone()] };
        if let Some(sub) = m.get("properties") {
            for item in children(v) {
                unmapped(&item, sub, &format!("{path}{k}."), missing);
            }
        }
    }
}

#[test]
fn template_and_bulk_files_follow_the_bulk_format_with_stable_ids() {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(samples()).assert().success();
    let out = TempDir::new().unwrap();
    let (a, b) = (out.path().join("a"), out.path().join("b"));
    assert!(export(data.path(), &a, &["--bulk-docs", "40"]).status.success());
    assert!(export(data.path(), &b, &["--bulk-docs", "40"]).status.success());

    let template: Value = serde_json::from_str(&std::fs::read_to_string(a.join("template.json")).unwrap()).unwrap();
    assert_eq!(template["index_patterns"][0], "jixiao-sections-*");
    let props = &template["template"]["mappings"]["properties"];
    for field in [&props["text"], &props["heading"], &props["statements"]["properties"]["text"]] {
        assert_eq!(field["analyzer"], "ik_max_word");
        assert_eq!(field["search_analyzer"], "ik_smart");
    }
    assert_eq!(props["themes"]["type"], "keyword");
    assert_eq!(props["statements"]["type"], "nested");
    assert_eq!(template["template"]["mappings"]["dynamic"], "strict");

    let mut files: Vec<_> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".ndjson")).collect();
    files.sort();
    assert_eq!(files, ["bulk-00001.ndjson", "bulk-00002.ndjson", "bulk-00003.ndjson"], "93 sections in files of 40");
    let mut ids = BTreeSet::new();
    let mut missing = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(a.join(f)).unwrap();
        assert!(text.ends_with('\n'), "the bulk API needs a final newline");
        assert_eq!(text, std::fs::read_to_string(b.join(f)).unwrap(), "the same data gives the same files");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() % 2, 0);
        for pair in lines.chunks(2) {
            let action: Value = serde_json::from_str(pair[0]).unwrap();
            let doc: Value = serde_json::from_str(pair[1]).unwrap();
            let meta = &action["index"];
            assert_eq!(meta["_id"], doc["id"]);
            let year = doc["fiscal_year"].as_u64().map(|y| y.to_string()).unwrap_or_else(|| "unknown".into());
            assert_eq!(meta["_index"], format!("jixiao-sections-{year}"));
            assert!(ids.insert(doc["id"].as_str().unwrap().to_string()), "ids are unique");
            unmapped(&doc, props, "", &mut missing);
        }
    }
    assert!(missing.is_empty(), "fields without a mapping (strict mapping would refuse them): {missing:?}");
    let sections = run_json(data.path(), &["stats", "--format", "json"])[0]["sections"].as_u64().unwrap();
    assert_eq!(ids.len() as u64, sections, "every section is exported");

    // Filters narrow it; a used folder and the data directory are refused.
    let c = out.path().join("c");
    assert!(export(data.path(), &c, &["--year", "2023", "--category", "problems"]).status.success());
    let n = std::fs::read_to_string(c.join("bulk-00001.ndjson")).unwrap().lines().count() / 2;
    assert!(n > 0 && (n as u64) < sections);
    assert_eq!(export(data.path(), &a, &[]).status.code(), Some(2));
    let inside = export(data.path(), &data.path().join("os"), &[]);
    assert!(String::from_utf8_lossy(&inside.stderr).contains("inside the data directory"));
}

#[test]
fn the_cluster_is_addressed_as_the_user_says_and_no_local_path_leaks() {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(samples()).assert().success();
    let out = TempDir::new().unwrap();
    let docs = |dir: &Path| -> Vec<Value> {
        let text = std::fs::read_to_string(dir.join("bulk-00001.ndjson")).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    // The default: sources relative to the folder holding every report.
    let d = out.path().join("default");
    assert!(export(data.path(), &d, &[]).status.success());
    let samples_dir = samples().canonicalize().unwrap();
    for pair in docs(&d).chunks(2) {
        let source = pair[1]["source"].as_str().unwrap();
        assert!(!source.starts_with('/') && !source.contains(samples_dir.to_str().unwrap()), "{source}");
        assert!(samples_dir.join(source).is_file(), "{source} is relative to the reports' folder");
    }
    // A cluster without the IK plugin, one node, a prefix of its own.
    let c = out.path().join("cjk");
    assert!(export(data.path(), &c, &["--analyzer", "cjk", "--replicas", "0", "--index-prefix", "jx-zj-", "--absolute-sources"]).status.success());
    let template: Value = serde_json::from_str(&std::fs::read_to_string(c.join("template.json")).unwrap()).unwrap();
    assert_eq!(template["index_patterns"][0], "jx-zj-*");
    assert_eq!(template["template"]["settings"]["number_of_replicas"], 0);
    let props = &template["template"]["mappings"]["properties"];
    for field in [&props["text"], &props["heading"], &props["department"], &props["statements"]["properties"]["text"]] {
        assert_eq!(field["analyzer"], "cjk");
        assert!(field.get("search_analyzer").is_none());
    }
    let pairs = docs(&c);
    assert!(pairs[0]["index"]["_index"].as_str().unwrap().starts_with("jx-zj-"));
    assert!(pairs[1]["source"].as_str().unwrap().starts_with('/'), "--absolute-sources keeps the stored path");
    // Every theme of a section is carried by one of its statements, so that a nested query on
    // statements answers as `jixiao problems` does (a deducted indicator's theme by SECTION.0).
    for pair in docs(&d).chunks(2) {
        let doc = &pair[1];
        for t in doc["themes"].as_array().unwrap() {
            assert!(doc["statements"].as_array().unwrap().iter().any(|st| st["themes"].as_array().unwrap().contains(t)), "{doc}");
        }
    }
    // A prefix no cluster accepts is refused before anything is written.
    let bad = export(data.path(), &out.path().join("bad"), &["--index-prefix", "Jixiao Sections"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--index-prefix"));
    assert!(!out.path().join("bad").exists());
}
