//! `haven check`: the pipeline stopped before writing, plus editorial lints.
//!
//! Lints (warnings, each with `file:line`):
//! - reviews that are overdue (`next_review`, or `last_reviewed` + interval, before today);
//! - bibliography entries never cited, duplicate DOIs, entries whose note marks
//!   them unverified, placeholder titles;
//! - sentences that read like empirical claims (configurable phrases,
//!   percentages, "N participants") but carry no citation;
//! - client-facing pages above Flesch–Kincaid grade 8;
//! - orphan articles (nothing links to them);
//! - claims worded more strongly than their sources ([`evidence`]), and
//!   sources that do not say what kind of evidence they are (notes);
//! - bylines that name someone who is not one of the site's people ([`people`]).
//!
//! It also reports per article: cited claims, distinct sources, reading grade.

pub mod evidence;
pub mod people;
pub mod standard;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics, LineIndex};
use crate::link::line_range;
use crate::site::{Date, Page, Site};

/// Per-article figures.
#[derive(Debug, Serialize)]
pub struct ArticleReport {
    pub file: String,
    pub title: String,
    pub words: usize,
    pub reading_minutes: usize,
    pub cited_claims: usize,
    pub sources: usize,
    pub links_out: usize,
    pub linked_from: usize,
    pub grade: f64,
    pub client_facing: bool,
    pub uncited_claims: usize,
}

/// An article whose review is overdue or soon due.
#[derive(Debug, Serialize)]
pub struct ReviewDue {
    pub file: String,
    pub title: String,
    pub due: String,
    /// `"overdue"` or `"due-soon"`.
    pub status: &'static str,
    /// Days until the due date (negative: days overdue).
    pub days: i64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub articles: Vec<ArticleReport>,
    /// Pages with a URL of their own, as `haven build` counts them.
    pub pages: usize,
    /// Glossary terms (shown on the glossary page, no page of their own).
    pub glossary_terms: usize,
    /// "44 pages and 35 glossary terms".
    pub pages_described: String,
    /// Drafts left out (without `--drafts`).
    pub drafts_left_out: usize,
    /// Articles overdue for review or due within `[check] review_window_days`, by date.
    pub reviews: Vec<ReviewDue>,
    pub link_edges: usize,
    pub distinct_sources_cited: usize,
    pub bibliography_entries: usize,
    /// Sentences the empirical-claim heuristic matched across all articles…
    pub heuristic_matches: usize,
    /// …and how many of them carry a citation (the rest are reported as warnings).
    pub heuristic_matches_cited: usize,
    /// `--standard`: the site against a health-information standard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard: Option<standard::Assessment>,
}

/// Run the lints over a linked site.
pub fn run(site: &Site, today: Date, diags: &mut Diagnostics) -> Report {
    run_with(site, today, diags, true)
}

/// How many warnings [`run`] would report (what `haven build` tells): the
/// reading grade is worked out only where it can warn (pages for clients).
pub fn warning_count(site: &Site, today: Date) -> usize {
    let mut diags = Diagnostics::new();
    run_with(site, today, &mut diags, false);
    diags.warning_count()
}

