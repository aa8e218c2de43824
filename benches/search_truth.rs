//! Ground truth for `benches/search_bench.mjs`, read from a built site's
//! tantivy index (`search-index/`), independently of the static index and of
//! the query engine that the benchmark measures.
//!
//! ```sh
//! cargo bench --bench search_truth -- --root CORPUS/haven > truth.json
//! ```
//!
//! It re-reads every section's stored text (title and tags on a page's first
//! section, heading, body), splits it into words the way the index does
//! ([`haven::index::analysis::surface`]), and prints JSON with:
//!
//! - the benchmark's queries, chosen deterministically from those words:
//!   `common` (the word on the most pages), `common2` (the two such words),
//!   `rare` (a word of 6+ letters on the fewest pages, at least two), `typo` (the rare word
//!   with two inner letters swapped; the pages with the rare word are the
//!   pages it is meant to find) and `typo_first` (the rare word without its
//!   first letter);
//! - `prefix`: the 2-letter prefix whose pages are closest to half of all
//!   pages, and the exact pages and sections (`[page, section]`) that hold
//!   a word starting with it: what a complete prefix search must return.
//!
//! Words are the indexed ones: stop words and words of 40+ bytes are not
//! searchable, so they are left out here too. Pages are numbered as the
//! index numbers them (a page starts at each section that carries a title).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use haven::index::{analysis, inverted};
use tantivy::collector::DocSetCollector;
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{Index, TantivyDocument};

struct Section {
    page: u32,
    /// The section's index within its page.
    index: u32,
    words: BTreeSet<String>,
}

fn main() {
    let mut root: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--root" {
            root = args.next().map(PathBuf::from);
        }
    }
    let Some(root) = root else {
        eprintln!("usage: cargo bench --bench search_truth -- --root SITE");
        std::process::exit(2);
    };
    let dir = root.join("search-index");
    let index = Index::open_in_dir(&dir).unwrap_or_else(|e| panic!("open {}: {e}", dir.display()));
    inverted::register(&index);
    let (_, f) = inverted::schema();
    let searcher = inverted::reader(&index).expect("reader").searcher();
    let addrs = searcher.search(&AllQuery, &DocSetCollector).expect("all documents");
    let mut docs: BTreeMap<u64, (TantivyDocument, String)> = BTreeMap::new();
    for addr in addrs {
        let d: TantivyDocument = searcher.doc(addr).expect("stored document");
        let id = d.get_first(f.doc).and_then(|v| v.as_u64()).expect("doc id");
        let url = d.get_first(f.url).and_then(|v| v.as_str()).unwrap_or("").to_string();
        docs.insert(id, (d, url));
    }
    let stop: BTreeSet<&str> = analysis::STOP_WORDS.iter().copied().collect();
    let mut surface = analysis::surface();
    let mut sections = Vec::new();
    let mut page_urls: Vec<String> = Vec::new();
    for (d, url) in docs.values() {
        let texts = |field| d.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>();
        let titles = texts(f.title);
        if !titles.is_empty() || page_urls.is_empty() {
            page_urls.push(format!("/{}", url.split('#').next().unwrap_or("")));
        }
        let mut words = BTreeSet::new();
        for t in titles.iter().chain(&texts(f.tags)).chain(&texts(f.heading)).chain(&texts(f.body)) {
            for w in analysis::words(&mut surface, t) {
                if !stop.contains(w.as_str()) && w.len() < analysis::MAX_WORD_BYTES {
                    words.insert(w);
                }
            }
        }
        let page = page_urls.len() as u32 - 1;
        let index = sections.iter().rev().take_while(|s: &&Section| s.page == page).count() as u32;
        sections.push(Section { page, index, words });
    }

    // word → (pages, sections)
    let mut by_word: BTreeMap<&str, (BTreeSet<u32>, Vec<u32>)> = BTreeMap::new();
    for (i, s) in sections.iter().enumerate() {
        for w in &s.words {
            let e = by_word.entry(w).or_default();
            e.0.insert(s.page);
            e.1.push(i as u32);
        }
    }
    let letters = |w: &str| w.chars().all(char::is_alphabetic);
    let mut common: Vec<(&str, usize)> =
        by_word.iter().filter(|(w, _)| letters(w) && w.len() >= 4).map(|(w, (p, _))| (*w, p.len())).collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let rare = by_word
        .iter()
        .filter(|(w, (pages, _))| letters(w) && w.chars().count() >= 6 && pages.len() >= 2)
        .min_by(|a, b| (a.1 .0.len(), a.1 .1.len(), a.0).cmp(&(b.1 .0.len(), b.1 .1.len(), b.0)))
        .map(|(w, (p, _))| (w.to_string(), p.clone()))
        .expect("a rare word");
    // Swap two inner letters, moving right until the result is not a word.
    let chars: Vec<char> = rare.0.chars().collect();
    let typo = (chars.len() / 2..chars.len() - 1)
        .chain(1..chars.len() / 2)
        .map(|i| {
            let mut c = chars.clone();
            c.swap(i, i + 1);
            c.into_iter().collect::<String>()
        })
        .find(|t| !by_word.contains_key(t.as_str()) && *t != rare.0)
        .expect("a typo that is not a word");
    let first_typo: String = chars[1..].iter().collect();

    // The 2-letter prefix whose pages are closest to half of all pages.
    let mut by_prefix: BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    for (w, (pages, secs)) in &by_word {
        if w.chars().count() >= 2 && letters(w) {
            let e = by_prefix.entry(w.chars().take(2).collect()).or_default();
            e.0.extend(pages);
            e.1.extend(secs);
        }
    }
    let half = page_urls.len() / 2;
    let (prefix, (pp, ps)) =
        by_prefix.iter().min_by_key(|(p, (pages, _))| (pages.len().abs_diff(half), (*p).clone())).expect("a prefix");
    let urls = |pages: &BTreeSet<u32>| pages.iter().map(|&p| page_urls[p as usize].clone()).collect::<Vec<_>>();
    let out = serde_json::json!({
        "pages": page_urls.len(),
        "sections": sections.len(),
        "common": common[0].0,
        "common_pages": common[0].1,
        "common2": [common[0].0, common[1].0],
        "rare": rare.0,
        "rare_pages": urls(&rare.1),
        "typo": typo,
        "typo_first": first_typo,
        "typo_pages": urls(&rare.1),
        "prefix": prefix,
        "prefix_pages": pp.len(),
        "prefix_page_urls": urls(pp),
        "prefix_sections": ps.iter().map(|&i| [sections[i as usize].page, sections[i as usize].index]).collect::<Vec<_>>(),
    });
    println!("{out}");
}
