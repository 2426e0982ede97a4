//! The store of record: reports with their sections in sled, serialized with bincode.
//!
//! Trees: `reports` (report id → Report, zstd-compressed bincode), `sources` (source path → report
//! id), `hashes` (report id → file hash), `meta` (format version), `pending` (the journal: ids of
//! reports changed in the store whose index commit has not happened yet). sled holds its database lock for the life of the process, so only commands that change
//! data open the store; they take the data directory's lock file first, which turns a second writer
//! into a clear error instead of a sled failure.

use crate::index::{decode_blob, encode};
use crate::model::{Report, ReportId};
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Version of the stored format; a store of another version is refused with a way on.
/// 2: values are zstd-compressed bincode. 3: sections carry their problem statements; reports a
/// supervising department.
pub const FORMAT_VERSION: u32 = 3;

/// zstd level for stored reports: a good ratio on Chinese text at a small cost per report.
const ZSTD_LEVEL: i32 = 6;

fn pack(report: &Report) -> Result<Vec<u8>> {
    Ok(zstd::bulk::compress(&encode(report)?, ZSTD_LEVEL)?)
}

fn unpack(bytes: &[u8]) -> Result<Report> {
    let raw = zstd::stream::decode_all(bytes)?;
    decode_blob(&raw)
}

/// sled's page cache: its default (1 GiB) let a large ingest's memory grow with the store; reports
/// are read once per ingest or command, so a small cache costs little.
const STORE_CACHE: u64 = 64 * 1024 * 1024;

/// The paths inside a data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }
    pub fn store(&self) -> PathBuf {
        self.root.join("store")
    }
    pub fn search(&self) -> PathBuf {
        self.root.join("search")
    }
    /// The schema the reports were tagged with (written by every writer).
    pub fn schema(&self) -> PathBuf {
        self.root.join("schema")
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

pub struct Store {
    db: sled::Db,
    reports: sled::Tree,
    sources: sled::Tree,
    /// report id → file hash, so that re-ingesting an unchanged folder decodes nothing.
    hashes: sled::Tree,
    /// Report ids written since the last index commit (see `mark_pending`).
    pending: sled::Tree,
}

/// The `pending` key that asks for a full comparison of store and index (a store written before
/// the journal existed, or a whole re-index under way).
const ALL_PENDING: &[u8] = b"*";

impl Store {
    /// Opens (or creates) the store. Call only while holding the data directory's lock.
    pub fn open(path: &Path) -> Result<Store> {
        let db = match sled::Config::new().path(path).mode(sled::Mode::LowSpace).cache_capacity(STORE_CACHE).open() {
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
                if found != FORMAT_VERSION {
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
        Ok(Store { reports: db.open_tree("reports")?, sources: db.open_tree("sources")?, hashes: db.open_tree("hashes")?, pending, db })
    }

    pub fn get(&self, id: &ReportId) -> Result<Option<Report>> {
        match self.reports.get(id.as_str())? {
            Some(bytes) => Ok(Some(unpack(&bytes).with_context(|| format!("report {id} in the store is unreadable"))?)),
            None => Ok(None),
        }
    }

    pub fn put(&self, report: &Report) -> Result<()> {
        self.reports.insert(report.id.as_str(), pack(report)?)?;
        self.hashes.insert(report.id.as_str(), report.source.file_hash.as_bytes())?;
        self.sources.insert(report.source.path.as_bytes(), report.id.as_str())?;
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

    pub fn ids(&self) -> Result<Vec<ReportId>> {
        self.reports.iter().keys().map(|k| Ok(ReportId(String::from_utf8_lossy(&k?).into_owned()))).collect()
    }

    pub fn all(&self) -> impl Iterator<Item = Result<Report>> + '_ {
        self.reports.iter().values().map(|v| unpack(&v?))
    }

    pub fn len(&self) -> usize {
        self.reports.len()
    }

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
