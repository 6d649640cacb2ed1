//! `export --warc`: the file checked by the WARC tools themselves (warcio
//! reads, indexes and checks digests; pywb replays), every digest checked
//! again here from the bytes warcio hands over, revisits, ID selection,
//! refusal to overwrite, and identical bytes from identical exports.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::*;
use crate::http_server::{CHUNKED_BODY, GZIPPED_PAGE, PAGE, Server, pages_server};

const FILE_TEXT: &[u8] = b"A note typed up from a phone call.\n";
const STDIN_TEXT: &[u8] = b"Said on the phone, noted at once.\n";

/// Adds one URL and returns its ID.
fn add_url(env: &Env, url: &str) -> String {
    let out = env.run(&["add", url]).ok().out();
    out.split("  ").next().unwrap().to_string()
}

/// An archive with one capture of each kind: three URLs (plain, gzip
/// encoded, chunked), a file and standard input. Returns their IDs in
/// that order.
fn mixed_archive(env: &Env, server: &Server) -> Vec<String> {
    let mut ids: Vec<String> = ["/page.html", "/gzip.html", "/chunked.txt"]
        .iter()
        .map(|p| add_url(env, &server.url(p)))
        .collect();
    env.write("note.txt", FILE_TEXT);
    ids.extend(env.add(&["note.txt"]));
    let run = env.run_stdin(&["add", "-"], STDIN_TEXT).ok();
    ids.extend(crate::harness::ids(&run));
    ids
}

/// `export --warc FILE [ID...] --json`.
fn export(env: &Env, file: &str, ids: &[&str]) -> Value {
    let mut args = vec!["--json", "export", "--warc", file];
    args.extend_from_slice(ids);
    env.run(&args).ok().json()
}

/// `warcio check -v`: every digest present verified by warcio.
fn warcio_check(path: &Path) {
    let out = Command::new(venv_tool("warcio"))
        .arg("check")
        .arg("-v")
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "warcio check {}:\n{text}", path.display());
    assert!(!text.contains("fail"), "{text}");
    assert!(text.contains("digest pass"), "{text}");
}

/// `warcio index`: one JSON line per record.
fn warcio_index(path: &Path) -> Vec<Value> {
    let out = Command::new(venv_tool("warcio"))
        .args(["index", "-f", "warc-type,warc-target-uri,warc-record-id,offset"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "warcio index: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn types(index: &[Value]) -> Vec<String> {
    index
        .iter()
        .map(|r| r["warc-type"].as_str().unwrap().to_string())
        .collect()
}

/// Reads every record with warcio without letting it parse the blocks,
/// and hashes each block (and, for HTTP blocks, the payload after the
/// head) with Python's hashlib: digests computed by other code than ours.
const READ_RECORDS: &str = r#"
import sys, json, hashlib
from warcio.archiveiterator import ArchiveIterator
out = []
with open(sys.argv[1], 'rb') as f:
    for r in ArchiveIterator(f, no_record_parse=True):
        block = r.raw_stream.read()
        rec = {"type": r.rec_type, "headers": r.rec_headers.headers, "length": len(block),
               "block_sha256": hashlib.sha256(block).hexdigest()}
        ctype = r.rec_headers.get_header("Content-Type") or ""
        if ctype.startswith("application/http"):
            head, _, payload = block.partition(b"\r\n\r\n")
            rec["http_head"] = head.decode("utf-8", "replace")
            rec["payload_sha256"] = hashlib.sha256(payload).hexdigest()
            rec["payload_length"] = len(payload)
        elif r.rec_type == "resource":
            rec["payload_sha256"] = rec["block_sha256"]
            rec["payload_length"] = len(block)
        elif ctype == "application/json":
            rec["json"] = json.loads(block)
        else:
            rec["text"] = block.decode("utf-8")
        out.append(rec)
print(json.dumps(out))
"#;

#[derive(Debug, Clone)]
struct Record {
    kind: String,
    headers: Vec<(String, String)>,
    length: u64,
    block_sha256: String,
    payload_sha256: Option<String>,
    payload_length: Option<u64>,
    http_head: Option<String>,
    json: Value,
    text: Option<String>,
}

impl Record {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn id(&self) -> &str {
        self.header("WARC-Record-ID").unwrap()
    }
}

fn read_records(path: &Path) -> Vec<Record> {
    let out = Command::new(python())
        .arg("-c")
        .arg(READ_RECORDS)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "reading {} with warcio: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |v: &Value| v.as_str().map(String::from);
    all.as_array()
        .unwrap()
        .iter()
        .map(|r| Record {
            kind: s(&r["type"]).unwrap(),
            headers: r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (s(&h[0]).unwrap(), s(&h[1]).unwrap()))
                .collect(),
            length: r["length"].as_u64().unwrap(),
            block_sha256: s(&r["block_sha256"]).unwrap(),
            payload_sha256: s(&r["payload_sha256"]),
            payload_length: r["payload_length"].as_u64(),
            http_head: s(&r["http_head"]),
            json: r["json"].clone(),
            text: s(&r["text"]),
        })
        .collect()
}

/// Checks what every record must have: its Content-Length and block
/// digest against the block, and a payload digest against the payload.
fn assert_digests(records: &[Record]) {
    for r in records {
        let ctx = format!("{} {}", r.kind, r.id());
        assert_eq!(
            r.header("Content-Length").unwrap().parse::<u64>().unwrap(),
            r.length,
            "{ctx}"
        );
        assert_eq!(
            r.header("WARC-Block-Digest"),
            Some(format!("sha256:{}", r.block_sha256).as_str()),
            "{ctx}"
        );
        if r.kind == "response" || r.kind == "resource" {
            let payload = r.payload_sha256.as_ref().unwrap();
            assert_eq!(
                r.header("WARC-Payload-Digest"),
                Some(format!("sha256:{payload}").as_str()),
                "{ctx}"
            );
        }
        let id = r.id();
        assert!(
            id.starts_with("<urn:uuid:") && id.ends_with('>') && id.len() == 47,
            "{ctx}"
        );
        assert_eq!(&id[24..25], "8", "a version 8 UUID: {id}");
    }
}

/// The records about capture `id` (its payload digest), in order.
fn by_payload<'a>(records: &'a [Record], id: &str) -> Vec<&'a Record> {
    let digest = format!("sha256:{id}");
    records
        .iter()
        .filter(|r| r.header("WARC-Payload-Digest") == Some(digest.as_str()))
        .collect()
}

