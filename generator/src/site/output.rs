//! The output folder, written incrementally and atomically.
//!
//! Files are produced into a staging folder beside the output, and only when their bytes
//! differ from the file already in the output; unchanged files are not touched (they keep
//! their mtime, so rsync and CDNs see no change). Only when the whole build has succeeded does
//! [`Output::commit`] move the staged files into place and delete files the build no longer
//! produces; a failed build removes the staging folder and leaves the output as it was.
//!
//! The build also sums up the tree's digest ([`tree_digest`]) from the files it produces, so a
//! mirror can check that its copy holds the same files with the same bytes.

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Counts of a committed build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Files produced by the build (written or unchanged).
    pub produced: usize,
    /// Files whose bytes changed or that are new.
    pub written: usize,
    /// Files left untouched because their bytes are the same.
    pub unchanged: usize,
    /// Stale files deleted.
    pub deleted: usize,
    /// Bytes of the produced files.
    pub bytes: u64,
    /// The digest of the whole output tree (see [`tree_digest`]).
    pub digest: u128,
}

/// The digest of one file of a tree: XXH3-128 of its `/`-separated path, a zero byte and its
/// bytes.
pub fn file_digest(rel: &str, bytes: &[u8]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(rel.as_bytes());
    h.update(&[0]);
    h.update(bytes);
    h.digest128()
}

/// The digest of the tree under `dir`: the sum (modulo 2^128) of its files' [`file_digest`]s,
/// hidden files included. A sum does not depend on the order in which files are visited, and
/// the digests of parts of a tree add up to the tree's.
pub fn tree_digest(dir: &Path) -> Result<u128> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.map_err(|e| Error::io(dir, e.into()))?;
        if e.file_type().is_file() {
            files.push(e.into_path());
        }
    }
    files
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let rel = p
                .strip_prefix(dir)
                .expect("under the tree")
                .to_string_lossy()
                .replace('\\', "/");
            Ok(file_digest(&rel, &bytes))
        })
        .try_reduce(|| 0, |a, b| Ok(a.wrapping_add(b)))
}

/// The top-level entry a path is under: `source/` for `source/3/index.html`, the file name for
/// a file at the root.
fn top(rel: &str) -> &str {
    match rel.find('/') {
        Some(i) => &rel[..=i],
        None => rel,
    }
}

/// An output folder being built.
#[derive(Debug)]
pub struct Output {
    out: PathBuf,
    staging: PathBuf,
    fresh: bool,
    produced: Mutex<HashSet<String>>,
    kept: Vec<String>,
    written: AtomicUsize,
    unchanged: AtomicUsize,
    bytes: AtomicU64,
    /// Digest sums of the produced and kept files, by top-level entry.
    sums: Mutex<BTreeMap<String, u128>>,
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|b| b == bytes)
        }
        _ => false,
    }
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(d) = path.parent() {
        // Most pages are the first file of a new folder (`source/<SRCID>/`) whose parent
        // exists: one mkdir, where `create_dir_all` would first look the folder up (a
        // lookup in a directory of 700,000 entries at DR14 scale).
        match std::fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(_) => std::fs::create_dir_all(d).map_err(|e| Error::output(d, e))?,
        }
    }
    Ok(())
}

impl Output {
    /// Starts a build of `out` (an absolute path).
    pub fn new(out: &Path) -> Result<Self> {
        let staging = sibling(out, "building");
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(|e| Error::output(&staging, e))?;
        Ok(Output {
            out: out.to_path_buf(),
            fresh: !out.is_dir(),
            staging,
            produced: Mutex::new(HashSet::new()),
            kept: Vec::new(),
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            sums: Mutex::new(BTreeMap::new()),
        })
    }

    /// The final output folder.
    pub fn dir(&self) -> &Path {
        &self.out
    }

    /// Whether the output folder did not exist before this build.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Keeps every existing file under `prefix` (`source/`) or named `prefix` as it is: work
    /// the build skipped because its inputs did not change.
    pub fn keep(&mut self, prefix: &str) {
        self.kept.push(prefix.to_string());
    }

