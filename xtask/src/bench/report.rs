//! The Markdown results file: machine facts, the targets with pass or fail, every table with
//! medians and spread, and the exact commands.

mod commands;
mod tables;
mod targets;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use super::actions::ActionsResult;
use super::build_times::BuildRow;
use super::download::{SizeResult, Tool};
use super::gate::GateResult;
use super::machine::Machine;
use super::stats::{Summary, summarize};
use commands::render_commands;
use tables::{render_actions, render_build, render_downloads, render_gate};
use targets::render_targets;

/// Peak RSS target of the client, KiB.
pub const RSS_TARGET_KIB: u64 = 32 << 10;
/// Growth of the client's peak RSS from the smallest to the largest download that still
/// counts as "does not grow with size", KiB (allocator and page-table noise).
pub const RSS_GROWTH_TOLERANCE_KIB: u64 = 2 << 10;
/// Throughput target of the client relative to curl.
pub const RATIO_TARGET: f64 = 0.9;
/// No-op rebuild target, seconds.
pub const NOOP_TARGET_SECS: f64 = 0.5;
/// Warm CI gate target, seconds.
pub const GATE_TARGET_SECS: f64 = 2.0;

/// Everything a run measured; a part not run is `None`.
pub struct Results {
    pub machine: Machine,
    pub runs: usize,
    pub total_secs: f64,
    pub vbo: String,
    pub downloads: Option<Vec<SizeResult>>,
    pub actions: Option<ActionsResult>,
    pub build: Option<Vec<BuildRow>>,
    pub gate: Option<GateResult>,
    pub notes: Vec<String>,
}

const MIB: f64 = 1024.0 * 1024.0;

/// `1 GiB`, `64 MiB`.
pub fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{} MiB", bytes as f64 / (1u64 << 20) as f64)
    }
}

fn mib_kib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "**FAIL**" }
}

/// `median [min – max]` with `digits` decimals.
fn spread(s: &Summary, digits: usize) -> String {
    format!(
        "{:.digits$} [{:.digits$} – {:.digits$}]",
        s.median, s.min, s.max
    )
}

/// Throughput in MiB/s of a download row.
fn throughput(bytes: u64, secs: &[f64]) -> Option<Summary> {
    summarize(secs).map(|s| s.map(|secs| bytes as f64 / MIB / secs))
}

/// The median client/curl throughput ratio at one size, against `against`.
pub fn ratio(size: &SizeResult, against: Tool) -> Option<f64> {
    let median = |tool: Tool| {
        size.rows
            .iter()
            .find(|r| r.tool == tool)
            .and_then(|r| throughput(size.bytes, &r.secs))
            .map(|s| s.median)
    };
    Some(median(Tool::Client)? / median(against)?)
}

/// The client's worst peak RSS at one size, KiB.
pub fn client_rss(size: &SizeResult) -> Option<u64> {
    size.rows
        .iter()
        .find(|r| r.tool == Tool::Client)
        .and_then(|r| r.rss_kib.iter().copied().max())
}

pub fn render(r: &Results) -> String {
    let mut md = String::new();
    let m = &r.machine;
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench` on {date} ({total:.0} s in all); run it again to update \
         this file. Every figure is the **median** of {runs} runs, with the **[min – max]** of \
         those runs; peak RSS is the largest of the runs. The machine is shared and its two \
         cores are noisy: compare figures from one file, not across files, and never assert \
         them in tests.\n",
        date = m.date,
        total = r.total_secs,
        runs = r.runs
    );
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| CPU | {} |", m.cpu);
    let _ = writeln!(md, "| cores | {} |", m.cores);
    let _ = writeln!(md, "| memory | {:.1} GiB |", m.memory_gib);
    let _ = writeln!(md, "| kernel | {} |", m.kernel);
    let _ = writeln!(md, "| rustc | {} |", m.rustc);
    let _ = writeln!(md, "| curl | {} |", m.curl);
    let _ = writeln!(md, "| commit | {} |", m.commit);
    let _ = writeln!(md, "| load average at start | {} |", m.load_at_start);
    let _ = writeln!(md, "| page cache writeback | {} |", m.dirty_ratios);
    let _ = writeln!(md, "| `vbo` measured | `{}` |", r.vbo);
    md.push('\n');

    render_targets(&mut md, r);
    if let Some(downloads) = &r.downloads {
        render_downloads(&mut md, downloads);
    }
    if let Some(actions) = &r.actions {
        render_actions(&mut md, actions);
    }
    if let Some(build) = &r.build {
        render_build(&mut md, build);
    }
    if let Some(gate) = &r.gate {
        render_gate(&mut md, gate);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(md, "## Notes\n");
        for note in &r.notes {
            let _ = writeln!(md, "- {note}");
        }
        md.push('\n');
    }
    render_commands(&mut md, r);
    md
}
