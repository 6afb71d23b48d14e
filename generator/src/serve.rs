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
    let decoded = percent_decode(path)?;
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

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name, value).expect("valid header")
}

/// Serves `root` on 127.0.0.1:`port` until the process is stopped, with the SAMP table drop
/// ([`TABLE_DROP`]).
pub fn serve(root: &Path, port: u16) -> anyhow::Result<()> {
    let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on 127.0.0.1:{port}: {e} (is another server using it? try --port)"
        )
    })?;
    eprintln!(
        "Serving {} at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        root.display()
    );
    // Several workers answer requests, so one response never waits for another (a browser
    // loading a page opens up to six connections at once).
    let server = std::sync::Arc::new(server);
    let drop = std::sync::Arc::new(std::sync::Mutex::new(TableDrop::default()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (server, drop, root) = (server.clone(), drop.clone(), root.to_path_buf());
            std::thread::spawn(move || {
                while let Ok(req) = server.recv() {
                    handle(&root, &drop, req);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn handle(root: &Path, drop: &std::sync::Mutex<TableDrop>, mut req: tiny_http::Request) {
    let path = req.url().split(['?', '#']).next().unwrap_or("").to_string();
    if *req.method() == tiny_http::Method::Post && path == TABLE_DROP {
        let too_big = req.body_length().is_some_and(|n| n as u64 > DROP_MAX_BYTES);
        let mut body = Vec::new();
        let read = std::io::Read::read_to_end(
            &mut std::io::Read::take(req.as_reader(), DROP_MAX_BYTES + 1),
            &mut body,
        );
        let resp = if too_big || read.is_err() || body.len() as u64 > DROP_MAX_BYTES {
            tiny_http::Response::from_data(b"table too large or unreadable".to_vec())
                .with_status_code(413)
        } else {
            let at = drop.lock().expect("not poisoned").put(body);
            tiny_http::Response::from_data(at.clone().into_bytes())
                .with_status_code(201)
                .with_header(header("Location", &format!("/{at}")))
                .with_header(header("Content-Type", "text/plain; charset=utf-8"))
        };
        let _ = req.respond(resp);
        return;
    }
    let table = drop
        .lock()
        .expect("not poisoned")
        .get(&path)
        .map(<[u8]>::to_vec);
    if let Some(bytes) = table {
        let resp = tiny_http::Response::from_data(bytes)
            .with_header(header("Content-Type", "application/x-votable+xml"))
            .with_header(header("Access-Control-Allow-Origin", "*"));
        let _ = req.respond(resp);
        return;
    }
    let found = resolve(root, req.url());
    let (status, path) = match found {
        Some(p) => (200, Some(p)),
        None => (404, Some(root.join("404.html")).filter(|p| p.is_file())),
    };
    let resp = match path.and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
        Some((p, bytes)) => tiny_http::Response::from_data(bytes)
            .with_status_code(status)
            .with_header(header("Content-Type", content_type(&p))),
        None => tiny_http::Response::from_data(b"404 not found".to_vec()).with_status_code(404),
    };
    let _ = req.respond(resp);
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
