//! Step 3: internal links and their anchors, resolved against the page table
//! and each target's headings; backlinks with their context.

use super::*;
use crate::diag::{Edit, LineIndex};

pub(super) fn slug_table(pages: &[crate::site::Page]) -> HashMap<&str, Vec<PageId>> {
    let mut m: HashMap<&str, Vec<PageId>> = HashMap::new();
    for p in pages.iter().filter(|p| !p.is_section) {
        m.entry(p.slug.as_str()).or_default().push(p.id);
    }
    m
}

/// The slug of a page whose slug, or else whose title, is close to `target`
/// (`[[alpah]]` → `a`, titled "Alpha"). Only called for a missing page.
pub(super) fn similar_page<'a>(
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

pub(super) fn resolve_links(site: &mut Site, diags: &mut Diagnostics) {
    let by_slug = slug_table(&site.pages);
    let by_path: HashMap<&str, PageId> = site.pages.iter().map(|p| (p.path.trim_end_matches('/'), p.id)).collect();
    let by_rel: HashMap<&str, PageId> = site.pages.iter().map(|p| (p.rel_path.as_str(), p.id)).collect();
    let mut resolved: Vec<(PageId, usize, Resolved)> = Vec::new();
    let mut found_diags = Vec::new();
    for page in &site.pages {
        // Made at the first error: many errors in one page share it.
        let index = std::cell::OnceCell::new();
        for (li, link) in page.links.iter().enumerate() {
            let (target, anchor) = match link.target.split_once('#') {
                Some((t, a)) => (t, Some(a)),
                None => (link.target.as_str(), None),
            };
            // (as written, replacement) inside the link, for the fix.
            let mut fix: Option<(String, String)> = None;
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
                        None => {
                            let meant = similar_page(target, &site.pages, &by_slug);
                            fix = meant.map(|s| (target.to_string(), s.to_string()));
                            Err((
                                format!("link to a missing page `{target}`"),
                                meant.map(|s| format!("did you mean `[[{s}]]`?")),
                            ))
                        }
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
                            None => {
                                // Suggested as the author writes it: relative to the linking file.
                                let meant = did_you_mean(&rel, by_rel.keys().copied()).map(|s| {
                                    let written =
                                        if target.starts_with('/') { format!("/{s}") } else { relative_path(base, s) };
                                    (target.to_string(), written)
                                });
                                fix = meant.clone();
                                Err((
                                    format!("link to a missing file `{target}` (content/{rel})"),
                                    meant.map(|(_, s)| format!("did you mean `{s}`?")),
                                ))
                            }
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
                                        .at_indexed(
                                            index.get_or_init(|| LineIndex::new(&page.source)),
                                            &page.source,
                                            link.span.clone(),
                                        )
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
                Err((msg, help)) => {
                    let mut d = Diagnostic::error(msg)
                        .in_file(&page.file)
                        .at_indexed(index.get_or_init(|| LineIndex::new(&page.source)), &page.source, link.span.clone())
                        .help_opt(help);
                    let written = page.source.get(link.span.clone()).unwrap_or("");
                    // A wikilink's target comes first, a markdown link's last.
                    let find = |f: &(String, String)| match link.kind {
                        LinkKind::Wiki { .. } => written.find(f.0.as_str()),
                        LinkKind::Markdown => written.rfind(f.0.as_str()),
                    };
                    if let Some((at, (old, new))) = fix.as_ref().and_then(|f| Some((find(f)?, f))) {
                        let start = link.span.start + at;
                        d = d.fix(Edit::replace_span(&page.source, start..start + old.len(), new.clone()));
                    }
                    found_diags.push(d);
                }
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

/// `to` written relative to the folder `from` (both inside the same tree,
/// `/`-separated): `a/x.md` from `a` is `x.md`, from `b` `../a/x.md`; a
/// folder `to` (ending in `/`) keeps its slash, and the folder itself is `./`.
/// Links to `.md` files and relative URLs between pages are made with it.
pub(super) fn relative_path(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    // A file's own name is never a shared folder.
    let folders = if to.ends_with('/') { to_parts.len() } else { to_parts.len().saturating_sub(1) };
    let common = from.iter().zip(&to_parts).take_while(|(a, b)| a == b).count().min(folders);
    let mut out = "../".repeat(from.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    if to.ends_with('/') && !out.is_empty() && !out.ends_with('/') {
        out.push('/');
    }
    if out.is_empty() {
        "./".into()
    } else {
        out
    }
}

/// Resolve `target` relative to the folder `base` (both inside content/);
/// `None` if it climbs out.
pub(super) fn normalize_rel(base: &str, target: &str) -> Option<String> {
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
