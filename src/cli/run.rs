//! The commands: each builds and checks its whole request first, then connects, logs in,
//! calls the client and prints the result. Nothing reaches the server before the request is
//! known to be complete and valid: exit code 2 means nothing was sent.
//!
//! This module runs a parsed command line and routes it; the commands live by what they do:
//! [`session`](super::session) (connecting, logging in, restore sessions),
//! [`browse`](super::browse) (organizations, mailboxes, folders, items),
//! [`action`](super::action) (the six actions on one item, three on a mailbox),
//! [`bulk`](super::bulk),
//! [`vex`](super::vex) (the email settings) and [`device_code`](super::device_code).

use std::future::Future;

use vbo365::{Client, Error, types};

use super::args::*;
use super::failure::{self, Doing, Failure};
use super::output::Output;
use super::{action, browse, bulk, device_code, session, signal, token_file, vex};

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Output {
        format: cli.global.output,
        quiet: cli.global.quiet,
    };
    let global = &cli.global;
    match &cli.command {
        #[cfg(feature = "sim")]
        Command::Sim(args) => return super::sim::serve(args, global.api_version, out).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => return super::demo::run(args, global.api_version, out).await,
        Command::Completions { shell } => return super::completions::script(*shell),
        Command::Man { out: dir } => return super::completions::man_pages(dir),
        _ => {}
    }
    // Everything that can be refused is refused here, before the first connection.
    let client = session::connect(global)?;
    let plan = Plan::prepare(global, &cli.command)?;
    let ctx = Ctx {
        client,
        out,
        with_token_file: global.token_file.is_some(),
    };
    match &cli.command {
        Command::Login { save_token } => session::login(&ctx, global, save_token.as_deref()).await,
        command => {
            match &global.token_file {
                Some(path) => token_file::resume(&ctx.client, path)?,
                None => session::log_in(&ctx, global).await?,
            }
            match plan {
                Plan::Item(item, prepared) => action::run(&ctx, item, &prepared).await,
                Plan::Mailbox(mailbox, prepared) => {
                    action::run_on_mailbox(&ctx, mailbox, &prepared).await
                }
                Plan::Folder(folder, prepared) => {
                    action::run_on_folder(&ctx, folder, &prepared).await
                }
                Plan::Bulk(plan) => bulk::run(&ctx, plan).await,
                Plan::Vex(body) => vex::set(&ctx, *body).await,
                Plan::Read => dispatch(&ctx, command).await,
            }
        }
    }
}

/// A command's request, built and checked before login.
enum Plan<'a> {
    /// One action on one item.
    Item(&'a ItemRef, action::Prepared),
    /// One action on a whole mailbox.
    Mailbox(&'a MailboxRef, action::Prepared),
    /// One action on a folder and its subfolders.
    Folder(&'a FolderRef, action::Prepared),
    Bulk(bulk::Plan<'a>),
    Vex(Box<types::VexEmailSettingsUpdate>),
    /// Everything else: reads, and requests whose arguments clap has already checked.
    Read,
}

impl<'a> Plan<'a> {
    fn prepare(global: &Global, command: &'a Command) -> Result<Self, Failure> {
        Ok(match command {
            Command::Login { .. } if global.token_file.is_some() => {
                return Err(Failure::usage("`login` takes a password, not --token-file"));
            }
            Command::Item(ItemCommand::Action(command)) => {
                let item = command.scope();
                Self::Item(item, action::prepare(command, &item.mailbox, false)?)
            }
            Command::Mailbox(MailboxCommand::Action(command)) => {
                let (mailbox, command) = command.split();
                Self::Mailbox(mailbox, action::prepare(&command, mailbox, true)?)
            }
            Command::Folder(FolderCommand::Action(command)) => {
                let (folder, command) = command.split();
                Self::Folder(folder, action::prepare(&command, folder.mailbox(), true)?)
            }
            Command::Bulk(args) => Self::Bulk(bulk::prepare(args, global.password_stdin)?),
            Command::Vex(VexCommand::Set(args)) => Self::Vex(Box::new(vex::settings(args)?)),
            Command::Session(SessionCommand::Create { org: None, .. })
                if !global.tenant && global.token_file.is_none() =>
            {
                return Err(Failure::usage("no organization given").with_hint(
                    "pass --org ID (see `vbo org list`); a tenant logs in with --tenant and \
                     explores its own organization",
                ));
            }
            _ => Self::Read,
        })
    }
}

/// The commands that read, or whose arguments need no checks beyond clap's.
async fn dispatch(ctx: &Ctx, command: &Command) -> Result<(), Failure> {
    match command {
        Command::Org(command) => browse::org(ctx, command).await,
        Command::Session(command) => session::restore_session(ctx, command).await,
        Command::Mailbox(command) => browse::mailbox(ctx, command).await,
        Command::Folder(command) => browse::folder(ctx, command).await,
        Command::Item(command) => browse::item(ctx, command).await,
        Command::Vex(VexCommand::Show) => vex::show(ctx).await,
        Command::DeviceCode(args) => device_code::get(ctx, args).await,
        Command::Login { .. } | Command::Bulk(_) | Command::Vex(VexCommand::Set(_)) => {
            Err(Failure::internal("this command has its own plan"))
        }
        #[cfg(feature = "sim")]
        Command::Sim(_) | Command::Demo(_) => Err(Failure::internal("handled before connecting")),
        Command::Completions { .. } | Command::Man { .. } => {
            Err(Failure::internal("handled before connecting"))
        }
    }
}

pub struct Ctx {
    pub client: Client,
    pub out: Output,
    with_token_file: bool,
}

impl Ctx {
    pub fn fail(&self, error: &Error, doing: Doing) -> Failure {
        failure::from_error(error, doing, self.with_token_file)
    }

    /// Awaits one request (`.call()` of a generated builder) of a command that reads, or
    /// that changes nothing but settings; its error is the command's failure.
    pub async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Failure> {
        request.await.map_err(|e| self.fail(&e, Doing::Other))
    }

    /// Awaits `work`, or stops at Ctrl-C, SIGTERM or SIGHUP. Dropping the work removes its
    /// temporary file, so nothing partial is left under a final name. `unknown` says how to
    /// check an action that may have run when it was stopped.
    pub async fn interruptible<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
        unknown: Option<&str>,
    ) -> Result<T, Failure> {
        tokio::select! {
            result = work => result,
            signal = signal::wait() => Err(Failure::interrupted(signal, unknown)),
        }
    }
}
