//! WARC files from other tools are untrusted input to `import --warc`: the
//! reader must return, Ok or Err, on any bytes, plain or gzip, and hand
//! each block over bounded by its Content-Length. No panic, no hang.

#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use provenance::warc::read::Reader;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = Reader::new(data) else {
        return;
    };
    let mut visit = |_offset: u64, header: &provenance::warc::read::RecordHeader, block: &mut dyn std::io::BufRead| {
        let _ = header.record_type();
        let declared = header.content_length();
        let mut sink = Vec::new();
        let read = block.take(1 << 20).read_to_end(&mut sink).unwrap_or(0) as u64;
        if let Some(len) = declared {
            assert!(read <= len, "a block longer than its Content-Length");
        }
        Ok(())
    };
    let _ = reader.records(&mut visit);
    let _ = reader.file_digest();
});
