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
/// of consecutive groups, every group holding such a *clashing* (entry,
/// form), found by formatting each (entry, form) alone first, and one item
/// that shows a date and clashes with nothing: every part sees all of
/// disambiguation's input, in the original order, and settles it the same.
/// Part 0 also drives, as a citation of its own, each item that brings an
/// (entry, form) for the first time, so that it sees every cited entry first
/// where the whole driver would, and formats the bibliography (an entry
/// there carries the state of its first citation: its disambiguation, which
/// every part settles alike, and what formatting that item alone decides).
/// The other parts format no bibliography. Groups driven by more than one
/// part must come out the same, or the caller falls back to one driver; the
/// proptest in this module checks the split against one driver of every
/// group.
pub(super) struct Split {
    /// Per part, in order: (index into the driven groups, `None` for the
    /// whole group or `Some` of one item driven alone).
    pub(super) parts: Vec<Vec<(usize, Option<usize>)>>,
}

impl Split {
    pub(super) fn new(drive: &Drive<'_, '_>, driven: &[usize], parts: usize) -> Split {
        // Per driven group, its items that bring an (entry, form) first, as
        // (item, (entry slot, form)).
        let mut seen = HashSet::new();
        let mut firsts: Vec<Vec<(usize, (usize, Form))>> =
            driven.iter().map(|&g| drive.forms(g).enumerate().filter(|&(_, p)| seen.insert(p)).collect()).collect();
        let forms: Vec<(usize, Form)> = firsts.iter().flatten().map(|&(_, p)| p).collect();
        let (clashing, dated) = drive.clashing_and_dated(&forms);
        let shared: Vec<bool> = driven.iter().map(|&g| drive.forms(g).any(|p| clashing.contains(&p))).collect();
        // Every part drives a shared group whole.
        for (firsts, _) in firsts.iter_mut().zip(&shared).filter(|(_, &s)| s) {
            firsts.clear();
        }
        // Balance the parts, in units of one group: every part drives the
        // shared groups, part 0 the first items (about half a group each)
        // and the bibliography.
        let n_shared = shared.iter().filter(|&&s| s).count();
        let extra0 =
            0.5 * firsts.iter().map(Vec::len).sum::<usize>() as f64 + BIB_COST_PER_ENTRY * drive.entries.len() as f64;
        let own = driven.len() - n_shared;
        let own0 = ((own as f64 + extra0) / parts as f64 - extra0).max(0.0) as usize;
        let per_rest = own.saturating_sub(own0).div_ceil(parts - 1).max(1);
        // hayagriva adds year suffixes only if some citation shows a date
        // (`disambiguate_year_suffix`), so every part needs one: the first
        // item that shows a date and clashes with nothing (its repeats
        // change nothing else), driven alone.
        let witness =
            (0..driven.len()).find_map(|d| firsts[d].iter().find(|(_, p)| dated.contains(p)).map(|&(i, _)| (d, i)));
        let mut out: Vec<Vec<(usize, Option<usize>)>> = vec![Vec::new(); parts];
        let mut counted = 0;
        for d in 0..driven.len() {
            if shared[d] {
                for part in &mut out {
                    part.push((d, None));
                }
                continue;
            }
            let owner = if counted < own0 { 0 } else { (1 + (counted - own0) / per_rest).min(parts - 1) };
            counted += 1;
            out[owner].push((d, None));
            if owner != 0 {
                out[0].extend(firsts[d].iter().map(|&(i, _)| (d, Some(i))));
            }
            // Part 0 has every first item already.
            if let Some((_, i)) = witness.filter(|&(w, _)| w == d) {
                for (_, part) in out.iter_mut().enumerate().skip(1).filter(|&(k, _)| k != owner) {
                    part.push((d, Some(i)));
                }
            }
        }
        Split { parts: out }
    }
}
