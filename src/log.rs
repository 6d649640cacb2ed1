//! The append-only log: `log.jsonl`, one entry a line, each linked to the
//! one before by its SHA-256, and `head.json`, which records how far the
//! log had been completely written.
//!
//! Writers hold the archive's exclusive lock, have the blob store make
//! every blob the new entries name durable, append all the lines of one
//! command in a single write, sync, then replace the head. Readers read
//! only up to the head's `log_bytes`, so they never see a half-written
//! entry and need no lock.
//!
//! Each line is also a leaf of the archive's Merkle tree (`merkle`): after
//! the head moves, the commit appends the new leaves to the derived tree
//! file (`tree`), which anything that needs it brings up to date when a
//! crash left it behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::archive::Lock;
use crate::entry::{Body, Entry, Head};
use crate::error::{Error, IoContext, Result};
use crate::failpoint;
use crate::hash::{Digest, Hasher};
use crate::merkle::{self, Hash};
use crate::store::BlobStore;
use crate::time::Timestamp;
use crate::tree::TreeFile;

/// Longest line kept in memory when reading; a longer one is hashed but
/// reported as malformed. No entry this tool writes comes near it.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

pub struct Log {
    path: PathBuf,
    head_path: PathBuf,
    tree_path: PathBuf,
    tmp: PathBuf,
}

impl Log {
    pub fn new(path: PathBuf, head_path: PathBuf, tree_path: PathBuf, tmp: PathBuf) -> Log {
        Log {
            path,
            head_path,
            tree_path,
            tmp,
        }
    }

    pub fn tree_path(&self) -> &Path {
        &self.tree_path
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn head_path(&self) -> &Path {
        &self.head_path
    }

    /// The last completed state of the log.
    pub fn head(&self) -> Result<Head> {
        let bytes = fs::read(&self.head_path).at(&self.head_path, "read")?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_archive(&self.head_path, format!("not a valid head: {e}")))
    }

    /// The log's current length in bytes (0 when absent).
    pub fn byte_len(&self) -> Result<u64> {
        match fs::metadata(&self.path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(Error::io(&self.path, "inspect", e)),
        }
    }

    /// Starts an append. The lock proves the caller is the only writer;
    /// the log must end exactly where the head says, or an earlier writer
    /// died mid-write and `verify --repair` has to look first. `blobs` is
    /// the store the new entries name blobs in, synced before they are
    /// written.
    pub fn begin<'a>(&'a self, _lock: &Lock, blobs: &'a dyn BlobStore) -> Result<Append<'a>> {
        let head = self.head()?;
        let len = self.byte_len()?;
        if len > head.log_bytes {
            return Err(Error::Unfinished(self.path.clone()));
        }
        if len < head.log_bytes {
            return Err(Error::bad_archive(
                &self.path,
                format!(
                    "the log is {len} bytes but its head records {}: entries were removed; run `provenance verify`",
                    head.log_bytes
                ),
            ));
        }
        Ok(Append {
            log: self,
            blobs,
            prev: head.last_entry,
            next_seq: head.entries,
            head,
            pending: Vec::new(),
            leaves: Vec::new(),
            entries: Vec::new(),
        })
    }

    /// The completed entries, in order.
    pub fn entries(&self) -> Result<Entries> {
        let head = self.head()?;
        let file = File::open(&self.path).at(&self.path, "open")?;
        Ok(Entries {
            path: self.path.clone(),
            lines: LineReader::new(Box::new(file.take(head.log_bytes))),
            line_no: 0,
        })
    }

    /// The completed lines as stored, for whoever recomputes the tree.
    pub fn acknowledged_lines(&self) -> Result<(Head, LineReader)> {
        let head = self.head()?;
        let file = File::open(&self.path).at(&self.path, "open")?;
        let reader = LineReader::new(Box::new(file.take(head.log_bytes)));
        Ok((head, reader))
    }

    /// The completed lines from byte `offset` (a line's start) to the
    /// head: what an index that stopped at `offset` has not seen.
    pub fn acknowledged_lines_from(&self, offset: u64) -> Result<(Head, LineReader)> {
        let head = self.head()?;
        let mut file = File::open(&self.path).at(&self.path, "open")?;
        file.seek(io::SeekFrom::Start(offset)).at(&self.path, "seek in")?;
        let rest = head.log_bytes.saturating_sub(offset);
        let reader = LineReader::starting_at(Box::new(file.take(rest)), offset);
        Ok((head, reader))
    }

