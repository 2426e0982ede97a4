//! Text similarity for `similar`, carried-over problems and `problems --discover`.
//!
//! Two measures: a cosine over jieba words (stop words dropped) says two paragraphs talk about the
//! same thing; a "shape" similarity (character trigrams after masking numbers and place names) says
//! one is the other's wording with different names and figures: a near-duplicate, typically a
//! paragraph copied forward from last year's report.

use crate::schema::Domain;
use crate::index::analyzer::{self, words};
use std::collections::HashSet;
use tantivy::tokenizer::TextAnalyzer;

/// Shape similarity at or above which two paragraphs are near-duplicates.
pub const NEAR_DUPLICATE: f32 = 0.75;

/// Word-count vectors of texts.
pub struct Vectorizer<'a> {
    analyzer: TextAnalyzer,
    stopwords: &'a HashSet<String>,
}

pub use crate::text::{bigrams, cosine, Vector};

impl<'a> Vectorizer<'a> {
    /// A vectorizer cutting words with jieba and the schema's stop words.
    pub fn new(domain: &'a Domain) -> Self {
        Vectorizer { analyzer: analyzer::analyzer(&domain.userdict, false), stopwords: &domain.stopwords }
    }

    /// Content words of a text with their counts: no stop words, no figures, no single characters.
    pub fn vector(&mut self, text: &str) -> Vector {
        let mut v = Vector::new();
        for w in words(&mut self.analyzer, text) {
            if w.chars().count() < 2 || w.chars().all(|c| c.is_ascii_digit() || c == '.') || self.stopwords.contains(&w) {
                continue;
            }
            *v.entry(w).or_insert(0.0) += 1.0;
        }
        v
    }
}

/// What statement similarity compares: content words and character bigrams (each weighted by
/// how rare it is in the collection), and the problem themes the tagger found.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Words weighted by rarity.
    pub words: Vector,
    /// Character bigrams weighted by rarity.
    pub bigrams: Vector,
    /// The themes the text states.
    pub themes: Vec<crate::model::ThemeId>,
    /// How much the text leans to each theme (`Themes::leanings`).
    pub leanings: Vector,
}

/// How much each part counts in `statement_similarity`; chosen on the real dev statements (each
/// as a query against the others, `jixiao-bench similar`), see the README.
/// (0.35 : 0.35 : 0.3 : 0.1, scaled to a sum of 1).
pub const WORDS_WEIGHT: f32 = 0.35 / 1.1;
/// How much the bigrams count.
pub const BIGRAMS_WEIGHT: f32 = 0.35 / 1.1;
/// How much the shared themes count.
pub const THEMES_WEIGHT: f32 = 0.3 / 1.1;
/// How much it counts that two texts lean alike to the themes (the models of examples.toml):
/// little, as on real statements the rules' themes are the surer guide, but it ranks rewordings
/// the rules miss (on our set G before it joined the examples, top-3 sharing a theme 0.600 → 0.687;
/// on the real dev statements 0.694 → 0.696).
pub const LEANINGS_WEIGHT: f32 = 0.1 / 1.1;

/// The similarity of two statements, 0 to 1: the cosine of their weighted words, of their weighted
/// bigrams, the overlap of their themes (Jaccard; 0 when either has none) and the cosine of their
/// leanings. Two statements that share no word, no bigram and no theme are not similar: their
/// leanings alone do not make them so. Two that share a theme are, whatever their wording: real
/// statements of one problem are often worded apart (our set J against the real dev statements,
/// top-3 sharing a theme 0.699 → 0.763 when such pairs stopped scoring 0; the dev statements against
/// each other 0.773 → 0.824).
pub fn statement_similarity(a: &Profile, b: &Profile) -> f32 {
    let words = cosine(&a.words, &b.words);
    let grams = cosine(&a.bigrams, &b.bigrams);
    let themes = if a.themes.is_empty() || b.themes.is_empty() {
        0.0
    } else {
        let shared = a.themes.iter().filter(|t| b.themes.contains(t)).count();
        shared as f32 / (a.themes.len() + b.themes.len() - shared) as f32
    };
    if words <= 0.0 && grams <= 0.0 && themes <= 0.0 {
        return 0.0;
    }
    WORDS_WEIGHT * words + BIGRAMS_WEIGHT * grams + THEMES_WEIGHT * themes + LEANINGS_WEIGHT * cosine(&a.leanings, &b.leanings)
}

