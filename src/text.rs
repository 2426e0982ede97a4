//! Small text utilities shared by the parser, the tagger and the analyzer: width folding, Chinese
//! numerals, character classes.
//!
//! Folding maps one char to one char, so char positions in folded text are positions in the original.

use std::sync::OnceLock;

/// Folds one char: full-width ASCII (！…～) to half width, the ideographic space to a space.
/// Chinese punctuation that has no ASCII twin (、。（）“”) is kept, except full-width parentheses,
/// which stay as they are too: markers match both forms explicitly.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' if c != '\u{FF08}' && c != '\u{FF09}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => c,
    }
}

/// Traditional characters mapped to simplified ones (預算 → 预算), one char for one char, so char
/// positions are kept. Text without any traditional character comes back unchanged.
pub fn simplified(s: &str) -> String {
    if nothing_to_simplify(s) {
        return s.to_string();
    }
    fast2s::convert(s)
}

/// True when `s` certainly holds no char fast2s would change, found by the bit table: used for a
/// long text, and once the table exists (built for the first long text) for a short one too (a
/// problem statement is short, and most have nothing to convert); false when not looked at.
fn nothing_to_simplify(s: &str) -> bool {
    (s.len() >= LONG || CONVERTIBLE.get().is_some()) && !s.chars().any(may_simplify)
}

/// From this length (bytes) a text is first scanned for chars that may change: a short text (a
/// query) is converted directly, so that a process that reads only short texts never builds the
/// bit table.
const LONG: usize = 256;

/// Could fast2s change this char (in some context)? Most text has no such char, and the test is a
/// bit lookup where a conversion costs hash lookups per char.
fn may_simplify(c: char) -> bool {
    let n = c as usize;
    (0x800..0x10000).contains(&n) && CONVERTIBLE.get_or_init(convertible)[n / 64] & (1 << (n % 64)) != 0
}

/// The chars `may_simplify` is true of, one bit each (built on first use).
static CONVERTIBLE: OnceLock<Vec<u64>> = OnceLock::new();

fn convertible() -> Vec<u64> {
    // fast2s converts only chars of three UTF-8 bytes; the second list are chars it converts only
    // beside certain neighbours, which a conversion of the char alone does not show.
    let mut bits = vec![0u64; 0x10000 / 64];
    let alone = (0x800u32..0x10000).filter_map(char::from_u32).filter(|&c| fast2s::convert(&c.to_string()) != c.to_string());
    for c in alone.chain(['藉', '著', '苧', '闔', '鍾', '讎', '畫', '兒', '覆', '夥', '瞭', '麽', '幺', '於', '乾']) {
        bits[c as usize / 64] |= 1 << (c as usize % 64);
    }
    bits
}

/// True when a text is written in traditional characters: at least 2% of its Chinese characters
/// (and at least five) change when simplified.
pub fn is_traditional(s: &str) -> bool {
    // Most reports hold no char that simplifies: no copy to compare with then.
    if nothing_to_simplify(s) {
        return false;
    }
    let mut han = 0usize;
    let mut changed = 0usize;
    let conv = simplified(s);
    for (a, b) in s.chars().zip(conv.chars()) {
        if is_han(a) {
            han += 1;
            changed += usize::from(a != b);
        }
    }
    changed >= 5 && changed * 50 >= han
}

/// Zero-width and other invisible format characters, and combining marks: inside a word they
/// would split it, so the index and queries drop them.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{0300}'..='\u{036F}' | '\u{FE00}'..='\u{FE0F}')
}

/// A full-width char jieba would read differently folded: one that becomes a letter, a digit or
/// a char jieba keeps inside words (`+#&._%-`). Other full-width punctuation ("，" → ",") is a
/// one-char token dropped either way, so a text holding only such chars is left as it is.
fn folds_into_a_word(c: char) -> bool {
    let f = fold_char(c);
    f != c && f.is_ascii() && (f.is_ascii_alphanumeric() || matches!(f, '+' | '#' | '&' | '.' | '_' | '%' | '-'))
}

