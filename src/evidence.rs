//! What kind of evidence a source is: read from its bibliography entry,
//! checked, and labelled for readers ("Meta-analysis · 295 studies · 30,000+
//! clients").
//!
//! One schema, written the way each format writes extra data, so an entry
//! round-trips between them:
//!
//! | what | CSL-JSON | BibTeX / BibLaTeX | hayagriva YAML |
//! |---|---|---|---|
//! | type | `"custom": {"evidence": "meta-analysis"}` | `evidence = {meta-analysis}` | `evidence: meta-analysis` |
//! | studies pooled | `"custom": {"studies": 295}` | `studies = {295}` | `studies: 295` |
//! | participants | `"custom": {"participants": "30,000+ clients"}` | `participants = {…}` | `participants: …` |
//! | replaced by | `"custom": {"superseded-by": "key"}` | `superseded-by = {key}` | `superseded-by: key` |
//! | retracted | `"status": "retracted"` (CSL's own variable) | `pubstate = {retracted}` | `status: retracted` |
//!
//! `custom` is CSL-JSON's place for data without a CSL variable; `status` and
//! `pubstate` are the formats' own fields for publication state.

use std::ops::Range;

use crate::diag::{did_you_mean, Diagnostic, Edit};

/// The kinds of evidence a source can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    MetaAnalysis,
    SystematicReview,
    NarrativeReview,
    RandomisedTrial,
    Observational,
    Qualitative,
    CaseStudy,
    Conceptual,
    Book,
    Guideline,
    Consensus,
}

impl Kind {
    /// Every kind, in the order readers see them (pooled evidence first).
    pub const ALL: [Kind; 11] = [
        Kind::MetaAnalysis,
        Kind::SystematicReview,
        Kind::RandomisedTrial,
        Kind::Observational,
        Kind::Qualitative,
        Kind::CaseStudy,
        Kind::NarrativeReview,
        Kind::Conceptual,
        Kind::Book,
        Kind::Guideline,
        Kind::Consensus,
    ];

    /// The value authors write (also the URL part of `/sources/<slug>/`).
    pub fn slug(self) -> &'static str {
        match self {
            Kind::MetaAnalysis => "meta-analysis",
            Kind::SystematicReview => "systematic-review",
            Kind::NarrativeReview => "narrative-review",
            Kind::RandomisedTrial => "randomised-trial",
            Kind::Observational => "observational",
            Kind::Qualitative => "qualitative",
            Kind::CaseStudy => "case-study",
            Kind::Conceptual => "conceptual",
            Kind::Book => "book",
            Kind::Guideline => "guideline",
            Kind::Consensus => "consensus",
        }
    }

    /// The label readers see.
    pub fn label(self) -> &'static str {
        match self {
            Kind::MetaAnalysis => "Meta-analysis",
            Kind::SystematicReview => "Systematic review",
            Kind::NarrativeReview => "Narrative review",
            Kind::RandomisedTrial => "Randomised trial",
            Kind::Observational => "Observational study",
            Kind::Qualitative => "Qualitative study",
            Kind::CaseStudy => "Case study",
            Kind::Conceptual => "Conceptual paper",
            Kind::Book => "Book or chapter",
            Kind::Guideline => "Guideline",
            Kind::Consensus => "Expert consensus",
        }
    }

    /// The plural, for headings of a filtered list ("Meta-analyses").
    pub fn plural(self) -> &'static str {
        match self {
            Kind::MetaAnalysis => "Meta-analyses",
            Kind::SystematicReview => "Systematic reviews",
            Kind::NarrativeReview => "Narrative reviews",
            Kind::RandomisedTrial => "Randomised trials",
            Kind::Observational => "Observational studies",
            Kind::Qualitative => "Qualitative studies",
            Kind::CaseStudy => "Case studies",
            Kind::Conceptual => "Conceptual papers",
            Kind::Book => "Books and chapters",
            Kind::Guideline => "Guidelines",
            Kind::Consensus => "Expert consensus statements",
        }
    }

    /// Sources that report no data of their own: study language ("a study
    /// found") on a claim resting only on these outruns them.
    pub fn reports_no_study(self) -> bool {
        matches!(self, Kind::Conceptual | Kind::Book)
    }

    /// A written value: the slug, in any case, with `_` or spaces for
    /// hyphens, or one of the usual other spellings.
    pub fn parse(value: &str) -> Option<Kind> {
        let v = value.trim().to_lowercase().replace(['_', ' '], "-");
        if let Some(k) = Kind::ALL.into_iter().find(|k| k.slug() == v) {
            return Some(k);
        }
        Some(match v.as_str() {
            "meta-analytic-review" | "meta-analytic-synthesis" => Kind::MetaAnalysis,
            "randomized-trial" | "randomised-controlled-trial" | "randomized-controlled-trial" | "rct" => {
                Kind::RandomisedTrial
            }
            "observational-study" | "cohort" | "cohort-study" | "correlational" | "cross-sectional" => {
                Kind::Observational
            }
            "qualitative-study" => Kind::Qualitative,
            "case-report" | "case-series" => Kind::CaseStudy,
            "theoretical" | "theory" | "conceptual-paper" => Kind::Conceptual,
            "chapter" | "book-chapter" => Kind::Book,
            "practice-guideline" | "clinical-guideline" => Kind::Guideline,
            "expert-consensus" | "expert-opinion" | "task-force" => Kind::Consensus,
            _ => return None,
        })
    }
}

