//! Stage 2, **parse**: front matter and markdown, once per page, in parallel.
//!
//! 1. Split the front matter (`+++` TOML or `---` YAML) from the body.
//! 2. Deserialize it strictly (unknown keys are errors with a did-you-mean),
//!    with every location made file-absolute.
//! 3. Parse the body with pulldown-cmark into [`Node`]s: markdown events plus
//!    Haven's own nodes for internal links, citations, code blocks and
//!    glossary-candidate text.
//! 4. Assign unique heading ids; record links, citation groups and the claim
//!    (sentence) each citation supports; extract plain text.
//!
//! After `parse`: every page has `meta`, `nodes`, `headings`, `links`,
//! `cites`, `claims`, `text` and `word_count`. Nothing here looks at other pages.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use rayon::prelude::*;
use serde::Deserialize;

use crate::config::toml_diagnostic;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::site::{CiteGroup, CiteItem, Claim, Date, Heading, LinkKind, LinkRef, Meta, Node, Page, Site, SortBy};

pub fn run(mut site: Site, diags: &mut Diagnostics) -> Site {
    let results: Vec<Vec<Diagnostic>> = site.pages.par_iter_mut().map(parse_page).collect();
    diags.extend(results.into_iter().flatten());
    site
}

/// Parse one page in place; returns its diagnostics. Never panics: a crash in
/// the markdown parser becomes an error for this file.
pub fn parse_page(page: &mut Page) -> Vec<Diagnostic> {
    parse_page_with(page, true)
}

/// [`parse_page`] without the panic guard, so a fuzzer sees any crash.
pub fn parse_page_unguarded(page: &mut Page) -> Vec<Diagnostic> {
    parse_page_with(page, false)
}

