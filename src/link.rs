//! Stage 3, **link**: every fact that involves more than one page.
//!
//! 1. Drop drafts (unless `--drafts`), give every page its slug, section and
//!    URL path; duplicate URLs are errors naming both files.
//! 2. Build the sections, tags, audiences, dated series and reading paths.
//! 3. Resolve internal links (`[[slug#h]]`, `[t](rel.md#h)`) against the
//!    page table and each target's heading ids; record backlinks with context.
//! 4. Resolve citation keys against the bibliography and format every
//!    citation and reference once (see [`crate::cite`]).
//! 5. Link the first mention of each glossary term in every page.
//! 6. Rank related pages through inverted indexes (no all-pairs loop).
//!
//! After `link`: every `LinkRef` and `CiteItem` is resolved or reported, and
//! the page table, taxonomies and Sources index are complete.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::cite::Formatter;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::site::{Backlink, LinkKind, Node, PageId, ReadingPath, Resolved, Section, Site, SortBy};

pub fn run(mut site: Site, diags: &mut Diagnostics) -> Site {
    if !site.config.drafts {
        site.pages.retain(|p| !p.meta.draft);
    }
    for (i, p) in site.pages.iter_mut().enumerate() {
        p.id = i;
    }
    assign_paths(&mut site, diags);
    build_sections(&mut site);
    build_taxonomies(&mut site, diags);
    check_generated_urls(&site, diags);
    resolve_links(&mut site, diags);
    add_page_bibliographies(&mut site, diags);
    // Formatting the citations is most of this stage (on a large site it is
    // split over several drivers, see `cite::Split`). Glossary links and
    // related pages do not read its output, so they are found beside it.
    let formatter = citation_formatter(&site, diags);
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

fn assign_paths(site: &mut Site, diags: &mut Diagnostics) {
    let mut by_path: HashMap<String, PageId> = HashMap::new();
    for page in &mut site.pages {
        let (dir, file) = match page.rel_path.rsplit_once('/') {
            Some((d, f)) => (d.to_string(), f.to_string()),
            None => (String::new(), page.rel_path.clone()),
        };
        let stem = file.trim_end_matches(".md").to_string();
        if page.is_section {
            page.section = dir.clone();
            page.slug = dir.rsplit('/').next().unwrap_or("").to_string();
            page.path = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        } else {
            page.section = dir.clone();
            page.slug = page.meta.slug.clone().unwrap_or_else(|| url_slug(&stem));
            page.path = if dir.is_empty() { format!("{}/", page.slug) } else { format!("{dir}/{}/", page.slug) };
        }
    }
    for i in 0..site.pages.len() {
        let path = site.pages[i].path.clone();
        if let Some(&other) = by_path.get(&path) {
            let (a, b) = (&site.pages[other], &site.pages[i]);
            diags.push(
                Diagnostic::error(format!("two pages have the URL /{path}"))
                    .in_file(&b.file)
                    .help(format!("{} has the same URL; give one of them another `slug`", a.file.display())),
            );
        } else {
            by_path.insert(path, i);
        }
    }
    for page in &site.pages {
        for alias in &page.meta.aliases {
            let a = format!("{}/", alias.trim_matches('/'));
            if by_path.contains_key(&a) {
                let line = page.meta.key_lines.get("aliases").copied().unwrap_or(1);
                diags.push(
                    Diagnostic::error(format!("alias /{a} is the URL of another page"))
                        .in_file(&page.file)
                        .at(&page.source, line_range(&page.source, line))
                        .help("remove the alias or rename the other page"),
                );
            } else {
                site.aliases.push((a, page.id));
            }
        }
    }
    site.aliases.sort();
}

/// A file stem as a URL segment: lower-case, spaces → hyphens.
fn url_slug(stem: &str) -> String {
    stem.trim().to_lowercase().replace([' ', '_'], "-")
}

pub fn line_range(src: &str, line: usize) -> std::ops::Range<usize> {
    let start: usize = src.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let end = src[start..].find('\n').map_or(src.len(), |e| start + e);
    start..end
}

fn build_sections(site: &mut Site) {
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    sections.insert(
        String::new(),
        Section {
            key: String::new(),
            index: None,
            title: site.config.site.title.clone(),
            pages: vec![],
            subsections: vec![],
        },
    );
    for page in &site.pages {
        let key = page.section.clone();
        // Make sure every ancestor section exists.
        let mut k = key.clone();
        loop {
            sections.entry(k.clone()).or_insert_with(|| Section {
                key: k.clone(),
                index: None,
                title: title_case(k.rsplit('/').next().unwrap_or(&k)),
                pages: vec![],
                subsections: vec![],
            });
            match k.rsplit_once('/') {
                Some((parent, _)) => k = parent.to_string(),
                None if !k.is_empty() => k = String::new(),
                None => break,
            }
        }
        let s = sections.get_mut(&key).expect("inserted above");
        if page.is_section {
            s.index = Some(page.id);
            s.title = page.meta.title.clone();
        } else {
            s.pages.push(page.id);
        }
    }
    let keys: Vec<String> = sections.keys().cloned().collect();
    for k in keys.iter().filter(|k| !k.is_empty()) {
        let parent = k.rsplit_once('/').map_or(String::new(), |(p, _)| p.to_string());
        if let Some(p) = sections.get_mut(&parent) {
            p.subsections.push(k.clone());
        }
    }
    for s in sections.values_mut() {
        let sort_by = s.index.map_or(SortBy::Weight, |i| site.pages[i].meta.sort_by);
        let pages = &site.pages;
        s.pages.sort_by(|&a, &b| {
            let (pa, pb) = (&pages[a], &pages[b]);
            match sort_by {
                SortBy::Weight => (pa.meta.weight, &pa.meta.title).cmp(&(pb.meta.weight, &pb.meta.title)),
                SortBy::Title => pa.meta.title.to_lowercase().cmp(&pb.meta.title.to_lowercase()),
                SortBy::Date => (pb.meta.date, &pa.meta.title).cmp(&(pa.meta.date, &pb.meta.title)),
            }
        });
        let pages = &site.pages;
        let weight = |k: &String| sections_weight(pages, k);
        s.subsections.sort_by_key(|k| (weight(k), k.clone()));
    }
    site.sections = sections;
}

/// A page whose URL is one Haven writes a generated page at would be
/// replaced by it without a word (listings are written after pages): the
/// Sources and search pages, the topic and audience indexes and their term
/// pages (when used), and the listing of a folder that has no `_index.md`.
fn check_generated_urls(site: &Site, diags: &mut Diagnostics) {
    let mut generated: BTreeMap<String, String> = BTreeMap::new();
    for (root, terms, what) in [("tags", &site.tags, "topic"), ("audience", &site.audiences, "audience")] {
        if !terms.is_empty() {
            generated.insert(format!("{root}/"), format!("the {what} index"));
            for term in terms.keys() {
                generated.insert(format!("{root}/{term}/"), format!("the {what} page for `{term}`"));
            }
        }
    }
    if site.pages.iter().any(|p| !p.cites.is_empty()) {
        generated.insert("sources/".into(), "the Sources page".into());
    }
    if site.config.site.search.enabled {
        generated.insert("search/".into(), "the search page".into());
    }
    let listed = |key: &str| site.sections.get(key).is_some_and(|s| s.index.is_none());
    for page in site.pages.iter().filter(|p| !p.is_glossary_term()) {
        let key = page.path.trim_end_matches('/');
        let (what, help) = if let Some(what) = generated.get(&page.path) {
            let help = if page.is_section {
                format!("a folder's URL is its name: rename the folder content/{key}/")
            } else {
                "give the page another `slug` in its front matter".to_string()
            };
            (what.clone(), help)
        } else if !page.is_section && !key.is_empty() && listed(key) {
            (
                format!("the listing of content/{key}/"),
                format!("to make this page that folder's index, move it to content/{key}/_index.md; or give it another `slug`"),
            )
        } else {
            continue;
        };
        diags.push(
            Diagnostic::error(format!("page has the URL /{}, where Haven writes {what}", page.path))
                .in_file(&page.file)
                .at(&page.source, url_line(page))
                .help(help),
        );
    }
    // A folder without an _index.md gets a listing, which a generated page
    // at the same URL would replace.
    for s in site.sections.values().filter(|s| s.index.is_none() && !s.key.is_empty()) {
        if let Some(what) = generated.get(&format!("{}/", s.key)) {
            diags.push(
                Diagnostic::error(format!("folder content/{0}/ has the URL /{0}/, where Haven writes {what}", s.key))
                    .in_file(format!("content/{}", s.key))
                    .help(format!("rename the folder content/{}/: its listing would be replaced", s.key)),
            );
        }
    }
    // A file copied from content/ or static/ to a page's own file would
    // replace the page.
    let page_files: HashMap<String, &crate::site::Page> =
        site.pages.iter().filter(|p| !p.is_glossary_term()).map(|p| (format!("{}index.html", p.path), p)).collect();
    for (rel, _) in &site.assets {
        if let Some(page) = page_files.get(rel) {
            diags.push(
                Diagnostic::error(format!(
                    "page has the URL /{}, where the file {rel} of content/ or static/ is copied",
                    page.path
                ))
                .in_file(&page.file)
                .at(&page.source, url_line(page))
                .help(if page.is_section {
                    format!("rename or remove {rel}")
                } else {
                    format!("rename or remove {rel}, or give the page another `slug`")
                }),
            );
        }
    }
}

/// Where a page's URL comes from: its `slug` line, else its `title` line.
fn url_line(page: &crate::site::Page) -> std::ops::Range<usize> {
    let line = page.meta.key_lines.get("slug").or_else(|| page.meta.key_lines.get("title")).copied().unwrap_or(1);
    line_range(&page.source, line)
}

fn sections_weight(pages: &[crate::site::Page], key: &str) -> i64 {
    pages.iter().find(|p| p.is_section && p.section == key).map_or(0, |p| p.meta.weight)
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>().replace('-', " "),
        None => String::new(),
    }
}

