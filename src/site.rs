//! The one model that flows through the pipeline: [`Site`] and its [`Page`]s.
//!
//! Who fills what:
//! - `load`  → `Site::pages[*].{file, source}`, `Site::bibliography`
//! - `parse` → `Page::{meta, body_offset, nodes, headings, links, cites, text, claims}`
//! - `link`  → `Page::{url, slug, section}`, resolved links and citations,
//!   backlinks, sections, taxonomies, series, the Sources index
//!
//! `render` and `index` only borrow the finished `Site`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Tag, TagEnd};

use crate::config::Config;

pub type PageId = usize;

/// A calendar date (proleptic Gregorian), as written in front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parse `YYYY-MM-DD` (a time part after `T` or a space is ignored).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let date = s.split(['T', ' ']).next()?;
        let mut it = date.splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let d = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= d.days_in_month()).then_some(d)
    }

    fn days_in_month(&self) -> u32 {
        match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0 => 29,
            _ => 28,
        }
    }

    /// The same day `months` later (clamped to the month's last day).
    pub fn add_months(&self, months: u32) -> Date {
        let total = self.year * 12 + (self.month as i32 - 1) + months as i32;
        let mut d = Date { year: total.div_euclid(12), month: total.rem_euclid(12) as u32 + 1, day: 1 };
        d.day = self.day.min(d.days_in_month());
        d
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` later.
    pub fn add_days(&self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Howard Hinnant's `civil_from_days`.
    pub fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// "25 November 2026"
    pub fn human(&self) -> String {
        format!("{} {} {}", self.day, self.month_name(), self.year)
    }

    pub fn month_name(&self) -> &'static str {
        const M: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        M[(self.month - 1) as usize]
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Validated front matter of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub title: String,
    pub description: String,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub author: String,
    pub reviewed_by: String,
    pub last_reviewed: Option<Date>,
    pub next_review: Option<Date>,
    pub tags: Vec<String>,
    pub audience: Vec<String>,
    pub series: Option<String>,
    pub weight: i64,
    pub slug: Option<String>,
    pub aliases: Vec<String>,
    pub draft: bool,
    pub synonyms: Vec<String>,
    /// Words readers use for the page (`keywords`): searched like the
    /// title, never shown.
    pub keywords: Vec<String>,
    /// Funding or conflicts of interest of this article (shown on it).
    pub disclosure: String,
    /// Extra bibliography files for this page, relative to the page's folder.
    pub bibliography: Vec<String>,
    pub sort_by: SortBy,
    pub reading_path: Vec<String>,
    pub reading_path_title: String,
    /// What changed and when (`[[changes]]`), newest first.
    pub changes: Vec<Change>,
    /// A summary box at the top of the article and its handout (`key_points`).
    pub key_points: Vec<String>,
    /// 1-based line of each front-matter key, for later diagnostics.
    pub key_lines: BTreeMap<String, usize>,
}

/// One entry of an article's change history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub date: Date,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Weight,
    Date,
    Title,
}

/// A heading in a page, with its unique id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

/// An internal link found in markdown: `[[slug#h|label]]` or `[t](rel.md#h)`.
#[derive(Debug, Clone)]
pub struct LinkRef {
    pub kind: LinkKind,
    /// Raw target as written (`slug#heading`, `../a/b.md#x`).
    pub target: String,
    /// Byte span in the page's source.
    pub span: std::ops::Range<usize>,
    /// The sentence around the link, for backlink context.
    pub context: String,
    /// Filled by `link`: the resolved URL (site-absolute path with fragment).
    pub resolved: Option<Resolved>,
}

#[derive(Debug, Clone)]
pub struct Resolved {
    pub page: PageId,
    pub href: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `[[target]]`: label defaults to the target's title.
    Wiki { has_label: bool },
    /// `[text](relative.md)`.
    Markdown,
}

/// One cited source inside a citation group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteItem {
    pub key: String,
    pub prefix: String,
    /// Locator as written, e.g. `p. 2001` or `ch. 2`.
    pub locator: String,
    pub suppress_author: bool,
}

/// A citation as written: `[@a; @b, p. 3]` or narrative `@a`.
#[derive(Debug, Clone)]
pub struct CiteGroup {
    pub items: Vec<CiteItem>,
    pub narrative: bool,
    pub span: std::ops::Range<usize>,
    /// Index into `Page::claims`; `None` for a citation outside any claim
    /// block (in a heading, or in raw structure the parser did not open a block for).
    pub claim: Option<usize>,
    /// Filled by `link`: the formatted in-text citation as escaped HTML (e.g.
    /// `(Levy et al., 2018)`, `<i>…</i>` where the style sets italics).
    pub rendered: String,
}

impl CiteGroup {
    /// Where each item's `@key` is written in `source` (the page's text), in
    /// item order; `None` for one not found as written within the group.
    pub fn key_spans(&self, source: &str) -> Vec<Option<std::ops::Range<usize>>> {
        let mut cursor = self.span.start;
        self.items
            .iter()
            .map(|item| {
                let at = source.get(cursor..self.span.end)?.find(&format!("@{}", item.key))?;
                let start = cursor + at;
                cursor = start + 1 + item.key.len();
                Some(start..cursor)
            })
            .collect()
    }
}

/// The sentence (or list item, or table cell) that carries one or more citations.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub text: String,
    /// Leaf block this claim belongs to (index into the block counter of the page).
    pub block: usize,
    pub cites: Vec<usize>,
}

/// The parsed document: markdown events plus Haven's own inline nodes.
/// 24 bytes a node: a long article has hundreds, and every page's nodes are
/// kept from parse to render. Their text is read from the page's source
/// ([`Str`]): a node holds no copy of what the source already says.
#[derive(Debug, Clone)]
pub enum Node {
    Md(Md),
    /// Index into `Page::links`; the link's label nodes follow until `LinkEnd`.
    LinkStart(usize),
    LinkEnd,
    /// Index into `Page::cites`.
    Cite(usize),
    /// Start of a leaf block (paragraph, item, cell) that carries claims.
    ClaimBlockStart(usize),
    ClaimBlockEnd(usize),
    /// Candidate text for glossary linking: a text run outside links, code, headings.
    Text(Str),
    /// A fenced or indented code block, highlighted at render time.
    Code(Box<CodeBlock>),
    /// A heading's closing self-link (index into `Page::headings`).
    HeadingAnchor(usize),
}

/// A fenced or indented code block: its language (`""` for none) and code.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    pub lang: String,
    pub code: String,
}

