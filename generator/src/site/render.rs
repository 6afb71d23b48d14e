//! Page rendering with tera: the templates of the [`Theme`], its filters, the context every
//! page shares, and minification of the rendered HTML.

use super::format;
use super::theme::Theme;
use crate::error::{Error, Result};
use serde_json::{Value as Json, json};
use std::collections::HashMap;

fn sci_filter(v: &Json, _: &HashMap<String, Json>) -> tera::Result<Json> {
    Ok(Json::String(match v {
        Json::Number(n) => format::sci_or_null(n.as_f64()),
        Json::Null => format::NULL.into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }))
}

/// Compiles the theme's templates. HTML and XML templates are autoescaped.
pub fn templates(theme: &Theme) -> Result<tera::Tera> {
    let mut t = tera::Tera::default();
    t.add_raw_templates(
        theme
            .templates
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str())),
    )
    .map_err(|e| Error::Render {
        what: "theme templates".into(),
        detail: format!(
            "{} (fix the template, or remove it from your theme to use the default)",
            chain(&e)
        ),
    })?;
    t.autoescape_on(vec![".html", ".xml"]);
    t.register_filter("sci", sci_filter);
    Ok(t)
}

/// The whole cause chain of an error, one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Renders template `name` with `ctx`; errors name the template and the page.
pub fn render(t: &tera::Tera, name: &str, ctx: &Json, page: &str) -> Result<String> {
    let ctx = tera::Context::from_serialize(ctx).map_err(|e| Error::Render {
        what: format!("{page} (template {name})"),
        detail: chain(&e),
    })?;
    t.render(name, &ctx).map_err(|e| Error::Render {
        what: format!("{page} (template {name})"),
        detail: format!("{}; check the template in your theme", chain(&e)),
    })
}

/// The minifier settings: whitespace, comments and optional quotes go; closing tags, `<html>`
/// and `<head>` stay, and nothing that is not spec-compliant HTML is produced (unquoted
/// attribute values only where the WHATWG syntax allows them). Inline scripts are left as
/// written (the theme's JavaScript lives in static files).
pub fn minify_cfg() -> minify_html::Cfg {
    minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        keep_comments: false,
        keep_input_type_text_attr: false,
        keep_ssi_comments: false,
        minify_css: true,
        minify_js: false,
        minify_doctype: false,
        allow_noncompliant_unquoted_attribute_values: false,
        allow_optimal_entities: false,
        allow_removing_spaces_between_attributes: false,
        preserve_brace_template_syntax: false,
        preserve_chevron_percent_template_syntax: false,
        remove_bangs: false,
        remove_processing_instructions: false,
    }
}

/// Minifies one HTML page.
pub fn minify(html: &str, cfg: &minify_html::Cfg) -> Vec<u8> {
    minify_html::minify(html.as_bytes(), cfg)
}

/// What every page's context holds: the site settings, the relative path to the site root and
/// the canonical URL (when `base_url` is set).
pub fn base(site: &Json, path: &str) -> Json {
    let depth = path.matches('/').count();
    let root = "../".repeat(depth);
    let base_url = site["base_url"].as_str().unwrap_or("");
    let canonical = if base_url.is_empty() {
        String::new()
    } else {
        let page = path.strip_suffix("index.html").unwrap_or(path);
        format!("{}/{page}", base_url.trim_end_matches('/'))
    };
    json!({"site": site, "root": root, "canonical": canonical, "path": path})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_canonical_urls() {
        let site = json!({"title": "t", "base_url": "https://example.org/xcat/"});
        let b = base(&site, "source/12/index.html");
        assert_eq!(b["root"], "../../");
        assert_eq!(b["canonical"], "https://example.org/xcat/source/12/");
        let b = base(&json!({"base_url": ""}), "index.html");
        assert_eq!(b["root"], "");
        assert_eq!(b["canonical"], "");
    }

    #[test]
    fn minified_pages_keep_closing_tags_and_text() {
        let html = "<!doctype html>\n<html lang=\"en\">\n<head><title>A</title></head>\n<body>\n  <p>one  two</p>\n  <ul><li>x</li></ul>\n</body>\n</html>\n";
        let out = String::from_utf8(minify(html, &minify_cfg())).unwrap();
        assert!(out.contains("</p>"), "{out}");
        assert!(out.contains("</li></ul>"), "{out}");
        assert!(out.contains("<html lang=en><head>"), "{out}");
        assert!(out.contains("</body></html>"), "{out}");
    }
}
