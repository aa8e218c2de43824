//! The tantivy index: schema, indexing, and the per-term BM25 scores read
//! back from it for the static export.
//!
//! Every section is one tantivy document. Scores are tantivy's own BM25
//! ([`Bm25Weight`]) per field, summed with the field boosts in [`BOOSTS`],
//! which is exactly what a tantivy `BooleanQuery` of boosted `TermQuery`s
//! over those fields scores (tested below against tantivy's searcher).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use tantivy::merge_policy::NoMergePolicy;
use tantivy::postings::Postings;
use tantivy::query::Bm25Weight;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::{DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TERMINATED};

use super::analysis::{self, TOKENIZER};
use super::docs::SearchPage;

/// The index's fields, by name.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Haven's document id (0.. in page order, sections in page order).
    pub doc: Field,
    /// Page title and glossary synonyms (on the page's first section only).
    pub title: Field,
    pub heading: Field,
    pub body: Field,
    /// Page tags (on the page's first section only).
    pub tags: Field,
    /// Audiences: stored for filters, not searched as text.
    pub audience: Field,
    /// Site-relative URL with `#anchor`.
    pub url: Field,
}

/// How much a listing's match counts against an article's: the glossary
/// or a section's index holds every entry's words, but the page that
/// answers is the article.
pub const LISTING_WEIGHT: f32 = 0.5;

/// How much a match in each field counts, relative to the body.
pub const BOOSTS: [(&str, f32); 4] = [("title", 3.0), ("heading", 2.0), ("tags", 1.5), ("body", 1.0)];

/// The schema, defined once.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs),
    );
    let stored = text.clone().set_stored();
    let fields = Fields {
        doc: b.add_u64_field("doc", INDEXED | FAST | STORED),
        title: b.add_text_field("title", stored.clone()),
        heading: b.add_text_field("heading", stored.clone()),
        // Indexed, not stored: the section texts are in the static index's
        // page files, which `haven search` reads its snippets from; storing
        // them again doubled the index and was most of its writer's work.
        body: b.add_text_field("body", text),
        tags: b.add_text_field("tags", stored),
        audience: b.add_text_field("audience", STRING | STORED),
        url: b.add_text_field("url", STORED),
    };
    (b.build(), fields)
}

/// Per-term scores of every document, as read back from the index.
#[derive(Debug, Default)]
pub struct Scores {
    /// Distinct terms, sorted (a term's id is its position).
    pub terms: Vec<String>,
    /// For each term: (doc id, boosted BM25 summed over fields), by doc id.
    pub postings: Vec<Vec<(u32, f32)>>,
    /// Every word indexed (lower-cased) and the term it was indexed as;
    /// stop words and over-long words are not indexed and not here.
    pub words: HashMap<String, String>,
}

/// Register Haven's analyzer on an index (needed after every open).
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, analysis::stemming());
}

