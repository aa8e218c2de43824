//! [`Drive`]: one hayagriva driver over a selection of the site's citation
//! groups, and the (entry, form) identities that [`Plan`] and [`Split`] count.

use super::*;

/// The citation groups, and the distinct entries they cite.
pub(super) struct Drive<'f, 'g> {
    pub(super) formatter: &'f Formatter,
    pub(super) groups: &'g [(Vec<(&'g Item, &'g CiteItem)>, bool)],
    /// Each distinct entry, in the order first cited.
    pub(super) entries: Vec<&'g Item>,
    /// Each distinct entry's index in `entries`.
    pub(super) slot: HashMap<usize, usize>,
}

impl<'f, 'g> Drive<'f, 'g> {
    pub(super) fn new(formatter: &'f Formatter, groups: &'g [(Vec<(&'g Item, &'g CiteItem)>, bool)]) -> Self {
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let mut distinct: Vec<&Item> = Vec::new();
        for (items, _) in groups {
            for &(entry, _) in items {
                slot.entry(addr(entry)).or_insert_with(|| {
                    distinct.push(entry);
                    distinct.len() - 1
                });
            }
        }
        Drive { formatter, groups, entries: distinct, slot }
    }

    /// The driver's citation items of group `g`: all, or those `take` lists.
    pub(super) fn items(&self, g: usize, take: &Take) -> Vec<CitationItem<'_, Item>> {
        let (items, narrative) = &self.groups[g];
        match take {
            Take::Whole => items.iter().map(|&item| self.item(item, *narrative)).collect(),
            Take::Items(some) => some.iter().map(|&i| self.item(items[i], *narrative)).collect(),
        }
    }

    /// The driver's citation item of `entry` cited as `ci`.
    fn item(&self, (entry, ci): (&'g Item, &'g CiteItem), narrative: bool) -> CitationItem<'_, Item> {
        let entry = self.entries[self.slot[&addr(entry)]];
        let it = CitationItem::with_locator(entry, locator(&ci.locator));
        if narrative {
            it.kind(CitePurpose::Prose)
        } else if ci.suppress_author {
            it.kind(CitePurpose::Year)
        } else {
            it
        }
    }

    /// Each item of group `g` as (entry slot, form).
    pub(super) fn forms(&self, g: usize) -> impl Iterator<Item = (usize, Form)> + '_ {
        let (items, narrative) = &self.groups[g];
        items.iter().map(move |&(entry, ci)| (self.slot[&addr(entry)], form(*narrative, ci.suppress_author)))
    }

    /// One driver over `groups` (indices, in order): each group's HTML, and
    /// the bibliography if `bibliography`.
    pub(super) fn run(&self, groups: &[usize], bibliography: bool) -> Formatted {
        self.run_cites(groups.iter().map(|&g| (g, &Take::Whole)), bibliography)
    }

    /// [`Drive::run`] over citations that are a whole group or some of its
    /// items, `(g, take)`.
    pub(super) fn run_cites<'t>(
        &self,
        cites: impl Iterator<Item = (usize, &'t Take)>,
        bibliography: bool,
    ) -> Formatted {
        let f = self.formatter;
        let mut driver: BibliographyDriver<'_, Item> = BibliographyDriver::new();
        #[cfg(test)]
        if f.every_walk {
            driver = driver.with_every_walk();
        }
        for (g, take) in cites {
            driver.citation(CitationRequest::from_items(self.items(g, take), &f.style, f.locales));
        }
        let style = if bibliography { &f.style } else { &f.citations_only };
        let rendered = driver.finish(BibliographyRequest::new(style, None, f.locales));
        let citations = rendered.citations.iter().map(|c| children_html(&c.citation)).collect();
        let bibliography = rendered
            .bibliography
            .map(|b| {
                b.items
                    .iter()
                    .map(|i| BibEntry {
                        key: i.key.clone(),
                        html: children_html(&i.content),
                        text: children_text(&i.content),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Formatted { citations, bibliography }
    }

    /// [`Split`] `driven` over `parts` drivers run side by side. `None` if
    /// two drivers formatted the same items of a group differently: the
    /// split's premise failed, and the caller formats with one driver.
    pub(super) fn split(&self, driven: &[usize], parts: usize) -> Option<Formatted> {
        let split = Split::new(self, driven, parts);
        let run = |sel: &[(usize, Take)], bibliography| {
            self.run_cites(sel.iter().map(|(d, take)| (driven[*d], take)), bibliography)
        };
        // Part 0 starts first, on this thread; each other part is a task of
        // its own, for whichever thread is free (this one too, after part 0).
        let (first, rest) = split.parts.split_first().expect("a split has part 0");
        let (first, rest): (Formatted, Vec<Formatted>) =
            rayon::join(|| run(first, true), || rest.par_iter().with_max_len(1).map(|sel| run(sel, false)).collect());
        let outputs: Vec<Formatted> = std::iter::once(first).chain(rest).collect();
        let sizes: Vec<usize> = driven.iter().map(|&g| self.groups[g].0.len()).collect();
        let citations = agree(&split.parts, &outputs, &sizes)?;
        let bibliography = outputs.into_iter().next().map(|o| o.bibliography).unwrap_or_default();
        Some(Formatted { citations, bibliography })
    }

    /// The entries (slots) that may take part in disambiguation: one of
    /// their distinct (entry slot, form)s in `forms` (forms as in [`Plan`]),
    /// formatted alone, reads the same as another entry's.
    pub(super) fn clashing(&self, forms: &[(usize, Form)]) -> HashSet<usize> {
        let f = self.formatter;
        let alone: Vec<String> = forms
            .par_iter()
            .map(|&(slot, form)| {
                // The driver's first formatting, which decides what clashes,
                // gives a year-only citation in full: its form is applied last.
                let mut item = CitationItem::with_locator(self.entries[slot], None);
                if form == Form::Narrative {
                    item = item.kind(CitePurpose::Prose);
                }
                children_text(&hayagriva::standalone_citation(CitationRequest::from_items(
                    vec![item],
                    &f.style,
                    f.locales,
                )))
            })
            .collect();
        let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
        for (n, text) in alone.iter().enumerate() {
            by_text.entry(text.as_str()).or_default().push(n);
        }
        by_text
            .into_values()
            .filter(|ns| ns.iter().any(|&n| forms[n].0 != forms[ns[0]].0))
            .flatten()
            .map(|n| forms[n].0)
            .collect()
    }
}

/// Each driven group's HTML from the parts' `outputs` (`sizes` holding each
/// group's number of items), if the parts agree: the same items of a group
/// read the same in every part that drove them, whole or not. `None` if not.
pub(super) fn agree(parts: &[Vec<(usize, Take)>], outputs: &[Formatted], sizes: &[usize]) -> Option<Vec<String>> {
    let mut whole: Vec<Option<&String>> = vec![None; sizes.len()];
    let mut some: HashMap<(usize, &[usize]), &String> = HashMap::new();
    for (sel, out) in parts.iter().zip(outputs) {
        for ((d, take), html) in sel.iter().zip(&out.citations) {
            match take {
                Take::Whole => whole[*d] = Some(html),
                Take::Items(items) => {
                    if *some.entry((*d, items.as_slice())).or_insert(html) != html {
                        return None;
                    }
                }
            }
        }
    }
    if some.into_iter().any(|((d, items), html)| items.len() == sizes[d] && whole[d] != Some(html)) {
        return None;
    }
    whole.into_iter().map(|c| c.cloned()).collect()
}

/// What a driver drives of a group: all of it, or some of its items (by
/// index, ascending) as a citation of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Take {
    Whole,
    Items(Vec<usize>),
}

/// An entry's identity: the driver sees each distinct `&Item` once.
pub(super) fn addr(entry: &Item) -> usize {
    std::ptr::from_ref(entry).addr()
}

/// How a citation names its entry: the forms [`Plan`] and [`Split`] count apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Form {
    /// `(Author, 2018)`.
    Plain,
    /// `Author (2018)`.
    Narrative,
    /// `(2018)`: the author suppressed.
    YearOnly,
}

pub(super) fn form(narrative: bool, suppress_author: bool) -> Form {
    match (narrative, suppress_author) {
        (true, _) => Form::Narrative,
        (false, true) => Form::YearOnly,
        (false, false) => Form::Plain,
    }
}
