use super::{Ctx, Exit};
use crate::error::{Error, Result};

pub fn run(_ctx: &Ctx, _old: &str, _new: &str, _words: bool) -> Result<Exit> {
    Err(Error::Usage("`diff` is not implemented yet".into()))
}
