//! Recurring problems: which themes appear in how many departments and years, which department
//! reports the same problem year after year, and with which figures; clusters of problem paragraphs
//! that no theme knows.
//!
//! Pure functions over the problem sections that the caller fetched from the index.

use crate::similarity::{cosine, shape, shape_similarity, Vector, Vectorizer, NEAR_DUPLICATE};
use crate::schema::{Domain, Themes};
use crate::index::SectionDoc;
use crate::model::{Region, SectionId, StatementId};
use crate::units::Registry;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The department a section is grouped under. A report whose unit was not found is a unit of its
/// own, named with its id: two unrelated reports without a name are not one unit, so they never
/// make a problem recurring or copied forward.
/// A named report is grouped under its unit (`Registry`): the names of one unit are one department.
fn department<'a>(d: &'a SectionDoc, units: &'a Registry) -> std::borrow::Cow<'a, str> {
    match d.department.as_deref() {
        Some(name) => std::borrow::Cow::Borrowed(units.unit_of(name)),
        None => std::borrow::Cow::Owned(format!("（未识别部门：报告 {}）", d.report_id)),
    }
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
    /// The example: a problem statement of this theme, whole.
    pub example: String,
}

/// Years in which each department reports something, for sections `docs`.
fn years_by_department<'a>(docs: impl Iterator<Item = &'a SectionDoc>, units: &Registry) -> BTreeMap<String, BTreeSet<u16>> {
    let mut m: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for d in docs {
        let e = m.entry(department(d, units).to_string()).or_default();
        if let Some(y) = d.fiscal_year {
            e.insert(y);
        }
    }
    m
}

/// One row per theme, sorted by departments affected (then reports, then theme id). Departments
/// with fewer than `min_years` fiscal years of the theme are left out.
pub fn by_theme(docs: &[SectionDoc], themes: &Themes, units: &Registry, min_years: usize) -> Vec<ThemeRow> {
    let mut rows = Vec::new();
    for t in &themes.list {
        let tagged: Vec<&SectionDoc> = docs.iter().filter(|d| d.section.themes.contains(&t.id)).collect();
        let by_dept = years_by_department(tagged.iter().copied(), units);
        let kept: BTreeSet<&String> = by_dept.iter().filter(|(_, y)| min_years <= 1 || y.len() >= min_years).map(|(d, _)| d).collect();
        let tagged: Vec<&SectionDoc> = tagged.into_iter().filter(|d| kept.contains(&department(d, units).to_string())).collect();
        if tagged.is_empty() {
            continue;
        }
        let reports: BTreeSet<&str> = tagged.iter().map(|d| d.report_id.as_str()).collect();
        let years: BTreeSet<u16> = tagged.iter().filter_map(|d| d.fiscal_year).collect();
        // The example: the latest year's statement of this theme, a full one rather than a fragment.
        let example = tagged
            .iter()
            .flat_map(|d| statements_of_theme(d, &t.id).map(move |st| (*d, st)))
            .max_by(|(a, x), (b, y)| {
                (a.fiscal_year, x.chars().count().min(120))
                    .cmp(&(b.fiscal_year, y.chars().count().min(120)))
                    .then_with(|| b.report_id.cmp(&a.report_id))
                    .then_with(|| b.section.seq.cmp(&a.section.seq))
            });
        rows.push(ThemeRow {
            theme: t.id.0.clone(),
            label: t.label.clone(),
            departments: kept.len(),
            reports: reports.len(),
            years: years.into_iter().collect(),
            recurring_departments: by_dept.iter().filter(|(d, y)| kept.contains(d) && y.len() >= 2).count(),
            example_section_id: example.map(|(d, _)| d.report_id.section(d.section.seq)),
            example: example.map(|(_, st)| st.to_string()).unwrap_or_default(),
        });
    }
    rows.sort_by(|a, b| b.departments.cmp(&a.departments).then(b.reports.cmp(&a.reports)).then(a.theme.cmp(&b.theme)));
    rows
}

/// The statements of a section that name `theme` (the section's own text for sections stored
/// without statements).
fn statements_of_theme<'a>(d: &'a SectionDoc, theme: &'a crate::model::ThemeId) -> Box<dyn Iterator<Item = &'a str> + 'a> {
    if d.section.statements.is_empty() {
        return Box::new(std::iter::once(d.section.text.as_str()).filter(|t| !t.trim().is_empty()));
    }
    Box::new(d.section.statements.iter().filter(move |st| st.themes.contains(theme)).map(|st| st.text.as_str()))
}

