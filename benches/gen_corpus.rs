//! Deterministic benchmark corpus for `benches/run.sh`.
//!
//! ```sh
//! cargo bench --bench gen_corpus -- --articles 1000 --out target/bench-corpus/1k [--seed 42]
//! ```
//!
//! Writes the same generated knowledge base three times, so every tool does
//! comparable work:
//!
//! - `OUT/haven/`: `haven.toml`, `content/` (TOML front matter, `[[wikilinks]]`,
//!   `[@citations]`, a glossary, a dated series) and `references.json` (CSL-JSON).
//! - `OUT/hugo/`: `hugo.toml`, `content/` (YAML front matter, links as markdown
//!   links, citations as formatted text plus a References list) and minimal layouts
//!   that render every page, section and tag page. (No `.Related` list: Hugo's
//!   related-content lookup ran for over 6 minutes on the 10k corpus here, which
//!   would measure a template choice rather than the tool.)
//! - `OUT/zola/`: `config.toml` with `build_search_index = true`, `content/`
//!   (TOML front matter, `@/` internal links Zola checks) and templates.
//!
//! Articles are prose drawn from a Zipfian vocabulary of 5,000 words (a few
//! hundred real words at the head, syllable-built words in the tail), with
//! headings, lists, a code block, wikilinks and citation groups. How long and
//! how linked they are is the corpus's shape ([`Shape`], `--shape NAME` and
//! the flags that change one parameter):
//!
//! | shape | body bytes | links | citations | headings (at most) | list blocks |
//! |---|---|---|---|---|---|
//! | `default` | 7,600 | 3–8 | 2–6 | 6 | 1 in 10 |
//! | `long` | 20,000–30,000 | 0–2 | 0–2 | 30 | 3 in 10 |
//! | `short` | 800–1,200 | 0–2 | 0–1 | 1 | 1 in 10 |
//!
//! Everything comes from one xorshift PRNG, so a seed, a size and a shape
//! give the same bytes on every machine.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// xorshift64* — tiny, fast, deterministic; plenty for text generation.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Sampling by rank with weight 1/(rank+1)^s.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let cumulative = (0..n)
            .map(|r| {
                acc += 1.0 / ((r + 1) as f64).powf(s);
                acc
            })
            .collect();
        Zipf { cumulative }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("non-empty");
        let x = rng.unit() * total;
        self.cumulative.partition_point(|&c| c < x).min(self.cumulative.len() - 1)
    }
}

const COMMON: &str = "the of and to a in is that it for as with be on not this are by or can you your they their we \
have from at but what when more about how one people other some feel may often feelings relationship therapy therapist \
client clients time will help also like each way which there these who do if into over them than then so would much \
work session sessions change trust safe support early pattern patterns attachment alliance bond goals tasks repair \
rupture rupture strain care attention emotion emotions anxiety anxious avoidant secure closeness distance need needs \
others self sense notice noticing moment moments small steady together alone reach reaching response respond responds \
after before during through while between because since though still even most many few every any both either group \
family parent parents child children partner partners friend friends practice practices research study studies \
evidence findings outcome outcomes measure measures clinician clinicians supervisor supervision skill skills question \
questions answer answers listen listening speak speaking word words story stories memory memories body bodies \
stress calm fear anger shame guilt hope comfort warmth presence empathy respect honest honesty open openness \
boundary boundaries limit limits choice choices plan plans week weeks year years life home school place world \
thought thoughts habit habits learn learning grow growth slow slowly quick quickly clear clearly hard harder easy \
simple different same new old first last long short good better best well right wrong true real sure important \
useful helpful common rare usual usually sometimes always never often perhaps together without within toward against \
under again ever only just very quite rather almost enough already soon later today tomorrow now here where why \
make makes made take takes took give gives gave keep keeps kept find finds found show shows shown seem seems seemed \
tell tells told ask asks asked try tries tried feel feels felt know knows knew think thinks thought see sees saw \
want wants wanted come comes came go goes went bring brings brought hold holds held leave leaves left stay stays";

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ter", "ven", "sol", "ra", "di", "an", "el", "or", "us", "tin", "mar", "pel", "co", "ru", "sen",
    "tal", "bri", "ge", "no", "fa", "lu", "ster", "quin", "ad", "ob", "pro", "ment", "tion", "ous", "ive", "al", "ic",
    "ate", "ly", "ance", "ure", "ist",
];

