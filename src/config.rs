//! `haven.toml` → [`Config`]: parsed once, validated, resolved with the CLI
//! flags. Nothing downstream reads flags or the environment.
//!
//! Unknown keys and wrong types are errors pointing at their line in `haven.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{did_you_mean, Cause, Diagnostic, Edit, Failed};

/// The site's configuration file, as written by the author.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is served from, e.g. `https://example.org/kb/`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// `theme = "default"` or `[theme]`: colours, fonts, logo, favicon.
    #[serde(default, deserialize_with = "text_or_table")]
    pub theme: crate::theme_config::ThemeConfig,
    #[serde(default)]
    pub practice: Practice,
    /// The crisis / emergency notice shown in the same place on every page.
    #[serde(deserialize_with = "text_or_table")]
    pub notice: Notice,
    /// "This is education, not therapy" text shown on every page.
    #[serde(default = "default_disclaimer")]
    pub disclaimer: String,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub citations: Citations,
    #[serde(default)]
    pub search: Search,
    #[serde(default)]
    pub markdown: Markdown,
    #[serde(default)]
    pub check: Check,
    #[serde(default)]
    pub privacy: Privacy,
    /// Funding and conflicts of interest, shown on every page (an article's
    /// own `disclosure` is shown on it as well).
    #[serde(default)]
    pub disclosure: String,
    #[serde(default)]
    pub feedback: Feedback,
    /// The people who write and review the site, by id (`[people.ID]`):
    /// front matter `author` and `reviewed_by` name them by id.
    #[serde(default)]
    pub people: std::collections::BTreeMap<String, Person>,
    /// Where the site is hosted, for the privacy page ("GitHub Pages", "our own server in the UK").
    #[serde(default)]
    pub hosting: String,
    #[serde(default)]
    pub history: History,
}

/// Where pages' change dates come from besides `[[changes]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Read each page's last-changed date from the site's git history.
    #[serde(default = "yes")]
    pub git: bool,
}

impl Default for History {
    fn default() -> Self {
        History { git: true }
    }
}

/// Someone who writes or reviews pages.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    /// Qualifications and registration, as readers should see them
    /// ("DClinPsy, registered clinical psychologist").
    #[serde(default)]
    pub credentials: String,
    /// "Editorial lead", "Clinical reviewer".
    #[serde(default)]
    pub role: String,
    /// A link to the public register or licence entry that confirms the credentials.
    #[serde(default)]
    pub registration: String,
    #[serde(default)]
    pub bio: String,
    /// A stand-in identity (a role, not yet a named person): shown as it
    /// is, and flagged by `haven check --standard`.
    #[serde(default)]
    pub placeholder: bool,
}

/// Where readers report a problem with a page: an address (`mailto:` with
/// the page's title and address filled in) or a URL where `{url}` and
/// `{title}` are replaced. No script, no third party.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub url: String,
}

/// What readers' browsers may load from other sites.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Origins (`https://host`) pages may load images, scripts, frames,
    /// stylesheets or media from; none by default.
    #[serde(default)]
    pub allow_origins: Vec<String>,
}

/// How markdown is turned into HTML.
///
/// Raw HTML policy: authors of a Haven site are trusted (they also control
/// the templates), so raw HTML in markdown passes through by default — the
/// strict Content-Security-Policy still blocks inline scripts, handlers and
/// styles in the browser. With `sanitize_html = true`, every page body goes
/// through an allow-list sanitizer (ammonia): `<script>`, `on*=` attributes,
/// `style`, and `javascript:` URLs never reach the output.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Markdown {
    #[serde(default)]
    pub sanitize_html: bool,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub url: String,
}

/// The crisis notice: `notice = "text"`, or a `[notice]` table with
/// `text` and an optional link.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub text: String,
    #[serde(default)]
    pub link_text: String,
    #[serde(default)]
    pub link_url: String,
}

/// A setting written as text (`notice = "…"`) or as a table (`[notice]`).
pub trait TextOrTable: Sized {
    /// What the setting is, for the type error (e.g. "the notice's text, or a `[notice]` table with `text`").
    const EXPECTING: &'static str;
    /// The setting written as text.
    fn from_text(text: &str) -> Self;
}

