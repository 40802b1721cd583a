//! The HTTP side: one route per operation of the spec, a generic front half that checks
//! every request against the operation's own parameters and body schema, and one handler
//! per operation that changes the state and builds the response from the generated types.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::data::{Catalog, ItemData, MailboxData};
use super::state::{RestorePlan, SentMessage, Session, Shared};
use super::{RunningSimulator, SimConfig, SimError, msg, pst, request, tls};
use crate::spec::{METHODS, SchemaValidator, Spec};
use crate::types;

/// Largest request body read, far above any valid one (a PFX certificate in base64).
const BODY_LIMIT: usize = 4 << 20;

/// A parameter of an operation, with its compiled schema.
struct Param {
    name: String,
    in_path: bool,
    required: bool,
    schema: Value,
    validator: SchemaValidator,
}

/// An operation's request body.
struct BodySpec {
    media_type: String,
    schema: Value,
    validator: SchemaValidator,
    required: bool,
}

/// One operation of the spec, as the server needs it.
struct Operation {
    id: String,
    path: String,
    method: String,
    secured: bool,
    params: Vec<Param>,
    body: Option<BodySpec>,
    /// Whether the operation's 400 is an OAuth error (`createToken`) rather than `{message}`.
    oauth_errors: bool,
}

/// The operations of `spec`, with everything compiled that each request needs.
fn operations(spec: &Spec) -> Result<Vec<Operation>, String> {
    let doc = spec.document();
    let global_security = doc.get("security");
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut out = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{method} {path} has no operationId"))?
                .to_string();
            // An operation is public if its security allows an empty requirement.
            let secured = op
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
            let declared = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            for param in declared {
                let param = spec.resolve(param);
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let location = param.get("in").and_then(Value::as_str).unwrap_or_default();
                if location != "path" && location != "query" {
                    continue;
                }
                let schema = param.get("schema").cloned().unwrap_or(Value::Bool(true));
                let validator = spec
                    .validator(&schema)
                    .map_err(|e| format!("{id}: parameter {name}: {e}"))?;
                params.push(Param {
                    name: name.to_string(),
                    in_path: location == "path",
                    required: param
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    schema,
                    validator,
                });
            }
            let body = match op.get("requestBody").map(|b| spec.resolve(b)) {
                Some(body) => {
                    let (media_type, media) = body
                        .get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.iter().next())
                        .ok_or_else(|| format!("{id}: the request body has no content"))?;
                    let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
                    let validator = spec
                        .validator(&schema)
                        .map_err(|e| format!("{id}: request body: {e}"))?;
                    Some(BodySpec {
                        media_type: media_type.clone(),
                        schema,
                        validator,
                        required: body
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    })
                }
                None => None,
            };
            let oauth_errors = op
                .pointer("/responses/400")
                .map(|r| spec.resolve(r))
                .and_then(|r| r.pointer("/content/application~1json/schema/$ref"))
                .and_then(Value::as_str)
                .is_some_and(|r| r.ends_with("/OAuthError"));
            out.push(Operation {
                id,
                path: path.clone(),
                method: method.to_string(),
                secured,
                params,
                body,
                oauth_errors,
            });
        }
    }
    Ok(out)
}

/// The server's shared parts.
struct Sim {
    spec: Spec,
    operations: Vec<Operation>,
    shared: Arc<Shared>,
    scheme: &'static str,
    /// `host:port` for links when a request has no usable `Host`.
    authority: String,
}

/// An error response: `{message}`, or an OAuth error for the token endpoint.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    oauth: &'static str,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            oauth: "invalid_request",
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    fn invalid_grant(message: impl Into<String>) -> Self {
        Self {
            oauth: "invalid_grant",
            ..Self::bad_request(message)
        }
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        )
    }

    fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    fn into_response(self, oauth_errors: bool) -> Response {
        if oauth_errors && self.status == StatusCode::BAD_REQUEST {
            let body = types::OAuthError {
                error: self.oauth.to_string(),
                error_description: Some(self.message),
            };
            (self.status, axum::Json(body)).into_response()
        } else {
            (
                self.status,
                axum::Json(types::Error {
                    message: self.message,
                }),
            )
                .into_response()
        }
    }
}

