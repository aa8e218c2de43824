//! The static index: what the browser (and `haven search`) rank from.
//!
//! Everything is JSON, written twice: `NAME.json` for `fetch`, and `NAME.js`
//! (`window.__havenSearch.add("VERSION/NAME", …)`) for pages opened from
//! disk, where there is no `fetch`. Shards live in `search/VERSION/`, where
//! VERSION is a hash of all of them, so a cache can never mix shards of two
//! builds; only `search/manifest.json` has a fixed name (the browser
//! revalidates it). No list in the manifest grows with the number of terms.
//!
//! | file | holds | a query loads |
//! |------|-------|---------------|
//! | `manifest` | version, sections per page, stop words, shard table of the vocabulary, tags | once |
//! | `v*` vocabulary: whole 2-letter-prefix groups | word → term id, postings shard | one per query word |
//! | `t*` typo lists: (first letter, length range) | word, term id, postings shard, doc freq | only to correct a word with no match |
//! | `p*` postings: term-id ranges | doc ids (delta) and 16-bit scores | the shards of the query's terms |
//! | `m*` pages: [`Manifest::meta_pages`] pages each | title, URL, tags, audience, section headings and anchors | only for results shown |
//! | `x*` excerpts: [`Manifest::text_docs`] sections each | the start of each section's text | only for the best section of a result shown |
//! | `f` facets | pages per tag and audience | only when a filter is used |
//!
//! Scores are precomputed BM25 (title/heading/tag boosts folded in),
//! quantized to 16 bits on one site-wide scale so they add across terms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::docs::SearchPage;

/// Bumped whenever the format changes; `haven search` refuses other versions.
pub const FORMAT: u32 = 1;

/// A postings shard is closed once it holds this many bytes of JSON.
pub const POSTINGS_SHARD_BYTES: usize = 4 * 1024;
/// Vocabulary and typo shards take whole groups until they reach this size.
pub const WORDS_SHARD_BYTES: usize = 2 * 1024;
/// Page shards hold about this many bytes (a whole number of pages).
pub const META_SHARD_BYTES: usize = 2 * 1024;
/// Excerpt shards hold about this many bytes (a whole number of sections).
pub const TEXT_SHARD_BYTES: usize = 1024;
/// Section text kept for excerpts, in characters (cut at a word boundary).
pub const EXCERPT_CHARS: usize = 240;

/// Entry point of the static index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Folder of this build's shards (a hash of their content).
    pub version: String,
    /// Number of documents (sections) and pages.
    pub docs: u32,
    pub pages: u32,
    /// Sections per page, in page order ([`encode_counts`]).
    pub counts: String,
    pub stop: Vec<String>,
    /// Vocabulary shard `v{i}` holds the words of the 2-letter prefixes
    /// `vocab[i]` (a 1-letter word is its own prefix).
    pub vocab: Vec<Vec<String>>,
    /// Typo shard `t{i}` holds the words starting with `typo[i].0` whose
    /// length in characters is in `typo[i].1..=typo[i].2`.
    pub typo: Vec<(String, u32, u32)>,
    /// Page shard `m{i}` holds pages `i * meta_pages ..`.
    pub meta_pages: u32,
    /// Excerpt shard `x{i}` holds the sections (documents) `i * text_docs ..`.
    pub text_docs: u32,
    /// (tag, pages) and (audience, pages), by name; pages are in `f`.
    pub tags: Vec<(String, u32)>,
    pub audiences: Vec<(String, u32)>,
}

/// A word of the site: (word, term id, postings shard).
pub type VocabEntry = (String, u32, u32);
/// A word for typo correction: (word, term id, postings shard, doc freq).
pub type TypoEntry = (String, u32, u32, u32);

/// Words, sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabShard {
    pub w: Vec<VocabEntry>,
}

/// Words, sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypoShard {
    pub w: Vec<TypoEntry>,
}

/// Postings of the terms `first..first + p.len()`: for each term a flat
/// list `[doc, score, doc delta, score, …]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingsShard {
    pub first: u32,
    pub p: Vec<Vec<u32>>,
}

/// Display data of consecutive pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaShard {
    pub pages: Vec<MetaPage>,
}

/// Excerpt text of consecutive sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextShard {
    pub x: Vec<String>,
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
    /// Sections: (heading, anchor).
    pub s: Vec<(String, String)>,
}

/// Pages per facet value, page ids ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub tags: Vec<(String, Vec<u32>)>,
    pub audiences: Vec<(String, Vec<u32>)>,
}

/// The exported index: named JSON shards plus the manifest.
#[derive(Debug)]
pub struct Export {
    pub manifest: Manifest,
    /// (shard name, JSON bytes): `v0`, `p3`, `m1`, `t2`, `f`.
    pub shards: Vec<(String, Vec<u8>)>,
}

