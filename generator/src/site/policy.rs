//! The site's response headers (`_headers`, for static hosts; `xcat serve` applies the same):
//! caching by file kind, CORS on the data files, and a content security policy that the
//! site's own pages satisfy.

use xcat_web::headers::{IMMUTABLE, Rule, Rules};

/// Where the browser may load from and connect to. The sky view loads Aladin Lite (script,
/// styles it injects, fonts) from CDS and HiPS tiles from any HiPS server over https; the query
/// page resolves names with CDS Sesame and talks to a SAMP hub on the user's own machine; a
/// source page posts fits to the site's fit server when one is configured.
pub fn content_security_policy(fit_server_url: &str) -> String {
    const ALADIN: &str = "https://aladin.cds.unistra.fr";
    const SAMP: &str = "http://localhost:21012 http://127.0.0.1:21012";
    // Aladin Lite fetches its own WebAssembly from a data: URL.
    let mut connect = format!("'self' data: blob: https: {SAMP}");
    if let Some(origin) = origin(fit_server_url)
        && !origin.starts_with("https:")
    {
        connect.push(' ');
        connect.push_str(&origin);
    }
    [
        "default-src 'self'".to_string(),
        // The query engine is WebAssembly.
        format!("script-src 'self' 'wasm-unsafe-eval' {ALADIN}"),
        format!("style-src 'self' 'unsafe-inline' {ALADIN}"),
        "img-src 'self' data: blob: https:".to_string(),
        format!("font-src 'self' data: {ALADIN}"),
        format!("connect-src {connect}"),
        "worker-src 'self' blob:".to_string(),
        "object-src 'none'".to_string(),
        "base-uri 'self'".to_string(),
        "form-action 'self'".to_string(),
        "frame-ancestors 'self'".to_string(),
    ]
    .join("; ")
}

/// `scheme://host[:port]` of an http(s) URL.
fn origin(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')))
    .then(|| format!("{scheme}://{host}"))
}

/// The header rules of a site.
pub fn rules(fit_server_url: &str) -> Rules {
    let rule = |pattern: &str, headers: &[(&str, &str)]| Rule {
        pattern: pattern.to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    };
    let csp = content_security_policy(fit_server_url);
    let public_data = [("Access-Control-Allow-Origin", "*")];
    let immutable = [
        ("Access-Control-Allow-Origin", "*"),
        ("Cache-Control", IMMUTABLE),
    ];
    Rules(vec![
        rule(
            "/*",
            &[
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("Content-Security-Policy", &csp),
            ],
        ),
        // The catalogue's data, HiPS and MOC are for any site's tools to read.
        rule("/data/*", &public_data),
        rule("/hips/*", &public_data),
        rule("/moc/*", &public_data),
        // Named by their content's hash: a new content is a new file (data/ of a one-catalogue
        // site, data/<release>/ of a site of several).
        rule("/data/*chunks/*", &immutable),
        rule("/data/*manifest.*.bin", &immutable),
    ])
}

/// The `_headers` file of a site.
pub fn headers_file(fit_server_url: &str) -> String {
    format!(
        "# Response headers for static hosts that read this file (Netlify, Cloudflare Pages);\n\
         # `xcat serve` applies the same. Other servers: see the mirror guide (docs/mirror/).\n{}",
        rules(fit_server_url).render()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_files_are_immutable_and_pages_revalidate() {
        let r = rules("");
        let get = |path: &str, name: &str| {
            r.for_path(path)
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(
            get(
                "/data/4xmm-dr14/chunks/0a1b2c3d4e5f6a7b.bin",
                "Cache-Control"
            )
            .as_deref(),
            Some(IMMUTABLE)
        );
        assert_eq!(
            get(
                "/data/4xmm-dr14/manifest.0cc4276147bf6a6d.bin",
                "Cache-Control"
            )
            .as_deref(),
            Some(IMMUTABLE)
        );
        // Pointers to the current manifest and pages: no rule, so revalidated.
        assert_eq!(get("/data/4xmm-dr14/manifest.txt", "Cache-Control"), None);
        assert_eq!(get("/source/3/", "Cache-Control"), None);
        assert_eq!(
            get("/data/manifest.0cc4276147bf6a6d.bin", "Cache-Control").as_deref(),
            Some(IMMUTABLE)
        );
        assert_eq!(
            get("/data/chunks/0a1b2c3d4e5f6a7b.bin", "Cache-Control").as_deref(),
            Some(IMMUTABLE)
        );
        assert_eq!(get("/data/manifest.txt", "Cache-Control"), None);
        assert_eq!(
            get("/data/releases.txt", "Access-Control-Allow-Origin").as_deref(),
            Some("*")
        );
        assert_eq!(get("/source/3/", "Access-Control-Allow-Origin"), None);
        assert!(get("/", "Content-Security-Policy").is_some());
        assert_eq!(Rules::parse(&headers_file("")).unwrap(), r);
    }

    #[test]
    fn the_fit_server_is_allowed_when_configured() {
        let csp = content_security_policy("http://127.0.0.1:8765/");
        assert!(csp.contains("connect-src 'self' data: blob: https: http://localhost:21012 http://127.0.0.1:21012 http://127.0.0.1:8765;"), "{csp}");
        assert!(csp.contains("frame-ancestors 'self'"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        // https origins are already allowed; odd text adds nothing.
        assert_eq!(
            content_security_policy("https://fit.example.org"),
            content_security_policy("")
        );
        assert_eq!(
            content_security_policy("javascript:alert(1)"),
            content_security_policy("")
        );
        assert_eq!(
            content_security_policy("http://a b;script-src *"),
            content_security_policy("")
        );
    }
}
