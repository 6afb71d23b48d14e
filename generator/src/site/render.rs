//! Page rendering with tera: the templates of the [`Theme`], its filters, the context every
//! page shares, and minification.
//!
//! HTML templates are minified once, when they are loaded (minify-html keeping the template
//! syntax as it is), so the hundreds of thousands of catalogue pages come out of tera already
//! minified: their dynamic parts are escaped values and compact markup made by this crate.
//! Pages that embed Markdown (docs, news) are minified again whole, after rendering.

use super::format;
use super::theme::Theme;
use crate::error::{Error, Result};
use serde_json::{Value as Json, json};

fn sci_filter(v: &tera::Value, _: tera::Kwargs, _: &tera::State) -> String {
    if let Some(x) = v.as_f64().filter(|_| v.is_number()) {
        format::sci_or_null(Some(x))
    } else if let Some(s) = v.as_str() {
        s.to_string()
    } else if v.is_none() || v.is_undefined() {
        format::NULL.into()
    } else {
        v.to_string()
    }
}

/// HTML escaping of template values: `&`, `<`, `>`, `"` and `'` (enough for text and quoted
/// attribute values; tera's default also escapes `/`, which only makes pages longer). The same
/// escaping as the hand-built SVG and XML ([`format::xml_escape`]).
pub fn escape_html(s: &str) -> String {
    format::xml_escape(s)
}

/// [`escape_html`] as tera's escape function.
fn escape_to(s: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    format::xml_escape_to(s, &mut |part: &str| w.write_all(part.as_bytes()))
}

