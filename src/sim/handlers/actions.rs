//! `performMailboxItemAction`, `performMailboxItemsAction`, `performMailboxAction` and
//! `performMailboxFolderAction`: the six actions on one item or several, and three of them on
//! a whole mailbox or folder, matched on the
//! generated [`types::MailboxItemAction`] once the body passed the spec's schema (a
//! multi-item body is read as the one-item action and its items, a mailbox body as the
//! one-item action on every item), with the restore flags read from the generated option
//! types.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::{file, json};
use crate::sim::data::{FolderData, ItemData, MailboxData};
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::sim::restores::Step;
use crate::sim::state::{RestorePlan, SentAttachment, SentMessage};
use crate::sim::{msg, pst};
use crate::types;

/// `$body` for the options of whichever of the three generated `restoreTo` variants
/// `$options` is: they share the target and the restore flags.
macro_rules! with_restore_to {
    ($options:expr, |$o:ident| $body:expr) => {
        match $options {
            types::RestoreToOptions::UserPassword($o) => $body,
            types::RestoreToOptions::DeviceCode($o) => $body,
            types::RestoreToOptions::ApplicationCertificate($o) => $body,
        }
    };
}

impl Sim {
    pub fn perform_action(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let item = self.item(mailbox, input)?;
        let action: types::MailboxItemAction = input.typed()?;
        self.act(input, mailbox, &[item], action, Scope::Items)
    }

    /// `performMailboxItemsAction`: the one-item action on each listed item (each once, in
    /// the order first listed), after checking that every one is in the mailbox.
    pub fn perform_items_action(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let body: types::MailboxItemsAction = input.typed()?;
        let (action, ids) = crate::items::split(body)
            .map_err(|e| ApiError::internal(format!("The items action cannot be read: {e}")))?;
        // Looked up and deduplicated through maps: a list of many items stays linear.
        let by_id: std::collections::HashMap<&str, &ItemData> =
            mailbox.items.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        let mut items: Vec<&ItemData> = Vec::with_capacity(ids.len());
        for id in &ids {
            let item = by_id
                .get(id.as_str())
                .copied()
                .ok_or_else(|| ApiError::not_found(format!("Mailbox item {id} was not found.")))?;
            if seen.insert(item.id.as_str()) {
                items.push(item);
            }
        }
        if items.is_empty() {
            return Err(ApiError::bad_request("items: must hold at least one item"));
        }
        self.act(input, mailbox, &items, action, Scope::Items)
    }

    /// `performMailboxAction`: the item action of the same key on every item of the mailbox
    /// (for an export with `contentKeywords`, on those that hold them).
    pub fn perform_mailbox_action(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        self.act_on_whole(input, mailbox, None)
    }

    /// `performMailboxFolderAction`: as for a mailbox, on the items of the folder and of its
    /// subfolders.
    pub fn perform_folder_action(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.working_session(input)?;
        let mailbox = self.mailbox(&session, input)?;
        let folder = self.folder(mailbox, input)?;
        self.act_on_whole(input, mailbox, Some(folder))
    }

    /// The body's action on every item of `mailbox`, or of `folder` and its subfolders.
    fn act_on_whole(
        &self,
        input: &Input,
        mailbox: &MailboxData,
        folder: Option<&FolderData>,
    ) -> Result<Response, ApiError> {
        let action = match input.typed::<types::MailboxAction>()? {
            types::MailboxAction::ExportToPst(o) => types::MailboxItemAction::ExportToPst(o),
            types::MailboxAction::RestoretoOriginallocation(o) => {
                types::MailboxItemAction::RestoretoOriginallocation(o)
            }
            types::MailboxAction::RestoreTo(o) => types::MailboxItemAction::RestoreTo(o),
        };
        let keywords = match &action {
            types::MailboxItemAction::ExportToPst(o) => o.content_keywords.as_deref(),
            _ => None,
        };
        let in_folder =
            |item: &ItemData| folder.is_none_or(|f| in_subtree(&item.folder_path, &f.path));
        let items: Vec<&ItemData> = mailbox
            .items
            .iter()
            .filter(|item| in_folder(item) && keywords.is_none_or(|k| holds_keywords(item, k)))
            .collect();
        let scope = match folder {
            Some(folder) => Scope::Folder(folder),
            None => Scope::Mailbox,
        };
        self.act(input, mailbox, &items, action, scope)
    }

