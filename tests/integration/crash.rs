//! Crash safety of `add`: whatever moment a process dies at, nothing it
//! acknowledged (printed) is lost, `verify` names only what an interrupted
//! write leaves, and `verify --repair` restores an archive that verifies
//! clean and accepts new documents.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

const CRASH_VAR: &str = "PROVENANCE_TEST_CRASH_AT";
const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;

/// What an interrupted write may leave behind; anything else after a crash
/// is damage.
const LEFT_BY_INTERRUPTION: &[&str] = &[
    "unfinished_tail",
    "torn_line",
    "temp_leftover",
    "blob_unreferenced",
];

/// Acknowledged documents: ID → the exact bytes archived under it.
type Acked = BTreeMap<String, Vec<u8>>;

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Adds `files` normally and records what was acknowledged.
fn add_acknowledged(env: &Env, files: &[String], acked: &mut Acked) -> Vec<String> {
    let ids = env.add(&refs(files));
    assert_eq!(ids.len(), files.len(), "one ID per file");
    for (id, file) in ids.iter().zip(files) {
        acked.insert(id.clone(), std::fs::read(env.path(file)).unwrap());
    }
    ids
}

/// An archive holding a few acknowledged documents.
fn archive_with_acknowledged(env: &Env) -> Acked {
    let mut acked = Acked::new();
    let files = env.write_batch("before", "acknowledged before the crash", 4);
    add_acknowledged(env, &files, &mut acked);
    acked
}

/// Every acknowledged document is listed and `cat` gives its exact bytes.
fn assert_acknowledged_intact(env: &Env, acked: &Acked) {
    let listed: BTreeSet<String> = env.list_ids().into_iter().collect();
    for (id, bytes) in acked {
        assert!(listed.contains(id), "acknowledged {id} is no longer listed");
        env.assert_cat(id, bytes);
    }
}

/// Runs `add` with a crash point armed; it must abort before printing.
fn add_crashing_at(env: &Env, point: &str, files: &[String]) -> Output {
    let mut args = vec!["add"];
    args.extend(refs(files));
    let out = env
        .cmd(&args)
        .env(CRASH_VAR, point)
        .output()
        .expect("run provenance");
    assert_eq!(
        out.status.signal(),
        Some(SIGABRT),
        "add armed at {point} should abort, but ended with {:?}; stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "add crashed at {point} printed IDs it never acknowledged:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// Every file under `dir` with its bytes and permission bits, and every
/// directory (with no bytes): enough to tell whether anything changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, Option<Vec<u8>>)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                todo.push(path.clone());
                out.insert(path, (mode, None));
            } else {
                out.insert(path.clone(), (mode, Some(std::fs::read(&path).unwrap())));
            }
        }
    }
    out
}

/// The distinct `problem` names of `verify --json`, with its exit status.
fn verify_problems(env: &Env) -> (i32, BTreeSet<String>) {
    let (code, report) = env.verify();
    let problems = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["problem"].as_str().unwrap().to_string())
        .collect();
    (code, problems)
}

/// The state a crash at a point leaves, as `verify` must see it.
struct Expect {
    /// The kinds of finding `verify` must report before repair...
    findings: &'static [&'static str],
    /// ...and those it may report besides, depending on where the write
    /// was cut.
    may_also: &'static [&'static str],
    /// The log holds bytes past the head, which `add` must refuse.
    leaves_tail: bool,
    /// The head was replaced: the new documents are archived.
    committed: bool,
}

