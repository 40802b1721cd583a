//! The client: a configured reqwest client under the generated one, plus the typed actions.

use std::time::Duration;

use uuid::Uuid;

use crate::generated::{self, types};
use crate::{Action, ActionOutcome, Error, Inner, SecretString};

/// Default time to establish a TCP (and TLS) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default longest pause between two pieces of a downloaded body, once it has started.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    connect_timeout: Duration,
    idle_timeout: Option<Duration>,
}

impl ClientBuilder {
    /// Time allowed to connect. Default: 30 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest pause between two pieces of a file body once it has started, `None` for no
    /// limit. Default: 5 minutes. There is never a total timeout: the server builds a PST
    /// before its first byte, and a 40 GB PST takes as long as it takes.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base_url).map_err(|e| {
            Error::invalid(
                "server",
                format!("must be an http(s) URL such as https://vbo:4443: {e}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid("server", "must use http or https"));
        }
        // No `.timeout(..)`: a total timeout would also cover the body and cut long downloads.
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .tcp_keepalive(Duration::from_secs(60))
            .user_agent(concat!("vbo365/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::transport)?;
        let inner = Inner::default();
        Ok(Client {
            api: generated::Client::new_with_client(&base_url, http, inner.clone()),
            inner,
            idle_timeout: self.idle_timeout,
        })
    }
}

/// A client for one VBO server.
#[derive(Debug, Clone)]
pub struct Client {
    api: generated::Client,
    inner: Inner,
    idle_timeout: Option<Duration>,
}

impl Client {
    /// Starts configuring a client for the server at `base_url`, such as
    /// `https://vbo.example.com:4443` (without the `/v4` prefix).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
        }
    }

    /// The generated client, for every operation of the spec. It sends the access token that
    /// [`Client::login`] obtained.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// Gets an access token with the password grant and uses it for every later request.
    pub async fn login(
        &self,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<types::Token, Error> {
        crate::validate::not_empty("username", username)?;
        let grant = types::PasswordGrant {
            grant_type: types::PasswordGrantGrantType::Password,
            username: username
                .try_into()
                .map_err(|_| Error::invalid("username", "must not be empty"))?,
            password: password.into(),
        };
        let result = self
            .api
            .create_token()
            .body(types::TokenRequest::PasswordGrant(grant))
            .send()
            .await;
        let token = match result {
            Ok(token) => token.into_inner(),
            Err(error) => return Err(Error::from_api(error, "create_token").await),
        };
        self.inner.set_access_token(token.access_token.clone());
        Ok(token)
    }

    /// Performs `action` on one item and returns its typed outcome. The action is sent once
    /// and never repeated by the client.
    pub async fn perform_action(
        &self,
        restore_session_id: Uuid,
        mailbox_id: Uuid,
        item_id: &str,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        const OPERATION: &str = "perform_mailbox_item_action";
        crate::validate::not_empty("itemId", item_id)?;
        let result = self
            .api
            .perform_mailbox_item_action()
            .restore_session_id(restore_session_id)
            .mailbox_id(mailbox_id)
            .item_id(item_id)
            .body(action.body().clone())
            .send()
            .await;
        match result {
            Ok(response) => ActionOutcome::classify(response, self.idle_timeout)
                .await
                .map_err(|e| e.with_operation(OPERATION)),
            // Later API versions answer the sends with 204, which the v4 spec does not list.
            Err(progenitor_client::Error::UnexpectedResponse(response))
                if response.status() == reqwest::StatusCode::NO_CONTENT =>
            {
                Ok(ActionOutcome::Done)
            }
            Err(error) => Err(Error::from_api(error, OPERATION).await),
        }
    }
}
