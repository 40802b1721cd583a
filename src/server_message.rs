//! What an error response says, read for [`crate::Error::message`]: the spec's error bodies,
//! or a bounded and redacted excerpt of an undocumented one.

use crate::generated::operations::Operation;

/// Error bodies of every version's spec that carry a human-readable explanation, read by
/// their JSON: `{message}` (v7 adds `errorCode`, v8 `stackTrace`, which stays out: it is the
/// server's internals), or OAuth's `{error, error_description}` from the token endpoint.
pub(crate) trait ServerMessage {
    /// The explanation, if any.
    fn server_message(self) -> Option<String>;
}

impl<T: serde::Serialize> ServerMessage for T {
    fn server_message(self) -> Option<String> {
        let value = serde_json::to_value(self).ok()?;
        let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str);
        if let Some(message) = text("message") {
            return Some(match text("errorCode").filter(|c| !c.is_empty()) {
                Some(code) => format!("{message} (error code {code})"),
                None => message.to_string(),
            });
        }
        let error = text("error")?;
        Some(match text("error_description") {
            Some(description) => format!("{description} ({error})"),
            None => error.to_string(),
        })
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
