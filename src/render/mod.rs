//! Stage 4, **render**: `&Site` → every output file, as bytes, handed to a
//! [`Sink`] (the writer of stage 6) as soon as it is rendered.
//!
//! 1. Resolve the theme (embedded default + the site's `templates/`).
//! 2. Render each page's body and template in parallel; templates see
//!    `*View` structs built here, never internal types, and every list they
//!    get is sorted. A build drops each page's body as soon as its file is
//!    rendered, unless a listing shows it too ([`Bodies::Drop`]).
//! 3. Render listings: home, sections, series archives, glossary, tags,
//!    audiences, the Sources page, 404, alias redirects.
//! 4. Feeds and machine files: `atom.xml` (site and per series),
//!    `sitemap.xml`, `robots.txt`; theme and site static files with
//!    content-hashed names.
//!
//! A template error names the template and the page it was rendering.

mod about;
mod context;
pub mod feeds;
pub mod highlight;
pub mod html;
mod packet;
pub mod qr;
mod views;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::cite::escape;
use crate::diag::{Diagnostic, Diagnostics};
use crate::site::{Node, Page, PageId, Site};
use crate::theme::{tera_chain, Theme};
use crate::write::{OutputFile, Sink};
use context::Ctx;
use html::Body;
use views::*;

/// What [`run`] does with the pages' bodies (each page's source and nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// Leave them in the pages (`haven check` and `haven serve` read them again).
    Keep,
    /// Drop each page's body as soon as its own file is rendered, or, if a
    /// listing shows it too (a glossary term's, a reading path step's, a
    /// series topic's), once the listings are: a build's last reader of
    /// them is render, and on a big site of long articles they are
    /// hundreds of MB.
    Drop,
}

/// The theme's files (content-hashed names) and the assets' URLs.
fn prepare(site: &Site) -> (Assets, Vec<OutputFile>) {
    let mut files: Vec<OutputFile> = Vec::new();
    let css = theme_static("haven.css");
    let js = theme_static("haven.js");
    let hl = highlight::stylesheet();
    let mut assets = Assets {
        css: site.url(&hashed_name("haven", "css", css.as_bytes())),
        highlight_css: site.url(&hashed_name("highlight", "css", hl.as_bytes())),
        js: site.url(&hashed_name("haven", "js", js.as_bytes())),
        search_js: None,
        theme_css: None,
    };
    if let Some(custom) = site.config.site.theme.css() {
        let name = hashed_name("theme", "css", custom.as_bytes());
        assets.theme_css = Some(site.url(&name));
        files.push(OutputFile { path: name, bytes: custom.into_bytes() });
    }
    files.push(OutputFile { path: hashed_name("haven", "css", css.as_bytes()), bytes: css.into_bytes() });
    files.push(OutputFile { path: hashed_name("highlight", "css", hl.as_bytes()), bytes: hl.into_bytes() });
    files.push(OutputFile { path: hashed_name("haven", "js", js.as_bytes()), bytes: js.into_bytes() });
    if site.config.site.search.enabled {
        // The browser half of stage 5 (index): it loads the shards in search/.
        let search = theme_static("search.js");
        let name = hashed_name("search", "js", search.as_bytes());
        assets.search_js = Some(site.url(&name));
        files.push(OutputFile { path: name, bytes: search.into_bytes() });
    }
    // Browsers ask for an icon by a fixed name; it is not content-hashed.
    files.push(OutputFile { path: "favicon.svg".into(), bytes: theme_static("favicon.svg").into_bytes() });
    (assets, files)
}

/// The page's own file: an article, or a section's listing for `_index.md`;
/// `text` is the page's body.
fn page_file(ctx: &Ctx<'_>, p: &Page, text: Body<'_>) -> Result<OutputFile, Diagnostic> {
    if p.is_section {
        ctx.section_page(p, text)
    } else {
        ctx.article(p, text)
    }
}

