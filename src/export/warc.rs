//! WARC export: the log, read once from start to end, written as WARC 1.1
//! records (`crate::warc` is the format; this is the mapping, which
//! docs/WARC.md documents field by field).
//!
//! Per capture: a URL's `response` and `request`, a file's or standard
//! input's `resource`, or a `revisit` when the same bytes were exported
//! before; then a `metadata` record with what WARC has no field for (the
//! log lines, the retrieval's details, the analyses and the citations).
//! Analyses appended later by `reanalyze` become `metadata` records of
//! their own where they stand in the log. Memory is constant in the size
//! of the documents (every blob is streamed) and grows only with the
//! number of distinct documents exported, for the revisit table.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::archive::Archive;
use crate::entry::{Analysis, Body, Capture, Entry, Init, Source, SourcesOutcome, UrlSource};
use crate::error::{Error, IoContext, Result};
use crate::hash::{Digest, Hasher};
use crate::log::Line;
use crate::output::count;
use crate::store::BlobStore;
use crate::stream::for_each_chunk;
use crate::time::Timestamp;
use crate::transparency;
use crate::warc::record::{
    self, CONFORMS_TO, FORMAT_NAME, HTTP_REQUEST, HTTP_RESPONSE, PROFILE_IDENTICAL_PAYLOAD, WARC_FIELDS,
};
use crate::warc::{Compression, Header, RecordId, RecordType, Writer, http};

/// What an export wrote.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub file: String,
    /// Records written, `warcinfo` included.
    pub records: u64,
    /// Captures exported, revisits included.
    pub captures: u64,
    /// Captures written as `revisit` records.
    pub revisits: u64,
    /// The file's size.
    pub bytes: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exported {} ({}, {}) to {}",
            count(self.captures, "capture", "captures"),
            count(self.records, "record", "records"),
            count(self.bytes, "byte", "bytes"),
            self.file
        )
    }
}

/// The roles that name a capture's records in their derived IDs
/// (`RecordId::derive`): the response, resource or revisit is the
/// capture's own record whatever its type, so that later records can refer
/// to it knowing only the capture's `seq`.
const ROLE_CAPTURE: &str = "capture";
const ROLE_REQUEST: &str = "request";
const ROLE_METADATA: &str = "metadata";
const ROLE_WARCINFO: &str = "warcinfo";

/// The Content-Type of the metadata records' JSON.
const METADATA_TYPE: &str = "application/json";

pub fn export(archive: &Archive, wanted: Option<&HashSet<Digest>>, path: &Path) -> Result<Summary> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(refuse_overwrite(path));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Usage(format!("{}: not a file name", path.display())))?;
    let compression = if name.to_ascii_lowercase().ends_with(".warc") {
        Compression::None
    } else {
        Compression::Gzip
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Beside the target, so that the final rename is atomic: the file
    // appears whole or not at all.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(&dir).at(&dir, "create a temporary file in")?;

    let file = tmp.as_file().try_clone().at(tmp.path(), "open")?;
    let (_, mut lines) = archive.log().acknowledged_lines()?;
    let mut exporter = Exporter {
        store: archive.store(),
        wanted,
        out: Writer::new(file, compression, compression_threads()),
        path,
        log_path: archive.log().path(),
        file_name: name,
        public_key: transparency::public_key(archive)?.map(|k| k.to_string()),
        archive_id: None,
        seen: HashMap::new(),
        group: None,
        captures: 0,
        revisits: 0,
        line_no: 0,
    };
    while let Some(line) = lines.next_line().at(archive.log().path(), "read")? {
        exporter.line(&line)?;
    }
    if exporter.archive_id.is_none() {
        return Err(Error::bad_archive(archive.log().path(), "the log is empty"));
    }
    exporter.flush_group()?;
    let Exporter {
        out,
        captures,
        revisits,
        ..
    } = exporter;
    let records = out.records();
    let (file, bytes) = out.finish().at(path, "write")?;
    file.sync_all().at(path, "sync")?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == ErrorKind::AlreadyExists {
            refuse_overwrite(path)
        } else {
            Error::io(path, "create", e.error)
        }
    })?;
    crate::store::sync_dir(&dir)?;
    Ok(Summary {
        file: path.display().to_string(),
        records,
        captures,
        revisits,
        bytes,
    })
}

fn refuse_overwrite(path: &Path) -> Error {
    Error::Usage(format!(
        "{}: already exists; refusing to overwrite it (remove it or choose another name)",
        path.display()
    ))
}

