//! The writer of a data directory: the store and the index opened together under the data
//! directory's lock, kept in agreement (the journal of pending reports, reconciling on opening,
//! `check` and its repairs), and the hand corrections of `set`. Every command that writes goes
//! through it: ingest, retag, set, remove, rebuild, check, and the app's uploads.

use crate::index::SearchIndex;
use crate::model::{Report, ReportId};
use crate::schema::Domain;
use crate::store::{DataDir, Store};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The store and index opened for writing, with the data directory's lock held.
pub struct Writer {
    /// The store of record.
    pub store: std::sync::Arc<Store>,
    /// The index.
    pub index: SearchIndex,
    /// None for an inspection (`check --dry-run`), which must not change the index.
    writer: Option<tantivy::IndexWriter>,
    pub(crate) regions: std::sync::Arc<crate::region::RegionTable>,
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
    /// Where the damaged store was moved.
    pub moved_to: PathBuf,
    /// How many reports were restored from the index.
    pub restored: usize,
}

impl Writer {
    /// Opens the data directory for writing, under its lock, finishing what an interrupted writer left.
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

    /// Stores and indexes a report (replacing the one of that id).
    pub fn add(&mut self, report: &Report) -> Result<()> {
        self.store.mark_pending(&report.id)?;
        self.store.put(report)?;
        self.index.add_report(self.index_writer()?, report)
    }

    /// Removes a report from store and index; the report removed, if there was one.
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
}

/// What `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Reports in the store.
    pub stored: usize,
    /// Reports in the index.
    pub indexed: usize,
    /// Reports the store holds but cannot decode.
    pub unreadable: Vec<ReportId>,
    /// Report and what was wrong with it.
    pub problems: Vec<(ReportId, String)>,
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
pub(crate) fn index_writer_stopped(e: &anyhow::Error) -> bool {
    e.chain().any(|c| matches!(c.downcast_ref::<tantivy::TantivyError>(), Some(tantivy::TantivyError::ErrorInThread(_))))
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

/// A hand correction of a report's unit or fiscal year (`jixiao set`, the app's correction form);
/// it survives re-ingesting a changed file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correction {
    /// The unit's name to set.
    pub department: Option<String>,
    /// The fiscal year to set.
    pub fiscal_year: Option<u16>,
}

/// Why a correction is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum BadCorrection {
    /// Neither a department nor a year.
    Nothing,
    /// The department given is not a name: too short, or more than one line.
    NotAName(String),
    /// A year no report can be about.
    Year(u16),
}

impl std::fmt::Display for BadCorrection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadCorrection::Nothing => write!(f, "nothing to set: give the department and/or the fiscal year"),
            BadCorrection::NotAName(d) => write!(f, "{d:?} is not a department name: give the full name on one line (海宁市审计局)"),
            BadCorrection::Year(y) => write!(f, "{y} is not a plausible fiscal year"),
        }
    }
}

impl std::error::Error for BadCorrection {}

impl Correction {
    /// The correction with its name trimmed, or why it is refused.
    pub fn checked(&self) -> std::result::Result<Correction, BadCorrection> {
        if self.department.is_none() && self.fiscal_year.is_none() {
            return Err(BadCorrection::Nothing);
        }
        let department = self.department.as_deref().map(str::trim).map(str::to_string);
        if let Some(d) = &department {
            if d.chars().count() < 2 || d.chars().count() > 100 || d.chars().any(|c| c.is_control()) {
                return Err(BadCorrection::NotAName(d.clone()));
            }
        }
        if let Some(y) = self.fiscal_year.filter(|y| !(1990..=2100).contains(y)) {
            return Err(BadCorrection::Year(y));
        }
        Ok(Correction { department, fiscal_year: self.fiscal_year })
    }
}

impl Writer {
    /// Applies a checked correction to a stored report, in store and index; returns the report as
    /// corrected (the region follows from the department's name).
    pub fn correct(&mut self, id: &ReportId, c: &Correction) -> Result<Report> {
        let mut r = self.store.get(id)?.with_context(|| format!("report {id} is not in the store; run `jixiao check`"))?;
        if let Some(d) = &c.department {
            r.overrides.department = Some(d.clone());
        }
        if c.fiscal_year.is_some() {
            r.overrides.fiscal_year = c.fiscal_year;
        }
        crate::parse::apply_overrides(&mut r, &self.regions);
        self.replace(&r)?;
        Ok(r)
    }
}
