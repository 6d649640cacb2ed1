//! RFC 3161 trusted timestamps: asking a timestamp authority (TSA) to sign
//! the SHA-256 of a file, and checking the token it answers, now or years
//! later.
//!
//! A response is untrusted input. It is read with the small DER reader
//! below, which borrows from the bytes and never panics, rather than
//! through the typed structures of `cms` and `x509-tsp`: what the signature
//! covers are exact encodings (the signed attributes, the TSTInfo, the
//! signer's certificate), which a decode and re-encode does not always
//! reproduce, and `der` 0.7 refuses the fraction of a second many TSAs
//! write in genTime. The request, which we write ourselves, is encoded with
//! `x509-tsp`. Certificates are parsed by x509-parser; every signature is
//! checked with ring.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use cms::cert::x509::spki::AlgorithmIdentifier;
use der::Encode;
use der::asn1::{Any, Int, OctetString, Uint};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::time::ASN1Time;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion};

use crate::error::Error;
use crate::time::Timestamp;

/// The largest reply accepted from a TSA: tokens are a few kilobytes, even
/// with a certificate chain.
pub const MAX_REPLY_SIZE: usize = 1 << 20;

/// How long a whole request may take, and how long connecting may.
pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Chains longer than this are refused rather than searched.
const MAX_CHAIN: usize = 8;

/// Signature checks allowed while searching for a chain, so that a token
/// stuffed with look-alike certificates cannot make the search explode.
const CHAIN_BUDGET: usize = 64;

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

/// The object identifiers this module compares against.
mod oid {
    use der::oid::ObjectIdentifier as Oid;

    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");

    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSA_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const RSA_SHA1_OLD: Oid = Oid::new_unwrap("1.3.14.3.2.29");
    pub const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");

    // Certificate extensions a chain may mark critical: the ones checked
    // here, and the ones that only describe (names, key identifiers,
    // policies, which this verifier does not restrict).
    pub const KNOWN_CRITICAL: [Oid; 8] = [
        Oid::new_unwrap("2.5.29.19"), // basicConstraints
        Oid::new_unwrap("2.5.29.15"), // keyUsage
        Oid::new_unwrap("2.5.29.37"), // extKeyUsage
        Oid::new_unwrap("2.5.29.17"), // subjectAltName
        Oid::new_unwrap("2.5.29.18"), // issuerAltName
        Oid::new_unwrap("2.5.29.14"), // subjectKeyIdentifier
        Oid::new_unwrap("2.5.29.35"), // authorityKeyIdentifier
        Oid::new_unwrap("2.5.29.32"), // certificatePolicies
    ];

