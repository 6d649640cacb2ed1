//! Reading a source into the store: the bytes streamed once, hashed while
//! written, sniffed from their first bytes; the source described as it
//! was when read.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::entry::{Capture, Source, Tool};
use crate::error::{Error, Result, os_message};
use crate::fetch::{self, Fetched};
use crate::media;
use crate::store::{BlobStore, Stored};
use crate::stream::for_each_chunk;
use crate::time::Timestamp;

/// Where a document comes from, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceArg {
    Path(PathBuf),
    Stdin,
    /// An http(s) URL, as given.
    Url(String),
}

impl SourceArg {
    /// `-` is standard input; anything else a path, which need not be
    /// UTF-8.
    pub fn parse(s: impl AsRef<std::ffi::OsStr>) -> SourceArg {
        let s = s.as_ref();
        match s.to_str() {
            Some("-") => SourceArg::Stdin,
            Some(u) if fetch::is_url(u) => SourceArg::Url(u.to_string()),
            _ => SourceArg::Path(PathBuf::from(s)),
        }
    }

    pub fn label(&self) -> String {
        match self {
            SourceArg::Path(p) => p.display().to_string(),
            SourceArg::Stdin => "stdin".to_string(),
            SourceArg::Url(u) => u.clone(),
        }
    }
}

/// What the user says about a capture.
#[derive(Debug, Clone, Default)]
pub struct UserMeta {
    pub title: Option<String>,
    pub note: Option<String>,
    pub meta: BTreeMap<String, String>,
    /// Overrides what the file name suggests (useful for stdin).
    pub media_type: Option<String>,
}

/// A document read into the store, not yet in the log.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub capture: Capture,
    pub stored: Stored,
}

/// Reads one source into the store.
pub fn ingest(store: &dyn BlobStore, source: &SourceArg, user: &UserMeta) -> Result<Ingested> {
    let (mut reader, described, declared) = open_source(source)?;
    let label = source.label();
    let mut writer = store.writer()?;
    let mut head = Vec::new();
    let read_error = |e: io::Error| Error::source(&label, format!("cannot read: {}", os_message(&e)));
    for_each_chunk(&mut reader, read_error, |chunk| {
        if head.len() < media::SNIFF_LEN {
            let take = chunk.len().min(media::SNIFF_LEN - head.len());
            head.extend_from_slice(&chunk[..take]);
        }
        writer.append(chunk)
    })?;
    let retrieved = Timestamp::now();
    let stored = writer.finish()?;
    if let Source::File { size: Some(size), .. } = &described
        && *size != stored.size
    {
        eprintln!(
            "provenance: warning: {label}: the file changed while it was read ({size} bytes when opened, {} read); the bytes read are archived",
            stored.size
        );
    }
    let capture = capture(&stored, retrieved, described, declared, media::sniff(&head), user);
    Ok(Ingested { capture, stored })
}

/// A fetched URL as a capture.
pub fn from_fetch(fetched: Fetched, user: &UserMeta) -> Ingested {
    let declared = fetched.declared_media_type();
    let sniffed = fetched.sniffed_media_type();
    let source = Source::Url(Box::new(fetched.source));
    let capture = capture(
        &fetched.stored,
        fetched.retrieved,
        source,
        declared,
        sniffed,
        user,
    );
    Ingested {
        capture,
        stored: fetched.stored,
    }
}

fn capture(
    stored: &Stored,
    retrieved: Timestamp,
    source: Source,
    declared: Option<String>,
    sniffed: Option<String>,
    user: &UserMeta,
) -> Capture {
    let declared = user.media_type.clone().or(declared);
    Capture {
        sha256: stored.digest,
        size: stored.size,
        media_type: media::effective(declared.as_deref(), sniffed.as_deref()),
        media_type_declared: declared,
        media_type_sniffed: sniffed,
        retrieved,
        source,
        tool: Tool::this(),
        title: user.title.clone(),
        note: user.note.clone(),
        meta: user.meta.clone(),
    }
}

type Opened = (Box<dyn Read>, Source, Option<String>);

fn open_source(source: &SourceArg) -> Result<Opened> {
    match source {
        SourceArg::Stdin => Ok((Box::new(io::stdin().lock()), Source::Stdin, None)),
        SourceArg::Path(path) => open_file(path),
        SourceArg::Url(url) => Err(Error::source(url, "a URL is fetched, not opened")),
    }
}

/// Checks that a source can be opened at all, before anything is written.
pub fn precheck(source: &SourceArg) -> Result<()> {
    match source {
        SourceArg::Stdin => Ok(()),
        SourceArg::Path(path) => file_metadata(path).map(|_| ()),
        SourceArg::Url(url) => fetch::check_url(url).map_err(|reason| Error::source(url, reason)),
    }
}

fn file_metadata(path: &Path) -> Result<std::fs::Metadata> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::source(&label, format!("cannot read: {}", os_message(&e))))?;
    if meta.is_dir() {
        return Err(Error::source(
            &label,
            "is a directory (name the files in it, or list them in a file for --from)",
        ));
    }
    if !meta.is_file() && !is_fifo(&meta.file_type()) {
        return Err(Error::source(&label, "not a regular file or a pipe"));
    }
    Ok(meta)
}

fn open_file(path: &Path) -> Result<Opened> {
    let label = path.display().to_string();
    let fail = |e: io::Error| Error::source(&label, format!("cannot read: {}", os_message(&e)));
    let meta = file_metadata(path)?;
    let file = File::open(path).map_err(fail)?;
    let absolute = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .map_err(fail)?;
    let described = Source::File {
        path: label.clone(),
        absolute_path: absolute.display().to_string(),
        size: meta.is_file().then_some(meta.len()),
        modified: meta.modified().ok().and_then(Timestamp::from_system),
    };
    Ok((Box::new(file), described, media::from_path(path)))
}

#[cfg(unix)]
fn is_fifo(t: &std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(t)
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::FileType) -> bool {
    false
}
