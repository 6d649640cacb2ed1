//! Exports to the preservation formats: WARC (ISO 28500, `warc`) for web
//! archives and replay tools, BagIt (RFC 8493, `bagit`) for digital
//! preservation workflows. docs/WARC.md and docs/BAGIT.md map our entries
//! to their fields.

pub mod bagit;
pub mod warc;

use std::collections::HashSet;

use crate::catalog;
use crate::error::Result;
use crate::hash::Digest;
use crate::log::Log;

/// The documents an export is limited to: `None` for every capture.
pub fn selection(log: &Log, ids: &[String]) -> Result<Option<HashSet<Digest>>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut wanted = HashSet::new();
    for id in ids {
        wanted.insert(catalog::find(log, id)?.sha256);
    }
    Ok(Some(wanted))
}
