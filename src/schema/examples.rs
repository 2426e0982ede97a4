//! Example statements of each problem theme (schema/examples.toml), and the tagger's last resort:
//! the theme of the example a statement is most like. Likeness is the cosine of character pairs
//! weighted by how rare each pair is among the examples (a pair every theme's examples use says
//! little), so that a rewording the rules do not know still lands near the examples of its theme.
//! The tagger asks only for a statement that states a shortfall and names no theme by the rules.

use crate::text::{bigrams, cosine, Vector};
use super::line_of;
use anyhow::{bail, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    min_similarity: f32,
    examples: BTreeMap<String, Vec<Spanned<String>>>,
}

/// The examples, compiled.
#[derive(Debug, Default)]
pub struct Examples {
    /// The least likeness that gives a theme.
    min: f32,
    /// Each character pair's weight: the log of how many examples there are over how many hold it.
    idf: BTreeMap<String, f32>,
    /// The weight of a pair no example holds.
    unseen: f32,
    /// Each example: its theme's place in the theme list, and its weighted pairs.
    items: Vec<(usize, Vector)>,
}

impl Examples {
    /// Parses examples.toml against the theme ids in list order; an example without Chinese text
    /// is refused with its line, and so (with `strict`) is one of an unknown theme; without
    /// `strict` those are left out.
    pub fn parse(text: &str, theme_ids: &[&str], strict: bool) -> Result<Examples> {
        let file: ExampleFile = toml::from_str(text)?;
        if !(0.0..=1.0).contains(&file.min_similarity) {
            bail!("min_similarity is {}; give a likeness between 0 and 1", file.min_similarity);
        }
        let mut raw: Vec<(usize, Vector)> = Vec::new();
        for (theme, examples) in &file.examples {
            let Some(i) = theme_ids.iter().position(|t| t == theme) else {
                if !strict {
                    continue;
                }
                let at = examples.first().map(|e| line_of(text, e.span().start)).unwrap_or(0);
                bail!("line {at}: examples of the unknown theme {theme:?}; the themes are {}", theme_ids.join(", "));
            };
            for e in examples {
                let pairs = bigrams(e.get_ref());
                if pairs.is_empty() {
                    bail!("line {}: an example of {theme} has no Chinese text", line_of(text, e.span().start));
                }
                raw.push((i, pairs));
            }
        }
        let n = raw.len() as f32;
        let mut df: BTreeMap<&str, f32> = BTreeMap::new();
        for (_, pairs) in &raw {
            for p in pairs.keys() {
                *df.entry(p.as_str()).or_insert(0.0) += 1.0;
            }
        }
        let idf: BTreeMap<String, f32> = df.iter().map(|(p, d)| (p.to_string(), ((n + 1.0) / (d + 1.0)).ln() + 1.0)).collect();
        let unseen = (n + 1.0).ln() + 1.0;
        let items = raw.iter().map(|(i, pairs)| (*i, weighted(pairs, &idf, unseen))).collect();
        Ok(Examples { min: file.min_similarity, idf, unseen, items })
    }

    /// The theme (its place in the theme list) of the example `text` is most like, with the
    /// likeness, when it reaches `min_similarity`; ties go to the earlier theme.
    pub fn nearest(&self, text: &str) -> Option<(usize, f32)> {
        let query = weighted(&bigrams(text), &self.idf, self.unseen);
        let mut best: Option<(usize, f32)> = None;
        for (theme, example) in &self.items {
            let s = cosine(&query, example);
            if best.is_none_or(|(t, b)| s > b || s == b && *theme < t) {
                best = Some((*theme, s));
            }
        }
        best.filter(|(_, s)| *s >= self.min)
    }
}

/// Pair counts times their weights.
fn weighted(pairs: &Vector, idf: &BTreeMap<String, f32>, unseen: f32) -> Vector {
    pairs.iter().map(|(p, c)| (p.clone(), c * idf.get(p).copied().unwrap_or(unseen))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "min_similarity = 0.2\n[examples]\na = [\"资金拨付不及时，长期滞留。\"]\nb = [\"项目建成后闲置未使用。\", \"设备到货后一直未使用。\"]\n";

    #[test]
    fn a_rewording_lands_near_its_themes_examples_and_unknown_themes_are_refused() {
        let e = Examples::parse(FILE, &["a", "b"], true).unwrap();
        assert_eq!(e.nearest("采购的仪器到货后未使用").map(|(t, _)| t), Some(1));
        assert_eq!(e.nearest("上级资金拨付滞后").map(|(t, _)| t), Some(0));
        assert_eq!(e.nearest("天气晴朗"), None);
        let err = Examples::parse(FILE, &["a"], true).err().unwrap().to_string();
        assert_eq!(Examples::parse(FILE, &["a"], false).unwrap().items.len(), 1);
        assert!(err.contains("line 4") && err.contains("\"b\""), "{err}");
    }
}
