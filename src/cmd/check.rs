use crate::cli::{CheckArgs, Format};
use crate::cmd::{print_diagnostics, Verbosity};
use crate::config::Overrides;
use crate::diag::Severity;

pub fn run(args: CheckArgs, v: Verbosity) -> u8 {
    let overrides = Overrides { drafts: args.drafts, today: args.today, ..Overrides::default() };
    let config = match (crate::config::Config::load(&args.site.root, overrides), args.format) {
        (Ok(c), _) => c,
        (Err(failed), Format::Json) => {
            // Tools get the configuration's errors (and their fixes) as JSON too.
            let errors = failed.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            let out = serde_json::json!({
                "ok": false,
                "errors": errors,
                "warnings": failed.diagnostics.len() - errors,
                "diagnostics": failed.diagnostics,
                "report": null,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            return failed.cause.exit_code();
        }
        (Err(failed), Format::Text) => {
            print_diagnostics(&failed.diagnostics, v);
            return failed.cause.exit_code();
        }
    };
    let (report, mut diags) = crate::check(&config, config.today, args.standard);
    if args.strict || config.site.check.strict {
        diags.strict();
    }
    let errors = diags.error_count();
    let warnings = diags.warning_count();
    let notes = diags.note_count();
    let sorted = diags.sorted();
    match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "ok": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "notes": notes,
                "diagnostics": sorted,
                "report": report,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            print_diagnostics(&sorted, v);
            if let Some(r) = &report {
                if v != Verbosity::Quiet {
                    println!("{:<70} {:>6} {:>7} {:>6} {:>5}", "article", "claims", "sources", "grade", "links");
                    for a in &r.articles {
                        println!(
                            "{:<70} {:>6} {:>7} {:>6.1} {:>2}/{:<2}{}",
                            a.file,
                            a.cited_claims,
                            a.sources,
                            a.grade,
                            a.links_out,
                            a.linked_from,
                            if a.client_facing { "  (clients)" } else { "" }
                        );
                    }
                    if !r.reviews.is_empty() {
                        let window = config.site.check.review_window_days;
                        println!("reviews overdue or due within {window} days (as of {}):", config.today);
                        for due in &r.reviews {
                            let when = if due.days < 0 {
                                format!("overdue by {} days", -due.days)
                            } else {
                                format!("due in {} days", due.days)
                            };
                            println!("  {}  {:<22} {}  ({})", due.due, when, due.file, due.title);
                        }
                    }
                    println!(
                        "claim heuristic: {} sentences read as empirical claims, {} of them cited",
                        r.heuristic_matches, r.heuristic_matches_cited
                    );
                    let drafts = match r.drafts_left_out {
                        0 => String::new(),
                        n => format!(
                            " ({n} draft{} left out: `--drafts` checks {})",
                            if n == 1 { "" } else { "s" },
                            if n == 1 { "it" } else { "them" }
                        ),
                    };
                    println!(
                        "{}{drafts}, {} internal links, {} of {} bibliography entries cited; {errors} error{}, \
                         {warnings} warning{}{}",
                        r.pages_described,
                        r.link_edges,
                        r.distinct_sources_cited,
                        r.bibliography_entries,
                        if errors == 1 { "" } else { "s" },
                        if warnings == 1 { "" } else { "s" },
                        match notes {
                            0 => String::new(),
                            1 => ", 1 note".into(),
                            n => format!(", {n} notes"),
                        }
                    );
                }
                if let Some(a) = &r.standard {
                    print_standard(a);
                }
            } else {
                eprintln!("check failed with {errors} error{}", if errors == 1 { "" } else { "s" });
            }
        }
    }
    // With --strict, a standard's unmet criteria fail the run too.
    let short_of_standard = report
        .as_ref()
        .and_then(|r| r.standard.as_ref())
        .is_some_and(|a| a.met() < a.criteria.len() && (args.strict || config.site.check.strict));
    if sorted.iter().any(|d| d.severity == Severity::Error) || short_of_standard {
        crate::Cause::Content.exit_code()
    } else {
        0
    }
}

/// The standard's criteria, one line each, then what needs a person.
fn print_standard(a: &crate::check::standard::Assessment) {
    use crate::check::standard::Status;
    println!("\n{} — what Haven can check (as of {}):", a.title, a.as_of);
    for c in &a.criteria {
        let status = match c.status {
            Status::Met => "met",
            Status::Partly => "partly",
            Status::NotMet => "not met",
        };
        println!("  {status:<8} {}: {}", c.name, c.detail);
        for p in c.pages.iter().take(5) {
            println!("           {p}");
        }
        if c.pages.len() > 5 {
            println!("           … and {} more (all in --format json)", c.pages.len() - 5);
        }
    }
    println!("{} of {} met. Needs a person to judge (not checked):", a.met(), a.criteria.len());
    for h in &a.needs_a_person {
        println!("  - {h}");
    }
}
