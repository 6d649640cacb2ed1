//! `import --warc`: the `response`, `resource` and `revisit` records of
//! WARC files other tools wrote, as captures. docs/WARC.md ("Import")
//! documents the mapping and the choices.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use serde::Serialize;

use super::digest::{self, Check, Field};
use crate::archive::Lock;
use crate::entry::{Body, Capture, HttpResponse, Source, Tool, WarcSource};
use crate::error::{Error, Result, os_message};
use crate::extract::{self, Analysed};
use crate::hash::{Digest, Hasher};
use crate::log::Log;
use crate::media;
use crate::store::{BlobStore, BlobWriter};
use crate::time::Timestamp;
use crate::warc::read::{self, Failure, ReadError, Reader, RecordHeader};

/// The most bytes of an HTTP head, and of a warcinfo block, read.
const MAX_HEAD: usize = 1024 * 1024;

/// What the archive already holds that an import needs to know.
#[derive(Default)]
pub struct Known {
    /// WARC-Record-IDs imported, and the payload each became.
    records: HashMap<String, (Digest, u64)>,
    /// Every capture's content hash and size.
    blobs: HashMap<Digest, u64>,
    /// Content hashes the log held before this import, so that a record
    /// dropped does not forget them.
    held: std::collections::HashSet<Digest>,
}

impl Known {
    /// One pass over the log.
    pub fn scan(log: &Log) -> Result<Known> {
        let mut known = Known::default();
        for entry in log.entries()? {
            if let Body::Capture(c) = entry?.body {
                known.blobs.insert(c.sha256, c.size);
                known.held.insert(c.sha256);
                if let Source::Warc(w) = &c.source {
                    known.records.insert(w.record_id.clone(), (c.sha256, c.size));
                }
            }
        }
        Ok(known)
    }
}

/// What happened to one file.
#[derive(Debug, Default, Serialize)]
pub struct FileReport {
    pub file: String,
    /// SHA-256 of the file, when it was read to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Digest>,
    /// Per WARC-Type.
    pub records: BTreeMap<String, Counts>,
    pub imported: Vec<Imported>,
    /// Every record skipped or failed, and why; a file-level failure has
    /// no record ID.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub imported: u64,
    pub skipped: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub id: Digest,
    pub url: String,
    pub record_type: String,
    pub record_id: String,
    pub offset: u64,
    pub entry: u64,
    /// False when the archive already held these bytes.
    pub new: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// `skipped` or `failed`.
    pub outcome: &'static str,
    pub reason: String,
}

impl FileReport {
    pub fn failed(&self) -> u64 {
        self.records.values().map(|c| c.failed).sum::<u64>()
            + self
                .problems
                .iter()
                .filter(|p| p.outcome == "failed" && p.record_type.is_none())
                .count() as u64
    }

    fn count(&mut self, kind: &str) -> &mut Counts {
        let kind = if kind.is_empty() { "(none)" } else { kind };
        self.records.entry(kind.to_string()).or_default()
    }

    fn skip(&mut self, offset: u64, h: &RecordHeader, reason: impl Into<String>) {
        self.count(&h.record_type()).skipped += 1;
        self.problems.push(Problem {
            offset,
            record_type: Some(h.record_type()),
            record_id: h.get("WARC-Record-ID").map(str::to_string),
            outcome: "skipped",
            reason: reason.into(),
        });
    }

    /// A record that could not be imported: reported on its own line.
    fn fail(&mut self, offset: u64, record_type: Option<String>, record_id: Option<String>, reason: String) {
        let err = Error::source(format!("{} at offset {offset}", self.file), &reason);
        eprintln!("provenance: {err}");
        if let Some(t) = &record_type {
            self.count(t).failed += 1;
        }
        self.problems.push(Problem {
            offset,
            record_type,
            record_id,
            outcome: "failed",
            reason,
        });
    }
}

/// A record read whole into a blob writer, kept open until the reader has
/// moved past the record: a gzip member whose trailer is missing or wrong
/// is found only then, and its record must leave nothing in the store.
struct Staged<'s> {
    offset: u64,
    payload: Payload<'s>,
    source: WarcSource,
    declared: Option<String>,
    /// The payload's first bytes, unless a Content-Encoding hides them.
    head: Option<Vec<u8>>,
    retrieved: Timestamp,
}