/// A request that passed the spec's checks.
struct Input {
    /// Path parameters, decoded.
    path: HashMap<String, String>,
    /// Query parameters by their spec names, typed by their schemas.
    query: HashMap<String, Value>,
    /// The body, normalized to the spec's spelling and valid against its schema.
    body: Option<Value>,
    /// The request path, for page links.
    uri_path: String,
    /// `host[:port]` the client used, for links.
    authority: String,
}

impl Input {
    fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(Value::as_i64)
    }

    fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }

    fn path_param(&self, name: &str) -> Result<&str, ApiError> {
        self.path
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{name}: is required")))
    }

    fn uuid(&self, name: &str) -> Result<Uuid, ApiError> {
        let text = self.path_param(name)?;
        Uuid::parse_str(text).map_err(|_| ApiError::bad_request(format!("{name}: must be a GUID")))
    }
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
    async fn prepare(&self, op: &Operation, request: Request) -> Result<Input, ApiError> {
        let (mut parts, body) = request.into_parts();
        // Already read in full by `read_whole_body`.
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|e| ApiError::bad_request(format!("body: cannot be read: {e}")))?;
        if op.secured {
            let token = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            if token.and_then(|t| self.shared.token_user(t)).is_none() {
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
        };
        for param in &op.params {
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
            let value = typed_param(&self.spec, param, raw)?;
            request::check(&self.spec, &param.validator, &value, &param.name)
                .map_err(ApiError::bad_request)?;
            if param.in_path {
                input.path.insert(param.name.clone(), raw.to_string());
            } else {
                input.query.insert(param.name.clone(), value);
            }
        }
        if let Some(spec_body) = &op.body {
            input.body = self.read_body(spec_body, &parts, &bytes)?;
        }
        Ok(input)
    }

    fn read_body(
        &self,
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
            Value::Object(map)
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request("body: is not UTF-8"))?;
            let value: Value = serde_json::from_str(&request::strip_trailing_commas(text))
                .map_err(|e| ApiError::bad_request(format!("body: is not valid JSON ({e})")))?;
            request::normalize(&self.spec, &spec_body.schema, value, "")
                .map_err(ApiError::bad_request)?
        };
        request::check(&self.spec, &spec_body.validator, &value, "")
            .map_err(ApiError::bad_request)?;
        Ok(Some(value))
    }

    async fn dispatch(&self, op: &Operation, input: Input) -> Result<Response, ApiError> {
        match op.id.as_str() {
            "createToken" => self.create_token(input),
            "listOrganizations" => Ok(self.list_organizations(&input)),
            "exploreOrganization" => self.explore_organization(input),
            "listRestoreSessions" => Ok(self.list_restore_sessions(&input)),
            "getRestoreSession" => self.get_restore_session(&input),
            "stopRestoreSession" => self.stop_restore_session(input),
            "getRestoreDeviceCode" => self.get_restore_device_code(input),
            "listMailboxes" => self.list_mailboxes(&input),
            "listMailboxFolders" => self.list_mailbox_folders(&input),
            "listMailboxItems" => self.list_mailbox_items(&input),
            "getMailboxItem" => self.get_mailbox_item(&input),
            "performMailboxItemAction" => self.perform_action(input),
            "getVexEmailSettings" => Ok(json(StatusCode::OK, &self.shared.vex_settings())),
            "putVexEmailSettings" => self.put_vex_settings(input),
            other => Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                format!(
                    "the simulator does not implement {other} ({} {})",
                    op.method, op.path
                ),
            )),
        }
    }

    fn link(&self, input: &Input, path_and_query: &str) -> types::Link {
        types::Link {
            href: format!("{}://{}{path_and_query}", self.scheme, input.authority),
        }
    }

    fn self_links(&self, input: &Input, path: &str) -> types::Links {
        types::Links(BTreeMap::from([(
            "self".to_string(),
            self.link(input, path),
        )]))
    }

    /// The window of a page, and its links (`next` while more results exist).
    fn page(
        &self,
        input: &Input,
        total: usize,
        extra: &[(&str, String)],
    ) -> (std::ops::Range<usize>, i32, i32, types::PageLinks) {
        let offset = input
            .query_i64("offset")
            .unwrap_or(0)
            .clamp(0, i32::MAX as i64) as usize;
        let limit = input
            .query_i64("limit")
            .unwrap_or(30)
            .clamp(1, i32::MAX as i64) as usize;
        let start = offset.min(total);
        let end = start.saturating_add(limit).min(total);
        let href = |offset: usize| {
            let mut query: Vec<(&str, String)> = extra.to_vec();
            query.push(("offset", offset.to_string()));
            query.push(("limit", limit.to_string()));
            let query = serde_urlencoded::to_string(&query).unwrap_or_default();
            self.link(input, &format!("{}?{query}", input.uri_path))
        };
        let links = types::PageLinks {
            first: Some(href(0)),
            prev: (offset > 0).then(|| href(offset.saturating_sub(limit))),
            self_: Some(href(offset)),
            next: (offset.saturating_add(limit) < total).then(|| href(offset + limit)),
        };
        (start..end, offset as i32, limit as i32, links)
    }

    fn session_path(id: Uuid) -> String {
        format!("/v4/RestoreSessions/{id}")
    }

    fn restore_session(&self, input: &Input, session: &Session) -> types::RestoreSession {
        types::RestoreSession {
            creation_time: Some(session.created),
            end_time: session.ended,
            id: session.id,
            links: Some(self.self_links(input, &Self::session_path(session.id))),
            name: Some(session.name.clone()),
            organization: Some(self.shared.catalog.organization_name.clone()),
            result: Some(types::RestoreSessionResult::Success),
            state: if session.is_working() {
                types::RestoreSessionState::Working
            } else {
                types::RestoreSessionState::Stopped
            },
            type_: session.kind,
        }
    }

    fn session(&self, input: &Input) -> Result<Session, ApiError> {
        let id = input.uuid("restoreSessionId")?;
        self.shared
            .session(id)
            .ok_or_else(|| ApiError::not_found(format!("Restore session {id} was not found.")))
    }

    /// A session that can act: one that was not stopped.
    fn working_session(&self, input: &Input) -> Result<Session, ApiError> {
        let session = self.session(input)?;
        if let Some(ended) = session.ended {
            return Err(ApiError::bad_request(format!(
                "The restore session is not active: it was stopped at {}.",
                ended.to_rfc3339()
            )));
        }
        Ok(session)
    }

    /// The mailboxes a session exposes: only an Exchange (vex) session has any.
    fn session_mailboxes(&self, session: &Session) -> &[MailboxData] {
        if session.kind == types::RestoreSessionType::Vex {
            &self.catalog().mailboxes
        } else {
            &[]
        }
    }

    fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    fn mailbox(&self, session: &Session, input: &Input) -> Result<&MailboxData, ApiError> {
        let id = input.uuid("mailboxId")?;
        self.session_mailboxes(session)
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Mailbox {id} was not found.")))
    }

    fn item<'a>(&self, mailbox: &'a MailboxData, input: &Input) -> Result<&'a ItemData, ApiError> {
        let id = input.path_param("itemId")?;
        mailbox
            .item(id)
            .ok_or_else(|| ApiError::not_found(format!("Mailbox item {id} was not found.")))
    }

    fn mailboxes_path(session: Uuid) -> String {
        format!("/v4/RestoreSessions/{session}/Organization/Mailboxes")
    }

    fn mailbox_item(
        &self,
        input: &Input,
        session: Uuid,
        mailbox: &MailboxData,
        item: &ItemData,
    ) -> types::MailboxItem {
        let emails = |people: &[super::data::Person]| {
            (!people.is_empty()).then(|| {
                people
                    .iter()
                    .map(|p| p.email.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
        };
        let path = format!(
            "{}/{}/Items/{}",
            Self::mailboxes_path(session),
            mailbox.id,
            crate::path::encode_segment(&item.id)
        );
        types::MailboxItem {
            cc: emails(&item.cc),
            from: Some(item.from.email.clone()),
            id: item.id.clone(),
            item_class: Some("IPM.Note".into()),
            links: Some(self.self_links(input, &path)),
            received: Some(item.received),
            sent: Some(item.sent),
            subject: Some(item.subject.clone()),
            to: emails(&item.to),
        }
    }

    // ---- operations -------------------------------------------------------------------

    fn create_token(&self, input: Input) -> Result<Response, ApiError> {
        let request: types::TokenRequest = typed(input.body)?;
        let user = match request {
            types::TokenRequest::PasswordGrant(grant) => {
                if grant.username.eq_ignore_ascii_case(&self.shared.username)
                    && grant.password.expose() == self.shared.password.expose()
                {
                    self.shared.username.clone()
                } else {
                    return Err(ApiError::invalid_grant(
                        "The user name or password is incorrect.",
                    ));
                }
            }
            types::TokenRequest::RefreshTokenGrant(grant) => self
                .shared
                .redeem_refresh_token(grant.refresh_token.expose())
                .ok_or_else(|| {
                    ApiError::invalid_grant(
                        "The refresh token is invalid, expired or already used.",
                    )
                })?,
            types::TokenRequest::JwtBearerGrant(grant) => {
                let parts: Vec<&str> = grant.assertion.expose().split('.').collect();
                let well_formed = parts.len() == 3 && parts.iter().all(|p| !p.is_empty());
                if !well_formed
                    || !grant
                        .client_id
                        .eq_ignore_ascii_case(&self.catalog().organization_name)
                {
                    return Err(ApiError::invalid_grant(
                        "The assertion is not a JWT for an organization of this server.",
                    ));
                }
                grant.client_id.to_string()
            }
        };
        let (access, refresh) = self.shared.issue_token(&user);
        let now = chrono::Utc::now();
        let lifetime = self.shared.token_lifetime;
        let expires = now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX);
        let rfc1123 =
            |t: chrono::DateTime<chrono::Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let token = types::Token {
            access_token: access.into(),
            expires: Some(rfc1123(expires)),
            expires_in: i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX),
            issued: Some(rfc1123(now)),
            refresh_token: Some(refresh.into()),
            token_type: "bearer".into(),
            user_name: Some(user),
        };
        Ok(json(StatusCode::OK, &token))
    }

    fn list_organizations(&self, input: &Input) -> Response {
        let catalog = self.catalog();
        let organization = types::Organization {
            id: catalog.organization_id,
            links: Some(self.self_links(
                input,
                &format!("/v4/Organizations/{}", catalog.organization_id),
            )),
            name: catalog.organization_name.clone(),
            type_: Some("Office365".into()),
        };
        json(StatusCode::OK, &vec![organization])
    }

    fn explore_organization(&self, input: Input) -> Result<Response, ApiError> {
        let id = input.uuid("organizationId")?;
        if id != self.catalog().organization_id {
            return Err(ApiError::not_found(format!(
                "Organization {id} was not found."
            )));
        }
        let action: types::ExploreAction = typed(input.body.clone())?;
        let kind = match action.explore.type_ {
            None | Some(types::ExploreOptionsType::Vex) => types::RestoreSessionType::Vex,
            Some(types::ExploreOptionsType::Veod) => types::RestoreSessionType::Veod,
            Some(types::ExploreOptionsType::Vesp) => types::RestoreSessionType::Vesp,
        };
        let session = self.shared.start_session(kind);
        Ok(json(
            StatusCode::CREATED,
            &self.restore_session(&input, &session),
        ))
    }

    fn list_restore_sessions(&self, input: &Input) -> Response {
        let sessions = self.shared.sessions();
        let (window, offset, limit, links) = self.page(input, sessions.len(), &[]);
        let page = types::RestoreSessionPage {
            limit,
            links: Some(links),
            offset,
            results: sessions[window]
                .iter()
                .map(|s| self.restore_session(input, s))
                .collect(),
        };
        json(StatusCode::OK, &page)
    }

    fn get_restore_session(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.session(input)?;
        Ok(json(StatusCode::OK, &self.restore_session(input, &session)))
    }

    fn stop_restore_session(&self, input: Input) -> Result<Response, ApiError> {
        let _: types::StopAction = typed(input.body.clone())?;
        let session = self.session(&input)?;
        self.shared.stop_session(session.id);
        Ok(StatusCode::OK.into_response())
    }

    fn get_restore_device_code(&self, input: Input) -> Result<Response, ApiError> {
        self.working_session(&input)?;
        let _: types::RestoreDeviceCodeRequest = typed(input.body)?;
        let code = Uuid::new_v4().simple().to_string()[..9].to_ascii_uppercase();
        let url = "https://microsoft.com/devicelogin";
        let device_code = types::RestoreDeviceCode {
            expires_in: Some(900),
            message: Some(format!(
                "To sign in, use a web browser to open the page {url} and enter the code {code} to authenticate."
            )),
            user_code: code,
            verification_url: Some(url.into()),
        };
        Ok(json(StatusCode::OK, &device_code))
    }

    fn list_mailboxes(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailboxes = self.session_mailboxes(&session);
        let (window, offset, limit, links) = self.page(input, mailboxes.len(), &[]);
        let results = mailboxes[window]
            .iter()
            .map(|m| types::Mailbox {
                email: Some(m.email.clone()),
                id: m.id,
                is_archive: Some(m.is_archive),
                links: Some(self.self_links(
                    input,
                    &format!("{}/{}", Self::mailboxes_path(session.id), m.id),
                )),
                name: Some(m.name.clone()),
            })
            .collect();
        let page = types::MailboxPage {
            limit,
            links: Some(links),
            offset,
            results,
        };
        Ok(json(StatusCode::OK, &page))
    }

    fn list_mailbox_folders(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let parent = input.query_str("parentId");
        if let Some(parent) = parent
            && mailbox.folder(parent).is_none()
        {
            return Err(ApiError::not_found(format!(
                "Folder {parent} was not found."
            )));
        }
        let folders: Vec<_> = mailbox
            .folders
            .iter()
            .filter(|f| f.parent_id.as_deref() == parent)
            .collect();
        let extra: Vec<(&str, String)> = parent
            .map(|p| ("parentId", p.to_string()))
            .into_iter()
            .collect();
        let (window, offset, limit, links) = self.page(input, folders.len(), &extra);
        let results = folders[window]
            .iter()
            .map(|f| types::MailboxFolder {
                description: None,
                id: f.id.clone(),
                links: Some(self.self_links(
                    input,
                    &format!(
                        "{}/{}/Folders/{}",
                        Self::mailboxes_path(session.id),
                        mailbox.id,
                        progenitor_client::encode_path(&f.id)
                    ),
                )),
                name: Some(f.name.clone()),
            })
            .collect();
        let page = types::FolderPage {
            limit,
            links: Some(links),
            offset,
            results,
        };
        Ok(json(StatusCode::OK, &page))
    }

    fn list_mailbox_items(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let folder = input.query_str("folderId");
        if let Some(folder) = folder
            && mailbox.folder(folder).is_none()
        {
            return Err(ApiError::not_found(format!(
                "Folder {folder} was not found."
            )));
        }
        let items: Vec<_> = mailbox
            .items
            .iter()
            .filter(|i| folder.is_none_or(|f| i.folder_id == f))
            .collect();
        let extra: Vec<(&str, String)> = folder
            .map(|f| ("folderId", f.to_string()))
            .into_iter()
            .collect();
        let (window, offset, limit, links) = self.page(input, items.len(), &extra);
        let page = types::ItemPage {
            limit,
            links: Some(links),
            offset,
            results: items[window]
                .iter()
                .map(|i| self.mailbox_item(input, session.id, mailbox, i))
                .collect(),
        };
        Ok(json(StatusCode::OK, &page))
    }

    fn get_mailbox_item(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let item = self.item(mailbox, input)?;
        Ok(json(
            StatusCode::OK,
            &self.mailbox_item(input, session.id, mailbox, item),
        ))
    }

    fn put_vex_settings(&self, input: Input) -> Result<Response, ApiError> {
        let update: types::VexEmailSettingsUpdate = typed(input.body)?;
        self.shared
            .update_vex_settings(update)
            .map_err(ApiError::internal)?;
        Ok(StatusCode::OK.into_response())
    }

    fn perform_action(&self, input: Input) -> Result<Response, ApiError> {
        let session = self.working_session(&input)?;
        let mailbox = self.mailbox(&session, &input)?;
        let item = self.item(mailbox, &input)?;
        let action: types::MailboxItemAction = typed(input.body.clone())?;
        let stem = file_stem(&item.subject);
        match action {
            types::MailboxItemAction::ExportToPst(options) => {
                let size = self.shared.pst_size.load(Ordering::Relaxed);
                let split_at = match options.enable_pst_size_limit {
                    Some(true) => options
                        .pst_size_limit_bytes
                        .and_then(|v| u64::try_from(v).ok()),
                    _ => None,
                };
                let export = pst::export(size, split_at, &stem);
                let extension = if export.zip { "zip" } else { "pst" };
                let length = export.len();
                Ok(file(
                    length,
                    &format!("{stem}.{extension}"),
                    Body::from_stream(export.stream()),
                ))
            }
            types::MailboxItemAction::SavetoMsg(_) => {
                let bytes = msg::build(item).map_err(|e| {
                    ApiError::internal(format!("Failed to save the item as MSG: {e}"))
                })?;
                Ok(file(
                    bytes.len() as u64,
                    &format!("{stem}.msg"),
                    Body::from(bytes),
                ))
            }
            types::MailboxItemAction::RestoretoOriginallocation(credentials) => {
                if let types::RestoreToOriginalLocationOptions::ApplicationCertificateCredentials(
                    c,
                ) = &credentials
                {
                    check_certificate(
                        "restoretoOriginallocation",
                        c.application_certificate.expose(),
                    )?;
                }
                let plan = RestorePlan {
                    target_mailbox: mailbox.id,
                    folder: item.folder_path.clone(),
                    changed_items: true,
                    ..RestorePlan::default()
                };
                Ok(self.restore(item, &plan))
            }
            types::MailboxItemAction::RestoreTo(options) => {
                let restore = RestoreTo::from(options);
                if let Some(certificate) = &restore.certificate {
                    check_certificate("restoreTo", certificate)?;
                }
                let target = self
                    .catalog()
                    .mailbox_by_email(&restore.mailbox)
                    // Like a mailbox in the path, a target that does not exist is a 404.
                    .ok_or_else(|| {
                        ApiError::not_found(format!(
                            "restoreTo.mailbox: {} is not a mailbox of {}.",
                            restore.mailbox,
                            self.catalog().organization_name
                        ))
                    })?;
                let plan = RestorePlan {
                    target_mailbox: target.id,
                    folder: restore
                        .folder
                        .filter(|f| !f.trim().is_empty())
                        .unwrap_or_else(|| item.folder_path.clone()),
                    changed_items: restore.changed_items.unwrap_or(true),
                    mark_unread: restore.mark_unread.unwrap_or(false),
                    exclude_drafts: restore.exclude_drafts.unwrap_or(false),
                    exclude_deleted_items: restore.exclude_deleted_items.unwrap_or(false),
                };
                Ok(self.restore(item, &plan))
            }
            types::MailboxItemAction::SendtoDefaultaddress(_) => {
                self.send(item, mailbox.email.clone(), String::new(), None, None, true)
            }
            types::MailboxItemAction::SendtoDifferentaddress(options) => self.send(
                item,
                options.to,
                options.from,
                options.subject,
                options.text,
                false,
            ),
        }
    }

    fn restore(&self, item: &ItemData, plan: &RestorePlan) -> Response {
        let counts = self.shared.restore(item, plan);
        let statistics = types::RestoreStatistics {
            created_items_count: Some(counts.created),
            failed_items_count: Some(0),
            merged_items_count: Some(counts.merged),
            skipped_items_count: Some(counts.skipped),
        };
        json(StatusCode::OK, &statistics)
    }

    fn send(
        &self,
        item: &ItemData,
        to: String,
        from: String,
        subject: Option<String>,
        text: Option<String>,
        use_settings_sender: bool,
    ) -> Result<Response, ApiError> {
        let attachment = msg::build(item)
            .map_err(|e| ApiError::internal(format!("Failed to attach the item: {e}")))?;
        let message = SentMessage {
            from,
            to,
            subject: subject.unwrap_or_else(|| item.subject.clone()),
            text,
            item_id: item.id.clone(),
            attachment_name: format!("{}.msg", file_stem(&item.subject)),
            attachment,
        };
        self.shared
            .send(message, use_settings_sender)
            .map_err(ApiError::bad_request)?;
        // The v4 server answers a send with 200 and no body (and no Content-Type).
        Ok(StatusCode::OK.into_response())
    }
}