impl Export {
    /// Every file of the site's `search/` folder, relative to it: the
    /// manifest, and `VERSION/NAME.json` + `.js` for each shard.
    pub fn site_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for (key, json) in self.keyed() {
            out.push((format!("{key}.js"), script(&key, &json)));
            out.push((format!("{key}.json"), json));
        }
        out
    }

    /// (key, JSON) of every file: `manifest`, `VERSION/NAME`.
    pub fn keyed(&self) -> Vec<(String, Vec<u8>)> {
        let mut all: Vec<(String, Vec<u8>)> =
            self.shards.iter().map(|(n, b)| (shard_key(&self.manifest.version, n), b.clone())).collect();
        all.push(("manifest".into(), json(&self.manifest)));
        all
    }
}

/// Where shard `name` of build `version` lives, relative to `search/`
/// (without `.json`); also the name its `.js` twin registers under.
pub fn shard_key(version: &str, name: &str) -> String {
    format!("{version}/{name}")
}

/// The `.js` twin of a file, for `file://` pages.
pub fn script(key: &str, json: &[u8]) -> Vec<u8> {
    let mut out = format!("window.__havenSearch.add({},", serde_json::Value::from(key)).into_bytes();
    out.extend_from_slice(json);
    out.extend_from_slice(b");\n");
    out
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    // These plain structs (string keys only) always serialize; an empty
    // object would fail loudly in the browser rather than here.
    serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec())
}

/// The first two characters of a word: the prefix its vocabulary shard is chosen by.
pub fn vocab_key(word: &str) -> String {
    word.chars().take(2).collect()
}

const DIGITS: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// Sections per page as one character each (base-32 varint over a 64-letter
/// alphabet: a letter from the upper half means "more follows").
pub fn encode_counts(counts: &[u32]) -> String {
    let mut out = String::new();
    for &c in counts {
        let mut c = c;
        while c >= 32 {
            out.push(DIGITS[32 + (c & 31) as usize] as char);
            c >>= 5;
        }
        out.push(DIGITS[c as usize] as char);
    }
    out
}

/// Inverse of [`encode_counts`]; `None` on a malformed string.
pub fn decode_counts(s: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0u32);
    for b in s.bytes() {
        let d = DIGITS.iter().position(|&x| x == b)? as u32;
        if shift > 25 {
            return None;
        }
        if d >= 32 {
            value |= (d - 32) << shift;
            shift += 5;
        } else {
            out.push(value | d << shift);
            (value, shift) = (0, 0);
        }
    }
    (shift == 0).then_some(out)
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

/// `text` cut to about `max` characters at a word boundary.
pub fn excerpt_text(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let at = head.rfind(' ').filter(|&i| i > cut / 2).unwrap_or(cut);
    head[..at].to_string()
}

/// Cut `groups` (in order) into shards of whole groups of about `target` bytes.
fn pack<K, T: Serialize>(groups: Vec<(K, Vec<T>)>, target: usize) -> Vec<(Vec<K>, Vec<T>)> {
    let mut out: Vec<(Vec<K>, Vec<T>)> = Vec::new();
    let mut size = 0;
    for (key, items) in groups {
        if out.is_empty() || size >= target {
            out.push((Vec::new(), Vec::new()));
            size = 0;
        }
        size += json(&items).len();
        if let Some((keys, all)) = out.last_mut() {
            keys.push(key);
            all.extend(items);
        }
    }
    out
}

