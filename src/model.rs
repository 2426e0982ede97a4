//! The typed data that flows through jixiao: a `Report` with its metadata and its tree of `Section`s.
//!
//! These structs are what the parser produces, what the store serializes (serde + bincode) and what the
//! output layer renders. Field names here are the JSON field names of the CLI, so renaming one is a
//! breaking change of the output format.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

/// A report's id: the first 12 hex digits of the BLAKE3 hash of its decoded text.
///
/// Content-derived, so re-ingesting the same report is recognised wherever the file lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(pub String);

impl ReportId {
    /// The id of a report's text: the first 12 hex digits of its content hash.
    pub fn from_text(text: &str) -> ReportId {
        let hash = blake3::hash(text.as_bytes());
        ReportId(hash.to_hex()[..12].to_string())
    }
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The id of the section at `seq` in this report.
    pub fn section(&self, seq: u32) -> SectionId {
        SectionId(format!("{}-{:03}", self.0, seq))
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A section's id: `REPORTID-SEQ`, SEQ being the section's position in document order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SectionId(pub String);

impl SectionId {
    /// Splits an id typed by a user into report id and sequence number.
    pub fn parse(s: &str) -> Option<(ReportId, u32)> {
        let (report, seq) = s.rsplit_once('-')?;
        let seq = seq.parse().ok()?;
        if report.is_empty() || !report.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some((ReportId(report.to_ascii_lowercase()), seq))
    }
}

/// A problem statement's id: `SECTIONID.N`, N counting the section's statements from 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatementId {
    /// The section the statement belongs to.
    pub section: SectionId,
    /// From 1.
    pub n: usize,
}

impl StatementId {
    /// The id of the statement at `index` (from 0) of `section`.
    pub fn at(section: SectionId, index: usize) -> StatementId {
        StatementId { section, n: index + 1 }
    }

    /// Splits an id typed by a user into the section part and, for a statement id, N:
    /// "abc-004.2" → ("abc-004", Some(2)); "abc-004" → ("abc-004", None).
    pub fn split(s: &str) -> (&str, Option<usize>) {
        match s.rsplit_once('.') {
            Some((sec, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => (sec, n.parse::<usize>().ok()),
            _ => (s, None),
        }
    }
}

impl fmt::Display for StatementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.section, self.n)
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a report evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 部门（单位）整体支出绩效自评报告
    DepartmentOverall,
    /// 项目支出绩效自评报告
    Project,
    /// Anything else: 决算 notes, mixed pages.
    Other,
}

impl ReportKind {
    /// Every kind, in display order.
    pub const ALL: [ReportKind; 3] = [ReportKind::DepartmentOverall, ReportKind::Project, ReportKind::Other];
    /// The kind's name in commands and exports (department_overall, project, other).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::DepartmentOverall => "department_overall",
            ReportKind::Project => "project",
            ReportKind::Other => "other",
        }
    }
    /// The kind named so (`as_str`), if any.
    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The grade of the evaluation as stated in the report (优/良/中/差).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// 优 (优秀).
    #[serde(rename = "优")]
    Excellent,
    /// 良 (良好).
    #[serde(rename = "良")]
    Good,
    /// 中 (中等, 合格).
    #[serde(rename = "中")]
    Fair,
    /// 差 (较差, 不合格).
    #[serde(rename = "差")]
    Poor,
}

impl Grade {
    /// The grade's one-character name (优, 良, 中, 差).
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "优",
            Grade::Good => "良",
            Grade::Fair => "中",
            Grade::Poor => "差",
        }
    }
}

/// Where a department sits in China's administrative divisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    /// The province (省, 自治区, 直辖市).
    pub province: Option<String>,
    /// The city (市, 州, 盟).
    pub city: Option<String>,
    /// The county or district (县, 区, 旗).
    pub county: Option<String>,
}

impl Region {
    /// "广东省 韶关市 乐昌市", skipping what is unknown.
    pub fn display(&self) -> String {
        [&self.province, &self.city, &self.county]
            .into_iter()
            .flatten()
            .fold(String::new(), |mut acc, part| {
                if !acc.ends_with(part.as_str()) {
                    if !acc.is_empty() {
                        acc.push(' ');
                    }
                    acc.push_str(part);
                }
                acc
            })
    }
}

/// The kind of section, by the way the parser found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Text before the first heading (after the cover block).
    Preamble,
    /// A numbered or unnumbered heading with the text below it.
    Heading,
    /// A paragraph that labels itself: "存在问题：……".
    Labeled,
    /// A report without any heading, kept as one section.
    Whole,
}

