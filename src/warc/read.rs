//! Reading WARC files other tools wrote: records one at a time, each
//! header parsed, each block handed over as a stream bounded by its
//! Content-Length, so that memory does not depend on record sizes.
//!
//! A `.warc.gz` is a series of gzip members, usually one per record; the
//! offset of a record is the offset of the member it starts in, which is
//! what CDX indexes give. A file that is one gzip stream around several
//! records is read too (every record then has its member's offset). The
//! compressed bytes are counted as the inflater consumes them from a
//! buffered reader (flate2's `bufread` decoders never read past the end of
//! a member), which is how member boundaries are known exactly.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

use crate::hash::{Digest, Hasher};

/// The longest header line accepted, and the most header bytes: a record
/// whose header is larger is not a WARC record.
const MAX_LINE: usize = 64 * 1024;
const MAX_HEADER: usize = 1024 * 1024;

/// One record's header: its fields in order, as written.
#[derive(Debug, Clone, Default)]
pub struct RecordHeader {
    /// `WARC/1.0`, `WARC/1.1`.
    pub version: String,
    pub fields: Vec<(String, String)>,
}

impl RecordHeader {
    /// The first value of a field (names compared case-insensitively).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The record's WARC-Type, lower case.
    pub fn record_type(&self) -> String {
        self.get("WARC-Type").unwrap_or("").trim().to_ascii_lowercase()
    }

    pub fn content_length(&self) -> Option<u64> {
        self.get("Content-Length")?.trim().parse().ok()
    }
}

/// A problem with the file at an offset: the record there, and everything
/// after it, cannot be read.
#[derive(Debug)]
pub struct ReadError {
    pub offset: u64,
    pub reason: String,
}

/// Counts (and hashes) the bytes consumed from a buffered reader.
struct Counting<R> {
    inner: BufReader<R>,
    consumed: u64,
    hasher: Hasher,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            self.hasher.update(&buf[..amt.min(buf.len())]);
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// Reads the records of one file in order.
pub struct Reader<R: Read> {
    input: Counting<R>,
    gzip: bool,
}

/// What the caller does with a record: its header, its offset, and its
/// block as a stream of exactly Content-Length bytes (or fewer, with an
/// error, when the file ends early). Whatever the caller leaves unread is
/// skipped.
pub type Visit<'a> = dyn FnMut(u64, &RecordHeader, &mut dyn BufRead) -> crate::error::Result<()> + 'a;

impl<R: Read> Reader<R> {
    pub fn new(input: R) -> io::Result<Reader<R>> {
        let mut input = Counting {
            inner: BufReader::with_capacity(crate::stream::CHUNK, input),
            consumed: 0,
            hasher: Hasher::new(),
        };
        let gzip = input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        Ok(Reader { input, gzip })
    }

    /// The SHA-256 and length of every byte read so far: of the whole file
    /// once [`Reader::records`] has returned `Ok`.
    pub fn file_digest(self) -> (Digest, u64) {
        self.input.hasher.finish()
    }

    /// Calls `visit` for every record. Returns the first error that makes
    /// the rest of the file unreadable (a truncated or corrupt record);
    /// `visit`'s own errors are passed on.
    pub fn records(&mut self, visit: &mut Visit<'_>) -> Result<(), Failure> {
        if self.gzip {
            loop {
                let offset = self.input.consumed;
                if self.input.fill_buf().map_err(|e| at(offset, e))?.is_empty() {
                    return Ok(());
                }
                let mut member = BufReader::with_capacity(64 * 1024, GzDecoder::new(&mut self.input));
                let mut records = 0;
                while read_record(&mut member, offset, visit)? {
                    records += 1;
                }
                if records == 0 {
                    return Err(Failure::Read(ReadError {
                        offset,
                        reason: "an empty gzip member, not a WARC record".into(),
                    }));
                }
            }
        } else {
            loop {
                let offset = self.input.consumed;
                if !read_record(&mut self.input, offset, visit)? {
                    return Ok(());
                }
            }
        }
    }
}

/// Why reading stopped.
#[derive(Debug)]
pub enum Failure {
    /// The file: its record at this offset and the rest cannot be read.
    Read(ReadError),
    /// The caller's own error (the archive failed).
    Visit(crate::error::Error),
}

fn at(offset: u64, e: io::Error) -> Failure {
    Failure::Read(ReadError {
        offset,
        reason: describe(&e),
    })
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "the file ends inside the record (truncated)".into(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt gzip data ({e})")
        }
        _ => crate::error::os_message(e),
    }
}