enum Payload<'s> {
    New(Box<dyn BlobWriter + 's>),
    /// A revisit of bytes the archive holds.
    Existing {
        digest: Digest,
        size: u64,
    },
}

/// One capture ready for the log.
struct Ready {
    capture: Capture,
    analysed: Analysed,
    offset: u64,
    new: bool,
}

pub struct Importer<'a> {
    pub store: &'a dyn BlobStore,
    pub log: &'a Log,
    pub lock: &'a Lock,
    pub max_decoded: u64,
    pub known: Known,
}

impl Importer<'_> {
    /// Imports one file and commits its captures. Errors are the
    /// archive's; the file's own problems are in the report.
    pub fn file(&mut self, path: &Path) -> Result<FileReport> {
        let label = path.display().to_string();
        let mut report = FileReport {
            file: label.clone(),
            ..FileReport::default()
        };
        let opened = File::open(path).and_then(Reader::new);
        let mut reader = match opened {
            Ok(r) => r,
            Err(e) => {
                report.fail(0, None, None, format!("cannot read: {}", os_message(&e)));
                return Ok(report);
            }
        };
        let imported = Timestamp::now();
        let mut ready: Vec<Ready> = Vec::new();
        let mut staged: Option<Staged<'_>> = None;
        let mut software: Option<String> = None;
        let store = self.store;
        let max_decoded = self.max_decoded;
        let known = &mut self.known;
        let result = reader.records(&mut |offset, header, block| {
            if let Some(s) = staged.take() {
                ready.push(confirm(store, s, max_decoded)?);
            }
            let ctx = RecordCtx {
                file: &label,
                offset,
                imported,
                software: software.as_deref(),
            };
            match record(store, known, &ctx, header, block)? {
                Outcome::Staged(s) => staged = Some(*s),
                Outcome::Warcinfo(sw) => {
                    software = sw.or(software.take());
                    report.skip(
                        offset,
                        header,
                        "warcinfo: describes the file; its software is noted in the captures",
                    );
                }
                Outcome::Skipped(reason) => report.skip(offset, header, reason),
                Outcome::Failed(reason) => report.fail(
                    offset,
                    Some(header.record_type()),
                    header.get("WARC-Record-ID").map(str::to_string),
                    reason,
                ),
                // The reader reports the truncation itself, once.
                Outcome::Unreadable => {}
            }
            Ok(())
        });
        let complete = match result {
            Ok(()) => {
                if let Some(s) = staged.take() {
                    ready.push(confirm(store, s, max_decoded)?);
                }
                true
            }
            Err(Failure::Visit(e)) => return Err(e),
            Err(Failure::Read(ReadError { offset, reason })) => {
                if let Some(s) = staged.take() {
                    if s.offset == offset {
                        let kind = s.source.record_type.clone();
                        report.fail(offset, Some(kind), Some(s.source.record_id.clone()), reason);
                        if let Some((d, _)) = self.known.records.remove(&s.source.record_id)
                            && matches!(s.payload, Payload::New(_))
                            && !self.known.held.contains(&d)
                        {
                            self.known.blobs.remove(&d);
                        }
                    } else {
                        ready.push(confirm(store, s, max_decoded)?);
                        report.fail(offset, None, None, reason);
                    }
                } else {
                    report.fail(offset, None, None, reason);
                }
                false
            }
        };
        if complete {
            report.sha256 = Some(reader.file_digest().0);
        }
        let mut append = self.log.begin(self.lock, self.store)?;
        for r in ready {
            let mut capture = r.capture;
            if let Source::Warc(w) = &mut capture.source {
                w.file_sha256 = report.sha256;
            }
            let (sha, size) = (capture.sha256, capture.size);
            let url = capture.source.label().to_string();
            let Source::Warc(w) = &capture.source else {
                continue;
            };
            let (record_type, record_id) = (w.record_type.clone(), w.record_id.clone());
            let seq = append.push(Body::Capture(capture));
            append.push(Body::Analysis(r.analysed.text_entry(seq, sha)));
            append.push(Body::Analysis(r.analysed.sources_entry(seq, sha)));
            self.known.held.insert(sha);
            self.known.blobs.insert(sha, size);
            report.count(&record_type).imported += 1;
            report.imported.push(Imported {
                id: sha,
                url,
                record_type,
                record_id,
                offset: r.offset,
                entry: seq,
                new: r.new,
            });
        }
        append.commit()?;
        Ok(report)
    }
}