/// What an entry says about its evidence (everything optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub kind: Option<Kind>,
    /// Studies (or samples) a review pooled.
    pub studies: Option<u64>,
    /// Participants, as shown: "30,000+ clients", or "1,234 participants" from a number.
    pub participants: Option<String>,
    /// Key of the entry that replaces this one.
    pub superseded_by: Option<String>,
    /// Line (1-based) of the `superseded-by` field, for diagnostics.
    pub superseded_line: usize,
    pub retracted: bool,
}

impl Evidence {
    /// "Meta-analysis · 295 studies · 30,000+ clients"; `None` without a kind.
    pub fn label(&self) -> Option<String> {
        let kind = self.kind?;
        let mut out = kind.label().to_string();
        if let Some(n) = self.studies {
            out.push_str(&format!(" · {} {}", thousands(n), if n == 1 { "study" } else { "studies" }));
        }
        if let Some(p) = &self.participants {
            out.push_str(" · ");
            out.push_str(p);
        }
        Some(out)
    }

    /// The entry declares how many studies or participants it rests on.
    pub fn declares_counts(&self) -> bool {
        self.studies.is_some() || self.participants.is_some()
    }
}

/// An extra field's value as a format gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A list, a map or null: never a valid value here.
    Other,
}

/// The field names of the schema (see the module documentation).
pub const FIELDS: [&str; 4] = ["evidence", "studies", "participants", "superseded-by"];

