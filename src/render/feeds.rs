//! Machine-readable files: Atom feeds (site-wide and one per series),
//! `sitemap.xml` and `robots.txt`. All text is XML-escaped.

use super::xml_escape as esc;
use crate::site::{Date, PageId, Site};
use crate::write::OutputFile;

pub fn run(site: &Site) -> Vec<OutputFile> {
    let mut out = Vec::new();
    let mut all: Vec<PageId> = site.articles().map(|p| p.id).collect();
    all.sort_by(|&a, &b| (feed_date(site, b), &site.pages[a].path).cmp(&(feed_date(site, a), &site.pages[b].path)));
    all.truncate(50);
    out.push(OutputFile {
        path: "atom.xml".into(),
        bytes: atom(site, &site.config.site.title, "atom.xml", "", &all, None).into_bytes(),
    });
    // A series feed carries each topic's full text, so a supervisor can pass it on.
    let sources: super::html::SourceIndex<'_> =
        site.sources.iter().enumerate().map(|(i, s)| (s.key.as_str(), i)).collect();
    for (name, list) in &site.series {
        let Some(&first) = list.first() else { continue };
        let sec = site.pages[first].section.clone();
        let dir = if sec.is_empty() { String::new() } else { format!("{sec}/") };
        let title = site.sections.get(&sec).map_or(name.clone(), |s| s.title.clone());
        let path = format!("{dir}atom.xml");
        out.push(OutputFile {
            path: path.clone(),
            bytes: atom(site, &format!("{} — {}", site.config.site.title, title), &path, &dir, list, Some(&sources))
                .into_bytes(),
        });
    }
    if let Some(feed) = changes_feed(site) {
        out.push(OutputFile { path: "changes/atom.xml".into(), bytes: feed.into_bytes() });
    }
    out.push(OutputFile { path: "sitemap.xml".into(), bytes: sitemap(site).into_bytes() });
    let robots = if site.config.base_url.is_empty() {
        "User-agent: *\nAllow: /\n".to_string()
    } else {
        format!("User-agent: *\nAllow: /\nSitemap: {}/sitemap.xml\n", site.config.base_url)
    };
    out.push(OutputFile { path: "robots.txt".into(), bytes: robots.into_bytes() });
    out
}

fn feed_date(site: &Site, id: PageId) -> Option<Date> {
    let m = &site.pages[id].meta;
    m.updated.or(m.date).or(m.last_reviewed)
}

fn abs(site: &Site, path: &str) -> String {
    site.absolute_url(path).unwrap_or_else(|| format!("/{path}"))
}

/// An Atom feed of `ids`; with `full_text`, each entry carries the page's
/// body (citations pointing at the Sources page), not only its description.
fn atom(
    site: &Site,
    title: &str,
    self_path: &str,
    home: &str,
    ids: &[PageId],
    full_text: Option<&super::html::SourceIndex<'_>>,
) -> String {
    let updated = ids.iter().filter_map(|&i| feed_date(site, i)).max().unwrap_or(Date { year: 1970, month: 1, day: 1 });
    let mut s =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    s.push_str(&format!("  <title>{}</title>\n", esc(title)));
    s.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", esc(&abs(site, self_path))));
    s.push_str(&format!("  <link rel=\"alternate\" href=\"{}\"/>\n", esc(&abs(site, home))));
    s.push_str(&format!("  <id>{}</id>\n", esc(&abs(site, self_path))));
    s.push_str(&format!("  <updated>{updated}T00:00:00Z</updated>\n"));
    for &i in ids {
        let p = &site.pages[i];
        let d = feed_date(site, i).unwrap_or(updated);
        let author = site.display_name(site.author_of(p));
        s.push_str("  <entry>\n");
        s.push_str(&format!("    <title>{}</title>\n", esc(&p.meta.title)));
        s.push_str(&format!("    <link rel=\"alternate\" href=\"{}\"/>\n", esc(&abs(site, &p.path))));
        s.push_str(&format!("    <id>{}</id>\n", esc(&abs(site, &p.path))));
        if let Some(pd) = p.meta.date {
            s.push_str(&format!("    <published>{pd}T00:00:00Z</published>\n"));
        }
        s.push_str(&format!("    <updated>{d}T00:00:00Z</updated>\n"));
        if !author.is_empty() {
            s.push_str(&format!("    <author><name>{}</name></author>\n", esc(author)));
        }
        s.push_str(&format!("    <summary>{}</summary>\n", esc(&p.meta.description)));
        if let Some(sources) = full_text {
            let body =
                super::html::body(site, p, super::html::Body::of(p), sources, super::html::RefTarget::SourcesPage);
            s.push_str(&format!(
                "    <content type=\"html\" xml:base=\"{}\">{}</content>\n",
                esc(&abs(site, "")),
                esc(&body)
            ));
        }
        s.push_str("  </entry>\n");
    }
    s.push_str("</feed>\n");
    s
}

/// `changes/atom.xml`: one entry per change of any article (the newest 100),
/// so readers and reviewers can follow corrections.
fn changes_feed(site: &Site) -> Option<String> {
    let changes = site.changes();
    let newest = changes.first()?.1.date;
    let mut s =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    s.push_str(&format!("  <title>{} — Recent changes</title>\n", esc(&site.config.site.title)));
    s.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", esc(&abs(site, "changes/atom.xml"))));
    s.push_str(&format!("  <link rel=\"alternate\" href=\"{}\"/>\n", esc(&abs(site, "changes/"))));
    s.push_str(&format!("  <id>{}</id>\n", esc(&abs(site, "changes/atom.xml"))));
    s.push_str(&format!("  <updated>{newest}T00:00:00Z</updated>\n"));
    for (n, (p, c)) in changes.iter().enumerate().take(100) {
        // A page's changes are numbered from its oldest, so an entry keeps its id as others are added.
        let nth = p.meta.changes.len() - p.meta.changes.iter().position(|x| std::ptr::eq(x, *c)).unwrap_or(n);
        s.push_str("  <entry>\n");
        s.push_str(&format!("    <title>{}: {}</title>\n", esc(&p.meta.title), esc(&c.summary)));
        s.push_str(&format!("    <link rel=\"alternate\" href=\"{}\"/>\n", esc(&abs(site, &p.path))));
        s.push_str(&format!("    <id>{}#change-{nth}</id>\n", esc(&abs(site, &p.path))));
        s.push_str(&format!("    <updated>{}T00:00:00Z</updated>\n", c.date));
        s.push_str(&format!("    <summary>{}</summary>\n", esc(&c.summary)));
        s.push_str("  </entry>\n");
    }
    s.push_str("</feed>\n");
    Some(s)
}

fn sitemap(site: &Site) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut pages: Vec<&crate::site::Page> = site.pages.iter().filter(|p| !p.is_glossary_term()).collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    for p in pages {
        s.push_str(&format!("  <url><loc>{}</loc>", esc(&abs(site, &p.path))));
        if let Some(d) = p.meta.updated.or(p.meta.last_reviewed).or(p.meta.date) {
            s.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s
}
