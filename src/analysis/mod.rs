//! Analysis over parsed reports: pure functions over typed data.

pub mod department;
pub mod figures;
pub mod metrics;
pub mod problems;
pub mod similarity;
pub mod statements;
pub mod themes;
