//! The query engine over a built site's files on disk: the same `xcat_core` engine the
//! browser runs, with the files read from `data/` (or `data/<release>/`) instead of fetched.
//! The VO server and `xcat query` answer with it.

use crate::error::{Error, Result};
use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use xcat_core::chunk::{Engine, EngineError, Execution, FileRef, QueryResult, RunOptions, Step};
use xcat_core::query::{Query, QueryError, adql};

/// One catalogue (release) of a built site.
#[derive(Debug)]
pub struct LocalCatalogue {
    /// Release identifier (empty on a site with one catalogue).
    pub id: String,
    /// Title shown to readers.
    pub title: String,
    /// Whether it is the site's current release.
    pub current: bool,
    /// Its ADQL schema (`xmm4_dr14`, `xcat`).
    pub schema: String,
    dir: PathBuf,
    /// The engine: queries run under the read lock, in parallel; files they need are read
    /// outside it and added under the write lock.
    engine: RwLock<Engine>,
    /// The files the engine holds, oldest first, and the memory they may take.
    memory: Mutex<Memory>,
}

/// The decoded files an engine holds, in the order they were read, and their budget.
#[derive(Debug, Default)]
struct Memory {
    /// Most decoded bytes to keep (`None`: every file read stays).
    budget: Option<u64>,
    held: VecDeque<FileRef>,
    bytes: u64,
}

impl Memory {
    /// Drops the oldest files until the budget holds, keeping `protected` (the files of the
    /// query under way); returns what to evict.
    fn trim(&mut self, protected: &HashSet<u64>) -> Vec<FileRef> {
        let Some(budget) = self.budget else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for _ in 0..self.held.len() {
            if self.bytes <= budget {
                break;
            }
            let Some(f) = self.held.pop_front() else {
                break;
            };
            if protected.contains(&f.hash) {
                self.held.push_back(f);
            } else {
                self.bytes -= u64::from(f.len);
                out.push(f);
            }
        }
        out
    }
}

/// Rounds of reading files one query may take before a memory budget too small for it
/// (files dropped before the query could use them) is reported.
const MAX_ROUNDS: usize = 10_000;

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The query's text.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The engine (a request it cannot serve, a damaged file).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Reading the site's files.
    #[error("{0}")]
    Io(String),
}

fn gunzip(path: &Path, raw: &[u8]) -> std::result::Result<Vec<u8>, RunError> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        // The engine checks each file's length and hash; a file far larger is not one of ours.
        .take(1 << 31)
        .read_to_end(&mut out)
        .map_err(|e| RunError::Io(format!("{}: {e}", path.display())))?;
    Ok(out)
}

impl LocalCatalogue {
    fn open_dir(dir: PathBuf, id: &str, title: &str, current: bool) -> Result<Self> {
        let pointer = dir.join("manifest.txt");
        let name = std::fs::read_to_string(&pointer).map_err(|e| Error::io(&pointer, e))?;
        let name = name.trim();
        if !name.starts_with("manifest.") || name.contains(['/', '\\']) {
            return Err(Error::Incomplete {
                detail: format!("{} does not name a manifest", pointer.display()),
                hint: "rebuild the site with xcat build".into(),
            });
        }
        let path = dir.join(name);
        let raw = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let bytes = gunzip(&path, &raw).map_err(|e| Error::Incomplete {
            detail: e.to_string(),
            hint: "rebuild the site with xcat build".into(),
        })?;
        let engine = Engine::open(name, &bytes).map_err(|e| Error::Incomplete {
            detail: format!("{}: {e}", path.display()),
            hint: "rebuild the site with this version of xcat".into(),
        })?;
        Ok(LocalCatalogue {
            id: id.to_string(),
            title: title.to_string(),
            current,
            schema: adql::schema_name(id),
            dir,
            engine: RwLock::new(engine),
            memory: Mutex::new(Memory::default()),
        })
    }

    /// Bounds the decoded query data kept in memory to about `bytes` (`None`: unbounded):
    /// beyond it the files read longest ago are dropped, and read again from disk when a
    /// query needs them.
    pub fn set_memory_budget(&self, bytes: Option<u64>) {
        self.memory.lock().expect("memory lock").budget = bytes;
    }

    /// Drops files beyond the memory budget once no file needs keeping for this query.
    fn trim_to_budget(&self) {
        let over = {
            let m = self.memory.lock().expect("memory lock");
            m.budget.is_some_and(|b| m.bytes > b)
        };
        if over {
            let mut engine = self.engine.write().expect("engine lock");
            let evicted = self
                .memory
                .lock()
                .expect("memory lock")
                .trim(&HashSet::new());
            for f in evicted {
                engine.evict(&f);
            }
        }
    }

    /// Decoded bytes of query data held now.
    pub fn memory_held(&self) -> u64 {
        self.memory.lock().expect("memory lock").bytes
    }

