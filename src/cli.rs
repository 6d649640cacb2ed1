//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "provenance",
    version,
    about = "Archive documents with proof of where they came from",
    long_about = "Archive documents with proof of where they came from.\n\n\
        Exit status: 0 success; 1 a negative answer (verification found a problem, \
        a file given to `verify` is not archived, `diff` found differences, `history` \
        found no capture); 2 an error (bad input, a failed fetch, an unusable archive).",
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
    /// List every capture, oldest first, or those the filters choose
    List(ListArgs),
    /// Search the documents' texts: ranked, with the words found in context
    Search(SearchArgs),
    /// Rebuild the index (index.sqlite) from the log
    Reindex,
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
    /// Every capture of a URL, oldest first, marking where the content changed
    History {
        /// The URL as given to `add`, or the final URL it led to
        url: String,
    },
    /// What changed between the texts of two documents
    Diff {
        /// The older document
        old: String,
        /// The newer document
        new: String,
        /// Compare word by word instead of line by line
        #[arg(long)]
        words: bool,
    },
    /// The outlets and people a document cites, or all documents do
    Sources(SourcesArgs),
    /// Run the analysers again and record what changed
    Reanalyze {
        /// Documents to analyse again [default: every document]
        ids: Vec<String>,
    },
    /// Make an Ed25519 signing key, kept outside the archive
    Keygen(KeygenArgs),
    /// Print the archive's public key as a signed-note verifier key
    Key,
    /// Sign a checkpoint of the log (its size and Merkle root), keep it and print it
    Checkpoint(KeyArg),
    /// Prove that a capture's log entry is in a signed checkpoint, or that a
    /// checkpoint extends an earlier one
    Proof(ProofArgs),
    /// Get an RFC 3161 timestamp token over the newest checkpoint
    Timestamp(TimestampArgs),
    /// Write captures out as a WARC file or a BagIt bag
    Export(ExportArgs),
    /// Bring in captures from WARC files other tools wrote
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// WARC files (.warc.gz, a gzip member per record, or plain .warc):
    /// their response, resource and revisit records become captures
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub warc: Vec<PathBuf>,

    /// Largest body after undoing its Content-Encoding, for analysis
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_decoded_size: u64,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["warc", "bagit"])))]
pub struct ExportArgs {
    /// Write a WARC 1.1 file: gzip-compressed, a member per record, unless
    /// FILE ends in .warc
    #[arg(long, value_name = "FILE")]
    pub warc: Option<PathBuf>,

    /// Write a BagIt 1.0 bag into DIR, which must not exist or be empty
    #[arg(long, value_name = "DIR")]
    pub bagit: Option<PathBuf>,

    /// The private key that signs the bag's tag manifest [default: as for
    /// `checkpoint`]
    #[arg(long, value_name = "FILE", requires = "bagit")]
    pub key: Option<PathBuf>,

    /// The bag's Source-Organization in bag-info.txt
    #[arg(
        long,
        value_name = "NAME",
        requires = "bagit",
        env = "PROVENANCE_SOURCE_ORGANIZATION"
    )]
    pub source_organization: Option<String>,

    /// Documents to export (content hashes or prefixes) [default: every capture]
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KeyArg {
    /// The private key file [default: $PROVENANCE_KEY, else
    /// $XDG_CONFIG_HOME/provenance/signing.key]
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The key's name, printed in every signature (no spaces, no '+'),
    /// e.g. example.org/newsroom
    #[arg(long, default_value = crate::key::DEFAULT_NAME)]
    pub name: String,

    #[command(flatten)]
    pub key: KeyArg,
}

#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The document: a content hash, or a unique prefix of at least 8 hex digits
    #[arg(required_unless_present = "consistency")]
    pub id: Option<String>,

    /// Instead of an inclusion proof: a consistency proof from this earlier
    /// checkpoint to the newer one (--checkpoint, or the newest kept)
    #[arg(long, value_name = "OLD", conflicts_with_all = ["id", "entry"])]
    pub consistency: Option<PathBuf>,

    /// Prove against this checkpoint [default: the newest one in the archive]
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,

    /// Which capture entry of the document (its number in the log)
    /// [default: the document's first capture]
    #[arg(long, value_name = "N")]
    pub entry: Option<u64>,
}

#[derive(Debug, Args)]
pub struct TimestampArgs {
    /// The timestamp authority's URL (RFC 3161 over HTTP)
    #[arg(long, value_name = "URL")]
    pub tsa: String,

