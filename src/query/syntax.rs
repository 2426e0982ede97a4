//! A query as typed, read once into a `ParsedQuery`: its size checked, its scope terms
//! (`department:…`, `region:…`) taken out, an ASCII colon after a word that names no field read as
//! text, and whether it uses tantivy's syntax. The query builder, the theme expansion and the
//! highlighter all read the parsed value; none scans the typed text again.

use std::sync::LazyLock;

/// A scope term of a query: a filter typed into the query.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// `department:VALUE`: part of the department's name.
    Department(String),
    /// `region:VALUE`: part of the province, city or county name.
    Region(String),
}

/// A query as typed, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    /// What is left to match: the query without its scope terms, an ASCII colon after a word that
    /// names no field read as a space ("存在问题:预算" is two words). Empty when the query only scopes.
    pub text: String,
    /// The scope terms, in the order typed.
    pub scopes: Vec<Scope>,
    /// True when `text` uses tantivy's query syntax (quotes, AND/OR/NOT, -, +, field:value,
    /// parentheses) rather than plain words.
    pub syntax: bool,
    /// The theme a `theme:ID` term names.
    pub theme_term: Option<String>,
}

impl ParsedQuery {
    /// Reads a typed query; refuses one too long, too deeply nested or with too many operators.
    pub fn parse(typed: &str) -> Result<ParsedQuery, BadQuery> {
        check_query_size(typed)?;
        let (rest, found) = scope_terms(typed);
        let text = ascii_colons_as_text(&rest);
        let scopes = found.into_iter().map(|(field, value)| if field == "department" { Scope::Department(value) } else { Scope::Region(value) }).collect();
        let syntax = has_syntax(&text);
        let theme_term = THEME_FIELD.captures(&text).map(|c| c[1].to_string());
        Ok(ParsedQuery { text, scopes, syntax, theme_term })
    }

    /// True when the query has something to match besides its scope terms.
    pub fn has_text(&self) -> bool {
        !self.text.trim().is_empty()
    }
}

/// Field names a query may use (`heading:…`, `theme:…`).
pub const QUERY_FIELDS: [&str; 8] = ["heading", "text", "theme", "category", "kind", "department", "region", "fiscal_year"];

static THEME_FIELD: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"(?:^|[\s(+\-])theme:([A-Za-z0-9_]+)").expect("theme field pattern"));

/// `word:` where `word` is no field becomes `word `: Chinese text typed with an ASCII colon.
fn ascii_colons_as_text(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut word_start = 0;
    let mut in_quotes = false;
    for (i, c) in q.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                let word = q[word_start..i].trim_start_matches(['(', '+', '-']);
                if !QUERY_FIELDS.contains(&word) {
                    out.push(' ');
                    continue;
                }
            }
            c if c.is_whitespace() || c == '(' => word_start = i + c.len_utf8(),
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Takes `department:VALUE` and `region:VALUE` (VALUE a word or "quoted") out of a query: the
/// query without them, and each field with its value.
fn scope_terms(q: &str) -> (String, Vec<(&'static str, String)>) {
    static SCOPE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r#"(?:^|\s)\+?(department|region):(?:"([^"]*)"|([^\s()"]+))"#).expect("scope pattern"));
    let mut found = Vec::new();
    let rest = SCOPE.replace_all(q, |c: &regex::Captures| {
        let field = if &c[1] == "department" { "department" } else { "region" };
        let value = c.get(2).or(c.get(3)).map(|m| m.as_str().trim().to_string()).unwrap_or_default();
        if !value.is_empty() {
            found.push((field, value));
        }
        " "
    });
    // "department:X AND 预算" leaves a dangling AND.
    let mut words: Vec<&str> = Vec::new();
    for w in rest.split(' ').filter(|w| !w.is_empty()) {
        if w == "AND" && words.last().is_none_or(|l| *l == "AND") {
            continue;
        }
        words.push(w);
    }
    while words.last() == Some(&"AND") {
        words.pop();
    }
    (words.join(" "), found)
}

/// What is wrong with a query: refused by the parser, or too big to parse. Its `Display` is the
/// CLI's message; the web pages word it in Chinese (`output::web`).
#[derive(Debug, Clone, PartialEq)]
pub enum BadQuery {
    /// A quote (") is not closed.
    OpenQuote {
        /// The query, cut to 60 characters.
        query: String,
    },
    /// Parentheses that do not pair up.
    Parentheses {
        /// The query, cut to 60 characters.
        query: String,
        /// Opening parentheses.
        opened: usize,
        /// Closing parentheses.
        closed: usize,
    },
    /// The query ends with AND, OR or NOT.
    DanglingOperator {
        /// The query, cut to 60 characters.
        query: String,
    },
    /// Other syntax the parser refused.
    Syntax {
        /// The query, cut to 60 characters.
        query: String,
    },
    /// Longer than `MAX_QUERY_CHARS`.
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// Parentheses nested deeper than the limit.
    TooDeep {
        /// How deep its parentheses nest.
        depth: usize,
    },
    /// More operators than the limit.
    TooManyOperators {
        /// How many operators it has.
        operators: usize,
    },
}

impl BadQuery {
    /// What is wrong with a query the parser refused.
    pub(super) fn of(q: &str) -> BadQuery {
        let query = crate::text::prefix_chars(q, 60).to_string();
        let opened = q.matches('(').count();
        let closed = q.matches(')').count();
        if q.matches('"').count() % 2 == 1 {
            BadQuery::OpenQuote { query }
        } else if opened != closed {
            BadQuery::Parentheses { query, opened, closed }
        } else if q.split_whitespace().last().is_some_and(|w| matches!(w, "AND" | "OR" | "NOT")) {
            BadQuery::DanglingOperator { query }
        } else {
            BadQuery::Syntax { query }
        }
    }
}

impl std::fmt::Display for BadQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fix = format!("To search the words as written, leave out quotes, parentheses and field: names; fields are {}", QUERY_FIELDS.join(", "));
        match self {
            BadQuery::OpenQuote { query } => write!(f, "bad query {query:?}: a quote (\") is not closed. {fix}"),
            BadQuery::Parentheses { query, opened, closed } => write!(f, "bad query {query:?}: the parentheses do not pair up ({opened} opened, {closed} closed). {fix}"),
            BadQuery::DanglingOperator { query } => write!(f, "bad query {query:?}: it ends with AND, OR or NOT. {fix}"),
            BadQuery::Syntax { query } => write!(f, "bad query {query:?}: it is not valid query syntax. {fix}"),
            BadQuery::TooLong { chars } => write!(f, "the query is {chars} characters long; the limit is {MAX_QUERY_CHARS}"),
            BadQuery::TooDeep { depth } => write!(f, "the query nests parentheses {depth} deep; the limit is {MAX_QUERY_DEPTH}"),
            BadQuery::TooManyOperators { operators } => write!(f, "the query has {operators} operators (AND, OR, NOT, -, +); the limit is {MAX_QUERY_OPERATORS}"),
        }
    }
}

