//! `haven serve`: build into a private folder, serve it on 127.0.0.1, watch
//! the sources, rebuild on change and live-reload open pages. A failed
//! rebuild keeps the last good site, prints the errors, and shows them as an
//! overlay in the page; the server keeps running.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use std::sync::mpsc::Sender;

use crate::cli::ServeArgs;
use crate::cmd::{print_diagnostics, Verbosity};
use crate::config::{Config, Overrides};
use crate::diag::Diagnostic;
use crate::index::docs::SearchPage;
use crate::live::{prepare_index, reload_script_path, Change, Live, PreparedIndex, OVERLAY_CSS, RELOAD_JS};

#[derive(Default)]
struct State {
    version: u64,
    error: Option<String>,
}

/// The build status and a signal for the live-reload sockets waiting on it.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    fn status_json(s: &State) -> String {
        serde_json::json!({ "version": s.version, "error": s.error }).to_string()
    }
}

pub fn run(args: ServeArgs, v: Verbosity) -> u8 {
    remove_stale_serve_dirs(&std::env::temp_dir());
    let out_dir = match own_serve_dir(&std::env::temp_dir()) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: {e}\n  = help: set TMPDIR to a folder you can write to");
            return 2;
        }
    };
    let overrides = Overrides {
        output: Some(out_dir.clone()),
        base_url: Some("/".into()),
        drafts: args.drafts,
        live_reload: true,
        force: false,
    };
    let root = args.site.root.clone();
    let config = match Config::load(&root, overrides.clone()) {
        Ok(c) => c,
        Err(d) => {
            print_diagnostics(&[d], v);
            return 2;
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
    let state = Arc::new(Shared::default());
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    let mut rebuilder = Rebuilder::new(root.clone(), overrides, Arc::clone(&state), v, tx.clone());
    rebuilder.full();
    let addr = format!("127.0.0.1:{}", args.port);
    let listener = match std::net::TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return 2;
        }
    };
    eprintln!("Serving {} at http://{addr}/ (Ctrl+C to stop)", config.site.title);

    // Watch sources and rebuild (debounced).
    let mut watcher = match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // Only changes count: the build itself opens and reads every source,
        // and reacting to those access events would rebuild forever.
        match res {
            Ok(e) if is_change(&e.kind) => {
                let _closed = tx.send(Msg::Changed(e.paths));
            }
            _ => {}
        }
    }) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 2;
        }
    };
    use notify::Watcher;
    for p in ["content", "themes", "templates", "static", "haven.toml"] {
        let path = root.join(p);
        if path.exists() {
            if let Err(e) = watcher.watch(&path, notify::RecursiveMode::Recursive) {
                eprintln!("warning: cannot watch {}: {e}", path.display());
            }
        }
    }
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
                    rebuilder.changed(&paths);
                }
                indexed => rebuilder.handle(indexed),
            }
        }
    });
    // One short-lived thread per connection, one request per connection
    // (`Connection: close`): simple, and nothing can starve the live-reload poll.
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(&state);
        let dir = out_dir.clone();
        std::thread::spawn(move || handle(stream, &dir, &state));
    }
    let _removed = crate::fsx::remove_dir_all(&out_dir);
    0
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

fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        _ => false,
    }
}

/// What the rebuild thread waits for.
enum Msg {
    /// Files changed (as the watcher reports them).
    Changed(Vec<PathBuf>),
    /// A background search index build finished, for site generation `u64`.
    Indexed(u64, Box<Result<PreparedIndex, Diagnostic>>, Instant),
}

/// Owns the output folder: full builds, incremental updates and search index
/// updates all happen on its thread, one at a time.
struct Rebuilder {
    root: PathBuf,
    overrides: Overrides,
    state: Arc<Shared>,
    v: Verbosity,
    /// The last good full build's site, while incremental updates apply.
    live: Option<Live>,
    /// Bumped by every change to the site; an index built for an older one is dropped.
    generation: u64,
    jobs: std::sync::mpsc::Sender<(u64, Config, Vec<SearchPage>)>,
}

impl Rebuilder {
    fn new(root: PathBuf, overrides: Overrides, state: Arc<Shared>, v: Verbosity, done: Sender<Msg>) -> Rebuilder {
        let (jobs, queue) = std::sync::mpsc::channel::<(u64, Config, Vec<SearchPage>)>();
        // One background worker builds the search index after incremental
        // updates, always for the newest site (older requests are skipped),
        // on half the cores: the next edit's update keeps the rest.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = rayon::ThreadPoolBuilder::new().num_threads((cores / 2).max(1)).build().ok();
        std::thread::spawn(move || {
            while let Ok(mut job) = queue.recv() {
                while let Ok(newer) = queue.try_recv() {
                    job = newer;
                }
                let (generation, config, docs) = job;
                let started = Instant::now();
                let result = match &pool {
                    Some(pool) => pool.install(|| prepare_index(&config, &docs)),
                    None => prepare_index(&config, &docs),
                };
                if done.send(Msg::Indexed(generation, Box::new(result), started)).is_err() {
                    break;
                }
            }
        });
        Rebuilder { root, overrides, state, v, live: None, generation: 0, jobs }
    }