    /// RFC 4514's short names, and a few from RFC 4519 that every LDAP
    /// and X.509 tool knows.
    pub const NAMES: [(Oid, &str); 18] = [
        (Oid::new_unwrap("2.5.4.3"), "CN"),
        (Oid::new_unwrap("2.5.4.6"), "C"),
        (Oid::new_unwrap("2.5.4.7"), "L"),
        (Oid::new_unwrap("2.5.4.8"), "ST"),
        (Oid::new_unwrap("2.5.4.9"), "STREET"),
        (Oid::new_unwrap("2.5.4.10"), "O"),
        (Oid::new_unwrap("2.5.4.11"), "OU"),
        (Oid::new_unwrap("0.9.2342.19200300.100.1.25"), "DC"),
        (Oid::new_unwrap("0.9.2342.19200300.100.1.1"), "UID"),
        (Oid::new_unwrap("2.5.4.5"), "serialNumber"),
        (Oid::new_unwrap("2.5.4.12"), "title"),
        (Oid::new_unwrap("2.5.4.4"), "SN"),
        (Oid::new_unwrap("2.5.4.42"), "givenName"),
        (Oid::new_unwrap("2.5.4.43"), "initials"),
        (Oid::new_unwrap("2.5.4.44"), "generationQualifier"),
        (Oid::new_unwrap("2.5.4.46"), "dnQualifier"),
        (Oid::new_unwrap("2.5.4.17"), "postalCode"),
        (Oid::new_unwrap("1.2.840.113549.1.9.1"), "emailAddress"),
    ];
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

/// The HTTP client: rustls with ring, Mozilla's roots and the given CAs,
/// no redirects (a TSA's URL is configured, not discovered).
fn client(tls_ca_certs: &[PathBuf]) -> Result<reqwest::Client> {
    let setup = |reason: String| TimestampError::Client(reason);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for path in tls_ca_certs {
        for der in load_certs(path).map_err(|e| setup(e.to_string()))? {
            roots
                .add(CertificateDer::from(der))
                .map_err(|e| setup(format!("{}: unusable CA certificate: {e}", path.display())))?;
        }
    }
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .user_agent(format!(
            "provenance/{} (timestamp client)",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| {
            setup(format!(
                "cannot set up the HTTP client: {}",
                crate::fetch::describe(&e)
            ))
        })
}

/// POSTs the query and reads the reply's body, bounded.
async fn post(client: &reqwest::Client, url: reqwest::Url, query: Vec<u8>) -> Result<Vec<u8>, String> {
    let describe = |e: reqwest::Error| {
        if e.is_timeout() {
            format!("no answer within {} seconds", TIMEOUT.as_secs())
        } else {
            crate::fetch::describe(&e)
        }
    };
    let mut response = client
        .post(url)
        .header(CONTENT_TYPE, "application/timestamp-query")
        .header(ACCEPT, "application/timestamp-reply")
        .body(query)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!(
            "the server answered {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string());
    }
    // Loosely: servers label replies variously (timestamp-reply, -response,
    // octet-stream); an HTML error page is what this catches.
    if let Some(ct) = response.headers().get(CONTENT_TYPE) {
        let ct = String::from_utf8_lossy(ct.as_bytes()).to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !(essence.contains("timestamp") || essence == "application/octet-stream" || essence.is_empty()) {
            return Err(format!(
                "the server answered with Content-Type {}, not application/timestamp-reply",
                printable(essence.as_bytes())
            ));
        }
    }
    let too_large = || format!("the reply is larger than {MAX_REPLY_SIZE} bytes");
    if response
        .content_length()
        .is_some_and(|n| n > MAX_REPLY_SIZE as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() + chunk.len() > MAX_REPLY_SIZE {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return Err("the server answered with an empty body".into());
    }
    Ok(body)
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

/// Loads one or more certificates from a PEM file (several blocks allowed,
/// other blocks ignored) or a DER file, checking that each parses.
pub fn load_certs(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "read", e))?;
    let bad = |reason: String| Error::source(path.display(), reason);
    let pem = bytes.windows(10).any(|w| w == b"-----BEGIN");
    let ders: Vec<Vec<u8>> = if pem {
        CertificateDer::pem_slice_iter(&bytes)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?
    } else {
        vec![bytes]
    };
    if ders.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    for (i, der) in ders.iter().enumerate() {
        let problem = match x509_parser::parse_x509_certificate(der) {
            Ok(([], _)) => continue,
            Ok(_) => "trailing bytes after the certificate".to_string(),
            Err(e) => e.to_string(),
        };
        return Err(bad(if pem {
            format!(
                "certificate {} is not a valid X.509 certificate: {problem}",
                i + 1
            )
        } else {
            format!("neither PEM nor a DER X.509 certificate: {problem}")
        }));
    }
    Ok(ders)
}

/// A parsed TimeStampResp, borrowing from its bytes.
struct Response<'a> {
    tst: TstInfo<'a>,
    /// The TSTInfo's DER: what the message-digest attribute covers.
    tst_der: &'a [u8],
    /// The certificates the token carries, as DER.
    certs: Vec<&'a [u8]>,
    signer: SignerInfo<'a>,
}

struct TstInfo<'a> {
    policy: String,
    imprint_alg: &'a [u8],
    imprint: &'a [u8],
    serial: String,
    gen_time: DateTime<Utc>,
    accuracy: Option<String>,
    nonce: Option<&'a [u8]>,
    tsa: Option<String>,
}

struct SignerInfo<'a> {
    sid: Sid<'a>,
    digest_alg: AlgId<'a>,
    /// The signed attributes' encoding as received, tagged [0].
    signed_attrs: &'a [u8],
    attrs: SignedAttrs<'a>,
    sig_alg: AlgId<'a>,
    signature: &'a [u8],
}

struct SignedAttrs<'a> {
    content_type: &'a [u8],
    message_digest: &'a [u8],
    signing_certificate: Option<Tlv<'a>>,
    signing_certificate_v2: Option<Tlv<'a>>,
}

