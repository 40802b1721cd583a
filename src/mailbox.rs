//! The whole-mailbox and folder actions (`performMailboxAction`, `performMailboxFolderAction`):
//! export every item of a mailbox, or of a folder and its subfolders, to one PST, or restore
//! them all, in one request.
//!
//! Their body takes three of the six item actions' keys, with the same options, so the typed
//! item actions are reused: [`ExportToPst`], [`RestoreToOriginalLocation`] and [`RestoreTo`]
//! are [`MailboxAction`]s, and their outcomes are the ones they have on an item. Which keys a
//! mailbox takes is read from the spec ([`ActionKind::acts_on_mailbox`]); an [`Action`] of
//! another kind is refused before anything is sent.

use tracing::Instrument as _;

use crate::generated::types;
use crate::generated::wire::{MailboxActionKey, Operation};
use crate::item_action::{self, ItemAction};
use crate::{
    Action, ActionKind, ActionOutcome, Client, Error, ExportToPst, MailboxId, RestoreTo,
    RestoreToOriginalLocation, SessionId,
};

/// What a whole action applies to: the mailbox, or one of its folders.
#[derive(Debug, Clone, Copy)]
enum Whole<'a> {
    Mailbox,
    Folder(&'a str),
}

impl Whole<'_> {
    fn scope(self) -> crate::generated::operations::ActionScope {
        use crate::generated::operations::ActionScope;
        match self {
            Self::Mailbox => ActionScope::Mailbox,
            Self::Folder(_) => ActionScope::Folder,
        }
    }

    fn operation(self) -> Operation {
        match self {
            Self::Mailbox => Operation::PerformMailboxAction,
            Self::Folder(_) => Operation::PerformMailboxFolderAction,
        }
    }
}

/// An item action that also acts on a whole mailbox: export to PST and the two restores.
/// Implemented by those three action types of this crate only.
pub trait MailboxAction: ItemAction {}

impl MailboxAction for ExportToPst {}
impl MailboxAction for RestoreToOriginalLocation {}
impl MailboxAction for RestoreTo {}

impl ActionKind {
    /// Whether a whole mailbox takes this action: the spec's `MailboxAction` has its key.
    pub fn acts_on_mailbox(self) -> bool {
        MailboxActionKey::ALL
            .iter()
            .any(|key| key.wire_name() == self.wire_name())
    }
}

/// The whole-mailbox body of `action`: the same options under the same key.
pub(crate) fn body(action: &Action) -> Result<types::MailboxAction, Error> {
    use types::{MailboxAction as M, MailboxItemAction as I};
    match action.body().clone() {
        I::ExportToPst(options) => Ok(M::ExportToPst(options)),
        I::RestoretoOriginallocation(options) => Ok(M::RestoretoOriginallocation(options)),
        I::RestoreTo(options) => Ok(M::RestoreTo(options)),
        other => {
            let keys: Vec<&str> = MailboxActionKey::ALL
                .iter()
                .map(|key| key.wire_name())
                .collect();
            Err(Error::invalid(
                other.key().wire_name(),
                format!(
                    "acts on items only; a whole mailbox takes {}",
                    keys.join(", ")
                ),
            ))
        }
    }
}

impl Client {
    /// Performs a typed action on every item of a mailbox in one request
    /// (`performMailboxAction`): one PST (or a ZIP of PSTs when split) of the whole mailbox,
    /// or one restore of all its items. Checked, sent once and read as [`Client::perform`]
    /// does.
    pub async fn perform_on_mailbox<A: MailboxAction>(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        action: &A,
    ) -> Result<A::Outcome, Error> {
        self.perform_typed_whole(restore_session_id, mailbox_id, Whole::Mailbox, action)
            .await
    }

    /// [`Client::perform_on_mailbox`] for a run-time [`Action`]; one that a whole mailbox
    /// does not take ([`ActionKind::acts_on_mailbox`]) is refused before anything is sent.
    pub async fn perform_action_on_mailbox(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        self.perform_whole(restore_session_id, mailbox_id, Whole::Mailbox, action)
            .await
    }

    /// [`Client::perform_on_mailbox`] for one folder (`performMailboxFolderAction`): the items
    /// of the folder and of its subfolders. The folder id is checked as an item id is.
    pub async fn perform_on_folder<A: MailboxAction>(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        folder_id: &str,
        action: &A,
    ) -> Result<A::Outcome, Error> {
        let whole = Whole::Folder(folder_id);
        self.perform_typed_whole(restore_session_id, mailbox_id, whole, action)
            .await
    }

    /// [`Client::perform_on_folder`] for a run-time [`Action`].
    pub async fn perform_action_on_folder(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        folder_id: &str,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        self.perform_whole(
            restore_session_id,
            mailbox_id,
            Whole::Folder(folder_id),
            action,
        )
        .await
    }

    async fn perform_typed_whole<A: MailboxAction>(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        whole: Whole<'_>,
        action: &A,
    ) -> Result<A::Outcome, Error> {
        let answer = self
            .send_whole(restore_session_id, mailbox_id, whole, action.action())
            .await?;
        let operation = self.action_operation(whole.scope(), A::KIND).await;
        A::read(answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(operation))
    }

