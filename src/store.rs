//! The store of record: reports with their sections in sled, serialized with bincode.
//!
//! Trees: `reports` (report id → Report, zstd-compressed bincode), `sources` (source path → report
//! id), `hashes` (report id → file hash), `meta` (format version, compression dictionary),
//! `pending` (the journal: ids of reports changed in the store whose index commit has not happened
//! yet). sled holds its database lock for the life of the process, so only commands that change
//! data open the store; they take the data directory's lock file first, which turns a second writer
//! into a clear error instead of a sled failure.

use crate::model::{Report, ReportId};
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Version of the stored format; a store of another version is refused with a way on.
/// 2: values are zstd-compressed bincode. 3: sections carry their problem statements; reports a
/// supervising department. 4: values may be compressed with the store's dictionary (a store of
/// version 3 is read as it is and becomes 4 when its dictionary is trained).
pub const FORMAT_VERSION: u32 = 4;
const READABLE_VERSIONS: [u32; 2] = [3, 4];

/// zstd level for stored reports: a good ratio on Chinese text at a small cost per report.
const ZSTD_LEVEL: i32 = 3;

/// Reports of one genre repeat their templates (headings, indicator tables, set phrases), which a
/// report compressed alone cannot exploit. The store trains a zstd dictionary from the first
/// reports it is given and compresses every later report with it: see `Codec`.
const DICT_SAMPLE_REPORTS: usize = 1000;
const DICT_SAMPLE_BYTES: usize = 24 << 20;
const DICT_SIZE: usize = 256 << 10;
/// Fewer sampled reports than this train no dictionary (zstd needs varied samples).
const DICT_MIN_REPORTS: usize = 100;

/// The store's dictionary, loaded once into a compression and a decompression context.
struct Dictionary {
    id: u32,
    compressor: Mutex<zstd::bulk::Compressor<'static>>,
    decompressor: Mutex<zstd::bulk::Decompressor<'static>>,
}

impl Dictionary {
    fn new(bytes: &[u8]) -> Result<Dictionary> {
        let id = zstd::zstd_safe::get_dict_id_from_dict(bytes).map(|n| n.get()).context("the store's compression dictionary is damaged")?;
        Ok(Dictionary {
            id,
            compressor: Mutex::new(zstd::bulk::Compressor::with_dictionary(ZSTD_LEVEL, bytes)?),
            decompressor: Mutex::new(zstd::bulk::Decompressor::with_dictionary(bytes)?),
        })
    }
}

/// Compresses and decompresses stored reports. A value names the dictionary it needs in its zstd
/// frame header, so values written before the dictionary existed stay readable.
struct Codec {
    dict: RwLock<Option<Arc<Dictionary>>>,
    /// Without a dictionary (a context reused: creating one per report costs more than a small
    /// report's compression).
    plain: Mutex<zstd::bulk::Compressor<'static>>,
    /// Reports written without a dictionary in this process, kept (as bincode and as stored) until
    /// there are enough to train one and it is trained; then rewritten with it.
    samples: Mutex<Vec<Sample>>,
    /// The dictionary in training on its own thread: the writer goes on storing reports meanwhile
    /// (training took 0.36–0.41 s of a 15,000-report ingest, during which the ingest's other
    /// threads waited for the writer).
    training: Mutex<Option<std::thread::JoinHandle<Option<Vec<u8>>>>>,
}

/// Reports stored while the dictionary trains, at most (then the writer waits for it): they are
/// held uncompressed until they are rewritten with it.
const MAX_WAITING_SAMPLES: usize = 4 * DICT_SAMPLE_REPORTS;

/// A report written without a dictionary: its id, its bincode and the value stored.
struct Sample {
    id: ReportId,
    raw: Vec<u8>,
    packed: Vec<u8>,
}

