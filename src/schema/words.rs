//! Families of words the genre uses for one meaning (schema/words.toml): 偏低, 较低, 很低, 极低 and
//! 不高 all say "low". A pattern of themes.toml or findings.toml names a family as `{low}` and
//! reads every member of it, so that a new member added to the family reaches every pattern that
//! names it, instead of the one pattern whose miss it was found in.

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// `{name}` in a pattern: a family's name is a word of lower-case ASCII letters and '_', so that
/// the repetitions of the pattern syntax ("{0,6}") never read as one.
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\{([a-z][a-z_]*)\}").expect("static pattern"));

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordsFile {
    #[serde(default)]
    words: BTreeMap<String, Vec<String>>,
}

/// The families, each as one alternation.
#[derive(Debug, Default, Clone)]
pub struct Words {
    families: BTreeMap<String, String>,
}

impl Words {
    pub(crate) fn parse(text: &str) -> Result<Words> {
        let file: WordsFile = toml::from_str(text)?;
        let mut families = BTreeMap::new();
        for (name, members) in file.words {
            if !NAME.is_match(&format!("{{{name}}}")) {
                bail!("family name {name:?} must be a word of lower-case ASCII letters and '_'");
            }
            if members.is_empty() {
                bail!("family {name:?} has no members");
            }
            for m in &members {
                if NAME.is_match(m) {
                    bail!("family {name:?}: member {m:?} names another family; families do not nest");
                }
                regex_syntax::Parser::new().parse(m).with_context(|| format!("family {name:?}: bad member {m:?}"))?;
            }
            let joined = members.iter().map(|m| format!("(?:{m})")).collect::<Vec<_>>().join("|");
            families.insert(name, format!("(?:{joined})"));
        }
        Ok(Words { families })
    }

    /// `pattern` with each `{name}` replaced by the family's alternation; an error names a family
    /// that words.toml does not define.
    pub(crate) fn expand<'a>(&self, pattern: &'a str) -> Result<Cow<'a, str>> {
        if !pattern.contains('{') {
            return Ok(Cow::Borrowed(pattern));
        }
        if let Some(unknown) = NAME.captures_iter(pattern).map(|c| c[1].to_string()).find(|n| !self.families.contains_key(n)) {
            bail!("pattern {pattern:?} names the family {{{unknown}}}, which words.toml does not define");
        }
        Ok(NAME.replace_all(pattern, |c: &regex::Captures| self.families[&c[1]].clone()))
    }

    /// `expand` in place.
    pub(crate) fn expand_in_place(&self, pattern: &mut String) -> Result<()> {
        if let Cow::Owned(e) = self.expand(pattern)? {
            *pattern = e;
        }
        Ok(())
    }

    /// `expand` over a list.
    pub(crate) fn expand_all(&self, patterns: &mut [String]) -> Result<()> {
        patterns.iter_mut().try_for_each(|p| self.expand_in_place(p))
    }

    /// `expand` over a list of pairs of patterns (a topic and its cue).
    pub(crate) fn expand_pairs(&self, pairs: &mut [(String, String)]) -> Result<()> {
        pairs.iter_mut().try_for_each(|(a, b)| self.expand_in_place(a).and_then(|_| self.expand_in_place(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_reads_every_member_where_a_pattern_names_it() {
        let w = Words::parse("[words]\nlow = ['(偏|较|很|极)低', '不高']\n").unwrap();
        let p = w.expand("利用率[^，。；]{0,4}{low}").unwrap();
        let re = Regex::new(&p).unwrap();
        for hit in ["利用率极低", "利用率仍然偏低", "利用率不高"] {
            assert!(re.is_match(hit), "{hit}");
        }
        assert!(!re.is_match("利用率较高"));
        // Repetitions of the pattern syntax are left alone.
        assert_eq!(w.expand("[^，]{0,6}").unwrap(), "[^，]{0,6}");
    }

    #[test]
    fn an_unknown_family_and_a_bad_member_are_errors_that_name_them() {
        let w = Words::parse("[words]\nlow = ['低']\n").unwrap();
        let e = w.expand("利用率{lwo}").unwrap_err().to_string();
        assert!(e.contains("{lwo}") && e.contains("words.toml"), "{e}");
        let e = Words::parse("[words]\nlow = ['(低']\n").unwrap_err().to_string();
        assert!(e.contains("low") && e.contains("(低"), "{e}");
        let e = Words::parse("[words]\nlow = ['{slow}']\nslow = ['慢']\n").unwrap_err().to_string();
        assert!(e.contains("nest"), "{e}");
        assert!(Words::parse("[words]\nLow = ['低']\n").is_err());
    }
}
