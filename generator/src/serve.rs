//! `xcat serve`: a local preview server for a built site, on 127.0.0.1 only.

use std::path::{Component, Path, PathBuf};

/// Content type of a file by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "vot" => "application/x-votable+xml",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "tsv" => "text/plain; charset=utf-8",
        "fits" | "bin" => "application/octet-stream",
        _ => "application/octet-stream",
    }
}

/// The file a URL path maps to inside `root`, or `None` when it would leave `root` or does
/// not exist. Directories map to their `index.html`.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let decoded = crate::site::format::percent_decode(path)?;
    let mut p = root.to_path_buf();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(s) => p.push(s),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if p.is_dir() {
        p.push("index.html");
    }
    p.is_file().then_some(p)
}

/// Path of the table drop: the query page posts a VOTable here to give SAMP applications an
/// http URL to load it from (they cannot read the page's own blob: URLs).
pub const TABLE_DROP: &str = "/_samp/tables";
/// Tables the drop keeps (oldest forgotten first) and the largest one it takes.
const DROP_KEEP: usize = 8;
const DROP_MAX_BYTES: u64 = 1 << 30;

/// Tables posted to [`TABLE_DROP`], in memory, by number.
#[derive(Default)]
pub struct TableDrop {
    next: u64,
    tables: std::collections::VecDeque<(u64, Vec<u8>)>,
}

impl TableDrop {
    /// Keeps `bytes`; returns its path (relative to the site root, like the page's links).
    pub fn put(&mut self, bytes: Vec<u8>) -> String {
        self.next += 1;
        self.tables.push_back((self.next, bytes));
        while self.tables.len() > DROP_KEEP {
            self.tables.pop_front();
        }
        format!("{}/{}.vot", TABLE_DROP.trim_start_matches('/'), self.next)
    }

    /// The table of a URL path `/_samp/tables/<n>.vot`.
    pub fn get(&self, url_path: &str) -> Option<&[u8]> {
        let rest = url_path
            .split(['?', '#'])
            .next()?
            .strip_prefix(TABLE_DROP)?;
        let n: u64 = rest.strip_prefix('/')?.strip_suffix(".vot")?.parse().ok()?;
        self.tables
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, b)| b.as_slice())
    }
}

/// Serves `root` on 127.0.0.1:`port` until the process is stopped, with the SAMP table drop
/// ([`TABLE_DROP`]).
pub fn serve(root: &Path, port: u16) -> anyhow::Result<()> {
    let config = xcat_http::Config {
        max_body: DROP_MAX_BYTES,
        ..xcat_http::Config::default()
    };
    let server = xcat_http::Server::bind(("127.0.0.1", port), config).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on 127.0.0.1:{port}: {e} (is another server using it? try --port)"
        )
    })?;
    eprintln!(
        "Serving {} at http://127.0.0.1:{}/ (Ctrl-C to stop)",
        root.display(),
        server.local_addr().port()
    );
    let drop = std::sync::Mutex::new(TableDrop::default());
    let root = root.to_path_buf();
    server.run(move |req| handle(&root, &drop, req));
    Ok(())
}

