//! Output of the analysis commands: problems, similar, metrics and export. Each row type defines
//! its columns once (`Tabular`); the table, CSV and XLSX forms all come from them, JSON from serde.

use super::tabular::{open_sink, Cell};
use super::{fit, json_line, pad, SectionJson};
use crate::analysis::problems::{Cluster, DepartmentRow, ThemeRow, YearMatrix};
use crate::index::SectionDoc;
use crate::query::SimilarHit;
use crate::units::Unit;
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// How tables of the analysis commands are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}

/// The format of a command's output: the one given, else the output file's extension, else
/// `default`; a format that contradicts the extension is an error.
pub fn resolve_format<F: clap::ValueEnum + PartialEq + Copy>(given: Option<F>, output: Option<&Path>, default: F) -> Result<F> {
    let ext = output.and_then(|p| p.extension()).map(|e| e.to_string_lossy().to_lowercase());
    let by_ext = ext.as_deref().and_then(|e| {
        let e = if e == "jsonl" || e == "ndjson" { "json" } else { e };
        F::value_variants().iter().copied().find(|v| {
            v.to_possible_value().is_some_and(|p| p.get_name() == e || (e == "json" && p.get_name() == "jsonl"))
        })
    });
    match (given, by_ext) {
        (Some(f), Some(x)) if f != x => {
            let name = |v: F| v.to_possible_value().map(|p| p.get_name().to_string()).unwrap_or_default();
            anyhow::bail!("--format {} contradicts the output file's extension .{}; drop --format or rename the file", name(f), ext.unwrap_or_default())
        }
        (Some(f), _) => Ok(f),
        (None, Some(x)) => Ok(x),
        (None, None) => Ok(default),
    }
}

/// Formats of `jixiao export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
    Xlsx,
    /// An index template and bulk NDJSON files for OpenSearch / Elasticsearch, in a folder.
    Opensearch,
}

/// A row with named columns.
pub trait Tabular {
    fn headers() -> Vec<&'static str>;
    fn cells(&self) -> Vec<Cell>;
}

fn join<T: ToString>(v: &[T], sep: &str) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(sep)
}

impl Tabular for ThemeRow {
    fn headers() -> Vec<&'static str> {
        vec!["theme", "label", "departments", "reports", "years", "recurring_departments", "example_section_id", "example"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            self.theme.as_str().into(),
            self.label.as_str().into(),
            Some(self.departments as f64).into(),
            Some(self.reports as f64).into(),
            join(&self.years, ",").into(),
            Some(self.recurring_departments as f64).into(),
            self.example_section_id.as_ref().map(|s| s.0.clone()).unwrap_or_default().into(),
            self.example.as_str().into(),
        ]
    }
}

impl Tabular for DepartmentRow {
    fn headers() -> Vec<&'static str> {
        vec!["department", "province", "city", "county", "years", "figures", "carried_over_years", "section_ids", "variants"]
    }
    fn cells(&self) -> Vec<Cell> {
        let r = &self.region;
        vec![
            self.department.as_str().into(),
            r.province.clone().unwrap_or_default().into(),
            r.city.clone().unwrap_or_default().into(),
            r.county.clone().unwrap_or_default().into(),
            join(&self.years, ",").into(),
            join(&self.figures, " ").into(),
            join(&self.carried_over_years, ",").into(),
            join(&self.section_ids, " ").into(),
            join(&self.variants, "、").into(),
        ]
    }
}

impl Tabular for Cluster {
    fn headers() -> Vec<&'static str> {
        vec!["top_terms", "departments", "reports", "examples"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            join(&self.top_terms, " ").into(),
            join(&self.departments, "、").into(),
            Some(self.reports as f64).into(),
            join(&self.examples, "\n").into(),
        ]
    }
}

pub use crate::analysis::metrics::MetricRow;

impl Tabular for MetricRow {
    fn headers() -> Vec<&'static str> {
        vec!["report_id", "department", "fiscal_year", "name", "label", "value", "unit", "max", "section_id"]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            self.report_id.as_str().into(),
            self.department.clone().unwrap_or_default().into(),
            self.fiscal_year.map(f64::from).into(),
            self.name.as_str().into(),
            self.label.as_str().into(),
            Some(self.value).into(),
            self.unit.as_str().into(),
            self.max.into(),
            self.section_id.as_str().into(),
        ]
    }
}

/// One exported hit.
/// One problem statement of an exported hit (`jixiao export --statements`).
#[derive(Debug, Clone, Serialize)]
pub struct StatementRow {
    pub statement_id: String,
    pub section_id: String,
    pub department: Option<String>,
    pub region: crate::model::Region,
    pub fiscal_year: Option<u16>,
    pub report_kind: &'static str,
    pub section_path: Vec<String>,
    pub text: String,
    pub themes: Vec<String>,
    pub figures: Vec<String>,
    /// True when the statement states a shortfall (`enrich::themes::states_shortfall`).
    pub states_problem: bool,
    pub total_score: Option<f64>,
    pub source: String,
    /// The search's relevance score; `None` for an export by filters alone, where there is none.
    pub score: Option<f32>,
}

