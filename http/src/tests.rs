use super::*;
use std::io::{BufRead, BufReader};

/// A server on a free loopback port answering `METHOD path len=<body length>`, with
/// `/panic` panicking; stopped when dropped.
struct Running {
    addr: SocketAddr,
    stopper: Stopper,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopper.stop();
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn start(config: Config) -> Running {
    let server = Server::bind("127.0.0.1:0", config).unwrap();
    let (addr, stopper) = (server.local_addr(), server.stopper());
    let thread = std::thread::spawn(move || {
        server.run(|req| {
            assert!(req.path() != "/panic", "asked to");
            let body = match req.body() {
                Some(b) => format!("{} {} len={}", req.method(), req.path(), b.len()),
                None => format!("too large: {}", req.body_length()),
            };
            Response::new(if req.body().is_some() { 200 } else { 413 }, body)
                .with_header("X-Test", "a\r\nInjected: yes")
        })
    });
    Running {
        addr,
        stopper,
        thread: Some(thread),
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Status, headers (lower-case names) and body of the next response on `r`.
fn read_response(r: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>, String) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 "), "status line {line:?}");
    let status = line[9..12].parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(": ").unwrap();
        headers.push((n.to_ascii_lowercase(), v.to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap();
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (status, headers, String::from_utf8(body).unwrap())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// True when the server closed the connection (EOF on the next read).
fn closed(r: &mut BufReader<TcpStream>) -> bool {
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).is_ok() && rest.is_empty()
}

#[test]
fn keep_alive_connections_answer_request_after_request() {
    let s = start(Config::default());
    let c = connect(s.addr);
    let mut r = BufReader::new(c.try_clone().unwrap());
    for path in ["/a", "/b/c?x=1", "/d"] {
        (&c).write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        let (status, headers, body) = read_response(&mut r);
        assert_eq!(status, 200);
        assert_eq!(
            body,
            format!("GET {} len=0", path.split('?').next().unwrap())
        );
        assert_eq!(header(&headers, "connection"), None, "kept open");
        assert!(header(&headers, "date").is_some_and(|d| d.ends_with(" GMT")));
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let s = start(Config::default());
    let c = connect(s.addr);
    (&c).write_all(
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c);
    assert_eq!(read_response(&mut r).2, "GET /1 len=0");
    assert_eq!(read_response(&mut r).2, "POST /2 len=5");
    let (_, headers, body) = read_response(&mut r);
    assert_eq!(body, "GET /3 len=0");
    assert_eq!(header(&headers, "connection"), Some("close"));
    assert!(closed(&mut r), "closed after Connection: close");
}

#[test]
fn idle_connections_never_hold_up_a_request() {
    // Browsers keep connections open and open speculative ones that send nothing; none of
    // them may delay a request on another connection.
    let s = start(Config::default());
    let idle: Vec<TcpStream> = (0..40).map(|_| connect(s.addr)).collect();
    let c = connect(s.addr);
    (&c).write_all(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, _, body) = read_response(&mut BufReader::new(c));
    assert_eq!((status, body.as_str()), (200, "GET /x len=0"));
    drop(idle);
}

#[test]
fn a_body_over_the_limit_is_not_read_and_the_connection_closes() {
    let s = start(Config {
        max_body: 10,
        ..Config::default()
    });
    let c = connect(s.addr);
    (&c).write_all(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let (status, headers, body) = read_response(&mut r);
    assert_eq!((status, body.as_str()), (413, "too large: 11"));
    assert_eq!(header(&headers, "connection"), Some("close"));
    assert!(closed(&mut r));
}

#[test]
fn expect_continue_gets_the_interim_answer() {
    let s = start(Config::default());
    let c = connect(s.addr);
    (&c).write_all(
        b"POST /fit HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    r.read_line(&mut line).unwrap();
    (&c).write_all(b"abc").unwrap();
    assert_eq!(read_response(&mut r).2, "POST /fit len=3");
}

#[test]
fn head_gets_the_headers_without_the_body() {
    let s = start(Config::default());
    let c = connect(s.addr);
    (&c).write_all(b"HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = String::new();
    BufReader::new(c).read_to_string(&mut all).unwrap();
    let (head, body) = all.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("\r\nContent-Length: 13\r\n"), "{head}"); // "HEAD /h len=0"
    assert_eq!(body, "");
}

#[test]
fn broken_requests_get_a_400_and_header_values_cannot_inject_headers() {
    let s = start(Config::default());
    let c = connect(s.addr);
    (&c).write_all(b"GET /a b c\r\n\r\n").unwrap();
    let mut r = BufReader::new(c);
    let (status, _, body) = read_response(&mut r);
    assert_eq!(status, 400);
    assert!(body.starts_with("bad request"), "{body}");
    assert!(closed(&mut r));

    let c = connect(s.addr);
    (&c).write_all(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut BufReader::new(c)).0, 400);

    let c = connect(s.addr);
    (&c).write_all(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut BufReader::new(c)).0, 411);

    let c = connect(s.addr);
    (&c).write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (_, headers, _) = read_response(&mut BufReader::new(c));
    assert_eq!(header(&headers, "x-test"), Some("a  Injected: yes"));
    assert_eq!(header(&headers, "injected"), None);
}

#[test]
fn a_panicking_handler_gives_500_and_the_server_goes_on() {
    let s = start(Config::default());
    let c = connect(s.addr);
    (&c).write_all(b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    assert_eq!(read_response(&mut r).0, 500);
    assert!(closed(&mut r));
    let c = connect(s.addr);
    (&c).write_all(b"GET /ok HTTP/1.0\r\n\r\n").unwrap();
    let mut r = BufReader::new(c);
    assert_eq!(read_response(&mut r).2, "GET /ok len=0");
    assert!(closed(&mut r), "HTTP/1.0 without keep-alive closes");
}

#[test]
fn connections_over_the_limit_get_503() {
    let s = start(Config {
        max_connections: 2,
        ..Config::default()
    });
    let held: Vec<TcpStream> = (0..2).map(|_| connect(s.addr)).collect();
    // The server counts a connection once it has accepted it: make sure both are.
    for c in &held {
        (&*c)
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_response(&mut BufReader::new(c.try_clone().unwrap()));
    }
    let c = connect(s.addr);
    (&c).write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut BufReader::new(c)).0, 503);
}

#[test]
fn http_dates_match_rfc_9110() {
    // RFC 9110 §5.6.7's example, and the epoch.
    let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    // A leap day (2024-02-29 12:00:00 UTC = 1709208000, from `date -u -d`).
    assert_eq!(
        http_date(UNIX_EPOCH + Duration::from_secs(1_709_208_000)),
        "Thu, 29 Feb 2024 12:00:00 GMT"
    );
}
