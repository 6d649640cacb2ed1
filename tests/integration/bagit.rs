//! BagIt export and `verify --bag`, through the real binary: bags that the
//! Library of Congress's own validator (`bagit.py`, PyPI bagit) accepts,
//! damage that it catches and that `verify --bag` names, damage made
//! consistent with the manifests that only the signature, the log and the
//! checkpoint catch, and a bag forged whole with another key that only a
//! key from a trusted source catches.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest as _, Sha256, Sha512};

use crate::harness::*;
use crate::http_server::{Reply, Server};
use crate::tsa::Tsa;

/// A signed archive exported whole to `bag`.
fn bagged() -> (Env, Vec<String>) {
    let (env, ids) = signed_archive();
    env.run(&["export", "--bagit", "bag"]).ok();
    (env, ids)
}

/// `bagit.py --validate DIR`: whether the reference validator accepts it.
fn bagit_py(dir: &Path) -> (bool, String) {
    let out = Command::new(venv_tool("bagit.py"))
        .arg("--validate")
        .arg(dir)
        .output()
        .expect("run bagit.py");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// `verify --bag DIR --json`: exit status, problem names, the report.
fn verify_bag(env: &Env, dir: &str, extra: &[&str]) -> (i32, Vec<String>, Value) {
    let mut args = vec!["--json", "verify", "--bag", dir];
    args.extend_from_slice(extra);
    let run = env.run(&args);
    let json = run.json();
    let problems = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["problem"].as_str().unwrap().to_string())
        .collect();
    (run.code, problems, json)
}

/// A damaged copy of the bag, so that each case starts from a sound one.
fn damaged(env: &Env, name: &str, damage: impl FnOnce(&Path)) -> String {
    let rel = format!("case-{name}");
    copy_tree(&env.path("bag"), &env.path(&rel));
    damage(&env.path(&rel));
    rel
}

/// Every file of a directory tree, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn payload(bag: &Path) -> Vec<String> {
    files(bag)
        .into_iter()
        .filter(|f| f.starts_with("data/"))
        .collect()
}

fn digest_hex(alg: &str, bytes: &[u8]) -> String {
    match alg {
        "sha256" => hex::encode(Sha256::digest(bytes)),
        _ => hex::encode(Sha512::digest(bytes)),
    }
}

/// What a forger who knows BagIt does after editing a tag file: hashes
/// every file the tag manifests list again, so that the manifests agree.
fn rehash_tag_manifests(bag: &Path) {
    for alg in ["sha256", "sha512"] {
        let manifest = bag.join(format!("tagmanifest-{alg}.txt"));
        let text: String = fs::read_to_string(&manifest)
            .unwrap()
            .lines()
            .map(|line| {
                let (_, file) = line.split_once(' ').unwrap();
                format!("{} {file}\n", digest_hex(alg, &fs::read(bag.join(file)).unwrap()))
            })
            .collect();
        fs::write(&manifest, text).unwrap();
    }
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = fs::read(path).unwrap();
    let i = at.min(bytes.len() - 1);
    bytes[i] ^= 0x01;
    fs::write(path, bytes).unwrap();
}

fn tlog_verify(args: &[&dyn AsRef<OsStr>]) -> (bool, String) {
    let args: Vec<&OsStr> = args.iter().map(|a| a.as_ref()).collect();
    run_python("tlog_verify.py", &args)
}

/// An independent check of the bag's signature, with Python's
/// `cryptography`: the signed note by the key, over the text that names
/// both tag manifests by the digests they have.
const CHECK_SIGNATURE: &str = r#"
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
vkey, bag = sys.argv[1], sys.argv[2]
name, key_id, key = vkey.strip().split("+", 2)
public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key)[1:])
note = open(bag + "/provenance/tagmanifest.sig", encoding="utf-8").read()
text, _, signatures = note.rpartition("\n\n")
text += "\n"
signer, blob = signatures.strip()[2:].split(" ")
blob = base64.b64decode(blob)
assert signer == name and blob[:4].hex() == key_id, "signed by another key"
public.verify(blob[4:], text.encode())
lines = text.splitlines()
assert lines[0] == "provenance bag", lines
for alg, line in zip(["sha256", "sha512"], lines[2:]):
    digest, file = line.split(" ")
    assert file == "tagmanifest-%s.txt" % alg, line
    with open(bag + "/" + file, "rb") as f:
        assert hashlib.new(alg, f.read()).hexdigest() == digest, file
