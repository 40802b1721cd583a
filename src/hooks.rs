//! The generated client's hooks. Every request gets the bearer token, a token close to expiry
//! is refreshed first, a 401 is answered with one refresh and one retry, and failures that
//! certainly did not reach the server (or idempotent GETs) are retried with backoff.

use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::auth::Auth;
use crate::generated::operations::{ApiVersion, Operation};
use crate::retry::RetryPolicy;

/// The action endpoints answer with a file, JSON or nothing; say that we accept all of them.
const ACTION_ACCEPT: &str = "application/octet-stream, application/json";

/// State shared by all requests of one client (and its clones), and the API version of the
/// generated client it is the inner state of.
#[derive(Debug, Clone)]
pub struct Inner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) version: ApiVersion,
}

#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
    /// Total time allowed for operations that return small JSON (every one but those that
    /// download, [`Operation::downloads`]).
    pub(crate) response_timeout: Option<Duration>,
}

// The hooks of every version's generated client (`build.rs` has each one's `ClientHooks`
// call these), and of the requests the hand-written layer sends itself (`src/versioned.rs`).

/// Before a request: the accepted media, the timeout, the bearer token (refreshed first when
/// it is about to expire).
pub(crate) async fn pre(
    this: &impl ClientInfo<Inner>,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) {
    let shared = &this.inner().shared;
    let version = this.inner().version;
    let operation = Operation::from_client_name(info.operation_id);
    if operation.is_some_and(|op| op.downloads(version)) {
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static(ACTION_ACCEPT));
    } else if let Some(timeout) = shared.response_timeout {
        // Small JSON answers only: the Action's file body must never have a total timeout.
        *request.timeout_mut() = Some(timeout);
    }
    if operation != Some(Operation::CreateToken) {
        if let Some(generation) = shared.auth.needs_refresh()
            && let Err(error) = shared
                .auth
                .refresh(
                    this.client(),
                    this.baseurl(),
                    version,
                    generation,
                    shared.response_timeout,
                )
                .await
        {
            // The server decides: the old token may still be accepted.
            tracing::warn!(%error, "could not refresh the access token before it expires");
        }
        if let Some((bearer, _)) = shared.auth.bearer() {
            request.headers_mut().insert(AUTHORIZATION, bearer);
        }
    }
}

/// Sends a request: one refresh and one retry on a 401, retries with backoff of what
/// certainly did not reach the server (and of idempotent GETs).
pub(crate) async fn exec(
    this: &impl ClientInfo<Inner>,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let shared = &this.inner().shared;
    let operation = info.operation_id;
    let is_token = Operation::from_client_name(operation) == Some(Operation::CreateToken);
    let idempotent = request.method() == Method::GET;
    let mut refreshed = false;
    let mut attempt = 0u32;
    let mut request = request;
    loop {
        // Keep a copy for a retry; every body this API sends is small and in memory.
        let spare = request.try_clone();
        let generation = shared.auth.bearer().map(|(_, g)| g);
        tracing::debug!(operation, method = %request.method(), attempt, "sending");
        let result = this.client().execute(request).await;
        let Some(next) = spare else { return result };
        match &result {
            Ok(response)
                if response.status() == StatusCode::UNAUTHORIZED
                    && !is_token
                    && !refreshed
                    && shared.auth.can_refresh() =>
            {
                // Rejected before it ran: safe to repeat once with a fresh token.
                refreshed = true;
                tracing::info!(
                    operation,
                    "401: refreshing the access token and retrying once"
                );
                if let Err(error) = shared
                    .auth
                    .refresh(
                        this.client(),
                        this.baseurl(),
                        this.inner().version,
                        generation.unwrap_or_default(),
                        shared.response_timeout,
                    )
                    .await
                {
                    tracing::warn!(%error, "could not refresh the access token");
                    return result;
                }
                request = with_bearer(next, &shared.auth);
            }
            Ok(response)
                if idempotent && shared.retry.retries_status(response.status(), attempt) =>
            {
                let delay = shared.retry.delay(attempt, retry_after(response));
                tracing::info!(operation, status = %response.status(), attempt, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
                request = next;
            }
            Err(error) if shared.retry.retries_error(error, idempotent, attempt) => {
                let delay = shared.retry.delay(attempt, None);
                tracing::info!(operation, error = %error.without_url_ref(), attempt, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
                request = next;
            }
            _ => {
                if let Ok(response) = &result {
                    tracing::debug!(operation, status = %response.status(), "answered");
                }
                return result;
            }
        }
    }
}

fn with_bearer(mut request: reqwest::Request, auth: &Auth) -> reqwest::Request {
    if let Some((bearer, _)) = auth.bearer() {
        request.headers_mut().insert(AUTHORIZATION, bearer);
    }
    request
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// reqwest errors print their URL; log lines carry the operation instead.
trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        text
    }
}
