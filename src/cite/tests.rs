//! Tests of citation formatting: the shortcuts format exactly as driving
//! every group would.

use super::*;
use crate::bib::{parse_bibtex, parse_hayagriva_yaml};

const BIB: &str = r#"@incollection{opland2024,
  author = {Opland, C. and Torrico, Tyler J.},
  title = {Psychotherapy and therapeutic relationship},
  booktitle = {{StatPearls}},
  publisher = {{StatPearls} Publishing},
  year = {2024},
}

@article{ardito2011,
  author = {Ardito, Rita B. and Rabellino, Daniela},
  title = {Therapeutic alliance and outcome of psychotherapy},
  journal = {Frontiers in Psychology},
  year = {2011},
  volume = {2},
  eid = {270},
  doi = {10.3389/fpsyg.2011.00270},
}
"#;

/// A citation of a source with no locator or prefix, its author named.
fn plain() -> CiteItem {
    CiteItem { key: String::new(), prefix: String::new(), locator: String::new(), suppress_author: false }
}

fn apa() -> Formatter {
    archived("apa")
}

fn archived(name: &str) -> Formatter {
    let style = hayagriva::archive::ArchivedStyle::by_name(name).unwrap().get();
    let xml = style.to_xml().unwrap();
    match style {
        Style::Independent(s) => Formatter::with_style(s, &xml),
        _ => unreachable!(),
    }
}

#[test]
fn bibtex_incollection_prints_book_title_once_and_eid_as_article_number() {
    let entries = parse_bibtex(BIB).unwrap();
    assert_eq!(entries[0].line, 1);
    assert_eq!(entries[1].line, 9);
    let ci = plain();
    let groups = vec![(vec![(&entries[0].item, &ci)], false), (vec![(&entries[1].item, &ci)], false)];
    let bib = apa().format(&groups).bibliography;
    let text: Vec<&str> = bib.iter().map(|b| b.text.as_str()).collect();
    let chapter = text.iter().find(|t| t.starts_with("Opland")).unwrap();
    assert_eq!(chapter.matches("StatPearls").count(), 2, "{chapter}"); // book title + publisher, not "StatPearls: StatPearls"
    assert!(!chapter.contains("StatPearls: StatPearls"), "{chapter}");
    let article = text.iter().find(|t| t.starts_with("Ardito")).unwrap();
    assert!(article.contains("Article 270"), "{article}");
    assert!(article.contains("https://doi.org/10.3389/fpsyg.2011.00270"), "{article}");
}

#[test]
fn in_text_forms() {
    let entries = parse_bibtex(BIB).unwrap();
    let plain = plain();
    let loc = CiteItem { locator: "p. 2".into(), prefix: "see".into(), ..plain.clone() };
    let sup = CiteItem { suppress_author: true, ..plain.clone() };
    let e = &entries[1].item;
    let groups =
        vec![(vec![(e, &plain)], false), (vec![(e, &loc)], false), (vec![(e, &plain)], true), (vec![(e, &sup)], false)];
    let c = apa().format(&groups).citations;
    assert_eq!(c[0], "(Ardito &amp; Rabellino, 2011)");
    assert_eq!(c[1], "(see Ardito &amp; Rabellino, 2011, p. 2)");
    assert_eq!(c[2], "Ardito &amp; Rabellino (2011)");
    assert_eq!(c[3], "(2011)");
}

#[test]
fn hayagriva_yaml_converts_and_formats() {
    let yaml = "horvath2011:\n  type: article\n  title: Alliance in individual psychotherapy\n  author: [\"Horvath, Adam O.\", \"Del Re, A. C.\"]\n  date: 2011\n  page-range: 9-16\n  serial-number:\n    doi: 10.1037/a0022186\n  parent:\n    type: periodical\n    title: Psychotherapy\n    volume: 48\n    issue: 1\n";
    let entries = parse_hayagriva_yaml(yaml).unwrap();
    assert_eq!((entries[0].key.as_str(), entries[0].line), ("horvath2011", 1));
    let ci = plain();
    let Formatted { citations: c, bibliography: bib } = apa().format(&[(vec![(&entries[0].item, &ci)], false)]);
    assert_eq!(c[0], "(Horvath &amp; Del Re, 2011)");
    assert!(bib[0].text.contains("Psychotherapy, 48(1), 9–16. https://doi.org/10.1037/a0022186"), "{}", bib[0].text);
    assert!(parse_hayagriva_yaml("a: [unclosed").is_err());
}