/// The parts of the three `restoreTo` variants that the simulator acts on.
struct RestoreTo {
    mailbox: String,
    folder: Option<String>,
    changed_items: Option<bool>,
    mark_unread: Option<bool>,
    exclude_drafts: Option<bool>,
    exclude_deleted_items: Option<bool>,
    certificate: Option<String>,
}

impl From<types::RestoreToOptions> for RestoreTo {
    fn from(options: types::RestoreToOptions) -> Self {
        macro_rules! common {
            ($o:expr, $certificate:expr) => {
                RestoreTo {
                    mailbox: $o.mailbox,
                    folder: $o.folder,
                    changed_items: $o.changed_items,
                    mark_unread: $o.mark_restored_as_unread,
                    exclude_drafts: $o.exclude_drafts,
                    exclude_deleted_items: $o.exclude_deleted_items,
                    certificate: $certificate,
                }
            };
        }
        match options {
            types::RestoreToOptions::UserPassword(o) => common!(o, None),
            types::RestoreToOptions::DeviceCode(o) => common!(o, None),
            types::RestoreToOptions::ApplicationCertificate(o) => {
                let certificate = Some(o.application_certificate.expose().to_string());
                common!(o, certificate)
            }
        }
    }
}

/// The real server decodes the PFX before anything else and fails with .NET's message.
fn check_certificate(action: &str, certificate: &str) -> Result<(), ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(certificate.trim())
        .map(|_| ())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{action}.applicationCertificate: Invalid length for a Base-64 char array or string."
            ))
        })
}

