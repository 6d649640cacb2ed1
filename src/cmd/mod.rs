//! One module per subcommand. Each takes the parsed arguments and the
//! shared context, prints through [`Out`], and returns an [`Exit`].

use std::path::PathBuf;

use crate::archive::Archive;
use crate::error::Result;
use crate::output::Out;

pub mod add;
pub mod cat;
pub mod checkpoint;
pub mod diff;
pub mod export;
pub mod history;
pub mod import;
pub mod init;
pub mod key;
pub mod keygen;
pub mod list;
pub mod proof;
pub mod reanalyze;
pub mod reindex;
pub mod search;
pub mod show;
pub mod sources;
pub mod text;
pub mod timestamp;
pub mod verify;

/// How a command that did not fail outright ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// A negative answer: verification found a problem, or a file is not
    /// archived (exit status 1).
    Negative,
    /// Errors were already reported on stderr, one a line, for some inputs
    /// while others succeeded (exit status 2).
    PartialFailure,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Negative => 1,
            Exit::PartialFailure => 2,
        }
    }
}

/// What every command gets: where the archive is and how to print.
pub struct Ctx {
    pub archive: PathBuf,
    pub json: bool,
}

impl Ctx {
    pub fn open(&self) -> Result<Archive> {
        Archive::open(&self.archive)
    }

    pub fn out(&self) -> Out {
        Out::stdout()
    }
}
