//! The HTTP stack of xcat's servers: `xcat serve` (the preview of a built site), `xcat-fit
//! serve` (the spectral-fit API) and any later one.
//!
//! Requests are parsed and answered by hyper (HTTP/1.1 and 1.0, keep-alive), routed by axum; a
//! site's files are served by tower-http's static-file service ([`site`]: Range requests,
//! `ETag`/`Last-Modified` with 304, HEAD, pre-compressed `.br`/`.gz` variants). This crate adds
//! what every server here needs around them ([`Limits`]):
//!
//! * a slow client that has not sent its request head within [`Limits::header_timeout`] gets
//!   `408 Request Timeout` and is disconnected; a request not answered within
//!   [`Limits::request_timeout`] (a body trickling in, say) gets 408 too;
//! * at most [`Limits::max_connections`] connections are served at once; more get `503` at once;
//! * body limits are per route (the caller's), answered with 413;
//! * SIGINT and SIGTERM stop accepting, let the requests under way finish (up to
//!   [`Limits::grace`]) and return.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! let app = Router::new().route("/", get(|| async { "hello" }));
//! xcat_web::bind("127.0.0.1:8080").unwrap().run(app, xcat_web::Limits::default()).unwrap();
//! ```

pub mod headers;
pub mod site;

use std::future::Future;
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, oneshot};

pub use axum;
/// Runs blocking work (a fit, a big query) on the runtime's blocking threads.
pub use tokio;
pub use tokio::task::spawn_blocking;

/// Limits of a server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time a client has to send a request head (request line and headers), counted from the
    /// connection's opening or the end of its previous response.
    pub header_timeout: Duration,
    /// Time from a request head to its response's head (reading the body included).
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Largest request head, bytes (more gets 431).
    pub max_head: usize,
    /// How long requests under way may run on after a stop signal.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_head: 64 * 1024,
            grace: Duration::from_secs(10),
        }
    }
}

/// A bound listening socket, not yet serving.
#[derive(Debug)]
pub struct Bound {
    listener: std::net::TcpListener,
    addr: SocketAddr,
}

/// Binds to `addr` (port 0 picks a free port).
pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Bound> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    Ok(Bound { listener, addr })
}

/// A server running on a background thread; stopped (gracefully) by [`Running::stop`] or when
/// dropped.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl Running {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests under way finish and waits for the server.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl Bound {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `app` in the foreground until SIGINT or SIGTERM.
    pub fn run(self, app: Router, limits: Limits) -> io::Result<()> {
        runtime()?.block_on(serve(self.listener, app, limits, stop_signal()))
    }

    /// Serves `app` on a background thread until [`Running::stop`].
    pub fn spawn(self, app: Router, limits: Limits) -> io::Result<Running> {
        let (tx, rx) = oneshot::channel::<()>();
        let addr = self.addr;
        let rt = runtime()?;
        let thread = std::thread::Builder::new()
            .name(format!("http {addr}"))
            .spawn(move || {
                rt.block_on(serve(self.listener, app, limits, async {
                    let _ = rx.await;
                }))
            })?;
        Ok(Running {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // File reads and blocking work (fits) run on these; each thread keeps its own
        // allocator caches, so thousands of them would hold memory for nothing.
        .max_blocking_threads(64)
        .thread_name("http")
        .build()
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A whole response for a connection hyper does not serve (a short, closing answer).
fn canned(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Accepts connections until `stop` completes, then waits (up to [`Limits::grace`]) for the
/// connections' requests under way.
async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let service = TowerToHyperService::new(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .title_case_headers(true)
        .max_buf_size(limits.max_head.max(8192));
    let http = Arc::new(http);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                // Out of file descriptors and the like: wait a little, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(answer_and_close(
                tcp,
                canned(
                    "503 Service Unavailable",
                    "too many connections; retry shortly.\n",
                ),
            ));
            continue;
        };
        // A second handle on the socket answers 408 after hyper gives up on a slow head.
        let std_tcp = tcp.into_std()?;
        let spare = std_tcp.try_clone()?;
        let tcp = tokio::net::TcpStream::from_std(std_tcp)?;
        let conn = http.serve_connection(TokioIo::new(tcp), service.clone());
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await
                && e.is_timeout()
            {
                let mut spare = spare;
                let _ = spare.write(&canned(
                    "408 Request Timeout",
                    "no complete request head in time.\n",
                ));
                let _ = spare.shutdown(std::net::Shutdown::Both);
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(limits.grace) => {},
    }
    Ok(())
}

async fn answer_and_close(mut tcp: tokio::net::TcpStream, answer: Vec<u8>) {
    use tokio::io::AsyncWriteExt;
    let _ = tokio::time::timeout(Duration::from_secs(2), tcp.write_all(&answer)).await;
    let _ = tcp.shutdown().await;
}

#[cfg(test)]
mod tests;