print("ok", lines[1])
"#;

fn check_signature_in_python(vkey: &str, bag: &Path) -> (bool, String) {
    let out = Command::new(python())
        .arg("-c")
        .arg(CHECK_SIGNATURE)
        .arg(vkey)
        .arg(bag)
        .output()
        .expect("run python");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

fn assert_no_private_key_in(dir: &Path) {
    for rel in files(dir) {
        let bytes = fs::read(dir.join(&rel)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("PRIVATE+KEY"),
            "{rel} holds a private key"
        );
    }
}

const PAGE: &str = "<!doctype html><html><head><title>Bridge contract</title></head>\
<body><article><h1>Ministers face questions</h1><p>A contract was awarded without a tender.</p></article></body></html>\n";

#[test]
fn a_bag_of_url_file_and_stdin_captures_is_valid_for_bagit_py_and_verify_bag() {
    let env = Env::new();
    let server = Server::http(|req| match req.path.as_str() {
        "/bridge" => Reply::ok(PAGE).header("Content-Type", "text/html; charset=utf-8"),
        _ => Reply::not_found(),
    });
    let url = server.url("/bridge");
    let page = ids(&env.run(&["add", &url]).ok()).remove(0);
    let pdf = fs::read(fixture("pdf/text.pdf")).unwrap();
    env.write("files/report.pdf", &pdf);
    let file = env.add(&["files/report.pdf"]).remove(0);
    let stdin = ids(&env
        .run_stdin(&["add", "-"], b"Said on the phone, noted at once.\n")
        .ok())
    .remove(0);
    // The same bytes again: a second capture, still one payload file.
    env.add(&["files/report.pdf"]);
    env.run(&["keygen", "--name", "example.org/newsroom"]).ok();
    env.run(&["checkpoint"]).ok();
    let vkey = env.run(&["key"]).ok().out().trim().to_string();

    let run = env
        .run(&[
            "--json",
            "export",
            "--bagit",
            "out/bag",
            "--source-organization",
            "Example Newsroom",
        ])
        .ok();
    let summary = run.json();
    assert_eq!(summary["documents"], 3, "{summary}");
    assert_eq!(summary["public_key"], vkey.as_str());
    let bag = env.path("out/bag");

    // The layout: payload named by hash and media type, never by the URL
    // or the file's name.
    assert_eq!(payload(&bag), {
        let mut p = vec![
            format!("data/{page}.html"),
            format!("data/{file}.pdf"),
            format!("data/{stdin}.txt"),
        ];
        p.sort();
        p
    });
    for rel in payload(&bag) {
        let id = rel[5..69].to_string();
        assert_eq!(sha256sum(&bag.join(&rel)), id, "{rel} hashes to its name");
        env.assert_cat(&id, &fs::read(bag.join(&rel)).unwrap());
    }
    let mut tags: Vec<String> = files(&bag)
        .into_iter()
        .filter(|f| !f.starts_with("data/"))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            "bag-info.txt",
            "bagit.txt",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            "provenance/checkpoint",
            "provenance/key.pub",
            "provenance/log.jsonl",
            "provenance/tagmanifest.sig",
            "tagmanifest-sha256.txt",
            "tagmanifest-sha512.txt",
        ]
    );
    assert_eq!(
        fs::read_to_string(bag.join("bagit.txt")).unwrap(),
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    );
    assert_eq!(
        fs::read(bag.join("provenance/log.jsonl")).unwrap(),
        fs::read(env.log()).unwrap(),
        "the log, byte for byte"
    );
    assert_eq!(
        fs::read_to_string(bag.join("provenance/key.pub")).unwrap().trim(),
        vkey
    );
    assert_no_private_key_in(&bag);
    let manifest = fs::read_to_string(bag.join("manifest-sha512.txt")).unwrap();
    assert_eq!(manifest.lines().count(), 3);
    for line in manifest.lines() {
        let (sum, rel) = line.split_once(' ').unwrap();
        assert_eq!(sum, digest_hex("sha512", &fs::read(bag.join(rel)).unwrap()));
    }
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let archive_id = env.log_lines()[0].split("\"archive_id\":\"").nth(1).unwrap()[..32].to_string();
    let oxum = format!(
        "Payload-Oxum: {}.3\n",
        PAGE.len() + pdf.len() + "Said on the phone, noted at once.\n".len()
    );
    for field in [
        "Source-Organization: Example Newsroom\n",
        &format!("External-Identifier: provenance/{archive_id}\n"),
        &oxum,
        "Bag-Software-Agent: provenance ",
        "Bag-Size: ",
        "External-Description: 3 documents of the provenance archive",
        &format!("Provenance-Public-Key: {vkey}\n"),
    ] {
        assert!(info.contains(field), "no {field:?} in:\n{info}");
    }
    let date = info.split("Bagging-Date: ").nth(1).unwrap();
    assert!(
        date.as_bytes()[..10].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        }),
        "{info}"
    );

    let (ok, said) = bagit_py(&bag);
    assert!(ok, "bagit.py --validate: {said}");
    let (code, problems, report) = verify_bag(&env, "out/bag", &[]);
    assert_eq!((code, problems), (0, vec![]), "{report}");
    assert_eq!(report["blobs"], 3);
    assert_eq!(report["captures"], 4);
    assert_eq!(report["checkpoints"], 1);
    let (code, problems, _) = verify_bag(&env, "out/bag", &["--public-key", &vkey]);
    assert_eq!((code, problems), (0, vec![]));
    let human = env.run(&["verify", "--bag", "out/bag"]).ok();
    assert!(human.out().starts_with("ok: verified "), "{}", human.out());

    // Independent verifiers: the checkpoint and the root of the bag's log
    // (tlog_verify.py), the bag's signature (cryptography).
    let checkpoint = bag.join("provenance/checkpoint");
    let (ok, said) = tlog_verify(&[&"note", &vkey, &checkpoint]);
    assert!(ok, "{said}");
    let fields: Vec<&str> = said.split_whitespace().collect();
    let (ok, root) = tlog_verify(&[&"root", &bag.join("provenance/log.jsonl"), &fields[2]]);
    assert!(ok, "{root}");
    assert_eq!(root.trim(), fields[3], "the checkpoint's root is the bag's log's");
    let (ok, said) = check_signature_in_python(&vkey, &bag);
    assert!(ok, "{said}");
    assert_eq!(said.trim(), format!("ok provenance/{archive_id}"));
}

