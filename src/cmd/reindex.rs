//! `provenance reindex`: the index built anew from the log.

use super::{Ctx, Exit};
use crate::error::Result;
use crate::index::Index;
use crate::output::count;

pub fn run(ctx: &Ctx) -> Result<Exit> {
    let archive = ctx.open()?;
    let built = Index::rebuild(&archive)?;
    let mut out = ctx.out();
    if ctx.json {
        out.json(&built)?;
    }
    out.finish()?;
    eprintln!(
        "provenance: indexed {} of {}{}",
        count(built.documents, "document", "documents"),
        count(built.entries, "log entry", "log entries"),
        if built.unreadable_blobs == 0 {
            String::new()
        } else {
            format!(
                "; {} could not be read (run `provenance verify`)",
                count(built.unreadable_blobs, "blob", "blobs")
            )
        }
    );
    Ok(Exit::Success)
}
