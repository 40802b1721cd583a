//! The commands: each connects, logs in, calls the client and prints the result.

use std::future::Future;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use vbo365::types;
use vbo365::{
    Action, ActionOutcome, BulkOptions, BulkOutcome, Client, Credentials, Destination, Error,
    FileKind, RestoreOptions, SecretString,
};

use super::args::*;
use super::failure::{self, Doing, Failure, code};
use super::output::{Output, human_bytes, opt};
use super::{progress, secrets};

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
        _ => {}
    }
    let client = connect(global)?;
    let ctx = Ctx {
        client,
        out,
        with_token_file: global.token_file.is_some(),
    };
    match &cli.command {
        Command::Login { save_token } => login(&ctx, global, save_token.as_deref()).await,
        command => {
            authenticate(&ctx, global).await?;
            dispatch(&ctx, global, command).await
        }
    }
}

struct Ctx {
    client: Client,
    out: Output,
    with_token_file: bool,
}

impl Ctx {
    fn fail(&self, error: &Error, doing: Doing) -> Failure {
        failure::from_error(error, doing, self.with_token_file)
    }

    /// Awaits `work`, or stops at Ctrl-C. Dropping the work removes its temporary file, so
    /// nothing partial is left under a final name.
    async fn interruptible<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        tokio::select! {
            result = work => result,
            _ = tokio::signal::ctrl_c() => Err(Failure::interrupted()),
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
    builder
        .build()
        .map_err(|e| failure::from_error(&e, Doing::Other, false))
}

/// A token saved by `vbo login --save-token`.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedToken {
    server: String,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: chrono::DateTime<chrono::Utc>,
}

async fn authenticate(ctx: &Ctx, global: &Global) -> Result<(), Failure> {
    if let Some(path) = &global.token_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the token file {}: {e}",
                path.display()
            ))
        })?;
        let saved: SavedToken = serde_json::from_str(&text).map_err(|e| {
            Failure::usage(format!(
                "{} is not a token file of `vbo login`: {e}",
                path.display()
            ))
        })?;
        if saved.server.trim_end_matches('/') != ctx.client.base_url() {
            return Err(Failure::usage(format!(
                "the token file {} is for {}, not {}",
                path.display(),
                saved.server,
                ctx.client.base_url()
            )));
        }
        let left = (saved.expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        ctx.client.resume(
            saved.access_token,
            saved.refresh_token.map(SecretString::new),
            left,
        );
        return Ok(());
    }
    let (user, password) = account(global, " (or use --token-file)")?;
    ctx.client
        .login(user, password)
        .await
        .map(drop)
        .map_err(|e| ctx.fail(&e, Doing::Login))
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
    if global.token_file.is_some() {
        return Err(Failure::usage("`login` takes a password, not --token-file"));
    }
    let (user, password) = account(global, "")?;
    let token = ctx
        .client
        .login(user, password)
        .await
        .map_err(|e| ctx.fail(&e, Doing::Login))?;
    // `expires_in` is the server's: clamped, so that a huge or negative one cannot panic here.
    let now = chrono::Utc::now();
    let expires_at = chrono::TimeDelta::from_std(vbo365::token_lifetime(token.expires_in))
        .ok()
        .and_then(|left| now.checked_add_signed(left))
        .unwrap_or(now);
    if let Some(path) = save {
        let saved = SavedToken {
            server: ctx.client.base_url().to_string(),
            access_token: token.access_token.expose().to_string(),
            refresh_token: token.refresh_token.as_ref().map(|t| t.expose().to_string()),
            expires_at,
        };
        write_private(
            path,
            &serde_json::to_vec_pretty(&saved).expect("plain data serializes"),
        )?;
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

/// Writes a file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| Failure::internal(format!("cannot write {}: {e}", path.display())))
}

