//! Browsing a backup: `vbo org list|show`, `vbo mailbox list|show`, `vbo folder list|show`,
//! `vbo item list|show`. Lists come in full, every page.

use vbo365::types;

use super::args::{FolderCommand, ItemCommand, MailboxCommand, OrgCommand};
use super::failure::{Doing, Failure};
use super::output::{minutes, opt};
use super::run::Ctx;

/// `vbo org list`.
pub async fn org(ctx: &Ctx, command: &OrgCommand) -> Result<(), Failure> {
    match command {
        OrgCommand::List => {
            let orgs = ctx.call(ctx.client.organizations()).await?;
            let rows = orgs
                .iter()
                .map(|o| {
                    vec![
                        o.id.to_string(),
                        o.name.clone(),
                        opt(&o.type_),
                        opt(&o.last_backuptime),
                    ]
                })
                .collect();
            ctx.out
                .show(&orgs, &["ID", "NAME", "TYPE", "LAST BACKUP"], rows)
        }
        OrgCommand::Show { id } => {
            let org = ctx.call(ctx.client.organization(*id)).await?;
            let rows = vec![vec![
                org.id.to_string(),
                org.name.clone(),
                opt(&org.type_),
                opt(&org.first_backuptime),
                opt(&org.last_backuptime),
            ]];
            let headers = ["ID", "NAME", "TYPE", "FIRST BACKUP", "LAST BACKUP"];
            ctx.out.show(&org, &headers, rows)
        }
    }
}

/// `vbo mailbox list`.
pub async fn mailbox(ctx: &Ctx, command: &MailboxCommand) -> Result<(), Failure> {
    match command {
        MailboxCommand::List { session } => {
            let mailboxes = ctx
                .client
                .all_mailboxes(*session)
                .await
                .map_err(|e| ctx.fail(&e, Doing::Other))?;
            let rows = mailboxes.iter().map(mailbox_row).collect();
            ctx.out
                .show(&mailboxes, &["ID", "NAME", "EMAIL", "ARCHIVE"], rows)
        }
        MailboxCommand::Show { mailbox } => {
            let one = ctx
                .call(ctx.client.mailbox(mailbox.session, mailbox.mailbox_id))
                .await?;
            let rows = vec![mailbox_row(&one)];
            ctx.out
                .show(&one, &["ID", "NAME", "EMAIL", "ARCHIVE"], rows)
        }
        MailboxCommand::Action(_) => Err(Failure::internal("this command has its own plan")),
    }
}

fn mailbox_row(m: &types::Mailbox) -> Vec<String> {
    vec![
        m.id.to_string(),
        opt(&m.name),
        opt(&m.email),
        opt(&m.is_archive),
    ]
}

/// `vbo folder list`.
pub async fn folder(ctx: &Ctx, command: &FolderCommand) -> Result<(), Failure> {
    match command {
        FolderCommand::List { mailbox, parent } => {
            let folders = ctx
                .client
                .all_folders(mailbox.session, mailbox.mailbox_id, parent.as_deref())
                .await
                .map_err(|e| ctx.fail(&e, Doing::Other))?;
            let rows = folders
                .iter()
                .map(|f| vec![f.id.clone(), opt(&f.name)])
                .collect();
            ctx.out.show(&folders, &["ID", "NAME"], rows)
        }
        FolderCommand::Show { folder } => {
            let one = ctx
                .call(ctx.client.mailbox_folder(
                    folder.mailbox.session,
                    folder.mailbox.mailbox_id,
                    &folder.folder_id,
                ))
                .await?;
            let rows = vec![vec![one.id.clone(), opt(&one.name)]];
            ctx.out.show(&one, &["ID", "NAME"], rows)
        }
        FolderCommand::Action(_) => Err(Failure::internal("this command has its own plan")),
    }
}

/// `vbo item list` and `vbo item show`; the actions have their own plan.
pub async fn item(ctx: &Ctx, command: &ItemCommand) -> Result<(), Failure> {
    match command {
        ItemCommand::List { mailbox, folder } => {
            let items = ctx
                .client
                .all_items(mailbox.session, mailbox.mailbox_id, folder.as_deref())
                .await
                .map_err(|e| ctx.fail(&e, Doing::Other))?;
            items_table(ctx, &items, &items)
        }
        ItemCommand::Show { item } => {
            let request =
                ctx.client
                    .mailbox_item(item.mailbox.session, item.mailbox.mailbox_id, &item.item);
            let found = ctx.call(request).await?;
            items_table(ctx, &found, std::slice::from_ref(&found))
        }
        ItemCommand::Action(_) => Err(Failure::internal("this command has its own plan")),
    }
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
                opt(&i.received.as_ref().map(minutes)),
            ]
        })
        .collect();
    ctx.out
        .show(json, &["ID", "CLASS", "SUBJECT", "FROM", "RECEIVED"], rows)
}
