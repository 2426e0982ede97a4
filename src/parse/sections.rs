//! Text → tree of sections.
//!
//! Nesting follows the numbering sequences, not only the marker shapes: a list that restarts at
//! （一） inside a section nests in it; a number that continues an outer list closes the inner ones;
//! a skipped number is tolerated; a stray '7、' among 六、/八、 continues the list whose next number
//! it is. Hard line wraps are joined, page numbers and conversion artifacts dropped, a table of
//! contents and the cover block are kept out of the sections.

use super::lines::{self, Marker, Shape};
use crate::text::{ends_sentence, fold, han_count, squeeze};
use crate::schema::Units;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A section as the tree builder sees it, before categories and themes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSection {
    pub parent: Option<usize>,
    pub level: u8,
    pub kind: RawKind,
    /// Marker + title as written.
    pub heading: String,
    pub marker: Option<String>,
    /// The heading without its marker (a paragraph's label for labeled sections).
    pub title: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind {
    Preamble,
    Numbered,
    Unnumbered,
    Appendix,
    Whole,
}

/// The parsed layout of a report.
#[derive(Debug, Default)]
pub struct Layout {
    /// Lines before the first heading that are not prose: title, 部门名称, 填报日期…
    pub cover: Vec<String>,
    /// Sections in document order; parents come before their children.
    pub sections: Vec<RawSection>,
    /// True when the report had no heading at all and is kept as one section.
    pub headless: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Blank,
    Marker(Marker, String),
    Body(String),
    Table(String),
}

/// Short lines that stand next to a page-number line more than once: running headers and footers
/// of a converted document ("某某局绩效自评报告" at the top of every page).
fn running_lines(text: &str) -> std::collections::HashSet<String> {
    let lines: Vec<&str> = text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        if lines::is_page_number(l) {
            for n in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                if let Some(x) = lines.get(n) {
                    if x.chars().count() <= 40 && !lines::is_page_number(x) && lines::marker(x).is_none() && !ends_sentence(x) {
                        *counts.entry(x).or_insert(0) += 1;
                    }
                }
            }
        }
    }
    counts.into_iter().filter(|(_, c)| *c >= 2).map(|(l, _)| l.to_string()).collect()
}

/// Splits text into cleaned lines and classifies them. TOC lines, page numbers and running headers
/// are dropped.
fn items(text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut in_toc = false;
    let running = running_lines(text);
    for raw in text.split('\n') {
        let stripped = lines::strip_artifacts(raw.trim_end_matches('\r'));
        let line = stripped.trim_matches(|c: char| c == ' ' || c == '\u{3000}' || c == '\u{a0}' || c == '\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            out.push(Item::Blank);
            continue;
        }
        // Squeezed, a 目录 line is 目录; trimmed, it starts with 目 (squeezing only drops whitespace).
        if trimmed.starts_with('目') && matches!(squeeze(trimmed).as_str(), "目录" | "目次") {
            in_toc = true;
            continue;
        }
        if in_toc {
            if lines::is_toc_entry(trimmed) {
                continue;
            }
            in_toc = false;
        }
        if lines::is_page_number(trimmed) || running.contains(trimmed) {
            continue;
        }
        let mk = lines::marker(trimmed);
        // A heading followed by a page number, outside a 目录 block, is still a TOC entry.
        if mk.is_some() && lines::is_toc_entry(trimmed) && trimmed.contains('\t') {
            continue;
        }
        if lines::is_table_row(line) {
            out.push(Item::Table(line.trim().to_string()));
            continue;
        }
        let trimmed = trimmed.trim_start_matches('\t').to_string();
        match mk {
            Some(m) => out.push(Item::Marker(m, trimmed)),
            None => out.push(Item::Body(trimmed)),
        }
    }
    out
}

static CAPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(表|图|注|附注|单位|来源|数据来源|资料来源)\s*[\d一二三四五六七八九十:：\-]").expect("caption pattern")
});
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}|[〇零一二三四五六七八九]{4})\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?)?$").expect("date pattern")
});
static APPENDIX_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^附\s*(件|表|录)\s*(\d+|[一二三四五六七八九十]+)?\s*([:：]|\s|$)").expect("appendix pattern"));

/// A short line that can stand as an unnumbered heading ("自评结论", "部门整体支出目标及任务").
fn unnumbered_candidate(line: &str, units: &Units) -> bool {
    let chars = line.chars().count();
    if !(2..=30).contains(&chars) {
        return false;
    }
    if line.chars().any(|c| matches!(c, '。' | '，' | '；' | '：' | ',' | ';' | ':' | '！' | '？' | '!' | '?' | '“' | '”' | '"')) {
        return false;
    }
    let folded = fold(line);
    if folded.ends_with(|c: char| c.is_ascii_digit()) || CAPTION.is_match(&folded) || is_date_line(line) {
        return false;
    }
    if units.is_signature(&squeeze(line)) && chars <= 25 {
        return false;
    }
    han_count(line) * 2 >= chars
}

fn is_appendix_heading(line: &str) -> bool {
    // Folding leaves 附 as it is: other lines are not folded.
    line.starts_with('附') && APPENDIX_HEADING.is_match(&fold(line)) && line.chars().count() <= 80
}

/// A date alone on its line ("2024年3月", "二〇二四年"): at most 11 chars besides whitespace, so a
/// longer line is not squeezed to be matched.
fn is_date_line(line: &str) -> bool {
    line.chars().filter(|c| !c.is_whitespace()).nth(11).is_none() && DATE_LINE.is_match(&squeeze(line))
}

static SCORE_NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*\d+(\.\d+)?\s*分\s*[)）][。.]?$").expect("score note pattern"));

/// Splits the text after a marker into heading title and inline body.
///
/// "预算编制。指标分值18分……" → ("预算编制", "指标分值18分……"); a short text is all title; a long
/// list item without an early stop keeps its first clause as title and all its text as body.
fn split_inline(rest: &str) -> (String, String) {
    let rest = rest.trim();
    const MAX_TITLE: usize = 40;
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    for (n, (i, c)) in chars.iter().enumerate() {
        if n > MAX_TITLE {
            break;
        }
        if matches!(c, '。' | '：' | ':' | '；' | ';' | '！' | '？') {
            let title = rest[..*i].trim();
            let after = rest[i + c.len_utf8()..].trim();
            if title.is_empty() {
                break;
            }
            if after.is_empty() {
                return (title.to_string(), String::new());
            }
            // "预算调整率。（2分）": the score belongs to the heading.
            if SCORE_NOTE.is_match(&fold(after)) {
                return (format!("{title}{}", after.trim_end_matches(['。', '.'])), String::new());
            }
            return (title.to_string(), after.to_string());
        }
    }
    if chars.len() <= MAX_TITLE {
        return (rest.trim_end_matches(['。', '；', ';']).to_string(), String::new());
    }
    // A long list item: the first clause names it, the whole item is its text.
    let clause_end = chars
        .iter()
        .take(MAX_TITLE)
        .find(|(_, c)| matches!(c, '，' | ','))
        .map(|(i, _)| *i)
        .unwrap_or_else(|| chars.get(30).map(|(i, _)| *i).unwrap_or(rest.len()));
    (rest[..clause_end].to_string(), rest.to_string())
}

/// An open numbered section on the stack, with the list it belongs to.
/// Deepest nesting of numbered lists; real reports use four or five levels.
const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone, Copy)]
struct Frame {
    section: usize,
    shape: Option<Shape>,
    number: u32,
    /// How the list's first marker was typed.
    style: lines::Style,
}