impl TextOrTable for Notice {
    const EXPECTING: &'static str = "the notice's text, or a [notice] table with `text`";
    fn from_text(text: &str) -> Self {
        Notice { text: text.to_string(), ..Notice::default() }
    }
}

/// Deserialize a [`TextOrTable`] setting from either form.
pub fn text_or_table<'de, D: serde::Deserializer<'de>, T: TextOrTable + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: TextOrTable + Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(T::EXPECTING)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from_text(v))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// The notice a new site's `haven.toml` suggests.
pub const EXAMPLE_NOTICE: &str =
    "If you are in danger or might act on thoughts of harming yourself, call your local emergency number now.";

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub reviewed_by: String,
    /// Months between reviews, used when an article sets no `next_review`.
    #[serde(default = "default_review_months")]
    pub review_interval_months: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { author: String::new(), reviewed_by: String::new(), review_interval_months: default_review_months() }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Citations {
    /// Bibliography files relative to the site root (`.json` CSL-JSON, `.bib`, `.yml`).
    #[serde(default)]
    pub bibliography: Vec<String>,
    /// A bundled CSL style name (`apa`, `chicago-author-date`, …) or a `.csl` path.
    #[serde(default = "default_style")]
    pub style: String,
}

impl Default for Citations {
    fn default() -> Self {
        Citations { bibliography: Vec::new(), style: default_style() }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Groups of words or phrases that mean the same to a reader
    /// (`[["counsellor", "therapist"], ["clingy", "anxious attachment"]]`):
    /// a section that says one is found by the others too.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
}

impl Default for Search {
    fn default() -> Self {
        Search { enabled: true, synonyms: Vec::new() }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Phrases that mark a sentence as an empirical claim needing a citation.
    #[serde(default = "default_claim_phrases")]
    pub claim_phrases: Vec<String>,
    /// `haven check` lists pages whose review falls due within this many days.
    #[serde(default = "default_review_window")]
    pub review_window_days: u32,
    /// An overdue review is a warning (`"warn"`) or an error (`"error"`).
    #[serde(default)]
    pub overdue: Overdue,
    /// An overdue page tells readers it is due for review.
    #[serde(default = "yes")]
    pub overdue_notice: bool,
    /// `haven check` treats every warning as an error (as `--strict` does).
    #[serde(default)]
    pub strict: bool,
}

/// How `haven check` and `haven build` treat a page past its review date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overdue {
    #[default]
    Warn,
    Error,
}

fn default_review_window() -> u32 {
    60
}

impl Default for Check {
    fn default() -> Self {
        Check {
            claim_phrases: default_claim_phrases(),
            review_window_days: default_review_window(),
            overdue: Overdue::Warn,
            overdue_notice: true,
            strict: false,
        }
    }
}

fn default_claim_phrases() -> Vec<String> {
    [
        "research shows",
        "research suggests",
        "research has found",
        "research finds",
        "studies show",
        "studies suggest",
        "studies have found",
        "a study",
        "one study",
        "meta-analysis",
        "meta-analyses",
        "evidence suggests",
        "evidence shows",
        "the evidence",
        "findings",
        "randomized",
        "randomised",
        "trial",
    ]
    .map(String::from)
    .to_vec()
}

fn yes() -> bool {
    true
}
fn default_base_url() -> String {
    "/".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_style() -> String {
    "apa".into()
}
fn default_review_months() -> u32 {
    36
}
fn default_disclaimer() -> String {
    "This site is education, not therapy. It cannot assess or treat you.".into()
}

/// Everything one run needs: the author's config plus resolved paths and flags.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub output: PathBuf,
    pub search_index: PathBuf,
    pub drafts: bool,
    /// Serve mode: the site path of the live-reload script every page loads.
    pub live_reload: Option<String>,
    /// `--force`: take over an output folder Haven did not create
    /// ([`crate::output::claim`]).
    pub force: bool,
    /// The user's home directory (`HOME`), which no output may be or hold.
    pub home: Option<PathBuf>,
    pub site: SiteConfig,
    /// Base URL's path part, always starting and ending with `/` (e.g. `/kb/`).
    pub base_path: String,
    /// Base URL without trailing slash, for absolute links in feeds and sitemaps.
    pub base_url: String,
    /// The date reviews are judged against: `--today`, else the clock (UTC).
    pub today: crate::site::Date,
    /// `base_url = "./"`: every link is relative to the page and points at
    /// `index.html` files, so the built folder works from any host path and
    /// opened from disk (`file://`).
    pub relative: bool,
}

/// Stands for "the site root, relative to this page" in generated URLs while
/// rendering in relative mode; `render` replaces it per file (`./`, `../`, …).
/// A private-use character, removed from all input when it is read.
pub const ROOT_MARK: char = '\u{E002}';

pub const CONFIG_FILE: &str = "haven.toml";

/// Options from the command line that override or complete `haven.toml`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// `haven serve`: the live-reload script's site path.
    pub live_reload: Option<String>,
    /// `haven build --force`.
    pub force: bool,
    /// `--today YYYY-MM-DD`: judge review dates as of this day.
    pub today: Option<crate::site::Date>,
}

