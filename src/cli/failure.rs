//! Errors as the user sees them: one line, a hint, and a documented exit code.

use std::process::ExitCode;

use vbo365::Error;

use super::signal::Signal;

/// Exit codes, as `vbo --help` documents them.
pub mod code {
    pub const USAGE: u8 = 2;
    pub const REJECTED: u8 = 3;
    pub const FAILED: u8 = 4;
    /// A restore or send may have run, but no answer says so: check before running it again.
    pub const STATE_UNKNOWN: u8 = 5;
    /// A restore ran, but some items failed (`failedItemsCount` > 0).
    pub const INCOMPLETE: u8 = 6;

    /// The code of a run with failures of both codes: "may have run" first, since it needs a
    /// check before any rerun, then an incomplete restore, then the highest.
    pub fn worst(a: u8, b: u8) -> u8 {
        let rank = |c: u8| match c {
            STATE_UNKNOWN => 3,
            INCOMPLETE => 2,
            0 => 0,
            _ => 1,
        };
        match rank(a).cmp(&rank(b)) {
            std::cmp::Ordering::Greater => a,
            std::cmp::Ordering::Less => b,
            std::cmp::Ordering::Equal => a.max(b),
        }
    }
}

/// A failed command: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            code: code::USAGE,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            code: code::FAILED,
        }
    }

    /// Stopped by `signal` while `doing` ran. `unknown` is the hint for an action that may
    /// already have reached the server, `None` when nothing changes on the server.
    pub fn interrupted(signal: Signal, unknown: Option<&str>) -> Self {
        let hint = match unknown {
            Some(check) => format!("the action may have run: {check} before running it again"),
            None => "nothing was left under the final file name".into(),
        };
        Self {
            message: signal.describe().into(),
            hint: Some(hint),
            code: signal.exit_code(),
        }
    }

    /// A usage error about `flag`, for an invalid-input error of the client on one field.
    pub fn flag(flag: &str, error: &Error) -> Self {
        let rule = error
            .rule()
            .map_or_else(|| error.to_string(), str::to_string);
        Self::usage(format!("invalid `{flag}`: {rule}")).with_hint("nothing was sent to the server")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prints the failure on stderr and returns its exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("error: {}", self.message);
        if let Some(hint) = &self.hint {
            eprintln!("hint: {hint}");
        }
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        from_error(&error, Doing::Other, false)
    }
}

/// What the command was doing, for a better hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    Login,
    Export,
    Other,
}

/// The exit code an error of the client deserves.
pub fn exit_code(error: &Error) -> u8 {
    if error.is_invalid() {
        code::USAGE
    } else if error.status().is_some_and(|s| s.is_client_error()) {
        code::REJECTED
    } else {
        code::FAILED
    }
}

/// Whether `error` leaves it open whether an action ran: the request may have reached the
/// server and no answer says it was refused (a 4xx is a refusal; a 5xx, a cut connection or an
/// unreadable 200 are not).
pub fn state_unknown(error: &Error) -> bool {
    error.may_have_reached_server() && !error.status().is_some_and(|s| s.is_client_error())
}

/// A client error of an action that changes data and may have run: says so, and `check`
/// says how to find out.
pub fn may_have_run(error: &Error, what: &str, check: &str) -> Failure {
    Failure {
        message: format!(
            "{}; the {what} may have run, its state is unknown",
            error.report()
        ),
        hint: Some(format!("{check} before running it again")),
        code: code::STATE_UNKNOWN,
    }
}

/// Turns a client error into one line and a hint.
pub fn from_error(error: &Error, doing: Doing, with_token_file: bool) -> Failure {
    let hint = if error.is_certificate() {
        Some("the server's certificate is not trusted: pass --ca-cert with its CA (or --insecure, which is unsafe)".to_string())
    } else if error.is_unauthorized() && with_token_file {
        Some(
            "the saved token expired or was revoked: run `vbo login --save-token FILE` again"
                .to_string(),
        )
    } else if error.is_unauthorized() {
        Some("the token was refused: run `vbo login` to check the credentials".to_string())
    } else if doing == Doing::Login && error.status().is_some_and(|s| s.as_u16() == 400) {
        Some(
            "check the user name and password (VBO_USER, VBO_PASSWORD or --password-stdin)"
                .to_string(),
        )
    } else if error.is_not_found() {
        Some("check the ids: `vbo session list`, `vbo mailbox list`, `vbo item list`".to_string())
    } else if error.status().is_some_and(|s| s.as_u16() == 400)
        && error
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("session"))
    {
        Some("the restore session is not active: start one with `vbo session create`".to_string())
    } else if doing == Doing::Export && error.status().is_some_and(|s| s.is_server_error()) {
        Some(
            "PST export needs 64-bit Microsoft Outlook 2010, 2013 or 2016 on the VBO server"
                .to_string(),
        )
    } else if error.is_transport() && !error.may_have_reached_server() {
        Some("is the server running, and is --server right?".to_string())
    } else if error.is_timeout() {
        Some("the server stopped sending; raise --idle-timeout, or try again later".to_string())
    } else if error.is_body() {
        Some("the download broke off; no partial file was left, run the command again".to_string())
    } else if error.is_invalid() {
        Some("nothing was sent to the server".to_string())
    } else {
        None
    };
    Failure {
        message: error.report().to_string(),
        hint,
        code: exit_code(error),
    }
}
