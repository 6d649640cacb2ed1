//! Whole responses, end to end: the fixtures of tests/fixtures/tsa (see
//! its README), read, verified, damaged and compared with what openssl
//! says of them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::algorithm::Hash;
use super::response::Response;
use super::value::unsigned;
use super::*;
use crate::time::Timestamp;

pub(super) fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tsa")
        .join(name)
}

pub(super) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

pub(super) fn cert(name: &str) -> Vec<u8> {
    let mut certs = load_certs(&fixture_path(name)).unwrap();
    assert_eq!(certs.len(), 1, "{name}");
    certs.remove(0)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = Hash::Sha256.digest(bytes);
    digest.try_into().unwrap()
}

fn data_imprint() -> [u8; 32] {
    sha256(&fixture("data.txt"))
}

fn verify_with(resp: &str, trusted: &[&str], extra: &[&str]) -> Result<Token> {
    let trusted: Vec<Vec<u8>> = trusted.iter().map(|n| cert(n)).collect();
    let extra: Vec<Vec<u8>> = extra.iter().map(|n| cert(n)).collect();
    verify(&fixture(resp), &data_imprint(), &trusted, &extra)
}

fn kind_of(result: Result<Token>) -> &'static str {
    match result {
        Ok(token) => panic!("verified: {token:?}"),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n') && !message.ends_with('.'), "{message}");
            e.kind()
        }
    }
}

/// Where a slice of `whole` starts in it.
fn offset(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// What openssl says a response holds: the lines of `ts -reply -text`.
fn openssl_text(resp: &str) -> String {
    let out = Command::new("openssl")
        .args(["ts", "-reply", "-text", "-in"])
        .arg(fixture_path(resp))
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn line_after<'t>(text: &'t str, label: &str) -> &'t str {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {text}"))
        .trim()
}

