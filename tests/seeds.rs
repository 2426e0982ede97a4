//! The five real reports in ../shared/seeds against their gold.json: metadata, level-1 headings,
//! unnumbered headings, problem items and their themes, required and unexpected themes.
//!
//! The seeds are someone else's words and are not copied into this project: where the folder is
//! absent, these tests print a notice and check nothing (under `.ci/run` they fail).

use jixiao::schema::Domain;
use jixiao::model::{Category, Report, SourceInfo};
use jixiao::enrich::read_report;
use jixiao::parse::decode::decode;
use serde_json::Value;
use std::path::PathBuf;

mod common;

fn seeds_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if dir.join("gold.json").exists() {
        Some(dir)
    } else {
        common::missing("../shared/seeds (the seed reports)");
        None
    }
}

/// NFKC-like folding and no whitespace, then the numbering marker removed (as the scorecard does).
fn bare(s: &str) -> String {
    let folded = jixiao::text::squeeze(s).replace('（', "(").replace('）', ")");
    let re = regex::Regex::new(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(][一二三四五六七八九十0-9]+[)]|[0-9]+[、.．])").unwrap();
    re.replace(&folded, "").to_string()
}

fn load() -> Option<(Value, Vec<(Value, Report)>)> {
    let dir = seeds_dir()?;
    let gold: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("gold.json")).unwrap()).unwrap();
    let domain = Domain::builtin().unwrap();
    let mut out = vec![];
    for g in gold["reports"].as_array().unwrap() {
        let file = g["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let text = decode(&bytes).unwrap().text;
        let source = SourceInfo { path: file.into(), file_hash: String::new(), bytes: bytes.len() as u64, encoding: "UTF-8".into(), published: None };
        out.push((g.clone(), read_report(&text, source, &domain).unwrap()));
    }
    Some((gold, out))
}

#[test]
fn seed_metadata_matches_gold() {
    let Some((_, reports)) = load() else { return };
    let mut failures = vec![];
    for (g, r) in &reports {
        let f = g["file"].as_str().unwrap();
        let mut names = vec![g["department"].as_str().unwrap().to_string()];
        names.extend(g["department_aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
        if !r.meta.department.as_ref().is_some_and(|d| names.contains(d)) {
            failures.push(format!("{f}: department {:?}, want {names:?}", r.meta.department));
        }
        let reg = &r.meta.region;
        let want = &g["region"];
        let got = [&reg.province, &reg.city, &reg.county].map(|x| x.clone());
        let want = ["province", "city", "county"].map(|k| want[k].as_str().map(str::to_string));
        if got != want {
            failures.push(format!("{f}: region {got:?}, want {want:?}"));
        }
        if r.meta.fiscal_year.map(u64::from) != g["fiscal_year"].as_u64() {
            failures.push(format!("{f}: fiscal_year {:?}, want {}", r.meta.fiscal_year, g["fiscal_year"]));
        }
        if r.meta.total_score != g["total_score"].as_f64() {
            failures.push(format!("{f}: total_score {:?}, want {}", r.meta.total_score, g["total_score"]));
        }
        if r.meta.grade.map(|x| x.as_str()) != g["grade"].as_str() {
            failures.push(format!("{f}: grade {:?}, want {}", r.meta.grade, g["grade"]));
        }
        if r.meta.kind.map(|k| k.as_str()) != g["kind"].as_str() {
            failures.push(format!("{f}: kind {:?}, want {}", r.meta.kind, g["kind"]));
        }
        if r.meta.title.as_deref() != g["title"].as_str() {
            failures.push(format!("{f}: title {:?}, want {}", r.meta.title, g["title"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn seed_headings_match_gold() {
    let Some((_, reports)) = load() else { return };
    let mut failures = vec![];
    for (g, r) in &reports {
        let f = g["file"].as_str().unwrap();
        let level1: Vec<String> = r.sections.iter().filter(|s| s.level == 1).map(|s| bare(&s.heading)).collect();
        for h in g["level1_headings"].as_array().unwrap() {
            if !level1.contains(&bare(h.as_str().unwrap())) {
                failures.push(format!("{f}: level-1 heading {h} missing; level 1 has {level1:?}"));
            }
        }
        let all: Vec<String> = r.sections.iter().map(|s| bare(&s.heading)).collect();
        for h in g.get("unnumbered_headings").and_then(|v| v.as_array()).into_iter().flatten() {
            if !all.contains(&bare(h.as_str().unwrap())) {
                failures.push(format!("{f}: unnumbered heading {h} missing"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Problem sections whose path or heading starts with the gold item's heading.
fn problem_hits<'a>(r: &'a Report, heading_starts: &str) -> Vec<&'a jixiao::model::Section> {
    let want = bare(heading_starts);
    r.sections
        .iter()
        .filter(|s| s.category == Category::Problems)
        .filter(|s| s.path.iter().chain(std::iter::once(&s.heading)).any(|x| bare(x).starts_with(&want)))
        .collect()
}

#[test]
fn seed_problem_items_and_themes_match_gold() {
    let Some((_, reports)) = load() else { return };
    let mut failures = vec![];
    for (g, r) in &reports {
        let f = g["file"].as_str().unwrap();
        for item in g["problem_items"].as_array().unwrap() {
            let hs = item["heading_starts"].as_str().unwrap();
            let hits = problem_hits(r, hs);
            if hits.is_empty() {
                failures.push(format!("{f}: no problems section under {hs}"));
                continue;
            }
            let theme = item["theme"].as_str().unwrap();
            if !hits.iter().any(|s| s.themes.iter().any(|t| t.0 == theme)) {
                let got: Vec<_> = hits.iter().flat_map(|s| s.themes.iter().map(|t| t.0.clone())).collect();
                failures.push(format!("{f}: theme {theme} not on {hs}; got {got:?}"));
            }
        }
        let tagged: std::collections::BTreeSet<String> = r.sections.iter().flat_map(|s| s.themes.iter().map(|t| t.0.clone())).collect();
        let strs = |k: &str| -> Vec<String> { g[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
        let required = strs("themes_required");
        let allowed = strs("themes_allowed");
        for t in &required {
            if !tagged.contains(t) {
                failures.push(format!("{f}: required theme {t} missing"));
            }
        }
        for t in &tagged {
            if !required.contains(t) && !allowed.contains(t) {
                let on: Vec<_> = r.sections.iter().filter(|s| s.themes.iter().any(|x| &x.0 == t)).map(|s| s.path.join(" > ")).collect();
                failures.push(format!("{f}: unexpected theme {t} on {on:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn seed_nesting_notes_hold() {
    // gold.json's nesting notes: the restarted （一）… list nests, the later （三） is a sibling of （二）.
    let Some((_, reports)) = load() else { return };
    for (g, r) in &reports {
        let f = g["file"].as_str().unwrap();
        if g.get("nesting_note").is_none() {
            continue;
        }
        let level_of = |prefix: &str| r.sections.iter().find(|s| bare(&s.heading).starts_with(prefix)).map(|s| s.level);
        let (second, third) = match f {
            f if f.starts_with("001") => ("年度总体工作和重点工作任务", "部门整体整体支出情况"),
            _ => ("当年部门(单位)履职总体目标", "当年部门(单位)年度整体支出绩效目标"),
        };
        assert_eq!(level_of(second), Some(2), "{f}: {second}");
        assert_eq!(level_of(third), Some(2), "{f}: {third}");
    }
}
