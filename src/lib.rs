//! Client for the Veeam Backup for Microsoft Office 365 REST API v4 mailbox-item actions.

pub mod generated {
    //! The client generated from `openapi/vbo-v4.yaml` by `build.rs`.
    #![allow(missing_docs, clippy::all, unused_imports)]
    include!(concat!(env!("OUT_DIR"), "/vbo_v4.rs"));
}

mod hooks;
mod secret;

pub use hooks::Inner;
pub use secret::SecretString;
