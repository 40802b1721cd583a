//! `vbo completions SHELL` and `vbo man --out DIR`: both from the clap definition
//! of the command line, so they cannot fall behind it.

use std::path::Path;

use clap::CommandFactory as _;

use super::args::{Cli, Shell};
use super::failure::Failure;

/// Prints the completion script of `shell` to stdout.
pub fn script(shell: Shell) -> Result<(), Failure> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "vbo", &mut script);
    write_stdout(&script)
}

/// Writes `vbo.1` and one page per subcommand, recursively (`vbo-item-export-pst.1`),
/// into `dir`, creating it.
pub fn man_pages(dir: &Path) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| {
        Failure::internal(format!(
            "cannot write the man pages into {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(cannot)
}

/// Writes to stdout; a closed pipe (`vbo completions bash | head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::internal(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
