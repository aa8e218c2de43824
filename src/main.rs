use std::process::ExitCode;

use clap::Parser;

// mimalloc: the build allocates and frees millions of small strings across
// threads; against glibc's allocator it cut a 10k-article build's time and
// peak memory (see benches/results/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mi_option_e`, mimalloc 3).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long memory the build has freed stays with the process before
/// mimalloc gives it back, in ms (mimalloc's default is 1,000).
///
/// A build frees big things stage by stage (each page's source and nodes
/// once rendered, the search texts once indexed) while other threads go on
/// allocating: held for a second, that memory added to the peak. With 10 ms,
/// and without transparent huge pages (the `no_thp` feature: a 2 MiB page
/// that is mostly free cannot be given back), the peak of the long-article
/// 10k benchmark fell from ~1,150 to ~1,045 MiB at the same speed (pairs
/// of builds before and after; benches/results/*-b486929.md).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Set mimalloc's options; first thing in `main`, while no other thread runs.
#[allow(unsafe_code)]
fn tune_allocator() {
    // SAFETY: `mi_option_set` stores one integer in mimalloc's option table.
    // Its only requirement ("not thread safe") holds: no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = haven::cli::Cli::parse();
    haven::cmd::run(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn option(option: libmimalloc_sys::mi_option_t) -> std::ffi::c_long {
        // SAFETY: reads one integer of mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(option) }
    }

    #[test]
    fn the_purge_delay_option_is_mimallocs_and_tune_allocator_sets_it() {
        // Option 15 is the purge delay: its default is mimalloc 3's 1,000 ms
        // (a wrong index reads another option's default, or none).
        assert_eq!(option(PURGE_DELAY), 1000, "not mimalloc 3's purge delay");
        tune_allocator();
        assert_eq!(option(PURGE_DELAY), PURGE_DELAY_MS);
    }
}