    async fn perform_whole(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        whole: Whole<'_>,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        let answer = self
            .send_whole(restore_session_id, mailbox_id, whole, action)
            .await?;
        let operation = self.action_operation(whole.scope(), action.kind()).await;
        item_action::read_any(action.kind(), answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(operation))
    }

    async fn send_whole(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        whole: Whole<'_>,
        action: &Action,
    ) -> Result<crate::outcome::Answer, Error> {
        if let Whole::Folder(folder_id) = whole {
            crate::validate::folder_id("folderId", folder_id)?;
        }
        let body = body(action)?;
        let version = self.api_version().await?;
        if version != crate::ApiVersion::V4 {
            let target = match whole {
                Whole::Mailbox => crate::action_send::Target::Mailbox {
                    session: restore_session_id,
                    mailbox: mailbox_id,
                },
                Whole::Folder(folder) => crate::action_send::Target::Folder {
                    session: restore_session_id,
                    mailbox: mailbox_id,
                    folder,
                },
            };
            let wrapped = serde_json::to_value(&body).map_err(|e| {
                Error::invalid(action.kind().wire_name(), crate::redact::serde_error(&e))
            })?;
            return self
                .send_routed(version, action.kind(), target, wrapped)
                .await;
        }
        let kind = action.kind().wire_name();
        let result = match whole {
            Whole::Mailbox => {
                let span = tracing::info_span!("mailbox_action", action = kind);
                self.api()
                    .perform_mailbox_action()
                    .restore_session_id(restore_session_id)
                    .mailbox_id(mailbox_id)
                    .body(body)
                    .send()
                    .instrument(span)
                    .await
            }
            Whole::Folder(folder_id) => {
                let span = tracing::info_span!("folder_action", action = kind);
                self.api()
                    .perform_mailbox_folder_action()
                    .restore_session_id(restore_session_id)
                    .mailbox_id(mailbox_id)
                    .folder_id(folder_id)
                    .body(body)
                    .send()
                    .instrument(span)
                    .await
            }
        };
        crate::client::answer(result, action.kind(), whole.operation()).await
    }

    /// One mailbox of a restore session (`getMailbox`).
    pub async fn mailbox(
        &self,
        session: SessionId,
        mailbox: MailboxId,
    ) -> Result<types::Mailbox, Error> {
        let call = crate::versioned::Call::new(Operation::GetMailbox)
            .path("restoreSessionId", session)
            .path("mailboxId", mailbox);
        self.read(call, || {
            self.api()
                .get_mailbox()
                .restore_session_id(session)
                .mailbox_id(mailbox)
                .call()
        })
        .await
    }

    /// One folder of a mailbox (`getMailboxFolder`); the id is checked as for the actions.
    pub async fn mailbox_folder(
        &self,
        session: SessionId,
        mailbox: MailboxId,
        folder: &str,
    ) -> Result<types::MailboxFolder, Error> {
        crate::validate::folder_id("folderId", folder)?;
        let call = crate::versioned::Call::new(Operation::GetMailboxFolder)
            .path("restoreSessionId", session)
            .path("mailboxId", mailbox)
            .path("folderId", folder);
        self.read(call, || {
            self.api()
                .get_mailbox_folder()
                .restore_session_id(session)
                .mailbox_id(mailbox)
                .folder_id(folder)
                .call()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, RestoreOptions};

    #[test]
    fn a_mailbox_takes_exactly_the_kinds_whose_body_it_can_make() {
        let credentials = || Credentials::device_code("C6A9DB737");
        let actions = [
            Action::export_to_pst(),
            Action::restore_to_original(credentials()).unwrap(),
            Action::restore_to("a@b.c", credentials(), RestoreOptions::default()).unwrap(),
            Action::send_to_default_address(),
            Action::send_with_vex_sender("a@b.c", None, None).unwrap(),
            Action::save_to_msg(),
        ];
        let kinds: Vec<ActionKind> = actions.iter().map(Action::kind).collect();
        assert_eq!(kinds, ActionKind::ALL);
        for action in &actions {
            let kind = action.kind();
            match body(action) {
                Ok(body) => {
                    assert!(kind.acts_on_mailbox(), "{kind:?}");
                    assert_eq!(body.key().wire_name(), kind.wire_name());
                    // The same options on the wire, under the same key.
                    assert_eq!(
                        serde_json::to_value(&body).unwrap(),
                        serde_json::to_value(action.body()).unwrap()
                    );
                }
                Err(error) => {
                    assert!(!kind.acts_on_mailbox(), "{kind:?}");
                    assert_eq!(error.field(), Some(kind.wire_name()));
                    assert_eq!(
                        error.rule(),
                        Some(
                            "acts on items only; a whole mailbox takes exportToPst, \
                             restoretoOriginallocation, restoreTo"
                        )
                    );
                }
            }
        }
    }
}
