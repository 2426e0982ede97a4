//! Analysis over parsed reports: pure functions over typed data.

pub mod department;
pub mod overview;
pub mod metrics;
pub mod problems;
