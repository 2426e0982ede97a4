//! Analysis over parsed reports: pure functions over typed data.

pub mod themes;