/// Text of a page's body: where it is in the page's source, or its own
/// copy where markdown changed what the source says (an entity, an escape).
/// Most of a page's text is written as it reads, so its nodes hold spans,
/// not copies: a copy of every text run took as much memory as the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Str {
    /// Byte range `start..end` of the page's source.
    Span(u32, u32),
    Own(Box<str>),
}

impl Str {
    /// `text` as a span of `src` if it is a slice of `src` (the same bytes
    /// in memory, as the markdown parser hands out), else a copy.
    pub fn of(text: &str, src: &str) -> Str {
        let start = (text.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
        let inside = start <= src.len() && text.len() <= src.len() - start;
        match (inside, u32::try_from(start), u32::try_from(start + text.len())) {
            (true, Ok(start), Ok(end)) => Str::Span(start, end),
            _ => Str::Own(text.into()),
        }
    }

    /// The text, read from `src` (the source of the page it came from).
    pub fn get<'a>(&'a self, src: &'a str) -> &'a str {
        match self {
            Str::Span(start, end) => src.get(*start as usize..*end as usize).unwrap_or(""),
            Str::Own(text) => text,
        }
    }
}

/// A markdown event as a page keeps it. The events most of a page is made
/// of (text, breaks, starts and ends of tags that carry no strings) take 24
/// bytes; the rest (headings, links, images, tables, rules, footnotes …) a
/// box. pulldown-cmark's own [`Event`] takes 80 bytes for every one of them.
#[derive(Debug, Clone)]
pub enum Md {
    Text(Str),
    Code(Str),
    Html(Str),
    InlineHtml(Str),
    SoftBreak,
    HardBreak,
    Start(PlainTag),
    End(TagEnd),
    Other(Box<Event<'static>>),
}

/// A tag that carries no strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainTag {
    Paragraph,
    BlockQuote(Option<BlockQuoteKind>),
    HtmlBlock,
    List(Option<u64>),
    Item,
    TableHead,
    TableRow,
    TableCell,
    Emphasis,
    Strong,
    Strikethrough,
    Superscript,
    Subscript,
}

impl PlainTag {
    fn tag(self) -> Tag<'static> {
        match self {
            PlainTag::Paragraph => Tag::Paragraph,
            PlainTag::BlockQuote(kind) => Tag::BlockQuote(kind),
            PlainTag::HtmlBlock => Tag::HtmlBlock,
            PlainTag::List(start) => Tag::List(start),
            PlainTag::Item => Tag::Item,
            PlainTag::TableHead => Tag::TableHead,
            PlainTag::TableRow => Tag::TableRow,
            PlainTag::TableCell => Tag::TableCell,
            PlainTag::Emphasis => Tag::Emphasis,
            PlainTag::Strong => Tag::Strong,
            PlainTag::Strikethrough => Tag::Strikethrough,
            PlainTag::Superscript => Tag::Superscript,
            PlainTag::Subscript => Tag::Subscript,
        }
    }

