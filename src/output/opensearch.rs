//! Export for OpenSearch / Elasticsearch, jixiao's answer beyond one machine: an index template with
//! the analyzer of the user's choice (IK by default, smartcn, or the built-in cjk and standard) and the structured fields of
//! `--format json`, and the sections as bulk NDJSON files in chunks. Reading, parsing and tagging stay
//! in jixiao; the cluster indexes and searches.

use crate::index::SectionDoc;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Sections per bulk file: a few MB each, well under the clusters' default request limit (100 MB).
pub const DEFAULT_BULK_DOCS: usize = 5_000;

/// Index names: one index per fiscal year under the template's pattern, so that a cluster can keep
/// years apart (retention, shards per year) and search them all through `jixiao-sections-*`.
pub const INDEX_PREFIX: &str = "jixiao-sections-";

/// The analyzer the cluster indexes Chinese text with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Analyzer {
    /// The IK plugin (analysis-ik): ik_max_word when indexing, ik_smart when searching.
    Ik,
    /// The smartcn plugin (analysis-smartcn), shipped with OpenSearch and Elasticsearch.
    Smartcn,
    /// Built in: overlapping character bigrams; no plugin needed.
    Cjk,
    /// Built in: one token per Chinese character; no plugin needed.
    Standard,
}

/// How the export addresses the cluster: analyzer, replicas, index prefix.
#[derive(Debug, Clone)]
pub struct Options {
    pub analyzer: Analyzer,
    /// Replicas per shard: 0 on a one-node cluster (else its indexes stay yellow).
    pub replicas: u32,
    /// Index names are PREFIX + fiscal year; the template matches PREFIX*.
    pub prefix: String,
    /// Sources are written relative to this folder (the machine's own paths stay on it).
    pub source_base: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options { analyzer: Analyzer::Ik, replicas: 1, prefix: INDEX_PREFIX.to_string(), source_base: None }
    }
}

impl Options {
    /// A prefix OpenSearch accepts for index names: lowercase, no spaces, none of \ / * ? " < > | , #,
    /// not starting with - _ +.
    pub fn check(&self) -> Result<()> {
        let p = &self.prefix;
        let bad = p.is_empty()
            || p.starts_with(['-', '_', '+'])
            || p.chars().any(|c| c.is_uppercase() || c.is_whitespace() || "\\/*?\"<>|,#:".contains(c));
        if bad {
            bail!("--index-prefix {p:?} is not a valid start of an index name: lowercase, without spaces or \\ / * ? \" < > | , # :, not starting with - _ +");
        }
        Ok(())
    }

    pub fn index_name(&self, fiscal_year: Option<u16>) -> String {
        match fiscal_year {
            Some(y) => format!("{}{y}", self.prefix),
            None => format!("{}unknown", self.prefix),
        }
    }

    fn text(&self) -> Value {
        match self.analyzer {
            Analyzer::Ik => json!({ "type": "text", "analyzer": "ik_max_word", "search_analyzer": "ik_smart" }),
            Analyzer::Smartcn => json!({ "type": "text", "analyzer": "smartcn" }),
            Analyzer::Cjk => json!({ "type": "text", "analyzer": "cjk" }),
            Analyzer::Standard => json!({ "type": "text", "analyzer": "standard" }),
        }
    }

    fn text_and_keyword(&self) -> Value {
        let mut v = self.text();
        v["fields"] = json!({ "keyword": { "type": "keyword", "ignore_above": 256 } });
        v
    }
}

/// A source path as exported: relative to `base` when under it ('/' between folders, whatever the
/// machine), else as stored.
pub fn relative_source(source: &str, base: Option<&Path>) -> String {
    let Some(base) = base else { return source.to_string() };
    match Path::new(source).strip_prefix(base) {
        Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/"),
        Err(_) => source.to_string(),
    }
}

