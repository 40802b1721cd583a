//! `cargo xtask prism`: the client's real requests, checked by an independent validator of the
//! same spec, for every version. Stoplight Prism (pinned, installed from npm into
//! `target/tools`) mocks each `openapi/vbo-v<N>.yaml` in turn on a loopback port with
//! `--errors`; `examples/prism_requests.rs` sends every action and variant and the three token
//! grants through `vbo365::Client` speaking that version. Prism's log
//! says, request by request, whether it passed validation: every one must, and a deliberately
//! invalid control request must not (so that a silent validator cannot pass the check).

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// Prism, stopped when dropped (also when the check fails half way).
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let bin = crate::tools::npm_tools(root)?;
    let specs = crate::specs::discover(root)?;
    if specs.is_empty() {
        bail!("openapi/ holds no vbo-v<N>.yaml");
    }
    for number in specs {
        let spec = crate::specs::spec_file(number);
        say!("prism: {spec}");
        run_one(root, &bin, &spec, &format!("v{number}"))?;
    }
    Ok(())
}

/// Prism on one spec, and the client's requests for its version.
fn run_one(root: &Path, bin: &Path, spec: &str, version: &str) -> anyhow::Result<()> {
    let port = free_port()?;
    let log_path = root.join(format!("target/tools/prism-mock-{version}.log"));
    let log =
        File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let child = Command::new(bin.join("prism"))
        .args(["mock", "--errors", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg(root.join(spec))
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting prism")?;
    let mut mock = Mock(child);
    wait_until_listening(&mut mock, port, &log_path)?;

    let base_url = format!("http://127.0.0.1:{port}");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--example",
            "prism_requests",
            "--",
        ])
        .arg(&base_url)
        .arg(version)
        .stderr(Stdio::inherit())
        .output()
        .context("running examples/prism_requests.rs")?;
    drop(mock);
    if !output.status.success() {
        bail!(
            "the client's requests could not be sent ({}); prism's log: {}",
            output.status,
            log_path.display()
        );
    }
    let steps: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("reading the steps of examples/prism_requests.rs")?;
    let log = std::fs::read_to_string(&log_path)?;
    check(&steps, &parse_log(&log), &log_path)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Waits for Prism to accept connections: it loads the spec first, which takes seconds.
fn wait_until_listening(mock: &mut Mock, port: u16, log: &Path) -> anyhow::Result<()> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = mock.0.try_wait()? {
            bail!(
                "prism exited ({status}) before listening:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "prism did not listen on {address} within 120 s; see {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One request as Prism's log tells it.
#[derive(Debug, Default, PartialEq)]
struct Logged {
    /// `POST /v4/token`, as logged.
    request: String,
    passed: bool,
    violations: Vec<String>,
}

/// Splits Prism's log into requests: each starts with `[HTTP SERVER] <method> <path> ...
/// Request received`; the validator then logs that it passed, or the violations.
fn parse_log(log: &str) -> Vec<Logged> {
    let mut out: Vec<Logged> = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.split("[HTTP SERVER] ").nth(1)
            && line.contains("Request received")
        {
            let request: Vec<&str> = rest.split_whitespace().take(2).collect();
            out.push(Logged {
                request: format!(
                    "{} {}",
                    request.first().unwrap_or(&"").to_uppercase(),
                    request.get(1).unwrap_or(&"")
                ),
                ..Logged::default()
            });
        } else if let Some(current) = out.last_mut() {
            if line.contains("[VALIDATOR]") && line.contains("The request passed the validation") {
                current.passed = true;
            } else if let Some((_, violation)) = line.split_once("Violation: ") {
                current.violations.push(violation.trim().to_string());
            }
        }
    }
    out
}

fn check(steps: &[Value], logged: &[Logged], log_path: &Path) -> anyhow::Result<()> {
    let expected: Vec<(&Value, &str)> = steps
        .iter()
        .flat_map(|step| {
            step["requests"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |r| (step, r))
        })
        .collect();
    if expected.len() != logged.len() {
        bail!(
            "the client's steps expect {} requests, prism logged {} (see {}): {:?}",
            expected.len(),
            logged.len(),
            log_path.display(),
            logged.iter().map(|l| &l.request).collect::<Vec<_>>()
        );
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    say!("   request         violations, step (what the client made of the mock's answer)");
    for ((step, request), log) in expected.iter().zip(logged) {
        let name = step["step"].as_str().unwrap_or("?");
        let (method, suffix) = request.split_once(' ').unwrap_or((request, ""));
        if !log.request.starts_with(method) || !log.request.ends_with(suffix) {
            failures.push(format!(
                "{name}: expected {request}, prism logged {}",
                log.request
            ));
            continue;
        }
        let control = step["control"].as_bool().unwrap_or(false);
        let rejected = !log.passed || !log.violations.is_empty();
        let answer = match (
            step["result"]["ok"].as_str(),
            step["result"]["error"].as_str(),
        ) {
            (Some(ok), _) => format!("client: {ok}"),
            (_, Some(error)) => format!("client: {error}"),
            _ => format!("status {}", step["result"]["status"]),
        };
        say!(
            "{}  {:<15} {:<4} {name} ({answer})",
            if rejected { "✗" } else { "✓" },
            request,
            log.violations.len(),
        );
        if control {
            let status = step["result"]["status"].as_u64();
            let header = step["result"]["sl_violations_header"].as_bool();
            if !rejected || status != Some(400) || header != Some(true) {
                failures.push(format!(
                    "the control request was not rejected (status {status:?}, sl-violations \
                     header {header:?}): prism is not validating requests"
                ));
            }
        } else {
            checked += 1;
            if rejected {
                failures.push(format!(
                    "{name}: {request} violates the spec:\n      {}",
                    log.violations.join("\n      ")
                ));
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "Prism found violations (log: {}):\n  {}",
            log_path.display(),
            failures.join("\n  ")
        );
    }
    say!(
        "prism: {checked} requests of the client, 0 violations; the invalid control request \
         was rejected"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
[8:50:52 PM] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:4599
[8:50:56 PM] › [HTTP SERVER] post /v4/token ℹ  info      Request received
[8:50:56 PM] ›     [VALIDATOR] ✔  success   The request passed the validation rules. Looking for the best response
[8:50:56 PM] › [HTTP SERVER] post /v4/x/Action ℹ  info      Request received
[8:50:56 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[8:50:56 PM] ›     [VALIDATOR] ✖  error     Request body must match exactly one schema in oneOf
[8:50:56 PM] ›     [VALIDATOR] ✖  error     Violation: request.body Request body must match exactly one schema in oneOf
";

    #[test]
    fn the_log_splits_into_requests_with_their_verdicts() {
        assert_eq!(
            parse_log(LOG),
            [
                Logged {
                    request: "POST /v4/token".into(),
                    passed: true,
                    violations: vec![],
                },
                Logged {
                    request: "POST /v4/x/Action".into(),
                    passed: false,
                    violations: vec![
                        "request.body Request body must match exactly one schema in oneOf".into()
                    ],
                },
            ]
        );
    }

    fn steps(control_rejected: bool) -> Vec<Value> {
        vec![
            serde_json::json!({"step": "token", "requests": ["POST /v4/token"]}),
            serde_json::json!({"step": "control", "requests": ["POST /Action"], "control": true,
                "result": {"status": if control_rejected { 400 } else { 200 }, "sl_violations_header": control_rejected}}),
        ]
    }

    #[test]
    fn a_violation_of_a_client_request_fails() {
        let mut logged = parse_log(LOG);
        logged.swap(0, 1);
        let steps = vec![
            serde_json::json!({"step": "action", "requests": ["POST /Action"]}),
            serde_json::json!({"step": "token", "requests": ["POST /v4/token"]}),
        ];
        let error = check(&steps, &logged, Path::new("log")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("action: POST /Action violates the spec"),
            "{error}"
        );
    }

    #[test]
    fn a_control_request_that_passes_fails_the_check() {
        let mut logged = parse_log(LOG);
        assert!(check(&steps(true), &logged, Path::new("log")).is_ok());
        logged[1].passed = true;
        logged[1].violations.clear();
        let error = check(&steps(false), &logged, Path::new("log")).unwrap_err();
        assert!(
            error.to_string().contains("not validating requests"),
            "{error}"
        );
    }

    #[test]
    fn an_unexpected_extra_request_fails() {
        let logged = parse_log(LOG);
        let error = check(&steps(true)[..1], &logged, Path::new("log")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expect 1 requests, prism logged 2"),
            "{error}"
        );
    }
}
