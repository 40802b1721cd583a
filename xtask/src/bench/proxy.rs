//! A counting HTTP/1.1 proxy on loopback, between the client and the simulator: it sees the
//! requests that really cross the socket, so "one POST per action plus one token request" is
//! counted rather than assumed, and it captures the client's own request line and body so that
//! curl sends exactly the same request.
//!
//! It parses only the client-to-server direction, and only as far as framing needs
//! (`Content-Length`); the answers are copied through untouched.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, bail};

/// Bodies are kept up to this size (action bodies are a few hundred bytes).
const KEEP_BODY: usize = 64 * 1024;
/// Longest request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// One request as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub body: Vec<u8>,
}

/// What crossed the proxy.
#[derive(Debug, Default, Clone)]
pub struct Log {
    /// TCP connections the client opened.
    pub connections: usize,
    pub requests: Vec<Request>,
    /// Anything that went wrong while relaying; a count is only trusted when this is empty.
    pub errors: Vec<String>,
}

impl Log {
    /// Requests whose method is `method` and whose path ends with `suffix`.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        self.requests
            .iter()
            .filter(|r| r.method == method && r.path().ends_with(suffix))
            .count()
    }
}

impl Request {
    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
}

/// A running proxy; dropping it stops accepting (connections in flight finish on their own).
pub struct Proxy {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free loopback port and relays every connection to `upstream`.
    pub fn start(upstream: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the counting proxy")?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let log = log.clone();
                    match client {
                        Ok(client) => {
                            lock(&log).connections += 1;
                            std::thread::spawn(move || {
                                if let Err(e) = relay(client, upstream, &log) {
                                    lock(&log).errors.push(format!("{e:#}"));
                                }
                            });
                        }
                        Err(e) => lock(&log).errors.push(format!("accepting: {e}")),
                    }
                }
            })
        };
        Ok(Self {
            addr,
            log,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`, to give the client instead of the simulator's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What crossed the proxy since the last call, and starts a fresh log.
    pub fn take(&self) -> Log {
        std::mem::take(&mut *lock(&self.log))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn lock(log: &Mutex<Log>) -> std::sync::MutexGuard<'_, Log> {
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn relay(client: TcpStream, upstream: SocketAddr, log: &Mutex<Log>) -> anyhow::Result<()> {
    let server = TcpStream::connect(upstream)
        .with_context(|| format!("connecting to the simulator at {upstream}"))?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let answers = {
        let (mut from, mut to) = (server.try_clone()?, client.try_clone()?);
        std::thread::spawn(move || {
            let copied = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(Shutdown::Write);
            copied
        })
    };
    let mut reader = BufReader::new(client.try_clone()?);
    let mut to_server = server.try_clone()?;
    let result = (|| -> anyhow::Result<()> {
        while let Some(head_bytes) = read_head(&mut reader)? {
            let head = parse_head(&head_bytes)?;
            to_server.write_all(&head_bytes)?;
            let mut body = Vec::new();
            let mut left = head.content_length;
            let mut buffer = [0u8; 16 * 1024];
            while left > 0 {
                let want = usize::try_from(left.min(buffer.len() as u64))?;
                let got = reader.read(&mut buffer[..want])?;
                if got == 0 {
                    bail!("the client closed in the middle of a request body");
                }
                to_server.write_all(&buffer[..got])?;
                if body.len() < KEEP_BODY {
                    let keep = got.min(KEEP_BODY - body.len());
                    body.extend_from_slice(&buffer[..keep]);
                }
                left -= got as u64;
            }
            lock(log).requests.push(Request {
                method: head.method,
                target: head.target,
                body,
            });
        }
        Ok(())
    })();
    let _ = server.shutdown(Shutdown::Write);
    let _ = answers.join();
    result
}

/// Reads one request head, up to and including its blank line; `None` at a clean end of the
/// connection between requests.
fn read_head(reader: &mut impl BufRead) -> anyhow::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = reader.read_until(b'\n', &mut head)?;
        if n == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            bail!("the connection ended inside a request head");
        }
        if head.len() > MAX_HEAD {
            bail!("a request head longer than {MAX_HEAD} bytes");
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                // Tolerated empty lines between requests (RFC 9112 2.2).
                head.clear();
                continue;
            }
            return Ok(Some(head));
        }
    }
}

/// The parts of a request head that counting and framing need.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub content_length: u64,
}

/// Parses a request head. Refuses what this proxy cannot frame: HTTP/2, chunked bodies.
pub fn parse_head(head: &[u8]) -> anyhow::Result<Head> {
    let text = std::str::from_utf8(head).context("a request head that is not UTF-8")?;
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut words = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        bail!("`{request_line}` is not an HTTP request line");
    };
    if !version.starts_with("HTTP/1.") {
        bail!("`{request_line}`: only HTTP/1.x is counted");
    }
    let mut content_length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value
                .parse()
                .with_context(|| format!("Content-Length `{value}` is not a number"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && !value.eq_ignore_ascii_case("identity")
        {
            bail!("{method} {target}: Transfer-Encoding `{value}` is not supported here");
        }
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        content_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_head_gives_method_target_and_length() {
        let head = b"POST /v4/token HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 42\r\n\r\n";
        assert_eq!(
            parse_head(head).unwrap(),
            Head {
                method: "POST".into(),
                target: "/v4/token".into(),
                content_length: 42
            }
        );
    }

    #[test]
    fn a_get_has_no_body() {
        let head = b"GET /v4/RestoreSessions?limit=30 HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(parse_head(head).unwrap().content_length, 0);
    }

    #[test]
    fn unframeable_requests_are_refused_with_a_reason() {
        let chunked = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(
            parse_head(chunked)
                .unwrap_err()
                .to_string()
                .contains("chunked")
        );
        let h2 = b"PRI * HTTP/2.0\r\n\r\n";
        assert!(parse_head(h2).unwrap_err().to_string().contains("HTTP/1"));
        let bad = b"POST /x HTTP/1.1\r\nContent-Length: many\r\n\r\n";
        assert!(parse_head(bad).unwrap_err().to_string().contains("many"));
        assert!(parse_head(b"\xff\xfe\r\n\r\n").is_err());
    }

    #[test]
    fn heads_are_read_one_at_a_time() {
        let wire = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        let mut reader = BufReader::new(&wire[..]);
        let first = read_head(&mut reader).unwrap().unwrap();
        assert!(first.starts_with(b"GET /a"));
        let second = read_head(&mut reader).unwrap().unwrap();
        assert!(second.starts_with(b"GET /b"));
        assert!(read_head(&mut reader).unwrap().is_none());
        let cut = b"GET /a HTTP/1.1\r\nHost";
        assert!(read_head(&mut BufReader::new(&cut[..])).is_err());
    }

    /// A real exchange over loopback: a tiny upstream that answers each request, the proxy,
    /// and a client that sends two requests on one connection.
    #[test]
    fn requests_on_a_kept_alive_connection_are_counted_and_captured() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream_addr = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            let (stream, _) = upstream.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut out = stream;
            while let Some(head) = read_head(&mut reader).unwrap() {
                let head = parse_head(&head).unwrap();
                let mut body = vec![0; head.content_length as usize];
                reader.read_exact(&mut body).unwrap();
                out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .unwrap();
            }
        });
        let proxy = Proxy::start(upstream_addr).unwrap();
        let mut client = TcpStream::connect(proxy.addr).unwrap();
        client
            .write_all(b"POST /v4/token HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello")
            .unwrap();
        let mut answer = [0u8; 40];
        client.read_exact(&mut answer).unwrap();
        client
            .write_all(b"POST /v4/x/Action HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}")
            .unwrap();
        client.read_exact(&mut answer).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
        let log = proxy.take();
        assert_eq!(log.connections, 1);
        assert!(log.errors.is_empty(), "{:?}", log.errors);
        assert_eq!(log.count("POST", "/v4/token"), 1);
        assert_eq!(log.count("POST", "/Action"), 1);
        assert_eq!(log.requests[0].body, b"hello");
        assert_eq!(log.requests[1].body, b"{}");
    }
}