fn parse_page_with(page: &mut Page, guard: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (fm, fm_offset, body_offset, format) = match split_front_matter(&page.source) {
        Ok(parts) => parts,
        Err(d) => return vec![d.in_file(&page.file)],
    };
    match parse_meta(&page.source, fm, fm_offset, format) {
        Ok(meta) => page.meta = meta,
        Err(ds) => {
            out.extend(ds.into_iter().map(|d| d.in_file(&page.file)));
            return out;
        }
    }
    page.body_offset = body_offset;
    let source = page.source.clone();
    let result = if guard {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_body(&source, body_offset)))
    } else {
        Ok(parse_body(&source, body_offset))
    };
    match result {
        Ok((doc, ds)) => {
            page.nodes = doc.nodes;
            page.headings = doc.headings;
            page.links = doc.links;
            page.cites = doc.cites;
            page.claims = doc.claims;
            page.word_count = doc.text.split_whitespace().count();
            page.text = doc.text;
            out.extend(ds.into_iter().map(|d| d.in_file(&page.file)));
        }
        Err(_) => out.push(
            Diagnostic::error("the markdown parser crashed on this file")
                .in_file(&page.file)
                .help("this is a bug in the markdown library; simplify unusual nesting in this file and report it"),
        ),
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FmFormat {
    Toml,
    Yaml,
}

/// → (front matter text, its byte offset, body offset, format).
pub fn split_front_matter(src: &str) -> Result<(&str, usize, usize, FmFormat), Diagnostic> {
    if src.trim().is_empty() {
        return Err(Diagnostic::error("empty file: a page needs front matter with at least a title")
            .help("start the file with:\n+++\ntitle = \"Your title\"\n+++"));
    }
    let (fence, format) = if src.starts_with("+++") {
        ("+++", FmFormat::Toml)
    } else if src.starts_with("---") {
        ("---", FmFormat::Yaml)
    } else {
        return Err(Diagnostic::error("missing front matter")
            .at(src, 0..src.find('\n').unwrap_or(src.len()))
            .help("start the file with a `+++` line, `title = \"…\"`, and another `+++` line"));
    };
    let first_nl = src.find('\n').unwrap_or(src.len());
    if src[..first_nl].trim_end() != fence {
        return Err(Diagnostic::error(format!("the front matter's opening line must be exactly `{fence}`"))
            .at(src, 0..first_nl));
    }
    let start = (first_nl + 1).min(src.len());
    let mut pos = start;
    while pos < src.len() {
        let end = src[pos..].find('\n').map_or(src.len(), |e| pos + e);
        if src[pos..end].trim_end() == fence {
            let body = (end + 1).min(src.len());
            return Ok((&src[start..pos], start, body, format));
        }
        pos = end + 1;
    }
    Err(Diagnostic::error(format!("front matter is not closed: no second `{fence}` line"))
        .at(src, 0..first_nl)
        .help(format!("add a line with just `{fence}` after the last front-matter key")))
}

/// A date written as a TOML date literal or a string.
#[derive(Debug)]
struct DateLit(String);

impl<'de> Deserialize<'de> for DateLit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateLit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date like 2025-03-01")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateLit, E> {
                Ok(DateLit(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DateLit, A::Error> {
                // toml's datetime arrives as a one-entry map.
                let (_, v): (String, String) =
                    map.next_entry()?.ok_or_else(|| serde::de::Error::custom("expected a date"))?;
                Ok(DateLit(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    title: Option<String>,
    description: Option<String>,
    date: Option<DateLit>,
    updated: Option<DateLit>,
    author: Option<String>,
    reviewed_by: Option<String>,
    last_reviewed: Option<DateLit>,
    next_review: Option<DateLit>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    audience: Vec<String>,
    series: Option<String>,
    weight: Option<i64>,
    slug: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    synonyms: Vec<String>,
    #[serde(default)]
    bibliography: Vec<String>,
    sort_by: Option<String>,
    #[serde(default)]
    reading_path: Vec<String>,
    reading_path_title: Option<String>,
}

pub const META_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "author",
    "reviewed_by",
    "last_reviewed",
    "next_review",
    "tags",
    "audience",
    "series",
    "weight",
    "slug",
    "aliases",
    "draft",
    "synonyms",
    "bibliography",
    "sort_by",
    "reading_path",
    "reading_path_title",
];

/// 1-based line of each top-level key in the front matter (file-absolute).
fn key_lines(src: &str, fm_offset: usize, fm: &str) -> BTreeMap<String, usize> {
    let first_line = src[..fm_offset].matches('\n').count() + 1;
    let mut out = BTreeMap::new();
    for (i, line) in fm.lines().enumerate() {
        let t = line.trim_start();
        if t.len() != line.len() && !line.starts_with('\t') {
            continue; // nested (YAML) keys
        }
        let key: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
        let rest = t[key.len()..].trim_start();
        if !key.is_empty() && (rest.starts_with('=') || rest.starts_with(':')) {
            out.entry(key).or_insert(first_line + i);
        }
    }
    out
}

fn parse_meta(src: &str, fm: &str, fm_offset: usize, format: FmFormat) -> Result<Meta, Vec<Diagnostic>> {
    let raw: RawMeta = match format {
        FmFormat::Toml => toml::from_str(fm).map_err(|e| vec![toml_diagnostic(&e, fm_offset, src, META_KEYS)])?,
        FmFormat::Yaml => {
            if fm.trim().is_empty() {
                return Err(vec![missing_title(src)]);
            }
            serde_yaml::from_str(fm).map_err(|e| vec![yaml_diagnostic(&e, fm, fm_offset, src)])?
        }
    };
    let lines = key_lines(src, fm_offset, fm);
    let mut errs = Vec::new();
    let at_key = |key: &str, msg: String, help: String| -> Diagnostic {
        let line = lines.get(key).copied().unwrap_or(1);
        let start: usize = src.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let end = src[start..].find('\n').map_or(src.len(), |e| start + e);
        Diagnostic::error(msg).at(src, start..end).help(help)
    };
    let mut date = |key: &str, v: Option<DateLit>| -> Option<Date> {
        let v = v?;
        match Date::parse(&v.0) {
            Some(d) => Some(d),
            None => {
                errs.push(at_key(
                    key,
                    format!("`{key}` is not a valid date: `{}`", v.0),
                    "write dates as YYYY-MM-DD, e.g. 2025-03-01".into(),
                ));
                None
            }
        }
    };
    let meta_date = date("date", raw.date);
    let updated = date("updated", raw.updated);
    let last_reviewed = date("last_reviewed", raw.last_reviewed);
    let next_review = date("next_review", raw.next_review);
    let title = match raw.title {
        Some(t) if !t.trim().is_empty() => t,
        Some(_) => {
            errs.push(at_key("title", "`title` is empty".into(), "give the page a title".into()));
            String::new()
        }
        None => {
            errs.push(missing_title(src));
            String::new()
        }
    };
    let sort_by = match raw.sort_by.as_deref() {
        None | Some("weight") => SortBy::Weight,
        Some("date") => SortBy::Date,
        Some("title") => SortBy::Title,
        Some(other) => {
            errs.push(at_key(
                "sort_by",
                format!("unknown `sort_by` value `{other}`"),
                "use \"weight\", \"date\" or \"title\"".into(),
            ));
            SortBy::Weight
        }
    };
    if let Some(slug) = &raw.slug {
        if slug.is_empty() || !slug.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            errs.push(at_key("slug", format!("invalid slug `{slug}`"), "use letters, digits and hyphens only".into()));
        }
    }
    for alias in &raw.aliases {
        if alias.split('/').any(|seg| seg == "..") || alias.contains('\\') {
            errs.push(at_key(
                "aliases",
                format!("alias `{alias}` leaves the site"),
                "aliases are paths inside the site, like /old/name/".into(),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Meta {
        title,
        description: raw.description.unwrap_or_default(),
        date: meta_date,
        updated,
        author: raw.author.unwrap_or_default(),
        reviewed_by: raw.reviewed_by.unwrap_or_default(),
        last_reviewed,
        next_review,
        tags: raw.tags,
        audience: raw.audience,
        series: raw.series,
        weight: raw.weight.unwrap_or(0),
        slug: raw.slug,
        aliases: raw.aliases,
        draft: raw.draft,
        synonyms: raw.synonyms,
        bibliography: raw.bibliography,
        sort_by,
        reading_path: raw.reading_path,
        reading_path_title: raw.reading_path_title.unwrap_or_default(),
        key_lines: lines,
    })
}

fn missing_title(src: &str) -> Diagnostic {
    Diagnostic::error("missing required key `title`")
        .at(src, 0..src.find('\n').unwrap_or(src.len()))
        .help("add `title = \"…\"` (TOML) or `title: …` (YAML) to the front matter")
}

fn yaml_diagnostic(e: &serde_yaml::Error, _fm: &str, fm_offset: usize, src: &str) -> Diagnostic {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let (message, help) = match msg.strip_prefix("unknown field `") {
        Some(rest) => {
            let field = rest.split('`').next().unwrap_or("");
            let help = did_you_mean(field, META_KEYS.iter().copied())
                .map_or_else(|| format!("known keys: {}", META_KEYS.join(", ")), |k| format!("did you mean `{k}`?"));
            (format!("unknown key `{field}`"), Some(help))
        }
        None => (msg, None),
    };
    let d = Diagnostic::error(message).help_opt(help);
    match e.location() {
        Some(loc) => {
            let start = fm_offset + loc.index();
            // Point at the whole key where the error is on a `key:` line.
            let end = src[start..].find(['\n', ':']).map_or(src.len(), |e| start + e).max(start + 1);
            d.at(src, start..end)
        }
        None => d.at(src, 0..3),
    }
}

/// What the markdown walk produces.
pub struct Doc {
    pub nodes: Vec<Node>,
    pub headings: Vec<Heading>,
    pub links: Vec<LinkRef>,
    pub cites: Vec<CiteGroup>,
    pub claims: Vec<Claim>,
    pub text: String,
}

pub fn markdown_options() -> Options {
    // Definition lists and heading attributes stay off: together they crash
    // pulldown-cmark 0.13.6 on some inputs (its issue #1110).
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_WIKILINKS
}

const CITE_DEST: &str = "haven-cite:";

/// Around a narrative citation's index in claim and context text (private-use characters).
pub const NARRATIVE_OPEN: char = '\u{E000}';
pub const NARRATIVE_CLOSE: char = '\u{E001}';

enum LinkFrame {
    Plain,
    Internal,
    /// Inner events are dropped (citation, or a wikilink without a label).
    Swallow {
        internal: bool,
    },
}

struct Block {
    id: usize,
    node_index: usize,
    text: String,
    /// (cite index, byte position in `text`)
    cites: Vec<(usize, usize)>,
    /// (link index, position) for backlink context
    links: Vec<(usize, usize)>,
    kind: BlockKind,
}

#[derive(Clone, Copy, PartialEq)]
enum BlockKind {
    Paragraph,
    Item,
    Cell,
    Heading,
}

/// Parse a markdown body (starting at `body_offset` in `src`) into a [`Doc`].
pub fn parse_body(src: &str, body_offset: usize) -> (Doc, Vec<Diagnostic>) {
    let body = &src[body_offset..];
    let mut diags = Vec::new();
    let mut callback = |link: pulldown_cmark::BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        let r = link.reference.as_ref();
        if looks_like_citation(r) {
            Some((CITE_DEST.into(), r.to_string().into()))
        } else {
            None
        }
    };
    let parser = Parser::new_with_broken_link_callback(body, markdown_options(), Some(&mut callback));

    let mut nodes: Vec<Node> = Vec::new();
    let mut headings: Vec<Heading> = Vec::new();
    let mut links: Vec<LinkRef> = Vec::new();
    let mut cites: Vec<CiteGroup> = Vec::new();
    let mut claims: Vec<Claim> = Vec::new();
    let mut text = String::new();
    let mut used_ids: HashSet<String> = crate::site::THEME_IDS.iter().map(|s| s.to_string()).collect();

    let mut link_stack: Vec<LinkFrame> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut block_counter = 0usize;
    let mut claim_inserts: Vec<(usize, Node)> = Vec::new();
    let mut code: Option<(String, String)> = None;
    let mut heading: Option<(HeadingLevel, usize, String)> = None;
    let mut in_image = 0usize;

    for (event, range) in parser.into_offset_iter() {
        let abs = range.start + body_offset..range.end + body_offset;
        let swallowing = matches!(link_stack.last(), Some(LinkFrame::Swallow { .. }));
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    pulldown_cmark::CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, body)) = code.take() {
                    text.push_str(&body);
                    text.push('\n');
                    nodes.push(Node::Code { lang, code: body });
                }
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, body)) = code.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, nodes.len(), String::new()));
                nodes.push(Node::LinkEnd); // placeholder, replaced at the end of the heading
                open_block(&mut blocks, &mut block_counter, nodes.len(), BlockKind::Heading);
            }
            Event::End(TagEnd::Heading(level)) => {
                close_block(&mut blocks, &mut claims, &mut claim_inserts, &mut links, &mut text);
                if let Some((_, at, htext)) = heading.take() {
                    let id = unique_id(&slugify(&htext), &mut used_ids);
                    nodes[at] = Node::Md(Event::Start(Tag::Heading {
                        level,
                        id: Some(CowStr::from(id.clone())),
                        classes: vec![],
                        attrs: vec![],
                    }));
                    nodes.push(Node::HeadingAnchor(headings.len()));
                    headings.push(Heading { level: level as u8, text: htext.trim().to_string(), id });
                }
                nodes.push(Node::Md(Event::End(TagEnd::Heading(level))));
            }
            Event::Start(Tag::Paragraph) => {
                open_block(&mut blocks, &mut block_counter, nodes.len(), BlockKind::Paragraph);
                nodes.push(Node::Md(Event::Start(Tag::Paragraph)));
            }
            Event::End(TagEnd::Paragraph) => {
                nodes.push(Node::Md(Event::End(TagEnd::Paragraph)));
                let end = nodes.len();
                if let Some(id) = close_block(&mut blocks, &mut claims, &mut claim_inserts, &mut links, &mut text) {
                    claim_inserts.push((end, Node::ClaimBlockEnd(id)));
                }
            }
            Event::Start(Tag::Item) => {
                nodes.push(Node::Md(Event::Start(Tag::Item)));
                open_block(&mut blocks, &mut block_counter, nodes.len(), BlockKind::Item);
            }
            Event::End(TagEnd::Item) => {
                let end = nodes.len();
                if let Some(id) = close_block(&mut blocks, &mut claims, &mut claim_inserts, &mut links, &mut text) {
                    claim_inserts.push((end, Node::ClaimBlockEnd(id)));
                }
                nodes.push(Node::Md(Event::End(TagEnd::Item)));
            }
            Event::Start(Tag::TableCell) => {
                nodes.push(Node::Md(Event::Start(Tag::TableCell)));
                open_block(&mut blocks, &mut block_counter, nodes.len(), BlockKind::Cell);
            }
            Event::End(TagEnd::TableCell) => {
                let end = nodes.len();
                if let Some(id) = close_block(&mut blocks, &mut claims, &mut claim_inserts, &mut links, &mut text) {
                    claim_inserts.push((end, Node::ClaimBlockEnd(id)));
                }
                nodes.push(Node::Md(Event::End(TagEnd::TableCell)));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                if swallowing {
                    link_stack.push(LinkFrame::Swallow { internal: false });
                    continue;
                }
                if dest_url.as_ref() == CITE_DEST
                    && matches!(
                        link_type,
                        LinkType::ShortcutUnknown | LinkType::CollapsedUnknown | LinkType::ReferenceUnknown
                    )
                {
                    let raw = &src[abs.clone()];
                    match parse_citation(title.as_ref()) {
                        Ok(items) => {
                            let idx = cites.len();
                            cites.push(CiteGroup {
                                items,
                                narrative: false,
                                span: abs.clone(),
                                claim: None,
                                rendered: String::new(),
                            });
                            attach_cite(&mut blocks, idx);
                            nodes.push(Node::Cite(idx));
                        }
                        Err(msg) => diags.push(
                            Diagnostic::error(format!("malformed citation `{raw}`: {msg}"))
                                .at(src, abs.clone())
                                .help("write citations as [@key], [@a; @b], [@key, p. 12] or [see @key]"),
                        ),
                    }
                    link_stack.push(LinkFrame::Swallow { internal: false });
                    continue;
                }
                let wiki = matches!(link_type, LinkType::WikiLink { .. });
                if wiki || is_internal_md_link(&dest_url) {
                    let has_label = match link_type {
                        LinkType::WikiLink { has_pothole } => has_pothole,
                        _ => true,
                    };
                    let idx = links.len();
                    links.push(LinkRef {
                        kind: if wiki { LinkKind::Wiki { has_label } } else { LinkKind::Markdown },
                        target: dest_url.to_string(),
                        span: abs.clone(),
                        context: String::new(),
                        resolved: None,
                    });
                    if let Some(b) = blocks.last_mut() {
                        b.links.push((idx, b.text.len()));
                    }
                    nodes.push(Node::LinkStart(idx));
                    link_stack.push(if has_label {
                        LinkFrame::Internal
                    } else {
                        LinkFrame::Swallow { internal: true }
                    });
                    if !has_label {
                        if let Some(b) = blocks.last_mut() {
                            // Keep the sentence readable for claim/backlink context.
                            b.text.push_str(dest_url.split('#').next().unwrap_or("").replace('-', " ").as_str());
                        }
                    }
                } else {
                    link_stack.push(LinkFrame::Plain);
                    nodes.push(Node::Md(Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest_url.into_static(),
                        title: title.into_static(),
                        id: id.into_static(),
                    })));
                }
            }
            Event::End(TagEnd::Link) => match link_stack.pop() {
                Some(LinkFrame::Plain) => nodes.push(Node::Md(Event::End(TagEnd::Link))),
                Some(LinkFrame::Internal) | Some(LinkFrame::Swallow { internal: true })
                    if !matches!(link_stack.last(), Some(LinkFrame::Swallow { .. })) =>
                {
                    nodes.push(Node::LinkEnd)
                }
                _ => {}
            },
            _ if swallowing => {}
            Event::Start(Tag::Image { .. }) => {
                in_image += 1;
                nodes.push(Node::Md(event.into_static()));
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                nodes.push(Node::Md(event.into_static()));
            }
            Event::Text(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
                let in_link = !link_stack.is_empty();
                if heading.is_none() && !in_link && in_image == 0 {
                    // Narrative citations: `@key` in running text.
                    let pieces = split_narrative(&t, src, abs.clone());
                    for piece in pieces {
                        match piece {
                            Piece::Text(s) => {
                                push_text(&mut blocks, &s);
                                nodes.push(Node::Text(s));
                            }
                            Piece::Cite(key) => {
                                let idx = cites.len();
                                let span = find_span(src, &abs, &format!("@{key}"));
                                cites.push(CiteGroup {
                                    items: vec![CiteItem {
                                        key,
                                        prefix: String::new(),
                                        locator: String::new(),
                                        suppress_author: false,
                                    }],
                                    narrative: true,
                                    span,
                                    claim: None,
                                    rendered: String::new(),
                                });
                                attach_cite(&mut blocks, idx);
                                // The author's name is part of the sentence: keep a
                                // marker that `link` replaces with the formatted name.
                                push_text(&mut blocks, &format!("{NARRATIVE_OPEN}{idx}{NARRATIVE_CLOSE}"));
                                nodes.push(Node::Cite(idx));
                            }
                        }
                    }
                } else {
                    if in_image == 0 {
                        push_text(&mut blocks, &t);
                    }
                    nodes.push(Node::Md(Event::Text(t.into_static())));
                }
            }
            Event::Code(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
                push_text(&mut blocks, &t);
                nodes.push(Node::Md(Event::Code(t.into_static())));
            }
            Event::SoftBreak | Event::HardBreak => {
                push_text(&mut blocks, " ");
                nodes.push(Node::Md(event.into_static()));
            }
            other => nodes.push(Node::Md(other.into_static())),
        }
    }
    // Claim blocks: margin notes go before the block, disclosures after it.
    claim_inserts.sort_by_key(|(at, n)| (*at, matches!(n, Node::ClaimBlockStart(_))));
    for (at, node) in claim_inserts.into_iter().rev() {
        nodes.insert(at, node);
    }
    for (ci, claim) in claims.iter().enumerate() {
        for &c in &claim.cites {
            cites[c].claim = Some(ci);
        }
    }
    (Doc { nodes, headings, links, cites, claims, text }, diags)
}