    fn bump(&self, error: Option<String>) {
        let mut s = self.state.lock();
        s.version += 1;
        s.error = error;
        self.state.changed.notify_all();
    }

    /// A full build; on success its site is kept for incremental updates.
    fn full(&mut self) {
        let started = Instant::now();
        self.generation += 1;
        self.live = None;
        let result = Config::load(&self.root, self.overrides.clone())
            .map_err(|d| vec![d])
            .and_then(|c| crate::build_site(&c).map_err(|f| f.diagnostics));
        match result {
            Ok((built, site)) => {
                self.live = Live::new(site).ok();
                self.bump(None);
                if self.v != Verbosity::Quiet {
                    eprintln!("Rebuilt {} pages in {:.0} ms", built.pages, started.elapsed().as_secs_f64() * 1000.0);
                }
            }
            Err(diags) => {
                print_diagnostics(&diags, self.v);
                let text: String = diags.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n");
                self.bump(Some(text));
            }
        }
    }

    /// Apply an edit in place when [`Live`] can, else build everything.
    fn changed(&mut self, paths: &[PathBuf]) {
        let started = Instant::now();
        let change = match &mut self.live {
            Some(live) => live.update(paths),
            None => Change::Full("the last build failed".into()),
        };
        match change {
            Change::None => {}
            Change::Pages { written } => {
                self.generation += 1;
                self.bump(None);
                if self.v != Verbosity::Quiet {
                    eprintln!(
                        "Updated {} {} in {:.0} ms",
                        written.len(),
                        if written.len() == 1 { "file" } else { "files" },
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                }
                if let Some(live) = self.live.as_ref().filter(|l| l.site().config.site.search.enabled) {
                    let _stopped = self.jobs.send((self.generation, live.site().config.clone(), live.search_docs()));
                }
            }
            Change::Full(reason) => {
                if self.v == Verbosity::Verbose {
                    eprintln!("Full rebuild: {reason}");
                }
                self.full();
            }
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Changed(paths) => self.changed(&paths),
            Msg::Indexed(generation, result, started) => {
                if generation != self.generation {
                    return; // the site changed again meanwhile; a newer index is coming
                }
                if self.live.is_none() {
                    return;
                }
                match (*result).and_then(PreparedIndex::publish) {
                    Ok(()) if self.v != Verbosity::Quiet => {
                        eprintln!("Updated the search index in {:.1} s", started.elapsed().as_secs_f64());
                    }
                    Ok(()) => {}
                    Err(d) => print_diagnostics(&[d], self.v),
                }
            }
        }
    }
}

/// Read one request head from `stream` and answer it.
fn handle(mut stream: std::net::TcpStream, dir: &Path, state: &Shared) {
    use std::io::{Read, Write};
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method == "GET" && target.split('?').next() == Some("/__haven/live") {
        if let Some(key) = header(&head, "sec-websocket-key") {
            live_socket(stream, key, state);
            return;
        }
    }
    let (code, ctype, body) = if method != "GET" && method != "HEAD" {
        (405, "text/plain; charset=utf-8", b"Method not allowed".to_vec())
    } else {
        respond(target, dir, state)
    };
    // Content-hashed files never change under their name: a reload after an
    // edit fetches only the page, not its styles and scripts again.
    let url = target.split(['?', '#']).next().unwrap_or("/");
    let cache = if code == 200 && is_hashed(url) { "public, max-age=31536000, immutable" } else { "no-store" };
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let header = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The client may have gone away; nothing to do about it.
    let _sent =
        stream
            .write_all(header.as_bytes())
            .and_then(|()| if method == "HEAD" { Ok(()) } else { stream.write_all(&body) });
}

/// `/haven.1a2b3c4d.css`, `/__haven/livereload.1a2b3c4d.js`: a name with a
/// content hash ([`crate::render::hashed_name`]).
fn is_hashed(url: &str) -> bool {
    let name = url.rsplit('/').next().unwrap_or("");
    let mut parts = name.rsplit('.');
    let (ext, hash) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    parts.next().is_some_and(|stem| !stem.is_empty())
        && matches!(ext, "css" | "js")
        && hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The value of request header `name` (lower case) in `head`.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `Sec-WebSocket-Accept` for a client's key (RFC 6455, section 4.2.2).
fn accept_key(key: &str) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    crate::index::codec::base64(&sha.digest().bytes())
}

/// One unmasked WebSocket frame from the server (`opcode` 1: text, 9: ping).
fn ws_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => f.push(n as u8),
        n if n <= 0xffff => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}

