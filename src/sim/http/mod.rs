//! The HTTP side: one route per operation of the spec ([`routing`]), a generic front half
//! that checks every request against the operation's own parameters and body schema
//! ([`input`]), error answers ([`errors`]), and one handler per operation
//! (`crate::sim::handlers`) that changes the state and builds the response from the
//! generated types.

mod dispatch;
pub mod errors;
pub mod input;
pub mod limits;
pub mod routing;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::data::Catalog;
use super::state::Shared;
use super::{RunningSimulator, SimConfig, SimError, pst, tls};
use crate::generated::operations::ApiVersion;
use crate::spec::Spec;

impl Sim {
    /// The spec of `version`, which serves the route being handled (the first served spec
    /// for a version not served, which no route has).
    pub fn spec(&self, version: ApiVersion) -> &Spec {
        self.specs
            .iter()
            .find(|(v, _)| *v == version)
            .or(self.specs.first())
            .map(|(_, spec)| spec)
            .expect("start refuses an empty list of versions")
    }
}

/// The server's shared parts.
pub struct Sim {
    /// The spec of each served version, oldest first: its routes are checked against it.
    pub specs: Vec<(ApiVersion, Spec)>,
    /// The routes of every served version.
    pub routes: Vec<routing::Route>,
    /// v4's spec, the common model: a later version's request body is read into its shape
    /// (`crate::sim::handlers::versioned`), whether or not v4 is served.
    pub common: Spec,
    pub shared: Arc<Shared>,
    pub scheme: &'static str,
    /// `host:port` for links when a request has no usable `Host`.
    pub authority: String,
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
    if config.extra_items > super::MAX_EXTRA_ITEMS {
        return Err(SimError::Config(format!(
            "at most {} extra items, got {}",
            super::MAX_EXTRA_ITEMS,
            config.extra_items
        )));
    }
    if config.username.trim().is_empty() || config.tenant_username.trim().is_empty() {
        return Err(SimError::Config("the usernames must not be empty".into()));
    }
    if config
        .username
        .eq_ignore_ascii_case(&config.tenant_username)
    {
        return Err(SimError::Config(
            "the administrator and the tenant need different usernames".into(),
        ));
    }
    if config.restore_delay > super::MAX_RESTORE_DELAY {
        return Err(SimError::Config(format!(
            "the restore delay must be at most {} s, got {} ms",
            super::MAX_RESTORE_DELAY.as_secs(),
            config.restore_delay.as_millis()
        )));
    }
    // Each served version once, oldest first.
    let served: Vec<ApiVersion> = ApiVersion::ALL
        .into_iter()
        .filter(|v| config.versions.contains(v))
        .collect();
    if served.is_empty() {
        return Err(SimError::Config(
            "at least one API version must be served".into(),
        ));
    }
    let mut specs = Vec::new();
    let mut routes = Vec::new();
    for version in served {
        let spec = crate::spec::embedded(version);
        routes.extend(routing::routes(&spec, version).map_err(SimError::Spec)?);
        specs.push((version, spec));
    }
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
        Catalog::generate_with(config.seed, config.extra_items),
        &config,
    ));
    let sim = Arc::new(Sim {
        specs,
        routes,
        common: crate::spec::embedded(ApiVersion::V4),
        shared: shared.clone(),
        scheme,
        authority: authority.clone(),
    });
    let limits = limits::Limits {
        read_timeout: config.read_timeout,
    };
    let app = routing::app(sim, limits).map_err(SimError::Spec)?;
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
        let mut server = axum_server::from_tcp_rustls(listener, tls_config)
            .map_err(bind_error)?
            .handle(handle.clone());
        bound_header_time(server.http_builder(), config.read_timeout);
        (
            Some(ca),
            tokio::spawn(server.serve(app.into_make_service())),
        )
    } else {
        let mut server = axum_server::from_tcp(listener)
            .map_err(bind_error)?
            .handle(handle.clone());
        bound_header_time(server.http_builder(), config.read_timeout);
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

/// A connection that does not send its request headers within `timeout` is closed, as
/// HTTP.sys closes it after its `HeaderWait` time (the body's time is bounded in `limits`).
fn bound_header_time(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    timeout: std::time::Duration,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeout);
}