    fn of(tag: &Tag<'_>) -> Option<PlainTag> {
        Some(match tag {
            Tag::Paragraph => PlainTag::Paragraph,
            Tag::BlockQuote(kind) => PlainTag::BlockQuote(*kind),
            Tag::HtmlBlock => PlainTag::HtmlBlock,
            Tag::List(start) => PlainTag::List(*start),
            Tag::Item => PlainTag::Item,
            Tag::TableHead => PlainTag::TableHead,
            Tag::TableRow => PlainTag::TableRow,
            Tag::TableCell => PlainTag::TableCell,
            Tag::Emphasis => PlainTag::Emphasis,
            Tag::Strong => PlainTag::Strong,
            Tag::Strikethrough => PlainTag::Strikethrough,
            Tag::Superscript => PlainTag::Superscript,
            Tag::Subscript => PlainTag::Subscript,
            _ => return None,
        })
    }
}

impl Md {
    /// `event` of a body parsed from `src`: its text as spans of `src`.
    pub fn of(event: Event<'_>, src: &str) -> Md {
        match event {
            Event::Text(s) => Md::Text(Str::of(&s, src)),
            Event::Code(s) => Md::Code(Str::of(&s, src)),
            Event::Html(s) => Md::Html(Str::of(&s, src)),
            Event::InlineHtml(s) => Md::InlineHtml(Str::of(&s, src)),
            Event::SoftBreak => Md::SoftBreak,
            Event::HardBreak => Md::HardBreak,
            Event::End(end) => Md::End(end),
            Event::Start(tag) => match PlainTag::of(&tag) {
                Some(plain) => Md::Start(plain),
                None => Md::Other(Box::new(Event::Start(tag).into_static())),
            },
            other => Md::Other(Box::new(other.into_static())),
        }
    }

    /// The event, its text read from `src`, the source of the page it came
    /// from (boxed tags are cloned; few hold text).
    pub fn event<'a>(&'a self, src: &'a str) -> Event<'a> {
        let b = |s: &'a Str| CowStr::Borrowed(s.get(src));
        match self {
            Md::Text(s) => Event::Text(b(s)),
            Md::Code(s) => Event::Code(b(s)),
            Md::Html(s) => Event::Html(b(s)),
            Md::InlineHtml(s) => Event::InlineHtml(b(s)),
            Md::SoftBreak => Event::SoftBreak,
            Md::HardBreak => Event::HardBreak,
            Md::Start(plain) => Event::Start(plain.tag()),
            Md::End(end) => Event::End(*end),
            Md::Other(event) => (**event).clone(),
        }
    }
}

