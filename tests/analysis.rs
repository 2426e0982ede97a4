//! The analysis commands end to end: problems, similar, metrics, export, retag, theme-aware search.
//! Seed checks read ../shared/seeds and skip with a notice where it is absent (under `.ci/run` they fail instead).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

fn ingest(dir: &Path) -> TempDir {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir).assert().success();
    data
}

fn seeds() -> Option<TempDir> {
    let dir = root().join("../shared/seeds");
    if !dir.join("gold.json").exists() {
        common::missing("../shared/seeds (the seed reports)");
        return None;
    }
    Some(ingest(&dir))
}

#[test]
fn seed_problems_group_themes_across_departments() {
    let Some(data) = seeds() else { return };
    let rows = run_json(data.path(), &["problems", "--format", "json"]);
    let row = |t: &str| rows.iter().find(|r| r["theme"] == t).cloned().unwrap_or_else(|| panic!("no row for {t}: {rows:?}"));
    assert_eq!(row("budget_prep_inaccurate")["departments"], 3);
    for field in ["theme", "label", "departments", "reports", "years", "recurring_departments", "example_section_id"] {
        assert!(rows[0].get(field).is_some(), "theme row lacks {field}");
    }
    let procurement = run_json(data.path(), &["problems", "--theme", "procurement_low", "--format", "json"]);
    assert_eq!(procurement.len(), 1);
    assert_eq!(procurement[0]["department"], "深圳市罗湖区卫生健康局");
    assert!(procurement[0]["figures"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().ends_with(": 24.48%")), "{:?}", procurement[0]["figures"]);
}

#[test]
fn seed_similar_finds_the_other_departments_it_weakness() {
    let Some(data) = seeds() else { return };
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    let lechang = reports.iter().find(|r| r["department"] == "乐昌市卫生健康局").unwrap()["id"].as_str().unwrap().to_string();
    let sections = run_json(data.path(), &["show", &lechang, "--format", "json"]);
    let it = sections.iter().find(|s| s["heading"].as_str().is_some_and(|h| h.contains("信息化建设水平"))).unwrap();
    let hits = run_json(data.path(), &["similar", it["id"].as_str().unwrap(), "--format", "json"]);
    assert_eq!(hits[0]["department"], "株洲市渌口区卫生健康局", "{:?}", hits.first());
    assert!(hits[0]["heading"].as_str().unwrap().contains("信息化建设薄弱"));
    assert!(hits.iter().all(|h| h["report_id"] != lechang.as_str()), "own report excluded");
    assert!(hits.iter().all(|h| h["similarity"].as_f64().unwrap() >= 0.02), "no zero-score matches: {hits:?}");
}

