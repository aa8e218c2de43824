//! [`Split`]: the driver's work cut into parts run side by side, each
//! formatting its groups as one driver would.

use super::*;

/// The driver of a large site, split to run side by side.
///
/// With a position-free style (see [`Plan`]) a group's formatted text
/// depends on its own items and on how disambiguation settles their
/// entries, nothing else. Disambiguation (hayagriva's
/// `find_ambiguous_sets`) only ever involves items that read the same as an
/// item of another entry: those of a *clashing* (entry, form), found by
/// formatting each (entry, form) alone first. Its outcome for one entry
/// hangs on all of them (hayagriva settles the ambiguous sets in turn, and
/// what it tries on one depends on what it did to those before).
///
/// So part 0 drives, in order, every group that cites an entry with a
/// clashing form (whole: it sees all of disambiguation's input, as the
/// whole driver does), and of every other group the items that bring an
/// (entry, form) for the first time, as a citation of their own in the
/// group's place: it sees every cited entry first where the whole driver
/// would, and formats the bibliography (an entry there carries the state of
/// its first citation). The other parts each drive a run of the remaining,
/// *pure* groups, which nothing disambiguates, and format no bibliography.
///
/// The premise fails if an entry whose forms clash with nothing reads, once
/// another entry is disambiguated, the same as that entry (a style whose
/// disambiguation adds text that some other entry shows anyway; none
/// found with the bundled styles tried). Part 0 would then disambiguate
/// the entry's first items where its own part does not: so each part that
/// owns a pure group also drives its first items alone, the two must read
/// the same ([`agree`]), or the caller formats with one driver. The proptest
/// in this module checks the split against one driver of every group.
///
/// Two ways of running several drivers were tried and dropped before
/// this one: splitting by connected entries (co-cited groups join nearly all
/// entries into one component), and drivers that each replay every group
/// bringing an (entry, form, locator) driven fewer than twice (at 10,000
/// articles 14,077 of the 18,883 driven groups are such groups, so each driver
/// still formatted 87% of them: link stage unchanged, +45 MiB peak). This one
/// gives every group that cites a clashing entry to one part.
pub(super) struct Split {
    /// Per part, in order: (index into the driven groups, what of it).
    pub(super) parts: Vec<Vec<(usize, Take)>>,
}

impl Split {
    /// Part 0, and `parts - 1` parts that share the pure groups in runs of
    /// about the same number of groups. Part 0's work (the touched groups,
    /// the pure groups' first items and the bibliography) is not estimated:
    /// [`Drive::split`] starts it first and gives every other part to
    /// whichever thread is free, part 0's thread too once it is done, so
    /// more parts balance better and each costs only a driver's set-up.
    pub(super) fn new(drive: &Drive<'_, '_>, driven: &[usize], parts: usize) -> Split {
        // Per driven group, its items that bring an (entry, form) first.
        let mut seen = HashSet::new();
        let firsts: Vec<Vec<(usize, (usize, Form))>> =
            driven.iter().map(|&g| drive.forms(g).enumerate().filter(|&(_, p)| seen.insert(p)).collect()).collect();
        let forms: Vec<(usize, Form)> = firsts.iter().flatten().map(|&(_, p)| p).collect();
        let clashing = drive.clashing(&forms);
        let touched: Vec<bool> =
            driven.iter().map(|&g| drive.forms(g).any(|(entry, _)| clashing.contains(&entry))).collect();
        let pure = touched.iter().filter(|&&t| !t).count();
        let per_part = pure.div_ceil(parts - 1).max(1);
        let mut out: Vec<Vec<(usize, Take)>> = vec![Vec::new(); parts];
        let mut counted = 0;
        for d in 0..driven.len() {
            if touched[d] {
                out[0].push((d, Take::Whole));
                continue;
            }
            let owner = 1 + counted / per_part;
            counted += 1;
            out[owner].push((d, Take::Whole));
            if !firsts[d].is_empty() {
                let items: Vec<usize> = firsts[d].iter().map(|&(i, _)| i).collect();
                if items.len() < drive.groups[driven[d]].0.len() {
                    out[owner].push((d, Take::Items(items.clone())));
                }
                out[0].push((d, Take::Items(items)));
            }
        }
        Split { parts: out }
    }
}
