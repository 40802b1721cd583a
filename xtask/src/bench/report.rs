//! The Markdown results file: machine facts, the targets with pass or fail, every table with
//! medians and spread, and the exact commands.

use std::fmt::Write as _;

use super::actions::ActionsResult;
use super::build_times::BuildRow;
use super::download::{SizeResult, Tool};
use super::gate::GateResult;
use super::machine::Machine;
use super::stats::{Summary, summarize};

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

fn render_targets(md: &mut String, r: &Results) {
    let mut rows: Vec<(String, String, &str)> = Vec::new();
    if let Some(downloads) = &r.downloads {
        for size in downloads {
            if let Some(ratio) = ratio(size, Tool::Curl) {
                let sync = self::ratio(size, Tool::CurlSync)
                    .map(|r| format!(" ({r:.2} × curl -o + sync)"))
                    .unwrap_or_default();
                rows.push((
                    format!(
                        "download throughput ≥ {RATIO_TARGET} × curl, {} to {}",
                        size_label(size.bytes),
                        size.medium.name
                    ),
                    format!("{ratio:.2} × curl -o{sync}"),
                    pass(ratio >= RATIO_TARGET),
                ));
            }
        }
        // Memory per size: the worst run on any medium.
        let mut by_size: Vec<(u64, u64)> = Vec::new();
        for size in downloads {
            if let Some(kib) = client_rss(size) {
                match by_size.iter_mut().find(|(b, _)| *b == size.bytes) {
                    Some(entry) => entry.1 = entry.1.max(kib),
                    None => by_size.push((size.bytes, kib)),
                }
            }
        }
        for &(bytes, kib) in &by_size {
            rows.push((
                format!("client peak RSS ≤ 32 MiB, {}", size_label(bytes)),
                mib_kib(kib),
                pass(kib <= RSS_TARGET_KIB),
            ));
        }
        if let (Some(small), Some(large)) = (
            by_size.iter().min_by_key(|(b, _)| *b),
            by_size.iter().max_by_key(|(b, _)| *b),
        ) && small.0 != large.0
        {
            let growth = large.1.saturating_sub(small.1);
            rows.push((
                format!(
                    "client peak RSS does not grow with size ({} → {}, within {})",
                    size_label(small.0),
                    size_label(large.0),
                    mib_kib(RSS_GROWTH_TOLERANCE_KIB)
                ),
                format!("{} → {}", mib_kib(small.1), mib_kib(large.1)),
                pass(growth <= RSS_GROWTH_TOLERANCE_KIB),
            ));
        }
    }
    if let Some(build) = &r.build
        && let Some(s) = build.first().and_then(|row| summarize(&row.secs))
    {
        rows.push((
            format!("no-op rebuild < {NOOP_TARGET_SECS} s"),
            format!("{:.2} s", s.median),
            pass(s.median < NOOP_TARGET_SECS),
        ));
    }
    match &r.gate {
        Some(GateResult::Measured { total_secs, .. }) => {
            if let Some(s) = summarize(total_secs) {
                rows.push((
                    format!("xtask gate < {GATE_TARGET_SECS} s warm"),
                    format!("{:.2} s", s.median),
                    pass(s.median < GATE_TARGET_SECS),
                ));
            }
        }
        Some(GateResult::NotAvailable(why)) => rows.push((
            format!("xtask gate < {GATE_TARGET_SECS} s warm"),
            format!("not available: {why}"),
            "n/a",
        )),
        None => {}
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| target | measured (median) | |\n|---|---|---|");
    for (target, measured, mark) in rows {
        let _ = writeln!(md, "| {target} | {measured} | {mark} |");
    }
    md.push('\n');
}

fn render_downloads(md: &mut String, downloads: &[SizeResult]) {
    let _ = writeln!(md, "## Downloads\n");
    let _ = writeln!(
        md,
        "One `exportToPst` of the simulator (a separate `vbo sim --no-tls` process, so its memory \
         is not the client's) over loopback HTTP. All fetch the same bytes: curl replays the \
         client's own token and Action requests, captured by the counting proxy; the raw \
         ceiling copies a file of the very same bytes, fetched once before the runs and held in \
         the page cache, with `dd` (no socket, no HTTP). The client's time includes its process \
         start and login. Each file is checked for its size, deleted, and the disk flushed \
         (untimed) before the next run.\n\n\
         Each size is fetched twice over: **to disk**, where users save exports, and **to \
         memory** (tmpfs), which takes the disk out so that what is left is the cost of the \
         client's own code. On disk, the client, like every user of `FileDownload::save`, \
         fsyncs the file before renaming it into place; curl and dd do not, so the `then sync \
         FILE` rows add a timed `sync FILE` after them for the same durability.\n\n\
         What limits the figures: the simulator, the fetcher and the kernel share the two \
         cores, so over loopback every fetcher is bound by CPU at about the rate of the memory \
         rows. On disk, a fetcher that does not sync is done once the bytes are in the page \
         cache (see the writeback ratios above), and one that syncs waits for the virtual disk; \
         dd, the fastest writer, is the first that the kernel throttles at the dirty-page limit, \
         so on disk it is no ceiling and its rows can fall below curl's. The ceiling of the \
         bytes themselves is dd to /dev/null. CPU seconds (medians, from GNU time, of the \
         fetching process alone) vary less than wall time on shared cores: they show what each \
         fetcher costs, in user space (HTTP, buffers, the async runtime) and in the kernel \
         (socket reads, file writes).\n"
    );
    for size in downloads {
        let _ = writeln!(
            md,
            "### {} to {} (`{}`, {})\n",
            size_label(size.bytes),
            size.medium.name,
            size.medium.dir.display(),
            size.medium.fs
        );
        let _ = writeln!(
            md,
            "| fetched by | MiB/s | seconds | vs curl -o | CPU s, user + sys | peak RSS | RSS ≤ 32 MiB |\n|---|---|---|---|---|---|---|"
        );
        let curl = size
            .rows
            .iter()
            .find(|r| r.tool == Tool::Curl)
            .and_then(|r| throughput(size.bytes, &r.secs));
        for row in &size.rows {
            let (Some(rate), Some(secs)) =
                (throughput(size.bytes, &row.secs), summarize(&row.secs))
            else {
                continue;
            };
            let rss = row.rss_kib.iter().copied().max().unwrap_or(0);
            let versus = curl.map_or("?".into(), |c| format!("{:.2}", rate.median / c.median));
            let user: Vec<f64> = row.cpu.iter().map(|c| c.0).collect();
            let sys: Vec<f64> = row.cpu.iter().map(|c| c.1).collect();
            let cpu = match (summarize(&user), summarize(&sys)) {
                (Some(user), Some(sys)) => format!("{:.2} + {:.2}", user.median, sys.median),
                _ => "?".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {versus} | {cpu} | {} | {} |",
                row.tool.label(),
                spread(&rate, 0),
                spread(&secs, 2),
                mib_kib(rss),
                pass(rss <= RSS_TARGET_KIB),
            );
        }
        if let Some(kib) = size.sim_rss_kib {
            let _ = writeln!(
                md,
                "\nThe simulator's own peak RSS (not counted above): {}.",
                mib_kib(kib)
            );
        }
        md.push('\n');
    }
}

fn render_actions(md: &mut String, a: &ActionsResult) {
    let _ = writeln!(md, "## Actions\n");
    let _ = writeln!(
        md,
        "Small actions through `vbo bulk`, which runs the library's `perform_bulk` with the \
         given concurrency, against the simulator over loopback HTTP. The ids cycle through \
         every item of one mailbox. Time is the whole process, from start to exit, including \
         its one login; one untimed run comes first.\n"
    );
    let _ = writeln!(
        md,
        "| action | concurrency | actions per run | actions/s | ms per action |\n|---|---|---|---|---|"
    );
    for row in &a.rates {
        let Some(secs) = summarize(&row.secs) else {
            continue;
        };
        let rate = secs.map(|s| row.actions as f64 / s);
        let per = secs.map(|s| s * 1000.0 / row.actions as f64);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            row.kind.label(),
            row.concurrency,
            row.actions,
            spread(&rate, 0),
            spread(&per, 2)
        );
    }
    let _ = writeln!(md, "\n### HTTP requests per action\n");
    let _ = writeln!(
        md,
        "Counted by a counting HTTP/1.1 proxy between `vbo` and the simulator, which parses the \
         requests that really cross the socket. Expected: one `POST .../Action` per action, \
         plus one `POST /v4/token` per process (session).\n"
    );
    let _ = writeln!(
        md,
        "| command | actions | POST /v4/token | POST .../Action | other requests | TCP connections | requests per action | as expected |\n|---|---|---|---|---|---|---|---|"
    );
    for c in &a.counts {
        let total = c.token_posts + c.action_posts + c.other.len();
        let expected = c.token_posts == 1 && c.action_posts == c.actions && c.other.is_empty();
        let other = if c.other.is_empty() {
            "none".to_string()
        } else {
            c.other.join(", ")
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {:.2} ({} Action + {} Token / {}) | {} |",
            c.what,
            c.actions,
            c.token_posts,
            c.action_posts,
            other,
            c.connections,
            total as f64 / c.actions as f64,
            c.action_posts,
            c.token_posts,
            c.actions,
            pass(expected)
        );
    }
    md.push('\n');
}