    /// Reads single entries by their place in the log, as the index
    /// records them.
    pub fn entries_at(&self) -> Result<EntriesAt> {
        let file = File::open(&self.path).at(&self.path, "open")?;
        Ok(EntriesAt {
            path: self.path.clone(),
            file,
        })
    }

    /// Calls `found(index, line)` for each completed line that contains
    /// `needle`, `index` being the line's 0-based position. Parses and
    /// hashes nothing, so finding one document among a million entries
    /// costs a read of the log at memory speed.
    pub fn lines_containing(&self, needle: &[u8], found: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
        let head = self.head()?;
        let file = File::open(&self.path).at(&self.path, "open")?;
        let mut reader = file.take(head.log_bytes);
        let scan = Scan {
            chunk: 4 << 20,
            max_line: MAX_LINE,
        };
        scan.run(&mut reader, needle, found)
            .map_err(|e| e.unwrap_or_else(|io| Error::io(&self.path, "read", io)))
    }

    /// Every byte of the log, completed or not, line by line: for verify.
    pub fn raw_lines(&self) -> Result<LineReader> {
        match File::open(&self.path) {
            Ok(f) => Ok(LineReader::new(Box::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(LineReader::new(Box::new(io::empty()))),
            Err(e) => Err(Error::io(&self.path, "open", e)),
        }
    }

    /// Cuts the log back to `len` bytes and records `head`: used by repair
    /// to drop an unfinished tail, never anything the head acknowledged.
    pub fn truncate_to_head(&self, _lock: &Lock, head: &Head) -> Result<()> {
        let file = OpenOptions::new()
            .write(true)
            .open(&self.path)
            .at(&self.path, "open for repair")?;
        file.set_len(head.log_bytes).at(&self.path, "truncate")?;
        file.sync_all().at(&self.path, "sync")
    }

    pub fn write_head(&self, head: &Head) -> Result<()> {
        let bytes = serde_json::to_vec(head).expect("a head always serialises");
        write_atomic(&self.head_path, &self.tmp, &bytes)
    }
}

/// One command's entries, written together by [`Append::commit`].
pub struct Append<'a> {
    log: &'a Log,
    blobs: &'a dyn BlobStore,
    head: Head,
    prev: Option<Digest>,
    next_seq: u64,
    pending: Vec<u8>,
    leaves: Vec<Hash>,
    entries: Vec<Entry>,
}

impl Append<'_> {
    /// Adds an entry and returns its `seq`.
    pub fn push(&mut self, body: Body) -> u64 {
        let entry = Entry {
            seq: self.next_seq,
            prev: self.prev,
            time: Timestamp::now(),
            body,
        };
        let line = serde_json::to_vec(&entry).expect("entries always serialise");
        self.prev = Some(Digest::of(&line));
        self.leaves.push(merkle::leaf_hash(&line));
        self.pending.extend_from_slice(&line);
        self.pending.push(b'\n');
        self.next_seq += 1;
        self.entries.push(entry);
        self.next_seq - 1
    }

    /// Syncs the blobs, writes, syncs, then moves the head: the moment
    /// the head is replaced is the moment the entries are acknowledged.
    pub fn commit(self) -> Result<Vec<Entry>> {
        if self.entries.is_empty() {
            return Ok(self.entries);
        }
        // The one sync of the batch's blobs: from here on, a line of the
        // log, even one past the head, names only blobs a crash keeps.
        self.blobs.sync()?;
        failpoint::hit("blobs-synced");
        let path = &self.log.path;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .at(path, "open for appending")?;
        if failpoint::armed("log-partial") {
            let half = &self.pending[..self.pending.len() / 2];
            let _ = file.write_all(half).and_then(|_| file.sync_data());
            std::process::abort();
        }
        file.write_all(&self.pending).at(path, "append to")?;
        failpoint::hit("log-written");
        file.sync_data().at(path, "sync")?;
        failpoint::hit("log-synced");
        let head = Head {
            entries: self.next_seq,
            log_bytes: self.head.log_bytes + self.pending.len() as u64,
            last_entry: self.prev,
        };
        self.log.write_head(&head)?;
        failpoint::hit("head-written");
        self.extend_tree();
        failpoint::hit("tree-written");
        Ok(self.entries)
    }

    /// Appends the new leaves to the tree file when it ended where the log
    /// did. The entries are acknowledged already, so a failure here fails
    /// nothing: the file is derived, and its next user rebuilds it.
    fn extend_tree(&self) {
        if let Ok(mut tree) = TreeFile::open(&self.log.tree_path)
            && tree.size() == self.head.entries
        {
            let _ = tree.append(&self.leaves);
        }
    }
}

