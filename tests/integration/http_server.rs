//! A small HTTP/1.1 server on 127.0.0.1 for the URL tests: one thread per
//! connection, one request per connection (`connection: close`), canned
//! replies chosen by a closure from the request, and a record of every
//! request received. [`Server::https`] serves the same over TLS with a
//! certificate for 127.0.0.1 and localhost signed by a throwaway CA, whose
//! PEM file tests pass with `--ca-cert`.
//!
//! Nothing leaves the loopback interface. Dropping the server stops it:
//! connections waiting in a delay or a stall are released at once, and
//! none waits longer than [`MAX_WAIT`] in any case, so no test can hang.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The longest a connection delays or stalls, even if the server is never
/// dropped.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// The size of the pieces of a chunked body.
pub const CHUNK: usize = 64;

/// The largest request body the server reads.
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Sent in this order, before the framing headers (`content-length` or
    /// `transfer-encoding`, then `connection: close`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Waited before anything is sent.
    pub delay: Duration,
    /// Send the status line and headers, then nothing more until the
    /// server is dropped.
    pub stall: bool,
    /// Send the body with `transfer-encoding: chunked`, in [`CHUNK`]-byte
    /// pieces.
    pub chunked: bool,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            stall: false,
            chunked: false,
        }
    }

    /// 200 with this body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200).body(body)
    }

    pub fn not_found() -> Reply {
        Reply::status(404).body("not found\n")
    }

    /// A redirect to `location`, sent as given (relative or absolute).
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn stall(mut self) -> Reply {
        self.stall = true;
        self
    }

    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }
}

/// A request as received: the request line, the headers (names as the
/// client sent them) and the body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target: the path and any query.
    pub path: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// As many bytes as `content-length` said (none without it: no test
    /// client sends a chunked body).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header, names compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// The test CA and the server's certificate, for https.
pub struct Certs {
    /// The CA certificate as PEM, for `--ca-cert`.
    pub ca_pem: PathBuf,
    pub ca_der: Vec<u8>,
    /// The certificate the server presents (first in its chain).
    pub leaf_der: Vec<u8>,
    _dir: tempfile::TempDir,
}

/// The server's leaf certificate subject's common name.
pub const LEAF_CN: &str = "localhost";
pub const CA_CN: &str = "provenance test CA";

pub struct Server {
    addr: SocketAddr,
    certs: Option<Certs>,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves plain HTTP, answering each request with `handler`'s reply.
    pub fn http(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(Arc::new(handler), None)
    }

    /// Serves HTTPS with a certificate signed by a fresh test CA.
    pub fn https(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let (certs, config) = tls_config();
        Server::start(Arc::new(handler), Some((certs, config)))
    }

