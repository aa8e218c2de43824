//! [`Drive`]: one hayagriva driver over a selection of the site's citation
//! groups, and the (entry, form) identities that [`Plan`] and [`Split`] count.

use super::*;

/// What a bibliography costs its driver (sorting and formatting), per entry,
/// in units of one driven citation group (measured on the 10,000-article
/// benchmark: a driver of 2,380 groups and 2,497 entries took 3.4 s with the
/// bibliography, and 18,883 groups took 7.4 s without).
pub(super) const BIB_COST_PER_ENTRY: f64 = 2.5;

/// The citation groups with the driver's copy of each distinct entry.
pub(super) struct Drive<'f, 'g> {
    pub(super) formatter: &'f Formatter,
    pub(super) groups: &'g [(Vec<(&'g Item, &'g CiteItem)>, bool)],
    /// The driver's copy of each distinct entry (see [`padded`]).
    pub(super) entries: Vec<Item>,
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
        let entries = distinct.iter().enumerate().map(|(i, e)| padded(e, i)).collect();
        Drive { formatter, groups, entries, slot }
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
        let entry = &self.entries[self.slot[&addr(entry)]];
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

    /// [`Split`] `driven` over `parts` drivers run side by side. `None` if two
    /// drivers formatted the same items of a group differently: the split's
    /// premise failed, and the caller formats with one driver.
    pub(super) fn split(&self, driven: &[usize], parts: usize) -> Option<Formatted> {
        let split = Split::new(self, driven, parts);
        let outputs: Vec<Formatted> = split
            .parts
            .par_iter()
            .enumerate()
            .map(|(p, sel)| self.run_cites(sel.iter().map(|(d, take)| (driven[*d], take)), p == 0))
            .collect();
        let mut cites: Vec<Option<&String>> = vec![None; driven.len()];
        let mut partial: HashMap<(usize, &[usize]), &String> = HashMap::new();
        for (sel, out) in split.parts.iter().zip(&outputs) {
            for ((d, take), html) in sel.iter().zip(&out.citations) {
                match take {
                    Take::Whole => cites[*d] = Some(html),
                    Take::Items(items) => {
                        if *partial.entry((*d, items.as_slice())).or_insert(html) != html {
                            return None;
                        }
                    }
                }
            }
        }
        let citations = cites.into_iter().map(|c| c.cloned()).collect::<Option<Vec<String>>>()?;
        let bibliography = outputs.into_iter().next().map(|o| o.bibliography).unwrap_or_default();
        Some(Formatted { citations, bibliography })
    }

    /// Of the distinct (entry slot, form)s `forms` (forms as in [`Plan`]),
    /// those that may take part in disambiguation: formatted alone, they read
    /// the same as another entry's. And those whose formatting shows a date.
    pub(super) fn clashing_and_dated(&self, forms: &[(usize, Form)]) -> (FormSet, FormSet) {
        let f = self.formatter;
        let alone: Vec<(String, bool)> = forms
            .par_iter()
            .map(|&(slot, form)| {
                // The driver's first formatting, which decides what clashes,
                // gives a year-only citation in full: its form is applied last.
                let mut item = CitationItem::with_locator(&self.entries[slot], None);
                if form == Form::Narrative {
                    item = item.kind(CitePurpose::Prose);
                }
                let alone =
                    hayagriva::standalone_citation(CitationRequest::from_items(vec![item], &f.style, f.locales));
                let dated = alone.find_elem_by(&|e| e.meta == Some(hayagriva::ElemMeta::Date)).is_some();
                (children_text(&alone), dated)
            })
            .collect();
        let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
        for (n, (text, _)) in alone.iter().enumerate() {
            by_text.entry(text.as_str()).or_default().push(n);
        }
        let clashing = by_text
            .into_values()
            .filter(|ns| ns.iter().any(|&n| forms[n].0 != forms[ns[0]].0))
            .flatten()
            .map(|n| forms[n])
            .collect();
        let dated = forms.iter().zip(&alone).filter(|(_, (_, dated))| *dated).map(|(&f, _)| f).collect();
        (clashing, dated)
    }
}

/// What a driver drives of a group: all of it, or some of its items (by
/// index, ascending) as a citation of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Take {
    Whole,
    Items(Vec<usize>),
}

/// A set of (entry slot, form).
pub(super) type FormSet = HashSet<(usize, Form)>;

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
