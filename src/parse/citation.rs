//! Citation syntax (Pandoc's): `[@key]`, `[@a; @b]`, `[see @key, p. 12]`,
//! `[-@key]`, and narrative `@key` in running text.

use std::ops::Range;

use crate::site::CiteItem;

pub(super) fn looks_like_citation(reference: &str) -> bool {
    reference.split(';').any(|part| {
        let p = part.trim();
        let p = p.rsplit(' ').find(|w| w.starts_with('@') || w.starts_with("-@")).unwrap_or(p);
        let key = p.trim_start_matches('-').strip_prefix('@');
        key.is_some_and(|k| k.chars().next().is_some_and(is_key_start))
    })
}

fn is_key_start(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '_' | '-' | ':' | '.' | '#' | '$' | '%' | '&' | '+' | '?' | '<' | '>' | '~' | '/')
}

/// Take a key off the front of `s` (after the `@`); trailing punctuation is not part of it.
fn take_key(s: &str) -> (&str, &str) {
    let end = s.char_indices().find(|&(_, c)| !is_key_char(c)).map_or(s.len(), |(i, _)| i);
    let mut key = &s[..end];
    while key.ends_with(|c: char| !(c.is_alphanumeric() || c == '_')) {
        key = &key[..key.len() - 1];
    }
    (key, &s[key.len()..])
}

/// `see @a, p. 3; -@b` → items. Each part: optional prefix, `@key` (or `-@key`), optional `, locator`.
pub fn parse_citation(reference: &str) -> Result<Vec<CiteItem>, String> {
    let mut items = Vec::new();
    for part in reference.split(';') {
        let part = part.trim();
        let at = part.find('@').ok_or_else(|| format!("`{part}` has no @key"))?;
        let suppress = at > 0 && part[..at].ends_with('-');
        let prefix_end = if suppress { at - 1 } else { at };
        let prefix = part[..prefix_end].trim().to_string();
        let (key, rest) = take_key(&part[at + 1..]);
        if key.is_empty() {
            return Err(format!("`{part}` has an empty key after @"));
        }
        let rest = rest.trim();
        let locator = rest.strip_prefix(',').unwrap_or(rest).trim().to_string();
        items.push(CiteItem { key: key.to_string(), prefix, locator, suppress_author: suppress });
    }
    if items.is_empty() {
        return Err("no citation keys".into());
    }
    Ok(items)
}

pub(super) enum Piece {
    /// A byte range of the text.
    Text(Range<usize>),
    Cite(String),
}

/// Split a text run at narrative citations (`@key`). An `@` preceded by a word
/// character (e-mail addresses) or escaped in the source (`\@`) is text.
pub(super) fn split_narrative(text: &str, src: &str, range: Range<usize>) -> Vec<Piece> {
    if !text.contains('@') {
        return vec![Piece::Text(0..text.len())];
    }
    let escapes = Escapes::of(src, &range);
    let mut out = Vec::new();
    // The text not yet handed out starts here; `at` is where to look next.
    let mut from = 0;
    let mut at = 0;
    let mut prev: Option<char> = None;
    while let Some(i) = text[at..].find('@').map(|i| at + i) {
        let before = &text[at..i];
        let prev_char = before.chars().last().or(prev);
        let after = &text[i + 1..];
        let (key, _) = take_key(after);
        let is_cite = !key.is_empty()
            && key.chars().next().is_some_and(is_key_start)
            && !prev_char.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@'))
            && !escapes.all_escaped(key);
        if is_cite {
            if from < i {
                out.push(Piece::Text(from..i));
            }
            out.push(Piece::Cite(key.to_string()));
            at = i + 1 + key.len();
            from = at;
            prev = key.chars().last();
        } else {
            at = i + 1;
            prev = Some('@');
        }
    }
    if from < text.len() {
        out.push(Piece::Text(from..text.len()));
    }
    out
}

/// How each `@key` of an event's source range is written: escaped
/// (`\@key`), plain, or both. Read once per event, so an event with
/// thousands of `@key`s costs one pass, not one per key.
struct Escapes<'s> {
    /// key → (written plain somewhere, written escaped somewhere).
    keys: std::collections::HashMap<&'s str, (bool, bool)>,
}

impl<'s> Escapes<'s> {
    /// The range may start just after the backslash, so look one byte before it too.
    fn of(src: &'s str, range: &Range<usize>) -> Escapes<'s> {
        let start = range.start.saturating_sub(1);
        let slice = src.get(start..range.end.min(src.len())).unwrap_or("");
        let mut keys: std::collections::HashMap<&str, (bool, bool)> = std::collections::HashMap::new();
        for (i, _) in slice.match_indices('@') {
            let (key, _) = take_key(&slice[i + 1..]);
            if key.is_empty() {
                continue;
            }
            let escaped = slice[..i].ends_with('\\') || (i == 0 && src[..start].ends_with('\\'));
            let e = keys.entry(key).or_default();
            if escaped {
                e.1 = true;
            } else {
                e.0 = true;
            }
        }
        Escapes { keys }
    }

    /// Every `@key` is written `\@key`.
    fn all_escaped(&self, key: &str) -> bool {
        self.keys.get(key).is_some_and(|&(plain, escaped)| escaped && !plain)
    }
}

pub(super) fn find_span(src: &str, within: &Range<usize>, needle: &str) -> Range<usize> {
    src[within.clone()].find(needle).map_or(within.clone(), |i| within.start + i..within.start + i + needle.len())
}
