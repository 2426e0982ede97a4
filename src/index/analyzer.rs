//! The Chinese analyzer: jieba segmentation plus the filter chain (drop whitespace and punctuation
//! tokens, fold full-width letters and digits, lowercase).
//!
//! Two modes over one dictionary: `precise` (jieba's default cut, no HMM, positions counted over the
//! kept tokens, so phrases match across dropped punctuation) for phrases and snippets, and `search`
//! (jieba's search mode, overlapping sub-words) for recall. HMM is off: it makes segmentation depend
//! on context and phrase matching unstable.
//!
//! Why not `tantivy_jieba::JiebaTokenizer` itself: with a custom dictionary it owns the `Jieba` by
//! value and every analyzer clone (tantivy clones per segment writer and per query) copies the whole
//! dictionary. This tokenizer shares one `Arc<Jieba>`; it uses the `jieba_rs` that tantivy-jieba
//! re-exports, so the versions stay in step.

use crate::text::fold_char;
use std::io::BufReader;
use std::sync::{Arc, OnceLock};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::jieba_rs::{Jieba, TokenizeMode};

/// Names under which the analyzers are registered in the index.
pub const PRECISE: &str = "jixiao_precise";
pub const SEARCH: &str = "jixiao_search";
/// Bumped whenever tokenization changes in a way that makes an existing index unreadable.
/// 2: traditional characters folded to simplified, invisible characters dropped; the id_key field.
pub const ANALYZER_VERSION: u32 = 2;

/// Loads jieba's dictionary with the user dictionary added. Loaded once per process.
pub fn jieba(userdict: &str) -> Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA
        .get_or_init(|| {
            let mut j = Jieba::new();
            let entries: String = userdict
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            // A malformed user dictionary line is skipped by jieba's loader returning an error for the
            // whole file; fall back to adding words one by one so one bad line costs only itself.
            if j.load_dict(&mut BufReader::new(entries.as_bytes())).is_err() {
                for l in entries.lines() {
                    let mut parts = l.split_whitespace();
                    if let Some(word) = parts.next() {
                        let freq = parts.next().and_then(|f| f.parse().ok());
                        j.add_word(word, freq, parts.next());
                    }
                }
            }
            Arc::new(j)
        })
        .clone()
}

/// Jieba with the user dictionary; the dictionary is loaded on the first text segmented, so
/// commands that never segment anything never pay for it.
#[derive(Clone)]
pub struct JiebaTokenizer {
    userdict: Arc<str>,
    search_mode: bool,
}

impl JiebaTokenizer {
    pub fn new(userdict: &str, search_mode: bool) -> Self {
        JiebaTokenizer { userdict: userdict.into(), search_mode }
    }
}

/// Tokens of one text, already filtered.
pub struct JiebaTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl JiebaTokenStream {
    pub fn new(tokens: Vec<Token>) -> Self {
        JiebaTokenStream { tokens, index: 0 }
    }
}

fn keep(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric())
}

/// Folded and lowercased token text.
fn normalize(word: &str) -> String {
    // Most tokens are all Chinese or all ASCII: neither needs the general per-char case mapping.
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    if word.chars().all(crate::text::is_han) {
        return word.to_string();
    }
    word.chars().map(fold_char).flat_map(char::to_lowercase).collect()
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        // Jieba cuts full-width letters one by one and does not know traditional characters, and
        // an invisible char (zero-width space, combining mark) splits a word: segment the
        // normalised text and map offsets back to the original.
        let (folded, back): (std::borrow::Cow<str>, Option<Vec<usize>>) = match crate::text::index_form(text) {
            Some((f, back)) => (f.into(), Some(back)),
            None => (text.into(), None),
        };
        let to_original = |at: usize| back.as_ref().map_or(at, |b| b[at]);
        let mode = if self.search_mode { TokenizeMode::Search } else { TokenizeMode::Default };
        let mut tokens = Vec::new();
        let mut ordinal = 0usize;
        let mut last_start = usize::MAX;
        let jieba = jieba(&self.userdict);
        for t in jieba.tokenize(&folded, mode, false) {
            if !keep(t.word) {
                continue;
            }
            let from = t.word.as_ptr() as usize - folded.as_ptr() as usize;
            // In search mode the sub-words of a word share its position.
            if !self.search_mode || t.start != last_start {
                if last_start != usize::MAX {
                    ordinal += 1;
                }
                last_start = t.start;
            }
            tokens.push(Token {
                offset_from: to_original(from),
                offset_to: to_original(from + t.word.len()),
                position: ordinal,
                text: normalize(t.word),
                position_length: 1,
            });
        }
        JiebaTokenStream { tokens, index: 0 }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

pub fn analyzer(userdict: &str, search_mode: bool) -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new(userdict, search_mode)).build()
}

/// The words of `text` as the analyzer indexes them.
pub fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jb() -> String {
        crate::domain::Domain::builtin().unwrap().userdict
    }

    #[test]
    fn user_dictionary_terms_are_single_tokens() {
        let mut a = analyzer(&jb(), false);
        assert_eq!(words(&mut a, "政府采购执行率偏低"), vec!["政府采购执行率", "偏低"]);
    }

    #[test]
    fn punctuation_and_spaces_are_dropped_and_width_folded() {
        let mut a = analyzer(&jb(), false);
        let w = words(&mut a, "“三公”经费， ＡＢＣ １２３。");
        assert!(!w.iter().any(|t| t.chars().all(|c| !c.is_alphanumeric())), "{w:?}");
        assert!(w.contains(&"abc".to_string()) && w.contains(&"123".to_string()), "{w:?}");
    }

    #[test]
    fn figures_split_at_punctuation_as_jieba_does() {
        let mut a = analyzer(&jb(), false);
        assert_eq!(words(&mut a, "执行率为57.2%"), vec!["执行率", "为", "57", "2"]);
    }

    #[test]
    fn offsets_are_byte_offsets_on_char_boundaries() {
        let text = "一、预算执行率为８７．６２％，ＡＢＣ";
        let mut a = analyzer(&jb(), true);
        let mut s = a.token_stream(text);
        while let Some(t) = s.next() {
            assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
            assert_eq!(normalize(&text[t.offset_from..t.offset_to]), t.text);
        }
    }
}
