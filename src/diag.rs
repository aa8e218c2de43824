//! Diagnostics: problems in the author's input, reported as `file:line:col`
//! with the offending source line, a caret under the offending text, and help.
//!
//! Stages push into a [`Diagnostics`] sink and keep going, so one build reports
//! every problem at once; the pipeline stops *between* stages when the sink
//! holds an error. Rendering is plain text (rustc-style) or JSON for tools.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, never a failure (not even with `haven check --strict`).
    Note,
}

/// A location in a source file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub line: usize,
    pub col: usize,
    /// The source line around the column, for display: a very long line is
    /// kept only near the column (see [`Location::new`]).
    #[serde(skip)]
    pub source_line: String,
    /// How many characters to underline (at least 1).
    #[serde(skip)]
    pub width: usize,
    /// Characters of the line before `source_line` starts.
    #[serde(skip)]
    pub shown_from: usize,
    /// The line goes on after `source_line`.
    #[serde(skip)]
    pub cut_after: bool,
}

impl Location {
    /// `line` (1-based) and `col` (1-based, in characters) of a place in
    /// `line_text`, windowed around the column like every other location.
    pub fn new(line: usize, col: usize, line_text: &str, width: usize) -> Location {
        let at = line_text.char_indices().nth(col.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i);
        let end =
            line_text.char_indices().nth(col.saturating_sub(1) + width.max(1)).map_or(line_text.len(), |(i, _)| i);
        location_in_line(line_text, at..end, (line, 0, line_text.len()), col)
    }
}

/// One problem in the input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path as shown to the user (relative to the site root where possible).
    pub file: Option<PathBuf>,
    pub location: Option<Box<Location>>,
    pub message: String,
    pub help: Option<String>,
    /// The help's suggestion as literal edits (what `haven check --format
    /// json` gives tools; the tests apply them and build again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Edit>,
}

/// One literal edit: replace `remove` characters at `line`:`col` (1-based,
/// columns in characters) of `file` with `insert`. `col` one past the end
/// of the line with `remove` 0 appends to it; `line` one past the last line
/// appends to the file. `file` is the diagnostic's own file when `None`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub file: Option<PathBuf>,
    pub line: usize,
    pub col: usize,
    pub remove: usize,
    pub insert: String,
}

impl Edit {
    /// Replace the whole of `line` with `text`.
    pub fn replace_line(source: &str, line: usize, text: impl Into<String>) -> Edit {
        let len = source.lines().nth(line.saturating_sub(1)).map_or(0, |l| l.chars().count());
        Edit { file: None, line, col: 1, remove: len, insert: text.into() }
    }

    /// Insert `text` (one or more whole lines) before `line`.
    pub fn insert_lines(line: usize, text: &str) -> Edit {
        Edit { file: None, line, col: 1, remove: 0, insert: format!("{}\n", text.trim_end_matches('\n')) }
    }

    /// Replace `span` (a byte range of `source`, within one line) with `text`.
    pub fn replace_span(source: &str, span: std::ops::Range<usize>, text: impl Into<String>) -> Edit {
        let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line = source[..span.start].matches('\n').count() + 1;
        let col = source[line_start..span.start].chars().count() + 1;
        let remove = source.get(span.clone()).map_or(0, |t| t.chars().count());
        Edit { file: None, line, col, remove, insert: text.into() }
    }

    /// This edit made to another file (shown relative to the site folder).
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Edit {
        self.file = Some(file.into());
        self
    }

