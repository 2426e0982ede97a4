//! Maintenance commands: set (hand corrections) and check (store ↔ index consistency).

use super::{resolve_report, Ctx, Status};
use crate::cli::{SetArgs, UnitsAction, UnitsArgs};
use crate::output::analysis::{self as out_a, TableFormat};
use crate::units::edit_aliases;
use crate::writer::{Correction, Writer};
use anyhow::{bail, Result};
use std::io::Write;

/// `units`: lists the collection's units; `units merge` / `units split` change the data
/// directory's aliases, under the writers' lock.
pub fn units_cmd(ctx: &Ctx, a: &UnitsArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let Some(action) = &a.action else {
        let registry = ctx.units(&index)?;
        let part = a.filter.as_deref().map(str::trim).unwrap_or("");
        let shown: Vec<_> = registry
            .units()
            .iter()
            .filter(|u| part.is_empty() || u.name.contains(part) || u.variants.iter().any(|v| v.name.contains(part)))
            .filter(|u| !a.variants_only || u.variants.len() > 1)
            .collect();
        let output = a.output.as_deref();
        ctx.check_output(output)?;
        let format = out_a::resolve_format(a.format, output, TableFormat::Table)?;
        let mut file = None;
        let out = super::analysis::destination(format, output, out, &mut file)?;
        out_a::units(out, &shown, format, output)?;
        out.flush()?;
        if shown.is_empty() {
            ctx.notice(if registry.units().is_empty() { "no report has a department yet" } else { "no unit matches" });
            return Ok(Status::NoMatch);
        }
        return Ok(Status::Success);
    };
    let registry = ctx.units(&index)?;
    let known = |name: &str| -> Result<()> {
        if registry.knows(name) {
            return Ok(());
        }
        let near = registry.near(name);
        let hint = if near.is_empty() { String::new() } else { format!(" (names like it: {})", near.join(", ")) };
        bail!("no report is written with the name {name:?}{hint}; `jixiao units` lists the names")
    };
    match action {
        UnitsAction::Merge { names, shown } => {
            let names: Vec<String> = names.iter().map(|n| n.trim().to_string()).collect();
            for n in &names {
                known(n)?;
            }
            let shown = shown.as_deref().map(str::trim).unwrap_or(&names[0]).to_string();
            if shown.chars().count() < 2 || shown.chars().any(|c| c.is_control()) {
                bail!("--as {shown:?} is not a unit name: give the full name on one line");
            }
            edit_aliases(&ctx.data, |a| a.merge(&names, &shown))?;
            writeln!(out, "{shown}: one unit with {}", names.join(", "))?;
        }
        UnitsAction::Split { name } => {
            let name = name.trim();
            known(name)?;
            edit_aliases(&ctx.data, |a| a.split(name))?;
            writeln!(out, "{name}: a unit of its own")?;
        }
    }
    Ok(Status::Success)
}

pub fn set_cmd(ctx: &Ctx, a: &SetArgs, out: &mut dyn Write) -> Result<Status> {
    let c = Correction { department: a.department.clone(), fiscal_year: a.year }.checked()?;
    let mut w = Writer::open(&ctx.data, &ctx.domain)?;
    let id = resolve_report(&w.index, &a.id)?;
    let r = w.correct(&id, &c)?;
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
