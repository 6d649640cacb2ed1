//! The index: an SQLite database derived from the log, for what a log
//! scan cannot answer fast at a hundred thousand documents (which
//! documents cite whom, full-text search, filters). It is never the source
//! of truth: `reindex` rebuilds it from the log, each commit brings it up
//! to date, a reader that finds it behind brings it up, and one that finds
//! it missing, damaged, of another version or of another history rebuilds
//! it. docs/INDEX.md has the tables and the rules.

mod fill;
pub mod filter;
pub mod query;
mod schema;

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use crate::archive::{self, Archive, Lock, LockMode};
use crate::entry::{Entry, Head};
use crate::error::{Error, IoContext, Result};
use crate::hash::Digest;
use crate::log::{Append, LineReader};

pub use filter::Filter;
pub use schema::VERSION as SCHEMA_VERSION;

/// An index brought up to the log's head, open for queries. The index
/// lock is held while it is open, so that nobody rebuilds it underneath.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    _lock: Option<Lock>,
}

/// How far the index has read the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub schema: i64,
    pub archive_id: Option<String>,
    pub entries: u64,
    pub log_bytes: u64,
    pub last_entry: Option<Digest>,
}

impl State {
    fn is_at(&self, head: &Head) -> bool {
        self.entries == head.entries && self.log_bytes == head.log_bytes && self.last_entry == head.last_entry
    }
}

/// What `reindex` did (`reindex --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Built {
    pub entries: u64,
    pub documents: u64,
    /// Text and sources blobs that could not be read (verify says which).
    pub unreadable_blobs: u64,
}

impl Index {
    /// The index, brought up to the log's head first: caught up when it
    /// is behind, rebuilt when it is missing or unusable. An archive that
    /// cannot be written gets an index built in memory.
    pub fn open(archive: &Archive) -> Result<Index> {
        let path = archive.root().join(archive::INDEX);
        let lock = match archive.index_lock(LockMode::Exclusive) {
            Ok(lock) => lock,
            Err(Error::Io { err, .. }) if is_read_only(&err) => return Index::read_only(archive, path),
            Err(e) => return Err(e),
        };
        let conn = bring_up(archive, &path)?;
        Ok(Index {
            conn,
            path,
            _lock: Some(lock),
        })
    }

    /// After a commit: brings an existing index up to the new head. Never
    /// rebuilds (a missing or stale index is left to its next reader, so
    /// that one `add` costs the same whatever the archive's size), and
    /// never fails the command: the entries are acknowledged already.
    pub fn after_commit(archive: &Archive) {
        let path = archive.root().join(archive::INDEX);
        let outcome = archive
            .index_lock(LockMode::Exclusive)
            .and_then(|_lock| match open_existing(&path)? {
                Some((mut conn, state)) => catch_up(&mut conn, archive, &state)
                    .map(|_| ())
                    .map_err(|e| e.into_error(&path)),
                None => Ok(()),
            });
        if let Err(e) = outcome {
            eprintln!(
                "provenance: warning: index not updated ({e}); it is brought up to date when next used"
            );
        }
    }

    /// Commits an append, then brings the index up to the new head: how
    /// every command that writes entries commits them.
    pub fn commit(archive: &Archive, append: Append<'_>) -> Result<Vec<Entry>> {
        let entries = append.commit()?;
        if !entries.is_empty() {
            Index::after_commit(archive);
        }
        Ok(entries)
    }

    /// Starts the index of an archive just created, so that every write
    /// after keeps it up to date from the first; a failure only warns,
    /// the first reader building it then.
    pub fn start(archive: &Archive) {
        if let Err(e) = Index::rebuild(archive) {
            eprintln!("provenance: warning: index not created ({e}); it is built when first used");
        }
    }

    /// The newest capture's content hash of each URL (as given to `add`),
    /// from the index when there is one; without one, from a scan of the
    /// log, rather than building an index in the middle of an `add`.
    pub fn latest_by_url(archive: &Archive, urls: &[String]) -> Result<HashMap<String, Digest>> {
        if !archive.root().join(archive::INDEX).exists() {
            return crate::catalog::latest_by_url(archive.log(), urls);
        }
        let index = Index::open(archive)?;
        let mut stmt = index
            .conn
            .prepare_cached(
                "SELECT d.sha256 FROM captures c JOIN documents d ON d.id = c.doc
                 WHERE c.label = ?1 AND c.source = 'url' ORDER BY c.seq DESC LIMIT 1",
            )
            .map_err(|e| index.error(e))?;
        let mut latest = HashMap::new();
        for url in urls {
            let found: Option<String> = stmt
                .query_row([url], |r| r.get(0))
                .optional()
                .map_err(|e| index.error(e))?;
            if let Some(d) = found.and_then(|h| h.parse().ok()) {
                latest.insert(url.clone(), d);
            }
        }
        Ok(latest)
    }

    /// Builds the index anew from the log, replacing whatever was there.
    pub fn rebuild(archive: &Archive) -> Result<Built> {
        let path = archive.root().join(archive::INDEX);
        let _lock = archive.index_lock(LockMode::Exclusive)?;
        let (_, built) = rebuild(archive, &path)?;
        Ok(built)
    }

