//! Whether the index agrees with the log. The index is derived, so a
//! disagreement loses no evidence, but every answer `list`, `search` and
//! `sources` give comes from it: one that the log does not explain (not
//! merely behind) is an error, mended by `verify --repair`.

use rusqlite::Connection;

use super::{Finding, Problem};
use crate::archive::Archive;
use crate::entry::{Body, Entry, SourcesOutcome, TextOutcome};
use crate::error::Result;
use crate::index::{Index, State};
use crate::log::Line;

/// At most this many disagreements are listed one by one.
const MAX_LISTED: usize = 10;

/// Checks the index, when there is one; adds nothing when it agrees.
/// With `integrity`, SQLite's and FTS5's own checks of the whole file too.
pub(super) fn check(archive: &Archive, integrity: bool, findings: &mut Vec<Finding>) -> Result<()> {
    let path = archive.root().join(crate::archive::INDEX);
    if !path.exists() {
        return Ok(());
    }
    let finding = |problem, message: String| Finding::new(problem, message).path(&path);
    let (index, state) = match Index::inspect(archive) {
        Ok(Some(found)) => found,
        Ok(None) | Err(_) => {
            findings.push(finding(
                Problem::IndexDamaged,
                format!(
                    "{}: not a readable index; `provenance verify --repair` or `provenance reindex` rebuilds it",
                    path.display()
                ),
            ));
            return Ok(());
        }
    };
    // Without a head there is nothing to compare with: verify says why.
    let Ok(head) = archive.log().head() else {
        return Ok(());
    };
    if state.schema != crate::index::SCHEMA_VERSION {
        findings.push(finding(
            Problem::IndexStale,
            format!(
                "{}: an index of another version ({}); it is rebuilt when next used",
                path.display(),
                state.schema
            ),
        ));
        return Ok(());
    }
    let mut problems = Vec::new();
    // A damaged file shows as SQLite failing to read it, in any check.
    let checked = if integrity {
        deep_check(index.conn())
    } else {
        Ok(())
    }
    .and_then(|()| compare_entries(archive, &index, &state, &mut problems).map_err(|e| e.to_string()))
    .and_then(|()| derived_tables(index.conn(), &mut problems));
    if let Err(damage) = checked {
        findings.push(finding(
            Problem::IndexDamaged,
            format!(
                "{}: {damage}; `provenance verify --repair` rebuilds it",
                path.display()
            ),
        ));
        return Ok(());
    }
    if state.entries < head.entries && problems.is_empty() {
        findings.push(finding(
            Problem::IndexStale,
            format!(
                "{}: the index has {} of the log's {} entries (an interrupted command); it catches up when next used",
                path.display(),
                state.entries,
                head.entries
            ),
        ));
    }
    if state.entries > head.entries || (state.entries == head.entries && state.last_entry != head.last_entry)
    {
        problems.push(format!(
            "it records {} entries ending in {}, the log {} ending in {}",
            state.entries,
            hash_or_none(state.last_entry.map(|d| d.to_hex())),
            head.entries,
            hash_or_none(head.last_entry.map(|d| d.to_hex()))
        ));
    }
    let total = problems.len();
    for p in problems.into_iter().take(MAX_LISTED) {
        findings.push(finding(
            Problem::IndexMismatch,
            format!(
                "{}: the index disagrees with the log: {p}; `provenance verify --repair` rebuilds it",
                path.display()
            ),
        ));
    }
    if total > MAX_LISTED {
        findings.push(finding(
            Problem::IndexMismatch,
            format!(
                "{}: and {} more disagreements",
                path.display(),
                total - MAX_LISTED
            ),
        ));
    }
    Ok(())
}

fn hash_or_none(h: Option<String>) -> String {
    h.unwrap_or_else(|| "nothing".into())
}

/// SQLite's own check of the file, and FTS5's of the full-text index.
fn deep_check(conn: &Connection) -> std::result::Result<(), String> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if verdict != "ok" {
        return Err(format!("damaged: {verdict}"));
    }
    conn.execute(
        "INSERT INTO texts (texts, rank) VALUES ('integrity-check', 0)",
        [],
    )
    .map_err(|e| format!("the full-text index is damaged: {e}"))?;
    Ok(())
}

