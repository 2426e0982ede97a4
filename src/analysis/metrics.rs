//! Figures across a collection: the rows `jixiao metrics` and the metrics page list, selected by
//! name, year, unit and value.

use crate::model::YearRange;
use crate::schema::INDICATOR_SCORE;

/// A metric as listed by `jixiao metrics` and the metrics page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MetricRow {
    pub report_id: String,
    pub department: Option<String>,
    pub fiscal_year: Option<u16>,
    pub name: String,
    pub label: String,
    pub value: f64,
    pub unit: String,
    pub max: Option<f64>,
    pub section_id: String,
}

/// Which stated figures to list.
#[derive(Debug, Clone, Default)]
pub struct MetricFilter {
    pub report: Option<crate::model::ReportId>,
    pub name: Option<String>,
    pub below: Option<f64>,
    pub above: Option<f64>,
    pub years: Option<YearRange>,
    /// Part of the department name.
    pub department: Option<String>,
}

/// The figures of `reports` that pass `f`, in the reports' order. Without a metric name, a
/// threshold applies to the rates only (indicator scores are points, not percentages).
pub fn select(reports: &[crate::index::ReportDoc], f: &MetricFilter) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for r in reports {
        let r = &r.report;
        let m = &r.meta;
        if f.report.as_ref().is_some_and(|id| *id != r.id)
            || f.years.is_some_and(|y| m.fiscal_year.is_none_or(|fy| fy < y.from || fy > y.to))
            || f.department.as_ref().is_some_and(|d| !m.department.as_deref().unwrap_or("").contains(d.as_str()))
        {
            continue;
        }
        for x in &r.metrics {
            if f.name.as_ref().is_some_and(|n| *n != x.name)
                || (f.name.is_none() && x.name == INDICATOR_SCORE && (f.below.is_some() || f.above.is_some()))
                || f.below.is_some_and(|b| x.value >= b)
                || f.above.is_some_and(|b| x.value <= b)
            {
                continue;
            }
            rows.push(MetricRow {
                report_id: r.id.0.clone(),
                department: m.department.clone(),
                fiscal_year: m.fiscal_year,
                name: x.name.clone(),
                label: x.label.clone(),
                value: x.value,
                unit: x.unit.clone(),
                max: x.max,
                section_id: r.id.section(x.section_seq).0,
            });
        }
    }
    rows
}

