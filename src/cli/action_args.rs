//! The arguments of the six actions, declared once for `vbo item` (one item) and `vbo bulk`
//! (each item of a list): [`ActionCommand`], generic over the [`Scope`] that says what
//! differs between the two. The restore flags are [`RestoreOptions`]' own.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use uuid::Uuid;
use vbo365::{Destination, RestoreOptions};

use super::args::{FolderRef, ItemRef, MailboxRef};
use super::parse::parse_size;

/// What the six actions apply to: one item (`vbo item`, [`ItemRef`]) or each item of the
/// `--ids` list (`vbo bulk`, [`EachItem`]). Each action's own arguments are the same for both;
/// what differs is here: the arguments naming the item, where a file goes, and the wording.
pub trait Scope: Args + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// `--to` (and for one item `--force`) of the actions that write a file.
    type Save: SaveTo;
    /// The one-line help of each action.
    const ABOUT: Abouts;
}

/// The one-line help of the six actions, in the words of a [`Scope`].
pub struct Abouts {
    pub export_pst: &'static str,
    pub save_msg: &'static str,
    pub restore: &'static str,
    pub restore_to: &'static str,
    pub send: &'static str,
    pub send_to: &'static str,
}

/// Where an action's file goes.
pub trait SaveTo: Args + Clone + std::fmt::Debug + Send + Sync + 'static {
    fn destination(&self) -> Destination;
}

impl Scope for ItemRef {
    type Save = SaveArgs;
    const ABOUT: Abouts = Abouts {
        export_pst: "Export an item to a PST file (or a ZIP of PST files when split)",
        save_msg: "Save an item as an MSG file",
        restore: "Restore an item to its original mailbox",
        restore_to: "Restore an item to another mailbox",
        send: "Mail an item as an attachment to its own mailbox",
        send_to: "Mail an item as an attachment to another address",
    };
}

/// Each item of `vbo bulk --ids`: no arguments of its own.
#[derive(Debug, Clone, Args)]
pub struct EachItem {}

impl Scope for EachItem {
    type Save = DirArgs;
    const ABOUT: Abouts = Abouts {
        export_pst: "Export each item to a PST file in a directory",
        save_msg: "Save each item as an MSG file in a directory",
        restore: "Restore each item to its original mailbox",
        restore_to: "Restore each item to another mailbox",
        send: "Mail each item to its own mailbox",
        send_to: "Mail each item to another address",
    };
}

/// What the three whole actions apply to: a mailbox ([`MailboxRef`], `vbo mailbox`) or one of
/// its folders ([`FolderRef`], `vbo folder`).
pub trait Whole: Args + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The one-line help of the export and the restores.
    const ABOUT: Abouts;
    /// The mailbox, or the folder's mailbox.
    fn mailbox(&self) -> &MailboxRef;
}

impl Whole for MailboxRef {
    const ABOUT: Abouts = Abouts {
        export_pst: "Export a whole mailbox to a PST file (or a ZIP of PST files when split)",
        save_msg: "",
        restore: "Restore a whole mailbox to its original location",
        restore_to: "Restore a whole mailbox into another mailbox",
        send: "",
        send_to: "",
    };
    fn mailbox(&self) -> &MailboxRef {
        self
    }
}

impl Whole for FolderRef {
    const ABOUT: Abouts = Abouts {
        export_pst: "Export a folder and its subfolders to a PST file (or a ZIP when split)",
        save_msg: "",
        restore: "Restore a folder and its subfolders to their original location",
        restore_to: "Restore a folder and its subfolders into another mailbox",
        send: "",
        send_to: "",
    };
    fn mailbox(&self) -> &MailboxRef {
        &self.mailbox
    }
}

/// The [`Scope`] of the whole actions once split from their target: no arguments of its own.
#[derive(Debug, Clone, Args)]
pub struct WholeScope {}

impl Scope for WholeScope {
    type Save = SaveArgs;
    // Only the export and the restores exist for a whole mailbox or folder.
    const ABOUT: Abouts = MailboxRef::ABOUT;
}

