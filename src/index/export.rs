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
//! | `l`, `t*` / `u*` typo lists (JSON) | the lists' table; words by first / second letter and length, with section counts | only to correct a word that its own group cannot |
//! | `m{page}` (JSON) | title, URL, tags, audience, section headings (and anchors unless [`simple_anchor`]), and the texts of its sections (deflated) | one per result shown |
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

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::{self, DecodeError, Payload, Posting, Reader};
use super::docs::SearchPage;

/// Bumped whenever the format changes; `haven search` refuses other versions.
pub const FORMAT: u32 = 3;

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
/// Typo lists take whole lengths until they reach this size.
pub const TYPO_SHARD_BYTES: usize = 2048;

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
    /// Vocabulary shard `v{i}` holds the groups (see [`vocab_key`]) from
    /// `vocab[i]` up to (not including) `vocab[i + 1]`, in code-point order.
    pub vocab: Vec<String>,
}

/// The tables of the typo lists (file `l`, loaded only to correct a word
/// whose group ([`GROUP_CHARS`] letters) has nothing close).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypoTables {
    /// Typo list `t{i}` holds the words starting with `t[i].0` whose
    /// length in characters is in `t[i].1..=t[i].2`.
    pub t: Vec<(String, u32, u32)>,
    /// Typo list `u{i}`: the same by the words' second letter.
    pub u: Vec<(String, u32, u32)>,
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

/// Words, sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypoShard {
    pub w: Vec<TypoEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaPage {
    /// Title.
    pub t: String,
    /// Site-relative URL path.
    pub u: String,
    /// Tags and audiences.
    pub g: Vec<String>,
    pub a: Vec<String>,
    /// Sections: `[heading]` when the anchor is [`simple_anchor`] of the
    /// heading, else `[heading, anchor]` (see [`MetaPage::section`]).
    pub s: Vec<Vec<String>>,
    /// The sections' texts, in order: a JSON array of strings, raw-deflated,
    /// in base64 (see [`MetaPage::texts`]). One file per page carries what a
    /// result shows, so a result costs one request, and a site has one search
    /// file per page instead of one per section.
    #[serde(default)]
    pub x: String,
}

impl MetaPage {
    /// (heading, anchor) of section `i`.
    pub fn section(&self, i: usize) -> (String, String) {
        match self.s.get(i).map(Vec::as_slice) {
            Some([h]) => (h.clone(), simple_anchor(h)),
            Some([h, a, ..]) => (h.clone(), a.clone()),
            _ => (String::new(), String::new()),
        }
    }

    /// The field [`MetaPage::x`] for these section texts.
    pub fn pack_texts(texts: &[&str]) -> String {
        codec::base64(&codec::deflate(&String::from_utf8_lossy(&json(&texts))))
    }

