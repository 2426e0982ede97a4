//! The analysis commands: problems, similar, metrics, export, retag.

use super::{filters, resolve_report, Ctx, Status};
use crate::analysis::problems;
use crate::cli::{ExportArgs, MetricsArgs, ProblemsArgs, SimilarArgs};
use crate::writer::Writer;
use crate::model::Category;
use crate::output::analysis::{self as out_a, ExportFormat, ExportRow, StatementRow, TableFormat, Tabular};
use crate::output::json_line;
use crate::output::tabular::open_sink_labelled;
use crate::query::{Filters, Searching};
use anyhow::{bail, Context, Result};
use std::io::Write;

pub fn problems_cmd(ctx: &Ctx, a: &ProblemsArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let units = ctx.units(&index)?;
    let s = Searching { index: &index, domain: &ctx.domain, units: Some(&units) };
    let mut f = Filters { categories: vec![Category::Problems], ..super::scope(&a.scope) };
    let output = a.output.as_deref();
    ctx.check_output(output)?;
    let format = out_a::resolve_format(a.format, output, TableFormat::Table)?;
    let mut file = None;
    let out = destination(format, output, out, &mut file)?;
    if let Some(theme) = &a.theme {
        f.themes = vec![ctx.domain.themes.resolve(theme)?.id.0.clone()];
    }
    // The theme table and the year matrix need only the tagged part of each section.
    let tables_only = !a.discover && a.theme.is_none() && a.query.is_none();
    let docs = if tables_only { s.all_docs_as(None, &f, problems::for_tables)? } else { s.all_docs(a.query.as_deref(), &f)? };
    let empty = docs.is_empty();
    if a.discover {
        out_a::clusters(out, &problems::discover(&docs, &ctx.domain, &units), format, output)?;
    } else if a.theme.is_some() || a.query.is_some() {
        let refs: Vec<_> = docs.iter().collect();
        let rows = problems::by_department(&refs, &ctx.domain, &units, a.min_years);
        out_a::departments(out, &rows, format, output)?;
        out.flush()?;
        if rows.is_empty() {
            ctx.notice("no department reports this problem (with these filters)");
            if let Some(hint) = super::years_hint(&index, &f)? {
                ctx.notice(&hint);
            }
            return Ok(Status::NoMatch);
        }
        return Ok(Status::Success);
    } else if a.by.as_deref() == Some("year") {
        out_a::year_matrix(out, &problems::by_year(&docs, &ctx.domain.themes, &units), format, output)?;
    } else {
        out_a::themes(out, &problems::by_theme(&docs, &ctx.domain.themes, &units, a.min_years), format, output)?;
    }
    out.flush()?;
    if empty {
        ctx.notice("no problem sections match (with these filters)");
        if let Some(hint) = super::years_hint(&index, &f)? {
            ctx.notice(&hint);
        }
        return Ok(Status::NoMatch);
    }
    Ok(Status::Success)
}

pub fn similar_cmd(ctx: &Ctx, a: &SimilarArgs, out: &mut dyn Write) -> Result<Status> {
    if a.section.is_none() && a.text.is_none() {
        bail!("give what to compare: a section or statement id (jixiao similar 3f2a9c81d0e4-012), or a paragraph (jixiao similar --text '…')");
    }
    let index = ctx.index()?;
    let units = ctx.units(&index)?;
    let s = Searching { index: &index, domain: &ctx.domain, units: Some(&units) };
    let mut f = Filters { categories: (!a.all_categories).then_some(Category::Problems).into_iter().collect(), ..Filters::default() };
    let (text, exclude) = match (&a.section, &a.text) {
        (Some(id), _) => {
            let found = crate::query::compared_text(&index, id)?;
            if a.same_department {
                f.departments = vec![found.department.context("the section's report has no department to compare within")?];
            }
            (found.text, Some(found.report))
        }
        (None, Some(t)) if t.trim().is_empty() => bail!("--text is empty: give the paragraph to compare"),
        (None, Some(t)) => (t.clone(), None),
        (None, None) => bail!("give what to compare: a section or statement id (jixiao similar 3f2a9c81d0e4-012), or a paragraph (jixiao similar --text '…')"),
    };
    let mut hits = s.similar(&text, &f, exclude.as_ref(), a.limit)?;
    if let Some(dep) = f.departments.first() {
        // The department filter matches names containing it; keep this unit only (any of its names).
        hits.retain(|h| h.doc.department.as_deref().is_some_and(|d| units.same_unit(d, dep)));
    }
    out_a::similar(out, &hits, a.format)?;
    if hits.is_empty() {
        ctx.notice("no similar problem paragraph in other reports");
        return Ok(Status::NoMatch);
    }
    Ok(Status::Success)
}