/// Sources whose in-text forms clash: same surnames and years (year
/// suffixes), shared and differing given names (added initials), et-al
/// lists that differ only after the first author (added names), no date.
fn clashing_sources() -> Vec<Item> {
    use serde_json::json;
    let people = [("Smith", "Anna"), ("Smith", "Ben"), ("Smith", "Anna B."), ("Lee", "Chris"), ("Park", "Dana")];
    let specs: [(&[usize], Option<i64>); 12] = [
        (&[0], Some(2001)),
        (&[1], Some(2001)),
        (&[2], Some(2001)),
        (&[0], Some(2001)),
        (&[3], Some(2010)),
        (&[3], Some(2010)),
        (&[0, 3, 4], Some(2015)),
        (&[0, 4, 3], Some(2015)),
        (&[4], None),
        (&[4], None),
        (&[3, 4], Some(2020)),
        (&[1], Some(1999)),
    ];
    specs
        .iter()
        .enumerate()
        .map(|(i, (authors, year))| {
            let mut m = json!({
                "id": format!("k{i}"),
                "type": "article-journal",
                "title": format!("Title {i}"),
                "container-title": "Journal",
                "author": authors.iter().map(|&a| json!({"family": people[a].0, "given": people[a].1})).collect::<Vec<_>>(),
            });
            if let Some(y) = year {
                m["issued"] = json!({ "date-parts": [[y]] });
            }
            serde_json::from_value(m).unwrap()
        })
        .collect()
}

/// [`clashing_sources`], then six sources that clash with nothing.
fn sources() -> Vec<Item> {
    let mut sources = clashing_sources();
    sources.extend(
        [("Ng", 1990), ("Okafor", 1991), ("Quist", 2003), ("Ruiz", 2012), ("Sato", 2018), ("Tran", 2021)]
            .into_iter()
            .enumerate()
            .map(|(i, (family, year))| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("u{i}"),
                    "type": "book",
                    "title": format!("Book {i}"),
                    "author": [{"family": family, "given": "Alex"}],
                    "issued": { "date-parts": [[year]] },
                }))
                .unwrap()
            }),
    );
    sources
}

/// A group to cite: its members (source, locator, author suppressed), and
/// whether it is narrative.
type PoolGroup = (Vec<(usize, usize, bool)>, bool);

/// Up to `groups` groups of one to three of the first `sources` sources,
/// a quarter of them narrative.
fn pool(sources: usize, groups: usize) -> impl proptest::strategy::Strategy<Value = Vec<PoolGroup>> {
    let member = (0..sources, 0..3usize, proptest::bool::weighted(0.2));
    proptest::collection::vec((proptest::collection::vec(member, 1..4), proptest::bool::weighted(0.25)), 1..groups)
}

/// Citation groups for the proptests: `order` picks from `pool`, whose
/// members are (source, locator, author suppressed).
fn groups_of<'a>(
    sources: &'a [Item],
    items: &'a [CiteItem],
    pool: &[PoolGroup],
    order: &[usize],
) -> Vec<(Vec<(&'a Item, &'a CiteItem)>, bool)> {
    order
        .iter()
        .map(|&i| {
            let (members, narrative) = &pool[i % pool.len()];
            // A narrative citation names one source.
            let members = if *narrative { &members[..1] } else { &members[..] };
            (members.iter().map(|&(e, l, s)| (&sources[e], &items[l * 2 + usize::from(s)])).collect(), *narrative)
        })
        .collect()
}

/// Every (locator, author suppressed) a proptest cites with.
fn cite_items() -> Vec<CiteItem> {
    let locators = ["", "p. 4", "ch. 2"];
    (0..3)
        .flat_map(|l| [false, true].map(|s| CiteItem { locator: locators[l].into(), suppress_author: s, ..plain() }))
        .collect()
}

