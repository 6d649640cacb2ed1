//! Which encoding a document's bytes are in, decided as a browser decides
//! (the WHATWG encoding sniffing algorithm): a byte-order mark, then the
//! charset of the HTTP Content-Type, then for HTML a prescan of the first
//! 1024 bytes for `<meta charset>`, then detection (chardetng, Firefox's
//! detector). One departure, because an archive must read what the page
//! says rather than what its server claimed: a declaration the bytes
//! contradict is overruled and the overruling recorded (docs/HTML.md).

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many bytes the `<meta>` prescan reads, as the standard says.
const PRESCAN: usize = 1024;
/// How many bytes detection looks at.
const DETECT: usize = 1 << 20;

pub use crate::entry::EncodingSource as Source;

#[derive(Debug, Clone, PartialEq)]
pub struct Charset {
    pub encoding: &'static Encoding,
    pub source: Source,
    /// A declared encoding the bytes contradicted, when detection overruled it.
    pub overruled: Option<&'static Encoding>,
}

/// Decides the encoding of `bytes`. `markup` turns on the `<meta>`
/// prescan; `tld` (the host's last label) sharpens detection.
pub fn decide(bytes: &[u8], http_charset: Option<&str>, markup: bool, tld: Option<&str>) -> Charset {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return Charset {
            encoding,
            source: Source::Bom,
            overruled: None,
        };
    }
    let declared = http_charset
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .map(|e| (e, Source::Http))
        .or_else(|| {
            markup
                .then(|| prescan(bytes).map(|e| (e, Source::Meta)))
                .flatten()
        });
    match declared {
        Some((encoding, source)) if consistent(encoding, bytes) => Charset {
            encoding,
            source,
            overruled: None,
        },
        Some((declared, _)) => Charset {
            encoding: detect(bytes, tld),
            source: Source::Detected,
            overruled: Some(declared),
        },
        None => Charset {
            encoding: detect(bytes, tld),
            source: Source::Detected,
            overruled: None,
        },
    }
}

/// Whether a declaration fits the bytes: UTF-8 declared over bytes that
/// are not UTF-8, or a legacy single-byte encoding declared over bytes
/// that are valid UTF-8 with non-ASCII in them, are the two lies seen in
/// practice; both would turn every accented letter into garbage.
fn consistent(declared: &'static Encoding, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(DETECT)];
    let utf8 = valid_utf8_prefix(head);
    if declared == UTF_8 {
        return utf8;
    }
    if declared.is_single_byte() && utf8 && !head.is_ascii() {
        return false;
    }
    true
}

/// UTF-8 up to the end, allowing a character cut at the end of a prefix.
fn valid_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

fn detect(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    let head = &bytes[..bytes.len().min(DETECT)];
    if valid_utf8_prefix(head) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, head.len() == bytes.len());
    detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow)
}

/// The standard's prescan: `<meta charset=...>` or `<meta http-equiv=
/// content-type content="...; charset=...">` in the first 1024 bytes,
/// outside comments.
pub fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let mut at = 0;
    while at < head.len() {
        let rest = &head[at..];
        if rest.starts_with(b"<!--") {
            at += find(&rest[4..], b"-->").map_or(head.len(), |end| 4 + end + 3);
        } else if rest.len() > 5 && rest[..5].eq_ignore_ascii_case(b"<meta") && is_space_or_slash(rest[5]) {
            let (label, consumed) = meta_charset(&rest[5..]);
            if let Some(encoding) = label.and_then(|l| Encoding::for_label(l.as_bytes())) {
                return Some(html_encoding(encoding));
            }
            at += 5 + consumed;
        } else {
            at += 1;
        }
    }
    None
}

/// UTF-16 cannot be declared from inside the document (the bytes just
/// read as ASCII), and x-user-defined means windows-1252 here.
fn html_encoding(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else if encoding.name() == "x-user-defined" {
        WINDOWS_1252
    } else {
        encoding
    }
}

