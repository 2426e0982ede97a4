//! Facet counts of a search: how many matching sections each year, region, department, report
//! kind, section category and problem theme holds, so that a page can show filters with counts.
//!
//! One pass over the matching sections reads each facet field's fast-field column (term ordinals)
//! and counts; ordinals become strings once per segment. No stored document is read, and the cost
//! follows the number of matches.

use super::{Filters, Searching};
use anyhow::Result;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// A value and the number of matching sections that carry it, most first (ties by value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub value: String,
    pub count: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// By year, in year order (not by count).
    pub years: Vec<Count>,
    pub provinces: Vec<Count>,
    pub cities: Vec<Count>,
    pub counties: Vec<Count>,
    /// The departments with most matches (at most `MAX_DEPARTMENTS`).
    pub departments: Vec<Count>,
    pub kinds: Vec<Count>,
    pub categories: Vec<Count>,
    pub themes: Vec<Count>,
}

/// Departments listed in the facet; the rest are reached by typing part of the name.
pub const MAX_DEPARTMENTS: usize = 30;

/// The string fields counted, by their index names, in the order of `Counts::fields`.
const STR_FIELDS: [&str; 6] = ["province", "city", "county", "department", "kind", "theme"];

/// Counts, per matching document, the values of the facet fields (their fast-field columns), so
/// that the cost follows the number of matches.
struct Counting;

struct SegmentCounting {
    columns: Vec<Option<StrColumn>>,
    year: Option<Column<u64>>,
    category: Option<Column<u64>>,
    /// Per string field: count per term ordinal of this segment.
    fields: Vec<Vec<usize>>,
    years: std::collections::BTreeMap<u64, usize>,
    categories: Vec<usize>,
}

/// Counts by value, merged over segments.
#[derive(Default)]
struct Counts {
    fields: Vec<std::collections::BTreeMap<String, usize>>,
    years: std::collections::BTreeMap<u64, usize>,
    categories: Vec<usize>,
}