/// Read the schema's fields of one entry. `fields` are the ones present
/// (name, value); `locate(name)` is the byte span of that field's value in
/// `text` (the bibliography file), for the error's place and its fix.
pub fn read(
    fields: &[(&str, Raw)],
    retracted: bool,
    text: &str,
    locate: &dyn Fn(&str) -> Range<usize>,
) -> Result<Evidence, Vec<Diagnostic>> {
    let mut ev = Evidence { retracted, ..Evidence::default() };
    let mut errs = Vec::new();
    let line_of = |span: &Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
    for (name, value) in fields {
        let span = locate(name);
        let err = |msg: String, help: String| Diagnostic::error(msg).at(text, span.clone()).help(help);
        match (*name, value) {
            ("evidence", Raw::Text(v)) => match Kind::parse(v) {
                Some(k) => ev.kind = Some(k),
                None => {
                    let slugs = Kind::ALL.map(Kind::slug);
                    let guess = did_you_mean(&v.trim().to_lowercase(), slugs.iter().copied());
                    let mut d = err(
                        format!("unknown evidence type `{v}`"),
                        match guess {
                            Some(g) => format!("did you mean `{g}`? The types are: {}", slugs.join(", ")),
                            None => format!("use one of: {}", slugs.join(", ")),
                        },
                    );
                    if let Some(g) = guess {
                        if text.get(span.clone()) == Some(v.as_str()) {
                            d = d.fix(Edit::replace_span(text, span.clone(), g));
                        }
                    }
                    errs.push(d);
                }
            },
            ("studies", Raw::Number(n)) if *n >= 1.0 && n.fract() == 0.0 => ev.studies = Some(*n as u64),
            ("studies", Raw::Text(t)) if count(t).is_some() => ev.studies = count(t),
            ("studies", v) => errs.push(err(
                format!("`studies` must be a whole number of studies, not {}", shown(v)),
                "write the number the source reports, e.g. `studies = 295` (leave the field out if it reports none)"
                    .into(),
            )),
            ("participants", Raw::Number(n)) if *n >= 1.0 && n.fract() == 0.0 => {
                ev.participants = Some(format!("{} participants", thousands(*n as u64)))
            }
            ("participants", Raw::Text(t)) if t.trim().chars().any(|c| c.is_ascii_digit()) => {
                let t = t.trim();
                // A bare number reads as participants; text is shown as written.
                ev.participants = Some(match count(t) {
                    Some(n) => format!("{} participants", thousands(n)),
                    None => t.to_string(),
                });
            }
            ("participants", v) => errs.push(err(
                format!("`participants` must be a number or a short text with one, not {}", shown(v)),
                "write e.g. `participants = 3158` or `participants = \"30,000+ clients\"`".into(),
            )),
            ("superseded-by", Raw::Text(k)) if !k.trim().is_empty() => {
                ev.superseded_by = Some(k.trim().to_string());
                ev.superseded_line = line_of(&span);
            }
            (name, v) => errs.push(err(
                format!("`{name}` must be text, not {}", shown(v)),
                format!("write `{name}` as a quoted value"),
            )),
        }
    }
    if errs.is_empty() {
        Ok(ev)
    } else {
        Err(errs)
    }
}

/// Whether a publication-state value (CSL `status`, BibLaTeX `pubstate`) says retracted.
pub fn is_retracted(status: &str) -> bool {
    status.trim().eq_ignore_ascii_case("retracted")
}

/// The byte span of `name`'s value in the entry that occupies `entry` of
/// `text`: the text after `name` and its `:` or `=`, without quotes or
/// braces, up to the end of the value (the key itself when no value follows).
pub fn value_span(text: &str, entry: Range<usize>, name: &str) -> Range<usize> {
    let body = &text[entry.clone()];
    let mut from = 0;
    while let Some(i) = body[from..].find(name).map(|i| from + i) {
        from = i + name.len();
        let before = body[..i].chars().next_back();
        let after = body[i + name.len()..].chars().next();
        let quoted = before == Some('"') && after == Some('"');
        let bare = !before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !(quoted || bare) {
            continue;
        }
        let rest = &body[i + name.len() + usize::from(quoted)..];
        let skip = rest.len() - rest.trim_start().len();
        let rest2 = rest.trim_start();
        if !(rest2.starts_with(':') || rest2.starts_with('=')) {
            continue;
        }
        let after_sep = &rest2[1..];
        let mut start =
            i + name.len() + usize::from(quoted) + skip + 1 + (after_sep.len() - after_sep.trim_start().len());
        let value = &body[start..];
        let (open, close) = match value.chars().next() {
            Some('"') => (1, Some('"')),
            Some('{') => (1, Some('}')),
            _ => (0, None),
        };
        start += open;
        let value = &body[start..];
        let len = match close {
            Some(c) => value.find(c).unwrap_or(value.len()),
            None => value.find([',', '\n', '}', ']']).unwrap_or(value.len()),
        };
        let len = value[..len].trim_end().len();
        return entry.start + start..entry.start + start + len.max(1).min(value.len().max(1));
    }
    entry.start..entry.start + body.len().min(1)
}

/// "295", "1,234" → the number.
fn count(t: &str) -> Option<u64> {
    let t = t.trim();
    (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == ','))
        .then(|| t.replace(',', "").parse().ok())
        .flatten()
        .filter(|&n| n > 0)
}

