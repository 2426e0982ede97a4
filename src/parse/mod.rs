//! Text → `Report`: the section tree, labeled paragraphs, categories, indicator scores and metadata.
//!
//! `parse_text` is pure: it takes decoded text and the schema and returns the report with its
//! sections categorized. Statements, themes and metrics are added by the next stage (`enrich`).

pub mod decode;
pub(crate) mod lines;
pub(crate) mod meta;
pub(crate) mod sections;

use crate::schema::Domain;
use crate::model::{MAX_IN_HEADING, Category, Flag, IndicatorScore, Report, ReportId, ReportMeta, ReportOverrides, Section, SectionKind, SourceInfo};
use crate::text::{fold, squeeze};
use regex::Regex;
use sections::{RawKind, RawSection};
use std::sync::LazyLock;

/// Parses decoded text into a report (not yet enriched). Fails only when the region table or the
/// unit or metadata lexicon does not compile.
pub fn parse_text(text: &str, source: SourceInfo, domain: &Domain) -> anyhow::Result<Report> {
    let regions = domain.regions()?;
    let units = domain.units()?;
    let words = domain.metadata()?;
    let id = ReportId::from_text(text);
    // Pages in traditional characters are read as simplified, for metadata, themes and search.
    let simplified;
    let text = if crate::text::is_traditional(text) {
        simplified = crate::text::simplified(text);
        simplified.as_str()
    } else {
        text
    };
    // Pinyin after every character (mirror pages) splits names and fields: removed first.
    let unannotated = crate::text::without_pinyin(text);
    let text = unannotated.as_deref().unwrap_or(text);
    let layout = sections::layout(text, units)?;
    let sections = build_sections(&layout.sections, domain);
    let title = meta::title(&layout.cover);
    // Real files are named after the unit and the year ("XX局2022年度部门整体支出绩效自评报告.docx"):
    // the file name is evidence where the text names no unit or year.
    let file_stem = std::path::Path::new(&source.path).file_stem().map(|s| crate::text::simplified(&s.to_string_lossy())).unwrap_or_default();
    // One squeezed copy of the text for every metadata rule that reads it.
    let squeezed = squeeze(text);
    let department = meta::department_squeezed(&layout.cover, title.as_deref(), text, &squeezed, regions, units)
        .or_else(|| {
            let named = meta::department(&[file_stem.clone()], Some(&file_stem), "", regions, units).filter(|d| d.chars().count() >= 4)?;
            Some(meta::placed_by_cited_notice(&named, text, regions).unwrap_or(named))
        });
    let region = department.as_deref().map(|d| regions.resolve(units.without_party_prefix(d), text)).unwrap_or_default();
    // A department named without its place (县教育局): the place the title or body names most.
    let region = if region == Default::default() { regions.most_named(&format!("{}\n{text}", title.as_deref().unwrap_or(""))) } else { region };
    let fiscal_year = meta::fiscal_year(&layout.cover, title.as_deref(), &squeezed, words).or_else(|| meta::fiscal_year(&[], Some(&file_stem), "", words));
    let meta = ReportMeta {
        total_score: meta::total_score(
            &sections.iter().filter(|s| s.category == Category::Conclusion).map(|s| s.text.as_str()).collect::<Vec<_>>(),
            text,
            &squeezed,
            words,
        ),
        grade: meta::grade(&squeezed, words),
        kind: meta::kind(title.as_deref(), &layout.cover.iter().cloned().chain(std::iter::once(file_stem.clone())).collect::<Vec<_>>(), text, words),
        filed: meta::filed(&layout.cover, words).or_else(|| source.published.clone()),
        supervisor: meta::supervisor(&layout.cover, text, units).filter(|s| Some(s) != department.as_ref()),
        title,
        department,
        region,
        fiscal_year,
    };
    let mut report = Report {
        id,
        meta,
        source,
        sections,
        flags: vec![],
        metrics: vec![],
        overrides: ReportOverrides::default(),
    };
    refresh_flags(&mut report, layout.headless);
    Ok(report)
}