/// The whole story of one crash point: crash, diagnose, refuse, repair,
/// check that nothing acknowledged is lost, and carry on.
fn crash_then_recover(point: &str, expect: Expect) {
    let env = Env::new();
    let acked = archive_with_acknowledged(&env);
    let listed_before = env.list_ids();
    let new_files = env.write_batch("new", &format!("added while crashing at {point}"), 3);
    add_crashing_at(&env, point, &new_files);

    let (code, problems) = verify_problems(&env);
    assert!(
        code == 0
            || problems
                .iter()
                .all(|p| LEFT_BY_INTERRUPTION.contains(&p.as_str())),
        "after a crash at {point}, verify (exit {code}) reports damage: {problems:?}"
    );
    for required in expect.findings {
        assert!(
            problems.contains(*required),
            "after a crash at {point}, verify misses {required}: {problems:?}"
        );
    }
    for p in &problems {
        assert!(
            expect.findings.contains(&p.as_str()) || expect.may_also.contains(&p.as_str()),
            "after a crash at {point}, verify reports an unexpected {p}: {problems:?}"
        );
    }

    if expect.leaves_tail {
        assert_add_refuses_unfinished_tail(&env);
    }

    env.run(&["verify", "--repair"]).ok();
    let (code, problems) = verify_problems(&env);
    assert_eq!(code, 0, "verify after repair of a crash at {point}: {problems:?}");
    assert!(
        problems.iter().all(|p| p == "blob_unreferenced"),
        "repair left {problems:?} after a crash at {point}"
    );

    assert_acknowledged_intact(&env, &acked);
    let new_paths: Vec<PathBuf> = new_files.iter().map(|f| env.path(f)).collect();
    let new_ids = sha256sums(&new_paths);
    let mut listed_expected = listed_before;
    if expect.committed {
        listed_expected.extend(new_ids.iter().cloned());
        for (id, path) in new_ids.iter().zip(&new_paths) {
            env.assert_cat(id, &std::fs::read(path).unwrap());
        }
    }
    assert_eq!(
        env.list_ids(),
        listed_expected,
        "captures listed after a crash at {point} and repair"
    );

    assert_archive_accepts_new_documents(&env, &new_files);
}

/// With an unfinished tail in the log, `add` stops with one line naming
/// the remedy, and touches nothing in the archive.
fn assert_add_refuses_unfinished_tail(env: &Env) {
    env.write("refused.txt", "refused until the archive is repaired\n");
    let before = snapshot(&env.archive());
    let run = env.run(&["add", "refused.txt"]);
    assert_ne!(run.code, 0, "add on an archive with an unfinished tail succeeded");
    assert!(run.stdout.is_empty(), "a refused add printed IDs: {}", run.out());
    let err = run.one_line_error();
    assert!(
        err.contains("verify --repair"),
        "the error does not name the remedy: {err}"
    );
    assert_eq!(
        snapshot(&env.archive()),
        before,
        "a refused add changed the archive"
    );
}

/// After recovery, `add` works: the crashed files again and a fresh one.
fn assert_archive_accepts_new_documents(env: &Env, retried: &[String]) {
    let mut files = retried.to_vec();
    env.write("after/fresh.txt", "added after recovery\n");
    files.push("after/fresh.txt".to_string());
    let ids = env.add(&refs(&files));
    let paths: Vec<PathBuf> = files.iter().map(|f| env.path(f)).collect();
    assert_eq!(ids, sha256sums(&paths));
    for (id, path) in ids.iter().zip(&paths) {
        env.assert_cat(id, &std::fs::read(path).unwrap());
    }
    let (code, problems) = verify_problems(env);
    assert_eq!(
        code, 0,
        "verify after adding to a recovered archive: {problems:?}"
    );
}

/// Killed after the entries were written whole, before the head moved.
const COMPLETE_ENTRIES_PAST_THE_HEAD: Expect = Expect {
    findings: &["unfinished_tail"],
    may_also: &[],
    leaves_tail: true,
    committed: false,
};

#[test]
fn crash_at_blob_written_leaves_only_a_temp_file_and_loses_nothing() {
    crash_then_recover(
        "blob-written",
        Expect {
            findings: &["temp_leftover"],
            may_also: &[],
            leaves_tail: false,
            committed: false,
        },
    );
}

#[test]
fn crash_at_blob_renamed_leaves_only_an_unreferenced_blob_and_loses_nothing() {
    crash_then_recover(
        "blob-renamed",
        Expect {
            findings: &["blob_unreferenced"],
            may_also: &[],
            leaves_tail: false,
            committed: false,
        },
    );
}

#[test]
fn crash_at_blobs_synced_leaves_the_batch_s_blobs_unreferenced_and_loses_nothing() {
    // Every blob of the batch was made durable by the one sync, and no
    // entry was written yet.
    crash_then_recover(
        "blobs-synced",
        Expect {
            findings: &["blob_unreferenced"],
            may_also: &[],
            leaves_tail: false,
            committed: false,
        },
    );
}

