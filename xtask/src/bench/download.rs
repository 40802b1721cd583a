//! Downloads: one PST export fetched by the `vbo` client, by curl with the client's very
//! request, and copied with no HTTP at all (the ceiling), with the peak RSS of each.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::proc::{Cmd, Run, run, run_measured};
use super::proxy::{Proxy, Request};
use super::sim::{SimProcess, Target, vbo_cmd};

/// What the download rows measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `vbo item export-pst`: `FileDownload::save`, which fsyncs before renaming into place.
    Client,
    /// `curl -o`, which leaves the file in the page cache.
    Curl,
    /// `curl -o`, then `sync FILE`: the same durability as the client.
    CurlSync,
    /// `dd` of the same bytes from the page cache: no socket, no HTTP.
    Raw,
    /// `dd`, then `sync FILE`.
    RawSync,
    /// `dd` of the same bytes from the page cache to `/dev/null`: no disk either, to show
    /// what the disk costs.
    RawNull,
}

impl Tool {
    pub fn label(self) -> &'static str {
        match self {
            Self::Client => "vbo client (`vbo item export-pst`)",
            Self::Curl => "curl -o",
            Self::CurlSync => "curl -o, then sync FILE",
            Self::Raw => "raw: dd from page cache (ceiling)",
            Self::RawSync => "raw: dd, then sync FILE",
            Self::RawNull => "raw: dd from page cache to /dev/null (no disk)",
        }
    }
}

/// The figures of one tool at one size.
#[derive(Debug, Clone)]
pub struct Row {
    pub tool: Tool,
    /// Seconds of each run.
    pub secs: Vec<f64>,
    /// Peak RSS of each run, KiB (of the process that moved the bytes).
    pub rss_kib: Vec<u64>,
    /// User and system CPU seconds of each run (of that process; a `sync` costs it none).
    pub cpu: Vec<(f64, f64)>,
}

/// Everything measured at one size.
#[derive(Debug, Clone)]
pub struct SizeResult {
    pub bytes: u64,
    pub medium: Medium,
    pub rows: Vec<Row>,
    /// Peak RSS of the simulator process, for the record (it is never counted as the client's).
    pub sim_rss_kib: Option<u64>,
    /// The commands, as run in the first round.
    pub commands: Vec<String>,
}

/// The requests that curl replays: the client's own, captured by the proxy.
#[derive(Debug, Clone)]
pub struct Captured {
    /// `POST /v4/token`, with its form body.
    pub token: Request,
    /// The Action request of `vbo item export-pst`.
    pub export: Request,
}

/// Captures the client's token and export requests through the counting proxy, on a small
/// simulator; the ids are the same on every simulator of the same seed.
pub fn capture(
    vbo: &Path,
    sim: &SimProcess,
    target: &Target,
    scratch: &Path,
) -> anyhow::Result<(Captured, super::proxy::Log)> {
    let proxy = Proxy::start(sim.addr)?;
    let file = scratch.join("capture.pst");
    let cmd = export_cmd(vbo, &proxy.url(), sim, target, &file);
    run(&cmd)?;
    std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
    // The proxy's relay threads finish with the connection, shortly after the client exits.
    let log = settle(&proxy);
    if !log.errors.is_empty() {
        bail!("the counting proxy failed: {}", log.errors.join("; "));
    }
    let token = log
        .requests
        .iter()
        .find(|r| r.method == "POST" && r.path().ends_with("/v4/token"))
        .context("the client sent no POST /v4/token")?;
    let export = log
        .requests
        .iter()
        .find(|r| r.method == "POST" && r.path().ends_with("/Action"))
        .context("the client sent no POST .../Action")?;
    Ok((
        Captured {
            token: token.clone(),
            export: export.clone(),
        },
        log,
    ))
}

/// The proxy's log once the client's connections have closed (or after a second).
pub fn settle(proxy: &Proxy) -> super::proxy::Log {
    std::thread::sleep(std::time::Duration::from_millis(300));
    proxy.take()
}

/// `vbo item export-pst ... --to FILE` against `url`.
fn export_cmd(vbo: &Path, url: &str, sim: &SimProcess, target: &Target, file: &Path) -> Cmd {
    vbo_cmd(vbo, url, sim)
        .args(["-q", "item", "export-pst"])
        .args(target.mailbox_args())
        .arg(&target.items[0])
        .arg("--to")
        .arg(file)
}

