//! The static index: what the browser (and `haven search`) rank from.
//!
//! Every file is one JavaScript call carrying JSON or base64 bytes (see
//! [`codec`]), usable both by `fetch` (over http) and by `<script>` (pages
//! opened from disk). Shards live in `search/VERSION/`, where VERSION is a
//! hash of all of them, so a cache can never mix shards of two builds; only
//! `search/manifest.js` has a fixed name (the browser revalidates it).
//!
//! | file | holds | a query loads |
//! |------|-------|---------------|
//! | `manifest` (JSON) | version, counts, stop words, the first group (a word's first [`GROUP_CHARS`] letters) of each vocabulary shard | once |
//! | `v*` vocabulary (binary) | whole groups: word → term and the term's record shard | one per query word |
//! | `r*` term records (binary) | per term, in term order: section and page counts, its **head** (best postings) and the table of its other blocks | the records of the query's terms |
//! | `p*` postings (binary) | blocks of postings, packed | only the blocks the ranking still needs |
//! | `l`, `t*` / `u*` typo lists (JSON) | the lists' table; words by first / second letter and length, with section counts | only to correct a word that its own group cannot, and only the lengths an edit reaches |
//! | `d{page}-{run}` (binary: deflated JSON) | a run of a page's sections ([`DocFile`], usually one): the page's title, URL, tags and audience, their headings (and anchors unless [`simple_anchor`]) and texts | one per result shown |
//! | `m{page}` (JSON) | title, URL, tags, audience, and every section's heading (and anchor unless [`simple_anchor`]) | one per result that lists other sections of its page |
//! | `g`, `ft*` / `fa*` (JSON) | tag and audience names with page counts (for the search page's menus); the pages of each | only when a filter is used |
//!
//! **Postings are impact-ordered.** A term's postings, best score first, are
//! cut into its head ([`HEAD`] postings, kept in its record; the whole
//! list when it has at most [`HEAD_ALL`]), [`TIERS`] tiers of [`FIRST_TIER`]
//! × 4ⁱ postings, and the rest, sorted by page and cut into blocks of about
//! [`REST_CHUNK`] postings at page boundaries. Every block is listed in the
//! term's record with its page range and its best score, and every score in
//! a tier is at most every score in the tiers before it. So the ranking
//! ([`super::query`]) can bound what it has not fetched, per term and per
//! page, and stop as soon as the results shown are final: a common word
//! costs its head, not its whole list, and a rare word next to a common one
//! costs only the common word's blocks on the rare word's pages.
//!
//! Scores are precomputed BM25 (title/heading/tag boosts folded in),
//! quantized to 16 bits on one site-wide scale so they add across terms.

mod build;

pub use build::{build, page_shards, quantize, split_term};

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::{self, DecodeError, Payload, Posting, Reader};
use super::docs::SearchPage;

/// Bumped whenever the format changes; `haven search` refuses other versions.
pub const FORMAT: u32 = 5;

/// Postings of a term kept in the vocabulary (its best ones).
pub const HEAD: usize = 16;
/// A term with at most this many postings keeps them all in the vocabulary.
pub const HEAD_ALL: usize = 48;
/// Postings in the first tier after the head; each next tier is 4× larger.
pub const FIRST_TIER: usize = 64;
/// Score-ordered tiers after the head (64, 256 and 1024 postings).
pub const TIERS: u32 = 3;
/// The rest of a term's postings, by page, is cut into blocks of about this
/// many postings (at page boundaries), one file each.
pub const REST_CHUNK: usize = 256;
/// Files of tier blocks (packed across terms) are closed at this size.
pub const POSTINGS_FILE_BYTES: usize = 2048;
/// Vocabulary shards take whole groups (words with the same first
/// [`GROUP_CHARS`] characters) until they reach this size.
pub const VOCAB_SHARD_BYTES: usize = 1024;
/// Characters of a word that choose its vocabulary group.
pub const GROUP_CHARS: usize = 3;
/// Term records are packed, in term order, into shards of this size.
pub const RECORD_SHARD_BYTES: usize = 1024;
/// Typo lists take whole lengths until they reach this size. On the
/// benchmark corpus (10,000 pages), 300 words with their first letter
/// dropped loaded a median 18.9 KB of lists and table at 2 KB a list (all
/// lengths two edits reach, at once); at 512 B, with the lengths one edit
/// reaches first ([`crate::index::query`]), 7.6 KB. Smaller lists gained
/// little more, and the table grows with their number.
pub const TYPO_SHARD_BYTES: usize = 512;

