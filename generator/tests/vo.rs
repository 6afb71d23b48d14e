//! HiPS catalogue and MOC products on a demo catalogue: the tree is valid (row counts add up,
//! every tile parses with the declared columns, sources sit in their tile's cell, properties
//! has the required keys) and the MOCs round-trip and contain every detection.

use std::collections::BTreeMap;
use xcat::Config;
use xcat::catalog::{Catalogue, Quiet};
use xcat::demo::{self, DemoOptions};
use xcat::vo::{hips, moc};

fn demo_catalogue(sources: u32) -> Catalogue {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        sources,
        ..Default::default()
    };
    let files = demo::write(&dir.path().join("d.fits"), &opts, &|_, _| {}).unwrap();
    Catalogue::load(&Config::default(), &[files.catalogue], &Quiet).unwrap()
}

#[test]
fn hips_tree_is_valid_and_complete() {
    let cat = demo_catalogue(4000);
    let coverage = moc::union(moc::observation_mocs(&cat));
    let (files, summary) = hips::build(&cat, "demo", &coverage);
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    // properties: the keys HiPS 1.0 §4.4.1 requires, plus the catalogue ones.
    let props = std::str::from_utf8(by_path["properties"]).unwrap();
    let keys: BTreeMap<&str, &str> = props
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    for k in [
        "creator_did",
        "obs_title",
        "dataproduct_type",
        "hips_version",
        "hips_release_date",
        "hips_status",
        "hips_tile_format",
        "hips_order",
        "hips_frame",
        "hips_cat_nrows",
    ] {
        assert!(keys.contains_key(k), "properties lacks {k}:\n{props}");
    }
    assert_eq!(keys["dataproduct_type"], "catalog");
    assert_eq!(keys["hips_cat_nrows"], "4000");
    assert_eq!(keys["hips_order"], summary.max_order.to_string());
    assert!(by_path.contains_key("Metadata.xml") && by_path.contains_key("Moc.fits"));
    assert!(by_path.contains_key("Norder1/Allsky.tsv"));

    let mut seen = Vec::new();
    let mut tiles = 0;
    for (path, bytes) in &files {
        let Some(rest) = path.strip_prefix("Norder") else {
            continue;
        };
        if path.ends_with("Allsky.tsv") {
            continue;
        }
        tiles += 1;
        let (order, rest) = rest.split_once('/').unwrap();
        let order: u8 = order.parse().unwrap();
        let npix: u64 = rest
            .rsplit_once("Npix")
            .unwrap()
            .1
            .trim_end_matches(".tsv")
            .parse()
            .unwrap();
        let text = std::str::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let completeness = lines.next().unwrap();
        assert!(completeness.starts_with("# Completeness = "), "{path}");
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        assert_eq!(header[..4], ["IAUNAME", "SRCID", "RA", "DEC"]);
        let mut n = 0;
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), header.len(), "{path}: {line}");
            let (ra, dec): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
            assert_eq!(
                cdshealpix::nested::hash(order, ra.to_radians(), dec.to_radians()),
                npix,
                "{path}"
            );
            seen.push(f[1].parse::<i64>().unwrap());
            n += 1;
        }
        assert!(
            n <= hips::TILE_BUDGET || order == hips::MAX_ORDER,
            "{path} holds {n} rows"
        );
    }
    assert_eq!(tiles, summary.orders.iter().map(|o| o.2).sum::<usize>());
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, seen.len(), "a source appears in two tiles");
    assert_eq!(seen.len(), 4000, "every source is in exactly one tile");
}

#[test]
fn hips_output_is_deterministic() {
    let a = demo_catalogue(600);
    let b = demo_catalogue(600);
    let cov = |c: &Catalogue| moc::union(moc::observation_mocs(c));
    assert_eq!(
        hips::build(&a, "t", &cov(&a)).0,
        hips::build(&b, "t", &cov(&b)).0
    );
}