struct RecordCtx<'c> {
    file: &'c str,
    offset: u64,
    imported: Timestamp,
    software: Option<&'c str>,
}

enum Outcome<'s> {
    Staged(Box<Staged<'s>>),
    Warcinfo(Option<String>),
    Skipped(String),
    Failed(String),
    /// The block could not be read to its end: the reader says why.
    Unreadable,
}

/// Finishes a staged record's blob and analyses it.
fn confirm(store: &dyn BlobStore, s: Staged<'_>, max_decoded: u64) -> Result<Ready> {
    let (digest, size, new) = match s.payload {
        Payload::New(writer) => {
            let stored = writer.finish()?;
            (stored.digest, stored.size, stored.new)
        }
        Payload::Existing { digest, size } => (digest, size, false),
    };
    let head = match s.head {
        Some(h) => Some(h),
        None if s.source.http.as_ref().is_none_or(|r| !encoded(r)) => {
            let mut h = Vec::new();
            let mut blob = store.open(&digest)?;
            (&mut blob)
                .take(media::SNIFF_LEN as u64)
                .read_to_end(&mut h)
                .map_err(|e| Error::io(store.describe(&digest), "read", e))?;
            Some(h)
        }
        None => None,
    };
    let sniffed = head.as_deref().and_then(media::sniff);
    let capture = Capture {
        sha256: digest,
        size,
        media_type: media::effective(s.declared.as_deref(), sniffed.as_deref()),
        media_type_declared: s.declared,
        media_type_sniffed: sniffed,
        retrieved: s.retrieved,
        source: Source::Warc(Box::new(s.source)),
        tool: Tool::this(),
        title: None,
        note: None,
        meta: BTreeMap::new(),
    };
    let analysed = extract::analyse(store, &capture, max_decoded)?;
    Ok(Ready {
        capture,
        analysed,
        offset: s.offset,
        new,
    })
}

fn encoded(r: &HttpResponse) -> bool {
    r.header("content-encoding")
        .is_some_and(|ce| !ce.trim().eq_ignore_ascii_case("identity"))
}

/// The block with its digests computed from the bytes consumed.
struct Hashed<'b> {
    inner: &'b mut dyn BufRead,
    block: Option<Check>,
    /// The payload as it is in the block.
    payload: Option<Check>,
    in_payload: bool,
}

impl Read for Hashed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Hashed<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let bytes = &buf[..amt.min(buf.len())];
            if let Some(b) = &mut self.block {
                b.update(bytes);
            }
            if self.in_payload
                && let Some(p) = &mut self.payload
            {
                p.update(bytes);
            }
        }
        self.inner.consume(amt);
    }
}

