//! Verification: every entry of the log and every blob, the Merkle tree,
//! the checkpoints and their timestamp tokens, each problem a finding
//! that names what it is about; and repair, which removes only what an
//! interrupted command left unfinished.

pub mod bag;
mod index;
mod tlog;

pub use tlog::{Options, quick};

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::archive::{Archive, LockMode};
use crate::entry::{Body, DecodeOutcome, Entry, EntryHeader, Head, SourcesOutcome, TextOutcome};
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::log::Line;
use crate::store::{BlobStore, Inventory, read_dir_sorted};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// What kind of problem a finding reports; stable names for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    BlobChanged,
    BlobMissing,
    BlobUnreferenced,
    StrayFile,
    TempLeftover,
    EntryMalformed,
    EntryUnknownKind,
    EntryChanged,
    EntrySequence,
    EntryDangling,
    LogShortened,
    UnfinishedTail,
    TornLine,
    HeadInvalid,
    /// The derived tree file is behind the log or disagrees with it.
    TreeStale,
    /// The tree file holds more leaves than the log has entries.
    TreeAhead,
    /// The index is behind the log (an interrupted command) or of
    /// another version: it is brought up to date when next used.
    IndexStale,
    /// The index file is not a readable SQLite database, or fails its own
    /// integrity check.
    IndexDamaged,
    /// The index holds what the log does not say.
    IndexMismatch,
    KeyInvalid,
    CheckpointMalformed,
    /// Signed by a key other than the archive's.
    CheckpointUnknownKey,
    /// The archive's key, but a signature that does not verify.
    CheckpointForged,
    /// Another archive's checkpoint.
    CheckpointForeign,
    /// A checkpoint covers more entries than the log has.
    LogRolledBack,
    /// The log's first entries no longer hash to a checkpoint's root.
    HistoryRewritten,
    TimestampMalformed,
    /// A token over other bytes than its checkpoint's.
    TimestampMismatch,
    /// A token whose signature does not verify.
    TimestampForged,
    /// A token whose TSA does not chain to a CA given with --tsa-ca.
    TimestampUntrusted,
    /// A token checked for its imprint only, no CA being given.
    TimestampUnchecked,
    /// A token with no checkpoint beside it.
    TimestampOrphan,
    /// `verify --bag`: no bagit.txt declaring BagIt in UTF-8, or no data/.
    BagNotABag,
    /// A payload or tag manifest missing, or with a line that is not a
    /// checksum and a safe path, or one path twice.
    BagManifestMalformed,
    /// A payload file whose bytes disagree with a manifest.
    BagPayloadChanged,
    /// A payload file a manifest lists that is not there.
    BagPayloadMissing,
    /// A payload file that a manifest does not list.
    BagPayloadUnlisted,
    /// Payload-Oxum missing, malformed, or not what data/ holds.
    BagOxum,
    /// A tag file whose bytes disagree with a tag manifest.
    BagTagChanged,
    /// A tag file listed, or one every provenance bag has, not there.
    BagTagMissing,
    /// A file outside data/ that a tag manifest does not list, so that
    /// the signature does not cover it.
    BagTagUnlisted,
    /// provenance/key.pub is not a verifier key.
    BagKeyInvalid,
    /// No signature over the tag manifests.
    BagSignatureMissing,
    /// The signature over the tag manifests does not hold.
    BagSignatureInvalid,
    /// The bag's log is not a chain of entries.
    BagLogBroken,
    /// The bag's checkpoint is malformed, of another archive, or not
    /// validly signed by the key.
    BagCheckpointInvalid,
    /// The bag's log does not hash to its checkpoint's root.
    BagCheckpointMismatch,
    /// A payload file whose bytes no capture in the bag's log names.
    BagDocumentUnknown,
    /// A payload document captured only after the bag's checkpoint.
    BagDocumentUncheckpointed,
}

