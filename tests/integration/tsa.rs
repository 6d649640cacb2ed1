//! A local RFC 3161 timestamp authority for the tests: openssl signs, the
//! test server of http_server.rs speaks HTTP. [`Tsa::start`] makes a CA
//! and a TSA certificate (EC P-256, extended key usage critical
//! timeStamping) in a temporary directory, and answers every query POSTed
//! to [`Tsa::url`] with `openssl ts -reply`: the tokens are what a real
//! OpenSSL-based authority sends, and `openssl ts -verify` is the second
//! opinion on what the archive keeps.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest as _, Sha256};

use crate::http_server::{Reply, Request, Server};

/// Where the authority answers.
pub const PATH: &str = "/tsa";

/// Test certificates' lifetime: long enough for any test run, short
/// enough to be plainly a test's.
const DAYS: &str = "3650";

/// One openssl configuration for both jobs: `req` (the certificates'
/// extensions) and `ts -reply` (the authority, with no `certs =` line, so
/// that a token carries the signer's certificate when asked and nothing
/// else). The serial file is relative: openssl runs in the directory.
const CONFIG: &str = "\
[req]
distinguished_name = dn
[dn]

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[tsa_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tsa]
default_tsa = tsa_config

[tsa_config]
serial = serial
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_alg = sha256
";

pub struct Tsa {
    server: Server,
    files: Arc<Files>,
}

/// The authority's directory, shared with the server's handler, which
/// may outlive the `Tsa` by a connection or two.
struct Files {
    dir: tempfile::TempDir,
    config: PathBuf,
    ca_pem: PathBuf,
    tsa_pem: PathBuf,
    tsa_key: PathBuf,
    /// `ts -reply` rewrites the serial file: one at a time.
    signing: Mutex<()>,
    replies: AtomicUsize,
}

impl Tsa {
    /// Creates the certificates and starts answering on 127.0.0.1.
    pub fn start() -> Tsa {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("openssl.cnf"), CONFIG).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(
            dir.path(),
            &[
                &["req", "-x509", "-config", "openssl.cnf", "-extensions", "ca_ext"],
                &ec[..],
            ]
            .concat(),
            &[
                "-subj",
                "/O=provenance tests/CN=Local Test TSA CA",
                "-days",
                DAYS,
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        );
        openssl(
            dir.path(),
            &[&["req", "-new", "-config", "openssl.cnf"], &ec[..]].concat(),
            &[
                "-subj",
                "/O=provenance tests/CN=Local Test TSA",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.csr",
            ],
        );
        openssl(
            dir.path(),
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "2",
                "-days",
                DAYS,
                "-sha256",
            ],
            &[
                "-extfile",
                "openssl.cnf",
                "-extensions",
                "tsa_ext",
                "-out",
                "tsa.pem",
            ],
        );
        let files = Arc::new(Files {
            config: path("openssl.cnf"),
            ca_pem: path("ca.pem"),
            tsa_pem: path("tsa.pem"),
            tsa_key: path("tsa.key"),
            dir,
            signing: Mutex::new(()),
            replies: AtomicUsize::new(0),
        });
        let handler_files = files.clone();
        let server = Server::http(move |req| handler_files.answer(req));
        Tsa { server, files }
    }

    /// The URL to POST queries to.
    pub fn url(&self) -> String {
        self.server.url(PATH)
    }

    /// The CA certificate (PEM) that the TSA's certificate chains to.
    pub fn ca_pem(&self) -> &Path {
        &self.files.ca_pem
    }

    /// The TSA's own certificate (PEM).
    pub fn tsa_cert_pem(&self) -> &Path {
        &self.files.tsa_pem
    }

    /// Queries POSTed to [`Tsa::url`] so far, answered or not.
    pub fn requests(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == PATH)
            .count()
    }

    /// `openssl ts -verify -in TSR -data DATA -CAfile CA`: whether openssl
    /// accepts the token for the data, and everything it said.
    pub fn openssl_verify(&self, tsr: &Path, data: &Path) -> (bool, String) {
        let out = Command::new("openssl")
            .args(["ts", "-verify", "-in"])
            .arg(tsr)
            .arg("-data")
            .arg(data)
            .arg("-CAfile")
            .arg(self.ca_pem())
            .output()
            .expect("run openssl");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    }
}

