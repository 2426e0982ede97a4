//! Legacy Word .doc → text, through a converter when one is installed: LibreOffice (headless, to
//! .docx, then the .docx reader) or antiword. Without either, a clear error says what to do. Each
//! runs within limits (`child`): a file that makes a converter loop or swell is refused by name.

use super::child::{self, Limits};
use anyhow::{bail, Context, Result};
use std::process::Command;

/// LibreOffice: two minutes (it starts slowly), no address-space cap (it reserves far more than
/// it uses); what it writes to the terminal is read back only to be bounded.
const OFFICE: Limits = Limits { seconds: 120, memory: None, output: 1 << 20 };
/// antiword: a minute, 1 GB, and the text one report may hold, four times over.
const ANTIWORD: Limits = Limits { seconds: 60, memory: Some(1 << 30), output: super::MAX_TEXT_BYTES * 4 };
/// The largest .docx LibreOffice may make of one .doc.
const MAX_CONVERTED: u64 = 256 << 20;

fn which(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

pub fn extract(bytes: &[u8]) -> Result<String> {
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        bail!("not a legacy Word document (no OLE2 signature); the file is damaged or misnamed");
    }
    let tmp = tempdir()?;
    let input = tmp.join("input.doc");
    std::fs::write(&input, bytes)?;
    let result = convert(&input, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn convert(input: &std::path::Path, tmp: &std::path::Path) -> Result<String> {
    for office in ["soffice", "libreoffice"] {
        if which(office) {
            let mut command = Command::new(office);
            command.args(["--headless", "--norestore", "--convert-to", "docx", "--outdir"]).arg(tmp).arg(input).env("HOME", tmp);
            let (status, _) = child::run(command, office, None, OFFICE, &format!("cannot run {office}"))?;
            let out = tmp.join("input.docx");
            if status.success() && out.exists() {
                let size = std::fs::metadata(&out)?.len();
                if size > MAX_CONVERTED {
                    bail!("{office} made a .docx of {} MB of this .doc; the file is refused (the limit is {} MB)", size >> 20, MAX_CONVERTED >> 20);
                }
                return super::docx::extract(&std::fs::read(&out)?);
            }
            bail!("{office} could not convert the .doc file (damaged?)");
        }
    }
    if which("antiword") {
        let mut command = Command::new("antiword");
        command.args(["-m", "UTF-8.txt"]).arg(input);
        let (status, out) = child::run(command, "antiword", None, ANTIWORD, "cannot run antiword")?;
        if status.success() {
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        bail!("antiword could not read the .doc file (damaged, or a newer Word format)");
    }
    bail!("legacy .doc files need LibreOffice or antiword to convert them, and neither is installed; install one, or save the file as .docx")
}

fn tempdir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("jixiao-doc-{}-{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