impl Problem {
    fn severity(self) -> Severity {
        match self {
            Problem::BlobUnreferenced
            | Problem::StrayFile
            | Problem::TempLeftover
            | Problem::EntryUnknownKind
            | Problem::TreeStale
            | Problem::IndexStale
            | Problem::TimestampUnchecked
            | Problem::TimestampOrphan
            | Problem::BagDocumentUncheckpointed => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Left by an interrupted write, removable without losing anything
    /// that was acknowledged.
    fn is_unfinished_write(self) -> bool {
        matches!(
            self,
            Problem::UnfinishedTail | Problem::TornLine | Problem::TempLeftover
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
    /// The entry's `seq`, where the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// The 1-based line of log.jsonl, where the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

impl Finding {
    fn new(problem: Problem, message: String) -> Finding {
        Finding {
            severity: problem.severity(),
            problem,
            entry: None,
            line: None,
            blob: None,
            path: None,
            message,
        }
    }

    fn entry(mut self, seq: u64) -> Finding {
        self.entry = Some(seq);
        self
    }

    fn line(mut self, line: u64) -> Finding {
        self.line = Some(line);
        self
    }

    fn blob(mut self, digest: Digest) -> Finding {
        self.blob = Some(digest);
        self
    }

    fn path(mut self, path: &Path) -> Finding {
        self.path = Some(path.display().to_string());
        self
    }
}

/// The outcome of `verify`, printed as is by `verify --json`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// True when no finding is an error.
    pub ok: bool,
    /// True for `--quick`: only the given checkpoints were checked, by
    /// consistency proofs, not the entries and blobs.
    pub quick: bool,
    pub entries: u64,
    pub captures: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Checkpoints checked: those kept in the archive and those given.
    pub checkpoints: u64,
    /// Timestamp tokens checked.
    pub timestamps: u64,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}

/// Verifies the whole archive.
pub fn verify(archive: &Archive, options: &Options) -> Result<Report> {
    let stored = tlog::Stored::read(archive, options)?;
    // A writer appends and then moves the head; reading both under the
    // shared lock sees them agree, and the tree file with them. The blobs
    // are listed under it too, so that none the log names is missed.
    let lock = archive.lock(LockMode::Shared)?;
    let store = archive.store();
    let inventory = store.inventory()?;
    // The blobs are re-hashed while the log is read: on a large archive
    // each takes seconds, and neither needs the other's result.
    // The index is checked at the same time: SQLite's and FTS5's own
    // checks read the whole file.
    let (scanned, hashed, indexed) = std::thread::scope(|s| {
        let hashing = s.spawn(|| rehash_all(store, &inventory.blobs, options.jobs));
        let indexing = s.spawn(|| {
            let mut found = Vec::new();
            index::check(archive, options.index_integrity, &mut found).map(|()| found)
        });
        let scanned = scan_log(archive, &stored.sizes())
            .map(|scan| (scan, crate::tree::TreeFile::open(archive.log().tree_path())));
        drop(lock);
        (scanned, join(hashing), join(indexing))
    });
    let (mut scan, tree) = scanned?;
    let mut findings = std::mem::take(&mut scan.findings);
    let blobs = check_blobs(store, inventory, hashed, &scan, &mut findings)?;
    check_strays(archive, &mut findings)?;
    // A damaged log explains any disagreement: the index's findings count
    // only against a log that holds.
    let indexed = indexed?;
    if findings.iter().all(|f| f.severity != Severity::Error) {
        findings.extend(indexed);
    }
    let counts = tlog::check(archive, options, &stored, &scan.roots, tree, &mut findings)?;
    findings.sort_by_key(|f| (f.line.is_none(), f.line, f.severity == Severity::Warning));
    Ok(Report {
        ok: findings.iter().all(|f| f.severity != Severity::Error),
        quick: false,
        entries: scan.entries,
        captures: scan.captures,
        blobs: blobs.count,
        blob_bytes: blobs.bytes,
        checkpoints: counts.checkpoints,
        timestamps: counts.timestamps,
        findings,
    })
}

/// A thread's result. A panic is a bug, not a finding: it goes on as one.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// What `verify --repair` did.
#[derive(Debug, Serialize)]
pub struct Repair {
    /// Bytes removed from the end of the log.
    pub log_bytes_removed: u64,
    /// Complete but unacknowledged entries among them.
    pub entries_removed: u64,
    pub temp_files_removed: Vec<String>,
    /// The tree file was rebuilt from the log, having been behind it or
    /// having disagreed with it.
    pub tree_rebuilt: bool,
    /// The index was rebuilt, having been damaged or having disagreed
    /// with the log (one merely behind catches up when next used).
    pub index_rebuilt: bool,
    /// The index was behind the log and was brought up to it.
    pub index_caught_up: bool,
}

/// Removes what interrupted commands left: the log's unfinished tail and
/// temporary files. Refuses, changing nothing, when the log is damaged in
/// a way that removing a tail cannot mend.
pub fn repair(archive: &Archive) -> Result<Repair> {
    let lock = archive.lock(LockMode::Exclusive)?;
    let scan = scan_log(archive, &Default::default())?;
    if let Some(f) = scan
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error && !f.problem.is_unfinished_write())
    {
        return Err(Error::bad_archive(
            archive.root(),
            format!(
                "cannot repair: {}; repair only removes what an interrupted command left, and changed nothing",
                f.message
            ),
        ));
    }
    let log_len = archive.log().byte_len()?;
    let mut out = Repair {
        log_bytes_removed: 0,
        entries_removed: scan.tail_entries,
        temp_files_removed: Vec::new(),
        tree_rebuilt: false,
        index_rebuilt: false,
        index_caught_up: false,
    };
    if let Some(head) = &scan.head
        && log_len > head.log_bytes
    {
        archive.log().truncate_to_head(&lock, head)?;
        out.log_bytes_removed = log_len - head.log_bytes;
    }
    // With the exclusive lock held, no other command is writing, so every
    // temporary file is an orphan.
    for path in read_dir_sorted(&archive.tmp_dir())? {
        fs::remove_file(&path).map_err(|e| Error::io(&path, "remove", e))?;
        out.temp_files_removed.push(path.display().to_string());
    }
    out.tree_rebuilt = tlog::repair_tree(archive, &lock, &scan.roots, scan.tail_entries)?;
    let mut index_findings = Vec::new();
    index::check(archive, true, &mut index_findings)?;
    if index_findings.iter().any(|f| f.severity == Severity::Error) {
        crate::index::Index::rebuild(archive)?;
        out.index_rebuilt = true;
    } else if !index_findings.is_empty() {
        // Behind, or of another version: what opening it mends.
        crate::index::Index::open(archive)?;
        out.index_caught_up = true;
    }
    Ok(out)
}

struct LogScan {
    findings: Vec<Finding>,
    /// The Merkle roots of the acknowledged log at the sizes asked for.
    roots: tlog::Roots,
    /// Blob → the first entry that references it.
    referenced: HashMap<Digest, u64>,
    /// Blob → the size its capture entries record.
    sizes: HashMap<Digest, (u64, u64)>,
    entries: u64,
    captures: u64,
    /// The head, when it is readable.
    head: Option<Head>,
    /// Complete entries past the head.
    tail_entries: u64,
}

fn scan_log(archive: &Archive, sizes: &std::collections::BTreeSet<u64>) -> Result<LogScan> {
    let log = archive.log();
    let head = log.head();
    let acked = head.as_ref().map_or(u64::MAX, |h| h.log_bytes);
    let mut lines = log.raw_lines()?;
    let mut roots = tlog::Roots::new(sizes.clone(), log.tree_path());
    let mut scan = LogScan {
        roots: tlog::Roots::default(),
        findings: Vec::new(),
        referenced: HashMap::new(),
        sizes: HashMap::new(),
        entries: 0,
        captures: 0,
        head: None,
        tail_entries: 0,
    };
    let mut chain = ChainCheck::default();
    let mut captures: HashMap<u64, Digest> = HashMap::new();
    while let Some(line) = lines.next_line().map_err(|e| Error::io(log.path(), "read", e))? {
        if !line.complete {
            chain.torn = Some((line.offset, line.len));
            break;
        }
        chain.push(&line, &mut scan.findings);
        if line.end() <= acked {
            roots.push(line.leaf);
        }
        scan.entries += 1;
        if let Ok(entry) = line.parse() {
            note_references(&entry, &chain, &mut captures, &mut scan);
        }
    }
    match head {
        Ok(head) => {
            chain.check_head(&head, log.byte_len()?, &mut scan.findings);
            scan.tail_entries = chain.tail_entries;
            scan.head = Some(head);
        }
        Err(e) => {
            scan.findings.push(
                Finding::new(
                    Problem::HeadInvalid,
                    format!("{e}: the log's recorded end is unknown"),
                )
                .path(log.head_path()),
            );
            if let Some((offset, len)) = chain.torn {
                scan.findings.push(torn_finding(offset, len, chain.lines + 1));
            }
        }
    }
    chain.report_breaks(&mut scan.findings);
    scan.roots = roots;
    Ok(scan)
}

fn note_references(
    entry: &crate::entry::Entry,
    chain: &ChainCheck,
    captures: &mut HashMap<u64, Digest>,
    scan: &mut LogScan,
) {
    let seq = entry.seq;
    match &entry.body {
        Body::Capture(c) => {
            scan.captures += 1;
            captures.insert(seq, c.sha256);
            scan.referenced.entry(c.sha256).or_insert(seq);
            scan.sizes.entry(c.sha256).or_insert((c.size, seq));
        }
        Body::Analysis(a) => {
            if captures.get(&a.capture) != Some(&a.sha256) {
                scan.findings.push(
                    Finding::new(
                        Problem::EntryDangling,
                        format!(
                            "entry {seq}: analysis refers to capture {} of {}, which no earlier entry is",
                            a.capture, a.sha256
                        ),
                    )
                    .entry(seq)
                    .line(chain.lines),
                );
            }
            if let Some(TextOutcome::Extracted { sha256, .. }) = &a.text {
                scan.referenced.entry(*sha256).or_insert(seq);
            }
            if let Some(DecodeOutcome::Decoded { sha256, .. }) = &a.decoded {
                scan.referenced.entry(*sha256).or_insert(seq);
            }
            if let Some(SourcesOutcome::Extracted { sha256, .. }) = &a.sources {
                scan.referenced.entry(*sha256).or_insert(seq);
            }
        }
        Body::Init(_) | Body::Unknown => {}
    }
}

/// Sequence numbers and links, line by line.
#[derive(Default)]
struct ChainCheck {
    /// Complete lines seen.
    lines: u64,
    expected_seq: u64,
    prev: Option<Digest>,
    /// Per line: its seq (when readable), digest and end offset.
    seqs: Vec<Option<u64>>,
    digests: Vec<Digest>,
    ends: Vec<u64>,
    /// 0-based lines whose link to the line before does not match, the
    /// seqs being in order; `lines` stands for the head's link.
    breaks: Vec<u64>,
    torn: Option<(u64, u64)>,
    tail_entries: u64,
}

impl ChainCheck {
    fn push(&mut self, line: &Line, findings: &mut Vec<Finding>) {
        let idx = self.lines;
        let line_no = idx + 1;
        self.lines += 1;
        let header = if line.len as usize > line.bytes.len() {
            Err("longer than any entry could be".to_string())
        } else {
            serde_json::from_slice::<EntryHeader>(&line.bytes).map_err(|e| e.to_string())
        };
        let seq = match header {
            Err(reason) => {
                findings.push(
                    Finding::new(
                        Problem::EntryMalformed,
                        format!("line {line_no}: not a log entry ({reason})"),
                    )
                    .line(line_no),
                );
                self.expected_seq += 1;
                None
            }
            Ok(h) => {
                self.check_sequence(&h, line_no, findings);
                match line.parse() {
                    Err(reason) => findings.push(
                        Finding::new(Problem::EntryMalformed, format!("entry {}: {reason}", h.seq))
                            .entry(h.seq)
                            .line(line_no),
                    ),
                    Ok(Entry { body: Body::Unknown, .. }) => findings.push(
                        Finding::new(
                            Problem::EntryUnknownKind,
                            format!(
                                "entry {}: kind '{}' is unknown to this version of provenance; its chain was checked, its contents were not",
                                h.seq, h.kind
                            ),
                        )
                        .entry(h.seq)
                        .line(line_no),
                    ),
                    Ok(_) => {}
                }
                Some(h.seq)
            }
        };
        self.prev = Some(line.digest);
        self.seqs.push(seq);
        self.digests.push(line.digest);
        self.ends.push(line.end());
    }

    fn check_sequence(&mut self, h: &EntryHeader, line_no: u64, findings: &mut Vec<Finding>) {
        let expected = self.expected_seq;
        self.expected_seq = h.seq + 1;
        if h.seq == expected {
            if h.prev != self.prev {
                self.breaks.push(line_no - 1);
            }
            return;
        }
        let message = if h.seq > expected {
            let missing = if h.seq == expected + 1 {
                format!("entry {expected} is missing")
            } else {
                format!("entries {expected} to {} are missing", h.seq - 1)
            };
            format!(
                "line {line_no}: {missing} before entry {}: entries were deleted or reordered",
                h.seq
            )
        } else {
            format!(
                "line {line_no}: entry {} comes after entry {}: entries were inserted, duplicated or reordered",
                h.seq,
                expected.saturating_sub(1)
            )
        };
        findings.push(
            Finding::new(Problem::EntrySequence, message)
                .entry(h.seq)
                .line(line_no),
        );
    }

    /// Compares the log with its head: the head's entry count, length and
    /// last hash must match a line boundary; anything past it is the
    /// unfinished tail of an interrupted command.
    fn check_head(&mut self, head: &Head, log_len: u64, findings: &mut Vec<Finding>) {
        let boundary = if head.entries == 0 {
            (head.log_bytes == 0).then_some(0)
        } else {
            let k = head.entries - 1;
            let idx = k as usize;
            (idx < self.ends.len()
                && self.ends[idx] == head.log_bytes
                && Some(self.digests[idx]) == head.last_entry)
                .then_some(head.entries)
        };
        match boundary {
            Some(acked) => self.report_tail(acked, findings),
            None => self.report_head_mismatch(head, log_len, findings),
        }
    }

    fn report_tail(&mut self, acked: u64, findings: &mut Vec<Finding>) {
        self.tail_entries = self.lines - acked;
        if self.tail_entries > 0 {
            let first = acked;
            let last = self.lines - 1;
            let which = if first == last {
                format!("entry {first} follows")
            } else {
                format!("entries {first} to {last} follow")
            };
            findings.push(
                Finding::new(
                    Problem::UnfinishedTail,
                    format!(
                        "{which} the last completed command: left by an interrupted command (or appended by hand); `provenance verify --repair` removes them"
                    ),
                )
                .entry(first)
                .line(first + 1),
            );
        }
        if let Some((offset, len)) = self.torn {
            findings.push(torn_finding(offset, len, self.lines + 1));
        }
    }

    /// The log does not end where the head says. Finds the line holding the
    /// last entry the head records, by its seq, and compares its hash; what
    /// edits in the middle did to the length is explained by the chain.
    fn report_head_mismatch(&mut self, head: &Head, log_len: u64, findings: &mut Vec<Finding>) {
        let explained = !findings.is_empty() || !self.breaks.is_empty();
        let last = head.entries.checked_sub(1);
        let holder = last.and_then(|l| self.seqs.iter().rposition(|s| *s == Some(l)));
        match (last, holder) {
            (Some(last), None) => findings.push(Finding::new(
                Problem::LogShortened,
                format!(
                    "entry {last}, the last the head records, is not in the log: entries were deleted from the end, or the log rolled back"
                ),
            )),
            (Some(_), Some(idx)) if Some(self.digests[idx]) != head.last_entry => {
                // The head links to its last entry as a next entry would.
                self.breaks.push(idx as u64 + 1);
            }
            _ if self.lines < head.entries => findings.push(Finding::new(
                Problem::LogShortened,
                format!(
                    "the log has {} entries but the head records {}: entries were deleted",
                    self.lines, head.entries
                ),
            )),
            _ if !explained && log_len < head.log_bytes => findings.push(Finding::new(
                Problem::LogShortened,
                format!(
                    "the log is {log_len} bytes but the head records {}: its end was cut off",
                    head.log_bytes
                ),
            )),
            _ if !explained => findings.push(Finding::new(
                Problem::EntryChanged,
                format!(
                    "the log's first {} entries do not end at byte {}, where the head records: an entry was changed",
                    head.entries, head.log_bytes
                ),
            )),
            _ => {}
        }
        if let Some((offset, len)) = self.torn {
            findings.push(torn_finding(offset, len, self.lines + 1));
        }
    }

    /// A link break between lines b-1 and b means line b-1 changed, unless
    /// line b's own link is broken too, in which case line b changed (its
    /// `prev` was edited, which changed its hash as well).
    fn report_breaks(&self, findings: &mut Vec<Finding>) {
        let breaks: HashSet<u64> = self.breaks.iter().copied().collect();
        let mut sorted = self.breaks.clone();
        sorted.sort_unstable();
        let mut skip = HashSet::new();
        for &b in &sorted {
            if skip.contains(&b) || b == 0 {
                continue;
            }
            let changed = if breaks.contains(&(b + 1)) {
                skip.insert(b + 1);
                b
            } else {
                b - 1
            };
            let seq = self
                .seqs
                .get(changed as usize)
                .copied()
                .flatten()
                .unwrap_or(changed);
            let witness = if changed + 1 >= self.lines {
                "the head records a different hash for it".to_string()
            } else {
                let next = self
                    .seqs
                    .get(changed as usize + 1)
                    .copied()
                    .flatten()
                    .unwrap_or(changed + 1);
                format!("entry {next} records a different hash for it")
            };
            findings.push(
                Finding::new(
                    Problem::EntryChanged,
                    format!("entry {seq} was changed after it was written: {witness}"),
                )
                .entry(seq)
                .line(changed + 1),
            );
        }
    }
}

fn torn_finding(offset: u64, len: u64, line_no: u64) -> Finding {
    Finding::new(
        Problem::TornLine,
        format!(
            "the log ends with an unfinished line ({len} bytes at byte {offset}): a write was interrupted; `provenance verify --repair` removes it"
        ),
    )
    .line(line_no)
}

struct BlobTotals {
    count: u64,
    bytes: u64,
}

/// Matches the re-hashed blobs against their names, and the store
/// against the references.
fn check_blobs(
    store: &dyn BlobStore,
    inventory: Inventory,
    results: Vec<Rehash>,
    scan: &LogScan,
    findings: &mut Vec<Finding>,
) -> Result<BlobTotals> {
    let (referenced, sizes) = (&scan.referenced, &scan.sizes);
    let present: HashSet<Digest> = inventory.blobs.iter().copied().collect();
    let mut totals = BlobTotals { count: 0, bytes: 0 };
    for (digest, outcome) in inventory.blobs.iter().zip(results) {
        totals.count += 1;
        let (actual, size) = outcome?;
        totals.bytes += size;
        let path = PathBuf::from(store.describe(digest));
        if actual != *digest {
            findings.push(
                Finding::new(
                    Problem::BlobChanged,
                    format!("blob {digest}: content changed: it now hashes to {actual}"),
                )
                .blob(*digest)
                .path(&path),
            );
        } else if let Some(&(recorded, seq)) = sizes.get(digest)
            && recorded != size
        {
            findings.push(
                Finding::new(
                    Problem::EntryMalformed,
                    format!("entry {seq}: records {recorded} bytes for blob {digest}, which holds {size}"),
                )
                .entry(seq)
                .blob(*digest),
            );
        }
        if !referenced.contains_key(digest) {
            findings.push(
                Finding::new(
                    Problem::BlobUnreferenced,
                    format!("blob {digest}: no entry refers to it (left by an interrupted command?)"),
                )
                .blob(*digest)
                .path(&path),
            );
        }
    }
    let mut missing: Vec<(&Digest, &u64)> = referenced.iter().filter(|(d, _)| !present.contains(d)).collect();
    missing.sort_by_key(|(_, seq)| **seq);
    for (digest, seq) in missing {
        findings.push(
            Finding::new(
                Problem::BlobMissing,
                format!("blob {digest}: missing (entry {seq} refers to it)"),
            )
            .blob(*digest)
            .entry(*seq)
            .path(Path::new(&store.describe(digest))),
        );
    }
    for path in inventory.strays {
        findings.push(
            Finding::new(
                Problem::StrayFile,
                format!("{}: not a blob of this archive", path.display()),
            )
            .path(&path),
        );
    }
    Ok(totals)
}

type Rehash = Result<(Digest, u64)>;

/// Re-hashes every blob on `jobs` threads (default: one a core), each
/// taking the next blob when it is done, so that one large blob does not
/// hold up the rest.
fn rehash_all(store: &dyn BlobStore, blobs: &[Digest], jobs: Option<usize>) -> Vec<Rehash> {
    let workers = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, blobs.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Rehash>>> = Mutex::new((0..blobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= blobs.len() {
                        break;
                    }
                    let outcome = store.open(&blobs[i]).and_then(|mut r| {
                        Digest::of_reader(&mut r)
                            .map_err(|e| Error::io(store.describe(&blobs[i]), "read blob", e))
                    });
                    results.lock().expect("no worker panics while holding it")[i] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every index is taken by one worker"))
        .collect()
}

fn check_strays(archive: &Archive, findings: &mut Vec<Finding>) -> Result<()> {
    for path in read_dir_sorted(&archive.tmp_dir())? {
        findings.push(
            Finding::new(
                Problem::TempLeftover,
                format!(
                    "{}: temporary file left by an interrupted command (or one still running); `provenance verify --repair` removes it",
                    path.display()
                ),
            )
            .path(&path),
        );
    }
    Ok(())
}

/// `verify FILE`: whether one file's exact bytes are archived.
#[derive(Debug, Serialize)]
pub struct FileCheck {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Digest>,
    pub archived: bool,
    /// Every capture of these bytes, oldest first.
    pub captures: Vec<Sighting>,
    /// Why the file could not be checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One capture of a document: when, and from where.
#[derive(Debug, Serialize)]
pub struct Sighting {
    pub entry: u64,
    pub retrieved: crate::time::Timestamp,
    pub source: crate::entry::Source,
}

/// Hashes each file and looks its bytes up in one pass over the log.
pub fn check_files(archive: &Archive, files: &[PathBuf]) -> Result<Vec<FileCheck>> {
    let mut checks: Vec<FileCheck> = files
        .iter()
        .map(|path| {
            let hashed = fs::File::open(path).and_then(|mut f| Digest::of_reader(&mut f));
            let (sha256, error) = match hashed {
                Ok((d, _)) => (Some(d), None),
                Err(e) => (
                    None,
                    Some(format!("cannot read: {}", crate::error::os_message(&e))),
                ),
            };
            FileCheck {
                file: path.display().to_string(),
                sha256,
                archived: false,
                captures: Vec::new(),
                error,
            }
        })
        .collect();
    let mut wanted: HashMap<Digest, Vec<usize>> = HashMap::new();
    for (i, c) in checks.iter().enumerate() {
        if let Some(d) = c.sha256 {
            wanted.entry(d).or_default().push(i);
        }
    }
    for entry in archive.log().entries()? {
        let entry = entry?;
        let Body::Capture(capture) = entry.body else {
            continue;
        };
        for &i in wanted.get(&capture.sha256).into_iter().flatten() {
            checks[i].archived = true;
            checks[i].captures.push(Sighting {
                entry: entry.seq,
                retrieved: capture.retrieved,
                source: capture.source.clone(),
            });
        }
    }
    Ok(checks)
}
