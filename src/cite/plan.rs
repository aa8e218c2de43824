//! [`Plan`]: which citation groups must be driven (a repeat is formatted
//! once where the style cannot tell repeats apart), and [`padded`] entries.

use super::*;

/// Which citation groups the driver formats, and where each group's output
/// comes from.
///
/// With a position-free style a group repeated word for word (same entries,
/// locators, forms, in order) formats the same every time, except through
/// disambiguation, which is global. hayagriva decides it from every cited
/// occurrence of every entry in a given form (`find_ambiguous_sets`), and
/// what it decides depends on the order in which those occurrences first
/// appear and on whether an entry occurs once or more than once: an entry
/// that occurs twice is never told apart from its own repeat by adding names
/// (`is_disambiguated`). Counts beyond two change nothing. So a repeated
/// group is left out only once every (entry, form) in it has been driven
/// twice; the driver then sees the first two occurrences of everything, in
/// the original order, and decides the same. The proptest in this module
/// checks that the output equals driving every group, for several styles.
/// On the 10,000-article benchmark this drives about half of the groups.
pub(super) struct Plan {
    /// Indices into the groups, in order, that the driver formats.
    pub(super) driven: Vec<usize>,
    /// For every group, the index into `driven` of its output.
    pub(super) output_of: Vec<usize>,
}

impl Plan {
    pub(super) fn every_group(n: usize) -> Plan {
        Plan { driven: (0..n).collect(), output_of: (0..n).collect() }
    }

    /// Drive each repeated group until all of its (entry, form) pairs were
    /// driven twice; `slot` numbers the distinct entries.
    pub(super) fn repeats_once<'a>(
        groups: &[(Vec<(&'a Item, &'a CiteItem)>, bool)],
        slot: impl Fn(&'a Item) -> usize,
    ) -> Plan {
        // A group as the driver sees it: narrative, then (entry, locator, author suppressed).
        type Key<'k> = (bool, Vec<(usize, &'k str, bool)>);
        let mut first: HashMap<Key<'a>, usize> = HashMap::new();
        // Times an (entry, form) was driven, up to 2.
        let mut driven_times: HashMap<(usize, Form), u8> = HashMap::new();
        let mut plan = Plan { driven: Vec::new(), output_of: Vec::with_capacity(groups.len()) };
        for (g, (items, narrative)) in groups.iter().enumerate() {
            let key: Key<'a> =
                (*narrative, items.iter().map(|&(e, ci)| (slot(e), ci.locator.as_str(), ci.suppress_author)).collect());
            let pairs: Vec<(usize, Form)> =
                key.1.iter().map(|&(e, _, suppress)| (e, form(*narrative, suppress))).collect();
            let seen_twice = pairs.iter().all(|p| driven_times.get(p).is_some_and(|&n| n >= 2));
            if let Some(&d) = first.get(&key).filter(|_| seen_twice) {
                plan.output_of.push(d);
                continue;
            }
            for p in pairs {
                let n = driven_times.entry(p).or_insert(0);
                *n = (*n + 1).min(2);
            }
            plan.driven.push(g);
            plan.output_of.push(plan.driven.len() - 1);
            first.entry(key).or_insert(plan.driven.len() - 1);
        }
        plan
    }
}

/// How many different field counts [`padded`] spreads the entries over.
pub(super) const PAD_BUCKETS: usize = 64;

/// A copy of `entry` for the citation driver with `index % PAD_BUCKETS` inert
/// extra fields.
///
/// hayagriva's `BibliographyDriver::finish` finds each cited item's citation
/// number with a linear scan that compares whole entries (`Item == Item`, a
/// `BTreeMap` comparison), once per cited item and again while sorting: that
/// is O(citations × sources) entry comparisons, most of the driver's time on
/// large sites. A `BTreeMap` comparison checks the lengths first, so giving
/// entries different field counts makes 63 of 64 of those comparisons a single
/// integer test (64 buckets: link stage 27 s → 21 s at 10,000 articles and
/// 2,497 sources, against 16 buckets in the same run). Distinct entries stay
/// distinct (each has its own `id`), and the padding keys are no CSL
/// variable, so nothing reads them and the formatted output is unchanged.
///
/// Two ways of running several drivers were tried and dropped before
/// [`Split`]: splitting by connected entries (co-cited groups join nearly all
/// entries into one component), and drivers that each replay every group
/// bringing an (entry, form, locator) driven fewer than twice (at 10,000
/// articles 14,077 of the 18,883 driven groups are such groups, so each driver
/// still formatted 87% of them: link stage unchanged, +45 MiB peak). [`Split`]
/// gives every group that cites a clashing entry to one part.
pub(super) fn padded(entry: &Item, index: usize) -> Item {
    let mut item = entry.clone();
    for k in 0..index % PAD_BUCKETS {
        item.0.insert(format!("~haven-pad-{k}"), hayagriva::citationberg::json::Value::Number(0));
    }
    item
}
