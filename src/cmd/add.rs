use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::{Archive, LockMode};
use crate::cli::AddArgs;
use crate::entry::{Body, DecodeOutcome, SourcesOutcome, TextOutcome};
use crate::error::{Error, IoContext, Result};
use crate::extract::{self, Analysed};
use crate::fetch::{self, FetchConfig, Fetched, Fetcher};
use crate::hash::Digest;
use crate::index::Index;
use crate::ingest::{self, Ingested, SourceArg, UserMeta};
use crate::log::Append;
use crate::output::count;
use crate::store::BlobStore;

/// The most bytes of user metadata one capture may carry: entries stay
/// small lines that any tool reads at once.
const MAX_USER_META: usize = 64 * 1024;

/// How many threads analyse local files (default: one per core); 1 reads
/// and analyses each file in turn on one thread.
pub const THREADS_VAR: &str = "PROVENANCE_ANALYSIS_THREADS";

/// Files read in ahead of the analysis, per analysis thread: enough to keep
/// every thread busy, few enough that results waiting for their turn stay
/// small.
const READ_AHEAD: usize = 4;

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
        Index::start(&archive);
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
        let analysed = extract::analyse(store, &ingested.capture, self.max_decoded)?;
        self.push(append, source, ingested, previous, analysed);
        Ok(())
    }

    /// Appends the entries of a capture and its analyses.
    fn push(
        &mut self,
        append: &mut Append<'_>,
        source: &SourceArg,
        ingested: Ingested,
        previous: Option<Digest>,
        analysed: Analysed,
    ) {
        let capture = ingested.capture;
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
    let (urls, others): (Vec<&SourceArg>, Vec<&SourceArg>) =
        sources.iter().partition(|s| matches!(s, SourceArg::Url(_)));
    add_local(archive.store(), &others, user, &mut append, batch)?;
    if let Some(fetcher) = fetcher {
        fetch_urls(archive, fetcher, &urls, user, &mut append, batch)?;
    }
    Index::commit(archive, append)?;
    Ok(())
}

/// One local source read into the store, on its way to the analysis.
struct Job<'s> {
    index: usize,
    source: &'s SourceArg,
    ingested: Ingested,
}

/// What became of the source at some index of the list.
enum Outcome<'s> {
    Unread(&'s SourceArg, Error),
    Analysed(Box<(Job<'s>, Result<Analysed>)>),
}

/// Files and standard input: read into the store on this thread, in
/// order, while worker threads analyse the ones read before; their
/// entries are appended in input order, so the log is the same whatever
/// the number of threads.
fn add_local(
    store: &dyn BlobStore,
    sources: &[&SourceArg],
    user: &UserMeta,
    append: &mut Append<'_>,
    batch: &mut Batch,
) -> Result<()> {
    let threads = analysis_threads()?;
    if threads < 2 || sources.len() < 2 {
        for &source in sources {
            match ingest::ingest(store, source, user) {
                Ok(ingested) => batch.record(store, append, source, ingested, None)?,
                Err(e) => batch.fail(source, &e),
            }
        }
        return Ok(());
    }
    let max_decoded = batch.max_decoded;
    let (jobs, queue) = mpsc::sync_channel::<Job<'_>>(threads * READ_AHEAD);
    let (done, results) = mpsc::channel();
    let queue = Mutex::new(queue);
    thread::scope(|scope| {
        for _ in 0..threads {
            let (queue, done) = (&queue, done.clone());
            scope.spawn(move || analyse_queued(store, queue, &done, max_decoded));
        }
        drop(done);
        let mut in_order = InOrder::default();
        for (index, &source) in sources.iter().enumerate() {
            match ingest::ingest(store, source, user) {
                Ok(ingested) => {
                    // The workers end only when `jobs` is dropped.
                    let _ = jobs.send(Job {
                        index,
                        source,
                        ingested,
                    });
                }
                Err(e) => in_order.put(index, Outcome::Unread(source, e)),
            }
            while let Ok((index, outcome)) = results.try_recv() {
                in_order.put(index, outcome);
            }
            in_order.take_ready(append, batch)?;
        }
        drop(jobs);
        for (index, outcome) in results {
            in_order.put(index, outcome);
        }
        in_order.take_ready(append, batch)
    })
}

/// A worker: analyses what it is handed until the queue closes.
fn analyse_queued<'s>(
    store: &dyn BlobStore,
    queue: &Mutex<Receiver<Job<'s>>>,
    done: &Sender<(usize, Outcome<'s>)>,
    max_decoded: u64,
) {
    loop {
        // A worker that panicked left the queue as it was.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        let analysed = extract::analyse(store, &job.ingested.capture, max_decoded);
        let index = job.index;
        if done
            .send((index, Outcome::Analysed(Box::new((job, analysed)))))
            .is_err()
        {
            return;
        }
    }
}

/// Outcomes that arrive in any order, taken in the order of the list.
#[derive(Default)]
struct InOrder<'s> {
    next: usize,
    waiting: BTreeMap<usize, Outcome<'s>>,
}

impl<'s> InOrder<'s> {
    fn put(&mut self, index: usize, outcome: Outcome<'s>) {
        self.waiting.insert(index, outcome);
    }

    /// Records every outcome whose turn has come.
    fn take_ready(&mut self, append: &mut Append<'_>, batch: &mut Batch) -> Result<()> {
        while let Some(outcome) = self.waiting.remove(&self.next) {
            self.next += 1;
            match outcome {
                Outcome::Unread(source, e) => batch.fail(source, &e),
                Outcome::Analysed(done) => {
                    let (job, analysed) = *done;
                    batch.push(append, job.source, job.ingested, None, analysed?);
                }
            }
        }
        Ok(())
    }
}

/// The analysis threads: [`THREADS_VAR`], or one per core.
fn analysis_threads() -> Result<usize> {
    match std::env::var(THREADS_VAR) {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Error::Usage(format!("{THREADS_VAR}={v}: give a positive number of threads"))),
        Err(_) => Ok(thread::available_parallelism().map_or(1, |n| n.get())),
    }
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
    let previous = Index::latest_by_url(archive, &list)?;
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