/// Entry point of the static index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Folder of this build's shards (a hash of their content).
    pub version: String,
    /// Number of documents (sections) and pages.
    pub docs: u32,
    pub pages: u32,
    pub stop: Vec<String>,
    /// Question words ([`crate::index::analysis::QUESTION_WORDS`]).
    pub question: Vec<String>,
    /// Sections a [`DocFile`] holds ([`sections_per_file`]).
    pub sections_per_file: u32,
    /// Vocabulary shard `v{i}` holds the groups (see [`vocab_key`]) from
    /// `vocab[i]` up to (not including) `vocab[i + 1]`, in code-point order.
    pub vocab: Vec<String>,
}

/// The tables of the typo lists (file `l`, loaded only to correct a word
/// whose group ([`GROUP_CHARS`] letters) has nothing close).
///
/// The words starting with a letter are cut, by length, into lists of
/// whole lengths of about [`TYPO_SHARD_BYTES`] each, so a correction loads
/// only the lengths an edit or two can reach ([`typo_lists_of`]). Each
/// letter's entry is `(letter, [shortest, longest of list 1, longest of
/// list 2, …])`; the lists are numbered on across the letters, in order:
/// `t0`, `t1`, ….
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypoTables {
    /// By the words' first letter: lists `t{i}`.
    pub t: Vec<(String, Vec<u32>)>,
    /// By the words' second letter: lists `u{i}`.
    pub u: Vec<(String, Vec<u32>)>,
}

/// The numbers of the lists of `table` ([`TypoTables`]) that hold words of
/// `letter` with a length in `lo..=hi`.
pub fn typo_lists_of(table: &[(String, Vec<u32>)], letter: char, lo: u32, hi: u32) -> Vec<usize> {
    let mut base = 0;
    for (l, bounds) in table {
        let lists = bounds.len().saturating_sub(1);
        if l.chars().eq(std::iter::once(letter)) {
            // List k holds lengths (bounds[k], bounds[k + 1]], the first
            // one from bounds[0] on.
            return (0..lists)
                .filter(|&k| {
                    let first = if k == 0 { bounds[0] } else { bounds[k] + 1 };
                    first <= hi && bounds[k + 1] >= lo
                })
                .map(|k| base + k)
                .collect();
        }
        base += lists;
    }
    Vec::new()
}

/// Filter names (file `g`, for the search page's filter menus): (tag,
/// pages) and (audience, pages), sorted by name; the pages of tag `i` are
/// in file `ft{i}`, of audience `i` in `fa{i}` (a JSON list of page ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetNames {
    pub tags: Vec<(String, u32)>,
    pub audiences: Vec<(String, u32)>,
}

/// A block of a term's postings beyond its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// 1 for the first tier after the head.
    pub tier: u32,
    /// First and last page with a posting in the block.
    pub lo: u32,
    pub hi: u32,
    /// The best score in the block.
    pub max: u32,
    /// Postings file `p{file}`, and where the block is in it.
    pub file: u32,
    pub offset: u32,
    pub len: u32,
}

/// What the ranking knows of a term before fetching any postings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRecord {
    pub tid: u32,
    /// Sections and pages with the term.
    pub df: u32,
    pub pf: u32,
    /// The best postings (all of them for a small term), by page.
    pub head: Vec<Posting>,
    pub blocks: Vec<BlockRef>,
}

/// A word of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabWord {
    pub word: String,
    pub tid: u32,
    /// The record shard `r*` of the term.
    pub shard: u32,
    /// Sections with the term (to break ties between typo corrections).
    pub df: u32,
}

/// Words of some groups, sorted, each stored as the number of bytes it
/// shares with the word before it and the rest (front coding).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VocabShard {
    pub words: Vec<VocabWord>,
}

