//! The six actions on a mailbox item, built and validated before they are sent.
//!
//! [`Action`] wraps the generated [`MailboxItemAction`] and can only hold a body that passes
//! [`crate::validate::action`], so the wire form is always one the server accepts.

use uuid::Uuid;

use crate::generated::types::{self, MailboxItemAction};
use crate::generated::wire::MailboxItemActionKey::{self, self as Key};
use crate::{Error, RestoreExtras, SecretString, validate};

/// One validated action body, and the restore options that only later versions take.
#[derive(Debug, Clone, PartialEq)]
pub struct Action(MailboxItemAction, RestoreExtras);

/// Which of the six actions an [`Action`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// `exportToPst`: a PST (or ZIP) file comes back.
    ExportToPst,
    /// `restoretoOriginallocation`: restore statistics come back.
    RestoreToOriginalLocation,
    /// `restoreTo`: restore statistics come back.
    RestoreTo,
    /// `sendtoDefaultaddress`: nothing comes back.
    SendToDefaultAddress,
    /// `sendtoDifferentaddress`: nothing comes back.
    SendToDifferentAddress,
    /// `savetoMsg`: an MSG file comes back.
    SaveToMsg,
}

impl ActionKind {
    /// Every action, in the spec's order.
    pub const ALL: [Self; 6] = [
        Self::ExportToPst,
        Self::RestoreToOriginalLocation,
        Self::RestoreTo,
        Self::SendToDefaultAddress,
        Self::SendToDifferentAddress,
        Self::SaveToMsg,
    ];

    /// The action's key on the wire, as the spec names it.
    pub fn wire_name(self) -> &'static str {
        self.key().wire_name()
    }

    /// The generated key: an exhaustive match both ways, so a key added to or renamed in the
    /// spec fails to compile here rather than going unnoticed.
    fn key(self) -> MailboxItemActionKey {
        use MailboxItemActionKey as K;
        match self {
            Self::ExportToPst => K::ExportToPst,
            Self::RestoreToOriginalLocation => K::RestoretoOriginallocation,
            Self::RestoreTo => K::RestoreTo,
            Self::SendToDefaultAddress => K::SendtoDefaultaddress,
            Self::SendToDifferentAddress => K::SendtoDifferentaddress,
            Self::SaveToMsg => K::SavetoMsg,
        }
    }

    fn of(key: MailboxItemActionKey) -> Self {
        use MailboxItemActionKey as K;
        match key {
            K::ExportToPst => Self::ExportToPst,
            K::RestoretoOriginallocation => Self::RestoreToOriginalLocation,
            K::RestoreTo => Self::RestoreTo,
            K::SendtoDefaultaddress => Self::SendToDefaultAddress,
            K::SendtoDifferentaddress => Self::SendToDifferentAddress,
            K::SavetoMsg => Self::SaveToMsg,
        }
    }

    /// `restoretoOriginallocation` and `restoreTo`.
    pub fn restores(self) -> bool {
        matches!(self, Self::RestoreToOriginalLocation | Self::RestoreTo)
    }

    /// Restores and sends change production data: they must never be sent twice.
    pub fn changes_data(self) -> bool {
        !matches!(self, Self::ExportToPst | Self::SaveToMsg)
    }
}

/// Credentials for the Exchange organization: exactly one of three methods, by construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// An Exchange account's user name and password.
    UserPassword {
        /// The account.
        user_name: String,
        /// Its password.
        password: SecretString,
    },
    /// A device code from `getRestoreDeviceCode`, confirmed by the user.
    DeviceCode(String),
    /// An Azure AD application and its certificate.
    ApplicationCertificate {
        /// The application's ID.
        application_id: Uuid,
        /// The base64 of the PKCS#12 (PFX) file, as the wire wants it.
        certificate: SecretString,
        /// The PFX file's password.
        password: SecretString,
    },
}

impl Credentials {
    /// A user name and password.
    pub fn user_password(user_name: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self::UserPassword {
            user_name: user_name.into(),
            password: password.into(),
        }
    }

    /// A confirmed device code.
    pub fn device_code(user_code: impl Into<String>) -> Self {
        Self::DeviceCode(user_code.into())
    }

