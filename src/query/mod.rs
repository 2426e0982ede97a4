//! Queries: a user's search text and filters → tantivy query → ranked `Hit`s with snippets.
//!
//! Free Chinese text is cut into words by the precise analyzer; each whitespace-separated part must
//! match, as a phrase (heading or text) or, for recall, as all of its search-mode sub-words. Text with
//! tantivy syntax (quotes, AND/OR, -, field:value) goes to tantivy's QueryParser. Relevance is
//! multiplied by the category's `search_boost` (schema/categories.toml): problem paragraphs first,
//! score-table appendices last.

pub(crate) mod facets;
mod lookup;
pub(crate) mod ranking;
mod similar;
mod snippet;
pub mod syntax;

pub use lookup::{compared_text, resolve_report, ComparedText, ReportLookup};
pub use similar::SimilarHit;
pub use snippet::snippet;
pub use syntax::{BadQuery, ParsedQuery, Scope, MAX_QUERY_CHARS, MAX_QUERY_DEPTH, MAX_QUERY_OPERATORS, QUERY_FIELDS};

use crate::schema::Domain;
use crate::index::analyzer::words;
use crate::index::{SearchIndex, SectionDoc, DOC_SECTION};
use crate::model::{Category, ReportKind, SectionId, YearRange};
use anyhow::{anyhow, Result};
use std::ops::Bound;
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, QueryParser, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Searcher, Term};

/// Filters on the structured fields. Each is a list: a section passes a filter when it has one of
/// the values listed (an empty list: any), and it must pass every filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Fiscal years or ranges.
    pub years: Vec<YearRange>,
    /// Parts of department names.
    pub departments: Vec<String>,
    /// Parts of province, city or county names.
    pub regions: Vec<String>,
    /// Section categories.
    pub categories: Vec<Category>,
    /// Report kinds.
    pub kinds: Vec<ReportKind>,
    /// Problem theme ids.
    pub themes: Vec<String>,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.years.is_empty() && self.departments.is_empty() && self.regions.is_empty() && self.categories.is_empty() && self.kinds.is_empty() && self.themes.is_empty()
    }
}

/// A ranked section.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The section's id.
    pub id: SectionId,
    /// Relevance, multiplied by the category's boost.
    pub score: f32,
    /// The section with its report's fields.
    pub doc: SectionDoc,
    /// A fragment of the text around the matches.
    pub snippet: String,
    /// Byte ranges of the matches in `snippet`.
    pub highlights: Vec<(usize, usize)>,
}

fn term_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::WithFreqs))
}

/// Words as a phrase (one word: a term) on `field`.
fn phrase(field: Field, ws: &[String]) -> Option<Box<dyn Query>> {
    match ws {
        [] => None,
        [w] => Some(term_query(field, w)),
        _ => Some(Box::new(PhraseQuery::new(ws.iter().map(|w| Term::from_field_text(field, w)).collect()))),
    }
}

/// Search-mode words without those inside another of them, sorted: a section holding 绩效目标
/// as a word holds its sub-words 绩效 and 目标 too (they are cut from it), so requiring them adds
/// nothing to the match and a posting list to intersect per section (most of a broad query's time).
fn implied_dropped(mut sub: Vec<String>) -> Vec<String> {
    sub.sort();
    sub.dedup();
    let keep: Vec<bool> = sub.iter().map(|w| !sub.iter().any(|o| o.len() > w.len() && o.contains(w.as_str()))).collect();
    sub.into_iter().zip(keep).filter_map(|(w, k)| k.then_some(w)).collect()
}

/// Relevance kept by a section that is a heading without text of its own.
const HEADING_ONLY_WEIGHT: f32 = 0.3;

/// A search over one index with one schema: the query builder, the ranking and the loading of hits.
pub struct Searching<'a> {
    /// The index searched.
    pub index: &'a SearchIndex,
    /// The schema: themes, categories and stop words.
    pub domain: &'a Domain,
    /// The collection's units: a department filter matches every name of a unit one of whose
    /// names it matches. Without it, names are matched as they are.
    pub units: Option<&'a crate::units::Registry>,
}

