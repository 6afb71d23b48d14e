//! Browser bindings of `xcat-core`: the query engine of a static xcat site as `window.xcat`.
//!
//! ```js
//! const db = await xcat.open("../");           // the site root, relative or absolute
//! const legacy = await xcat.open("../", "4xmm-dr14"); // a release of a site with several
//! const r = await db.query("cone('M31', '1deg') AND sc_det_ml < 100",
//!                          {sort: "sc_det_ml", desc: true, offset: 0, limit: 50});
//! // r = {count, columns, rows, bytesFetched, chunksFetched, ms}
//! await db.resolve("M82");                      // {name, ra, dec, source}
//! await db.explain("is_ulx AND n_detections > 2");
//! ```
//!
//! Files come from `<base>data/` (`<base>data/<release>/` on a site with several releases,
//! listed in `data/releases.txt`) with `fetch`, are inflated by the browser's
//! `DecompressionStream`, and are checked and decoded by [`xcat_core::chunk`]; decoded files
//! stay cached for the life of the page. Object names resolve from the site's name table,
//! then catalogue IAU names (through the IAUNAME index; a designation of another release of
//! the site resolves to its counterpart in this one), and only then, when the browser is
//! online, from the CDS Sesame service.

use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use xcat_core::chunk::{Engine, EngineError, Execution, RunOptions, Step};
use xcat_core::names::{canonical_designation, parse_iau_designation};
use xcat_core::query::Scalar;
use xcat_core::{Query, QueryError, Value};

#[wasm_bindgen]
extern "C" {
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> web_sys::WritableStream;
}

fn err(message: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&message.to_string()).into()
}

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

/// A query error as a JS `Error` with `position: {offset, end, line, column}` when it has one.
fn query_error(e: &QueryError) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    if let Some(p) = e.position() {
        let o = Object::new();
        set(&o, "offset", p.offset as f64);
        set(&o, "end", p.end as f64);
        set(&o, "line", p.line as f64);
        set(&o, "column", p.column as f64);
        set(error.as_ref(), "position", o);
    }
    error.into()
}

fn engine_error(e: EngineError) -> JsValue {
    match &e {
        EngineError::Query(q) => query_error(q),
        _ => err(e),
    }
}

/// Starts a request (the browser sends it at once).
fn start(url: &str) -> Result<js_sys::Promise, JsValue> {
    let window = web_sys::window().ok_or_else(|| err("no window"))?;
    Ok(window.fetch_with_str(url))
}

async fn finish(url: &str, request: js_sys::Promise) -> Result<Vec<u8>, JsValue> {
    let resp: web_sys::Response = JsFuture::from(request)
        .await
        .map_err(|_| err(format!("cannot fetch {url}: the site is unreachable")))?
        .dyn_into()?;
    if !resp.ok() {
        return Err(err(format!("cannot fetch {url}: HTTP {}", resp.status())));
    }
    let buf = JsFuture::from(resp.array_buffer()?).await?;
    Ok(Uint8Array::new(&buf).to_vec())
}

async fn fetch(url: &str) -> Result<Vec<u8>, JsValue> {
    finish(url, start(url)?).await
}

async fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
    let ds = DecompressionStream::new("gzip")?;
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
    let pair = web_sys::ReadableWritablePair::new(&ds.readable(), &ds.writable());
    let stream = blob.stream().pipe_through(&pair);
    let resp = web_sys::Response::new_with_opt_readable_stream(Some(&stream))?;
    let buf = JsFuture::from(resp.array_buffer()?).await?;
    Ok(Uint8Array::new(&buf).to_vec())
}

#[derive(Default)]
struct Stats {
    bytes: f64,
    files: f64,
}

/// A release of a site with several (a line of `data/releases.txt`).
#[derive(Debug, Clone)]
struct Release {
    id: String,
    prefix: String,
    current: bool,
    title: String,
}

/// `data/releases.txt`: `id<TAB>prefix<TAB>current (0/1)<TAB>title` per line.
fn parse_releases(text: &str) -> Vec<Release> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(4, '\t');
            Some(Release {
                id: f.next()?.trim().to_string(),
                prefix: f.next()?.trim().to_string(),
                current: f.next()?.trim() == "1",
                title: f.next()?.trim().to_string(),
            })
        })
        .filter(|r| !r.id.is_empty())
        .collect()
}

