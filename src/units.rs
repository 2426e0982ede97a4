//! One name per unit across a collection. Reports write the same unit in several ways: with or
//! without the province or city in front ("舒城县财政局", "六安市舒城县财政局"), in a short form
//! ("县卫健委"), or under an old name the user knows belongs to it. The `Registry` groups the names
//! the stored reports carry into units, each shown under one name, so that `problems`, `--dept`,
//! the department timeline and copied-forward detection see one unit.
//!
//! Grouping by itself is careful: two names are one unit only when what follows the place names is
//! the same (short forms written out) and the place names agree (the shorter chain of places is
//! part of the longer one and ends in the same place); a name without a place joins only when one
//! unit of that name exists in the collection. The user merges and splits units in the data
//! directory's `aliases.toml` (`jixiao units merge` / `split`); the user's word wins.

use crate::region::RegionTable;
use crate::schema::Units;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The file in a data directory that holds the user's merges and splits.
pub const ALIASES_FILE: &str = "aliases.toml";

/// What the user said about units: names that are one unit, names that are each a unit alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aliases {
    /// Names that are one unit, shown as `name`.
    #[serde(default)]
    pub merge: Vec<Merge>,
    /// Names that are each a unit of their own, however alike they look.
    #[serde(default)]
    pub apart: Vec<String>,
}

/// One merge: the name to show and the names the reports write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    pub name: String,
    pub variants: Vec<String>,
}

const HEADER: &str = "\
# Units that jixiao groups by hand, for this data directory (written by `jixiao units merge` and
# `jixiao units split`; you may edit it). Names are the department names the reports carry, as
# `jixiao units` lists them.
#
# [[merge]]                       the names in `variants` are one unit, shown as `name`
# name = \"某县卫生健康委员会\"
# variants = [\"某县卫生和计划生育委员会\", \"某县卫健委\"]
#
# apart = [\"财政局\"]              each name here is a unit of its own
";

impl Aliases {
    /// Reads the aliases of `path`'s text; a malformed file is an error naming it and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Aliases> {
        toml::from_str::<Aliases>(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            anyhow::anyhow!("{}{at}: {}", path.display(), e.message())
        })
    }

    /// The aliases of data directory `root` (none when it has no aliases file).
    pub fn load(root: &Path) -> Result<Aliases> {
        let path = root.join(ALIASES_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Aliases::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Aliases::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes the aliases to data directory `root`, whole or not at all (a temporary file renamed).
    pub fn save(&self, root: &Path) -> Result<()> {
        let path = root.join(ALIASES_FILE);
        let body = toml::to_string(self).context("cannot write the aliases")?;
        let tmp = root.join(format!("{ALIASES_FILE}.tmp"));
        std::fs::write(&tmp, format!("{HEADER}\n{body}")).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Makes `names` one unit shown as `shown`: merges that hold any of them join this one, and
    /// none of them stays apart.
    pub fn merge(&mut self, names: &[String], shown: &str) {
        let mut all: Vec<String> = names.to_vec();
        all.push(shown.to_string());
        let (joined, kept): (Vec<Merge>, Vec<Merge>) =
            std::mem::take(&mut self.merge).into_iter().partition(|m| all.contains(&m.name) || m.variants.iter().any(|v| all.contains(v)));
        self.merge = kept;
        for m in joined {
            all.push(m.name);
            all.extend(m.variants);
        }
        all.sort();
        all.dedup();
        self.apart.retain(|a| !all.contains(a));
        self.merge.push(Merge { name: shown.to_string(), variants: all });
        self.merge.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// Makes `name` a unit of its own: it leaves every merge and is kept apart from look-alikes.
    pub fn split(&mut self, name: &str) {
        for m in &mut self.merge {
            m.variants.retain(|v| v != name);
        }
        // A merge left with its shown name alone, or shown as the split name, says nothing more.
        self.merge.retain(|m| m.name != name && m.variants.iter().any(|v| v != &m.name));
        if !self.apart.iter().any(|a| a == name) {
            self.apart.push(name.to_string());
            self.apart.sort();
        }
    }
}

/// Changes the data directory's aliases under the writers' lock, and writes them.
pub fn edit_aliases(data: &crate::store::DataDir, change: impl FnOnce(&mut Aliases)) -> Result<Aliases> {
    let _lock = data.lock()?;
    let mut aliases = Aliases::load(&data.root)?;
    change(&mut aliases);
    aliases.save(&data.root)?;
    Ok(aliases)
}

/// One name a unit is written with, and how many reports write it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub name: String,
    pub reports: usize,
}

/// A unit: the name it is shown with and the names its reports carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub name: String,
    pub reports: usize,
    /// Every name the reports write, the most written first (then by name).
    pub variants: Vec<Variant>,
    /// The user merged names into this unit (`aliases.toml`).
    pub merged_by_user: bool,
}

/// The units of a collection and which unit each name belongs to.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    units: Vec<Unit>,
    of: HashMap<String, usize>,
}

