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

use super::analysis;
use super::codec::{self, Payload, Posting, Reader};
use super::export::{
    shard_key, vocab_key, vocab_shard_of, vocab_shards_of_prefix, FacetNames, Manifest, MetaPage, RecordShard,
    TermRecord, TypoShard, TypoTables, VocabShard, VocabWord, FORMAT,
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
}

/// (words matched, total score): what sections are ranked by.
type Key = (u32, u32);

/// Blocks fetched in the first round for sections that could still enter
/// the results (strongest first), doubling each round; `search.js` uses the
/// same numbers.
pub const BATCH: usize = 8;

/// A block of a term not fetched yet.
#[derive(Debug, Clone, Copy)]
struct Open {
    lo: u32,
    hi: u32,
    max: u32,
    tier: u32,
    index: usize,
}

/// A loaded static index, fetching files on demand and keeping them.
pub struct Engine<S: Source> {
    pub source: S,
    pub manifest: Manifest,
    stop: HashSet<String>,
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
    /// Section texts of the pages shown (unpacked from their files).
    texts: HashMap<u32, Vec<String>>,
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
        Ok(Engine {
            source,
            manifest,
            stop,
            vocab: HashMap::new(),
            term_shard: HashMap::new(),
            records: HashSet::new(),
            terms: HashMap::new(),
            typo_tables: None,
            typo: HashMap::new(),
            files: HashMap::new(),
            blocks: HashMap::new(),
            meta: HashMap::new(),
            texts: HashMap::new(),
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

    /// The text of a section (from its page's file).
    pub fn text(&mut self, page: u32, section: u32) -> Result<&str, SearchError> {
        let name = format!("m{page}");
        if !self.texts.contains_key(&page) {
            let texts = self.page(page)?.texts().map_err(|e| corrupt(&name, e))?;
            self.texts.insert(page, texts);
        }
        let texts = self.texts.get(&page).ok_or_else(|| corrupt(&name, "not loaded"))?;
        texts.get(section as usize).map(String::as_str).ok_or_else(|| corrupt(&name, "no such section"))
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

    /// Analyse one word (step 2 and 3).
    fn match_word(&mut self, word: &str, typing: bool) -> Result<WordMatch, SearchError> {
        let chars = word.chars().count();
        let mut m = WordMatch {
            word: word.to_string(),
            kind: WordKind::None,
            corrected: None,
            terms: Vec::new(),
            surfaces: Vec::new(),
        };
        let stop = self.stop.contains(word);
        if stop && !typing {
            m.kind = WordKind::Stop;
            return Ok(m);
        }
        let mut terms: BTreeMap<u32, u32> = BTreeMap::new();
        let mut exact = false;
        // Words that start with a 2-letter prefix span several groups.
        let shards: Vec<usize> = if self.manifest.vocab.is_empty() {
            Vec::new()
        } else if typing && chars == 2 {
            vocab_shards_of_prefix(&self.manifest.vocab, word)
        } else {
            vocab_shard_of(&self.manifest.vocab, &vocab_key(word)).into_iter().collect()
        };
        for i in shards {
            let shard = self.load_vocab(i)?;
            for VocabWord { word: w, tid, .. } in &shard.words {
                if w == word {
                    terms.insert(*tid, EXACT);
                    m.surfaces.push(w.clone());
                    exact = true;
                } else if typing && chars >= 2 && w.starts_with(word) {
                    let e = terms.entry(*tid).or_insert(PREFIX);
                    *e = (*e).max(PREFIX);
                    m.surfaces.push(w.clone());
                }
            }
        }
        if !terms.is_empty() {
            m.kind = if typing && (terms.len() > 1 || !exact) { WordKind::Prefix } else { WordKind::Exact };
        } else if !stop && chars >= 3 {
            if let Some(w) = self.correct(word)? {
                let tid = self.vocab_shard(&w)?.and_then(|s| s.words.iter().find(|x| x.word == w)).map(|x| x.tid);
                if let Some(tid) = tid {
                    terms.insert(tid, EXACT);
                    m.kind = WordKind::Corrected;
                    m.surfaces.push(w.clone());
                    m.corrected = Some(w);
                }
            }
        }
        m.terms = terms.into_iter().collect();
        Ok(m)
    }

    /// The closest vocabulary word (step 3).
    fn correct(&mut self, word: &str) -> Result<Option<String>, SearchError> {
        let typed: Vec<char> = word.chars().collect();
        let max = if typed.len() <= 4 { 1 } else { 2 };
        let group = vocab_key(word);
        let own: Vec<(String, u32)> = match self.vocab_shard(word)? {
            Some(shard) => {
                shard.words.iter().filter(|w| vocab_key(&w.word) == group).map(|w| (w.word.clone(), w.df)).collect()
            }
            None => Vec::new(),
        };
        let mut best: Option<Candidate> = None;
        consider(&mut best, &typed, max, 0, &own);
        if best.as_ref().is_some_and(|b| b.0 <= 1) {
            return Ok(best.map(|b| b.4));
        }
        if self.typo_tables.is_none() {
            self.typo_tables = Some(json("l", self.fetch("l")?)?);
        }
        let Some(tables) = self.typo_tables.clone() else { return Ok(best.map(|b| b.4)) };
        let (lo, hi) = (typed.len().saturating_sub(max) as u32, (typed.len() + max) as u32);
        let lists = |table: &[(String, u32, u32)], prefix: &str, letter: char| -> Vec<String> {
            let letter = letter.to_string();
            (table.iter().enumerate())
                .filter(|(_, (f, a, b))| *f == letter && *a <= hi && *b >= lo)
                .map(|(i, _)| format!("{prefix}{i}"))
                .collect()
        };
        let mut stages = vec![lists(&tables.t, "t", typed[0])];
        if let Some(&second) = typed.get(1) {
            let mut other = lists(&tables.t, "t", second);
            other.extend(lists(&tables.u, "u", second));
            other.extend(lists(&tables.u, "u", typed[0]));
            stages.push(other);
        }
        for (stage, names) in stages.into_iter().enumerate() {
            let mut candidates = Vec::new();
            for name in names {
                candidates.extend(self.typo_list(&name)?.w.iter().cloned());
            }
            consider(&mut best, &typed, max, stage as u32 + 1, &candidates);
            if best.as_ref().is_some_and(|b| b.0 <= 1) {
                break;
            }
        }
        Ok(best.map(|b| b.4))
    }

    /// Rank `q` and return its best `limit` pages (steps 1–6).
    pub fn search(&mut self, q: &Query<'_>, limit: usize) -> Result<Ranked, SearchError> {
        let words = analysis::words(&mut analysis::surface(), q.text);
        let typing_last = analysis::ends_in_word(q.text);
        let mut seen = HashSet::new();
        let mut out = Ranked::default();
        for (i, w) in words.iter().enumerate() {
            if !seen.insert(w.clone()) {
                continue;
            }
            let typing = typing_last && i + 1 == words.len();
            out.words.push(self.match_word(w, typing)?);
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
        let groups: Vec<Vec<(u32, u32)>> =
            out.words.iter().filter(|w| !w.terms.is_empty()).map(|w| w.terms.clone()).collect();
        self.load_records(groups.iter().flatten().map(|t| t.0))?;
        let (pages, count) = self.rank(&groups, allowed.as_deref(), limit)?;
        out.pages = pages;
        out.count = count;
        Ok(out)
    }

    /// Steps 4–6: the exact best `limit` pages of `groups` (per word: its
    /// (term, weight) pairs), restricted to the sorted page list `allowed`.
    fn rank(
        &mut self,
        groups: &[Vec<(u32, u32)>],
        allowed: Option<&[u32]>,
        limit: usize,
    ) -> Result<(Vec<PageHit>, Count), SearchError> {
        let entries: Vec<(usize, u32, u32)> =
            groups.iter().enumerate().flat_map(|(g, ts)| ts.iter().map(move |&(t, w)| (g, t, w))).collect();
        let tids: BTreeSet<u32> = entries.iter().map(|e| e.1).collect();
        let page_ok = |p: u32| allowed.is_none_or(|a| a.binary_search(&p).is_ok());
        let range_ok =
            |lo: u32, hi: u32| allowed.is_none_or(|a| a.get(a.partition_point(|&p| p < lo)).is_some_and(|&p| p <= hi));
        let ng = groups.len();
        let mut round = 0u32;
        loop {
            // What is known: for each section, its best score per word and
            // the terms it was found in; for each term, its blocks not fetched.
            let mut docs: BTreeMap<(u32, u32), (Vec<u32>, Vec<u32>)> = BTreeMap::new();
            let mut open: BTreeMap<u32, Vec<Open>> = BTreeMap::new();
            for &tid in &tids {
                let Some(rec) = self.terms.get(&tid) else { continue };
                let mut lists: Vec<&[Posting]> = vec![&rec.head];
                for (i, b) in rec.blocks.iter().enumerate() {
                    if !range_ok(b.lo, b.hi) {
                        continue;
                    }
                    match self.blocks.get(&(tid, i)) {
                        Some(ps) => lists.push(ps),
                        None => open.entry(tid).or_default().push(Open {
                            lo: b.lo,
                            hi: b.hi,
                            max: b.max,
                            tier: b.tier,
                            index: i,
                        }),
                    }
                }
                let mine: Vec<(usize, u32)> = entries.iter().filter(|e| e.1 == tid).map(|e| (e.0, e.2)).collect();
                for p in lists.into_iter().flatten().filter(|p| page_ok(p.page)) {
                    let d = docs.entry((p.page, p.section)).or_insert_with(|| (vec![0; ng], Vec::new()));
                    for &(g, w) in &mine {
                        d.0[g] = d.0[g].max(p.score * w);
                    }
                    d.1.push(tid);
                }
            }
            let ub = |tid: u32, page: u32| -> (u32, Option<usize>) {
                let mut best = (0, None);
                for b in open.get(&tid).map_or(&[][..], Vec::as_slice) {
                    if b.lo <= page && page <= b.hi && b.max > best.0 {
                        best = (b.max, Some(b.index));
                    }
                }
                best
            };
            // Bounds of every section seen.
            let key = |v: &[u32]| (v.iter().filter(|&&s| s > 0).count() as u32, v.iter().sum::<u32>());
            let mut exact: Vec<(Key, (u32, u32))> = Vec::new();
            let mut unsure: Vec<((u32, u32), Key)> = Vec::new();
            for (&(page, section), (lo, found)) in &docs {
                let mut hi = lo.clone();
                for &(g, tid, w) in &entries {
                    if open.contains_key(&tid) && !found.contains(&tid) {
                        hi[g] = hi[g].max(ub(tid, page).0 * w);
                    }
                }
                if hi == *lo {
                    exact.push((key(lo), (page, section)));
                } else {
                    unsure.push(((page, section), key(&hi)));
                }
            }
            exact.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            // The prefix of known sections that covers `limit` pages.
            let mut shown: HashSet<u32> = HashSet::new();
            let mut cut = 0;
            for (i, (_, (page, _))) in exact.iter().enumerate() {
                if shown.len() == limit {
                    break;
                }
                shown.insert(*page);
                cut = i + 1;
            }
            // The bar: `limit` pages are sure to reach the `limit`-th best
            // lower bound of a page, so only sections that may reach it matter.
            let mut page_lower: HashMap<u32, Key> = HashMap::new();
            for (&(page, _), (lo, _)) in &docs {
                let k = key(lo);
                let e = page_lower.entry(page).or_insert(k);
                *e = (*e).max(k);
            }
            let bar: Option<Key> = if limit > 0 && page_lower.len() >= limit {
                let mut lows: Vec<Key> = page_lower.into_values().collect();
                lows.sort_unstable_by(|a, b| b.cmp(a));
                Some(lows[limit - 1])
            } else {
                None
            };
            let beats = |k: Key| bar.is_none_or(|b| k >= b);
            // The best any unseen section could do.
            let mut best_unseen = vec![0u32; ng];
            for &(g, tid, w) in &entries {
                let m = open.get(&tid).map_or(0, |bs| bs.iter().map(|b| b.max).max().unwrap_or(0));
                best_unseen[g] = best_unseen[g].max(m * w);
            }
            let unseen: Key = (best_unseen.iter().filter(|&&s| s > 0).count() as u32, best_unseen.iter().sum::<u32>());
            let mut wanted: BTreeSet<(u32, usize)> = BTreeSet::new();
            if limit > 0 {
                // Threats: the sections that may still reach the bar, and
                // the unseen ones; the strongest first, a batch of blocks a
                // round (doubling each round): resolving them raises the bar
                // and clears the weaker ones.
                let batch = BATCH << (round / 2).min(7);
                let mut threats: Vec<(Key, Option<(u32, u32)>)> =
                    unsure.iter().filter(|u| beats(u.1)).map(|u| (u.1, Some(u.0))).collect();
                if unseen.0 > 0 && beats(unseen) {
                    threats.push((unseen, None));
                }
                threats.sort_by(|a, b| {
                    b.0.cmp(&a.0).then_with(|| match (a.1, b.1) {
                        (Some(x), Some(y)) => x.cmp(&y),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    })
                });
                for (_, threat) in threats {
                    if wanted.len() >= batch {
                        break;
                    }
                    if let Some((page, section)) = threat {
                        // Its page's block of each term it may still gain from.
                        let (lo, found) = &docs[&(page, section)];
                        for &(g, tid, w) in &entries {
                            if found.contains(&tid) {
                                continue;
                            }
                            if let (u, Some(i)) = ub(tid, page) {
                                if u * w > lo[g] {
                                    wanted.insert((tid, i));
                                }
                            }
                        }
                        continue;
                    }
                    // Unseen sections: the next tier of each word's strongest
                    // terms, best blocks first (at least one per term).
                    for &(g, tid, w) in &entries {
                        let Some(bs) = open.get(&tid) else { continue };
                        if bs.iter().map(|b| b.max).max().unwrap_or(0) * w != best_unseen[g] {
                            continue;
                        }
                        let tier = bs.iter().map(|b| b.tier).min();
                        let mut next: Vec<&Open> = bs.iter().filter(|b| Some(b.tier) == tier).collect();
                        next.sort_by(|a, b| b.max.cmp(&a.max).then(a.index.cmp(&b.index)));
                        for (k, b) in next.into_iter().enumerate() {
                            if k > 0 && wanted.len() >= batch {
                                break;
                            }
                            wanted.insert((tid, b.index));
                        }
                    }
                }
            }
            round += 1;
            if wanted.is_empty() {
                let exact_count = open.is_empty();
                let found_pages = docs.keys().map(|d| d.0).collect::<BTreeSet<_>>().len();
                let mut count = Count { pages: found_pages, sections: docs.len(), exact: exact_count };
                if !exact_count && allowed.is_none() {
                    for tid in &tids {
                        if let Some(r) = self.terms.get(tid) {
                            count.pages = count.pages.max(r.pf as usize);
                            count.sections = count.sections.max(r.df as usize);
                        }
                    }
                }
                let mut pages: Vec<PageHit> = Vec::new();
                for &(key, (page, section)) in &exact[..cut] {
                    let hit = DocHit { page, section, score: key.1, matched: key.0 };
                    match pages.iter_mut().find(|p| p.page == page) {
                        Some(p) => p.docs.push(hit),
                        None => pages.push(PageHit { page, docs: vec![hit] }),
                    }
                }
                return Ok((pages, count));
            }
            self.fetch_blocks(&tids, &wanted)?;
        }
    }

    /// Load the files of `wanted` blocks, then decode every block of the
    /// query's terms that those files hold.
    fn fetch_blocks(&mut self, tids: &BTreeSet<u32>, wanted: &BTreeSet<(u32, usize)>) -> Result<(), SearchError> {
        let files: BTreeSet<u32> =
            wanted.iter().filter_map(|&(t, i)| self.terms.get(&t)?.blocks.get(i)).map(|b| b.file).collect();
        for f in files {
            if !self.files.contains_key(&f) {
                let name = format!("p{f}");
                let bytes = binary(&name, self.fetch(&name)?)?;
                self.files.insert(f, bytes);
            }
        }
        for &tid in tids {
            let Some(rec) = self.terms.get(&tid) else { continue };
            for (i, b) in rec.blocks.iter().enumerate() {
                if self.blocks.contains_key(&(tid, i)) {
                    continue;
                }
                let Some(file) = self.files.get(&b.file) else { continue };
                let name = format!("p{}", b.file);
                let bytes = file
                    .get(b.offset as usize..(b.offset + b.len) as usize)
                    .ok_or_else(|| corrupt(&name, "block out of range"))?;
                let ps = codec::read_block(&mut Reader::new(bytes)).map_err(|e| corrupt(&name, e))?;
                self.blocks.insert((tid, i), ps);
            }
        }
        Ok(())
    }
}

/// A typo correction, best first: (distance, stage, common suffix, sections, word).
type Candidate = (usize, u32, std::cmp::Reverse<usize>, std::cmp::Reverse<u32>, String);

/// Keep in `best` the closest of `candidates` (word, sections) to `typed`
/// within `max` edits: smallest distance, then earliest stage, then the
/// longest common ending (the evidence when the start is in doubt), then
/// most sections, then the smaller word.
fn consider(best: &mut Option<Candidate>, typed: &[char], max: usize, stage: u32, candidates: &[(String, u32)]) {
    for (w, df) in candidates {
        let chars: Vec<char> = w.chars().collect();
        let Some(d) = osa_distance(typed, &chars, max) else { continue };
        let suffix = typed.iter().rev().zip(chars.iter().rev()).take_while(|(a, b)| a == b).count();
        let c = (d, stage, std::cmp::Reverse(suffix), std::cmp::Reverse(*df), w.clone());
        if best.as_ref().is_none_or(|b| c < *b) {
            *best = Some(c);
        }
    }
}

/// Optimal string alignment distance (adjacent transpositions count 1),
/// or `None` when it exceeds `max`.
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let v = d[a.len() * w + b.len()];
    (v <= max).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `search.js` ranks with the same constants as this engine: a change on
    /// one side fails here until the other follows.
    #[test]
    fn search_js_shares_the_engines_constants() {
        let js = crate::theme::STATIC.iter().find(|(n, _)| *n == "search.js").map(|(_, s)| *s).unwrap();
        for line in [
            format!("var EXACT = {EXACT};"),
            format!("var BATCH = {BATCH};"),
            format!("var GROUP_CHARS = {};", crate::index::export::GROUP_CHARS),
        ] {
            assert_eq!(js.matches(line.as_str()).count(), 1, "search.js must say `{line}` once");
        }
    }
    use crate::index::docs::{SearchPage, SearchSection};
    use crate::index::export;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn osa_counts_transpositions_once_and_stops_early() {
        let d = |a: &str, b: &str, m| osa_distance(&chars(a), &chars(b), m);
        assert_eq!(d("therapy", "therapy", 2), Some(0));
        assert_eq!(d("therpay", "therapy", 2), Some(1));
        assert_eq!(d("thrapy", "therapy", 2), Some(1));
        assert_eq!(d("therpa", "therapy", 2), Some(2));
        assert_eq!(d("cat", "dog", 2), None);
        assert_eq!(d("ab", "abcd", 1), None);
        assert_eq!(d("", "a", 1), Some(1));
    }

    /// An in-memory source over an export, logging what is loaded.
    pub struct MemSource(pub HashMap<String, Vec<u8>>, pub Vec<String>);
    impl Source for MemSource {
        fn load(&mut self, key: &str) -> Result<Vec<u8>, SearchError> {
            self.1.push(key.to_string());
            self.0.get(key).cloned().ok_or_else(|| SearchError::Missing(PathBuf::from(key)))
        }
    }

    fn open(e: &export::Export) -> Engine<MemSource> {
        let files = e.site_files().into_iter().map(|(n, b)| (n.trim_end_matches(".js").to_string(), b)).collect();
        Engine::open(MemSource(files, Vec::new()), Path::new("mem")).unwrap()
    }

    fn engine() -> Engine<MemSource> {
        let dir = tempfile::tempdir().unwrap();
        let pages = crate::index::inverted::tests::sample();
        open(&crate::index::build_export(dir.path(), &pages).unwrap())
    }

    fn urls(e: &mut Engine<MemSource>, q: &str) -> Vec<String> {
        let r = e.search(&Query { text: q, ..Query::default() }, 10).unwrap();
        r.pages
            .iter()
            .map(|p| {
                let d = p.docs[0];
                let m = e.page(p.page).unwrap();
                crate::index::inverted::url(&m.u, &m.section(d.section as usize).1)
            })
            .collect()
    }

    #[test]
    fn exact_prefix_typo_and_all_words_first() {
        let mut e = engine();
        assert_eq!(urls(&mut e, "secure base "), ["attachment/secure/#a-secure-base"]);
        // Typing "allia" matches "alliance" by prefix.
        assert_eq!(urls(&mut e, "allia"), ["alliance/what/"]);
        // A typo is corrected, and reported.
        let r = e.search(&Query { text: "aliance ", ..Query::default() }, 10).unwrap();
        assert_eq!(r.words[0].kind, WordKind::Corrected);
        assert_eq!(r.corrected_query().as_deref(), Some("alliance"));
        assert_eq!(r.pages.len(), 1);
        assert_eq!(r.count, Count { pages: 1, sections: 2, exact: true });
        // Pages with all words rank first: "bond" is only in the alliance page,
        // "attachment" in both; the alliance page has both in one section.
        assert_eq!(urls(&mut e, "attachment bond "), ["alliance/what/#goals", "attachment/secure/"]);
        // Stop words are ignored unless being typed.
        let r = e.search(&Query { text: "the alliance ", ..Query::default() }, 10).unwrap();
        assert_eq!(r.words[0].kind, WordKind::Stop);
        assert_eq!(urls(&mut e, "xyzzy "), Vec::<String>::new());
    }

    #[test]
    fn a_wrong_missing_extra_or_swapped_first_letter_is_corrected() {
        let mut e = engine();
        for typo in ["galliance ", "lliance ", "xalliance ", "laliance "] {
            let r = e.search(&Query { text: typo, ..Query::default() }, 10).unwrap();
            assert_eq!(r.corrected_query().as_deref(), Some("alliance"), "{typo}");
        }
        // A word with the right first letter wins over one without.
        let r = e.search(&Query { text: "rupturs ", ..Query::default() }, 10).unwrap();
        assert_eq!(r.corrected_query().as_deref(), Some("ruptures"));
    }

    #[test]
    fn filters_restrict_pages() {
        let mut e = engine();
        let r = e.search(&Query { text: "attachment ", tag: Some("alliance"), audience: None }, 10).unwrap();
        assert_eq!(r.pages.len(), 1);
        assert_eq!(e.page(r.pages[0].page).unwrap().t, "The working alliance");
        let err = e.search(&Query { text: "x", tag: Some("nope"), audience: None }, 10).unwrap_err();
        assert!(err.to_string().contains("known: Alliance, Attachment"), "{err}");
    }

    #[test]
    fn a_query_loads_only_its_shards() {
        let mut e = engine();
        e.source.1.clear();
        e.search(&Query { text: "bond ", ..Query::default() }, 10).unwrap();
        // A small term's postings are all in its record: no postings file.
        let v = &e.manifest.version;
        assert_eq!(e.source.1, [format!("{v}/v0"), format!("{v}/r0")]);
    }

    /// A generated index: `pages` pages of 1–5 sections, `terms` terms with
    /// Zipf-like document frequencies and random scores, one word per term.
    struct Synthetic {
        export: export::Export,
        /// (page, section) of every document, and each term's postings.
        docs: Vec<(u32, u32)>,
        postings: Vec<Vec<(u32, u32)>>,
    }

    fn synthetic(seed: u64, pages: usize, terms: usize) -> Synthetic {
        let mut s = seed | 1;
        let mut rnd = move |n: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % n.max(1)
        };
        let mut search_pages = Vec::new();
        let mut docs = Vec::new();
        for p in 0..pages {
            let n = 1 + rnd(5) as usize;
            let sections: Vec<SearchSection> = (0..n)
                .map(|i| SearchSection { heading: format!("h{i}"), anchor: format!("a{i}"), text: format!("t{p} {i}") })
                .collect();
            docs.extend((0..n).map(|i| (p as u32, i as u32)));
            search_pages.push(SearchPage {
                title: format!("P{p}"),
                path: format!("p{p}/"),
                tags: if p % 7 == 0 { vec!["seven".into()] } else { vec![] },
                audience: vec![],
                synonyms: vec![],
                sections,
            });
        }
        let postings: Vec<Vec<(u32, u32)>> = (0..terms)
            .map(|t| {
                let df = (docs.len() / (t + 1)).max(1);
                let mut ds: BTreeSet<u32> = BTreeSet::new();
                while ds.len() < df {
                    ds.insert(rnd(docs.len() as u64) as u32);
                }
                // Coarse scores make ties common.
                ds.into_iter().map(|d| (d, 1 + rnd(if t % 2 == 0 { 40 } else { 60_000 }) as u32)).collect()
            })
            .collect();
        let vocab: BTreeMap<String, u32> = (0..terms as u32).map(|t| (format!("w{t:03}"), t)).collect();
        let export = export::build(&search_pages, &postings, &vocab, export::page_shards(&search_pages));
        Synthetic { export, docs, postings }
    }

    /// The exhaustive ranking of a query of words (each: (term, weight)),
    /// cut like [`Engine::rank`] cuts it: sections until `limit` pages.
    fn reference(s: &Synthetic, groups: &[Vec<(u32, u32)>], allowed: Option<&[u32]>, limit: usize) -> Vec<PageHit> {
        let mut acc: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (g, terms) in groups.iter().enumerate() {
            for &(t, w) in terms {
                for &(d, score) in &s.postings[t as usize] {
                    let v = acc.entry(d).or_insert_with(|| vec![0; groups.len()]);
                    v[g] = v[g].max(score * w);
                }
            }
        }
        let mut ranked: Vec<DocHit> = acc
            .into_iter()
            .map(|(d, v)| DocHit {
                page: s.docs[d as usize].0,
                section: s.docs[d as usize].1,
                score: v.iter().sum(),
                matched: v.iter().filter(|&&x| x > 0).count() as u32,
            })
            .filter(|d| allowed.is_none_or(|a| a.contains(&d.page)))
            .collect();
        ranked.sort_by(|a, b| {
            (b.matched, b.score).cmp(&(a.matched, a.score)).then((a.page, a.section).cmp(&(b.page, b.section)))
        });
        let mut out: Vec<PageHit> = Vec::new();
        for d in ranked {
            // The shown prefix ends at the best section of the last page.
            if out.len() == limit {
                break;
            }
            match out.iter_mut().find(|p| p.page == d.page) {
                Some(p) => p.docs.push(d),
                None => out.push(PageHit { page: d.page, docs: vec![d] }),
            }
        }
        out
    }

    #[test]
    fn stopping_early_gives_exactly_the_exhaustive_ranking() {
        for seed in 1..=4u64 {
            let s = synthetic(seed * 7919, 800, 40);
            let mut rnd = seed;
            let mut next = |n: u32| {
                rnd = rnd.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((rnd >> 33) % u64::from(n)) as u32
            };
            for q in 0..20 {
                // 1–3 words; a word is 1–4 terms (like a prefix) with weight 1 or 2.
                let groups: Vec<Vec<(u32, u32)>> = (0..1 + next(3))
                    .map(|_| {
                        let mut ts: BTreeMap<u32, u32> = BTreeMap::new();
                        for _ in 0..1 + next(if q % 3 == 0 { 4 } else { 1 }) {
                            ts.insert(next(40), 1 + next(2));
                        }
                        ts.into_iter().collect()
                    })
                    .collect();
                let allowed: Option<Vec<u32>> = (q % 5 == 4).then(|| (0..800).filter(|p| p % 7 == 0).collect());
                for limit in [1usize, 3, 10, 40] {
                    let mut e = open(&s.export);
                    for g in &groups {
                        for &(t, _) in g {
                            e.vocab_shard(&format!("w{t:03}")).unwrap();
                        }
                    }
                    e.load_records(groups.iter().flatten().map(|t| t.0)).unwrap();
                    let (got, count) = e.rank(&groups, allowed.as_deref(), limit).unwrap();
                    let want = reference(&s, &groups, allowed.as_deref(), limit);
                    if got != want {
                        let i = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
                        panic!(
                            "seed {seed} query {q} {groups:?} limit {limit}: {} vs {} pages; first difference at {i}: {:?} vs {:?}",
                            got.len(),
                            want.len(),
                            got.get(i),
                            want.get(i)
                        );
                    }
                    let (all, full) = e.rank(&groups, allowed.as_deref(), usize::MAX).unwrap();
                    assert!(full.exact);
                    assert!(count.pages <= full.pages && count.sections <= full.sections);
                    if count.exact {
                        assert_eq!(count, full);
                    }
                    assert_eq!(full.pages, all.len());
                    assert_eq!(all, reference(&s, &groups, allowed.as_deref(), usize::MAX));
                }
            }
        }
    }

    #[test]
    fn a_common_word_costs_its_head_not_its_list() {
        let s = synthetic(99, 3000, 3);
        let mut e = open(&s.export);
        let all: usize = s.export.shards.iter().filter(|(n, _)| n.starts_with('p')).count();
        e.source.1.clear();
        let r = e.search(&Query { text: "w000 ", ..Query::default() }, 10).unwrap();
        assert_eq!(r.pages.len(), 10);
        assert!(!r.count.exact);
        assert_eq!(r.count.pages as u32, e.terms[&0].pf, "a single term's page count is known");
        let postings = e.source.1.iter().filter(|k| k.contains("/p")).count();
        assert!(postings <= 2, "{postings} of {all} postings files: {:?}", e.source.1);
    }
}
