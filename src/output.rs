//! Writing to standard output: buffered, with write errors mapped so that
//! a closed pipe ends the program quietly.

use std::io::{self, BufWriter, Read, StdoutLock, Write};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stream::for_each_chunk;

pub struct Out {
    w: BufWriter<StdoutLock<'static>>,
    /// Items written so far in the current JSON array.
    items: Option<usize>,
}

impl Out {
    pub fn stdout() -> Out {
        Out {
            w: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            items: None,
        }
    }

    pub fn line(&mut self, s: impl AsRef<str>) -> Result<()> {
        self.w.write_all(s.as_ref().as_bytes()).map_err(Error::Output)?;
        self.w.write_all(b"\n").map_err(Error::Output)
    }

    /// Bytes as they are (already formatted output, such as CSV).
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.w.write_all(bytes).map_err(Error::Output)
    }

    /// One JSON document, pretty-printed, on its own.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer_pretty(&mut self.w, value).map_err(|e| Error::Output(e.into()))?;
        self.w.write_all(b"\n").map_err(Error::Output)
    }

    /// Starts a JSON array whose items are written one at a time, so that
    /// listing a large archive needs no memory for the whole list.
    pub fn begin_array(&mut self) -> Result<()> {
        self.items = Some(0);
        self.w.write_all(b"[").map_err(Error::Output)
    }

    pub fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let n = self.items.get_or_insert(0);
        let sep: &[u8] = if *n == 0 { b"\n  " } else { b",\n  " };
        *n += 1;
        self.w.write_all(sep).map_err(Error::Output)?;
        serde_json::to_writer(&mut self.w, value).map_err(|e| Error::Output(e.into()))
    }

    pub fn end_array(&mut self) -> Result<()> {
        let close: &[u8] = if self.items.take().unwrap_or(0) == 0 {
            b"]\n"
        } else {
            b"\n]\n"
        };
        self.w.write_all(close).map_err(Error::Output)
    }

    /// Copies a stream to standard output byte for byte; a failure to read
    /// is reported against `source`.
    pub fn copy_from(&mut self, reader: &mut dyn Read, source: &str) -> Result<u64> {
        let w = &mut self.w;
        for_each_chunk(
            reader,
            |e| Error::io(source, "read", e),
            |chunk| w.write_all(chunk).map_err(Error::Output),
        )
    }

    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(Error::Output)
    }
}

/// "1 blob", "2 blobs": counts read as English.
pub fn count(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}