/// The answer to one request.
pub fn handle(
    root: &Path,
    drop: &std::sync::Mutex<TableDrop>,
    req: &xcat_http::Request,
) -> xcat_http::Response {
    use xcat_http::Response;
    let path = req.path();
    match req.method() {
        "POST" if path == TABLE_DROP => {
            return match req.body() {
                Some(body) => {
                    let at = drop.lock().expect("not poisoned").put(body.to_vec());
                    Response::new(201, at.clone())
                        .with_header("Location", &format!("/{at}"))
                        .with_header("Content-Type", "text/plain; charset=utf-8")
                }
                None => Response::new(
                    413,
                    format!("table larger than the limit of {DROP_MAX_BYTES} bytes"),
                ),
            };
        }
        "GET" | "HEAD" => {}
        _ => return Response::new(405, "method not allowed").with_header("Allow", "GET, HEAD"),
    }
    if let Some(bytes) = drop.lock().expect("not poisoned").get(path) {
        return Response::new(200, bytes)
            .with_header("Content-Type", "application/x-votable+xml")
            .with_header("Access-Control-Allow-Origin", "*");
    }
    let (status, file) = match resolve(root, path) {
        Some(p) => (200, Some(p)),
        None => (404, Some(root.join("404.html")).filter(|p| p.is_file())),
    };
    match file.and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
        // A preview: the browser asks again after each rebuild.
        Some((p, bytes)) => Response::new(status, bytes)
            .with_header("Content-Type", content_type(&p))
            .with_header("Cache-Control", "no-cache"),
        None => Response::new(404, "404 not found")
            .with_header("Content-Type", "text/plain; charset=utf-8"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("source/3")).unwrap();
        std::fs::write(dir.path().join("source/3/index.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/source/3/").is_some());
        assert!(resolve(dir.path(), "/source/3/?q=1").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert!(resolve(dir.path(), "/missing").is_none());
    }

    fn request(raw: &str) -> xcat_http::Request {
        // Through a real server, so the request is parsed as a browser's would be.
        use std::io::{Read, Write};
        let server = xcat_http::Server::bind("127.0.0.1:0", xcat_http::Config::default()).unwrap();
        let (addr, stopper) = (server.local_addr(), server.stopper());
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            server.run(move |req| {
                tx.send(req.clone()).unwrap();
                xcat_http::Response::new(200, "")
            })
        });
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(raw.as_bytes()).unwrap();
        let mut sink = Vec::new();
        let _ = c.read_to_end(&mut sink);
        stopper.stop();
        t.join().unwrap();
        rx.recv().unwrap()
    }

    #[test]
    fn the_server_answers_files_tables_and_missing_pages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("source/3")).unwrap();
        std::fs::write(dir.path().join("source/3/index.html"), "<p>3</p>").unwrap();
        std::fs::write(dir.path().join("404.html"), "<p>gone</p>").unwrap();
        let drop = std::sync::Mutex::new(TableDrop::default());
        let get = |path: &str| {
            handle(
                dir.path(),
                &drop,
                &request(&format!(
                    "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )),
            )
        };
        let page = get("/source/3/?q=1");
        assert_eq!((page.status(), page.body()), (200, &b"<p>3</p>"[..]));
        assert_eq!(
            page.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
        let missing = get("/source/4/");
        assert_eq!(
            (missing.status(), missing.body()),
            (404, &b"<p>gone</p>"[..])
        );

        let post = handle(
            dir.path(),
            &drop,
            &request(
                "POST /_samp/tables HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n<VOTABLE/>",
            ),
        );
        assert_eq!(post.status(), 201);
        assert_eq!(post.header("Location"), Some("/_samp/tables/1.vot"));
        let table = get("/_samp/tables/1.vot");
        assert_eq!((table.status(), table.body()), (200, &b"<VOTABLE/>"[..]));
        assert_eq!(table.header("Access-Control-Allow-Origin"), Some("*"));

        let put = handle(
            dir.path(),
            &drop,
            &request(
                "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            ),
        );
        assert_eq!(put.status(), 405);
    }

    #[test]
    fn the_table_drop_keeps_the_latest_tables() {
        let mut d = TableDrop::default();
        let first = d.put(b"<VOTABLE/>".to_vec());
        assert_eq!(first, "_samp/tables/1.vot");
        assert_eq!(d.get("/_samp/tables/1.vot"), Some(&b"<VOTABLE/>"[..]));
        assert_eq!(d.get("/_samp/tables/1.vot?x=1"), Some(&b"<VOTABLE/>"[..]));
        assert_eq!(d.get("/_samp/tables/2.vot"), None);
        assert_eq!(d.get("/_samp/tables/../1.vot"), None);
        for _ in 0..DROP_KEEP {
            d.put(b"x".to_vec());
        }
        assert_eq!(d.get("/_samp/tables/1.vot"), None);
        let last = d.put(b"y".to_vec());
        assert_eq!(d.get(&format!("/{last}")), Some(&b"y"[..]));
    }
}
