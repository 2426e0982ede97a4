//! Line level: cleaning conversion noise and recognising numbering markers.
//!
//! A marker is the numbering at the start of a heading line: 一、 （一） 1. 1、 （1） ① 第一部分.
//! Recognition works on width-folded text, so １．and 1. are the same; what it reports points back
//! into the original line, so headings are kept as written.

use crate::text::{chinese_number, fold, fold_char};
use regex::Regex;
use std::sync::LazyLock;

/// The shape of a numbering marker. Shapes nest in the usual order (Part > CnNum > ParenCn > Arabic
/// > ParenArabic > Circled), but the parser decides nesting by list continuity, not by shape alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// 第一部分 / 第一章
    Part,
    /// 一、 一.
    CnNum,
    /// （一） (一)
    ParenCn,
    /// 1. 1、 1．
    Arabic,
    /// （1） (1)
    ParenArabic,
    /// 1） 1)
    ArabicParen,
    /// ① ②
    Circled,
}

impl Shape {
    /// The level the genre's numbering convention (GB/T 9704) gives the shape: 0 for 第一部分, then
    /// 一、 （一） 1. （1） and ①.
    pub fn rank(self) -> u8 {
        match self {
            Shape::Part => 0,
            Shape::CnNum => 1,
            Shape::ParenCn => 2,
            Shape::Arabic => 3,
            Shape::ParenArabic | Shape::ArabicParen => 4,
            Shape::Circled => 5,
        }
    }

    /// The shape a writer most likely meant when the number fits that list instead: '7、' among
    /// 六、/八、, '（2）' after '（一）'.
    pub fn twin(self) -> Option<Shape> {
        match self {
            Shape::CnNum => Some(Shape::Arabic),
            Shape::Arabic => Some(Shape::CnNum),
            Shape::ParenCn => Some(Shape::ParenArabic),
            Shape::ParenArabic => Some(Shape::ParenCn),
            _ => None,
        }
    }
}

/// How a marker is typed: its separator (、 . or a closing parenthesis) and whether a space follows.
/// One list is typed one way, so the style tells apart two lists that the next number would both
/// continue. Width is left out: real files mix （三） and (三) within one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub separator: Option<char>,
    pub space_after: bool,
}

impl Style {
    /// How many of the two traits two styles share.
    pub fn likeness(self, other: Style) -> u8 {
        u8::from(self.separator == other.separator) + u8::from(self.space_after == other.space_after)
    }
}

/// A recognised marker at the start of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub shape: Shape,
    pub number: u32,
    pub style: Style,
    /// The marker as written, without trailing spaces ("7、", "（一）").
    pub text: String,
    /// Byte offset in the original line where the marker starts (after a bullet, if any).
    pub start: usize,
    /// Byte offset in the original line where the text after the marker starts.
    pub end: usize,
}

