//! Step 6: related pages, ranked through inverted indexes (no all-pairs loop).

use super::*;

/// Related pages: score = 3 × shared link targets (or a direct link) + 2 ×
/// shared sources + 1 × shared tags. Candidates come from inverted indexes;
/// features shared by more than 200 pages carry no signal and are skipped,
/// which keeps the work linear in the number of pages. Each page's scores
/// are summed on their own (in parallel, in a dense table per thread).
pub(super) fn related_pages(site: &Site) -> Vec<Vec<PageId>> {
    const CAP: usize = 200;
    let eligible = |p: &crate::site::Page| !p.is_section && p.section != "glossary";
    /// A feature a page has: a page it links to (or itself), a source it
    /// cites, a tag (lower-cased).
    #[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
    enum Feature<'a> {
        Page(PageId),
        Source(&'a str),
        Tag(String),
    }
    let weight = |f: &Feature<'_>| match f {
        Feature::Page(_) => 3,
        Feature::Source(_) => 2,
        Feature::Tag(_) => 1,
    };
    // Each feature's pages, and each page's features (by number).
    let mut number: HashMap<Feature<'_>, usize> = HashMap::new();
    let mut pages_of: Vec<(u32, Vec<PageId>)> = Vec::new();
    let mut features_of: Vec<Vec<usize>> = vec![Vec::new(); site.pages.len()];
    for p in site.pages.iter().filter(|p| eligible(p)) {
        let mut own: BTreeSet<Feature<'_>> = BTreeSet::new();
        own.extend(p.links.iter().filter_map(|l| l.resolved.as_ref()).map(|r| Feature::Page(r.page)));
        own.insert(Feature::Page(p.id));
        own.extend(p.cites.iter().flat_map(|g| &g.items).map(|item| Feature::Source(item.key.as_str())));
        own.extend(p.meta.tags.iter().map(|t| Feature::Tag(t.to_lowercase())));
        for f in own {
            let w = weight(&f);
            let n = *number.entry(f).or_insert_with(|| {
                pages_of.push((w, Vec::new()));
                pages_of.len() - 1
            });
            pages_of[n].1.push(p.id);
            features_of[p.id].push(n);
        }
    }
    let n = site.pages.len();
    features_of
        .par_iter()
        .enumerate()
        .map_init(
            || (vec![0u32; n], Vec::<PageId>::new()),
            |(score, touched), (a, feats)| {
                for &f in feats {
                    let (w, list) = &pages_of[f];
                    if list.len() > CAP {
                        continue;
                    }
                    for &b in list {
                        // Only eligible pages have features: `b` is one.
                        if b != a {
                            if score[b] == 0 {
                                touched.push(b);
                            }
                            score[b] += w;
                        }
                    }
                }
                let mut v: Vec<(u32, PageId)> = touched.drain(..).map(|b| (std::mem::take(&mut score[b]), b)).collect();
                v.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                v.into_iter().take(5).map(|(_, p)| p).collect()
            },
        )
        .collect()
}
