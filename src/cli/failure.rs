//! Errors as the user sees them: one line, a hint, and a documented exit code.

use std::process::ExitCode;

use vbo365::Error;

/// Exit codes, as `vbo --help` documents them.
pub mod code {
    pub const USAGE: u8 = 2;
    pub const REJECTED: u8 = 3;
    pub const FAILED: u8 = 4;
    /// A restore ran, but some items failed (`failedItemsCount` > 0).
    pub const INCOMPLETE: u8 = 5;
    pub const INTERRUPTED: u8 = 130;
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

    pub fn interrupted() -> Self {
        Self {
            message: "interrupted".into(),
            hint: Some("nothing was left under the final file name".into()),
            code: code::INTERRUPTED,
        }
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
