//! Requests to the operations of any version, driven by the cross-version operation table:
//! the method and path template come from the version's spec, the body is checked against
//! (and written as) the version's generated types, and the request goes through the same
//! hooks as the generated clients' (token, refresh, retries, timeouts).
//!
//! The typed layer names an operation once ([`Operation`]) and a body once (v4's types, the
//! common model); this module is where a version's own shape is applied.

use progenitor_client::{ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use crate::generated::operations::{ApiVersion, Operation};
use crate::hooks::Inner;
use crate::{Client, Error};

/// A request to `operation` as one version serves it. No `Debug`: its body may hold a secret.
pub(crate) struct Call {
    pub operation: Operation,
    /// Path parameters by name; each becomes exactly one segment.
    pub path: Vec<(&'static str, String)>,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// Query parameters sent only where the version's operation has them.
    pub query_where_known: Vec<(&'static str, String)>,
    /// The JSON body, in v4's shape: [`body_for`] turns it into the version's.
    pub body: Option<Value>,
}

impl Call {
    pub fn new(operation: Operation) -> Self {
        Self {
            operation,
            path: Vec::new(),
            query: Vec::new(),
            query_where_known: Vec::new(),
            body: None,
        }
    }

    pub fn path(mut self, name: &'static str, value: impl ToString) -> Self {
        self.path.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// A query parameter for the versions whose spec has it, left out elsewhere.
    pub fn query_where_known(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query_where_known.push((name, value.to_string()));
        self
    }
}

/// `value` as JSON, for a [`Call`]'s body; `field` names it in the error.
pub(crate) fn json(field: &str, value: &impl serde::Serialize) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::invalid(field, crate::redact::serde_error(&e)))
}

/// A version's type as the common one (v4's), through their JSON: the specs keep the wire
/// names, so what both know carries over.
pub(crate) fn convert<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &impl serde::Serialize,
) -> Result<T, Error> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            Error::decode(format!(
                "the {what} does not fit the common type: {}",
                crate::redact::serde_error(&e)
            ))
        })
}

/// Reads `body` as `version`'s request body of `operation` and writes it back. A property that
/// the version's types do not carry is refused, naming it, before anything is sent: it would
/// be dropped silently otherwise.
pub(crate) fn body_for(
    version: ApiVersion,
    operation: Operation,
    body: &Value,
) -> Result<Option<Value>, Error> {
    let field = operation.id();
    let Some(spelling) = crate::generated::body_spelling(version, operation) else {
        return Ok(None);
    };
    let body = &spelling.respell(body.clone());
    if let Some(unknown) = unknown_property(body, spelling.names, "") {
        return Err(Error::invalid(
            unknown.trim_start_matches('.'),
            format!(
                "is not part of {version} {} (see {}); leave it out with this server",
                operation.id(),
                version.spec_file()
            ),
        ));
    }
    let Some(result) = crate::generated::round_trip_body(version, operation, body) else {
        return Ok(None);
    };
    let written = result.map_err(|why| {
        Error::invalid(
            field,
            format!(
                "is not a {} body (see {}): {}",
                version.prefix(),
                version.spec_file(),
                crate::redact::serde_error(&why)
            ),
        )
    })?;
    if let Some(lost) = lost_property(body, &written, "") {
        return Err(Error::invalid(
            lost.trim_start_matches('.'),
            format!(
                "is not part of {} {} (see {}); leave it out with this server",
                version.prefix(),
                operation.id(),
                version.spec_file()
            ),
        ));
    }
    Ok(Some(written))
}

/// How an operation's request body spells property names and enum values in a version
/// (`body_spelling` of each version's wire module, from its spec).
#[derive(Debug)]
pub struct Spelling {
    /// Every property name of the spec's schemas.
    pub names: &'static [&'static str],
    /// (v4's name, this version's) of the properties that v4 names otherwise
    /// (`x-vbo-v4-name`: v6's `contentKeyword` was v4's `contentKeywords`).
    pub renames: &'static [(&'static str, &'static str)],
    /// The values of each string enum, by the name of the property that holds it.
    pub enums: &'static [(&'static str, &'static [&'static str])],
}

