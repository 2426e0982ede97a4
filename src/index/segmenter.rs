//! Query-time segmentation without jieba: the words of a query are found in the index's own term
//! dictionary.
//!
//! Loading jieba's dictionary costs ~150 ms per process, three times a whole search's budget. A word
//! absent from the corpus cannot match anyway, so the corpus vocabulary is enough to cut a query: a
//! DAG of the substrings that are indexed words, the path maximising the product of their
//! document-frequency probabilities (jieba's own criterion, with corpus frequencies). Read-only
//! commands register this tokenizer under the analyzers' names; ingest keeps jieba.

use crate::text::{fold_char, is_han};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::schema::Field;
use tantivy::tokenizer::{Token, Tokenizer};
use tantivy::{Searcher, Term};

/// The longest word looked up, in characters.
const MAX_WORD: usize = 12;
/// The cost of each extra word in a cut. Document frequencies make common words look likely, which
/// would make splitting 政府采购执行率 into 政府/采购/执行率 cheap; jieba's corpus-wide word
/// probabilities (about e^-10 each) give the same strong preference for fewer, longer words.
const WORD_COST: f64 = 8.0;

/// Document frequencies of words in one field, cached.
pub struct Vocabulary {
    searcher: Searcher,
    field: Field,
    docs: f64,
    cache: Mutex<HashMap<String, u64>>,
}

impl Vocabulary {
    pub fn new(searcher: Searcher, field: Field) -> Vocabulary {
        let docs = searcher.num_docs().max(1) as f64;
        Vocabulary { searcher, field, docs, cache: Mutex::new(HashMap::new()) }
    }

    fn df(&self, word: &str) -> u64 {
        if let Ok(cache) = self.cache.lock() {
            if let Some(v) = cache.get(word) {
                return *v;
            }
        }
        let v = self.searcher.doc_freq(&Term::from_field_text(self.field, word)).unwrap_or(0);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(word.to_string(), v);
        }
        v
    }
}

/// A tokenizer over a vocabulary; in search mode it adds jieba's search-mode sub-words.
#[derive(Clone)]
pub struct DictTokenizer {
    words: Arc<Vocabulary>,
    search_mode: bool,
}

impl DictTokenizer {
    pub fn precise(words: Arc<Vocabulary>) -> Self {
        DictTokenizer { words, search_mode: false }
    }
    pub fn search(words: Arc<Vocabulary>) -> Self {
        DictTokenizer { words, search_mode: true }
    }
}

/// Normalised chars with their byte offsets in the original text.
fn chars(text: &str) -> Vec<(usize, char)> {
    let simplified = crate::text::simplified(text);
    text.char_indices()
        .zip(simplified.chars())
        .filter(|((_, c), _)| !crate::text::is_invisible(*c))
        .map(|((i, c), s)| (i, fold_char(s).to_lowercase().next().unwrap_or(c)))
        .collect()
}

/// Letters and digits form words; jieba cuts figures at their punctuation ("57.2%" → 57, 2).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Best segmentation of a run of Han chars: (start, end) char ranges.
fn cut_han(run: &[char], v: &Vocabulary) -> Vec<(usize, usize)> {
    let n = run.len();
    let unknown = (0.1 / (v.docs + 1.0)).ln();
    let mut best: Vec<(f64, usize)> = vec![(0.0, n); n + 1];
    for i in (0..n).rev() {
        let mut choice = (f64::NEG_INFINITY, i + 1);
        let mut word = String::new();
        for (len, c) in run[i..].iter().take(MAX_WORD).enumerate() {
            word.push(*c);
            let df = v.df(&word);
            let score = if df > 0 {
                ((df as f64 + 1.0) / (v.docs + 1.0)).ln() - WORD_COST
            } else if len == 0 {
                unknown - WORD_COST
            } else {
                continue;
            };
            let total = score + best[i + len + 1].0;
            if total > choice.0 {
                choice = (total, i + len + 1);
            }
        }
        best[i] = choice;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let j = best[i].1;
        out.push((i, j));
        i = j;
    }
    out
}

impl Tokenizer for DictTokenizer {
    type TokenStream<'a> = super::analyzer::JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let cs = chars(text);
        let byte_end = |k: usize| cs.get(k).map_or(text.len(), |(b, _)| *b);
        let mut tokens = Vec::new();
        let mut position = 0usize;
        let push = |tokens: &mut Vec<Token>, from: usize, to: usize, text: String, position: usize| {
            tokens.push(Token { offset_from: from, offset_to: to, position, text, position_length: 1 });
        };
        let mut k = 0;
        while k < cs.len() {
            let c = cs[k].1;
            if is_han(c) {
                let start = k;
                while k < cs.len() && is_han(cs[k].1) {
                    k += 1;
                }
                let run: Vec<char> = cs[start..k].iter().map(|(_, c)| *c).collect();
                for (a, b) in cut_han(&run, &self.words) {
                    let word: String = run[a..b].iter().collect();
                    if self.search_mode {
                        // jieba's search mode: the 2- and 3-character words inside a longer word.
                        for width in [2usize, 3] {
                            if b - a > width {
                                for s in a..=(b - width) {
                                    let w: String = run[s..s + width].iter().collect();
                                    if self.words.df(&w) > 0 {
                                        push(&mut tokens, byte_end(start + s), byte_end(start + s + width), w, position);
                                    }
                                }
                            }
                        }
                    }
                    push(&mut tokens, byte_end(start + a), byte_end(start + b), word, position);
                    position += 1;
                }
            } else if is_word_char(c) {
                let start = k;
                while k < cs.len() && is_word_char(cs[k].1) {
                    k += 1;
                }
                let word: String = cs[start..k].iter().map(|(_, c)| *c).collect();
                push(&mut tokens, byte_end(start), byte_end(k), word, position);
                position += 1;
            } else {
                k += 1;
            }
        }
        super::analyzer::JiebaTokenStream::new(tokens)
    }
}
