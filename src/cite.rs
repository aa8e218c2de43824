//! Citation formatting (the bibliography files are read by [`crate::bib`]).
//!
//! 1. [`Formatter`] formats every citation group of the site and the
//!    bibliography entries once, with hayagriva's CSL engine (APA by default).
//! 2. [`elem_html`] turns hayagriva's element tree into HTML ourselves,
//!    escaping every string and using classes, never inline styles.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use hayagriva::citationberg::json::Item;
use hayagriva::citationberg::{taxonomy::Locator, IndependentStyle, Locale, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, ElemChild, ElemChildren,
    LocatorPayload, SpecificLocator,
};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::site::CiteItem;

/// A CSL style resolved from `haven.toml`, with its locales.
pub struct Formatter {
    style: IndependentStyle,
    locales: Vec<Locale>,
    /// The style formats a citation the same wherever it stands (see
    /// [`position_free`]), so a repeated citation is formatted once.
    position_free: bool,
    /// The style without its bibliography, for the drivers of a [`Split`]
    /// that format citations only.
    citations_only: IndependentStyle,
    /// The style allows splitting the driver (see [`Split`]).
    splittable: bool,
}

impl Formatter {
    /// `apa` (default) or another bundled style name, or a path to a `.csl` file.
    pub fn new(config: &Config) -> Result<Formatter, Diagnostic> {
        let name = &config.site.citations.style;
        let (style, xml) = if name.ends_with(".csl") {
            let path = config.root.join(name);
            let xml = crate::fsx::read(&path)
                .map_err(|e| Diagnostic::error(e.to_string()).in_file(crate::config::CONFIG_FILE))?;
            let xml = String::from_utf8_lossy(&xml).into_owned();
            match IndependentStyle::from_xml(&xml) {
                Ok(s) => (s, xml),
                Err(e) => {
                    return Err(Diagnostic::error(format!("cannot read CSL style {name}: {e}"))
                        .in_file(crate::config::CONFIG_FILE))
                }
            }
        } else {
            let archived = hayagriva::archive::ArchivedStyle::by_name(name).ok_or_else(|| {
                let names: Vec<&str> =
                    hayagriva::archive::ArchivedStyle::all().iter().flat_map(|s| s.names().iter().copied()).collect();
                Diagnostic::error(format!("unknown citation style `{name}`"))
                    .in_file(crate::config::CONFIG_FILE)
                    .help_opt(
                        crate::diag::did_you_mean(name, names.iter().copied()).map(|n| format!("did you mean `{n}`?")),
                    )
            })?;
            let style = archived.get();
            // An unprintable style only loses the repeated-citation shortcut.
            let xml = style.to_xml().unwrap_or_else(|_| "position=".into());
            match style {
                Style::Independent(s) => (s, xml),
                Style::Dependent(_) => {
                    return Err(Diagnostic::error(format!("citation style `{name}` is a dependent style"))
                        .in_file(crate::config::CONFIG_FILE))
                }
            }
        };
        Ok(Formatter::with_style(style, &xml))
    }

    /// A formatter for `style`, whose CSL source is `xml`.
    fn with_style(style: IndependentStyle, xml: &str) -> Formatter {
        let position_free = position_free(&style, xml);
        // A citation number is the cited entry's place in the whole sorted
        // bibliography, which a split driver does not see.
        let splittable = position_free && !xml.contains("citation-number");
        let citations_only = IndependentStyle { bibliography: None, ..style.clone() };
        Formatter { style, locales: hayagriva::archive::locales(), position_free, citations_only, splittable }
    }

    /// Format every citation group (in order) and the bibliography of the cited
    /// entries.
    pub fn format(&self, groups: &[(Vec<(&Item, &CiteItem)>, bool)]) -> Formatted {
        let drive = Drive::new(self, groups);
        let plan = if self.position_free {
            Plan::repeats_once(groups, |e| drive.slot[&addr(e)])
        } else {
            Plan::every_group(groups.len())
        };
        let threads = rayon::current_num_threads();
        let Formatted { citations: driven, bibliography } =
            (self.splittable && plan.driven.len() >= SPLIT_FROM && threads > 1)
                .then(|| drive.split(&plan.driven, 2 * threads))
                .flatten()
                .unwrap_or_else(|| drive.run(&plan.driven, true));
        let cites = plan
            .output_of
            .iter()
            .zip(groups)
            .map(|(&d, (items, narrative))| {
                let mut html = driven[d].clone();
                let suppress = !narrative && items.iter().all(|(_, ci)| ci.suppress_author);
                if suppress && !html.starts_with('(') {
                    html = format!("({html})");
                }
                let prefix = items.first().map(|(_, ci)| ci.prefix.as_str()).unwrap_or("");
                if !prefix.is_empty() && !narrative {
                    let p = escape(prefix);
                    html = match html.strip_prefix('(') {
                        Some(rest) => format!("({p} {rest}"),
                        None => format!("{p} {html}"),
                    };
                }
                html
            })
            .collect();
        Formatted { citations: cites, bibliography }
    }
}