/// What one record becomes. Errors are the archive's.
fn record<'s>(
    store: &'s dyn BlobStore,
    known: &mut Known,
    ctx: &RecordCtx<'_>,
    h: &RecordHeader,
    block: &mut dyn BufRead,
) -> Result<Outcome<'s>> {
    let kind = h.record_type();
    let Some(record_id) = h.get("WARC-Record-ID").map(|s| s.trim().to_string()) else {
        return Ok(Outcome::Failed("the record has no WARC-Record-ID".into()));
    };
    match kind.as_str() {
        "response" | "resource" | "revisit" => {}
        "warcinfo" => return Ok(Outcome::Warcinfo(software(block))),
        "request" => return Ok(Outcome::Skipped("request: what was asked, not a document".into())),
        "metadata" => {
            return Ok(Outcome::Skipped(
                "metadata: about another record, not a document".into(),
            ));
        }
        "conversion" => {
            return Ok(Outcome::Skipped(
                "conversion: a transformation of another record, not what was retrieved".into(),
            ));
        }
        "continuation" => {
            return Ok(Outcome::Skipped(
                "continuation: segmented records are not supported".into(),
            ));
        }
        "" => return Ok(Outcome::Failed("the record has no WARC-Type".into())),
        other => {
            return Ok(Outcome::Skipped(format!(
                "{other}: not a record type this tool imports"
            )));
        }
    }
    if known.records.contains_key(&record_id) {
        return Ok(Outcome::Skipped("already imported (same WARC-Record-ID)".into()));
    }
    if h.get("WARC-Segment-Number").is_some_and(|n| n.trim() != "1")
        || h.get("WARC-Segment-Number").is_some() && h.get("WARC-Segment-Total-Length").is_none()
    {
        return Ok(Outcome::Skipped("a segmented record: not supported".into()));
    }
    let Some(url) = h
        .get("WARC-Target-URI")
        .map(|u| u.trim().trim_matches(['<', '>']).to_string())
    else {
        return Ok(Outcome::Failed("the record has no WARC-Target-URI".into()));
    };
    let Some(warc_date) = h.get("WARC-Date").map(|d| d.trim().to_string()) else {
        return Ok(Outcome::Failed("the record has no WARC-Date".into()));
    };
    let Ok(date) = chrono::DateTime::parse_from_rfc3339(&warc_date) else {
        return Ok(Outcome::Failed(format!("WARC-Date {warc_date:?} is not a date")));
    };
    let retrieved = Timestamp::from(date.with_timezone(&chrono::Utc));
    if kind == "resource" && url.to_ascii_lowercase().starts_with("metadata:") {
        return Ok(Outcome::Skipped(
            "resource about the crawl itself (a metadata: URI, as wget writes its arguments and log), not a document"
                .into(),
        ));
    }
    let is_http = h
        .get("Content-Type")
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/http"));
    if kind == "response" && !is_http && !(url.starts_with("http:") || url.starts_with("https:")) {
        return Ok(Outcome::Skipped(format!(
            "response of {}: not HTTP",
            url.split(':').next().unwrap_or("")
        )));
    }
    let mut unchecked = Vec::new();
    let mut field = |name: &str| match h.get(name).map(digest::parse) {
        Some(Field::Check(c)) => Some(*c),
        Some(Field::Unchecked(v)) => {
            unchecked.push(v);
            None
        }
        None => None,
    };
    let block_check = field("WARC-Block-Digest");
    let payload_check = field("WARC-Payload-Digest");
    let mut hashed = Hashed {
        inner: block,
        block: block_check,
        payload: None,
        in_payload: false,
    };
    let mut source = WarcSource {
        url: url.clone(),
        record_type: kind.clone(),
        record_id: record_id.clone(),
        warc_date,
        file: ctx.file.to_string(),
        file_sha256: None,
        offset: ctx.offset,
        imported: ctx.imported,
        http: None,
        digests_checked: Vec::new(),
        digests_unchecked: unchecked,
        refers_to: None,
        software: ctx.software.map(str::to_string),
    };
    // The HTTP head, for a response or a revisit of one.
    let http = if kind == "resource" {
        None
    } else {
        let starts_http = match hashed.fill_buf() {
            Ok(buf) => buf.starts_with(b"HTTP/"),
            Err(_) => return Ok(Outcome::Unreadable),
        };
        if starts_http {
            match http_head(&mut hashed, &url, h.get("WARC-IP-Address")) {
                Ok(Ok(r)) => Some(r),
                Ok(Err(reason)) => return Ok(Outcome::Failed(reason)),
                Err(_) => return Ok(Outcome::Unreadable),
            }
        } else if kind == "response" {
            return Ok(Outcome::Skipped(
                "response: the block is not an HTTP response".into(),
            ));
        } else {
            None
        }
    };
    if kind == "revisit" {
        return revisit(
            known,
            h,
            hashed,
            source,
            http,
            payload_check,
            retrieved,
            ctx.offset,
        );
    }
    hashed.payload = payload_check;
    hashed.in_payload = true;
    let declared = match &http {
        Some(r) => r.header("content-type").and_then(essence),
        None => h.get("Content-Type").and_then(essence),
    };
    let chunked = http.as_ref().is_some_and(|r| {
        r.header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    });
    let hide_head = http.as_ref().is_some_and(encoded);
    let mut writer = store.writer()?;
    let mut own = Hasher::new();
    // A de-chunked payload: what the archive stores. Whether a writer's
    // payload digest covers the chunk framing or not varies (the standard
    // is unclear), so both are accepted.
    let mut dechunked_check = hashed.payload.as_ref().filter(|_| chunked).map(Check::twin);
    let mut head = Vec::new();
    let mut sink = |bytes: &[u8]| -> Result<()> {
        own.update(bytes);
        if let Some(c) = &mut dechunked_check {
            c.update(bytes);
        }
        if head.len() < media::SNIFF_LEN {
            let take = bytes.len().min(media::SNIFF_LEN - head.len());
            head.extend_from_slice(&bytes[..take]);
        }
        writer.append(bytes)
    };
    let body = if chunked && looks_chunked(&mut hashed) {
        dechunk(&mut hashed, &mut sink)?
    } else {
        copy(&mut hashed, &mut sink)?
    };
    match body {
        Body_::Done => {}
        Body_::Unreadable => return Ok(Outcome::Unreadable),
        Body_::Bad(reason) => return Ok(Outcome::Failed(reason)),
    }
    // The rest of the block (after the last chunk), for its digest.
    if copy(&mut hashed, &mut |_: &[u8]| Ok(()))? != Body_::Done {
        return Ok(Outcome::Unreadable);
    }
    let Hashed { block, payload, .. } = hashed;
    if let Some(b) = block {
        let written = b.written.clone();
        if !b.matches() {
            return Ok(Outcome::Failed(format!(
                "WARC-Block-Digest {written} does not match the record's bytes; not imported"
            )));
        }
        source.digests_checked.push(written);
    }
    if let Some(p) = payload {
        let written = p.written.clone();
        let ok = p.matches() || dechunked_check.is_some_and(Check::matches);
        if !ok {
            return Ok(Outcome::Failed(format!(
                "WARC-Payload-Digest {written} does not match the payload; not imported"
            )));
        }
        source.digests_checked.push(written);
    }
    let (digest, size) = own.finish();
    source.http = http;
    known.records.insert(record_id, (digest, size));
    known.blobs.insert(digest, size);
    Ok(Outcome::Staged(Box::new(Staged {
        offset: ctx.offset,
        payload: Payload::New(writer),
        source,
        declared,
        head: (!hide_head).then_some(head),
        retrieved,
    })))
}