    /// An application and the raw bytes of its PFX file; the client base64-encodes them, so
    /// that no pasted or re-wrapped text reaches the server.
    pub fn application_certificate(
        application_id: Uuid,
        pfx: &[u8],
        password: impl Into<SecretString>,
    ) -> Self {
        use base64::Engine as _;
        Self::ApplicationCertificate {
            application_id,
            certificate: base64::engine::general_purpose::STANDARD.encode(pfx).into(),
            password: password.into(),
        }
    }
}

/// The options of `restoreTo`. All seven flags are always sent: older servers rejected a body
/// without them ("Missing mandatory parameters: ExcludeDrafts").
///
/// With the `cli` feature this is also the command line's set of restore flags (`vbo item
/// restore-to`, `vbo bulk restore-to`): each flag sets one field away from its
/// [`Default`], so a flag whose field defaults to true is spelled as what turning it off means
/// (`--skip-changed-items`, `--include-in-place-hold`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct RestoreOptions {
    /// Folder of the target mailbox; `None` keeps the item's original folder path.
    #[cfg_attr(
        feature = "cli",
        arg(
            long,
            value_name = "NAME",
            help = "Folder of the target mailbox (default: the item's original folder path)"
        )
    )]
    pub folder: Option<String>,
    /// Client Access Server to connect to; `None` lets the server discover it.
    #[cfg_attr(
        feature = "cli",
        arg(
            long,
            value_name = "HOST",
            help = "Client Access Server (default: discovered)"
        )
    )]
    pub cas_server: Option<String>,
    /// Restore items that changed since the backup. Default: true.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "skip-changed-items",
            action = clap::ArgAction::SetFalse,
            help = "Do not restore items that changed since the backup"
        )
    )]
    pub changed_items: bool,
    /// Restore items deleted since the backup. Default: true.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "skip-deleted-items",
            action = clap::ArgAction::SetFalse,
            help = "Do not restore items deleted since the backup"
        )
    )]
    pub deleted_items: bool,
    /// Mark restored items as unread. Default: false.
    #[cfg_attr(
        feature = "cli",
        arg(long = "mark-unread", help = "Mark restored items as unread")
    )]
    pub mark_restored_as_unread: bool,
    /// Leave out the Drafts folder. Default: false.
    #[cfg_attr(feature = "cli", arg(long, help = "Leave out the Drafts folder"))]
    pub exclude_drafts: bool,
    /// Leave out the Deleted Items folder. Default: false.
    #[cfg_attr(
        feature = "cli",
        arg(long, help = "Leave out the Deleted Items folder")
    )]
    pub exclude_deleted_items: bool,
    /// Leave out items under In-Place Hold. Default: true, as in Veeam's own tools.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "include-in-place-hold",
            action = clap::ArgAction::SetFalse,
            help = "Include items under In-Place Hold (excluded by default)"
        )
    )]
    pub exclude_in_place_hold_items: bool,
    /// Leave out items under Litigation Hold. Default: true, as in Veeam's own tools.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "include-litigation-hold",
            action = clap::ArgAction::SetFalse,
            help = "Include items under Litigation Hold (excluded by default)"
        )
    )]
    pub exclude_litigation_hold_items: bool,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        Self {
            folder: None,
            cas_server: None,
            changed_items: true,
            deleted_items: true,
            mark_restored_as_unread: false,
            exclude_drafts: false,
            exclude_deleted_items: false,
            exclude_in_place_hold_items: true,
            exclude_litigation_hold_items: true,
        }
    }
}

impl Action {
    /// `exportToPst` without a size limit: one PST comes back.
    pub fn export_to_pst() -> Self {
        Self::plain(MailboxItemAction::ExportToPst(types::ExportToPstOptions {
            content_keywords: None,
            enable_pst_size_limit: Some(false),
            pst_size_limit_bytes: None,
        }))
    }

