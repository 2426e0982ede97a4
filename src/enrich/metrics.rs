//! Indicator figures of a report: the rates defined in schema/metrics.toml and the scores of scored
//! indicators, read from its sections.

use crate::model::{Metric, Section};
use crate::schema::{MetricDefs, INDICATOR_SCORE};
use crate::text::squeeze;

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
                    label: s.bare_title(),
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
