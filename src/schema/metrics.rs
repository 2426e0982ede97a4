//! Metric definitions (schema/metrics.toml): the rates jixiao reads from a report's text, each with
//! its patterns.

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

/// A figure jixiao extracts (政府采购执行率, 预算执行率…).
pub struct MetricDef {
    /// Its id (procurement_rate).
    pub name: String,
    /// Its label (政府采购执行率).
    pub label: String,
    /// Its unit (%).
    pub unit: String,
    /// The patterns that state it.
    pub patterns: Vec<MetricPattern>,
}

/// A compiled pattern of a metric; the value is its `value` group.
pub struct MetricPattern {
    /// The compiled pattern.
    pub regex: Regex,
    /// Without anchors or word boundaries a match inside one section is a match in all of them
    /// joined: one search of the joined text rules out the sections before its first match.
    pub(crate) unanchored: bool,
}

/// Every metric of metrics.toml.
pub struct MetricDefs {
    /// The metrics in file order.
    pub list: Vec<MetricDef>,
}

impl MetricDefs {
    /// Parses metrics.toml; a bad pattern is refused with the metric's name.
    pub fn parse(text: &str) -> Result<MetricDefs> {
        let file: MetricFile = toml::from_str(text)?;
        let mut list = Vec::new();
        for m in file.metric {
            let patterns = m
                .patterns
                .iter()
                .map(|p| {
                    let regex = Regex::new(p).with_context(|| format!("bad pattern {p:?} of metric {}", m.name))?;
                    let unanchored = super::pattern::syntax(p).is_ok_and(|h| h.properties().look_set().is_empty());
                    Ok(MetricPattern { regex, unanchored })
                })
                .collect::<Result<_>>()?;
            list.push(MetricDef { name: m.name, label: m.label, unit: m.unit, patterns });
        }
        Ok(MetricDefs { list })
    }

    /// The metrics' ids.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|m| m.name.as_str()).chain(std::iter::once(INDICATOR_SCORE)).collect()
    }
}

