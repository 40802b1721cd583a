//! `cargo xtask`: the project's own tasks. `cargo xtask test` is the one command that sets up
//! and runs every check on a fresh machine; `.ci/run` calls it.

/// `println!` that stops quietly once stdout is closed (`cargo xtask drift | head`) instead of
/// panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod bench;
mod browser;
mod codegen_check;
mod contract;
mod docs;
mod drift;
mod lint;
mod man;
mod prism;
mod specs;
/// The spec walker, shared with build.rs and the simulator. Not through `vbo365`: xtask must
/// run on a spec that the vbo365 build rejects.
use vbo365_spec as spec;
mod test;
mod tools;
#[cfg(test)]
mod wire_literals;

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
    /// Check the spec: OpenAPI 3.0 validity, the project's rules, and shapes that progenitor
    /// cannot generate. Exits 1 on findings.
    Lint(lint::Args),
    /// Classify the changes between a base spec and the current one as breaking or not for
    /// users of the generated client. Exits 0 when compatible, 1 on breaking changes (unless
    /// the major version changed), 2 when it could not run.
    Drift(drift::Args),
    /// Regenerate the Markdown API reference of every version's spec (docs/api for v4,
    /// docs/api/v<N> for the others, and docs/api/versions.md of what differs), and build the
    /// HTML references into target/docs/.
    Docs(docs::Args),
    /// Write the man pages of `vbo` and of every subcommand (default: into target/man).
    Man(man::Args),
    /// Check the client's real requests against Stoplight Prism's validator of the spec.
    Prism,
    /// Build the HTML reference (target/docs/api.html) and check it in headless Chromium:
    /// no console errors, the Action operation's body variants and examples rendered.
    Browser,
    /// Run schemathesis against the simulator, and open its MSG and ZIP files with
    /// independent readers.
    Contract,
    /// Measure downloads against curl, actions per second, build times and the CI gate, and
    /// write the results file (docs/bench.md). Not part of `test`: timings are never asserted.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    // Lint, drift and docs tell "found something" (1) from "could not run" (2).
    let result = match cli.command {
        Command::Test => test::run(&root).map(|()| true),
        Command::Generate { spec } => codegen_check::run(&root.join(spec)).map(|()| true),
        Command::Lint(args) => lint::run(&root, &args).map_err(could_not_run),
        Command::Drift(args) => drift::run(&root, &args).map_err(could_not_run),
        Command::Docs(args) => docs::run(&root, &args).map_err(could_not_run),
        Command::Man(args) => man::run(&root, &args).map(|()| true),
        Command::Prism => prism::run(&root).map(|()| true),
        Command::Browser => browser::run(&root).map(|()| true),
        Command::Bench(args) => bench::run(&root, &args).map(|()| true),
        Command::Contract => contract::run(&root).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.is::<CouldNotRun>() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Marks an error of a check that could not run at all, as opposed to one that found problems.
#[derive(Debug)]
struct CouldNotRun;

impl std::fmt::Display for CouldNotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("could not run")
    }
}

impl std::error::Error for CouldNotRun {}

fn could_not_run(error: anyhow::Error) -> anyhow::Error {
    error.context(CouldNotRun)
}

/// The workspace root: the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}