    /// Performs `action` on `items` of `mailbox`: one file, one restore over all of them, or
    /// one message with all of them attached.
    fn act(
        &self,
        input: &Input,
        mailbox: &MailboxData,
        items: &[&ItemData],
        action: types::MailboxItemAction,
        scope: Scope,
    ) -> Result<Response, ApiError> {
        // The action's key as the spec spells it, for messages about its fields.
        let key = action.key().wire_name();
        let stem = match (scope, items) {
            (Scope::Mailbox, _) => file_stem(&mailbox.name),
            (Scope::Folder(folder), _) => file_stem(&format!("{} {}", mailbox.name, folder.name)),
            (Scope::Items, [one]) => file_stem(&one.subject),
            (Scope::Items, many) => format!("{} items", many.len()),
        };
        match action {
            types::MailboxItemAction::ExportToPst(options) => {
                let size = self.shared.pst_size.load(Ordering::Relaxed);
                let split_at = match options.enable_pst_size_limit {
                    Some(true) => options
                        .pst_size_limit_bytes
                        .and_then(|v| u64::try_from(v).ok()),
                    _ => None,
                };
                let source = self.export_source(mailbox, items, scope);
                let export = pst::export(source, size, split_at, &stem);
                let extension = if export.zip { "zip" } else { "pst" };
                let length = export.len();
                Ok(file(
                    length,
                    &format!("{stem}.{extension}"),
                    Body::from_stream(export.stream()),
                ))
            }
            types::MailboxItemAction::SavetoMsg(_) => {
                let (bytes, extension) = match items {
                    [one] => (msg_of(one, "save the item as MSG")?, "msg"),
                    many => (msg_zip(many)?, "zip"),
                };
                Ok(file(
                    bytes.len() as u64,
                    &format!("{stem}.{extension}"),
                    Body::from(bytes),
                ))
            }
            types::MailboxItemAction::RestoretoOriginallocation(credentials) => {
                if let types::RestoreToOriginalLocationOptions::ApplicationCertificateCredentials(
                    c,
                ) = &credentials
                {
                    check_certificate(key, c.application_certificate.expose())?;
                }
                self.restore(input, scope, items, |item| RestorePlan {
                    target_mailbox: mailbox.id,
                    folder: item.folder_path.clone(),
                    changed_items: true,
                    ..RestorePlan::default()
                })
            }
            types::MailboxItemAction::RestoreTo(options) => {
                if let types::RestoreToOptions::ApplicationCertificate(o) = &options {
                    check_certificate(key, o.application_certificate.expose())?;
                }
                let target_email = with_restore_to!(&options, |o| &o.mailbox);
                let target = self
                    .catalog()
                    .mailbox_by_email(target_email)
                    // Like a mailbox in the path, a target that does not exist is a 404.
                    .ok_or_else(|| {
                        ApiError::not_found(format!(
                            "{key}.mailbox: {target_email} is not a mailbox of {}.",
                            self.catalog().organization_name
                        ))
                    })?;
                self.restore(input, scope, items, |item| {
                    with_restore_to!(&options, |o| RestorePlan {
                        target_mailbox: target.id,
                        folder: scope.target_folder(o.folder.as_deref(), item),
                        changed_items: o.changed_items.unwrap_or(true),
                        mark_unread: o.mark_restored_as_unread.unwrap_or(false),
                        exclude_drafts: o.exclude_drafts.unwrap_or(false),
                        exclude_deleted_items: o.exclude_deleted_items.unwrap_or(false),
                    })
                })
            }
            types::MailboxItemAction::SendtoDefaultaddress(_) => self.send(
                input.version,
                items,
                Letter {
                    to: mailbox.email.clone(),
                    from: String::new(),
                    subject: None,
                    text: None,
                },
                true,
            ),
            types::MailboxItemAction::SendtoDifferentaddress(options) => {
                let settings_sender = options.from.is_none();
                let letter = Letter {
                    to: options.to,
                    from: options.from.unwrap_or_default(),
                    subject: options.subject,
                    text: options.text,
                };
                self.send(input.version, items, letter, settings_sender)
            }
        }
    }

