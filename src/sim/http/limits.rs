//! What the simulator reads of a request before it answers, and for how long: the whole body
//! first, up to [`BODY_LIMIT`], within the read timeout; a larger body is drained (up to
//! [`DRAIN_LIMIT`]) and answered 413, a body that stops arriving 408, each in the error shape
//! of the operation (the token endpoint's OAuth error, `{message}` elsewhere), as the spec
//! declares them. Answering while the client still sends makes the server close the
//! connection, and the client then sees a reset instead of the answer.
//!
//! Header read time is bounded in the HTTP/1 connection builder (see `super::start`), as
//! HTTP.sys bounds it with its `HeaderWait` timer; a TLS handshake is bounded by the acceptor.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt as _;

use super::errors::ApiError;
use crate::generated::operations::{ApiVersion, Operation};

/// Largest request body read, far above any valid one (a PFX certificate in base64).
pub const BODY_LIMIT: usize = 4 << 20;

/// How much of a larger body is read and dropped so that the client, still sending, can read
/// the 413; past it the connection is closed after the answer.
pub const DRAIN_LIMIT: u64 = 64 << 20;

/// Default for [`crate::sim::SimConfig::read_timeout`].
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What the body reader was told: how long a request may take to arrive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub read_timeout: Duration,
}

/// How reading a body ended.
enum Read {
    Whole(bytes::Bytes),
    /// Over [`BODY_LIMIT`]: how many bytes were read, and whether the rest was drained.
    TooLarge {
        read: u64,
        drained: bool,
    },
    Failed(String),
}

/// The middleware: reads the body in full, or answers 413 or 408 without routing.
pub async fn read_whole_body(
    State(limits): State<Limits>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let oauth = is_token_path(parts.uri.path());
    let version = super::routing::version_of(parts.uri.path());
    let timeout = limits.read_timeout;
    match tokio::time::timeout(timeout, read(body)).await {
        Ok(Read::Whole(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Read::TooLarge { read, drained }) => {
            let error = ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "body: is larger than the simulator's limit of {BODY_LIMIT} bytes (4 MiB){}",
                    if drained {
                        format!(" ({read} bytes sent)")
                    } else {
                        String::new()
                    }
                ),
            );
            closing(error.into_response_in(version, oauth), !drained)
        }
        Ok(Read::Failed(why)) => {
            let error = ApiError::bad_request(format!("body: cannot be read: {why}"));
            closing(error.into_response_in(version, oauth), true)
        }
        Err(_) => {
            let error = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "body: did not arrive in full within {} s",
                    timeout.as_secs_f64()
                ),
            );
            closing(error.into_response_in(version, oauth), true)
        }
    }
}

async fn read(body: Body) -> Read {
    let mut kept = bytes::BytesMut::new();
    let mut total: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(data) = stream.next().await {
        let data = match data {
            Ok(data) => data,
            Err(e) => return Read::Failed(e.to_string()),
        };
        total += data.len() as u64;
        if total > DRAIN_LIMIT {
            return Read::TooLarge {
                read: total,
                drained: false,
            };
        }
        // Kept while everything so far fits; past the limit only counted.
        if total <= BODY_LIMIT as u64 {
            kept.extend_from_slice(&data);
        }
    }
    if total > BODY_LIMIT as u64 {
        Read::TooLarge {
            read: total,
            drained: true,
        }
    } else {
        Read::Whole(kept.freeze())
    }
}

/// `response`, telling the client that the connection ends with it when `close`.
fn closing(mut response: Response, close: bool) -> Response {
    if close {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Whether `path` is the v4 token endpoint's, as routing reads it (any case, one trailing
/// slash): its errors are OAuth errors. From v6 on the token endpoint's errors are
/// `{message}`, as every other route's (their specs' `RequestTimeout`, `PayloadTooLarge`).
fn is_token_path(path: &str) -> bool {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    Operation::CreateToken
        .path(ApiVersion::V4)
        .is_some_and(|token| path.eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_is_kept_to_the_limit_and_counted_past_it() {
        let Read::Whole(bytes) = read(Body::from(vec![1_u8; BODY_LIMIT])).await else {
            panic!("a body at the limit is read");
        };
        assert_eq!(bytes.len(), BODY_LIMIT);
        let Read::TooLarge { read: n, drained } =
            read(Body::from(vec![1_u8; BODY_LIMIT + 1])).await
        else {
            panic!("a body over the limit is too large");
        };
        assert_eq!((n, drained), (BODY_LIMIT as u64 + 1, true));
    }

    #[test]
    fn the_token_path_is_matched_as_routing_matches_it() {
        assert!(is_token_path("/v4/token"));
        assert!(is_token_path("/V4/Token/"));
        assert!(!is_token_path("/v4/tokens"));
        assert!(!is_token_path("/v4/RestoreSessions"));
    }

    #[test]
    fn only_the_v4_token_endpoint_answers_oauth_errors() {
        for version in ["v6", "v7", "v8"] {
            assert!(!is_token_path(&format!("/{version}/token")), "{version}");
        }
    }
}