    fn start(handler: Arc<Handler>, tls: Option<(Certs, Arc<rustls::ServerConfig>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (certs, config) = match tls {
            Some((certs, config)) => (Some(certs), Some(config)),
            None => (None, None),
        };
        let acceptor = {
            let (requests, stop) = (requests.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let conn = Connection {
                        handler: handler.clone(),
                        requests: requests.clone(),
                        stop: stop.clone(),
                    };
                    let config = config.clone();
                    thread::spawn(move || conn.serve(stream, config));
                }
            })
        };
        Server {
            addr,
            certs,
            requests,
            stop,
            acceptor: Some(acceptor),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT` followed by `path`, or `https://` for TLS.
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.certs.is_some() { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// Every request received so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The CA and leaf certificates of an https server.
    pub fn certs(&self) -> &Certs {
        self.certs.as_ref().expect("an https server")
    }

    /// The CA's PEM file, for `--ca-cert`.
    pub fn ca_cert(&self) -> &Path {
        &self.certs().ca_pem
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

/// What a connection's thread shares with the server.
struct Connection {
    handler: Arc<Handler>,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Connection {
    fn serve(self, tcp: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
        // A client that never sends its request must not hold the thread.
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
        match tls {
            None => {
                let _ = self.exchange(&tcp);
                let _ = tcp.shutdown(Shutdown::Both);
            }
            Some(config) => {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(conn, tcp);
                if self.exchange(&mut stream).is_ok() {
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                }
            }
        }
    }

    /// Reads one request and writes its reply.
    fn exchange(&self, mut stream: impl Read + Write) -> std::io::Result<()> {
        let request = read_request(&mut stream)?;
        let reply = (self.handler)(&request);
        self.requests.lock().unwrap().push(request);
        self.pause(reply.delay);
        stream.write_all(&head(&reply))?;
        stream.flush()?;
        if reply.stall {
            self.pause(MAX_WAIT);
            return Ok(());
        }
        if reply.chunked {
            for piece in reply.body.chunks(CHUNK) {
                stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes())?;
                stream.write_all(piece)?;
                stream.write_all(b"\r\n")?;
            }
            stream.write_all(b"0\r\n\r\n")?;
        } else {
            stream.write_all(&reply.body)?;
        }
        stream.flush()
    }

    /// Sleeps for `d`, or until the server is dropped.
    fn pause(&self, d: Duration) {
        let until = Instant::now() + d.min(MAX_WAIT);
        while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_request(stream: impl Read) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace().map(String::from);
    let (Some(method), Some(path), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(std::io::Error::other(format!("bad request line {line:?}")));
    };
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>())
        .transpose()
        .map_err(|e| std::io::Error::other(format!("bad content-length: {e}")))?
        .unwrap_or(0);
    if length > MAX_REQUEST_BODY {
        return Err(std::io::Error::other(format!("a body of {length} bytes")));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        path,
        version,
        headers,
        body,
    })
}

/// The status line and headers of a reply.
fn head(reply: &Reply) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    } else {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    head.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

/// A CA, a leaf certificate for 127.0.0.1 and localhost signed by it, the
/// CA's PEM written to a file, and a rustls configuration serving the
/// chain (leaf, then CA).
fn tls_config() -> (Certs, Arc<rustls::ServerConfig>) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        KeyUsagePurpose, date_time_ymd,
    };
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, CA_CN);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = date_time_ymd(2025, 1, 1);
    ca_params.not_after = date_time_ymd(2045, 1, 1);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf_params.distinguished_name.push(DnType::CommonName, LEAF_CN);
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.not_before = date_time_ymd(2025, 1, 1);
    leaf_params.not_after = date_time_ymd(2045, 1, 1);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let ca_pem = dir.path().join("test-ca.pem");
    std::fs::write(&ca_pem, ca.pem()).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let certs = Certs {
        ca_pem,
        ca_der: ca.der().to_vec(),
        leaf_der: leaf.der().to_vec(),
        _dir: dir,
    };
    (certs, Arc::new(config))
}

// The server's own tests, against clients that share no code with the
// fetcher: if these fail, the fetch tests prove nothing.

/// Sends `GET path` over `stream` and reads everything until the server
/// closes: (status line and headers, body bytes).
fn raw_get(mut stream: impl Read + Write, path: &str) -> (String, Vec<u8>) {
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nUser-Agent: raw/1\r\n\r\n"
    )
    .unwrap();
    stream.flush().unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers")
        + 4;
    (
        String::from_utf8(all[..end].to_vec()).unwrap(),
        all[end..].to_vec(),
    )
}

