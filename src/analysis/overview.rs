//! What the app's landing page shows before anything is asked: the collection by fiscal year,
//! province and kind, the problems most departments report, and the reports whose unit was not
//! found (to be named by hand).

use crate::analysis::problems::ThemeRow;
use crate::index::ReportDoc;
use crate::units::Registry;
use serde::Serialize;
use std::collections::BTreeMap;

/// The most reports without a unit listed by name (the count says how many there are).
pub const MAX_UNNAMED: usize = 50;

/// The landing page's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub reports: usize,
    /// Units (names of one unit counted once; `units`).
    pub units: usize,
    /// Reports per fiscal year, in year order.
    pub by_year: Vec<(u16, usize)>,
    /// Reports whose fiscal year was not found.
    pub no_year: usize,
    /// Reports per province, most first (ties by name); "" for reports without a region.
    pub by_province: Vec<(String, usize)>,
    /// Reports per kind (`ReportKind::as_str`), most first.
    pub by_kind: Vec<(String, usize)>,
    /// The themes most departments report, with departments reporting them in two years or more.
    pub top_themes: Vec<ThemeRow>,
    /// Reports without a unit: how many, and the first `MAX_UNNAMED` by id.
    pub unnamed_count: usize,
    pub unnamed: Vec<Unnamed>,
}

/// A report whose unit was not found.
#[derive(Debug, Clone, Serialize)]
pub struct Unnamed {
    pub report_id: String,
    pub title: Option<String>,
    pub source: String,
}

fn most_first(m: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The overview of `reports`; `themes` is the theme table (`problems::by_theme`), of which the
/// first `top` rows are kept.
pub fn overview(reports: &[ReportDoc], units: &Registry, themes: &[ThemeRow], top: usize) -> Overview {
    let mut by_year: BTreeMap<u16, usize> = BTreeMap::new();
    let (mut provinces, mut kinds) = (BTreeMap::new(), BTreeMap::new());
    let mut unit_names = std::collections::BTreeSet::new();
    let mut unnamed = Vec::new();
    for r in reports {
        let m = &r.report.meta;
        if let Some(y) = m.fiscal_year {
            *by_year.entry(y).or_default() += 1;
        }
        *provinces.entry(m.region.province.clone().unwrap_or_default()).or_default() += 1;
        *kinds.entry(r.report.kind().as_str().to_string()).or_default() += 1;
        match &m.department {
            Some(d) => {
                unit_names.insert(units.unit_of(d).to_string());
            }
            None => unnamed.push(Unnamed { report_id: r.report.id.0.clone(), title: m.title.clone(), source: r.report.source.path.clone() }),
        }
    }
    unnamed.sort_by(|a, b| a.report_id.cmp(&b.report_id));
    let unnamed_count = unnamed.len();
    unnamed.truncate(MAX_UNNAMED);
    Overview {
        reports: reports.len(),
        units: unit_names.len(),
        no_year: reports.len() - by_year.values().sum::<usize>(),
        by_year: by_year.into_iter().collect(),
        by_province: most_first(provinces),
        by_kind: most_first(kinds),
        top_themes: themes.iter().take(top).cloned().collect(),
        unnamed_count,
        unnamed,
    }
}
