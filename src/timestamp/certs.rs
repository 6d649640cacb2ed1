//! Certificates: loading them from files, reading those a token carries
//! or a caller gives, and naming them.

use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use x509_parser::certificate::X509Certificate;

use super::response::Response;
use super::value::name_string;
use super::{Result, TimestampError, malformed};
use crate::error::Error;

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

pub(super) fn parse_token_certs<'a>(response: &Response<'a>) -> Result<Vec<X509Certificate<'a>>> {
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

pub(super) fn parse_given<'a>(ders: &'a [Vec<u8>], which: &str) -> Result<Vec<X509Certificate<'a>>> {
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
pub(super) fn subject(cert: &X509Certificate) -> String {
    name_string(cert.subject().as_raw()).unwrap_or_else(|_| cert.subject().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::tests::{cert, fixture};

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
}
