//! Sentences: a claim is the sentence that carries a citation. Also used by
//! `haven check`'s readability report.

use std::ops::Range;

use super::body::NARRATIVE_OPEN;

/// Collapse whitespace and the space a removed citation leaves before punctuation.
pub fn tidy(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .replace(" .", ".")
        .replace(" ,", ",")
        .replace(" ;", ";")
        .replace(" :", ":")
        .replace("( )", "")
        .trim()
        .to_string()
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
