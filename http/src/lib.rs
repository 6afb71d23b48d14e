//! The small blocking HTTP/1.1 server under `xcat serve` (the local preview of a built site)
//! and `xcat-fit serve` (the spectral-fit API).
//!
//! Each connection gets its own thread for as long as it is open, so a browser's idle
//! keep-alive or speculative connections never hold up another connection's request (the
//! failure mode of worker pools that hand connections to a fixed or lazily grown set of
//! threads). Requests are parsed by `httparse`; bodies need a `Content-Length` and are read
//! into memory up to [`Config::max_body`]. A larger body is not read at all: the handler sees
//! [`Request::body`] = `None`, answers (typically 413) and the connection is closed.
//!
//! ```no_run
//! use xcat_http::{Config, Response, Server};
//! let server = Server::bind("127.0.0.1:8080", Config::default()).unwrap();
//! server.run(|req| Response::new(200, format!("you asked for {}", req.path())));
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Largest request head (request line and headers) accepted, bytes.
const MAX_HEAD: usize = 64 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 100;

/// Server limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body read, bytes.
    pub max_body: u64,
    /// How long an open connection may stay silent (between or within requests).
    pub idle_timeout: Duration,
    /// Most connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body: 16 << 20,
            idle_timeout: Duration::from_secs(15),
            max_connections: 512,
        }
    }
}

/// One request, with its body read.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    target: String,
    minor_version: u8,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    body_length: u64,
}

impl Request {
    /// The method, as sent (`GET`, `POST`, …).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target as sent: path, query and all.
    pub fn url(&self) -> &str {
        &self.target
    }

    /// The target's path: without the query string or fragment.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("")
    }

    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body; `None` when it was longer than [`Config::max_body`] and so was not read.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The body length the client declared (0 without a body).
    pub fn body_length(&self) -> u64 {
        self.body_length
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// A response with a status and a body (and no headers yet).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header. Line breaks in the name or value are replaced by spaces, so no value
    /// can inject another header. `Content-Length`, `Connection` and `Date` are set by the
    /// server and ignored here.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let clean = |s: &str| s.replace(['\r', '\n'], " ");
        if !["content-length", "connection", "date", "transfer-encoding"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            self.headers.push((clean(name), clean(value)));
        }
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    config: Config,
    stop: Arc<AtomicBool>,
}

