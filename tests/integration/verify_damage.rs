//! `verify` against real damage: each test builds an archive with the real
//! binary, damages its files the way a disk, a careless hand or a forger
//! would, and checks that `verify --json` names exactly what was damaged,
//! that the human report says so in a line, and the exit status. Then
//! `verify --repair`, which may remove only what an interrupted command
//! left, and `verify FILE`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::*;

/// One archived document.
struct Doc {
    rel: &'static str,
    id: String,
    bytes: &'static [u8],
    title: String,
    /// Its capture entry's seq; its two analysis entries (text, then
    /// sources) follow it.
    capture: u64,
}

/// The documents every test archives, one `add` each, so the log is:
/// 0 init, 1-3 the first document (capture, text analysis, sources
/// analysis), 4-6 the second, 7-9 the third.
const DOCS: [(&str, &[u8]); 3] = [
    ("docs/first.txt", b"The first document, plain UTF-8 text.\n"),
    ("docs/second.txt", b"The second document: it names a source.\n"),
    ("docs/third.txt", b"The third and last document.\n"),
];

/// Entries one `add` of one document appends.
const PER_DOC: u64 = 3;

/// The entry count after the three documents.
const ENTRIES: u64 = 1 + 3 * PER_DOC;

/// An archive holding [`DOCS`], each captured with a title ("Report 1"...)
/// for the tests to forge.
struct Archived {
    env: Env,
    docs: Vec<Doc>,
}

fn archived() -> Archived {
    let env = Env::new();
    let docs = DOCS
        .iter()
        .enumerate()
        .map(|(i, &(rel, bytes))| {
            env.write(rel, bytes);
            let title = format!("Report {}", i + 1);
            let ids = env.add(&["--title", &title, rel]);
            assert_eq!(ids.len(), 1, "one document added");
            Doc {
                rel,
                id: ids[0].clone(),
                bytes,
                title,
                capture: PER_DOC * i as u64 + 1,
            }
        })
        .collect();
    let archived = Archived { env, docs };
    assert_verify(&archived.env, &[]);
    archived
}

impl Archived {
    /// The second document: the one in the middle of the log.
    fn middle(&self) -> &Doc {
        &self.docs[1]
    }

    /// Every document is still listed and `cat` still returns its bytes.
    fn assert_documents_intact(&self) {
        let ids: Vec<String> = self.docs.iter().map(|d| d.id.clone()).collect();
        assert_eq!(self.env.list_ids(), ids, "list --json");
        for doc in &self.docs {
            self.env.assert_cat(&doc.id, doc.bytes);
        }
    }
}

// ---------------------------------------------------------------------
// Expected findings and the check of both reports.

const WARNINGS: [&str; 3] = ["blob_unreferenced", "stray_file", "temp_leftover"];

/// A finding `verify --json` must report: its problem and the entry or
/// blob it names.
#[derive(Debug)]
struct Expected {
    problem: &'static str,
    entry: Option<u64>,
    blob: Option<String>,
    /// What the human line says, where it is not "entry N" or the blob.
    says: Option<String>,
}

type Key = (String, Option<u64>, Option<String>);

fn finding(problem: &'static str) -> Expected {
    Expected {
        problem,
        entry: None,
        blob: None,
        says: None,
    }
}

impl Expected {
    fn entry(mut self, seq: u64) -> Expected {
        self.entry = Some(seq);
        self
    }

    fn blob(mut self, id: &str) -> Expected {
        self.blob = Some(id.to_string());
        self
    }

    fn says(mut self, text: impl Into<String>) -> Expected {
        self.says = Some(text.into());
        self
    }

    fn is_error(&self) -> bool {
        !WARNINGS.contains(&self.problem)
    }

    fn key(&self) -> Key {
        (self.problem.to_string(), self.entry, self.blob.clone())
    }

    /// What the finding's human line must contain.
    fn needles(&self) -> Vec<String> {
        if let Some(says) = &self.says {
            return vec![says.clone()];
        }
        let mut needles: Vec<String> = self.entry.map(|n| format!("entry {n}")).into_iter().collect();
        needles.extend(self.blob.clone());
        assert!(!needles.is_empty(), "{self:?} names nothing: give it says()");
        needles
    }
}

fn key_of(f: &Value) -> Key {
    (
        f["problem"].as_str().unwrap().to_string(),
        f["entry"].as_u64(),
        f["blob"].as_str().map(String::from),
    )
}

