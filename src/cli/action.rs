//! The six actions on one item, and three on a whole mailbox or folder: each is built and checked in full (credentials, files, the
//! destination) before `vbo` logs in, so that exit code 2 means nothing was sent; then it is
//! sent once, and a lost answer to a restore or send says that it may have run.

use serde_json::json;
use vbo365::{
    Action, ActionKind, ActionOutcome, Credentials, Destination, Error, FileKind, RestoreExtras,
};

use super::args::*;
use super::failure::{self, Doing, Failure};
use super::output::human_bytes;
use super::run::Ctx;
use super::{progress, secrets};

/// An action ready to send.
pub struct Prepared {
    pub action: Action,
    /// Where a file goes, for the actions that return one.
    pub destination: Option<Destination>,
    pub doing: Doing,
    /// For the actions that change data: how to find out whether the action ran, when no
    /// answer says so.
    pub check: Option<String>,
}

impl Prepared {
    /// The failure for an error of this action.
    pub fn fail(&self, ctx: &Ctx, error: &Error) -> Failure {
        match &self.check {
            Some(check) if failure::state_unknown(error) => {
                failure::may_have_run(error, what(self.action.kind()), check)
            }
            _ => ctx.fail(error, self.doing),
        }
    }
}

/// What an action is, in the error line.
pub fn what(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::RestoreToOriginalLocation | ActionKind::RestoreTo => "restore",
        ActionKind::SendToDefaultAddress | ActionKind::SendToDifferentAddress => "send",
        ActionKind::ExportToPst => "export",
        ActionKind::SaveToMsg => "save",
    }
}

/// How to check whether a data-changing action ran on the items (`many`) or item of `mailbox`.
pub fn check_hint<S: Scope>(
    action: &ActionCommand<S>,
    mailbox: &MailboxRef,
    many: bool,
) -> Option<String> {
    let (items, owner, messages) = if many {
        ("items", "items'", "messages")
    } else {
        ("item", "item's", "message")
    };
    let list = format!(
        "`vbo item list --session {} --mailbox-id {}` lists the backup's items to compare",
        mailbox.session, mailbox.mailbox_id
    );
    let outbox = "and the outbox of the SMTP server in `vbo vex show`";
    match action {
        ActionCommand::Restore { .. } => Some(format!(
            "check the original mailbox in Exchange for the restored {items} ({list})"
        )),
        ActionCommand::RestoreTo { args, .. } => Some(format!(
            "check the mailbox {} in Exchange for the restored {items} ({list})",
            args.mailbox
        )),
        ActionCommand::Send { .. } => Some(format!(
            "check the {owner} own mailbox for the {messages}, {outbox}"
        )),
        ActionCommand::SendTo { args, .. } => Some(format!(
            "check the mailbox of {} for the {messages}, {outbox}",
            args.to
        )),
        ActionCommand::ExportPst { .. } | ActionCommand::SaveMsg { .. } => None,
    }
}

/// Builds and checks an action, its file's destination included, before anything is sent:
/// for one item (`vbo item`) or for each (`vbo bulk`, `many`).
pub fn prepare<S: Scope>(
    action: &ActionCommand<S>,
    mailbox: &MailboxRef,
    many: bool,
) -> Result<Prepared, Failure> {
    let destination = action.save().map(SaveTo::destination);
    if let Some(destination) = &destination {
        check_destination(destination)?;
    }
    let doing = match action {
        ActionCommand::ExportPst { .. } => Doing::Export,
        _ => Doing::Other,
    };
    Ok(Prepared {
        action: build(action)?,
        destination,
        doing,
        check: check_hint(action, mailbox, many),
    })
}

/// Checks that a destination can take the file, as a usage error on `--to`.
pub fn check_destination(destination: &Destination) -> Result<(), Failure> {
    destination.check().map_err(|e| match e.field() {
        Some("to") if e.rule().is_some_and(|r| r.contains("already exists")) => {
            Failure::flag("--to", &e).with_hint("pass --force to replace it; nothing was sent")
        }
        Some("to") => Failure::flag("--to", &e),
        _ => Failure::from(e),
    })
}