/// Stops a running server's accept loop from another thread (open connections finish
/// their current request).
#[derive(Debug, Clone)]
pub struct Stopper {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Stopper {
    /// Makes [`Server::run`] return.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept call.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

impl Server {
    /// Binds to `addr` (port 0 picks a free port).
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        Ok(Server {
            listener,
            addr,
            config,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops [`Server::run`].
    pub fn stopper(&self) -> Stopper {
        Stopper {
            addr: self.addr,
            stop: self.stop.clone(),
        }
    }

    /// Accepts connections until stopped, each served on its own thread by `handler`. A
    /// handler that panics gives a 500 and the connection is closed; the server goes on.
    pub fn run<H>(self, handler: H)
    where
        H: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let handler = Arc::new(handler);
        let open = Arc::new(AtomicUsize::new(0));
        let config = Arc::new(self.config);
        for stream in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(mut stream) = stream else {
                // Out of file descriptors and the like: wait a little rather than spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            if open.load(Ordering::SeqCst) >= config.max_connections {
                let _ = write_response(
                    &mut stream,
                    &Response::new(503, "too many connections; retry shortly"),
                    false,
                    false,
                );
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);
            let guard = OpenGuard(open.clone());
            let (handler, config) = (handler.clone(), config.clone());
            let spawned = std::thread::Builder::new()
                .name("http-connection".into())
                .spawn(move || {
                    let _guard = guard;
                    serve_connection(stream, &*handler, &config);
                });
            if spawned.is_err() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Counts a connection as open while alive.
struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What reading the next request gave.
enum Next {
    Request(Request),
    /// The client closed or went silent: close quietly.
    Closed,
    /// A broken request: answer this and close.
    Reject(Response),
}

fn serve_connection<H>(mut stream: TcpStream, handler: &H, config: &Config)
where
    H: Fn(&Request) -> Response,
{
    let _ = stream.set_read_timeout(Some(config.idle_timeout));
    let _ = stream.set_write_timeout(Some(config.idle_timeout));
    let _ = stream.set_nodelay(true);
    // Bytes read but not used yet (a pipelined next request).
    let mut buf = Vec::new();
    loop {
        let req = match read_request(&mut stream, &mut buf, config) {
            Next::Request(r) => r,
            Next::Closed => break,
            Next::Reject(resp) => {
                let _ = write_response(&mut stream, &resp, false, false);
                break;
            }
        };
        let keep_alive = req.body.is_some() && wants_keep_alive(&req);
        let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&req)));
        let (resp, keep_alive) = match resp {
            Ok(r) => (r, keep_alive),
            Err(_) => (Response::new(500, "internal server error"), false),
        };
        let head_only = req.method.eq_ignore_ascii_case("HEAD");
        if write_response(&mut stream, &resp, keep_alive, head_only).is_err() || !keep_alive {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn wants_keep_alive(req: &Request) -> bool {
    let conn = req.header("connection").unwrap_or("");
    let has = |token: &str| {
        conn.split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if req.minor_version >= 1 {
        !has("close")
    } else {
        has("keep-alive")
    }
}

fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, config: &Config) -> Next {
    // The head.
    let (head_len, mut req) = loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(n)) => {
                let req = Request {
                    method: parsed.method.unwrap_or("GET").to_string(),
                    target: parsed.path.unwrap_or("/").to_string(),
                    minor_version: parsed.version.unwrap_or(1),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                    body: None,
                    body_length: 0,
                };
                break (n, req);
            }
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Next::Reject(Response::new(431, "request head too large"));
                }
                match fill(stream, buf) {
                    Ok(0) | Err(_) => return Next::Closed,
                    Ok(_) => {}
                }
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Next::Reject(Response::new(431, "too many request headers"));
            }
            Err(e) => return Next::Reject(Response::new(400, format!("bad request: {e}"))),
        }
    };
    buf.drain(..head_len);
    // The body.
    if req
        .header("transfer-encoding")
        .is_some_and(|t| !t.trim().eq_ignore_ascii_case("identity"))
    {
        return Next::Reject(Response::new(
            411,
            "request bodies need a Content-Length (chunked bodies are not accepted)",
        ));
    }
    let length = match req
        .header("content-length")
        .map(|v| v.trim().parse::<u64>())
    {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Next::Reject(Response::new(400, "bad Content-Length")),
    };
    req.body_length = length;
    if length > config.max_body {
        // Not read: the handler answers and the connection closes.
        return Next::Request(req);
    }
    if length > 0
        && req
            .header("expect")
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"))
        && stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return Next::Closed;
    }
    let length = length as usize;
    while buf.len() < length {
        match fill(stream, buf) {
            Ok(0) | Err(_) => return Next::Closed,
            Ok(_) => {}
        }
    }
    req.body = Some(buf.drain(..length).collect());
    Next::Request(req)
}

/// Reads what is available into `buf`.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn write_response(
    stream: &mut TcpStream,
    resp: &Response,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\nContent-Length: {}\r\n",
        resp.status,
        reason(resp.status),
        http_date(SystemTime::now()),
        resp.body.len()
    );
    for (n, v) in &resp.headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let no_body = head_only || resp.status == 204 || resp.status == 304;
    if no_body || resp.body.len() > 64 * 1024 {
        stream.write_all(head.as_bytes())?;
        if !no_body {
            stream.write_all(&resp.body)?;
        }
    } else {
        // One write for small responses.
        let mut all = head.into_bytes();
        all.extend_from_slice(&resp.body);
        stream.write_all(&all)?;
    }
    stream.flush()
}

/// The reason phrase of a status code.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests;