impl Collector for Counting {
    type Fruit = Counts;
    type Child = SegmentCounting;
    fn for_segment(&self, _ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCounting> {
        let ff = reader.fast_fields();
        let columns: Vec<Option<StrColumn>> = STR_FIELDS.iter().map(|f| ff.str(f)).collect::<tantivy::Result<_>>()?;
        let fields = columns.iter().map(|c| vec![0; c.as_ref().map_or(0, |c| c.num_terms())]).collect();
        Ok(SegmentCounting {
            columns,
            year: ff.u64("fiscal_year").ok(),
            category: ff.u64("category_ord").ok(),
            fields,
            years: Default::default(),
            categories: vec![0; crate::model::Category::ALL.len()],
        })
    }
    fn requires_scoring(&self) -> bool {
        false
    }
    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut all = Counts { fields: vec![Default::default(); STR_FIELDS.len()], categories: vec![0; crate::model::Category::ALL.len()], ..Default::default() };
        for c in fruits {
            for (into, from) in all.fields.iter_mut().zip(c.fields) {
                for (k, n) in from {
                    *into.entry(k).or_default() += n;
                }
            }
            for (y, n) in c.years {
                *all.years.entry(y).or_default() += n;
            }
            for (into, n) in all.categories.iter_mut().zip(c.categories) {
                *into += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounting {
    type Fruit = Counts;
    fn collect(&mut self, doc: DocId, _score: Score) {
        for (col, counts) in self.columns.iter().zip(self.fields.iter_mut()) {
            if let Some(col) = col {
                for ord in col.ords().values_for_doc(doc) {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
        if let Some(y) = self.year.as_ref().and_then(|c| c.first(doc)) {
            *self.years.entry(y).or_default() += 1;
        }
        if let Some(c) = self.category.as_ref().and_then(|c| c.first(doc)) {
            if let Some(n) = self.categories.get_mut(c as usize) {
                *n += 1;
            }
        }
    }
    fn harvest(self) -> Counts {
        let mut fields = Vec::with_capacity(self.columns.len());
        for (col, counts) in self.columns.iter().zip(self.fields) {
            let mut m = std::collections::BTreeMap::new();
            if let Some(col) = col {
                // All terms wanted in one sorted walk of the dictionary (a lookup per term would
                // decompress a block each time).
                let (ords, ns): (Vec<u64>, Vec<usize>) = counts.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(o, n)| (o as u64, n)).unzip();
                let mut ns = ns.into_iter();
                let _ = col.dictionary().sorted_ords_to_term_cb(&ords, |term| {
                    if let Some(n) = ns.next() {
                        m.insert(String::from_utf8_lossy(term).into_owned(), n);
                    }
                });
            }
            fields.push(m);
        }
        Counts { fields, years: self.years, categories: self.categories }
    }
}

/// Most first, ties by value.
fn ranked(m: std::collections::BTreeMap<String, usize>) -> Vec<Count> {
    let mut v: Vec<Count> = m.into_iter().map(|(value, count)| Count { value, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v
}

impl Searching<'_> {
    /// The facet counts of the sections that `text` and `filters` match.
    pub fn facets(&self, text: &str, filters: &Filters) -> Result<Facets> {
        let parsed = super::ParsedQuery::parse(text)?;
        let searcher = self.index.searcher()?;
        let (query, _, _) = self.full_query(&searcher, Some(&parsed), filters)?;
        let counts = searcher.search(&*query, &Counting)?;
        let mut fields = counts.fields;
        // The names of one unit count as the unit (`units`).
        if let (Some(units), Some(m)) = (self.units, fields.get_mut(3)) {
            let mut merged = std::collections::BTreeMap::new();
            for (name, n) in std::mem::take(m) {
                *merged.entry(units.unit_of(&name).to_string()).or_default() += n;
            }
            *m = merged;
        }
        let mut fields = fields.into_iter().map(ranked);
        let mut next = || fields.next().unwrap_or_default();
        let (provinces, cities, counties, mut departments, kinds, themes) = (next(), next(), next(), next(), next(), next());
        departments.truncate(MAX_DEPARTMENTS);
        // Categories in their reading order.
        let categories = crate::model::Category::ALL
            .iter()
            .zip(counts.categories)
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| Count { value: c.as_str().to_string(), count: n })
            .collect();
        Ok(Facets {
            years: counts.years.into_iter().map(|(y, count)| Count { value: y.to_string(), count }).collect(),
            provinces,
            cities,
            counties,
            departments,
            kinds,
            categories,
            themes,
        })
    }
}

impl Searching<'_> {
    /// The facet counts as a filter panel shows them: each facet with a value chosen counts the
    /// matches of every other filter but its own, so that its other values stay visible with what
    /// choosing them would find (Kibana's way). Regions narrow level by level and keep their own
    /// filter. One more counting pass per facet chosen.
    pub fn facets_beside_choices(&self, text: &str, filters: &Filters) -> Result<Facets> {
        let mut facets = self.facets(text, filters)?;
        if !filters.years.is_empty() {
            facets.years = self.facets(text, &Filters { years: vec![], ..filters.clone() })?.years;
        }
        if !filters.departments.is_empty() {
            facets.departments = self.facets(text, &Filters { departments: vec![], ..filters.clone() })?.departments;
        }
        if !filters.kinds.is_empty() {
            facets.kinds = self.facets(text, &Filters { kinds: vec![], ..filters.clone() })?.kinds;
        }
        if !filters.categories.is_empty() {
            facets.categories = self.facets(text, &Filters { categories: vec![], ..filters.clone() })?.categories;
        }
        if !filters.themes.is_empty() {
            facets.themes = self.facets(text, &Filters { themes: vec![], ..filters.clone() })?.themes;
        }
        Ok(facets)
    }
}
