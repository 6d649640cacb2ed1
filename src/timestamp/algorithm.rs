//! Algorithms: the digests a token may use, AlgorithmIdentifiers, and
//! which of ring's signature algorithms a signer's key and signature
//! algorithm call for.

use ring::signature::{self, VerificationAlgorithm};
use x509_parser::certificate::X509Certificate;

use super::certs::subject;
use super::der::{Reader, Tlv, tag};
use super::response::SignerInfo;
use super::value::{oid_string, small_uint};
use super::{Result, TimestampError, malformed, oid, unsupported};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(super) fn from_oid(oid: &[u8]) -> Option<Hash> {
        [
            (oid::SHA1, Hash::Sha1),
            (oid::SHA256, Hash::Sha256),
            (oid::SHA384, Hash::Sha384),
            (oid::SHA512, Hash::Sha512),
        ]
        .into_iter()
        .find(|(o, _)| o.as_bytes() == oid)
        .map(|(_, h)| h)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "sha1",
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
        }
    }

    fn len(self) -> usize {
        self.algorithm().output_len()
    }

    fn algorithm(self) -> &'static ring::digest::Algorithm {
        match self {
            Hash::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha256 => &ring::digest::SHA256,
            Hash::Sha384 => &ring::digest::SHA384,
            Hash::Sha512 => &ring::digest::SHA512,
        }
    }

    pub(super) fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.algorithm(), data).as_ref().to_vec()
    }
}

/// AlgorithmIdentifier: an OID and optional parameters.
#[derive(Clone, Copy)]
pub(super) struct AlgId<'a> {
    pub(super) oid: &'a [u8],
    pub(super) params: Option<Tlv<'a>>,
}

