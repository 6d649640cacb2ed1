//! Gzip members, one per record, compressed on several threads at once.
//!
//! A member's bytes are cut into pieces of [`PIECE`] bytes, and each piece
//! is deflated on its own (no back-references across pieces, as `pigz -i`
//! does): every piece but a member's last ends with a sync flush, on a
//! byte boundary, so the pieces' outputs concatenate into one valid
//! deflate stream. Pieces go to worker threads through a bounded queue and
//! come back in order, so memory stays a few pieces whatever the size of a
//! record, and the output depends only on the input, never on the threads:
//! the same records give the same bytes.
//!
//! Deflate's fastest level: a WARC is written once and read by tools that
//! inflate at hundreds of MB/s whatever the level, and the higher levels
//! save a few percent of HTML for three to eight times the time. A piece
//! whose first [`SAMPLE`] bytes deflate to more than 90% of their size
//! (images, PDFs, a gzip-encoded body) is stored for the rest instead:
//! searching for matches in such bytes costs more than everything else
//! an export does, for nothing.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::{Compress, FlushCompress, Status};

/// Uncompressed bytes a worker deflates at a time.
pub const PIECE: usize = 1 << 20;

/// How much of a piece is deflated before deciding whether it compresses.
pub const SAMPLE: usize = 64 * 1024;

/// Gzip header: no name, no time (so that output is reproducible), the
/// operating system unknown.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A bound on small pieces in flight (their buffers and channels).
const MAX_PIECES_IN_FLIGHT: usize = 256;

/// The largest stored deflate block.
const STORED_MAX: usize = 65535;

/// Writes gzip members to `out`.
pub struct Members<W: Write> {
    out: W,
    written: u64,
    /// The uncompressed bytes of the current member not yet handed out.
    piece: Vec<u8>,
    /// True until the current member's first piece is handed out.
    member_start: bool,
    crc: flate2::Crc,
    in_flight: VecDeque<Pending>,
    /// Uncompressed bytes of the pieces in flight, and their bound: the
    /// bound is in bytes, not pieces, so that a run of small records
    /// (requests, metadata) never leaves a worker idle behind a large one.
    in_flight_bytes: usize,
    max_in_flight_bytes: usize,
    pool: Option<Pool>,
    /// Compresses on the caller's thread when there is no pool.
    local: Deflater,
    free: Vec<Vec<u8>>,
}

struct Pending {
    len: usize,
    header: bool,
    trailer: Option<[u8; 8]>,
    done: Receiver<Done>,
}

struct Job {
    input: Vec<u8>,
    output: Vec<u8>,
    last: bool,
    reply: SyncSender<Done>,
}

struct Done {
    input: Vec<u8>,
    output: io::Result<Vec<u8>>,
}

struct Pool {
    jobs: Option<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl<W: Write> Members<W> {
    /// `threads` workers deflate pieces; with none, the caller does.
    pub fn new(out: W, threads: usize) -> Members<W> {
        let pool = (threads > 0).then(|| Pool::start(threads));
        Members {
            out,
            written: 0,
            piece: Vec::with_capacity(PIECE),
            member_start: true,
            crc: flate2::Crc::new(),
            in_flight: VecDeque::new(),
            in_flight_bytes: 0,
            // Each worker busy with one piece and holding the next, so that
            // none waits while this thread writes.
            max_in_flight_bytes: (threads * 2 + 1) * PIECE,
            pool,
            local: Deflater::new(),
            free: Vec::new(),
        }
    }

    /// Adds bytes to the current member.
    pub fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        self.crc.update(bytes);
        while !bytes.is_empty() {
            if self.piece.len() == PIECE {
                // Handed out only once more bytes follow, so that the
                // member's last piece is always known to be its last.
                self.hand_out(false)?;
            }
            let n = bytes.len().min(PIECE - self.piece.len());
            self.piece.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// Ends the current member; the next write starts another.
    pub fn end_member(&mut self) -> io::Result<()> {
        self.hand_out(true)?;
        self.crc = flate2::Crc::new();
        self.member_start = true;
        Ok(())
    }

    /// Writes everything still in flight; returns the output and the
    /// number of bytes written to it.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        if !self.piece.is_empty() {
            self.end_member()?;
        }
        while !self.in_flight.is_empty() {
            self.write_oldest()?;
        }
        self.out.flush()?;
        if let Some(mut pool) = self.pool.take() {
            pool.stop();
        }
        let Members { out, written, .. } = self;
        Ok((out, written))
    }

