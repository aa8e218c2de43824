//! The markdown walk: pulldown-cmark events → [`Node`]s, with Haven's own
//! nodes for internal links, citations, code blocks and glossary-candidate
//! text; unique heading ids; links, citation groups and the claim (sentence)
//! each citation supports; plain text.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use super::citation::{find_span, looks_like_citation, parse_citation, split_narrative, Piece};
use super::sentences::{sentence_ranges, tidy};
use crate::diag::Diagnostic;
use crate::site::{slugify, CiteGroup, CiteItem, Claim, CodeBlock, Heading, LinkKind, LinkRef, Md, Node, Str};

/// What the markdown walk produces.
pub struct Doc {
    pub nodes: Vec<Node>,
    pub headings: Vec<Heading>,
    pub links: Vec<LinkRef>,
    pub path_links: Vec<(String, Range<usize>)>,
    pub embeds: Vec<crate::privacy::Embed>,
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

/// A block that can carry a claim: a paragraph, list item, table cell or
/// heading, while it is open.
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

/// A heading being read: where its start node is, and its text so far.
struct OpenHeading {
    at: usize,
    text: String,
}

/// Parse a markdown body (starting at `body_offset` in `src`) into a [`Doc`].
pub fn parse_body(src: &str, body_offset: usize) -> (Doc, Vec<Diagnostic>) {
    let body = &src[body_offset..];
    let mut callback = |link: pulldown_cmark::BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        let r = link.reference.as_ref();
        if looks_like_citation(r) {
            Some((CITE_DEST.into(), r.to_string().into()))
        } else {
            None
        }
    };
    let parser = Parser::new_with_broken_link_callback(body, markdown_options(), Some(&mut callback));
    let mut walk = Walk::new(src);
    for (event, range) in parser.into_offset_iter() {
        walk.event(event, range.start + body_offset..range.end + body_offset);
    }
    walk.finish()
}

/// The state of one walk over a body's events.
struct Walk<'s> {
    src: &'s str,
    doc: Doc,
    diags: Vec<Diagnostic>,
    used_ids: HashSet<String>,
    /// Where [`unique_id`] goes on for each base id.
    next_suffix: HashMap<String, usize>,
    link_stack: Vec<LinkFrame>,
    blocks: Vec<Block>,
    next_block: usize,
    /// Claim-block markers to insert: (node index, marker).
    claim_inserts: Vec<(usize, Node)>,
    /// An open code block: (language, code so far).
    code: Option<(String, String)>,
    heading: Option<OpenHeading>,
    /// Depth of images being read (their alt text is not prose).
    in_image: usize,
}