impl VocabShard {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        codec::put_varint(&mut out, self.words.len() as u64);
        let mut prev: &[u8] = &[];
        for w in &self.words {
            let bytes = w.word.as_bytes();
            let shared = prev.iter().zip(bytes).take_while(|(a, b)| a == b).count();
            codec::put_varint(&mut out, shared as u64);
            codec::put_varint(&mut out, (bytes.len() - shared) as u64);
            out.extend_from_slice(&bytes[shared..]);
            for v in [w.tid, w.shard, w.df] {
                codec::put_varint(&mut out, u64::from(v));
            }
            prev = bytes;
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<VocabShard, DecodeError> {
        let mut r = Reader::new(bytes);
        let n = r.varint()? as usize;
        let mut words = Vec::with_capacity(n.min(1 << 16));
        let mut prev: Vec<u8> = Vec::new();
        for _ in 0..n {
            let shared = r.varint()? as usize;
            let rest = r.bytes()?;
            if shared > prev.len() {
                return Err(DecodeError("bad shared prefix".into()));
            }
            prev.truncate(shared);
            prev.extend_from_slice(rest);
            let word = String::from_utf8(prev.clone()).map_err(|_| DecodeError("word is not UTF-8".into()))?;
            words.push(VocabWord { word, tid: r.u32()?, shard: r.u32()?, df: r.u32()? });
        }
        if !r.done() {
            return Err(DecodeError("trailing bytes".into()));
        }
        Ok(VocabShard { words })
    }
}

/// The records of consecutive terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordShard {
    pub terms: Vec<TermRecord>,
}

impl RecordShard {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        codec::put_varint(&mut out, self.terms.len() as u64);
        for t in &self.terms {
            for v in [t.tid, t.df, t.pf] {
                codec::put_varint(&mut out, u64::from(v));
            }
            codec::put_block(&mut out, &t.head);
            codec::put_varint(&mut out, t.blocks.len() as u64);
            for b in &t.blocks {
                for v in [b.tier, b.lo, b.hi - b.lo, b.max, b.file, b.offset, b.len] {
                    codec::put_varint(&mut out, u64::from(v));
                }
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<RecordShard, DecodeError> {
        let mut r = Reader::new(bytes);
        let n = r.varint()? as usize;
        let mut terms = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let (tid, df, pf) = (r.u32()?, r.u32()?, r.u32()?);
            let head = codec::read_block(&mut r)?;
            let nb = r.varint()? as usize;
            let mut blocks = Vec::with_capacity(nb.min(1 << 16));
            for _ in 0..nb {
                let (tier, lo, span) = (r.u32()?, r.u32()?, r.u32()?);
                let hi = lo.checked_add(span).ok_or_else(|| DecodeError("page out of range".into()))?;
                let (max, file, offset, len) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
                blocks.push(BlockRef { tier, lo, hi, max, file, offset, len });
            }
            terms.push(TermRecord { tid, df, pf, head, blocks });
        }
        if !r.done() {
            return Err(DecodeError("trailing bytes".into()));
        }
        Ok(RecordShard { terms })
    }
}

/// A word for typo correction: (word, sections with its term).
pub type TypoEntry = (String, u32);

/// Words, sorted. The file is one flat JSON array, `["word", sections,
/// "word", sections, …]`: a pair's own brackets were an eighth of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct TypoShard {
    pub w: Vec<TypoEntry>,
}

impl Serialize for TypoShard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.w.len() * 2))?;
        for (word, sections) in &self.w {
            seq.serialize_element(word)?;
            seq.serialize_element(sections)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for TypoShard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Item {
            Word(String),
            Sections(u32),
        }
        let items = Vec::<Item>::deserialize(d)?;
        let w = items
            .chunks(2)
            .map(|pair| match pair {
                [Item::Word(w), Item::Sections(n)] => Ok((w.clone(), *n)),
                _ => Err(serde::de::Error::custom("a typo list is pairs of a word and a number")),
            })
            .collect::<Result<_, _>>()?;
        Ok(TypoShard { w })
    }
}

