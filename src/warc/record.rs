//! A record's named parts: its type, its ID, its digests and dates, and
//! the header block that carries them.

use std::borrow::Cow;
use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::hash::Digest;
use crate::time::Timestamp;

/// The first line of every record this module writes.
pub const VERSION: &str = "WARC/1.1";

/// What `warcinfo` records say the file conforms to.
pub const FORMAT_NAME: &str = "WARC File Format 1.1";
pub const CONFORMS_TO: &str =
    "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/";

/// The revisit profile for a payload identical to one recorded earlier.
pub const PROFILE_IDENTICAL_PAYLOAD: &str =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

/// The Content-Type of a block holding a whole HTTP response or request.
pub const HTTP_RESPONSE: &str = "application/http; msgtype=response";
pub const HTTP_REQUEST: &str = "application/http; msgtype=request";
pub const WARC_FIELDS: &str = "application/warc-fields";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Warcinfo,
    Response,
    Resource,
    Request,
    Metadata,
    Revisit,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Warcinfo => "warcinfo",
            RecordType::Response => "response",
            RecordType::Resource => "resource",
            RecordType::Request => "request",
            RecordType::Metadata => "metadata",
            RecordType::Revisit => "revisit",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A WARC-Record-ID: a UUID, written `<urn:uuid:…>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId([u8; 16]);

impl RecordId {
    /// The ID of one record of an export, a function of what it records
    /// alone, so that exporting the same archive twice gives the same
    /// bytes: the first 16 bytes of SHA-256(`{archive_id}/{seq}/{role}`)
    /// as a version 8 (RFC 9562, name-based with SHA-256) UUID.
    pub fn derive(archive_id: &str, seq: u64, role: &str) -> RecordId {
        let name = format!("{archive_id}/{seq}/{role}");
        let hash = Sha256::digest(name.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hash[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        RecordId(bytes)
    }

    /// The UUID's canonical text, without `urn:uuid:` or brackets.
    pub fn uuid(&self) -> String {
        let h = hex::encode(self.0);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<urn:uuid:{}>", self.uuid())
    }
}

/// A WARC digest field's value: the algorithm, a colon, lowercase hex
/// (the hash's own spelling everywhere else in the archive, and what
/// `sha256sum` prints; warcio and pywb accept it beside base32).
pub fn digest_value(d: &Digest) -> String {
    format!("sha256:{}", d.to_hex())
}

/// A WARC-Date: RFC 3339 UTC with the milliseconds the log recorded,
/// which WARC 1.1 allows.
pub fn date_value(t: &Timestamp) -> String {
    t.to_rfc3339()
}

/// A record's header block: the version line, named fields in the order
/// added, Content-Length last, a blank line.
#[derive(Debug, Clone)]
pub struct Header {
    fields: Vec<(&'static str, String)>,
}

impl Header {
    /// The fields every record has, in the order readers expect them.
    pub fn new(kind: RecordType, id: &RecordId, date: &str) -> Header {
        let mut h = Header {
            fields: Vec::with_capacity(12),
        };
        h.add("WARC-Type", kind.as_str());
        h.add("WARC-Record-ID", id.to_string());
        h.add("WARC-Date", date);
        h
    }

    pub fn add(&mut self, name: &'static str, value: impl Into<String>) -> &mut Header {
        self.fields.push((name, value.into()));
        self
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The header block for a block of `content_length` bytes.
    pub fn encode(&self, content_length: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(VERSION.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.fields {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(field_text(value).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {content_length}\r\n\r\n").as_bytes());
        out
    }
}

/// A field value as it may be written: a control character would end the
/// field (or the header) early and let a recorded value forge fields, so
/// each is percent-encoded, which is also what it would be in a URI.
pub fn field_text(value: &str) -> Cow<'_, str> {
    if !value.chars().any(|c| c.is_control()) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_version_8_uuids_derived_from_their_name() {
        let id = RecordId::derive("9f189b4f60e1b1532877d08da962db81", 1, "capture");
        let hash = hex::encode(Sha256::digest(b"9f189b4f60e1b1532877d08da962db81/1/capture"));
        let uuid = id.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[..8], &hash[..8]);
        assert_eq!(uuid.as_bytes()[14], b'8', "{uuid}");
        assert!(matches!(uuid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{uuid}");
        assert_eq!(id.to_string(), format!("<urn:uuid:{uuid}>"));
        assert_eq!(
            id,
            RecordId::derive("9f189b4f60e1b1532877d08da962db81", 1, "capture")
        );
        assert_ne!(
            id,
            RecordId::derive("9f189b4f60e1b1532877d08da962db81", 1, "request")
        );
        assert_ne!(
            id,
            RecordId::derive("9f189b4f60e1b1532877d08da962db81", 11, "capture")
        );
    }

    #[test]
    fn header_block_has_the_version_fields_and_length_last() {
        let id = RecordId::derive("a", 0, "warcinfo");
        let mut h = Header::new(RecordType::Warcinfo, &id, "2026-11-28T04:27:39.989Z");
        h.add("Content-Type", WARC_FIELDS);
        let text = String::from_utf8(h.encode(42)).unwrap();
        assert_eq!(
            text,
            format!(
                "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: {id}\r\nWARC-Date: 2026-11-28T04:27:39.989Z\r\n\
                 Content-Type: application/warc-fields\r\nContent-Length: 42\r\n\r\n"
            )
        );
        assert_eq!(h.get("content-type"), Some(WARC_FIELDS));
    }

    #[test]
    fn control_characters_cannot_forge_a_field() {
        let id = RecordId::derive("a", 1, "capture");
        let mut h = Header::new(RecordType::Resource, &id, "2026-11-28T04:27:39.989Z");
        h.add("WARC-Target-URI", "file:///a\r\nWARC-Type: response");
        let text = String::from_utf8(h.encode(0)).unwrap();
        assert!(
            text.contains("WARC-Target-URI: file:///a%0D%0AWARC-Type: response\r\n"),
            "{text}"
        );
        assert_eq!(text.matches("\r\n").count(), 7);
    }
}
