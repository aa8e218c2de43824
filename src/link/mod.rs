//! Stage 3, **link**: every fact that involves more than one page.
//!
//! 1. Drop drafts (unless `--drafts`), give every page its slug, section and
//!    URL path; duplicate URLs are errors naming both files.
//! 2. Build the sections, tags, audiences, dated series and reading paths.
//! 3. Resolve internal links (`[[slug#h]]`, `[t](rel.md#h)`) against the
//!    page table and each target's heading ids; record backlinks with context.
//!    Links written as site paths (`/tags/x/`, `../y/#h`) must land on a page
//!    or file the build writes.
//! 4. Resolve citation keys against the bibliography and format every
//!    citation and reference once (see [`crate::cite`]).
//! 5. Link the first mention of each glossary term in every page.
//! 6. Rank related pages through inverted indexes (no all-pairs loop).
//!
//! After `link`: every `LinkRef` and `CiteItem` is resolved or reported, and
//! the page table, taxonomies and Sources index are complete.

mod citations;
mod glossary;
mod links;
mod path_links;
mod paths;
mod related;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::cite::Formatter;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::site::{Backlink, LinkKind, Node, PageId, ReadingPath, Resolved, Section, Site, SortBy};
use citations::*;
pub(crate) use citations::{fill_narratives, html_to_text};
pub use glossary::glossary_links;
use glossary::*;
use links::*;
use paths::*;
use related::*;

pub fn run(mut site: Site, diags: &mut Diagnostics) -> Site {
    if !site.config.drafts {
        let before = site.pages.len();
        site.pages.retain(|p| !p.meta.draft);
        site.drafts_left_out = before - site.pages.len();
    }
    // Page ids are made here, once drafts are gone: the index in `site.pages`.
    for (i, p) in site.pages.iter_mut().enumerate() {
        p.id = i;
    }
    // The citation style (decoded, with its locales) needs only the config:
    // it is read beside the page table and the links.
    let config = site.pages.iter().any(|p| !p.cites.is_empty()).then(|| site.config.clone());
    let (style, ()) = rayon::join(
        || config.as_ref().map(Formatter::new),
        || {
            assign_paths(&mut site, diags);
            build_sections(&mut site);
            build_taxonomies(&mut site, diags);
            check_generated_urls(&site, diags);
            resolve_links(&mut site, diags);
            path_links::check_path_links(&site, diags);
            crate::privacy::check_pages(&site, diags);
            add_page_bibliographies(&mut site, diags);
        },
    );
    // Formatting the citations is most of this stage (on a large site it is
    // split over several drivers, see `cite::Split`). Glossary links and
    // related pages do not read its output, so they are found beside it.
    let formatter = citation_formatter(&site, diags, style);
    let (formatted, (glossary, related)) = rayon::join(
        || formatter.map(|(f, key_index)| (format_citations(&site, &f, &key_index), key_index)),
        || (glossary_links_all(&site), related_pages(&site)),
    );
    if let Some((formatted, key_index)) = formatted {
        apply_citations(&mut site, &key_index, formatted);
    }
    if let Some(links) = glossary {
        for (page, links) in site.pages.iter_mut().zip(links) {
            page.glossary_links = links;
        }
    }
    for (page, related) in site.pages.iter_mut().zip(related) {
        page.related = related;
    }
    site
}

pub fn line_range(src: &str, line: usize) -> std::ops::Range<usize> {
    let start: usize = src.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let end = src[start..].find('\n').map_or(src.len(), |e| start + e);
    start..end
}

#[cfg(test)]
mod tests;
