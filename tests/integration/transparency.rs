//! The archive as a transparency log, through the real binary: keys kept
//! outside the archive, checkpoints that an independent verifier (Python,
//! `cryptography`) accepts, inclusion proofs it checks, consistency with
//! checkpoints kept elsewhere, RFC 3161 timestamps from a real TSA that
//! `openssl ts -verify` accepts, and the corruption matrix.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::*;
use crate::tsa::Tsa;

fn verifier_key(env: &Env) -> String {
    env.run(&["key"]).ok().out().trim().to_string()
}

fn checkpoints(archive: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(archive.join("checkpoints"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension() == Some(OsStr::new("checkpoint")));
    files.sort();
    files
}

fn newest_checkpoint(archive: &Path) -> PathBuf {
    checkpoints(archive).pop().expect("a checkpoint")
}

fn log_line_count(env: &Env) -> usize {
    env.log_lines().len()
}

fn py(args: &[&dyn AsRef<OsStr>]) -> (bool, String) {
    let args: Vec<&OsStr> = args.iter().map(|a| a.as_ref()).collect();
    run_python("tlog_verify.py", &args)
}

#[test]
fn keygen_keeps_the_private_key_outside_the_archive_readable_by_its_owner_only() {
    let env = Env::new();
    write_docs(&env, &["one"]);
    let run = env
        .run(&["--json", "keygen", "--name", "example.org/newsroom"])
        .ok();
    let json = run.json();
    let key_file = env.path("config/provenance/signing.key");
    assert_eq!(json["key_file"], key_file.display().to_string());
    let mode = fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key is its owner's alone");
    let private = fs::read_to_string(&key_file).unwrap();
    assert!(
        private.starts_with("PRIVATE+KEY+example.org/newsroom+"),
        "{private}"
    );

    let vkey = verifier_key(&env);
    assert_eq!(json["public_key"], vkey.as_str());
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    assert_eq!(parts[0], "example.org/newsroom");
    assert_eq!(parts[1].len(), 8, "a 4-byte key ID in hex");
    assert_eq!(
        fs::read_to_string(env.path("archive/key.pub")).unwrap().trim(),
        vkey
    );
    assert_no_private_key_in(&env.archive());

    let again = env.run(&["keygen"]).code(2);
    assert!(
        again.one_line_error().contains("already has a key"),
        "{}",
        again.stderr
    );
    assert_eq!(
        fs::read_to_string(&key_file).unwrap(),
        private,
        "the key is not replaced"
    );
}

fn assert_no_private_key_in(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_private_key_in(&path);
        } else {
            let bytes = fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("PRIVATE+KEY"),
                "{} holds a private key",
                path.display()
            );
        }
    }
}

