//! `xcat vo`: the optional Virtual Observatory server over a built site — IVOA Simple Cone
//! Search 1.03 (`/scs`), TAP 1.1 synchronous queries in ADQL (`/tap/sync`) and the VOSI
//! resources TAP clients read first (`/tap/availability`, `/tap/capabilities`,
//! `/tap/tables`). Queries run on the same engine and files as the site's query page
//! ([`super::local`]): no database, nothing written, any number of instances behind a proxy.

use super::local::{LocalCatalogue, RunError};
use super::votable::{self, Cell, FieldSpec, Fields, Writer};
use crate::site::format::percent_decode;
use std::path::Path;
use std::sync::Arc;
use xcat_core::chunk::{QueryResult, RunOptions};
use xcat_web::axum::Router;
use xcat_web::axum::body::Bytes;
use xcat_web::axum::extract::{RawQuery, State};
use xcat_web::axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use xcat_web::axum::response::{IntoResponse, Response};
use xcat_web::axum::routing::get;

/// Rows a TAP query returns unless MAXREC says otherwise.
pub const DEFAULT_MAXREC: usize = 10_000;
/// The most rows one answer holds, whatever MAXREC asks.
pub const HARD_MAXREC: usize = 1_000_000;
/// The largest cone a Simple Cone Search serves, degrees.
pub const MAX_SR_DEG: f64 = 10.0;

/// What every handler shares: the site's catalogues (the current release first) and the
/// service's public address, for the capabilities.
pub struct Service {
    /// The asynchronous jobs (`/tap/async`).
    pub jobs: super::uws::SharedJobs,
    catalogues: Vec<LocalCatalogue>,
    tap_schema: super::tap_schema::TapSchema,
    title: String,
}

impl Service {
    /// The service of the site built in `site`, keeping every query file it reads in memory.
    pub fn open(site: &Path) -> crate::error::Result<Service> {
        Self::open_with_memory(site, None)
    }

    /// The service of the site built in `site`, keeping at most about `bytes` of decoded query
    /// data in memory (shared equally by the releases; `None`: no bound).
    pub fn open_with_memory(site: &Path, bytes: Option<u64>) -> crate::error::Result<Service> {
        let title = site_title(site);
        let catalogues = LocalCatalogue::open_site(site, &title)?;
        let share = bytes.map(|b| b / catalogues.len().max(1) as u64);
        for c in &catalogues {
            c.set_memory_budget(share);
        }
        Ok(Service {
            jobs: Default::default(),
            tap_schema: super::tap_schema::TapSchema::new(&catalogues),
            catalogues,
            title,
        })
    }

    fn catalogue(&self, schema: Option<&str>) -> Option<&LocalCatalogue> {
        match schema {
            None => self.catalogues.first(),
            Some(s) => self
                .catalogues
                .iter()
                .find(|c| c.schema.eq_ignore_ascii_case(s) || c.id.eq_ignore_ascii_case(s)),
        }
    }
}

/// The site's title, from its `api/index.json`.
fn site_title(site: &Path) -> String {
    std::fs::read(site.join("api/index.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["title"].as_str().map(str::to_string))
        .unwrap_or_else(|| "xcat".into())
}

/// The routes of the service.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/scs", get(scs).post(scs_post))
        .route("/scs/{release}", get(scs_release))
        .route("/tap/sync", get(tap_get).post(tap_post))
        .route("/tap/async", get(async_list).post(async_create))
        .route(
            "/tap/async/{id}",
            get(async_job).post(async_job_post).delete(async_delete),
        )
        .route(
            "/tap/async/{id}/{item}",
            get(async_item).post(async_item_post),
        )
        .route("/tap/async/{id}/results/result", get(async_result))
        .route("/tap/availability", get(availability))
        .route("/tap/capabilities", get(capabilities))
        .route("/tap/tables", get(tables))
        .with_state(service)
        .layer(xcat_web::axum::middleware::map_response(
            |mut r: Response| async move {
                r.headers_mut().insert(
                    header::SERVER,
                    HeaderValue::from_static(concat!("xcat/", env!("CARGO_PKG_VERSION"))),
                );
                r
            },
        ))
}

/// Parameters of a GET query string or a POST form, names upper-cased (DALI: parameter names
/// are case-insensitive).
fn params(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec =
                |s: &str| percent_decode(&s.replace('+', " ")).unwrap_or_else(|| s.to_string());
            (dec(k).to_ascii_uppercase(), dec(v))
        })
        .collect()
}

fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn votable_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-votable+xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// A VOTable error document: `QUERY_STATUS` ERROR (TAP, DALI) and, for Simple Cone Search
/// 1.03, an INFO named `Error`.
fn error_document(message: &str) -> String {
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"",
    );
    o.push_str(votable::NAMESPACE);
    o.push_str("\">\n<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"ERROR\">");
    votable::push_escaped(&mut o, message);
    o.push_str("</INFO>\n<INFO name=\"Error\" value=\"");
    votable::push_escaped(&mut o, message);
    o.push_str("\"/>\n</RESOURCE>\n</VOTABLE>\n");
    o
}

fn error(status: StatusCode, message: &str) -> Response {
    votable_response(status, error_document(message))
}

// ---------------------------------------------------------------- Simple Cone Search

async fn scs(State(s): State<Arc<Service>>, RawQuery(q): RawQuery) -> Response {
    cone_search(s, None, params(&q.unwrap_or_default())).await
}

async fn scs_post(State(s): State<Arc<Service>>, body: Bytes) -> Response {
    cone_search(s, None, params(&String::from_utf8_lossy(&body))).await
}

async fn scs_release(
    State(s): State<Arc<Service>>,
    xcat_web::axum::extract::Path(release): xcat_web::axum::extract::Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    cone_search(s, Some(release), params(&q.unwrap_or_default())).await
}

/// Simple Cone Search 1.03: RA, DEC, SR in degrees (ICRS); VERB 1 (identifier and position), 2
/// (the catalogue's default columns, the default) or 3 (every column). Errors are VOTables
/// with an INFO named `Error`, with status 200 as the standard asks.
async fn cone_search(
    s: Arc<Service>,
    release: Option<String>,
    p: Vec<(String, String)>,
) -> Response {
    let num = |name: &str| -> Result<f64, String> {
        let v = param(&p, name).ok_or_else(|| format!("parameter {name} is missing"))?;
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("parameter {name}={v:?} is not a number"))
    };
    let checked = (|| -> Result<(f64, f64, f64, u8), String> {
        let (ra, dec, sr) = (num("RA")?, num("DEC")?, num("SR")?);
        if !(0.0..=360.0).contains(&ra) {
            return Err(format!("RA={ra} is outside 0..360 degrees"));
        }
        if !(-90.0..=90.0).contains(&dec) {
            return Err(format!("DEC={dec} is outside -90..90 degrees"));
        }
        if !(0.0..=MAX_SR_DEG).contains(&sr) {
            return Err(format!("SR={sr} is outside 0..{MAX_SR_DEG} degrees"));
        }
        let verb = match param(&p, "VERB").map(str::trim) {
            None | Some("") | Some("2") => 2,
            Some("1") => 1,
            Some("3") => 3,
            Some(v) => return Err(format!("VERB={v:?} is not 1, 2 or 3")),
        };
        Ok((ra, dec, sr, verb))
    })();
    let (ra, dec, sr, verb) = match checked {
        Ok(x) => x,
        Err(m) => return error(StatusCode::OK, &m),
    };
    let Some(cat) = s.catalogue(release.as_deref()) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no release {}", release.unwrap_or_default()),
        );
    };
    let s2 = s.clone();
    let rel = release.clone();
    let answer = xcat_web::spawn_blocking(move || {
        let cat = s2.catalogue(rel.as_deref()).expect("checked");
        let (ra_col, dec_col) = cat.position_columns();
        let columns = match verb {
            1 => vec!["SRCID".to_string(), ra_col.clone(), dec_col.clone()],
            3 => vec!["*".to_string()],
            _ => Vec::new(),
        };
        let opts = RunOptions {
            limit: HARD_MAXREC,
            columns,
            ..RunOptions::default()
        };
        let r = cat.run(&format!("cone({ra:?}, {dec:?}, {sr:?}deg)"), opts)?;
        Ok::<_, RunError>((r, ra_col, dec_col))
    })
    .await;
    let (r, ra_col, dec_col) = match answer {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error(StatusCode::OK, &e.to_string()),
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("the query failed: {e}"),
            );
        }
    };
    // SCS 1.03 finds the identifier and position by their UCD1 names.
    let ucd1 = |name: &str| {
        if name.eq_ignore_ascii_case("SRCID") {
            Some("ID_MAIN")
        } else if name.eq_ignore_ascii_case(&ra_col) {
            Some("POS_EQ_RA_MAIN")
        } else if name.eq_ignore_ascii_case(&dec_col) {
            Some("POS_EQ_DEC_MAIN")
        } else {
            None
        }
    };
    let mut specs = FieldSpec::of_table(&r.page, &(0..r.page.schema().len()).collect::<Vec<_>>());
    for f in &mut specs {
        if let Some(u) = ucd1(&f.name) {
            f.ucd = u.into();
        }
    }
    let mut w = Writer::new(
        &format!(
            "{}: {} cone search, RA={ra} DEC={dec} SR={sr}",
            s.title, cat.title
        ),
        &[("QUERY_STATUS", "OK")],
    );
    result_table(&mut w, "results", &specs, &r);
    votable_response(StatusCode::OK, w.finish())
}

