//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "provenance",
    version,
    about = "Archive documents with proof of where they came from",
    long_about = "Archive documents with proof of where they came from.\n\n\
        Exit status: 0 success; 1 verification found a problem, or a file given \
        to `verify` is not archived; 2 an error (bad input, unusable archive).",
    propagate_version = true
)]
pub struct Cli {
    /// The archive directory [default: ./archive]
    #[arg(long, global = true, value_name = "DIR", env = "PROVENANCE_ARCHIVE")]
    pub archive: Option<PathBuf>,

    /// Print data as JSON
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty archive
    Init {
        /// Where to create it [default: the archive directory]
        dir: Option<PathBuf>,
    },
    /// Archive documents: their exact bytes, where and when they came from
    Add(AddArgs),
    /// List every capture, oldest first
    List,
    /// Show what the archive knows about a document
    Show {
        /// A content hash, or a unique prefix of at least 8 hex digits
        id: String,
    },
    /// Print a document's exact bytes
    Cat {
        /// A content hash, or a unique prefix of at least 8 hex digits
        id: String,
    },
    /// Print the text the analysers read (UTF-8)
    Text {
        /// A content hash, or a unique prefix of at least 8 hex digits
        id: String,
    },
    /// Check every blob and log entry, or whether given files are archived
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files to archive; `-` reads standard input
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,

    /// Read sources from FILE, one a line (`-` for standard input); blank
    /// lines and lines starting with # are skipped
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// A title for the capture
    #[arg(long)]
    pub title: Option<String>,

    /// A note for the capture
    #[arg(long)]
    pub note: Option<String>,

    /// Extra metadata, repeatable
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub meta: Vec<(String, String)>,

    /// The media type the source declares (instead of the file name's)
    #[arg(long, value_name = "TYPE")]
    pub media_type: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Say for each file whether its exact bytes are archived, and when and
    /// where they were captured
    #[arg(value_name = "FILE", conflicts_with = "repair")]
    pub files: Vec<PathBuf>,

    /// Remove what an interrupted command left (an unfinished tail of the
    /// log, temporary files), then verify
    #[arg(long)]
    pub repair: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}
