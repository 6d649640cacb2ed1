//! The one place integration tests get their tools: a temporary working
//! directory, the real binary run in it, and helpers to read its output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_provenance");

/// The op-ed that is the bundled sample.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A temporary working directory; the archive is `./archive` inside it.
pub struct Env {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.out(),
                self.stderr
            )
        })
    }

    /// Asserts the exit status, showing everything when it differs.
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            code,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.out(),
            self.stderr
        );
        self
    }

    pub fn ok(self) -> Run {
        self.code(0)
    }

    /// The stderr as one trimmed line, asserting that it is one line.
    pub fn one_line_error(&self) -> &str {
        let err = self.stderr.trim_end();
        assert_eq!(err.lines().count(), 1, "expected one line of error, got:\n{err}");
        err
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn archive(&self) -> PathBuf {
        self.path("archive")
    }

    pub fn log(&self) -> PathBuf {
        self.path("archive/log.jsonl")
    }

    pub fn blob(&self, id: &str) -> PathBuf {
        self.path(&format!("archive/blobs/sha256/{}/{id}", &id[..2]))
    }

    /// Writes a file under the working directory, creating its parents.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The binary, in the working directory, with no archive named by the
    /// environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        // Signing keys go to the user's config directory: here, one inside
        // the test's own directory.
        c.current_dir(self.root())
            .env_remove("PROVENANCE_ARCHIVE")
            .env_remove("PROVENANCE_TEST_CRASH_AT")
            .env_remove("PROVENANCE_KEY")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.cmd(args).output().expect("run provenance"))
    }

    /// Runs with `input` on standard input.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn provenance");
        child.stdin.take().unwrap().write_all(input).unwrap();
        finish(child.wait_with_output().unwrap())
    }

    /// Adds files (paths relative to the working directory) and returns
    /// their IDs in order.
    pub fn add(&self, files: &[&str]) -> Vec<String> {
        let mut args = vec!["add"];
        args.extend_from_slice(files);
        ids(&self.run(&args).ok())
    }

    /// `verify --json`, with its exit status.
    pub fn verify(&self) -> (i32, Value) {
        let run = self.run(&["verify", "--json"]);
        let json = run.json();
        (run.code, json)
    }

    /// The `problem` names of the findings of `verify --json`.
    pub fn problems(&self) -> Vec<String> {
        let (_, v) = self.verify();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["problem"].as_str().unwrap().to_string())
            .collect()
    }

    /// The log's lines.
    pub fn log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.log())
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    pub fn write_log_lines(&self, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(self.log(), text).unwrap();
    }
}

fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: o.stdout,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The IDs `add` printed, one a line before two spaces.
pub fn ids(run: &Run) -> Vec<String> {
    run.out()
        .lines()
        .map(|l| l.split("  ").next().unwrap().to_string())
        .collect()
}

/// What `sha256sum` says of a file: the independent witness.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Makes a blob writable again so that a test can damage it.
pub fn make_writable(path: &Path) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
}

/// What `sha256sum` says of many files at once, in the order given: one
/// process for a whole batch.
pub fn sha256sums(paths: &[PathBuf]) -> Vec<String> {
    if paths.is_empty() {
        return Vec::new();
    }
    let out = Command::new("sha256sum").args(paths).output().expect("sha256sum");
    assert!(
        out.status.success(),
        "sha256sum failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sums: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(sums.len(), paths.len(), "one sum per file");
    sums
}

impl Env {
    /// The IDs (`sha256`) of every capture that `list --json` shows, in
    /// log order.
    pub fn list_ids(&self) -> Vec<String> {
        self.run(&["--json", "list"])
            .ok()
            .json()
            .as_array()
            .expect("list --json prints an array")
            .iter()
            .map(|e| e["sha256"].as_str().expect("a capture has a sha256").to_string())
            .collect()
    }

    /// Asserts that `cat ID` prints exactly `expected`.
    pub fn assert_cat(&self, id: &str, expected: &[u8]) {
        let cat = self.run(&["cat", id]).ok();
        assert!(
            cat.stdout == expected,
            "cat {id} printed {} bytes that differ from the {} archived",
            cat.stdout.len(),
            expected.len()
        );
    }

    /// Writes `n` small files with distinct contents under `dir` (relative
    /// to the working directory); `tag` makes the contents unique across
    /// batches. Returns their relative paths.
    pub fn write_batch(&self, dir: &str, tag: &str, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let rel = format!("{dir}/doc-{i:04}.txt");
                self.write(&rel, format!("{tag}: document {i}\n").repeat(1 + i % 7));
                rel
            })
            .collect()
    }
}

/// The Python with the packages of tests/python/requirements.txt, which
/// `scripts/test` installs into .venv and names in PROVENANCE_TEST_PYTHON.
pub fn python() -> PathBuf {
    let path = std::env::var_os("PROVENANCE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(
        path.exists(),
        "{}: no Python with the test requirements; run scripts/test, which installs them",
        path.display()
    );
    path
}

/// Runs a script of tests/python with the test Python; returns success
/// and what it printed.
pub fn run_python(script: &str, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(python())
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/python")
                .join(script),
        )
        .args(args)
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Copies a directory tree, as `cp -a` does: for tests that keep an old
/// copy of an archive or damage a copy.
pub fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success(), "cp -a {} {}", from.display(), to.display());
}

/// A command installed into the test venv beside its Python (`warcio`,
/// `bagit.py`, `wb-manager`, `wayback`).
pub fn venv_tool(name: &str) -> PathBuf {
    let path = python()
        .parent()
        .expect("python is in a bin directory")
        .join(name);
    assert!(
        path.exists(),
        "{}: not installed; run scripts/test",
        path.display()
    );
    path
}

/// SHA-256 in lowercase hex: a document's ID.
pub fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Bytes gzip-compressed, as a server sends a `Content-Encoding: gzip` body.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Adds one small text document per name (`docs/<name>.txt`) in one
/// `add`, and returns their IDs.
pub fn write_docs(env: &Env, names: &[&str]) -> Vec<String> {
    let rels: Vec<String> = names
        .iter()
        .map(|name| {
            let rel = format!("docs/{name}.txt");
            env.write(
                &rel,
                format!("The document called {name}, as the reporter saw it.\n"),
            );
            rel
        })
        .collect();
    let refs: Vec<&str> = rels.iter().map(String::as_str).collect();
    env.add(&refs)
}

/// An archive of three documents with a key and a signed checkpoint of them.
pub fn signed_archive() -> (Env, Vec<String>) {
    let env = Env::new();
    let ids = write_docs(&env, &["one", "two", "three"]);
    env.run(&["keygen", "--name", "example.org/newsroom"]).ok();
    env.run(&["checkpoint"]).ok();
    (env, ids)
}

/// A WARC record with the given fields and block; Content-Length added.
pub fn warc_record(fields: &[(&str, &str)], block: &[u8]) -> Vec<u8> {
    let mut out = b"WARC/1.1\r\n".to_vec();
    for (n, v) in fields {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}
