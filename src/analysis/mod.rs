//! Analysis over parsed reports: pure functions over typed data.

pub mod department;
pub mod overview;
pub mod metrics;
pub mod problems;

/// A fiscal-year filter that names no year the collection holds (a mistyped 20233, a year not
/// ingested yet), with the years it does hold: said beside the empty result by the CLI and the app.
#[derive(Debug, Clone, PartialEq)]
pub struct YearsNotHeld {
    /// The years or ranges asked for.
    pub asked: Vec<crate::model::YearRange>,
    /// The fiscal years of the stored reports, ascending.
    pub held: Vec<u16>,
}

/// `Some` when years are asked for and no stored report is of one of them.
pub fn years_not_held(reports: &[crate::index::ReportDoc], asked: &[crate::model::YearRange]) -> Option<YearsNotHeld> {
    if asked.is_empty() {
        return None;
    }
    let held: std::collections::BTreeSet<u16> = reports.iter().filter_map(|r| r.report.meta.fiscal_year).collect();
    (!held.iter().any(|y| asked.iter().any(|a| a.holds(*y)))).then(|| YearsNotHeld { asked: asked.to_vec(), held: held.into_iter().collect() })
}
