//! The sources analyser's place in the pipeline: it reads the text the
//! text analyser stored, runs [`crate::cite`] on it, and stores the result
//! as a JSON blob, so that the log entry stays small and the offsets keep
//! pointing into a fixed text.

use std::io::Read;

use crate::cite::{self, Sources};
use crate::entry::{SourcesOutcome, TextOutcome};
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::store::BlobStore;

pub fn analyse(store: &dyn BlobStore, text: &TextOutcome) -> Result<SourcesOutcome> {
    let (digest, size, metadata) = match text {
        TextOutcome::Extracted {
            sha256,
            size,
            metadata,
            ..
        } => (*sha256, *size, metadata),
        TextOutcome::None { .. } => return Ok(none("the document has no text")),
    };
    if size > cite::MAX_TEXT {
        return Ok(none(format!(
            "the text is {size} bytes, more than the {} the sources analyser reads",
            cite::MAX_TEXT
        )));
    }
    let text = read_text(store, &digest)?;
    let mut sources = cite::extract(&text);
    if let Some(outlet) = metadata.as_ref().and_then(|m| m.outlet.as_deref()) {
        sources = sources.published_by(outlet);
    }
    let json =
        serde_json::to_vec(&sources).map_err(|e| Error::Usage(format!("cannot encode sources: {e}")))?;
    let mut writer = store.writer()?;
    writer.append(&json)?;
    let stored = writer.finish()?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(SourcesOutcome::Extracted {
        text: digest,
        sha256: stored.digest,
        size: stored.size,
        outlets: count(sources.outlets.len()),
        cited_outlets: count(sources.outlets.iter().filter(|o| o.cited).count()),
        people: count(sources.people.len()),
        cited_people: count(sources.people.iter().filter(|p| p.cited).count()),
    })
}

fn none(reason: impl Into<String>) -> SourcesOutcome {
    SourcesOutcome::None {
        reason: reason.into(),
    }
}

/// Reads a stored text whole: it must be UTF-8, as the text analyser
/// wrote it.
pub fn read_text(store: &dyn BlobStore, digest: &Digest) -> Result<String> {
    String::from_utf8(read_blob(store, digest, "the text")?)
        .map_err(|_| Error::bad_archive(store.describe(digest), "the stored text is not UTF-8"))
}

/// Loads a stored result.
pub fn load(store: &dyn BlobStore, digest: &Digest) -> Result<Sources> {
    serde_json::from_slice(&read_blob(store, digest, "the sources")?)
        .map_err(|e| Error::bad_archive(store.describe(digest), format!("not a sources result: {e}")))
}

fn read_blob(store: &dyn BlobStore, digest: &Digest, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    store
        .open(digest)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::bad_archive(store.describe(digest), format!("cannot read {what}: {e}")))?;
    Ok(bytes)
}
