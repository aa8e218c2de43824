//! The starter site written by `haven new`: embedded in the binary, so it
//! works anywhere after `cargo install`.

/// `(path inside the new site, contents)`.
pub const FILES: &[(&str, &str)] = &[
    ("haven.toml", include_str!("scaffold/haven.toml")),
    ("content/_index.md", include_str!("scaffold/_index.md")),
    ("content/articles/_index.md", include_str!("scaffold/articles_index.md")),
    ("content/articles/working-alliance.md", include_str!("scaffold/working-alliance.md")),
    ("content/articles/when-things-feel-off.md", include_str!("scaffold/when-things-feel-off.md")),
    ("content/articles/first-session.md", include_str!("scaffold/first-session.md")),
    ("content/glossary/rupture.md", include_str!("scaffold/rupture.md")),
    ("content/references.json", include_str!("scaffold/references.json")),
    ("README.md", include_str!("scaffold/README.md")),
    (".gitignore", "# Written by `haven build`: not sources.\n/public/\n/search-index/\n"),
];