impl Files {
    fn answer(&self, req: &Request) -> Reply {
        if req.path != PATH {
            return Reply::not_found();
        }
        if req.method != "POST" {
            return Reply::status(405).body("POST a timestamp query\n");
        }
        let _one_at_a_time = self.signing.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.replies.fetch_add(1, Ordering::SeqCst);
        let query = self.dir.path().join(format!("query-{n}.tsq"));
        let reply = self.dir.path().join(format!("reply-{n}.tsr"));
        std::fs::write(&query, &req.body).unwrap();
        // `ts -reply` answers anything, garbage with a granted=no reply as
        // a real authority would; a query that openssl cannot even read
        // gets an HTTP error instead, so that tests can tell them apart.
        let readable = Command::new("openssl")
            .args(["ts", "-query", "-text", "-in"])
            .arg(&query)
            .output()
            .is_ok_and(|o| o.status.success());
        if !readable {
            return Reply::status(400).body("not a timestamp query\n");
        }
        let out = Command::new("openssl")
            .current_dir(self.dir.path())
            .args(["ts", "-reply", "-config"])
            .arg(&self.config)
            .arg("-queryfile")
            .arg(&query)
            .arg("-inkey")
            .arg(&self.tsa_key)
            .arg("-signer")
            .arg(&self.tsa_pem)
            .arg("-out")
            .arg(&reply)
            .output();
        match out {
            Ok(out) if out.status.success() => Reply::ok(std::fs::read(&reply).unwrap())
                .header("Content-Type", "application/timestamp-reply"),
            _ => Reply::status(500).body("openssl ts -reply failed\n"),
        }
    }
}

/// Runs openssl in `dir`, quietly unless it fails.
fn openssl(dir: &Path, args: &[&str], more: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .args(more)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} {more:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// POSTs `body` to the authority without the library: (status, body).
fn raw_post(tsa: &Tsa, body: &[u8]) -> (u16, Vec<u8>) {
    let port = tsa.server.port();
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        tcp,
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/timestamp-query\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    tcp.write_all(body).unwrap();
    let mut all = Vec::new();
    tcp.read_to_end(&mut all).unwrap();
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&all[..end]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, all[end..].to_vec())
}

#[test]
fn the_local_tsa_answers_what_the_library_asks_and_both_verifiers_agree() {
    use provenance::timestamp;

    let tsa = Tsa::start();
    let data = b"the bytes of a signed checkpoint\n";
    let imprint: [u8; 32] = Sha256::digest(data).into();
    let ca = timestamp::load_certs(tsa.ca_pem()).unwrap();

    // The library's query, as is: openssl answers it and echoes the nonce.
    let (status, reply) = raw_post(&tsa, &timestamp::request_der(&imprint, &[0x01, 0x02, 0x03]));
    assert_eq!(status, 200);
    let token = timestamp::verify(&reply, &imprint, &ca, &[]).unwrap();
    assert_eq!(token.nonce.as_deref(), Some("010203"));
    let (status, _) = raw_post(&tsa, b"not a query");
    assert_eq!(status, 400);
    // A query it reads but refuses (SHA-1 is not among its digests): a
    // reply that says so.
    let mut sha1 = timestamp::request_der(&imprint, &[7]);
    let sha256_oid = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    let at = sha1
        .windows(sha256_oid.len())
        .position(|w| w == sha256_oid)
        .unwrap();
    sha1.splice(
        at..at + sha256_oid.len(),
        [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a],
    );
    // The lengths of the request, its MessageImprint and AlgorithmIdentifier.
    for at in [1, 6, 8] {
        sha1[at] -= 4;
    }
    let (status, reply) = raw_post(&tsa, &sha1);
    assert_eq!(status, 200);
    let err = timestamp::inspect(&reply).unwrap_err();
    assert_eq!(err.kind(), "not_granted");
    assert!(err.to_string().contains("badAlg"), "{err}");

    // The library's client, then its verifier, then openssl's.
    let (der, token) = timestamp::request(&tsa.url(), &imprint, &[]).unwrap();
    assert_eq!(timestamp::verify(&der, &imprint, &ca, &[]).unwrap(), token);
    assert_eq!(token.signer, "CN=Local Test TSA,O=provenance tests");
    assert_eq!(token.policy, "1.2.3.4.1");
    let tsa_cert = timestamp::load_certs(tsa.tsa_cert_pem()).unwrap();
    assert_eq!(timestamp::verify(&der, &imprint, &tsa_cert, &[]).unwrap(), token);
    let dir = tempfile::tempdir().unwrap();
    let (tsr, file) = (dir.path().join("data.tsr"), dir.path().join("data"));
    std::fs::write(&tsr, &der).unwrap();
    std::fs::write(&file, data).unwrap();
    let (ok, said) = tsa.openssl_verify(&tsr, &file);
    assert!(ok, "openssl ts -verify: {said}");
    std::fs::write(&file, b"other bytes").unwrap();
    assert!(!tsa.openssl_verify(&tsr, &file).0, "openssl checks the data too");
    assert_eq!(tsa.requests(), 4);

    // What a failed POST says: the URL and why.
    let nowhere = tsa.url().replace(PATH, "/nowhere");
    let err = timestamp::request(&nowhere, &imprint, &[]).unwrap_err();
    assert_eq!(err.kind(), "http");
    assert!(err.to_string().starts_with(&format!("{nowhere}: ")), "{err}");
    assert!(err.to_string().contains("404"), "{err}");
    let err = timestamp::request("http://127.0.0.1:9/tsa", &imprint, &[]).unwrap_err();
    assert_eq!(err.kind(), "http");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}
