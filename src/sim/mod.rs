//! The embedded VBO simulator: a real HTTP(S) server that behaves as the v4, v6, v7 and v8
//! servers do for every operation of `openapi/vbo-v4.yaml`, `vbo-v6.yaml`, `vbo-v7.yaml` and
//! `vbo-v8.yaml`, all at once over the same data, so that the demo, the end-to-end tests and
//! users' CI have a server to talk to.
//!
#![doc = include_str!("guide.md")]
//!
//! What it simulates, and the choices made where the real server's behaviour is unknown, are
//! listed on [`Simulator`].

mod data;
mod explain;
mod handlers;
mod http;
mod loose_date;
mod msg;
mod production;
mod pst;
mod request;
mod restores;
mod spelling;
mod state;
mod tls;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use data::{Attachment, Catalog, FolderData, ItemData, MailboxData, Person, SessionSeed};
pub use http::limits::{BODY_LIMIT, DEFAULT_READ_TIMEOUT};
pub use pst::{MIN_PST_SIZE, PADDING_FOLDER as PST_PADDING_FOLDER, pattern_at as pst_padding_at};
pub use state::{RestoredItem, SentAttachment, SentMessage};

use crate::ApiVersion;
use crate::SecretString;

/// The port of the real v4 server; the simulator's default is a free port instead.
pub const DEFAULT_PORT: u16 = 4443;
/// The account the simulator accepts by default (the spec's own example).
pub const DEFAULT_USERNAME: &str = "admin@westsupport.onmicrosoft.com";
/// The password of [`DEFAULT_USERNAME`] (the spec's own example). A simulator has nothing to
/// protect; a configurable account lets tests check that wrong credentials are refused.
pub const DEFAULT_PASSWORD: &str = "paSSw0rd";
/// The tenant account the simulator accepts by default: the Microsoft 365 account that added
/// the organization, which a tenant logs in with.
pub const DEFAULT_TENANT_USERNAME: &str = "veeam.backup@westsupport.onmicrosoft.com";
/// The password of [`DEFAULT_TENANT_USERNAME`].
pub const DEFAULT_TENANT_PASSWORD: &str = "t3nantPa55";
/// The most extra items [`SimConfig::extra_items`] may ask for.
pub const MAX_EXTRA_ITEMS: usize = 100_000;
/// Default size of an exported PST: small enough for tests, large enough to stream.
pub const DEFAULT_PST_SIZE: u64 = 1 << 20;
/// How long a v8 restore runs by default ([`SimConfig::restore_delay`]).
pub const DEFAULT_RESTORE_DELAY: Duration = Duration::from_millis(200);
/// The longest [`SimConfig::restore_delay`]: one hour.
pub const MAX_RESTORE_DELAY: Duration = Duration::from_secs(3600);

/// How to start a [`Simulator`].
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on. Default: 127.0.0.1.
    pub addr: IpAddr,
    /// Port to listen on; 0 picks a free one. Default: 0.
    pub port: u16,
    /// HTTPS with a certificate from a CA generated at start (the real server is HTTPS only).
    /// Default: true.
    pub tls: bool,
    /// Seed of the backed-up data: the same seed gives the same ids, subjects and dates.
    /// Default: 1.
    pub seed: u64,
    /// More messages in the first mailbox's Inbox, up to [`MAX_EXTRA_ITEMS`], for bulk runs
    /// that need many distinct items. Default: 0.
    pub extra_items: usize,
    /// Lifetime of an access token, at most [`crate::MAX_TOKEN_LIFETIME`] (what a client
    /// believes; beyond it `start` refuses the config). Default: 60 minutes, like the real
    /// server.
    pub token_lifetime: Duration,
    /// Size in bytes of the PSTs that `exportToPst` returns, from 64 KiB to 1 TiB: the PST
    /// is padded to it, and is larger when its messages need more.
    /// Default: 1 MiB.
    pub pst_size: u64,
    /// The account that `createToken` accepts. Default: [`DEFAULT_USERNAME`].
    pub username: String,
    /// Its password. Default: [`DEFAULT_PASSWORD`].
    pub password: SecretString,
    /// The tenant account that `createToken` accepts: its tokens use the tenant routes only.
    /// Default: [`DEFAULT_TENANT_USERNAME`].
    pub tenant_username: String,
    /// Its password. Default: [`DEFAULT_TENANT_PASSWORD`].
    pub tenant_password: SecretString,
    /// Directory for the CA certificate file; `None` makes a fresh temporary directory that is
    /// removed at shutdown.
    pub ca_dir: Option<PathBuf>,
    /// How long a client may take to send a request's headers, and its body: past it the
    /// connection is closed (headers; an idle keep-alive connection waits for the next
    /// request's headers, so this is its keep-alive time too) or answered 408 (body). HTTP.sys allows 120 s for
    /// each; the simulator's default is shorter, so that a stuck client fails a test run
    /// fast. Default: [`DEFAULT_READ_TIMEOUT`] (30 s).
    pub read_timeout: Duration,
    /// The API versions to serve, each from its own spec (`openapi/vbo-v<N>.yaml`); the routes
    /// of a version not listed answer 404, as any unknown path. Default: every version,
    /// [`ApiVersion::ALL`]. `start` refuses an empty list.
    pub versions: Vec<ApiVersion>,
    /// How long a v8 restore runs: it answers `{sessionId}` at once, its statistics
    /// (`getRestoreStatistics`) show it in progress until this time has passed, and then its
    /// outcome, which is when the production mailbox changes. Earlier versions restore before
    /// answering. Default: [`DEFAULT_RESTORE_DELAY`] (200 ms).
    pub restore_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            tls: true,
            seed: 1,
            extra_items: 0,
            token_lifetime: Duration::from_secs(3600),
            pst_size: DEFAULT_PST_SIZE,
            username: DEFAULT_USERNAME.to_string(),
            password: SecretString::new(DEFAULT_PASSWORD),
            tenant_username: DEFAULT_TENANT_USERNAME.to_string(),
            tenant_password: SecretString::new(DEFAULT_TENANT_PASSWORD),
            ca_dir: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
            versions: ApiVersion::ALL.to_vec(),
            restore_delay: DEFAULT_RESTORE_DELAY,
        }
    }
}

