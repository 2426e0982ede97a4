//! Recurring problems: which themes appear in how many departments and years, which department
//! reports the same problem year after year, and with which figures; clusters of problem paragraphs
//! that no theme knows.
//!
//! Pure functions over the problem sections that the caller fetched from the index.

use super::similarity::{cosine, shape, shape_similarity, Vector, Vectorizer, NEAR_DUPLICATE};
use crate::domain::{Domain, Themes};
use crate::index::SectionDoc;
use crate::model::{Region, SectionId};
use crate::parse::content;
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

/// The name under which sections of reports without a department are grouped.
pub const UNKNOWN_DEPARTMENT: &str = "（未识别部门）";

fn department(d: &SectionDoc) -> &str {
    d.department.as_deref().unwrap_or(UNKNOWN_DEPARTMENT)
}

/// A short excerpt of a section for tables: its text, or its heading when it has none.
fn excerpt(d: &SectionDoc) -> String {
    crate::text::prefix_chars(&content(&d.section), 40).replace('\n', " ")
}

/// One theme across the collection.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeRow {
    pub theme: String,
    pub label: String,
    pub departments: usize,
    pub reports: usize,
    pub years: Vec<u16>,
    /// Departments that report the theme in two fiscal years or more.
    pub recurring_departments: usize,
    pub example_section_id: Option<SectionId>,
    /// The example's text, cut short (table output).
    #[serde(skip)]
    pub example: String,
}

/// Years in which each department reports something, for sections `docs`.
fn years_by_department<'a>(docs: impl Iterator<Item = &'a SectionDoc>) -> BTreeMap<String, BTreeSet<u16>> {
    let mut m: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for d in docs {
        let e = m.entry(department(d).to_string()).or_default();
        if let Some(y) = d.fiscal_year {
            e.insert(y);
        }
    }
    m
}

/// One row per theme, sorted by departments affected (then reports, then theme id). Departments
/// with fewer than `min_years` fiscal years of the theme are left out.
pub fn by_theme(docs: &[SectionDoc], themes: &Themes, min_years: usize) -> Vec<ThemeRow> {
    let mut rows = Vec::new();
    for t in &themes.list {
        let tagged: Vec<&SectionDoc> = docs.iter().filter(|d| d.section.themes.contains(&t.id)).collect();
        let by_dept = years_by_department(tagged.iter().copied());
        let kept: BTreeSet<&String> = by_dept.iter().filter(|(_, y)| min_years <= 1 || y.len() >= min_years).map(|(d, _)| d).collect();
        let tagged: Vec<&SectionDoc> = tagged.into_iter().filter(|d| kept.contains(&department(d).to_string())).collect();
        if tagged.is_empty() {
            continue;
        }
        let reports: BTreeSet<&str> = tagged.iter().map(|d| d.report_id.as_str()).collect();
        let years: BTreeSet<u16> = tagged.iter().filter_map(|d| d.fiscal_year).collect();
        let example = tagged
            .iter()
            .max_by(|a, b| (a.fiscal_year, a.section.text.chars().count().min(200)).cmp(&(b.fiscal_year, b.section.text.chars().count().min(200))).then_with(|| b.report_id.cmp(&a.report_id)))
            .copied();
        rows.push(ThemeRow {
            theme: t.id.0.clone(),
            label: t.label.clone(),
            departments: kept.len(),
            reports: reports.len(),
            years: years.into_iter().collect(),
            recurring_departments: by_dept.iter().filter(|(d, y)| kept.contains(d) && y.len() >= 2).count(),
            example_section_id: example.map(|d| d.report_id.section(d.section.seq)),
            example: example.map(|d| excerpt(d)).unwrap_or_default(),
        });
    }
    rows.sort_by(|a, b| b.departments.cmp(&a.departments).then(b.reports.cmp(&a.reports)).then(a.theme.cmp(&b.theme)));
    rows
}

/// One department's history of a problem.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentRow {
    pub department: String,
    pub region: Region,
    pub years: Vec<u16>,
    /// Figures the reports give (percentages first), in year order.
    pub figures: Vec<String>,
    /// Years whose text is a near-verbatim copy of the previous year's: not rectified.
    pub carried_over_years: Vec<u16>,
    pub section_ids: Vec<SectionId>,
}

static FIGURE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?\s*[%％]").expect("figure pattern"));

/// Groups problem sections by department; `min_years` keeps departments with that many fiscal years.
pub fn by_department(docs: &[&SectionDoc], domain: &Domain, min_years: usize) -> Vec<DepartmentRow> {
    let mut groups: BTreeMap<String, Vec<&SectionDoc>> = BTreeMap::new();
    for d in docs {
        groups.entry(department(d).to_string()).or_default().push(d);
    }
    let mut rows = Vec::new();
    for (dept, mut list) in groups {
        list.sort_by_key(|d| (d.fiscal_year, d.report_id.clone(), d.section.seq));
        let years: BTreeSet<u16> = list.iter().filter_map(|d| d.fiscal_year).collect();
        if years.len() < min_years {
            continue;
        }
        let mut figures: Vec<String> = Vec::new();
        for d in &list {
            for m in FIGURE.find_iter(&content(&d.section)) {
                let f = m.as_str().replace(' ', "").replace('％', "%");
                if !figures.contains(&f) {
                    figures.push(f);
                }
            }
        }
        // A year is carried over when one of its paragraphs has the shape of one from the year before.
        let shapes: BTreeMap<u16, Vec<Vec<char>>> = years
            .iter()
            .map(|y| (*y, list.iter().filter(|d| d.fiscal_year == Some(*y)).map(|d| content(&d.section)).filter(|t| t.chars().count() >= 15).map(|t| shape(&t, domain)).collect()))
            .collect();
        let carried_over_years = years
            .iter()
            .filter(|y| {
                let (Some(now), Some(before)) = (shapes.get(y), y.checked_sub(1).and_then(|p| shapes.get(&p))) else { return false };
                now.iter().any(|a| before.iter().any(|b| shape_similarity(a, b) >= NEAR_DUPLICATE))
            })
            .copied()
            .collect();
        rows.push(DepartmentRow {
            region: list[0].region.clone(),
            department: dept,
            years: years.into_iter().collect(),
            figures,
            carried_over_years,
            section_ids: list.iter().map(|d| d.report_id.section(d.section.seq)).collect(),
        });
    }
    rows.sort_by(|a, b| b.years.len().cmp(&a.years.len()).then_with(|| a.department.cmp(&b.department)));
    rows
}

