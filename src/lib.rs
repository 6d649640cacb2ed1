//! provenance: an archive that keeps documents with proof of where they
//! came from. The binary is a thin shell over [`run`]; the architecture is
//! described in docs/ARCHITECTURE.md.

pub mod archive;
pub mod catalog;
pub mod checkpoint;
pub mod cite;
pub mod cli;
pub mod cmd;
pub mod entry;
pub mod error;
pub mod export;
pub mod extract;
pub mod failpoint;
pub mod fetch;
pub mod hash;
pub mod html;
pub mod import;
pub mod index;
pub mod ingest;
pub mod key;
pub mod log;
pub mod media;
pub mod merkle;
pub mod note;
pub mod output;
pub mod store;
pub mod stream;
pub mod time;
pub mod timestamp;
pub mod transparency;
pub mod tree;
pub mod verify;
pub mod warc;

use std::path::PathBuf;

pub use cmd::Exit;
pub use error::{Error, Result};

use cli::{Cli, Command};
use cmd::Ctx;

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    let ctx = Ctx {
        archive: cli.archive.unwrap_or_else(|| PathBuf::from(archive::DEFAULT_DIR)),
        json: cli.json,
    };
    match cli.command {
        Command::Init { dir } => cmd::init::run(&ctx, dir),
        Command::Add(args) => cmd::add::run(&ctx, &args),
        Command::List(args) => cmd::list::run(&ctx, &args),
        Command::Search(args) => cmd::search::run(&ctx, &args),
        Command::Reindex => cmd::reindex::run(&ctx),
        Command::Show { id } => cmd::show::run(&ctx, &id),
        Command::Cat { id } => cmd::cat::run(&ctx, &id),
        Command::Text { id } => cmd::text::run(&ctx, &id),
        Command::Verify(args) => cmd::verify::run(&ctx, &args),
        Command::History { url } => cmd::history::run(&ctx, &url),
        Command::Diff { old, new, words } => cmd::diff::run(&ctx, &old, &new, words),
        Command::Sources(args) => cmd::sources::run(&ctx, &args),
        Command::Reanalyze { ids } => cmd::reanalyze::run(&ctx, &ids),
        Command::Keygen(args) => cmd::keygen::run(&ctx, &args),
        Command::Key => cmd::key::run(&ctx),
        Command::Checkpoint(args) => cmd::checkpoint::run(&ctx, &args),
        Command::Proof(args) => cmd::proof::run(&ctx, &args),
        Command::Timestamp(args) => cmd::timestamp::run(&ctx, &args),
        Command::Export(args) => cmd::export::run(&ctx, &args),
        Command::Import(args) => cmd::import::run(&ctx, &args),
    }
}
