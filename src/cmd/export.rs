use super::{Ctx, Exit};
use crate::cli::ExportArgs;
use crate::error::Result;
use crate::export::{self, bagit, warc};
use crate::key;

pub fn run(ctx: &Ctx, args: &ExportArgs) -> Result<Exit> {
    let archive = ctx.open()?;
    let wanted = export::selection(archive.log(), &args.ids)?;
    let mut out = ctx.out();
    if let Some(path) = &args.warc {
        let summary = warc::export(&archive, wanted.as_ref(), path)?;
        if ctx.json {
            out.json(&summary)?;
        } else {
            out.line(summary.to_string())?;
        }
    } else if let Some(dir) = &args.bagit {
        let key_path = key::key_path(args.key.as_deref())?;
        let options = bagit::Options {
            key: key_path,
            source_organization: args.source_organization.clone(),
        };
        let summary = bagit::export(&archive, wanted.as_ref(), dir, &options)?;
        if ctx.json {
            out.json(&summary)?;
        } else {
            out.line(summary.to_string())?;
        }
    }
    out.finish()?;
    Ok(Exit::Success)
}
