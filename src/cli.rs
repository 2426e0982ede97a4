//! Command-line arguments (clap derive). The doc comments are the help text.

use crate::model::{Category, ReportKind};
use crate::output::analysis::{ExportFormat, TableFormat};
use crate::output::Format;
use crate::model::YearRange;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// jixiao (绩效): search and analyse Chinese government performance self-evaluation reports.
#[derive(Debug, Parser)]
#[command(name = "jixiao", version, about, max_term_width = 100)]
pub struct Cli {
    /// Data directory (sled store + tantivy index).
    #[arg(long, global = true, env = "JIXIAO_DATA", default_value = "index", help_heading = "Global options")]
    pub data: PathBuf,
    /// Folder with the domain knowledge (themes.toml, words.toml, findings.toml, examples.toml, categories.toml, metrics.toml,
    /// userdict.txt, regions.tsv, stopwords.txt, units.toml, metadata.toml); files it lacks use the built-in defaults. A data directory
    /// remembers the folder its reports were tagged with, and later commands use it. Default: the
    /// remembered folder, else ./schema when present, else the built-in schema ("builtin").
    #[arg(long, global = true, env = "JIXIAO_SCHEMA", help_heading = "Global options")]
    pub schema: Option<PathBuf>,
    /// No progress bar or notices on stderr.
    #[arg(long, short, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Let --output replace a file that exists (never one inside the data directory).
    #[arg(long, global = true, help_heading = "Global options")]
    pub force: bool,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest the shipped sample reports into the data directory and show what jixiao answers.
    #[command(after_help = "Example: jixiao demo   (then: jixiao search 采购执行率低)")]
    Demo,
    /// Read report files and folders (recursively) into the store and index.
    #[command(after_help = "Example: jixiao ingest ~/绩效自评报告/2023 ~/绩效自评报告/2024")]
    Ingest(IngestArgs),
    /// Search sections, ranked, with filters.
    #[command(after_help = SEARCH_HELP)]
    Search(SearchArgs),
    /// List the stored reports.
    #[command(after_help = "Example: jixiao reports --incomplete")]
    Reports(ReportsArgs),
    /// Show a report with its section tree, or one section.
    #[command(after_help = "Example: jixiao show 3f2a9c81d0e4   or one section: jixiao show 3f2a9c81d0e4-012")]
    Show(ShowArgs),
    /// Counts of reports, sections, years, categories and themes.
    #[command(after_help = "Example: jixiao stats --format json")]
    Stats(FormatArg),
    /// Recurring problems: themes across departments and years, or one theme's (or query's) history
    /// per department.
    #[command(after_help = "Examples:\n  jixiao problems --by year\n  jixiao problems --theme procurement_low --min-years 2 -o 采购.xlsx\n  jixiao problems --discover")]
    Problems(ProblemsArgs),
    /// Problem paragraphs in other reports most similar to a section or a text.
    #[command(after_help = "Examples:\n  jixiao similar 3f2a9c81d0e4-012\n  jixiao similar --text '部分项目资金支付进度缓慢' --same-department")]
    Similar(SimilarArgs),
    /// Stated figures: execution rates, satisfaction, indicator scores.
    #[command(after_help = "Example: jixiao metrics --name procurement_exec_rate --below 80 --year 2023 -o 采购执行率.xlsx")]
    Metrics(MetricsArgs),
    /// Run problem statements (one per line, or JSON Lines with "text") through the taxonomy:
    /// statements, themes and figures. Needs no data directory.
    ///
    /// Example: jixiao classify findings.txt --format csv -o tagged.csv
    Classify(ClassifyArgs),
    /// Write every hit of a search to CSV, JSON Lines or Excel.
    #[command(after_help = "Examples:\n  jixiao export 预算执行率 --year 2022..2024 -o hits.xlsx\n  jixiao export --category problems --statements -o 全部问题.xlsx\n  jixiao export --format opensearch -o opensearch-export/")]
    Export(ExportArgs),
    /// Re-apply schema/ (categories, themes, metrics) to the stored reports without re-reading files.
    #[command(after_help = "Example: jixiao retag --schema ./schema")]
    Retag,
    /// The units (departments) of the collection, each with the names its reports are written
    /// with; merge names that are one unit, or split a name off.
    #[command(after_help = "Examples:\n  jixiao units --filter 卫生\n  jixiao units merge 某县卫生和计划生育委员会 某县卫生健康委员会 --as 某县卫生健康委员会\n  jixiao units split 财政局")]
    Units(UnitsArgs),
    /// Correct a report's department or fiscal year by hand (kept when the file is re-ingested).
    #[command(after_help = "Example: jixiao set 3f2a9c81d0e4 --department 海宁市审计局 --year 2023")]
    Set(SetArgs),
    /// Verify that the store and the index agree; repair what does not.
    #[command(after_help = "Example: jixiao check --dry-run")]
    Check(CheckArgs),
    /// Delete a report from the store and the index.
    #[command(after_help = "Example: jixiao remove 3f2a9c81d0e4")]
    Remove(RemoveArgs),
    /// Re-create the search index from the store.
    #[command(after_help = "Example: jixiao rebuild")]
    Rebuild,
    /// The browser app: search, reports, problems, departments and metrics in a web page (in
    /// Chinese), with a JSON API under /api/. Listens on this machine only unless --host says otherwise.
    #[command(after_help = "Example: jixiao serve --open   (then open http://127.0.0.1:8080/)")]
    Serve(ServeArgs),
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; anything other than 127.0.0.1/localhost makes the reports reachable
    /// from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Open the app in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Show the import page: files uploaded in the browser are ingested into the data directory.
    #[arg(long)]
    pub allow_ingest: bool,
}

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files and folders; folders are read recursively (.txt .md .docx .doc .pdf .html .htm).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Follow symbolic links inside the folders (by default they are passed over, so that a link
    /// cannot bring files from outside the folders given).
    #[arg(long)]
    pub follow: bool,
}

