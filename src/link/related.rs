//! Step 6: related pages, ranked through inverted indexes (no all-pairs loop).

use super::*;

/// Related pages: score = 3 × shared link targets (or a direct link) + 2 ×
/// shared sources + 1 × shared tags. Candidates come from inverted indexes;
/// features shared by more than 200 pages carry no signal and are skipped,
/// which keeps the work linear in the number of pages.
pub(super) fn related_pages(site: &Site) -> Vec<Vec<PageId>> {
    const CAP: usize = 200;
    let eligible = |p: &crate::site::Page| !p.is_section && p.section != "glossary";
    let mut feats: HashMap<(u8, String), Vec<PageId>> = HashMap::new();
    for p in site.pages.iter().filter(|p| eligible(p)) {
        let mut own: BTreeSet<(u8, String)> = BTreeSet::new();
        for l in &p.links {
            if let Some(r) = &l.resolved {
                own.insert((3, format!("p{}", r.page)));
            }
        }
        own.insert((3, format!("p{}", p.id)));
        for item in p.cites.iter().flat_map(|g| &g.items) {
            own.insert((2, item.key.clone()));
        }
        for t in &p.meta.tags {
            own.insert((1, t.to_lowercase()));
        }
        for f in own {
            feats.entry(f).or_default().push(p.id);
        }
    }
    let mut scores: Vec<HashMap<PageId, u32>> = vec![HashMap::new(); site.pages.len()];
    let mut keys: Vec<&(u8, String)> = feats.keys().collect();
    keys.sort();
    for f in keys {
        let list = &feats[f];
        if list.len() > CAP {
            continue;
        }
        for &a in list {
            for &b in list {
                if a != b {
                    *scores[a].entry(b).or_default() += u32::from(f.0);
                }
            }
        }
    }
    scores
        .into_iter()
        .map(|s| {
            let mut v: Vec<(u32, PageId)> =
                s.into_iter().filter(|(p, _)| eligible(&site.pages[*p])).map(|(p, sc)| (sc, p)).collect();
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            v.into_iter().take(5).map(|(_, p)| p).collect()
        })
        .collect()
}