/// Entries read by offset and length, each with one positioned read.
pub struct EntriesAt {
    path: PathBuf,
    file: File,
}

impl EntriesAt {
    pub fn entry(&self, offset: u64, len: u64) -> Result<Entry> {
        use std::os::unix::fs::FileExt;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l as u64 <= MAX_LINE as u64)
            .ok_or_else(|| Error::bad_archive(&self.path, format!("at byte {offset}: line too long")))?;
        let mut bytes = vec![0; len];
        self.file
            .read_exact_at(&mut bytes, offset)
            .at(&self.path, "read")?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::bad_archive(
                &self.path,
                format!("at byte {offset}: not a valid entry: {e}; run `provenance verify`"),
            )
        })
    }
}

/// Parsed entries up to the head.
pub struct Entries {
    path: PathBuf,
    lines: LineReader,
    line_no: u64,
}

impl Iterator for Entries {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        let line = match self.lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return None,
            Err(e) => return Some(Err(Error::io(&self.path, "read", e))),
        };
        self.line_no += 1;
        Some(line.parse().map_err(|reason| {
            Error::bad_archive(
                &self.path,
                format!("line {}: {reason}; run `provenance verify`", self.line_no),
            )
        }))
    }
}

/// One line of the log as stored.
pub struct Line {
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// The line without its newline, cut at [`MAX_LINE`].
    pub bytes: Vec<u8>,
    /// Length without the newline, even when `bytes` was cut.
    pub len: u64,
    /// SHA-256 of the whole line without its newline.
    pub digest: Digest,
    /// The line's Merkle leaf hash, SHA-256(0x00 || line).
    pub leaf: Hash,
    /// False for a last line with no newline: a torn write.
    pub complete: bool,
}

impl Line {
    pub fn end(&self) -> u64 {
        self.offset + self.len + u64::from(self.complete)
    }

    pub fn parse(&self) -> std::result::Result<Entry, String> {
        if !self.complete {
            return Err("unfinished line".into());
        }
        if self.len as usize > self.bytes.len() {
            return Err(format!("line longer than {MAX_LINE} bytes"));
        }
        serde_json::from_slice(&self.bytes).map_err(|e| format!("not a valid entry: {e}"))
    }
}

/// Splits a stream into lines in bounded memory, hashing each.
pub struct LineReader {
    inner: BufReader<Box<dyn Read>>,
    offset: u64,
}

impl LineReader {
    pub fn new(inner: Box<dyn Read>) -> LineReader {
        LineReader::starting_at(inner, 0)
    }

    /// A reader whose first byte is at `offset` in the log, so that each
    /// line's offset is its place in the whole file.
    pub fn starting_at(inner: Box<dyn Read>, offset: u64) -> LineReader {
        LineReader {
            inner: BufReader::with_capacity(crate::stream::CHUNK, inner),
            offset,
        }
    }

    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let offset = self.offset;
        let mut bytes = Vec::new();
        let mut hasher = Hasher::new();
        let mut leaf = merkle::LeafHasher::new();
        let mut complete = false;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let (chunk, used) = match memchr_newline(buf) {
                Some(i) => {
                    complete = true;
                    (&buf[..i], i + 1)
                }
                None => (buf, buf.len()),
            };
            hasher.update(chunk);
            leaf.update(chunk);
            let room = MAX_LINE.saturating_sub(bytes.len());
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.inner.consume(used);
            self.offset += used as u64;
            if complete {
                break;
            }
        }
        let (digest, len) = hasher.finish();
        if len == 0 && !complete {
            return Ok(None);
        }
        Ok(Some(Line {
            offset,
            bytes,
            len,
            digest,
            leaf: leaf.finish(),
            complete,
        }))
    }
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', buf)
}

/// How `Log::lines_containing` reads: in chunks, skipping lines longer
/// than any entry as `entries` refuses them.
struct Scan {
    chunk: usize,
    max_line: usize,
}

