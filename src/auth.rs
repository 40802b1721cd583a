//! Access tokens: obtained once, refreshed shortly before they expire, refreshed once more on
//! a 401, and shared by every request of a client. Token values never reach a log line.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use crate::generated::types;
use crate::generated::wire::Operation;
use crate::{Error, LoginKind, SecretString};

/// The token operation. The refresh is sent from inside the generated client's hooks, where
/// the generated operation cannot be called, so it is sent by hand to the spec's path.
const TOKEN: Operation = Operation::CreateToken;

/// Refresh this long before expiry at most; less for short-lived tokens (a fifth of their life).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The longest token lifetime the client believes: a server's `expires_in` beyond it (up to
/// `i64::MAX` seconds) is taken as this, so that no deadline arithmetic can overflow.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// The lifetime a token's `expires_in` stands for: negative is already expired, and huge is
/// [`MAX_TOKEN_LIFETIME`].
pub fn token_lifetime(expires_in: i64) -> Duration {
    Duration::from_secs(u64::try_from(expires_in).unwrap_or(0)).min(MAX_TOKEN_LIFETIME)
}

/// The grant that obtained the session, kept to log in again when the refresh token fails.
#[derive(Debug, Clone)]
pub(crate) enum Grant {
    Password {
        username: String,
        password: SecretString,
    },
    JwtBearer {
        client_id: String,
        assertion: SecretString,
    },
}

#[derive(Debug, Default)]
struct TokenState {
    access: Option<SecretString>,
    refresh: Option<SecretString>,
    expires_at: Option<Instant>,
    lifetime: Duration,
    /// Bumped by every new token, so that concurrent 401s share one refresh.
    generation: u64,
    grant: Option<Grant>,
    /// Which routes the login may use; set by the login or resume, kept by refreshes.
    kind: LoginKind,
}

/// The tokens a refresh obtained, handed to [`crate::Client::on_token_refreshed`] so that a
/// caller who saved the old ones (which may now be used up) can save these instead.
#[derive(Debug, Clone)]
pub struct RefreshedToken {
    /// The new access token.
    pub access_token: SecretString,
    /// The new refresh token, when the server sent one.
    pub refresh_token: Option<SecretString>,
    /// How long the access token is valid from now.
    pub expires_in: Duration,
}

type RefreshListener = Arc<dyn Fn(&RefreshedToken) + Send + Sync>;

/// The token store of one client.
#[derive(Default)]
pub(crate) struct Auth {
    state: RwLock<TokenState>,
    refreshing: tokio::sync::Mutex<()>,
    on_refresh: RwLock<Option<RefreshListener>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The current bearer header value and its generation.
    pub(crate) fn bearer(&self) -> Option<(HeaderValue, u64)> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let token = state.access.as_ref()?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
        value.set_sensitive(true);
        Some((value, state.generation))
    }

    /// Whether the token is close enough to expiry to refresh before the next request.
    pub(crate) fn needs_refresh(&self) -> Option<u64> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let expires_at = state.expires_at?;
        let margin = REFRESH_MARGIN.min(state.lifetime / 5);
        let can_refresh = state.refresh.is_some() || state.grant.is_some();
        (can_refresh && Instant::now() + margin >= expires_at).then_some(state.generation)
    }

    /// The kind of the current login.
    pub(crate) fn kind(&self) -> LoginKind {
        self.state.read().unwrap_or_else(|e| e.into_inner()).kind
    }

    /// Records the kind of a new login (a refresh keeps it).
    pub(crate) fn set_kind(&self, kind: LoginKind) {
        self.state.write().unwrap_or_else(|e| e.into_inner()).kind = kind;
    }

    /// Whether a 401 can be answered with a refresh.
    pub(crate) fn can_refresh(&self) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.refresh.is_some() || state.grant.is_some()
    }

    /// Calls `listener` after every refresh from now on (replacing an earlier one).
    pub(crate) fn on_refresh(&self, listener: RefreshListener) {
        *self.on_refresh.write().unwrap_or_else(|e| e.into_inner()) = Some(listener);
    }

    /// Stores a token that a refresh obtained and tells the listener, outside the state lock.
    fn store_refreshed(&self, token: &types::Token) {
        self.store(token, None);
        let listener = self
            .on_refresh
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(&RefreshedToken {
                access_token: token.access_token.clone(),
                refresh_token: token.refresh_token.clone(),
                expires_in: token_lifetime(token.expires_in),
            });
        }
    }

    /// Stores a token from `createToken`.
    pub(crate) fn store(&self, token: &types::Token, grant: Option<Grant>) {
        let lifetime = token_lifetime(token.expires_in);
        self.store_parts(
            token.access_token.clone(),
            token.refresh_token.clone(),
            lifetime,
            grant,
        );
    }

    /// Stores an access token, its refresh token and the time it has left.
    pub(crate) fn store_parts(
        &self,
        access: SecretString,
        refresh: Option<SecretString>,
        lifetime: Duration,
        grant: Option<Grant>,
    ) {
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let now = Instant::now();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.access = Some(access);
        state.refresh = refresh;
        state.expires_at = Some(now.checked_add(lifetime).unwrap_or(now));
        state.lifetime = lifetime;
        state.generation += 1;
        if grant.is_some() {
            state.grant = grant;
        }
        tracing::debug!(
            expires_in_s = lifetime.as_secs(),
            generation = state.generation,
            "stored a new access token"
        );
    }

    /// Refreshes the token unless another request already did since `seen_generation`. Tries
    /// the refresh token first, then the original grant. Concurrent callers wait for one refresh,
    /// but no longer than `timeout`: a hung token endpoint must not hang every request.
    pub(crate) async fn refresh(
        &self,
        http: &reqwest::Client,
        base_url: &str,
        version: crate::ApiVersion,
        seen_generation: u64,
        timeout: Option<Duration>,
    ) -> Result<(), Error> {
        let _one_at_a_time = match timeout {
            None => self.refreshing.lock().await,
            Some(limit) => tokio::time::timeout(limit, self.refreshing.lock())
                .await
                .map_err(|_| {
                    Error::waited(format!(
                        "another request's token refresh did not finish within {} s",
                        limit.as_secs_f32()
                    ))
                    .with_operation(TOKEN)
                })?,
        };
        let (refresh, grant) = {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.generation != seen_generation {
                return Ok(()); // another request refreshed while we waited
            }
            (state.refresh.clone(), state.grant.clone())
        };
        let mut last_error = None;
        if let Some(refresh_token) = refresh {
            let body = types::TokenRequest::RefreshTokenGrant(types::RefreshTokenGrant {
                grant_type: types::RefreshTokenGrantGrantType::RefreshToken,
                refresh_token,
            });
            match request_token(http, base_url, version, &body, timeout).await {
                Ok(token) => {
                    self.store_refreshed(&token);
                    tracing::info!("refreshed the access token with the refresh token");
                    return Ok(());
                }
                Err(error) => {
                    tracing::warn!(%error, "the refresh token was refused; logging in again");
                    last_error = Some(error);
                }
            }
        }
        if let Some(grant) = grant {
            let token = request_token(http, base_url, version, &grant.request()?, timeout).await?;
            self.store_refreshed(&token);
            tracing::info!("obtained a new access token with the original grant");
            return Ok(());
        }
        Err(last_error.unwrap_or_else(|| {
            Error::invalid(
                "token",
                "there is no refresh token or login to renew the session with",
            )
        }))
    }
}