/// A poisoned lock only means another thread panicked while compressing; the context is reset by
/// its next use.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Codec {
    fn new(dict: Option<Dictionary>) -> Result<Codec> {
        Ok(Codec { dict: RwLock::new(dict.map(Arc::new)), plain: Mutex::new(zstd::bulk::Compressor::new(ZSTD_LEVEL)?), samples: Default::default(), training: Default::default() })
    }

    fn dict(&self) -> Option<Arc<Dictionary>> {
        self.dict.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn pack(&self, raw: &[u8]) -> Result<Vec<u8>> {
        Ok(match self.dict() {
            Some(d) => locked(&d.compressor).compress(raw)?,
            None => locked(&self.plain).compress(raw)?,
        })
    }

    fn unpack(&self, bytes: &[u8]) -> Result<Report> {
        let raw = match zstd::zstd_safe::get_dict_id_from_frame(bytes) {
            None => zstd::stream::decode_all(bytes)?,
            Some(id) => {
                let d = self.dict().filter(|d| d.id == id.get()).with_context(|| format!("it needs compression dictionary {id}, which the store does not hold"))?;
                // Written by `pack`, which records the size in the frame.
                let size = zstd::zstd_safe::get_frame_content_size(bytes).ok().flatten().context("its compressed frame has no size")?;
                let size = usize::try_from(size).ok().filter(|n| *n <= MAX_REPORT_BYTES).context("its compressed frame claims an impossible size")?;
                let raw = locked(&d.decompressor).decompress(bytes, size)?;
                raw
            }
        };
        decode_blob(&raw)
    }
}

/// A dictionary trained from stored reports' bincode, or None where zstd refuses the sample (too
/// few or too alike to learn from).
fn train_dictionary<T: AsRef<[u8]>>(raws: &[T]) -> Option<Vec<u8>> {
    zstd::dict::from_samples(raws, DICT_SIZE).ok()
}

/// No stored report decodes to more than this (the largest files jixiao reads are far smaller).
const MAX_REPORT_BYTES: usize = 1 << 30;

/// sled's page cache: its default (1 GiB) let a large ingest's memory grow with the store; reports
/// are read once per ingest or command, so a small cache costs little.
const STORE_CACHE: u64 = 64 * 1024 * 1024;

/// sled reclaims the space of rewritten pages only in its periodic flush, for at most half of each
/// interval, and only from log segments at most half live: at its default (500 ms) it fell behind
/// an ingest and the store's file grew to 2.2× (15,000 reports) and up to 2.9× (60,000) the bytes
/// it holds. Every 100 ms: 24.9–28.7 → 20.7–25.6 MB and 108–147 → 79 MB for the same ingests, for
/// no measurable time (the flush thread's fsyncs and cleaning run beside the ingest's threads).
const STORE_FLUSH_MS: u64 = 100;

/// The paths inside a data directory.
/// The one binary codec of jixiao (bincode 2, standard configuration): the store's reports and the
/// index's stored documents.
pub fn encode<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok(bincode::serde::encode_to_vec(v, bincode::config::standard())?)
}

/// Reads what `encode` wrote.
pub fn decode_blob<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    Ok(bincode::serde::decode_from_slice(bytes, bincode::config::standard())?.0)
}

/// A data directory: the store, the index and what they share.
#[derive(Debug, Clone)]
pub struct DataDir {
    /// Its folder.
    pub root: PathBuf,
}

