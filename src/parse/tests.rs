//! Tests of the parse stage.

use super::citation::parse_citation;
use super::*;
use crate::site::{CiteItem, LinkKind};

fn doc(md: &str) -> (Doc, Vec<Diagnostic>) {
    parse_body(md, 0)
}

#[test]
fn front_matter_toml_and_yaml_split() {
    let (fm, off, body, f) = split_front_matter("+++\ntitle = \"a\"\n+++\nbody").unwrap();
    assert_eq!((fm, off, body, f), ("title = \"a\"\n", 4, 20, FmFormat::Toml));
    let (fm, _, _, f) = split_front_matter("---\ntitle: a\n---\n").unwrap();
    assert_eq!((fm, f), ("title: a\n", FmFormat::Yaml));
    assert!(split_front_matter("+++\ntitle = 1\n").is_err());
    assert!(split_front_matter("").is_err());
    assert!(split_front_matter("# no fm").is_err());
}

#[test]
fn unknown_key_is_reported_at_file_line_with_suggestion() {
    let src = "+++\ntitle = \"x\"\ntagz = [\"a\"]\n+++\n";
    let (fm, off, _, f) = split_front_matter(src).unwrap();
    let errs = parse_meta(src, fm, off, f, false).unwrap_err();
    assert_eq!(errs[0].message, "unknown key `tagz`");
    assert_eq!(errs[0].location.as_ref().unwrap().line, 3);
    assert_eq!(errs[0].help.as_deref(), Some("did you mean `tags`? Write: `tags = [\"a\"]`"));
    assert_eq!(errs[0].fixes[0].apply(src), src.replace("tagz", "tags"));
}

#[test]
fn yaml_unknown_key_and_dates() {
    let src = "---\ntitle: x\nlast_reviewed: 2025-01-02\ndesciption: y\n---\n";
    let (fm, off, _, f) = split_front_matter(src).unwrap();
    let errs = parse_meta(src, fm, off, f, false).unwrap_err();
    assert_eq!(errs[0].message, "unknown key `desciption`");
    assert_eq!(errs[0].location.as_ref().unwrap().line, 4);
    let src = "---\ntitle: x\nlast_reviewed: 2025-01-02\n---\n";
    let (fm, off, _, f) = split_front_matter(src).unwrap();
    assert_eq!(parse_meta(src, fm, off, f, false).unwrap().last_reviewed.unwrap().to_string(), "2025-01-02");
}

#[test]
fn toml_dates_and_bad_dates() {
    let src = "+++\ntitle = \"x\"\ndate = 2025-03-01\nupdated = \"2025-02-30\"\n+++\n";
    let (fm, off, _, f) = split_front_matter(src).unwrap();
    let errs = parse_meta(src, fm, off, f, false).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].location.as_ref().unwrap().line, 4);
}

#[test]
fn citation_forms_parse() {
    let items = parse_citation("see @bordin1979, ch. 2; -@levy2018, p. 2001").unwrap();
    assert_eq!(
        items[0],
        CiteItem { key: "bordin1979".into(), prefix: "see".into(), locator: "ch. 2".into(), suppress_author: false }
    );
    assert_eq!(
        items[1],
        CiteItem { key: "levy2018".into(), prefix: "".into(), locator: "p. 2001".into(), suppress_author: true }
    );
}

#[test]
fn citations_found_but_not_in_code_emails_or_escapes() {
    let (d, _) = doc("Alliance matters [@a; @b]. @c argued it. Mail x@y.org. `[@d]` and \\@e.\n\n```\n@f\n```\n");
    let keys: Vec<_> = d.cites.iter().flat_map(|c| c.items.iter().map(|i| i.key.clone())).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert!(d.cites[1].narrative);
    assert_eq!(d.claims.len(), 2);
    assert_eq!(d.claims[0].text, "Alliance matters.");
    assert_eq!(d.claims[1].text, "\u{E000}1\u{E001} argued it.");
}

#[test]
fn wikilinks_and_md_links_are_recorded() {
    let (d, _) = doc("See [[secure-base|the base]] and [[other#goals]] and [x](../a/b.md#h) and [y](https://x.org).");
    let t: Vec<_> = d.links.iter().map(|l| (l.target.as_str(), l.kind)).collect();
    assert_eq!(
        t,
        [
            ("secure-base", LinkKind::Wiki { has_label: true }),
            ("other#goals", LinkKind::Wiki { has_label: false }),
            ("../a/b.md#h", LinkKind::Markdown)
        ]
    );
    assert!(d.links[0].context.starts_with("See the base and"));
}

#[test]
fn heading_ids_are_unique_and_reserved_ids_avoided() {
    let (d, _) = doc("# Goals\n\n## Goals\n\n## References\n");
    let ids: Vec<_> = d.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["goals", "goals-1", "references-1"]);
}