/// The one conversion of the command line's actions to [`Action`].
pub fn build<S: Scope>(action: &ActionCommand<S>) -> Result<Action, Failure> {
    let invalid = |e: Error| failure::from_error(&e, Doing::Other, false);
    match action {
        ActionCommand::ExportPst { split_at, .. } => match split_at {
            Some(limit) => Action::export_to_pst_split(*limit).map_err(invalid),
            None => Ok(Action::export_to_pst()),
        },
        ActionCommand::SaveMsg { .. } => Ok(Action::save_to_msg()),
        ActionCommand::Restore { credentials, .. } => {
            Action::restore_to_original(read_credentials(credentials)?)
                .and_then(|action| {
                    action.with_restore_extras(RestoreExtras {
                        impersonation_account_name: credentials.impersonate.clone(),
                        ..RestoreExtras::default()
                    })
                })
                .map_err(invalid)
        }
        ActionCommand::RestoreTo { args, .. } => {
            // Check the address before asking for a password that would be wasted.
            vbo365::check::email(
                &format!("{}.mailbox", ActionKind::RestoreTo.wire_name()),
                &args.mailbox,
            )
            .map_err(invalid)?;
            let credentials = read_credentials(&args.credentials)?;
            Action::restore_to(args.mailbox.clone(), credentials, args.options.clone())
                .and_then(|action| {
                    action.with_restore_extras(RestoreExtras {
                        impersonation_account_name: args.credentials.impersonate.clone(),
                        office_region: args.office_region,
                        office_organization_name: args.office_org.clone(),
                    })
                })
                .map_err(invalid)
        }
        ActionCommand::Send { .. } => Ok(Action::send_to_default_address()),
        ActionCommand::SendTo { args, .. } => match &args.from {
            Some(from) => Action::send_to_different_address(
                from.clone(),
                args.to.clone(),
                args.subject.clone(),
                args.text.clone(),
            ),
            None => Action::send_with_vex_sender(
                args.to.clone(),
                args.subject.clone(),
                args.text.clone(),
            ),
        }
        .map_err(invalid),
    }
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

pub fn kind_name(kind: FileKind) -> &'static str {
    kind.extension()
}

/// What an action was sent for, as its output names it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The output's key: `item` or `mailbox`.
    pub key: &'static str,
    /// The item's or mailbox's id, which also names a file saved into a directory.
    pub id: &'a str,
}

/// Sends the prepared action once to one item and prints its outcome.
pub async fn run(ctx: &Ctx, item: &ItemRef, prepared: &Prepared) -> Result<(), Failure> {
    let send = ctx.client.perform_action(
        item.mailbox.session,
        item.mailbox.mailbox_id,
        &item.item,
        &prepared.action,
    );
    let target = Target {
        key: "item",
        id: &item.item,
    };
    finish(ctx, target, prepared, send).await
}

/// Sends the prepared action once to a whole mailbox and prints its outcome.
pub async fn run_on_mailbox(
    ctx: &Ctx,
    mailbox: &MailboxRef,
    prepared: &Prepared,
) -> Result<(), Failure> {
    let send =
        ctx.client
            .perform_action_on_mailbox(mailbox.session, mailbox.mailbox_id, &prepared.action);
    let id = mailbox.mailbox_id.to_string();
    let target = Target {
        key: "mailbox",
        id: &id,
    };
    finish(ctx, target, prepared, send).await
}

/// Sends the prepared action once to a folder and its subfolders and prints its outcome.
pub async fn run_on_folder(
    ctx: &Ctx,
    folder: &FolderRef,
    prepared: &Prepared,
) -> Result<(), Failure> {
    let send = ctx.client.perform_action_on_folder(
        folder.mailbox.session,
        folder.mailbox.mailbox_id,
        &folder.folder_id,
        &prepared.action,
    );
    let target = Target {
        key: "folder",
        id: &folder.folder_id,
    };
    finish(ctx, target, prepared, send).await
}

