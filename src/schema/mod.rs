//! Domain knowledge read from `schema/`: category rules, the problem-theme taxonomy and the findings'
//! vocabulary, metric patterns, the region table, the unit-name lexicon, the metadata words (kind,
//! year, score, grade), the jieba user dictionary and stop words.
//!
//! Every file has a shipped default compiled into the binary; a schema folder given with `--schema`
//! (or `JIXIAO_SCHEMA`, or `./schema` when it exists) replaces the files it contains. Patterns are
//! compiled once here, so a bad pattern is reported with its file before any report is touched.

mod categories;
mod examples;
mod metadata;
mod metrics;
mod pattern;
mod themes;
mod units;
mod words;

pub use categories::CategoryRules;
pub use examples::Examples;
pub use metadata::{KindWords, Metadata};
pub use metrics::{MetricDef, MetricDefs, MetricPattern, INDICATOR_SCORE};
pub use pattern::Pattern;
use pattern::Check;
pub use themes::{Cues, Theme, Themes};
pub use units::Units;
pub use words::Words;

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const DEFAULT_CATEGORIES: &str = include_str!("../../schema/categories.toml");
const DEFAULT_THEMES: &str = include_str!("../../schema/themes.toml");
const DEFAULT_FINDINGS: &str = include_str!("../../schema/findings.toml");
const DEFAULT_REGIONS: &str = include_str!("../../schema/regions.tsv");
const DEFAULT_USERDICT: &str = include_str!("../../schema/userdict.txt");
const DEFAULT_STOPWORDS: &str = include_str!("../../schema/stopwords.txt");
const DEFAULT_METRICS: &str = include_str!("../../schema/metrics.toml");
const DEFAULT_UNITS: &str = include_str!("../../schema/units.toml");
const DEFAULT_METADATA: &str = include_str!("../../schema/metadata.toml");
const DEFAULT_EXAMPLES: &str = include_str!("../../schema/examples.toml");
const DEFAULT_WORDS: &str = include_str!("../../schema/words.toml");

/// The line of byte `at` in a schema file's `text`, from 1: where an entry that cannot serve is.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// All domain knowledge, compiled.
pub struct Domain {
    /// Heading and label wording → category (categories.toml).
    pub categories: CategoryRules,
    /// The problem themes and the findings' vocabulary (themes.toml, findings.toml).
    pub themes: Themes,
    metrics: Lazy<MetricDefs>,
    regions: Lazy<std::sync::Arc<crate::region::RegionTable>>,
    units: Lazy<Units>,
    metadata: Lazy<Metadata>,
    /// The jieba user dictionary (userdict.txt).
    pub userdict: String,
    /// Words left out when comparing paragraphs (stopwords.txt).
    pub stopwords: HashSet<String>,
    /// Every schema file's text as loaded (file name, text), so that a data directory can remember
    /// the schema it was tagged with.
    pub files: Vec<(&'static str, String)>,
    /// True when no schema folder was used: the built-in schema, which belongs to this version of
    /// jixiao and is not copied into data directories.
    pub builtin: bool,
}

/// The schema files, by name.
pub const SCHEMA_FILES: [&str; 11] = ["categories.toml", "words.toml", "themes.toml", "findings.toml", "examples.toml", "regions.tsv", "userdict.txt", "stopwords.txt", "metrics.toml", "units.toml", "metadata.toml"];

impl Domain {
    /// The compiled-in defaults only.
    pub fn builtin() -> Result<Domain> {
        Domain::load(None)
    }

    /// Loads `dir`'s files over the compiled-in defaults; its patterns are compiled now, so that
    /// an error shows at once.
    pub fn load(dir: Option<&Path>) -> Result<Domain> {
        Domain::load_as(dir, Check::Compile)
    }

    /// Loads a data directory's remembered schema (`remember`): a writer compiled every pattern
    /// of it before writing it there, so its patterns are only parsed now and compiled when used.
    pub fn load_remembered(dir: &Path) -> Result<Domain> {
        Domain::load_as(Some(dir), Check::Parse)
    }

