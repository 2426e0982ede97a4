//! Report metadata: title, department, region, fiscal year, total score, grade, kind.
//!
//! Each value is taken from where reports of this genre state it, in order of reliability: cover
//! fields (部门名称：…), the title, then the body. What cannot be found stays `None`; nothing is guessed
//! from file names.

use crate::model::{Grade, ReportKind};
use crate::region::RegionTable;
use crate::text::{fold, squeeze};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

fn re(p: &str) -> Regex {
    Regex::new(p).expect("metadata pattern")
}

/// Org-name suffixes, longest first so that 委员会 wins over 委.
const ORG_SUFFIXES: [&str; 21] = [
    "委员会", "办公室", "联合会", "幼儿园", "管理处", "中学", "小学", "学校", "医院", "中心", "政府", "协会", "总局", "局", "厅", "委",
    "院", "站", "所", "办", "馆",
];
/// Suffixes of administrative departments (as opposed to subordinate units such as hospitals).
const ADMIN_SUFFIXES: [&str; 6] = ["局", "委员会", "委", "厅", "办公室", "政府"];

static COVER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:部门|单位|预算单位|填报单位|报送单位|主管部门|项目主管部门|项目单位|实施单位|部门（单位）|单位（部门）)(?:名称)?(?:[（(][^）)]{0,8}[)）])?\s*[:：]\s*(.+)$")
});
static TITLE_ORG: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(.{3,30}?(?:委员会|办公室|联合会|中心|医院|政府|局|厅|委|院|站|所|办|馆|队|处|会|部))(?:\d{4}年度?)?(?:部门|单位|整体|本级|项目|关于|年度|绩效|预算|决算)")
});
static FILED: LazyLock<Regex> = LazyLock::new(|| re(r"(?:填报|报告|报送|编制|评价|自评|填表|提交|成文|上报)(?:日期|时间)\s*[:：]\s*(.+)$"));
static YEAR_ANY: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)\d{2})年"));
static YEAR_TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"((?:19|20)\d{2})年度?"));
static YEAR_EVALUATED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"对((?:19|20)\d{2})年度?[^。；]{0,16}(?:开展|进行|实施)[^。；]{0,8}(?:绩效)?(?:自评|评价)")
});
static YEAR_BUDGET: LazyLock<Regex> =
    LazyLock::new(|| re(r"((?:19|20)\d{2})年度?(?:部门|单位|本级)?(?:预算|决算|整体支出|部门整体|绩效|全年|实际|年初)"));
static YEAR_END: LazyLock<Regex> = LazyLock::new(|| re(r"截[止至]((?:19|20)\d{2})年12月31日"));
static DATE_ONLY: LazyLock<Regex> = LazyLock::new(|| re(r"^((?:19|20)\d{2})年(\d{1,2}月(\d{1,2}日)?)?$"));
static BOOK_TITLE: LazyLock<Regex> = LazyLock::new(|| re(r"《[^》]{0,120}》|〔[^〕]{0,12}〕|\[\d{4}\]"));
static TOTAL_SCORE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:整体|综合|总体|最终|本次|总得分|总评分)[^。；]{0,20}?(?:自评|评价|得分|评分|分数|打分)[^。；\d]{0,4}?(\d{1,3}(?:\.\d{1,2})?)分")
});
static GRADE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:等级|等次|级别|(?:评价|自评|绩效)结果)(?:为|是|:|：|评定为|评为)?[“\x22「『]?(优秀|优|良好|良|中等|中|合格|不合格|较差|差)")
});

/// The title: the first cover line that names a report, joined with the line before it when the
/// title is set over two lines ("2022年度义务教育薄弱环节改善项目" / "支出绩效自评报告").
pub fn title(cover: &[String]) -> Option<String> {
    let lines: Vec<&str> = cover.iter().map(|l| l.trim()).collect();
    let is_field = |l: &str| l.contains('：') || l.contains(':');
    let i = lines.iter().position(|l| l.contains("报告") && l.chars().count() <= 60 && !is_field(l))?;
    let line = lines[i];
    let before = i.checked_sub(1).map(|j| lines[j]).filter(|p| {
        !is_field(p)
            && !crate::text::ends_sentence(p)
            && !p.starts_with("附")
            && (p.contains("年度") || p.contains("项目") || p.contains("部门") || p.contains("单位"))
            && p.chars().count() + line.chars().count() <= 70
    });
    Some(match before {
        Some(p) if !line.starts_with(|c: char| c.is_ascii_digit()) => format!("{p}{line}"),
        _ => line.to_string(),
    })
}

