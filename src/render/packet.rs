//! "Print this path": a reading path's steps as one page to print — each
//! step from a new sheet, with its key points and review dates, and one
//! References list at the end — at `<section>/print/`.

use super::*;

/// The site-relative URL of the packet of the reading path of `section`.
pub fn packet_path(section: &str) -> String {
    format!("{}print/", dir(section))
}

impl Ctx<'_> {
    /// A packet for every reading path.
    pub(super) fn path_packets(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        let mut out = Vec::new();
        for rp in &site.reading_paths {
            let mut keys: Vec<&str> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let steps: Vec<serde_json::Value> = rp
                .pages
                .iter()
                .enumerate()
                .map(|(n, &id)| {
                    let p = &site.pages[id];
                    for k in &p.cited_keys {
                        if seen.insert(k.as_str()) {
                            keys.push(k);
                        }
                    }
                    let body = html::body(site, p, html::Body::of(p), &self.source_index, html::RefTarget::OnPage);
                    serde_json::json!({
                        "title": p.meta.title,
                        "url": site.url(&p.path),
                        "key_points": p.meta.key_points,
                        "body": prefix_ids(&body, &format!("s{}-", n + 1)),
                        "last_reviewed_human": p.meta.last_reviewed.map(|d| d.human()),
                        "reviewed_by": site.display_name(site.reviewer_of(p)),
                    })
                })
                .collect();
            let references: Vec<serde_json::Value> = keys
                .iter()
                .filter_map(|k| self.source_index.get(k).map(|&i| &site.sources[i]))
                .map(|s| serde_json::json!({ "key": s.key, "html": s.html, "evidence": html::evidence_badge(s) }))
                .collect();
            let path = packet_path(&rp.section);
            let url = site.absolute_url(&path);
            let section = site.sections.get(&rp.section).map(|s| (s.title.clone(), site.url(&dir(&s.key))));
            let packet = serde_json::json!({
                "title": rp.title,
                "section_title": section.as_ref().map(|s| &s.0),
                "section_url": section.as_ref().map(|s| &s.1),
                "steps": steps,
                "references": references,
                "print_url": url,
                "print_qr": url.as_deref().and_then(qr::svg),
            });
            let html = self.render("packet.html", &format!("{} (to print)", rp.title), &rp.section, None, |c| {
                c.insert("packet", &packet)
            })?;
            out.push(OutputFile { path: format!("{path}index.html"), bytes: html.into_bytes() });
        }
        Ok(out)
    }
}

/// `html` with every id (and every same-page link and ARIA reference to one)
/// given `prefix`, so several pages' bodies can share one document; links
/// to references (`#ref-…`) keep pointing at the packet's one list.
///
/// One pass over `html` for all five attributes (it looked for each of them
/// again after every match: most of a packet's cost).
fn prefix_ids(html: &str, prefix: &str) -> String {
    static ATTRS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        let attrs = [" id=\"", "href=\"#", "aria-describedby=\"", "aria-controls=\"", "aria-labelledby=\""];
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(attrs)
            .expect("five literal patterns")
    });
    let mut out = String::with_capacity(html.len() + html.len() / 20);
    let mut done = 0;
    for m in ATTRS.find_iter(html) {
        out.push_str(&html[done..m.end()]);
        done = m.end();
        if !html[done..].starts_with("ref-") {
            out.push_str(prefix);
        }
    }
    out.push_str(&html[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_their_references_are_prefixed_but_not_links_to_references() {
        let html = r##"<h2 id="a">A</h2><a href="#a">x</a><a class="cite" id="cite-1" href="#ref-k">(K)</a><a href="/b/#c">y</a><span aria-describedby="tip-1"></span>"##;
        assert_eq!(
            prefix_ids(html, "s2-"),
            r##"<h2 id="s2-a">A</h2><a href="#s2-a">x</a><a class="cite" id="s2-cite-1" href="#ref-k">(K)</a><a href="/b/#c">y</a><span aria-describedby="s2-tip-1"></span>"##
        );
    }

    /// The search for each attribute after every match, as `prefix_ids` was.
    fn one_attribute_at_a_time(html: &str, prefix: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        let attrs = [" id=\"", "href=\"#", "aria-describedby=\"", "aria-controls=\"", "aria-labelledby=\""];
        while let Some((at, attr)) = attrs.iter().filter_map(|a| rest.find(a).map(|i| (i, *a))).min_by_key(|(i, _)| *i)
        {
            let end = at + attr.len();
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            if !rest.starts_with("ref-") {
                out.push_str(prefix);
            }
        }
        out.push_str(rest);
        out
    }

    proptest::proptest! {
        /// One pass finds what a search per attribute found, on text made of
        /// the attributes, pieces of them, `ref-` and other characters.
        #[test]
        fn one_pass_prefixes_as_a_search_per_attribute(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                " id=\"", "href=\"#", "aria-describedby=\"", "aria-controls=\"", "aria-labelledby=\"",
                "ref-", "id=\"", " ", "\"", "#", "href=\"", "aria-", "a", "é", "<p>", "x\"", "=",
            ]), 0..40),
        ) {
            let html = parts.concat();
            proptest::prop_assert_eq!(prefix_ids(&html, "s3-"), one_attribute_at_a_time(&html, "s3-"));
        }
    }
}
