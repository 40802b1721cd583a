//! The client: a configured reqwest client under the generated one, plus the typed actions.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument as _;

use crate::auth::Grant;
use crate::generated::wire::Operation;
use crate::generated::{self, types};
use crate::hooks::{Inner, Shared};

/// The item action: one operation for all six actions.
const ACTION_OPERATION: Operation = Operation::PerformMailboxItemAction;
use crate::outcome::Answer;
use crate::{
    Action, ActionOutcome, ApiVersion, Error, ItemAction, LoginKind, MailboxId, RetryPolicy,
    SecretString, SessionId, VersionChoice,
};

/// Default time to establish a TCP (and TLS) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default longest pause between two pieces of a downloaded body, once it has started.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Default total time for operations that answer with small JSON (all but the Action).
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    connect_timeout: Duration,
    idle_timeout: Option<Duration>,
    response_timeout: Option<Duration>,
    ca_pems: Vec<Vec<u8>>,
    ca_files: Vec<PathBuf>,
    accept_invalid_certs: bool,
    retry: RetryPolicy,
    version: VersionChoice,
}

impl ClientBuilder {
    /// The API version to speak. Default: [`VersionChoice::Auto`], the newest the server
    /// serves, found with one anonymous request per version on first use
    /// ([`Client::api_version`]). A version chosen here is never probed.
    pub fn api_version(mut self, version: impl Into<VersionChoice>) -> Self {
        self.version = version.into();
        self
    }

    /// Time allowed to connect. Default: 30 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest pause between two pieces of a file body once it has started, `None` for no
    /// limit. Default: 5 minutes. There is never a total timeout on the Action endpoint: the
    /// server builds a PST before its first byte, and a 40 GB PST takes as long as it takes.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Total time for the operations that answer with small JSON (lists, sessions, tokens).
    /// Default: 2 minutes. Never applied to the Action endpoint.
    pub fn response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Trusts the CA certificates of a PEM bundle, besides the system's. The usual case for a
    /// VBO server on :4443 with a private or self-signed certificate.
    pub fn add_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pems.push(pem.into());
        self
    }

    /// Trusts the CA certificates of a PEM file, read when the client is built.
    pub fn add_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Accepts any server certificate, valid or not. This removes the protection against a
    /// man in the middle; a warning is logged each time a client is built with it.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// When failed requests are retried. Default: [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client. Fails on a malformed URL or CA file, before anything is sent.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base_url).map_err(|e| {
            Error::invalid(
                "server",
                format!("must be a URL such as https://vbo:4443 ({e})"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid(
                "server",
                "must be an http or https URL with a host",
            ));
        }
        let mut certificates = Vec::new();
        for path in &self.ca_files {
            let pem = std::fs::read(path).map_err(|e| {
                Error::invalid("ca_cert", format!("cannot read {}: {e}", path.display()))
            })?;
            certificates.extend(parse_pem(&pem, &path.display().to_string())?);
        }
        for pem in &self.ca_pems {
            certificates.extend(parse_pem(pem, "the PEM given")?);
        }
        if self.accept_invalid_certs {
            tracing::warn!(
                server = %base_url,
                "TLS certificate verification is OFF: any server can pose as this one"
            );
        }
        // No `.timeout(..)`: a total timeout would also cover the body and cut long downloads.
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .tcp_keepalive(Duration::from_secs(60))
            // Servers close idle keep-alive connections (the simulator after its read
            // timeout, 30 s by default; proxies often sooner). A pooled connection reused
            // just as the server closes it fails the request, and an action is not retried,
            // so idle connections are dropped well before that.
            .pool_idle_timeout(Duration::from_secs(15))
            .user_agent(concat!("vbo365/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(certificates)
            .tls_danger_accept_invalid_certs(self.accept_invalid_certs)
            // The API never redirects. Following a 307 would send an action's body again, to
            // an address the spec does not name.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::transport)?;
        let inner = Inner {
            shared: Arc::new(Shared {
                retry: self.retry,
                response_timeout: self.response_timeout,
                ..Shared::default()
            }),
            version: ApiVersion::V4,
        };
        Ok(Client {
            api: generated::Client::new_with_client(&base_url, http.clone(), inner.clone()),
            http,
            inner,
            idle_timeout: self.idle_timeout,
            version: self.version,
            probed: Arc::default(),
        })
    }
}

