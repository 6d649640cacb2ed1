use super::{Ctx, Exit};
use crate::entry::{Body, Capture, Entry};
use crate::error::Result;

pub fn run(ctx: &Ctx) -> Result<Exit> {
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
    for entry in archive.log().entries()? {
        let entry = entry?;
        let Body::Capture(capture) = &entry.body else {
            continue;
        };
        if ctx.json {
            out.item(&entry)?;
        } else {
            out.line(row(&entry, capture))?;
        }
    }
    if ctx.json {
        out.end_array()?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn row(_entry: &Entry, c: &Capture) -> String {
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
