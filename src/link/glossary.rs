//! Step 5: the first mention of each glossary term in every page.

use super::*;
use rustc_hash::FxHashMap;

/// Surface forms of a glossary term: title, synonyms, simple plurals; lower-case.
pub(super) fn term_forms(title: &str, synonyms: &[String]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for f in std::iter::once(title).chain(synonyms.iter().map(String::as_str)) {
        let f = f.trim().to_lowercase();
        if f.is_empty() {
            continue;
        }
        if f.ends_with('s') || f.ends_with('x') || f.ends_with("ch") || f.ends_with("sh") {
            out.insert(format!("{f}es"));
        } else if let Some(stem) = f.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u'])) {
            out.insert(format!("{stem}ies"));
        } else {
            out.insert(format!("{f}s"));
        }
        out.insert(f);
    }
    // Longest first, so "secure base" wins over "base".
    let mut v: Vec<String> = out.into_iter().collect();
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v
}

/// One page's glossary links (see `Page::glossary_links`).
pub(super) type GlossaryLinks = Vec<(PageId, usize, std::ops::Range<usize>)>;

/// Every page's glossary links, in page order (`None`: the site has no glossary).
pub(super) fn glossary_links_all(site: &Site) -> Option<Vec<GlossaryLinks>> {
    let forms = GlossaryForms::new(site)?;
    Some(site.pages.par_iter().map(|page| forms.links(page)).collect())
}

/// The glossary links of one page, as the link stage finds them (`haven
/// serve` recomputes them for an edited page).
pub fn glossary_links(site: &Site, page: &crate::site::Page) -> Vec<(PageId, usize, std::ops::Range<usize>)> {
    GlossaryForms::new(site).map(|f| f.links(page)).unwrap_or_default()
}

/// Every spelling of every glossary term, longest first, indexed for
/// [`GlossaryForms::links`].
pub(super) struct GlossaryForms {
    forms: Vec<(String, PageId)>,
    /// Prefilter: a whole-word match of a form starts with the form's first
    /// word as a whole word of the text, so forms are indexed by that word
    /// and only the forms whose first word occurs in a text run are searched
    /// (one pass over the run instead of one substring search per form).
    /// A lookup per word of every text run: Fx-hashed (the site's own words).
    by_first_word: FxHashMap<String, Vec<usize>>,
    /// Forms that do not start with a word character: always searched.
    always: Vec<usize>,
}

impl GlossaryForms {
    fn new(site: &Site) -> Option<GlossaryForms> {
        let mut forms: Vec<(String, PageId)> = site
            .pages
            .iter()
            .filter(|p| p.is_glossary_term())
            .flat_map(|p| term_forms(&p.meta.title, &p.meta.synonyms).into_iter().map(move |f| (f, p.id)))
            .collect();
        if forms.is_empty() {
            return None;
        }
        forms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut by_first_word: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut always: Vec<usize> = Vec::new();
        for (fi, (form, _)) in forms.iter().enumerate() {
            match words(form).next() {
                Some(w) if form.starts_with(w) => by_first_word.entry(w.to_string()).or_default().push(fi),
                _ => always.push(fi),
            }
        }
        Some(GlossaryForms { forms, by_first_word, always })
    }

    /// Term page, node index and byte range of the first mention of each
    /// term in `page`'s text runs.
    fn links(&self, page: &crate::site::Page) -> Vec<(PageId, usize, std::ops::Range<usize>)> {
        if page.is_section && page.section == "glossary" {
            return vec![];
        }
        let mut linked: BTreeSet<PageId> = BTreeSet::new();
        linked.insert(page.id); // never inside its own definition
        let mut out = Vec::new();
        for (ni, node) in page.nodes.iter().enumerate() {
            let Node::Text(text) = node else { continue };
            let text = text.get(&page.source);
            let lower = text.to_lowercase();
            if lower.len() != text.len() {
                continue; // case folding changed byte offsets; skip this run
            }
            let mut taken: Vec<std::ops::Range<usize>> = out
                .iter()
                .filter(|(_, n, _)| *n == ni)
                .map(|(_, _, r): &(PageId, usize, std::ops::Range<usize>)| r.clone())
                .collect();
            let mut candidates: Vec<usize> = self.always.clone();
            for w in words(&lower) {
                if let Some(fs) = self.by_first_word.get(w) {
                    candidates.extend(fs.iter().copied());
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for (form, term) in candidates.into_iter().map(|fi| &self.forms[fi]) {
                if linked.contains(term) {
                    continue;
                }
                if let Some(r) = find_word(&lower, form) {
                    if taken.iter().any(|t| t.start < r.end && r.start < t.end) {
                        continue;
                    }
                    linked.insert(*term);
                    taken.push(r.clone());
                    out.push((*term, ni, r));
                }
            }
        }
        out.sort_by_key(|(_, n, r)| (*n, r.start));
        out
    }
}

/// A character that continues a word for [`find_word`]'s boundary test.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// The maximal runs of word characters in `text`, in order.
pub(super) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

/// First whole-word occurrence of `word` in `text`.
pub(super) fn find_word(text: &str, word: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before = text[..s].chars().next_back();
        let after = text[e..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !is_word_char(c));
        if boundary(before) && boundary(after) {
            return Some(s..e);
        }
        from = s + word.chars().next().map_or(1, char::len_utf8);
    }
    None
}