/// Formatted citations: the HTML of each group, and the bibliography in the
/// style's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Formatted {
    /// The in-text citation of each group, as escaped HTML, in order.
    pub citations: Vec<String>,
    /// The cited entries, formatted, in the style's order.
    pub bibliography: Vec<BibEntry>,
}

/// One formatted bibliography entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibEntry {
    pub key: String,
    /// Escaped HTML with classes ([`elem_html`]).
    pub html: String,
    /// The same as plain text.
    pub text: String,
}

/// Driven groups at which [`Formatter::format`] splits the driver (on more
/// than one thread, for a style that allows it): below this, one driver is
/// quick and the split's extra work does not pay (measured in
/// `benches/results/`). `split_drivers_format_as_one_driver` proves the
/// output equal.
const SPLIT_FROM: usize = 500;

/// What a bibliography costs its driver (sorting and formatting), per entry,
/// in units of one driven citation group (measured on the 10,000-article
/// benchmark: a driver of 2,380 groups and 2,497 entries took 3.4 s with the
/// bibliography, and 18,883 groups took 7.4 s without).
const BIB_COST_PER_ENTRY: f64 = 2.5;

/// The citation groups with the driver's copy of each distinct entry.
struct Drive<'f, 'g> {
    formatter: &'f Formatter,
    groups: &'g [(Vec<(&'g Item, &'g CiteItem)>, bool)],
    /// The driver's copy of each distinct entry (see [`padded`]).
    entries: Vec<Item>,
    /// Each distinct entry's index in `entries`.
    slot: HashMap<usize, usize>,
}

impl<'f, 'g> Drive<'f, 'g> {
    fn new(formatter: &'f Formatter, groups: &'g [(Vec<(&'g Item, &'g CiteItem)>, bool)]) -> Self {
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

    /// The driver's citation items of group `g`, or only its item `only`.
    fn items(&self, g: usize, only: Option<usize>) -> Vec<CitationItem<'_, Item>> {
        let (items, narrative) = &self.groups[g];
        let items = match only {
            Some(i) => &items[i..=i],
            None => &items[..],
        };
        items
            .iter()
            .map(|&(entry, ci)| {
                let entry = &self.entries[self.slot[&addr(entry)]];
                let mut it = CitationItem::with_locator(entry, locator(&ci.locator));
                if *narrative {
                    it = it.kind(CitePurpose::Prose);
                } else if ci.suppress_author {
                    it = it.kind(CitePurpose::Year);
                }
                it
            })
            .collect()
    }