/// Element ids the default theme gives a page beside its headings, and
/// `top` (every browser's top of the document). A heading never takes one of
/// these ids (`parse`), and a link may point at one (`link`).
pub const THEME_IDS: &[&str] = &[
    "top",
    "main",
    "page-title",
    "path-title",
    "references",
    "linked-from",
    "related",
    "latest-topic",
    "site-search-input",
    "search-results",
    "search-status",
    "search-correction",
    "search-more",
    "search-tag",
    "search-audience",
];

/// One markdown file.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Set by `link` (after drafts are dropped): the index in `Site::pages`.
    pub id: PageId,
    /// Path relative to `content/`, with `/` separators: `attachment/secure.md`.
    pub rel_path: String,
    /// Path as shown in diagnostics: `content/attachment/secure.md`.
    pub file: PathBuf,
    pub source: String,
    pub is_section: bool,
    pub meta: Meta,
    /// When the file last changed, from the site's git history (set by `load`).
    pub git_changed: Option<Date>,
    pub body_offset: usize,
    pub nodes: Vec<Node>,
    pub headings: Vec<Heading>,
    pub links: Vec<LinkRef>,
    /// Other links to a path that may be on this site (`/tags/x/`,
    /// `../other/`, `#heading`, the base URL's own), as written, with their
    /// byte span: `link` checks that each target exists.
    pub path_links: Vec<(String, std::ops::Range<usize>)>,
    /// Images and raw HTML that would load something from another site
    /// (`link` reports those `[privacy]` does not allow).
    pub embeds: Vec<crate::privacy::Embed>,
    pub cites: Vec<CiteGroup>,
    pub claims: Vec<Claim>,
    /// Plain text of the body, for search, reading time and readability.
    pub text: String,
    pub word_count: usize,
    // --- filled by `link` ---
    pub slug: String,
    /// Section key (`attachment`; `""` for the home section).
    pub section: String,
    /// Site-relative URL path without the base: `attachment/secure/` (`""` = home).
    pub path: String,
    /// Pages that link here, with the sentence that links (sorted, deduplicated).
    pub backlinks: Vec<Backlink>,
    pub related: Vec<PageId>,
    /// Distinct bibliography keys cited, in order of first citation.
    pub cited_keys: Vec<String>,
    /// Glossary terms linked in this page: term page, node index of the
    /// `Node::Text` holding the first mention, and the byte range in it.
    pub glossary_links: Vec<(PageId, usize, std::ops::Range<usize>)>,
    /// Position on a reading path: (path index, step index).
    pub path_step: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Backlink {
    pub from: PageId,
    pub context: String,
}

impl Page {
    /// When the page last changed: its newest `[[changes]]` entry, else
    /// `updated`, else the date git gives its file.
    pub fn last_changed(&self) -> Option<Date> {
        self.meta.changes.first().map(|c| c.date).or(self.meta.updated).or(self.git_changed)
    }

    pub fn is_glossary_term(&self) -> bool {
        !self.is_section && self.section == "glossary"
    }
    /// When the page is next due for review: its `next_review`, else its
    /// `last_reviewed` plus the site's interval (`None` without either).
    pub fn next_review(&self, interval_months: u32) -> Option<Date> {
        self.meta.next_review.or_else(|| self.meta.last_reviewed.map(|d| d.add_months(interval_months)))
    }
    /// Reading time in minutes at 200 words a minute, at least 1.
    pub fn reading_minutes(&self) -> usize {
        self.word_count.div_ceil(200).max(1)
    }
}

/// A folder of pages.
#[derive(Debug, Clone)]
pub struct Section {
    /// `attachment`, `""` for the root.
    pub key: String,
    /// The `_index.md` page, if present.
    pub index: Option<PageId>,
    pub title: String,
    pub pages: Vec<PageId>,
    pub subsections: Vec<String>,
}

