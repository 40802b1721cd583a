//! Where secrets come from: the environment, standard input or a prompt without echo, never a
//! command-line argument (other users can read those in the process list).

use std::io::{BufRead, IsTerminal};

use vbo365::SecretString;

use super::failure::Failure;

/// Reads a secret from `env`, else the first line of stdin when the flag `stdin` names is set,
/// else a prompt when stdin is a terminal.
pub fn read(env: &str, stdin: Option<(&str, bool)>, prompt: &str) -> Result<SecretString, Failure> {
    let from_stdin = stdin.is_some_and(|(_, set)| set);
    if let Ok(value) = std::env::var(env)
        && !value.is_empty()
    {
        return Ok(SecretString::new(value));
    }
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            Failure::usage(format!("cannot read the secret from standard input: {e}"))
        })?;
        let value = line.trim_end_matches(['\r', '\n']).to_string();
        if value.is_empty() {
            return Err(Failure::usage(
                "standard input held no secret (an empty first line)",
            ));
        }
        return Ok(SecretString::new(value));
    }
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(prompt).map_err(|e| {
            Failure::usage(format!("cannot read the secret from the terminal: {e}"))
        })?;
        return Ok(SecretString::new(value));
    }
    let flag = stdin
        .map(|(flag, _)| format!(", pass {flag}"))
        .unwrap_or_default();
    Err(Failure::usage(format!(
        "no secret given for `{}`",
        prompt.trim_end_matches([':', ' '])
    ))
    .with_hint(format!("set {env}{flag}, or run in a terminal to be asked")))
}
