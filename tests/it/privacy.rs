//! Privacy the build proves (issue 22, part 7): nothing makes a reader's
//! browser load from another site unless `[privacy] allow_origins` says so.

use crate::common::{article, SiteTest, CONFIG};

fn base() -> SiteTest {
    SiteTest::new().file("content/a.md", &article("Alpha", "", "A page."))
}

#[test]
fn a_third_party_image_frame_script_or_font_fails_the_build_at_its_place() {
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "content/b.md",
            "+++\ntitle = \"Beta\"\n+++\nSee ![a chart](https://images.example.com/chart.png).\n",
            "--> content/b.md:4:16",
            "contact https://images.example.com (an image)",
        ),
        (
            "content/b.md",
            "+++\ntitle = \"Beta\"\n+++\nText.\n\n<iframe src=\"https://video.example.org/embed/1\"></iframe>\n",
            "--> content/b.md:6:14",
            "contact https://video.example.org (a frame)",
        ),
        (
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}<script src=\"https://cdn.example.net/x.js\"></script>{% endblock content %}\n",
            "--> templates/page.html:2:33",
            "contact https://cdn.example.net (a script)",
        ),
        (
            "static/extra.css",
            "body {\n  font-family: X;\n}\n@font-face { src: url(https://fonts.example.com/x.woff2); }\n",
            "--> static/extra.css:4:23",
            "contact https://fonts.example.com",
        ),
    ];
    for (file, text, at, what) in cases {
        let t = base();
        t.build();
        let before = t.snapshot_tree();
        let t = t.file(file, text);
        let out = t.run(&["build"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(what) && err.contains(at), "{file}: expected `{what}` at `{at}` in:\n{err}");
        assert!(err.contains("[privacy] allow_origins"), "{err}");
        // Nothing was published.
        let after: Vec<_> = t.snapshot_tree().into_iter().filter(|(p, _)| !p.starts_with(file)).collect();
        let before: Vec<_> = before.into_iter().filter(|(p, _)| !p.starts_with(file)).collect();
        assert_eq!(before, after, "{file}: the previous output changed");
    }
}

#[test]
fn allowed_origins_build_and_links_to_other_sites_tell_them_nothing() {
    let config = format!("{CONFIG}\n[privacy]\nallow_origins = [\"https://images.example.com\"]\n");
    let t = base()
        .file("haven.toml", &config)
        .file(
            "content/b.md",
            "+++\ntitle = \"Beta\"\n+++\n![a chart](https://images.example.com/chart.png) and [a site](https://other.example/page) [@bordin1979].\n",
        );
    t.build();
    let html = t.read("b/index.html");
    assert!(html.contains("src=\"https://images.example.com/chart.png\""), "{html}");
    assert!(html.contains("<a href=\"https://other.example/page\" rel=\"noopener noreferrer\">a site</a>"), "{html}");
    // The DOI of a reference and the notice's helpline link too.
    let sources = t.read("sources/index.html");
    assert!(sources.contains("href=\"https://doi.org/10.1037/h0085885\" rel=\"noopener noreferrer\""), "{sources}");
    assert!(html.contains("href=\"https://findahelpline.com/\" rel=\"noopener noreferrer\""));
    // Another image origin is still refused.
    let t = t.file("content/c.md", "+++\ntitle = \"Gamma\"\n+++\n![x](https://elsewhere.example/x.png)\n");
    assert!(t.build_fails().contains("contact https://elsewhere.example"));
}