/// The filing date as written on the cover.
pub fn filed(cover: &[String]) -> Option<String> {
    cover.iter().find_map(|l| FILED.captures(l.trim()).map(|c| c[1].trim().to_string()))
}

fn trim_org(value: &str) -> String {
    let v = value.trim().trim_end_matches(['（', '(']);
    let v = v.split(['（', '(']).next().unwrap_or(v);
    v.trim().trim_end_matches(['。', '；', ';', ',', '，']).trim().to_string()
}

fn ends_with_org_suffix(s: &str) -> bool {
    ORG_SUFFIXES.iter().any(|suf| s.ends_with(suf))
}

/// Every region-prefixed org name in `text` with its count: 乐昌市卫生健康局, 安义县人民医院…
fn org_names(text: &str, regions: &RegionTable) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let starts = regions.mention_starts(text);
    for start in starts {
        let rest = &text[start..];
        let chain: usize = regions.leading_chain(rest).iter().map(|n| n.len()).sum();
        let after = &rest[chain..];
        let mut end = None;
        for (n, (i, c)) in after.char_indices().enumerate() {
            if n > 14 || !crate::text::is_han(c) {
                break;
            }
            if let Some(suf) = ORG_SUFFIXES.iter().find(|s| after[i..].starts_with(**s)) {
                if n >= 2 {
                    end = Some(i + suf.len());
                    break;
                }
            }
        }
        if let Some(e) = end {
            *counts.entry(rest[..chain + e].to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// The department: a cover field, the org that opens the title, a cover line that is an org name,
/// else the administrative department the body names most. A short form (安义县卫生健康委) is
/// extended to the full name the body uses (安义县卫生健康委员会).
pub fn department(cover: &[String], title: Option<&str>, text: &str, regions: &RegionTable) -> Option<String> {
    let body = BOOK_TITLE.replace_all(text, "");
    let orgs = org_names(&body, regions);
    let from_cover = cover.iter().find_map(|l| {
        let c = COVER_FIELD.captures(l.trim())?;
        let v = trim_org(&c[1]);
        (v.chars().count() >= 3).then_some(v)
    });
    let from_title = || {
        let t = squeeze(title?);
        let t = YEAR_TITLE.replace(&t, "").to_string();
        TITLE_ORG.captures(&t).map(|c| c[1].to_string())
    };
    let from_cover_line = || {
        cover.iter().map(|l| squeeze(l)).find(|l| {
            l.chars().count() <= 30 && ends_with_org_suffix(l) && !regions.leading_chain(l).is_empty() && !l.ends_with("制")
        })
    };
    let from_body = || {
        orgs.iter()
            .filter(|(name, _)| ADMIN_SUFFIXES.iter().any(|s| name.ends_with(s)))
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.len().cmp(&a.0.len())).then(b.0.cmp(a.0)))
            .map(|(name, _)| name.clone())
    };
    let found = from_cover.or_else(from_title).or_else(from_cover_line).or_else(from_body)?;
    // Extend an abbreviation to the longest org name in the text that starts with it.
    let full = orgs
        .keys()
        .filter(|name| name.starts_with(&found) && name.len() > found.len() && name.chars().count() - found.chars().count() <= 3)
        .max_by_key(|name| (orgs[*name], name.len()))
        .cloned();
    let found = full.unwrap_or(found);
    // A name without its place ("县农业农村局", "市卫生健康委"): the place-named org of the body that
    // ends with it ("宁乡市农业农村局").
    if regions.leading_chain(&found).is_empty() {
        let core = found.trim_start_matches(['省', '市', '县', '区', '州', '旗', '本']);
        let placed = orgs
            .iter()
            .filter(|(name, _)| core.chars().count() >= 3 && name.ends_with(core) && !regions.leading_chain(name).is_empty())
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(name, _)| name.clone());
        if let Some(p) = placed {
            return Some(p);
        }
    }
    Some(found)
}

