//! The one error type of the client: opaque, with predicates in the style of `reqwest::Error`.

use std::fmt;

use reqwest::StatusCode;

use crate::generated::wire::Operation;
use crate::server_message::{ServerMessage, read_message, redact_for};

/// The spec's name of the parameter in a generated builder's conversion failure, which reads
/// "conversion to `Type` for item_id failed": `itemId`.
fn generated_parameter(why: &str) -> Option<String> {
    let snake = why.split_once("` for ")?.1.strip_suffix(" failed")?;
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if c.is_ascii_alphanumeric() => {
                out.push(if upper { c.to_ascii_uppercase() } else { c });
                upper = false;
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Longest server message kept in an error, so that Display stays one readable line.
const MAX_MESSAGE: usize = 512;

/// Everything that can go wrong, from a rejected argument to a cut-off download.
///
/// Display is one line that names the operation, the status and the server's `message` (cut to
/// a bounded length); it never contains request bodies, credentials or tokens.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    operation: Option<Operation>,
    status: Option<StatusCode>,
    message: Option<String>,
    reached: Reached,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Bad input, found before anything was sent.
    Invalid { field: String, rule: String },
    /// The connection could not be made or broke before a response.
    Transport,
    /// The request timed out, or the body stalled past the idle timeout.
    Timeout,
    /// The server answered with an error status.
    Status,
    /// The response body broke off or was shorter than announced.
    Body,
    /// The response could not be decoded as documented.
    Decode,
    /// A local I/O failure, such as writing a download.
    Io,
}

/// Whether the request may have had its effect on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    No,
    Maybe,
    Yes,
}