fn build_taxonomies(site: &mut Site, diags: &mut Diagnostics) {
    for page in site.pages.iter().filter(|p| !p.is_section && p.section != "glossary") {
        for t in &page.meta.tags {
            site.tags.entry(crate::parse::slugify(t)).or_default().push(page.id);
        }
        for a in &page.meta.audience {
            site.audiences.entry(crate::parse::slugify(a)).or_default().push(page.id);
        }
        if let Some(series) = &page.meta.series {
            if page.meta.date.is_none() {
                let line = page.meta.key_lines.get("series").copied().unwrap_or(1);
                diags.push(
                    Diagnostic::error(format!("page is in series `{series}` but has no `date`"))
                        .in_file(&page.file)
                        .at(&page.source, line_range(&page.source, line))
                        .help("add `date = YYYY-MM-DD`: series are ordered by date"),
                );
            }
            site.series.entry(series.clone()).or_default().push(page.id);
        }
    }
    let pages = &site.pages;
    for list in site.tags.values_mut().chain(site.audiences.values_mut()) {
        list.sort_by(|&a, &b| pages[a].meta.title.to_lowercase().cmp(&pages[b].meta.title.to_lowercase()));
    }
    for list in site.series.values_mut() {
        list.sort_by(|&a, &b| {
            (pages[b].meta.date, &pages[a].meta.title).cmp(&(pages[a].meta.date, &pages[b].meta.title))
        });
    }
    // Reading paths.
    let by_slug = slug_table(&site.pages);
    let mut paths = Vec::new();
    for page in site.pages.iter().filter(|p| p.is_section && !p.meta.reading_path.is_empty()) {
        let mut ids = Vec::new();
        for slug in &page.meta.reading_path {
            match by_slug.get(slug.as_str()).map(Vec::as_slice) {
                Some([id]) => ids.push(*id),
                _ => {
                    let line = page.meta.key_lines.get("reading_path").copied().unwrap_or(1);
                    diags.push(
                        Diagnostic::error(format!("reading path names unknown page `{slug}`"))
                            .in_file(&page.file)
                            .at(&page.source, line_range(&page.source, line))
                            .help_opt(
                                did_you_mean(slug, by_slug.keys().copied()).map(|s| format!("did you mean `{s}`?")),
                            ),
                    )
                }
            }
        }
        let title = if page.meta.reading_path_title.is_empty() {
            page.meta.title.clone()
        } else {
            page.meta.reading_path_title.clone()
        };
        paths.push(ReadingPath { title, section: page.section.clone(), pages: ids });
    }
    for (pi, path) in paths.iter().enumerate() {
        for (step, &id) in path.pages.iter().enumerate() {
            site.pages[id].path_step = Some((pi, step));
        }
    }
    site.reading_paths = paths;
}