    /// The catalogues of the site built in `site`: its releases (`data/releases.txt`), or its
    /// one catalogue (`data/`), the current release first.
    pub fn open_site(site: &Path, title: &str) -> Result<Vec<LocalCatalogue>> {
        let data = site.join("data");
        let list = data.join("releases.txt");
        if !list.is_file() {
            return Ok(vec![Self::open_dir(data, "", title, true)?]);
        }
        let text = std::fs::read_to_string(&list).map_err(|e| Error::io(&list, e))?;
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut f = line.split('\t');
            let (id, _prefix, current, title) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next() == Some("1"),
                f.next().unwrap_or(""),
            );
            if id.is_empty() || id.contains(['/', '\\', '.']) {
                return Err(Error::Incomplete {
                    detail: format!("{}: bad release line {line:?}", list.display()),
                    hint: "rebuild the site with xcat build".into(),
                });
            }
            out.push(Self::open_dir(data.join(id), id, title, current)?);
        }
        out.sort_by_key(|c| !c.current);
        Ok(out)
    }

    /// What the catalogue is, for service descriptions: `5XMM-DR15 (current release)`.
    pub fn description(&self) -> String {
        let kind = if self.current {
            "current release"
        } else {
            "legacy release"
        };
        format!("{} ({kind})", self.title)
    }

    /// The catalogue's columns.
    pub fn schema(&self) -> xcat_core::Schema {
        self.engine.read().expect("engine lock").schema().clone()
    }

    /// The columns a query shows unless told otherwise.
    pub fn default_columns(&self) -> Vec<String> {
        self.engine
            .read()
            .expect("engine lock")
            .manifest()
            .default_columns
            .clone()
    }

    /// The position columns (RA, Dec) of its sources.
    pub fn position_columns(&self) -> (String, String) {
        let e = self.engine.read().expect("engine lock");
        e.query_options()
            .position_columns
            .unwrap_or_else(|| ("RA".into(), "DEC".into()))
    }

    /// Reads the site's name table into the engine, if the site has one and it is not read.
    fn load_names(&self) -> std::result::Result<(), RunError> {
        let file = self.engine.read().expect("engine lock").names_file();
        let Some((kind, f)) = file else {
            return Ok(());
        };
        if self.engine.read().expect("engine lock").has(&f) {
            return Ok(());
        }
        let path = self.dir.join(f.path());
        let raw =
            std::fs::read(&path).map_err(|e| RunError::Io(format!("{}: {e}", path.display())))?;
        let bytes = gunzip(&path, &raw)?;
        let mut engine = self.engine.write().expect("engine lock");
        if !engine.has(&f) {
            engine.insert(kind, &f, &bytes).map_err(EngineError::from)?;
        }
        Ok(())
    }

    /// Runs `text` (the query language, its object names resolved with the site's name table,
    /// or ADQL for this catalogue)
    /// with `options`; files are read from disk as the engine asks for them.
    pub fn run(
        &self,
        text: &str,
        mut options: RunOptions,
    ) -> std::result::Result<QueryResult, RunError> {
        let mut q: Query = {
            let engine = self.engine.read().expect("engine lock");
            engine.prepare(text, &self.schema, &mut options)?
        };
        // Object names from the site's name table (read once, kept: it is small), as the
        // query page resolves them offline; IAU designations and coordinates need none.
        if !q.names_to_resolve().is_empty() {
            self.load_names()?;
        }
        {
            let engine = self.engine.read().expect("engine lock");
            match engine.names() {
                Some(table) => {
                    q.resolve(&|name: &str| table.lookup(name).map(|o| (o.ra, o.dec)))?
                }
                None => q.resolve(&xcat_core::names::NoResolver)?,
            }
        }
        let mut exec = {
            let engine = self.engine.read().expect("engine lock");
            Execution::new(&engine, q, options)?
        };
        // Each round loads at least one file the engine lacked (batched evaluation asks for
        // one batch's files at a time), so without a memory budget the rounds are bounded by
        // the site's files; with one, files this query read are kept while it runs.
        let mut mine: HashSet<u64> = HashSet::new();
        for _ in 0..MAX_ROUNDS {
            let step = {
                let engine = self.engine.read().expect("engine lock");
                exec.step(&engine)
            };
            match step {
                Ok(r) => {
                    self.trim_to_budget();
                    return Ok(r);
                }
                Err(Step::Fail(e)) => return Err(e.into()),
                Err(Step::Need(need)) => {
                    let mut loaded = Vec::with_capacity(need.files.len());
                    let fresh = {
                        let engine = self.engine.read().expect("engine lock");
                        need.files.iter().any(|(_, f)| !engine.has(f))
                    };
                    if !fresh {
                        return Err(RunError::Io(
                            "the query engine made no progress; the site's data may be inconsistent"
                                .into(),
                        ));
                    }
                    for (kind, f) in need.files {
                        let path = self.dir.join(f.path());
                        let raw = std::fs::read(&path)
                            .map_err(|e| RunError::Io(format!("{}: {e}", path.display())))?;
                        loaded.push((kind, f, gunzip(&path, &raw)?));
                    }
                    let mut engine = self.engine.write().expect("engine lock");
                    let mut memory = self.memory.lock().expect("memory lock");
                    for (kind, f, bytes) in loaded {
                        mine.insert(f.hash);
                        // Another query may have added it meanwhile.
                        if !engine.has(&f) {
                            engine.insert(kind, &f, &bytes).map_err(EngineError::from)?;
                            memory.held.push_back(f);
                            memory.bytes += u64::from(f.len);
                        }
                    }
                    for f in memory.trim(&mine) {
                        engine.evict(&f);
                    }
                }
            }
        }
        Err(RunError::Io(format!(
            "the query read files {MAX_ROUNDS} times without finishing: the VO server's memory budget (--memory-mb) is too small for the queries it runs at once"
        )))
    }
}
