//! Integration tests, one binary (linked once, as ripgrep's are): each
//! module builds small fixture sites (or a copy of the shipped one) with the
//! real `haven` binary or the library, and asserts on what comes out.

mod common;

mod build;
mod cli;
mod errors;
mod evidence;
mod fixes;
mod fuzz_replay;
mod governance;
mod handout;
mod hostile;
mod incremental;
mod links;
mod look;
mod output;
mod privacy;
mod relevance;
mod review;
mod search;
mod serve;
