use std::cell::OnceCell;
use std::cmp::Ordering;

use citationberg::taxonomy::Variable;
use citationberg::{
    DemoteNonDroppingParticle, InheritableNameOptions, LocaleCode, LongShortForm, Sort,
    SortDirection, SortKey,
};
use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use icu_locale::Locale as IcuLocale;

use crate::csl::BufWriteFormat;
use crate::csl::rendering::RenderCsl;

use super::taxonomy::EntryLike;
use super::{CitationItem, InstanceContext, StyleContext};

/// The collator of a sort: built once per [`StyleContext::sort`] call, on
/// first use, for the style's locale (`None`: the locale does not parse, so
/// strings compare by code point). Haven patch: upstream built a collator
/// for every comparison of two strings.
type SortCollator = OnceCell<Option<CollatorBorrowed<'static>>>;

fn collator<'c>(
    cell: &'c SortCollator,
    style: &StyleContext<'_>,
) -> Option<&'c CollatorBorrowed<'static>> {
    cell.get_or_init(|| {
        style.locale().0.parse::<IcuLocale>().ok().map(|locale| {
            let options = CollatorOptions::default();
            Collator::try_new(locale.into(), options).unwrap()
        })
    })
    .as_ref()
}

trait CollationOrd: Ord {
    fn collation_cmp(
        &self,
        other: &Self,
        collator: Option<&CollatorBorrowed<'static>>,
    ) -> Ordering;
}

impl CollationOrd for str {
    fn collation_cmp(
        &self,
        other: &Self,
        collator: Option<&CollatorBorrowed<'static>>,
    ) -> Ordering {
        if let Some(collator) = collator {
            collator.compare(self, other)
        } else {
            self.cmp(other)
        }
    }
}

impl<T: CollationOrd> CollationOrd for Option<T> {
    fn collation_cmp(
        &self,
        other: &Self,
        collator: Option<&CollatorBorrowed<'static>>,
    ) -> Ordering {
        match (self, other) {
            (Some(a), Some(b)) => a.collation_cmp(b, collator),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        }
    }
}

impl CollationOrd for String {
    fn collation_cmp(
        &self,
        other: &Self,
        collator: Option<&CollatorBorrowed<'static>>,
    ) -> Ordering {
        CollationOrd::collation_cmp(self as &str, other, collator)
    }
}

