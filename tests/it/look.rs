//! A site's own look without forking the theme (issue 19, part 3): `[theme]`
//! colours for light and dark, fonts, a logo and a favicon, checked values,
//! and a contrast warning.

use crate::common::{article, SiteTest, CONFIG};

const THEME: &str = r##"
[theme]
logo = "brand/logo.svg"
favicon = "brand/icon.png"
font = "Georgia, 'Times New Roman', serif"

[theme.colors]
accent = "#5b2a86"
notice-bg = "#fde8e8"

[theme.dark]
accent = "#d7b8f3"
"##;

fn site(theme: &str) -> SiteTest {
    SiteTest::new()
        .file("haven.toml", &format!("{CONFIG}{theme}"))
        .file("static/brand/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        .file("static/brand/icon.png", "png")
        .file("content/a.md", &article("A", "", "Text."))
}

#[test]
fn colours_fonts_logo_and_favicon_come_from_haven_toml() {
    let t = site(THEME);
    t.build();
    let page = t.read("a/index.html");
    let css_at = page.find("<link rel=\"stylesheet\" href=\"/kb/theme.").expect("the site's stylesheet");
    assert!(page.find("<link rel=\"stylesheet\" href=\"/kb/haven.").unwrap() < css_at, "after the theme's");
    let name = &page[css_at + 33..];
    let name = &name[..name.find('"').unwrap()];
    let css = t.read(name.trim_start_matches("/kb/"));
    assert!(css.contains(":root { --accent: #5b2a86; --notice-bg: #fde8e8; }"), "{css}");
    assert!(css.contains("@media (prefers-color-scheme: dark) { :root { --accent: #d7b8f3; } }"), "{css}");
    assert!(css.contains("body { font-family: Georgia, 'Times New Roman', serif; }"), "{css}");
    assert!(page.contains("<img class=\"logo\" src=\"/kb/brand/logo.svg\" alt=\"\">Test site</a>"), "{page}");
    assert!(page.contains("<link rel=\"icon\" href=\"/kb/brand/icon.png\" type=\"image/png\">"));
    assert!(t.exists("brand/logo.svg"));
    // Without [theme], no extra stylesheet and the theme's icon.
    let t = site("");
    t.build();
    let page = t.read("a/index.html");
    assert!(!page.contains("/kb/theme.") && page.contains("href=\"/kb/favicon.svg\" type=\"image/svg+xml\""));
}

#[test]
fn theme_values_are_checked_at_their_line() {
    let err = site(&THEME.replace("accent = \"#5b2a86\"", "acent = \"#5b2a86\"")).build_fails();
    assert!(err.contains("error: unknown colour `acent` in [theme.colors]\n  --> haven.toml:"), "{err}");
    assert!(err.contains("did you mean `accent`?"), "{err}");
    let err = site(&THEME.replace("\"#5b2a86\"", "\"red; } body { display: none\"")).build_fails();
    assert!(err.contains("`accent` in [theme.colors] is not a colour"), "{err}");
    let err = site(&THEME.replace("serif\"", "serif; } * { color: red\"")).build_fails();
    assert!(err.contains("`font` is not a list of font names"), "{err}");
    let err = site(&THEME.replace("brand/logo.svg", "brand/missing.svg")).build_fails();
    assert!(err.contains("`logo` names `brand/missing.svg`, which is not a file in static/"), "{err}");
    let err = site("").file("haven.toml", &format!("theme = \"fancy\"\n{CONFIG}")).build_fails();
    assert!(err.contains("error: unknown theme `fancy`\n  --> haven.toml:1:1"), "{err}");
}

#[test]
fn colours_readers_cannot_tell_apart_are_a_check_warning() {
    let t = site(&THEME.replace("\"#5b2a86\"", "\"#a9a9d9\""));
    let out = t.run(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: in light mode, `accent` on `bg` has a contrast of"), "{err}");
    assert!(err.contains("make `accent` darker or `bg` lighter"), "{err}");
    let out = site(THEME).run(&["check"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("contrast"), "the example's colours pass");
}
