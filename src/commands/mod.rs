//! One function per command: opens what the command needs, runs the library, hands typed results to
//! `output`. Rules live in the library, formatting in `output`; this module only orchestrates.

use crate::cli::{Cli, Command, FilterArgs, IngestArgs, ReportsArgs, SearchArgs, ShowArgs};
use crate::schema::Domain;
use crate::index::SearchIndex;
use crate::ingest::{self, Event, Outcome};
use crate::writer::Writer;
use crate::model::{Category, Flag, SectionId};
use crate::output::{self, Format, Stats};
use crate::query::{Filters, Searching};
use crate::store::DataDir;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

mod admin;
mod analysis;

/// What a command ended with, mapped to the exit code by `main` (ripgrep's convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: success (for search: hits found).
    Success,
    /// 1: a search found nothing.
    NoMatch,
    /// 2: some input failed, the rest was done.
    PartialFailure,
}

impl Status {
    /// The process exit code: 0 success, 1 no match, 2 some input failed.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::NoMatch => 1,
            Status::PartialFailure => 2,
        }
    }
}

/// The resolved configuration shared by the commands.
pub struct Ctx {
    /// The data directory.
    pub data: DataDir,
    /// The schema in use.
    pub domain: std::sync::Arc<Domain>,
    /// `--quiet`: no notices.
    pub quiet: bool,
    /// `--force`: `--output` may replace a file.
    pub force: bool,
}

impl Ctx {
    pub(crate) fn index(&self) -> Result<SearchIndex> {
        SearchIndex::open(&self.data.search(), &self.domain.userdict, crate::index::Mode::Read)
    }
    /// Refuses an output file that exists (unless --force) or lies inside the data directory
    /// (whatever --force says): an export must never overwrite a report or the store.
    pub(crate) fn check_output(&self, output: Option<&std::path::Path>) -> Result<()> {
        let Some(path) = output else { return Ok(()) };
        self.refuse_inside_data(path)?;
        // Anything at the path, a dangling link too (writing would create its target).
        if path.symlink_metadata().is_ok() && !self.force {
            bail!("{}: the file exists; use --force to replace it, or choose another --output", path.display());
        }
        Ok(())
    }
    /// Refuses an output path that lands inside the data directory once every symbolic link on
    /// the way is followed (a dangling one too, and folders not created yet), creating nothing.
    pub(crate) fn refuse_inside_data(&self, path: &std::path::Path) -> Result<()> {
        if let Ok(data) = dunce::canonicalize(&self.data.root) {
            if write_target(path).starts_with(&data) {
                bail!("{}: will not write inside the data directory {}; choose another --output", path.display(), data.display());
            }
        }
        Ok(())
    }
    /// The collection's units: the department names the index holds, grouped, with the user's
    /// merges and splits (`aliases.toml`).
    pub(crate) fn units(&self, index: &SearchIndex) -> Result<crate::units::Registry> {
        let aliases = crate::units::Aliases::load(&self.data.root)?;
        Ok(crate::units::Registry::build(&index.report_departments()?, self.domain.units()?, self.domain.regions()?, &aliases))
    }
    pub(crate) fn notice(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}", output::printable(msg));
        }
    }
}

