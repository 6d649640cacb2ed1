//! Analysers: programs that derive results from a capture's bytes. Each
//! names itself and its version in the analysis entries it produces, so
//! that a better version appends new results beside the old ones.

pub mod decode;
pub mod pdf;
pub mod sources;
pub mod text;

use crate::cite;
use crate::entry::{Analysis, Capture, DecodeOutcome, SourcesOutcome, TextOutcome};
use crate::error::Result;
use crate::hash::Digest;
use crate::store::BlobStore;

/// What the analysers made of one capture.
pub struct Analysed {
    pub decoded: Option<DecodeOutcome>,
    pub text: TextOutcome,
    pub sources: SourcesOutcome,
}

impl Analysed {
    /// The text analyser's entry about capture `capture` (its `seq`).
    pub fn text_entry(&self, capture: u64, sha256: Digest) -> Analysis {
        Analysis {
            capture,
            sha256,
            analyser: text::analyser(),
            decoded: self.decoded.clone(),
            text: Some(self.text.clone()),
            sources: None,
        }
    }

    /// The sources analyser's entry about capture `capture`.
    pub fn sources_entry(&self, capture: u64, sha256: Digest) -> Analysis {
        Analysis {
            capture,
            sha256,
            analyser: cite::analyser(),
            decoded: None,
            text: None,
            sources: Some(self.sources.clone()),
        }
    }
}

/// Runs the analysers on a stored capture: undo the Content-Encoding the
/// server applied (at most `max_decoded` bytes), then decode the text with
/// the charset it declared, then find the sources the text cites.
pub fn analyse(store: &dyn BlobStore, capture: &Capture, max_decoded: u64) -> Result<Analysed> {
    let http = capture.source.http();
    let coding = http
        .and_then(|r| r.header("content-encoding"))
        .filter(|ce| decode::codings(ce).is_some());
    let decoded = match coding {
        Some(ce) => Some(decode::decode(store, &capture.sha256, ce, max_decoded)?),
        None => None,
    };
    let body = match &decoded {
        None => capture.sha256,
        Some(DecodeOutcome::Decoded { sha256, .. }) => *sha256,
        Some(DecodeOutcome::Failed { reason, .. }) => {
            let text = TextOutcome::None {
                reason: format!("the body could not be decoded: {reason}"),
            };
            let sources = sources::analyse(store, &text)?;
            return Ok(Analysed {
                decoded,
                text,
                sources,
            });
        }
    };
    let charset = http
        .and_then(|r| r.header("content-type"))
        .and_then(text::charset_of);
    let origin = text::Origin {
        charset,
        url: http.map(|r| r.url.as_str()),
    };
    let text = text::extract(store, &body, &capture.media_type, origin)?;
    let sources = sources::analyse(store, &text)?;
    Ok(Analysed {
        decoded,
        text,
        sources,
    })
}
