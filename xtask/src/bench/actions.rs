//! Small actions per second (restore, send) through `vbo bulk`, and the HTTP requests they
//! really cost, counted by the proxy. Restores are measured both ways side by side: in one
//! multi-item request for all items (`bulk`'s default, `perform_bulk_at_once`) and one request
//! per item (`--per-item`, `perform_bulk`).

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use super::download::settle;
use super::proc::{Cmd, run};
use super::proxy::{Log, Proxy};
use super::sim::{SimProcess, Target, vbo_cmd};

/// A device code the simulator accepts for restores (the example of `docs/cli.md`).
const DEVICE_CODE: &str = "C6A9DB737";
/// Actions per `vbo bulk` run when counting requests: enough to tell per-action costs from
/// per-process ones.
const COUNTED_ACTIONS: usize = 50;

/// The small actions measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// All items in one multi-item request.
    Restore,
    /// One request per item.
    RestorePerItem,
    Send,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Restore, Kind::RestorePerItem, Kind::Send];

    pub fn label(self) -> &'static str {
        match self {
            Self::Restore => "restore, one request for all (`vbo bulk ... restore`)",
            Self::RestorePerItem => "restore, one request per item (`--per-item`)",
            Self::Send => "send, one request per item (`vbo bulk ... send`)",
        }
    }

    fn args(self) -> Vec<String> {
        let restore = || vec!["restore".into(), "--device-code".into(), DEVICE_CODE.into()];
        match self {
            Self::Restore => restore(),
            Self::RestorePerItem => [vec!["--per-item".into()], restore()].concat(),
            Self::Send => vec!["send".into()],
        }
    }

    /// The `POST .../Action` requests that `actions` of this kind should cost.
    fn action_posts(self, actions: usize) -> usize {
        match self {
            Self::Restore => 1,
            Self::RestorePerItem | Self::Send => actions,
        }
    }
}

/// Throughput of one action at one concurrency.
#[derive(Debug, Clone)]
pub struct RateRow {
    pub kind: Kind,
    pub concurrency: usize,
    /// Actions per `vbo bulk` run.
    pub actions: usize,
    /// Seconds of each run, process start to exit (login included).
    pub secs: Vec<f64>,
    pub command: String,
}

/// Requests counted for one `vbo` command.
#[derive(Debug, Clone)]
pub struct CountRow {
    pub what: String,
    pub actions: usize,
    pub token_posts: usize,
    pub action_posts: usize,
    /// The `POST .../Action` requests the command should cost.
    pub expected_action_posts: usize,
    pub other: Vec<String>,
    pub connections: usize,
}

#[derive(Debug, Clone)]
pub struct ActionsResult {
    pub rates: Vec<RateRow>,
    pub counts: Vec<CountRow>,
}

/// Turns the proxy's log of one command into a count row; fails if the proxy saw errors.
pub fn count_row(
    what: &str,
    actions: usize,
    expected_action_posts: usize,
    log: &Log,
) -> anyhow::Result<CountRow> {
    if !log.errors.is_empty() {
        bail!("the counting proxy failed: {}", log.errors.join("; "));
    }
    let token_posts = log.count("POST", "/v4/token");
    let action_posts = log.count("POST", "/Action");
    let other = log
        .requests
        .iter()
        .filter(|r| {
            !(r.method == "POST"
                && (r.path().ends_with("/v4/token") || r.path().ends_with("/Action")))
        })
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    Ok(CountRow {
        what: what.to_string(),
        actions,
        token_posts,
        action_posts,
        expected_action_posts,
        other,
        connections: log.connections,
    })
}

/// Measures restores and sends at each concurrency, `runs` times, then counts the requests of
/// one run of each through the proxy.
pub fn measure(
    vbo: &Path,
    sim: &SimProcess,
    target: &Target,
    runs: usize,
    sizes: &[(usize, usize)],
    scratch: &Path,
) -> anyhow::Result<ActionsResult> {
    // Sends need the email settings of the server set once.
    run(&vbo_cmd(vbo, &sim.url, sim).args([
        "-q",
        "vex",
        "set",
        "--enable",
        "true",
        "--smtp-server",
        "smtp.office365.com",
        "--port",
        "587",
        "--use-ssl",
        "true",
        "--from",
        "vbo@westsupport.onmicrosoft.com",
    ]))?;
    let ids_file = |n: usize| -> anyhow::Result<std::path::PathBuf> {
        let path = scratch.join(format!("ids-{n}.txt"));
        // Distinct ids: `vbo bulk` refuses a repeated one.
        if target.items.len() < n {
            bail!(
                "{n} actions need {n} distinct items, the mailbox has {}",
                target.items.len()
            );
        }
        let text: String = target
            .items
            .iter()
            .take(n)
            .map(|id| format!("{id}\n"))
            .collect();
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let bulk = |url: &str, ids: &Path, concurrency: usize, kind: Kind| {
        vbo_cmd(vbo, url, sim)
            .args(["-q", "-o", "json", "bulk"])
            .args(target.mailbox_args())
            .arg("--ids")
            .arg(ids)
            .args(["--concurrency".to_string(), concurrency.to_string()])
            .args(kind.args())
    };
    let mut rates = Vec::new();
    for &(concurrency, actions) in sizes {
        let ids = ids_file(actions)?;
        for kind in Kind::ALL {
            let cmd = bulk(&sim.url, &ids, concurrency, kind);
            // One untimed run first: connections, allocator and the simulator warm up.
            checked(&cmd, actions)?;
            let mut secs = Vec::new();
            for _ in 0..runs {
                secs.push(checked(&cmd, actions)?);
            }
            println!(
                "bench: {} at concurrency {concurrency}: {actions} actions, {:?} s",
                kind.label(),
                secs
            );
            rates.push(RateRow {
                kind,
                concurrency,
                actions,
                secs,
                command: cmd.shown(),
            });
        }
    }

    let proxy = Proxy::start(sim.addr)?;
    let ids = ids_file(COUNTED_ACTIONS)?;
    let mut counts = Vec::new();
    for &(concurrency, _) in sizes {
        for kind in Kind::ALL {
            let cmd = bulk(&proxy.url(), &ids, concurrency, kind);
            checked(&cmd, COUNTED_ACTIONS)?;
            let what = format!(
                "`vbo bulk ... {}`, concurrency {concurrency}",
                kind.args().join(" ")
            );
            let expected = kind.action_posts(COUNTED_ACTIONS);
            counts.push(count_row(
                &what,
                COUNTED_ACTIONS,
                expected,
                &settle(&proxy),
            )?);
        }
    }
    Ok(ActionsResult { rates, counts })
}

/// Runs one `vbo bulk` and checks that every action succeeded; returns its seconds.
fn checked(cmd: &Cmd, actions: usize) -> anyhow::Result<f64> {
    let out = run(cmd)?;
    let summary: Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("the JSON summary of `{}`", cmd.shown()))?;
    let succeeded = summary.get("succeeded").and_then(Value::as_u64);
    if succeeded != Some(actions as u64) {
        bail!(
            "`{}`: {succeeded:?} of {actions} actions succeeded",
            cmd.shown()
        );
    }
    Ok(out.wall.as_secs_f64())
}
