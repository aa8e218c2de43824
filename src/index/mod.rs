//! Stage 5, **index**: `&Site` → the tantivy index in `search-index/` and the
//! static browser index in the site's `search/` folder, from one list of
//! search documents, so `haven search` and the browser cannot drift.
//!
//! 1. Split every page at its headings into search documents
//!    ([`docs::collect`]), from the parsed model, never from HTML.
//! 2. Index them with tantivy (English stemming, stop words dropped; see
//!    [`analysis`]) into a staging folder beside `search-index/`.
//! 3. Read every term's postings back and compute boosted BM25 per
//!    (term, section) with tantivy's own weights ([`inverted`]).
//! 4. Map every word of the site to its term (the browser never stems),
//!    quantize scores to 16 bits and write the sharded static index
//!    ([`export`], in the formats of [`codec`]), which [`query`] and
//!    `search.js` rank from.
//!
//! Nothing is published here: [`SearchIndex::publish`] swaps the staging
//! folder in after the site itself was written, so a failed build leaves
//! both `public/` and `search-index/` as they were. The static index is
//! deterministic (sorted everywhere, names are content hashes); tantivy's
//! own segment files need not be.

pub mod analysis;
pub mod codec;
pub mod docs;
pub mod export;
pub mod inverted;
pub mod query;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::fsx::{self, FsError};
use crate::output::Staging;

/// Folder of the site (and of `search-index/`) that holds the static index.
pub const STATIC_DIR: &str = "search";
/// File in `search-index/` describing the build, checked by `haven search`.
pub const INFO_FILE: &str = "haven-search.json";
/// The tracked `search-index/README.md`, rewritten on every build.
const README: &str = crate::output::SEARCH_INDEX_README;

/// A built index, not yet published.
pub struct SearchIndex {
    /// The static index for the site's `search/` folder: each file's path
    /// in the site (`search/manifest.js`, `search/VERSION/v0.js` …) and
    /// size. The files are in the staging folder at the same paths
    /// ([`SearchIndex::file`]), written once: the site gets them by
    /// [`crate::write::Writer::link`].
    pub files: Vec<(String, u64)>,
    pub sections: usize,
    pub pages: usize,
    staging: Staging,
}

impl SearchIndex {
    /// Swap the new `search-index/` in for the old one.
    pub fn publish(self) -> Result<(), FsError> {
        self.staging.publish()
    }

    /// The staging folder, for [`crate::write::Writer::publish`] to swap in.
    pub fn into_staging(self) -> Staging {
        self.staging
    }

    /// Where the file `path` of [`SearchIndex::files`] is, until published.
    pub fn file(&self, path: &str) -> std::path::PathBuf {
        self.staging.path().join(path)
    }
}

/// What `haven search` needs to know about the build that wrote the index.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Info {
    pub format: u32,
    /// Base path URLs are printed under (`/kb/`).
    pub base_path: String,
    pub pages: usize,
    pub sections: usize,
}

/// Build both indexes into `staging`, a staging folder beside the claimed
/// `search-index/` ([`crate::output`]), from the site's search documents
/// ([`docs::collect`]), whose texts it drops once they are indexed.
pub fn run(config: &Config, staging: Staging, pages: Vec<docs::SearchPage>) -> Result<SearchIndex, Diagnostic> {
    run_pages(config, staging, Cow::Owned(pages))
}

/// [`run`] from search documents already collected (`haven serve` keeps
/// them and replaces only an edited page's).
pub fn run_docs(config: &Config, staging: Staging, pages: &[docs::SearchPage]) -> Result<SearchIndex, Diagnostic> {
    run_pages(config, staging, Cow::Borrowed(pages))
}

/// [`run_docs`], with pages that may be its own ([`export_pages`]).
fn run_pages(config: &Config, staging: Staging, pages: Cow<'_, [docs::SearchPage]>) -> Result<SearchIndex, Diagnostic> {
    let fs = |e: FsError| Diagnostic::error(e.to_string());
    let page_count = pages.len();
    let export = export_pages(staging.path(), pages).map_err(|e| {
        Diagnostic::error(format!("cannot build the search index in {}: {e}", staging.path().display()))
    })?;
    let info = Info {
        format: export::FORMAT,
        // Relative sites print site-absolute paths in the terminal.
        base_path: if config.relative { "/".into() } else { config.base_path.clone() },
        pages: page_count,
        sections: export.manifest.docs as usize,
    };
    let dir = staging.path().join(STATIC_DIR);
    let site_files = export.write_site_files(|name, bytes| fsx::write(&dir.join(name), bytes)).map_err(fs)?;
    let info_json = serde_json::to_vec_pretty(&info).map_err(|e| Diagnostic::error(e.to_string()))?;
    fsx::write(&staging.path().join(INFO_FILE), &info_json).map_err(fs)?;
    fsx::write(&staging.path().join("README.md"), README.as_bytes()).map_err(fs)?;
    let files = site_files.into_iter().map(|(name, len)| (format!("{STATIC_DIR}/{name}"), len)).collect();
    Ok(SearchIndex { files, sections: info.sections, pages: info.pages, staging })
}

