//! Domain knowledge read from `schema/`: category rules, the problem-theme taxonomy, the region table,
//! the jieba user dictionary and stop words.
//!
//! Every file has a shipped default compiled into the binary; a schema folder given with `--schema`
//! (or `JIXIAO_SCHEMA`, or `./schema` when it exists) replaces the files it contains. Patterns are
//! compiled once here, so a bad pattern is reported with its file before any report is touched.

use crate::model::{Category, ThemeId};
use crate::text::squeeze;
use anyhow::{anyhow, bail, Context, Result};
use regex::Regex;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

const DEFAULT_CATEGORIES: &str = include_str!("../schema/categories.toml");
const DEFAULT_THEMES: &str = include_str!("../schema/themes.toml");
const DEFAULT_REGIONS: &str = include_str!("../schema/regions.tsv");
const DEFAULT_USERDICT: &str = include_str!("../schema/userdict.txt");
const DEFAULT_STOPWORDS: &str = include_str!("../schema/stopwords.txt");
const DEFAULT_METRICS: &str = include_str!("../schema/metrics.toml");

/// All domain knowledge, compiled.
pub struct Domain {
    pub categories: CategoryRules,
    pub themes: Themes,
    metrics: Lazy<crate::analysis::metrics::MetricDefs>,
    regions: Lazy<std::sync::Arc<crate::region::RegionTable>>,
    pub userdict: String,
    pub stopwords: HashSet<String>,
    /// Every schema file's text as loaded (file name, text), so that a data directory can remember
    /// the schema it was tagged with.
    pub files: Vec<(&'static str, String)>,
    /// True when no schema folder was used: the built-in schema, which belongs to this version of
    /// jixiao and is not copied into data directories.
    pub builtin: bool,
}

/// The schema files, by name.
pub const SCHEMA_FILES: [&str; 6] = ["categories.toml", "themes.toml", "regions.tsv", "userdict.txt", "stopwords.txt", "metrics.toml"];

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
        let (theme_text, theme_name) = read("themes.toml", DEFAULT_THEMES)?;
        let (region_text, region_name) = read("regions.tsv", DEFAULT_REGIONS)?;
        let (userdict, _) = read("userdict.txt", DEFAULT_USERDICT)?;
        let (stop_text, _) = read("stopwords.txt", DEFAULT_STOPWORDS)?;
        let (metric_text, metric_name) = read("metrics.toml", DEFAULT_METRICS)?;
        // The built-in files are checked by a test and parsed only when used.
        let check = |name: &str| if dir.is_some_and(|d| d.join(name).exists()) { user_check } else { Check::None };
        let categories = CategoryRules::parse(&cat_text, check("categories.toml")).with_context(|| format!("in {cat_name}"))?;
        let themes = Themes::parse(&theme_text, check("themes.toml")).with_context(|| format!("in {theme_name}"))?;
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
            ("themes.toml", theme_text),
            ("regions.tsv", region_text.clone()),
            ("userdict.txt", userdict.clone()),
            ("stopwords.txt", stop_text),
            ("metrics.toml", metric_text.clone()),
        ];
        let metrics = Lazy::new(metric_text, metric_name);
        let regions = Lazy::new(region_text, region_name);
        Ok(Domain { categories, themes, metrics, regions, userdict, stopwords, files, builtin: dir.is_none() })
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
    pub fn metrics(&self) -> Result<&crate::analysis::metrics::MetricDefs> {
        self.metrics.get(crate::analysis::metrics::MetricDefs::parse)
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

#[derive(Deserialize)]
struct CategoryFile {
    category: Vec<CategoryEntry>,
}

#[derive(Deserialize)]
struct CategoryEntry {
    name: String,
    #[serde(default)]
    headings: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
    sticky: Option<bool>,
    search_boost: Option<f32>,
}

/// The rules that give a section its category (see schema/categories.toml).
pub struct CategoryRules {
    /// Heading rules in file order.
    headings: RuleList,
    labels: RuleList,
    sticky: HashSet<Category>,
    boost: HashMap<Category, f32>,
}

/// Patterns tried in order, the first that matches wins. Every section's heading is checked
/// against all of them: one pass of a set of the patterns finds which match (checking them one by
/// one had cost a tenth of parsing).
#[derive(Default)]
struct RuleList {
    rules: Vec<(Category, Pattern)>,
    /// `None`: the patterns compile one by one but not as one set (its size limit): tried in turn.
    set: std::sync::OnceLock<Option<regex::RegexSet>>,
}

impl RuleList {
    fn first_match(&self, text: &str) -> Option<Category> {
        let set = self.set.get_or_init(|| regex::RegexSetBuilder::new(self.rules.iter().map(|(_, p)| p.source.as_str())).size_limit(64 << 20).build().ok());
        match set {
            Some(set) => set.matches(text).iter().next().map(|i| self.rules[i].0),
            None => self.first_match_in_turn(text),
        }
    }

    fn first_match_in_turn(&self, text: &str) -> Option<Category> {
        self.rules.iter().find(|(_, p)| p.is_match(text)).map(|(c, _)| *c)
    }
}

impl CategoryRules {
    fn parse(text: &str, check: Check) -> Result<CategoryRules> {
        let file: CategoryFile = toml::from_str(text)?;
        let mut rules = CategoryRules { headings: RuleList::default(), labels: RuleList::default(), sticky: HashSet::new(), boost: HashMap::new() };
        for entry in file.category {
            let cat = Category::parse(&entry.name).ok_or_else(|| {
                anyhow!("unknown category {:?}; the categories are: {}", entry.name, category_names())
            })?;
            for h in &entry.headings {
                rules.headings.rules.push((cat, Pattern::new(h, check)?));
            }
            for l in &entry.labels {
                rules.labels.rules.push((cat, Pattern::new(l, check)?));
            }
            if entry.sticky == Some(true) {
                rules.sticky.insert(cat);
            }
            if let Some(b) = entry.search_boost {
                rules.boost.insert(cat, b);
            }
        }
        Ok(rules)
    }

    /// The category a heading names, if any. `title` is the heading without its marker.
    pub fn for_heading(&self, title: &str) -> Option<Category> {
        self.headings.first_match(&squeeze(title))
    }

    /// The category of a paragraph label ("存在问题"), if it is one.
    pub fn for_label(&self, label: &str) -> Option<Category> {
        self.labels.first_match(&squeeze(label))
    }

    pub fn is_sticky(&self, c: Category) -> bool {
        self.sticky.contains(&c)
    }

    pub fn search_boost(&self, c: Category) -> f32 {
        self.boost.get(&c).copied().unwrap_or(1.0)
    }
}

fn category_names() -> String {
    Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

fn compile(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).with_context(|| format!("bad pattern {pattern:?}"))
}

#[derive(Deserialize)]
struct ThemeFile {
    theme: Vec<ThemeEntry>,
    #[serde(default)]
    cues: CueEntry,
}

#[derive(Deserialize, Default)]
struct CueEntry {
    #[serde(default)]
    deficiency: Vec<String>,
    #[serde(default)]
    resolved: Vec<String>,
    #[serde(default)]
    measure: Vec<String>,
    #[serde(default)]
    question: Vec<String>,
}

#[derive(Deserialize)]
struct ThemeEntry {
    id: String,
    label: String,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    indicators: Vec<String>,
    #[serde(default)]
    queries: Vec<String>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    pairs: Vec<(String, String)>,
    #[serde(default)]
    problems: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// One problem theme, compiled.
pub struct Theme {
    pub id: ThemeId,
    pub label: String,
    /// Whole-statement phrasing patterns (the first layer: precise, written around a weakness).
    pub patterns: Vec<Pattern>,
    /// Topic terms that name a problem with any shared deficiency cue in the same clause.
    pub topics: Option<Pattern>,
    /// Topic terms with their own cue words.
    pub pairs: Vec<(Pattern, Pattern)>,
    /// Phrases that are a problem of this theme by themselves.
    pub problems: Option<Pattern>,
    /// A clause matching this is not about the theme (a neighbouring theme's wording).
    pub exclude: Option<Pattern>,
    /// Anchored indicator-name patterns.
    pub indicators: Vec<Pattern>,
    pub queries: Vec<String>,
}

impl Theme {
    /// The patterns through which this theme names a problem: one of them matches wherever it does
    /// (`exclude` and the indicators never make a match; a pair needs its topic).
    pub fn matchers(&self) -> impl Iterator<Item = &Pattern> {
        self.problems.iter().chain(&self.patterns).chain(&self.topics).chain(self.pairs.iter().map(|(topic, _)| topic))
    }
}

/// A pattern of the theme schema, compiled when first matched: tagging needs every pattern, a search
/// only the few theme patterns whose leading words occur in the query (compiling all of them was
/// most of a search's start-up). A user's schema is compiled when loaded, so that its errors show
/// at once.
pub struct Pattern {
    source: String,
    /// A phrasing pattern: `may_match` looks for the literals every match starts with.
    phrasing: bool,
    /// Those literals (`None`: unknown, any text may match), found when first needed.
    prefixes: std::sync::OnceLock<Option<Vec<String>>>,
    compiled: std::sync::OnceLock<Regex>,
}

/// How much of a schema pattern is checked when the schema is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Nothing until used (the built-in schema: a test compiles every pattern).
    None,
    /// Parsed: a syntax error shows when loaded; compiled when used.
    Parse,
    /// Parsed and compiled (a user's schema given with --schema).
    Compile,
}

impl Pattern {
    fn new(source: &str, check: Check) -> Result<Pattern> {
        Pattern::build(source, check, false)
    }

    /// A theme's phrasing pattern, with the literals every match starts with (see `may_match`).
    fn phrasing(source: &str, check: Check) -> Result<Pattern> {
        Pattern::build(source, check, true)
    }

    fn build(source: &str, check: Check, phrasing: bool) -> Result<Pattern> {
        let p = Pattern { source: source.to_string(), phrasing, prefixes: std::sync::OnceLock::new(), compiled: std::sync::OnceLock::new() };
        if check != Check::None {
            let hir = syntax(source)?;
            if phrasing {
                let _ = p.prefixes.set(prefixes_of(&hir));
            }
        }
        if check == Check::Compile {
            let _ = p.compiled.set(compile(source)?);
        }
        Ok(p)
    }

    fn regex(&self) -> &Regex {
        // The built-in schema's patterns are compiled by a test; a user's when it was given.
        self.compiled.get_or_init(|| compile(&self.source).expect("a schema pattern checked when loaded"))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_match(text)
    }

    /// The literals every match starts with, whatever the kind of pattern (`None`: unknown).
    fn leading_literals(&self) -> Option<Vec<String>> {
        syntax(&self.source).ok().and_then(|h| prefixes_of(&h))
    }

    fn prefixes(&self) -> Option<&Vec<String>> {
        if !self.phrasing {
            return None;
        }
        self.prefixes.get_or_init(|| self.leading_literals()).as_ref()
    }

    /// False when no match is possible: none of the literals every match starts with occurs in
    /// `text`. Checked before a pattern is compiled for a short text (a query); the regex's own
    /// prefilter does better on long ones.
    pub fn may_match(&self, text: &str) -> bool {
        self.prefixes().is_none_or(|p| p.iter().any(|l| text.contains(l.as_str())))
    }
}

/// The literals every match of a pattern starts with (`None` when unknown).
fn prefixes_of(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    // Literals cut inside a character are no use for a text search: no prefilter then.
    seq.literals().and_then(|lits| lits.iter().map(|l| String::from_utf8(l.as_bytes().to_vec()).ok()).collect::<Option<Vec<_>>>())
}

/// How problems are worded, whatever the theme (the `[cues]` table of themes.toml).
pub struct Cues {
    pub deficiency: Option<Pattern>,
    pub resolved: Option<Pattern>,
    pub measure: Option<Pattern>,
    pub question: Option<Pattern>,
}

/// The problem-theme taxonomy.
pub struct Themes {
    pub list: Vec<Theme>,
    pub cues: Cues,
    /// The literals a text must hold for each theme to name a problem in it, found when first needed.
    anchors: std::sync::OnceLock<Anchors>,
}

/// Which themes can match a text, from one scan for the literals their matches start with: most
/// clauses name one theme or none, and ruling the others out with one scan costs less than
/// running their dozens of patterns.
struct Anchors {
    /// Every leading literal of every theme that has them.
    literals: Option<aho_corasick::AhoCorasick>,
    /// The theme of each literal.
    owner: Vec<usize>,
    /// Themes with a pattern whose matches start with no known literal: always candidates.
    always: Vec<bool>,
}

impl Anchors {
    fn new(list: &[Theme]) -> Anchors {
        let (mut words, mut owner, mut always) = (Vec::new(), Vec::new(), vec![false; list.len()]);
        for (i, t) in list.iter().enumerate() {
            let mut mine = Vec::new();
            for p in t.matchers() {
                // Items of a list are matched joined again by '、' with some left out: a literal
                // running over one could appear only in such a joining, so it is cut there (what
                // is left still starts every match).
                let lits = p.leading_literals().map(|lits| lits.iter().map(|l| l.split_once('、').map_or(l.as_str(), |(head, _)| head).to_string()).collect::<Vec<_>>());
                match lits {
                    Some(lits) if lits.iter().all(|l| !l.is_empty()) => mine.extend(lits),
                    _ => always[i] = true,
                }
            }
            if !always[i] {
                owner.extend(std::iter::repeat_n(i, mine.len()));
                words.extend(mine);
            }
        }
        // Building fails only past aho-corasick's size limits: then every theme is a candidate.
        let literals = aho_corasick::AhoCorasick::new(&words).ok();
        if literals.is_none() {
            always.iter_mut().for_each(|a| *a = true);
        }
        Anchors { literals, owner, always }
    }
}

/// A pattern parsed (not compiled): its syntax checked, an error naming it.
pub(crate) fn syntax(pattern: &str) -> Result<regex_syntax::hir::Hir> {
    regex_syntax::Parser::new().parse(pattern).with_context(|| format!("bad pattern {pattern:?}"))
}

/// One regular expression matching any of `patterns`; `None` for an empty list.
fn alternation(patterns: &[String], check: Check) -> Result<Option<Pattern>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    // Each pattern of a user's schema is checked on its own (parsing only, cheap), so that an
    // error names it and a pattern with a stray parenthesis cannot pair up with its neighbour; the
    // alternation is compiled once.
    if check != Check::None {
        for p in patterns {
            syntax(p)?;
        }
    }
    let joined = patterns.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|");
    Ok(Some(Pattern::new(&joined, check)?))
}