impl StatementRow {
    /// The statements of a hit that state a shortfall (all of them with `all`); with `theme`, only
    /// those naming it.
    pub fn of(d: &SectionDoc, score: Option<f32>, only: &[String], themes: &crate::schema::Themes, all: bool) -> Vec<StatementRow> {
        let s = &d.section;
        let section_id = d.report_id.section(s.seq).0;
        s.statements
            .iter()
            .enumerate()
            .filter(|(_, st)| only.is_empty() || st.themes.iter().any(|x| only.contains(&x.0)))
            // A figure that measures the problem of a themed section (a deducted indicator's "结转结余率
            // 为11.8%") states it too.
            .map(|(n, st)| (n, st, !st.themes.is_empty() || (!st.figures.is_empty() && !s.themes.is_empty()) || crate::enrich::themes::names_a_deficiency(&st.text, themes)))
            .filter(|(_, _, problem)| all || *problem)
            .map(|(n, st, states_problem)| StatementRow {
                statement_id: crate::model::StatementId::at(crate::model::SectionId(section_id.clone()), n).to_string(),
                section_id: section_id.clone(),
                department: d.department.clone(),
                region: d.region.clone(),
                fiscal_year: d.fiscal_year,
                report_kind: d.kind.as_str(),
                section_path: s.path.clone(),
                text: st.text.clone(),
                themes: st.themes.iter().map(|t| t.0.clone()).collect(),
                figures: st.figures.clone(),
                states_problem,
                total_score: d.total_score,
                source: d.source.clone(),
                score,
            })
            .collect()
    }
}

impl Tabular for StatementRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "statement_id", "section_id", "department", "province", "city", "county", "fiscal_year", "report_kind", "section_path", "statement", "themes",
            "figures", "states_problem", "total_score", "source", "score",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let r = &self.region;
        vec![
            self.statement_id.as_str().into(),
            self.section_id.as_str().into(),
            self.department.clone().unwrap_or_default().into(),
            r.province.clone().unwrap_or_default().into(),
            r.city.clone().unwrap_or_default().into(),
            r.county.clone().unwrap_or_default().into(),
            self.fiscal_year.into(),
            self.report_kind.into(),
            self.section_path.join(" > ").into(),
            self.text.as_str().into(),
            join(&self.themes, ",").into(),
            join(&self.figures, " ").into(),
            (if self.states_problem { "yes" } else { "no" }).into(),
            self.total_score.into(),
            self.source.as_str().into(),
            self.score.map(rounded).into(),
        ]
    }
}

pub struct ExportRow<'a> {
    pub doc: &'a SectionDoc,
    /// The search's relevance score; `None` for an export by filters alone.
    pub score: Option<f32>,
}

impl Tabular for ExportRow<'_> {
    fn headers() -> Vec<&'static str> {
        vec![
            "section_id", "department", "province", "city", "county", "fiscal_year", "total_score", "grade", "report_kind", "category", "themes",
            "section_path", "heading", "text", "source", "score",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let d = self.doc;
        let s = &d.section;
        vec![
            d.report_id.section(s.seq).0.into(),
            d.department.clone().unwrap_or_default().into(),
            d.region.province.clone().unwrap_or_default().into(),
            d.region.city.clone().unwrap_or_default().into(),
            d.region.county.clone().unwrap_or_default().into(),
            d.fiscal_year.map(f64::from).into(),
            d.total_score.into(),
            d.grade.map(|g| g.as_str()).unwrap_or_default().into(),
            d.kind.as_str().into(),
            s.category.as_str().into(),
            join(&s.themes.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ",").into(),
            s.path.join(" > ").into(),
            s.heading.as_str().into(),
            s.text.as_str().into(),
            d.source.as_str().into(),
            self.score.map(rounded).into(),
        ]
    }
}

/// Writes rows as a spreadsheet (csv/xlsx) to `output` or stdout.
pub fn write_sheet<T: Tabular>(rows: &[T], format: TableFormat, output: Option<&Path>) -> Result<()> {
    let kind = if format == TableFormat::Xlsx { "xlsx" } else { "csv" };
    let mut sink = open_sink(kind, output, &T::headers())?;
    for r in rows {
        sink.row(&r.cells())?;
    }
    sink.finish()
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => format!("{n}"),
        Cell::Empty => "-".into(),
    }
}

