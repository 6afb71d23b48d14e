//! HTTP API for fits (on the `xcat-web` stack: hyper and axum; loopback by default).
//!
//! * `GET /v1/health` → `{"status":"ok","version":…}`.
//! * `POST /v1/fit` with a JSON body naming a detection's pipeline products inside the
//!   products directory — `{"obs_id":"0760940101","inst":"PN","expid":"S003","srcnum":23,
//!   "model":"wabs*powerlaw","stat":"wstat",…}` → files `P<OBS_ID><INST><EXPID>SRSPEC<SRCNUM>.FTZ`,
//!   `…BGSPEC…`, `…SRCARF…` (SRCNUM as 4 hex digits) and the RESPFILE mapped to the newest
//!   version-suffixed matrix in the RMF directory (`epn_e3_ef20_sdY6.rmf` →
//!   `epn_e3_ef20_sdY6_v19.0.rmf`);
//! * or `multipart/form-data` with files `pha` (required), `bkg`, `arf`, `rmf` and a `request`
//!   field holding the same JSON options.
//!
//! The answer is the CLI's JSON plus plot arrays. Header links (BACKFILE, …) are never
//! followed and file names are built only from validated parts, so no path outside the
//! configured directories is opened. Request bodies, fit time and concurrent fits are
//! limited; every bad request gets a 4xx with a message.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Deserialize;
use xcat_web::axum::Router;
use xcat_web::axum::body::Bytes;
use xcat_web::axum::extract::{DefaultBodyLimit, Request, State};
use xcat_web::axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use xcat_web::axum::response::{IntoResponse, Response};

use crate::dataset::{DataOptions, Spectrum, SpectrumFiles};
use crate::fit::{FitError, FitRequest, run};
use crate::stat::Statistic;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Directory of pipeline products.
    pub products: PathBuf,
    /// Directory of canned RMFs.
    pub rmf_dir: Option<PathBuf>,
    /// Address to bind.
    pub bind: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// The one origin allowed by CORS.
    pub allow_origin: Option<String>,
    /// Maximum request body, bytes.
    pub max_body: usize,
    /// Maximum time per fit.
    pub fit_timeout: Duration,
    /// Maximum fits at once.
    pub max_concurrent: usize,
}

/// Fit options accepted in a request body.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FitOptions {
    obs_id: Option<String>,
    inst: Option<String>,
    expid: Option<String>,
    srcnum: Option<serde_json::Value>,
    model: String,
    #[serde(default)]
    stat: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, f64>,
    #[serde(default)]
    freeze: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    notice: Vec<[f64; 2]>,
    #[serde(default)]
    ignore: Vec<[f64; 2]>,
    #[serde(default)]
    notice_channels: Option<[i64; 2]>,
    #[serde(default)]
    group_min: Option<f64>,
    #[serde(default)]
    ungroup: bool,
    #[serde(default)]
    bkg_model: Option<String>,
    #[serde(default)]
    eval: bool,
    #[serde(default)]
    conf: bool,
    #[serde(default)]
    flux_bands: Option<Vec<[f64; 2]>>,
}

/// A request failure: HTTP status and message.
#[derive(Debug)]
struct HttpError(u16, String);

fn bad(msg: impl Into<String>) -> HttpError {
    HttpError(400, msg.into())
}

/// A running server (for embedding and tests).
pub struct RunningServer {
    /// Bound address.
    pub addr: SocketAddr,
    running: xcat_web::Running,
}

impl RunningServer {
    /// Stops accepting requests, lets the fits under way finish and waits for the server.
    pub fn stop(self) {
        let _ = self.running.stop();
    }
}

/// What every request sees.
struct Shared {
    cfg: ServerConfig,
    /// Fits admitted now (running or waiting for a processor).
    busy: AtomicUsize,
    /// One permit per processor: admitted fits run in their order of arrival, as many at once
    /// as there are processors, instead of all sharing them (which spreads every fit's time
    /// over all the others' and makes the slowest answers slower).
    cpus: tokio::sync::Semaphore,
}

/// Holds one of the [`ServerConfig::max_concurrent`] fit slots until dropped.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The server's limits: a request may take the fit's limit and half a minute more.
fn limits(cfg: &ServerConfig) -> xcat_web::Limits {
    xcat_web::Limits {
        request_timeout: cfg.fit_timeout + Duration::from_secs(30),
        ..xcat_web::Limits::default()
    }
}

/// The fit API's routes (every answer, errors included, is JSON).
pub fn router(cfg: ServerConfig) -> Router {
    let shared = Arc::new(Shared {
        cfg,
        busy: AtomicUsize::new(0),
        cpus: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ),
    });
    Router::new()
        .fallback(handle)
        // Bodies are limited by the handler, with a JSON answer.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