struct Builder {
    sections: Vec<RawSection>,
    /// Marker shape and style of each section (none for unnumbered ones).
    styles: Vec<(Option<Shape>, lines::Style)>,
    /// The style of the first numbered section of each shape under each parent: the list's style.
    first_styles: HashMap<(Option<usize>, Shape), lines::Style>,
    stack: Vec<Frame>,
    /// The last top-level numbered frame, remembered across an appendix or unnumbered top-level heading
    /// so that the outer list can still continue after it.
    top_list: Option<Frame>,
    /// Whether the last thing added to the current section was a table row or a heading line, which
    /// a following line never continues.
    last_closed: bool,
}

impl Builder {
    fn current(&self) -> Option<usize> {
        self.stack.last().map(|f| f.section)
    }

    fn push_section(&mut self, parent: Option<usize>, kind: RawKind, heading: String, marker: Option<String>, title: String) -> usize {
        let level = parent.map(|p| self.sections[p].level + 1).unwrap_or(1);
        self.sections.push(RawSection { parent, level, kind, heading, marker, title, paragraphs: vec![] });
        self.styles.push((None, lines::Style::default()));
        self.last_closed = true;
        self.sections.len() - 1
    }

    fn add_body(&mut self, line: &str) {
        let Some(cur) = self.current() else { return };
        let last_closed = self.last_closed;
        let paras = &mut self.sections[cur].paragraphs;
        match paras.last_mut() {
            Some(last) if !last_closed && !ends_sentence(last) => {
                if last.ends_with(|c: char| c.is_ascii_alphanumeric()) && line.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    last.push(' ');
                }
                last.push_str(line);
            }
            _ => paras.push(line.to_string()),
        }
        self.last_closed = false;
    }

    fn add_table_row(&mut self, row: &str) {
        let Some(cur) = self.current() else { return };
        self.sections[cur].paragraphs.push(row.to_string());
        self.last_closed = true;
    }

    /// Places a numbered heading by list continuity.
    /// Places a numbered heading: by list continuity, then by the genre's numbering order (GB/T 9704:
    /// 第一部分 above 一、 above （一） above 1. above （1）): a part or 一、 heading never nests under an
    /// item of a lower kind, so a 四、 after a run of 3、 items (or a list restarted out of order)
    /// still closes them.
    fn place_marker(&mut self, mk: &Marker, heading: &str) -> (Option<usize>, usize) {
        let (parent, depth) = self.place_by_continuity(mk, heading);
        let rank = mk.shape.rank();
        if rank > Shape::CnNum.rank() {
            return (parent, depth);
        }
        // The outermost open item of a lower kind ends, and every item inside it; the heading then
        // continues its own list where one is open with a smaller number ("四、" after "一、"), or
        // starts one at that level.
        let Some(i) = self.stack[..depth].iter().position(|f| f.shape.is_some_and(|s| s.rank() > rank)) else {
            return (parent, depth);
        };
        let at = self.stack[..i].iter().rposition(|f| f.shape == Some(mk.shape) && f.number < mk.number).unwrap_or(i);
        (self.sections[self.stack[at].section].parent, at)
    }

    fn place_by_continuity(&mut self, mk: &Marker, heading: &str) -> (Option<usize>, usize) {
        let n = mk.number;
        let same = |f: &Frame| f.shape == Some(mk.shape);
        // '7、' among 六、/八、 continues the Chinese list; '2.' after '一、' is typed otherwise and
        // starts a list of its own (an excerpt of items that does not begin at 1).
        let twin = |f: &Frame| {
            f.shape.is_some()
                && f.shape == mk.shape.twin()
                && (matches!(mk.shape, Shape::ParenCn | Shape::ParenArabic) || f.style.separator == mk.style.separator)
        };
        let find = |pred: &dyn Fn(&Frame) -> bool| self.stack.iter().rposition(pred);
        // 1. the exact next number of an open list of the same shape, innermost first;
        // 2. a list of the same shape that skipped a number or two (not for a restart at 1);
        // 3. a restart at 1 nests under the current section;
        // 4. the next number of a list of the twin shape ('7、' after 六、);
        // 5. the remembered top-level list;
        // 6. any open list of the same shape with a smaller number;
        // 7. else a new list nested here.
        // When several open lists continue with this number ("5." after both "4. 主要绩效" and its
        // item "4."), the one typed like this marker wins; on a tie, the innermost.
        let exact = (0..self.stack.len())
            .rev()
            .filter(|i| same(&self.stack[*i]) && self.stack[*i].number + 1 == n)
            .max_by_key(|i| (self.stack[*i].style.likeness(mk.style), *i));
        let pos = exact.or_else(|| if n > 1 { find(&|f| same(f) && f.number < n && n <= f.number + 3) } else { None });
        let pos = match pos {
            Some(p) => Some(p),
            None if n <= 1 => None,
            None => find(&|f| twin(f) && f.number + 1 == n).or_else(|| {
                let top = self.top_list?;
                let fits = top.shape == Some(mk.shape) || top.shape == mk.shape.twin();
                let open = self.stack.iter().any(|f| f.section == top.section);
                (fits && !open && top.number < n && n <= top.number + 3).then_some(usize::MAX)
            }),
        };
        let pos = pos.or_else(|| if n > 1 { find(&|f| same(f) && f.number < n) } else { None });
        match pos {
            Some(usize::MAX) => {
                self.stack.clear();
                (None, 0)
            }
            Some(p) => {
                let parent = self.sections[self.stack[p].section].parent;
                self.stack.truncate(p);
                (parent, p)
            }
            None => {
                // A heading identical to an open one (marker and title) repeats it rather than
                // nesting below it, and no list nests deeper than MAX_DEPTH: repeated or stray
                // markers ("1.预算执行" 5,000 times) cannot build a tree thousands deep.
                let identical = self.stack.iter().rposition(|f| f.shape == Some(mk.shape) && f.number == mk.number && self.sections[f.section].heading == heading);
                let at = identical.or_else(|| (self.stack.len() >= MAX_DEPTH).then(|| self.stack.len() - 1));
                match at {
                    Some(p) => {
                        let parent = self.sections[self.stack[p].section].parent;
                        self.stack.truncate(p);
                        (parent, p)
                    }
                    None => (self.current(), self.stack.len()),
                }
            }
        }
    }

    fn open_marker(&mut self, mk: &Marker, line: &str) {
        let rest = &line[mk.end..];
        let (title, body) = split_inline(rest);
        // Marker and title as written, with the space between them if there was one ("7、 存在的问题").
        let heading = format!("{}{}", &line[mk.start..mk.end], title).trim().to_string();
        let (parent, depth) = self.place_marker(mk, &heading);
        self.stack.truncate(depth);
        let idx = self.push_section(parent, RawKind::Numbered, heading, Some(mk.text.clone()), title);
        // A list keeps the style of its first marker.
        let style = self.list_style(parent, mk);
        self.styles[idx] = (Some(mk.shape), mk.style);
        let frame = Frame { section: idx, shape: Some(mk.shape), number: mk.number, style };
        self.stack.push(frame);
        if self.stack.len() == 1 {
            self.top_list = Some(frame);
        }
        if !body.is_empty() {
            self.last_closed = false;
            self.sections[idx].paragraphs.push(body);
            // An inline body that stops mid-sentence continues on the next line.
        }
    }

    fn open_unnumbered(&mut self, line: &str, appendix: bool) {
        // Appendices and headings in a document without numbered top level stand at the top; other
        // unnumbered headings sit under the current top-level section.
        let keep = if appendix { 0 } else { usize::from(self.stack.first().is_some_and(|f| f.shape.is_some())) };
        self.stack.truncate(keep);
        let parent = self.current();
        let kind = if appendix { RawKind::Appendix } else { RawKind::Unnumbered };
        let title = line.trim().to_string();
        let idx = self.push_section(parent, kind, title.clone(), None, title);
        self.stack.push(Frame { section: idx, shape: None, number: 0, style: lines::Style::default() });
    }

    /// The style of the list a new marker joins: its first sibling's, or its own when it starts one
    /// (a lookup: scanning the sections made this quadratic in headings).
    fn list_style(&mut self, parent: Option<usize>, mk: &Marker) -> lines::Style {
        *self.first_styles.entry((parent, mk.shape)).or_insert(mk.style)
    }
}

