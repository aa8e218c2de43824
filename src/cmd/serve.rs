//! `haven serve`: arguments → [`crate::devserver::run`].

use crate::cli::ServeArgs;
use crate::cmd::Verbosity;
use crate::devserver::{run as serve, Options};

pub fn run(args: ServeArgs, v: Verbosity) -> u8 {
    serve(
        Options {
            root: args.site.root,
            port: args.port,
            interface: args.interface,
            open: args.open,
            drafts: args.drafts,
        },
        v,
    )
}
