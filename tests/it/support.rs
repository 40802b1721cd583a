//! A real HTTP/1.1 server on a loopback socket (plain or TLS) that records each request
//! exactly as it arrives and answers from a script, including broken answers: bodies cut off,
//! shorter than announced, or stalled. Small on purpose: what it records is the raw wire.

/// Reading PST files back with Microsoft's `outlook-pst`.
#[cfg(feature = "sim")]
pub mod pst;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server read it off the socket.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// What happens after the body bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    KeepAlive,
    Close,
    /// Keep the connection open and send nothing more.
    Stall,
    /// Drop the connection without a TLS `close_notify` or any shutdown.
    Abort,
}

/// A scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Announced `Content-Length`; `None` announces the real length.
    pub declared_length: Option<usize>,
    /// Use chunked transfer encoding instead of `Content-Length`.
    pub chunked: bool,
    pub after: After,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self::bytes(status, Some("application/json"), body.as_bytes())
    }

    pub fn bytes(status: u16, content_type: Option<&str>, body: &[u8]) -> Self {
        Self {
            status,
            headers: content_type
                .map(|t| vec![("content-type".to_string(), t.to_string())])
                .unwrap_or_default(),
            body: body.to_vec(),
            declared_length: None,
            chunked: false,
            after: After::KeepAlive,
            delay: Duration::ZERO,
        }
    }

    pub fn file(body: &[u8]) -> Self {
        Self::bytes(200, Some("application/octet-stream"), body)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

pub struct CaptureServer {
    pub base_url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    max_in_flight: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
}

type Respond = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

impl CaptureServer {
    /// Starts a server that answers every request with `reply`.
    pub async fn start(reply: Reply) -> Self {
        Self::start_with(move |_| reply.clone()).await
    }

    /// Starts a plain HTTP server that answers each request with `respond(request)`.
    pub async fn start_with(respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::spawn(Arc::new(respond), None).await
    }

    /// Starts an HTTPS server with `config` (a real rustls server).
    pub async fn start_tls(
        config: Arc<rustls::ServerConfig>,
        respond: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::spawn(
            Arc::new(respond),
            Some(tokio_rustls::TlsAcceptor::from(config)),
        )
        .await
    }

    async fn spawn(respond: Respond, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://localhost:{}", addr.port());
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let state = (recorded.clone(), in_flight.clone(), max_in_flight.clone());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let respond = respond.clone();
                let state = state.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(socket).await {
                                serve(stream, respond, state).await;
                            }
                        }
                        None => serve(socket, respond, state).await,
                    }
                });
            }
        });
        Self {
            base_url,
            recorded,
            max_in_flight,
            accepted,
        }
    }

    /// TCP connections accepted so far, TLS handshakes that failed included.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut socket: S,
    respond: Respond,
    (log, in_flight, max_in_flight): (
        Arc<Mutex<Vec<Recorded>>>,
        Arc<AtomicUsize>,
        Arc<AtomicUsize>,
    ),
) {
    while let Some(request) = read_request(&mut socket).await {
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        max_in_flight.fetch_max(now, Ordering::SeqCst);
        let reply = respond(&request);
        log.lock().unwrap().push(request);
        tokio::time::sleep(reply.delay).await;
        let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if reply.chunked {
            head.push_str("transfer-encoding: chunked\r\n\r\n");
        } else {
            let length = reply.declared_length.unwrap_or(reply.body.len());
            head.push_str(&format!("content-length: {length}\r\n\r\n"));
        }
        let mut out = head.into_bytes();
        if reply.chunked && !reply.body.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", reply.body.len()).as_bytes());
            out.extend_from_slice(&reply.body);
            out.extend_from_slice(b"\r\n");
            if reply.after == After::KeepAlive {
                out.extend_from_slice(b"0\r\n\r\n");
            }
        } else {
            out.extend_from_slice(&reply.body);
        }
        let written = socket.write_all(&out).await.is_ok() && socket.flush().await.is_ok();
        in_flight.fetch_sub(1, Ordering::SeqCst);
        match reply.after {
            _ if !written => return,
            After::KeepAlive => {}
            After::Close => {
                let _ = socket.shutdown().await;
                return;
            }
            After::Stall => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            After::Abort => return,
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(socket: &mut S) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let header_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// A test CA and a server certificate it signed for `localhost` and 127.0.0.1.
pub struct TestPki {
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

impl TestPki {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "vbo365 test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            server_config: Arc::new(config),
        }
    }
}

/// A token response as the server sends it.
pub fn token_json(access: &str, refresh: &str, expires_in: u64) -> String {
    format!(
        r#"{{"access_token":"{access}","token_type":"bearer","expires_in":{expires_in},"refresh_token":"{refresh}"}}"#
    )
}

/// Log output captured in memory, for assertions on what was (or was not) logged.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<CapturedLog>> = const { std::cell::RefCell::new(None) };
}

/// Stops the capture of this thread's log when dropped.
pub struct Capturing(());

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

impl CapturedLog {
    /// Captures everything this thread logs, at TRACE level, until the guard drops.
    ///
    /// One global subscriber serves the whole test binary and writes each event to the capture
    /// of the thread that logged it. Per-thread subscribers (`set_default`) race with tests on
    /// other threads over tracing's global interest cache, and miss events now and then.
    /// `#[tokio::test]` runs the client and the test servers on the test's own thread.
    pub fn start(&self) -> Capturing {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(|| ThreadCapture)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("the test binary's only global subscriber");
        });
        CAPTURE.with(|c| *c.borrow_mut() = Some(self.clone()));
        Capturing(())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

/// Writes to the capture of the current thread, if any.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(capture) = c.borrow_mut().as_mut() {
                capture.write_all(buf)?;
            }
            Ok(buf.len())
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The spec's operation ids, of the operations that `login` (an `x-vbo-login`, or `None`
/// for those that serve both kinds) may use.
#[cfg(feature = "sim")]
pub fn spec_operation_ids(login: &[Option<&str>]) -> Vec<String> {
    let spec = vbo365::spec::Spec::embedded();
    let mut ids: Vec<String> = spec.document()["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| login.contains(&op.get("x-vbo-login").and_then(|l| l.as_str())))
        .filter_map(|op| op.get("operationId").and_then(|id| id.as_str()))
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}
