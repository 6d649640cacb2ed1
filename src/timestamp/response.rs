//! Reading a TimeStampResp: its status, the SignedData that is the token,
//! the TSTInfo it signs and its one SignerInfo, all borrowing from the
//! response's bytes.

use chrono::{DateTime, Utc};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;

use super::algorithm::{AlgId, Hash};
use super::der::{Reader, Tlv, tag};
use super::value::{
    general_name, generalized_time, integer_hex, name_string, oid_string, printable, small_uint, unsigned,
};
use super::{Result, TimestampError, Token, malformed, oid};
use crate::time::Timestamp;

/// A parsed TimeStampResp, borrowing from its bytes.
pub(super) struct Response<'a> {
    pub(super) tst: TstInfo<'a>,
    /// The TSTInfo's DER: what the message-digest attribute covers.
    pub(super) tst_der: &'a [u8],
    /// The certificates the token carries, as DER.
    pub(super) certs: Vec<&'a [u8]>,
    pub(super) signer: SignerInfo<'a>,
}

pub(super) struct TstInfo<'a> {
    pub(super) policy: String,
    pub(super) imprint_alg: &'a [u8],
    pub(super) imprint: &'a [u8],
    pub(super) serial: String,
    pub(super) gen_time: DateTime<Utc>,
    pub(super) accuracy: Option<String>,
    pub(super) nonce: Option<&'a [u8]>,
    pub(super) tsa: Option<String>,
}

pub(super) struct SignerInfo<'a> {
    pub(super) sid: Sid<'a>,
    pub(super) digest_alg: AlgId<'a>,
    /// The signed attributes' encoding as received, tagged [0].
    pub(super) signed_attrs: &'a [u8],
    pub(super) attrs: SignedAttrs<'a>,
    pub(super) sig_alg: AlgId<'a>,
    pub(super) signature: &'a [u8],
}

pub(super) struct SignedAttrs<'a> {
    pub(super) content_type: &'a [u8],
    pub(super) message_digest: &'a [u8],
    pub(super) signing_certificate: Option<Tlv<'a>>,
    pub(super) signing_certificate_v2: Option<Tlv<'a>>,
}

/// How a SignerInfo names its certificate.
pub(super) enum Sid<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(&'a [u8]),
}

impl<'a> Sid<'a> {
    pub(super) fn find<'c, 'd: 'c>(
        &self,
        mut certs: impl Iterator<Item = &'c X509Certificate<'d>>,
    ) -> Option<&'c X509Certificate<'d>> {
        certs.find(|c| self.matches(c))
    }

    fn matches(&self, cert: &X509Certificate) -> bool {
        match self {
            Sid::IssuerSerial { issuer, serial } => {
                cert.issuer().as_raw() == *issuer && unsigned(cert.raw_serial()) == unsigned(serial)
            }
            Sid::KeyId(id) => cert.iter_extensions().any(
                |e| matches!(e.parsed_extension(), ParsedExtension::SubjectKeyIdentifier(k) if k.0 == *id),
            ),
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Sid::IssuerSerial { issuer, serial } => format!(
                "serial {} from {}",
                hex::encode(unsigned(serial)),
                name_string(issuer).unwrap_or_else(|_| "an unreadable issuer".into())
            ),
            Sid::KeyId(id) => format!("key identifier {}", hex::encode(id)),
        }
    }
}

