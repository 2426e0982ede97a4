//! Facet counts of a search: how many matching sections each year, region, department, report
//! kind, section category and problem theme holds, so that a page can show filters with counts.
//!
//! The matching sections are collected once per segment into a bit set; each facet then walks its
//! field's terms and their postings (or the year's fast field), counting the documents in the set.
//! No stored document is read, so counting costs the same for a query matching ten sections or all.

use super::{Filters, Searching};
use anyhow::Result;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::BitSet;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

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

/// Collects the matching documents of each segment as a bit set.
struct Matching;

struct SegmentMatching {
    ord: SegmentOrdinal,
    bits: BitSet,
}

impl Collector for Matching {
    type Fruit = Vec<(SegmentOrdinal, BitSet)>;
    type Child = SegmentMatching;
    fn for_segment(&self, ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentMatching> {
        Ok(SegmentMatching { ord, bits: BitSet::with_max_value(reader.max_doc()) })
    }
    fn requires_scoring(&self) -> bool {
        false
    }
    fn merge_fruits(&self, fruits: Vec<Vec<(SegmentOrdinal, BitSet)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatching {
    type Fruit = Vec<(SegmentOrdinal, BitSet)>;
    fn collect(&mut self, doc: DocId, _score: Score) {
        self.bits.insert(doc);
    }
    fn harvest(self) -> Self::Fruit {
        vec![(self.ord, self.bits)]
    }
}

/// Counts per term of a STRING field over the matching documents.
fn term_counts(searcher: &Searcher, matching: &[(SegmentOrdinal, BitSet)], field: Field) -> Result<Vec<Count>> {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (ord, bits) in matching {
        if bits.len() == 0 {
            continue;
        }
        let seg = searcher.segment_reader(*ord);
        let inv = seg.inverted_index(field)?;
        let mut terms = inv.terms().stream()?;
        while terms.advance() {
            let mut postings = inv.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut n = 0;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                n += usize::from(bits.contains(doc));
                doc = postings.advance();
            }
            if n > 0 {
                *counts.entry(String::from_utf8_lossy(terms.key()).into_owned()).or_default() += n;
            }
        }
    }
    let mut v: Vec<Count> = counts.into_iter().map(|(value, count)| Count { value, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    Ok(v)
}

fn year_counts(searcher: &Searcher, matching: &[(SegmentOrdinal, BitSet)]) -> Result<Vec<Count>> {
    let mut counts: std::collections::BTreeMap<u64, usize> = std::collections::BTreeMap::new();
    for (ord, bits) in matching {
        let seg = searcher.segment_reader(*ord);
        let Ok(col) = seg.fast_fields().u64("fiscal_year") else { continue };
        for doc in 0..seg.max_doc() {
            if bits.contains(doc) {
                if let Some(y) = col.first(doc) {
                    *counts.entry(y).or_default() += 1;
                }
            }
        }
    }
    Ok(counts.into_iter().map(|(y, count)| Count { value: y.to_string(), count }).collect())
}

impl Searching<'_> {
    /// The facet counts of the sections that `text` and `filters` match.
    pub fn facets(&self, text: &str, filters: &Filters) -> Result<Facets> {
        let searcher = self.index.searcher()?;
        let (query, _, _) = self.full_query(&searcher, Some(text), filters)?;
        let matching = searcher.search(&*query, &Matching)?;
        let f = &self.index.fields;
        let count = |field: Field| term_counts(&searcher, &matching, field);
        let mut departments = count(f.department)?;
        departments.truncate(MAX_DEPARTMENTS);
        let mut categories = count(f.category)?;
        // Categories in their reading order, as the schema lists them.
        categories.sort_by_key(|c| crate::model::Category::parse(&c.value).map_or(u64::MAX, |c| c.ordinal()));
        Ok(Facets {
            years: year_counts(&searcher, &matching)?,
            provinces: count(f.province)?,
            cities: count(f.city)?,
            counties: count(f.county)?,
            departments,
            kinds: count(f.kind)?,
            categories,
            themes: count(f.themes)?,
        })
    }
}
