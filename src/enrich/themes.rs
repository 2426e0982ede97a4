//! Problem-theme tagging: which weaknesses of the taxonomy (schema/themes.toml) a problem statement
//! names.
//!
//! Three layers, all from the schema: whole-statement patterns (precise phrasings); a theme's topic
//! terms meeting a shared deficiency cue (不到位, 有待, 偏低, 未…) inside one clause; and phrases that
//! are a problem by themselves (趴在账上). Measures (加强…) and review questions (是否…) are not
//! findings; clauses that say a problem was resolved or absent (未发现, 得到改善) tag nothing.
//!
//! Only problem text is tagged (category problems, deductions included). A theme matches by its
//! phrasing patterns on the heading and text, or by an indicator name: a problem item headed
//! "政府采购执行率", or the "存在问题" paragraph under such an indicator, carries that indicator's theme.

use super::statements::{self, LEADING_MARKER};
use crate::schema::{Theme, Themes};
use crate::model::{Category, Section, SectionKind, Statement, ThemeId};
use crate::text::squeeze;
use regex::Regex;
use std::sync::LazyLock;

/// Lead-ins ("主要存在以下问题：") and headings that introduce problems ("（一）绩效管理方面存在的
/// 问题") rather than state one.
pub static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[:：]$|以下(几个方面|问题|不足)|如下(问题|不足)|方面(存在的?|的)?(问题|不足)$|存在的?(问题|不足)(及|和|与)?(原因|原因分析|改进|整改|措施|建议)*$")
        .expect("lead-in pattern")
});

/// A heading that is nothing but the genre's announcement of the findings ("四、绩效自评发现的主要
/// 问题", "主要问题及原因分析", "2023年度部门整体支出绩效评价中发现的问题"): all generic words, from
/// the start, so that "未及时整改巡察发现的问题" (a finding) is not one.
static ANNOUNCES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{4}年度?)?(?:部门|单位|项目)?(?:整体)?(?:支出)?(?:绩效)?(?:自评|评价|自我评价|检查|监控|审计|管理)?(?:工作)?(?:中|过程中)?(?:发现|反映|查找|查摆|梳理|暴露|存在)?(?:出)?的?(?:主要|突出|具体)?(?:问题|不足)(?:及|和|与)?(?:其)?(?:原因|原因分析|改进|整改|措施|建议|意见|方向)*$",
    )
    .expect("announcement pattern")
});

/// True for a lead-in or a heading that announces problems: one ending in "：", a short one without
/// a list ending in "…方面存在的问题" (a list "A、B等方面存在问题" names them), or one of generic
/// words only (`ANNOUNCES`).
pub fn is_lead_in(squeezed: &str) -> bool {
    let bare = LEADING_MARKER.replace(squeezed, "");
    let bare = bare.trim_end_matches(['。', '.']);
    bare.ends_with('：') || bare.ends_with(':') || (LEAD_IN.is_match(bare) && !bare.contains('、') && bare.chars().count() <= 24) || ANNOUNCES.is_match(bare)
}

/// A quoted phrase: what a target or a rule says, cited, not what the report claims.
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"“[^”]{0,40}”|"[^"]{0,40}"|「[^」]{0,40}」|‘[^’]{0,40}’"#).expect("quote pattern"));

/// True when a clause says a problem was fixed, not found, or is fine. A quoted phrase is cited,
/// not claimed: "指标只写了“服务质量有所提高”" says nothing improved.
pub fn says_resolved(clause: &str, themes: &Themes) -> bool {
    let Some(r) = themes.cues.resolved.as_ref() else { return false };
    r.is_match(clause) && (!QUOTED.is_match(clause) || r.is_match(&QUOTED.replace_all(clause, "“”")))
}

static LIST_OF_PROBLEMS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(问题|现象|情况)$").expect("list pattern"));

/// Clause boundaries: a topic and its cue must meet inside one clause. A comma between digits
/// groups thousands ("1,860万元") and ends nothing.
fn clauses(s: &str) -> impl Iterator<Item = &str> {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut pieces = Vec::new();
    for (i, c) in s.char_indices() {
        let thousands = c == ',' && i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if matches!(c, '，' | ',' | '。' | '；' | ';' | '：' | ':' | '！' | '？' | '!' | '?') && !thousands {
            pieces.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    pieces.push(&s[start..]);
    pieces.into_iter().filter(|c| !c.is_empty())
}

/// One clause split into its list items, with what every theme asks of it computed once.
struct Clause<'a> {
    /// The items of "A、B、C等问题", empty ones dropped.
    items: Vec<&'a str>,
    /// The items joined again (the clause without empty items).
    joined: String,
    /// Which items carry a shared deficiency cue, found when first asked.
    deficient: Vec<std::cell::OnceCell<bool>>,
    cue: Option<&'a crate::schema::Pattern>,
    /// Only a list closed by "等问题" (or 现象, 情况) lends its predicate to every item; in "金融、
    /// 计算机等专业人才很少" the predicate is the last item's own.
    shared: bool,
}

impl<'a> Clause<'a> {
    fn new(clause: &'a str, themes: &'a Themes) -> Clause<'a> {
        let items: Vec<&str> = clause.split('、').filter(|c| !c.is_empty()).collect();
        let shared = items.len() > 1 && LIST_OF_PROBLEMS.is_match(clause);
        let deficient = vec![std::cell::OnceCell::new(); items.len()];
        Clause { joined: items.join("、"), items, deficient, cue: themes.cues.deficiency.as_ref(), shared }
    }

    fn deficient(&self, i: usize) -> bool {
        *self.deficient[i].get_or_init(|| self.cue.is_some_and(|d| d.is_match(self.items[i])))
    }
}

/// Does `theme` name a problem in this clause? A clause "A、B、C等问题" is a list whose closing item
/// carries the predicate of all: a topic in any item counts with a cue in its own item or the last.
/// Items of a list that carry a neighbouring theme's wording (`exclude`) are left out for the theme.
/// The answer is how it does: the layer, and the words that matched when `words` asks for them
/// (finding where a match starts costs a second scan, which tagging a report does not need).
fn clause_names(theme: &Theme, clause: &Clause, form: bool, words: bool) -> Option<Why> {
    let excluded = |i: usize| theme.exclude.as_ref().is_some_and(|x| x.is_match(clause.items[i]));
    // A clause of one item: the theme's own patterns first and its exclude list only where one of
    // them matched (most themes a clause's words make candidates match nowhere in it).
    if clause.items.len() == 1 {
        return names_in(theme, clause, &[0], &clause.joined, form, words).filter(|_| !excluded(0));
    }
    let kept: Vec<usize> = (0..clause.items.len()).filter(|&i| !excluded(i)).collect();
    if kept.is_empty() {
        return None;
    }
    let text = if kept.len() == clause.items.len() {
        std::borrow::Cow::Borrowed(clause.joined.as_str())
    } else {
        std::borrow::Cow::Owned(kept.iter().map(|&i| clause.items[i]).collect::<Vec<_>>().join("、"))
    };
    names_in(theme, clause, &kept, &text, form, words)
}

/// `clause_names` over the items `kept` (joined again as `text`).
fn names_in(theme: &Theme, clause: &Clause, kept: &[usize], text: &str, form: bool, words: bool) -> Option<Why> {
    let found_in = |layer: Layer, p: &crate::schema::Pattern, text: &str| {
        if words {
            p.regex().find(text).map(|m| Why { layer, words: m.as_str().to_string() })
        } else {
            p.is_match(text).then(|| Why { layer, words: String::new() })
        }
    };
    let whole = |layer: Layer, p: &crate::schema::Pattern| found_in(layer, p, text);
    let found = theme
        .problems
        .as_ref()
        .and_then(|p| whole(Layer::Problem, p))
        .or_else(|| theme.terms.as_ref().and_then(|p| whole(Layer::Term, p)))
        .or_else(|| theme.patterns.iter().find_map(|p| whole(Layer::Pattern, p)))
        .or_else(|| if form { theme.actions.as_ref().and_then(|p| whole(Layer::Action, p)) } else { None });
    if found.is_some() {
        return found;
    }
    if let Some(topics) = &theme.topics {
        let item = kept.iter().find_map(|&i| found_in(Layer::Topic, topics, clause.items[i]).filter(|_| clause.shared || clause.deficient(i)));
        if item.is_some() {
            return item;
        }
    }
    theme.pairs.iter().find_map(|(topic, cue)| {
        kept.iter().find_map(|&i| {
            let (t, c) = (found_in(Layer::Pair, topic, clause.items[i])?, found_in(Layer::Pair, cue, clause.items[i])?);
            Some(Why { layer: Layer::Pair, words: if words { format!("{} + {}", t.words, c.words) } else { String::new() } })
        })
    })
}

/// Which layer of the tagger found a theme (`explain`); serialized by its `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// A phrase that is a problem by itself (`problems`).
    Problem,
    /// A term of the references in findings.toml.
    Term,
    /// A whole-statement phrasing pattern.
    Pattern,
    /// An action in the form of a finding (a count of units, a scope word, an amount).
    Action,
    /// A topic term with a shared deficiency cue.
    Topic,
    /// A topic term with its own cue.
    Pair,
    /// A shortfall written as figures, or as a share of its plan: its object's theme.
    Shortfall,
    /// A failed control in a statement that names no other theme (findings.toml `otherwise`).
    Otherwise,
    /// The nearest examples of examples.toml, for a statement the rules place nowhere.
    Model,
}