fn render_build(md: &mut String, rows: &[BuildRow]) {
    let _ = writeln!(md, "## Build\n");
    let _ = writeln!(
        md,
        "Debug profile, default features, on the warm shared `target/`. The spec rebuild reruns \
         `build.rs` (generation) and recompiles the crate and `vbo`.\n"
    );
    let _ = writeln!(md, "| what | seconds | runs | command |\n|---|---|---|---|");
    for row in rows {
        let Some(s) = summarize(&row.secs) else {
            continue;
        };
        let discarded = if row.discarded > 0 {
            format!(
                " ({} more left out: another cargo held the lock, or changed the tree)",
                row.discarded
            )
        } else {
            String::new()
        };
        let digits = if s.median < 1.0 { 3 } else { 1 };
        let _ = writeln!(
            md,
            "| {} | {} | {}{discarded} | `{}` |",
            row.what,
            spread(&s, digits),
            s.n,
            row.command
        );
    }
    md.push('\n');
}

fn render_gate(md: &mut String, gate: &GateResult) {
    let _ = writeln!(md, "## CI gate\n");
    match gate {
        GateResult::NotAvailable(why) => {
            let _ = writeln!(md, "Not available in this tree: {why}\n");
        }
        GateResult::Measured {
            total_secs,
            steps,
            discarded,
        } => {
            let _ = writeln!(
                md,
                "The three checks one after the other, each as its own `cargo xtask` process \
                 (cargo's freshness check included), after one warm-up run.\n"
            );
            let _ = writeln!(md, "| step | seconds | exit codes |\n|---|---|---|");
            for step in steps {
                if let Some(s) = summarize(&step.secs) {
                    let mut codes = step.codes.clone();
                    codes.dedup();
                    let codes: Vec<String> = codes.iter().map(i32::to_string).collect();
                    let _ = writeln!(
                        md,
                        "| `{}` | {} | {} |",
                        step.command,
                        spread(&s, 2),
                        codes.join(", ")
                    );
                }
            }
            if let Some(s) = summarize(total_secs) {
                let _ = writeln!(md, "| **all three** | **{}** | |", spread(&s, 2));
            }
            if *discarded > 0 {
                let _ = writeln!(
                    md,
                    "\n{discarded} more rounds were left out: xtask was rebuilt during them (someone edited it)."
                );
            }
            md.push('\n');
        }
    }
}

