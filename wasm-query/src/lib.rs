//! Browser bindings of `xcat-core`: the query engine of a static xcat site as `window.xcat`.
//!
//! ```js
//! const db = await xcat.open("../");           // the site root, relative or absolute
//! const r = await db.query("cone('M31', '1deg') AND sc_det_ml < 100",
//!                          {sort: "sc_det_ml", desc: true, offset: 0, limit: 50});
//! // r = {count, columns, rows, bytesFetched, chunksFetched, ms}
//! await db.resolve("M82");                      // {name, ra, dec, source}
//! await db.explain("is_ulx AND n_detections > 2");
//! ```
//!
//! Files come from `<base>data/` with `fetch`, are inflated by the browser's
//! `DecompressionStream`, and are checked and decoded by [`xcat_core::chunk`]; decoded files
//! stay cached for the life of the page. Object names resolve from the site's name table,
//! then catalogue IAU names (through the IAUNAME index), and only then, when the browser is
//! online, from the CDS Sesame service.

use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use xcat_core::chunk::{Engine, EngineError, Execution, RunOptions, Step};
use xcat_core::names::parse_iau_designation;
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

struct Inner {
    base: String,
    engine: RefCell<Engine>,
}

impl Inner {
    fn url(&self, path: &str) -> String {
        format!("{}data/{path}", self.base)
    }

    async fn inflate(&self, path: &str, raw: Vec<u8>) -> Result<(Vec<u8>, usize), JsValue> {
        let n = raw.len();
        let bytes = gunzip(&raw)
            .await
            .map_err(|_| err(format!("data/{path} is not valid gzip; rebuild the site")))?;
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
        if let Some((kind, f)) = file {
            if !self.engine.borrow().has(&f) {
                let (bytes, n) = self.get(&f.path()).await?;
                stats.bytes += n as f64;
                stats.files += 1.0;
                self.engine
                    .borrow_mut()
                    .insert(kind, &f, &bytes)
                    .map_err(err)?;
            }
        }
        Ok(())
    }

    /// (display name, ra, dec, source) of an object name, or `None`.
    async fn resolve(
        &self,
        name: &str,
        stats: &mut Stats,
    ) -> Result<Option<(String, f64, f64, &'static str)>, JsValue> {
        self.names_loaded(stats).await?;
        if let Some(o) = self.engine.borrow().names().and_then(|t| t.lookup(name)) {
            return Ok(Some((o.name.clone(), o.ra, o.dec, "name table")));
        }
        if parse_iau_designation(name).is_some() {
            let found = self.drive(stats, |e| e.designation_position(name)).await?;
            if let Some((ra, dec)) = found {
                return Ok(Some((name.trim().to_string(), ra, dec, "catalogue")));
            }
            if let Some(d) = parse_iau_designation(name) {
                return Ok(Some((name.trim().to_string(), d.ra, d.dec, "designation")));
            }
        }
        let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        if online {
            if let Ok(Some((ra, dec))) = sesame(name).await {
                return Ok(Some((name.trim().to_string(), ra, dec, "CDS Sesame")));
            }
        }
        Ok(None)
    }

    async fn parse_resolved(&self, text: &str, stats: &mut Stats) -> Result<Query, JsValue> {
        let mut q = self
            .engine
            .borrow()
            .parse(text)
            .map_err(|e| query_error(&e))?;
        let mut found: HashMap<String, (f64, f64)> = HashMap::new();
        for n in q.names_to_resolve() {
            if let Some((_, ra, dec, _)) = self.resolve(&n.name, stats).await? {
                found.insert(n.name.clone(), (ra, dec));
            }
        }
        let lookup = |name: &str| found.get(name).copied();
        q.resolve(&lookup).map_err(|e| query_error(&e))?;
        Ok(q)
    }
}

async fn sesame(name: &str) -> Result<Option<(f64, f64)>, JsValue> {
    let url = format!(
        "https://cds.unistra.fr/cgi-bin/nph-sesame/-oI/A?{}",
        String::from(js_sys::encode_uri_component(name))
    );
    let text = String::from_utf8_lossy(&fetch(&url).await?).into_owned();
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
    }
}

/// An open site: its manifest and the files fetched so far.
#[wasm_bindgen]
pub struct Db {
    inner: Rc<Inner>,
}

/// Opens the site whose root is `baseUrl` (with or without a trailing slash): reads
/// `data/manifest.txt` and the manifest it names.
#[wasm_bindgen]
pub async fn open(base_url: String) -> Result<Db, JsValue> {
    let mut base = base_url;
    if !base.is_empty() && !base.ends_with('/') {
        base.push('/');
    }
    let pointer = fetch(&format!("{base}data/manifest.txt")).await?;
    let name = String::from_utf8_lossy(&pointer).trim().to_string();
    if !name.starts_with("manifest.") || name.contains('/') {
        return Err(err(format!(
            "{base}data/manifest.txt does not name a manifest; rebuild the site"
        )));
    }
    let raw = fetch(&format!("{base}data/{name}")).await?;
    let bytes = gunzip(&raw).await?;
    let engine = Engine::open(&name, &bytes).map_err(err)?;
    Ok(Db {
        inner: Rc::new(Inner {
            base,
            engine: RefCell::new(engine),
        }),
    })
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
            let q = inner.parse_resolved(&text, &mut stats).await?;
            let opts = run_options(&options);
            let mut exec = Execution::new(&inner.engine.borrow(), q, opts).map_err(engine_error)?;
            let r = inner.drive(&mut stats, |e| exec.step(e)).await?;
            let out = Object::new();
            set(&out, "count", r.count as f64);
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
            let q = inner.parse_resolved(&text, &mut stats).await?;
            let mut opts = run_options(&options);
            if get_opt(&options, "limit").is_none() {
                opts.limit = usize::MAX;
            }
            let mut exec = Execution::new(&inner.engine.borrow(), q, opts).map_err(engine_error)?;
            let r = inner.drive(&mut stats, |e| exec.step(e)).await?;
            let query = format!("query: {text}");
            let bytes = xcat_core::fits::write_table(&r.page, "XCAT_RESULT", &[&query]);
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Resolves an object name: `{name, ra, dec, source}` (source: "name table",
    /// "catalogue", "designation" or "CDS Sesame"); rejects for an unknown name.
    pub fn resolve(&self, name: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut stats = Stats::default();
            match inner.resolve(&name, &mut stats).await? {
                Some((n, ra, dec, source)) => {
                    let o = Object::new();
                    set(&o, "name", n);
                    set(&o, "ra", ra);
                    set(&o, "dec", dec);
                    set(&o, "source", source);
                    Ok(o.into())
                }
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

    /// The plan of a query: `{candidateRows, tiles, files, bytes, columns, notes}`.
    pub fn explain(&self, text: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut stats = Stats::default();
            let q = inner.parse_resolved(&text, &mut stats).await?;
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
