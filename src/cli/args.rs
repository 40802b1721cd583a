//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;
use vbo365::{Destination, RestoreOptions};

use super::parse::{ItemIdParser, parse_seconds, parse_size};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  2  usage error, or input refused before anything was sent
  3  rejected by the server (4xx: wrong password, unknown item, stopped session...)
  4  server or network failure (5xx, connection, TLS, timeout, broken download),
     or an answer that does not fit the action (no file written, no success shown)
  5  a restore or send may have run, but no answer says so: check before rerunning
  6  a restore ran, but some items failed (failedItemsCount > 0)
  130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP); no partial file is left,
     and `bulk` reports every item first

Secrets never go on the command line: the password comes from VBO_PASSWORD,
--password-stdin or a prompt; Exchange and certificate passwords likewise
(VBO_EXCHANGE_PASSWORD, VBO_APP_CERT_PASSWORD, VBO_SMTP_PASSWORD).";

/// Export, restore, send and save mailbox items of Veeam Backup for Microsoft Office 365
/// through its REST API v4.
#[derive(Debug, Parser)]
#[command(name = "vbo", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// VBO server, such as https://vbo.example.com:4443
    #[arg(
        long,
        env = "VBO_SERVER",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    pub server: Option<String>,

    /// Trust the CA certificates in this PEM file (for a private or self-signed server certificate)
    #[arg(
        long,
        env = "VBO_CA_CERT",
        global = true,
        value_name = "PEM",
        hide_env_values = true
    )]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify the server's certificate (unsafe; prints a warning)
    #[arg(long, global = true)]
    pub insecure: bool,

    /// VBO account to log in with; its password comes from VBO_PASSWORD, --password-stdin or a prompt
    #[arg(
        long,
        short = 'u',
        env = "VBO_USER",
        global = true,
        value_name = "NAME",
        hide_env_values = true
    )]
    pub user: Option<String>,

    /// Read the VBO password from the first line of standard input
    #[arg(long, global = true)]
    pub password_stdin: bool,

    /// Use the token saved by `vbo login --save-token` instead of a password
    #[arg(
        long,
        env = "VBO_TOKEN_FILE",
        global = true,
        value_name = "FILE",
        hide_env_values = true
    )]
    pub token_file: Option<PathBuf>,

    /// Longest silence of a download once it has started, in seconds (0: none)
    #[arg(long, global = true, default_value_t = 300, value_name = "SECS",
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub idle_timeout: u64,

    /// Output format: tables for people, JSON for scripts
    #[arg(long, short = 'o', value_enum, global = true, default_value_t = Format::Table)]
    pub output: Format,

    /// More logging (-v, -vv, -vvv); logs go to stderr and never contain secrets
    #[arg(long, short = 'v', action = ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print nothing but errors and the requested output
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the credentials and show when the token expires
    Login {
        /// Also write the token to this file (mode 0600), for --token-file
        #[arg(long, value_name = "FILE")]
        save_token: Option<PathBuf>,
    },
    /// Organizations
    #[command(subcommand)]
    Org(OrgCommand),
    /// Restore sessions
    #[command(subcommand)]
    Session(SessionCommand),
    /// Mailboxes of a restore session
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// Folders of a mailbox
    #[command(subcommand)]
    Folder(FolderCommand),
    /// Items of a mailbox, and the six actions on one item
    #[command(subcommand)]
    Item(ItemCommand),
    /// One action on many items
    Bulk(BulkArgs),
    /// VEX email settings, which the send actions need
    #[command(subcommand)]
    Vex(VexCommand),
    /// Get a device code to restore with modern authentication
    DeviceCode(DeviceCodeArgs),
    /// Run the embedded simulator of a VBO v4 server
    #[cfg(feature = "sim")]
    Sim(SimArgs),
    /// Show the whole product working against the embedded simulator
    #[cfg(feature = "sim")]
    Demo(DemoArgs),
    /// Print the shell completion script for SHELL to stdout
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write the man pages of vbo and of every subcommand into a directory
    Man {
        /// The directory to write them into (created if missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// The shells `vbo completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List organizations
    List,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a restore session for an organization (explore)
    Create {
        /// Organization ID (`vbo org list`)
        #[arg(long, value_name = "ID")]
        org: Uuid,
        /// Point in time to explore, RFC 3339 (default: the latest backup)
        #[arg(long, value_name = "DATETIME")]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Also expose deleted items
        #[arg(long)]
        show_deleted: bool,
        /// Expose every version of each item
        #[arg(long)]
        all_versions: bool,
    },
    /// List restore sessions
    List,
    /// Show a restore session
    Show {
        /// Restore session ID
        session: Uuid,
    },
    /// Stop a restore session
    Stop {
        /// Restore session ID
        session: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// List the mailboxes of a restore session (all pages)
    List {
        #[arg(long, value_name = "ID")]
        session: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum FolderCommand {
    /// List the folders of a mailbox (all pages)
    List {
        #[command(flatten)]
        mailbox: MailboxRef,
        /// List the children of this folder (default: top level)
        #[arg(long, value_name = "ID")]
        parent: Option<String>,
    },
}

/// Which mailbox of which restore session.
#[derive(Debug, Clone, Args)]
pub struct MailboxRef {
    /// Restore session ID
    #[arg(long, value_name = "ID")]
    pub session: Uuid,
    /// Mailbox ID (`vbo mailbox list`)
    #[arg(long, value_name = "ID")]
    pub mailbox_id: Uuid,
}

/// One item of a mailbox: where `vbo item` runs an action.
#[derive(Debug, Clone, Args)]
pub struct ItemRef {
    #[command(flatten)]
    pub mailbox: MailboxRef,
    /// Item ID (`vbo item list`)
    #[arg(value_parser = ItemIdParser)]
    pub item: String,
}

#[derive(Debug, Subcommand)]
pub enum ItemCommand {
    /// List the items of a mailbox or folder (all pages)
    List {
        #[command(flatten)]
        mailbox: MailboxRef,
        /// Only the items of this folder
        #[arg(long, value_name = "ID")]
        folder: Option<String>,
    },
    /// Show an item
    Show {
        #[command(flatten)]
        item: ItemRef,
    },
    #[command(flatten)]
    Action(ActionCommand<ItemRef>),
}

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
        args: RestoreToArgs,
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

/// `--to` of one item: a file, or a directory for `<item id>.<kind>`.
#[derive(Debug, Clone, Args)]
pub struct SaveArgs {
    /// File to write, or a directory to write `<item id>.<kind>` into
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
}

#[derive(Debug, Clone, Args)]
pub struct SendToArgs {
    /// Address the message is sent from
    #[arg(long, value_name = "ADDRESS")]
    pub from: String,
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

#[derive(Debug, Args)]
pub struct BulkArgs {
    #[command(flatten)]
    pub mailbox: MailboxRef,
    /// File with one item ID per line, or - for standard input
    #[arg(long, value_name = "FILE|-")]
    pub ids: PathBuf,
    /// Items in flight at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(subcommand)]
    pub action: ActionCommand<EachItem>,
}

#[derive(Debug, Subcommand)]
pub enum VexCommand {
    /// Show the VEX email settings
    Show,
    /// Change the VEX email settings; options left out stay as they are
    Set(VexSetArgs),
}

#[derive(Debug, Args)]
pub struct VexSetArgs {
    /// Enable or disable sending
    #[arg(long, value_name = "BOOL")]
    pub enable: Option<bool>,
    /// SMTP server host name
    #[arg(long, value_name = "HOST")]
    pub smtp_server: Option<String>,
    /// SMTP server port
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Use TLS to the SMTP server
    #[arg(long, value_name = "BOOL")]
    pub use_ssl: Option<bool>,
    /// SMTP account; its password comes from VBO_SMTP_PASSWORD or a prompt
    #[arg(long, value_name = "NAME")]
    pub smtp_user: Option<String>,
    /// Sender address of the messages
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeviceCodeArgs {
    /// Restore session ID
    #[arg(long, value_name = "ID")]
    pub session: Uuid,
    /// Azure AD application used for the restore
    #[arg(long, value_name = "ID")]
    pub app_id: Option<Uuid>,
    /// Organization to restore to
    #[arg(long, value_name = "NAME")]
    pub org_name: Option<String>,
    /// Microsoft 365 region
    #[arg(long, value_enum)]
    pub region: Option<Region>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Region {
    Worldwide,
    Germany,
    China,
    #[value(name = "us-defence")]
    UsDefence,
    #[value(name = "us-government")]
    UsGovernment,
}

#[cfg(feature = "sim")]
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub addr: std::net::IpAddr,
    /// Port to listen on (0: a free one)
    #[arg(long, default_value_t = vbo365::sim::DEFAULT_PORT)]
    pub port: u16,
    /// Serve plain HTTP instead of HTTPS
    #[arg(long)]
    pub no_tls: bool,
    /// Seed of the generated backup data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Access token lifetime in seconds
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub token_lifetime: u64,
    /// Size of exported PST files (suffixes KiB, MiB, GiB)
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub pst_size: u64,
    /// Directory to write the CA certificate into (default: a temporary one)
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<PathBuf>,
}

#[cfg(feature = "sim")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the exported PST and MSG files
    #[arg(long, default_value = "vbo-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Size of the exported PST (suffixes KiB, MiB, GiB)
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    pub pst_size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

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
