//! BagIt export: placeholder until the writer lands.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::archive::Archive;
use crate::error::{Error, Result};
use crate::hash::Digest;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub file: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exported to {}", self.file)
    }
}

/// What `export --bagit` is told besides what to export.
pub struct Options {
    /// The private key file that signs the tag manifest.
    pub key: std::path::PathBuf,
    pub source_organization: Option<String>,
}

pub fn export(
    _archive: &Archive,
    _wanted: Option<&HashSet<Digest>>,
    path: &Path,
    _options: &Options,
) -> Result<Summary> {
    Err(Error::Usage(format!(
        "{}: BagIt export is not built yet",
        path.display()
    )))
}
