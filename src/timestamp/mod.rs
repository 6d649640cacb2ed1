//! RFC 3161 trusted timestamps: asking a timestamp authority (TSA) to sign
//! the SHA-256 of a file, and checking the token it answers, now or years
//! later.
//!
//! A response is untrusted input. It is read with a small DER reader of
//! our own (the `der` submodule), which borrows from the bytes and never
//! panics, rather than through the typed structures of `cms` and
//! `x509-tsp`: what the signature covers are exact encodings (the signed
//! attributes, the TSTInfo, the signer's certificate), which a decode and
//! re-encode does not always reproduce, and the `der` crate 0.7 refuses the
//! fraction of a second many TSAs write in genTime. The request, which we
//! write ourselves, is encoded with `x509-tsp`. Certificates are parsed by
//! x509-parser; every signature is checked with ring.
//!
//! The parts: `http` asks the TSA; `response` reads what it answers, with
//! `der`, `value` and `oid`; `check` checks the token and its signer, with
//! `algorithm`; `chain` finds a trusted chain among the `certs`.

mod algorithm;
mod certs;
mod chain;
mod check;
mod der;
mod http;
mod oid;
mod response;
mod value;

pub use certs::load_certs;

use std::path::PathBuf;
use std::time::Duration;

use ::der::Encode;
use ::der::asn1::{Any, Int, OctetString, Uint};
use cms::cert::x509::spki::AlgorithmIdentifier;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion};

use crate::time::Timestamp;
use certs::{parse_given, parse_token_certs, subject};
use chain::check_chain;
use check::{
    check_content, check_imprint, check_signature, check_signing_certificate, check_timestamping_usage,
};
use http::{client, post};
use response::Response;
use value::unsigned;

/// The largest reply accepted from a TSA: tokens are a few kilobytes, even
/// with a certificate chain.
pub const MAX_REPLY_SIZE: usize = 1 << 20;

/// How long a whole request may take, and how long connecting may.
pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a token says, for display and JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    /// When the TSA says it signed (to the millisecond).
    pub gen_time: Timestamp,
    /// The TSA's serial number for the token, in hex.
    pub serial: String,
    /// The TSA's policy, as a dotted OID.
    pub policy: String,
    /// The digest algorithm of the imprint: `sha256`, or a dotted OID.
    pub hash_algorithm: String,
    /// The digest the token vouches for, in hex.
    pub imprint: String,
    /// The name the TSA gives itself in the token, if any.
    pub tsa: Option<String>,
    /// The signer certificate's subject (RFC 4514). From [`inspect`], when
    /// the token does not carry that certificate, how the token names it
    /// instead: `serial 0a1b… from CN=…` or `key identifier 0a1b…`.
    pub signer: String,
    /// The request's nonce echoed back, in hex.
    pub nonce: Option<String>,
    /// How far genTime may be off, e.g. `1.5001s`.
    pub accuracy: Option<String>,
}

/// Why a timestamp could not be obtained or does not verify. [`kind`]
/// names each class for scripts and JSON.
///
/// [`kind`]: TimestampError::kind
#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    #[error("not a valid timestamp response: {0}")]
    Malformed(String),

    #[error("the timestamp authority did not grant a token: {0}")]
    NotGranted(String),

    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),

    #[error("the token is for other data: {0}")]
    ImprintMismatch(String),

    #[error("the token does not echo the request's nonce: {0}")]
    NonceMismatch(String),

    #[error("the token's content does not match the digest its signer signed")]
    MessageDigestMismatch,

    #[error("the token's signature does not verify: {0}")]
    SignatureInvalid(String),

    #[error("the token's signing certificate attribute does not name {0}, its signer")]
    SigningCertificateMismatch(String),

    #[error("the signer's certificate ({0}) is neither in the token nor among the extra certificates")]
    SignerCertificateMissing(String),

    #[error("{subject}: not a timestamping certificate: {detail}")]
    NotTimestampingCertificate { subject: String, detail: String },

    #[error("{0}: the timeStamping extended key usage is not marked critical, as RFC 3161 requires")]
    TimestampingUsageNotCritical(String),

    #[error(
        "{subject}: the certificate may also be used for {others}, but RFC 3161 allows a TSA no other use"
    )]
    TimestampingUsageNotExclusive { subject: String, others: String },

    #[error("the signer is not trusted: {0}")]
    Untrusted(String),

    #[error("{subject}: the certificate expired at {not_after}, before the token's time {gen_time}")]
    CertificateExpired {
        subject: String,
        not_after: String,
        gen_time: Timestamp,
    },

    #[error("{subject}: the certificate is valid only from {not_before}, after the token's time {gen_time}")]
    CertificateNotYetValid {
        subject: String,
        not_before: String,
        gen_time: Timestamp,
    },

    #[error("unusable certificate: {0}")]
    BadCertificate(String),

    #[error("{url}: {reason}")]
    Http { url: String, reason: String },

    #[error("cannot set up the timestamp request: {0}")]
    Client(String),
}