fn open_block(blocks: &mut Vec<Block>, counter: &mut usize, node_index: usize, kind: BlockKind) {
    blocks.push(Block { id: *counter, node_index, text: String::new(), cites: Vec::new(), links: Vec::new(), kind });
    *counter += 1;
}

fn push_text(blocks: &mut [Block], s: &str) {
    if let Some(b) = blocks.last_mut() {
        b.text.push_str(s);
    }
}

fn attach_cite(blocks: &mut [Block], idx: usize) {
    if let Some(b) = blocks.last_mut() {
        b.cites.push((idx, b.text.len()));
    }
}

/// Close the innermost block: add its text to the page text, make claims out
/// of its citations, give its links their sentence. Returns the block id if
/// it carries citations (so the caller can place the claim-block markers).
fn close_block(
    blocks: &mut Vec<Block>,
    claims: &mut Vec<Claim>,
    inserts: &mut Vec<(usize, Node)>,
    links: &mut [LinkRef],
    text: &mut String,
) -> Option<usize> {
    let b = blocks.pop()?;
    let clean = b.text.trim();
    if !clean.is_empty() {
        text.push_str(clean);
        text.push('\n');
    }
    let sentences = sentence_ranges(&b.text);
    let sentence_of =
        |pos: usize| -> Range<usize> { sentences.iter().find(|r| pos <= r.end).cloned().unwrap_or(0..b.text.len()) };
    for (li, pos) in &b.links {
        links[*li].context = tidy(&b.text[sentence_of(*pos)]);
    }
    if b.cites.is_empty() || b.kind == BlockKind::Heading {
        return None;
    }
    let mut last: Option<(Range<usize>, usize)> = None;
    for (ci, pos) in &b.cites {
        let r = sentence_of(*pos);
        match &last {
            Some((lr, claim)) if *lr == r => claims[*claim].cites.push(*ci),
            _ => {
                let id = claims.len();
                claims.push(Claim {
                    id: format!("claim-{}", id + 1),
                    text: tidy(&b.text[r.clone()]),
                    block: b.id,
                    cites: vec![*ci],
                });
                last = Some((r, id));
            }
        }
    }
    inserts.push((b.node_index, Node::ClaimBlockStart(b.id)));
    Some(b.id)
}