#[test]
fn similar_says_nothing_similar_instead_of_listing_zero_score_paragraphs() {
    let data = ingest(&root().join("samples"));
    let out = jixiao(data.path()).args(["similar", "--text", "天气晴朗，风和日丽，适合郊游。", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty());
    let hits = run_json(data.path(), &["similar", "--text", "部分项目资金到位后长期未使用，资金沉淀，结转结余资金较大。", "--format", "json"]);
    assert!(!hits.is_empty() && hits.iter().all(|h| h["similarity"].as_f64().unwrap() >= 0.02), "{hits:?}");
}

#[test]
fn similar_weaknesses_worded_otherwise_share_the_theme() {
    // The example: idle funds in other words than any sample's. The sections that carry the
    // theme (结转结余, 资金闲置) come before those that only share words (部分, 项目, 资金).
    let data = ingest(&root().join("samples"));
    let hits = run_json(data.path(), &["similar", "--text", "部分项目资金到位后长期未使用，资金沉淀在单位账户，使用效益不高", "-n", "3", "--format", "json"]);
    assert!(hits.len() >= 2, "{hits:?}");
    for h in &hits[..2] {
        assert!(h["themes"].as_array().unwrap().iter().any(|t| t == "carryover_high"), "{h:?}");
    }
    // Ordered by similarity, ties by id.
    assert!(hits.windows(2).all(|w| w[0]["similarity"].as_f64() >= w[1]["similarity"].as_f64()));
}

#[test]
fn seed_metrics_match_gold() {
    let Some(data) = seeds() else { return };
    let gold: Value = serde_json::from_str(&std::fs::read_to_string(root().join("../shared/seeds/gold.json")).unwrap()).unwrap();
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    for g in gold["reports"].as_array().unwrap() {
        let r = reports.iter().find(|r| r["source"].as_str().unwrap().ends_with(g["file"].as_str().unwrap())).unwrap();
        let rows = run_json(data.path(), &["metrics", "--report", r["id"].as_str().unwrap(), "--format", "json"]);
        for (name, want) in g["metrics"].as_object().unwrap() {
            let got: Vec<_> = rows.iter().filter(|m| m["name"] == name.as_str()).collect();
            match want.as_f64() {
                Some(w) => assert!(got.len() == 1 && (got[0]["value"].as_f64().unwrap() - w).abs() < 1e-9, "{}: {name} {got:?}", g["file"]),
                None => assert!(got.is_empty(), "{}: {name} should be absent, got {got:?}", g["file"]),
            }
        }
    }
    let low = run_json(data.path(), &["metrics", "--name", "procurement_exec_rate", "--below", "60", "--format", "json"]);
    assert_eq!(low.len(), 1);
    assert_eq!(low[0]["department"], "深圳市罗湖区卫生健康局");
}

#[test]
fn copied_forward_problems_are_flagged_with_their_figures() {
    let data = ingest(&root().join("samples"));
    let rows = run_json(data.path(), &["problems", "--theme", "procurement_low", "--format", "json"]);
    let py = rows.iter().find(|r| r["department"] == "平遥县教育局").unwrap();
    assert_eq!(py["years"], serde_json::json!([2021, 2022, 2023]));
    assert_eq!(py["carried_over_years"], serde_json::json!([2022]), "2022 copies 2021; 2023 is reworded");
    // Each figure with its year: the problem is seen to grow or shrink.
    assert_eq!(py["figures"], serde_json::json!(["2021: 41.3%", "2022: 38.6%", "2023: 52.7%"]));
    let recurring = run_json(data.path(), &["problems", "--min-years", "2", "--format", "json"]);
    assert!(recurring.iter().all(|r| r["recurring_departments"].as_u64().unwrap() >= 1));
    let matrix = run_json(data.path(), &["problems", "--by", "year", "--format", "json"]);
    assert_eq!(matrix[0]["years"], serde_json::json!([2021, 2022, 2023]));
    let adhoc = run_json(data.path(), &["problems", "进度滞后", "--format", "json"]);
    assert!(adhoc.iter().any(|r| r["department"] == "桐庐县水利局"));
}

#[test]
fn typed_problem_names_find_differently_worded_paragraphs() {
    let data = ingest(&root().join("samples"));
    // "人才短缺" is not in any sample; the talent_shortage paragraphs say 专业人才缺乏 / 人员不足.
    let hits = run_json(data.path(), &["search", "人才短缺", "--format", "json"]);
    assert!(!hits.is_empty());
    assert!(hits[0]["themes"].as_array().unwrap().iter().any(|t| t == "talent_shortage"), "{:?}", hits[0]);
    let hits = run_json(data.path(), &["search", "采购执行率低", "--format", "json"]);
    assert!(hits.len() >= 3);
    assert!(hits[..3].iter().all(|h| h["category"] == "problems" && h["themes"].as_array().unwrap().iter().any(|t| t == "procurement_low")));
}

#[test]
fn exports_parse_back_with_the_same_rows() {
    let data = ingest(&root().join("samples"));
    let out = TempDir::new().unwrap();
    let jsonl = run_json(data.path(), &["export", "预算", "--format", "jsonl"]);
    assert!(jsonl.len() > 10, "export writes every hit, not a page");
    let csv_path = out.path().join("hits.csv");
    jixiao(data.path()).args(["export", "预算", "--format", "csv", "--output"]).arg(&csv_path).assert().success();
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(bytes.starts_with("\u{FEFF}".as_bytes()), "CSV starts with a BOM for Excel");
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), jsonl.len());
    let id_col = headers.iter().position(|h| h == "section_id").unwrap();
    let dept_col = headers.iter().position(|h| h == "department").unwrap();
    for (row, j) in rows.iter().zip(&jsonl) {
        assert_eq!(&row[id_col], j["id"].as_str().unwrap());
        assert_eq!(&row[dept_col], j["department"].as_str().unwrap_or(""));
    }

    let xlsx_path = out.path().join("hits.xlsx");
    jixiao(data.path()).args(["export", "预算", "--format", "xlsx", "--output"]).arg(&xlsx_path).assert().success();
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let sheet_rows: Vec<_> = range.rows().collect();
    assert_eq!(sheet_rows.len(), jsonl.len() + 1, "header plus one row per hit");
    // The spreadsheet speaks Chinese: its headers, its sheet's name, the themes by label with their
    // ids in a last column.
    assert_eq!(sheet_rows[0][0].to_string(), "段落编号");
    assert_eq!(wb.sheet_names(), ["检索结果"]);
    let header: Vec<String> = sheet_rows[0].iter().map(|c| c.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}: {header:?}"));
    for (row, j) in sheet_rows[1..].iter().zip(&jsonl) {
        assert_eq!(row[0].to_string(), j["id"].as_str().unwrap());
        assert_eq!(row[col("正文")].to_string(), j["text"].as_str().unwrap());
        let ids: Vec<&str> = j["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(row[col("主题代码")].to_string(), ids.join(","));
        if ids.contains(&"budget_exec_low") {
            assert!(row[col("问题主题")].to_string().contains("预算执行率低"), "{:?}", row[col("问题主题")]);
        }
    }
    let problems_xlsx = out.path().join("problems.xlsx");
    jixiao(data.path()).args(["problems", "--format", "xlsx", "--output"]).arg(&problems_xlsx).assert().success();
    let mut wb: Xlsx<_> = open_workbook(&problems_xlsx).unwrap();
    let rows = wb.worksheet_range_at(0).unwrap().unwrap().rows().count();
    assert_eq!(rows - 1, run_json(data.path(), &["problems", "--format", "json"]).len());
}

