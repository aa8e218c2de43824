//! Ranking a query against the static index: the algorithm that
//! `themes/default/static/search.js` runs in the browser, step for step, so
//! `haven search` and the site give the same results from the same bytes.
//!
//! 1. Split the query into words ([`super::analysis::surface`]); drop
//!    repeated words and stop words (except the word being typed).
//! 2. Look each word up in its vocabulary shard. An exact match counts
//!    double ([`EXACT`]); the word being typed (the last one, when the query
//!    does not end in a space or punctuation) also matches every word that
//!    starts with it ([`PREFIX`]), from 2 letters on. Shards hold whole
//!    3-letter groups (and a 2-letter prefix loads every shard of its
//!    groups), so every word with the prefix is seen and no page is missed.
//! 3. A word (3+ letters, not a stop word) with no match is corrected: the
//!    closest word by optimal-string-alignment distance, at most 1 for
//!    words of up to 4 letters and 2 for longer ones. Candidates come in
//!    stages, each loaded only while nothing at distance 1 was found: the
//!    typed word's own 3-letter group (already loaded), the words with its
//!    first letter, then the words whose first or second letter is its
//!    first or second letter (a wrong, missing, extra or swapped first
//!    letter). Ties go to the earlier stage, then the longer common ending,
//!    then the word in more sections, then the smaller word.
//! 4. A section's score for a word is the best `score × weight` over the
//!    word's terms; its total is the sum over words. Sections are ranked by
//!    (words matched, total) descending, then (page, section), so sections
//!    with every word come first; pages in the order of their best section.
//! 5. **Only what is needed is fetched** (a threshold algorithm over the
//!    impact-ordered blocks of [`super::export`]): from what is known — the
//!    terms' heads and the blocks fetched so far — every section gets a
//!    lower and an upper bound of its (matched, total), per term and page,
//!    and so does any section not seen yet. The bar is the `limit`-th best
//!    lower bound of a page: that many pages are sure to reach it. The
//!    ranking is final when every section whose upper bound reaches the bar
//!    is known exactly (so the best `limit` pages are among them); otherwise
//!    blocks are fetched, for the strongest threats first, [`BATCH`] blocks
//!    in the first round and twice as many each round after (for a section:
//!    its page's block of each term it may still gain from; for unseen
//!    sections: the best blocks of the next tier of each word's strongest
//!    term), and the bounds recomputed.
//! 6. The result is that exact prefix of the ranking, grouped by page: a
//!    page's other sections are those in the prefix. The number of pages
//!    and sections found is exact when every block was fetched, and
//!    otherwise a lower bound ([`Count::exact`] says which).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

mod rank;
mod words;

pub use rank::BATCH;
pub use words::osa_distance;

use super::analysis;
use super::codec::{self, Payload, Posting, Reader};
use super::export::{
    doc_name, shard_key, typo_lists_of, vocab_key, vocab_shard_of, vocab_shards_of_prefix, DocFile, FacetNames,
    Manifest, MetaPage, RecordShard, TermRecord, TypoShard, TypoTables, VocabShard, VocabWord, FORMAT,
};
use crate::fsx::FsError;

/// Weight of a term that the typed word names exactly (or corrects to).
pub const EXACT: u32 = 2;
/// Weight of a term reached by prefix only.
pub const PREFIX: u32 = 1;

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("there is no search index in {0}")]
    Missing(PathBuf),
    #[error("the search index in {path} is from an incompatible version of Haven ({detail})")]
    Incompatible { path: PathBuf, detail: String },
    #[error("search index file `{name}` is damaged: {detail}")]
    Corrupt { name: String, detail: String },
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("unknown {kind} `{value}`; known: {known}")]
    UnknownFacet { kind: &'static str, value: String, known: String },
}

fn corrupt(name: &str, detail: impl ToString) -> SearchError {
    SearchError::Corrupt { name: name.to_string(), detail: detail.to_string() }
}

/// Where files come from: a folder here, `fetch` or `<script>` in the browser.
pub trait Source {
    /// The bytes of file `key`: `manifest` or `VERSION/NAME` (see [`shard_key`]).
    fn load(&mut self, key: &str) -> Result<Vec<u8>, SearchError>;
}