fn result_table(w: &mut Writer, name: &str, specs: &[FieldSpec], r: &QueryResult) {
    w.table(name, "", &Fields::new(specs));
    let cols: Vec<usize> = (0..r.page.schema().len()).collect();
    for i in 0..r.page.rows() {
        w.table_row(&r.page, &cols, i);
    }
}

// ---------------------------------------------------------------- TAP

async fn tap_get(State(s): State<Arc<Service>>, RawQuery(q): RawQuery) -> Response {
    tap_sync(s, params(&q.unwrap_or_default())).await
}

async fn tap_post(State(s): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the parameters as application/x-www-form-urlencoded",
        );
    }
    tap_sync(s, params(&String::from_utf8_lossy(&body))).await
}

/// Output formats: (FORMAT / RESPONSEFORMAT values, media type).
const FORMATS: [(&[&str], &str); 3] = [
    (
        &[
            "votable",
            "application/x-votable+xml",
            "text/xml",
            "votable/td",
        ],
        "application/x-votable+xml",
    ),
    (&["csv", "text/csv"], "text/csv"),
    (&["json", "application/json"], "application/json"),
];

/// TAP 1.1 synchronous query: REQUEST=doQuery, LANG=ADQL, QUERY, MAXREC, FORMAT or
/// RESPONSEFORMAT (votable, csv, json).
async fn tap_sync(s: Arc<Service>, p: Vec<(String, String)>) -> Response {
    match execute(s, p).await {
        Ok((media, body)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
            body,
        )
            .into_response(),
        Err((status, message)) => error(status, &message),
    }
}

