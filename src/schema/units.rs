//! Names of reporting units (schema/units.toml): the endings of unit names with the roles each plays,
//! party prefixes, short forms and the cover-field labels that name the unit. The metadata parser
//! (`parse::meta`) and the section layout read them from here, so a user teaches jixiao a unit kind
//! by editing the file.

use super::line_of;
use anyhow::{bail, Result};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitFile {
    suffixes: Vec<Spanned<SuffixEntry>>,
    party_prefixes: Vec<Spanned<String>>,
    short_forms: Vec<Spanned<ShortFormEntry>>,
    cover_labels: Vec<Spanned<String>>,
    #[serde(default)]
    supervisor_labels: Vec<Spanned<String>>,
    #[serde(default)]
    never_inside: Vec<Spanned<String>>,
    #[serde(default)]
    self_references: Vec<Spanned<SelfReferenceEntry>>,
    #[serde(default)]
    renamings: Vec<Spanned<RenamingEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenamingEntry {
    old: String,
    new: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SelfReferenceEntry {
    word: String,
    endings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuffixEntry {
    ending: String,
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShortFormEntry {
    short: String,
    full: String,
}

/// What an ending does (the `roles` of an entry).
const ROLES: [&str; 5] = ["name", "body", "admin", "signature", "alias"];

/// The unit-name lexicon, compiled.
pub struct Units {
    /// A unit's name and nothing more: a party prefix, up to 30 characters, a `name` ending, an
    /// alias in parentheses.
    full_name: Regex,
    /// Endings counted in the body, longest first.
    body: Vec<String>,
    admin: Vec<String>,
    /// A signature line: a `signature` ending, a note in parentheses, "制" or "（盖章）".
    signature: Regex,
    party_prefixes: Vec<String>,
    short_forms: Vec<(String, String)>,
    /// A cover field naming the unit; group 2 is the value.
    cover_field: Regex,
    /// A long label (four characters or more) and its value with only spaces between, as a table
    /// flattened to text writes them ("主管部门 某局 实施单位 某中学").
    cover_field_spaced: Option<Regex>,
    /// Words a unit's name never holds: the clause words of `never_inside` and the cover labels of
    /// four or more characters ("县文联坚持围绕县委", "主管部门某市公安局实施单位…" are no names).
    never_inside: Option<aho_corasick::AhoCorasick>,
    /// How a report names itself ("我厅") and the endings of the names it then stands for.
    self_references: Vec<(String, Vec<String>)>,
    /// Labels of the field naming the supervising department (项目主管部门), longest first.
    supervisor_labels: Vec<String>,
    /// Such a field; group 1 is the value.
    supervisor_field: Option<Regex>,
    /// Endings of units renamed one to one (old, new), longest old first.
    renamings: Vec<(String, String)>,
}

/// An alternation of literal words; a parenthesis of either width matches both.
fn literal_alternation(words: &[String]) -> String {
    words
        .iter()
        .map(|w| regex::escape(w).replace("\\(", "（").replace("\\)", "）").replace('（', "[（(]").replace('）', "[)）]"))
        .collect::<Vec<_>>()
        .join("|")
}

fn is_han_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(crate::text::is_han)
}

impl Units {
    /// Parses units.toml; an entry that cannot serve is refused with its line.
    pub fn parse(text: &str) -> Result<Units> {
        let file: UnitFile = toml::from_str(text)?;
        let (mut name, mut body, mut admin, mut signature, mut alias) = (vec![], vec![], vec![], vec![], vec![]);
        for entry in &file.suffixes {
            let line = line_of(text, entry.span().start);
            let e = entry.get_ref();
            if !is_han_word(&e.ending) {
                bail!("line {line}: the ending {:?} is not a word of Chinese characters", e.ending);
            }
            if e.roles.is_empty() {
                bail!("line {line}: the ending {:?} has no role; give one or more of {}", e.ending, ROLES.join(", "));
            }
            for role in &e.roles {
                let list = match role.as_str() {
                    "name" => &mut name,
                    "body" => &mut body,
                    "admin" => &mut admin,
                    "signature" => &mut signature,
                    "alias" => &mut alias,
                    other => bail!("line {line}: unknown role {other:?} of the ending {:?}; the roles are {}", e.ending, ROLES.join(", ")),
                };
                list.push(e.ending.clone());
            }
        }
        for (what, list) in [("name", &name), ("signature", &signature)] {
            if list.is_empty() {
                bail!("no ending has the role {what:?}: without one no unit can be named");
            }
        }
        let mut party_prefixes = Vec::new();
        for p in &file.party_prefixes {
            if !is_han_word(p.get_ref()) {
                bail!("line {}: the party prefix {:?} is not a word of Chinese characters", line_of(text, p.span().start), p.get_ref());
            }
            party_prefixes.push(p.get_ref().clone());
        }
        let mut short_forms = Vec::new();
        for s in &file.short_forms {
            let e = s.get_ref();
            if !is_han_word(&e.short) || !is_han_word(&e.full) {
                bail!("line {}: a short form and its full ending are words of Chinese characters ({:?} → {:?})", line_of(text, s.span().start), e.short, e.full);
            }
            short_forms.push((e.short.clone(), e.full.clone()));
        }
        let mut labels = Vec::new();
        for l in &file.cover_labels {
            if l.get_ref().trim().is_empty() {
                bail!("line {}: an empty cover label", line_of(text, l.span().start));
            }
            labels.push(l.get_ref().clone());
        }
        if labels.is_empty() {
            bail!("cover_labels is empty: give the labels of the field that names the unit (单位名称…)");
        }
        let mut inside = Vec::new();
        for w in &file.never_inside {
            if !is_han_word(w.get_ref()) {
                bail!("line {}: the word {:?} of never_inside is not a word of Chinese characters", line_of(text, w.span().start), w.get_ref());
            }
            inside.push(w.get_ref().clone());
        }
        inside.extend(labels.iter().filter(|l| l.chars().count() >= 4 && is_han_word(l)).cloned());
        let mut self_references = Vec::new();
        for r in &file.self_references {
            let e = r.get_ref();
            if !is_han_word(&e.word) || e.endings.is_empty() || !e.endings.iter().all(|x| is_han_word(x)) {
                bail!("line {}: a self-reference is a word and the endings of the names it stands for, all Chinese characters ({:?})", line_of(text, r.span().start), e.word);
            }
            self_references.push((e.word.clone(), e.endings.clone()));
        }
        let mut renamings = Vec::new();
        for r in &file.renamings {
            let e = r.get_ref();
            if !is_han_word(&e.old) || !is_han_word(&e.new) || e.old == e.new {
                bail!("line {}: a renaming is an old and a new ending, different words of Chinese characters ({:?} → {:?})", line_of(text, r.span().start), e.old, e.new);
            }
            renamings.push((e.old.clone(), e.new.clone()));
        }
        renamings.sort_by_key(|(old, _)| std::cmp::Reverse(old.chars().count()));
        let mut supervisor_labels = Vec::new();
        for l in &file.supervisor_labels {
            if !is_han_word(l.get_ref()) {
                bail!("line {}: the supervisor label {:?} is not a word of Chinese characters", line_of(text, l.span().start), l.get_ref());
            }
            supervisor_labels.push(l.get_ref().clone());
        }
        supervisor_labels.sort_by_key(|l| std::cmp::Reverse(l.chars().count()));
        let never_inside = if inside.is_empty() { None } else { aho_corasick::AhoCorasick::new(&inside).ok() };
        let compile = |p: &str| Regex::new(p).map_err(|e| anyhow::anyhow!("the lists make a pattern that does not compile: {e}"));
        let alias_part = if alias.is_empty() { String::new() } else { format!(r"(?:[（(][\p{{Han}}]{{2,14}}(?:{})[)）])?", literal_alternation(&alias)) };
        let full_name = compile(&format!(
            r"^(?:{})?[\p{{Han}}]{{1,30}}(?:{}){alias_part}$",
            literal_alternation(&party_prefixes),
            literal_alternation(&name)
        ))?;
        // A seal note (（公章）, （盖章）): after a signature, or between a label and its value.
        let seal = r"[（(]\s*(?:公章|盖章|签章|印章|章)\s*[)）]";
        let signature = compile(&format!(r"({})(（[^）]*）)?(制|{seal})?$", literal_alternation(&signature)))?;
        let cover_field = compile(&format!(
            r"(?:^|[\s|])({})\s*(?:{seal})?\s*[:：|\t]\s*(?:{seal})?\s*([^\s|:：]{{3,40}})",
            literal_alternation(&labels)
        ))?;
        let long: Vec<String> = labels.iter().filter(|l| l.chars().count() >= 4).cloned().collect();
        let cover_field_spaced = if long.is_empty() {
            None
        } else {
            Some(compile(&format!(r"(?:^|[\s|])({})\s+(?:{seal}\s*)?([^\s|:：]{{3,40}})", literal_alternation(&long)))?)
        };
        let supervisor_field = if supervisor_labels.is_empty() {
            None
        } else {
            // The label, a colon (or a bar, a tab) or spaces alone, the value.
            Some(compile(&format!(r"(?:^|[\s|])(?:{})\s*(?:{seal})?(\s*[:：|\t]\s*|\s+)(?:{seal}\s*)?([^\s|:：]{{3,40}})", literal_alternation(&supervisor_labels)))?)
        };
        // Longest first, so that 委员会 wins over 委 where both end a name.
        body.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        Ok(Units { full_name, body, admin, signature, party_prefixes, short_forms, cover_field, cover_field_spaced, never_inside, self_references, renamings, supervisor_labels, supervisor_field })
    }

    /// The endings of the names a text stands for when it calls itself as it most often does
    /// ("我厅" three times: names ending in 厅); none when it never calls itself so.
    pub fn self_reference_endings(&self, text: &str) -> Option<&[String]> {
        self.self_references
            .iter()
            .map(|(word, endings)| (text.matches(word.as_str()).count(), endings))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map(|(_, endings)| endings.as_slice())
    }

    /// True when `s` is a unit's name and nothing more.
    pub fn is_unit_name(&self, s: &str) -> bool {
        self.full_name.is_match(s) && !self.runs_over_a_clause(s)
    }

    /// True when `s` holds a word no unit's name holds: it runs over the clause after a name
    /// ("县文联坚持围绕县委") or over a second cover field ("主管部门…实施单位…").
    pub fn runs_over_a_clause(&self, s: &str) -> bool {
        self.never_inside.as_ref().is_some_and(|a| a.is_match(s))
    }

    /// The longest `body` ending that `s` starts with.
    pub fn body_suffix_at(&self, s: &str) -> Option<&str> {
        self.body.iter().find(|e| s.starts_with(e.as_str())).map(String::as_str)
    }

    /// True when `name` is an administrative department's.
    pub fn is_admin(&self, name: &str) -> bool {
        self.admin.iter().any(|e| name.ends_with(e.as_str()))
    }

    /// True when a (squeezed) line ends like a signature line or an issuer.
    pub fn is_signature(&self, line: &str) -> bool {
        self.signature.is_match(line)
    }

    /// `name` without a leading party prefix.
    pub fn without_party_prefix<'a>(&self, name: &'a str) -> &'a str {
        self.party_prefixes.iter().find_map(|p| name.strip_prefix(p.as_str())).unwrap_or(name)
    }

    /// `name` with a short-form ending written out ("市文旅局" → "市文化和旅游局").
    pub fn expand_short_form(&self, name: &str) -> String {
        self.short_forms
            .iter()
            .find_map(|(short, full)| name.strip_suffix(short.as_str()).map(|stem| format!("{stem}{full}")))
            .unwrap_or_else(|| name.to_string())
    }

    /// The name a unit renamed one to one has now (卫生和计划生育委员会 → 卫生健康委员会); the name
    /// itself when it was not renamed.
    pub fn current_name(&self, name: &str) -> String {
        self.renamings
            .iter()
            .find_map(|(old, new)| name.strip_suffix(old.as_str()).map(|stem| format!("{stem}{new}")))
            .unwrap_or_else(|| name.to_string())
    }

    /// True when a field label names the supervising department (`supervisor_labels`).
    pub fn names_the_supervisor(&self, label: &str) -> bool {
        self.supervisor_labels.iter().any(|s| label.contains(s.as_str()))
    }

    /// The value of the field naming the supervising department in `line` (项目主管部门：某局).
    /// A value set off by spaces alone (a table flattened to text) must be a unit's name.
    pub fn supervisor_field<'t>(&self, line: &'t str) -> Option<&'t str> {
        self.supervisor_field.as_ref()?.captures_iter(line).find_map(|c| {
            let spaced = !c.get(1)?.as_str().contains([':', '：', '|', '\t']);
            let value = c.get(2)?.as_str();
            (!spaced || self.is_unit_name(value)).then_some(value)
        })
    }

    /// The values of the cover fields naming the unit in `line`: a label, a colon (or a bar, a tab)
    /// and the value; then a long label and its value with only spaces between (`spaced`: the
    /// weaker evidence, which the caller may ask more of).
    pub fn cover_fields<'t>(&'t self, line: &'t str) -> impl Iterator<Item = CoverField<'t>> + 't {
        let field = |spaced: bool| {
            move |c: regex::Captures<'t>| {
                let supervisor = c.get(1).is_some_and(|l| self.names_the_supervisor(l.as_str()));
                c.get(2).map(|m| CoverField { value: m.as_str(), spaced, supervisor })
            }
        };
        let spaced = self.cover_field_spaced.iter().flat_map(move |r| r.captures_iter(line)).filter_map(field(true));
        self.cover_field.captures_iter(line).filter_map(field(false)).chain(spaced)
    }
}