    /// `text` with the edit made (what a test or an editor would do).
    pub fn apply(&self, text: &str) -> String {
        let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
        while lines.len() < self.line {
            lines.push(String::new());
        }
        let line = &mut lines[self.line - 1];
        let at: usize = line.chars().take(self.col - 1).map(char::len_utf8).sum();
        let end: usize = at + line[at..].chars().take(self.remove).map(char::len_utf8).sum::<usize>();
        line.replace_range(at..end, &self.insert);
        lines.join("\n")
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            location: None,
            message: message.into(),
            help: None,
            fixes: Vec::new(),
        }
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }
    pub fn note(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Note, ..Diagnostic::error(message) }
    }
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }
    /// Point at a byte range of `source` (the whole file's text).
    pub fn at(mut self, source: &str, span: std::ops::Range<usize>) -> Self {
        self.location = Some(Box::new(locate(source, span)));
        self
    }
    /// [`Diagnostic::at`] through an index of `source`, for many diagnostics
    /// in one text.
    pub fn at_indexed(mut self, index: &LineIndex, source: &str, span: std::ops::Range<usize>) -> Self {
        self.location = Some(Box::new(index.locate(source, span)));
        self
    }
    pub fn at_location(mut self, loc: Location) -> Self {
        self.location = Some(Box::new(loc));
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
    /// The help's suggestion as literal edits (see [`Edit`]).
    pub fn fix(mut self, edit: Edit) -> Self {
        self.fixes.push(edit);
        self
    }

    fn sort_key(&self) -> (Option<&Path>, usize, usize, Severity, &str) {
        let (l, c) = self.location.as_ref().map_or((0, 0), |l| (l.line, l.col));
        (self.file.as_deref(), l, c, self.severity, &self.message)
    }

    /// Render like rustc: `error: msg\n  --> file:line:col\n   |\n 3 | text\n   |   ^^^\n   = help: …`
    pub fn render(&self) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let _ = writeln!(out, "{sev}: {}", visible(&self.message));
        if let Some(file) = &self.file {
            match &self.location {
                Some(loc) => {
                    let _ = writeln!(out, "  --> {}:{}:{}", visible(&file.display().to_string()), loc.line, loc.col);
                    let num = loc.line.to_string();
                    let pad = " ".repeat(num.len());
                    let (text, caret_at, caret_width) = clip(loc);
                    let _ = writeln!(out, " {pad} |");
                    let _ = writeln!(out, " {num} | {text}");
                    let _ = writeln!(out, " {pad} | {}{}", " ".repeat(caret_at), "^".repeat(caret_width));
                }
                None => {
                    let _ = writeln!(out, "  --> {}", file.display());
                }
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {}", visible(help));
        }
        out
    }
}

/// How many characters of a source line an error shows: enough to read the
/// offending text, never 300 KB of a one-line file.
const SHOWN_CHARS: usize = 100;