/// Runs a TAP query: the answer's media type and body, or the status and message of its
/// error.
pub(crate) async fn execute(
    s: Arc<Service>,
    p: Vec<(String, String)>,
) -> Result<(&'static str, String), (StatusCode, String)> {
    if let Some(r) = param(&p, "REQUEST").filter(|r| !r.eq_ignore_ascii_case("doQuery")) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("REQUEST={r} is not supported; use doQuery"),
        ));
    }
    if let Some(l) = param(&p, "LANG").filter(|l| !l.to_ascii_uppercase().starts_with("ADQL")) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("LANG={l} is not supported; use ADQL"),
        ));
    }
    let Some(query) = param(&p, "QUERY").map(str::to_string) else {
        return Err((
            StatusCode::BAD_REQUEST,
            ("parameter QUERY is missing").to_string(),
        ));
    };
    let format = param(&p, "RESPONSEFORMAT")
        .or(param(&p, "FORMAT"))
        .unwrap_or("votable");
    let Some(&(_, media)) = FORMATS.iter().find(|(names, _)| {
        names
            .iter()
            .any(|n| format.eq_ignore_ascii_case(n) || format.starts_with(n))
    }) else {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("FORMAT={format} is not supported; use votable, csv or json"),
        ));
    };
    let maxrec = match param(&p, "MAXREC").map(str::trim) {
        None | Some("") => DEFAULT_MAXREC,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => usize::try_from(n).unwrap_or(usize::MAX).min(HARD_MAXREC),
            Err(_) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("MAXREC={v} is not a whole number"),
                ));
            }
        },
    };
    // The schema of FROM picks the catalogue (the current release without one).
    let select =
        xcat_core::query::adql::parse_select(&query, &xcat_core::QueryOptions::default()).ok();
    let from = select.as_ref().map(|sel| sel.table.clone());
    let schema = from.as_ref().and_then(|t| t.schema.clone());
    let answer = if schema
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(super::tap_schema::SCHEMA))
    {
        let name = from.map(|t| t.name).unwrap_or_default();
        Some(
            s.tap_schema
                .run(&name, &query, maxrec)
                .map_err(RunError::from),
        )
    } else {
        None
    };
    if answer.is_none() && s.catalogue(schema.as_deref()).is_none() {
        let known: Vec<String> = s
            .catalogues
            .iter()
            .map(|c| format!("{}.sources", c.schema))
            .collect();
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "unknown schema {}: the tables are {}",
                schema.unwrap_or_default(),
                known.join(", ")
            ),
        ));
    }
    let counts = select.as_ref().is_some_and(|sel| sel.count.is_some());
    let s2 = s.clone();
    let q2 = query.clone();
    let answer = match answer {
        Some(a) => Ok(a),
        None => {
            xcat_web::spawn_blocking(move || {
                let cat = s2.catalogue(schema.as_deref()).expect("checked");
                if !xcat_core::query::adql::looks_like_adql(&q2) {
                    return Err(RunError::Io("QUERY is not an ADQL SELECT statement".into()));
                }
                let opts = RunOptions {
                    limit: maxrec,
                    // A count is read only by COUNT(*); other results stop at MAXREC + 1 rows.
                    first_rows_only: !counts,
                    ..RunOptions::default()
                };
                cat.run(&q2, opts)
            })
            .await
        }
    };
    let mut r = match answer {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err((StatusCode::BAD_REQUEST, e.to_string())),
        Err(e) => {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the query failed: {e}"),
            ));
        }
    };
    if let Some(name) = select.as_ref().and_then(|s| s.count.as_deref()) {
        r = super::tap_schema::count_result(name, r.count);
    }
    let overflow = r.count > r.page.rows();
    let mut specs = FieldSpec::of_table(&r.page, &(0..r.page.schema().len()).collect::<Vec<_>>());
    // Output columns are named as the select list names them (`x AS y`: y).
    if let Some(list) = select
        .and_then(|sel| sel.columns)
        .filter(|l| l.len() == specs.len())
    {
        for (spec, c) in specs.iter_mut().zip(list) {
            if let Some(alias) = c.alias {
                spec.name = alias;
            }
        }
    }
    let body = match media {
        "text/csv" => csv(&specs, &r),
        "application/json" => json(&specs, &r, overflow),
        _ => {
            let mut w = Writer::new(
                &format!("{}: TAP query", s.title),
                &[("QUERY_STATUS", "OK"), ("QUERY", &query)],
            );
            result_table(&mut w, "result", &specs, &r);
            let mut doc = w.finish();
            if overflow {
                // DALI: an OVERFLOW status after the table when MAXREC cut the result.
                let at = doc.rfind("</RESOURCE>").expect("a resource");
                doc.insert_str(at, "<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n");
            }
            doc
        }
    };
    Ok((media, body))
}