#[test]
fn sentences_split_but_not_at_abbreviations() {
    let t = "Bordin et al. described it, e.g. goals. Second one! Third.";
    let s: Vec<_> = sentence_ranges(t).into_iter().map(|r| &t[r]).collect();
    assert_eq!(s, ["Bordin et al. described it, e.g. goals.", "Second one!", "Third."]);
}

proptest::proptest! {
    // `PROPTEST_CASES` (the quick inner loop sets it) wins over the default of 512.
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn front_matter_split_and_meta_never_panic(s in "(\\+\\+\\+|---|\n|title|=|:|\"|[a-z_ ]|2025-0[0-9]-[0-9]{2}|\\[|\\]){0,40}") {
        if let Ok((fm, off, _, f)) = split_front_matter(&s) {
            let _ = parse_meta(&s, fm, off, f, false);
        }
    }

    #[test]
    fn citation_parser_never_panics(s in "[@;, .:a-z0-9\\-\\[\\]]{0,60}") {
        if let Ok(items) = parse_citation(&s) {
            proptest::prop_assert!(items.iter().all(|i| !i.key.is_empty()));
        }
    }

    #[test]
    fn markdown_walk_never_panics(s in "(\\[\\[[a-z#|-]{0,12}\\]\\]|\\[-?@[a-z]{0,6}[;, p.0-9]{0,8}\\]|\\[see @[a-z]{1,4}\\]|@[a-z.]{1,6}|\\\\@|`|```\n|> |- |# |\\| a \\||[ a-zA-Z.!?]{0,8}|\n){0,40}") {
        // `parse_body` directly: `parse_page` would turn a panic into a diagnostic.
        let (doc, _) = parse_body(&s, 0);
        for c in &doc.cites {
            proptest::prop_assert!(c.claim.is_none_or(|x| x < doc.claims.len()));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in proptest::prelude::any::<String>()) {
        let _ = parse_body(&s, 0);
        let mut page = Page { source: s, ..Page::default() };
        let _ = parse_page(&mut page);
    }
}

#[test]
fn issue_1110_input_does_not_crash() {
    let (_d, diags) = doc("a  2\n:<\n  {}\n -\n");
    assert!(diags.is_empty());
}

proptest::proptest! {
    #[test]
    fn tidy_is_the_join_and_replace_it_was(
        s in "[ \t\n\x0b\x0c\r\u{85}\u{a0}\u{1680}\u{2003}\u{2028}\u{202f}\u{205f}\u{3000}\u{200b}.,;:()aZé’😀]{0,40}"
    ) {
        let was = s.split_whitespace().collect::<Vec<_>>().join(" ")
            .replace(" .", ".")
            .replace(" ,", ",")
            .replace(" ;", ";")
            .replace(" :", ":")
            .replace("( )", "")
            .trim()
            .to_string();
        proptest::prop_assert_eq!(crate::parse::tidy(&s), was);
    }
}

/// `sentence_ranges` as it was, collecting the characters first (with the
/// word-start fix: it sliced inside a multi-byte space before a `.`).
fn sentence_ranges_was(text: &str) -> Vec<std::ops::Range<usize>> {
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
                || matches!(chars[k].1, '"' | '“' | '(' | crate::parse::body::NARRATIVE_OPEN))
        {
            continue;
        }
        if c == '.' {
            // After the whitespace before the word, however many bytes it takes.
            let word_start = text[..pos]
                .char_indices()
                .rev()
                .find(|&(_, ch)| ch.is_whitespace())
                .map_or(0, |(w, ch)| w + ch.len_utf8());
            let word = text[word_start..=pos].to_lowercase();
            if [
                "e.g.", "i.e.", "al.", "p.", "pp.", "ch.", "vs.", "dr.", "mr.", "mrs.", "ms.", "cf.", "etc.", "vol.",
                "no.", "fig.",
            ]
            .contains(&word.as_str())
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

proptest::proptest! {
    #[test]
    fn sentence_ranges_are_what_they_were(s in r#"[aegpAEGPÉé1 \n\u{a0}.?!"')”’\]“(\u{E000}\u{212A}İ]{0,60}"#) {
        proptest::prop_assert_eq!(crate::parse::sentence_ranges(&s), sentence_ranges_was(&s));
    }
}

#[test]
fn a_sentence_after_a_no_break_space_ends_at_its_full_stop() {
    // The word before a `.` started one byte after the space, inside a
    // two-byte no-break space: the slice panicked and the page failed to parse.
    let text = "Take 10\u{a0}mg. Then rest.";
    let ranges = crate::parse::sentence_ranges(text);
    assert_eq!(ranges.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), ["Take 10\u{a0}mg.", "Then rest."]);
}