/// A plain aligned table of rows; the last column is left unpadded.
fn table<T: Tabular>(out: &mut dyn Write, rows: &[T], columns: &[usize], widths: &[usize]) -> std::io::Result<()> {
    let headers = T::headers();
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&pad(&fit(c, widths[i]), widths[i]));
                s.push_str("  ");
            }
        }
        s
    };
    writeln!(out, "{}", line(columns.iter().map(|c| headers[*c].to_string()).collect()))?;
    for r in rows {
        let cells = r.cells();
        writeln!(out, "{}", line(columns.iter().map(|c| cell_text(&cells[*c])).collect()))?;
    }
    Ok(())
}

pub fn themes(out: &mut dyn Write, rows: &[ThemeRow], format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => rows.iter().try_for_each(|r| json_line(out, r))?,
        TableFormat::Table => table(out, rows, &[0, 1, 2, 3, 4, 5, 7], &[24, 28, 11, 7, 14, 21])?,
        _ => write_sheet(rows, format, output)?,
    }
    Ok(())
}

pub fn departments(out: &mut dyn Write, rows: &[DepartmentRow], format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => rows.iter().try_for_each(|r| json_line(out, r))?,
        TableFormat::Table => {
            for r in rows {
                let carried = if r.carried_over_years.is_empty() { String::new() } else { format!("  copied forward: {}", join(&r.carried_over_years, ", ")) };
                writeln!(out, "{}  {}  years {}{}", r.department, r.region.display(), join(&r.years, ","), carried)?;
                if !r.variants.is_empty() {
                    writeln!(out, "    also written  {}", join(&r.variants, "、"))?;
                }
                if !r.figures.is_empty() {
                    writeln!(out, "    figures   {}", join(&r.figures, "   "))?;
                }
                writeln!(out, "    sections  {}", join(&r.section_ids, " "))?;
            }
        }
        _ => write_sheet(rows, format, output)?,
    }
    Ok(())
}

impl Tabular for Unit {
    fn headers() -> Vec<&'static str> {
        vec!["department", "reports", "variants", "merged_by_user"]
    }
    fn cells(&self) -> Vec<Cell> {
        let variants: Vec<String> = self.variants.iter().map(|v| format!("{}（{}）", v.name, v.reports)).collect();
        vec![self.name.as_str().into(), Cell::Number(self.reports as f64), variants.join("、").into(), if self.merged_by_user { "是" } else { "" }.into()]
    }
}

/// The units of a collection (`jixiao units`): each with the names its reports are written with.
pub fn units(out: &mut dyn Write, units: &[&Unit], format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => units.iter().try_for_each(|u| json_line(out, u))?,
        TableFormat::Table => {
            for u in units {
                let by_user = if u.merged_by_user { "  (merged by hand)" } else { "" };
                writeln!(out, "{}  {} report{}{by_user}", u.name, u.reports, if u.reports == 1 { "" } else { "s" })?;
                if u.variants.len() > 1 || u.variants[0].name != u.name {
                    for v in &u.variants {
                        writeln!(out, "    {}  {}", v.name, v.reports)?;
                    }
                }
            }
        }
        _ => {
            let owned: Vec<Unit> = units.iter().map(|u| (*u).clone()).collect();
            write_sheet(&owned, format, output)?
        }
    }
    Ok(())
}

pub fn year_matrix(out: &mut dyn Write, m: &YearMatrix, format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => json_line(out, m)?,
        TableFormat::Table => {
            write!(out, "{}", pad("theme", 24))?;
            for y in &m.years {
                write!(out, "  {y}")?;
            }
            writeln!(out)?;
            for r in &m.rows {
                write!(out, "{}", pad(&r.theme, 24))?;
                for n in &r.departments {
                    write!(out, "  {n:>4}")?;
                }
                writeln!(out)?;
            }
        }
        _ => {
            let kind = if format == TableFormat::Xlsx { "xlsx" } else { "csv" };
            let years: Vec<String> = m.years.iter().map(|y| y.to_string()).collect();
            let mut headers = vec!["theme", "label"];
            headers.extend(years.iter().map(String::as_str));
            let mut sink = open_sink(kind, output, &headers)?;
            for r in &m.rows {
                let mut cells: Vec<Cell> = vec![r.theme.as_str().into(), r.label.as_str().into()];
                cells.extend(r.departments.iter().map(|n| Cell::Number(*n as f64)));
                sink.row(&cells)?;
            }
            sink.finish()?;
        }
    }
    Ok(())
}

