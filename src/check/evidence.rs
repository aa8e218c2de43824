//! Claims no stronger than their sources: each cited claim's wording read
//! against what its sources are ([`crate::evidence`]).
//!
//! - study language ("a study found", "research shows", "participants") on a
//!   claim whose only sources report no study (conceptual papers, books);
//! - certainty and causal words ("proves", "causes", "always", "never",
//!   "guarantees", "cures") on a cited claim;
//! - a number (a percentage, "1 in 5", `r =`, `d =`, `g =`, a sample size)
//!   whose citations give no locator and whose sources declare no counts;
//! - a citation of a superseded entry (with the edit that cites its successor);
//! - a cited source that does not say what kind of evidence it is (a note).
//!
//! Every finding quotes the claim and points at the words that triggered it.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Edit, LineIndex};
use crate::evidence::Kind;
use crate::site::{Claim, Page, Site, Source};

/// Phrases that say a study or data stand behind a claim.
const STUDY_WORDS: [&str; 20] = [
    "a study",
    "one study",
    "the study",
    "this study",
    "studies show",
    "studies have",
    "studies found",
    "studies suggest",
    "research shows",
    "research has shown",
    "research found",
    "research suggests",
    "researchers found",
    "trial",
    "trials",
    "participants",
    "a sample of",
    "data show",
    "the data",
    "was measured",
];

/// Certainty and causal words, each with a weaker word that fits the same
/// place. Base forms ("prove", "cure") are left out: "no cure", "to prove
/// oneself" are not claims of certainty.
const CERTAINTY: [(&str, &str); 11] = [
    ("proves", "suggests"),
    ("proved", "suggested"),
    ("proven", "supported"),
    ("causes", "is linked with"),
    ("caused by", "linked with"),
    ("always", "often"),
    ("never", "rarely"),
    ("guarantees", "supports"),
    ("guaranteed", "likely"),
    ("cures", "helps with"),
    ("cured", "helped"),
];

/// Words that, a few words before a certainty word, make it a hedge
/// ("cannot show that it causes", "not always").
const NEGATIONS: [&str; 12] =
    ["not", "cannot", "can't", "doesn't", "don't", "didn't", "no", "nor", "whether", "unclear", "if", "without"];

/// Auxiliaries that make "never"/"always" a report of what happened
/// ("it was never discussed"), not a rule.
const REPORTED: [&str; 3] = ["was", "were", "had"];

/// Whether the certainty `word` found at byte `at` of `lower` (a claim in
/// lower case) is a claim of certainty, not a hedge, a report or an idiom.
fn asserts_certainty(lower: &str, at: usize, word: &str) -> bool {
    let before: Vec<&str> = lower[..at].split_whitespace().rev().take(6).collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_string();
    if before.iter().any(|w| NEGATIONS.contains(&bare(w).as_str())) {
        return false;
    }
    if matches!(word, "always" | "never") && before.first().is_some_and(|w| REPORTED.contains(&bare(w).as_str())) {
        return false;
    }
    // "proves herself", "proved themselves": about a person, not a finding.
    let next = lower[at + word.len()..].split_whitespace().next().map(bare).unwrap_or_default();
    !(word.starts_with("prov") && next.ends_with("self") || next.ends_with("selves"))
}

/// Words that make a number a sample size ("120 participants").
const SAMPLE_NOUNS: [&str; 14] = [
    "participants",
    "people",
    "clients",
    "patients",
    "adults",
    "children",
    "students",
    "studies",
    "trials",
    "therapists",
    "couples",
    "dyads",
    "samples",
    "cases",
];