impl Themes {
    fn parse(text: &str, check: Check) -> Result<Themes> {
        let file: ThemeFile = toml::from_str(text)?;
        let mut seen = HashSet::new();
        let mut list = Vec::new();
        for t in file.theme {
            if t.id.trim().is_empty() || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("theme id {:?} must be a non-empty word of ASCII letters, digits and '_'", t.id);
            }
            if !seen.insert(t.id.clone()) {
                bail!("theme {:?} is defined twice", t.id);
            }
            let topics = alternation(&t.topics, check).with_context(|| format!("in the topics of theme {:?}", t.id))?;
            let problems = alternation(&t.problems, check).with_context(|| format!("in the problems of theme {:?}", t.id))?;
            let exclude = alternation(&t.exclude, check).with_context(|| format!("in the exclude list of theme {:?}", t.id))?;
            let pairs = t
                .pairs
                .iter()
                .map(|(a, b)| Ok((Pattern::new(a, check)?, Pattern::new(b, check)?)))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("in the pairs of theme {:?}", t.id))?;
            let patterns = t.patterns.iter().map(|p| Pattern::phrasing(p, check)).collect::<Result<Vec<_>>>()?;
            let indicators = t
                .indicators
                .iter()
                .map(|p| Pattern::new(&format!("^(?:{p})$"), check))
                .collect::<Result<Vec<_>>>()?;
            list.push(Theme { id: ThemeId(t.id), label: t.label, patterns, topics, pairs, problems, exclude, indicators, queries: t.queries });
        }
        let c = file.cues;
        let cues = Cues {
            deficiency: alternation(&c.deficiency, check).context("in [cues] deficiency")?,
            resolved: alternation(&c.resolved, check).context("in [cues] resolved")?,
            measure: alternation(&c.measure, check).context("in [cues] measure")?,
            question: alternation(&c.question, check).context("in [cues] question")?,
        };
        Ok(Themes { list, cues, anchors: std::sync::OnceLock::new() })
    }

    /// For each theme of `list`, whether it may name a problem in `text` (false: it cannot, none
    /// of its patterns can match there or in any part of it).
    pub fn candidates(&self, text: &str) -> Vec<bool> {
        let anchors = self.anchors.get_or_init(|| Anchors::new(&self.list));
        let mut may = anchors.always.clone();
        if let Some(ac) = &anchors.literals {
            for m in ac.find_overlapping_iter(text) {
                may[anchors.owner[m.pattern().as_usize()]] = true;
            }
        }
        may
    }

    pub fn get(&self, id: &str) -> Option<&Theme> {
        self.list.iter().find(|t| t.id.0 == id)
    }

    /// The theme `id`, or an error that lists the themes there are.
    pub fn require(&self, id: &str) -> Result<&Theme> {
        self.get(id).ok_or_else(|| {
            let ids: Vec<_> = self.list.iter().map(|t| t.id.0.as_str()).collect();
            anyhow!("unknown theme {id:?}; the themes are: {}", ids.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            for p in t.patterns.iter().chain(&t.topics).chain(&t.problems).chain(&t.exclude).chain(&t.indicators).chain(pairs) {
                p.regex();
            }
        }
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
    fn the_category_rules_as_one_set_answer_as_in_turn() {
        let d = Domain::builtin().unwrap();
        let (h, l) = (&d.categories.headings, &d.categories.labels);
        // Headings that several rules match (the first in file order wins), one, or none.
        let texts = ["存在的问题及原因分析", "上一年度绩效评价整改情况", "附件：项目支出绩效自评表", "预算执行情况分析", "部门基本情况", "绩效目标完成情况", "结论", "存在问题", "下一步改进措施", "相关建议", "其他事项", ""];
        for t in texts {
            assert_eq!(h.first_match(t), h.first_match_in_turn(t), "heading {t}");
            assert_eq!(l.first_match(t), l.first_match_in_turn(t), "label {t}");
        }
        assert!(h.set.get().is_some_and(Option::is_some) && l.set.get().is_some_and(Option::is_some), "built as sets");
    }

    #[test]
    fn unknown_category_is_a_clear_error() {
        let err = CategoryRules::parse("[[category]]\nname = \"problemz\"\n", Check::Compile).err().unwrap();
        assert!(format!("{err:#}").contains("unknown category \"problemz\""));
    }
}
