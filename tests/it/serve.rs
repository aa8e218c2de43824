//! `haven serve`: serves on 127.0.0.1, rebuilds on change, reports build
//! errors without stopping, and never serves files outside its output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{article, SiteTest};

struct Server {
    child: Child,
    port: u16,
    /// Everything the server printed after "Serving …".
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _killed = self.child.kill();
        let _waited = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(t: &SiteTest) -> Server {
    start_with(t, &[], &[]).0
}

/// [`start`] with more arguments and environment; also returns what the
/// server printed before "Serving …".
fn start_with(t: &SiteTest, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> (Server, Vec<String>) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(t.root())
        .args(args)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut before = Vec::new();
    loop {
        let line = lines.next().expect("serve exited").unwrap();
        if line.starts_with("Serving") {
            let shown = if args.contains(&"0.0.0.0") { "localhost" } else { "127.0.0.1" };
            assert!(line.contains(&format!("http://{shown}:{port}/")), "{line}");
            break;
        }
        before.push(line);
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (Server { child, port, log }, before)
}

fn get(port: u16, path: &str) -> (u16, String) {
    get_as(port, path, "localhost")
}

fn get_as(port: u16, path: &str, host: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (code, body)
}

fn wait_for(port: u16, what: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = get(port, "/__haven/status");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if pred(&v) {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}; last status {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_rebuilds_on_edit_shows_errors_and_keeps_serving() {
    let t = SiteTest::new()
        .file("content/a.md", &article("Alpha", "", "First version [@bordin1979]. [[b]]"))
        .file("content/b.md", &article("Beta", "", "See [[a]]."));
    let server = start(&t);
    let port = server.port;
    let (code, html) = get(port, "/a/");
    assert_eq!(code, 200);
    assert!(html.contains("First version"));
    let script = html.split("src=\"").find_map(|s| s.split('"').next().filter(|s| s.contains("/__haven/livereload.")));
    let script = script.expect("live-reload script injected").to_string();
    let (_, js) = get(port, &script);
    assert!(js.contains("location.reload()"));
    let v0 = wait_for(port, "first build", |v| v["version"].as_u64() >= Some(1))["version"].as_u64().unwrap();
    // Nothing changed, so nothing is rebuilt (reading sources must not trigger the watcher).
    std::thread::sleep(Duration::from_millis(1500));
    let idle: serde_json::Value = serde_json::from_str(&get(port, "/__haven/status").1).unwrap();
    assert_eq!(idle["version"].as_u64(), Some(v0), "rebuilt without any change");

    // An edit is rebuilt and served.
    let t = t.file("content/a.md", &article("Alpha", "", "Second version [@bordin1979]. [[b]]"));
    wait_for(port, "rebuild", |v| v["version"].as_u64() > Some(v0) && v["error"].is_null());
    assert!(get(port, "/a/").1.contains("Second version"));

    // A broken edit: the error is reported, the last good page is still served.
    let t = t.file("content/a.md", "+++\ntitle = \"Alpha\"\ntitel = \"x\"\n+++\n");
    let v = wait_for(port, "error", |v| v["error"].is_string());
    assert!(v["error"].as_str().unwrap().contains("content/a.md:3:1"), "{v}");
    assert!(get(port, "/a/").1.contains("Second version"));

    // Deleting a file and fixing the error: the server recovers.
    let t = t.remove("content/b.md").file("content/a.md", &article("Alpha", "", "Third version."));
    wait_for(port, "recovery", |v| v["error"].is_null() && v["version"].as_u64() > Some(v0 + 1));
    assert!(get(port, "/a/").1.contains("Third version"));
    assert_eq!(get(port, "/b/").0, 404);

    // Renaming a folder while serving: the pages move with it.
    let t = t.file("content/topics/c.md", &article("Gamma", "", "In a folder."));
    let v = wait_for(port, "folder page", |v| v["error"].is_null() && get(port, "/topics/c/").0 == 200)["version"]
        .as_u64()
        .unwrap();
    std::fs::rename(t.root().join("content/topics"), t.root().join("content/themes")).unwrap();
    wait_for(port, "renamed folder", |v2| {
        v2["version"].as_u64() > Some(v) && v2["error"].is_null() && get(port, "/themes/c/").0 == 200
    });
    assert_eq!(get(port, "/topics/c/").0, 404);
    drop(t);
}

/// Wait until the server printed a line containing `text`; returns it.
fn wait_log(server: &Server, text: &str) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(l) = server.log.lock().unwrap().iter().find(|l| l.contains(text)) {
            return l.clone();
        }
        assert!(Instant::now() < until, "timed out waiting for `{text}`; log: {:?}", server.log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_applies_prose_edits_in_place_then_updates_search() {
    let t = SiteTest::new()
        .file("content/a.md", &article("Alpha", "", "Cited [@bordin1979]. [[b]]\n\nPlain prose here."))
        .file("content/b.md", &article("Beta", "", "See [[a]]."));
    let server = start(&t);
    let port = server.port;
    let v0 = wait_for(port, "first build", |v| v["version"].as_u64() >= Some(1))["version"].as_u64().unwrap();
    let t = t.file("content/a.md", &article("Alpha", "", "Cited [@bordin1979]. [[b]]\n\nPlain zephyrine prose."));
    wait_for(port, "update", |v| v["version"].as_u64() > Some(v0) && v["error"].is_null());
    assert!(get(port, "/a/").1.contains("zephyrine"));
    // Only the page was written again, in place; no full rebuild.
    let line = wait_log(&server, "Updated 1 file in ");
    assert!(line.ends_with(" ms"), "{line}");
    assert!(!server.log.lock().unwrap().iter().any(|l| l.starts_with("Rebuilt")), "a full rebuild ran");
    // The search index follows in the background, for the browser and the terminal.
    wait_log(&server, "Updated the search index");
    let out = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["search", "zephyrine", "--json", "--root"])
        .arg(t.root())
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && json.contains("/a/"), "{json}");
    let (_, manifest) = get(port, "/search/manifest.js");
    // Open pages learn of the next build over the live-reload socket.
    let mut ws = TcpStream::connect(("127.0.0.1", port)).unwrap();
    ws.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        ws,
        "GET /__haven/live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        ws.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101") && head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
    let status = |ws: &mut TcpStream| -> serde_json::Value {
        let mut h = [0u8; 2];
        ws.read_exact(&mut h).unwrap();
        assert_eq!(h[0], 0x81, "a text frame");
        let mut body = vec![0u8; usize::from(h[1])];
        ws.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    let now = status(&mut ws)["version"].as_u64().unwrap();
    assert!(manifest.contains("manifest"), "{manifest}");
    // A title edit changes other pages: a full rebuild.
    let _t = t.file("content/a.md", &article("Alpha two", "", "Cited [@bordin1979]. [[b]]\n\nPlain zephyrine prose."));
    wait_log(&server, "Rebuilt");
    assert!(get(port, "/b/").1.contains("Alpha two"));
    assert!(status(&mut ws)["version"].as_u64().unwrap() > now, "pushed after the build");
}

#[test]
fn serve_refuses_paths_outside_the_output() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "Hello."));
    let server = start(&t);
    for path in
        ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/a/..%2f..%2f..%2fetc%2fpasswd", "/%2E%2E/haven.toml"]
    {
        let (code, body) = get(server.port, path);
        assert!(code == 403 || code == 404, "{path}: {code}");
        assert!(!body.contains("root:") && !body.contains("[notice]"), "{path} leaked a file");
    }
    assert_eq!(get(server.port, "/nope/").0, 404);
}

