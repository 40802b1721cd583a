//! The route table, read from each served version's spec: one route per operation, with what
//! its requests are checked against; and the case-insensitive matching of literal path
//! segments that the v4 server does. The dispatch of an operation to its handler is in
//! [`super::dispatch`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use serde_json::Value;

use super::Sim;
use super::errors::ApiError;
use crate::generated::operations::{ApiVersion, Operation};
use crate::sim::state::LoginKind;
use crate::spec::{Parameter, SchemaValidator, Spec};

/// A parameter of an operation, with its compiled schema.
pub struct Param {
    pub name: String,
    pub in_path: bool,
    pub required: bool,
    pub schema: Value,
    pub validator: SchemaValidator,
}

impl Param {
    /// Whether the literal `null` of this parameter means that it is absent: an optional
    /// query parameter of type string, as the spec's "Server leniencies" say. For a number
    /// or a boolean `null` stays a value of the wrong type, refused as the schema says.
    pub fn null_means_absent(&self) -> bool {
        !self.in_path
            && !self.required
            && self.schema.get("type").and_then(Value::as_str) == Some("string")
    }
}

/// An operation's request body.
pub struct BodySpec {
    pub media_type: String,
    pub schema: Value,
    pub validator: SchemaValidator,
    pub required: bool,
}

/// One operation of the spec, as the server routes and checks it.
pub struct Route {
    /// Which operation of the generated table it is: its handler.
    pub operation: Operation,
    /// The version whose spec it is from.
    pub version: ApiVersion,
    /// The method, upper case, and the path template, as the spec says.
    pub method: String,
    pub path: String,
    pub secured: bool,
    pub params: Vec<Param>,
    pub body: Option<BodySpec>,
    /// Whether the operation's 400 is an OAuth error (the token endpoint) rather than
    /// `{message}`.
    pub oauth_errors: bool,
    /// The only kind of login the operation serves (`x-vbo-login`); `None`: both.
    pub login: Option<LoginKind>,
    /// The one success status the spec declares, which the answer is given with (v8's sends
    /// answer 204 where v4's answer 200); `None` where it declares several or none.
    pub success: Option<axum::http::StatusCode>,
}

/// The extension that restricts an operation to one kind of login.
pub const LOGIN_EXTENSION: &str = "x-vbo-login";

