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
    Text(String),
    Cite(String),
}

/// Split a text run at narrative citations (`@key`). An `@` preceded by a word
/// character (e-mail addresses) or escaped in the source (`\@`) is text.
pub(super) fn split_narrative(text: &str, src: &str, range: Range<usize>) -> Vec<Piece> {
    if !text.contains('@') {
        return vec![Piece::Text(text.to_string())];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find('@') {
        let before = &rest[..i];
        let prev_char = before.chars().last().or(prev);
        let after = &rest[i + 1..];
        let (key, _) = take_key(after);
        let is_cite = !key.is_empty()
            && key.chars().next().is_some_and(is_key_start)
            && !prev_char.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@'))
            && !escaped_in_source(src, &range, key);
        cur.push_str(before);
        if is_cite {
            if !cur.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut cur)));
            }
            out.push(Piece::Cite(key.to_string()));
            rest = &after[key.len()..];
            prev = key.chars().last();
        } else {
            cur.push('@');
            rest = after;
            prev = Some('@');
        }
    }
    cur.push_str(rest);
    if !cur.is_empty() {
        out.push(Piece::Text(cur));
    }
    out
}

/// Whether every `@key` in the event's source range is written `\@key`. The
/// range may start just after the backslash, so look one byte before it too.
fn escaped_in_source(src: &str, range: &Range<usize>, key: &str) -> bool {
    let needle = format!("@{key}");
    let start = range.start.saturating_sub(1);
    let slice = src.get(start..range.end.min(src.len())).unwrap_or("");
    let hits: Vec<usize> = slice.match_indices(&needle).map(|(i, _)| start + i).collect();
    !hits.is_empty() && hits.iter().all(|&i| src[..i].ends_with('\\'))
}

pub(super) fn find_span(src: &str, within: &Range<usize>, needle: &str) -> Range<usize> {
    src[within.clone()].find(needle).map_or(within.clone(), |i| within.start + i..within.start + i + needle.len())
}
