//! The search documents: every page split at its headings, built from the
//! parsed model (`Page::nodes` / `Page::headings`), never from rendered HTML.
//!
//! A page's first section (before any heading) carries its description and
//! is the document that the page's title and tags are indexed on, so a title
//! match lands on the top of the page and a heading match on its section.
//! Glossary terms are one section each, anchored at their entry on the
//! glossary page.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::site::{LinkKind, Node, Page, Site};

/// One searchable page (article, section index or glossary term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub title: String,
    /// Site-relative URL path (`attachment/secure/`; `""` is the home page).
    pub path: String,
    pub tags: Vec<String>,
    pub audience: Vec<String>,
    /// Extra words indexed like the title: glossary synonyms, an article's
    /// `keywords` (the words readers use for it, not shown).
    pub synonyms: Vec<String>,
    /// The page's key points (front matter), searched with its first
    /// section's body (which starts with the description), never shown.
    pub key_points: String,
    /// A listing (the home page, a section's index): it ranks below the
    /// articles that hold the same words ([`crate::index::inverted::LISTING_WEIGHT`]).
    pub listing: bool,
    /// In page order; the first is the page's top (heading `""`).
    pub sections: Vec<SearchSection>,
}

/// One search document: a section of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSection {
    /// The section's heading text, `""` for the top of the page.
    pub heading: String,
    /// The heading's id (`#anchor`), `""` for the top of the page.
    pub anchor: String,
    /// Plain text of the section body, whitespace collapsed.
    pub text: String,
    /// Words of the site's synonym groups (`[search] synonyms`) that mean
    /// what the section says: searched like its body, never shown.
    pub extra: String,
}

/// Every searchable page, sorted by URL so document ids are stable.
pub fn collect(site: &Site) -> Vec<SearchPage> {
    use rayon::prelude::*;
    let glossary = crate::render::html::glossary_path(site);
    let synonyms = Synonyms::of(site);
    let mut pages: Vec<SearchPage> =
        site.pages.par_iter().map(|p| page_with(site, p, &glossary, synonyms.as_ref())).collect();
    pages.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    pages
}

/// The search document of one page, as [`collect`] makes it.
pub fn page(site: &Site, p: &Page) -> SearchPage {
    page_with(site, p, &crate::render::html::glossary_path(site), Synonyms::of(site).as_ref())
}

fn page_with(site: &Site, p: &Page, glossary: &str, synonyms: Option<&Synonyms>) -> SearchPage {
    let mut page = page_of(site, p, glossary);
    if let Some(synonyms) = synonyms {
        for (i, section) in page.sections.iter_mut().enumerate() {
            let (title, points) = if i == 0 { (page.title.as_str(), page.key_points.as_str()) } else { ("", "") };
            section.extra = synonyms.expand(&[title, &section.heading, &section.text, points]);
        }
    }
    // The key points say what the page is about: searched with its top.
    if let Some(top) = page.sections.first_mut().filter(|_| !page.key_points.is_empty()) {
        top.extra = join(&page.key_points, &top.extra);
    }
    page
}

/// The site's synonym groups (`[search] synonyms`), each member a word or
/// a phrase, as lower-case word sequences.
struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
    /// Each member's first word → (group, member) of every member that
    /// starts with it: a text is read once, not once per member.
    first: HashMap<String, Vec<(usize, usize)>>,
}

impl Synonyms {
    /// The site's groups, or `None` when it has none.
    fn of(site: &Site) -> Option<Synonyms> {
        let groups = &site.config.site.search.synonyms;
        (!groups.is_empty()).then(|| Synonyms::new(groups))
    }

    fn new(groups: &[Vec<String>]) -> Synonyms {
        let mut surface = crate::index::analysis::surface();
        let groups: Vec<Vec<Vec<String>>> = groups
            .iter()
            .map(|g| {
                g.iter().map(|m| crate::index::analysis::words(&mut surface, m)).filter(|w| !w.is_empty()).collect()
            })
            .collect();
        let mut first: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for (m, member) in group.iter().enumerate() {
                first.entry(member[0].clone()).or_default().push((g, m));
            }
        }
        Synonyms { groups, first }
    }

    /// The members of every group that `texts` mention (a member's words
    /// in a row) which the texts do not already say, space-separated.
    fn expand(&self, texts: &[&str]) -> String {
        let mut surface = crate::index::analysis::surface();
        // The texts' words, lower-cased, in one buffer (not a string each).
        let (mut buf, mut spans) = (String::new(), Vec::new());
        for t in texts {
            crate::index::analysis::each_word(&mut surface, t, |w| {
                let at = buf.len();
                buf.push_str(w);
                spans.push(at..buf.len());
            });
        }
        let word = |i: usize| &buf[spans[i].clone()];
        // (group, member) of every member the texts say (its words in a row).
        let mut said: HashSet<(usize, usize)> = HashSet::new();
        for i in 0..spans.len() {
            for &(g, m) in self.first.get(word(i)).map_or(&[][..], Vec::as_slice) {
                let member = &self.groups[g][m];
                if i + member.len() <= spans.len() && member.iter().enumerate().all(|(k, w)| word(i + k) == w) {
                    said.insert((g, m));
                }
            }
        }
        let mut out: Vec<String> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            if (0..group.len()).any(|m| said.contains(&(g, m))) {
                out.extend(
                    group
                        .iter()
                        .enumerate()
                        .filter(|&(m, _)| !said.contains(&(g, m)))
                        .map(|(_, member)| member.join(" ")),
                );
            }
        }
        out.join(" ")
    }
}

