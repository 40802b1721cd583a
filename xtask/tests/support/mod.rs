//! Runs the xtask binary as `cargo xtask` does.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `cargo xtask <args>` (the built binary), from the workspace root.
pub fn xtask(args: &[&str]) -> Output {
    xtask_in(
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap(),
        args,
    )
}

/// Runs the xtask binary in `dir`.
pub fn xtask_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the xtask binary runs")
}
