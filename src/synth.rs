//! A synthetic corpus in the genre, for benchmarks and crash tests: deterministic by seed, written in
//! our own words.
//!
//! Departments of real counties report year after year; each department has a few weaknesses of its
//! own that recur (sometimes copied forward word for word), heading styles vary, and the text carries
//! the noise of converted files: hard line wraps, page numbers, running headers.

use crate::region::RegionTable;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DEPARTMENTS: [&str; 14] = [
    "教育局", "水利局", "公安局", "卫生健康局", "财政局", "农业农村局", "民政局", "交通运输局", "自然资源局", "文化广电旅游局", "住房和城乡建设局",
    "市场监督管理局", "人力资源和社会保障局", "生态环境局",
];

const DUTIES: [&str; 6] = [
    "负责本行政区域内相关行业的规划、管理和监督工作，组织实施年度重点任务。",
    "承担政策的贯彻落实和公共服务保障职责，指导下属单位开展业务工作。",
    "统筹协调全县相关事务，组织开展专项整治和日常监管。",
    "负责项目的立项、实施和验收管理，保障专项资金规范使用。",
    "组织实施基层服务能力提升工程，推进信息化和标准化建设。",
    "做好应急保障、宣传培训和统计分析等工作。",
];

/// Problem paragraphs by theme: a heading and a body, with {p} for a percentage.
const PROBLEMS: [(&str, &str, &str); 13] = [
    ("procurement_low", "政府采购执行率偏低", "部分设备采购项目立项较晚，招标程序到年底仍未完成，全年政府采购执行率仅为{p}%，远低于预期。"),
    ("budget_exec_low", "预算执行进度偏慢", "上半年项目支出进度缓慢，年末集中支付，全年预算执行率为{p}%，与序时进度存在差距。"),
    ("budget_prep_inaccurate", "预算编制不够精准", "年初预算对项目工程量测算不细，年中追加调整较多，预算调整率达到{q}%，预算编制的科学性有待提高。"),
    ("target_not_quantified", "绩效目标不够明确", "部分项目的绩效指标没有细化量化，只写了提升服务水平等定性表述，难以考核。"),
    ("talent_shortage", "专业人才缺乏", "基层单位专业技术人员不足，人才流失严重，年龄结构老化，影响了工作质量。"),
    ("it_weak", "信息化水平不高", "各业务系统分散建设，尚未实现互联互通，数据难以共享，信息化建设滞后于工作需要。"),
    ("offbook_staff", "编外人员偏多", "因工作任务重，聘用编外人员较多，编外人员控制率超过规定比例。"),
    ("satisfaction_no_survey", "满意度调查未开展", "本年度未组织开展服务对象满意度调查，满意度指标缺乏依据。"),
    ("asset_noncompliant", "资产管理不够规范", "部分固定资产未及时登记入账，存在账实不符的情况。"),
    ("rules_weak", "内控制度不健全", "内部控制制度不够完善，对下属单位资金使用的监督不够有力。"),
    ("carryover_high", "结转结余资金较大", "部分项目资金年底未能支出，结转结余资金较大，结转结余率为{q}%，资金闲置。"),
    ("project_delay", "项目建设进度滞后", "受审批和天气影响，部分工程项目建设进度滞后，未能按计划完成。"),
    ("fund_late", "资金拨付不及时", "上级补助资金下达较晚，部分项目资金未能及时拨付，影响了项目实施。"),
];

/// Scored indicators of the analysis chapter: (name, maximum).
const INDICATORS: [(&str, u32); 12] = [
    ("预算编制合理性", 5), ("预算编制规范性", 5), ("绩效目标合理性", 4), ("绩效指标明确性", 4), ("预算执行率", 6), ("结转结余率", 3),
    ("政府采购执行率", 2), ("财务合规性", 4), ("资产管理规范性", 3), ("项目完成及时性", 6), ("重点工作完成率", 8), ("服务对象满意度", 6),
];