/// (style, formatter, the same formatter driving every group).
static STYLES: std::sync::LazyLock<Vec<(&str, Formatter, Formatter)>> = std::sync::LazyLock::new(|| {
    ["apa", "harvard-cite-them-right", "modern-language-association", "ieee", "vancouver", "chicago-author-date"]
        .into_iter()
        .map(|name| (name, archived(name), Formatter { position_free: false, ..archived(name) }))
        .collect()
});

#[test]
fn position_tests_turn_the_repeat_shortcut_off() {
    let free: Vec<(&str, bool)> = STYLES.iter().map(|(n, f, _)| (*n, f.position_free)).collect();
    assert_eq!(
        free,
        [
            ("apa", true),
            ("harvard-cite-them-right", true),
            ("modern-language-association", true),
            ("ieee", true),
            ("vancouver", true),
            ("chicago-author-date", false), // `position="subsequent"` tests
        ]
    );
    assert!(!STYLES[0].1.position_free || !archived("chicago-notes").position_free);
}

/// Each style's two formatters give the same citations and bibliography.
fn formats_alike(
    styles: &[(&str, Formatter, Formatter)],
    groups: &[(Vec<(&Item, &CiteItem)>, bool)],
) -> Result<(), proptest::test_runner::TestCaseError> {
    for (name, one, other) in styles {
        let (a, b) = (one.format(groups), other.format(groups));
        proptest::prop_assert_eq!(&a.citations, &b.citations, "{} citations", name);
        proptest::prop_assert_eq!(&a.bibliography, &b.bibliography, "{} bibliography", name);
    }
    Ok(())
}

proptest::proptest! {
    // `PROPTEST_CASES` (the quick inner loop sets it) wins over the default of 64.
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]
    /// Formatting repeated citations once gives what driving every
    /// citation gives, on sources built to need disambiguation.
    #[test]
    fn repeated_citations_format_as_when_all_are_driven(
        pool in pool(12, 8),
        order in proptest::collection::vec(0..8usize, 1..60),
    ) {
        let (sources, items) = (clashing_sources(), cite_items());
        formats_alike(&STYLES, &groups_of(&sources, &items, &pool, &order))?;
    }

    /// The walks hayagriva skips change nothing: each style formats
    /// citations and bibliography as with every walk, on sources built to
    /// need year suffixes and other disambiguation.
    #[test]
    fn skipped_walks_format_as_every_walk(
        pool in pool(18, 10),
        order in proptest::collection::vec(0..10usize, 1..40),
    ) {
        let (sources, items) = (walk_sources(), cite_items());
        formats_alike(&WALK_STYLES, &groups_of(&sources, &items, &pool, &order))?;
    }

    /// Drivers split over the groups (see `Split`) agree where they drive
    /// the same items and give what one driver of every group gives, with sources
    /// that clash and sources that do not.
    #[test]
    fn split_drivers_format_as_one_driver(
        pool in pool(18, 10),
        order in proptest::collection::vec(0..10usize, 1..80),
        parts in 2..5usize,
    ) {
        let (sources, items) = (sources(), cite_items());
        let groups = groups_of(&sources, &items, &pool, &order);
        for (name, shortcut, every) in STYLES.iter().filter(|(_, f, _)| f.splittable) {
            let drive = Drive::new(shortcut, &groups);
            let plan = Plan::repeats_once(&groups, |e| drive.slot[&addr(e)]);
            let split = drive.split(&plan.driven, parts);
            proptest::prop_assert!(split.is_some(), "{}: split drivers disagree", name);
            let Formatted { citations: cites, bibliography: bib } = split.unwrap();
            let Formatted { citations: one_cites, bibliography: one_bib } = drive.run(&plan.driven, true);
            proptest::prop_assert_eq!(&cites, &one_cites, "{} citations", name);
            proptest::prop_assert_eq!(&bib, &one_bib, "{} bibliography", name);
            let whole: Vec<&String> = plan.output_of.iter().map(|&d| &cites[d]).collect();
            let Formatted { citations: all_cites, bibliography: all_bib } =
                Drive::new(every, &groups).run(&(0..groups.len()).collect::<Vec<_>>(), true);
            proptest::prop_assert_eq!(whole, all_cites.iter().collect::<Vec<_>>(), "{} against every group", name);
            proptest::prop_assert_eq!(&bib, &all_bib, "{} bibliography against every group", name);
        }
    }
}

