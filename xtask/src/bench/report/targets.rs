//! The targets, each with its measured figure and PASS or FAIL.

use std::fmt::Write as _;

use super::{
    GATE_TARGET_SECS, NOOP_TARGET_SECS, RATIO_TARGET, RSS_GROWTH_TOLERANCE_KIB, RSS_TARGET_KIB,
    Results, client_rss, mib_kib, pass, ratio, size_label,
};
use crate::bench::download::Tool;
use crate::bench::gate::GateResult;
use crate::bench::stats::summarize;

pub(super) fn render_targets(md: &mut String, r: &Results) {
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