#[test]
fn a_flipped_payload_byte_fails_bagit_py_and_verify_bag() {
    let (env, ids) = bagged();
    let case = damaged(&env, "flipped", |bag| {
        flip_byte(&bag.join(format!("data/{}.txt", ids[1])), 7);
    });
    let (ok, said) = bagit_py(&env.path(&case));
    assert!(!ok, "bagit.py accepted a changed payload file: {said}");
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(
        (code, problems),
        (1, vec!["bag_payload_changed".to_string()]),
        "{report}"
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains(&format!("data/{}.txt", ids[1])), "{message}");
    assert!(
        message.contains("manifest-sha256.txt") && message.contains("manifest-sha512.txt"),
        "{message}"
    );
    let human = env.run(&["verify", "--bag", &case]).code(1);
    assert!(human.out().contains("FAILED: 1 error"), "{}", human.out());
}

#[test]
fn a_removed_payload_file_fails_bagit_py_and_verify_bag() {
    let (env, ids) = bagged();
    let case = damaged(&env, "removed", |bag| {
        fs::remove_file(bag.join(format!("data/{}.txt", ids[0]))).unwrap();
    });
    let (ok, said) = bagit_py(&env.path(&case));
    assert!(!ok, "bagit.py accepted a bag missing a file: {said}");
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems, ["bag_payload_missing", "bag_oxum"], "{report}");
}