impl Error {
    fn new(kind: Kind, reached: Reached) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status: None,
                message: None,
                reached,
                source: None,
            }),
        }
    }

    /// Input that breaks a rule of the API, caught before anything was sent.
    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::new(
            Kind::Invalid {
                field: field.into(),
                rule: rule.into(),
            },
            Reached::No,
        )
    }

    /// `operation` is not part of `version`: refused before anything is sent.
    pub(crate) fn unsupported(operation: Operation, version: crate::ApiVersion) -> Self {
        let served: Vec<&str> = crate::ApiVersion::ALL
            .into_iter()
            .filter(|v| operation.served_by(*v))
            .map(|v| v.prefix())
            .collect();
        Self::invalid(
            operation.id(),
            format!(
                "is not served by API {version} (it is by {})",
                served.join(", ")
            ),
        )
    }

    pub(crate) fn status_error(status: StatusCode, message: Option<String>) -> Self {
        let mut error = Self::new(Kind::Status, Reached::Yes);
        error.inner.status = Some(status);
        error.inner.message = message.map(bounded);
        error
    }

    pub(crate) fn body(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(Kind::Body, Reached::Yes).with_source(source)
    }

    pub(crate) fn body_message(message: impl Into<String>) -> Self {
        let mut error = Self::new(Kind::Body, Reached::Yes);
        error.inner.message = Some(bounded(message.into()));
        error
    }

    /// Gave up waiting for something local (such as another request's token refresh) before
    /// this request was sent.
    pub(crate) fn waited(message: impl Into<String>) -> Self {
        let mut error = Self::new(Kind::Timeout, Reached::No);
        error.inner.message = Some(bounded(message.into()));
        error
    }

    /// Gave up waiting for something the server runs (an asynchronous restore) that it had
    /// accepted: it may still happen.
    pub(crate) fn server_still_running(message: impl Into<String>) -> Self {
        let mut error = Self::new(Kind::Timeout, Reached::Yes);
        error.inner.message = Some(bounded(message.into()));
        error
    }

    pub(crate) fn idle_timeout(after: std::time::Duration) -> Self {
        let mut error = Self::new(Kind::Timeout, Reached::Yes);
        error.inner.message = Some(format!("no data for {} s", after.as_secs_f32()));
        error
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        let mut error = Self::new(Kind::Decode, Reached::Yes);
        error.inner.message = Some(bounded(message.into()));
        error
    }

    pub(crate) fn io(field: &str, source: std::io::Error) -> Self {
        let mut error = Self::new(Kind::Io, Reached::No).with_source(source);
        error.inner.message = Some(field.to_string());
        error
    }

    /// Classifies a reqwest failure: a failed connect never reached the server.
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        let (kind, reached) = if error.is_connect() {
            (Kind::Transport, Reached::No)
        } else if error.is_timeout() {
            (Kind::Timeout, Reached::Maybe)
        } else if error.is_body() || error.is_decode() {
            (Kind::Body, Reached::Yes)
        } else if error.is_builder() {
            (
                Kind::Invalid {
                    field: "request".into(),
                    rule: "must form a valid HTTP request".into(),
                },
                Reached::No,
            )
        } else {
            (Kind::Transport, Reached::Maybe)
        };
        let status = error.status();
        let mut out = Self::new(kind, reached).with_source(without_url(error));
        out.inner.status = status;
        out
    }

    /// Adds where it happened, in front of any message.
    pub(crate) fn with_context(mut self, context: String) -> Self {
        self.inner.message = Some(match self.inner.message.take() {
            Some(message) => format!("{context}: {message}"),
            None => context,
        });
        self
    }

    pub(crate) fn with_operation(mut self, operation: Operation) -> Self {
        self.inner.operation = Some(operation);
        self
    }

    fn with_source(mut self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Converts an error of the generated client, reading a bounded part of an undocumented
    /// error body for its `message`. `operation` names the call in Display. Users reach it
    /// through the generated builders' `call()` (`client.api().list_organizations().call()`).
    pub(crate) async fn from_generated<E: ServerMessage>(
        error: progenitor_client::Error<E>,
        operation: Operation,
    ) -> Self {
        use progenitor_client::Error as Api;
        let out = match error {
            Api::InvalidRequest(why) => match generated_parameter(&why) {
                Some(field) => {
                    Self::invalid(field, format!("breaks its bound in the spec ({why})"))
                }
                None => Self::invalid("request", why),
            },
            Api::CommunicationError(e) | Api::InvalidUpgrade(e) => Self::transport(e),
            Api::ErrorResponse(value) => {
                let status = value.status();
                let message = value.into_inner().server_message();
                Self::status_error(status, message.map(|m| redact_for(operation, &m)))
            }
            Api::ResponseBodyError(e) => Self::body(without_url(e)),
            Api::InvalidResponsePayload(bytes, e) => {
                // The body is not quoted: it may be a token response, or any body with a secret.
                let mut out = Self::decode(format!(
                    "the response body ({} bytes) is not the documented JSON: {}",
                    bytes.len(),
                    crate::redact::serde_error(&e)
                ));
                out.inner.reached = Reached::Yes;
                out
            }
            Api::UnexpectedResponse(response) => {
                let status = response.status();
                let message = read_message(response, operation).await;
                Self::status_error(status, message.map(|m| redact_for(operation, &m)))
            }
            Api::Custom(why) => {
                let mut out = Self::new(Kind::Transport, Reached::Maybe);
                out.inner.message = Some(bounded(why));
                out
            }
        };
        out.with_operation(operation)
    }

    /// This error and every distinct cause, on one line: what a command-line tool prints.
    /// `Display` shows this error alone, and `source()` gives the causes.
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The server's own explanation (`message`, or OAuth `error_description`), bounded.
    pub fn message(&self) -> Option<&str> {
        match self.inner.kind {
            Kind::Status => self.inner.message.as_deref(),
            _ => None,
        }
    }

    /// The field that broke a rule, for errors found before sending.
    pub fn field(&self) -> Option<&str> {
        match &self.inner.kind {
            Kind::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The rule that the field broke, for errors found before sending.
    pub fn rule(&self) -> Option<&str> {
        match &self.inner.kind {
            Kind::Invalid { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// The operation that failed, if any.
    pub fn operation(&self) -> Option<Operation> {
        self.inner.operation
    }

    /// The server's TLS certificate was not trusted (pass its CA, see
    /// [`crate::ClientBuilder::add_ca_file`]).
    pub fn is_certificate(&self) -> bool {
        causes(self).any(|cause| {
            matches!(
                cause.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidCertificate(_))
            )
        })
    }

    /// Input was rejected before anything was sent.
    pub fn is_invalid(&self) -> bool {
        matches!(self.inner.kind, Kind::Invalid { .. })
    }

    /// The server answered with an error status.
    pub fn is_status(&self) -> bool {
        self.inner.kind == Kind::Status
    }

    /// The connection failed or broke before a response.
    pub fn is_transport(&self) -> bool {
        self.inner.kind == Kind::Transport
    }

    /// A connect, request or idle timeout.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == Kind::Timeout
    }

    /// The response body broke off or did not match its `Content-Length`.
    pub fn is_body(&self) -> bool {
        self.inner.kind == Kind::Body
    }

    /// The response was not what the spec documents.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == Kind::Decode
    }

    /// A local I/O failure.
    pub fn is_io(&self) -> bool {
        self.inner.kind == Kind::Io
    }

    /// The access token was refused (401): get a new one.
    pub fn is_unauthorized(&self) -> bool {
        self.inner.status == Some(StatusCode::UNAUTHORIZED)
    }

    /// The session, mailbox or item does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.inner.status == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the request could have reached the server and had its effect. When false, it
    /// certainly did not, and sending it again is safe whatever it was.
    pub fn may_have_reached_server(&self) -> bool {
        self.inner.reached != Reached::No
    }

    /// Whether the failure is transient: a connect failure, a timeout, 429 or a 5xx.
    /// Whether a retry is *safe* also depends on the request: see
    /// [`Error::may_have_reached_server`]; actions must not be repeated once they may have run.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            Kind::Transport | Kind::Timeout => true,
            Kind::Status => self.inner.status.is_some_and(|s| {
                s == StatusCode::TOO_MANY_REQUESTS
                    || s == StatusCode::REQUEST_TIMEOUT
                    || s.is_server_error()
            }),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.inner.operation {
            write!(f, "{}: ", operation.client_name())?;
        }
        match &self.inner.kind {
            Kind::Invalid { field, rule } => write!(f, "invalid `{field}`: {rule}")?,
            Kind::Status => {
                let status = self
                    .inner
                    .status
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                write!(f, "the server answered {status}")?;
            }
            Kind::Transport => f.write_str("the connection to the server failed")?,
            Kind::Timeout => f.write_str("timed out")?,
            Kind::Body => f.write_str("the response body was cut off")?,
            Kind::Decode => f.write_str("unexpected response")?,
            Kind::Io => f.write_str("local I/O failed")?,
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        // One level, as reqwest does: the causes are `source()`'s, and `Error::report`
        // prints them all once.
        Ok(())
    }
}

/// An error with its causes, for a terminal or a log line: see [`Error::report`].
#[derive(Debug)]
pub struct Report<'a>(&'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        // Every distinct cause, so that "invalid peer certificate: UnknownIssuer" is not lost
        // behind "error sending request".
        let mut shown = String::new();
        for cause in causes(self.0) {
            let text = without_doc_links(&cause.to_string());
            if !text.is_empty() && !shown.contains(&text) {
                write!(f, ": {text}")?;
                shown.push_str(&text);
            }
        }
        Ok(())
    }
}

