//! The text analyser: the UTF-8 text that every later analyser reads and
//! whose byte offsets they report.
//!
//! It decodes text documents as a browser would, short of detection: a
//! byte-order mark first (removed), then the charset the source declared
//! (HTTP's Content-Type), then UTF-8. Undeclared non-UTF-8 documents get a
//! reason instead of text until charset detection arrives. Everything
//! streams, so a 2 GiB text costs constant memory.

use std::io::Read;

use encoding_rs::{CoderResult, Encoding, UTF_8};

use crate::entry::{TextOutcome, Tool};
use crate::error::Result;
use crate::hash::Digest;
use crate::media;
use crate::store::BlobStore;
use crate::stream::CHUNK;

pub const NAME: &str = "provenance-text";
/// Bump whenever the same bytes could yield different text.
pub const VERSION: &str = "2";

pub fn analyser() -> Tool {
    Tool {
        name: NAME.to_string(),
        version: VERSION.to_string(),
    }
}

/// Derives the text of a stored document, storing it as a blob. `charset`
/// is what the source declared, if anything.
pub fn extract(
    store: &dyn BlobStore,
    digest: &Digest,
    media_type: &str,
    charset: Option<&str>,
) -> Result<TextOutcome> {
    if !media::is_textual(media_type) {
        return Ok(none(format!("no text extractor for {media_type}")));
    }
    let mut reader = store.open(digest)?;
    let mut first = vec![0u8; CHUNK];
    let n = read_full(&mut *reader, &mut first, store, digest)?;
    first.truncate(n);
    if let Some((encoding, _)) = Encoding::for_bom(&first) {
        return decode(
            store,
            digest,
            encoding.new_decoder_with_bom_removal(),
            first,
            reader,
        );
    }
    match charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        Some(encoding) if encoding != UTF_8 => decode(
            store,
            digest,
            encoding.new_decoder_without_bom_handling(),
            first,
            reader,
        ),
        _ => validate_utf8(store, digest, first, reader),
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

/// UTF-8 without a mark is its own text: validate it and point at the
/// document's own blob, storing nothing twice.
fn validate_utf8(
    store: &dyn BlobStore,
    digest: &Digest,
    first: Vec<u8>,
    mut reader: Box<dyn Read + '_>,
) -> Result<TextOutcome> {
    let mut validator = Utf8Validator::default();
    let mut buf = first;
    loop {
        if buf.is_empty() {
            break;
        }
        if let Err(at) = validator.feed(&buf) {
            return Ok(none(format!(
                "not valid UTF-8 (first invalid byte at offset {at}); other encodings are not decoded yet"
            )));
        }
        buf.resize(CHUNK, 0);
        let n = read_full(&mut *reader, &mut buf, store, digest)?;
        buf.truncate(n);
    }
    if let Some(at) = validator.finish() {
        return Ok(none(format!(
            "not valid UTF-8 (truncated character at offset {at})"
        )));
    }
    Ok(TextOutcome::Extracted {
        sha256: *digest,
        size: validator.seen,
        encoding: UTF_8.name().to_string(),
    })
}

/// Decodes to UTF-8 as a browser does, malformed sequences becoming
/// U+FFFD, and stores the result.
fn decode(
    store: &dyn BlobStore,
    digest: &Digest,
    mut decoder: encoding_rs::Decoder,
    first: Vec<u8>,
    mut reader: Box<dyn Read + '_>,
) -> Result<TextOutcome> {
    let encoding = decoder.encoding();
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
    Ok(TextOutcome::Extracted {
        sha256: stored.digest,
        size: stored.size,
        encoding: encoding.name().to_string(),
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