/// Reads one record from `input`, if there is one before its end. `offset`
/// is where the record is said to start.
fn read_record<B: BufRead>(input: &mut B, offset: u64, visit: &mut Visit<'_>) -> Result<bool, Failure> {
    // Blank lines between records are tolerated (some writers add more
    // than the two line ends the format asks for).
    let version = loop {
        let Some(line) = read_line(input).map_err(|e| at(offset, e))? else {
            return Ok(false);
        };
        if !line.trim().is_empty() {
            break line;
        }
    };
    let bad = |reason: String| Failure::Read(ReadError { offset, reason });
    if !version.starts_with("WARC/") {
        return Err(bad(format!(
            "not a WARC record (it starts with {:?})",
            version.chars().take(40).collect::<String>()
        )));
    }
    let mut header = RecordHeader {
        version: version.trim().to_string(),
        fields: Vec::new(),
    };
    let mut size = version.len();
    loop {
        let line = read_line(input)
            .map_err(|e| at(offset, e))?
            .ok_or_else(|| bad("the file ends inside the record's header (truncated)".into()))?;
        size += line.len();
        if size > MAX_HEADER {
            return Err(bad("a record header of more than 1 MiB".into()));
        }
        if line.is_empty() {
            break;
        }
        if !push_field(&mut header.fields, &line) {
            return Err(bad(format!(
                "a header line without a colon: {:?}",
                truncate(&line)
            )));
        }
    }
    let Some(length) = header.content_length() else {
        return Err(bad("the record has no valid Content-Length".into()));
    };
    let mut block = Block {
        inner: (&mut *input).take(length),
    };
    visit(offset, &header, &mut block).map_err(Failure::Visit)?;
    // Whatever the caller left is skipped, which also finds a truncation
    // the caller did not read far enough to see.
    io::copy(&mut block, &mut io::sink()).map_err(|e| at(offset, e))?;
    // The two line ends that close the record; missing ones are tolerated
    // (the next record's version line is looked for after blank lines).
    for _ in 0..4 {
        let buf = input.fill_buf().map_err(|e| at(offset, e))?;
        if !matches!(buf.first(), Some(b'\r' | b'\n')) {
            break;
        }
        input.consume(1);
    }
    Ok(true)
}

/// A block: the record's bytes, failing with UnexpectedEof when the file
/// ends before Content-Length bytes.
struct Block<'a, B> {
    inner: io::Take<&'a mut B>,
}

impl<B: BufRead> Read for Block<'_, B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.inner.limit() > 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside the record's block (truncated)",
            ));
        }
        Ok(n)
    }
}

impl<B: BufRead> BufRead for Block<'_, B> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let limit = self.inner.limit();
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() && limit > 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside the record's block (truncated)",
            ));
        }
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
    }
}

/// Adds one header line, WARC's or HTTP's, to `fields`: `Name: value`, or
/// a continuation line (obsolete folding) that extends the value before.
/// False for a line with no colon, which the caller describes.
pub fn push_field(fields: &mut Vec<(String, String)>, line: &str) -> bool {
    if line.starts_with([' ', '\t']) {
        if let Some((_, v)) = fields.last_mut() {
            v.push(' ');
            v.push_str(line.trim());
        }
        return true;
    }
    let Some((name, value)) = line.split_once(':') else {
        return false;
    };
    fields.push((name.trim().to_string(), value.trim().to_string()));
    true
}

/// One line without its line end; None at the end of the input. Bytes
/// that are not UTF-8 are replaced.
pub fn read_line<B: BufRead + ?Sized>(input: &mut B) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = (&mut *input)
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.len() > MAX_LINE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a line longer than 64 KiB",
        ));
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(id: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:{id}>\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    type Records = Vec<(u64, String, Vec<u8>)>;

    fn read_all(file: &[u8]) -> (Records, Option<ReadError>) {
        let mut out = Vec::new();
        let mut reader = Reader::new(file).unwrap();
        let result = reader.records(&mut |offset, h, block| {
            let mut body = Vec::new();
            if block.read_to_end(&mut body).is_err() {
                return Ok(());
            }
            out.push((offset, h.get("warc-record-id").unwrap().to_string(), body));
            Ok(())
        });
        let err = match result {
            Ok(()) => None,
            Err(Failure::Read(e)) => Some(e),
            Err(Failure::Visit(e)) => panic!("{e}"),
        };
        (out, err)
    }

    #[test]
    fn plain_and_gzip_records_with_their_offsets() {
        let (a, b) = (record("a", b"first"), record("b", b"second\r\n"));
        let plain = [a.clone(), b.clone()].concat();
        let (got, err) = read_all(&plain);
        assert!(err.is_none());
        assert_eq!(got[0], (0, "<urn:uuid:a>".into(), b"first".to_vec()));
        assert_eq!(
            got[1],
            (a.len() as u64, "<urn:uuid:b>".into(), b"second\r\n".to_vec())
        );

        let (ga, gb) = (gz(&a), gz(&b));
        let file = [ga.clone(), gb].concat();
        let (got, err) = read_all(&file);
        assert!(err.is_none());
        assert_eq!(got[1].0, ga.len() as u64);
        assert_eq!(got[1].2, b"second\r\n");
        let mut reader = Reader::new(&file[..]).unwrap();
        reader.records(&mut |_, _, _| Ok(())).unwrap();
        assert_eq!(reader.file_digest().0, Digest::of(&file));
    }

    #[test]
    fn a_truncated_file_yields_the_records_before_and_an_error_at_the_offset() {
        let (a, b) = (record("a", b"first"), record("b", b"second"));
        let plain = [a.clone(), b].concat();
        let (got, err) = read_all(&plain[..plain.len() - 6]);
        assert_eq!(got.len(), 1);
        assert_eq!(err.unwrap().offset, a.len() as u64);

        let ga = gz(&a);
        let file = [ga.clone(), gz(&record("b", b"second"))].concat();
        // The block inflates whole and only the gzip trailer is missing:
        // the record is visited, and the error that follows names it,
        // which is how the caller knows not to keep it.
        let (got, err) = read_all(&file[..file.len() - 5]);
        assert_eq!(got.len(), 2);
        assert_eq!(err.unwrap().offset, ga.len() as u64);
        let (got, err) = read_all(&file[..file.len() - 30]);
        assert_eq!(got.len(), 1);
        assert_eq!(err.unwrap().offset, ga.len() as u64);
    }
}
