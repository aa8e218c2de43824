//! [`Plan`]: which citation groups must be driven (a repeat is formatted
//! once where the style cannot tell repeats apart).

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