/// A problem section reduced to what `by_theme` and `by_year` read: its ids, department, year,
/// themes and tagged statements (its text only when it has no statements and a theme). On a large
/// collection this is most of the memory of the theme table.
pub fn for_tables(mut d: SectionDoc) -> SectionDoc {
    let s = &mut d.section;
    for st in s.statements.iter_mut().filter(|st| st.themes.is_empty()) {
        st.text = String::new();
        st.figures = Vec::new();
    }
    if !s.statements.is_empty() || s.themes.is_empty() {
        s.text = String::new();
    }
    s.path = Vec::new();
    s.heading = String::new();
    s.indicator = None;
    d.source = String::new();
    d
}

/// One department's history of a problem.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentRow {
    pub department: String,
    pub region: Region,
    pub years: Vec<u16>,
    /// Figures the reports give, each with its fiscal year ("2022: 41.3%"), in year order: a figure
    /// read without its year cannot show whether the problem grew or shrank.
    pub figures: Vec<String>,
    /// Years whose text is a near-verbatim copy of the previous year's: not rectified.
    pub carried_over_years: Vec<u16>,
    pub section_ids: Vec<SectionId>,
    /// The other names the unit's reports are written with (`units`), by name.
    pub variants: Vec<String>,
}


/// Groups problem sections by department; `min_years` keeps departments with that many fiscal years.
pub fn by_department(docs: &[&SectionDoc], domain: &Domain, units: &Registry, min_years: usize) -> Vec<DepartmentRow> {
    let mut groups: BTreeMap<String, Vec<&SectionDoc>> = BTreeMap::new();
    for d in docs {
        groups.entry(department(d, units).to_string()).or_default().push(d);
    }
    let mut rows = Vec::new();
    for (dept, mut list) in groups {
        list.sort_by_key(|d| (d.fiscal_year, d.report_id.clone(), d.section.seq));
        let years: BTreeSet<u16> = list.iter().filter_map(|d| d.fiscal_year).collect();
        if years.len() < min_years {
            continue;
        }
        // The figures that measure the problem: those of the tagged statements (not targets,
        // thresholds or unrelated shares).
        let mut figures: Vec<String> = Vec::new();
        for d in &list {
            let year = d.fiscal_year.map(|y| format!("{y}: ")).unwrap_or_default();
            let tagged = d.section.statements.iter().filter(|st| !st.themes.is_empty());
            for f in tagged.flat_map(|st| st.figures.iter()) {
                let dated = format!("{year}{f}");
                if !figures.contains(&dated) {
                    figures.push(dated);
                }
            }
        }
        // A year is carried over when one of its paragraphs has the shape of one from the year before.
        let shapes: BTreeMap<u16, Vec<Vec<char>>> = years
            .iter()
            .map(|y| (*y, list.iter().filter(|d| d.fiscal_year == Some(*y)).map(|d| d.section.content()).filter(|t| t.chars().count() >= 15).map(|t| shape(&t, domain)).collect()))
            .collect();
        let carried_over_years = years
            .iter()
            .filter(|y| {
                let (Some(now), Some(before)) = (shapes.get(y), y.checked_sub(1).and_then(|p| shapes.get(&p))) else { return false };
                now.iter().any(|a| before.iter().any(|b| shape_similarity(a, b) >= NEAR_DUPLICATE))
            })
            .copied()
            .collect();
        let variants: BTreeSet<String> = list.iter().filter_map(|d| d.department.clone()).filter(|n| *n != dept).collect();
        rows.push(DepartmentRow {
            variants: variants.into_iter().collect(),
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

pub fn by_year(docs: &[SectionDoc], themes: &Themes, units: &Registry) -> YearMatrix {
    let years: Vec<u16> = docs.iter().filter_map(|d| d.fiscal_year).collect::<BTreeSet<_>>().into_iter().collect();
    let mut rows = Vec::new();
    for t in &themes.list {
        let mut per_year: HashMap<u16, BTreeSet<std::borrow::Cow<str>>> = HashMap::new();
        for d in docs.iter().filter(|d| d.section.themes.contains(&t.id)) {
            if let Some(y) = d.fiscal_year {
                per_year.entry(y).or_default().insert(department(d, units));
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
    /// The words that set the cluster apart (its label).
    pub top_terms: Vec<String>,
    pub departments: Vec<String>,
    pub reports: usize,
    /// Every statement's id (`SECTIONID.N`); listed in JSON only.
    pub statement_ids: Vec<String>,
    /// Three example statements.
    pub examples: Vec<String>,
}

/// Cosine above which a paragraph joins a cluster.
const CLUSTER_SIMILARITY: f32 = 0.35;

/// An untagged problem statement: its section, its number and its text.
struct Untagged<'a> {
    doc: &'a SectionDoc,
    n: usize,
    text: &'a str,
}

/// Clusters problem statements that no theme matched by their words, so that new recurring themes
/// surface. Headings, lead-ins, achievements and measures are left out: a statement must state a
/// shortfall (a deficiency cue) and not be a measure. Clusters of one report are dropped.
pub fn discover(docs: &[SectionDoc], domain: &Domain, units: &Registry) -> Vec<Cluster> {
    let themes = &domain.themes;
    let mut vz = Vectorizer::new(domain);
    let untagged: Vec<Untagged> = docs
        .iter()
        .flat_map(|d| d.section.statements.iter().enumerate().map(move |(n, st)| (d, n, st)))
        .filter(|(_, _, st)| st.themes.is_empty())
        .map(|(doc, n, st)| Untagged { doc, n, text: st.text.as_str() })
        .filter(|u| {
            let sq = crate::text::squeeze(u.text);
            sq.chars().count() >= 10
                && !crate::enrich::themes::is_lead_in(&sq)
                // "问题" alone names no shortfall ("群众反映的问题均按时办理").
                && themes.cues.deficiency.as_ref().is_some_and(|c| c.is_match(&sq.replace("问题", "")))
                && !crate::enrich::themes::says_resolved(&sq, themes)
                && !crate::enrich::themes::is_measure_or_question(u.text, themes)
        })
        .collect();
    let candidates: Vec<(&Untagged, Vector)> = untagged.iter().map(|u| (u, vz.vector(u.text))).filter(|(_, v)| !v.is_empty()).collect();
    let mut df: HashMap<&str, f32> = HashMap::new();
    for (_, v) in &candidates {
        for k in v.keys() {
            *df.entry(k.as_str()).or_insert(0.0) += 1.0;
        }
    }
    let n = candidates.len().max(1) as f32;
    let weighted: Vec<(&Untagged, Vector)> = candidates
        .iter()
        .map(|(d, v)| (*d, v.iter().map(|(k, c)| (k.clone(), c * (1.0 + (n / df[k.as_str()]).ln()))).collect()))
        .collect();
    let mut clusters: Vec<(Vector, Vec<&Untagged>)> = Vec::new();
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
            let reports: BTreeSet<&str> = members.iter().map(|u| u.doc.report_id.as_str()).collect();
            if reports.len() < 2 {
                return None;
            }
            let mut terms: Vec<(&String, &f32)> = centroid.iter().collect();
            terms.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
            let departments: BTreeSet<String> = members.iter().map(|u| department(u.doc, units).to_string()).collect();
            let mut examples: Vec<String> = Vec::new();
            for u in &members {
                if examples.len() < 3 && !examples.iter().any(|e| e == u.text) {
                    examples.push(u.text.to_string());
                }
            }
            Some(Cluster {
                top_terms: terms.into_iter().take(6).map(|(k, _)| k.clone()).collect(),
                departments: departments.into_iter().collect(),
                reports: reports.len(),
                statement_ids: members.iter().map(|u| StatementId::at(u.doc.report_id.section(u.doc.section.seq), u.n).to_string()).collect(),
                examples,
            })
        })
        .collect();
    out.sort_by(|a, b| b.departments.len().cmp(&a.departments.len()).then(b.reports.cmp(&a.reports)).then(a.top_terms.cmp(&b.top_terms)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, SourceInfo};

    /// The problem sections of generated reports, as the index returns them.
    fn problem_docs(n: usize) -> (Vec<SectionDoc>, Domain) {
        let domain = Domain::builtin().unwrap();
        let mut docs = Vec::new();
        for r in crate::synth::Generator::new(5, domain.regions().unwrap()).generate(n) {
            let source = SourceInfo { path: r.file_name.clone(), file_hash: String::new(), bytes: 0, encoding: String::new(), published: None };
            let report = crate::enrich::read_report(&r.text, source, &domain).unwrap();
            docs.extend(report.sections.iter().filter(|s| s.category == Category::Problems).map(|s| SectionDoc::of(&report, s)));
        }
        (docs, domain)
    }

    #[test]
    fn the_tables_read_nothing_that_for_tables_drops() {
        let (docs, domain) = problem_docs(120);
        let slim: Vec<SectionDoc> = docs.iter().cloned().map(for_tables).collect();
        fn json(v: &impl Serialize) -> String {
            serde_json::to_string(v).unwrap()
        }
        let u = Registry::default();
        assert_eq!(json(&by_theme(&docs, &domain.themes, &u, 1)), json(&by_theme(&slim, &domain.themes, &u, 1)));
        assert_eq!(json(&by_theme(&docs, &domain.themes, &u, 2)), json(&by_theme(&slim, &domain.themes, &u, 2)));
        assert_eq!(json(&by_year(&docs, &domain.themes, &u)), json(&by_year(&slim, &domain.themes, &u)));
        assert!(!by_theme(&docs, &domain.themes, &u, 1).is_empty());
        // It does drop something: the untagged statements' text.
        let size = |v: &[SectionDoc]| v.iter().map(|d| d.section.text.len() + d.section.statements.iter().map(|s| s.text.len()).sum::<usize>()).sum::<usize>();
        assert!(size(&slim) * 2 < size(&docs), "{} vs {}", size(&slim), size(&docs));
    }
}
