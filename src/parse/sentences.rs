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