/// An object name resolved to a position.
struct Resolved {
    name: String,
    ra: f64,
    dec: f64,
    source: String,
    /// SRCID of the source of this release the name stands for, when it is the designation
    /// of another release's source that has a counterpart here.
    counterpart: Option<i64>,
    /// The name as the query wrote it (the key of its cones).
    typed: String,
}

struct Inner {
    base: String,
    /// Folder of the data under `base`: `data/`, or `data/<release>/`.
    dir: String,
    /// This release and the site's others (empty on a site with one catalogue).
    release: Option<Release>,
    others: Vec<Release>,
    /// Other releases opened to resolve their designations, by id.
    opened: RefCell<HashMap<String, Rc<Inner>>>,
    engine: RefCell<Engine>,
}

impl Inner {
    fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.base, self.dir)
    }

    async fn inflate(&self, path: &str, raw: Vec<u8>) -> Result<(Vec<u8>, usize), JsValue> {
        let n = raw.len();
        let bytes = gunzip(&raw).await.map_err(|_| {
            err(format!(
                "{}{path} is not valid gzip; rebuild the site",
                self.dir
            ))
        })?;
        Ok((bytes, n))
    }

    async fn get(&self, path: &str) -> Result<(Vec<u8>, usize), JsValue> {
        let raw = fetch(&self.url(path)).await?;
        self.inflate(path, raw).await
    }

    /// Runs a phase, fetching what it asks for, until it finishes.
    async fn drive<T>(
        &self,
        stats: &mut Stats,
        mut phase: impl FnMut(&Engine) -> Result<T, Step>,
    ) -> Result<T, JsValue> {
        for _ in 0..8 {
            let r = phase(&self.engine.borrow());
            match r {
                Ok(t) => return Ok(t),
                Err(Step::Fail(e)) => return Err(engine_error(e)),
                Err(Step::Need(need)) => {
                    // Start every request before awaiting any.
                    let mut pending = Vec::new();
                    for (kind, f) in &need.files {
                        let url = self.url(&f.path());
                        pending.push((*kind, *f, start(&url)?, url));
                    }
                    for (kind, f, request, url) in pending {
                        let raw = finish(&url, request).await?;
                        let (bytes, n) = self.inflate(&f.path(), raw).await?;
                        stats.bytes += n as f64;
                        stats.files += 1.0;
                        self.engine
                            .borrow_mut()
                            .insert(kind, &f, &bytes)
                            .map_err(err)?;
                    }
                }
            }
        }
        Err(err(
            "the query engine made no progress; the site's data may be inconsistent",
        ))
    }

    async fn names_loaded(&self, stats: &mut Stats) -> Result<(), JsValue> {
        let file = self.engine.borrow().names_file();
        if let Some((kind, f)) = file
            && !self.engine.borrow().has(&f)
        {
            let (bytes, n) = self.get(&f.path()).await?;
            stats.bytes += n as f64;
            stats.files += 1.0;
            self.engine
                .borrow_mut()
                .insert(kind, &f, &bytes)
                .map_err(err)?;
        }
        Ok(())
    }

    /// An object name's position, or `None`.
    async fn resolve(&self, name: &str, stats: &mut Stats) -> Result<Option<Resolved>, JsValue> {
        Ok(self.resolve_why(name, stats).await?.ok())
    }

    /// As [`Inner::resolve`], with why a name was not found: `Err(None)` when the name
    /// service answered that it does not know it, `Err(Some(why))` when it could not be
    /// reached (offline, blocked, timed out).
    async fn resolve_why(
        &self,
        name: &str,
        stats: &mut Stats,
    ) -> Result<Result<Resolved, Option<String>>, JsValue> {
        let found = |ra: f64, dec: f64, source: &str| Resolved {
            name: name.trim().to_string(),
            ra,
            dec,
            source: source.to_string(),
            counterpart: None,
            typed: String::new(),
        };
        self.names_loaded(stats).await?;
        if let Some(o) = self.engine.borrow().names().and_then(|t| t.lookup(name)) {
            return Ok(Ok(Resolved {
                name: o.name.clone(),
                ..found(o.ra, o.dec, "name table")
            }));
        }
        if let Some(d) = parse_iau_designation(name) {
            let here = self.drive(stats, |e| e.designation_position(name)).await?;
            if let Some((ra, dec)) = here {
                return Ok(Ok(found(ra, dec, "catalogue")));
            }
            if let Some(r) = self.other_release_source(name, &d.prefix, stats).await? {
                return Ok(Ok(r));
            }
            return Ok(Ok(found(d.ra, d.dec, "designation")));
        }
        let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        if !online {
            return Ok(Err(Some("this browser is offline".into())));
        }
        match sesame(name).await {
            Ok(Some((ra, dec))) => Ok(Ok(found(ra, dec, "CDS Sesame"))),
            Ok(None) => Ok(Err(None)),
            Err(e) => Ok(Err(Some(js_message(&e)))),
        }
    }

    /// The designation `name` of a source of another release of the site (by its `prefix`):
    /// the position of its counterpart in this release (the build's cross-match, column
    /// `SRCID_<THIS RELEASE>` of the other's sources), else its own position.
    async fn other_release_source(
        &self,
        name: &str,
        prefix: &str,
        stats: &mut Stats,
    ) -> Result<Option<Resolved>, JsValue> {
        let Some(me) = &self.release else {
            return Ok(None);
        };
        let link = format!("SRCID_{}", me.id.to_ascii_uppercase().replace('-', "_"));
        let here = [
            self.engine.borrow().manifest().ra_column.clone(),
            self.engine.borrow().manifest().dec_column.clone(),
        ];
        for other in self
            .others
            .iter()
            .filter(|o| o.prefix.eq_ignore_ascii_case(prefix))
        {
            let db = self.open_other(other).await?;
            let cols = {
                let m = db.engine.borrow();
                let m = m.manifest();
                vec![m.ra_column.clone(), m.dec_column.clone(), link.clone()]
            };
            let key = Scalar::Str(name.trim().to_string());
            let row = db
                .drive(stats, |e| e.lookup("IAUNAME", &key, &cols))
                .await?;
            let row = match row {
                Some(r) => Some(r),
                // A release built without the counterpart column: its position only.
                None => {
                    db.drive(stats, |e| e.lookup("IAUNAME", &key, &cols[..2]))
                        .await?
                }
            };
            let Some(row) = row else { continue };
            let (Some(ra), Some(dec)) = (row.column_at(0).f64(0), row.column_at(1).f64(0)) else {
                continue;
            };
            let counterpart = (row.schema().len() > 2)
                .then(|| row.column_at(2).i64(0))
                .flatten();
            if let Some(id) = counterpart {
                let pos = self
                    .drive(stats, |e| e.lookup("SRCID", &Scalar::Int(id), &here))
                    .await?;
                if let Some(t) = pos
                    && let (Some(ra), Some(dec)) = (t.column_at(0).f64(0), t.column_at(1).f64(0))
                {
                    return Ok(Some(Resolved {
                        name: name.trim().to_string(),
                        ra,
                        dec,
                        source: format!("{} source; its counterpart in {}", other.title, me.title),
                        counterpart: Some(id),
                        typed: String::new(),
                    }));
                }
            }
            return Ok(Some(Resolved {
                name: name.trim().to_string(),
                ra,
                dec,
                source: format!(
                    "{} source without a counterpart in {}",
                    other.title, me.title
                ),
                counterpart: None,
                typed: String::new(),
            }));
        }
        Ok(None)
    }

    /// Another release of the site, opened once.
    async fn open_other(&self, r: &Release) -> Result<Rc<Inner>, JsValue> {
        if let Some(db) = self.opened.borrow().get(&r.id) {
            return Ok(db.clone());
        }
        let db = Rc::new(open_dir(&self.base, &format!("data/{}/", r.id), None, Vec::new()).await?);
        self.opened.borrow_mut().insert(r.id.clone(), db.clone());
        Ok(db)
    }

    async fn parse_resolved(
        &self,
        text: &str,
        stats: &mut Stats,
        options: &mut RunOptions,
    ) -> Result<(Query, Vec<Resolved>), JsValue> {
        let schema = xcat_core::query::adql::schema_name(
            self.release.as_ref().map_or("", |r| r.id.as_str()),
        );
        let mut resolved = Vec::new();
        // A query that is only the IAU name of one of this catalogue's sources is that source.
        let exact;
        let text = match self.own_source(text, stats).await? {
            None => text,
            Some(source) => {
                exact = format!("iauname = '{}'", source.name);
                resolved.push(source);
                exact.as_str()
            }
        };
        let mut q = self
            .engine
            .borrow()
            .prepare(text, &schema, options)
            .map_err(|e| query_error(&e))?;
        let mut found: HashMap<String, (f64, f64)> = HashMap::new();
        // Names not found, and why: unknown to the service (None) or the service unreachable.
        let mut missing: HashMap<String, Option<String>> = HashMap::new();
        for n in q.names_to_resolve() {
            match self.resolve_why(&n.name, stats).await? {
                Ok(mut r) => {
                    found.insert(n.name.clone(), (r.ra, r.dec));
                    r.typed = n.name.clone();
                    resolved.push(r);
                }
                Err(why) => {
                    missing.insert(n.name.clone(), why);
                }
            }
        }
        let lookup = |name: &str| found.get(name).copied();
        q.resolve(&lookup).map_err(|e| match &e {
            QueryError::UnknownObject { name, .. } if missing.contains_key(name) => {
                let why = match &missing[name] {
                    Some(why) => format!(
                        "; it is not in the site's name table, and the name service (CDS Sesame) could not be reached ({why}): check the connection, or give the position as coordinates, e.g. cone('10.6847 +41.2688', '10arcmin')"
                    ),
                    None => "; neither the site's name table nor the name service (CDS Sesame) knows it: check the spelling, or give the position as coordinates".to_string(),
                };
                let error = query_error(&e);
                let message = format!("{e}{why}");
                set(error.unchecked_ref::<Object>(), "message", message.as_str());
                set(
                    error.unchecked_ref::<Object>(),
                    "resolver",
                    if missing[name].is_some() { "unreachable" } else { "unknown" },
                );
                error
            }
            _ => query_error(&e),
        })?;
        Ok((q, resolved))
    }
}

