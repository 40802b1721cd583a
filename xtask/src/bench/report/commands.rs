//! The exact commands a run ran.

use std::fmt::Write as _;

use super::{Results, size_label};
use crate::bench::gate::GateResult;

pub(super) fn render_commands(md: &mut String, r: &Results) {
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