/// Collapse whitespace and the space a removed citation leaves before punctuation.
pub fn tidy(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .replace(" .", ".")
        .replace(" ,", ",")
        .replace(" ;", ";")
        .replace(" :", ":")
        .replace("( )", "")
        .trim()
        .to_string()
}

const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "al.", "p.", "pp.", "ch.", "vs.", "dr.", "mr.", "mrs.", "ms.", "cf.", "etc.", "vol.", "no.", "fig.",
];

/// Byte ranges of the sentences in `text`.
pub fn sentence_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!') {
            continue;
        }
        // Skip closing quotes/brackets after the terminator.
        let mut j = i + 1;
        while j < chars.len() && matches!(chars[j].1, '"' | '\'' | ')' | '”' | '’' | ']') {
            j += 1;
        }
        if j >= chars.len() || !chars[j].1.is_whitespace() {
            continue;
        }
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        if k < chars.len()
            && !(chars[k].1.is_uppercase()
                || chars[k].1.is_numeric()
                || matches!(chars[k].1, '"' | '“' | '(' | NARRATIVE_OPEN))
        {
            continue;
        }
        if c == '.' {
            let word_start = text[..pos].rfind(char::is_whitespace).map_or(0, |w| w + 1);
            let word = text[word_start..=pos].to_lowercase();
            if ABBREVIATIONS.contains(&word.as_str())
                || (word.len() == 2 && word.chars().next().is_some_and(char::is_alphabetic))
            {
                continue;
            }
        }
        let end = chars.get(j).map_or(text.len(), |c| c.0);
        out.push(start..end);
        start = chars.get(k).map_or(text.len(), |c| c.0);
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

