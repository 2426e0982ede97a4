//! HTML → text: the article of a government web page (not its menus and footers), with its title
//! and 发布日期.
//!
//! The article is the candidate container (article, #zoom, .TRS_Editor, …content…) that holds the most
//! text; scripts, styles, navigation, headers and footers are dropped; block elements become lines
//! and table cells tab-separated cells.

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use std::sync::LazyLock;

/// Containers government sites put articles in, most specific first.
const CANDIDATES: &str = "article, #zoom, .TRS_Editor, .Custom_UnionStyle, #UCAP-CONTENT, .article, .article-content, .news_content, .pages_content, \
    .content, #content, .main-content, .detail, .details, .zw, #zw, div[class*=content], div[id*=content], div[class*=article], main, body";
const SKIP: [&str; 9] = ["script", "style", "nav", "header", "footer", "noscript", "form", "iframe", "aside"];
const BLOCKS: [&str; 16] = ["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "ul", "ol"];

static PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布日期|发布时间|发文日期|日期|时间)\s*[:：]\s*((?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?)").expect("date pattern")
});

fn skipped(el: &ElementRef) -> bool {
    let v = el.value();
    if SKIP.contains(&v.name()) {
        return true;
    }
    let marks = format!("{} {}", v.attr("class").unwrap_or(""), v.attr("id").unwrap_or("")).to_lowercase();
    ["nav", "menu", "footer", "header", "breadcrumb", "share", "sidebar"].iter().any(|m| marks.split(|c: char| !c.is_alphanumeric()).any(|w| w == *m))
}

/// The text under `root`, blocks on their own lines and table cells tab-separated. Iterative (an
/// explicit stack): pages nested tens of thousands deep must not overflow the call stack.
fn walk(root: NodeRef<Node>, out: &mut String) {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        Leave { cell: bool, block: bool },
    }
    let mut stack = vec![Step::Enter(root)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave { cell, block } => {
                if cell {
                    out.push('\t');
                } else if block && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Step::Enter(node) => match node.value() {
                Node::Text(t) => {
                    let s = t.replace(['\r', '\n'], " ");
                    if !s.trim().is_empty() {
                        out.push_str(&s);
                    }
                }
                Node::Element(e) => {
                    let Some(el) = ElementRef::wrap(node) else { continue };
                    if skipped(&el) {
                        continue;
                    }
                    let name = e.name();
                    let block = BLOCKS.contains(&name);
                    if block && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    stack.push(Step::Leave { cell: name == "td" || name == "th", block });
                    let children: Vec<NodeRef<Node>> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(Step::Enter));
                }
                _ => {}
            },
        }
    }
}