/// `text` with control characters (ESC, OSC, bell, …) shown as `\u{…}`
/// instead of reaching the terminal, which would obey them.
fn visible(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The part of the line around the caret, at most [`SHOWN_CHARS`]
/// characters with `…` where it was cut; tabs and control characters shown
/// as one character each so the caret lines up. Returns (text, caret
/// column, caret width) in the text shown.
fn clip(loc: &Location) -> (String, usize, usize) {
    let chars: Vec<char> = loc
        .source_line
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    let col = loc.col.saturating_sub(1).saturating_sub(loc.shown_from).min(chars.len());
    let width = loc.width.clamp(1, SHOWN_CHARS / 2);
    let start = col.saturating_sub(SHOWN_CHARS / 4);
    let end = (start + SHOWN_CHARS).min(chars.len());
    let mut text: String = chars[start..end].iter().collect();
    let mut caret_at = col - start;
    if start > 0 || loc.shown_from > 0 {
        text.insert(0, '…');
        caret_at += 1;
    }
    if end < chars.len() || loc.cut_after {
        text.push('…');
    }
    (text, caret_at, width)
}

/// The [`Location`] of byte range `span` of `text` (one diagnostic: the
/// line is found by scanning around the place; many diagnostics in one text
/// go through a [`LineIndex`] instead).
fn locate(text: &str, span: std::ops::Range<usize>) -> Location {
    let start = clamp_to_char_boundary(text, span.start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    let line = text.as_bytes()[..line_start].iter().filter(|&&b| b == b'\n').count() + 1;
    let col = count_chars(&text.as_bytes()[line_start..start]) + 1;
    location_in_line(text, span, (line, line_start, line_end), col)
}

/// Characters in UTF-8 `bytes`: the bytes that do not continue a sequence
/// (a count the compiler vectorises).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// A [`Location`] from its line (number, start, end) and column: only the
/// text near the column is kept, and the caret width is counted only as far
/// as it can be drawn, so the work does not grow with the line.
fn location_in_line(text: &str, span: std::ops::Range<usize>, line: (usize, usize, usize), col: usize) -> Location {
    let (number, line_start, line_end) = line;
    let start = clamp_to_char_boundary(text, span.start);
    let span_end = clamp_to_char_boundary(text, span.end.min(line_end).max(start));
    let width = text[start..span_end].chars().take(2 * SHOWN_CHARS).count();
    let keep_bytes = 8 * SHOWN_CHARS;
    let from = clamp_to_char_boundary(text, start.saturating_sub(keep_bytes).max(line_start));
    let to = clamp_to_char_boundary(text, (start + keep_bytes).min(line_end));
    Location {
        line: number,
        col,
        source_line: text[from..to].trim_end_matches('\r').to_string(),
        width: width.max(1),
        shown_from: col - 1 - count_chars(&text.as_bytes()[from..start]),
        cut_after: to < line_end,
    }
}

/// Byte offsets of line starts, to turn a byte span into line:col.
pub struct LineIndex {
    starts: Vec<usize>,
    /// The last (byte offset, column) located, so that many diagnostics in
    /// source order on one long line cost one pass over it.
    last: std::cell::Cell<Option<(usize, usize)>>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, last: std::cell::Cell::new(None) }
    }

    /// The byte range of 1-based `line` of `text` (without its newline).
    pub fn line_span(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len()).min(text.len());
        let end = self.starts.get(line).map_or(text.len(), |next| next - 1).max(start);
        start..end
    }

    /// The byte range of lines `from` (1-based) up to line `to` (exclusive;
    /// the end of `text` when `None`), newlines included.
    pub fn lines(&self, text: &str, from: usize, to: Option<usize>) -> std::ops::Range<usize> {
        let start_of = |line: usize| self.starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len());
        let start = start_of(from).min(text.len());
        let end = to.map_or(text.len(), start_of).clamp(start, text.len());
        start..end
    }

    /// The [`Location`] of byte range `span` of `text` (the text this index
    /// was made of), in time that does not grow with the line's length when
    /// calls come in source order.
    pub fn locate(&self, text: &str, span: std::ops::Range<usize>) -> Location {
        let start = clamp_to_char_boundary(text, span.start);
        let line = self.starts.partition_point(|&s| s <= start).max(1);
        let line_start = self.starts[line - 1];
        let line_end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        let col = match self.last.get() {
            Some((at, col)) if line_start <= at && at <= start => col + count_chars(&text.as_bytes()[at..start]),
            _ => count_chars(&text.as_bytes()[line_start..start]) + 1,
        };
        self.last.set(Some((start, col)));
        location_in_line(text, span, (line, line_start, line_end), col)
    }
}

fn clamp_to_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The closest candidate to `word` by Jaro–Winkler similarity (at least 0.8), if any.
pub fn did_you_mean<'a, I: IntoIterator<Item = &'a str>>(word: &str, candidates: I) -> Option<&'a str> {
    let w = word.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&w, &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A run that stopped: every diagnostic found up to the failing stage.
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
    /// Why, and so the exit code.
    pub cause: Cause,
}

/// What stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Errors in the site's content, configuration or templates: exit 1.
    Content,
    /// The environment: no `haven.toml` to read, an output folder Haven may
    /// not replace or cannot write beside: exit 2. Nothing of the previous
    /// output was changed unless publishing itself failed.
    Environment,
}

impl Cause {
    /// The process exit code for a run stopped by this cause.
    pub fn exit_code(self) -> u8 {
        match self {
            Cause::Content => 1,
            Cause::Environment => 2,
        }
    }
}

