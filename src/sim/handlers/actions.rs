//! `performMailboxItemAction`: the six actions, matched on the generated
//! [`types::MailboxItemAction`] once the body passed the spec's schema, with the restore
//! flags read from the generated option types.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::{file, json};
use crate::sim::data::ItemData;
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::sim::state::{RestorePlan, SentMessage};
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
        // The action's key as the spec spells it, for messages about its fields.
        let key = action.key().wire_name();
        let stem = file_stem(&item.subject);
        match action {
            types::MailboxItemAction::ExportToPst(options) => {
                let size = self.shared.pst_size.load(Ordering::Relaxed);
                let split_at = match options.enable_pst_size_limit {
                    Some(true) => options
                        .pst_size_limit_bytes
                        .and_then(|v| u64::try_from(v).ok()),
                    _ => None,
                };
                let export = pst::export(size, split_at, &stem);
                let extension = if export.zip { "zip" } else { "pst" };
                let length = export.len();
                Ok(file(
                    length,
                    &format!("{stem}.{extension}"),
                    Body::from_stream(export.stream()),
                ))
            }
            types::MailboxItemAction::SavetoMsg(_) => {
                let bytes = msg::build(item).map_err(|e| {
                    ApiError::internal(format!("Failed to save the item as MSG: {e}"))
                })?;
                Ok(file(
                    bytes.len() as u64,
                    &format!("{stem}.msg"),
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
                let plan = RestorePlan {
                    target_mailbox: mailbox.id,
                    folder: item.folder_path.clone(),
                    changed_items: true,
                    ..RestorePlan::default()
                };
                self.restore(item, &plan)
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
                let plan = with_restore_to!(&options, |o| RestorePlan {
                    target_mailbox: target.id,
                    folder: o
                        .folder
                        .clone()
                        .filter(|f| !f.trim().is_empty())
                        .unwrap_or_else(|| item.folder_path.clone()),
                    changed_items: o.changed_items.unwrap_or(true),
                    mark_unread: o.mark_restored_as_unread.unwrap_or(false),
                    exclude_drafts: o.exclude_drafts.unwrap_or(false),
                    exclude_deleted_items: o.exclude_deleted_items.unwrap_or(false),
                });
                self.restore(item, &plan)
            }
            types::MailboxItemAction::SendtoDefaultaddress(_) => {
                self.send(item, mailbox.email.clone(), String::new(), None, None, true)
            }
            types::MailboxItemAction::SendtoDifferentaddress(options) => {
                let settings_sender = options.from.is_none();
                self.send(
                    item,
                    options.to,
                    options.from.unwrap_or_default(),
                    options.subject,
                    options.text,
                    settings_sender,
                )
            }
        }
    }

    fn restore(&self, item: &ItemData, plan: &RestorePlan) -> Result<Response, ApiError> {
        let counts = self.shared.restore(item, plan);
        let statistics: types::RestoreStatistics = types::RestoreStatistics::builder()
            .created_items_count(counts.created)
            .failed_items_count(0_i64)
            .merged_items_count(counts.merged)
            .skipped_items_count(counts.skipped)
            .try_into()?;
        Ok(json(StatusCode::OK, &statistics))
    }

    fn send(
        &self,
        item: &ItemData,
        to: String,
        from: String,
        subject: Option<String>,
        text: Option<String>,
        use_settings_sender: bool,
    ) -> Result<Response, ApiError> {
        let attachment = msg::build(item)
            .map_err(|e| ApiError::internal(format!("Failed to attach the item: {e}")))?;
        let message = SentMessage {
            from,
            to,
            subject: subject.unwrap_or_else(|| item.subject.clone()),
            text,
            item_id: item.id.clone(),
            attachment_name: format!("{}.msg", file_stem(&item.subject)),
            attachment,
        };
        self.shared
            .send(message, use_settings_sender)
            .map_err(ApiError::bad_request)?;
        // The v4 server answers a send with 200 and no body (and no Content-Type).
        Ok(StatusCode::OK.into_response())
    }
}

/// The real server decodes the PFX before anything else and fails with .NET's message.
fn check_certificate(action: &str, certificate: &str) -> Result<(), ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(certificate.trim())
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
        let error = check_certificate("x", "not base64!").unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            error.message,
            "x.applicationCertificate: Invalid length for a Base-64 char array or string."
        );
    }
}
