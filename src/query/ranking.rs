//! The order of search hits, computed in one pass over the matches: sections of a theme the query
//! names first (those where a statement states a problem before those that carry the theme only by
//! a deducted indicator's name), then relevance times the category's boost (a heading without text of its own
//! weighs less), ties broken by section id (the smaller first), so that `-n k` is a prefix of
//! `-n k+1` whatever the segment layout.
//!
//! A broad query matches a large part of the index; every match is scored, so the per-match cost
//! is what counts: the ranking columns are read directly when every document has them, and a
//! section's id is read only when the match can enter the top.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnValues};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Where a match ranks: greater is better.
#[derive(Debug, Clone, Copy)]
pub struct Rank {
    /// 0; 1 for a section tagged with a theme the query names; 2 when its statements carry every
    /// theme it has (`index::STATED`).
    tier: u8,
    score: Score,
    /// The section id as a number (see `index::id_key`).
    key: u64,
}

impl Rank {
    /// The score the order uses (relevance times the category's weight).
    pub fn score(&self) -> Score {
        self.score
    }

    fn before_key(&self, other: &Rank) -> Ordering {
        self.tier.cmp(&other.tier).then(self.score.total_cmp(&other.score))
    }
}

impl Ord for Rank {
    fn cmp(&self, other: &Rank) -> Ordering {
        self.before_key(other).then(other.key.cmp(&self.key))
    }
}
impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Rank) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Rank {
    fn eq(&self, other: &Rank) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Rank {}

/// The best `keep` matches by `Rank`, and how many matched.
pub struct Ranking {
    pub keep: usize,
    /// Multiplier of the score by category ordinal.
    pub boosts: Vec<f32>,
    /// Multiplier of a heading without text of its own.
    pub heading_only: f32,
    /// Matches the themes the query names (None: no theme tier).
    pub themes: Option<Arc<dyn Weight>>,
}

/// A fast column as plain values: direct when every document has a value (an optional column
/// costs a rank lookup per read), the default 0 otherwise (indexes written before every document
/// had one).
fn dense(column: Option<Column<u64>>) -> Option<Arc<dyn ColumnValues<u64>>> {
    let column = column?;
    Some(match column.index {
        tantivy::columnar::ColumnIndex::Full => column.values,
        _ => column.first_or_default_col(0),
    })
}

pub struct SegmentRanking {
    segment: SegmentOrdinal,
    keep: usize,
    /// Weight by `category_ord * 2 + (empty & EMPTY)`.
    weights: Vec<f32>,
    category: Option<Arc<dyn ColumnValues<u64>>>,
    empty: Option<Arc<dyn ColumnValues<u64>>>,
    key: Option<Arc<dyn ColumnValues<u64>>>,
    /// Bit per document: tagged with a theme the query names.
    in_theme: Vec<u64>,
    /// The worst kept first.
    best: BinaryHeap<Reverse<(Rank, DocId)>>,
    count: usize,
}

impl Collector for Ranking {
    type Fruit = (Vec<(Rank, DocAddress)>, usize);
    type Child = SegmentRanking;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRanking> {
        let ff = reader.fast_fields();
        let mut in_theme = Vec::new();
        if let Some(w) = &self.themes {
            in_theme = vec![0u64; (reader.max_doc() as usize).div_ceil(64)];
            let mut docs = w.scorer(reader, 1.0)?;
            let mut d = docs.doc();
            while d != TERMINATED {
                in_theme[d as usize / 64] |= 1 << (d % 64);
                d = docs.advance();
            }
        }
        let weights = (0..self.boosts.len() * 2).map(|i| self.boosts[i / 2] * if i % 2 == 1 { self.heading_only } else { 1.0 }).collect();
        Ok(SegmentRanking {
            segment,
            keep: self.keep,
            weights,
            category: dense(ff.u64("category_ord").ok()),
            empty: dense(ff.u64("empty").ok()),
            key: dense(ff.u64("id_key").ok()),
            in_theme,
            best: BinaryHeap::with_capacity(self.keep.min(1 << 16) + 1),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<(Rank, DocAddress)>, usize)>) -> tantivy::Result<Self::Fruit> {
        let count = fruits.iter().map(|f| f.1).sum();
        let mut all: Vec<(Rank, DocAddress)> = fruits.into_iter().flat_map(|f| f.0).collect();
        all.sort_by_key(|a| Reverse(a.0));
        all.truncate(self.keep);
        Ok((all, count))
    }
}

impl SegmentCollector for SegmentRanking {
    type Fruit = (Vec<(Rank, DocAddress)>, usize);

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        if self.keep == 0 {
            return;
        }
        let read = |c: &Option<Arc<dyn ColumnValues<u64>>>| c.as_ref().map_or(0, |c| c.get_val(doc));
        let flags = read(&self.empty);
        let code = (read(&self.category) * 2 + (flags & crate::index::EMPTY)) as usize;
        let weight = self.weights.get(code).copied().unwrap_or(1.0);
        let in_theme = self.in_theme.get(doc as usize / 64).map_or(0, |w| (w >> (doc % 64)) as u8 & 1);
        let tier = in_theme * (1 + u8::from(flags & crate::index::STATED != 0));
        let mut rank = Rank { tier, score: score * weight, key: 0 };
        if self.best.len() >= self.keep {
            let worst = &self.best.peek().expect("a full heap").0 .0;
            if rank.before_key(worst) == Ordering::Less {
                return;
            }
            rank.key = read(&self.key);
            if rank <= *worst {
                return;
            }
            self.best.pop();
        } else {
            rank.key = read(&self.key);
        }
        self.best.push(Reverse((rank, doc)));
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        (self.best.into_iter().map(|Reverse((r, d))| (r, DocAddress::new(segment, d))).collect(), self.count)
    }
}
