//! Several processes on one archive: writers take turns under the lock and
//! lose nothing; readers never see a writer's unfinished work as damage.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::harness::*;

/// Writes `n` distinct files under `dir` and a list of them for `--from`;
/// returns the list's path and the files' SHA-256s.
fn batch_with_list(env: &Env, dir: &str, n: usize) -> (String, Vec<String>) {
    let files = env.write_batch(dir, &format!("concurrent batch {dir}"), n);
    let list = format!("{dir}.list");
    env.write(&list, files.join("\n") + "\n");
    let paths: Vec<PathBuf> = files.iter().map(|f| env.path(f)).collect();
    (list, sha256sums(&paths))
}

fn spawn_quiet(env: &Env, args: &[&str]) -> Child {
    env.cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn provenance")
}

/// Waits for a child and returns its run, asserting nothing.
fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two `add`s started together, each with its own `--from` list; returns
/// the IDs each printed and the SHA-256s of all files.
fn two_simultaneous_adds(env: &Env, n: usize) -> (Vec<Vec<String>>, BTreeSet<String>) {
    let (list_a, sums_a) = batch_with_list(env, "a", n);
    let (list_b, sums_b) = batch_with_list(env, "b", n);
    let a = spawn_quiet(env, &["add", "--from", &list_a]);
    let b = spawn_quiet(env, &["add", "--from", &list_b]);
    let mut printed = Vec::new();
    for (name, child) in [("first", a), ("second", b)] {
        let (code, stdout, stderr) = finish(child);
        assert_eq!(code, 0, "the {name} add failed:\n{stderr}");
        printed.push(
            stdout
                .lines()
                .map(|l| l.split("  ").next().unwrap().to_string())
                .collect(),
        );
    }
    let all: BTreeSet<String> = sums_a.into_iter().chain(sums_b).collect();
    assert_eq!(all.len(), 2 * n, "the test's files are distinct");
    (printed, all)
}

#[test]
fn two_simultaneous_adds_both_succeed_and_keep_every_document() {
    let env = Env::new();
    env.run(&["init"]).ok();
    let (printed, all) = two_simultaneous_adds(&env, 200);
    let printed: BTreeSet<String> = printed.into_iter().flatten().collect();
    assert_eq!(printed, all, "the IDs printed are the files' SHA-256s");
    let listed = env.list_ids();
    assert_eq!(listed.len(), 400, "one capture per file");
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), all);
    let (code, report) = env.verify();
    assert_eq!(code, 0, "verify after two simultaneous adds: {report}");
    assert_eq!(report["findings"], serde_json::json!([]), "verify findings");
}

#[test]
fn two_simultaneous_first_adds_create_one_archive_and_keep_both_documents() {
    // Both see no archive and both create one; exactly one creation may
    // win, and the other add must use that archive, not reset it. The race
    // is narrow, so it is run several times.
    for round in 0..10 {
        let env = Env::new();
        let (printed, all) = two_simultaneous_adds(&env, 1);
        let printed: BTreeSet<String> = printed.into_iter().flatten().collect();
        assert_eq!(
            printed, all,
            "round {round}: both adds acknowledged their document"
        );
        let (code, report) = env.verify();
        assert_eq!(code, 0, "round {round}: verify after two first adds: {report}");
        env.run(&["verify", "--repair"]).ok();
        let listed: BTreeSet<String> = env.list_ids().into_iter().collect();
        assert_eq!(
            listed, all,
            "round {round}: captures listed after verify --repair"
        );
    }
}

#[test]
fn verify_while_add_runs_reports_no_error() {
    let env = Env::new();
    env.write("first.txt", "in the archive before the long add\n");
    env.add(&["first.txt"]);
    let (list, sums) = batch_with_list(&env, "long", 150);
    let mut add = spawn_quiet(&env, &["add", "--from", &list]);

    // A verify every few milliseconds while the add runs, each left to
    // finish on its own: they start in every phase of the add.
    let mut verifies = Vec::new();
    while add.try_wait().unwrap().is_none() && verifies.len() < 40 {
        verifies.push(spawn_quiet(&env, &["--json", "verify"]));
        std::thread::sleep(Duration::from_millis(15));
    }
    let started_during_add = verifies.len();
    let (code, _, stderr) = finish(add);
    assert_eq!(code, 0, "the long add failed:\n{stderr}");
    assert!(
        started_during_add >= 3,
        "the add ended before verify could run during it"
    );

    for (n, child) in verifies.into_iter().enumerate() {
        let (code, stdout, stderr) = finish(child);
        assert_eq!(
            code, 0,
            "verify {n}, run during an add, failed:\n{stdout}{stderr}"
        );
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let errors: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "warning")
            .collect();
        assert!(
            errors.is_empty(),
            "verify {n}, run during an add, reports errors: {errors:?}"
        );
    }

    let listed: BTreeSet<String> = env.list_ids().into_iter().collect();
    assert!(
        sums.iter().all(|s| listed.contains(s)),
        "every document of the long add is listed"
    );
    let (code, report) = env.verify();
    assert_eq!(code, 0, "verify after the add: {report}");
    assert_eq!(
        report["findings"],
        serde_json::json!([]),
        "verify findings after the add"
    );
}