/// A revisit becomes a capture of the payload it names, when the archive
/// holds it: by the record it refers to, or by its SHA-256 payload digest.
#[allow(clippy::too_many_arguments)]
fn revisit<'s>(
    known: &mut Known,
    h: &RecordHeader,
    mut hashed: Hashed<'_>,
    mut source: WarcSource,
    http: Option<HttpResponse>,
    payload_check: Option<Check>,
    retrieved: Timestamp,
    offset: u64,
) -> Result<Outcome<'s>> {
    if copy(&mut hashed, &mut |_: &[u8]| Ok(()))? != Body_::Done {
        return Ok(Outcome::Unreadable);
    }
    if let Some(b) = hashed.block.take() {
        let written = b.written.clone();
        if !b.matches() {
            return Ok(Outcome::Failed(format!(
                "WARC-Block-Digest {written} does not match the record's bytes; not imported"
            )));
        }
        source.digests_checked.push(written);
    }
    let refers_to = h.get("WARC-Refers-To").map(|r| r.trim().to_string());
    let by_record = refers_to.as_ref().and_then(|r| known.records.get(r)).copied();
    let by_digest = payload_check
        .as_ref()
        .and_then(Check::sha256)
        .and_then(|d| known.blobs.get(&d).map(|&size| (d, size)));
    let found = by_record.or(by_digest);
    let Some((digest, size)) = found else {
        return Ok(Outcome::Skipped(
            "revisit of a payload this archive does not hold (neither the record it refers to nor a SHA-256 payload digest found)"
                .into(),
        ));
    };
    if let Some(p) = payload_check {
        if p.sha256().is_some_and(|d| d != digest) {
            return Ok(Outcome::Failed(format!(
                "WARC-Payload-Digest {} names other bytes than the record it refers to; not imported",
                p.written
            )));
        }
        if p.sha256().is_some() {
            source.digests_checked.push(p.written);
        } else {
            source.digests_unchecked.push(p.written);
        }
    }
    let declared = http
        .as_ref()
        .and_then(|r| r.header("content-type"))
        .and_then(essence);
    source.refers_to = refers_to;
    source.http = http;
    known.records.insert(source.record_id.clone(), (digest, size));
    Ok(Outcome::Staged(Box::new(Staged {
        offset,
        payload: Payload::Existing { digest, size },
        source,
        declared,
        head: None,
        retrieved,
    })))
}

#[derive(Debug, PartialEq, Eq)]
enum Body_ {
    Done,
    /// The block ended early or its compression is corrupt.
    Unreadable,
    Bad(String),
}

