//! The theme: tera templates and static files. The default theme (`themes/default/`) is
//! embedded whole in the binary, so new templates and static files are picked up without code
//! changes; a user theme folder (`site.theme` in xcat.toml) overrides any template or static
//! file by its path relative to `templates/` or `static/`.

use crate::error::{Error, Result};
use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::path::Path;

static DEFAULT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes/default");

/// A loaded theme.
pub struct Theme {
    /// Templates by name (path under `templates/`, `/`-separated).
    pub templates: BTreeMap<String, String>,
    /// Static files by path under `static/`.
    pub statics: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("templates", &self.templates.keys().collect::<Vec<_>>())
            .field("statics", &self.statics.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn embedded(dir: &Dir<'static>, prefix: &str, out: &mut Vec<(String, &'static [u8])>) {
    for f in dir.files() {
        let rel = f.path().strip_prefix(prefix).unwrap_or(f.path());
        out.push((rel.to_string_lossy().replace('\\', "/"), f.contents()));
    }
    for d in dir.dirs() {
        embedded(d, prefix, out);
    }
}

fn user_files(root: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    if !root.is_dir() {
        return Ok(out);
    }
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.map_err(|e| Error::io(root, e.into()))?;
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(root).unwrap_or(e.path());
            let name = rel.to_string_lossy().replace('\\', "/");
            if name.split('/').any(|c| c.starts_with('.')) {
                continue;
            }
            let bytes = std::fs::read(e.path()).map_err(|err| Error::io(e.path(), err))?;
            out.push((name, bytes));
        }
    }
    Ok(out)
}

impl Theme {
    /// The embedded default theme with the files of `user` (a theme folder with `templates/`
    /// and `static/`) replacing same-named ones.
    pub fn load(user: Option<&Path>) -> Result<Theme> {
        let mut templates = BTreeMap::new();
        let mut statics = BTreeMap::new();
        for (sub, is_template) in [("templates", true), ("static", false)] {
            let mut files = Vec::new();
            if let Some(d) = DEFAULT.get_dir(sub) {
                embedded(d, sub, &mut files);
            }
            for (name, bytes) in files {
                insert(
                    &mut templates,
                    &mut statics,
                    is_template,
                    name,
                    bytes.to_vec(),
                    None,
                )?;
            }
            if let Some(u) = user {
                let root = u.join(sub);
                for (name, bytes) in user_files(&root)? {
                    let path = root.join(&name);
                    insert(
                        &mut templates,
                        &mut statics,
                        is_template,
                        name,
                        bytes,
                        Some(&path),
                    )?;
                }
            }
        }
        Ok(Theme { templates, statics })
    }

    /// Files the query and diagrams pages load that are built outside cargo (the browser
    /// query module by `scripts/build-wasm.sh`, the plotting library by `scripts/vendor.sh`)
    /// and embedded when present.
    pub const QUERY_FILES: [&'static str; 3] = [
        "wasm/xcat_wasm_bg.wasm",
        "wasm/xcat_wasm.js",
        "vendor/uPlot.iife.min.js",
    ];

    /// Refuses a theme with a query page but without the browser query module: its query page
    /// would never start.
    pub fn check_query_module(&self) -> Result<()> {
        if !self.has_template("query.html") {
            return Ok(());
        }
        let missing: Vec<&str> = Self::QUERY_FILES
            .into_iter()
            .filter(|f| !self.statics.contains_key(*f))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Incomplete {
            detail: format!(
                "this xcat was compiled without the browser query module (the theme lacks static/{}): the site's query and diagrams pages would never start",
                missing.join(", static/")
            ),
            hint: "build xcat with `make build`, or run scripts/build-wasm.sh and scripts/vendor.sh and then `cargo build` (or `cargo install --path generator`) again; or leave the query and diagrams pages out with `xcat build --no-query`".into(),
        })
    }

    /// A digest of every template and static file (names and bytes).
    pub fn digest(&self) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (n, t) in &self.templates {
            h.update(n.as_bytes());
            h.update(&(t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        for (n, b) in &self.statics {
            h.update(n.as_bytes());
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        }
        h.digest128()
    }

    /// A digest of the templates alone (static files are copied on every build and never
    /// change a page's HTML).
    pub fn templates_digest(&self) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (n, t) in &self.templates {
            h.update(n.as_bytes());
            h.update(&(t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        h.digest128()
    }

    /// Whether the theme has a template of this name.
    pub fn has_template(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }
}

fn insert(
    templates: &mut BTreeMap<String, String>,
    statics: &mut BTreeMap<String, Vec<u8>>,
    is_template: bool,
    name: String,
    bytes: Vec<u8>,
    path: Option<&Path>,
) -> Result<()> {
    if is_template {
        let text = String::from_utf8(bytes).map_err(|_| Error::Render {
            what: "theme templates".into(),
            detail: format!(
                "template {} is not UTF-8 text",
                path.map_or(name.clone(), |p| p.display().to_string())
            ),
        })?;
        templates.insert(name, text);
    } else {
        statics.insert(name, bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_theme_is_embedded_whole() {
        let t = Theme::load(None).unwrap();
        for n in ["base.html", "source.html", "observation.html", "page.html"] {
            assert!(t.has_template(n), "{n} missing from {t:?}");
        }
        assert!(t.statics.contains_key("style.css"));
    }

    #[test]
    fn a_query_page_without_the_query_module_is_refused() {
        let mut t = Theme::load(None).unwrap();
        // This build embeds the module (the test command builds it first).
        t.check_query_module().unwrap();
        t.statics.remove("wasm/xcat_wasm_bg.wasm");
        let e = t.check_query_module().unwrap_err().to_string();
        assert!(e.contains("static/wasm/xcat_wasm_bg.wasm"), "{e}");
        assert!(e.contains("make build") && e.contains("--no-query"), "{e}");
        // A theme without a query page needs no module.
        t.templates.remove("query.html");
        t.check_query_module().unwrap();
    }

    #[test]
    fn user_theme_overrides_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::create_dir_all(dir.path().join("static/img")).unwrap();
        std::fs::write(dir.path().join("templates/source.html"), "mine").unwrap();
        std::fs::write(dir.path().join("static/img/logo.svg"), "<svg/>").unwrap();
        let t = Theme::load(Some(dir.path())).unwrap();
        assert_eq!(t.templates["source.html"], "mine");
        assert_eq!(t.statics["img/logo.svg"], b"<svg/>");
        assert!(t.has_template("observation.html"));
        assert_ne!(t.digest(), Theme::load(None).unwrap().digest());
    }
}