    fn load_as(dir: Option<&Path>, user_check: Check) -> Result<Domain> {
        if let Some(d) = dir {
            if !d.is_dir() {
                bail!("the schema folder {} does not exist (given with --schema or JIXIAO_SCHEMA)", d.display());
            }
        }
        let read = |name: &str, default: &'static str| -> Result<(String, String)> {
            if let Some(dir) = dir {
                let p = dir.join(name);
                if p.exists() {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read schema file {}", p.display()))?;
                    return Ok((text, p.display().to_string()));
                }
            }
            Ok((default.to_string(), format!("built-in schema/{name}")))
        };
        let (cat_text, cat_name) = read("categories.toml", DEFAULT_CATEGORIES)?;
        let (words_text, words_name) = read("words.toml", DEFAULT_WORDS)?;
        let (theme_text, theme_name) = read("themes.toml", DEFAULT_THEMES)?;
        let (findings_text, findings_name) = read("findings.toml", DEFAULT_FINDINGS)?;
        let (examples_text, examples_name) = read("examples.toml", DEFAULT_EXAMPLES)?;
        let (region_text, region_name) = read("regions.tsv", DEFAULT_REGIONS)?;
        let (userdict, _) = read("userdict.txt", DEFAULT_USERDICT)?;
        let (stop_text, _) = read("stopwords.txt", DEFAULT_STOPWORDS)?;
        let (metric_text, metric_name) = read("metrics.toml", DEFAULT_METRICS)?;
        let (unit_text, unit_name) = read("units.toml", DEFAULT_UNITS)?;
        let (metadata_text, metadata_name) = read("metadata.toml", DEFAULT_METADATA)?;
        // The built-in files are checked by a test and parsed only when used.
        let check = |name: &str| if dir.is_some_and(|d| d.join(name).exists()) { user_check } else { Check::None };
        let categories = CategoryRules::parse(&cat_text, check("categories.toml")).and_then(|c| c.with_default_display(DEFAULT_CATEGORIES)).with_context(|| format!("in {cat_name}"))?;
        // The families of words.toml are written into the patterns that name them before these are
        // parsed.
        let words = Words::parse(&words_text).with_context(|| format!("in {words_name}"))?;
        let themes = Themes::parse(&theme_text, check("themes.toml"), &words).with_context(|| format!("in {theme_name}"))?;
        let themes = themes.with_findings(&findings_text, check("findings.toml"), findings_text != DEFAULT_FINDINGS, &words).with_context(|| format!("in {findings_name}"))?;
        let themes = themes.with_examples(&examples_text, examples_text != DEFAULT_EXAMPLES).with_context(|| format!("in {examples_name}"))?;
        let stopwords = stop_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        // Read only by some commands, and the costliest to build: compiled on first use. A user's
        // edited file is still checked at start-up when the command needs it (its first use).
        let files = vec![
            ("categories.toml", cat_text),
            ("words.toml", words_text),
            ("themes.toml", theme_text),
            ("findings.toml", findings_text),
            ("examples.toml", examples_text),
            ("regions.tsv", region_text.clone()),
            ("userdict.txt", userdict.clone()),
            ("stopwords.txt", stop_text),
            ("metrics.toml", metric_text.clone()),
            ("units.toml", unit_text.clone()),
            ("metadata.toml", metadata_text.clone()),
        ];
        let metrics = Lazy::new(metric_text, metric_name);
        let regions = Lazy::new(region_text, region_name);
        let units = Lazy::new(unit_text, unit_name);
        let metadata = Lazy::new(metadata_text, metadata_name);
        // Every report needs the unit and metadata lexicons: a user's file is checked now, not at
        // the first report.
        if check("units.toml") != Check::None {
            units.get(Units::parse)?;
        }
        if check("metadata.toml") != Check::None {
            metadata.get(Metadata::parse)?;
        }
        Ok(Domain { categories, themes, metrics, regions, units, metadata, userdict, stopwords, files, builtin: dir.is_none() })
    }

