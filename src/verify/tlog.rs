//! Verifying the archive as a transparency log: the derived tree file
//! against the log, every checkpoint (kept in the archive or given on the
//! command line) against the key and the log, and every timestamp token
//! against its checkpoint and the trusted TSA CAs.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::{Finding, Problem};
use crate::archive::{Archive, Lock};
use crate::checkpoint::{self, Signed};
use crate::error::Result;
use crate::hash::Digest;
use crate::merkle::{Frontier, Hash};
use crate::note::Verifier;
use crate::store::read_dir_sorted;
use crate::timestamp::{self, TimestampError};
use crate::transparency::{self, Mismatch};
use crate::tree::TreeFile;

/// What `verify` checks beyond the archive itself.
#[derive(Default)]
pub struct Options {
    /// Checkpoints kept elsewhere, which the log must extend.
    pub checkpoints: Vec<PathBuf>,
    /// DER certificates of the CAs trusted to certify timestamp authorities.
    pub tsa_ca: Vec<Vec<u8>>,
    /// The key checkpoints must be signed with, instead of key.pub.
    pub public_key: Option<Verifier>,
    /// Threads that re-hash blobs; `None` for one a core.
    pub jobs: Option<usize>,
    /// Also SQLite's and FTS5's integrity checks of the index.
    pub index_integrity: bool,
}

/// The Merkle roots of the log's prefixes, computed in the one pass that
/// verifies the log, and the tree file compared hash by hash with the
/// tree that pass builds.
#[derive(Default)]
pub(super) struct Roots {
    frontier: Frontier,
    wanted: BTreeSet<u64>,
    found: BTreeMap<u64, Hash>,
    /// The tree file, read in step with the log until it ends.
    tree: Option<BufReader<File>>,
    /// The first stored hash of the tree file that differs from the log's.
    tree_differs_at: Option<u64>,
    compared: u64,
}

impl Roots {
    pub(super) fn new(wanted: BTreeSet<u64>, tree_path: &Path) -> Roots {
        let mut roots = Roots {
            frontier: Frontier::new(),
            wanted,
            found: BTreeMap::new(),
            tree: File::open(tree_path)
                .ok()
                .map(|f| BufReader::with_capacity(1 << 16, f)),
            tree_differs_at: None,
            compared: 0,
        };
        roots.record();
        roots
    }

    pub(super) fn push(&mut self, leaf: Hash) {
        let (tree, differs, compared) = (&mut self.tree, &mut self.tree_differs_at, &mut self.compared);
        self.frontier.push_each(leaf, |h| {
            let Some(reader) = tree.as_mut() else { return };
            let mut stored = [0u8; 32];
            if reader.read_exact(&mut stored).is_err() {
                // The file ends here: a tree behind the log, or torn.
                *tree = None;
                return;
            }
            if stored != *h && differs.is_none() {
                *differs = Some(*compared);
            }
            *compared += 1;
        });
        self.record();
    }

    fn record(&mut self) {
        let size = self.frontier.size();
        if self.wanted.contains(&size) {
            self.found.insert(size, self.frontier.root());
        }
    }

    fn size(&self) -> u64 {
        self.frontier.size()
    }

    fn at(&self, size: u64) -> Option<Hash> {
        self.found.get(&size).copied()
    }
}

/// The checkpoints kept in the archive and given on the command line, read
/// before the log so that the scan knows at which sizes to take roots.
pub(super) struct Stored {
    kept: Vec<std::result::Result<Signed, Finding>>,
    given: Vec<Signed>,
    /// Tokens without a checkpoint, and files that are neither.
    orphans: Vec<PathBuf>,
    strays: Vec<PathBuf>,
}

