//! Steps 4 to 6: the threshold ranking, which fetches postings blocks only
//! until the shown results are final.

use super::*;

/// (words matched, total score): what sections are ranked by.
type Key = (u32, u32);

/// (page, section): a section of a page, as the postings name it.
type SectionAt = (u32, u32);

/// What is known of a section from the postings fetched so far.
struct Known {
    /// Its best score for each query word (0: not found yet).
    best: Vec<u32>,
    /// The terms it was found in.
    terms: Vec<u32>,
}

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

impl<S: Source> Engine<S> {
    /// Steps 4–6: the exact best `limit` pages of `groups` (per word: its
    /// (term, weight) pairs), restricted to the sorted page list `allowed`,
    /// the pages of the sorted list `prefer` counting more ([`PREFER`]).
    pub(super) fn rank(
        &mut self,
        groups: &[Vec<(u32, u32)>],
        allowed: Option<&[u32]>,
        prefer: Option<&[u32]>,
        limit: usize,
    ) -> Result<(Vec<PageHit>, Count), SearchError> {
        // A section's total is multiplied by its page's factor; none is
        // more than `top`, the factor an unseen section is bounded with.
        let factor = |page: u32| match prefer {
            None => 1,
            Some(p) if p.binary_search(&page).is_ok() => PREFER.0,
            Some(_) => PREFER.1,
        };
        let top = if prefer.is_some() { PREFER.0 } else { 1 };
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
            let mut docs: BTreeMap<SectionAt, Known> = BTreeMap::new();
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
                    let d = docs
                        .entry((p.page, p.section))
                        .or_insert_with(|| Known { best: vec![0; ng], terms: Vec::new() });
                    for &(g, w) in &mine {
                        d.best[g] = d.best[g].max(p.score * w);
                    }
                    d.terms.push(tid);
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
            let key = |v: &[u32], f: u32| (v.iter().filter(|&&s| s > 0).count() as u32, v.iter().sum::<u32>() * f);
            let mut exact: Vec<(Key, SectionAt)> = Vec::new();
            let mut unsure: Vec<(SectionAt, Key)> = Vec::new();
            for (&(page, section), Known { best: lo, terms: found }) in &docs {
                let mut hi = lo.clone();
                for &(g, tid, w) in &entries {
                    if open.contains_key(&tid) && !found.contains(&tid) {
                        hi[g] = hi[g].max(ub(tid, page).0 * w);
                    }
                }
                if hi == *lo {
                    exact.push((key(lo, factor(page)), (page, section)));
                } else {
                    unsure.push(((page, section), key(&hi, factor(page))));
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
            for (&(page, _), Known { best: lo, .. }) in &docs {
                let k = key(lo, factor(page));
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
            let unseen: Key = key(&best_unseen, top);
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
                        let Known { best: lo, terms: found } = &docs[&(page, section)];
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
