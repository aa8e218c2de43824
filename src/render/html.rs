//! A page's body: the parsed [`Node`]s turned into HTML, with Haven's own
//! markup for internal links, citations (in-text links, margin notes and
//! under-claim disclosures) and glossary terms. Every string that came from an
//! author or a bibliography is escaped here; pulldown-cmark escapes the rest.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use pulldown_cmark::{html::push_html, Alignment, CowStr, Event, Tag, TagEnd};

use crate::cite::escape;
use crate::site::{Claim, Node, Page, Site};

/// Bibliography key → index into `Site::sources` (built once per build).
pub type SourceIndex<'a> = HashMap<&'a str, usize>;

/// Where a page's citations point: its own References list, or the Sources
/// page (for a body shown where no References list is: a section's or the
/// home page's introduction, a glossary term on the glossary page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    OnPage,
    SourcesPage,
}

impl RefTarget {
    /// The link to `key`'s reference.
    fn href(self, site: &Site, key: &str) -> String {
        match self {
            RefTarget::OnPage => format!("#ref-{}", escape(key)),
            RefTarget::SourcesPage => format!("{}#source-{}", site.url("sources/"), escape(key)),
        }
    }
}

/// A page's body as parsed: its source and the nodes that read their text
/// from it. Usually the page's own ([`Body::of`]); in a build, render takes
/// most bodies out of their pages, so that each is dropped as soon as its
/// page is rendered ([`super::Bodies::Drop`]).
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    pub source: &'a str,
    pub nodes: &'a [Node],
}

impl<'a> Body<'a> {
    /// The body `page` holds.
    pub fn of(page: &'a Page) -> Body<'a> {
        Body { source: &page.source, nodes: &page.nodes }
    }
}

/// Render `page`'s body (`text`, its source and nodes) to HTML.
pub fn body(site: &Site, page: &Page, text: Body<'_>, key_source: &SourceIndex<'_>, refs: RefTarget) -> String {
    let mut events: Vec<Event<'_>> = Vec::with_capacity(text.nodes.len());
    let glossary_by_node = group_glossary(page);
    // Each block's claims, found once (a search per block was quadratic on
    // a page with thousands of cited sentences).
    let mut claims_of: HashMap<usize, Vec<&Claim>> = HashMap::new();
    for c in &page.claims {
        claims_of.entry(c.block).or_default().push(c);
    }
    let mut wiki_label: Vec<Option<String>> = Vec::new();
    let mut tip = 0usize;
    // Tables: cells are written here with alignment classes, because
    // pulldown-cmark's `style="text-align: …"` would break the strict CSP.
    let mut aligns: Vec<Alignment> = Vec::new();
    let mut in_head = false;
    let mut cell = 0usize;
    for (ni, node) in text.nodes.iter().enumerate() {
        match node {
            Node::Md(m) => match m.event(text.source) {
                Event::Start(Tag::Table(a)) => {
                    aligns = a;
                    events.push(Event::Start(Tag::Table(Vec::new())));
                }
                Event::Start(Tag::TableHead) => {
                    in_head = true;
                    cell = 0;
                    events.push(Event::Start(Tag::TableHead));
                }
                Event::End(TagEnd::TableHead) => {
                    in_head = false;
                    events.push(Event::End(TagEnd::TableHead));
                }
                Event::Start(Tag::TableRow) => {
                    cell = 0;
                    events.push(Event::Start(Tag::TableRow));
                }
                Event::Start(Tag::TableCell) => {
                    let tag = if in_head { "th" } else { "td" };
                    let class = match aligns.get(cell) {
                        Some(Alignment::Left) => " class=\"align-left\"",
                        Some(Alignment::Center) => " class=\"align-center\"",
                        Some(Alignment::Right) => " class=\"align-right\"",
                        _ => "",
                    };
                    events.push(Event::Html(CowStr::from(format!("<{tag}{class}>"))));
                }
                Event::End(TagEnd::TableCell) => {
                    events.push(Event::Html(CowStr::Borrowed(if in_head { "</th>" } else { "</td>" })));
                    cell += 1;
                }
                // A link to another site tells it nothing about the page it came
                // from, and gets no handle on it.
                Event::Start(Tag::Link { dest_url, title, .. }) if crate::privacy::origin(&dest_url).is_some() => {
                    let title = if title.is_empty() { String::new() } else { format!(" title=\"{}\"", escape(&title)) };
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        "<a href=\"{}\"{title} rel=\"noopener noreferrer\">",
                        escape(&dest_url)
                    ))));
                }
                e => events.push(e),
            },
            Node::Text(t) => match (t.get(text.source), glossary_by_node.get(&ni)) {
                (t, None) => events.push(Event::Text(CowStr::Borrowed(t))),
                (t, Some(hits)) => {
                    let mut at = 0;
                    for (term, r) in hits {
                        events.push(Event::Text(CowStr::Borrowed(&t[at..r.start])));
                        let tp = &site.pages[*term];
                        tip += 1;
                        events.push(Event::InlineHtml(CowStr::from(format!(
                            "<span class=\"term\"><a class=\"term-link\" href=\"{}#{}\" aria-describedby=\"term-tip-{tip}\">{}</a><span class=\"term-tip\" role=\"tooltip\" id=\"term-tip-{tip}\"><b>{}</b>: {}</span></span>",
                            site.url(&glossary_path(site)),
                            escape(&tp.slug),
                            escape(&t[r.clone()]),
                            escape(&tp.meta.title),
                            escape(&tp.meta.description),
                        ))));
                        at = r.end;
                    }
                    events.push(Event::Text(CowStr::Borrowed(&t[at..])));
                }
            },
            Node::LinkStart(i) => {
                let link = &page.links[*i];
                let (href, title) = match &link.resolved {
                    Some(r) => (r.href.clone(), site.pages[r.page].meta.title.clone()),
                    None => ("#".into(), link.target.clone()),
                };
                events.push(Event::InlineHtml(CowStr::from(format!(
                    "<a class=\"internal\" href=\"{}\">",
                    escape(&href)
                ))));
                let label = match link.kind {
                    crate::site::LinkKind::Wiki { has_label: false } => Some(escape(&title)),
                    _ => None,
                };
                wiki_label.push(label);
            }
            Node::LinkEnd => {
                let label = wiki_label.pop().flatten().unwrap_or_default();
                events.push(Event::InlineHtml(CowStr::from(format!("{label}</a>"))));
            }
            Node::Cite(i) => {
                let g = &page.cites[*i];
                let keys: Vec<&str> = g.items.iter().map(|it| it.key.as_str()).collect();
                events.push(Event::InlineHtml(CowStr::from(format!(
                    "<a class=\"cite\" id=\"cite-{}\" href=\"{}\" data-cites=\"{}\">{}</a>",
                    i + 1,
                    refs.href(site, keys.first().copied().unwrap_or("")),
                    escape(&keys.join(" ")),
                    g.rendered,
                ))));
            }
            Node::ClaimBlockStart(b) => {
                let claims = claims_of.get(b).map_or(&[][..], Vec::as_slice);
                let sources = block_sources(site, page, claims, key_source, refs);
                let mut h = String::new();
                for c in claims {
                    h.push_str(&format!("<span class=\"claim-anchor\" id=\"{}\"></span>", c.id));
                }
                h.push_str("<aside class=\"margin-sources\" aria-label=\"Sources\">");
                for s in &sources {
                    h.push_str(&format!("<p class=\"margin-source\">{s}</p>"));
                }
                h.push_str("</aside>\n");
                events.push(Event::Html(CowStr::from(h)));
            }
            Node::ClaimBlockEnd(b) => {
                let claims = claims_of.get(b).map_or(&[][..], Vec::as_slice);
                let sources = block_sources(site, page, claims, key_source, refs);
                let mut h = format!(
                    "<details class=\"claim-sources\"><summary>Sources <span class=\"count\">({})</span></summary><ul>",
                    sources.len()
                );
                for s in &sources {
                    h.push_str(&format!("<li>{s}</li>"));
                }
                h.push_str("</ul></details>\n");
                events.push(Event::Html(CowStr::from(h)));
            }
            Node::Code(c) => events.push(Event::Html(CowStr::from(super::highlight::code_block(&c.lang, &c.code)))),
            Node::HeadingAnchor(h) => {
                let hd = &page.headings[*h];
                events.push(Event::InlineHtml(CowStr::from(format!(
                    " <a class=\"heading-anchor\" href=\"#{}\" aria-label=\"Link to the section: {}\">#</a>",
                    escape(&hd.id),
                    escape(&hd.text)
                ))));
            }
        }
    }
    // A guess that saves most regrowing (the source text is gone by now).
    let mut out = String::with_capacity(text.nodes.len() * 16);
    push_html(&mut out, events.into_iter());
    if site.config.site.markdown.sanitize_html {
        out = SANITIZER.clean(&out).to_string();
    }
    out
}

