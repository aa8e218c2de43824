//! `haven serve`: build into a private folder, serve it on 127.0.0.1, watch
//! the sources, rebuild on change and live-reload open pages. A failed
//! rebuild keeps the last good site, prints the errors, and shows them as an
//! overlay in the page; the server keeps running.
//!
//! - [`run`] wires it together: the output folder (a new one of Haven's own
//!   in the temporary directory), the watcher, the rebuild thread, the server.
//! - `rebuild` owns the output: full builds, in-place updates
//!   ([`crate::live`]) and background search index builds, one at a time.
//! - [`http`] answers requests and holds the live-reload sockets.
//! - `watch` sends the changes of the site's inputs to the rebuild thread.

pub mod http;
mod rebuild;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::config::{Config, Overrides};
use crate::diag::{print_diagnostics, Verbosity};
use crate::live::reload_script_path;
use rebuild::{Msg, Rebuilder};

/// What `haven serve` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder.
    pub root: PathBuf,
    /// Port on 127.0.0.1 (0: any free port, printed when serving).
    pub port: u16,
    /// The address to listen on (127.0.0.1 unless `--interface`).
    pub interface: std::net::IpAddr,
    /// Open the site in the default browser once it is served.
    pub open: bool,
    /// Include pages marked `draft = true`.
    pub drafts: bool,
}

/// The build status open pages are told about.
#[derive(Default)]
pub struct State {
    version: u64,
    error: Option<String>,
}

/// The build status and a signal for the live-reload sockets waiting on it.
#[derive(Default)]
pub struct Shared {
    state: Mutex<State>,
    pub changed: Condvar,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    pub fn status_json(s: &State) -> String {
        serde_json::json!({ "version": s.version, "error": s.error }).to_string()
    }
}

pub fn run(options: Options, v: Verbosity) -> u8 {
    let parents = serve_parents();
    for parent in &parents {
        remove_stale_serve_dirs(parent);
    }
    let out_dir = match own_serve_dir(&parents[0]) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: {e}\n  = help: set TMPDIR to a folder you can write to");
            return 2;
        }
    };
    let overrides = Overrides {
        output: Some(out_dir.clone()),
        base_url: Some("/".into()),
        drafts: options.drafts,
        live_reload: Some(reload_script_path()),
        force: false,
        today: None,
    };
    let root = options.root.clone();
    let config = match Config::load(&root, overrides.clone()) {
        Ok(c) => c,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, v);
            let _removed = crate::fsx::remove_dir_all(&out_dir);
            return failed.cause.exit_code();
        }
    };
    // The site goes to our own new folder; `search-index/` of the site
    // follows the same rule as for `haven build`, checked before serving.
    if config.site.search.enabled {
        if let Err(d) = crate::output::claim(&config, crate::output::Kind::SearchIndex) {
            print_diagnostics(&[d], v);
            let _removed = crate::fsx::remove_dir_all(&out_dir);
            return 2;
        }
    }
    // A busy port is found before the first build, not after it.
    let addr = std::net::SocketAddr::new(options.interface, options.port).to_string();
    let lan = !options.interface.is_loopback();
    if lan {
        eprintln!(
            "warning: serving on {} (not only this machine): anyone on your network can read the site \
             and its drafts while it runs",
            options.interface
        );
    }
    let listener = match std::net::TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}\n  = help: choose another port with `--port`");
            let _removed = crate::fsx::remove_dir_all(&out_dir);
            return 2;
        }
    };
    let addr = listener.local_addr().map_or(addr, |a| a.to_string());
    let state = Arc::new(Shared::default());
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    let mut rebuilder = Rebuilder::new(root.clone(), overrides, Arc::clone(&state), v, tx.clone());
    rebuilder.full();
    eprintln!("Serving {} at http://{}/ (Ctrl+C to stop)", config.site.title, browse_address(&addr, options.interface));

    // Watch the inputs and rebuild (debounced).
    let watch_root = config.root.canonicalize().unwrap_or_else(|_| config.root.clone());
    let mut watch = match watch::Watch::new(&watch_root, &config.site.citations.bibliography, tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 2;
        }
    };
    std::thread::spawn(move || {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Changed(mut paths) => {
                    // Collect the burst of events an editor's save produces
                    // (write, rename, metadata: a few milliseconds apart).
                    let until = Instant::now() + Duration::from_millis(20);
                    let mut later = Vec::new();
                    while let Some(left) = until.checked_duration_since(Instant::now()) {
                        match rx.recv_timeout(left) {
                            Ok(Msg::Changed(more)) => paths.extend(more),
                            Ok(indexed) => later.push(indexed),
                            Err(_) => break,
                        }
                    }
                    for m in later {
                        rebuilder.handle(m);
                    }
                    watch.follow_new_folders(&paths);
                    rebuilder.changed(&paths);
                }
                indexed => rebuilder.handle(indexed),
            }
        }
    });
    if options.open {
        open_browser(&format!("http://{}/", browse_address(&addr, options.interface)));
    }
    http::serve(listener, out_dir.clone(), state, lan);
    let _removed = crate::fsx::remove_dir_all(&out_dir);
    0
}