/// A file name from a subject: letters, digits, space, `-`, `_` and `.`.
fn file_stem(subject: &str) -> String {
    let stem: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim().to_string();
    if stem.is_empty() { "item".into() } else { stem }
}

fn typed<T: DeserializeOwned>(body: Option<Value>) -> Result<T, ApiError> {
    serde_json::from_value(body.unwrap_or(Value::Null))
        .map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

fn file(length: u64, name: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
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
    if let Some(path) = templates.canonical(uri.path())
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

fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "get" => MethodFilter::GET,
        "put" => MethodFilter::PUT,
        "post" => MethodFilter::POST,
        "delete" => MethodFilter::DELETE,
        "patch" => MethodFilter::PATCH,
        "head" => MethodFilter::HEAD,
        "options" => MethodFilter::OPTIONS,
        "trace" => MethodFilter::TRACE,
        _ => return None,
    })
}

async fn not_found(request: Request) -> Response {
    ApiError::not_found(format!(
        "No HTTP resource was found that matches the request URI '{}'.",
        request.uri().path()
    ))
    .into_response(false)
}

/// Reads every request body to its end before routing. An answer sent while the client is
/// still sending (a 405 for `TRACE` with a body, a 401 before the body) makes the server close
/// the connection, and a client can then see the connection end before the answer.
async fn read_whole_body(request: Request, next: axum::middleware::Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => ApiError::bad_request(format!("body: cannot be read: {e}")).into_response(false),
    }
}