/// One row of `captures` or `analyses` as the log says it must be.
#[derive(Debug, PartialEq)]
enum Expected {
    Capture {
        seq: u64,
        sha256: String,
        offset: u64,
        len: u64,
        retrieved: i64,
        label: String,
    },
    Analysis {
        seq: u64,
        sha256: String,
        text: Option<Option<String>>,
        sources: Option<Option<String>>,
    },
}

fn expected(line: &Line, entry: &Entry) -> Option<Expected> {
    match &entry.body {
        Body::Capture(c) => Some(Expected::Capture {
            seq: entry.seq,
            sha256: c.sha256.to_hex(),
            offset: line.offset,
            len: line.len,
            retrieved: c.retrieved.millis(),
            label: c.source.label().to_string(),
        }),
        Body::Analysis(a) => Some(Expected::Analysis {
            seq: entry.seq,
            sha256: a.sha256.to_hex(),
            text: a.text.as_ref().map(|t| match t {
                TextOutcome::Extracted { sha256, .. } => Some(sha256.to_hex()),
                TextOutcome::None { .. } => None,
            }),
            sources: a.sources.as_ref().map(|s| match s {
                SourcesOutcome::Extracted { sha256, .. } => Some(sha256.to_hex()),
                SourcesOutcome::None { .. } => None,
            }),
        }),
        Body::Init(_) | Body::Unknown => None,
    }
}

/// Reads the log and the index's capture and analysis rows side by side,
/// in seq order, up to the index's state.
fn compare_entries(
    archive: &Archive,
    index: &Index,
    state: &State,
    problems: &mut Vec<String>,
) -> Result<()> {
    let conn = index.conn();
    let sql =
        "SELECT 0, c.seq, d.sha256, c.line_offset, c.line_len, c.retrieved, c.label, NULL, NULL, NULL, NULL
               FROM captures c LEFT JOIN documents d ON d.id = c.doc
               UNION ALL
               SELECT 1, a.seq, a.sha256, NULL, NULL, NULL, NULL, a.has_text, a.text_sha256, a.has_sources,
                      a.sources_sha256
               FROM analyses a
               ORDER BY 2";
    let mut stmt = conn.prepare(sql).map_err(|e| index.error(e))?;
    let mut rows = stmt.query([]).map_err(|e| index.error(e))?;
    let (_, mut lines) = archive.log().acknowledged_lines()?;
    let mut seq = 0;
    while seq < state.entries {
        let Some(line) = lines
            .next_line()
            .map_err(|e| crate::error::Error::io(archive.log().path(), "read", e))?
        else {
            break;
        };
        seq += 1;
        let Ok(entry) = line.parse() else { continue };
        let Some(want) = expected(&line, &entry) else {
            continue;
        };
        let got = rows
            .next()
            .map_err(|e| index.error(e))?
            .map(row_as_expected)
            .transpose();
        match got {
            Ok(Some(got)) if got == want => {}
            Ok(Some(got)) => problems.push(format!("entry {}: {}", entry.seq, difference(&want, &got))),
            Ok(None) => problems.push(format!("entry {} of the log is not in it", entry.seq)),
            Err(e) => problems.push(format!("entry {}: {e}", entry.seq)),
        }
    }
    if let Ok(Some(row)) = rows.next() {
        let extra = row_as_expected(row).map_or_else(
            |e| e.to_string(),
            |r| {
                let fields = r.fields();
                format!("{} {}", fields[0].1, fields[1].1)
            },
        );
        problems.push(format!("it has rows no log entry explains, from {extra} on"));
    }
    Ok(())
}

impl Expected {
    /// The fields, named, in order.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let opt = |v: &Option<Option<String>>| match v {
            None => "no result".to_string(),
            Some(None) => "none".to_string(),
            Some(Some(h)) => h.clone(),
        };
        match self {
            Expected::Capture {
                seq,
                sha256,
                offset,
                len,
                retrieved,
                label,
            } => vec![
                ("kind", "capture".into()),
                ("seq", seq.to_string()),
                ("sha256", sha256.clone()),
                ("offset", offset.to_string()),
                ("length", len.to_string()),
                ("retrieved", retrieved.to_string()),
                ("source", label.clone()),
            ],
            Expected::Analysis {
                seq,
                sha256,
                text,
                sources,
            } => vec![
                ("kind", "analysis".into()),
                ("seq", seq.to_string()),
                ("sha256", sha256.clone()),
                ("text", opt(text)),
                ("sources", opt(sources)),
            ],
        }
    }
}

