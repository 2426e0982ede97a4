//! Understanding text nobody here wrote: problem statements, the clause-level tagger, `classify`,
//! metadata of every kind of unit, traditional characters, a remembered schema. Statement sets in
//! tests/fixtures are written by us; the real material is read from ../shared/real and skipped
//! with a notice where absent (under `.ci/run` they fail instead).

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::TempDir;

fn ingest(dir: &Path) -> TempDir {
    let data = TempDir::new().unwrap();
    jixiao(data.path()).arg("ingest").arg(dir).assert().success();
    data
}

/// Precision and recall of `classify` over a JSON Lines file of {"text", "themes"}; only the
/// themes in `counted` count (all when `None`).
fn score(file: &Path, counted: Option<&BTreeSet<String>>) -> (f64, f64, usize) {
    let items: Vec<Value> = std::fs::read_to_string(file).unwrap().lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    let input: String = items.iter().enumerate().map(|(i, it)| format!("{}\n", serde_json::json!({"id": i, "text": it["text"]}))).collect();
    let out = jixiao(Path::new("unused")).args(["classify", "--format", "json"]).write_stdin(input).output().unwrap();
    let mut got: Vec<BTreeSet<String>> = vec![BTreeSet::new(); items.len()];
    for r in json_lines(&out.stdout) {
        let i: usize = r["input_id"].as_str().unwrap().parse().unwrap();
        got[i].extend(r["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()));
    }
    let keep = |t: &String| counted.is_none_or(|c| c.contains(t));
    let (mut tp, mut fp, mut fn_, mut negatives_tagged) = (0usize, 0usize, 0usize, 0usize);
    for (it, g) in items.iter().zip(&got) {
        let want: BTreeSet<String> = it["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).filter(keep).collect();
        let g: BTreeSet<String> = g.iter().filter(|t| keep(t)).cloned().collect();
        tp += want.intersection(&g).count();
        fp += g.difference(&want).count();
        fn_ += want.difference(&g).count();
        if it.get("kind").is_some_and(|k| k == "negative") && !g.is_empty() {
            negatives_tagged += 1;
        }
    }
    (tp as f64 / (tp + fp).max(1) as f64, tp as f64 / (tp + fn_).max(1) as f64, negatives_tagged)
}

#[test]
fn our_statement_sets_are_tagged_with_their_themes() {
    // Set d was written from the genre's references (audit findings, the budget law, the fiscal
    // penalty regulation, the common indicators) with 40 negatives, and scored before any rule was
    // fitted to it: precision 0.857, recall 0.386.
    for (file, p_min, r_min, negatives_max) in [
        ("statements-ours.jsonl", 0.95, 0.95, 0),
        ("statements-ours-b.jsonl", 0.9, 0.9, 0),
        ("statements-ours-c.jsonl", 0.9, 0.9, 0),
        ("statements-ours-d.jsonl", 0.93, 0.9, 2),
        // Sets e and f (58 and 40 problems, 12 and 10 negatives) were scored when written: e 0.864
        // / 0.655, f 0.889 / 0.600. Set g (130 problems, 34 negatives, written from the references
        // and the genre's forms) scored 0.800 / 0.485 with 3 negatives when written. Sets a to g
        // now stand in schema/examples.toml, which the tagger's models learn from, so they no
        // longer measure what carries over.
        ("statements-ours-e.jsonl", 0.86, 0.85, 0),
        ("statements-ours-f.jsonl", 0.85, 0.8, 1),
        ("statements-ours-g.jsonl", 0.86, 0.88, 3),
        // Set h (96 problems, 25 negatives) was written after the models: scored once, 0.820 / 0.760
        // with no negative tagged. Set i (136 problems, 36 negatives) was written next and scored
        // 0.871 / 0.783 with one negative tagged, before and again after the rules drawn from h's
        // misses: those rules carried nothing over to it. Rules were then drawn from i's misses, and
        // h and i joined the examples.
        ("statements-ours-h.jsonl", 0.9, 0.93, 0),
        ("statements-ours-i.jsonl", 0.93, 0.95, 0),
        // Set j (114 problems, 30 negatives) was written with i and never fitted: 0.857 / 0.684
        // with 2 negatives tagged before, 0.892 / 0.728 with none after the rules drawn from i, and
        // 0.895 / 0.825 once the models also place findings without a deficiency word
        // (`min_finding_unmarked`, chosen on h and i while they were unfitted).
        ("statements-ours-j.jsonl", 0.87, 0.8, 1),
        // Set k (157 problems, 35 negatives: audit and notice wording, plans set against outcomes,
        // counts of units) scored 0.883 / 0.829 with 2 negatives tagged when written; the shortfall
        // written as figures, the narrowed measure openers and the vocabulary drawn from its misses
        // followed. It is not among the examples (joining it moved set j back: 0.904 / 0.825 ->
        // 0.894 / 0.816).
        ("statements-ours-k.jsonl", 0.9, 0.93, 0),
        // Set L (119 problems, 30 negatives: deduction and deviation reasons from score tables,
        // numbered items, finance-notice wording) was written last and never fitted: 0.913 / 0.854
        // with one negative tagged; with the schema of the build before set K it scored 0.912 /
        // 0.846.
        ("statements-ours-l.jsonl", 0.9, 0.83, 1),
        // Set M (154 problems, 35 negatives: evaluators', inspectors' and people's-congress wording,
        // monitoring findings, reasons a target was missed, scoring rules and formulas as
        // negatives) scored 0.862 / 0.851 with six negatives tagged when written; then fitted
        // (inspectors' lead-ins as a finding's form, scoring rules, shares of a plan, families
        // of its misses).
        ("statements-ours-m.jsonl", 0.89, 0.92, 3),
        // Set N (107 problems, 30 negatives: problem-list cells 问题描述：…, bare noun phrases, 一是…
        // enumerations, causes 由于…; rectification fields and achievements as negatives), written
        // last and never fitted: 0.929 / 0.937 with two negatives tagged (the same with the schema
        // of the build before set M).
        ("statements-ours-n.jsonl", 0.9, 0.9, 2),
        // Set O (108 problems, 30 negatives: audit-report and evaluation wording at length, counts of
        // units with amounts) scored 0.850 / 0.857 with one negative tagged when written, after
        // set N; then fitted (从…情况看 as an inspector's lead-in, a figure lower than its benchmark
        // by points, families of its misses): 0.869 / 0.946.
        ("statements-ours-o.jsonl", 0.85, 0.92, 1),
        // Set P (154 problems, 35 negatives, about seven per theme: the regulation's and the audit
        // vocabulary's acts, rates of the common indicators, staff and rectification wording) scored
        // 0.877 / 0.922 with two negatives tagged when written; then fitted (a topic gives way to
        // another theme's phrase in its clause, rates below the line, families of its misses).
        ("statements-ours-p.jsonl", 0.92, 0.96, 0),
        // Set Q (72 problems carrying 95 themes, 30 negatives: audit paragraphs at length, most
        // stating two or three findings at once, the way audit reports and notices do) scored
        // 0.764 / 0.716 with one negative tagged when written, after P was fitted; then fitted
        // (vocabulary of the regulation and the audit terms for the second and third findings:
        // revenue kept outside the books, expenses without documents, works paid before acceptance,
        // inflated costs, vacancies and staff who left, evaluations out of line with the facts).
        ("statements-ours-q.jsonl", 0.88, 0.95, 1),
        // Set R (59 problems, 31 negatives: the objects of the sectors — student aid, medical
        // insurance funds, farmland works, public rental housing, elderly care, rivers, clinics)
        // scored 0.870 / 0.723 with one negative tagged when written, after Q was fitted; then
        // fitted (completion rates of plans, use far below capacity, vacancy rates, data not
        // shared, results not carried into the budget, estimates with items left out).
        ("statements-ours-r.jsonl", 0.92, 0.95, 0),
        // Set S (60 problems, 25 negatives: transport, culture, justice, water, civil affairs,
        // environment, market regulation, emergency) was written after R was fitted and scored
        // 0.824 / 0.636 with three negatives tagged: what this round's fitting carried over to
        // sectors it had not seen. Then fitted (arrears and pay not on time, funds unspent at the
        // year's end, inflated applications, subsidies spread evenly, invoices of doubtful truth,
        // prices above the market, payment on a request alone, formulas as no findings).
        ("statements-ours-s.jsonl", 0.92, 0.95, 0),
        // Set T (40 problems carrying 49 themes, 20 negatives: family doctors, science projects,
        // consumption vouchers, disability aid, shanty-town rebuilding, fitness grounds, special
        // bonds), written after S was fitted: 0.730 / 0.551 with one negative tagged when written.
        // Fitted in the next round, after set U was written (diversion in the passive, purposes
        // changed, expenses without their forms, records made up afterwards, procurement outside
        // the plan, equipment stopped, asset books that disagree, certified staff ratios, general
        // expenses not cut, the intact rate of equipment): 0.867 / 0.796.
        ("statements-ours-t.jsonl", 0.85, 0.78, 1),
        // Set U (79 problems carrying 82 themes, 25 negatives: forestry, grain reserves, farm
        // machinery, veterans, waste sorting, archives, courts, auxiliary police, unions, museums,
        // lottery funds) was written before any rule was drawn from set T: 0.761 / 0.659 with two
        // negatives tagged. The rules drawn from T then changed nothing on it (0.761 / 0.659):
        // rules fitted to one set's misses do not reach the next set's wording. It stays unfitted;
        // the families of words.toml then gave it 0.767 / 0.683 (one of them, checks 流于形式, was
        // written knowing its misses). Fitted in the round after, once set W was written and
        // scored (a failed control belongs to its object's theme and is rules_weak only where
        // nothing else is named; the eligibility of subsidies; targets quoted as a direction):
        // 0.783 / 0.793.
        ("statements-ours-u.jsonl", 0.76, 0.77, 2),
        // Set V (62 problems carrying 65 themes, 20 negatives: offices of the party and the
        // government, investment promotion, parks, gas, heating, flood stores, chemicals, food and
        // drug sampling, patents, elderly meals, border roads) was written after the rules drawn
        // from T and before the families of words.toml: 0.880 / 0.677 with no negative tagged (the
        // rules from T changed nothing on it either). With the families: 0.885 / 0.708. Fitted
        // with U in the round after, once W was written: 0.908 / 0.908.
        ("statements-ours-v.jsonl", 0.88, 0.88, 0),
        // Set W (127 problems carrying 137 themes, 30 negatives: water supply, seismology,
        // statistics, medical insurance, cold chain, village solar plants, archives put on disk)
        // was written before the rules drawn from U and V and scored once: 0.892 / 0.781 with one
        // negative tagged. Not fitted: after the rules from U and V, 0.882 / 0.818 with two; a
        // loose 不 in the unchecked-facts entry (不动产) was then mended: 0.890 / 0.825, one.
        // Then fitted, once set X was written (payments later than due, a step started months
        // after its approval, staff as a multiple of the quota, assets sold without approval, a
        // line's own costs met from another, subsidies paid to the ineligible): 0.908 / 0.934.
        ("statements-ours-w.jsonl", 0.89, 0.92, 1),
        // Set X (91 problems carrying 96 themes, 25 negatives: school meals, fishing fuel
        // subsidies, reservoirs, forest rangers, notaries, tourist toilets, tailings ponds) was
        // written after the rules drawn from U and V and scored once: 0.939 / 0.802, no negative
        // tagged; the rules of this round's start give it the same. Then fitted (something built
        // or bought, then left unused; the carry-over rate at ten per cent or more; sites not
        // updated; staff outside the quota outnumbering those in it): 0.948 / 0.948.
        ("statements-ours-x.jsonl", 0.93, 0.93, 0),
        // Set Y (72 problems carrying 76 themes, 23 negatives: disability allowances, relics,
        // fire services, flood points, farmers' markets, snow clearing, smart parking) was written
        // after the rules drawn from W and before those from X: 0.826 / 0.750 with one negative
        // tagged (the rules of this round's start: 0.848 / 0.737). Two of its wrong themes led
        // to [form.controlled] (a failed check of a subsidy is a subsidy finding): 0.855 / 0.776.
        // The rules drawn from X then changed nothing on it. Fitted once Z was written (payments
        // that came months late, funds only half used, an ageing staff, equipment never used,
        // vehicle repairs as a 三公 line): 0.878 / 0.855.
        ("statements-ours-y.jsonl", 0.86, 0.84, 1),
        // Set Z (55 problems carrying 58 themes, 18 negatives: bus subsidies, grassland awards,
        // kindergartens, bridges, disease vectors, irrigation districts, funeral subsidies) was
        // written after the rules drawn from X and before those from Y: 0.844 / 0.655 with one
        // negative tagged (the rules of this round's start: 0.857 / 0.621); the rules drawn from Y
        // changed nothing on it. Fitted in the round after, once AA was written (shares written in
        // words, 三分之一 and 四成, and an outcome given as a bare share; something built and left
        // in a store or used by few; money received only after a wait; a project's funds paying
        // the unit's running costs): 0.879 / 0.879.
        ("statements-ours-z.jsonl", 0.86, 0.86, 1),
        // Set AA (128 problems carrying 135 themes, 27 negatives: forestry, culture and tourism,
        // medical insurance, veterans, justice offices, statistics, archives, grain stores, civil
        // air defence) was written before any rule of its round and scored once: 0.860 / 0.822
        // with two negatives tagged. Then fitted with Z: 0.893 / 0.926.
        ("statements-ours-aa.jsonl", 0.87, 0.9, 2),
        // Set AB (123 problems carrying 129 themes, 30 negatives, written with the messier lead-ins
        // and numbering of real reports: （一）…。, 经查，, a table's 预算数/执行数) was written
        // after the rules drawn from Z and AA: 0.924 / 0.845, no negative tagged; the rules of the
        // round's start gave it 0.922 / 0.829. Then fitted (a table's 执行数, counts of sessions
        // and batches, money left in an account, staff hired besides the quota, 低值易耗品):
        // 0.940 / 0.977.
        ("statements-ours-ab.jsonl", 0.92, 0.95, 0),
    ] {
        let (p, r, negatives) = score(&fixtures().join(file), None);
        eprintln!("{file}: precision {p:.3} recall {r:.3}, negatives tagged {negatives}");
        assert!(p >= p_min && r >= r_min, "{file}: precision {p:.3} recall {r:.3}");
        assert!(negatives <= negatives_max, "{file}: {negatives} negatives tagged");
    }
}

#[test]
fn real_problem_statements_are_tagged_with_their_themes() {
    let file = root().join("../shared/real/problems-dev.jsonl");
    if !file.exists() {
        common::missing("../shared/real/problems-dev.jsonl");
        return;
    }
    // The fifteen themes the labels use; labels "other:…" name problems the first fifteen lack.
    let domain = jixiao::schema::Domain::builtin().unwrap();
    let taxonomy: BTreeSet<String> = domain.themes.list.iter().take(15).map(|t| t.id.0.clone()).collect();
    let (p, r, negatives_tagged) = score(&file, Some(&taxonomy));
    eprintln!("problems-dev (taxonomy themes): precision {p:.3} recall {r:.3}, negatives tagged {negatives_tagged}");
    // Every statement is read as a problem here (achievements and measures included), so the
    // models that place what the rules leave add a guess or two the labels do not hold.
    assert!(p >= 0.89 && r >= 0.9, "precision {p:.3} recall {r:.3}");
    assert!(negatives_tagged <= 3, "{negatives_tagged} negatives tagged");
}

#[test]
fn real_pages_give_department_year_and_kind() {
    let dir = root().join("../shared/real/pages-dev");
    if !dir.join("labels.json").exists() {
        common::missing("../shared/real/pages-dev");
        return;
    }
    let labels: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
    let data = ingest(&dir);
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    let by_file = |f: &str| reports.iter().find(|r| r["source"].as_str().is_some_and(|s| s.ends_with(&format!("/{f}"))));
    for (field, min) in [("department", 0.9), ("fiscal_year", 0.95), ("kind", 0.9)] {
        let (mut ok, mut n) = (0, 0);
        for l in labels.iter().filter(|l| !l[field].is_null()) {
            n += 1;
            ok += usize::from(by_file(l["file"].as_str().unwrap()).is_some_and(|r| r[field] == l[field]));
        }
        eprintln!("pages-dev {field}: {ok}/{n}");
        assert!(ok as f64 >= min * n as f64, "{field}: {ok}/{n}");
    }
}

#[test]
fn classify_reads_lines_and_writes_table_json_and_csv() {
    let input = "一是部分专项资金拨付偏慢；二是下一步加强预算管理。\n全年结余资金较多，结余率达到18.5%。\n";
    let table = jixiao(Path::new("unused")).arg("classify").write_stdin(input).output().unwrap();
    assert!(table.status.success());
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("fund_late") && table.contains("(measure)") && table.contains("[18.5%]"), "{table}");
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("findings.txt");
    std::fs::write(&file, input).unwrap();
    let csv_path = dir.path().join("tagged.csv");
    jixiao(Path::new("unused")).arg("classify").arg(&file).args(["--format", "csv", "-o"]).arg(&csv_path).assert().success();
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    // id, input_id, input, text, themes, labels, figures, measure, question, why
    assert_eq!((&rows[2][1], &rows[2][4]), ("2", "carryover_high"));
    assert_eq!(&rows[2][6], "18.5%");
    assert!(rows[2][9].starts_with("carryover_high: term 「结余资金较多"), "{:?}", &rows[2][9]);
    // --explain shows under each statement how each theme was found.
    let explained = jixiao(Path::new("unused")).args(["classify", "--explain"]).write_stdin(input).output().unwrap();
    let explained = String::from_utf8(explained.stdout).unwrap();
    assert!(explained.contains("fund_late: pair 「拨付 + 偏慢」"), "{explained}");
    // Nothing tagged: exit 1, as a search that finds nothing.
    jixiao(Path::new("unused")).arg("classify").write_stdin("本单位严格执行各项制度。\n").assert().code(1);
    // A JSON Lines object without text is named by its line.
    let bad = jixiao(Path::new("unused")).arg("classify").write_stdin("{\"id\":1}\n").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 1"));
}

#[test]
fn problem_sections_carry_statements_with_ids_themes_and_figures() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("r.txt"),
        "桐庐县文化和广电旅游体育局2023年度部门整体支出绩效自评报告\n一、存在的问题\n主要存在以下问题：一是政府采购执行率仅为42.5%，低于目标值100%；二是部分项目绩效目标较为笼统。\n二、改进措施\n加强采购计划管理。\n",
    )
    .unwrap();
    let data = ingest(dir.path());
    let id = run_json(data.path(), &["reports", "--format", "json"])[0]["id"].as_str().unwrap().to_string();
    let sections = run_json(data.path(), &["show", &id, "--format", "json"]);
    let problems: Vec<&Value> = sections.iter().filter(|s| s["category"] == "problems" && !s["statements"].as_array().unwrap().is_empty()).collect();
    assert_eq!(problems.len(), 1, "{sections:?}");
    let st = problems[0]["statements"].as_array().unwrap();
    assert_eq!(st.len(), 3, "{st:?}");
    assert!(st[0]["themes"].as_array().unwrap().is_empty(), "a lead-in names no problem");
    assert_eq!(st[1]["themes"][0], "procurement_low");
    assert_eq!(st[1]["figures"], serde_json::json!(["42.5%"]), "the target is not the measure");
    assert!(st[1]["id"].as_str().unwrap().ends_with(".2"));
    assert_eq!(st[2]["themes"][0], "target_not_quantified");
    // The problems row shows the statement itself.
    let rows = run_json(data.path(), &["problems", "--format", "json"]);
    let row = rows.iter().find(|r| r["theme"] == "procurement_low").unwrap();
    assert_eq!(row["example"], "一是政府采购执行率仅为42.5%，低于目标值100%；");
}

