//! The log's entries: the one definition of the on-disk format, documented
//! with examples in docs/FORMATS.md.
//!
//! Every entry is one line of JSON written by `serde_json` from these
//! structs, fields in the order declared here, no insignificant white
//! space. The chain hashes the line's bytes exactly as stored, so readers
//! never need to re-serialise an entry to check it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::hash::Digest;
use crate::time::Timestamp;

/// Version of the archive layout and entry format, recorded in
/// provenance.json and in the log's first entry.
pub const FORMAT_VERSION: u32 = 1;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 0, with no gaps.
    pub seq: u64,
    /// SHA-256 of the previous line's bytes (without its newline); null
    /// only for entry 0.
    pub prev: Option<Digest>,
    /// When the entry was written.
    pub time: Timestamp,
    #[serde(flatten)]
    pub body: Body,
}

/// The part of an entry that every reader understands, whatever its kind:
/// enough to check the chain even when a newer tool wrote kinds that this
/// one does not know.
#[derive(Debug, Clone, Deserialize)]
pub struct EntryHeader {
    pub seq: u64,
    pub prev: Option<Digest>,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Init(Init),
    Capture(Capture),
    Analysis(Analysis),
    /// A kind written by a newer version: its chain is checked, its
    /// contents skipped. Never written.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// The first entry: the archive's birth certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Init {
    /// 128 random bits in hex, naming this archive among all others.
    pub archive_id: String,
    pub format: u32,
    pub tool: Tool,
}

/// A fact: these exact bytes were retrieved from this source at this time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// SHA-256 of the bytes as retrieved: the blob's name and the ID.
    pub sha256: Digest,
    pub size: u64,
    /// The media type the archive uses: see docs/FORMATS.md for how the
    /// declared and sniffed types are weighed.
    pub media_type: String,
    /// What the source claimed: the file name's extension, `--media-type`,
    /// later the HTTP Content-Type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type_declared: Option<String>,
    /// What the first bytes look like; absent for an empty document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type_sniffed: Option<String>,
    /// When the last byte had been read.
    pub retrieved: Timestamp,
    pub source: Source,
    pub tool: Tool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    File {
        /// The path as the user gave it.
        path: String,
        /// The same file with every symbolic link resolved.
        absolute_path: String,
        /// The size the file system reported when the file was opened; it
        /// differs from the capture's size when the file grew or shrank
        /// while being read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        modified: Option<Timestamp>,
    },
    Stdin,
    /// A URL fetched over HTTP(S), with everything that was said on the way.
    Url(Box<UrlSource>),
    /// A record of a WARC file another tool wrote, imported
    /// (docs/WARC.md, "Import").
    Warc(Box<WarcSource>),
}

impl Source {
    /// A short human description: the path or URL as given, or `stdin`.
    pub fn label(&self) -> &str {
        match self {
            Source::File { path, .. } => path,
            Source::Stdin => "stdin",
            Source::Url(u) => &u.url,
            Source::Warc(w) => &w.url,
        }
    }

    /// The final HTTP response, for a URL capture.
    pub fn http(&self) -> Option<&HttpResponse> {
        match self {
            Source::Url(u) => Some(&u.response),
            Source::Warc(w) => w.http.as_ref(),
            _ => None,
        }
    }
}

/// Where an imported capture came from: the WARC record, and what it said
/// of the exchange. The capture's `retrieved` is the record's WARC-Date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarcSource {
    /// WARC-Target-URI.
    pub url: String,
    /// `response`, `resource` or `revisit`.
    pub record_type: String,
    /// WARC-Record-ID as written, brackets included.
    pub record_id: String,
    /// WARC-Date as written.
    pub warc_date: String,
    /// The WARC file's path as given to `import`.
    pub file: String,
    /// SHA-256 of the whole file as read; absent when it was not read to
    /// its end (a truncated or corrupt file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<Digest>,
    /// Where the record starts in the file: the offset of its gzip member
    /// in a compressed file.
    pub offset: u64,
    /// When the import of its file began.
    pub imported: Timestamp,
    /// For a `response` (or `revisit`) of HTTP: its status line and
    /// headers; `url` is the target URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpResponse>,
    /// The record's digests that matched the bytes, as written
    /// (`sha1:…`, `sha256:…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests_checked: Vec<String>,
    /// Digests of an algorithm this tool does not compute, not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests_unchecked: Vec<String>,
    /// For a revisit: the WARC-Refers-To of the record whose payload it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
    /// The `software` of the file's warcinfo record, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
}

/// A header as received or sent: `[name, value]`. Names are lower case
/// (HTTP/2 requires it and the client normalises HTTP/1.1); a value that is
/// not UTF-8 is recorded with U+FFFD in place of the invalid bytes.
pub type Header = (String, String);

/// How a URL was fetched. The body is the capture's blob: its bytes exactly
/// as the server sent them (after de-chunking, before any Content-Encoding
/// is undone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlSource {
    /// The URL as the user gave it.
    pub url: String,
    /// When the first request was sent; the capture's `retrieved` is when
    /// the body had finished arriving.
    pub started: Timestamp,
    /// The request headers this tool set on every request (the client adds
    /// `host` and, for HTTP/1.1, connection management headers).
    pub request_headers: Vec<Header>,
    /// Every redirect answered on the way, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<HttpResponse>,
    /// The response whose body was archived; its `url` is the final URL.
    pub response: HttpResponse,
    /// The TLS session of the final response, for https.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
}

/// One HTTP response: to the original request, a redirect, or the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The URL requested.
    pub url: String,
    /// `HTTP/1.1`, `HTTP/2.0`, ...
    pub version: String,
    pub status: u16,
    /// The `Location` of a redirect, as sent (relative or absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The server's address, `ip:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
    /// Response headers in the order the client exposes them.
    pub headers: Vec<Header>,
}