impl Layer {
    /// Its name as output shows it (the same as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Layer::Problem => "problem",
            Layer::Term => "term",
            Layer::Pattern => "pattern",
            Layer::Action => "action",
            Layer::Topic => "topic",
            Layer::Pair => "pair",
            Layer::Shortfall => "shortfall",
            Layer::Otherwise => "otherwise",
            Layer::Model => "model",
        }
    }
}

impl serde::Serialize for Layer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// How a theme was found in a statement: the layer and the words it matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Why {
    /// The layer that found it.
    pub layer: Layer,
    /// The words it matched ("topic + cue" for a pair; empty for a shortfall in figures and the models).
    pub words: String,
}

/// True when a statement is an improvement measure ("加强…", "建议…") or a review question
/// ("是否存在…"), not a finding.
pub fn is_measure_or_question(statement: &str, themes: &Themes) -> bool {
    squeezed_is_measure_or_question(&squeeze(statement), themes)
}

/// True when a statement is a review question ("是否存在…").
pub fn is_question(statement: &str, themes: &Themes) -> bool {
    themes.cues.question.as_ref().is_some_and(|q| q.is_match(&squeeze(statement)))
}

/// `is_measure_or_question` of a statement already squeezed. A scoring rule (评分标准) is read
/// as a question is: it says how a figure is judged, not what it was.
fn squeezed_is_measure_or_question(s: &str, themes: &Themes) -> bool {
    if themes.cues.question.as_ref().is_some_and(|q| q.is_match(s)) || themes.cues.criterion.as_ref().is_some_and(|c| c.is_match(s)) {
        return true;
    }
    let bare = LEADING_MARKER.replace(s, "");
    themes.cues.measure.as_ref().is_some_and(|m| m.is_match(&bare)) && !s.contains("存在")
}

/// The themes one statement names: a whole-statement pattern, or a theme's topic and a deficiency
/// cue meeting in one clause that does not say the problem was resolved or absent.
pub fn statement_themes(statement: &str, themes: &Themes) -> Vec<ThemeId> {
    if let Some(found) = themes.tagged(statement) {
        return found;
    }
    let found: Vec<ThemeId> = tag(statement, themes, false).into_iter().map(|(id, _)| id).collect();
    themes.remember_tagged(statement, &found);
    found
}

/// `statement_themes` with how each theme was found (the first clause that names it).
pub fn explain(statement: &str, themes: &Themes) -> Vec<(ThemeId, Why)> {
    tag(statement, themes, true)
}

