//! Connecting, logging in (`vbo login`, and before every other command), and the restore
//! sessions (`vbo session`).

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use vbo365::{Client, SecretString, types};

use super::args::{Global, SessionCommand};
use super::failure::{self, Doing, Failure};
use super::output::{minutes, opt};
use super::run::Ctx;
use super::{secrets, token_file};

/// The client for the server of the options, its certificates checked or not.
pub fn connect(global: &Global) -> Result<Client, Failure> {
    let server = global.server.as_deref().ok_or_else(|| {
        Failure::usage("no server given").with_hint("pass --server URL or set VBO_SERVER")
    })?;
    let mut builder = Client::builder(server)
        .api_version(global.api_version)
        .idle_timeout((global.idle_timeout > 0).then(|| Duration::from_secs(global.idle_timeout)));
    if let Some(ca) = &global.ca_cert {
        builder = builder.add_ca_file(ca);
    }
    if global.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| match e.field() {
        Some("ca_cert") => Failure::flag("--ca-cert", &e),
        Some("server") => Failure::flag("--server", &e),
        _ => failure::from_error(&e, Doing::Other, false),
    })
}

/// The VBO account to log in with: the user from the options, the password from the
/// environment, stdin or a prompt. `alternative` ends the hint when no user is given.
fn account<'a>(global: &'a Global, alternative: &str) -> Result<(&'a str, SecretString), Failure> {
    let user = global.user.as_deref().ok_or_else(|| {
        Failure::usage("no user given")
            .with_hint(format!("pass --user NAME or set VBO_USER{alternative}"))
    })?;
    let password = secrets::read(
        "VBO_PASSWORD",
        Some(("--password-stdin", global.password_stdin)),
        "VBO password: ",
    )?;
    Ok((user, password))
}

/// Logs in with the account of the options, before a command without `--token-file`.
pub async fn log_in(ctx: &Ctx, global: &Global) -> Result<(), Failure> {
    let (user, password) = account(global, " (or use --token-file)")?;
    password_login(ctx, global, user, password).await?;
    Ok(())
}

/// The password grant, for an administrator or, with `--tenant`, a tenant.
async fn password_login(
    ctx: &Ctx,
    global: &Global,
    user: &str,
    password: SecretString,
) -> Result<types::Token, Failure> {
    let login = if global.tenant {
        ctx.client.login_tenant(user, password).await
    } else {
        ctx.client.login(user, password).await
    };
    login.map_err(|e| ctx.fail(&e, Doing::Login))
}

/// `vbo login [--save-token FILE]`.
pub async fn login(ctx: &Ctx, global: &Global, save: Option<&Path>) -> Result<(), Failure> {
    let (user, password) = account(global, "")?;
    let token = password_login(ctx, global, user, password).await?;
    // `expires_in` is the server's: clamped, so that a huge or negative one cannot panic.
    let expires_in = vbo365::token_lifetime(token.expires_in);
    let saved = token_file::SavedToken::new(
        ctx.client.base_url(),
        &token.access_token,
        token.refresh_token.as_ref(),
        expires_in,
        ctx.client.login_kind(),
    );
    let expires_at = saved.expires_at;
    if let Some(path) = save {
        token_file::save(path, &saved)?;
    }
    let text = match save {
        Some(path) => format!(
            "logged in as {user}; the token expires at {expires_at} and was saved to {}",
            path.display()
        ),
        None => format!("logged in as {user}; the token expires at {expires_at} (not saved)"),
    };
    ctx.out.show_text(
        &json!({ "user": user, "expires_in": token.expires_in, "expires_at": expires_at, "saved_to": save }),
        &text,
    )
}

/// `vbo session create|list|show|stop`.
pub async fn restore_session(ctx: &Ctx, command: &SessionCommand) -> Result<(), Failure> {
    let client = &ctx.client;
    match command {
        SessionCommand::List => {
            let sessions = ctx
                .client
                .all_restore_sessions()
                .await
                .map_err(|e| ctx.fail(&e, Doing::Other))?;
            sessions_table(ctx, &sessions, &sessions)
        }
        SessionCommand::Show { session } => {
            let session = ctx.call(client.restore_session(*session)).await?;
            sessions_table(ctx, &session, std::slice::from_ref(&session))
        }
        SessionCommand::Create {
            org,
            at,
            show_deleted,
            all_versions,
        } => {
            let options = types::ExploreOptions {
                datetime: at.map(vbo365::Timestamp::from),
                type_: Some(types::ExploreOptionsType::Vex),
                show_deleted: Some(*show_deleted),
                show_all_versions: Some(*all_versions),
            };
            // Without --org: the tenant's own (`Plan::prepare` refused an administrator
            // without one before the login; a token file's administrator is refused by the
            // client, before anything is sent).
            let session = match org {
                Some(org) => ctx.call(client.explore(*org, options)).await?,
                None => ctx.call(client.explore_own(options)).await?,
            };
            sessions_table(ctx, &session, std::slice::from_ref(&session))
        }
        SessionCommand::Stop { session } => {
            ctx.call(client.stop_restore_session(*session)).await?;
            ctx.out.show_text(
                &json!({ "session": session, "state": "Stopped" }),
                &format!("stopped session {session}"),
            )
        }
    }
}

/// Prints `json` as JSON, or `sessions` as a table.
fn sessions_table(
    ctx: &Ctx,
    json: &impl serde::Serialize,
    sessions: &[types::RestoreSession],
) -> Result<(), Failure> {
    let rows = sessions
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                opt(&s.name),
                s.type_.to_string(),
                s.state.to_string(),
                opt(&s.result),
                opt(&s.creation_time.as_ref().map(minutes)),
            ]
        })
        .collect();
    ctx.out.show(
        json,
        &["ID", "NAME", "TYPE", "STATE", "RESULT", "CREATED"],
        rows,
    )
}