impl<'s> Walk<'s> {
    fn new(src: &'s str) -> Walk<'s> {
        Walk {
            src,
            doc: Doc {
                nodes: Vec::new(),
                headings: Vec::new(),
                links: Vec::new(),
                path_links: Vec::new(),
                embeds: Vec::new(),
                cites: Vec::new(),
                claims: Vec::new(),
                text: String::new(),
            },
            diags: Vec::new(),
            used_ids: crate::site::THEME_IDS.iter().map(|s| s.to_string()).collect(),
            next_suffix: HashMap::new(),
            link_stack: Vec::new(),
            blocks: Vec::new(),
            next_block: 0,
            claim_inserts: Vec::new(),
            code: None,
            heading: None,
            in_image: 0,
        }
    }

    fn push(&mut self, node: Node) {
        self.doc.nodes.push(node);
    }

    fn push_md(&mut self, event: Event<'_>) {
        self.push(Node::Md(Md::of(event, self.src)));
    }

    /// One event, at `abs` (a range of the whole file).
    fn event(&mut self, event: Event<'_>, abs: Range<usize>) {
        let swallowing = matches!(self.link_stack.last(), Some(LinkFrame::Swallow { .. }));
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    pulldown_cmark::CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, body)) = self.code.take() {
                    self.doc.text.push_str(&body);
                    self.doc.text.push('\n');
                    self.push(Node::Code(Box::new(CodeBlock { lang, code: body })));
                }
            }
            Event::Text(t) if self.code.is_some() => {
                if let Some((_, body)) = self.code.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::Start(Tag::Heading { level, .. }) => self.heading_start(level),
            Event::End(TagEnd::Heading(level)) => self.heading_end(level),
            Event::Start(Tag::Paragraph) => {
                self.open_block(BlockKind::Paragraph);
                self.push_md(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                self.push_md(Event::End(TagEnd::Paragraph));
                self.close_claim_block();
            }
            Event::Start(Tag::Item) => {
                self.push_md(Event::Start(Tag::Item));
                self.open_block(BlockKind::Item);
            }
            Event::End(TagEnd::Item) => {
                self.close_claim_block();
                self.push_md(Event::End(TagEnd::Item));
            }
            Event::Start(Tag::TableCell) => {
                self.push_md(Event::Start(Tag::TableCell));
                self.open_block(BlockKind::Cell);
            }
            Event::End(TagEnd::TableCell) => {
                self.close_claim_block();
                self.push_md(Event::End(TagEnd::TableCell));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                if swallowing {
                    self.link_stack.push(LinkFrame::Swallow { internal: false });
                } else {
                    self.link_start(link_type, dest_url, title, id, abs);
                }
            }
            Event::End(TagEnd::Link) => match self.link_stack.pop() {
                Some(LinkFrame::Plain) => self.push_md(Event::End(TagEnd::Link)),
                Some(LinkFrame::Internal) | Some(LinkFrame::Swallow { internal: true })
                    if !matches!(self.link_stack.last(), Some(LinkFrame::Swallow { .. })) =>
                {
                    self.push(Node::LinkEnd)
                }
                _ => {}
            },
            _ if swallowing => {}
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                if crate::privacy::origin(dest_url).is_some() {
                    // The destination as written, inside the image's span.
                    let at = self
                        .src
                        .get(abs.clone())
                        .and_then(|t| t.rfind(dest_url.as_ref()))
                        .map_or(abs.start, |p| abs.start + p);
                    self.doc.embeds.push(crate::privacy::Embed {
                        span: at..at + dest_url.len(),
                        url: dest_url.to_string(),
                        what: "an image",
                    });
                }
                self.in_image += 1;
                self.push_md(event);
            }
            Event::End(TagEnd::Image) => {
                self.in_image = self.in_image.saturating_sub(1);
                self.push_md(event);
            }
            Event::Text(t) => self.text(t, abs),
            Event::Code(t) => {
                if let Some(h) = self.heading.as_mut() {
                    h.text.push_str(&t);
                }
                self.push_text(&t);
                self.push_md(Event::Code(t));
            }
            Event::SoftBreak | Event::HardBreak => {
                self.push_text(" ");
                self.push_md(event);
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) => {
                // Raw HTML: the event's text is the source's, from the span's start.
                let base = abs.start;
                self.doc.embeds.extend(
                    crate::privacy::in_html(h)
                        .into_iter()
                        .map(|e| crate::privacy::Embed { span: e.span.start + base..e.span.end + base, ..e }),
                );
                self.push_md(event);
            }
            other => self.push_md(other),
        }
    }

    /// A heading's start node goes in now; its id once its text is known.
    fn heading_start(&mut self, level: HeadingLevel) {
        self.heading = Some(OpenHeading { at: self.doc.nodes.len(), text: String::new() });
        self.push_md(Event::Start(Tag::Heading { level, id: None, classes: vec![], attrs: vec![] }));
        self.open_block(BlockKind::Heading);
    }

    fn heading_end(&mut self, level: HeadingLevel) {
        self.close_block();
        if let Some(h) = self.heading.take() {
            let id = unique_id(&slugify(&h.text), &mut self.used_ids, &mut self.next_suffix);
            if let Some(Node::Md(Md::Other(start))) = self.doc.nodes.get_mut(h.at) {
                if let Event::Start(Tag::Heading { id: slot, .. }) = &mut **start {
                    *slot = Some(CowStr::from(id.clone()));
                }
            }
            self.push(Node::HeadingAnchor(self.doc.headings.len()));
            self.doc.headings.push(Heading { level: level as u8, text: h.text.trim().to_string(), id });
        }
        self.push_md(Event::End(TagEnd::Heading(level)));
    }

    fn link_start(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'_>,
        title: CowStr<'_>,
        id: CowStr<'_>,
        abs: Range<usize>,
    ) {
        if dest_url.as_ref() == CITE_DEST
            && matches!(link_type, LinkType::ShortcutUnknown | LinkType::CollapsedUnknown | LinkType::ReferenceUnknown)
        {
            self.bracketed_citation(title.as_ref(), abs);
            self.link_stack.push(LinkFrame::Swallow { internal: false });
            return;
        }
        let wiki = matches!(link_type, LinkType::WikiLink { .. });
        if !wiki && !is_internal_md_link(&dest_url) {
            if may_be_on_site(&dest_url) {
                self.doc.path_links.push((dest_url.to_string(), abs.clone()));
            }
            self.link_stack.push(LinkFrame::Plain);
            self.push_md(Event::Start(Tag::Link { link_type, dest_url, title, id }));
            return;
        }
        let has_label = match link_type {
            LinkType::WikiLink { has_pothole } => has_pothole,
            _ => true,
        };
        let idx = self.doc.links.len();
        self.doc.links.push(LinkRef {
            kind: if wiki { LinkKind::Wiki { has_label } } else { LinkKind::Markdown },
            target: dest_url.to_string(),
            span: abs,
            context: String::new(),
            resolved: None,
        });
        if let Some(b) = self.blocks.last_mut() {
            b.links.push((idx, b.text.len()));
        }
        self.push(Node::LinkStart(idx));
        self.link_stack.push(if has_label { LinkFrame::Internal } else { LinkFrame::Swallow { internal: true } });
        if !has_label {
            // Keep the sentence readable for claim/backlink context.
            self.push_text(&dest_url.split('#').next().unwrap_or("").replace('-', " "));
        }
    }

    /// `[@key, p. 3]`: a citation group, or an error at its text.
    fn bracketed_citation(&mut self, reference: &str, abs: Range<usize>) {
        match parse_citation(reference) {
            Ok(items) => {
                let idx = self.doc.cites.len();
                self.doc.cites.push(CiteGroup {
                    items,
                    narrative: false,
                    span: abs,
                    claim: None,
                    rendered: String::new(),
                });
                self.attach_cite(idx);
                self.push(Node::Cite(idx));
            }
            Err(msg) => {
                let raw = &self.src[abs.clone()];
                self.diags.push(
                    Diagnostic::error(format!("malformed citation `{raw}`: {msg}"))
                        .at(self.src, abs)
                        .help("write citations as [@key], [@a; @b], [@key, p. 12] or [see @key]"),
                );
            }
        }
    }

    /// Text: prose (with narrative citations `@key`), or text inside a
    /// heading, link or image alt.
    fn text(&mut self, t: CowStr<'_>, abs: Range<usize>) {
        if let Some(h) = self.heading.as_mut() {
            h.text.push_str(&t);
        }
        if self.heading.is_some() || !self.link_stack.is_empty() || self.in_image > 0 {
            if self.in_image == 0 {
                self.push_text(&t);
            }
            self.push_md(Event::Text(t));
            return;
        }
        // Each narrative `@key` is looked for after the previous one.
        let mut search = abs.clone();
        for piece in split_narrative(&t, self.src, abs.clone()) {
            match piece {
                Piece::Text(r) => {
                    let s = &t[r];
                    self.push_text(s);
                    self.push(Node::Text(Str::of(s, self.src)));
                }
                Piece::Cite(key) => {
                    let idx = self.doc.cites.len();
                    let span = find_span(self.src, &search, &format!("@{key}"));
                    if span != search {
                        search.start = span.end;
                    }
                    self.doc.cites.push(CiteGroup {
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
                    self.attach_cite(idx);
                    // The author's name is part of the sentence: keep a
                    // marker that `link` replaces with the formatted name.
                    self.push_text(&format!("{NARRATIVE_OPEN}{idx}{NARRATIVE_CLOSE}"));
                    self.push(Node::Cite(idx));
                }
            }
        }
    }

    fn open_block(&mut self, kind: BlockKind) {
        let node_index = self.doc.nodes.len();
        self.blocks.push(Block {
            id: self.next_block,
            node_index,
            text: String::new(),
            cites: Vec::new(),
            links: Vec::new(),
            kind,
        });
        self.next_block += 1;
    }

    fn push_text(&mut self, s: &str) {
        if let Some(b) = self.blocks.last_mut() {
            b.text.push_str(s);
        }
    }

    fn attach_cite(&mut self, idx: usize) {
        if let Some(b) = self.blocks.last_mut() {
            b.cites.push((idx, b.text.len()));
        }
    }

    /// [`Walk::close_block`], and the claim-block end marker after it when
    /// it carries claims.
    fn close_claim_block(&mut self) {
        let end = self.doc.nodes.len();
        if let Some(id) = self.close_block() {
            self.claim_inserts.push((end, Node::ClaimBlockEnd(id)));
        }
    }

    /// Close the innermost block: add its text to the page text, make claims
    /// out of its citations, give its links their sentence. Returns the
    /// block id if it carries citations (the caller places the end marker).
    fn close_block(&mut self) -> Option<usize> {
        let b = self.blocks.pop()?;
        let clean = b.text.trim();
        if !clean.is_empty() {
            self.doc.text.push_str(clean);
            self.doc.text.push('\n');
        }
        let sentences = sentence_ranges(&b.text);
        let sentence_of = |pos: usize| -> Range<usize> {
            // The first sentence ending at or after `pos` (they are in order).
            sentences.get(sentences.partition_point(|r| r.end < pos)).cloned().unwrap_or(0..b.text.len())
        };
        for (li, pos) in &b.links {
            let r = sentence_of(*pos);
            self.doc.links[*li].context = context_around(&b.text[r.clone()], pos.saturating_sub(r.start));
        }
        if b.cites.is_empty() || b.kind == BlockKind::Heading {
            return None;
        }
        let claims = &mut self.doc.claims;
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
        self.claim_inserts.push((b.node_index, Node::ClaimBlockStart(b.id)));
        Some(b.id)
    }

    /// The document, with the claim-block markers put in place (margin notes
    /// go before a block, disclosures after it) in one pass.
    fn finish(mut self) -> (Doc, Vec<Diagnostic>) {
        let mut inserts = std::mem::take(&mut self.claim_inserts);
        inserts.sort_by_key(|(at, n)| (*at, matches!(n, Node::ClaimBlockStart(_))));
        if !inserts.is_empty() {
            let old = std::mem::take(&mut self.doc.nodes);
            let mut nodes = Vec::with_capacity(old.len() + inserts.len());
            let mut inserts = inserts.into_iter().peekable();
            for (i, node) in old.into_iter().enumerate() {
                while let Some((_, marker)) = inserts.next_if(|(at, _)| *at == i) {
                    nodes.push(marker);
                }
                nodes.push(node);
            }
            nodes.extend(inserts.map(|(_, marker)| marker));
            self.doc.nodes = nodes;
        }
        for (ci, claim) in self.doc.claims.iter().enumerate() {
            for &c in &claim.cites {
                self.doc.cites[c].claim = Some(ci);
            }
        }
        (self.doc, self.diags)
    }
}

/// A link `link` should check: not to another scheme (`mailto:`, `tel:`,
/// `data:`…); one with `http(s)://` is checked only when it is under the
/// site's own base URL, which `link` knows.
fn may_be_on_site(dest: &str) -> bool {
    let scheme = dest.split_once(':').map(|(s, _)| s).filter(|s| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !s.contains('/')
    });
    match scheme {
        Some(s) => s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"),
        None => !dest.starts_with("//") && !dest.is_empty(),
    }
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

/// `base`, or `base-1`, `base-2`, … the first not in `used`. `next` remembers
/// where each base's search ended, so n equal headings cost O(n), not O(n²).
fn unique_id(base: &str, used: &mut HashSet<String>, next: &mut HashMap<String, usize>) -> String {
    if used.insert(base.to_string()) {
        return base.to_string();
    }
    let n = next.entry(base.to_string()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// The sentence around a link, for its backlink: whole when it is short, else
/// the words within about 150 characters of the link (a paragraph with no full
/// stop must not give each of thousands of links its own copy of it).
fn context_around(sentence: &str, link_at: usize) -> String {
    const HALF: usize = 150;
    if sentence.len() <= 2 * HALF {
        return tidy(sentence);
    }
    let floor = |i: usize| (0..=i.min(sentence.len())).rev().find(|&j| sentence.is_char_boundary(j)).unwrap_or(0);
    let start = floor(link_at.saturating_sub(HALF));
    let end = floor((link_at + HALF).min(sentence.len()));
    let start = sentence[start..end].find(' ').map_or(start, |s| start + s + 1);
    let end = sentence[start..end].rfind(' ').map_or(end, |e| start + e);
    format!(
        "{}{}{}",
        if start > 0 { "… " } else { "" },
        tidy(&sentence[start..end]),
        if end < sentence.len() { " …" } else { "" }
    )
}
