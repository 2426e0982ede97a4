//! The tantivy search index: one document per section (and one per report), with the structured
//! fields as filterable terms and the text analyzed by jieba.
//!
//! The index is derived data: everything in it comes from the store and `jixiao rebuild` recreates
//! it. Read-only commands use only the index, never the store, so they work while an ingest holds
//! the store in another process. Each stored document carries its section or report as one bincode
//! blob, so the index does not keep the text twice.

pub mod analyzer;
pub(crate) mod directory;
pub(crate) mod segmenter;

use crate::model::{Grade, Region, Report, ReportId, ReportKind, Section};
use crate::store::{decode_blob, encode};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, NumericOptions, TextOptions, Value, FAST, STORED};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Typed handles of the index fields, built once.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Whether the document is a section or a report (`DOC_SECTION`, `DOC_REPORT`).
    pub doc_type: Field,
    /// The report's id.
    pub report_id: Field,
    /// The unit's name as stored (a fast column: the units are read from it).
    pub department: Field,
    /// The province.
    pub province: Field,
    /// The city.
    pub city: Field,
    /// The county or district.
    pub county: Field,
    /// The fiscal year (a range query and a fast column).
    pub fiscal_year: Field,
    /// The section's category name.
    pub category: Field,
    /// The category as a number, for ranking by its boost.
    pub category_ord: Field,
    /// The section id as a number ordered like the id: ties in ranking are broken by it.
    pub id_key: Field,
    /// Ranking flags (`EMPTY`, `STATED`); the field keeps the name it had when it held only the
    /// first, so that indexes written before read the same (their second bit is 0).
    pub empty: Field,
    /// The report's kind.
    pub kind: Field,
    /// The section's theme ids.
    pub themes: Field,
    /// The heading, cut by jieba's precise mode.
    pub heading: Field,
    /// The text, cut by jieba's precise mode.
    pub text: Field,
    /// The text, cut by jieba's search mode (sub-words too), for recall.
    pub text_search: Field,
    /// The whole document, encoded with the store's codec.
    pub blob: Field,
}

/// `doc_type` of a section's document.
pub const DOC_SECTION: &str = "section";
/// `doc_type` of a report's document.
pub const DOC_REPORT: &str = "report";

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let precise = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(analyzer::PRECISE).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Filter fields: one byte per document and field of norms would buy nothing (a filter's score
    // does not rank), so they have none.
    let keyword = TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw").set_fieldnorms(false).set_index_option(IndexRecordOption::Basic));
    let search = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(analyzer::SEARCH).set_index_option(IndexRecordOption::WithFreqs));
    let fields = Fields {
        doc_type: b.add_text_field("doc_type", keyword.clone()),
        report_id: b.add_text_field("report_id", keyword.clone()),
        department: b.add_text_field("department", keyword.clone() | FAST),
        // FAST on the fields the browser app counts as facets (see query::facets).
        province: b.add_text_field("province", keyword.clone() | FAST),
        city: b.add_text_field("city", keyword.clone() | FAST),
        county: b.add_text_field("county", keyword.clone() | FAST),
        fiscal_year: b.add_u64_field("fiscal_year", NumericOptions::default().set_indexed().set_fast()),
        category: b.add_text_field("category", keyword.clone()),
        category_ord: b.add_u64_field("category_ord", FAST),
        id_key: b.add_u64_field("id_key", FAST),
        empty: b.add_u64_field("empty", FAST),
        kind: b.add_text_field("kind", keyword.clone() | FAST),
        themes: b.add_text_field("theme", keyword.clone() | FAST),
        heading: b.add_text_field("heading", precise.clone()),
        text: b.add_text_field("text", precise),
        text_search: b.add_text_field("text_s", search),
        blob: b.add_bytes_field("blob", STORED),
    };
    (b.build(), fields)
}

/// Bit of the `empty` column: a heading without text of its own (ranked below the paragraphs under it).
pub const EMPTY: u64 = 1;
/// Bit of the `empty` column: every theme of the section is carried by a statement of it (the
/// section states its problems, rather than carrying a theme only by a deducted indicator's name).
pub const STATED: u64 = 2;