/// Sets the categories of a stored report's sections again, with the schema's category rules.
pub fn recategorize(report: &mut Report, domain: &Domain) {
    categorize(&mut report.sections, domain);
}

/// Applies a report's hand corrections (`jixiao set`) over what the parser found.
pub fn apply_overrides(r: &mut Report, regions: &crate::region::RegionTable) {
    if let Some(d) = &r.overrides.department {
        r.meta.department = Some(d.clone());
        // A name without a place (卫生健康局) keeps the region found before.
        let region = regions.resolve(d, "");
        if region != crate::model::Region::default() {
            r.meta.region = region;
        }
    }
    if let Some(y) = r.overrides.fiscal_year {
        r.meta.fiscal_year = Some(y);
    }
    let headless = r.flags.contains(&Flag::NoHeadings);
    refresh_flags(r, headless);
}

/// Recomputes the flags of what is missing.
pub fn refresh_flags(report: &mut Report, headless: bool) {
    report.flags.clear();
    if report.meta.department.is_none() {
        report.flags.push(Flag::NoDepartment);
    }
    if report.meta.fiscal_year.is_none() {
        report.flags.push(Flag::NoFiscalYear);
    }
    if headless || report.sections.iter().all(|s| s.kind == SectionKind::Whole) {
        report.flags.push(Flag::NoHeadings);
    }
}

static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[。！？；;])\s*([\p{Han}]{2,8})\s*[：:]").expect("label pattern"));
static MAX_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:指标分值|分值|满分|权重|该指标总分|指标总分)(?:为|是)?\s*(\d{1,3}(?:\.\d{1,2})?)\s*分").expect("max pattern")
});
static SCORE_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"得\s*分\s*(?:为|是)?\s*(\d{1,3}(?:\.\d{1,2})?)\s*(?:分|[，,。；;]|$)").expect("score pattern"));
static DEDUCTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"扣\s*(?:分|除|减)?\s*(\d{1,3}(?:\.\d{1,2})?)\s*分").expect("deduction pattern"));

/// A paragraph split at its labels: (text before the first label, [(label, text)]).
fn split_labels(paragraph: &str, domain: &Domain) -> (String, Vec<(String, String)>) {
    // A label ends with a colon: most paragraphs have none and are not scanned.
    if !paragraph.contains(['：', ':']) {
        return (paragraph.to_string(), vec![]);
    }
    let mut cuts = Vec::new();
    for c in LABEL.captures_iter(paragraph) {
        let (Some(whole), Some(label)) = (c.get(0), c.get(1)) else { continue };
        if domain.categories.for_label(label.as_str()).is_some() {
            // Keep the sentence end with the text before the label.
            let label_start = label.start();
            cuts.push((label_start, label.as_str().to_string(), whole.end()));
        }
    }
    if cuts.is_empty() {
        return (paragraph.to_string(), vec![]);
    }
    let before = paragraph[..cuts[0].0].trim().to_string();
    let mut labeled = Vec::new();
    for (i, (_, label, body_start)) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).map(|c| c.0).unwrap_or(paragraph.len());
        labeled.push((label.clone(), paragraph[*body_start..end].trim().to_string()));
    }
    (before, labeled)
}

/// The score of an indicator heading and its own text, if it states a maximum.
fn indicator_score(title: &str, text: &str) -> Option<IndicatorScore> {
    let t = fold(title);
    let in_heading = MAX_IN_HEADING.captures(&t);
    // Without a maximum in the heading, one in the text names 分 (which folding leaves alone).
    if in_heading.is_none() && !text.contains('分') {
        return None;
    }
    let body = squeeze(text);
    let max = in_heading.or_else(|| MAX_IN_TEXT.captures(&body)).and_then(|c| c[1].parse::<f64>().ok())?;
    let score = SCORE_IN_TEXT
        .captures_iter(&body)
        .filter_map(|c| c[1].parse::<f64>().ok())
        .filter(|s| *s <= max + 1e-9)
        .last()
        .or_else(|| DEDUCTED.captures(&body).and_then(|c| c[1].parse::<f64>().ok()).map(|d| max - d));
    Some(IndicatorScore { max, score })
}

