//! Docs and news: Markdown files under `content/docs/` and `content/news/` with TOML front
//! matter between `+++` lines (`title`, `date`, `summary`, `draft`, `weight`), rendered with
//! pulldown-cmark (CommonMark plus tables, footnotes, strikethrough and task lists; every
//! heading gets an `id` and a self-link).

use crate::error::{Error, Result};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One Markdown page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page {
    /// `docs` or `news`.
    pub section: String,
    /// URL slug (file name without `.md`, or `date-name` files keep their name).
    pub slug: String,
    /// Path of the page relative to the site root (`docs/<slug>/`).
    pub url: String,
    /// Title.
    pub title: String,
    /// Date `YYYY-MM-DD` (news), empty when absent.
    pub date: String,
    /// Summary, empty when absent.
    pub summary: String,
    /// Ordering weight in the docs navigation (lower first).
    pub weight: i64,
    /// Rendered HTML body.
    pub html: String,
    /// Source file.
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(default)]
    date: Option<toml::Value>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    weight: i64,
}

fn content_error(file: &Path, detail: String) -> Error {
    Error::Content {
        path: file.to_path_buf(),
        detail,
    }
}

/// Splits `+++` front matter from the body.
fn split(text: &str, file: &Path) -> Result<(FrontMatter, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or_else(|| {
            content_error(
                file,
                "no front matter: start the file with a `+++` line, then `title = \"...\"`, then `+++`".into(),
            )
        })?;
    let end = rest.find("\n+++").ok_or_else(|| {
        content_error(
            file,
            "front matter is not closed: add a `+++` line after it".into(),
        )
    })?;
    let fm: FrontMatter = toml::from_str(&rest[..end])
        .map_err(|e| content_error(file, format!("front matter: {}", e.to_string().trim())))?;
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    Ok((fm, body.to_string()))
}

/// A URL fragment from heading text: lower case, alphanumerics joined by `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Renders Markdown to HTML with heading anchors.
pub fn markdown(body: &str) -> String {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let events: Vec<Event> = Parser::new_ext(body, opts).collect();
    let mut out_events: Vec<Event> = Vec::with_capacity(events.len());
    let mut used = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = *level;
            let explicit = id.as_ref().map(|s| s.to_string());
            let mut j = i + 1;
            let mut text = String::new();
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = explicit.unwrap_or_else(|| slugify(&text));
            let base = if base.is_empty() {
                "section".to_string()
            } else {
                base
            };
            let mut id = base.clone();
            let mut n = 1;
            while !used.insert(id.clone()) {
                n += 1;
                id = format!("{base}-{n}");
            }
            let lvl = heading_number(level);
            out_events.push(Event::Html(format!("<h{lvl} id=\"{id}\">").into()));
            out_events.extend(events[i + 1..j].iter().cloned());
            out_events.push(Event::Html(
                format!("<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n").into(),
            ));
            i = j + 1;
            continue;
        }
        out_events.push(events[i].clone());
        i += 1;
    }
    let mut s = String::with_capacity(body.len() * 2);
    html::push_html(&mut s, out_events.into_iter());
    s
}

fn heading_number(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn date_text(v: &toml::Value, file: &Path) -> Result<String> {
    let s = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => {
            return Err(content_error(
                file,
                "`date` must be a date such as 2024-05-01".into(),
            ));
        }
    };
    let day = s.get(..10).unwrap_or("");
    let ok = day.len() == 10
        && day.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !ok {
        return Err(content_error(
            file,
            format!("`date = {s}` is not a date like 2024-05-01"),
        ));
    }
    Ok(day.to_string())
}

/// Reads one Markdown file of `section`.
pub fn read_page(section: &str, file: &Path, rel: &Path) -> Result<Option<Page>> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let (fm, body) = split(&text, file)?;
    if fm.draft {
        return Ok(None);
    }
    let stem = rel.with_extension("");
    let slug = stem
        .components()
        .map(|c| slugify(&c.as_os_str().to_string_lossy()))
        .collect::<Vec<_>>()
        .join("/");
    let date = match &fm.date {
        Some(v) => date_text(v, file)?,
        None if section == "news" => {
            return Err(content_error(
                file,
                "news items need a `date = 2024-05-01` in the front matter".into(),
            ));
        }
        None => String::new(),
    };
    Ok(Some(Page {
        section: section.to_string(),
        url: format!("{section}/{slug}/"),
        slug,
        title: fm.title,
        date,
        summary: fm.summary,
        weight: fm.weight,
        html: markdown(&body),
        file: file.to_path_buf(),
    }))
}

/// Reads every page of `root/<section>/` (none when the folder is absent): docs by weight then
/// title, news newest first.
pub fn load_section(root: &Path, section: &str) -> Result<Vec<Page>> {
    let dir = root.join(section);
    let mut pages = Vec::new();
    if !dir.is_dir() {
        return Ok(pages);
    }
    for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let e = e.map_err(|e| Error::io(&dir, e.into()))?;
        let p = e.path();
        if e.file_type().is_file() && p.extension().is_some_and(|x| x == "md") {
            let rel = p.strip_prefix(&dir).unwrap_or(p);
            if rel
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
            {
                continue;
            }
            if let Some(page) = read_page(section, p, rel)? {
                pages.push(page);
            }
        }
    }
    let mut seen = HashSet::new();
    for p in &pages {
        if !seen.insert(p.slug.clone()) {
            return Err(content_error(
                &p.file,
                format!(
                    "another page of {section}/ has the URL {}; rename one of them",
                    p.url
                ),
            ));
        }
    }
    if section == "news" {
        pages.sort_by(|a, b| b.date.cmp(&a.date).then(a.slug.cmp(&b.slug)));
    } else {
        pages.sort_by(|a, b| a.weight.cmp(&b.weight).then(a.title.cmp(&b.title)));
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_markdown() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.md");
        std::fs::write(&f, "+++\ntitle = \"A\"\ndate = 2024-05-01\nsummary = \"s\"\n+++\n# Hello *world*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: foot\n\n## Hello world\n").unwrap();
        let p = read_page("news", &f, Path::new("a.md")).unwrap().unwrap();
        assert_eq!(
            (p.title.as_str(), p.date.as_str(), p.url.as_str()),
            ("A", "2024-05-01", "news/a/")
        );
        assert!(
            p.html
                .contains("<h1 id=\"hello-world\">Hello <em>world</em>"),
            "{}",
            p.html
        );
        assert!(p.html.contains("<h2 id=\"hello-world-2\">"), "{}", p.html);
        assert!(p.html.contains("<table>"));
        assert!(p.html.contains("footnote-definition"), "{}", p.html);
    }

    #[test]
    fn drafts_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.md");
        std::fs::write(&f, "+++\ntitle = \"D\"\ndraft = true\n+++\nx").unwrap();
        assert!(read_page("docs", &f, Path::new("d.md")).unwrap().is_none());
        std::fs::write(&f, "no front matter").unwrap();
        let e = read_page("docs", &f, Path::new("d.md"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.md") && e.contains("+++"), "{e}");
        std::fs::write(&f, "+++\ntitle = \"D\"\ncolour = 1\n+++\nx").unwrap();
        let e = read_page("docs", &f, Path::new("d.md"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
    }
}
