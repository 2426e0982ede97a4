//! Example statements (schema/examples.toml) and what the tagger learns from them for the
//! statements its rules leave without a theme.
//!
//! Each statement is read as its character runs of one to three characters (figures folded to one
//! sign, whitespace dropped), each weighted by how rare it is among the examples. Two kinds of
//! linear model are trained on them: one tells a finding from a statement that is none (the
//! examples against `not_findings`), and one per theme tells its findings from every other
//! statement. A statement gets the best-scoring theme when the finding model gives it at least
//! `min_finding` and the theme's model scores it above zero.
//!
//! The models are support-vector machines with a squared hinge loss, trained by dual coordinate
//! descent (Hsieh et al., ICML 2008, the method of LIBLINEAR) with each class weighted by its size.
//! Written here rather than taken from a crate: the Rust crates that train such models want dense
//! matrices (a few hundred statements by tens of thousands of runs: about 80 MB a model) or build
//! LIBLINEAR's C++ into every target; the method itself is a short loop. Training takes a few tens
//! of milliseconds and runs once, when a statement first needs it.

use super::line_of;
use anyhow::{bail, Result};
use serde::Deserialize;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    min_finding: f64,
    #[serde(default)]
    min_finding_unmarked: Option<f64>,
    #[serde(default)]
    not_findings: Vec<Spanned<String>>,
    #[serde(default)]
    other_findings: Vec<Spanned<String>>,
    examples: BTreeMap<String, Vec<Spanned<String>>>,
}

/// The examples, and the models trained from them when first needed.
#[derive(Debug)]
pub struct Examples {
    /// The least score of the finding model that lets a statement take a theme.
    min_finding: f64,
    /// The same for a statement with no deficiency word and no scope of its own; none: such a
    /// statement takes no theme from the models.
    min_finding_unmarked: Option<f64>,
    /// How many themes there are.
    themes: usize,
    /// Each statement in its normal form, whether it is a finding, and the themes (places in the
    /// theme list) it stands under.
    statements: Vec<(String, bool, Vec<usize>)>,
    model: OnceLock<Model>,
}

impl Default for Examples {
    fn default() -> Examples {
        Examples { min_finding: 0.5, min_finding_unmarked: None, themes: 0, statements: Vec::new(), model: OnceLock::new() }
    }
}

/// The trained models.
#[derive(Debug)]
struct Model {
    /// Each character run of the examples, with its feature number.
    runs: FxHashMap<String, u32>,
    /// Each feature's rarity weight.
    idf: Vec<f64>,
    /// Finding or not: a weight per feature and the bias last.
    finding: Vec<f64>,
    /// One model per theme; none for a theme without examples.
    themes: Vec<Option<Vec<f64>>>,
}

/// A statement as features: (feature, value) by feature, of unit length.
type Features = Vec<(u32, f64)>;

/// The cost of a training error (LIBLINEAR's C); with each class weighted by its size.
const COST: f64 = 1.0;
/// Training stops when no coordinate's projected gradient spreads wider than this, or after
/// `MAX_PASSES` passes over the statements.
const TOLERANCE: f64 = 1e-3;
const MAX_PASSES: usize = 1000;

