//! The problem-theme taxonomy (schema/themes.toml): themes with their topic terms and phrasings,
//! and the cues that say how a problem is worded; with the vocabulary of findings from the genre's
//! references (schema/findings.toml) and the form of a finding (a scope, an amount).

use super::pattern::{alternation, Check, Pattern};
use crate::model::ThemeId;
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::HashSet;

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
    #[serde(default)]
    criterion: Vec<String>,
    #[serde(default)]
    continues: Vec<String>,
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
    /// Its id (procurement_low).
    pub id: ThemeId,
    /// Its label (政府采购执行率低).
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
    /// The ways users type it ("采购执行率低"): a search for one of them finds the theme.
    pub queries: Vec<String>,
    /// Findings by themselves from the references of findings.toml (all its sources joined).
    pub terms: Option<Pattern>,
    /// Actions that name this theme only in the form of a finding (`Form`).
    pub actions: Option<Pattern>,
    /// Findings that are this theme's only where a statement names no theme otherwise: a control
    /// that failed ("审核把关不严", "未实地核实") belongs to the theme of what it controls.
    pub otherwise: Option<Pattern>,
}

impl Theme {
    /// The patterns through which this theme names a problem: one of them matches wherever it does
    /// (`exclude` and the indicators never make a match; a pair needs its topic).
    pub fn matchers(&self) -> impl Iterator<Item = &Pattern> {
        self.problems
            .iter()
            .chain(&self.terms)
            .chain(&self.actions)
            .chain(&self.patterns)
            .chain(&self.topics)
            .chain(self.pairs.iter().map(|(topic, _)| topic))
    }
}

/// The form of a finding (findings.toml `[form]`): a statement whose subject is a count of units
/// or a scope word ("3个单位", "部分乡镇"), or that names an amount; and a shortfall written only
/// as figures (`Shortfall`).
#[derive(Default)]
pub struct Form {
    pub scope: Option<Pattern>,
    pub amount: Option<Pattern>,
    pub shortfall: Option<Shortfall>,
    /// What a failed control (a theme's `otherwise` entries) controls: [theme index, object], in
    /// the order they are tried. A statement that names one of these objects gives the failed
    /// control the object's theme ("补贴发放前未核实…" is a subsidy finding).
    pub controlled: Vec<(usize, Pattern)>,
}

impl Form {
    /// True when `statement` (squeezed, its numbering marker removed) has the form of a finding.
    pub fn holds(&self, statement: &str) -> bool {
        self.scope.as_ref().is_some_and(|p| p.is_match(statement)) || self.amount.as_ref().is_some_and(|p| p.is_match(statement))
    }
}

/// A shortfall written only as figures (findings.toml `[form.shortfall]`): a planned figure and a
/// later, smaller actual one of the same kind ("计划采购320万元，实际采购96万元"; "批复项目29个，
/// 完成11个"), or an outcome given as a share of its plan ("实际完成工程量仅为年度计划的43%"), with
/// no deficiency word. The object the statement names decides the theme.
pub struct Shortfall {
    /// Words that make the figure after them a plan (计划, 批复, 下达…).
    planned: Pattern,
    /// A share of a plan: a planned word, then 的 and a percentage ("计划的43%").
    share: Pattern,
    /// Words that make the figure after them an outcome (实际, 完成, 支出…).
    actual: Pattern,
    /// An outcome below this share of the plan falls short.
    below: f64,
    /// Spending that is meant to stay below its budget (三公经费, 会议费…): a plan of it is no target.
    savings: Option<Pattern>,
    /// The theme (index into the list) of each object, tried in order (the more specific first).
    objects: Vec<(usize, Pattern)>,
    /// Rates that should reach their plan (执行率, 完成率), each with its theme: the rate's name,
    /// then its value as a percentage (`(?P<rate>…)`); a value below `below` falls short.
    rates: Vec<(usize, Pattern)>,
    /// Words saying a figure rose ("较上年提高26个百分点"): a low rate that rose states progress.
    improved: Option<Pattern>,
    /// An outcome given as a bare share after 仅/只 and one of the `spent` verbs ("当年只支出了
    /// 40%", "仅用了不到四成"): a share of what was there to spend or do.
    spent: Option<Pattern>,
}