/// Which reports: the filters that `search`, `export` and `problems` share. Each takes several
/// values separated by commas (any of them: `--year 2021,2023`).
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Fiscal year or range: 2023, 2022..2024, 2022.., ..2024; several: 2021,2023.
    #[arg(long, value_parser = parse_years, value_delimiter = ',')]
    pub year: Vec<YearRange>,
    /// Part of the department name (罗湖, 卫生健康局); several: 财政局,教育局.
    #[arg(long, value_delimiter = ',')]
    pub dept: Vec<String>,
    /// Part of the province, city or county name; several: 杭州,宁波.
    #[arg(long, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Report kind: department_overall (部门整体支出), project (项目支出), other; several: project,other.
    #[arg(long, value_parser = parse_kind, value_delimiter = ',')]
    pub kind: Vec<ReportKind>,
}

/// Filters on reports and sections (search, export).
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Fiscal year, department, region, kind.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Section category: overview, budget, targets, conclusion, analysis, achievements, problems,
    /// measures, disclosure, appendix, other (problems: 存在的问题 and what the report says is wrong);
    /// several: problems,measures.
    #[arg(long, value_parser = parse_category, value_delimiter = ',')]
    pub category: Vec<Category>,
    /// Problem theme: its id (procurement_low, budget_exec_low, carryover_high, fund_late,
    /// target_not_quantified…), its label, or the way you would type the problem (采购执行率低);
    /// all with labels: `jixiao problems`, schema/themes.toml; several: fund_late,carryover_high.
    #[arg(long, value_delimiter = ',')]
    pub theme: Vec<String>,
}

/// Arguments of `search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Free Chinese text (采购执行率低), or query syntax: "exact phrase", AND, OR, -word (after --),
    /// field:value (see below). May be empty ("") when filters say what to list.
    pub query: String,
    /// Filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Number of hits (at most 10000; `export` writes them all).
    #[arg(long, short = 'n', default_value_t = 10, value_parser = parse_limit)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `reports`.