    /// The index's state without changing anything: None when there is
    /// no usable index. For verify.
    pub fn inspect(archive: &Archive) -> Result<Option<(Index, State)>> {
        let path = archive.root().join(archive::INDEX);
        let lock = archive.index_lock(LockMode::Shared).ok();
        match open_read_only(&path) {
            Ok(Some(conn)) => {
                let state = read_state(&conn).map_err(|e| sql_error(&path, e))?;
                Ok(state.map(|s| {
                    (
                        Index {
                            conn,
                            path,
                            _lock: lock,
                        },
                        s,
                    )
                }))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(sql_error(&path, e)),
        }
    }

    fn read_only(archive: &Archive, path: PathBuf) -> Result<Index> {
        let head = archive.log().head()?;
        if let Ok(Some(conn)) = open_read_only(&path)
            && matches!(read_state(&conn), Ok(Some(s)) if s.schema == schema::VERSION && s.is_at(&head))
        {
            return Ok(Index {
                conn,
                path,
                _lock: None,
            });
        }
        let mut conn = Connection::open_in_memory().map_err(|e| sql_error(&path, e))?;
        build(&mut conn, archive).map_err(|e| e.into_error(&path))?;
        Ok(Index {
            conn,
            path,
            _lock: None,
        })
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Maps an SQLite error to the library's, naming the index file.
    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.path, e)
    }
}

fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    )
}

fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::bad_archive(path, format!("index: {e}; `provenance reindex` rebuilds it"))
}

/// Brings the index at `path` up to the head, rebuilding it if need be.
fn bring_up(archive: &Archive, path: &Path) -> Result<Connection> {
    if let Some((mut conn, state)) = open_existing(path)? {
        match catch_up(&mut conn, archive, &state) {
            Ok(true) => return Ok(conn),
            Ok(false) => {}
            Err(ApplyError::Sql(e)) if is_damage(&e) => {}
            Err(e) => return Err(e.into_error(path)),
        }
    }
    rebuild(archive, path).map(|(conn, _)| conn)
}

/// Opens the index on disk and reads its state; None when there is none
/// or it is unusable (damaged, empty, of another schema), to be rebuilt.
/// An error only for what is no fault of the index (it cannot be read).
fn open_existing(path: &Path) -> Result<Option<(Connection, State)>> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = match Connection::open(path) {
        Ok(c) => c,
        Err(e) if is_damage(&e) => return Ok(None),
        Err(e) => return Err(sql_error(path, e)),
    };
    match read_state(&conn).and_then(|s| tune(&conn).map(|_| s)) {
        Ok(Some(state)) if state.schema == schema::VERSION => Ok(Some((conn, state))),
        Ok(_) => Ok(None),
        Err(e) if is_damage(&e) => Ok(None),
        Err(e) => Err(sql_error(path, e)),
    }
}

/// Opens an existing index without creating one. Read-write when the
/// file allows (FTS5's integrity check is a command sent as an insert,
/// though it writes nothing); read-only otherwise.
fn open_read_only(path: &Path) -> rusqlite::Result<Option<Connection>> {
    if !path.exists() {
        return Ok(None);
    }
    let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_READ_WRITE)
        .or_else(|_| Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_READ_ONLY))
        .map(Some)
}

/// Damage that a rebuild mends, as opposed to a failure to read the file.
fn is_damage(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => matches!(
            f.code,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::SchemaChanged
        ),
        // A table or column missing: not an index of ours.
        rusqlite::Error::SqlInputError { .. } | rusqlite::Error::InvalidColumnType(..) => true,
        _ => e.to_string().contains("no such table") || e.to_string().contains("no such column"),
    }
}

/// The index's own writes need not be durable the moment they return: it
/// is rebuilt from the log whenever it is lost. A commit must still never
/// leave it half-written, which the rollback journal ensures.
fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -8_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn read_state(conn: &Connection) -> rusqlite::Result<Option<State>> {
    conn.query_row(
        "SELECT schema, archive_id, entries, log_bytes, last_entry FROM state WHERE id = 0",
        [],
        |r| {
            let last: Option<String> = r.get(4)?;
            Ok(State {
                schema: r.get(0)?,
                archive_id: r.get(1)?,
                entries: r.get(2)?,
                log_bytes: r.get(3)?,
                last_entry: last.and_then(|h| h.parse().ok()),
            })
        },
    )
    .optional()
}