/// The first field in which the index's row differs from the log.
fn difference(log: &Expected, index: &Expected) -> String {
    let (a, b) = (log.fields(), index.fields());
    a.iter().zip(&b).find(|(x, y)| x != y).map_or_else(
        || "differs".to_string(),
        |((name, want), (_, got))| format!("its {name} is '{want}' in the log, '{got}' in the index"),
    )
}

fn row_as_expected(r: &rusqlite::Row) -> rusqlite::Result<Expected> {
    let flag = |i: usize, value: usize| -> rusqlite::Result<Option<Option<String>>> {
        Ok(if r.get::<_, bool>(i)? {
            Some(r.get(value)?)
        } else {
            None
        })
    };
    Ok(if r.get::<_, i64>(0)? == 0 {
        Expected::Capture {
            seq: r.get(1)?,
            sha256: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            offset: r.get(3)?,
            len: r.get(4)?,
            retrieved: r.get(5)?,
            label: r.get(6)?,
        }
    } else {
        Expected::Analysis {
            seq: r.get(1)?,
            sha256: r.get(2)?,
            text: flag(7, 8)?,
            sources: flag(9, 10)?,
        }
    })
}

/// What the index derives from its own rows: each document's newest
/// results, its outlets and people, its searchable text.
fn derived_tables(conn: &Connection, problems: &mut Vec<String>) -> std::result::Result<(), String> {
    let checks: [(&str, &str); 4] = [
        (
            "a document's captures or newest results are not what its rows say",
            "SELECT d.sha256 FROM documents d WHERE
                d.first_capture IS NOT (SELECT min(seq) FROM captures c WHERE c.doc = d.id)
             OR d.last_capture IS NOT (SELECT max(seq) FROM captures c WHERE c.doc = d.id)
             OR d.text_entry IS NOT (SELECT max(seq) FROM analyses a WHERE a.doc = d.id AND a.has_text)
             OR d.sources_entry IS NOT (SELECT max(seq) FROM analyses a WHERE a.doc = d.id AND a.has_sources)
             OR d.text_sha256 IS NOT (SELECT a.text_sha256 FROM analyses a WHERE a.seq = d.text_entry)
             OR d.sources_sha256 IS NOT (SELECT a.sources_sha256 FROM analyses a WHERE a.seq = d.sources_entry)",
        ),
        (
            "a document's outlets are not as many as its sources result counts",
            "SELECT d.sha256 FROM documents d JOIN analyses a ON a.seq = d.sources_entry
             WHERE a.outlets IS NOT NULL
               AND a.outlets != (SELECT count(*) FROM doc_outlets x WHERE x.doc = d.id)",
        ),
        (
            "a document's people are more than its sources result counts",
            "SELECT d.sha256 FROM documents d LEFT JOIN analyses a ON a.seq = d.sources_entry
             WHERE coalesce(a.people, 0) < (SELECT count(*) FROM doc_people x WHERE x.doc = d.id)",
        ),
        (
            "a document's searchable text is missing or has no document",
            // FTS5's own table of row sizes names every row, without
            // reading the texts.
            // (Two anti-joins: SQLite runs a full join of the two as a
            // nested loop.)
            "SELECT t.id FROM texts_docsize t WHERE NOT EXISTS
                (SELECT 1 FROM documents d WHERE d.id = t.id AND d.text_sha256 IS NOT NULL)
             UNION ALL
             SELECT d.sha256 FROM documents d WHERE d.text_sha256 IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM texts_docsize t WHERE t.id = d.id)",
        ),
    ];
    for (what, sql) in checks {
        let found: rusqlite::Result<Vec<String>> = conn.prepare(sql).and_then(|mut stmt| {
            stmt.query_map([], |r| {
                Ok(match r.get::<_, rusqlite::types::Value>(0)? {
                    rusqlite::types::Value::Text(s) => s,
                    rusqlite::types::Value::Integer(i) => format!("text row {i}"),
                    other => format!("{other:?}"),
                })
            })?
            .collect()
        });
        match found {
            Ok(docs) if docs.is_empty() => {}
            Ok(docs) => problems.push(format!("{what} ({} such, first {})", docs.len(), docs[0])),
            Err(e) => return Err(format!("cannot read it: {e}")),
        }
    }
    Ok(())
}
