use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = haven::cli::Cli::parse();
    haven::cmd::run(cli)
}
