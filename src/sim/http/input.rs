//! The generic front half of every operation: the token, the path and query parameters typed
//! by their schemas, the content type, and the body normalized to the spec's spelling and
//! validated against its schema (the validation that gives the precise 400 messages).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Sim;
use super::errors::ApiError;
use super::routing::{BodySpec, Param, Route};
use crate::generated::operations::{ApiVersion, Operation};
use crate::sim::{explain, request};
use crate::spec::Spec;

pub use super::limits::BODY_LIMIT;

/// A request that passed the spec's checks.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path parameters, decoded.
    path: HashMap<String, String>,
    /// Query parameters by their spec names, typed by their schemas.
    query: HashMap<String, Value>,
    /// The body, normalized to the spec's spelling and valid against its schema.
    pub body: Option<Value>,
    /// The request path, for page links.
    pub uri_path: String,
    /// `host[:port]` the client used, for links.
    pub authority: String,
    /// The version whose route the request came in on: links, the shape of the answer and
    /// the names of its parameters are that version's.
    pub version: ApiVersion,
    /// The operation of that route.
    pub operation: Operation,
}

impl Input {
    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(Value::as_i64)
    }

    pub fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }

    pub fn query_bool(&self, name: &str) -> Option<bool> {
        self.query.get(name).and_then(Value::as_bool)
    }

    pub fn path_param(&self, name: &str) -> Result<&str, ApiError> {
        self.path
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{name}: is required")))
    }

    pub fn uuid(&self, name: &str) -> Result<Uuid, ApiError> {
        let text = self.path_param(name)?;
        Uuid::parse_str(text).map_err(|_| ApiError::bad_request(format!("{name}: must be a GUID")))
    }

    /// The body as the generated type of the operation's request body. The body already
    /// passed the spec's schema, so this fails only where the generation view differs.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        typed(self.body.clone())
    }
}