/// The allow-list for `sanitize_html = true`: ordinary markdown output plus
/// the elements and attributes Haven itself generates; nothing executable.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["aside", "details", "summary", "input", "section"])
        .add_generic_attributes([
            "class",
            "id",
            "role",
            "aria-label",
            "aria-describedby",
            "data-cites",
            "data-lang",
            "title",
        ])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("ol", ["start"])
        .link_rel(None);
    b
});

/// Site-relative path of the glossary page.
pub fn glossary_path(site: &Site) -> String {
    site.sections
        .get("glossary")
        .and_then(|s| s.index)
        .map_or_else(|| "glossary/".into(), |i| site.pages[i].path.clone())
}

fn group_glossary(page: &Page) -> BTreeMap<usize, Vec<(usize, std::ops::Range<usize>)>> {
    let mut m: BTreeMap<usize, Vec<(usize, std::ops::Range<usize>)>> = BTreeMap::new();
    for (term, node, r) in &page.glossary_links {
        m.entry(*node).or_default().push((*term, r.clone()));
    }
    m
}

/// What kind of evidence `s` is, as a short label after its reference
/// (" <span class="evidence">Meta-analysis · 295 studies</span>"); empty
/// when its entry does not say.
pub fn evidence_badge(s: &crate::site::Source) -> String {
    match (s.evidence.kind, s.evidence.label()) {
        (Some(kind), Some(label)) => {
            format!(" <span class=\"evidence evidence-{}\">{}</span>", kind.slug(), escape(&label))
        }
        _ => String::new(),
    }
}

/// The formatted references cited by the claims of one block, in citation order.
fn block_sources(
    site: &Site,
    page: &Page,
    claims: &[&Claim],
    key_source: &SourceIndex<'_>,
    refs: RefTarget,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in claims {
        for &ci in &c.cites {
            for it in &page.cites[ci].items {
                if seen.insert(it.key.as_str()) {
                    if let Some(&si) = key_source.get(it.key.as_str()) {
                        let s = &site.sources[si];
                        out.push(format!(
                            "<a class=\"ref-jump\" href=\"{}\" aria-label=\"Go to reference\">↓</a> {}{}",
                            refs.href(site, &s.key),
                            s.html,
                            evidence_badge(s)
                        ));
                    }
                }
            }
        }
    }
    out
}
