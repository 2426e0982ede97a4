//! Problem statements: a problem section split into the problems it states, one by one.
//!
//! A problem section often names several problems ("一是……；二是……", numbered items, one sentence
//! each), and a paragraph can name a topic in one clause and the weakness in another. Themes and
//! figures belong to a statement, so that a problem row shows the statement itself and a figure is
//! the one that measures that problem.

use regex::Regex;
use std::sync::LazyLock;

fn re(p: &str) -> Regex {
    Regex::new(p).expect("statement pattern")
}

/// Where an enumerated item starts inside a paragraph: 一是, 其二, 第三，, （四）, (5), 6., 7、, ⑧.
static ITEM_START: LazyLock<Regex> = LazyLock::new(|| {
    re(r"[一二三四五六七八九十]+是|其[一二三四五六七八九十][，,、]|第[一二三四五六七八九十]+[，,、]|[（(][一二三四五六七八九十\d]{1,3}[)）]|(?:^|[^\d.])\d{1,2}[.．、](?:[^\d]|$)|[①-⑳]")
});

/// An enumeration marker at the start of a statement (for measure detection and display).
pub static LEADING_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}(?:\.\d{1,2})*[.．、)）]?|[一二三四五六七八九十]+是|其[一二三四五六七八九十]|第[一二三四五六七八九十]+|[①-⑳])[、，,.．:：\s]*")
});

fn han_count(s: &str) -> usize {
    s.chars().filter(|c| crate::text::is_han(*c)).count()
}

/// Splits problem text into statements: paragraphs, then enumerated items, then sentences and the
/// parts of a sentence joined by "；". Fragments of fewer than four Chinese characters stay with
/// the statement before them.
pub fn split(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for para in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // Cut points: after sentence ends and semicolons, and before an item marker that follows
        // punctuation (or opens the paragraph).
        let mut cuts = vec![0usize];
        let mut prev: Option<char> = None;
        for (i, c) in para.char_indices() {
            if matches!(prev, Some('。' | '；' | ';' | '！' | '？' | '!' | '?')) && !crate::text::is_closing(c) {
                cuts.push(i);
            }
            prev = Some(c);
        }
        for m in ITEM_START.find_iter(para) {
            let mut start = m.start();
            // The pattern may have taken the char before a number ("，1."): start at the digit.
            if let Some(c) = para[start..].chars().next() {
                if !c.is_ascii_digit() && m.as_str().chars().nth(1).is_some_and(|d| d.is_ascii_digit()) {
                    start += c.len_utf8();
                }
            }
            let before = para[..start].chars().next_back();
            if start > 0 && before.is_some_and(|b| matches!(b, '，' | ',' | '：' | ':' | '。' | '；' | ';' | '、')) {
                cuts.push(start);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts.push(para.len());
        for w in cuts.windows(2) {
            let piece = para[w[0]..w[1]].trim();
            if piece.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if han_count(piece) < 4 && w[0] > 0 => last.push_str(piece),
                _ => out.push(piece.to_string()),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_sentences_and_semicolons_become_statements() {
        let t = "主要存在以下问题：一是专项资金拨付偏慢，影响项目推进；二是部分项目绩效目标较为笼统。\n3.固定资产台账登记不完整。部分设备未贴标签。";
        assert_eq!(
            split(t),
            vec![
                "主要存在以下问题：",
                "一是专项资金拨付偏慢，影响项目推进；",
                "二是部分项目绩效目标较为笼统。",
                "3.固定资产台账登记不完整。",
                "部分设备未贴标签。"
            ]
        );
    }

    #[test]
    fn decimals_and_short_tails_do_not_split() {
        assert_eq!(split("执行率为87.5%，低于序时进度。等。"), vec!["执行率为87.5%，低于序时进度。等。"]);
        assert_eq!(split("（一）预算编制不细；（二）目标不清。"), vec!["（一）预算编制不细；", "（二）目标不清。"]);
    }
}