fn render_commands(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Commands\n");
    let _ = writeln!(
        md,
        "As run, in this order (paths of the first round; `$TOKEN` is the bearer token that \
         curl got with the client's own token request).\n"
    );
    let _ = writeln!(md, "```sh\ncargo xtask bench");
    if let Some(downloads) = &r.downloads {
        // Every size runs the same commands but for --pst-size, the port and the directory.
        let smallest = downloads.iter().map(|s| s.bytes).min();
        for size in downloads.iter().filter(|s| Some(s.bytes) == smallest) {
            let _ = writeln!(
                md,
                "# download, {} to {}",
                size_label(size.bytes),
                size.medium.name
            );
            for line in &size.commands {
                let _ = writeln!(md, "{line}");
            }
        }
        let others: Vec<String> = downloads
            .iter()
            .filter(|s| Some(s.bytes) != smallest)
            .map(|s| size_label(s.bytes))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !others.is_empty() {
            let _ = writeln!(
                md,
                "# download, {}: the same, with that --pst-size (on a new port)",
                others.join(", ")
            );
        }
    }
    if let Some(actions) = &r.actions {
        let _ = writeln!(md, "# actions");
        for row in &actions.rates {
            let _ = writeln!(md, "{}", row.command);
        }
    }
    if let Some(build) = &r.build {
        let _ = writeln!(md, "# build");
        for row in build {
            let _ = writeln!(md, "{}", row.command);
        }
    }
    if let Some(GateResult::Measured { steps, .. }) = &r.gate {
        let _ = writeln!(md, "# CI gate");
        for step in steps {
            let _ = writeln!(md, "{}", step.command);
        }
    }
    let _ = writeln!(md, "```");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::download::{Medium, Row};

    /// A size where curl takes 1 s per GiB and the client `client_secs`.
    fn size(bytes: u64, client_rss: u64, client_secs: f64) -> SizeResult {
        let gibs = bytes as f64 / f64::from(1u32 << 30);
        let row = |tool, secs: f64, rss| Row {
            tool,
            secs: vec![secs, secs * 1.1, secs * 0.9],
            rss_kib: vec![rss, rss - 10, rss - 20],
            cpu: vec![(0.1, 0.5); 3],
        };
        SizeResult {
            bytes,
            medium: Medium {
                name: "disk",
                dir: "/tmp/x".into(),
                fs: "ext2/ext3".into(),
            },
            rows: vec![
                row(Tool::Client, client_secs, client_rss),
                row(Tool::Curl, gibs, 9000),
                row(Tool::CurlSync, 2.0 * gibs, 9000),
                row(Tool::Raw, 0.5 * gibs, 3000),
                row(Tool::RawSync, 1.5 * gibs, 3000),
            ],
            sim_rss_kib: Some(20000),
            commands: vec!["vbo sim".into()],
        }
    }

    fn results(downloads: Vec<SizeResult>) -> Results {
        Results {
            machine: Machine {
                cpu: "cpu".into(),
                cores: 2,
                memory_gib: 23.5,
                kernel: "6".into(),
                rustc: "rustc".into(),
                curl: "curl".into(),
                commit: "abc".into(),
                load_at_start: "0 0 0".into(),
                dirty_ratios: "10 %, 20 %".into(),
                date: "today".into(),
            },
            runs: 3,
            total_secs: 1.0,
            vbo: "target/release/vbo".into(),
            downloads: Some(downloads),
            actions: None,
            build: None,
            gate: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_lean_client_passes_the_memory_targets() {
        let md = render(&results(vec![
            size(1 << 30, 20_000, 1.0),
            size(4 << 30, 20_500, 4.0),
        ]));
        assert!(
            md.contains("| client peak RSS ≤ 32 MiB, 1 GiB | 19.5 MiB | PASS |"),
            "{md}"
        );
        assert!(md.contains("does not grow with size"), "{md}");
        assert!(!md.contains("FAIL"), "{md}");
    }

    /// What a client that buffers the whole body looks like: the table must say so.
    #[test]
    fn a_buffering_client_fails_the_memory_targets_in_the_table() {
        let md = render(&results(vec![
            size(1 << 30, 1_100_000, 1.0),
            size(4 << 30, 4_300_000, 4.0),
        ]));
        assert!(
            md.contains("| client peak RSS ≤ 32 MiB, 4 GiB | 4199.2 MiB | **FAIL** |"),
            "{md}"
        );
        assert!(
            md.lines()
                .any(|l| l.contains("does not grow with size") && l.ends_with("**FAIL** |")),
            "{md}"
        );
        assert!(
            md.lines()
                .any(|l| l.starts_with("| vbo client") && l.ends_with("4199.2 MiB | **FAIL** |")),
            "{md}"
        );
    }

    #[test]
    fn the_ratio_compares_median_throughputs() {
        let s = size(1 << 30, 20_000, 2.0);
        assert!((ratio(&s, Tool::Curl).unwrap() - 0.5).abs() < 1e-9);
        let md = render(&results(vec![s]));
        assert!(
            md.contains("| download throughput ≥ 0.9 × curl, 1 GiB to disk | 0.50 × curl -o"),
            "{md}"
        );
        assert!(md.contains("**FAIL**"), "{md}");
    }
}