async fn dispatch(ctx: &Ctx, global: &Global, command: &Command) -> Result<(), Failure> {
    let client = &ctx.client;
    let api = client.api();
    let fail = |e: Error| ctx.fail(&e, Doing::Other);
    macro_rules! call {
        ($op:literal, $request:expr) => {
            match $request.send().await {
                Ok(value) => value.into_inner(),
                Err(error) => return Err(fail(Error::from_generated(error, $op).await)),
            }
        };
    }
    match command {
        Command::Org(OrgCommand::List) => {
            let orgs = call!("list_organizations", api.list_organizations());
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
            let session = call!(
                "get_restore_session",
                api.get_restore_session().restore_session_id(*session)
            );
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
            let session = call!(
                "explore_organization",
                api.explore_organization().organization_id(*org).body(body)
            );
            sessions_table(ctx, &session, std::slice::from_ref(&session))
        }
        Command::Session(SessionCommand::Stop { session }) => {
            let body = types::StopAction { stop: None };
            call!(
                "stop_restore_session",
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
                "get_mailbox_item",
                api.get_mailbox_item()
                    .restore_session_id(item.mailbox.session)
                    .mailbox_id(item.mailbox.mailbox_id)
                    .item_id(item.item.as_str())
            );
            items_table(ctx, &found, std::slice::from_ref(&found))
        }
        Command::Item(ItemCommand::ExportPst { item, args }) => {
            let action = export_action(args.split_at).map_err(&fail)?;
            one_action(ctx, item, &action, Some(&args.save), Doing::Export).await
        }
        Command::Item(ItemCommand::SaveMsg { item, args }) => {
            one_action(ctx, item, &Action::save_to_msg(), Some(args), Doing::Other).await
        }
        Command::Item(ItemCommand::Restore { item, credentials }) => {
            let action =
                Action::restore_to_original(read_credentials(credentials)?).map_err(&fail)?;
            one_action(ctx, item, &action, None, Doing::Other).await
        }
        Command::Item(ItemCommand::RestoreTo { item, args }) => {
            let action = restore_to_action(args).map_err(|f| f.or_else(fail))?;
            one_action(ctx, item, &action, None, Doing::Other).await
        }
        Command::Item(ItemCommand::Send { item }) => {
            one_action(
                ctx,
                item,
                &Action::send_to_default_address(),
                None,
                Doing::Other,
            )
            .await
        }
        Command::Item(ItemCommand::SendTo { item, args }) => {
            let action = send_to_action(args).map_err(&fail)?;
            one_action(ctx, item, &action, None, Doing::Other).await
        }
        Command::Bulk(args) => bulk(ctx, global, args).await,
        Command::Vex(VexCommand::Show) => {
            let settings = call!("get_vex_email_settings", api.get_vex_email_settings());
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
        Command::Vex(VexCommand::Set(args)) => {
            let password = match &args.smtp_user {
                Some(_) => Some(secrets::read("VBO_SMTP_PASSWORD", None, "SMTP password: ")?),
                None => None,
            };
            let server =
                match &args.smtp_server {
                    Some(server) => Some(server.as_str().try_into().map_err(|_| {
                        Failure::usage("invalid `--smtp-server`: must not be empty")
                    })?),
                    None => None,
                };
            if let Some(from) = &args.from {
                vbo365::validate::email("from", from).map_err(&fail)?;
            }
            let body = types::VexEmailSettingsUpdate {
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
            };
            call!(
                "put_vex_email_settings",
                api.put_vex_email_settings().body(body)
            );
            ctx.out
                .show_text(&json!({ "updated": true }), "VEX email settings updated")
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
                "get_restore_device_code",
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
        Command::Login { .. } => unreachable!("handled before logging in"),
        #[cfg(feature = "sim")]
        Command::Sim(_) | Command::Demo(_) => unreachable!("handled before connecting"),
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

fn export_action(split_at: Option<u64>) -> Result<Action, Error> {
    match split_at {
        Some(limit) => Action::export_to_pst_split(limit),
        None => Ok(Action::export_to_pst()),
    }
}

fn send_to_action(args: &SendToArgs) -> Result<Action, Error> {
    Action::send_to_different_address(
        args.from.clone(),
        args.to.clone(),
        args.subject.clone(),
        args.text.clone(),
    )
}

/// A failure before sending that is either ours (reading a secret) or the client's.
enum Before {
    Failure(Failure),
    Error(Error),
}

impl Before {
    fn or_else(self, convert: impl Fn(Error) -> Failure) -> Failure {
        match self {
            Self::Failure(failure) => failure,
            Self::Error(error) => convert(error),
        }
    }
}

fn restore_to_action(args: &RestoreToArgs) -> Result<Action, Before> {
    let options = RestoreOptions {
        cas_server: args.cas_server.clone(),
        folder: args.folder.clone(),
        changed_items: !args.skip_changed_items,
        deleted_items: !args.skip_deleted_items,
        mark_restored_as_unread: args.mark_unread,
        exclude_drafts: args.exclude_drafts,
        exclude_deleted_items: args.exclude_deleted_items,
        exclude_in_place_hold_items: !args.include_in_place_hold,
        exclude_litigation_hold_items: !args.include_litigation_hold,
    };
    // Check the address before asking for a password that would be wasted.
    vbo365::validate::email("restoreTo.mailbox", &args.mailbox).map_err(Before::Error)?;
    let credentials = read_credentials(&args.credentials).map_err(Before::Failure)?;
    Action::restore_to(args.mailbox.clone(), credentials, options).map_err(Before::Error)
}

fn read_credentials(args: &CredentialArgs) -> Result<Credentials, Failure> {
    if let Some(user) = &args.exchange_user {
        let password = secrets::read(
            "VBO_EXCHANGE_PASSWORD",
            None,
            &format!("Exchange password of {user}: "),
        )?;
        return Ok(Credentials::user_password(user.clone(), password));
    }
    if let Some(code) = &args.device_code {
        return Ok(Credentials::device_code(code.clone()));
    }
    if let (Some(app), Some(pfx)) = (args.app_id, &args.app_cert) {
        let bytes = std::fs::read(pfx).map_err(|e| {
            Failure::usage(format!(
                "invalid `--app-cert`: cannot read {}: {e}",
                pfx.display()
            ))
        })?;
        if bytes.is_empty() {
            return Err(Failure::usage(format!(
                "invalid `--app-cert`: {} is empty",
                pfx.display()
            )));
        }
        let password = secrets::read("VBO_APP_CERT_PASSWORD", None, "Password of the PFX file: ")?;
        return Ok(Credentials::application_certificate(app, &bytes, password));
    }
    Err(Failure::usage("no credentials for the restore")
        .with_hint("pass --exchange-user, --device-code or --app-id with --app-cert"))
}

fn destination(args: &SaveArgs) -> Destination {
    if args.to.is_dir() {
        Destination::Directory(args.to.clone())
    } else {
        Destination::File {
            path: args.to.clone(),
            overwrite: args.force,
        }
    }
}

fn kind_name(kind: FileKind) -> &'static str {
    kind.extension()
}

async fn one_action(
    ctx: &Ctx,
    item: &ItemRef,
    action: &Action,
    save: Option<&SaveArgs>,
    doing: Doing,
) -> Result<(), Failure> {
    let destination = save.map(destination);
    if let Some(destination) = &destination {
        destination.check().map_err(|e| ctx.fail(&e, doing))?;
    }
    let wire = action.kind().wire_name();
    let work = async {
        let outcome = ctx
            .client
            .perform_action(
                item.mailbox.session,
                item.mailbox.mailbox_id,
                &item.item,
                action,
            )
            .await
            .map_err(|e| ctx.fail(&e, doing))?;
        match (outcome, &destination) {
            (ActionOutcome::File(file), Some(destination)) => {
                let bar = progress::download(!ctx.out.quiet, wire);
                let saved = file
                    .save(destination, &item.item, |p| progress::update(&bar, p))
                    .await
                    .map_err(|e| ctx.fail(&e, doing))?;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                ctx.out.show_text(
                    &json!({
                        "item": item.item, "action": wire, "result": "saved",
                        "file": { "path": saved.path, "kind": kind_name(saved.kind), "bytes": saved.bytes },
                    }),
                    &format!("saved {} ({}, {})", saved.path.display(), kind_name(saved.kind), human_bytes(saved.bytes)),
                )
            }
            (ActionOutcome::Restored(restored), _) => {
                let stats = restored.statistics();
                let result = if restored.is_complete() {
                    "restored"
                } else {
                    "incomplete"
                };
                ctx.out.show_text(
                    &json!({ "item": item.item, "action": wire, "result": result, "statistics": stats }),
                    &format!("{result}: {}", statistics_text(stats)),
                )?;
                match incomplete(&restored) {
                    Some(failure) => Err(failure),
                    None => Ok(()),
                }
            }
            (ActionOutcome::Sent(_), _) => ctx.out.show_text(
                &json!({ "item": item.item, "action": wire, "result": "sent" }),
                "sent",
            ),
            (ActionOutcome::File(file), None) => Err(Failure::internal(format!(
                "the server answered {wire} with a {} file, which this action does not return",
                kind_name(file.kind())
            ))),
        }
    };
    ctx.interruptible(work).await
}

/// A restore that ran with failed items is not a success: it exits with its own code.
fn incomplete(restored: &vbo365::Restored) -> Option<Failure> {
    let failed = restored.failed_items();
    (failed > 0).then(|| Failure {
        message: format!(
            "{}: {failed} item(s) could not be restored (failedItemsCount)",
            restored.action().wire_name()
        ),
        hint: Some(
            "the restore ran for the other items; see the server's restore session log for why"
                .into(),
        ),
        code: code::INCOMPLETE,
    })
}

pub fn statistics_text(stats: &types::RestoreStatistics) -> String {
    let n = |v: Option<i64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    format!(
        "created {}, merged {}, skipped {}, failed {}",
        n(stats.created_items_count),
        n(stats.merged_items_count),
        n(stats.skipped_items_count),
        n(stats.failed_items_count)
    )
}

fn read_ids(path: &Path, password_stdin: bool) -> Result<Vec<String>, Failure> {
    let text = if path == Path::new("-") {
        if password_stdin {
            return Err(Failure::usage(
                "--ids - and --password-stdin both want standard input; use one",
            ));
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(format!("cannot read item ids from standard input: {e}"))
        })?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("cannot read item ids from {}: {e}", path.display()))
        })?
    };
    let ids: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(Failure::usage(format!("no item ids in {}", path.display())));
    }
    Ok(ids)
}

