//! The archive as a transparency log: its Merkle tree (kept in the derived
//! tree file), its public key, its signed checkpoints, and the checks that
//! tie a checkpoint to the log. docs/TRANSPARENCY.md has the formats.

use std::fs;
use std::path::PathBuf;

use crate::archive::{Archive, CHECKPOINTS, KEY_PUB, Lock, LockMode};
use crate::checkpoint::{self, Checkpoint, Signed};
use crate::entry::{Body, EntryHeader};
use crate::error::{Error, IoContext, Result};
use crate::hash::Digest;
use crate::log::write_once;
use crate::merkle::{self, Hash};
use crate::note::{Signer, Verifier};
use crate::tree::TreeFile;

pub fn checkpoints_dir(archive: &Archive) -> PathBuf {
    archive.root().join(CHECKPOINTS)
}

pub fn key_pub_path(archive: &Archive) -> PathBuf {
    archive.root().join(KEY_PUB)
}

/// The archive's ID, from its first entry.
pub fn archive_id(archive: &Archive) -> Result<String> {
    match archive.log().entries()?.next() {
        Some(Ok(entry)) => match entry.body {
            Body::Init(init) => Ok(init.archive_id),
            _ => Err(Error::bad_archive(
                archive.log().path(),
                "the first entry is not the archive's init entry; run `provenance verify`",
            )),
        },
        Some(Err(e)) => Err(e),
        None => Err(Error::bad_archive(archive.log().path(), "the log is empty")),
    }
}

/// The origin line of this archive's checkpoints.
pub fn origin(archive: &Archive) -> Result<String> {
    Ok(checkpoint::origin(&archive_id(archive)?))
}

/// The public key the archive's checkpoints are signed with, if any.
pub fn public_key(archive: &Archive) -> Result<Option<Verifier>> {
    let path = key_pub_path(archive);
    match fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, "read", e)),
        Ok(text) => Verifier::parse(&text)
            .map(Some)
            .map_err(|e| Error::bad_archive(&path, e)),
    }
}

/// Records the archive's public key, unless it has one already: a key
/// once published for an archive is not replaced behind its readers'
/// backs. Says whether it was recorded now.
pub fn adopt_key(archive: &Archive, verifier: &Verifier) -> Result<bool> {
    let lock = archive.lock(LockMode::Exclusive)?;
    adopt_key_locked(archive, &lock, verifier)
}

fn adopt_key_locked(archive: &Archive, _lock: &Lock, verifier: &Verifier) -> Result<bool> {
    match public_key(archive)? {
        Some(existing) if existing == *verifier => Ok(false),
        Some(existing) => Err(Error::Usage(format!(
            "{}: this archive's checkpoints are signed by {existing}, not by {verifier}; use that key (--key FILE)",
            archive.root().display()
        ))),
        None => {
            let text = format!("{verifier}\n");
            write_once(&key_pub_path(archive), &archive.tmp_dir(), text.as_bytes())?;
            Ok(true)
        }
    }
}

/// The tree file, brought up to the log's head. A tree behind the log
/// (an archive from before trees, or a crash after a commit) is rebuilt
/// from the log; one ahead of it is refused, because that means the log
/// lost acknowledged entries, which `verify` must look at first.
pub fn tree(archive: &Archive) -> Result<(TreeFile, u64)> {
    let log = archive.log();
    let head = log.head()?;
    let tree = TreeFile::open(log.tree_path())?;
    if tree.size() == head.entries {
        return Ok((tree, head.entries));
    }
    let lock = archive.lock(LockMode::Exclusive)?;
    tree_locked(archive, &lock)
}

fn tree_locked(archive: &Archive, _lock: &Lock) -> Result<(TreeFile, u64)> {
    let log = archive.log();
    let (head, mut lines) = log.acknowledged_lines()?;
    let tree = TreeFile::open(log.tree_path())?;
    if tree.size() == head.entries {
        return Ok((tree, head.entries));
    }
    if tree.size() > head.entries {
        return Err(Error::bad_archive(
            log.tree_path(),
            format!(
                "the tree holds {} entries but the log only {}: the log lost entries; run `provenance verify`",
                tree.size(),
                head.entries
            ),
        ));
    }
    rebuild(archive, head.entries, &mut lines)
}