/// The form in which text is segmented for the index: width folded, traditional characters
/// simplified, invisible characters dropped. `None` when jieba would cut the text as it is the
/// same way (see `folds_into_a_word`); otherwise the normalised text and, for each of its bytes
/// (and its end), the byte offset in the original.
pub fn index_form(text: &str) -> Option<(String, Vec<usize>)> {
    // Once the bit table exists (a writer builds it on its first long text), short texts are
    // scanned with it too.
    if (text.len() >= LONG || CONVERTIBLE.get().is_some()) && !text.chars().any(|c| may_simplify(c) || folds_into_a_word(c) || is_invisible(c)) {
        return None;
    }
    let simplified = simplified(text);
    let changes = simplified.chars().zip(text.chars()).any(|(s, c)| s != c || folds_into_a_word(s) || is_invisible(c));
    if !changes {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut back = Vec::with_capacity(text.len() + 1);
    for ((i, c), s) in text.char_indices().zip(simplified.chars()) {
        if is_invisible(c) {
            continue;
        }
        let f = fold_char(s);
        for _ in 0..f.len_utf8() {
            back.push(i);
        }
        out.push(f);
    }
    back.push(text.len());
    Some((out, back))
}

/// `fold_char` over a string.
pub fn fold(s: &str) -> String {
    fold_text(s, false)
}

/// Folded, with all whitespace removed: the form in which patterns are matched.
pub fn squeeze(s: &str) -> String {
    fold_text(s, true)
}

/// `fold` or `squeeze` copying unchanged runs whole: every report line passes through them, and
/// most of their chars stay as they are. The scan steps from char to char by the width its first
/// UTF-8 byte gives; only chars that may fold or be whitespace are decoded: ASCII whitespace, and
/// by their first two bytes U+0080..U+00BF (C2), U+1680..U+16BF (E1 9A), U+2000..U+207F (E2 80,
/// E2 81), U+3000 (E3 80 80) and U+FF00..U+FF7F (EF BC, EF BD). The common Chinese characters and
/// punctuation (、。“” …) are passed over.
fn fold_text(s: &str, squeeze: bool) -> String {
    let bytes = s.as_bytes();
    let next = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    let (mut run, mut i) = (0, 0);
    while let Some(&lead) = bytes.get(i) {
        let (special, width) = match lead {
            0x00..=0x7F => (squeeze && (lead.is_ascii_whitespace() || lead == 0x0B), 1),
            0xC2 => (true, 2),
            0xE1 => (next(i + 1) == 0x9A, 3),
            0xE2 => (matches!(next(i + 1), 0x80 | 0x81), 3),
            0xE3 => (next(i + 1) == 0x80 && next(i + 2) == 0x80, 3),
            0xEF => (matches!(next(i + 1), 0xBC | 0xBD), 3),
            0xC0..=0xDF => (false, 2),
            0xE0..=0xEF => (false, 3),
            // 4-byte chars; a continuation byte is never reached from a char's first byte.
            _ => (false, 4),
        };
        if !special {
            i += width;
            continue;
        }
        let Some(c) = s[i..].chars().next() else { break };
        let f = fold_char(c);
        let dropped = squeeze && f.is_whitespace();
        if f != c || dropped {
            out.push_str(&s[run..i]);
            if !dropped {
                out.push(f);
            }
            run = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    out.push_str(&s[run..]);
    out
}

/// The text without the pinyin that mirror and accessibility pages put after each character
/// ("項(xiàng)目(mù)"), which splits every name and field; `None` when the text has no such run (at
/// least five annotations, so that an ordinary "(a)" after a character stays).
pub fn without_pinyin(text: &str) -> Option<String> {
    /// The vowels with tone marks, and ü.
    const TONED: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü";
    static PINYIN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(&format!(r"(\p{{Han}})[（(]\s*[a-zA-Z{TONED}]{{1,6}}[1-5]?\s*[)）]")).expect("pinyin pattern")
    });
    // Cheap first: five parentheses that open on a Latin letter, before the pattern runs.
    let opens_on_letter = text
        .match_indices(['(', '（'])
        .filter(|(i, p)| text[i + p.len()..].chars().next().is_some_and(|c| c.is_ascii_alphabetic() || TONED.contains(c)))
        .take(5)
        .count();
    if opens_on_letter < 5 || PINYIN.find_iter(text).take(5).count() < 5 {
        return None;
    }
    Some(PINYIN.replace_all(text, "$1").into_owned())
}

/// True for a Chinese character (CJK unified ideographs, extension A, compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Sentence-final punctuation: a paragraph ending in one of these is complete.
pub fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '…' | '：' | ':')
}

/// Punctuation that closes a sentence-final quote or bracket: `。”` still ends the sentence.
pub fn is_closing(c: char) -> bool {
    matches!(c, '”' | '’' | '"' | '\'' | '）' | ')' | '】' | '》' | '」' | '』')
}

/// True when `s` ends a sentence (ignoring closing quotes and brackets).
pub fn ends_sentence(s: &str) -> bool {
    s.trim_end().chars().rev().find(|c| !is_closing(*c)).is_some_and(is_sentence_end)
}