fn looks_like_citation(reference: &str) -> bool {
    reference.split(';').any(|part| {
        let p = part.trim();
        let p = p.rsplit(' ').find(|w| w.starts_with('@') || w.starts_with("-@")).unwrap_or(p);
        let key = p.trim_start_matches('-').strip_prefix('@');
        key.is_some_and(|k| k.chars().next().is_some_and(is_key_start))
    })
}

fn is_key_start(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '_' | '-' | ':' | '.' | '#' | '$' | '%' | '&' | '+' | '?' | '<' | '>' | '~' | '/')
}

/// Take a key off the front of `s` (after the `@`); trailing punctuation is not part of it.
fn take_key(s: &str) -> (&str, &str) {
    let end = s.char_indices().find(|&(_, c)| !is_key_char(c)).map_or(s.len(), |(i, _)| i);
    let mut key = &s[..end];
    while key.ends_with(|c: char| !(c.is_alphanumeric() || c == '_')) {
        key = &key[..key.len() - 1];
    }
    (key, &s[key.len()..])
}

/// `see @a, p. 3; -@b` → items. Each part: optional prefix, `@key` (or `-@key`), optional `, locator`.
pub fn parse_citation(reference: &str) -> Result<Vec<CiteItem>, String> {
    let mut items = Vec::new();
    for part in reference.split(';') {
        let part = part.trim();
        let at = part.find('@').ok_or_else(|| format!("`{part}` has no @key"))?;
        let suppress = at > 0 && part[..at].ends_with('-');
        let prefix_end = if suppress { at - 1 } else { at };
        let prefix = part[..prefix_end].trim().to_string();
        let (key, rest) = take_key(&part[at + 1..]);
        if key.is_empty() {
            return Err(format!("`{part}` has an empty key after @"));
        }
        let rest = rest.trim();
        let locator = rest.strip_prefix(',').unwrap_or(rest).trim().to_string();
        items.push(CiteItem { key: key.to_string(), prefix, locator, suppress_author: suppress });
    }
    if items.is_empty() {
        return Err("no citation keys".into());
    }
    Ok(items)
}