/// Render only the files of pages `ids` and, with `sources`, the Sources
/// page, exactly as [`run`] renders them (`haven serve`'s incremental
/// rebuild). Returns the paths written.
pub fn some(
    site: &Site,
    theme: &Theme,
    ids: &[PageId],
    sources: bool,
    sink: &dyn Sink,
) -> Result<Vec<String>, Diagnostic> {
    let ctx = Ctx::new(site, theme, prepare(site).0);
    let relative = site.config.relative;
    let mut files = ids
        .par_iter()
        .map(|&id| page_file(&ctx, &site.pages[id], Body::of(&site.pages[id])))
        .collect::<Result<Vec<OutputFile>, Diagnostic>>()?;
    if sources {
        files.extend(ctx.sources_page()?);
    }
    // A page on a reading path is also in that path's printable packet.
    if ids.iter().any(|&id| site.pages[id].path_step.is_some()) {
        files.extend(ctx.path_packets()?);
    }
    files
        .into_iter()
        .map(|f| {
            let path = f.path.clone();
            sink.put(relativized(f, relative)).map(|()| path)
        })
        .collect()
}

/// Render everything. Errors (template failures) are collected per page.
/// With [`Bodies::Drop`], every page's body is gone once render returns:
/// most as soon as their page is rendered, those that listings show too
/// once the listings are.
pub fn run(site: &mut Site, theme: &Theme, bodies: Bodies, diags: &mut Diagnostics, sink: &dyn Sink) {
    let relative = site.config.relative;
    let (assets, files) = prepare(site);
    let taken: Vec<Option<(String, Vec<Node>)>> = match bodies {
        Bodies::Drop => take_bodies(site),
        Bodies::Keep => std::iter::repeat_with(|| None).take(site.pages.len()).collect(),
    };
    let shared = &*site;
    let ctx = Ctx::new(shared, theme, assets);
    // Pages go to the sink as they are rendered (never all in memory), a
    // taken body dropped as soon as its page is. Link made sure that no
    // listing, generated page or copied file takes a page's URL, and no
    // generated page a folder listing's. Glossary terms have no pages of
    // their own (the glossary shows them). The listings read only bodies
    // that stay in their pages, so they are rendered beside the pages: run
    // after them, they left one core idle at the end of a big site's render.
    let (errors, listed) = rayon::join(
        || {
            shared
                .pages
                .par_iter()
                .zip(taken)
                .filter(|(p, _)| !p.is_glossary_term())
                .filter_map(|(p, body)| {
                    let text = match &body {
                        Some((source, nodes)) => Body { source, nodes },
                        None => Body::of(p),
                    };
                    page_file(&ctx, p, text).and_then(|f| sink.put(relativized(f, relative))).err()
                })
                .collect::<Vec<Diagnostic>>()
        },
        || listings(&ctx, files, sink),
    );
    diags.extend(errors);
    diags.extend(listed);
    // The bodies the listings showed too are read no more.
    if bodies == Bodies::Drop {
        for p in &mut site.pages {
            (p.nodes, p.source) = (Vec::new(), String::new());
        }
    }
}

/// Each page's body (source and nodes), taken out of the page, or `None`
/// where [`listings`] shows it too and it stays in the page: a glossary
/// term's (the glossary), a reading path step's (the path's packet), a
/// series topic's (the series feed's full text). A listing that shows
/// another page's body must keep it here: the test of a build that drops
/// the bodies against one that keeps them (`lib.rs`) would fail.
fn take_bodies(site: &mut Site) -> Vec<Option<(String, Vec<Node>)>> {
    let mut shown = vec![false; site.pages.len()];
    let series = site.series.values().flatten();
    for &id in site.reading_paths.iter().flat_map(|rp| &rp.pages).chain(series) {
        shown[id] = true;
    }
    site.pages
        .iter_mut()
        .map(|p| {
            let keep = shown[p.id] || p.is_glossary_term();
            (!keep).then(|| (std::mem::take(&mut p.source), std::mem::take(&mut p.nodes)))
        })
        .collect()
}

