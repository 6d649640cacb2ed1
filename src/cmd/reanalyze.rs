//! `provenance reanalyze [ID...]`: runs today's analysers on archived
//! documents and appends an analysis entry wherever the result differs
//! from the newest one recorded. Old entries are never rewritten; readers
//! take the newest.

use serde::Serialize;

use super::{Ctx, Exit};
use crate::archive::LockMode;
use crate::catalog::{self, Document};
use crate::cite;
use crate::entry::{Analysis, Body, Tool};
use crate::error::Result;
use crate::extract::decode::DEFAULT_MAX_DECODED;
use crate::extract::{self, text};
use crate::hash::Digest;
use crate::index::Index;
use crate::output::count;

#[derive(Serialize)]
struct Reanalysed {
    id: Digest,
    /// The analysers whose results changed and were recorded.
    updated: Vec<String>,
}

pub fn run(ctx: &Ctx, ids: &[String]) -> Result<Exit> {
    let archive = ctx.open()?;
    let lock = archive.lock(LockMode::Exclusive)?;
    let docs = if ids.is_empty() {
        catalog::documents(archive.log())?
    } else {
        ids.iter()
            .map(|id| catalog::find(archive.log(), id))
            .collect::<Result<Vec<_>>>()?
    };
    let store = archive.store();
    let mut append = archive.log().begin(&lock, archive.store())?;
    let mut report = Vec::new();
    for doc in &docs {
        let capture = doc.latest_capture();
        let seq = doc.captures.last().map_or(0, |e| e.seq);
        let analysed = extract::analyse(store, capture, DEFAULT_MAX_DECODED)?;
        let mut updated = Vec::new();
        let text_now = (Some(&analysed.text), analysed.decoded.as_ref());
        if newest_by(doc, &text::analyser(), |a| (a.text.as_ref(), a.decoded.as_ref())) != Some(text_now) {
            append.push(Body::Analysis(analysed.text_entry(seq, doc.sha256)));
            updated.push(text::NAME.to_string());
        }
        if newest_by(doc, &cite::analyser(), |a| a.sources.as_ref()) != Some(Some(&analysed.sources)) {
            append.push(Body::Analysis(analysed.sources_entry(seq, doc.sha256)));
            updated.push(cite::NAME.to_string());
        }
        report.push(Reanalysed {
            id: doc.sha256,
            updated,
        });
    }
    Index::commit(&archive, append)?;
    print(ctx, &report)?;
    Ok(Exit::Success)
}

/// What the newest analysis entry by this analyser (same name and
/// version) recorded, as `pick` sees it.
fn newest_by<'d, T>(doc: &'d Document, tool: &Tool, pick: impl Fn(&'d Analysis) -> T) -> Option<T> {
    doc.analyses.iter().rev().find_map(|e| match &e.body {
        Body::Analysis(a) if a.analyser == *tool => Some(pick(a)),
        _ => None,
    })
}

fn print(ctx: &Ctx, report: &[Reanalysed]) -> Result<()> {
    let mut out = ctx.out();
    if ctx.json {
        out.json(report)?;
    } else {
        for r in report {
            let what = if r.updated.is_empty() {
                "unchanged".to_string()
            } else {
                format!("recorded {}", r.updated.join(", "))
            };
            out.line(format!("{}  {what}", r.id))?;
        }
        let changed = report.iter().filter(|r| !r.updated.is_empty()).count();
        eprintln!(
            "provenance: reanalysed {}: {changed} with new results",
            count(report.len() as u64, "document", "documents")
        );
    }
    out.finish()
}