impl DataDir {
    /// The data directory at `root` (nothing is created).
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }
    /// The sled store's folder.
    pub fn store(&self) -> PathBuf {
        self.root.join("store")
    }
    /// The tantivy index's folder.
    pub fn search(&self) -> PathBuf {
        self.root.join("search")
    }
    /// The schema the reports were tagged with (written by every writer).
    pub fn schema(&self) -> PathBuf {
        self.root.join("schema")
    }
    /// The lock for a reader that must see the data directory unchanged (`check --dry-run`): the
    /// writers' lock where it can be taken; in a directory this process cannot write (read-only
    /// mount, another user's files), a shared lock on the lock file or the folder itself, which
    /// still waits for no one and keeps writers out while it is held.
    pub fn lock_for_reading(&self) -> Result<File> {
        let read_only = |e: &anyhow::Error| {
            e.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|io| {
                matches!(io.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem) || io.raw_os_error() == Some(30)
            })
        };
        match self.lock() {
            Ok(f) => Ok(f),
            Err(e) if read_only(&e) => {
                let f = File::open(self.lock_file()).or_else(|_| File::open(&self.root)).with_context(|| format!("cannot read {}", self.root.display()))?;
                match f.try_lock_shared() {
                    Ok(()) => Ok(f),
                    Err(std::fs::TryLockError::WouldBlock) => bail!("the data directory {} is being changed by another process; try again when it has finished", self.root.display()),
                    // A file system without locks: nothing can write here anyway.
                    Err(std::fs::TryLockError::Error(_)) => Ok(f),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn lock_file(&self) -> PathBuf {
        self.root.join("jixiao.lock")
    }

    /// Takes the writer lock of this data directory, held until the guard is dropped.
    pub fn lock(&self) -> Result<File> {
        std::fs::create_dir_all(&self.root).with_context(|| format!("cannot create the data directory {}", self.root.display()))?;
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.lock_file())
            .with_context(|| format!("cannot open {}", self.lock_file().display()))?;
        match f.try_lock() {
            Ok(()) => {
                // Who holds it, for the message another process gets (best effort).
                let me: String = std::env::args().collect::<Vec<_>>().join(" ").chars().take(200).collect();
                let _ = f.set_len(0).and_then(|()| std::io::Write::write_all(&mut &f, format!("{} {me}", std::process::id()).as_bytes()));
                Ok(f)
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(self.lock_file()).unwrap_or_default();
                let holder: String = holder.chars().filter(|c| !c.is_control()).take(200).collect();
                let who = match holder.split_once(' ') {
                    Some((pid, cmd)) if !pid.is_empty() => format!("process {pid} ({cmd})"),
                    _ => "another process".to_string(),
                };
                bail!("the data directory {} is being changed by {who}; try again when it has finished", self.root.display())
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", self.lock_file().display())),
        }
    }
}

/// sled found its files damaged (it can be, after a crash mid-write; see its README).
#[derive(Debug, thiserror::Error)]
#[error("the store in {} is damaged", .0.display())]
pub struct StoreCorrupt(pub PathBuf);

/// The sled store of record: every report, whole.
pub struct Store {
    db: sled::Db,
    reports: sled::Tree,
    sources: sled::Tree,
    /// report id → file hash, so that re-ingesting an unchanged folder decodes nothing.
    hashes: sled::Tree,
    /// Report ids written since the last index commit (see `mark_pending`).
    pending: sled::Tree,
    meta: sled::Tree,
    codec: Codec,
    /// The last handles of the database, dropped after the fields above (declaration order).
    _closer: Closer,
}

/// How long closing the store may take before the process goes on without waiting for it.
const CLOSE_SECONDS: u64 = 10;

/// Holds the last handles of the sled database and closes it on a thread of its own: sled
/// flushes when its last handle goes, and on a full disk that flush can wait forever (seen in the
/// full-disk rebuild test). Everything a command needs on disk was flushed before its commits, so
/// a close that does not finish in `CLOSE_SECONDS` is left behind and the process ends.
struct Closer(Option<(sled::Db, Vec<sled::Tree>)>);

impl Drop for Closer {
    fn drop(&mut self) {
        let Some(handles) = self.0.take() else { return };
        let (done, wait) = std::sync::mpsc::channel();
        let closing = std::thread::Builder::new().name("store-close".into()).spawn(move || {
            drop(handles);
            let _ = done.send(());
        });
        if closing.is_ok() {
            let _ = wait.recv_timeout(std::time::Duration::from_secs(CLOSE_SECONDS));
        }
    }
}

/// Waits of 50 ms for the file lock of a store this process has just closed (see `Store::open`).
const REOPEN_TRIES: usize = 60;

/// The `pending` key that asks for a full comparison of store and index (a store written before
/// the journal existed, or a whole re-index under way).
const ALL_PENDING: &[u8] = b"*";

impl Store {
    /// Opens (or creates) the store. Call only while holding the data directory's lock.
    pub fn open(path: &Path) -> Result<Store> {
        let config = sled::Config::new().path(path).mode(sled::Mode::LowSpace).cache_capacity(STORE_CACHE).flush_every_ms(Some(STORE_FLUSH_MS));
        // A store closed a moment ago in this process may still be locked: sled's background I/O
        // work can hold the file a little after the handle is dropped (sled #1289). Holding the
        // data directory's lock, nobody else has it open, so the lock clears: wait for it, bounded.
        let mut opened = config.open();
        for _ in 0..REOPEN_TRIES {
            match &opened {
                // sled reports it as an error of kind Other with this text (sled 0.34 config.rs).
                Err(sled::Error::Io(e)) if e.to_string().starts_with("could not acquire lock") => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    opened = config.open();
                }
                _ => break,
            }
        }
        let db = match opened {
            Ok(db) => db,
            Err(sled::Error::Corruption { .. }) => return Err(StoreCorrupt(path.to_path_buf()).into()),
            Err(e) => return Err(e).with_context(|| format!("cannot open the store in {}", path.display())),
        };
        let meta = db.open_tree("meta")?;
        match meta.get("format")? {
            None => {
                meta.insert("format", &FORMAT_VERSION.to_le_bytes())?;
            }
            Some(v) => {
                let found = u32::from_le_bytes(v.as_ref().try_into().unwrap_or([0; 4]));
                if !READABLE_VERSIONS.contains(&found) {
                    bail!(
                        "the store in {} has format version {found}, this jixiao reads version {FORMAT_VERSION}; re-ingest your reports into a new data directory (--data)",
                        path.display()
                    );
                }
            }
        }
        let pending = db.open_tree("pending")?;
        if meta.get("journal")?.is_none() {
            // Stores written before the journal: the first writer compares everything once.
            pending.insert(ALL_PENDING, &[])?;
            meta.insert("journal", &[1])?;
        }
        let dict = match meta.get("dict")? {
            Some(bytes) => Some(Dictionary::new(&bytes).with_context(|| format!("cannot open the store in {}", path.display()))?),
            None => None,
        };
        let codec = Codec::new(dict)?;
        let (reports, sources, hashes) = (db.open_tree("reports")?, db.open_tree("sources")?, db.open_tree("hashes")?);
        let closer = Closer(Some((db.clone(), vec![reports.clone(), sources.clone(), hashes.clone(), pending.clone(), meta.clone()])));
        Ok(Store { reports, sources, hashes, pending, meta, codec, db, _closer: closer })
    }

    /// A report by id.
    pub fn get(&self, id: &ReportId) -> Result<Option<Report>> {
        match self.reports.get(id.as_str())? {
            Some(bytes) => Ok(Some(self.codec.unpack(&bytes).with_context(|| format!("report {id} in the store is unreadable"))?)),
            None => Ok(None),
        }
    }

    /// Stores a report (replacing the one of that id).
    pub fn put(&self, report: &Report) -> Result<()> {
        let raw = encode(report)?;
        let packed = self.codec.pack(&raw)?;
        self.reports.insert(report.id.as_str(), packed.as_slice())?;
        self.hashes.insert(report.id.as_str(), report.source.file_hash.as_bytes())?;
        self.sources.insert(report.source.path.as_bytes(), report.id.as_str())?;
        if self.codec.dict().is_none() {
            let (waiting, full) = {
                let mut samples = locked(&self.codec.samples);
                samples.push(Sample { id: report.id.clone(), raw, packed });
                (samples.len(), samples.len() >= DICT_SAMPLE_REPORTS || samples.iter().map(|s| s.raw.len()).sum::<usize>() >= DICT_SAMPLE_BYTES)
            };
            let mut training = locked(&self.codec.training);
            match training.take() {
                // The sample is the first reports to fill it, whether trained here or on a thread.
                None if full => match self.start_training() {
                    Some(h) => *training = Some(h),
                    None => {
                        drop(training);
                        self.train()?;
                    }
                },
                Some(h) if h.is_finished() || waiting >= MAX_WAITING_SAMPLES => {
                    drop(training);
                    self.install(h.join().ok().flatten())?;
                }
                other => *training = other,
            }
        }
        Ok(())
    }

    /// Starts training the dictionary from the reports sampled so far on a thread of its own (None
    /// where no thread can be started).
    fn start_training(&self) -> Option<std::thread::JoinHandle<Option<Vec<u8>>>> {
        let raws: Vec<Vec<u8>> = locked(&self.codec.samples).iter().map(|s| s.raw.clone()).collect();
        std::thread::Builder::new().name("jixiao-dictionary".into()).spawn(move || train_dictionary(&raws)).ok()
    }

    /// Trains the compression dictionary from the reports sampled so far (if there are enough and
    /// the store has none yet), or waits for the training under way, then installs it (see
    /// `install`). Called by `Writer::finish`, and by `put` where no thread can be started.
    pub fn train(&self) -> Result<()> {
        let under_way = locked(&self.codec.training).take();
        let bytes = match under_way {
            Some(h) => h.join().ok().flatten(),
            None => {
                let samples = locked(&self.codec.samples);
                if self.codec.dict().is_some() || samples.len() < DICT_MIN_REPORTS {
                    return Ok(());
                }
                let raws: Vec<&[u8]> = samples.iter().map(|s| s.raw.as_slice()).collect();
                train_dictionary(&raws)
            }
        };
        self.install(bytes)
    }

    /// Stores a trained dictionary and rewrites every report sampled since with it. The dictionary
    /// is written before any value that needs it, and sled recovers a prefix of its writes, so a
    /// crash cannot leave a value without its dictionary. Without a dictionary (zstd refused the
    /// sample) the store goes on without, and the next reports make a new sample.
    fn install(&self, bytes: Option<Vec<u8>>) -> Result<()> {
        let samples = std::mem::take(&mut *locked(&self.codec.samples));
        let Some(bytes) = bytes else { return Ok(()) };
        if self.codec.dict().is_some() {
            return Ok(());
        }
        let dict = Arc::new(Dictionary::new(&bytes)?);
        self.meta.insert("dict", bytes)?;
        self.meta.insert("format", &FORMAT_VERSION.to_le_bytes())?;
        *self.codec.dict.write().unwrap_or_else(|e| e.into_inner()) = Some(dict);
        for s in &samples {
            // Only where the value is still the sampled one: a later write wins.
            let repacked = self.codec.pack(&s.raw)?;
            self.reports.compare_and_swap(s.id.as_str(), Some(s.packed.as_slice()), Some(repacked))?.ok();
        }
        Ok(())
    }

    /// The report last ingested from `path`.
    pub fn source(&self, path: &str) -> Result<Option<ReportId>> {
        Ok(self.sources.get(path.as_bytes())?.map(|v| ReportId(String::from_utf8_lossy(&v).into_owned())))
    }

    /// The file hash a stored report was read from, without decoding the report.
    pub fn file_hash(&self, id: &ReportId) -> Result<Option<String>> {
        Ok(self.hashes.get(id.as_str())?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Removes a report and the source path that points to it. The path is the report's own
    /// (each stored report has exactly one); only an unreadable report costs a scan of all paths.
    pub fn remove(&self, id: &ReportId) -> Result<Option<Report>> {
        let old = self.get(id).ok().flatten();
        self.reports.remove(id.as_str())?;
        self.hashes.remove(id.as_str())?;
        match &old {
            Some(r) => {
                // Only if it still points here: a newer version of the file may own the path now.
                self.sources.compare_and_swap(r.source.path.as_bytes(), Some(id.as_str().as_bytes()), None as Option<&[u8]>)?.ok();
            }
            None => {
                for entry in self.sources.iter() {
                    let (k, v) = entry?;
                    if v.as_ref() == id.as_str().as_bytes() {
                        self.sources.remove(k)?;
                    }
                }
            }
        }
        Ok(old)
    }

    /// Every report's id, in order.
    pub fn ids(&self) -> Result<Vec<ReportId>> {
        self.reports.iter().keys().map(|k| Ok(ReportId(String::from_utf8_lossy(&k?).into_owned()))).collect()
    }

    /// Every report, in id order.
    pub fn all(&self) -> impl Iterator<Item = Result<Report>> + '_ {
        self.reports.iter().values().map(|v| self.codec.unpack(&v?))
    }

    /// The id of the compression dictionary new reports are written with, if trained.
    pub fn dictionary_id(&self) -> Option<u32> {
        self.codec.dict().map(|d| d.id)
    }

    /// The bytes the stored reports take, compressed, before sled's own overhead.
    pub fn report_bytes(&self) -> Result<u64> {
        self.reports.iter().values().try_fold(0u64, |n, v| Ok(n + v?.len() as u64))
    }

    /// How many stored reports are compressed without the store's dictionary (those written before
    /// it was trained and not rewritten since).
    pub fn reports_without_dictionary(&self) -> Result<usize> {
        self.reports.iter().values().try_fold(0, |n, v| Ok(n + usize::from(zstd::zstd_safe::get_dict_id_from_frame(&v?).is_none())))
    }

    /// How many reports are stored.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    /// True when no report is stored.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// Records, before a report changes, that its index entry may differ from the store until the
    /// next index commit. sled recovers a prefix of its writes after a crash, so a change that
    /// survives always has its journal entry.
    pub fn mark_pending(&self, id: &ReportId) -> Result<()> {
        self.pending.insert(id.as_str(), &[])?;
        Ok(())
    }

    /// Asks the next writer to compare all of store and index.
    pub fn mark_all_pending(&self) -> Result<()> {
        self.pending.insert(ALL_PENDING, &[])?;
        Ok(())
    }

    /// What the journal holds: None when everything must be compared, else the ids.
    pub fn pending(&self) -> Result<Option<Vec<ReportId>>> {
        let mut ids = Vec::new();
        for k in self.pending.iter().keys() {
            let k = k?;
            if k.as_ref() == ALL_PENDING {
                return Ok(None);
            }
            ids.push(ReportId(String::from_utf8_lossy(&k).into_owned()));
        }
        Ok(Some(ids))
    }

    /// Empties the journal once the index has committed what it lists.
    pub fn clear_pending(&self) -> Result<()> {
        self.pending.clear()?;
        Ok(())
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}
