//! The sources analyser on arbitrary UTF-8: it must return, and every
//! offset it reports must point back into the exact text it was given.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = provenance::cite::extract(text);
    let check = |what: &str, start: u32, end: u32, got: &str| {
        let (start, end) = (start as usize, end as usize);
        assert!(
            start <= end && end <= text.len(),
            "{what} {start}..{end} out of range ({} bytes)",
            text.len()
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{what} {start}..{end} splits a character"
        );
        assert_eq!(
            got,
            &text[start..end],
            "{what} {start}..{end}: text differs from the bytes"
        );
    };
    for outlet in &sources.outlets {
        for m in &outlet.mentions {
            check("outlet mention", m.start, m.end, &m.text);
        }
    }
    for person in &sources.people {
        for m in &person.mentions {
            check("person mention", m.start, m.end, &m.text);
        }
        for q in &person.quotes {
            check("quote", q.start, q.end, &q.text);
        }
    }
    serde_json::to_string(&sources).expect("Sources serialise to JSON");
});