/// Reads the certificates of a PEM bundle, each checked as X.509 here: reqwest would accept a
/// PEM block of garbage and fail later with a message about "the request".
fn parse_pem(pem: &[u8], origin: &str) -> Result<Vec<reqwest::Certificate>, Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let invalid = |rule: String| Error::invalid("ca_cert", format!("{origin} {rule}"));
    let mut certificates = Vec::new();
    for (index, der) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = der.map_err(|e| invalid(format!("is not a PEM certificate bundle ({e})")))?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| {
                invalid(format!(
                    "holds a certificate (number {}) that is not a valid X.509 CA certificate ({e})",
                    index + 1
                ))
            })?;
        certificates.push(reqwest::Certificate::from_der(&der).map_err(|e| {
            invalid(format!(
                "holds an unusable certificate (number {}): {e}",
                index + 1
            ))
        })?);
    }
    if certificates.is_empty() {
        return Err(invalid(
            "is not a PEM certificate bundle: it holds no certificate".into(),
        ));
    }
    Ok(certificates)
}

/// A client for one VBO server. Clones share the connection pool and the access token.
#[derive(Debug, Clone)]
pub struct Client {
    /// The v4 client; the other versions' share its connection pool and state.
    api: generated::Client,
    http: reqwest::Client,
    inner: Inner,
    idle_timeout: Option<Duration>,
    version: VersionChoice,
    /// What [`VersionChoice::Auto`] found, shared by clones.
    probed: Arc<tokio::sync::OnceCell<ApiVersion>>,
}

