//! `xcat serve`: the preview of a built site on 127.0.0.1, served as a CDN serves it
//! ([`xcat_web::site`]: ranges, validators and 304, pre-compressed variants, 301 to a
//! directory's slash form) with the response headers the build wrote for static hosts
//! (`_headers`), plus the SAMP table drop.

use std::path::Path;
use std::sync::{Arc, Mutex};

use xcat_web::axum::Router;
use xcat_web::axum::body::Bytes;
use xcat_web::axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use xcat_web::axum::http::{HeaderValue, StatusCode, header};
use xcat_web::axum::response::{IntoResponse, Response};
use xcat_web::axum::routing::{get, post};
use xcat_web::headers::Rules;

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

/// The header rules of the site in `root`: its `_headers` file, or the default policy of a
/// site without a fit server when it has none.
pub fn site_rules(root: &Path) -> anyhow::Result<Rules> {
    let file = root.join("_headers");
    match std::fs::read_to_string(&file) {
        Ok(text) => Rules::parse(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e} (the build writes this file; rebuild the site or fix it by hand)",
                file.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(crate::site::policy::rules("")),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", file.display())),
    }
}

/// The preview's routes: the table drop, then the site's files.
pub fn router(root: &Path, rules: Rules) -> Router {
    let tables = Arc::new(Mutex::new(TableDrop::default()));
    Router::new()
        .route(TABLE_DROP, post(put_table))
        .route(&format!("{TABLE_DROP}/{{name}}"), get(get_table))
        .layer(DefaultBodyLimit::max(DROP_MAX_BYTES as usize))
        .with_state(tables)
        .merge(xcat_web::site::router(root, rules))
}

async fn put_table(State(tables): State<Arc<Mutex<TableDrop>>>, body: Bytes) -> Response {
    let at = tables.lock().expect("not poisoned").put(body.to_vec());
    let mut r = (StatusCode::CREATED, at.clone()).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/{at}")) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    r
}

async fn get_table(
    State(tables): State<Arc<Mutex<TableDrop>>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    match tables
        .lock()
        .expect("not poisoned")
        .get(&format!("{TABLE_DROP}/{name}"))
    {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, "application/x-votable+xml"),
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes.to_vec(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such table").into_response(),
    }
}

/// Serves `root` on 127.0.0.1:`port` until SIGINT or SIGTERM.
pub fn serve(root: &Path, port: u16) -> anyhow::Result<()> {
    let rules = site_rules(root)?;
    let bound = xcat_web::bind(("127.0.0.1", port)).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on 127.0.0.1:{port}: {e} (is another server using it? try --port)"
        )
    })?;
    eprintln!(
        "Serving {} at http://127.0.0.1:{}/ (Ctrl-C to stop)",
        root.display(),
        bound.local_addr().port()
    );
    bound.run(router(root, rules), xcat_web::Limits::default())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Status, headers and body of the one answer to `raw` (sent with `Connection: close`).
    fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> (u16, String, Vec<u8>) {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(raw).unwrap();
        let mut out = Vec::new();
        c.read_to_end(&mut out).unwrap();
        let end = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&out[..end]).to_string();
        (head[9..12].parse().unwrap(), head, out[end + 4..].to_vec())
    }

    #[test]
    fn the_preview_answers_files_tables_and_missing_pages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("source/3")).unwrap();
        std::fs::write(dir.path().join("source/3/index.html"), "<p>3</p>").unwrap();
        std::fs::write(dir.path().join("404.html"), "<p>gone</p>").unwrap();
        std::fs::write(dir.path().join("_headers"), "/*\n  X-Test: from the site\n").unwrap();
        let rules = site_rules(dir.path()).unwrap();
        let srv = xcat_web::bind("127.0.0.1:0")
            .unwrap()
            .spawn(router(dir.path(), rules), xcat_web::Limits::default())
            .unwrap();
        let get = |path: &str| {
            exchange(
                srv.addr(),
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
        };
        let (status, head, body) = get("/source/3/?q=1");
        assert_eq!((status, body.as_slice()), (200, &b"<p>3</p>"[..]));
        assert!(
            head.contains("Content-Type: text/html; charset=utf-8"),
            "{head}"
        );
        assert!(head.contains("X-Test: from the site"), "{head}");
        let (status, _, body) = get("/source/4/");
        assert_eq!((status, body.as_slice()), (404, &b"<p>gone</p>"[..]));
        let (status, head, _) = get("/source");
        assert_eq!(status, 301);
        assert!(head.contains("Location: /source/"), "{head}");

        let (status, head, body) = exchange(
            srv.addr(),
            b"POST /_samp/tables HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n<VOTABLE/>",
        );
        assert_eq!(status, 201);
        assert!(head.contains("Location: /_samp/tables/1.vot"), "{head}");
        assert_eq!(body, b"_samp/tables/1.vot");
        let (status, head, body) = get("/_samp/tables/1.vot");
        assert_eq!((status, body.as_slice()), (200, &b"<VOTABLE/>"[..]));
        assert!(head.contains("Access-Control-Allow-Origin: *"), "{head}");
        let (status, _, _) = get("/_samp/tables/9.vot");
        assert_eq!(status, 404);
        let (status, _, _) = exchange(
            srv.addr(),
            b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status, 405);
    }

    #[test]
    fn a_broken_headers_file_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("_headers"), "/*\n  no colon here\n").unwrap();
        let e = site_rules(dir.path()).unwrap_err().to_string();
        assert!(e.contains("_headers: line 2"), "{e}");
        // A site without the file gets the default policy.
        let none = tempfile::tempdir().unwrap();
        assert_eq!(
            site_rules(none.path()).unwrap(),
            crate::site::policy::rules("")
        );
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