#[test]
fn the_good_response_verifies_and_says_what_openssl_reads() {
    let token = verify_with("good.tsr", &["ca.pem"], &[]).unwrap();
    assert_eq!(inspect(&fixture("good.tsr")).unwrap(), token);
    assert_eq!(token.policy, "1.2.3.4.1");
    assert_eq!(token.hash_algorithm, "sha256");
    assert_eq!(token.imprint, hex::encode(data_imprint()));
    assert_eq!(token.signer, "CN=Test TSA,O=provenance tests");
    assert_eq!(token.tsa.as_deref(), Some("CN=Test TSA,O=provenance tests"));
    assert_eq!(token.accuracy.as_deref(), Some("1.5001s"));

    let text = openssl_text("good.tsr");
    let serial = line_after(&text, "Serial number: 0x").to_lowercase();
    assert_eq!(
        unsigned(&hex::decode(&token.serial).unwrap()),
        hex::decode(serial).unwrap()
    );
    let nonce = line_after(&text, "Nonce: 0x").to_lowercase();
    assert_eq!(token.nonce.as_deref(), Some(nonce.as_str()));
    // "Nov 28 20:52:34.411 2026 GMT"
    let time = line_after(&text, "Time stamp:");
    let expected = chrono::NaiveDateTime::parse_from_str(time, "%b %e %H:%M:%S%.f %Y GMT")
        .unwrap()
        .and_utc();
    assert_eq!(token.gen_time, Timestamp::from(expected));

    let json = serde_json::to_value(&token).unwrap();
    for key in [
        "gen_time", "serial", "policy", "tsa", "signer", "nonce", "accuracy", "imprint",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}

#[test]
fn rsa_pss_intermediate_and_supplied_certificates_verify() {
    // RSA PKCS#1 v1.5 with SHA-384 and the SHA-1 ESS attribute.
    let rsa = verify_with("rsa.tsr", &["ca.pem"], &[]).unwrap();
    assert_eq!(rsa.policy, "1.2.3.4.5");
    assert_eq!(rsa.signer, "CN=Test RSA TSA,O=provenance tests");
    // RSA-PSS, signer named by key identifier, no ESS attribute.
    verify_with("pss.tsr", &["ca.pem"], &[]).unwrap();
    // P-384 with SHA-384 under an intermediate the token carries.
    let chain = verify_with("chain.tsr", &["ca.pem"], &[]).unwrap();
    assert_eq!(chain.signer, "CN=Test P-384 TSA,O=provenance tests");
    verify_with("chain.tsr", &["intermediate.pem"], &[]).unwrap();
    // A token without the signer's certificate, given it apart.
    let named = inspect(&fixture("nocert.tsr")).unwrap().signer;
    assert!(
        named.starts_with("serial ") && named.ends_with(" from CN=Test TSA Root CA,O=provenance tests"),
        "{named}"
    );
    let token = verify_with("nocert.tsr", &["ca.pem"], &["tsa.pem"]).unwrap();
    assert_eq!(token.signer, "CN=Test TSA,O=provenance tests");
    // Trusting the TSA's own certificate is enough.
    verify_with("good.tsr", &["tsa.pem"], &[]).unwrap();
}

#[test]
fn each_failure_has_its_kind() {
    let ca = &["ca.pem"][..];
    assert_eq!(
        kind_of(verify_with("good.tsr", &["other-ca.pem"], &[])),
        "untrusted"
    );
    assert_eq!(kind_of(verify_with("good.tsr", &[], &[])), "untrusted");
    assert_eq!(
        kind_of(verify_with("chain.tsr", &["other-ca.pem"], &[])),
        "untrusted"
    );
    assert_eq!(kind_of(verify_with("other.tsr", ca, &[])), "imprint_mismatch");
    let wrong = verify(&fixture("good.tsr"), &[7; 32], &[cert("ca.pem")], &[]);
    assert_eq!(kind_of(wrong), "imprint_mismatch");
    assert_eq!(
        kind_of(verify_with("notsa.tsr", ca, &[])),
        "not_timestamping_certificate"
    );
    assert_eq!(
        kind_of(verify_with("noncritical.tsr", ca, &[])),
        "timestamping_usage_not_critical"
    );
    assert_eq!(
        kind_of(verify_with("multi.tsr", ca, &[])),
        "timestamping_usage_not_exclusive"
    );
    assert_eq!(
        kind_of(verify_with("expired.tsr", ca, &[])),
        "certificate_expired"
    );
    assert_eq!(
        kind_of(verify_with("nocert.tsr", ca, &[])),
        "signer_certificate_missing"
    );
    assert_eq!(
        kind_of(verify_with("nocert.tsr", ca, &["rsa-tsa.pem"])),
        "signer_certificate_missing"
    );
    // Same key, issuer and serial as the signer's certificate, other
    // bytes: only the ESS attribute tells them apart.
    assert_eq!(
        kind_of(verify_with("nocert.tsr", ca, &["tsa-reissued.pem"])),
        "signing_certificate_mismatch"
    );

    let rejected = verify_with("rejected.tsr", ca, &[]);
    let message = rejected.as_ref().map(|_| ()).unwrap_err().to_string();
    assert!(message.contains("status 2 (rejection)"), "{message}");
    assert!(message.contains("unacceptedPolicy"), "{message}");
    assert_eq!(kind_of(rejected), "not_granted");
    assert_eq!(
        inspect(&fixture("rejected.tsr")).unwrap_err().kind(),
        "not_granted"
    );
}

#[test]
fn tampering_is_caught() {
    let good = fixture("good.tsr");
    let response = Response::parse(&good).unwrap();
    let flip = |at: usize| {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        verify(&bad, &data_imprint(), &[cert("ca.pem")], &[])
    };
    let signature = offset(&good, response.signer.signature);
    let len = response.signer.signature.len();
    assert_eq!(kind_of(flip(signature + len - 1)), "signature_invalid");
    // genTime's first digit, inside the TSTInfo: 2026 becomes 3026.
    let tst = offset(&good, response.tst_der);
    let gen_time = tst
        + response
            .tst_der
            .windows(2)
            .position(|w| w == [0x18, 0x13])
            .unwrap()
        + 2;
    assert_eq!(kind_of(flip(gen_time)), "message_digest_mismatch");
    // The last byte of the signed attributes (the ESS hash).
    let attrs = offset(&good, response.signer.signed_attrs);
    let attrs_len = response.signer.signed_attrs.len();
    assert_eq!(kind_of(flip(attrs + attrs_len - 1)), "signature_invalid");
    // The signer's certificate: its own signature and the ESS hash.
    let cert_at = offset(&good, response.certs[0]);
    assert!(verify(&good, &data_imprint(), &[cert("ca.pem")], &[]).is_ok());
    assert!(flip(cert_at + 300).is_err());
}

#[test]
fn no_input_panics_and_no_damaged_response_verifies() {
    let good = fixture("good.tsr");
    let imprint = data_imprint();
    let ca = [cert("ca.pem")];
    for len in 0..good.len() {
        assert!(inspect(&good[..len]).is_err(), "truncated to {len}");
        assert_eq!(
            verify(&good[..len], &imprint, &ca, &[]).unwrap_err().kind(),
            "malformed"
        );
    }
    // Only what no signature covers and no reader is told may change
    // unnoticed (versions, the SignedData's list of digest algorithms,
    // NULL parameters, the granted status's variant).
    let expected = verify(&good, &imprint, &ca, &[]).unwrap();
    for at in 0..good.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut bad = good.clone();
            bad[at] ^= mask;
            let _ = inspect(&bad);
            if let Ok(token) = verify(&bad, &imprint, &ca, &[]) {
                assert_eq!(token, expected, "byte {at} ^ {mask:#x}");
            }
        }
    }

    let mut seed = 0x2545f4914f6cdd1du64;
    for round in 0..2000 {
        let len = round % 300;
        let mut junk: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        if round % 2 == 0 && !junk.is_empty() {
            // Plausible starts, to get past the first checks.
            junk[0] = 0x30;
        }
        assert!(inspect(&junk).is_err());
        assert!(verify(&junk, &imprint, &ca, &[]).is_err());
    }
    for junk in [
        &b""[..],
        b"\x30",
        b"\x30\x80\x00\x00",
        b"\x30\x84\xff\xff\xff\xff",
        b"\x1f\x00",
    ] {
        assert_eq!(inspect(junk).unwrap_err().kind(), "malformed");
    }
}

