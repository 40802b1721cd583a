//! The measurement tables: downloads, actions, build times and the CI gate.

use std::fmt::Write as _;

use super::{RSS_TARGET_KIB, mib_kib, pass, size_label, spread, throughput};
use crate::bench::actions::ActionsResult;
use crate::bench::build_times::BuildRow;
use crate::bench::download::{SizeResult, Tool};
use crate::bench::gate::GateResult;
use crate::bench::stats::summarize;

pub(super) fn render_downloads(md: &mut String, downloads: &[SizeResult]) {
    let _ = writeln!(md, "## Downloads\n");
    let _ = writeln!(
        md,
        "One PST export of the simulator (a separate `vbo sim --no-tls` process, so its memory \
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
                "\nThe simulator's own peak RSS (not counted above), generating the PST as it \
                 streams: {} (at most {}: {}). readpst opened the PST and found the item.",
                mib_kib(kib),
                mib_kib(super::super::download::SIM_RSS_LIMIT_KIB),
                pass(kib <= super::super::download::SIM_RSS_LIMIT_KIB)
            );
        }
        md.push('\n');
    }
}

pub(super) fn render_actions(md: &mut String, a: &ActionsResult) {
    let _ = writeln!(md, "## Actions\n");
    let _ = writeln!(
        md,
        "Small actions through `vbo bulk` against the simulator over loopback HTTP, on distinct \
         items of one mailbox (the simulator runs with `--extra-items`). Restores are measured \
         both ways in the same run: in one multi-item request for all items (`bulk`'s default, \
         the library's `perform_bulk_at_once`; the concurrency does not apply) and one request \
         per item (`--per-item`, `perform_bulk` with the given concurrency). Time is the whole \
         process, from start to exit, including its one login; one untimed run comes first.\n"
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
         requests that really cross the socket. Expected: one `POST .../Action` per action, or one \
         for all of them when they go in one multi-item request, plus one `POST /v4/token` per \
         process (session).\n"
    );
    let _ = writeln!(
        md,
        "| command | actions | POST /v4/token | POST .../Action | other requests | TCP connections | requests per action | as expected |\n|---|---|---|---|---|---|---|---|"
    );
    for c in &a.counts {
        let total = c.token_posts + c.action_posts + c.other.len();
        let expected =
            c.token_posts == 1 && c.action_posts == c.expected_action_posts && c.other.is_empty();
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

pub(super) fn render_build(md: &mut String, rows: &[BuildRow]) {
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

pub(super) fn render_gate(md: &mut String, gate: &GateResult) {
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
