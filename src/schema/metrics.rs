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
    pub(crate) unanchored: bool,
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
                    let unanchored = super::pattern::syntax(p).is_ok_and(|h| h.properties().look_set().is_empty());
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