#[derive(Debug, Args)]
pub struct ReportsArgs {
    /// Only reports whose department or fiscal year could not be found.
    #[arg(long)]
    pub incomplete: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A report id (or a unique prefix of one) or a section id (REPORT-SEQ).
    pub id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A table or JSON Lines, for commands with no other option.
#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Report id (or a unique prefix).
    pub id: String,
    /// The department's full name; the region follows from it.
    #[arg(long)]
    pub department: Option<String>,
    /// The fiscal year evaluated.
    #[arg(long)]
    pub year: Option<u16>,
}

/// Arguments of `units`.
#[derive(Debug, Args)]
pub struct UnitsArgs {
    /// Merge or split names; without one, the units are listed.
    #[command(subcommand)]
    pub action: Option<UnitsAction>,
    /// Only units one of whose names contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Only units written with more than one name.
    #[arg(long)]
    pub variants_only: bool,
    /// table, json, csv or xlsx; default: from the --output file's extension, else table.
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// File to write (any format; xlsx needs one); default stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// What `units` may change.
#[derive(Debug, Subcommand)]
pub enum UnitsAction {
    /// Make these names one unit (remembered in the data directory's aliases.toml).
    Merge {
        /// Two or more names, as `jixiao units` lists them.
        #[arg(required = true, num_args = 2..)]
        names: Vec<String>,
        /// The name to show the unit with; default: the first name.
        #[arg(long = "as")]
        shown: Option<String>,
    },
    /// Make this name a unit of its own, out of any merge and apart from look-alikes.
    Split {
        /// The name, as `jixiao units` lists it.
        name: String,
    },
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only report problems, change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Report id (or a unique prefix).
    pub id: String,
}

/// Arguments of `problems`.
#[derive(Debug, Args)]
pub struct ProblemsArgs {
    /// Group the problem paragraphs matching this query by department, instead of using the themes.
    pub query: Option<String>,
    /// One theme's history per department (theme ids: schema/themes.toml).
    #[arg(long, conflicts_with = "query")]
    pub theme: Option<String>,
    /// `year`: a theme × fiscal-year matrix of departments.
    #[arg(long, value_parser = ["year"])]
    pub by: Option<String>,
    /// Only departments that report the problem in at least N fiscal years.
    #[arg(long, default_value_t = 1)]
    pub min_years: usize,
    /// Cluster problem paragraphs that no theme matched, to surface new recurring themes.
    #[arg(long, conflicts_with_all = ["theme", "query", "by"])]
    pub discover: bool,
    /// Fiscal year, department, region, kind.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// table, json, csv or xlsx; default: from the --output file's extension, else table.
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// File to write (any format; xlsx needs one); default stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Arguments of `similar`.
#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// A section id (REPORT-SEQ) or a problem statement id (REPORT-SEQ.N) whose text to compare;
    /// or give --text instead.
    #[arg(conflicts_with = "text")]
    pub section: Option<String>,
    /// A paragraph to compare instead of a section.
    #[arg(long)]
    pub text: Option<String>,
    /// Only the same department's other reports (its earlier and later years).
    #[arg(long)]
    pub same_department: bool,
    /// Compare with every section, not only problem text.
    #[arg(long)]
    pub all_categories: bool,
    /// Number of paragraphs (at most 10000).
    #[arg(long, short = 'n', default_value_t = 10, value_parser = parse_limit)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Only this report (id or unique prefix).
    #[arg(long)]
    pub report: Option<String>,
    /// Only this metric: procurement_exec_rate, budget_exec_rate, carryover_rate, three_public_rate,
    /// satisfaction_rate, indicator_score.
    #[arg(long)]
    pub name: Option<String>,
    /// Only values below this.
    #[arg(long)]
    pub below: Option<f64>,
    /// Only values above this.
    #[arg(long)]
    pub above: Option<f64>,
    /// Fiscal year or range: 2023, 2022..2024, 2022.., ..2024.
    #[arg(long, value_parser = parse_years)]
    pub year: Option<YearRange>,
    /// Part of the department name (罗湖, 卫生健康局).
    #[arg(long)]
    pub dept: Option<String>,
    /// table, json, csv or xlsx; default: from the --output file's extension, else table.
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// File to write (table, json, csv or xlsx, from its extension); default stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Arguments of `classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A text file with one statement per line, or JSON Lines whose objects have "text" (and
    /// optionally "id"). Standard input when absent or "-".
    pub input: Option<PathBuf>,
    /// table, json, csv or xlsx; default: from the --output file's extension, else table.
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// Write the result to this file (needed for xlsx).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Show under each statement how each theme was found: the layer of the schema (pattern,
    /// term, pair of topic and cue, …) and the words it matched. JSON, CSV and xlsx always carry it.
    #[arg(long)]
    pub explain: bool,
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The search (as for `jixiao search`); every hit is written, best first. May be left out when
    /// filters say what to export: `jixiao export --category problems --statements -o p.xlsx`.
    pub query: Option<String>,
    /// Filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// csv, jsonl, xlsx, or opensearch (a folder with an index template and bulk files; without a
    /// query or filters it exports every section); default: from the --output file's extension, else csv.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// File to write (a new folder for opensearch); csv and jsonl default to stdout, xlsx needs a file.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Sections per bulk file (opensearch).
    #[arg(long, default_value_t = crate::output::opensearch::DEFAULT_BULK_DOCS)]
    pub bulk_docs: usize,
    /// The analyzer of the cluster's Chinese text (opensearch): ik (plugin analysis-ik), smartcn
    /// (plugin analysis-smartcn), or cjk / standard (built in, no plugin).
    #[arg(long, value_enum, default_value_t = crate::output::opensearch::Analyzer::Ik)]
    pub analyzer: crate::output::opensearch::Analyzer,
    /// Replicas per shard (opensearch): 0 on a one-node cluster.
    #[arg(long, default_value_t = 1)]
    pub replicas: u32,
    /// Index names start with this (opensearch); one index per fiscal year after it.
    #[arg(long, default_value = crate::output::opensearch::INDEX_PREFIX)]
    pub index_prefix: String,
    /// Write sources as they are stored (absolute paths of this machine) instead of relative to
    /// the folder that holds all the exported reports (opensearch).
    #[arg(long)]
    pub absolute_sources: bool,
    /// One row per problem statement of the hits (with --theme, the statements of that theme)
    /// instead of one per section.
    #[arg(long)]
    pub statements: bool,
    /// With --statements: every statement of the hits, also those that state no shortfall
    /// (achievements, scores such as "该指标得分4分"); the column states_problem tells them apart.
    #[arg(long, requires = "statements")]
    pub all_statements: bool,
}

const SEARCH_HELP: &str = "Query fields (field:value):
  heading:预算       words in the section heading      text:闲置    words in the section text
  theme:procurement_low   sections tagged with a problem theme
  category:problems  a section category                kind:project  the report kind
  department:罗湖    part of the department name       region:深圳  part of the province/city/county
  fiscal_year:2023   one fiscal year (or --year 2022..2024)
department: and region: filter like --dept and --region (they always narrow the search).
A query starting with - needs -- before it: jixiao search -- -预算 执行率

Examples:
  jixiao search 采购执行率低 --year 2023
  jixiao search '\"预算编制不够精准\"' --dept 卫生 --format json
  jixiao search '' --theme carryover_high --region 杭州 -n 50";

/// The largest `-n`: a page of hits, not a way to allocate memory for billions.
pub const MAX_LIMIT: usize = 10_000;

fn parse_limit(s: &str) -> Result<usize, String> {
    let n: u64 = s.parse().map_err(|_| format!("{s:?} is not a number of hits"))?;
    if n > MAX_LIMIT as u64 {
        return Err(format!("at most {MAX_LIMIT} hits are shown; use `jixiao export` for all of them"));
    }
    Ok(n as usize)
}

fn parse_years(s: &str) -> Result<YearRange, String> {
    s.parse()
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).ok_or_else(|| format!("unknown category; one of: {}", Category::ALL.map(|c| c.as_str()).join(", ")))
}

fn parse_kind(s: &str) -> Result<ReportKind, String> {
    ReportKind::parse(s).ok_or_else(|| format!("unknown kind; one of: {}", ReportKind::ALL.map(|c| c.as_str()).join(", ")))
}