impl std::error::Error for BadQuery {}

/// True when the text uses tantivy's query syntax rather than plain words.
fn has_syntax(q: &str) -> bool {
    q.contains('"')
        || q.contains(':')
        || q.contains('(')
        || q.split_whitespace().any(|w| matches!(w, "AND" | "OR" | "NOT") || w.starts_with('-') || w.starts_with('+'))
}

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Deepest parenthesis nesting and most operators accepted: the query parser recurses on both.
pub const MAX_QUERY_DEPTH: usize = 20;
/// Most operators (AND, OR, NOT, -, +) accepted.
pub const MAX_QUERY_OPERATORS: usize = 64;

/// Refuses queries whose size would make parsing slow or deep: what a person types fits easily.
fn check_query_size(text: &str) -> Result<(), BadQuery> {
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(BadQuery::TooLong { chars });
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in text.chars() {
        match c {
            '(' | '（' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | '）' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_QUERY_DEPTH {
        return Err(BadQuery::TooDeep { depth: deepest });
    }
    let operators = text.split_whitespace().filter(|w| matches!(*w, "AND" | "OR" | "NOT") || w.starts_with('-') || w.starts_with('+')).count();
    if operators > MAX_QUERY_OPERATORS {
        return Err(BadQuery::TooManyOperators { operators });
    }
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_detection() {
        assert!(has_syntax("\"政府采购\" AND 执行率"));
        assert!(has_syntax("theme:procurement_low"));
        assert!(has_syntax("预算 -采购"));
        assert!(!has_syntax("政府采购执行率 偏低"));
    }

    #[test]
    fn a_query_is_read_once_into_its_parts() {
        let q = ParsedQuery::parse("department:罗湖 region:\"深圳市\" 采购 AND theme:procurement_low").unwrap();
        assert_eq!(q.scopes, vec![Scope::Department("罗湖".into()), Scope::Region("深圳市".into())]);
        assert_eq!(q.text, "采购 AND theme:procurement_low");
        assert!(q.syntax);
        assert_eq!(q.theme_term.as_deref(), Some("procurement_low"));
        // A colon after a word that names no field is text: plain words, no syntax.
        let q = ParsedQuery::parse("存在问题:预算").unwrap();
        assert_eq!((q.text.as_str(), q.syntax), ("存在问题 预算", false));
        // A query that only scopes has no text; a dangling AND goes with its scope term.
        let q = ParsedQuery::parse("department:财政 AND").unwrap();
        assert!(!q.has_text() && q.scopes.len() == 1);
        assert!(matches!(ParsedQuery::parse(&"(".repeat(30)), Err(BadQuery::TooDeep { depth: 30 })));
        assert!(matches!(ParsedQuery::parse(&"预".repeat(1001)), Err(BadQuery::TooLong { chars: 1001 })));
    }
}
