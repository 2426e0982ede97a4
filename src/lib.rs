//! jixiao (绩效): turns Chinese government performance self-evaluation reports into a searchable,
//! analysable document store.
//!
//! Data flows one way: file → text (`extract`, `parse::decode`) → `Report` with sections (`parse`,
//! `analysis::themes`) → store (sled, `store`) and index (tantivy, `index`) → query (`query`) → hits
//! → output (`output`). `commands` orchestrates one command each; `cli` holds the arguments.

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod domain;
pub mod extract;
pub mod guard;
pub mod index;
pub mod ingest;
pub mod model;
pub mod output;
pub mod parse;
pub mod query;
pub mod region;
pub mod samples;
pub mod serve;
pub mod store;
pub mod synth;
pub mod text;