/// A number ordered like section ids (`REPORTID-SEQ`): the 12 hex digits of the report id, then
/// the sequence number, so that ranking ties are broken by id.
pub fn id_key(report: &ReportId, seq: u32) -> u64 {
    let hex = u64::from_str_radix(report.as_str().get(..12).unwrap_or("0"), 16).unwrap_or(0);
    (hex << 16) | u64::from(seq.min(0xFFFF))
}

/// What the index stores for a section: the section with the report fields a hit shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectionDoc {
    /// The report the section belongs to.
    pub report_id: ReportId,
    /// The report's unit.
    pub department: Option<String>,
    /// Where the unit is.
    pub region: Region,
    /// The report's fiscal year.
    pub fiscal_year: Option<u16>,
    /// The report's total score.
    pub total_score: Option<f64>,
    /// The report's grade.
    pub grade: Option<Grade>,
    /// The report's kind.
    pub kind: ReportKind,
    /// The report's file.
    pub source: String,
    /// The section.
    pub section: Section,
}

/// `SectionDoc` borrowed from its report, serialised to the same bytes (bincode writes no field
/// names, and serde writes a reference as its value): indexing does not copy every section.
#[derive(Serialize)]
struct SectionDocRef<'a> {
    report_id: &'a ReportId,
    department: &'a Option<String>,
    region: &'a Region,
    fiscal_year: Option<u16>,
    total_score: Option<f64>,
    grade: Option<Grade>,
    kind: ReportKind,
    source: &'a str,
    section: &'a Section,
}

impl<'a> SectionDocRef<'a> {
    fn of(report: &'a Report, section: &'a Section) -> SectionDocRef<'a> {
        let meta = &report.meta;
        SectionDocRef {
            report_id: &report.id,
            department: &meta.department,
            region: &meta.region,
            fiscal_year: meta.fiscal_year,
            total_score: meta.total_score,
            grade: meta.grade,
            kind: report.kind(),
            source: &report.source.path,
            section,
        }
    }
}

impl SectionDoc {
    /// One section of `report` with the report fields a hit shows.
    pub fn of(report: &Report, section: &Section) -> SectionDoc {
        let meta = &report.meta;
        SectionDoc {
            report_id: report.id.clone(),
            department: meta.department.clone(),
            region: meta.region.clone(),
            fiscal_year: meta.fiscal_year,
            total_score: meta.total_score,
            grade: meta.grade,
            kind: report.kind(),
            source: report.source.path.clone(),
            section: section.clone(),
        }
    }
}

/// What the index stores for a report: the report without its sections.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportDoc {
    /// The report.
    pub report: Report,
    /// How many sections it has.
    pub section_count: usize,
}

/// How the index is opened: writers index with jieba; readers only cut queries, with the index's
/// vocabulary, and never load jieba's dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Writers index with jieba.
    Write,
    /// Readers cut queries with the index's vocabulary.
    Read,
}

/// The analyzer a data directory was indexed with; a mismatch means the index must be rebuilt.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Stamp {
    analyzer_version: u32,
    dictionary: String,
}

const STAMP_FILE: &str = "jixiao-analyzer.json";

/// Segments with more documents than this are not merged further (see `SearchIndex::writer`).
const MAX_MERGED_DOCS: usize = 60_000;

/// At most this many threads search one query's segments.
const SEARCH_THREADS: usize = 4;

/// Decompressed doc-store blocks kept per segment by a reader.
const DOC_STORE_CACHE_BLOCKS: usize = 4;