impl Inner {
    /// The `sortValue` option (a numeric expression such as `gal_l(sc_ra, sc_dec)`, the
    /// position shown in another frame) as the run's sort.
    fn sort_value(&self, options: &JsValue, opts: &mut RunOptions) -> Result<(), JsValue> {
        if let Some(text) = get_opt(options, "sortValue").and_then(|v| v.as_string()) {
            let value = xcat_core::query::parse_value(&text, self.engine.borrow().schema())
                .map_err(|e| query_error(&e))?;
            opts.sort_value = Some(value);
            opts.sort = None;
        }
        Ok(())
    }

    /// When `text` is only an IAU name with this catalogue's prefix (or none; any spacing):
    /// the source of that name, or an error saying no source has it, with the cone around
    /// the position it encodes (`around`). `None` for other queries, names of other
    /// releases, and catalogues without a name index.
    async fn own_source(&self, text: &str, stats: &mut Stats) -> Result<Option<Resolved>, JsValue> {
        if xcat_core::query::adql::looks_like_adql(text)
            || !self.engine.borrow().has_index("IAUNAME")
        {
            return Ok(None);
        }
        let mine = self.release.as_ref().map(|r| r.prefix.clone());
        let Some(name) = canonical_designation(text, mine.as_deref().unwrap_or("")) else {
            return Ok(None);
        };
        let typed = name.split(' ').next().unwrap_or("");
        if mine
            .as_deref()
            .is_some_and(|p| !p.eq_ignore_ascii_case(typed))
        {
            return Ok(None);
        }
        let cols = {
            let e = self.engine.borrow();
            let m = e.manifest();
            vec![
                m.ra_column.clone(),
                m.dec_column.clone(),
                "SRCID".to_string(),
            ]
        };
        let key = Scalar::Str(name.clone());
        let row = self
            .drive(stats, |e| e.lookup("IAUNAME", &key, &cols))
            .await?;
        if let Some(row) = row {
            return Ok(Some(Resolved {
                ra: row.column_at(0).f64(0).unwrap_or(f64::NAN),
                dec: row.column_at(1).f64(0).unwrap_or(f64::NAN),
                source: "source".into(),
                counterpart: row.column_at(2).i64(0),
                typed: text.trim().to_string(),
                name,
            }));
        }
        // (A site of one catalogue does not know its prefix: any designation it lacks may be
        // another catalogue's, a position to search around as before.)
        let Some(release) = &self.release else {
            return Ok(None);
        };
        let title = release.title.as_str();
        let e = js_sys::Error::new(&format!(
            "No source of {title} is named {name}: the name is well formed, but the catalogue has no such source."
        ));
        set(e.as_ref(), "around", format!("cone('{name}')"));
        set(e.as_ref(), "designation", name.as_str());
        Err(e.into())
    }
}