impl Examples {
    /// Parses examples.toml against the theme ids in list order; a statement without Chinese text
    /// is refused with its line, and so (with `strict`) are examples of an unknown theme; without
    /// `strict` those are left out.
    pub fn parse(text: &str, theme_ids: &[&str], strict: bool) -> Result<Examples> {
        let file: ExampleFile = toml::from_str(text)?;
        for (name, value) in [("min_finding", Some(file.min_finding)), ("min_finding_unmarked", file.min_finding_unmarked)] {
            if let Some(v) = value.filter(|v| !v.is_finite()) {
                bail!("{name} is {v}; give a number (0 is the finding model's own boundary)");
            }
        }
        let mut labels: BTreeMap<String, (bool, Vec<usize>)> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut add = |e: &Spanned<String>, finding: bool, theme: Option<usize>, what: &str| -> Result<()> {
            if !e.get_ref().chars().any(crate::text::is_han) {
                bail!("line {}: {what} has no Chinese text", line_of(text, e.span().start));
            }
            let key = normal(e.get_ref());
            let entry = labels.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (finding, Vec::new())
            });
            entry.0 |= finding;
            if let Some(t) = theme.filter(|t| !entry.1.contains(t)) {
                entry.1.push(t);
            }
            Ok(())
        };
        for e in &file.not_findings {
            add(e, false, None, "a statement of not_findings")?;
        }
        for e in &file.other_findings {
            add(e, true, None, "a statement of other_findings")?;
        }
        for (theme, examples) in &file.examples {
            let Some(i) = theme_ids.iter().position(|t| t == theme) else {
                if !strict {
                    continue;
                }
                let at = examples.first().map(|e| line_of(text, e.span().start)).unwrap_or(0);
                bail!("line {at}: examples of the unknown theme {theme:?}; the themes are {}", theme_ids.join(", "));
            };
            for e in examples {
                add(e, true, Some(i), &format!("an example of {theme}"))?;
            }
        }
        let statements = order.into_iter().map(|k| {
            let (finding, themes) = labels.remove(&k).unwrap_or_default();
            (k, finding, themes)
        });
        Ok(Examples { min_finding: file.min_finding, min_finding_unmarked: file.min_finding_unmarked, themes: theme_ids.len(), statements: statements.collect(), model: OnceLock::new() })
    }

    /// The theme (its place in the theme list) the examples suggest for a statement, with its
    /// score: when the finding model scores the statement at least `min_finding` and the best
    /// theme's model above zero; ties go to the earlier theme.
    pub fn suggest(&self, text: &str) -> Option<(usize, f64)> {
        self.suggest_at(text, self.min_finding)
    }

    /// `suggest` for a statement that carries no mark of a finding (no deficiency word, no scope):
    /// the finding model must score it at least `min_finding_unmarked`; never when that is unset.
    pub fn suggest_unmarked(&self, text: &str) -> Option<(usize, f64)> {
        self.suggest_at(text, self.min_finding_unmarked?)
    }

    fn suggest_at(&self, text: &str, least: f64) -> Option<(usize, f64)> {
        let (finding, themes) = self.scores(text)?;
        if finding < least {
            return None;
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, s) in themes.into_iter().enumerate() {
            if s.is_some_and(|s| s > 0.0 && best.is_none_or(|(_, b)| s > b)) {
                best = s.map(|s| (i, s));
            }
        }
        best
    }

    /// How much a text leans to each theme: each theme model's score where above zero, else 0 (in
    /// theme-list order).
    pub fn leanings(&self, text: &str) -> Vec<f32> {
        match self.scores(text) {
            Some((_, themes)) => themes.into_iter().map(|s| s.map_or(0.0, |s| s.max(0.0) as f32)).collect(),
            None => vec![0.0; self.themes],
        }
    }

    /// The finding model's score of a text and each theme model's (none for a theme without
    /// examples); none without examples or when the text holds no run the examples hold. Trains
    /// the models when first asked.
    fn scores(&self, text: &str) -> Option<(f64, Vec<Option<f64>>)> {
        if self.statements.is_empty() {
            return None;
        }
        let model = self.model.get_or_init(|| Model::train(&self.statements, self.themes));
        let x = model.features(&normal(text));
        if x.is_empty() {
            return None;
        }
        Some((score(&model.finding, &x), model.themes.iter().map(|w| w.as_ref().map(|w| score(w, &x))).collect()))
    }
}

/// The form statements are compared in: folded, without whitespace, each run of figures (with
/// its decimal point) one `0`: "54.3%" and "12%" read alike.
fn normal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_figure = false;
    let squeezed = crate::text::squeeze(text);
    let mut chars = squeezed.chars().peekable();
    while let Some(c) = chars.next() {
        let figure = c.is_ascii_digit() || (c == '.' && in_figure && chars.peek().is_some_and(char::is_ascii_digit));
        if figure && !in_figure {
            out.push('0');
        } else if !figure {
            out.push(c);
        }
        in_figure = figure;
    }
    out
}

