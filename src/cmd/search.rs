//! `provenance search QUERY`: documents whose text holds the words, best
//! first, each with the passage that matched.

use std::io::IsTerminal;

use super::{Ctx, Exit};
use crate::cli::{Color, SearchArgs};
use crate::error::Result;
use crate::index::query::Hit;
use crate::index::{Filter, Index};
use crate::output::count;

/// ANSI bold red, as grep marks a match.
const MARK_ON: &str = "\x1b[1;31m";
const MARK_OFF: &str = "\x1b[0m";

pub fn run(ctx: &Ctx, args: &SearchArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter)?;
    let query = args.query.join(" ");
    let archive = ctx.open()?;
    let index = Index::open(&archive)?;
    let hits = index.search(&query, &filter, args.limit)?;
    let mut out = ctx.out();
    if ctx.json {
        out.json(&hits)?;
    } else {
        let color = match args.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        for hit in &hits {
            out.line(heading(hit))?;
            out.line(format!("    {}", marked(hit, color)))?;
        }
    }
    out.finish()?;
    if !ctx.json {
        let more = if args.limit != 0 && hits.len() as u64 == args.limit {
            " (the best; --limit shows more)"
        } else {
            ""
        };
        eprintln!(
            "provenance: {} found{more}",
            count(hits.len() as u64, "document", "documents")
        );
    }
    // Like grep: finding nothing is a negative answer.
    Ok(if hits.is_empty() {
        Exit::Negative
    } else {
        Exit::Success
    })
}

fn heading(hit: &Hit) -> String {
    let mut line = format!(
        "{}  {}  {}",
        &hit.id[..12.min(hit.id.len())],
        hit.retrieved,
        hit.source
    );
    if let Some(title) = &hit.title {
        line.push_str(&format!("  \"{title}\""));
    }
    line
}

/// The snippet with its matches marked in colour, or as they are.
fn marked(hit: &Hit, color: bool) -> String {
    if !color {
        return hit.snippet.clone();
    }
    let mut s = String::with_capacity(hit.snippet.len() + 16 * hit.highlights.len());
    let mut at = 0;
    for &(start, end) in &hit.highlights {
        s.push_str(&hit.snippet[at..start]);
        s.push_str(MARK_ON);
        s.push_str(&hit.snippet[start..end]);
        s.push_str(MARK_OFF);
        at = end;
    }
    s.push_str(&hit.snippet[at..]);
    s
}
