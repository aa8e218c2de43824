//! The dev server's HTTP side, for one developer's browser on this machine.
//!
//! 1. [`serve`] accepts connections on the loopback listener, at most
//!    [`MAX_CONNECTIONS`] at once (`503` beyond); when accepting fails (no
//!    file descriptors left) it backs off instead of spinning.
//! 2. Each connection sends one request (`Connection: close`), parsed by
//!    `httparse`: the head must arrive within [`HEAD_DEADLINE`] (`408`), be
//!    at most [`MAX_HEAD`] bytes (`431`) with a target of at most
//!    [`MAX_TARGET`] bytes (`414`).
//! 3. Its `Host` must name this machine (`localhost`, `127.0.0.1`, `[::1]`),
//!    so a page of another site cannot reach the server through DNS
//!    rebinding (`403`); a WebSocket upgrade must come from such an origin.
//! 4. Files are served from the output folder only (`..`, encoded or not, is
//!    `403`), typed by `mime_guess`; content-hashed assets are cached as
//!    immutable, everything else `no-store`.
//! 5. `/__haven/live` is the live-reload WebSocket (`tungstenite`): the build
//!    status at once and after every build; a client that leaves is noticed
//!    within [`SOCKET_POLL`].

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tungstenite::protocol::{Role, WebSocket};
use tungstenite::Message;

use super::Shared;
use crate::live::{reload_script_path, OVERLAY_CSS, RELOAD_JS};

/// Connections served at once; more are answered `503` and closed.
pub const MAX_CONNECTIONS: usize = 256;
/// Largest request head (request line and headers), in bytes.
pub const MAX_HEAD: usize = 16 * 1024;
/// Longest request target, in bytes.
pub const MAX_TARGET: usize = 8 * 1024;
/// Time a client has to send its request head.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// How often a live-reload socket looks for a message from its client.
pub const SOCKET_POLL: Duration = Duration::from_millis(200);
/// A ping on an idle live-reload socket, to find clients that vanished.
const PING_EVERY: Duration = Duration::from_secs(20);

/// Answer connections on `listener` from the files of `dir`, forever.
/// `lan`: the server listens beyond loopback (`--interface`), so a `Host`
/// that is an IP address is accepted too (DNS rebinding needs a name).
pub fn serve(listener: TcpListener, dir: PathBuf, state: Arc<Shared>, lan: bool) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // Out of file descriptors, most likely: give the open connections
            // time to finish rather than spin on the error.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            let _busy = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _sent = write_response(&mut stream, Reply::text(503, "Too many connections"), false);
            continue;
        }
        let slot = Slot(Arc::clone(&open));
        let (dir, state) = (dir.clone(), Arc::clone(&state));
        let spawned = std::thread::Builder::new().name("haven-http".into()).spawn(move || {
            let _slot = slot;
            connection(stream, &dir, &state, lan);
        });
        if let Err(e) = spawned {
            // The stream and its slot went with the closure.
            eprintln!("warning: cannot start a thread for a connection: {e}");
        }
    }
}

/// One of the [`MAX_CONNECTIONS`], given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response: status, content type, body.
struct Reply {
    code: u16,
    ctype: &'static str,
    body: Vec<u8>,
    cache: bool,
}

impl Reply {
    fn text(code: u16, text: &str) -> Reply {
        Reply { code, ctype: "text/plain; charset=utf-8", body: text.as_bytes().to_vec(), cache: false }
    }
}

/// A parsed request head: what the routing needs.
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
}

/// Read one request from `stream` and answer it.
fn connection(mut stream: TcpStream, dir: &Path, state: &Shared, lan: bool) {
    let _timeout = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let head = match read_head(&mut stream) {
        Ok(head) => head,
        Err(Some(reply)) => {
            let _sent = write_response(&mut stream, reply, false);
            return;
        }
        Err(None) => return, // the client went away
    };
    if let Some(reply) = refuse(&head, lan) {
        let _sent = write_response(&mut stream, reply, false);
        return;
    }
    let url = head.target.split(['?', '#']).next().unwrap_or("/").to_string();
    if url == "/__haven/live" && head.header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        live_socket(stream, &head, state);
        return;
    }
    let reply = match head.method.as_str() {
        "GET" | "HEAD" => respond(&url, dir, state),
        _ => Reply::text(405, "Method not allowed"),
    };
    let _sent = write_response(&mut stream, reply, head.method == "HEAD");
}