#[test]
fn observation_mocs_contain_their_detections() {
    let cat = demo_catalogue(1500);
    let mocs = moc::observation_mocs(&cat);
    let (ra, dec) = (
        cat.detections.column("RA").unwrap(),
        cat.detections.column("DEC").unwrap(),
    );
    for (o, m) in mocs.iter().enumerate() {
        for &r in cat.observation_detections.members(o) {
            let (a, d) = (ra.f64(r as usize).unwrap(), dec.f64(r as usize).unwrap());
            assert!(
                m.is_in(a.to_radians(), d.to_radians()),
                "detection row {r} outside observation {o}'s MOC"
            );
        }
    }
    let all = moc::union(mocs.clone());
    let area = moc::area_deg2(&all);
    let sum: f64 = mocs.iter().map(moc::area_deg2).sum();
    assert!(
        area > 0.0 && area <= sum + 1e-9,
        "union {area} vs sum {sum}"
    );
}

#[test]
fn deep_hips_orders_place_every_source_once_with_true_completeness() {
    let cat = demo_catalogue(30_000);
    let coverage = moc::union(moc::observation_mocs(&cat));
    let mut rows_at: BTreeMap<u8, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    let summary = hips::write(&cat, "deep", &coverage, &mut |path: &str, bytes: &[u8]| {
        if let Some(rest) = path.strip_prefix("Norder")
            && !path.ends_with("Allsky.tsv")
        {
            let order: u8 = rest.split_once('/').unwrap().0.parse().unwrap();
            let text = std::str::from_utf8(bytes).unwrap();
            let mut lines = text.lines();
            let (shown, total) = lines
                .next()
                .unwrap()
                .strip_prefix("# Completeness = ")
                .unwrap()
                .split_once(" / ")
                .unwrap();
            let (shown, total): (usize, usize) = (shown.parse().unwrap(), total.parse().unwrap());
            let n = lines.count() - 1;
            // The tile shows its own rows at least, and at the deepest order all of its cell.
            assert!(
                shown >= n && shown <= total,
                "{path}: {shown} / {total}, {n} rows"
            );
            if order == hips::MAX_ORDER {
                assert_eq!(shown, total, "{path}");
            }
            *rows_at.entry(order).or_default() += n;
            for l in text.lines().skip(2) {
                ids.push(l.split('\t').nth(1).unwrap().parse::<i64>().unwrap());
            }
        }
        Ok::<(), String>(())
    })
    .unwrap();
    assert!(
        summary.max_order >= 3,
        "deepest order {}",
        summary.max_order
    );
    let per_order: Vec<(u8, usize)> = summary.orders.iter().map(|o| (o.0, o.1)).collect();
    assert_eq!(per_order, rows_at.into_iter().collect::<Vec<_>>());
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((n, ids.len()), (30_000, 30_000));
}

/// A built demo site (300 sources, one catalogue) and the VO server on it, in process.
fn vo_service() -> (tempfile::TempDir, xcat_web::Running) {
    vo_service_with(xcat_web::Limits::default())
}

fn vo_service_with(limits: xcat_web::Limits) -> (tempfile::TempDir, xcat_web::Running) {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        sources: 300,
        ..Default::default()
    };
    let files = demo::write(&dir.path().join("d.fits"), &opts, &|_, _| {}).unwrap();
    let out = dir.path().join("site");
    let config = Config {
        no_query: false,
        cache: Some(dir.path().join("cache")),
        ..Config::default()
    };
    xcat::site::build(&config, &[files.catalogue], &out, &Quiet).unwrap();
    let service = std::sync::Arc::new(xcat::vo::server::Service::open(&out).unwrap());
    let running = xcat_web::bind("127.0.0.1:0")
        .unwrap()
        .spawn(xcat::vo::server::router(service), limits)
        .unwrap();
    (dir, running)
}

/// Status and body of one request (`Connection: close`).
fn request(addr: std::net::SocketAddr, raw: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

/// The `value` of a VOTable's INFO named `name`, or its text.
fn info(body: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    doc.descendants()
        .find(|n| n.has_tag_name("INFO") && n.attribute("name") == Some(name))
        .map(|n| {
            n.text().map_or_else(
                || n.attribute("value").unwrap_or("").to_string(),
                str::to_string,
            )
        })
}

fn rows(body: &str) -> usize {
    roxmltree::Document::parse(body)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("TR"))
        .count()
}