impl Config {
    /// Read `ROOT/haven.toml` and resolve it with `overrides`.
    /// A missing or unreadable `haven.toml` stops the run as an environment
    /// problem (exit 2), an invalid one as a content problem (exit 1).
    pub fn load(root: &Path, overrides: Overrides) -> Result<Config, Failed> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                return Err(Failed::one(
                    Diagnostic::error(format!("cannot read {}: {e}", path.display()))
                        .help("run `haven new DIR` to create a site, or pass `--root` to point at one"),
                    Cause::Environment,
                ))
            }
        };
        let site = parse_site_config(&text).map_err(|d| Failed::one(d.in_file(CONFIG_FILE), Cause::Content))?;
        let theme_errors = site.theme.check(&text, &root.join("static"));
        if !theme_errors.is_empty() {
            return Err(Failed {
                diagnostics: theme_errors.into_iter().map(|d| d.in_file(CONFIG_FILE)).collect(),
                cause: Cause::Content,
            });
        }
        let base = overrides.base_url.clone().unwrap_or_else(|| site.base_url.clone());
        let relative = matches!(base.trim(), "./" | "." | "");
        let (base_url, base_path) =
            if relative { (String::new(), ROOT_MARK.to_string()) } else { split_base_url(&base) };
        let root = root.to_path_buf();
        let output = overrides.output.unwrap_or_else(|| root.join("public"));
        Ok(Config {
            search_index: root.join("search-index"),
            root,
            output,
            drafts: overrides.drafts,
            live_reload: overrides.live_reload,
            force: overrides.force,
            home: std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from),
            site,
            base_path,
            base_url,
            relative,
            today: overrides.today.unwrap_or_else(crate::site::Date::today),
        })
    }
}

impl Config {
    /// A configuration for `site` that reads nothing from disk and flags
    /// nothing: served at `/`, outputs under `root`, reviews judged as of
    /// `today` (the fuzzer and unit tests use it).
    pub fn detached(root: PathBuf, site: SiteConfig, today: crate::site::Date) -> Config {
        Config {
            output: root.join("public"),
            search_index: root.join("search-index"),
            root,
            drafts: false,
            live_reload: None,
            force: false,
            home: None,
            site,
            base_path: "/".into(),
            base_url: String::new(),
            relative: false,
            today,
        }
    }
}

/// `https://x.org/kb` → (`https://x.org/kb`, `/kb/`); `/` → (``, `/`).
fn split_base_url(base: &str) -> (String, String) {
    let trimmed = base.trim_end_matches('/');
    let path = match trimmed.find("://") {
        Some(i) => match trimmed[i + 3..].find('/') {
            Some(j) => &trimmed[i + 3 + j..],
            None => "",
        },
        None => trimmed,
    };
    let path = format!("/{}/", path.trim_matches('/')).replace("//", "/");
    (trimmed.to_string(), path)
}