const AUDIENCES: &[&str] = &["clients", "clinicians", "supervisors", "students"];
const LANGS: &[&str] = &["python", "json", "bash", "text", "toml", "rust"];
const JOURNALS: &[&str] = &[
    "Psychotherapy",
    "Journal of Counseling Psychology",
    "Psychotherapy Research",
    "Journal of Clinical Psychology",
    "Clinical Psychology Review",
    "Attachment & Human Development",
    "Journal of Consulting and Clinical Psychology",
    "Counselling and Psychotherapy Research",
];

fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut words: Vec<String> = Vec::new();
    for w in COMMON.split_whitespace() {
        if seen.insert(w.to_string()) {
            words.push(w.to_string());
        }
    }
    while words.len() < size {
        let n = rng.range(2, 4);
        let w: String = (0..n).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

struct Source {
    key: String,
    family: Vec<String>,
    year: u32,
    title: String,
    journal: &'static str,
}

struct Article {
    section: usize,
    slug: String,
    title: String,
    description: String,
    date: (u32, u32, u32),
    tags: Vec<String>,
    audience: Vec<&'static str>,
    series: bool,
    body: Vec<Piece>,
}

/// How articles are made: the generator's parameters (`--shape` picks a
/// named set, the other flags change one value).
#[derive(Debug, Clone)]
struct Shape {
    /// Bytes of body text, drawn per article in `lo..=hi`.
    body: (usize, usize),
    links: (usize, usize),
    cites: (usize, usize),
    /// At most this many `##` headings, one every third block.
    headings: usize,
    /// Blocks that are lists, in tenths.
    lists: usize,
}

impl Shape {
    fn named(name: &str) -> Option<Shape> {
        Some(match name {
            "default" => Shape { body: (7600, 7600), links: (3, 8), cites: (2, 6), headings: 6, lists: 1 },
            "long" => Shape { body: (20_000, 30_000), links: (0, 2), cites: (0, 2), headings: 30, lists: 3 },
            "short" => Shape { body: (800, 1200), links: (0, 2), cites: (0, 1), headings: 1, lists: 1 },
            _ => return None,
        })
    }
}

/// A body is literal markdown with links and citations kept abstract, so each
/// tool gets them in its own syntax.
enum Piece {
    Lit(String),
    Wiki { to: usize, label: Option<String> },
    Cite { keys: Vec<(usize, Option<u32>)>, narrative: bool },
}

/// A glossary term: slug, title, synonyms, definition, articles it links to.
type Term = (String, String, Vec<String>, String, Vec<usize>);

struct Corpus {
    words: Vec<String>,
    sections: Vec<(String, String)>,
    sources: Vec<Source>,
    articles: Vec<Article>,
    glossary: Vec<Term>,
}

struct Gen<'a> {
    rng: Rng,
    words: &'a [String],
    zipf: Zipf,
}

impl Gen<'_> {
    fn word(&mut self) -> &str {
        let i = self.zipf.sample(&mut self.rng);
        &self.words[i]
    }
    fn phrase(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word().to_string()).collect::<Vec<_>>().join(" ")
    }
    fn sentence(&mut self) -> String {
        let n = self.rng.range(8, 22);
        let mut s = capitalise(&self.phrase(n));
        if self.rng.chance(0.2) {
            let at = s.len() / 2;
            let cut = s[at..].find(' ').map_or(s.len(), |i| at + i);
            s.insert(cut, ',');
        }
        s
    }
}

/// Approximate markdown bytes of a body (links and citations ~20 bytes each).
fn body_len(body: &[Piece]) -> usize {
    body.iter()
        .map(|p| match p {
            Piece::Lit(s) => s.len(),
            _ => 20,
        })
        .sum()
}