    /// [`Output::keep`]s the top-level entry `top` (`source/`, `sitemap-1.xml`) whose files'
    /// digests sum to `sum` (from [`Output::sums`] of the build that wrote them).
    pub fn keep_summed(&mut self, top: &str, sum: u128) {
        self.keep(top);
        *self
            .sums
            .get_mut()
            .expect("not poisoned")
            .entry(top.to_string())
            .or_default() = sum;
    }

    /// The digest sums of the files produced so far under the top-level entries `tops`.
    pub fn sums<'a>(&self, tops: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, u128> {
        let sums = self.sums.lock().expect("not poisoned");
        tops.into_iter()
            .map(|t| (t.to_string(), sums.get(t).copied().unwrap_or(0)))
            .collect()
    }

    fn add_digest(&self, rel: &str, bytes: &[u8]) {
        let d = file_digest(rel, bytes);
        let mut sums = self.sums.lock().expect("not poisoned");
        let slot = sums.entry(top(rel).to_string()).or_default();
        *slot = slot.wrapping_add(d);
    }

    fn record(&self, rel: &str) {
        if !self.fresh {
            self.produced
                .lock()
                .expect("not poisoned")
                .insert(rel.to_string());
        }
    }

    /// Produces the file `rel` (a `/`-separated path under the output) with `bytes`.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.add_digest(rel, bytes);
        self.record(rel);
        if !self.fresh && same_bytes(&self.out.join(rel), bytes) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let p = self.staging.join(rel);
        create_parent(&p)?;
        std::fs::write(&p, bytes).map_err(|e| Error::output(&p, e))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Produces `rel` from the file `src` that something else wrote (moved, not copied).
    pub fn adopt(&self, rel: &str, src: &Path) -> Result<()> {
        let len = std::fs::metadata(src).map_err(|e| Error::io(src, e))?.len();
        self.bytes.fetch_add(len, Ordering::Relaxed);
        self.record(rel);
        let bytes = std::fs::read(src).map_err(|e| Error::io(src, e))?;
        self.add_digest(rel, &bytes);
        if !self.fresh && same_bytes(&self.out.join(rel), &bytes) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let p = self.staging.join(rel);
        create_parent(&p)?;
        if std::fs::rename(src, &p).is_err() {
            std::fs::copy(src, &p).map_err(|e| Error::output(&p, e))?;
        }
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// A scratch folder beside the output for producers that write files themselves; removed
    /// with the staging folder.
    pub fn scratch(&self, name: &str) -> Result<PathBuf> {
        let d = sibling(&self.out, &format!("scratch-{name}"));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).map_err(|e| Error::output(&d, e))?;
        Ok(d)
    }

    /// Abandons the build: removes the staging folder, the output stays as it was.
    pub fn abort(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }

    fn is_kept(&self, rel: &str) -> bool {
        self.kept
            .iter()
            .any(|k| rel == k || (k.ends_with('/') && rel.starts_with(k.as_str())))
    }

    /// Moves the staged files into the output and deletes stale files.
    pub fn commit(self) -> Result<WriteCounts> {
        let written = self.written.load(Ordering::Relaxed);
        let unchanged = self.unchanged.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let digest = self
            .sums
            .lock()
            .expect("not poisoned")
            .values()
            .fold(0u128, |a, b| a.wrapping_add(*b));
        let mut deleted = 0;
        if self.fresh {
            create_parent(&self.out)?;
            std::fs::rename(&self.staging, &self.out).map_err(|e| Error::output(&self.out, e))?;
        } else {
            let produced = self.produced.lock().expect("not poisoned");
            let mut staged = Vec::new();
            for e in walkdir::WalkDir::new(&self.staging) {
                let e = e.map_err(|e| Error::output(&self.staging, e.into()))?;
                if e.file_type().is_file() {
                    staged.push(e.into_path());
                }
            }
            for src in staged {
                let rel = src.strip_prefix(&self.staging).expect("under staging");
                let dst = self.out.join(rel);
                create_parent(&dst)?;
                if dst.is_dir() {
                    std::fs::remove_dir_all(&dst).map_err(|e| Error::output(&dst, e))?;
                }
                std::fs::rename(&src, &dst).map_err(|e| Error::output(&dst, e))?;
            }
            let mut stale = Vec::new();
            let mut dirs = Vec::new();
            let rel_of = |p: &Path| {
                p.strip_prefix(&self.out)
                    .expect("under output")
                    .to_string_lossy()
                    .replace('\\', "/")
            };
            // Kept folders are not even walked: at catalogue scale they hold millions of files.
            let walk = walkdir::WalkDir::new(&self.out)
                .min_depth(1)
                .into_iter()
                .filter_entry(|e| {
                    !(e.file_type().is_dir() && self.is_kept(&format!("{}/", rel_of(e.path()))))
                });
            for e in walk {
                let e = e.map_err(|e| Error::output(&self.out, e.into()))?;
                let rel = rel_of(e.path());
                if e.file_type().is_dir() {
                    dirs.push(e.into_path());
                } else if !produced.contains(&rel) && !self.is_kept(&rel) {
                    stale.push(e.into_path());
                }
            }
            for p in stale {
                std::fs::remove_file(&p).map_err(|e| Error::output(&p, e))?;
                deleted += 1;
            }
            dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
            for d in dirs {
                let _ = std::fs::remove_dir(&d);
            }
            drop(produced);
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        Ok(WriteCounts {
            produced: written + unchanged,
            written,
            unchanged,
            deleted,
            bytes,
            digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_changed_files_and_deletes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        let o = Output::new(&out).unwrap();
        o.write("a.html", b"a").unwrap();
        o.write("x/b.html", b"b").unwrap();
        o.write("x/old.html", b"old").unwrap();
        let c = o.commit().unwrap();
        assert_eq!((c.written, c.unchanged, c.deleted), (3, 0, 0));
        let ino = |p: &str| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(out.join(p)).unwrap().ino()
        };
        let a_ino = ino("a.html");
        let o = Output::new(&out).unwrap();
        o.write("a.html", b"a").unwrap();
        o.write("x/b.html", b"B").unwrap();
        let c = o.commit().unwrap();
        assert_eq!((c.written, c.unchanged, c.deleted), (1, 1, 1));
        assert_eq!(ino("a.html"), a_ino, "unchanged file untouched");
        assert_eq!(std::fs::read(out.join("x/b.html")).unwrap(), b"B");
        assert!(!out.join("x/old.html").exists());
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "only dist remains");
    }

    #[test]
    fn abort_leaves_the_output_alone_and_kept_prefixes_survive() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        let o = Output::new(&out).unwrap();
        o.write("source/1/index.html", b"s").unwrap();
        o.write("index.html", b"h").unwrap();
        o.commit().unwrap();
        let o = Output::new(&out).unwrap();
        o.write("index.html", b"changed").unwrap();
        o.abort();
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"h");
        let mut o = Output::new(&out).unwrap();
        o.keep("source/");
        o.write("index.html", b"h").unwrap();
        let c = o.commit().unwrap();
        assert_eq!(c.deleted, 0);
        assert!(out.join("source/1/index.html").is_file());
    }

    #[test]
    fn the_build_digest_is_the_trees_and_parts_add_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dist");
        let o = Output::new(&out).unwrap();
        o.write("source/1/index.html", b"s1").unwrap();
        o.write("source/2/index.html", b"s2").unwrap();
        o.write("index.html", b"h").unwrap();
        o.write(".hidden", b"x").unwrap();
        let sums = o.sums(["source/"]);
        let c = o.commit().unwrap();
        assert_eq!(c.digest, tree_digest(&out).unwrap());
        assert_eq!(
            sums["source/"],
            file_digest("source/1/index.html", b"s1")
                .wrapping_add(file_digest("source/2/index.html", b"s2"))
        );
        // A rebuild that keeps source/ with its sum gives the same digest.
        let mut o = Output::new(&out).unwrap();
        o.keep_summed("source/", sums["source/"]);
        o.write("index.html", b"h").unwrap();
        o.write(".hidden", b"x").unwrap();
        assert_eq!(o.commit().unwrap().digest, c.digest);
        // One byte or one name changed: another digest.
        std::fs::write(out.join("index.html"), b"H").unwrap();
        assert_ne!(tree_digest(&out).unwrap(), c.digest);
        std::fs::write(out.join("index.html"), b"h").unwrap();
        assert_eq!(tree_digest(&out).unwrap(), c.digest);
        std::fs::rename(out.join(".hidden"), out.join(".other")).unwrap();
        assert_ne!(tree_digest(&out).unwrap(), c.digest);
    }
}