/// Where writing `path` lands: absolute, `.` and `..` applied, every symbolic link on the way
/// followed (a dangling one to where it points, at most 40 links), without touching the file
/// system beyond reading links.
pub(crate) fn write_target(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::{Component, PathBuf};
    let start = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut todo: std::collections::VecDeque<std::ffi::OsString> = start.components().map(|c| c.as_os_str().to_os_string()).collect();
    let mut out = PathBuf::new();
    let mut links = 0;
    while let Some(part) = todo.pop_front() {
        match std::path::Path::new(&part).components().next() {
            None | Some(Component::CurDir) => {}
            Some(Component::Prefix(_) | Component::RootDir) => out.push(&part),
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(Component::Normal(name)) => {
                out.push(name);
                let is_link = std::fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink());
                if is_link && links < 40 {
                    links += 1;
                    if let Ok(target) = std::fs::read_link(&out) {
                        out.pop();
                        if target.is_absolute() {
                            out = PathBuf::new();
                        }
                        for c in target.components().rev() {
                            todo.push_front(c.as_os_str().to_os_string());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Runs the command the arguments name.
pub fn run(cli: Cli) -> Result<Status> {
    let data = DataDir::new(&cli.data);
    let schema_dir = Domain::resolve_dir(cli.schema.clone(), &data.schema());
    let domain = match schema_dir.as_deref() {
        Some(dir) if dir == data.schema() => Domain::load_remembered(dir)?,
        dir => Domain::load(dir)?,
    };
    let ctx = Ctx { data, domain: std::sync::Arc::new(domain), quiet: cli.quiet, force: cli.force };
    let mut out = output::Printable::new(std::io::stdout().lock());
    let search_dir = ctx.data.search();
    // A damaged index file can make the index library panic while reading: one clear error instead.
    crate::guard::catch(|| dispatch(&ctx, cli.command, &mut out)).unwrap_or_else(|why| {
        bail!("internal error ({why}); if the search index in {} is damaged, `jixiao check` finds and repairs it", search_dir.display())
    })
}

fn dispatch(ctx: &Ctx, command: Command, out: &mut dyn Write) -> Result<Status> {
    match command {
        Command::Demo => demo_cmd(ctx, out),
        Command::Ingest(a) => ingest_cmd(ctx, &a, out),
        Command::Search(a) => search_cmd(ctx, &a, out),
        Command::Reports(a) => reports_cmd(ctx, &a, out),
        Command::Show(a) => show_cmd(ctx, &a, out),
        Command::Stats(a) => stats_cmd(ctx, a.format, out),
        Command::Problems(a) => analysis::problems_cmd(ctx, &a, out),
        Command::Similar(a) => analysis::similar_cmd(ctx, &a, out),
        Command::Metrics(a) => analysis::metrics_cmd(ctx, &a, out),
        Command::Classify(a) => analysis::classify_cmd(ctx, &a, out),
        Command::Export(a) => analysis::export_cmd(ctx, &a, out),
        Command::Retag => analysis::retag_cmd(ctx, out),
        Command::Set(a) => admin::set_cmd(ctx, &a, out),
        Command::Units(a) => admin::units_cmd(ctx, &a, out),
        Command::Check(a) => admin::check_cmd(ctx, a.dry_run, out),
        Command::Remove(a) => remove_cmd(ctx, &a.id, out),
        Command::Rebuild => rebuild_cmd(ctx, out),
        Command::Serve(a) => serve_cmd(ctx, a, out),
    }
}

fn ingest_cmd(ctx: &Ctx, a: &IngestArgs, out: &mut dyn Write) -> Result<Status> {
    let bar = (!ctx.quiet && std::io::stderr().is_terminal()).then(indicatif::ProgressBar::no_length);
    if let Some(b) = &bar {
        b.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    }
    let quiet = ctx.quiet;
    // Reports this run stored, to name those that got no unit.
    let mut stored: Vec<(crate::model::ReportId, std::path::PathBuf)> = Vec::new();
    let mut on_event = |e: Event| match e {
        Event::Found(n) => {
            if let Some(b) = &bar {
                b.set_length(n as u64);
            }
        }
        Event::File { path, result } => {
            if let Some(b) = &bar {
                b.inc(1);
            }
            if let Ok(Outcome::Added(id) | Outcome::Replaced { new: id, .. }) = result {
                stored.push((id.clone(), path.to_path_buf()));
            }
            let line = match result {
                Err(e) => Some(format!("jixiao: error: {e:#}")),
                Ok(Outcome::Duplicate(id)) if !quiet => Some(format!("jixiao: note: {}: same text as report {id}, not stored again", path.display())),
                _ => None,
            };
            if let Some(line) = line {
                match &bar {
                    Some(b) => b.println(output::printable(&line)),
                    None => eprintln!("{}", output::printable(&line)),
                }
            }
        }
    };
    let summary = ingest::ingest(&a.paths, a.follow, &ctx.data, &ctx.domain, &mut on_event)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    output::ingest_summary(out, &summary)?;
    out.flush()?;
    if !quiet && !stored.is_empty() {
        // A report without a unit is kept apart (never one unit with others, never recurring):
        // say which, and how to name the unit.
        let index = ctx.index()?;
        let mut lines = Vec::new();
        for (id, path) in &stored {
            if index.report(id)?.is_some_and(|r| r.report.flags.contains(&Flag::NoDepartment)) {
                lines.push(format!("  {id}  {}", path.display()));
            }
        }
        if !lines.is_empty() {
            lines.sort();
            ctx.notice(&format!(
                "jixiao: note: {} reports of this run name no unit (department); each is kept apart, never grouped or counted as recurring:\n{}\n  name the unit with `jixiao set ID --department 名称`; `jixiao reports --incomplete` lists all such reports",
                lines.len(),
                lines.join("\n")
            ));
        }
    }
    Ok(if summary.failed > 0 { Status::PartialFailure } else { Status::Success })
}

/// The typed filters of the filter arguments (a theme named by label or as typed becomes its id).
pub fn filters(a: &FilterArgs, domain: &Domain) -> Result<Filters> {
    // A theme may be named by its id, its label or the way users type it (采购执行率低).
    let themes = a.theme.iter().map(|t| domain.themes.resolve(t).map(|th| th.id.0.clone())).collect::<Result<Vec<_>>>()?;
    Ok(Filters { categories: a.category.clone(), themes, ..scope(&a.scope) })
}

/// The report filters of a command, as query filters.
pub fn scope(a: &crate::cli::ScopeArgs) -> Filters {
    Filters { years: a.year.clone(), departments: a.dept.clone(), regions: a.region.clone(), kinds: a.kind.clone(), ..Filters::default() }
}

fn search_cmd(ctx: &Ctx, a: &SearchArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let f = filters(&a.filters, &ctx.domain)?;
    let units = if !f.departments.is_empty() { Some(ctx.units(&index)?) } else { None };
    let s = Searching { index: &index, domain: &ctx.domain, units: units.as_ref() };
    // Common words alone (的, 了, 和) would rank every section by them: nothing is searched.
    if only_common_words(&a.query, &ctx.domain) {
        output::hits(out, &[], 0, a.format, false)?;
        out.flush()?;
        if let Some(hint) = query_hint(&a.query, &ctx.domain) {
            ctx.notice(&hint);
        }
        return Ok(Status::NoMatch);
    }
    let (hits, total) = s.search(&a.query, &f, a.limit, 0)?;
    let color = a.format == Format::Table && std::io::stdout().is_terminal();
    output::hits(out, &hits, total, a.format, color)?;
    if total == 0 {
        out.flush()?;
        if let Some(hint) = years_hint(&index, &f)? {
            ctx.notice(&hint);
        }
        if let Some(hint) = query_hint(&a.query, &ctx.domain) {
            ctx.notice(&hint);
        }
        return Ok(Status::NoMatch);
    }
    Ok(Status::Success)
}

/// When a `--year` filter names no fiscal year the collection holds, which years it does hold
/// (a mistyped 20233 or a year not ingested yet would otherwise find nothing without a word).
pub(crate) fn years_hint(index: &SearchIndex, f: &Filters) -> Result<Option<String>> {
    if f.years.is_empty() {
        return Ok(None);
    }
    Ok(crate::analysis::years_not_held(&index.reports()?, &f.years).map(|n| {
        let held = if n.held.is_empty() { "none".to_string() } else { n.held.iter().map(u16::to_string).collect::<Vec<_>>().join(", ") };
        let asked = n.asked.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        format!("jixiao: note: no report of fiscal year {asked} in this collection; the years it holds: {held}")
    }))
}

/// Why a query found nothing when the query itself is the reason: only common words (的 了 和,
/// which are not searched), or English words in a collection of Chinese reports (with the themes
/// whose ids hold them).
/// True when every word of the query is a stop word (schema/stopwords.txt).
fn only_common_words(query: &str, domain: &Domain) -> bool {
    let parts: Vec<&str> = query.split_whitespace().collect();
    !parts.is_empty() && parts.iter().all(|p| domain.stopwords.contains(*p))
}

pub(crate) fn query_hint(query: &str, domain: &Domain) -> Option<String> {
    let parts: Vec<&str> = query.split_whitespace().collect();
    if only_common_words(query, domain) {
        return Some(format!(
            "jixiao: note: the query holds only common words ({}), which are not searched; add a word that names what you look for (预算执行率, 人才)",
            parts.join(" ")
        ));
    }
    let latin = query.chars().any(|c| c.is_ascii_alphabetic());
    let han = query.chars().any(crate::text::is_han);
    if latin && !han {
        let lower = query.to_ascii_lowercase();
        let themes: Vec<String> = domain
            .themes
            .list
            .iter()
            .filter(|t| lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w.len() >= 4 && t.id.0.contains(w)))
            .map(|t| format!("{} ({})", t.id.0, t.label))
            .collect();
        let themes = if themes.is_empty() { String::new() } else { format!("; the themes named so: {} — use --theme ID", themes.join(", ")) };
        return Some(format!("jixiao: note: the reports are in Chinese: search with Chinese words (政府采购执行率, 人才短缺){themes}"));
    }
    None
}

fn reports_cmd(ctx: &Ctx, a: &ReportsArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let mut list = index.reports()?;
    if a.incomplete {
        list.retain(|r| r.report.flags.iter().any(|f| matches!(f, Flag::NoDepartment | Flag::NoFiscalYear)));
    }
    output::reports(out, &list, a.format)?;
    Ok(Status::Success)
}

pub(crate) use crate::query::resolve_report;

fn show_cmd(ctx: &Ctx, a: &ShowArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    if let Some((report, seq)) = SectionId::parse(&a.id).filter(|_| a.id.contains('-')) {
        let id = resolve_report(&index, report.as_str())?;
        let sections = index.sections_of(&id)?;
        let s = sections.iter().find(|s| s.section.seq == seq).with_context(|| format!("report {id} has no section {seq}"))?;
        output::section_detail(out, s, a.format)?;
        return Ok(Status::Success);
    }
    let id = resolve_report(&index, &a.id)?;
    let report = index.report(&id)?.with_context(|| format!("report {id} is not in the index; run `jixiao rebuild`"))?;
    output::report_detail(out, &report, &index.sections_of(&id)?, a.format)?;
    Ok(Status::Success)
}

fn stats_cmd(ctx: &Ctx, format: Format, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let reports = index.reports()?;
    let mut years: BTreeMap<u16, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut departments = std::collections::BTreeSet::new();
    for r in &reports {
        if let Some(y) = r.report.meta.fiscal_year {
            *years.entry(y).or_default() += 1;
        }
        *kinds.entry(r.report.kind().as_str()).or_default() += 1;
        if let Some(d) = &r.report.meta.department {
            departments.insert(d.clone());
        }
    }
    let mut categories = Vec::new();
    for c in Category::ALL {
        categories.push((c.as_str(), index.count_term(index.fields.category, c.as_str())?));
    }
    let mut themes = Vec::new();
    for t in &ctx.domain.themes.list {
        themes.push((t.id.0.clone(), index.count_term(index.fields.themes, &t.id.0)?));
    }
    let stats = Stats {
        reports: reports.len(),
        sections: index.count_sections()?,
        departments: departments.len(),
        years: years.into_iter().collect(),
        kinds: kinds.into_iter().collect(),
        categories,
        themes,
        incomplete: reports.iter().filter(|r| r.report.flags.iter().any(|f| matches!(f, Flag::NoDepartment | Flag::NoFiscalYear))).count(),
    };
    output::stats(out, &stats, format)?;
    Ok(Status::Success)
}

fn remove_cmd(ctx: &Ctx, typed: &str, out: &mut dyn Write) -> Result<Status> {
    // Deleting is not undone: a short prefix could name a report the user did not mean.
    if typed.chars().count() < 6 {
        bail!("give at least 6 characters of the report id to remove (see `jixiao reports`); {typed:?} is too short");
    }
    let mut w = Writer::open(&ctx.data, &ctx.domain)?;
    let id = resolve_report(&w.index, typed)?;
    let removed = w.remove(&id)?;
    w.finish()?;
    match removed {
        Some(r) => writeln!(out, "removed {id} ({})", r.source.path)?,
        None => writeln!(out, "removed {id} from the index (it was not in the store)")?,
    }
    Ok(Status::Success)
}

fn rebuild_cmd(ctx: &Ctx, out: &mut dyn Write) -> Result<Status> {
    let lock = ctx.data.lock()?;
    // The index holds a full copy of every report: reports the store lacks are restored from it
    // before it is re-created, and an index that cannot be read is moved aside, never deleted.
    let search = ctx.data.search();
    let mut damaged_index = None;
    if search.exists() {
        // Unreadable, or a file whose checksum fails: not read further, rebuilt from the store.
        let readable = crate::index::damaged_files(&search).and_then(|bad| SearchIndex::open(&search, &ctx.domain.userdict, crate::index::Mode::Read).map(|_| bad));
        if !matches!(readable, Ok(ref bad) if bad.is_empty()) {
            damaged_index = Some(move_aside(&search)?);
        }
    }
    let mut w = Writer::open_unreconciled(lock, &ctx.data, &ctx.domain)?;
    if damaged_index.is_none() {
        let restored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.check(true)));
        match restored {
            Ok(Ok(report)) => {
                let n = report.problems.iter().filter(|(_, what)| what.starts_with("in the index but not in the store")).count();
                if n > 0 {
                    ctx.notice(&format!("jixiao: note: {n} reports the store lacked were restored from the index"));
                }
            }
            // The index opened but cannot be read through: keep it aside, rebuild from the store.
            Ok(Err(_)) | Err(_) => {
                let lock = w.release();
                damaged_index = Some(move_aside(&search)?);
                w = Writer::open_unreconciled(lock, &ctx.data, &ctx.domain)?;
            }
        }
    }
    if let Some(aside) = &damaged_index {
        if w.store.ids()?.is_empty() {
            bail!(
                "the search index could not be read (moved to {}) and the store holds no reports: nothing to rebuild from; re-ingest your files",
                aside.display()
            );
        }
        ctx.notice(&format!("jixiao: note: the old search index could not be read and was moved to {}", aside.display()));
    }
    let n = w.reindex_all()?;
    w.finish()?;
    writeln!(out, "re-indexed {n} reports")?;
    Ok(Status::Success)
}

fn serve_cmd(ctx: &Ctx, a: crate::cli::ServeArgs, out: &mut dyn Write) -> Result<Status> {
    if !crate::serve::is_loopback(&a.host) {
        eprintln!(
            "jixiao: warning: listening on {}: anyone who can reach this machine on port {} can read every report{}",
            a.host,
            a.port,
            if a.allow_ingest { " and upload files" } else { "" }
        );
    }
    let opts = crate::serve::Options { host: a.host.clone(), port: a.port, allow_ingest: a.allow_ingest };
    let open = a.open;
    let mut failed = None;
    crate::serve::run(ctx.data.clone(), ctx.domain.clone(), &opts, |addr| {
        let url = format!("http://{addr}/");
        let said = writeln!(out, "jixiao: serving {} on {url} (Ctrl-C to stop)", ctx.data.root.display()).and_then(|()| out.flush());
        if let Err(e) = said {
            failed = Some(e);
        }
        if open {
            // The desktop's opener; without one the address above is enough.
            let _ = browser_opener(&url).spawn();
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(Status::Success)
}

/// The command that opens `url` in the default browser: the shell's URL handler on Windows (no
/// `cmd /c start`, whose quoting a URL could break), `open` on macOS, `xdg-open` elsewhere.
fn browser_opener(url: &str) -> std::process::Command {
    let mut c;
    if cfg!(windows) {
        c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
    } else if cfg!(target_os = "macos") {
        c = std::process::Command::new("open");
    } else {
        c = std::process::Command::new("xdg-open");
    }
    c.arg(url);
    c
}

/// Renames a damaged folder to `NAME.damaged-SECONDS` beside it and returns the new path.
fn move_aside(path: &std::path::Path) -> Result<std::path::PathBuf> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let aside = path.with_file_name(format!("{name}.damaged-{secs}"));
    std::fs::rename(path, &aside).with_context(|| format!("cannot move {} aside", path.display()))?;
    Ok(aside)
}

/// Writes the embedded samples under the data directory, ingests them and runs a few queries.
fn demo_cmd(ctx: &Ctx, out: &mut dyn Write) -> Result<Status> {
    let dir = ctx.data.root.join("demo-samples");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in crate::samples::SAMPLES {
        std::fs::write(dir.join(name), bytes).with_context(|| format!("cannot write {}", dir.join(name).display()))?;
    }
    writeln!(out, "$ jixiao ingest {}", dir.display())?;
    let status = ingest_cmd(ctx, &IngestArgs { paths: vec![dir], follow: false }, out)?;
    writeln!(out, "\n$ jixiao reports")?;
    reports_cmd(ctx, &ReportsArgs { incomplete: false, format: Format::Table }, out)?;
    for q in ["政府采购执行率", "进度滞后"] {
        writeln!(out, "\n$ jixiao search {q} -n 3")?;
        let index = ctx.index()?;
        let s = Searching { index: &index, domain: &ctx.domain, units: None };
        let (hits, total) = s.search(q, &Filters::default(), 3, 0)?;
        output::hits(out, &hits, total, Format::Table, false)?;
    }
    writeln!(out, "\nThe data is in {}; try `jixiao search 人才` or `jixiao show ID`.", ctx.data.root.display())?;
    Ok(status)
}
