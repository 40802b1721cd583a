//! The targets and tables on made-up measurements.

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
