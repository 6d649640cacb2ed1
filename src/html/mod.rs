//! The HTML analyser: a page's bytes to its article text and the metadata
//! it gives about itself. Pure functions of the bytes, like [`crate::cite`],
//! so that the fuzz target and the benchmark call them directly.
//!
//! `charset` decides the encoding, `dom` builds the tree, `content` finds
//! the article text, `metadata` reads what the page says about itself.

pub mod charset;
pub mod content;
pub mod dom;
pub mod metadata;

use crate::entry::Metadata;

pub use charset::Charset;

/// Pages larger than this are archived but not parsed: the tree costs
/// several times the page in memory.
pub const MAX_HTML: usize = 64 << 20;

/// What a page yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The article text, paragraphs separated by a blank line.
    pub text: String,
    pub metadata: Metadata,
    pub charset: Charset,
}

/// Analyses an HTML page. `http_charset` is the charset the server
/// declared, `url` where the page came from (the final URL, or none).
pub fn analyse(bytes: &[u8], http_charset: Option<&str>, url: Option<&str>) -> Page {
    let tld = url.and_then(|u| url::Url::parse(u).ok()).and_then(|u| {
        u.host_str()
            .and_then(|h| h.rsplit('.').next())
            .map(str::to_ascii_lowercase)
    });
    let charset = charset::decide(bytes, http_charset, true, tld.as_deref());
    let (html, _) = charset.encoding.decode_without_bom_handling(strip_bom(bytes));
    let dom = dom::Dom::parse(&html);
    let read = metadata::read(&dom, url);
    Page {
        text: content::article_text(&dom, &read.descriptions),
        metadata: read.metadata,
        charset,
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((_, len)) => &bytes[len..],
        None => bytes,
    }
}
