//! Ranking a query against the static index: the algorithm that
//! `themes/default/static/search.js` runs in the browser, step for step, so
//! `haven search` and the site give the same results from the same bytes.
//!
//! 1. Split the query into words ([`super::analysis::surface`]); drop
//!    repeated words and stop words (except the word being typed).
//! 2. Look each word up in its vocabulary shard. An exact match counts
//!    double ([`EXACT`]); the word being typed (the last one, when the query
//!    does not end in a space or punctuation) also matches every word that
//!    starts with it ([`PREFIX`]), from 2 letters on. The shard holds every
//!    word with that 2-letter prefix, so no page is missed.
//! 3. A word (3+ letters, not a stop word) with no match is corrected: the
//!    closest word by optimal-string-alignment distance, at most 1 for
//!    words of up to 4 letters and 2 for longer ones, with the same first
//!    letter; ties go to the word in more sections, then the smaller word.
//! 4. A document's score for a word is the best `score × weight` over the
//!    word's terms; its total is the sum over words. Documents are ranked
//!    by (words matched, total) descending, then document id, so sections
//!    with every word come first.
//! 5. Results are grouped by page, in the order of each page's best section.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::analysis;
use super::export::{
    decode_counts, shard_key, vocab_key, Facets, Manifest, MetaPage, MetaShard, PostingsShard, TextShard, TypoShard,
    VocabShard, FORMAT,
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

/// Where shards come from: a folder here, `fetch` or `<script>` in the browser.
pub trait Source {
    /// The JSON bytes of `key`: `manifest` or `VERSION/NAME` (see [`shard_key`]).
    fn load(&mut self, name: &str) -> Result<Vec<u8>, SearchError>;
}

/// Shards read from a folder of `NAME.json` files, with a log of what was read.
#[derive(Debug)]
pub struct DirSource {
    pub dir: PathBuf,
    /// (name, bytes) of every shard loaded, in order.
    pub loaded: Vec<(String, usize)>,
}

impl DirSource {
    pub fn new(dir: &Path) -> DirSource {
        DirSource { dir: dir.to_path_buf(), loaded: Vec::new() }
    }
}

impl Source for DirSource {
    fn load(&mut self, name: &str) -> Result<Vec<u8>, SearchError> {
        let path = self.dir.join(format!("{name}.json"));
        if name == "manifest" && !path.exists() {
            return Err(SearchError::Missing(self.dir.clone()));
        }
        let bytes = crate::fsx::read(&path)?;
        self.loaded.push((name.to_string(), bytes.len()));
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
    pub doc: u32,
    pub page: u32,
    pub score: u32,
    pub matched: u32,
}

/// A page and its matching sections, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageHit {
    pub page: u32,
    pub docs: Vec<DocHit>,
}

/// The outcome of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub words: Vec<WordMatch>,
    /// Matching sections.
    pub sections: usize,
    /// Pages in rank order.
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

/// A loaded static index, fetching shards on demand and keeping them.
pub struct Engine<S: Source> {
    pub source: S,
    pub manifest: Manifest,
    /// First document of each page, plus the total at the end.
    starts: Vec<u32>,
    stop: HashSet<String>,
    /// 2-letter prefix → vocabulary shard.
    prefixes: HashMap<String, usize>,
    /// Postings shard of every term seen in a loaded word list.
    term_shard: HashMap<u32, u32>,
    vocab: HashMap<usize, VocabShard>,
    typo: HashMap<usize, TypoShard>,
    post: HashMap<u32, PostingsShard>,
    meta: HashMap<u32, MetaShard>,
    text: HashMap<u32, TextShard>,
    facets: Option<Facets>,
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<T, SearchError> {
    serde_json::from_slice(bytes).map_err(|e| SearchError::Corrupt { name: name.to_string(), detail: e.to_string() })
}

impl<S: Source> Engine<S> {
    /// Load and check the manifest.
    pub fn open(mut source: S, path_for_errors: &Path) -> Result<Engine<S>, SearchError> {
        let bytes = source.load("manifest")?;
        let value: serde_json::Value = parse("manifest", &bytes)?;
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
        let manifest: Manifest = parse("manifest", &bytes)?;
        let counts = decode_counts(&manifest.counts).ok_or_else(|| SearchError::Corrupt {
            name: "manifest".into(),
            detail: "malformed section counts".into(),
        })?;
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut at = 0u32;
        for c in counts {
            starts.push(at);
            at += c;
        }
        starts.push(at);
        let stop = manifest.stop.iter().cloned().collect();
        let prefixes =
            manifest.vocab.iter().enumerate().flat_map(|(i, ps)| ps.iter().map(move |p| (p.clone(), i))).collect();
        Ok(Engine {
            source,
            manifest,
            starts,
            stop,
            prefixes,
            term_shard: HashMap::new(),
            vocab: HashMap::new(),
            typo: HashMap::new(),
            post: HashMap::new(),
            meta: HashMap::new(),
            text: HashMap::new(),
            facets: None,
        })
    }

    /// The page a document belongs to.
    pub fn page_of(&self, doc: u32) -> u32 {
        (self.starts.partition_point(|&s| s <= doc).saturating_sub(1)) as u32
    }

    /// The section index of `doc` within its page.
    pub fn section_of(&self, doc: u32) -> usize {
        let page = self.page_of(doc) as usize;
        (doc - self.starts.get(page).copied().unwrap_or(0)) as usize
    }

    /// Load and parse shard `name` of this build.
    fn fetch<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> Result<T, SearchError> {
        let key = shard_key(&self.manifest.version, name);
        parse(&key, &self.source.load(&key)?)
    }

    fn vocab_shard(&mut self, word: &str) -> Result<Option<&VocabShard>, SearchError> {
        let Some(&i) = self.prefixes.get(&vocab_key(word)) else { return Ok(None) };
        if !self.vocab.contains_key(&i) {
            let shard: VocabShard = self.fetch(&format!("v{i}"))?;
            self.term_shard.extend(shard.w.iter().map(|(_, tid, p)| (*tid, *p)));
            self.vocab.insert(i, shard);
        }
        Ok(self.vocab.get(&i))
    }

    fn typo_shard(&mut self, i: usize) -> Result<&TypoShard, SearchError> {
        if !self.typo.contains_key(&i) {
            let shard: TypoShard = self.fetch(&format!("t{i}"))?;
            self.term_shard.extend(shard.w.iter().map(|(_, tid, p, _)| (*tid, *p)));
            self.typo.insert(i, shard);
        }
        self.typo.get(&i).ok_or_else(|| SearchError::Corrupt { name: format!("t{i}"), detail: "not loaded".into() })
    }

    /// (doc, score) of a term, by doc.
    fn postings(&mut self, tid: u32) -> Result<Vec<(u32, u32)>, SearchError> {
        let Some(&shard) = self.term_shard.get(&tid) else { return Ok(Vec::new()) };
        if !self.post.contains_key(&shard) {
            let s: PostingsShard = self.fetch(&format!("p{shard}"))?;
            self.post.insert(shard, s);
        }
        let flat = self
            .post
            .get(&shard)
            .and_then(|s| s.p.get(tid.checked_sub(s.first)? as usize))
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::with_capacity(flat.len() / 2);
        let mut doc = 0u32;
        for (i, pair) in flat.chunks_exact(2).enumerate() {
            doc = if i == 0 { pair[0] } else { doc + pair[0] };
            out.push((doc, pair[1]));
        }
        Ok(out)
    }

    /// Display data of a page (loads its metadata shard).
    pub fn page(&mut self, page: u32) -> Result<&MetaPage, SearchError> {
        let per = self.manifest.meta_pages.max(1);
        let shard = page / per;
        if !self.meta.contains_key(&shard) {
            let s: MetaShard = self.fetch(&format!("m{shard}"))?;
            self.meta.insert(shard, s);
        }
        self.meta.get(&shard).and_then(|s| s.pages.get((page % per) as usize)).ok_or_else(|| SearchError::Corrupt {
            name: format!("m{shard}"),
            detail: format!("page {page} is missing"),
        })
    }

    /// Excerpt text of a section (loads its excerpt shard).
    pub fn text(&mut self, doc: u32) -> Result<&str, SearchError> {
        let per = self.manifest.text_docs.max(1);
        let shard = doc / per;
        if !self.text.contains_key(&shard) {
            let s: TextShard = self.fetch(&format!("x{shard}"))?;
            self.text.insert(shard, s);
        }
        self.text.get(&shard).and_then(|s| s.x.get((doc % per) as usize)).map(String::as_str).ok_or_else(|| {
            SearchError::Corrupt { name: format!("x{shard}"), detail: format!("section {doc} is missing") }
        })
    }

    fn facet_pages(&mut self, kind: &'static str, value: &str) -> Result<HashSet<u32>, SearchError> {
        if self.facets.is_none() {
            self.facets = Some(self.fetch("f")?);
        }
        let list = match (&self.facets, kind) {
            (Some(f), "tag") => &f.tags,
            (Some(f), _) => &f.audiences,
            (None, _) => return Ok(HashSet::new()),
        };
        let want = value.to_lowercase();
        match list.iter().find(|(n, _)| n.to_lowercase() == want) {
            Some((_, pages)) => Ok(pages.iter().copied().collect()),
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
        if let Some(shard) = self.vocab_shard(word)? {
            for (w, tid, _) in &shard.w {
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
            if let Some((w, tid)) = self.correct(word)? {
                terms.insert(tid, EXACT);
                m.kind = WordKind::Corrected;
                m.surfaces.push(w.clone());
                m.corrected = Some(w);
            }
        }
        m.terms = terms.into_iter().collect();
        Ok(m)
    }

    /// The closest vocabulary word (step 3).
    fn correct(&mut self, word: &str) -> Result<Option<(String, u32)>, SearchError> {
        let typed: Vec<char> = word.chars().collect();
        let max = if typed.len() <= 4 { 1 } else { 2 };
        let (lo, hi) = (typed.len().saturating_sub(max) as u32, (typed.len() + max) as u32);
        let first = typed[0].to_string();
        let shards: Vec<usize> = (self.manifest.typo.iter().enumerate())
            .filter(|(_, (f, a, b))| *f == first && *a <= hi && *b >= lo)
            .map(|(i, _)| i)
            .collect();
        let mut best: Option<(usize, u32, String, u32)> = None;
        for i in shards {
            let shard = self.typo_shard(i)?;
            for (w, tid, _, df) in &shard.w {
                let Some(d) = osa_distance(&typed, &w.chars().collect::<Vec<_>>(), max) else { continue };
                let better = match &best {
                    None => true,
                    Some((bd, bdf, bw, _)) => (d, std::cmp::Reverse(*df), w) < (*bd, std::cmp::Reverse(*bdf), bw),
                };
                if better {
                    best = Some((d, *df, w.clone(), *tid));
                }
            }
        }
        Ok(best.map(|(_, _, w, tid)| (w, tid)))
    }

    /// Rank `q` (steps 1–5).
    pub fn search(&mut self, q: &Query<'_>) -> Result<Ranked, SearchError> {
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
        let allowed = match (q.tag, q.audience) {
            (None, None) => None,
            (tag, audience) => {
                let mut set: Option<HashSet<u32>> = None;
                for (kind, value) in [("tag", tag), ("audience", audience)] {
                    if let Some(v) = value {
                        let pages = self.facet_pages(kind, v)?;
                        set = Some(match set {
                            None => pages,
                            Some(s) => s.intersection(&pages).copied().collect(),
                        });
                    }
                }
                set
            }
        };
        let mut totals: HashMap<u32, (u32, u32)> = HashMap::new();
        let groups: Vec<Vec<(u32, u32)>> = out.words.iter().map(|w| w.terms.clone()).collect();
        for terms in groups.iter().filter(|t| !t.is_empty()) {
            let mut best: HashMap<u32, u32> = HashMap::new();
            for &(tid, weight) in terms {
                for (doc, score) in self.postings(tid)? {
                    let e = best.entry(doc).or_insert(0);
                    *e = (*e).max(score * weight);
                }
            }
            for (doc, s) in best {
                let t = totals.entry(doc).or_insert((0, 0));
                t.0 += s;
                t.1 += 1;
            }
        }
        let mut docs: Vec<DocHit> = totals
            .into_iter()
            .map(|(doc, (score, matched))| DocHit { doc, page: self.page_of(doc), score, matched })
            .filter(|d| allowed.as_ref().is_none_or(|a| a.contains(&d.page)))
            .collect();
        docs.sort_by(|a, b| b.matched.cmp(&a.matched).then(b.score.cmp(&a.score)).then(a.doc.cmp(&b.doc)));
        out.sections = docs.len();
        let mut index: HashMap<u32, usize> = HashMap::new();
        for d in docs {
            let at = *index.entry(d.page).or_insert_with(|| {
                out.pages.push(PageHit { page: d.page, docs: Vec::new() });
                out.pages.len() - 1
            });
            out.pages[at].docs.push(d);
        }
        Ok(out)
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

    /// An in-memory source over an export.
    pub struct MemSource(pub HashMap<String, Vec<u8>>, pub Vec<String>);
    impl Source for MemSource {
        fn load(&mut self, name: &str) -> Result<Vec<u8>, SearchError> {
            self.1.push(name.to_string());
            self.0.get(name).cloned().ok_or_else(|| SearchError::Missing(PathBuf::from(name)))
        }
    }

    fn engine() -> Engine<MemSource> {
        let dir = tempfile::tempdir().unwrap();
        let pages = crate::index::inverted::tests::sample();
        let built = crate::index::build_export(dir.path(), &pages).unwrap();
        let files = built.keyed().into_iter().collect();
        Engine::open(MemSource(files, Vec::new()), Path::new("mem")).unwrap()
    }

    fn urls(e: &mut Engine<MemSource>, q: &str) -> Vec<String> {
        let r = e.search(&Query { text: q, ..Query::default() }).unwrap();
        r.pages
            .iter()
            .map(|p| {
                let d = p.docs[0];
                let s = e.section_of(d.doc);
                let m = e.page(p.page).unwrap();
                crate::index::inverted::url(&m.u, &m.s[s].1)
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
        let r = e.search(&Query { text: "aliance ", ..Query::default() }).unwrap();
        assert_eq!(r.words[0].kind, WordKind::Corrected);
        assert_eq!(r.corrected_query().as_deref(), Some("alliance"));
        assert_eq!(r.pages.len(), 1);
        // Pages with all words rank first: "bond" is only in the alliance page,
        // "attachment" in both; the alliance page has both in one section.
        assert_eq!(urls(&mut e, "attachment bond "), ["alliance/what/#goals", "attachment/secure/"]);
        // Stop words are ignored unless being typed.
        let r = e.search(&Query { text: "the alliance ", ..Query::default() }).unwrap();
        assert_eq!(r.words[0].kind, WordKind::Stop);
        assert_eq!(urls(&mut e, "xyzzy "), Vec::<String>::new());
    }

    #[test]
    fn filters_restrict_pages() {
        let mut e = engine();
        let r = e.search(&Query { text: "attachment ", tag: Some("alliance"), audience: None }).unwrap();
        assert_eq!(r.pages.len(), 1);
        assert_eq!(e.page(r.pages[0].page).unwrap().t, "The working alliance");
        let err = e.search(&Query { text: "x", tag: Some("nope"), audience: None }).unwrap_err();
        assert!(err.to_string().contains("known: Alliance, Attachment"), "{err}");
    }

    #[test]
    fn a_query_loads_only_its_shards() {
        let mut e = engine();
        e.source.1.clear();
        e.search(&Query { text: "bond ", ..Query::default() }).unwrap();
        assert_eq!(e.source.1.len(), 2, "one vocabulary and one postings shard: {:?}", e.source.1);
        let v = &e.manifest.version;
        assert!(e.source.1[0].starts_with(&format!("{v}/v")) && e.source.1[1].starts_with(&format!("{v}/p")));
    }
}