/// 30000 → "30,000".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn shown(v: &Raw) -> String {
    match v {
        Raw::Text(t) => format!("`{t}`"),
        Raw::Number(n) => format!("`{n}`"),
        Raw::Bool(b) => format!("`{b}`"),
        Raw::Other => "a list or a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_one(name: &str, raw: Raw, text: &str) -> Result<Evidence, Vec<Diagnostic>> {
        read(&[(name, raw)], false, text, &|n| value_span(text, 0..text.len(), n))
    }

    #[test]
    fn kinds_parse_from_slugs_and_usual_spellings() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.slug()), Some(k));
            assert_eq!(Kind::parse(&k.slug().to_uppercase().replace('-', " ")), Some(k));
        }
        assert_eq!(Kind::parse("Randomized controlled trial"), Some(Kind::RandomisedTrial));
        assert_eq!(Kind::parse("chapter"), Some(Kind::Book));
        assert_eq!(Kind::parse("review"), None, "ambiguous: narrative or systematic");
    }

    #[test]
    fn the_label_reads_as_in_the_reference_list() {
        let ev = Evidence {
            kind: Some(Kind::MetaAnalysis),
            studies: Some(295),
            participants: Some("30,000+ clients".into()),
            ..Evidence::default()
        };
        assert_eq!(ev.label().as_deref(), Some("Meta-analysis · 295 studies · 30,000+ clients"));
        let one = Evidence { kind: Some(Kind::Observational), studies: Some(1), ..Evidence::default() };
        assert_eq!(one.label().as_deref(), Some("Observational study · 1 study"));
        assert_eq!(Evidence::default().label(), None);
        assert_eq!(thousands(3158), "3,158");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn counts_accept_numbers_and_numeric_text() {
        let text = "studies = {295}";
        assert_eq!(read_one("studies", Raw::Text("295".into()), text).unwrap().studies, Some(295));
        assert_eq!(read_one("studies", Raw::Number(12.0), text).unwrap().studies, Some(12));
        assert!(read_one("studies", Raw::Text("many".into()), text).is_err());
        assert!(read_one("studies", Raw::Number(2.5), text).is_err());
        let p = read_one("participants", Raw::Number(3158.0), text).unwrap();
        assert_eq!(p.participants.as_deref(), Some("3,158 participants"));
        let p = read_one("participants", Raw::Text("30,000+ clients".into()), text).unwrap();
        assert_eq!(p.participants.as_deref(), Some("30,000+ clients"));
        assert!(read_one("participants", Raw::Text("lots".into()), text).is_err());
    }

    #[test]
    fn an_unknown_type_is_an_error_at_its_value_with_a_fix_that_applies() {
        let text = "[\n  {\"id\": \"a\", \"custom\": {\"evidence\": \"metaanalysis\"}}\n]";
        let errs = read_one("evidence", Raw::Text("metaanalysis".into()), text).unwrap_err();
        let d = &errs[0];
        assert_eq!(d.message, "unknown evidence type `metaanalysis`");
        let loc = d.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.col), (2, 39));
        assert!(d.help.as_deref().unwrap().starts_with("did you mean `meta-analysis`?"), "{:?}", d.help);
        let fixed = d.fixes[0].apply(text);
        assert!(fixed.contains("\"evidence\": \"meta-analysis\""), "{fixed}");
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(Kind::parse(v[0]["custom"]["evidence"].as_str().unwrap()), Some(Kind::MetaAnalysis));
    }

    #[test]
    fn value_spans_in_each_format() {
        let bib = "@article{a,\n  evidence = {book},\n  studies = 4,\n}";
        assert_eq!(&bib[value_span(bib, 0..bib.len(), "evidence")], "book");
        assert_eq!(&bib[value_span(bib, 0..bib.len(), "studies")], "4");
        let yml = "a:\n  type: article\n  evidence: case-study\n  superseded-by: b\n";
        assert_eq!(&yml[value_span(yml, 0..yml.len(), "evidence")], "case-study");
        assert_eq!(&yml[value_span(yml, 0..yml.len(), "superseded-by")], "b");
        // A name inside another word or value is not the field.
        let json = "{\"note\": \"no evidence here\", \"custom\": {\"evidence\": \"book\"}}";
        assert_eq!(&json[value_span(json, 0..json.len(), "evidence")], "book");
    }
}