/// A validated body as a generated type.
fn typed<T: DeserializeOwned>(body: Option<Value>) -> Result<T, ApiError> {
    serde_json::from_value(body.unwrap_or(Value::Null))
        .map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

/// A path or query value typed by its schema: the wire only has strings.
fn typed_param(spec: &Spec, param: &Param, raw: &str) -> Result<Value, ApiError> {
    let schema = spec.resolve(&param.schema);
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => {
            let value: i128 = raw
                .trim()
                .parse()
                .map_err(|_| ApiError::bad_request(format!("{}: must be integer", param.name)))?;
            // JSON Schema has no integer formats; the range of int32/int64 is checked here.
            let (min, max) = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => (i128::from(i32::MIN), i128::from(i32::MAX)),
                _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
            };
            if !(min..=max).contains(&value) {
                return Err(ApiError::bad_request(format!(
                    "{}: {value} is out of range ({min} to {max})",
                    param.name
                )));
            }
            Ok(Value::from(value as i64))
        }
        Some("boolean") => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(ApiError::bad_request(format!(
                "{}: must be boolean",
                param.name
            ))),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

/// Keeps only characters that can appear in an authority, so that links stay URLs.
fn clean_authority(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    ok.then(|| value.to_string())
}

impl Sim {
    /// Checks a request against its operation: token, parameters, content type and body.
    pub async fn prepare(&self, route: &Route, request: Request) -> Result<Input, ApiError> {
        let (mut parts, body) = request.into_parts();
        // Already read in full by `limits::read_whole_body`.
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|e| ApiError::bad_request(format!("body: cannot be read: {e}")))?;
        if route.secured {
            let token = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            let login = token.and_then(|t| self.shared.token_login(t));
            let Some(login) = login else {
                return Err(ApiError::unauthorized());
            };
            // A route for the other kind of login: the v4 server's authorization filter
            // answers as for a bad token (see the spec's `Unauthorized`).
            if route.login.is_some_and(|kind| kind != login.kind) {
                return Err(ApiError::unauthorized());
            }
        }
        let authority = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .and_then(|a| clean_authority(&a))
            .unwrap_or_else(|| self.authority.clone());
        let path_values = Path::<HashMap<String, String>>::from_request_parts(&mut parts, &())
            .await
            .map(|Path(values)| values)
            .map_err(|e| ApiError::bad_request(format!("path: {}", e.body_text())))?;
        let query_pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
                .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
        let mut input = Input {
            path: HashMap::new(),
            query: HashMap::new(),
            body: None,
            uri_path: parts.uri.path().to_string(),
            authority,
            version: route.version,
            operation: route.operation,
        };
        let spec = self.spec(route.version);
        for param in &route.params {
            let raw: Vec<&str> = if param.in_path {
                path_values
                    .get(&param.name)
                    .map(String::as_str)
                    .into_iter()
                    .collect()
            } else {
                query_pairs
                    .iter()
                    .filter(|(name, _)| name.eq_ignore_ascii_case(&param.name))
                    .map(|(_, value)| value.as_str())
                    // v4-era clients send the literal `null` of an optional string parameter
                    // for "none" (spec: "Server leniencies").
                    .filter(|value| {
                        !(param.null_means_absent() && value.eq_ignore_ascii_case("null"))
                    })
                    .collect()
            };
            let raw = match raw.as_slice() {
                [] if param.required => {
                    return Err(ApiError::bad_request(format!(
                        "{}: is required",
                        param.name
                    )));
                }
                [] => continue,
                [one] => *one,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "{}: given more than once",
                        param.name
                    )));
                }
            };
            let value = typed_param(spec, param, raw)?;
            explain::check(spec, &param.validator, &value, &param.name)
                .map_err(ApiError::bad_request)?;
            if param.in_path {
                input.path.insert(param.name.clone(), raw.to_string());
            } else {
                input.query.insert(param.name.clone(), value);
            }
        }
        if let Some(spec_body) = &route.body {
            input.body = self.read_body(spec, spec_body, &parts, &bytes)?;
        }
        Ok(input)
    }

    fn read_body(
        &self,
        spec: &Spec,
        spec_body: &BodySpec,
        parts: &Parts,
        bytes: &[u8],
    ) -> Result<Option<Value>, ApiError> {
        if bytes.is_empty() {
            return if spec_body.required {
                Err(ApiError::bad_request(format!(
                    "body: is required, as {}",
                    spec_body.media_type
                )))
            } else {
                Ok(None)
            };
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case(&spec_body.media_type) {
            return Err(ApiError::bad_request(format!(
                "Content-Type must be {}, not {}",
                spec_body.media_type,
                if media_type.is_empty() {
                    "missing"
                } else {
                    media_type
                }
            )));
        }
        let value = if spec_body.media_type == "application/x-www-form-urlencoded" {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
                .map_err(|e| ApiError::bad_request(format!("body: not a valid form: {e}")))?;
            let mut map = Map::new();
            for (name, value) in pairs {
                if map.insert(name.clone(), Value::String(value)).is_some() {
                    return Err(ApiError::bad_request(format!(
                        "{name}: given more than once"
                    )));
                }
            }
            // Names in any case, as OWIN's form collection reads them (a name given twice in
            // two cases is refused by `normalize`).
            request::normalize(spec, &spec_body.schema, Value::Object(map), "")
                .map_err(ApiError::bad_request)?
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request("body: is not UTF-8"))?;
            // Web API's JSON formatter reads the encoding from a byte-order mark.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let value: Value = serde_json::from_str(&request::strip_trailing_commas(text))
                .map_err(|e| ApiError::bad_request(format!("body: is not valid JSON ({e})")))?;
            request::normalize(spec, &spec_body.schema, value, "").map_err(ApiError::bad_request)?
        };
        explain::check(spec, &spec_body.validator, &value, "").map_err(ApiError::bad_request)?;
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authority_with_other_characters_is_not_used_for_links() {
        assert_eq!(
            clean_authority("127.0.0.1:4443").as_deref(),
            Some("127.0.0.1:4443")
        );
        assert_eq!(clean_authority("[::1]:80").as_deref(), Some("[::1]:80"));
        assert_eq!(clean_authority("evil.com/x?"), None);
        assert_eq!(clean_authority(""), None);
    }
}
