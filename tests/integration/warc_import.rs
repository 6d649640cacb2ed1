//! `import --warc`: a WARC written by real wget, a round trip through our
//! own export, wrong digests, truncated files, and the records that are
//! not documents.

use std::process::Command;

use serde_json::Value;

use crate::harness::*;
use crate::http_server::{CHUNKED_BODY, GZIPPED_PAGE, PAGE, pages_server};

/// Runs wget on the URLs, writing NAME.warc.gz in the working directory.
fn wget(env: &Env, name: &str, urls: &[String]) {
    let out = Command::new("wget")
        .current_dir(env.root())
        .arg(format!("--warc-file={name}"))
        .args([
            "--no-verbose",
            "--no-warc-keep-log",
            "--tries=1",
            "-O",
            "/dev/null",
        ])
        .args(urls)
        .output()
        .expect("run wget");
    assert!(
        out.status.success(),
        "wget failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn file_report(run: &Run) -> Value {
    run.json()["files"][0].clone()
}

fn counts(report: &Value, kind: &str, outcome: &str) -> u64 {
    report["records"][kind][outcome].as_u64().unwrap_or(0)
}

/// The captures of `list --json`: (content hash, URL, retrieval time).
fn captures(env: &Env, archive: &str) -> Vec<(String, String, String)> {
    let list = env.run(&["--archive", archive, "--json", "list"]).ok().json();
    let mut rows: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let src = &c["source"];
            let url = match src["type"].as_str().unwrap() {
                "url" => src["response"]["url"].as_str().unwrap(),
                _ => src["url"].as_str().unwrap(),
            };
            (
                c["sha256"].as_str().unwrap().to_string(),
                url.to_string(),
                c["retrieved"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_wget_warc_imports_byte_for_byte_and_a_second_import_adds_nothing() {
    let env = Env::new();
    let server = pages_server();
    let urls: Vec<String> = ["/page.html", "/gzip.html", "/chunked.txt"]
        .iter()
        .map(|p| server.url(p))
        .collect();
    wget(&env, "crawl", &urls);

    let run = env.run(&["--json", "import", "--warc", "crawl.warc.gz"]).ok();
    let report = file_report(&run);
    assert_eq!(counts(&report, "response", "imported"), 3, "{report:#}");
    assert_eq!(counts(&report, "request", "skipped"), 3, "{report:#}");
    assert_eq!(counts(&report, "warcinfo", "skipped"), 1, "{report:#}");
    assert_eq!(
        report["sha256"].as_str().unwrap(),
        sha256sum(&env.path("crawl.warc.gz"))
    );
    let gz = gzip(GZIPPED_PAGE);
    let expected: [(&String, &[u8]); 3] = [(&urls[0], PAGE), (&urls[1], &gz), (&urls[2], CHUNKED_BODY)];
    let imported = report["imported"].as_array().unwrap();
    for (url, body) in expected {
        let entry = imported
            .iter()
            .find(|i| i["url"] == url.as_str())
            .unwrap_or_else(|| panic!("{url} not imported: {report:#}"));
        assert_eq!(entry["id"], sha_hex(body).as_str(), "{url}");
        env.assert_cat(&sha_hex(body), body);
    }

    let show = env.run(&["show", &sha_hex(CHUNKED_BODY)]).ok().out();
    assert!(show.contains("imported"), "{show}");
    assert!(show.contains("crawl.warc.gz"), "{show}");
    assert!(show.contains("Wget/"), "{show}");
    let capture = &env.run(&["--json", "list"]).ok().json()[2];
    let source = &capture["source"];
    assert_eq!(source["type"], "warc");
    assert_eq!(source["record_type"], "response");
    assert_eq!(source["http"]["status"], 200);
    assert!(source["record_id"].as_str().unwrap().starts_with("<urn:uuid:"));
    assert!(
        source["digests_checked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().starts_with("sha1:")),
        "{source}"
    );
    // The gzip page: the bytes as sent, decoded for analysis.
    let show = env.run(&["show", &sha_hex(&gz)]).ok().out();
    assert!(show.contains("the article text of an HTML page"), "{show}");

    let history = env.run(&["--json", "history", &urls[0]]).ok().json();
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");

    let (code, v) = env.verify();
    assert_eq!(code, 0, "{v:#}");

    let before = env.log_lines().len();
    let again = env.run(&["--json", "import", "--warc", "crawl.warc.gz"]).ok();
    let report = file_report(&again);
    assert_eq!(report["imported"].as_array().unwrap().len(), 0, "{report:#}");
    assert_eq!(counts(&report, "response", "skipped"), 3);
    assert_eq!(env.log_lines().len(), before);
}

#[test]
fn export_then_import_into_a_fresh_archive_keeps_hashes_urls_and_times() {
    let env = Env::new();
    let server = pages_server();
    for p in ["/page.html", "/gzip.html", "/chunked.txt", "/page.html"] {
        env.run(&["add", &server.url(p)]).ok();
    }
    for file in ["x.warc.gz", "x.warc"] {
        env.run(&["export", "--warc", file]).ok();
        let other = format!("other-{file}");
        let run = env
            .run(&["--archive", &other, "--json", "import", "--warc", file])
            .ok();
        let report = file_report(&run);
        // The second capture of the page was exported as a revisit.
        assert_eq!(counts(&report, "response", "imported"), 3, "{report:#}");
        assert_eq!(counts(&report, "revisit", "imported"), 1, "{report:#}");
        assert_eq!(captures(&env, "archive"), captures(&env, &other), "{file}");
        env.run(&["--archive", &other, "verify"]).ok();
        env.run(&["--archive", &other, "cat", &sha_hex(CHUNKED_BODY)])
            .ok();
        let cat = env
            .run(&["--archive", &other, "cat", &sha_hex(CHUNKED_BODY)])
            .ok();
        assert_eq!(cat.stdout, CHUNKED_BODY);
    }
}

fn response(id: &str, url: &str, body: &[u8], block_digest: Option<String>) -> Vec<u8> {
    let mut block = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    let digest = block_digest.unwrap_or_else(|| format!("sha256:{}", sha_hex(&block)));
    let payload = format!("sha256:{}", sha_hex(body));
    warc_record(
        &[
            ("WARC-Type", "response"),
            ("WARC-Record-ID", &format!("<urn:uuid:{id}>")),
            ("WARC-Date", "2024-05-01T10:00:00Z"),
            ("WARC-Target-URI", url),
            ("Content-Type", "application/http; msgtype=response"),
            ("WARC-Block-Digest", &digest),
            ("WARC-Payload-Digest", &payload),
        ],
        &block,
    )
}

/// The one line of error about a record (beside the summary lines).
fn record_error(run: &Run) -> String {
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains(" at offset ")).collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    lines[0].to_string()
}

#[test]
fn a_record_with_a_wrong_digest_is_refused_and_the_others_imported() {
    let env = Env::new();
    let first = response(
        "00000000-0000-4000-8000-000000000001",
        "https://example.org/a",
        b"first\n",
        None,
    );
    let bad = response(
        "00000000-0000-4000-8000-000000000002",
        "https://example.org/b",
        b"second\n",
        Some(format!("sha256:{}", sha_hex(b"something else"))),
    );
    let third = response(
        "00000000-0000-4000-8000-000000000003",
        "https://example.org/c",
        b"third\n",
        None,
    );
    let offset = first.len();
    env.write("bad.warc", [first, bad, third].concat());
    let run = env.run(&["--json", "import", "--warc", "bad.warc"]).code(2);
    let err = record_error(&run);
    assert!(err.contains(&format!("bad.warc at offset {offset}")), "{err}");
    assert!(err.contains("WARC-Block-Digest"), "{err}");
    let report = file_report(&run);
    assert_eq!(counts(&report, "response", "imported"), 2);
    assert_eq!(counts(&report, "response", "failed"), 1);
    assert_eq!(env.list_ids(), vec![sha_hex(b"first\n"), sha_hex(b"third\n")]);
    let (code, v) = env.verify();
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn a_truncated_file_imports_what_is_whole_and_names_the_offset() {
    let env = Env::new();
    let records: Vec<Vec<u8>> = (1..=3)
        .map(|i| {
            response(
                &format!("00000000-0000-4000-8000-00000000000{i}"),
                &format!("https://example.org/{i}"),
                format!("document {i}\n").repeat(50).as_bytes(),
                None,
            )
        })
        .collect();
    // Plain: cut inside the third record's block.
    let plain = records.concat();
    let third = records[0].len() + records[1].len();
    env.write("cut.warc", &plain[..plain.len() - 100]);
    // Gzip, a member per record: cut inside the third member.
    let members: Vec<Vec<u8>> = records.iter().map(|r| gzip(r)).collect();
    let gz = members.concat();
    let third_gz = members[0].len() + members[1].len();
    env.write("cut.warc.gz", &gz[..gz.len() - 20]);
    for (file, offset) in [("cut.warc", third), ("cut.warc.gz", third_gz)] {
        let archive = format!("a-{file}");
        let run = env
            .run(&["--archive", &archive, "--json", "import", "--warc", file])
            .code(2);
        let err = record_error(&run);
        assert!(err.contains(&format!("{file} at offset {offset}")), "{err}");
        assert!(err.contains("truncated") || err.contains("corrupt"), "{err}");
        let report = file_report(&run);
        assert_eq!(report["imported"].as_array().unwrap().len(), 2, "{report:#}");
        assert!(report.get("sha256").is_none(), "{report:#}");
        let run = env.run(&["--archive", &archive, "--json", "verify"]);
        assert_eq!(run.code, 0, "{}", run.out());
    }
}

#[test]
fn records_that_are_not_documents_are_counted_as_skipped() {
    let env = Env::new();
    let date = ("WARC-Date", "2024-05-01T10:00:00Z");
    let file = [
        warc_record(
            &[
                ("WARC-Type", "warcinfo"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000a>",
                ),
                date,
                ("Content-Type", "application/warc-fields"),
            ],
            b"software: Heritrix/3.4.0\r\nformat: WARC File Format 1.1\r\n",
        ),
        warc_record(
            &[
                ("WARC-Type", "request"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000b>",
                ),
                date,
                ("WARC-Target-URI", "https://example.org/a"),
                ("Content-Type", "application/http; msgtype=request"),
            ],
            b"GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n",
        ),
        warc_record(
            &[
                ("WARC-Type", "response"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000c>",
                ),
                date,
                ("WARC-Target-URI", "dns:example.org"),
                ("Content-Type", "text/dns"),
            ],
            b"20240501100000\nexample.org. 300 IN A 93.184.216.34\n",
        ),
        warc_record(
            &[
                ("WARC-Type", "metadata"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000d>",
                ),
                date,
                ("WARC-Target-URI", "https://example.org/a"),
                ("Content-Type", "application/warc-fields"),
            ],
            b"outlink: https://example.org/b\r\n",
        ),
        warc_record(
            &[
                ("WARC-Type", "revisit"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000e>",
                ),
                date,
                ("WARC-Target-URI", "https://example.org/a"),
                (
                    "WARC-Refers-To",
                    "<urn:uuid:00000000-0000-4000-8000-0000000000ff>",
                ),
                ("WARC-Payload-Digest", "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"),
                (
                    "WARC-Profile",
                    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                ),
            ],
            b"",
        ),
        warc_record(
            &[
                ("WARC-Type", "resource"),
                (
                    "WARC-Record-ID",
                    "<urn:uuid:00000000-0000-4000-8000-00000000000f>",
                ),
                date,
                ("WARC-Target-URI", "https://example.org/notes.txt"),
                ("Content-Type", "text/plain"),
                ("WARC-Block-Digest", "md5:0123456789abcdef0123456789abcdef"),
            ],
            b"a resource\n",
        ),
    ]
    .concat();
    env.write("mixed.warc", file);
    let run = env.run(&["--json", "import", "--warc", "mixed.warc"]).ok();
    let report = file_report(&run);
    for kind in ["warcinfo", "request", "response", "metadata", "revisit"] {
        assert_eq!(counts(&report, kind, "skipped"), 1, "{kind}: {report:#}");
    }
    assert_eq!(counts(&report, "resource", "imported"), 1, "{report:#}");
    let reasons: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("revisit")), "{reasons:?}");
    let list = env.run(&["--json", "list"]).ok().json();
    let source = &list[0]["source"];
    assert_eq!(source["software"], "Heritrix/3.4.0");
    assert_eq!(
        source["digests_unchecked"][0],
        "md5:0123456789abcdef0123456789abcdef"
    );
    assert_eq!(list[0]["retrieved"], "2024-05-01T10:00:00.000Z");
    let (code, v) = env.verify();
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn a_missing_file_is_one_line_and_touches_no_archive() {
    let env = Env::new();
    let run = env.run(&["import", "--warc", "nope.warc.gz"]).code(2);
    assert!(run.one_line_error().contains("nope.warc.gz"));
    assert!(!env.archive().exists());
}