/// Index `pages` into the empty directory `dir` and read the scores back.
pub fn build(dir: &Path, pages: &[SearchPage]) -> tantivy::Result<Scores> {
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    let log = analysis::StemLog::default();
    index.tokenizers().register(TOKENIZER, analysis::stemming_logged(log.clone()));
    // One indexing thread, no merges: documents are written in order. A big
    // site may still get several segments; scores below are computed across
    // all of them, so the export does not depend on the segment layout.
    let mut writer: IndexWriter = index.writer_with_num_threads(1, memory_budget(pages))?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let mut id = 0u64;
    // Each document's weight (by Haven id): listings count less.
    let mut weights: Vec<f32> = Vec::new();
    for page in pages {
        for (i, s) in page.sections.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_u64(f.doc, id);
            if i == 0 {
                d.add_text(f.title, &page.title);
                for syn in &page.synonyms {
                    d.add_text(f.title, syn);
                }
                for t in &page.tags {
                    d.add_text(f.tags, t);
                }
            }
            for a in &page.audience {
                d.add_text(f.audience, a);
            }
            d.add_text(f.heading, &s.heading);
            d.add_text(f.body, &s.text);
            if !s.extra.is_empty() {
                d.add_text(f.body, &s.extra);
            }
            d.add_text(f.url, url(&page.path, &s.anchor));
            writer.add_document(d)?;
            weights.push(if page.listing { LISTING_WEIGHT } else { 1.0 });
            id += 1;
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let reader = reader(&index)?;
    let words = std::mem::take(&mut *log.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    Ok(Scores { words, ..scores(&reader, &f, &weights)? })
}

/// The indexing memory for `pages`: tantivy zeroes a third of it for its
/// term table before the first document, which cost a small site more than
/// indexing it; ~3 bytes per byte of text, between tantivy's least (15 MB)
/// and 64 MiB.
fn memory_budget(pages: &[SearchPage]) -> usize {
    let text: usize =
        pages.iter().flat_map(|p| &p.sections).map(|s| s.text.len() + s.heading.len() + s.extra.len()).sum();
    // tantivy refuses less than 15 MB per thread (MEMORY_BUDGET_NUM_BYTES_MIN).
    (text * 3).clamp(15_000_000, 64 << 20)
}

/// `path#anchor`, or `path` for the top of a page.
pub fn url(path: &str, anchor: &str) -> String {
    if anchor.is_empty() {
        path.to_string()
    } else {
        format!("{path}#{anchor}")
    }
}

pub fn reader(index: &Index) -> tantivy::Result<IndexReader> {
    index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()
}

/// Walk every field's term dictionary and postings; compute boosted BM25.
/// Each document's sum is scaled by its weight in `weights` (by Haven id).
///
/// The postings of every term are held at once (tens of millions on a big
/// site), so each term's list is made at its final size: the document
/// frequencies, read first, say how many postings every field brings, and
/// the fields are summed where they lie.
fn scores(reader: &IndexReader, f: &Fields, weights: &[f32]) -> tantivy::Result<Scores> {
    let searcher = reader.searcher();
    let num_docs = searcher.num_docs();
    if num_docs == 0 {
        return Ok(Scores::default());
    }
    let field_of = |name: &str| match name {
        "title" => f.title,
        "heading" => f.heading,
        "tags" => f.tags,
        _ => f.body,
    };
    // Per field: each term's document frequency across segments (BM25's idf,
    // and how many postings the field brings), and its average length.
    let mut stats: Vec<(HashMap<Vec<u8>, u64>, f32)> = Vec::with_capacity(BOOSTS.len());
    for (name, _) in BOOSTS {
        let field = field_of(name);
        let mut total_tokens = 0u64;
        let mut doc_freq: HashMap<Vec<u8>, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            total_tokens += inverted.total_num_tokens();
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                *doc_freq.entry(stream.key().to_vec()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
        stats.push((doc_freq, total_tokens as f32 / num_docs as f32));
    }
    // term → (doc, boosted score) of every field, field by field (BOOSTS order).
    let mut combined: BTreeMap<String, Vec<(u32, f32)>> = BTreeMap::new();
    for ((name, boost), (doc_freq, average_fieldnorm)) in BOOSTS.into_iter().zip(&stats) {
        let field = field_of(name);
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let norms = segment.get_fieldnorms_reader(field)?;
            let ids = segment.fast_fields().u64("doc")?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                let text = std::str::from_utf8(stream.key())
                    .map_err(|e| tantivy::TantivyError::InternalError(format!("term is not UTF-8: {e}")))?;
                let df = doc_freq.get(stream.key()).copied().unwrap_or(1);
                let weight = Bm25Weight::for_one_term_without_explain(df, num_docs, *average_fieldnorm);
                let list = match combined.get_mut(text) {
                    Some(list) => list,
                    None => {
                        let all_fields: u64 = stats.iter().filter_map(|(d, _)| d.get(stream.key())).sum();
                        combined.entry(text.to_string()).or_insert_with(|| Vec::with_capacity(all_fields as usize))
                    }
                };
                let mut postings =
                    inverted.read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)?;
                let mut d = postings.doc();
                while d != TERMINATED {
                    let ours = ids
                        .first(d)
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(|| tantivy::TantivyError::InternalError(format!("document {d} has no Haven id")))?;
                    list.push((ours, boost * weight.score(norms.fieldnorm_id(d), postings.term_freq())));
                    d = postings.advance();
                }
            }
        }
    }
    drop(stats);
    let weight = |doc: u32| weights.get(doc as usize).copied().unwrap_or(1.0);
    let (terms, postings) = combined.into_iter().map(|(t, fields)| (t, sum_by_doc(fields, weight))).unzip();
    Ok(Scores { terms, postings, words: HashMap::new() })
}