/// The findings for one article's cited claims and citations.
pub fn lint_page(site: &Site, p: &Page, key_source: &HashMap<&str, usize>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let index = std::cell::OnceCell::new();
    let at = |d: Diagnostic, span: std::ops::Range<usize>| -> Diagnostic {
        d.in_file(&p.file).at_indexed(index.get_or_init(|| LineIndex::new(&p.source)), &p.source, span)
    };
    for claim in &p.claims {
        let items: Vec<(&Source, &str)> = claim
            .cites
            .iter()
            .flat_map(|&g| p.cites[g].items.iter())
            .filter_map(|it| key_source.get(it.key.as_str()).map(|&i| (&site.sources[i], it.locator.as_str())))
            .collect();
        if items.is_empty() {
            continue;
        }
        let lower = claim.text.to_lowercase();
        let quote = quoted(&claim.text);
        let start = claim_start(p, claim);
        let only_no_study = items.iter().all(|(s, _)| s.evidence.kind.is_some_and(Kind::reports_no_study));
        if only_no_study {
            if let Some(phrase) = STUDY_WORDS.iter().find(|w| find_word(&lower, w).is_some()) {
                let kinds: Vec<&str> = {
                    let mut k: Vec<&str> = items.iter().filter_map(|(s, _)| s.evidence.kind.map(Kind::label)).collect();
                    k.dedup();
                    k
                };
                out.push(
                    at(
                        Diagnostic::warning(format!(
                            "\"{phrase}\" on a claim whose sources report no study ({}): {quote}",
                            kinds.join(", ").to_lowercase()
                        )),
                        span_of(p, start, phrase),
                    )
                    .help(format!(
                        "say what the source is (\"{} argue…\", \"… describe…\"), or cite a study that found this",
                        author_of(items[0].0)
                    )),
                );
            }
        }
        for (word, weaker) in CERTAINTY {
            if !find_word(&lower, word).is_some_and(|i| asserts_certainty(&lower, i, word)) {
                continue;
            }
            let span = span_of(p, start, word);
            let written = p.source.get(span.clone()).filter(|s| s.eq_ignore_ascii_case(word));
            let weaker = written.map_or(weaker.to_string(), |w| match_case(w, weaker));
            let mut d = at(
                Diagnostic::warning(format!("\"{word}\" states more certainty than a cited source can: {quote}")),
                span.clone(),
            )
            .help(format!("say it at the strength of the evidence, e.g. \"{weaker}\""));
            if written.is_some() {
                d = d.fix(Edit::replace_span(&p.source, span, weaker));
            }
            out.push(d);
            break;
        }
        if let Some(number) = number_in(&claim.text) {
            let located = items.iter().any(|(_, loc)| !loc.trim().is_empty());
            let counted = items.iter().any(|(s, _)| s.evidence.declares_counts());
            if !located && !counted {
                let key = &items[0].0.key;
                out.push(
                    at(
                        Diagnostic::warning(format!(
                            "the number \"{number}\" has no page to check it against: {quote}"
                        )),
                        span_of(p, start, &number),
                    )
                    .help(format!(
                        "give the page or table where the source reports it, e.g. [@{key}, p. 12], or declare \
                         the source's `studies`/`participants` in its bibliography entry if that is the number"
                    )),
                );
            }
        }
    }
    // Citations of superseded entries, each at its `@key`.
    for g in &p.cites {
        for (it, found) in g.items.iter().zip(g.key_spans(&p.source)) {
            let Some(span) = found else { continue };
            let Some(s) = key_source.get(it.key.as_str()).map(|&i| &site.sources[i]) else { continue };
            let Some(newer) = &s.evidence.superseded_by else { continue };
            let Some(n) = key_source.get(newer.as_str()).map(|&i| &site.sources[i]) else { continue };
            out.push(
                at(
                    Diagnostic::warning(format!(
                        "`{}` is superseded by `{newer}` ({})",
                        it.key,
                        n.text.chars().take(80).collect::<String>().trim_end()
                    )),
                    span.clone(),
                )
                .help(format!("cite `@{newer}`, the newer source, and check the claim still matches it"))
                .fix(Edit::replace_span(&p.source, span, format!("@{newer}"))),
            );
        }
    }
    out
}

