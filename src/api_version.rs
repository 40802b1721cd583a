//! Which version of the API the client speaks: one chosen, or the newest the server serves.
//!
//! No endpoint says which versions a server serves, and a VBO server serves several at once
//! (a v8 server also serves v6 and v7). [`VersionChoice::Auto`] asks once, without logging
//! in: an anonymous `GET` of `listRestoreSessions`, the route every version's spec has, for
//! each version from the newest. A server that serves the version answers 401 (or 200/403);
//! one that does not answers 404, as the vendor's Python client relies on (it probes
//! `ServiceInstance`, which v4 lacks). The answer is kept for the client's lifetime.

use std::fmt;
use std::str::FromStr;

use crate::generated::operations::{ApiVersion, Operation};
use crate::{Client, Error};

/// The API version a client uses: [`VersionChoice::Auto`] (the default) or one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VersionChoice {
    /// The newest version the server serves, found on first use and kept.
    #[default]
    Auto,
    /// This version, without probing.
    Only(ApiVersion),
}

impl From<ApiVersion> for VersionChoice {
    fn from(version: ApiVersion) -> Self {
        Self::Only(version)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

impl fmt::Display for VersionChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Only(version) => version.fmt(f),
        }
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    /// `v8` or `8`, any case.
    fn from_str(text: &str) -> Result<Self, Error> {
        let wanted = text.trim().to_ascii_lowercase();
        let wanted = wanted.strip_prefix('v').unwrap_or(&wanted);
        Self::ALL
            .into_iter()
            .find(|v| v.prefix().trim_start_matches('v') == wanted)
            .ok_or_else(|| Error::invalid("api_version", format!("must be {}", choices())))
    }
}

impl FromStr for VersionChoice {
    type Err = Error;

    /// `auto`, or a version as [`ApiVersion::from_str`] reads it.
    fn from_str(text: &str) -> Result<Self, Error> {
        if text.trim().eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        text.parse().map(Self::Only)
    }
}

/// `auto, v4, v6, v7 or v8`.
fn choices() -> String {
    let versions: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.prefix()).collect();
    match versions.split_last() {
        Some((last, rest)) => format!("auto, {} or {last}", rest.join(", ")),
        None => "auto".into(),
    }
}

/// The route every version serves, that answers without a token.
const PROBE: Operation = Operation::ListRestoreSessions;

impl Client {
    /// The version this client speaks: the one chosen, or with [`VersionChoice::Auto`] the
    /// newest the server serves (probed on first use, then kept).
    pub async fn api_version(&self) -> Result<ApiVersion, Error> {
        match self.version_choice() {
            VersionChoice::Only(version) => Ok(version),
            VersionChoice::Auto => {
                let probed = self.probed_version();
                probed.get_or_try_init(|| self.probe()).await.copied()
            }
        }
    }

    /// The newest version whose probe route does not answer 404.
    async fn probe(&self) -> Result<ApiVersion, Error> {
        let mut tried = Vec::new();
        for version in ApiVersion::ALL.into_iter().rev() {
            let Some(path) = PROBE.path(version) else {
                continue;
            };
            let url = format!("{}{path}", self.base_url());
            let response = self
                .http()
                .get(&url)
                .timeout(self.probe_timeout())
                .send()
                .await
                .map_err(|e| Error::transport(e).with_operation(PROBE))?;
            let status = response.status();
            tracing::debug!(%version, %status, "probed the API version");
            if status == reqwest::StatusCode::NOT_FOUND {
                tried.push(format!("GET {path}: 404"));
                continue;
            }
            if status.is_server_error() {
                return Err(Error::status_error(
                    status,
                    Some(format!("while finding the API version (GET {path})")),
                )
                .with_operation(PROBE));
            }
            tracing::info!(%version, "the server serves API {version}");
            return Ok(version);
        }
        Err(Error::invalid(
            "api_version",
            format!(
                "auto found no version the server serves ({}); choose one with api_version",
                tried.join(", ")
            ),
        ))
    }
}
