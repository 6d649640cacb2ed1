//! `verify --bag DIR`: placeholder until the bag verifier lands.

use std::path::Path;

use super::{Options, Report};
use crate::error::{Error, Result};

pub fn verify(dir: &Path, _options: &Options) -> Result<Report> {
    Err(Error::Usage(format!(
        "{}: verifying bags is not built yet",
        dir.display()
    )))
}
