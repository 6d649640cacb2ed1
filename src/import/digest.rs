//! WARC digest fields (`sha1:BASE32`, `sha256:HEX`...): parsed, computed
//! while the bytes stream past, compared.

use sha2::{Digest as _, Sha256};

/// A digest field to check, and the hash being computed for it.
pub struct Check {
    /// The field's value as written, for the entry.
    pub written: String,
    expected: Vec<u8>,
    hash: Running,
}

enum Running {
    Sha1(Box<ring::digest::Context>),
    Sha256(Box<Sha256>),
}

fn sha1() -> Running {
    Running::Sha1(Box::new(ring::digest::Context::new(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
    )))
}

/// What a digest field is to this tool.
pub enum Field {
    Check(Box<Check>),
    /// An algorithm not computed here, or a value that cannot be decoded:
    /// recorded as unchecked.
    Unchecked(String),
}

pub fn parse(value: &str) -> Field {
    let written = value.trim().to_string();
    let Some((alg, encoded)) = written.split_once(':') else {
        return Field::Unchecked(written);
    };
    let alg = alg.trim().to_ascii_lowercase().replace('-', "");
    let (len, hash) = match alg.as_str() {
        "sha1" => (20, sha1()),
        "sha256" => (32, Running::Sha256(Box::new(Sha256::new()))),
        _ => return Field::Unchecked(written),
    };
    match decode(encoded.trim(), len) {
        Some(expected) => Field::Check(Box::new(Check {
            written,
            expected,
            hash,
        })),
        None => Field::Unchecked(written),
    }
}

impl Check {
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.hash {
            Running::Sha1(c) => c.update(bytes),
            Running::Sha256(h) => h.update(bytes),
        }
    }

    /// True when the bytes hashed are those the field names.
    pub fn matches(self) -> bool {
        let got: Vec<u8> = match self.hash {
            Running::Sha1(c) => c.finish().as_ref().to_vec(),
            Running::Sha256(h) => h.finalize().to_vec(),
        };
        got == self.expected
    }

    /// A second hash of the same algorithm and expected value, for bytes
    /// that may be what the field meant instead (a payload de-chunked).
    pub fn twin(&self) -> Check {
        let hash = match &self.hash {
            Running::Sha1(_) => sha1(),
            Running::Sha256(_) => Running::Sha256(Box::new(Sha256::new())),
        };
        Check {
            written: self.written.clone(),
            expected: self.expected.clone(),
            hash,
        }
    }

    /// The expected SHA-256, when this is one: the archive's own ID.
    pub fn sha256(&self) -> Option<crate::hash::Digest> {
        match self.hash {
            Running::Sha256(_) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(&self.expected);
                hex::encode(bytes).parse().ok()
            }
            Running::Sha1(_) => None,
        }
    }
}

/// Hex (either case) or RFC 4648 base32 (padding optional), as WARC
/// writers spell digests: wget and Heritrix base32, some tools hex.
fn decode(text: &str, len: usize) -> Option<Vec<u8>> {
    if text.len() == len * 2
        && let Ok(bytes) = hex::decode(text)
    {
        return Some(bytes);
    }
    let bytes = base32(text.trim_end_matches('='))?;
    (bytes.len() == len).then_some(bytes)
}

fn base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in text.bytes() {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, bytes: &[u8]) -> bool {
        match parse(value) {
            Field::Check(mut c) => {
                c.update(bytes);
                c.matches()
            }
            Field::Unchecked(_) => panic!("unchecked: {value}"),
        }
    }

    #[test]
    fn sha1_base32_and_sha256_hex_or_base32() {
        // `printf abc | sha1sum`, base32 as wget writes it.
        assert!(check("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", b"abc"));
        assert!(!check("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", b"abd"));
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(check(&format!("sha256:{hex}"), b"abc"));
        assert!(check(&format!("SHA256:{}", hex.to_uppercase()), b"abc"));
        assert!(check(
            "sha256:XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ====",
            b"abc"
        ));
        assert!(matches!(
            parse("md5:kAFQmDzST7DWlj99KOF/cg=="),
            Field::Unchecked(_)
        ));
        assert!(matches!(parse("nonsense"), Field::Unchecked(_)));
    }
}
