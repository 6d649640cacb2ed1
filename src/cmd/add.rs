use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::{Archive, LockMode};
use crate::catalog;
use crate::cli::AddArgs;
use crate::entry::{Body, DecodeOutcome, SourcesOutcome, TextOutcome};
use crate::error::{Error, IoContext, Result};
use crate::extract;
use crate::fetch::{self, FetchConfig, Fetched, Fetcher};
use crate::hash::Digest;
use crate::ingest::{self, Ingested, SourceArg, UserMeta};
use crate::log::Append;
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
    /// For a URL: the HTTP status of the answer archived.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    /// For a URL: true when its previous capture had the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    unchanged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<DecodeOutcome>,
    text: TextOutcome,
    sources: SourcesOutcome,
}

#[derive(Clone, Serialize)]
struct Failed {
    source: String,
    error: String,
}

pub fn run(ctx: &Ctx, args: &AddArgs) -> Result<Exit> {
    let sources = collect_sources(args)?;
    let user = user_meta(args)?;
    let fetcher = fetcher(args, &sources)?;
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
    let mut batch = Batch {
        max_decoded: args.fetch.max_decoded_size,
        added: Vec::new(),
        failed,
    };
    add_all(&archive, &sources, &user, fetcher.as_ref(), &mut batch)?;
    print(ctx, created, &batch)?;
    Ok(if batch.failed.is_empty() {
        Exit::Success
    } else {
        Exit::PartialFailure
    })
}

/// The fetcher, built only when there are URLs to fetch.
fn fetcher(args: &AddArgs, sources: &[SourceArg]) -> Result<Option<Fetcher>> {
    if !sources.iter().any(|s| matches!(s, SourceArg::Url(_))) {
        return Ok(None);
    }
    let f = &args.fetch;
    let seconds = |s: f64, flag: &str| {
        Duration::try_from_secs_f64(s)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Error::Usage(format!("{flag} {s}: give a positive number of seconds")))
    };
    Fetcher::new(FetchConfig {
        user_agent: f
            .user_agent
            .clone()
            .unwrap_or_else(FetchConfig::default_user_agent),
        connect_timeout: seconds(f.connect_timeout, "--connect-timeout")?,
        read_timeout: seconds(f.timeout, "--timeout")?,
        max_size: f.max_size,
        keep_errors: f.keep_errors,
        jobs: f.jobs as usize,
        per_host: f.per_host as usize,
        ca_certs: f.ca_cert.clone(),
    })
    .map(Some)
}

fn report_failure(failed: &mut Vec<Failed>, source: &SourceArg, err: &Error) {
    eprintln!("provenance: {err}");
    failed.push(Failed {
        source: source.label(),
        error: err.to_string(),
    });
}

/// What one `add` has done so far.
struct Batch {
    max_decoded: u64,
    added: Vec<Added>,
    failed: Vec<Failed>,
}

impl Batch {
    /// Analyses a stored capture and appends its entries.
    fn record(
        &mut self,
        store: &dyn BlobStore,
        append: &mut Append<'_>,
        source: &SourceArg,
        ingested: Ingested,
        previous: Option<Digest>,
    ) -> Result<()> {
        let capture = ingested.capture;
        let analysed = extract::analyse(store, &capture, self.max_decoded)?;
        if let Some(DecodeOutcome::Failed { reason, .. }) = &analysed.decoded {
            eprintln!(
                "provenance: warning: {}: archived as sent, but {reason}",
                source.label()
            );
        }
        let seq = append.push(Body::Capture(capture.clone()));
        append.push(Body::Analysis(analysed.text_entry(seq, capture.sha256)));
        append.push(Body::Analysis(analysed.sources_entry(seq, capture.sha256)));
        let is_url = matches!(source, SourceArg::Url(_));
        self.added.push(Added {
            id: capture.sha256,
            source: source.label(),
            entry: seq,
            size: capture.size,
            media_type: capture.media_type,
            new: ingested.stored.new,
            status: capture.source.http().map(|r| r.status),
            unchanged: is_url.then(|| previous == Some(capture.sha256)),
            decoded: analysed.decoded,
            text: analysed.text,
            sources: analysed.sources,
        });
        Ok(())
    }

