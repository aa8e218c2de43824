//! `haven check`: the pipeline stopped before writing, plus editorial lints.
//!
//! Lints (warnings, each with `file:line`):
//! - reviews that are overdue (`next_review`, or `last_reviewed` + interval, before today);
//! - bibliography entries never cited, duplicate DOIs, entries whose note marks
//!   them unverified, placeholder titles;
//! - sentences that read like empirical claims (configurable phrases,
//!   percentages, "N participants") but carry no citation;
//! - client-facing pages above Flesch–Kincaid grade 8;
//! - orphan articles (nothing links to them).
//!
//! It also reports per article: cited claims, distinct sources, reading grade.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics};
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

#[derive(Debug, Serialize)]
pub struct Report {
    pub articles: Vec<ArticleReport>,
    pub pages: usize,
    pub link_edges: usize,
    pub distinct_sources_cited: usize,
    pub bibliography_entries: usize,
    /// Sentences the empirical-claim heuristic matched across all articles…
    pub heuristic_matches: usize,
    /// …and how many of them carry a citation (the rest are reported as warnings).
    pub heuristic_matches_cited: usize,
}

/// Run the lints over a linked site.
pub fn run(site: &Site, today: Date, diags: &mut Diagnostics) -> Report {
    let interval = site.config.site.defaults.review_interval_months;
    let phrases: Vec<String> = site.config.site.check.claim_phrases.iter().map(|p| p.to_lowercase()).collect();
    let mut articles = Vec::new();
    for p in site.articles() {
        // Review dates.
        let due = p.meta.next_review.or_else(|| p.meta.last_reviewed.map(|d| d.add_months(interval)));
        match due {
            Some(d) if d < today => {
                let line =
                    p.meta.key_lines.get("next_review").or(p.meta.key_lines.get("last_reviewed")).copied().unwrap_or(1);
                diags.push(
                    Diagnostic::warning(format!("review overdue: next review was due on {d}"))
                        .in_file(&p.file)
                        .at(&p.source, line_range(&p.source, line))
                        .help("review the article, then update `last_reviewed`"),
                );
            }
            None => diags.push(
                Diagnostic::warning("article has no `last_reviewed` date")
                    .in_file(&p.file)
                    .at(&p.source, 0..3)
                    .help("add `last_reviewed = YYYY-MM-DD` so readers can see when it was checked"),
            ),
            _ => {}
        }
        let uncited = uncited_claims(p, &phrases);
        for (sentence, offset) in &uncited {
            let shown: String = sentence.chars().take(90).collect();
            diags.push(
                Diagnostic::warning(format!("sentence reads like an empirical claim but cites no source: \"{shown}\""))
                    .in_file(&p.file)
                    .at(&p.source, *offset..*offset + 1)
                    .help("add a citation like [@key], or rephrase if it is not a claim about evidence"),
            );
        }
        let grade = fk_grade(&p.text);
        let client = p.meta.audience.iter().any(|a| a.eq_ignore_ascii_case("clients"));
        if client && grade > 8.0 {
            let line = p.meta.key_lines.get("audience").copied().unwrap_or(1);
            diags.push(
                Diagnostic::warning(format!("reading grade {grade:.1} is above 8 for a page written for clients"))
                    .in_file(&p.file)
                    .at(&p.source, line_range(&p.source, line))
                    .help("use shorter sentences and everyday words"),
            );
        }
        let linked_from = p.backlinks.iter().filter(|b| !site.pages[b.from].is_glossary_term()).count();
        if linked_from == 0 {
            diags.push(
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
            diags.push(
                Diagnostic::warning(format!(
                    "links to {} other article{}; link to at least two",
                    out.len(),
                    if out.len() == 1 { "" } else { "s" }
                ))
                .in_file(&p.file)
                .help("point readers onward with [[slug]] links to related articles"),
            );
        }
        articles.push(ArticleReport {
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
        });
    }
    // Bibliography lints.
    let cited: HashSet<&str> = site.pages.iter().flat_map(|p| p.cited_keys.iter().map(String::as_str)).collect();
    let mut dois: BTreeMap<String, &crate::site::Source> = BTreeMap::new();
    for s in &site.sources {
        let at = |d: Diagnostic| -> Diagnostic {
            let text = std::fs::read_to_string(site.config.root.join(&s.file)).unwrap_or_default();
            if text.is_empty() {
                d.in_file(&s.file)
            } else {
                d.in_file(&s.file).at(&text, line_range(&text, s.line))
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
    let (heuristic_matches, heuristic_matches_cited) =
        site.articles().map(|p| heuristic_stats(p, &phrases)).fold((0, 0), |(a, b), (m, c)| (a + m, b + c));
    Report {
        heuristic_matches,
        heuristic_matches_cited,
        pages: site.pages.len(),
        link_edges: site.pages.iter().map(|p| p.links.iter().filter(|l| l.resolved.is_some()).count()).sum(),
        distinct_sources_cited: cited.len(),
        bibliography_entries: site.sources.len(),
        articles,
    }
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

/// How the claim heuristic behaves on a page: (sentences it matches, of those, how many cite a source).
pub fn heuristic_stats(p: &Page, phrases: &[String]) -> (usize, usize) {
    let cited: HashSet<&str> = p.claims.iter().map(|c| c.text.as_str()).collect();
    let (mut matched, mut with_cite) = (0, 0);
    for block in p.text.lines() {
        for r in crate::parse::sentence_ranges(block) {
            let sentence = crate::parse::tidy(&block[r]);
            if looks_like_claim(&sentence, phrases) {
                matched += 1;
                with_cite += usize::from(cited.contains(sentence.as_str()));
            }
        }
    }
    (matched, with_cite)
}

/// Sentences that look like empirical claims and are not among the page's
/// cited claims, with a byte offset in the source for the location.
pub fn uncited_claims(p: &Page, phrases: &[String]) -> Vec<(String, usize)> {
    let cited: HashSet<&str> = p.claims.iter().map(|c| c.text.as_str()).collect();
    let mut out = Vec::new();
    let mut search_from = p.body_offset;
    for block in p.text.lines() {
        for r in crate::parse::sentence_ranges(block) {
            let sentence = crate::parse::tidy(&block[r]);
            if sentence.is_empty() || cited.contains(sentence.as_str()) {
                continue;
            }
            if looks_like_claim(&sentence, phrases) {
                let probe: String = sentence.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
                let offset = p.source[search_from..].find(&probe).map_or(p.body_offset, |i| search_from + i);
                search_from = offset.max(search_from);
                out.push((sentence, offset));
            }
        }
    }
    out
}

fn looks_like_claim(sentence: &str, phrases: &[String]) -> bool {
    let lower = sentence.to_lowercase();
    if phrases.iter().any(|p| contains_phrase(&lower, p)) {
        return true;
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

fn contains_phrase(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(phrase) {
        let s = from + i;
        let e = s + phrase.len();
        let ok_before = text[..s].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let ok_after = text[e..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if ok_before && ok_after {
            return true;
        }
        from = e;
    }
    false
}

/// Flesch–Kincaid grade level of `text`.
pub fn fk_grade(text: &str) -> f64 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    for block in text.lines() {
        let n = crate::parse::sentence_ranges(block).len();
        if n == 0 {
            continue;
        }
        sentences += n;
        for w in block.split_whitespace() {
            let w: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            if w.is_empty() {
                continue;
            }
            words += 1;
            syllables += count_syllables(&w);
        }
    }
    if words == 0 || sentences == 0 {
        return 0.0;
    }
    0.39 * (words as f64 / sentences as f64) + 11.8 * (syllables as f64 / words as f64) - 15.59
}

/// Vowel groups, minus a silent final `e`, at least one.
pub fn count_syllables(word: &str) -> usize {
    let w = word.to_lowercase();
    let chars: Vec<char> = w.chars().collect();
    let vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev = false;
    for &c in &chars {
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
        assert!(looks_like_claim("Research shows the bond matters.", &ph));
        assert!(looks_like_claim("About 40% of people leave early.", &ph));
        assert!(looks_like_claim("The trial had 120 participants.", &ph));
        assert!(!looks_like_claim("Your therapist should listen.", &ph));
        assert!(!looks_like_claim("Finding a therapist who fits takes time.", &ph));
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
    }
}
