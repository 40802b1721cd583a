//! A typed method on [`Client`] for each operation that the login, the actions and the paged
//! lists do not already cover, so that callers need [`Client::api`] only as an escape hatch.

use crate::generated::operations::Operation;
use crate::generated::types;
use crate::versioned::Call;
use crate::{Client, Error, MailboxId, SessionId};

impl Client {
    /// One restore session (`getRestoreSession`).
    pub async fn restore_session(
        &self,
        session: SessionId,
    ) -> Result<types::RestoreSession, Error> {
        let call = Call::new(Operation::GetRestoreSession).path("restoreSessionId", session);
        self.read(call, || {
            self.api()
                .get_restore_session()
                .restore_session_id(session)
                .call()
        })
        .await
    }

    /// Stops a restore session (`stopRestoreSession`).
    pub async fn stop_restore_session(&self, session: SessionId) -> Result<(), Error> {
        let call = Call::new(Operation::StopRestoreSession).path("restoreSessionId", session);
        self.run(call, || {
            self.api()
                .stop_restore_session()
                .restore_session_id(session)
                .body(types::StopAction { stop: None })
                .call()
        })
        .await
    }

    /// A device code for the restore credentials of a session (`getRestoreDeviceCode`).
    pub async fn restore_device_code(
        &self,
        session: SessionId,
        request: types::RestoreDeviceCodeRequest,
    ) -> Result<types::RestoreDeviceCode, Error> {
        let call = Call::new(Operation::GetRestoreDeviceCode)
            .path("restoreSessionId", session)
            .body(crate::versioned::json("request", &request)?);
        self.read(call, || {
            self.api()
                .get_restore_device_code()
                .restore_session_id(session)
                .body(request)
                .call()
        })
        .await
    }

    /// One item of a mailbox (`getMailboxItem`); the id is checked as for the actions.
    pub async fn mailbox_item(
        &self,
        session: SessionId,
        mailbox: MailboxId,
        item: &str,
    ) -> Result<types::MailboxItem, Error> {
        crate::validate::item_id("itemId", item)?;
        let call = Call::new(Operation::GetMailboxItem)
            .path("restoreSessionId", session)
            .path("mailboxId", mailbox)
            .path("itemId", item);
        self.read(call, || {
            self.api()
                .get_mailbox_item()
                .restore_session_id(session)
                .mailbox_id(mailbox)
                .item_id(item)
                .call()
        })
        .await
    }

    /// The settings the sends use (`getVexEmailSettings`).
    pub async fn vex_email_settings(&self) -> Result<types::VexEmailSettings, Error> {
        let call = Call::new(Operation::GetVexEmailSettings);
        self.read(call, || self.api().get_vex_email_settings().call())
            .await
    }

    /// Replaces the settings the sends use (`putVexEmailSettings`).
    pub async fn set_vex_email_settings(
        &self,
        settings: types::VexEmailSettingsUpdate,
    ) -> Result<(), Error> {
        let call = Call::new(Operation::PutVexEmailSettings)
            .body(crate::versioned::json("settings", &settings)?);
        self.run(call, || {
            self.api().put_vex_email_settings().body(settings).call()
        })
        .await
    }
}
