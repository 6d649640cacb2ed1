//! Trust: a chain from the signer's certificate to a trusted one, each
//! certificate allowed to issue the next and valid at the token's time.

use chrono::{DateTime, Utc};
use x509_parser::certificate::X509Certificate;
use x509_parser::time::ASN1Time;

use super::certs::subject;
use super::value::name_string;
use super::{Result, TimestampError, oid};
use crate::time::Timestamp;

/// Chains longer than this are refused rather than searched.
const MAX_CHAIN: usize = 8;

/// Signature checks allowed while searching for a chain, so that a token
/// stuffed with look-alike certificates cannot make the search explode.
const CHAIN_BUDGET: usize = 64;

/// A chain from `signer` to one of `anchors` through `pool`, every
/// certificate valid at `at`. Among several chains, one valid at `at`
/// wins; when none is, the first one's problem is reported.
pub(super) fn check_chain(
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
