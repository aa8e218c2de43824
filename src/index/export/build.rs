//! Building the static index: scores quantized, each term's postings cut
//! into a head and tiers of blocks, everything packed into shards of the
//! formats in [`super`].

use super::*;

/// Quantize scores to 1..=65535 on one scale (the largest score → 65535).
///
/// The lists are converted where they lie (a score and its quantized value
/// take the same room): the index stage holds one copy of the postings.
pub fn quantize(postings: Vec<Vec<(u32, f32)>>) -> Vec<Vec<(u32, u32)>> {
    let max = postings.iter().flatten().map(|&(_, s)| s).fold(0.0f32, f32::max);
    postings
        .into_iter()
        .map(|list| {
            list.into_iter()
                .map(|(d, s)| {
                    let q = if max > 0.0 { (f64::from(s) / f64::from(max) * 65535.0).round() } else { 0.0 };
                    (d, q.clamp(1.0, 65535.0) as u32)
                })
                .collect()
        })
        .collect()
}

/// Cut `groups` (in order) into shards of whole groups of about `target` bytes.
pub(super) fn pack<K, T>(
    groups: Vec<(K, Vec<T>)>,
    target: usize,
    size: impl Fn(&[T]) -> usize,
) -> Vec<(Vec<K>, Vec<T>)> {
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
///
/// Only the head and the tiers are ranked by score (at most
/// [`HEAD`] + 1,344 postings); the rest, most of a common word's postings,
/// keeps the order it comes in, which is by page and section, and is sorted
/// only if it is not. Sorting a common word's whole list by score, and its
/// rest by page again, was 4% of a build of long articles.
pub fn split_term(list: Vec<Posting>) -> (Vec<Posting>, Vec<(u32, Vec<Posting>)>) {
    let head_len = if list.len() <= HEAD_ALL { list.len() } else { HEAD };
    let (mut ranked, mut rest) = best_first(list, head_len + tiers_len());
    let mut tiers = ranked.split_off(head_len);
    let mut head = ranked;
    head.sort();
    let mut blocks = Vec::new();
    let mut size = FIRST_TIER;
    for tier in 1..=TIERS {
        if tiers.is_empty() {
            break;
        }
        let after = tiers.split_off(size.min(tiers.len()));
        let mut t = std::mem::replace(&mut tiers, after);
        t.sort();
        blocks.push((tier, t));
        size *= 4;
    }
    if !rest.is_sorted() {
        rest.sort();
    }
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

/// How many postings the tiers after the head hold: 64 + 256 + 1,024.
fn tiers_len() -> usize {
    (0..TIERS).map(|t| FIRST_TIER << (2 * t)).sum()
}

/// Best first: higher score, then earlier (page, section).
fn by_rank(a: &Posting, b: &Posting) -> std::cmp::Ordering {
    b.score.cmp(&a.score).then((a.page, a.section).cmp(&(b.page, b.section)))
}

/// The `n` best postings of `list` ([`by_rank`]), best first, and the
/// others in the order `list` has them.
pub(super) fn best_first(mut list: Vec<Posting>, n: usize) -> (Vec<Posting>, Vec<Posting>) {
    if list.len() <= n {
        list.sort_by(by_rank);
        return (list, Vec::new());
    }
    // The `n`th best: every posting ranked at or above it is among the
    // best (the order is total: a posting's page and section are its own).
    let mut order = list.clone();
    let (_, &mut last, _) = order.select_nth_unstable_by(n - 1, by_rank);
    let (mut best, rest): (Vec<Posting>, Vec<Posting>) =
        list.into_iter().partition(|p| by_rank(p, &last) != std::cmp::Ordering::Greater);
    best.sort_by(by_rank);
    (best, rest)
}

/// The shards that depend on the pages alone: each page's file (its
/// metadata and headings), each section's file (what a result shows, with
/// the section's text), and the facets. [`crate::index::build_export`] makes
/// them while tantivy indexes.
pub fn page_shards(pages: &[SearchPage]) -> Vec<(String, Payload)> {
    // A file per page and one per run of its sections; the texts are
    // compressed in parallel.
    let per_file = sections_per_file(pages) as usize;
    let mut shards: Vec<(String, Payload)> = pages
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, p)| {
            let headings: Vec<Vec<String>> = p.sections.iter().map(|s| stored_heading(&s.heading, &s.anchor)).collect();
            let head = PageHead { t: p.title.clone(), u: p.path.clone(), g: p.tags.clone(), a: p.audience.clone() };
            let docs: Vec<(String, Payload)> = p
                .sections
                .chunks(per_file)
                .zip(headings.chunks(per_file))
                .enumerate()
                .map(|(run, (sections, h))| {
                    let doc = DocFile {
                        head: head.clone(),
                        h: h.to_vec(),
                        x: sections.iter().map(|s| s.text.clone()).collect(),
                    };
                    (doc_name(i as u32, (run * per_file) as u32, per_file as u32), Payload::Binary(doc.encode()))
                })
                .collect();
            let meta = MetaPage { head, s: headings };
            std::iter::once((format!("m{i}"), Payload::Json(json(&meta)))).chain(docs)
        })
        .collect();

    // Facets: the first spelling of each tag (by slug) is its display name.
    let facet = |get: &dyn Fn(&SearchPage) -> &Vec<String>| -> Vec<(String, Vec<u32>)> {
        let mut by_slug: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
        for (pid, p) in pages.iter().enumerate() {
            for t in get(p) {
                let e = by_slug.entry(crate::site::slugify(t)).or_insert_with(|| (t.clone(), Vec::new()));
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
/// beside tantivy by [`crate::index::build_export`]).
pub fn build(
    pages: &[SearchPage],
    postings: Vec<Vec<(u32, u32)>>,
    vocab: &BTreeMap<String, u32>,
    page_shards: Vec<(String, Payload)>,
) -> Export {
    let terms = postings.len();
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
    // Each term's postings are dropped once its blocks are encoded.
    let prepared: Vec<TermBlocks> = postings
        .into_par_iter()
        .map(|list| {
            let list: Vec<Posting> = list
                .into_iter()
                .filter_map(|(d, score)| {
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
    let mut records: Vec<TermRecord> = Vec::with_capacity(terms);
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
    let typo_lists = |prefix: &str, nth: usize, shards: &mut Vec<(String, Payload)>| -> Vec<(String, Vec<u32>)> {
        let mut letters: BTreeMap<char, BTreeMap<u32, Vec<TypoEntry>>> = BTreeMap::new();
        for (word, &tid) in vocab {
            if let Some(c) = word.chars().nth(nth) {
                let df = records.get(tid as usize).map_or(0, |r| r.df);
                let len = word.chars().count() as u32;
                letters.entry(c).or_default().entry(len).or_default().push((word.clone(), df));
            }
        }
        let mut table: Vec<(String, Vec<u32>)> = Vec::new();
        let mut count = 0;
        for (c, lens) in letters {
            let mut bounds = Vec::new();
            for (lens, w) in pack(lens.into_iter().collect(), TYPO_SHARD_BYTES, |w| json(&w).len()) {
                if bounds.is_empty() {
                    bounds.push(lens.first().copied().unwrap_or(0));
                }
                bounds.push(lens.last().copied().unwrap_or(0));
                shards.push((format!("{prefix}{count}"), Payload::Json(json(&TypoShard { w }))));
                count += 1;
            }
            table.push((c.to_string(), bounds));
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
        stop: crate::index::analysis::STOP_WORDS.iter().map(|s| s.to_string()).collect(),
        question: crate::index::analysis::QUESTION_WORDS.iter().map(|s| s.to_string()).collect(),
        sections_per_file: sections_per_file(pages),
        vocab: vocab_table,
    };
    Export { manifest, shards }
}