#[test]
fn a_file_slipped_into_the_bag_is_unlisted() {
    let (env, _) = bagged();
    let case = damaged(&env, "added", |bag| {
        fs::write(bag.join("data/planted.txt"), "planted later\n").unwrap();
    });
    let (ok, _) = bagit_py(&env.path(&case));
    assert!(!ok);
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems, ["bag_payload_unlisted", "bag_oxum"], "{report}");

    // Beside the tag files, BagIt lets it be; the signature does not cover
    // it, which is said.
    let case = damaged(&env, "added-tag", |bag| {
        fs::write(bag.join("provenance/README"), "added later\n").unwrap();
    });
    let (ok, said) = bagit_py(&env.path(&case));
    assert!(ok, "{said}");
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(
        (code, problems),
        (1, vec!["bag_tag_unlisted".to_string()]),
        "{report}"
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("not listed in tagmanifest-sha256.txt nor in tagmanifest-sha512.txt"),
        "{message}"
    );
}

#[test]
fn a_log_edited_with_its_tag_manifests_rehashed_passes_bagit_py_but_not_verify_bag() {
    let (env, _) = bagged();
    let case = damaged(&env, "log", |bag| {
        let log = bag.join("provenance/log.jsonl");
        let text = fs::read_to_string(&log).unwrap();
        // Backdates the first capture by a year: what the log is for.
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let when = lines[1].split("\"retrieved\":\"").nth(1).unwrap()[..4].to_string();
        let year: u32 = when.parse().unwrap();
        lines[1] = lines[1].replacen(
            &format!("\"retrieved\":\"{when}"),
            &format!("\"retrieved\":\"{}", year - 1),
            1,
        );
        fs::write(&log, lines.join("\n") + "\n").unwrap();
        rehash_tag_manifests(bag);
    });
    let (ok, said) = bagit_py(&env.path(&case));
    assert!(ok, "the forger's bag is a valid bag to bagit.py: {said}");
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        problems,
        [
            "bag_log_broken",
            "bag_checkpoint_mismatch",
            "bag_signature_invalid"
        ],
        "{report}"
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("line 3"), "{}", messages[0]);
    assert!(
        messages[2].contains("tagmanifest-sha256.txt was changed after the bag was signed"),
        "{}",
        messages[2]
    );
}

#[test]
fn an_edited_bag_info_is_caught_whether_or_not_the_tag_manifests_are_rehashed() {
    let (env, _) = bagged();
    let edit = |bag: &Path| {
        let info = bag.join("bag-info.txt");
        let text = fs::read_to_string(&info).unwrap();
        fs::write(&info, text + "Source-Organization: Somebody Else\n").unwrap();
    };
    let plain = damaged(&env, "info", edit);
    let (ok, _) = bagit_py(&env.path(&plain));
    assert!(!ok, "bagit.py checks the tag manifests");
    let (code, problems, report) = verify_bag(&env, &plain, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems, ["bag_tag_changed"], "{report}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("bag-info.txt: changed since the bag was made"),
        "{message}"
    );

    let rehashed = damaged(&env, "info-rehashed", |bag| {
        edit(bag);
        rehash_tag_manifests(bag);
    });
    let (ok, said) = bagit_py(&env.path(&rehashed));
    assert!(ok, "{said}");
    let (code, problems, report) = verify_bag(&env, &rehashed, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems, ["bag_signature_invalid"], "{report}");
}