    /// Check the token against this CA certificate (PEM or DER) before
    /// keeping it
    #[arg(long, value_name = "FILE")]
    pub tsa_ca: Vec<PathBuf>,

    /// Trust this CA certificate (PEM) for an https TSA, besides the
    /// built-in roots
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// One document; without it, every document in the archive
    pub id: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format [default: table; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// Which documents a command is about; filters of different kinds must
/// all hold (docs/INDEX.md).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only what names this outlet: a name, an alias or a domain ("WaPo",
    /// "bbc.co.uk")
    #[arg(long, value_name = "NAME")]
    pub outlet: Option<String>,
    /// Only what names this person (the name's words as a run, any case:
    /// "McCain" finds "John McCain")
    #[arg(long, value_name = "NAME")]
    pub person: Option<String>,
    /// Cited, not merely named: with --outlet or --person, documents that
    /// cite them; alone, documents that cite anyone
    #[arg(long)]
    pub cited: bool,
    /// Only captures retrieved at or after TIME (RFC 3339, or a date for
    /// its first instant, UTC)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only captures retrieved at or before TIME (RFC 3339, or a date for
    /// the whole day, UTC)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only captures served from DOMAIN or a name below it (final URL)
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Only captures of this media type ("text/html"), or of a top-level
    /// type ("text/*")
    #[arg(long, value_name = "TYPE")]
    pub media_type: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words that must all occur; "a phrase"; word* for a prefix; OR
    /// between two terms; -word to exclude
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
    pub query: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Show at most N documents (0: all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: u64,
    /// Highlight the words found: auto (on a terminal), always, never
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files or http(s) URLs to archive; `-` reads standard input
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

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// How URLs are fetched.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Fetching URLs")]
pub struct FetchArgs {
    /// The User-Agent header [default: provenance/VERSION (+repository URL)]
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// Seconds to wait for a connection
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,

    /// Seconds to wait for the next bytes of a response
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Largest body accepted, as sent (e.g. 100MiB, 5MB, 1048576)
    #[arg(long, value_name = "SIZE", default_value = "100MiB", value_parser = parse_size)]
    pub max_size: u64,

    /// Largest body after undoing its Content-Encoding, for analysis
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_decoded_size: u64,

    /// Archive 4xx and 5xx answers too, with their status (by default they
    /// are errors)
    #[arg(long)]
    pub keep_errors: bool,

    /// URLs fetched at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: u32,

    /// URLs fetched at once from one host
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub per_host: u32,

    /// Also trust this CA certificate (PEM), repeatable; the built-in roots
    /// are Mozilla's
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
}

/// Parses `100MiB`, `5MB`, `64k`, `1048576`: binary units for KiB/MiB/GiB
/// (and K/M/G), decimal for kB/MB/GB.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size like 100MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "'{s}' has an unknown unit (use KiB, MiB, GiB, kB, MB, GB)"
            ));
        }
    };
    n.checked_mul(factor).ok_or_else(|| format!("'{s}' is too large"))
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Say for each file whether its exact bytes are archived, and when and
    /// where they were captured
    #[arg(value_name = "FILE", conflicts_with = "repair")]
    pub files: Vec<PathBuf>,

    /// Remove what an interrupted command left (an unfinished tail of the
    /// log, temporary files), and rebuild the tree file, then verify
    #[arg(long)]
    pub repair: bool,

    /// Also check that the log extends this checkpoint, kept from earlier
    /// (repeatable)
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,

    /// With --checkpoint: check only the checkpoints, by consistency
    /// proofs from the tree file (O(log n)), not every entry and blob
    #[arg(long, requires = "checkpoint")]
    pub quick: bool,

    /// Trust timestamp tokens whose TSA certificate chains to this CA
    /// certificate (PEM or DER; repeatable)
    #[arg(long, value_name = "FILE")]
    pub tsa_ca: Vec<PathBuf>,

    /// The public key checkpoints must be signed with, as a verifier key
    /// or a file holding one [default: the archive's key.pub]
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,

    /// Verify a BagIt bag that `export --bagit` wrote, instead of the
    /// archive: its manifests, its log, checkpoint and signatures
    #[arg(long, value_name = "DIR", conflicts_with_all = ["files", "repair", "checkpoint", "quick"])]
    pub bag: Option<PathBuf>,

    /// Blobs re-hashed at once, each on its own thread [default: the
    /// number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,

    /// Also run SQLite's and FTS5's own integrity checks over the whole
    /// index (it reads all of it; plain verify checks that the index
    /// agrees with the log)
    #[arg(long)]
    pub index_integrity: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}
