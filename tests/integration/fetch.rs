//! URL capture: `add URL` against the test server in http_server.rs. The
//! archive keeps the body exactly as sent on the wire, the whole exchange
//! (every redirect, the final response, the TLS chain) in the capture's
//! source, and refuses what went wrong with one line naming the URL.

use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::harness::*;
use crate::http_server::{CA_CN, LEAF_CN, Reply, Request, Server};

/// An empty archive, so that a failed add has nothing to create and the
/// archive's files can be compared before and after.
fn initialised() -> Env {
    let env = Env::new();
    env.run(&["init"]).ok();
    env
}

/// Every file of the archive but the lock, to compare before and after a
/// failed command.
fn snapshot(env: &Env) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if p.is_dir() {
                walk(root, &p, out);
            } else if rel != "lock" {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&env.archive(), &env.archive(), &mut out);
    out.sort();
    out
}

/// Runs `add` with `args` in an initialised archive and expects the
/// failure every refused URL gets: exit 2, nothing on stdout, one line on
/// stderr naming `url` and containing every needle (case-insensitively),
/// the archive unchanged and clean. Returns the error line.
fn refused(env: &Env, args: &[&str], url: &str, needles: &[&str]) -> String {
    let before = snapshot(env);
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    let run = env.run(&all).code(2);
    let err = run.one_line_error().to_string();
    assert!(err.contains(url), "the error does not name {url}: {err}");
    for n in needles {
        assert!(
            err.to_lowercase().contains(&n.to_lowercase()),
            "the error does not mention {n:?}: {err}"
        );
    }
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.out());
    assert_eq!(snapshot(env), before, "the archive changed after add {args:?}");
    assert!(env.list_ids().is_empty());
    assert_eq!(env.verify().0, 0, "{:?}", env.verify().1);
    err
}

/// Adds one URL that must succeed and returns its ID, checking the line
/// `add` prints.
fn add_ok(env: &Env, url: &str, extra: &[&str]) -> (String, Run) {
    let mut args = vec!["add", url];
    args.extend_from_slice(extra);
    let run = env.run(&args).ok();
    let out = run.out();
    let id = out.split("  ").next().unwrap().to_string();
    assert_eq!(out, format!("{id}  {url}\n"));
    (id, run)
}

/// `show ID --json`.
fn show(env: &Env, id: &str) -> Value {
    env.run(&["show", id, "--json"]).ok().json()
}

/// The one capture of `id`.
fn the_capture(env: &Env, id: &str) -> Value {
    let shown = show(env, id);
    let captures = shown["captures"].as_array().unwrap();
    assert_eq!(captures.len(), 1, "{shown:#}");
    captures[0].clone()
}

