//! Maintenance commands: set (hand corrections) and check (store ↔ index consistency).

use super::{resolve_report, Ctx, Status};
use crate::cli::SetArgs;
use crate::ingest::Writer;
use anyhow::{bail, Context, Result};
use std::io::Write;

pub fn set_cmd(ctx: &Ctx, a: &SetArgs, out: &mut dyn Write) -> Result<Status> {
    if a.department.is_none() && a.year.is_none() {
        bail!("nothing to set: give --department and/or --year");
    }
    if let Some(d) = &a.department {
        let d = d.trim();
        if d.chars().count() < 2 || d.chars().any(|c| c.is_control()) {
            bail!("--department {d:?} is not a department name: give the full name on one line (海宁市审计局)");
        }
    }
    if let Some(y) = a.year {
        if !(1990..=2100).contains(&y) {
            bail!("{y} is not a plausible fiscal year");
        }
    }
    let mut w = Writer::open(&ctx.data, &ctx.domain)?;
    let id = resolve_report(&w.index, &a.id)?;
    let mut r = w.store.get(&id)?.with_context(|| format!("report {id} is not in the store; run `jixiao check`"))?;
    if let Some(d) = &a.department {
        r.overrides.department = Some(d.trim().to_string());
    }
    if a.year.is_some() {
        r.overrides.fiscal_year = a.year;
    }
    crate::parse::apply_overrides(&mut r, ctx.domain.regions()?);
    w.replace(&r)?;
    w.finish()?;
    writeln!(
        out,
        "{id}: department {}, region {}, fiscal year {}",
        r.meta.department.as_deref().unwrap_or("-"),
        r.meta.region.display(),
        r.meta.fiscal_year.map(|y| y.to_string()).unwrap_or_else(|| "-".into())
    )?;
    Ok(Status::Success)
}

pub fn check_cmd(ctx: &Ctx, dry_run: bool, out: &mut dyn Write) -> Result<Status> {
    // Damaged index files are found by their checksums before anything reads them (reading a
    // damaged file can fail anywhere, even inside the index library).
    let search = ctx.data.search();
    let damaged = if search.join("meta.json").exists() {
        crate::index::damaged_files(&search).unwrap_or_else(|e| vec![std::path::PathBuf::from(format!("meta.json ({e:#})"))])
    } else {
        vec![]
    };
    if !damaged.is_empty() {
        let names = damaged.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        writeln!(out, "index: {} damaged or missing files: {names}", damaged.len())?;
        if dry_run {
            writeln!(out, "  to repair: run `jixiao check` without --dry-run to move the index aside and re-index from the store")?;
            return Ok(Status::PartialFailure);
        }
    }
    // A dry run inspects a copy of the store and reads the index: it changes nothing.
    let opened = if dry_run {
        Writer::inspect(&ctx.data, &ctx.domain)
    } else {
        let lock = ctx.data.lock()?;
        if !damaged.is_empty() {
            let aside = super::move_aside(&search)?;
            writeln!(out, "repaired: the damaged index was moved to {}", aside.display())?;
        }
        Writer::open_unreconciled(lock, &ctx.data, &ctx.domain)
    };
    let mut w = match opened {
        Err(e) if dry_run && e.downcast_ref::<crate::store::StoreCorrupt>().is_some() => {
            writeln!(out, "store: damaged ({e:#})")?;
            writeln!(out, "  to repair: run `jixiao check` without --dry-run to move it aside and rebuild it from the index")?;
            return Ok(Status::PartialFailure);
        }
        other => other?,
    };
    if !damaged.is_empty() {
        if w.store.is_empty() {
            bail!("the search index was damaged and the store holds no reports: nothing to re-index from; re-ingest your files");
        }
        let n = w.reindex_all()?;
        writeln!(out, "repaired: {n} reports re-indexed from the store")?;
    }
    if let Some(r) = &w.recovery {
        writeln!(out, "repaired: the store was damaged (moved to {}); {} reports restored from the index", r.moved_to.display(), r.restored)?;
    }
    let report = w.check(!dry_run)?;
    let recovered = w.recovery.is_some();
    if !dry_run {
        // Like every writer's last step: no merge of the index is left half-written.
        w.finish()?;
    }
    writeln!(out, "store: {} reports ({} unreadable)", report.stored, report.unreadable.len())?;
    for id in &report.unreadable {
        writeln!(out, "  unreadable in the store: {id} (re-ingest its file)")?;
    }
    writeln!(out, "index: {} reports", report.indexed)?;
    let verb = if dry_run { "to repair" } else { "repaired" };
    for (id, what) in &report.problems {
        writeln!(out, "  {verb}: {id}: {what}")?;
    }
    if report.problems.is_empty() && report.unreadable.is_empty() && !recovered {
        writeln!(out, "consistent")?;
        return Ok(Status::Success);
    }
    Ok(if dry_run || !report.unreadable.is_empty() { Status::PartialFailure } else { Status::Success })
}