/// The message of a JS error value (an `Error`'s, or the value as text).
fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|x| String::from(x.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "no answer".into())
}

async fn sesame(name: &str) -> Result<Option<(f64, f64)>, JsValue> {
    let url = format!(
        "https://cds.unistra.fr/cgi-bin/nph-sesame/-oI/A?{}",
        String::from(js_sys::encode_uri_component(name))
    );
    // At most 10 s: a name service that does not answer is reported as unreachable.
    let window = web_sys::window().ok_or_else(|| err("no window"))?;
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(10_000)));
    let request = window.fetch_with_str_and_init(&url, &init);
    let resp: web_sys::Response = JsFuture::from(request)
        .await
        .map_err(|e| {
            let timed_out = js_sys::Reflect::get(&e, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string())
                .is_some_and(|n| n == "TimeoutError");
            err(if timed_out {
                "cds.unistra.fr did not answer within 10 s"
            } else {
                "no connection to cds.unistra.fr"
            })
        })?
        .dyn_into()?;
    if !resp.ok() {
        return Err(err(format!(
            "cds.unistra.fr answered HTTP {}",
            resp.status()
        )));
    }
    let buf = JsFuture::from(resp.array_buffer()?).await?;
    let text = String::from_utf8_lossy(&Uint8Array::new(&buf).to_vec()).into_owned();
    Ok(text.lines().find_map(|l| {
        let mut w = l.strip_prefix("%J ")?.split_whitespace();
        Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
    }))
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn value_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) if i.unsigned_abs() < (1u64 << 53) => JsValue::from_f64(*i as f64),
        Value::Int(i) => JsValue::from_str(&i.to_string()),
        Value::Float(x) => JsValue::from_f64(*x),
        Value::Str(s) => JsValue::from_str(s),
    }
}

