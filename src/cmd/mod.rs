//! Subcommands: thin layers from parsed arguments to library calls, and the
//! one place that prints diagnostics and chooses the exit code
//! (0 ok, 1 content errors, 2 usage or environment errors).

pub mod build;
pub mod check;
pub mod new;
pub mod search;
pub mod serve;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::diag::{Diagnostic, Severity};

/// How loud to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub fn run(cli: Cli) -> ExitCode {
    let v = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let code = match cli.command {
        Command::Build(a) => build::run(a, v),
        Command::Serve(a) => serve::run(a, v),
        Command::Check(a) => check::run(a, v),
        Command::New(a) => new::run(a, v),
        Command::Search(a) => search::run(a, v),
    };
    ExitCode::from(code)
}

/// Print diagnostics to stderr (warnings are hidden by `--quiet`).
pub fn print_diagnostics(diags: &[Diagnostic], v: Verbosity) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        if v == Verbosity::Quiet && d.severity == Severity::Warning {
            continue;
        }
        // A closed stderr is not worth a panic.
        if writeln!(err, "{}", d.render()).is_err() {
            return;
        }
    }
}

/// Exit code for a failed run: 2 when nothing site-specific could be read
/// (no haven.toml), else 1.
pub fn failure_code(diags: &[Diagnostic]) -> u8 {
    if diags
        .iter()
        .any(|d| d.file.is_none() && d.message.starts_with("cannot read") && d.message.contains("haven.toml"))
    {
        2
    } else {
        1
    }
}

/// Load `haven.toml` under `root`; on failure print why and return the exit code.
pub fn load_config(
    root: &std::path::Path,
    overrides: crate::config::Overrides,
    v: Verbosity,
) -> Result<crate::config::Config, u8> {
    crate::config::Config::load(root, overrides).map_err(|d| {
        let code = failure_code(std::slice::from_ref(&d));
        print_diagnostics(&[d], v);
        code
    })
}

/// A spinner on stderr when it is a terminal and we are not quiet.
pub fn spinner(v: Verbosity, msg: &str) -> Option<indicatif::ProgressBar> {
    if v == Verbosity::Quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(80));
    Some(pb)
}