    /// The texts of the page's sections (unpacks [`MetaPage::x`]).
    pub fn texts(&self) -> Result<Vec<String>, DecodeError> {
        let json = codec::inflate(&codec::unbase64(&self.x)?)?;
        serde_json::from_str(&json).map_err(|e| DecodeError(e.to_string()))
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
    /// Every file of the site's `search/` folder, relative to it:
    /// `manifest.js` and `VERSION/NAME.js`.
    /// [`Export::site_files`], dropping each shard's payload once its file
    /// is made (the build never holds both whole).
    pub fn into_site_files(self) -> Vec<(String, Vec<u8>)> {
        let manifest = codec::script("manifest", &Payload::Json(json(&self.manifest)));
        let version = self.manifest.version;
        let mut out: Vec<(String, Vec<u8>)> = self
            .shards
            .into_par_iter()
            .map(|(n, p)| {
                let key = shard_key(&version, &n);
                (format!("{key}.js"), codec::script(&key, &p))
            })
            .collect();
        out.push(("manifest.js".into(), manifest));
        out
    }

    pub fn site_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = self
            .shards
            .iter()
            .map(|(n, p)| {
                let key = shard_key(&self.manifest.version, n);
                (format!("{key}.js"), codec::script(&key, p))
            })
            .collect();
        out.push(("manifest.js".into(), codec::script("manifest", &Payload::Json(json(&self.manifest)))));
        out
    }
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

/// Quantize scores to 1..=65535 on one scale (the largest score → 65535).
pub fn quantize(postings: &[Vec<(u32, f32)>]) -> Vec<Vec<(u32, u32)>> {
    let max = postings.iter().flatten().map(|&(_, s)| s).fold(0.0f32, f32::max);
    postings
        .iter()
        .map(|list| {
            list.iter()
                .map(|&(d, s)| {
                    let q = if max > 0.0 { (f64::from(s) / f64::from(max) * 65535.0).round() } else { 0.0 };
                    (d, q.clamp(1.0, 65535.0) as u32)
                })
                .collect()
        })
        .collect()
}

/// Cut `groups` (in order) into shards of whole groups of about `target` bytes.
fn pack<K, T>(groups: Vec<(K, Vec<T>)>, target: usize, size: impl Fn(&[T]) -> usize) -> Vec<(Vec<K>, Vec<T>)> {
    let mut out: Vec<(Vec<K>, Vec<T>)> = Vec::new();
    let mut bytes = 0;
    for (key, items) in groups {
        if out.is_empty() || bytes >= target {
            out.push((Vec::new(), Vec::new()));
            bytes = 0;
        }
        bytes += size(&items);
        if let Some((keys, all)) = out.last_mut() {
            keys.push(key);
            all.extend(items);
        }
    }
    out
}

/// A term's postings cut into head and blocks (see the module docs):
/// (tier, postings by page) in tier order.
pub fn split_term(mut list: Vec<Posting>) -> (Vec<Posting>, Vec<(u32, Vec<Posting>)>) {
    list.sort_by(|a, b| b.score.cmp(&a.score).then((a.page, a.section).cmp(&(b.page, b.section))));
    let head_len = if list.len() <= HEAD_ALL { list.len() } else { HEAD };
    let mut rest = list.split_off(head_len);
    let mut head = list;
    head.sort();
    let mut blocks = Vec::new();
    let mut size = FIRST_TIER;
    for tier in 1..=TIERS {
        if rest.is_empty() {
            break;
        }
        let after = rest.split_off(size.min(rest.len()));
        let mut t = std::mem::replace(&mut rest, after);
        t.sort();
        blocks.push((tier, t));
        size *= 4;
    }
    rest.sort();
    let mut start = 0;
    while start < rest.len() {
        let mut stop = (start + REST_CHUNK).min(rest.len());
        while stop < rest.len() && rest[stop].page == rest[stop - 1].page {
            stop += 1;
        }
        blocks.push((TIERS + 1, rest[start..stop].to_vec()));
        start = stop;
    }
    (head, blocks)
}

/// The shards that depend on the pages alone: each page's file (metadata and
/// section texts), and the facets. [`super::build_export`] makes them while
/// tantivy indexes.
pub fn page_shards(pages: &[SearchPage]) -> Vec<(String, Payload)> {
    // One file per page; the texts are compressed in parallel.
    let mut shards: Vec<(String, Payload)> = pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let meta = MetaPage {
                t: p.title.clone(),
                u: p.path.clone(),
                g: p.tags.clone(),
                a: p.audience.clone(),
                s: p.sections
                    .iter()
                    .map(|s| {
                        if s.anchor == simple_anchor(&s.heading) {
                            vec![s.heading.clone()]
                        } else {
                            vec![s.heading.clone(), s.anchor.clone()]
                        }
                    })
                    .collect(),
                x: MetaPage::pack_texts(&p.sections.iter().map(|s| s.text.as_str()).collect::<Vec<_>>()),
            };
            (format!("m{i}"), Payload::Json(json(&meta)))
        })
        .collect();

    // Facets: the first spelling of each tag (by slug) is its display name.
    let facet = |get: &dyn Fn(&SearchPage) -> &Vec<String>| -> Vec<(String, Vec<u32>)> {
        let mut by_slug: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
        for (pid, p) in pages.iter().enumerate() {
            for t in get(p) {
                let e = by_slug.entry(crate::parse::slugify(t)).or_insert_with(|| (t.clone(), Vec::new()));
                if e.1.last() != Some(&(pid as u32)) {
                    e.1.push(pid as u32);
                }
            }
        }
        let mut v: Vec<(String, Vec<u32>)> = by_slug.into_values().collect();
        v.sort_by(|a, b| a.0.to_lowercase().cmp(&b.0.to_lowercase()).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let counted = |v: &[(String, Vec<u32>)]| v.iter().map(|(n, p)| (n.clone(), p.len() as u32)).collect();
    let (tags, audiences) = (facet(&|p| &p.tags), facet(&|p| &p.audience));
    for (kind, list) in [("ft", &tags), ("fa", &audiences)] {
        for (i, (_, pages)) in list.iter().enumerate() {
            shards.push((format!("{kind}{i}"), Payload::Json(json(pages))));
        }
    }
    let names = FacetNames { tags: counted(&tags), audiences: counted(&audiences) };
    shards.push(("g".into(), Payload::Json(json(&names))));

    shards
}

/// Build every shard.
///
/// `postings[t]` are the quantized (doc, score) pairs of term `t`, where doc
/// numbers the sections of `pages` in order; `vocab` maps each word of the
/// site to its term; `page_shards` are [`page_shards`] of `pages` (made
/// beside tantivy by [`super::build_export`]).
pub fn build(
    pages: &[SearchPage],
    postings: &[Vec<(u32, u32)>],
    vocab: &BTreeMap<String, u32>,
    page_shards: Vec<(String, Payload)>,
) -> Export {
    let mut shards: Vec<(String, Payload)> = Vec::new();
    // Section number → (page, section within the page).
    let mut sections: Vec<(u32, u32)> = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        sections.extend((0..page.sections.len()).map(|s| (p as u32, s as u32)));
    }

    // Heads and blocks: the tiers packed into shared files in term order,
    // each block of the rest in a file of its own.
    // Per term, in parallel: postings by (page, section), the head, and each
    // block encoded on its own (a block's bytes do not depend on where it
    // lands); then, in term order, the tier blocks are packed into shared
    // files and each block of the rest gets a file of its own.
    struct TermBlocks {
        df: u32,
        pf: u32,
        head: Vec<Posting>,
        /// (tier, first page, last page, best score, encoded block)
        blocks: Vec<(u32, u32, u32, u32, Vec<u8>)>,
    }
    let prepared: Vec<TermBlocks> = postings
        .par_iter()
        .map(|list| {
            let list: Vec<Posting> = list
                .iter()
                .filter_map(|&(d, score)| {
                    sections.get(d as usize).map(|&(page, section)| Posting { page, section, score })
                })
                .collect();
            let pf = list.iter().map(|p| p.page).collect::<BTreeSet<_>>().len() as u32;
            let df = list.len() as u32;
            let (head, tiers) = split_term(list);
            let blocks = tiers
                .into_iter()
                .map(|(tier, block)| {
                    let mut bytes = Vec::new();
                    codec::put_block(&mut bytes, &block);
                    let lo = block.first().map_or(0, |p| p.page);
                    let hi = block.last().map_or(0, |p| p.page);
                    (tier, lo, hi, block.iter().map(|p| p.score).max().unwrap_or(0), bytes)
                })
                .collect();
            TermBlocks { df, pf, head, blocks }
        })
        .collect();
    let mut records: Vec<TermRecord> = Vec::with_capacity(postings.len());
    let mut file: Vec<u8> = Vec::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut own_files: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for (tid, t) in prepared.into_iter().enumerate() {
        let mut blocks = Vec::with_capacity(t.blocks.len());
        for (tier, lo, hi, max, bytes) in t.blocks {
            let len = bytes.len() as u32;
            if tier > TIERS {
                // Numbered after the shared file that is still open.
                blocks.push(BlockRef { tier, lo, hi, max, file: u32::MAX, offset: 0, len });
                own_files.push((tid, blocks.len() - 1, bytes));
            } else {
                let offset = file.len() as u32;
                file.extend_from_slice(&bytes);
                blocks.push(BlockRef { tier, lo, hi, max, file: files.len() as u32, offset, len });
            }
        }
        if file.len() >= POSTINGS_FILE_BYTES {
            files.push(std::mem::take(&mut file));
        }
        records.push(TermRecord { tid: tid as u32, df: t.df, pf: t.pf, head: t.head, blocks });
    }
    if !file.is_empty() {
        files.push(file);
    }
    for (tid, b, bytes) in own_files {
        records[tid].blocks[b].file = files.len() as u32;
        files.push(bytes);
    }
    for (i, f) in files.into_iter().enumerate() {
        shards.push((format!("p{i}"), Payload::Binary(f)));
    }

    // Term records, packed in term order; then the vocabulary: whole
    // groups (first [`GROUP_CHARS`] letters) per shard, each word with its term's record shard.
    let mut record_shard = vec![0u32; records.len()];
    let mut current = RecordShard::default();
    let mut size = 0;
    let mut record_shards = Vec::new();
    let sizes: Vec<usize> = records.par_iter().map(|r| RecordShard { terms: vec![r.clone()] }.encode().len()).collect();
    for (r, own_size) in records.iter().zip(sizes) {
        size += own_size;
        record_shard[r.tid as usize] = record_shards.len() as u32;
        current.terms.push(r.clone());
        if size >= RECORD_SHARD_BYTES {
            record_shards.push(std::mem::take(&mut current));
            size = 0;
        }
    }
    if !current.terms.is_empty() {
        record_shards.push(current);
    }
    for (i, r) in record_shards.iter().enumerate() {
        shards.push((format!("r{i}"), Payload::Binary(r.encode())));
    }
    let mut by_group: BTreeMap<String, Vec<VocabWord>> = BTreeMap::new();
    for (word, &tid) in vocab {
        let shard = record_shard.get(tid as usize).copied().unwrap_or(0);
        let df = records.get(tid as usize).map_or(0, |r| r.df);
        by_group.entry(vocab_key(word)).or_default().push(VocabWord { word: word.clone(), tid, shard, df });
    }
    let mut vocab_table = Vec::new();
    let groups: Vec<(String, Vec<VocabWord>)> = by_group.into_iter().collect();
    let size = |w: &[VocabWord]| VocabShard { words: w.to_vec() }.encode().len();
    for (i, (keys, words)) in pack(groups, VOCAB_SHARD_BYTES, size).into_iter().enumerate() {
        shards.push((format!("v{i}"), Payload::Binary(VocabShard { words }.encode())));
        vocab_table.push(keys.into_iter().next().unwrap_or_default());
    }

    // Typo lists: per first (and second) letter, whole lengths per shard.
    let typo_lists = |prefix: &str, nth: usize, shards: &mut Vec<(String, Payload)>| -> Vec<(String, u32, u32)> {
        let mut letters: BTreeMap<char, BTreeMap<u32, Vec<TypoEntry>>> = BTreeMap::new();
        for (word, &tid) in vocab {
            if let Some(c) = word.chars().nth(nth) {
                let df = records.get(tid as usize).map_or(0, |r| r.df);
                let len = word.chars().count() as u32;
                letters.entry(c).or_default().entry(len).or_default().push((word.clone(), df));
            }
        }
        let mut table = Vec::new();
        for (c, lens) in letters {
            for (lens, w) in pack(lens.into_iter().collect(), TYPO_SHARD_BYTES, |w| json(&w).len()) {
                let (lo, hi) = (lens.first().copied().unwrap_or(0), lens.last().copied().unwrap_or(0));
                shards.push((format!("{prefix}{}", table.len()), Payload::Json(json(&TypoShard { w }))));
                table.push((c.to_string(), lo, hi));
            }
        }
        table
    };
    let t = typo_lists("t", 0, &mut shards);
    let u = typo_lists("u", 1, &mut shards);
    shards.push(("l".into(), Payload::Json(json(&TypoTables { t, u }))));

    shards.extend(page_shards);

    shards.sort_by(|a, b| a.0.cmp(&b.0));
    // FNV-1a over every shard's name and bytes.
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (name, payload) in &shards {
        eat(name.as_bytes());
        eat(&[0]);
        match payload {
            Payload::Json(b) | Payload::Binary(b) => eat(b),
        }
        eat(&[0]);
    }
    let manifest = Manifest {
        format: FORMAT,
        version: format!("{:010x}", hash & 0xff_ffff_ffff),
        docs: sections.len() as u32,
        pages: pages.len() as u32,
        stop: super::analysis::STOP_WORDS.iter().map(|s| s.to_string()).collect(),
        vocab: vocab_table,
    };
    Export { manifest, shards }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`build`] with the page shards made here.
    fn build_all(pages: &[SearchPage], postings: &[Vec<(u32, u32)>], vocab: &BTreeMap<String, u32>) -> Export {
        build(pages, postings, vocab, page_shards(pages))
    }

    fn shard<'a>(e: &'a Export, name: &str) -> &'a [u8] {
        match &e.shards.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no shard {name}")).1 {
            Payload::Json(b) | Payload::Binary(b) => b,
        }
    }

    #[test]
    fn quantization_keeps_order_and_range() {
        let q = quantize(&[vec![(0, 0.5), (3, 2.0)], vec![(1, 0.000_001), (2, 1.0)]]);
        assert_eq!(q, [vec![(0, 16384), (3, 65535)], vec![(1, 1), (2, 32768)]]);
    }

    #[test]
    fn sixteen_bit_quantization_keeps_the_top_five_of_random_sums() {
        // Property from the issue: 16-bit scores keep the exact top-5.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut same = 0;
        for _ in 0..300 {
            let lists: Vec<Vec<(u32, f32)>> =
                (0..2).map(|_| (0..200).map(|d| (d, (rnd() * 20.0) as f32)).collect()).collect();
            let q = quantize(&lists);
            let top = |sum: &dyn Fn(usize) -> f64| {
                let mut d: Vec<usize> = (0..200).collect();
                d.sort_by(|&a, &b| sum(b).total_cmp(&sum(a)).then(a.cmp(&b)));
                d.truncate(5);
                d
            };
            let exact = top(&|d| lists.iter().map(|l| f64::from(l[d].1)).sum());
            let quant = top(&|d| q.iter().map(|l| f64::from(l[d].1)).sum());
            same += usize::from(exact == quant);
        }
        assert!(same >= 297, "{same}/300 top-5 lists kept");
    }

    #[test]
    fn terms_split_into_head_score_ordered_tiers_and_page_ordered_rest() {
        // 3000 postings on 1000 pages (3 sections each), scores all different.
        let list: Vec<Posting> =
            (0..3000u32).map(|i| Posting { page: i / 3, section: i % 3, score: 1 + (i * 7919) % 3001 }).collect();
        let (head, blocks) = split_term(list.clone());
        assert_eq!(head.len(), HEAD);
        let tiers: Vec<u32> = blocks.iter().map(|b| b.0).collect();
        assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{tiers:?}");
        // Tiers of 64, 256 and 1024 postings, then the rest in blocks.
        let size = |t: u32| blocks.iter().filter(|b| b.0 == t).map(|b| b.1.len()).sum::<usize>();
        assert_eq!((size(1), size(2), size(3), size(4)), (64, 256, 1024, 3000 - HEAD - 64 - 256 - 1024));
        assert_eq!(blocks.iter().filter(|b| b.0 <= TIERS).count(), 3, "one block per tier");
        let min = |ps: &[Posting]| ps.iter().map(|p| p.score).min().unwrap();
        let max = |ps: &[Posting]| ps.iter().map(|p| p.score).max().unwrap();
        assert!(max(&blocks[0].1) < min(&head));
        for t in 1..=TIERS {
            let this: Vec<Posting> = blocks.iter().filter(|b| b.0 == t).flat_map(|b| b.1.clone()).collect();
            let next: Vec<Posting> = blocks.iter().filter(|b| b.0 == t + 1).flat_map(|b| b.1.clone()).collect();
            assert!(max(&next) < min(&this), "tier {t}");
        }
        for (_, b) in &blocks {
            assert!(b.windows(2).all(|w| (w[0].page, w[0].section) < (w[1].page, w[1].section)));
        }
        // The rest: blocks of about REST_CHUNK postings over disjoint page ranges.
        let rest: Vec<&Vec<Posting>> = blocks.iter().filter(|b| b.0 > TIERS).map(|b| &b.1).collect();
        assert!(rest.len() > 2);
        assert!(rest.iter().all(|b| b.len() <= REST_CHUNK + 2), "blocks end at page boundaries");
        for w in rest.windows(2) {
            assert!(w[0].last().unwrap().page < w[1][0].page);
        }
        let mut all: Vec<Posting> = head.into_iter().chain(blocks.into_iter().flat_map(|b| b.1)).collect();
        all.sort();
        assert_eq!(all, list);
        // Small terms are all head.
        let (head, blocks) = split_term(list[..HEAD_ALL].to_vec());
        assert_eq!((head.len(), blocks.len()), (HEAD_ALL, 0));
    }

    fn pages(n: usize, sections: usize) -> Vec<SearchPage> {
        (0..n)
            .map(|i| SearchPage {
                title: format!("Page {i}"),
                path: format!("p{i}/"),
                tags: vec![],
                audience: vec![],
                synonyms: vec![],
                sections: (0..sections)
                    .map(|s| crate::index::docs::SearchSection {
                        heading: format!("H{s}"),
                        anchor: format!("h{s}"),
                        text: format!("text {i} {s}"),
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn the_vocabulary_lists_every_block_and_the_blocks_decode() {
        let ps = pages(400, 4);
        let postings: Vec<Vec<(u32, u32)>> = (0..30u32)
            .map(|t| (0..1600u32).filter(|d| d % (t + 1) == 0).map(|d| (d, 1 + (d * 31 + t) % 60_000)).collect())
            .collect();
        let vocab: BTreeMap<String, u32> = (0..30u32).map(|t| (format!("w{t:02}"), t)).collect();
        let e = build_all(&ps, &postings, &vocab);
        assert_eq!(e.manifest.vocab.first().map(String::as_str), Some("w00"));
        let mut seen = 0;
        let records = e.shards.iter().filter(|(n, _)| n.starts_with('r')).count();
        assert!(records > 1, "{records} record shards");
        for i in 0..records {
            let v = RecordShard::decode(shard(&e, &format!("r{i}"))).unwrap();
            for t in &v.terms {
                let mut all = t.head.clone();
                for b in &t.blocks {
                    let file = shard(&e, &format!("p{}", b.file));
                    let bytes = &file[b.offset as usize..(b.offset + b.len) as usize];
                    let got = codec::read_block(&mut Reader::new(bytes)).unwrap();
                    assert_eq!(got.iter().map(|p| p.score).max(), Some(b.max));
                    assert_eq!((got[0].page, got[got.len() - 1].page), (b.lo, b.hi));
                    all.extend(got);
                }
                let want: Vec<Posting> = postings[t.tid as usize]
                    .iter()
                    .map(|&(d, score)| Posting { page: d / 4, section: d % 4, score })
                    .collect();
                all.sort();
                assert_eq!(all, want, "term {}", t.tid);
                assert_eq!(t.df as usize, want.len());
                seen += 1;
            }
        }
        assert_eq!(seen, 30);
        // Every word names its term and the term's record shard.
        for i in 0..e.manifest.vocab.len() {
            for w in VocabShard::decode(shard(&e, &format!("v{i}"))).unwrap().words {
                let r = RecordShard::decode(shard(&e, &format!("r{}", w.shard))).unwrap();
                let t = r.terms.iter().find(|t| t.tid == w.tid).expect("the term is in its shard");
                assert_eq!((vocab[&w.word], t.df), (w.tid, w.df));
            }
        }
        // Postings files stay small.
        for (n, p) in &e.shards {
            if let (true, Payload::Binary(b)) = (n.starts_with('p'), p) {
                assert!(b.len() < POSTINGS_FILE_BYTES + 1024 * 4, "{n}: {}", b.len());
            }
        }
        // Section texts round-trip, in the page's file; there is no other file per page.
        let m: MetaPage = serde_json::from_slice(shard(&e, "m7")).unwrap();
        assert_eq!(m.texts().unwrap()[2], "text 7 2");
        assert_eq!(e.shards.iter().filter(|(n, _)| n.starts_with(['m', 'x'])).count(), ps.len());
    }

    #[test]
    fn anchors_are_stored_only_when_the_simple_rule_misses() {
        assert_eq!(simple_anchor("The secure base"), "the-secure-base");
        assert_eq!(simple_anchor("  Q&A: 2 parts!"), "q-a-2-parts");
        assert_eq!(simple_anchor("Über"), "ber", "non-ASCII letters are separators");
        assert_eq!(simple_anchor("!!"), "section");
        assert_eq!(simple_anchor(""), "");
        let mut ps = pages(1, 3);
        ps[0].sections[0].anchor = String::new();
        ps[0].sections[0].heading = String::new();
        ps[0].sections[1].heading = "Über uns".into();
        ps[0].sections[1].anchor = "über-uns".into();
        ps[0].sections[2].heading = "The end".into();
        ps[0].sections[2].anchor = "the-end".into();
        let e = build_all(&ps, &[], &BTreeMap::new());
        let m: MetaPage = serde_json::from_slice(shard(&e, "m0")).unwrap();
        assert_eq!(m.s, [vec![""], vec!["Über uns", "über-uns"], vec!["The end"]]);
        assert_eq!(m.section(1), ("Über uns".into(), "über-uns".into()));
        assert_eq!(m.section(2), ("The end".into(), "the-end".into()));
        assert_eq!(m.section(0), (String::new(), String::new()));
        assert_eq!(m.section(9), (String::new(), String::new()));
    }

    #[test]
    fn vocabulary_shards_hold_whole_three_letter_groups() {
        let words = ["therapy", "therapist", "theory", "tea", "x", "ünïcode"];
        let vocab: BTreeMap<String, u32> = words.iter().enumerate().map(|(i, w)| (w.to_string(), i as u32)).collect();
        let postings = vec![vec![(0, 1)]; 6];
        let e = build_all(&pages(1, 1), &postings, &vocab);
        assert_eq!(e.manifest.vocab, ["tea"]);
        let v0 = VocabShard::decode(shard(&e, "v0")).unwrap();
        let got: Vec<&str> = v0.words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(got, ["tea", "theory", "therapist", "therapy", "x", "ünïcode"]);
        let tables: TypoTables = serde_json::from_slice(shard(&e, "l")).unwrap();
        assert_eq!(tables.t, [("t".into(), 3, 9), ("x".into(), 1, 1), ("ü".into(), 7, 7)]);
        assert_eq!(tables.u, [("e".into(), 3, 3), ("h".into(), 6, 9), ("n".into(), 7, 7)]);
        assert_eq!(vocab_shard_of(&e.manifest.vocab, "th"), Some(0));
        assert_eq!(vocab_shard_of(&e.manifest.vocab, "ab"), None);

        let many: BTreeMap<String, u32> = (0..3000u32)
            .map(|i| {
                let a = (b'a' + (i % 26) as u8) as char;
                let b = (b'a' + (i / 26 % 26) as u8) as char;
                (format!("{a}{b}word{i}"), i)
            })
            .collect();
        let e = build_all(&pages(1, 1), &vec![vec![(0, 1)]; 3000], &many);
        assert!(e.manifest.vocab.len() > 10, "{} shards", e.manifest.vocab.len());
        for w in many.keys() {
            let i = vocab_shard_of(&e.manifest.vocab, &vocab_key(w)).unwrap();
            let v = VocabShard::decode(shard(&e, &format!("v{i}"))).unwrap();
            assert!(v.words.iter().any(|x| &x.word == w), "{w} is in the shard its group names");
        }
        // A 2-letter prefix names every shard with a word that starts with it.
        for p in ["aa", "zz", "mq"] {
            let range = vocab_shards_of_prefix(&e.manifest.vocab, p);
            let mut found = 0;
            for i in 0..e.manifest.vocab.len() {
                let v = VocabShard::decode(shard(&e, &format!("v{i}"))).unwrap();
                let has = v.words.iter().filter(|w| w.word.starts_with(p)).count();
                assert!(has == 0 || range.contains(&i), "{p}: shard {i} not in {range:?}");
                assert!(range.len() < e.manifest.vocab.len() / 4, "{p}: {range:?}");
                found += has;
            }
            assert_eq!(found, many.keys().filter(|w| w.starts_with(p)).count(), "{p}");
        }
        let tables: TypoTables = serde_json::from_slice(shard(&e, "l")).unwrap();
        for w in tables.t.windows(2) {
            assert!(w[0].0 != w[1].0 || w[0].2 < w[1].1, "{w:?}");
        }
    }
}