impl HttpResponse {
    /// The first value of a header (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the TLS handshake showed of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// The certificates the server presented, leaf first.
    pub certificates: Vec<Certificate>,
}

/// One certificate of the peer's chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// SHA-256 of the certificate's DER: its usual fingerprint.
    pub sha256: Digest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Timestamp>,
}

/// A program and its version: who wrote an entry, or which analyser
/// derived a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// A derived result about one capture. Results are never rewritten: a
/// better analyser appends a new entry and readers take the newest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The `seq` of the capture entry analysed.
    pub capture: u64,
    /// The capture's content hash, repeated so that the entry stands alone.
    pub sha256: Digest,
    pub analyser: Tool,
    /// The body with its Content-Encoding undone, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<DecodeOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextOutcome>,
    /// The outlets and people the text names and cites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<SourcesOutcome>,
}

/// What the sources analyser made of a document's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SourcesOutcome {
    /// The result (`provenance sources ID --json` without the ID fields) is
    /// stored as a JSON blob; its offsets point into the text blob named.
    Extracted {
        /// The text analysed.
        text: Digest,
        /// The result blob.
        sha256: Digest,
        size: u64,
        outlets: u32,
        cited_outlets: u32,
        people: u32,
        cited_people: u32,
    },
    /// Not analysed, and why (no text, a text too large).
    None { reason: String },
}

/// Undoing a Content-Encoding (gzip, deflate, br, zstd) for analysis; the
/// capture's own blob keeps the bytes as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DecodeOutcome {
    Decoded {
        /// The Content-Encoding undone, as the header gave it.
        content_encoding: String,
        /// The decoded bytes, stored as a blob.
        sha256: Digest,
        size: u64,
    },
    /// Not decoded, and why (an unknown coding, corrupt data, or a result
    /// larger than the limit: a decompression bomb).
    Failed {
        content_encoding: String,
        reason: String,
    },
}

/// What the text analyser made of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TextOutcome {
    /// The UTF-8 text is stored as a blob of its own; offsets of later
    /// analysers point into exactly these bytes.
    Extracted {
        sha256: Digest,
        size: u64,
        /// The encoding the bytes were decoded from (WHATWG name).
        encoding: String,
        /// What decided the encoding; absent in entries older than text v3.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding_source: Option<EncodingSource>,
        /// An encoding the source declared and the bytes contradicted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encoding_overruled: Option<String>,
        /// How the text was made: `text` (the document decoded), `html`
        /// (the article text of a page), `pdf` (the text layer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extractor: Option<Extractor>,
        /// What an HTML page says about itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Box<Metadata>>,
    },
    /// No text, and why.
    None { reason: String },
}

/// What decided a text's encoding, in the order a browser asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingSource {
    /// A byte-order mark.
    Bom,
    /// The charset of the HTTP Content-Type.
    Http,
    /// A `<meta charset>` in the page's first 1024 bytes.
    Meta,
    /// Detection (chardetng); also when nothing was declared and the
    /// bytes are UTF-8.
    Detected,
    /// PDF text is Unicode by construction.
    Pdf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extractor {
    Text,
    Html,
    Pdf,
}

/// What a page says about itself (HTML analyser): every key is present,
/// `null` where the page does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The article's headline, without the site's name.
    pub title: Option<String>,
    /// People, not the outlet, in the order the page gives them.
    pub authors: Vec<String>,
    /// ISO 8601: a date, or a date and time with its offset, as precise as
    /// the page is.
    pub published: Option<String>,
    pub modified: Option<String>,
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    /// The publishing outlet's canonical name in the gazetteer.
    pub outlet: Option<String>,
    /// A BCP 47 language tag, as the page declares it.
    pub language: Option<String>,
    pub description: Option<String>,
}

/// `head.json`: the log's length, entry count and last entry's hash,
/// replaced atomically after every completed append. An append is
/// acknowledged only once the head records it, so bytes past
/// `log_bytes` are the unfinished tail of an interrupted command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub entries: u64,
    pub log_bytes: u64,
    pub last_entry: Option<Digest>,
}

impl Head {
    pub fn empty() -> Head {
        Head {
            entries: 0,
            log_bytes: 0,
            last_entry: None,
        }
    }
}

/// `provenance.json`: marks a directory as an archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub format: String,
    pub version: u32,
}

impl Marker {
    pub const FORMAT: &'static str = "provenance-archive";

    pub fn current() -> Marker {
        Marker {
            format: Marker::FORMAT.to_string(),
            version: FORMAT_VERSION,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_of_a_kind_from_a_newer_version_still_parses() {
        let line = r#"{"seq":3,"prev":null,"time":"2026-11-28T04:30:00.123Z","kind":"checkpoint","size":3}"#;
        let entry: Entry = serde_json::from_str(line).unwrap();
        assert_eq!(entry.seq, 3);
        assert_eq!(entry.body, Body::Unknown);
    }

    #[test]
    fn entry_serialises_with_seq_prev_time_kind_first() {
        let entry = Entry {
            seq: 0,
            prev: None,
            time: "2026-11-28T04:30:00.123Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .into(),
            body: Body::Init(Init {
                archive_id: "00".repeat(16),
                format: FORMAT_VERSION,
                tool: Tool::this(),
            }),
        };
        let line = serde_json::to_string(&entry).unwrap();
        assert!(
            line.starts_with(
                r#"{"seq":0,"prev":null,"time":"2026-11-28T04:30:00.123Z","kind":"init","archive_id":"#
            ),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), entry);
    }
}