/// The address to give a browser: `localhost` for an unspecified interface.
fn browse_address(addr: &str, interface: std::net::IpAddr) -> String {
    if interface.is_unspecified() {
        addr.rsplit_once(':').map_or(addr.to_string(), |(_, port)| format!("localhost:{port}"))
    } else {
        addr.to_string()
    }
}

/// Open `url` in the default browser (`xdg-open`, `open`, `start`); a
/// failure is a warning, the server goes on.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let spawned = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("warning: cannot open a browser ({e}): open {url} yourself");
    }
}

/// Where the server's output folder goes, best first. Like Hugo, which
/// serves from memory, Haven prefers memory: a RAM-backed folder
/// (`$XDG_RUNTIME_DIR`, else `/dev/shm`) with at least 2 GiB free, where a
/// full rebuild of 1,000 pages took 1.0 s against 3.1 s in `/tmp` on ext4
/// (creating thousands of files on a disk file system dominates). An
/// explicit `TMPDIR` wins. The system's temporary folder is always listed, so
/// leftovers there are cleaned up too.
fn serve_parents() -> Vec<PathBuf> {
    let tmp = std::env::temp_dir();
    let mut out = Vec::new();
    if std::env::var_os("TMPDIR").is_none() {
        let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
        for dir in runtime.into_iter().chain([PathBuf::from("/dev/shm")]) {
            if dir.is_absolute() && dir.is_dir() && free_bytes(&dir).is_some_and(|n| n >= 2 << 30) {
                out.push(dir);
                break;
            }
        }
    }
    out.push(tmp);
    out
}

/// Free bytes on the file system holding `dir`, where the platform says.
fn free_bytes(dir: &Path) -> Option<u64> {
    fs4::available_space(dir).ok()
}

/// Output folders of earlier `haven serve` runs that were stopped with Ctrl+C
/// (their process is gone, and they hold Haven's marker) are removed; a
/// running server's folder, and anything unmarked, is kept.
fn remove_stale_serve_dirs(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // `haven-serve-PID[-K]`, and `.haven-serve-PID[-K].haven-…` (its staging
        // folders and a search index being prepared when the server stopped).
        let Some(rest) = name.trim_start_matches('.').strip_prefix("haven-serve-") else { continue };
        let digits = rest.find(|c: char| !c.is_ascii_digit()).map_or(rest, |end| &rest[..end]);
        let Ok(pid) = digits.parse::<u32>() else { continue };
        if crate::output::is_stale(&e.path(), pid) {
            // Best effort: another user's folder may not be ours to remove.
            let _removed = crate::fsx::remove_dir_all(&e.path());
        }
    }
}

/// A new, marked folder `haven-serve-PID[-K]` in `tmp` for this server's
/// output: never one that was there before.
fn own_serve_dir(tmp: &Path) -> Result<PathBuf, crate::fsx::FsError> {
    let pid = std::process::id();
    let mut k = 0;
    loop {
        let name = if k == 0 { format!("haven-serve-{pid}") } else { format!("haven-serve-{pid}-{k}") };
        match crate::output::create_own_dir(&tmp.join(name), crate::output::Kind::Site) {
            Err(e) if e.source.kind() == std::io::ErrorKind::AlreadyExists && k < 100 => k += 1,
            r => return r.map(|owned| owned.path().to_path_buf()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_marked_serve_folders_of_ended_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = 4_294_967; // above any Linux pid_max: never running
        let marked = tmp.path().join(format!("haven-serve-{dead}"));
        crate::output::create_own_dir(&marked, crate::output::Kind::Site).unwrap();
        std::fs::write(marked.join("index.html"), "x").unwrap();
        let marked_search = tmp.path().join(format!(".haven-serve-{dead}.haven-search-{dead}-0"));
        std::fs::create_dir(&marked_search).unwrap();
        crate::output::mark(&marked_search, crate::output::Kind::Site).unwrap();
        let unmarked = tmp.path().join(format!("haven-serve-{}-1", dead - 1));
        std::fs::create_dir(&unmarked).unwrap();
        std::fs::write(unmarked.join("mine.txt"), "someone's").unwrap();
        let mine = own_serve_dir(tmp.path()).unwrap();
        let again = own_serve_dir(tmp.path()).unwrap();
        assert_ne!(mine, again, "a new folder every time, never one that was there");
        remove_stale_serve_dirs(tmp.path());
        assert!(!marked.exists() && !marked_search.exists());
        assert_eq!(std::fs::read_to_string(unmarked.join("mine.txt")).unwrap(), "someone's");
        assert!(mine.exists() && again.exists(), "this running server's folders are kept");
    }
}