fn csv(specs: &[FieldSpec], r: &QueryResult) -> String {
    let e = crate::site::export::Exporter::new(&r.page, (0..r.page.schema().len()).collect());
    let rows: Vec<u32> = (0..r.page.rows() as u32).collect();
    let body = String::from_utf8(e.csv(&r.page, &rows)).expect("CSV of UTF-8 cells");
    // The header line with the output names (aliases).
    let names: Vec<&str> = specs.iter().map(|f| f.name.as_str()).collect();
    let rest = body.split_once("\r\n").map_or("", |(_, rest)| rest);
    format!("{}\r\n{rest}", names.join(","))
}

fn json(specs: &[FieldSpec], r: &QueryResult, overflow: bool) -> String {
    let mut o = String::from("{\"metadata\":[");
    for (k, f) in specs.iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        o.push_str(&serde_json::json!({"name": f.name, "datatype": f.datatype, "unit": f.unit, "ucd": f.ucd, "description": f.description}).to_string());
    }
    o.push_str("],\"data\":[");
    for i in 0..r.page.rows() {
        if i > 0 {
            o.push(',');
        }
        o.push('[');
        for (k, c) in r.page.columns().iter().enumerate() {
            if k > 0 {
                o.push(',');
            }
            votable::push_json(&mut o, Cell::of(c, i));
        }
        o.push(']');
    }
    o.push_str(&format!("],\"overflow\":{overflow}}}\n"));
    o
}

// ---------------------------------------------------------------- TAP async (UWS)

use super::uws;
use xcat_web::axum::extract::Path as UrlPath;

fn see_other(headers: &HeaderMap, path: &str) -> Response {
    let location = format!("{}{path}", base_url(headers));
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
        )],
    )
        .into_response()
}

fn text(body: String) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn no_job(id: &str) -> Response {
    error(
        uws::NO_JOB,
        &format!("no job {id} (jobs are kept for an hour)"),
    )
}

async fn async_list(State(s): State<Arc<Service>>, headers: HeaderMap) -> Response {
    let jobs = s.jobs.lock().expect("jobs lock").list();
    xml(StatusCode::OK, uws::list_xml(&base_url(&headers), &jobs))
}

/// POST /tap/async: a new job with the form's parameters; PHASE=RUN starts it at once.
async fn async_create(State(s): State<Arc<Service>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut p = params(&String::from_utf8_lossy(&body));
    let run = param(&p, "PHASE").is_some_and(|v| v.eq_ignore_ascii_case("RUN"));
    p.retain(|(k, _)| k != "PHASE");
    let id = s.jobs.lock().expect("jobs lock").create(p);
    if run {
        uws::run(&s, &id);
    }
    see_other(&headers, &format!("/tap/async/{id}"))
}

async fn async_job(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let jobs = s.jobs.lock().expect("jobs lock");
    match jobs.get(&id) {
        Some(j) => xml(StatusCode::OK, uws::job_xml(&base_url(&headers), &id, j)),
        None => no_job(&id),
    }
}

async fn async_delete(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    if s.jobs.lock().expect("jobs lock").delete(&id) {
        see_other(&headers, "/tap/async")
    } else {
        no_job(&id)
    }
}

/// POST to a job: ACTION=DELETE, or more parameters while it is PENDING.
async fn async_job_post(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    if param(&p, "ACTION").is_some_and(|a| a.eq_ignore_ascii_case("DELETE")) {
        return async_delete(State(s), headers, UrlPath(id)).await;
    }
    let run = param(&p, "PHASE").is_some_and(|v| v.eq_ignore_ascii_case("RUN"));
    {
        let mut jobs = s.jobs.lock().expect("jobs lock");
        let Some(job) = jobs.get_mut(&id) else {
            return no_job(&id);
        };
        if job.phase == uws::Phase::Pending {
            for (k, v) in p.into_iter().filter(|(k, _)| k != "PHASE") {
                job.params.retain(|(old, _)| *old != k);
                job.params.push((k, v));
            }
        }
    }
    if run {
        uws::run(&s, &id);
    }
    see_other(&headers, &format!("/tap/async/{id}"))
}