/// Threads that gzip beside the one reading the archive: every core, as
/// deflate is most of an export's work.
fn compression_threads() -> usize {
    match std::thread::available_parallelism().map(|n| n.get()) {
        Ok(n) if n > 1 => n.min(8),
        _ => 0,
    }
}

/// The first record that held a payload, which later identical payloads
/// refer to.
struct Original {
    seq: u64,
    uri: Box<str>,
    date: Timestamp,
}

/// The analyses about one capture that stand together in the log, with
/// the capture itself when it came right before them.
struct Group {
    capture_seq: u64,
    sha256: Digest,
    /// The seq of the group's first entry, which names its record.
    first_seq: u64,
    date: Timestamp,
    with_capture: Option<Capture>,
    lines: Vec<(u64, String)>,
    analyses: Vec<Analysis>,
}

/// A block's parts: bytes built here, and blobs streamed from the store.
enum Part {
    Bytes(Vec<u8>),
    Blob { digest: Digest, size: u64 },
}

impl Part {
    fn len(&self) -> u64 {
        match self {
            Part::Bytes(b) => b.len() as u64,
            Part::Blob { size, .. } => *size,
        }
    }
}

struct Exporter<'a, W: Write> {
    store: &'a dyn BlobStore,
    wanted: Option<&'a HashSet<Digest>>,
    out: Writer<W>,
    /// The file being written, as the user named it, for messages.
    path: &'a Path,
    log_path: &'a Path,
    file_name: String,
    public_key: Option<String>,
    archive_id: Option<String>,
    /// Payloads exported so far, for revisits: the one table that grows
    /// with the archive, by one entry per distinct document.
    seen: HashMap<Digest, Original>,
    group: Option<Group>,
    captures: u64,
    revisits: u64,
    line_no: u64,
}

