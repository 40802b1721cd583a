//! The commands: each builds and checks its whole request first, then connects, logs in,
//! calls the client and prints the result. Nothing reaches the server before the request is
//! known to be complete and valid: exit code 2 means nothing was sent.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use vbo365::types;
use vbo365::{Client, Error, SecretString};

use super::args::*;
use super::failure::{self, Doing, Failure};
use super::output::{Output, opt};
use super::{action, bulk, secrets, signal, token_file};

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Output {
        format: cli.global.output,
        quiet: cli.global.quiet,
    };
    let global = &cli.global;
    match &cli.command {
        #[cfg(feature = "sim")]
        Command::Sim(args) => return super::sim::serve(args, out).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => return super::demo::run(args, out).await,
        Command::Completions { shell } => return super::completions::script(*shell),
        Command::Man { out: dir } => return super::completions::man_pages(dir),
        _ => {}
    }
    // Everything that can be refused is refused here, before the first connection.
    let client = connect(global)?;
    let plan = Plan::prepare(global, &cli.command)?;
    let ctx = Ctx {
        client,
        out,
        with_token_file: global.token_file.is_some(),
    };
    match &cli.command {
        Command::Login { save_token } => login(&ctx, global, save_token.as_deref()).await,
        command => {
            let account = match &global.token_file {
                Some(path) => {
                    token_file::resume(&ctx.client, path)?;
                    None
                }
                None => Some(account(global, " (or use --token-file)")?),
            };
            if let Some((user, password)) = account {
                ctx.client
                    .login(user, password)
                    .await
                    .map_err(|e| ctx.fail(&e, Doing::Login))?;
            }
            match plan {
                Plan::Item(item, prepared) => action::run(&ctx, item, &prepared).await,
                Plan::Bulk(plan) => bulk::run(&ctx, plan).await,
                Plan::Vex(body) => {
                    let request = ctx.client.api().put_vex_email_settings().body(*body);
                    if let Err(error) = request.call().await {
                        return Err(ctx.fail(&error, Doing::Other));
                    }
                    ctx.out
                        .show_text(&json!({ "updated": true }), "VEX email settings updated")
                }
                Plan::Read => dispatch(&ctx, command).await,
            }
        }
    }
}

/// A command's request, built and checked before login.
enum Plan<'a> {
    /// One action on one item.
    Item(&'a ItemRef, action::Prepared),
    Bulk(bulk::Plan<'a>),
    Vex(Box<types::VexEmailSettingsUpdate>),
    /// Everything else: reads, and requests whose arguments clap has already checked.
    Read,
}

impl<'a> Plan<'a> {
    fn prepare(global: &Global, command: &'a Command) -> Result<Self, Failure> {
        Ok(match command {
            Command::Login { .. } if global.token_file.is_some() => {
                return Err(Failure::usage("`login` takes a password, not --token-file"));
            }
            Command::Item(command) => match action::prepare(command)? {
                Some((item, prepared)) => Self::Item(item, prepared),
                None => Self::Read,
            },
            Command::Bulk(args) => Self::Bulk(bulk::prepare(args, global.password_stdin)?),
            Command::Vex(VexCommand::Set(args)) => Self::Vex(Box::new(vex_settings(args)?)),
            _ => Self::Read,
        })
    }
}

pub struct Ctx {
    pub client: Client,
    pub out: Output,
    with_token_file: bool,
}

impl Ctx {
    pub fn fail(&self, error: &Error, doing: Doing) -> Failure {
        failure::from_error(error, doing, self.with_token_file)
    }

    /// Awaits `work`, or stops at Ctrl-C, SIGTERM or SIGHUP. Dropping the work removes its
    /// temporary file, so nothing partial is left under a final name. `unknown` says how to
    /// check an action that may have run when it was stopped.
    pub async fn interruptible<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
        unknown: Option<&str>,
    ) -> Result<T, Failure> {
        tokio::select! {
            result = work => result,
            signal = signal::wait() => Err(Failure::interrupted(signal, unknown)),
        }
    }
}

