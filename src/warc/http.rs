//! HTTP messages as WARC `response`, `revisit` and `request` blocks hold
//! them, rebuilt from what the archive recorded of an exchange: HTTP/1.x
//! message syntax, whatever protocol carried it, because that is the only
//! syntax WARC readers and replay tools parse.

use crate::entry::Header;

/// The prefix a recorded header gets when writing it as it was would make
/// the block lie about itself. pywb writes its replayed responses' hop
/// headers under the same prefix, and leaves headers so named alone.
pub const RENAMED_PREFIX: &str = "x-archive-orig-";

/// The HTTP version written in a message's first line: HTTP/1.0 stays;
/// every other version (HTTP/1.1, and HTTP/2 and 3, which have no status
/// line at all) is written HTTP/1.1, as the WARC HTTP/2 proposals say and
/// as warcio's and pywb's parsers require.
pub fn message_version(recorded: &str) -> &'static str {
    if recorded.eq_ignore_ascii_case("HTTP/1.0") {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    }
}

/// The protocol identifier of the proposed WARC-Protocol field (the ALPN
/// names, lower case) for a version as the client reported it.
pub fn protocol_id(recorded: &str) -> Option<&'static str> {
    match recorded.to_ascii_uppercase().as_str() {
        "HTTP/0.9" => Some("http/0.9"),
        "HTTP/1.0" => Some("http/1.0"),
        "HTTP/1.1" => Some("http/1.1"),
        "HTTP/2" | "HTTP/2.0" => Some("h2"),
        "HTTP/3" | "HTTP/3.0" => Some("h3"),
        _ => None,
    }
}

/// The status line, headers and blank line of a response whose body was
/// archived as received.
///
/// The reason phrase is not recorded (HTTP/2 has none, and the client
/// does not keep HTTP/1.1's), so the standard one is written, or none.
/// `transfer-encoding` is renamed: the archived body has been de-chunked,
/// and a reader that believed the header would try to de-chunk it again.
pub fn response_head(version: &str, status: u16, headers: &[Header]) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = Vec::with_capacity(256 + headers.len() * 48);
    out.extend_from_slice(format!("{} {status} {reason}\r\n", message_version(version)).as_bytes());
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("transfer-encoding") {
            push_header(&mut out, &format!("{RENAMED_PREFIX}{name}"), value);
        } else {
            push_header(&mut out, name, value);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The request line and headers of the GET that fetched `url`: `host`
/// (which the client adds itself, from the URL) then the headers the
/// archive recorded sending. None when `url` is not an absolute URL.
pub fn request_head(url: &str, headers: &[Header]) -> Option<Vec<u8>> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    let authority = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let mut target = parsed.path().to_string();
    if let Some(query) = parsed.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut out = Vec::with_capacity(256 + headers.len() * 48);
    out.extend_from_slice(format!("GET {target} HTTP/1.1\r\n").as_bytes());
    push_header(&mut out, "host", &authority);
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("host") {
            push_header(&mut out, name, value);
        }
    }
    out.extend_from_slice(b"\r\n");
    Some(out)
}

/// One header line. The client never yields a line break inside a name or
/// value, but the log is only text: one there would end the message early.
fn push_header(out: &mut Vec<u8>, name: &str, value: &str) {
    for (text, sep) in [(name, ": "), (value, "\r\n")] {
        for b in text.bytes() {
            out.push(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        out.extend_from_slice(sep.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, value: &str) -> Header {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn http2_responses_get_an_http11_status_line_with_the_standard_reason() {
        let head = response_head("HTTP/2.0", 200, &[h("content-type", "text/html")]);
        assert_eq!(head, b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n");
        let head = response_head("HTTP/1.0", 404, &[]);
        assert_eq!(head, b"HTTP/1.0 404 Not Found\r\n\r\n");
        let head = response_head("HTTP/1.1", 299, &[]);
        assert_eq!(head, b"HTTP/1.1 299 \r\n\r\n");
        assert_eq!(protocol_id("HTTP/2.0"), Some("h2"));
        assert_eq!(protocol_id("HTTP/1.1"), Some("http/1.1"));
    }

    #[test]
    fn transfer_encoding_is_renamed_and_the_rest_kept_in_order() {
        let head = response_head(
            "HTTP/1.1",
            200,
            &[h("x-b", "2"), h("transfer-encoding", "chunked"), h("x-a", "1")],
        );
        assert_eq!(
            head,
            b"HTTP/1.1 200 OK\r\nx-b: 2\r\nx-archive-orig-transfer-encoding: chunked\r\nx-a: 1\r\n\r\n"
        );
    }

    #[test]
    fn request_has_the_path_query_and_host_of_the_final_url() {
        let head = request_head("http://127.0.0.1:8080/a/b?c=d#frag", &[h("user-agent", "p/1")]).unwrap();
        assert_eq!(
            head,
            b"GET /a/b?c=d HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nuser-agent: p/1\r\n\r\n"
        );
        let head = request_head("https://example.org", &[]).unwrap();
        assert_eq!(head, b"GET / HTTP/1.1\r\nhost: example.org\r\n\r\n");
        assert!(request_head("not a url", &[]).is_none());
    }

    #[test]
    fn a_line_break_in_a_recorded_value_cannot_add_a_header() {
        let head = response_head("HTTP/1.1", 200, &[h("x", "a\r\nset-cookie: b")]);
        assert_eq!(head, b"HTTP/1.1 200 OK\r\nx: a  set-cookie: b\r\n\r\n");
    }
}
