//! What an error response says, read for [`crate::Error::message`]: the spec's error bodies,
//! or a bounded and redacted excerpt of an undocumented one.

use crate::generated::types;
use crate::generated::wire::Operation;

/// Error bodies of the spec that carry a human-readable explanation.
pub(crate) trait ServerMessage {
    /// The explanation, if any.
    fn server_message(self) -> Option<String>;
}

impl ServerMessage for types::Error {
    fn server_message(self) -> Option<String> {
        Some(self.message)
    }
}

impl ServerMessage for types::OAuthError {
    fn server_message(self) -> Option<String> {
        Some(match self.error_description {
            Some(description) => format!("{} ({})", description, self.error),
            None => self.error,
        })
    }
}

impl ServerMessage for types::TokenError {
    fn server_message(self) -> Option<String> {
        match self {
            Self::OAuthError(error) => error.server_message(),
            Self::Error(error) => error.server_message(),
        }
    }
}

impl ServerMessage for () {
    fn server_message(self) -> Option<String> {
        None
    }
}

/// Reads at most a few KiB of an undocumented error response for a `message` to show.
pub(crate) async fn read_message(
    mut response: reqwest::Response,
    operation: Operation,
) -> Option<String> {
    let mut body = Vec::new();
    while body.len() < 8192 {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    #[derive(serde::Deserialize)]
    struct Message {
        #[serde(alias = "Message")]
        message: String,
    }
    if let Ok(parsed) = serde_json::from_slice::<Message>(&body) {
        return Some(parsed.message);
    }
    if body.is_empty() {
        None
    } else if operation == Operation::CreateToken {
        // Whatever the token endpoint sent may be a credential in any encoding.
        Some(format!("a body of {} bytes that is not JSON", body.len()))
    } else {
        Some(format!(
            "non-JSON body starting with {:?}",
            crate::redact::body_excerpt(&body)
        ))
    }
}

/// Text from the token endpoint loses anything that looks like a credential; other
/// operations' messages name items and are kept.
pub(crate) fn redact_for(operation: Operation, text: &str) -> String {
    if operation == Operation::CreateToken {
        crate::redact::token_text(text)
    } else {
        text.to_string()
    }
}
