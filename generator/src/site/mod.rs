//! Writes the site: home page, a page per source and per observation, the theme's static
//! files. The output is built in a sibling folder and swapped into place only when complete,
//! so a failed build leaves an existing output folder untouched.

pub mod data;
pub mod render;

use crate::catalog::Catalogue;
use crate::config::Config;
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a build wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// Pages written.
    pub pages: usize,
    /// Other files written.
    pub files: usize,
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::output(path, e))
}

fn render_to(t: &tera::Tera, name: &str, ctx: serde_json::Value, path: &Path) -> Result<()> {
    let ctx = tera::Context::from_value(ctx).map_err(|e| Error::Render {
        what: path.display().to_string(),
        detail: render::chain(&e),
    })?;
    let html = t.render(name, &ctx).map_err(|e| Error::Render {
        what: path.display().to_string(),
        detail: render::chain(&e),
    })?;
    write_file(path, html.as_bytes())
}

/// Renders every page into `dir` (which must exist and be empty).
fn render_all(
    config: &Config,
    cat: &Catalogue,
    dir: &Path,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<BuildReport> {
    let theme = config.site.theme.as_ref().map(|p| config.resolve(p));
    let t = render::templates(theme.as_deref())?;
    let base = json!({
        "site": {"title": config.title, "base_url": config.base_url},
        "stats": {
            "detections": cat.detections.rows(),
            "sources": cat.sources.rows(),
            "observations": cat.observations.rows(),
            "columns": cat.detections.schema().len(),
        },
    });
    render_to(
        &t,
        "index.html",
        render::home(cat, &base),
        &dir.join("index.html"),
    )?;
    let srcid = cat.sources.column("SRCID").expect("sources have SRCID");
    let done = std::sync::atomic::AtomicUsize::new(0);
    (0..cat.sources.rows()).into_par_iter().try_for_each(|i| {
        let id = srcid.i64(i).unwrap_or(0);
        let path = dir.join("source").join(id.to_string()).join("index.html");
        let r = render_to(&t, "source.html", render::source(cat, i, &base), &path);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if n % 1024 == 0 {
            progress(n);
        }
        r
    })?;
    let source_row: HashMap<i64, usize> = (0..cat.sources.rows())
        .filter_map(|i| srcid.i64(i).map(|v| (v, i)))
        .collect();
    let obs = cat
        .observations
        .column("OBS_ID")
        .expect("observations have OBS_ID");
    (0..cat.observations.rows())
        .into_par_iter()
        .try_for_each(|i| {
            let id = obs.str(i).unwrap_or("unknown");
            let path = dir.join("observation").join(id).join("index.html");
            render_to(
                &t,
                "observation.html",
                render::observation(cat, i, &base, &source_row),
                &path,
            )
        })?;
    let data = data::write(config, cat, dir)?;
    let mut files = data.files;
    for (name, bytes) in render::DEFAULT_STATIC {
        let user = theme
            .as_ref()
            .map(|d| d.join("static").join(name))
            .filter(|p| p.is_file());
        let bytes = match user {
            Some(p) => std::fs::read(&p).map_err(|e| Error::io(&p, e))?,
            None => bytes.to_vec(),
        };
        write_file(&dir.join("static").join(name), &bytes)?;
        files += 1;
    }
    Ok(BuildReport {
        pages: 1 + cat.sources.rows() + cat.observations.rows(),
        files,
    })
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Builds the site into `out`: renders into a sibling folder, then swaps it into place.
pub fn build(
    config: &Config,
    cat: &Catalogue,
    out: &Path,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<BuildReport> {
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::output(out, e))?
            .join(out)
    };
    let staging = sibling(&out, "building");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| Error::output(&staging, e))?;
    let report = match render_all(config, cat, &staging, progress) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let old = sibling(&out, "old");
    if out.exists() {
        std::fs::rename(&out, &old).map_err(|e| Error::output(&out, e))?;
    }
    if let Err(e) = std::fs::rename(&staging, &out) {
        let _ = std::fs::rename(&old, &out);
        return Err(Error::output(&out, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(report)
}
