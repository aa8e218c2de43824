//! Every internal link of a built site lands (issue 19, part 1): on the
//! shipped knowledge base and on a fresh `haven new` site, every `href` and
//! `src` into the site names a file that was written, and every `#fragment`
//! names an element id on its target page.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{copy_shipped, tree};

/// `(attribute value, kind)` of every `href="…"` and `src="…"` in `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].replace("&amp;", "&"));
            }
        }
    }
    out
}

/// Every `id="…"` in `html`.
fn ids(html: &str) -> BTreeSet<String> {
    html.split(" id=\"").skip(1).filter_map(|r| r.find('"').map(|e| r[..e].to_string())).collect()
}

/// Problems with the internal links of the site built into `out`, whose
/// pages are served under `base` (a path such as "/" or "/kb/").
fn broken_links(out: &Path, base: &str) -> (usize, Vec<String>) {
    let files: BTreeMap<String, Vec<u8>> =
        tree(out).into_iter().map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), b)).collect();
    let html: BTreeMap<&String, String> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8_lossy(b).into_owned()))
        .collect();
    let ids_of: BTreeMap<&String, BTreeSet<String>> = html.iter().map(|(p, h)| (*p, ids(h))).collect();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (page, text) in &html {
        let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
        for link in links(text) {
            if link.contains("://") || link.starts_with("mailto:") || link.starts_with("data:") || link.is_empty() {
                continue;
            }
            let (path, fragment) = link.split_once('#').map_or((link.as_str(), None), |(p, f)| (p, Some(f)));
            let path = path.split('?').next().unwrap_or("");
            let target = if path.is_empty() {
                (*page).clone()
            } else if let Some(abs) = path.strip_prefix(base) {
                abs.to_string()
            } else if path.starts_with('/') {
                problems.push(format!("{page}: {link} is outside the site's base {base}"));
                continue;
            } else {
                format!("{dir}/{path}").trim_start_matches('/').to_string()
            };
            let target =
                if target.is_empty() || target.ends_with('/') { format!("{target}index.html") } else { target };
            checked += 1;
            if !files.contains_key(&target) {
                problems.push(format!("{page}: {link} → {target} was not written"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                let f = f.replace("%20", " ");
                if !ids_of.get(&target).is_some_and(|ids| ids.contains(&f)) {
                    problems.push(format!("{page}: {link} → no id \"{f}\" on {target}"));
                }
            }
        }
    }
    (checked, problems)
}

#[test]
fn every_internal_link_and_fragment_of_the_shipped_site_lands() {
    let dir = tempfile::tempdir().unwrap();
    copy_shipped(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["build", "--quiet", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (checked, problems) = broken_links(&dir.path().join("public"), "/");
    assert!(checked > 5_000, "only {checked} links checked");
    assert!(problems.is_empty(), "{} of {checked} links do not land:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_internal_link_of_a_new_site_under_a_sub_path_lands() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let haven = || std::process::Command::new(env!("CARGO_BIN_EXE_haven"));
    assert!(haven().arg("new").arg(&site).output().unwrap().status.success());
    let out = haven()
        .args(["build", "--quiet", "--base-url", "https://example.org/kb/", "--root"])
        .arg(&site)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (checked, problems) = broken_links(&site.join("public"), "/kb/");
    assert!(checked > 200, "only {checked} links checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The checker itself finds a broken fragment and a missing page.
    let page = site.join("public/articles/working-alliance/index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{html}<a href=\"#nowhere\">x</a><a href=\"/kb/missing/\">y</a>")).unwrap();
    let (_, problems) = broken_links(&site.join("public"), "/kb/");
    assert_eq!(problems.len(), 2, "{problems:?}");
}
