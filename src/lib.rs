//! jixiao (绩效): turns Chinese government performance self-evaluation reports into a searchable,
//! analysable document store.
//!
//! Data flows one way, from the bottom of this table to the top; a module imports only modules on
//! its own floor or below (none imports one above it, and no two import each other):
//!
//! | floor | module | owns | may import |
//! |---|---|---|---|
//! | 1 | `text`, `model`, `guard`, `samples` | strings; the typed `Report`, `Section`, `Statement`, ids, `YearRange` | nothing of jixiao above |
//! | 2 | `region`, `store` | the region table; the sled store of record, the data directory's layout and lock, the one binary codec | floor 1 |
//! | 3 | `schema`, `index`, `synth` | the domain's words and patterns loaded from `schema/`; tantivy documents, analyzer and stored-document format (encoded with the store's codec); generated reports | floors 1–2 (`synth`: `schema`) |
//! | 4 | `parse`, `similarity`, `units` | text → `Report` (sections, metadata); text similarity; one name per unit (variants grouped, the user's merges) | floors 1–3 |
//! | 5 | `extract`, `enrich`, `query` | file bytes → text; statements, themes, figures and metrics on a `Report`; requests → hits | floors 1–4 |
//! | 6 | `writer`, `ingest`, `analysis`, `request` | the data directory's writer (store and index in agreement, `set`); the ingest walk (`writer`); problems, departments, metric rows; page parameters → typed filters | floors 1–5 |
//! | 7 | `output` | tables, JSON, CSV, XLSX and the web pages: the only place that formats | floors 1–6 |
//! | 8 | `cli`, `serve` | the command-line arguments; the browser app's routes | floors 1–7 |
//! | 9 | `commands` | one function per command | everything below |
//!
//! `main.rs` parses the arguments and calls `commands::run`.
//!
//! The public API is what the two binaries and the tests use: the model, the schema, reading and
//! enriching a report, the store, the index, the writer, searching, similarity and the generator.
//! `analysis`, `ingest`, `output` (but `printable`), `region`, `request`, `samples`, `serve` and
//! `units`, and the inner modules of `parse`, `index`, `query`, `extract` and `enrich`, are the
//! crate's own; every public item is documented (`missing_docs`).

#![warn(missing_docs)]

pub(crate) mod analysis;
pub mod cli;
pub mod commands;
pub mod enrich;
pub mod schema;
pub mod extract;
pub mod guard;
pub mod index;
pub(crate) mod ingest;
pub mod model;
pub(crate) mod output;
pub mod parse;
pub mod query;
pub(crate) mod region;
pub(crate) mod request;
pub(crate) mod samples;
pub(crate) mod serve;
pub mod similarity;
pub mod store;
pub mod synth;
pub mod text;
pub(crate) mod units;
pub mod writer;

pub use output::printable;