impl<W: Write> Exporter<'_, W> {
    fn line(&mut self, line: &Line) -> Result<()> {
        self.line_no += 1;
        let entry = line.parse().map_err(|reason| {
            Error::bad_archive(
                self.log_path,
                format!("line {}: {reason}; run `provenance verify`", self.line_no),
            )
        })?;
        // Entries are written by serde_json, so a line that parsed is UTF-8.
        let text = String::from_utf8_lossy(&line.bytes).into_owned();
        let Entry { seq, time, body, .. } = entry;
        let Some(archive_id) = self.archive_id.clone() else {
            return match body {
                Body::Init(init) if seq == 0 => self.warcinfo(time, init),
                _ => Err(Error::bad_archive(
                    self.log_path,
                    "the first entry is not the archive's init entry; run `provenance verify`",
                )),
            };
        };
        match body {
            Body::Capture(capture) => {
                self.flush_group()?;
                if self.is_wanted(&capture.sha256) {
                    self.capture(&archive_id, seq, capture, text)?;
                }
            }
            Body::Analysis(analysis) => {
                // One command's analyses of a capture stand together, each
                // analyser once: a second result of the same analyser is a
                // later command's (`reanalyze`), a record of its own.
                if let Some(g) = &mut self.group
                    && g.capture_seq == analysis.capture
                    && !g
                        .analyses
                        .iter()
                        .any(|a| a.analyser.name == analysis.analyser.name)
                {
                    g.lines.push((seq, text));
                    g.analyses.push(analysis);
                    return Ok(());
                }
                self.flush_group()?;
                if self.is_wanted(&analysis.sha256) {
                    self.group = Some(Group {
                        capture_seq: analysis.capture,
                        sha256: analysis.sha256,
                        first_seq: seq,
                        date: time,
                        with_capture: None,
                        lines: vec![(seq, text)],
                        analyses: vec![analysis],
                    });
                }
            }
            // A second init, or a kind from a newer version: nothing WARC
            // can say about it.
            Body::Init(_) | Body::Unknown => {}
        }
        Ok(())
    }

    fn is_wanted(&self, sha256: &Digest) -> bool {
        self.wanted.is_none_or(|w| w.contains(sha256))
    }

    /// The file's first record: what wrote it and which archive it holds.
    fn warcinfo(&mut self, time: Timestamp, init: Init) -> Result<()> {
        let mut fields = format!(
            "software: provenance {}\r\nformat: {FORMAT_NAME}\r\nconformsTo: {CONFORMS_TO}\r\n\
             archive-id: {}\r\n",
            env!("CARGO_PKG_VERSION"),
            init.archive_id
        );
        if let Some(key) = &self.public_key {
            fields.push_str(&format!("public-key: {key}\r\n"));
        }
        fields.push_str(
            "description: a provenance archive's captures; metadata records carry its log lines \
             (docs/WARC.md)\r\n",
        );
        let id = RecordId::derive(&init.archive_id, 0, ROLE_WARCINFO);
        let mut h = Header::new(RecordType::Warcinfo, &id, &record::date_value(&time));
        h.add("WARC-Filename", self.file_name.clone())
            .add("Content-Type", WARC_FIELDS)
            .add(
                "WARC-Block-Digest",
                record::digest_value(&Digest::of(fields.as_bytes())),
            );
        self.out.record(&h, fields.as_bytes()).at(self.path, "write")?;
        self.archive_id = Some(init.archive_id);
        Ok(())
    }

    fn capture(&mut self, archive_id: &str, seq: u64, capture: Capture, line: String) -> Result<()> {
        self.captures += 1;
        let target = target_uri(&capture);
        let own = RecordId::derive(archive_id, seq, ROLE_CAPTURE);
        let date = record::date_value(&capture.retrieved);
        // An empty payload is cheaper written again than referred to.
        let original = if capture.size > 0 {
            self.seen.get(&capture.sha256).map(|o| {
                (
                    RecordId::derive(archive_id, o.seq, ROLE_CAPTURE),
                    o.uri.to_string(),
                    record::date_value(&o.date),
                )
            })
        } else {
            None
        };
        let mut h = Header::new(
            if original.is_some() {
                RecordType::Revisit
            } else if matches!(capture.source, Source::Url(_)) {
                RecordType::Response
            } else {
                RecordType::Resource
            },
            &own,
            &date,
        );
        h.add("WARC-Target-URI", target.clone());
        if let Source::Url(u) = &capture.source {
            if let Some(ip) = ip_address(u) {
                h.add("WARC-IP-Address", ip);
            }
            if let Some(p) = http::protocol_id(&u.response.version) {
                h.add("WARC-Protocol", p);
            }
        }
        if let Some((refers_to, uri, refers_date)) = &original {
            self.revisits += 1;
            h.add("WARC-Profile", PROFILE_IDENTICAL_PAYLOAD)
                .add("WARC-Refers-To", refers_to.to_string())
                .add("WARC-Refers-To-Target-URI", uri.clone())
                .add("WARC-Refers-To-Date", refers_date.clone());
        }
        let payload = record::digest_value(&capture.sha256);
        match (&capture.source, original.is_some()) {
            (Source::Url(u), revisit) => {
                let head = http::response_head(&u.response.version, u.response.status, &u.response.headers);
                h.add("Content-Type", HTTP_RESPONSE);
                h.add("WARC-Payload-Digest", payload);
                let mut parts = vec![Part::Bytes(head)];
                if !revisit {
                    parts.push(Part::Blob {
                        digest: capture.sha256,
                        size: capture.size,
                    });
                    if let Some(sniffed) = &capture.media_type_sniffed {
                        h.add("WARC-Identified-Payload-Type", sniffed.clone());
                    }
                }
                let digest = self.block_digest(&parts)?;
                h.add("WARC-Block-Digest", record::digest_value(&digest));
                self.write(&h, &parts, false)?;
                self.request(archive_id, seq, u, &target, &own, &date)?;
            }
            (_, true) => {
                h.add("WARC-Payload-Digest", payload);
                h.add("WARC-Block-Digest", record::digest_value(&Digest::of(b"")));
                self.write(&h, &[], false)?;
            }
            (_, false) => {
                h.add("Content-Type", capture.media_type.clone());
                // A resource's block is its payload: the capture's hash is
                // both digests, and the one pass that writes it checks it.
                h.add("WARC-Payload-Digest", payload.clone());
                h.add("WARC-Block-Digest", payload);
                if let Some(sniffed) = &capture.media_type_sniffed {
                    h.add("WARC-Identified-Payload-Type", sniffed.clone());
                }
                let blob = Part::Blob {
                    digest: capture.sha256,
                    size: capture.size,
                };
                self.write(&h, &[blob], true)?;
            }
        }
        if original.is_none() && capture.size > 0 {
            self.seen.insert(
                capture.sha256,
                Original {
                    seq,
                    uri: target.clone().into_boxed_str(),
                    date: capture.retrieved,
                },
            );
        }
        self.group = Some(Group {
            capture_seq: seq,
            sha256: capture.sha256,
            first_seq: seq,
            date: capture.retrieved,
            lines: vec![(seq, line)],
            analyses: Vec::new(),
            with_capture: Some(capture),
        });
        Ok(())
    }

    /// The GET that fetched a URL capture's final response.
    fn request(
        &mut self,
        archive_id: &str,
        seq: u64,
        u: &UrlSource,
        target: &str,
        response: &RecordId,
        date: &str,
    ) -> Result<()> {
        let head = http::request_head(&u.response.url, &u.request_headers)
            .ok_or_else(|| Error::source(&u.response.url, "not an absolute URL; cannot write its request"))?;
        let id = RecordId::derive(archive_id, seq, ROLE_REQUEST);
        let mut h = Header::new(RecordType::Request, &id, date);
        h.add("WARC-Target-URI", target.to_string())
            .add("WARC-Concurrent-To", response.to_string());
        if let Some(ip) = ip_address(u) {
            h.add("WARC-IP-Address", ip);
        }
        // The client speaks HTTP/1.1 to an HTTP/1.0 server, and the log
        // keeps the response's version only: a request's protocol is known
        // when it is the connection's, HTTP/2 or 3.
        if let Some(p @ ("h2" | "h3")) = http::protocol_id(&u.response.version) {
            h.add("WARC-Protocol", p);
        }
        h.add("Content-Type", HTTP_REQUEST)
            .add("WARC-Block-Digest", record::digest_value(&Digest::of(&head)));
        self.out.record(&h, &head).at(self.path, "write")
    }

    /// Writes the pending group's metadata record, if any.
    fn flush_group(&mut self) -> Result<()> {
        let Some(g) = self.group.take() else {
            return Ok(());
        };
        let Some(archive_id) = self.archive_id.clone() else {
            return Ok(());
        };
        let mut json = serde_json::to_vec(&MetadataJson {
            archive_id: &archive_id,
            document: &g.sha256,
            capture_entry: g.capture_seq,
            log: g
                .lines
                .iter()
                .map(|(seq, line)| LogLine { seq: *seq, line })
                .collect(),
            capture: g.with_capture.as_ref(),
            analyses: &g.analyses,
        })
        .map_err(|e| Error::source(self.log_path.display(), format!("cannot write metadata: {e}")))?;
        // The citations are blobs of JSON, streamed into the record as they
        // are rather than parsed and written again.
        json.pop();
        json.extend_from_slice(b",\"citations\":[");
        let mut parts = Vec::new();
        let mut first = true;
        for ((seq, _), analysis) in g
            .lines
            .iter()
            .skip(usize::from(g.with_capture.is_some()))
            .zip(&g.analyses)
        {
            if let Some(SourcesOutcome::Extracted { sha256, size, .. }) = &analysis.sources {
                if !first {
                    json.push(b',');
                }
                first = false;
                json.extend_from_slice(
                    format!("{{\"entry\":{seq},\"sha256\":\"{sha256}\",\"result\":").as_bytes(),
                );
                parts.push(Part::Bytes(std::mem::take(&mut json)));
                parts.push(Part::Blob {
                    digest: *sha256,
                    size: *size,
                });
                json.push(b'}');
            }
        }
        json.extend_from_slice(b"]}");
        parts.push(Part::Bytes(json));

        let id = RecordId::derive(&archive_id, g.first_seq, ROLE_METADATA);
        let mut h = Header::new(RecordType::Metadata, &id, &record::date_value(&g.date));
        let about = RecordId::derive(&archive_id, g.capture_seq, ROLE_CAPTURE).to_string();
        // No WARC-Target-URI, which WARC makes optional here: pywb indexes
        // any record that has one under that URL and would replay this JSON
        // in place of the page.
        if g.with_capture.is_some() {
            h.add("WARC-Concurrent-To", about);
        } else {
            h.add("WARC-Refers-To", about);
        }
        h.add("Content-Type", METADATA_TYPE);
        let digest = self.block_digest(&parts)?;
        h.add("WARC-Block-Digest", record::digest_value(&digest));
        self.write(&h, &parts, false)
    }

    /// The SHA-256 of a block, reading its blobs (and checking each
    /// against its name) before a byte of the record is written.
    fn block_digest(&self, parts: &[Part]) -> Result<Digest> {
        let mut block = Hasher::new();
        for part in parts {
            match part {
                Part::Bytes(b) => block.update(b),
                Part::Blob { digest, size } => self.stream_blob(digest, *size, true, |chunk| {
                    block.update(chunk);
                    Ok(())
                })?,
            }
        }
        Ok(block.finish().0)
    }

    /// Writes a record whose block is `parts`; `verify` checks each blob's
    /// hash on the way (when no digest pass read it already).
    fn write(&mut self, header: &Header, parts: &[Part], verify: bool) -> Result<()> {
        let len = parts.iter().map(Part::len).sum();
        self.out.begin(header, len).at(self.path, "write")?;
        for part in parts {
            match part {
                Part::Bytes(b) => self.out.block(b).at(self.path, "write")?,
                Part::Blob { digest, size } => {
                    let (store, out, path) = (self.store, &mut self.out, self.path);
                    stream(store, digest, *size, verify, |chunk| {
                        out.block(chunk).at(path, "write")
                    })?;
                }
            }
        }
        self.out.end().at(self.path, "write")
    }

    fn stream_blob(
        &self,
        digest: &Digest,
        size: u64,
        verify: bool,
        each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        stream(self.store, digest, size, verify, each)
    }
}