fn text_of(el: ElementRef) -> String {
    let mut s = String::new();
    walk(*el, &mut s);
    // Tidy: trim lines, drop the trailing tab of table rows, collapse blank runs.
    let mut out = String::new();
    for line in s.lines() {
        let l = line.trim_matches(|c: char| c == ' ' || c == '\u{a0}' || c == '\u{3000}').trim_end_matches('\t');
        if !l.is_empty() {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The deepest nesting of tags read: real pages nest well under 100 deep. The HTML parser's time
/// grows with the depth for every tag (its scope checks walk the open elements), so a page nested
/// tens of thousands deep, or with as many formatting tags never closed, would take minutes.
pub const MAX_DEPTH: usize = 1000;

/// Elements that never hold others or that the parser closes by itself when the next one starts,
/// so that leaving them unclosed does not nest.
const NOT_NESTING: [&str; 28] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd",
    "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "!doctype",
];

/// How deep the page's tags nest, counted in one pass over the markup as the parser will see them
/// (tags left open count as nesting; comments and script or style bodies are skipped).
fn nesting_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(lt) = memchr::memchr(b'<', &b[i..]) {
        i += lt + 1;
        if b[i..].starts_with(b"!--") {
            i = memchr::memmem::find(&b[i..], b"-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        let close = b.get(i) == Some(&b'/');
        let start = i + usize::from(close);
        let len = b[start..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'!').count();
        if len == 0 {
            continue;
        }
        let name = html[start..start + len].to_ascii_lowercase();
        let Some(gt) = memchr::memchr(b'>', &b[start..]) else { break };
        let self_closed = b[start + gt - 1] == b'/';
        i = start + gt + 1;
        if close {
            if !NOT_NESTING.contains(&name.as_str()) {
                depth = depth.saturating_sub(1);
            }
        } else if !self_closed && !NOT_NESTING.contains(&name.as_str()) {
            if name == "script" || name == "style" {
                // The body ends at the first "</script" or "</style", in any case.
                i = memchr::memmem::find_iter(&b[i..], b"</")
                    .map(|e| i + e)
                    .find(|e| b[e + 2..].len() >= len && b[e + 2..e + 2 + len].eq_ignore_ascii_case(name.as_bytes()))
                    .unwrap_or(b.len());
                continue;
            }
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Chinese characters under each node, skipped elements counting none: one pass over the tree.
fn han_below(doc: &Html) -> std::collections::HashMap<ego_tree::NodeId, usize> {
    let mut han = std::collections::HashMap::new();
    // Post-order without recursion: a node is summed after its children.
    let mut stack = vec![(doc.tree.root(), false)];
    while let Some((node, done)) = stack.pop() {
        if !done {
            stack.push((node, true));
            stack.extend(node.children().map(|c| (c, false)));
            continue;
        }
        let n = match node.value() {
            Node::Text(t) => t.chars().filter(|c| crate::text::is_han(*c)).count(),
            Node::Element(_) if ElementRef::wrap(node).is_some_and(|el| skipped(&el)) => 0,
            _ => node.children().map(|c| han.get(&c.id()).copied().unwrap_or(0)).sum(),
        };
        han.insert(node.id(), n);
    }
    han
}

/// The article text of an HTML page, its title first, and its publication date if stated; a page
/// nested deeper than [`MAX_DEPTH`] is refused.
pub fn extract(html: &str) -> anyhow::Result<(String, Option<String>)> {
    let depth = nesting_depth(html);
    if depth > MAX_DEPTH {
        anyhow::bail!("the web page nests its tags {depth} deep (over {MAX_DEPTH}, far beyond any real page); the file is refused");
    }
    let doc = Html::parse_document(html);
    let candidates = Selector::parse(CANDIDATES).expect("candidate selectors");
    // The candidate with the most Chinese text; on a tie, the last in document order.
    let han = han_below(&doc);
    let best = doc
        .select(&candidates)
        .enumerate()
        .max_by_key(|(i, el)| (han.get(&el.id()).copied().unwrap_or(0), *i))
        .map(|(_, el)| text_of(el))
        .unwrap_or_default();
    let page_text = doc.root_element().text().collect::<String>();
    let published = PUBLISHED.captures(&page_text).map(|c| c[1].split_whitespace().collect::<String>());
    let title = Selector::parse("h1, title").ok().and_then(|s| doc.select(&s).next()).map(|t| t.text().collect::<String>().trim().to_string());
    let mut text = String::new();
    if let Some(t) = title.filter(|t| !t.is_empty() && !best.starts_with(t.as_str())) {
        text.push_str(&t);
        text.push('\n');
    }
    text.push_str(&best);
    Ok((text, published))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_text_without_menus_with_date() {
        let page = r#"<html><head><title>某某县教育局2023年度部门整体支出绩效自评报告</title></head><body>
            <div class="nav"><a>首页</a><a>政务公开</a><a>信息公开目录</a></div>
            <div class="info">发布日期：2024-04-12 来源：县教育局</div>
            <div id="zoom"><p>一、部门基本情况</p><p>本部门负责全县教育工作。</p>
            <table><tr><td>指标</td><td>分值</td><td>得分</td></tr><tr><td>预算执行率</td><td>6</td><td>5</td></tr></table>
            <p>二、存在的问题</p><p>1.政府采购执行率偏低。</p></div>
            <div class="footer">版权所有 某某县人民政府 网站地图</div><script>var x = "一、不要";</script></body></html>"#;
        let (text, date) = extract(page).unwrap();
        assert_eq!(date.as_deref(), Some("2024-04-12"));
        assert!(text.starts_with("某某县教育局2023年度部门整体支出绩效自评报告\n"));
        assert!(text.contains("一、部门基本情况\n本部门负责全县教育工作。\n"));
        assert!(text.contains("预算执行率\t6\t5\n"), "{text}");
        assert!(!text.contains("首页") && !text.contains("版权所有") && !text.contains("不要"), "{text}");
    }

    #[test]
    fn nesting_is_counted_as_the_parser_sees_it() {
        // Paragraphs, list items and cells left open do not nest; formatting tags left open do.
        assert_eq!(nesting_depth(&"<p>段落".repeat(5000)), 0);
        assert_eq!(nesting_depth("<html><body><div><p>一<br><img src=x/></div><!-- <div><div> --></body></html>"), 3);
        assert_eq!(nesting_depth(&"<font color=red>字".repeat(3000)), 3000);
        assert_eq!(nesting_depth("<script>document.write('<div><div><div>')</SCRIPT><div></div>"), 1);
        assert!(extract(&"<div>".repeat(MAX_DEPTH + 1)).unwrap_err().to_string().contains("nests its tags"));
    }
}