/// Where the downloaded files go.
#[derive(Debug, Clone)]
pub struct Medium {
    /// `disk` or `memory`.
    pub name: &'static str,
    pub dir: PathBuf,
    /// The file system type, as `stat -f` names it (`ext2/ext3` for ext4, `tmpfs`).
    pub fs: String,
}

impl Medium {
    /// Whether writing here goes to a disk, so that a `sync` means something.
    pub fn is_disk(&self) -> bool {
        self.name == "disk"
    }
}

/// The most the simulator may hold while it streams a PST of any size.
pub const SIM_RSS_LIMIT_KIB: u64 = 64 * 1024;

/// Measures every tool at `bytes` on each medium, `runs` times each, interleaved so that noise
/// spreads evenly. Every file is checked for its size and deleted after its run. One result
/// per medium.
pub fn measure(
    vbo: &Path,
    bytes: u64,
    runs: usize,
    captured: &Captured,
    media: &[Medium],
    scratch: &Path,
) -> anyhow::Result<Vec<SizeResult>> {
    let sim = SimProcess::start(vbo, bytes, scratch)?;
    let target = Target::discover(vbo, &sim)?;
    let (token, token_cmd) = token(&sim.url, captured, scratch)?;
    let body_file = scratch.join("export-body.json");
    std::fs::write(&body_file, &captured.export.body)
        .with_context(|| format!("writing {}", body_file.display()))?;
    let url = format!("{}{}", sim.url, captured.export.target);
    let curl = |file: &Path| {
        Cmd::new("curl")
            .args(["-sS", "--fail", "-X", "POST"])
            .arg("-H")
            .arg_shown(
                format!("Authorization: Bearer {token}"),
                "Authorization: Bearer $TOKEN",
            )
            .args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(format!("@{}", body_file.display()))
            .arg("-o")
            .arg(file)
            .arg(&url)
    };
    let sync = |file: &Path| Cmd::new("sync").arg(file);
    let mut results = Vec::new();
    for medium in media {
        let mut commands = vec![sim.command.shown(), token_cmd.clone()];
        let source = medium.dir.join("source.pst");
        let dd = |file: &Path| {
            Cmd::new("dd")
                .arg(format!("if={}", source.display()))
                .arg(format!("of={}", file.display()))
                .args(["bs=1M", "status=none"])
        };
        // The ceiling's source: the same bytes, fetched once, in the page cache (or tmpfs).
        run(&curl(&source))?;
        check_size(&source, bytes)?;
        check_opens(&source, scratch)?;
        run(&Cmd::new("sync"))?;
        commands.push(format!(
            "{}  # once, untimed: the ceiling's source",
            curl(&source).shown()
        ));

        let tools: &[Tool] = if medium.is_disk() {
            &[
                Tool::Client,
                Tool::Curl,
                Tool::CurlSync,
                Tool::Raw,
                Tool::RawSync,
                Tool::RawNull,
            ]
        } else {
            &[Tool::Client, Tool::Curl, Tool::Raw]
        };
        let mut rows: Vec<Row> = tools
            .iter()
            .map(|&tool| Row {
                tool,
                secs: Vec::new(),
                rss_kib: Vec::new(),
                cpu: Vec::new(),
            })
            .collect();
        let mut record = |tool: Tool, secs: f64, run: &Run| {
            if let Some(row) = rows.iter_mut().find(|r| r.tool == tool) {
                row.secs.push(secs);
                row.rss_kib.push(run.max_rss_kib.unwrap_or(0));
                row.cpu.push(run.cpu.unwrap_or((f64::NAN, f64::NAN)));
            }
        };
        let out = medium.dir.join("out.pst");
        for round in 0..runs {
            println!(
                "bench: download {} to {}, round {}/{runs}",
                super::report::size_label(bytes),
                medium.name,
                round + 1
            );
            let first = round == 0;
            // The client.
            let cmd = export_cmd(vbo, &sim.url, &sim, &target, &out);
            let r = run_measured(&cmd, scratch)?;
            check_size(&out, bytes)?;
            record(Tool::Client, r.wall.as_secs_f64(), &r);
            remove_and_settle(&out)?;
            if first {
                commands.push(cmd.shown());
            }

            // curl, and curl + sync on a disk.
            let cmd = curl(&out);
            let r = run_measured(&cmd, scratch)?;
            record(Tool::Curl, r.wall.as_secs_f64(), &r);
            if first {
                commands.push(cmd.shown());
            }
            if medium.is_disk() {
                let s = run(&sync(&out))?;
                record(Tool::CurlSync, (r.wall + s.wall).as_secs_f64(), &r);
                if first {
                    commands.push(sync(&out).shown());
                }
            }
            check_size(&out, bytes)?;
            remove_and_settle(&out)?;

            // The ceiling, and the ceiling + sync on a disk.
            let cmd = dd(&out);
            let r = run_measured(&cmd, scratch)?;
            record(Tool::Raw, r.wall.as_secs_f64(), &r);
            if first {
                commands.push(cmd.shown());
            }
            if medium.is_disk() {
                let s = run(&sync(&out))?;
                record(Tool::RawSync, (r.wall + s.wall).as_secs_f64(), &r);
            }
            check_size(&out, bytes)?;
            remove_and_settle(&out)?;

            // The ceiling without writing a file at all.
            if medium.is_disk() {
                let cmd = dd(Path::new("/dev/null"));
                let r = run_measured(&cmd, scratch)?;
                record(Tool::RawNull, r.wall.as_secs_f64(), &r);
                if first {
                    commands.push(cmd.shown());
                }
            }
        }
        std::fs::remove_file(&source).with_context(|| format!("removing {}", source.display()))?;
        results.push(SizeResult {
            bytes,
            medium: medium.clone(),
            rows,
            sim_rss_kib: None,
            commands,
        });
    }
    let sim_rss_kib = sim.peak_rss_kib().ok();
    // The PST is generated as it streams: the simulator's memory must not grow with it.
    if let Some(kib) = sim_rss_kib.filter(|kib| *kib > SIM_RSS_LIMIT_KIB) {
        bail!(
            "the simulator's peak RSS was {kib} KiB while streaming {bytes}-byte PSTs, over the \
             {SIM_RSS_LIMIT_KIB} KiB (64 MiB) it may use"
        );
    }
    for result in &mut results {
        result.sim_rss_kib = sim_rss_kib;
    }
    Ok(results)
}

