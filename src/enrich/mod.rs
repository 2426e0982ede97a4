//! Enrichment: what jixiao reads into a parsed `Report` with the schema's themes and metrics —
//! problem statements and their themes, the figures that measure them, and the report's metrics.
//!
//! A stage of its own between parsing and storing: `ingest` runs it on every new report and
//! `retag` runs it again on stored reports after the schema was edited.

pub(crate) mod figures;
pub(crate) mod metrics;
pub(crate) mod statements;
pub mod themes;

use crate::model::{Report, SourceInfo};
use crate::schema::Domain;
use anyhow::Result;

/// Tags the problem sections' statements with themes and reads the report's metrics.
pub fn enrich(report: &mut Report, domain: &Domain) -> Result<()> {
    themes::tag_sections(&mut report.sections, &domain.themes);
    report.metrics = metrics::extract(&report.sections, domain.metrics()?);
    Ok(())
}

/// Decoded text → an enriched `Report`: parsing, then enrichment. Fails only when the schema does
/// not compile.
pub fn read_report(text: &str, source: SourceInfo, domain: &Domain) -> Result<Report> {
    let mut report = crate::parse::parse_text(text, source, domain)?;
    enrich(&mut report, domain)?;
    Ok(report)
}

/// Re-applies the editable domain knowledge to a stored report without re-reading its file:
/// categories, themes and metrics (`jixiao retag`).
pub fn reclassify(report: &mut Report, domain: &Domain) -> Result<()> {
    crate::parse::recategorize(report, domain);
    enrich(report, domain)
}