pub fn metrics_cmd(ctx: &Ctx, a: &MetricsArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    if let Some(n) = &a.name {
        let names = ctx.domain.metrics()?.names();
        if !names.contains(&n.as_str()) {
            bail!("unknown metric {n:?}; the metrics are: {}", names.join(", "));
        }
    }
    let filter = crate::analysis::metrics::MetricFilter {
        report: a.report.as_deref().map(|r| resolve_report(&index, r)).transpose()?,
        name: a.name.clone(),
        below: a.below,
        above: a.above,
        years: a.year,
        department: a.dept.clone(),
    };
    let rows = crate::analysis::metrics::select(&index.reports()?, &filter);
    let output = a.output.as_deref();
    ctx.check_output(output)?;
    let format = out_a::resolve_format(a.format, output, TableFormat::Table)?;
    let mut file = None;
    let out = destination(format, output, out, &mut file)?;
    out_a::metrics(out, &rows, format, output)?;
    out.flush()?;
    Ok(if rows.is_empty() { Status::NoMatch } else { Status::Success })
}

pub fn export_cmd(ctx: &Ctx, a: &ExportArgs, out: &mut dyn Write) -> Result<Status> {
    let index = ctx.index()?;
    let f = filters(&a.filters, &ctx.domain)?;
    let units = if !f.departments.is_empty() { Some(ctx.units(&index)?) } else { None };
    let s = Searching { index: &index, domain: &ctx.domain, units: units.as_ref() };
    let query = a.query.as_deref().map(str::trim).filter(|q| !q.is_empty() && *q != "*");
    let output = a.output.as_deref();
    let format = out_a::resolve_format(a.format, output, ExportFormat::Csv)?;
    if format == ExportFormat::Opensearch {
        return opensearch_export(ctx, &s, query, &f, a);
    }
    if query.is_none() && f == Filters::default() {
        bail!("say what to export: a query, or filters such as --category problems, --theme ID, --year 2023 (everything: --category with each category)");
    }
    ctx.check_output(output)?;
    let (searcher, addrs) = s.all_matches(query, &f)?;
    // Without a query there is no relevance: the column is left empty rather than 0 everywhere.
    let relevance = |score: f32| query.is_some().then_some(score);
    let mut rows = 0usize;
    match format {
        ExportFormat::Jsonl => {
            let mut file;
            let w: &mut dyn Write = match output {
                Some(p) => {
                    file = std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?);
                    &mut file
                }
                None => out,
            };
            s.load_in_chunks(&searcher, &addrs, |score, doc| {
                if a.statements {
                    for row in StatementRow::of(&doc, relevance(score), &f.themes, &ctx.domain.themes, a.all_statements) {
                        json_line(&mut *w, &row)?;
                        rows += 1;
                    }
                    return Ok(());
                }
                let mut v = serde_json::to_value(crate::output::SectionJson::new(&doc))?;
                v["score"] = serde_json::json!(relevance(score));
                serde_json::to_writer(&mut *w, &v)?;
                w.write_all(b"\n")?;
                rows += 1;
                Ok(())
            })?;
            w.flush()?;
        }
        ExportFormat::Csv | ExportFormat::Xlsx | ExportFormat::Opensearch => {
            let kind = if format == ExportFormat::Xlsx { "xlsx" } else { "csv" };
            let headers = if a.statements { StatementRow::headers() } else { ExportRow::headers() };
            let mut sink = open_sink_labelled(kind, output, &headers, Some(&ctx.domain.themes))?;
            s.load_in_chunks(&searcher, &addrs, |score, doc| {
                if a.statements {
                    for row in StatementRow::of(&doc, relevance(score), &f.themes, &ctx.domain.themes, a.all_statements) {
                        rows += 1;
                        sink.row(&row.cells())?;
                    }
                    return Ok(());
                }
                rows += 1;
                sink.row(&ExportRow { doc: &doc, score: relevance(score) }.cells())
            })?;
            sink.finish()?;
        }
    }
    if let Some(p) = output {
        ctx.notice(&format!("wrote {rows} {} to {}", if a.statements { "statements" } else { "hits" }, p.display()));
    }
    Ok(if rows == 0 { Status::NoMatch } else { Status::Success })
}

