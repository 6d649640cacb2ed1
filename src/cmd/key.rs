use super::{Ctx, Exit};
use crate::error::{Error, Result};
use crate::transparency;

/// Prints the archive's public key: the verifier key form, one line, for
/// publishing beside the checkpoints (also in JSON as a string).
pub fn run(ctx: &Ctx) -> Result<Exit> {
    let archive = ctx.open()?;
    let Some(key) = transparency::public_key(&archive)? else {
        return Err(Error::Usage(format!(
            "{}: the archive has no key yet; make one with `provenance keygen`",
            archive.root().display()
        )));
    };
    let mut out = ctx.out();
    if ctx.json {
        out.json(&key.to_string())?;
    } else {
        out.line(key.to_string())?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