impl Spelling {
    /// `value` with every property name and enum value this version spells in other capitals
    /// in its own: the server reads them in any case, but the spec (and a strict validator)
    /// knows one spelling. A name or value the version does not know at all stays as it is,
    /// for [`body_for`] to refuse.
    fn respell(&self, value: Value) -> Value {
        let same = |known: &[&'static str], text: &str| -> Option<&'static str> {
            if known.contains(&text) {
                return None;
            }
            let mut matches = known.iter().filter(|k| k.eq_ignore_ascii_case(text));
            match (matches.next(), matches.next()) {
                (Some(one), None) => Some(*one),
                _ => None,
            }
        };
        match value {
            Value::Object(object) => Value::Object(
                object
                    .into_iter()
                    .map(|(key, value)| {
                        let key = match self.renames.iter().find(|(v4, _)| *v4 == key) {
                            Some((_, renamed)) => renamed.to_string(),
                            None => same(self.names, &key).map_or(key, str::to_string),
                        };
                        let value = match (value, self.enums.iter().find(|(n, _)| *n == key)) {
                            (Value::String(text), Some((_, values))) => {
                                Value::String(same(values, &text).map_or(text, str::to_string))
                            }
                            (value, _) => self.respell(value),
                        };
                        (key, value)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.respell(v)).collect())
            }
            other => other,
        }
    }
}

/// The first property (dotted path) of `value` that no schema of the version names.
fn unknown_property(value: &Value, names: &[&str], at: &str) -> Option<String> {
    match value {
        Value::Object(object) => object.iter().find_map(|(key, value)| {
            let here = format!("{at}.{key}");
            if names.contains(&key.as_str()) {
                unknown_property(value, names, &here)
            } else {
                Some(here)
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| unknown_property(v, names, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// The first property (dotted path) that `before` sets and `after` lost.
fn lost_property(before: &Value, after: &Value, at: &str) -> Option<String> {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => before.iter().find_map(|(key, value)| {
            let here = format!("{at}.{key}");
            match after.get(key) {
                None if !value.is_null() => Some(here),
                None => None,
                Some(kept) => lost_property(value, kept, &here),
            }
        }),
        (Value::Array(before), Value::Array(after)) => before
            .iter()
            .zip(after)
            .enumerate()
            .find_map(|(i, (b, a))| lost_property(b, a, &format!("{at}[{i}]"))),
        _ => None,
    }
}

impl Client {
    /// Sends `call` to `version`'s server and hands back its answer, whatever the status.
    /// An operation the version does not serve is refused before anything is sent.
    pub(crate) async fn send_call(
        &self,
        version: ApiVersion,
        call: Call,
    ) -> Result<reqwest::Response, Error> {
        let operation = call.operation;
        let (Some(method), Some(template)) = (operation.method(version), operation.path(version))
        else {
            return Err(Error::unsupported(operation, version));
        };
        let mut path = template.to_string();
        for (name, value) in &call.path {
            crate::path::check_segment(name, value)?;
            let placeholder = format!("{{{name}}}");
            if !path.contains(&placeholder) {
                return Err(Error::invalid(
                    *name,
                    format!("is not a path parameter of {version} {}", operation.id()),
                ));
            }
            path = path.replace(&placeholder, &crate::path::encode_segment(value));
        }
        if let Some(missing) = path
            .split('{')
            .nth(1)
            .and_then(|rest| rest.split('}').next())
        {
            return Err(Error::invalid(
                missing,
                format!(
                    "is a path parameter of {version} {} and was not given",
                    operation.id()
                ),
            ));
        }
        let base = self.base_url();
        let mut url = reqwest::Url::parse(&format!("{base}{path}"))
            .map_err(|e| Error::invalid("server", format!("cannot hold {path}: {e}")))?;
        let known = operation.query_parameters(version);
        let optional = call
            .query_where_known
            .iter()
            .filter(|(name, _)| known.contains(name));
        let query: Vec<_> = call.query.iter().chain(optional).collect();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| Error::invalid(operation.id(), e.to_string()))?;
        let mut request = reqwest::Request::new(method, url);
        if let Some(body) = &call.body {
            let body = body_for(version, operation, body)?.unwrap_or_else(|| body.clone());
            let bytes = serde_json::to_vec(&body)
                .map_err(|e| Error::invalid(operation.id(), e.to_string()))?;
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(bytes.into());
        }
        let info = OperationInfo {
            operation_id: operation.client_name(),
        };
        let api = Api {
            client: self.http(),
            base_url: self.base_url(),
            inner: self.inner_for(version),
        };
        crate::hooks::pre(&api, &mut request, &info).await;
        crate::hooks::exec(&api, request, &info)
            .await
            .map_err(|e| Error::transport(e).with_operation(operation))
    }
}

/// A version's generated client, as its hooks see it.
pub(crate) struct Api<'a> {
    pub client: &'a reqwest::Client,
    pub base_url: &'a str,
    pub inner: Inner,
}

impl ClientInfo<Inner> for Api<'_> {
    fn api_version() -> &'static str {
        "any"
    }

    fn baseurl(&self) -> &str {
        self.base_url
    }

    fn client(&self) -> &reqwest::Client {
        self.client
    }

    fn inner(&self) -> &Inner {
        &self.inner
    }
}

impl Client {
    /// A JSON answer of `call`, read as `T` (v4's type: the common model): through the
    /// generated v4 client (`v4`) on v4, through the operation table on the other versions.
    pub(crate) async fn read<T, Fut>(
        &self,
        call: Call,
        v4: impl FnOnce() -> Fut,
    ) -> Result<T, Error>
    where
        T: serde::de::DeserializeOwned,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        match self.api_version().await? {
            ApiVersion::V4 => v4().await,
            version => self.read_in(version, call).await,
        }
    }

    /// The JSON answer of `call` in `version`, read as `T`.
    pub(crate) async fn read_in<T: serde::de::DeserializeOwned>(
        &self,
        version: ApiVersion,
        call: Call,
    ) -> Result<T, Error> {
        let operation = call.operation;
        let response = self.send_call(version, call).await?;
        let body = success_body(response, operation).await?;
        serde_json::from_slice(&body).map_err(|e| {
            Error::decode(format!(
                "the response body ({} bytes) is not the documented JSON: {}",
                body.len(),
                crate::redact::serde_error(&e)
            ))
            .with_operation(operation)
        })
    }

    /// [`Client::read`] for an operation that answers without a body.
    pub(crate) async fn run<Fut>(&self, call: Call, v4: impl FnOnce() -> Fut) -> Result<(), Error>
    where
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        match self.api_version().await? {
            ApiVersion::V4 => v4().await,
            version => {
                let operation = call.operation;
                let response = self.send_call(version, call).await?;
                success_body(response, operation).await.map(drop)
            }
        }
    }
}

