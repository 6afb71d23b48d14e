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

/// Serves `root` on 127.0.0.1:`port` until the process is stopped.
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
    for req in server.incoming_requests() {
        let found = resolve(root, req.url());
        let (status, path) = match found {
            Some(p) => (200, Some(p)),
            None => (404, Some(root.join("404.html")).filter(|p| p.is_file())),
        };
        let resp = match path.and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
            Some((p, bytes)) => {
                let ct = tiny_http::Header::from_bytes("Content-Type", content_type(&p))
                    .expect("valid header");
                tiny_http::Response::from_data(bytes)
                    .with_status_code(status)
                    .with_header(ct)
            }
            None => tiny_http::Response::from_data(b"404 not found".to_vec()).with_status_code(404),
        };
        let _ = req.respond(resp);
    }
    Ok(())
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
}
