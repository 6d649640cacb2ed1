//! The checks of a token and its signer short of the chain: the signed
//! content, the signature, the ESS signing certificate, the imprint, and
//! the timestamping key usage RFC 3161 requires.

use ring::signature::UnparsedPublicKey;
use x509_parser::certificate::X509Certificate;

use super::algorithm::{AlgId, Hash, signature_algorithm};
use super::certs::subject;
use super::der::{Reader, Tlv, tag};
use super::response::{Response, SignedAttrs, SignerInfo, TstInfo};
use super::value::oid_string;
use super::{Result, TimestampError, malformed, oid, unsupported};

/// The signed content type is the TSTInfo's, and the message digest is the
/// digest of the TSTInfo as received.
pub(super) fn check_content(response: &Response) -> Result<()> {
    let signer = &response.signer;
    if signer.attrs.content_type != oid::TST_INFO.as_bytes() {
        return Err(malformed(format!(
            "the signed content type is {}, not id-ct-TSTInfo",
            oid_string(signer.attrs.content_type)?
        )));
    }
    let hash = Hash::from_oid(signer.digest_alg.oid).ok_or_else(|| {
        unsupported(format!(
            "the signer's digest algorithm {}",
            oid_string(signer.digest_alg.oid).unwrap_or_else(|_| "(unreadable)".into())
        ))
    })?;
    if hash == Hash::Sha1 {
        return Err(unsupported(
            "the signer digests with SHA-1, which is no longer trusted",
        ));
    }
    if hash.digest(response.tst_der) != signer.attrs.message_digest {
        return Err(TimestampError::MessageDigestMismatch);
    }
    Ok(())
}

/// The signature over the DER SET OF signed attributes (RFC 5652 5.4: the
/// [0] IMPLICIT tag replaced by the SET tag).
pub(super) fn check_signature(info: &SignerInfo, cert: &X509Certificate) -> Result<()> {
    let mut message = info.signed_attrs.to_vec();
    if let Some(first) = message.first_mut() {
        *first = tag::SET;
    }
    let algorithm = signature_algorithm(info, cert)?;
    let key = &cert.public_key().subject_public_key.data;
    UnparsedPublicKey::new(algorithm, key)
        .verify(&message, info.signature)
        .map_err(|_| {
            TimestampError::SignatureInvalid(format!(
                "the signed attributes do not verify with the key of {}",
                subject(cert)
            ))
        })
}

/// The ESS signing certificate attributes (RFC 2634, RFC 5035), when
/// present, name the signer's certificate by its hash: their first entry
/// is the signer.
pub(super) fn check_signing_certificate(attrs: &SignedAttrs, cert: &X509Certificate) -> Result<()> {
    fn first_id<'a>(attr: Tlv<'a>, what: &str) -> Result<Tlv<'a>> {
        let mut r = Reader::new(attr.value);
        let ids = r.expect(tag::SEQUENCE, what)?;
        let mut i = Reader::new(ids.value);
        i.expect(tag::SEQUENCE, what)
    }
    if let Some(attr) = attrs.signing_certificate {
        let id = first_id(attr, "the signing certificate's identifier")?;
        let mut r = Reader::new(id.value);
        let hash = r
            .expect(tag::OCTET_STRING, "the signing certificate's hash")?
            .value;
        if Hash::Sha1.digest(cert.as_raw()) != hash {
            return Err(TimestampError::SigningCertificateMismatch(subject(cert)));
        }
    }
    if let Some(attr) = attrs.signing_certificate_v2 {
        let id = first_id(attr, "the signing certificate's identifier")?;
        let mut r = Reader::new(id.value);
        let alg = match r.optional(tag::SEQUENCE, "the signing certificate's hash algorithm")? {
            Some(a) => {
                let alg = AlgId::parse(a)?;
                Hash::from_oid(alg.oid).ok_or_else(|| {
                    unsupported(format!(
                        "the signing certificate's hash algorithm {}",
                        oid_string(alg.oid).unwrap_or_else(|_| "(unreadable)".into())
                    ))
                })?
            }
            None => Hash::Sha256,
        };
        let hash = r
            .expect(tag::OCTET_STRING, "the signing certificate's hash")?
            .value;
        if alg.digest(cert.as_raw()) != hash {
            return Err(TimestampError::SigningCertificateMismatch(subject(cert)));
        }
    }
    Ok(())
}

pub(super) fn check_imprint(tst: &TstInfo, imprint: &[u8; 32]) -> Result<()> {
    if tst.imprint_alg != oid::SHA256.as_bytes() {
        let name = match Hash::from_oid(tst.imprint_alg) {
            Some(h) => h.name().to_string(),
            None => oid_string(tst.imprint_alg)?,
        };
        return Err(TimestampError::ImprintMismatch(format!(
            "the token is over a {name} digest, not SHA-256"
        )));
    }
    if tst.imprint != imprint {
        return Err(TimestampError::ImprintMismatch(format!(
            "it vouches for SHA-256 {}, not {}",
            hex::encode(tst.imprint),
            hex::encode(imprint)
        )));
    }
    Ok(())
}

/// RFC 3161 2.3: the signer's certificate has exactly one extended key
/// usage, id-kp-timeStamping, in a critical extension.
pub(super) fn check_timestamping_usage(cert: &X509Certificate) -> Result<()> {
    let not_tsa = |detail: &str| TimestampError::NotTimestampingCertificate {
        subject: subject(cert),
        detail: detail.to_string(),
    };
    let eku = cert
        .extended_key_usage()
        .map_err(|e| not_tsa(&format!("its extended key usage cannot be read ({e})")))?
        .ok_or_else(|| not_tsa("it has no extended key usage"))?;
    let usage = eku.value;
    let mut others: Vec<String> = [
        (usage.any, "any purpose"),
        (usage.server_auth, "serverAuth"),
        (usage.client_auth, "clientAuth"),
        (usage.code_signing, "codeSigning"),
        (usage.email_protection, "emailProtection"),
        (usage.ocsp_signing, "OCSPSigning"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| name.to_string())
    .collect();
    others.extend(usage.other.iter().map(|o| o.to_id_string()));
    if !usage.time_stamping {
        let detail = if others.is_empty() {
            "its extended key usage does not include timeStamping".to_string()
        } else {
            format!(
                "its extended key usage is {}, without timeStamping",
                others.join(", ")
            )
        };
        return Err(not_tsa(&detail));
    }
    if !others.is_empty() {
        return Err(TimestampError::TimestampingUsageNotExclusive {
            subject: subject(cert),
            others: others.join(", "),
        });
    }
    if !eku.critical {
        return Err(TimestampError::TimestampingUsageNotCritical(subject(cert)));
    }
    Ok(())
}