/// Every run of one to three characters of a normal-form text.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let n = bounds.len() - 1;
    (0..n).flat_map(move |i| (1..=3).filter(move |l| i + l <= n).map(move |l| (i, l))).map(move |(i, l)| &text[bounds[i]..bounds[i + l]])
}

/// A weight vector (bias last) times a statement's features.
fn score(w: &[f64], x: &Features) -> f64 {
    x.iter().map(|(j, v)| w[*j as usize] * v).sum::<f64>() + w[w.len() - 1]
}

impl Model {
    fn train(statements: &[(String, bool, Vec<usize>)], themes: usize) -> Model {
        let mut known: FxHashMap<String, u32> = FxHashMap::default();
        let mut df: Vec<f64> = Vec::new();
        for (text, _, _) in statements {
            let mut seen: Vec<u32> = Vec::new();
            for r in runs(text) {
                let j = match known.get(r) {
                    Some(&j) => j,
                    None => {
                        let j = known.len() as u32;
                        known.insert(r.to_string(), j);
                        df.push(0.0);
                        j
                    }
                };
                seen.push(j);
            }
            seen.sort_unstable();
            seen.dedup();
            for j in seen {
                df[j as usize] += 1.0;
            }
        }
        let n = statements.len() as f64;
        let idf: Vec<f64> = df.iter().map(|d| ((1.0 + n) / (1.0 + d)).ln() + 1.0).collect();
        let mut model = Model { runs: known, idf, finding: Vec::new(), themes: Vec::new() };
        let xs: Vec<Features> = statements.iter().map(|(t, _, _)| model.features(t)).collect();
        let dim = model.idf.len();
        let found: Vec<bool> = statements.iter().map(|(_, f, _)| *f).collect();
        model.finding = train(&xs, &found, dim);
        // The theme models are independent of each other: trained on the machine's cores at once
        // (each the same model whichever thread trains it).
        let theme_model = |t: usize| {
            let ys: Vec<bool> = statements.iter().map(|(_, _, l)| l.contains(&t)).collect();
            ys.contains(&true).then(|| train(&xs, &ys, dim))
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let mut slots: Vec<Option<Vec<f64>>> = vec![None; themes];
        let chunk = themes.div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for (c, part) in slots.chunks_mut(chunk).enumerate() {
                let theme_model = &theme_model;
                scope.spawn(move || part.iter_mut().enumerate().for_each(|(k, slot)| *slot = theme_model(c * chunk + k)));
            }
        });
        model.themes = slots;
        model
    }

    /// A statement's features: for each known run, (1 + ln count) × its rarity, scaled to unit
    /// length. Runs the examples never hold are left out.
    fn features(&self, text: &str) -> Features {
        let mut counts: BTreeMap<u32, f64> = BTreeMap::new();
        for r in runs(text) {
            if let Some(&j) = self.runs.get(r) {
                *counts.entry(j).or_insert(0.0) += 1.0;
            }
        }
        let mut x: Features = counts.into_iter().map(|(j, c)| (j, (1.0 + c.ln()) * self.idf[j as usize])).collect();
        let norm = x.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            x.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        x
    }
}