static MARKERS: LazyLock<Vec<(Shape, Regex)>> = LazyLock::new(|| {
    const CN: &str = "[一二三四五六七八九十]{1,3}";
    let specs = [
        (Shape::Part, format!(r"^第\s*({CN}|\d{{1,2}})\s*(?:部分|章|篇)\s*[、.:：]?\s*")),
        (Shape::ParenCn, format!(r"^[（(]\s*({CN})\s*[)）]\s*[、.]?\s*")),
        (Shape::CnNum, format!(r"^({CN})\s*[、.]\s*")),
        (Shape::ParenArabic, r"^[（(]\s*(\d{1,2})\s*[)）]\s*[、.]?\s*".to_string()),
        (Shape::Arabic, r"^(\d{1,2})\s*[、.]\s*".to_string()),
        (Shape::ArabicParen, r"^(\d{1,2})\s*[)）]\s*".to_string()),
        (Shape::Circled, r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*".to_string()),
    ];
    specs.into_iter().map(|(s, p)| (s, Regex::new(&p).expect("marker pattern"))).collect()
});

static BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[-•·●▪■◆*]\s+").expect("bullet pattern"));

/// Byte offset in `orig` of the char at the same position as byte `folded_at` in `folded`.
fn back_to_original(orig: &str, folded: &str, folded_at: usize) -> usize {
    let n = folded[..folded_at].chars().count();
    orig.char_indices().nth(n).map(|(i, _)| i).unwrap_or(orig.len())
}

/// Whether a marker (or a bullet before one) may start with `c`: most lines are ruled out by
/// their first char, without folding them or trying the marker patterns.
fn may_start_marker(c: char) -> bool {
    let c = fold_char(c);
    c.is_ascii_digit()
        || matches!(c, '第' | '(' | '（' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '①'..='⑳')
        || matches!(c, '-' | '•' | '·' | '●' | '▪' | '■' | '◆' | '*')
}

/// Chars of a line folded to look for its marker. A match holds at most 8 chars besides
/// whitespace (a bullet, 第, three numerals, 部分, a separator): a match (or a try) that the cut
/// could change passes the 40th char, so more than 16 of them are whitespace; such a line is
/// looked at whole.
const MARKER_SPAN: usize = 40;

/// Recognises the numbering marker at the start of `line` (already trimmed).
pub fn marker(line: &str) -> Option<Marker> {
    if !line.chars().next().is_some_and(may_start_marker) {
        return None;
    }
    let head = line.char_indices().nth(MARKER_SPAN).map_or(line, |(i, _)| &line[..i]);
    let head = if head.chars().filter(|c| c.is_whitespace()).count() > 16 { line } else { head };
    marker_in(line, head)
}

/// `marker` looking only at `head`, the first chars of `line`.
fn marker_in(line: &str, head: &str) -> Option<Marker> {
    let folded = fold(head);
    let bullet_end = BULLET.find(&folded).map(|m| m.end()).unwrap_or(0);
    let body = &folded[bullet_end..];
    for (shape, re) in MARKERS.iter() {
        let Some(caps) = re.captures(body) else { continue };
        let whole = caps.get(0)?;
        let num_text = caps.get(1)?.as_str();
        let rest = &body[whole.end()..];
        let next = rest.chars().next().or_else(|| line[head.len()..].chars().next().map(fold_char));
        // "1.5万元", "2.3%" are figures, not markers.
        if matches!(shape, Shape::Arabic | Shape::CnNum) && next.is_some_and(|c| c.is_ascii_digit() || c == '%') {
            continue;
        }
        let number = match shape {
            Shape::Circled => num_text.chars().next().map(|c| c as u32 - '①' as u32 + 1)?,
            _ => num_text.parse().ok().or_else(|| chinese_number(num_text))?,
        };
        let start = back_to_original(line, &folded, bullet_end);
        let end = back_to_original(line, &folded, bullet_end + whole.end());
        let text = line[start..end].trim_end().to_string();
        let style = Style {
            separator: fold(&text).chars().rev().find(|c| matches!(c, '.' | '、' | ')' | '）')).map(|c| if c == '）' { ')' } else { c }),
            space_after: line[start..end].ends_with(|c: char| c.is_whitespace()),
        };
        return Some(Marker { shape: *shape, number, style, text, start, end });
    }
    None
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|\d{1,4}|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$")
        .expect("page pattern")
});

/// A line that is only a page number ("- 3 -", "第 3 页", "3/12").
pub fn is_page_number(line: &str) -> bool {
    // Page-number lines are short; most lines are not worth folding.
    line.len() <= 40 && has_digit(line) && PAGE_NUMBER.is_match(&fold(line))
}

/// Whether `line` has a char `\d` could match once folded (every page number has one): most short
/// lines are headings without any, and are not folded and matched. Chinese characters are passed
/// over by range (none is a digit), the rest by Unicode's numeric property (a superset of `\d`).
fn has_digit(line: &str) -> bool {
    line.chars().any(|c| c.is_ascii_digit() || (!c.is_ascii() && !crate::text::is_han(c) && c.is_numeric()))
}

static ARTIFACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(?:bookmark|image|img|figure|pagebreak)[^\]]{0,200}\]|\*\*").expect("artifact pattern"));

/// Removes conversion artifacts such as "[bookmark: _GoBack]" and markdown bold markers.
pub fn strip_artifacts(line: &str) -> std::borrow::Cow<'_, str> {
    // Every artifact holds '[' or '*': most lines have neither and are not searched.
    if !line.contains(['[', '*']) {
        return std::borrow::Cow::Borrowed(line);
    }
    ARTIFACT.replace_all(line, "")
}

static TOC_ENTRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\t|\s{2,}|[.．…·•\-—_]{2,})\s*\d{1,4}\s*$").expect("toc pattern"));

/// A table-of-contents entry: a heading followed by a tab or dot leader and a page number.
pub fn is_toc_entry(line: &str) -> bool {
    TOC_ENTRY.is_match(line)
}