/// Turns the raw tree into sections: labeled paragraphs become sections of their own, sections are
/// numbered in document order, categories and indicator scores are set.
fn build_sections(raw: &[RawSection], domain: &Domain) -> Vec<Section> {
    // children[i]: raw children of raw section i, in order.
    let mut children: Vec<Vec<usize>> = vec![vec![]; raw.len()];
    let mut roots = vec![];
    for (i, s) in raw.iter().enumerate() {
        match s.parent {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let mut out: Vec<Section> = Vec::new();
    // Depth-first, so that seq is document order: a section, its labeled paragraphs, its children.
    fn visit(
        i: usize,
        parent: Option<u32>,
        raw: &[RawSection],
        children: &[Vec<usize>],
        domain: &Domain,
        out: &mut Vec<Section>,
    ) {
        let r = &raw[i];
        let mut own = Vec::new();
        let mut labeled: Vec<(String, String)> = Vec::new();
        // A label alone on its line ("存在问题：") takes the paragraphs that follow, up to the next label.
        let mut open_label = false;
        for p in &r.paragraphs {
            let (before, labels) = if lines::is_table_row(p) { (p.clone(), vec![]) } else { split_labels(p, domain) };
            match labeled.last_mut() {
                Some(last) if open_label && labels.is_empty() => {
                    if !last.1.is_empty() {
                        last.1.push('\n');
                    }
                    last.1.push_str(&before);
                    continue;
                }
                _ => {}
            }
            if !before.is_empty() {
                own.push(before);
            }
            open_label = labels.last().is_some_and(|(_, t)| t.is_empty());
            labeled.extend(labels);
        }
        let parent_path: Vec<String> = parent.map(|p| out[p as usize].path.clone()).unwrap_or_default();
        let mut path = parent_path.clone();
        if !r.heading.is_empty() {
            path.push(r.heading.clone());
        }
        let own_text = own.join("\n");
        let all_text = own.iter().cloned().chain(labeled.iter().map(|(_, t)| t.clone())).collect::<Vec<_>>().join("\n");
        let seq = out.len() as u32;
        let level = parent.map(|p| out[p as usize].level + 1).unwrap_or(1);
        out.push(Section {
            seq,
            parent,
            level,
            kind: match r.kind {
                RawKind::Preamble => SectionKind::Preamble,
                RawKind::Whole => SectionKind::Whole,
                _ => SectionKind::Heading,
            },
            heading: r.heading.clone(),
            marker: r.marker.clone(),
            path: path.clone(),
            text: own_text,
            category: Category::Other,
            themes: vec![],
            statements: vec![],
            indicator: if r.kind == RawKind::Numbered || r.kind == RawKind::Unnumbered {
                indicator_score(&r.title, &all_text)
            } else {
                None
            },
        });
        for (label, text) in labeled {
            let lseq = out.len() as u32;
            let mut lpath = path.clone();
            lpath.push(label.clone());
            out.push(Section {
                seq: lseq,
                parent: Some(seq),
                level: level + 1,
                kind: SectionKind::Labeled,
                heading: label,
                marker: None,
                path: lpath,
                text,
                category: Category::Other,
                themes: vec![],
                statements: vec![],
                indicator: None,
            });
        }
        for &c in &children[i] {
            visit(c, Some(seq), raw, children, domain, out);
        }
    }
    for r in roots {
        visit(r, None, raw, &children, domain, &mut out);
    }
    categorize(&mut out, domain);
    out
}

/// Sets each section's category, top-down (see schema/categories.toml).
fn categorize(sections: &mut [Section], domain: &Domain) {
    let rules = &domain.categories;
    // Indicators that sum up scored indicators below them are not deductions themselves.
    let mut has_scored_descendant = vec![false; sections.len()];
    for i in (0..sections.len()).rev() {
        if sections[i].indicator.is_some() || has_scored_descendant[i] {
            if let Some(p) = sections[i].parent {
                has_scored_descendant[p as usize] = true;
            }
        }
    }
    for i in 0..sections.len() {
        let parent_cat = sections[i].parent.map(|p| sections[p as usize].category);
        let own = match sections[i].kind {
            SectionKind::Preamble => Some(Category::Overview),
            SectionKind::Whole => None,
            SectionKind::Labeled => rules.for_label(&sections[i].heading),
            SectionKind::Heading => rules.for_heading(&sections[i].bare_title()),
        };
        let mut cat = match (parent_cat, own) {
            (Some(p), Some(c)) if rules.is_sticky(p) => {
                if rules.is_sticky(c) {
                    c
                } else {
                    p
                }
            }
            (Some(p), None) => p,
            (_, Some(c)) => c,
            (None, None) => Category::Other,
        };
        let deduction = sections[i].indicator.is_some_and(|s| s.lost().is_some()) && !has_scored_descendant[i];
        if deduction && !matches!(cat, Category::Problems | Category::Measures | Category::Appendix) {
            cat = Category::Problems;
        }
        sections[i].category = cat;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> SourceInfo {
        SourceInfo { path: "t.txt".into(), file_hash: String::new(), bytes: 0, encoding: "UTF-8".into(), published: None }
    }

    fn parse(text: &str) -> Report {
        parse_text(text, source(), &Domain::builtin().unwrap()).unwrap()
    }

    #[test]
    fn labeled_paragraphs_become_sections_with_their_category() {
        let r = parse("一、分析\n1. 政府采购执行率\n存在问题：采购执行率仅24.48%，偏低。\n改进措施：加强采购管理。\n");
        let labeled: Vec<_> = r.sections.iter().filter(|s| s.kind == SectionKind::Labeled).collect();
        assert_eq!(labeled.len(), 2);
        assert_eq!(labeled[0].category, Category::Problems);
        assert_eq!(labeled[0].path, vec!["一、分析", "1. 政府采购执行率", "存在问题"]);
        assert_eq!(labeled[1].category, Category::Measures);
        assert_eq!(labeled[1].text, "加强采购管理。");
    }

    #[test]
    fn a_label_in_mid_paragraph_splits_it() {
        let r = parse("一、分析\n（1）资产配置合规性（2分）\n严格履行审批程序。存在问题：电脑超过配置标准。因此扣1分，得分1分。\n");
        let item = r.sections.iter().find(|s| s.heading.starts_with("（1）")).unwrap();
        assert_eq!(item.text, "严格履行审批程序。");
        assert_eq!(item.indicator, Some(IndicatorScore { max: 2.0, score: Some(1.0) }));
        assert_eq!(item.category, Category::Problems, "a deduction counts as problems");
    }

    #[test]
    fn problem_items_stay_problems_even_when_worded_like_budget() {
        let r = parse("五、存在问题\n1.预算编制的精准度有待提高：执行中调整较多。\n六、相关建议\n1.加强预算编制管理：提前调研。\n");
        let cats: Vec<_> = r.sections.iter().map(|s| (s.heading.as_str(), s.category)).collect();
        assert!(cats.contains(&("1.预算编制的精准度有待提高", Category::Problems)), "{cats:?}");
        assert!(cats.contains(&("1.加强预算编制管理", Category::Measures)), "{cats:?}");
    }

    #[test]
    fn an_indicator_that_sums_up_others_is_not_a_deduction() {
        let text = "三、绩效分析\n1.经济性。指标分值6分，自评得分为4分。\n（1）公用经费控制率。（2分）\n该指标自评得分为2分。\n（3）预算调整率。（2分）\n本指标自评得分为0分。\n";
        let r = parse(text);
        let agg = r.sections.iter().find(|s| s.heading.starts_with("1.经济性")).unwrap();
        assert_eq!(agg.indicator, Some(IndicatorScore { max: 6.0, score: Some(4.0) }));
        assert_ne!(agg.category, Category::Problems);
        let leaf = r.sections.iter().find(|s| s.heading.starts_with("（3）")).unwrap();
        assert_eq!(leaf.category, Category::Problems);
        let full = r.sections.iter().find(|s| s.heading.starts_with("（1）")).unwrap();
        assert_ne!(full.category, Category::Problems);
    }
}