/// A note for each cited source without an evidence type, at its entry.
pub fn untyped_source(s: &Source) -> Option<Diagnostic> {
    if s.evidence.kind.is_some() {
        return None;
    }
    let ext = s.file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let how = match ext {
        "bib" => "`evidence = {meta-analysis}`".to_string(),
        "yml" | "yaml" => "`evidence: meta-analysis`".to_string(),
        _ => "`\"custom\": {\"evidence\": \"meta-analysis\"}`".to_string(),
    };
    Some(Diagnostic::note(format!("source `{}` does not say what kind of evidence it is", s.key)).help(format!(
        "add {how} to its entry, with one of: {}; readers see it beside every claim it supports",
        Kind::ALL.map(Kind::slug).join(", ")
    )))
}

/// The claim's first words in quotes, shortened.
fn quoted(text: &str) -> String {
    let short: String = text.chars().take(90).collect();
    if short.len() < text.len() {
        format!("\"{}…\"", short.trim_end())
    } else {
        format!("\"{short}\"")
    }
}

/// "Bowlby", "Miller-Bottome et al." — how a rewording would name the source.
fn author_of(s: &Source) -> String {
    let Some(hayagriva::citationberg::json::Value::Names(names)) = s.entry.0.get("author") else {
        return "The authors".into();
    };
    let family = |n: &hayagriva::citationberg::json::NameValue| match n {
        hayagriva::citationberg::json::NameValue::Item(i) => i.family.clone(),
        hayagriva::citationberg::json::NameValue::Literal(l) => l.literal.clone(),
    };
    match names.as_slice() {
        [] => "The authors".into(),
        [one] => family(one),
        [a, b] => format!("{} and {}", family(a), family(b)),
        [a, ..] => format!("{} and colleagues", family(a)),
    }
}

/// Where `word` occurs as a whole word in `lower` (already lower case).
fn find_word(lower: &str, word: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '-';
    let mut from = 0;
    while let Some(i) = lower[from..].find(word).map(|i| from + i) {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return Some(i);
        }
        from = i + word.len().max(1);
    }
    None
}

/// A byte offset in the page source where `claim`'s sentence starts (or its
/// paragraph, when the sentence's first words are not found as written).
fn claim_start(p: &Page, claim: &Claim) -> usize {
    let first = claim.cites.iter().map(|&g| p.cites[g].span.start).min().unwrap_or(p.body_offset);
    let para = p.source.get(..first).and_then(|s| s.rfind("\n\n")).map_or(p.body_offset, |i| i + 2).max(p.body_offset);
    let probe: String = claim.text.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    p.source.get(para..first).and_then(|s| s.rfind(&probe)).map_or(para, |i| para + i)
}

/// The span of `word` (whole word, any case) in the source at or after `start`,
/// within its paragraph; the claim's start when not found as written.
fn span_of(p: &Page, start: usize, word: &str) -> std::ops::Range<usize> {
    let end = p.source[start..].find("\n\n").map_or(p.source.len(), |i| start + i);
    let lower = p.source[start..end].to_lowercase();
    match find_word(&lower, &word.to_lowercase()) {
        // Lower-casing keeps byte lengths for the ASCII words looked for here.
        Some(i) if lower.len() == end - start => start + i..start + i + word.len(),
        _ => start..start + p.source[start..].chars().next().map_or(0, char::len_utf8),
    }
}

/// `weaker` with the first letter's case of `like` ("Always" → "Often").
fn match_case(like: &str, weaker: &str) -> String {
    if like.chars().next().is_some_and(char::is_uppercase) {
        let mut c = weaker.chars();
        c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
    } else {
        weaker.to_string()
    }
}

