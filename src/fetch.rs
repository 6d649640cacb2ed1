//! Fetching URLs: every hop and header recorded, the body stored exactly as
//! the server sent it.
//!
//! reqwest runs with automatic redirects and decompression off: redirects
//! are followed here so that each hop is recorded, and Content-Encoding is
//! left in place so that the capture's hash is of the bytes on the wire.
//! TLS is rustls with Mozilla's roots (plus `--ca-cert`), through a
//! verifier that records the certificate chain each server presented.
//! Inside it is async (tokio, one thread, many connections); the command
//! stays synchronous at its boundary.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Url;
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, HeaderMap, HeaderName, HeaderValue, LOCATION, USER_AGENT};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::sync::Semaphore;

use crate::entry::{Certificate, Header, HttpResponse, TlsInfo, UrlSource};
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::media;
use crate::store::{BlobStore, Stored};
use crate::time::Timestamp;

/// Redirects followed before giving up, as browsers and curl do.
pub const MAX_REDIRECTS: usize = 10;

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub max_size: u64,
    pub keep_errors: bool,
    pub jobs: usize,
    pub per_host: usize,
    pub ca_certs: Vec<PathBuf>,
}

impl FetchConfig {
    pub fn default_user_agent() -> String {
        format!("provenance/{} (document archiver)", env!("CARGO_PKG_VERSION"))
    }
}

/// A fetched document, stored but not yet in the log.
pub struct Fetched {
    pub source: UrlSource,
    pub stored: Stored,
    /// When the body had finished arriving.
    pub retrieved: Timestamp,
    /// The first bytes, for sniffing.
    pub head: Vec<u8>,
}

impl Fetched {
    /// What the server declared: the Content-Type's essence.
    pub fn declared_media_type(&self) -> Option<String> {
        let ct = self.source.response.header("content-type")?;
        let essence = ct.split(';').next()?.trim().to_ascii_lowercase();
        (!essence.is_empty()).then_some(essence)
    }

    /// What the first bytes look like, unless a Content-Encoding hides
    /// them (then the declaration is all there is before decoding).
    pub fn sniffed_media_type(&self) -> Option<String> {
        match self.source.response.header("content-encoding") {
            Some(ce) if !ce.trim().eq_ignore_ascii_case("identity") => None,
            _ => media::sniff(&self.head),
        }
    }
}

/// The server certificates each TLS handshake presented, by host name.
#[derive(Debug, Default)]
struct Chains(Mutex<HashMap<String, Vec<Vec<u8>>>>);

impl Chains {
    fn record(&self, host: &str, chain: Vec<Vec<u8>>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(host.to_string(), chain);
        }
    }

    fn get(&self, host: &str) -> Option<Vec<Vec<u8>>> {
        self.0.lock().ok()?.get(host).cloned()
    }
}

/// Verifies like a browser, and remembers what it was shown.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    chains: Arc<Chains>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        self.chains.record(&server_name.to_str(), chain);
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

pub struct Fetcher {
    client: reqwest::Client,
    chains: Arc<Chains>,
    request_headers: HeaderMap,
    config: FetchConfig,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher> {
        let chains = Arc::new(Chains::default());
        let tls = tls_config(&config.ca_certs, chains.clone())?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .build()
            .map_err(|e| Error::Usage(format!("cannot set up the HTTP client: {}", describe(&e))))?;
        Ok(Fetcher {
            client,
            chains,
            request_headers: request_headers(&config.user_agent)?,
            config,
        })
    }