async fn bulk(ctx: &Ctx, global: &Global, args: &BulkArgs) -> Result<(), Failure> {
    let fail = |e: Error| ctx.fail(&e, Doing::Other);
    let ids = read_ids(&args.ids, global.password_stdin)?;
    let (action, directory): (Action, Option<PathBuf>) = match &args.action {
        BulkAction::ExportPst { to, split_at } => {
            (export_action(*split_at).map_err(fail)?, Some(to.clone()))
        }
        BulkAction::SaveMsg { to } => (Action::save_to_msg(), Some(to.clone())),
        BulkAction::Restore { credentials } => (
            Action::restore_to_original(read_credentials(credentials)?).map_err(fail)?,
            None,
        ),
        BulkAction::RestoreTo { args } => {
            (restore_to_action(args).map_err(|f| f.or_else(fail))?, None)
        }
        BulkAction::Send => (Action::send_to_default_address(), None),
        BulkAction::SendTo { args } => (send_to_action(args).map_err(fail)?, None),
    };
    let doing = if matches!(args.action, BulkAction::ExportPst { .. }) {
        Doing::Export
    } else {
        Doing::Other
    };
    let options = BulkOptions {
        concurrency: usize::from(args.concurrency),
        directory,
    };
    let bar = progress::items(!ctx.out.quiet, ids.len());
    let work = async {
        ctx.client
            .perform_bulk(
                args.mailbox.session,
                args.mailbox.mailbox_id,
                ids,
                &action,
                &options,
                |_| {
                    if let Some(bar) = &bar {
                        bar.inc(1);
                    }
                },
            )
            .await
            .map_err(|e| ctx.fail(&e, doing))
    };
    let results = ctx.interruptible(work).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut worst = 0u8;
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for item in &results {
        match &item.result {
            Ok(BulkOutcome::Restored(restored)) if !restored.is_complete() => {
                let failure =
                    incomplete(restored).unwrap_or_else(|| Failure::internal("incomplete"));
                worst = worst.max(failure.code);
                let stats = restored.statistics();
                items.push(json!({ "item": item.item_id, "ok": false, "result": "incomplete", "statistics": stats, "error": failure.message, "exit_code": failure.code }));
                rows.push(vec![
                    item.item_id.clone(),
                    "INCOMPLETE".into(),
                    statistics_text(stats),
                ]);
            }
            Ok(outcome) => {
                let (result, detail, extra) = match outcome {
                    BulkOutcome::Saved(file) => (
                        "saved",
                        format!("{} ({})", file.path.display(), human_bytes(file.bytes)),
                        json!({ "file": { "path": file.path, "kind": kind_name(file.kind), "bytes": file.bytes } }),
                    ),
                    BulkOutcome::Restored(restored) => (
                        "restored",
                        statistics_text(restored.statistics()),
                        json!({ "statistics": restored.statistics() }),
                    ),
                    BulkOutcome::Sent(_) => ("sent", String::new(), json!({})),
                };
                let mut entry = json!({ "item": item.item_id, "ok": true, "result": result });
                if let (Some(entry), Some(extra)) = (entry.as_object_mut(), extra.as_object()) {
                    entry.extend(extra.clone());
                }
                items.push(entry);
                rows.push(vec![item.item_id.clone(), result.to_string(), detail]);
            }
            Err(error) => {
                let failure = ctx.fail(error, doing);
                worst = worst.max(failure.code);
                items.push(json!({ "item": item.item_id, "ok": false, "error": error.report().to_string(), "exit_code": failure.code }));
                rows.push(vec![
                    item.item_id.clone(),
                    "FAILED".into(),
                    error.report().to_string(),
                ]);
            }
        }
    }
    let failed = results
        .iter()
        .filter(|r| match &r.result {
            Ok(BulkOutcome::Restored(restored)) => !restored.is_complete(),
            Ok(_) => false,
            Err(_) => true,
        })
        .count();
    let summary = json!({ "succeeded": results.len() - failed, "failed": failed, "items": items });
    ctx.out
        .show(&summary, &["ITEM", "RESULT", "DETAIL"], rows)?;
    ctx.out.note(&format!(
        "{} succeeded, {failed} failed",
        results.len() - failed
    ));
    if failed > 0 {
        return Err(Failure {
            message: format!("{failed} of {} items failed", results.len()),
            hint: Some("the table above shows each item's error".into()),
            code: worst.max(code::REJECTED),
        });
    }
    Ok(())
}