fn bind(cfg: &ServerConfig) -> Result<xcat_web::Bound> {
    xcat_web::bind(SocketAddr::new(cfg.bind, cfg.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on {}:{}: {e}", cfg.bind, cfg.port))
}

/// Starts the server on a background thread.
pub fn start(cfg: ServerConfig) -> Result<RunningServer> {
    let bound = bind(&cfg)?;
    let addr = bound.local_addr();
    let limits = limits(&cfg);
    let running = bound.spawn(router(cfg), limits)?;
    Ok(RunningServer { addr, running })
}

/// Runs the server in the foreground until SIGINT or SIGTERM (fits under way finish first).
pub fn serve(cfg: ServerConfig) -> Result<()> {
    if !cfg.products.is_dir() {
        anyhow::bail!(
            "products directory {} does not exist",
            cfg.products.display()
        );
    }
    let bound = bind(&cfg)?;
    eprintln!("xcat-fit listening on http://{}", bound.local_addr());
    let limits = limits(&cfg);
    bound.run(router(cfg), limits)?;
    Ok(())
}

fn respond(headers: &HeaderMap, cfg: &ServerConfig, status: u16, body: String) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if let (Some(o), Some(allowed)) = (origin, &cfg.allow_origin)
        && o == allowed
        && let Ok(v) = HeaderValue::from_str(allowed)
    {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type"),
        );
    }
    resp
}

fn error_json(msg: &str) -> String {
    serde_json::json!({ "error": msg }).to_string()
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    let url = req.uri().path().to_string();
    let headers = req.headers().clone();
    let cfg = &shared.cfg;
    let result = match (method.as_str(), url.as_str()) {
        ("GET" | "HEAD", "/v1/health") => Ok(serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
        })
        .to_string()),
        ("OPTIONS", _) => Ok(String::new()),
        ("POST", "/v1/fit") => {
            if shared.busy.fetch_add(1, Ordering::SeqCst) >= cfg.max_concurrent {
                shared.busy.fetch_sub(1, Ordering::SeqCst);
                Err(HttpError(
                    429,
                    "too many fits running; retry shortly".into(),
                ))
            } else {
                let slot = Slot(shared.clone());
                match read_body(req, cfg.max_body).await {
                    Err(e) => Err(e),
                    Ok(body) => {
                        let ctype = headers
                            .get(header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        // The fit holds its slot while it runs, even when the client has gone.
                        let Ok(cpu) = shared.cpus.acquire().await else {
                            return respond(&headers, cfg, 503, error_json("shutting down"));
                        };
                        let r = tokio_blocking(move || {
                            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                fit_request(&ctype, &body, &slot.0.cfg)
                            }))
                            .unwrap_or_else(|_| {
                                Err(HttpError(500, "internal error while fitting".into()))
                            });
                            drop(slot);
                            r
                        })
                        .await;
                        drop(cpu);
                        r
                    }
                }
            }
        }
        (_, "/v1/fit") | (_, "/v1/health") => Err(HttpError(405, "method not allowed".into())),
        _ => Err(HttpError(404, format!("no such endpoint {url:?}"))),
    };
    match result {
        Ok(body) if method == "OPTIONS" => respond(&headers, cfg, 204, body),
        Ok(body) => respond(&headers, cfg, 200, body),
        Err(HttpError(code, msg)) => respond(&headers, cfg, code, error_json(&msg)),
    }
}

/// Runs blocking work (a fit) off the server's threads.
async fn tokio_blocking(
    f: impl FnOnce() -> Result<String, HttpError> + Send + 'static,
) -> Result<String, HttpError> {
    xcat_web::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(HttpError(500, "internal error while fitting".into())))
}

/// The request's body, refused with 413 beyond `limit` bytes (by its declared length before
/// reading anything, or while reading one sent without a length).
async fn read_body(req: Request, limit: usize) -> Result<Bytes, HttpError> {
    let too_large = |n: Option<u64>| {
        HttpError(
            413,
            match n {
                Some(n) => {
                    format!("request body of {n} bytes larger than the limit of {limit} bytes")
                }
                None => format!("request body larger than the limit of {limit} bytes"),
            },
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(declared));
    }
    xcat_web::axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large(declared))
}