    fn hand_out(&mut self, last: bool) -> io::Result<()> {
        // A small piece (a request, a metadata record) leaves as a copy of
        // its own size, so that pieces in flight hold what they use and not
        // a whole piece's buffer each.
        let input = if self.piece.len() < PIECE / 4 {
            let small = self.piece.clone();
            self.piece.clear();
            small
        } else {
            let next = self.free.pop().unwrap_or_else(|| Vec::with_capacity(PIECE));
            std::mem::replace(&mut self.piece, next)
        };
        let header = std::mem::replace(&mut self.member_start, false);
        let trailer = last.then(|| {
            let mut t = [0u8; 8];
            t[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
            t[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
            t
        });
        let output = if input.len() < PIECE / 4 {
            Vec::new()
        } else {
            self.free.pop().unwrap_or_default()
        };
        let Some(pool) = &self.pool else {
            let mut output = output;
            let result = self.local.piece(&input, last, &mut output);
            let pending = Pending {
                len: input.len(),
                header,
                trailer,
                done: ready(Done {
                    input,
                    output: result.map(|()| output),
                }),
            };
            self.in_flight.push_back(pending);
            return self.write_oldest();
        };
        let (reply, done) = sync_channel(1);
        let len = input.len();
        pool.send(Job {
            input,
            output,
            last,
            reply,
        })?;
        self.in_flight.push_back(Pending {
            len,
            header,
            trailer,
            done,
        });
        self.in_flight_bytes += len;
        while self.in_flight_bytes > self.max_in_flight_bytes || self.in_flight.len() > MAX_PIECES_IN_FLIGHT {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(p) = self.in_flight.pop_front() else {
            return Ok(());
        };
        self.in_flight_bytes = self.in_flight_bytes.saturating_sub(p.len);
        let done = p
            .done
            .recv()
            .map_err(|_| io::Error::other("a compression thread died"))?;
        let output = done.output?;
        if p.header {
            self.out.write_all(&GZIP_HEADER)?;
            self.written += GZIP_HEADER.len() as u64;
        }
        self.out.write_all(&output)?;
        self.written += output.len() as u64;
        if let Some(t) = p.trailer {
            self.out.write_all(&t)?;
            self.written += t.len() as u64;
        }
        let mut input = done.input;
        input.clear();
        let mut output = output;
        output.clear();
        // Enough spare buffers for the pieces in flight, and no more.
        if self.free.len() < 2 * (self.max_in_flight_bytes / PIECE) + 2 {
            for buf in [input, output] {
                if buf.capacity() >= PIECE {
                    self.free.push(buf);
                }
            }
        }
        Ok(())
    }
}

/// A receiver that already holds its value: a piece compressed in place.
fn ready(done: Done) -> Receiver<Done> {
    let (tx, rx) = sync_channel(1);
    let _ = tx.send(done);
    rx
}

impl Pool {
    fn start(threads: usize) -> Pool {
        let (jobs, queue) = sync_channel::<Job>(MAX_PIECES_IN_FLIGHT);
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..threads)
            .map(|_| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    let mut deflater = Deflater::new();
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok(mut job) = job else { return };
                        let result = deflater.piece(&job.input, job.last, &mut job.output);
                        let done = Done {
                            input: job.input,
                            output: result.map(|()| job.output),
                        };
                        let _ = job.reply.send(done);
                    }
                })
            })
            .collect();
        Pool {
            jobs: Some(jobs),
            threads,
        }
    }

    fn send(&self, job: Job) -> io::Result<()> {
        self.jobs
            .as_ref()
            .and_then(|j| j.send(job).ok())
            .ok_or_else(|| io::Error::other("the compression threads stopped"))
    }

    fn stop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Deflates pieces, reusing one compressor's memory for all of them.
struct Deflater {
    c: Compress,
}

impl Deflater {
    fn new() -> Deflater {
        Deflater {
            c: Compress::new(flate2::Compression::fast(), false),
        }
    }

    /// Raw deflate of `input` into `out`, ending on a byte boundary after a
    /// sync flush, or with the final block when `last`.
    fn piece(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) -> io::Result<()> {
        self.c.reset();
        out.clear();
        let end = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        if input.len() <= SAMPLE * 2 {
            return self.deflate(input, end, out);
        }
        let (sample, rest) = input.split_at(SAMPLE);
        self.deflate(sample, FlushCompress::Sync, out)?;
        if out.len() * 10 > sample.len() * 9 {
            stored(rest, last, out);
            Ok(())
        } else {
            self.deflate(rest, end, out)
        }
    }