/// The fiscal year evaluated (not the year of filing).
/// `squeezed` is the report's text as `squeeze` returns it.
pub fn fiscal_year(cover: &[String], title: Option<&str>, squeezed: &str) -> Option<u16> {
    let mut score: HashMap<u16, u32> = HashMap::new();
    let mut add = |y: &str, w: u32| {
        if let Ok(y) = y.parse::<u16>() {
            if (1990..=2100).contains(&y) {
                *score.entry(y).or_insert(0) += w;
            }
        }
    };
    if let Some(t) = title {
        for c in YEAR_TITLE.captures_iter(&squeeze(t)) {
            add(&c[1], 50);
        }
    }
    let mut filing_years = Vec::new();
    for l in cover {
        let sq = squeeze(l);
        if let Some(c) = DATE_ONLY.captures(&sq) {
            filing_years.push(c[1].to_string());
            continue;
        }
        if FILED.is_match(l) {
            if let Some(c) = YEAR_ANY.captures(&sq) {
                filing_years.push(c[1].to_string());
            }
            continue;
        }
        if sq.starts_with('(') || sq.starts_with('（') {
            for c in YEAR_TITLE.captures_iter(&sq) {
                add(&c[1], 40);
            }
        }
    }
    let body = BOOK_TITLE.replace_all(squeezed, "");
    for c in YEAR_EVALUATED.captures_iter(&body) {
        add(&c[1], 30);
    }
    for c in YEAR_END.captures_iter(&body) {
        add(&c[1], 5);
    }
    for c in YEAR_BUDGET.captures_iter(&body) {
        add(&c[1], 3);
    }
    for c in YEAR_ANY.captures_iter(&body) {
        add(&c[1], 1);
    }
    // A filing date on the cover is not the year evaluated.
    for y in filing_years {
        if let Ok(y) = y.parse::<u16>() {
            if let Some(s) = score.get_mut(&y) {
                *s = s.saturating_sub(20);
            }
        }
    }
    score.into_iter().filter(|(_, s)| *s > 0).max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0))).map(|(y, _)| y)
}

static CONCLUSION_SCORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:得分|评分|分数|打分|自评|总分)(?:为|是|:|：)?(\d{1,3}(?:\.\d{1,2})?)分"));
/// The total row of a score table: "综合评分\t…\t88.17".
static TABLE_TOTAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(?:综合评分|综合得分|总分|总得分|自评总分|自评得分合计|得分合计)\s*(?:\t[^\t\n]*)*?\t\s*(\d{1,3}(?:\.\d{1,2})?)\s*分?\s*$"));

/// The total self-evaluation score: a score stated in a conclusion section ("自评结论", "绩效自评结论"),
/// else one the text calls overall (整体/综合/本次…得分).
/// `text` as written (score tables need their tabs), `squeezed` as `squeeze` returns it.
pub fn total_score(conclusions: &[&str], text: &str, squeezed: &str) -> Option<f64> {
    let plausible = |v: &f64| *v > 0.0 && *v <= 110.0;
    let from_conclusion = conclusions.iter().find_map(|t| {
        let t = squeeze(t);
        let anchored = TOTAL_SCORE.captures_iter(&t).filter_map(|c| c[1].parse::<f64>().ok()).find(plausible);
        anchored.or_else(|| CONCLUSION_SCORE.captures_iter(&t).filter_map(|c| c[1].parse::<f64>().ok()).find(|v| *v >= 30.0 && *v <= 110.0))
    });
    from_conclusion
        .or_else(|| TOTAL_SCORE.captures_iter(squeezed).filter_map(|c| c[1].parse::<f64>().ok()).find(plausible))
        .or_else(|| TABLE_TOTAL.captures_iter(text).filter_map(|c| c[1].parse::<f64>().ok()).find(|v| *v >= 30.0 && *v <= 110.0))
}

/// The grade, mapped to 优/良/中/差 (合格 → 中, 不合格 → 差).
/// The grade from the report's squeezed text.
pub fn grade(squeezed: &str) -> Option<Grade> {
    GRADE.captures(squeezed).map(|c| match &c[1] {
        "优秀" | "优" => Grade::Excellent,
        "良好" | "良" => Grade::Good,
        "中等" | "中" | "合格" => Grade::Fair,
        _ => Grade::Poor,
    })
}