impl StyleContext<'_> {
    /// Retrieve the ordering of two entries according to the given sort key.
    ///
    /// Haven patch: `a_macro` and `b_macro` cache each item's rendering of
    /// a macro key, and `collator` the sort's collator, for the whole sort.
    #[allow(clippy::too_many_arguments)]
    fn cmp_entries<T: EntryLike>(
        &self,
        a: &CitationItem<T>,
        a_idx: usize,
        a_macro: &OnceCell<Option<String>>,
        b: &CitationItem<T>,
        b_idx: usize,
        b_macro: &OnceCell<Option<String>>,
        key: &SortKey,
        term_locale: Option<&LocaleCode>,
        collator: &SortCollator,
    ) -> Ordering {
        let (ordering, empty_value) = match key {
            SortKey::Variable { variable: Variable::Standard(s), .. } => {
                let a = InstanceContext::variable_sort_instance(a, a_idx)
                    .resolve_standard_variable(LongShortForm::default(), *s)
                    .map(|s| s.to_string().to_lowercase());
                let b = InstanceContext::variable_sort_instance(b, b_idx)
                    .resolve_standard_variable(LongShortForm::default(), *s)
                    .map(|s| s.to_string().to_lowercase());

                (
                    a.collation_cmp(&b, self::collator(collator, self)),
                    a.is_none() || b.is_none(),
                )
            }
            SortKey::Variable { variable: Variable::Date(d), .. } => {
                let a = a.entry.resolve_date_variable(*d);
                let b = b.entry.resolve_date_variable(*d);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::Variable { variable: Variable::Name(n), .. } => {
                let a = a.entry.resolve_name_variable(*n);
                let b = b.entry.resolve_name_variable(*n);

                for (a_pers, b_pers) in a.iter().zip(b.iter()) {
                    let ord = a_pers.csl_cmp(
                        b_pers,
                        LongShortForm::Long,
                        self.csl.settings.demote_non_dropping_particle
                            != DemoteNonDroppingParticle::Never,
                    );
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }

                (
                    if a.len() < b.len() {
                        Ordering::Less
                    } else if a.len() > b.len() {
                        Ordering::Greater
                    } else {
                        Ordering::Equal
                    },
                    false,
                )
            }
            SortKey::Variable { variable: Variable::Number(n), .. } => {
                let a = InstanceContext::variable_sort_instance(a, a_idx)
                    .resolve_number_variable(*n);
                let b = InstanceContext::variable_sort_instance(b, b_idx)
                    .resolve_number_variable(*n);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::Variable { variable: Variable::Page(pv), .. } => {
                let a = InstanceContext::variable_sort_instance(a, a_idx)
                    .resolve_page_variable(*pv);
                let b = InstanceContext::variable_sort_instance(b, b_idx)
                    .resolve_page_variable(*pv);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::MacroName {
                name,
                names_min,
                names_use_first,
                names_use_last,
                ..
            } => {
                let render = |entry: &CitationItem<T>, idx: usize| {
                    let mut ctx = self.macro_sorting_ctx(
                        entry,
                        idx,
                        entry.locale.as_ref(),
                        term_locale,
                        false,
                    );
                    ctx.writing.name_options.push(InheritableNameOptions {
                        et_al_min: *names_min,
                        et_al_subsequent_min: *names_min,
                        et_al_use_first: *names_use_first,
                        et_al_subsequent_use_first: *names_use_first,
                        et_al_use_last: *names_use_last,
                        ..Default::default()
                    });

                    self.get_macro(name).map(|m| {
                        for child in &m.children {
                            child.render(&mut ctx)
                        }
                        ctx.flush().0.into_iter().fold(String::new(), |mut s, f| {
                            f.write_buf(&mut s, BufWriteFormat::Plain).unwrap();
                            s.to_lowercase()
                        })
                    })
                };

                let a_rendered = a_macro.get_or_init(|| render(a, a_idx));
                let b_rendered = b_macro.get_or_init(|| render(b, b_idx));

                (
                    a_rendered.collation_cmp(b_rendered, self::collator(collator, self)),
                    false,
                )
            }
        };

        // Per CSL 1.0.2 spec (https://docs.citationstyles.org/en/v1.0.2/specification.html):
        // Entries with empty values are always displayed at the end, even with reversed order.
        // So we always reverse the order if either entry is empty.
        if empty_value || key.sort_direction() == SortDirection::Descending {
            ordering.reverse()
        } else {
            ordering
        }
    }

    /// Sorts the given citation items by the style's sort keys.
    pub fn sort<T: EntryLike>(
        &self,
        cites: &mut [CitationItem<T>],
        sort: Option<&Sort>,
        term_locale: Option<&LocaleCode>,
        citation_number: impl Fn(&T) -> usize,
    ) {
        let Some(sort) = sort else { return };
        if cites.len() < 2 {
            return;
        }
        // Haven patch: each item's citation number and macro keys are
        // computed once per sort (a key only when a comparison first needs
        // it), not again in every comparison, and one collator serves the
        // whole sort. Upstream rendered both items' macros and built a
        // collator in every comparison, and looked the citation numbers up
        // for every key of it. The comparisons and their order are
        // unchanged: a stable sort of the item indices by the same
        // comparison, then the items put in that order.
        let numbers: Vec<usize> =
            cites.iter().map(|c| citation_number(c.entry)).collect();
        let macros: Vec<Vec<OnceCell<Option<String>>>> = cites
            .iter()
            .map(|_| sort.keys.iter().map(|_| OnceCell::new()).collect())
            .collect();
        let collator = SortCollator::new();
        let mut order: Vec<usize> = (0..cites.len()).collect();
        order.sort_by(|&a, &b| {
            let mut ordering = Ordering::Equal;
            for (k, key) in sort.keys.iter().enumerate() {
                ordering = self.cmp_entries(
                    &cites[a],
                    numbers[a],
                    &macros[a][k],
                    &cites[b],
                    numbers[b],
                    &macros[b][k],
                    key,
                    term_locale,
                    &collator,
                );
                if ordering != Ordering::Equal {
                    break;
                }
            }
            ordering
        });
        permute(cites, &order);
    }
}

/// Put `items` in `order`: the item at `order[p]` moves to `p`.
fn permute<I>(items: &mut [I], order: &[usize]) {
    for p in 0..order.len() {
        // Where the item that belongs at `p` is now: follow the moves of
        // the positions before `p`, each of which swapped its item away.
        let mut q = order[p];
        while q < p {
            q = order[q];
        }
        items.swap(p, q);
    }
}
