//! The HTML analyser on arbitrary bytes: it must return, its text must hold
//! no NUL, its metadata must serialise, and a date it reports is never empty.
//!
//! The first byte picks the declared HTTP charset (six choices) and the page
//! URL (three choices); the rest is the page.

#![no_main]

use libfuzzer_sys::fuzz_target;

const CHARSETS: [Option<&str>; 6] = [
    None,
    Some("utf-8"),
    Some("windows-1252"),
    Some("shift_jis"),
    Some("utf-16le"),
    Some("bogus-label"),
];

const URLS: [Option<&str>; 3] = [None, Some("https://www.reuters.com/article/x"), Some("not a url")];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, page)) = data.split_first() else {
        return;
    };
    let pick = usize::from(pick);
    let http_charset = CHARSETS[pick % CHARSETS.len()];
    let url = URLS[(pick / CHARSETS.len()) % URLS.len()];

    let page = provenance::html::analyse(page, http_charset, url);

    // `text` is a `String`, so valid UTF-8 by construction; check it anyway
    // in case an unsafe path ever builds it.
    assert!(std::str::from_utf8(page.text.as_bytes()).is_ok(), "text is not UTF-8");
    assert!(!page.text.contains('\0'), "text contains NUL: {:?}", page.text);
    serde_json::to_string(&page.metadata).expect("Metadata serialises to JSON");
    if let Some(published) = &page.metadata.published {
        assert!(!published.is_empty(), "published is Some(\"\")");
    }
    if let Some(modified) = &page.metadata.modified {
        assert!(!modified.is_empty(), "modified is Some(\"\")");
    }
});