#[test]
fn a_statement_export_holds_the_statements_that_state_a_shortfall() {
    let data = ingest(&root().join("samples"));
    let problems = run_json(data.path(), &["export", "--category", "problems", "--statements", "--format", "jsonl"]);
    let all = run_json(data.path(), &["export", "--category", "problems", "--statements", "--all-statements", "--format", "jsonl"]);
    assert!(!problems.is_empty() && all.len() > problems.len(), "{} of {}", problems.len(), all.len());
    assert!(problems.iter().all(|r| r["states_problem"] == true));
    let rest: Vec<&Value> = all.iter().filter(|r| r["states_problem"] == false).collect();
    assert_eq!(rest.len(), all.len() - problems.len());
    // The rest are no findings: no theme, and nothing of them is in the default export.
    assert!(rest.iter().all(|r| r["themes"].as_array().unwrap().is_empty()), "{rest:?}");
    // By filters alone there is no relevance: the score is empty, not 0.
    assert!(problems.iter().all(|r| r["score"].is_null()));
    let hits = run_json(data.path(), &["export", "预算", "--statements", "--format", "jsonl"]);
    assert!(hits.iter().all(|r| r["score"].as_f64().is_some()));
}

#[test]
fn retag_applies_an_edited_taxonomy_without_re_reading_files() {
    let samples = TempDir::new().unwrap();
    std::fs::copy(root().join("samples/cuiping_gongan_2023.txt"), samples.path().join("r.txt")).unwrap();
    let data = ingest(samples.path());
    std::fs::remove_file(samples.path().join("r.txt")).unwrap();
    let schema = TempDir::new().unwrap();
    let themes = std::fs::read_to_string(root().join("schema/themes.toml")).unwrap();
    let themes = themes.replace("id = \"three_public_over\"", "id = \"vehicle_costs\"");
    std::fs::write(schema.path().join("themes.toml"), themes).unwrap();
    jixiao(data.path()).arg("--schema").arg(schema.path()).arg("retag").assert().success();
    let hits = run_json(data.path(), &["--schema", schema.path().to_str().unwrap(), "search", "三公经费", "--theme", "vehicle_costs", "--format", "json"]);
    assert!(!hits.is_empty(), "the renamed theme is on the stored paragraphs");
}

