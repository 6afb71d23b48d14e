//! HTTP API tests on loopback: a good request, a corrupt FITS upload, a path-traversal
//! attempt, an oversize upload, a fit that times out, and CORS.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use xcat_fit::server::{ServerConfig, start};

fn config() -> ServerConfig {
    let dir = common::spectra("xmm_pn_0760940101");
    ServerConfig {
        products: dir.clone(),
        rmf_dir: Some(dir),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        allow_origin: Some("https://xcat.example.org".into()),
        max_body: 4 << 20,
        fit_timeout: Duration::from_secs(60),
        max_concurrent: 4,
    }
}

/// Sends a raw HTTP/1.0 request and returns (status, headers, body).
fn send(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String, serde_json::Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let req = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers.split_whitespace().nth(1).unwrap().parse().unwrap();
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status, headers.to_string(), json)
}

fn post_json(addr: SocketAddr, body: &serde_json::Value) -> (u16, String, serde_json::Value) {
    send(
        addr,
        "POST /v1/fit HTTP/1.0\r\nContent-Type: application/json\r\nOrigin: https://xcat.example.org",
        body.to_string().as_bytes(),
    )
}

#[test]
fn health_and_a_good_product_fit_with_cors() {
    let srv = start(config()).unwrap();
    let (status, _, v) = send(srv.addr, "GET /v1/health HTTP/1.0", b"");
    assert_eq!(status, 200);
    assert_eq!(v["status"], "ok");
    let (status, headers, v) = post_json(
        srv.addr,
        &serde_json::json!({
            "obs_id": "0760940101", "inst": "PN", "expid": "S003", "srcnum": 23,
            "model": "wabs*powerlaw", "stat": "wstat", "notice": [[0.3, 10.0]],
            "set": {"wabs.nH": 0.05, "powerlaw.PhoIndex": 2.0, "powerlaw.norm": 1e-5}
        }),
    );
    assert_eq!(status, 200, "{v}");
    assert!(headers.contains("Access-Control-Allow-Origin: https://xcat.example.org"));
    assert_eq!(v["stat"]["name"], "wstat");
    assert_eq!(v["stat"]["converged"], true);
    let n = v["plot"]["e_lo"].as_array().unwrap().len();
    assert_eq!(n, v["stat"]["numpoints"].as_u64().unwrap() as usize);
    assert_eq!(v["plot"]["residual"].as_array().unwrap().len(), n);
    assert!(v["params"]["powerlaw.PhoIndex"]["error"].as_f64().unwrap() > 0.0);
    // Other origins get no CORS header.
    let (_, headers, _) = send(
        srv.addr,
        "GET /v1/health HTTP/1.0\r\nOrigin: https://evil.example.com",
        b"",
    );
    assert!(!headers.contains("Access-Control-Allow-Origin"));
    srv.stop();
}

#[test]
fn path_traversal_and_bad_fields_are_refused() {
    let srv = start(config()).unwrap();
    for (field, value) in [
        ("obs_id", serde_json::json!("../../../etc")),
        ("expid", serde_json::json!("S003/../../x")),
        ("inst", serde_json::json!("../PN")),
        ("srcnum", serde_json::json!("../17")),
        ("srcnum", serde_json::json!(0)),
    ] {
        let mut body = serde_json::json!({
            "obs_id": "0760940101", "inst": "PN", "expid": "S003", "srcnum": 23,
            "model": "powerlaw"
        });
        body[field] = value;
        let (status, _, v) = post_json(srv.addr, &body);
        assert_eq!(status, 400, "{field}: {v}");
        assert!(v["error"].as_str().unwrap().contains(field), "{v}");
    }
    // A well-formed name that does not exist: 404 with the file name, nothing else opened.
    let (status, _, v) = post_json(
        srv.addr,
        &serde_json::json!({"obs_id": "0000000001", "expid": "S001", "srcnum": 1, "model": "powerlaw"}),
    );
    assert_eq!(status, 404);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("P0000000001PNS001SRSPEC0001.FTZ")
    );
    // Unknown keys and bad JSON.
    let (status, _, _) = post_json(
        srv.addr,
        &serde_json::json!({"model": "powerlaw", "path": "/etc/passwd"}),
    );
    assert_eq!(status, 400);
    let (status, _, _) = send(srv.addr, "POST /v1/fit HTTP/1.0", b"{not json");
    assert_eq!(status, 400);
    let (status, _, _) = send(srv.addr, "GET /v1/nothing HTTP/1.0", b"");
    assert_eq!(status, 404);
    srv.stop();
}

fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, data) in parts {
        body.extend_from_slice(
            format!("--BOUNDARY\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--BOUNDARY--\r\n");
    body
}

#[test]
fn uploads_corrupt_oversize_and_good() {
    let srv = start(config()).unwrap();
    let head = "POST /v1/fit HTTP/1.0\r\nContent-Type: multipart/form-data; boundary=BOUNDARY";
    let request = br#"{"model": "powerlaw", "stat": "cstat", "notice": [[0.5, 7.0]]}"#;
    // Corrupt FITS.
    let body = multipart(&[
        ("request", request),
        ("pha", b"SIMPLE  = T this is not FITS"),
    ]);
    let (status, _, v) = send(srv.addr, head, &body);
    assert_eq!(status, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("FITS"), "{v}");
    // Oversize upload (limit 4 MiB).
    let big = vec![b'x'; 5 << 20];
    let body = multipart(&[("request", request), ("pha", &big)]);
    let (status, _, v) = send(srv.addr, head, &body);
    assert_eq!(status, 413, "{v}");
    // A good upload: 3C 273 source, background, ARF and RMF.
    let d = common::spectra("chandra_acis_3c273");
    let read = |f: &str| std::fs::read(d.join(f)).unwrap();
    let (pha, bkg, arf, rmf) = (
        read("3c273.pi"),
        read("3c273_bg.pi"),
        read("3c273.arf"),
        read("3c273.rmf"),
    );
    let eval = br#"{"model": "powerlaw", "stat": "wstat", "eval": true,
        "set": {"powerlaw.PhoIndex": 1.782, "powerlaw.norm": 1.622e-4}}"#;
    let body = multipart(&[
        ("request", eval),
        ("pha", &pha),
        ("bkg", &bkg),
        ("arf", &arf),
        ("rmf", &rmf),
    ]);
    let (status, _, v) = send(srv.addr, head, &body);
    assert_eq!(status, 200, "{v}");
    // REFERENCE_VALUES.md A2 (rel 1e-6).
    let w = v["stat"]["value"].as_f64().unwrap();
    assert!((w / 62.12275005769554 - 1.0).abs() < 1e-6, "{w}");
    srv.stop();
}

#[test]
fn a_fit_over_the_time_limit_gets_a_4xx() {
    let mut cfg = config();
    cfg.fit_timeout = Duration::from_nanos(1);
    let srv = start(cfg).unwrap();
    let (status, _, v) = post_json(
        srv.addr,
        &serde_json::json!({
            "obs_id": "0760940101", "expid": "S003", "srcnum": "0017",
            "model": "wabs*powerlaw", "stat": "wstat"
        }),
    );
    assert_eq!(status, 422, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("did not finish"),
        "{v}"
    );
    srv.stop();
}
