//! `cargo xtask test`: every check and test, in the order that fails fastest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::bail;

use crate::tools::run as sh;

pub fn run(root: &Path) -> anyhow::Result<()> {
    // The specs first: a spec problem explains every later failure.
    let specs = specs(root)?;
    step(
        "spec: lint of every version (openapi-spec-validator, project rules, progenitor shapes)",
        || {
            for spec in &specs {
                passed(
                    crate::lint::run(
                        root,
                        &crate::lint::Args {
                            spec: spec.clone(),
                            format: crate::lint::Format::Text,
                            skip_validator: false,
                            list_rules: false,
                        },
                    )?,
                    &format!("{} has lint findings (above)", spec.display()),
                )?;
            }
            Ok(())
        },
    )?;
    step("spec: drift of every version against the base", || {
        for spec in &specs {
            drift_against_base(root, spec)?;
        }
        Ok(())
    })?;
    step(
        "docs: docs/api is generated from every version's spec",
        || {
            passed(
                crate::docs::run(
                    root,
                    &crate::docs::Args {
                        check: true,
                        spec: None,
                        out: None,
                        no_html: true,
                    },
                )?,
                "docs/api is stale (above)",
            )
        },
    )?;
    step("format", || {
        sh(cargo(root).args(["fmt", "--all", "--check"]))
    })?;
    step("spec: client generation of every version", || {
        specs
            .iter()
            .try_for_each(|spec| crate::codegen_check::run(&root.join(spec)))
    })?;
    step("clippy", || {
        sh(cargo(root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("library without default features", || {
        sh(cargo(root).args([
            "check",
            "--package",
            "vbo365",
            "--no-default-features",
            "--lib",
        ]))
    })?;
    step("tests", || tests(root))?;
    step("man pages: vbo and every subcommand", || {
        crate::man::run(
            root,
            &crate::man::Args {
                out: "target/man".into(),
            },
        )
    })?;
    step(
        "simulator contract: schemathesis, extract-msg, readpst, pffexport, zipfile",
        || crate::contract::run(root),
    )?;
    // Last: they install Node.js tools and start a server or a browser, the slowest checks.
    step("client contract: Stoplight Prism", || {
        crate::prism::run(root)
    })?;
    step(
        "HTML reference: built from the spec, rendered in Chromium",
        || crate::browser::run(root),
    )?;
    Ok(())
}

/// Every version's spec, `openapi/vbo-v<N>.yaml`, by version number.
fn specs(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(crate::specs::discover(root)?
        .into_iter()
        .map(|n| PathBuf::from(crate::specs::spec_file(n)))
        .collect())
}

/// `cargo xtask drift` of `spec` against the base; a spec the base does not have yet has
/// nothing to break.
fn drift_against_base(root: &Path, spec: &Path) -> anyhow::Result<()> {
    passed(
        crate::drift::run(
            root,
            &crate::drift::Args {
                base: None,
                spec: spec.to_path_buf(),
                upstream: None,
                map_prefix: Vec::new(),
                ca_cert: Vec::new(),
                insecure: false,
                format: crate::lint::Format::Text,
                list_rules: false,
                only: None,
            },
        )?,
        &format!(
            "breaking changes to {} without a new major info.version (above)",
            spec.display()
        ),
    )
}

/// A check's verdict as a step's result.
fn passed(ok: bool, failure: &str) -> anyhow::Result<()> {
    if ok { Ok(()) } else { bail!("{failure}") }
}

/// Runs the tests with snapshots read-only, then rejects pending and unreferenced snapshots.
fn tests(root: &Path) -> anyhow::Result<()> {
    let references = root.join("target/insta-references.txt");
    let _ = std::fs::remove_file(&references);
    sh(cargo(root)
        .args(["test", "--workspace", "--all-features"])
        .env("INSTA_UPDATE", "no")
        .env("INSTA_SNAPSHOT_REFERENCES_FILE", &references))?;
    let referenced: BTreeSet<PathBuf> = std::fs::read_to_string(&references)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            PathBuf::from(line)
                .canonicalize()
                .unwrap_or_else(|_| PathBuf::from(line))
        })
        .collect();
    let stray = stray_snapshots(&snapshot_files(root), &referenced)?;
    if !stray.is_empty() {
        bail!("snapshots out of order:\n  {}", stray.join("\n  "));
    }
    println!(
        "snapshots: {} referenced, none pending or unreferenced",
        referenced.len()
    );
    Ok(())
}

/// Snapshot files that are pending review, or that no test referenced.
fn stray_snapshots(
    files: &[PathBuf],
    referenced: &BTreeSet<PathBuf>,
) -> anyhow::Result<Vec<String>> {
    let mut stray = Vec::new();
    for file in files {
        let name = file.to_string_lossy();
        if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
            stray.push(format!("pending (review it): {}", file.display()));
        } else if name.ends_with(".snap") && !referenced.contains(&file.canonicalize()?) {
            stray.push(format!("unreferenced (delete it): {}", file.display()));
        }
    }
    Ok(stray)
}

fn snapshot_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" && name != "node_modules" {
                    dirs.push(path);
                }
            } else if path.parent().is_some_and(|p| p.ends_with("snapshots")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

fn step(name: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    println!("==> {name}");
    let started = std::time::Instant::now();
    f().map_err(|e| e.context(format!("step '{name}' failed")))?;
    println!("    ok ({:.1} s)", started.elapsed().as_secs_f32());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_and_unreferenced_snapshots_are_caught() {
        let dir = tempfile::tempdir().unwrap();
        let snapshots = dir.path().join("tests/snapshots");
        std::fs::create_dir_all(&snapshots).unwrap();
        for name in ["used.snap", "stale.snap", "new.snap.new", "x.pending-snap"] {
            std::fs::write(snapshots.join(name), "").unwrap();
        }
        let files = snapshot_files(dir.path());
        assert_eq!(files.len(), 4);
        let referenced: BTreeSet<PathBuf> =
            [snapshots.join("used.snap").canonicalize().unwrap()].into();
        let stray = stray_snapshots(&files, &referenced).unwrap();
        assert_eq!(stray.len(), 3, "{stray:?}");
        assert!(
            stray
                .iter()
                .any(|s| s.starts_with("unreferenced") && s.ends_with("stale.snap"))
        );
        assert_eq!(stray.iter().filter(|s| s.starts_with("pending")).count(), 2);
    }
}
