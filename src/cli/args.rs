//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;
use vbo365::types;
use vbo365::{MailboxId, OrganizationId, SessionId};

pub use super::action_args::*;
use super::parse::{FolderIdParser, ItemIdParser, WireEnumParser, parse_seconds, parse_size};

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
/// through its REST API (v4, v6, v7 and v8).
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

    /// API version to speak: auto (the newest the server serves, asked once without logging
    /// in), v4, v6, v7 or v8
    #[arg(
        long,
        env = "VBO_API_VERSION",
        global = true,
        value_name = "VERSION",
        default_value = "auto",
        value_parser = parse_api_version
    )]
    pub api_version: vbo365::VersionChoice,

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

    /// Log in as a tenant (the Microsoft 365 account that added the organization) rather than
    /// a VBO administrator: `org` and `session create` then use the tenant's own organization
    #[arg(long, env = "VBO_TENANT", global = true)]
    pub tenant: bool,

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
    /// Run the embedded simulator of a VBO server (API v4, v6, v7 and v8)
    ///
    /// It serves API v4, v6, v7 and v8 at once, each from its own spec, over the same data;
    /// `--api-version v6` (or VBO_API_VERSION) serves that version alone, and the routes of
    /// the others answer 404. v8's restores run for `--restore-delay` after their answer.
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
    /// Show an organization, with the times of its first and latest backups
    Show {
        /// Organization ID (`vbo org list`)
        id: OrganizationId,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a restore session for an organization (explore)
    Create {
        /// Organization ID (`vbo org list`); required for an administrator, while a tenant
        /// (`--tenant`) explores its own organization without it
        #[arg(long, value_name = "ID")]
        org: Option<OrganizationId>,
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
        session: SessionId,
    },
    /// Stop a restore session
    Stop {
        /// Restore session ID
        session: SessionId,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// List the mailboxes of a restore session (all pages)
    List {
        #[arg(long, value_name = "ID")]
        session: SessionId,
    },
    /// Show a mailbox
    Show {
        #[command(flatten)]
        mailbox: MailboxRef,
    },
    #[command(flatten)]
    Action(WholeActionCommand<MailboxRef>),
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
    /// Show a folder
    Show {
        #[command(flatten)]
        folder: FolderRef,
    },
    #[command(flatten)]
    Action(WholeActionCommand<FolderRef>),
}

/// One folder of a mailbox: where `vbo folder` runs an action.
#[derive(Debug, Clone, Args)]
pub struct FolderRef {
    #[command(flatten)]
    pub mailbox: MailboxRef,
    /// Folder ID (`vbo folder list`)
    #[arg(value_name = "FOLDER", value_parser = FolderIdParser)]
    pub folder_id: String,
}

/// Which mailbox of which restore session.
#[derive(Debug, Clone, Args)]
pub struct MailboxRef {
    /// Restore session ID
    #[arg(long, value_name = "ID")]
    pub session: SessionId,
    /// Mailbox ID (`vbo mailbox list`)
    #[arg(long, value_name = "ID")]
    pub mailbox_id: MailboxId,
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

#[derive(Debug, Args)]
pub struct BulkArgs {
    #[command(flatten)]
    pub mailbox: MailboxRef,
    /// File with one item ID per line, or - for standard input
    #[arg(long, value_name = "FILE|-")]
    pub ids: PathBuf,
    /// Items in flight at once (with --per-item, or for the actions sent per item anyway)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// One request per item, also for export-pst, restore and restore-to, which otherwise
    /// go in one request for all items (one PST; one restore)
    #[arg(long)]
    pub per_item: bool,
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
    pub session: SessionId,
    /// Azure AD application used for the restore
    #[arg(long, value_name = "ID")]
    pub app_id: Option<Uuid>,
    /// Organization to restore to
    #[arg(long, value_name = "NAME")]
    pub org_name: Option<String>,
    /// Microsoft 365 region
    #[arg(long, value_parser = WireEnumParser::new(types::RestoreDeviceCodeRequestTargetRegion::ALL))]
    pub region: Option<types::RestoreDeviceCodeRequestTargetRegion>,
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
    /// More messages in the first mailbox's Inbox, for bulk runs over many distinct items
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(..=vbo365::sim::MAX_EXTRA_ITEMS as i64))]
    pub extra_items: u32,
    /// Access token lifetime in seconds
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub token_lifetime: u64,
    /// Size of exported PST files, from 64KiB; larger when the items need more (suffixes KiB, MiB, GiB)
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub pst_size: u64,
    /// Directory to write the CA certificate into (default: a temporary one)
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<PathBuf>,
    /// Seconds a client may take to send a request's headers, and its body
    #[arg(long, default_value_t = vbo365::sim::DEFAULT_READ_TIMEOUT.as_secs(), value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub read_timeout: u64,
    /// Milliseconds a v8 restore runs after its answer, before its statistics show the outcome
    #[arg(long, value_name = "MS",
          default_value_t = vbo365::sim::DEFAULT_RESTORE_DELAY.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(..=vbo365::sim::MAX_RESTORE_DELAY.as_millis() as u64))]
    pub restore_delay: u64,
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

fn parse_api_version(text: &str) -> Result<vbo365::VersionChoice, String> {
    text.parse()
        .map_err(|e: vbo365::Error| e.rule().map_or_else(|| e.to_string(), str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn regions_are_the_spec_s_in_kebab_case_and_listed() {
        use types::RestoreDeviceCodeRequestTargetRegion as R;
        let region = |value: &str| {
            let line = [
                "vbo",
                "device-code",
                "--session",
                "5e4b0b1e-8f4a-4f3c-9c3e-2d8b8a7f6a01",
            ];
            let cli = Cli::try_parse_from(line.into_iter().chain(["--region", value]))?;
            match cli.command {
                Command::DeviceCode(args) => Ok::<_, clap::Error>(args.region),
                other => panic!("parsed as {other:?}"),
            }
        };
        assert_eq!(region("worldwide").unwrap(), Some(R::Worldwide));
        assert_eq!(region("us-defence").unwrap(), Some(R::UsDefence));
        assert_eq!(region("USGovernment").unwrap(), Some(R::UsGovernment));
        assert!(region("mars").is_err());
        let help = Cli::command()
            .find_subcommand_mut("device-code")
            .unwrap()
            .render_help()
            .to_string();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains(
                "[possible values: worldwide, germany, china, us-defence, us-government]"
            ),
            "{help}"
        );
    }
}