/// An id usable in a person's URL made from a name or a bad id
/// ("Dr Ana Silva" → "dr-ana-silva"): ASCII letters and digits joined by hyphens.
pub fn person_id_for(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The 1-based line of `key = …` in `text` (a TOML file) inside a table whose
/// header line (`[defaults]`, or `""` before any header) `in_table` accepts.
pub fn toml_key_line(text: &str, in_table: &dyn Fn(&str) -> bool, key: &str) -> Option<usize> {
    let mut inside = in_table("");
    for (n, line) in (1..).zip(text.lines()) {
        let t = line.trim();
        if t.starts_with('[') {
            inside = in_table(t);
            continue;
        }
        if inside && t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')) {
            return Some(n);
        }
    }
    None
}

/// Parse `haven.toml` text; errors point at the offending key.
pub fn parse_site_config(text: &str) -> Result<SiteConfig, Diagnostic> {
    let site = toml::from_str::<SiteConfig>(text).map_err(|e| toml_diagnostic(&e, 0, text, CONFIG_KEYS))?;
    // A person's id is the last part of their page's URL (`/people/ID/`).
    if let Some(id) =
        site.people.keys().find(|id| !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        let header = format!("[people.{id}]");
        let at = text.find(&header).or_else(|| text.find(id.as_str())).unwrap_or(0);
        let slug = person_id_for(id);
        return Err(Diagnostic::error(format!("person id `{id}` is not usable in a URL"))
            .at(text, at..at + header.len().min(text.len() - at))
            .help(format!("use letters, digits and hyphens, e.g. `[people.{slug}]`")));
    }
    Ok(site)
}

const CONFIG_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "theme",
    "practice",
    "notice",
    "disclaimer",
    "defaults",
    "citations",
    "search",
    "check",
    "markdown",
    "sanitize_html",
    "name",
    "contact",
    "url",
    "text",
    "link_text",
    "link_url",
    "author",
    "reviewed_by",
    "review_interval_months",
    "bibliography",
    "style",
    "enabled",
    "synonyms",
    "claim_phrases",
    "review_window_days",
    "overdue",
    "overdue_notice",
    "strict",
    "privacy",
    "allow_origins",
    "disclosure",
    "feedback",
    "email",
    "people",
    "credentials",
    "role",
    "registration",
    "bio",
    "placeholder",
    "hosting",
    "history",
    "logo",
    "favicon",
    "font",
    "heading_font",
    "colors",
    "dark",
    "git",
];

