//! Similar weaknesses: the sections whose wording is closest to a given paragraph.

use super::{term_query, Filters, Searching};
use crate::index::SectionDoc;
use crate::model::{ReportId, SectionId};
use crate::similarity::{bigrams, idf, shape, shape_similarity, statement_similarity, weighted, Profile, Vectorizer, NEAR_DUPLICATE};
use anyhow::Result;
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur};
use tantivy::schema::OwnedValue;
use tantivy::Term;

/// The least similarity a hit must have: a paragraph that shares no weighted word or bigram with
/// the given one (similarity 0) is not similar, whatever the candidate search returned.
pub const MIN_SIMILARITY: f32 = 0.02;

/// A section similar to a given paragraph.
#[derive(Debug, Clone)]
pub struct SimilarHit {
    /// The similar section's id.
    pub id: SectionId,
    /// The section with its report's fields.
    pub doc: SectionDoc,
    /// `statement_similarity` of the two paragraphs (words, bigrams, themes), 0 to 1.
    pub similarity: f32,
    /// Same wording with other names and figures.
    pub near_duplicate: bool,
}

impl Searching<'_> {
    /// Sections most similar to `text`: candidates are the sections that share rare words with it
    /// (MoreLikeThis over jieba words) or carry a problem theme it names; `statement_similarity`
    /// (weighted words, weighted character bigrams, shared themes) ranks them; the shape measure
    /// flags near-duplicates. `exclude` drops a report's own sections.
    pub fn similar(&self, text: &str, filters: &Filters, exclude: Option<&ReportId>, limit: usize) -> Result<Vec<SimilarHit>> {
        let searcher = self.index.searcher()?;
        let mut stop: Vec<String> = self.domain.stopwords.iter().cloned().collect();
        stop.sort();
        let mlt = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(2)
            .with_stop_words(stop)
            .with_document_fields(vec![(self.index.fields.text_search, vec![OwnedValue::Str(text.to_string())])]);
        // The themes the text names find sections worded otherwise ("资金沉淀" and "结余未统筹").
        let themes = crate::enrich::themes::statement_themes(text, &self.domain.themes);
        let mut either: Vec<(Occur, Box<dyn tantivy::query::Query>)> = vec![(Occur::Should, Box::new(mlt))];
        either.extend(themes.iter().map(|t| (Occur::Should, term_query(self.index.fields.themes, &t.0))));
        let mut clauses = self.filter_clauses(&searcher, filters)?;
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        if let Some(id) = exclude {
            clauses.push((Occur::MustNot, term_query(self.index.fields.report_id, id.as_str())));
        }
        let query = BooleanQuery::new(clauses);
        let candidates = searcher.search(&query, &TopDocs::with_limit((limit * 5).max(50)).order_by_score())?;
        let mut docs = Vec::new();
        for (_, addr) in candidates {
            let doc: SectionDoc = self.index.blob_of(&searcher, addr)?;
            let other = doc.section.content();
            // A heading over other sections is not a paragraph; a one-line item (long title) is.
            let one_line_item = doc.section.bare_title().chars().count() >= 12;
            if other.chars().count() < 8 || doc.section.text.is_empty() && !one_line_item {
                continue;
            }
            docs.push((doc, other));
        }
        // Words weighted by rarity in the collection (信息化 says more than 卫生健康); bigrams by
        // rarity among the candidates and the text, which is all that is read here.
        let n = searcher.num_docs().max(1) as usize;
        let mut idf_cache: HashMap<String, f32> = HashMap::new();
        let mut word_idf = |w: &str| -> f32 {
            *idf_cache.entry(w.to_string()).or_insert_with(|| {
                let df = searcher.doc_freq(&Term::from_field_text(self.index.fields.text_search, w)).unwrap_or(0) as usize;
                idf(n, df)
            })
        };
        let mut vz = Vectorizer::new(self.domain);
        let grams: Vec<_> = std::iter::once(bigrams(text)).chain(docs.iter().map(|(_, other)| bigrams(other))).collect();
        let mut gram_df: HashMap<&str, usize> = HashMap::new();
        for g in &grams {
            g.keys().for_each(|k| *gram_df.entry(k).or_default() += 1);
        }
        let gram_idf = |k: &str| idf(grams.len(), gram_df.get(k).copied().unwrap_or(0));
        let source = Profile { words: weighted(vz.vector(text), &mut word_idf), bigrams: weighted(grams[0].clone(), gram_idf), themes, leanings: self.domain.themes.leanings(text) };
        let source_shape = shape(text, self.domain);
        let mut out = Vec::new();
        for ((doc, other), g) in docs.into_iter().zip(grams.iter().skip(1)) {
            let profile = Profile { words: weighted(vz.vector(&other), &mut word_idf), bigrams: weighted(g.clone(), gram_idf), themes: doc.section.themes.clone(), leanings: self.domain.themes.leanings(&other) };
            let similarity = statement_similarity(&source, &profile);
            if !(similarity >= MIN_SIMILARITY) {
                continue;
            }
            let near_duplicate = shape_similarity(&source_shape, &shape(&other, self.domain)) >= NEAR_DUPLICATE;
            out.push(SimilarHit { id: doc.report_id.section(doc.section.seq), doc, similarity, near_duplicate });
        }
        out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.id.cmp(&b.id)));
        out.truncate(limit);
        Ok(out)
    }
}
