//! The browser app's pages: HTML rendered with maud, which escapes every value it inserts (report
//! text can hold markup). Charts are drawn here as inline SVG, so the pages need no script library
//! and work offline. The server (`crate::serve`) gathers the data; this module only presents it.

use crate::analysis::department::DepartmentView;
use crate::analysis::metrics::MetricRow;
use crate::analysis::overview::Overview;
use crate::analysis::problems::{Cluster, DepartmentRow, ThemeRow, YearMatrix};
use crate::schema::{CategoryRules, Themes};
use crate::index::{ReportDoc, SectionDoc};
use crate::model::Category;
use crate::query::facets::{Count, Facets};
use crate::query::{Hit, SimilarHit};
use crate::request::{url, MetricParams, SearchParams, MAX_PAGE};
use maud::{html, Markup, DOCTYPE};

pub const CSS: &str = include_str!("web/app.css");
pub const JS: &str = include_str!("web/app.js");

/// The top-level pages, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Search,
    Report,
    Problems,
    Department,
    Metrics,
    Ingest,
}

/// What every page shows in its frame.
pub struct Frame {
    pub allow_ingest: bool,
    pub reports: usize,
    /// The token a page that changes the store sends back (only when writes are allowed).
    pub token: Option<String>,
}

/// A form the app's script sends (with the page's token) to `action`, showing the answer beside
/// it and reloading the page (or opening `next`) when it succeeded.
fn action_form(frame: &Frame, action: &str, next: Option<&str>, fields: Markup, button: &str) -> Markup {
    let Some(token) = &frame.token else { return html! {} };
    html! {
        form.act action=(action) method="post" data-token=(token) data-next=[next] {
            (fields)
            button type="submit" { (button) }
            " " span.msg {}
        }
    }
}
pub fn kind_label(k: &str) -> &'static str {
    match k {
        "department_overall" => "部门整体支出",
        "project" => "项目支出",
        _ => "其他",
    }
}

fn theme_label(themes: &Themes, id: &str) -> String {
    themes.get(id).map(|t| t.label.clone()).unwrap_or_else(|| id.to_string())
}

fn layout(title: &str, active: Page, frame: &Frame, body: Markup) -> Markup {
    let item = |page: Page, href: &str, label: &str| {
        html! { a.nav-item.active[active == page] href=(href) { (label) } }
    };
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 绩效自评报告库" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header.top {
                    a.brand href="/" { "绩效" span.sub { "自评报告库" } }
                    nav {
                        (item(Page::Search, "/", "检索"))
                        (item(Page::Problems, "/problems", "问题"))
                        (item(Page::Department, "/department", "部门"))
                        (item(Page::Metrics, "/metrics", "指标"))
                        @if frame.allow_ingest { (item(Page::Ingest, "/ingest", "导入")) }
                    }
                    span.count { (frame.reports) " 份报告" }
                }
                main { (body) }
                script src="/assets/app.js" {}
            }
        }
    }
}

/// A page that only says what went wrong (bad parameters, unknown ids).
pub fn message_page(frame: &Frame, title: &str, message: &str) -> Markup {
    layout(title, Page::Search, frame, html! { h1 { (title) } p.error { (message) } p { a href="/" { "返回检索" } } })
}

/// A snippet with its matches marked.
fn marked(text: &str, highlights: &[(usize, usize)]) -> Markup {
    // (plain, marked) pieces in order; ranges out of order or off char boundaries are ignored.
    let mut pieces: Vec<(&str, &str)> = Vec::new();
    let mut at = 0;
    for &(a, b) in highlights {
        if a >= at && a <= b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b) {
            pieces.push((&text[at..a], &text[a..b]));
            at = b;
        }
    }
    let tail = &text[at..];
    html! {
        @for (plain, hit) in pieces { (plain) mark { (hit) } }
        (tail)
    }
}

pub struct SearchView<'a> {
    pub params: &'a SearchParams,
    pub hits: &'a [Hit],
    pub total: usize,
    pub facets: &'a Facets,
    pub page: usize,
    pub per_page: usize,
    pub themes: &'a Themes,
    /// The categories' display names.
    pub categories: &'a CategoryRules,
    /// A problem with the query or a filter, shown above the results.
    pub error: Option<String>,
    /// Why nothing was found when a filter is the reason (a year the collection does not hold).
    pub notice: Option<String>,
}