/// A share as the genre writes it: a percentage, or in words (四成, 三分之一, 一半). `name` is
/// the capture group of the percentage; `{name}_cn` that of the words.
fn share_pattern(name: &str) -> String {
    format!(r"(?:(?P<{name}>\d+(?:\.\d+)?)%|(?P<{name}_cn>[一二两三四五六七八九]成|[二三四五六七八九十]分之[一二三四五六七八九]|一半|半数))")
}

/// The value in percent of a share captured by `share_pattern(name)`.
fn share_value(m: &regex::Captures, name: &str) -> Option<f64> {
    if let Some(v) = m.name(name) {
        return v.as_str().parse::<f64>().ok();
    }
    let words = m.name(&format!("{name}_cn"))?.as_str();
    let digit = |c: char| "一二三四五六七八九十".chars().position(|d| d == c).map(|i| i as f64 + 1.0).or((c == '两').then_some(2.0));
    let chars: Vec<char> = words.chars().collect();
    match chars.as_slice() {
        ['一', '半'] | ['半', '数'] => Some(50.0),
        [n, '成'] => digit(*n).map(|n| n * 10.0),
        [whole, '分', '之', part] => Some(digit(*part)? / digit(*whole)? * 100.0),
        _ => None,
    }
}

/// A figure with its unit: an amount in yuan, or a count.
static FIGURE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(\d[\d,]*(?:\.\d+)?)(亿元|万元|元|个|项|家|场|期|批|座|处|所)").expect("figure pattern"));