fn fit_request(ctype: &str, body: &[u8], cfg: &ServerConfig) -> Result<String, HttpError> {
    let deadline = Instant::now() + cfg.fit_timeout;
    let tmp;
    let (opts, files) = if ctype
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        let boundary = ctype
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string())
            .ok_or_else(|| bad("multipart request without a boundary"))?;
        let parts = parse_multipart(body, &boundary)?;
        tmp = tempfile::tempdir().map_err(|e| HttpError(500, format!("temp dir: {e}")))?;
        let mut opts: Option<FitOptions> = None;
        let mut paths: BTreeMap<&str, PathBuf> = BTreeMap::new();
        for (name, data) in &parts {
            match name.as_str() {
                "request" => {
                    opts = Some(
                        serde_json::from_slice(data)
                            .map_err(|e| bad(format!("field \"request\": {e}")))?,
                    );
                }
                "pha" | "bkg" | "arf" | "rmf" => {
                    let key: &str = match name.as_str() {
                        "pha" => "pha",
                        "bkg" => "bkg",
                        "arf" => "arf",
                        _ => "rmf",
                    };
                    let path = tmp.path().join(format!("{key}.fits"));
                    let bytes = gunzip_limited(data, cfg.max_body.saturating_mul(8))
                        .map_err(|e| bad(format!("file {key}: {e}")))?;
                    std::fs::write(&path, bytes)
                        .map_err(|e| HttpError(500, format!("cannot store upload: {e}")))?;
                    paths.insert(key, path);
                }
                other => return Err(bad(format!("unknown multipart field {other:?}"))),
            }
        }
        let opts = opts.ok_or_else(|| bad("multipart request lacks the \"request\" field"))?;
        let pha = paths
            .get("pha")
            .cloned()
            .ok_or_else(|| bad("multipart request lacks the \"pha\" file"))?;
        let files = SpectrumFiles {
            pha,
            bkg: paths.get("bkg").cloned(),
            arf: paths.get("arf").cloned(),
            rmf: paths.get("rmf").cloned(),
            no_links: true,
        };
        (opts, files)
    } else {
        let opts: FitOptions =
            serde_json::from_slice(body).map_err(|e| bad(format!("JSON body: {e}")))?;
        let files = product_files(&opts, cfg)?;
        (opts, files)
    };
    let mut files = files;
    if files.rmf.is_none() {
        files.rmf = Some(canned_rmf(&files.pha, cfg)?);
    }
    let spec = Spectrum::load(&files).map_err(|e| HttpError(422, strip_dirs(&e.to_string())))?;
    let mut freq = to_fit_request(opts)?;
    freq.deadline = Some(deadline);
    freq.plot = true;
    match run(&spec, &freq) {
        Ok(out) => serde_json::to_string(&out).map_err(|e| HttpError(500, e.to_string())),
        Err(FitError::TimedOut) => Err(HttpError(
            422,
            format!(
                "the fit did not finish within the server's limit of {:.1} s",
                cfg.fit_timeout.as_secs_f64()
            ),
        )),
        Err(e) => Err(HttpError(422, e.to_string())),
    }
}

/// The status a request would get from its parsing alone (multipart parts, the JSON options,
/// their conversion into a fit, the pipeline file names against `products`), without reading
/// spectra or fitting: 200 when it would go on to the fit. For fuzzing the request parsing.
#[doc(hidden)]
pub fn request_status(ctype: &str, body: &[u8], products: &Path) -> u16 {
    let cfg = ServerConfig {
        products: products.to_path_buf(),
        rmf_dir: None,
        bind: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        allow_origin: None,
        max_body: 1 << 20,
        fit_timeout: Duration::from_secs(1),
        max_concurrent: 1,
    };
    let parsed = (|| -> Result<(), HttpError> {
        let opts: FitOptions = if ctype
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
        {
            let boundary = ctype
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"').to_string())
                .ok_or_else(|| bad("multipart request without a boundary"))?;
            let parts = parse_multipart(body, &boundary)?;
            let mut opts = None;
            for (name, data) in &parts {
                match name.as_str() {
                    "request" => {
                        opts = Some(
                            serde_json::from_slice(data)
                                .map_err(|e| bad(format!("field \"request\": {e}")))?,
                        )
                    }
                    "pha" | "bkg" | "arf" | "rmf" => {
                        gunzip_limited(data, cfg.max_body).map_err(bad)?;
                    }
                    other => return Err(bad(format!("unknown multipart field {other:?}"))),
                }
            }
            opts.ok_or_else(|| bad("no request"))?
        } else {
            let opts: FitOptions =
                serde_json::from_slice(body).map_err(|e| bad(format!("JSON body: {e}")))?;
            product_files(&opts, &cfg)?;
            opts
        };
        let freq = to_fit_request(opts)?;
        crate::model::Model::parse(&freq.model).map_err(|e| bad(e.to_string()))?;
        Ok(())
    })();
    match parsed {
        Ok(()) => 200,
        Err(HttpError(code, _)) => code,
    }
}

