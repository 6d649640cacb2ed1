use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use super::{Ctx, Exit};
use crate::cli::KeyArg;
use crate::error::Result;
use crate::{key, transparency};

/// `checkpoint --json`.
#[derive(Serialize)]
struct Made {
    path: String,
    /// False when the log has not grown since this checkpoint was made.
    created: bool,
    origin: String,
    tree_size: u64,
    root_hash: String,
    /// The signed note, exactly as kept.
    checkpoint: String,
}

pub fn run(ctx: &Ctx, args: &KeyArg) -> Result<Exit> {
    let archive = ctx.open()?;
    let path = key::key_path(args.key.as_deref())?;
    key::check_outside(&path, archive.root())?;
    let signer = key::load(&path)?;
    let (signed, created) = transparency::make_checkpoint(&archive, &signer)?;
    let text = String::from_utf8_lossy(&signed.bytes).into_owned();
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Made {
            path: signed.path.display().to_string(),
            created,
            origin: signed.checkpoint.origin.clone(),
            tree_size: signed.checkpoint.size,
            root_hash: BASE64.encode(signed.checkpoint.root),
            checkpoint: text,
        })?;
    } else {
        // The checkpoint alone on stdout, so that it can be piped to
        // wherever it is published; what happened goes to stderr.
        out.raw(text.as_bytes())?;
        let what = if created { "kept in" } else { "unchanged since" };
        eprintln!(
            "provenance: checkpoint of {} entries {what} {}",
            signed.checkpoint.size,
            signed.path.display()
        );
    }
    out.finish()?;
    Ok(Exit::Success)
}
