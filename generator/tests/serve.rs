//! `xcat serve` answers on 127.0.0.1 with the built pages (and the headers the build wrote
//! for static hosts), 404 for what is not there, and stops cleanly on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn serves_built_pages_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let bin = assert_cmd::cargo::cargo_bin("xcat");
    let ok = Command::new(&bin)
        .args(["build", "--quiet", "--catalog"])
        .arg(common::ngc5139())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    // The same rules for nginx and Apache.
    let headers = |format: &str| {
        let o = Command::new(&bin)
            .args(["headers", "--format", format, "--dir"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let nginx = headers("nginx");
    assert!(
        nginx.starts_with("add_header X-Content-Type-Options \"nosniff\" always;\n"),
        "{nginx}"
    );
    let chunks = nginx
        .find("location ~ \"^/data/.*chunks/.*$\" {")
        .expect("a chunks location");
    assert!(
        chunks < nginx.find("location ~ \"^/data/.*$\" {").unwrap(),
        "{nginx}"
    );
    assert!(
        nginx[chunks..]
            .split('}')
            .next()
            .unwrap()
            .contains("Cache-Control \"public, max-age=31536000, immutable\"")
    );
    assert!(headers("apache").contains("<LocationMatch \"^/data/.*chunks/.*$\">"));
    assert_eq!(headers("netlify"), xcat_web_rules(&out));
    let none = Command::new(&bin)
        .args(["headers", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no built site"));

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let _server = Server(
        Command::new(&bin)
            .args(["serve", "--dir"])
            .arg(&out)
            .args(["--port", &port.to_string()])
            .spawn()
            .unwrap(),
    );
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let page = get(port, "/source/201122201010052/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Content-Type: text/html"));
    assert!(page.contains("4XMM J132652.4-472736"));
    let css = get(port, "/static/style.css");
    assert!(css.contains("text/css"));
    assert!(get(port, "/no/such/page").starts_with("HTTP/1.1 404"));
    assert!(get(port, "/../../etc/passwd").starts_with("HTTP/1.1 404"));
    // The site's `_headers`: a content security policy on pages, hashed data immutable.
    assert!(
        page.contains("Content-Security-Policy: default-src 'self'"),
        "{page}"
    );
    assert!(page.contains("Cache-Control: no-cache"), "{page}");
    let manifest = std::fs::read_dir(out.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("manifest.") && n.ends_with(".bin"))
        .expect("a hashed manifest");
    let data = get(port, &format!("/data/{manifest}"));
    assert!(data.starts_with("HTTP/1.1 200"), "{data}");
    assert!(
        data.contains("Cache-Control: public, max-age=31536000, immutable"),
        "{}",
        &data[..data.find("\r\n\r\n").unwrap()]
    );
    let moved = get(port, "/docs");
    assert!(moved.starts_with("HTTP/1.1 301"), "{moved}");
    assert!(moved.contains("Location: /docs/"), "{moved}");
}

/// The rules of a built site's `_headers`, without its comments.
fn xcat_web_rules(site: &std::path::Path) -> String {
    std::fs::read_to_string(site.join("_headers"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(unix)]
#[test]
fn stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>home</p>").unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Server(
        Command::new(assert_cmd::cargo::cargo_bin("xcat"))
            .args(["serve", "--dir"])
            .arg(dir.path())
            .args(["--port", &port.to_string()])
            .spawn()
            .unwrap(),
    );
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(get(port, "/").contains("<p>home</p>"));
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