/// Sentences of the analysis and achievement chapters.
const PROSE: [&str; 10] = [
    "本单位严格按照财政部门的要求编制预算，预算编制及分配符合部门职责，资金根据工作轻重缓急进行分配。",
    "年度中严格执行预算，按照序时进度拨付资金，未发生截留、挤占、挪用资金等情况。",
    "建立了预算绩效管理工作机制，申报项目资金时同步申报绩效目标，实行绩效运行监控。",
    "对下属单位开展了专项检查，发现的问题已督促整改到位，资金使用的规范性进一步提高。",
    "通过政府信息公开平台按时公开了部门预决算信息，接受社会监督。",
    "全年组织业务培训多次，提升了基层工作人员的业务能力和服务水平。",
    "围绕年度重点任务，细化分解目标，定期调度进展，确保各项工作按期完成。",
    "加强与上级主管部门的沟通衔接，积极争取项目和资金支持，保障了重点项目的实施。",
    "完善了内部控制制度，规范了合同管理、资产管理和政府采购等业务流程。",
    "群众反映的问题均按时办理回复，办理质量和群众满意度稳步提升。",
];

const MEASURES: [&str; 5] = [
    "提前谋划项目，加快实施进度。",
    "细化预算编制，提高预算的准确性。",
    "加强业务培训，充实专业力量。",
    "完善内部管理制度，强化监督检查。",
    "按月跟踪资金支付，提高资金使用效益。",
];

/// One generated report file.
pub struct SynthReport {
    /// A file name such as real ones are named.
    pub file_name: String,
    /// The report's text.
    pub text: String,
    /// The themes of its 存在的问题 paragraphs: the ground truth for measuring the tagger.
    pub problem_themes: Vec<&'static str>,
    /// Its top-level headings as written (一、… or 第一部分…; none for the style that numbers them
    /// 1. like its items): the ground truth for the section tree.
    pub top_headings: Vec<String>,
}

/// Generates `count` reports deterministically from `seed`.
pub struct Generator {
    rng: ChaCha8Rng,
    counties: Vec<String>,
    messy: bool,
}

struct Department {
    name: String,
    /// This department's own recurring weaknesses (indices into PROBLEMS).
    weaknesses: Vec<usize>,
    style: usize,
}

impl Generator {
    /// A generator drawing places from `regions`, the same reports for the same seed.
    pub fn new(seed: u64, regions: &RegionTable) -> Generator {
        let counties = regions.county_chains();
        Generator { rng: ChaCha8Rng::seed_from_u64(seed), counties, messy: false }
    }

    /// Reports with the layout mess of real files: a table of contents with dot leaders and page
    /// numbers, lists that mix 1、 and 1. and skip or swap numbers, a list restarted at （一）
    /// inside （二）, items numbered （1） under 1、. The reports of a seed differ from the tidy ones.
    pub fn messy(mut self) -> Generator {
        self.messy = true;
        self
    }

    fn department(&mut self) -> Department {
        let county = self.counties.choose(&mut self.rng).cloned().unwrap_or_else(|| "某某县".into());
        let dept = DEPARTMENTS.choose(&mut self.rng).copied().unwrap_or("教育局");
        let n = self.rng.random_range(1..=3);
        let weaknesses = (0..n).map(|_| self.rng.random_range(0..PROBLEMS.len())).collect();
        Department { name: format!("{county}{dept}"), weaknesses, style: self.rng.random_range(0..3) }
    }

    /// Generates reports: departments with consecutive fiscal years, until `count` reports exist.
    pub fn generate(&mut self, count: usize) -> Vec<SynthReport> {
        let mut out = Vec::with_capacity(count);
        let mut n = 0;
        while out.len() < count {
            let dept = self.department();
            let first: u16 = self.rng.random_range(2016..=2023);
            let years = self.rng.random_range(1..=4u16);
            let mut last_problems: Vec<String> = Vec::new();
            for y in first..(first + years).min(2026) {
                if out.len() >= count {
                    break;
                }
                let (text, problems, problem_themes, top_headings) = self.report(&dept, y, &last_problems);
                last_problems = problems;
                out.push(SynthReport { file_name: format!("{n:06}_{y}.txt"), text, problem_themes, top_headings });
                n += 1;
            }
        }
        out
    }

