use crate::cli::NewArgs;
use crate::cmd::Verbosity;

pub fn run(args: NewArgs, v: Verbosity) -> u8 {
    let dir = &args.dir;
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: {} already exists and is not empty\n  = help: choose a new folder name", dir.display());
        return 2;
    }
    for (rel, text) in crate::scaffold::FILES {
        if let Err(e) = crate::fsx::write(&dir.join(rel), text.as_bytes()) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    if v != Verbosity::Quiet {
        eprintln!("Created a new Haven site in {}.\nNext: cd {} && haven serve", dir.display(), dir.display());
    }
    0
}