/// Send `raw` as the whole request and read the answer's status code.
fn raw_status(port: u16, raw: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    // The server may answer (and close) before it has read everything.
    let _partial = s.write_all(raw);
    let mut buf = Vec::new();
    let _read = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn serve_answers_only_this_machine_and_limits_requests() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "Hello."));
    let server = start(&t);
    let port = server.port;
    let req = |host: &str| format!("GET /a/ HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes();
    for ok in ["localhost", &format!("localhost:{port}"), &format!("127.0.0.1:{port}"), &format!("[::1]:{port}")] {
        assert_eq!(raw_status(port, &req(ok)), 200, "{ok}");
    }
    // DNS rebinding: a name that resolves here, but is not this machine's.
    for bad in ["evil.example", &format!("evil.example:{port}"), "localhost.evil.example"] {
        assert_eq!(raw_status(port, &req(bad)), 403, "{bad}");
    }
    assert_eq!(raw_status(port, b"GET /a/ HTTP/1.1\r\n\r\n"), 400, "no Host");
    let status = format!("GET /__haven/status HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n");
    assert_eq!(raw_status(port, status.as_bytes()), 403, "the build status is not for other sites");
    // A cross-origin WebSocket upgrade is refused; a same-origin one is served.
    let upgrade = |origin: &str| {
        format!(
            "GET /__haven/live HTTP/1.1\r\nHost: localhost:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        )
    };
    assert_eq!(raw_status(port, upgrade("http://evil.example").as_bytes()), 403);
    let mut ws = TcpStream::connect(("127.0.0.1", port)).unwrap();
    ws.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    ws.write_all(upgrade(&format!("http://localhost:{port}")).as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("\"version\"") {
        let n = ws.read(&mut chunk).unwrap();
        assert!(n > 0, "the socket closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    assert!(text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "RFC 6455's accept key: {text}");
    // Limits on the request itself.
    let long = format!("GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n", "a".repeat(100_000));
    assert_eq!(raw_status(port, long.as_bytes()), 414);
    let big = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n", "b".repeat(20_000));
    assert_eq!(raw_status(port, big.as_bytes()), 431);
    let started = Instant::now();
    assert_eq!(raw_status(port, b"GET / HTTP/1.1\r\nHost: local"), 408, "an incomplete request is not GET /");
    assert!(started.elapsed() < Duration::from_secs(12), "answered after {:?}", started.elapsed());
}

#[test]
fn serve_limits_open_connections_and_recovers() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "Hello."));
    let server = start(&t);
    let port = server.port;
    // Idle connections that never send a request hold every slot...
    let idle: Vec<TcpStream> = (0..256).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(raw_status(port, b"GET /a/ HTTP/1.1\r\nHost: localhost\r\n\r\n"), 503, "beyond the limit");
    // ...until they time out (408) or leave; then requests are served again.
    drop(idle);
    let until = Instant::now() + Duration::from_secs(15);
    while raw_status(port, b"GET /a/ HTTP/1.1\r\nHost: localhost\r\n\r\n") != 200 {
        assert!(Instant::now() < until, "the server did not recover its connection slots");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn issue_23_serve_watches_inputs_created_after_start_and_the_bibliography() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "A claim [@bordin1979]."));
    let server = start(&t);
    let port = server.port;
    let v0 = wait_for(port, "first build", |v| v["version"].as_u64() >= Some(1))["version"].as_u64().unwrap();

    // `templates/` did not exist when the server started.
    let t = t.file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<p>From a new template folder</p>{% endblock content %}\n",
    );
    wait_for(port, "templates/ created", |v| {
        v["version"].as_u64() > Some(v0) && get(port, "/a/").1.contains("From a new template folder")
    });
    // …and it is watched from then on: an edit inside it is seen.
    std::thread::sleep(Duration::from_millis(200));
    let t = t.file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<p>Edited in place</p>{% endblock content %}\n",
    );
    wait_for(port, "templates/page.html edited", |_| get(port, "/a/").1.contains("Edited in place"));
    // Nor did `static/`.
    let t = t.file("static/hello.txt", "hello");
    wait_for(port, "static/ created", |_| get(port, "/hello.txt") == (200, "hello".to_string()));
    // The bibliography sits at the site's root, outside the input folders.
    let refs = crate::common::REFS.replace("The generalizability", "The renamed generalizability");
    let t = t.file("refs.json", &refs);
    wait_for(port, "bibliography edit", |_| get(port, "/sources/").1.contains("The renamed generalizability"));
    // The search index the server writes into the site folder is no input:
    // after the last rebuild, nothing more happens.
    // (A late event of the last edit, on a loaded machine, may bring one more
    // rebuild; a loop would go on.)
    let settled = wait_for(port, "idle", |v| v["error"].is_null())["version"].as_u64().unwrap_or(0);
    let version = || -> u64 {
        std::thread::sleep(Duration::from_millis(1500));
        let v: serde_json::Value = serde_json::from_str(&get(port, "/__haven/status").1).unwrap();
        v["version"].as_u64().unwrap_or(0)
    };
    let (first, second) = (version(), version());
    assert!(first <= settled + 1 && second == first, "rebuilt without any change: {settled} → {first} → {second}");
    drop(t);
}