#[test]
fn a_forged_checkpoint_is_caught() {
    let (env, _) = bagged();
    let case = damaged(&env, "checkpoint", |bag| {
        let path = bag.join("provenance/checkpoint");
        let text = fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
        // Another root, the signature left as it was.
        let root = &mut lines[2];
        let first = if root.starts_with('A') { "B" } else { "A" };
        root.replace_range(..1, first);
        fs::write(&path, lines.join("\n")).unwrap();
        rehash_tag_manifests(bag);
    });
    let (ok, said) = bagit_py(&env.path(&case));
    assert!(ok, "{said}");
    let (code, problems, report) = verify_bag(&env, &case, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        problems,
        [
            "bag_checkpoint_invalid",
            "bag_checkpoint_mismatch",
            "bag_signature_invalid"
        ],
        "{report}"
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("does not verify"), "{message}");
}

#[test]
fn a_bag_forged_whole_with_another_key_fails_only_against_the_trusted_key() {
    let (env, _) = bagged();
    let vkey = env.run(&["key"]).ok().out().trim().to_string();
    // The forger copies the archive, backdates a capture, rewrites the
    // chain, and signs everything with a key of their own.
    let forger = Env::new();
    copy_tree(&env.archive(), &forger.archive());
    fs::remove_file(forger.path("archive/key.pub")).unwrap();
    fs::remove_dir_all(forger.path("archive/checkpoints")).unwrap();
    fs::remove_file(forger.path("archive/tree.hashes")).unwrap();
    let mut lines = forger.log_lines();
    let when = lines[1].split("\"retrieved\":\"").nth(1).unwrap()[..4].to_string();
    let year: u32 = when.parse().unwrap();
    lines[1] = lines[1].replacen(
        &format!("\"retrieved\":\"{when}"),
        &format!("\"retrieved\":\"{}", year - 1),
        1,
    );
    for i in 2..lines.len() {
        let json: Value = serde_json::from_str(&lines[i]).unwrap();
        let old = json["prev"].as_str().unwrap().to_string();
        let new = hex::encode(Sha256::digest(lines[i - 1].as_bytes()));
        lines[i] = lines[i].replacen(&old, &new, 1);
    }
    forger.write_log_lines(&lines);
    let log = fs::read(forger.log()).unwrap();
    let head = serde_json::json!({
        "entries": lines.len(),
        "log_bytes": log.len(),
        "last_entry": hex::encode(Sha256::digest(lines.last().unwrap().as_bytes())),
    });
    fs::write(forger.path("archive/head.json"), head.to_string()).unwrap();
    forger.run(&["keygen", "--name", "example.org/newsroom"]).ok();
    forger.run(&["checkpoint"]).ok();
    forger.run(&["export", "--bagit", "forged"]).ok();
    let forged = forger.path("forged").display().to_string();

    let (ok, said) = bagit_py(Path::new(&forged));
    assert!(ok, "{said}");
    let (code, problems, _) = verify_bag(&env, &forged, &[]);
    assert_eq!(
        (code, problems),
        (0, vec![]),
        "against its own key.pub, a forgery is consistent"
    );
    let (code, problems, report) = verify_bag(&env, &forged, &["--public-key", &vkey]);
    assert_eq!(code, 1);
    assert_eq!(
        problems,
        ["bag_checkpoint_invalid", "bag_signature_invalid"],
        "{report}"
    );
    let message = report["findings"][1]["message"].as_str().unwrap();
    assert!(message.contains(&format!("not signed by {vkey}")), "{message}");
}