/// A bibliography source that the site knows.
#[derive(Debug, Clone)]
pub struct Source {
    pub key: String,
    /// File it was defined in (as shown) and 1-based line.
    pub file: PathBuf,
    pub line: usize,
    /// The entry in CSL-JSON form (every bibliography format is converted to it).
    pub entry: hayagriva::citationberg::json::Item,
    /// What kind of evidence it is, as its entry says.
    pub evidence: crate::evidence::Evidence,
    /// Free-text note (CSL `note`), used for "unverified" warnings.
    pub note: String,
    /// Formatted reference, filled by `link` (HTML, escaped, class-styled).
    pub html: String,
    /// Formatted reference as plain text.
    pub text: String,
    /// Pages and claims that cite it, filled by `link`.
    pub cited_by: Vec<(PageId, usize)>,
}

/// An ordered reading path defined in a section's `_index.md`.
#[derive(Debug, Clone)]
pub struct ReadingPath {
    pub title: String,
    pub section: String,
    pub pages: Vec<PageId>,
}

/// The whole site.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    /// Bibliography in load order; `link` sorts the cited ones into style order.
    pub sources: Vec<Source>,
    // --- filled by `link` ---
    pub sections: BTreeMap<String, Section>,
    pub tags: BTreeMap<String, Vec<PageId>>,
    pub audiences: BTreeMap<String, Vec<PageId>>,
    /// Series name → pages, newest first.
    pub series: BTreeMap<String, Vec<PageId>>,
    pub reading_paths: Vec<ReadingPath>,
    /// Keys of cited sources in the style's bibliography order.
    pub cited_order: Vec<usize>,
    /// Redirects from `aliases`: (old site-relative path, target page).
    pub aliases: Vec<(String, PageId)>,
    /// Static files (site `static/`), as (relative path, bytes).
    pub assets: Vec<(String, Vec<u8>)>,
    /// Pages marked `draft = true` that `link` left out (no `--drafts`).
    pub drafts_left_out: usize,
}

impl Site {
    pub fn new(config: Config) -> Site {
        Site {
            config,
            pages: Vec::new(),
            sources: Vec::new(),
            sections: BTreeMap::new(),
            tags: BTreeMap::new(),
            audiences: BTreeMap::new(),
            series: BTreeMap::new(),
            reading_paths: Vec::new(),
            cited_order: Vec::new(),
            aliases: Vec::new(),
            assets: Vec::new(),
            drafts_left_out: 0,
        }
    }

    /// Pages with a URL of their own (articles, section indexes, the home
    /// page), and glossary terms (shown on the glossary page): the counts
    /// `haven build` and `haven check` both report.
    pub fn page_counts(&self) -> (usize, usize) {
        let terms = self.pages.iter().filter(|p| p.is_glossary_term()).count();
        (self.pages.len() - terms, terms)
    }

    /// "44 pages and 35 glossary terms" (the glossary part when there are terms).
    pub fn describe_pages(&self) -> String {
        let (pages, terms) = self.page_counts();
        let mut out = format!("{pages} page{}", if pages == 1 { "" } else { "s" });
        if terms > 0 {
            out.push_str(&format!(" and {terms} glossary term{}", if terms == 1 { "" } else { "s" }));
        }
        out
    }

    /// The full address of a site-relative path under `base_url`
    /// (`https://x.org/kb/a/`), or `None` when the site has no absolute base
    /// (served from `/`, or relative).
    pub fn absolute_url(&self, path: &str) -> Option<String> {
        (!self.config.base_url.is_empty()).then(|| format!("{}/{path}", self.config.base_url))
    }

    /// Site-absolute URL of a site-relative path (`attachment/x/` → `/kb/attachment/x/`).
    pub fn url(&self, path: &str) -> String {
        if self.config.relative && (path.is_empty() || path.ends_with('/')) {
            // From disk there is no directory index: name the file.
            format!("{}{}index.html", self.config.base_path, path)
        } else {
            format!("{}{}", self.config.base_path, path)
        }
    }

