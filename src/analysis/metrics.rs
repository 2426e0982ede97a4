//! Indicator figures: the rates defined in schema/metrics.toml and the scores of scored indicators.

use crate::model::{Metric, Section};
use crate::parse::bare_title;
use crate::text::squeeze;
use anyhow::{Context, Result};
use regex::Regex;
use serde::Deserialize;

/// The name under which indicator scores are listed.
pub const INDICATOR_SCORE: &str = "indicator_score";

#[derive(Deserialize)]
struct MetricFile {
    metric: Vec<MetricEntry>,
}

#[derive(Deserialize)]
struct MetricEntry {
    name: String,
    label: String,
    unit: String,
    patterns: Vec<String>,
}

pub struct MetricDef {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub patterns: Vec<MetricPattern>,
}

pub struct MetricPattern {
    pub regex: Regex,
    /// Without anchors or word boundaries a match inside one section is a match in all of them
    /// joined: one search of the joined text rules out the sections before its first match.
    unanchored: bool,
}

pub struct MetricDefs {
    pub list: Vec<MetricDef>,
}

impl MetricDefs {
    pub fn parse(text: &str) -> Result<MetricDefs> {
        let file: MetricFile = toml::from_str(text)?;
        let mut list = Vec::new();
        for m in file.metric {
            let patterns = m
                .patterns
                .iter()
                .map(|p| {
                    let regex = Regex::new(p).with_context(|| format!("bad pattern {p:?} of metric {}", m.name))?;
                    let unanchored = crate::domain::syntax(p).is_ok_and(|h| h.properties().look_set().is_empty());
                    Ok(MetricPattern { regex, unanchored })
                })
                .collect::<Result<_>>()?;
            list.push(MetricDef { name: m.name, label: m.label, unit: m.unit, patterns });
        }
        Ok(MetricDefs { list })
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|m| m.name.as_str()).chain(std::iter::once(INDICATOR_SCORE)).collect()
    }
}

/// The figures of a report's sections.
pub fn extract(sections: &[Section], defs: &MetricDefs) -> Vec<Metric> {
    // Each section's heading and text squeezed, one after the other with a newline between, and
    // where each is.
    let mut joined = String::new();
    let mut spans = Vec::with_capacity(sections.len());
    for s in sections {
        let from = joined.len();
        joined.push_str(&squeeze(&format!("{}\n{}", s.heading, s.text)));
        spans.push(from..joined.len());
        joined.push('\n');
    }
    let mut out = Vec::new();
    for def in &defs.list {
        let found = def.patterns.iter().find_map(|p| {
            // No section before the one where the joined text's leftmost match starts can match:
            // its match would start further left.
            let first = if p.unanchored {
                let at = p.regex.find(&joined)?.start();
                spans.partition_point(|r| r.start <= at).saturating_sub(1)
            } else {
                0
            };
            spans.iter().enumerate().skip(first).find_map(|(i, r)| {
                let v = p.regex.captures(&joined[r.clone()])?.get(1)?.as_str().parse::<f64>().ok()?;
                Some((sections[i].seq, v))
            })
        });
        if let Some((seq, value)) = found {
            out.push(Metric { name: def.name.clone(), label: def.label.clone(), value, unit: def.unit.clone(), max: None, section_seq: seq });
        }
    }
    for s in sections {
        if let Some(ind) = s.indicator {
            if let Some(score) = ind.score {
                out.push(Metric {
                    name: INDICATOR_SCORE.to_string(),
                    label: bare_title(s),
                    value: score,
                    unit: "分".to_string(),
                    max: Some(ind.max),
                    section_seq: s.seq,
                });
            }
        }
    }
    out
}

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
    pub years: Option<crate::query::YearRange>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, SectionKind};

    fn section(seq: u32, heading: &str, text: &str) -> Section {
        Section {
            seq,
            parent: None,
            level: 1,
            kind: SectionKind::Heading,
            heading: heading.into(),
            marker: None,
            path: vec![heading.into()],
            text: text.into(),
            category: Category::Other,
            themes: vec![],
            statements: vec![],
            indicator: None,
        }
    }

    #[test]
    fn a_figure_comes_from_the_first_section_that_states_it_anchored_or_not() {
        let defs = MetricDefs::parse(
            r#"
[[metric]]
name = "rate"
label = "执行率"
unit = "%"
patterns = ["执行率[^。]{0,3}?(\\d{1,3})%"]

[[metric]]
name = "opening"
label = "开头的比率"
unit = "%"
patterns = ["^比率(\\d{1,3})%"]
"#,
        )
        .unwrap();
        let sections = vec![
            section(0, "概述", "本年执行率"),
            // "执行率" + "为95%" matches only in the two sections' texts joined: not a figure.
            section(1, "为", "95%。比率12%"),
            section(2, "执行", "执行率为88%，执行率为77%"),
            section(3, "比率40%", "执行率为66%"),
        ];
        let found = extract(&sections, &defs);
        let got: Vec<(&str, f64, u32)> = found.iter().map(|m| (m.name.as_str(), m.value, m.section_seq)).collect();
        assert_eq!(got, vec![("rate", 88.0, 2), ("opening", 40.0, 3)]);
    }
}
