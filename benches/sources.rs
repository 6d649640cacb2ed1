//! Throughput of the sources analyser (`provenance::cite::extract`) on one
//! core: a ~20 MB corpus of the annotated news texts, analysed one document
//! at a time as `add` does, then single documents of 1, 2, 5 and 10 MB to
//! show that the time per MB does not grow with the document.
//!
//! cargo bench --bench sources          (scripts/bench-sources adds a peer)
//!
//! MB here is 10^6 bytes of UTF-8 text.

// Without its `[[bench]] harness = false` entry in Cargo.toml, cargo builds
// this file with the test harness, which leaves `main` unused.
#![cfg_attr(test, allow(dead_code))]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use provenance::cite::extract;

const MB: f64 = 1e6;
/// The corpus: the fixture texts repeated to about this many bytes.
const CORPUS_BYTES: usize = 20_000_000;
/// Timed passes over the corpus; the best one is reported.
const PASSES: usize = 3;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = fixture_texts(root);
    let distinct: usize = docs.iter().map(String::len).sum();

    // Warm-up: the bundled lists are parsed on first use, and the caches
    // and branch predictors learn the texts.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(2) {
        for doc in &docs {
            black_box(extract(black_box(doc)));
        }
    }

    let mut corpus: Vec<&str> = Vec::new();
    let mut bytes = 0;
    while bytes < CORPUS_BYTES {
        for doc in &docs {
            corpus.push(doc);
            bytes += doc.len();
        }
    }
    println!(
        "corpus: {} documents, {:.1} MB ({} distinct texts, {:.0} KB, repeated), one core",
        corpus.len(),
        bytes as f64 / MB,
        docs.len(),
        distinct as f64 / 1e3
    );
    let mut best = Duration::MAX;
    for pass in 1..=PASSES {
        let (t, cpu) = (Instant::now(), cpu_time());
        let mut found = 0;
        for doc in &corpus {
            let sources = extract(black_box(doc));
            found += sources.outlets.len() + sources.people.len();
            black_box(sources);
        }
        let took = t.elapsed();
        let on_cpu = match (cpu, cpu_time()) {
            (Some(a), Some(b)) => {
                let cpu = (b - a).as_secs_f64();
                format!(
                    ", CPU time {cpu:.3} s: {:.2} MB/s of CPU",
                    bytes as f64 / MB / cpu
                )
            }
            _ => String::new(),
        };
        println!(
            "  pass {pass}: {:.3} s, {:.2} MB/s{on_cpu} ({found} outlets and people)",
            took.as_secs_f64(),
            bytes as f64 / MB / took.as_secs_f64()
        );
        best = best.min(took);
    }
    println!(
        "sources corpus: {:.2} MB/s (best of {PASSES} passes over {:.1} MB)",
        bytes as f64 / MB / best.as_secs_f64(),
        bytes as f64 / MB
    );

    // One document of each size, made by repeating the texts one after
    // the other as paragraphs.
    let joined = docs.join("\n\n");
    println!();
    println!("| document | time | ms per MB | MB/s |");
    println!("|---|---|---|---|");
    for size_mb in [1, 2, 5, 10] {
        let doc = repeat_to(&joined, size_mb * 1_000_000);
        let runs = if size_mb <= 2 { 5 } else { 3 };
        let took = (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(extract(black_box(&doc)));
                t.elapsed()
            })
            .min()
            .unwrap();
        let mb = doc.len() as f64 / MB;
        println!(
            "| {size_mb} MB | {:.3} s | {:.1} | {:.2} |",
            took.as_secs_f64(),
            took.as_secs_f64() * 1e3 / mb,
            mb / took.as_secs_f64()
        );
    }
}

/// The time this thread has spent on a CPU (Linux), which, unlike the
/// wall clock, other processes on a busy machine do not inflate.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        stat.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Every annotated text: tests/fixtures/sources/*/*.txt and the op-ed.
fn fixture_texts(root: &Path) -> Vec<String> {
    let fixtures = root.join("tests/fixtures");
    let mut paths = vec![fixtures.join("op-ed-regime-change.txt")];
    let mut sets: Vec<_> = std::fs::read_dir(fixtures.join("sources"))
        .expect("tests/fixtures/sources")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    for set in sets {
        let mut texts: Vec<_> = std::fs::read_dir(&set)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        texts.sort();
        paths.extend(texts);
    }
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// `text` repeated (paragraph after paragraph) up to about `len` bytes,
/// cut at a character boundary.
fn repeat_to(text: &str, len: usize) -> String {
    let mut doc = String::with_capacity(len + text.len());
    while doc.len() < len {
        doc.push_str(text);
        doc.push_str("\n\n");
    }
    let mut cut = len;
    while !doc.is_char_boundary(cut) {
        cut -= 1;
    }
    doc.truncate(cut);
    doc
}