impl<'a> Response<'a> {
    pub(super) fn parse(der: &'a [u8]) -> Result<Response<'a>> {
        let mut top = Reader::new(der);
        let resp = top.expect(tag::SEQUENCE, "the TimeStampResp")?;
        top.finish("the TimeStampResp")?;
        let mut r = Reader::new(resp.value);
        let status = r.expect(tag::SEQUENCE, "the status")?;
        let token = r.optional(tag::SEQUENCE, "the token")?;
        r.finish("the token")?;
        check_status(status)?;
        let token = token.ok_or_else(|| malformed("the status is granted but there is no token"))?;
        Response::parse_token(token)
    }

    /// TimeStampToken ::= ContentInfo, holding a SignedData.
    fn parse_token(token: Tlv<'a>) -> Result<Response<'a>> {
        let mut ci = Reader::new(token.value);
        let content_type = ci.expect(tag::OID, "the token's content type")?;
        if content_type.value != oid::SIGNED_DATA.as_bytes() {
            return Err(malformed(format!(
                "the token is not CMS SignedData but {}",
                oid_string(content_type.value)?
            )));
        }
        let content = ci.expect(tag::context(0), "the token's content")?;
        ci.finish("the token")?;
        let mut outer = Reader::new(content.value);
        let signed_data = outer.expect(tag::SEQUENCE, "the SignedData")?;
        outer.finish("the SignedData")?;

        let mut r = Reader::new(signed_data.value);
        r.expect(tag::INTEGER, "the SignedData's version")?;
        r.expect(tag::SET, "the SignedData's digest algorithms")?;
        let encap = r.expect(tag::SEQUENCE, "the encapsulated content")?;
        let certs = r.optional(tag::context(0), "the certificates")?;
        r.optional(tag::context(1), "the revocation information")?;
        let signer_infos = r.expect(tag::SET, "the signer infos")?;
        r.finish("the SignedData")?;

        let mut e = Reader::new(encap.value);
        let econtent_type = e.expect(tag::OID, "the encapsulated content type")?;
        if econtent_type.value != oid::TST_INFO.as_bytes() {
            return Err(malformed(format!(
                "the token signs {}, not a TSTInfo",
                oid_string(econtent_type.value)?
            )));
        }
        let explicit = e
            .optional(tag::context(0), "the TSTInfo")?
            .ok_or_else(|| malformed("the token does not contain its TSTInfo"))?;
        e.finish("the encapsulated content")?;
        let mut x = Reader::new(explicit.value);
        let tst_der = x.expect(tag::OCTET_STRING, "the TSTInfo")?.value;
        x.finish("the TSTInfo")?;
        let tst = TstInfo::parse(tst_der)?;

        let mut cert_list = Vec::new();
        if let Some(certs) = certs {
            let mut c = Reader::new(certs.value);
            while !c.is_empty() {
                let choice = c.next("a certificate")?;
                // Attribute and other certificates have other tags; only
                // plain X.509 certificates can sign.
                if choice.tag == tag::SEQUENCE {
                    cert_list.push(choice.raw);
                }
            }
        }

        let mut s = Reader::new(signer_infos.value);
        let signer = s.expect(tag::SEQUENCE, "the signer info")?;
        if !s.is_empty() {
            return Err(malformed(
                "the token has more than one signature; RFC 3161 allows only the TSA's",
            ));
        }
        Ok(Response {
            tst,
            tst_der,
            certs: cert_list,
            signer: SignerInfo::parse(signer)?,
        })
    }

    pub(super) fn token(&self, signer: String) -> Token {
        let tst = &self.tst;
        Token {
            gen_time: Timestamp::from(tst.gen_time),
            serial: tst.serial.clone(),
            policy: tst.policy.clone(),
            hash_algorithm: match Hash::from_oid(tst.imprint_alg) {
                Some(h) => h.name().to_string(),
                None => oid_string(tst.imprint_alg).unwrap_or_else(|_| "unknown".into()),
            },
            imprint: hex::encode(tst.imprint),
            tsa: tst.tsa.clone(),
            signer,
            nonce: tst.nonce.map(integer_hex),
            accuracy: tst.accuracy.clone(),
        }
    }
}

/// PKIStatusInfo: granted (0) or granted with modifications (1) pass.
fn check_status(status: Tlv) -> Result<()> {
    let mut r = Reader::new(status.value);
    let code = small_uint(r.expect(tag::INTEGER, "the status")?.value, "the status")?;
    let texts = r.optional(tag::SEQUENCE, "the status text")?;
    let fail_info = r.optional(tag::BIT_STRING, "the failure information")?;
    r.finish("the status")?;
    if code <= 1 {
        return Ok(());
    }
    let name = match code {
        2 => "rejection",
        3 => "waiting",
        4 => "revocation warning",
        5 => "revocation notification",
        _ => "unknown status",
    };
    let mut message = format!("status {code} ({name})");
    if let Some(texts) = texts {
        let mut t = Reader::new(texts.value);
        let mut said = Vec::new();
        while !t.is_empty() {
            let text = printable(t.next("the status text")?.value);
            said.push(text.trim_end_matches('.').to_string());
        }
        if !said.is_empty() {
            message.push_str(&format!(": {}", said.join("; ")));
        }
    }
    if let Some(bits) = fail_info {
        let failures = failure_names(bits.value);
        if !failures.is_empty() {
            message.push_str(&format!(" [{}]", failures.join(", ")));
        }
    }
    Err(TimestampError::NotGranted(message))
}

/// The PKIFailureInfo bits RFC 3161 defines, by name.
fn failure_names(bit_string: &[u8]) -> Vec<String> {
    let Some((_, bits)) = bit_string.split_first() else {
        return Vec::new();
    };
    let set = |i: usize| bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
    (0..bits.len() * 8)
        .filter(|&i| set(i))
        .map(|i| match i {
            0 => "badAlg".to_string(),
            2 => "badRequest".to_string(),
            5 => "badDataFormat".to_string(),
            14 => "timeNotAvailable".to_string(),
            15 => "unacceptedPolicy".to_string(),
            16 => "unacceptedExtension".to_string(),
            17 => "addInfoNotAvailable".to_string(),
            25 => "systemFailure".to_string(),
            other => format!("failure bit {other}"),
        })
        .collect()
}

impl<'a> TstInfo<'a> {
    fn parse(der: &'a [u8]) -> Result<TstInfo<'a>> {
        let mut top = Reader::new(der);
        let seq = top.expect(tag::SEQUENCE, "the TSTInfo")?;
        top.finish("the TSTInfo")?;
        let mut r = Reader::new(seq.value);
        let version = small_uint(
            r.expect(tag::INTEGER, "the TSTInfo's version")?.value,
            "the version",
        )?;
        if version != 1 {
            return Err(malformed(format!("TSTInfo version {version}, not 1")));
        }
        let policy = oid_string(r.expect(tag::OID, "the policy")?.value)?;
        let imprint = r.expect(tag::SEQUENCE, "the message imprint")?;
        let mut m = Reader::new(imprint.value);
        let imprint_alg = AlgId::parse(m.expect(tag::SEQUENCE, "the imprint's algorithm")?)?;
        let hashed = m.expect(tag::OCTET_STRING, "the imprint's digest")?.value;
        m.finish("the message imprint")?;
        let serial = r.expect(tag::INTEGER, "the serial number")?.value;
        if serial.is_empty() {
            return Err(malformed("the serial number is empty"));
        }
        let gen_time = generalized_time(r.expect(tag::GENERALIZED_TIME, "genTime")?.value)?;
        let accuracy = match r.optional(tag::SEQUENCE, "the accuracy")? {
            Some(a) => Some(accuracy_string(a)?),
            None => None,
        };
        r.optional(tag::BOOLEAN, "the ordering")?;
        let nonce = r.optional(tag::INTEGER, "the nonce")?.map(|t| t.value);
        if nonce.is_some_and(<[u8]>::is_empty) {
            return Err(malformed("the nonce is empty"));
        }
        let tsa = match r.optional(tag::context(0), "the TSA's name")? {
            Some(t) => Some(general_name(t.value)?),
            None => None,
        };
        r.optional(tag::context(1), "the extensions")?;
        r.finish("the TSTInfo")?;
        Ok(TstInfo {
            policy,
            imprint_alg: imprint_alg.oid,
            imprint: hashed,
            serial: integer_hex(serial),
            gen_time,
            accuracy,
            nonce,
            tsa,
        })
    }
}

impl<'a> SignerInfo<'a> {
    fn parse(info: Tlv<'a>) -> Result<SignerInfo<'a>> {
        let mut r = Reader::new(info.value);
        r.expect(tag::INTEGER, "the SignerInfo's version")?;
        let sid = match r.peek() {
            Some(tag::SEQUENCE) => {
                let ias = r.next("the signer's issuer and serial number")?;
                let mut i = Reader::new(ias.value);
                let issuer = i.expect(tag::SEQUENCE, "the signer's issuer")?.raw;
                let serial = i.expect(tag::INTEGER, "the signer's serial number")?.value;
                i.finish("the signer's issuer and serial number")?;
                Sid::IssuerSerial { issuer, serial }
            }
            Some(t) if t == tag::context_primitive(0) => {
                Sid::KeyId(r.next("the signer's key identifier")?.value)
            }
            _ => return Err(malformed("the signer info does not identify its certificate")),
        };
        let digest_alg = AlgId::parse(r.expect(tag::SEQUENCE, "the signer's digest algorithm")?)?;
        let signed_attrs = r
            .optional(tag::context(0), "the signed attributes")?
            .ok_or_else(|| malformed("the signature has no signed attributes, which RFC 3161 requires"))?;
        let sig_alg = AlgId::parse(r.expect(tag::SEQUENCE, "the signature algorithm")?)?;
        let signature = r.expect(tag::OCTET_STRING, "the signature")?.value;
        r.optional(tag::context(1), "the unsigned attributes")?;
        r.finish("the signer info")?;
        Ok(SignerInfo {
            sid,
            digest_alg,
            signed_attrs: signed_attrs.raw,
            attrs: SignedAttrs::parse(signed_attrs.value)?,
            sig_alg,
            signature,
        })
    }
}

impl<'a> SignedAttrs<'a> {
    fn parse(value: &'a [u8]) -> Result<SignedAttrs<'a>> {
        let mut r = Reader::new(value);
        let mut seen: Vec<&[u8]> = Vec::new();
        let (mut content_type, mut message_digest, mut v1, mut v2) = (None, None, None, None);
        while !r.is_empty() {
            let attr = r.expect(tag::SEQUENCE, "a signed attribute")?;
            let mut a = Reader::new(attr.value);
            let kind = a.expect(tag::OID, "a signed attribute's type")?.value;
            let values = a.expect(tag::SET, "a signed attribute's values")?;
            a.finish("a signed attribute")?;
            // One instance each, as CMS requires: a second could say
            // something else than the one checked.
            if seen.contains(&kind) {
                return Err(malformed(format!(
                    "the signed attribute {} appears twice",
                    oid_string(kind)?
                )));
            }
            seen.push(kind);
            if kind == oid::CONTENT_TYPE.as_bytes() {
                content_type = Some(single(values, tag::OID, "the content type attribute")?.value);
            } else if kind == oid::MESSAGE_DIGEST.as_bytes() {
                message_digest =
                    Some(single(values, tag::OCTET_STRING, "the message digest attribute")?.value);
            } else if kind == oid::SIGNING_CERTIFICATE.as_bytes() {
                v1 = Some(single(
                    values,
                    tag::SEQUENCE,
                    "the signing certificate attribute",
                )?);
            } else if kind == oid::SIGNING_CERTIFICATE_V2.as_bytes() {
                v2 = Some(single(
                    values,
                    tag::SEQUENCE,
                    "the signing certificate v2 attribute",
                )?);
            }
        }
        Ok(SignedAttrs {
            content_type: content_type
                .ok_or_else(|| malformed("the signed attributes have no content type"))?,
            message_digest: message_digest
                .ok_or_else(|| malformed("the signed attributes have no message digest"))?,
            signing_certificate: v1,
            signing_certificate_v2: v2,
        })
    }
}

/// An attribute's one value, of the given tag.
fn single<'a>(values: Tlv<'a>, expected: u8, what: &str) -> Result<Tlv<'a>> {
    let mut v = Reader::new(values.value);
    let value = v.expect(expected, what)?;
    if !v.is_empty() {
        return Err(malformed(format!("{what} has more than one value")));
    }
    Ok(value)
}

/// Accuracy: seconds, millis and micros, written as seconds.
fn accuracy_string(accuracy: Tlv) -> Result<String> {
    let mut r = Reader::new(accuracy.value);
    let mut part = |t: u8, what: &str| -> Result<u64> {
        match r.optional(t, what)? {
            Some(v) => small_uint(v.value, what),
            None => Ok(0),
        }
    };
    let seconds = part(tag::INTEGER, "the accuracy's seconds")?;
    let millis = part(tag::context_primitive(0), "the accuracy's milliseconds")?;
    let micros = part(tag::context_primitive(1), "the accuracy's microseconds")?;
    r.finish("the accuracy")?;
    if millis > 999 || micros > 999 {
        return Err(malformed(
            "the accuracy's milliseconds or microseconds exceed 999",
        ));
    }
    let fraction = millis * 1000 + micros;
    if fraction == 0 {
        return Ok(format!("{seconds}s"));
    }
    let digits = format!("{fraction:06}");
    Ok(format!("{seconds}.{}s", digits.trim_end_matches('0')))
}
