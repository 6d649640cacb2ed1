//! The exchange with a TSA over HTTP: a client that trusts Mozilla's
//! roots and the given CAs, and a POST whose reply is bounded.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use super::value::printable;
use super::{CONNECT_TIMEOUT, MAX_REPLY_SIZE, Result, TIMEOUT, TimestampError, load_certs};

/// The HTTP client: rustls with ring, Mozilla's roots and the given CAs,
/// no redirects (a TSA's URL is configured, not discovered).
pub(super) fn client(tls_ca_certs: &[PathBuf]) -> Result<reqwest::Client> {
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
pub(super) async fn post(
    client: &reqwest::Client,
    url: reqwest::Url,
    query: Vec<u8>,
) -> Result<Vec<u8>, String> {
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
