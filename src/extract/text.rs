//! The text analyser: the UTF-8 text that every later analyser reads and
//! whose byte offsets they report.
//!
//! What the text is depends on the media type: an HTML page's article text
//! (with what the page says about itself, [`crate::html`]), a PDF's text
//! layer ([`super::pdf`]), or a text document decoded whole. The encoding
//! is decided as a browser decides it ([`crate::html::charset`]). Plain text
//! streams, so a 2 GiB text costs constant memory; a page or a PDF is read
//! whole, up to a limit.

use std::io::Read;

use encoding_rs::{CoderResult, UTF_8};

use crate::entry::{EncodingSource, Extractor, TextOutcome, Tool};
use crate::error::Result;
use crate::hash::Digest;
use crate::html::{self, charset};
use crate::media;
use crate::store::BlobStore;
use crate::stream::CHUNK;

use super::pdf;

pub const NAME: &str = "provenance-text";
/// Bump whenever the same bytes could yield different text.
pub const VERSION: &str = "3";

/// How much of a text document decides its encoding.
const DECIDE: usize = 1 << 20;

pub fn analyser() -> Tool {
    Tool {
        name: NAME.to_string(),
        version: VERSION.to_string(),
    }
}

/// Where a document came from, as far as its text depends on it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// The charset the source declared (HTTP's Content-Type).
    pub charset: Option<&'a str>,
    /// The URL the bytes came from, for resolving a page's links and
    /// finding its publisher.
    pub url: Option<&'a str>,
}

/// Derives the text of a stored document, storing it as a blob.
pub fn extract(
    store: &dyn BlobStore,
    digest: &Digest,
    media_type: &str,
    origin: Origin,
) -> Result<TextOutcome> {
    match media::essence(media_type).as_str() {
        "text/html" | "application/xhtml+xml" => html_text(store, digest, origin),
        "application/pdf" => pdf_text(store, digest),
        _ if media::is_textual(media_type) => plain_text(store, digest, origin),
        other => Ok(none(format!("no text extractor for {other}"))),
    }
}

/// The `charset` parameter of a Content-Type value.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

fn none(reason: String) -> TextOutcome {
    TextOutcome::None { reason }
}

/// Reads a blob whole if it is at most `max` bytes.
fn read_at_most(store: &dyn BlobStore, digest: &Digest, max: usize) -> Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    store
        .open(digest)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| crate::error::Error::io(store.describe(digest), "read", e))?;
    Ok((bytes.len() <= max).then_some(bytes))
}

fn store_text(store: &dyn BlobStore, text: &str) -> Result<(Digest, u64)> {
    let mut writer = store.writer()?;
    writer.append(text.as_bytes())?;
    let stored = writer.finish()?;
    Ok((stored.digest, stored.size))
}

fn html_text(store: &dyn BlobStore, digest: &Digest, origin: Origin) -> Result<TextOutcome> {
    let Some(bytes) = read_at_most(store, digest, html::MAX_HTML)? else {
        return Ok(none(format!(
            "an HTML page larger than the {} MiB the HTML analyser parses",
            html::MAX_HTML >> 20
        )));
    };
    let page = html::analyse(&bytes, origin.charset, origin.url);
    let (sha256, size) = store_text(store, &page.text)?;
    Ok(TextOutcome::Extracted {
        sha256,
        size,
        encoding: page.charset.encoding.name().to_string(),
        encoding_source: Some(page.charset.source),
        encoding_overruled: page.charset.overruled.map(|e| e.name().to_string()),
        extractor: Some(Extractor::Html),
        metadata: Some(Box::new(page.metadata)),
    })
}

fn pdf_text(store: &dyn BlobStore, digest: &Digest) -> Result<TextOutcome> {
    let Some(bytes) = read_at_most(store, digest, pdf::MAX_BYTES)? else {
        return Ok(none(format!(
            "no text extracted: a PDF larger than the {} MiB the PDF reader reads",
            pdf::MAX_BYTES >> 20
        )));
    };
    match pdf::text(&bytes) {
        Ok(text) => {
            let (sha256, size) = store_text(store, &text)?;
            Ok(TextOutcome::Extracted {
                sha256,
                size,
                encoding: UTF_8.name().to_string(),
                encoding_source: Some(EncodingSource::Pdf),
                encoding_overruled: None,
                extractor: Some(Extractor::Pdf),
                metadata: None,
            })
        }
        Err(reason) => Ok(none(reason)),
    }
}