impl TimestampError {
    /// A stable snake_case name for the class of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            TimestampError::Malformed(_) => "malformed",
            TimestampError::NotGranted(_) => "not_granted",
            TimestampError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            TimestampError::ImprintMismatch(_) => "imprint_mismatch",
            TimestampError::NonceMismatch(_) => "nonce_mismatch",
            TimestampError::MessageDigestMismatch => "message_digest_mismatch",
            TimestampError::SignatureInvalid(_) => "signature_invalid",
            TimestampError::SigningCertificateMismatch(_) => "signing_certificate_mismatch",
            TimestampError::SignerCertificateMissing(_) => "signer_certificate_missing",
            TimestampError::NotTimestampingCertificate { .. } => "not_timestamping_certificate",
            TimestampError::TimestampingUsageNotCritical(_) => "timestamping_usage_not_critical",
            TimestampError::TimestampingUsageNotExclusive { .. } => "timestamping_usage_not_exclusive",
            TimestampError::Untrusted(_) => "untrusted",
            TimestampError::CertificateExpired { .. } => "certificate_expired",
            TimestampError::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            TimestampError::BadCertificate(_) => "bad_certificate",
            TimestampError::Http { .. } => "http",
            TimestampError::Client(_) => "client",
        }
    }
}

type Result<T, E = TimestampError> = std::result::Result<T, E>;

fn malformed(reason: impl Into<String>) -> TimestampError {
    TimestampError::Malformed(reason.into())
}

fn unsupported(reason: impl Into<String>) -> TimestampError {
    TimestampError::UnsupportedAlgorithm(reason.into())
}

// ---------------------------------------------------------------------------
// The request.

/// A DER TimeStampReq (version 1) for a SHA-256 digest, asking for the
/// signer's certificate in the token (certReq TRUE). `nonce` is a
/// big-endian unsigned integer; an empty one means no nonce.
pub fn request_der(imprint: &[u8; 32], nonce: &[u8]) -> Vec<u8> {
    let nonce = (!nonce.is_empty()).then(|| {
        let unsigned = Uint::new(nonce).expect("a nonce is far below DER's length limit");
        Int::from(unsigned)
    });
    let request = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: oid::SHA256,
                // As openssl writes it: some TSAs refuse an absent NULL.
                parameters: Some(Any::null()),
            },
            hashed_message: OctetString::new(imprint.to_vec()).expect("32 bytes fit an OCTET STRING"),
        },
        req_policy: None,
        nonce,
        cert_req: true,
        extensions: None,
    };
    request.to_der().expect("a request of fixed small fields encodes")
}