/// The first number in `text` that states a quantity: a percentage, "1 in
/// 5", a statistic (`r =`, `d =`, `g =`, `n =`), or a count of people or
/// studies. Years, page numbers and ordinals are not such numbers.
pub fn number_in(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '%' && c != '.' && c != ',').to_string();
    let numeric = |w: &str| {
        let w = w.trim_end_matches(['.', ',']);
        !w.is_empty()
            && w.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            && w.chars().any(|c| c.is_ascii_digit())
    };
    for (i, raw) in words.iter().enumerate() {
        let w = bare(raw);
        let lw = w.to_lowercase();
        // 40%, 40 percent
        if lw.ends_with('%') && numeric(&lw[..lw.len() - 1]) {
            return Some(w);
        }
        if numeric(&w) {
            let next = words
                .get(i + 1)
                .map(|n| n.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                .unwrap_or_default();
            let next2 = words.get(i + 2).map(|n| bare(n)).unwrap_or_default();
            if next == "percent" || next == "per" && next2 == "cent" {
                return Some(format!("{w} {next}"));
            }
            // 1 in 5
            if next == "in" && numeric(&next2) {
                return Some(format!("{w} in {next2}"));
            }
            if SAMPLE_NOUNS.contains(&next.as_str()) {
                return Some(format!("{} {next}", w.trim_end_matches(['.', ','])));
            }
        }
        // r = .3, d = 0.5, g = 0.28, N = 120 (also "r=.3")
        let stat = lw.trim_start_matches('(');
        for s in ["r", "d", "g", "n"] {
            if stat == s
                && words.get(i + 1).is_some_and(|n| *n == "=")
                && words.get(i + 2).is_some_and(|n| numeric(&bare(n)))
            {
                return Some(format!("{} = {}", &w, bare(words[i + 2])));
            }
            if let Some(v) = stat.strip_prefix(&format!("{s}=")) {
                if numeric(v.trim_end_matches([')', ',', ';'])) {
                    return Some(w.trim_start_matches('(').to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_state_quantities_and_not_years() {
        assert_eq!(number_in("About 40% of clients leave early.").as_deref(), Some("40%"));
        assert_eq!(number_in("Roughly 1 in 5 people drop out.").as_deref(), Some("1 in 5"));
        assert_eq!(number_in("The correlation was r = .28 overall.").as_deref(), Some("r = .28"));
        assert_eq!(number_in("An effect (d=0.5) was found.").as_deref(), Some("d=0.5"));
        assert_eq!(number_in("It pooled 295 studies.").as_deref(), Some("295 studies"));
        assert_eq!(number_in("A sample of 1,314 patients.").as_deref(), Some("1,314 patients"));
        assert_eq!(number_in("Bordin wrote in 1979 about goals."), None);
        assert_eq!(number_in("Chapter 3 covers the bond."), None);
        assert_eq!(number_in("In the 1980s, two researchers asked adults."), None);
    }

    #[test]
    fn whole_words_only() {
        assert!(find_word("it always helps", "always").is_some());
        assert!(find_word("a causeway", "cause").is_none());
        assert!(find_word("never-ending", "never").is_none());
        assert!(find_word("the trials", "trial").is_none());
        assert_eq!(match_case("Always", "often"), "Often");
        assert_eq!(match_case("always", "often"), "often");
    }

    #[test]
    fn hedges_reports_and_idioms_are_not_certainty() {
        let claim = |text: &str, word: &str| {
            let lower = text.to_lowercase();
            find_word(&lower, word).is_some_and(|i| asserts_certainty(&lower, i, word))
        };
        assert!(claim("Repair always strengthens the bond.", "always"));
        assert!(claim("The alliance causes better outcomes.", "causes"));
        assert!(claim("This proves that empathy works.", "proves"));
        assert!(!claim("It cannot show that repair causes improvement.", "causes"));
        assert!(!claim("Repair does not always help.", "always"));
        assert!(!claim("Most said it was never discussed.", "never"));
        assert!(!claim("She proved herself reliable.", "proved"));
    }
}