/// What a section is about. The English names are the JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Basic information about the unit or project (基本情况, 部门概况).
    Overview,
    /// Budget and spending (预算安排, 资金使用情况).
    Budget,
    /// Performance targets (绩效目标).
    Targets,
    /// The self-evaluation's conclusion and score (自评结论).
    Conclusion,
    /// Analysis of the indicators (绩效指标分析).
    Analysis,
    /// What was achieved (主要成效, 履职效果).
    Achievements,
    /// Problems the report states (存在的问题).
    Problems,
    /// Measures and plans (改进措施, 下一步打算).
    Measures,
    /// Disclosure and the use of the results (结果应用, 信息公开).
    Disclosure,
    /// Appendices and score tables (附件, 评分表).
    Appendix,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 11] = [
        Category::Overview,
        Category::Budget,
        Category::Targets,
        Category::Conclusion,
        Category::Analysis,
        Category::Achievements,
        Category::Problems,
        Category::Measures,
        Category::Disclosure,
        Category::Appendix,
        Category::Other,
    ];
    /// The category's name in commands and exports (overview, budget, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Overview => "overview",
            Category::Budget => "budget",
            Category::Targets => "targets",
            Category::Conclusion => "conclusion",
            Category::Analysis => "analysis",
            Category::Achievements => "achievements",
            Category::Problems => "problems",
            Category::Measures => "measures",
            Category::Disclosure => "disclosure",
            Category::Appendix => "appendix",
            Category::Other => "other",
        }
    }
    /// The category named so (`as_str`), if any.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// A small stable number, for the index's fast field.
    pub fn ordinal(self) -> u64 {
        Category::ALL.iter().position(|c| *c == self).unwrap_or(0) as u64
    }
}

/// A theme id from the taxonomy in schema/themes.toml ("procurement_low").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThemeId(pub String);

/// A scored indicator as the report states it: "指标分值18分，自评得分17分" or "（5分）……得分4分".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    /// The indicator's full score (分值).
    pub max: f64,
    /// The score the unit gave itself (得分), when stated.
    pub score: Option<f64>,
}

impl IndicatorScore {
    /// Points lost, when both figures are known.
    pub fn lost(&self) -> Option<f64> {
        self.score.map(|s| self.max - s).filter(|d| *d > 1e-9)
    }
}

/// One section of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Position in document order, 0-based.
    pub seq: u32,
    /// `seq` of the parent section.
    pub parent: Option<u32>,
    /// Depth in the tree, 1 for top-level sections.
    pub level: u8,
    /// Preamble, numbered heading, labeled paragraph or the whole text.
    pub kind: SectionKind,
    /// The heading as written, numbering marker included ("（一）部门主要职能").
    pub heading: String,
    /// The numbering marker alone ("（一）"), if any.
    pub marker: Option<String>,
    /// Headings from the top down to this section, this one included.
    pub path: Vec<String>,
    /// The section's own text (not its children's), paragraphs separated by newlines.
    pub text: String,
    /// The section's category, from its heading and text (schema/categories.toml).
    pub category: Category,
    /// The union of the statements' themes (and the indicator's theme for a deduction).
    pub themes: Vec<ThemeId>,
    /// The scored indicator the section is, when it is one.
    pub indicator: Option<IndicatorScore>,
    /// Problem sections only: the problems they state, one by one.
    pub statements: Vec<Statement>,
}

/// A score note in a heading: "（5分）".
pub(crate) static MAX_IN_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(]\s*(\d{1,3}(?:\.\d{1,2})?)\s*分\s*[)）]").expect("max pattern"));

impl Section {
    /// The themes no statement of the section carries: those it has only by a deducted indicator's
    /// name.
    pub fn unstated_themes(&self) -> impl Iterator<Item = &ThemeId> {
        self.themes.iter().filter(|t| !self.statements.iter().any(|st| st.themes.contains(t)))
    }

    /// The heading without marker and score note: "（1）预算编制合理性（5分）" → "预算编制合理性".
    pub fn bare_title(&self) -> String {
        let h = match &self.marker {
            Some(m) => self.heading.strip_prefix(m.as_str()).unwrap_or(&self.heading),
            None => &self.heading,
        };
        // Unicode \d in the pattern matches full-width digits too, so the heading is kept as written.
        let h = MAX_IN_HEADING.replace_all(h, "").to_string();
        h.trim().trim_end_matches(['。', '.', '：', ':', '；', ';', '，', ',']).trim().to_string()
    }

    /// What the section says: its title (without marker) and its text. A one-line problem item
    /// ("2. 制度不够健全，监督不够有力。") is all title and no text.
    pub fn content(&self) -> String {
        let title = if self.kind == SectionKind::Labeled { String::new() } else { self.bare_title() };
        match (title.is_empty(), self.text.is_empty()) {
            (true, _) => self.text.clone(),
            (false, true) => title,
            (false, false) => format!("{title}\n{}", self.text),
        }
    }
}

/// One problem a problem section states: a numbered item, a 一是/二是 clause, a sentence or a part
/// of one joined by "；". Its id is `SECTIONID.N` (N from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// The statement as written.
    pub text: String,
    /// The problem themes it states.
    pub themes: Vec<ThemeId>,
    /// The figures that measure the problem ("38.6%"), not targets, thresholds or unrelated shares.
    pub figures: Vec<String>,
}