#[test]
fn id_selection_exports_only_those_documents() {
    let (env, ids) = signed_archive();
    env.run(&["export", "--bagit", "bag", &ids[1][..12]]).ok();
    let bag = env.path("bag");
    assert_eq!(payload(&bag), [format!("data/{}.txt", ids[1])]);
    assert_eq!(
        fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap(),
        format!("{} data/{}.txt\n", ids[1], ids[1])
    );
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let size = fs::metadata(bag.join(format!("data/{}.txt", ids[1])))
        .unwrap()
        .len();
    assert!(info.contains(&format!("Payload-Oxum: {size}.1\n")), "{info}");
    assert!(info.contains("External-Description: 1 document of"), "{info}");
    // The whole log still: the checkpoint is over all of it.
    assert_eq!(
        fs::read(bag.join("provenance/log.jsonl")).unwrap(),
        fs::read(env.log()).unwrap()
    );
    let (ok, said) = bagit_py(&bag);
    assert!(ok, "{said}");
    let (code, problems, _) = verify_bag(&env, "bag", &[]);
    assert_eq!((code, problems), (0, vec![]));

    let unknown = env.run(&["export", "--bagit", "other", "00000000"]).code(2);
    unknown.one_line_error();
    assert!(!env.path("other").exists());
}

#[test]
fn a_non_empty_directory_is_refused_and_an_empty_one_is_filled() {
    let (env, _) = signed_archive();
    env.write("full/notes.txt", "mine\n");
    let refused = env.run(&["export", "--bagit", "full"]).code(2);
    let err = refused.one_line_error();
    assert!(err.contains("full") && err.contains("not empty"), "{err}");
    assert_eq!(files(&env.path("full")), ["notes.txt"], "left as it was");
    env.write("a-file", "x");
    let refused = env.run(&["export", "--bagit", "a-file"]).code(2);
    assert!(refused.one_line_error().contains("not a directory"));

    fs::create_dir(env.path("empty")).unwrap();
    env.run(&["export", "--bagit", "empty"]).ok();
    assert!(env.path("empty/bagit.txt").exists());
    assert_eq!(verify_bag(&env, "empty", &[]).0, 0);
    let leftovers: Vec<String> = fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".provenance-bag-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_archive_without_a_key_or_a_checkpoint_or_with_another_key_is_refused() {
    let env = Env::new();
    write_docs(&env, &["one"]);
    let no_key = env.run(&["export", "--bagit", "bag"]).code(2);
    assert!(
        no_key.one_line_error().contains("`provenance keygen`"),
        "{}",
        no_key.stderr
    );
    env.run(&["keygen"]).ok();
    let no_checkpoint = env.run(&["export", "--bagit", "bag"]).code(2);
    assert!(
        no_checkpoint.one_line_error().contains("`provenance checkpoint`"),
        "{}",
        no_checkpoint.stderr
    );
    env.run(&["checkpoint"]).ok();
    // keygen refuses an archive that has a key: the other key is made
    // where there is none.
    let elsewhere = Env::new();
    elsewhere.run(&["keygen", "--key", "other.key"]).ok();
    let other = elsewhere.path("other.key").display().to_string();
    let wrong = env.run(&["export", "--bagit", "bag", "--key", &other]).code(2);
    assert!(
        wrong.one_line_error().contains("not the archive's"),
        "{}",
        wrong.stderr
    );
    assert!(!env.path("bag").exists());
    let names: Vec<String> = fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".provenance-bag-")),
        "{names:?}"
    );
}

#[test]
fn a_crash_before_the_rename_leaves_no_bag_under_dir() {
    let (env, _) = signed_archive();
    let out = env
        .cmd(&["export", "--bagit", "bag"])
        .env("PROVENANCE_TEST_CRASH_AT", "bag-staged")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!env.path("bag").exists(), "no half bag");
    let staged: Vec<PathBuf> = fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".provenance-bag-")
        })
        .collect();
    assert_eq!(staged.len(), 1, "the staging directory stays beside it");
    env.run(&["export", "--bagit", "bag"]).ok();
    assert_eq!(verify_bag(&env, "bag", &[]).0, 0);
}