/// Applies what the log holds past the index's state. False when the log
/// does not continue the index's history (it was rewritten or rolled
/// back): the index must be rebuilt.
fn catch_up(
    conn: &mut Connection,
    archive: &Archive,
    state: &State,
) -> std::result::Result<bool, ApplyError> {
    let log = archive.log();
    let (head, mut lines) = log
        .acknowledged_lines_from(state.log_bytes)
        .map_err(ApplyError::Log)?;
    if state.is_at(&head) {
        return Ok(true);
    }
    if state.entries > head.entries || state.log_bytes > head.log_bytes {
        return Ok(false);
    }
    let tx = conn.transaction()?;
    let mut filler = fill::Filler::new(&tx, archive.store());
    let continues = apply_lines(
        &mut filler,
        &mut lines,
        log.path(),
        state.entries,
        state.last_entry,
    )?;
    filler.finish()?;
    if continues != Some(head.last_entry) {
        return Ok(false);
    }
    set_state(&tx, &head)?;
    crate::failpoint::hit("index-applied");
    tx.commit()?;
    Ok(true)
}

/// An error while applying lines: the log's, or the index's.
enum ApplyError {
    Log(Error),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> ApplyError {
        ApplyError::Sql(e)
    }
}

impl ApplyError {
    fn into_error(self, index: &Path) -> Error {
        match self {
            ApplyError::Log(e) => e,
            ApplyError::Sql(e) => sql_error(index, e),
        }
    }
}

/// Applies every line, checking that they continue the chain from
/// `(seq, prev)`; returns the last line's hash, or None when a line does
/// not continue it.
fn apply_lines(
    filler: &mut fill::Filler,
    lines: &mut LineReader,
    log_path: &Path,
    mut seq: u64,
    mut prev: Option<Digest>,
) -> std::result::Result<Option<Option<Digest>>, ApplyError> {
    while let Some(line) = lines
        .next_line()
        .map_err(|e| ApplyError::Log(Error::io(log_path, "read", e)))?
    {
        let entry = line.parse().map_err(|reason| {
            ApplyError::Log(Error::bad_archive(
                log_path,
                format!("at byte {}: {reason}; run `provenance verify`", line.offset),
            ))
        })?;
        if entry.seq != seq || entry.prev != prev {
            return Ok(None);
        }
        filler.apply(&line, &entry).map_err(ApplyError::Sql)?;
        seq += 1;
        prev = Some(line.digest);
    }
    Ok(Some(prev))
}

fn set_state(conn: &Connection, head: &Head) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE state SET entries = ?1, log_bytes = ?2, last_entry = ?3",
        params![head.entries, head.log_bytes, head.last_entry.map(|d| d.to_hex())],
    )?;
    Ok(())
}

/// Builds a new index beside the old one and moves it into place.
fn rebuild(archive: &Archive, path: &Path) -> Result<(Connection, Built)> {
    let tmp = tempfile::Builder::new()
        .prefix("index-")
        .suffix(".sqlite")
        .tempfile_in(archive.tmp_dir())
        .at(archive.tmp_dir(), "create a temporary index in")?;
    let built = {
        let mut conn = Connection::open(tmp.path()).map_err(|e| sql_error(tmp.path(), e))?;
        // A half-built file is thrown away, never read: no journal needed.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(|e| sql_error(tmp.path(), e))?;
        build(&mut conn, archive).map_err(|e| e.into_error(path))?
    };
    // A journal left by a crash belongs to the old file; were it found
    // beside the new one, SQLite would play it into the wrong database.
    for leftover in [journal_path(path, "-journal"), journal_path(path, "-wal")] {
        match fs::remove_file(&leftover) {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(Error::io(&leftover, "remove", e)),
            _ => {}
        }
    }
    tmp.persist(path)
        .map_err(|e| Error::io(path, "move the new index into place", e.error))?;
    let conn = Connection::open(path).map_err(|e| sql_error(path, e))?;
    tune(&conn).map_err(|e| sql_error(path, e))?;
    Ok((conn, built))
}

fn journal_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates the tables and fills them from the whole log.
fn build(conn: &mut Connection, archive: &Archive) -> std::result::Result<Built, ApplyError> {
    // The secondary indexes from the start: replacing a document's results
    // (a later analysis in the same log) looks its rows up by document.
    conn.execute_batch(schema::TABLES)?;
    conn.execute_batch(schema::INDEXES)?;
    conn.execute_batch(schema::TRIGGERS)?;
    conn.execute(
        "INSERT INTO state (id, schema, entries, log_bytes) VALUES (0, ?1, 0, 0)",
        [schema::VERSION],
    )?;
    let log = archive.log();
    let (head, mut lines) = log.acknowledged_lines().map_err(ApplyError::Log)?;
    let tx = conn.transaction()?;
    let mut filler = fill::Filler::new(&tx, archive.store());
    let last = apply_lines(&mut filler, &mut lines, log.path(), 0, None)?;
    let unreadable = filler.finish()?;
    if last != Some(head.last_entry) {
        return Err(ApplyError::Log(Error::bad_archive(
            log.path(),
            "the log's chain is broken, so no index can be built from it; run `provenance verify`",
        )));
    }
    set_state(&tx, &head)?;
    let documents: u64 = tx.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?;
    tx.commit()?;
    Ok(Built {
        entries: head.entries,
        documents,
        unreadable_blobs: unreadable,
    })
}

/// A name as lower-case words, for matching names loosely: the key of the
/// `people` table, and how `--person` compares.
pub fn name_key(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}
