//! The CI gate: `cargo xtask lint`, `drift` and `docs --check`, one after the other, as CI
//! runs them, on a warm build.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use anyhow::Context;

use super::proc::{Cmd, xtask_built};

/// The gate's commands.
pub const STEPS: [&[&str]; 3] = [
    &["xtask", "lint"],
    &["xtask", "drift"],
    &["xtask", "docs", "--check"],
];

#[derive(Debug, Clone)]
pub struct StepRow {
    pub command: String,
    pub secs: Vec<f64>,
    /// Exit codes seen (0 pass, 1 findings); a step that found something is still timed.
    pub codes: Vec<i32>,
}

#[derive(Debug, Clone)]
pub enum GateResult {
    Measured {
        total_secs: Vec<f64>,
        steps: Vec<StepRow>,
        /// Rounds left out because xtask was rebuilt during them.
        discarded: usize,
    },
    /// A step is not in this tree's xtask yet.
    NotAvailable(String),
}

/// Runs the gate once to warm up (and to see that every step exists), then `runs` times.
pub fn measure(root: &Path, runs: usize) -> anyhow::Result<GateResult> {
    let cmds: Vec<Cmd> = STEPS
        .iter()
        .map(|args| {
            Cmd::new("cargo")
                .args(args.iter().copied())
                .current_dir(root)
        })
        .collect();
    for cmd in &cmds {
        let output = cmd
            .command()
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("starting `{}`", cmd.shown()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("unrecognized subcommand") || stderr.contains("unexpected argument") {
            return Ok(GateResult::NotAvailable(format!(
                "`{}`: {}",
                cmd.shown(),
                stderr.lines().next().unwrap_or_default()
            )));
        }
        if output.status.code() == Some(2) || output.status.code().is_none() {
            return Ok(GateResult::NotAvailable(format!(
                "`{}` could not run ({}): {}",
                cmd.shown(),
                output.status,
                stderr.trim()
            )));
        }
    }
    let mut steps: Vec<StepRow> = cmds
        .iter()
        .map(|cmd| StepRow {
            command: cmd.shown(),
            secs: Vec::new(),
            codes: Vec::new(),
        })
        .collect();
    let mut total_secs = Vec::new();
    let mut discarded = 0;
    // Up to twice the runs: a round in which another engineer's edit rebuilt xtask is no
    // measure of a warm gate, and is left out.
    for _ in 0..runs * 2 {
        if total_secs.len() == runs {
            break;
        }
        println!("bench: CI gate, {}/{runs}", total_secs.len() + 1);
        let before = xtask_built();
        let mut round = Vec::new();
        for cmd in &cmds {
            let started = Instant::now();
            let status = cmd
                .command()
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .with_context(|| format!("starting `{}`", cmd.shown()))?;
            round.push((started.elapsed().as_secs_f64(), status.code().unwrap_or(-1)));
        }
        if xtask_built() != before {
            discarded += 1;
            continue;
        }
        total_secs.push(round.iter().map(|(secs, _)| secs).sum());
        for (row, (secs, code)) in steps.iter_mut().zip(round) {
            row.secs.push(secs);
            row.codes.push(code);
        }
    }
    Ok(GateResult::Measured {
        total_secs,
        steps,
        discarded,
    })
}