/// What a page's file ([`MetaPage`]) and each file of its section texts
/// ([`DocFile`]) both begin with: the page's title, URL, tags and audiences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageHead {
    /// Title.
    pub t: String,
    /// Site-relative URL path.
    pub u: String,
    /// Tags and audiences.
    pub g: Vec<String>,
    pub a: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaPage {
    /// Title, URL, tags and audiences (`t`, `u`, `g`, `a` in the JSON).
    #[serde(flatten)]
    pub head: PageHead,
    /// Sections: `[heading]` when the anchor is [`simple_anchor`] of the
    /// heading, else `[heading, anchor]` (see [`MetaPage::section`]).
    pub s: Vec<Vec<String>>,
}

impl MetaPage {
    /// (heading, anchor) of section `i`.
    pub fn section(&self, i: usize) -> (String, String) {
        self.s.get(i).map_or_else(|| (String::new(), String::new()), |h| heading_anchor(h))
    }
}

/// The file of a run of a page's sections (`d{page}-{run}`, see
/// [`doc_name`]): what a result shows when it shows one of them first —
/// its page's title, URL, tags and audiences, and the sections' headings
/// and texts. A result costs one request, for a few sections: a page's file
/// of all its texts cost 5 KB a result on the benchmark corpus, a section's
/// file 1 KB. Only a result that also lists other sections of its page loads
/// the page's headings ([`MetaPage`]).
///
/// A run is [`Manifest::sections_per_file`] sections ([`sections_per_file`]):
/// one on most sites; more where pages have many sections each, so a page
/// has about [`TEXT_FILES_PER_PAGE`] files, not one per section (on the
/// long-article corpus, 24 sections a page: 244,000 files at 10,000 pages
/// made the build 20% slower).
///
/// The file is binary: the JSON of this struct, raw-deflated ([`DocFile::encode`]),
/// which is 2–3% smaller than JSON around deflated texts, and lets the
/// build hold it deflated (a quarter less than base64) until it is written.
/// A browser that cannot inflate shows the page's file ([`MetaPage`]) instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocFile {
    /// As in [`MetaPage::head`].
    #[serde(flatten)]
    pub head: PageHead,
    /// The sections' `[heading]` or `[heading, anchor]`, as in
    /// [`MetaPage::s`], in order.
    pub h: Vec<Vec<String>>,
    /// The sections' texts, in order.
    pub x: Vec<String>,
}

impl DocFile {
    /// (heading, anchor) of the file's `k`th section.
    pub fn section(&self, k: usize) -> (String, String) {
        self.h.get(k).map_or_else(|| (String::new(), String::new()), |h| heading_anchor(h))
    }

    /// The file's bytes: this struct's JSON, raw-deflated.
    pub fn encode(&self) -> Vec<u8> {
        codec::deflate(&String::from_utf8_lossy(&json(self)))
    }

    /// Inverse of [`DocFile::encode`].
    pub fn decode(bytes: &[u8]) -> Result<DocFile, DecodeError> {
        serde_json::from_str(&codec::inflate(bytes)?).map_err(|e| DecodeError(e.to_string()))
    }
}

/// About how many files a page's section texts take ([`DocFile`]).
pub const TEXT_FILES_PER_PAGE: usize = 8;

/// Sections a [`DocFile`] holds on this site: the sections of an average
/// page over [`TEXT_FILES_PER_PAGE`], rounded, at least one.
pub fn sections_per_file(pages: &[SearchPage]) -> u32 {
    let sections: usize = pages.iter().map(|p| p.sections.len()).sum();
    let per_page = sections as f64 / pages.len().max(1) as f64;
    (per_page / TEXT_FILES_PER_PAGE as f64).round().max(1.0) as u32
}

/// The shard name of the [`DocFile`] that holds section `section` of page
/// `page`, with `per_file` sections a file.
pub fn doc_name(page: u32, section: u32, per_file: u32) -> String {
    format!("d{page}-{}", section / per_file.max(1))
}

/// A section's `[heading]` or `[heading, anchor]` as (heading, anchor).
fn heading_anchor(h: &[String]) -> (String, String) {
    match h {
        [h] => (h.clone(), simple_anchor(h)),
        [h, a, ..] => (h.clone(), a.clone()),
        [] => (String::new(), String::new()),
    }
}