impl Client {
    /// Starts configuring a client for the server at `base_url`, such as
    /// `https://vbo.example.com:4443` (without the `/v4` prefix).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            response_timeout: Some(DEFAULT_RESPONSE_TIMEOUT),
            ca_pems: Vec::new(),
            ca_files: Vec::new(),
            accept_invalid_certs: false,
            retry: RetryPolicy::default(),
            version: VersionChoice::Auto,
        }
    }

    /// The generated client, for every operation of the spec. Its requests carry the access
    /// token, refresh it when it is about to expire or is refused, and retry as
    /// [`RetryPolicy`] says. The escape hatch: every operation also has a typed method here.
    /// Send a request with `call()` for a [`vbo365::Error`](Error) that names the operation,
    /// or with `send()` for progenitor's own.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.api)
    }

    /// Gets an access token for a VBO administrator with the password grant. Later requests
    /// use it, and the client renews it with the refresh token (or, failing that, logs in
    /// again) before it expires.
    pub async fn login(
        &self,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<types::Token, Error> {
        self.login_password(LoginKind::Administrator, username, password.into())
            .await
    }

    /// Gets an access token for a tenant with the password grant: the Microsoft 365 account
    /// that added the organization. The client then uses the tenant's routes
    /// ([`LoginKind::Tenant`]).
    pub async fn login_tenant(
        &self,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<types::Token, Error> {
        self.login_password(LoginKind::Tenant, username, password.into())
            .await
    }

    async fn login_password(
        &self,
        kind: LoginKind,
        username: &str,
        password: SecretString,
    ) -> Result<types::Token, Error> {
        crate::validate::not_empty("username", username)?;
        crate::validate::not_empty("password", password.expose())?;
        let grant = Grant::Password {
            username: username.to_string(),
            password,
        };
        self.authenticate(grant, kind).await
    }

    /// Gets an access token with the JWT bearer grant: a tenant whose organization has
    /// security defaults, with an assertion from Microsoft Entra ID. The client then uses the
    /// tenant's routes ([`LoginKind::Tenant`]).
    pub async fn login_jwt(
        &self,
        client_id: &str,
        assertion: impl Into<SecretString>,
    ) -> Result<types::Token, Error> {
        crate::validate::not_empty("client_id", client_id)?;
        let assertion = assertion.into();
        crate::validate::not_empty("assertion", assertion.expose())?;
        let grant = Grant::JwtBearer {
            client_id: client_id.to_string(),
            assertion,
        };
        self.authenticate(grant, LoginKind::Tenant).await
    }

    /// Continues with an administrator's token obtained earlier (for example saved by
    /// `vbo login --save-token`) that has `expires_in` left. It is renewed with
    /// `refresh_token` when it runs out; with no refresh token, an expired token ends in a 401.
    pub fn resume(
        &self,
        access_token: impl Into<SecretString>,
        refresh_token: Option<SecretString>,
        expires_in: Duration,
    ) {
        self.resume_as(
            LoginKind::Administrator,
            access_token,
            refresh_token,
            expires_in,
        );
    }

    /// [`Client::resume`] for a token of either kind of login.
    pub fn resume_as(
        &self,
        kind: LoginKind,
        access_token: impl Into<SecretString>,
        refresh_token: Option<SecretString>,
        expires_in: Duration,
    ) {
        let auth = &self.inner.shared.auth;
        auth.store_parts(access_token.into(), refresh_token, expires_in, None);
        auth.set_kind(kind);
    }

    /// The kind of the current login, which decides the organization routes the client uses:
    /// [`LoginKind::Administrator`] until a tenant login or resume.
    pub fn login_kind(&self) -> LoginKind {
        self.inner.shared.auth.kind()
    }

    /// Calls `listener` with the new tokens after every refresh (by this client or a clone),
    /// replacing an earlier listener. A caller that saved the tokens must save them again:
    /// refresh tokens may be single-use. It runs on the refreshing request's task: keep it short.
    pub fn on_token_refreshed(
        &self,
        listener: impl Fn(&crate::RefreshedToken) + Send + Sync + 'static,
    ) {
        self.inner.shared.auth.on_refresh(Arc::new(listener));
    }

    async fn authenticate(&self, grant: Grant, kind: LoginKind) -> Result<types::Token, Error> {
        let version = self.api_version().await?;
        let token = if version == ApiVersion::V4 {
            let result = self.api.create_token().body(grant.request()?).send().await;
            match result {
                Ok(token) => token.into_inner(),
                Err(error) => {
                    return Err(Error::from_generated(error, Operation::CreateToken).await);
                }
            }
        } else {
            crate::auth::request_token(
                &self.http,
                self.base_url(),
                version,
                &grant.request()?,
                self.inner.shared.response_timeout,
            )
            .await?
        };
        let auth = &self.inner.shared.auth;
        auth.store(&token, Some(grant));
        auth.set_kind(kind);
        Ok(token)
    }

    /// Performs a typed action on one item; its outcome type follows from the action
    /// (a file, restore statistics or a confirmed send). The action is validated before
    /// sending, sent once, and never repeated once it may have reached the server. An answer
    /// that does not fit the action is an error that says what came back.
    pub async fn perform<A: ItemAction>(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        item_id: &str,
        action: &A,
    ) -> Result<A::Outcome, Error> {
        let answer = self
            .send_action(restore_session_id, mailbox_id, item_id, action.action())
            .await?;
        let operation = self.item_operation(A::KIND).await;
        A::read(answer, self.idle_timeout)
            .await
            .map_err(|e| e.with_operation(operation))
    }

    /// Performs a run-time [`Action`] on one item. The outcome is the one of that action,
    /// checked as [`Client::perform`] checks it.
    pub async fn perform_action(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        item_id: &str,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        let answer = self
            .send_action(restore_session_id, mailbox_id, item_id, action)
            .await?;
        let operation = self.item_operation(action.kind()).await;
        crate::item_action::read_any(action.kind(), answer, self.idle_timeout)
            .await
            .map_err(|e| e.with_operation(operation))
    }

    async fn send_action(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        item_id: &str,
        action: &Action,
    ) -> Result<Answer, Error> {
        crate::validate::item_id("itemId", item_id)?;
        let version = self.api_version().await?;
        if version != ApiVersion::V4 {
            let target = crate::action_send::Target::Item {
                session: restore_session_id,
                mailbox: mailbox_id,
                item: item_id,
            };
            return self
                .send_routed(version, action.kind(), target, action.wire_value()?)
                .await;
        }
        action.check_for(version, ACTION_OPERATION)?;
        let span = tracing::info_span!("action", action = action.kind().wire_name());
        let result = self
            .api
            .perform_mailbox_item_action()
            .restore_session_id(restore_session_id)
            .mailbox_id(mailbox_id)
            .item_id(item_id)
            .body(action.body().clone())
            .send()
            .instrument(span)
            .await;
        answer(result, action.kind(), ACTION_OPERATION).await
    }
}

impl Client {
    /// The longest silence of a download once it has started.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn version_choice(&self) -> VersionChoice {
        self.version
    }

    pub(crate) fn probed_version(&self) -> &tokio::sync::OnceCell<ApiVersion> {
        &self.probed
    }

    /// How long the version probe may take: the response timeout, or the default one.
    pub(crate) fn probe_timeout(&self) -> Duration {
        self.inner
            .shared
            .response_timeout
            .unwrap_or(DEFAULT_RESPONSE_TIMEOUT)
    }

    /// The state of `version`'s generated client: this client's, with that version.
    pub(crate) fn inner_for(&self, version: ApiVersion) -> Inner {
        Inner {
            shared: self.inner.shared.clone(),
            version,
        }
    }
}

/// The answer to an action request of `operation`: its body, or 204 (which later API versions
/// send for the sends and the v4 spec does not list; each action's reader decides whether it
/// fits). An error that may have followed a restore or send that ran says so.
pub(crate) async fn answer(
    result: Result<
        progenitor_client::ResponseValue<progenitor_client::ByteStream>,
        progenitor_client::Error<types::Error>,
    >,
    kind: crate::ActionKind,
    operation: Operation,
) -> Result<Answer, Error> {
    match result {
        Ok(response) => Ok(Answer::Body(response)),
        Err(progenitor_client::Error::UnexpectedResponse(response))
            if response.status() == reqwest::StatusCode::NO_CONTENT =>
        {
            Ok(Answer::NoContent)
        }
        Err(error) => Err(crate::action_send::may_have_run(
            Error::from_generated(error, operation).await,
            kind,
        )),
    }
}