    fn pct(&mut self, lo: f64, hi: f64) -> String {
        format!("{:.1}", self.rng.random_range(lo..hi))
    }

    /// One report; returns its text and its problem paragraphs (copied forward next year, sometimes).
    fn report(&mut self, d: &Department, year: u16, last: &[String]) -> (String, Vec<String>, Vec<&'static str>, Vec<String>) {
        let rng_style = d.style;
        let h1 = |i: usize, t: &str| -> String {
            const CN: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];
            match rng_style {
                0 => format!("{}、{t}", CN[i]),
                1 => format!("第{}部分 {t}", CN[i]),
                _ => format!("{}. {t}", i + 1),
            }
        };
        let h2 = |i: usize, t: &str| -> String {
            const CN: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];
            if rng_style == 2 {
                format!("（{}）{t}", i + 1)
            } else {
                format!("（{}）{t}", CN[i])
            }
        };
        let score = self.pct(78.0, 99.0);
        let grade = match score.parse::<f64>().unwrap_or(90.0) {
            s if s >= 90.0 => "优",
            s if s >= 80.0 => "良",
            _ => "中",
        };
        let budget = self.pct(1000.0, 90000.0);
        let exec = self.pct(70.0, 100.0);
        let proc = self.pct(20.0, 99.0);
        let mut t = String::new();
        t.push_str(&format!("{}{}年度部门整体支出绩效自评报告\n\n部门名称：{}\n填报日期：{}年3月\n\n", d.name, year, d.name, year + 1));
        const CHAPTERS: [&str; 6] = ["部门基本情况", "绩效自评结论", "绩效分析", "主要绩效", "存在的问题", "改进措施"];
        if self.messy && self.rng.random_bool(0.6) {
            t.push_str("目  录\n");
            for (i, c) in CHAPTERS.iter().enumerate() {
                let dots = "…".repeat(self.rng.random_range(6..20));
                t.push_str(&format!("{}{dots}{}\n", h1(i, c), 1 + i * 2));
            }
            t.push('\n');
        }
        // A list marker: tidy, or in the messy mode 1、 and 1. mixed, and now and then （1）.
        let messy = self.messy;
        let item = |rng: &mut ChaCha8Rng, n: usize| -> String {
            if !messy {
                return format!("{n}.");
            }
            match rng.random_range(0..6) {
                0 | 1 => format!("{n}、"),
                2 => format!("{n}. "),
                _ => format!("{n}."),
            }
        };
        t.push_str(&h1(0, "部门基本情况"));
        t.push('\n');
        t.push_str(&h2(0, "主要职能"));
        t.push('\n');
        for _ in 0..3 {
            t.push_str(&format!("{}{}\n", d.name, DUTIES.choose(&mut self.rng).copied().unwrap_or(DUTIES[0])));
        }
        t.push_str(&h2(1, "预算执行情况"));
        t.push('\n');
        t.push_str(&format!("{year}年全年预算数{budget}万元，预算执行率为{exec}%，政府采购执行率为{proc}%。\n"));
        if self.messy && self.rng.random_bool(0.5) {
            // A list restarted at （一） inside （二）, out of order now and then.
            let parts = if self.rng.random_bool(0.3) { ["（二）项目支出", "（一）基本支出"] } else { ["（一）基本支出", "（二）项目支出"] };
            for p in parts {
                t.push_str(&format!("{p}\n{}\n", PROSE.choose(&mut self.rng).copied().unwrap_or(PROSE[0])));
            }
        }
        t.push_str(&h1(1, "绩效自评结论"));
        t.push('\n');
        t.push_str(&format!("我单位{year}年度部门整体支出绩效自评得分为{score}分，评价等级为“{grade}”。\n"));
        // The indicator analysis: each scored indicator with its reasoning.
        t.push_str(&h1(2, "绩效分析"));
        t.push('\n');
        for (i, (name, max)) in INDICATORS.iter().enumerate() {
            let lost = if self.rng.random_bool(0.15) { self.rng.random_range(1..=(*max).min(3)) } else { 0 };
            let n = if self.messy && i == 5 && self.rng.random_bool(0.3) { i + 2 } else { i + 1 };
            t.push_str(&format!("{}{name}（{max}分）\n", item(&mut self.rng, n)));
            if self.messy && self.rng.random_bool(0.1) {
                t.push_str(&format!("（1）{}\n（2）{}\n", PROSE.choose(&mut self.rng).copied().unwrap_or(PROSE[0]), PROSE.choose(&mut self.rng).copied().unwrap_or(PROSE[0])));
            }
            for _ in 0..self.rng.random_range(2..=4) {
                t.push_str(PROSE.choose(&mut self.rng).copied().unwrap_or(PROSE[0]));
            }
            t.push_str(&format!("该指标得分{}分。\n", max - lost));
        }
        t.push_str(&h1(3, "主要绩效"));
        t.push('\n');
        for i in 0..self.rng.random_range(3..=6) {
            let marker = item(&mut self.rng, i + 1);
            t.push_str(&marker);
            for _ in 0..self.rng.random_range(3..=6) {
                t.push_str(PROSE.choose(&mut self.rng).copied().unwrap_or(PROSE[0]));
            }
            t.push('\n');
        }
        t.push_str(&h1(4, "存在的问题"));
        t.push('\n');
        let mut problems = Vec::new();
        let mut themes = Vec::new();
        for (i, w) in d.weaknesses.iter().enumerate() {
            // A weakness is reported most years; half the time last year's paragraph is copied forward.
            if self.rng.random_bool(0.2) {
                continue;
            }
            let (theme, head, body) = PROBLEMS[*w];
            let para = match last.iter().find(|p| p.starts_with(head)) {
                Some(p) if self.rng.random_bool(0.5) => p.clone(),
                _ => {
                    let p = self.pct(20.0, 80.0);
                    let q = self.pct(8.0, 30.0);
                    format!("{head}。{}", body.replace("{p}", &p).replace("{q}", &q))
                }
            };
            let marker = item(&mut self.rng, i + 1);
            t.push_str(&format!("{marker}{para}\n"));
            problems.push(para);
            if !themes.contains(&theme) {
                themes.push(theme);
            }
        }
        t.push_str(&h1(5, "改进措施"));
        t.push('\n');
        let measures: Vec<&str> = MEASURES.choose_multiple(&mut self.rng, 3).copied().collect();
        for (i, m) in measures.iter().enumerate() {
            let marker = item(&mut self.rng, i + 1);
            t.push_str(&format!("{marker}{m}\n"));
        }
        let top = if d.style == 2 { Vec::new() } else { CHAPTERS.iter().enumerate().map(|(i, c)| h1(i, c)).collect() };
        (noise(&t, &d.name, &mut self.rng), problems, themes, top)
    }
}