/// A machine that dies after a blob was renamed into place but before the
/// batch's sync may leave zeros of the right size under the blob's name.
/// No entry names it; `verify` says so, and the next `add` of the same
/// bytes must replace it rather than take it for the stored blob.
#[test]
fn a_blob_lost_before_the_batch_sync_is_rewritten_by_the_next_add() {
    let env = Env::new();
    let acked = archive_with_acknowledged(&env);
    let files = env.write_batch("lost", "lost with the power", 1);
    add_crashing_at(&env, "blob-renamed", &files);
    let bytes = std::fs::read(env.path(&files[0])).unwrap();
    let id = sha_hex(&bytes);
    let blob = env.blob(&id);
    make_writable(&blob);
    std::fs::write(&blob, vec![0u8; bytes.len()]).unwrap();

    let (code, problems) = verify_problems(&env);
    assert_ne!(code, 0, "verify missed a zero-filled blob");
    let expected: BTreeSet<String> = ["blob_changed", "blob_unreferenced"].map(String::from).into();
    assert_eq!(problems, expected);

    assert_eq!(env.add(&refs(&files)), vec![id.clone()]);
    env.assert_cat(&id, &bytes);
    let (code, problems) = verify_problems(&env);
    assert_eq!(code, 0, "verify after the blob was rewritten: {problems:?}");
    assert_acknowledged_intact(&env, &acked);
}

#[test]
fn crash_at_log_partial_leaves_a_torn_tail_that_add_refuses_and_repair_removes() {
    // Half of three documents' entries: complete lines and a torn one.
    crash_then_recover(
        "log-partial",
        Expect {
            findings: &["torn_line", "unfinished_tail"],
            // The blob of a document whose entry was cut is unreferenced.
            may_also: &["blob_unreferenced"],
            leaves_tail: true,
            committed: false,
        },
    );
}

#[test]
fn crash_at_log_written_leaves_a_tail_that_add_refuses_and_repair_removes() {
    crash_then_recover("log-written", COMPLETE_ENTRIES_PAST_THE_HEAD);
}

#[test]
fn crash_at_log_synced_leaves_a_tail_that_add_refuses_and_repair_removes() {
    crash_then_recover("log-synced", COMPLETE_ENTRIES_PAST_THE_HEAD);
}

#[test]
fn crash_at_head_written_keeps_the_committed_documents() {
    crash_then_recover(
        "head-written",
        Expect {
            findings: &[],
            // The index, brought up after the commit, is behind.
            may_also: &["index_stale"],
            leaves_tail: false,
            committed: true,
        },
    );
}

// ---- random kills ----

const KILL_ITERATIONS: usize = 25;
const KILL_BATCH: usize = 50;
const LARGE_BYTES: usize = 20 * 1024 * 1024;

/// Every fifth iteration adds one large document instead of a batch.
fn is_large(i: usize) -> bool {
    i % 5 == 3
}

/// When iteration `i` is killed, as a fraction of an uninterrupted run.
/// Batches: spread over 0 to 1.3 by a permutation, so that early and late
/// kills interleave and the runs past 1 mostly complete. Large documents:
/// rising from 0.12 to 1.08, so that only the last may complete and the
/// rehashing of 20 MB does not slow every later `verify`.
fn kill_fraction(i: usize) -> f64 {
    if is_large(i) {
        ((i / 5) as f64 + 0.5) / 5.0 * 1.2
    } else {
        (i * 11 % KILL_ITERATIONS) as f64 / KILL_ITERATIONS as f64 * 1.3
    }
}

/// A large document, distinct for each `tag`.
fn write_large(env: &Env, rel: &str, tag: &str) -> String {
    let mut bytes = format!("large document {tag}\n").into_bytes();
    let pattern: Vec<u8> = (0..=255u8).collect();
    while bytes.len() < LARGE_BYTES {
        let take = pattern.len().min(LARGE_BYTES - bytes.len());
        bytes.extend_from_slice(&pattern[..take]);
    }
    env.write(rel, bytes);
    rel.to_string()
}

/// The files of iteration `i`.
fn kill_files(env: &Env, i: usize) -> Vec<String> {
    if is_large(i) {
        vec![write_large(env, &format!("large-{i:02}.bin"), &i.to_string())]
    } else {
        env.write_batch(&format!("kill-{i:02}"), &format!("kill {i}"), KILL_BATCH)
    }
}

/// How long an uninterrupted `add` of `files` takes on this machine,
/// measured in a scratch archive so that it leaves nothing in the real one.
fn time_add(make: impl FnOnce(&Env) -> Vec<String>) -> Duration {
    let scratch = Env::new();
    scratch.run(&["init"]).ok();
    let files = make(&scratch);
    let mut args = vec!["add"];
    args.extend(refs(&files));
    let start = Instant::now();
    scratch.run(&args).ok();
    start.elapsed()
}