impl Shortfall {
    /// The theme (index into the list) of a shortfall written as figures in `text` (squeezed,
    /// clauses joined by "，"), if there is one: an outcome below `below` of the planned figure of
    /// the same kind named last before it (not a plan of spending meant to stay low), and the
    /// first object of the list that the text names.
    /// `shares`: read outcomes given as a share of their plan too (not in a statement that also
    /// says the figure improved: "完成年度计划的75%，较上年明显提高").
    pub fn theme(&self, text: &str, shares: bool) -> Option<usize> {
        let object = || self.objects.iter().find(|(_, p)| p.is_match(text)).map(|(i, _)| *i);
        // Savings and revenue named anywhere in the statement set no target to spend, for rates and
        // shares alike.
        let saving = || self.savings.as_ref().is_some_and(|s| s.is_match(text));
        if shares && !saving() {
            // A share captured as `group` (a percentage, or in words: 四成) below the line; and where
            // the match starts.
            let low = |m: &regex::Captures, group: &str| {
                let below = share_value(m, group).is_some_and(|v| v < self.below * 100.0);
                below.then(|| m.get(0).map_or(0, |w| w.start()))
            };
            // A rate named with a value below the line ("政府采购完成率为47.3%"), unless its clause,
            // or the next one comparing it (较上年…, 比…, 同比…), says it rose.
            let rose = |from: usize| {
                let mut pieces = text[from..].split(['，', '；', '。']);
                let own = pieces.next().unwrap_or("");
                let next = pieces.next().filter(|c| ["较", "比", "同比", "环比"].iter().any(|w| c.starts_with(w))).unwrap_or("");
                self.improved.as_ref().is_some_and(|p| p.is_match(own) || p.is_match(next))
            };
            for (i, p) in &self.rates {
                if p.regex().captures_iter(text).any(|m| low(&m, "rate").is_some_and(|start| !rose(start))) {
                    return Some(*i);
                }
            }
            // An outcome given as a share of its plan, in a clause that names the outcome first.
            for m in self.share.regex().captures_iter(text) {
                let named_first = |start: usize| self.actual.is_match(text[..start].rsplit(['，', '；', '。']).next().unwrap_or(""));
                if low(&m, "share").is_some_and(named_first) {
                    return object();
                }
            }
            // An outcome given as a bare share of what there was ("当年只支出了40%").
            if let Some(spent) = &self.spent {
                if spent.regex().captures_iter(text).any(|m| low(&m, "spent").is_some()) {
                    return object();
                }
            }
        }
        let mut plan: Option<(f64, bool)> = None;
        for m in FIGURE.captures_iter(text) {
            let (start, number, unit) = (m.get(0).map_or(0, |w| w.start()), &m[1], &m[2]);
            let Ok(value) = number.replace(',', "").parse::<f64>() else { continue };
            let money = unit.ends_with('元');
            let value = value * match unit { "亿元" => 1e8, "万元" => 1e4, _ => 1.0 };
            // The role of a figure is the last role word before it in its own clause.
            let before = &text[..start];
            let clause = before.rsplit(['，', '；', '。']).next().unwrap_or(before);
            let last = |p: &Pattern| p.regex().find_iter(clause).last().map(|m| m.start());
            match (last(&self.planned), last(&self.actual)) {
                (Some(p), a) if a.is_none_or(|a| a < p) => {
                    // An outcome is set against the plan named last before it.
                    let saving = self.savings.as_ref().is_some_and(|s| s.is_match(clause));
                    plan = (!saving).then_some((value, money));
                }
                (_, Some(_)) => {
                    if plan.is_some_and(|(planned, kind)| kind == money && planned > 0.0 && value < self.below * planned) {
                        return object();
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingsFile {
    #[serde(default)]
    source: Vec<SourceEntry>,
    #[serde(default)]
    form: FormEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceEntry {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
    #[serde(default)]
    problems: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pairs: std::collections::BTreeMap<String, Vec<(String, String)>>,
    #[serde(default)]
    actions: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    otherwise: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FormEntry {
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    amount: Vec<String>,
    shortfall: Option<ShortfallEntry>,
    controlled: Option<ControlledEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlledEntry {
    /// [theme id, object pattern] in the order they are tried.
    objects: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShortfallEntry {
    planned: Vec<String>,
    actual: Vec<String>,
    below: f64,
    #[serde(default)]
    savings: Vec<String>,
    /// [theme id, object pattern] in the order they are tried.
    objects: Vec<(String, String)>,
    /// [theme id, rate name pattern], tried in order.
    #[serde(default)]
    rates: Vec<(String, String)>,
    /// Words saying a figure rose.
    #[serde(default)]
    improved: Vec<String>,
    /// Verbs of an outcome given as a bare share after 仅/只.
    #[serde(default)]
    spent: Vec<String>,
}


/// How problems are worded, whatever the theme (the `[cues]` table of themes.toml).
pub struct Cues {
    /// A deficiency word (不足, 不到位, 偏低…).
    pub deficiency: Option<Pattern>,
    /// Wording of a problem that was solved (已整改, 得到解决).
    pub resolved: Option<Pattern>,
    /// Wording of a measure or a plan (下一步, 将进一步).
    pub measure: Option<Pattern>,
    /// Wording of a question (是否…).
    pub question: Option<Pattern>,
    /// Wording of a scoring rule (低于90%的，每低5个百分点扣1分): how a figure is judged.
    pub criterion: Option<Pattern>,
    /// How a clause opens that states its predicate only (占…, 低于…, 超出…): it continues the
    /// clause before it, whose subject it shares.
    pub continues: Option<Pattern>,
}

/// The problem-theme taxonomy.
pub struct Themes {
    /// The themes in file order.
    pub list: Vec<Theme>,
    /// How problems are worded, whatever the theme.
    pub cues: Cues,
    /// The form of a finding: a count of units or a scope word as subject, an action, an amount.
    pub form: Form,
    /// Example statements of each theme, for statements the rules leave without one.
    pub examples: super::Examples,
    /// The literals a text must hold for each theme to name a problem in it, found when first needed.
    anchors: std::sync::OnceLock<Anchors>,
    /// The themes of statements already tagged with these themes: reports of one unit repeat their
    /// statements from year to year, and many reports share the genre's stock sentences.
    tagged: std::sync::Mutex<std::collections::HashMap<String, Vec<ThemeId>>>,
}

/// The most statements `Themes::tagged` holds; it is emptied when full, so memory stays bounded.
const TAGGED_MAX: usize = 50_000;

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

impl Themes {
    pub(crate) fn parse(text: &str, check: Check, words: &super::Words) -> Result<Themes> {
        let mut file: ThemeFile = toml::from_str(text)?;
        for t in &mut file.theme {
            for list in [&mut t.patterns, &mut t.indicators, &mut t.topics, &mut t.problems, &mut t.exclude] {
                words.expand_all(list).with_context(|| format!("in theme {:?}", t.id))?;
            }
            words.expand_pairs(&mut t.pairs).with_context(|| format!("in the pairs of theme {:?}", t.id))?;
        }
        let c = &mut file.cues;
        for list in [&mut c.deficiency, &mut c.resolved, &mut c.measure, &mut c.question, &mut c.criterion, &mut c.continues] {
            words.expand_all(list).context("in [cues]")?;
        }
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
            list.push(Theme { id: ThemeId(t.id), label: t.label, patterns, topics, pairs, problems, exclude, indicators, queries: t.queries, terms: None, actions: None, otherwise: None });
        }
        let c = file.cues;
        let cues = Cues {
            deficiency: alternation(&c.deficiency, check).context("in [cues] deficiency")?,
            resolved: alternation(&c.resolved, check).context("in [cues] resolved")?,
            measure: alternation(&c.measure, check).context("in [cues] measure")?,
            question: alternation(&c.question, check).context("in [cues] question")?,
            criterion: alternation(&c.criterion, check).context("in [cues] criterion")?,
            continues: alternation(&c.continues, check).context("in [cues] continues")?,
        };
        Ok(Themes { list, cues, form: Form::default(), examples: super::Examples::default(), anchors: std::sync::OnceLock::new(), tagged: Default::default() })
    }

    /// Adds the vocabulary of findings (findings.toml) to the themes it names. When `strict` (a
    /// findings file the user edited) an entry for a theme that does not exist is an error naming
    /// its source; the built-in file's entries for themes a user's themes.toml dropped are left out
    /// (a data directory's remembered copy of it included).
    /// How much a text leans to each theme by the models of examples.toml, keyed by theme id (the
    /// themes scored above zero only): two statements of one problem lean alike even when the
    /// rules place neither.
    pub fn leanings(&self, text: &str) -> crate::text::Vector {
        let scores = self.examples.leanings(text);
        self.list.iter().zip(scores).filter(|(_, s)| *s > 0.0).map(|(t, s)| (t.id.0.clone(), s)).collect()
    }

    /// The themes with their example statements (examples.toml). With `strict` an example of a
    /// theme that does not exist is an error; otherwise (the built-in file beside a user's
    /// themes.toml) the examples of themes the user dropped are left out.
    pub(crate) fn with_examples(mut self, text: &str, strict: bool) -> Result<Themes> {
        let ids: Vec<&str> = self.list.iter().map(|t| t.id.0.as_str()).collect();
        self.examples = super::Examples::parse(text, &ids, strict)?;
        Ok(self)
    }

    pub(crate) fn with_findings(mut self, text: &str, check: Check, strict: bool, words: &super::Words) -> Result<Themes> {
        let mut file: FindingsFile = toml::from_str(text)?;
        for source in &mut file.source {
            let name = source.name.clone();
            for list in source.problems.values_mut().chain(source.actions.values_mut()).chain(source.otherwise.values_mut()) {
                words.expand_all(list).with_context(|| format!("in source {name:?}"))?;
            }
            for list in source.pairs.values_mut() {
                words.expand_pairs(list).with_context(|| format!("in source {name:?}"))?;
            }
        }
        let form = &mut file.form;
        for list in [&mut form.scope, &mut form.amount] {
            words.expand_all(list).context("in [form]")?;
        }
        if let Some(e) = &mut form.shortfall {
            for list in [&mut e.planned, &mut e.actual, &mut e.savings, &mut e.improved] {
                words.expand_all(list).context("in [form.shortfall]")?;
            }
            // [theme id, pattern]: only the pattern names families.
            for (_, p) in e.objects.iter_mut().chain(e.rates.iter_mut()) {
                words.expand_in_place(p).context("in [form.shortfall] objects or rates")?;
            }
        }
        if let Some(e) = &mut form.controlled {
            for (_, p) in e.objects.iter_mut() {
                words.expand_in_place(p).context("in [form.controlled] objects")?;
            }
        }
        let mut terms: Vec<Vec<String>> = vec![Vec::new(); self.list.len()];
        let mut actions: Vec<Vec<String>> = vec![Vec::new(); self.list.len()];
        let mut otherwise: Vec<Vec<String>> = vec![Vec::new(); self.list.len()];
        let mut pairs: Vec<Vec<(Pattern, Pattern)>> = (0..self.list.len()).map(|_| Vec::new()).collect();
        let ids: Vec<String> = self.list.iter().map(|t| t.id.0.clone()).collect();
        for source in &file.source {
            let index = |id: &str| {
                ids.iter().position(|t| t == id).ok_or_else(|| anyhow!("source {:?} names theme {id:?}, which themes.toml does not define", source.name))
            };
            let known = |id: &str| -> Result<Option<usize>> {
                match index(id) {
                    Ok(i) => Ok(Some(i)),
                    Err(e) if strict => Err(e),
                    Err(_) => Ok(None),
                }
            };
            for (id, list) in &source.problems {
                if let Some(i) = known(id)? {
                    terms[i].extend(list.iter().cloned());
                }
            }
            for (id, list) in &source.actions {
                if let Some(i) = known(id)? {
                    actions[i].extend(list.iter().cloned());
                }
            }
            for (id, list) in &source.otherwise {
                if let Some(i) = known(id)? {
                    otherwise[i].extend(list.iter().cloned());
                }
            }
            for (id, list) in &source.pairs {
                let Some(i) = known(id)? else { continue };
                for (a, b) in list {
                    let pair = (Pattern::new(a, check)?, Pattern::new(b, check)?);
                    pairs[i].push(pair);
                }
            }
        }
        for ((i, t), mut extra) in self.list.iter_mut().enumerate().zip(pairs) {
            t.pairs.append(&mut extra);
            t.terms = alternation(&terms[i], check).with_context(|| format!("in the problems of theme {:?}", t.id))?;
            t.actions = alternation(&actions[i], check).with_context(|| format!("in the actions of theme {:?}", t.id))?;
            t.otherwise = alternation(&otherwise[i], check).with_context(|| format!("in the otherwise list of theme {:?}", t.id))?;
        }
        // [theme id, pattern] lists of [form]: each pattern with the index of its theme (`shape`
        // writes the pattern out); a theme themes.toml does not define is an error when `strict`.
        let themed = |list: &[(String, String)], table: &str, what: &str, shape: &dyn Fn(&str) -> String| -> Result<Vec<(usize, Pattern)>> {
            let mut out = Vec::new();
            for (id, p) in list {
                let Some(i) = ids.iter().position(|t| t == id) else {
                    if strict {
                        bail!("[{table}] {what} name theme {id:?}, which themes.toml does not define");
                    }
                    continue;
                };
                out.push((i, Pattern::new(&shape(p), check).with_context(|| format!("in [{table}] {what} of {id:?}"))?));
            }
            Ok(out)
        };
        let shortfall = match file.form.shortfall {
            Some(e) => {
                let words = |list: &[String], what: &str| alternation(list, check).and_then(|p| p.ok_or_else(|| anyhow!("is empty"))).with_context(|| format!("in [form.shortfall] {what}"));
                if !(e.below > 0.0 && e.below <= 1.0) {
                    bail!("[form.shortfall] below must be a share above 0 and at most 1, not {}", e.below);
                }
                let objects = themed(&e.objects, "form.shortfall", "objects", &|p| p.to_string())?;
                // The rate's name, then within a few words (为, 仅为, 只有, 达到) its value.
                let rates = themed(&e.rates, "form.shortfall", "rates", &|p| format!("(?:{p})[^，。；\\d%]{{0,6}}{}", share_pattern("rate")))?;
                let improved = alternation(&e.improved, check).context("in [form.shortfall] improved")?;
                let savings = alternation(&e.savings, check).context("in [form.shortfall] savings")?;
                let planned = words(&e.planned, "planned")?;
                // The same planned words, then 的 and a percentage.
                let share = Pattern::new(&format!("(?:{})[^，。；]{{0,8}}的(?:不到|不足|约|近)?{}", planned.source, share_pattern("share")), check).context("in [form.shortfall] planned")?;
                let spent = match alternation(&e.spent, check).context("in [form.shortfall] spent")? {
                    Some(verbs) => Some(Pattern::new(&format!("(?:仅|只)有?(?:{})了?(?:约|近|不到|不足)?{}", verbs.source, share_pattern("spent")), check).context("in [form.shortfall] spent")?),
                    None => None,
                };
                Some(Shortfall { planned, share, actual: words(&e.actual, "actual")?, below: e.below, savings, objects, rates, improved, spent })
            }
            None => None,
        };
        let controlled = match &file.form.controlled {
            Some(e) => themed(&e.objects, "form.controlled", "objects", &|p| p.to_string())?,
            None => Vec::new(),
        };
        self.form = Form {
            scope: alternation(&file.form.scope, check).context("in [form] scope")?,
            amount: alternation(&file.form.amount, check).context("in [form] amount")?,
            shortfall,
            controlled,
        };
        Ok(self)
    }

    /// The themes a statement was found to state, when it was tagged before with these themes.
    pub fn tagged(&self, statement: &str) -> Option<Vec<ThemeId>> {
        self.tagged.lock().ok()?.get(statement).cloned()
    }

    /// Remembers the themes a statement states (see `tagged`).
    pub fn remember_tagged(&self, statement: &str, themes: &[ThemeId]) {
        if let Ok(mut memo) = self.tagged.lock() {
            if memo.len() >= TAGGED_MAX {
                memo.clear();
            }
            memo.insert(statement.to_string(), themes.to_vec());
        }
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

    /// The theme of this id.
    pub fn get(&self, id: &str) -> Option<&Theme> {
        self.list.iter().find(|t| t.id.0 == id)
    }

    /// The theme a user names: its id, its label (or a part of the label of one theme only), one
    /// of its typed queries ("采购执行率低"), or text only its phrasings recognise. Otherwise an
    /// error that suggests the nearest themes by shared characters and lists the ids.
    pub fn resolve(&self, typed: &str) -> Result<&Theme> {
        let t = typed.trim();
        if let Some(theme) = self.get(t) {
            return Ok(theme);
        }
        let squeezed = crate::text::squeeze(t);
        fn one(found: Vec<&Theme>) -> Option<&Theme> {
            if found.len() == 1 {
                Some(found[0])
            } else {
                None
            }
        }
        let by_label = one(self.list.iter().filter(|th| th.label == t || (squeezed.chars().count() >= 2 && th.label.contains(squeezed.as_str()))).collect());
        let by_query = || one(self.list.iter().filter(|th| th.queries.iter().any(|q| crate::text::squeeze(q) == squeezed)).collect());
        let by_pattern = || one(self.list.iter().filter(|th| th.patterns.iter().any(|p| p.may_match(&squeezed) && p.is_match(&squeezed))).collect());
        if let Some(theme) = by_label.or_else(by_query).or_else(by_pattern) {
            return Ok(theme);
        }
        // The nearest by characters shared with the label and the typed queries.
        let chars: std::collections::BTreeSet<char> = squeezed.chars().filter(|c| !c.is_ascii_punctuation()).collect();
        let mut near: Vec<(usize, &Theme)> = self
            .list
            .iter()
            .map(|th| {
                let words: std::collections::BTreeSet<char> = th.label.chars().chain(th.queries.iter().flat_map(|q| q.chars())).chain(th.id.0.chars()).collect();
                (chars.intersection(&words).count(), th)
            })
            .filter(|(n, _)| *n >= 2)
            .collect();
        near.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.0.cmp(&b.1.id.0)));
        let ids: Vec<_> = self.list.iter().map(|t| t.id.0.as_str()).collect();
        if near.is_empty() {
            bail!("unknown theme {t:?}; the themes are: {} (labels: `jixiao problems`)", ids.join(", "));
        }
        let suggestions: Vec<String> = near.iter().take(3).map(|(_, th)| format!("{} ({})", th.id.0, th.label)).collect();
        bail!("unknown theme {t:?}; did you mean {}? The themes are: {}", suggestions.join(" or "), ids.join(", "))
    }

    /// The theme `id`, or an error that lists the themes there are.
    pub fn require(&self, id: &str) -> Result<&Theme> {
        self.get(id).ok_or_else(|| {
            let ids: Vec<_> = self.list.iter().map(|t| t.id.0.as_str()).collect();
            anyhow!("unknown theme {id:?}; the themes are: {}", ids.join(", "))
        })
    }
}