/// `export --format opensearch -o DIR`: the template and every matching section as bulk files.
fn opensearch_export(ctx: &Ctx, s: &Searching, query: Option<&str>, f: &Filters, a: &ExportArgs) -> Result<Status> {
    let dir = a.output.as_deref().context("--format opensearch needs --output DIR (a new folder)")?;
    ctx.refuse_inside_data(dir)?;
    // Sources relative to the folder holding every report, so that this machine's paths stay here.
    let source_base = if a.absolute_sources {
        None
    } else {
        let reports = s.index.reports()?;
        crate::output::opensearch::common_folder(reports.iter().map(|r| r.report.source.path.as_str()))
    };
    let options = crate::output::opensearch::Options { analyzer: a.analyzer, replicas: a.replicas, prefix: a.index_prefix.clone(), source_base };
    let mut bulk = crate::output::opensearch::BulkWriter::create(dir, a.bulk_docs, options)?;
    // Without a query or filters: every section, the whole collection for the cluster.
    let (searcher, addrs) = s.all_matches(query, f)?;
    s.load_in_chunks(&searcher, &addrs, |_, doc| bulk.add(&doc))?;
    let (docs, files) = bulk.finish()?;
    ctx.notice(&format!("wrote the index template and {docs} sections in {files} bulk files to {}", dir.display()));
    Ok(if docs == 0 { Status::NoMatch } else { Status::Success })
}

pub fn retag_cmd(ctx: &Ctx, out: &mut dyn Write) -> Result<Status> {
    let mut w = Writer::open(&ctx.data, &ctx.domain)?;
    let ids = w.store.ids()?;
    let mut changed = 0;
    for id in &ids {
        let Some(mut r) = w.store.get(id)? else { continue };
        let before = r.clone();
        crate::enrich::reclassify(&mut r, &ctx.domain)?;
        if r != before {
            w.replace(&r)?;
            changed += 1;
        }
    }
    w.finish()?;
    writeln!(out, "re-tagged {} reports, {changed} changed", ids.len())?;
    Ok(Status::Success)
}

/// `jixiao classify`: statements from a file or stdin through the taxonomy.
pub fn classify_cmd(ctx: &Ctx, a: &crate::cli::ClassifyArgs, out: &mut dyn Write) -> Result<Status> {
    let text = match a.input.as_deref().filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            crate::parse::decode::decode(&bytes).map(|d| d.text).with_context(|| format!("{}", p.display()))?
        }
        None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("cannot read standard input as UTF-8 text")?;
            s
        }
    };
    let inputs = crate::enrich::themes::classify_input(&text).with_context(|| match &a.input {
        Some(p) => format!("{}", p.display()),
        None => "standard input".to_string(),
    })?;
    let output = a.output.as_deref();
    ctx.check_output(output)?;
    let format = out_a::resolve_format(a.format, output, TableFormat::Table)?;
    let mut file = None;
    let out = destination(format, output, out, &mut file)?;
    let rows = crate::enrich::themes::classify(&inputs, &ctx.domain.themes);
    out_a::classified(out, &rows, &ctx.domain.themes, format, output, a.explain)?;
    out.flush()?;
    if rows.is_empty() {
        ctx.notice("no statements in the input");
    }
    Ok(if rows.iter().any(|r| !r.themes.is_empty()) { Status::Success } else { Status::NoMatch })
}

/// Where a command's table or JSON goes: the --output file when one is given (kept in `file`),
/// else standard output. CSV and XLSX are written by their sinks.
pub(super) fn destination<'a>(
    format: TableFormat,
    output: Option<&std::path::Path>,
    out: &'a mut dyn Write,
    file: &'a mut Option<std::io::BufWriter<std::fs::File>>,
) -> Result<&'a mut dyn Write> {
    match (format, output) {
        (TableFormat::Table | TableFormat::Json, Some(p)) => {
            let f = std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
            Ok(file.insert(std::io::BufWriter::new(f)))
        }
        _ => Ok(out),
    }
}

