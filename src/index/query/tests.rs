//! Tests of the query engine, against the exhaustive ranking.

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
        format!("var PREFER = [{}, {}];", PREFER.0, PREFER.1),
        format!(
            "text.split(/[{}]/);",
            QUOTES
                .iter()
                .map(|&c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", c as u32) })
                .collect::<String>()
        ),
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
            crate::index::inverted::url(&m.head.u, &m.section(d.section as usize).1)
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

/// What correction gives when every list of both stages is read at once:
/// the closest word within `max` edits of the typed one, by (distance,
/// stage, longest common ending, most sections, smallest word), from the
/// word's own group (stage 0), the words with its first letter (1), and,
/// when none of those is one edit away, the words whose first letter is its
/// second or whose second letter is its first or second (2).
fn correct_everywhere(vocab: &[(String, u32)], word: &str) -> Option<String> {
    let typed: Vec<char> = word.chars().collect();
    let max = if typed.len() <= 4 { 1 } else { 2 };
    let (lo, hi) = (typed.len().saturating_sub(max), typed.len() + max);
    type Key = (usize, u32, std::cmp::Reverse<usize>, std::cmp::Reverse<u32>, String);
    let mut best: Option<Key> = None;
    let mut consider = |stage: u32, keep: &dyn Fn(&[char]) -> bool| {
        for (w, df) in vocab {
            let cs: Vec<char> = w.chars().collect();
            if !keep(&cs) {
                continue;
            }
            let Some(d) = osa_distance(&typed, &cs, max) else { continue };
            let suffix = typed.iter().rev().zip(cs.iter().rev()).take_while(|(a, b)| a == b).count();
            let k = (d, stage, std::cmp::Reverse(suffix), std::cmp::Reverse(*df), w.clone());
            if best.as_ref().is_none_or(|b| k < *b) {
                best = Some(k);
            }
        }
        best.as_ref().is_some_and(|b| b.0 <= 1)
    };
    let group: Vec<char> = typed.iter().copied().take(export::GROUP_CHARS).collect();
    let in_range = |cs: &[char]| (lo..=hi).contains(&cs.len());
    let done = consider(0, &|cs| cs.iter().take(export::GROUP_CHARS).eq(group.iter()))
        || consider(1, &|cs| in_range(cs) && cs[0] == typed[0])
        || consider(2, &|cs| {
            in_range(cs)
                && typed.len() > 1
                && (cs[0] == typed[1] || cs.get(1) == Some(&typed[1]) || cs.get(1) == Some(&typed[0]))
        });
    let _ = done;
    best.map(|b| b.4)
}

#[test]
fn correction_loads_lists_in_phases_and_finds_what_reading_them_all_finds() {
    // Words over a small alphabet, so that many are an edit or two apart,
    // with lists small enough that each letter has several.
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n.max(1)
    };
    let letters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'r', 's', 't', 'é'];
    let word = |rnd: &mut dyn FnMut(u64) -> u64, len: usize| -> String {
        (0..len).map(|_| letters[rnd(letters.len() as u64) as usize]).collect()
    };
    let mut words: BTreeSet<String> = BTreeSet::new();
    while words.len() < 1500 {
        let len = 3 + rnd(7) as usize;
        words.insert(word(&mut rnd, len));
    }
    let words: Vec<String> = words.into_iter().collect();
    let ps: Vec<SearchPage> = (0..40)
        .map(|p| SearchPage {
            title: format!("P{p}"),
            path: format!("p{p}/"),
            tags: vec![],
            audience: vec![],
            synonyms: vec![],
            key_points: String::new(),
            listing: false,
            sections: vec![SearchSection {
                heading: String::new(),
                anchor: String::new(),
                text: "x".into(),
                extra: String::new(),
            }],
        })
        .collect();
    // Term t is on 1 + t % 40 sections: ties in distance are broken by it.
    let postings: Vec<Vec<(u32, u32)>> =
        (0..words.len()).map(|t| (0..=(t % 40) as u32).map(|d| (d, 1)).collect()).collect();
    let vocab: BTreeMap<String, u32> = words.iter().enumerate().map(|(t, w)| (w.clone(), t as u32)).collect();
    let dfs: Vec<(String, u32)> = words.iter().enumerate().map(|(t, w)| (w.clone(), 1 + (t % 40) as u32)).collect();
    let e = export::build(&ps, postings, &vocab, export::page_shards(&ps));
    let tables: TypoTables = match &e.shards.iter().find(|(n, _)| n == "l").unwrap().1 {
        Payload::Json(b) => serde_json::from_slice(b).unwrap(),
        Payload::Binary(_) => unreachable!(),
    };
    assert!(tables.t.iter().all(|(_, b)| b.len() > 2), "every letter has several lists: {:?}", tables.t);
    let mut engine = open(&e);
    let (mut checked, mut corrected, mut fewer) = (0, 0, 0);
    for i in 0..600 {
        // Typed: a word of the site with one to three edits, or any word.
        let mut typed: Vec<char> = words[rnd(words.len() as u64) as usize].chars().collect();
        for _ in 0..1 + rnd(3) {
            let at = rnd(typed.len() as u64 + 1) as usize;
            let c = letters[rnd(letters.len() as u64) as usize];
            match rnd(4) {
                0 if typed.len() > 3 => {
                    typed.remove(at.min(typed.len() - 1));
                }
                1 => typed.insert(at, c),
                2 if at + 1 < typed.len() => typed.swap(at, at + 1),
                _ => {
                    let last = typed.len() - 1;
                    typed[at.min(last)] = c;
                }
            }
        }
        // One in ten: a word of the site with its first letter dropped,
        // changed, doubled or swapped with the second (short words too,
        // which get one edit: no later phase makes up for a missed list).
        let mut first: Vec<char> = words[rnd(words.len() as u64) as usize].chars().collect();
        let c = letters[rnd(letters.len() as u64) as usize];
        match rnd(4) {
            0 => drop(first.remove(0)),
            1 => first[0] = c,
            2 => first.insert(0, c),
            _ => first.swap(0, 1),
        }
        let typed: String = match i % 10 {
            0 => word(&mut rnd, 3 + i % 7),
            1 => first.into_iter().collect(),
            _ => typed.into_iter().collect(),
        };
        if vocab.contains_key(&typed) {
            continue;
        }
        engine.source.1.clear();
        let got = engine.correct(&typed).unwrap();
        assert_eq!(got, correct_everywhere(&dfs, &typed), "{typed}");
        checked += 1;
        corrected += usize::from(got.is_some());
        // The lists every length two edits reach, at once (the old way).
        let n = typed.chars().count() as u32;
        let c: Vec<char> = typed.chars().collect();
        let all: BTreeSet<String> =
            [(&tables.t, "t", c[0]), (&tables.t, "t", c[1]), (&tables.u, "u", c[1]), (&tables.u, "u", c[0])]
                .into_iter()
                .flat_map(|(t, p, l)| {
                    typo_lists_of(t, l, n.saturating_sub(2), n + 2).into_iter().map(move |i| format!("{p}{i}"))
                })
                .collect();
        let loaded = engine.source.1.iter().filter(|k| k.contains("/t") || k.contains("/u")).count();
        fewer += usize::from(loaded < all.len());
    }
    assert!(checked > 500 && corrected > 300, "{checked} checked, {corrected} corrected");
    // Every short word of the site with its first letter dropped or swapped
    // with the second: one edit is all a short word gets, so no later phase
    // makes up for a list that the first phases missed.
    let mut short = 0;
    for w in words.iter().filter(|w| w.chars().count() <= 5) {
        let c: Vec<char> = w.chars().collect();
        let mut swapped = c.clone();
        swapped.swap(0, 1);
        for typed in [c[1..].iter().collect::<String>(), swapped.into_iter().collect()] {
            if typed.chars().count() < 3 || vocab.contains_key(&typed) {
                continue;
            }
            assert_eq!(engine.correct(&typed).unwrap(), correct_everywhere(&dfs, &typed), "{typed}");
            short += 1;
        }
    }
    assert!(short > 300, "{short} short words checked");
    assert!(fewer > checked / 2, "phases loaded fewer lists for {fewer} of {checked} words");
}