fn get_opt(o: &JsValue, k: &str) -> Option<JsValue> {
    if o.is_object() {
        Reflect::get(o, &JsValue::from_str(k))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    } else {
        None
    }
}

fn run_options(o: &JsValue) -> RunOptions {
    let num = |k: &str, d: usize| {
        get_opt(o, k)
            .and_then(|v| v.as_f64())
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map_or(d, |x| x as usize)
    };
    let columns = match get_opt(o, "columns") {
        Some(v) if v.is_string() => vec![v.as_string().unwrap_or_default()],
        Some(v) if Array::is_array(&v) => Array::from(&v)
            .iter()
            .filter_map(|x| x.as_string())
            .collect(),
        _ => Vec::new(),
    };
    RunOptions {
        sort: get_opt(o, "sort")
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty()),
        desc: get_opt(o, "desc").is_some_and(|v| v.is_truthy()),
        offset: num("offset", 0),
        limit: num("limit", 100),
        columns,
        window: None,
        first_rows_only: false,
        then: Vec::new(),
        sort_value: None,
    }
}

/// An open site: its manifest and the files fetched so far.
#[wasm_bindgen]
pub struct Db {
    inner: Rc<Inner>,
}

/// Opens the site whose root is `baseUrl` (with or without a trailing slash): reads
/// `data/manifest.txt` and the manifest it names. On a site with several releases, opens
/// `release` (an id of `data/releases.txt`; default the current release).
#[wasm_bindgen]
pub async fn open(base_url: String, release: Option<String>) -> Result<Db, JsValue> {
    let mut base = base_url;
    if !base.is_empty() && !base.ends_with('/') {
        base.push('/');
    }
    let single = match &release {
        None => Some(open_dir(&base, "data/", None, Vec::new()).await),
        Some(_) => None,
    };
    let first_error = match single {
        Some(Ok(inner)) => {
            return Ok(Db {
                inner: Rc::new(inner),
            });
        }
        Some(Err(e)) => Some(e),
        None => None,
    };
    let list = match fetch(&format!("{base}data/releases.txt")).await {
        Ok(bytes) => parse_releases(&String::from_utf8_lossy(&bytes)),
        // A site with one catalogue: its own error says what is wrong.
        Err(e) => return Err(first_error.unwrap_or(e)),
    };
    let chosen = match &release {
        Some(id) => list.iter().find(|r| &r.id == id),
        None => list.iter().find(|r| r.current).or(list.first()),
    };
    let Some(me) = chosen.cloned() else {
        return Err(err(format!(
            "this site has no release {:?}; it has {}",
            release.unwrap_or_default(),
            list.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let others = list.into_iter().filter(|r| r.id != me.id).collect();
    let dir = format!("data/{}/", me.id);
    Ok(Db {
        inner: Rc::new(open_dir(&base, &dir, Some(me), others).await?),
    })
}

/// The query engine of the data in `base` + `dir`.
async fn open_dir(
    base: &str,
    dir: &str,
    release: Option<Release>,
    others: Vec<Release>,
) -> Result<Inner, JsValue> {
    let pointer = fetch(&format!("{base}{dir}manifest.txt")).await?;
    let name = String::from_utf8_lossy(&pointer).trim().to_string();
    if !name.starts_with("manifest.") || name.contains('/') {
        return Err(err(format!(
            "{base}{dir}manifest.txt does not name a manifest; rebuild the site"
        )));
    }
    let raw = fetch(&format!("{base}{dir}{name}")).await?;
    let bytes = gunzip(&raw).await?;
    let engine = Engine::open(&name, &bytes).map_err(err)?;
    Ok(Inner {
        base: base.to_string(),
        dir: dir.to_string(),
        release,
        others,
        opened: RefCell::new(HashMap::new()),
        engine: RefCell::new(engine),
    })
}

fn resolved_js(r: &Resolved) -> JsValue {
    let o = Object::new();
    set(&o, "name", r.name.as_str());
    set(&o, "ra", r.ra);
    set(&o, "dec", r.dec);
    set(&o, "source", r.source.as_str());
    if let Some(id) = r.counterpart {
        set(&o, "counterpart", value_js(&Value::Int(id)));
    }
    o.into()
}

/// The cones of a resolved query, for the page to say what it searched:
/// `[{name, ra, dec, radiusDeg, source}]` (`name` null and `source` "coordinates" for a
/// position typed as numbers).
fn cones_js(q: &Query, resolved: &[Resolved]) -> Array {
    q.expr()
        .cones()
        .into_iter()
        .filter_map(|c| {
            let (ra, dec) = c.position()?;
            let o = Object::new();
            let (name, source) = match &c.centre {
                xcat_core::query::Centre::Name { name, .. } => (
                    JsValue::from_str(name),
                    resolved
                        .iter()
                        .find(|r| &r.typed == name)
                        .map_or("name", |r| r.source.as_str())
                        .to_string(),
                ),
                xcat_core::query::Centre::Position { .. } => {
                    (JsValue::NULL, "coordinates".to_string())
                }
            };
            set(&o, "name", name);
            set(&o, "ra", ra);
            set(&o, "dec", dec);
            set(&o, "radiusDeg", c.radius_deg);
            set(&o, "source", source.as_str());
            Some(JsValue::from(o))
        })
        .collect()
}

fn release_js(r: &Release) -> JsValue {
    let o = Object::new();
    set(&o, "id", r.id.as_str());
    set(&o, "prefix", r.prefix.as_str());
    set(&o, "current", r.current);
    set(&o, "title", r.title.as_str());
    o.into()
}

#[wasm_bindgen]
impl Db {
    /// Runs a query: `{count, columns, rows, bytesFetched, chunksFetched, ms}`. Options:
    /// `{sort, desc, offset, limit (default 100), columns: [] | "*" | [names]}`. Errors in
    /// the text reject with an `Error` carrying `position: {offset, end, line, column}`.
    pub fn query(&self, text: String, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let t0 = now();
            let mut stats = Stats::default();
            let mut opts = run_options(&options);
            inner.sort_value(&options, &mut opts)?;
            let (q, resolved) = inner.parse_resolved(&text, &mut stats, &mut opts).await?;
            let cones = cones_js(&q, &resolved);
            let mut exec = Execution::new(&inner.engine.borrow(), q, opts).map_err(engine_error)?;
            let r = inner.drive(&mut stats, |e| exec.step(e)).await?;
            let out = Object::new();
            set(&out, "count", r.count as f64);
            set(&out, "cones", cones);
            let cols = Array::new();
            for f in r.page.schema().fields() {
                cols.push(&field_js(f));
            }
            set(&out, "columns", cols);
            let rows = Array::new();
            for i in 0..r.page.rows() {
                let row = Array::new();
                for c in r.page.columns() {
                    row.push(&value_js(&c.value(i)));
                }
                rows.push(&row);
            }
            set(&out, "rows", rows);
            set(&out, "bytesFetched", stats.bytes);
            set(&out, "chunksFetched", stats.files);
            set(&out, "ms", now() - t0);
            set(
                &out,
                "resolved",
                resolved.iter().map(resolved_js).collect::<Array>(),
            );
            Ok(out.into())
        })
    }

    /// The whole result of a query as a FITS file (one binary table `XCAT_RESULT`, the query
    /// in COMMENT cards): a `Uint8Array`. Options as for `query`; `offset`/`limit` default to
    /// every row.
    #[wasm_bindgen(js_name = exportFits)]
    pub fn export_fits(&self, text: String, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut stats = Stats::default();
            let mut opts = run_options(&options);
            if get_opt(&options, "limit").is_none() {
                opts.limit = usize::MAX;
            }
            inner.sort_value(&options, &mut opts)?;
            let (q, _) = inner.parse_resolved(&text, &mut stats, &mut opts).await?;
            let mut exec = Execution::new(&inner.engine.borrow(), q, opts).map_err(engine_error)?;
            let r = inner.drive(&mut stats, |e| exec.step(e)).await?;
            let query = format!("query: {text}");
            let bytes = xcat_core::fits::write_table(&r.page, "XCAT_RESULT", &[&query]);
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Resolves an object name: `{name, ra, dec, source, counterpart?}` (source: "name
    /// table", "catalogue", "designation", "CDS Sesame", or which release's source a
    /// designation of another release is, with `counterpart` the SRCID of its counterpart in
    /// this one); rejects for an unknown name.
    pub fn resolve(&self, name: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut stats = Stats::default();
            match inner.resolve(&name, &mut stats).await? {
                Some(r) => Ok(resolved_js(&r)),
                None => Err(err(format!(
                    "unknown object '{}': not in this site's name table nor a catalogue name{}",
                    name.trim(),
                    if web_sys::window().is_some_and(|w| w.navigator().on_line()) {
                        ", and the CDS Sesame resolver did not find it"
                    } else {
                        " (offline: the CDS Sesame resolver is not available)"
                    }
                ))),
            }
        })
    }

    /// The query as ADQL for this site's TAP service (`SELECT * FROM <schema>.sources WHERE
    /// …`, names resolved to positions); rejects with the reason when ADQL cannot say it. An
    /// ADQL query is returned as it is.
    pub fn adql(&self, text: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            if xcat_core::query::adql::looks_like_adql(&text) {
                return Ok(JsValue::from_str(&text));
            }
            let mut stats = Stats::default();
            let (q, _) = inner
                .parse_resolved(&text, &mut stats, &mut RunOptions::default())
                .await?;
            let schema = xcat_core::query::adql::schema_name(
                inner.release.as_ref().map_or("", |r| r.id.as_str()),
            );
            let cond = xcat_core::query::adql::condition(q.expr())
                .map_err(|what| err(format!("ADQL cannot say {what}")))?;
            let mut adql = format!("SELECT * FROM {schema}.sources");
            if let Some(c) = cond {
                adql.push_str(" WHERE ");
                adql.push_str(&c);
            }
            Ok(JsValue::from_str(&adql))
        })
    }

    /// The plan of a query: `{candidateRows, tiles, files, bytes, columns, notes}`.
    pub fn explain(&self, text: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut stats = Stats::default();
            let (q, _) = inner
                .parse_resolved(&text, &mut stats, &mut RunOptions::default())
                .await?;
            let x = inner.drive(&mut stats, |e| e.explain(&q)).await?;
            let o = Object::new();
            set(&o, "candidateRows", x.candidate_rows as f64);
            set(
                &o,
                "tiles",
                x.plan
                    .tiles
                    .as_ref()
                    .map_or(JsValue::NULL, |t| (t.len() as f64).into()),
            );
            set(&o, "files", x.files as f64);
            set(&o, "bytes", x.bytes as f64);
            set(&o, "segmentsKept", x.plan.segments_kept as f64);
            set(&o, "segmentsSkipped", x.plan.segments_skipped as f64);
            set(
                &o,
                "index",
                x.plan
                    .index
                    .as_ref()
                    .map_or(JsValue::NULL, |(c, _)| c.into()),
            );
            set(
                &o,
                "columns",
                x.columns.iter().map(JsValue::from).collect::<Array>(),
            );
            set(
                &o,
                "notes",
                x.notes.iter().map(JsValue::from).collect::<Array>(),
            );
            Ok(o.into())
        })
    }

    /// Every queryable column: `[{name, type, unit, vo_unit, ucd, description}]` (`unit` as
    /// in the FITS file, `vo_unit` the same in IVOA VOUnit syntax, for VOTables).
    pub fn schema(&self) -> Array {
        self.inner
            .engine
            .borrow()
            .schema()
            .fields()
            .iter()
            .map(field_js)
            .collect()
    }

    /// Names of the default columns.
    #[wasm_bindgen(js_name = defaultColumns)]
    pub fn default_columns(&self) -> Array {
        self.inner
            .engine
            .borrow()
            .manifest()
            .default_columns
            .iter()
            .map(JsValue::from)
            .collect()
    }

    /// Number of sources.
    pub fn rows(&self) -> f64 {
        f64::from(self.inner.engine.borrow().manifest().rows)
    }

    /// Names of the right ascension and declination columns (`SC_RA`, `SC_DEC` of 4XMM;
    /// `RA`, `DEC` of a stacked catalogue).
    #[wasm_bindgen(js_name = positionColumns)]
    pub fn position_columns(&self) -> Array {
        let e = self.inner.engine.borrow();
        let m = e.manifest();
        Array::of2(
            &JsValue::from_str(&m.ra_column),
            &JsValue::from_str(&m.dec_column),
        )
    }

    /// The release this engine queries, `{id, prefix, current, title}`, or `null` on a site
    /// with one catalogue.
    pub fn release(&self) -> JsValue {
        self.inner
            .release
            .as_ref()
            .map_or(JsValue::NULL, release_js)
    }

    /// Every release of the site (this one included), the current first; empty on a site
    /// with one catalogue.
    pub fn releases(&self) -> Array {
        let mut all: Vec<&Release> = self
            .inner
            .release
            .iter()
            .chain(&self.inner.others)
            .collect();
        all.sort_by_key(|r| !r.current);
        all.into_iter().map(release_js).collect()
    }
}

