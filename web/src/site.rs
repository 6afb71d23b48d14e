//! A built site's files, served the way a CDN serves them: tower-http's static-file service
//! (Range → 206/416, `ETag` and `Last-Modified` → 304, HEAD, the `.br`/`.gz` variant the build
//! wrote beside a file when the client accepts it), a directory URL without its slash
//! answered 301 to the slash form (so a page's relative links resolve), the site's `404.html`
//! for what is missing, content types by extension (wasm, VOTable, FITS, …) and the response
//! headers of the site's [`Rules`] (caching policy, content security policy), with
//! `Cache-Control: no-cache` where no rule sets one.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

use crate::headers::{REVALIDATE, Rules};

/// Content type of a URL path, by its extension (a path ending in `/` is a page).
pub fn content_type(path: &str) -> Option<&'static str> {
    if path.ends_with('/') {
        return Some("text/html; charset=utf-8");
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "vot" | "votable" => "application/x-votable+xml",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "tsv" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "fits" | "fit" | "fts" => "application/fits",
        "parquet" => "application/vnd.apache.parquet",
        "bin" => "application/octet-stream",
        _ => return None,
    })
}

/// The router serving the files under `root` with `rules`' headers.
pub fn router(root: &Path, rules: Rules) -> Router {
    let files = ServeDir::new(root)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(ServeFile::new(root.join("404.html")));
    Router::new()
        .fallback_service(files)
        .layer(from_fn_with_state(Arc::new(rules), finish))
}

/// Applies the CDN behaviour a static-file service lacks to one response.
async fn finish(State(rules): State<Arc<Rules>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let status = res.status();
    if status == StatusCode::TEMPORARY_REDIRECT {
        // The slash form of a directory is where the page is, for good.
        *res.status_mut() = StatusCode::MOVED_PERMANENTLY;
    }
    if (status == StatusCode::OK || status == StatusCode::PARTIAL_CONTENT)
        && let Some(ct) = content_type(&path)
    {
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let h = res.headers_mut();
    for (name, value) in rules.for_path(&path) {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name),
            HeaderValue::try_from(value.to_string()),
        ) {
            h.insert(n, v);
        }
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    }
    res
}