/// Build every shard.
///
/// `postings[t]` are the quantized (doc, score) pairs of term `t`, by doc;
/// `vocab` maps each word of the site to its term.
pub fn build(pages: &[SearchPage], postings: &[Vec<(u32, u32)>], vocab: &BTreeMap<String, u32>) -> Export {
    let mut shards: Vec<(String, Vec<u8>)> = Vec::new();

    // Postings by term-id range; remember each term's shard.
    let mut shard_of = vec![0u32; postings.len()];
    let mut current = PostingsShard { first: 0, p: Vec::new() };
    let mut size = 0usize;
    for (tid, list) in postings.iter().enumerate() {
        let mut flat = Vec::with_capacity(list.len() * 2);
        let mut prev = 0u32;
        for (i, &(d, q)) in list.iter().enumerate() {
            flat.push(if i == 0 { d } else { d - prev });
            flat.push(q);
            prev = d;
        }
        size += flat.iter().map(|v| digits(*v) + 1).sum::<usize>() + 2;
        current.p.push(flat);
        shard_of[tid] = (shards.len()) as u32;
        if size >= POSTINGS_SHARD_BYTES || tid + 1 == postings.len() {
            let done = std::mem::replace(&mut current, PostingsShard { first: tid as u32 + 1, p: Vec::new() });
            shards.push((format!("p{}", shards.len()), json(&done)));
            size = 0;
        }
    }

    // Vocabulary: whole 2-letter-prefix groups per shard.
    let mut by_prefix: BTreeMap<String, Vec<VocabEntry>> = BTreeMap::new();
    let mut by_shape: BTreeMap<(String, u32), Vec<TypoEntry>> = BTreeMap::new();
    for (word, &tid) in vocab {
        let shard = shard_of.get(tid as usize).copied().unwrap_or(0);
        by_prefix.entry(vocab_key(word)).or_default().push((word.clone(), tid, shard));
        if let Some(first) = word.chars().next() {
            let df = postings.get(tid as usize).map_or(0, |p| p.len() as u32);
            let len = word.chars().count() as u32;
            by_shape.entry((first.to_string(), len)).or_default().push((word.clone(), tid, shard, df));
        }
    }
    let mut vocab_table = Vec::new();
    for (i, (prefixes, w)) in pack(by_prefix.into_iter().collect(), WORDS_SHARD_BYTES).into_iter().enumerate() {
        shards.push((format!("v{i}"), json(&VocabShard { w })));
        vocab_table.push(prefixes);
    }
    // Typo lists: per first letter, whole lengths per shard.
    let mut letters: BTreeMap<String, Vec<(u32, Vec<TypoEntry>)>> = BTreeMap::new();
    for ((first, len), w) in by_shape {
        letters.entry(first).or_default().push((len, w));
    }
    let mut typo_table = Vec::new();
    for (first, lens) in letters {
        for (lens, w) in pack(lens, WORDS_SHARD_BYTES) {
            let (lo, hi) = (lens.first().copied().unwrap_or(0), lens.last().copied().unwrap_or(0));
            shards.push((format!("t{}", typo_table.len()), json(&TypoShard { w })));
            typo_table.push((first.clone(), lo, hi));
        }
    }

    // Page metadata, a fixed number of pages per shard.
    let metas: Vec<MetaPage> = pages
        .iter()
        .map(|p| MetaPage {
            t: p.title.clone(),
            u: p.path.clone(),
            g: p.tags.clone(),
            a: p.audience.clone(),
            s: p.sections.iter().map(|s| (s.heading.clone(), s.anchor.clone())).collect(),
        })
        .collect();
    let average = metas.iter().map(|m| json(m).len()).sum::<usize>() / metas.len().max(1);
    let meta_pages = (META_SHARD_BYTES / average.max(1)).max(1);
    for (i, chunk) in metas.chunks(meta_pages).enumerate() {
        shards.push((format!("m{i}"), json(&MetaShard { pages: chunk.to_vec() })));
    }
    let texts: Vec<String> =
        pages.iter().flat_map(|p| p.sections.iter().map(|s| excerpt_text(&s.text, EXCERPT_CHARS))).collect();
    let average = texts.iter().map(|t| json(t).len() + 1).sum::<usize>() / texts.len().max(1);
    let text_docs = (TEXT_SHARD_BYTES / average.max(1)).max(1);
    for (i, chunk) in texts.chunks(text_docs).enumerate() {
        shards.push((format!("x{i}"), json(&TextShard { x: chunk.to_vec() })));
    }

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
    let facets = Facets { tags: facet(&|p| &p.tags), audiences: facet(&|p| &p.audience) };
    let counted = |v: &[(String, Vec<u32>)]| v.iter().map(|(n, p)| (n.clone(), p.len() as u32)).collect();
    let (tags, audiences) = (counted(&facets.tags), counted(&facets.audiences));
    shards.push(("f".into(), json(&facets)));

    shards.sort();
    let mut all = Vec::new();
    for (name, bytes) in &shards {
        all.extend_from_slice(name.as_bytes());
        all.push(0);
        all.extend_from_slice(bytes);
        all.push(0);
    }
    let counts: Vec<u32> = pages.iter().map(|p| p.sections.len() as u32).collect();
    let manifest = Manifest {
        format: FORMAT,
        version: format!("{:010x}", crate::render::fnv1a(&all) & 0xff_ffff_ffff),
        docs: counts.iter().sum(),
        pages: pages.len() as u32,
        counts: encode_counts(&counts),
        stop: super::analysis::STOP_WORDS.iter().map(|s| s.to_string()).collect(),
        vocab: vocab_table,
        typo: typo_table,
        meta_pages: meta_pages as u32,
        text_docs: text_docs as u32,
        tags,
        audiences,
    };
    Export { manifest, shards }
}

