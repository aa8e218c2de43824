//! [`Split`]: the driver's work cut into parts run side by side, each
//! settling disambiguation as one driver would.

use super::*;

/// The driver of a large site, split to run side by side.
///
/// With a position-free style (see [`Plan`]) a group's formatted text
/// depends on its own items and on how disambiguation settles their
/// entries, nothing else. Disambiguation (hayagriva's
/// `find_ambiguous_sets`) only ever involves items that read the same as an
/// item of another entry, plus one global fact: whether any citation shows a
/// date (year suffixes are only added then). So each part drives its own run
/// of consecutive groups whole, and of every other group the items whose
/// (entry, form) *clashes* (found by formatting each (entry, form) alone
/// first), as a citation of their own in the group's place; and one item
/// that shows a date and clashes with nothing: every part sees all of
/// disambiguation's input, in the original order (hayagriva sorts a
/// citation's items stably, so some of a group's items keep the order they
/// have among all of them), and settles it the same. Part 0 also drives,
/// with those, each item that brings an (entry, form) for the first time,
/// so that it sees every cited entry first where the whole driver would,
/// and formats the bibliography (an entry there carries the state of its
/// first citation: its disambiguation, which every part settles alike, and
/// what formatting that item alone decides). The other parts format no
/// bibliography. Items that several parts drive alike must come out the
/// same, or the caller falls back to one driver; the proptest in this
/// module checks the split against one driver of every group.
pub(super) struct Split {
    /// Per part, in order: (index into the driven groups, what of it).
    pub(super) parts: Vec<Vec<(usize, Take)>>,
}

impl Split {
    pub(super) fn new(drive: &Drive<'_, '_>, driven: &[usize], parts: usize) -> Split {
        // Per driven group, its items that bring an (entry, form) first, as
        // (item, (entry slot, form)).
        let mut seen = HashSet::new();
        let firsts: Vec<Vec<(usize, (usize, Form))>> =
            driven.iter().map(|&g| drive.forms(g).enumerate().filter(|&(_, p)| seen.insert(p)).collect()).collect();
        let forms: Vec<(usize, Form)> = firsts.iter().flatten().map(|&(_, p)| p).collect();
        let (clashing, dated) = drive.clashing_and_dated(&forms);
        // Per driven group, its items that every part drives.
        let clash: Vec<Vec<usize>> = driven
            .iter()
            .map(|&g| drive.forms(g).enumerate().filter(|(_, p)| clashing.contains(p)).map(|(i, _)| i).collect())
            .collect();
        // Balance the parts, in units of one group: every part drives the
        // clashing items, part 0 the first items (about half a group each)
        // and the bibliography.
        let extra0 =
            0.5 * firsts.iter().map(Vec::len).sum::<usize>() as f64 + BIB_COST_PER_ENTRY * drive.entries.len() as f64;
        let own = driven.len();
        let own0 = ((own as f64 + extra0) / parts as f64 - extra0).max(0.0) as usize;
        let per_rest = own.saturating_sub(own0).div_ceil(parts - 1).max(1);
        // hayagriva adds year suffixes only if some citation shows a date
        // (`disambiguate_year_suffix`), so every part needs one: the first
        // item that shows a date and clashes with nothing (its repeats
        // change nothing else).
        let witness = (0..driven.len()).find_map(|d| {
            firsts[d].iter().find(|(_, p)| dated.contains(p) && !clashing.contains(p)).map(|&(i, _)| (d, i))
        });
        let mut out: Vec<Vec<(usize, Take)>> = vec![Vec::new(); parts];
        for d in 0..driven.len() {
            let owner = if d < own0 { 0 } else { (1 + (d - own0) / per_rest).min(parts - 1) };
            for (k, part) in out.iter_mut().enumerate() {
                if k == owner {
                    part.push((d, Take::Whole));
                    continue;
                }
                let mut items = clash[d].clone();
                if k == 0 {
                    items.extend(firsts[d].iter().map(|&(i, _)| i));
                } else if let Some((_, i)) = witness.filter(|&(w, _)| w == d) {
                    // Part 0 has it among the first items.
                    items.push(i);
                }
                items.sort_unstable();
                items.dedup();
                if !items.is_empty() {
                    part.push((d, Take::Items(items)));
                }
            }
        }
        Split { parts: out }
    }
}