fn slug_table(pages: &[crate::site::Page]) -> HashMap<&str, Vec<PageId>> {
    let mut m: HashMap<&str, Vec<PageId>> = HashMap::new();
    for p in pages.iter().filter(|p| !p.is_section) {
        m.entry(p.slug.as_str()).or_default().push(p.id);
    }
    m
}

/// The slug of a page whose slug, or else whose title, is close to `target`
/// (`[[alpah]]` → `a`, titled "Alpha"). Only called for a missing page.
fn similar_page<'a>(
    target: &str,
    pages: &'a [crate::site::Page],
    by_slug: &HashMap<&'a str, Vec<PageId>>,
) -> Option<&'a str> {
    if let Some(slug) = did_you_mean(target, by_slug.keys().copied()) {
        return Some(slug);
    }
    let words = target.replace(['-', '_'], " ");
    let titles: Vec<(String, &str)> =
        pages.iter().filter(|p| !p.is_section).map(|p| (p.meta.title.to_lowercase(), p.slug.as_str())).collect();
    let title = did_you_mean(&words, titles.iter().map(|(t, _)| t.as_str()))?;
    titles.iter().find(|(t, _)| t == title).map(|(_, slug)| *slug)
}

fn resolve_links(site: &mut Site, diags: &mut Diagnostics) {
    let by_slug = slug_table(&site.pages);
    let by_path: HashMap<&str, PageId> = site.pages.iter().map(|p| (p.path.trim_end_matches('/'), p.id)).collect();
    let by_rel: HashMap<&str, PageId> = site.pages.iter().map(|p| (p.rel_path.as_str(), p.id)).collect();
    let mut resolved: Vec<(PageId, usize, Resolved)> = Vec::new();
    let mut found_diags = Vec::new();
    for page in &site.pages {
        for (li, link) in page.links.iter().enumerate() {
            let (target, anchor) = match link.target.split_once('#') {
                Some((t, a)) => (t, Some(a)),
                None => (link.target.as_str(), None),
            };
            let target_id = match link.kind {
                LinkKind::Wiki { .. } if target.is_empty() => Ok(page.id),
                LinkKind::Wiki { .. } => match by_slug.get(target).map(Vec::as_slice) {
                    Some([id]) => Ok(*id),
                    Some(many) => match by_path.get(target.trim_matches('/')) {
                        Some(id) => Ok(*id),
                        None => Err((
                            format!("`[[{target}]]` is ambiguous: {} pages have that slug", many.len()),
                            Some(format!(
                                "write the section too, e.g. [[{}]]",
                                site.pages[many[0]].path.trim_end_matches('/')
                            )),
                        )),
                    },
                    None => match by_path.get(target.trim_matches('/')) {
                        Some(id) => Ok(*id),
                        None => Err((
                            format!("link to a missing page `{target}`"),
                            similar_page(target, &site.pages, &by_slug).map(|s| format!("did you mean `[[{s}]]`?")),
                        )),
                    },
                },
                LinkKind::Markdown => {
                    let base = page.rel_path.rsplit_once('/').map_or("", |(d, _)| d);
                    match normalize_rel(base, target) {
                        None => Err((
                            format!("link `{target}` points outside the content folder"),
                            Some("link to pages inside content/".into()),
                        )),
                        Some(rel) => match by_rel.get(rel.as_str()) {
                            Some(id) => Ok(*id),
                            None => Err((
                                format!("link to a missing file `{target}` (content/{rel})"),
                                did_you_mean(&rel, by_rel.keys().copied()).map(|s| format!("did you mean `{s}`?")),
                            )),
                        },
                    }
                }
            };
            match target_id {
                Ok(id) => {
                    let t = &site.pages[id];
                    let href = match anchor {
                        Some(a) if !a.is_empty() => {
                            if !t.headings.iter().any(|h| h.id == a) && !crate::site::THEME_IDS.contains(&a) {
                                found_diags.push(
                                    Diagnostic::error(format!("`{}` has no heading `#{a}`", t.meta.title))
                                        .in_file(&page.file)
                                        .at(&page.source, link.span.clone())
                                        .help_opt(
                                            did_you_mean(a, t.headings.iter().map(|h| h.id.as_str()))
                                                .map(|s| format!("did you mean `#{s}`?"))
                                                .or_else(|| {
                                                    let ids: Vec<_> =
                                                        t.headings.iter().map(|h| h.id.as_str()).collect();
                                                    (!ids.is_empty())
                                                        .then(|| format!("its headings are: #{}", ids.join(", #")))
                                                }),
                                        ),
                                );
                                continue;
                            }
                            format!("{}#{a}", site.url(&t.path))
                        }
                        _ => site.url(&t.path),
                    };
                    resolved.push((page.id, li, Resolved { page: id, href }));
                }
                Err((msg, help)) => found_diags.push(
                    Diagnostic::error(msg).in_file(&page.file).at(&page.source, link.span.clone()).help_opt(help),
                ),
            }
        }
    }
    diags.extend(found_diags);
    let mut backlinks: Vec<(PageId, Backlink)> = Vec::new();
    for (from, li, r) in resolved {
        if r.page != from {
            backlinks.push((r.page, Backlink { from, context: site.pages[from].links[li].context.clone() }));
        }
        site.pages[from].links[li].resolved = Some(r);
    }
    backlinks.sort();
    for (to, bl) in backlinks {
        let list = &mut site.pages[to].backlinks;
        if !list.iter().any(|b| b.from == bl.from) {
            list.push(bl);
        }
    }
}