#[test]
fn filters_restrict_pages() {
    let mut e = engine();
    let r = e.search(&Query { text: "attachment ", tag: Some("alliance"), ..Query::default() }, 10).unwrap();
    assert_eq!(r.pages.len(), 1);
    assert_eq!(e.page(r.pages[0].page).unwrap().head.t, "The working alliance");
    let err = e.search(&Query { text: "x", tag: Some("nope"), ..Query::default() }, 10).unwrap_err();
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
            .map(|i| SearchSection {
                heading: format!("h{i}"),
                anchor: format!("a{i}"),
                text: format!("t{p} {i}"),
                extra: String::new(),
            })
            .collect();
        docs.extend((0..n).map(|i| (p as u32, i as u32)));
        search_pages.push(SearchPage {
            title: format!("P{p}"),
            path: format!("p{p}/"),
            tags: if p % 7 == 0 { vec!["seven".into()] } else { vec![] },
            audience: vec![],
            synonyms: vec![],
            key_points: String::new(),
            listing: false,
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
    let export = export::build(&search_pages, postings.clone(), &vocab, export::page_shards(&search_pages));
    Synthetic { export, docs, postings }
}

/// The exhaustive ranking of a query of words (each: (term, weight)),
/// cut like [`Engine::rank`] cuts it: sections until `limit` pages; the
/// totals of `prefer`'s pages multiplied by `PREFER.0`, the others' by
/// `PREFER.1`.
fn reference(
    s: &Synthetic,
    groups: &[Vec<(u32, u32)>],
    allowed: Option<&[u32]>,
    prefer: Option<&[u32]>,
    limit: usize,
) -> Vec<PageHit> {
    let factor = |page: u32| prefer.map_or(1, |p| if p.contains(&page) { PREFER.0 } else { PREFER.1 });
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
            score: v.iter().sum::<u32>() * factor(s.docs[d as usize].0),
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
            // Some queries prefer a third of the pages (an audience).
            let prefer: Option<Vec<u32>> = (q % 4 == 1).then(|| (0..800).filter(|p| p % 3 == 0).collect());
            let prefer = prefer.as_deref();
            for limit in [1usize, 3, 10, 40] {
                let mut e = open(&s.export);
                for g in &groups {
                    for &(t, _) in g {
                        e.vocab_shard(&format!("w{t:03}")).unwrap();
                    }
                }
                e.load_records(groups.iter().flatten().map(|t| t.0)).unwrap();
                let (got, count) = e.rank(&groups, allowed.as_deref(), prefer, limit).unwrap();
                let want = reference(&s, &groups, allowed.as_deref(), prefer, limit);
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
                let (all, full) = e.rank(&groups, allowed.as_deref(), prefer, usize::MAX).unwrap();
                assert!(full.exact);
                assert!(count.pages <= full.pages && count.sections <= full.sections);
                if count.exact {
                    assert_eq!(count, full);
                }
                assert_eq!(full.pages, all.len());
                assert_eq!(all, reference(&s, &groups, allowed.as_deref(), prefer, usize::MAX));
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

#[test]
fn phrases_are_the_words_between_pairs_of_quotes() {
    let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(phrases(r#"feel "Secure Base" now"#), vec![w(&["secure", "base"])]);
    assert_eq!(phrases("\u{201c}safe haven\u{201d} and \"bond\""), vec![w(&["safe", "haven"]), w(&["bond"])]);
    assert!(phrases(r#"an "unclosed quote"#).is_empty(), "a quote without its pair is ignored");
    assert_eq!(phrases(r#""a b" "c"#), vec![w(&["a", "b"])]);
    assert!(phrases(r#""" "  ""#).is_empty());
}

#[test]
fn a_phrase_keeps_only_sections_that_say_it_in_order() {
    let mut e = engine();
    // Both pages have "secure" and "base" or "attachment"; only the secure
    // page's section says "secure base" in a row.
    let all = urls(&mut e, "base secure ");
    let quoted = urls(&mut e, r#""secure base""#);
    assert_eq!(quoted, ["attachment/secure/#a-secure-base"], "{all:?}");
    // The words the other way round are not the phrase.
    assert!(urls(&mut e, r#""base secure""#).is_empty());
    // A phrase word is never corrected or taken as a prefix.
    assert!(urls(&mut e, r#""secure bas""#).is_empty());
    let r = e.search(&Query { text: r#""secure bas""#, ..Query::default() }, 10).unwrap();
    assert!(r.words.iter().all(|w| w.kind != WordKind::Corrected && w.kind != WordKind::Prefix), "{:?}", r.words);
    // The title counts for the top of the page.
    assert_eq!(urls(&mut e, r#""working alliance" bond"#)[0], "alliance/what/");
}

#[test]
fn a_preferred_audience_counts_more_without_hiding_the_others() {
    let mut e = engine();
    let scores = |e: &mut Engine<MemSource>, prefer| {
        let r = e.search(&Query { text: "attachment ", prefer, ..Query::default() }, 10).unwrap();
        let mut v: Vec<(String, u32)> =
            r.pages.iter().map(|p| (e.page(p.page).unwrap().head.u.clone(), p.docs[0].score)).collect();
        v.sort();
        v
    };
    let plain = scores(&mut e, None);
    assert_eq!(plain.len(), 2, "{plain:?}");
    for (prefer, favoured) in [("clinicians", "alliance/what/"), ("Clients", "attachment/secure/")] {
        let got = scores(&mut e, Some(prefer));
        let want: Vec<(String, u32)> =
            plain.iter().map(|(u, s)| (u.clone(), s * if u == favoured { PREFER.0 } else { PREFER.1 })).collect();
        assert_eq!(got, want, "prefer {prefer}");
    }
    let err = e.search(&Query { text: "x", prefer: Some("nobody"), ..Query::default() }, 10).unwrap_err();
    assert!(err.to_string().contains("unknown audience `nobody`"), "{err}");
}