/// The request head, or the reply to send instead (`None`: say nothing,
/// the client closed the connection).
fn read_head(stream: &mut TcpStream) -> Result<Head, Option<Reply>> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let target = req.path.unwrap_or("/").to_string();
                if target.len() > MAX_TARGET {
                    return Err(Some(Reply::text(414, "URI too long")));
                }
                if len > MAX_HEAD {
                    return Err(Some(Reply::text(431, "Request header fields too large")));
                }
                return Ok(Head {
                    method: req.method.unwrap_or("").to_string(),
                    target,
                    headers: req.headers.iter().map(|h| (h.name.to_string(), h.value.to_vec())).collect(),
                });
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(Some(Reply::text(431, "Too many headers"))),
            Err(_) => return Err(Some(Reply::text(400, "Bad request"))),
        }
        if !buf.contains(&b'\n') && buf.len() > MAX_TARGET {
            return Err(Some(Reply::text(414, "URI too long")));
        }
        if buf.len() > MAX_HEAD {
            return Err(Some(Reply::text(431, "Request header fields too large")));
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
            return Err(Some(Reply::text(408, "Request timeout")));
        };
        let _timeout = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => return Err(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(Some(Reply::text(408, "Request timeout")))
            }
            Err(_) => return Err(None),
        }
    }
}

/// `host` (a `Host` header, or an origin's host and port) names this machine.
fn local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")).unwrap_or_default(),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host })
            .to_string(),
    };
    matches!(name.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

/// `host` (with or without a port) is an IP address, not a name.
fn ip_host(host: &str) -> bool {
    if host.parse::<std::net::SocketAddr>().is_ok() || host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::Ipv6Addr>().is_ok()
}

/// A reply for a request from somewhere other than this machine's browser.
fn refuse(head: &Head, lan: bool) -> Option<Reply> {
    let allowed = |host: &str| local_host(host) || (lan && ip_host(host));
    match head.header("host") {
        Some(host) if allowed(host.trim()) => {}
        Some(_) => return Some(Reply::text(403, "Host not allowed: haven serve answers only localhost")),
        None => return Some(Reply::text(400, "A Host header is required")),
    }
    let origin = head.header("origin").map(str::trim);
    match origin.map(|o| o.strip_prefix("http://").unwrap_or(o)) {
        None => None,
        Some(host) if allowed(host) => None,
        Some(_) => Some(Reply::text(403, "Cross-origin requests are not allowed")),
    }
}

fn write_response(stream: &mut TcpStream, reply: Reply, head_only: bool) -> std::io::Result<()> {
    let reason = match reply.code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let cache = if reply.cache { "public, max-age=31536000, immutable" } else { "no-store" };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n\r\n",
        reply.code,
        reply.ctype,
        reply.body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&reply.body)?;
    }
    stream.flush()
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