/// The operations of `spec`, with everything compiled that each request needs.
pub fn routes(spec: &Spec, version: ApiVersion) -> Result<Vec<Route>, String> {
    let global_security = spec.document().get("security");
    let mut out = Vec::new();
    for op in spec.operations() {
        let id = op
            .id
            .ok_or_else(|| format!("{} {} has no operationId", op.method, op.path))?;
        let operation = Operation::from_id(id)
            .ok_or_else(|| format!("{id}: not in the generated operation table"))?;
        // An operation is public if its security allows an empty requirement.
        let secured = op
            .node
            .get("security")
            .or(global_security)
            .and_then(Value::as_array)
            .is_some_and(|reqs| {
                !reqs.is_empty()
                    && !reqs
                        .iter()
                        .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
        let mut params = Vec::new();
        for parameter in &op.parameters {
            if let Some(param) = param(spec, version, id, parameter)? {
                params.push(param);
            }
        }
        let body = match op.request_body(spec) {
            Some(body) => Some(body_spec(spec, version, id, body)?),
            None => None,
        };
        // Where the 400 is OAuthError, or a oneOf whose first (v4) variant is, the route
        // answers OAuth errors (v4's token endpoint); later versions' are `{message}`.
        let responses = op.responses(spec);
        let successes: Vec<axum::http::StatusCode> = responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .filter_map(|(status, _)| status.parse::<u16>().ok())
            .filter_map(|status| axum::http::StatusCode::from_u16(status).ok())
            .collect();
        let success = match successes.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        let oauth_errors = responses
            .into_iter()
            .find(|(status, _)| *status == "400")
            .and_then(|(_, r)| r.pointer("/content/application~1json/schema"))
            .is_some_and(|schema| {
                let first = spec.resolve(schema).pointer("/oneOf/0").unwrap_or(schema);
                first
                    .get("$ref")
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.ends_with("/OAuthError"))
            });
        let login = match op.node.get(LOGIN_EXTENSION) {
            None => None,
            Some(value) => Some(value.as_str().and_then(LoginKind::from_spec).ok_or_else(
                || format!("{id}: {LOGIN_EXTENSION} is `administrator` or `tenant`"),
            )?),
        };
        out.push(Route {
            operation,
            version,
            method: op.method.to_ascii_uppercase(),
            path: op.path.to_string(),
            secured,
            params,
            body,
            oauth_errors,
            login,
            success,
        });
    }
    Ok(out)
}

/// A path or query parameter of operation `id`; `None` for the other locations.
fn param(
    spec: &Spec,
    version: ApiVersion,
    id: &str,
    param: &Parameter<'_>,
) -> Result<Option<Param>, String> {
    let name = param.name;
    if param.location != "path" && param.location != "query" {
        return Ok(None);
    }
    let schema = param.schema().cloned().unwrap_or(Value::Bool(true));
    let validator =
        validator(spec, version, &schema).map_err(|e| format!("{id}: parameter {name}: {e}"))?;
    Ok(Some(Param {
        name: name.to_string(),
        in_path: param.location == "path",
        required: param.required(),
        schema,
        validator,
    }))
}

/// The validator of `schema` for `version`'s routes: from v6 on it checks the `uuid` format
/// too (v4's keeps its answers: its ids are checked, and named, by the handlers).
fn validator(spec: &Spec, version: ApiVersion, schema: &Value) -> Result<SchemaValidator, String> {
    if version == ApiVersion::V4 {
        spec.validator(schema)
    } else {
        spec.validator_checking_uuids(schema)
    }
}

/// The request body of operation `id`.
fn body_spec(spec: &Spec, version: ApiVersion, id: &str, body: &Value) -> Result<BodySpec, String> {
    let (media_type, media) = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
        .ok_or_else(|| format!("{id}: the request body has no content"))?;
    let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
    let validator =
        validator(spec, version, &schema).map_err(|e| format!("{id}: request body: {e}"))?;
    Ok(BodySpec {
        media_type: media_type.clone(),
        schema,
        validator,
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// The spec's paths, split for matching.
struct Templates(Vec<Vec<String>>);

impl Templates {
    /// The request path spelled as the spec spells it: the v4 server matches literal path
    /// segments case-insensitively (`/v4/Token`, `/v4/restoresessions`). Parameters keep
    /// their raw, percent-encoded form.
    fn canonical(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &Vec<String>)> = None;
        for template in &self.0 {
            if template.len() != segments.len() {
                continue;
            }
            let mut literal_matches = 0;
            let fits = template.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') {
                    !s.is_empty()
                } else if t.eq_ignore_ascii_case(s) {
                    literal_matches += 1;
                    true
                } else {
                    false
                }
            });
            if fits && best.is_none_or(|(n, _)| literal_matches > n) {
                best = Some((literal_matches, template));
            }
        }
        let (_, template) = best?;
        Some(
            template
                .iter()
                .zip(&segments)
                .map(|(t, s)| if t.starts_with('{') { *s } else { t.as_str() })
                .collect::<Vec<_>>()
                .join("/"),
        )
    }
}

fn canonicalize(templates: &Templates, mut request: Request) -> Request {
    let uri = request.uri();
    // ASP.NET Web API routing ignores one trailing slash (spec: "Server leniencies").
    let requested = match uri.path().strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => uri.path(),
    };
    if let Some(path) = templates.canonical(requested)
        && path != uri.path()
    {
        let path_and_query = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

/// The filter for an operation's method (upper case, as the table spells it).
fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "GET" => MethodFilter::GET,
        "PUT" => MethodFilter::PUT,
        "POST" => MethodFilter::POST,
        "DELETE" => MethodFilter::DELETE,
        "PATCH" => MethodFilter::PATCH,
        "HEAD" => MethodFilter::HEAD,
        "OPTIONS" => MethodFilter::OPTIONS,
        "TRACE" => MethodFilter::TRACE,
        _ => return None,
    })
}

/// A method the path does not serve: 405 with `Allow` and ASP.NET Web API's message, as the
/// spec's conventions say.
fn method_not_allowed(request: &Request, allow: &str) -> Response {
    let mut response = ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "The requested resource does not support http method '{}'.",
            request.method()
        ),
    )
    .into_response_in(version_of(request.uri().path()), false);
    if let Ok(value) = axum::http::HeaderValue::from_str(allow) {
        response
            .headers_mut()
            .insert(axum::http::header::ALLOW, value);
    }
    response
}

async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    ApiError::not_found(format!(
        "No HTTP resource was found that matches the request URI '{path}'."
    ))
    .into_response_in(version_of(path), false)
}

