//! The library's one error type. Every message names the input it is about
//! and the problem, on one line, because that line is all a user sees.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot {action}: {}", path.display(), os_message(err))]
    Io {
        path: PathBuf,
        action: &'static str,
        err: io::Error,
    },

    #[error("cannot write output: {}", os_message(.0))]
    Output(io::Error),

    #[error(
        "{}: no archive here (create one with `provenance init {}`, or name another with --archive DIR)",
        .0.display(), .0.display()
    )]
    NoArchive(PathBuf),

    #[error(
        "{}: not a provenance archive (the directory exists but holds no provenance.json); refusing to touch it",
        .0.display()
    )]
    NotAnArchive(PathBuf),

    #[error("{}: already a provenance archive", .0.display())]
    AlreadyAnArchive(PathBuf),

    #[error("{}: {reason}", path.display())]
    BadArchive { path: PathBuf, reason: String },

    #[error(
        "{}: the log has an unfinished write from an interrupted command; run `provenance verify --repair` first",
        .0.display()
    )]
    Unfinished(PathBuf),

    #[error("{input}: {reason}")]
    Source { input: String, reason: String },

    #[error("ID '{id}': {reason}")]
    BadId { id: String, reason: String },

    #[error("ID '{id}' is ambiguous: it matches {}", .candidates.join(", "))]
    AmbiguousId { id: String, candidates: Vec<String> },

    #[error("document {id} has no text: {reason}")]
    NoText { id: String, reason: String },

    #[error("document {id} has no sources result: {reason}")]
    NoSources { id: String, reason: String },

    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: impl AsRef<Path>, action: &'static str, err: io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            action,
            err,
        }
    }

    pub fn source(source: impl fmt::Display, reason: impl fmt::Display) -> Error {
        Error::Source {
            input: source.to_string(),
            reason: reason.to_string(),
        }
    }

    pub fn bad_archive(path: impl AsRef<Path>, reason: impl fmt::Display) -> Error {
        Error::BadArchive {
            path: path.as_ref().to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// True when the error only means that whoever reads our output has
    /// gone away (`provenance list | head`), which is no failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Attaches the path and the action to an I/O error.
pub trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>, action: &'static str) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl AsRef<Path>, action: &'static str) -> Result<T> {
        self.map_err(|e| Error::io(path, action, e))
    }
}

/// The operating system's message without its " (os error N)" suffix,
/// which helps nobody reading one line of error.
pub fn os_message(err: &io::Error) -> String {
    strip_os_error(&err.to_string())
}

/// Drops a trailing " (os error N)" from a message.
pub fn strip_os_error(s: &str) -> String {
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s.to_string(),
    }
}
