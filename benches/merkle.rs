//! Speed of the tree file (`provenance::tree::TreeFile`): building it for a
//! log of LEAVES entries, then roots and proofs read from it with
//! positioned reads, as `checkpoint` and `proof` do, on one thread.
//!
//! cargo bench --bench merkle
//!
//! MERKLE_BENCH_LEAVES overrides the number of leaves (default 1,000,000),
//! MERKLE_BENCH_QUERIES the number of random proofs of each kind (default
//! 100,000). The file lives in a temporary directory (TMPDIR), so the
//! figures are of a file in the page cache; each append pays an fsync.

// Without its `[[bench]] harness = false` entry in Cargo.toml, cargo builds
// this file with the test harness, which leaves `main` unused.
#![cfg_attr(test, allow(dead_code))]

use std::hint::black_box;
use std::time::Instant;

use provenance::merkle::{self, Frontier, Hash, leaf_hash, verify_consistency, verify_inclusion};
use provenance::tree::TreeFile;

fn main() {
    let leaves: u64 = env_or("MERKLE_BENCH_LEAVES", 1_000_000);
    let queries: u64 = env_or("MERKLE_BENCH_QUERIES", 100_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("tree");
    let leaf = |i: u64| leaf_hash(format!("{{\"seq\":{i},\"kind\":\"capture\"}}").as_bytes());

    let start = Instant::now();
    let hashes: Vec<Hash> = (0..leaves).map(leaf).collect();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "leaf hashes: {leaves} in {secs:.3} s ({:.2} M/s)",
        leaves as f64 / secs / 1e6
    );

    let start = Instant::now();
    let tree = TreeFile::rebuild(&path, dir.path(), hashes.iter().copied()).expect("rebuild");
    let secs = start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path).expect("the tree file").len();
    println!(
        "rebuild: {leaves} leaves in {secs:.3} s ({:.2} M leaves/s), file {:.1} MB ({} hashes)",
        leaves as f64 / secs / 1e6,
        bytes as f64 / 1e6,
        bytes / 32
    );
    assert_eq!(tree.size(), leaves);

    let start = Instant::now();
    let mut frontier = Frontier::new();
    for h in &hashes {
        frontier.push(*h);
    }
    let scan_root = frontier.root();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "frontier scan (root while streaming): {leaves} leaves in {secs:.3} s ({:.2} M leaves/s)",
        leaves as f64 / secs / 1e6
    );

    let start = Instant::now();
    let tree = TreeFile::open(&path).expect("open");
    println!("open: {:.1} µs", start.elapsed().as_secs_f64() * 1e6);
    let root = tree.root(leaves).expect("root");
    assert_eq!(root, scan_root, "the file's root and the scan's differ");

    let mut rng = SplitMix(0x5eed);
    time("root(n)", queries, |_| {
        black_box(tree.root(black_box(leaves)).expect("root"));
    });
    time("root(random size)", queries, |_| {
        black_box(tree.root(rng.below(leaves) + 1).expect("root"));
    });

    let mut rng = SplitMix(1);
    let picks: Vec<u64> = (0..queries).map(|_| rng.below(leaves)).collect();
    let mut proofs = Vec::with_capacity(picks.len());
    time("inclusion_proof(random index, n)", queries, |q| {
        proofs.push(tree.inclusion_proof(picks[q], leaves).expect("inclusion proof"));
    });
    let hashes_per_proof = proofs.iter().map(Vec::len).sum::<usize>() as f64 / queries as f64;
    time("verify_inclusion", queries, |q| {
        let i = picks[q];
        verify_inclusion(&hashes[i as usize], i, leaves, &proofs[q], &root).expect("inclusion holds");
    });
    println!("  ({hashes_per_proof:.1} hashes per inclusion proof)");

    let olds: Vec<u64> = (0..queries).map(|_| rng.below(leaves) + 1).collect();
    let old_roots: Vec<Hash> = olds.iter().map(|&m| tree.root(m).expect("old root")).collect();
    let mut proofs = Vec::with_capacity(olds.len());
    time("consistency_proof(random old, n)", queries, |q| {
        proofs.push(
            tree.consistency_proof(olds[q], leaves)
                .expect("consistency proof"),
        );
    });
    let hashes_per_proof = proofs.iter().map(Vec::len).sum::<usize>() as f64 / queries as f64;
    time("verify_consistency", queries, |q| {
        verify_consistency(olds[q], leaves, &old_roots[q], &root, &proofs[q]).expect("consistency holds");
    });
    println!("  ({hashes_per_proof:.1} hashes per consistency proof)");

    // One `add` appends a batch of entries to a large tree: each append
    // reads the O(log n) frontier, writes once and syncs.
    let mut tree = tree;
    let appends = 1000;
    let extra: Vec<Hash> = (leaves..leaves + appends).map(leaf).collect();
    time("append(1 leaf) + sync_data", appends, |q| {
        tree.append(std::slice::from_ref(&extra[q])).expect("append");
    });
    assert_eq!(tree.size(), leaves + appends);
    let mut all = hashes;
    all.extend_from_slice(&extra);
    let mem_root = merkle::root(&merkle::MemTree::new(all), leaves + appends).expect("memory root");
    assert_eq!(tree.root(leaves + appends).expect("root"), mem_root);
}

/// Runs `f(0..n)` and prints the time per call.
fn time(what: &str, n: u64, mut f: impl FnMut(usize)) {
    let start = Instant::now();
    for q in 0..n as usize {
        f(q);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{what}: {n} in {secs:.3} s: {:.2} µs each, {:.0}/s",
        secs / n as f64 * 1e6,
        n as f64 / secs
    );
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A fixed-seed generator, so that runs pick the same indexes.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