#[test]
fn test_server_answers_a_plain_client_and_records_the_request() {
    let server = Server::http(|req| match req.path.as_str() {
        "/plain" => Reply::ok("hello\n")
            .header("X-First", "1")
            .header("X-Second", "2"),
        "/chunked" => Reply::ok(vec![b'x'; 150]).chunked(),
        _ => Reply::not_found(),
    });
    let connect = || TcpStream::connect(("127.0.0.1", server.port())).unwrap();

    let (head, body) = raw_get(connect(), "/plain");
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\nX-First: 1\r\nX-Second: 2\r\n"),
        "{head}"
    );
    assert!(head.contains("Content-Length: 6\r\n"), "{head}");
    assert_eq!(body, b"hello\n");

    let (head, body) = raw_get(connect(), "/chunked");
    assert!(head.contains("Transfer-Encoding: chunked\r\n"), "{head}");
    let x = |n| "x".repeat(n);
    let pieces = format!(
        "40\r\n{}\r\n40\r\n{}\r\n16\r\n{}\r\n0\r\n\r\n",
        x(64),
        x(64),
        x(22)
    );
    assert_eq!(String::from_utf8(body).unwrap(), pieces);

    let (head, _) = raw_get(connect(), "/elsewhere");
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");

    let mut post = connect();
    write!(
        post,
        "POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello"
    )
    .unwrap();
    let mut answer = Vec::new();
    post.read_to_end(&mut answer).unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 404 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let seen = server.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/plain", "/chunked", "/elsewhere", "/form"]);
    assert!(seen[0].body.is_empty());
    assert_eq!(seen[3].method, "POST");
    assert_eq!(seen[3].body, b"hello");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].version, "HTTP/1.1");
    assert_eq!(seen[0].header("user-agent"), Some("raw/1"));
}

#[test]
fn test_server_serves_tls_that_its_ca_verifies() {
    let server = Server::https(|_| Reply::ok("secret\n"));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(server.certs().ca_der.clone()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    for name in ["127.0.0.1", "localhost"] {
        let conn =
            rustls::ClientConnection::new(Arc::new(config.clone()), name.to_string().try_into().unwrap())
                .unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        let (head, body) = raw_get(&mut stream, "/");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, b"secret\n");
        let chain = stream.conn.peer_certificates().unwrap();
        assert_eq!(chain[0].as_ref(), server.certs().leaf_der.as_slice());
        assert_eq!(chain[1].as_ref(), server.certs().ca_der.as_slice());
    }
    assert!(server.url("/x").starts_with("https://127.0.0.1:"));
}

#[test]
fn test_server_releases_a_stalled_connection_when_dropped() {
    let server = Server::http(|_| Reply::ok("never sent").stall());
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(tcp, "GET / HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let started = Instant::now();
    drop(server);
    let mut rest = Vec::new();
    tcp.read_to_end(&mut rest).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(!rest.ends_with(b"never sent"));
}

/// A news page, served as `/page.html`.
pub const PAGE: &[u8] = b"<!doctype html>\n<html><head><title>Talks</title></head>\n\
<body><p>The minister said the talks were productive.</p></body></html>\n";

/// A page sent with `Content-Encoding: gzip` as `/gzip.html`.
pub const GZIPPED_PAGE: &[u8] = b"<!doctype html>\n<html><body><p>Sent gzip-encoded, archived as sent.</p>\
</body></html>\n";

/// A body that is itself chunked framing, sent chunked as `/chunked.txt`:
/// only a reader that de-chunks exactly once gets it back, and one that
/// believed a `transfer-encoding: chunked` header after that would replay
/// "this".
pub const CHUNKED_BODY: &[u8] = b"4\r\nthis\r\n0\r\n\r\nis not the body: the server sent it in chunks \
of 64 bytes, and the archive keeps it de-chunked, all of it.\n";

/// The pages above, and `/moved`, a redirect to `/page.html`: what the
/// WARC export and import tests capture.
pub fn pages_server() -> Server {
    Server::http(|req| match req.path.as_str() {
        "/page.html" => Reply::ok(PAGE).header("Content-Type", "text/html; charset=utf-8"),
        "/gzip.html" => Reply::ok(crate::harness::gzip(GZIPPED_PAGE))
            .header("Content-Type", "text/html")
            .header("Content-Encoding", "gzip"),
        "/chunked.txt" => Reply::ok(CHUNKED_BODY)
            .header("Content-Type", "text/plain")
            .chunked(),
        "/moved" => Reply::redirect(302, "/page.html"),
        _ => Reply::not_found(),
    })
}