/// Streams a blob through `each`, refusing one whose size (always) or hash
/// (when `verify`) is not what the log says: a record whose digest or
/// length lies is worse than no export.
fn stream(
    store: &dyn BlobStore,
    digest: &Digest,
    size: u64,
    verify: bool,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let describe = || store.describe(digest);
    let mut reader = store.open(digest)?;
    let mut hasher = verify.then(Hasher::new);
    let mut seen = 0u64;
    let wrong_size = |n: &str| {
        Error::source(
            format!("blob {digest}"),
            format!("holds {n} bytes but the log says {size}; run `provenance verify`"),
        )
    };
    for_each_chunk(
        &mut reader,
        |e| Error::io(describe(), "read", e),
        |chunk| {
            seen += chunk.len() as u64;
            if seen > size {
                return Err(wrong_size("more than"));
            }
            if let Some(h) = &mut hasher {
                h.update(chunk);
            }
            each(chunk)
        },
    )?;
    if seen != size {
        return Err(wrong_size(&seen.to_string()));
    }
    if let Some(h) = hasher {
        let (actual, _) = h.finish();
        if actual != *digest {
            return Err(Error::source(
                format!("blob {digest}"),
                format!("content changed: it now hashes to {actual}; run `provenance verify`"),
            ));
        }
    }
    Ok(())
}

