//! The token file of `vbo login --save-token` and `--token-file`: written atomically, mode
//! 0600, and rewritten after every refresh, because the simulator's (and the real server's)
//! refresh tokens are single-use: a file left with a used one is dead on the next run.

use std::path::{Path, PathBuf};

use vbo365::{Client, LoginKind, SecretString};

use super::failure::Failure;

/// A token saved by `vbo login --save-token`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SavedToken {
    pub server: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Whose token it is; files written before tenants existed are an administrator's.
    #[serde(default)]
    pub login: LoginKind,
}

impl SavedToken {
    pub fn new(
        server: &str,
        access: &SecretString,
        refresh: Option<&SecretString>,
        expires_in: std::time::Duration,
        login: LoginKind,
    ) -> Self {
        Self {
            login,
            server: server.to_string(),
            access_token: access.expose().to_string(),
            refresh_token: refresh.map(|t| t.expose().to_string()),
            // Checked: a server's `expires_in` must not be able to panic the CLI.
            expires_at: chrono::Duration::from_std(expires_in)
                .ok()
                .and_then(|left| chrono::Utc::now().checked_add_signed(left))
                .unwrap_or_else(chrono::Utc::now),
        }
    }
}

/// Reads the token file and checks that it belongs to the server `vbo` talks to.
pub fn load(path: &Path, base_url: &str) -> Result<SavedToken, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "invalid `--token-file`: cannot read {}: {e}",
            path.display()
        ))
    })?;
    let saved: SavedToken = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "invalid `--token-file`: {} is not a token file of `vbo login` ({e})",
            path.display()
        ))
    })?;
    if saved.server.trim_end_matches('/') != base_url {
        return Err(Failure::usage(format!(
            "invalid `--token-file`: {} is for {}, not {base_url}",
            path.display(),
            saved.server,
        )));
    }
    Ok(saved)
}

/// Writes the token to a new 0600 file beside `path` and renames it over `path`: readers see
/// the old or the new token, never half a file, and an existing file's looser mode is gone.
pub fn save(path: &Path, token: &SavedToken) -> Result<(), Failure> {
    use std::io::Write as _;
    let cannot = |e: &dyn std::fmt::Display| {
        Failure::usage(format!("cannot write the token to {}: {e}", path.display()))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // `tempfile` creates the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(".vbo-token-")
        .tempfile_in(dir)
        .map_err(|e| cannot(&e))?;
    let bytes = serde_json::to_vec_pretty(token).map_err(|e| cannot(&e))?;
    file.write_all(&bytes).map_err(|e| cannot(&e))?;
    file.as_file().sync_all().map_err(|e| cannot(&e))?;
    file.persist(path).map_err(|e| cannot(&e.error))?;
    Ok(())
}

/// Resumes the client from the file, and rewrites the file after each refresh.
pub fn resume(client: &Client, path: &Path) -> Result<(), Failure> {
    let saved = load(path, client.base_url())?;
    let left = (saved.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let path: PathBuf = path.to_path_buf();
    let server = client.base_url().to_string();
    let login = saved.login;
    client.on_token_refreshed(move |token| {
        let saved = SavedToken::new(
            &server,
            &token.access_token,
            token.refresh_token.as_ref(),
            token.expires_in,
            login,
        );
        match save(&path, &saved) {
            Ok(()) => tracing::info!(path = %path.display(), "saved the refreshed token"),
            Err(failure) => tracing::warn!(
                "{}; the next run will need `vbo login --save-token` again",
                failure.message
            ),
        }
    });
    client.resume_as(
        saved.login,
        saved.access_token,
        saved.refresh_token.map(SecretString::new),
        left,
    );
    Ok(())
}