/// How a SignerInfo names its certificate.
enum Sid<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(&'a [u8]),
}

impl<'a> Sid<'a> {
    fn find<'c, 'd: 'c>(
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

    fn describe(&self) -> String {
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
    fn parse(der: &'a [u8]) -> Result<Response<'a>> {
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

    fn token(&self, signer: String) -> Token {
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

/// The signed content type is the TSTInfo's, and the message digest is the
/// digest of the TSTInfo as received.
fn check_content(response: &Response) -> Result<()> {
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
fn check_signature(info: &SignerInfo, cert: &X509Certificate) -> Result<()> {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyType {
    P256,
    P384,
    Rsa,
    Ed25519,
}

/// ring's algorithm for this signature by this certificate's key.
fn signature_algorithm(
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

/// The ESS signing certificate attributes (RFC 2634, RFC 5035), when
/// present, name the signer's certificate by its hash: their first entry
/// is the signer.
fn check_signing_certificate(attrs: &SignedAttrs, cert: &X509Certificate) -> Result<()> {
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

fn check_imprint(tst: &TstInfo, imprint: &[u8; 32]) -> Result<()> {
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
fn check_timestamping_usage(cert: &X509Certificate) -> Result<()> {
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

/// A chain from `signer` to one of `anchors` through `pool`, every
/// certificate valid at `at`. Among several chains, one valid at `at`
/// wins; when none is, the first one's problem is reported.
fn check_chain(
    signer: &X509Certificate,
    pool: &[&X509Certificate],
    anchors: &[&X509Certificate],
    at: DateTime<Utc>,
) -> Result<()> {
    if let Err(why) = unknown_critical_extension(signer) {
        return Err(TimestampError::Untrusted(why));
    }
    let mut search = ChainSearch {
        pool,
        anchors,
        budget: CHAIN_BUDGET,
        reason: None,
        found: Vec::new(),
    };
    let mut path = vec![signer];
    search.extend(&mut path);
    let Some(first) = search.found.first() else {
        let reason = search
            .reason
            .map_or_else(|| "no chain to a trusted certificate".into(), |(_, r)| r);
        return Err(TimestampError::Untrusted(reason));
    };
    let first_problem = match first.iter().try_for_each(|c| valid_at(c, at)) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    if search
        .found
        .iter()
        .skip(1)
        .any(|path| path.iter().all(|c| valid_at(c, at).is_ok()))
    {
        return Ok(());
    }
    Err(first_problem)
}

struct ChainSearch<'s, 'a> {
    pool: &'s [&'s X509Certificate<'a>],
    anchors: &'s [&'s X509Certificate<'a>],
    budget: usize,
    /// Why the deepest attempt failed, and its depth, for the error.
    reason: Option<(usize, String)>,
    found: Vec<Vec<&'s X509Certificate<'a>>>,
}

impl<'s, 'a> ChainSearch<'s, 'a> {
    fn extend(&mut self, path: &mut Vec<&'s X509Certificate<'a>>) {
        let Some(&current) = path.last() else { return };
        if self.anchors.iter().any(|a| a.as_raw() == current.as_raw()) {
            self.found.push(path.clone());
            return;
        }
        if path.len() > MAX_CHAIN {
            self.refused(
                path.len(),
                format!("no trusted chain within {MAX_CHAIN} certificates"),
            );
            return;
        }
        let mut named = false;
        // Anchors first: the shortest chain ends at the first one that fits.
        let candidates = self.anchors.iter().chain(self.pool.iter());
        for &issuer in candidates {
            if self.budget == 0 || self.found.len() >= 4 {
                return;
            }
            if issuer.subject().as_raw() != current.issuer().as_raw()
                || path.iter().any(|p| p.as_raw() == issuer.as_raw())
            {
                continue;
            }
            named = true;
            self.budget -= 1;
            let is_anchor = self.anchors.iter().any(|a| a.as_raw() == issuer.as_raw());
            if let Err(why) =
                can_issue(issuer, path.len() - 1, is_anchor).and_then(|()| issued_by(current, issuer))
            {
                self.refused(path.len(), why);
                continue;
            }
            path.push(issuer);
            self.extend(path);
            path.pop();
        }
        if !named {
            let issuer =
                name_string(current.issuer().as_raw()).unwrap_or_else(|_| current.issuer().to_string());
            self.refused(
                path.len(),
                format!(
                    "{}: its issuer {issuer} is not among the trusted certificates",
                    subject(current)
                ),
            );
        }
    }

    /// Keeps the reason of the deepest failure: the nearest to a chain.
    fn refused(&mut self, depth: usize, why: String) {
        if self.reason.as_ref().is_none_or(|(d, _)| depth >= *d) {
            self.reason = Some((depth, why));
        }
    }
}

/// Whether `issuer` may sign certificates, `below` CA certificates above
/// the signer's in the chain.
fn can_issue(issuer: &X509Certificate, below: usize, is_anchor: bool) -> Result<(), String> {
    let name = subject(issuer);
    let constraints = issuer
        .basic_constraints()
        .map_err(|e| format!("{name}: unreadable basic constraints ({e})"))?;
    let Some(bc) = constraints.filter(|bc| bc.value.ca) else {
        return Err(format!("{name} is not a CA certificate"));
    };
    if let Some(limit) = bc.value.path_len_constraint
        && below as u64 > u64::from(limit)
    {
        return Err(format!("{name} allows at most {limit} CA certificates below it"));
    }
    match issuer.key_usage() {
        Ok(Some(ku)) if !ku.value.key_cert_sign() => {
            return Err(format!(
                "{name}: its key usage does not allow signing certificates"
            ));
        }
        Err(e) => return Err(format!("{name}: unreadable key usage ({e})")),
        _ => {}
    }
    if !is_anchor {
        unknown_critical_extension(issuer)?;
    }
    Ok(())
}

/// Checks `cert`'s signature by `issuer`'s key.
fn issued_by(cert: &X509Certificate, issuer: &X509Certificate) -> Result<(), String> {
    let alg = cert.signature_algorithm.algorithm.as_bytes();
    if alg == oid::RSA_SHA1.as_bytes() || alg == oid::RSA_SHA1_OLD.as_bytes() {
        return Err(format!(
            "{} is signed with SHA-1, which is no longer trusted",
            subject(cert)
        ));
    }
    cert.verify_signature(Some(issuer.public_key())).map_err(|e| {
        format!(
            "the signature on {} by {} does not verify ({e})",
            subject(cert),
            subject(issuer)
        )
    })
}

/// RFC 5280 4.2: a certificate with a critical extension the verifier does
/// not process must be refused.
fn unknown_critical_extension(cert: &X509Certificate) -> Result<(), String> {
    for ext in cert.extensions().iter().filter(|e| e.critical) {
        if !oid::KNOWN_CRITICAL
            .iter()
            .any(|k| k.as_bytes() == ext.oid.as_bytes())
        {
            return Err(format!(
                "{}: has a critical extension {} this verifier does not process",
                subject(cert),
                ext.oid.to_id_string()
            ));
        }
    }
    Ok(())
}

fn valid_at(cert: &X509Certificate, at: DateTime<Utc>) -> Result<()> {
    let validity = cert.validity();
    let time = |t: ASN1Time| DateTime::from_timestamp(t.timestamp(), 0);
    let written = |t: ASN1Time| match time(t) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => t.timestamp().to_string(),
    };
    let gen_time = Timestamp::from(at);
    match time(validity.not_before) {
        Some(not_before) if not_before <= at => {}
        _ => {
            return Err(TimestampError::CertificateNotYetValid {
                subject: subject(cert),
                not_before: written(validity.not_before),
                gen_time,
            });
        }
    }
    match time(validity.not_after) {
        Some(not_after) if at <= not_after => Ok(()),
        _ => Err(TimestampError::CertificateExpired {
            subject: subject(cert),
            not_after: written(validity.not_after),
            gen_time,
        }),
    }
}

fn parse_token_certs<'a>(response: &Response<'a>) -> Result<Vec<X509Certificate<'a>>> {
    response
        .certs
        .iter()
        .enumerate()
        .map(|(i, der)| match x509_parser::parse_x509_certificate(der) {
            Ok((_, cert)) => Ok(cert),
            Err(e) => Err(malformed(format!(
                "certificate {} in the token cannot be read: {e}",
                i + 1
            ))),
        })
        .collect()
}

fn parse_given<'a>(ders: &'a [Vec<u8>], which: &str) -> Result<Vec<X509Certificate<'a>>> {
    ders.iter()
        .enumerate()
        .map(|(i, der)| match x509_parser::parse_x509_certificate(der) {
            Ok(([], cert)) => Ok(cert),
            Ok(_) => Err(TimestampError::BadCertificate(format!(
                "{which} certificate {} has trailing bytes",
                i + 1
            ))),
            Err(e) => Err(TimestampError::BadCertificate(format!(
                "{which} certificate {} cannot be read: {e}",
                i + 1
            ))),
        })
        .collect()
}

/// A certificate's subject as RFC 4514 writes it.
fn subject(cert: &X509Certificate) -> String {
    name_string(cert.subject().as_raw()).unwrap_or_else(|_| cert.subject().to_string())
}

// ---------------------------------------------------------------------------
// Values.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: &[u8]) -> Option<Hash> {
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

    fn name(self) -> &'static str {
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

    fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.algorithm(), data).as_ref().to_vec()
    }
}

/// AlgorithmIdentifier: an OID and optional parameters.
#[derive(Clone, Copy)]
struct AlgId<'a> {
    oid: &'a [u8],
    params: Option<Tlv<'a>>,
}

impl<'a> AlgId<'a> {
    fn parse(seq: Tlv<'a>) -> Result<AlgId<'a>> {
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

/// An INTEGER's magnitude without sign padding or leading zeros.
fn unsigned(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    &value[start..]
}

/// An INTEGER in hex, at least one byte.
fn integer_hex(value: &[u8]) -> String {
    let magnitude = unsigned(value);
    if magnitude.is_empty() {
        "00".into()
    } else {
        hex::encode(magnitude)
    }
}

/// A non-negative INTEGER that fits 64 bits.
fn small_uint(value: &[u8], what: &str) -> Result<u64> {
    match value.first() {
        None => return Err(malformed(format!("{what} is an empty integer"))),
        Some(b) if b & 0x80 != 0 => return Err(malformed(format!("{what} is negative"))),
        _ => {}
    }
    let magnitude = unsigned(value);
    if magnitude.len() > 8 {
        return Err(malformed(format!("{what} is too large")));
    }
    Ok(magnitude.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)))
}

/// An OBJECT IDENTIFIER in dotted form, any length of arc.
fn oid_string(value: &[u8]) -> Result<String> {
    let bad = || malformed("an object identifier is badly encoded");
    if value.last().is_none_or(|b| b & 0x80 != 0) {
        return Err(bad());
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut arc: u128 = 0;
    let mut fresh = true;
    for &b in value {
        if fresh && b == 0x80 {
            return Err(bad());
        }
        arc = arc.checked_mul(128).ok_or_else(bad)? | u128::from(b & 0x7f);
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(arc);
            arc = 0;
        }
    }
    let Some((&first, rest)) = arcs.split_first() else {
        return Err(bad());
    };
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        out.push_str(&format!(".{arc}"));
    }
    Ok(out)
}

/// GeneralizedTime in UTC, with or without a fraction of a second.
fn generalized_time(value: &[u8]) -> Result<DateTime<Utc>> {
    let bad = || {
        malformed(format!(
            "genTime '{}' is not a UTC GeneralizedTime",
            printable(value)
        ))
    };
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |from: usize, to: usize| -> Result<u32> {
        whole.get(from..to).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse::<u32>().map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
    };
    let year = i32::try_from(field(0, 4)?).map_err(|_| bad())?;
    let (month, day) = (field(4, 6)?, field(6, 8)?);
    let (hour, minute, second) = (field(8, 10)?, field(10, 12)?, field(12, 14)?);
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_nano_opt(hour, minute, second, nanos))
        .map(|t| t.and_utc())
        .ok_or_else(bad)
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

/// The TSA's GeneralName: a directory name as RFC 4514 writes it, other
/// forms with openssl's prefixes.
fn general_name(explicit: &[u8]) -> Result<String> {
    let mut r = Reader::new(explicit);
    let name = r.next("the TSA's name")?;
    r.finish("the TSA's name")?;
    Ok(match name.tag {
        t if t == tag::context(4) => {
            let mut n = Reader::new(name.value);
            let dn = n.expect(tag::SEQUENCE, "the TSA's directory name")?;
            n.finish("the TSA's directory name")?;
            name_string(dn.raw)?
        }
        t if t == tag::context_primitive(1) => format!("email:{}", printable(name.value)),
        t if t == tag::context_primitive(2) => format!("DNS:{}", printable(name.value)),
        t if t == tag::context_primitive(6) => format!("URI:{}", printable(name.value)),
        t => format!("[{}]#{}", t & 0x1f, hex::encode(name.value)),
    })
}

/// A Name (its whole DER) as RFC 4514 writes it: most specific first,
/// attributes of one RDN joined by `+`, unknown types as dotted OIDs with
/// the value's DER in hex.
fn name_string(der: &[u8]) -> Result<String> {
    let mut top = Reader::new(der);
    let seq = top.expect(tag::SEQUENCE, "a name")?;
    top.finish("a name")?;
    let mut r = Reader::new(seq.value);
    let mut rdns = Vec::new();
    while !r.is_empty() {
        let set = r.expect(tag::SET, "a name's component")?;
        let mut s = Reader::new(set.value);
        let mut parts = Vec::new();
        while !s.is_empty() {
            let atv = s.expect(tag::SEQUENCE, "a name's attribute")?;
            let mut a = Reader::new(atv.value);
            let kind = a.expect(tag::OID, "a name's attribute type")?.value;
            let value = a.next("a name's attribute value")?;
            a.finish("a name's attribute")?;
            let short = oid::NAMES
                .iter()
                .find(|(o, _)| o.as_bytes() == kind)
                .map(|(_, n)| *n);
            parts.push(match (short, directory_string(value)) {
                (Some(short), Some(text)) => format!("{short}={}", escape_dn_value(&text)),
                (Some(short), None) => format!("{short}=#{}", hex::encode(value.raw)),
                (None, _) => format!("{}=#{}", oid_string(kind)?, hex::encode(value.raw)),
            });
        }
        if parts.is_empty() {
            return Err(malformed("a name has an empty component"));
        }
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    Ok(rdns.join(","))
}

/// The text of a DirectoryString (or the ASCII string types), if it is one
/// and decodes.
fn directory_string(value: Tlv) -> Option<String> {
    match value.tag {
        // UTF8String, NumericString, PrintableString, IA5String.
        0x0c | 0x12 | 0x13 | 0x16 => std::str::from_utf8(value.value).ok().map(str::to_string),
        // TeletexString: Latin-1 in practice.
        0x14 => Some(value.value.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        0x1e => {
            let units = value
                .value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            value
                .value
                .len()
                .is_multiple_of(2)
                .then(|| {
                    char::decode_utf16(units)
                        .collect::<std::result::Result<String, _>>()
                        .ok()
                })
                .flatten()
        }
        // UniversalString: UTF-32BE.
        0x1c => value
            .value
            .len()
            .is_multiple_of(4)
            .then(|| {
                value
                    .value
                    .chunks_exact(4)
                    .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                    .collect::<Option<String>>()
            })
            .flatten(),
        _ => None,
    }
}

/// RFC 4514 2.4, and control characters as hex pairs so that a name stays
/// on one line.
fn escape_dn_value(text: &str) -> String {
    let count = text.chars().count();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == count => out.push_str("\\ "),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Text from the response for a one-line message: lossy UTF-8, control
/// characters escaped.
fn printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// DER.

mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;

    /// [n], constructed (EXPLICIT, or IMPLICIT over a constructed type).
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }

    /// [n] IMPLICIT over a primitive type.
    pub const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One element: its tag, its contents, and its whole encoding.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    raw: &'a [u8],
}

/// Reads the elements of a DER encoding one after another. Definite
/// lengths only (BER's indefinite form is refused), tag numbers below 31
/// (all that these structures use), every length checked against what is
/// left: it borrows, never copies, and never panics.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { rest: input }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn next(&mut self, what: &str) -> Result<Tlv<'a>> {
        let (tlv, rest) = read_tlv(self.rest).map_err(|why| malformed(format!("{what}: {why}")))?;
        self.rest = rest;
        Ok(tlv)
    }

    fn expect(&mut self, expected: u8, what: &str) -> Result<Tlv<'a>> {
        match self.peek() {
            Some(t) if t == expected => self.next(what),
            Some(t) => Err(malformed(format!(
                "{what}: expected tag 0x{expected:02x}, found 0x{t:02x}"
            ))),
            None => Err(malformed(format!("{what} is missing"))),
        }
    }