    /// Articles: pages that are neither section indexes nor glossary terms.
    pub fn articles(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| !p.is_section && !p.is_glossary_term())
    }

    /// Who wrote `p`, as written: its own `author`, else the site's default.
    pub fn author_of<'a>(&'a self, p: &'a Page) -> &'a str {
        own_or(&p.meta.author, &self.config.site.defaults.author)
    }

    /// Who last reviewed `p`, as written: its own `reviewed_by`, else the site's default.
    pub fn reviewer_of<'a>(&'a self, p: &'a Page) -> &'a str {
        own_or(&p.meta.reviewed_by, &self.config.site.defaults.reviewed_by)
    }

    /// The person an `author` or `reviewed_by` value names by id.
    pub fn person(&self, value: &str) -> Option<(&str, &crate::config::Person)> {
        self.config.site.people.get_key_value(value.trim()).map(|(k, p)| (k.as_str(), p))
    }

    /// How readers see an `author` or `reviewed_by` value: the person's name
    /// when it is an id, else the value as written.
    pub fn display_name<'a>(&'a self, value: &'a str) -> &'a str {
        self.person(value).map_or(value, |(_, p)| p.name.as_str())
    }

    /// Each kind of evidence among the cited sources, with how many, in [`crate::evidence::Kind::ALL`] order.
    pub fn cited_kinds(&self) -> Vec<(crate::evidence::Kind, usize)> {
        let mut counts = [0usize; crate::evidence::Kind::ALL.len()];
        for &i in &self.cited_order {
            if let Some(k) = self.sources[i].evidence.kind {
                if let Some(at) = crate::evidence::Kind::ALL.iter().position(|&x| x == k) {
                    counts[at] += 1;
                }
            }
        }
        crate::evidence::Kind::ALL.into_iter().zip(counts).filter(|&(_, n)| n > 0).collect()
    }

    /// Pages with a change history, each change with its page, newest first.
    pub fn changes(&self) -> Vec<(&Page, &Change)> {
        let mut all: Vec<(&Page, &Change)> =
            self.articles().flat_map(|p| p.meta.changes.iter().map(move |c| (p, c))).collect();
        all.sort_by(|a, b| b.1.date.cmp(&a.1.date).then_with(|| a.0.path.cmp(&b.0.path)));
        all
    }
}