/// The deepest folder holding every source (`None` when they share none but the root).
pub fn common_folder<'a>(sources: impl Iterator<Item = &'a str>) -> Option<PathBuf> {
    let mut common: Option<PathBuf> = None;
    for s in sources {
        let parent = Path::new(s).parent().map(Path::to_path_buf).unwrap_or_default();
        common = Some(match common {
            None => parent,
            Some(c) => c.components().zip(parent.components()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect(),
        });
    }
    common.filter(|c| c.components().count() > 1)
}

/// The index template (PUT _index_template/jixiao-sections). Every field a section carries in
/// `--format json` is mapped, and unknown fields are refused, so a mapping gap shows at load time.
pub fn template(o: &Options) -> Value {
    let keyword = json!({ "type": "keyword" });
    let (chinese_text, chinese_text_and_keyword) = (|| o.text(), || o.text_and_keyword());
    json!({
        "index_patterns": [format!("{}*", o.prefix)],
        "priority": 100,
        "template": {
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": o.replicas
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "id": keyword,
                    "report_id": keyword,
                    "parent_id": keyword,
                    "department": chinese_text_and_keyword(),
                    "region": { "properties": { "province": keyword, "city": keyword, "county": keyword } },
                    "fiscal_year": { "type": "short" },
                    "path": chinese_text_and_keyword(),
                    "level": { "type": "byte" },
                    "seq": { "type": "integer" },
                    "heading": chinese_text(),
                    "category": keyword,
                    "themes": keyword,
                    "text": chinese_text(),
                    "section_kind": keyword,
                    "indicator": { "properties": { "max": { "type": "float" }, "score": { "type": "float" } } },
                    "report_kind": keyword,
                    "total_score": { "type": "float" },
                    "grade": keyword,
                    "source": { "type": "keyword", "index": false },
                    "statements": {
                        "type": "nested",
                        "properties": { "id": keyword, "text": chinese_text(), "themes": keyword, "figures": keyword }
                    }
                }
            }
        },
        "_meta": { "generator": "jixiao", "version": env!("CARGO_PKG_VERSION") }
    })
}

/// Writes bulk files `bulk-00001.ndjson`, … into a folder, `per_file` sections each.
pub struct BulkWriter {
    dir: PathBuf,
    per_file: usize,
    in_file: usize,
    files: usize,
    docs: usize,
    out: Option<std::io::BufWriter<std::fs::File>>,
    options: Options,
}

impl BulkWriter {
    /// Creates the folder (it must not exist, or be empty) with the template in it.
    pub fn create(dir: &Path, per_file: usize, options: Options) -> Result<BulkWriter> {
        options.check()?;
        if per_file == 0 {
            bail!("--bulk-docs must be at least 1");
        }
        if dir.is_file() {
            bail!("{}: the OpenSearch export writes a folder; this is a file", dir.display());
        }
        if dir.is_dir() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
            bail!("{}: the folder is not empty; choose a new folder for the export", dir.display());
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let template = serde_json::to_string_pretty(&template(&options))?;
        std::fs::write(dir.join("template.json"), template + "\n").with_context(|| format!("cannot write {}", dir.join("template.json").display()))?;
        Ok(BulkWriter { dir: dir.to_path_buf(), per_file, in_file: 0, files: 0, docs: 0, out: None, options })
    }

    pub fn add(&mut self, doc: &SectionDoc) -> Result<()> {
        if self.out.is_none() || self.in_file == self.per_file {
            self.finish_file()?;
            self.files += 1;
            let path = self.dir.join(format!("bulk-{:05}.ndjson", self.files));
            self.out = Some(std::io::BufWriter::new(std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?));
            self.in_file = 0;
        }
        let section = crate::output::SectionJson::new(doc);
        let action = json!({ "index": { "_index": self.options.index_name(doc.fiscal_year), "_id": section.id.clone() } });
        let mut section = serde_json::to_value(&section)?;
        section["source"] = json!(relative_source(&doc.source, self.options.source_base.as_deref()));
        // A theme the section carries only by a deducted indicator's name is stated by no statement:
        // the deduction goes in as a statement of its own (SECTION.0, the heading), so that a nested
        // query on statements finds the sections `jixiao problems` counts.
        let s = &doc.section;
        let unstated: Vec<&str> = s.unstated_themes().map(|t| t.0.as_str()).collect();
        if !unstated.is_empty() {
            if let Some(list) = section["statements"].as_array_mut() {
                list.insert(0, json!({ "id": format!("{}.0", doc.report_id.section(s.seq).0), "text": s.heading, "themes": unstated, "figures": [] }));
            }
        }
        let out = self.out.as_mut().context("no bulk file open")?;
        serde_json::to_writer(&mut *out, &action)?;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut *out, &section)?;
        out.write_all(b"\n")?;
        self.in_file += 1;
        self.docs += 1;
        Ok(())
    }

    fn finish_file(&mut self) -> Result<()> {
        if let Some(mut out) = self.out.take() {
            out.flush()?;
        }
        Ok(())
    }

    /// Closes the last file; returns (sections, files).
    pub fn finish(mut self) -> Result<(usize, usize)> {
        self.finish_file()?;
        Ok((self.docs, self.files))
    }
}
