//! One department across its fiscal years: score and grade, problem themes marked new / recurring /
//! no longer reported, and each stated metric over time.

use crate::index::{ReportDoc, SectionDoc};
use crate::model::{Grade, ReportKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentView {
    pub department: String,
    /// The other names the department's reports are written with (`units`), by name.
    pub variants: Vec<String>,
    pub region: crate::model::Region,
    pub years: Vec<YearEntry>,
    pub metrics: Vec<MetricSeries>,
}

/// What one fiscal year's reports say.
#[derive(Debug, Clone, Serialize)]
pub struct YearEntry {
    pub fiscal_year: u16,
    /// The reports of the year: the department's overall report first.
    pub report_ids: Vec<String>,
    pub total_score: Option<f64>,
    pub grade: Option<Grade>,
    /// Themes reported this year and not the year before.
    pub new: Vec<String>,
    /// Themes reported this year and the year before (not rectified, or copied forward).
    pub recurring: Vec<String>,
    /// Themes of the year before that this year no longer reports.
    pub dropped: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricSeries {
    pub name: String,
    pub label: String,
    pub unit: String,
    /// (fiscal year, value), one per year (the overall report's when several give it).
    pub points: Vec<(u16, f64)>,
}

/// Builds the view from the department's reports and their sections (`sections[i]` are those of
/// `reports[i]`). Reports without a fiscal year are left out.
pub fn view(department: &str, reports: &[ReportDoc], sections: &[Vec<SectionDoc>]) -> DepartmentView {
    // Overall reports first, then by id, so that a year's score and metrics come from the overall one.
    let mut order: Vec<usize> = (0..reports.len()).filter(|&i| reports[i].report.meta.fiscal_year.is_some()).collect();
    order.sort_by_key(|&i| {
        let r = &reports[i].report;
        (r.meta.fiscal_year, r.kind() != ReportKind::DepartmentOverall, r.id.clone())
    });
    let mut by_year: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for i in order {
        by_year.entry(reports[i].report.meta.fiscal_year.unwrap_or_default()).or_default().push(i);
    }
    let mut years = Vec::new();
    let mut before: Option<(u16, BTreeSet<String>)> = None;
    let mut metrics: BTreeMap<String, MetricSeries> = BTreeMap::new();
    for (&year, list) in &by_year {
        let themes: BTreeSet<String> =
            list.iter().flat_map(|&i| sections.get(i).into_iter().flatten()).flat_map(|s| s.section.themes.iter().map(|t| t.0.clone())).collect();
        // Only the year right before counts: a gap means nothing is known about the year between.
        let prev = before.as_ref().filter(|(y, _)| *y + 1 == year).map(|(_, t)| t.clone()).unwrap_or_default();
        years.push(YearEntry {
            fiscal_year: year,
            report_ids: list.iter().map(|&i| reports[i].report.id.0.clone()).collect(),
            total_score: list.iter().find_map(|&i| reports[i].report.meta.total_score),
            grade: list.iter().find_map(|&i| reports[i].report.meta.grade),
            new: themes.difference(&prev).cloned().collect(),
            recurring: themes.intersection(&prev).cloned().collect(),
            dropped: prev.difference(&themes).cloned().collect(),
        });
        for &i in list {
            for m in &reports[i].report.metrics {
                let s = metrics.entry(m.name.clone()).or_insert_with(|| MetricSeries { name: m.name.clone(), label: m.label.clone(), unit: m.unit.clone(), points: vec![] });
                if s.points.last().is_none_or(|(y, _)| *y != year) {
                    s.points.push((year, m.value));
                }
            }
        }
        before = Some((year, themes));
    }
    let region = reports.first().map(|r| r.report.meta.region.clone()).unwrap_or_default();
    let variants: BTreeSet<String> = reports.iter().filter_map(|r| r.report.meta.department.clone()).filter(|d| d != department).collect();
    DepartmentView { department: department.to_string(), variants: variants.into_iter().collect(), region, years, metrics: metrics.into_values().collect() }
}
