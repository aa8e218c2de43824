//! Subcommands: thin layers from parsed arguments to library calls, and the
//! one place that prints diagnostics and chooses the exit code
//! (0 ok, 1 content errors, 2 usage or environment errors: [`crate::Cause`]).

pub mod build;
pub mod check;
pub mod config;
pub mod new;
pub mod search;
pub mod serve;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
pub use crate::diag::{print_diagnostics, Verbosity};

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
        Command::Config(a) => config::run(a, v),
        Command::Styles => {
            for (name, title) in crate::cite::bundled_styles() {
                println!("{name:<40} {title}");
            }
            0
        }
        Command::Completions(a) => {
            use clap::CommandFactory as _;
            clap_complete::generate(a.shell, &mut Cli::command(), "haven", &mut std::io::stdout());
            0
        }
    };
    ExitCode::from(code)
}

/// Load `haven.toml` under `root`; on failure print why and return the exit code.
pub fn load_config(
    root: &std::path::Path,
    overrides: crate::config::Overrides,
    v: Verbosity,
) -> Result<crate::config::Config, u8> {
    crate::config::Config::load(root, overrides).map_err(|f| {
        print_diagnostics(&f.diagnostics, v);
        f.cause.exit_code()
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
