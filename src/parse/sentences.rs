//! Sentences: a claim is the sentence that carries a citation. Also used by
//! `haven check`'s readability report.

use std::ops::Range;

use super::body::NARRATIVE_OPEN;

/// Collapse whitespace and the space a removed citation leaves before punctuation.
///
/// One pass: words joined by one space, except before a word that opens with
/// `.`, `,`, `;` or `:`; then empty parentheses `( )` out, and the ends
/// trimmed. (It ran as a join and five `replace` passes, the most expensive
/// string search of the build; `tidy_is_the_join_and_replace_it_was` holds it
/// to that.)
pub fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 && !word.starts_with(['.', ',', ';', ':']) {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.contains("( )") {
        out = out.replace("( )", "");
    }
    match out.trim() {
        t if t.len() == out.len() => out,
        t => t.to_string(),
    }
}

const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "al.", "p.", "pp.", "ch.", "vs.", "dr.", "mr.", "mrs.", "ms.", "cf.", "etc.", "vol.", "no.", "fig.",
];

/// Whether `word` (ending in its `.`) is one of [`ABBREVIATIONS`] or an
/// initial (one letter), in any case: an ASCII word is compared as it is,
/// another lower-cased first (which may change its length).
fn abbreviation_or_initial(word: &str) -> bool {
    if word.is_ascii() {
        ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
            || (word.len() == 2 && word.as_bytes()[0].is_ascii_alphabetic())
    } else {
        let word = word.to_lowercase();
        ABBREVIATIONS.contains(&word.as_str())
            || (word.len() == 2 && word.chars().next().is_some_and(char::is_alphabetic))
    }
}

/// Byte ranges of the sentences in `text`.
///
/// A sentence ends at `.`, `?` or `!` (and the closing quotes or brackets
/// after it) followed by whitespace and then an upper-case letter, a digit,
/// an opening quote or bracket, or the end; a `.` that ends an abbreviation
/// or an initial does not end one.
pub fn sentence_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    // The terminators are ASCII: found as bytes (never inside a multi-byte
    // character), not by decoding every character of the text.
    for pos in memchr::memchr3_iter(b'.', b'?', b'!', text.as_bytes()) {
        let c = char::from(text.as_bytes()[pos]);
        let after = pos + 1;
        // Skip closing quotes/brackets after the terminator; whitespace must follow.
        let mut rest =
            text[after..].char_indices().skip_while(|&(_, ch)| matches!(ch, '"' | '\'' | ')' | '”' | '’' | ']'));
        let end = match rest.next() {
            Some((j, ch)) if ch.is_whitespace() => after + j,
            _ => continue,
        };
        let next = rest.find(|&(_, ch)| !ch.is_whitespace());
        if let Some((_, ch)) = next {
            if !(ch.is_uppercase() || ch.is_numeric() || matches!(ch, '"' | '“' | '(' | NARRATIVE_OPEN)) {
                continue;
            }
        }
        if c == '.' {
            // After the whitespace before the word, however many bytes it takes.
            let word_start = text[..pos]
                .char_indices()
                .rev()
                .find(|&(_, ch)| ch.is_whitespace())
                .map_or(0, |(w, ch)| w + ch.len_utf8());
            if abbreviation_or_initial(&text[word_start..=pos]) {
                continue;
            }
        }
        out.push(start..end);
        start = next.map_or(text.len(), |(k, _)| after + k);
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}