fn rebuild(archive: &Archive, entries: u64, lines: &mut crate::log::LineReader) -> Result<(TreeFile, u64)> {
    let log = archive.log();
    let leaves = std::iter::from_fn(|| lines.next_line().ok().flatten().map(|l| l.leaf));
    let tree = TreeFile::rebuild(log.tree_path(), &archive.tmp_dir(), leaves)?;
    if tree.size() != entries {
        return Err(Error::bad_archive(
            log.path(),
            "could not read every entry to rebuild the tree; run `provenance verify`",
        ));
    }
    Ok((tree, entries))
}

/// Rebuilds the tree file from the log, for `verify --repair`.
pub fn rebuild_tree(archive: &Archive, _lock: &Lock) -> Result<(TreeFile, u64)> {
    let (head, mut lines) = archive.log().acknowledged_lines()?;
    rebuild(archive, head.entries, &mut lines)
}

/// The tree, checked against the log (O(n): reading, hashing and checking
/// the chain of the log once), and rebuilt if it disagrees: what is about
/// to be signed must be the root of a sound log, whatever befell the
/// derived file.
fn tree_checked(archive: &Archive, lock: &Lock) -> Result<(TreeFile, u64)> {
    let (tree, size) = tree_locked(archive, lock)?;
    let (head, mut lines) = archive.log().acknowledged_lines()?;
    let mut frontier = merkle::Frontier::new();
    let mut prev = None;
    while let Some(line) = lines.next_line().at(archive.log().path(), "read")? {
        check_link(archive, &line, frontier.size(), prev)?;
        prev = Some(line.digest);
        frontier.push(line.leaf);
    }
    if prev != head.last_entry {
        return Err(broken(archive, "the head records another last entry"));
    }
    if frontier.size() == size && tree.root(size)? == frontier.root() {
        return Ok((tree, size));
    }
    let (_, mut lines) = archive.log().acknowledged_lines()?;
    rebuild(archive, size, &mut lines)
}

/// A line must be entry `index`, linked to the line before: a key signs
/// only a log whose chain holds.
fn check_link(archive: &Archive, line: &crate::log::Line, index: u64, prev: Option<Digest>) -> Result<()> {
    let header: Option<EntryHeader> = line
        .complete
        .then(|| serde_json::from_slice(&line.bytes).ok())
        .flatten();
    match header {
        Some(h) if h.seq == index && h.prev == prev => Ok(()),
        _ => Err(broken(
            archive,
            &format!("entry {index} is not linked to the one before"),
        )),
    }
}

fn broken(archive: &Archive, why: &str) -> Error {
    Error::bad_archive(
        archive.log().path(),
        format!("refusing to sign: {why}; run `provenance verify`"),
    )
}

/// The checkpoints kept in the archive, smallest first.
pub fn stored(archive: &Archive) -> Result<Vec<PathBuf>> {
    checkpoint::list(&checkpoints_dir(archive))
}

/// The newest checkpoint kept in the archive, read but not yet checked.
pub fn newest(archive: &Archive) -> Result<Option<Signed>> {
    stored(archive)?.last().map(|p| Signed::read(p)).transpose()
}

/// Why a checkpoint does not hold for this archive, each a distinct
/// finding of `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Signed by a key other than the archive's (or the one given).
    UnknownKey(String),
    /// Signed by the right key name and ID, but the signature is false.
    BadSignature(String),
    /// Another archive's checkpoint.
    Origin(String),
    /// It covers more entries than the log has: the log was rolled back.
    Ahead(String),
    /// The log's first `size` entries no longer hash to its root: history
    /// was rewritten.
    Rewritten(String),
}

impl Mismatch {
    pub fn message(&self) -> &str {
        match self {
            Mismatch::UnknownKey(m)
            | Mismatch::BadSignature(m)
            | Mismatch::Origin(m)
            | Mismatch::Ahead(m)
            | Mismatch::Rewritten(m) => m,
        }
    }
}

/// Checks a checkpoint's signature and origin (what needs no tree).
pub fn check_signature(signed: &Signed, key: &Verifier, origin: &str) -> Result<(), Mismatch> {
    let name = signed.path.display();
    key.verify(&signed.note).map_err(|e| match e {
        crate::note::NoteError::BadSignature(_) => Mismatch::BadSignature(format!(
            "{name}: its signature by {} does not verify: the checkpoint was altered or forged",
            key.name()
        )),
        _ => Mismatch::UnknownKey(format!(
            "{name}: not signed by the archive's key {key}; signed by {}",
            signers(signed)
        )),
    })?;
    if signed.checkpoint.origin != origin {
        return Err(Mismatch::Origin(format!(
            "{name}: it is a checkpoint of '{}', not of this archive ('{origin}')",
            signed.checkpoint.origin
        )));
    }
    Ok(())
}

