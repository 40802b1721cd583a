//! The whole-mailbox action (`performMailboxAction`): export every item of a mailbox to one
//! PST, or restore them all, in one request.
//!
//! Its body takes three of the six item actions' keys, with the same options, so the typed
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

/// The operation the whole-mailbox calls send.
const OPERATION: Operation = Operation::PerformMailboxAction;

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
        let answer = self
            .send_mailbox_action(restore_session_id, mailbox_id, action.action())
            .await?;
        A::read(answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(OPERATION))
    }

    /// [`Client::perform_on_mailbox`] for a run-time [`Action`]; one that a whole mailbox
    /// does not take ([`ActionKind::acts_on_mailbox`]) is refused before anything is sent.
    pub async fn perform_action_on_mailbox(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        let answer = self
            .send_mailbox_action(restore_session_id, mailbox_id, action)
            .await?;
        item_action::read_any(action.kind(), answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(OPERATION))
    }

    async fn send_mailbox_action(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        action: &Action,
    ) -> Result<crate::outcome::Answer, Error> {
        let body = body(action)?;
        let span = tracing::info_span!("mailbox_action", action = action.kind().wire_name());
        let result = self
            .api()
            .perform_mailbox_action()
            .restore_session_id(restore_session_id)
            .mailbox_id(mailbox_id)
            .body(body)
            .send()
            .instrument(span)
            .await;
        crate::client::answer(result, action.kind(), OPERATION).await
    }

    /// One mailbox of a restore session (`getMailbox`).
    pub async fn mailbox(
        &self,
        session: SessionId,
        mailbox: MailboxId,
    ) -> Result<types::Mailbox, Error> {
        self.api()
            .get_mailbox()
            .restore_session_id(session)
            .mailbox_id(mailbox)
            .call()
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