/// A job's resources: phase, results, error, parameters, quote, executionduration,
/// destruction, owner.
async fn async_item(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    UrlPath((id, item)): UrlPath<(String, String)>,
) -> Response {
    let jobs = s.jobs.lock().expect("jobs lock");
    let Some(j) = jobs.get(&id) else {
        return no_job(&id);
    };
    match item.as_str() {
        "phase" => text(j.phase.name().into()),
        "quote" => text(String::new()),
        "executionduration" => text(uws::EXECUTION_SECONDS.to_string()),
        "destruction" => text(uws::iso(j.created + uws::LIFETIME)),
        "owner" => text(String::new()),
        "error" => match &j.error {
            Some(e) => votable_response(StatusCode::OK, error_document(e)),
            None => error(StatusCode::NOT_FOUND, &format!("job {id} has no error")),
        },
        "results" | "parameters" => {
            // The job document holds both; UWS lets them be served as its parts.
            let doc = uws::job_xml(&base_url(&headers), &id, j);
            let (open, close) = if item == "results" {
                ("<uws:results>", "</uws:results>")
            } else {
                ("<uws:parameters>", "</uws:parameters>")
            };
            let a = doc.find(open).unwrap_or(0);
            let b = doc.find(close).map_or(doc.len(), |b| b + close.len());
            let inner = &doc[a..b];
            let ns = "xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"";
            let tag = &open[1..open.len() - 1];
            xml(
                StatusCode::OK,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{tag} {ns}>{}",
                    &inner[open.len()..]
                ),
            )
        }
        _ => error(
            StatusCode::NOT_FOUND,
            &format!("job {id} has no resource {item}"),
        ),
    }
}

/// POST to a job's phase (PHASE=RUN or ABORT), execution duration or destruction time.
async fn async_item_post(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    UrlPath((id, item)): UrlPath<(String, String)>,
    body: Bytes,
) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    if s.jobs.lock().expect("jobs lock").get(&id).is_none() {
        return no_job(&id);
    }
    match (
        item.as_str(),
        param(&p, "PHASE").map(str::to_ascii_uppercase).as_deref(),
    ) {
        ("phase", Some("RUN")) => uws::run(&s, &id),
        ("phase", Some("ABORT")) => {
            let mut jobs = s.jobs.lock().expect("jobs lock");
            if let Some(j) = jobs.get_mut(&id)
                && matches!(j.phase, uws::Phase::Pending | uws::Phase::Executing)
            {
                j.phase = uws::Phase::Aborted;
                j.ended = Some(std::time::SystemTime::now());
            }
        }
        ("phase", _) => return error(StatusCode::BAD_REQUEST, "PHASE is RUN or ABORT"),
        ("parameters", _) => {
            let mut jobs = s.jobs.lock().expect("jobs lock");
            if let Some(job) = jobs.get_mut(&id) {
                if job.phase != uws::Phase::Pending {
                    return error(
                        StatusCode::CONFLICT,
                        &format!("job {id} is {}: its parameters are fixed", job.phase.name()),
                    );
                }
                for (k, v) in p.into_iter().filter(|(k, _)| k != "PHASE") {
                    job.params.retain(|(old, _)| *old != k);
                    job.params.push((k, v));
                }
            }
        }
        // The server keeps its own limits: the request is acknowledged.
        ("executionduration" | "destruction", _) => {}
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("job {id} has no resource {item} to change"),
            );
        }
    }
    see_other(&headers, &format!("/tap/async/{id}"))
}

async fn async_result(State(s): State<Arc<Service>>, UrlPath(id): UrlPath<String>) -> Response {
    let jobs = s.jobs.lock().expect("jobs lock");
    match jobs.get(&id).map(|j| &j.result) {
        Some(Some((media, body))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
            body.clone(),
        )
            .into_response(),
        Some(None) => error(
            StatusCode::NOT_FOUND,
            &format!("job {id} has no result (yet)"),
        ),
        None => no_job(&id),
    }
}