/// One cover field naming a unit (`Units::cover_fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverField<'t> {
    /// The value: the unit's name, perhaps with a note after it.
    pub value: &'t str,
    /// Label and value set off by spaces alone (a table flattened to text): weaker evidence.
    pub spaced: bool,
    /// The label names the supervising department (项目主管部门): the reporting unit is the one a
    /// project table names as its implementer, where it names one.
    pub supervisor: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: &str = include_str!("../../schema/units.toml");

    #[test]
    fn the_supervisors_labels_are_one_list_that_a_user_may_change() {
        let u = Units::parse(BUILTIN).unwrap();
        assert_eq!(u.supervisor_field("项目主管部门：某县水利局 实施单位：某县水文站"), Some("某县水利局"));
        assert_eq!(u.supervisor_field("主管部门名称（公章）：某市教育局"), Some("某市教育局"));
        // A seal note written 盖章 sits between a label and its value as 公章 does.
        assert_eq!(u.cover_fields("项目单位（盖章）：某县医疗保障局").map(|f| f.value).collect::<Vec<_>>(), ["某县医疗保障局"]);
        assert_eq!(u.supervisor_field("主管部门(盖章):某县卫生健康局"), Some("某县卫生健康局"));
        // A table flattened to text sets label and value apart by spaces alone; the value must
        // then be a unit's name.
        assert_eq!(u.supervisor_field("主管部门 某县农业农村局 实施单位 某县农技推广中心"), Some("某县农业农村局"));
        assert_eq!(u.supervisor_field("主管部门 负责项目的监督管理"), None);
        assert!(u.cover_fields("项目主管部门：某县水利局").all(|f| f.supervisor));
        assert!(u.cover_fields("实施单位：某县水文站").all(|f| !f.supervisor));
        // A user's own label (归口部门) names the supervisor once listed, and 主管部门 no longer does.
        let edited = BUILTIN.replace(r#"supervisor_labels = ["项目主管部门名称", "项目主管部门", "主管部门名称", "主管部门"]"#, r#"supervisor_labels = ["归口部门"]"#);
        assert_ne!(edited, BUILTIN);
        let mine = Units::parse(&edited).unwrap();
        assert_eq!(mine.supervisor_field("归口部门：某县水利局"), Some("某县水利局"));
        assert_eq!(mine.supervisor_field("主管部门：某县水利局"), None);
        let bad = BUILTIN.replace(r#""项目主管部门名称", "项目"#, r#""dept", "项目"#);
        let e = Units::parse(&bad).err().unwrap().to_string();
        assert!(e.contains("dept") && e.contains("line"), "{e}");
    }

    #[test]
    fn renamings_give_the_current_name_and_a_bad_one_is_refused_with_its_line() {
        let u = Units::parse(BUILTIN).unwrap();
        assert_eq!(u.current_name("卫生和计划生育委员会"), "卫生健康委员会");
        assert_eq!(u.current_name("农业局"), "农业农村局");
        assert_eq!(u.current_name("农业农村局"), "农业农村局");
        assert_eq!(u.current_name("财政局"), "财政局");
        let bad = BUILTIN.replacen(r#"{ old = "农业局", new = "农业农村局" }"#, r#"{ old = "农业局", new = "农业局" }"#, 1);
        assert_ne!(bad, BUILTIN);
        let line = bad.lines().position(|l| l.contains(r#"new = "农业局""#)).unwrap() + 1;
        let e = Units::parse(&bad).err().unwrap().to_string();
        assert!(e.contains(&format!("line {line}")) && e.contains("农业局"), "{e}");
    }

    #[test]
    fn the_builtin_lexicon_reads_names_as_before() {
        let u = Units::parse(BUILTIN).unwrap();
        assert!(u.is_unit_name("中共湖南省委党校(湖南行政学院)"));
        assert!(u.is_unit_name("平遥县教育局"));
        assert!(!u.is_unit_name("部门整体支出绩效自评报告"));
        assert_eq!(u.body_suffix_at("委员会办公室"), Some("委员会"));
        assert_eq!(u.expand_short_form("市文旅局"), "市文化和旅游局");
        assert_eq!(u.without_party_prefix("中共某县委组织部"), "某县委组织部");
        assert!(u.is_signature("某县教育局（盖章）"));
        let c: Vec<_> = u.cover_fields("部门(单位)名称：某县水利局").map(|f| f.value).collect();
        // A table flattened to text: a long label and its value with only spaces between, marked
        // as the weaker kind; a short label ("单位 万元") is not read that way.
        let spaced: Vec<_> = u.cover_fields("主管部门 某县教育局 实施单位 某县第一中学").map(|f| (f.value, f.spaced)).collect();
        assert_eq!(spaced, [("某县第一中学", true)]);
        let supervisor: Vec<_> = u.cover_fields("项目主管部门：某县水利局").map(|f| (f.value, f.supervisor)).collect();
        assert_eq!(supervisor, [("某县水利局", true)]);
        assert_eq!(u.cover_fields("单位 万元元元").count(), 0);
        assert_eq!(c, ["某县水利局"]);
        // A name does not run over the clause after it, nor over a second field.
        assert!(!u.is_unit_name("县文联坚持围绕县委"));
        assert!(!u.is_unit_name("主管部门某市水利局实施单位水文站"));
        assert!(u.is_unit_name("某市委全面深化改革委员会办公室"));
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_line() {
        let bad = BUILTIN.replacen(r#"{ ending = "队", roles = ["name"] }"#, r#"{ ending = "队", roles = ["nmae"] }"#, 1);
        let line = bad.lines().position(|l| l.contains("nmae")).unwrap() + 1;
        let err = Units::parse(&bad).err().unwrap().to_string();
        assert!(err.contains(&format!("line {line}:")) && err.contains("nmae"), "{err}");
        let bad = BUILTIN.replacen(r#"short = "编办""#, r#"short = "bb""#, 1);
        let line = bad.lines().position(|l| l.contains("\"bb\"")).unwrap() + 1;
        let err = Units::parse(&bad).err().unwrap().to_string();
        assert!(err.contains(&format!("line {line}:")), "{err}");
    }
}
