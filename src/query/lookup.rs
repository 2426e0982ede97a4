//! Ids typed by a user: a report id or a unique prefix of it, a section id, a statement id; and the
//! text a `similar` request compares.

use crate::index::SearchIndex;
use crate::model::{ReportId, SectionId, StatementId};
use anyhow::{anyhow, Result};

/// Why what a user typed names no one report.
#[derive(Debug, thiserror::Error)]
pub enum ReportLookup {
    /// No report id starts with what was typed.
    #[error("no report with id {0:?} (see `jixiao reports`)")]
    NotFound(String),
    /// Several report ids start with what was typed: how many.
    #[error("{typed:?} is the start of {count} report ids; type more of it")]
    Ambiguous {
        /// What was typed.
        typed: String,
        /// How many report ids start with it.
        count: usize,
    },
}

/// A report id from what the user typed: the full id or a unique prefix. A typed id that names no
/// report or several is a `ReportLookup` error (each front end words it in its language).
pub fn resolve_report(index: &SearchIndex, typed: &str) -> Result<ReportId> {
    match index.resolve_prefix(typed)?.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ReportLookup::NotFound(typed.to_string()).into()),
        many => Err(ReportLookup::Ambiguous { typed: typed.to_string(), count: many.len() }.into()),
    }
}

/// The text a `similar` request compares: a section's content or one problem statement.
pub struct ComparedText {
    /// The section's or the report's text.
    pub text: String,
    /// The report it is from.
    pub report: ReportId,
    /// That report's unit.
    pub department: Option<String>,
}

/// The text of a section id (`REPORT-SEQ`, report id or a unique prefix of it) or a statement id
/// (`REPORT-SEQ.N`).
pub fn compared_text(index: &SearchIndex, id: &str) -> Result<ComparedText> {
    let (section_part, statement) = StatementId::split(id);
    let (report, seq) = SectionId::parse(section_part)
        .ok_or_else(|| anyhow!("{id:?} is not a section id (REPORT-SEQ) or a statement id (REPORT-SEQ.N); see `jixiao show REPORT`"))?;
    let report = resolve_report(index, report.as_str())?;
    let doc = index
        .sections_of(&report)?
        .into_iter()
        .find(|d| d.section.seq == seq)
        .ok_or_else(|| anyhow!("report {report} has no section {seq}"))?;
    let text = match statement {
        Some(n) => doc
            .section
            .statements
            .get(n.wrapping_sub(1))
            .map(|st| st.text.clone())
            .ok_or_else(|| anyhow!("section {section_part} has no statement {n} (it has {})", doc.section.statements.len()))?,
        None => doc.section.content(),
    };
    Ok(ComparedText { text, report, department: doc.department })
}