    fn deflate(&mut self, mut input: &[u8], flush: FlushCompress, out: &mut Vec<u8>) -> io::Result<()> {
        loop {
            // Deflate's worst case is the input plus 5 bytes a 16 KiB block.
            out.reserve(input.len() + input.len() / 1024 + 1024);
            let before = self.c.total_in();
            let status = self
                .c
                .compress_vec(input, out, flush)
                .map_err(|e| io::Error::other(format!("deflate failed: {e}")))?;
            input = &input[(self.c.total_in() - before) as usize..];
            let finished = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                // Room left over means the flush is complete.
                _ => input.is_empty() && out.len() < out.capacity(),
            };
            if finished {
                return Ok(());
            }
        }
    }
}

/// Appends stored deflate blocks holding `data`, the last one final when
/// `last`. The stream must be on a byte boundary, as after a sync flush.
fn stored(mut data: &[u8], last: bool, out: &mut Vec<u8>) {
    out.reserve(data.len() + (data.len() / STORED_MAX + 1) * 5);
    loop {
        let n = data.len().min(STORED_MAX);
        let final_block = last && n == data.len();
        out.push(u8::from(final_block));
        out.extend_from_slice(&(n as u16).to_le_bytes());
        out.extend_from_slice(&(!(n as u16)).to_le_bytes());
        out.extend_from_slice(&data[..n]);
        data = &data[n..];
        if data.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Text that deflates well, then bytes that do not.
    fn mixed(n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        let mut x: u64 = 0x9e3779b97f4a7c15;
        while out.len() < n {
            let pos = out.len();
            if (pos / (PIECE / 2)) % 3 == 2 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                out.push(x as u8);
            } else {
                out.extend_from_slice(format!("<p>line {pos} of the page</p>\n").as_bytes());
            }
        }
        out.truncate(n);
        out
    }

    fn members(records: &[Vec<u8>], threads: usize) -> Vec<u8> {
        let mut m = Members::new(Vec::new(), threads);
        for r in records {
            // Odd write sizes, to cross piece boundaries anywhere.
            for part in r.chunks(77_777) {
                m.write(part).unwrap();
            }
            m.end_member().unwrap();
        }
        let (out, n) = m.finish().unwrap();
        assert_eq!(n, out.len() as u64);
        out
    }

    /// Reads each member on its own, as a WARC reader seeking to a record
    /// does.
    fn split_members(mut gz: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while !gz.is_empty() {
            let mut d = flate2::bufread::GzDecoder::new(gz);
            let mut member = Vec::new();
            d.read_to_end(&mut member).unwrap();
            gz = d.into_inner();
            out.push(member);
        }
        out
    }

    #[test]
    fn each_record_is_one_member_and_round_trips() {
        let records = vec![
            b"WARC/1.1\r\n\r\n".to_vec(),
            mixed(PIECE * 3 + 12345),
            Vec::new(),
            mixed(SAMPLE * 2 + 1),
            mixed(PIECE),
            mixed(10),
        ];
        let gz = members(&records, 2);
        assert_eq!(split_members(&gz), records);
    }

    #[test]
    fn output_does_not_depend_on_the_threads() {
        let records = vec![mixed(PIECE * 2 + 7), mixed(300), mixed(PIECE * 5)];
        let one = members(&records, 0);
        assert_eq!(one, members(&records, 1));
        assert_eq!(one, members(&records, 3));
    }

    #[test]
    fn incompressible_pieces_are_stored_and_text_is_deflated() {
        let text: Vec<u8> = b"the minister said the talks had stalled. ".repeat(PIECE / 40);
        let gz = members(std::slice::from_ref(&text), 2);
        assert!(
            gz.len() < text.len() / 10,
            "{} bytes of text became {}",
            text.len(),
            gz.len()
        );
        let mut noise = vec![0u8; PIECE * 2];
        let mut x: u32 = 1;
        for b in &mut noise {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *b = (x >> 23) as u8;
        }
        let gz = members(std::slice::from_ref(&noise), 2);
        assert!(gz.len() < noise.len() + noise.len() / 100, "{}", gz.len());
        assert_eq!(split_members(&gz), vec![noise]);
    }
}