fn digits(v: u32) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_including_large_ones() {
        let counts = [0, 1, 5, 31, 32, 33, 1000, 70_000, 3];
        let s = encode_counts(&counts);
        assert_eq!(decode_counts(&s).unwrap(), counts);
        assert_eq!(encode_counts(&[1, 2, 3]), "123", "small counts are one character each");
        assert!(decode_counts("A").is_none(), "a dangling continuation is malformed");
        assert!(decode_counts("!").is_none());
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
    fn postings_are_sharded_by_term_range_and_delta_coded() {
        let postings: Vec<Vec<(u32, u32)>> =
            (0..300).map(|t| (0..40).map(|d| (d * 3 + t % 3, 1000 + d)).collect()).collect();
        let e = build(&[], &postings, &BTreeMap::new());
        let shards: Vec<&(String, Vec<u8>)> = e.shards.iter().filter(|(n, _)| n.starts_with('p')).collect();
        assert!(shards.len() > 1, "several shards");
        let mut tid = 0;
        for i in 0..shards.len() {
            let (name, bytes) = e.shards.iter().find(|(n, _)| *n == format!("p{i}")).unwrap();
            assert!(bytes.len() < POSTINGS_SHARD_BYTES + 1024, "shard {name} is {} bytes", bytes.len());
            let s: PostingsShard = serde_json::from_slice(bytes).unwrap();
            assert_eq!(s.first as usize, tid);
            for flat in s.p {
                let mut d = 0;
                let decoded: Vec<(u32, u32)> = flat
                    .chunks(2)
                    .enumerate()
                    .map(|(i, c)| {
                        d = if i == 0 { c[0] } else { d + c[0] };
                        (d, c[1])
                    })
                    .collect();
                assert_eq!(decoded, postings[tid]);
                tid += 1;
            }
        }
        assert_eq!(tid, 300);
    }

    #[test]
    fn vocabulary_is_sharded_by_two_letter_prefix() {
        let vocab: BTreeMap<String, u32> =
            [("therapy", 0), ("therapist", 1), ("theory", 2), ("tea", 3), ("x", 4), ("ünïcode", 5)]
                .into_iter()
                .map(|(w, t)| (w.to_string(), t))
                .collect();
        let postings = vec![vec![(0, 1)]; 6];
        let e = build(&[], &postings, &vocab);
        // Small groups share a shard; a prefix is never split.
        assert_eq!(e.manifest.vocab, [vec!["te", "th", "x", "ün"]]);
        let v0: VocabShard = serde_json::from_slice(&e.shards.iter().find(|(n, _)| n == "v0").unwrap().1).unwrap();
        let words: Vec<&str> = v0.w.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(words, ["tea", "theory", "therapist", "therapy", "x", "ünïcode"]);
        assert_eq!(e.manifest.typo, [("t".into(), 3, 9), ("x".into(), 1, 1), ("ü".into(), 7, 7)]);
    }

    #[test]
    fn large_vocabularies_split_between_whole_prefix_groups() {
        let vocab: BTreeMap<String, u32> = (0..3000u32)
            .map(|i| {
                let a = (b'a' + (i % 26) as u8) as char;
                let b = (b'a' + (i / 26 % 26) as u8) as char;
                (format!("{a}{b}word{i}"), i)
            })
            .collect();
        let postings = vec![vec![(0, 1)]; 3000];
        let e = build(&[], &postings, &vocab);
        assert!(e.manifest.vocab.len() > 10, "{} shards", e.manifest.vocab.len());
        let mut seen = BTreeMap::new();
        for (i, prefixes) in e.manifest.vocab.iter().enumerate() {
            let shard: VocabShard =
                serde_json::from_slice(&e.shards.iter().find(|(n, _)| *n == format!("v{i}")).unwrap().1).unwrap();
            assert!(shard.w.iter().all(|w| prefixes.contains(&vocab_key(&w.0))));
            for p in prefixes {
                assert!(seen.insert(p.clone(), i).is_none(), "prefix {p} in two shards");
            }
        }
        // Every word is in the shard its prefix names.
        assert!(vocab.keys().all(|w| seen.contains_key(&vocab_key(w))));
        // Typo shards cover disjoint length ranges per letter.
        for w in e.manifest.typo.windows(2) {
            assert!(w[0].0 != w[1].0 || w[0].2 < w[1].1, "{w:?}");
        }
    }

    #[test]
    fn excerpts_cut_at_word_boundaries() {
        assert_eq!(excerpt_text("short", 10), "short");
        assert_eq!(excerpt_text("one two three four", 10), "one two");
        assert_eq!(excerpt_text("ééééééééééé", 4), "éééé");
    }

    #[test]
    fn scripts_register_the_shard_by_name() {
        assert_eq!(script("v1/p1", b"{\"a\":1}"), b"window.__havenSearch.add(\"v1/p1\",{\"a\":1});\n");
    }
}
