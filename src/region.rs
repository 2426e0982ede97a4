//! China's administrative divisions (schema/regions.tsv) and the lookup that turns a department name
//! such as 株洲市渌口区卫生健康局 into province / city / county.
//!
//! County names repeat across provinces (朝阳区, 城关镇…); where a name is ambiguous the lookup uses the
//! divisions named before it in the department name and then the report's own text to choose.

use crate::model::Region;
use aho_corasick::{AhoCorasick, MatchKind};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Province,
    City,
    County,
}

#[derive(Debug, Clone)]
pub struct Division {
    pub name: String,
    pub level: Level,
    pub parent: Option<usize>,
}

pub struct RegionTable {
    divisions: Vec<Division>,
    by_name: HashMap<String, Vec<usize>>,
    /// One pattern per distinct name, leftmost-longest.
    matcher: AhoCorasick,
    names: Vec<String>,
}

impl RegionTable {
    pub fn parse(text: &str) -> Result<RegionTable> {
        let mut divisions = Vec::new();
        let mut by_code: HashMap<String, usize> = HashMap::new();
        let mut pending_parents = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 3 {
                bail!("line {}: expected code, name, level, parent_code separated by tabs", n + 1);
            }
            let level = match cols[2] {
                "province" => Level::Province,
                "city" => Level::City,
                "county" => Level::County,
                other => bail!("line {}: unknown level {other:?} (province, city or county)", n + 1),
            };
            let idx = divisions.len();
            by_code.insert(cols[0].to_string(), idx);
            pending_parents.push(cols.get(3).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
            divisions.push(Division { name: cols[1].trim().to_string(), level, parent: None });
        }
        for (idx, parent) in pending_parents.into_iter().enumerate() {
            if let Some(code) = parent {
                let p = *by_code.get(&code).with_context(|| format!("parent code {code} not in the table"))?;
                divisions[idx].parent = Some(p);
            }
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            by_name.entry(d.name.clone()).or_default().push(i);
        }
        let mut names: Vec<String> = by_name.keys().cloned().collect();
        names.sort();
        // Anchored searches too: a chain of names is matched where the text starts, not looked for.
        let matcher = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).start_kind(aho_corasick::StartKind::Both).build(&names)?;
        Ok(RegionTable { divisions, by_name, matcher, names })
    }

    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// Division names that start `name` one after the other ("株洲市" then "渌口区").
    pub fn leading_chain(&self, name: &str) -> Vec<String> {
        self.chain(name).map(|m| self.names[m.pattern().as_usize()].clone()).collect()
    }

    /// The length in bytes of `leading_chain(text)` (0: `text` starts with no division name).
    pub fn leading_chain_len(&self, text: &str) -> usize {
        self.chain(text).last().map_or(0, |m| m.end())
    }

    /// The longest name at the start of `text`, then the longest right after it, and so on.
    fn chain<'a>(&'a self, text: &'a str) -> impl Iterator<Item = aho_corasick::Match> + 'a {
        let mut at = 0;
        std::iter::from_fn(move || {
            let m = self.matcher.find(aho_corasick::Input::new(text).span(at..text.len()).anchored(aho_corasick::Anchored::Yes))?;
            at = m.end();
            // A name is never empty, so the chain advances.
            (m.end() > m.start()).then_some(m)
        })
    }

    /// Byte offsets in `text` where a division name starts (leftmost-longest, non-overlapping).
    pub fn mention_starts(&self, text: &str) -> Vec<usize> {
        self.matcher.find_iter(text).map(|m| m.start()).collect()
    }

    /// Every division name occurring in `text`, with its count.
    pub fn mentions(&self, text: &str) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for m in self.matcher.find_iter(text) {
            *counts.entry(self.names[m.pattern().as_usize()].clone()).or_insert(0) += 1;
        }
        counts
    }

    /// "city+county" names of every county-level division ("株洲市渌口区"), for generated corpora.
    pub fn county_chains(&self) -> Vec<String> {
        self.divisions
            .iter()
            .filter(|d| d.level == Level::County)
            .map(|d| match d.parent.map(|p| &self.divisions[p]) {
                Some(p) if p.level == Level::City && p.name != d.name => format!("{}{}", p.name, d.name),
                _ => d.name.clone(),
            })
            .collect()
    }

    /// The region of the county-level (else city-level) division `text` names most often, resolved
    /// like a department name; none when no division is named twice.
    pub fn most_named(&self, text: &str) -> Region {
        let counts = self.mentions(text);
        let level_rank = |name: &str| {
            self.by_name.get(name).and_then(|c| c.iter().map(|i| match self.divisions[*i].level {
                Level::County => 2,
                Level::City => 1,
                Level::Province => 0,
            }).max()).unwrap_or(0)
        };
        let best = counts
            .iter()
            .filter(|(_, n)| **n >= 2)
            .max_by(|a, b| (level_rank(a.0), a.1, b.0).cmp(&(level_rank(b.0), b.1, a.0)));
        match best {
            Some((name, _)) => self.resolve(name, text),
            None => Region::default(),
        }
    }

    /// The municipality of province rank (北京市, 上海市) whose short name (北京, 上海) `text` writes
    /// most, if any: such a city is often written without 市 ("健康北京", "上海的医疗资源").
    pub fn municipality_named(&self, text: &str) -> Option<String> {
        self.divisions
            .iter()
            .filter(|d| d.level == Level::Province && d.name.chars().count() >= 3)
            .filter_map(|d| d.name.strip_suffix('市').map(|short| (d, text.matches(short).count())))
            .filter(|(_, n)| *n > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.name.cmp(&a.0.name)))
            .map(|(d, _)| d.name.clone())
    }

    /// `text` with every division name replaced by `mask`.
    pub fn mask(&self, text: &str, mask: &str) -> String {
        self.matcher.replace_all(text, &vec![mask; self.names.len()])
    }

    fn ancestors(&self, mut idx: usize) -> Vec<usize> {
        let mut out = vec![idx];
        while let Some(p) = self.divisions[idx].parent {
            out.push(p);
            idx = p;
        }
        out
    }

    /// The region of a department, from the divisions its name starts with; `context` (the report's
    /// text) settles ambiguous names.
    pub fn resolve(&self, department: &str, context: &str) -> Region {
        let chain = self.leading_chain(department);
        let Some(last) = chain.last() else { return Region::default() };
        let Some(cands) = self.by_name.get(last) else { return Region::default() };
        // The context only settles between candidates: one alone is not scored.
        let mentions = if cands.len() > 1 { self.mentions(context) } else { HashMap::new() };
        let score = |idx: usize| -> (usize, usize, usize) {
            let anc = self.ancestors(idx);
            // Every earlier division of the chain must be an ancestor (or the same name, as with
            // municipalities, which are province and city at once).
            let consistent = chain[..chain.len() - 1]
                .iter()
                .filter(|n| anc.iter().any(|a| &self.divisions[*a].name == *n))
                .count();
            let context_votes: usize =
                anc[1..].iter().map(|a| mentions.get(&self.divisions[*a].name).copied().unwrap_or(0)).sum();
            (consistent, context_votes, anc.len())
        };
        let best = cands.iter().copied().max_by(|a, b| score(*a).cmp(&score(*b)).then(b.cmp(a)));
        let Some(best) = best else { return Region::default() };
        let mut region = Region::default();
        for a in self.ancestors(best) {
            let d = &self.divisions[a];
            let slot = match d.level {
                Level::Province => &mut region.province,
                Level::City => &mut region.city,
                Level::County => &mut region.county,
            };
            *slot = Some(d.name.clone());
        }
        region
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::Domain;

    #[test]
    fn resolves_county_level_names_with_their_chain() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap().resolve("株洲市渌口区卫生健康局", "");
        assert_eq!(r.province.as_deref(), Some("湖南省"));
        assert_eq!(r.city.as_deref(), Some("株洲市"));
        assert_eq!(r.county.as_deref(), Some("渌口区"));
        let r = d.regions().unwrap().resolve("乐昌市卫生健康局", "");
        assert_eq!((r.city.as_deref(), r.county.as_deref()), (Some("韶关市"), Some("乐昌市")));
    }

    #[test]
    fn ambiguous_county_names_use_the_chain_then_the_text() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap().resolve("北京市朝阳区教育委员会", "");
        assert_eq!(r.province.as_deref(), Some("北京市"));
        let r = d.regions().unwrap().resolve("朝阳区教育局", "长春市人民政府 长春市教育局");
        assert_eq!(r.city.as_deref(), Some("长春市"));
    }

    #[test]
    fn a_department_without_its_place_takes_the_place_the_text_names() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap().most_named("县教育局2023年度报告。全县……平遥县共有学校44所，平遥县教育局负责……晋中市下达的任务");
        assert_eq!((r.city.as_deref(), r.county.as_deref()), (Some("晋中市"), Some("平遥县")));
        assert_eq!(d.regions().unwrap().most_named("没有地名"), Default::default());
    }

    #[test]
    fn municipality_and_province_level_departments() {
        let d = Domain::builtin().unwrap();
        let r = d.regions().unwrap().resolve("北京市卫生健康委员会", "");
        assert_eq!((r.province.as_deref(), r.city.as_deref(), r.county.as_deref()), (Some("北京市"), Some("北京市"), None));
        let r = d.regions().unwrap().resolve("广东省财政厅", "");
        assert_eq!((r.province.as_deref(), r.city.as_deref()), (Some("广东省"), None));
        assert_eq!(d.regions().unwrap().resolve("卫生健康局", ""), Default::default());
    }
}