/// [`run`]; `grades`: the reading grade of every article, for the report.
fn run_with(site: &Site, today: Date, diags: &mut Diagnostics, grades: bool) -> Report {
    let interval = site.config.site.defaults.review_interval_months;
    let phrases: Vec<String> = site.config.site.check.claim_phrases.iter().map(|p| p.to_lowercase()).collect();
    let claims = Claims::new(&phrases);
    let key_source: HashMap<&str, usize> = site.sources.iter().enumerate().map(|(i, s)| (s.key.as_str(), i)).collect();
    // Each article's lints are its own: found in parallel, reported in order.
    let pages: Vec<&Page> = site.articles().collect();
    let linted: Vec<(Vec<Diagnostic>, ArticleReport, (usize, usize))> = {
        use rayon::prelude::*;
        pages
            .par_iter()
            .map(|p| {
                let (mut found, report, stats) = lint_article(site, p, today, interval, &claims, grades);
                found.extend(evidence::lint_page(site, p, &key_source));
                found.extend(people::lint_page(site, p));
                (found, report, stats)
            })
            .collect()
    };
    diags.extend(people::lint_defaults(site));
    diags.extend(theme_contrast(site));
    // Cited claims shown outside articles (section introductions, glossary terms) are read too.
    diags.extend(
        site.pages
            .iter()
            .filter(|p| (p.is_section || p.is_glossary_term()) && !p.claims.is_empty())
            .flat_map(|p| evidence::lint_page(site, p, &key_source)),
    );
    let mut articles = Vec::new();
    let (mut heuristic_matches, mut heuristic_matches_cited) = (0, 0);
    for (found, report, (matched, cited)) in linted {
        diags.extend(found);
        articles.push(report);
        heuristic_matches += matched;
        heuristic_matches_cited += cited;
    }
    // A glossary term's description is its preview and its line on the glossary page.
    for p in site.pages.iter().filter(|p| p.is_glossary_term() && p.meta.description.trim().is_empty()) {
        let line = p.meta.key_lines.get("title").copied().unwrap_or(1);
        found_term_warning(p, line, diags);
    }
    // Bibliography lints.
    let cited: HashSet<&str> = site.pages.iter().flat_map(|p| p.cited_keys.iter().map(String::as_str)).collect();
    let mut dois: BTreeMap<String, &crate::site::Source> = BTreeMap::new();
    // Each bibliography file is read and indexed once, when it first has a warning.
    let files: std::cell::RefCell<HashMap<&std::path::Path, std::rc::Rc<(String, LineIndex)>>> = Default::default();
    for s in &site.sources {
        let at = |d: Diagnostic| -> Diagnostic {
            let file = std::rc::Rc::clone(files.borrow_mut().entry(s.file.as_path()).or_insert_with(|| {
                let text = std::fs::read_to_string(site.config.root.join(&s.file)).unwrap_or_default();
                let index = LineIndex::new(&text);
                std::rc::Rc::new((text, index))
            }));
            let (text, index) = &*file;
            if text.is_empty() {
                d.in_file(&s.file)
            } else {
                d.in_file(&s.file).at_indexed(index, text, index.line_span(text, s.line))
            }
        };
        if !cited.contains(s.key.as_str()) {
            diags.push(at(Diagnostic::warning(format!("source `{}` is never cited", s.key))
                .help("cite it, or remove it from the bibliography")));
        }
        if cited.contains(s.key.as_str()) && !has_identifier(&s.entry) {
            diags.push(at(Diagnostic::warning(format!(
                "cited source `{}` has no DOI, PMID, ISBN or NCBI Bookshelf URL",
                s.key
            ))
            .help("add an identifier a reader can look up, or cite a source that has one")));
        }
        if let Some(d) = evidence::untyped_source(s) {
            diags.push(at(d));
        }
        if s.note.to_uppercase().contains("UNVERIFIED") {
            diags.push(at(Diagnostic::warning(format!("source `{}` is marked unverified in its note", s.key))
                .help("verify the entry against the publisher or PubMed, then update its note")));
        }
        let title = s.entry.0.get("title").and_then(|t| t.to_str()).map(|t| t.into_owned()).unwrap_or_default();
        let t = title.trim().to_lowercase();
        if t.is_empty()
            || ["todo", "tbd", "untitled", "title", "unknown", "?", "[title]", "xxx"].contains(&t.as_str())
            || t.contains("placeholder")
        {
            diags.push(at(Diagnostic::warning(format!("source `{}` has a placeholder title `{title}`", s.key))
                .help("give the real title")));
        }
        if let Some(doi) = s.entry.0.get("DOI").and_then(|d| d.to_str()) {
            let doi = doi.trim().to_lowercase();
            if let Some(prev) = dois.get(&doi) {
                diags.push(at(Diagnostic::warning(format!(
                    "source `{}` has the same DOI as `{}` ({doi})",
                    s.key, prev.key
                ))
                .help("merge the two entries")));
            } else {
                dois.insert(doi, s);
            }
        }
    }
    Report {
        heuristic_matches,
        heuristic_matches_cited,
        pages: site.page_counts().0,
        glossary_terms: site.page_counts().1,
        pages_described: site.describe_pages(),
        drafts_left_out: site.drafts_left_out,
        reviews: reviews_due(site, today),
        link_edges: site.pages.iter().map(|p| p.links.iter().filter(|l| l.resolved.is_some()).count()).sum(),
        distinct_sources_cited: cited.len(),
        bibliography_entries: site.sources.len(),
        articles,
        standard: None,
    }
}