#[test]
fn a_private_key_is_never_written_inside_the_archive_nor_read_when_others_can() {
    let env = Env::new();
    write_docs(&env, &["one"]);
    let inside = env.run(&["keygen", "--key", "archive/signing.key"]).code(2);
    assert!(
        inside.one_line_error().contains("inside the archive"),
        "{}",
        inside.stderr
    );
    assert!(!env.path("archive/signing.key").exists());

    env.run(&["keygen", "--key", "keys/mine.key"]).ok();
    let key = env.path("keys/mine.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let open = env.run(&["checkpoint", "--key", "keys/mine.key"]).code(2);
    assert!(
        open.one_line_error().contains("readable by others"),
        "{}",
        open.stderr
    );
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    env.run(&["checkpoint", "--key", "keys/mine.key"]).ok();

    let missing = env.run(&["checkpoint", "--key", "keys/none.key"]).code(2);
    assert!(
        missing.one_line_error().contains("no signing key"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_checkpoint_is_a_c2sp_signed_note_that_an_independent_verifier_accepts() {
    let (env, _) = signed_archive();
    let path = newest_checkpoint(&env.archive());
    let text = fs::read_to_string(&path).unwrap();
    let printed = env.run(&["checkpoint"]).ok();
    assert_eq!(printed.out(), text, "checkpoint prints the note kept");
    assert!(printed.stderr.contains("unchanged"), "{}", printed.stderr);

    let lines: Vec<&str> = text.lines().collect();
    let size = log_line_count(&env);
    assert!(lines[0].starts_with("provenance/"), "origin: {}", lines[0]);
    assert_eq!(
        lines[1],
        size.to_string(),
        "the tree size is the log's entry count"
    );
    assert_eq!(lines[3], "", "a blank line before the signature");
    assert!(
        lines[4].starts_with("\u{2014} example.org/newsroom "),
        "{}",
        lines[4]
    );
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        format!("{size:012}.checkpoint")
    );

    let vkey = verifier_key(&env);
    let (ok, said) = py(&[&"note", &vkey, &path]);
    assert!(ok, "{said}");
    let (ok, root) = py(&[&"root", &env.log(), &size.to_string()]);
    assert!(ok, "{root}");
    assert_eq!(
        root.trim(),
        lines[2],
        "the root is RFC 6962's over the log's lines"
    );

    // The verifier can fail: an altered size is caught.
    let forged = env.write(
        "forged.checkpoint",
        text.replacen(&format!("\n{size}\n"), "\n99\n", 1),
    );
    let (ok, said) = py(&[&"note", &vkey, &forged]);
    assert!(!ok, "{said}");
}

#[test]
fn proofs_of_inclusion_verify_independently_for_every_capture() {
    let (env, ids) = signed_archive();
    let vkey = verifier_key(&env);
    for id in &ids {
        let run = env.run(&["--json", "proof", id]).ok();
        let json = run.json();
        for key in ["leaf_index", "tree_size", "leaf_hash", "root_hash", "proof"] {
            assert!(!json[key].is_null(), "{key} in {json}");
        }
        assert_eq!(json["tree_size"], log_line_count(&env) as u64);
        let seq = json["leaf_index"].as_u64().unwrap();
        assert_eq!(env.log_lines()[seq as usize], json["log_entry"].as_str().unwrap());
        let file = env.write("proof.json", run.stdout.clone());
        let (ok, said) = py(&[&"inclusion", &vkey, &file]);
        assert!(ok, "{id}: {said}");
    }
    let human = env.run(&["proof", &ids[0]]).ok().out();
    assert!(human.contains("verified: the proof leads"), "{human}");
}

#[test]
fn a_new_document_is_proven_once_a_checkpoint_covers_it_and_old_proofs_still_hold() {
    let (env, ids) = signed_archive();
    let old = env.path("kept/old.checkpoint");
    fs::create_dir_all(old.parent().unwrap()).unwrap();
    fs::copy(newest_checkpoint(&env.archive()), &old).unwrap();
    let new = write_docs(&env, &["four"]);
    let early = env.run(&["proof", &new[0]]).code(2);
    assert!(
        early.one_line_error().contains("run `provenance checkpoint`"),
        "{}",
        early.stderr
    );
    env.run(&["checkpoint"]).ok();
    let json = env.run(&["--json", "proof", &new[0]]).ok().json();
    assert_eq!(json["tree_size"], log_line_count(&env) as u64);
    let against_old = env
        .run(&["--json", "proof", &ids[0], "--checkpoint", "kept/old.checkpoint"])
        .ok()
        .json();
    assert!(against_old["tree_size"].as_u64() < json["tree_size"].as_u64());
    let not_in_old = env
        .run(&["proof", &new[0], "--checkpoint", "kept/old.checkpoint"])
        .code(2);
    assert!(not_in_old.one_line_error().contains("newer than this checkpoint"));
}

#[test]
fn the_log_extends_a_checkpoint_kept_elsewhere_by_a_consistency_proof() {
    let (env, _) = signed_archive();
    let old = env.path("old.checkpoint");
    fs::copy(newest_checkpoint(&env.archive()), &old).unwrap();
    write_docs(&env, &["four", "five"]);
    env.run(&["checkpoint"]).ok();
    let vkey = verifier_key(&env);
    let proved = env
        .run(&["--json", "proof", "--consistency", "old.checkpoint"])
        .ok();
    let file = env.write("consistency.json", proved.stdout.clone());
    let (ok, said) = py(&[&"consistency", &vkey, &file]);
    assert!(ok, "{said}");
    assert!(!proved.json()["proof"].as_array().unwrap().is_empty());
    // The independent verifier can fail: one hash of the proof altered.
    let mut swapped = proved.json();
    swapped["proof"][0] = Value::from("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let file = env.write("swapped.json", swapped.to_string());
    let (ok, said) = py(&[&"consistency", &vkey, &file]);
    assert!(!ok, "{said}");
    let same = env
        .run(&[
            "--json",
            "proof",
            "--consistency",
            "old.checkpoint",
            "--checkpoint",
            "old.checkpoint",
        ])
        .ok();
    assert_eq!(same.json()["proof"], Value::Array(vec![]));
    let full = env
        .run(&["--json", "verify", "--checkpoint", "old.checkpoint"])
        .ok()
        .json();
    assert_eq!(full["findings"], Value::Array(vec![]), "{full}");
    assert_eq!(full["checkpoints"], 3, "two kept, one given");
    let quick = env
        .run(&["verify", "--quick", "--checkpoint", "old.checkpoint"])
        .ok();
    assert!(
        quick.out().starts_with("ok: checked 1 checkpoint"),
        "{}",
        quick.out()
    );
    let bad = env.run(&["verify", "--checkpoint", "nowhere.checkpoint"]).code(2);
    assert!(
        bad.one_line_error().contains("nowhere.checkpoint"),
        "{}",
        bad.stderr
    );
    env.write("junk.checkpoint", "not a checkpoint\n");
    let junk = env.run(&["verify", "--checkpoint", "junk.checkpoint"]).code(2);
    assert!(
        junk.one_line_error().contains("junk.checkpoint"),
        "{}",
        junk.stderr
    );
}

#[test]
fn an_archive_from_before_trees_gets_its_tree_rebuilt_from_the_log() {
    let (env, ids) = signed_archive();
    fs::remove_file(env.path("archive/tree.hashes")).unwrap();
    assert_eq!(
        env.problems(),
        Vec::<String>::new(),
        "a tree behind the log is expected"
    );
    env.run(&["proof", &ids[1]]).ok();
    assert!(env.path("archive/tree.hashes").exists(), "the proof rebuilt it");
    let tree = fs::read(env.path("archive/tree.hashes")).unwrap();
    let mut damaged = tree.clone();
    damaged[40] ^= 1;
    fs::write(env.path("archive/tree.hashes"), &damaged).unwrap();
    assert_eq!(env.problems(), ["tree_stale"]);
    let repair = env.run(&["verify", "--repair"]).ok();
    assert!(repair.out().contains("rebuilt the tree file"), "{}", repair.out());
    assert_eq!(env.problems(), Vec::<String>::new());
    assert_eq!(fs::read(env.path("archive/tree.hashes")).unwrap(), tree);
}

#[test]
fn timestamps_from_a_real_tsa_verify_here_and_with_openssl() {
    let (env, _) = signed_archive();
    let tsa = Tsa::start();
    let ca = tsa.ca_pem().display().to_string();
    let run = env
        .run(&["--json", "timestamp", "--tsa", &tsa.url(), "--tsa-ca", &ca])
        .ok();
    let json = run.json();
    assert_eq!(json["verified"], true);
    let token = &json["token"];
    assert_eq!(token["hash_algorithm"], "sha256", "{json}");
    assert!(token["gen_time"].as_str().unwrap().ends_with('Z'), "{json}");
    assert!(token["signer"].as_str().unwrap().contains("CN="), "{json}");
    let checkpoint = newest_checkpoint(&env.archive());
    let token = env.root().join(json["token_file"].as_str().unwrap());
    assert_eq!(token, checkpoint.with_extension("checkpoint.tsr"));
    let (ok, said) = tsa.openssl_verify(&token, &checkpoint);
    assert!(ok, "openssl ts -verify: {said}");

    let full = env.run(&["--json", "verify", "--tsa-ca", &ca]).ok().json();
    assert_eq!(full["timestamps"], 1);
    assert_eq!(full["findings"], Value::Array(vec![]), "{full}");
    let unchecked = env.run(&["--json", "verify"]).ok().json();
    assert_eq!(unchecked["findings"][0]["problem"], "timestamp_unchecked");

    let again = env.run(&["timestamp", "--tsa", &tsa.url()]).code(2);
    assert!(
        again.one_line_error().contains("timestamped already"),
        "{}",
        again.stderr
    );

    // A token its CA does not vouch for is not kept.
    write_docs(&env, &["four"]);
    env.run(&["checkpoint"]).ok();
    let other_ca = fixture("tsa/other-ca.pem").display().to_string();
    let untrusted = env
        .run(&["timestamp", "--tsa", &tsa.url(), "--tsa-ca", &other_ca])
        .code(2);
    assert!(
        untrusted.one_line_error().contains(&tsa.url()),
        "{}",
        untrusted.stderr
    );
    let newest = newest_checkpoint(&env.archive());
    assert!(
        !newest.with_extension("checkpoint.tsr").exists(),
        "an untrusted token is not kept"
    );
    env.run(&["timestamp", "--tsa", &tsa.url(), "--tsa-ca", &ca]).ok();
    let again = env.run(&["timestamp", "--tsa", &tsa.url()]).code(2);
    assert!(
        again.one_line_error().contains("timestamped already"),
        "{}",
        again.stderr
    );
    let down = Env::new();
    write_docs(&down, &["one"]);
    down.run(&["keygen"]).ok();
    down.run(&["checkpoint"]).ok();
    let refused = down
        .run(&["timestamp", "--tsa", "http://127.0.0.1:9/tsa"])
        .code(2);
    assert!(
        refused.one_line_error().contains("127.0.0.1:9"),
        "{}",
        refused.stderr
    );
}

/// The matrix: one archive with two checkpoints and a timestamp, each
/// case made on a fresh copy of it, each reported by name.
struct Matrix {
    env: Env,
    tsa_ca: String,
    /// Blobs of the first two documents.
    blobs: Vec<PathBuf>,
}

impl Matrix {
    fn build() -> Matrix {
        let env = Env::new();
        let first = write_docs(&env, &["one", "two"]);
        env.run(&["keygen"]).ok();
        env.run(&["checkpoint"]).ok();
        fs::create_dir_all(env.path("kept")).unwrap();
        fs::copy(newest_checkpoint(&env.archive()), env.path("kept/old.checkpoint")).unwrap();
        copy_tree(&env.archive(), &env.path("archive-old"));
        write_docs(&env, &["three", "four"]);
        env.run(&["checkpoint"]).ok();
        fs::copy(newest_checkpoint(&env.archive()), env.path("kept/new.checkpoint")).unwrap();
        let tsa = Tsa::start();
        fs::copy(tsa.ca_pem(), env.path("kept/tsa-ca.pem")).unwrap();
        env.run(&["timestamp", "--tsa", &tsa.url()]).ok();
        let blobs = first.iter().map(|id| env.blob(id)).collect();
        Matrix {
            tsa_ca: env.path("kept/tsa-ca.pem").display().to_string(),
            env,
            blobs,
        }
    }

    /// Damages a fresh copy of the archive and returns `verify`'s exit
    /// status and problem names, with the extra arguments.
    fn case(&self, name: &str, damage: impl FnOnce(&Path), extra: &[&str]) -> (i32, Vec<String>) {
        let copy = self.env.path(&format!("case-{name}"));
        copy_tree(&self.env.archive(), &copy);
        damage(&copy);
        let mut args = vec!["--json", "verify", "--tsa-ca", &self.tsa_ca];
        let copy_arg = copy.display().to_string();
        args.extend_from_slice(&["--archive", &copy_arg]);
        args.extend_from_slice(extra);
        let run = self.env.run(&args);
        let json = run.json();
        let problems = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["problem"].as_str().unwrap().to_string())
            .collect();
        (run.code, problems)
    }

    fn blob_in(&self, copy: &Path, i: usize) -> PathBuf {
        let rel = self.blobs[i].strip_prefix(self.env.archive()).unwrap();
        copy.join(rel)
    }
}

fn edit_lines(archive: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let log = archive.join("log.jsonl");
    let mut lines: Vec<String> = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    edit(&mut lines);
    fs::write(&log, lines.join("\n") + "\n").unwrap();
}

/// Moves a capture's retrieval a year back: the forgery the log exists to
/// catch.
fn backdate(line: &mut String) {
    let json: Value = serde_json::from_str(line).unwrap();
    assert_eq!(json["kind"], "capture");
    let when = json["retrieved"].as_str().unwrap();
    let year: u32 = when[..4].parse().unwrap();
    let earlier = format!("{}{}", year - 1, &when[4..]);
    *line = line.replacen(when, &earlier, 1);
}

/// What a forger with write access does: edits an entry, then recomputes
/// every link after it and the head, drops the derived tree file and
/// the checkpoints it cannot re-sign. Only a checkpoint kept elsewhere
/// can tell.
fn rewrite_history(archive: &Path) {
    recompute_after_edit(archive);
    fs::remove_dir_all(archive.join("checkpoints")).unwrap();
}

/// The forger's edit and recomputation, leaving the checkpoints.
fn recompute_after_edit(archive: &Path) {
    edit_lines(archive, |lines| {
        backdate(&mut lines[1]);
        for i in 1..lines.len() {
            let prev: Value = serde_json::from_str(&lines[i]).unwrap();
            let old = prev["prev"].as_str().unwrap().to_string();
            let new = sha_hex(lines[i - 1].as_bytes());
            lines[i] = lines[i].replacen(&old, &new, 1);
        }
    });
    let log = fs::read(archive.join("log.jsonl")).unwrap();
    let last = log[..log.len() - 1].rsplit(|&b| b == b'\n').next().unwrap();
    let head = serde_json::json!({
        "entries": log.iter().filter(|&&b| b == b'\n').count(),
        "log_bytes": log.len(),
        "last_entry": sha_hex(last),
    });
    fs::write(archive.join("head.json"), head.to_string()).unwrap();
    fs::remove_file(archive.join("tree.hashes")).unwrap();
    // The index would remember the old history; a forger deletes it, and
    // it is rebuilt from the forged log.
    let _ = fs::remove_file(archive.join("index.sqlite"));
}

fn flip_byte(path: &Path, at: usize) {
    make_writable(path);
    let mut bytes = fs::read(path).unwrap();
    let i = at.min(bytes.len() - 1);
    bytes[i] ^= 0x01;
    fs::write(path, bytes).unwrap();
}

#[test]
fn verify_names_every_kind_of_damage_in_the_corruption_matrix() {
    let m = Matrix::build();
    let (code, problems) = m.case("intact", |_| {}, &["--checkpoint", "kept/old.checkpoint"]);
    assert_eq!(
        (code, problems),
        (0, vec![]),
        "an intact archive passes with no finding"
    );

    let expect = |name: &str, outcome: (i32, Vec<String>), problem: &str| {
        assert_eq!(outcome.0, 1, "{name}: exit status with {:?}", outcome.1);
        assert!(
            outcome.1.iter().any(|p| p == problem),
            "{name}: expected {problem} among {:?}",
            outcome.1
        );
    };
    let blob0 = |c: &Path| m.blob_in(c, 0);
    let blob1 = |c: &Path| m.blob_in(c, 1);
    expect(
        "bit flip",
        m.case("bitflip", |c| flip_byte(&blob0(c), 5), &[]),
        "blob_changed",
    );
    expect(
        "missing blob",
        m.case("missing", |c| fs::remove_file(blob0(c)).unwrap(), &[]),
        "blob_missing",
    );
    expect(
        "swapped blobs",
        m.case(
            "swapped",
            |c| {
                let (a, b) = (blob0(c), blob1(c));
                let tmp = c.join("swap");
                fs::rename(&a, &tmp).unwrap();
                fs::rename(&b, &a).unwrap();
                fs::rename(&tmp, &b).unwrap();
            },
            &[],
        ),
        "blob_changed",
    );
    expect(
        "edited entry",
        m.case("edited", |c| edit_lines(c, |l| backdate(&mut l[1])), &[]),
        "entry_changed",
    );
    expect(
        "deleted entry",
        m.case("deleted", |c| edit_lines(c, |l| drop(l.remove(3))), &[]),
        "entry_sequence",
    );
    expect(
        "reordered entries",
        m.case("reordered", |c| edit_lines(c, |l| l.swap(2, 3)), &[]),
        "entry_sequence",
    );
    expect(
        "truncated log",
        m.case("truncated", |c| edit_lines(c, |l| l.truncate(l.len() - 2)), &[]),
        "log_shortened",
    );
    let (code, problems) = m.case("rewritten-unseen", rewrite_history, &[]);
    assert!(
        code == 0
            && !problems
                .iter()
                .any(|p| p.starts_with("entry") || p.starts_with("log")),
        "a full rewrite defeats the chain alone: {problems:?}"
    );
    expect(
        "history rewritten",
        m.case(
            "rewritten",
            rewrite_history,
            &["--checkpoint", "kept/old.checkpoint"],
        ),
        "history_rewritten",
    );
    let old = m.env.path("archive-old");
    expect(
        "rollback",
        m.case(
            "rollback",
            |c| {
                fs::remove_dir_all(c).unwrap();
                copy_tree(&old, c);
            },
            &["--checkpoint", "kept/new.checkpoint"],
        ),
        "log_rolled_back",
    );
    expect(
        "forged checkpoint signature",
        m.case(
            "forged",
            |c| {
                let cp = newest_checkpoint(c);
                let text = fs::read_to_string(&cp).unwrap();
                let lines: Vec<&str> = text.lines().collect();
                let root = lines[2];
                let forged_root = format!("{}{}", if root.starts_with('A') { "B" } else { "A" }, &root[1..]);
                make_writable(&cp);
                fs::write(&cp, text.replacen(root, &forged_root, 1)).unwrap();
            },
            &[],
        ),
        "checkpoint_forged",
    );
    let other = other_key_checkpoint(&m.env);
    expect(
        "checkpoint from another key",
        m.case(
            "otherkey",
            |c| {
                let name = other.file_name().unwrap();
                fs::copy(&other, c.join("checkpoints").join(name)).unwrap();
            },
            &[],
        ),
        "checkpoint_unknown_key",
    );
    let other_arg = other.display().to_string();
    expect(
        "given checkpoint from another key",
        m.case("otherkey-given", |_| {}, &["--checkpoint", &other_arg]),
        "checkpoint_unknown_key",
    );
    expect(
        "altered timestamp token",
        m.case(
            "token",
            |c| {
                let token = newest_checkpoint(c).with_extension("checkpoint.tsr");
                let len = fs::metadata(&token).unwrap().len() as usize;
                flip_byte(&token, len - 3);
            },
            &[],
        ),
        "timestamp_forged",
    );
}

/// A checkpoint signed by another key, over another archive of one entry.
fn other_key_checkpoint(env: &Env) -> PathBuf {
    let dir = env.path("other");
    let other = dir.display().to_string();
    env.run(&["--archive", &other, "init"]).ok();
    env.run(&["--archive", &other, "keygen", "--key", "other.key"])
        .ok();
    env.run(&["--archive", &other, "checkpoint", "--key", "other.key"])
        .ok();
    newest_checkpoint(&dir)
}

#[test]
fn checkpoint_refuses_to_sign_a_history_that_contradicts_the_last_one() {
    let (env, _) = signed_archive();
    recompute_after_edit(&env.archive());
    let (code, problems) = (env.verify().0, env.problems());
    assert_eq!(code, 1);
    assert!(
        problems.contains(&"history_rewritten".to_string()),
        "{problems:?}"
    );
    let refused = env.run(&["checkpoint"]).code(2);
    assert!(
        refused.one_line_error().contains("refusing to sign"),
        "{}",
        refused.stderr
    );
    assert_eq!(checkpoints(&env.archive()).len(), 1, "nothing new was signed");
}

#[test]
fn a_checkpoint_of_another_archive_signed_by_the_same_key_is_foreign() {
    let (env, _) = signed_archive();
    env.run(&["--archive", "second", "init"]).ok();
    env.run(&["--archive", "second", "checkpoint"]).ok();
    let theirs = newest_checkpoint(&env.path("second")).display().to_string();
    let json = env
        .run(&["--json", "verify", "--checkpoint", &theirs])
        .code(1)
        .json();
    assert_eq!(json["findings"][0]["problem"], "checkpoint_foreign", "{json}");
    let id = &env.list_ids()[0];
    let refused = env.run(&["proof", id, "--checkpoint", &theirs]).code(2);
    assert!(
        refused.one_line_error().contains("not of this archive"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_crash_between_commit_and_tree_leaves_nothing_a_checkpoint_cannot_mend() {
    let (env, _) = signed_archive();
    let old = env.path("old.checkpoint");
    fs::copy(newest_checkpoint(&env.archive()), &old).unwrap();
    let tree_before = fs::read(env.path("archive/tree.hashes")).unwrap();
    env.write("docs/crash.txt", "added by a process killed after its commit\n");
    let crashed = env
        .cmd(&["add", "docs/crash.txt"])
        .env("PROVENANCE_TEST_CRASH_AT", "head-written")
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "the add was killed");
    assert_eq!(
        fs::read(env.path("archive/tree.hashes")).unwrap(),
        tree_before,
        "killed before the tree was extended"
    );
    // The index, updated after the tree, is behind as well: a warning.
    assert_eq!(
        env.problems(),
        vec!["index_stale".to_string()],
        "a tree behind the log is no damage"
    );
    let made = env.run(&["--json", "checkpoint"]).ok().json();
    assert_eq!(made["tree_size"], log_line_count(&env) as u64);
    let id = sha_hex(b"added by a process killed after its commit\n");
    env.run(&["proof", &id]).ok();
    let json = env
        .run(&["--json", "verify", "--checkpoint", "old.checkpoint"])
        .ok()
        .json();
    // Only the index is still behind: neither command reads it.
    let problems: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["problem"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["index_stale"], "{json}");
}

#[test]
fn checkpoint_refuses_to_sign_a_log_whose_chain_is_broken() {
    let env = Env::new();
    write_docs(&env, &["one", "two"]);
    env.run(&["keygen"]).ok();
    edit_lines(&env.archive(), |lines| backdate(&mut lines[1]));
    let refused = env.run(&["checkpoint"]).code(2);
    assert!(
        refused
            .one_line_error()
            .contains("refusing to sign: entry 2 is not linked"),
        "{}",
        refused.stderr
    );
    assert!(checkpoints(&env.archive()).is_empty());
}
