//! `history URL`: every capture of one URL, oldest first, marking where the
//! content changed. The format is documented in docs/HISTORY-AND-DIFF.md.

use serde::Serialize;

use super::{Ctx, Exit};
use crate::entry::{Body, Entry, Source};
use crate::error::Result;
use crate::hash::Digest;
use crate::log::Log;
use crate::output::{Out, count};
use crate::time::Timestamp;

/// One capture of the URL: a row of the table, an item of `history --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Row {
    /// The capture entry's `seq`.
    entry: u64,
    retrieved: Timestamp,
    /// The URL as given to `add`.
    url: String,
    /// The URL of the response whose body was archived, after redirects.
    final_url: String,
    status: u16,
    sha256: Digest,
    size: u64,
    change: Change,
}

/// How a capture's content compares with the capture before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Change {
    First,
    Unchanged,
    Changed,
}

pub fn run(ctx: &Ctx, url: &str) -> Result<Exit> {
    let archive = ctx.open()?;
    let rows = history(archive.log(), url)?;
    let mut out = ctx.out();
    if ctx.json {
        // Even with no capture the output is valid JSON, so that a pipe into
        // a JSON tool sees an empty list rather than nothing.
        out.begin_array()?;
        for row in &rows {
            out.item(row)?;
        }
        out.end_array()?;
    } else if !rows.is_empty() {
        print_table(&mut out, &rows, url)?;
    }
    out.finish()?;
    if rows.is_empty() {
        eprintln!(
            "provenance: {url}: no capture of this URL in the archive (history looks for the URL given to `add`, or the final URL it led to)"
        );
        return Ok(Exit::Negative);
    }
    Ok(Exit::Success)
}

/// The captures of `url`, oldest first, each compared with the one before.
fn history(log: &Log, url: &str) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for entry in log.entries()? {
        if let Some(row) = row_for(&entry?, url) {
            rows.push(row);
        }
    }
    // Captures fetched in parallel are logged in the order they were
    // committed, not the order they finished: "oldest" is by `retrieved`,
    // the log order breaking ties.
    rows.sort_by_key(|r| (r.retrieved, r.entry));
    mark_changes(&mut rows);
    Ok(rows)
}

/// The row for a URL capture of `url`; `None` for anything else.
fn row_for(entry: &Entry, url: &str) -> Option<Row> {
    let Body::Capture(c) = &entry.body else {
        return None;
    };
    let (given, final_url, status) = match &c.source {
        Source::Url(u) => (&u.url, &u.response.url, u.response.status),
        // An imported response counts as a capture of its target URI; a
        // resource without HTTP has no status, shown as 0.
        Source::Warc(w) => (&w.url, &w.url, w.http.as_ref().map_or(0, |r| r.status)),
        _ => return None,
    };
    if !same_url(given, url) && !same_url(final_url, url) {
        return None;
    }
    Some(Row {
        entry: entry.seq,
        retrieved: c.retrieved,
        url: given.clone(),
        final_url: final_url.clone(),
        status,
        sha256: c.sha256,
        size: c.size,
        change: Change::First,
    })
}

/// Exact match, except that one trailing slash more or less is accepted:
/// `https://example.org` and `https://example.org/` are the same page to
/// the person asking, and the HTTP client may have added the slash.
fn same_url(recorded: &str, asked: &str) -> bool {
    recorded == asked
        || recorded.strip_suffix('/') == Some(asked)
        || asked.strip_suffix('/') == Some(recorded)
}

fn mark_changes(rows: &mut [Row]) {
    let mut previous: Option<Digest> = None;
    for row in rows {
        row.change = match previous {
            None => Change::First,
            Some(p) if p == row.sha256 => Change::Unchanged,
            Some(_) => Change::Changed,
        };
        previous = Some(row.sha256);
    }
}

fn print_table(out: &mut Out, rows: &[Row], url: &str) -> Result<()> {
    out.line(format!(
        "{:<24}  {:>6}  {:<12}  {:>10}  CHANGE",
        "RETRIEVED", "STATUS", "ID", "SIZE"
    ))?;
    for row in rows {
        out.line(table_row(row, url))?;
    }
    let changed = rows.iter().filter(|r| r.change == Change::Changed).count() as u64;
    out.line(format!(
        "{}, content changed {}",
        count(rows.len() as u64, "capture", "captures"),
        count(changed, "time", "times")
    ))
}

