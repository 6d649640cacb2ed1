use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::Archive;
use crate::catalog::{self, Document};
use crate::checkpoint::Signed;
use crate::cli::ProofArgs;
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::merkle::{self, Hash};
use crate::note::Verifier;
use crate::transparency;
use crate::tree::TreeFile;

/// `proof --json`: everything a third party needs to check the inclusion
/// with the checkpoint and the public key alone (docs/TRANSPARENCY.md).
#[derive(Serialize)]
struct Proof {
    document: Digest,
    /// The capture entry's number in the log: its leaf index.
    entry: u64,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: String,
    root_hash: String,
    /// Sibling hashes from the leaf up, as RFC 9162 section 2.1.3 orders them.
    proof: Vec<String>,
    /// The log line, exactly as stored (without its newline): the leaf
    /// hash is SHA-256 of 0x00 followed by its UTF-8 bytes.
    log_entry: String,
    /// The signed checkpoint the proof leads to.
    checkpoint: String,
    checkpoint_file: String,
    public_key: String,
}

/// `proof --consistency OLD --json`: that the newer checkpoint's tree
/// extends the older one's, checkable with both checkpoints and the key.
#[derive(Serialize)]
struct Consistency {
    old_size: u64,
    new_size: u64,
    old_root: String,
    new_root: String,
    /// RFC 9162 section 2.1.4 order; empty when the sizes are equal.
    proof: Vec<String>,
    old_checkpoint: String,
    new_checkpoint: String,
    public_key: String,
}

/// The archive's key and tree, and the checkpoint a proof leads to,
/// checked against both.
struct Anchor {
    key: Verifier,
    origin: String,
    tree: TreeFile,
    signed: Signed,
}

pub fn run(ctx: &Ctx, args: &ProofArgs) -> Result<Exit> {
    let archive = ctx.open()?;
    let anchor = anchor(&archive, args.checkpoint.as_deref())?;
    match (&args.consistency, &args.id) {
        (Some(old), _) => consistency(ctx, &anchor, old),
        (None, Some(id)) => inclusion(ctx, &archive, &anchor, id, args.entry),
        (None, None) => Err(Error::Usage("give a document ID, or --consistency OLD".into())),
    }
}

fn mismatch(m: transparency::Mismatch) -> Error {
    Error::Usage(m.message().to_string())
}

fn anchor(archive: &Archive, given: Option<&Path>) -> Result<Anchor> {
    let key = transparency::public_key(archive)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: the archive has no key, so no checkpoint; run `provenance keygen`, then `provenance checkpoint`",
            archive.root().display()
        ))
    })?;
    let signed = checkpoint(archive, given)?;
    let origin = transparency::origin(archive)?;
    transparency::check_signature(&signed, &key, &origin).map_err(mismatch)?;
    let (tree, size) = transparency::tree(archive)?;
    check_against_tree(&signed, &tree, size)?;
    Ok(Anchor {
        key,
        origin,
        tree,
        signed,
    })
}

/// The log, through its tree, must still hash to the checkpoint's root.
fn check_against_tree(signed: &Signed, tree: &TreeFile, size: u64) -> Result<()> {
    let c = &signed.checkpoint;
    let root_now = (c.size <= size).then(|| tree.root(c.size)).transpose()?;
    transparency::check_root(signed, size, root_now).map_err(mismatch)
}

fn inclusion(ctx: &Ctx, archive: &Archive, anchor: &Anchor, id: &str, entry: Option<u64>) -> Result<Exit> {
    let doc = catalog::find(archive.log(), id)?;
    let seq = capture_entry(&doc, entry)?;
    let line = log_line(archive, &doc, seq)?;
    let (signed, c) = (&anchor.signed, &anchor.signed.checkpoint);
    if seq >= c.size {
        return Err(Error::source(
            signed.path.display(),
            format!(
                "entry {seq} is newer than this checkpoint of {} entries; run `provenance checkpoint`",
                c.size
            ),
        ));
    }
    let leaf = merkle::leaf_hash(&line);
    let path = anchor.tree.inclusion_proof(seq, c.size)?;
    if merkle::verify_inclusion(&leaf, seq, c.size, &path, &c.root).is_err() {
        return Err(tree_disagrees(archive));
    }
    let proof = Proof {
        document: doc.sha256,
        entry: seq,
        leaf_index: seq,
        tree_size: c.size,
        leaf_hash: b64(&leaf),
        root_hash: b64(&c.root),
        proof: path.iter().map(b64).collect(),
        log_entry: String::from_utf8_lossy(&line).into_owned(),
        checkpoint: String::from_utf8_lossy(&signed.bytes).into_owned(),
        checkpoint_file: signed.path.display().to_string(),
        public_key: anchor.key.to_string(),
    };
    print(ctx, &proof)?;
    Ok(Exit::Success)
}