/// Removes server directory names from messages (uploads live in temp dirs).
fn strip_dirs(msg: &str) -> String {
    msg.split_whitespace()
        .map(|w| {
            if w.contains('/') {
                Path::new(w.trim_end_matches([',', ':', ')', ';']))
                    .file_name()
                    .map(|f| {
                        let tail = &w[w.trim_end_matches([',', ':', ')', ';']).len()..];
                        format!("{}{tail}", f.to_string_lossy())
                    })
                    .unwrap_or_else(|| w.to_string())
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn gunzip_limited(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    if data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("corrupt gzip data ({e})"))?;
        if out.len() > limit {
            return Err(format!("decompresses to more than {limit} bytes"));
        }
        Ok(out)
    } else {
        Ok(data.to_vec())
    }
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, Vec<u8>)>, HttpError> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let find = |hay: &[u8], from: usize, needle: &[u8]| -> Option<usize> {
        if needle.is_empty() || hay.len() < needle.len() {
            return None;
        }
        (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
    };
    let mut parts = Vec::new();
    let mut pos = find(body, 0, d).ok_or_else(|| bad("multipart body without its boundary"))?;
    loop {
        pos += d.len();
        if body[pos..].starts_with(b"--") {
            break;
        }
        let head_start = pos + 2;
        let head_end = find(body, head_start, b"\r\n\r\n")
            .ok_or_else(|| bad("malformed multipart part (no header end)"))?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]).to_string();
        let next = find(body, head_end + 4, d)
            .ok_or_else(|| bad("malformed multipart body (unterminated part)"))?;
        let data_end = next.saturating_sub(2).max(head_end + 4);
        let name = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .and_then(|l| {
                l.split(';')
                    .filter_map(|p| p.trim().strip_prefix("name="))
                    .next()
                    .map(|n| n.trim_matches('"').to_string())
            })
            .ok_or_else(|| bad("multipart part without a name"))?;
        parts.push((name, body[head_end + 4..data_end].to_vec()));
        pos = next;
        if parts.len() > 16 {
            return Err(bad("too many multipart parts"));
        }
    }
    Ok(parts)
}

fn to_fit_request(o: FitOptions) -> Result<FitRequest, HttpError> {
    let stat: Statistic = match &o.stat {
        Some(s) => s.parse().map_err(bad)?,
        None => Statistic::CStat,
    };
    let range = |r: &[f64; 2], what: &str| -> Result<(f64, f64), HttpError> {
        if r[0].is_nan() || r[1].is_nan() || r[0] >= r[1] {
            return Err(bad(format!("{what} range {r:?} is empty")));
        }
        Ok((r[0], r[1]))
    };
    let mut req = FitRequest {
        model: o.model,
        bkg_model: o.bkg_model,
        stat,
        data: DataOptions {
            group_min: o.group_min,
            ungroup: o.ungroup,
            notice: o
                .notice
                .iter()
                .map(|r| range(r, "notice"))
                .collect::<Result<_, _>>()?,
            ignore: o
                .ignore
                .iter()
                .map(|r| range(r, "ignore"))
                .collect::<Result<_, _>>()?,
            notice_channels: o.notice_channels.map(|c| (c[0], c[1])),
        },
        set: o.set.into_iter().collect(),
        freeze: o.freeze.into_iter().collect(),
        eval_only: o.eval,
        conf: o.conf,
        ..FitRequest::default()
    };
    if let Some(b) = o.flux_bands {
        if b.len() > 10 {
            return Err(bad("at most 10 flux bands"));
        }
        req.flux_bands = b
            .iter()
            .map(|r| range(r, "flux band"))
            .collect::<Result<_, _>>()?;
    }
    if o.group_min.is_some_and(|n| !(n >= 1.0)) {
        return Err(bad("group_min must be at least 1"));
    }
    Ok(req)
}