fn page_of(site: &Site, p: &Page, glossary: &str) -> SearchPage {
    if p.is_glossary_term() {
        let text = join(&p.meta.description, &flatten(site, p, true).remove(0).text);
        SearchPage {
            title: p.meta.title.clone(),
            path: glossary.to_string(),
            tags: p.meta.tags.clone(),
            audience: p.meta.audience.clone(),
            synonyms: p.meta.synonyms.clone(),
            key_points: String::new(),
            listing: false,
            sections: vec![SearchSection {
                heading: String::new(),
                anchor: p.slug.clone(),
                text,
                extra: String::new(),
            }],
        }
    } else {
        let mut sections = flatten(site, p, false);
        sections[0].text = join(&p.meta.description, &sections[0].text);
        SearchPage {
            title: p.meta.title.clone(),
            path: p.path.clone(),
            tags: p.meta.tags.clone(),
            audience: p.meta.audience.clone(),
            synonyms: p.meta.synonyms.iter().chain(&p.meta.keywords).cloned().collect(),
            key_points: p.meta.key_points.join(" "),
            listing: p.is_section,
            sections,
        }
    }
}

impl SearchPage {
    /// What [`collect`] sorts by: URL, then (glossary terms) anchor. Unique per page.
    pub fn order_key(&self) -> (&str, &str) {
        (&self.path, self.sections.first().map_or("", |s| s.anchor.as_str()))
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.trim().is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (false, true) => a.trim().to_string(),
        (false, false) => format!("{} {b}", a.trim()),
    }
}

/// The page's text split at its headings (or kept whole with `one_section`,
/// headings then count as text). Always at least one section.
fn flatten(site: &Site, p: &Page, one_section: bool) -> Vec<SearchSection> {
    let mut out = vec![SearchSection {
        heading: String::new(),
        anchor: String::new(),
        text: String::new(),
        extra: String::new(),
    }];
    let mut buf = String::new();
    let mut in_heading = false;
    let mut in_image = 0usize;
    let mut next_heading = 0usize;
    // For each open internal link: the label to add at its end (wikilinks
    // without a label show the target's title).
    let mut labels: Vec<Option<String>> = Vec::new();
    for node in &p.nodes {
        let event = match node {
            Node::Md(m) => Some(m.event(&p.source)),
            _ => None,
        };
        match (node, event) {
            (_, Some(Event::Start(Tag::Heading { id, .. }))) if !one_section => {
                finish(&mut out, &mut buf);
                // Headings are in page order: the next one is this one (a
                // search over all of them per heading was quadratic).
                let h = match (id.as_deref(), p.headings.get(next_heading)) {
                    (Some(id), Some(h)) if h.id == id => Some(h),
                    (Some(id), _) => p.headings.iter().find(|h| h.id == id).or_else(|| p.headings.get(next_heading)),
                    (None, h) => h,
                };
                next_heading += 1;
                out.push(SearchSection {
                    heading: h.map(|h| h.text.clone()).unwrap_or_default(),
                    anchor: h.map(|h| h.id.clone()).unwrap_or_default(),
                    text: String::new(),
                    extra: String::new(),
                });
                in_heading = true;
            }
            (_, Some(Event::End(TagEnd::Heading(_)))) if !one_section => in_heading = false,
            _ if in_heading => {}
            (_, Some(Event::Start(Tag::Image { .. }))) => in_image += 1,
            (_, Some(Event::End(TagEnd::Image))) => in_image = in_image.saturating_sub(1),
            _ if in_image > 0 => {}
            (_, Some(Event::Text(t) | Event::Code(t))) => buf.push_str(&t),
            (_, Some(Event::SoftBreak | Event::HardBreak)) => buf.push(' '),
            (
                _,
                Some(Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Heading(_)
                    | TagEnd::Item
                    | TagEnd::TableCell
                    | TagEnd::BlockQuote(_)
                    | TagEnd::List(_)
                    | TagEnd::FootnoteDefinition,
                )),
            ) => buf.push(' '),
            (Node::Text(t), _) => buf.push_str(t.get(&p.source)),
            (Node::Code(c), _) => {
                buf.push(' ');
                buf.push_str(&c.code);
                buf.push(' ');
            }
            (Node::LinkStart(i), _) => labels.push(p.links.get(*i).and_then(|l| match (l.kind, &l.resolved) {
                (LinkKind::Wiki { has_label: false }, Some(r)) => Some(site.pages[r.page].meta.title.clone()),
                _ => None,
            })),
            (Node::LinkEnd, _) => {
                if let Some(label) = labels.pop().flatten() {
                    buf.push_str(&label);
                }
            }
            (Node::Cite(i), _) => {
                if let Some(g) = p.cites.get(*i) {
                    let narrative = g.narrative;
                    if !narrative {
                        buf.push(' ');
                    }
                    buf.push_str(&crate::link::html_to_text(&g.rendered));
                }
            }
            _ => {}
        }
    }
    finish(&mut out, &mut buf);
    out
}