impl Failed {
    /// A run stopped by one diagnostic.
    pub fn one(diagnostic: Diagnostic, cause: Cause) -> Failed {
        Failed { diagnostics: vec![diagnostic], cause }
    }
}

/// How loud to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Print diagnostics to stderr (warnings are hidden by `--quiet`).
pub fn print_diagnostics(diags: &[Diagnostic], v: Verbosity) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        if v == Verbosity::Quiet && d.severity != Severity::Error {
            continue;
        }
        // A closed stderr is not worth a panic.
        if writeln!(err, "{}", d.render()).is_err() {
            return;
        }
    }
}

/// The sink every stage reports into.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warning_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }
    pub fn note_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Note).count()
    }
    /// Every warning becomes an error (`haven check --strict`); notes stay notes.
    pub fn strict(&mut self) {
        for d in self.items.iter_mut().filter(|d| d.severity == Severity::Warning) {
            d.severity = Severity::Error;
        }
    }
    /// All diagnostics, sorted by file, line, column (deterministic output).
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.items.dedup_by(|a, b| a.sort_key() == b.sort_key());
        self.items
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_and_count_chars() {
        let text = "ab\ncé d\n";
        let idx = LineIndex::new(text);
        let at = |i: usize| {
            let (a, b) = (idx.locate(text, i..i + 1), locate(text, i..i + 1));
            assert_eq!(a, b, "the index and the one-off scan agree at {i}");
            (a.line, a.col)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(3), (2, 1));
        // 'd' sits after "cé " = 4 bytes, 3 chars
        assert_eq!(at(3 + 4), (2, 4));
        let l = Location::new(2, 4, "cé d", 1);
        assert_eq!((l.source_line.as_str(), l.shown_from, l.width), ("cé d", 0, 1));
    }

    #[test]
    fn render_shows_caret_under_span() {
        let src = "title = 1\ntitel = \"x\"\n";
        let d = Diagnostic::error("unknown key `titel`").in_file("a.md").at(src, 10..15).help("did you mean `title`?");
        let r = d.render();
        assert!(r.contains("--> a.md:2:1"), "{r}");
        assert!(r.contains(" 2 | titel = \"x\""), "{r}");
        assert!(r.contains("   | ^^^^^\n"), "{r}");
        assert!(r.contains("= help: did you mean `title`?"), "{r}");
    }

    #[test]
    fn long_lines_are_clipped_around_the_caret_and_control_characters_never_reach_the_terminal() {
        let line = format!("{}[@nope]{}", "x".repeat(300_000), "y".repeat(1000));
        let src = format!("{line}\n");
        let at = 300_000;
        let d = Diagnostic::error("unknown citation key \u{1b}]0;pwned\u{7}").in_file("a.md").at(&src, at..at + 7);
        let out = d.render();
        assert!(out.len() < 1000, "{} bytes", out.len());
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("\\u{1b}]0;pwned\\u{7}"), "{out}");
        let lines: Vec<&str> = out.lines().collect();
        let text = lines[3].split_once("| ").unwrap().1;
        let caret = lines[4].split_once("| ").unwrap().1;
        let shown: Vec<char> = text.chars().collect();
        let c = caret.find('^').unwrap();
        assert_eq!(shown[c..c + 7].iter().collect::<String>(), "[@nope]", "{text}\n{caret}");
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        // A short line is shown whole, with the caret under the offending text.
        let d = Diagnostic::error("e").in_file("a.md").at("ab\u{1b}cd [@k]\n", 6..10);
        let out = d.render();
        assert!(out.contains(" 1 | ab\u{FFFD}cd [@k]\n") && out.contains("   |       ^^^^\n"), "{out}");
    }

    #[test]
    fn did_you_mean_finds_close_words_only() {
        assert_eq!(did_you_mean("titel", ["title", "tags", "date"]), Some("title"));
        assert_eq!(did_you_mean("zzzz", ["title", "tags"]), None);
    }
}
