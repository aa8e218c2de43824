use std::process::ExitCode;

use clap::Parser;

// mimalloc: the build allocates and frees millions of small strings across
// threads; against glibc's allocator it cut a 10k-article build's time and
// peak memory (see benches/results/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = haven::cli::Cli::parse();
    haven::cmd::run(cli)
}