// ---------------------------------------------------------------- VOSI

async fn availability() -> Response {
    xml(
        StatusCode::OK,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n<vosi:available>true</vosi:available>\n<vosi:note>service is accepting queries</vosi:note>\n</vosi:availability>\n".into(),
    )
}

/// The base URL of the service as the client reached it (behind a proxy: its
/// X-Forwarded-Proto and X-Forwarded-Host, else Host).
fn base_url(headers: &HeaderMap) -> String {
    let get = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or_else(|| "localhost".into());
    let proto = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let prefix = get("x-forwarded-prefix").unwrap_or_default();
    format!("{proto}://{host}{}", prefix.trim_end_matches('/'))
}

async fn capabilities(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\">\n",
    );
    let iface = |o: &mut String, path: &str, kind: &str| {
        o.push_str(&format!(
            "<interface xsi:type=\"{kind}\" role=\"std\"><accessURL use=\"base\">"
        ));
        votable::push_escaped(o, &format!("{base}{path}"));
        o.push_str("</accessURL></interface>\n");
    };
    o.push_str("<capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n");
    o.push_str("<interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\"><accessURL use=\"base\">");
    votable::push_escaped(&mut o, &format!("{base}/tap"));
    o.push_str("</accessURL></interface>\n");
    o.push_str("<language><name>ADQL</name><version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version><version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version><description>ADQL SELECT over one table: TOP, ORDER BY one column, OFFSET; CONTAINS(POINT, CIRCLE) and DISTANCE; no joins, aggregates or arithmetic</description>\n");
    o.push_str("<languageFeatures type=\"ivo://ivoa.net/std/TAPRegExt#features-adqlgeo\"><feature><form>POINT</form></feature><feature><form>CIRCLE</form></feature><feature><form>CONTAINS</form></feature><feature><form>DISTANCE</form></feature></languageFeatures>\n</language>\n");
    for (names, media) in FORMATS {
        o.push_str(&format!("<outputFormat><mime>{media}</mime>"));
        for n in names.iter().filter(|n| !n.contains('/')) {
            o.push_str(&format!("<alias>{n}</alias>"));
        }
        o.push_str("</outputFormat>\n");
    }
    o.push_str(&format!(
        "<outputLimit><default unit=\"row\">{DEFAULT_MAXREC}</default><hard unit=\"row\">{HARD_MAXREC}</hard></outputLimit>\n</capability>\n"
    ));
    for (path, id) in [
        ("/tap/availability", "ivo://ivoa.net/std/VOSI#availability"),
        ("/tap/capabilities", "ivo://ivoa.net/std/VOSI#capabilities"),
        ("/tap/tables", "ivo://ivoa.net/std/VOSI#tables-1.1"),
    ] {
        o.push_str(&format!("<capability standardID=\"{id}\">\n"));
        iface(&mut o, path, "vs:ParamHTTP");
        o.push_str("</capability>\n");
    }
    o.push_str("<capability standardID=\"ivo://ivoa.net/std/ConeSearch\">\n");
    iface(&mut o, "/scs?", "vs:ParamHTTP");
    o.push_str("</capability>\n</vosi:capabilities>\n");
    xml(StatusCode::OK, o)
}

/// The ADQL type of a VOTable datatype (VODataService); strings have no fixed length.
fn adql_type(datatype: &str) -> &'static str {
    match datatype {
        "boolean" => "BOOLEAN",
        "unsignedByte" | "short" => "SMALLINT",
        "int" => "INTEGER",
        "long" => "BIGINT",
        "float" => "REAL",
        "double" => "DOUBLE",
        _ => "VARCHAR",
    }
}