/// Runs `verify --json` and `verify` and checks that both report exactly
/// `expected` (in any order), with the right severities and exit status.
/// Returns the JSON report.
fn assert_verify(env: &Env, expected: &[Expected]) -> Value {
    let errors = expected.iter().filter(|e| e.is_error()).count();
    let code = i32::from(errors > 0);
    let (status, report) = env.verify();
    let found = report["findings"].as_array().unwrap();
    let mut actual: Vec<Key> = found.iter().map(key_of).collect();
    let mut wanted: Vec<Key> = expected.iter().map(Expected::key).collect();
    actual.sort();
    wanted.sort();
    assert_eq!(actual, wanted, "findings of verify --json:\n{report:#}");
    assert_eq!(status, code, "exit status of verify --json:\n{report:#}");
    assert_eq!(report["ok"], errors == 0, "ok:\n{report:#}");
    for f in found {
        let warning = WARNINGS.contains(&f["problem"].as_str().unwrap());
        let severity = if warning { "warning" } else { "error" };
        assert_eq!(f["severity"], severity, "severity of {f}");
    }

    let human = env.run(&["verify"]).code(code);
    let out = human.out();
    for e in expected {
        let level = if e.is_error() { "error: " } else { "warning: " };
        let needles = e.needles();
        assert!(
            out.lines()
                .any(|l| l.starts_with(level) && needles.iter().all(|n| l.contains(n.as_str()))),
            "no {level}line naming {needles:?} for {}:\n{out}",
            e.problem
        );
    }
    let findings = out
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("warning: "));
    assert_eq!(findings.count(), expected.len(), "one line a finding:\n{out}");
    let summary = out.lines().last().unwrap_or_default();
    let verdict = if errors > 0 {
        format!("FAILED: {errors} error")
    } else {
        "ok: verified".to_string()
    };
    assert!(summary.starts_with(&verdict), "summary line:\n{out}");
    report
}

// ---------------------------------------------------------------------
// Damage.

/// Rewrites the log's lines.
fn edit_log(env: &Env, edit: impl FnOnce(&mut Vec<String>)) {
    let mut lines = env.log_lines();
    edit(&mut lines);
    env.write_log_lines(&lines);
}

/// Replaces `from` with `to` in the line of entry `seq`, once.
fn edit_entry(env: &Env, seq: u64, from: &str, to: &str) {
    edit_log(env, |lines| {
        let line = &mut lines[seq as usize];
        assert!(
            line.contains(&format!("\"seq\":{seq},")),
            "line {seq} is entry {seq}: {line}"
        );
        assert!(line.contains(from), "entry {seq} holds {from:?}: {line}");
        *line = line.replacen(from, to, 1);
    });
}

/// Forges the title in a document's capture entry.
fn retitle(env: &Env, doc: &Doc, new_title: &str) {
    let title = |t: &str| format!("\"title\":\"{t}\"");
    edit_entry(env, doc.capture, &title(&doc.title), &title(new_title));
}

/// Appends bytes to the log as they are, as an interrupted write leaves
/// them.
fn append_to_log(env: &Env, bytes: &[u8]) {
    let mut log = fs::OpenOptions::new().append(true).open(env.log()).unwrap();
    log.write_all(bytes).unwrap();
}

/// The first half of the last line, without a newline.
fn half_of_last_line(env: &Env) -> Vec<u8> {
    let last = env.log_lines().pop().unwrap();
    last.as_bytes()[..last.len() / 2].to_vec()
}

