//! Ingest: walk the given files and folders, read and parse each report, store it and index it.
//!
//! Per-file errors are collected and the run goes on. The store is written first and flushed before
//! each index commit; at the start of a run the index is reconciled with the store, so a run that
//! was killed half-way leaves nothing that the next run does not repair.

use crate::schema::Domain;
use crate::extract;
use crate::index::SearchIndex;
use crate::model::{Report, ReportId, SourceInfo};
use crate::enrich::read_report;
use crate::store::{DataDir, Store};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Added(ReportId),
    /// The file changed; its previous version was removed.
    Replaced { old: ReportId, new: ReportId },
    Unchanged(ReportId),
    /// The same text is already stored from another file.
    Duplicate(ReportId),
}

/// Progress events, for the CLI to show.
pub enum Event<'a> {
    /// The number of files found.
    Found(usize),
    File { path: &'a Path, result: &'a Result<Outcome> },
}

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Files in the folders that are not reports by their extension.
    pub skipped: usize,
    /// Reports re-indexed or index entries dropped to match the store at the start of the run.
    pub repaired: usize,
    /// The store was damaged and rebuilt from the index.
    pub recovered: Option<Recovery>,
}

/// Files to ingest: the files named, and in folders every file with a supported extension.
/// Returns the files and the number of folder entries passed over; unreadable entries are errors.
/// Symbolic links inside folders are followed only with `follow`.
pub fn collect_files(paths: &[PathBuf], follow: bool) -> (Vec<PathBuf>, usize, Vec<(PathBuf, anyhow::Error)>) {
    let mut files = Vec::new();
    let mut skipped = 0;
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => errors.push((p.clone(), anyhow::Error::new(e).context("cannot read"))),
            Ok(m) if m.is_file() => files.push(p.clone()),
            Ok(_) => {
                for entry in walkdir::WalkDir::new(p).follow_links(follow).sort_by_file_name() {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            if extract::Format::of(e.path()).is_some() {
                                files.push(e.into_path());
                            } else {
                                skipped += 1;
                            }
                        }
                        Ok(e) if e.path_is_symlink() => skipped += 1,
                        Ok(_) => {}
                        Err(e) => {
                            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone());
                            let msg = if e.loop_ancestor().is_some() { "symbolic link loop".to_string() } else { e.to_string() };
                            errors.push((path, anyhow::anyhow!(msg)));
                        }
                    }
                }
            }
        }
    }
    (files, skipped, errors)
}

/// The store and index opened for writing, with the data directory's lock held.
pub struct Writer {
    pub store: std::sync::Arc<Store>,
    pub index: SearchIndex,
    /// None for an inspection (`check --dry-run`), which must not change the index.
    writer: Option<tantivy::IndexWriter>,
    regions: std::sync::Arc<crate::region::RegionTable>,
    /// Set when the store was found damaged and rebuilt from the index on opening.
    pub recovery: Option<Recovery>,
    /// Reports whose index entry was repaired on opening.
    pub repaired: usize,
    _lock: std::fs::File,
    /// An inspection's copy of the store, removed when the writer is dropped.
    _copy: Option<tempfile::TempDir>,
}

/// A damaged store moved aside and rebuilt from the index.
#[derive(Debug, Clone)]
pub struct Recovery {
    pub moved_to: PathBuf,
    pub restored: usize,
}

impl Writer {
    pub fn open(data: &DataDir, domain: &Domain) -> Result<Writer> {
        Writer::open_locked(data.lock()?, data, domain)
    }

    /// Opens store and index under a lock the caller already holds, and first finishes what an
    /// interrupted writer left (the reports its journal names).
    pub fn open_locked(lock: std::fs::File, data: &DataDir, domain: &Domain) -> Result<Writer> {
        let mut w = Writer::open_unreconciled(lock, data, domain)?;
        w.repaired = w.reconcile()?;
        Ok(w)
    }