/// The app: one route per operation, behind the case-insensitive path rewrite.
fn app(sim: Arc<Sim>) -> Result<Router, String> {
    let mut by_path: BTreeMap<String, MethodRouter<Arc<Sim>>> = BTreeMap::new();
    for (index, op) in sim.operations.iter().enumerate() {
        let filter = method_filter(&op.method)
            .ok_or_else(|| format!("{}: unsupported method {}", op.id, op.method))?;
        let handler = move |State(sim): State<Arc<Sim>>, request: Request| async move {
            let op = &sim.operations[index];
            let result = match sim.prepare(op, request).await {
                Ok(input) => sim.dispatch(op, input).await,
                Err(error) => Err(error),
            };
            result.unwrap_or_else(|error| error.into_response(op.oauth_errors))
        };
        let routes = by_path.remove(&op.path).unwrap_or_default();
        by_path.insert(op.path.clone(), routes.on(filter, handler));
    }
    let templates = Templates(
        sim.operations
            .iter()
            .map(|op| op.path.split('/').map(str::to_string).collect())
            .collect(),
    );
    let mut routes = Router::new();
    for (path, method_router) in by_path {
        routes = routes.route(&path, method_router);
    }
    let routes = routes.fallback(not_found).with_state(sim);
    let templates = Arc::new(templates);
    let service = tower::ServiceExt::map_request(routes, move |request: Request| {
        canonicalize(&templates, request)
    });
    Ok(Router::new()
        .fallback_service(service)
        .layer(axum::middleware::from_fn(read_whole_body)))
}

