//! Ingest: walk the given files and folders, read and parse each report, store it and index it
//! (through the data directory's `Writer`).
//!
//! Per-file errors are collected and the run goes on. The store is written first and flushed before
//! each index commit; at the start of a run the index is reconciled with the store, so a run that
//! was killed half-way leaves nothing that the next run does not repair.

use crate::schema::Domain;
use crate::extract::{self, archive};
use crate::model::{Report, ReportId, SourceInfo};
use crate::enrich::read_report;
use crate::store::{DataDir, Store};
use crate::writer::{index_writer_stopped, storage_failure, Recovery, Writer};
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

/// One report to read: a file, or a member of a .zip archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where it is shown and stored: the file's path, or the archive's joined with the member's name.
    pub path: PathBuf,
    /// The archive and the member, for a report inside an archive.
    pub member: Option<(PathBuf, archive::Member)>,
}

impl Input {
    fn file(path: PathBuf) -> Input {
        Input { path, member: None }
    }
}

/// The reports an archive holds, as inputs; the other members are counted as passed over.
fn archive_inputs(path: &Path, files: &mut Vec<Input>, skipped: &mut usize, errors: &mut Vec<(PathBuf, anyhow::Error)>) {
    match archive::members(path) {
        Ok((members, others)) => {
            *skipped += others;
            files.extend(members.into_iter().map(|m| Input { path: archive::member_path(path, &m), member: Some((path.to_path_buf(), m)) }));
        }
        Err(e) => errors.push((path.to_path_buf(), e)),
    }
}

/// Files to ingest: the files named, and in folders every file with a supported extension; a .zip
/// archive named or found stands for the reports it holds. Returns the inputs and the number of
/// entries passed over; unreadable entries are errors. Symbolic links inside folders are followed
/// only with `follow`.
pub fn collect_files(paths: &[PathBuf], follow: bool) -> (Vec<Input>, usize, Vec<(PathBuf, anyhow::Error)>) {
    let mut files = Vec::new();
    let mut skipped = 0;
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => errors.push((p.clone(), anyhow::Error::new(e).context("cannot read"))),
            Ok(m) if m.is_file() && archive::is_archive(p) => archive_inputs(p, &mut files, &mut skipped, &mut errors),
            Ok(m) if m.is_file() => files.push(Input::file(p.clone())),
            Ok(_) => {
                for entry in walkdir::WalkDir::new(p).follow_links(follow).sort_by_file_name() {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            if extract::Format::of(e.path()).is_some() {
                                files.push(Input::file(e.into_path()));
                            } else if archive::is_archive(e.path()) {
                                archive_inputs(e.path(), &mut files, &mut skipped, &mut errors);
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

/// A file read and parsed, ready to be stored.
pub enum Prepared {
    /// Same bytes as the stored version: nothing to do.
    Unchanged(ReportId),
    Parsed { key: String, report: Box<Report>, previous: Option<ReportId> },
}

/// Reads, extracts and parses a file (or an archive's member); only reads the store (to skip
/// unchanged files), so it runs on worker threads while the writer stores and indexes.
pub fn prepare(store: &Store, input: &Input, domain: &Domain) -> Result<Prepared> {
    let path = input.path.as_path();
    let (key, bytes) = match &input.member {
        None => (path_key(&dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())), extract::read_bytes(path)?),
        Some((zip, member)) => {
            let zip_key = path_key(&dunce::canonicalize(zip).unwrap_or_else(|_| zip.clone()));
            (format!("{zip_key}/{}", member.name), archive::read_member(zip, member)?)
        }
    };
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



/// Stores and indexes a prepared file.
pub fn apply(w: &mut Writer, prepared: Prepared) -> Result<Outcome> {
    let (key, mut report, previous) = match prepared {
        Prepared::Unchanged(id) => return Ok(Outcome::Unchanged(id)),
        Prepared::Parsed { key, report, previous } => (key, report, previous),
    };
    if let Some(existing) = w.store.get(&report.id)? {
        if previous.as_ref() == Some(&report.id) || existing.source.path == key {
            // Same text, different bytes (re-saved file): keep the stored report, note the new hash.
            let mut updated = existing;
            updated.source.file_hash = report.source.file_hash;
            w.replace(&updated)?;
            return Ok(Outcome::Unchanged(report.id));
        }
        return Ok(Outcome::Duplicate(report.id));
    }
    // Hand corrections (`jixiao set`) of the previous version of this file still apply.
    if let Some(prev) = previous.as_ref().map(|p| w.store.get(p)).transpose()?.flatten() {
        if prev.overrides != Default::default() {
            report.overrides = prev.overrides;
            crate::parse::apply_overrides(&mut report, &w.regions);
        }
    }
    let id = report.id.clone();
    w.add(&report)?;
    match previous {
        Some(old) if old != id => {
            // The path now points to the new report, so removing the old one leaves it alone.
            w.remove(&old)?;
            Ok(Outcome::Replaced { old, new: id })
        }
        _ => Ok(Outcome::Added(id)),
    }
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
                let Some(input) = files.get(i) else { break };
                // One file must never end the run: a panic while reading it is that file's error.
                let result = crate::guard::catch(|| prepare(store, input, domain))
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
                let path = &files[expected].path;
                expected += 1;
                let text_bytes = match &prepared {
                    Ok(Prepared::Parsed { report, .. }) => report.sections.iter().map(|s| s.text.len()).sum(),
                    _ => 0,
                };
                let result = prepared.and_then(|p| apply(&mut w, p));
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