/// The noise of converted files: lines wrapped at ~38 characters, page numbers, running headers.
fn noise(text: &str, dept: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut lines_on_page = 0;
    let mut page = 1;
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for chunk in chars.chunks(38) {
            out.extend(chunk);
            out.push('\n');
            lines_on_page += 1;
            if lines_on_page >= 30 {
                out.push_str(&format!("\n- {page} -\n{dept}绩效自评报告\n"));
                page += 1;
                lines_on_page = 0;
            }
        }
        if rng.random_bool(0.3) {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Domain;

    #[test]
    fn generation_is_deterministic_and_parses() {
        let d = Domain::builtin().unwrap();
        let a = Generator::new(7, d.regions().unwrap()).generate(20);
        let b = Generator::new(7, d.regions().unwrap()).generate(20);
        assert_eq!(a.iter().map(|r| &r.text).collect::<Vec<_>>(), b.iter().map(|r| &r.text).collect::<Vec<_>>());
        let src = || crate::model::SourceInfo { path: String::new(), file_hash: String::new(), bytes: 0, encoding: String::new(), published: None };
        let r = crate::enrich::read_report(&a[0].text, src(), &d).unwrap();
        assert!(r.meta.department.is_some() && r.meta.fiscal_year.is_some(), "{:?}", r.meta);
        assert!(r.sections.iter().any(|s| s.category == crate::model::Category::Problems));
    }
}