#[test]
fn vo_server_answers_cone_searches_and_tap_queries() {
    let (_dir, server) = vo_service();
    let a = server.addr();
    // TAP: the whole table, then a cut and a condition.
    let q = |adql: &str, extra: &str| {
        get(
            a,
            &format!(
                "/tap/sync?REQUEST=doQuery&LANG=ADQL&QUERY={}{extra}",
                xcat::site::format::url_encode(adql)
            ),
        )
    };
    let (status, body) = q("SELECT srcid FROM xcat.sources", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(info(&body, "QUERY_STATUS").as_deref(), Some("OK"));
    assert_eq!(rows(&body), 300);
    let (_, body) = q("SELECT srcid FROM sources", "&MAXREC=7");
    assert_eq!(rows(&body), 7);
    assert!(
        body.contains("<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>"),
        "MAXREC cut the result: {body}"
    );
    // Exactly MAXREC rows, or a TOP of MAXREC: nothing was cut (the evaluation stops one row
    // after MAXREC, so these are the edges).
    for (adql, extra) in [
        ("SELECT srcid FROM sources", "&MAXREC=300"),
        ("SELECT TOP 7 srcid FROM sources", "&MAXREC=7"),
        (
            "SELECT TOP 7 srcid FROM sources WHERE srcid > 0",
            "&MAXREC=8",
        ),
    ] {
        let (_, body) = q(adql, extra);
        assert_eq!(info(&body, "QUERY_STATUS").as_deref(), Some("OK"), "{adql}");
        assert!(!body.contains("OVERFLOW"), "{adql} {extra}: {body}");
    }
    let (_, body) = q("SELECT TOP 9 srcid FROM sources", "&MAXREC=8");
    assert_eq!(rows(&body), 8);
    assert!(body.contains("value=\"OVERFLOW\""), "TOP 9 cut at MAXREC 8");
    let (_, csv) = q(
        "SELECT TOP 3 srcid AS id, sc_det_ml FROM sources ORDER BY srcid",
        "&FORMAT=csv",
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,SC_DET_ML", "aliases name the output");
    assert_eq!(lines.len(), 4);
    // The two cells of each data line of a CSV answer.
    let pairs = |csv: &str| -> Vec<(String, String)> {
        csv.lines()
            .skip(1)
            .map(|l| {
                let (a, b) = l.split_once(',').unwrap();
                (a.to_string(), b.to_string())
            })
            .collect()
    };
    // ORDER BY several keys.
    let (_, csv) = q(
        "SELECT n_detections, srcid FROM sources ORDER BY n_detections DESC, srcid",
        "&FORMAT=csv",
    );
    let keys: Vec<(i64, i64)> = pairs(&csv)
        .into_iter()
        .map(|(a, b)| (-a.parse::<i64>().unwrap(), b.parse().unwrap()))
        .collect();
    assert_eq!(keys.len(), 300);
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "not sorted: {csv}");
    assert!(
        keys.first().unwrap().0 != keys.last().unwrap().0,
        "one n_detections only"
    );
    let (_, csv) = q(
        "SELECT table_name, column_name FROM TAP_SCHEMA.columns ORDER BY table_name DESC, column_name",
        "&FORMAT=csv",
    );
    let names = pairs(&csv);
    assert!(names.len() > 50);
    assert!(
        names.windows(2).all(|w| w[0].0 > w[1].0
            || (w[0].0 == w[1].0 && w[0].1.to_lowercase() <= w[1].1.to_lowercase())),
        "{csv}"
    );
    let (_, json) = q("SELECT TOP 2 srcid FROM sources", "&RESPONSEFORMAT=json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["metadata"][0]["name"], "SRCID");
    // A POST form as pyvo sends it.
    let form = "REQUEST=doQuery&LANG=ADQL&QUERY=SELECT+TOP+1+srcid+FROM+sources";
    let (status, body) = request(
        a,
        &format!(
            "POST /tap/sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert_eq!((status, rows(&body)), (200, 1), "{body}");
    // Simple Cone Search: the required UCD1 columns, and the TAP cone's rows.
    let (_, body) = get(a, "/scs?RA=10.68&DEC=41.27&SR=0.3&VERB=1");
    for ucd in ["ID_MAIN", "POS_EQ_RA_MAIN", "POS_EQ_DEC_MAIN"] {
        assert!(body.contains(&format!("ucd=\"{ucd}\"")), "{ucd}: {body}");
    }
    let (_, tap) = q(
        "SELECT srcid FROM sources WHERE CONTAINS(POINT('ICRS', sc_ra, sc_dec), CIRCLE('ICRS', 10.68, 41.27, 0.3)) = 1",
        "",
    );
    assert!(rows(&body) > 0);
    assert_eq!(rows(&body), rows(&tap));
    // VOSI.
    let (status, tables) = get(a, "/tap/tables");
    assert_eq!(status, 200);
    assert!(
        tables.contains("<name>xcat.sources</name>")
            && tables.contains("<name>SC_EP_8_FLUX</name>")
    );
    let (_, caps) = get(a, "/tap/capabilities");
    assert!(caps.contains("ivo://ivoa.net/std/TAP") && caps.contains("http://x/tap"));
    assert!(
        get(a, "/tap/availability")
            .1
            .contains("<vosi:available>true</vosi:available>")
    );
    server.stop().unwrap();
}

#[test]
fn vo_server_refuses_bad_requests_clearly_and_keeps_serving() {
    let (_dir, server) = vo_service();
    let a = server.addr();
    let tap = |adql: &str, extra: &str| {
        get(
            a,
            &format!(
                "/tap/sync?QUERY={}{extra}",
                xcat::site::format::url_encode(adql)
            ),
        )
    };
    for (adql, extra, status, needle) in [
        (
            "SELECT srcid FROM sources GROUP BY srcid",
            "",
            400,
            "GROUP BY",
        ),
        (
            "SELECT srcid FROM sources WHERE",
            "",
            400,
            "expected a condition",
        ),
        (
            "SELECT nosuch FROM sources",
            "",
            400,
            "unknown column 'nosuch' at line 1, column 8",
        ),
        (
            "SELECT srcid FROM nowhere.sources",
            "",
            400,
            "unknown schema nowhere",
        ),
        (
            "SELECT srcid FROM sources",
            "&MAXREC=abc",
            400,
            "MAXREC=abc",
        ),
        (
            "SELECT srcid FROM sources",
            "&FORMAT=fits",
            400,
            "FORMAT=fits",
        ),
        ("sc_det_ml > 10", "", 400, "not an ADQL SELECT"),
        ("SELECT srcid FROM sources", "&LANG=PQL", 400, "LANG=PQL"),
    ] {
        let (s, body) = tap(adql, extra);
        assert_eq!(s, status, "{adql}: {body}");
        let msg = info(&body, "QUERY_STATUS").unwrap();
        assert!(msg.contains(needle), "{adql}{extra}: {msg}");
    }
    // A huge MAXREC is capped, not an allocation of its size.
    let (s, body) = tap("SELECT TOP 5 srcid FROM sources", "&MAXREC=99999999999999");
    assert_eq!((s, rows(&body)), (200, 5));
    for (query, needle) in [
        ("RA=10&DEC=41", "SR is missing"),
        ("RA=10&DEC=41&SR=-1", "SR=-1"),
        ("RA=10&DEC=41&SR=90", "SR=90"),
        ("RA=400&DEC=41&SR=1", "RA=400"),
        ("RA=10&DEC=x&SR=1", "DEC=\"x\""),
        ("RA=10&DEC=41&SR=1&VERB=7", "VERB"),
    ] {
        let (s, body) = get(a, &format!("/scs?{query}"));
        assert_eq!(s, 200, "SCS errors are VOTables with status 200");
        assert!(
            info(&body, "Error").unwrap().contains(needle),
            "{query}: {body}"
        );
    }
    // Still serving.
    assert_eq!(tap("SELECT TOP 1 srcid FROM sources", "").0, 200);
    server.stop().unwrap();
}

#[test]
fn vo_server_runs_asynchronous_jobs() {
    let (_dir, server) = vo_service();
    let a = server.addr();
    let form = "LANG=ADQL&PHASE=RUN&QUERY=SELECT+TOP+4+srcid+FROM+sources+ORDER+BY+srcid";
    let raw = format!(
        "POST /tap/async HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(a).unwrap();
    c.write_all(raw.as_bytes()).unwrap();
    let mut head = String::new();
    c.read_to_string(&mut head).unwrap();
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    let location = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("location: ")
                .then(|| l[10..].to_string())
        })
        .unwrap()
        .trim()
        .to_string();
    let path = location.strip_prefix("http://x").unwrap();
    // The job finishes within a second on this small catalogue.
    let mut phase = String::new();
    for _ in 0..100 {
        phase = get(a, &format!("{path}/phase")).1;
        if phase != "EXECUTING" && phase != "PENDING" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(phase, "COMPLETED");
    let (status, job) = get(a, path);
    assert_eq!(status, 200);
    assert!(
        job.contains("<uws:phase>COMPLETED</uws:phase>") && job.contains("results/result"),
        "{job}"
    );
    let (_, result) = get(a, &format!("{path}/results/result"));
    assert_eq!(rows(&result), 4);
    // A bad query ends in ERROR with its message; deleting forgets the job.
    let form = "LANG=ADQL&PHASE=RUN&QUERY=SELECT+nosuch+FROM+sources";
    let (status, _) = request(
        a,
        &format!(
            "POST /tap/async HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert_eq!(status, 303);
    let (_, list) = get(a, "/tap/async");
    assert_eq!(list.matches("<uws:jobref").count(), 2, "{list}");
    let (status, _) = request(
        a,
        &format!("DELETE {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 303);
    assert_eq!(get(a, path).0, 404);
    server.stop().unwrap();
}

#[test]
fn vo_server_refuses_oversize_requests_and_outlasts_slow_clients() {
    use std::io::{Read, Write};
    let (_dir, server) = vo_service_with(xcat_web::Limits {
        header_timeout: std::time::Duration::from_millis(500),
        ..xcat_web::Limits::default()
    });
    let a = server.addr();
    // A slow client sends half a request head and stops.
    let mut slow = std::net::TcpStream::connect(a).unwrap();
    slow.write_all(b"GET /tap/sync?QUERY=SELECT").unwrap();
    // Others are served meanwhile.
    let q = "/tap/sync?QUERY=SELECT+TOP+2+srcid+FROM+sources";
    let (s, body) = get(a, q);
    assert_eq!((s, rows(&body)), (200, 2), "{body}");
    // The slow one gets 408 once its time is up, and the connection closes.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A 3 MB query form is refused with 413, not read into memory.
    let form = format!(
        "LANG=ADQL&QUERY=SELECT+srcid+FROM+sources+WHERE+srcid+IN+({})",
        "1,".repeat(1_500_000)
    );
    let raw = format!(
        "POST /tap/sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        form.len()
    );
    let mut c = std::net::TcpStream::connect(a).unwrap();
    c.write_all(raw.as_bytes()).unwrap();
    // The server may answer before reading the whole body.
    let _ = c.write_all(form.as_bytes());
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    // Still serving.
    assert_eq!(get(a, q).0, 200);
    server.stop().unwrap();
}

#[test]
fn a_memory_budget_bounds_the_query_data_held_and_changes_no_answer() {
    let (dir, server) = vo_service();
    server.stop().unwrap();
    let site = dir.path().join("site");
    let open = || {
        xcat::vo::local::LocalCatalogue::open_site(&site, "t")
            .unwrap()
            .remove(0)
    };
    let (free, tight) = (open(), open());
    let budget = 12_000;
    tight.set_memory_budget(Some(budget));
    let all = xcat_core::chunk::RunOptions {
        limit: usize::MAX,
        ..Default::default()
    };
    for q in [
        "SELECT srcid, sc_ra, sc_dec, sc_det_ml FROM sources ORDER BY sc_det_ml DESC",
        "SELECT * FROM sources WHERE sc_ep_8_flux > 1e-14",
        "SELECT TOP 3 srcid FROM sources",
        "cone(10.68, 41.27, 60)",
        "srcid IN (201000001010038, 201000001010014)",
    ] {
        let a = free.run(q, all.clone()).unwrap();
        let b = tight.run(q, all.clone()).unwrap();
        assert_eq!(a.row_ids, b.row_ids, "{q}");
        // Cell by cell, as text (where NaN equals NaN).
        let cells = |t: &xcat_core::Table| -> Vec<String> {
            let names: Vec<String> = t.schema().fields().iter().map(|f| f.name.clone()).collect();
            (0..t.rows())
                .flat_map(|r| names.iter().map(move |n| (r, n.clone())))
                .map(|(r, n)| format!("{:?}", t.value(&n, r)))
                .collect()
        };
        assert!(cells(&a.page) == cells(&b.page), "{q}: the pages differ");
        assert!(!cells(&a.page).is_empty(), "{q}: no rows");
        assert!(
            tight.memory_held() <= budget,
            "{q}: {} bytes held, budget {budget}",
            tight.memory_held()
        );
    }
    assert!(
        free.memory_held() > 4 * budget,
        "the unbounded engine holds {} bytes: the budget was not tested",
        free.memory_held()
    );
}