    /// `exportToPst` split at `limit_bytes` (1 GiB ..= 49 GiB): a ZIP comes back when the
    /// export is larger than the limit.
    pub fn export_to_pst_split(limit_bytes: u64) -> Result<Self, Error> {
        let limit = i64::try_from(limit_bytes).unwrap_or(i64::MAX);
        validate::pst_size_limit(limit)?;
        Ok(Self::plain(MailboxItemAction::ExportToPst(
            types::ExportToPstOptions {
                content_keywords: None,
                enable_pst_size_limit: Some(true),
                pst_size_limit_bytes: Some(limit),
            },
        )))
    }

    /// `savetoMsg`: the MSG file comes back.
    pub fn save_to_msg() -> Self {
        Self::plain(MailboxItemAction::SavetoMsg(None))
    }

    /// `restoretoOriginallocation`: restore the item to its mailbox.
    pub fn restore_to_original(credentials: Credentials) -> Result<Self, Error> {
        use types::RestoreToOriginalLocationOptions as O;
        let body = match credentials {
            Credentials::UserPassword {
                user_name,
                password,
            } => O::UserPasswordCredentials(types::UserPasswordCredentials {
                user_name: non_empty(
                    &field(Key::RestoretoOriginallocation, "userName"),
                    user_name,
                )?,
                user_password: password,
            }),
            Credentials::DeviceCode(code) => {
                O::DeviceCodeCredentials(types::DeviceCodeCredentials {
                    user_code: non_empty(&field(Key::RestoretoOriginallocation, "userCode"), code)?,
                })
            }
            Credentials::ApplicationCertificate {
                application_id,
                certificate,
                password,
            } => O::ApplicationCertificateCredentials(types::ApplicationCertificateCredentials {
                application_id,
                application_certificate: certificate,
                application_certificate_password: password,
            }),
        };
        Self::try_from(MailboxItemAction::RestoretoOriginallocation(body))
    }

    /// `restoreTo`: restore the item into `mailbox` (an email address) with `options`.
    pub fn restore_to(
        mailbox: impl Into<String>,
        credentials: Credentials,
        options: RestoreOptions,
    ) -> Result<Self, Error> {
        use types::RestoreToOptions as O;
        let mailbox = mailbox.into();
        let RestoreOptions {
            cas_server,
            folder,
            changed_items,
            deleted_items,
            mark_restored_as_unread,
            exclude_drafts,
            exclude_deleted_items,
            exclude_in_place_hold_items,
            exclude_litigation_hold_items,
        } = options;
        // The three generated variants share these fields; a macro keeps them in one place.
        macro_rules! restore_to {
            ($variant:ident, $ty:ident { $($cred:ident: $value:expr),* $(,)? }) => {
                O::$variant(types::$ty {
                    mailbox,
                    cas_server,
                    folder,
                    changed_items: Some(changed_items),
                    deleted_items: Some(deleted_items),
                    mark_restored_as_unread: Some(mark_restored_as_unread),
                    exclude_drafts: Some(exclude_drafts),
                    exclude_deleted_items: Some(exclude_deleted_items),
                    exclude_in_place_hold_items: Some(exclude_in_place_hold_items),
                    exclude_litigation_hold_items: Some(exclude_litigation_hold_items),
                    $($cred: $value),*
                })
            };
        }
        let body = match credentials {
            Credentials::UserPassword {
                user_name,
                password,
            } => restore_to!(
                UserPassword,
                RestoreToWithUserPassword {
                    user_name: non_empty(&field(Key::RestoreTo, "userName"), user_name)?,
                    user_password: password,
                }
            ),
            Credentials::DeviceCode(code) => restore_to!(
                DeviceCode,
                RestoreToWithDeviceCode {
                    user_code: non_empty(&field(Key::RestoreTo, "userCode"), code)?,
                }
            ),
            Credentials::ApplicationCertificate {
                application_id,
                certificate,
                password,
            } => restore_to!(
                ApplicationCertificate,
                RestoreToWithApplicationCertificate {
                    application_id: application_id,
                    application_certificate: certificate,
                    application_certificate_password: password,
                }
            ),
        };
        Self::try_from(MailboxItemAction::RestoreTo(body))
    }

    /// `sendtoDefaultaddress`: mail the item as an attachment to its own mailbox.
    pub fn send_to_default_address() -> Self {
        Self::plain(MailboxItemAction::SendtoDefaultaddress(None))
    }

