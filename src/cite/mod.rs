//! Citation formatting (the bibliography files are read by [`crate::bib`]).
//!
//! 1. [`Formatter`] formats every citation group of the site and the
//!    bibliography entries once, with hayagriva's CSL engine (APA by default).
//! 2. [`elem_html`] turns hayagriva's element tree into HTML ourselves,
//!    escaping every string and using classes, never inline styles.

mod drive;
mod html;
mod plan;
mod split;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use hayagriva::citationberg::json::Item;
use hayagriva::citationberg::{taxonomy::Locator, IndependentStyle, Locale, LocaleCode, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, ElemChild, ElemChildren,
    LocatorPayload, SpecificLocator,
};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::site::CiteItem;
use drive::*;
use html::*;
pub use html::{elem_html, escape};
use plan::*;
use split::*;

/// `(name, title)` of every citation style bundled with Haven (hayagriva's
/// archive), by name: what `[citations] style` accepts besides a `.csl` file.
pub fn bundled_styles() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = hayagriva::archive::ArchivedStyle::all()
        .iter()
        .flat_map(|s| {
            let title = s.display_name().to_string();
            s.names().iter().map(move |n| (*n, title.clone()))
        })
        .collect();
    out.sort();
    out
}

/// A CSL style resolved from `haven.toml`, with its locales.
pub struct Formatter {
    style: IndependentStyle,
    locales: &'static [Locale],
    /// The style formats a citation the same wherever it stands (see
    /// [`position_free`]), so a repeated citation is formatted once.
    position_free: bool,
    /// The style without its bibliography, for the drivers of a [`Split`]
    /// that format citations only.
    citations_only: IndependentStyle,
    /// The style allows splitting the driver (see [`Split`]).
    splittable: bool,
    /// Tests only: drive hayagriva as upstream does, walking the style's
    /// layouts at every date it renders (`BibliographyDriver::with_every_walk`),
    /// to compare with the walks it skips.
    #[cfg(test)]
    every_walk: bool,
}

/// The bundled CSL locales that formatting in `lang` can read, decoded
/// once per process per language: hayagriva looks a term up in the locale
/// of `lang`, then of its fallback (`en` → `en-US`), then in `en-US`
/// (`StyleContext::lookup_locale`), so only those are decoded. Decoding all
/// 60 took longer than formatting a small site's citations.
fn locales(lang: &LocaleCode) -> &'static [Locale] {
    type Cache = std::sync::Mutex<Vec<(LocaleCode, &'static [Locale])>>;
    static DECODED: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let mut cache = DECODED.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, l)) = cache.iter().find(|(code, _)| code == lang) {
        return l;
    }
    let wanted = [Some(lang.clone()), lang.fallback(), Some(LocaleCode::en_us())];
    let picked: Vec<Locale> = hayagriva::archive::LOCALES
        .iter()
        .filter(|bytes| wanted.contains(&locale_lang(bytes)))
        .filter_map(|bytes| ciborium::de::from_reader::<Locale, _>(*bytes).ok())
        .collect();
    let picked: &'static [Locale] = Box::leak(picked.into_boxed_slice());
    cache.push((lang.clone(), picked));
    picked
}

/// A CBOR-encoded locale's language. Every bundled locale opens with its
/// `@xml:lang` (a map whose first key it is), read here from the first bytes;
/// a locale laid out otherwise is decoded, which skips over all its terms.
fn locale_lang(bytes: &[u8]) -> Option<LocaleCode> {
    const KEY: &[u8] = b"\x69@xml:lang"; // a CBOR text of 9 bytes
    let sniffed = bytes.get(..64).and_then(|head| {
        let at = head.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
        let len = usize::from(head.get(at)?.checked_sub(0x60).filter(|&n| n < 24)?); // a short text
        std::str::from_utf8(head.get(at + 1..at + 1 + len)?).ok()
    });
    match sniffed {
        Some(code) => Some(LocaleCode(code.to_string())),
        None => {
            #[derive(serde::Deserialize)]
            struct Lang {
                #[serde(rename = "@xml:lang")]
                lang: Option<LocaleCode>,
            }
            ciborium::de::from_reader::<Lang, _>(bytes).ok().and_then(|l| l.lang)
        }
    }
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
        // No locale is asked for: the style's own, or en-US.
        let lang = style.default_locale.clone().unwrap_or_else(LocaleCode::en_us);
        Formatter {
            style,
            locales: locales(&lang),
            position_free,
            citations_only,
            splittable,
            #[cfg(test)]
            every_walk: false,
        }
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
                .then(|| drive.split(&plan.driven, 1 + PARTS_PER_THREAD * threads))
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
/// than one thread, for a style that allows it). Splitting paid on every
/// site measured down to 51 groups (2 cores, `haven -v build`'s link stage,
/// medians of 16): 51 groups of 30 sources 16.8 → 15.6 ms, the shipped
/// site's 94 of 45 sources 26.0 → 23.0 ms, 338 of 176 sources 92 → 76 ms
/// (the bibliography, which one part formats, bounds it). Below, the
/// split's own work (each entry formatted alone to find the clashing ones)
/// is most of a driver's. `split_drivers_format_as_one_driver` proves the
/// output equal.
const SPLIT_FROM: usize = 50;

/// The parts besides part 0 that [`Drive::split`] cuts the pure groups into,
/// per thread: enough that the threads finish close together whatever part
/// 0 costs (a part costs little more than its groups). Link stage at 10,000
/// articles (2 cores, 2 rounds): 3.73 s with 2 per thread, 3.30–3.35 s with
/// 4, 3.24–3.28 s with 8; the shipped site 29–30 ms with any of 1 to 16
/// (its part 0 is the longest).
const PARTS_PER_THREAD: usize = 4;

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

#[cfg(test)]
mod tests;
