//! Legacy Word .doc → text, through a converter when one is installed: LibreOffice (headless, to
//! .docx, then the .docx reader) or antiword. Without either, a clear error says what to do.

use anyhow::{bail, Context, Result};
use std::process::Command;

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
            let status = Command::new(office)
                .args(["--headless", "--norestore", "--convert-to", "docx", "--outdir"])
                .arg(tmp)
                .arg(input)
                .env("HOME", tmp)
                .output()
                .with_context(|| format!("cannot run {office}"))?;
            let out = tmp.join("input.docx");
            if status.status.success() && out.exists() {
                return super::docx::extract(&std::fs::read(&out)?);
            }
            bail!("{office} could not convert the .doc file (damaged?)");
        }
    }
    if which("antiword") {
        let out = Command::new("antiword").args(["-m", "UTF-8.txt"]).arg(input).output().context("cannot run antiword")?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
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
