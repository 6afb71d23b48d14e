//! Machine-readable files: the sitemap index and its sitemaps (sitemaps.org protocol 0.9,
//! at most 50,000 URLs per sitemap), `robots.txt`, and the Atom 1.0 news feed (RFC 4287).

use super::content::Page;
use super::format::xml_escape;
use serde_json::{Value as Json, json};

/// URLs per sitemap file (the protocol's limit).
pub const SITEMAP_LIMIT: usize = 50_000;

/// Sitemaps of `paths` (relative page URLs) under `base_url`, named `<prefix>-<n>.xml`; returns
/// (file name, bytes).
pub fn sitemaps(base_url: &str, prefix: &str, paths: &[String]) -> Vec<(String, Vec<u8>)> {
    let base = base_url.trim_end_matches('/');
    paths
        .chunks(SITEMAP_LIMIT)
        .enumerate()
        .map(|(n, chunk)| {
            let mut s = String::with_capacity(64 + chunk.len() * 64);
            s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for p in chunk {
                s.push_str("<url><loc>");
                s.push_str(&xml_escape(&format!("{base}/{p}")));
                s.push_str("</loc></url>\n");
            }
            s.push_str("</urlset>\n");
            (format!("{prefix}-{}.xml", n + 1), s.into_bytes())
        })
        .collect()
}

/// The sitemap index listing `files` (at the site root).
pub fn sitemap_index(base_url: &str, files: &[String]) -> Vec<u8> {
    let base = base_url.trim_end_matches('/');
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for f in files {
        s.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            xml_escape(&format!("{base}/{f}"))
        ));
    }
    s.push_str("</sitemapindex>\n");
    s.into_bytes()
}

/// `robots.txt`: everything may be crawled except the query engine's data files.
pub fn robots(base_url: &str) -> Vec<u8> {
    let mut s = String::from("User-agent: *\nDisallow: /data/\n");
    if !base_url.is_empty() {
        s = format!(
            "User-agent: *\nDisallow: {}data/\nSitemap: {}/sitemap.xml\n",
            url_path(base_url),
            base_url.trim_end_matches('/')
        );
    }
    s.into_bytes()
}

/// The path part of an absolute URL, ending in `/`.
fn url_path(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

/// The context of the Atom feed template: entries have absolute links when `base_url` is set,
/// links relative to the feed otherwise.
pub fn atom_context(site: &Json, news: &[Page]) -> Json {
    let base = site["base_url"]
        .as_str()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let abs = |p: &str| {
        if base.is_empty() {
            p.to_string()
        } else {
            format!("{base}/{p}")
        }
    };
    let stamp = |d: &str| format!("{d}T00:00:00Z");
    let entries: Vec<Json> = news
        .iter()
        .map(|n| {
            let link = if base.is_empty() {
                n.url.trim_start_matches("news/").to_string()
            } else {
                abs(&n.url)
            };
            let id = if base.is_empty() {
                format!("urn:xcat:{}", n.url.trim_end_matches('/').replace('/', ":"))
            } else {
                abs(&n.url)
            };
            json!({"title": n.title, "id": id, "link": link, "updated": stamp(&n.date),
                "summary": n.summary, "html": n.html})
        })
        .collect();
    let updated = news
        .first()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |n| stamp(&n.date));
    json!({
        "site": site,
        "feed_id": if base.is_empty() { "urn:xcat:news".to_string() } else { abs("news/") },
        "self_url": if base.is_empty() { "atom.xml".to_string() } else { abs("news/atom.xml") },
        "home_url": if base.is_empty() { "../".to_string() } else { format!("{base}/") },
        "updated": updated,
        "news": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemaps_split_at_the_limit() {
        let paths: Vec<String> = (0..SITEMAP_LIMIT + 1)
            .map(|i| format!("source/{i}/"))
            .collect();
        let maps = sitemaps("https://e.org/x/", "sitemap-sources", &paths);
        assert_eq!(maps.len(), 2);
        assert_eq!(maps[1].0, "sitemap-sources-2.xml");
        let last = String::from_utf8(maps[1].1.clone()).unwrap();
        assert_eq!(last.matches("<url>").count(), 1);
        assert!(last.contains(&format!(
            "<loc>https://e.org/x/source/{SITEMAP_LIMIT}/</loc>"
        )));
        let idx = String::from_utf8(sitemap_index("https://e.org/x", &["a.xml".into()])).unwrap();
        assert!(idx.contains("<loc>https://e.org/x/a.xml</loc>"));
    }

    #[test]
    fn robots_names_the_sitemap() {
        let r = String::from_utf8(robots("https://e.org/x/")).unwrap();
        assert!(
            r.contains("Disallow: /x/data/") && r.contains("Sitemap: https://e.org/x/sitemap.xml"),
            "{r}"
        );
    }
}
