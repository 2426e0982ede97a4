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
/// The name of the search-mode analyzer.
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
    /// A tokenizer with jieba's dictionary and the user's (`search_mode`: sub-words too).
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
    /// A stream over tokens already cut.
    pub fn new(tokens: Vec<Token>) -> Self {
        JiebaTokenStream { tokens, index: 0 }
    }
}

fn keep(word: &str) -> bool {
    // Most tokens start with a common Chinese character (every one of U+4E00..U+9FFF is a letter)
    // or an ASCII one, or are one common punctuation mark: the Unicode tables are for the rest.
    if matches!(word, "，" | "。" | "、" | "；" | "：" | "（" | "）" | "“" | "”" | "《" | "》" | "％") {
        return false;
    }
    word.chars().any(|c| matches!(c, '\u{4E00}'..='\u{9FFF}') || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric()))
}

/// Folded and lowercased token text.
#[cfg(test)]
fn normalize(word: &str) -> String {
    let mut out = String::new();
    normalize_into(&mut out, word);
    out
}

/// Appends the folded and lowercased `word` to `out`.
fn normalize_into(out: &mut String, word: &str) {
    // Most tokens are all Chinese or all ASCII: neither needs the general per-char case mapping.
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else if word.chars().all(crate::text::is_han) {
        out.push_str(word);
    } else {
        out.extend(word.chars().map(fold_char).flat_map(char::to_lowercase));
    }
}

/// A token of a cut: its text is a range of the cut's `texts` (one buffer for all the tokens of a
/// text, not a string each), its offsets are in the original text.
#[derive(Debug, Clone, Copy)]
struct Tok {
    from: usize,
    to: usize,
    position: usize,
    text: (usize, usize),
}

/// One jieba pass gives both modes: search mode emits each word of the precise cut after the
/// sub-words inside it. Tokens are normalised, with offsets in the original text; `precise` marks
/// the words of the precise cut.
struct Cut {
    texts: String,
    toks: Vec<Tok>,
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
    let mut out = Cut { texts: String::with_capacity(folded.len() * 2), toks: Vec::with_capacity(words.len()), precise: Vec::with_capacity(words.len()) };
    for (t, p) in words.iter().zip(precise) {
        if !keep(t.word) {
            continue;
        }
        let start = out.texts.len();
        normalize_into(&mut out.texts, t.word);
        out.toks.push(Tok {
            from: to_original(t.byte_start),
            to: to_original(t.byte_end),
            // The char offset in the folded text for now (see `positions`).
            position: t.start,
            text: (start, out.texts.len()),
        });
        out.precise.push(p);
    }
    out
}

/// Precise mode: one position per word. Search mode: the sub-words of a word share its position
/// when they start where it starts, the next position otherwise (the search field keeps no
/// positions; they only need to be consistent).
fn positions(tokens: &mut [Tok], search_mode: bool) {
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

/// The search-mode tokens of a text cut in precise mode, kept for its search field.
struct Cached {
    text: String,
    texts: Arc<str>,
    toks: Vec<Tok>,
}

thread_local! {
    /// The last text cut in precise mode on this thread and its search-mode tokens. A section's
    /// text is indexed in precise mode, then in search mode after its heading and a newline (the
    /// fields are analysed in that order, on one thread): the second pass reuses the first.
    static LAST_CUT: std::cell::RefCell<Option<Cached>> = const { std::cell::RefCell::new(None) };
}

impl JiebaTokenizer {
    fn precise_tokens(&self, text: &str) -> CutStream {
        let Cut { texts, toks, precise } = cut(text, &self.userdict);
        let texts: Arc<str> = texts.into();
        let mut words: Vec<Tok> = toks.iter().zip(&precise).filter(|(_, p)| **p).map(|(t, _)| *t).collect();
        positions(&mut words, false);
        let mut search = toks;
        positions(&mut search, true);
        LAST_CUT.with(|c| *c.borrow_mut() = Some(Cached { text: text.to_string(), texts: texts.clone(), toks: search }));
        CutStream::new(texts, words)
    }

    fn search_tokens(&self, text: &str) -> CutStream {
        // "heading\ntext" after "text" was cut: the newline separates the two in jieba's cut as well.
        // Taken, not copied: it is reused once.
        let reused = LAST_CUT.with(|c| {
            let cached = c.borrow_mut().take()?;
            let head = text.strip_suffix(cached.text.as_str()).filter(|h| h.ends_with('\n'))?;
            let Cut { mut texts, toks: mut out, .. } = cut(head, &self.userdict);
            positions(&mut out, true);
            let next = out.last().map_or(0, |t| t.position + 1);
            let shift = texts.len();
            texts.push_str(&cached.texts);
            out.extend(cached.toks.iter().map(|t| Tok {
                from: t.from + head.len(),
                to: t.to + head.len(),
                position: t.position + next,
                text: (t.text.0 + shift, t.text.1 + shift),
            }));
            Some(CutStream::new(texts.into(), out))
        });
        reused.unwrap_or_else(|| {
            let Cut { texts, mut toks, .. } = cut(text, &self.userdict);
            positions(&mut toks, true);
            CutStream::new(texts.into(), toks)
        })
    }
}

/// The tokens of one cut, handed out through one reused `Token`.
pub struct CutStream {
    texts: Arc<str>,
    toks: Vec<Tok>,
    index: usize,
    token: Token,
}

impl CutStream {
    fn new(texts: Arc<str>, toks: Vec<Tok>) -> CutStream {
        CutStream { texts, toks, index: 0, token: Token::default() }
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = CutStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CutStream {
        if self.search_mode {
            self.search_tokens(text)
        } else {
            self.precise_tokens(text)
        }
    }
}

impl TokenStream for CutStream {
    fn advance(&mut self) -> bool {
        let Some(t) = self.toks.get(self.index) else { return false };
        self.index += 1;
        let token = &mut self.token;
        token.offset_from = t.from;
        token.offset_to = t.to;
        token.position = t.position;
        token.position_length = 1;
        token.text.clear();
        token.text.push_str(&self.texts[t.text.0..t.text.1]);
        true
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
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

/// The analyzer for Chinese text: jieba with the user dictionary (`search_mode`: sub-words too).
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
        crate::schema::Domain::builtin().unwrap().userdict
    }

    #[test]
    fn the_common_chinese_characters_are_alphanumeric() {
        assert!(('\u{4E00}'..='\u{9FFF}').all(char::is_alphanumeric));
        assert!(!keep("，") && !keep(" ") && keep("a") && keep("预算") && keep("Ⅱ") && keep("〇"));
        for p in ["，", "。", "、", "；", "：", "（", "）", "“", "”", "《", "》", "％"] {
            assert!(!p.chars().any(char::is_alphanumeric), "{p}");
        }
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