fn field_js(f: &xcat_core::Field) -> JsValue {
    let o = Object::new();
    set(&o, "name", f.name.as_str());
    set(&o, "type", f.dtype.name());
    set(&o, "unit", f.unit.as_str());
    set(&o, "vo_unit", xcat_core::schema::vo_unit(&f.unit).as_str());
    set(&o, "ucd", f.ucd.as_str());
    set(&o, "description", f.description.as_str());
    o.into()
}

/// IAU designation (`4XMM JHHMMSS.s±DDMMSS`) of a position in degrees.
/// The release (one of `ids`) whose table an ADQL query reads (`FROM xmm4_dr14.sources`),
/// when the text is ADQL naming one of them; otherwise `undefined`.
#[wasm_bindgen(js_name = adqlRelease)]
pub fn adql_release(text: &str, ids: Array) -> Option<String> {
    use xcat_core::query::adql;
    if !adql::looks_like_adql(text) {
        return None;
    }
    let select = adql::parse_select(text, &xcat_core::query::QueryOptions::default()).ok()?;
    let schema = select.table.schema?;
    ids.iter()
        .filter_map(|v| v.as_string())
        .find(|id| adql::schema_name(id).eq_ignore_ascii_case(&schema))
}

#[wasm_bindgen(js_name = iauName)]
pub fn iau_name(prefix: &str, ra_deg: f64, dec_deg: f64) -> String {
    xcat_core::coords::iau_name(prefix, ra_deg, dec_deg)
}

