//! A client for the Veeam Backup for Microsoft Office 365 (VBO) REST API v4 mailbox-item
//! actions: export to PST, restore, send and save as MSG.
//!
//! The client is generated at build time from `openapi/vbo-v4.yaml` ([`generated`]); this
//! crate adds a thin typed layer: validated actions whose outcome type follows from the action
//! ([`ItemAction`]; [`Action`] and [`ActionOutcome`] at run time), one [`Error`] type, and secrets that never print.
//!
#![doc = include_str!("guide.md")]

pub mod generated {
    //! The client generated from `openapi/vbo-v4.yaml` by `build.rs`; see `crates/codegen/src/view.rs` for
    //! the few places where generation differs from the spec.
    #![allow(missing_docs, clippy::all, unused_imports)]
    include!(concat!(env!("OUT_DIR"), "/vbo_v4.rs"));

    pub mod wire {
        //! What the hand-written layer knows of the wire, derived from the spec and the
        //! generated client by `crates/codegen/src/wire.rs`: the operation table, every string enum's
        //! values, the item action's keys.
        include!(concat!(env!("OUT_DIR"), "/vbo_v4_wire.rs"));
    }
}

mod action;
mod auth;
mod bulk;
pub mod check;
mod client;
mod download;
mod error;
mod file_download;
mod hooks;
mod ids;
mod item_action;
mod items;
mod mailbox;
mod operations;
mod organizations;
mod outcome;
mod paging;
mod path;
mod redact;
mod retry;
mod secret;
mod server_message;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "spec")]
pub mod spec;
mod timestamp;
mod validate;

pub use action::{Action, ActionKind, Credentials, RestoreOptions};
pub use auth::{MAX_TOKEN_LIFETIME, RefreshedToken, token_lifetime};
pub use bulk::{BulkItem, BulkOptions, BulkOutcome};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT,
};
pub use download::{Destination, Progress, SavedFile};
pub use error::{Error, Report};
pub use file_download::{FileDownload, FileKind};
pub use generated::types;
pub use generated::wire::Operation;
pub use ids::{MailboxId, OrganizationId, SessionId};
pub use item_action::{
    ExportToPst, ItemAction, RestoreTo, RestoreToOriginalLocation, SaveToMsg, SendToDefaultAddress,
    SendToDifferentAddress,
};
pub use items::ItemIds;
pub use mailbox::MailboxAction;
pub use organizations::LoginKind;
pub use outcome::{ActionOutcome, Restored, Sent};
pub use retry::RetryPolicy;
pub use secret::SecretString;
pub use timestamp::Timestamp;

/// The README's example, compiled as a doc test so that it stays true (the guide's examples are
/// the crate documentation's own doc tests).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