/// A text document: the encoding decided on its first mebibyte, then the
/// whole decoded as a stream. UTF-8 is its own text and is not stored
/// twice; UTF-8 that turns out invalid past the first mebibyte is decoded
/// as a browser would, with U+FFFD for the bad bytes.
fn plain_text(store: &dyn BlobStore, digest: &Digest, origin: Origin) -> Result<TextOutcome> {
    let mut reader = store.open(digest)?;
    let mut first = vec![0u8; DECIDE];
    let n = read_full(&mut *reader, &mut first, store, digest)?;
    first.truncate(n);
    let decided = charset::decide(&first, origin.charset, false, None);
    let decoder = match decided.source {
        EncodingSource::Bom => decided.encoding.new_decoder_with_bom_removal(),
        _ => decided.encoding.new_decoder_without_bom_handling(),
    };
    let outcome = if decided.encoding == UTF_8 && decided.source != EncodingSource::Bom {
        match validate_utf8(store, digest, first, reader)? {
            Some(size) => Decoded {
                sha256: *digest,
                size,
            },
            None => {
                let mut reader = store.open(digest)?;
                let mut first = vec![0u8; CHUNK];
                let n = read_full(&mut *reader, &mut first, store, digest)?;
                first.truncate(n);
                decode(
                    store,
                    digest,
                    UTF_8.new_decoder_without_bom_handling(),
                    first,
                    reader,
                )?
            }
        }
    } else {
        decode(store, digest, decoder, first, reader)?
    };
    Ok(TextOutcome::Extracted {
        sha256: outcome.sha256,
        size: outcome.size,
        encoding: decided.encoding.name().to_string(),
        encoding_source: Some(decided.source),
        encoding_overruled: decided.overruled.map(|e| e.name().to_string()),
        extractor: Some(Extractor::Text),
        metadata: None,
    })
}

struct Decoded {
    sha256: Digest,
    size: u64,
}

/// Validates UTF-8 to the end: its size, or `None` at the first invalid byte.
fn validate_utf8(
    store: &dyn BlobStore,
    digest: &Digest,
    first: Vec<u8>,
    mut reader: Box<dyn Read + '_>,
) -> Result<Option<u64>> {
    let mut validator = Utf8Validator::default();
    let mut buf = first;
    while !buf.is_empty() {
        if validator.feed(&buf).is_err() {
            return Ok(None);
        }
        buf.resize(CHUNK, 0);
        let n = read_full(&mut *reader, &mut buf, store, digest)?;
        buf.truncate(n);
    }
    Ok(validator.finish().is_none().then_some(validator.seen))
}

/// Decodes to UTF-8 as a browser does, malformed sequences becoming
/// U+FFFD, and stores the result.
fn decode(
    store: &dyn BlobStore,
    digest: &Digest,
    mut decoder: encoding_rs::Decoder,
    first: Vec<u8>,
    mut reader: Box<dyn Read + '_>,
) -> Result<Decoded> {
    let mut writer = store.writer()?;
    let mut out = vec![0u8; CHUNK * 3 + 16];
    let mut input = first;
    loop {
        let last = input.is_empty();
        let mut pos = 0;
        loop {
            let (result, read, written, _) = decoder.decode_to_utf8(&input[pos..], &mut out, last);
            pos += read;
            writer.append(&out[..written])?;
            if result == CoderResult::InputEmpty {
                break;
            }
        }
        if last {
            break;
        }
        input.resize(CHUNK, 0);
        let n = read_full(&mut *reader, &mut input, store, digest)?;
        input.truncate(n);
    }
    let stored = writer.finish()?;
    Ok(Decoded {
        sha256: stored.digest,
        size: stored.size,
    })
}

/// Fills `buf` as far as the blob allows; returns how much was read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8], store: &dyn BlobStore, digest: &Digest) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(crate::error::Error::io(store.describe(digest), "read", e)),
        }
    }
    Ok(filled)
}

/// Streaming UTF-8 validation across chunk boundaries.
#[derive(Default)]
struct Utf8Validator {
    carry: Vec<u8>,
    seen: u64,
}

impl Utf8Validator {
    /// Errors with the absolute offset of the first invalid byte.
    fn feed(&mut self, chunk: &[u8]) -> std::result::Result<(), u64> {
        let start = self.seen - self.carry.len() as u64;
        self.seen += chunk.len() as u64;
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            let mut v = std::mem::take(&mut self.carry);
            v.extend_from_slice(chunk);
            joined = v;
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(e) => Err(start + e.valid_up_to() as u64),
        }
    }

    /// The offset of an incomplete character left at the end, if any.
    fn finish(&self) -> Option<u64> {
        (!self.carry.is_empty()).then(|| self.seen - self.carry.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_accepts_characters_split_across_chunks() {
        let text = "naïve café — 日本".as_bytes();
        for split in 0..text.len() {
            let mut v = Utf8Validator::default();
            v.feed(&text[..split]).unwrap();
            v.feed(&text[split..]).unwrap();
            assert_eq!(v.finish(), None, "split at {split}");
        }
    }

    #[test]
    fn validator_reports_the_offset_of_the_bad_byte() {
        let mut v = Utf8Validator::default();
        v.feed(b"abc").unwrap();
        assert_eq!(v.feed(b"de\xfff"), Err(5));
        let mut v = Utf8Validator::default();
        v.feed(b"ab\xe2\x80").unwrap();
        assert_eq!(v.finish(), Some(2));
    }
}

#[cfg(test)]
mod charset_tests {
    use super::charset_of;

    #[test]
    fn charset_parameter_is_found_in_any_case_and_quoting() {
        assert_eq!(
            charset_of("text/html; charset=windows-1252"),
            Some("windows-1252")
        );
        assert_eq!(charset_of("text/html;Charset=\"UTF-8\""), Some("UTF-8"));
        assert_eq!(charset_of("text/html"), None);
    }
}