fn generate(n: usize, seed: u64, shape: &Shape) -> Corpus {
    let mut rng = Rng::new(seed);
    let words = vocabulary(&mut rng, 5000);
    let mut g = Gen { rng, words: &words, zipf: Zipf::new(words.len(), 1.05) };

    let n_sections = (n / 50).clamp(5, 40);
    let mut sections: Vec<(String, String)> = (0..n_sections)
        .map(|i| {
            let w = g.words[300 + i * 7].clone();
            (format!("topic-{i:02}-{w}"), capitalise(&format!("{w} and {}", g.words[301 + i * 7])))
        })
        .collect();
    sections.push(("journal".into(), "Practice journal".into()));
    let journal = sections.len() - 1;

    let surnames: Vec<String> = (0..400)
        .map(|_| {
            let k = g.rng.range(2, 3);
            capitalise(&(0..k).map(|_| SYLLABLES[g.rng.below(SYLLABLES.len())]).collect::<String>())
        })
        .collect();
    let n_sources = (n / 4).max(100);
    let mut keys = std::collections::HashSet::new();
    let sources: Vec<Source> = (0..n_sources)
        .map(|_| {
            let authors = g.rng.range(1, 3);
            let family: Vec<String> = (0..authors).map(|_| surnames[g.rng.below(surnames.len())].clone()).collect();
            let year = g.rng.range(1975, 2024) as u32;
            let base = format!("{}{year}", family[0].to_lowercase());
            let mut key = base.clone();
            let mut suffix = b'a';
            while !keys.insert(key.clone()) {
                key = format!("{base}{}", suffix as char);
                suffix += 1;
            }
            let len = g.rng.range(5, 12);
            let title = capitalise(&g.phrase(len));
            Source { key, family, year, title, journal: JOURNALS[g.rng.below(JOURNALS.len())] }
        })
        .collect();
    let source_zipf = Zipf::new(n_sources, 0.8);
    let tag_names: Vec<String> = (0..80).map(|i| g.words[150 + i * 3].clone()).collect();
    let tag_zipf = Zipf::new(tag_names.len(), 1.0);

    // Pass 1: identities, so bodies can link to any article.
    let mut articles: Vec<Article> = (0..n)
        .map(|i| {
            let series = g.rng.chance(0.05);
            let section = if series { journal } else { g.rng.below(n_sections) };
            let tw = g.rng.range(2, 5);
            let title = capitalise(&g.phrase(tw));
            let slug = format!("a{i:05}-{}", title.to_lowercase().split(' ').take(3).collect::<Vec<_>>().join("-"));
            let mut tags: Vec<String> = Vec::new();
            for _ in 0..g.rng.range(2, 4) {
                let t = tag_names[tag_zipf.sample(&mut g.rng)].clone();
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            let mut audience = vec![AUDIENCES[g.rng.below(AUDIENCES.len())]];
            if g.rng.chance(0.5) {
                let a = AUDIENCES[g.rng.below(AUDIENCES.len())];
                if !audience.contains(&a) {
                    audience.push(a);
                }
            }
            let day = g.rng.below(365 * 10) as u32;
            let date = (2015 + day / 365, (day % 365) / 31 % 12 + 1, day % 28 + 1);
            let description = g.sentence() + ".";
            Article { section, slug, title, description, date, tags, audience, series, body: Vec::new() }
        })
        .collect();

    // Pass 2: bodies, as long and as linked as the shape says.
    for i in 0..n {
        let mut body: Vec<Piece> = Vec::new();
        // A fixed length draws nothing (the default corpus stays byte for byte).
        let target = if shape.body.0 == shape.body.1 { shape.body.0 } else { g.rng.range(shape.body.0, shape.body.1) };
        let n_links = g.rng.range(shape.links.0, shape.links.1);
        let n_cites = g.rng.range(shape.cites.0, shape.cites.1);
        let mut links: Vec<usize> = (0..n_links)
            .map(|_| {
                // Half the links stay in the article's own section, like real clusters.
                let mut to = if g.rng.chance(0.5) {
                    let s = articles[i].section;
                    let cand = (i + g.rng.range(1, 60)) % n;
                    if articles[cand].section == s {
                        cand
                    } else {
                        g.rng.below(n)
                    }
                } else {
                    g.rng.below(n)
                };
                if to == i {
                    to = (i + 1) % n;
                }
                to
            })
            .collect();
        let mut cites: Vec<Vec<(usize, Option<u32>)>> = (0..n_cites)
            .map(|_| {
                let k = if g.rng.chance(0.25) { 2 } else { 1 };
                let mut v: Vec<(usize, Option<u32>)> = Vec::new();
                for _ in 0..k {
                    let s = source_zipf.sample(&mut g.rng);
                    if !v.iter().any(|(x, _)| *x == s) {
                        v.push((s, g.rng.chance(0.2).then(|| g.rng.range(1, 400) as u32)));
                    }
                }
                v
            })
            .collect();
        let mut headings = 0;
        let mut code_done = false;
        let mut blocks = 0;
        while body_len(&body) < target || !links.is_empty() || !cites.is_empty() {
            if blocks > 0 && blocks % 3 == 0 && headings < shape.headings {
                headings += 1;
                let hw = g.rng.range(2, 5);
                body.push(Piece::Lit(format!("## {}\n\n", capitalise(&g.phrase(hw)))));
            }
            blocks += 1;
            let kind = g.rng.below(10);
            if kind < shape.lists {
                let ordered = g.rng.chance(0.4);
                let mut s = String::new();
                for k in 0..g.rng.range(3, 6) {
                    let l = g.rng.range(4, 12);
                    let item = capitalise(&g.phrase(l));
                    if ordered {
                        let _ = writeln!(s, "{}. {item}.", k + 1);
                    } else {
                        let _ = writeln!(s, "- {item}.");
                    }
                }
                s.push('\n');
                body.push(Piece::Lit(s));
            } else if kind == shape.lists && !code_done {
                code_done = true;
                let lang = LANGS[g.rng.below(LANGS.len())];
                let mut s = format!("```{lang}\n");
                for _ in 0..g.rng.range(4, 9) {
                    let (a, b) = (g.word().to_string(), g.word().to_string());
                    let _ = match lang {
                        "python" => writeln!(s, "{a}_{b} = compute(\"{a}\", {})  # {b}", g.rng.below(100)),
                        "json" => writeln!(s, "{{\"{a}\": \"{b}\", \"n\": {}}}", g.rng.below(100)),
                        "bash" => writeln!(s, "echo \"{a} {b}\" | grep -c {a} > /tmp/{b}.txt"),
                        "toml" => writeln!(s, "{a}_{b} = \"{b}\""),
                        "rust" => writeln!(s, "let {a}_{b}: u32 = {}; // {a}", g.rng.below(100)),
                        _ => writeln!(s, "{a} {b} {a}"),
                    };
                }
                s.push_str("```\n\n");
                body.push(Piece::Lit(s));
            } else {
                for _ in 0..g.rng.range(3, 6) {
                    let mut s = g.sentence();
                    if !links.is_empty() && g.rng.chance(0.25) {
                        body.push(Piece::Lit(s + ", as in "));
                        let to = links.pop().expect("non-empty");
                        let label = g.rng.chance(0.3).then(|| g.phrase(2));
                        body.push(Piece::Wiki { to, label });
                        s = String::new();
                    }
                    if !cites.is_empty() && g.rng.chance(0.25) {
                        let keys = cites.pop().expect("non-empty");
                        if g.rng.chance(0.15) && keys.len() == 1 && s.is_empty() {
                            body.push(Piece::Lit(". Work by ".into()));
                            body.push(Piece::Cite { keys, narrative: true });
                            body.push(Piece::Lit(" agrees. ".into()));
                            continue;
                        }
                        body.push(Piece::Lit(s + " "));
                        body.push(Piece::Cite { keys, narrative: false });
                        s = String::new();
                    }
                    body.push(Piece::Lit(s + ". "));
                }
                body.push(Piece::Lit("\n\n".into()));
            }
        }
        articles[i].body = body;
    }

    // Glossary: mid-frequency words, a third with a synonym.
    let glossary = (0..50)
        .map(|i| {
            let w = words[120 + i * 17].clone();
            let syn = if i % 3 == 0 { vec![words[121 + i * 17].clone()] } else { Vec::new() };
            let def = g.sentence() + ".";
            let to = vec![g.rng.below(n), g.rng.below(n)];
            (format!("term-{w}"), capitalise(&w), syn, def, to)
        })
        .collect();
    Corpus { words, sections, sources, articles, glossary }
}

fn write(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d).unwrap_or_else(|e| panic!("mkdir {}: {e}", d.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn list(v: &[impl AsRef<str>]) -> String {
    format!("[{}]", v.iter().map(|s| q(s.as_ref())).collect::<Vec<_>>().join(", "))
}

fn date(d: (u32, u32, u32)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// "(Ab, 2001, p. 3; Cd & Ef, 1999)" — what an APA in-text citation looks like,
/// for tools without citation support.
fn cite_text(c: &Corpus, keys: &[(usize, Option<u32>)], narrative: bool) -> String {
    let one = |&(s, p): &(usize, Option<u32>)| {
        let src = &c.sources[s];
        let names = match src.family.len() {
            1 => src.family[0].clone(),
            2 => format!("{} & {}", src.family[0], src.family[1]),
            _ => format!("{} et al.", src.family[0]),
        };
        let page = p.map(|p| format!(", p. {p}")).unwrap_or_default();
        if narrative {
            format!("{names} ({}{page})", src.year)
        } else {
            format!("{names}, {}{page}", src.year)
        }
    };
    let parts: Vec<String> = keys.iter().map(one).collect();
    if narrative {
        parts.join("; ")
    } else {
        format!("({})", parts.join("; "))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Haven,
    Hugo,
    Zola,
}

fn body_for(c: &Corpus, a: &Article, tool: Tool) -> String {
    let mut out = String::with_capacity(9000);
    let mut cited: Vec<usize> = Vec::new();
    for p in &a.body {
        match p {
            Piece::Lit(s) => out.push_str(s),
            Piece::Wiki { to, label } => {
                let t = &c.articles[*to];
                let label = label.clone().unwrap_or_else(|| t.title.clone());
                let sec = &c.sections[t.section].0;
                match tool {
                    Tool::Haven if label == t.title => {
                        let _ = write!(out, "[[{}]]", t.slug);
                    }
                    Tool::Haven => {
                        let _ = write!(out, "[[{}|{label}]]", t.slug);
                    }
                    Tool::Hugo => {
                        let _ = write!(out, "[{label}](/{sec}/{}/)", t.slug);
                    }
                    Tool::Zola => {
                        let _ = write!(out, "[{label}](@/{sec}/{}.md)", t.slug);
                    }
                }
            }
            Piece::Cite { keys, narrative } => {
                cited.extend(keys.iter().map(|k| k.0));
                if tool == Tool::Haven {
                    let items: Vec<String> = keys
                        .iter()
                        .map(|(s, p)| {
                            let page = p.map(|p| format!(", p. {p}")).unwrap_or_default();
                            format!("@{}{page}", c.sources[*s].key)
                        })
                        .collect();
                    if *narrative {
                        out.push_str(&items.join("; "));
                    } else {
                        let _ = write!(out, "[{}]", items.join("; "));
                    }
                } else {
                    out.push_str(&cite_text(c, keys, *narrative));
                }
            }
        }
    }
    if tool != Tool::Haven {
        // Haven builds the References list itself; give peers the same text to render.
        cited.sort_by(|x, y| c.sources[*x].family.cmp(&c.sources[*y].family).then(x.cmp(y)));
        cited.dedup();
        out.push_str("\n## References\n\n");
        for s in cited {
            let src = &c.sources[s];
            let _ = writeln!(out, "- {} ({}). {}. *{}*.", src.family.join(", "), src.year, src.title, src.journal);
        }
    }
    out
}

fn write_haven(c: &Corpus, root: &Path) {
    write(
        &root.join("haven.toml"),
        "title = \"Bench knowledge base\"\ndescription = \"A generated corpus for benchmarks.\"\nbase_url = \"/\"\n\n\
         [notice]\ntext = \"In an emergency call your local emergency number.\"\nlink_text = \"Helplines\"\n\
         link_url = \"https://findahelpline.com/\"\n\n[citations]\nbibliography = [\"references.json\"]\n",
    );
    let mut refs = String::from("[\n");
    for (i, s) in c.sources.iter().enumerate() {
        let authors: Vec<String> = s
            .family
            .iter()
            .enumerate()
            .map(|(k, f)| {
                format!("{{\"family\": {}, \"given\": \"{}.\"}}", q(f), (b'A' + (k as u8 * 7 + i as u8) % 26) as char)
            })
            .collect();
        let _ = writeln!(
            refs,
            "  {{\"id\": {}, \"type\": \"article-journal\", \"author\": [{}], \"title\": {}, \"container-title\": {}, \
             \"volume\": \"{}\", \"issue\": \"{}\", \"page\": \"{}-{}\", \"issued\": {{\"date-parts\": [[{}]]}}, \
             \"DOI\": \"10.5555/bench.{i}\"}}{}",
            q(&s.key),
            authors.join(", "),
            q(&s.title),
            q(s.journal),
            i % 60 + 1,
            i % 4 + 1,
            100 + i % 300,
            110 + i % 300,
            s.year,
            if i + 1 == c.sources.len() { "" } else { "," }
        );
    }
    refs.push_str("]\n");
    write(&root.join("references.json"), &refs);
    let content = root.join("content");
    write(
        &content.join("_index.md"),
        &format!(
            "+++\ntitle = \"Bench knowledge base\"\ndescription = \"Generated.\"\n+++\n\n{}\n",
            c.words[..40].join(" ")
        ),
    );
    for (i, (key, title)) in c.sections.iter().enumerate() {
        let sort = if key == "journal" { "date" } else { "title" };
        write(
            &content.join(key).join("_index.md"),
            &format!(
                "+++\ntitle = {}\ndescription = \"Section {i}.\"\nweight = {}\nsort_by = \"{sort}\"\n+++\n\nArticles about {}.\n",
                q(title),
                i + 1,
                title.to_lowercase()
            ),
        );
    }
    write(
        &content.join("glossary/_index.md"),
        "+++\ntitle = \"Glossary\"\ndescription = \"Terms.\"\nweight = 90\nsort_by = \"title\"\n+++\n\nThe terms used here.\n",
    );
    for (slug, title, syn, def, to) in &c.glossary {
        let links: Vec<String> = to.iter().map(|&t| format!("[[{}]]", c.articles[t].slug)).collect();
        write(
            &content.join("glossary").join(format!("{slug}.md")),
            &format!(
                "+++\ntitle = {}\ndescription = {}\nsynonyms = {}\n+++\n\n{def} See {}.\n",
                q(title),
                q(def),
                list(syn),
                links.join(" and ")
            ),
        );
    }
    for a in &c.articles {
        let series = if a.series { "series = \"journal\"\n" } else { "" };
        write(
            &content.join(&c.sections[a.section].0).join(format!("{}.md", a.slug)),
            &format!(
                "+++\ntitle = {}\ndescription = {}\ndate = {}\ntags = {}\naudience = {}\n{series}+++\n\n{}",
                q(&a.title),
                q(&a.description),
                date(a.date),
                list(&a.tags),
                list(&a.audience),
                body_for(c, a, Tool::Haven)
            ),
        );
    }
}

const HUGO_BASEOF: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
<meta name="description" content="{{ .Description }}"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><nav><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>{{ range site.Sections }} <a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"#;
const HUGO_PAGE: &str = r#"{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2 January 2006" }} · {{ .ReadingTime }} min · {{ range .Params.tags }}<a href="{{ (printf "/tags/%s/" (. | urlize)) | relURL }}">{{ . }}</a> {{ end }}</p>
<nav>{{ .TableOfContents }}</nav>
{{ .Content }}
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }} {{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</article>{{ end }}
"#;
const HUGO_LIST: &str = r#"{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>{{ end }}
"#;

fn write_hugo(c: &Corpus, root: &Path) {
    write(
        &root.join("hugo.toml"),
        "baseURL = \"https://example.org/\"\ntitle = \"Bench knowledge base\"\nlanguageCode = \"en\"\n\
         [taxonomies]\ntag = \"tags\"\n[markup.highlight]\nnoClasses = false\n[related]\nincludeNewer = true\nthreshold = 80\n\
         toLower = false\n[[related.indices]]\nname = \"tags\"\nweight = 100\n",
    );
    for (name, text) in [
        ("baseof.html", HUGO_BASEOF),
        ("page.html", HUGO_PAGE),
        ("list.html", HUGO_LIST),
        ("_default/baseof.html", HUGO_BASEOF),
        ("_default/single.html", HUGO_PAGE),
        ("_default/list.html", HUGO_LIST),
    ] {
        write(&root.join("layouts").join(name), text);
    }
    let content = root.join("content");
    write(
        &content.join("_index.md"),
        &format!("---\ntitle: \"Bench knowledge base\"\n---\n\n{}\n", c.words[..40].join(" ")),
    );
    for (key, title) in &c.sections {
        write(
            &content.join(key).join("_index.md"),
            &format!("---\ntitle: {}\n---\n\nArticles about {}.\n", q(title), title.to_lowercase()),
        );
    }
    write(&content.join("glossary/_index.md"), "---\ntitle: \"Glossary\"\n---\n\nThe terms used here.\n");
    for (slug, title, _, def, to) in &c.glossary {
        let links: Vec<String> = to
            .iter()
            .map(|&t| {
                let a = &c.articles[t];
                format!("[{}](/{}/{}/)", a.title, c.sections[a.section].0, a.slug)
            })
            .collect();
        write(
            &content.join("glossary").join(format!("{slug}.md")),
            &format!("---\ntitle: {}\ndescription: {}\n---\n\n{def} See {}.\n", q(title), q(def), links.join(" and ")),
        );
    }
    for a in &c.articles {
        write(
            &content.join(&c.sections[a.section].0).join(format!("{}.md", a.slug)),
            &format!(
                "---\ntitle: {}\ndescription: {}\ndate: {}\ntags: {}\naudience: {}\n---\n\n{}",
                q(&a.title),
                q(&a.description),
                date(a.date),
                list(&a.tags),
                list(&a.audience),
                body_for(c, a, Tool::Hugo)
            ),
        );
    }
}

const ZOLA_BASE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock %}</title></head>
<body><nav><a href="{{ get_url(path="/") }}">{{ config.title }}</a></nav><main>{% block content %}{% endblock %}</main></body></html>
"#;
const ZOLA_PAGE: &str = r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock %}{% block content %}<article><h1>{{ page.title }}</h1>
<p>{{ page.date }} · {{ page.reading_time }} min · {% if page.taxonomies.tags %}{% for t in page.taxonomies.tags %}<a href="{{ get_taxonomy_url(kind="tags", name=t) }}">{{ t }}</a> {% endfor %}{% endif %}</p>
<ul>{% for h in page.toc %}<li><a href="{{ h.permalink }}">{{ h.title }}</a></li>{% endfor %}</ul>
{{ page.content | safe }}
{% if page.lower %}<a href="{{ page.lower.permalink }}">{{ page.lower.title }}</a>{% endif %} {% if page.higher %}<a href="{{ page.higher.permalink }}">{{ page.higher.title }}</a>{% endif %}
</article>{% endblock %}
"#;
const ZOLA_SECTION: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ section.title }}</h1>{{ section.content | safe }}
<ul>{% for p in section.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> {{ p.description }}</li>{% endfor %}</ul>
<ul>{% for s in section.subsections %}{% set sub = get_section(path=s) %}<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>{% endfor %}</ul>{% endblock %}
"#;
const ZOLA_TAX_LIST: &str = r#"{% extends "base.html" %}{% block content %}<ul>{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a> ({{ t.pages | length }})</li>{% endfor %}</ul>{% endblock %}
"#;
const ZOLA_TAX_SINGLE: &str = r#"{% extends "base.html" %}{% block content %}<h1>{{ term.name }}</h1><ul>{% for p in term.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>{% endfor %}</ul>{% endblock %}
"#;

fn write_zola(c: &Corpus, root: &Path) {
    write(
        &root.join("config.toml"),
        "base_url = \"https://example.org\"\ntitle = \"Bench knowledge base\"\nbuild_search_index = true\n\
         taxonomies = [{ name = \"tags\" }]\n",
    );
    for (name, text) in [
        ("base.html", ZOLA_BASE),
        ("page.html", ZOLA_PAGE),
        ("section.html", ZOLA_SECTION),
        ("index.html", ZOLA_SECTION),
        ("taxonomy_list.html", ZOLA_TAX_LIST),
        ("taxonomy_single.html", ZOLA_TAX_SINGLE),
    ] {
        write(&root.join("templates").join(name), text);
    }
    let content = root.join("content");
    write(
        &content.join("_index.md"),
        &format!("+++\ntitle = \"Bench knowledge base\"\n+++\n\n{}\n", c.words[..40].join(" ")),
    );
    for (key, title) in &c.sections {
        write(
            &content.join(key).join("_index.md"),
            &format!(
                "+++\ntitle = {}\nsort_by = \"date\"\n+++\n\nArticles about {}.\n",
                q(title),
                title.to_lowercase()
            ),
        );
    }
    write(
        &content.join("glossary/_index.md"),
        "+++\ntitle = \"Glossary\"\nsort_by = \"title\"\n+++\n\nThe terms used here.\n",
    );
    for (slug, title, _, def, to) in &c.glossary {
        let links: Vec<String> = to
            .iter()
            .map(|&t| {
                let a = &c.articles[t];
                format!("[{}](@/{}/{}.md)", a.title, c.sections[a.section].0, a.slug)
            })
            .collect();
        write(
            &content.join("glossary").join(format!("{slug}.md")),
            &format!(
                "+++\ntitle = {}\ndescription = {}\n+++\n\n{def} See {}.\n",
                q(title),
                q(def),
                links.join(" and ")
            ),
        );
    }
    for a in &c.articles {
        write(
            &content.join(&c.sections[a.section].0).join(format!("{}.md", a.slug)),
            &format!(
                "+++\ntitle = {}\ndescription = {}\ndate = {}\n[taxonomies]\ntags = {}\n[extra]\naudience = {}\n+++\n\n{}",
                q(&a.title),
                q(&a.description),
                date(a.date),
                list(&a.tags),
                list(&a.audience),
                body_for(c, a, Tool::Zola)
            ),
        );
    }
}

fn main() {
    let mut articles = 1000usize;
    let mut out: Option<PathBuf> = None;
    let mut seed = 42u64;
    let mut shape = Shape::named("default").expect("default shape");
    let range = |v: Option<String>, flag: &str| -> (usize, usize) {
        let v = v.unwrap_or_else(|| panic!("{flag} LO-HI"));
        let (lo, hi) = v.split_once('-').unwrap_or((&v, &v));
        let (lo, hi) = (lo.parse().expect(flag), hi.parse().expect(flag));
        assert!(lo <= hi, "{flag}: {lo} > {hi}");
        (lo, hi)
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--articles" => articles = args.next().and_then(|v| v.parse().ok()).expect("--articles N"),
            "--shape" => {
                let name = args.next().expect("--shape default|long|short");
                shape = Shape::named(&name).unwrap_or_else(|| panic!("unknown shape {name}: default, long or short"));
            }
            "--body-bytes" => shape.body = range(args.next(), "--body-bytes"),
            "--links" => shape.links = range(args.next(), "--links"),
            "--cites" => shape.cites = range(args.next(), "--cites"),
            "--headings" => shape.headings = args.next().and_then(|v| v.parse().ok()).expect("--headings N"),
            "--lists" => shape.lists = args.next().and_then(|v| v.parse().ok()).expect("--lists TENTHS"),
            "--out" => out = args.next().map(PathBuf::from),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            // `cargo bench` passes `--bench`; ignore it and anything else libtest-ish.
            _ => {}
        }
    }
    let Some(out) = out else {
        eprintln!(
            "usage: cargo bench --bench gen_corpus -- --articles N --out DIR [--seed S] [--shape default|long|short] \
             [--body-bytes LO-HI] [--links LO-HI] [--cites LO-HI] [--headings N] [--lists TENTHS]"
        );
        return;
    };
    if out.exists() {
        fs::remove_dir_all(&out).unwrap_or_else(|e| panic!("remove {}: {e}", out.display()));
    }
    assert!(shape.lists < 10, "--lists is in tenths, below 10");
    let corpus = generate(articles, seed, &shape);
    write_haven(&corpus, &out.join("haven"));
    write_hugo(&corpus, &out.join("hugo"));
    write_zola(&corpus, &out.join("zola"));
    println!(
        "wrote {} articles, {} sources, {} glossary terms to {}",
        corpus.articles.len(),
        corpus.sources.len(),
        corpus.glossary.len(),
        out.display()
    );
}
