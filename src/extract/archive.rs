//! Reports bundled in a .zip archive (how folders of reports travel by e-mail): each member with a
//! report's extension is ingested as if it were a file, under the archive's path joined with the
//! member's name. Archives made on Chinese Windows name their members in GBK without saying so:
//! a name that is not UTF-8 is read as GBK. Members are read one at a time, each within the limit of
//! a report file; archives inside archives are passed over.

use super::Format;
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most members an archive may list.
pub const MAX_MEMBERS: usize = 10_000;

/// A report inside an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its place among the archive's entries.
    pub index: usize,
    /// Its name, decoded, with '/' between folders and no '..' or root.
    pub name: String,
}

/// True when the file is an archive of reports, by its extension.
pub fn is_archive(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// A member's name as written: UTF-8 when it is, else GBK (what Chinese Windows writes). Folders
/// are joined with '/'; empty, '.' and '..' parts are dropped, so a name never leaves the archive.
pub fn decode_name(raw: &[u8]) -> String {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode_without_bom_handling(raw).0.into_owned(),
    };
    text.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "." && *p != "..").collect::<Vec<_>>().join("/")
}

fn open(path: &Path) -> Result<zip::ZipArchive<std::fs::File>> {
    let file = std::fs::File::open(path).context("cannot open the archive")?;
    zip::ZipArchive::new(file).map_err(|e| anyhow::anyhow!("not a readable .zip archive ({e})"))
}

/// The reports an archive holds (members with a report's extension), in the archive's order; the
/// number of other members passed over.
pub fn members(path: &Path) -> Result<(Vec<Member>, usize)> {
    let mut zip = open(path)?;
    if zip.len() > MAX_MEMBERS {
        bail!("the archive lists {} entries, over the limit of {MAX_MEMBERS}; unpack it and ingest the folder", zip.len());
    }
    let mut found = Vec::new();
    let mut skipped = 0;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|e| anyhow::anyhow!("entry {index} of the archive cannot be read ({e})"))?;
        if entry.is_dir() {
            continue;
        }
        let name = decode_name(entry.name_raw());
        if Format::of(Path::new(&name)).is_some() {
            found.push(Member { index, name });
        } else {
            skipped += 1;
        }
    }
    Ok((found, skipped))
}

/// The bytes of one member, refused over the size of a report file (as declared and as read).
pub fn read_member(path: &Path, member: &Member) -> Result<Vec<u8>> {
    OPENED.with(|opened| {
        let mut opened = opened.borrow_mut();
        // The members of one archive come one after another: each worker opens it (and reads its
        // central directory) once, not once a member (10,000 members: 57 s, nearly all rereading).
        // A file changed since it was opened (same name, other size or time) is opened again.
        let stamp = std::fs::metadata(path).map(|m| (m.len(), m.modified().ok())).context("cannot open the archive")?;
        if opened.as_ref().is_none_or(|(p, s, _)| p != path || *s != stamp) {
            *opened = None;
            *opened = Some((path.to_path_buf(), stamp, open(path)?));
        }
        let (_, _, zip) = opened.as_mut().expect("opened above");
        read_entry(zip, member)
    })
}

type Stamp = (u64, Option<std::time::SystemTime>);

thread_local! {
    /// The archive this thread read a member of last, with its size and time when opened.
    static OPENED: std::cell::RefCell<Option<(PathBuf, Stamp, zip::ZipArchive<std::fs::File>)>> = const { std::cell::RefCell::new(None) };
}

fn read_entry(zip: &mut zip::ZipArchive<std::fs::File>, member: &Member) -> Result<Vec<u8>> {
    let entry = zip.by_index(member.index).map_err(|e| anyhow::anyhow!("the member cannot be read ({e})"))?;
    if entry.encrypted() {
        bail!("the member is encrypted; unpack the archive with its password first");
    }
    let limit = super::MAX_FILE_BYTES;
    if entry.size() > limit {
        bail!("the member is {} MB, over the {} MB limit for a report", entry.size() >> 20, limit >> 20);
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.take(limit + 1).read_to_end(&mut bytes).context("the member cannot be read (a damaged archive?)")?;
    if bytes.len() as u64 > limit {
        bail!("the member unpacks to over the {} MB limit for a report (a zip bomb?)", limit >> 20);
    }
    Ok(bytes)
}

/// Where a member is shown and stored: the archive's path joined with the member's name.
pub fn member_path(archive: &Path, member: &Member) -> PathBuf {
    archive.join(&member.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_utf8_or_gbk_and_never_leave_the_archive() {
        let (gbk, _, _) = encoding_rs::GBK.encode("平遥县教育局/2023年报告.docx");
        assert_eq!(decode_name(&gbk), "平遥县教育局/2023年报告.docx");
        assert_eq!(decode_name("报告/一.txt".as_bytes()), "报告/一.txt");
        assert_eq!(decode_name(b"../../etc/passwd"), "etc/passwd");
        assert_eq!(decode_name(b"/abs\\dir\\a.txt"), "abs/dir/a.txt");
    }
}