enum Piece {
    Text(String),
    Cite(String),
}

/// Split a text run at narrative citations (`@key`). An `@` preceded by a word
/// character (e-mail addresses) or escaped in the source (`\@`) is text.
fn split_narrative(text: &str, src: &str, range: Range<usize>) -> Vec<Piece> {
    if !text.contains('@') {
        return vec![Piece::Text(text.to_string())];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find('@') {
        let before = &rest[..i];
        let prev_char = before.chars().last().or(prev);
        let after = &rest[i + 1..];
        let (key, _) = take_key(after);
        let is_cite = !key.is_empty()
            && key.chars().next().is_some_and(is_key_start)
            && !prev_char.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@'))
            && !escaped_in_source(src, &range, key);
        cur.push_str(before);
        if is_cite {
            if !cur.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut cur)));
            }
            out.push(Piece::Cite(key.to_string()));
            rest = &after[key.len()..];
            prev = key.chars().last();
        } else {
            cur.push('@');
            rest = after;
            prev = Some('@');
        }
    }
    cur.push_str(rest);
    if !cur.is_empty() {
        out.push(Piece::Text(cur));
    }
    out
}

/// Whether every `@key` in the event's source range is written `\@key`. The
/// range may start just after the backslash, so look one byte before it too.
fn escaped_in_source(src: &str, range: &Range<usize>, key: &str) -> bool {
    let needle = format!("@{key}");
    let start = range.start.saturating_sub(1);
    let slice = src.get(start..range.end.min(src.len())).unwrap_or("");
    let hits: Vec<usize> = slice.match_indices(&needle).map(|(i, _)| start + i).collect();
    !hits.is_empty() && hits.iter().all(|&i| src[..i].ends_with('\\'))
}