impl Searching<'_> {
    /// The query for a parsed query's text (without filters).
    fn text_query(&self, q: &ParsedQuery) -> Result<Box<dyn Query>> {
        let f = &self.index.fields;
        let text = q.text.as_str();
        if let Some(theme) = &q.theme_term {
            self.domain.themes.require(theme)?;
        }
        if q.syntax {
            let mut parser = QueryParser::for_index(&self.index.index, vec![f.heading, f.text]);
            parser.set_conjunction_by_default();
            parser.set_field_boost(f.heading, 1.5);
            return parser.parse_query(text).map_err(|_| anyhow::Error::new(BadQuery::of(text)));
        }
        // The index's analyzers: jieba in a writer, the index vocabulary in a reader.
        let mut precise = self.index.index.tokenizer_for_field(f.text)?;
        let mut search = self.index.index.tokenizer_for_field(f.text_search)?;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for part in text.split_whitespace() {
            let ws = words(&mut precise, part);
            let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(q) = phrase(f.text, &ws) {
                alts.push((Occur::Should, Box::new(BoostQuery::new(q, 2.0))));
            }
            if let Some(q) = phrase(f.heading, &ws) {
                alts.push((Occur::Should, Box::new(BoostQuery::new(q, 2.0))));
            }
            let sub = implied_dropped(words(&mut search, part));
            if !sub.is_empty() {
                let all: Vec<(Occur, Box<dyn Query>)> = sub.iter().map(|w| (Occur::Must, term_query(f.text_search, w))).collect();
                alts.push((Occur::Should, Box::new(BoostQuery::new(Box::new(BooleanQuery::new(all)), 0.5))));
            }
            if !alts.is_empty() {
                parts.push((Occur::Must, Box::new(BooleanQuery::new(alts))));
            }
        }
        if parts.is_empty() {
            return Err(anyhow!("the query {text:?} has no words to search for"));
        }
        Ok(Box::new(BooleanQuery::new(parts)))
    }

    /// Any of the words of `text` of two or more characters, stop words left out (`None`: none).
    fn any_word_query(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let mut search = self.index.index.tokenizer_for_field(self.index.fields.text_search)?;
        let mut ws: Vec<String> = words(&mut search, text).into_iter().filter(|w| w.chars().count() >= 2 && !self.domain.stopwords.contains(w)).collect();
        ws.sort();
        ws.dedup();
        if ws.is_empty() {
            return Ok(None);
        }
        let any: Vec<(Occur, Box<dyn Query>)> = ws.iter().map(|w| (Occur::Should, term_query(self.index.fields.text_search, w))).collect();
        Ok(Some(Box::new(BoostQuery::new(Box::new(BooleanQuery::new(any)), 0.5))))
    }

    /// Distinct values of a STRING field that contain `part`.
    fn values_containing(&self, searcher: &Searcher, field: Field, part: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(field)?;
            let mut stream = inv.terms().stream()?;
            while stream.advance() {
                let v = String::from_utf8_lossy(stream.key()).into_owned();
                if v.contains(part) && !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    /// The filter clauses (always restricted to sections; the first clause is that restriction).
    /// They select and do not rank: each scores 0.
    pub fn filter_clauses(&self, searcher: &Searcher, filters: &Filters) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        Ok(self.filter_queries(searcher, filters)?.into_iter().map(|(o, q)| (o, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect())
    }

    fn filter_queries(&self, searcher: &Searcher, filters: &Filters) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        let f = &self.index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, term_query(f.doc_type, DOC_SECTION))];
        let set = |field: Field, values: Vec<String>| -> Box<dyn Query> {
            Box::new(TermSetQuery::new(values.into_iter().map(|v| Term::from_field_text(field, &v))))
        };
        // One clause per filter, of the values listed (any of them).
        let any = |alternatives: Vec<Box<dyn Query>>| -> Box<dyn Query> { Box::new(BooleanQuery::new(alternatives.into_iter().map(|q| (Occur::Should, q)).collect())) };
        if !filters.years.is_empty() {
            let ranges = filters.years.iter().map(|y| {
                let lo = Term::from_field_u64(f.fiscal_year, u64::from(y.from));
                let hi = Term::from_field_u64(f.fiscal_year, u64::from(y.to));
                Box::new(RangeQuery::new(Bound::Included(lo), Bound::Included(hi))) as Box<dyn Query>
            });
            clauses.push((Occur::Must, any(ranges.collect())));
        }
        if !filters.departments.is_empty() {
            let mut names = Vec::new();
            for d in &filters.departments {
                let found = self.values_containing(searcher, f.department, d)?;
                if let Some(units) = self.units {
                    names.extend(found.iter().flat_map(|n| units.variants_of(n)).map(str::to_string));
                    names.extend(units.names_matching(d).into_iter().map(str::to_string));
                } else {
                    names.extend(found);
                }
            }
            names.sort();
            names.dedup();
            clauses.push((Occur::Must, set(f.department, names)));
        }
        if !filters.regions.is_empty() {
            let mut places: Vec<Box<dyn Query>> = Vec::new();
            for r in &filters.regions {
                for field in [f.province, f.city, f.county] {
                    places.push(set(field, self.values_containing(searcher, field, r)?));
                }
            }
            clauses.push((Occur::Must, any(places)));
        }
        if !filters.categories.is_empty() {
            clauses.push((Occur::Must, set(f.category, filters.categories.iter().map(|c| c.as_str().to_string()).collect())));
        }
        if !filters.kinds.is_empty() {
            clauses.push((Occur::Must, set(f.kind, filters.kinds.iter().map(|k| k.as_str().to_string()).collect())));
        }
        if !filters.themes.is_empty() {
            clauses.push((Occur::Must, set(f.themes, filters.themes.clone())));
        }
        Ok(clauses)
    }

    /// Themes a free-text query names the way users type problems ("采购执行率低", "人才短缺"): one of
    /// the theme's `queries`, or text its patterns recognise.
    pub fn themes_for(&self, query: &ParsedQuery) -> Vec<String> {
        if query.syntax {
            return vec![];
        }
        let text = query.text.as_str();
        let q = crate::text::squeeze(text);
        if q.chars().count() < 2 {
            return vec![];
        }
        self.domain
            .themes
            .list
            .iter()
            .filter(|t| t.queries.iter().any(|x| crate::text::squeeze(x) == q) || t.patterns.iter().any(|p| p.may_match(&q) && p.is_match(&q)))
            .map(|t| t.id.0.clone())
            .collect()
    }

    /// The query for a parsed query and filters, with the theme clause when the text names a theme.
    pub(crate) fn full_query(&self, searcher: &Searcher, query: Option<&ParsedQuery>, filters: &Filters) -> Result<(Box<dyn Query>, Option<Box<dyn Query>>, Vec<String>)> {
        let mut clauses = self.filter_clauses(searcher, filters)?;
        // `department:罗湖` and `region:深圳` filter by part of the name, as --dept and --region do.
        for scope in query.map(|q| q.scopes.as_slice()).unwrap_or_default() {
            let only = match scope {
                Scope::Department(part) => Filters { departments: vec![part.clone()], ..Filters::default() },
                Scope::Region(part) => Filters { regions: vec![part.clone()], ..Filters::default() },
            };
            clauses.extend(self.filter_clauses(searcher, &only)?.into_iter().skip(1));
        }
        let Some(query) = query.filter(|q| q.has_text()) else {
            return Ok((Box::new(BooleanQuery::new(clauses)), None, vec![]));
        };
        // Only sections hold text: with plain words to match, the restriction to sections is
        // implied (and intersecting with every section costs a seek per match). Query syntax can
        // name other fields or negate alone, so it keeps the restriction.
        if !query.syntax {
            clauses.remove(0);
        }
        let text = query.text.as_str();
        let text_q = self.text_query(query)?;
        let themes = self.themes_for(query);
        let matcher: Box<dyn Query> = if themes.is_empty() {
            text_q.box_clone()
        } else {
            let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, text_q.box_clone())];
            for t in &themes {
                any.push((Occur::Should, term_query(self.index.fields.themes, t)));
            }
            // Among the sections of the theme, those whose text names what the query names
            // ("政府采购执行率仅为31.6%" for 采购执行率低) come before those that carry the theme only
            // (a deducted indicator whose text says nothing of it): each of the query's words adds.
            // They add to the score only: a section matches by the text or the theme.
            let mut scored: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(any)))];
            if let Some(words) = self.any_word_query(text)? {
                scored.push((Occur::Should, words));
            }
            Box::new(BooleanQuery::new(scored))
        };
        clauses.push((Occur::Must, matcher));
        Ok((Box::new(BooleanQuery::new(clauses)), Some(text_q), themes))
    }

    /// Ranks matches (see `ranking`): sections of a theme the query names first, then by
    /// relevance times the category's boost, ties broken by section id.
    fn ranked(&self, searcher: &Searcher, query: &dyn Query, themes: &[String], limit: usize, offset: usize) -> Result<(Vec<(f32, DocAddress)>, usize)> {
        let themes: Option<std::sync::Arc<dyn tantivy::query::Weight>> = if themes.is_empty() {
            None
        } else {
            let any = BooleanQuery::new(themes.iter().map(|t| (Occur::Should, term_query(self.index.fields.themes, t))).collect());
            Some(any.weight(tantivy::query::EnableScoring::disabled_from_searcher(searcher))?.into())
        };
        let collector = ranking::Ranking {
            keep: if limit == 0 { 0 } else { limit.saturating_add(offset) },
            boosts: Category::ALL.iter().map(|c| self.domain.categories.search_boost(*c)).collect(),
            heading_only: HEADING_ONLY_WEIGHT,
            themes,
        };
        let (best, total) = searcher.search(query, &collector)?;
        Ok((best.into_iter().skip(offset).map(|(r, a)| (r.score(), a)).collect(), total))
    }

    /// Runs a search: the `limit` best hits after `offset`, and the total number of matches.
    pub fn search(&self, text: &str, filters: &Filters, limit: usize, offset: usize) -> Result<(Vec<Hit>, usize)> {
        let parsed = ParsedQuery::parse(text)?;
        let searcher = self.index.searcher()?;
        let (query, text_q, themes) = self.full_query(&searcher, Some(&parsed), filters)?;
        let (top, total) = self.ranked(&searcher, &*query, &themes, limit, offset)?;
        let snippet_q = text_q.unwrap_or(query);
        let hits = self.hits(&searcher, &*snippet_q, top)?;
        Ok((hits, total))
    }

    /// Every match, best first (text `None`: every section passing the filters, in section-id order).
    /// Returns the searcher with the addresses so that callers can load documents one at a time.
    pub fn all_matches(&self, text: Option<&str>, filters: &Filters) -> Result<(Searcher, Vec<(f32, DocAddress)>)> {
        let parsed = text.map(ParsedQuery::parse).transpose()?;
        let searcher = self.index.searcher()?;
        let (query, _, themes) = self.full_query(&searcher, parsed.as_ref(), filters)?;
        if text.is_none() {
            // In section-id order: the index order depends on which of the index writer's threads
            // took each document.
            let addrs: Vec<DocAddress> = searcher.search(&*query, &tantivy::collector::DocSetCollector)?.into_iter().collect();
            let keys: Vec<_> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.fast_fields().u64("id_key").map(|c| c.first_or_default_col(0)))
                .collect::<tantivy::Result<_>>()?;
            let mut keyed: Vec<(u64, DocAddress)> = addrs.into_iter().map(|a| (keys[a.segment_ord as usize].get_val(a.doc_id), a)).collect();
            keyed.sort();
            return Ok((searcher, keyed.into_iter().map(|(_, a)| (0.0, a)).collect()));
        }
        let total = searcher.search(&*query, &Count)?;
        let (top, _) = self.ranked(&searcher, &*query, &themes, total, 0)?;
        Ok((searcher, top))
    }

    /// The documents of `all_matches`, loaded, best first.
    pub fn all_docs(&self, text: Option<&str>, filters: &Filters) -> Result<Vec<SectionDoc>> {
        self.all_docs_as(text, filters, |d| d)
    }

    /// `all_docs`, each document passed through `keep` as it is loaded (to drop what the caller
    /// does not need: memory follows what is kept).
    pub fn all_docs_as(&self, text: Option<&str>, filters: &Filters, mut keep: impl FnMut(SectionDoc) -> SectionDoc) -> Result<Vec<SectionDoc>> {
        let (searcher, addrs) = self.all_matches(text, filters)?;
        // Every document is kept, so all are read in document order (the doc store decompresses
        // each block once) and put in rank order.
        let mut rank: Vec<usize> = (0..addrs.len()).collect();
        rank.sort_by_key(|i| addrs[*i].1);
        let mut docs = Vec::with_capacity(addrs.len());
        for &i in &rank {
            docs.push(keep(self.index.blob_of(&searcher, addrs[i].1)?));
        }
        // docs[j] belongs at rank[j]: moved there in place (a second vector would double the peak).
        for j in 0..docs.len() {
            while rank[j] != j {
                let k = rank[j];
                docs.swap(j, k);
                rank.swap(j, k);
            }
        }
        Ok(docs)
    }

    /// Loads ranked documents and hands them to `each` in rank order. Each chunk is read in document
    /// order, so the doc store decompresses a block once, not once per hit; memory stays bounded by
    /// the chunk.
    pub fn load_in_chunks(&self, searcher: &Searcher, ranked: &[(f32, DocAddress)], mut each: impl FnMut(f32, SectionDoc) -> Result<()>) -> Result<()> {
        const CHUNK: usize = 4096;
        for chunk in ranked.chunks(CHUNK) {
            let mut order: Vec<usize> = (0..chunk.len()).collect();
            order.sort_by_key(|i| chunk[*i].1);
            let mut loaded: Vec<Option<SectionDoc>> = (0..chunk.len()).map(|_| None).collect();
            for i in order {
                loaded[i] = Some(self.index.blob_of(searcher, chunk[i].1)?);
            }
            for (i, doc) in loaded.into_iter().enumerate() {
                if let Some(doc) = doc {
                    each(chunk[i].0, doc)?;
                }
            }
        }
        Ok(())
    }

    /// Loads hits and cuts their snippets; ties are broken by section id for stable output.
    pub fn hits(&self, searcher: &Searcher, text_q: &dyn Query, top: Vec<(f32, DocAddress)>) -> Result<Vec<Hit>> {
        let f = &self.index.fields;
        let mut terms: Vec<String> = Vec::new();
        text_q.query_terms(&mut |term, _| {
            if [f.text, f.text_search, f.heading].contains(&term.field()) {
                if let Some(t) = term.value().as_str() {
                    if !terms.iter().any(|x| x == t) {
                        terms.push(t.to_string());
                    }
                }
            }
        });
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: SectionDoc = self.index.blob_of(searcher, addr)?;
            let (snippet, highlights) = snippet(&doc.section.text, &terms);
            hits.push(Hit { id: doc.report_id.section(doc.section.seq), score, doc, snippet, highlights });
        }
        // `top` is in rank order already (theme tier, score, id): kept as it is.
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_inside_another_are_dropped() {
        let ws = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(implied_dropped(ws(&["目标", "绩效", "绩效目标", "绩效"])), ws(&["绩效目标"]));
        assert_eq!(implied_dropped(ws(&["政府", "采购", "政府采购", "执行", "执行率"])), ws(&["执行率", "政府采购"]));
        assert_eq!(implied_dropped(ws(&["人才", "短缺"])), ws(&["人才", "短缺"]));
    }

    #[test]
    fn year_ranges() {
        assert_eq!("2023".parse::<YearRange>().unwrap(), YearRange { from: 2023, to: 2023 });
        assert_eq!("2022..2024".parse::<YearRange>().unwrap(), YearRange { from: 2022, to: 2024 });
        assert_eq!("2022..".parse::<YearRange>().unwrap().to, u16::MAX);
        assert!("2024..2022".parse::<YearRange>().is_err());
        assert!("abc".parse::<YearRange>().is_err());
    }
}