/// `explain`, with the matched words only when `words` asks for them.
fn tag(statement: &str, themes: &Themes, words: bool) -> Vec<(ThemeId, Why)> {
    let Some(s) = finding_text(statement, themes) else { return vec![] };
    let all: Vec<&str> = clauses(&s).collect();
    let live: Vec<&str> = all.iter().copied().filter(|c| !says_resolved(c, themes)).collect();
    // A short clause without a topic of its own continues the one before it: "协管员共86人，远超
    // 核定编制数" states one problem over two clauses; so does one that opens with its predicate
    // ("占当年预算的27%"), though it names a topic of its own.
    let mut units: Vec<String> = live.iter().map(|c| c.to_string()).collect();
    for w in live.windows(2) {
        // "在……时，未能……": the main clause after a time clause has a subject of its own.
        let time_clause = w[0].ends_with('时') || w[0].ends_with("期间") || w[0].ends_with("过程中");
        let predicate_only = w[1].chars().count() <= 16 && themes.cues.continues.as_ref().is_some_and(|c| c.is_match(w[1]));
        if !time_clause && (predicate_only || (w[1].chars().count() <= 12 && !names_a_topic(w[1], themes))) {
            units.push(format!("{}{}", w[0], w[1]));
        }
    }
    // A finding by its form: a count of units or a scope word as its subject, or an amount.
    // The marker test takes a bare leading number for one: "3个单位" is tried as written too.
    let form = themes.form.holds(&s) || themes.form.holds(&LEADING_MARKER.replace(&s, ""));
    let units: Vec<(Clause, Vec<bool>)> = units
        .iter()
        .map(|u| {
            let c = Clause::new(u, themes);
            let may = themes.candidates(&c.joined);
            (c, may)
        })
        .collect();
    // The clauses not resolved, read whole by the shortfall form and the models.
    let text = live.join("，");
    // A shortfall written only as figures (a plan, then a smaller outcome) names the theme of its
    // object.
    let short = themes.form.shortfall.as_ref().and_then(|f| f.theme(&text, live.len() == all.len()));
    // What every theme finds in every clause. A topic met by a bare deficiency cue gives way to
    // another theme's phrase in the same clause: in "上年结转资金未编入年初预算" the cue belongs to
    // the phrase (未编入年初预算), and 结转 only says which funds. The items of a list
    // ("A、B、C等问题") each name their own.
    let named: Vec<Vec<Option<Why>>> = units
        .iter()
        .map(|(c, may)| themes.list.iter().enumerate().map(|(i, t)| if may[i] { clause_names(t, c, form, words) } else { None }).collect())
        .collect();
    let phrased = |row: &[Option<Why>], not: usize| row.iter().enumerate().any(|(j, w)| j != not && w.as_ref().is_some_and(|w| matches!(w.layer, Layer::Problem | Layer::Term | Layer::Pattern)));
    let found: Vec<(ThemeId, Why)> = themes
        .list
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let why = if short == Some(i) {
                Some(Why { layer: Layer::Shortfall, words: String::new() })
            } else {
                named.iter().zip(&units).find_map(|(row, (c, _))| row[i].clone().filter(|w| w.layer != Layer::Topic || c.items.len() > 1 || !phrased(row, i)))
            };
            why.map(|w| (t.id.clone(), w))
        })
        .collect();
    if !found.is_empty() {
        return found;
    }
    // The rules name no theme: a statement that still states a shortfall (a deficiency word in a
    // clause not resolved, or a count of units or a scope word as its subject) takes the theme the
    // models learnt from examples.toml suggest, when they take it for a finding at all. Only the
    // clauses not resolved are read ("严禁在……中列支" states no finding), and an amount alone is no
    // sign of a finding here ("比去年减少9.21万元" reports a saving).
    let bare = LEADING_MARKER.replace(&s, "");
    let scoped = themes.form.scope.as_ref().is_some_and(|p| p.is_match(&s) || p.is_match(&bare));
    let shortfall = scoped || live.iter().any(|c| themes.cues.deficiency.as_ref().is_some_and(|d| d.is_match(c)));
    if live.is_empty() {
        return found;
    }
    // Without such a mark the finding model must be surer (`min_finding_unmarked`): "同一人员同时领取
    // 两项补助" names no deficiency word and is still a finding. A statement with a clause saying
    // something is resolved or fine ("已整改…", "基本能够…") takes nothing that way, nor one whose
    // action findings.toml holds neutral alone ("在培训经费中列支会议费" without a scope or amount).
    let neutral_action = || themes.list.iter().any(|t| t.actions.as_ref().is_some_and(|a| a.is_match(&text)));
    let suggested = if shortfall {
        themes.examples.suggest(&text)
    } else if live.len() == all.len() && !neutral_action() {
        themes.examples.suggest_unmarked(&text)
    } else {
        None
    };
    if let Some((i, _)) = suggested {
        return vec![(themes.list[i].id.clone(), Why { layer: Layer::Model, words: String::new() })];
    }
    // A control that failed ("审核把关不严", "未实地核实") is a finding of what it controls: the
    // first object of `[form.controlled]` the statement names decides its theme; where it names
    // none, it is the theme whose `otherwise` entry it matched.
    let mut otherwise: Vec<(ThemeId, Why)> = Vec::new();
    for t in &themes.list {
        let Some(p) = t.otherwise.as_ref() else { continue };
        let Some(m) = live.iter().filter(|c| !t.exclude.as_ref().is_some_and(|x| x.is_match(c))).find_map(|c| p.regex().find(c)) else { continue };
        let id = themes.form.controlled.iter().find(|(_, object)| object.is_match(&text)).map_or(&t.id, |(i, _)| &themes.list[*i].id);
        if !otherwise.iter().any(|(found, _)| found == id) {
            otherwise.push((id.clone(), Why { layer: Layer::Otherwise, words: if words { m.as_str().to_string() } else { String::new() } }));
        }
    }
    otherwise
}

/// True when a statement states a shortfall: it names a theme, or a clause of it carries a
/// deficiency cue, outside measures, review questions, lead-ins and clauses saying a problem was
/// resolved ("该指标得分4分", "完成率100%" and achievements state none).
pub fn states_shortfall(statement: &str, themes: &Themes) -> bool {
    !statement_themes(statement, themes).is_empty() || names_a_deficiency(statement, themes)
}

/// The deficiency half of `states_shortfall`, for a statement whose themes are known to be none.
pub fn names_a_deficiency(statement: &str, themes: &Themes) -> bool {
    let Some(s) = finding_text(statement, themes) else { return false };
    let found = clauses(&s)
        .filter(|c| !says_resolved(c, themes))
        .any(|c| themes.cues.deficiency.as_ref().is_some_and(|d| d.is_match(c)));
    found
}

/// A statement as the tagger reads it (squeezed, simplified), or `None` for a measure, a review
/// question or a lead-in, which state no finding.
fn finding_text(statement: &str, themes: &Themes) -> Option<String> {
    let squeezed = squeeze(statement);
    if squeezed_is_measure_or_question(&squeezed, themes) {
        return None;
    }
    let s = crate::text::simplified(&squeezed);
    (!is_lead_in(&s)).then_some(s)
}

/// True when some theme's topic (or paired topic) occurs in `clause`.
fn names_a_topic(clause: &str, themes: &Themes) -> bool {
    let may = themes.candidates(clause);
    themes.list.iter().zip(may).any(|(t, may)| may && (t.topics.as_ref().is_some_and(|r| r.is_match(clause)) || t.pairs.iter().any(|(topic, _)| topic.is_match(clause))))
}

/// The themes of one problem paragraph: `indicator` is the name of the indicator it belongs to.
pub fn themes_of(title: &str, text: &str, indicator: &str, themes: &Themes) -> Vec<ThemeId> {
    paragraph_themes(&statements_of(title, text, themes), indicator, themes)
}