/// The places a name starts with and what follows them, short forms written out and a renamed
/// unit's ending as it is now.
fn key(name: &str, units: &Units, regions: &RegionTable) -> (Vec<String>, String) {
    let name = name.trim();
    let chain = regions.leading_chain(name);
    let rest = &name[regions.leading_chain_len(name)..];
    (chain, units.current_name(&units.expand_short_form(rest)))
}

/// True when the name is an old name of a unit renamed since (卫生和计划生育委员会).
fn renamed(name: &str, units: &Units, regions: &RegionTable) -> bool {
    let rest = units.expand_short_form(&name.trim()[regions.leading_chain_len(name.trim())..]);
    units.current_name(&rest) != rest
}

/// Whether the places `short` names can be the places `long` names: the same last place, the
/// others in order among `long`'s ("六安市舒城县" and "舒城县"; "安徽省舒城县" and "安徽省六安市舒城县").
fn places_agree(short: &[String], long: &[String]) -> bool {
    if short.is_empty() {
        return true;
    }
    if short.last() != long.last() {
        return false;
    }
    let mut it = long.iter();
    short.iter().all(|s| it.any(|l| l == s))
}

impl Registry {
    /// Groups `names` (each with its number of reports) into units.
    pub fn build(names: &BTreeMap<String, usize>, units: &Units, regions: &RegionTable, aliases: &Aliases) -> Registry {
        // Groups by what follows the places, then families whose places agree.
        let mut by_rest: BTreeMap<String, Vec<(Vec<String>, &str)>> = BTreeMap::new();
        for name in names.keys() {
            if aliases.apart.contains(name) {
                continue;
            }
            let (chain, rest) = key(name, units, regions);
            if rest.is_empty() {
                continue;
            }
            by_rest.entry(rest).or_default().push((chain, name));
        }
        // Each name's family: an index into `families`, which holds the names.
        let mut families: Vec<Vec<&str>> = Vec::new();
        let mut family_of: HashMap<&str, usize> = HashMap::new();
        for mut group in by_rest.into_values() {
            group.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(b.1)));
            let mut heads: Vec<(Vec<String>, usize)> = Vec::new();
            for (chain, name) in group {
                let same = heads.iter().find(|(c, _)| *c == chain).map(|(_, f)| *f);
                let agreeing: Vec<usize> = heads.iter().filter(|(c, _)| places_agree(&chain, c)).map(|(_, f)| *f).collect();
                let f = match (same, agreeing.as_slice()) {
                    (Some(f), _) => f,
                    (None, [f]) => *f,
                    _ => {
                        families.push(Vec::new());
                        heads.push((chain, families.len() - 1));
                        families.len() - 1
                    }
                };
                families[f].push(name);
                family_of.insert(name, f);
            }
        }
        // The user's merges join families (and names not grouped above).
        let mut shown: HashMap<usize, &str> = HashMap::new();
        for m in &aliases.merge {
            let members: Vec<&str> = m.variants.iter().chain(std::iter::once(&m.name)).filter(|v| names.contains_key(*v)).map(String::as_str).collect();
            let Some(first) = members.first() else { continue };
            let target = match family_of.get(first) {
                Some(f) => *f,
                None => {
                    families.push(vec![first]);
                    family_of.insert(first, families.len() - 1);
                    families.len() - 1
                }
            };
            for v in &members[1..] {
                match family_of.get(v).copied() {
                    Some(f) if f == target => {}
                    Some(f) => {
                        let moved = std::mem::take(&mut families[f]);
                        for n in &moved {
                            family_of.insert(n, target);
                        }
                        families[target].extend(moved);
                        if let Some(s) = shown.remove(&f) {
                            shown.entry(target).or_insert(s);
                        }
                    }
                    None => {
                        families[target].push(v);
                        family_of.insert(v, target);
                    }
                }
            }
            shown.insert(target, m.name.as_str());
        }
        let mut out = Registry::default();
        let mut add = |members: Vec<&str>, shown_as: Option<&str>| {
            let mut variants: Vec<Variant> = members.iter().map(|n| Variant { name: n.to_string(), reports: names.get(*n).copied().unwrap_or(0) }).collect();
            // Shown under a current name (not one a reform has replaced), the one most reports write,
            // the fuller on a tie.
            variants.sort_by_cached_key(|v| (renamed(&v.name, units, regions), std::cmp::Reverse(v.reports), std::cmp::Reverse(v.name.chars().count()), v.name.clone()));
            let name = shown_as.map(str::to_string).unwrap_or_else(|| variants[0].name.clone());
            let reports = variants.iter().map(|v| v.reports).sum();
            out.units.push(Unit { name, reports, variants, merged_by_user: shown_as.is_some() });
        };
        for (f, members) in families.iter().enumerate() {
            if !members.is_empty() {
                add(members.clone(), shown.get(&f).copied());
            }
        }
        for name in names.keys().filter(|n| !family_of.contains_key(n.as_str())) {
            add(vec![name.as_str()], None);
        }
        out.units.sort_by(|a, b| a.name.cmp(&b.name).then(a.variants[0].name.cmp(&b.variants[0].name)));
        for (i, u) in out.units.iter().enumerate() {
            for v in &u.variants {
                out.of.insert(v.name.clone(), i);
            }
        }
        out
    }

    /// The units, by name.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The name of the unit `name` belongs to (`name` itself when the collection does not hold it).
    pub fn unit_of<'a>(&'a self, name: &'a str) -> &'a str {
        self.of.get(name).map_or(name, |&i| self.units[i].name.as_str())
    }

    /// Every name of the unit `name` belongs to (`name` alone when the collection does not hold it).
    pub fn variants_of<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        match self.of.get(name) {
            Some(&i) => self.units[i].variants.iter().map(|v| v.name.as_str()).collect(),
            None => vec![name],
        }
    }

    /// Every name of the units whose shown name or one of whose names contains `part`.
    pub fn names_matching(&self, part: &str) -> Vec<&str> {
        self.units
            .iter()
            .filter(|u| u.name.contains(part) || u.variants.iter().any(|v| v.name.contains(part)))
            .flat_map(|u| u.variants.iter().map(|v| v.name.as_str()))
            .collect()
    }

    /// Whether a report of the collection is written with `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.of.contains_key(name)
    }

    /// Up to five names of the collection that contain `name` or that it contains: what the user
    /// may have meant by a name no report writes.
    pub fn near(&self, name: &str) -> Vec<&str> {
        let mut v: Vec<&str> = self.of.keys().map(String::as_str).filter(|n| n.contains(name) || name.contains(*n)).collect();
        v.sort();
        v.truncate(5);
        v
    }

    /// Whether two names are one unit.
    pub fn same_unit(&self, a: &str, b: &str) -> bool {
        a == b || self.unit_of(a) == self.unit_of(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(names: &[(&str, usize)], aliases: &Aliases) -> Registry {
        let d = crate::schema::Domain::builtin().expect("built-in schema");
        let names: BTreeMap<String, usize> = names.iter().map(|(n, c)| (n.to_string(), *c)).collect();
        Registry::build(&names, d.units().expect("units"), d.regions().expect("regions"), aliases)
    }

    #[test]
    fn a_name_with_and_without_its_city_is_one_unit() {
        let r = registry(&[("舒城县人力资源和社会保障局", 3), ("六安市舒城县人力资源和社会保障局", 1), ("舒城县财政局", 2)], &Aliases::default());
        assert_eq!(r.unit_of("六安市舒城县人力资源和社会保障局"), "舒城县人力资源和社会保障局");
        assert_eq!(r.units().len(), 2);
        assert!(!r.same_unit("舒城县财政局", "舒城县人力资源和社会保障局"));
    }

    #[test]
    fn a_unit_renamed_by_a_reform_is_one_unit_under_its_new_name() {
        let r = registry(
            &[("株洲市卫生和计划生育委员会", 3), ("株洲市卫生健康委员会", 2), ("株洲市卫计委", 1), ("湘潭市卫生和计划生育委员会", 2), ("舒城县农业局", 2), ("舒城县农业农村局", 1), ("金寨县林业局", 4)],
            &Aliases::default(),
        );
        // Before and after the rename, in full or short: one unit, shown under the name it has now
        // even where the old one was written more often.
        assert_eq!(r.unit_of("株洲市卫生和计划生育委员会"), "株洲市卫生健康委员会");
        assert_eq!(r.unit_of("株洲市卫计委"), "株洲市卫生健康委员会");
        assert_eq!(r.unit_of("舒城县农业局"), "舒城县农业农村局");
        // Another place's old name stays its own unit; a name never renamed there stays as it is.
        assert!(!r.same_unit("湘潭市卫生和计划生育委员会", "株洲市卫生健康委员会"));
        assert_eq!(r.unit_of("湘潭市卫生和计划生育委员会"), "湘潭市卫生和计划生育委员会");
        assert_eq!(r.unit_of("金寨县林业局"), "金寨县林业局");
        assert_eq!(r.units().len(), 4, "{:?}", r.units());
    }

    #[test]
    fn short_forms_and_bare_names_join_only_one_unit() {
        let r = registry(&[("株洲市卫生健康委员会", 2), ("株洲市卫健委", 1), ("卫生健康委员会", 1)], &Aliases::default());
        assert_eq!(r.units().len(), 1, "{:?}", r.units());
        // Two counties' bureaus of one name stay two units, and the bare name joins neither.
        let r = registry(&[("舒城县财政局", 1), ("金寨县财政局", 1), ("财政局", 1)], &Aliases::default());
        assert_eq!(r.units().len(), 3);
        // A province's and a city's bureau are not one unit.
        let r = registry(&[("安徽省财政厅", 1), ("安徽省六安市财政厅", 1)], &Aliases::default());
        assert_eq!(r.units().len(), 2);
        // A town written by its name alone, with 政府 or with 人民政府 is one unit; two towns stay two.
        let r = registry(&[("舒城县城关镇人民政府", 2), ("城关镇", 1), ("城关镇政府", 1), ("桃溪镇", 1)], &Aliases::default());
        assert_eq!(r.units().len(), 2, "{:?}", r.units());
        assert!(r.same_unit("城关镇", "舒城县城关镇人民政府"));
    }

    #[test]
    fn the_users_merges_and_splits_win() {
        let mut a = Aliases::default();
        a.merge(&["舒城县卫生和计划生育委员会".to_string(), "舒城县卫生健康委员会".to_string()], "舒城县卫生健康委员会");
        let r = registry(&[("舒城县卫生和计划生育委员会", 2), ("舒城县卫生健康委员会", 1)], &a);
        assert_eq!(r.unit_of("舒城县卫生和计划生育委员会"), "舒城县卫生健康委员会");
        assert!(r.units()[0].merged_by_user);
        a.split("舒城县卫生和计划生育委员会");
        let r = registry(&[("舒城县卫生和计划生育委员会", 2), ("舒城县卫生健康委员会", 1)], &a);
        assert!(!r.same_unit("舒城县卫生和计划生育委员会", "舒城县卫生健康委员会"));
        // Kept apart from a look-alike that grouping alone would join.
        let mut a = Aliases::default();
        a.split("六安市舒城县财政局");
        let r = registry(&[("舒城县财政局", 1), ("六安市舒城县财政局", 1)], &a);
        assert_eq!(r.units().len(), 2);
    }

    #[test]
    fn a_malformed_aliases_file_is_refused_with_its_line() {
        let e = Aliases::parse("apart = [\"a\"]\n[[merge]]\nname = 3\n", Path::new("x/aliases.toml")).unwrap_err().to_string();
        assert!(e.starts_with("x/aliases.toml, line 3"), "{e}");
    }
}