impl Grant {
    pub(crate) fn request(&self) -> Result<types::TokenRequest, Error> {
        Ok(match self {
            Self::Password { username, password } => {
                types::TokenRequest::PasswordGrant(types::PasswordGrant {
                    grant_type: types::PasswordGrantGrantType::Password,
                    username: username
                        .as_str()
                        .try_into()
                        .map_err(|_| Error::invalid("username", "must not be empty"))?,
                    password: password.clone(),
                })
            }
            Self::JwtBearer {
                client_id,
                assertion,
            } => types::TokenRequest::JwtBearerGrant(types::JwtBearerGrant {
                grant_type: types::JwtBearerGrantGrantType::UrnIetfParamsOauthGrantTypeJwtBearer,
                client_id: client_id
                    .as_str()
                    .try_into()
                    .map_err(|_| Error::invalid("client_id", "must not be empty"))?,
                assertion: assertion.clone(),
            }),
        })
    }
}

/// Posts a grant to the token endpoint, form-encoded as the spec says, within `timeout` (the
/// client's response timeout, as for the login).
pub(crate) async fn request_token(
    http: &reqwest::Client,
    base_url: &str,
    version: crate::ApiVersion,
    grant: &types::TokenRequest,
    timeout: Option<Duration>,
) -> Result<types::Token, Error> {
    const OPERATION: Operation = TOKEN;
    let form = token_form(version, grant)?;
    let path = TOKEN
        .path(version)
        .ok_or_else(|| Error::unsupported(TOKEN, version))?;
    let mut request = http.post(format!("{base_url}{path}"));
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| Error::transport(e).with_operation(OPERATION))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.bytes().await.unwrap_or_default();
        // v4 answers OAuth's `{error, error_description}`; later versions `{message}`.
        let message = serde_json::from_slice::<types::TokenError>(&body)
            .ok()
            .and_then(crate::server_message::ServerMessage::server_message)
            .map(|m| crate::redact::token_text(&m));
        return Err(Error::status_error(status, message).with_operation(OPERATION));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::transport(e).with_operation(OPERATION))?;
    serde_json::from_slice(&body).map_err(|e| {
        Error::decode(format!(
            "the token response is not the documented JSON: {}",
            crate::redact::serde_error(&e)
        ))
        .with_operation(OPERATION)
    })
}

/// The form that asks `version` for a token with `grant`. From v7 on the token endpoint has an
/// antiforgery step for browsers, which `disable_antiforgery_token=true` turns off for other
/// clients: it is sent wherever the version's token form has the field (its spec says), and
/// only there: v4 and v6 have no such field.
fn token_form(version: crate::ApiVersion, grant: &types::TokenRequest) -> Result<String, Error> {
    if version == crate::ApiVersion::V4 {
        return encode(grant);
    }
    let mut value = crate::versioned::json("grant", grant)?;
    if let Some(object) = value.as_object_mut() {
        object.insert(ANTIFORGERY.into(), serde_json::Value::Bool(true));
    }
    let written = crate::generated::round_trip_body(version, TOKEN, &value)
        .ok_or_else(|| Error::unsupported(TOKEN, version))?
        .map_err(|why| {
            Error::invalid(
                "grant",
                format!(
                    "is not a {version} token request: {}",
                    crate::redact::token_text(&crate::redact::serde_error(&why))
                ),
            )
        })?;
    encode(&written)
}

/// The token form's field that turns the antiforgery step off (v7 and later).
const ANTIFORGERY: &str = "disable_antiforgery_token";

fn encode(form: &impl serde::Serialize) -> Result<String, Error> {
    serde_urlencoded::to_string(form)
        .map_err(|e| Error::invalid("grant", format!("cannot be form-encoded: {e}")))
}