/// Some causes end with a link to their library's documentation (rustls: "peer closed
/// connection without sending TLS close_notify: https://docs.rs/..."), which tells a user of
/// this client nothing.
fn without_doc_links(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("https://docs.rs/") {
        let end = out[start..]
            .find(char::is_whitespace)
            .map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "");
    }
    out.trim_end_matches([' ', ':']).to_string()
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field(
                "operation",
                &self.inner.operation.map(Operation::client_name),
            )
            .field("status", &self.inner.status)
            .field("message", &self.inner.message)
            .field("may_have_reached_server", &self.may_have_reached_server())
            .field("source", &self.inner.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// The causes of an error, innermost last.
fn causes(error: &Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    chain(
        error
            .inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static)),
    )
}

/// `first` and its causes, looking inside `std::io::Error` wrappers (which hide their payload
/// from `source()`).
fn chain<'a>(
    first: Option<&'a (dyn std::error::Error + 'static)>,
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = first;
    std::iter::from_fn(move || {
        let current = next?;
        next = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static))
            .or_else(|| current.source());
        Some(current)
    })
}

/// Whether a TLS error is among the causes: a certificate that is not trusted, or a handshake
/// the server refused, fails the same way on every attempt.
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    chain(Some(error)).any(|cause| cause.downcast_ref::<rustls::Error>().is_some())
}

pub(crate) fn bounded(mut message: String) -> String {
    message.retain(|c| !c.is_control() || c == ' ');
    if message.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// reqwest errors print the URL; ours carry only the operation, so that an item id or a
/// query string never ends up in a log line by accident.
fn without_url(error: reqwest::Error) -> reqwest::Error {
    error.without_url()
}
