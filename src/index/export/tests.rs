//! Tests of the static index's formats and build.

use super::*;

/// [`build`] with the page shards made here.
fn build_all(pages: &[SearchPage], postings: &[Vec<(u32, u32)>], vocab: &BTreeMap<String, u32>) -> Export {
    build(pages, postings.to_vec(), vocab, page_shards(pages))
}

fn shard<'a>(e: &'a Export, name: &str) -> &'a [u8] {
    match &e.shards.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no shard {name}")).1 {
        Payload::Json(b) | Payload::Binary(b) => b,
    }
}

#[test]
fn quantization_keeps_order_and_range() {
    let q = quantize(vec![vec![(0, 0.5), (3, 2.0)], vec![(1, 0.000_001), (2, 1.0)]]);
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
        let q = quantize(lists.clone());
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
    let reversed: Vec<Posting> = list.iter().rev().copied().collect();
    assert_eq!(split_term(reversed), (head.clone(), blocks.clone()), "the order postings come in does not matter");
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
            key_points: String::new(),
            listing: false,
            sections: (0..sections)
                .map(|s| crate::index::docs::SearchSection {
                    heading: format!("H{s}"),
                    anchor: format!("h{s}"),
                    text: format!("text {i} {s}"),
                    extra: String::new(),
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
    // Each section's text round-trips, in its own file, with its page's
    // title and URL and its heading; the page's file has no texts.
    assert_eq!(e.manifest.sections_per_file, 1, "3 sections a page: a file each");
    let d = DocFile::decode(shard(&e, "d7-2")).unwrap();
    assert_eq!(d.x, ["text 7 2"]);
    assert_eq!((d.head.t.as_str(), d.head.u.as_str()), (ps[7].title.as_str(), ps[7].path.as_str()));
    assert_eq!(d.section(0), (ps[7].sections[2].heading.clone(), ps[7].sections[2].anchor.clone()));
    let m: MetaPage = serde_json::from_slice(shard(&e, "m7")).unwrap();
    assert_eq!(m.s.len(), ps[7].sections.len());
    assert!(!String::from_utf8_lossy(shard(&e, "m7")).contains("text 7"), "the page's file carries no texts");
    let sections: usize = ps.iter().map(|p| p.sections.len()).sum();
    assert_eq!(e.shards.iter().filter(|(n, _)| n.starts_with('d')).count(), sections);
    assert_eq!(e.shards.iter().filter(|(n, _)| n.starts_with('m')).count(), ps.len());
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
    // A section's own file stores its heading by the same rule.
    let d = DocFile::decode(shard(&e, "d0-1")).unwrap();
    assert_eq!(d.h, [vec!["Über uns", "über-uns"]]);
    assert_eq!(d.section(0), ("Über uns".into(), "über-uns".into()));
    let d = DocFile::decode(shard(&e, "d0-2")).unwrap();
    assert_eq!(d.h, [vec!["The end"]]);
    assert_eq!(d.section(0), ("The end".into(), "the-end".into()));
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
    let entry = |l: &str, b: &[u32]| (l.to_string(), b.to_vec());
    assert_eq!(tables.t, [entry("t", &[3, 9]), entry("x", &[1, 1]), entry("ü", &[7, 7])]);
    assert_eq!(tables.u, [entry("e", &[3, 3]), entry("h", &[6, 9]), entry("n", &[7, 7])]);
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
    // Each letter once, its lists' lengths rising; every word is in the
    // list its letter and length name, and in no other.
    let tables: TypoTables = serde_json::from_slice(shard(&e, "l")).unwrap();
    for (table, prefix, nth) in [(&tables.t, "t", 0), (&tables.u, "u", 1)] {
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "{table:?}");
        assert!(table.iter().all(|(_, b)| b.len() >= 2 && b.windows(2).all(|w| w[0] <= w[1])), "{table:?}");
        let lists: usize = table.iter().map(|(_, b)| b.len() - 1).sum();
        assert!(lists > table.len(), "some letters have several lists: {table:?}");
        for w in many.keys() {
            let (letter, len) = (w.chars().nth(nth).unwrap(), w.chars().count() as u32);
            let named = typo_lists_of(table, letter, len, len);
            assert_eq!(named.len(), 1, "{w}: {named:?}");
            for i in 0..lists {
                let list: TypoShard = serde_json::from_slice(shard(&e, &format!("{prefix}{i}"))).unwrap();
                assert_eq!(list.w.iter().any(|(x, _)| x == w), i == named[0], "{w} in {prefix}{i}");
            }
        }
    }
}

#[test]
fn typo_lists_are_found_by_letter_and_length() {
    let table = vec![("a".to_string(), vec![2, 4, 7]), ("b".to_string(), vec![1, 3])];
    assert_eq!(typo_lists_of(&table, 'a', 2, 2), [0]);
    assert_eq!(typo_lists_of(&table, 'a', 4, 5), [0, 1]);
    assert_eq!(typo_lists_of(&table, 'a', 5, 5), [1]);
    assert_eq!(typo_lists_of(&table, 'a', 0, 1), Vec::<usize>::new());
    assert_eq!(typo_lists_of(&table, 'a', 8, 9), Vec::<usize>::new());
    assert_eq!(typo_lists_of(&table, 'b', 0, 9), [2]);
    assert_eq!(typo_lists_of(&table, 'c', 0, 9), Vec::<usize>::new());
}

#[test]
fn the_files_written_one_by_one_are_the_site_files() {
    let ps = pages(40, 3);
    let postings: Vec<Vec<(u32, u32)>> =
        (0..8u32).map(|t| (0..120u32).map(|d| (d, 1 + d * (t + 1))).collect()).collect();
    let vocab: BTreeMap<String, u32> = (0..8u32).map(|t| (format!("w{t}"), t)).collect();
    let expected: BTreeMap<String, Vec<u8>> = build_all(&ps, &postings, &vocab).site_files().into_iter().collect();
    let written = std::sync::Mutex::new(BTreeMap::new());
    let listed = build_all(&ps, &postings, &vocab)
        .write_site_files(|name, bytes| {
            written.lock().unwrap().insert(name.to_string(), bytes.to_vec());
            Ok::<(), ()>(())
        })
        .unwrap();
    let written = written.into_inner().unwrap();
    assert!(expected.len() > 40, "a page file each and the rest");
    assert_eq!(written, expected);
    let sizes: BTreeMap<String, u64> = listed.into_iter().collect();
    assert_eq!(sizes, expected.iter().map(|(n, b)| (n.clone(), b.len() as u64)).collect());
    // A file that cannot be written stops the rest with its error.
    let failed = build_all(&ps, &postings, &vocab).write_site_files(|name, _| {
        if name.ends_with("m3.js") {
            Err(name.to_string())
        } else {
            Ok(())
        }
    });
    assert!(failed.is_err_and(|e| e.ends_with("/m3.js")));
}

#[test]
fn a_typo_list_is_a_flat_array_of_words_and_counts() {
    let list = TypoShard { w: vec![("made".into(), 4631), ("may".into(), 27)] };
    let text = serde_json::to_string(&list).unwrap();
    assert_eq!(text, r#"["made",4631,"may",27]"#);
    assert_eq!(serde_json::from_str::<TypoShard>(&text).unwrap(), list);
    for bad in [r#"["made"]"#, r#"["made","may"]"#, r#"[4631,"made"]"#, r#"{"w":[]}"#] {
        assert!(serde_json::from_str::<TypoShard>(bad).is_err(), "{bad}");
    }
}

#[test]
fn pages_of_many_sections_share_a_file_among_a_run_of_sections() {
    // 24 sections a page: runs of 3, about 8 files a page.
    let ps = pages(5, 24);
    assert_eq!(sections_per_file(&ps), 3);
    let e = build_all(&ps, &[], &BTreeMap::new());
    assert_eq!(e.manifest.sections_per_file, 3);
    assert_eq!(e.shards.iter().filter(|(n, _)| n.starts_with("d2-")).count(), 8);
    assert_eq!(doc_name(2, 7, 3), "d2-2");
    let d = DocFile::decode(shard(&e, "d2-2")).unwrap();
    assert_eq!(d.x, ["text 2 6", "text 2 7", "text 2 8"]);
    assert_eq!(d.section(1).0, ps[2].sections[7].heading);
    // A last run may be shorter; small pages keep a file a section.
    assert_eq!(sections_per_file(&pages(3, 25)), 3);
    let e = build_all(&pages(3, 25), &[], &BTreeMap::new());
    let last = DocFile::decode(shard(&e, "d1-8")).unwrap();
    assert_eq!(last.x, ["text 1 24"]);
    assert_eq!(sections_per_file(&pages(4, 11)), 1);
    assert_eq!(sections_per_file(&pages(4, 12)), 2);
    assert_eq!(sections_per_file(&[]), 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// The best postings of a term, as sorting the whole list by rank would
    /// give them, and the others in the order they came: lists from empty
    /// to past the last tier, scores from one value (ties everywhere) to
    /// many, in page order or shuffled.
    #[test]
    fn best_first_ranks_as_sorting_everything_would(
        len in proptest::prop_oneof![0usize..80, 1300usize..1500, 1500usize..5000],
        spread in proptest::prop_oneof![proptest::strategy::Just(1u32), proptest::strategy::Just(3u32), 1u32..70000],
        n in proptest::prop_oneof![proptest::strategy::Just(HEAD + 1344), 1usize..2000],
        seed in proptest::prelude::any::<u64>(),
        shuffled in proptest::prelude::any::<bool>(),
    ) {
        // Distinct (page, section): up to 4 sections a page, some skipped.
        let mut x = seed | 1;
        let mut next = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
        let mut list = Vec::with_capacity(len);
        let (mut page, mut section) = (0u32, 0u32);
        while list.len() < len {
            if next() % 3 == 0 { page += 1 + (next() % 3) as u32; section = 0; }
            list.push(Posting { page, section, score: (next() % u64::from(spread)) as u32 });
            section += 1 + (next() % 2) as u32;
        }
        if shuffled {
            for i in (1..list.len()).rev() { list.swap(i, (next() % (i as u64 + 1)) as usize); }
        }
        let mut ranked = list.clone();
        ranked.sort_by(|a, b| b.score.cmp(&a.score).then((a.page, a.section).cmp(&(b.page, b.section))));
        ranked.truncate(n);
        let best: std::collections::HashSet<(u32, u32)> = ranked.iter().map(|p| (p.page, p.section)).collect();
        let rest: Vec<Posting> = list.iter().filter(|p| !best.contains(&(p.page, p.section))).copied().collect();
        proptest::prop_assert_eq!(build::best_first(list, n), (ranked, rest));
    }
}
