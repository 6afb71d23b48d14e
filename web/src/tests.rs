use super::*;
use std::io::Read;
use std::net::TcpStream;

use crate::headers::{IMMUTABLE, Rules};

/// Status, headers (names in lower case) and body of the one response to `raw` (sent with
/// `Connection: close`, so the body runs to the end of the stream).
fn exchange(addr: SocketAddr, raw: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    parse(&out)
}

fn parse(out: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(out)));
    let head = String::from_utf8_lossy(&out[..end]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    (status, headers, out[end + 4..].to_vec())
}

fn get(addr: SocketAddr, path: &str, extra: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"),
    )
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A small site: a page, a directory page, a hashed chunk, a module, a script with its
/// gzip variant and a 404 page.
fn site() -> (tempfile::TempDir, Running) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("docs/query-language")).unwrap();
    std::fs::create_dir_all(root.join("data/r1/chunks")).unwrap();
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("index.html"), "<p>home</p>").unwrap();
    std::fs::write(root.join("docs/query-language/index.html"), "<p>ql</p>").unwrap();
    std::fs::write(
        root.join("data/r1/chunks/0a1b2c3d4e5f6a7b.bin"),
        b"0123456789",
    )
    .unwrap();
    std::fs::write(root.join("static/m.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.join("static/t.vot"), "<VOTABLE/>").unwrap();
    std::fs::write(root.join("static/a.js"), "let a = 1;").unwrap();
    std::fs::write(root.join("static/a.js.gz"), b"GZIPPED").unwrap();
    std::fs::write(root.join("404.html"), "<p>gone</p>").unwrap();
    let rules = Rules::parse(
        "/*\n  X-Content-Type-Options: nosniff\n/data/*/chunks/*\n  Cache-Control: public, max-age=31536000, immutable\n",
    )
    .unwrap();
    let running = bind("127.0.0.1:0")
        .unwrap()
        .spawn(site::router(root, rules), Limits::default())
        .unwrap();
    (dir, running)
}

#[test]
fn pages_have_types_validators_and_the_rules_headers() {
    let (_dir, srv) = site();
    let (status, h, body) = get(srv.addr(), "/docs/query-language/", "");
    assert_eq!(status, 200);
    assert_eq!(body, b"<p>ql</p>");
    assert_eq!(header(&h, "content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(header(&h, "cache-control"), Some("no-cache"));
    assert_eq!(header(&h, "x-content-type-options"), Some("nosniff"));
    assert!(
        header(&h, "etag").is_some_and(|e| e.starts_with('"')),
        "{h:?}"
    );
    assert!(header(&h, "last-modified").is_some());
    // The response head is written in the usual capitalisation.
    let mut s = TcpStream::connect(srv.addr()).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.contains("\r\nContent-Type: text/html"), "{raw}");

    let (_, h, _) = get(srv.addr(), "/data/r1/chunks/0a1b2c3d4e5f6a7b.bin", "");
    assert_eq!(header(&h, "cache-control"), Some(IMMUTABLE));
    assert_eq!(header(&h, "content-type"), Some("application/octet-stream"));
    let (_, h, _) = get(srv.addr(), "/static/m.wasm", "");
    assert_eq!(header(&h, "content-type"), Some("application/wasm"));
    let (_, h, _) = get(srv.addr(), "/static/t.vot", "");
    assert_eq!(
        header(&h, "content-type"),
        Some("application/x-votable+xml")
    );
}

#[test]
fn conditional_requests_get_304() {
    let (_dir, srv) = site();
    let (_, h, _) = get(srv.addr(), "/", "");
    let etag = header(&h, "etag").unwrap().to_string();
    let modified = header(&h, "last-modified").unwrap().to_string();
    let (status, h, body) = get(srv.addr(), "/", &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&h, "etag"), Some(etag.as_str()));
    let (status, _, _) = get(srv.addr(), "/", "If-None-Match: \"other\"\r\n");
    assert_eq!(status, 200);
    let (status, _, _) = get(
        srv.addr(),
        "/",
        &format!("If-Modified-Since: {modified}\r\n"),
    );
    assert_eq!(status, 304);
}

#[test]
fn ranges_get_206_or_416() {
    let (_dir, srv) = site();
    let chunk = "/data/r1/chunks/0a1b2c3d4e5f6a7b.bin";
    let (status, h, body) = get(srv.addr(), chunk, "Range: bytes=2-5\r\n");
    assert_eq!(status, 206);
    assert_eq!(body, b"2345");
    assert_eq!(header(&h, "content-range"), Some("bytes 2-5/10"));
    assert_eq!(header(&h, "cache-control"), Some(IMMUTABLE));
    let (status, _, body) = get(srv.addr(), chunk, "Range: bytes=-3\r\n");
    assert_eq!((status, body.as_slice()), (206, &b"789"[..]));
    let (status, h, _) = get(srv.addr(), chunk, "Range: bytes=20-30\r\n");
    assert_eq!(status, 416);
    assert_eq!(header(&h, "content-range"), Some("bytes */10"));
    let (_, h, _) = get(srv.addr(), chunk, "");
    assert_eq!(header(&h, "accept-ranges"), Some("bytes"));
}

#[test]
fn head_gives_the_headers_of_get_without_a_body() {
    let (_dir, srv) = site();
    let (status, h, body) = exchange(
        srv.addr(),
        "HEAD /static/a.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(header(&h, "content-length"), Some("10"));
    assert_eq!(
        header(&h, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
}

#[test]
fn directories_without_their_slash_move_permanently() {
    let (_dir, srv) = site();
    let (status, h, _) = get(srv.addr(), "/docs/query-language", "");
    assert_eq!(status, 301);
    assert_eq!(header(&h, "location"), Some("/docs/query-language/"));
    let (status, h, _) = get(srv.addr(), "/docs/query-language?q=1", "");
    assert_eq!(status, 301);
    assert_eq!(header(&h, "location"), Some("/docs/query-language/?q=1"));
}

#[test]
fn precompressed_variants_go_to_clients_that_accept_them() {
    let (_dir, srv) = site();
    let (status, h, body) = get(srv.addr(), "/static/a.js", "Accept-Encoding: gzip\r\n");
    assert_eq!(status, 200);
    assert_eq!(body, b"GZIPPED");
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&h, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(header(&h, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    let (_, h, body) = get(srv.addr(), "/static/a.js", "");
    assert_eq!(body, b"let a = 1;");
    assert_eq!(header(&h, "content-encoding"), None);
}

#[test]
fn missing_files_get_the_sites_404_page_and_others_methods_405() {
    let (_dir, srv) = site();
    let (status, _, body) = get(srv.addr(), "/no/such/page/", "");
    assert_eq!((status, body.as_slice()), (404, &b"<p>gone</p>"[..]));
    let (status, _, _) = get(srv.addr(), "/../../etc/passwd", "");
    assert_eq!(status, 404);
    let (status, _, _) = get(srv.addr(), "/%2e%2e/%2e%2e/etc/passwd", "");
    assert_eq!(status, 404);
    let (status, _, _) = exchange(
        srv.addr(),
        "DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 405);
}

#[test]
fn a_slow_client_gets_408_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>home</p>").unwrap();
    let limits = Limits {
        header_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let srv = bind("127.0.0.1:0")
        .unwrap()
        .spawn(site::router(dir.path(), Rules::default()), limits)
        .unwrap();
    let mut slow = TcpStream::connect(srv.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // Meanwhile a whole request is answered.
    let (status, _, body) = get(srv.addr(), "/", "");
    assert_eq!((status, body.as_slice()), (200, &b"<p>home</p>"[..]));
    let mut out = Vec::new();
    let _ = slow.read_to_end(&mut out);
    let (status, _, body) = parse(&out);
    assert_eq!(status, 408);
    assert!(String::from_utf8_lossy(&body).contains("in time"));
}

#[test]
fn a_request_not_answered_in_time_gets_408() {
    use axum::routing::get as route_get;
    let app = Router::new().route(
        "/slow",
        route_get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    );
    let limits = Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let srv = bind("127.0.0.1:0").unwrap().spawn(app, limits).unwrap();
    let (status, _, _) = get(srv.addr(), "/slow", "");
    assert_eq!(status, 408);
}

#[test]
fn connections_over_the_limit_get_503() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "x").unwrap();
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let srv = bind("127.0.0.1:0")
        .unwrap()
        .spawn(site::router(dir.path(), Rules::default()), limits)
        .unwrap();
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(srv.addr()).unwrap())
        .collect();
    // Both are accepted (the server answers on each) before the third arrives.
    for mut c in &held {
        c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut buf = [0u8; 12];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
    }
    let (status, h, _) = get(srv.addr(), "/", "");
    assert_eq!(status, 503);
    assert_eq!(header(&h, "retry-after"), Some("1"));
    drop(held);
    // The slots come back when the connections close.
    let t0 = std::time::Instant::now();
    loop {
        let (status, _, _) = get(srv.addr(), "/", "");
        if status == 200 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "slots never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stopping_lets_the_request_under_way_finish_and_closes_the_port() {
    use axum::routing::get as route_get;
    let app = Router::new().route(
        "/work",
        route_get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "done"
        }),
    );
    let srv = bind("127.0.0.1:0")
        .unwrap()
        .spawn(app, Limits::default())
        .unwrap();
    let addr = srv.addr();
    let client = std::thread::spawn(move || get(addr, "/work", ""));
    std::thread::sleep(Duration::from_millis(150));
    srv.stop().unwrap();
    let (status, _, body) = client.join().unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"done"[..]));
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn an_oversize_body_gets_413_and_other_clients_are_served() {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get as route_get, post};
    let app = Router::new()
        .route(
            "/upload",
            post(|body: axum::body::Bytes| async move { format!("{} bytes", body.len()) }),
        )
        .route("/", route_get(|| async { "home" }))
        .layer(DefaultBodyLimit::max(1000));
    let srv = bind("127.0.0.1:0")
        .unwrap()
        .spawn(app, Limits::default())
        .unwrap();
    // Within the limit.
    let small = "x".repeat(500);
    let (status, _, body) = exchange(
        srv.addr(),
        &format!(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{small}"
        ),
    );
    assert_eq!((status, body.as_slice()), (200, &b"500 bytes"[..]));
    // Declared over the limit: refused before the body is read.
    let mut big = TcpStream::connect(srv.addr()).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    big.write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    let _ = big.write_all(&vec![b'x'; 64 * 1024]);
    // Others are served meanwhile.
    let (status, _, body) = get(srv.addr(), "/", "");
    assert_eq!((status, body.as_slice()), (200, &b"home"[..]));
    let mut out = Vec::new();
    let _ = big.read_to_end(&mut out);
    assert_eq!(parse(&out).0, 413);
    // A body sent without a length (chunked) is cut at the limit too.
    let chunk = "x".repeat(800);
    let (status, _, _) = exchange(
        srv.addr(),
        &format!(
            "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n320\r\n{chunk}\r\n320\r\n{chunk}\r\n0\r\n\r\n"
        ),
    );
    assert_eq!(status, 413);
}
