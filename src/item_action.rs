//! The six actions as types, each with the one outcome it can have.
//!
//! `client.perform(.., &ExportToPst::new())` returns a [`FileDownload`], a restore returns
//! [`Restored`], a send returns [`Sent`]: the compiler rules out a restore that "returned a
//! file", and no caller has to `match` on outcomes that cannot happen. [`crate::Action`] stays
//! the run-time form (one of six, chosen on a command line); both are read by the same
//! readers in `outcome`.

use std::future::Future;
use std::time::Duration;

use crate::outcome::{self, Answer};
use crate::{
    Action, ActionKind, Credentials, Error, FileDownload, FileKind, RestoreOptions, Restored, Sent,
};

/// An action whose outcome type is known at compile time. Implemented by the six action
/// types of this crate only.
pub trait ItemAction: sealed::Sealed + Send + Sync {
    /// What a successful answer becomes.
    type Outcome: Send;
    /// Which of the six actions this is.
    const KIND: ActionKind;
    /// The validated body.
    fn action(&self) -> &Action;
    #[doc(hidden)]
    fn read(
        answer: Answer,
        idle_timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Self::Outcome, Error>> + Send;
    /// The reader of the multi-item answer: the one-item reader but where several items
    /// change the answer (the MSG files of several items come as a ZIP).
    #[doc(hidden)]
    fn read_many(
        answer: Answer,
        idle_timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Self::Outcome, Error>> + Send {
        Self::read(answer, idle_timeout)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The file kinds each file action may return.
pub(crate) const PST_KINDS: &[FileKind] = &[FileKind::Pst, FileKind::Zip];
pub(crate) const MSG_KINDS: &[FileKind] = &[FileKind::Msg];
/// The MSG files of several items come as a ZIP (of one item, as the MSG itself).
pub(crate) const MANY_MSG_KINDS: &[FileKind] = &[FileKind::Msg, FileKind::Zip];

macro_rules! item_action {
    ($(#[$doc:meta])* $name:ident, $outcome:ty, |$answer:ident, $idle:ident| $read:expr) => {
        item_action!($(#[$doc])* $name, $outcome, |$answer, $idle| $read, many: |answer, idle| {
            <$name as ItemAction>::read(answer, idle).await
        });
    };
    ($(#[$doc:meta])* $name:ident, $outcome:ty, |$answer:ident, $idle:ident| $read:expr,
     many: |$many_answer:ident, $many_idle:ident| $read_many:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(Action);

        impl sealed::Sealed for $name {}

        impl ItemAction for $name {
            type Outcome = $outcome;
            const KIND: ActionKind = ActionKind::$name;

            fn action(&self) -> &Action {
                &self.0
            }

            fn read(
                $answer: Answer,
                $idle: Option<Duration>,
            ) -> impl Future<Output = Result<$outcome, Error>> + Send {
                async move { $read }
            }

            fn read_many(
                $many_answer: Answer,
                $many_idle: Option<Duration>,
            ) -> impl Future<Output = Result<$outcome, Error>> + Send {
                async move { $read_many }
            }
        }

        impl From<$name> for Action {
            fn from(action: $name) -> Action {
                action.0
            }
        }

        impl TryFrom<Action> for $name {
            type Error = Action;

            /// The typed form of a run-time action of this kind; the action back otherwise.
            fn try_from(action: Action) -> Result<Self, Action> {
                if action.kind() == ActionKind::$name {
                    Ok(Self(action))
                } else {
                    Err(action)
                }
            }
        }
    };
}

item_action!(
    /// `exportToPst`: a PST, or a ZIP of PSTs when the export is split.
    ExportToPst,
    FileDownload,
    |answer, idle| outcome::file(ActionKind::ExportToPst, PST_KINDS, answer, idle).await
);
item_action!(
    /// `savetoMsg`: an MSG file.
    SaveToMsg,
    FileDownload,
    |answer, idle| outcome::file(ActionKind::SaveToMsg, MSG_KINDS, answer, idle).await,
    many: |answer, idle| outcome::file(ActionKind::SaveToMsg, MANY_MSG_KINDS, answer, idle).await
);
item_action!(
    /// `restoretoOriginallocation`: the item back into its own mailbox.
    RestoreToOriginalLocation,
    Restored,
    |answer, idle| outcome::restored(ActionKind::RestoreToOriginalLocation, answer, idle).await
);
item_action!(
    /// `restoreTo`: the item into another mailbox.
    RestoreTo,
    Restored,
    |answer, idle| outcome::restored(ActionKind::RestoreTo, answer, idle).await
);
item_action!(
    /// `sendtoDefaultaddress`: the item mailed to its own mailbox as an attachment.
    SendToDefaultAddress,
    Sent,
    |answer, _idle| Ok(outcome::sent(ActionKind::SendToDefaultAddress, answer))
);
item_action!(
    /// `sendtoDifferentaddress`: the item mailed to another address as an attachment.
    SendToDifferentAddress,
    Sent,
    |answer, _idle| Ok(outcome::sent(ActionKind::SendToDifferentAddress, answer))
);

impl ExportToPst {
    /// One PST, however large.
    pub fn new() -> Self {
        Self(Action::export_to_pst())
    }

    /// Split at `limit_bytes` (1 GiB ..= 49 GiB): a ZIP of PSTs when the export is larger.
    pub fn split_at(limit_bytes: u64) -> Result<Self, Error> {
        Action::export_to_pst_split(limit_bytes).map(Self)
    }
}

impl Default for ExportToPst {
    fn default() -> Self {
        Self::new()
    }
}

impl SaveToMsg {
    /// The item as an MSG file.
    pub fn new() -> Self {
        Self(Action::save_to_msg())
    }
}

impl Default for SaveToMsg {
    fn default() -> Self {
        Self::new()
    }
}

impl RestoreToOriginalLocation {
    /// Restore with these Exchange credentials.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Action::restore_to_original(credentials).map(Self)
    }
}

impl RestoreTo {
    /// Restore into `mailbox` (an email address) with `options`.
    pub fn new(
        mailbox: impl Into<String>,
        credentials: Credentials,
        options: RestoreOptions,
    ) -> Result<Self, Error> {
        Action::restore_to(mailbox, credentials, options).map(Self)
    }
}

impl SendToDefaultAddress {
    /// Mail the item to its own mailbox.
    pub fn new() -> Self {
        Self(Action::send_to_default_address())
    }
}

impl Default for SendToDefaultAddress {
    fn default() -> Self {
        Self::new()
    }
}

impl SendToDifferentAddress {
    /// Mail the item from `from` to `to`.
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        subject: Option<String>,
        text: Option<String>,
    ) -> Result<Self, Error> {
        Action::send_to_different_address(from, to, subject, text).map(Self)
    }

    /// Mail the item to `to`, from the VEX email settings' sender.
    pub fn with_vex_sender(
        to: impl Into<String>,
        subject: Option<String>,
        text: Option<String>,
    ) -> Result<Self, Error> {
        Action::send_with_vex_sender(to, subject, text).map(Self)
    }
}

/// The typed reader for a run-time action: each kind goes to its own action type's reader,
/// so the dynamic outcome is always the one of the action that was sent.
pub(crate) async fn read_any(
    kind: ActionKind,
    answer: Answer,
    idle: Option<Duration>,
) -> Result<crate::ActionOutcome, Error> {
    read_kind(kind, answer, idle, false).await
}

/// [`read_any`] for the answer to a multi-item action.
pub(crate) async fn read_any_many(
    kind: ActionKind,
    answer: Answer,
    idle: Option<Duration>,
) -> Result<crate::ActionOutcome, Error> {
    read_kind(kind, answer, idle, true).await
}

async fn read_kind(
    kind: ActionKind,
    answer: Answer,
    idle: Option<Duration>,
    many: bool,
) -> Result<crate::ActionOutcome, Error> {
    use crate::ActionOutcome as O;
    async fn read<A: ItemAction>(
        answer: Answer,
        idle: Option<Duration>,
        many: bool,
    ) -> Result<A::Outcome, Error> {
        if many {
            A::read_many(answer, idle).await
        } else {
            A::read(answer, idle).await
        }
    }
    Ok(match kind {
        ActionKind::ExportToPst => O::File(read::<ExportToPst>(answer, idle, many).await?),
        ActionKind::SaveToMsg => O::File(read::<SaveToMsg>(answer, idle, many).await?),
        ActionKind::RestoreToOriginalLocation => {
            O::Restored(read::<RestoreToOriginalLocation>(answer, idle, many).await?)
        }
        ActionKind::RestoreTo => O::Restored(read::<RestoreTo>(answer, idle, many).await?),
        ActionKind::SendToDefaultAddress => {
            O::Sent(read::<SendToDefaultAddress>(answer, idle, many).await?)
        }
        ActionKind::SendToDifferentAddress => {
            O::Sent(read::<SendToDifferentAddress>(answer, idle, many).await?)
        }
    })
}