/// The themes of a problem paragraph from its statements (see `statements_of`) and indicator.
fn paragraph_themes(statements: &[Statement], indicator: &str, themes: &Themes) -> Vec<ThemeId> {
    let mut found: Vec<ThemeId> = Vec::new();
    for t in statements.iter().flat_map(|s| &s.themes) {
        if !found.contains(t) {
            found.push(t.clone());
        }
    }
    let indicator = squeeze(indicator);
    if !indicator.is_empty() {
        for t in themes.list.iter().filter(|t| t.indicators.iter().any(|p| p.is_match(&indicator))) {
            if !found.contains(&t.id) {
                found.push(t.id.clone());
            }
        }
    }
    order(&mut found, themes);
    found
}

/// Taxonomy order, so that output is the same whichever statement found a theme first.
fn order(ids: &mut [ThemeId], themes: &Themes) {
    ids.sort_by_key(|id| themes.list.iter().position(|t| t.id == *id).unwrap_or(usize::MAX));
}

/// The statements of a problem section with their themes and figures: the item's title (when it
/// names a problem, or is the whole item) and every statement of its text.
pub fn statements_of(title: &str, text: &str, themes: &Themes) -> Vec<Statement> {
    let mut out = Vec::new();
    let title_themes = statement_themes(title, themes);
    // The title is a statement when it names a problem, or when it is all the item says.
    let whole_item = text.trim().is_empty() && !is_lead_in(&squeeze(title));
    if !title.trim().is_empty() && (!title_themes.is_empty() || whole_item) {
        out.push(Statement { text: title.trim().to_string(), figures: super::figures::of_statement(title), themes: title_themes });
    }
    for st in statements::split(text) {
        let tags = statement_themes(&st, themes);
        let figures = if tags.is_empty() { vec![] } else { super::figures::of_statement(&st) };
        out.push(Statement { text: st, themes: tags, figures });
    }
    out
}

/// One input of `jixiao classify`: its id (given, or the line number) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifyInput {
    /// The line number, or the `id` a JSON line gives.
    pub id: String,
    /// The statement.
    pub text: String,
}

/// One statement of a classified input.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Classified {
    /// The input's id and the statement's number in it: "12.1".
    pub id: String,
    /// The input's id: its line number, or the "id" of a JSON Lines object.
    pub input_id: String,
    /// The whole input the statement was cut from.
    pub input: String,
    /// The statement as given.
    pub text: String,
    /// The themes it states.
    pub themes: Vec<ThemeId>,
    /// How each theme was found, in the order of `themes`.
    pub why: Vec<Why>,
    /// The figures it states.
    pub figures: Vec<String>,
    /// An improvement measure ("加强…", "建议…") rather than a finding.
    pub measure: bool,
    /// A review question ("是否按规定…？") rather than a finding.
    pub question: bool,
}

/// Reads `classify` input: JSON Lines (objects with "text", optionally "id") when every non-empty
/// line is a JSON object, else one statement per line.
pub fn classify_input(text: &str) -> anyhow::Result<Vec<ClassifyInput>> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let json = !lines.is_empty() && lines.iter().all(|(_, l)| l.starts_with('{'));
    lines
        .into_iter()
        .map(|(n, l)| {
            if !json {
                return Ok(ClassifyInput { id: n.to_string(), text: l.to_string() });
            }
            let v: serde_json::Value = serde_json::from_str(l).map_err(|e| anyhow::anyhow!("line {n}: not valid JSON ({e})"))?;
            let text = v.get("text").and_then(|t| t.as_str()).ok_or_else(|| anyhow::anyhow!("line {n}: the object has no \"text\" string"))?;
            let id = match v.get("id") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(x)) => x.to_string(),
                _ => n.to_string(),
            };
            Ok(ClassifyInput { id, text: text.to_string() })
        })
        .collect()
}

/// Splits each input into statements and tags them.
pub fn classify(inputs: &[ClassifyInput], themes: &Themes) -> Vec<Classified> {
    let mut out = Vec::new();
    for inp in inputs {
        for (k, st) in statements::split(&inp.text).into_iter().enumerate() {
            let question = is_question(&st, themes);
            let measure = !question && is_measure_or_question(&st, themes);
            let (tags, why): (Vec<ThemeId>, Vec<Why>) = explain(&st, themes).into_iter().unzip();
            let figures = if tags.is_empty() { vec![] } else { super::figures::of_statement(&st) };
            out.push(Classified { id: format!("{}.{}", inp.id, k + 1), input_id: inp.id.clone(), input: inp.text.clone(), text: st, themes: tags, why, figures, measure, question });
        }
    }
    out
}