/// The body of a 2xx answer, bounded as every JSON answer is; any other status is the error
/// it says.
async fn success_body(
    response: reqwest::Response,
    operation: Operation,
) -> Result<bytes::BytesMut, Error> {
    if !response.status().is_success() {
        let error = progenitor_client::Error::<crate::generated::types::Error>::UnexpectedResponse(
            response,
        );
        return Err(Error::from_generated(error, operation).await);
    }
    let stream = progenitor_client::ResponseValue::stream(response).into_inner();
    crate::outcome::read_bounded(stream, None)
        .await
        .map_err(|e| e.with_operation(operation))
}

macro_rules! generated_client {
    ($($method:ident => $module:ident, $version:ident;)*) => {
        impl Client {
            $(
                #[doc = concat!("The client generated from `openapi/vbo-", stringify!($module),
                    ".yaml`, for every operation of that version (the escape hatch, as ",
                    "[`Client::api`] is v4's). Its requests share this client's connections, ",
                    "token, refreshes and retries.")]
                pub fn $method(&self) -> crate::generated::$module::Client {
                    crate::generated::$module::Client::new_with_client(
                        self.base_url(),
                        self.http().clone(),
                        self.inner_for(ApiVersion::$version),
                    )
                }
            )*
        }
    };
}

generated_client! {
    api_v6 => v6, V6;
    api_v7 => v7, V7;
    api_v8 => v8, V8;
}