#[test]
fn a_bag_carries_the_checkpoints_timestamp_which_verifies_with_the_tsa_ca() {
    let (env, _) = signed_archive();
    let tsa = Tsa::start();
    let ca = tsa.ca_pem().display().to_string();
    env.run(&["timestamp", "--tsa", &tsa.url(), "--tsa-ca", &ca]).ok();
    let summary = env.run(&["--json", "export", "--bagit", "bag"]).ok().json();
    assert_eq!(summary["timestamp"], true);
    let bag = env.path("bag");
    let (ok, said) = tsa.openssl_verify(
        &bag.join("provenance/checkpoint.tsr"),
        &bag.join("provenance/checkpoint"),
    );
    assert!(ok, "openssl ts -verify: {said}");
    let (ok, said) = bagit_py(&bag);
    assert!(ok, "{said}");

    let (code, problems, report) = verify_bag(&env, "bag", &["--tsa-ca", &ca]);
    assert_eq!((code, problems), (0, vec![]), "{report}");
    assert_eq!(report["timestamps"], 1);
    let (code, problems, _) = verify_bag(&env, "bag", &[]);
    assert_eq!((code, problems), (0, vec!["timestamp_unchecked".to_string()]));

    let case = damaged(&env, "token", |bag| {
        flip_byte(&bag.join("provenance/checkpoint.tsr"), 200);
        rehash_tag_manifests(bag);
    });
    let (code, problems, report) = verify_bag(&env, &case, &["--tsa-ca", &ca]);
    assert_eq!(code, 1);
    assert!(
        problems.iter().any(|p| p.starts_with("timestamp_"))
            && problems.contains(&"bag_signature_invalid".into()),
        "{report}"
    );
}

#[test]
fn documents_captured_after_the_checkpoint_are_exported_with_a_warning() {
    let (env, _) = signed_archive();
    let late = write_docs(&env, &["late"]).remove(0);
    let run = env.run(&["export", "--bagit", "bag"]).ok();
    assert!(
        run.out().contains("run `provenance checkpoint` before exporting"),
        "{}",
        run.out()
    );
    let (code, problems, report) = verify_bag(&env, "bag", &[]);
    assert_eq!(code, 0, "a warning: {report}");
    assert_eq!(problems, ["bag_document_uncheckpointed"]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains(&late), "{message}");
}

#[test]
fn a_directory_that_is_not_a_bag_is_said_to_be_none() {
    let env = Env::new();
    env.write("plain/readme.txt", "hello\n");
    let (code, problems, _) = verify_bag(&env, "plain", &[]);
    assert_eq!((code, problems), (1, vec!["bag_not_a_bag".to_string()]));
    let missing = env.run(&["verify", "--bag", "nowhere"]).code(2);
    assert!(missing.one_line_error().contains("nowhere"), "{}", missing.stderr);
}

#[test]
fn export_and_verify_stream_a_document_larger_than_their_memory() {
    const SIZE: usize = 48 << 20;
    const LIMIT_KIB: &str = "73728";
    let env = Env::new();
    let big = env.path("big.bin");
    let mut bytes = vec![0u8; SIZE];
    for (i, chunk) in bytes.chunks_mut(4096).enumerate() {
        chunk[..8].copy_from_slice(&(i as u64).to_le_bytes());
    }
    fs::write(&big, &bytes).unwrap();
    drop(bytes);
    let id = env.add(&["big.bin"]).remove(0);
    env.run(&["keygen"]).ok();
    env.run(&["checkpoint"]).ok();
    // Less address space than the document plus the program's own: a read
    // of the whole document would fail.
    let limited = |args: &[&str]| {
        Command::new("sh")
            .current_dir(env.root())
            .env_remove("PROVENANCE_ARCHIVE")
            .env_remove("PROVENANCE_KEY")
            .env("XDG_CONFIG_HOME", env.path("config"))
            .arg("-c")
            .arg(format!("ulimit -v {LIMIT_KIB} && exec \"$@\""))
            .arg("sh")
            .arg(BIN)
            .args(args)
            .output()
            .unwrap()
    };
    let out = limited(&["export", "--bagit", "bag"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sha256sum(&env.path(&format!("bag/data/{id}.bin"))), id);
    let out = limited(&["verify", "--bag", "bag"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