/// Turn a `toml` error into a diagnostic. `offset` is where the parsed TOML
/// starts in `file_text` (front matter sits a line below the file start), so
/// the location is file-absolute.
pub fn toml_diagnostic(e: &toml::de::Error, offset: usize, file_text: &str, keys: &[&str]) -> Diagnostic {
    let raw = e.message().trim().to_string();
    let mut fix = None;
    let mut rename = None;
    let (message, help) = if let Some(field) = backticked_after(&raw, "unknown field ") {
        // The keys the table at hand takes (toml lists them), else `keys`.
        let expected: Vec<&str> =
            raw.find("expected").map_or(Vec::new(), |i| raw[i..].split('`').skip(1).step_by(2).collect());
        rename = if expected.is_empty() {
            did_you_mean(&field, keys.iter().copied()).map(String::from)
        } else {
            did_you_mean(&field, expected.iter().copied()).map(String::from)
        };
        let help = rename
            .as_ref()
            .map(|k| format!("did you mean `{k}`?"))
            .unwrap_or_else(|| format!("known keys: {}", expected_list(&raw)));
        (format!("unknown key `{field}`"), Some(help))
    } else if let Some(field) = backticked_after(&raw, "missing field ") {
        let line = match field.as_str() {
            "notice" => format!("notice = \"{EXAMPLE_NOTICE}\""),
            "title" => "title = \"My knowledge base\"".to_string(),
            _ => format!("{field} = \"…\""),
        };
        let first = file_text[..offset].matches('\n').count() + 1;
        fix = Some(Edit::insert_lines(first, &line));
        let why = if field == "notice" { " (every page shows where to get help in a crisis)" } else { "" };
        (
            format!("missing required key `{field}`{why}"),
            Some(format!("add this line at the top, before any `[table]`: `{line}`")),
        )
    } else if let (Some(rest), Some(span)) = (raw.strip_prefix("invalid type: "), e.span()) {
        // The parser's words, said plainly, with the line that would work.
        let span = offset + span.start..offset + span.end;
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let line_start = file_text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let key = file_text[line_start..span.start].trim_end().trim_end_matches('=').trim().to_string();
        let value = file_text.get(span.clone()).unwrap_or("").trim().to_string();
        let bare = value.trim_matches(['"', '\'', '[', ']']).trim();
        let (kind, literal) = if expected.contains("sequence") {
            ("a list in brackets", Some(format!("[\"{}\"]", bare.trim_matches('"'))))
        } else if expected.contains("string") || expected.contains("text") {
            ("text in quotes", Some(format!("\"{}\"", bare.replace('"', "\\\""))))
        } else if expected.contains("bool") {
            ("true or false", None)
        } else if expected.contains("u32") || expected.contains("integer") || expected.contains("i64") {
            ("a whole number", None)
        } else {
            ("another kind of value", None)
        };
        let found = found.split(' ').next().unwrap_or(found);
        let message = if key.is_empty() {
            format!("this value is {} but must be {kind}", plain(found))
        } else {
            format!("`{key}` must be {kind}, not {}", plain(found))
        };
        let help = match &literal {
            Some(l) if !key.is_empty() && !bare.is_empty() => {
                fix = Some(Edit::replace_span(file_text, span, l.clone()));
                Some(format!("write: `{key} = {l}`"))
            }
            _ if key == "notice" => Some(format!("write: `notice = \"{EXAMPLE_NOTICE}\"`")),
            _ => None,
        };
        (message, help)
    } else {
        (raw, None)
    };
    let mut d = Diagnostic::error(message).help_opt(help);
    if let Some(edit) = fix {
        d = d.fix(edit);
    }
    match e.span() {
        Some(span) => {
            let span = offset + span.start..offset + span.end;
            if let Some(k) = &rename {
                d = d.fix(Edit::replace_span(file_text, span.clone(), k.clone()));
            }
            d.at(file_text, span)
        }
        None => d,
    }
}

/// A TOML/serde type name in plain words.
fn plain(found: &str) -> &'static str {
    match found {
        "string" => "text",
        "integer" | "float" => "a number",
        "boolean" => "true or false",
        "sequence" => "a list",
        "map" => "a table",
        _ => "another kind of value",
    }
}

fn backticked_after(msg: &str, prefix: &str) -> Option<String> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    Some(rest[..rest.find('`')?].to_string())
}

fn expected_list(msg: &str) -> String {
    msg.find("expected")
        .map_or(String::new(), |i| msg[i + "expected".len()..].trim().trim_start_matches("one of").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = "title = \"T\"\n[notice]\ntext = \"Call 999\"\n";

    #[test]
    fn minimal_config_parses_with_defaults() {
        let c = parse_site_config(MIN).unwrap();
        assert_eq!(c.citations.style, "apa");
        assert_eq!(c.defaults.review_interval_months, 36);
    }

    #[test]
    fn unknown_key_points_at_its_line_with_suggestion() {
        let text = format!("{MIN}[citations]\nstlye = \"apa\"\n");
        let d = parse_site_config(&text).unwrap_err();
        let loc = d.location.clone().unwrap();
        assert_eq!(loc.line, 5, "{d:?}");
        assert_eq!(d.message, "unknown key `stlye`");
        assert_eq!(d.help.as_deref(), Some("did you mean `style`?"));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let text = "title = 3\n[notice]\ntext = \"x\"\n";
        let d = parse_site_config(text).unwrap_err();
        assert_eq!(d.location.unwrap().line, 1);
    }

    #[test]
    fn base_url_path_is_extracted() {
        assert_eq!(split_base_url("https://x.org/kb/"), ("https://x.org/kb".into(), "/kb/".into()));
        assert_eq!(split_base_url("https://x.org"), ("https://x.org".into(), "/".into()));
        assert_eq!(split_base_url("/"), ("".into(), "/".into()));
    }
}