    /// Writes the schema in use to `dir` (a data directory's `schema/`), each file replaced
    /// atomically, so that later commands on that data directory use the schema its reports were
    /// tagged with. For the built-in schema the folder is removed instead.
    pub fn remember(&self, dir: &Path) -> Result<()> {
        if self.builtin {
            // The built-in schema goes with the program: a newer jixiao brings its newer one.
            if dir.exists() {
                std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            }
            return Ok(());
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (name, text) in &self.files {
            let path = dir.join(name);
            if std::fs::read_to_string(&path).is_ok_and(|t| t == *text) {
                continue;
            }
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// The metric definitions (schema/metrics.toml).
    pub fn metrics(&self) -> Result<&MetricDefs> {
        self.metrics.get(MetricDefs::parse)
    }

    /// The unit-name lexicon (schema/units.toml).
    pub fn units(&self) -> Result<&Units> {
        self.units.get(Units::parse)
    }

    /// How reports state their kind, year, score and grade (schema/metadata.toml).
    pub fn metadata(&self) -> Result<&Metadata> {
        self.metadata.get(Metadata::parse)
    }

    /// The region table (schema/regions.tsv).
    pub fn regions(&self) -> Result<&std::sync::Arc<crate::region::RegionTable>> {
        self.regions.get(|t| crate::region::RegionTable::parse(t).map(std::sync::Arc::new))
    }

    /// The schema folder to use: the one named; else the one the data directory remembers (the
    /// schema its reports were tagged with); else `./schema` when it holds a themes file.
    /// `--schema builtin` names the built-in schema.
    pub fn resolve_dir(named: Option<PathBuf>, remembered: &Path) -> Option<PathBuf> {
        if named.as_deref().is_some_and(|p| p.as_os_str() == "builtin") {
            return None;
        }
        named.or_else(|| remembered.join("themes.toml").exists().then(|| remembered.to_path_buf())).or_else(|| {
            let local = PathBuf::from("schema");
            local.join("themes.toml").exists().then_some(local)
        })
    }
}

/// Schema text compiled on first use; a compile error is reported with the file's name.
struct Lazy<T> {
    text: String,
    name: String,
    cell: std::sync::OnceLock<std::result::Result<T, String>>,
}

impl<T> Lazy<T> {
    fn new(text: String, name: String) -> Self {
        Lazy { text, name, cell: std::sync::OnceLock::new() }
    }
    fn get(&self, build: impl FnOnce(&str) -> Result<T>) -> Result<&T> {
        self.cell
            .get_or_init(|| build(&self.text).map_err(|e| format!("in {}: {e:#}", self.name)))
            .as_ref()
            .map_err(|e| anyhow!("{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Category;

    #[test]
    fn a_theme_ruled_out_by_its_literals_has_no_matching_pattern() {
        let d = Domain::builtin().unwrap();
        let texts: Vec<String> = crate::samples::SAMPLES
            .iter()
            .flat_map(|(_, b)| crate::parse::decode::decode(b).unwrap().text.lines().map(crate::text::squeeze).collect::<Vec<_>>())
            .chain(["政府采购执行率仅为41.3%", "预算编制不够精准", "前松后紧", "专业人才紧缺"].map(String::from))
            .collect();
        let (mut ruled_out, mut matched) = (0, 0);
        for t in &texts {
            let may = d.themes.candidates(t);
            for (theme, may) in d.themes.list.iter().zip(may) {
                let truth = theme.matchers().any(|p| p.is_match(t));
                assert!(may || !truth, "theme {} matches {t} but was ruled out", theme.id.0);
                ruled_out += usize::from(!may);
                matched += usize::from(truth);
            }
        }
        assert!(matched > 20 && ruled_out > matched, "{matched} matches, {ruled_out} ruled out");
        // Every built-in theme has leading literals (none is tried on every clause).
        assert_eq!(d.themes.candidates("").iter().filter(|m| **m).count(), 0);
    }

    #[test]
    fn the_prefix_prefilter_never_changes_a_patterns_answer() {
        let d = Domain::builtin().unwrap();
        let mut texts: Vec<String> = crate::samples::SAMPLES
            .iter()
            .flat_map(|(_, b)| crate::parse::decode::decode(b).unwrap().text.lines().map(crate::text::squeeze).collect::<Vec<_>>())
            .collect();
        texts.extend(["采购执行率低", "政府采购执行率仅为41.3%", "预算编制不够精准", "绩效目标未细化量化"].map(String::from));
        let mut matched = 0;
        for p in d.themes.list.iter().flat_map(|t| &t.patterns) {
            for t in &texts {
                let truth = p.regex().is_match(t);
                assert!(p.may_match(t) || !truth, "{} matches {t} but its prefilter says it cannot", p.source);
                matched += usize::from(truth);
            }
        }
        assert!(matched > 10, "the texts exercise the patterns ({matched} matches)");
        // And the prefilter is there for most patterns.
        let with = d.themes.list.iter().flat_map(|t| &t.patterns).filter(|p| p.prefixes().is_some()).count();
        assert!(with * 2 > d.themes.list.iter().map(|t| t.patterns.len()).sum::<usize>(), "{with}");
    }

    #[test]
    fn a_users_bad_pattern_is_an_error_when_the_schema_is_loaded() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("themes.toml"), "[[theme]]\nid = \"t\"\nlabel = \"x\"\npatterns = ['预算(执行']\n").unwrap();
        let e = Domain::load(Some(dir.path())).err().expect("a bad pattern is refused");
        assert!(format!("{e:#}").contains("预算(执行"), "{e:#}");
    }

    #[test]
    fn builtin_schema_compiles() {
        let d = Domain::builtin().unwrap();
        assert!(d.themes.list.len() >= 22);
        // Patterns of the built-in schema compile on first use: every one must compile.
        for t in &d.themes.list {
            let pairs = t.pairs.iter().flat_map(|(a, b)| [a, b]);
            for p in t.patterns.iter().chain(&t.topics).chain(&t.problems).chain(&t.terms).chain(&t.actions).chain(&t.otherwise).chain(&t.exclude).chain(&t.indicators).chain(pairs) {
                p.regex();
            }
        }
        for p in [&d.themes.form.scope, &d.themes.form.amount].into_iter().flatten() {
            p.regex();
        }
        // findings.toml adds to the themes it names.
        assert!(d.themes.list.iter().filter(|t| t.terms.is_some()).count() >= 15);
        let c = &d.themes.cues;
        for p in [&c.deficiency, &c.resolved, &c.measure, &c.question].into_iter().flatten() {
            p.regex();
        }
        for (_, p) in d.categories.headings.rules.iter().chain(&d.categories.labels.rules) {
            p.regex();
        }
        assert!(d.regions().unwrap().len() > 3000);
        assert!(d.metrics().unwrap().names().contains(&"procurement_exec_rate"));
        assert_eq!(d.categories.for_heading("存在的问题及原因分析"), Some(Category::Problems));
        assert_eq!(d.categories.for_heading("上一年度绩效评价整改情况"), Some(Category::Measures));
        assert_eq!(d.categories.for_label("存在问题"), Some(Category::Problems));
        assert_eq!(d.categories.for_label("改进措施"), Some(Category::Measures));
        assert_eq!(d.categories.for_label("下一步工作打算"), Some(Category::Measures));
        assert_eq!(d.categories.for_label("存在不足"), Some(Category::Problems));
    }

    #[test]
    fn category_display_names_come_from_categories_toml() {
        let d = Domain::builtin().unwrap();
        assert_eq!(d.categories.display(Category::Problems), "存在问题");
        assert_eq!(d.categories.display(Category::Other), "其他");
        assert_eq!(d.categories.display_of("budget"), "预算与资金");
        // A user's file names its own; one that names none keeps the built-in names.
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("categories.toml"), "[[category]]\nname = \"problems\"\nheadings = [\"问题\"]\ndisplay = \"问题清单\"\n").unwrap();
        let d = Domain::load(Some(dir.path())).unwrap();
        assert_eq!(d.categories.display(Category::Problems), "问题清单");
        assert_eq!(d.categories.display(Category::Budget), "预算与资金");
    }

    #[test]
    fn a_users_findings_file_names_only_themes_that_exist() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("findings.toml"), "[[source]]\nname = \"我们的清单\"\n[source.problems]\nno_such_theme = ['欠拨']\n").unwrap();
        let e = Domain::load(Some(dir.path())).err().expect("an unknown theme is refused");
        let e = format!("{e:#}");
        assert!(e.contains("findings.toml") && e.contains("我们的清单") && e.contains("no_such_theme"), "{e}");
        // A user's themes.toml without a theme the built-in findings name: those entries are left out.
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("themes.toml"), "[[theme]]\nid = \"fund_late\"\nlabel = \"拨付慢\"\n").unwrap();
        let d = Domain::load(Some(dir.path())).unwrap();
        assert_eq!(d.themes.list.len(), 1);
        assert!(d.themes.list[0].terms.is_some());
        // The shortfall form: a share out of range, and an object of a theme that does not exist.
        let shortfall = |below: &str, theme: &str| format!("[form.shortfall]\nplanned = ['计划']\nactual = ['实际']\nbelow = {below}\nobjects = [['{theme}', '采购']]\n");
        for (text, says) in [(shortfall("1.5", "procurement_low"), "below"), (shortfall("0.8", "no_such_theme"), "no_such_theme")] {
            let dir = tempfile::TempDir::new().unwrap();
            std::fs::write(dir.path().join("findings.toml"), text).unwrap();
            let e = format!("{:#}", Domain::load(Some(dir.path())).err().expect("refused"));
            assert!(e.contains("findings.toml") && e.contains("[form.shortfall]") && e.contains(says), "{e}");
        }
        // What a failed control controls: a theme that does not exist, and a pattern that does not compile.
        for (text, says) in [("[form.controlled]\nobjects = [['no_such_theme', '补贴']]\n", "no_such_theme"), ("[form.controlled]\nobjects = [['subsidy_irregular', '补贴(']]\n", "补贴(")] {
            let dir = tempfile::TempDir::new().unwrap();
            std::fs::write(dir.path().join("findings.toml"), text).unwrap();
            let e = format!("{:#}", Domain::load(Some(dir.path())).err().expect("refused"));
            assert!(e.contains("findings.toml") && e.contains("[form.controlled]") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn unknown_category_is_a_clear_error() {
        let err = CategoryRules::parse("[[category]]\nname = \"problemz\"\n", Check::Compile).err().unwrap();
        assert!(format!("{err:#}").contains("unknown category \"problemz\""));
    }
}

