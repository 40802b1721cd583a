//! The VEX email settings, which the send actions need: `vbo vex show` and `vbo vex set`.

use serde_json::json;
use vbo365::types;

use super::args::VexSetArgs;
use super::failure::Failure;
use super::output::opt;
use super::run::Ctx;
use super::secrets;

/// `vbo vex show`.
pub async fn show(ctx: &Ctx) -> Result<(), Failure> {
    let settings = ctx.call(ctx.client.vex_email_settings()).await?;
    let rows = vec![vec![
        opt(&settings.enable_notification),
        opt(&settings.server),
        opt(&settings.port),
        opt(&settings.use_ssl),
        opt(&settings.username),
        opt(&settings.from),
    ]];
    ctx.out.show(
        &settings,
        &["ENABLED", "SERVER", "PORT", "SSL", "USER", "FROM"],
        rows,
    )
}

/// The body of `vex set`, with the SMTP password read and the values checked, before login.
pub fn settings(args: &VexSetArgs) -> Result<types::VexEmailSettingsUpdate, Failure> {
    let server = match &args.smtp_server {
        Some(server) => Some(
            server
                .as_str()
                .try_into()
                .map_err(|_| Failure::usage("invalid `--smtp-server`: must not be empty"))?,
        ),
        None => None,
    };
    if let Some(from) = &args.from {
        vbo365::check::email("from", from).map_err(|e| Failure::flag("--from", &e))?;
    }
    let password = match &args.smtp_user {
        Some(_) => Some(secrets::read("VBO_SMTP_PASSWORD", None, "SMTP password: ")?),
        None => None,
    };
    Ok(types::VexEmailSettingsUpdate {
        enable_notification: args.enable,
        server,
        port: args
            .port
            .and_then(|p| std::num::NonZeroU32::new(u32::from(p))),
        use_authentication: args.smtp_user.as_ref().map(|_| true),
        username: args.smtp_user.clone(),
        user_password: password,
        use_ssl: args.use_ssl,
        from: args.from.clone(),
    })
}

/// `vbo vex set`: sends the body that [`settings`] built.
pub async fn set(ctx: &Ctx, body: types::VexEmailSettingsUpdate) -> Result<(), Failure> {
    ctx.call(ctx.client.set_vex_email_settings(body)).await?;
    ctx.out
        .show_text(&json!({ "updated": true }), "VEX email settings updated")
}
