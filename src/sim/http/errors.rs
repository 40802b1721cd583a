//! Error answers: `{message}` (the spec's `Error`), or an OAuth error (`OAuthError`) for the
//! operations whose request errors the spec declares as one.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::generated::operations::ApiVersion;
use crate::generated::types::error::ConversionError;
use crate::types;

/// An error response: `{message}`, or an OAuth error for the token endpoint.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    oauth: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            oauth: "invalid_request",
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn invalid_grant(message: impl Into<String>) -> Self {
        Self {
            oauth: "invalid_grant",
            ..Self::bad_request(message)
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The answer in `version`'s shape: v4's and v6's `{message}` (or OAuth error), v7's with
    /// `errorCode`, v8's with `errorCode` and `stackTrace` (null: the simulator has neither a
    /// code for its errors nor a stack to show).
    pub fn into_response_in(self, version: ApiVersion, oauth_errors: bool) -> Response {
        let extra: &[&str] = match version {
            ApiVersion::V4 | ApiVersion::V6 => &[],
            ApiVersion::V7 => &["errorCode"],
            ApiVersion::V8 => &["errorCode", "stackTrace"],
        };
        if extra.is_empty() || oauth_errors {
            return self.into_response(oauth_errors);
        }
        let mut body = serde_json::Map::new();
        body.insert("message".into(), serde_json::Value::String(self.message));
        for name in extra {
            body.insert((*name).to_string(), serde_json::Value::Null);
        }
        (self.status, axum::Json(serde_json::Value::Object(body))).into_response()
    }

    /// The answer; `oauth_errors` says whether the operation's request errors (400, 408,
    /// 413) are [`types::OAuthError`]s, as the token endpoint's are.
    pub fn into_response(self, oauth_errors: bool) -> Response {
        let status = self.status;
        let request_error = matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE
        );
        if oauth_errors && request_error {
            let body = types::OAuthError::builder()
                .error(self.oauth.to_string())
                .error_description(self.message);
            respond::<types::OAuthError>(status, body.try_into())
        } else {
            let body = types::Error::builder().message(self.message);
            respond::<types::Error>(status, body.try_into())
        }
    }
}

/// A response the simulator could not build from the generated types is its own bug.
impl From<ConversionError> for ApiError {
    fn from(error: ConversionError) -> Self {
        Self::internal(format!("the simulator built an invalid response: {error}"))
    }
}

/// A later version's generated type that could not be built: as for v4's.
impl From<crate::generated::v8::types::error::ConversionError> for ApiError {
    fn from(error: crate::generated::v8::types::error::ConversionError) -> Self {
        Self::internal(format!("the simulator built an invalid response: {error}"))
    }
}

/// `value` as JSON with `status`; a value that could not be built is a plain-text 500 (an
/// error body that cannot be built cannot be sent as one).
fn respond<T: serde::Serialize>(status: StatusCode, value: Result<T, ConversionError>) -> Response {
    match value {
        Ok(value) => (status, axum::Json(value)).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the simulator built an invalid error response: {error}"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> (StatusCode, serde_json::Value) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn an_oauth_operation_answers_its_400s_as_oauth_errors_and_the_rest_as_messages() {
        let (status, value) = body(ApiError::invalid_grant("no").into_response(true)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let error: types::OAuthError = serde_json::from_value(value).unwrap();
        assert_eq!(error.error, "invalid_grant");
        assert_eq!(error.error_description.as_deref(), Some("no"));

        let (status, value) = body(ApiError::unauthorized().into_response(true)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let error: types::Error = serde_json::from_value(value).unwrap();
        assert_eq!(
            error.message,
            "Authorization has been denied for this request."
        );

        let (_, value) = body(ApiError::bad_request("bad").into_response(false)).await;
        let error: types::Error = serde_json::from_value(value).unwrap();
        assert_eq!(error.message, "bad");
    }
}
