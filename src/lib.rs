//! jixiao (绩效): turns Chinese government performance self-evaluation reports into a searchable,
//! analysable document store.
//!
//! Data flows one way: file → text (`parse::decode`, `extract`) → `Report` with sections (`parse`) →
//! store (sled, `store`) and index (tantivy, `index`) → query (`query`) → hits → output (`output`).

pub mod analysis;
pub mod domain;
pub mod model;
pub mod parse;
pub mod region;
pub mod text;
