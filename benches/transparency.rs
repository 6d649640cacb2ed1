//! Proofs at a million entries, through the real binary: `proof ID --json`,
//! `verify --quick --checkpoint FILE` and `checkpoint`, on a log of
//! TLOG_BENCH_ENTRIES capture entries (default 1,000,000), next to the
//! cost of reading that log once (`sha256sum log.jsonl`), which anything
//! without a Merkle tree pays for every check.
//!
//! cargo bench --bench transparency
//!
//! The archive is built in a temporary directory through the library, one
//! command's worth of entries at a time as `add` appends them (with the
//! tree file kept up to date by each commit); the entries name documents
//! whose bytes are not stored, since neither proofs nor `--quick` read
//! blobs. Each command runs TLOG_BENCH_RUNS times (default 5) after a
//! warm-up; the median wall time is printed. The page cache is warm.

#![cfg_attr(test, allow(dead_code))]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use provenance::archive::{Archive, LockMode};
use provenance::entry::{Body, Capture, Source, Tool};
use provenance::hash::Digest;
use provenance::time::Timestamp;

const BIN: &str = env!("CARGO_BIN_EXE_provenance");
const BATCH: u64 = 50_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let entries = env_u64("TLOG_BENCH_ENTRIES", 1_000_000);
    let runs = env_u64("TLOG_BENCH_RUNS", 5) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("archive");
    let started = Instant::now();
    let target = build(&root, entries);
    let log_bytes = std::fs::metadata(root.join("log.jsonl")).expect("log").len();
    let tree_bytes = std::fs::metadata(root.join("tree.hashes")).expect("tree").len();
    println!(
        "archive: {} entries, log {:.0} MB, tree file {:.0} MB, built in {:.1} s",
        entries + 1,
        log_bytes as f64 / 1e6,
        tree_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let key = dir.path().join("signing.key");
    let keygen = [
        "keygen",
        "--key",
        key.to_str().expect("utf-8 path"),
        "--name",
        "bench",
    ];
    run(&root, &keygen);
    let key_arg = ["checkpoint", "--key", key.to_str().expect("utf-8 path")];
    let old = dir.path().join("old.checkpoint");
    run(&root, &key_arg);
    let kept = std::fs::read_dir(root.join("checkpoints"))
        .expect("checkpoints")
        .next()
        .expect("one checkpoint")
        .expect("entry")
        .path();
    std::fs::copy(&kept, &old).expect("keep the checkpoint");
    append(&root, entries + 1, 1000);
    let checkpoint = time(runs, || run(&root, &key_arg));
    report("checkpoint (recomputes the root from the log)", checkpoint);

    let id = target.to_hex();
    let proof = time(runs, || run(&root, &["--json", "proof", &id]));
    report("proof ID --json (find the entry, O(log n) proof)", proof);
    let old_arg = old.to_str().expect("utf-8 path");
    let quick = time(runs, || {
        run(&root, &["verify", "--quick", "--checkpoint", old_arg])
    });
    report("verify --quick --checkpoint (consistency proof)", quick);
    let peer = time(runs, || {
        let status = Command::new("sha256sum")
            .arg(root.join("log.jsonl"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("sha256sum");
        assert!(status.success());
    });
    report("peer: sha256sum log.jsonl (one read of the log)", peer);
}

/// Writes `entries` captures after the init entry; returns the document
/// of the one in the middle, whose proof is timed.
fn build(root: &Path, entries: u64) -> Digest {
    Archive::init(root).expect("init");
    append(root, 1, entries);
    doc(1 + entries / 2)
}

fn append(root: &Path, first: u64, count: u64) {
    let archive = Archive::open(root).expect("open");
    let lock = archive.lock(LockMode::Exclusive).expect("lock");
    let mut n = first;
    while n < first + count {
        let mut append = archive.log().begin(&lock, archive.store()).expect("begin");
        let end = (n + BATCH).min(first + count);
        for i in n..end {
            append.push(Body::Capture(capture(i)));
        }
        append.commit().expect("commit");
        n = end;
    }
}

fn doc(i: u64) -> Digest {
    Digest::of(format!("document {i}").as_bytes())
}

/// A capture entry of the size `add` writes for a file.
fn capture(i: u64) -> Capture {
    let path = format!("newsroom/2026/11/collected/article-{i:07}.html");
    Capture {
        sha256: doc(i),
        size: 20_000 + i % 50_000,
        media_type: "text/html".into(),
        media_type_declared: Some("text/html".into()),
        media_type_sniffed: Some("text/html".into()),
        retrieved: Timestamp::now(),
        source: Source::File {
            absolute_path: format!("/home/reporter/{path}"),
            path,
            size: Some(20_000 + i % 50_000),
            modified: Some(Timestamp::now()),
        },
        tool: Tool::this(),
        title: Some(format!("Article number {i} of the collection")),
        note: None,
        meta: Default::default(),
    }
}

fn run(root: &Path, args: &[&str]) {
    let out = Command::new(BIN)
        .arg("--archive")
        .arg(root)
        .args(args)
        .output()
        .expect("run provenance");
    assert!(
        out.status.success(),
        "provenance {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The median of `runs` timed calls after one warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn report(what: &str, d: Duration) {
    println!("{what:<56} {:>9.1} ms", d.as_secs_f64() * 1e3);
}
