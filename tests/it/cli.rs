//! The command line: exit codes, `new`, `check`, help.

use std::process::Command;

use crate::common::SiteTest;

fn haven() -> Command {
    Command::new(env!("CARGO_BIN_EXE_haven"))
}

#[test]
fn usage_errors_exit_2() {
    let out = haven().arg("build").arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = haven().args(["build", "--root", "/nonexistent/site"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("haven new"));
}

#[test]
fn new_scaffolds_a_site_that_builds_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("my-site");
    let out = haven().arg("new").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = haven().arg("build").arg("--root").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(site.join("public/articles/working-alliance/index.html")).unwrap();
    assert!(html.contains("Bordin (1979)"), "{html}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Built 5 pages and 1 glossary term, 3 citations from 3 sources"), "{said}");
    assert!(!said.contains("warning"), "{said}");
    // The scaffold is an example to copy: it passes every check.
    let out = haven().arg("check").arg("--root").arg(&site).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("5 pages and 1 glossary term, ") && said.ends_with("0 errors, 0 warnings\n"), "{said}");
    // Refuses to overwrite.
    let again = haven().arg("new").arg(&site).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    // Outputs are ignored by git; nothing meant for the author is published.
    let ignore = std::fs::read_to_string(site.join(".gitignore")).unwrap();
    assert!(ignore.contains("/public/") && ignore.contains("/search-index/"), "{ignore}");
    assert!(site.join("README.md").is_file());
    for published in walkdir::WalkDir::new(site.join("public")) {
        let name = published.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with("README"), "{name} is published");
    }
}