/// Index files in `dir` that are missing or whose checksum does not match their content (tantivy
/// ends every file with a CRC): what `check` and `rebuild` look at before reading the index. Opens
/// only the list of segments, so damage elsewhere cannot stop it; reads every file once.
pub fn damaged_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let found = crate::guard::catch(|| -> Result<Vec<PathBuf>> {
        let index = directory::ReaderDirectory::open(dir).map_err(tantivy::TantivyError::from).and_then(Index::open)?;
        let mut bad: Vec<PathBuf> = index.validate_checksum()?.into_iter().collect();
        for meta in index.searchable_segment_metas()? {
            use tantivy::index::SegmentComponent as C;
            let mut parts = vec![C::Postings, C::Positions, C::FastFields, C::FieldNorms, C::Terms, C::Store];
            if meta.has_deletes() {
                parts.push(C::Delete);
            }
            bad.extend(parts.into_iter().map(|c| meta.relative_path(c)).filter(|f| !dir.join(f).exists()));
        }
        bad.sort();
        bad.dedup();
        Ok(bad)
    });
    match found {
        Ok(r) => r.with_context(|| format!("the search index in {} cannot be read", dir.display())),
        Err(why) => bail!("the search index in {} cannot be read ({why})", dir.display()),
    }
}

/// The tantivy index of a data directory, with its fields.
pub struct SearchIndex {
    /// The tantivy index.
    pub index: Index,
    /// Its fields.
    pub fields: Fields,
    /// Its folder.
    pub dir: PathBuf,
    reader: IndexReader,
}

/// The permissions a new file gets from this process's umask (read from /proc; 0o022 where it
/// cannot be read).
#[cfg(unix)]
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Umask:")).and_then(|v| u32::from_str_radix(v.trim(), 8).ok()))
        .unwrap_or(0o022)
}

