//! How reports state their kind, fiscal year, total score and grade (schema/metadata.toml): the
//! genre's words, read by the metadata parser (`parse::meta`). The shapes around the words (a year
//! is four digits, a score is a number before 分) stay in code; the words are the user's to edit.

use crate::model::Grade;
use super::line_of;
use anyhow::{bail, Result};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

type Words = Vec<Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataFile {
    kind: KindFile,
    year: YearFile,
    score: ScoreFile,
    grade: GradeFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    evaluation: Words,
    self_evaluation: Words,
    overall: Words,
    project: Words,
    project_if_evaluation: Words,
    funds: Words,
    disclosure: Words,
    disclosure_unless_evaluation: Words,
    #[serde(default)]
    not_reports: Words,
    opening: OpeningFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpeningFile {
    overall: Words,
    project: Words,
    disclosure: Words,
    self_evaluated: Words,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    filing_verbs: Words,
    filing_verbs_in_text: Words,
    budget_words: Words,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreFile {
    lead: Words,
    score_words: Words,
    conclusion_words: Words,
    table_total: Words,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GradeFile {
    labels: Words,
    excellent: Words,
    good: Words,
    fair: Words,
    poor: Words,
}

/// The words that name a report's kind, in a title or an opening line.
pub struct KindWords {
    /// An evaluation (自评, 评价).
    pub evaluation: Vec<String>,
    /// The self-evaluation itself (绩效自评).
    pub self_evaluation: Vec<String>,
    /// The overall report of a unit.
    pub overall: Vec<String>,
    /// A project report.
    pub project: Vec<String>,
    /// A project report when the line is an evaluation.
    pub project_if_evaluation: Vec<String>,
    /// Funds, projects: a project report when the line holds a `self_evaluation` word.
    pub funds: Vec<String>,
    /// A disclosure, no evaluation.
    pub disclosure: Vec<String>,
    /// A disclosure when the line is no evaluation.
    pub disclosure_unless_evaluation: Vec<String>,
    /// How the name of a document that is no report ends (通知, 通报, 申报表).
    pub not_reports: Vec<String>,
    /// Counted in the opening text when no line names the kind: an overall report's chapters.
    pub opening_overall: Vec<String>,
    /// ... a project report's chapters.
    pub opening_project: Vec<String>,
    /// ... a disclosure's words.
    pub opening_disclosure: Vec<String>,
    /// ... and the words of a text that calls itself a self-evaluation.
    pub opening_self_evaluated: Vec<String>,
}

/// The metadata lexicon, compiled.
pub struct Metadata {
    /// The kind's words.
    pub kind: KindWords,
    /// A cover field holding the filing date; group 1 is the date.
    pub filed: Regex,
    /// A filing date in the opening text; group 1 is its year.
    pub filed_in_text: Regex,
    /// A year written before a budget word; group 1 is the year.
    pub year_budget: Regex,
    /// The total score where the text calls it overall; group 1 is the score.
    pub total_score: Regex,
    /// A score in a conclusion section; group 1 is the score.
    pub conclusion_score: Regex,
    /// A score table's total row; group 1 is the score.
    pub table_total: Regex,
    /// The grade after its label; group 1 is the grade's word.
    grade: Regex,
    grades: Vec<(String, Grade)>,
}

impl Metadata {
    /// Parses metadata.toml; an entry that cannot serve is refused with its line.
    pub fn parse(text: &str) -> Result<Metadata> {
        let file: MetadataFile = toml::from_str(text)?;
        // A word is what a report writes: not empty, on one line. `needed` lists go into patterns,
        // where an empty list would match everywhere.
        let words = |list: &Words, what: &str, needed: bool| -> Result<Vec<String>> {
            let mut out = Vec::with_capacity(list.len());
            for w in list {
                let word = w.get_ref().trim();
                if word.is_empty() || word.contains('\n') {
                    bail!("line {}: an entry of {what} is empty or runs over lines ({:?})", line_of(text, w.span().start), w.get_ref());
                }
                out.push(word.to_string());
            }
            if needed && out.is_empty() {
                bail!("{what} is empty: give at least one word");
            }
            Ok(out)
        };
        let alternation = |list: &[String]| list.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|");
        let compile = |p: &str| Regex::new(p).map_err(|e| anyhow::anyhow!("the lists make a pattern that does not compile: {e}"));
        let k = &file.kind;
        let kind = KindWords {
            evaluation: words(&k.evaluation, "kind.evaluation", true)?,
            self_evaluation: words(&k.self_evaluation, "kind.self_evaluation", false)?,
            overall: words(&k.overall, "kind.overall", true)?,
            project: words(&k.project, "kind.project", false)?,
            project_if_evaluation: words(&k.project_if_evaluation, "kind.project_if_evaluation", false)?,
            funds: words(&k.funds, "kind.funds", false)?,
            disclosure: words(&k.disclosure, "kind.disclosure", false)?,
            disclosure_unless_evaluation: words(&k.disclosure_unless_evaluation, "kind.disclosure_unless_evaluation", false)?,
            not_reports: words(&k.not_reports, "kind.not_reports", false)?,
            opening_overall: words(&k.opening.overall, "kind.opening.overall", false)?,
            opening_project: words(&k.opening.project, "kind.opening.project", false)?,
            opening_disclosure: words(&k.opening.disclosure, "kind.opening.disclosure", false)?,
            opening_self_evaluated: words(&k.opening.self_evaluated, "kind.opening.self_evaluated", false)?,
        };
        let y = &file.year;
        let filed = compile(&format!(r"(?:{})(?:日期|时间)\s*[:：]\s*(.+)$", alternation(&words(&y.filing_verbs, "year.filing_verbs", true)?)))?;
        let filed_in_text = compile(&format!(
            r"(?:{})(?:日期|时间)[:：]((?:19|20)\d{{2}})[.\-/年]\d{{1,2}}",
            alternation(&words(&y.filing_verbs_in_text, "year.filing_verbs_in_text", true)?)
        ))?;
        let year_budget = compile(&format!(
            r"((?:19|20)\d{{2}})年度?(?:部门|单位|本级)?(?:{})",
            alternation(&words(&y.budget_words, "year.budget_words", true)?)
        ))?;
        let s = &file.score;
        let total_score = compile(&format!(
            r"(?:{})[^。；]{{0,20}}?(?:{})[^。；\d]{{0,4}}?(\d{{1,3}}(?:\.\d{{1,2}})?)分",
            alternation(&words(&s.lead, "score.lead", true)?),
            alternation(&words(&s.score_words, "score.score_words", true)?)
        ))?;
        let conclusion_score = compile(&format!(
            r"(?:{})(?:为|是|:|：)?(\d{{1,3}}(?:\.\d{{1,2}})?)分",
            alternation(&words(&s.conclusion_words, "score.conclusion_words", true)?)
        ))?;
        let table_total = compile(&format!(
            r"(?m)^(?:{})\s*(?:\t[^\t\n]*)*?\t\s*(\d{{1,3}}(?:\.\d{{1,2}})?)\s*分?\s*$",
            alternation(&words(&s.table_total, "score.table_total", true)?)
        ))?;
        let g = &file.grade;
        let mut grades = Vec::new();
        for (list, what, grade) in [(&g.excellent, "grade.excellent", Grade::Excellent), (&g.good, "grade.good", Grade::Good), (&g.fair, "grade.fair", Grade::Fair), (&g.poor, "grade.poor", Grade::Poor)] {
            for w in words(list, what, true)? {
                if let Some((_, other)) = grades.iter().find(|(x, _)| *x == w) {
                    bail!("the grade word {w:?} is in {what} and in the list of {}", Grade::as_str(*other));
                }
                grades.push((w, grade));
            }
        }
        let values: Vec<String> = grades.iter().map(|(w, _)| w.clone()).collect();
        let grade = compile(&format!(
            r#"(?:{})(?:为|是|:|：|评定为|评为)?[“"「『]?({})"#,
            alternation(&words(&g.labels, "grade.labels", true)?),
            alternation(&values)
        ))?;
        Ok(Metadata { kind, filed, filed_in_text, year_budget, total_score, conclusion_score, table_total, grade, grades })
    }

    /// The grade a text states after a grade label, if any.
    pub fn grade(&self, squeezed: &str) -> Option<Grade> {
        let c = self.grade.captures(squeezed)?;
        self.grades.iter().find(|(w, _)| *w == c[1]).map(|(_, g)| *g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: &str = include_str!("../../schema/metadata.toml");

    #[test]
    fn the_builtin_file_compiles_and_reads_grades() {
        let m = Metadata::parse(BUILTIN).unwrap();
        assert_eq!(m.grade("综合评价等级为优秀。"), Some(Grade::Excellent));
        assert_eq!(m.grade("自评结果：不合格"), Some(Grade::Poor));
        assert_eq!(m.grade("评价等级为“良”"), Some(Grade::Good));
        assert_eq!(m.grade("优秀的干部队伍"), None);
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_line() {
        let bad = BUILTIN.replacen("lead = [\"整体\"", "lead = [\"\"", 1);
        let e = Metadata::parse(&bad).err().unwrap().to_string();
        let line = BUILTIN.lines().position(|l| l.starts_with("lead = ")).unwrap() + 1;
        assert!(e.contains(&format!("line {line}")) && e.contains("score.lead"), "{e}");
        let twice = BUILTIN.replacen("good = [\"良好\"", "good = [\"优秀\", \"良好\"", 1);
        assert!(Metadata::parse(&twice).err().unwrap().to_string().contains("优秀"));
        let empty = BUILTIN.replacen("labels = [", "labels = [] # ", 1);
        assert!(Metadata::parse(&empty).err().unwrap().to_string().contains("grade.labels"));
    }
}