    /// Restores each item by its plan; the statistics count them all. From v8 on the restore
    /// runs after the answer, `{sessionId}` (`crate::sim::restores`).
    fn restore(
        &self,
        input: &Input,
        scope: Scope<'_>,
        items: &[&ItemData],
        plan: impl Fn(&ItemData) -> RestorePlan,
    ) -> Result<Response, ApiError> {
        if super::versioned::restores_later(input.version) {
            let steps = items
                .iter()
                .map(|item| Step {
                    item: (*item).clone(),
                    plan: plan(item),
                })
                .collect();
            let session = input.uuid("restoreSessionId")?;
            let id = self.shared.start_restore(session, steps);
            return super::versioned::restore_started(id);
        }
        let (mut created, mut merged, mut skipped) = (0_i64, 0_i64, 0_i64);
        for item in items {
            let counts = self.shared.restore(item, &plan(item));
            created += counts.created;
            merged += counts.merged;
            skipped += counts.skipped;
        }
        let statistics: types::RestoreStatistics = types::RestoreStatistics::builder()
            .created_items_count(created)
            .failed_items_count(0_i64)
            .merged_items_count(merged)
            .skipped_items_count(skipped)
            .try_into()?;
        if input.version > crate::ApiVersion::V4 && !matches!(scope, Scope::Items) {
            return super::versioned::whole_restore_statistics(&statistics);
        }
        Ok(json(StatusCode::OK, &statistics))
    }

