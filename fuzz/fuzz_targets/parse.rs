//! Any bytes through every reader and the parser: no panic allowed.
#![no_main]

use jixiao::schema::Domain;
use jixiao::model::SourceInfo;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DOMAIN: OnceLock<Domain> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let domain = DOMAIN.get_or_init(|| Domain::builtin().expect("built-in schema"));
    let _ = jixiao::extract::docx::extract(data);
    let text = match jixiao::parse::decode::decode(data) {
        Ok(d) => d.text,
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    };
    let _ = jixiao::extract::html::extract(&text);
    let source = SourceInfo { path: String::new(), file_hash: String::new(), bytes: 0, encoding: String::new(), published: None };
    if let Ok(report) = jixiao::parse::parse_text(&text, source, domain) {
        let _ = jixiao::enrich::metrics::extract(&report.sections, domain.metrics().expect("built-in metrics"));
    }
});
