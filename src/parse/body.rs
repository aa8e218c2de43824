//! The markdown walk: pulldown-cmark events → [`Node`]s, with Haven's own
//! nodes for internal links, citations, code blocks and glossary-candidate
//! text; unique heading ids; links, citation groups and the claim (sentence)
//! each citation supports; plain text.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use super::citation::{find_span, looks_like_citation, parse_citation, split_narrative, Piece};
use super::sentences::{sentence_ranges, tidy};
use crate::diag::Diagnostic;
use crate::site::{slugify, CiteGroup, CiteItem, Claim, Heading, LinkKind, LinkRef, Node};

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

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}