/// Department overall, project, or other, from the title and the opening of the text.
pub fn kind(title: Option<&str>, cover: &[String], text: &str) -> Option<ReportKind> {
    let classify = |s: &str| -> Option<ReportKind> {
        let s = squeeze(s);
        if s.contains("项目支出") && (s.contains("自评") || s.contains("评价")) || s.contains("项目绩效") {
            Some(ReportKind::Project)
        } else if s.contains("整体支出") || s.contains("部门整体") || s.contains("单位整体") {
            Some(ReportKind::DepartmentOverall)
        } else if s.contains("决算") {
            Some(ReportKind::Other)
        } else {
            None
        }
    };
    if let Some(k) = title.and_then(classify) {
        return Some(k);
    }
    if let Some(k) = cover.iter().find_map(|l| classify(l)) {
        return Some(k);
    }
    let head: String = fold(text).chars().take(3000).collect();
    let overall = head.matches("部门整体").count() + head.matches("整体支出").count() + head.matches("单位整体").count();
    let project = head.matches("项目名称").count() + head.matches("项目支出绩效自评").count() + head.matches("项目绩效目标").count();
    match (overall, project) {
        (0, 0) => Some(ReportKind::Other),
        (o, p) if p > o => Some(ReportKind::Project),
        _ => Some(ReportKind::DepartmentOverall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Domain;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_title_set_over_two_lines_is_joined() {
        let cover = lines(&["附件2", "2022年度义务教育薄弱环节改善项目", "支出绩效自评报告", "自评日期：2023年4月20日"]);
        assert_eq!(title(&cover).as_deref(), Some("2022年度义务教育薄弱环节改善项目支出绩效自评报告"));
        assert_eq!(fiscal_year(&cover, title(&cover).as_deref(), "2023年4月完成自评。"), Some(2022));
        assert_eq!(title(&lines(&["部门整体支出绩效自评报告"])).as_deref(), Some("部门整体支出绩效自评报告"));
    }

    #[test]
    fn department_from_cover_field_title_or_body() {
        let d = Domain::builtin().unwrap();
        let cover = lines(&["部门整体支出绩效自评报告", "部门名称（公章）：广州市海珠区教育局"]);
        assert_eq!(department(&cover, None, "", d.regions().unwrap()).as_deref(), Some("广州市海珠区教育局"));
        let text = "绍兴市水利局是主管全市水利工作的市政府工作部门。绍兴市水利局负责……";
        assert_eq!(
            department(&[], Some("绍兴市水利局2023年度部门整体支出绩效自评报告"), text, d.regions().unwrap()).as_deref(),
            Some("绍兴市水利局")
        );
        let text = "平江县教育体育委员会是县政府组成部门。平江县教育体育委员会下属学校30所。";
        assert_eq!(department(&[], Some("平江县教育体育委部门整体支出绩效自评报告"), text, d.regions().unwrap()).as_deref(), Some("平江县教育体育委员会"));
        let text = "我局负责全县农业农村工作。宁乡市农业农村局下设事业单位6个。";
        assert_eq!(department(&[], Some("县农业农村局2023年度部门整体支出绩效自评报告"), text, d.regions().unwrap()).as_deref(), Some("宁乡市农业农村局"));
        let text = "根据《某某文件》，洛阳市公安局认真开展自评。洛阳市公安局全年支出……洛阳市人民医院协助。";
        assert_eq!(department(&[], None, text, d.regions().unwrap()).as_deref(), Some("洛阳市公安局"));
    }

    #[test]
    fn fiscal_year_is_the_year_evaluated_not_the_filing_year() {
        let cover = lines(&["部门整体支出绩效自评报告", "填报日期：2023年4月", "2023 年"]);
        let text = "2022年，我局预算执行良好。截至2022年12月31日，资产总额……根据《关于做好2023年绩效自评的通知》";
        assert_eq!(fiscal_year(&cover, None, text), Some(2022));
        assert_eq!(fiscal_year(&lines(&["(2019 年度)"]), None, "2020年计划"), Some(2019));
        assert_eq!(fiscal_year(&[], Some("2021年度部门整体支出绩效自评报告"), "2022年工作计划"), Some(2021));
        assert_eq!(fiscal_year(&[], None, "没有年份"), None);
    }

    #[test]
    fn total_score_grade_and_kind() {
        assert_eq!(total_score(&[], "", "指标分值18分，自评得分17分。我单位部门整体绩效综合评分为91.5分。"), Some(91.5));
        assert_eq!(total_score(&[], "", &squeeze("该指标总分 7 分，实际得分 5 分。")), None);
        assert_eq!(total_score(&["本项目2023年度绩效自评得分为82分，评价等级为中。"], "", "指标得分5分"), Some(82.0));
        assert_eq!(grade("本次自评得分为88.17分，评价等级为“良”。"), Some(Grade::Good));
        assert_eq!(grade("自评等次：优秀"), Some(Grade::Excellent));
        assert_eq!(grade("无等级"), None);
        assert_eq!(grade("本次绩效自评结果为“良好”。"), Some(Grade::Good));
        assert_eq!(total_score(&["经逐项打分，自评总分为93分。"], "", ""), Some(93.0));
        assert_eq!(total_score(&[], "附件 评分表\n指标\t分值\t得分\n合计\t100\t527,711\n综合评分\t\t\t91.5\n", ""), Some(91.5));
        assert_eq!(kind(Some("2023年度项目支出绩效自评报告"), &[], ""), Some(ReportKind::Project));
        assert_eq!(kind(None, &[], "部门整体支出情况"), Some(ReportKind::DepartmentOverall));
    }
}