/// Files read from a folder of `KEY.js` files, with a log of what was read.
#[derive(Debug)]
pub struct DirSource {
    pub dir: PathBuf,
    /// (key, bytes) of every file loaded, in order.
    pub loaded: Vec<(String, usize)>,
}

impl DirSource {
    pub fn new(dir: &Path) -> DirSource {
        DirSource { dir: dir.to_path_buf(), loaded: Vec::new() }
    }
}

impl Source for DirSource {
    fn load(&mut self, key: &str) -> Result<Vec<u8>, SearchError> {
        let path = self.dir.join(format!("{key}.js"));
        if key == "manifest" && !path.exists() {
            return Err(SearchError::Missing(self.dir.clone()));
        }
        let bytes = crate::fsx::read(&path)?;
        self.loaded.push((key.to_string(), bytes.len()));
        Ok(bytes)
    }
}

/// What one query word became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordMatch {
    /// The word as typed (lower-cased).
    pub word: String,
    pub kind: WordKind,
    /// The vocabulary word used instead, for a corrected word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    /// (term id, weight), by term id.
    #[serde(skip)]
    pub terms: Vec<(u32, u32)>,
    /// Words of the site this word matched (for highlighting).
    #[serde(skip)]
    pub surfaces: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordKind {
    /// A stop word, ignored.
    Stop,
    /// Found as a word of the site.
    Exact,
    /// The word being typed: matched as a prefix (and exactly, if it is a word).
    Prefix,
    /// Not found; a close word was used instead.
    Corrected,
    /// Not found, and nothing close.
    None,
}

/// A ranked section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocHit {
    pub page: u32,
    /// The section within its page.
    pub section: u32,
    pub score: u32,
    pub matched: u32,
}

/// A page and its matching sections among the results, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageHit {
    pub page: u32,
    pub docs: Vec<DocHit>,
}

/// How many pages and sections match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub pages: usize,
    pub sections: usize,
    /// `false`: the ranking stopped before fetching every block, and the
    /// counts are lower bounds ("at least").
    pub exact: bool,
}

/// The outcome of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub words: Vec<WordMatch>,
    pub count: Count,
    /// The best pages, at most the limit asked for, in rank order.
    pub pages: Vec<PageHit>,
}

