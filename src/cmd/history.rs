use super::{Ctx, Exit};
use crate::error::{Error, Result};

pub fn run(_ctx: &Ctx, _url: &str) -> Result<Exit> {
    Err(Error::Usage("`history` is not implemented yet".into()))
}