/// Every file but the pages' own, with `files` (the theme's), put to
/// `sink`; returns the errors. A file of static/ may replace a theme file
/// or a generated one such as 404.html: later files win.
fn listings(ctx: &Ctx<'_>, mut files: Vec<OutputFile>, sink: &dyn Sink) -> Vec<Diagnostic> {
    let site = ctx.site;
    let relative = site.config.relative;
    let mut errors = Vec::new();
    // Sections without an _index.md still get a listing.
    let sections: Vec<_> = site.sections.values().filter(|s| s.index.is_none()).collect();
    let section_listing = |s: &&crate::site::Section| {
        let view = ctx.section_view(&s.key, None);
        // Glossary terms have no pages of their own: their folder's listing is the glossary.
        let listing = if s.key.is_empty() {
            ctx.home(&view, None)
        } else if s.key == "glossary" {
            let letters = ctx.glossary_letters();
            ctx.render("glossary.html", &s.title, &s.key, None, |c| {
                c.insert("section", &view);
                c.insert("letters", &letters);
            })
        } else {
            ctx.render("section.html", &s.title, &s.key, None, |c| c.insert("section", &view))
        };
        listing.map(|html| vec![OutputFile { path: format!("{}index.html", dir(&s.key)), bytes: html.into_bytes() }])
    };
    type Listing<'a> = &'a (dyn Fn() -> Result<Vec<OutputFile>, Diagnostic> + Sync);
    let others: [Listing<'_>; 8] = [
        &|| ctx.taxonomies(),
        &|| ctx.sources_page(),
        &|| ctx.not_found(),
        &|| ctx.redirects(),
        &|| ctx.search_page(),
        &|| ctx.about_pages(),
        &|| ctx.path_packets(),
        &|| Ok(feeds::run(site)),
    ];
    // Each listing is rendered on its own, in parallel; their files are
    // gathered in this order (later files win, below).
    let (sections, others) = rayon::join(
        || sections.par_iter().map(section_listing).collect::<Vec<_>>(),
        || others.par_iter().map(|listing| listing()).collect::<Vec<_>>(),
    );
    for listed in sections.into_iter().chain(others) {
        match listed {
            Ok(fs) => files.extend(fs),
            Err(d) => errors.push(d),
        }
    }
    for (rel, bytes) in &site.assets {
        files.push(OutputFile { path: rel.clone(), bytes: bytes.clone() });
    }
    // Later files win (site static over theme); keep one of each path, deterministic.
    let mut by_path: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for f in files {
        by_path.insert(f.path, f.bytes);
    }
    for (path, bytes) in by_path {
        if let Err(d) = sink.put(relativized(OutputFile { path, bytes }, relative)) {
            errors.push(d);
        }
    }
    errors
}

/// In a relative site (`base_url = "./"`), HTML and XML files with the root
/// mark replaced by the way up from their own folder.
fn relativized(f: OutputFile, relative: bool) -> OutputFile {
    if relative && (f.path.ends_with(".html") || f.path.ends_with(".xml")) {
        let bytes = relativize(&f.path, &f.bytes);
        OutputFile { path: f.path, bytes }
    } else {
        f
    }
}

/// Replace the root mark with the way from `path`'s folder to the site root.
fn relativize(path: &str, bytes: &[u8]) -> Vec<u8> {
    let depth = path.matches('/').count();
    let prefix = if depth == 0 { "./".to_string() } else { "../".repeat(depth) };
    let mark = crate::config::ROOT_MARK.to_string();
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains(&mark) => text.replace(&mark, &prefix).into_bytes(),
        _ => bytes.to_vec(),
    }
}

fn theme_static(name: &str) -> String {
    crate::theme::STATIC.iter().find(|(n, _)| *n == name).map(|(_, s)| s.to_string()).unwrap_or_default()
}

/// `haven.1a2b3c4d.css`: the name changes when the content does, so caches never serve stale files.
pub fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("{stem}.{:08x}.{ext}", (fnv1a(bytes) & 0xffff_ffff) as u32)
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn dir(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{}/", path.trim_end_matches('/'))
    }
}

/// Escape for XML/HTML text (re-exported for feeds).
pub fn xml_escape(s: &str) -> String {
    escape(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backref_labels() {
        assert_eq!(super::context::backref_label(0), "a");
        assert_eq!(super::context::backref_label(25), "z");
        assert_eq!(super::context::backref_label(26), "aa");
    }
}
