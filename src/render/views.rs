//! What templates see: borrowed `*View` structs, never internal types.

use serde::Serialize;

#[derive(Serialize)]
pub(super) struct SiteView<'a> {
    pub(super) title: &'a str,
    pub(super) description: &'a str,
    pub(super) language: &'a str,
    pub(super) base_path: &'a str,
    pub(super) notice: &'a crate::config::Notice,
    pub(super) disclaimer: &'a str,
    pub(super) practice: &'a crate::config::Practice,
    /// The site-wide funding and conflicts-of-interest statement.
    pub(super) disclosure: &'a str,
    /// Whether the site has search (the header form and `search/`).
    pub(super) search: bool,
    pub(super) home_url: String,
    pub(super) search_url: String,
    pub(super) sources_url: String,
    pub(super) about_url: String,
    pub(super) policy_url: String,
    pub(super) privacy_url: String,
    pub(super) people_url: String,
    pub(super) tags_url: String,
    pub(super) feed_url: String,
    pub(super) favicon_url: String,
    /// The icon's MIME type (the theme's is SVG; a site's own may be PNG or ICO).
    pub(super) favicon_type: &'static str,
    /// `[theme] logo`, shown before the title.
    pub(super) logo_url: Option<String>,
}

#[derive(Serialize, Clone)]
pub(super) struct Assets {
    pub(super) css: String,
    pub(super) highlight_css: String,
    pub(super) js: String,
    /// `search.HASH.js`, when search is enabled.
    pub(super) search_js: Option<String>,
    /// `theme.HASH.css`, the site's `[theme]` settings, loaded after the theme's stylesheet.
    pub(super) theme_css: Option<String>,
}

#[derive(Serialize)]
pub(super) struct NavItem {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) current: bool,
}

#[derive(Serialize, Clone)]
pub(super) struct PageRef {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) description: String,
    pub(super) date: Option<String>,
    pub(super) date_human: Option<String>,
    pub(super) month: Option<String>,
}

#[derive(Serialize)]
pub(super) struct BackrefView {
    pub(super) cite: usize,
    pub(super) label: String,
}

#[derive(Serialize)]
pub(super) struct RefView {
    pub(super) key: String,
    pub(super) html: String,
    /// The evidence label (escaped HTML, empty when the entry gives no type).
    pub(super) evidence: String,
    pub(super) backrefs: Vec<BackrefView>,
}

#[derive(Serialize)]
pub(super) struct BacklinkView {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) context: String,
}

#[derive(Serialize)]
pub(super) struct TagView {
    pub(super) name: String,
    pub(super) url: String,
}

#[derive(Serialize)]
pub(super) struct PageView {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) body: String,
    pub(super) date: Option<String>,
    pub(super) date_human: Option<String>,
    /// The author and reviewer as readers see them (a person's name, or the text written).
    pub(super) author: String,
    pub(super) reviewed_by: String,
    /// The author and reviewer when they are people of `[people]`.
    pub(super) author_person: Option<PersonView>,
    pub(super) reviewer_person: Option<PersonView>,
    /// "What changed", newest first.
    pub(super) changes: Vec<ChangeView>,
    /// The summary box at the top (`key_points`).
    pub(super) key_points: Vec<String>,
    /// The page's full address and its QR code, printed at the foot of a handout
    /// (none when the site's `base_url` is relative).
    pub(super) print_url: Option<String>,
    pub(super) print_qr: Option<String>,
    /// When the page last changed: its newest `[[changes]]` entry, else its `updated`, else git's date.
    pub(super) last_changed: Option<String>,
    pub(super) last_changed_human: Option<String>,
    pub(super) last_reviewed: Option<String>,
    pub(super) last_reviewed_human: Option<String>,
    pub(super) next_review: Option<String>,
    /// Its review date has passed (and `[check] overdue_notice` is on): the
    /// page says so to readers.
    pub(super) review_overdue: bool,
    /// schema.org JSON-LD of the article, escaped for a `<script>` data block.
    pub(super) json_ld: String,
    /// "Report a problem with this page": `mailto:` or the site's form URL.
    pub(super) report_url: Option<String>,
    /// The article's own disclosure.
    pub(super) disclosure: String,
    pub(super) next_review_human: Option<String>,
    pub(super) reading_minutes: usize,
    pub(super) audience: Vec<String>,
    pub(super) tags: Vec<TagView>,
    pub(super) references: Vec<RefView>,
    pub(super) backlinks: Vec<BacklinkView>,
    pub(super) related: Vec<PageRef>,
}

/// A person of `[people]`, with the URL of their page.
#[derive(Serialize, Clone)]
pub(super) struct PersonView {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) credentials: String,
    pub(super) role: String,
    pub(super) registration: String,
    pub(super) bio: String,
    pub(super) placeholder: bool,
    pub(super) url: String,
}

#[derive(Serialize)]
pub(super) struct ChangeView {
    pub(super) date: String,
    pub(super) date_human: String,
    pub(super) summary: String,
}

#[derive(Serialize)]
pub(super) struct SectionRef {
    pub(super) title: String,
    pub(super) url: String,
}

/// The previous and next page of a sequence named `name`: a series
/// (older and newer topic) or a section (its listing order, for an article
/// on no series or reading path).
#[derive(Serialize)]
pub(super) struct Neighbours {
    pub(super) name: String,
    pub(super) prev: Option<PageRef>,
    pub(super) next: Option<PageRef>,
}

#[derive(Serialize)]
pub(super) struct PathView {
    pub(super) title: String,
    /// The whole path on one page, to print.
    pub(super) print_url: String,
    pub(super) step: usize,
    pub(super) total: usize,
    pub(super) prev: Option<PageRef>,
    pub(super) next: Option<PageRef>,
}