/// (style, formatter, the same formatter walking at every date): the
/// [`STYLES`], and quiet ones that add a year suffix the layout does not
/// name (so the skipped walk decides where it goes), one with position tests.
static WALK_STYLES: std::sync::LazyLock<Vec<(&str, Formatter, Formatter)>> = std::sync::LazyLock::new(|| {
    STYLES
        .iter()
        .map(|(name, _, _)| *name)
        .chain(["elsevier-harvard", "american-political-science-association", "deutsche-sprache"])
        .map(|name| (name, archived(name), Formatter { every_walk: true, ..archived(name) }))
        .collect()
});

/// [`sources`], the last six replaced by sources without authors (whose
/// names a style substitutes, with variables suppressed as it does): two of
/// them with the same title and year, one undated.
fn walk_sources() -> Vec<Item> {
    let mut sources = clashing_sources();
    sources.extend(
        [
            ("Grief", Some(2001)),
            ("Grief", Some(2001)),
            ("Trust", Some(2001)),
            ("Trust", None),
            ("Hope", Some(1990)),
            ("Care", Some(2020)),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (title, year))| {
            let mut m = serde_json::json!({
                "id": format!("n{i}"),
                "type": if i % 2 == 0 { "book" } else { "webpage" },
                "title": title,
                "container-title": "Site",
            });
            if let Some(y) = year {
                m["issued"] = serde_json::json!({ "date-parts": [[y]] });
            }
            serde_json::from_value(m).unwrap()
        }),
    );
    sources
}

/// hayagriva skips its walk of a style's layouts at each date without a year
/// suffix where the walk only reads (`hayagriva::quiet_walks`): exactly the
/// bundled styles whose CSL never names `citation-number` or
/// `citation-label` and never tests `disambiguate`, as their XML reads.
/// APA (the default) is one of them.
#[test]
fn walks_are_skipped_only_for_styles_without_identifiers_or_disambiguate_tests() {
    let mut quiet = Vec::new();
    for archived in hayagriva::archive::ArchivedStyle::all() {
        let names = archived.names();
        let style = archived.get();
        let xml = style.to_xml().unwrap();
        let Style::Independent(style) = style else { continue };
        let effects = ["citation-number", "citation-label", "disambiguate="].iter().any(|w| xml.contains(w));
        assert_eq!(hayagriva::quiet_walks(&style), !effects, "{names:?}");
        quiet.push((names, !effects));
    }
    let of = |n: &str| quiet.iter().find(|(names, _)| names.contains(&n)).map(|&(_, q)| q);
    assert_eq!(of("apa"), Some(true));
    assert_eq!(of("ieee"), Some(false));
    assert!(quiet.iter().filter(|(_, q)| *q).count() >= 5, "{quiet:?}");
}

#[test]
fn styles_with_citation_numbers_are_not_split() {
    let split: Vec<(&str, bool)> = STYLES.iter().map(|(n, f, _)| (*n, f.splittable)).collect();
    assert_eq!(
        split,
        [
            ("apa", true),
            ("harvard-cite-them-right", true),
            ("modern-language-association", true),
            ("ieee", false),
            ("vancouver", false),
            ("chicago-author-date", false),
        ]
    );
}

/// On a site as large as the split's threshold, `format` takes the split
/// path and its output equals one driver's.
#[test]
fn large_sites_split_the_driver() {
    let (sources, items) = (sources(), cite_items());
    // Distinct groups of two: (source, locator) pairs, some narrative.
    let pool: Vec<PoolGroup> = (0..SPLIT_FROM + 500)
        .map(|i| (vec![(i % 18, (i / 18) % 3, false), ((i / 54) % 18, (i / 972) % 3, i % 5 == 0)], i % 11 == 0))
        .collect();
    let order: Vec<usize> = (0..pool.len()).collect();
    let groups = groups_of(&sources, &items, &pool, &order);
    let (_, apa, _) = &STYLES[0];
    let drive = Drive::new(apa, &groups);
    let plan = Plan::repeats_once(&groups, |e| drive.slot[&addr(e)]);
    assert!(plan.driven.len() >= SPLIT_FROM, "{} driven", plan.driven.len());
    let split = Split::new(&drive, &plan.driven, 4);
    // Every group is driven whole by one part, and the parts besides part 0
    // drive no entry that has a clashing form.
    let sizes: Vec<usize> =
        split.parts.iter().map(|p| p.iter().filter(|(_, take)| *take == Take::Whole).count()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), plan.driven.len(), "{sizes:?}");
    assert!(sizes.iter().all(|&n| n < plan.driven.len()), "{sizes:?}");
    let forms: HashSet<(usize, Form)> = plan.driven.iter().flat_map(|&g| drive.forms(g)).collect();
    let clashing = drive.clashing(&forms.into_iter().collect::<Vec<_>>());
    assert!(clashing.len() >= 4, "{clashing:?}");
    let pure: Vec<usize> = split.parts[1..].iter().flatten().map(|(d, _)| plan.driven[*d]).collect();
    assert!(!pure.is_empty());
    assert!(pure.iter().flat_map(|&g| drive.forms(g)).all(|(e, _)| !clashing.contains(&e)));
    assert_eq!(drive.split(&plan.driven, 4).expect("the parts agree"), drive.run(&plan.driven, true));
}

