//! Step 4: citation keys resolved against the bibliography (with the
//! articles' own files), every citation and reference formatted once
//! ([`crate::cite`]), and put into the pages.

use super::*;
use crate::diag::{Edit, LineIndex};

/// Bibliography files named in a page's front matter (relative to the page's
/// folder) join the site's bibliography, so their sources appear on the
/// Sources page too.
pub(super) fn add_page_bibliographies(site: &mut Site, diags: &mut Diagnostics) {
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

/// `d` (a citation in a site with no bibliography) with the lines that
/// load one: a bibliography file found in the site, as an edit of `haven.toml`.
fn no_bibliography(d: Diagnostic, root: &std::path::Path) -> Diagnostic {
    let found = crate::bib::candidates(root);
    let Some(file) = found.first() else {
        return d.help(
            "no bibliography is loaded: export your references as CSL-JSON into the site folder \
             (Zotero: File → Export Library → CSL JSON), then list it in haven.toml under [citations] \
             as `bibliography = [\"references.json\"]`",
        );
    };
    let list = format!("bibliography = [\"{file}\"]");
    let config = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    let lines: Vec<&str> = config.lines().collect();
    let at = |p: &dyn Fn(&str) -> bool| lines.iter().position(|l| p(l.trim())).map(|i| i + 1);
    let (help, edit) = if let Some(line) = at(&|l| l.starts_with("bibliography")) {
        (format!("no bibliography is loaded: in haven.toml, write `{list}`"), Edit::replace_line(&config, line, &list))
    } else if let Some(line) = at(&|l| l == "[citations]") {
        (
            format!("no bibliography is loaded: add `{list}` under `[citations]` in haven.toml"),
            Edit::insert_lines(line + 1, &list),
        )
    } else {
        let table = format!("[citations]\n{list}");
        (
            format!("no bibliography is loaded: add these lines at the end of haven.toml:\n{table}"),
            Edit::insert_lines(lines.len() + 1, &table),
        )
    };
    d.help(help).fix(edit.in_file(crate::config::CONFIG_FILE))
}

/// Every `superseded-by` names an entry of the bibliography.
fn superseded_keys_exist(site: &Site, key_index: &HashMap<String, usize>, diags: &mut Diagnostics) {
    for s in &site.sources {
        let Some(new) = &s.evidence.superseded_by else { continue };
        if key_index.contains_key(new) {
            continue;
        }
        let text = std::fs::read_to_string(site.config.root.join(&s.file)).unwrap_or_default();
        let meant = did_you_mean(new, site.sources.iter().map(|s| s.key.as_str()));
        let mut d =
            Diagnostic::error(format!("`{}` is superseded by `{new}`, which is not in the bibliography", s.key))
                .in_file(&s.file);
        if !text.is_empty() {
            d = d.at(&text, line_range(&text, s.evidence.superseded_line));
        }
        diags.push(match meant {
            Some(k) => d.help(format!("did you mean `{k}`?")),
            None => d.help("add the newer source to the bibliography, or remove `superseded-by`"),
        });
    }
}

/// Check every citation key against the bibliography (each unknown key is
/// an error) and load the citation style. `None` when there is nothing to
/// format or an error was reported; else the formatter and each key's source.
///
/// `style` is the formatter already made from the site's config, if it was.
pub(super) fn citation_formatter(
    site: &Site,
    diags: &mut Diagnostics,
    style: Option<Result<Formatter, Diagnostic>>,
) -> Option<(Formatter, HashMap<String, usize>)> {
    let key_index: HashMap<String, usize> = site.sources.iter().enumerate().map(|(i, s)| (s.key.clone(), i)).collect();
    let any_cites = site.pages.iter().any(|p| !p.cites.is_empty());
    if !any_cites {
        return None;
    }
    let mut ok = true;
    superseded_keys_exist(site, &key_index, diags);
    for page in &site.pages {
        // Made at the first error: many errors in one page share it.
        let index = std::cell::OnceCell::new();
        for group in &page.cites {
            // Each unknown key is shown at its own `@key` in the group.
            for (item, found) in group.items.iter().zip(group.key_spans(&page.source)) {
                let span = found.unwrap_or_else(|| group.span.clone());
                if let Some(s) = key_index.get(&item.key).map(|&i| &site.sources[i]).filter(|s| s.evidence.retracted) {
                    // A retracted source is no evidence: never published as support.
                    diags.push(
                        Diagnostic::error(format!("`{}` is retracted", item.key))
                            .in_file(&page.file)
                            .at_indexed(index.get_or_init(|| LineIndex::new(&page.source)), &page.source, span.clone())
                            .help(format!(
                                "remove this citation and rework the claim it supports (the entry at {}:{} is marked \
                                 retracted)",
                                s.file.display(),
                                s.line
                            )),
                    );
                }
                if !key_index.contains_key(&item.key) {
                    ok = false;
                    let meant = did_you_mean(&item.key, site.sources.iter().map(|s| s.key.as_str()));
                    let mut d = Diagnostic::error(format!("unknown citation key `{}`", item.key))
                        .in_file(&page.file)
                        .at_indexed(index.get_or_init(|| LineIndex::new(&page.source)), &page.source, span.clone());
                    d = match meant {
                        Some(k) if span.len() == item.key.len() + 1 => d
                            .help(format!("did you mean `@{k}`?"))
                            .fix(Edit::replace_span(&page.source, span, format!("@{k}"))),
                        Some(k) => d.help(format!("did you mean `@{k}`?")),
                        None if site.sources.is_empty() => no_bibliography(d, &site.config.root),
                        None => d.help("add the source to the bibliography, or write \\@ for a literal @"),
                    };
                    diags.push(d);
                }
            }
        }
    }
    if !ok {
        return None;
    }
    match style.unwrap_or_else(|| Formatter::new(&site.config)) {
        Ok(f) => Some((f, key_index)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Every citation group of the site in page order, formatted, and the
/// bibliography entries of the cited sources in the style's order.
pub(super) fn format_citations(
    site: &Site,
    formatter: &Formatter,
    key_index: &HashMap<String, usize>,
) -> crate::cite::Formatted {
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
pub(super) fn apply_citations(site: &mut Site, key_index: &HashMap<String, usize>, formatted: crate::cite::Formatted) {
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
pub(super) fn fill_narrative(text: &str, rendered: &[String]) -> String {
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