/// Gives the index's list files the permissions of any file this process creates. The index
/// library writes `meta.json` and `.managed.json` through private temporary files (mode 0600), so a
/// shared data directory opened to others (`chmod -R a+rX`) could still not be searched by them.
pub fn normal_permissions(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = 0o666 & !umask();
        for name in ["meta.json", ".managed.json"] {
            let path = dir.join(name);
            if std::fs::metadata(&path).is_ok_and(|m| m.permissions().mode() & 0o777 != mode) {
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl SearchIndex {
    /// Opens the index in `dir`; a writer creates it if it does not exist. The analyzers are
    /// registered on every open (tantivy does not persist them) and checked against the stamp: jieba
    /// for writers, the index's own vocabulary for readers (see `segmenter`).
    pub fn open(dir: &Path, userdict: &str, mode: Mode) -> Result<SearchIndex> {
        let create = mode == Mode::Write;
        let (schema, fields) = build_schema();
        let stamp = Stamp { analyzer_version: analyzer::ANALYZER_VERSION, dictionary: blake3::hash(userdict.as_bytes()).to_hex()[..16].to_string() };
        let stamp_path = dir.join(STAMP_FILE);
        let exists = dir.join("meta.json").exists();
        let mut index = if exists {
            let found: Option<Stamp> = std::fs::read_to_string(&stamp_path).ok().and_then(|s| serde_json::from_str(&s).ok());
            if found.as_ref() != Some(&stamp) {
                bail!(
                    "the search index in {} was built with another analyzer or user dictionary; run `jixiao rebuild` to re-index it from the store",
                    dir.display()
                );
            }
            let index = match mode {
                Mode::Write => Index::open_in_dir(dir),
                Mode::Read => directory::ReaderDirectory::open(dir).map_err(tantivy::TantivyError::from).and_then(Index::open),
            }
            .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
            if index.schema() != schema {
                bail!("the search index in {} has an older format; run `jixiao rebuild`", dir.display());
            }
            index
        } else if create {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            // Stamp first: a process killed between the two steps leaves a stamp and no index, which
            // the next open creates, rather than an index without a stamp, which it would refuse.
            std::fs::write(&stamp_path, serde_json::to_string(&stamp)?)?;
            // zstd over 64 KiB blocks: Chinese text compresses about three-fold, and the stored blobs
            // are most of the index. Level 1: the blocks came out 0.7% larger than at level 3, for
            // 40% less compression time.
            let settings = tantivy::IndexSettings {
                docstore_compression: tantivy::store::Compressor::Zstd(tantivy::store::ZstdCompressor { compression_level: Some(1) }),
                docstore_blocksize: 65_536,
                ..Default::default()
            };
            Index::builder()
                .schema(schema)
                .settings(settings)
                .create_in_dir(dir)
                .with_context(|| format!("cannot create the search index in {}", dir.display()))?
        } else {
            bail!("no index in {}: run `jixiao ingest PATH` first", dir.display());
        };
        if mode == Mode::Read {
            // A query's segments are searched on every core: a broad query scores every match.
            let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(SEARCH_THREADS);
            if cores > 1 {
                index.set_multithread_executor(cores)?;
            }
        }
        // Documents are read in doc-store order (see query::load_in_chunks), so a few cached blocks
        // per segment do; tantivy's default (100 blocks of 64 KiB per segment) made a command's memory
        // grow with the number of segments.
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS).try_into()?;
        match mode {
            Mode::Write => {
                index.tokenizers().register(analyzer::PRECISE, analyzer::analyzer(userdict, false));
                index.tokenizers().register(analyzer::SEARCH, analyzer::analyzer(userdict, true));
            }
            Mode::Read => {
                // The recall field holds every word jieba produced, from headings and text alike.
                let words = std::sync::Arc::new(segmenter::Vocabulary::new(reader.searcher(), fields.text_search));
                let precise = TextAnalyzer::builder(segmenter::DictTokenizer::precise(words.clone())).build();
                let search = TextAnalyzer::builder(segmenter::DictTokenizer::search(words)).build();
                index.tokenizers().register(analyzer::PRECISE, precise);
                index.tokenizers().register(analyzer::SEARCH, search);
            }
        }
        Ok(SearchIndex { index, fields, dir: dir.to_path_buf(), reader })
    }

    /// A writer (one per data directory at a time; the data directory's lock guards it).
    pub fn writer(&self) -> Result<IndexWriter> {
        let writer: IndexWriter = self.index.writer_with_num_threads(2, 200_000_000).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => {
                anyhow::anyhow!("the search index in {} is locked by another process", self.dir.display())
            }
            e => anyhow::Error::from(e),
        })?;
        // Segments stop growing at about 200,000 sections (8 merged segments of at most
        // MAX_MERGED_DOCS each): a broad query is searched segment by segment on every core, which
        // one segment holding most of the index would leave to one core; and ingest does not
        // rewrite an ever larger segment.
        let mut policy = tantivy::indexer::LogMergePolicy::default();
        policy.set_max_docs_before_merge(MAX_MERGED_DOCS);
        writer.set_merge_policy(Box::new(policy));
        // A writer killed after writing files of an uncommitted change (a deletion's `.del` file)
        // leaves them behind; the next writer resumes from the same operation stamp, names its files
        // alike and could not create them. Files no commit refers to are removed first.
        writer.garbage_collect_files().wait().with_context(|| format!("cannot clean up the search index in {}", self.dir.display()))?;
        Ok(writer)
    }

    /// A searcher on the last commit.
    pub fn searcher(&self) -> Result<tantivy::Searcher> {
        self.reader.reload()?;
        Ok(self.reader.searcher())
    }

    /// Adds a report and its sections to the writer (not committed).
    pub fn add_report(&self, writer: &IndexWriter, report: &Report) -> Result<()> {
        let f = &self.fields;
        let meta = &report.meta;
        let with_common = |d: &mut TantivyDocument| {
            d.add_text(f.report_id, report.id.as_str());
            if let Some(dep) = &meta.department {
                d.add_text(f.department, dep);
            }
            for (field, v) in [(f.province, &meta.region.province), (f.city, &meta.region.city), (f.county, &meta.region.county)] {
                if let Some(v) = v {
                    d.add_text(field, v);
                }
            }
            if let Some(y) = meta.fiscal_year {
                d.add_u64(f.fiscal_year, u64::from(y));
            }
            d.add_text(f.kind, report.kind().as_str());
        };
        // The report without its sections, which are not copied to be left out.
        let bare = Report {
            id: report.id.clone(),
            meta: report.meta.clone(),
            source: report.source.clone(),
            sections: vec![],
            flags: report.flags.clone(),
            metrics: report.metrics.clone(),
            overrides: report.overrides.clone(),
        };
        let summary = ReportDoc { report: bare, section_count: report.sections.len() };
        let mut d = doc!(f.doc_type => DOC_REPORT);
        with_common(&mut d);
        // Every document has the ranking columns, so that they are read directly (an optional
        // column costs a rank lookup per document scored); no query matches a report document.
        d.add_u64(f.category_ord, 0);
        d.add_u64(f.id_key, id_key(&report.id, 0xFFFF));
        d.add_u64(f.empty, 0);
        d.add_bytes(f.blob, &encode(&summary)?);
        writer.add_document(d)?;
        for s in &report.sections {
            let mut d = doc!(f.doc_type => DOC_SECTION);
            with_common(&mut d);
            d.add_text(f.category, s.category.as_str());
            d.add_u64(f.category_ord, s.category.ordinal());
            d.add_u64(f.id_key, id_key(&report.id, s.seq));
            // Every theme of the section is stated by a statement of it: none comes only from a
            // deducted indicator's name.
            let stated = !s.themes.is_empty() && s.unstated_themes().next().is_none();
            let empty = if s.text.trim().is_empty() { EMPTY } else { 0 };
            d.add_u64(f.empty, empty | if stated { STATED } else { 0 });
            for t in &s.themes {
                d.add_text(f.themes, &t.0);
            }
            // A labeled paragraph ("存在问题") is found by the words of the heading it belongs to.
            let heading = match s.kind {
                crate::model::SectionKind::Labeled => s.path.iter().rev().take(2).rev().cloned().collect::<Vec<_>>().join(" "),
                _ => s.heading.clone(),
            };
            d.add_text(f.heading, heading);
            d.add_text(f.text, &s.text);
            d.add_text(f.text_search, format!("{}\n{}", s.heading, s.text));
            d.add_bytes(f.blob, &encode(&SectionDocRef::of(report, s))?);
            writer.add_document(d)?;
        }
        Ok(())
    }

    /// Deletes a report's documents (its sections and itself) in `writer`.
    pub fn delete_report(&self, writer: &IndexWriter, id: &ReportId) {
        writer.delete_term(Term::from_field_text(self.fields.report_id, id.as_str()));
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
    }

    fn all_docs<T: serde::de::DeserializeOwned>(&self, searcher: &tantivy::Searcher, q: &dyn Query) -> Result<Vec<T>> {
        // In document order: the doc store decompresses each block once instead of once per document.
        let mut addrs: Vec<tantivy::DocAddress> = searcher.search(q, &DocSetCollector)?.into_iter().collect();
        addrs.sort();
        let mut out = Vec::with_capacity(addrs.len());
        for a in addrs {
            out.push(self.blob_of(searcher, a)?);
        }
        Ok(out)
    }

    /// The stored document at `addr`, decoded.
    pub fn blob_of<T: serde::de::DeserializeOwned>(&self, searcher: &tantivy::Searcher, addr: tantivy::DocAddress) -> Result<T> {
        let d: TantivyDocument = searcher.doc(addr)?;
        let bytes = d.get_first(self.fields.blob).and_then(|v| v.as_bytes()).context("index document without its blob; run `jixiao rebuild`")?;
        decode_blob(bytes).context("index document in an older format; run `jixiao rebuild`")
    }

    /// Every report, sorted by department, fiscal year and id.
    pub fn reports(&self) -> Result<Vec<ReportDoc>> {
        let searcher = self.searcher()?;
        let mut v: Vec<ReportDoc> = self.all_docs(&searcher, &*self.term(self.fields.doc_type, DOC_REPORT))?;
        v.sort_by(|a, b| {
            (&a.report.meta.department, a.report.meta.fiscal_year, &a.report.id).cmp(&(&b.report.meta.department, b.report.meta.fiscal_year, &b.report.id))
        });
        Ok(v)
    }

    /// One report's sections in document order.
    pub fn sections_of(&self, id: &ReportId) -> Result<Vec<SectionDoc>> {
        let searcher = self.searcher()?;
        let q = BooleanQuery::new(vec![
            (Occur::Must, self.term(self.fields.doc_type, DOC_SECTION)),
            (Occur::Must, self.term(self.fields.report_id, id.as_str())),
        ]);
        let mut v: Vec<SectionDoc> = self.all_docs(&searcher, &q)?;
        v.sort_by_key(|s| s.section.seq);
        Ok(v)
    }

    /// A report's document, if it is indexed.
    pub fn report(&self, id: &ReportId) -> Result<Option<ReportDoc>> {
        let searcher = self.searcher()?;
        let q = BooleanQuery::new(vec![
            (Occur::Must, self.term(self.fields.doc_type, DOC_REPORT)),
            (Occur::Must, self.term(self.fields.report_id, id.as_str())),
        ]);
        Ok(self.all_docs::<ReportDoc>(&searcher, &q)?.into_iter().next())
    }

    /// Report ids starting with `prefix` (users type short ids): read from the term dictionary, so
    /// nothing is decoded; terms of deleted reports linger there until a merge, hence the check.
    pub fn resolve_prefix(&self, prefix: &str) -> Result<Vec<ReportId>> {
        let p = prefix.to_ascii_lowercase();
        let searcher = self.searcher()?;
        let mut found = std::collections::BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(self.fields.report_id)?;
            let mut stream = inv.terms().range().ge(p.as_bytes()).into_stream()?;
            while stream.advance() && stream.key().starts_with(p.as_bytes()) {
                found.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        let mut out = Vec::new();
        for id in found {
            let live = BooleanQuery::new(vec![
                (Occur::Must, self.term(self.fields.doc_type, DOC_REPORT)),
                (Occur::Must, self.term(self.fields.report_id, &id)),
            ]);
            if searcher.search(&live, &Count)? > 0 {
                out.push(ReportId(id));
            }
        }
        Ok(out)
    }

    /// The department names of the reports, each with its number of reports, read from the
    /// column (no stored document is decoded).
    pub fn report_departments(&self) -> Result<std::collections::BTreeMap<String, usize>> {
        let searcher = self.searcher()?;
        let docs = searcher.search(&*self.term(self.fields.doc_type, DOC_REPORT), &DocSetCollector)?;
        let mut by_segment: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
        for a in docs {
            by_segment.entry(a.segment_ord).or_default().push(a.doc_id);
        }
        let mut out = std::collections::BTreeMap::new();
        for (segment, ids) in by_segment {
            let Some(column) = searcher.segment_reader(segment).fast_fields().str("department")? else { continue };
            let mut counts: std::collections::BTreeMap<u64, usize> = std::collections::BTreeMap::new();
            for id in ids {
                for ord in column.ords().values_for_doc(id) {
                    *counts.entry(ord).or_default() += 1;
                }
            }
            let ords: Vec<u64> = counts.keys().copied().collect();
            let mut ns = counts.values();
            column.dictionary().sorted_ords_to_term_cb(&ords, |term| {
                if let Some(n) = ns.next() {
                    *out.entry(String::from_utf8_lossy(term).into_owned()).or_default() += n;
                }
            })?;
        }
        Ok(out)
    }

    /// How many sections are indexed.
    pub fn count_sections(&self) -> Result<usize> {
        self.count_term(self.fields.doc_type, DOC_SECTION)
    }

    /// The number of documents with `value` in `field`.
    pub fn count_term(&self, field: Field, value: &str) -> Result<usize> {
        let searcher = self.searcher()?;
        Ok(searcher.search(&*self.term(field, value), &Count)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_section_doc_encodes_as_the_owned_one() {
        let domain = crate::schema::Domain::builtin().unwrap();
        let text = crate::synth::Generator::new(3, domain.regions().unwrap()).generate(1).remove(0).text;
        let source = crate::model::SourceInfo { path: "x/报告.txt".into(), file_hash: "h".into(), bytes: 1, encoding: "UTF-8".into(), published: None };
        let report = crate::enrich::read_report(&text, source, &domain).unwrap();
        assert!(report.sections.len() > 5 && report.meta.department.is_some());
        for s in &report.sections {
            let owned = encode(&SectionDoc::of(&report, s)).unwrap();
            assert_eq!(encode(&SectionDocRef::of(&report, s)).unwrap(), owned);
            let back: SectionDoc = decode_blob(&owned).unwrap();
            assert_eq!(back.section, *s);
        }
    }
}
