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

/// One jieba pass gives both modes: search mode emits each word of the precise cut after the
/// sub-words inside it. Tokens are normalised, with offsets in the original text; `precise` marks
/// the words of the precise cut.
struct Cut {
    tokens: Vec<Token>,
    precise: Vec<bool>,
}

fn cut(text: &str, userdict: &str) -> Cut {
    // Jieba cuts full-width letters one by one and does not know traditional characters, and
    // an invisible char (zero-width space, combining mark) splits a word: segment the
    // normalised text and map offsets back to the original.
    let (folded, back): (std::borrow::Cow<str>, Option<Vec<usize>>) = match crate::text::index_form(text) {
        Some((f, back)) => (f.into(), Some(back)),
        None => (text.into(), None),
    };
    let to_original = |at: usize| back.as_ref().map_or(at, |b| b[at]);
    let words = jieba(userdict).tokenize(&folded, TokenizeMode::Search, false);
    // Walking back, a token inside the last precise word seen is one of its sub-words; the first
    // one outside it is the precise word before (precise words tile the text, sub-words are shorter).
    let mut precise = vec![false; words.len()];
    let mut word: Option<(usize, usize)> = None;
    for (i, t) in words.iter().enumerate().rev() {
        if !word.is_some_and(|(a, b)| a <= t.byte_start && t.byte_end <= b) {
            precise[i] = true;
            word = Some((t.byte_start, t.byte_end));
        }
    }
    let mut out = Cut { tokens: Vec::with_capacity(words.len()), precise: Vec::with_capacity(words.len()) };
    for (t, p) in words.iter().zip(precise) {
        if !keep(t.word) {
            continue;
        }
        out.tokens.push(Token {
            offset_from: to_original(t.byte_start),
            offset_to: to_original(t.byte_end),
            // The char offset in the folded text for now (see `positions`).
            position: t.start,
            text: normalize(t.word),
            position_length: 1,
        });
        out.precise.push(p);
    }
    out
}

/// Precise mode: one position per word. Search mode: the sub-words of a word share its position
/// when they start where it starts, the next position otherwise (the search field keeps no
/// positions; they only need to be consistent).
fn positions(tokens: &mut [Token], search_mode: bool) {
    let mut ordinal = 0;
    let mut last_start = usize::MAX;
    for t in tokens {
        if !search_mode || t.position != last_start {
            if last_start != usize::MAX {
                ordinal += 1;
            }
            last_start = t.position;
        }
        t.position = ordinal;
    }
}

thread_local! {
    /// The last text cut in precise mode on this thread and its search-mode tokens. A section's
    /// text is indexed in precise mode, then in search mode after its heading and a newline (the
    /// fields are analysed in that order, on one thread): the second pass reuses the first.
    static LAST_CUT: std::cell::RefCell<Option<(String, Vec<Token>)>> = const { std::cell::RefCell::new(None) };
}

impl JiebaTokenizer {
    fn precise_tokens(&self, text: &str) -> Vec<Token> {
        let Cut { tokens, precise } = cut(text, &self.userdict);
        let mut words: Vec<Token> = tokens.iter().zip(&precise).filter(|(_, p)| **p).map(|(t, _)| t.clone()).collect();
        positions(&mut words, false);
        let mut search = tokens;
        positions(&mut search, true);
        LAST_CUT.with(|c| *c.borrow_mut() = Some((text.to_string(), search)));
        words
    }

    fn search_tokens(&self, text: &str) -> Vec<Token> {
        // "heading\ntext" after "text" was cut: the newline separates the two in jieba's cut as well.
        // Taken, not copied: it is reused once.
        let reused = LAST_CUT.with(|c| {
            let (last, tokens) = c.borrow_mut().take()?;
            let head = text.strip_suffix(last.as_str()).filter(|h| h.ends_with('\n'))?;
            let mut out = cut(head, &self.userdict).tokens;
            positions(&mut out, true);
            let next = out.last().map_or(0, |t| t.position + 1);
            out.extend(tokens.into_iter().map(|t| Token {
                offset_from: t.offset_from + head.len(),
                offset_to: t.offset_to + head.len(),
                position: t.position + next,
                ..t
            }));
            Some(out)
        });
        reused.unwrap_or_else(|| {
            let mut tokens = cut(text, &self.userdict).tokens;
            positions(&mut tokens, true);
            tokens
        })
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        let tokens = if self.search_mode { self.search_tokens(text) } else { self.precise_tokens(text) };
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

    /// The tokens of one jieba pass in `mode`, as the analyzer made them before both modes shared
    /// a pass.
    /// Every text normalised in full (simplified, every full-width char folded, invisible chars
    /// dropped), as before `index_form` left texts whose cut it would not change.
    fn one_mode(text: &str, search_mode: bool) -> Vec<(String, usize, usize, usize)> {
        let (mut folded, mut back) = (String::new(), Vec::new());
        for ((i, c), s) in text.char_indices().zip(crate::text::simplified(text).chars()) {
            if !crate::text::is_invisible(c) {
                let f = fold_char(s);
                back.extend(std::iter::repeat_n(i, f.len_utf8()));
                folded.push(f);
            }
        }
        back.push(text.len());
        let back = |at: usize| back[at];
        let mode = if search_mode { TokenizeMode::Search } else { TokenizeMode::Default };
        let (mut out, mut ordinal, mut last_start) = (Vec::new(), 0, usize::MAX);
        for t in jieba(&jb()).tokenize(&folded, mode, false).into_iter().filter(|t| keep(t.word)) {
            if !search_mode || t.start != last_start {
                if last_start != usize::MAX {
                    ordinal += 1;
                }
                last_start = t.start;
            }
            out.push((normalize(t.word), back(t.byte_start), back(t.byte_end), ordinal));
        }
        out
    }

    fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while let Some(t) = s.next() {
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn one_pass_gives_both_modes_as_two_passes_did() {
        let texts: Vec<String> = crate::samples::SAMPLES
            .iter()
            .flat_map(|(_, b)| crate::parse::decode::decode(b).unwrap().text.lines().map(String::from).collect::<Vec<_>>())
            .chain(["ＷＥＳ-5.4.5版系統升級，政府采购执行率仅57.2%\u{200b}。", "绩效目标表\r", "", "执行率为５７．２％，①，Ａ级：良好　（一）"].map(String::from))
            .collect();
        let (mut precise, mut search) = (analyzer(&jb(), false), analyzer(&jb(), true));
        let mut reused = 0;
        for pair in texts.windows(2) {
            let (heading, text) = (&pair[0], &pair[1]);
            assert_eq!(tokens(&mut precise, text), one_mode(text, false), "precise: {text}");
            // The search field holds the heading, a newline and the text just cut in precise mode.
            let both = format!("{heading}\n{text}");
            assert_eq!(tokens(&mut search, &both), one_mode(&both, true), "search: {both}");
            reused += usize::from(!text.is_empty());
            // And without the text cut before.
            assert_eq!(tokens(&mut search, heading), one_mode(heading, true), "search: {heading}");
        }
        assert!(reused > 100, "{reused} texts");
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