#[test]
fn init_is_new_in_the_current_folder_and_says_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = haven().arg("init").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Next: haven serve") && !err.contains("cd ."), "{err}");
    assert!(dir.path().join("haven.toml").is_file());
    // The folder is not empty any more: init refuses like new.
    let again = haven().arg("init").current_dir(dir.path()).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = haven().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["build", "serve", "check", "search", "output", "force"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    assert_eq!(haven().args(["completions", "tcsh-ish"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn check_reports_json_and_does_not_write() {
    let t = SiteTest::new()
        .file(
            "content/a.md",
            &crate::common::article(
                "A",
                "audience = [\"clients\"]",
                "Research shows this works. Linked [[b]]. Cited [@bordin1979].",
            ),
        )
        .file("content/b.md", &crate::common::article("B", "", "See [[a]]."));
    let out = t.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msgs: Vec<String> =
        v["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap().to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("cites no source") && m.contains("Research shows this works.")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m == "source `levy2018` is never cited"), "{msgs:?}");
    assert!(msgs.iter().any(|m| m == "links to 1 other article; link to at least two"), "{msgs:?}");
    assert!(!msgs.iter().any(|m| m.contains("Cited")), "a cited sentence is not flagged: {msgs:?}");
    let a = &v["report"]["articles"][0];
    assert_eq!(a["cited_claims"], 1);
    assert_eq!(a["uncited_claims"], 1);
    assert!(!t.root().join("public").exists(), "check must not write output");
}

#[test]
fn check_fails_on_errors() {
    let t = SiteTest::new().file("content/a.md", "+++\ntitle = \"A\"\n+++\n[[nowhere]]\n");
    let out = t.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn help_lists_the_commands() {
    let out = haven().arg("--help").output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    for c in ["build", "serve", "check", "new", "search"] {
        assert!(s.lines().any(|l| l.trim_start().starts_with(&format!("{c} "))), "{c}: {s}");
    }
}

#[test]
fn verbose_prints_stage_timings_and_quiet_prints_nothing() {
    let t = SiteTest::new().file("content/a.md", &crate::common::article("A", "", "x"));
    let out = t.run(&["build", "--verbose"]);
    let err = String::from_utf8_lossy(&out.stderr);
    for stage in ["load", "parse", "link", "render", "index", "write"] {
        assert!(err.lines().any(|l| l.trim_start().starts_with(stage) && l.contains(" ms")), "{stage}: {err}");
    }
    // Peak memory is printed where the OS reports it.
    if cfg!(target_os = "linux") {
        assert!(err.lines().any(|l| l.trim_start().starts_with("parse") && l.ends_with(" MiB")), "{err}");
    }
    assert!(err.contains("Built 1 page, 0 citations from 0 sources"), "{err}");
    let out = t.run(&["build", "--quiet"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn build_counts_what_check_counts_and_says_what_it_left_out() {
    let t = SiteTest::new()
        .file("content/a.md", &crate::common::article("Alpha", "", "See [[b]] and [[c]]. A claim [@bordin1979]."))
        .file("content/b.md", &crate::common::article("Beta", "", "See [[a]] and [[c]]."))
        .file("content/c.md", &crate::common::article("Gamma", "", "See [[a]] and [[b]]."))
        .file("content/d.md", &crate::common::article("Delta", "draft = true", "Not yet."))
        .file("content/glossary/term.md", "+++\ntitle = \"Term\"\n+++\nA term.\n");
    // No earlier site: a failed build does not claim to have kept one.
    let broken = t.file("content/e.md", "+++\ntitel = \"x\"\n+++\n");
    let err = broken.build_fails();
    assert!(err.contains("Build failed with 1 error; nothing was written."), "{err}");
    let t = broken.remove("content/e.md");
    let out = t.run(&["build"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // Pages with a URL (a, b, c, home, glossary listing, tags, …) as check counts them.
    let built = said.split("Built ").nth(1).and_then(|s| s.split(',').next()).unwrap().to_string();
    assert!(built.ends_with("and 1 glossary term"), "{said}");
    assert!(said.contains("1 draft left out (`--drafts` builds it)."), "{said}");
    // As many warnings as `haven check` reports (the term without a description among them).
    let warned: usize = said
        .split(" warnings from the editorial checks: run `haven check` to see them.")
        .next()
        .and_then(|s| s.rsplit('\n').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    let out = t.run(&["check"]);
    let checked = String::from_utf8_lossy(&out.stdout);
    assert!(checked.contains(&format!("{built} (1 draft left out")), "{checked}");
    // The fixture's bibliography says nothing of its evidence types: notes, not warnings.
    assert!(checked.ends_with(&format!("0 errors, {warned} warnings, 3 notes\n")), "{checked}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: glossary term `Term` has no `description`\n  --> content/glossary/term.md:2:1"),
        "{err}"
    );
    // Now there is a site to keep.
    let err = t.file("content/e.md", "+++\ntitel = \"x\"\n+++\n").build_fails();
    assert!(err.contains("the previous site in ") && err.contains("was left untouched"), "{err}");
}

#[test]
fn config_prints_every_default_and_styles_lists_what_style_accepts() {
    let t = SiteTest::new().file("content/a.md", &crate::common::article("Alpha", "", "Text."));
    let out = t.run(&["config"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // Defaults the fixture does not set are filled in…
    for default in ["language = \"en\"", "style = \"apa\"", "review_interval_months = 36", "[search]\nenabled = true"] {
        assert!(text.contains(default), "{default} in {text}");
    }
    // …and what it prints is a haven.toml that builds.
    std::fs::write(t.root().join("haven.toml"), text.as_bytes()).unwrap();
    t.build();
    let json: serde_json::Value = serde_json::from_slice(&t.run(&["config", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["config"]["citations"]["bibliography"][0], "refs.json");
    let styles = String::from_utf8_lossy(&haven().arg("styles").output().unwrap().stdout).into_owned();
    let names: Vec<&str> = styles.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.len() > 50 && names.contains(&"apa") && names.contains(&"chicago-author-date"), "{styles}");
    // Every name listed is one `[citations] style` accepts (a few, built).
    for name in ["ieee", names[0], names[names.len() - 1]] {
        let config = std::fs::read_to_string(t.root().join("haven.toml"))
            .unwrap()
            .replace("style = \"apa\"", &format!("style = \"{name}\""));
        let t = SiteTest::new()
            .file("haven.toml", &config)
            .file("content/a.md", &crate::common::article("Alpha", "", "A claim [@bordin1979]."));
        let out = t.run(&["build", "--quiet"]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