fn find_span(src: &str, within: &Range<usize>, needle: &str) -> Range<usize> {
    src[within.clone()].find(needle).map_or(within.clone(), |i| within.start + i..within.start + i + needle.len())
}

fn is_internal_md_link(dest: &str) -> bool {
    if dest.contains("://")
        || dest.starts_with("mailto:")
        || dest.starts_with("tel:")
        || dest.starts_with('#')
        || dest.starts_with('/')
    {
        return false;
    }
    let path = dest.split('#').next().unwrap_or("");
    path.ends_with(".md")
}

/// Heading text → id: lower-case, runs of non-alphanumerics → `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(md: &str) -> (Doc, Vec<Diagnostic>) {
        parse_body(md, 0)
    }

    #[test]
    fn front_matter_toml_and_yaml_split() {
        let (fm, off, body, f) = split_front_matter("+++\ntitle = \"a\"\n+++\nbody").unwrap();
        assert_eq!((fm, off, body, f), ("title = \"a\"\n", 4, 20, FmFormat::Toml));
        let (fm, _, _, f) = split_front_matter("---\ntitle: a\n---\n").unwrap();
        assert_eq!((fm, f), ("title: a\n", FmFormat::Yaml));
        assert!(split_front_matter("+++\ntitle = 1\n").is_err());
        assert!(split_front_matter("").is_err());
        assert!(split_front_matter("# no fm").is_err());
    }

    #[test]
    fn unknown_key_is_reported_at_file_line_with_suggestion() {
        let src = "+++\ntitle = \"x\"\ntagz = [\"a\"]\n+++\n";
        let (fm, off, _, f) = split_front_matter(src).unwrap();
        let errs = parse_meta(src, fm, off, f).unwrap_err();
        assert_eq!(errs[0].message, "unknown key `tagz`");
        assert_eq!(errs[0].location.as_ref().unwrap().line, 3);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `tags`?"));
    }

    #[test]
    fn yaml_unknown_key_and_dates() {
        let src = "---\ntitle: x\nlast_reviewed: 2025-01-02\ndesciption: y\n---\n";
        let (fm, off, _, f) = split_front_matter(src).unwrap();
        let errs = parse_meta(src, fm, off, f).unwrap_err();
        assert_eq!(errs[0].message, "unknown key `desciption`");
        assert_eq!(errs[0].location.as_ref().unwrap().line, 4);
        let src = "---\ntitle: x\nlast_reviewed: 2025-01-02\n---\n";
        let (fm, off, _, f) = split_front_matter(src).unwrap();
        assert_eq!(parse_meta(src, fm, off, f).unwrap().last_reviewed.unwrap().to_string(), "2025-01-02");
    }

    #[test]
    fn toml_dates_and_bad_dates() {
        let src = "+++\ntitle = \"x\"\ndate = 2025-03-01\nupdated = \"2025-02-30\"\n+++\n";
        let (fm, off, _, f) = split_front_matter(src).unwrap();
        let errs = parse_meta(src, fm, off, f).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].location.as_ref().unwrap().line, 4);
    }

    #[test]
    fn citation_forms_parse() {
        let items = parse_citation("see @bordin1979, ch. 2; -@levy2018, p. 2001").unwrap();
        assert_eq!(
            items[0],
            CiteItem {
                key: "bordin1979".into(),
                prefix: "see".into(),
                locator: "ch. 2".into(),
                suppress_author: false
            }
        );
        assert_eq!(
            items[1],
            CiteItem { key: "levy2018".into(), prefix: "".into(), locator: "p. 2001".into(), suppress_author: true }
        );
    }

    #[test]
    fn citations_found_but_not_in_code_emails_or_escapes() {
        let (d, _) = doc("Alliance matters [@a; @b]. @c argued it. Mail x@y.org. `[@d]` and \\@e.\n\n```\n@f\n```\n");
        let keys: Vec<_> = d.cites.iter().flat_map(|c| c.items.iter().map(|i| i.key.clone())).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(d.cites[1].narrative);
        assert_eq!(d.claims.len(), 2);
        assert_eq!(d.claims[0].text, "Alliance matters.");
        assert_eq!(d.claims[1].text, "\u{E000}1\u{E001} argued it.");
    }

    #[test]
    fn wikilinks_and_md_links_are_recorded() {
        let (d, _) =
            doc("See [[secure-base|the base]] and [[other#goals]] and [x](../a/b.md#h) and [y](https://x.org).");
        let t: Vec<_> = d.links.iter().map(|l| (l.target.as_str(), l.kind)).collect();
        assert_eq!(
            t,
            [
                ("secure-base", LinkKind::Wiki { has_label: true }),
                ("other#goals", LinkKind::Wiki { has_label: false }),
                ("../a/b.md#h", LinkKind::Markdown)
            ]
        );
        assert!(d.links[0].context.starts_with("See the base and"));
    }

    #[test]
    fn heading_ids_are_unique_and_reserved_ids_avoided() {
        let (d, _) = doc("# Goals\n\n## Goals\n\n## References\n");
        let ids: Vec<_> = d.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["goals", "goals-1", "references-1"]);
    }

    #[test]
    fn sentences_split_but_not_at_abbreviations() {
        let t = "Bordin et al. described it, e.g. goals. Second one! Third.";
        let s: Vec<_> = sentence_ranges(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(s, ["Bordin et al. described it, e.g. goals.", "Second one!", "Third."]);
    }

    proptest::proptest! {
        // `PROPTEST_CASES` (the quick inner loop sets it) wins over the default of 512.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512)
        ))]

        #[test]
        fn front_matter_split_and_meta_never_panic(s in "(\\+\\+\\+|---|\n|title|=|:|\"|[a-z_ ]|2025-0[0-9]-[0-9]{2}|\\[|\\]){0,40}") {
            if let Ok((fm, off, _, f)) = split_front_matter(&s) {
                let _ = parse_meta(&s, fm, off, f);
            }
        }

        #[test]
        fn citation_parser_never_panics(s in "[@;, .:a-z0-9\\-\\[\\]]{0,60}") {
            if let Ok(items) = parse_citation(&s) {
                proptest::prop_assert!(items.iter().all(|i| !i.key.is_empty()));
            }
        }

        #[test]
        fn markdown_walk_never_panics(s in "(\\[\\[[a-z#|-]{0,12}\\]\\]|\\[-?@[a-z]{0,6}[;, p.0-9]{0,8}\\]|\\[see @[a-z]{1,4}\\]|@[a-z.]{1,6}|\\\\@|`|```\n|> |- |# |\\| a \\||[ a-zA-Z.!?]{0,8}|\n){0,40}") {
            // `parse_body` directly: `parse_page` would turn a panic into a diagnostic.
            let (doc, _) = parse_body(&s, 0);
            for c in &doc.cites {
                proptest::prop_assert!(c.claim.is_none_or(|x| x < doc.claims.len()));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in proptest::prelude::any::<String>()) {
            let _ = parse_body(&s, 0);
            let mut page = Page { source: s, ..Page::default() };
            let _ = parse_page(&mut page);
        }
    }

    #[test]
    fn issue_1110_input_does_not_crash() {
        let (_d, diags) = doc("a  2\n:<\n  {}\n -\n");
        assert!(diags.is_empty());
    }
}