/// Weighs a vector's counts by `idf` of each key.
pub fn weighted(v: Vector, mut idf: impl FnMut(&str) -> f32) -> Vector {
    v.into_iter().map(|(k, c)| {
        let w = idf(&k);
        (k, c * w)
    }).collect()
}

/// Inverse document frequency with smoothing: ln(1 + n / (1 + df)).
pub fn idf(n: usize, df: usize) -> f32 {
    (1.0 + n.max(1) as f32 / (1.0 + df as f32)).ln()
}

/// The wording of a text without its figures, place names and punctuation.
pub fn shape(text: &str, domain: &Domain) -> Vec<char> {
    let masked = match domain.regions() {
        Ok(r) => r.mask(text, "@"),
        Err(_) => text.to_string(),
    };
    let mut out = Vec::new();
    let mut in_number = false;
    for c in masked.chars().map(crate::text::fold_char) {
        if c.is_ascii_digit() || (in_number && matches!(c, '.' | '%' | ',')) {
            if !in_number {
                out.push('#');
            }
            in_number = true;
            continue;
        }
        in_number = false;
        if c.is_alphanumeric() || c == '@' {
            out.push(c);
        }
    }
    out
}

fn trigrams(s: &[char]) -> HashSet<[char; 3]> {
    s.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Jaccard similarity of the two shapes' character trigrams.
pub fn shape_similarity(a: &[char], b: &[char]) -> f32 {
    let (ta, tb) = (trigrams(a), trigrams(b));
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let inter = ta.intersection(&tb).count();
    inter as f32 / (ta.len() + tb.len() - inter) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_forward_paragraphs_are_near_duplicates() {
        let d = Domain::builtin().unwrap();
        let a = shape("全年政府采购执行率仅为41.3%，远低于预期，平遥县教育局将加快招标。", &d);
        let b = shape("全年政府采购执行率仅为38.6%，远低于预期，桐庐县教育局将加快招标。", &d);
        let c = shape("信息系统尚未互联互通，数据难以共享，影响了工作效率。", &d);
        assert!(shape_similarity(&a, &b) >= NEAR_DUPLICATE, "{}", shape_similarity(&a, &b));
        assert!(shape_similarity(&a, &c) < 0.2);
    }

    #[test]
    fn shared_themes_rank_a_rewording_above_shared_boilerplate() {
        let d = Domain::builtin().unwrap();
        let mut v = Vectorizer::new(&d);
        let profile = |v: &mut Vectorizer, t: &str| Profile {
            words: v.vector(t),
            bigrams: bigrams(t),
            themes: crate::enrich::themes::statement_themes(t, &d.themes),
            leanings: d.themes.leanings(t),
        };
        let q = profile(&mut v, "部分专项资金长期沉淀在单位账户未使用。");
        let same = profile(&mut v, "部分单位结转结余资金较大，资金闲置。");
        let other = profile(&mut v, "部分单位专项资金账户管理人员不足。");
        assert!(statement_similarity(&q, &same) > statement_similarity(&q, &other));
        // Nothing shared, neither wording nor a theme: not similar.
        let none = profile(&mut v, "天气晴朗。");
        assert_eq!(statement_similarity(&q, &none), 0.0);
        // One problem worded apart (no word, no bigram in common) is similar by its theme, above
        // a statement of another problem that shares its wording with neither.
        let apart = profile(&mut v, "上年结转的款项至今原封未动。");
        assert!(!apart.themes.is_empty() && apart.themes.iter().all(|t| q.themes.contains(t)), "{:?} {:?}", apart.themes, q.themes);
        assert_eq!((cosine(&q.words, &apart.words), cosine(&q.bigrams, &apart.bigrams)), (0.0, 0.0));
        assert!(statement_similarity(&q, &apart) > 0.2);
        assert_eq!(bigrams("资金，沉淀").len(), 2, "a bigram does not run over punctuation");
    }

    #[test]
    fn cosine_of_word_vectors() {
        let d = Domain::builtin().unwrap();
        let mut v = Vectorizer::new(&d);
        let a = v.vector("信息化建设薄弱，信息系统整合不够，数据共享不畅。");
        let b = v.vector("信息化建设水平有待提升，数据共享不畅。");
        let c = v.vector("专业人才紧缺，乡镇卫生院进人难。");
        assert!(cosine(&a, &b) > cosine(&a, &c));
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    }
}