/// `[theme]` colours that readers could not tell apart (WCAG AA: 4.5:1), at their table in haven.toml.
fn theme_contrast(site: &Site) -> Vec<Diagnostic> {
    let pairs = site.config.site.theme.low_contrast();
    if pairs.is_empty() {
        return Vec::new();
    }
    let text = std::fs::read_to_string(site.config.root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    pairs
        .into_iter()
        .map(|(mode, fg, bg, ratio)| {
            let table = if mode == "dark" { "[theme.dark]" } else { "[theme.colors]" };
            let line = (1..).zip(text.lines()).find(|(_, l)| l.trim() == table).map_or(1, |(n, _)| n);
            Diagnostic::warning(format!("in {mode} mode, `{fg}` on `{bg}` has a contrast of {ratio}:1, under 4.5:1"))
                .in_file(crate::config::CONFIG_FILE)
                .at(&text, line_range(&text, line))
                .help(if mode == "dark" {
                    format!("make `{fg}` lighter or `{bg}` darker")
                } else {
                    format!("make `{fg}` darker or `{bg}` lighter")
                })
        })
        .collect()
}

/// Whether a reader can look the source up: DOI, PMID/PMCID, ISBN, or an NCBI Bookshelf URL.
fn has_identifier(item: &hayagriva::citationberg::json::Item) -> bool {
    let field = |k: &str| item.0.get(k).and_then(|v| v.to_str()).is_some_and(|v| !v.trim().is_empty());
    field("DOI")
        || field("PMID")
        || field("PMCID")
        || field("ISBN")
        || item.0.get("URL").and_then(|v| v.to_str()).is_some_and(|u| u.contains("ncbi.nlm.nih.gov/books/NBK"))
}

/// Articles overdue for review or due within the window, soonest first.
fn reviews_due(site: &Site, today: Date) -> Vec<ReviewDue> {
    let interval = site.config.site.defaults.review_interval_months;
    let window = i64::from(site.config.site.check.review_window_days);
    let mut out: Vec<ReviewDue> = site
        .articles()
        .filter_map(|p| {
            let due = p.next_review(interval)?;
            let days = due.days_since_epoch() - today.days_since_epoch();
            (days <= window).then(|| ReviewDue {
                file: p.file.display().to_string(),
                title: p.meta.title.clone(),
                due: due.to_string(),
                status: if days < 0 { "overdue" } else { "due-soon" },
                days,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.days, &a.file).cmp(&(b.days, &b.file)));
    out
}

/// A glossary term without a `description` (its preview would read "Term: ").
fn found_term_warning(p: &Page, line: usize, diags: &mut Diagnostics) {
    let eq = if p.source.starts_with("---") { ":" } else { " =" };
    diags.push(
        Diagnostic::warning(format!("glossary term `{}` has no `description`", p.meta.title))
            .in_file(&p.file)
            .at(&p.source, line_range(&p.source, line))
            .help(format!(
                "add a one-sentence definition below the title: `description{eq} \"…\"`; it is the term's preview \
                 wherever it is linked"
            )),
    );
}

/// One article's lints: its diagnostics, its report row, and (sentences
/// that read as claims, how many of them cited).
fn lint_article(
    site: &Site,
    p: &Page,
    today: Date,
    interval: u32,
    claims: &Claims,
    grades: bool,
) -> (Vec<Diagnostic>, ArticleReport, (usize, usize)) {
    let mut found = Vec::new();
    // Review dates.
    let due = p.next_review(interval);
    match due {
        Some(d) if d < today => {
            let line =
                p.meta.key_lines.get("next_review").or(p.meta.key_lines.get("last_reviewed")).copied().unwrap_or(1);
            let message = format!("review overdue: next review was due on {d}");
            let d = match site.config.site.check.overdue {
                crate::config::Overdue::Warn => Diagnostic::warning(message),
                crate::config::Overdue::Error => Diagnostic::error(message),
            };
            found.push(
                d.in_file(&p.file)
                    .at(&p.source, line_range(&p.source, line))
                    .help("review the article, then update `last_reviewed`"),
            );
        }
        None => found.push(
            Diagnostic::warning("article has no `last_reviewed` date")
                .in_file(&p.file)
                .at(&p.source, 0..3)
                .help("add `last_reviewed = YYYY-MM-DD` so readers can see when it was checked"),
        ),
        _ => {}
    }
    let sentences = claims.of(p);
    let stats = (sentences.len(), sentences.iter().filter(|c| c.cited).count());
    let uncited: Vec<&ClaimSentence> = sentences.iter().filter(|c| !c.cited).collect();
    for ClaimSentence { text: sentence, offset, .. } in uncited.iter().copied() {
        let shown: String = sentence.chars().take(90).collect();
        found.push(
            Diagnostic::warning(format!("sentence reads like an empirical claim but cites no source: \"{shown}\""))
                .in_file(&p.file)
                .at(&p.source, *offset..*offset + 1)
                .help("add a citation like [@key], or rephrase if it is not a claim about evidence"),
        );
    }
    let client = p.meta.audience.iter().any(|a| a.eq_ignore_ascii_case("clients"));
    let grade = if grades || client { fk_grade(&p.text) } else { 0.0 };
    if client && grade > 8.0 {
        let line = p.meta.key_lines.get("audience").copied().unwrap_or(1);
        found.push(
            Diagnostic::warning(format!("reading grade {grade:.1} is above 8 for a page written for clients"))
                .in_file(&p.file)
                .at(&p.source, line_range(&p.source, line))
                .help("use shorter sentences and everyday words"),
        );
    }
    if client && p.word_count > 600 && p.meta.key_points.is_empty() {
        let line = p.meta.key_lines.get("title").copied().unwrap_or(1);
        let eq = if p.source.starts_with("---") { ":" } else { " =" };
        found.push(
            Diagnostic::note(format!("a page for clients of {} words has no key points", p.word_count))
                .in_file(&p.file)
                .at(&p.source, line_range(&p.source, line))
                .help(format!(
                    "add `key_points{eq} [\"…\", \"…\"]`: two to four short sentences, shown in a box at the top \
                     and on the printed handout"
                )),
        );
    }
    let linked_from = p.backlinks.iter().filter(|b| !site.pages[b.from].is_glossary_term()).count();
    if linked_from == 0 {
        found.push(
            Diagnostic::warning("orphan: no other article links here")
                .in_file(&p.file)
                .help("link to it from a related article with [[slug]]"),
        );
    }
    let out: HashSet<usize> = p
        .links
        .iter()
        .filter_map(|l| l.resolved.as_ref().map(|r| r.page))
        .filter(|&t| t != p.id && !site.pages[t].is_section)
        .collect();
    if out.len() < 2 {
        found.push(
            Diagnostic::warning(format!(
                "links to {} other article{}; link to at least two",
                out.len(),
                if out.len() == 1 { "" } else { "s" }
            ))
            .in_file(&p.file)
            .help("point readers onward with [[slug]] links to related articles"),
        );
    }
    let report = ArticleReport {
        file: p.file.display().to_string(),
        title: p.meta.title.clone(),
        words: p.word_count,
        reading_minutes: p.reading_minutes(),
        cited_claims: p.claims.len(),
        sources: p.cited_keys.len(),
        links_out: out.len(),
        linked_from,
        grade: (grade * 10.0).round() / 10.0,
        client_facing: client,
        uncited_claims: uncited.len(),
    };
    (found, report, stats)
}

/// A sentence of a page that reads like an empirical claim.
pub struct ClaimSentence {
    pub text: String,
    /// It is one of the page's cited claims.
    pub cited: bool,
    /// A byte offset in the page's source, for the location.
    pub offset: usize,
}

/// The empirical-claim heuristic: the configured phrases (one Aho-Corasick
/// pass per sentence), percentages and "N participants".
pub struct Claims {
    phrases: Option<aho_corasick::AhoCorasick>,
    /// The longest run of each phrase between whitespace and `.,;:`, in any
    /// ASCII case: a block without one cannot hold a phrase ([`Claims::may_match`]).
    /// `None` if a phrase has no such run.
    runs: Option<aho_corasick::AhoCorasick>,
}

impl Claims {
    /// `phrases` in lower case.
    pub fn new(phrases: &[String]) -> Claims {
        let phrases: Vec<&String> = phrases.iter().filter(|p| !p.is_empty()).collect();
        let longest: Option<Vec<&str>> = phrases
            .iter()
            .map(|p| {
                p.split(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':'))
                    .max_by_key(|run| run.len())
                    .filter(|run| !run.is_empty())
            })
            .collect();
        let runs =
            longest.and_then(|runs| aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(runs).ok());
        Claims { phrases: aho_corasick::AhoCorasick::new(phrases).ok(), runs }
    }

    /// The sentences of `p` that read like claims, in order.
    pub fn of(&self, p: &Page) -> Vec<ClaimSentence> {
        let cited: HashSet<&str> = p.claims.iter().map(|c| c.text.as_str()).collect();
        let mut out = Vec::new();
        let mut search_from = p.body_offset;
        for block in p.text.lines() {
            // Most blocks hold no claim: one look at the whole block first.
            if !self.may_match(block) {
                continue;
            }
            for r in crate::parse::sentence_ranges(block) {
                let sentence = crate::parse::tidy(&block[r]);
                if sentence.is_empty() || !self.matches(&sentence) {
                    continue;
                }
                let is_cited = cited.contains(sentence.as_str());
                let mut offset = p.body_offset;
                if !is_cited {
                    let probe: String = sentence.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
                    offset = p
                        .source
                        .get(search_from..)
                        .and_then(|rest| rest.find(&probe))
                        .map_or(p.body_offset, |i| search_from + i);
                    search_from = offset.max(search_from);
                }
                out.push(ClaimSentence { text: sentence, cited: is_cited, offset });
            }
        }
        out
    }

    /// Whether some sentence of `block` may read like a claim: every claim
    /// has one of the phrases or a digit, and a sentence's tidied text is
    /// part of its block's.
    ///
    /// Most blocks hold neither, and are told so without tidying them (on
    /// long articles, tidying and lower-casing every block was most of the
    /// lint stage). Tidying and lower-casing neither add nor remove an ASCII
    /// digit. In an ASCII block without `(` (tidying removes `( )`, which
    /// joins the text around it), tidying joins a word to the next only
    /// where that opens with `.`, `,`, `;` or `:`, and lower-casing keeps
    /// every byte in place: so each phrase's longest run between whitespace
    /// and those marks ([`Claims::runs`]) lies within one word of the block,
    /// in some case.
    fn may_match(&self, block: &str) -> bool {
        if block.bytes().any(|b| b.is_ascii_digit()) {
            return true;
        }
        if let Some(runs) = &self.runs {
            if block.is_ascii() && !block.contains('(') && !runs.is_match(block) {
                return false;
            }
        }
        let lower = crate::parse::tidy(block).to_lowercase();
        self.phrases.as_ref().is_some_and(|ac| ac.is_match(&lower))
    }

    /// Whether `sentence` reads like an empirical claim.
    pub fn matches(&self, sentence: &str) -> bool {
        let lower = sentence.to_lowercase();
        let bytes = lower.as_bytes();
        let word = |i: usize| lower[i..].chars().next().is_some_and(char::is_alphanumeric);
        let word_before = |i: usize| lower[..i].chars().next_back().is_some_and(char::is_alphanumeric);
        if let Some(ac) = &self.phrases {
            // A phrase counts as whole words only ("trial" is not in "trials").
            if ac
                .find_overlapping_iter(&lower)
                .any(|m| !word_before(m.start()) && (m.end() == bytes.len() || !word(m.end())))
            {
                return true;
            }
        }
        // Percentages and "N participants/people/clients".
        let words: Vec<&str> = lower.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '%');
            if w.ends_with('%') && w[..w.len() - 1].chars().any(|c| c.is_ascii_digit()) {
                return true;
            }
            if w == "percent" && i > 0 && words[i - 1].chars().any(|c| c.is_ascii_digit()) {
                return true;
            }
            if w.chars().all(|c| c.is_ascii_digit() || c == ',') && w.chars().any(|c| c.is_ascii_digit()) {
                if let Some(next) = words.get(i + 1) {
                    let n = next.trim_matches(|c: char| !c.is_alphanumeric());
                    if ["participants", "people", "clients", "patients", "adults", "children", "studies", "trials"]
                        .contains(&n)
                    {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Flesch–Kincaid grade level of `text`.
pub fn fk_grade(text: &str) -> f64 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    // The letters of the current word (one buffer for the whole text).
    let mut letters = String::new();
    for block in text.lines() {
        let n = crate::parse::sentence_ranges(block).len();
        if n == 0 {
            continue;
        }
        sentences += n;
        for w in block.split_whitespace() {
            letters.clear();
            letters.extend(w.chars().filter(|c| c.is_alphabetic()));
            if letters.is_empty() {
                continue;
            }
            words += 1;
            syllables += count_syllables(&letters);
        }
    }
    if words == 0 || sentences == 0 {
        return 0.0;
    }
    0.39 * (words as f64 / sentences as f64) + 11.8 * (syllables as f64 / words as f64) - 15.59
}

/// Vowel groups, minus a silent final `e`, at least one.
pub fn count_syllables(word: &str) -> usize {
    if word.is_ascii() {
        // Most words: the same count without allocating a lower-cased copy.
        let vowel = |b: u8| matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
        let (mut count, mut prev) = (0, false);
        for &b in word.as_bytes() {
            let v = vowel(b);
            count += usize::from(v && !prev);
            prev = v;
        }
        let lower_end = |s: &str| word.len() >= s.len() && word[word.len() - s.len()..].eq_ignore_ascii_case(s);
        if lower_end("e") && !lower_end("le") && count > 1 {
            count -= 1;
        }
        return count.max(1);
    }
    syllables_of_any(word)
}

/// [`count_syllables`] of any word, through a lower-cased copy.
fn syllables_of_any(word: &str) -> usize {
    let w = word.to_lowercase();
    let vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev = false;
    for c in w.chars() {
        let v = vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if w.ends_with('e') && !w.ends_with("le") && count > 1 {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_heuristic() {
        let ph: Vec<String> = crate::config::Check::default().claim_phrases;
        let claims = Claims::new(&ph);
        assert!(claims.matches("Research shows the bond matters."));
        assert!(claims.matches("About 40% of people leave early."));
        assert!(claims.matches("The trial had 120 participants."));
        assert!(!claims.matches("Your therapist should listen."));
        assert!(!claims.matches("Finding a therapist who fits takes time."));
        // Whole words only: "trial" is a phrase, "trials" and "retrial" are not.
        let trial = Claims::new(&["trial".to_string()]);
        assert!(trial.matches("In a trial, …") && trial.matches("The trial."));
        assert!(!trial.matches("Many retrials") && !trial.matches("trialled"));
    }

    /// What `Claims::may_match` answered when it tidied every block.
    fn may_match_was(claims: &Claims, block: &str) -> bool {
        let lower = crate::parse::tidy(block).to_lowercase();
        lower.bytes().any(|b| b.is_ascii_digit()) || claims.phrases.as_ref().is_some_and(|ac| ac.is_match(&lower))
    }

    /// The blocks that tidying turns into a phrase although the block itself
    /// does not hold it, each past one of `may_match`'s guards.
    #[test]
    fn may_match_sees_phrases_that_tidying_makes() {
        let cases = [
            ("ab", "a( )b"),     // `( )` removed: the words join
            ("b.c", "x b .c y"), // no space before a word that opens with `.`
            ("ä b", "Ä b"),      // lower-cased outside ASCII
            ("research shows", "Research\n  shows"),
        ];
        for (phrase, block) in cases {
            let claims = Claims::new(&[phrase.to_string()]);
            assert!(may_match_was(&claims, block), "{phrase:?} in {block:?}");
            assert!(claims.may_match(block), "{phrase:?} in {block:?}");
        }
        let claims = Claims::new(&["research shows".to_string()]);
        assert!(!claims.may_match("Your therapist listens, and shows it."));
    }

    proptest::proptest! {
        /// Blocks told apart without tidying are told apart as tidying did,
        /// for phrases with spaces, marks and parentheses, on blocks made of
        /// letters in both cases, whitespace, marks, parentheses, a digit and
        /// letters outside ASCII.
        #[test]
        fn may_match_answers_as_tidying_every_block_did(
            phrases in proptest::collection::vec(proptest::sample::select(vec![
                "ab", "a b", "b.c", "c, a", "ab:", "(a", "a)", "( )", "a ( ) b", "ab  c", ". .", "ä b", "b", "cab",
            ]), 0..4),
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b", "c", "A", "B", "C", "ab", " ", "  ", "\t", "\n", "\u{a0}", ".", ",", ";", ":", "(", ")", "( )",
                "7", "é", "Ä",
            ]), 0..14),
        ) {
            let block = parts.concat();
            let phrases: Vec<String> = phrases.into_iter().map(String::from).collect();
            let claims = Claims::new(&phrases);
            proptest::prop_assert_eq!(claims.may_match(&block), may_match_was(&claims, &block), "{:?}", phrases);
        }
    }

    #[test]
    fn syllables_and_grade() {
        assert_eq!(count_syllables("therapy"), 3);
        assert_eq!(count_syllables("the"), 1);
        assert_eq!(count_syllables("relationship"), 4);
        let easy = fk_grade("The cat sat. The dog ran. We had fun.");
        let hard = fk_grade(
            "Contemporary psychotherapeutic conceptualizations emphasize multidimensional collaborative relationships.",
        );
        assert!(easy < 2.0 && hard > 15.0, "{easy} {hard}");
        assert_eq!(count_syllables("TABLE"), 2, "upper case, ending in -le");
        assert_eq!(count_syllables("Cake"), 1);
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_syllable_count_is_the_general_one(w in "[a-zA-Z]{1,12}|[a-zA-ZÉéİ]{1,8}") {
            proptest::prop_assert_eq!(count_syllables(&w), syllables_of_any(&w));
        }
    }
}