/// Theme × fiscal year: the number of departments reporting each theme each year.
#[derive(Debug, Clone, Serialize)]
pub struct YearMatrix {
    pub years: Vec<u16>,
    pub rows: Vec<YearRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    pub theme: String,
    pub label: String,
    /// Departments per year, in the order of `years`.
    pub departments: Vec<usize>,
}

pub fn by_year(docs: &[SectionDoc], themes: &Themes) -> YearMatrix {
    let years: Vec<u16> = docs.iter().filter_map(|d| d.fiscal_year).collect::<BTreeSet<_>>().into_iter().collect();
    let mut rows = Vec::new();
    for t in &themes.list {
        let mut per_year: HashMap<u16, BTreeSet<&str>> = HashMap::new();
        for d in docs.iter().filter(|d| d.section.themes.contains(&t.id)) {
            if let Some(y) = d.fiscal_year {
                per_year.entry(y).or_default().insert(department(d));
            }
        }
        if per_year.is_empty() {
            continue;
        }
        rows.push(YearRow {
            theme: t.id.0.clone(),
            label: t.label.clone(),
            departments: years.iter().map(|y| per_year.get(y).map_or(0, |s| s.len())).collect(),
        });
    }
    rows.sort_by(|a, b| b.departments.iter().sum::<usize>().cmp(&a.departments.iter().sum::<usize>()).then(a.theme.cmp(&b.theme)));
    YearMatrix { years, rows }
}

/// A group of similar problem paragraphs that no theme matched.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub top_terms: Vec<String>,
    pub departments: Vec<String>,
    pub reports: usize,
    pub section_ids: Vec<SectionId>,
    #[serde(skip)]
    pub example: String,
}

/// Cosine above which a paragraph joins a cluster.
const CLUSTER_SIMILARITY: f32 = 0.35;

/// Clusters untagged problem paragraphs by their words, so that new recurring themes surface.
/// Clusters of one report are dropped.
pub fn discover(docs: &[SectionDoc], domain: &Domain) -> Vec<Cluster> {
    let mut vz = Vectorizer::new(domain);
    let candidates: Vec<(&SectionDoc, Vector)> = docs
        .iter()
        .filter(|d| d.section.themes.is_empty())
        .map(|d| (d, content(&d.section)))
        .filter(|(_, t)| t.chars().count() >= 12)
        .map(|(d, t)| (d, vz.vector(&t)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    // Inverse document frequency, so that words every paragraph uses do not make them alike.
    let mut df: HashMap<&str, f32> = HashMap::new();
    for (_, v) in &candidates {
        for k in v.keys() {
            *df.entry(k.as_str()).or_insert(0.0) += 1.0;
        }
    }
    let n = candidates.len().max(1) as f32;
    let weighted: Vec<(&SectionDoc, Vector)> = candidates
        .iter()
        .map(|(d, v)| (*d, v.iter().map(|(k, c)| (k.clone(), c * (1.0 + (n / df[k.as_str()]).ln()))).collect()))
        .collect();
    let mut clusters: Vec<(Vector, Vec<&SectionDoc>)> = Vec::new();
    for (d, v) in &weighted {
        let best = clusters.iter().enumerate().map(|(i, (c, _))| (i, cosine(c, v))).max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, s)) if s >= CLUSTER_SIMILARITY => {
                let (centroid, members) = &mut clusters[i];
                for (k, x) in v {
                    *centroid.entry(k.clone()).or_insert(0.0) += x;
                }
                members.push(d);
            }
            _ => clusters.push((v.clone(), vec![d])),
        }
    }
    let mut out: Vec<Cluster> = clusters
        .into_iter()
        .filter_map(|(centroid, members)| {
            let reports: BTreeSet<&str> = members.iter().map(|d| d.report_id.as_str()).collect();
            if reports.len() < 2 {
                return None;
            }
            let mut terms: Vec<(&String, &f32)> = centroid.iter().collect();
            terms.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
            let departments: BTreeSet<String> = members.iter().map(|d| department(d).to_string()).collect();
            Some(Cluster {
                top_terms: terms.into_iter().take(6).map(|(k, _)| k.clone()).collect(),
                departments: departments.into_iter().collect(),
                reports: reports.len(),
                section_ids: members.iter().map(|d| d.report_id.section(d.section.seq)).collect(),
                example: excerpt(members[0]),
            })
        })
        .collect();
    out.sort_by(|a, b| b.departments.len().cmp(&a.departments.len()).then(b.reports.cmp(&a.reports)).then(a.top_terms.cmp(&b.top_terms)));
    out
}
