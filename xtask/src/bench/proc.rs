//! Running the measured commands: each is a real process, timed from spawn to exit, with its
//! peak RSS read by GNU time (`/usr/bin/time -v`), so that the report can print the exact
//! command that produced each figure.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// GNU time, for the peak RSS of a child process.
pub const GNU_TIME: &str = "/usr/bin/time";

/// A command line to run and to show in the report. Secrets (a bearer token) are shown as a
/// placeholder.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    args: Vec<(OsString, String)>,
    env: Vec<(String, String)>,
    dir: Option<PathBuf>,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        let arg = arg.into();
        let shown = arg.to_string_lossy().into_owned();
        self.args.push((arg, shown));
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(self, args: I) -> Self {
        args.into_iter().fold(self, Self::arg)
    }

    /// An argument that is shown as `shown` in the report, such as `Authorization: Bearer $TOKEN`.
    pub fn arg_shown(mut self, arg: impl Into<OsString>, shown: impl Into<String>) -> Self {
        self.args.push((arg.into(), shown.into()));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The command as a shell line.
    pub fn shown(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        let program = self.program.to_string_lossy();
        words.push(quote(&program));
        words.extend(self.args.iter().map(|(_, shown)| {
            if shown.contains('$') {
                // A placeholder for a secret: double quotes keep it a variable.
                format!("\"{shown}\"")
            } else {
                quote(shown)
            }
        }));
        words.join(" ")
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(self.args.iter().map(|(real, _)| real));
        for (k, v) in &self.env {
            command.env(k, v);
        }
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }

    /// The same command run under `/usr/bin/time -v -o REPORT`.
    fn under_time(&self, report: &Path) -> Command {
        let mut command = Command::new(GNU_TIME);
        command
            .arg("-v")
            .arg("-o")
            .arg(report)
            .arg(&self.program)
            .args(self.args.iter().map(|(real, _)| real));
        for (k, v) in &self.env {
            command.env(k, v);
        }
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }
}

/// When the running xtask binary was last built: a `cargo xtask ...` child that rebuilt it
/// (because someone edited xtask meanwhile) changes this, and its timing is not a warm one.
pub fn xtask_built() -> Option<std::time::SystemTime> {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|m| m.modified())
        .ok()
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@,+%".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One finished run.
#[derive(Debug)]
pub struct Run {
    /// From spawn to exit, measured here.
    pub wall: Duration,
    /// Peak resident set size in KiB, from GNU time; `None` when not measured.
    pub max_rss_kib: Option<u64>,
    /// User and system CPU seconds, from GNU time: steadier than wall time on shared cores.
    pub cpu: Option<(f64, f64)>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs `cmd` to completion, timed, and fails with its stderr when it fails.
pub fn run(cmd: &Cmd) -> anyhow::Result<Run> {
    let (wall, output, stderr) = timed(cmd, cmd.command(), "")?;
    Ok(Run {
        wall,
        max_rss_kib: None,
        cpu: None,
        stdout: output.stdout,
        stderr,
    })
}

/// Runs `command` (`cmd`, maybe wrapped) to its end: its wall time, its output, its stderr
/// as text; a failure names the command and the end of its stderr.
fn timed(
    cmd: &Cmd,
    mut command: std::process::Command,
    how: &str,
) -> anyhow::Result<(Duration, std::process::Output, String)> {
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting `{}`{how}", cmd.shown()))?;
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        bail!(
            "`{}` failed ({}): {}",
            cmd.shown(),
            output.status,
            tail(&stderr)
        );
    }
    Ok((wall, output, stderr))
}

/// Runs `cmd` under GNU time: timed here, peak RSS from time's report (written to a file, so
/// that it never mixes with the command's own stderr).
pub fn run_measured(cmd: &Cmd, scratch: &Path) -> anyhow::Result<Run> {
    let report = scratch.join("time-v.txt");
    let under = format!(" under {GNU_TIME}");
    let (wall, output, stderr) = timed(cmd, cmd.under_time(&report), &under)?;
    let text = std::fs::read_to_string(&report)
        .with_context(|| format!("reading {GNU_TIME}'s report {}", report.display()))?;
    let context = || format!("{GNU_TIME}'s report for `{}`", cmd.shown());
    let max_rss_kib = parse_max_rss_kib(&text).with_context(context)?;
    let user = parse_seconds(&text, "User time (seconds):").with_context(context)?;
    let sys = parse_seconds(&text, "System time (seconds):").with_context(context)?;
    Ok(Run {
        wall,
        max_rss_kib: Some(max_rss_kib),
        cpu: Some((user, sys)),
        stdout: output.stdout,
        stderr,
    })
}

