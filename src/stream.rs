//! Reading a stream to its end in fixed-size pieces: the one loop behind
//! hashing, ingesting and copying, so that every path has constant memory.

use std::io::{self, Read};

/// Bytes read per call: large enough that per-call overhead vanishes, small
/// enough to stay in L2.
pub const CHUNK: usize = 256 * 1024;

/// Hands each piece of `reader` to `each`, retrying interrupted reads;
/// returns the number of bytes read. A read error goes through `on_error`
/// so that the caller can name the input it came from.
pub fn for_each_chunk<E>(
    reader: &mut dyn Read,
    on_error: impl Fn(io::Error) -> E,
    mut each: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<u64, E> {
    // A buffer of the thread's own, reused: zeroing 256 KiB for every
    // small file was a measurable part of adding thousands of them. A
    // nested call (from `each`) finds it taken and makes its own.
    let mut buf = SPARE
        .with(|spare| spare.take())
        .unwrap_or_else(|| vec![0u8; CHUNK]);
    let result = read_all(reader, &mut buf, on_error, &mut each);
    SPARE.with(|spare| spare.set(Some(buf)));
    result
}

thread_local! {
    static SPARE: std::cell::Cell<Option<Vec<u8>>> = const { std::cell::Cell::new(None) };
}

fn read_all<E>(
    reader: &mut dyn Read,
    buf: &mut [u8],
    on_error: impl Fn(io::Error) -> E,
    each: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<u64, E> {
    let mut total = 0u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(on_error(e)),
        };
        each(&buf[..n])?;
        total += n as u64;
    }
}
