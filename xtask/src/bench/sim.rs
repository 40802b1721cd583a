//! The simulator as a separate process (`vbo sim`), so that its memory and CPU are never
//! counted as the client's, and the ids of one item to act on.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use super::proc::{Cmd, run, vm_hwm_kib};

/// How long the simulator may take to print where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Items added to the first mailbox: `vbo bulk` refuses a repeated id, so the largest bulk
/// run needs this many distinct ones.
pub const EXTRA_ITEMS: usize = 5000;

/// A running `vbo sim`; dropping it ends the process.
pub struct SimProcess {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
    pub username: String,
    pub password: String,
    pub command: Cmd,
}

impl SimProcess {
    /// Starts `vbo sim` over plain HTTP on a free loopback port, serving PSTs of `pst_size`.
    /// Starts `vbo sim` with exports of `pst_size` and [`EXTRA_ITEMS`] more items in the first
    /// mailbox, so that bulk runs have as many distinct items as they need.
    pub fn start(vbo: &Path, pst_size: u64, scratch: &Path) -> anyhow::Result<Self> {
        let command = Cmd::new(vbo).args([
            "-o".to_string(),
            "json".to_string(),
            "sim".to_string(),
            "--no-tls".to_string(),
            "--port".to_string(),
            "0".to_string(),
            "--pst-size".to_string(),
            pst_size.to_string(),
            "--extra-items".to_string(),
            EXTRA_ITEMS.to_string(),
        ]);
        let log = scratch.join(format!("sim-{pst_size}.log"));
        let stderr = std::fs::File::create(&log)
            .with_context(|| format!("creating the simulator's log {}", log.display()))?;
        let mut child = command
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting `{}`", command.shown()))?;
        let stdout = child.stdout.take().context("the simulator's stdout")?;
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    // Started: keep draining so that the simulator never blocks on stdout.
                    continue;
                }
            }
        });
        let mut guard = Self {
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            username: String::new(),
            password: String::new(),
            command,
        };
        let mut text = String::new();
        let info: Value = loop {
            match receiver.recv_timeout(START_TIMEOUT) {
                Ok(line) => {
                    text.push_str(&line);
                    text.push('\n');
                    if let Ok(value) = serde_json::from_str(&text) {
                        break value;
                    }
                }
                Err(_) => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    bail!(
                        "`{}` did not say where it listens within {START_TIMEOUT:?}; it printed {text:?}; its log: {log}",
                        guard.command.shown()
                    );
                }
            }
        };
        let field = |name: &str| {
            info.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .with_context(|| format!("the simulator's start-up JSON has no `{name}`: {info}"))
        };
        guard.url = field("url")?;
        guard.username = field("username")?;
        guard.password = field("password")?;
        let host_port = guard
            .url
            .strip_prefix("http://")
            .with_context(|| format!("expected a plain HTTP simulator, got {}", guard.url))?;
        guard.addr = host_port
            .trim_end_matches('/')
            .parse()
            .with_context(|| format!("the simulator's address in {}", guard.url))?;
        Ok(guard)
    }

    /// The simulator's own peak RSS so far.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        vm_hwm_kib(self.child.id())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The item every download and action works on, and how `vbo` reaches it.
#[derive(Debug, Clone)]
pub struct Target {
    pub session: String,
    pub mailbox: String,
    /// Every item of the mailbox, the first one first.
    pub items: Vec<String>,
}

/// `vbo` with the simulator's address and account; the password comes from the environment,
/// as `vbo` wants secrets.
pub fn vbo_cmd(vbo: &Path, url: &str, sim: &SimProcess) -> Cmd {
    Cmd::new(vbo)
        .env("VBO_PASSWORD", sim.password.clone())
        .args(["--server", url, "--user", &sim.username])
}

impl Target {
    /// Finds a working restore session, its first mailbox that is not an archive, and that
    /// mailbox's items, through `vbo -o json`.
    pub fn discover(vbo: &Path, sim: &SimProcess) -> anyhow::Result<Self> {
        let json = |args: &[&str]| -> anyhow::Result<Value> {
            let cmd = vbo_cmd(vbo, &sim.url, sim).args(["-o", "json"]).args(args);
            let out = run(&cmd)?;
            serde_json::from_slice(&out.stdout)
                .with_context(|| format!("the JSON of `{}`", cmd.shown()))
        };
        let sessions = json(&["session", "list"])?;
        let session = list(&sessions)
            .iter()
            .find(|s| s.get("state").and_then(Value::as_str) == Some("Working"))
            .and_then(|s| s.get("id").and_then(Value::as_str))
            .with_context(|| format!("no working restore session in {sessions}"))?
            .to_string();
        let mailboxes = json(&["mailbox", "list", "--session", &session])?;
        let mailbox = list(&mailboxes)
            .iter()
            .find(|m| m.get("isArchive").and_then(Value::as_bool) != Some(true))
            .and_then(|m| m.get("id").and_then(Value::as_str))
            .with_context(|| format!("no mailbox in {mailboxes}"))?
            .to_string();
        let items = json(&[
            "item",
            "list",
            "--session",
            &session,
            "--mailbox-id",
            &mailbox,
        ])?;
        let items: Vec<String> = list(&items)
            .iter()
            .filter_map(|i| i.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        if items.is_empty() {
            bail!("mailbox {mailbox} of session {session} has no items");
        }
        Ok(Self {
            session,
            mailbox,
            items,
        })
    }

    /// The arguments that name the mailbox for `vbo item ...` and `vbo bulk`.
    pub fn mailbox_args(&self) -> [String; 4] {
        [
            "--session".into(),
            self.session.clone(),
            "--mailbox-id".into(),
            self.mailbox.clone(),
        ]
    }
}

/// The elements of a JSON list as `vbo -o json` prints it: an array, or a page with `results`.
fn list(value: &Value) -> &[Value] {
    value
        .as_array()
        .or_else(|| value.get("results").and_then(Value::as_array))
        .map_or(&[], Vec::as_slice)
}