    /// `sendtoDifferentaddress`: mail the item as an attachment from `from` to `to`.
    pub fn send_to_different_address(
        from: impl Into<String>,
        to: impl Into<String>,
        subject: Option<String>,
        text: Option<String>,
    ) -> Result<Self, Error> {
        Self::try_from(MailboxItemAction::SendtoDifferentaddress(
            types::SendToDifferentAddressOptions {
                from: Some(from.into()),
                to: to.into(),
                subject,
                text,
            },
        ))
    }

    /// `sendtoDifferentaddress` without `from`: the server sends from the VEX email settings'
    /// sender.
    pub fn send_with_vex_sender(
        to: impl Into<String>,
        subject: Option<String>,
        text: Option<String>,
    ) -> Result<Self, Error> {
        Self::try_from(MailboxItemAction::SendtoDifferentaddress(
            types::SendToDifferentAddressOptions {
                from: None,
                to: to.into(),
                subject,
                text,
            },
        ))
    }

    /// Which action this is.
    pub fn kind(&self) -> ActionKind {
        ActionKind::of(self.0.key())
    }

    /// The generated body, as it goes on the wire.
    pub fn body(&self) -> &MailboxItemAction {
        &self.0
    }

    /// The body as JSON, in v4's shape (`{"<key>": options}`) with the restore extras inside
    /// the options, for the versions that take the options alone ([`crate::action_send`]).
    pub(crate) fn wire_value(&self) -> Result<serde_json::Value, Error> {
        let key = self.kind().wire_name();
        let mut value = serde_json::to_value(&self.0).map_err(|e| {
            Error::invalid(
                key,
                format!(
                    "cannot be written as JSON ({})",
                    crate::redact::serde_error(&e)
                ),
            )
        })?;
        let extras = self.1.properties(key)?;
        if let Some(options) = value
            .get_mut(key)
            .and_then(serde_json::Value::as_object_mut)
        {
            options.extend(extras);
        }
        Ok(value)
    }

    /// The restore's options of v6 and later (none by default).
    pub fn restore_extras(&self) -> &RestoreExtras {
        &self.1
    }

    /// Adds options that v6 and later servers take (`impersonationAccountName`,
    /// `officeRegion`, `officeOrganizationName`) to a restore. A version without them refuses
    /// the action before sending it; another kind of action refuses them here.
    pub fn with_restore_extras(mut self, extras: RestoreExtras) -> Result<Self, Error> {
        if !self.kind().restores() && !extras.is_empty() {
            return Err(Error::invalid(
                self.kind().wire_name(),
                "takes no restore options: they are for the two restores",
            ));
        }
        extras.properties(self.kind().wire_name())?;
        self.1 = extras;
        Ok(self)
    }

    /// Refuses, before sending, restore extras that `version`'s `operation` does not take
    /// (v4 takes none of them).
    pub(crate) fn check_for(
        &self,
        version: crate::ApiVersion,
        operation: crate::Operation,
    ) -> Result<(), Error> {
        if !self.1.is_empty() {
            crate::versioned::body_for(version, operation, &self.wire_value()?)?;
        }
        Ok(())
    }

    fn plain(body: MailboxItemAction) -> Self {
        Self(body, RestoreExtras::default())
    }

    /// The generated body, by value.
    pub fn into_body(self) -> MailboxItemAction {
        self.0
    }
}

impl TryFrom<MailboxItemAction> for Action {
    type Error = Error;

    /// Accepts a body built with the generated types, once it passes the spec's rules.
    fn try_from(body: MailboxItemAction) -> Result<Self, Error> {
        validate::action(&body)?;
        Ok(Self::plain(body))
    }
}

/// A field of an action's body, named as the server names it: `restoreTo.userName`.
fn field(key: Key, name: &str) -> String {
    format!("{}.{name}", key.wire_name())
}

fn non_empty<T: TryFrom<String>>(field: &str, value: String) -> Result<T, Error> {
    validate::not_empty(field, &value)?;
    T::try_from(value).map_err(|_| Error::invalid(field, "must not be empty"))
}
