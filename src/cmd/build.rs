use crate::cli::BuildArgs;
use crate::cmd::{print_diagnostics, spinner, Verbosity};
use crate::config::Overrides;
use crate::Cause;

pub fn run(args: BuildArgs, v: Verbosity) -> u8 {
    let overrides = Overrides {
        output: args.output,
        base_url: args.base_url,
        drafts: args.drafts,
        live_reload: None,
        force: args.force,
        today: args.today,
    };
    let config = match super::load_config(&args.site.root, overrides, v) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Whether there is an earlier site for a failed build to leave alone.
    let had_output = std::fs::read_dir(&config.output).is_ok_and(|mut d| d.next().is_some());
    let pb = spinner(v, "Building…");
    let result = crate::build(&config);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    match result {
        Ok(built) => {
            print_diagnostics(&built.diagnostics, v);
            if v == Verbosity::Verbose {
                for lap in &built.stages {
                    let peak = lap.peak_mib.map(|m| format!("   peak memory {m} MiB")).unwrap_or_default();
                    eprintln!("  {:<14} {:>8.1} ms{peak}", lap.stage, lap.seconds * 1000.0);
                }
            }
            if v != Verbosity::Quiet {
                eprintln!(
                    "Built {}, {} citation{} from {} source{} in {:.2} s ({} files, {:.1} MB) → {}",
                    built.pages_described,
                    built.citations,
                    plural(built.citations),
                    built.sources,
                    plural(built.sources),
                    built.seconds,
                    built.files,
                    built.bytes as f64 / 1e6,
                    config.output.display()
                );
                if built.drafts_left_out > 0 {
                    let n = built.drafts_left_out;
                    eprintln!(
                        "{n} draft{} left out (`--drafts` builds {}).",
                        plural(n),
                        if n == 1 { "it" } else { "them" }
                    );
                }
                if built.check_warnings > 0 {
                    let n = built.check_warnings;
                    eprintln!(
                        "{n} warning{} from the editorial checks: run `haven check` to see {}.",
                        plural(n),
                        if n == 1 { "it" } else { "them" }
                    );
                }
            }
            0
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, v);
            let n = failed.diagnostics.iter().filter(|d| d.severity == crate::diag::Severity::Error).count();
            let errors = format!("{n} error{}", if n == 1 { "" } else { "s" });
            match failed.cause {
                Cause::Content if had_output => {
                    eprintln!(
                        "Build failed with {errors}; the previous site in {} was left untouched.",
                        config.output.display()
                    )
                }
                Cause::Content => eprintln!("Build failed with {errors}; nothing was written."),
                Cause::Environment => eprintln!("Build stopped with {errors}."),
            }
            failed.cause.exit_code()
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