fn signers(signed: &Signed) -> String {
    let names: Vec<String> = signed
        .note
        .signatures
        .iter()
        .map(|s| format!("{}+{:08x}", s.name, s.id))
        .collect();
    names.join(", ")
}

/// Checks that the log, whose root at each size `root_at` gives, extends
/// the checkpoint.
pub fn check_root(signed: &Signed, log_size: u64, root_at: Option<Hash>) -> Result<(), Mismatch> {
    check_size(signed, log_size)?;
    match root_at {
        Some(root) if root == signed.checkpoint.root => Ok(()),
        _ => Err(Mismatch::Rewritten(format!(
            "{}: the log's first {} entries no longer hash to the root it signed: history was rewritten",
            signed.path.display(),
            signed.checkpoint.size
        ))),
    }
}

fn check_size(signed: &Signed, log_size: u64) -> Result<(), Mismatch> {
    let size = signed.checkpoint.size;
    if size > log_size {
        return Err(Mismatch::Ahead(format!(
            "{}: it covers {size} entries but the log has only {log_size}: the log was rolled back or entries were deleted",
            signed.path.display()
        )));
    }
    Ok(())
}

/// The consistency proof from a checkpoint to the tree's current size,
/// checked: the O(log n) check that the log extends the checkpoint.
pub fn check_consistency(signed: &Signed, tree: &TreeFile, size: u64) -> Result<(), Mismatch> {
    let c = &signed.checkpoint;
    check_size(signed, size)?;
    let proven = (|| {
        let root = tree.root(size).ok()?;
        if c.size == 0 {
            return Some(c.root == merkle::empty_root());
        }
        let proof = tree.consistency_proof(c.size, size).ok()?;
        Some(merkle::verify_consistency(c.size, size, &c.root, &root, &proof).is_ok())
    })();
    if proven == Some(true) {
        Ok(())
    } else {
        Err(Mismatch::Rewritten(format!(
            "{}: the log does not extend it (no consistency proof from its {} entries to the log's {size} leads to the current root): history was rewritten",
            signed.path.display(),
            c.size
        )))
    }
}

/// Signs a checkpoint of the whole log and keeps it in the archive, after
/// checking that the log extends the newest checkpoint already kept: a
/// key must never sign two histories that contradict each other.
pub fn make_checkpoint(archive: &Archive, signer: &Signer) -> Result<(Signed, bool)> {
    let verifier = signer.verifier();
    let origin = origin(archive)?;
    let lock = archive.lock(LockMode::Exclusive)?;
    adopt_key_locked(archive, &lock, &verifier)?;
    let (tree, size) = tree_checked(archive, &lock)?;
    if let Some(previous) = newest(archive)? {
        check_signature(&previous, &verifier, &origin)
            .and_then(|()| check_consistency(&previous, &tree, size))
            .map_err(|m| Error::bad_archive(archive.root(), format!("refusing to sign: {}", m.message())))?;
    }
    let checkpoint = Checkpoint {
        origin,
        size,
        root: tree.root(size)?,
        extensions: Vec::new(),
    };
    let text = signer
        .sign(&checkpoint.text())
        .map_err(|e| Error::Usage(format!("cannot sign the checkpoint: {e}")))?;
    let dir = checkpoints_dir(archive);
    fs::create_dir_all(&dir).at(&dir, "create directory")?;
    let path = dir.join(checkpoint::file_name(size));
    let created = match fs::read(&path) {
        Ok(existing) if existing == text.as_bytes() => false,
        Ok(_) => {
            return Err(Error::bad_archive(
                &path,
                "a different checkpoint of this size is kept already; run `provenance verify`",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_once(&path, &archive.tmp_dir(), text.as_bytes())?;
            true
        }
        Err(e) => return Err(Error::io(&path, "read", e)),
    };
    let signed = Signed::parse(&path, text.into_bytes()).map_err(|e| Error::bad_archive(&path, e))?;
    Ok((signed, created))
}