/// Gets a token for curl with the client's own token request; returns it and the command.
fn token(sim_url: &str, captured: &Captured, scratch: &Path) -> anyhow::Result<(String, String)> {
    let form = scratch.join("token.form");
    std::fs::write(&form, &captured.token.body)
        .with_context(|| format!("writing {}", form.display()))?;
    let cmd = Cmd::new("curl")
        .args(["-sS", "--fail", "-X", "POST", "-H"])
        .arg("Content-Type: application/x-www-form-urlencoded")
        .arg("--data-binary")
        .arg(format!("@{}", form.display()))
        .arg(format!("{sim_url}{}", captured.token.target));
    let result = run(&cmd);
    let _ = std::fs::remove_file(&form);
    let out = result?;
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("the token answer is not JSON")?;
    let token = json
        .get("access_token")
        .and_then(serde_json::Value::as_str)
        .context("the token answer has no access_token")?;
    Ok((
        token.to_string(),
        format!("{}  # its access_token is $TOKEN", cmd.shown()),
    ))
}

fn check_size(file: &Path, bytes: u64) -> anyhow::Result<()> {
    let len = std::fs::metadata(file)
        .with_context(|| format!("{} was not written", file.display()))?
        .len();
    if len != bytes {
        bail!("{} has {len} bytes, expected {bytes}", file.display());
    }
    Ok(())
}

/// Checks that the exported PST is one that a reader opens: readpst (libpst) extracts the
/// exported item from it. Its padding lies outside the IPM subtree, which readpst extracts, so
/// this reads the file's B-trees and the item, not gigabytes of padding.
fn check_opens(pst: &Path, scratch: &Path) -> anyhow::Result<()> {
    let out = scratch.join("readpst");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    run(&Cmd::new("readpst")
        .args(["-q", "-D", "-j0", "-e", "-o"])
        .arg(&out)
        .arg(pst))
    .with_context(|| format!("readpst could not read the exported {}", pst.display()))?;
    let messages = walk_files(&out)?
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "eml"))
        .count();
    let _ = std::fs::remove_dir_all(&out);
    if messages != 1 {
        bail!(
            "readpst found {messages} messages in the exported {}, expected the one item",
            pst.display()
        );
    }
    Ok(())
}

/// Every file under `dir`.
fn walk_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk_files(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

/// Deletes a run's file and flushes what is still dirty, untimed, so that the next run starts
/// from the same state.
fn remove_and_settle(file: &Path) -> anyhow::Result<()> {
    std::fs::remove_file(file).with_context(|| format!("removing {}", file.display()))?;
    run(&Cmd::new("sync"))?;
    Ok(())
}