fn connect(global: &Global) -> Result<Client, Failure> {
    let server = global.server.as_deref().ok_or_else(|| {
        Failure::usage("no server given").with_hint("pass --server URL or set VBO_SERVER")
    })?;
    let mut builder = Client::builder(server)
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

async fn login(ctx: &Ctx, global: &Global, save: Option<&Path>) -> Result<(), Failure> {
    let (user, password) = account(global, "")?;
    let token = ctx
        .client
        .login(user, password)
        .await
        .map_err(|e| ctx.fail(&e, Doing::Login))?;
    // `expires_in` is the server's: clamped, so that a huge or negative one cannot panic.
    let expires_in = vbo365::token_lifetime(token.expires_in);
    let saved = token_file::SavedToken::new(
        ctx.client.base_url(),
        &token.access_token,
        token.refresh_token.as_ref(),
        expires_in,
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

/// The body of `vex set`, with the SMTP password read and the values checked.
fn vex_settings(args: &VexSetArgs) -> Result<types::VexEmailSettingsUpdate, Failure> {
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
        vbo365::validate::email("from", from).map_err(|e| Failure::flag("--from", &e))?;
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
        user_name: args.smtp_user.clone(),
        user_password: password,
        use_ssl: args.use_ssl,
        from: args.from.clone(),
    })
}

/// The commands that read, or whose arguments need no checks beyond clap's.
async fn dispatch(ctx: &Ctx, command: &Command) -> Result<(), Failure> {
    let client = &ctx.client;
    let api = client.api();
    let fail = |e: Error| ctx.fail(&e, Doing::Other);
    macro_rules! call {
        ($request:expr) => {
            $request.call().await.map_err(fail)?
        };
    }
    match command {
        Command::Org(OrgCommand::List) => {
            let orgs = call!(api.list_organizations());
            let rows = orgs
                .iter()
                .map(|o| vec![o.id.to_string(), o.name.clone(), opt(&o.type_)])
                .collect();
            ctx.out.show(&orgs, &["ID", "NAME", "TYPE"], rows)
        }
        Command::Session(SessionCommand::List) => {
            let sessions = client.all_restore_sessions().await.map_err(fail)?;
            sessions_table(ctx, &sessions, &sessions)
        }
        Command::Session(SessionCommand::Show { session }) => {
            let session = call!(api.get_restore_session().restore_session_id(*session));
            sessions_table(ctx, &session, std::slice::from_ref(&session))
        }
        Command::Session(SessionCommand::Create {
            org,
            at,
            show_deleted,
            all_versions,
        }) => {
            let body = types::ExploreAction {
                explore: types::ExploreOptions {
                    datetime: *at,
                    type_: Some(types::ExploreOptionsType::Vex),
                    show_deleted: Some(*show_deleted),
                    show_all_versions: Some(*all_versions),
                },
            };
            let session = call!(api.explore_organization().organization_id(*org).body(body));
            sessions_table(ctx, &session, std::slice::from_ref(&session))
        }
        Command::Session(SessionCommand::Stop { session }) => {
            let body = types::StopAction { stop: None };
            call!(
                api.stop_restore_session()
                    .restore_session_id(*session)
                    .body(body)
            );
            ctx.out.show_text(
                &json!({ "session": session, "state": "Stopped" }),
                &format!("stopped session {session}"),
            )
        }
        Command::Mailbox(MailboxCommand::List { session }) => {
            let mailboxes = client.all_mailboxes(*session).await.map_err(fail)?;
            let rows = mailboxes
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        opt(&m.name),
                        opt(&m.email),
                        opt(&m.is_archive),
                    ]
                })
                .collect();
            ctx.out
                .show(&mailboxes, &["ID", "NAME", "EMAIL", "ARCHIVE"], rows)
        }
        Command::Folder(FolderCommand::List { mailbox, parent }) => {
            let folders = client
                .all_folders(mailbox.session, mailbox.mailbox_id, parent.as_deref())
                .await
                .map_err(fail)?;
            let rows = folders
                .iter()
                .map(|f| vec![f.id.clone(), opt(&f.name)])
                .collect();
            ctx.out.show(&folders, &["ID", "NAME"], rows)
        }
        Command::Item(ItemCommand::List { mailbox, folder }) => {
            let items = client
                .all_items(mailbox.session, mailbox.mailbox_id, folder.as_deref())
                .await
                .map_err(fail)?;
            items_table(ctx, &items, &items)
        }
        Command::Item(ItemCommand::Show { item }) => {
            let found = call!(
                api.get_mailbox_item()
                    .restore_session_id(item.mailbox.session)
                    .mailbox_id(item.mailbox.mailbox_id)
                    .item_id(item.item.as_str())
            );
            items_table(ctx, &found, std::slice::from_ref(&found))
        }
        Command::Vex(VexCommand::Show) => {
            let settings = call!(api.get_vex_email_settings());
            let rows = vec![vec![
                opt(&settings.enable_notification),
                opt(&settings.server),
                opt(&settings.port),
                opt(&settings.use_ssl),
                opt(&settings.user_name),
                opt(&settings.from),
            ]];
            ctx.out.show(
                &settings,
                &["ENABLED", "SERVER", "PORT", "SSL", "USER", "FROM"],
                rows,
            )
        }
        Command::DeviceCode(args) => {
            use types::RestoreDeviceCodeRequestTargetRegion as R;
            let body = types::RestoreDeviceCodeRequest {
                target_application_id: args.app_id,
                target_organization_name: args.org_name.clone(),
                target_region: args.region.map(|r| match r {
                    Region::Worldwide => R::Worldwide,
                    Region::Germany => R::Germany,
                    Region::China => R::China,
                    Region::UsDefence => R::UsDefence,
                    Region::UsGovernment => R::UsGovernment,
                }),
            };
            let code = call!(
                api.get_restore_device_code()
                    .restore_session_id(args.session)
                    .body(body)
            );
            let text = code.message.clone().unwrap_or_else(|| {
                format!(
                    "enter {} at {}",
                    code.user_code,
                    opt(&code.verification_url)
                )
            });
            ctx.out.show_text(&code, &text)
        }
        Command::Login { .. }
        | Command::Bulk(_)
        | Command::Vex(VexCommand::Set(_))
        | Command::Item(
            ItemCommand::ExportPst { .. }
            | ItemCommand::SaveMsg { .. }
            | ItemCommand::Restore { .. }
            | ItemCommand::RestoreTo { .. }
            | ItemCommand::Send { .. }
            | ItemCommand::SendTo { .. },
        ) => Err(Failure::internal("this command has its own plan")),
        #[cfg(feature = "sim")]
        Command::Sim(_) | Command::Demo(_) => Err(Failure::internal("handled before connecting")),
        Command::Completions { .. } | Command::Man { .. } => {
            Err(Failure::internal("handled before connecting"))
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
                opt(&s
                    .creation_time
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())),
            ]
        })
        .collect();
    ctx.out.show(
        json,
        &["ID", "NAME", "TYPE", "STATE", "RESULT", "CREATED"],
        rows,
    )
}

/// Prints `json` as JSON, or `items` as a table.
fn items_table(
    ctx: &Ctx,
    json: &impl serde::Serialize,
    items: &[types::MailboxItem],
) -> Result<(), Failure> {
    let rows = items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                opt(&i.item_class),
                opt(&i.subject),
                opt(&i.from),
                opt(&i.received.map(|t| t.format("%Y-%m-%d %H:%M").to_string())),
            ]
        })
        .collect();
    ctx.out
        .show(json, &["ID", "CLASS", "SUBJECT", "FROM", "RECEIVED"], rows)
}