#[test]
fn request_matches_openssl_and_openssl_answers_it() {
    let query = fixture("query.tsq");
    let parsed = <TimeStampReq as ::der::Decode>::from_der(&query).unwrap();
    let nonce = parsed.nonce.unwrap();
    let ours = request_der(&data_imprint(), nonce.as_bytes());
    assert_eq!(hex::encode(&ours), hex::encode(&query));
    assert!(request_der(&data_imprint(), &[]).len() < ours.len());

    // A nonce with its top bit set needs a sign byte; openssl must
    // answer it and echo it.
    let dir = tempfile::tempdir().unwrap();
    let nonce = [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
    std::fs::write(dir.path().join("q.tsq"), request_der(&data_imprint(), &nonce)).unwrap();
    let out = Command::new("openssl")
        .current_dir(dir.path())
        .args(["ts", "-reply", "-config"])
        .arg(fixture_path("openssl.cnf"))
        .args(["-queryfile", "q.tsq", "-out", "r.tsr", "-signer"])
        .arg(fixture_path("tsa.pem"))
        .arg("-inkey")
        .arg(fixture_path("tsa.key.pem"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let resp = std::fs::read(dir.path().join("r.tsr")).unwrap();
    let token = verify(&resp, &data_imprint(), &[cert("ca.pem")], &[]).unwrap();
    assert_eq!(token.nonce.as_deref(), Some("fedcba9876543210"));
    assert_eq!(
        token.signer, "CN=Test TSA,O=provenance tests",
        "certReq was honoured"
    );
}

#[test]
fn errors_are_one_line_with_stable_kinds() {
    let errors = [
        TimestampError::Http {
            url: "http://tsa.example/".into(),
            reason: "cannot connect: refused".into(),
        },
        TimestampError::MessageDigestMismatch,
        TimestampError::Client("x".into()),
    ];
    let kinds: Vec<&str> = errors.iter().map(TimestampError::kind).collect();
    assert_eq!(kinds, ["http", "message_digest_mismatch", "client"]);
    assert_eq!(
        errors[0].to_string(),
        "http://tsa.example/: cannot connect: refused"
    );
}