    /// Fetches one URL, following redirects, into the store.
    pub async fn fetch(&self, url: &str, store: &dyn BlobStore) -> Result<Fetched> {
        let fail = |reason: String| Error::source(url, reason);
        let mut current = parse_http_url(url).map_err(fail)?;
        let started = Timestamp::now();
        let mut visited = HashSet::from([current.clone()]);
        let mut redirects = Vec::new();
        loop {
            let response = self
                .client
                .get(current.clone())
                .headers(self.request_headers.clone())
                .send()
                .await
                .map_err(|e| fail(describe(&e)))?;
            let record = response_record(&response, &current);
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = record.location.clone()
            {
                let next = follow(&current, &location, &mut visited, redirects.len()).map_err(fail)?;
                redirects.push(record);
                current = next;
                continue;
            }
            if status.as_u16() >= 400 && !self.config.keep_errors {
                return Err(fail(format!(
                    "the server answered {} {} (archive it anyway with --keep-errors)",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )));
            }
            let (stored, head) = self.read_body(response, store).await.map_err(|e| match e {
                BodyError::Fetch(reason) => fail(reason),
                BodyError::Store(e) => e,
            })?;
            let retrieved = Timestamp::now();
            let tls = (current.scheme() == "https")
                .then(|| current.host_str().and_then(|h| self.chains.get(h)))
                .flatten()
                .map(|chain| tls_info(&chain));
            let source = UrlSource {
                url: url.to_string(),
                started,
                request_headers: header_list(&self.request_headers),
                redirects,
                response: record,
                tls,
            };
            return Ok(Fetched {
                source,
                stored,
                retrieved,
                head,
            });
        }
    }

    /// Streams the body into the store, refusing it past the size limit.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        store: &dyn BlobStore,
    ) -> std::result::Result<(Stored, Vec<u8>), BodyError> {
        let max = self.config.max_size;
        if let Some(len) = response.content_length()
            && len > max
        {
            return Err(BodyError::Fetch(too_large(max)));
        }
        let mut writer = store.writer().map_err(BodyError::Store)?;
        let mut head = Vec::new();
        let mut size = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| BodyError::Fetch(describe(&e)))?
        {
            size += chunk.len() as u64;
            if size > max {
                return Err(BodyError::Fetch(too_large(max)));
            }
            if head.len() < media::SNIFF_LEN {
                let take = chunk.len().min(media::SNIFF_LEN - head.len());
                head.extend_from_slice(&chunk[..take]);
            }
            writer.append(&chunk).map_err(BodyError::Store)?;
        }
        Ok((writer.finish().map_err(BodyError::Store)?, head))
    }

    /// Fetches many URLs at once, at most `jobs` in all and `per_host` per
    /// host, handing each outcome to `done` as it completes, in completion
    /// order. Runs its own single-threaded runtime: the caller stays
    /// synchronous.
    pub fn fetch_all(
        &self,
        urls: &[String],
        store: &dyn BlobStore,
        mut done: impl FnMut(usize, Result<Fetched>),
    ) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the fetcher: {e}")))?;
        let hosts: HashMap<String, Arc<Semaphore>> = urls
            .iter()
            .map(|u| (host_key(u), Arc::new(Semaphore::new(self.config.per_host))))
            .collect();
        runtime.block_on(async {
            let mut outcomes = futures_util::stream::iter(urls.iter().enumerate())
                .map(|(i, url)| {
                    let host = hosts.get(&host_key(url)).cloned();
                    async move {
                        let _permit = match &host {
                            Some(h) => h.acquire().await.ok(),
                            None => None,
                        };
                        (i, self.fetch(url, store).await)
                    }
                })
                .buffer_unordered(self.config.jobs);
            while let Some((i, outcome)) = outcomes.next().await {
                done(i, outcome);
            }
        });
        Ok(())
    }
}

enum BodyError {
    /// The transfer failed: reported against the URL.
    Fetch(String),
    /// The archive could not store it.
    Store(Error),
}

fn too_large(max: u64) -> String {
    format!("the body is larger than the limit of {max} bytes (raise it with --max-size)")
}

/// Which per-host limit a URL falls under.
fn host_key(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_default()
}

/// True when a command-line source names a URL rather than a file.
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Checks that a URL can be fetched at all, before anything is written.
pub fn check_url(s: &str) -> std::result::Result<(), String> {
    parse_http_url(s).map(|_| ())
}

