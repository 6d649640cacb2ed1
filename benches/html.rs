//! Throughput of the HTML analyser (`provenance::html::analyse`) on one
//! thread: the 17 real news pages of ../shared/html-dev/pages (about 5.2 MB
//! of HTML), each analysed from its bytes with its URL from gold.json, as
//! `add` does after a fetch; no HTTP charset, so the analyser sniffs.
//!
//! cargo bench --bench html          (scripts/bench-html adds the peer,
//!                                    trafilatura, on the same bytes)
//!
//! One warm-up pass over all pages, then whole passes until at least
//! HTML_BENCH_SECS seconds (default 3) have gone by. MB is 10^6 bytes of
//! HTML in; MB/s is those bytes over wall time. HTML_DEV overrides the
//! folder of pages and gold.json (default ../shared/html-dev from the repo).
//! The last line, `MBPS <n>`, is for scripts/bench-html.

// Without its `[[bench]] harness = false` entry in Cargo.toml, cargo builds
// this file with the test harness, which leaves `main` unused.
#![cfg_attr(test, allow(dead_code))]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use provenance::html::analyse;

const MB: f64 = 1e6;

fn main() {
    let dir = match std::env::var_os("HTML_DEV") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/html-dev"),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    let min_secs: f64 = std::env::var("HTML_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let pages = load_pages(&dir);
    let bytes: usize = pages.iter().map(|(html, _)| html.len()).sum();
    println!(
        "pages: {} files, {:.2} MB of HTML, one thread ({})",
        pages.len(),
        bytes as f64 / MB,
        dir.join("pages").display()
    );

    // Warm-up: one pass, which also gives the size of what comes out.
    let (mut text_bytes, mut titled) = (0, 0);
    for (html, url) in &pages {
        let page = analyse(black_box(html), None, Some(url));
        text_bytes += page.text.len();
        titled += usize::from(page.metadata.title.is_some());
        black_box(page);
    }
    println!(
        "out per pass: {:.0} KB of text, {titled} of {} pages with a title",
        text_bytes as f64 / 1e3,
        pages.len()
    );

    let min = Duration::from_secs_f64(min_secs);
    let (start, cpu) = (Instant::now(), cpu_time());
    let mut runs = 0;
    while runs == 0 || start.elapsed() < min {
        for (html, url) in &pages {
            black_box(analyse(black_box(html), None, black_box(Some(url))));
        }
        runs += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = match (cpu, cpu_time()) {
        (Some(a), Some(b)) => Some((b - a).as_secs_f64()),
        _ => None,
    };
    report("provenance::html::analyse", bytes, pages.len(), runs, secs, cpu);
}

/// Prints the figures in the format scripts/trafilatura_bench.py uses too.
fn report(what: &str, bytes: usize, pages: usize, runs: usize, secs: f64, cpu: Option<f64>) {
    let mb = bytes as f64 * runs as f64 / MB;
    let on_cpu = cpu.map_or(String::new(), |c| {
        format!(" (CPU time {c:.3} s: {:.2} MB/s)", mb / c)
    });
    println!(
        "{what}: {:.2} MB x {runs} runs = {mb:.1} MB in {secs:.3} s: {:.2} MB/s, {:.1} pages/s{on_cpu}",
        bytes as f64 / MB,
        mb / secs,
        (pages * runs) as f64 / secs
    );
    println!("MBPS {:.4}", mb / secs);
    if let Some(c) = cpu {
        println!("CPU_MBPS {:.4}", mb / c);
    }
}

/// Every page in `dir/pages`, sorted by file name, with its bytes and its
/// URL from `dir/gold.json`.
fn load_pages(dir: &Path) -> Vec<(Vec<u8>, String)> {
    let gold = dir.join("gold.json");
    let gold: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&gold).unwrap_or_else(|e| panic!("{}: {e}", gold.display())))
            .expect("gold.json is JSON");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("pages"))
        .unwrap_or_else(|e| panic!("{}/pages: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no pages in {}/pages", dir.display());
    paths
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let url = gold[&name]["url"]
                .as_str()
                .unwrap_or_else(|| panic!("gold.json has no url for {name}"))
                .to_owned();
            let html = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (html, url)
        })
        .collect()
}

/// The time this thread has spent on a CPU (Linux), which, unlike the
/// wall clock, other processes on a busy machine do not inflate.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        stat.split_whitespace().next()?.parse().ok()?,
    ))
}