/// What a metadata record's JSON holds before its citations.
#[derive(Serialize)]
struct MetadataJson<'a> {
    archive_id: &'a str,
    /// The document's ID: its bytes' SHA-256.
    document: &'a Digest,
    /// The `seq` of the capture this record is about.
    capture_entry: u64,
    /// The log lines exactly as stored, so that each can be hashed and
    /// checked against the chain, the Merkle tree and its checkpoints.
    log: Vec<LogLine<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture: Option<&'a Capture>,
    analyses: &'a [Analysis],
}

#[derive(Serialize)]
struct LogLine<'a> {
    seq: u64,
    line: &'a str,
}

/// Where a capture came from, as a URI: the final URL; a `file:` URI of
/// the path with every link resolved; standard input, which has no place,
/// by its content (`urn:sha256:`, the ID the archive gives it).
fn target_uri(capture: &Capture) -> String {
    match &capture.source {
        Source::Url(u) => u.response.url.clone(),
        Source::File { absolute_path, .. } => url::Url::from_file_path(absolute_path)
            .map(|u| u.to_string())
            .unwrap_or_else(|()| format!("urn:sha256:{}", capture.sha256)),
        Source::Stdin => format!("urn:sha256:{}", capture.sha256),
        Source::Warc(w) => w.url.clone(),
    }
}

/// The server's address without its port, as WARC-IP-Address has it.
fn ip_address(u: &UrlSource) -> Option<String> {
    let addr = u.response.remote_addr.as_deref()?;
    addr.parse::<SocketAddr>().ok().map(|a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_as_one_line() {
        let s = Summary {
            file: "x.warc.gz".into(),
            records: 9,
            captures: 3,
            revisits: 1,
            bytes: 12345,
        };
        assert_eq!(
            s.to_string(),
            "exported 3 captures (9 records, 12345 bytes) to x.warc.gz"
        );
        let one = Summary {
            file: "y.warc".into(),
            records: 4,
            captures: 1,
            revisits: 0,
            bytes: 1,
        };
        assert_eq!(
            one.to_string(),
            "exported 1 capture (4 records, 1 byte) to y.warc"
        );
    }
}
