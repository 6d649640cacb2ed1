use std::path::PathBuf;

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::Archive;
use crate::error::Result;
use crate::index::Index;

#[derive(Serialize)]
struct Initialised {
    archive: String,
}

pub fn run(ctx: &Ctx, dir: Option<PathBuf>) -> Result<Exit> {
    let root = dir.unwrap_or_else(|| ctx.archive.clone());
    let archive = Archive::init(&root)?;
    Index::start(&archive);
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Initialised {
            archive: root.display().to_string(),
        })?;
    } else {
        out.line(format!("created an empty archive in {}", root.display()))?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