/// The live-reload socket: the status now, then after every build; a ping
/// every 20 s finds clients that went away (their thread then ends).
fn live_socket(mut stream: std::net::TcpStream, key: &str, state: &Shared) {
    use std::io::Write;
    let handshake = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key)
    );
    if stream.write_all(handshake.as_bytes()).is_err() {
        return;
    }
    let mut s = state.lock();
    let mut sent = None;
    loop {
        let frame = if sent != Some(s.version) {
            sent = Some(s.version);
            ws_frame(1, Shared::status_json(&s).as_bytes())
        } else {
            ws_frame(9, b"")
        };
        drop(s);
        if stream.write_all(&frame).is_err() {
            return;
        }
        s = state.lock();
        if sent == Some(s.version) {
            s = match state.changed.wait_timeout(s, Duration::from_secs(20)) {
                Ok((s, _)) => s,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// Status, content type and body for a request target.
fn respond(target: &str, dir: &Path, state: &Shared) -> (u16, &'static str, Vec<u8>) {
    let url = target.split(['?', '#']).next().unwrap_or("/");
    match url {
        u if u == format!("/{}", reload_script_path()) || u == "/__haven/livereload.js" => {
            return (200, "text/javascript; charset=utf-8", RELOAD_JS.as_bytes().to_vec())
        }
        "/__haven/overlay.css" => return (200, "text/css; charset=utf-8", OVERLAY_CSS.as_bytes().to_vec()),
        "/__haven/status" => return (200, "application/json", Shared::status_json(&state.lock()).into_bytes()),
        "/__haven/live" => return (400, "text/plain; charset=utf-8", b"WebSocket only".to_vec()),
        _ => {}
    }
    match resolve_path(dir, url) {
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => (200, content_type(&path), bytes),
            Err(_) => (
                404,
                "text/html; charset=utf-8",
                std::fs::read(dir.join("404.html")).unwrap_or_else(|_| b"Not found".to_vec()),
            ),
        },
        None => (403, "text/plain; charset=utf-8", b"Forbidden".to_vec()),
    }
}

/// Map a URL path to a file under `dir`; `None` for anything that tries to
/// leave it (`..`, encoded or not).
pub fn resolve_path(dir: &Path, url: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url)?;
    let rel = decoded.trim_start_matches('/');
    let mut path = dir.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(seg) => path.push(seg),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if decoded.ends_with('/') || path.is_dir() {
        path.push("index.html");
    }
    Some(path)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\\') && !s.contains('\0')).then_some(s)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_handshake_and_frames_follow_rfc_6455() {
        // The example of RFC 6455, section 1.3.
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(ws_frame(1, b"hi"), [0x81, 2, b'h', b'i']);
        assert_eq!(ws_frame(9, b""), [0x89, 0]);
        let long = ws_frame(1, &[b'x'; 300]);
        assert_eq!(&long[..4], &[0x81, 126, 1, 44]);
        assert_eq!(long.len(), 304);
        let huge = ws_frame(1, &vec![b'x'; 70_000]);
        assert_eq!(&huge[..10], &[0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        let head = "GET /__haven/live HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key:  abc== \r\n\r\n";
        assert_eq!(header(head, "sec-websocket-key"), Some("abc=="));
        assert_eq!(header(head, "upgrade"), None);
    }

    #[test]
    fn only_content_hashed_assets_are_cached() {
        assert!(is_hashed("/haven.dfc74e7f.css"));
        assert!(is_hashed("/kb/search.2a342f66.js"));
        assert!(is_hashed(&format!("/{}", reload_script_path())));
        for url in [
            "/",
            "/a/index.html",
            "/favicon.svg",
            "/search/manifest.js",
            "/x.1234567.js",
            "/.dfc74e7f.css",
            "/a.dfc74e7g.js",
        ] {
            assert!(!is_hashed(url), "{url}");
        }
    }

    #[test]
    fn paths_cannot_escape_the_output() {
        let d = Path::new("/srv/site");
        assert_eq!(resolve_path(d, "/a/b/").unwrap(), Path::new("/srv/site/a/b/index.html"));
        assert!(resolve_path(d, "/../etc/passwd").is_none());
        assert!(resolve_path(d, "/%2e%2e/etc/passwd").is_none());
        assert!(resolve_path(d, "/a/%2E%2E/%2E%2E/x").is_none());
        assert!(resolve_path(d, "/a/..%2f..%2fx").is_none());
    }

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