/// The three actions on a whole mailbox or folder, with the item actions' arguments.
#[derive(Debug, Clone, Subcommand)]
pub enum WholeActionCommand<T: Whole> {
    #[command(about = T::ABOUT.export_pst)]
    ExportPst {
        #[command(flatten)]
        target: T,
        #[command(flatten)]
        save: SaveArgs,
        /// Split the export at this many bytes (1 GiB to 49 GiB; suffixes KiB, MiB, GiB);
        /// a larger export comes back as a ZIP of PST files
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        split_at: Option<u64>,
    },
    #[command(about = T::ABOUT.restore)]
    Restore {
        #[command(flatten)]
        target: T,
        #[command(flatten)]
        credentials: CredentialArgs,
    },
    #[command(about = T::ABOUT.restore_to)]
    RestoreTo {
        #[command(flatten)]
        target: T,
        #[command(flatten)]
        args: Box<RestoreToArgs>,
    },
}

impl<T: Whole> WholeActionCommand<T> {
    /// The target, and the action as the item actions' command, so that one `build` and one
    /// `prepare` serve both.
    pub fn split(&self) -> (&T, ActionCommand<WholeScope>) {
        let scope = WholeScope {};
        match self {
            Self::ExportPst {
                target,
                save,
                split_at,
            } => (
                target,
                ActionCommand::ExportPst {
                    scope,
                    save: save.clone(),
                    split_at: *split_at,
                },
            ),
            Self::Restore {
                target,
                credentials,
            } => (
                target,
                ActionCommand::Restore {
                    scope,
                    credentials: credentials.clone(),
                },
            ),
            Self::RestoreTo { target, args } => (
                target,
                ActionCommand::RestoreTo {
                    scope,
                    args: args.clone(),
                },
            ),
        }
    }
}

/// The six actions, shared by `vbo item` and `vbo bulk`.
#[derive(Debug, Clone, Subcommand)]
pub enum ActionCommand<S: Scope> {
    #[command(about = S::ABOUT.export_pst)]
    ExportPst {
        #[command(flatten)]
        scope: S,
        #[command(flatten)]
        save: S::Save,
        /// Split the export at this many bytes (1 GiB to 49 GiB; suffixes KiB, MiB, GiB);
        /// a larger export comes back as a ZIP of PST files
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        split_at: Option<u64>,
    },
    #[command(about = S::ABOUT.save_msg)]
    SaveMsg {
        #[command(flatten)]
        scope: S,
        #[command(flatten)]
        save: S::Save,
    },
    #[command(about = S::ABOUT.restore)]
    Restore {
        #[command(flatten)]
        scope: S,
        #[command(flatten)]
        credentials: CredentialArgs,
    },
    #[command(about = S::ABOUT.restore_to)]
    RestoreTo {
        #[command(flatten)]
        scope: S,
        #[command(flatten)]
        args: Box<RestoreToArgs>,
    },
    #[command(about = S::ABOUT.send)]
    Send {
        #[command(flatten)]
        scope: S,
    },
    #[command(about = S::ABOUT.send_to)]
    SendTo {
        #[command(flatten)]
        scope: S,
        #[command(flatten)]
        args: SendToArgs,
    },
}

impl<S: Scope> ActionCommand<S> {
    /// The item (or, for `bulk`, nothing) the action applies to.
    pub fn scope(&self) -> &S {
        match self {
            Self::ExportPst { scope, .. }
            | Self::SaveMsg { scope, .. }
            | Self::Restore { scope, .. }
            | Self::RestoreTo { scope, .. }
            | Self::Send { scope }
            | Self::SendTo { scope, .. } => scope,
        }
    }

    /// Where the file goes, for the actions that return one.
    pub fn save(&self) -> Option<&S::Save> {
        match self {
            Self::ExportPst { save, .. } | Self::SaveMsg { save, .. } => Some(save),
            _ => None,
        }
    }
}

/// `--to` of one item or mailbox: a file, or a directory for `<id>.<kind>`.
#[derive(Debug, Clone, Args)]
pub struct SaveArgs {
    /// File to write, or a directory to write `<id>.<kind>` into (the item's or mailbox's id)
    #[arg(long, value_name = "FILE|DIR")]
    pub to: PathBuf,
    /// Replace the file if it exists (only once the download is complete)
    #[arg(long)]
    pub force: bool,
}

impl SaveTo for SaveArgs {
    fn destination(&self) -> Destination {
        if self.to.is_dir() {
            Destination::Directory(self.to.clone())
        } else {
            Destination::File {
                path: self.to.clone(),
                overwrite: self.force,
            }
        }
    }
}

