use super::{Ctx, Exit};
use crate::cli::ListArgs;
use crate::entry::{Body, Capture, Entry};
use crate::error::Result;
use crate::index::{Filter, Index};
use crate::output::Out;

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter)?;
    let archive = ctx.open()?;
    let mut out = ctx.out();
    if ctx.json {
        out.begin_array()?;
    } else {
        out.line(format!(
            "{:<12}  {:<24}  {:>10}  {:<24}  SOURCE",
            "ID", "RETRIEVED", "SIZE", "TYPE"
        ))?;
    }
    if filter.is_empty() {
        // Every capture: the log itself, in order, needs no index.
        for entry in archive.log().entries()? {
            print(ctx, &mut out, &entry?)?;
        }
    } else {
        let index = Index::open(&archive)?;
        let entries = archive.log().entries_at()?;
        for at in index.captures(&filter)? {
            print(ctx, &mut out, &entries.entry(at.line_offset, at.line_len)?)?;
        }
    }
    if ctx.json {
        out.end_array()?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn print(ctx: &Ctx, out: &mut Out, entry: &Entry) -> Result<()> {
    let Body::Capture(capture) = &entry.body else {
        return Ok(());
    };
    if ctx.json {
        out.item(entry)
    } else {
        out.line(row(capture))
    }
}

fn row(c: &Capture) -> String {
    let mut line = format!(
        "{:<12}  {:<24}  {:>10}  {:<24}  {}",
        c.sha256.short(12),
        c.retrieved.to_string(),
        c.size,
        c.media_type,
        source_column(c)
    );
    if let Some(title) = &c.title {
        line.push_str(&format!("  \"{title}\""));
    }
    line
}

/// The source, with the HTTP status in front of a URL: an error page must
/// never pass for the page.
fn source_column(c: &Capture) -> String {
    match c.source.http() {
        Some(r) => format!("{} {}", r.status, c.source.label()),
        None => c.source.label().to_string(),
    }
}