    /// Opens store and index without comparing them: for `check` and `rebuild`, which look at the
    /// index files before reading them and then compare everything.
    pub fn open_unreconciled(lock: std::fs::File, data: &DataDir, domain: &Domain) -> Result<Writer> {
        // Remembered before anything is tagged: a run killed midway is finished by the next one
        // with the same schema.
        domain.remember(&data.schema())?;
        let (store, recovered) = match Store::open(&data.store()) {
            Ok(s) => (s, None),
            Err(e) if e.downcast_ref::<crate::store::StoreCorrupt>().is_some() => {
                // Keep the damaged files for inspection; rebuild the store from the index below.
                let aside = data.root.join(format!("store.damaged-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)));
                std::fs::rename(data.store(), &aside).with_context(|| format!("cannot move the damaged store to {}", aside.display()))?;
                (Store::open(&data.store())?, Some(aside))
            }
            Err(e) => return Err(e),
        };
        let index = SearchIndex::open(&data.search(), &domain.userdict, crate::index::Mode::Write)?;
        let writer = Some(index.writer()?);
        let mut w = Writer { store: std::sync::Arc::new(store), index, writer, regions: domain.regions()?.clone(), recovery: None, repaired: 0, _lock: lock, _copy: None };
        if let Some(aside) = recovered {
            let n = w.restore_from_index()?;
            w.recovery = Some(Recovery { moved_to: aside, restored: n });
        }
        Ok(w)
    }

    /// Opens a copy of the store and the index for reading only, under the lock: what `check
    /// --dry-run` inspects. Opening sled can itself rewrite a damaged log, so even the store is
    /// not opened in place.
    pub fn inspect(data: &DataDir, domain: &Domain) -> Result<Writer> {
        let lock = data.lock_for_reading()?;
        let copy = tempfile::TempDir::new().context("cannot create a temporary folder for the store's copy")?;
        copy_dir(&data.store(), &copy.path().join("store")).with_context(|| format!("cannot copy {}", data.store().display()))?;
        let store = Store::open(&copy.path().join("store"))?;
        let index = SearchIndex::open(&data.search(), &domain.userdict, crate::index::Mode::Read)?;
        Ok(Writer { store: std::sync::Arc::new(store), index, writer: None, regions: domain.regions()?.clone(), recovery: None, repaired: 0, _lock: lock, _copy: Some(copy) })
    }

    /// Closes store and index and hands back the data directory's lock (to move a damaged index
    /// aside and open again without letting another writer in).
    pub fn release(self) -> std::fs::File {
        self._lock
    }

    fn index_writer(&self) -> Result<&tantivy::IndexWriter> {
        self.writer.as_ref().context("the index was opened for inspection only")
    }

    /// Refills an empty store with every report the index holds (each indexed report carries its
    /// metadata and every section): the way back from a damaged store.
    fn restore_from_index(&mut self) -> Result<usize> {
        let mut n = 0;
        for doc in self.index.reports()? {
            let mut report = doc.report;
            report.sections = self.index.sections_of(&report.id)?.into_iter().map(|s| s.section).collect();
            self.store.put(&report)?;
            n += 1;
        }
        // The dictionary the restored reports started to train is installed whatever the command.
        self.store.train()?;
        self.store.flush()?;
        Ok(n)
    }

    /// Flushes the store, then commits the index, then empties the journal: after a crash at any
    /// point the journal names every report whose index entry may differ from the store.
    pub fn commit(&mut self) -> Result<()> {
        self.store.flush()?;
        self.writer.as_mut().context("the index was opened for inspection only")?.commit()?;
        crate::index::normal_permissions(&self.index.dir);
        self.store.clear_pending()?;
        Ok(())
    }

    /// The last commit of a writer: a run too short to fill the store's dictionary sample trains
    /// it from what it wrote (see `Store::train`), everything is committed, and the merges of
    /// index segments that earlier commits started are waited for. A process that ended during a
    /// merge left the merge's half-written files behind until the next writer removed them (33 MB
    /// of a 388 MB index after an ingest of 60,000 reports). The last commit starts no merge of its
    /// own: the next run's commits merge what it leaves. A merge that fails changes nothing
    /// committed (its segments stay as they were, its files are removed by the next writer), so
    /// it does not fail the run.
    pub fn finish(mut self) -> Result<()> {
        self.store.train()?;
        self.index_writer()?.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        self.commit()?;
        if let Some(writer) = self.writer.take() {
            let _ = writer.wait_merging_threads();
        }
        Ok(())
    }

    pub fn add(&mut self, report: &Report) -> Result<()> {
        self.store.mark_pending(&report.id)?;
        self.store.put(report)?;
        self.index.add_report(self.index_writer()?, report)
    }

    pub fn remove(&mut self, id: &ReportId) -> Result<Option<Report>> {
        self.store.mark_pending(id)?;
        let old = self.store.remove(id)?;
        self.index.delete_report(self.index_writer()?, id);
        Ok(old)
    }

    /// Replaces a stored report (after `set` or `retag`) in store and index.
    pub fn replace(&mut self, report: &Report) -> Result<()> {
        self.index.delete_report(self.index_writer()?, &report.id);
        self.add(report)
    }

    /// Makes store and index agree at the start of a run; returns how many reports were fixed.
    /// Proportional to what changed: only the reports the journal names are compared, unless the
    /// journal asks for everything or the numbers of reports differ (an index lost or replaced).
    pub fn reconcile(&mut self) -> Result<usize> {
        let pending = self.store.pending()?;
        let indexed = self.index.count_term(self.index.fields.doc_type, crate::index::DOC_REPORT)?;
        let (fixed, touched) = match pending {
            Some(ids) if indexed == self.store.len() => {
                let mut fixed = 0;
                for id in &ids {
                    fixed += usize::from(self.reconcile_one(id)?);
                }
                (fixed, !ids.is_empty())
            }
            _ => (self.check(true)?.problems.len(), true),
        };
        if touched {
            self.commit()?;
        }
        Ok(fixed)
    }

    /// Makes one report's index entry match the store (the store is written and flushed first, so
    /// for a journaled report it is the truth); true if something was fixed.
    fn reconcile_one(&mut self, id: &ReportId) -> Result<bool> {
        let Ok(stored) = self.store.get(id) else { return Ok(false) }; // unreadable: `check` reports it
        let indexed = self.indexed_report(id)?;
        match stored {
            Some(r) if indexed.as_ref() == Some(&r) => Ok(false),
            Some(r) => {
                self.index.delete_report(self.index_writer()?, id);
                self.index.add_report(self.index_writer()?, &r)?;
                Ok(true)
            }
            None if indexed.is_some() => {
                self.index.delete_report(self.index_writer()?, id);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// A report as the index holds it (its metadata and every section), for comparing with the store.
    fn indexed_report(&self, id: &ReportId) -> Result<Option<Report>> {
        let Some(doc) = self.index.report(id)? else { return Ok(None) };
        let sections = self.index.sections_of(id)?.into_iter().map(|s| s.section).collect();
        Ok(Some(Report { sections, ..doc.report }))
    }

    /// Compares store and index report by report; with `repair`, fixes what differs:
    /// - stored but not indexed, or indexed with other sections: indexed again from the store;
    /// - indexed but not stored: restored into the store from the index, which holds the whole
    ///   report (the store can lose recent writes in a crash); only a stale older version of a file
    ///   whose path now belongs to another stored report is dropped from the index instead.
    pub fn check(&mut self, repair: bool) -> Result<CheckReport> {
        let mut rep = CheckReport::default();
        let mut stored = std::collections::BTreeMap::new();
        for id in self.store.ids()? {
            match self.store.get(&id) {
                Ok(Some(r)) => {
                    stored.insert(id, r);
                }
                Ok(None) => {}
                Err(_) => rep.unreadable.push(id),
            }
        }
        rep.stored = stored.len() + rep.unreadable.len();
        let indexed = self.index.reports()?;
        rep.indexed = indexed.len();
        let indexed_ids: std::collections::BTreeSet<ReportId> = indexed.iter().map(|d| d.report.id.clone()).collect();
        for doc in indexed {
            let id = doc.report.id.clone();
            if stored.contains_key(&id) || rep.unreadable.contains(&id) {
                continue;
            }
            let newer = self.store.source(&doc.report.source.path)?.filter(|other| *other != id && stored.contains_key(other));
            if newer.is_some() {
                rep.problems.push((id.clone(), "an older version of a re-ingested file, still in the index; dropped from the index".into()));
                if repair {
                    self.index.delete_report(self.index_writer()?, &id);
                }
            } else {
                rep.problems.push((id.clone(), "in the index but not in the store; restored into the store from the index".into()));
                if repair {
                    let mut report = doc.report;
                    report.sections = self.index.sections_of(&id)?.into_iter().map(|s| s.section).collect();
                    self.store.put(&report)?;
                }
            }
        }
        for (id, r) in &stored {
            let what = if !indexed_ids.contains(id) {
                Some("in the store but not in the index; indexed".to_string())
            } else {
                match self.indexed_report(id)? {
                    Some(i) if i.sections.len() != r.sections.len() => {
                        Some(format!("{} sections in the index, {} in the store; re-indexed", i.sections.len(), r.sections.len()))
                    }
                    Some(i) if i != *r => Some("the index holds other content than the store; re-indexed".to_string()),
                    _ => None,
                }
            };
            if let Some(what) = what {
                rep.problems.push((id.clone(), what));
                if repair {
                    self.index.delete_report(self.index_writer()?, id);
                    self.index.add_report(self.index_writer()?, r)?;
                }
            }
        }
        if repair {
            self.commit()?;
        }
        Ok(rep)
    }

    /// Drops the whole index and indexes every stored report again.
    pub fn reindex_all(&mut self) -> Result<usize> {
        let n = self.reindex_every_report().map_err(|e| self.why_writing_failed(e))?;
        Ok(n)
    }

    fn reindex_every_report(&mut self) -> Result<usize> {
        self.store.mark_all_pending()?;
        self.store.flush()?;
        self.index_writer()?.delete_all_documents()?;
        let mut n = 0;
        for r in self.store.all() {
            let r = r?;
            self.index.add_report(self.index_writer()?, &r)?;
            n += 1;
        }
        self.commit()?;
        Ok(n)
    }

    /// The error to show for a failed write: when the index's threads stopped ("an index writer
    /// was killed"), their own error, which the next commit hands back; a full disk, a file size
    /// limit or a read-only file system said in words, with what is safe.
    fn why_writing_failed(&mut self, e: anyhow::Error) -> anyhow::Error {
        let e = if index_writer_stopped(&e) { self.commit().err().unwrap_or(e) } else { e };
        match storage_failure(&e) {
            Some(what) => anyhow::anyhow!(
                "cannot write the search index in {} ({what}); the store is unchanged and every report is kept. Free space and run the same command again",
                self.index.dir.display()
            ),
            None => e,
        }
    }

    /// Stores and indexes a prepared file.
    pub fn apply(&mut self, prepared: Prepared) -> Result<Outcome> {
        let (key, mut report, previous) = match prepared {
            Prepared::Unchanged(id) => return Ok(Outcome::Unchanged(id)),
            Prepared::Parsed { key, report, previous } => (key, report, previous),
        };
        if let Some(existing) = self.store.get(&report.id)? {
            if previous.as_ref() == Some(&report.id) || existing.source.path == key {
                // Same text, different bytes (re-saved file): keep the stored report, note the new hash.
                let mut updated = existing;
                updated.source.file_hash = report.source.file_hash;
                self.replace(&updated)?;
                return Ok(Outcome::Unchanged(report.id));
            }
            return Ok(Outcome::Duplicate(report.id));
        }
        // Hand corrections (`jixiao set`) of the previous version of this file still apply.
        if let Some(prev) = previous.as_ref().map(|p| self.store.get(p)).transpose()?.flatten() {
            if prev.overrides != Default::default() {
                report.overrides = prev.overrides;
                crate::parse::apply_overrides(&mut report, &self.regions);
            }
        }
        let id = report.id.clone();
        self.add(&report)?;
        match previous {
            Some(old) if old != id => {
                // The path now points to the new report, so removing the old one leaves it alone.
                self.remove(&old)?;
                Ok(Outcome::Replaced { old, new: id })
            }
            _ => Ok(Outcome::Added(id)),
        }
    }
}

/// A file read and parsed, ready to be stored.
pub enum Prepared {
    /// Same bytes as the stored version: nothing to do.
    Unchanged(ReportId),
    Parsed { key: String, report: Box<Report>, previous: Option<ReportId> },
}

/// Reads, extracts and parses a file; only reads the store (to skip unchanged files), so it runs on
/// worker threads while the writer stores and indexes.
pub fn prepare(store: &Store, path: &Path, domain: &Domain) -> Result<Prepared> {
    let key = path_key(&dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
    let bytes = extract::read_bytes(path)?;
    let file_hash = blake3::hash(&bytes).to_hex().to_string();
    let previous = store.source(&key)?;
    if let Some(prev) = &previous {
        if store.file_hash(prev)?.as_deref() == Some(file_hash.as_str()) {
            return Ok(Prepared::Unchanged(prev.clone()));
        }
    }
    let extracted = extract::extract(path, &bytes)?;
    // A report of this genre is Chinese text: a file without any (a system file, a log, an
    // English page) is not one.
    if crate::text::han_count(&extracted.text) < 10 {
        bail!("not a report: the file has no Chinese text");
    }
    let source = SourceInfo {
        path: key.clone(),
        file_hash,
        bytes: bytes.len() as u64,
        encoding: extracted.encoding.clone(),
        published: extracted.published.clone(),
    };
    let report = read_report(&extracted.text, source, domain)?;
    Ok(Prepared::Parsed { key, report: Box::new(report), previous })
}

/// What `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub stored: usize,
    pub indexed: usize,
    pub unreadable: Vec<ReportId>,
    /// Report and what was wrong with it.
    pub problems: Vec<(ReportId, String)>,
}

/// Text stored between two commits (or reports, for many short ones): bounds the work a crash
/// loses (the next run redoes it). Each commit ends the index writer's segments, which are then
/// merged: committing every 200 reports had made a third of an ingest's time (15,000 reports:
/// 21 s, 14.6 s when committing every 2,000); the writer's memory is bounded by its own budget.
const COMMIT_BYTES: usize = 24 << 20;
const COMMIT_REPORTS: usize = 4000;

/// Ingests files and folders into the data directory.
pub fn ingest(paths: &[PathBuf], follow: bool, data: &DataDir, domain: &Domain, on_event: &mut dyn FnMut(Event)) -> Result<Summary> {
    let mut w = Writer::open(data, domain)?;
    let mut summary = Summary { repaired: w.repaired, recovered: w.recovery.clone(), ..Summary::default() };
    let (files, skipped, errors) = collect_files(paths, follow);
    summary.skipped = skipped;
    on_event(Event::Found(files.len() + errors.len()));
    for (path, e) in errors {
        summary.failed += 1;
        on_event(Event::File { path: &path, result: &Err(e.context(path.display().to_string())) });
    }
    let (mut since_commit, mut bytes_since_commit) = (0usize, 0usize);
    // Workers read and parse files; this thread stores and indexes them in file order, so output and
    // store contents do not depend on thread timing.
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Room for 32 files a worker: an unchanged file is a hash and a lookup, and with room for 4 the
    // threads spent a re-ingest handing each other the turn (15,000 unchanged files: 0.29–0.35 s →
    // 0.27–0.31 s); a parsed report waiting here is some tens of KB.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<Prepared>)>(workers * 32);
    let store = w.store.clone();
    let store = &*store;
    // Reports made durable by a commit in this run, for the message when writing fails.
    let mut committed = 0usize;
    std::thread::scope(|scope| -> Result<()> {
        // Owned here, so that returning early (a failed write) closes the channel and the workers
        // blocked on it end instead of waiting for ever.
        let rx = rx;
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, files) = (&next, &files);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                // One file must never end the run: a panic while reading it is that file's error.
                let result = crate::guard::catch(|| prepare(store, path, domain))
                    .unwrap_or_else(|why| Err(anyhow::anyhow!("internal error while reading this file ({why}); the other files go on")));
                if tx.send((i, result)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut expected = 0usize;
        for (i, prepared) in rx.iter() {
            pending.insert(i, prepared);
            while let Some(prepared) = pending.remove(&expected) {
                let path = &files[expected];
                expected += 1;
                let text_bytes = match &prepared {
                    Ok(Prepared::Parsed { report, .. }) => report.sections.iter().map(|s| s.text.len()).sum(),
                    _ => 0,
                };
                let result = prepared.and_then(|p| w.apply(p));
                // What every later file would meet alike ends the run with one message: the data
                // directory cannot take more (seen by this thread's writes, or by a worker's read
                // of the store: once a write of sled's own fails, sled returns that error to every
                // call), or the index's own threads stopped (committing hands back their error).
                if let Err(e) = &result {
                    if storage_failure(e).is_some() {
                        return Err(write_failed(e, data, committed));
                    }
                    if index_writer_stopped(e) {
                        return Err(write_failed(w.commit().err().as_ref().unwrap_or(e), data, committed));
                    }
                }
                let result = result.with_context(|| format!("{}", path.display()));
                match &result {
                    Ok(Outcome::Added(_)) => summary.added += 1,
                    Ok(Outcome::Replaced { .. }) => summary.replaced += 1,
                    Ok(Outcome::Unchanged(_)) | Ok(Outcome::Duplicate(_)) => summary.unchanged += 1,
                    Err(_) => summary.failed += 1,
                }
                if matches!(result, Ok(Outcome::Added(_)) | Ok(Outcome::Replaced { .. })) {
                    since_commit += 1;
                    bytes_since_commit += text_bytes;
                }
                on_event(Event::File { path, result: &result });
                if since_commit >= COMMIT_REPORTS || bytes_since_commit >= COMMIT_BYTES {
                    w.commit().map_err(|e| write_failed(&e, data, committed))?;
                    committed = summary.added + summary.replaced;
                    (since_commit, bytes_since_commit) = (0, 0);
                }
            }
        }
        Ok(())
    })?;
    w.finish().map_err(|e| write_failed(&e, data, committed))?;
    Ok(summary)
}

/// What stops every write to the data directory (as opposed to one file's trouble), named for the user.
pub fn storage_failure(e: &anyhow::Error) -> Option<&'static str> {
    // sled and tantivy wrap the operating system's error in their own types; its kind shows in
    // the Debug form of each.
    let text = format!("{e:?}");
    [
        (["StorageFull", "No space left"], "the disk is full"),
        (["FileTooLarge", "File too large"], "the file size limit was reached"),
        (["QuotaExceeded", "Disk quota exceeded"], "the disk quota is used up"),
        (["ReadOnlyFilesystem", "Read-only file system"], "the file system is read-only"),
    ]
    .into_iter()
    .find(|(marks, _)| marks.iter().any(|m| text.contains(m)))
    .map(|(_, what)| what)
}

/// The index writer's threads have stopped: it takes no more documents. Their error (a full disk,
/// say) is returned by the next commit.
fn index_writer_stopped(e: &anyhow::Error) -> bool {
    e.chain().any(|c| matches!(c.downcast_ref::<tantivy::TantivyError>(), Some(tantivy::TantivyError::ErrorInThread(_))))
}

/// The error that ends a run whose writes failed: what happened, what is safe, what to do.
fn write_failed(e: &anyhow::Error, data: &DataDir, committed: usize) -> anyhow::Error {
    let why = storage_failure(e).map(str::to_string).unwrap_or_else(|| format!("{e:#}"));
    anyhow::anyhow!(
        "cannot write to the data directory {} ({why}): {committed} reports of this run were committed; those stored after \
         the last commit are kept if the disk took them (the next run finds them). Nothing stored earlier is lost. Free \
         space and run the same ingest again: it goes on from there",
        data.root.display()
    )
}

/// Copies a folder's files (recursively) to `to`.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    if !from.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The key under which a file's report is stored: its path, exactly. A path that is not valid
/// UTF-8 is shown lossily and made unique by its raw bytes in hex, so that "a\xff.txt" and
/// "a\xfe.txt" never share a key.
pub fn path_key(path: &Path) -> String {
    let os = path.as_os_str();
    match os.to_str() {
        Some(s) => s.to_string(),
        None => {
            #[cfg(unix)]
            let raw: Vec<u8> = std::os::unix::ffi::OsStrExt::as_bytes(os).to_vec();
            #[cfg(not(unix))]
            let raw: Vec<u8> = os.to_string_lossy().as_bytes().to_vec();
            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            format!("{} (path bytes {hex})", path.display())
        }
    }
}