/// The newest analysis of `id` that undid a Content-Encoding.
fn decoded(env: &Env, id: &str) -> Value {
    let shown = show(env, id);
    shown["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|a| !a["decoded"].is_null())
        .unwrap_or_else(|| panic!("no analysis has \"decoded\": {shown:#}"))["decoded"]
        .clone()
}

/// Headers as recorded: `[[name, value], ...]`.
fn headers(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap_or_else(|| panic!("headers are an array: {v}"))
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Asserts that `expected` occur in `actual` in this order, others
/// possibly in between.
fn assert_in_order(actual: &[(String, String)], expected: &[(&str, &str)]) {
    let mut rest = actual.iter();
    for (name, value) in expected {
        assert!(
            rest.any(|(n, v)| n == name && v == value),
            "[{name:?}, {value:?}] missing or out of order in {actual:?}"
        );
    }
}

fn time(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}"))).unwrap()
}

/// A port on 127.0.0.1 that nothing listens on.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A served text whose words are all letters: its size and hash cannot be
/// mistaken for a status code in `list` output.
const PAGE: &str = "The minister said yes.\nNothing else happened.\n";

#[test]
fn plain_200_archives_the_body_with_the_whole_exchange() {
    let env = Env::new();
    let server = Server::http(|req| match req.path.as_str() {
        "/page" => Reply::ok(PAGE)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("X-First", "one")
            .header("Set-Cookie", "a=1")
            .header("Set-Cookie", "b=2")
            .header("X-Last", "last")
            .delay(Duration::from_millis(300)),
        _ => Reply::not_found(),
    });
    let url = server.url("/page");
    let (id, _) = add_ok(&env, &url, &[]);
    assert_eq!(id, sha_hex(PAGE.as_bytes()));
    env.assert_cat(&id, PAGE.as_bytes());

    let c = the_capture(&env, &id);
    assert_eq!(c["sha256"], id.as_str());
    assert_eq!(c["size"], PAGE.len());
    assert_eq!(c["media_type"], "text/plain");
    let source = &c["source"];
    assert_eq!(source["type"], "url");
    assert_eq!(source["url"], url.as_str());
    assert!(
        source["redirects"].as_array().is_none_or(Vec::is_empty),
        "{source:#}"
    );
    assert!(source["tls"].is_null(), "no TLS over http: {source:#}");
    let response = &source["response"];
    assert_eq!(response["url"], url.as_str());
    assert_eq!(response["status"], 200);
    assert_eq!(response["version"], "HTTP/1.1");
    assert_eq!(response["remote_addr"], format!("127.0.0.1:{}", server.port()));
    assert_in_order(
        &headers(&response["headers"]),
        &[
            ("content-type", "text/plain; charset=utf-8"),
            ("x-first", "one"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("x-last", "last"),
            ("content-length", &PAGE.len().to_string()),
        ],
    );

    // `started` is when the request went out, `retrieved` when the body had
    // arrived: the server waited 300 ms in between.
    let (started, retrieved) = (time(&source["started"]), time(&c["retrieved"]));
    assert!(
        retrieved - started >= chrono::Duration::milliseconds(290),
        "started {started}, retrieved {retrieved}"
    );

    let sent = headers(&source["request_headers"]);
    let ua = &sent
        .iter()
        .find(|(n, _)| n == "user-agent")
        .unwrap_or_else(|| panic!("no user-agent in {sent:?}"))
        .1;
    assert!(
        ua.starts_with(&format!("provenance/{} ", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("user-agent"), Some(ua.as_str()));
    assert_eq!(env.verify().0, 0);
}

#[test]
fn user_agent_option_is_sent_and_recorded() {
    let env = Env::new();
    let server = Server::http(|_| Reply::ok(PAGE));
    let url = server.url("/");
    let (id, _) = add_ok(&env, &url, &["--user-agent", "Research Bot/2.0 (+mailto:x@y.z)"]);
    assert_eq!(
        server.requests()[0].header("user-agent"),
        Some("Research Bot/2.0 (+mailto:x@y.z)")
    );
    let sent = headers(&the_capture(&env, &id)["source"]["request_headers"]);
    assert_in_order(&sent, &[("user-agent", "Research Bot/2.0 (+mailto:x@y.z)")]);
}

#[test]
fn chunked_body_is_archived_and_hashed_without_its_framing() {
    let env = Env::new();
    let body: Vec<u8> = (0..1000).map(|i| b"abcdefghij\n"[i % 11]).collect();
    let served = body.clone();
    let server = Server::http(move |_| Reply::ok(served.clone()).chunked());
    let url = server.url("/chunked");
    let (id, _) = add_ok(&env, &url, &[]);
    assert_eq!(id, sha_hex(&body));
    env.assert_cat(&id, &body);
    let c = the_capture(&env, &id);
    assert_eq!(c["size"], body.len());
    assert_in_order(
        &headers(&c["source"]["response"]["headers"]),
        &[("transfer-encoding", "chunked")],
    );
    assert_eq!(env.verify().0, 0);
}

#[test]
fn gzip_body_is_archived_as_sent_and_decoded_for_text() {
    let env = Env::new();
    let text = "Zipped text, word for word.\n".repeat(50);
    let zipped = gzip(text.as_bytes());
    let served = zipped.clone();
    let server = Server::http(move |_| {
        Reply::ok(served.clone())
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Content-Encoding", "gzip")
    });
    let url = server.url("/zipped");
    let (id, _) = add_ok(&env, &url, &[]);
    assert_eq!(id, sha_hex(&zipped), "the ID is the hash of the bytes as sent");
    env.assert_cat(&id, &zipped);
    assert_eq!(env.run(&["text", &id]).ok().out(), text);
    let d = decoded(&env, &id);
    assert_eq!(d["status"], "decoded", "{d}");
    assert_eq!(d["content_encoding"], "gzip");
    assert_eq!(d["sha256"], sha_hex(text.as_bytes()));
    assert_eq!(d["size"], text.len());
    let (code, report) = env.verify();
    assert_eq!(code, 0);
    assert_eq!(
        report["findings"],
        serde_json::json!([]),
        "the decoded blob is referenced"
    );
}

#[test]
fn gzip_body_in_a_legacy_charset_keeps_its_decoded_blob_referenced() {
    let env = Env::new();
    let latin = b"Caf\xe9 \x93quoted\x94\n".repeat(20);
    let served = gzip(&latin);
    let server = Server::http(move |_| {
        Reply::ok(served.clone())
            .header("Content-Type", "text/plain; charset=windows-1252")
            .header("Content-Encoding", "gzip")
    });
    let (id, _) = add_ok(&env, &server.url("/latin"), &[]);
    assert_eq!(
        env.run(&["text", &id]).ok().out(),
        "Café \u{201c}quoted\u{201d}\n".repeat(20)
    );
    assert_eq!(decoded(&env, &id)["sha256"], sha_hex(&latin));
    let (code, report) = env.verify();
    assert_eq!(code, 0);
    assert_eq!(
        report["findings"],
        serde_json::json!([]),
        "body, decoded body and text all referenced"
    );
}

#[test]
fn gzip_bomb_is_archived_but_not_decoded_past_the_limit() {
    let env = Env::new();
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20, "the bomb itself is small: {}", bomb.len());
    let served = bomb.clone();
    let server = Server::http(move |_| {
        Reply::ok(served.clone())
            .header("Content-Type", "text/plain")
            .header("Content-Encoding", "gzip")
    });
    let url = server.url("/bomb");
    let (id, run) = add_ok(&env, &url, &["--max-decoded-size", "1MiB"]);
    assert_eq!(id, sha_hex(&bomb), "the raw bytes are evidence and are kept");
    env.assert_cat(&id, &bomb);
    let d = decoded(&env, &id);
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["content_encoding"], "gzip");
    let reason = d["reason"].as_str().unwrap();
    assert!(mentions_limit(reason, 1 << 20), "{reason}");
    assert!(
        run.stderr.lines().any(|l| l.contains("warning")),
        "no warning: {}",
        run.stderr
    );
    assert_eq!(env.verify().0, 0);
}

/// Whether a message speaks of a size limit of `bytes`.
fn mentions_limit(message: &str, bytes: u64) -> bool {
    let m = message.to_lowercase();
    m.contains("limit")
        || m.contains("max")
        || m.contains(&bytes.to_string())
        || m.contains(&format!("{} kib", bytes >> 10))
        || m.contains(&format!("{}kib", bytes >> 10))
        || m.contains(&format!("{} mib", bytes >> 20))
        || m.contains(&format!("{}mib", bytes >> 20))
}

#[test]
fn windows_1252_page_is_read_in_its_declared_charset() {
    let env = Env::new();
    let page: &[u8] = b"<!DOCTYPE html>\n<html><head><title>Caf\xe9</title></head>\n<body><p>Le caf\xe9 \x93na\xefve\x94 \x96 fin.</p></body></html>\n";
    let server =
        Server::http(move |_| Reply::ok(page).header("Content-Type", "text/html; charset=windows-1252"));
    let url = server.url("/cp1252.html");
    let (id, _) = add_ok(&env, &url, &[]);
    assert_eq!(id, sha_hex(page));
    let text = env.run(&["text", &id]).ok().out();
    assert_eq!(text, "Le café “naïve” – fin.\n");
    let shown = show(&env, &id);
    assert_eq!(shown["text"]["encoding"], "windows-1252", "{:#}", shown["text"]);
    assert_eq!(shown["text"]["encoding_source"], "http", "{:#}", shown["text"]);
    assert_eq!(shown["metadata"]["title"], "Café");
}

#[test]
fn redirect_chain_records_every_hop() {
    let env = Env::new();
    let server = Server::http(|req| match req.path.as_str() {
        "/old" => Reply::redirect(301, "/moved").header("X-Hop", "first"),
        // An absolute Location, built from the Host the client sent.
        "/moved" => Reply::redirect(302, &format!("http://{}/final", req.header("host").unwrap()))
            .header("X-Hop", "second"),
        "/final" => Reply::ok(PAGE).header("X-Hop", "last"),
        _ => Reply::not_found(),
    });
    let (old, moved, last) = (server.url("/old"), server.url("/moved"), server.url("/final"));
    let (id, _) = add_ok(&env, &old, &[]);
    assert_eq!(id, sha_hex(PAGE.as_bytes()));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/old", "/moved", "/final"]);

    let source = &the_capture(&env, &id)["source"];
    assert_eq!(source["url"], old.as_str());
    let hops = source["redirects"]
        .as_array()
        .unwrap_or_else(|| panic!("{source:#}"));
    assert_eq!(hops.len(), 2, "{source:#}");
    assert_eq!(hops[0]["url"], old.as_str());
    assert_eq!(hops[0]["status"], 301);
    assert_eq!(hops[0]["location"], "/moved", "the Location as sent");
    assert_eq!(hops[0]["version"], "HTTP/1.1");
    assert_in_order(
        &headers(&hops[0]["headers"]),
        &[("location", "/moved"), ("x-hop", "first")],
    );
    assert_eq!(hops[1]["url"], moved.as_str());
    assert_eq!(hops[1]["status"], 302);
    assert_eq!(hops[1]["location"], last.as_str());
    assert_in_order(
        &headers(&hops[1]["headers"]),
        &[("location", &last), ("x-hop", "second")],
    );
    let response = &source["response"];
    assert_eq!(response["url"], last.as_str());
    assert_eq!(response["status"], 200);
    assert_in_order(&headers(&response["headers"]), &[("x-hop", "last")]);
    assert_eq!(env.verify().0, 0);
}

#[test]
fn redirect_loop_is_refused() {
    let env = initialised();
    let server = Server::http(|req| match req.path.as_str() {
        "/a" => Reply::redirect(302, "/b"),
        "/b" => Reply::redirect(302, "/a"),
        _ => Reply::not_found(),
    });
    let url = server.url("/a");
    refused(&env, &[&url], &url, &["loop"]);
}

/// `/hop/N` redirects to `/hop/N+1` up to `/hop/11`, which is a page.
fn hops() -> Server {
    Server::http(|req| {
        let n: u32 = req
            .path
            .strip_prefix("/hop/")
            .and_then(|n| n.parse().ok())
            .unwrap_or(99);
        match n {
            0..11 => Reply::redirect(302, &format!("/hop/{}", n + 1)),
            11 => Reply::ok(PAGE),
            _ => Reply::not_found(),
        }
    })
}

#[test]
fn more_than_ten_redirects_are_refused() {
    let env = initialised();
    let server = hops();
    let url = server.url("/hop/0");
    refused(&env, &[&url], &url, &["redirect"]);
}

#[test]
fn ten_redirects_are_followed() {
    let env = Env::new();
    let server = hops();
    let (id, _) = add_ok(&env, &server.url("/hop/1"), &[]);
    let source = &the_capture(&env, &id)["source"];
    assert_eq!(source["redirects"].as_array().map(Vec::len), Some(10));
    assert_eq!(source["response"]["url"], server.url("/hop/11"));
}

#[test]
fn redirect_to_a_scheme_other_than_http_is_refused() {
    let env = initialised();
    let server = Server::http(|_| Reply::redirect(302, "ftp://example.invalid/file.txt"));
    let url = server.url("/to-ftp");
    refused(&env, &[&url], &url, &[]);
}

/// The error line with the URL taken out, so that a status code found in
/// it is not part of the port.
fn without(err: &str, url: &str) -> String {
    err.replace(url, "")
}

#[test]
fn not_found_is_an_error_naming_the_url_and_the_status() {
    let env = initialised();
    let server = Server::http(|_| Reply::not_found());
    let url = server.url("/missing");
    let err = refused(&env, &[&url], &url, &[]);
    assert!(without(&err, &url).contains("404"), "{err}");
}

#[test]
fn server_error_is_an_error_naming_the_url_and_the_status() {
    let env = initialised();
    let server = Server::http(|_| Reply::status(500).body("oops\n"));
    let url = server.url("/broken");
    let err = refused(&env, &[&url], &url, &[]);
    assert!(without(&err, &url).contains("500"), "{err}");
}

#[test]
fn keep_errors_archives_a_404_with_its_status() {
    let env = Env::new();
    let body = "Nothing here.\n";
    let server = Server::http(move |_| Reply::status(404).body(body));
    let url = server.url("/gone");
    let (id, _) = add_ok(&env, &url, &["--keep-errors"]);
    assert_eq!(id, sha_hex(body.as_bytes()));
    assert_eq!(the_capture(&env, &id)["source"]["response"]["status"], 404);
    let list = env.run(&["list"]).ok().out();
    let row = list
        .lines()
        .find(|l| l.contains(&url))
        .unwrap_or_else(|| panic!("no row for {url}:\n{list}"));
    let rest = without(row, &url);
    let words: Vec<&str> = rest.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    assert!(words.contains(&"404"), "the status is not shown: {row}");
    assert_eq!(env.verify().0, 0);
}

#[test]
fn stalled_response_times_out() {
    let env = initialised();
    let server = Server::http(|_| Reply::ok(PAGE).stall());
    let url = server.url("/stall");
    let started = Instant::now();
    refused(&env, &[&url, "--timeout", "1"], &url, &["timed out"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn refused_connection_is_an_error_naming_the_url() {
    let env = initialised();
    let url = format!("http://127.0.0.1:{}/nobody", dead_port());
    refused(&env, &[&url], &url, &[]);
}

#[test]
fn unresolvable_host_is_an_error_naming_the_url() {
    let env = initialised();
    // RFC 6761: .invalid never resolves.
    let url = "http://provenance-test.invalid/page";
    refused(&env, &[url], url, &[]);
}

#[test]
fn body_over_max_size_is_refused() {
    let env = initialised();
    let server = Server::http(|_| Reply::ok(vec![b'a'; 4096]));
    let url = server.url("/big");
    let err = refused(&env, &[&url, "--max-size", "1KiB"], &url, &[]);
    assert!(mentions_limit(&without(&err, &url), 1024), "{err}");
}

#[test]
fn chunked_body_over_max_size_is_refused_while_it_streams() {
    let env = initialised();
    let server = Server::http(|_| Reply::ok(vec![b'a'; 4096]).chunked());
    let url = server.url("/big-chunked");
    let err = refused(&env, &[&url, "--max-size", "1KiB"], &url, &[]);
    assert!(mentions_limit(&without(&err, &url), 1024), "{err}");
}

#[test]
fn https_capture_records_the_certificate_chain() {
    let env = Env::new();
    let server = Server::https(|_| Reply::ok(PAGE));
    let url = server.url("/secure");
    let ca = server.ca_cert().to_str().unwrap().to_string();
    let (id, _) = add_ok(&env, &url, &["--ca-cert", &ca]);
    assert_eq!(id, sha_hex(PAGE.as_bytes()));
    let source = &the_capture(&env, &id)["source"];
    assert_eq!(source["response"]["status"], 200);
    assert_eq!(source["response"]["version"], "HTTP/1.1");
    assert_eq!(
        source["response"]["remote_addr"],
        format!("127.0.0.1:{}", server.port())
    );
    let chain = source["tls"]["certificates"]
        .as_array()
        .unwrap_or_else(|| panic!("no certificates: {source:#}"));
    let served = [sha_hex(&server.certs().leaf_der), sha_hex(&server.certs().ca_der)];
    assert!(!chain.is_empty() && chain.len() <= 2, "{chain:#?}");
    for (cert, sha) in chain.iter().zip(&served) {
        assert_eq!(cert["sha256"], sha.as_str(), "leaf first, as served");
    }
    let leaf = &chain[0];
    assert!(leaf["subject"].as_str().unwrap().contains(LEAF_CN), "{leaf}");
    assert!(leaf["issuer"].as_str().unwrap().contains(CA_CN), "{leaf}");
    assert!(
        leaf["not_before"]
            .as_str()
            .unwrap()
            .starts_with("2025-01-01T00:00:00"),
        "{leaf}"
    );
    assert!(
        leaf["not_after"]
            .as_str()
            .unwrap()
            .starts_with("2045-01-01T00:00:00"),
        "{leaf}"
    );
    assert_eq!(env.verify().0, 0);
}

#[test]
fn https_with_an_untrusted_certificate_is_refused() {
    let env = initialised();
    let server = Server::https(|_| Reply::ok(PAGE));
    let url = server.url("/secure");
    refused(&env, &[&url], &url, &["certificate"]);
    assert!(
        server.requests().is_empty(),
        "no request after a failed handshake"
    );
}

/// The number next to `word` (just before or just after it) in `line`,
/// for summary lines like `archived 40 documents (0 new, 40 unchanged);
/// 10 failed`.
fn says_count(line: &str, word: &str, n: usize) -> bool {
    let tokens: Vec<&str> = line
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let n = n.to_string();
    tokens.iter().enumerate().any(|(i, t)| {
        *t == word && ((i > 0 && tokens[i - 1] == n) || tokens.get(i + 1).is_some_and(|next| *next == n))
    })
}

/// The URLs of a batch: every tenth+3 answers 404, every tenth+7 is
/// refused, the rest are documents with their bodies.
struct BatchUrls {
    good: Vec<(String, String)>,
    bad: Vec<String>,
    list: String,
}

fn batch_urls(server: &Server, dead: u16) -> BatchUrls {
    let mut urls = BatchUrls {
        good: Vec::new(),
        bad: Vec::new(),
        list: String::from("# fifty URLs\n"),
    };
    for i in 0..50 {
        let url = match i % 10 {
            3 => server.url(&format!("/missing/{i:02}")),
            7 => format!("http://127.0.0.1:{dead}/refused/{i:02}"),
            _ => server.url(&format!("/doc/{i:02}")),
        };
        urls.list.push_str(&url);
        urls.list.push('\n');
        if matches!(i % 10, 3 | 7) {
            urls.bad.push(url);
        } else {
            urls.good.push((url, format!("Document number {i:02}.\n")));
        }
    }
    urls
}

/// Each failed URL is named on exactly one line, an error; a good URL only
/// on a progress line; the last line is the summary.
fn check_batch_stderr(run: &Run, urls: &BatchUrls, word: &str, count: usize) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    for url in &urls.bad {
        let naming: Vec<&&str> = lines.iter().filter(|l| l.contains(url.as_str())).collect();
        assert_eq!(
            naming.len(),
            1,
            "{url} is not named on exactly one line:\n{}",
            run.stderr
        );
        assert!(
            !naming[0].contains("] fetched "),
            "{url} reported as fetched: {}",
            naming[0]
        );
    }
    for (url, _) in &urls.good {
        for line in lines.iter().filter(|l| l.contains(url.as_str())) {
            assert!(line.contains("] fetched "), "{url} failed: {line}");
        }
    }
    let summary = lines.last().expect("a summary line");
    assert!(says_count(summary, word, count), "not {count} {word}: {summary}");
    assert!(
        says_count(summary, "failed", urls.bad.len()),
        "not {} failed: {summary}",
        urls.bad.len()
    );
}

#[test]
fn batch_archives_every_good_url_and_reports_each_failure() {
    let env = initialised();
    let server = Server::http(|req| match req.path.strip_prefix("/doc/") {
        Some(n) => Reply::ok(format!("Document number {n}.\n")),
        None => Reply::not_found(),
    });
    let urls = batch_urls(&server, dead_port());
    env.write("urls.txt", &urls.list);

    let first = env.run(&["add", "--from", "urls.txt"]).code(2);
    check_batch_stderr(&first, &urls, "archived", urls.good.len());
    let mut printed: Vec<String> = first.out().lines().map(String::from).collect();
    printed.sort();
    let mut expected: Vec<String> = urls
        .good
        .iter()
        .map(|(url, body)| format!("{}  {url}", sha_hex(body.as_bytes())))
        .collect();
    expected.sort();
    assert_eq!(
        printed, expected,
        "every good URL archived with the hash of its body"
    );
    assert_eq!(env.verify().0, 0);

    let again = env.run(&["add", "--from", "urls.txt"]).code(2);
    check_batch_stderr(&again, &urls, "unchanged", urls.good.len());
    assert_eq!(env.verify().0, 0);
}

#[test]
fn changed_page_shows_in_history_and_diff() {
    let env = Env::new();
    let page = Arc::new(Mutex::new(PAGE.to_string()));
    let served = page.clone();
    let server = Server::http(move |_: &Request| {
        Reply::ok(served.lock().unwrap().clone()).header("Content-Type", "text/plain")
    });
    let url = server.url("/statement");
    let (old, _) = add_ok(&env, &url, &[]);
    *page.lock().unwrap() = PAGE.replace("said yes", "said no");
    let (new, _) = add_ok(&env, &url, &[]);
    assert_ne!(old, new);

    let history = env.run(&["history", &url, "--json"]).ok().json();
    let rows = history
        .as_array()
        .or(history["rows"].as_array())
        .unwrap_or_else(|| panic!("history rows: {history:#}"));
    assert_eq!(rows.len(), 2, "{history:#}");
    assert_eq!(rows[0]["sha256"], old.as_str());
    assert_eq!(rows[1]["sha256"], new.as_str());
    assert_eq!(rows[0]["change"], "first");
    assert_eq!(rows[1]["change"], "changed");
    for row in rows {
        assert_eq!(row["url"], url.as_str());
        assert_eq!(row["final_url"], url.as_str());
        assert_eq!(row["status"], 200);
        assert_eq!(
            row["size"],
            PAGE.len() - usize::from(row["sha256"] == new.as_str())
        );
        for field in ["entry", "retrieved"] {
            assert!(!row[field].is_null(), "no {field} in {row}");
        }
    }
    let human = env.run(&["history", &url]).ok().out();
    assert!(human.contains("CHANGED"), "{human}");

    let diff = env.run(&["diff", &old, &new]).code(1).out();
    let removed = diff.lines().any(|l| l.starts_with('-') && l.contains("said yes"));
    let added = diff.lines().any(|l| l.starts_with('+') && l.contains("said no"));
    assert!(removed && added, "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with(['-', '+']) && l.contains("Nothing else")),
        "{diff}"
    );
}