/// Why the simulator could not start or stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The configuration cannot work.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// The embedded spec could not be turned into routes and validators.
    #[error("the embedded spec cannot drive the simulator: {0}")]
    Spec(String),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The CA or server certificate could not be made or written.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The server task failed.
    #[error("the simulator's server failed: {0}")]
    Server(String),
}

/// The simulator. [`Simulator::start`] starts one.
///
/// What it does, where the real server's behaviour had to be chosen:
/// - **Versions.** Every version of [`SimConfig::versions`] (default: all) is served from its
///   own spec: its routes, request checks, paths and casing (`/v6/RestoreSessions/{id}/
///   organization/mailboxes/...`), answers and statuses. A later version's request is read
///   into v4's shape and handled by the same code, so every version shows the same data and
///   a change through one is seen through all: the action operations of v6 on take the bare
///   options of the action that the spec's `x-vbo-action` names; explores take v6's
///   `dateTime` and `Vex`...`Vet`; the item list's folder filter is the version's
///   (`parentId` from v7 on); `extendedView=false` (v7's default) leaves out the backup times;
///   v8's organization list is paged; v8's sends, stops and settings changes answer 204.
///   Options a later version adds (`impersonationAccountName`, `officeRegion`,
///   `disable_antiforgery_token`, `repositoryId`) are accepted and have nothing to act on.
///   Errors are `{message}`, v7's with `errorCode`, v8's with `errorCode` and `stackTrace`
///   (null); the token endpoint's are OAuth errors in v4 only. A version not served answers
///   404 on all its routes.
/// - **v8's restores** answer `{sessionId}` at once and run for
///   [`SimConfig::restore_delay`]: until then `getRestoreStatistics` with that id shows their
///   `totalItemsCount` and nothing restored, then their counts and each item's outcome, and
///   only then does the production mailbox change, once. With a restore session's own id it
///   adds up the restores started in that session.
/// - **Accounts.** `createToken` accepts the configured administrator and tenant accounts with
///   the password grant, their refresh tokens (each used once), and the JWT bearer grant for
///   the organization's name as `client_id` with any three-part assertion (a tenant login).
///   Anything else is `400 invalid_grant`. A token of one version's endpoint is good on
///   every version. A tenant's token reads and explores only its own
///   organization (`/v4/Organization...`); on the administrator routes it gets 401, and an
///   administrator's token gets 401 on the tenant routes, as the spec's `x-vbo-login` says.
/// - **Data.** One organization, two seeded restore sessions (one working, one stopped) and
///   four mailboxes (one an archive) with folders and messages; see [`Catalog`]. The first
///   mailbox holds more than 30 items, so its item list is paged.
/// - **Production side.** Restores write to a production copy of each mailbox that starts
///   empty, as if the items had been lost: the first restore of an item creates it, a repeat
///   skips it, and a repeat after [`RunningSimulator::change_restored_item`] merges it
///   (skips it when `changedItems` is false). `excludeDrafts`/`excludeDeletedItems` skip
///   items of those folders; the other flags are accepted and have nothing to act on.
/// - **Exchange credentials** of restores are not checked (there is no Exchange), except
///   that an application certificate must be base64, as on the real server.
/// - **Sends** go to the outbox ([`RunningSimulator::outbox`]) with the item as an MSG
///   attachment, once the VEX email settings have notifications enabled, a server and a
///   sender address.
/// - **The multi-item action** performs the one-item action on each listed item, each once:
///   one PST for all, one ZIP of their MSGs (the MSG itself for one item), one restore whose
///   statistics count them all, one message with every item attached. An item the mailbox
///   lacks is a 404 before anything runs.
/// - **Stopped sessions** answer 400 to everything but reading and stopping them; stopping
///   twice is not an error.
pub struct Simulator;