/// A term's (doc, score) pairs of every field, listed field by field, as one
/// score per document (by doc id) scaled by the document's weight, in the
/// same list. A field lists a document once; the stable sort keeps a
/// document's fields in their listed order, so each sum adds in the same
/// order every build.
fn sum_by_doc(mut fields: Vec<(u32, f32)>, weight: impl Fn(u32) -> f32) -> Vec<(u32, f32)> {
    fields.sort_by_key(|&(doc, _)| doc);
    // `dedup_by` hands (this, the last one kept): add this to it.
    fields.dedup_by(|(doc, score), (last, sum)| {
        let same = *doc == *last;
        if same {
            *sum += *score;
        }
        same
    });
    for (doc, score) in &mut fields {
        *score *= weight(*doc);
    }
    fields.shrink_to_fit();
    fields
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::index::docs::SearchSection;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::schema::Value;
    use tantivy::Term;

    pub fn sample() -> Vec<SearchPage> {
        let sec = |h: &str, a: &str, t: &str| SearchSection {
            heading: h.into(),
            anchor: a.into(),
            text: t.into(),
            extra: String::new(),
        };
        vec![
            SearchPage {
                title: "Secure attachment".into(),
                path: "attachment/secure/".into(),
                tags: vec!["Attachment".into()],
                audience: vec!["clients".into()],
                synonyms: vec![],
                key_points: String::new(),
                listing: false,
                sections: vec![
                    sec("", "", "Secure attachment grows from a responsive caregiver."),
                    sec("A secure base", "a-secure-base", "A child explores from a secure base and returns."),
                ],
            },
            SearchPage {
                title: "The working alliance".into(),
                path: "alliance/what/".into(),
                tags: vec!["Alliance".into()],
                audience: vec!["clinicians".into()],
                synonyms: vec![],
                key_points: String::new(),
                listing: false,
                sections: vec![
                    sec("", "", "The alliance is the collaborative bond between client and therapist."),
                    sec("Goals", "goals", "Agreement on goals and tasks; the bond holds the attachment."),
                    sec("Repair", "repair", "Ruptures in the alliance can be repaired."),
                ],
            },
        ]
    }

    #[test]
    fn a_section_found_by_its_text_gives_its_title_heading_and_url_but_not_the_text_again() {
        let dir = tempfile::tempdir().unwrap();
        build(dir.path(), &sample()).unwrap();
        let index = Index::open_in_dir(dir.path()).unwrap();
        register(&index);
        let (_, f) = schema();
        let searcher = reader(&index).unwrap().searcher();
        let q = TermQuery::new(Term::from_field_text(f.body, "explor"), IndexRecordOption::WithFreqs);
        let top = searcher.search(&q, &TopDocs::with_limit(10)).unwrap();
        assert_eq!(top.len(), 1);
        let doc: TantivyDocument = searcher.doc(top[0].1).unwrap();
        let text = |field| doc.get_first(field).and_then(|v| v.as_str().map(str::to_string));
        assert_eq!(text(f.heading).as_deref(), Some("A secure base"));
        assert_eq!(text(f.url).as_deref(), Some("attachment/secure/#a-secure-base"));
        assert_eq!(text(f.body), None, "the text is in the static index's page file");
    }

    #[test]
    fn fields_are_summed_per_document_in_listed_order_in_a_list_of_its_final_size() {
        // Listed field by field: doc 2 (title), doc 1 and doc 2 (body).
        let summed = sum_by_doc(vec![(2, 1e8), (1, 0.5), (2, 1.0), (2, -1e8)], |d| if d == 1 { 2.0 } else { 1.0 });
        // In listed order 1e8 + 1 is 1e8 in f32, so the sum is 0 (any other
        // order gives 1): the same sum every build.
        assert_eq!(summed, vec![(1, 1.0), (2, 0.0)]);
        assert_eq!(summed.capacity(), summed.len(), "no room left over: every term's list is held at once");
    }

    #[test]
    fn scores_equal_tantivys_boosted_bm25() {
        let dir = tempfile::tempdir().unwrap();
        let scores = build(dir.path(), &sample()).unwrap();
        let index = Index::open_in_dir(dir.path()).unwrap();
        register(&index);
        let (_, f) = schema();
        let searcher = reader(&index).unwrap().searcher();
        for (tid, term) in scores.terms.iter().enumerate() {
            // What tantivy's QueryParser builds for one term over boosted fields.
            let clauses: Vec<(Occur, Box<dyn Query>)> =
                [(f.title, 3.0), (f.heading, 2.0), (f.tags, 1.5), (f.body, 1.0)]
                    .into_iter()
                    .map(|(field, boost)| {
                        let q = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                        (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>)
                    })
                    .collect();
            let query = BooleanQuery::new(clauses);
            let top = searcher.search(&query, &TopDocs::with_limit(100)).unwrap();
            let mut theirs: Vec<(u32, f32)> = top
                .into_iter()
                .map(|(score, addr)| {
                    let doc: TantivyDocument = searcher.doc(addr).unwrap();
                    (doc.get_first(f.doc).and_then(|v| v.as_u64()).unwrap() as u32, score)
                })
                .collect();
            theirs.sort_by_key(|(d, _)| *d);
            let ours = &scores.postings[tid];
            assert_eq!(ours.len(), theirs.len(), "term {term}");
            for ((d1, s1), (d2, s2)) in ours.iter().zip(&theirs) {
                assert_eq!(d1, d2, "term {term}");
                assert!((s1 - s2).abs() <= 1e-4 * s2.max(1.0), "term {term}: {s1} vs tantivy {s2}");
            }
        }
        assert!(scores.terms.iter().any(|t| t == "attach"), "{:?}", scores.terms);
        assert!(!scores.terms.iter().any(|t| t == "the"), "stop words are not indexed");
    }
}