/// Lines of `<id>  <source>` that a run printed in full.
fn printed_ids(stdout: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(stdout);
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    complete
        .lines()
        .map(|l| {
            let (id, source) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("not an ID line: {l:?}"));
            (id.to_string(), source.to_string())
        })
        .collect()
}

/// Starts `add` of `files`, kills it after `delay`, and returns what it
/// printed in full and whether it completed before the kill.
fn add_killed_after(env: &Env, files: &[String], delay: Duration) -> (Vec<(String, String)>, bool) {
    let mut args = vec!["add"];
    args.extend(refs(files));
    let mut child = env
        .cmd(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn provenance");
    std::thread::sleep(delay);
    child.kill().expect("kill add");
    let out = child.wait_with_output().unwrap();
    let completed = out.status.success();
    assert!(
        completed || out.status.signal() == Some(SIGKILL),
        "add failed by itself, not by the kill: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (printed_ids(&out.stdout), completed)
}

/// The cheap form of [`assert_acknowledged_intact`], for many documents:
/// every acknowledged document is listed and its blob holds its exact
/// bytes; `cat` is run only for `sample`.
fn assert_acknowledged_kept<'a>(env: &Env, acked: &Acked, sample: impl IntoIterator<Item = &'a String>) {
    let listed: BTreeSet<String> = env.list_ids().into_iter().collect();
    for (id, bytes) in acked {
        assert!(listed.contains(id), "acknowledged {id} is no longer listed");
        let blob = std::fs::read(env.blob(id)).unwrap_or_else(|e| panic!("blob of acknowledged {id}: {e}"));
        assert!(blob == *bytes, "the blob of acknowledged {id} changed");
    }
    for id in sample {
        env.assert_cat(id, &acked[id]);
    }
}

#[test]
fn sigkill_at_any_moment_of_add_loses_no_acknowledged_document() {
    // The kill delays are fractions of a measured uninterrupted run, so
    // that kills land in every phase (blobs, log, head, printing) whatever
    // the speed of the disk, and some runs complete.
    let small = time_add(|e| e.write_batch("calibrate", "calibration", KILL_BATCH));
    let large = time_add(|e| vec![write_large(e, "calibrate.bin", "calibration")]);

    let env = Env::new();
    let mut acked = archive_with_acknowledged(&env);
    let (mut killed, mut completed) = (0, 0);
    for i in 0..KILL_ITERATIONS {
        let files = kill_files(&env, i);
        let full = if is_large(i) { large } else { small };
        let delay = full.mul_f64(kill_fraction(i));
        let (printed, done) = add_killed_after(&env, &files, delay);
        if done {
            completed += 1;
            assert_eq!(
                printed.len(),
                files.len(),
                "iteration {i}: a completed add printed one ID per file"
            );
        } else {
            killed += 1;
        }
        // Printing comes after the commit: whatever was printed, even by a
        // run killed while printing, is acknowledged.
        let mut new_ids = Vec::new();
        for (id, source) in printed {
            acked.insert(id.clone(), std::fs::read(env.path(&source)).unwrap());
            new_ids.push(id);
        }

        let repair = env.run(&["verify", "--repair"]);
        assert_eq!(
            repair.code,
            0,
            "iteration {i} (killed after {delay:?}): verify --repair\n{}{}",
            repair.out(),
            repair.stderr
        );
        // `cat` for a sample: some of the new documents, two older ones.
        let older = acked.keys().skip(i * 7 % acked.len()).take(2);
        assert_acknowledged_kept(&env, &acked, new_ids.iter().step_by(10).chain(older));
    }
    eprintln!(
        "random kills: {killed} killed, {completed} completed, {} documents acknowledged \
         (an uninterrupted batch took {small:?}, a large add {large:?})",
        acked.len()
    );
    assert!(killed > 0, "no add was killed: the test proved nothing");
    assert_acknowledged_kept(&env, &acked, acked.keys().step_by(5));
    let (code, problems) = verify_problems(&env);
    assert_eq!(code, 0, "verify after all the kills: {problems:?}");
    env.write("after-kills.txt", "added after all the kills\n");
    env.add(&["after-kills.txt"]);
}
