//! Mailboxes, their folders and their items, as a session exposes them.

use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{Below, json, mailbox_path};
use crate::generated::operations::{ApiVersion, Operation};
use crate::sim::data::{FolderData, ItemData, MailboxData, Person};
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::types;

/// Addresses as the v4 server lists them: separated by `;`, absent when there are none.
fn emails(people: &[Person]) -> Option<String> {
    (!people.is_empty()).then(|| {
        people
            .iter()
            .map(|p| p.email.as_str())
            .collect::<Vec<_>>()
            .join(";")
    })
}

impl Sim {
    fn mailbox_item(
        &self,
        input: &Input,
        session: Uuid,
        mailbox: &MailboxData,
        item: &ItemData,
    ) -> Result<types::MailboxItem, ApiError> {
        let path = mailbox_path(
            input.version,
            session,
            mailbox.id,
            Some(Below::Item(&item.id)),
        );
        Ok(types::MailboxItem::builder()
            .cc(emails(&item.cc))
            .from(item.from.email.clone())
            .id(item.id.clone())
            .item_class("IPM.Note".to_string())
            .links(self.self_links(input, &path)?)
            .received(crate::Timestamp::from(item.received))
            .sent(crate::Timestamp::from(item.sent))
            .subject(item.subject.clone())
            .to(emails(&item.to))
            .try_into()?)
    }

    /// A mailbox as `listMailboxes` and `getMailbox` show it, linking to `getMailbox`.
    fn mailbox_resource(
        &self,
        input: &Input,
        session: Uuid,
        mailbox: &MailboxData,
    ) -> Result<types::Mailbox, ApiError> {
        let path = mailbox_path(input.version, session, mailbox.id, None);
        Ok(types::Mailbox::builder()
            .email(mailbox.email.clone())
            .id(mailbox.id)
            .is_archive(mailbox.is_archive)
            .links(self.self_links(input, &path)?)
            .name(mailbox.name.clone())
            .try_into()?)
    }

    pub fn list_mailboxes(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailboxes = self.session_mailboxes(&session);
        let page = self.page(input, mailboxes.len(), &[])?;
        let results = mailboxes[page.window]
            .iter()
            .map(|m| self.mailbox_resource(input, session.id, m))
            .collect::<Result<Vec<types::Mailbox>, ApiError>>()?;
        page_response!(types::MailboxPage, page, results)
    }

    pub fn get_mailbox(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        Ok(json(
            StatusCode::OK,
            &self.mailbox_resource(input, session.id, mailbox)?,
        ))
    }

    pub fn list_mailbox_folders(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let parent = known_folder(mailbox, input, "parentId")?;
        let folders: Vec<_> = mailbox
            .folders
            .iter()
            .filter(|f| f.parent_id.as_deref() == parent)
            .collect();
        let extra = filter_query("parentId", parent);
        let page = self.page(input, folders.len(), &extra)?;
        let results = folders[page.window]
            .iter()
            .map(|f| self.folder_resource(input, session.id, mailbox, f))
            .collect::<Result<Vec<types::MailboxFolder>, ApiError>>()?;
        page_response!(types::FolderPage, page, results)
    }

    /// A folder as `listMailboxFolders` and `getMailboxFolder` show it, linking to the latter.
    fn folder_resource(
        &self,
        input: &Input,
        session: Uuid,
        mailbox: &MailboxData,
        folder: &FolderData,
    ) -> Result<types::MailboxFolder, ApiError> {
        let path = mailbox_path(
            input.version,
            session,
            mailbox.id,
            Some(Below::Folder(&folder.id)),
        );
        Ok(types::MailboxFolder::builder()
            .id(folder.id.clone())
            .links(self.self_links(input, &path)?)
            .name(folder.name.clone())
            .try_into()?)
    }

    pub fn get_mailbox_folder(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let folder = self.folder(mailbox, input)?;
        Ok(json(
            StatusCode::OK,
            &self.folder_resource(input, session.id, mailbox, folder)?,
        ))
    }

    pub fn list_mailbox_items(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let filter = item_filter(input.version);
        let folder = known_folder(mailbox, input, filter)?;
        let items: Vec<_> = mailbox
            .items
            .iter()
            .filter(|i| folder.is_none_or(|f| i.folder_id == f))
            .collect();
        let extra = filter_query(filter, folder);
        let page = self.page(input, items.len(), &extra)?;
        let results = items[page.window]
            .iter()
            .map(|i| self.mailbox_item(input, session.id, mailbox, i))
            .collect::<Result<Vec<_>, _>>()?;
        page_response!(types::ItemPage, page, results)
    }

    pub fn get_mailbox_item(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let item = self.item(mailbox, input)?;
        Ok(json(
            StatusCode::OK,
            &self.mailbox_item(input, session.id, mailbox, item)?,
        ))
    }
}

/// The name of the item list's folder filter in `version`: the query parameter of
/// `listMailboxItems` that is not paging (v4 and v6: `folderId`, v7 on: `parentId`).
fn item_filter(version: ApiVersion) -> &'static str {
    Operation::ListMailboxItems
        .query_parameters(version)
        .iter()
        .copied()
        .find(|name| !matches!(*name, "offset" | "limit"))
        .unwrap_or("folderId")
}

/// The folder a list is filtered by (`parameter` of the query), which must exist.
fn known_folder<'a>(
    mailbox: &MailboxData,
    input: &'a Input,
    parameter: &str,
) -> Result<Option<&'a str>, ApiError> {
    match input.query_str(parameter) {
        Some(folder) if mailbox.folder(folder).is_none() => Err(ApiError::not_found(format!(
            "Folder {folder} was not found."
        ))),
        found => Ok(found),
    }
}

/// The filter a page's links carry on.
fn filter_query<'a>(parameter: &'a str, value: Option<&str>) -> Vec<(&'a str, String)> {
    value
        .map(|v| (parameter, v.to_string()))
        .into_iter()
        .collect()
}
