//! What a verifier of the archive reads from outside: timestamp responses
//! (DER from a TSA, or a `.tsr` file anyone could replace), checkpoints and
//! signed notes, verifier and private keys. Every parser must return, Ok or
//! Err, on any bytes: no panic, no hang.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use provenance::checkpoint::Signed;
use provenance::note::{Signer, Verifier};
use provenance::timestamp;

/// The test CA of the timestamp fixtures: with it, a mutated token gets
/// past parsing into the signature and chain checks.
const CA: &[u8] = include_bytes!("../../tests/fixtures/tsa/ca.pem");

fuzz_target!(|data: &[u8]| {
    let _ = timestamp::inspect(data);
    let ca = certificates(CA);
    let imprint = [0u8; 32];
    let _ = timestamp::verify(data, &imprint, &ca, &[]);
    let _ = timestamp::verify(data, &imprint, &[], &ca);
    if let Ok(signed) = Signed::parse(Path::new("fuzz.checkpoint"), data.to_vec()) {
        let _ = signed.checkpoint.text();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = Verifier::parse(text) {
            let _ = v.to_string();
        }
        let _ = Signer::parse(text);
    }
});

/// The DER of the first PEM certificate.
fn certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map(|der| vec![der])
        .unwrap_or_default()
}
