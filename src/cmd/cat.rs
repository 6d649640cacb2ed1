use super::{Ctx, Exit};
use crate::catalog;
use crate::error::Result;

pub fn run(ctx: &Ctx, id: &str) -> Result<Exit> {
    let archive = ctx.open()?;
    let doc = catalog::find(archive.log(), id)?;
    let store = archive.store();
    let mut reader = store.open(&doc.sha256)?;
    let mut out = ctx.out();
    out.copy_from(&mut reader, &store.describe(&doc.sha256))?;
    out.finish()?;
    Ok(Exit::Success)
}
