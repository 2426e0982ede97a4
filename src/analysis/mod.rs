//! Analysis over parsed reports: pure functions over typed data.

pub mod department;
pub mod overview;
pub mod metrics;
pub mod problems;

/// A fiscal-year filter that names no year the collection holds (a mistyped 20233, a year not
/// ingested yet), with the years it does hold: said beside the empty result by the CLI and the app.
#[derive(Debug, Clone, PartialEq)]
pub struct YearsNotHeld {
    /// The range asked for.
    pub asked: crate::model::YearRange,
    /// The fiscal years of the stored reports, ascending.
    pub held: Vec<u16>,
}

/// `Some` when no stored report is of a year in `asked`.
pub fn years_not_held(reports: &[crate::index::ReportDoc], asked: crate::model::YearRange) -> Option<YearsNotHeld> {
    let held: std::collections::BTreeSet<u16> = reports.iter().filter_map(|r| r.report.meta.fiscal_year).collect();
    (!held.iter().any(|y| asked.holds(*y))).then(|| YearsNotHeld { asked, held: held.into_iter().collect() })
}
