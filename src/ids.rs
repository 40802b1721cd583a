//! Ids that cannot be swapped: a session id where a mailbox id belongs does not compile.
//!
//! On the wire all three are UUIDs; here each is its own type. Get them from what the server
//! returned ([`types::RestoreSession::session_id`] and the like) or parse them from text; an
//! explicit [`From<Uuid>`] names the type at the call site.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::generated::types;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $of:ty, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id of this UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID on the wire.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }

        impl $of {
            #[doc = concat!("This one's [`", stringify!($name), "`].")]
            pub fn $accessor(&self) -> $name {
                $name(self.id)
            }
        }
    };
}

uuid_id!(
    /// An organization (`organizationId`).
    OrganizationId,
    types::Organization,
    organization_id
);
uuid_id!(
    /// A restore session (`restoreSessionId`).
    SessionId,
    types::RestoreSession,
    session_id
);
uuid_id!(
    /// A mailbox of a restore session (`mailboxId`).
    MailboxId,
    types::Mailbox,
    mailbox_id
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_print_as_their_uuid() {
        let text = "380d7caf-6294-4a33-b50a-b8aeb13af58c";
        let id: SessionId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert_eq!(Uuid::from(id), id.uuid());
        assert!("not-a-uuid".parse::<MailboxId>().is_err());
    }
}
