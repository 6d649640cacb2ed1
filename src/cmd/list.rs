use super::{Ctx, Exit};
use crate::cli::ListArgs;
use crate::entry::{Body, Capture, Entry};
use crate::error::Result;
use crate::index::{Filter, Index};
use crate::output::Out;
use crate::time::Timestamp;

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
        for c in index.captures(&filter)? {
            // The table needs nothing the index lacks; JSON is the entry
            // itself, read from the log.
            if ctx.json {
                print(ctx, &mut out, &entries.entry(c.line_offset, c.line_len)?)?;
            } else {
                let status = c.status.map(|s| format!("{s} ")).unwrap_or_default();
                let source = format!("{status}{}", c.label);
                out.line(row(
                    &c.sha256[..12],
                    &c.retrieved,
                    c.size,
                    &c.media_type,
                    &source,
                    c.title.as_deref(),
                ))?;
            }
        }
    }
    if ctx.json {
        out.end_array()?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn print(ctx: &Ctx, out: &mut Out, entry: &Entry) -> Result<()> {
    let Body::Capture(c) = &entry.body else {
        return Ok(());
    };
    if ctx.json {
        out.item(entry)
    } else {
        let id = c.sha256.short(12);
        out.line(row(
            &id,
            &c.retrieved,
            c.size,
            &c.media_type,
            &source_column(c),
            c.title.as_deref(),
        ))
    }
}

fn row(
    id: &str,
    retrieved: &Timestamp,
    size: u64,
    media_type: &str,
    source: &str,
    title: Option<&str>,
) -> String {
    let mut line = format!(
        "{id:<12}  {:<24}  {size:>10}  {media_type:<24}  {source}",
        retrieved.to_string()
    );
    if let Some(title) = title {
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
