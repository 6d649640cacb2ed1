use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::harness::*;

#[test]
fn add_then_cat_is_byte_identical_and_id_is_sha256sum() {
    let env = Env::new();
    let src = fixture("op-ed-regime-change.txt");
    let ids = env.add(&[src.to_str().unwrap()]);
    assert_eq!(ids, vec![sha256sum(&src)]);
    let cat = env.run(&["cat", &ids[0]]).ok();
    assert_eq!(cat.stdout, std::fs::read(&src).unwrap());
}

#[test]
fn blob_is_stored_read_only_under_its_hash() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    let id = &env.add(&["a.txt"])[0];
    let blob = env.blob(id);
    assert_eq!(sha256sum(&blob), *id);
    assert!(std::fs::metadata(&blob).unwrap().permissions().readonly());
}

#[test]
fn stdin_is_archived_as_a_stdin_capture() {
    let env = Env::new();
    let bytes = b"from a pipe\n";
    let run = env.run_stdin(&["add", "-"], bytes).ok();
    let id = &ids(&run)[0];
    assert_eq!(*id, sha_hex(bytes));
    let show = env.run(&["show", id, "--json"]).ok().json();
    assert_eq!(show["captures"][0]["source"]["type"], "stdin");
    assert_eq!(env.run(&["cat", id]).ok().stdout, bytes);
}