    fn optional(&mut self, expected: u8, what: &str) -> Result<Option<Tlv<'a>>> {
        if self.peek() == Some(expected) {
            self.next(what).map(Some)
        } else {
            Ok(None)
        }
    }

    fn finish(&self, what: &str) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(format!("unexpected bytes after {what}")))
        }
    }
}

fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), &'static str> {
    let (&tag, after_tag) = input.split_first().ok_or("truncated")?;
    if tag & 0x1f == 0x1f {
        return Err("a high tag number, which these structures never use");
    }
    let (&first, mut rest) = after_tag.split_first().ok_or("truncated")?;
    let len = match first {
        0..0x80 => usize::from(first),
        0x80 => return Err("an indefinite length (BER), not DER"),
        _ => {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err("a length beyond 4 GiB");
            }
            let (bytes, after) = rest.split_at_checked(n).ok_or("truncated")?;
            rest = after;
            let len = bytes.iter().fold(0u64, |len, &b| (len << 8) | u64::from(b));
            usize::try_from(len).map_err(|_| "a length beyond this machine's memory")?
        }
    };
    let (value, after) = rest.split_at_checked(len).ok_or("truncated")?;
    let raw_len = input.len() - after.len();
    let raw = input.get(..raw_len).ok_or("truncated")?;
    Ok((Tlv { tag, value, raw }, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn fixture_path(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tsa")
            .join(name)
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture_path(name)).unwrap()
    }

    fn cert(name: &str) -> Vec<u8> {
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
        let parsed = <TimeStampReq as der::Decode>::from_der(&query).unwrap();
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
    fn certificates_load_from_pem_bundles_and_der_with_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle.pem");
        let mut text = fixture("ca.pem");
        text.extend(fixture("tsa.key.pem"));
        text.extend(fixture("tsa.pem"));
        std::fs::write(&bundle, text).unwrap();
        let certs = load_certs(&bundle).unwrap();
        assert_eq!(certs, vec![cert("ca.pem"), cert("tsa.pem")]);

        let der = dir.path().join("ca.der");
        std::fs::write(&der, cert("ca.pem")).unwrap();
        assert_eq!(load_certs(&der).unwrap(), vec![cert("ca.pem")]);

        for (name, bytes) in [
            ("junk.pem", &b"not a certificate"[..]),
            ("key.pem", &fixture("tsa.key.pem")[..]),
            (
                "broken.pem",
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let message = load_certs(&path).unwrap_err().to_string();
            assert!(message.contains(name), "{message}");
        }
        let missing = load_certs(&dir.path().join("absent.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("absent.pem") && missing.contains("cannot read"),
            "{missing}"
        );
    }

    #[test]
    fn values_read_as_written() {
        let t = |s: &str| generalized_time(s.as_bytes()).map(|t| t.to_rfc3339());
        assert_eq!(t("20260102030405Z").unwrap(), "2026-01-02T03:04:05+00:00");
        assert_eq!(t("20260102030405.5Z").unwrap(), "2026-01-02T03:04:05.500+00:00");
        for bad in [
            "20260102030405",
            "2026010203040Z",
            "20261302030405Z",
            "20260102030405.Z",
            "+0260102030405Z",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
        assert_eq!(
            oid_string(oid::TST_INFO.as_bytes()).unwrap(),
            "1.2.840.113549.1.9.16.1.4"
        );
        assert_eq!(oid_string(&[0x2a, 0x83, 0x08]).unwrap(), "1.2.392");
        assert!(oid_string(&[0x2a, 0x83]).is_err());
        assert!(oid_string(&[0x80, 0x01]).is_err());
        assert_eq!(integer_hex(&[0x00, 0x8a]), "8a");
        assert_eq!(integer_hex(&[0x00]), "00");
        assert_eq!(escape_dn_value(" a,b+c\n#"), "\\ a\\,b\\+c\\0A#");
        assert_eq!(escape_dn_value("#x "), "\\#x\\ ");
        // SEQUENCE { SET { CN "A" }, SET { 2.5.4.99 "B", O "C," } }
        let name = hex::decode(concat!(
            "3023",
            "310a",
            "3008",
            "0603550403",
            "0c0141",
            "3115",
            "3008",
            "0603550463",
            "0c0142",
            "3009",
            "060355040a",
            "0c02432c",
        ))
        .unwrap();
        assert_eq!(name_string(&name).unwrap(), "2.5.4.99=#0c0142+O=C\\,,CN=A");
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
}
