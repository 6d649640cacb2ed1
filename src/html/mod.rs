//! The HTML analyser: a page's bytes to its article text and the metadata
//! it gives about itself. Pure functions of the bytes, like [`crate::cite`],
//! so that the fuzz target and the benchmark call them directly.

use crate::entry::Metadata;

/// What a page yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The article text, paragraphs separated by a blank line.
    pub text: String,
    pub metadata: Metadata,
    /// The WHATWG name of the encoding the bytes were decoded from.
    pub encoding: &'static str,
}

/// Analyses an HTML page. `http_charset` is the charset the server
/// declared, `url` where the page came from (the final URL, or none).
pub fn analyse(bytes: &[u8], http_charset: Option<&str>, url: Option<&str>) -> Page {
    let _ = (bytes, http_charset, url);
    Page {
        text: String::new(),
        metadata: Metadata::default(),
        encoding: "UTF-8",
    }
}
