//! Steps 1 and 2: drafts dropped; slugs, sections and URL paths (clashes are
//! errors); sections, taxonomies, series and reading paths; URLs Haven
//! generates that a page or a copied file would take.

use super::*;

pub(super) fn assign_paths(site: &mut Site, diags: &mut Diagnostics) {
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
            page.slug = page.meta.slug.clone().unwrap_or_else(|| crate::site::file_slug(&stem));
            page.path = if dir.is_empty() { format!("{}/", page.slug) } else { format!("{dir}/{}/", page.slug) };
        }
    }
    // URLs that differ only by case or Unicode normalisation are one file
    // on macOS and Windows, and some characters cannot stand in a URL as written.
    let mut folded: HashMap<String, PageId> = HashMap::new();
    for (i, page) in site.pages.iter().enumerate() {
        if let Some(c) = page.rel_path.chars().find(|c| matches!(c, '?' | '#' | '%') || c.is_control()) {
            diags.push(
                Diagnostic::error(format!(
                    "the file name has `{}`, which a URL cannot hold as written",
                    c.escape_default()
                ))
                .in_file(&page.file)
                .help("rename the file with letters, digits and `-` (or give the page a `slug`)"),
            );
        }
        use unicode_normalization::UnicodeNormalization as _;
        let key: String = page.path.nfc().collect::<String>().to_lowercase();
        match folded.get(&key) {
            Some(&other) if site.pages[other].path != page.path => diags.push(
                Diagnostic::error(format!(
                    "/{} and /{} differ only by case or accents' encoding: one file on macOS and Windows",
                    site.pages[other].path, page.path
                ))
                .in_file(&page.file)
                .help(format!("rename this file or {}", site.pages[other].file.display())),
            ),
            _ => {
                folded.insert(key, i);
            }
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
    let mut taken: HashMap<String, PageId> = HashMap::new();
    for page in &site.pages {
        for alias in &page.meta.aliases {
            let a = format!("{}/", alias.trim_matches('/'));
            let problem = if let Some(why) = unusable_alias(alias) {
                Some((
                    format!("alias `{alias}` cannot be a redirect: {why}"),
                    "write the old address as a path, e.g. `/old/page/`".to_string(),
                ))
            } else if by_path.contains_key(&a) {
                Some((
                    format!("alias /{a} is the URL of another page"),
                    "remove the alias or rename the other page".into(),
                ))
            } else if let Some(&other) = taken.get(&a) {
                Some((
                    format!("alias /{a} is also an alias of {}", site.pages[other].file.display()),
                    "keep the alias on one page only".into(),
                ))
            } else {
                None
            };
            match problem {
                Some((message, help)) => diags.push(
                    Diagnostic::error(message).in_file(&page.file).at(&page.source, alias_span(page, alias)).help(help),
                ),
                None => {
                    taken.insert(a.clone(), page.id);
                    site.aliases.push((a, page.id));
                }
            }
        }
    }
    site.aliases.sort();
}

/// Why `alias` cannot be a redirect's path, if it cannot: the site root, a
/// path with `.` or `..` parts, a backslash, or an absurd length.
fn unusable_alias(alias: &str) -> Option<&'static str> {
    let trimmed = alias.trim_matches('/');
    if trimmed.is_empty() {
        Some("it is the home page")
    } else if alias.len() > 200 {
        Some("it is longer than 200 characters")
    } else if trimmed.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        Some("it has an empty, `.` or `..` part")
    } else if alias.contains(['\\', '?', '#', '%']) || alias.chars().any(char::is_control) {
        Some("it has a character a URL path cannot hold as written (`\\ ? # %` or a control character)")
    } else {
        None
    }
}

/// Where `alias` is written in `page`'s front matter (else the `aliases` line).
fn alias_span(page: &crate::site::Page, alias: &str) -> std::ops::Range<usize> {
    let fm_end = page.body_offset.min(page.source.len());
    match page.source[..fm_end].find(&format!("\"{alias}\"")).or_else(|| page.source[..fm_end].find(alias)) {
        Some(at) if !alias.is_empty() => at..at + alias.len() + 2 * usize::from(page.source[at..].starts_with('"')),
        _ => line_range(&page.source, page.meta.key_lines.get("aliases").copied().unwrap_or(1)),
    }
}

pub(super) fn build_sections(site: &mut Site) {
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
pub(super) fn check_generated_urls(site: &Site, diags: &mut Diagnostics) {
    let mut generated: BTreeMap<String, String> = BTreeMap::new();
    for tax in crate::site::Taxonomy::ALL {
        let what = if tax == crate::site::Taxonomy::Tags { "topic" } else { "audience" };
        let terms = tax.terms(site);
        if !terms.is_empty() {
            generated.insert(tax.index_path(), format!("the {what} index"));
            for term in terms.keys() {
                generated.insert(tax.term_path(term), format!("the {what} page for `{term}`"));
            }
        }
    }
    if site.pages.iter().any(|p| !p.cites.is_empty()) {
        generated.insert("sources/".into(), "the Sources page".into());
    }
    if site.config.site.search.enabled {
        generated.insert("search/".into(), "the search page".into());
    }
    for rp in &site.reading_paths {
        let dir = if rp.section.is_empty() { String::new() } else { format!("{}/", rp.section) };
        generated.insert(format!("{dir}print/"), format!("the printable reading path `{}`", rp.title));
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
    // An alias's redirect is written at its path: it may not replace a
    // generated page, a folder's listing, or a file Haven writes at the root.
    for (alias, id) in &site.aliases {
        let key = alias.trim_end_matches('/');
        let first = key.split('/').next().unwrap_or("");
        let what = generated
            .get(alias)
            .cloned()
            .or_else(|| listed(key).then(|| format!("the listing of content/{key}/")))
            .or_else(|| {
                ["sitemap.xml", "atom.xml", "robots.txt", "404.html", "favicon.svg"]
                    .contains(&first)
                    .then(|| format!("the file /{first}"))
            });
        if let Some(what) = what {
            let page = &site.pages[*id];
            diags.push(
                Diagnostic::error(format!("alias /{alias} would replace {what}"))
                    .in_file(&page.file)
                    .at(&page.source, alias_span(page, key))
                    .help("remove the alias, or choose a path Haven does not write"),
            );
        }
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
pub(super) fn url_line(page: &crate::site::Page) -> std::ops::Range<usize> {
    let line = page.meta.key_lines.get("slug").or_else(|| page.meta.key_lines.get("title")).copied().unwrap_or(1);
    line_range(&page.source, line)
}

pub(super) fn sections_weight(pages: &[crate::site::Page], key: &str) -> i64 {
    pages.iter().find(|p| p.is_section && p.section == key).map_or(0, |p| p.meta.weight)
}

pub(super) fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>().replace('-', " "),
        None => String::new(),
    }
}

pub(super) fn build_taxonomies(site: &mut Site, diags: &mut Diagnostics) {
    for page in site.pages.iter().filter(|p| !p.is_section && p.section != "glossary") {
        for t in &page.meta.tags {
            site.tags.entry(crate::site::slugify(t)).or_default().push(page.id);
        }
        for a in &page.meta.audience {
            site.audiences.entry(crate::site::slugify(a)).or_default().push(page.id);
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