fn is_space_or_slash(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'/'
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The charset a `<meta>` tag's attributes declare, and how many bytes the
/// attributes took.
fn meta_charset(attrs: &[u8]) -> (Option<String>, usize) {
    let mut pos = 0;
    let mut charset = None;
    let mut content = None;
    let mut pragma = false;
    while let Some((name, value, next)) = attribute(attrs, pos) {
        pos = next;
        match name.as_str() {
            "charset" if charset.is_none() => charset = Some(value),
            "content" if content.is_none() => content = Some(value),
            "http-equiv" => pragma |= value.eq_ignore_ascii_case("content-type"),
            _ => {}
        }
    }
    let label = charset.or_else(|| {
        pragma
            .then(|| content.as_deref().and_then(charset_in_content))
            .flatten()
    });
    (label, pos)
}

/// The standard's "extracting a character encoding from a meta element".
fn charset_in_content(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower[at + 7..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next()?,
        _ => rest.split(|c: char| c.is_ascii_whitespace() || c == ';').next()?,
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// One attribute from `pos`: name (lower case), value, and where the next
/// starts; `None` at the tag's end.
fn attribute(bytes: &[u8], mut pos: usize) -> Option<(String, String, usize)> {
    while pos < bytes.len() && is_space_or_slash(bytes[pos]) {
        pos += 1;
    }
    if pos >= bytes.len() || bytes[pos] == b'>' {
        return None;
    }
    let start = pos;
    while pos < bytes.len() && !matches!(bytes[pos], b'=' | b'>' | b'/') && !bytes[pos].is_ascii_whitespace()
    {
        pos += 1;
    }
    let name = String::from_utf8_lossy(&bytes[start..pos]).to_ascii_lowercase();
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    if pos >= bytes.len() || bytes[pos] != b'=' {
        return Some((name, String::new(), pos.max(start + 1)));
    }
    pos += 1;
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    let (value, next) = match bytes.get(pos) {
        Some(&q @ (b'"' | b'\'')) => {
            let end = bytes[pos + 1..]
                .iter()
                .position(|&b| b == q)
                .map_or(bytes.len(), |e| pos + 1 + e);
            (&bytes[(pos + 1).min(end)..end], (end + 1).min(bytes.len()))
        }
        _ => {
            let end = bytes[pos..]
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>')
                .map_or(bytes.len(), |e| pos + e);
            (&bytes[pos..end], end)
        }
    };
    Some((
        name,
        String::from_utf8_lossy(value).into_owned(),
        next.max(start + 1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(bytes: &[u8], http: Option<&str>) -> (&'static str, Source) {
        let c = decide(bytes, http, true, None);
        (c.encoding.name(), c.source)
    }

    #[test]
    fn follows_the_standard_order() {
        let latin = b"<meta charset=\"windows-1252\"><p>caf\xe9</p>";
        assert_eq!(name(latin, None), ("windows-1252", Source::Meta));
        assert_eq!(name(latin, Some("iso-8859-2")), ("ISO-8859-2", Source::Http));
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(latin);
        assert_eq!(name(&bom, Some("iso-8859-2")).1, Source::Bom);
        let pragma = b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=Shift_JIS'>";
        assert_eq!(name(pragma, None), ("Shift_JIS", Source::Meta));
        assert_eq!(
            name(b"<!-- <meta charset=koi8-r> --><p>x", None).1,
            Source::Detected
        );
    }

    #[test]
    fn a_lying_declaration_is_overruled() {
        let c = decide(
            b"<meta charset=utf-8><p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>",
            None,
            true,
            None,
        );
        assert_eq!(c.encoding, WINDOWS_1252);
        assert_eq!(c.overruled, Some(UTF_8));
        let c = decide(
            "<meta charset=iso-8859-1><p>café</p>".as_bytes(),
            None,
            true,
            None,
        );
        assert_eq!(c.encoding, UTF_8);
        assert_eq!(c.overruled.map(|e| e.name()), Some("windows-1252"));
    }

    #[test]
    fn detects_undeclared_legacy_encodings() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("日本語のニュース記事です。東京で会議が開かれた。");
        assert_eq!(name(&sjis, None), ("Shift_JIS", Source::Detected));
        assert_eq!(name("plain ascii".as_bytes(), None).0, "UTF-8");
    }
}