fn table_row(row: &Row, url: &str) -> String {
    let change = match row.change {
        Change::First => "first",
        Change::Unchanged => "unchanged",
        // Upper case, so that the rows that matter stand out in a long list.
        Change::Changed => "CHANGED",
    };
    let line = format!(
        "{:<24}  {:>6}  {:<12}  {:>10}  {change}",
        row.retrieved.to_string(),
        row.status,
        row.sha256.short(12),
        row.size,
    );
    match redirect_note(row, url) {
        Some(note) => format!("{line:<72}  {note}"),
        None => line,
    }
}

/// Says where a redirect led, or came from, when the URL asked about is
/// only one end of it: the other end is what the row's bytes really are.
fn redirect_note(row: &Row, url: &str) -> Option<String> {
    if row.url == row.final_url {
        return None;
    }
    // The trailing-slash tolerance can make both ends match: an exact
    // match says which end was asked about.
    if row.final_url != url && same_url(&row.url, url) {
        Some(format!("redirected to {}", row.final_url))
    } else {
        Some(format!("redirected from {}", row.url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(entry: u64, retrieved: &str, sha: &[u8]) -> Row {
        Row {
            entry,
            retrieved: retrieved.parse::<chrono::DateTime<chrono::Utc>>().unwrap().into(),
            url: "https://example.org/a".into(),
            final_url: "https://example.org/a".into(),
            status: 200,
            sha256: Digest::of(sha),
            size: sha.len() as u64,
            change: Change::First,
        }
    }

    #[test]
    fn one_trailing_slash_more_or_less_is_the_same_url() {
        assert!(same_url("https://example.org/", "https://example.org"));
        assert!(same_url("https://example.org", "https://example.org/"));
        assert!(same_url("https://example.org/a", "https://example.org/a"));
        assert!(!same_url("https://example.org//", "https://example.org"));
        assert!(!same_url("https://example.org/a", "https://example.org/A"));
        assert!(!same_url("https://example.org/a", "https://example.org/ab"));
    }

    #[test]
    fn changes_are_marked_against_the_previous_capture() {
        let mut rows = vec![
            row(1, "2026-01-01T00:00:00.000Z", b"a"),
            row(3, "2026-01-02T00:00:00.000Z", b"a"),
            row(5, "2026-01-03T00:00:00.000Z", b"b"),
            row(7, "2026-01-04T00:00:00.000Z", b"a"),
        ];
        mark_changes(&mut rows);
        let marks: Vec<Change> = rows.iter().map(|r| r.change).collect();
        assert_eq!(
            marks,
            [Change::First, Change::Unchanged, Change::Changed, Change::Changed]
        );
    }

    #[test]
    fn json_row_has_the_documented_fields_in_order() {
        let mut r = row(4, "2026-01-01T00:00:00.000Z", b"a");
        r.change = Change::Changed;
        let json = serde_json::to_string(&r).unwrap();
        let expected = format!(
            r#"{{"entry":4,"retrieved":"2026-01-01T00:00:00.000Z","url":"https://example.org/a","final_url":"https://example.org/a","status":200,"sha256":"{}","size":1,"change":"changed"}}"#,
            Digest::of(b"a")
        );
        assert_eq!(json, expected);
    }

    #[test]
    fn redirects_name_the_other_end() {
        let mut r = row(1, "2026-01-01T00:00:00.000Z", b"a");
        r.final_url = "https://example.org/b".into();
        assert_eq!(
            redirect_note(&r, "https://example.org/a").as_deref(),
            Some("redirected to https://example.org/b")
        );
        assert_eq!(
            redirect_note(&r, "https://example.org/b").as_deref(),
            Some("redirected from https://example.org/a")
        );
        r.final_url = "https://example.org/a/".into();
        assert_eq!(
            redirect_note(&r, "https://example.org/a/").as_deref(),
            Some("redirected from https://example.org/a")
        );
    }
}