#[test]
fn issue_20_a_first_build_that_fails_shows_its_errors_in_the_browser() {
    let t = SiteTest::new().file("content/a.md", "+++\ntitel = \"Alpha\"\n+++\nText.\n");
    let server = start(&t);
    let port = server.port;
    wait_for(port, "first build", |v| v["error"].is_string());
    let (code, html) = get(port, "/a/");
    assert_eq!(code, 500, "{html}");
    assert!(html.contains("The site could not be built yet"), "{html}");
    // The live-reload script draws the errors and reloads once a build succeeds.
    let script = html.split("src=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
    assert_eq!(get(port, script).0, 200, "{script}");
    let t = t.file("content/a.md", &article("Alpha", "", "Text."));
    wait_for(port, "fixed", |v| v["error"].is_null());
    assert_eq!(get(port, "/a/").0, 200);
    assert_eq!(get(port, "/nope/").0, 404);
    drop(t);
}

#[test]
fn issue_20_interface_serves_the_network_with_a_warning_and_open_starts_a_browser() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "Text."));
    // A stand-in for the desktop's browser opener, first on PATH.
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened.txt");
    let opener = bin.path().join("xdg-open");
    // It writes beside the file and renames, so the test never reads a file the shell
    // has created but not yet written.
    std::fs::write(&opener, format!("#!/bin/sh\necho \"$1\" > '{0}.part' && mv '{0}.part' '{0}'\n", opened.display()))
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let (server, before) = start_with(&t, &["--interface", "0.0.0.0", "--open"], &[("PATH", path.as_os_str())]);
    let port = server.port;
    assert!(
        before.iter().any(|l| l.contains("warning: serving on 0.0.0.0") && l.contains("anyone on your network")),
        "{before:?}"
    );
    wait_for(port, "first build", |v| v["version"].as_u64() >= Some(1));
    // A phone on the network asks by IP address; a DNS-rebinding page by name.
    assert_eq!(get_as(port, "/a/", &format!("192.168.1.20:{port}")).0, 200);
    assert_eq!(get_as(port, "/a/", "evil.example").0, 403);
    let until = Instant::now() + Duration::from_secs(10);
    while !opened.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(std::fs::read_to_string(&opened).unwrap().trim(), format!("http://localhost:{port}/"));
    // Without --interface, an IP address that is not this machine's is refused.
    let plain = start(&t);
    assert_eq!(get_as(plain.port, "/a/", &format!("192.168.1.20:{}", plain.port)).0, 403);
}

#[test]
fn issue_20_a_busy_port_is_found_before_building_and_port_0_prints_the_port() {
    let t = SiteTest::new().file("content/a.md", &article("Alpha", "", "Text."));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = t.run(&["serve", "--port", &port]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("help: choose another port with `--port`"), "{err}");
    assert!(!err.contains("Rebuilt"), "it built before finding the port busy: {err}");
    // --port 0: any free port, and the address printed is the real one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["serve", "--port", "0", "--root"])
        .arg(t.root())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("Serving"))
        .expect("serve printed its address");
    let _killed = child.kill();
    let _waited = child.wait();
    let chosen: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    assert_ne!(chosen, 0, "{line}");
}
