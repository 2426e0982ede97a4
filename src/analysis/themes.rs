//! Problem-theme tagging: which weaknesses of the taxonomy (schema/themes.toml) a problem paragraph
//! names.
//!
//! Only problem text is tagged (category problems, deductions included). A theme matches by its
//! phrasing patterns on the heading and text, or by an indicator name: a problem item headed
//! "政府采购执行率", or the "存在问题" paragraph under such an indicator, carries that indicator's theme.

use crate::domain::Themes;
use crate::model::{Category, Section, SectionKind, ThemeId};
use crate::parse::bare_title;
use crate::text::squeeze;

/// The themes of one problem paragraph: `indicator` is the name of the indicator it belongs to.
pub fn themes_of(title: &str, text: &str, indicator: &str, themes: &Themes) -> Vec<ThemeId> {
    let body = squeeze(&format!("{title}\n{text}"));
    let indicator = squeeze(indicator);
    themes
        .list
        .iter()
        .filter(|t| {
            t.patterns.iter().any(|p| p.is_match(&body)) || (!indicator.is_empty() && t.indicators.iter().any(|p| p.is_match(&indicator)))
        })
        .map(|t| t.id.clone())
        .collect()
}

/// Tags every problem section of a report in place; other sections get no themes.
pub fn tag_sections(sections: &mut [Section], themes: &Themes) {
    for i in 0..sections.len() {
        if sections[i].category != Category::Problems {
            sections[i].themes.clear();
            continue;
        }
        let s = &sections[i];
        let title = bare_title(s);
        let indicator = match (s.kind, s.parent) {
            (SectionKind::Labeled, Some(p)) => bare_title(&sections[p as usize]),
            (SectionKind::Heading, _) => title.clone(),
            _ => String::new(),
        };
        let tags = themes_of(if s.kind == SectionKind::Labeled { "" } else { &title }, &s.text, &indicator, themes);
        sections[i].themes = tags;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Domain;

    fn ids(title: &str, text: &str, indicator: &str) -> Vec<String> {
        let d = Domain::builtin().unwrap();
        themes_of(title, text, indicator, &d.themes).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn themes_are_found_by_phrasing_not_one_keyword() {
        assert_eq!(ids("", "我局政府采购执行率偏低，采购执行率仅 31.2%。", ""), vec!["procurement_low"]);
        assert_eq!(ids("", "项目资金预算不够完整，上级安排的部分资金未列入预算。", ""), vec!["budget_prep_inaccurate"]);
        assert_eq!(ids("专业人才紧缺", "乡镇卫生院进人难、留人难。", ""), vec!["talent_shortage"]);
        assert_eq!(ids("", "各单位信息系统尚未实现互联互通，数据难以共享。", ""), vec!["it_weak"]);
        assert_eq!(ids("", "因库款保障不足，项目资金不能及时拨付。", ""), vec!["fund_late"]);
        assert_eq!(ids("资金拨付不及时", "上级补助资金下达较晚，部分工程款拨付滞后。", ""), vec!["fund_late"]);
        assert_eq!(ids("", "两座山塘整治工程因汛期停工，年底未能完工。", ""), vec!["project_delay"]);
        assert_eq!(ids("", "上半年项目支出进度缓慢，年末集中支付。", ""), vec!["budget_exec_low"]);
    }

    #[test]
    fn common_variants_of_wording() {
        for (text, theme) in [
            ("部分项目预算执行进度偏慢。", "budget_exec_low"),
            ("基层站所人手不足。", "talent_shortage"),
            ("业务信息系统建设滞后。", "it_weak"),
            ("内部控制不健全，审批流程不规范。", "rules_weak"),
            ("年末结余资金较多。", "carryover_high"),
            ("公务接待费超支。", "three_public_over"),
            ("满意度调查未开展。", "satisfaction_no_survey"),
            ("政府采购计划执行不到位。", "procurement_low"),
        ] {
            assert!(ids("", text, "").contains(&theme.to_string()), "{text}: {:?}", ids("", text, ""));
        }
    }

    #[test]
    fn positive_wording_is_not_a_problem() {
        assert!(ids("", "预算编制科学合理，政府采购执行率为 99.58%，制度健全。", "").is_empty());
        assert!(ids("", "加强信息化建设，实现数据共享。", "").is_empty());
    }

    #[test]
    fn indicator_names_carry_their_theme() {
        assert_eq!(ids("", "全年执行率与目标值存在差距。", "预算执行率"), vec!["budget_exec_low"]);
        assert_eq!(ids("", "比率＞10%。本指标自评得分为0分。", "预算调整率"), vec!["budget_prep_inaccurate"]);
        assert_eq!(ids("", "部分信访人要求过高。", "公众或服务对象满意度"), vec!["satisfaction_no_survey"]);
    }
}
