//! Media types: what the source declares, what the bytes look like, and
//! which of the two the archive goes by.

use std::path::Path;

/// How many leading bytes the sniffer looks at.
pub const SNIFF_LEN: usize = 8192;

pub const OCTET_STREAM: &str = "application/octet-stream";
pub const TEXT_PLAIN: &str = "text/plain";

/// The type a file name's extension suggests.
pub fn from_path(path: &Path) -> Option<String> {
    mime_guess::from_path(path)
        .first()
        .map(|m| m.essence_str().to_string())
}

/// What the first bytes of a document look like; `None` when there are no
/// bytes to look at.
pub fn sniff(head: &[u8]) -> Option<String> {
    if head.is_empty() {
        return None;
    }
    if let Some(kind) = infer::get(head) {
        // infer calls anything that opens with `<?xml` XML: XHTML, SVG and
        // feeds are told apart below.
        if !kind.mime_type().ends_with("/xml") {
            return Some(kind.mime_type().to_string());
        }
    }
    if encoding_rs::Encoding::for_bom(head).is_some() {
        return Some(TEXT_PLAIN.to_string());
    }
    if !looks_like_text(head) {
        return Some(OCTET_STREAM.to_string());
    }
    Some(sniff_markup(head).unwrap_or(TEXT_PLAIN).to_string())
}

/// Text has no NUL bytes and few control characters; the encoding is the
/// text analyser's business.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 100 <= head.len()
}

fn sniff_markup(head: &[u8]) -> Option<&'static str> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let lead: Vec<u8> = head[start..head.len().min(start + 512)].to_ascii_lowercase();
    let starts = |p: &[u8]| lead.starts_with(p);
    if starts(b"<!doctype html") || starts(b"<html") || starts(b"<head") || starts(b"<body") {
        Some("text/html")
    } else if starts(b"<?xml") || starts(b"<svg") {
        let has = |p: &[u8]| lead.windows(p.len()).any(|w| w == p);
        Some(if has(b"<svg") {
            "image/svg+xml"
        } else if has(b"<!doctype html") || has(b"<html") {
            "application/xhtml+xml"
        } else {
            "application/xml"
        })
    } else {
        None
    }
}

/// A media type without its parameters, in lower case: `text/html`.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a declared and a sniffed type agree: the same essence, or the
/// sniffer's generic finding (text, markup, opaque bytes) that the
/// declaration only refines. [`effective`] weighs them; this says whether
/// a reader should be told they differ.
pub fn compatible(declared: &str, sniffed: &str) -> bool {
    let (d, s) = (essence(declared), essence(sniffed));
    d == s
        || (s == TEXT_PLAIN && is_textual(&d))
        || (s == "application/xml" && (d.ends_with("+xml") || d.ends_with("/xml") || d == "text/html"))
        || (s == "text/html" && d == "application/xhtml+xml")
        || (s == "application/xhtml+xml" && d == "text/html")
        || (s == OCTET_STREAM && !is_textual(&d))
}

/// True for types whose bytes are text to be read.
pub fn is_textual(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || essence.ends_with("+xml")
        || essence.ends_with("+json")
        || matches!(
            essence,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-sh"
                | "application/x-yaml"
                | "application/yaml"
                | "application/toml"
                | "application/x-tex"
                | "application/rtf"
        )
}

/// The type the archive goes by. The content wins when it proves a type
/// by its magic bytes, or when it is binary where the name says text;
/// the declaration wins when it only refines what the bytes show (text
/// declared as Markdown, CSV, JSON; an opaque binary declared as a
/// specific format).
pub fn effective(declared: Option<&str>, sniffed: Option<&str>) -> String {
    let chosen = match (declared, sniffed) {
        (None, None) => OCTET_STREAM,
        (Some(d), None) => d,
        (None, Some(s)) => s,
        (Some(d), Some(s)) if d == s => d,
        (Some(d), Some(s))
            if s == TEXT_PLAIN
                || s == "text/html"
                || s == "application/xml"
                || s == "application/xhtml+xml" =>
        {
            if is_textual(d) {
                d
            } else {
                s
            }
        }
        (Some(d), Some(OCTET_STREAM)) => {
            if is_textual(d) {
                OCTET_STREAM
            } else {
                d
            }
        }
        (Some(_), Some(s)) => s,
    };
    chosen.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_kinds() {
        assert_eq!(sniff(b"").as_deref(), None);
        assert_eq!(sniff(b"hello\n").as_deref(), Some("text/plain"));
        assert_eq!(sniff(b"  <!DOCTYPE html><html>").as_deref(), Some("text/html"));
        assert_eq!(sniff(b"%PDF-1.7\n").as_deref(), Some("application/pdf"));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").as_deref(),
            Some("image/png")
        );
        assert_eq!(sniff(b"a\0b\0c").as_deref(), Some(OCTET_STREAM));
    }

    #[test]
    fn weighs_declared_against_sniffed() {
        assert_eq!(
            effective(Some("text/markdown"), Some("text/plain")),
            "text/markdown"
        );
        assert_eq!(effective(Some("text/plain"), Some("image/png")), "image/png");
        assert_eq!(effective(Some("text/plain"), Some(OCTET_STREAM)), OCTET_STREAM);
        assert_eq!(effective(Some("image/png"), Some("text/plain")), "text/plain");
        assert_eq!(effective(None, None), OCTET_STREAM);
        assert_eq!(effective(Some("text/plain"), None), "text/plain");
    }
}