/// The most headings one report may have: real reports have tens to a few hundred. Each section
/// costs memory in every later stage, so a text of hundreds of thousands of tiny "sections" is
/// refused before they are built.
pub const MAX_SECTIONS: usize = 10_000;

/// Builds the section tree of a report's text; a text with over [`MAX_SECTIONS`] numbered headings
/// is refused.
pub fn layout(text: &str, units: &Units) -> anyhow::Result<Layout> {
    let items = items(text);
    let headings = items.iter().filter(|it| matches!(it, Item::Marker(..))).count();
    if headings > MAX_SECTIONS {
        anyhow::bail!("the text has {headings} numbered headings, over the limit of {MAX_SECTIONS} for one report; the file is refused");
    }
    Ok(layout_items(&items, units))
}

fn layout_items(items: &[Item], units: &Units) -> Layout {
    let first_heading = items.iter().position(|it| matches!(it, Item::Marker(m, _) if m.shape != Shape::Circled));
    let mut b = Builder { sections: vec![], styles: vec![], first_styles: HashMap::new(), stack: vec![], top_list: None, last_closed: true };
    let mut cover = Vec::new();

    let Some(first) = first_heading else {
        return headless(items);
    };

    // Before the first heading: cover lines (short, or "字段：值") and prose (the preamble).
    let mut preamble: Option<usize> = None;
    for it in &items[..first] {
        match it {
            Item::Body(l) | Item::Marker(_, l) => {
                let prose = l.chars().count() > 15 && ends_sentence(l) && !is_cover_field(l);
                if prose || preamble.is_some() && !is_cover_field(l) {
                    if preamble.is_none() {
                        let i = b.push_section(None, RawKind::Preamble, String::new(), None, String::new());
                        b.stack.push(Frame { section: i, shape: None, number: 0, style: lines::Style::default() });
                        preamble = Some(i);
                    }
                    b.add_body(l);
                } else {
                    cover.push(l.clone());
                }
            }
            Item::Table(l) => {
                if preamble.is_some() {
                    b.add_table_row(l);
                } else {
                    cover.push(l.clone());
                }
            }
            Item::Blank => {}
        }
    }
    b.stack.clear();

    for (i, it) in items.iter().enumerate().skip(first) {
        match it {
            Item::Blank => {}
            Item::Marker(mk, line) => b.open_marker(mk, line),
            Item::Table(row) => b.add_table_row(row),
            Item::Body(line) => {
                if is_appendix_heading(line) {
                    b.open_unnumbered(line, true);
                    continue;
                }
                let prev_done = b.last_closed
                    || b.current().and_then(|c| b.sections[c].paragraphs.last()).is_none_or(|p| ends_sentence(p));
                let next = items[i + 1..].iter().find(|x| !matches!(x, Item::Blank));
                let next_is_content = match next {
                    Some(Item::Body(n)) => !is_date_line(n),
                    Some(Item::Table(_)) => true,
                    _ => false,
                };
                if prev_done && next_is_content && unnumbered_candidate(line, units) {
                    b.open_unnumbered(line, false);
                } else {
                    b.add_body(line);
                }
            }
        }
    }
    Layout { cover, sections: b.sections, headless: false }
}

