//! Generates the VBO v4 client from `openapi/vbo-v4.yaml` into `OUT_DIR` with progenitor,
//! through the workspace crate `vbo365-codegen` (`crates/codegen`).
//!
//! The spec stays truthful; what progenitor cannot express is bridged by the generation view
//! (`crates/codegen/src/view.rs`, documented there in one place). A spec that cannot be
//! generated fails the build with its location and the reason, never with a panic backtrace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: &str = "openapi/vbo-v4.yaml";

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed={SPEC}");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    match run(Path::new(SPEC), &out_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            for line in message.lines() {
                println!("cargo::error={line}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(spec_path: &Path, out_dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("{}: cannot read the spec: {e}", spec_path.display()))?;
    let generated = vbo365_codegen::generate_files(&text)
        .map_err(|e| format!("{}: {e}", spec_path.display()))?;
    for (name, source) in [
        ("vbo_v4.rs", generated.client),
        ("vbo_v4_wire.rs", generated.wire),
    ] {
        let target = out_dir.join(name);
        std::fs::write(&target, source)
            .map_err(|e| format!("{}: cannot write: {e}", target.display()))?;
    }
    Ok(())
}