/// Asks the TSA at `tsa_url` for a token over `imprint` (a SHA-256 digest)
/// and returns the DER TimeStampResp with what it says, once the response
/// is granted and echoes the digest and a fresh nonce. The token's
/// signature and signer are not checked here: that is [`verify`]'s job,
/// with the trust anchors. `tls_ca_certs` are PEM or DER files of CAs
/// trusted for HTTPS besides Mozilla's roots.
///
/// Runs its own single-threaded runtime: call it from synchronous code.
pub fn request(
    tsa_url: &str,
    imprint: &[u8; 32],
    tls_ca_certs: &[PathBuf],
) -> Result<(Vec<u8>, Token), TimestampError> {
    let http = |reason: String| TimestampError::Http {
        url: tsa_url.to_string(),
        reason,
    };
    let url = reqwest::Url::parse(tsa_url).map_err(|e| http(format!("not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(http(
            "a timestamp authority is reached by an http or https URL".into(),
        ));
    }
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce)
        .map_err(|e| TimestampError::Client(format!("cannot draw a random nonce: {e}")))?;
    let query = request_der(imprint, &nonce);
    let client = client(tls_ca_certs)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| TimestampError::Client(format!("cannot start the HTTP runtime: {e}")))?;
    let body = runtime.block_on(post(&client, url, query)).map_err(http)?;

    let response = Response::parse(&body)?;
    let tst = &response.tst;
    check_imprint(tst, imprint)?;
    match tst.nonce {
        Some(n) if unsigned(n) == unsigned(&nonce) => {}
        Some(n) => {
            return Err(TimestampError::NonceMismatch(format!(
                "sent {}, received {}",
                hex::encode(unsigned(&nonce)),
                hex::encode(unsigned(n))
            )));
        }
        None => return Err(TimestampError::NonceMismatch("the token has no nonce".into())),
    }
    let token = token_of(&response)?;
    Ok((body, token))
}
// ---------------------------------------------------------------------------
// Reading and verifying.

/// Reads a TimeStampResp without checking trust: the status must be
/// granted and the token well formed. The signer is named when the token
/// carries its certificate.
pub fn inspect(resp_der: &[u8]) -> Result<Token, TimestampError> {
    token_of(&Response::parse(resp_der)?)
}

/// The token, its signer named by its certificate when the token has it.
fn token_of(response: &Response) -> Result<Token> {
    let certs = parse_token_certs(response)?;
    let sid = &response.signer.sid;
    let signer = sid.find(certs.iter()).map_or_else(|| sid.describe(), subject);
    Ok(response.token(signer))
}

/// Verifies a TimeStampResp completely: granted; a CMS SignedData over a
/// TSTInfo whose SHA-256 imprint is `imprint`; the signed attributes
/// (content type, message digest, and the ESS signing certificate when
/// present) consistent with the token and its signer; the signature; the
/// signer certificate (from the token, else from `extra_certs`) restricted
/// to timestamping as RFC 3161 requires; and a chain from it to one of
/// `trusted` (DER CA certificates, or the signer's own certificate) through
/// certificates of the token or `extra_certs`, every certificate valid at
/// the token's genTime. Revocation is not checked.
pub fn verify(
    resp_der: &[u8],
    imprint: &[u8; 32],
    trusted: &[Vec<u8>],
    extra_certs: &[Vec<u8>],
) -> Result<Token, TimestampError> {
    let response = Response::parse(resp_der)?;
    let token_certs = parse_token_certs(&response)?;
    let extra = parse_given(extra_certs, "extra")?;
    let anchors = parse_given(trusted, "trusted")?;
    let sid = &response.signer.sid;
    let signer = sid
        .find(token_certs.iter())
        .or_else(|| sid.find(extra.iter()))
        .ok_or_else(|| TimestampError::SignerCertificateMissing(sid.describe()))?;

    check_content(&response)?;
    check_signature(&response.signer, signer)?;
    check_signing_certificate(&response.signer.attrs, signer)?;
    check_imprint(&response.tst, imprint)?;
    check_timestamping_usage(signer)?;
    let pool: Vec<&X509Certificate> = token_certs.iter().chain(extra.iter()).collect();
    let anchors: Vec<&X509Certificate> = anchors.iter().collect();
    check_chain(signer, &pool, &anchors, response.tst.gen_time)?;
    Ok(response.token(subject(signer)))
}

#[cfg(test)]
mod tests;