/// Move `buf` (whitespace collapsed) into the last section.
fn finish(out: &mut [SearchSection], buf: &mut String) {
    let text = collapse_whitespace(buf);
    buf.clear();
    if let Some(last) = out.last_mut() {
        last.text = join(&last.text, &text);
    }
}

/// `text`'s words (split at Unicode white space, as `split_whitespace`
/// does) joined by single spaces, in one pass and one allocation.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Page;

    #[test]
    fn whitespace_collapses_as_split_whitespace_and_join_would() {
        for text in ["", "  ", "a", " a  b\t\nc ", "x\u{a0}y\u{3000}z\u{0b}w", "\u{2028}é  ü\r\n"] {
            assert_eq!(collapse_whitespace(text), text.split_whitespace().collect::<Vec<_>>().join(" "), "{text:?}");
        }
        assert_eq!(collapse_whitespace(" a \u{a0} b "), "a b");
    }

    fn page(md: &str) -> Page {
        let src = format!("+++\ntitle = \"T\"\ndescription = \"Desc.\"\n+++\n{md}");
        let mut p = Page { source: src, rel_path: "a/b.md".into(), path: "a/b/".into(), ..Page::default() };
        assert!(crate::parse::parse_page(&mut p).is_empty());
        p
    }

    #[test]
    fn pages_split_at_headings_with_ids_and_text() {
        let p = page("Intro *text*.\n\n## First part\n\nBody `code` one.\n\n- item a\n- item b\n\n### Deeper\n\n![alt words](x.png) After.\n");
        let s = flatten(&Site::new(test_config()), &p, false);
        let got: Vec<(&str, &str, &str)> =
            s.iter().map(|s| (s.heading.as_str(), s.anchor.as_str(), s.text.as_str())).collect();
        assert_eq!(
            got,
            [
                ("", "", "Intro text."),
                ("First part", "first-part", "Body code one. item a item b"),
                ("Deeper", "deeper", "After."),
            ]
        );
    }

    #[test]
    fn synonyms_add_the_members_a_text_does_not_say_of_each_group_it_mentions() {
        let groups = [
            vec!["therapist".to_string(), "counsellor".into()],
            vec!["left alone".into(), "abandoned".into(), "alone".into()],
            vec!["goal".into(), "aim".into()],
            vec!["with a".into(), "beside".into()],
        ];
        let s = Synonyms::new(&groups);
        // "left alone" spans two texts; "with a" ends one; nothing says goal or aim.
        assert_eq!(s.expand(&["Feeling left", "alone with a", "Therapist"]), "counsellor abandoned beside");
        assert_eq!(s.expand(&["alone with"]), "left alone abandoned");
        assert_eq!(s.expand(&[""]), "");
    }

    #[test]
    fn one_section_keeps_headings_as_text() {
        let p = page("Intro.\n\n## Part\n\nBody.\n");
        let s = flatten(&Site::new(test_config()), &p, true);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "Intro. Part Body.");
    }

    #[test]
    fn key_points_are_searched_with_the_top_of_the_page_never_shown() {
        let src = "+++\ntitle = \"T\"\ndescription = \"Desc.\"\nkey_points = [\"Clingy feelings are common.\", \"Ask.\"]\n+++\nIntro.\n\n## Part\n\nBody.\n";
        let mut p = Page { source: src.into(), rel_path: "a/b.md".into(), path: "a/b/".into(), ..Page::default() };
        assert!(crate::parse::parse_page(&mut p).is_empty());
        let doc = page_with(&Site::new(test_config()), &p, "glossary/", None);
        assert_eq!(doc.sections[0].extra, "Clingy feelings are common. Ask.");
        assert_eq!(doc.sections[0].text, "Desc. Intro.", "shown text unchanged");
        assert_eq!(doc.sections[1].extra, "");
    }

    pub fn test_config() -> crate::config::Config {
        let site = crate::config::parse_site_config("title = \"T\"\n[notice]\ntext = \"n\"\n").expect("config");
        crate::config::Config::detached(".".into(), site, crate::site::Date { year: 2026, month: 1, day: 1 })
    }
}
