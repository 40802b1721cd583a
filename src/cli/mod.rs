//! The `vbo` command line: arguments, commands, output, errors.

mod action;
mod action_args;
pub mod args;
mod browse;
mod bulk;
mod completions;
#[cfg(feature = "sim")]
mod demo;
mod device_code;
pub mod failure;
mod output;
mod parse;
mod progress;
pub mod run;
mod secrets;
mod session;
mod signal;
#[cfg(feature = "sim")]
mod sim;
mod token_file;
mod vex;

/// Logs go to stderr: warnings by default (and with `-q`: the `--insecure` warning is not
/// noise), more with each `-v`. `RUST_LOG` overrides.
pub fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) | (false, 0) => "warn",
        (false, 1) => "vbo365=info,warn",
        (false, 2) => "vbo365=debug,info",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