/// A figure stated in a report: a named rate, or an indicator's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// `procurement_exec_rate`, … or `indicator_score`.
    pub name: String,
    /// What the report calls it: 政府采购执行率, or the indicator's name.
    pub label: String,
    /// The figure.
    pub value: f64,
    /// Its unit as written (%, 万元, 个).
    pub unit: String,
    /// For indicator scores: the indicator's maximum.
    pub max: Option<f64>,
    /// The section that states it.
    pub section_seq: u32,
}

/// Things the parser could not find or had to guess; listed by `jixiao reports --incomplete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// No unit name was found.
    NoDepartment,
    /// No fiscal year was found.
    NoFiscalYear,
    /// The text has no numbered headings: one section holds it all.
    NoHeadings,
}

/// A report's metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportMeta {
    /// The report's title as written.
    pub title: Option<String>,
    /// The reporting unit (单位名称).
    pub department: Option<String>,
    /// Where the unit is.
    pub region: Region,
    /// The fiscal year evaluated (not the year of filing).
    pub fiscal_year: Option<u16>,
    /// The total self-evaluation score.
    pub total_score: Option<f64>,
    /// The grade the report states.
    pub grade: Option<Grade>,
    /// Department overall, project or other.
    pub kind: Option<ReportKind>,
    /// The filing date as written on the cover (填报日期), if any.
    pub filed: Option<String>,
    /// A project table's supervising department (主管部门), when it is not the reporting unit.
    pub supervisor: Option<String>,
}

/// Where a report came from; enough to find and re-read the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The file's path as given to `ingest`.
    pub path: String,
    /// BLAKE3 of the file's bytes.
    pub file_hash: String,
    /// The file's size.
    pub bytes: u64,
    /// The encoding the text was decoded from, or the format it was extracted from.
    pub encoding: String,
    /// A web page's publication date (发布日期).
    #[serde(default)]
    pub published: Option<String>,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The id of its text.
    pub id: ReportId,
    /// What the report is: unit, year, score, kind.
    pub meta: ReportMeta,
    /// The file it was read from.
    pub source: SourceInfo,
    /// Its sections in document order.
    pub sections: Vec<Section>,
    /// What could not be found.
    pub flags: Vec<Flag>,
    /// Stated figures (schema/metrics.toml) and indicator scores.
    pub metrics: Vec<Metric>,
    /// Values set by hand with `jixiao set`, which survive re-parsing.
    pub overrides: ReportOverrides,
}

/// Metadata corrected by a user; applied over what the parser found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportOverrides {
    /// The unit's name set by hand.
    pub department: Option<String>,
    /// The fiscal year set by hand.
    pub fiscal_year: Option<u16>,
}

impl Report {
    /// The id of one of its sections.
    pub fn section_id(&self, section: &Section) -> SectionId {
        self.id.section(section.seq)
    }
    /// Its kind; other when none was found.
    pub fn kind(&self) -> ReportKind {
        self.meta.kind.unwrap_or(ReportKind::Other)
    }
}

/// An inclusive fiscal-year range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    /// The first year (0: no lower bound).
    pub from: u16,
    /// The last year (`u16::MAX`: no upper bound).
    pub to: u16,
}

impl YearRange {
    /// True when `year` is in the range.
    pub fn holds(&self, year: u16) -> bool {
        (self.from..=self.to).contains(&year)
    }
}

/// Written as it is typed: "2023", "2022..2024", "2022..", "..2024".
impl std::fmt::Display for YearRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.from, self.to) {
            (a, b) if a == b => write!(f, "{a}"),
            (0, b) => write!(f, "..{b}"),
            (a, u16::MAX) => write!(f, "{a}.."),
            (a, b) => write!(f, "{a}..{b}"),
        }
    }
}

impl std::str::FromStr for YearRange {
    type Err = String;
    /// "2023", "2022..2024", "2022..", "..2024"
    fn from_str(s: &str) -> Result<Self, String> {
        let parse = |x: &str, default: u16| -> Result<u16, String> {
            if x.trim().is_empty() {
                return Ok(default);
            }
            x.trim().parse::<u16>().map_err(|_| format!("{x:?} is not a year; give a year (2023) or a range (2022..2024, 2022.., ..2024)"))
        };
        // "2022-2024" (or 2022~2024, 2022至2024) is read as the range it plainly means.
        let s = &*match s.trim().split_once(['-', '~', '至', '–', '—']) {
            Some((a, b)) if a.trim().len() == 4 && b.trim().len() == 4 && !s.contains("..") => format!("{}..{}", a.trim(), b.trim()),
            _ => s.to_string(),
        };
        let r = match s.split_once("..") {
            Some((a, b)) => YearRange { from: parse(a, 0)?, to: parse(b, u16::MAX)? },
            None => {
                let y = parse(s, 0)?;
                YearRange { from: y, to: y }
            }
        };
        if r.from > r.to {
            return Err(format!("the range {s} is empty"));
        }
        Ok(r)
    }
}