#[test]
fn escape_handles_markup() {
    assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    assert_eq!(escape("é<ü>"), "é&lt;ü&gt;");
}

proptest::proptest! {
    #[test]
    fn escape_replaces_exactly_the_five_characters(s in "[a-zé€<>&\"' ]{0,40}") {
        let expected: String = s
            .chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect();
        proptest::prop_assert_eq!(escape(&s), expected);
    }
}

#[test]
fn every_bundled_locale_language_is_read_from_its_first_bytes_as_a_full_decode_reads_it() {
    #[derive(serde::Deserialize)]
    struct Full {
        #[serde(rename = "@xml:lang")]
        lang: Option<LocaleCode>,
    }
    assert!(hayagriva::archive::LOCALES.len() > 50);
    for bytes in hayagriva::archive::LOCALES {
        let full = ciborium::de::from_reader::<Full, _>(*bytes).unwrap().lang;
        assert!(full.is_some());
        assert_eq!(locale_lang(bytes), full);
    }
    // A locale whose language is not among its first bytes is decoded.
    let mut late = Vec::new();
    ciborium::ser::into_writer(
        &std::collections::BTreeMap::from([
            ("#a-key-sorted-before-the-language".repeat(3), "x"),
            ("@xml:lang".into(), "de-AT"),
        ]),
        &mut late,
    )
    .unwrap();
    assert!(late.windows(9).position(|w| w == b"@xml:lang").unwrap() > 64);
    assert_eq!(locale_lang(&late), Some(LocaleCode("de-AT".into())));
    assert_eq!(locale_lang(b"\xa0"), None, "an empty map has no language");
}

/// The split's output is each group as the part that drove it whole
/// formatted it, only if every part that drove the same items of a group
/// formatted them alike, and items that make up a whole group alike with it.
#[test]
fn split_parts_must_agree_where_they_drive_the_same_items() {
    let out =
        |cites: &[&str]| Formatted { citations: cites.iter().map(|c| c.to_string()).collect(), bibliography: vec![] };
    // Groups 0 (one item) and 1 (two items): part 0 drives group 0 whole and
    // item 0 of group 1; part 1 drives group 1 whole and item 0 of it.
    let parts = vec![
        vec![(0, Take::Whole), (1, Take::Items(vec![0]))],
        vec![(1, Take::Whole), (1, Take::Items(vec![0])), (0, Take::Items(vec![0]))],
    ];
    let sizes = [1, 2];
    let agreed = agree(
        &parts,
        &[out(&["(A, 2001)", "(B, 2002)"]), out(&["(B, 2002; C, 2003)", "(B, 2002)", "(A, 2001)"])],
        &sizes,
    );
    assert_eq!(agreed, Some(vec!["(A, 2001)".to_string(), "(B, 2002; C, 2003)".to_string()]));
    // The same items read differently.
    let split_items = [out(&["(A, 2001)", "(B, 2002a)"]), out(&["(B, 2002; C, 2003)", "(B, 2002)", "(A, 2001)"])];
    assert_eq!(agree(&parts, &split_items, &sizes), None);
    // Items that make up group 0 read unlike group 0 whole.
    let whole_unlike = [out(&["(A, 2001)", "(B, 2002)"]), out(&["(B, 2002; C, 2003)", "(B, 2002)", "(A, 2001a)"])];
    assert_eq!(agree(&parts, &whole_unlike, &sizes), None);
    // A group no part drove whole.
    assert_eq!(agree(&parts[..1], &split_items[..1], &sizes), None);
}