/// A page's own value (trimmed), else the site's default.
fn own_or<'a>(own: &'a str, default: &'a str) -> &'a str {
    match own.trim() {
        "" => default.trim(),
        own => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_24_bytes_and_keeps_every_markdown_event_as_it_was() {
        assert!(std::mem::size_of::<Node>() <= 24, "{} bytes", std::mem::size_of::<Node>());
        let md = "# Title {#id}\n\nText *em* **strong** ~~gone~~ `code` <b>x</b> [a](https://x.org \"t\") ![i](p.png)\\\nnext\n\n\
                  > [!NOTE]\n> quoted\n\n3. three\n4. four\n\n- [x] done\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n\
                  ---\n\n<div>\nhtml\n</div>\n\nA note[^n].\n\n[^n]: The note.\n\n```rust\nfn x() {}\n```\n\n[[Wiki link]]\n\nsoft\nbreak\n";
        let options = crate::parse::body::markdown_options() | pulldown_cmark::Options::ENABLE_GFM;
        let events: Vec<Event<'_>> = pulldown_cmark::Parser::new_ext(md, options).collect();
        for kind in [
            "Start(Paragraph",
            "Start(List(Some(3",
            "Start(BlockQuote(Some",
            "Start(Table",
            "TaskListMarker",
            "Rule",
            "FootnoteReference",
            "Start(Heading",
            "SoftBreak",
            "HardBreak",
            "Start(Strikethrough",
            "InlineHtml",
            "Html(",
        ] {
            assert!(events.iter().any(|e| format!("{e:?}").starts_with(kind)), "the sample has no {kind}");
        }
        let mut spans = 0;
        for e in events {
            let kept = Md::of(e.clone(), md);
            spans += usize::from(matches!(kept, Md::Text(Str::Span(..)) | Md::Code(Str::Span(..))));
            assert_eq!(kept.event(md), e);
        }
        assert!(spans > 5, "text written as it reads is kept as spans of the source");
    }

    #[test]
    fn text_is_a_span_of_the_source_only_if_it_is_a_slice_of_it() {
        let src = String::from("Alpha &amp; beta");
        assert_eq!(Str::of(&src[6..11], &src), Str::Span(6, 11));
        assert_eq!(Str::of(&src[6..11], &src).get(&src), "&amp;");
        assert_eq!(Str::of(&src[16..], &src), Str::Span(16, 16), "the empty end of the source");
        // The same bytes elsewhere (a decoded entity, a copy) are not a span.
        let copy = src.clone();
        assert_eq!(Str::of(&copy[0..5], &src), Str::Own("Alpha".into()));
        assert_eq!(Str::of("&", &src), Str::Own("&".into()));
    }

    #[test]
    fn days_since_epoch_round_trips_and_counts_leap_days() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("2000-03-01").days_since_epoch() - d("2000-02-28").days_since_epoch(), 2);
        assert_eq!(d("2026-02-01").days_since_epoch() - d("2026-01-10").days_since_epoch(), 22);
        for z in (-800_000i64..800_000).step_by(997) {
            assert_eq!(Date::from_days_since_epoch(z).days_since_epoch(), z);
        }
        assert_eq!(d("2024-12-31").add_days(1), d("2025-01-01"));
    }

    #[test]
    fn dates_parse_validate_and_add_months() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert_eq!(Date::parse("2024-02-29").unwrap().add_months(36).to_string(), "2027-02-28");
        assert_eq!(Date::parse("2025-11-30").unwrap().add_months(3).to_string(), "2026-02-28");
    }

    #[test]
    fn civil_from_days_matches_known_dates() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days_since_epoch(20_417).to_string(), "2025-11-25");
    }
}

// The two slugs, kept apart on purpose: a URL keeps an author's file name
// (only case, spaces and underscores change), while ids and taxonomy keys are
// made from free text.

/// The URL slug of a file stem: `Working_Alliance` → `working-alliance`.
pub fn file_slug(stem: &str) -> String {
    stem.trim().to_lowercase().replace([' ', '_'], "-")
}

/// Free text (a heading, a tag) → id or key: lower-case, runs of
/// non-alphanumerics → one `-`; `section` when nothing is left.
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

/// The site's two taxonomies: where their pages live, what a term is
/// called, and which pages carry which terms. Every URL of a taxonomy page
/// is made here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    /// Front matter `tags`: `tags/<slug>/`, "Topic: …".
    Tags,
    /// Front matter `audience`: `audience/<slug>/`, "For …".
    Audience,
}

impl Taxonomy {
    pub const ALL: [Taxonomy; 2] = [Taxonomy::Tags, Taxonomy::Audience];

    /// The folder of its pages.
    pub fn dir(self) -> &'static str {
        match self {
            Taxonomy::Tags => "tags",
            Taxonomy::Audience => "audience",
        }
    }

    /// Its index page: `tags/`.
    pub fn index_path(self) -> String {
        format!("{}/", self.dir())
    }

    /// The page of a term key (a [`slugify`]d term): `tags/<key>/`.
    pub fn term_path(self, key: &str) -> String {
        format!("{}/{key}/", self.dir())
    }

    /// The page of a term as an author wrote it.
    pub fn term_path_of(self, term: &str) -> String {
        self.term_path(&slugify(term))
    }

    /// Term key → pages, as `link` filled them in.
    pub fn terms(self, site: &Site) -> &BTreeMap<String, Vec<PageId>> {
        match self {
            Taxonomy::Tags => &site.tags,
            Taxonomy::Audience => &site.audiences,
        }
    }

    /// The terms a page's front matter gives.
    pub fn of(self, meta: &Meta) -> &[String] {
        match self {
            Taxonomy::Tags => &meta.tags,
            Taxonomy::Audience => &meta.audience,
        }
    }
}
