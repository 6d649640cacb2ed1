//! Each bad input gets a one-line error naming it, a non-zero exit, and
//! leaves the archive as it was.

use std::path::Path;

use crate::harness::*;

/// Everything that makes up the archive's state, to compare before and
/// after a failed command.
fn snapshot(env: &Env) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    collect(&env.archive(), &env.archive(), &mut out);
    out.sort();
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let rel = p.strip_prefix(root).unwrap().display().to_string();
        if rel == "lock" {
            continue;
        }
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
}

/// An archive with one document in it.
fn seeded() -> Env {
    let env = Env::new();
    env.write("seed.txt", "seed\n");
    env.add(&["seed.txt"]);
    env
}

/// Runs `args`, expects exit 2 with one line of error containing every
/// `needle`, and the archive unchanged.
fn rejects(env: &Env, args: &[&str], needles: &[&str]) {
    let before = snapshot(env);
    let run = env.run(args).code(2);
    let err = run.one_line_error();
    for n in needles {
        assert!(err.contains(n), "{err:?} lacks {n:?}");
    }
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.out());
    assert_eq!(snapshot(env), before, "archive changed after {args:?}");
    assert_eq!(env.verify().0, 0);
}

#[test]
fn missing_file_is_named_and_nothing_is_added() {
    let env = seeded();
    rejects(&env, &["add", "nope.txt"], &["nope.txt", "No such file"]);
}

#[test]
fn missing_file_does_not_create_an_archive() {
    let env = Env::new();
    let run = env.run(&["add", "nope.txt"]).code(2);
    assert!(run.one_line_error().contains("nope.txt"));
    assert!(!env.archive().exists());
}

#[test]
fn directory_is_refused() {
    let env = seeded();
    std::fs::create_dir(env.path("folder")).unwrap();
    rejects(&env, &["add", "folder"], &["folder", "is a directory"]);
}

#[test]
fn unreadable_file_is_refused() {
    let env = seeded();
    std::os::unix::fs::symlink("loop", env.path("loop")).unwrap();
    rejects(&env, &["add", "loop"], &["loop", "symbolic links"]);
    std::os::unix::fs::symlink("absent-target", env.path("dangling")).unwrap();
    rejects(&env, &["add", "dangling"], &["dangling", "cannot read"]);
}

#[test]
fn device_file_is_refused() {
    let env = seeded();
    rejects(&env, &["add", "/dev/zero"], &["/dev/zero", "not a regular file"]);
}

#[test]
fn empty_file_is_archived_with_the_empty_hash() {
    let env = Env::new();
    env.write("empty.txt", "");
    let id = &env.add(&["empty.txt"])[0];
    assert_eq!(
        id,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(env.run(&["cat", id]).ok().stdout.is_empty());
    assert_eq!(env.verify().0, 0);
}

#[test]
fn binary_files_have_no_text_and_undeclared_latin1_is_detected() {
    let env = Env::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..=255u8).cycle().take(4096));
    env.write("image.png", &png);
    env.write("latin1.txt", b"caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu\n");
    let ids = env.add(&["image.png", "latin1.txt"]);
    assert_eq!(env.run(&["cat", &ids[0]]).ok().stdout, png);
    let show = env.run(&["show", &ids[0], "--json"]).ok().json();
    assert_eq!(show["media_type"], "image/png");
    assert_eq!(show["text"]["status"], "none");
    let run = env.run(&["text", &ids[0]]).code(2);
    assert!(run.one_line_error().contains("has no text"), "{}", run.stderr);
    assert_eq!(
        env.run(&["text", &ids[1]]).ok().out(),
        "café crème brûlée, déjà vu\n"
    );
    let show = env.run(&["show", &ids[1], "--json"]).ok().json();
    assert_eq!(show["text"]["encoding"], "windows-1252");
    assert_eq!(show["text"]["encoding_source"], "detected");
}

#[test]
fn huge_file_is_archived_exactly() {
    let env = Env::new();
    let path = env.path("huge.bin");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(256 * 1024 * 1024).unwrap();
    let id = &env.add(&["huge.bin"])[0];
    assert_eq!(*id, sha256sum(&path));
    assert_eq!(sha256sum(&env.blob(id)), *id);
}

#[test]
fn missing_archive_is_reported_for_read_commands() {
    let env = Env::new();
    for cmd in [&["list"][..], &["verify"], &["show", "0123456789abcdef"]] {
        let run = env.run(cmd).code(2);
        let err = run.one_line_error();
        assert!(
            err.contains("archive") && err.contains("no archive here"),
            "{err}"
        );
    }
}

#[test]
fn foreign_directory_is_refused_and_left_alone() {
    let env = Env::new();
    env.write("archive/notes.md", "my notes\n");
    env.write("a.txt", "a\n");
    for args in [&["add", "a.txt"][..], &["list"], &["init"]] {
        let run = env.run(args).code(2);
        assert!(
            run.one_line_error().contains("not a provenance archive"),
            "{}",
            run.stderr
        );
    }
    let names: Vec<_> = std::fs::read_dir(env.archive())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.md"]);
}

#[test]
fn bad_ids_are_refused_with_the_reason() {
    let env = seeded();
    rejects(&env, &["show", "xyz12345"], &["xyz12345", "not a hex ID"]);
    rejects(&env, &["cat", "abc"], &["'abc'", "at least 8"]);
    rejects(&env, &["text", "00000000"], &["00000000", "no document"]);
}

#[test]
fn malformed_arguments_are_refused() {
    let env = seeded();
    rejects(
        &env,
        &["add", "seed.txt", "--meta", "novalue"],
        &["'novalue' is not KEY=VALUE"],
    );
    rejects(&env, &["add", "seed.txt", "--no-such-flag"], &["--no-such-flag"]);
    rejects(&env, &["add", "-", "-"], &["standard input", "once"]);
    rejects(&env, &["add"], &["nothing to add"]);
    env.write("seed2.txt", "x\n");
    rejects(
        &env,
        &["add", "seed2.txt", "--meta", "k=1", "--meta", "k=2"],
        &["--meta k"],
    );
}

#[test]
fn batch_with_a_bad_source_adds_the_good_ones_and_fails() {
    let env = seeded();
    env.write("good.txt", "good\n");
    let run = env.run(&["add", "good.txt", "missing.txt"]).code(2);
    assert_eq!(ids(&run).len(), 1);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("missing.txt") && l.contains("No such file"))
    );
    assert_eq!(
        env.run(&["list", "--json"]).ok().json().as_array().unwrap().len(),
        2
    );
    assert_eq!(env.verify().0, 0);
}

#[test]
fn missing_source_list_is_named() {
    let env = seeded();
    rejects(
        &env,
        &["add", "--from", "urls.txt"],
        &["urls.txt", "No such file"],
    );
}

#[test]
fn empty_source_is_refused() {
    let env = seeded();
    rejects(&env, &["add", ""], &["a value is required", "SOURCE"]);
}

#[test]
fn non_utf8_file_name_is_archived_and_recorded_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(env.root().join(name), "latin-1 name\n").unwrap();
    let out = env.cmd(&["add", "--json"]).arg(name).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["added"][0]["source"], "caf\u{fffd}.txt");
    assert_eq!(env.verify().0, 0);
}
