//! The sources analyser on arbitrary UTF-8: it must return, and every
//! offset it reports must point back into the exact text it was given.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = provenance::cite::extract(text);
    if let Err(e) = sources.check_offsets(text) {
        panic!("{e}");
    }
    serde_json::to_string(&sources).expect("Sources serialise to JSON");
});
