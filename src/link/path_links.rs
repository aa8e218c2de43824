//! Step 3b: links written as site paths (`/tags/x/`, `../other/#h`,
//! `#heading`, the base URL's own pages) must land on a page or file the
//! build writes, and a fragment on an id that page has.

use std::collections::HashSet;

use super::*;
use crate::diag::{Edit, LineIndex};
use crate::site::{Page, Taxonomy};

/// What a site path is.
enum Target<'a> {
    Page(&'a Page),
    /// The glossary's index: its terms are ids on it.
    Glossary(&'a Page),
    Sources,
    /// A generated page or a file: only the theme's ids are known.
    Other,
}

/// Ids the theme makes on every page of the kind, by prefix, with the
/// keys they are made of checked where the link stage knows them.
const GENERATED_ID_PREFIXES: &[&str] = &["cite-", "term-tip-", "letter-", "year-", "featured-", "fn-", "fnref-"];

pub(super) fn check_path_links(site: &Site, diags: &mut Diagnostics) {
    let mut known: HashMap<String, Target<'_>> = HashMap::new();
    for page in site.pages.iter().filter(|p| !p.is_glossary_term()) {
        let target =
            if page.is_section && page.section == "glossary" { Target::Glossary(page) } else { Target::Page(page) };
        known.insert(page.path.clone(), target);
    }
    for key in site.sections.keys() {
        known.entry(format!("{key}/")).or_insert(Target::Other);
        known.insert(
            format!("{}atom.xml", if key.is_empty() { String::new() } else { format!("{key}/") }),
            Target::Other,
        );
    }
    for tax in Taxonomy::ALL {
        let terms = tax.terms(site);
        if !terms.is_empty() {
            known.insert(tax.index_path(), Target::Other);
            for term in terms.keys() {
                known.insert(tax.term_path(term), Target::Other);
            }
        }
    }
    if site.pages.iter().any(|p| !p.cites.is_empty()) {
        known.insert("sources/".into(), Target::Sources);
    }
    if site.config.site.search.enabled {
        known.insert("search/".into(), Target::Other);
    }
    for (alias, _) in &site.aliases {
        known.entry(alias.clone()).or_insert(Target::Other);
    }
    for file in ["sitemap.xml", "robots.txt", "404.html", "favicon.svg"] {
        known.insert(file.into(), Target::Other);
    }
    for (name, _) in crate::theme::STATIC {
        known.insert((*name).into(), Target::Other);
    }
    for (rel, _) in &site.assets {
        known.entry(rel.clone()).or_insert(Target::Other);
    }
    let keys: HashSet<&str> = site.sources.iter().map(|s| s.key.as_str()).collect();
    let paths: Vec<&str> = known.keys().map(String::as_str).collect();
    for page in &site.pages {
        let index = std::cell::OnceCell::new();
        for (dest, span) in &page.path_links {
            let Some(problem) = check_one(site, page, dest, &known, &keys, &paths) else { continue };
            let mut d = Diagnostic::error(problem.message)
                .in_file(&page.file)
                .at_indexed(index.get_or_init(|| LineIndex::new(&page.source)), &page.source, span.clone())
                .help_opt(problem.help);
            // The destination as written, inside the link's span: replaced literally.
            if let (Some(fixed), Some(at)) = (problem.fixed, page.source[span.clone()].rfind(dest.as_str())) {
                let start = span.start + at;
                d = d.fix(Edit::replace_span(&page.source, start..start + dest.len(), fixed));
            }
            diags.push(d);
        }
    }
}

struct Problem {
    message: String,
    help: Option<String>,
    /// The destination that would work, written as the author wrote theirs.
    fixed: Option<String>,
}

fn check_one(
    site: &Site,
    page: &Page,
    dest: &str,
    known: &HashMap<String, Target<'_>>,
    keys: &HashSet<&str>,
    paths: &[&str],
) -> Option<Problem> {
    let (rest, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let rest = rest.split('?').next().unwrap_or("");
    let config = &site.config;
    // Where the link is written from, and how it names the target.
    enum Form {
        Absolute(String),
        Relative,
        SamePage,
    }
    let (path, form) = if rest.is_empty() {
        (page.path.clone(), Form::SamePage)
    } else if rest.contains("://") {
        let base = config.base_url.trim_end_matches('/');
        if base.is_empty() || !(rest == base || rest.starts_with(&format!("{base}/"))) {
            return None; // another site's page
        }
        (rest[base.len()..].trim_start_matches('/').to_string(), Form::Absolute(format!("{base}/")))
    } else if let Some(abs) = rest.strip_prefix('/') {
        if config.relative {
            return None; // a relative site has no fixed root to check against
        }
        let base_path = config.base_path.trim_start_matches('/');
        match abs.strip_prefix(base_path) {
            Some(inside) => (inside.to_string(), Form::Absolute(config.base_path.clone())),
            None => {
                let fixed =
                    format!("{}{abs}{}", config.base_path, fragment.map(|f| format!("#{f}")).unwrap_or_default());
                return Some(Problem {
                    message: format!("link `{dest}` is outside the site's base path `{}`", config.base_path),
                    help: Some(format!("the site is served under {}: write `{fixed}`", config.base_path)),
                    fixed: Some(fixed),
                });
            }
        }
    } else {
        (resolve(&page.path, rest)?, Form::Relative)
    };
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy().into_owned();
    let found = [decoded.clone(), format!("{decoded}/"), decoded.trim_end_matches("index.html").to_string()]
        .into_iter()
        .find_map(|p| known.get(&p));
    let Some(target) = found else {
        let meant = did_you_mean(&decoded, paths.iter().copied());
        let fixed = meant.map(|m| {
            let written = match &form {
                Form::Absolute(prefix) => format!("{prefix}{m}"),
                Form::Relative | Form::SamePage => super::links::relative_path(&page.path, m),
            };
            format!("{written}{}", fragment.map(|f| format!("#{f}")).unwrap_or_default())
        });
        return Some(Problem {
            message: if rest == format!("/{decoded}") {
                format!("link to a missing page `{dest}`")
            } else {
                format!("link to a missing page `{dest}` (/{decoded})")
            },
            help: fixed
                .as_ref()
                .map(|f| format!("did you mean `{f}`?"))
                .or_else(|| Some("link to a page of this site, or to another site with `https://`".into())),
            fixed,
        });
    };
    let fragment = fragment.filter(|f| !f.is_empty())?;
    let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned();
    if crate::site::THEME_IDS.contains(&fragment.as_str())
        || GENERATED_ID_PREFIXES.iter().any(|p| fragment.starts_with(p))
    {
        return None;
    }
    let ids: Vec<&str> = match target {
        Target::Page(p) => p.headings.iter().map(|h| h.id.as_str()).collect(),
        Target::Glossary(p) => {
            let terms = site.pages.iter().filter(|t| t.is_glossary_term()).map(|t| t.slug.as_str());
            p.headings.iter().map(|h| h.id.as_str()).chain(terms).collect()
        }
        Target::Sources => {
            if fragment.strip_prefix("source-").is_some_and(|k| keys.contains(k)) {
                return None;
            }
            site.cited_order.iter().filter_map(|&i| site.sources.get(i)).map(|s| s.key.as_str()).collect()
        }
        Target::Other => return None,
    };
    if matches!(target, Target::Page(_) | Target::Glossary(_))
        && (ids.contains(&fragment.as_str()) || fragment.strip_prefix("ref-").is_some_and(|k| keys.contains(k)))
    {
        return None;
    }
    let (title, meant) = match target {
        Target::Page(p) | Target::Glossary(p) => (p.meta.title.as_str(), did_you_mean(&fragment, ids.iter().copied())),
        _ => ("Sources", did_you_mean(&fragment, ids.iter().copied())),
    };
    let meant = meant.map(|m| if matches!(target, Target::Sources) { format!("source-{m}") } else { m.to_string() });
    let fixed = meant.as_ref().map(|m| format!("{}#{m}", dest.split('#').next().unwrap_or("")));
    Some(Problem {
        message: format!("`{title}` has no heading or anchor `#{fragment}`"),
        help: fixed.as_ref().map(|f| format!("did you mean `{f}`?")).or_else(|| {
            (!ids.is_empty())
                .then(|| format!("its anchors are: #{}", ids.iter().take(20).copied().collect::<Vec<_>>().join(", #")))
        }),
        fixed,
    })
}

/// `target` (a relative URL) resolved from the page at site path `from`
/// (`articles/x/`) as a browser does: `None` if it climbs above the site.
fn resolve(from: &str, target: &str) -> Option<String> {
    let trailing =
        target.ends_with('/') || target.ends_with("/.") || target.ends_with("/..") || target == "." || target == "..";
    let mut out = super::links::normalize_rel(from, target)?;
    if trailing && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_and_are_made_as_a_browser_reads_them() {
        assert_eq!(resolve("articles/x/", "../y/").as_deref(), Some("articles/y/"));
        assert_eq!(resolve("articles/x/", "../../tags/a/").as_deref(), Some("tags/a/"));
        assert_eq!(resolve("articles/x/", "../../../up/"), None);
        assert_eq!(resolve("", "img/a.png").as_deref(), Some("img/a.png"));
        for (from, to) in [("articles/x/", "articles/y/"), ("articles/x/", "tags/a/"), ("", "sources/"), ("a/b/", "a/")]
        {
            let rel = super::links::relative_path(from, to);
            assert_eq!(resolve(from, &rel).as_deref(), Some(to), "{from} → {to} via {rel}");
        }
        // Files (the .md links' suggestions): the name is never a shared folder.
        assert_eq!(super::super::links::relative_path("articles", "articles/x.md"), "x.md");
        assert_eq!(super::super::links::relative_path("b", "articles/x.md"), "../articles/x.md");
        assert_eq!(super::super::links::relative_path("", "x.md"), "x.md");
        assert_eq!(super::super::links::relative_path("a/b/", "a/b/"), "./");
    }
}
