use super::{Ctx, Exit};
use crate::catalog;
use crate::entry::TextOutcome;
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, id: &str) -> Result<Exit> {
    let archive = ctx.open()?;
    let doc = catalog::find(archive.log(), id)?;
    let text = match doc.text() {
        Some(TextOutcome::Extracted { sha256, .. }) => *sha256,
        Some(TextOutcome::None { reason }) => {
            return Err(Error::NoText {
                id: doc.sha256.to_hex(),
                reason: reason.clone(),
            });
        }
        None => {
            return Err(Error::NoText {
                id: doc.sha256.to_hex(),
                reason: "it has not been analysed".to_string(),
            });
        }
    };
    let store = archive.store();
    let mut reader = store.open(&text)?;
    let mut out = ctx.out();
    out.copy_from(&mut reader, &store.describe(&text))?;
    out.finish()?;
    Ok(Exit::Success)
}