/// Pipeline file names for a detection, validated part by part.
fn product_files(o: &FitOptions, cfg: &ServerConfig) -> Result<SpectrumFiles, HttpError> {
    let obs = o
        .obs_id
        .as_deref()
        .ok_or_else(|| bad("obs_id is required"))?;
    if obs.len() != 10 || !obs.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("obs_id {obs:?} must be 10 digits")));
    }
    let inst = o.inst.as_deref().unwrap_or("PN").to_ascii_uppercase();
    if !matches!(inst.as_str(), "PN" | "M1" | "M2") {
        return Err(bad(format!("inst {inst:?} must be PN, M1 or M2")));
    }
    let expid = o
        .expid
        .as_deref()
        .ok_or_else(|| bad("expid is required (e.g. S003)"))?;
    let e = expid.as_bytes();
    if e.len() != 4 || !matches!(e[0], b'S' | b'U' | b'X') || !e[1..].iter().all(u8::is_ascii_digit)
    {
        return Err(bad(format!("expid {expid:?} must look like S003 or U002")));
    }
    let srcnum = match &o.srcnum {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .filter(|v| (1..=0xFFFF).contains(v))
            .ok_or_else(|| bad("srcnum must be between 1 and 65535"))?,
        Some(serde_json::Value::String(s))
            if s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            u64::from_str_radix(s, 16).map_err(|_| bad("srcnum is not hexadecimal"))?
        }
        Some(_) => return Err(bad("srcnum must be a number or 4 hexadecimal digits")),
        None => return Err(bad("srcnum is required")),
    };
    let name = |kind: &str| format!("P{obs}{inst}{expid}{kind}{srcnum:04X}.FTZ");
    let locate = |kind: &str| -> Option<PathBuf> {
        let file = name(kind);
        [
            cfg.products.join(&file),
            cfg.products.join(obs).join(&file),
            cfg.products.join(obs).join("pps").join(&file),
        ]
        .into_iter()
        .find(|p| inside(p, &cfg.products))
    };
    let pha = locate("SRSPEC").ok_or_else(|| {
        HttpError(
            404,
            format!(
                "no source spectrum {} in the products directory",
                name("SRSPEC")
            ),
        )
    })?;
    Ok(SpectrumFiles {
        pha,
        bkg: locate("BGSPEC"),
        arf: locate("SRCARF"),
        rmf: None,
        no_links: true,
    })
}

/// True when `p` is an existing file whose canonical path lies under `dir`.
fn inside(p: &Path, dir: &Path) -> bool {
    match (p.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d) && p.is_file(),
        _ => false,
    }
}

/// Maps the spectrum's RESPFILE to a file in the RMF directory: the exact name, or the
/// highest version of `<stem>_v<version>.rmf`.
fn canned_rmf(pha: &Path, cfg: &ServerConfig) -> Result<PathBuf, HttpError> {
    let dir = cfg.rmf_dir.as_ref().ok_or_else(|| {
        HttpError(
            422,
            "no RMF was uploaded and the server has no --rmf-dir".into(),
        )
    })?;
    let src =
        crate::ogip::Pha::read(pha).map_err(|e| HttpError(422, strip_dirs(&e.to_string())))?;
    let resp = src
        .respfile
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().to_string())
        .ok_or_else(|| HttpError(422, "the spectrum names no RESPFILE; upload an RMF".into()))?;
    if !resp
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(HttpError(
            422,
            format!("RESPFILE {resp:?} is not a plain file name"),
        ));
    }
    let exact = dir.join(&resp);
    if inside(&exact, dir) {
        return Ok(exact);
    }
    let (stem, ext) = resp.rsplit_once('.').unwrap_or((resp.as_str(), "rmf"));
    let prefix = format!("{stem}_v");
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    let entries = std::fs::read_dir(dir)
        .map_err(|e| HttpError(500, format!("cannot list the RMF directory: {e}")))?;
    for entry in entries.flatten() {
        let fname = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = fname.strip_prefix(&prefix) else {
            continue;
        };
        let Some(version) = rest.strip_suffix(&format!(".{ext}")) else {
            continue;
        };
        let key: Option<Vec<u64>> = version.split('.').map(|v| v.parse().ok()).collect();
        let Some(key) = key else { continue };
        let path = entry.path();
        if inside(&path, dir) && best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, path));
        }
    }
    best.map(|(_, p)| p).ok_or_else(|| {
        HttpError(
            422,
            format!("no response matrix {resp} (or {stem}_v<version>.{ext}) in the RMF directory"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_are_split() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{\"a\":1}\r\n--XX\r\nContent-Disposition: form-data; name=\"pha\"; filename=\"x\"\r\nContent-Type: application/octet-stream\r\n\r\nDATA\r\n--XX--\r\n";
        let parts = parse_multipart(body, "XX").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("request".to_string(), b"{\"a\":1}".to_vec()));
        assert_eq!(parts[1], ("pha".to_string(), b"DATA".to_vec()));
        assert!(parse_multipart(b"garbage", "XX").is_err());
    }

    #[test]
    fn gzip_bombs_are_refused() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 1 << 20]).unwrap();
        let gz = enc.finish().unwrap();
        assert!(gunzip_limited(&gz, 1000).is_err());
        assert_eq!(gunzip_limited(&gz, 2 << 20).unwrap().len(), 1 << 20);
    }
}
