use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::{Archive, LockMode};
use crate::cli::AddArgs;
use crate::entry::{Analysis, Body, TextOutcome};
use crate::error::{Error, IoContext, Result};
use crate::extract::text;
use crate::hash::Digest;
use crate::ingest::{self, Ingested, SourceArg, UserMeta};
use crate::output::count;
use crate::store::BlobStore;

/// The most bytes of user metadata one capture may carry: entries stay
/// small lines that any tool reads at once.
const MAX_USER_META: usize = 64 * 1024;

/// `add --json`.
#[derive(Serialize)]
struct AddReport {
    archive: String,
    created: bool,
    added: Vec<Added>,
    failed: Vec<Failed>,
}

#[derive(Clone, Serialize)]
struct Added {
    id: Digest,
    source: String,
    /// The capture entry's seq.
    entry: u64,
    size: u64,
    media_type: String,
    /// False when the same bytes were already archived.
    new: bool,
    text: TextOutcome,
}

#[derive(Clone, Serialize)]
struct Failed {
    source: String,
    error: String,
}

pub fn run(ctx: &Ctx, args: &AddArgs) -> Result<Exit> {
    let sources = collect_sources(args)?;
    let user = user_meta(args)?;
    let mut failed = Vec::new();
    // Inputs that cannot even be opened are reported before the archive is
    // touched, so that a mistyped path never creates an empty archive.
    let sources: Vec<SourceArg> = sources
        .into_iter()
        .filter(|s| match ingest::precheck(s) {
            Ok(()) => true,
            Err(e) => {
                report_failure(&mut failed, s, &e);
                false
            }
        })
        .collect();
    if sources.is_empty() {
        return Ok(Exit::PartialFailure);
    }
    let (archive, created) = Archive::open_or_init(&ctx.archive)?;
    if created {
        eprintln!("provenance: created a new archive in {}", ctx.archive.display());
    }
    let added = add_all(&archive, &sources, &user, &mut failed)?;
    print(ctx, created, &added, &failed)?;
    Ok(if failed.is_empty() {
        Exit::Success
    } else {
        Exit::PartialFailure
    })
}

fn report_failure(failed: &mut Vec<Failed>, source: &SourceArg, err: &Error) {
    eprintln!("provenance: {err}");
    failed.push(Failed {
        source: source.label(),
        error: err.to_string(),
    });
}

/// Stores and analyses every source, then appends all their entries in
/// one write: the batch is acknowledged as a whole.
fn add_all(
    archive: &Archive,
    sources: &[SourceArg],
    user: &UserMeta,
    failed: &mut Vec<Failed>,
) -> Result<Vec<Added>> {
    let lock = archive.lock(LockMode::Exclusive)?;
    let mut append = archive.log().begin(&lock)?;
    let mut added = Vec::new();
    for source in sources {
        let (ingested, text) = match ingest_and_analyse(archive.store(), source, user) {
            Ok(done) => done,
            Err(e) => {
                report_failure(failed, source, &e);
                continue;
            }
        };
        let capture = ingested.capture;
        let seq = append.push(Body::Capture(capture.clone()));
        append.push(Body::Analysis(Analysis {
            capture: seq,
            sha256: capture.sha256,
            analyser: text::analyser(),
            decoded: None,
            text: Some(text.clone()),
        }));
        added.push(Added {
            id: capture.sha256,
            source: source.label(),
            entry: seq,
            size: capture.size,
            media_type: capture.media_type,
            new: ingested.stored.new,
            text,
        });
    }
    append.commit()?;
    Ok(added)
}

fn ingest_and_analyse(
    store: &dyn BlobStore,
    source: &SourceArg,
    user: &UserMeta,
) -> Result<(Ingested, TextOutcome)> {
    let ingested = ingest::ingest(store, source, user)?;
    let text = text::extract(store, &ingested.stored.digest, &ingested.capture.media_type)?;
    Ok((ingested, text))
}

fn print(ctx: &Ctx, created: bool, added: &[Added], failed: &[Failed]) -> Result<()> {
    let mut out = ctx.out();
    if ctx.json {
        out.json(&AddReport {
            archive: ctx.archive.display().to_string(),
            created,
            added: added.to_vec(),
            failed: failed.to_vec(),
        })?;
    } else {
        // `sha256sum` style, so the IDs can be piped on.
        for a in added {
            out.line(format!("{}  {}", a.id, a.source))?;
        }
    }
    out.finish()?;
    let new = added.iter().filter(|a| a.new).count();
    eprintln!(
        "provenance: archived {} ({new} new, {} already stored){}",
        count(added.len() as u64, "document", "documents"),
        added.len() - new,
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} failed", failed.len())
        }
    );
    Ok(())
}

fn collect_sources(args: &AddArgs) -> Result<Vec<SourceArg>> {
    let mut sources: Vec<SourceArg> = args.sources.iter().map(SourceArg::parse).collect();
    let list_on_stdin = args.from.as_deref() == Some(Path::new("-"));
    if let Some(list) = &args.from {
        sources.extend(read_list(list)?);
    }
    if sources.is_empty() {
        return Err(Error::Usage(
            "nothing to add: name files, `-` for standard input, or --from FILE".into(),
        ));
    }
    let stdin_uses = sources.iter().filter(|s| **s == SourceArg::Stdin).count() + usize::from(list_on_stdin);
    if stdin_uses > 1 {
        return Err(Error::Usage("standard input can be read only once".into()));
    }
    Ok(sources)
}

/// One source a line; blank lines and `#` comments are skipped; relative
/// paths are relative to the current directory, as on the command line.
fn read_list(list: &Path) -> Result<Vec<SourceArg>> {
    let mut text = String::new();
    if list == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .at("standard input", "read the list of sources from")?;
    } else {
        let bytes = std::fs::read(list).at(list, "read the list of sources")?;
        text = String::from_utf8(bytes)
            .map_err(|_| Error::source(list.display(), "the list of sources is not UTF-8 text"))?;
    }
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(SourceArg::parse)
        .collect())
}

fn user_meta(args: &AddArgs) -> Result<UserMeta> {
    let mut meta = BTreeMap::new();
    for (k, v) in &args.meta {
        if meta.insert(k.clone(), v.clone()).is_some() {
            return Err(Error::Usage(format!("--meta {k} is given twice")));
        }
    }
    let size = args.title.as_ref().map_or(0, String::len)
        + args.note.as_ref().map_or(0, String::len)
        + meta.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    if size > MAX_USER_META {
        return Err(Error::Usage(format!(
            "--title, --note and --meta hold {size} bytes together; at most {MAX_USER_META} are kept in an entry"
        )));
    }
    if let Some(m) = &args.media_type
        && (!m.contains('/') || m.contains(char::is_whitespace))
    {
        return Err(Error::Usage(format!(
            "--media-type '{m}' is not a media type like text/html"
        )));
    }
    Ok(UserMeta {
        title: args.title.clone(),
        note: args.note.clone(),
        meta,
        media_type: args.media_type.clone(),
    })
}