/// The last lines of a command's stderr, enough to say why it failed.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// `Maximum resident set size (kbytes): N` from the report of `time -v`.
pub fn parse_max_rss_kib(report: &str) -> anyhow::Result<u64> {
    const KEY: &str = "Maximum resident set size (kbytes):";
    let line = report
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(KEY))
        .with_context(|| format!("no `{KEY}` line"))?;
    line.trim()
        .parse()
        .with_context(|| format!("`{KEY}{line}` is not a number of KiB"))
}

/// A `KEY seconds` line of the report of `time -v`, such as `User time (seconds): 0.20`.
pub fn parse_seconds(report: &str, key: &str) -> anyhow::Result<f64> {
    let line = report
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(key))
        .with_context(|| format!("no `{key}` line"))?;
    line.trim()
        .parse()
        .with_context(|| format!("`{key}{line}` is not a number of seconds"))
}

/// `VmHWM` (peak RSS) in KiB from `/proc/<pid>/status`, for a process still running such as
/// the simulator.
pub fn parse_vm_hwm_kib(status: &str) -> anyhow::Result<u64> {
    let value = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("no VmHWM line")?;
    let number = value
        .trim()
        .strip_suffix("kB")
        .with_context(|| format!("VmHWM `{}` is not in kB", value.trim()))?;
    number
        .trim()
        .parse()
        .with_context(|| format!("VmHWM `{}` is not a number", value.trim()))
}

/// Peak RSS in KiB of a running process of ours.
pub fn vm_hwm_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_vm_hwm_kib(&status).with_context(|| path)
}

/// Makes sure that the external programs of the bench are there, installing the Debian
/// packages that bring them when they are not (as root, the usual case here and in CI).
pub fn ensure_programs() -> anyhow::Result<()> {
    crate::tools::ensure_debian(
        &[
            ("curl", "curl"),
            (GNU_TIME, "time"),
            ("dd", "coreutils"),
            ("readpst", "pst-utils"),
        ],
        "the bench",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIME_V: &str = "\tCommand being timed: \"curl -o x http://127.0.0.1:1/\"
\tUser time (seconds): 0.20
\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23
\tMaximum resident set size (kbytes): 10324
\tExit status: 0
";

    #[test]
    fn peak_rss_is_read_from_time_v() {
        assert_eq!(parse_max_rss_kib(TIME_V).unwrap(), 10324);
    }

    #[test]
    fn cpu_seconds_are_read_from_time_v() {
        assert_eq!(parse_seconds(TIME_V, "User time (seconds):").unwrap(), 0.20);
        assert!(parse_seconds(TIME_V, "System time (seconds):").is_err());
        let garbled = TIME_V.replace("0.20", "soon");
        assert!(parse_seconds(&garbled, "User time (seconds):").is_err());
    }

    #[test]
    fn a_report_without_rss_is_an_error_not_a_zero() {
        let error = parse_max_rss_kib("\tExit status: 0\n").unwrap_err();
        assert!(error.to_string().contains("Maximum resident set size"));
        let garbled = TIME_V.replace("10324", "lots");
        let error = parse_max_rss_kib(&garbled).unwrap_err();
        assert!(format!("{error:#}").contains("not a number"), "{error:#}");
    }

    #[test]
    fn vm_hwm_is_read_from_proc_status() {
        let status = "Name:\tvbo\nVmPeak:\t  100 kB\nVmHWM:\t    20480 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(parse_vm_hwm_kib(status).unwrap(), 20480);
        assert!(parse_vm_hwm_kib("Name:\tvbo\n").is_err());
        assert!(parse_vm_hwm_kib("VmHWM:\t 12 MB\n").is_err());
    }

    #[test]
    fn own_peak_rss_is_readable() {
        assert!(vm_hwm_kib(std::process::id()).unwrap() > 0);
    }

    #[test]
    fn commands_are_shown_as_shell_lines_with_secrets_hidden() {
        let cmd = Cmd::new("curl")
            .env("VBO_PASSWORD", "paSSw0rd")
            .args(["-o", "/tmp/a b.pst"])
            .arg_shown(
                "Authorization: Bearer abc.def",
                "Authorization: Bearer $TOKEN",
            )
            .arg("--data-binary")
            .arg("{\"a\":'1'}");
        assert_eq!(
            cmd.shown(),
            r#"VBO_PASSWORD=paSSw0rd curl -o '/tmp/a b.pst' "Authorization: Bearer $TOKEN" --data-binary '{"a":'\''1'\''}'"#
        );
    }
}