impl<'a> AlgId<'a> {
    pub(super) fn parse(seq: Tlv<'a>) -> Result<AlgId<'a>> {
        let mut r = Reader::new(seq.value);
        let oid = r.expect(tag::OID, "an algorithm identifier")?.value;
        let params = if r.is_empty() {
            None
        } else {
            Some(r.next("an algorithm's parameters")?)
        };
        r.finish("an algorithm identifier")?;
        Ok(AlgId { oid, params })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyType {
    P256,
    P384,
    Rsa,
    Ed25519,
}

/// ring's algorithm for this signature by this certificate's key.
pub(super) fn signature_algorithm(
    info: &SignerInfo,
    cert: &X509Certificate,
) -> Result<&'static dyn VerificationAlgorithm> {
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.as_bytes();
    let key = if key_oid == oid::EC_PUBLIC_KEY.as_bytes() {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .filter(|p| p.tag() == x509_parser::asn1_rs::Tag::Oid)
            .map(|p| p.data);
        match curve {
            Some(c) if c == oid::P256.as_bytes() => KeyType::P256,
            Some(c) if c == oid::P384.as_bytes() => KeyType::P384,
            Some(c) => {
                return Err(unsupported(format!(
                    "the signer's elliptic curve {}",
                    oid_string(c)?
                )));
            }
            None => return Err(unsupported("an elliptic curve key without a named curve")),
        }
    } else if key_oid == oid::RSA.as_bytes() || key_oid == oid::RSA_PSS.as_bytes() {
        KeyType::Rsa
    } else if key_oid == oid::ED25519.as_bytes() {
        KeyType::Ed25519
    } else {
        return Err(unsupported(format!(
            "the signer's key type {}",
            oid_string(key_oid)?
        )));
    };

    let sig = info.sig_alg.oid;
    let digest = Hash::from_oid(info.digest_alg.oid);
    let (family, hash) = if sig == oid::ECDSA_SHA256.as_bytes() {
        (KeyType::P256, Some(Hash::Sha256))
    } else if sig == oid::ECDSA_SHA384.as_bytes() {
        (KeyType::P256, Some(Hash::Sha384))
    } else if sig == oid::ECDSA_SHA512.as_bytes() {
        (KeyType::P256, Some(Hash::Sha512))
    } else if sig == oid::EC_PUBLIC_KEY.as_bytes() {
        // Some signers name the key type and let the digest algorithm say
        // the hash, as CMS allows.
        (KeyType::P256, digest)
    } else if sig == oid::RSA.as_bytes() {
        (KeyType::Rsa, digest)
    } else if sig == oid::RSA_SHA256.as_bytes() {
        (KeyType::Rsa, Some(Hash::Sha256))
    } else if sig == oid::RSA_SHA384.as_bytes() {
        (KeyType::Rsa, Some(Hash::Sha384))
    } else if sig == oid::RSA_SHA512.as_bytes() {
        (KeyType::Rsa, Some(Hash::Sha512))
    } else if sig == oid::RSA_PSS.as_bytes() {
        if key != KeyType::Rsa {
            return Err(mismatched_key(cert));
        }
        return Ok(match pss_hash(info.sig_alg.params)? {
            Hash::Sha256 => &signature::RSA_PSS_2048_8192_SHA256,
            Hash::Sha384 => &signature::RSA_PSS_2048_8192_SHA384,
            _ => &signature::RSA_PSS_2048_8192_SHA512,
        });
    } else if sig == oid::ED25519.as_bytes() {
        (KeyType::Ed25519, None)
    } else {
        return Err(unsupported(format!(
            "the signature algorithm {}",
            oid_string(sig)?
        )));
    };
    let is_ec = matches!(key, KeyType::P256 | KeyType::P384);
    if (family == KeyType::P256 && !is_ec) || (family != KeyType::P256 && family != key) {
        return Err(mismatched_key(cert));
    }
    let unsupported_hash = || {
        unsupported(format!(
            "the signature algorithm {} with this key",
            oid_string(sig).unwrap_or_else(|_| "(unreadable)".into())
        ))
    };
    Ok(match (key, hash) {
        (KeyType::P256, Some(Hash::Sha256)) => &signature::ECDSA_P256_SHA256_ASN1,
        (KeyType::P256, Some(Hash::Sha384)) => &signature::ECDSA_P256_SHA384_ASN1,
        (KeyType::P384, Some(Hash::Sha256)) => &signature::ECDSA_P384_SHA256_ASN1,
        (KeyType::P384, Some(Hash::Sha384)) => &signature::ECDSA_P384_SHA384_ASN1,
        (KeyType::Rsa, Some(Hash::Sha256)) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (KeyType::Rsa, Some(Hash::Sha384)) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (KeyType::Rsa, Some(Hash::Sha512)) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (KeyType::Ed25519, _) => &signature::ED25519,
        _ => return Err(unsupported_hash()),
    })
}

fn mismatched_key(cert: &X509Certificate) -> TimestampError {
    TimestampError::SignatureInvalid(format!(
        "the signature algorithm does not fit the key of {}",
        subject(cert)
    ))
}

/// The hash of RSASSA-PSS parameters, when they are the ones ring checks:
/// MGF1 with the same hash, and a salt as long as the hash.
fn pss_hash(params: Option<Tlv>) -> Result<Hash> {
    let cannot = |why: &str| unsupported(format!("RSA-PSS {why}"));
    let params = params
        .filter(|p| p.tag == tag::SEQUENCE)
        .ok_or_else(|| cannot("without parameters (SHA-1)"))?;
    fn explicit_alg(t: Tlv<'_>) -> Result<AlgId<'_>> {
        let mut e = Reader::new(t.value);
        let alg = AlgId::parse(e.expect(tag::SEQUENCE, "an RSA-PSS parameter")?)?;
        e.finish("an RSA-PSS parameter")?;
        Ok(alg)
    }
    let mut r = Reader::new(params.value);
    let hash = match r.optional(tag::context(0), "the RSA-PSS hash")? {
        Some(t) => Hash::from_oid(explicit_alg(t)?.oid),
        None => Some(Hash::Sha1),
    };
    let mgf_hash = match r.optional(tag::context(1), "the RSA-PSS mask generation")? {
        Some(t) => {
            let mgf = explicit_alg(t)?;
            if mgf.oid != oid::MGF1.as_bytes() {
                return Err(cannot("with a mask generation function other than MGF1"));
            }
            match mgf.params {
                Some(p) if p.tag == tag::SEQUENCE => Hash::from_oid(AlgId::parse(p)?.oid),
                _ => return Err(malformed("RSA-PSS MGF1 without its hash")),
            }
        }
        None => Some(Hash::Sha1),
    };
    let salt = match r.optional(tag::context(2), "the RSA-PSS salt length")? {
        Some(t) => {
            let mut s = Reader::new(t.value);
            let n = small_uint(
                s.expect(tag::INTEGER, "the salt length")?.value,
                "the salt length",
            )?;
            s.finish("the salt length")?;
            n
        }
        None => 20,
    };
    if let Some(t) = r.optional(tag::context(3), "the RSA-PSS trailer field")? {
        let mut s = Reader::new(t.value);
        if small_uint(
            s.expect(tag::INTEGER, "the trailer field")?.value,
            "the trailer field",
        )? != 1
        {
            return Err(cannot("with a trailer field other than 1"));
        }
    }
    r.finish("the RSA-PSS parameters")?;
    match hash {
        Some(h @ (Hash::Sha256 | Hash::Sha384 | Hash::Sha512))
            if mgf_hash == Some(h) && salt == h.len() as u64 =>
        {
            Ok(h)
        }
        _ => Err(cannot(
            "with parameters other than SHA-2, MGF1 of the same hash and a salt as long as the hash",
        )),
    }
}
