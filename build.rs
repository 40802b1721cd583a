//! Generates a client per API version, from each `openapi/vbo-v<N>.yaml`, into `OUT_DIR` with
//! progenitor, through the workspace crate `vbo365-codegen` (`crates/codegen`): `vbo_v<N>.rs`
//! (the client) and `vbo_v<N>_wire.rs` (what the hand-written layer knows of its wire) per
//! version, `vbo_operations.rs` (the cross-version operation and action table) and
//! `vbo_versions.rs` (the version modules, which `src/lib.rs` includes). A spec added to
//! `openapi/` is a new version: the hand-written matches on `ApiVersion` then fail to compile
//! until it is handled.
//!
//! The specs stay truthful; what progenitor cannot express is bridged by the generation view
//! (`crates/codegen/src/view.rs`, documented there in one place). A spec that cannot be
//! generated fails the build with its location and the reason, never with a panic backtrace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vbo365_codegen::table;

const SPEC_DIR: &str = "openapi";

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed={SPEC_DIR}");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    match run(Path::new(SPEC_DIR), &out_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            for line in message.lines() {
                println!("cargo::error={line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The specs of `dir`, `vbo-v<N>.yaml`, by version number.
fn specs(dir: &Path) -> Result<Vec<(u32, PathBuf)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: cannot list: {e}", dir.display()))?;
    let mut specs = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{}: cannot list: {e}", dir.display()))?
            .path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(number) = name
            .strip_prefix("vbo-v")
            .and_then(|rest| rest.strip_suffix(".yaml"))
        {
            let number = number
                .parse()
                .map_err(|_| format!("{}: not vbo-v<number>.yaml", path.display()))?;
            println!("cargo::rerun-if-changed={}", path.display());
            specs.push((number, path));
        }
    }
    specs.sort();
    if specs.is_empty() {
        return Err(format!("{}: holds no vbo-v<N>.yaml spec", dir.display()));
    }
    Ok(specs)
}

fn run(dir: &Path, out_dir: &Path) -> Result<(), String> {
    let mut versions = Vec::new();
    let mut modules = String::new();
    for (number, spec_path) in specs(dir)? {
        let spec_file = format!("{SPEC_DIR}/vbo-v{number}.yaml");
        let text = std::fs::read_to_string(&spec_path)
            .map_err(|e| format!("{spec_file}: cannot read the spec: {e}"))?;
        let generated = vbo365_codegen::generate_files(&text, &spec_file, &format!("v{number}"))
            .map_err(|e| format!("{spec_file}: {e}"))?;
        write(out_dir, &format!("vbo_v{number}.rs"), &generated.client)?;
        write(out_dir, &format!("vbo_v{number}_wire.rs"), &generated.wire)?;
        modules.push_str(&format!(
            "pub mod v{number} {{\n\
             //! The client generated from `{spec_file}`.\n\
             #![allow(missing_docs, clippy::all, unused_imports)]\n\
             include!(concat!(env!(\"OUT_DIR\"), \"/vbo_v{number}.rs\"));\n\
             impl progenitor_client::ClientHooks<crate::hooks::Inner> for Client {{\n\
             async fn pre<E>(&self, request: &mut reqwest::Request, info: &progenitor_client::OperationInfo) -> Result<(), progenitor_client::Error<E>> {{\n\
             crate::hooks::pre(self, request, info).await;\n\
             Ok(())\n\
             }}\n\
             async fn exec(&self, request: reqwest::Request, info: &progenitor_client::OperationInfo) -> reqwest::Result<reqwest::Response> {{\n\
             crate::hooks::exec(self, request, info).await\n\
             }}\n\
             }}\n\
             pub mod wire {{\n\
             //! What the hand-written layer knows of the v{number} wire (`crates/codegen/src/wire.rs`).\n\
             include!(concat!(env!(\"OUT_DIR\"), \"/vbo_v{number}_wire.rs\"));\n\
             }}\n}}\n"
        ));
        versions.push(table::Version {
            label: format!("v{number}"),
            spec_file,
            ops: generated.operations,
        });
    }
    let texts: String = versions
        .iter()
        .map(|v| {
            format!(
                "operations::ApiVersion::{} => include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{}\")),\n",
                v.label.to_ascii_uppercase(),
                v.spec_file
            )
        })
        .collect();
    modules.push_str(&format!(
        "/// The text of `version`'s spec, embedded at compile time.\n\
         #[cfg(feature = \"spec\")]\n\
         pub fn spec_text(version: operations::ApiVersion) -> &'static str {{\n\
         match version {{\n{texts}}}\n}}\n"
    ));
    let arms: String = versions
        .iter()
        .map(|v| {
            let (label, variant) = (&v.label, v.label.to_ascii_uppercase());
            format!("operations::ApiVersion::{variant} => {label}::wire::round_trip_body(operation, value),\n")
        })
        .collect();
    let spellings: String = versions
        .iter()
        .map(|v| {
            let (label, variant) = (&v.label, v.label.to_ascii_uppercase());
            format!(
                "operations::ApiVersion::{variant} => {label}::wire::body_spelling(operation),\n"
            )
        })
        .collect();
    modules.push_str(&format!(
        "/// `body_spelling` of `version`'s wire module: how the body of `operation` spells what\n\
         /// it holds there.\n\
         pub fn body_spelling(version: operations::ApiVersion, operation: operations::Operation) -> Option<crate::versioned::Spelling> {{\n\
         match version {{\n{spellings}}}\n}}\n"
    ));
    modules.push_str(&format!(
        "/// `round_trip_body` of `version`'s wire module: `value` as that version's request\n\
         /// body of `operation`, written back.\n\
         pub fn round_trip_body(version: operations::ApiVersion, operation: operations::Operation, \
         value: &::serde_json::Value) -> Option<Result<::serde_json::Value, ::serde_json::Error>> {{\n\
         match version {{\n{arms}}}\n}}\n"
    ));
    write(out_dir, "vbo_operations.rs", &table::generate(&versions)?)?;
    write(out_dir, "vbo_versions.rs", &modules)
}

fn write(out_dir: &Path, name: &str, source: &str) -> Result<(), String> {
    let target = out_dir.join(name);
    std::fs::write(&target, source).map_err(|e| format!("{}: cannot write: {e}", target.display()))
}