/// Value of a Chinese numeral up to 99 (一 … 九十九), also 〇/零 and 两.
pub fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '〇' | '零' => 0,
            '一' | '壹' => 1,
            '二' | '贰' | '两' => 2,
            '三' | '叁' => 3,
            '四' | '肆' => 4,
            '五' | '伍' => 5,
            '六' | '陆' => 6,
            '七' | '柒' => 7,
            '八' | '捌' => 8,
            '九' | '玖' => 9,
            _ => return None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [] => None,
        [c] if *c == '十' || *c == '拾' => Some(10),
        [c] => digit(*c),
        [t, u] if *t == '十' || *t == '拾' => Some(10 + digit(*u)?),
        [d, t] if *t == '十' || *t == '拾' => Some(digit(*d)? * 10),
        [d, t, u] if *t == '十' || *t == '拾' => Some(digit(*d)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// The first `n` chars of `s`.
pub fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Counts chars of `s` that are Han ideographs.
pub fn han_count(s: &str) -> usize {
    s.chars().filter(|c| is_han(*c)).count()
}

/// Ordered by word, so that sums over a vector add in one order and give the same float every run
/// (a hash map's order changes from run to run, and with it the last bits of a cosine and the order
/// of near-equal hits).
pub type Vector = std::collections::BTreeMap<String, f32>;

/// The cosine of two sparse vectors.
pub fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f32 = small.iter().filter_map(|(k, x)| large.get(k).map(|y| x * y)).sum();
    let na: f32 = a.values().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.values().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Character bigrams of a text's Chinese words, with counts: what a rewording keeps when jieba
/// cuts it differently (资金沉淀 / 沉淀资金 share 资金 and 沉淀). Figures, Latin letters and
/// punctuation are left out, and a bigram does not run over punctuation.
pub fn bigrams(text: &str) -> Vector {
    let mut v = Vector::new();
    let mut prev: Option<char> = None;
    for c in text.chars().map(fold_char) {
        if !is_han(c) {
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            *v.entry([p, c].iter().collect()).or_insert(0.0) += 1.0;
        }
        prev = Some(c);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_after_characters_is_removed_where_a_page_annotates_them() {
        let page = "项(xiàng)目(mù)资(zī)金(jīn)使(shǐ)用(yòng)不规范（一）部分预算执行率偏低(a)";
        assert_eq!(without_pinyin(page).as_deref(), Some("项目资金使用不规范（一）部分预算执行率偏低"));
        // A lone annotation or a letter in parentheses is left alone.
        assert_eq!(without_pinyin("政府和社会资本合作(ppp)项目，详见附件(a)"), None);
    }

    #[test]
    fn fold_and_squeeze_agree_with_their_char_by_char_definition_on_every_char() {
        let by_char = |s: &str, squeeze: bool| -> String { s.chars().map(fold_char).filter(|c| !squeeze || !c.is_whitespace()).collect() };
        let mut changed = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = format!("预{c}算{c}{c}");
            assert_eq!(fold(&s), by_char(&s, false), "fold of U+{:04X}", c as u32);
            assert_eq!(squeeze(&s), by_char(&s, true), "squeeze of U+{:04X}", c as u32);
            changed += usize::from(squeeze(&s) != s);
        }
        // The folded letters and digits, the space kinds: about a hundred chars change.
        assert!(changed > 100, "{changed}");
        let mixed = " 政府采购执行率\u{3000}仅为ＡＢＣ　５７．２％\n\u{a0}，\t（一）\u{2029}";
        assert_eq!(squeeze(mixed), by_char(mixed, true));
        assert_eq!(fold(mixed), by_char(mixed, false));
    }

    #[test]
    fn the_shortcut_for_long_texts_gives_what_fast2s_gives() {
        // Chars fast2s converts alone, only beside certain neighbours, or keeps beside others.
        let words = ["預算執行率", "部門整體支出", "憑藉", "藉口", "看著", "計畫", "企畫", "兒寬", "批覆", "乾隆", "苧麻", "校讎", "於是", "预算执行率"];
        for w in words {
            // Long enough for the shortcut, with the word at the start, the middle and the end.
            let long = format!("{w}{}{w}{}{w}", "绩效自评报告".repeat(20), "。".repeat(30));
            assert!(long.len() >= LONG);
            assert_eq!(simplified(&long), fast2s::convert(&long), "{w}");
            assert_eq!(index_form(&long).map(|(t, _)| t), index_form_reference(&long), "{w}");
        }
    }

    /// `index_form` without the shortcut.
    fn index_form_reference(text: &str) -> Option<String> {
        let simplified = fast2s::convert(text);
        let changes = simplified.chars().zip(text.chars()).any(|(s, c)| fold_char(s) != c || is_invisible(c));
        changes.then(|| simplified.chars().zip(text.chars()).filter(|(_, c)| !is_invisible(*c)).map(|(s, _)| fold_char(s)).collect())
    }

    #[test]
    fn folds_full_width_but_keeps_chinese_punctuation() {
        assert_eq!(fold("１．ＡＢ（一）、。"), "1.AB（一）、。");
        assert_eq!(squeeze(" 采购执行率仅 24.48% "), "采购执行率仅24.48%");
    }

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number("七"), Some(7));
        assert_eq!(chinese_number("十"), Some(10));
        assert_eq!(chinese_number("十二"), Some(12));
        assert_eq!(chinese_number("二十"), Some(20));
        assert_eq!(chinese_number("二十三"), Some(23));
        assert_eq!(chinese_number("是"), None);
    }

    #[test]
    fn sentence_ends_look_past_closing_quotes() {
        assert!(ends_sentence("评价等级为“良”。"));
        assert!(ends_sentence("主要职责是："));
        assert!(!ends_sentence("分别为办公室、"));
        assert!(!ends_sentence("评价等级为“良”"));
    }
}