#[test]
fn discover_clusters_untagged_problems_across_reports() {
    let dir = TempDir::new().unwrap();
    for (i, dept) in ["宁乡市文化旅游广电局", "浏阳市文化旅游广电局"].iter().enumerate() {
        let text = format!(
            "{dept}2023年度部门整体支出绩效自评报告\n一、部门概况\n本部门负责文化旅游工作。\n二、存在的问题\n1.景区游客接待设施老旧，停车位和游客服务中心容量不足{}。\n",
            if i == 0 { "，旺季拥堵" } else { "，节假日排队" }
        );
        std::fs::write(dir.path().join(format!("{i}.txt")), text).unwrap();
    }
    let data = ingest(dir.path());
    let clusters = run_json(data.path(), &["problems", "--discover", "--format", "json"]);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert_eq!(clusters[0]["departments"].as_array().unwrap().len(), 2);
    assert!(clusters[0]["top_terms"].as_array().unwrap().iter().any(|t| t == "游客" || t == "设施"));
}

#[test]
fn seed_procurement_query_ranks_the_luohu_paragraph_first() {
    let Some(data) = seeds() else { return };
    let hits = run_json(data.path(), &["search", "政府采购执行率", "--format", "json"]);
    assert_eq!(hits[0]["department"], "深圳市罗湖区卫生健康局");
    assert!(hits[0]["text"].as_str().unwrap().contains("24.48%"), "{:?}", hits[0]);
}

#[test]
fn query_segmentation_without_jieba_agrees_with_jieba() {
    let data = ingest(&root().join("samples"));
    let domain = jixiao::schema::Domain::builtin().unwrap();
    let index = jixiao::index::SearchIndex::open(&data.path().join("search"), &domain.userdict, jixiao::index::Mode::Read).unwrap();
    let mut by_vocabulary = index.index.tokenizer_for_field(index.fields.text).unwrap();
    let mut by_jieba = jixiao::index::analyzer::analyzer(&domain.userdict, false);
    let queries = ["政府采购执行率", "预算执行率偏低", "专业人才缺乏", "项目建设进度滞后", "结转结余资金较大", "编外人员控制率", "绩效目标设置不够明确", "资金拨付不及时", "三公经费超支"];
    for q in queries {
        let a = jixiao::index::analyzer::words(&mut by_vocabulary, q);
        let b = jixiao::index::analyzer::words(&mut by_jieba, q);
        assert_eq!(a, b, "{q}");
    }
}

#[test]
fn reports_without_a_unit_are_never_one_unit_nor_copied_forward() {
    // Two unrelated reports that name no unit, one year apart, with the same problem wording: the
    // same wording in one unit's consecutive years would be a problem copied forward.
    let docs = TempDir::new().unwrap();
    let report = |year: u16, figure: &str| {
        format!(
            "{year}年度部门整体支出绩效自评报告\n一、基本情况\n本单位年初预算资金300万元，主要用于日常运转和业务工作。\n\
二、存在的问题\n（一）政府采购执行率偏低，全年仅为{figure}，采购计划编制不够精准，执行进度滞后于计划安排。\n"
        )
    };
    std::fs::write(docs.path().join("a.txt"), report(2022, "41.3%")).unwrap();
    std::fs::write(docs.path().join("b.txt"), report(2023, "43.8%")).unwrap();
    let data = TempDir::new().unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
        .arg("--data")
        .arg(data.path())
        .arg("ingest")
        .arg(docs.path())
        .env_remove("JIXIAO_DATA")
        .env_remove("JIXIAO_SCHEMA")
        .env_remove("JIXIAO_QUIET")
        .output()
        .unwrap();
    assert!(out.status.success());
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r["department"].is_null()), "the test needs reports without a unit: {reports:?}");
    // The ingest names them and says how to set the unit (the run is not --quiet).
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 reports of this run name no unit") && err.contains("jixiao set ID --department"), "{err}");
    for r in &reports {
        assert!(err.contains(r["id"].as_str().unwrap()), "{err}");
    }
    let rows = run_json(data.path(), &["problems", "--theme", "procurement_low", "--format", "json"]);
    assert_eq!(rows.len(), 2, "one row per report, not one merged unit: {rows:?}");
    for r in &rows {
        assert_eq!(r["years"].as_array().unwrap().len(), 1, "{r}");
        assert!(r["carried_over_years"].as_array().unwrap().is_empty(), "{r}");
    }
    assert!(run_json(data.path(), &["problems", "--theme", "procurement_low", "--min-years", "2", "--format", "json"]).is_empty());
}