/// The version a path's first segment names (`/v7/...`), for the shape of an error that no
/// route answers; v4 for any other path.
pub(super) fn version_of(path: &str) -> ApiVersion {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    ApiVersion::ALL
        .into_iter()
        .find(|v| v.prefix().eq_ignore_ascii_case(first))
        .unwrap_or(ApiVersion::V4)
}

/// The app: one route per operation, behind the case-insensitive path rewrite.
pub fn app(sim: Arc<Sim>, limits: super::limits::Limits) -> Result<Router, String> {
    let mut by_path: BTreeMap<String, MethodRouter<Arc<Sim>>> = BTreeMap::new();
    for (index, route) in sim.routes.iter().enumerate() {
        let op = route.operation;
        let filter = method_filter(&route.method)
            .ok_or_else(|| format!("{op}: unsupported method {}", route.method))?;
        let handler = move |State(sim): State<Arc<Sim>>, request: Request| async move {
            let route = &sim.routes[index];
            let result = match sim.prepare(route, request).await {
                Ok(input) => sim.dispatch(route, input).await,
                Err(error) => Err(error),
            };
            result.unwrap_or_else(|error| error.into_response_in(route.version, route.oauth_errors))
        };
        let methods = by_path.remove(&route.path).unwrap_or_default();
        by_path.insert(route.path.clone(), methods.on(filter, handler));
    }
    let templates = Templates(
        sim.routes
            .iter()
            .map(|route| route.path.split('/').map(str::to_string).collect())
            .collect(),
    );
    let mut router = Router::new();
    for (path, method_router) in by_path {
        let allowed: Vec<&str> = sim
            .routes
            .iter()
            .filter(|route| route.path == path)
            // axum answers HEAD with the GET handler.
            .flat_map(|route| match route.method.as_str() {
                "GET" => vec!["GET", "HEAD"],
                other => vec![other],
            })
            .collect();
        let allow = allowed.join(",");
        let method_router = method_router.fallback(move |request: Request| {
            let allow = allow.clone();
            async move { method_not_allowed(&request, &allow) }
        });
        router = router.route(&path, method_router);
    }
    let router = router.fallback(not_found).with_state(sim);
    let templates = Arc::new(templates);
    let service = tower::ServiceExt::map_request(router, move |request: Request| {
        canonicalize(&templates, request)
    });
    Ok(Router::new()
        .fallback_service(service)
        .layer(axum::middleware::from_fn_with_state(
            limits,
            super::limits::read_whole_body,
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_alone_is_public_and_answers_oauth_errors() {
        let spec = Spec::embedded();
        let routes = routes(&spec, ApiVersion::V4).unwrap();
        let served: Vec<Operation> = Operation::ALL
            .into_iter()
            .filter(|op| op.served_by(ApiVersion::V4))
            .collect();
        for operation in &served {
            let count = routes.iter().filter(|r| r.operation == *operation).count();
            assert_eq!(count, 1, "{operation}: one route");
        }
        assert_eq!(routes.len(), served.len());
        let token = routes
            .iter()
            .find(|r| r.operation == Operation::CreateToken)
            .unwrap();
        assert!(!token.secured && token.oauth_errors);
        assert!(
            routes
                .iter()
                .filter(|r| r.operation != Operation::CreateToken)
                .all(|r| r.secured && !r.oauth_errors)
        );
    }

    #[test]
    fn literal_path_segments_match_in_any_case_and_parameters_stay_raw() {
        let templates = Templates(
            [
                "/v4/token",
                "/v4/RestoreSessions/{restoreSessionId}",
                "/v4/RestoreSessions/{restoreSessionId}/Action",
                "/v4/RestoreSessions/{id}/Organization/Mailboxes/{m}/Items/{itemId}/Action",
            ]
            .iter()
            .map(|p| p.split('/').map(str::to_string).collect())
            .collect(),
        );
        assert_eq!(
            templates.canonical("/v4/Token").as_deref(),
            Some("/v4/token")
        );
        assert_eq!(
            templates.canonical("/V4/restoresessions/AbC").as_deref(),
            Some("/v4/RestoreSessions/AbC")
        );
        assert_eq!(
            templates
                .canonical("/v4/restoresessions/s/organization/mailboxes/m/items/a%2Fb%3D/action")
                .as_deref(),
            Some("/v4/RestoreSessions/s/Organization/Mailboxes/m/Items/a%2Fb%3D/Action")
        );
        assert_eq!(templates.canonical("/v4/nothing"), None);
    }
}