    /// Sends one message with every item attached as an MSG file.
    fn send(
        &self,
        version: crate::ApiVersion,
        items: &[&ItemData],
        letter: Letter,
        use_settings_sender: bool,
    ) -> Result<Response, ApiError> {
        let attachments = items
            .iter()
            .map(|item| {
                Ok(SentAttachment {
                    item_id: item.id.clone(),
                    name: format!("{}.msg", file_stem(&item.subject)),
                    bytes: msg_of(item, "attach the item")?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let subject = letter.subject.unwrap_or_else(|| match items {
            [one] => one.subject.clone(),
            many => format!("{} backed-up items", many.len()),
        });
        let message = SentMessage {
            from: letter.from,
            to: letter.to,
            subject,
            text: letter.text,
            attachments,
        };
        self.shared
            .send(message, use_settings_sender, version)
            .map_err(ApiError::bad_request)?;
        // The v4 server answers a send with 200 and no body (and no Content-Type).
        Ok(StatusCode::OK.into_response())
    }
}

/// What an action applies to, where that changes what it does.
impl Sim {
    /// The items to export as a PST's source: indexes into the shared catalog, with the
    /// folders of a mailbox or folder export made even when empty.
    fn export_source(
        &self,
        mailbox: &MailboxData,
        items: &[&ItemData],
        scope: Scope<'_>,
    ) -> std::sync::Arc<dyn pst::Source> {
        let folders = match scope {
            Scope::Items => Vec::new(),
            Scope::Mailbox => mailbox.folders.iter().map(|f| f.path.clone()).collect(),
            Scope::Folder(folder) => (mailbox.folders.iter())
                .filter(|f| in_subtree(&f.path, &folder.path))
                .map(|f| f.path.clone())
                .collect(),
        };
        let catalog = self.catalog();
        let at = (catalog.mailboxes.iter())
            .position(|m| m.id == mailbox.id)
            .unwrap_or_default();
        let index: std::collections::HashMap<&str, usize> = (mailbox.items.iter().enumerate())
            .map(|(i, item)| (item.id.as_str(), i))
            .collect();
        let items = (items.iter())
            .filter_map(|item| index.get(item.id.as_str()).copied())
            .collect();
        std::sync::Arc::new(pst::CatalogSource::new(
            self.shared.clone(),
            at,
            items,
            folders,
        ))
    }
}

/// Whether `path` is the folder `top` or one of its subfolders.
fn in_subtree(path: &str, top: &str) -> bool {
    path == top
        || path
            .strip_prefix(top)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    /// One item or a list of items.
    Items,
    /// Every item of a mailbox.
    Mailbox,
    /// Every item of a folder and its subfolders.
    Folder(&'a FolderData),
}

impl Scope<'_> {
    /// The folder a `restoreTo` puts `item` in: `folder` itself for items, `folder` above
    /// the item's own path for a whole mailbox or folder, and the item's own path without
    /// `folder`.
    fn target_folder(self, folder: Option<&str>, item: &ItemData) -> String {
        match (folder.map(str::trim).filter(|f| !f.is_empty()), self) {
            (None, _) => item.folder_path.clone(),
            (Some(folder), Self::Items) => folder.to_string(),
            (Some(folder), Self::Mailbox | Self::Folder(_)) => {
                format!("{folder}/{}", item.folder_path)
            }
        }
    }
}

/// Whether the item's subject or body holds `keywords`, ignoring case (the simulator's
/// reading: the vendor does not document how the server matches them).
fn holds_keywords(item: &ItemData, keywords: &str) -> bool {
    let needle = keywords.trim().to_lowercase();
    needle.is_empty()
        || item.subject.to_lowercase().contains(&needle)
        || item.body.to_lowercase().contains(&needle)
}

/// Who a send goes to, from whom, and what it says.
struct Letter {
    to: String,
    from: String,
    subject: Option<String>,
    text: Option<String>,
}

/// The item as an MSG file; `doing` names the step in the 500 if it cannot be built.
fn msg_of(item: &ItemData, doing: &str) -> Result<Vec<u8>, ApiError> {
    msg::build(item).map_err(|e| ApiError::internal(format!("Failed to {doing}: {e}")))
}

/// A ZIP (stored, as the split PST's) of one MSG per item, numbered so names never clash.
fn msg_zip(items: &[&ItemData]) -> Result<Vec<u8>, ApiError> {
    use std::io::Write as _;
    let failed = |e: &dyn std::fmt::Display| {
        ApiError::internal(format!("Failed to save the items as MSG: {e}"))
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (index, item) in items.iter().enumerate() {
        let name = format!("{:02} {}.msg", index + 1, file_stem(&item.subject));
        zip.start_file(name, options).map_err(|e| failed(&e))?;
        zip.write_all(&msg_of(item, "save the item as MSG")?)
            .map_err(|e| failed(&e))?;
    }
    let cursor = zip.finish().map_err(|e| failed(&e))?;
    Ok(cursor.into_inner())
}

/// The real server decodes the PFX before anything else and fails with .NET's message;
/// `Convert.FromBase64String` ignores white space, so wrapped text is accepted.
fn check_certificate(action: &str, certificate: &str) -> Result<(), ApiError> {
    let unwrapped: String = certificate
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(unwrapped)
        .map(|_| ())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{action}.applicationCertificate: Invalid length for a Base-64 char array or string."
            ))
        })
}

/// A file name from a subject: letters, digits, space, `-`, `_` and `.`.
fn file_stem(subject: &str) -> String {
    let stem: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim().to_string();
    if stem.is_empty() { "item".into() } else { stem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_keeps_only_safe_characters() {
        assert_eq!(file_stem("Re: Q3 / plan?"), "Re_ Q3 _ plan_");
        assert_eq!(file_stem("  "), "item");
        assert_eq!(file_stem("<>"), "__");
    }

    #[test]
    fn a_certificate_that_is_not_base64_is_refused_with_the_servers_message() {
        assert!(check_certificate("x", "AAAA").is_ok());
        assert!(
            check_certificate("x", "AAAA\r\nAAAA\n").is_ok(),
            "wrapped text"
        );
        let error = check_certificate("x", "not base64!").unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            error.message,
            "x.applicationCertificate: Invalid length for a Base-64 char array or string."
        );
    }
}
