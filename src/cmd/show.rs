use serde::Serialize;

use super::{Ctx, Exit};
use crate::catalog::{self, Document};
use crate::entry::{Body, Entry, Source, TextOutcome};
use crate::error::Result;
use crate::hash::Digest;
use crate::output::Out;

/// `show --json`.
#[derive(Serialize)]
struct Shown<'a> {
    id: Digest,
    sha256: Digest,
    size: u64,
    media_type: &'a str,
    text: Option<&'a TextOutcome>,
    captures: &'a [Entry],
    analyses: &'a [Entry],
}

pub fn run(ctx: &Ctx, id: &str) -> Result<Exit> {
    let archive = ctx.open()?;
    let doc = catalog::find(archive.log(), id)?;
    let latest = doc.latest_capture();
    let mut out = ctx.out();
    if ctx.json {
        out.json(&Shown {
            id: doc.sha256,
            sha256: doc.sha256,
            size: latest.size,
            media_type: &latest.media_type,
            text: doc.text(),
            captures: &doc.captures,
            analyses: &doc.analyses,
        })?;
    } else {
        print_human(&mut out, &doc, &archive.store().describe(&doc.sha256))?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

fn print_human(out: &mut Out, doc: &Document, blob: &str) -> Result<()> {
    let latest = doc.latest_capture();
    out.line(format!("id          {}", doc.sha256))?;
    out.line(format!("size        {} bytes", latest.size))?;
    out.line(format!("media type  {}", latest.media_type))?;
    let text = match doc.text() {
        Some(TextOutcome::Extracted { size, encoding, .. }) if encoding == "UTF-8" => {
            format!("{size} bytes of UTF-8")
        }
        Some(TextOutcome::Extracted { size, encoding, .. }) => {
            format!("{size} bytes of UTF-8, decoded from {encoding}")
        }
        Some(TextOutcome::None { reason }) => format!("none: {reason}"),
        None => "not analysed".to_string(),
    };
    out.line(format!("text        {text}"))?;
    out.line(format!("blob        {blob}"))?;
    out.line(format!("captures    {}", doc.captures.len()))?;
    for entry in &doc.captures {
        let Body::Capture(c) = &entry.body else { continue };
        out.line("")?;
        out.line(format!(
            "  capture (entry {}) retrieved {}",
            entry.seq, c.retrieved
        ))?;
        match &c.source {
            Source::File {
                path,
                absolute_path,
                size,
                modified,
            } => {
                out.line(format!("    source      file {path}"))?;
                out.line(format!("    path        {absolute_path}"))?;
                if let Some(size) = size {
                    out.line(format!("    file size   {size} bytes"))?;
                }
                if let Some(m) = modified {
                    out.line(format!("    modified    {m}"))?;
                }
            }
            Source::Stdin => out.line("    source      standard input")?,
            Source::Url(u) => out.line(format!("    source      {}", u.url))?,
        }
        let declared = c.media_type_declared.as_deref().unwrap_or("-");
        let sniffed = c.media_type_sniffed.as_deref().unwrap_or("-");
        out.line(format!(
            "    media type  {} (declared {declared}, sniffed {sniffed})",
            c.media_type
        ))?;
        out.line(format!("    tool        {} {}", c.tool.name, c.tool.version))?;
        if let Some(t) = &c.title {
            out.line(format!("    title       {t}"))?;
        }
        if let Some(n) = &c.note {
            out.line(format!("    note        {n}"))?;
        }
        for (k, v) in &c.meta {
            out.line(format!("    meta        {k} = {v}"))?;
        }
    }
    Ok(())
}