/// The keys of the bibliography of one driver citing `entries` in order,
/// each in a citation of its own.
fn bibliography_keys(f: &Formatter, entries: &[&Item]) -> Vec<String> {
    let ci = plain();
    let groups: Vec<(Vec<(&Item, &CiteItem)>, bool)> = entries.iter().map(|&e| (vec![(e, &ci)], false)).collect();
    let all: Vec<usize> = (0..groups.len()).collect();
    Drive::new(f, &groups).run(&all, true).bibliography.into_iter().map(|b| b.key).collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16)
    ))]
    /// The bibliography is the stable sort, by the style's sort keys, of
    /// the entries in the order they were first cited: two neighbours, cited
    /// alone in either order, come out in the order they stand, and two the
    /// keys cannot tell apart (each order kept) stand in the order first
    /// cited. The two-entry drivers make one comparison each, so this checks
    /// the sort of many entries (hayagriva's `StyleContext::sort`, patched in
    /// `vendor/hayagriva` to compute each entry's keys once) against the
    /// comparison alone. Twins (all fields equal but the key) make ties.
    #[test]
    fn the_bibliography_is_a_stable_sort_of_the_entries_first_cited(
        cited in proptest::strategy::Strategy::prop_shuffle(proptest::strategy::Just((0..21usize).collect::<Vec<_>>())),
    ) {
        let mut sources = sources();
        for (twin, of) in [(18, 0), (19, 14), (20, 14)] {
            let mut item = sources[of].clone();
            item.0.insert("id".into(), hayagriva::citationberg::json::Value::String(format!("twin{twin}")));
            sources.push(item);
        }
        let entries: Vec<&Item> = cited.iter().map(|&i| &sources[i]).collect();
        for (name, f, _) in STYLES.iter() {
            let keys = bibliography_keys(f, &entries);
            proptest::prop_assert_eq!(keys.len(), entries.len(), "{}", name);
            let by_key: HashMap<&str, usize> = keys.iter().enumerate().map(|(n, k)| (k.as_str(), n)).collect();
            let mut placed: Vec<&Item> = entries.clone();
            placed.sort_by_key(|e| by_key[key_of(e).as_str()]);
            for pair in placed.windows(2) {
                let (x, y) = (pair[0], pair[1]);
                let kept = bibliography_keys(f, &[x, y]);
                proptest::prop_assert_eq!(kept, [key_of(x), key_of(y)], "{}: {} after {}", name, key_of(y), key_of(x));
                if bibliography_keys(f, &[y, x]) == [key_of(y), key_of(x)] {
                    let first = |e: &Item| entries.iter().position(|c| std::ptr::eq(*c, e));
                    proptest::prop_assert!(first(x) < first(y), "{}: tie {} {} out of citation order", name, key_of(x), key_of(y));
                }
            }
        }
    }
}

/// An entry's key, as the bibliography names it.
fn key_of(entry: &Item) -> String {
    match entry.0.get("id") {
        Some(hayagriva::citationberg::json::Value::String(s)) => s.clone(),
        other => panic!("an entry without a string id: {other:?}"),
    }
}

/// A numbered style numbers the entries in the order first cited and puts a
/// group's items in the order of their numbers (hayagriva's citation sort
/// reads each item's number from the cited entries' places).
#[test]
fn numbered_styles_order_a_groups_items_by_their_numbers() {
    let sources = sources();
    let ci = plain();
    let (a, b, c) = (&sources[12], &sources[13], &sources[14]);
    let groups = vec![
        (vec![(a, &ci)], false),
        (vec![(b, &ci)], false),
        (vec![(c, &ci), (a, &ci)], false),
        (vec![(c, &ci), (b, &ci)], false),
    ];
    let ieee = archived("ieee");
    let cites = ieee.format(&groups).citations;
    assert_eq!(cites, ["[1]", "[2]", "[1], [3]", "[2], [3]"]);
}