fn head_path(env: &Env) -> PathBuf {
    env.path("archive/head.json")
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn repair(env: &Env) -> Run {
    env.run(&["verify", "--repair"])
}

/// `verify --repair` refuses, in one line, and changes neither the log
/// nor the head.
fn assert_repair_refuses(env: &Env) -> String {
    let log = read(&env.log());
    let head = fs::read(head_path(env)).ok();
    let run = repair(env).code(2);
    let err = run.one_line_error().to_string();
    assert!(err.contains("cannot repair"), "{err}");
    assert_eq!(read(&env.log()), log, "repair changed the log");
    assert_eq!(fs::read(head_path(env)).ok(), head, "repair changed the head");
    err
}

// ---------------------------------------------------------------------
// Blobs.

#[test]
fn verify_reports_flipped_bit_in_blob() {
    let a = archived();
    let doc = a.middle();
    let blob = a.env.blob(&doc.id);
    make_writable(&blob);
    let mut bytes = read(&blob);
    bytes[7] ^= 0x04;
    fs::write(&blob, bytes).unwrap();
    assert_verify(&a.env, &[finding("blob_changed").blob(&doc.id)]);
}

#[test]
fn verify_reports_deleted_blob_and_the_entry_citing_it() {
    let a = archived();
    let doc = a.middle();
    fs::remove_file(a.env.blob(&doc.id)).unwrap();
    assert_verify(
        &a.env,
        &[finding("blob_missing").blob(&doc.id).entry(doc.capture)],
    );
}

#[test]
fn verify_reports_missing_text_blob_naming_the_analysis() {
    let a = archived();
    // A byte order mark: the text is stored as a blob of its own.
    a.env
        .write("docs/marked.txt", "\u{feff}Text after a byte order mark.\n");
    a.env.add(&["docs/marked.txt"]);
    let analysis = ENTRIES + 1;
    let line: Value = serde_json::from_str(&a.env.log_lines()[analysis as usize]).unwrap();
    let text = line["text"]["sha256"].as_str().unwrap().to_string();
    assert_ne!(
        text,
        line["sha256"].as_str().unwrap(),
        "the text has a blob of its own: {line}"
    );
    fs::remove_file(a.env.blob(&text)).unwrap();
    assert_verify(&a.env, &[finding("blob_missing").blob(&text).entry(analysis)]);
}

#[test]
fn verify_warns_of_valid_blob_no_entry_references() {
    let a = archived();
    let loose = a.env.write("loose.txt", "Bytes that no entry mentions.\n");
    let id = sha256sum(&loose);
    let blob = a.env.blob(&id);
    fs::create_dir_all(blob.parent().unwrap()).unwrap();
    fs::copy(&loose, &blob).unwrap();
    assert_verify(&a.env, &[finding("blob_unreferenced").blob(&id)]);
}

#[test]
fn verify_warns_of_file_in_store_not_named_like_a_blob() {
    let a = archived();
    let id = &a.middle().id;
    let stray = a.env.blob(id).with_file_name("notes.txt");
    fs::write(&stray, "not a blob").unwrap();
    assert_verify(&a.env, &[finding("stray_file").says("notes.txt")]);
}

// ---------------------------------------------------------------------
// Entries.

#[test]
fn verify_reports_edited_middle_entry_by_seq() {
    let a = archived();
    let doc = a.middle();
    retitle(&a.env, doc, "Report 9");
    assert_verify(&a.env, &[finding("entry_changed").entry(doc.capture)]);
}

#[test]
fn verify_reports_shortened_middle_entry_only_as_changed() {
    let a = archived();
    let doc = a.middle();
    retitle(&a.env, doc, "Report");
    assert_verify(&a.env, &[finding("entry_changed").entry(doc.capture)]);
}

#[test]
fn verify_reports_lengthened_middle_entry_only_as_changed() {
    let a = archived();
    let doc = a.middle();
    retitle(&a.env, doc, "Report 2, revised");
    assert_verify(&a.env, &[finding("entry_changed").entry(doc.capture)]);
}

#[test]
fn verify_reports_edited_last_entry_witnessed_by_head() {
    let a = archived();
    let last = ENTRIES - 1;
    edit_entry(&a.env, last, "\"outlets\":0", "\"outlets\":9");
    let report = assert_verify(&a.env, &[finding("entry_changed").entry(last)]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("head"), "the head is the witness: {message}");
}

#[test]
fn verify_reports_deleted_middle_entry_as_sequence_gap() {
    let a = archived();
    // The middle document's analysis: its capture still cites the blob.
    let deleted = a.middle().capture + 1;
    edit_log(&a.env, |lines| {
        lines.remove(deleted as usize);
    });
    assert_verify(
        &a.env,
        &[
            finding("entry_sequence").entry(deleted + 1),
            finding("log_shortened").says("entries were deleted"),
        ],
    );
}

#[test]
fn verify_reports_swapped_entries_as_out_of_sequence() {
    let a = archived();
    // The first document's analysis and the second's capture: every
    // analysis still follows its capture.
    let (first, second) = (2, 3);
    edit_log(&a.env, |lines| lines.swap(first, second));
    assert_verify(
        &a.env,
        &[
            finding("entry_sequence").entry(second as u64),
            finding("entry_sequence").entry(first as u64),
            finding("entry_sequence").entry(second as u64 + 1),
        ],
    );
}

#[test]
fn verify_reports_duplicated_entry_as_out_of_sequence() {
    let a = archived();
    let dup = a.middle().capture as usize;
    edit_log(&a.env, |lines| {
        let copy = lines[dup].clone();
        lines.insert(dup + 1, copy);
    });
    assert_verify(&a.env, &[finding("entry_sequence").entry(dup as u64)]);
}

#[test]
fn verify_reports_deleted_last_entry_as_rollback() {
    let a = archived();
    edit_log(&a.env, |lines| {
        lines.pop();
    });
    assert_verify(
        &a.env,
        &[finding("log_shortened").says(format!(
            "entry {}, the last the head records, is not in the log",
            ENTRIES - 1
        ))],
    );
}

#[test]
fn verify_reports_garbage_line_as_malformed() {
    let a = archived();
    // The middle document's analysis, overwritten with junk of its length.
    let seq = a.middle().capture + 1;
    edit_log(&a.env, |lines| {
        let line = &mut lines[seq as usize];
        *line = "#".repeat(line.len());
    });
    assert_verify(
        &a.env,
        &[
            finding("entry_malformed").says(format!("line {}: not a log entry", seq + 1)),
            finding("entry_changed").entry(seq),
        ],
    );
}

#[test]
fn verify_reports_deleted_head() {
    let a = archived();
    fs::remove_file(head_path(&a.env)).unwrap();
    assert_verify(&a.env, &[finding("head_invalid").says("head.json")]);
    assert_repair_refuses(&a.env);
}

// ---------------------------------------------------------------------
// Unfinished writes, and repair.

#[test]
fn verify_reports_torn_last_line_and_repair_removes_it() {
    let a = archived();
    let intact = read(&a.env.log());
    append_to_log(&a.env, &half_of_last_line(&a.env));
    assert_verify(&a.env, &[finding("torn_line").says("unfinished line")]);

    let out = repair(&a.env).ok().out();
    assert!(
        out.contains("repaired: removed the log's unfinished tail"),
        "{out}"
    );
    assert_eq!(read(&a.env.log()), intact, "repair cut exactly the torn line");
    assert_verify(&a.env, &[]);
    a.assert_documents_intact();
}

#[test]
fn verify_reports_unacknowledged_entries_and_repair_removes_them() {
    let a = archived();
    let head = read(&head_path(&a.env));
    let log_len = read(&a.env.log()).len();
    a.env
        .write("docs/fourth.txt", "Added, but the head never moved.\n");
    let fourth = a.env.add(&["docs/fourth.txt"]).remove(0);
    fs::write(head_path(&a.env), &head).unwrap();
    let tail_bytes = read(&a.env.log()).len() - log_len;

    assert_verify(
        &a.env,
        &[finding("unfinished_tail")
            .entry(ENTRIES)
            .says(format!("entries {ENTRIES} to {}", ENTRIES + PER_DOC - 1))],
    );
    // Not acknowledged, so not archived, and no more adding until repaired.
    a.env.run(&["verify", "docs/fourth.txt"]).code(1);
    let refused = a.env.run(&["add", "docs/fourth.txt"]).code(2);
    assert!(
        refused.one_line_error().contains("verify --repair"),
        "{}",
        refused.stderr
    );

    let repaired = a.env.run(&["verify", "--repair", "--json"]).ok().json();
    assert_eq!(
        repaired["repair"]["log_bytes_removed"], tail_bytes as u64,
        "{repaired:#}"
    );
    assert_eq!(repaired["repair"]["entries_removed"], PER_DOC, "{repaired:#}");
    assert_eq!(read(&a.env.log()).len(), log_len, "log cut back to the head");
    // The unacknowledged document's blob stays, now cited by no entry.
    assert_verify(&a.env, &[finding("blob_unreferenced").blob(&fourth)]);
    a.assert_documents_intact();
    a.env.add(&["docs/fourth.txt"]);
    assert_verify(&a.env, &[]);
}

#[test]
fn verify_warns_of_temp_leftover_and_repair_removes_it() {
    let a = archived();
    let tmp = a.env.write("archive/tmp/blob-leftover", "half a blob");
    assert_verify(&a.env, &[finding("temp_leftover").says("blob-leftover")]);

    let out = repair(&a.env).ok().out();
    assert!(
        out.contains("repaired: removed temporary file") && out.contains("blob-leftover"),
        "{out}"
    );
    assert!(!tmp.exists(), "temp file still there");
    assert_verify(&a.env, &[]);
}

#[test]
fn repair_with_nothing_to_do_says_so() {
    let a = archived();
    let log = read(&a.env.log());
    let out = repair(&a.env).ok().out();
    assert!(out.contains("repair: nothing to repair"), "{out}");
    assert_eq!(read(&a.env.log()), log);
}

#[test]
fn repair_refuses_edited_middle_entry_and_changes_nothing() {
    let a = archived();
    retitle(&a.env, a.middle(), "Report 9");
    let err = assert_repair_refuses(&a.env);
    assert!(err.contains(&format!("entry {}", a.middle().capture)), "{err}");
}

#[test]
fn repair_refuses_edited_entry_even_with_torn_tail_and_keeps_the_tail() {
    let a = archived();
    retitle(&a.env, a.middle(), "Report 9");
    append_to_log(&a.env, &half_of_last_line(&a.env));
    assert_repair_refuses(&a.env);
    assert_verify(
        &a.env,
        &[
            finding("entry_changed").entry(a.middle().capture),
            finding("torn_line").says("unfinished line"),
        ],
    );
}

#[test]
fn verify_without_archive_exits_2() {
    let env = Env::new();
    let run = env.run(&["verify"]).code(2);
    run.one_line_error();
}

// ---------------------------------------------------------------------
// verify FILE.

#[test]
fn verify_file_lists_every_capture_of_archived_bytes() {
    let a = archived();
    let doc = a.middle();
    a.env.write("copies/second.txt", doc.bytes);
    a.env.add(&["copies/second.txt"]);
    let copy_capture = ENTRIES;

    let out = a.env.run(&["verify", doc.rel]).ok().out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with(&format!("ARCHIVED  {}  {}", doc.rel, doc.id)),
        "{out}"
    );
    assert!(lines[0].ends_with("captured 2 times"), "{out}");
    assert!(
        lines[1].contains(&format!("entry {}  {}", doc.capture, doc.rel)),
        "{out}"
    );
    assert!(
        lines[2].contains(&format!("entry {copy_capture}  copies/second.txt")),
        "{out}"
    );

    let json = a.env.run(&["verify", "--json", doc.rel]).ok().json();
    let check = &json[0];
    assert_eq!(json.as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(check["file"], doc.rel);
    assert_eq!(check["sha256"], doc.id.as_str());
    assert_eq!(check["archived"], true);
    let captures: Vec<(u64, &str)> = check["captures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["entry"].as_u64().unwrap(),
                c["source"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        captures,
        [(doc.capture, doc.rel), (copy_capture, "copies/second.txt")]
    );
    assert!(check["captures"][0]["retrieved"].is_string(), "{json:#}");
}

#[test]
fn verify_file_says_missing_for_bytes_not_archived() {
    let a = archived();
    let other = a.env.write("other.txt", "Never archived.\n");
    let doc = a.middle();
    let run = a.env.run(&["verify", doc.rel, "other.txt"]).code(1);
    let out = run.out();
    assert!(out.contains(&format!("ARCHIVED  {}", doc.rel)), "{out}");
    let missing = format!("MISSING   other.txt  {}  not in the archive", sha256sum(&other));
    assert!(out.lines().any(|l| l == missing), "{out}");

    let json = a.env.run(&["verify", "--json", "other.txt"]).code(1).json();
    assert_eq!(json[0]["file"], "other.txt");
    assert_eq!(json[0]["sha256"], sha256sum(&other).as_str());
    assert_eq!(json[0]["archived"], false);
    assert_eq!(json[0]["captures"], serde_json::json!([]));
}

#[test]
fn verify_file_says_missing_for_archived_file_changed_since() {
    let a = archived();
    let doc = a.middle();
    let mut bytes = doc.bytes.to_vec();
    bytes[0] ^= 0x20;
    let path = a.env.write(doc.rel, bytes);
    let out = a.env.run(&["verify", doc.rel]).code(1).out();
    assert!(
        out.starts_with(&format!("MISSING   {}  {}", doc.rel, sha256sum(&path))),
        "{out}"
    );
}

#[test]
fn verify_file_reports_unreadable_file_as_error() {
    let a = archived();
    let run = a.env.run(&["verify", "absent.txt"]).code(2);
    assert!(
        run.out().starts_with("ERROR     absent.txt: cannot read"),
        "{}",
        run.out()
    );
    assert!(run.one_line_error().contains("absent.txt"), "{}", run.stderr);
}