/// Awaits `send`, the one request of the prepared action, saves or prints its outcome.
pub async fn finish(
    ctx: &Ctx,
    target: Target<'_>,
    prepared: &Prepared,
    send: impl std::future::Future<Output = Result<ActionOutcome, Error>>,
) -> Result<(), Failure> {
    let wire = prepared.action.kind().wire_name();
    let fail = |e: Error| prepared.fail(ctx, &e);
    let (key, id) = (target.key, target.id);
    let work = async {
        let outcome = send.await.map_err(fail)?;
        match (outcome, &prepared.destination) {
            (ActionOutcome::File(file), Some(destination)) => {
                let bar = progress::download(!ctx.out.quiet, wire);
                let saved = file
                    .save(destination, id, |p| progress::update(&bar, p))
                    .await
                    .map_err(fail)?;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                ctx.out.show_text(
                    &json!({
                        key: id, "action": wire, "result": "saved",
                        "file": { "path": saved.path, "kind": kind_name(saved.kind), "bytes": saved.bytes },
                    }),
                    &format!("saved {} ({}, {})", saved.path.display(), kind_name(saved.kind), human_bytes(saved.bytes)),
                )
            }
            (ActionOutcome::Restored(restored), _) => {
                let result = if restored.is_complete() {
                    "restored"
                } else {
                    "incomplete"
                };
                ctx.out.show_text(
                    &json!({ key: id, "action": wire, "result": result, "statistics": statistics_json(&restored) }),
                    &format!("{result}: {}", statistics_text(&restored)),
                )?;
                match incomplete(&restored) {
                    Some(failure) => Err(failure),
                    None => Ok(()),
                }
            }
            (ActionOutcome::Sent(_), _) => ctx.out.show_text(
                &json!({ key: id, "action": wire, "result": "sent" }),
                "sent",
            ),
            (ActionOutcome::File(file), None) => Err(Failure::internal(format!(
                "the server answered {wire} with a {} file, which this action does not return",
                kind_name(file.kind())
            ))),
        }
    };
    ctx.interruptible(work, prepared.check.as_deref()).await
}

/// A restore that ran with failed items is not a success: it exits with its own code.
fn incomplete(restored: &vbo365::Restored) -> Option<Failure> {
    let failed = restored.failed_items();
    let why = if let Some(reason) = restored.cannot_continue() {
        format!("the restore stopped before its end (cannotContinueError: {reason})")
    } else if failed > 0 {
        format!("{failed} item(s) could not be restored (failedItemsCount)")
    } else if !restored.exceptions().is_empty() {
        format!(
            "{} item error(s) (exceptions): {}",
            restored.exceptions().len(),
            restored.exceptions().join("; ")
        )
    } else {
        return None;
    };
    Some(Failure {
        message: format!("{}: {why}", restored.action().wire_name()),
        hint: Some(
            "the restore ran for the other items; see the server's restore session log for why"
                .into(),
        ),
        code: super::failure::code::INCOMPLETE,
    })
}

/// The counts, then each warning and item error on a line of its own.
pub fn statistics_text(restored: &vbo365::Restored) -> String {
    let stats = restored.statistics();
    let n = |v: Option<i64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    let mut text = match restored.restored_count() {
        // v8 counts restored items without telling created from merged.
        Some(count) => format!(
            "restored {count}, skipped {}, failed {}",
            n(stats.skipped_items_count),
            n(stats.failed_items_count)
        ),
        None => format!(
            "created {}, merged {}, skipped {}, failed {}",
            n(stats.created_items_count),
            n(stats.merged_items_count),
            n(stats.skipped_items_count),
            n(stats.failed_items_count)
        ),
    };
    let lines = [
        ("warning", stats.warnings.as_deref().unwrap_or_default()),
        ("error", stats.exceptions.as_deref().unwrap_or_default()),
        ("error", restored.errors()),
    ];
    for (label, list) in lines {
        for line in list {
            text.push_str(&format!("\n  {label}: {line}"));
        }
    }
    if let Some(reason) = &stats.cannot_continue_error {
        text.push_str(&format!("\n  stopped: {reason}"));
    }
    text
}

/// The statistics as JSON: v4's shape, with v8's `restoredItemsCount` and `errors` where
/// the server sent them.
pub fn statistics_json(restored: &vbo365::Restored) -> serde_json::Value {
    let mut value = serde_json::to_value(restored.statistics()).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        if let Some(count) = restored.restored_count() {
            object.insert("restoredItemsCount".into(), count.into());
        }
        if !restored.errors().is_empty() {
            object.insert("errors".into(), restored.errors().into());
        }
    }
    value
}