fn copy(input: &mut dyn BufRead, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<Body_> {
    loop {
        let n = match input.fill_buf() {
            Ok([]) => return Ok(Body_::Done),
            Ok(buf) => {
                sink(buf)?;
                buf.len()
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Ok(Body_::Unreadable),
        };
        input.consume(n);
    }
}

/// True when the body starts with a chunk-size line. Some tools store the
/// body de-chunked but keep the header; warcio reads such a body as it
/// is, and so does this.
fn looks_chunked(input: &mut dyn BufRead) -> bool {
    let Ok(buf) = input.fill_buf() else { return false };
    let Some(end) = buf.iter().take(1024).position(|&b| b == b'\n') else {
        return false;
    };
    let line = String::from_utf8_lossy(&buf[..end]);
    let size = line
        .trim_end_matches('\r')
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    !size.is_empty() && size.len() <= 16 && size.bytes().all(|b| b.is_ascii_hexdigit())
}

fn dechunk(input: &mut dyn BufRead, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<Body_> {
    loop {
        let line = match read::read_line(input) {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(Body_::Bad("the chunked body ends without its last chunk".into())),
            Err(_) => return Ok(Body_::Unreadable),
        };
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = u64::from_str_radix(size_text, 16) else {
            return Ok(Body_::Bad(format!(
                "a malformed chunk size {:?} in the chunked body",
                size_text.chars().take(20).collect::<String>()
            )));
        };
        if size == 0 {
            // Trailers, up to the blank line (or the block's end).
            loop {
                match read::read_line(input) {
                    Ok(Some(l)) if !l.is_empty() => continue,
                    Ok(_) => return Ok(Body_::Done),
                    Err(_) => return Ok(Body_::Unreadable),
                }
            }
        }
        let mut chunk = (&mut *input).take(size);
        match copy(&mut chunk, sink)? {
            Body_::Done if chunk.limit() == 0 => {}
            Body_::Done => return Ok(Body_::Bad("the chunked body ends inside a chunk".into())),
            other => return Ok(other),
        }
        match read::read_line(input) {
            Ok(Some(l)) if l.is_empty() => {}
            Ok(_) => return Ok(Body_::Bad("a chunk is longer than its size says".into())),
            Err(_) => return Ok(Body_::Unreadable),
        }
    }
}

/// The status line and headers. The outer error is the block's (it could
/// not be read); the inner one a malformed head.
fn http_head(
    input: &mut dyn BufRead,
    url: &str,
    ip: Option<&str>,
) -> io::Result<std::result::Result<HttpResponse, String>> {
    let Some(status_line) = read::read_line(input)? else {
        return Ok(Err("the HTTP response is empty".into()));
    };
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("").to_string();
    let Some(status) = parts.next().and_then(|s| s.trim().parse::<u16>().ok()) else {
        return Ok(Err(format!(
            "a malformed HTTP status line {:?}",
            status_line.chars().take(60).collect::<String>()
        )));
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut size = status_line.len();
    // A head that ends without its blank line (no body) is tolerated.
    while let Some(line) = read::read_line(input)? {
        size += line.len();
        if size > MAX_HEAD {
            return Ok(Err("an HTTP head of more than 1 MiB".into()));
        }
        if line.is_empty() {
            break;
        }
        if !read::push_field(&mut headers, &line) {
            return Ok(Err(format!(
                "a malformed HTTP header line {:?}",
                line.chars().take(60).collect::<String>()
            )));
        }
    }
    // Lower case, as the log records the headers of `add`.
    for (name, _) in &mut headers {
        name.make_ascii_lowercase();
    }
    Ok(Ok(HttpResponse {
        url: url.to_string(),
        version,
        status,
        location: headers
            .iter()
            .find(|(n, _)| n == "location")
            .filter(|_| (300..400).contains(&status))
            .map(|(_, v)| v.clone()),
        remote_addr: ip.map(|a| a.trim().to_string()),
        headers,
    }))
}

/// A Content-Type's essence, lower case.
fn essence(ct: &str) -> Option<String> {
    let e = ct.split(';').next()?.trim().to_ascii_lowercase();
    (!e.is_empty() && e.contains('/')).then_some(e)
}

/// The `software:` of a warcinfo block.
fn software(block: &mut dyn BufRead) -> Option<String> {
    let mut text = Vec::new();
    block.take(MAX_HEAD as u64).read_to_end(&mut text).ok()?;
    String::from_utf8_lossy(&text).lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("software")
            .then(|| value.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}
