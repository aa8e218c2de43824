//! Command-line interface (clap derive): one `Args` struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Haven builds a psychoeducation knowledge base — markdown articles with
/// citations — into a cross-linked static website.
#[derive(Debug, Parser)]
#[command(name = "haven", version, about, propagate_version = true)]
pub struct Cli {
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print timings per stage and every warning in full.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (atomically: a failed build leaves the old site).
    ///
    /// Haven only replaces folders it created. The output folder and
    /// `search-index/` carry a marker file (`.haven-output.json`); an existing
    /// folder without it is refused (exit 2) unless it is empty, was written
    /// by an earlier Haven, or `--force` is given. Never replaced, whatever
    /// the flags: the site folder or a folder holding it, the site's inputs
    /// (`content/`, `templates/`, `static/`, `themes/`, `haven.toml`, the
    /// bibliography files) or anything inside or holding them, the home
    /// directory or a folder holding it, `/`, a mount point, a folder holding
    /// a git repository. An output that is a symlink is resolved, and the
    /// folder it points to is checked and replaced.
    #[command(verbatim_doc_comment)]
    Build(BuildArgs),
    /// Build, serve on 127.0.0.1, rebuild on change and live-reload open pages.
    Serve(ServeArgs),
    /// Run every validation without writing output.
    Check(CheckArgs),
    /// Create a new site with example articles, citations and a bibliography.
    #[command(alias = "init")]
    New(NewArgs),
    /// Search the site from the terminal (uses the index `haven build` writes).
    Search(SearchArgs),
    /// Print the configuration with every default filled in (haven.toml as Haven reads it).
    Config(ConfigArgs),
    /// List the citation styles bundled with Haven, for `[citations] style`.
    Styles,
    /// Print a completion script for a shell (e.g. `haven completions bash > ~/.local/share/bash-completion/completions/haven`).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args, Clone)]
pub struct SiteArgs {
    /// The site folder (holding haven.toml and content/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Where to write the site [default: ROOT/public].
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Override `base_url` from haven.toml (e.g. `https://example.org/kb/`).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Replace an output folder that Haven did not create, deleting
    /// everything in it (only once the build succeeds). Does not lift the
    /// rules that protect the site's inputs, the site folder, the home
    /// directory, `/`, mount points and git repositories.
    #[arg(long)]
    pub force: bool,
    /// Judge review dates as of this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_parser = parse_date)]
    pub today: Option<crate::site::Date>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on (0: any free port, printed when serving).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. The default serves this machine only; e.g.
    /// `0.0.0.0` previews on a phone on the same network (with a warning:
    /// anyone there can read the site while it runs).
    #[arg(long, default_value = "127.0.0.1")]
    pub interface: std::net::IpAddr,
    /// Open the site in the default browser once it is served.
    #[arg(long)]
    pub open: bool,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Judge review dates as of this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_parser = parse_date)]
    pub today: Option<crate::site::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Treat every warning as an error (for CI); also `[check] strict = true`.
    #[arg(long)]
    pub strict: bool,
    /// Report the site against a health-information standard: what is met, per page, and what needs a person.
    #[arg(long, value_enum)]
    pub standard: Option<crate::check::standard::Standard>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to create (must not exist, or be empty) [default: the current folder].
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Output format (TOML as text, or JSON).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// What to search for. As in the browser, the last word also matches the
    /// words it begins, unless the query ends with a space; words in double
    /// quotes must appear in that order ('"secure base"').
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// Show at most this many pages.
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only pages with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Only pages for this audience.
    #[arg(long)]
    pub audience: Option<String>,
    /// Rank pages for this audience higher, without hiding the others (what
    /// a search started from one of that audience's pages does).
    #[arg(long)]
    pub prefer: Option<String>,
}

/// A `YYYY-MM-DD` argument.
fn parse_date(s: &str) -> Result<crate::site::Date, String> {
    crate::site::Date::parse(s).ok_or_else(|| format!("`{s}` is not a date: write YYYY-MM-DD, e.g. 2026-03-01"))
}