fn parse_http_url(s: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("not a valid URL ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        "http" | "https" => Err("the URL has no host".into()),
        other => Err(format!("only http and https URLs can be fetched, not {other}")),
    }
}

/// Resolves a redirect's target, refusing other schemes, loops and too
/// many hops.
fn follow(
    current: &Url,
    location: &str,
    visited: &mut HashSet<Url>,
    hops: usize,
) -> std::result::Result<Url, String> {
    if hops >= MAX_REDIRECTS {
        return Err(format!("more than {MAX_REDIRECTS} redirects"));
    }
    let next = current
        .join(location)
        .map_err(|e| format!("redirect to an invalid Location '{location}' ({e})"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!("redirect to a URL that is not http(s): {next}"));
    }
    if !visited.insert(next.clone()) {
        return Err(format!("redirect loop: {current} leads back to {next}"));
    }
    Ok(next)
}

fn response_record(response: &reqwest::Response, url: &Url) -> HttpResponse {
    HttpResponse {
        url: url.to_string(),
        version: format!("{:?}", response.version()),
        status: response.status().as_u16(),
        location: response
            .headers()
            .get(LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        remote_addr: response.remote_addr().map(|a| a.to_string()),
        headers: header_list(response.headers()),
    }
}

fn header_list(headers: &HeaderMap) -> Vec<Header> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The headers sent with every request. Accept-Encoding asks for what a
/// browser asks for, so that the archive holds what a reader was served.
fn request_headers(user_agent: &str) -> Result<HeaderMap> {
    let ua = HeaderValue::from_str(user_agent)
        .map_err(|_| Error::Usage(format!("--user-agent '{user_agent}' is not a valid header value")))?;
    let pairs: [(HeaderName, HeaderValue); 3] = [
        (USER_AGENT, ua),
        (
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ),
        (
            ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br, zstd"),
        ),
    ];
    Ok(pairs.into_iter().collect())
}

fn tls_config(ca_certs: &[PathBuf], chains: Arc<Chains>) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for path in ca_certs {
        let bad = |reason: String| Error::source(path.display(), reason);
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(format!("cannot read certificates: {e}")))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
        if certs.is_empty() {
            return Err(bad("holds no PEM certificate".into()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| bad(format!("unusable certificate: {e}")))?;
        }
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Error::Usage(format!("cannot set up TLS verification: {e}")))?;
    let verifier = Arc::new(RecordingVerifier { inner, chains });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn tls_info(chain: &[Vec<u8>]) -> TlsInfo {
    TlsInfo {
        certificates: chain.iter().map(|der| certificate(der)).collect(),
    }
}

fn certificate(der: &[u8]) -> Certificate {
    let parsed = x509_parser::parse_x509_certificate(der).ok().map(|(_, c)| c);
    let time = |t: x509_parser::time::ASN1Time| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0).map(Timestamp::from)
    };
    Certificate {
        sha256: Digest::of(der),
        subject: parsed.as_ref().map(|c| c.subject().to_string()),
        issuer: parsed.as_ref().map(|c| c.issuer().to_string()),
        not_before: parsed.as_ref().and_then(|c| time(c.validity().not_before)),
        not_after: parsed.as_ref().and_then(|c| time(c.validity().not_after)),
    }
}

/// A one-line account of a failed request: the innermost causes, which
/// say what happened (refused, DNS, certificate, timeout), without
/// reqwest's wrapping.
pub fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out (see --connect-timeout and --timeout)".into();
    }
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(e) = source {
        causes.push(e.to_string());
        source = e.source();
    }
    let inner = causes
        .iter()
        .rev()
        .find(|c| !c.is_empty())
        .cloned()
        .unwrap_or_else(|| err.to_string());
    let inner = crate::error::strip_os_error(&inner);
    if err.is_connect() {
        format!("cannot connect: {inner}")
    } else if err.is_body() || err.is_decode() {
        format!("the transfer of the body failed: {inner}")
    } else {
        inner
    }
}

/// Whether to draw a progress bar: only for people, on a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