/// Tags every problem section of a report in place; other sections get no themes or statements.
pub fn tag_sections(sections: &mut [Section], themes: &Themes) {
    for i in 0..sections.len() {
        if sections[i].category != Category::Problems {
            sections[i].themes.clear();
            sections[i].statements.clear();
            continue;
        }
        let s = &sections[i];
        let title = s.bare_title();
        let indicator = match (s.kind, s.parent) {
            (SectionKind::Labeled, Some(p)) => sections[p as usize].bare_title(),
            (SectionKind::Heading, _) => title.clone(),
            _ => String::new(),
        };
        let own_title = if s.kind == SectionKind::Labeled { String::new() } else { title };
        let statements = statements_of(&own_title, &s.text, themes);
        let tags = paragraph_themes(&statements, &indicator, themes);
        sections[i].themes = tags;
        sections[i].statements = statements;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Domain;

    fn ids(title: &str, text: &str, indicator: &str) -> Vec<String> {
        let d = Domain::builtin().unwrap();
        themes_of(title, text, indicator, &d.themes).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn themes_are_found_by_phrasing_not_one_keyword() {
        assert_eq!(ids("", "我局政府采购执行率偏低，采购执行率仅 31.2%。", ""), vec!["procurement_low"]);
        assert_eq!(ids("", "项目资金预算不够完整，上级安排的部分资金未列入预算。", ""), vec!["budget_prep_inaccurate"]);
        assert_eq!(ids("专业人才紧缺", "乡镇卫生院进人难、留人难。", ""), vec!["talent_shortage"]);
        assert_eq!(ids("", "各单位信息系统尚未实现互联互通，数据难以共享。", ""), vec!["it_weak"]);
        assert_eq!(ids("", "因库款保障不足，项目资金不能及时拨付。", ""), vec!["fund_late"]);
        assert_eq!(ids("资金拨付不及时", "上级补助资金下达较晚，部分工程款拨付滞后。", ""), vec!["fund_late"]);
        assert_eq!(ids("", "两座山塘整治工程因汛期停工，年底未能完工。", ""), vec!["project_delay"]);
        assert_eq!(ids("", "上半年项目支出进度缓慢，年末集中支付。", ""), vec!["budget_exec_low"]);
    }

    #[test]
    fn headings_that_announce_findings_name_no_theme() {
        let d = Domain::builtin().unwrap();
        for heading in ["四、绩效自评发现的主要问题", "主要问题及原因分析", "（三）2023年度部门整体支出绩效评价中发现的问题", "存在的主要问题和改进措施"] {
            assert!(statement_themes(heading, &d.themes).is_empty(), "{heading}");
            assert!(statements_of(heading, "", &d.themes).is_empty(), "{heading}");
        }
        // A finding that ends in "发现的问题" is still one.
        assert!(!statement_themes("巡察发现的问题整改不到位，整改台账未建立", &d.themes).is_empty());
    }

    #[test]
    fn common_variants_of_wording() {
        for (text, theme) in [
            ("部分项目预算执行进度偏慢。", "budget_exec_low"),
            ("基层站所人手不足。", "talent_shortage"),
            ("业务信息系统建设滞后。", "it_weak"),
            ("内部控制不健全，审批流程不规范。", "rules_weak"),
            ("年末结余资金较多。", "carryover_high"),
            ("公务接待费超支。", "three_public_over"),
            ("满意度调查未开展。", "satisfaction_no_survey"),
            ("政府采购计划执行不到位。", "procurement_low"),
        ] {
            assert!(ids("", text, "").contains(&theme.to_string()), "{text}: {:?}", ids("", text, ""));
        }
    }

    #[test]
    fn positive_wording_is_not_a_problem() {
        assert!(ids("", "预算编制科学合理，政府采购执行率为 99.58%，制度健全。", "").is_empty());
        assert!(ids("", "加强信息化建设，实现数据共享。", "").is_empty());
    }

    #[test]
    fn indicator_names_carry_their_theme() {
        assert_eq!(ids("", "全年执行率与目标值存在差距。", "预算执行率"), vec!["budget_exec_low"]);
        assert_eq!(ids("", "比率＞10%。本指标自评得分为0分。", "预算调整率"), vec!["budget_prep_inaccurate"]);
        assert_eq!(ids("", "部分信访人要求过高。", "公众或服务对象满意度"), vec!["satisfaction_no_survey"]);
    }

    fn one(statement: &str) -> Vec<String> {
        let d = Domain::builtin().unwrap();
        statement_themes(statement, &d.themes).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn a_topic_and_a_deficiency_cue_meet_in_one_clause() {
        // Wording written for this test, not taken from any report.
        assert_eq!(one("往年结余的专项经费一直挂在单位账上，盘活消化不到位。"), vec!["carryover_high"]);
        assert_eq!(one("年初编制预算时测算依据不足，部分项目预算与实际支出脱节。"), vec!["budget_prep_inaccurate"]);
        assert_eq!(one("三个乡镇的污水管网工程工期一再推迟。"), vec!["project_delay"]);
        assert_eq!(one("下属单位的绩效指标设置仍较笼统，难以衡量。"), vec!["target_not_quantified"]);
        assert_eq!(one("局里专业技术人员紧缺，一人身兼数职。"), vec!["talent_shortage"]);
        // The topic in one clause and a cue in another do not meet.
        assert!(one("全年预算执行率为97.2%，较上年提高，整体工作仍有不足。").is_empty());
    }

    #[test]
    fn a_closing_list_of_problems_lends_its_predicate_to_every_item() {
        let got = one("检查发现项目推进、预算执行率、绩效目标设置等环节均存在问题。");
        for t in ["budget_exec_low", "target_not_quantified"] {
            assert!(got.contains(&t.to_string()), "{got:?}");
        }
        // "等专业人才很少" is the last item's own predicate, not the list's.
        assert_eq!(one("财会、计算机、工程造价等专业人才很少。"), vec!["talent_shortage"]);
    }

    #[test]
    fn measures_questions_and_resolved_problems_are_not_findings() {
        assert!(one("进一步加强预算编制管理，提高预算精准度。").is_empty());
        assert!(one("建议尽快拨付剩余资金。").is_empty());
        assert!(one("重点检查是否存在项目资金闲置、支出进度缓慢等问题。").is_empty());
        assert!(one("上年指出的资产账实不符问题已全部整改。").is_empty());
        assert!(one("检查中未发现超标准配置资产的情况。").is_empty());
        // "还需进一步" is a shortfall, not a measure.
        assert_eq!(one("部门绩效目标的细化量化还需进一步完善。"), vec!["target_not_quantified"]);
    }

    #[test]
    fn openers_shared_by_measures_and_findings_are_read_whole() {
        // 全面预算, 规范化 and a rule cited before what went wrong open findings.
        assert!(one("全面预算绩效管理推进缓慢，部分项目仍未设置绩效目标。").contains(&"target_not_quantified".to_string()));
        assert_eq!(one("按照合同第三期款项本应在验收后支付，实际拖后五个月才支付。"), ["fund_late"]);
        // The same openers with a directive after them stay measures.
        assert!(one("按照市局部署，进一步加强专项资金监管。").is_empty());
        assert!(one("全面加强项目全过程预算绩效管理。").is_empty());
        assert!(one("规范资金拨付审批流程。").is_empty());
    }

    #[test]
    fn a_shortfall_written_as_figures_takes_its_objects_theme() {
        assert_eq!(one("全年计划采购金额540万元，实际采购金额130万元。"), ["procurement_low"]);
        assert_eq!(one("上级下达补助资金2,400万元，当年支出900万元。"), ["budget_exec_low"]);
        assert_eq!(one("年度批复建设项目14个，年末完成5个。"), ["project_delay"]);
        // An outcome close to its plan, a different kind of figure, or a saving on spending meant
        // to stay low is no shortfall.
        assert!(one("年初预算资金300万元，实际支出291万元。").is_empty());
        assert!(one("计划培训人员800人，实际支出培训经费12万元。").is_empty());
        assert!(one("公务接待费预算6万元，实际支出2.5万元。").is_empty());
        // The plan named last before the outcome is the one it is set against.
        assert!(one("批复预算总额1,000万元，其中设备购置预算100万元，实际支出设备购置费96万元。").is_empty());
    }

    #[test]
    fn an_outcome_given_as_a_share_of_its_plan_falls_short_below_the_line() {
        assert_eq!(one("截至年底，实际完成施工工程量只有全年计划的38%。"), ["project_delay"]);
        assert_eq!(one("当年实际支出仅为可支配资金计划的52%。"), ["budget_exec_low"]);
        // Near its plan, with no outcome named before it, or a revenue's forecast: no shortfall by
        // this form (other rules may read them).
        let d = Domain::builtin().unwrap();
        let form = d.themes.form.shortfall.as_ref().unwrap();
        for text in ["实际完成工程量为年度计划的93%", "设备购置费占年初预算的40%", "非税收入实际入库数为年初预算的61%"] {
            assert_eq!(form.theme(text, true), None, "{text}");
        }
    }

    #[test]
    fn a_share_written_in_words_or_bare_after_only_is_a_shortfall() {
        assert_eq!(one("专项资金当年只使用了三成。"), ["budget_exec_low"]);
        assert_eq!(one("下达的奖补资金仅支出了预算的三分之一。"), ["budget_exec_low"]);
        assert_eq!(one("市级配套资金仅到位计划的一半。"), ["fund_late"]);
        assert_eq!(one("本年度政府采购执行率不到六成。"), ["procurement_low"]);
        assert_eq!(one("计划举办农技培训12期，只举办了5期。"), ["project_delay"]);
        // At or above the line, in words or in figures, is no shortfall by this form.
        let d = Domain::builtin().unwrap();
        let form = d.themes.form.shortfall.as_ref().unwrap();
        for text in ["专项资金当年只使用了九成", "实际支出为年度预算的十分之九", "政府采购执行率为八成", "计划举办培训12期，实际举办11期"] {
            assert_eq!(form.theme(text, true), None, "{text}");
        }
    }

    #[test]
    fn a_verb_of_knowing_before_shifou_states_a_finding_not_a_checklist_question() {
        let d = Domain::builtin().unwrap();
        assert!(is_question("是否存在超范围列支的情况", &d.themes));
        assert!(!is_question("指标没有写明计量单位，无法判断是否达标", &d.themes));
        assert_eq!(one("部分指标没有写明计量单位，无法判断是否达标。"), ["target_not_quantified"]);
    }

    #[test]
    fn findings_by_their_form_new_in_this_round() {
        // A figure copied from last year; M of N tasks undone.
        assert_eq!(one("服务对象满意度直接沿用了上年的数据。"), ["satisfaction_no_survey"]);
        assert_eq!(one("年初确定的9项重点工作中有4项没有完成。"), ["project_delay"]);
        // A project's money paying the unit's running costs; money received only after a wait;
        // money left over and kept in an account; staff hired besides those in the quota.
        assert_eq!(one("在禁毒专项经费中列支单位车辆维修费。"), ["overspend_scope"]);
        assert_eq!(one("养殖户申请的补助要等到第二年年底才能拿到。"), ["fund_late"]);
        assert_eq!(one("工程已完工，剩余资金30万元仍留在乡镇账户。"), ["carryover_high"]);
        assert_eq!(one("中心在编职工15人，另有临聘人员22人。"), ["offbook_staff"]);
        // Something bought and left in a store room; a use rate that is low.
        assert_eq!(one("采购的便携式检测仪大多锁在库房里。"), ["idle_project"]);
        assert_eq!(one("新建的农机服务中心机具利用率很低。"), ["idle_project"]);
        // The words of asset-use efficiency for a facility that runs without serving.
        assert_eq!(one("村级养老服务站建成后人员没有进驻。"), ["idle_project"]);
        assert!(one("村级养老服务站运转正常。").is_empty());
        // The same words where nothing is wrong.
        assert!(one("服务对象满意度调查由第三方开展。").is_empty());
        assert!(one("年初确定的9项重点工作全部完成。").is_empty());
        assert!(one("中心在编职工15人。").is_empty());
    }

    #[test]
    fn an_inspectors_lead_in_gives_a_neutral_action_the_form_of_a_finding() {
        assert_eq!(one("检查发现，该中心在专项业务经费中列支干部疗养费。"), ["overspend_scope"]);
        assert_eq!(one("巡察反馈指出：在扶贫项目资金中列支办公家具购置费。"), ["overspend_scope"]);
        assert_eq!(one("从审计情况看，个别学校在专项业务经费中列支干部疗养费。"), ["overspend_scope"]);
        // The same action without a lead-in, a scope or an amount states none.
        assert!(one("该中心在专项业务经费中列支干部疗养费。").is_empty());
    }

    #[test]
    fn a_figure_lower_than_its_benchmark_by_points_is_a_shortfall() {
        assert_eq!(one("全年预算执行率为61.2%，较考核目标低18个百分点。"), ["budget_exec_low"]);
        // Less than last year is a saving, not a shortfall.
        assert!(one("年末结转资金规模较上年减少42%。").is_empty());
    }

    #[test]
    fn a_rate_of_the_common_indicators_below_the_line_is_a_shortfall() {
        assert_eq!(one("本年度政府采购完成率为52.6%。"), ["procurement_low"]);
        assert_eq!(one("部门预算执行率71%，年末结转资金较上年增加。"), ["budget_exec_low"]);
        assert_eq!(one("县级配套资金到位率为45%。"), ["fund_late"]);
        // At or above the line, or a low rate that rose, states no shortfall.
        assert!(one("全年预算执行率为93.5%。").is_empty());
        assert!(one("政府采购执行率为66%，较上年同期提高了19个百分点。").is_empty());
    }

    #[test]
    fn a_rate_that_fell_is_a_shortfall_and_spending_below_budget_is_not() {
        assert_eq!(one("单位整体预算执行率为83.1%，较上年下降6个百分点。"), ["budget_exec_low"]);
        assert!(one("会议费决算数2.1万元，比预算数减少0.6万元。").is_empty());
        assert!(one("固定资产账实相符，清查盘点无差异。").is_empty());
    }

    #[test]
    fn a_statement_tagged_again_states_what_the_tagger_finds_and_the_memo_stays_bounded() {
        let d = Domain::builtin().unwrap();
        let t = &d.themes;
        for s in ["采购预算执行率仅为41%，资金拨付不及时。", "全年完成培训12期。", "部分设备因无人操作而闲置。"] {
            let fresh: Vec<ThemeId> = tag(s, t, false).into_iter().map(|(id, _)| id).collect();
            assert_eq!(t.tagged(s), None);
            assert_eq!(statement_themes(s, t), fresh);
            assert_eq!(t.tagged(s).as_ref(), Some(&fresh));
            assert_eq!(statement_themes(s, t), fresh);
        }
        for n in 0..50_001 {
            t.remember_tagged(&format!("第{n}条"), &[]);
        }
        assert!(t.tagged("第50000条").is_some() && t.tagged("第0条").is_none());
    }

    #[test]
    fn a_topic_gives_way_to_another_themes_phrase_in_its_clause() {
        // 结转 says which funds; the finding is the budget left incomplete.
        assert_eq!(one("以前年度结转资金未编入当年部门预算。"), ["budget_prep_inaccurate"]);
        // In a list each item names its own theme.
        let listed = one("存在预算执行率低、结转资金未编入预算、采购程序不规范等问题。");
        assert!(listed.contains(&"budget_exec_low".to_string()), "{listed:?}");
    }

    #[test]
    fn a_failed_control_is_its_objects_finding_and_rules_weak_only_where_it_controls_nothing_named() {
        // Written in our words: a check not made, a follow-up missing, a narrow inspection.
        let why = |s: &str| explain(s, &Domain::builtin().unwrap().themes).into_iter().map(|(id, w)| (id.0, w.layer)).collect::<Vec<_>>();
        assert_eq!(why("社区报送的入户调查表未经实地核实即录入台账。"), [("rules_weak".to_string(), Layer::Otherwise)]);
        assert_eq!(why("对承接养护的企业缺少履约考核，路面破损长期无人修补。"), [("rules_weak".to_string(), Layer::Otherwise)]);
        assert_eq!(why("对乡镇敬老院的督查覆盖面窄，全年只去了三家。"), [("rules_weak".to_string(), Layer::Otherwise)]);
        // The same failed check of a subsidy or a bidder is a subsidy or a procurement finding.
        assert_eq!(one("养殖补贴的申报对象审核不细，部分养殖户存栏数与申报数不符。"), ["subsidy_irregular"]);
        assert!(one("投标单位的资格审查不严，无资质的公司也中了标。").contains(&"procurement_irregular".to_string()));
        // A failed control of something findings.toml's [form.controlled] names takes its theme.
        assert_eq!(why("养老服务补贴拨付前未核实老人的居住情况。"), [("subsidy_irregular".to_string(), Layer::Otherwise)]);
        assert_eq!(one("竣工结算前未审核设计变更的依据。"), ["overpayment"]);
        // A control that was made, or a measure, is no finding; 不 inside a word (不动产) is no negation.
        assert!(one("补贴对象的信息已与不动产登记数据比对。").is_empty());
        assert!(one("严格审核申报材料，确保补贴精准发放。").is_empty());
    }

    #[test]
    fn something_built_or_bought_then_left_unused_is_idle_whatever_it_is() {
        // The form over the whole statement: built or bought ({built}), then unused ({idle}, 无法使用).
        assert_eq!(one("新建的村级篮球场因地面不平一直无法使用。"), ["idle_project"]);
        assert_eq!(one("配发给卫生院的救护担架长期封存在库房。"), ["idle_project"]);
        assert_eq!(one("挂牌成立的便民服务点基本无业务，常处于关门状态。"), ["idle_project"]);
        assert!(one("新建的村级篮球场已投入使用，群众反映良好。").is_empty());
    }

    #[test]
    fn a_quoted_target_is_cited_not_claimed() {
        // "有所提高" inside quotes is the target's wording, not an improvement the report claims.
        assert_eq!(one("效益指标只写了“服务水平有所提高”，无法衡量。"), ["target_not_quantified"]);
        assert_eq!(one("产出指标设置为“覆盖面进一步扩大”。"), ["target_not_quantified"]);
        // A target with a figure is measurable; an improvement claimed outside quotes resolves.
        assert!(one("产出指标设置为“新增绿化面积3000平方米”。").is_empty());
        assert!(!says_resolved("指标只写了“服务水平有所提高”", &Domain::builtin().unwrap().themes));
        assert!(says_resolved("服务水平有所提高", &Domain::builtin().unwrap().themes));
    }

    #[test]
    fn an_audit_paragraph_names_each_of_its_findings() {
        let both = one("某局在专项经费中列支本单位职工福利费6.2万元，且相关支出未取得合规发票，以收据入账。");
        assert_eq!(both, ["overspend_scope", "accounting_irregular"], "{both:?}");
        assert_eq!(one("道路工程未完成竣工验收即支付了全部合同价款。"), ["overpayment"]);
        assert_eq!(one("抽查发现，已故人员仍在领取高龄津贴。"), ["subsidy_irregular"]);
        let staff = one("技术岗位空编率达到30%，近三年有4名专业人员已调离，日常工作主要依靠临时聘用人员完成。");
        assert_eq!(staff, ["talent_shortage", "offbook_staff"], "{staff:?}");
        assert_eq!(one("项目自评报告中的产出数据与验收资料不一致。"), ["performance_eval_weak"]);
    }

    #[test]
    fn what_a_sector_builds_and_leaves_unused_or_unshared_is_named_by_its_measure() {
        assert_eq!(one("农村公益电影放映任务完成率为64%。"), ["project_delay"]);
        assert!(one("全年税收收入计划完成率为76%。").is_empty(), "revenue sets no target to spend");
        assert_eq!(one("新建的人才公寓空置率达到35%。"), ["idle_project"]);
        assert_eq!(one("垃圾焚烧厂投运后日处理量仅达设计能力的四成。"), ["idle_project"]);
        assert_eq!(one("救助对象信息与殡葬、公安部门数据尚未实现共享。"), ["it_weak"]);
        assert_eq!(one("评价结果与下年度预算安排脱节。"), ["performance_eval_weak"]);
        assert!(one("已全部追回多付的设计费并上缴国库。").is_empty());
    }

    #[test]
    fn the_references_name_arrears_inflated_claims_and_payment_on_a_request() {
        assert_eq!(one("村级保洁员报酬未按时发放，拖欠时间长达五个月。"), ["fund_late"]);
        assert_eq!(one("专项经费中有86万元至年底仍未支出。"), ["budget_exec_low"]);
        assert_eq!(one("个别合作社夸大种植规模，多申领奖补资金9万元。"), ["fraudulent_claims"]);
        assert_eq!(one("个别项目仅凭施工单位的付款申请即拨付资金。"), ["rules_weak"]);
        assert_eq!(one("办公设备采购价格高于同期市场价格20%。"), ["procurement_irregular"]);
        // A formula and a result in line with the requirement state no finding.
        assert!(one("结转结余率=结转结余数/全年预算数×100%。").is_empty());
        assert!(one("支出进度符合序时进度要求。").is_empty());
    }

    #[test]
    fn explain_names_the_layer_and_the_words() {
        let d = Domain::builtin().unwrap();
        let why = explain("在职人员与服务人口之比为1:1200，执法力量明显不足。", &d.themes);
        assert_eq!(why.len(), 1, "{why:?}");
        assert_eq!(why[0].0 .0, "talent_shortage");
        assert_eq!(why[0].1.layer, Layer::Pair);
        assert!(why[0].1.words.contains("力量"), "{why:?}");
    }

    #[test]
    fn kept_within_its_budget_is_fine_and_not_kept_within_is_a_finding() {
        assert!(one("公务用车运行费控制在年初预算范围内。").is_empty());
        assert_eq!(one("公务用车运行费未能控制在年初预算范围内。"), ["three_public_over"]);
    }

    #[test]
    fn scoring_rules_of_a_score_table_are_no_findings() {
        for rule in ["政府采购执行率低于95%的，每低3个百分点扣0.5分。", "资金到位率达到100%以上得满分。", "结转率超过15%的不得分。", "预算调整率每超过1个百分点扣1分。"] {
            assert!(one(rule).is_empty(), "{rule}");
        }
        // A deduction stated with its figure is still a finding.
        assert_eq!(one("政府采购执行率仅为62%，扣2分。"), ["procurement_low"]);
    }

    #[test]
    fn audit_problems_outside_the_first_fifteen_themes_have_themes_of_their_own() {
        assert_eq!(one("个别单位将工程拆分为多个小项目，规避公开招标。"), vec!["procurement_irregular"]);
        assert_eq!(one("挪用专项经费用于发放办公楼装修款。"), vec!["misappropriation"]);
        assert_eq!(one("向不符合条件的农户发放种粮补贴。"), vec!["subsidy_irregular"]);
        assert_eq!(one("新建的农贸市场建成两年一直闲置，未发挥效益。"), vec!["idle_project"]);
    }

    #[test]
    fn the_references_vocabulary_needs_no_deficiency_word() {
        // Technical verbs and nouns of audit findings, each a finding by itself (our own wording).
        assert_eq!(one("医保补助资金欠拨320万元。"), ["fund_late"]);
        assert_eq!(one("有两个乡镇坐收坐支罚没收入。"), ["accounting_irregular"]);
        assert_eq!(one("监理费未随工程变更核减。"), ["overpayment"]);
        assert_eq!(one("办公设备未经审批即自行报废。"), ["asset_noncompliant"]);
        // A thousands comma does not end a clause.
        assert_eq!(one("欠拨资金1,280万元。"), ["fund_late"]);
    }

    #[test]
    fn a_clause_that_opens_with_its_predicate_shares_the_subject_before_it() {
        // Our wording: the figure's subject in one clause, what is wrong with it in the next.
        assert_eq!(one("年末结转结余资金达到430万元，占当年预算的31%。"), ["carryover_high"]);
        assert_eq!(one("全年部门预算支出完成率为71.5%，低于市级考核要求的90%。"), ["budget_exec_low"]);
        // A predicate that states no shortfall stays none.
        assert!(one("全年预算执行率为97.2%，较上年提高，整体工作仍有不足。").is_empty());
    }

    #[test]
    fn a_finding_without_a_deficiency_word_is_placed_by_the_models() {
        // Our wording: no 不足/未/缺乏 and no scope, yet a finding; the models place it.
        assert_eq!(one("同一名低保对象同时领取两份性质相同的生活补助。"), ["subsidy_irregular"]);
        // A clause that says the matter was put right keeps the statement from the models.
        assert!(one("截至年底，有关单位已整改涉及专项资金的12个问题。").is_empty());
        // A spending line that fell against last year is a saving.
        assert!(one("公务用车运行维护费比上年减少6.4万元。").is_empty());
    }

    #[test]
    fn an_act_named_as_absent_is_no_finding() {
        assert!(one("无截留、挤占专项资金行为。").is_empty());
        assert!(one("全年无虚报冒领现象。").is_empty());
        // "无法" says something cannot be done: a finding.
        assert_eq!(one("业务系统与财务系统数据无法自动对账。"), ["it_weak"]);
    }

    #[test]
    fn findings_stated_by_their_genre_forms() {
        // Our wording for the forms of findings: spending that never started, a payment late against
        // a contract term, a borrowed identity, a biased tender, a standard exceeded.
        assert_eq!(one("两个项目全年支出为零。"), ["budget_exec_low"]);
        assert_eq!(one("工程尾款支付超过合同约定期限三个月。"), ["fund_late"]);
        assert_eq!(one("冒用村民身份申领救助金。"), ["fraudulent_claims"]);
        assert_eq!(one("招标文件设置带有倾向性的技术参数。"), ["procurement_irregular"]);
        assert_eq!(one("差旅住宿费标准超过规定上限。"), ["overspend_scope"]);
        // A 三公 line over its budget is its own theme, not a general overspend.
        assert_eq!(one("公务接待费实际支出超过年初预算22%。"), ["three_public_over"]);
    }

    #[test]
    fn an_action_is_a_finding_only_in_the_form_of_one() {
        // "在…经费中列支…" alone is a description; with a count of units or an amount, a finding.
        assert!(one("在培训经费中列支会议费。").is_empty());
        assert_eq!(one("3个单位在培训经费中列支会议费。"), ["overspend_scope"]);
        assert_eq!(one("在培训经费中列支会议费5.2万元。"), ["overspend_scope"]);
        // A measure keeps its exemption whatever its form.
        assert!(one("严禁在培训经费中列支会议费5.2万元。").is_empty());
    }

    #[test]
    fn a_shortfall_is_a_theme_or_a_deficiency_outside_measures() {
        let d = Domain::builtin().unwrap();
        for yes in ["政府采购执行率仅为52.7%。", "部分台账登记不及时。"] {
            assert!(states_shortfall(yes, &d.themes), "{yes}");
        }
        for no in ["该指标得分4分。", "全年完成培训1200人次，完成率100%。", "加强预算编制管理。", "上年问题已整改到位。"] {
            assert!(!states_shortfall(no, &d.themes), "{no}");
        }
    }

    #[test]
    fn traditional_characters_are_tagged_like_simplified_ones() {
        assert_eq!(one("政府採購執行率偏低。"), vec!["procurement_low"]);
    }

    #[test]
    fn classify_reads_lines_or_json_lines_and_numbers_statements() {
        let d = Domain::builtin().unwrap();
        let inputs = classify_input("{\"id\":\"f1\",\"text\":\"一是采购计划执行缓慢；二是加强内控。\"}\n").unwrap();
        let rows = classify(&inputs, &d.themes);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "f1.1");
        assert_eq!(rows[0].themes, vec![ThemeId("procurement_low".into())]);
        assert!(rows[1].measure && !rows[1].question && rows[1].themes.is_empty());
        assert_eq!((rows[0].input_id.as_str(), rows[0].input.as_str()), ("f1", "一是采购计划执行缓慢；二是加强内控。"), "the input is its text, beside its id");
        // A review question is a question, not a measure.
        let q = classify(&classify_input("是否按规定开展了政府采购？\n").unwrap(), &d.themes);
        assert!(q[0].question && !q[0].measure, "{q:?}");
        assert_eq!(classify_input("甲\n\n乙\n").unwrap().iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), vec!["1", "3"]);
        assert!(classify_input("{\"txt\": 1}\n").unwrap_err().to_string().contains("line 1"));
    }
}