#[test]
fn readding_identical_bytes_keeps_one_blob_and_records_a_new_capture() {
    let env = Env::new();
    env.write("a.txt", "same bytes\n");
    env.write("b.txt", "same bytes\n");
    let first = env.run(&["add", "a.txt", "--json"]).ok().json();
    let second = env.run(&["add", "b.txt", "--json"]).ok().json();
    assert_eq!(first["added"][0]["new"], true);
    assert_eq!(second["added"][0]["new"], false);
    let id = first["added"][0]["id"].as_str().unwrap();
    assert_eq!(second["added"][0]["id"], id);
    let show = env.run(&["show", id, "--json"]).ok().json();
    let sources: Vec<_> = show["captures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"]["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sources, ["a.txt", "b.txt"]);
    let blobs = walk_files(&env.path("archive/blobs"));
    assert_eq!(
        blobs.len(),
        2,
        "the document and its sources result, once each: {blobs:?}"
    );
    assert_eq!(env.verify().0, 0);
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn capture_records_source_time_tool_and_user_metadata() {
    let env = Env::new();
    env.write("docs/op-ed.txt", "An op-ed.\n");
    let run = env
        .run(&[
            "add",
            "docs/op-ed.txt",
            "--title",
            "An op-ed",
            "--note",
            "seen on a forum",
            "--meta",
            "case=42",
            "--meta",
            "by=desk",
        ])
        .ok();
    let id = &ids(&run)[0];
    let c = &env.run(&["show", id, "--json"]).ok().json()["captures"][0];
    assert_eq!(c["kind"], "capture");
    assert_eq!(c["sha256"], id.as_str());
    assert_eq!(c["size"], 10);
    assert_eq!(c["media_type"], "text/plain");
    assert_eq!(c["source"]["type"], "file");
    assert_eq!(c["source"]["path"], "docs/op-ed.txt");
    let abs = c["source"]["absolute_path"].as_str().unwrap();
    assert!(abs.starts_with('/') && abs.ends_with("docs/op-ed.txt"), "{abs}");
    assert_eq!(c["source"]["size"], 10);
    assert!(c["source"]["modified"].is_string());
    let retrieved = c["retrieved"].as_str().unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(retrieved).unwrap();
    assert_eq!(t.offset().local_minus_utc(), 0);
    assert!(
        retrieved.ends_with('Z') && retrieved.contains('.'),
        "millisecond UTC: {retrieved}"
    );
    assert_eq!(c["tool"]["name"], "provenance");
    assert_eq!(c["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(c["title"], "An op-ed");
    assert_eq!(c["note"], "seen on a forum");
    assert_eq!(c["meta"], serde_json::json!({"by": "desk", "case": "42"}));
}

#[test]
fn analysis_is_a_separate_entry_pointing_at_its_capture() {
    let env = Env::new();
    env.write("a.txt", "text\n");
    let id = &env.add(&["a.txt"])[0];
    let show = env.run(&["show", id, "--json"]).ok().json();
    let capture_seq = &show["captures"][0]["seq"];
    let a = &show["analyses"][0];
    assert_eq!(a["kind"], "analysis");
    assert_eq!(&a["capture"], capture_seq);
    assert_eq!(a["analyser"]["name"], "provenance-text");
    assert_eq!(a["text"]["status"], "extracted");
}

#[test]
fn log_entries_form_a_chain_of_sha256_links() {
    let env = Env::new();
    env.write("a.txt", "a\n");
    env.write("b.txt", "b\n");
    env.add(&["a.txt", "b.txt"]);
    let lines = env.log_lines();
    assert_eq!(
        lines.len(),
        7,
        "init + 2 x (capture, text analysis, sources analysis)"
    );
    for (i, pair) in lines.windows(2).enumerate() {
        let next: serde_json::Value = serde_json::from_str(&pair[1]).unwrap();
        assert_eq!(next["seq"], i as u64 + 1);
        assert_eq!(next["prev"], sha_hex(pair[0].as_bytes()));
    }
}

#[test]
fn text_of_utf8_is_the_bytes_and_utf16_is_decoded() {
    let env = Env::new();
    env.write("u8.txt", "café — naïve\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "café\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    env.write("u16.txt", &utf16);
    env.write("bom8.txt", "\u{feff}bom\n");
    let ids = env.add(&["u8.txt", "u16.txt", "bom8.txt"]);
    assert_eq!(env.run(&["text", &ids[0]]).ok().out(), "café — naïve\n");
    assert_eq!(env.run(&["text", &ids[1]]).ok().out(), "café\n");
    assert_eq!(env.run(&["text", &ids[2]]).ok().out(), "bom\n");
    let show = env.run(&["show", &ids[1], "--json"]).ok().json();
    assert_eq!(show["text"]["encoding"], "UTF-16LE");
    assert_eq!(env.verify().0, 0, "the decoded text blob is referenced");
}

#[test]
fn from_list_skips_blank_lines_and_comments() {
    let env = Env::new();
    env.write("a.txt", "a\n");
    env.write("b c.txt", "b\n");
    env.write("list.txt", "# to archive\na.txt\n\n  \nb c.txt\r\n");
    let run = env.run(&["add", "--from", "list.txt"]).ok();
    assert_eq!(ids(&run).len(), 2);
    assert_eq!(
        env.run(&["list", "--json"]).ok().json().as_array().unwrap().len(),
        2
    );
}

#[test]
fn id_prefix_of_eight_digits_resolves_and_ambiguous_one_lists_candidates() {
    let env = Env::new();
    let (a, b) = two_texts_sharing_an_8_digit_prefix();
    env.write("a.txt", &a);
    env.write("b.txt", &b);
    let ids = env.add(&["a.txt", "b.txt"]);
    assert_eq!(env.run(&["cat", &ids[0][..9]]).ok().out(), a);
    assert_eq!(env.run(&["cat", &ids[1].to_uppercase()[..10]]).ok().out(), b);
    let run = env.run(&["show", &ids[0][..8]]).code(2);
    let err = run.one_line_error();
    assert!(
        err.contains("ambiguous") && err.contains(&ids[0]) && err.contains(&ids[1]),
        "{err}"
    );
}

/// Two short texts whose SHA-256 share the first 8 hex digits (a birthday
/// search over 32 bits: about 2^16 tries).
fn two_texts_sharing_an_8_digit_prefix() -> (String, String) {
    let mut seen: HashMap<[u8; 4], u32> = HashMap::new();
    for i in 0u32.. {
        let text = format!("document {i}\n");
        let d = Sha256::digest(text.as_bytes());
        let key = [d[0], d[1], d[2], d[3]];
        if let Some(j) = seen.insert(key, i) {
            return (format!("document {j}\n"), text);
        }
    }
    unreachable!()
}

#[test]
fn archive_location_comes_from_flag_then_environment_then_default() {
    let env = Env::new();
    env.write("a.txt", "a\n");
    let run = env.run(&["--archive", "elsewhere", "add", "a.txt"]).ok();
    assert!(run.stderr.contains("created a new archive"), "{}", run.stderr);
    assert!(env.path("elsewhere/provenance.json").exists());
    let by_env = env
        .cmd(&["list", "--json"])
        .env("PROVENANCE_ARCHIVE", "elsewhere")
        .output()
        .unwrap();
    assert!(by_env.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&by_env.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!env.archive().exists());
    env.add(&["a.txt"]);
    assert!(env.path("archive/provenance.json").exists());
}

#[test]
fn init_creates_an_archive_once() {
    let env = Env::new();
    env.run(&["init", "vault"]).ok();
    assert_eq!(env.run(&["--archive", "vault", "verify"]).ok().code, 0);
    let again = env.run(&["init", "vault"]).code(2);
    assert!(again.one_line_error().contains("already a provenance archive"));
}

#[test]
fn list_shows_every_capture_in_order() {
    let env = Env::new();
    env.write("a.txt", "a\n");
    env.write("b.txt", "b\n");
    let ids = env.add(&["a.txt", "b.txt"]);
    env.add(&["a.txt"]);
    let listed = env.run(&["list", "--json"]).ok().json();
    let got: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(got, [&ids[0], &ids[1], &ids[0]]);
    let human = env.run(&["list"]).ok().out();
    assert_eq!(human.lines().count(), 4, "header and three rows:\n{human}");
    assert!(human.lines().nth(1).unwrap().starts_with(&ids[0][..12]));
}

#[test]
fn closed_pipe_ends_output_quietly() {
    let env = Env::new();
    env.write("big.txt", "line of text\n".repeat(200_000));
    let id = &env.add(&["big.txt"])[0];
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{BIN}' cat {id} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\""
        ))
        .current_dir(env.root())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "exit status of provenance"
    );
}

/// The log with what differs from run to run taken out: the times, the
/// links they change, and the init entry's random archive ID.
fn entries_apart_from_times(log: &Path) -> Vec<Value> {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["time", "prev", "retrieved"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            strip(&mut v);
            v
        })
        .collect()
}

#[test]
fn add_from_a_list_gives_the_same_log_and_ids_in_input_order_whatever_the_threads() {
    let env = Env::new();
    let mut list = String::new();
    for i in 0..50 {
        let rel = format!("docs/{i:02}.txt");
        // Every tenth file repeats an earlier one: `new` must not depend
        // on which thread finished first.
        let n = if i % 10 == 9 { i - 5 } else { i };
        let text = format!(
            "Report {n}. \"We will not stop,\" said Maria Lopez{n}, a minister, to Reuters.\n\n\
             The New York Times reported on Tuesday that talks had stalled.\n"
        );
        env.write(&rel, text.repeat(1 + n % 4));
        list.push_str(&rel);
        list.push('\n');
    }
    env.write("list.txt", &list);
    let mut logs = Vec::new();
    let mut reports = Vec::new();
    for threads in ["1", "2", "5"] {
        let archive = format!("archive-{threads}");
        let run = env
            .cmd(&["--archive", &archive, "--json", "add", "--from", "list.txt"])
            .env("PROVENANCE_ANALYSIS_THREADS", threads)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let report: Value = serde_json::from_slice(&run.stdout).unwrap();
        reports.push((report["added"].clone(), report["failed"].clone()));
        logs.push(entries_apart_from_times(&env.path(&archive).join("log.jsonl")));
    }
    let paths: Vec<PathBuf> = list.lines().map(|l| env.path(l)).collect();
    let ids: Vec<Value> = reports[0]
        .0
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(
        ids,
        sha256sums(&paths)
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>()
    );
    assert_eq!(logs[0].len(), 150, "a capture and two analyses per file");
    for i in 1..logs.len() {
        assert_eq!(reports[i], reports[0], "the report of run {i}");
        assert_eq!(logs[i], logs[0], "the log of run {i}");
    }
}