    fn fail(&mut self, source: &SourceArg, err: &Error) {
        report_failure(&mut self.failed, source, err);
    }
}

/// Stores and analyses every source, then appends all their entries in
/// one write: the batch is acknowledged as a whole.
fn add_all(
    archive: &Archive,
    sources: &[SourceArg],
    user: &UserMeta,
    fetcher: Option<&Fetcher>,
    batch: &mut Batch,
) -> Result<()> {
    let lock = archive.lock(LockMode::Exclusive)?;
    let mut append = archive.log().begin(&lock, archive.store())?;
    let store = archive.store();
    let (urls, others): (Vec<&SourceArg>, Vec<&SourceArg>) =
        sources.iter().partition(|s| matches!(s, SourceArg::Url(_)));
    for source in others {
        match ingest::ingest(store, source, user) {
            Ok(ingested) => batch.record(store, &mut append, source, ingested, None)?,
            Err(e) => batch.fail(source, &e),
        }
    }
    if let Some(fetcher) = fetcher {
        fetch_urls(archive, fetcher, &urls, user, &mut append, batch)?;
    }
    append.commit()?;
    Ok(())
}

fn fetch_urls(
    archive: &Archive,
    fetcher: &Fetcher,
    urls: &[&SourceArg],
    user: &UserMeta,
    append: &mut Append<'_>,
    batch: &mut Batch,
) -> Result<()> {
    let list: Vec<String> = urls.iter().map(|s| s.label()).collect();
    let previous = catalog::latest_by_url(archive.log(), &list)?;
    let store = archive.store();
    let mut progress = Progress::new(list.len());
    let mut store_error = None;
    fetcher.fetch_all(&list, store, |i, outcome| {
        let source = urls[i];
        progress.step(&list[i], &outcome);
        let recorded = outcome.and_then(|fetched| {
            let ingested = ingest::from_fetch(fetched, user);
            batch.record(store, append, source, ingested, previous.get(&list[i]).copied())
        });
        match recorded {
            Ok(()) => {}
            Err(e @ Error::Source { .. }) => progress.suspend(|| batch.fail(source, &e)),
            // The archive itself failed: stop taking results in.
            Err(e) => {
                if store_error.is_none() {
                    store_error = Some(e);
                }
            }
        }
    })?;
    progress.finish();
    store_error.map_or(Ok(()), Err)
}

/// A progress bar for people, plain lines for logs; nothing for one URL.
struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = (total > 1 && fetch::stderr_is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, total, done: 0 }
    }

    fn step(&mut self, url: &str, outcome: &Result<Fetched>) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(url.to_string());
                bar.inc(1);
            }
            None if self.total > 1 => {
                if let Ok(f) = outcome {
                    eprintln!(
                        "provenance: [{}/{}] fetched {url}: {} {} bytes",
                        self.done, self.total, f.source.response.status, f.stored.size
                    );
                }
            }
            None => {}
        }
    }

    /// Runs `print` with the bar out of the way, so that a line written to
    /// stderr does not tear it.
    fn suspend(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print(ctx: &Ctx, created: bool, batch: &Batch) -> Result<()> {
    let (added, failed) = (&batch.added, &batch.failed);
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
    // One source that failed: its error line says it all.
    if added.is_empty() && failed.len() == 1 {
        return Ok(());
    }
    let new = added.iter().filter(|a| a.new).count();
    let unchanged = added.iter().filter(|a| a.unchanged == Some(true)).count();
    let any_url = added.iter().any(|a| a.unchanged.is_some());
    eprintln!(
        "provenance: archived {} ({new} new, {} already stored){}{}",
        count(added.len() as u64, "document", "documents"),
        added.len() - new,
        if any_url {
            format!(", {unchanged} unchanged since the last capture")
        } else {
            String::new()
        },
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
