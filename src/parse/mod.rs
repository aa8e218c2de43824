//! Stage 2, **parse**: front matter and markdown, once per page, in parallel.
//!
//! 1. Split the front matter (`+++` TOML or `---` YAML) from the body.
//! 2. Deserialize it strictly (unknown keys are errors with a did-you-mean),
//!    with every location made file-absolute.
//! 3. Parse the body with pulldown-cmark into [`crate::site::Node`]s: markdown events plus
//!    Haven's own nodes for internal links, citations, code blocks and
//!    glossary-candidate text.
//! 4. Assign unique heading ids; record links, citation groups and the claim
//!    (sentence) each citation supports; extract plain text.
//!
//! After `parse`: every page has `meta`, `nodes`, `headings`, `links`,
//! `cites`, `claims`, `text` and `word_count`. Nothing here looks at other pages.

//!
//! One concept a file: [`front_matter`] (split and deserialize), [`body`]
//! (the markdown walk), [`citation`] (the citation syntax inside it),
//! [`sentences`] (claims are sentences; `check` uses the splitter too).

pub mod body;
pub mod citation;
pub mod front_matter;
pub mod sentences;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics};
use crate::site::{Page, Site};

pub use body::{parse_body, Doc, NARRATIVE_CLOSE, NARRATIVE_OPEN};
use front_matter::parse_meta;
pub use front_matter::{split_front_matter, FmFormat, META_KEYS};
pub use sentences::{sentence_ranges, tidy};

pub fn run(mut site: Site, diags: &mut Diagnostics) -> Site {
    let results: Vec<Vec<Diagnostic>> = site.pages.par_iter_mut().map(parse_page).collect();
    diags.extend(results.into_iter().flatten());
    site
}

/// Parse one page in place; returns its diagnostics. Never panics: a crash in
/// the markdown parser becomes an error for this file.
pub fn parse_page(page: &mut Page) -> Vec<Diagnostic> {
    parse_page_with(page, true)
}

/// [`parse_page`] without the panic guard, so a fuzzer sees any crash.
pub fn parse_page_unguarded(page: &mut Page) -> Vec<Diagnostic> {
    parse_page_with(page, false)
}

fn parse_page_with(page: &mut Page, guard: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (fm, fm_offset, body_offset, format) = match split_front_matter(&page.source) {
        Ok(parts) => parts,
        Err(d) => return vec![d.in_file(&page.file)],
    };
    match parse_meta(&page.source, fm, fm_offset, format, glossary_term(page)) {
        Ok(meta) => page.meta = meta,
        Err(ds) => {
            out.extend(ds.into_iter().map(|d| d.in_file(&page.file)));
            return out;
        }
    }
    page.body_offset = body_offset;
    // Lent out while the body is parsed (the page's other fields are filled in).
    let source = std::mem::take(&mut page.source);
    let result = if guard {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_body(&source, body_offset)))
    } else {
        Ok(parse_body(&source, body_offset))
    };
    page.source = source;
    match result {
        Ok((doc, ds)) => {
            page.nodes = doc.nodes;
            page.headings = doc.headings;
            page.links = doc.links;
            page.path_links = doc.path_links;
            page.embeds = doc.embeds;
            page.cites = doc.cites;
            page.claims = doc.claims;
            page.word_count = doc.text.split_whitespace().count();
            page.text = doc.text;
            // Kept until lint, for every page at once: no room to grow.
            page.text.shrink_to_fit();
            out.extend(ds.into_iter().map(|d| d.in_file(&page.file)));
        }
        Err(_) => out.push(
            Diagnostic::error("the markdown parser crashed on this file")
                .in_file(&page.file)
                .help("this is a bug in the markdown library; simplify unusual nesting in this file and report it"),
        ),
    }
    out
}

#[cfg(test)]
mod tests;

/// A term of the glossary: a page (not the index) directly in `content/glossary/`.
fn glossary_term(page: &Page) -> bool {
    !page.is_section && page.rel_path.rsplit_once('/').is_some_and(|(dir, _)| dir == "glossary")
}