/// Great-circle distance in degrees between two positions given in degrees.
#[wasm_bindgen(js_name = angularDistance)]
pub fn angular_distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    xcat_core::coords::angular_distance(ra1, dec1, ra2, dec2)
}

/// A J2000 equatorial position (degrees) in another frame: `"galactic"`, `"ecliptic"`,
/// `"b1950"` or `"j2000"` (unchanged); `[lon, lat]` in degrees.
#[wasm_bindgen(js_name = convertPosition)]
pub fn convert_position(frame: &str, ra_deg: f64, dec_deg: f64) -> Vec<f64> {
    use xcat_core::coords as c;
    let (a, b) = match frame {
        "galactic" => c::equatorial_to_galactic(ra_deg, dec_deg),
        "ecliptic" => c::frames::equatorial_to_ecliptic(ra_deg, dec_deg),
        "b1950" => c::frames::j2000_to_b1950(ra_deg, dec_deg),
        _ => (ra_deg, dec_deg),
    };
    vec![a, b]
}

/// Right ascension in degrees as `HH:MM:SS.ss` (`decimals` digits of seconds).
#[wasm_bindgen(js_name = formatRa)]
pub fn format_ra(ra_deg: f64, decimals: u32) -> String {
    xcat_core::coords::format_ra_hms(ra_deg, decimals, ':')
}

/// Declination in degrees as `±DD:MM:SS.s`.
#[wasm_bindgen(js_name = formatDec)]
pub fn format_dec(dec_deg: f64, decimals: u32) -> String {
    xcat_core::coords::format_dec_dms(dec_deg, decimals, ':')
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests;