/// A proof the tree file gave that does not verify: the file is damaged.
fn tree_disagrees(archive: &Archive) -> Error {
    Error::bad_archive(
        archive.log().tree_path(),
        "the tree file gives no valid proof: it disagrees with the log; run `provenance verify --repair`",
    )
}

fn consistency(ctx: &Ctx, anchor: &Anchor, old_path: &Path) -> Result<Exit> {
    let old = Signed::read(old_path)?;
    transparency::check_signature(&old, &anchor.key, &anchor.origin).map_err(mismatch)?;
    let new = &anchor.signed;
    let (m, n) = (old.checkpoint.size, new.checkpoint.size);
    if m > n {
        return Err(Error::source(
            old_path.display(),
            format!("it covers {m} entries, more than the newer checkpoint's {n}; swap them"),
        ));
    }
    check_against_tree(&old, &anchor.tree, n)?;
    let path = if m == n {
        Vec::new()
    } else {
        anchor.tree.consistency_proof(m, n)?
    };
    merkle::verify_consistency(m, n, &old.checkpoint.root, &new.checkpoint.root, &path).map_err(|e| {
        Error::source(
            old_path.display(),
            format!("no consistency proof to the newer checkpoint: {e}"),
        )
    })?;
    let proof = Consistency {
        old_size: m,
        new_size: n,
        old_root: b64(&old.checkpoint.root),
        new_root: b64(&new.checkpoint.root),
        proof: path.iter().map(b64).collect(),
        old_checkpoint: String::from_utf8_lossy(&old.bytes).into_owned(),
        new_checkpoint: String::from_utf8_lossy(&new.bytes).into_owned(),
        public_key: anchor.key.to_string(),
    };
    let mut out = ctx.out();
    if ctx.json {
        out.json(&proof)?;
    } else {
        out.line(format!("old checkpoint  {} ({m} entries)", old_path.display()))?;
        out.line(format!("new checkpoint  {} ({n} entries)", new.path.display()))?;
        out.line(format!("proof           {} hashes", proof.proof.len()))?;
        for h in &proof.proof {
            out.line(format!("  {h}"))?;
        }
        out.line("verified: the newer tree extends the older one")?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn b64(h: &Hash) -> String {
    BASE64.encode(h)
}

/// The capture asked for, or the document's first: the earliest proof
/// that the archive held these bytes.
fn capture_entry(doc: &Document, wanted: Option<u64>) -> Result<u64> {
    let seqs: Vec<u64> = doc.captures.iter().map(|e| e.seq).collect();
    match wanted {
        None => Ok(*seqs.first().expect("a document is found through its captures")),
        Some(n) if seqs.contains(&n) => Ok(n),
        Some(n) => Err(Error::Usage(format!(
            "--entry {n}: not a capture of document {}; its captures are entries {}",
            doc.sha256.short(12),
            seqs.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The entry's line exactly as stored, which must sit at position `seq`.
fn log_line(archive: &Archive, doc: &Document, seq: u64) -> Result<Vec<u8>> {
    let mut line = None;
    archive
        .log()
        .lines_containing(doc.sha256.to_hex().as_bytes(), |index, bytes| {
            if index == seq {
                line = Some(bytes.to_vec());
            }
            Ok(())
        })?;
    line.ok_or_else(|| {
        Error::bad_archive(
            archive.log().path(),
            format!(
                "entry {seq} is not on line {} of the log; run `provenance verify`",
                seq + 1
            ),
        )
    })
}

fn checkpoint(archive: &Archive, given: Option<&Path>) -> Result<Signed> {
    match given {
        Some(path) => Signed::read(path),
        None => transparency::newest(archive)?.ok_or_else(|| {
            Error::Usage(format!(
                "{}: no checkpoint yet; make one with `provenance checkpoint`",
                archive.root().display()
            ))
        }),
    }
}

fn print(ctx: &Ctx, p: &Proof) -> Result<()> {
    let mut out = ctx.out();
    if ctx.json {
        out.json(p)?;
        return out.finish();
    }
    out.line(format!("document     {}", p.document))?;
    out.line(format!("entry        {} (leaf index {})", p.entry, p.leaf_index))?;
    out.line(format!(
        "checkpoint   {} ({} entries)",
        p.checkpoint_file, p.tree_size
    ))?;
    out.line(format!("leaf hash    {}", p.leaf_hash))?;
    out.line(format!("root hash    {}", p.root_hash))?;
    out.line(format!("proof        {} hashes", p.proof.len()))?;
    for h in &p.proof {
        out.line(format!("  {h}"))?;
    }
    out.line("verified: the proof leads from the entry to the root the checkpoint signs")?;
    out.finish()
}