impl Stored {
    pub(super) fn read(archive: &Archive, options: &Options) -> Result<Stored> {
        let dir = transparency::checkpoints_dir(archive);
        let mut kept = Vec::new();
        let mut orphans = Vec::new();
        let mut strays = Vec::new();
        let files = read_dir_sorted(&dir)?;
        for path in &files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if let Some(cp) = name.strip_suffix(checkpoint::TOKEN_SUFFIX) {
                if !files
                    .iter()
                    .any(|p| p.file_name().and_then(|n| n.to_str()) == Some(cp))
                {
                    orphans.push(path.clone());
                }
            } else if name.ends_with(checkpoint::SUFFIX) {
                kept.push(read_kept(path));
            } else {
                strays.push(path.clone());
            }
        }
        let given = options
            .checkpoints
            .iter()
            .map(|p| Signed::read(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(Stored {
            kept,
            given,
            orphans,
            strays,
        })
    }

    /// The tree sizes whose roots the checkpoints need.
    pub(super) fn sizes(&self) -> BTreeSet<u64> {
        let kept = self.kept.iter().filter_map(|k| k.as_ref().ok());
        kept.chain(&self.given).map(|s| s.checkpoint.size).collect()
    }
}

/// A kept checkpoint, which must also be named for its size.
fn read_kept(path: &Path) -> std::result::Result<Signed, Finding> {
    let malformed = |why: String| {
        Finding::new(Problem::CheckpointMalformed, format!("{}: {why}", path.display())).path(path)
    };
    let bytes =
        fs::read(path).map_err(|e| malformed(format!("cannot read: {}", crate::error::os_message(&e))))?;
    let signed = Signed::parse(path, bytes).map_err(malformed)?;
    let expected = checkpoint::file_name(signed.checkpoint.size);
    if path.file_name().and_then(|n| n.to_str()) != Some(expected.as_str()) {
        return Err(malformed(format!(
            "it covers {} entries, so it should be named {expected}: renamed or altered",
            signed.checkpoint.size
        )));
    }
    Ok(signed)
}

pub struct Counts {
    pub checkpoints: u64,
    pub timestamps: u64,
}

/// Everything of the transparency log that needs the log's roots.
pub(super) fn check(
    archive: &Archive,
    options: &Options,
    stored: &Stored,
    roots: &Roots,
    tree: Result<TreeFile>,
    findings: &mut Vec<Finding>,
) -> Result<Counts> {
    // Damage to the log explains a tree that disagrees with it; the tree's
    // own findings matter when the log looks sound.
    let log_sound = !findings.iter().any(|f| f.severity == super::Severity::Error);
    let tree = check_tree(archive, tree, roots, log_sound, findings);
    let key = archive_key(archive, options, findings);
    let origin = transparency::origin(archive).ok();
    let mut counts = Counts {
        checkpoints: 0,
        timestamps: 0,
    };
    for kept in &stored.kept {
        counts.checkpoints += 1;
        match kept {
            Err(finding) => findings.push(finding.clone()),
            Ok(signed) => {
                check_checkpoint(
                    signed,
                    key.as_ref(),
                    origin.as_deref(),
                    roots,
                    tree.as_ref(),
                    findings,
                );
                if signed.token_path().exists() {
                    counts.timestamps += 1;
                    check_token(signed, options, findings);
                }
            }
        }
    }
    for signed in &stored.given {
        counts.checkpoints += 1;
        check_checkpoint(
            signed,
            key.as_ref(),
            origin.as_deref(),
            roots,
            tree.as_ref(),
            findings,
        );
    }
    for path in &stored.orphans {
        findings.push(
            Finding::new(
                Problem::TimestampOrphan,
                format!(
                    "{}: a timestamp token with no checkpoint beside it",
                    path.display()
                ),
            )
            .path(path),
        );
    }
    for path in &stored.strays {
        findings.push(
            Finding::new(
                Problem::StrayFile,
                format!("{}: neither a checkpoint nor a timestamp token", path.display()),
            )
            .path(path),
        );
    }
    Ok(counts)
}

/// `verify --checkpoint FILE --quick`: only the given checkpoints, each
/// by a consistency proof from the tree file to the log's current root.
pub fn quick(archive: &Archive, options: &Options) -> Result<super::Report> {
    let stored = Stored::read(archive, options)?;
    let mut findings = Vec::new();
    let key = archive_key(archive, options, &mut findings);
    let origin = transparency::origin(archive)?;
    let (tree, size) = transparency::tree(archive)?;
    for signed in &stored.given {
        let Some(key) = &key else { break };
        let checked = transparency::check_signature(signed, key, &origin)
            .and_then(|()| transparency::check_consistency(signed, &tree, size));
        if let Err(m) = checked {
            findings.push(mismatch_finding(signed, &m));
        }
    }
    Ok(super::Report {
        ok: findings.iter().all(|f| f.severity != super::Severity::Error),
        quick: true,
        entries: size,
        captures: 0,
        blobs: 0,
        blob_bytes: 0,
        checkpoints: stored.given.len() as u64,
        timestamps: 0,
        findings,
    })
}

/// Rebuilds the tree file when it is behind the log or disagrees with it;
/// one ahead of the log is left for the user to look at, being evidence
/// that the log lost entries.
/// The entries `removed` from an unfinished tail by this repair may be in
/// the tree too (their head was rolled back by hand): then it is rebuilt.
pub(super) fn repair_tree(archive: &Archive, lock: &Lock, roots: &Roots, removed: u64) -> Result<bool> {
    let tree = TreeFile::open(archive.log().tree_path())?;
    let agrees = tree.size() == roots.size()
        && roots.tree_differs_at.is_none()
        && tree.root(roots.size()).ok() == Some(roots.frontier.root());
    if agrees || tree.size() > roots.size() + removed {
        return Ok(false);
    }
    transparency::rebuild_tree(archive, lock)?;
    Ok(true)
}

/// The tree file, when it agrees with the log; findings when it does not.
/// A tree behind the log is no finding: the next command that needs it
/// rebuilds it, and after a crash between a commit and the tree's append,
/// or in an archive from before trees, it is expected.
fn check_tree(
    archive: &Archive,
    tree: Result<TreeFile>,
    roots: &Roots,
    log_sound: bool,
    findings: &mut Vec<Finding>,
) -> Option<TreeFile> {
    let path = archive.log().tree_path();
    let size = roots.size();
    let stale = |why: String| {
        Finding::new(
            Problem::TreeStale,
            format!(
                "{}: {why}; it is derived from the log, and `provenance verify --repair` rebuilds it",
                path.display()
            ),
        )
        .path(path)
    };
    let tree = match tree {
        Ok(t) => t,
        Err(e) => {
            findings.push(stale(format!("unreadable ({e})")));
            return None;
        }
    };
    if tree.size() < size {
        return None;
    }
    if !log_sound {
        return None;
    }
    if tree.size() > size {
        findings.push(
            Finding::new(
                Problem::TreeAhead,
                format!(
                    "{}: the tree holds {} entries but the log only {size}: the log lost entries (rolled back?), or the tree file was altered",
                    path.display(),
                    tree.size()
                ),
            )
            .path(path),
        );
        return None;
    }
    if let Some(at) = roots.tree_differs_at {
        findings.push(stale(format!(
            "its hash number {at} (byte {}) disagrees with the log's",
            at * 32
        )));
        return None;
    }
    if tree.root(size).ok() != Some(roots.frontier.root()) {
        findings.push(stale("its root disagrees with the log's".into()));
        return None;
    }
    Some(tree)
}

/// The key checkpoints must be signed with: the one given, else key.pub.
fn archive_key(archive: &Archive, options: &Options, findings: &mut Vec<Finding>) -> Option<Verifier> {
    if let Some(k) = &options.public_key {
        return Some(k.clone());
    }
    match transparency::public_key(archive) {
        Ok(k) => k,
        Err(e) => {
            let path = transparency::key_pub_path(archive);
            findings.push(Finding::new(Problem::KeyInvalid, format!("{e}")).path(&path));
            None
        }
    }
}

/// Checks one checkpoint against the key and the log.
fn check_checkpoint(
    signed: &Signed,
    key: Option<&Verifier>,
    origin: Option<&str>,
    roots: &Roots,
    tree: Option<&TreeFile>,
    findings: &mut Vec<Finding>,
) {
    let Some(key) = key else {
        findings.push(
            Finding::new(
                Problem::CheckpointUnknownKey,
                format!(
                    "{}: the archive has no public key (key.pub) to check it with; give one with --public-key",
                    signed.path.display()
                ),
            )
            .path(&signed.path),
        );
        return;
    };
    let origin = origin.unwrap_or(signed.checkpoint.origin.as_str());
    let checked = transparency::check_signature(signed, key, origin)
        .and_then(|()| transparency::check_root(signed, roots.size(), roots.at(signed.checkpoint.size)))
        .and_then(|()| match tree {
            Some(tree) => transparency::check_consistency(signed, tree, roots.size()),
            None => Ok(()),
        });
    if let Err(m) = checked {
        findings.push(mismatch_finding(signed, &m));
    }
}

fn mismatch_finding(signed: &Signed, m: &Mismatch) -> Finding {
    let problem = match m {
        Mismatch::UnknownKey(_) => Problem::CheckpointUnknownKey,
        Mismatch::BadSignature(_) => Problem::CheckpointForged,
        Mismatch::Origin(_) => Problem::CheckpointForeign,
        Mismatch::Ahead(_) => Problem::LogRolledBack,
        Mismatch::Rewritten(_) => Problem::HistoryRewritten,
    };
    Finding::new(problem, m.message().to_string()).path(&signed.path)
}

/// Checks a checkpoint's token: over the checkpoint's exact bytes, signed,
/// and by a TSA that a trusted CA certified.
fn check_token(signed: &Signed, options: &Options, findings: &mut Vec<Finding>) {
    let path = signed.token_path();
    let imprint = *Digest::of(&signed.bytes).as_bytes();
    let der = match fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            findings.push(token_finding(
                &path,
                Problem::TimestampMalformed,
                &crate::error::os_message(&e),
            ));
            return;
        }
    };
    let outcome = timestamp::verify(&der, &imprint, &options.tsa_ca, &[]);
    match outcome {
        Ok(_) => {}
        Err(e) if options.tsa_ca.is_empty() && e.kind() == "untrusted" => findings.push(token_finding(
            &path,
            Problem::TimestampUnchecked,
            "its signature holds, but no --tsa-ca was given to say whether its authority is trusted",
        )),
        Err(e) => findings.push(token_finding(&path, token_problem(&e), &e.to_string())),
    }
}

fn token_problem(e: &TimestampError) -> Problem {
    match e.kind() {
        "imprint_mismatch" => Problem::TimestampMismatch,
        "malformed" | "not_granted" => Problem::TimestampMalformed,
        "untrusted"
        | "certificate_expired"
        | "not_timestamping_certificate"
        | "signer_certificate_missing" => Problem::TimestampUntrusted,
        _ => Problem::TimestampForged,
    }
}

fn token_finding(path: &Path, problem: Problem, why: &str) -> Finding {
    let what = match problem {
        Problem::TimestampMismatch => {
            "the token is not over this checkpoint's bytes: the checkpoint or the token was altered or swapped: "
        }
        Problem::TimestampForged => "the token's signature does not verify: it was altered: ",
        Problem::TimestampUntrusted => "the token's authority is not trusted: ",
        Problem::TimestampMalformed => "not a timestamp response: ",
        _ => "",
    };
    Finding::new(problem, format!("{}: {what}{why}", path.display())).path(path)
}