impl Ranked {
    /// Whether any word was corrected ("showing results for …").
    pub fn corrected_query(&self) -> Option<String> {
        self.words.iter().any(|w| w.kind == WordKind::Corrected).then(|| {
            self.words
                .iter()
                .filter(|w| w.kind != WordKind::Stop)
                .map(|w| w.corrected.clone().unwrap_or_else(|| w.word.clone()))
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// Every site word that a query word matched.
    pub fn surfaces(&self) -> BTreeSet<&str> {
        self.words.iter().flat_map(|w| w.surfaces.iter().map(String::as_str)).collect()
    }
}

/// A query: text and optional filters (display names, case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub text: &'a str,
    pub tag: Option<&'a str>,
    pub audience: Option<&'a str>,
    /// An audience whose pages rank higher ([`PREFER`]); the others stay.
    pub prefer: Option<&'a str>,
}

/// How much more a section of a page for the preferred audience counts:
/// its total is multiplied by `PREFER.0`, every other section's by
/// `PREFER.1` (whole numbers, so both engines compute the same).
pub const PREFER: (u32, u32) = (3, 2);

/// The marks that open or close a phrase: the double quote and the
/// typographic ones phones type (`search.js` splits on the same).
pub const QUOTES: [char; 4] = ['"', '\u{201c}', '\u{201d}', '\u{201e}'];

/// The phrases of a query: the words between each pair of [`QUOTES`]
/// (`"secure base"`), in order. A quote without its pair is ignored.
pub fn phrases(text: &str) -> Vec<Vec<String>> {
    let mut surface = analysis::surface();
    let parts: Vec<&str> = text.split(QUOTES).collect();
    // Parts 1, 3, 5… are inside quotes; the last part of an odd count of
    // quotes is not closed.
    let closed = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    parts[..closed]
        .iter()
        .skip(1)
        .step_by(2)
        .map(|p| analysis::words(&mut surface, p))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `text` says `phrase` (its words in a row).
pub fn says(surface: &mut tantivy::tokenizer::TextAnalyzer, text: &str, phrase: &[String]) -> bool {
    let words = analysis::words(surface, text);
    words.windows(phrase.len()).any(|w| w == phrase)
}

/// A section as a result shows it ([`Engine::doc`]).
#[derive(Debug, Clone)]
pub struct DocSection {
    pub title: String,
    /// Site-relative URL path of the page.
    pub path: String,
    pub tags: Vec<String>,
    pub audience: Vec<String>,
    pub heading: String,
    pub anchor: String,
    pub text: String,
}

/// A loaded static index, fetching files on demand and keeping them.
pub struct Engine<S: Source> {
    pub source: S,
    pub manifest: Manifest,
    stop: HashSet<String>,
    question: HashSet<String>,
    vocab: HashMap<usize, VocabShard>,
    /// Record shard of every term seen in a vocabulary shard.
    term_shard: HashMap<u32, u32>,
    records: HashSet<u32>,
    terms: HashMap<u32, TermRecord>,
    typo_tables: Option<TypoTables>,
    typo: HashMap<String, TypoShard>,
    files: HashMap<u32, Vec<u8>>,
    /// Decoded blocks: (term, block index) → postings.
    blocks: HashMap<(u32, usize), Vec<Posting>>,
    meta: HashMap<u32, MetaPage>,
    /// The files of the sections shown or checked, by name.
    docs: HashMap<String, DocFile>,
    facets: Option<FacetNames>,
}

fn json<T: serde::de::DeserializeOwned>(name: &str, payload: Payload) -> Result<T, SearchError> {
    match payload {
        Payload::Json(b) => serde_json::from_slice(&b).map_err(|e| corrupt(name, e)),
        Payload::Binary(_) => Err(corrupt(name, "expected JSON")),
    }
}

fn binary(name: &str, payload: Payload) -> Result<Vec<u8>, SearchError> {
    match payload {
        Payload::Binary(b) => Ok(b),
        Payload::Json(_) => Err(corrupt(name, "expected binary data")),
    }
}

impl<S: Source> Engine<S> {
    /// Load and check the manifest.
    pub fn open(mut source: S, path_for_errors: &Path) -> Result<Engine<S>, SearchError> {
        let bytes = source.load("manifest")?;
        let payload = codec::unscript(&bytes).map_err(|e| corrupt("manifest", e))?;
        let value: serde_json::Value = json("manifest", payload.clone())?;
        let format = value.get("format").and_then(serde_json::Value::as_u64);
        if format != Some(u64::from(FORMAT)) {
            return Err(SearchError::Incompatible {
                path: path_for_errors.to_path_buf(),
                detail: format!(
                    "format {}, this haven reads {FORMAT}",
                    format.map_or("unknown".into(), |f| f.to_string())
                ),
            });
        }
        let manifest: Manifest = json("manifest", payload)?;
        let stop = manifest.stop.iter().cloned().collect();
        let question = manifest.question.iter().cloned().collect();
        Ok(Engine {
            source,
            manifest,
            stop,
            question,
            vocab: HashMap::new(),
            term_shard: HashMap::new(),
            records: HashSet::new(),
            terms: HashMap::new(),
            typo_tables: None,
            typo: HashMap::new(),
            files: HashMap::new(),
            blocks: HashMap::new(),
            meta: HashMap::new(),
            docs: HashMap::new(),
            facets: None,
        })
    }

    /// Load shard `name` of this build.
    fn fetch(&mut self, name: &str) -> Result<Payload, SearchError> {
        let key = shard_key(&self.manifest.version, name);
        codec::unscript(&self.source.load(&key)?).map_err(|e| corrupt(&key, e))
    }

    /// The vocabulary shard of `word`'s group.
    fn vocab_shard(&mut self, word: &str) -> Result<Option<&VocabShard>, SearchError> {
        let Some(i) = vocab_shard_of(&self.manifest.vocab, &vocab_key(word)) else { return Ok(None) };
        self.load_vocab(i).map(Some)
    }

    fn load_vocab(&mut self, i: usize) -> Result<&VocabShard, SearchError> {
        if !self.vocab.contains_key(&i) {
            let name = format!("v{i}");
            let bytes = binary(&name, self.fetch(&name)?)?;
            let shard = VocabShard::decode(&bytes).map_err(|e| corrupt(&name, e))?;
            self.term_shard.extend(shard.words.iter().map(|w| (w.tid, w.shard)));
            self.vocab.insert(i, shard);
        }
        self.vocab.get(&i).ok_or_else(|| corrupt(&format!("v{i}"), "not loaded"))
    }

    /// Load the records of `tids` (their record shards).
    fn load_records(&mut self, tids: impl IntoIterator<Item = u32>) -> Result<(), SearchError> {
        let shards: BTreeSet<u32> = tids.into_iter().filter_map(|t| self.term_shard.get(&t).copied()).collect();
        for i in shards {
            if self.records.contains(&i) {
                continue;
            }
            let name = format!("r{i}");
            let bytes = binary(&name, self.fetch(&name)?)?;
            let shard = RecordShard::decode(&bytes).map_err(|e| corrupt(&name, e))?;
            self.terms.extend(shard.terms.into_iter().map(|t| (t.tid, t)));
            self.records.insert(i);
        }
        Ok(())
    }

    fn typo_list(&mut self, name: &str) -> Result<&TypoShard, SearchError> {
        if !self.typo.contains_key(name) {
            let shard: TypoShard = json(name, self.fetch(name)?)?;
            self.typo.insert(name.to_string(), shard);
        }
        self.typo.get(name).ok_or_else(|| corrupt(name, "not loaded"))
    }

    /// Display data of a page (loads its metadata file).
    pub fn page(&mut self, page: u32) -> Result<&MetaPage, SearchError> {
        if !self.meta.contains_key(&page) {
            let name = format!("m{page}");
            let m: MetaPage = json(&name, self.fetch(&name)?)?;
            self.meta.insert(page, m);
        }
        self.meta.get(&page).ok_or_else(|| corrupt(&format!("m{page}"), "not loaded"))
    }

    /// What a result shows of a section: from the file of its run of
    /// sections ([`DocFile`]).
    pub fn doc(&mut self, page: u32, section: u32) -> Result<DocSection, SearchError> {
        let per_file = self.manifest.sections_per_file.max(1);
        let name = doc_name(page, section, per_file);
        if !self.docs.contains_key(&name) {
            let bytes = binary(&name, self.fetch(&name)?)?;
            let doc = DocFile::decode(&bytes).map_err(|e| corrupt(&name, e))?;
            self.docs.insert(name.clone(), doc);
        }
        let doc = self.docs.get(&name).ok_or_else(|| corrupt(&name, "not loaded"))?;
        let k = (section % per_file) as usize;
        let text = doc.x.get(k).ok_or_else(|| corrupt(&name, "no such section"))?;
        let (heading, anchor) = doc.section(k);
        Ok(DocSection {
            title: doc.head.t.clone(),
            path: doc.head.u.clone(),
            tags: doc.head.g.clone(),
            audience: doc.head.a.clone(),
            heading,
            anchor,
            text: text.clone(),
        })
    }

    fn facet_pages(&mut self, kind: &'static str, value: &str) -> Result<Vec<u32>, SearchError> {
        if self.facets.is_none() {
            self.facets = Some(json("g", self.fetch("g")?)?);
        }
        let (list, file) = match (&self.facets, kind) {
            (Some(f), "tag") => (&f.tags, "ft"),
            (Some(f), _) => (&f.audiences, "fa"),
            (None, _) => return Ok(Vec::new()),
        };
        let want = value.to_lowercase();
        match list.iter().position(|(n, _)| n.to_lowercase() == want) {
            Some(i) => {
                let name = format!("{file}{i}");
                json(&name, self.fetch(&name)?)
            }
            None => Err(SearchError::UnknownFacet {
                kind,
                value: value.to_string(),
                known: list.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Whether section `section` of `page` says every phrase, each in its
    /// title (the first section only), heading or text.
    fn says_phrases(&mut self, page: u32, section: u32, phrases: &[Vec<String>]) -> Result<bool, SearchError> {
        let DocSection { title, heading, text, .. } = self.doc(page, section)?;
        let title = if section == 0 { title } else { String::new() };
        let mut surface = analysis::surface();
        Ok(phrases.iter().all(|p| [&title, &heading, &text].iter().any(|t| says(&mut surface, t, p))))
    }

    /// Step 6 for a query with phrases: the ranking of its words, keeping
    /// only the sections that say every phrase (read from their pages'
    /// files), in rank order, until `limit` pages are found or none is left.
    fn rank_phrases(
        &mut self,
        groups: &[Vec<(u32, u32)>],
        allowed: Option<&[u32]>,
        prefer: Option<&[u32]>,
        phrases: &[Vec<String>],
        limit: usize,
    ) -> Result<(Vec<PageHit>, Count), SearchError> {
        let mut want = limit.max(1).saturating_mul(2);
        loop {
            let (ranked, _) = self.rank(groups, allowed, prefer, want)?;
            let more = ranked.len() == want;
            // Every section of the prefix ranks above every section after
            // it, so the kept ones are in their final order.
            let mut docs: Vec<DocHit> = ranked.iter().flat_map(|p| p.docs.iter().copied()).collect();
            docs.sort_by(|a, b| {
                (b.matched, b.score).cmp(&(a.matched, a.score)).then((a.page, a.section).cmp(&(b.page, b.section)))
            });
            let mut pages: Vec<PageHit> = Vec::new();
            let mut sections = 0;
            for d in docs {
                let known = pages.iter().position(|p| p.page == d.page);
                if known.is_none() && pages.len() == limit {
                    continue;
                }
                if !self.says_phrases(d.page, d.section, phrases)? {
                    continue;
                }
                sections += 1;
                match known {
                    Some(i) => pages[i].docs.push(d),
                    None => pages.push(PageHit { page: d.page, docs: vec![d] }),
                }
            }
            if pages.len() == limit || !more {
                // Exact only when every section found was read.
                let count = Count { pages: pages.len(), sections, exact: !more && pages.len() < limit };
                return Ok((pages, count));
            }
            want = want.saturating_mul(4);
        }
    }

    /// Rank `q` and return its best `limit` pages (steps 1–6).
    pub fn search(&mut self, q: &Query<'_>, limit: usize) -> Result<Ranked, SearchError> {
        let words = analysis::words(&mut analysis::surface(), q.text);
        let typing_last = analysis::ends_in_word(q.text);
        let mut seen = HashSet::new();
        let mut out = Ranked::default();
        // A question's own words go when it has others ("what if i dont like
        // my therapist" → like, therapist).
        let subject = words.iter().any(|w| !self.stop.contains(w) && !self.question.contains(w));
        // A phrase's words are found as typed: never prefixes, never corrected.
        let phrases = phrases(q.text);
        let quoted: HashSet<&String> = phrases.iter().flatten().collect();
        for (i, w) in words.iter().enumerate() {
            if !seen.insert(w.clone()) {
                continue;
            }
            let typing = typing_last && i + 1 == words.len() && !quoted.contains(w);
            if subject && !typing && self.question.contains(w) {
                out.words.push(WordMatch {
                    word: w.clone(),
                    kind: WordKind::Stop,
                    corrected: None,
                    terms: Vec::new(),
                    surfaces: Vec::new(),
                });
                continue;
            }
            out.words.push(self.match_word(w, typing, !quoted.contains(w))?);
        }
        let mut allowed: Option<Vec<u32>> = None;
        for (kind, value) in [("tag", q.tag), ("audience", q.audience)] {
            if let Some(v) = value {
                let pages = self.facet_pages(kind, v)?;
                allowed = Some(match allowed {
                    None => pages,
                    Some(a) => a.into_iter().filter(|p| pages.binary_search(p).is_ok()).collect(),
                });
            }
        }
        let prefer = match q.prefer {
            Some(v) => Some(self.facet_pages("audience", v)?),
            None => None,
        };
        let groups: Vec<Vec<(u32, u32)>> =
            out.words.iter().filter(|w| !w.terms.is_empty()).map(|w| w.terms.clone()).collect();
        self.load_records(groups.iter().flatten().map(|t| t.0))?;
        let (pages, count) = if phrases.is_empty() {
            self.rank(&groups, allowed.as_deref(), prefer.as_deref(), limit)?
        } else {
            self.rank_phrases(&groups, allowed.as_deref(), prefer.as_deref(), &phrases, limit)?
        };
        out.pages = pages;
        out.count = count;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