    /// Each item of group `g` as (entry slot, form).
    fn forms(&self, g: usize) -> impl Iterator<Item = (usize, Form)> + '_ {
        let (items, narrative) = &self.groups[g];
        items.iter().map(move |&(entry, ci)| (self.slot[&addr(entry)], form(*narrative, ci.suppress_author)))
    }

    /// One driver over `groups` (indices, in order): each group's HTML, and
    /// the bibliography if `bibliography`.
    fn run(&self, groups: &[usize], bibliography: bool) -> Formatted {
        self.run_cites(groups.iter().map(|&g| (g, None)), bibliography)
    }

    /// [`Drive::run`] over citations that are a whole group, `(g, None)`, or
    /// one item of it, `(g, Some(item))`.
    fn run_cites(&self, cites: impl Iterator<Item = (usize, Option<usize>)>, bibliography: bool) -> Formatted {
        let f = self.formatter;
        let mut driver: BibliographyDriver<'_, Item> = BibliographyDriver::new();
        for (g, only) in cites {
            driver.citation(CitationRequest::from_items(self.items(g, only), &f.style, &f.locales));
        }
        let style = if bibliography { &f.style } else { &f.citations_only };
        let rendered = driver.finish(BibliographyRequest::new(style, None, &f.locales));
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
    /// drivers formatted a group they share differently: the split's premise
    /// failed, and the caller formats with one driver.
    fn split(&self, driven: &[usize], parts: usize) -> Option<Formatted> {
        let split = Split::new(self, driven, parts);
        let outputs: Vec<Formatted> = split
            .parts
            .par_iter()
            .enumerate()
            .map(|(p, sel)| self.run_cites(sel.iter().map(|&(d, only)| (driven[d], only)), p == 0))
            .collect();
        let mut cites: Vec<Option<&String>> = vec![None; driven.len()];
        for (sel, out) in split.parts.iter().zip(&outputs) {
            for (&(d, only), html) in sel.iter().zip(&out.citations) {
                if only.is_some() {
                    continue;
                }
                match cites[d] {
                    Some(other) if other != html => return None,
                    _ => cites[d] = Some(html),
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
    fn clashing_and_dated(&self, forms: &[(usize, Form)]) -> (FormSet, FormSet) {
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
                    hayagriva::standalone_citation(CitationRequest::from_items(vec![item], &f.style, &f.locales));
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
struct Split {
    /// Per part, in order: (index into the driven groups, `None` for the
    /// whole group or `Some` of one item driven alone).
    parts: Vec<Vec<(usize, Option<usize>)>>,
}

impl Split {
    fn new(drive: &Drive<'_, '_>, driven: &[usize], parts: usize) -> Split {
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

/// A set of (entry slot, form).
type FormSet = HashSet<(usize, Form)>;

/// An entry's identity: the driver sees each distinct `&Item` once.
fn addr(entry: &Item) -> usize {
    std::ptr::from_ref(entry).addr()
}

/// How a citation names its entry: the forms [`Plan`] and [`Split`] count apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Form {
    /// `(Author, 2018)`.
    Plain,
    /// `Author (2018)`.
    Narrative,
    /// `(2018)`: the author suppressed.
    YearOnly,
}

fn form(narrative: bool, suppress_author: bool) -> Form {
    match (narrative, suppress_author) {
        (true, _) => Form::Narrative,
        (false, true) => Form::YearOnly,
        (false, false) => Form::Plain,
    }
}

/// Whether `style` formats a citation the same wherever it stands: an
/// in-text style with no `position` test (first, subsequent, ibid, near-note)
/// and no `et-al-subsequent-*` name option. Those are hayagriva's only uses
/// of a citation's place among the others (`is_first`, the ibid state, note
/// numbers). `xml` is checked as text: a false alarm only costs speed.
fn position_free(style: &IndependentStyle, xml: &str) -> bool {
    style.settings.class == hayagriva::citationberg::StyleClass::InText
        && !xml.contains("position=")
        && !xml.contains("et-al-subsequent")
}

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
struct Plan {
    /// Indices into the groups, in order, that the driver formats.
    driven: Vec<usize>,
    /// For every group, the index into `driven` of its output.
    output_of: Vec<usize>,
}

impl Plan {
    fn every_group(n: usize) -> Plan {
        Plan { driven: (0..n).collect(), output_of: (0..n).collect() }
    }

    /// Drive each repeated group until all of its (entry, form) pairs were
    /// driven twice; `slot` numbers the distinct entries.
    fn repeats_once<'a>(groups: &[(Vec<(&'a Item, &'a CiteItem)>, bool)], slot: impl Fn(&'a Item) -> usize) -> Plan {
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
const PAD_BUCKETS: usize = 64;

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
/// shares only the groups of entries that can clash.
fn padded(entry: &Item, index: usize) -> Item {
    let mut item = entry.clone();
    for k in 0..index % PAD_BUCKETS {
        item.0.insert(format!("~haven-pad-{k}"), hayagriva::citationberg::json::Value::Number(0));
    }
    item
}

/// `p. 12` / `pp. 3-5` / `ch. 2` / `sec. 4` → a CSL locator; anything else → page.
fn locator(raw: &str) -> Option<SpecificLocator<'_>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let table: &[(&str, Locator)] = &[
        ("pp.", Locator::Page),
        ("p.", Locator::Page),
        ("chapter", Locator::Chapter),
        ("ch.", Locator::Chapter),
        ("chap.", Locator::Chapter),
        ("sec.", Locator::Section),
        ("section", Locator::Section),
        ("para.", Locator::Paragraph),
        ("¶", Locator::Paragraph),
        ("fig.", Locator::Figure),
        ("vol.", Locator::Volume),
        ("table", Locator::Table),
    ];
    for (pre, loc) in table {
        if let Some(rest) = raw.strip_prefix(pre) {
            return Some(SpecificLocator(*loc, LocatorPayload::Str(rest.trim())));
        }
    }
    Some(SpecificLocator(Locator::Page, LocatorPayload::Str(raw)))
}

/// Escape text for HTML (element content and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    // The five characters are ASCII, so every cut is at a char boundary;
    // the text between them is copied whole.
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out
}

fn children_html(children: &ElemChildren) -> String {
    let mut out = String::new();
    for c in &children.0 {
        elem_html(c, &mut out);
    }
    out.trim().to_string()
}

fn children_text(children: &ElemChildren) -> String {
    let mut out = String::new();
    for c in &children.0 {
        elem_text(c, &mut out);
    }
    out.trim().to_string()
}

fn formatted_html(f: &hayagriva::Formatted, out: &mut String) {
    use hayagriva::citationberg::{FontStyle, FontWeight};
    let italic = f.formatting.font_style == FontStyle::Italic;
    let bold = f.formatting.font_weight == FontWeight::Bold;
    if italic {
        out.push_str("<i>");
    }
    if bold {
        out.push_str("<b>");
    }
    out.push_str(&escape(&f.text));
    if bold {
        out.push_str("</b>");
    }
    if italic {
        out.push_str("</i>");
    }
}

/// hayagriva's element tree → HTML, escaping every string; classes, no styles.
pub fn elem_html(child: &ElemChild, out: &mut String) {
    match child {
        ElemChild::Text(f) => formatted_html(f, out),
        ElemChild::Elem(e) => {
            for c in &e.children.0 {
                elem_html(c, out);
            }
        }
        ElemChild::Markup(m) => out.push_str(&escape(m)),
        ElemChild::Link { text, url } => {
            let safe = url.starts_with("https://") || url.starts_with("http://");
            if safe {
                out.push_str(&format!("<a class=\"ref-link\" href=\"{}\">", escape(url)));
                formatted_html(text, out);
                out.push_str("</a>");
            } else {
                formatted_html(text, out);
            }
        }
        ElemChild::Transparent { .. } => {}
    }
}

fn elem_text(child: &ElemChild, out: &mut String) {
    match child {
        ElemChild::Text(f) => out.push_str(&f.text),
        ElemChild::Elem(e) => e.children.0.iter().for_each(|c| elem_text(c, out)),
        ElemChild::Markup(m) => out.push_str(m),
        ElemChild::Link { text, .. } => out.push_str(&text.text),
        ElemChild::Transparent { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bib::{parse_bibtex, parse_hayagriva_yaml};

    const BIB: &str = r#"@incollection{opland2024,
  author = {Opland, C. and Torrico, Tyler J.},
  title = {Psychotherapy and therapeutic relationship},
  booktitle = {{StatPearls}},
  publisher = {{StatPearls} Publishing},
  year = {2024},
}

@article{ardito2011,
  author = {Ardito, Rita B. and Rabellino, Daniela},
  title = {Therapeutic alliance and outcome of psychotherapy},
  journal = {Frontiers in Psychology},
  year = {2011},
  volume = {2},
  eid = {270},
  doi = {10.3389/fpsyg.2011.00270},
}
"#;

    fn apa() -> Formatter {
        archived("apa")
    }

    fn archived(name: &str) -> Formatter {
        let style = hayagriva::archive::ArchivedStyle::by_name(name).unwrap().get();
        let xml = style.to_xml().unwrap();
        match style {
            Style::Independent(s) => Formatter::with_style(s, &xml),
            _ => unreachable!(),
        }
    }

    #[test]
    fn bibtex_incollection_prints_book_title_once_and_eid_as_article_number() {
        let entries = parse_bibtex(BIB).unwrap();
        assert_eq!(entries[0].1, 1);
        assert_eq!(entries[1].1, 9);
        let ci = CiteItem { key: String::new(), prefix: String::new(), locator: String::new(), suppress_author: false };
        let groups = vec![(vec![(&entries[0].2, &ci)], false), (vec![(&entries[1].2, &ci)], false)];
        let bib = apa().format(&groups).bibliography;
        let text: Vec<&str> = bib.iter().map(|b| b.text.as_str()).collect();
        let chapter = text.iter().find(|t| t.starts_with("Opland")).unwrap();
        assert_eq!(chapter.matches("StatPearls").count(), 2, "{chapter}"); // book title + publisher, not "StatPearls: StatPearls"
        assert!(!chapter.contains("StatPearls: StatPearls"), "{chapter}");
        let article = text.iter().find(|t| t.starts_with("Ardito")).unwrap();
        assert!(article.contains("Article 270"), "{article}");
        assert!(article.contains("https://doi.org/10.3389/fpsyg.2011.00270"), "{article}");
    }

    #[test]
    fn in_text_forms() {
        let entries = parse_bibtex(BIB).unwrap();
        let plain =
            CiteItem { key: String::new(), prefix: String::new(), locator: String::new(), suppress_author: false };
        let loc = CiteItem { locator: "p. 2".into(), prefix: "see".into(), ..plain.clone() };
        let sup = CiteItem { suppress_author: true, ..plain.clone() };
        let e = &entries[1].2;
        let groups = vec![
            (vec![(e, &plain)], false),
            (vec![(e, &loc)], false),
            (vec![(e, &plain)], true),
            (vec![(e, &sup)], false),
        ];
        let c = apa().format(&groups).citations;
        assert_eq!(c[0], "(Ardito &amp; Rabellino, 2011)");
        assert_eq!(c[1], "(see Ardito &amp; Rabellino, 2011, p. 2)");
        assert_eq!(c[2], "Ardito &amp; Rabellino (2011)");
        assert_eq!(c[3], "(2011)");
    }

    #[test]
    fn hayagriva_yaml_converts_and_formats() {
        let yaml = "horvath2011:\n  type: article\n  title: Alliance in individual psychotherapy\n  author: [\"Horvath, Adam O.\", \"Del Re, A. C.\"]\n  date: 2011\n  page-range: 9-16\n  serial-number:\n    doi: 10.1037/a0022186\n  parent:\n    type: periodical\n    title: Psychotherapy\n    volume: 48\n    issue: 1\n";
        let entries = parse_hayagriva_yaml(yaml).unwrap();
        assert_eq!((entries[0].0.as_str(), entries[0].1), ("horvath2011", 1));
        let ci = CiteItem { key: String::new(), prefix: String::new(), locator: String::new(), suppress_author: false };
        let Formatted { citations: c, bibliography: bib } = apa().format(&[(vec![(&entries[0].2, &ci)], false)]);
        assert_eq!(c[0], "(Horvath &amp; Del Re, 2011)");
        assert!(
            bib[0].text.contains("Psychotherapy, 48(1), 9–16. https://doi.org/10.1037/a0022186"),
            "{}",
            bib[0].text
        );
        assert!(parse_hayagriva_yaml("a: [unclosed").is_err());
    }

    /// Sources whose in-text forms clash: same surnames and years (year
    /// suffixes), shared and differing given names (added initials), et-al
    /// lists that differ only after the first author (added names), no date.
    fn clashing_sources() -> Vec<Item> {
        use serde_json::json;
        let people = [("Smith", "Anna"), ("Smith", "Ben"), ("Smith", "Anna B."), ("Lee", "Chris"), ("Park", "Dana")];
        let specs: [(&[usize], Option<i64>); 12] = [
            (&[0], Some(2001)),
            (&[1], Some(2001)),
            (&[2], Some(2001)),
            (&[0], Some(2001)),
            (&[3], Some(2010)),
            (&[3], Some(2010)),
            (&[0, 3, 4], Some(2015)),
            (&[0, 4, 3], Some(2015)),
            (&[4], None),
            (&[4], None),
            (&[3, 4], Some(2020)),
            (&[1], Some(1999)),
        ];
        specs
            .iter()
            .enumerate()
            .map(|(i, (authors, year))| {
                let mut m = json!({
                    "id": format!("k{i}"),
                    "type": "article-journal",
                    "title": format!("Title {i}"),
                    "container-title": "Journal",
                    "author": authors.iter().map(|&a| json!({"family": people[a].0, "given": people[a].1})).collect::<Vec<_>>(),
                });
                if let Some(y) = year {
                    m["issued"] = json!({ "date-parts": [[y]] });
                }
                serde_json::from_value(m).unwrap()
            })
            .collect()
    }

    /// [`clashing_sources`], then six sources that clash with nothing.
    fn sources() -> Vec<Item> {
        let mut sources = clashing_sources();
        sources.extend(
            [("Ng", 1990), ("Okafor", 1991), ("Quist", 2003), ("Ruiz", 2012), ("Sato", 2018), ("Tran", 2021)]
                .into_iter()
                .enumerate()
                .map(|(i, (family, year))| {
                    serde_json::from_value(serde_json::json!({
                        "id": format!("u{i}"),
                        "type": "book",
                        "title": format!("Book {i}"),
                        "author": [{"family": family, "given": "Alex"}],
                        "issued": { "date-parts": [[year]] },
                    }))
                    .unwrap()
                }),
        );
        sources
    }

    /// A group to cite: its members (source, locator, author suppressed), and
    /// whether it is narrative.
    type PoolGroup = (Vec<(usize, usize, bool)>, bool);

    /// Up to `groups` groups of one to three of the first `sources` sources,
    /// a quarter of them narrative.
    fn pool(sources: usize, groups: usize) -> impl proptest::strategy::Strategy<Value = Vec<PoolGroup>> {
        let member = (0..sources, 0..3usize, proptest::bool::weighted(0.2));
        proptest::collection::vec((proptest::collection::vec(member, 1..4), proptest::bool::weighted(0.25)), 1..groups)
    }

    /// Citation groups for the proptests: `order` picks from `pool`, whose
    /// members are (source, locator, author suppressed).
    fn groups_of<'a>(
        sources: &'a [Item],
        items: &'a [CiteItem],
        pool: &[PoolGroup],
        order: &[usize],
    ) -> Vec<(Vec<(&'a Item, &'a CiteItem)>, bool)> {
        order
            .iter()
            .map(|&i| {
                let (members, narrative) = &pool[i % pool.len()];
                // A narrative citation names one source.
                let members = if *narrative { &members[..1] } else { &members[..] };
                (members.iter().map(|&(e, l, s)| (&sources[e], &items[l * 2 + usize::from(s)])).collect(), *narrative)
            })
            .collect()
    }

    /// Every (locator, author suppressed) a proptest cites with.
    fn cite_items() -> Vec<CiteItem> {
        let locators = ["", "p. 4", "ch. 2"];
        (0..3)
            .flat_map(|l| {
                [false, true].map(|s| CiteItem {
                    key: String::new(),
                    prefix: String::new(),
                    locator: locators[l].into(),
                    suppress_author: s,
                })
            })
            .collect()
    }

    /// (style, formatter, the same formatter driving every group).
    static STYLES: std::sync::LazyLock<Vec<(&str, Formatter, Formatter)>> = std::sync::LazyLock::new(|| {
        ["apa", "harvard-cite-them-right", "modern-language-association", "ieee", "vancouver", "chicago-author-date"]
            .into_iter()
            .map(|name| (name, archived(name), Formatter { position_free: false, ..archived(name) }))
            .collect()
    });

    #[test]
    fn position_tests_turn_the_repeat_shortcut_off() {
        let free: Vec<(&str, bool)> = STYLES.iter().map(|(n, f, _)| (*n, f.position_free)).collect();
        assert_eq!(
            free,
            [
                ("apa", true),
                ("harvard-cite-them-right", true),
                ("modern-language-association", true),
                ("ieee", true),
                ("vancouver", true),
                ("chicago-author-date", false), // `position="subsequent"` tests
            ]
        );
        assert!(!STYLES[0].1.position_free || !archived("chicago-notes").position_free);
    }

    proptest::proptest! {
        // `PROPTEST_CASES` (the quick inner loop sets it) wins over the default of 64.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
        ))]
        /// Formatting repeated citations once gives what driving every
        /// citation gives, on sources built to need disambiguation.
        #[test]
        fn repeated_citations_format_as_when_all_are_driven(
            pool in pool(12, 8),
            order in proptest::collection::vec(0..8usize, 1..60),
        ) {
            let (sources, items) = (clashing_sources(), cite_items());
            let groups = groups_of(&sources, &items, &pool, &order);
            for (name, shortcut, every) in STYLES.iter() {
                let (a, b) = (shortcut.format(&groups), every.format(&groups));
                proptest::prop_assert_eq!(&a.citations, &b.citations, "{} citations", name);
                proptest::prop_assert_eq!(&a.bibliography, &b.bibliography, "{} bibliography", name);
            }
        }

        /// Drivers split over the groups (see `Split`) agree where they share
        /// groups and give what one driver of every group gives, with sources
        /// that clash and sources that do not.
        #[test]
        fn split_drivers_format_as_one_driver(
            pool in pool(18, 10),
            order in proptest::collection::vec(0..10usize, 1..80),
            parts in 2..5usize,
        ) {
            let (sources, items) = (sources(), cite_items());
            let groups = groups_of(&sources, &items, &pool, &order);
            for (name, shortcut, every) in STYLES.iter().filter(|(_, f, _)| f.splittable) {
                let drive = Drive::new(shortcut, &groups);
                let plan = Plan::repeats_once(&groups, |e| drive.slot[&addr(e)]);
                let split = drive.split(&plan.driven, parts);
                proptest::prop_assert!(split.is_some(), "{}: split drivers disagree", name);
                let Formatted { citations: cites, bibliography: bib } = split.unwrap();
                let Formatted { citations: one_cites, bibliography: one_bib } = drive.run(&plan.driven, true);
                proptest::prop_assert_eq!(&cites, &one_cites, "{} citations", name);
                proptest::prop_assert_eq!(&bib, &one_bib, "{} bibliography", name);
                let whole: Vec<&String> = plan.output_of.iter().map(|&d| &cites[d]).collect();
                let Formatted { citations: all_cites, bibliography: all_bib } =
                    Drive::new(every, &groups).run(&(0..groups.len()).collect::<Vec<_>>(), true);
                proptest::prop_assert_eq!(whole, all_cites.iter().collect::<Vec<_>>(), "{} against every group", name);
                proptest::prop_assert_eq!(&bib, &all_bib, "{} bibliography against every group", name);
            }
        }
    }

    #[test]
    fn styles_with_citation_numbers_are_not_split() {
        let split: Vec<(&str, bool)> = STYLES.iter().map(|(n, f, _)| (*n, f.splittable)).collect();
        assert_eq!(
            split,
            [
                ("apa", true),
                ("harvard-cite-them-right", true),
                ("modern-language-association", true),
                ("ieee", false),
                ("vancouver", false),
                ("chicago-author-date", false),
            ]
        );
    }

    /// On a site as large as the split's threshold, `format` takes the split
    /// path and its output equals one driver's.
    #[test]
    fn large_sites_split_the_driver() {
        let (sources, items) = (sources(), cite_items());
        // Distinct groups of two: (source, locator) pairs, some narrative.
        let pool: Vec<PoolGroup> = (0..SPLIT_FROM + 500)
            .map(|i| (vec![(i % 18, (i / 18) % 3, false), ((i / 54) % 18, (i / 972) % 3, i % 5 == 0)], i % 11 == 0))
            .collect();
        let order: Vec<usize> = (0..pool.len()).collect();
        let groups = groups_of(&sources, &items, &pool, &order);
        let (_, apa, _) = &STYLES[0];
        let drive = Drive::new(apa, &groups);
        let plan = Plan::repeats_once(&groups, |e| drive.slot[&addr(e)]);
        assert!(plan.driven.len() >= SPLIT_FROM, "{} driven", plan.driven.len());
        let split = Split::new(&drive, &plan.driven, 4);
        // The clashing sources' groups go to every part; the rest are spread.
        let sizes: Vec<usize> =
            split.parts.iter().map(|p| p.iter().filter(|(_, only)| only.is_none()).count()).collect();
        assert!(sizes.iter().all(|&n| n < plan.driven.len()), "{sizes:?}");
        assert_eq!(drive.split(&plan.driven, 4).expect("the parts agree"), drive.run(&plan.driven, true));
    }

    #[test]
    fn escape_handles_markup() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(escape("é<ü>"), "é&lt;ü&gt;");
    }

    proptest::proptest! {
        #[test]
        fn escape_replaces_exactly_the_five_characters(s in "[a-zé€<>&\"' ]{0,40}") {
            let expected: String = s
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(escape(&s), expected);
        }
    }
}