/// Puts a space inside every template delimiter (`{{x}}` → `{{ x }}`, whitespace control
/// `{{-`/`-}}` kept), so that an attribute value holding template syntax always contains
/// whitespace and the minifier keeps it quoted, whatever the value renders to.
fn pad_template_tags(src: &str) -> String {
    let b = src.as_bytes();
    let mut o = String::with_capacity(src.len() + src.len() / 16);
    let mut i = 0;
    let mut last = 0;
    while i + 1 < b.len() {
        let pair = (b[i], b[i + 1]);
        match pair {
            (b'{', b'{' | b'%' | b'#') => {
                let mut end = i + 2;
                if b.get(end) == Some(&b'-') {
                    end += 1;
                }
                o.push_str(&src[last..end]);
                if !b.get(end).is_some_and(u8::is_ascii_whitespace) {
                    o.push(' ');
                }
                last = end;
                i = end;
            }
            (b'}' | b'%' | b'#', b'}') => {
                let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
                if start >= last {
                    o.push_str(&src[last..start]);
                    if start > 0 && !b[start - 1].is_ascii_whitespace() {
                        o.push(' ');
                    }
                    last = start;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    o.push_str(&src[last..]);
    o
}

/// The settings for minifying templates at load: those of [`minify_cfg`], with template
/// syntax kept verbatim and inline CSS left alone (it may hold template syntax).
fn template_minify_cfg() -> minify_html::Cfg {
    minify_html::Cfg {
        preserve_brace_template_syntax: true,
        minify_css: false,
        ..minify_cfg()
    }
}

/// The template tags of `src` in order, each with its inner whitespace collapsed.
fn template_tags(src: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find(['{']) {
        let close = match rest.as_bytes().get(i + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                rest = &rest[i + 1..];
                continue;
            }
        };
        let Some(j) = rest[i + 2..].find(close) else {
            tags.push(rest[i..].split_whitespace().collect::<Vec<_>>().join(" "));
            break;
        };
        let tag = &rest[i..i + 2 + j + 2];
        tags.push(tag.split_whitespace().collect::<Vec<_>>().join(" "));
        rest = &rest[i + 2 + j + 2..];
    }
    tags
}

/// An HTML template minified, or `None` when minification would change its template syntax
/// (say a tag with a double-quoted string inside a double-quoted attribute value, which the
/// HTML parser cannot see as one value): such a template is kept as written and its pages are
/// minified whole after rendering.
fn minified_template(src: &str) -> Option<String> {
    let padded = pad_template_tags(src);
    let min = String::from_utf8(minify_html::minify(
        padded.as_bytes(),
        &template_minify_cfg(),
    ))
    .ok()?;
    // minify-html may reorder a tag's attributes, so expressions are compared as a multiset;
    // statements and comments must keep their order.
    let split = |src: &str| {
        let (mut exprs, blocks): (Vec<String>, Vec<String>) = template_tags(src)
            .into_iter()
            .partition(|t| t.starts_with("{{"));
        exprs.sort();
        (exprs, blocks)
    };
    (split(&min) == split(&padded)).then_some(min)
}

/// A template's source as compiled: HTML templates minified when that is safe, others as
/// written.
fn compiled_source(name: &str, src: &str) -> String {
    if name.ends_with(".html") {
        minified_template(src).unwrap_or_else(|| src.to_string())
    } else {
        src.to_string()
    }
}

/// Whether pages of template `name` of `theme` come out of [`templates`] minified (otherwise
/// minify them with [`minify`]).
pub fn is_minified(theme: &Theme, name: &str) -> bool {
    name.ends_with(".html")
        && theme
            .templates
            .get(name)
            .is_some_and(|s| minified_template(s).is_some())
}

/// Compiles the theme's templates. HTML and XML templates are autoescaped; HTML templates are
/// minified first.
pub fn templates(theme: &Theme) -> Result<tera::Tera> {
    templates_with(theme, true)
}

/// [`templates`], with the HTML templates minified or (`minified = false`) as written: a page
/// from either, minified whole, is the same page.
pub fn templates_with(theme: &Theme, minified: bool) -> Result<tera::Tera> {
    let mut t = tera::Tera::default();
    // Filters first: Tera checks at load that every filter a template uses exists.
    t.register_filter("sci", sci_filter);
    t.autoescape_on([".html", ".xml"]);
    t.set_escape_fn(escape_to);
    let sources: Vec<(String, String)> = theme
        .templates
        .iter()
        .map(|(n, s)| {
            let src = if minified {
                compiled_source(n, s)
            } else {
                s.clone()
            };
            (n.clone(), src)
        })
        .collect();
    t.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
        .map_err(|e| Error::Render {
            what: "theme templates".into(),
            detail: format!(
                "{} (fix the template, or remove it from your theme to use the default)",
                chain(&e)
            ),
        })?;
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
pub fn render(t: &tera::Tera, name: &str, ctx: Json, page: &str) -> Result<String> {
    render_context(t, name, &context(ctx), page)
}

/// Renders template `name` with a context already in tera's values (see [`context`]).
pub fn render_context(
    t: &tera::Tera,
    name: &str,
    ctx: &tera::Context,
    page: &str,
) -> Result<String> {
    t.render(name, ctx).map_err(|e| Error::Render {
        what: format!("{page} (template {name})"),
        detail: format!("{}; check the template in your theme", chain(&e)),
    })
}

/// A JSON object as a tera context: each top-level entry one variable.
pub fn context(ctx: Json) -> tera::Context {
    let mut c = tera::Context::new();
    if let Json::Object(m) = ctx {
        for (k, v) in m {
            c.insert_value(k, value(v));
        }
    }
    c
}

/// A JSON value as a tera value (taken by value: strings and maps move over).
pub fn value(v: Json) -> tera::Value {
    match v {
        Json::Null => tera::Value::none(),
        Json::Bool(b) => b.into(),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into(),
            (None, Some(u)) => u.into(),
            _ => n.as_f64().unwrap_or(f64::NAN).into(),
        },
        Json::String(s) => s.into(),
        Json::Array(a) => a.into_iter().map(value).collect::<Vec<_>>().into(),
        Json::Object(m) => m
            .into_iter()
            .map(|(k, v)| (tera::value::Key::from(k), value(v)))
            .collect::<tera::Map>()
            .into(),
    }
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

/// A page's `root` (the relative path to the site root, `../../` for `source/12/index.html`)
/// and canonical URL (empty without a base URL).
fn root_and_canonical(base_url: &str, path: &str) -> (String, String) {
    let root = "../".repeat(path.matches('/').count());
    let canonical = if base_url.is_empty() {
        String::new()
    } else {
        let page = path.strip_suffix("index.html").unwrap_or(path);
        format!("{}/{page}", base_url.trim_end_matches('/'))
    };
    (root, canonical)
}

/// What every page's context holds: the site settings, the relative path to the site root and
/// the canonical URL (when `base_url` is set).
pub fn base(site: &Json, path: &str) -> Json {
    let (root, canonical) = root_and_canonical(site["base_url"].as_str().unwrap_or(""), path);
    json!({"site": site, "root": root, "canonical": canonical, "path": path})
}

/// [`base`] as a tera context for `site` as a tera value, with the page's `root`.
pub fn base_context(site: &tera::Value, path: &str) -> (tera::Context, String) {
    let base_url = site
        .get_from_path("base_url")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let (root, canonical) = root_and_canonical(base_url, path);
    let mut c = tera::Context::new();
    c.insert_value("site", site.clone());
    c.insert_value("root", root.as_str().into());
    c.insert_value("canonical", canonical.into());
    c.insert_value("path", path.into());
    (c, root)
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
    fn template_tags_get_inner_spaces() {
        assert_eq!(
            pad_template_tags("<a href=\"{{root}}x\">{%if a-%}{{- b -}}{%endif%}{#c#}</a>"),
            "<a href=\"{{ root }}x\">{% if a -%}{{- b -}}{% endif %}{# c #}</a>"
        );
        assert_eq!(pad_template_tags("a } b { c %"), "a } b { c %");
    }

    #[test]
    fn minified_templates_keep_attribute_values_quoted() {
        let src = "<p class=\"x\">\n  <a href=\"{{root}}source/\" title=\"{{name}}\">{{ name }}</a>\n  {% if x %} <b>y</b> {% endif %}\n</p>";
        let out = compiled_source("t.html", src);
        assert!(out.contains("href=\"{{ root }}source/\""), "{out}");
        assert!(out.contains("title=\"{{ name }}\""), "{out}");
        assert!(!out.contains('\n'), "{out}");
        let mut t = tera::Tera::default();
        t.add_raw_template("t.html", &out).unwrap();
        t.autoescape_on([".html"]);
        t.set_escape_fn(escape_to);
        let mut c = tera::Context::new();
        c.insert("root", "../");
        c.insert("name", "a \"b\" <c> & d");
        c.insert("x", &true);
        let html = t.render("t.html", &c).unwrap();
        assert!(
            html.contains("title=\"a &quot;b&quot; &lt;c&gt; &amp; d\""),
            "{html}"
        );
        assert!(html.contains("<b>y</b>"), "{html}");
        assert_eq!(
            compiled_source("atom.xml", "<a>\n {{x}}</a>"),
            "<a>\n {{x}}</a>"
        );
        // A double-quoted string inside a double-quoted attribute: kept as written.
        let odd = "<div class=\"{% if a == \"b\" %}c{% endif %}\">\n x</div>";
        assert_eq!(compiled_source("t.html", odd), odd);
        assert_eq!(
            template_tags("a {{ x|safe }} {%  if y\n%}{#c#}"),
            ["{{ x|safe }}", "{% if y %}", "{#c#}"]
        );
    }

    #[test]
    fn the_sci_filter_writes_numbers_in_scientific_notation() {
        let theme = Theme {
            templates: [(
                "t.html".to_string(),
                "{{ a | sci }} {{ b | sci }} {{ c | sci }} {{ d | sci }}".to_string(),
            )]
            .into(),
            statics: Default::default(),
        };
        let t = templates(&theme).unwrap();
        let ctx = json!({"a": 1.2345e-14, "b": 0.0, "c": null, "d": "<x>"});
        // Three significant digits (format::sci); null as the null mark; strings escaped as they are.
        assert_eq!(
            render(&t, "t.html", ctx, "t").unwrap(),
            "1.23e-14 0 — &lt;x&gt;"
        );
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