fn is_cover_field(line: &str) -> bool {
    let f = fold(line);
    f.chars().count() <= 40 && (f.contains('：') || f.contains(':') || is_date_line(line))
}

/// A report without headings: short leading lines are the cover, everything else one section.
fn headless(items: &[Item]) -> Layout {
    let mut cover = Vec::new();
    let mut body: Vec<String> = Vec::new();
    let mut in_cover = true;
    for it in items {
        match it {
            Item::Blank => {}
            Item::Body(l) | Item::Marker(_, l) | Item::Table(l) => {
                let ends_in_punctuation = l.trim_end().ends_with(|c: char| c.is_ascii_punctuation() || "，。；：、！？…”）》".contains(c));
                if in_cover && l.chars().count() <= 40 && !ends_in_punctuation {
                    cover.push(l.clone());
                    continue;
                }
                in_cover = false;
                match body.last_mut() {
                    Some(last) if !ends_sentence(last) && !matches!(it, Item::Table(_)) => last.push_str(l),
                    _ => body.push(l.clone()),
                }
            }
        }
    }
    let section = RawSection {
        parent: None,
        level: 1,
        kind: RawKind::Whole,
        heading: String::new(),
        marker: None,
        title: String::new(),
        paragraphs: body,
    };
    Layout { cover, sections: vec![section], headless: true }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Units {
        Units::parse(include_str!("../../schema/units.toml")).unwrap()
    }

    /// (level, heading) of every section.
    fn tree(text: &str) -> Vec<(u8, String)> {
        layout(text, &units()).unwrap().sections.iter().map(|s| (s.level, s.heading.clone())).collect()
    }

    #[test]
    fn nests_by_shape_and_closes_on_outer_continuation() {
        let t = tree("一、概况\n（一）职能\n1.职责\n2.机构\n（二）人员\n二、绩效\n");
        assert_eq!(
            t,
            vec![
                (1, "一、概况".into()),
                (2, "（一）职能".into()),
                (3, "1.职责".into()),
                (3, "2.机构".into()),
                (2, "（二）人员".into()),
                (1, "二、绩效".into()),
            ]
        );
    }

    #[test]
    fn restarted_list_nests_and_outer_number_closes_it() {
        let text = "一、情况\n（一）概况\n（二）重点工作\n1、年度工作\n（一）医共体\n（二）慢病\n(三)基建\n（四）基层\n（六）一老一小\n（七）爱卫\n（三）支出情况\n";
        let t = tree(text);
        let lv = |h: &str| t.iter().find(|(_, x)| x == h).map(|(l, _)| *l);
        assert_eq!(lv("（二）重点工作"), Some(2));
        assert_eq!(lv("1、年度工作"), Some(3));
        assert_eq!(lv("（一）医共体"), Some(4));
        assert_eq!(lv("(三)基建"), Some(4));
        assert_eq!(lv("（六）一老一小"), Some(4));
        assert_eq!(lv("（三）支出情况"), Some(2));
    }

    #[test]
    fn a_number_both_lists_continue_goes_to_the_list_typed_like_it() {
        let t = tree("3. 绩效分析\n正文。\n4. 主要绩效\n1.党建\n2.医改\n3.基建\n4.人才\n5. 存在的问题\n1.采购执行率偏低\n6. 改进措施\n");
        assert!(t.contains(&(1, "5. 存在的问题".into())), "{t:?}");
        assert!(t.contains(&(2, "4.人才".into())));
        assert!(t.contains(&(1, "6. 改进措施".into())));
    }

    #[test]
    fn stray_arabic_number_continues_the_chinese_list() {
        let t = tree("六、资金使用\n（一）整体\n1.改革\n3.项目\n7、 存在的问题\n（一）方面\n八、改进措施\n");
        assert!(t.contains(&(1, "7、 存在的问题".into())), "{t:?}");
        assert!(t.contains(&(1, "八、改进措施".into())));
    }

    #[test]
    fn paren_arabic_after_paren_chinese_is_a_sibling() {
        let t = tree("二、支出\n（一）基本支出情况\n正文。\n（2） 项目支出情况\n正文。\n三、基金\n");
        assert!(t.contains(&(2, "（2） 项目支出情况".into())), "{t:?}");
    }

    #[test]
    fn inline_heading_is_split_from_its_body() {
        let l = layout("一、分析\n1.预算编制。指标分值18分，自评得分17分。\n（3）预算调整率。（2分）\n得分为0分。\n", &units()).unwrap();
        let s = &l.sections[1];
        assert_eq!(s.title, "预算编制");
        assert_eq!(s.paragraphs, vec!["指标分值18分，自评得分17分。".to_string()]);
        assert_eq!(l.sections[2].title, "预算调整率（2分）");
    }

    #[test]
    fn toc_cover_and_page_numbers_are_not_sections() {
        let text = "2024年度部门整体绩效评价报告\n部门名称（公章）：某某市某某局\n目录\n一、基本情况\t1\n二、绩效分析\t7\n本报告说明了本部门全年的预算执行和绩效目标完成的情况，评价等级为“良”。\n一、基本情况\n正文第一段，\n- 3 -\n接着写完。\n二、绩效分析\n";
        let l = layout(text, &units()).unwrap();
        let headings: Vec<_> = l.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, vec!["", "一、基本情况", "二、绩效分析"]);
        assert_eq!(l.sections[0].kind, RawKind::Preamble);
        assert!(l.cover.iter().any(|c| c.contains("部门名称")));
        assert_eq!(l.sections[1].paragraphs, vec!["正文第一段，接着写完。".to_string()]);
    }

    #[test]
    fn running_headers_of_text_files_are_dropped() {
        let text = "一、分析\n1.预算编制\n正文一。\n- 1 -\n某某局绩效自评报告\n2.预算执行\n正文二。\n- 2 -\n某某局绩效自评报告\n3.采购\n正文三。\n";
        let t = tree(text);
        assert!(!t.iter().any(|(_, h)| h.contains("某某局")), "{t:?}");
        assert!(t.contains(&(2, "3.采购".into())));
    }

    #[test]
    fn unnumbered_headings_and_appendix() {
        let text = "一、概况\n正文。\n\n自评结论\n\n本部门自评得分97分。\n二、问题\n问题正文。\n附件 部门整体支出绩效评分表\n指标\t分值\t得分\n";
        let l = layout(text, &units()).unwrap();
        let find = |h: &str| l.sections.iter().find(|s| s.heading == h).unwrap();
        assert_eq!(find("自评结论").level, 2);
        assert_eq!(find("自评结论").paragraphs, vec!["本部门自评得分97分。".to_string()]);
        let app = find("附件 部门整体支出绩效评分表");
        assert_eq!((app.level, app.kind), (1, RawKind::Appendix));
        assert_eq!(app.paragraphs.len(), 1);
    }

    #[test]
    fn a_chinese_numbered_heading_never_nests_under_a_lower_kind_of_item() {
        // "四、" continues the "3、" items by number (the twin rule) but is a top-level heading.
        let t = tree("一、基本情况\n（一）绩效目标\n1、数量指标\n2、质量指标\n3、时效指标\n四、绩效自评结果拟应用和公开情况\n内容。\n");
        assert_eq!(t.last().unwrap(), &(1, "四、绩效自评结果拟应用和公开情况".to_string()), "{t:?}");
        // A list restarted out of order inside （二） stays at its level; 二、 closes it.
        let t = tree("一、问题\n（一）资金\n（二）项目\n（一）重复\n二、建议\n内容。\n");
        assert_eq!(t.last().unwrap(), &(1, "二、建议".to_string()), "{t:?}");
        // 第二部分 is never under 一、.
        let t = tree("第一部分 概况\n一、职能\n第二部分 评价\n一、结论\n");
        assert_eq!(t.iter().filter(|(l, _)| *l == 1).count(), 2, "{t:?}");
    }

    #[test]
    fn a_report_without_headings_is_one_section() {
        let l = layout("某某局绩效报告\n本年度预算执行良好，\n资金使用规范。\n", &units()).unwrap();
        assert!(l.headless);
        assert_eq!(l.sections.len(), 1);
        assert_eq!(l.sections[0].paragraphs, vec!["本年度预算执行良好，资金使用规范。".to_string()]);
    }
}
