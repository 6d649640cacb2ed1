//! Finding documents in the log: IDs to content hashes, and everything the
//! log says about one document.

use std::collections::BTreeMap;

use crate::entry::{Analysis, Body, Capture, Entry, SourcesOutcome, TextOutcome, Tool};
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::log::Log;

/// The shortest ID prefix accepted, as with git's abbreviated hashes.
pub const MIN_PREFIX: usize = 8;

/// One document (one content hash) and every entry about it, in log order.
#[derive(Debug)]
pub struct Document {
    pub sha256: Digest,
    /// Capture entries, oldest first.
    pub captures: Vec<Entry>,
    /// Analysis entries, oldest first.
    pub analyses: Vec<Entry>,
}

impl Document {
    fn new(sha256: Digest) -> Document {
        Document {
            sha256,
            captures: Vec::new(),
            analyses: Vec::new(),
        }
    }

    /// The newest capture; every document has at least one.
    pub fn latest_capture(&self) -> &Capture {
        self.captures
            .iter()
            .rev()
            .find_map(|e| match &e.body {
                Body::Capture(c) => Some(c),
                _ => None,
            })
            .expect("a document is found through its captures")
    }

    /// The newest text result: later analysers supersede earlier ones.
    pub fn text(&self) -> Option<&TextOutcome> {
        self.analyses.iter().rev().find_map(|e| match &e.body {
            Body::Analysis(Analysis { text: Some(t), .. }) => Some(t),
            _ => None,
        })
    }

    /// The newest sources result, with the entry and analyser that made it.
    pub fn sources(&self) -> Option<SourcesRef<'_>> {
        self.analyses.iter().rev().find_map(|e| match &e.body {
            Body::Analysis(Analysis {
                sources: Some(outcome),
                analyser,
                ..
            }) => Some(SourcesRef {
                entry: e.seq,
                analyser,
                outcome,
            }),
            _ => None,
        })
    }
}

/// A document's newest sources result and where it is recorded.
pub struct SourcesRef<'a> {
    pub entry: u64,
    pub analyser: &'a Tool,
    pub outcome: &'a SourcesOutcome,
}

/// Checks an ID's form and returns it in lower case.
pub fn parse_id(id: &str) -> Result<String> {
    let bad = |reason: &str| Error::BadId {
        id: id.to_string(),
        reason: reason.to_string(),
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("not a hex ID (an ID is a content hash, or a prefix of one)"));
    }
    if id.len() < MIN_PREFIX {
        return Err(bad("too short: give at least 8 hex digits"));
    }
    if id.len() > 64 {
        return Err(bad("too long: a SHA-256 has 64 hex digits"));
    }
    Ok(id.to_ascii_lowercase())
}

/// The document an ID names: exactly one, or an error listing the
/// candidates.
pub fn find(log: &Log, id: &str) -> Result<Document> {
    let prefix = parse_id(id)?;
    let docs = collect_matching(log, &prefix)?;
    match docs.len() {
        0 => Err(Error::BadId {
            id: id.to_string(),
            reason: "no document in the archive has this ID".to_string(),
        }),
        1 => Ok(docs.into_values().next().expect("one document")),
        _ => Err(Error::AmbiguousId {
            id: id.to_string(),
            candidates: docs.keys().map(Digest::to_hex).collect(),
        }),
    }
}

/// Every document in the archive, in content-hash order.
pub fn documents(log: &Log) -> Result<Vec<Document>> {
    Ok(collect(log, |_| true)?.into_values().collect())
}

/// The documents whose hash `wanted` accepts, with all their entries.
fn collect(log: &Log, wanted: impl Fn(&Digest) -> bool) -> Result<BTreeMap<Digest, Document>> {
    let mut docs: BTreeMap<Digest, Document> = BTreeMap::new();
    for entry in log.entries()? {
        file(&mut docs, entry?, &wanted);
    }
    docs.retain(|_, d| !d.captures.is_empty());
    Ok(docs)
}

/// The documents whose hash starts with `prefix`. Every entry about a
/// document holds its hash in lowercase hex, so only the lines holding
/// the prefix are parsed.
fn collect_matching(log: &Log, prefix: &str) -> Result<BTreeMap<Digest, Document>> {
    let mut docs: BTreeMap<Digest, Document> = BTreeMap::new();
    let wanted = |sha: &Digest| sha.to_hex().starts_with(prefix);
    log.lines_containing(prefix.as_bytes(), |index, line| {
        let entry: Entry = serde_json::from_slice(line).map_err(|e| {
            Error::bad_archive(
                log.path(),
                format!(
                    "line {}: not a valid entry: {e}; run `provenance verify`",
                    index + 1
                ),
            )
        })?;
        file(&mut docs, entry, &wanted);
        Ok(())
    })?;
    docs.retain(|_, d| !d.captures.is_empty());
    Ok(docs)
}

/// Files a capture or analysis under its document, if wanted.
fn file(docs: &mut BTreeMap<Digest, Document>, entry: Entry, wanted: &impl Fn(&Digest) -> bool) {
    let (sha, is_capture) = match &entry.body {
        Body::Capture(c) => (c.sha256, true),
        Body::Analysis(a) => (a.sha256, false),
        Body::Init(_) | Body::Unknown => return,
    };
    if !wanted(&sha) {
        return;
    }
    let doc = docs.entry(sha).or_insert_with(|| Document::new(sha));
    if is_capture {
        doc.captures.push(entry);
    } else {
        doc.analyses.push(entry);
    }
}

/// The content hash of the newest capture of each URL (as given), for the
/// URLs asked about, in one pass over the log.
pub fn latest_by_url(log: &Log, urls: &[String]) -> Result<std::collections::HashMap<String, Digest>> {
    let wanted: std::collections::HashSet<&str> = urls.iter().map(String::as_str).collect();
    let mut latest = std::collections::HashMap::new();
    for entry in log.entries()? {
        if let Body::Capture(c) = entry?.body
            && let crate::entry::Source::Url(u) = &c.source
            && wanted.contains(u.url.as_str())
        {
            latest.insert(u.url.clone(), c.sha256);
        }
    }
    Ok(latest)
}