/// A row of a table: tab-separated cells (from Word or PDF conversion).
pub fn is_table_row(line: &str) -> bool {
    line.contains('\t') && line.split('\t').filter(|c| !c.trim().is_empty()).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_char_that_folds_to_a_digit_counts_as_one() {
        let digit = Regex::new(r"\d").unwrap();
        let missed: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| digit.is_match(&fold(&c.to_string())) && !has_digit(&c.to_string())).collect();
        assert!(missed.is_empty(), "{missed:?}");
        assert!(!has_digit("部门基本情况") && has_digit("第３页") && has_digit("- 12 -"));
        assert!(!is_page_number("目录") && is_page_number("第３页") && is_page_number("- 12 -"));
    }

    fn m(line: &str) -> Option<(Shape, u32, String)> {
        marker(line).map(|m| (m.shape, m.number, m.text))
    }

    #[test]
    fn recognises_each_shape() {
        assert_eq!(m("一、部门基本情况"), Some((Shape::CnNum, 1, "一、".into())));
        assert_eq!(m("十二、其他"), Some((Shape::CnNum, 12, "十二、".into())));
        assert_eq!(m("（三）部门整体支出"), Some((Shape::ParenCn, 3, "（三）".into())));
        assert_eq!(m("(二) 履职效果情况:"), Some((Shape::ParenCn, 2, "(二)".into())));
        assert_eq!(m("1.预算编制。"), Some((Shape::Arabic, 1, "1.".into())));
        assert_eq!(m("2、人员编制"), Some((Shape::Arabic, 2, "2、".into())));
        assert_eq!(m("１．全角数字"), Some((Shape::Arabic, 1, "１．".into())));
        assert_eq!(m("7、 存在的问题"), Some((Shape::Arabic, 7, "7、".into())));
        assert_eq!(m("（2） 项目支出情况"), Some((Shape::ParenArabic, 2, "（2）".into())));
        assert_eq!(m("①第一项"), Some((Shape::Circled, 1, "①".into())));
        assert_eq!(m("第二部分 绩效分析"), Some((Shape::Part, 2, "第二部分".into())));
        assert_eq!(m("- 1、经济效益指标"), Some((Shape::Arabic, 1, "1、".into())));
    }

    #[test]
    fn figures_and_years_are_not_markers() {
        assert_eq!(m("1.5万元用于"), None);
        assert_eq!(m("1 .7月29日，通报表扬"), None);
        assert_eq!(m("2024 年，我局"), None);
        assert_eq!(m("(2023 年度)"), None);
        assert_eq!(m("一是加强管理"), None);
    }

    #[test]
    fn looking_at_the_first_chars_finds_what_the_whole_line_gives() {
        let pad = " ".repeat(30);
        let lines = [
            format!("第{pad}二部分 绩效分析"),
            format!("1.{pad}预算编制"),
            format!("（一）{}", "部门主要职能".repeat(10)),
            format!("十二{}、其他", " ".repeat(12)),
            format!("1{}.5万元", " ".repeat(38)),
            format!("{}1.5万元", "- ".repeat(20)),
            format!("①{}", "项".repeat(39)),
            format!("３．{}", "全角".repeat(30)),
        ];
        for line in lines.iter().map(String::as_str).chain(["一是加强管理", "1.5万元用于", "- 1、经济效益指标"]) {
            assert_eq!(marker(line), marker_in(line, line), "{line}");
        }
        // Every line of the samples and of generated reports.
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut texts: Vec<String> = std::fs::read_dir(&samples).unwrap().flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect();
        let domain = crate::schema::Domain::builtin().unwrap();
        texts.extend(crate::synth::Generator::new(7, domain.regions().unwrap()).generate(30).into_iter().map(|r| r.text));
        let (mut tried, mut found) = (0, 0);
        for line in texts.iter().flat_map(|t| t.lines()).map(str::trim) {
            let whole = marker_in(line, line);
            assert_eq!(marker(line), whole, "{line}");
            tried += 1;
            found += usize::from(whole.is_some());
        }
        assert!(tried > 1000 && found > 200, "{tried} lines, {found} markers");
    }

    #[test]
    fn marker_offsets_point_into_the_original_line() {
        let line = "（一）部门主要职能";
        let mk = marker(line).unwrap();
        assert_eq!(&line[mk.end..], "部门主要职能");
    }

    #[test]
    fn noise_lines() {
        assert!(is_page_number("- 3 -"));
        assert!(is_page_number("第 3 页 共 12 页"));
        assert!(is_page_number("12"));
        assert!(!is_page_number("2025 年"));
        assert_eq!(strip_artifacts("[bookmark: _GoBack]1.绩效"), "1.绩效");
        assert_eq!(strip_artifacts("一是**医养融合**。"), "一是医养融合。");
        assert!(is_toc_entry("一、部门基本情况\t1"));
        assert!(is_toc_entry("（二）年度总体工作……………… 12"));
        assert!(!is_toc_entry("本年度支出 12"));
        assert!(is_table_row("序号\t单位名称\t执行率"));
        assert!(!is_table_row("\t缩进的正文"));
    }
}