pub fn clusters(out: &mut dyn Write, rows: &[Cluster], format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => rows.iter().try_for_each(|r| json_line(out, r))?,
        TableFormat::Table => {
            for (i, c) in rows.iter().enumerate() {
                writeln!(out, "{:>3}. {}", i + 1, join(&c.top_terms, " "))?;
                writeln!(out, "     {} departments, {} reports: {}", c.departments.len(), c.reports, join(&c.departments, "、"))?;
                for e in &c.examples {
                    writeln!(out, "     e.g. {}", crate::text::prefix_chars(e, 80).replace('\n', " "))?;
                }
            }
            if rows.is_empty() {
                writeln!(out, "no cluster of untagged problem statements spans two reports")?;
            }
        }
        _ => write_sheet(rows, format, output)?,
    }
    Ok(())
}

#[derive(Serialize)]
pub struct SimilarJson<'a> {
    #[serde(flatten)]
    section: SectionJson<'a>,
    similarity: f32,
    near_duplicate: bool,
}

impl<'a> SimilarJson<'a> {
    pub fn new(h: &'a SimilarHit) -> Self {
        SimilarJson { section: SectionJson::new(&h.doc), similarity: h.similarity, near_duplicate: h.near_duplicate }
    }
}

pub fn similar(out: &mut dyn Write, hits: &[SimilarHit], format: super::Format) -> Result<()> {
    match format {
        super::Format::Json => {
            for h in hits {
                json_line(out, &SimilarJson::new(h))?;
            }
        }
        super::Format::Table => {
            for (i, h) in hits.iter().enumerate() {
                super::hit_header(out, i, h.similarity, if h.near_duplicate { "  near-duplicate" } else { "" }, &h.doc)?;
                writeln!(out, "     {}", crate::text::prefix_chars(&h.doc.section.text, 90).replace('\n', " "))?;
            }
        }
    }
    Ok(())
}

pub fn metrics(out: &mut dyn Write, rows: &[MetricRow], format: TableFormat, output: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => rows.iter().try_for_each(|r| json_line(out, r))?,
        TableFormat::Table => table(out, rows, &[1, 2, 3, 4, 5, 6, 7, 8], &[30, 11, 22, 24, 8, 4, 5])?,
        _ => write_sheet(rows, format, output)?,
    }
    Ok(())
}

/// `jixiao classify`: one row per statement, with the themes' labels beside their ids.
pub fn classified(
    out: &mut dyn Write,
    rows: &[crate::enrich::themes::Classified],
    themes: &crate::schema::Themes,
    format: TableFormat,
    output: Option<&Path>,
    explain: bool,
) -> Result<()> {
    let why = |w: &crate::enrich::themes::Why| if w.words.is_empty() { w.layer.name().to_string() } else { format!("{} 「{}」", w.layer.name(), w.words) };
    let label = |id: &crate::model::ThemeId| themes.get(&id.0).map(|t| t.label.clone()).unwrap_or_default();
    match format {
        TableFormat::Json => {
            for r in rows {
                json_line(out, r)?;
            }
        }
        TableFormat::Table => {
            for r in rows {
                let tags = if r.themes.is_empty() {
                    if r.measure { "(measure)".to_string() } else if r.question { "(question)".to_string() } else { "-".to_string() }
                } else {
                    r.themes.iter().map(|t| format!("{} {}", t.0, label(t))).collect::<Vec<_>>().join("; ")
                };
                let figures = if r.figures.is_empty() { String::new() } else { format!("  [{}]", r.figures.join(" ")) };
                writeln!(out, "{:<8} {}{}\n         {}", r.id, crate::text::prefix_chars(&r.text, 60).replace('\n', " "), figures, tags)?;
                if explain {
                    for (t, w) in r.themes.iter().zip(&r.why) {
                        writeln!(out, "         {}: {}", t.0, why(w))?;
                    }
                }
            }
        }
        _ => {
            let kind = if format == TableFormat::Xlsx { "xlsx" } else { "csv" };
            let mut sink = open_sink(kind, output, &["id", "input_id", "input", "text", "themes", "labels", "figures", "measure", "question", "why"])?;
            for r in rows {
                sink.row(&[
                    r.id.as_str().into(),
                    r.input_id.as_str().into(),
                    r.input.as_str().into(),
                    r.text.as_str().into(),
                    join(&r.themes.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ",").into(),
                    join(&r.themes.iter().map(label).collect::<Vec<_>>(), "；").into(),
                    join(&r.figures, " ").into(),
                    (if r.measure { "yes" } else { "" }).into(),
                    (if r.question { "yes" } else { "" }).into(),
                    join(&r.themes.iter().zip(&r.why).map(|(t, w)| format!("{}: {}", t.0, why(w))).collect::<Vec<_>>(), "；").into(),
                ])?;
            }
            sink.finish()?;
        }
    }
    Ok(())
}

/// A relevance score as a spreadsheet shows it: three decimals, not the float's fifteen.
fn rounded(score: f32) -> f64 {
    (f64::from(score) * 1000.0).round() / 1000.0
}