impl Simulator {
    /// Starts the simulator on its own tasks of the current tokio runtime.
    pub async fn start(config: SimConfig) -> Result<RunningSimulator, SimError> {
        http::start(config).await
    }
}

/// A running simulator. Dropping it stops the server; [`RunningSimulator::shutdown`] stops it
/// gracefully and reports errors.
pub struct RunningSimulator {
    pub(crate) base_url: String,
    pub(crate) local_addr: SocketAddr,
    pub(crate) ca: Option<tls::CaFile>,
    pub(crate) shared: Arc<state::Shared>,
    pub(crate) handle: axum_server::Handle<SocketAddr>,
    pub(crate) task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSimulator")
            .field("base_url", &self.base_url)
            .field("ca_cert_path", &self.ca_cert_path())
            .finish_non_exhaustive()
    }
}

impl RunningSimulator {
    /// The URL to give a client, such as `https://127.0.0.1:41234` (without `/v4`, `/v8`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The CA certificate that signed the server's certificate, as PEM; `None` without TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(|ca| ca.pem.as_str())
    }

    /// The file holding [`RunningSimulator::ca_pem`], for clients that take a CA file.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca.as_ref().map(|ca| ca.path.as_path())
    }

    /// The administrator account that `createToken` accepts.
    pub fn username(&self) -> &str {
        &self.shared.username
    }

    /// The password of [`RunningSimulator::username`].
    pub fn password(&self) -> &SecretString {
        &self.shared.password
    }

    /// The tenant account that `createToken` accepts.
    pub fn tenant_username(&self) -> &str {
        &self.shared.tenant_username
    }

    /// The password of [`RunningSimulator::tenant_username`].
    pub fn tenant_password(&self) -> &SecretString {
        &self.shared.tenant_password
    }

    /// The seeded backed-up data: organization, sessions, mailboxes, folders and items.
    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// Every message the send actions sent, oldest first.
    pub fn outbox(&self) -> Vec<SentMessage> {
        self.shared.outbox()
    }

    /// What restores have put in the production mailbox with this address (not an archive),
    /// or `None` if the organization has no such mailbox.
    pub fn mailbox_contents(&self, email: &str) -> Option<Vec<RestoredItem>> {
        self.shared.mailbox_contents(email)
    }

    /// Simulates a user changing a restored item in production, so that the next restore of
    /// it merges. Returns false if no such restored item exists.
    pub fn change_restored_item(&self, email: &str, folder: &str, item_id: &str) -> bool {
        self.shared.change_restored_item(email, folder, item_id)
    }

    /// Makes every access token issued so far expired, as if its lifetime had run out.
    pub fn expire_access_tokens(&self) {
        self.shared.expire_access_tokens()
    }

    /// Changes the size of the PSTs that later exports return.
    pub fn set_pst_size(&self, bytes: u64) -> Result<(), SimError> {
        pst::check_size(bytes).map_err(SimError::Config)?;
        self.shared
            .pst_size
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Stops accepting connections, lets requests in flight finish (for up to 10 seconds),
    /// and removes the temporary CA directory.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        let result = match self.task.take() {
            Some(task) => match task.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(SimError::Server(e.to_string())),
                Err(e) => Err(SimError::Server(format!("the server task ended: {e}"))),
            },
            None => Ok(()),
        };
        if let Some(ca) = self.ca.take() {
            ca.remove();
        }
        result
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.handle.shutdown();
        }
        if let Some(ca) = self.ca.take() {
            ca.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_never_shows_the_password() {
        let shown = format!("{:?}", SimConfig::default());
        assert!(
            shown.contains("admin@westsupport.onmicrosoft.com"),
            "{shown}"
        );
        assert!(!shown.contains(DEFAULT_PASSWORD), "{shown}");
    }

    #[tokio::test]
    async fn an_impossible_configuration_is_refused_before_listening() {
        for config in [
            SimConfig {
                pst_size: 100,
                ..SimConfig::default()
            },
            SimConfig {
                pst_size: u64::MAX,
                ..SimConfig::default()
            },
            SimConfig {
                username: " ".into(),
                ..SimConfig::default()
            },
        ] {
            let error = Simulator::start(config).await.unwrap_err();
            assert!(matches!(error, SimError::Config(_)), "{error}");
        }
    }
}