/// A linear model telling `ys` true from false over `xs`: weights per feature and a bias (last),
/// by dual coordinate descent for the squared hinge loss. The statements are visited in an order
/// shuffled by a fixed generator, so the same examples give the same model on every machine.
fn train(xs: &[Features], ys: &[bool], dim: usize) -> Vec<f64> {
    let n = xs.len();
    let positives = ys.iter().filter(|y| **y).count();
    let mut w = vec![0.0; dim + 1];
    if positives == 0 || positives == n {
        return w;
    }
    let cost = |y: bool| COST * n as f64 / (2.0 * if y { positives } else { n - positives } as f64);
    let diag: Vec<f64> = ys.iter().map(|&y| 0.5 / cost(y)).collect();
    let q: Vec<f64> = xs.iter().zip(&diag).map(|(x, d)| x.iter().map(|(_, v)| v * v).sum::<f64>() + 1.0 + d).collect();
    let mut alpha = vec![0.0; n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..MAX_PASSES {
        for i in (1..n).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let (mut high, mut low) = (f64::MIN, f64::MAX);
        for &i in &order {
            let y = if ys[i] { 1.0 } else { -1.0 };
            let g = y * score(&w, &xs[i]) - 1.0 + diag[i] * alpha[i];
            let projected = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            high = high.max(projected);
            low = low.min(projected);
            if projected.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / q[i]).max(0.0);
                let step = (alpha[i] - old) * y;
                for (j, v) in &xs[i] {
                    w[*j as usize] += step * v;
                }
                w[dim] += step;
            }
        }
        if high - low < TOLERANCE {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "min_finding = 0\nnot_findings = [\"资金拨付及时，全部到位。\", \"设备运行良好，使用率高。\", \"全年完成培训12期。\"]\n[examples]\na = [\"资金拨付不及时，长期滞留。\", \"上级资金到位后迟迟未拨付。\", \"补助资金拨付滞后，拖延三个月。\"]\nb = [\"项目建成后闲置未使用。\", \"设备到货后一直未使用。\", \"建成的场馆长期闲置。\"]\n";

    #[test]
    fn a_rewording_takes_its_themes_examples_and_no_finding_takes_none() {
        let e = Examples::parse(FILE, &["a", "b"], true).unwrap();
        assert_eq!(e.suggest("采购的仪器到货后一直闲置未使用").map(|(t, _)| t), Some(1));
        assert_eq!(e.suggest("专项资金拨付滞后，长期未到位").map(|(t, _)| t), Some(0));
        assert_eq!(e.suggest("天气晴朗"), None);
        // The same examples train the same models: scores are equal to the last bit.
        let again = Examples::parse(FILE, &["a", "b"], true).unwrap();
        assert_eq!(e.suggest("设备闲置").map(|(_, s)| s.to_bits()), again.suggest("设备闲置").map(|(_, s)| s.to_bits()));
    }

    #[test]
    fn a_statement_without_marks_of_a_finding_takes_a_theme_only_where_the_file_allows() {
        let e = Examples::parse(FILE, &["a", "b"], true).unwrap();
        assert_eq!(e.suggest_unmarked("采购的仪器到货后一直闲置未使用"), None);
        let allowed = Examples::parse(&FILE.replace("min_finding = 0\n", "min_finding = 0\nmin_finding_unmarked = 0\n"), &["a", "b"], true).unwrap();
        assert_eq!(allowed.suggest_unmarked("采购的仪器到货后一直闲置未使用").map(|(t, _)| t), Some(1));
        // Asking for more certainty than the model has takes the theme away again.
        let strict = Examples::parse(&FILE.replace("min_finding = 0\n", "min_finding = 0\nmin_finding_unmarked = 99\n"), &["a", "b"], true).unwrap();
        assert_eq!(strict.suggest_unmarked("采购的仪器到货后一直闲置未使用"), None);
        let bad = FILE.replace("min_finding = 0\n", "min_finding = 0\nmin_finding_unmarked = nan\n");
        assert!(Examples::parse(&bad, &["a", "b"], true).err().unwrap().to_string().contains("min_finding_unmarked"));
    }

    #[test]
    fn unknown_themes_and_statements_without_chinese_are_refused_with_their_line() {
        let err = Examples::parse(FILE, &["a"], true).err().unwrap().to_string();
        assert!(err.contains("line 5") && err.contains("\"b\""), "{err}");
        assert_eq!(Examples::parse(FILE, &["a"], false).unwrap().statements.len(), 6);
        let bad = "min_finding = 0\n[examples]\na = [\"资金滞留\", \"123\"]\n";
        let err = Examples::parse(bad, &["a"], true).err().unwrap().to_string();
        assert!(err.contains("line 3") && err.contains("no Chinese"), "{err}");
    }

    #[test]
    fn figures_read_alike_whatever_their_value() {
        assert_eq!(normal("执行率为 54.3%，仅12项"), "执行率为0%,仅0项");
        assert_eq!(runs("资金0").collect::<Vec<_>>(), ["资", "资金", "资金0", "金", "金0", "0"]);
    }
}