/// Resolve `target` relative to the folder `base` (both inside content/);
/// `None` if it climbs out.
fn normalize_rel(base: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> =
        if target.starts_with('/') { vec![] } else { base.split('/').filter(|s| !s.is_empty()).collect() };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Bibliography files named in a page's front matter (relative to the page's
/// folder) join the site's bibliography, so their sources appear on the
/// Sources page too.
fn add_page_bibliographies(site: &mut Site, diags: &mut Diagnostics) {
    let mut sources = std::mem::take(&mut site.sources);
    for page in site.pages.iter().filter(|p| !p.meta.bibliography.is_empty()) {
        let dir = page.rel_path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut names = Vec::new();
        for b in &page.meta.bibliography {
            match normalize_rel(format!("content/{dir}").trim_end_matches('/'), b) {
                Some(rel) => names.push(rel),
                None => diags.push(
                    Diagnostic::error(format!("bibliography path `{b}` leaves the site folder"))
                        .in_file(&page.file)
                        .at(
                            &page.source,
                            line_range(&page.source, page.meta.key_lines.get("bibliography").copied().unwrap_or(1)),
                        )
                        .help("keep bibliography files inside the site folder"),
                ),
            }
        }
        let origin = crate::bib::Origin {
            file: page.file.clone(),
            source: Some(&page.source),
            line: page.meta.key_lines.get("bibliography").copied().unwrap_or(1),
        };
        crate::bib::add_bibliography_files(&site.config, &names, &origin, &mut sources, diags);
    }
    site.sources = sources;
}

/// Check every citation key against the bibliography (each unknown key is
/// an error) and load the citation style. `None` when there is nothing to
/// format or an error was reported; else the formatter and each key's source.
fn citation_formatter(site: &Site, diags: &mut Diagnostics) -> Option<(Formatter, HashMap<String, usize>)> {
    let key_index: HashMap<String, usize> = site.sources.iter().enumerate().map(|(i, s)| (s.key.clone(), i)).collect();
    let any_cites = site.pages.iter().any(|p| !p.cites.is_empty());
    if !any_cites {
        return None;
    }
    let mut ok = true;
    for page in &site.pages {
        for group in &page.cites {
            for item in &group.items {
                if !key_index.contains_key(&item.key) {
                    ok = false;
                    let help = did_you_mean(&item.key, site.sources.iter().map(|s| s.key.as_str()))
                        .map(|k| format!("did you mean `@{k}`?"))
                        .unwrap_or_else(|| {
                            if site.sources.is_empty() {
                                "no bibliography is loaded: add `[citations] bibliography = [\"references.json\"]` to haven.toml".into()
                            } else {
                                "add the source to the bibliography, or write \\@ for a literal @".into()
                            }
                        });
                    diags.push(
                        Diagnostic::error(format!("unknown citation key `{}`", item.key))
                            .in_file(&page.file)
                            .at(&page.source, group.span.clone())
                            .help(help),
                    );
                }
            }
        }
    }
    if !ok {
        return None;
    }
    match Formatter::new(&site.config) {
        Ok(f) => Some((f, key_index)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Every citation group of the site in page order, formatted, and the
/// bibliography entries of the cited sources in the style's order.
fn format_citations(site: &Site, formatter: &Formatter, key_index: &HashMap<String, usize>) -> crate::cite::Formatted {
    let mut groups = Vec::new();
    for page in &site.pages {
        for group in &page.cites {
            let items = group.items.iter().map(|it| (&site.sources[key_index[&it.key]].entry, it)).collect::<Vec<_>>();
            groups.push((items, group.narrative));
        }
    }
    formatter.format(&groups)
}

/// Put the formatted citations into the pages (narrative ones into their
/// sentences) and record which claims cite each source.
fn apply_citations(site: &mut Site, key_index: &HashMap<String, usize>, formatted: crate::cite::Formatted) {
    let mut it = formatted.citations.into_iter();
    let mut cited_by: Vec<(usize, PageId, usize)> = Vec::new();
    for page in &mut site.pages {
        let mut keys: Vec<String> = Vec::new();
        for group in &mut page.cites {
            group.rendered = it.next().unwrap_or_default();
            for item in &group.items {
                if !keys.contains(&item.key) {
                    keys.push(item.key.clone());
                }
                if let Some(claim) = group.claim {
                    cited_by.push((key_index[&item.key], page.id, claim));
                }
            }
        }
        page.cited_keys = keys;
    }
    site.pages.par_iter_mut().for_each(fill_narratives);
    cited_by.sort();
    cited_by.dedup();
    for (si, pid, claim) in cited_by {
        site.sources[si].cited_by.push((pid, claim));
    }
    let mut order = Vec::new();
    for entry in formatted.bibliography {
        if let Some(&i) = key_index.get(&entry.key) {
            site.sources[i].html = entry.html;
            site.sources[i].text = entry.text;
            order.push(i);
        }
    }
    // Each page lists its references in the style's order.
    let rank: HashMap<&str, usize> =
        order.iter().enumerate().map(|(r, &i)| (site.sources[i].key.as_str(), r)).collect();
    let ranks: Vec<Vec<String>> = site
        .pages
        .iter()
        .map(|p| {
            let mut k = p.cited_keys.clone();
            k.sort_by_key(|k| rank.get(k.as_str()).copied().unwrap_or(usize::MAX));
            k
        })
        .collect();
    for (p, k) in site.pages.iter_mut().zip(ranks) {
        p.cited_keys = k;
    }
    site.cited_order = order;
}

/// Narrative citations are part of their sentence: put the formatted names
/// into the page's claims, link contexts and plain text (after its citation
/// groups were formatted; `haven serve` does it again for an edited page).
pub(crate) fn fill_narratives(page: &mut crate::site::Page) {
    let plain: Vec<String> = page.cites.iter().map(|g| html_to_text(&g.rendered)).collect();
    let fill = |t: &str| fill_narrative(t, &plain);
    for c in &mut page.claims {
        c.text = fill(&c.text);
    }
    for l in &mut page.links {
        l.context = fill(&l.context);
    }
    page.text = fill(&page.text);
}

/// Replace narrative-citation markers with their formatted text.
fn fill_narrative(text: &str, rendered: &[String]) -> String {
    use crate::parse::{NARRATIVE_CLOSE, NARRATIVE_OPEN};
    if !text.contains(NARRATIVE_OPEN) {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(NARRATIVE_OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + NARRATIVE_OPEN.len_utf8()..];
        match after.find(NARRATIVE_CLOSE) {
            Some(j) => {
                let idx: usize = after[..j].parse().unwrap_or(usize::MAX);
                out.push_str(rendered.get(idx).map_or("", String::as_str));
                rest = &after[j + NARRATIVE_CLOSE.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Formatted citation HTML (our own, escaped) back to plain text.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// Surface forms of a glossary term: title, synonyms, simple plurals; lower-case.
fn term_forms(title: &str, synonyms: &[String]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for f in std::iter::once(title).chain(synonyms.iter().map(String::as_str)) {
        let f = f.trim().to_lowercase();
        if f.is_empty() {
            continue;
        }
        if f.ends_with('s') || f.ends_with('x') || f.ends_with("ch") || f.ends_with("sh") {
            out.insert(format!("{f}es"));
        } else if let Some(stem) = f.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u'])) {
            out.insert(format!("{stem}ies"));
        } else {
            out.insert(format!("{f}s"));
        }
        out.insert(f);
    }
    // Longest first, so "secure base" wins over "base".
    let mut v: Vec<String> = out.into_iter().collect();
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v
}

/// One page's glossary links (see `Page::glossary_links`).
type GlossaryLinks = Vec<(PageId, usize, std::ops::Range<usize>)>;

/// Every page's glossary links, in page order (`None`: the site has no glossary).
fn glossary_links_all(site: &Site) -> Option<Vec<GlossaryLinks>> {
    let forms = GlossaryForms::new(site)?;
    Some(site.pages.par_iter().map(|page| forms.links(page)).collect())
}

/// The glossary links of one page, as the link stage finds them (`haven
/// serve` recomputes them for an edited page).
pub fn glossary_links(site: &Site, page: &crate::site::Page) -> Vec<(PageId, usize, std::ops::Range<usize>)> {
    GlossaryForms::new(site).map(|f| f.links(page)).unwrap_or_default()
}

/// Every spelling of every glossary term, longest first, indexed for
/// [`GlossaryForms::links`].
struct GlossaryForms {
    forms: Vec<(String, PageId)>,
    /// Prefilter: a whole-word match of a form starts with the form's first
    /// word as a whole word of the text, so forms are indexed by that word
    /// and only the forms whose first word occurs in a text run are searched
    /// (one pass over the run instead of one substring search per form).
    by_first_word: HashMap<String, Vec<usize>>,
    /// Forms that do not start with a word character: always searched.
    always: Vec<usize>,
}

impl GlossaryForms {
    fn new(site: &Site) -> Option<GlossaryForms> {
        let mut forms: Vec<(String, PageId)> = site
            .pages
            .iter()
            .filter(|p| p.is_glossary_term())
            .flat_map(|p| term_forms(&p.meta.title, &p.meta.synonyms).into_iter().map(move |f| (f, p.id)))
            .collect();
        if forms.is_empty() {
            return None;
        }
        forms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut always: Vec<usize> = Vec::new();
        for (fi, (form, _)) in forms.iter().enumerate() {
            match words(form).next() {
                Some(w) if form.starts_with(w) => by_first_word.entry(w.to_string()).or_default().push(fi),
                _ => always.push(fi),
            }
        }
        Some(GlossaryForms { forms, by_first_word, always })
    }

    /// Term page, node index and byte range of the first mention of each
    /// term in `page`'s text runs.
    fn links(&self, page: &crate::site::Page) -> Vec<(PageId, usize, std::ops::Range<usize>)> {
        if page.is_section && page.section == "glossary" {
            return vec![];
        }
        let mut linked: BTreeSet<PageId> = BTreeSet::new();
        linked.insert(page.id); // never inside its own definition
        let mut out = Vec::new();
        for (ni, node) in page.nodes.iter().enumerate() {
            let Node::Text(text) = node else { continue };
            let lower = text.to_lowercase();
            if lower.len() != text.len() {
                continue; // case folding changed byte offsets; skip this run
            }
            let mut taken: Vec<std::ops::Range<usize>> = out
                .iter()
                .filter(|(_, n, _)| *n == ni)
                .map(|(_, _, r): &(PageId, usize, std::ops::Range<usize>)| r.clone())
                .collect();
            let mut candidates: Vec<usize> = self.always.clone();
            for w in words(&lower) {
                if let Some(fs) = self.by_first_word.get(w) {
                    candidates.extend(fs.iter().copied());
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for (form, term) in candidates.into_iter().map(|fi| &self.forms[fi]) {
                if linked.contains(term) {
                    continue;
                }
                if let Some(r) = find_word(&lower, form) {
                    if taken.iter().any(|t| t.start < r.end && r.start < t.end) {
                        continue;
                    }
                    linked.insert(*term);
                    taken.push(r.clone());
                    out.push((*term, ni, r));
                }
            }
        }
        out.sort_by_key(|(_, n, r)| (*n, r.start));
        out
    }
}

/// A character that continues a word for [`find_word`]'s boundary test.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// The maximal runs of word characters in `text`, in order.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

/// First whole-word occurrence of `word` in `text`.
fn find_word(text: &str, word: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before = text[..s].chars().next_back();
        let after = text[e..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !is_word_char(c));
        if boundary(before) && boundary(after) {
            return Some(s..e);
        }
        from = s + word.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Related pages: score = 3 × shared link targets (or a direct link) + 2 ×
/// shared sources + 1 × shared tags. Candidates come from inverted indexes;
/// features shared by more than 200 pages carry no signal and are skipped,
/// which keeps the work linear in the number of pages.
fn related_pages(site: &Site) -> Vec<Vec<PageId>> {
    const CAP: usize = 200;
    let eligible = |p: &crate::site::Page| !p.is_section && p.section != "glossary";
    let mut feats: HashMap<(u8, String), Vec<PageId>> = HashMap::new();
    for p in site.pages.iter().filter(|p| eligible(p)) {
        let mut own: BTreeSet<(u8, String)> = BTreeSet::new();
        for l in &p.links {
            if let Some(r) = &l.resolved {
                own.insert((3, format!("p{}", r.page)));
            }
        }
        own.insert((3, format!("p{}", p.id)));
        for item in p.cites.iter().flat_map(|g| &g.items) {
            own.insert((2, item.key.clone()));
        }
        for t in &p.meta.tags {
            own.insert((1, t.to_lowercase()));
        }
        for f in own {
            feats.entry(f).or_default().push(p.id);
        }
    }
    let mut scores: Vec<HashMap<PageId, u32>> = vec![HashMap::new(); site.pages.len()];
    let mut keys: Vec<&(u8, String)> = feats.keys().collect();
    keys.sort();
    for f in keys {
        let list = &feats[f];
        if list.len() > CAP {
            continue;
        }
        for &a in list {
            for &b in list {
                if a != b {
                    *scores[a].entry(b).or_default() += u32::from(f.0);
                }
            }
        }
    }
    scores
        .into_iter()
        .map(|s| {
            let mut v: Vec<(u32, PageId)> =
                s.into_iter().filter(|(p, _)| eligible(&site.pages[*p])).map(|(p, sc)| (sc, p)).collect();
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            v.into_iter().take(5).map(|(_, p)| p).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_normalise_and_cannot_escape() {
        assert_eq!(normalize_rel("a/b", "../c/d.md").as_deref(), Some("a/c/d.md"));
        assert_eq!(normalize_rel("", "x.md").as_deref(), Some("x.md"));
        assert_eq!(normalize_rel("a", "../../etc/passwd"), None);
    }

    proptest::proptest! {
        #[test]
        fn relative_links_never_escape(base in "([a-z]{1,3}/){0,3}", target in "(\\.\\./|\\./|[a-z]{1,3}/|/){0,6}[a-z]{0,3}(\\.md)?") {
            if let Some(p) = normalize_rel(base.trim_end_matches('/'), &target) {
                proptest::prop_assert!(!p.split('/').any(|s| s == ".." || s == "."));
                proptest::prop_assert!(!p.starts_with('/'));
            }
        }
    }

    #[test]
    fn term_forms_include_plurals_longest_first() {
        let f = term_forms("Secure base", &["safe haven".into()]);
        assert_eq!(f[0], "secure bases");
        assert!(f.contains(&"safe havens".to_string()));
        assert!(term_forms("Therapy", &[]).contains(&"therapies".to_string()));
    }

    #[test]
    fn find_word_respects_boundaries() {
        assert_eq!(find_word("the bond and bonding", "bond"), Some(4..8));
        assert_eq!(find_word("bonding", "bond"), None);
    }
}