/// A section's heading as [`MetaPage::s`] and [`DocFile::h`] store it: the
/// anchor only where [`simple_anchor`] would not give it.
pub fn stored_heading(heading: &str, anchor: &str) -> Vec<String> {
    if anchor == simple_anchor(heading) {
        vec![heading.to_string()]
    } else {
        vec![heading.to_string(), anchor.to_string()]
    }
}

/// The anchor a heading usually gets, by a rule simple enough to repeat in
/// `search.js` exactly: ASCII letters (lower-cased) and digits, runs of
/// anything else as one `-`, none at either end; `""` for no heading. Meta
/// files store an anchor only where it differs from this.
pub fn simple_anchor(heading: &str) -> String {
    if heading.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "section".into()
    } else {
        out.to_string()
    }
}

/// The exported index: named shards plus the manifest.
#[derive(Debug)]
pub struct Export {
    pub manifest: Manifest,
    /// (shard name, payload): `v0`, `p3`, `m12`, `t2`, `ft0`, …
    pub shards: Vec<(String, Payload)>,
}

impl Export {
    /// [`Export::site_files`], each written by `write` (its path relative to
    /// `search/`, its bytes) as soon as it is made, in parallel, and dropped
    /// with its shard: a big site's files are hundreds of MB, and the build
    /// never holds them (only the shards they are made from). Returns each
    /// file's path and size.
    pub fn write_site_files<E: Send>(
        self,
        write: impl Fn(&str, &[u8]) -> Result<(), E> + Sync,
    ) -> Result<Vec<(String, u64)>, E> {
        let (manifest_path, manifest) = self.manifest_file();
        let version = self.manifest.version;
        let mut out: Vec<(String, u64)> = self
            .shards
            .into_par_iter()
            .map(|(n, p)| {
                let (path, bytes) = shard_file(&version, &n, &p);
                drop(p);
                write(&path, &bytes)?;
                Ok((path, bytes.len() as u64))
            })
            .collect::<Result<_, E>>()?;
        write(&manifest_path, &manifest)?;
        out.push((manifest_path, manifest.len() as u64));
        Ok(out)
    }

    /// Every file of the site's `search/` folder, relative to it:
    /// `manifest.js` and `VERSION/NAME.js`, with its bytes.
    pub fn site_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> =
            self.shards.iter().map(|(n, p)| shard_file(&self.manifest.version, n, p)).collect();
        out.push(self.manifest_file());
        out
    }

    /// `manifest.js` and its bytes.
    fn manifest_file(&self) -> (String, Vec<u8>) {
        ("manifest.js".into(), codec::script("manifest", &Payload::Json(json(&self.manifest))))
    }
}

/// The file of shard `name` (payload `p`) of build `version`: its path
/// relative to `search/`, and its bytes.
fn shard_file(version: &str, name: &str, p: &Payload) -> (String, Vec<u8>) {
    let key = shard_key(version, name);
    let bytes = codec::script(&key, p);
    (format!("{key}.js"), bytes)
}

/// Where shard `name` of build `version` lives, relative to `search/`
/// (without `.js`); also the key its file registers under.
pub fn shard_key(version: &str, name: &str) -> String {
    format!("{version}/{name}")
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    // These plain structs (string keys only) always serialize; an empty
    // object would fail loudly in the browser rather than here.
    serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec())
}

/// The first [`GROUP_CHARS`] characters of a word: its vocabulary group.
pub fn vocab_key(word: &str) -> String {
    word.chars().take(GROUP_CHARS).collect()
}

/// The vocabulary shard that holds the group `key`, given the manifest's
/// list of each shard's first group.
pub fn vocab_shard_of(firsts: &[String], key: &str) -> Option<usize> {
    firsts.partition_point(|f| f.as_str() <= key).checked_sub(1)
}

/// The vocabulary shards that hold every word starting with `prefix`.
pub fn vocab_shards_of_prefix(firsts: &[String], prefix: &str) -> Vec<usize> {
    let key = vocab_key(prefix);
    let first = vocab_shard_of(firsts, &key).unwrap_or(0);
    match vocab_shard_of(firsts, &format!("{key}{}", char::MAX)) {
        Some(last) => (first..=last).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