/// Starts the server for `config`.
pub async fn start(config: SimConfig) -> Result<RunningSimulator, SimError> {
    pst::check_size(config.pst_size).map_err(SimError::Config)?;
    if config.token_lifetime > crate::MAX_TOKEN_LIFETIME {
        return Err(SimError::Config(format!(
            "the token lifetime must be at most {} s (366 days), got {} s",
            crate::MAX_TOKEN_LIFETIME.as_secs(),
            config.token_lifetime.as_secs()
        )));
    }
    if config.username.trim().is_empty() {
        return Err(SimError::Config("the username must not be empty".into()));
    }
    let spec = Spec::embedded();
    let operations = operations(&spec).map_err(SimError::Spec)?;
    let requested = SocketAddr::new(config.addr, config.port);
    let listener = std::net::TcpListener::bind(requested).map_err(|source| SimError::Bind {
        addr: requested,
        source,
    })?;
    let local_addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: requested,
        source,
    })?;
    let host = match config.addr {
        IpAddr::V4(a) if a.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(a) if a.is_unspecified() => "[::1]".to_string(),
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    };
    let authority = format!("{host}:{}", local_addr.port());
    let scheme = if config.tls { "https" } else { "http" };
    let shared = Arc::new(Shared::new(
        Catalog::generate(config.seed),
        config.username.clone(),
        config.password.clone(),
        config.token_lifetime,
        config.pst_size,
    ));
    let sim = Arc::new(Sim {
        spec,
        operations,
        shared: shared.clone(),
        scheme,
        authority: authority.clone(),
    });
    let app = app(sim).map_err(SimError::Spec)?;
    let handle = axum_server::Handle::new();
    let bind_error = |source| SimError::Bind {
        addr: requested,
        source,
    };
    let (ca, task) = if config.tls {
        let (ca, identity) =
            tls::generate(config.addr, config.ca_dir.as_deref()).map_err(SimError::Tls)?;
        let tls_config =
            axum_server::tls_rustls::RustlsConfig::from_der(identity.chain, identity.key)
                .await
                .map_err(|e| SimError::Tls(e.to_string()))?;
        let server = axum_server::from_tcp_rustls(listener, tls_config)
            .map_err(bind_error)?
            .handle(handle.clone());
        (
            Some(ca),
            tokio::spawn(server.serve(app.into_make_service())),
        )
    } else {
        let server = axum_server::from_tcp(listener)
            .map_err(bind_error)?
            .handle(handle.clone());
        (None, tokio::spawn(server.serve(app.into_make_service())))
    };
    Ok(RunningSimulator {
        base_url: format!("{scheme}://{authority}"),
        local_addr,
        ca,
        shared,
        handle,
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_alone_is_public_and_answers_oauth_errors() {
        let spec = Spec::embedded();
        let operations = operations(&spec).unwrap();
        assert_eq!(operations.len(), 14, "the spec's operations");
        let token = operations.iter().find(|o| o.id == "createToken").unwrap();
        assert!(!token.secured && token.oauth_errors);
        assert!(
            operations
                .iter()
                .filter(|o| o.id != "createToken")
                .all(|o| o.secured)
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