/// Steps 2–4: the tantivy index in `dir` and the static export.
pub fn build_export(dir: &Path, pages: &[docs::SearchPage]) -> tantivy::Result<export::Export> {
    export_pages(dir, Cow::Borrowed(pages))
}

/// [`build_export`]. Pages of its own lose their texts once they are
/// indexed and in their page files: the export needs only their sections'
/// number, and a big site's texts are hundreds of MB.
fn export_pages(dir: &Path, mut pages: Cow<'_, [docs::SearchPage]>) -> tantivy::Result<export::Export> {
    // tantivy indexes on one thread; the page files, which need only the
    // pages, are made beside it.
    let (scores, page_shards) = rayon::join(|| inverted::build(dir, &pages), || export::page_shards(&pages));
    if let Cow::Owned(own) = &mut pages {
        for s in own.iter_mut().flat_map(|p| &mut p.sections) {
            (s.text, s.extra) = (String::new(), String::new());
        }
    }
    let inverted::Scores { terms, postings, words } = scores?;
    let vocab = term_ids(words, &terms);
    let quantized = export::quantize(postings);
    Ok(export::build(&pages, quantized, &vocab, page_shards))
}

/// The words whose term is in the index (`terms`, sorted), with its id. Each
/// word's term is the one the index's analyzer gave it
/// ([`inverted::Scores::words`]): the browser never stems.
fn term_ids(words: HashMap<String, String>, terms: &[String]) -> BTreeMap<String, u32> {
    let ids: HashMap<&str, u32> = terms.iter().enumerate().map(|(i, t)| (t.as_str(), i as u32)).collect();
    words.into_iter().filter_map(|(w, t)| Some((w, *ids.get(t.as_str())?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_maps_to_its_stemmed_term() {
        let pages = inverted::tests::sample();
        let dir = tempfile::tempdir().unwrap();
        let scores = inverted::build(dir.path(), &pages).unwrap();
        let vocab = term_ids(scores.words.clone(), &scores.terms);
        let term = |w: &str| vocab.get(w).map(|&i| scores.terms[i as usize].as_str());
        assert_eq!(term("attachment"), Some("attach"));
        assert_eq!(term("repaired"), Some("repair"));
        assert_eq!(term("ruptures"), Some("ruptur"));
        assert_eq!(term("the"), None, "stop words are not in the vocabulary");
        // Every term is reachable from at least one word.
        let reached: std::collections::HashSet<u32> = vocab.values().copied().collect();
        assert_eq!(reached.len(), scores.terms.len());
    }

    #[test]
    fn the_indexed_words_are_every_word_of_the_site_with_its_term() {
        // What analysing each word of the pages again gives (how the
        // vocabulary was made before the index's analyzer noted its words).
        let pages = inverted::tests::sample();
        let scores = inverted::build(tempfile::tempdir().unwrap().path(), &pages).unwrap();
        let (mut surface, mut stemmer) = (analysis::surface(), analysis::stemming());
        let mut expected: HashMap<String, String> = HashMap::new();
        for p in &pages {
            let texts = std::iter::once(&p.title)
                .chain(&p.synonyms)
                .chain(&p.tags)
                .chain(p.sections.iter().flat_map(|s| [&s.heading, &s.text, &s.extra]));
            for text in texts {
                for w in analysis::words(&mut surface, text) {
                    if let Some(t) = analysis::term_of(&mut stemmer, &w) {
                        expected.insert(w, t);
                    }
                }
            }
        }
        assert!(expected.len() > 20, "the sample has words");
        assert_eq!(scores.words, expected);
    }

    #[test]
    fn pages_that_drop_their_texts_export_the_same_index() {
        let pages = inverted::tests::sample();
        let own = export_pages(tempfile::tempdir().unwrap().path(), Cow::Owned(pages.clone())).unwrap();
        let lent = build_export(tempfile::tempdir().unwrap().path(), &pages).unwrap();
        assert_eq!(own.site_files(), lent.site_files());
    }

    #[test]
    fn the_static_index_is_deterministic() {
        let pages = inverted::tests::sample();
        let a = build_export(tempfile::tempdir().unwrap().path(), &pages).unwrap();
        let b = build_export(tempfile::tempdir().unwrap().path(), &pages).unwrap();
        assert_eq!(a.site_files(), b.site_files());
    }
}
