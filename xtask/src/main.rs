//! `cargo xtask`: the project's own tasks. `cargo xtask test` is the one command that sets up
//! and runs every check on a fresh machine; `.ci/run` calls it.

mod codegen_check;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks for vbo365")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what the checks need, then run every check and test.
    Test,
    /// Check that the spec generates a client, naming the location of any shape that
    /// progenitor cannot generate.
    Generate {
        /// The spec to check.
        #[arg(default_value = "openapi/vbo-v4.yaml")]
        spec: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Test => test::run(&root),
        Command::Generate { spec } => codegen_check::run(&root.join(spec)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}