/// `--to` of `bulk`: the directory for every item's file.
#[derive(Debug, Clone, Args)]
pub struct DirArgs {
    /// Directory for the files
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
}

impl SaveTo for DirArgs {
    fn destination(&self) -> Destination {
        Destination::Directory(self.to.clone())
    }
}

/// Exactly one of three methods; `--app-cert` goes with `--app-id`.
#[derive(Debug, Clone, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("credentials").required(true).multiple(false)))]
pub struct CredentialArgs {
    /// Exchange account to restore with; its password comes from VBO_EXCHANGE_PASSWORD or a prompt
    #[arg(long, value_name = "NAME", group = "credentials")]
    pub exchange_user: Option<String>,
    /// Device code from `vbo device-code`, confirmed by the user
    #[arg(long, value_name = "CODE", group = "credentials")]
    pub device_code: Option<String>,
    /// Azure AD application to restore with (needs --app-cert); the PFX password comes
    /// from VBO_APP_CERT_PASSWORD or a prompt
    #[arg(long, value_name = "ID", group = "credentials", requires = "app_cert")]
    pub app_id: Option<Uuid>,
    /// The application's certificate, a PKCS#12 (PFX) file
    #[arg(long, value_name = "PFX", requires = "app_id")]
    pub app_cert: Option<PathBuf>,
    /// Exchange account the application impersonates (API v6 and later, which need it with
    /// --app-id)
    #[arg(long, value_name = "ACCOUNT", requires = "app_id")]
    pub impersonate: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreToArgs {
    /// Email address of the mailbox to restore into
    #[arg(long, value_name = "ADDRESS")]
    pub mailbox: String,
    /// The seven restore flags, declared with [`RestoreOptions`] itself.
    #[command(flatten)]
    pub options: RestoreOptions,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Microsoft 365 region of the target organization (API v6 and later)
    #[arg(long, value_name = "REGION",
          value_parser = super::parse::WireEnumParser::new(vbo365::OfficeRegion::ALL))]
    pub office_region: Option<vbo365::OfficeRegion>,
    /// Name of the target Exchange organization, such as eastsupport.onmicrosoft.com (API v6
    /// and later)
    #[arg(long, value_name = "NAME")]
    pub office_org: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SendToArgs {
    /// Address the message is sent from [default: the VEX email settings' sender]
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// Address the message is sent to
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Subject of the message
    #[arg(long)]
    pub subject: Option<String>,
    /// Body of the message
    #[arg(long)]
    pub text: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command, ItemCommand};
    use clap::Parser as _;

    fn restore_options(flags: &[&str]) -> RestoreOptions {
        let line = [
            "vbo",
            "item",
            "restore-to",
            "--session",
            "5e4b0b1e-8f4a-4f3c-9c3e-2d8b8a7f6a01",
            "--mailbox-id",
            "5e4b0b1e-8f4a-4f3c-9c3e-2d8b8a7f6a02",
            "item-1",
            "--mailbox",
            "a@example.com",
            "--device-code",
            "C6A9DB737",
        ];
        let cli = Cli::try_parse_from(line.iter().chain(flags)).unwrap();
        match cli.command {
            Command::Item(ItemCommand::Action(ActionCommand::RestoreTo { args, .. })) => {
                args.options
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn no_restore_flag_means_the_library_defaults() {
        assert_eq!(restore_options(&[]), RestoreOptions::default());
    }

    #[test]
    fn each_restore_flag_turns_its_field_away_from_the_default() {
        let every = restore_options(&[
            "--folder",
            "Recovered",
            "--cas-server",
            "cas.example.com",
            "--skip-changed-items",
            "--skip-deleted-items",
            "--mark-unread",
            "--exclude-drafts",
            "--exclude-deleted-items",
            "--include-in-place-hold",
            "--include-litigation-hold",
        ]);
        assert_eq!(
            every,
            RestoreOptions {
                folder: Some("Recovered".into()),
                cas_server: Some("cas.example.com".into()),
                changed_items: false,
                deleted_items: false,
                mark_restored_as_unread: true,
                exclude_drafts: true,
                exclude_deleted_items: true,
                exclude_in_place_hold_items: false,
                exclude_litigation_hold_items: false,
            }
        );
    }
}