fn facet_block(title: &str, key: &str, counts: &[Count], selected: &str, params: &SearchParams, label: &dyn Fn(&str) -> String) -> Markup {
    html! {
        @if !counts.is_empty() || !selected.is_empty() {
            section.facet data-facet=(key) {
                h3 { (title) }
                ul {
                    @for c in counts {
                        // Several values of one facet may be chosen (any of them): a click adds the
                        // value or takes it out.
                        @let on = crate::request::values(selected).contains(&c.value.as_str());
                        li.on[on] {
                            a href=(params.toggled("/", key, &c.value)) title=(if on { "取消此项" } else { "加入此项（与已选各项为“或”）" }) {
                                span.v { (label(&c.value)) } span.n { (c.count) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn search_page(frame: &Frame, v: &SearchView) -> Markup {
    let p = v.params;
    let themes = v.themes;
    let plain = |s: &str| s.to_string();
    let pages = v.total.div_ceil(v.per_page.max(1)).min(MAX_PAGE);
    // One chip per value chosen, each taking its value out.
    let named: [(&str, &str, &str, &dyn Fn(&str) -> String); 6] = [
        ("year", p.year.as_str(), "年度", &plain),
        ("dept", p.dept.as_str(), "部门", &plain),
        ("region", p.region.as_str(), "地区", &plain),
        ("kind", p.kind.as_str(), "类型", &|k| kind_label(k).to_string()),
        ("category", p.category.as_str(), "章节", &|c| v.categories.display_of(c).to_string()),
        ("theme", p.theme.as_str(), "问题", &|t| theme_label(themes, t)),
    ];
    let chips: Vec<(&str, &str, String)> =
        named.iter().flat_map(|(key, param, title, label)| crate::request::values(param).into_iter().map(move |v| (*key, v, format!("{title} {}", label(v))))).collect();
    let export = |fmt: &str| {
        let pairs = p.pairs();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        url(&format!("/export.{fmt}"), &refs)
    };
    // Regions narrow level by level: provinces, then the cities of the one chosen, then counties.
    let region_level: (&str, &[Count]) = if v.facets.provinces.len() > 1 || p.region.trim().is_empty() && v.facets.cities.len() <= 1 && v.facets.counties.len() <= 1 {
        ("省", &v.facets.provinces)
    } else if v.facets.cities.len() > 1 {
        ("市", &v.facets.cities)
    } else {
        ("县区", &v.facets.counties)
    };
    let body = html! {
        form.search action="/" method="get" {
            input type="search" name="q" value=(p.q) placeholder="检索：采购执行率低、预算编制不精准、\"闲置\"、theme:carryover_high …" autofocus maxlength=(crate::query::MAX_QUERY_CHARS);
            @for (k, val) in p.pairs() {
                @if k != "q" && !val.is_empty() { input type="hidden" name=(k) value=(val); }
            }
            button type="submit" { "检索" }
            details.help {
                summary { "语法" }
                p { "直接输入中文即可（如 采购执行率低）。精确短语用引号：\"预算编制不够精准\"；组合：预算 AND 执行率、预算 OR 采购、-整改（排除）；字段：heading:预算 text:闲置 theme:procurement_low category:problems kind:project department:罗湖 region:深圳 fiscal_year:2023。" }
            }
        }
        @if let Some(e) = &v.error { p.error { (e) } }
        @if let Some(n) = &v.notice { p.lead { (n) } }
        @if !chips.is_empty() {
            div.chips {
                @for (key, value, text) in &chips {
                    a.chip href=(p.toggled("/", key, value)) title="取消此筛选" { (text) " ×" }
                }
                a.chip.clear href=(url("/", &[("q", p.q.as_str())])) { "清除全部" }
            }
        }
        div.results {
            aside.facets {
                (facet_block("年度", "year", &v.facets.years, &p.year, p, &plain))
                (facet_block(&format!("地区（{}）", region_level.0), "region", region_level.1, &p.region, p, &plain))
                (facet_block("部门", "dept", &v.facets.departments, &p.dept, p, &plain))
                (facet_block("报告类型", "kind", &v.facets.kinds, &p.kind, p, &|k| kind_label(k).to_string()))
                (facet_block("章节类别", "category", &v.facets.categories, &p.category, p, &|c| v.categories.display_of(c).to_string()))
                (facet_block("问题主题", "theme", &v.facets.themes, &p.theme, p, &|t| theme_label(themes, t)))
            }
            section.hits {
                div.bar {
                    span.total { "共 " (v.total) " 个章节" }
                    @if v.total > 0 {
                        span.export { "导出 " a href=(export("xlsx")) { "Excel" } " · " a href=(export("csv")) { "CSV" } }
                    }
                }
                ol.hits start=((v.page - 1) * v.per_page + 1) {
                    @for h in v.hits {
                        (hit_item(h, themes, v.categories))
                    }
                }
                @if v.hits.is_empty() && v.error.is_none() { p.empty { "没有找到匹配的章节。换个说法，或去掉一些筛选条件。" } }
                @if pages > 1 {
                    nav.pager {
                        @if v.page > 1 { a href=(p.page_url(v.page - 1)) { "‹ 上一页" } }
                        span { "第 " (v.page) " / " (pages) " 页" }
                        @if v.page < pages { a href=(p.page_url(v.page + 1)) { "下一页 ›" } }
                    }
                }
            }
        }
    };
    let title = if p.q.is_empty() { "检索".to_string() } else { format!("{} · 检索", p.q) };
    layout(&title, Page::Search, frame, body)
}

fn hit_item(h: &Hit, themes: &Themes, categories: &CategoryRules) -> Markup {
    let d = &h.doc;
    let link = format!("/report/{}?hit={}#s{}", d.report_id, d.section.seq, d.section.seq);
    html! {
        li.hit {
            div.meta {
                a.dept href=(url("/department", &[("name", d.department.as_deref().unwrap_or(""))])) { (d.department.as_deref().unwrap_or("（未识别部门）")) }
                span.year { (d.fiscal_year.map(|y| y.to_string()).unwrap_or_default()) }
                span.cat { (categories.display(d.section.category)) }
                @for t in &d.section.themes { span.theme { (theme_label(themes, &t.0)) } }
            }
            a.path href=(link) { (d.section.path.join(" › ")) }
            p.snippet { (marked(&h.snippet, &h.highlights)) }
        }
    }
}

/// The report page: metadata and the section tree; `hit` is the section arrived at from a search.
pub fn report_page(frame: &Frame, r: &ReportDoc, sections: &[SectionDoc], hit: Option<u32>, themes: &Themes, categories: &CategoryRules) -> Markup {
    let m = &r.report.meta;
    let title = m.department.clone().unwrap_or_else(|| "（未识别部门）".into());
    let body = html! {
        h1 { (title) " " span.year { (m.fiscal_year.map(|y| format!("{y} 年度")).unwrap_or_default()) } }
        dl.meta {
            dt { "标题" } dd { (m.title.as_deref().unwrap_or("-")) }
            dt { "地区" } dd { (m.region.display()) }
            dt { "类型" } dd { (kind_label(r.report.kind().as_str())) }
            dt { "自评得分" } dd { (m.total_score.map(|s| s.to_string()).unwrap_or_else(|| "-".into())) " " (m.grade.map(|g| g.as_str()).unwrap_or("")) }
            @if let Some(s) = &m.supervisor { dt { "主管部门" } dd { (s) } }
            dt { "来源文件" } dd.source { (r.report.source.path) }
            dt { "编号" } dd { code { (r.report.id) } }
        }
        @if let Some(d) = &m.department { p { a href=(url("/department", &[("name", d)])) { "查看该部门历年情况 ›" } } }
        @if frame.token.is_some() {
            details.edit {
                summary { "更正单位或年度" }
                p.lead { "解析有误时在此更正（与 jixiao set 相同）；更正会保留，重新导入该文件后仍然有效。" }
                (action_form(frame, &format!("/api/report/{}/set", r.report.id), None, html! {
                    label { "单位全称 " input type="text" name="department" value=(m.department.as_deref().unwrap_or("")) maxlength="100"; }
                    " "
                    label { "年度 " input type="number" name="year" value=[m.fiscal_year] min="1990" max="2100"; }
                    " "
                }, "保存"))
            }
        }
        div.tree {
            @for s in sections {
                @let sec = &s.section;
                @let is_hit = hit == Some(sec.seq);
                section.sec.hit[is_hit] id=(format!("s{}", sec.seq)) data-level=(sec.level) style=(format!("margin-left:{}em", f32::from(sec.level.saturating_sub(1).min(6)) * 1.2)) {
                    h3 {
                        (sec.heading) " "
                        span.cat { (categories.display(sec.category)) }
                        @for t in &sec.themes { span.theme { (theme_label(themes, &t.0)) } }
                    }
                    @if sec.statements.is_empty() || sec.category != Category::Problems {
                        @for para in sec.text.lines() { @if !para.trim().is_empty() { p { (para) } } }
                    } @else {
                        ol.statements {
                            @for (n, st) in sec.statements.iter().enumerate() {
                                li {
                                    span.stmt { (st.text) }
                                    @for t in &st.themes { " " span.theme { (theme_label(themes, &t.0)) } }
                                    @for f in &st.figures { " " span.figure { (f) } }
                                    @if comparable(st) {
                                        " " a.similar href=(format!("/similar/{}", crate::model::StatementId::at(r.report.id.section(sec.seq), n))) { "相似问题 ›" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&format!("{title} {}", m.fiscal_year.map(|y| y.to_string()).unwrap_or_default()), Page::Report, frame, body)
}

/// A statement worth comparing with other reports: one with a theme, or any other that states
/// something (a problem the taxonomy lacks is where finding similar weaknesses matters most), not a
/// lead-in ("主要存在以下问题：").
fn comparable(st: &crate::model::Statement) -> bool {
    let squeezed = crate::text::squeeze(&st.text);
    !st.themes.is_empty() || (squeezed.chars().count() >= 8 && !crate::enrich::themes::is_lead_in(&squeezed))
}

/// Background of a heatmap cell: white to deep red as `n` approaches `max`.
fn heat(n: usize, max: usize) -> String {
    if n == 0 || max == 0 {
        return "background:#fafafa;color:#bbb".into();
    }
    let a = 0.12 + 0.78 * (n as f32 / max as f32);
    format!("background:rgba(192,38,38,{a:.2});color:{}", if a > 0.5 { "#fff" } else { "#222" })
}

/// The notice beside an empty search whose year the collection does not hold, with the year as typed.
pub fn years_not_held(n: &crate::analysis::YearsNotHeld, typed: &str) -> String {
    format!("库中没有 {} 年度的报告；现有年度：{}", typed.trim(), n.held.iter().map(u16::to_string).collect::<Vec<_>>().join("、"))
}

/// What is wrong with a query, in the app's words.
pub fn bad_query(b: &crate::query::BadQuery) -> String {
    use crate::query::{BadQuery, MAX_QUERY_CHARS, MAX_QUERY_DEPTH, MAX_QUERY_OPERATORS};
    let fix = "如要按字面检索，请去掉引号、括号和“字段:”写法";
    match b {
        BadQuery::OpenQuote { query } => format!("检索式“{query}”有误：引号（\"）没有成对。{fix}。"),
        BadQuery::Parentheses { query, opened, closed } => format!("检索式“{query}”有误：括号没有配对（{opened} 个左括号，{closed} 个右括号）。{fix}。"),
        BadQuery::DanglingOperator { query } => format!("检索式“{query}”有误：以 AND、OR 或 NOT 结尾。{fix}。"),
        BadQuery::Syntax { query } => format!("检索式“{query}”有误：不符合检索语法。{fix}；可用的字段见“语法”。"),
        BadQuery::TooLong { chars } => format!("检索式有 {chars} 个字，超过上限 {MAX_QUERY_CHARS} 个字。"),
        BadQuery::TooDeep { depth } => format!("检索式的括号嵌套 {depth} 层，超过上限 {MAX_QUERY_DEPTH} 层。"),
        BadQuery::TooManyOperators { operators } => format!("检索式有 {operators} 个运算符（AND、OR、NOT、-、+），超过上限 {MAX_QUERY_OPERATORS} 个。"),
    }
}

/// An error for a page: a query's fault in the app's words, anything else as it is.
pub fn error_message(e: &anyhow::Error) -> String {
    match e.downcast_ref::<crate::query::BadQuery>() {
        Some(b) => bad_query(b),
        None => format!("{e:#}"),
    }
}

/// A horizontal bar of `n` out of `max`, with its count.
fn bar(n: usize, max: usize) -> Markup {
    let pct = if max == 0 { 0.0 } else { n as f64 * 100.0 / max as f64 };
    html! { span.bar { span.fill style=(format!("width:{pct:.1}%")) {} } " " span.n { (n) } }
}

/// The landing page: the search box, the collection at a glance, the problems most departments
/// report, and the reports whose unit is still to be named.
pub fn overview_page(frame: &Frame, o: &Overview) -> Markup {
    let year_max = o.by_year.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let prov_max = o.by_province.first().map_or(0, |(_, n)| *n);
    let body = html! {
        form.search action="/" method="get" {
            input type="search" name="q" placeholder="检索：采购执行率低、预算编制不精准、\"闲置\"、theme:carryover_high …" autofocus maxlength=(crate::query::MAX_QUERY_CHARS);
            button type="submit" { "检索" }
        }
        p.lead {
            "库中共 " strong { (o.reports) } " 份报告，" strong { (o.units) } " 个单位。"
            a href=(url("/", &[("page", "1")])) { "浏览全部章节 ›" }
        }
        div.overview {
            section {
                h2 { "按年度" }
                table.bars {
                    @for (y, n) in &o.by_year {
                        tr { th { a href=(url("/", &[("year", y.to_string().as_str())])) { (y) } } td { (bar(*n, year_max)) } }
                    }
                    @if o.no_year > 0 { tr { th { "年度不详" } td { (bar(o.no_year, year_max)) } } }
                }
            }
            section {
                h2 { "按地区（省）" }
                table.bars {
                    @for (prov, n) in o.by_province.iter().take(12) {
                        tr {
                            th { @if prov.is_empty() { "地区不详" } @else { a href=(url("/", &[("region", prov.as_str())])) { (prov) } } }
                            td { (bar(*n, prov_max)) }
                        }
                    }
                }
                @if o.by_province.len() > 12 { p.n { "另有 " (o.by_province.len() - 12) " 个省份" } }
            }
            section {
                h2 { "按报告类型" }
                table.bars {
                    @for (k, n) in &o.by_kind {
                        tr { th { a href=(url("/", &[("kind", k.as_str())])) { (kind_label(k)) } } td { (bar(*n, o.reports)) } }
                    }
                }
            }
        }
        h2 { "最常见的问题" }
        @if o.top_themes.is_empty() { p.empty { "还没有标注了问题主题的章节。" } }
        @else {
            table.data {
                thead { tr { th { "问题主题" } th.num { "部门" } th.num { "连年出现的部门" } th { "年度" } } }
                tbody {
                    @for r in &o.top_themes {
                        tr {
                            td { a href=(format!("/problems/theme/{}", r.theme)) { (r.label) } }
                            td.num { (r.departments) }
                            td.num { (r.recurring_departments) }
                            td { (r.years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")) }
                        }
                    }
                }
            }
            p { a href="/problems" { "全部问题主题与年度热力图 ›" } }
        }
        h2 { "未识别单位的报告" }
        @if o.unnamed_count == 0 { p.lead { "每份报告都识别出了单位。" } }
        @else {
            p.lead {
                (o.unnamed_count) " 份报告没有识别出单位：它们各自单独统计，不参与连年问题和照抄的判断。"
                @if frame.token.is_some() { "打开报告即可更正单位。" } @else { "可用 jixiao set 报告编号 --department 单位全称 更正，或用 --allow-ingest 启动后在报告页更正。" }
            }
            table.data {
                thead { tr { th { "报告" } th { "标题" } th { "来源文件" } } }
                tbody {
                    @for u in &o.unnamed {
                        tr { td { a.sid href=(format!("/report/{}", u.report_id)) { (u.report_id) } } td { (u.title.as_deref().unwrap_or("-")) } td.source { (u.source) } }
                    }
                }
            }
            @if o.unnamed_count > o.unnamed.len() { p.n { "只列出前 " (o.unnamed.len()) " 份。" } }
        }
    };
    layout("概览", Page::Search, frame, body)
}

pub fn problems_page(frame: &Frame, matrix: &YearMatrix, rows: &[ThemeRow]) -> Markup {
    let max = matrix.rows.iter().flat_map(|r| r.departments.iter().copied()).max().unwrap_or(0);
    let body = html! {
        h1 { "问题" }
        p.lead { "各问题主题在各年度涉及的部门数（颜色越深，部门越多）。点主题看各部门历年情况与连年照抄；点格子检索该年的问题段落。" }
        @if matrix.rows.is_empty() { p.empty { "还没有标注了问题主题的章节。" } }
        @else {
            p.downloads {
                "导出：年度热力图 " a href="/problems/by-year.xlsx" { "Excel" } " " a href="/problems/by-year.csv" { "CSV" }
                " · 主题表 " a href="/problems/problems.xlsx" { "Excel" } " " a href="/problems/problems.csv" { "CSV" }
            }
            table.heatmap {
                thead { tr { th { "问题主题" } @for y in &matrix.years { th { (y) } } } }
                tbody {
                    @for r in &matrix.rows {
                        tr {
                            th { a href=(format!("/problems/theme/{}", r.theme)) { (r.label) } }
                            @for (i, n) in r.departments.iter().enumerate() {
                                @let y = matrix.years[i].to_string();
                                td style=(heat(*n, max)) {
                                    @if *n > 0 { a href=(url("/", &[("theme", r.theme.as_str()), ("year", y.as_str()), ("category", "problems")])) { (n) } } @else { "·" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "问题主题一览" }
        table.data {
            thead { tr { th { "主题" } th.num { "部门" } th.num { "报告" } th.num { "连年出现的部门" } th { "年度" } th { "例句" } } }
            tbody {
                @for r in rows {
                    tr {
                        td { a href=(format!("/problems/theme/{}", r.theme)) { (r.label) } }
                        td.num { (r.departments) } td.num { (r.reports) } td.num { (r.recurring_departments) }
                        td { (r.years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")) }
                        td.example {
                            (r.example)
                            @if let Some(id) = &r.example_section_id {
                                " " a href=(section_link(&id.0)) { "原文 ›" }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/problems/discover" { "发现尚未归类的共性问题 ›" } }
    };
    layout("问题", Page::Problems, frame, body)
}

/// The sequence number of a section id (`REPORT-SEQ`).
fn seq_of(section_id: &str) -> u32 {
    section_id.rsplit('-').next().and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn section_link(section_id: &str) -> String {
    let report = section_id.rsplit_once('-').map(|(r, _)| r).unwrap_or(section_id);
    let seq = seq_of(section_id);
    format!("/report/{report}?hit={seq}#s{seq}")
}

pub fn theme_page(frame: &Frame, theme: &str, label: &str, rows: &[DepartmentRow]) -> Markup {
    let body = html! {
        h1 { (label) " " code.small { (theme) } }
        p.lead { "报告此问题的部门及年度。“照抄年度”指该年的问题表述与上一年几乎逐字相同（未整改、照搬）。" }
        p { a href=(url("/", &[("theme", theme), ("category", "problems")])) { "检索全部段落 ›" } " · " a href=(url("/export.xlsx", &[("theme", theme), ("category", "problems")])) { "导出 Excel" } }
        table.data {
            thead { tr { th { "部门" } th { "地区" } th { "年度" } th { "照抄年度" } th { "数字" } th { "段落" } } }
            tbody {
                @for r in rows {
                    tr.recurring[r.years.len() > 1] {
                        td { a href=(url("/department", &[("name", r.department.as_str())])) { (r.department) } }
                        td { (r.region.display()) }
                        td { (r.years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")) }
                        td.warn { (r.carried_over_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")) }
                        td { (r.figures.join("、")) }
                        td { @for id in &r.section_ids { a.sid href=(section_link(&id.0)) { (id.0) } " " } }
                    }
                }
            }
        }
        @if rows.is_empty() { p.empty { "没有部门报告此问题。" } }
    };
    layout(label, Page::Problems, frame, body)
}

pub fn clusters_page(frame: &Frame, clusters: &[Cluster]) -> Markup {
    let body = html! {
        h1 { "尚未归类的共性问题" }
        p.lead { "没有任何主题标注、但在多份报告中措辞相近的问题表述，按用词聚类。可据此在 schema/themes.toml 中增加主题。" }
        @for c in clusters {
            section.cluster {
                h3 { (c.top_terms.join(" · ")) " " span.n { (c.reports) " 份报告" } }
                p.depts { (c.departments.join("、")) }
                ul { @for e in &c.examples { li { (e) } } }
            }
        }
        @if clusters.is_empty() { p.empty { "没有发现新的共性问题。" } }
    };
    layout("发现", Page::Problems, frame, body)
}

/// A line chart of (x label, value) points as inline SVG; `max` is the top of the scale.
fn line_chart(points: &[(String, f64)], min: f64, max: f64, unit: &str) -> Markup {
    let (w, h, pad) = (560.0, 200.0, 36.0);
    if points.is_empty() {
        return html! { p.empty { "没有数据" } };
    }
    let span = (max - min).max(1e-9);
    let x = |i: usize| pad + (w - 2.0 * pad) * if points.len() > 1 { i as f64 / (points.len() - 1) as f64 } else { 0.5 };
    let y = |v: f64| h - pad - (h - 2.0 * pad) * ((v - min) / span).clamp(0.0, 1.0);
    let line: String = points.iter().enumerate().map(|(i, (_, v))| format!("{:.1},{:.1}", x(i), y(*v))).collect::<Vec<_>>().join(" ");
    html! {
        svg.chart viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) role="img" {
            line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#999" {}
            text x="4" y=(y(max) + 4.0) font-size="11" fill="#666" { (max) (unit) }
            text x="4" y=(y(min) + 4.0) font-size="11" fill="#666" { (min) (unit) }
            polyline points=(line) fill="none" stroke="#b91c1c" stroke-width="2" {}
            @for (i, (label, v)) in points.iter().enumerate() {
                circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(*v))) r="4" fill="#b91c1c" {}
                text x=(format!("{:.1}", x(i))) y=(format!("{:.1}", y(*v) - 9.0)) font-size="12" text-anchor="middle" { (v) }
                text x=(format!("{:.1}", x(i))) y=(h - pad + 16.0) font-size="12" text-anchor="middle" fill="#444" { (label) }
            }
        }
    }
}

pub fn departments_page(frame: &Frame, departments: &[(String, usize)], filter: &str) -> Markup {
    let body = html! {
        h1 { "部门" }
        p.downloads { "导出全部单位及其名称写法：" a href="/department/units.xlsx" { "Excel" } " " a href="/department/units.csv" { "CSV" } }
        form.search action="/department" method="get" {
            input type="search" name="filter" value=(filter) placeholder="部门名称的一部分：卫生、水利、罗湖 …";
            button type="submit" { "筛选" }
        }
        ul.columns {
            @for (d, n) in departments {
                li { a href=(url("/department", &[("name", d.as_str())])) { (d) } " " span.n { (n) " 份" } }
            }
        }
        @if departments.is_empty() { p.empty { "没有匹配的部门。" } }
    };
    layout("部门", Page::Department, frame, body)
}

pub fn department_page(frame: &Frame, v: &DepartmentView, themes: &Themes) -> Markup {
    let scores: Vec<(String, f64)> = v.years.iter().filter_map(|y| y.total_score.map(|s| (y.fiscal_year.to_string(), s))).collect();
    let lo = scores.iter().map(|(_, s)| *s).fold(f64::INFINITY, f64::min).min(80.0).floor();
    let tags = |list: &[String], class: &str| {
        html! { @for t in list { span class=(format!("theme {class}")) { (theme_label(themes, t)) } " " } }
    };
    let body = html! {
        h1 { (v.department) " " span.year { (v.region.display()) } }
        @if !v.variants.is_empty() { p.lead { "报告中也写作：" (v.variants.join("、")) "（合并或拆分：jixiao units）" } }
        @if frame.token.is_some() {
            details.edit {
                summary { "合并或拆分单位" }
                p.lead { "同一单位在不同年度的报告中写法不同（如改名、简称）时，合并后按一个单位统计；拆分则把某个写法单独作为一个单位。记录在数据目录的 aliases.toml 中。" }
                (action_form(frame, "/api/units/merge", None, html! {
                    input type="hidden" name="into" value=(v.department);
                    label { "与此单位合并的名称 " input type="text" name="name" maxlength="100" placeholder="报告中写的另一个单位名称"; }
                    " "
                }, "合并"))
                @for n in &v.variants {
                    (action_form(frame, "/api/units/split", Some(&url("/department", &[("name", n.as_str())])), html! {
                        input type="hidden" name="name" value=(n);
                        (n) " "
                    }, "拆分为独立单位"))
                }
            }
        }
        h2 { "自评得分" }
        (line_chart(&scores, lo, 100.0, ""))
        table.data {
            thead { tr { th { "年度" } th.num { "得分" } th { "等级" } th { "新出现的问题" } th { "连续出现的问题" } th { "不再报告的问题" } th { "报告" } } }
            tbody {
                @for y in &v.years {
                    tr {
                        td { (y.fiscal_year) }
                        td.num { (y.total_score.map(|s| s.to_string()).unwrap_or_else(|| "-".into())) }
                        td { (y.grade.map(|g| g.as_str()).unwrap_or("-")) }
                        td { (tags(&y.new, "new")) }
                        td { (tags(&y.recurring, "recurring")) }
                        td { (tags(&y.dropped, "dropped")) }
                        td { @for id in &y.report_ids { a.sid href=(format!("/report/{id}")) { (id) } " " } }
                    }
                }
            }
        }
        h2 { "指标" }
        @if v.metrics.is_empty() { p.empty { "报告中没有找到采购执行率、预算执行率等指标。" } }
        @for m in &v.metrics {
            @if m.name != crate::schema::INDICATOR_SCORE {
                section.metric {
                    h3 { (m.label) }
                    @let pts: Vec<(String, f64)> = m.points.iter().map(|(y, x)| (y.to_string(), *x)).collect();
                    @let hi = pts.iter().map(|(_, x)| *x).fold(0.0, f64::max).max(if m.unit == "%" { 100.0 } else { 1.0 });
                    (line_chart(&pts, 0.0, hi, &m.unit))
                }
            }
        }
    };
    layout(&v.department, Page::Department, frame, body)
}

/// A histogram of values in ten bins between the smallest and largest, as inline SVG.
fn histogram(values: &[f64]) -> Markup {
    if values.is_empty() {
        return html! {};
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min).floor();
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil().max(lo + 1.0);
    let bins = 10usize;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for v in values {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (w, h, pad) = (560.0, 180.0, 28.0);
    let bw = (w - 2.0 * pad) / bins as f64;
    html! {
        svg.chart viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) role="img" {
            @for (i, c) in counts.iter().enumerate() {
                @let bh = (h - 2.0 * pad) * (*c as f64) / top;
                rect x=(format!("{:.1}", pad + i as f64 * bw + 1.0)) y=(format!("{:.1}", h - pad - bh)) width=(format!("{:.1}", bw - 2.0)) height=(format!("{bh:.1}")) fill="#2563eb" {}
                @if *c > 0 { text x=(format!("{:.1}", pad + (i as f64 + 0.5) * bw)) y=(format!("{:.1}", h - pad - bh - 4.0)) font-size="11" text-anchor="middle" { (c) } }
                text x=(format!("{:.1}", pad + i as f64 * bw)) y=(h - pad + 14.0) font-size="10" fill="#444" { (format!("{:.0}", lo + i as f64 * width)) }
            }
            text x=(w - pad) y=(h - pad + 14.0) font-size="10" fill="#444" { (format!("{hi:.0}")) }
        }
    }
}

pub fn metrics_page(frame: &Frame, p: &MetricParams, names: &[(String, String)], rows: &[MetricRow], error: Option<&str>) -> Markup {
    let values: Vec<f64> = rows.iter().map(|r| r.value).collect();
    // One page of the table (the histogram counts every row).
    let per = crate::request::METRIC_ROWS_PER_PAGE;
    let pages = rows.len().div_ceil(per).max(1);
    let page = p.page.unwrap_or(1).clamp(1, pages);
    let (first, last) = ((page - 1) * per, (page * per).min(rows.len()));
    let body = html! {
        h1 { "指标" }
        form.inline action="/metrics" method="get" {
            label { "指标 " select name="name" {
                option value="" { "（全部）" }
                @for (n, l) in names { option value=(n) selected[*n == p.name] { (l) } }
            } }
            label { "低于 " input type="number" step="any" name="below" value=(p.below) size="6"; }
            label { "高于 " input type="number" step="any" name="above" value=(p.above) size="6"; }
            label { "年度 " input type="text" name="year" value=(p.year) placeholder="2023 或 2021..2023" size="12"; }
            label { "部门 " input type="text" name="dept" value=(p.dept) size="10"; }
            button type="submit" { "查询" }
        }
        @if let Some(e) = error { p.error { (e) } }
        p {
            (rows.len()) " 条"
            @if !rows.is_empty() {
                " · 导出全部：" a href=(p.export_url("metrics.xlsx")) { "Excel" } " " a href=(p.export_url("metrics.csv")) { "CSV" }
            }
        }
        @if !p.name.is_empty() { (histogram(&values)) }
        table.data {
            thead { tr { th { "部门" } th { "年度" } th { "指标" } th.num { "数值" } th { "单位" } th { "出处" } } }
            tbody {
                @for r in &rows[first..last] {
                    tr {
                        td { @if let Some(d) = &r.department { a href=(url("/department", &[("name", d.as_str())])) { (d) } } @else { "-" } }
                        td { (r.fiscal_year.map(|y| y.to_string()).unwrap_or_default()) }
                        td { (r.label) }
                        td.num { (r.value) @if let Some(m) = r.max { " / " (m) } }
                        td { (r.unit) }
                        td { a.sid href=(section_link(&r.section_id)) { (r.section_id) } }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pager {
                @if page > 1 { a href=(p.page_url(page - 1)) { "‹ 上一页" } }
                span { "第 " (page) " / " (pages) " 页（每页 " (per) " 条）" }
                @if page < pages { a href=(p.page_url(page + 1)) { "下一页 ›" } }
            }
        }
    };
    layout("指标", Page::Metrics, frame, body)
}

pub fn similar_page(frame: &Frame, of: &str, text: &str, hits: &[SimilarHit], themes: &Themes) -> Markup {
    let body = html! {
        h1 { "相似问题" }
        blockquote { (text) }
        p.lead { "其他报告中与此表述最相近的问题段落（" code { (of) } "）。“近乎照搬”指只换了名称和数字。" }
        @if hits.is_empty() { p.empty { "其他报告中没有与此表述相近的问题段落。" } }
        ol.hits {
            @for h in hits {
                li.hit {
                    div.meta {
                        a.dept href=(url("/department", &[("name", h.doc.department.as_deref().unwrap_or(""))])) { (h.doc.department.as_deref().unwrap_or("（未识别部门）")) }
                        span.year { (h.doc.fiscal_year.map(|y| y.to_string()).unwrap_or_default()) }
                        span.score { (format!("相似度 {:.2}", h.similarity)) }
                        @if h.near_duplicate { span.theme.recurring { "近乎照搬" } }
                        @for t in &h.doc.section.themes { span.theme { (theme_label(themes, &t.0)) } }
                    }
                    a.path href=(section_link(&h.id.0)) { (h.doc.section.path.join(" › ")) }
                    p.snippet { (crate::text::prefix_chars(&h.doc.section.content(), 300)) }
                }
            }
        }
        @if hits.is_empty() { p.empty { "其他报告中没有相似的问题段落。" } }
    };
    layout("相似问题", Page::Search, frame, body)
}

pub fn ingest_page(frame: &Frame, max_mb: u64, token: &str) -> Markup {
    let body = html! {
        h1 { "导入报告" }
        p.lead { "把报告文件（.pdf .docx .doc .txt .html）拖到下面，或点选文件。每个文件单独导入，逐个显示结果；单个文件不超过 " (max_mb) " MB。" }
        div #drop.drop data-token=(token) { "拖放文件到这里，或 " label.pick { "选择文件" input #files type="file" multiple accept=".pdf,.docx,.doc,.txt,.md,.html,.htm,.zip"; } }
        table.data #progress { thead { tr { th { "文件" } th { "进度" } th { "结果" } } } tbody {} }
        p #done.hidden { "完成。" a href="/" { "去检索 ›" } }
    };
    layout("导入", Page::Ingest, frame, body)
}
