//! Category rules (schema/categories.toml): which category a section's heading or label puts it in.

use super::pattern::{Check, Pattern};
use crate::model::Category;
use crate::text::squeeze;
use anyhow::{anyhow, Result};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

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
    display: Option<String>,
}

/// The rules that give a section its category (see schema/categories.toml).
pub struct CategoryRules {
    /// Heading rules in file order.
    pub(crate) headings: RuleList,
    pub(crate) labels: RuleList,
    sticky: HashSet<Category>,
    boost: HashMap<Category, f32>,
    display: HashMap<Category, String>,
}

/// Patterns tried in order, the first that matches wins. Every section's heading is checked
/// against all of them: one pass of a set of the patterns finds which match (checking them one by
/// one had cost a tenth of parsing).
#[derive(Default)]
pub(crate) struct RuleList {
    pub(crate) rules: Vec<(Category, Pattern)>,
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
    pub(crate) fn parse(text: &str, check: Check) -> Result<CategoryRules> {
        let file: CategoryFile = toml::from_str(text)?;
        let mut rules = CategoryRules { headings: RuleList::default(), labels: RuleList::default(), sticky: HashSet::new(), boost: HashMap::new(), display: HashMap::new() };
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
            if let Some(d) = entry.display.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                rules.display.insert(cat, d.to_string());
            }
        }
        Ok(rules)
    }

    /// The rules with the display names of `defaults` (the built-in file) for the categories this
    /// file names none for: a user's older categories.toml keeps the app's Chinese names.
    pub(crate) fn with_default_display(mut self, defaults: &str) -> Result<CategoryRules> {
        let file: CategoryFile = toml::from_str(defaults)?;
        for entry in file.category {
            if let (Some(cat), Some(d)) = (Category::parse(&entry.name), entry.display) {
                self.display.entry(cat).or_insert(d);
            }
        }
        Ok(self)
    }

    /// The category's name in the browser app (its `display`), else its English name.
    pub fn display(&self, c: Category) -> &str {
        self.display.get(&c).map(String::as_str).unwrap_or(c.as_str())
    }

    /// `display` of a category given by its English name; an unknown name as it is.
    pub fn display_of<'a>(&'a self, name: &'a str) -> &'a str {
        Category::parse(name).map(|c| self.display(c)).unwrap_or(name)
    }

    /// The category a heading names, if any. `title` is the heading without its marker.
    pub fn for_heading(&self, title: &str) -> Option<Category> {
        self.headings.first_match(&squeeze(title))
    }

    /// The category of a paragraph label ("存在问题"), if it is one.
    pub fn for_label(&self, label: &str) -> Option<Category> {
        self.labels.first_match(&squeeze(label))
    }

    /// True for a sticky category: below it a child may only switch to another sticky one (categories.toml).
    pub fn is_sticky(&self, c: Category) -> bool {
        self.sticky.contains(&c)
    }

    /// The factor a section's relevance is multiplied by in search.
    pub fn search_boost(&self, c: Category) -> f32 {
        self.boost.get(&c).copied().unwrap_or(1.0)
    }
}

fn category_names() -> String {
    Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::Domain;

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
}