async fn tables(State(s): State<Arc<Service>>) -> Response {
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:tableset xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\">\n",
    );
    for c in &s.catalogues {
        o.push_str("<schema><name>");
        votable::push_escaped(&mut o, &c.schema);
        o.push_str("</name><description>");
        votable::push_escaped(&mut o, &c.description());
        o.push_str("</description>\n<table type=\"table\"><name>");
        votable::push_escaped(&mut o, &format!("{}.sources", c.schema));
        o.push_str("</name><description>One row per X-ray source</description>\n");
        for f in c.schema().fields() {
            let spec = FieldSpec::new(f.name.clone(), votable::datatype(f.dtype));
            let t = adql_type(spec.datatype);
            o.push_str("<column><name>");
            votable::push_escaped(&mut o, &f.name);
            o.push_str("</name>");
            if !f.description.is_empty() {
                o.push_str("<description>");
                votable::push_escaped(&mut o, &f.description);
                o.push_str("</description>");
            }
            let unit = if f.unit.trim().is_empty() {
                String::new()
            } else {
                xcat_core::schema::vo_unit(&f.unit)
            };
            if !unit.is_empty() {
                o.push_str("<unit>");
                votable::push_escaped(&mut o, &unit);
                o.push_str("</unit>");
            }
            if !f.ucd.is_empty() {
                o.push_str("<ucd>");
                votable::push_escaped(&mut o, &f.ucd);
                o.push_str("</ucd>");
            }
            // The key indexes of the query data (SRCID, IAUNAME) answer lookups at once.
            let indexed =
                f.name.eq_ignore_ascii_case("SRCID") || f.name.eq_ignore_ascii_case("IAUNAME");
            o.push_str(&format!(
                "<dataType xsi:type=\"vs:TAPType\">{t}</dataType>{}</column>\n",
                if indexed { "<flag>indexed</flag>" } else { "" }
            ));
        }
        o.push_str("</table>\n</schema>\n");
    }
    o.push_str("<schema><name>TAP_SCHEMA</name><description>the description of this service (TAP 1.1)</description>\n");
    for (name, t) in s.tap_schema.tables() {
        o.push_str(&format!(
            "<table type=\"table\"><name>TAP_SCHEMA.{name}</name>\n"
        ));
        for f in t.schema().fields() {
            o.push_str("<column><name>");
            // A column named by an ADQL reserved word is written delimited.
            let name = if f.name == "size" {
                "\"size\""
            } else {
                f.name.as_str()
            };
            votable::push_escaped(&mut o, name);
            o.push_str("</name><description>");
            votable::push_escaped(&mut o, &f.description);
            o.push_str(&format!(
                "</description><dataType xsi:type=\"vs:TAPType\">{}</dataType></column>\n",
                adql_type(votable::datatype(f.dtype))
            ));
        }
        for (_, from, to, from_col, to_col) in super::tap_schema::LINKS {
            if from == name {
                o.push_str(&format!("<foreignKey><targetTable>TAP_SCHEMA.{to}</targetTable><fkColumn><fromColumn>{from_col}</fromColumn><targetColumn>{to_col}</targetColumn></fkColumn></foreignKey>\n"));
            }
        }
        o.push_str("</table>\n");
    }
    o.push_str("</schema>\n");
    o.push_str("</vosi:tableset>\n");
    xml(StatusCode::OK, o)
}

/// Serves the VO endpoints of the site in `site` on `addr` until SIGINT or SIGTERM.
pub fn serve(site: &Path, host: &str, port: u16, memory_mb: u64) -> anyhow::Result<()> {
    let bytes = (memory_mb > 0).then_some(memory_mb.saturating_mul(1 << 20));
    let service = Arc::new(Service::open_with_memory(site, bytes)?);
    let bound = xcat_web::bind((host, port)).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {host}:{port}: {e} (is another server using it? try --port)"
        )
    })?;
    let addr = bound.local_addr();
    eprintln!(
        "VO services of {} at http://{addr}/: Simple Cone Search /scs, TAP /tap ({}) (Ctrl-C to stop)",
        site.display(),
        service
            .catalogues
            .iter()
            .map(|c| format!("{}.sources", c.schema))
            .collect::<Vec<_>>()
            .join(", ")
    );
    bound.run(router(service), xcat_web::Limits::default())?;
    Ok(())
}
