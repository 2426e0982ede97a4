//! Schema patterns: parsed when a schema is loaded, compiled when first matched, with the literals
//! every match starts with as a prefilter.

use anyhow::{Context, Result};
use regex::Regex;

pub(crate) fn compile(pattern: &str) -> Result<Regex> {
    regex::RegexBuilder::new(pattern).dfa_size_limit(DFA_CACHE).build().with_context(|| format!("bad pattern {pattern:?}"))
}

/// The lazy DFA's cache of one schema pattern. A theme's terms are one alternation of many
/// bounded gaps ("[^，。；]{0,12}"), whose states outgrow the default cache of 2 MiB: it is cleared
/// again and again and matching slows to a crawl. The cache grows only as far as a pattern needs.
const DFA_CACHE: usize = 16 << 20;

/// A pattern of the theme schema, compiled when first matched: tagging needs every pattern, a search
/// only the few theme patterns whose leading words occur in the query (compiling all of them was
/// most of a search's start-up). A user's schema is compiled when loaded, so that its errors show
/// at once.
pub struct Pattern {
    pub(crate) source: String,
    /// A phrasing pattern: `may_match` looks for the literals every match starts with.
    phrasing: bool,
    /// Those literals (`None`: unknown, any text may match), found when first needed.
    prefixes: std::sync::OnceLock<Option<Vec<String>>>,
    compiled: std::sync::OnceLock<Regex>,
}

/// How much of a schema pattern is checked when the schema is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing until used (the built-in schema: a test compiles every pattern).
    None,
    /// Parsed: a syntax error shows when loaded; compiled when used.
    Parse,
    /// Parsed and compiled (a user's schema given with --schema).
    Compile,
}

impl Pattern {
    pub(crate) fn new(source: &str, check: Check) -> Result<Pattern> {
        Pattern::build(source, check, false)
    }

    /// A theme's phrasing pattern, with the literals every match starts with (see `may_match`).
    pub(crate) fn phrasing(source: &str, check: Check) -> Result<Pattern> {
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

    pub(crate) fn regex(&self) -> &Regex {
        // The built-in schema's patterns are compiled by a test; a user's when it was given.
        self.compiled.get_or_init(|| compile(&self.source).expect("a schema pattern checked when loaded"))
    }

    /// The pattern as written in the schema.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the pattern matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_match(text)
    }

    /// The literals every match starts with, whatever the kind of pattern (`None`: unknown).
    pub(crate) fn leading_literals(&self) -> Option<Vec<String>> {
        syntax(&self.source).ok().and_then(|h| prefixes_of(&h))
    }

    pub(crate) fn prefixes(&self) -> Option<&Vec<String>> {
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
pub(crate) fn prefixes_of(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    // Literals cut inside a character are no use for a text search: no prefilter then.
    seq.literals().and_then(|lits| lits.iter().map(|l| String::from_utf8(l.as_bytes().to_vec()).ok()).collect::<Option<Vec<_>>>())
}

/// A pattern parsed (not compiled): its syntax checked, an error naming it.
pub(crate) fn syntax(pattern: &str) -> Result<regex_syntax::hir::Hir> {
    regex_syntax::Parser::new().parse(pattern).with_context(|| format!("bad pattern {pattern:?}"))
}

/// One regular expression matching any of `patterns`; `None` for an empty list.
pub(crate) fn alternation(patterns: &[String], check: Check) -> Result<Option<Pattern>> {
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