/// The metadata record written with the record `id`.
fn metadata_of<'a>(records: &'a [Record], id: &str) -> &'a Record {
    records
        .iter()
        .find(|r| r.kind == "metadata" && r.header("WARC-Concurrent-To") == Some(id))
        .unwrap_or_else(|| panic!("no metadata record for {id}"))
}

#[test]
fn warc_export_of_url_file_and_stdin_captures_passes_warcio_check_and_indexes_every_record() {
    let server = pages_server();
    let env = Env::new();
    mixed_archive(&env, &server);
    let summary = export(&env, "all.warc.gz", &[]);
    assert_eq!(summary["captures"], 5, "{summary:#}");
    assert_eq!(summary["records"], 14, "{summary:#}");
    assert_eq!(summary["revisits"], 0, "{summary:#}");
    let gz = env.path("all.warc.gz");
    assert_eq!(summary["bytes"], std::fs::metadata(&gz).unwrap().len());
    let text = env.run(&["export", "--warc", "plain.warc"]).ok().out();
    let plain = env.path("plain.warc");
    assert_eq!(
        text,
        format!(
            "exported 5 captures (14 records, {} bytes) to plain.warc\n",
            std::fs::metadata(&plain).unwrap().len()
        )
    );
    assert!(std::fs::read(&plain).unwrap().starts_with(b"WARC/1.1\r\n"));
    assert!(std::fs::read(&gz).unwrap().starts_with(&[0x1f, 0x8b]));

    let expected = [
        "warcinfo", "response", "request", "metadata", "response", "request", "metadata", "response",
        "request", "metadata", "resource", "metadata", "resource", "metadata",
    ];
    for file in [&gz, &plain] {
        warcio_check(file);
        let index = warcio_index(file);
        assert_eq!(types(&index), expected, "{}", file.display());
        let ids: std::collections::HashSet<&str> = index
            .iter()
            .map(|r| r["warc-record-id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), expected.len(), "record IDs are unique");
    }
    // Each record is its own gzip member: warcio's offsets point at a
    // member that holds exactly that record.
    let bytes = std::fs::read(&gz).unwrap();
    for r in warcio_index(&gz) {
        let offset: usize = r["offset"].as_str().unwrap().parse().unwrap();
        let mut d = flate2::read::GzDecoder::new(&bytes[offset..]);
        let mut member = Vec::new();
        d.read_to_end(&mut member).unwrap();
        assert!(member.starts_with(b"WARC/1.1\r\n"), "offset {offset}");
        assert!(member.ends_with(b"\r\n\r\n"), "offset {offset}");
        let text = String::from_utf8_lossy(&member);
        assert!(
            text.contains(&format!("WARC-Type: {}\r\n", r["warc-type"].as_str().unwrap())),
            "offset {offset}"
        );
    }
}

#[test]
fn warc_records_hold_the_exchange_and_their_digests_check_out_independently() {
    let server = pages_server();
    let env = Env::new();
    let ids = mixed_archive(&env, &server);
    export(&env, "x.warc.gz", &[]);
    let records = read_records(&env.path("x.warc.gz"));
    assert_digests(&records);

    let info = &records[0];
    assert_eq!(info.kind, "warcinfo");
    let fields = info.text.as_deref().unwrap();
    let archive_id = env.log_lines()[0].split("\"archive_id\":\"").nth(1).unwrap()[..32].to_string();
    assert!(fields.contains("software: provenance 0.1.0\r\n"), "{fields}");
    assert!(fields.contains("format: WARC File Format 1.1\r\n"), "{fields}");
    assert!(
        fields.contains(&format!("archive-id: {archive_id}\r\n")),
        "{fields}"
    );
    assert_eq!(info.header("WARC-Filename"), Some("x.warc.gz"));

    let log = env.log_lines();
    let bodies: [&[u8]; 3] = [PAGE, &gzip(GZIPPED_PAGE), CHUNKED_BODY];
    for (i, path) in ["/page.html", "/gzip.html", "/chunked.txt"].iter().enumerate() {
        let url = server.url(path);
        let about = by_payload(&records, &ids[i]);
        assert_eq!(about.len(), 1, "{path}: one response");
        let response = about[0];
        assert_eq!(response.kind, "response");
        assert_eq!(response.header("WARC-Target-URI"), Some(url.as_str()));
        assert_eq!(response.header("WARC-IP-Address"), Some("127.0.0.1"));
        assert_eq!(response.header("WARC-Protocol"), Some("http/1.1"));
        assert_eq!(
            response.header("Content-Type"),
            Some("application/http; msgtype=response")
        );
        // The body exactly as the server sent it (gzip and all), hashed
        // by Python from the bytes in the WARC.
        assert_eq!(
            response.payload_sha256.as_deref(),
            Some(sha_hex(bodies[i]).as_str())
        );
        assert_eq!(response.payload_length, Some(bodies[i].len() as u64));
        let head = response.http_head.as_deref().unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(!head.to_lowercase().contains("\r\ntransfer-encoding"), "{head}");
        match *path {
            "/gzip.html" => assert!(head.contains("\r\ncontent-encoding: gzip"), "{head}"),
            "/chunked.txt" => assert!(
                head.contains("\r\nx-archive-orig-transfer-encoding: chunked"),
                "{head}"
            ),
            _ => assert!(head.contains("\r\ncontent-length: "), "{head}"),
        }

        let request = records
            .iter()
            .find(|r| r.kind == "request" && r.header("WARC-Concurrent-To") == Some(response.id()))
            .unwrap();
        assert_eq!(request.header("WARC-Target-URI"), Some(url.as_str()));
        assert_eq!(request.header("WARC-Date"), response.header("WARC-Date"));
        let head = request.http_head.as_deref().unwrap();
        assert!(
            head.starts_with(&format!(
                "GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\n",
                server.port()
            )),
            "{head}"
        );
        assert!(head.contains("\r\nuser-agent: provenance/"), "{head}");

        let meta = metadata_of(&records, response.id());
        let json = &meta.json;
        assert_eq!(meta.header("WARC-Target-URI"), None);
        assert_eq!(meta.header("WARC-Date"), response.header("WARC-Date"));
        assert_eq!(json["document"], ids[i].as_str());
        assert_eq!(json["archive_id"], archive_id.as_str());
        assert_eq!(json["capture"]["source"]["response"]["url"], url.as_str());
        // The log lines exactly as stored: the capture and its analyses.
        let lines = json["log"].as_array().unwrap();
        assert_eq!(lines.len(), 3, "{json:#}");
        let seq = lines[0]["seq"].as_u64().unwrap();
        assert_eq!(json["capture_entry"], seq);
        for (k, l) in lines.iter().enumerate() {
            assert_eq!(l["seq"], seq + k as u64);
            assert_eq!(l["line"].as_str().unwrap(), log[(seq as usize) + k]);
        }
        assert_eq!(json["analyses"].as_array().unwrap().len(), 2);
        let citations = json["citations"].as_array().unwrap();
        assert_eq!(citations.len(), 1, "{json:#}");
        assert!(citations[0]["result"]["outlets"].is_array(), "{json:#}");
        assert_eq!(citations[0]["entry"], seq + 2);
    }

    let resources: Vec<&Record> = records.iter().filter(|r| r.kind == "resource").collect();
    assert_eq!(resources.len(), 2);
    let file = resources[0];
    let abs = std::fs::canonicalize(env.path("note.txt")).unwrap();
    assert_eq!(
        file.header("WARC-Target-URI"),
        Some(format!("file://{}", abs.display()).as_str())
    );
    assert_eq!(file.header("Content-Type"), Some("text/plain"));
    assert_eq!(file.payload_sha256.as_deref(), Some(sha_hex(FILE_TEXT).as_str()));
    assert_eq!(
        file.header("WARC-Block-Digest"),
        file.header("WARC-Payload-Digest")
    );
    let stdin = resources[1];
    assert_eq!(
        stdin.header("WARC-Target-URI"),
        Some(format!("urn:sha256:{}", sha_hex(STDIN_TEXT)).as_str())
    );
    assert_eq!(
        stdin.payload_sha256.as_deref(),
        Some(sha_hex(STDIN_TEXT).as_str())
    );
    for r in [file, stdin] {
        let meta = metadata_of(&records, r.id());
        assert_eq!(
            meta.json["capture"]["source"]["type"],
            if r.id() == file.id() { "file" } else { "stdin" }
        );
    }
    // WARC-Date is the capture's time of retrieval, to the millisecond.
    let capture: Value = serde_json::from_str(&log[1]).unwrap();
    let first = by_payload(&records, &ids[0])[0];
    assert_eq!(first.header("WARC-Date"), capture["retrieved"].as_str());
}

#[test]
fn warc_identical_bytes_captured_again_are_revisits() {
    let server = pages_server();
    let env = Env::new();
    let page = add_url(&env, &server.url("/page.html"));
    // Through a redirect to the same page: same bytes, the redirect kept
    // in the metadata.
    assert_eq!(add_url(&env, &server.url("/moved")), page);
    env.write("same.txt", FILE_TEXT);
    let file = env.add(&["same.txt"]).remove(0);
    assert_eq!(env.add(&["same.txt"]), std::slice::from_ref(&file));
    let summary = export(&env, "r.warc.gz", &[]);
    assert_eq!(summary["captures"], 4);
    assert_eq!(summary["revisits"], 2);
    let path = env.path("r.warc.gz");
    warcio_check(&path);
    assert_eq!(
        types(&warcio_index(&path)),
        [
            "warcinfo", "response", "request", "metadata", "revisit", "request", "metadata", "resource",
            "metadata", "revisit", "metadata"
        ]
    );
    let records = read_records(&path);
    assert_digests(&records);

    let about = by_payload(&records, &page);
    let (original, revisit) = (about[0], about[1]);
    assert_eq!(revisit.kind, "revisit");
    assert_eq!(
        revisit.header("WARC-Profile"),
        Some("http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
    );
    assert_eq!(revisit.header("WARC-Refers-To"), Some(original.id()));
    assert_eq!(
        revisit.header("WARC-Refers-To-Target-URI"),
        original.header("WARC-Target-URI")
    );
    assert_eq!(
        revisit.header("WARC-Refers-To-Date"),
        original.header("WARC-Date")
    );
    assert_eq!(
        revisit.header("WARC-Target-URI"),
        Some(server.url("/page.html").as_str())
    );
    // The block is the response's head alone.
    assert_eq!(revisit.payload_length, Some(0));
    assert!(
        revisit
            .http_head
            .as_deref()
            .unwrap()
            .starts_with("HTTP/1.1 200 OK\r\n"),
        "{revisit:?}"
    );
    let meta = metadata_of(&records, revisit.id());
    let redirects = meta.json["capture"]["source"]["redirects"].as_array().unwrap();
    assert_eq!(redirects.len(), 1, "{:#}", meta.json);
    assert_eq!(redirects[0]["status"], 302);
    assert_eq!(redirects[0]["location"], "/page.html");
    assert_eq!(
        meta.json["capture"]["source"]["url"],
        server.url("/moved").as_str()
    );

    let about = by_payload(&records, &file);
    let (original, revisit) = (about[0], about[1]);
    assert_eq!(original.kind, "resource");
    assert_eq!(revisit.kind, "revisit");
    assert_eq!(revisit.length, 0);
    assert_eq!(revisit.header("WARC-Refers-To"), Some(original.id()));
    assert_eq!(
        revisit.header("WARC-Refers-To-Target-URI"),
        original.header("WARC-Target-URI")
    );
}

#[test]
fn warc_export_of_ids_holds_only_those_documents_and_every_capture_of_them() {
    let env = Env::new();
    env.write("a.txt", "first document\n");
    env.write("b.txt", "second document\n");
    let a = env.add(&["a.txt"]).remove(0);
    let b = env.add(&["b.txt"]).remove(0);
    env.add(&["a.txt"]);
    let summary = export(&env, "a.warc", &[&a[..10]]);
    assert_eq!(summary["captures"], 2, "{summary:#}");
    let path = env.path("a.warc");
    warcio_check(&path);
    assert_eq!(
        types(&warcio_index(&path)),
        ["warcinfo", "resource", "metadata", "revisit", "metadata"]
    );
    let records = read_records(&path);
    assert!(by_payload(&records, &b).is_empty());
    assert_eq!(by_payload(&records, &a).len(), 2);

    let both = export(&env, "ab.warc", &[&a, &b[..8]]);
    assert_eq!(both["captures"], 3, "{both:#}");
    let run = env.run(&["export", "--warc", "none.warc", "00000000"]).code(2);
    run.one_line_error();
    assert!(!env.path("none.warc").exists());
}

#[test]
fn warc_export_refuses_to_overwrite_a_file_and_leaves_nothing_behind() {
    let env = Env::new();
    env.write("a.txt", "a document\n");
    env.add(&["a.txt"]);
    let existing = env.write("out/taken.warc.gz", "not a WARC, but mine");
    let run = env.run(&["export", "--warc", "out/taken.warc.gz"]).code(2);
    let err = run.one_line_error();
    assert!(err.contains("out/taken.warc.gz"), "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"not a WARC, but mine");
    let run = env.run(&["export", "--warc", "missing-dir/x.warc"]).code(2);
    assert!(run.one_line_error().contains("missing-dir"), "{}", run.stderr);

    export(&env, "out/new.warc.gz", &[]);
    let mut names: Vec<String> = std::fs::read_dir(env.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["new.warc.gz", "taken.warc.gz"], "no temporary file left");
}

#[test]
fn warc_export_refuses_a_blob_that_no_longer_matches_the_log() {
    let env = Env::new();
    env.write("a.txt", "the original words\n");
    let id = env.add(&["a.txt"]).remove(0);
    let blob = env.blob(&id);
    make_writable(&blob);
    std::fs::write(&blob, "the altered words!\n").unwrap();
    for name in ["bad.warc.gz", "bad.warc"] {
        let run = env.run(&["export", "--warc", name]).code(2);
        let err = run.one_line_error();
        assert!(err.contains(&id) && err.contains("content changed"), "{err}");
        assert!(!env.path(name).exists(), "{name} was written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".warc"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn warc_export_twice_gives_the_same_bytes() {
    let server = pages_server();
    let env = Env::new();
    mixed_archive(&env, &server);
    for name in ["same.warc.gz", "same.warc"] {
        export(&env, name, &[]);
        let first = std::fs::read(env.path(name)).unwrap();
        std::fs::remove_file(env.path(name)).unwrap();
        export(&env, name, &[]);
        assert!(std::fs::read(env.path(name)).unwrap() == first, "{name} differs");
    }
}

#[test]
fn warc_analyses_added_later_refer_to_their_capture() {
    let env = Env::new();
    copy_tree(&fixture("archive-before-sources"), &env.archive());
    make_writable(&env.archive());
    let before = env.log_lines().len();
    env.run(&["reanalyze"]).ok();
    let later = env.log_lines().len() - before;
    assert!(later > 0);
    export(&env, "late.warc.gz", &[]);
    let path = env.path("late.warc.gz");
    warcio_check(&path);
    let records = read_records(&path);
    assert_digests(&records);
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["warcinfo", "resource", "metadata", "metadata"]);
    let (resource, late) = (&records[1], &records[3]);
    assert_eq!(late.header("WARC-Refers-To"), Some(resource.id()));
    assert_eq!(late.header("WARC-Concurrent-To"), None);
    let lines = late.json["log"].as_array().unwrap();
    assert_eq!(lines.len(), later, "{:#}", late.json);
    assert_eq!(late.json["capture"], Value::Null);
    assert_eq!(late.json["capture_entry"], 1);
    let log = env.log_lines();
    assert_eq!(lines[0]["line"].as_str().unwrap(), log[before]);
    // The analysis time, not the capture's: this record was made later.
    let entry: Value = serde_json::from_str(&log[before]).unwrap();
    assert_eq!(late.header("WARC-Date"), entry["time"].as_str());
    let citations = late.json["citations"].as_array().unwrap();
    assert_eq!(citations.len(), 1, "{:#}", late.json);
    assert!(!citations[0]["result"]["people"].as_array().unwrap().is_empty());
}

/// `wayback` serving one collection on 127.0.0.1, killed when dropped.
struct Wayback {
    child: Child,
    port: u16,
}

impl Drop for Wayback {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_wayback(dir: &Path) -> Wayback {
    let port = free_port();
    let log = dir.join("wayback.log");
    let child = Command::new(venv_tool("wayback"))
        .args(["-p", &port.to_string(), "-b", "127.0.0.1"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut wayback = Wayback { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = wayback.child.try_wait() {
            break;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && http_get(port, "/").0 == 200 {
            return wayback;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(wayback);
    panic!(
        "wayback did not start:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// A GET over a plain socket, so that nothing between pywb and the test
/// decodes or re-encodes the body: (status, headers, body).
fn http_get(port: u16, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, Vec::new(), Vec::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // As a browser asks: pywb decodes a gzip body for a client that
    // does not accept gzip.
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    if s.read_to_end(&mut all).is_err() {
        return (0, Vec::new(), Vec::new());
    }
    let Some(end) = all.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (0, Vec::new(), Vec::new());
    };
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = all[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// `2026-11-28T04:27:39.989Z` as pywb's 14 digits.
fn timestamp14(warc_date: &str) -> String {
    warc_date[..19].chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn warc_export_replays_in_pywb_byte_for_byte() {
    let server = pages_server();
    let env = Env::new();
    let mut urls: Vec<(String, Vec<u8>)> = vec![
        (server.url("/page.html"), PAGE.to_vec()),
        (server.url("/gzip.html"), gzip(GZIPPED_PAGE)),
        (server.url("/chunked.txt"), CHUNKED_BODY.to_vec()),
    ];
    for (url, _) in &urls {
        add_url(&env, url);
    }
    // Captured again a second later with the same bytes: a revisit, which
    // pywb resolves to the first capture's payload.
    std::thread::sleep(Duration::from_millis(1100));
    add_url(&env, &urls[0].0);
    urls.push(urls[0].clone());
    let summary = export(&env, "replay.warc.gz", &[]);
    assert_eq!(summary["revisits"], 1);

    let dir = env.path("pywb");
    std::fs::create_dir(&dir).unwrap();
    let manager = |args: &[&str]| {
        let out = Command::new(venv_tool("wb-manager"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "wb-manager {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    manager(&["init", "coll"]);
    let warc: PathBuf = env.path("replay.warc.gz");
    manager(&["add", "coll", warc.to_str().unwrap()]);

    let records = read_records(&warc);
    let dates: Vec<String> = records
        .iter()
        .filter(|r| r.kind == "response" || r.kind == "revisit")
        .map(|r| timestamp14(r.header("WARC-Date").unwrap()))
        .collect();
    assert_eq!(dates.len(), urls.len());
    assert_ne!(dates[0], dates[3], "the revisit has a timestamp of its own");

    let wayback = start_wayback(&dir);
    for ((url, body), ts) in urls.iter().zip(&dates) {
        let (status, headers, got) = http_get(wayback.port, &format!("/coll/{ts}id_/{url}"));
        assert_eq!(status, 200, "{ts} {url}: {headers:?}");
        assert!(
            got == *body,
            "{ts} {url}: pywb replayed {} bytes that differ from the {} captured:\n{}",
            got.len(),
            body.len(),
            String::from_utf8_lossy(&got)
        );
        let memento = headers.iter().find(|(n, _)| n == "memento-datetime");
        assert!(memento.is_some(), "{ts} {url}: not a memento: {headers:?}");
        if url.ends_with("/gzip.html") {
            assert!(
                headers
                    .iter()
                    .any(|(n, v)| n == "content-encoding" && v == "gzip"),
                "{headers:?}"
            );
        }
    }
}