/// The live-reload socket: the status now, then after every build, a ping
/// when idle; it ends when the client closes it or stops answering.
fn live_socket(mut stream: TcpStream, head: &Head, state: &Shared) {
    let mut request = tungstenite::http::Request::builder().method(head.method.as_str()).uri(head.target.as_str());
    for (name, value) in &head.headers {
        request = request.header(name.as_str(), value.as_slice());
    }
    let response = request
        .body(())
        .map_err(tungstenite::Error::from)
        .and_then(|r| tungstenite::handshake::server::create_response(&r));
    let response = match response {
        Ok(r) => r,
        Err(_) => {
            let _sent = write_response(&mut stream, Reply::text(400, "Bad WebSocket request"), false);
            return;
        }
    };
    if tungstenite::handshake::server::write_response(&mut stream, &response).is_err() || stream.flush().is_err() {
        return;
    }
    let _timeout = stream.set_read_timeout(Some(Duration::from_millis(1)));
    let mut ws = WebSocket::from_raw_socket(stream, Role::Server, None);
    let mut sent = None;
    let mut last_write = Instant::now();
    loop {
        let message = {
            let mut s = state.lock();
            if sent == Some(s.version) {
                s = match state.changed.wait_timeout(s, SOCKET_POLL) {
                    Ok((s, _)) => s,
                    Err(p) => p.into_inner().0,
                };
            }
            if sent != Some(s.version) {
                sent = Some(s.version);
                Some(Message::text(Shared::status_json(&s)))
            } else if last_write.elapsed() >= PING_EVERY {
                Some(Message::Ping(Default::default()))
            } else {
                None
            }
        };
        if let Some(m) = message {
            if ws.send(m).is_err() {
                return;
            }
            last_write = Instant::now();
        }
        // Answer pings, notice a close; nothing to read is the usual case.
        match ws.read() {
            Ok(Message::Close(_)) => {
                let _flushed = ws.flush();
                return;
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// What the server answers while there is no site because the first build
/// failed (`SCRIPT`: the live-reload script's path).
const NOT_BUILT_YET: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Build failed</title></head>\
<body><h1 id=\"haven-not-built\">The site could not be built yet</h1><p>Fix the errors shown below (they are also in the terminal): \
this page reloads when the build succeeds.</p><script src=\"/SCRIPT\"></script></body></html>\n";

/// The reply for a GET of `url` (path only).
fn respond(url: &str, dir: &Path, state: &Shared) -> Reply {
    let ours = |ctype: &'static str, body: &[u8]| Reply { code: 200, ctype, body: body.to_vec(), cache: false };
    match url {
        u if u == format!("/{}", reload_script_path()) => {
            return Reply { cache: true, ..ours("text/javascript; charset=utf-8", RELOAD_JS.as_bytes()) }
        }
        "/__haven/livereload.js" => return ours("text/javascript; charset=utf-8", RELOAD_JS.as_bytes()),
        "/__haven/overlay.css" => return ours("text/css; charset=utf-8", OVERLAY_CSS.as_bytes()),
        "/__haven/status" => return ours("application/json", Shared::status_json(&state.lock()).as_bytes()),
        "/__haven/live" => return Reply::text(400, "WebSocket only"),
        _ => {}
    }
    match resolve_path(dir, url) {
        Some(path) => match std::fs::read(&path) {
            Ok(body) => Reply { code: 200, ctype: content_type(&path), body, cache: is_hashed(url) },
            Err(_) => match std::fs::read(dir.join("404.html")) {
                Ok(body) => Reply { code: 404, ctype: "text/html; charset=utf-8", body, cache: false },
                // No site yet: the first build failed. The page shows its
                // errors (the live-reload script draws them) and reloads
                // when a build succeeds.
                Err(_) if state.lock().error.is_some() => Reply {
                    code: 500,
                    ctype: "text/html; charset=utf-8",
                    body: NOT_BUILT_YET.replace("SCRIPT", &reload_script_path()).into_bytes(),
                    cache: false,
                },
                Err(_) => Reply::text(404, "Not found"),
            },
        },
        None => Reply::text(403, "Forbidden"),
    }
}

/// Map a URL path to a file under `dir`; `None` for anything that tries to
/// leave it (`..`, encoded or not, a backslash or a NUL).
pub fn resolve_path(dir: &Path, url: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url).decode_utf8().ok()?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
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

/// The `Content-Type` of a file, by its extension; text is UTF-8.
fn content_type(path: &Path) -> &'static str {
    let mime = mime_guess::from_path(path).first_raw().unwrap_or("application/octet-stream");
    match mime {
        "text/html" => "text/html; charset=utf-8",
        "text/css" => "text/css; charset=utf-8",
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "text/plain" => "text/plain; charset=utf-8",
        "text/xml" => "application/xml",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_a_network_ip_hosts_are_allowed_but_names_are_not() {
        for ip in ["192.168.1.20:1111", "10.0.0.5", "[fe80::1]:1111", "[::1]"] {
            assert!(ip_host(ip), "{ip}");
        }
        for name in ["evil.example", "evil.example:1111", "192.168.1.20.evil.example", "localhost.evil.example"] {
            assert!(!ip_host(name) && !local_host(name), "{name}");
        }
    }

    #[test]
    fn only_this_machine_is_a_host() {
        for ok in ["localhost", "localhost:1111", "127.0.0.1:8080", "[::1]:1111", "[::1]", "LOCALHOST"] {
            assert!(local_host(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:1111", "localhost.evil.example", "127.0.0.2", "[::2]:1", ""] {
            assert!(!local_host(bad), "{bad}");
        }
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
        assert_eq!(resolve_path(d, "/caf%C3%A9/x.css").unwrap(), Path::new("/srv/site/café/x.css"));
        for bad in
            ["/../etc/passwd", "/%2e%2e/etc/passwd", "/a/%2E%2E/%2E%2E/x", "/a/..%2f..%2fx", "/a%5c..%5cx", "/a%00"]
        {
            assert!(resolve_path(d, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn files_are_typed_by_extension() {
        assert_eq!(content_type(Path::new("a/index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("haven.1a2b3c4d.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("sitemap.xml")), "application/xml");
        assert_eq!(content_type(Path::new("favicon.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("search/x.bin")), "application/octet-stream");
    }
}