impl Scan {
    /// Errors are the callback's (`Ok`) or a read's (`Err`).
    fn run(
        &self,
        reader: &mut impl Read,
        needle: &[u8],
        mut found: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> std::result::Result<(), std::result::Result<Error, io::Error>> {
        let finder = memchr::memmem::Finder::new(needle);
        let mut buf: Vec<u8> = Vec::with_capacity(self.chunk * 2);
        let mut line_index = 0u64;
        let mut skipping = false;
        loop {
            let start = buf.len();
            buf.resize(start + self.chunk, 0);
            let n = read_full(reader, &mut buf[start..]).map_err(Err)?;
            buf.truncate(start + n);
            let Some(cut) = memchr::memrchr(b'\n', &buf).map(|i| i + 1) else {
                if n == 0 {
                    return Ok(());
                }
                if buf.len() > self.max_line {
                    buf.clear();
                    skipping = true;
                }
                continue;
            };
            let mut from = 0;
            if skipping {
                from = memchr::memchr(b'\n', &buf).map_or(cut, |i| i + 1);
                line_index += 1;
                skipping = false;
            }
            line_index = scan_lines(&buf[..cut], from, line_index, &finder, &mut found).map_err(Ok)?;
            buf.drain(..cut);
            if n == 0 {
                return Ok(());
            }
        }
    }
}

/// The matching lines of `buf[from..]`, which ends with a newline; returns
/// the index of the line after it.
fn scan_lines(
    buf: &[u8],
    from: usize,
    mut line_index: u64,
    finder: &memchr::memmem::Finder<'_>,
    found: &mut impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<u64> {
    let mut counted = from;
    let mut pos = from;
    while let Some(hit) = finder.find(&buf[pos..]).map(|i| i + pos) {
        let start = memchr::memrchr(b'\n', &buf[counted..hit]).map_or(counted, |i| counted + i + 1);
        line_index += memchr::memchr_iter(b'\n', &buf[counted..start]).count() as u64;
        let end = memchr::memchr(b'\n', &buf[hit..]).map_or(buf.len(), |i| hit + i);
        found(line_index, &buf[start..end])?;
        line_index += 1;
        counted = (end + 1).min(buf.len());
        pos = counted;
    }
    Ok(line_index + memchr::memchr_iter(b'\n', &buf[counted..]).count() as u64)
}

/// Reads until `buf` is full or the stream ends.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the
/// new one, never a mix, even across a crash.
pub fn write_atomic(path: &Path, tmp_dir: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, tmp_dir, bytes, crate::store::READ_WRITE)
}

/// [`write_atomic`] for a file that is never changed once written (a
/// checkpoint, a timestamp token, the public key): read-only, as blobs are.
pub fn write_once(path: &Path, tmp_dir: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, tmp_dir, bytes, crate::store::READ_ONLY)
}

fn write_atomic_mode(path: &Path, tmp_dir: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    fs::create_dir_all(tmp_dir).at(tmp_dir, "create directory")?;
    let mut tmp = tempfile::Builder::new()
        .prefix("meta-")
        .tempfile_in(tmp_dir)
        .at(tmp_dir, "create a temporary file in")?;
    tmp.write_all(bytes).at(tmp.path(), "write")?;
    tmp.as_file().sync_all().at(tmp.path(), "sync")?;
    crate::store::set_mode(tmp.path(), mode)?;
    tmp.persist(path)
        .map_err(|e| Error::io(path, "replace", e.error))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::store::sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `lines_containing` must find, the slow way.
    fn naive(text: &[u8], needle: &[u8], max_line: usize) -> Vec<(u64, Vec<u8>)> {
        let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        lines.pop();
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.len() <= max_line && l.windows(needle.len()).any(|w| w == needle))
            .map(|(i, l)| (i as u64, l.to_vec()))
            .collect()
    }

    #[test]
    fn finds_every_matching_line_with_its_index_whatever_the_chunk_size() {
        let mut text = Vec::new();
        for i in 0..300u32 {
            let len = (i * 37 % 90) as usize;
            let mut line: Vec<u8> = (0..len).map(|j| b'a' + ((i as usize + j) % 7) as u8).collect();
            if i % 11 == 0 {
                line.extend_from_slice(b"19552d2c");
            }
            if i % 13 == 0 {
                line.extend_from_slice(b"19552d2c 19552d2c");
            }
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        for chunk in [1, 2, 7, 64, 1000, 1 << 16] {
            for max_line in [40, 1 << 20] {
                let scan = Scan { chunk, max_line };
                let mut got = Vec::new();
                scan.run(&mut &text[..], b"19552d2c", |i, l| {
                    got.push((i, l.to_vec()));
                    Ok(())
                })
                .map_err(|_| "scan failed")
                .unwrap();
                if max_line == 40 {
                    // Lines longer than max_line are skipped when they fill a chunk.
                    assert!(
                        got.iter()
                            .all(|(i, l)| naive(&text, b"19552d2c", usize::MAX).contains(&(*i, l.clone())))
                    );
                } else {
                    assert_eq!(got, naive(&text, b"19552d2c", max_line), "chunk {chunk}");
                }
            }
        }
    }
}