#[test]
fn a_report_in_traditional_characters_is_read_as_simplified() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("t.txt"),
        "中共桐廬縣委宣傳部\n2022年度部門整體支出績效自評報告\n一、部門概況\n本部門負責全縣宣傳工作。\n二、存在的問題\n1.政府採購執行率偏低，預算編制不夠精準。\n",
    )
    .unwrap();
    let data = ingest(dir.path());
    let r = &run_json(data.path(), &["reports", "--format", "json"])[0];
    assert_eq!(r["department"], "中共桐庐县委宣传部");
    assert_eq!(r["kind"], "department_overall");
    assert_eq!(r["fiscal_year"], 2022);
    let hits = run_json(data.path(), &["search", "預算編制", "--format", "json"]);
    assert!(!hits.is_empty());
    let themes: Vec<&str> = hits.iter().flat_map(|h| h["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap())).collect();
    assert!(themes.contains(&"procurement_low") && themes.contains(&"budget_prep_inaccurate"), "{themes:?}");
}

#[test]
fn a_data_directory_remembers_the_schema_it_was_tagged_with() {
    let data = ingest(&samples());
    let schema = TempDir::new().unwrap();
    let themes = std::fs::read_to_string(root().join("schema/themes.toml")).unwrap();
    let added = "\n[[theme]]\nid = \"flood_works\"\nlabel = \"防洪工程问题\"\npairs = [['堤防|水库|山塘', '滞后|缓慢|未完工|影响']]\nqueries = [\"防洪工程问题\"]\n";
    let themes = themes.replacen("\n[cues]", &format!("{added}\n[cues]"), 1);
    std::fs::write(schema.path().join("themes.toml"), themes).unwrap();
    jixiao(data.path()).arg("--schema").arg(schema.path()).arg("retag").assert().success();
    // Without --schema, every command uses the schema the data directory was tagged with.
    let rows = run_json(data.path(), &["problems", "--format", "json"]);
    assert!(rows.iter().any(|r| r["theme"] == "flood_works"), "{rows:?}");
    let by_dept = run_json(data.path(), &["problems", "--theme", "flood_works", "--format", "json"]);
    assert_eq!(by_dept[0]["department"], "桐庐县水利局");
    assert!(!run_json(data.path(), &["search", "--theme", "flood_works", "堤防", "--format", "json"]).is_empty());
    // A schema folder that does not exist is an error, not the built-in schema.
    let out = jixiao(data.path()).args(["--schema", "/nonexistent/schema", "problems"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

/// schema/words.toml: a member added to a family reaches every pattern that names the family; a
/// pattern naming a family the file lacks is refused with the file, the pattern and the name.
#[test]
fn a_member_added_to_a_family_of_words_toml_reaches_every_pattern_that_names_it() {
    const BUILTIN: &str = include_str!("../schema/words.toml");
    let themes_of = |schema: Option<&Path>, text: &str| -> BTreeSet<String> {
        let mut cmd = jixiao(Path::new("unused"));
        if let Some(s) = schema {
            cmd.arg("--schema").arg(s);
        }
        let out = cmd.args(["classify", "--format", "json"]).write_stdin(format!("{text}\n")).output().unwrap();
        // 1: no statement took a theme.
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        json_lines(&out.stdout).iter().flat_map(|r| r["themes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect::<Vec<_>>()).collect()
    };
    // Written by us: "惨淡" is in no family of the shipped file.
    let (visits, equipment) = ("档案查询系统建成后访问量惨淡。", "检测中心的设备利用率惨淡。");
    assert!(themes_of(None, visits).is_empty() && themes_of(None, equipment).is_empty());
    let schema = TempDir::new().unwrap();
    let words = BUILTIN.replacen("low = [\n", "low = [\n  '惨淡',\n", 1);
    assert_ne!(words, BUILTIN);
    std::fs::write(schema.path().join("words.toml"), &words).unwrap();
    assert!(themes_of(Some(schema.path()), visits).contains("idle_project"));
    assert!(themes_of(Some(schema.path()), equipment).contains("idle_project"));
    // A family the patterns name and the file lacks.
    std::fs::write(schema.path().join("words.toml"), BUILTIN.replacen("\nlow = [", "\nlowish = [", 1)).unwrap();
    let out = jixiao(Path::new("unused")).arg("--schema").arg(schema.path()).arg("classify").write_stdin("x\n").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("words.toml") && err.contains("{low}"), "{err}");
}

#[test]
fn the_file_name_names_the_unit_and_a_project_table_keeps_its_supervisor() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("桐庐县林业局2022年度部门整体支出绩效自评报告.txt"),
        "一、部门概况\n本局负责全县林业工作。\n二、存在的问题\n1.部分造林项目进度滞后。\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.txt"),
        "2023年度项目支出绩效自评表\n项目名称：校舍维修\n主管部门：平遥县教育局\n实施单位：平遥县第二中学\n一、项目概况\n维修教学楼两栋。\n",
    )
    .unwrap();
    // A file named by a unit without its place, whose text calls it 我院 and cites a county's notice.
    std::fs::write(
        dir.path().join("县中医院2022年自评报告.txt"),
        "2022年度部门整体支出绩效自评报告\n一、部门概况\n按照《平江县财政局关于开展2022年度预算绩效自评工作的通知》要求，我院开展了自评。\n二、存在的问题\n1.部分设备采购进度滞后。\n",
    )
    .unwrap();
    let data = ingest(dir.path());
    let reports = run_json(data.path(), &["reports", "--format", "json"]);
    let hospital = reports.iter().find(|r| r["source"].as_str().unwrap().contains("中医院")).unwrap();
    assert_eq!(hospital["department"], "平江县中医院");
    assert_eq!(hospital["region"]["county"], "平江县");
    let named = reports.iter().find(|r| r["source"].as_str().unwrap().contains("林业局")).unwrap();
    assert_eq!(named["department"], "桐庐县林业局");
    assert_eq!(named["fiscal_year"], 2022);
    assert_eq!(named["kind"], "department_overall");
    let project = reports.iter().find(|r| r["source"].as_str().unwrap().ends_with("p.txt")).unwrap();
    assert_eq!(project["department"], "平遥县第二中学");
    assert_eq!(project["supervisor"], "平遥县教育局");
    assert_eq!(project["kind"], "project");
}

/// schema/examples.toml is what the tagger learns from for the statements its rules leave: an
/// example a user adds gives its theme to a statement that states a shortfall the rules cannot
/// place, and never to one that states none;
/// an example of an unknown theme is refused with the file and the line.
#[test]
fn an_example_added_to_examples_toml_places_a_shortfall_the_rules_miss() {
    const BUILTIN: &str = include_str!("../schema/examples.toml");
    let classify = |schema: Option<&std::path::Path>| -> Vec<serde_json::Value> {
        let data = tempfile::TempDir::new().unwrap();
        let mut cmd = jixiao(data.path());
        if let Some(s) = schema {
            cmd.arg("--schema").arg(s);
        }
        let out = cmd.args(["classify", "--format", "json"]).write_stdin("档案管理混乱，部分资料缺失。\n档案管理规范，资料齐全。\n").output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        json_lines(&out.stdout)
    };
    let before = classify(None);
    assert_eq!(before[0]["themes"], serde_json::json!([]), "the rules do not place it (else this test shows nothing)");
    let schema = tempfile::TempDir::new().unwrap();
    let taught = BUILTIN.replacen("rules_weak = [\n", "rules_weak = [\n  \"档案管理混乱，资料缺失严重。\",\n", 1);
    assert_ne!(taught, BUILTIN);
    std::fs::write(schema.path().join("examples.toml"), &taught).unwrap();
    let after = classify(Some(schema.path()));
    assert_eq!(after[0]["themes"], serde_json::json!(["rules_weak"]));
    assert_eq!(after[1]["themes"], serde_json::json!([]), "a statement of no shortfall takes no example's theme");
    // An example of a theme that does not exist.
    let bad = BUILTIN.replacen("rules_weak = [\n", "rules_waek = [\n  \"档案管理混乱。\",\n]\nrules_weak = [\n", 1);
    let line = bad.lines().position(|l| l.starts_with("rules_waek")).unwrap() + 2;
    let path = schema.path().join("examples.toml");
    std::fs::write(&path, bad).unwrap();
    let data = tempfile::TempDir::new().unwrap();
    let out = jixiao(data.path()).arg("--schema").arg(schema.path()).args(["classify"]).write_stdin("预算执行率低\n").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(&path.display().to_string()) && err.contains(&format!("line {line}")) && err.contains("rules_waek"), "{err}");
}
