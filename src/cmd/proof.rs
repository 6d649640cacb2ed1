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
use crate::transparency;

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

pub fn run(ctx: &Ctx, args: &ProofArgs) -> Result<Exit> {
    let archive = ctx.open()?;
    let doc = catalog::find(archive.log(), &args.id)?;
    let seq = capture_entry(&doc, args.entry)?;
    let line = log_line(&archive, &doc, seq)?;
    let key = transparency::public_key(&archive)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: the archive has no key, so no checkpoint; run `provenance keygen`, then `provenance checkpoint`",
            archive.root().display()
        ))
    })?;
    let signed = checkpoint(&archive, args)?;
    let origin = transparency::origin(&archive)?;
    let fail = |m: transparency::Mismatch| Error::Usage(m.message().to_string());
    transparency::check_signature(&signed, &key, &origin).map_err(fail)?;
    let (tree, size) = transparency::tree(&archive)?;
    let c = &signed.checkpoint;
    let root_now = (c.size <= size).then(|| tree.root(c.size)).transpose()?;
    transparency::check_root(&signed, size, root_now).map_err(fail)?;
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
    let path = tree.inclusion_proof(seq, c.size)?;
    if merkle::verify_inclusion(&leaf, seq, c.size, &path, &c.root).is_err() {
        return Err(Error::bad_archive(
            archive.log().tree_path(),
            format!(
                "the tree file gives no valid proof for entry {seq}: it disagrees with the log; run `provenance verify --repair`"
            ),
        ));
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
        public_key: key.to_string(),
    };
    print(ctx, &proof)?;
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

fn checkpoint(archive: &Archive, args: &ProofArgs) -> Result<Signed> {
    match &args.checkpoint {
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
