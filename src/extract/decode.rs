//! Undoing a Content-Encoding for analysis. The capture keeps the bytes as
//! sent; the decoded bytes become a blob of their own, so that the text
//! analyser and later readers work from the same decoded bytes.
//!
//! Decoding streams and stops at a size limit: a small body that inflates
//! to gigabytes (a decompression bomb) yields a clear "failed" outcome, not
//! an exhausted machine.

/// The decoded size `add --max-decoded-size` defaults to (256 MiB), also
/// used by `reanalyze`.
pub const DEFAULT_MAX_DECODED: u64 = 256 << 20;

use std::io::{BufRead, BufReader, Read};

use crate::entry::DecodeOutcome;
use crate::error::Result;
use crate::hash::Digest;
use crate::store::BlobStore;
use crate::stream::{CHUNK, for_each_chunk};

/// The codings in a Content-Encoding value that need undoing, in the order
/// the sender applied them; `None` when there are none.
pub fn codings(content_encoding: &str) -> Option<Vec<String>> {
    let list: Vec<String> = content_encoding
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    (!list.is_empty()).then_some(list)
}

/// Decodes a stored body into a new blob, at most `max` bytes.
pub fn decode(
    store: &dyn BlobStore,
    digest: &Digest,
    content_encoding: &str,
    max: u64,
) -> Result<DecodeOutcome> {
    let failed = |reason: String| DecodeOutcome::Failed {
        content_encoding: content_encoding.to_string(),
        reason,
    };
    let Some(codings) = codings(content_encoding) else {
        return Ok(failed("no coding to undo".into()));
    };
    let mut reader: Box<dyn Read + '_> = store.open(digest)?;
    // The sender applied them in order; undo them in reverse.
    for coding in codings.iter().rev() {
        reader = match decoder(coding, reader) {
            Ok(r) => r,
            Err(reason) => return Ok(failed(reason)),
        };
    }
    let mut writer = store.writer()?;
    let mut limited = reader.take(max.saturating_add(1));
    let mut store_error = None;
    let copied = for_each_chunk(
        &mut limited,
        |e| e,
        |chunk| {
            writer.append(chunk).map_err(|e| {
                store_error = Some(e);
                std::io::Error::other("store")
            })
        },
    );
    if let Some(e) = store_error {
        return Err(e);
    }
    match copied {
        Err(e) => Ok(failed(format!("corrupt {content_encoding} data: {e}"))),
        Ok(n) if n > max => Ok(failed(format!(
            "decodes to more than the limit of {max} bytes (a decompression bomb?); raise it with --max-decoded-size"
        ))),
        Ok(_) => {
            let stored = writer.finish()?;
            Ok(DecodeOutcome::Decoded {
                content_encoding: content_encoding.to_string(),
                sha256: stored.digest,
                size: stored.size,
            })
        }
    }
}

fn decoder<'a>(coding: &str, inner: Box<dyn Read + 'a>) -> std::result::Result<Box<dyn Read + 'a>, String> {
    Ok(match coding {
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(inner)),
        "deflate" => deflate(inner),
        "br" => Box::new(brotli::Decompressor::new(inner, CHUNK)),
        "zstd" => Box::new(zstd::Decoder::new(inner).map_err(|e| format!("cannot start zstd: {e}"))?),
        other => return Err(format!("unknown content coding '{other}'")),
    })
}

/// HTTP's "deflate" is zlib-wrapped, but some servers send raw deflate:
/// decide by the zlib header, as browsers do.
fn deflate<'a>(inner: Box<dyn Read + 'a>) -> Box<dyn Read + 'a> {
    let mut buffered = BufReader::new(inner);
    let zlib = match buffered.fill_buf() {
        Ok(b) if b.len() >= 2 => b[0] & 0x0f == 8 && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0,
        _ => true,
    };
    if zlib {
        Box::new(flate2::bufread::ZlibDecoder::new(buffered))
    } else {
        Box::new(flate2::bufread::DeflateDecoder::new(buffered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codings_skip_identity_and_keep_order() {
        assert_eq!(codings("identity"), None);
        assert_eq!(
            codings(" GZIP , br"),
            Some(vec!["gzip".to_string(), "br".to_string()])
        );
    }
}
