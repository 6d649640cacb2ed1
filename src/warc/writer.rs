//! Writing records: header, block, the two line ends that close a record,
//! each record its own gzip member or all of them plain.

use std::io::{self, BufWriter, Write};

use super::gzip::Members;
use super::record::Header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain `.warc`.
    None,
    /// A `.warc.gz`: one gzip member per record, so that readers can seek
    /// to any record from an index of offsets.
    Gzip,
}

enum Sink<W: Write> {
    Plain(BufWriter<W>, u64),
    Gzip(Box<Members<W>>),
}

/// Writes records in order, checking that each block is exactly as long
/// as its header said: a Content-Length that lies breaks every record
/// after it.
pub struct Writer<W: Write> {
    sink: Sink<W>,
    /// Block bytes the open record still expects; None between records.
    remaining: Option<u64>,
    records: u64,
}

impl<W: Write> Writer<W> {
    /// `threads` compress gzip members beside the caller (0: the caller
    /// compresses).
    pub fn new(out: W, compression: Compression, threads: usize) -> Writer<W> {
        let sink = match compression {
            Compression::None => Sink::Plain(BufWriter::with_capacity(crate::stream::CHUNK, out), 0),
            Compression::Gzip => Sink::Gzip(Box::new(Members::new(out, threads))),
        };
        Writer {
            sink,
            remaining: None,
            records: 0,
        }
    }

    /// Starts a record whose block is `content_length` bytes.
    pub fn begin(&mut self, header: &Header, content_length: u64) -> io::Result<()> {
        if self.remaining.is_some() {
            return Err(invalid("a record was started before the last one ended"));
        }
        self.put(&header.encode(content_length))?;
        self.remaining = Some(content_length);
        Ok(())
    }

    /// Appends to the open record's block.
    pub fn block(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.remaining {
            Some(left) if bytes.len() as u64 <= left => {
                self.remaining = Some(left - bytes.len() as u64);
                self.put(bytes)
            }
            Some(_) => Err(invalid("a block is longer than its Content-Length")),
            None => Err(invalid("block bytes outside a record")),
        }
    }

    /// Ends the open record.
    pub fn end(&mut self) -> io::Result<()> {
        match self.remaining.take() {
            Some(0) => {}
            Some(left) => {
                return Err(invalid(&format!(
                    "a block is {left} bytes shorter than its Content-Length"
                )));
            }
            None => return Err(invalid("no record to end")),
        }
        self.put(b"\r\n\r\n")?;
        if let Sink::Gzip(m) = &mut self.sink {
            m.end_member()?;
        }
        self.records += 1;
        Ok(())
    }

    /// A whole record whose block is in memory.
    pub fn record(&mut self, header: &Header, block: &[u8]) -> io::Result<()> {
        self.begin(header, block.len() as u64)?;
        self.block(block)?;
        self.end()
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes everything; returns the output and the bytes written to it.
    pub fn finish(self) -> io::Result<(W, u64)> {
        if self.remaining.is_some() {
            return Err(invalid("the last record was not ended"));
        }
        match self.sink {
            Sink::Plain(w, n) => {
                let w = w.into_inner().map_err(|e| e.into_error())?;
                Ok((w, n))
            }
            Sink::Gzip(m) => m.finish(),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(w, n) => {
                *n += bytes.len() as u64;
                w.write_all(bytes)
            }
            Sink::Gzip(m) => m.write(bytes),
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warc::{RecordId, RecordType};

    fn header() -> Header {
        Header::new(
            RecordType::Resource,
            &RecordId::derive("a", 1, "capture"),
            "2026-11-28T04:27:39.989Z",
        )
    }

    #[test]
    fn plain_records_end_with_two_line_ends() {
        let mut w = Writer::new(Vec::new(), Compression::None, 0);
        w.record(&header(), b"hello").unwrap();
        let (out, n) = w.finish().unwrap();
        assert_eq!(n, out.len() as u64);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("WARC/1.1\r\n"), "{text}");
        assert!(text.ends_with("Content-Length: 5\r\n\r\nhello\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_block_of_the_wrong_length_is_refused() {
        let mut w = Writer::new(Vec::new(), Compression::None, 0);
        w.begin(&header(), 3).unwrap();
        assert!(w.block(b"four").is_err());
        w.block(b"ab").unwrap();
        assert!(w.end().is_err());
        let mut w = Writer::new(Vec::new(), Compression::Gzip, 0);
        w.begin(&header(), 3).unwrap();
        assert!(w.finish().is_err());
    }
}
