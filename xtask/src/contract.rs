//! `cargo xtask contract`: the simulator against its own spec, judged by outside tools.
//!
//! 1. The simulator starts in the `contract_sim` example process (in-process there, on a random
//!    port, over HTTPS with its generated CA). It is an example rather than code of this crate
//!    because xtask must build even when the spec does not generate, and the simulator is
//!    the whole `vbo365` crate. Through the `vbo365` client it saves an MSG and a split PST
//!    export, then serves until its standard input closes.
//! 2. schemathesis (PyPI, pinned in `tools.rs`) runs every operation of `openapi/vbo-v4.yaml`,
//!    and then of `vbo-v6.yaml`, `vbo-v7.yaml` and `vbo-v8.yaml` (fewer cases each: the
//!    handlers are v4's), against the one simulator, which serves every version, with all of
//!    its checks, including response schema and content-type conformance. The only allowances are the spec's own `x-contract-exception` notes, each on
//!    the response it concerns, with its reason: a built-in check that has one is replaced by
//!    a wrapper that calls it for every response except the one the note describes.
//! 3. The MSG is opened with `extract-msg` and must show the item's subject, sender,
//!    recipients, body and attachment; the ZIP is read and CRC-checked by Python's `zipfile`.
//!
//! Any failure fails the command.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::tools::{python_env, run as sh};

mod versions;

use versions::{STAGES, prepare_version, run_version};

/// The schemathesis seeds: fixed, so that CI runs the same cases every time. The seeded-ids
/// run, which reaches the success paths, runs with both.
const SEEDS: [&str; 2] = ["20200302", "1746"];
/// Every phase, named so that none is left out silently if schemathesis' default changes.
const PHASES: &str = "examples,coverage,fuzzing,stateful";
/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "40";

/// The simulator process; killed if the check fails before it is shut down.
struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl SimProcess {
    /// Closes its standard input, which shuts the simulator down, and waits for it.
    fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin.take());
        let status = self.child.wait().context("waiting for the simulator")?;
        if !status.success() {
            bail!("the simulator process failed ({status})");
        }
        Ok(())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

/// Builds and starts `contract_sim`, and reads the JSON line that says it is ready.
fn start_simulator(root: &Path, out: &Path, password: &str) -> anyhow::Result<(SimProcess, Value)> {
    sh(cargo(root).args([
        "build",
        "--quiet",
        "--package",
        "vbo365",
        "--example",
        "contract_sim",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug/examples/contract_sim");
    println!(
        "    starting the simulator and saving an MSG, a mailbox PST and a split 1 GiB export ..."
    );
    let mut child = Command::new(&binary)
        .arg(out)
        .env("VBO365_CONTRACT_PASSWORD", password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().context("the simulator's stdout")?;
    let process = SimProcess { child, stdin };
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("reading the simulator's ready line")?;
    if line.trim().is_empty() {
        bail!("the simulator exited before it was ready");
    }
    let ready: Value = serde_json::from_str(&line).context("parsing the ready line")?;
    Ok((process, ready))
}

/// Runs `vbo demo`, the README's main job, into `dir`, and returns its JSON report: its PSTs
/// go to readpst too.
fn run_demo(root: &Path, dir: &Path) -> anyhow::Result<Value> {
    let _ = std::fs::remove_dir_all(dir);
    let output = crate::tools::vbo(root)
        .args(["-o", "json", "demo", "--out"])
        .arg(dir)
        .stderr(Stdio::inherit())
        .output()
        .context("running vbo demo")?;
    if !output.status.success() {
        bail!("vbo demo failed ({})", output.status);
    }
    serde_json::from_slice(&output.stdout).context("parsing vbo demo's JSON report")
}

/// Follows a local `$ref`.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    // The shared walker; a reference it cannot follow is reported by the lint's own rule.
    crate::spec::resolve_in(doc, node).unwrap_or(node)
}

/// The spec's `x-contract-exception` notes, one per (check, response), with the operations
/// whose responses carry them.
fn exceptions(doc: &Value) -> anyhow::Result<Vec<Value>> {
    let mut found: Vec<Value> = Vec::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .context("the spec has no paths")?;
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for operation in item.values() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let responses = operation.get("responses").and_then(Value::as_object);
            for (status, response) in responses.into_iter().flatten() {
                let Some(note) = resolve(doc, response).get("x-contract-exception") else {
                    continue;
                };
                let check = note
                    .get("check")
                    .and_then(Value::as_str)
                    .with_context(|| format!("{id} {status}: x-contract-exception has no check"))?;
                if note
                    .get("why")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    bail!("{id} {status}: x-contract-exception for {check} gives no reason (why)");
                }
                let when = note.get("when").cloned().unwrap_or(Value::Null);
                let known = ["empty-body", "message-starts-with"];
                if when
                    .as_object()
                    .is_none_or(|w| w.is_empty() || w.keys().any(|k| !known.contains(&k.as_str())))
                {
                    bail!("{id} {status}: x-contract-exception `when` must use {known:?}");
                }
                let status: u16 = status
                    .parse()
                    .with_context(|| format!("{id}: status {status}"))?;
                match found
                    .iter_mut()
                    .find(|e| e["check"] == check && e["status"] == status && e["when"] == when)
                {
                    Some(existing) => existing["operations"]
                        .as_array_mut()
                        .expect("built below")
                        .push(json!(id)),
                    None => found.push(json!({
                        "check": check, "status": status, "when": when, "operations": [id],
                    })),
                }
            }
        }
    }
    Ok(found)
}

/// The schemathesis hooks: one wrapper per excepted check.
fn hooks(exceptions: &[Value], log: &Path) -> String {
    fill(
        HOOKS,
        &[
            (
                "__EXCEPTIONS__",
                serde_json::to_string_pretty(exceptions).expect("JSON"),
            ),
            (
                "__EXCUSED_LOG__",
                serde_json::to_string(&log.display().to_string()).expect("JSON"),
            ),
        ],
    )
}

/// The hooks file, with `__EXCEPTIONS__` and `__EXCUSED_LOG__` where [`hooks`] writes the
/// notes and the log's path.
const HOOKS: &str = include_str!("contract/hooks.py");

/// Replaces each placeholder of `template`, in order, by its value (once each; the values
/// are not searched for further placeholders).
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    for (placeholder, value) in values {
        let (before, after) = rest
            .split_once(placeholder)
            .unwrap_or_else(|| panic!("{placeholder} is not in the template"));
        out.push_str(before);
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

fn toml_string(value: &str) -> String {
    serde_json::to_string(value).expect("a JSON string is a TOML basic string")
}

/// The operation that stops a restore session: the one whose body is the spec's `StopAction`
/// (v4), or from v6 on, which have no body, the `POST` whose path ends in `/Stop`.
fn stop_operation(doc: &Value) -> anyhow::Result<String> {
    let spec = crate::spec::Spec::from_value(doc.clone()).map_err(anyhow::Error::msg)?;
    let operations = spec.operations();
    operations
        .iter()
        .find(|op| {
            op.request_body(&spec)
                .and_then(|b| b.pointer("/content/application~1json/schema/$ref"))
                .and_then(Value::as_str)
                == Some("#/components/schemas/StopAction")
        })
        .or_else(|| {
            operations
                .iter()
                .find(|op| op.method.eq_ignore_ascii_case("post") && op.path.ends_with("/Stop"))
        })
        .and_then(|op| op.id.map(str::to_string))
        .context("the spec has no operation that stops a restore session")
}

/// The path of the spec's token operation (the one whose body is a form), and whether its
/// form takes `disable_antiforgery_token` (v7 on), which a client that is not a browser
/// sends.
fn token_operation(doc: &Value) -> anyhow::Result<(String, bool)> {
    let spec = crate::spec::Spec::from_value(doc.clone()).map_err(anyhow::Error::msg)?;
    let operations = spec.operations();
    let (token, form) = operations
        .iter()
        .find_map(|op| {
            let form = op
                .request_body(&spec)?
                .pointer("/content/application~1x-www-form-urlencoded/schema")?;
            Some((op, form))
        })
        .context("the spec has no operation with a form body (the token endpoint)")?;
    let schema = resolve(doc, form);
    let branches = schema.get("oneOf").and_then(Value::as_array);
    let antiforgery = branches.into_iter().flatten().any(|branch| {
        resolve(doc, branch)
            .pointer("/properties/disable_antiforgery_token")
            .is_some()
    });
    Ok((token.path.to_string(), antiforgery))
}

/// The schemathesis configuration: the token, the hooks, every check (those with a spec
/// exception replaced by their wrapper) and, with `ids` (the operationId that stops a
/// session), the seeded ids to use.
fn config(
    ready: &Value,
    token: &(String, bool),
    username_key: &str,
    password: &str,
    hooks: &Path,
    excepted: &[String],
    ids: Option<&str>,
) -> String {
    let (token_path, antiforgery) = token;
    let mut out = format!(
        r#"# Generated by `cargo xtask contract`.
hooks = {hooks}

[auth.dynamic.openapi.bearerAuth]
path = {token_path}
method = "post"
payload = {{ grant_type = "password", username = {username}, password = {password}{antiforgery} }}
payload_content_type = "application/x-www-form-urlencoded"
extract_selector = "/access_token"
"#,
        hooks = toml_string(&hooks.display().to_string()),
        token_path = toml_string(token_path),
        username = toml_string(ready[username_key].as_str().unwrap_or_default()),
        password = toml_string(password),
        antiforgery = if *antiforgery {
            r#", disable_antiforgery_token = "true""#
        } else {
            ""
        },
    );
    if let Some(stop_operation) = ids {
        let id = |name: &str| toml_string(ready["ids"][name].as_str().unwrap_or_default());
        out.push_str(&format!(
            r#"
# The seeded working session and an item of it, so that cases reach the success paths.
[parameters]
organizationId = {organization}
restoreSessionId = {session}
mailboxId = {mailbox}
itemId = {item}

# Stopping the working session would leave little to test: stop the seeded stopped one.
[[operations]]
include-operation-id = {stop}
parameters = {{ restoreSessionId = {stopped} }}
"#,
            organization = id("organizationId"),
            session = id("restoreSessionId"),
            mailbox = id("mailboxId"),
            item = id("itemId"),
            stopped = id("stoppedSessionId"),
            stop = toml_string(stop_operation),
        ));
    }
    out.push_str(
        "\n# Every check; those with an exception in the spec are replaced by the wrappers of\n\
         # the hooks file, which call them.\n[checks]\nenabled = true\n",
    );
    for check in excepted {
        out.push_str(&format!("{check}.enabled = false\n"));
    }
    out
}

/// Checks the hooks' `_excused` against each note: a response the note describes is excused,
/// the same response with another body or status, or on another operation, is not. So an
/// allowance can never grow wider than its note.
const SELF_TEST: &str = include_str!("contract/self_test.py");

/// What one schemathesis run did, from its NDJSON events.
#[derive(Default)]
struct Summary {
    test_cases: usize,
    checks: std::collections::BTreeMap<String, (usize, usize)>,
}

fn summarize(events: &Path) -> anyhow::Result<Summary> {
    let text =
        std::fs::read_to_string(events).with_context(|| format!("reading {}", events.display()))?;
    let mut summary = Summary::default();
    for line in text.lines() {
        let event: Value = serde_json::from_str(line).context("an NDJSON event")?;
        let Some(checks) = event.pointer("/ScenarioFinished/recorder/checks") else {
            continue;
        };
        for results in checks.as_object().into_iter().flat_map(|c| c.values()) {
            summary.test_cases += 1;
            for result in results.as_array().into_iter().flatten() {
                let name = result["name"].as_str().unwrap_or("?").to_string();
                let entry = summary.checks.entry(name).or_default();
                entry.0 += 1;
                if result["status"] != "success" {
                    entry.1 += 1;
                }
            }
        }
    }
    Ok(summary)
}

/// The operationIds whose `x-vbo-login` (`None` where absent) passes `keep`.
fn login_operations(doc: &Value, keep: impl Fn(Option<&str>) -> bool) -> Vec<String> {
    let paths = doc.get("paths").and_then(Value::as_object);
    paths
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter(|op| keep(op.get("x-vbo-login").and_then(Value::as_str)))
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// One schemathesis run: its label, seed, configuration and the operations it leaves out.
struct Run<'a> {
    label: String,
    seed: &'a str,
    max_examples: &'a str,
    config: std::path::PathBuf,
    excluded: &'a [String],
}

/// One schemathesis run, run once more when it failed with no check failing: schemathesis
/// itself can stop on an internal error (seen: Hypothesis' "Inconsistent results" from a
/// `KeyError` in its own generation cache), which says nothing about the server. A check
/// that fails is never run again.
fn schemathesis(
    venv: &Path,
    out: &Path,
    spec: &Path,
    ready: &Value,
    run: &Run<'_>,
) -> anyhow::Result<bool> {
    let (passed, failed) = schemathesis_once(venv, out, spec, ready, run)?;
    if passed || failed > 0 {
        return Ok(passed);
    }
    println!(
        "    schemathesis, {}: stopped on an error of its own with no check failing; \
         running it once more",
        run.label
    );
    let (passed, _) = schemathesis_once(venv, out, spec, ready, run)?;
    Ok(passed)
}

/// One schemathesis run: whether it passed, and how many check results failed.
fn schemathesis_once(
    venv: &Path,
    out: &Path,
    spec: &Path,
    ready: &Value,
    run: &Run<'_>,
) -> anyhow::Result<(bool, usize)> {
    let label = &run.label;
    println!(
        "    schemathesis, {label} (seed {}, {}):",
        run.seed,
        spec.file_name().unwrap_or_default().to_string_lossy()
    );
    let events = out.join(format!("schemathesis-{label}.ndjson"));
    let _ = std::fs::remove_file(&events);
    let status = Command::new(venv.join("bin/schemathesis"))
        .current_dir(out)
        .arg("--config-file")
        .arg(&run.config)
        .arg("run")
        .arg(spec)
        .args(["--url", ready["base_url"].as_str().unwrap_or_default()])
        .args(["--tls-verify", ready["ca"].as_str().unwrap_or_default()])
        .args(["--seed", run.seed, "--max-examples", run.max_examples])
        .args(["--phases", PHASES])
        .args(["--workers", "2", "--no-color"])
        .args(
            run.excluded
                .iter()
                .flat_map(|id| ["--exclude-operation-id", id]),
        )
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&events)
        .status()
        .context("running schemathesis")?;
    let summary = summarize(&events)?;
    let results: usize = summary.checks.values().map(|(n, _)| n).sum();
    let failed: usize = summary.checks.values().map(|(_, f)| f).sum();
    println!(
        "    schemathesis, {label}: {} test cases, {} checks, {results} check results, {failed} failed",
        summary.test_cases,
        summary.checks.len(),
    );
    for (name, (n, f)) in &summary.checks {
        println!("      {name}: {n} run, {f} failed");
    }
    Ok((status.success(), failed))
}

const READERS: &str = include_str!("contract/readers.py");

pub fn run(root: &Path) -> anyhow::Result<()> {
    let venv = python_env(root)?;
    // readpst (libpst) and pffexport (libpff): independent readers of the PST exports.
    crate::tools::ensure_debian(
        &[("readpst", "pst-utils"), ("pffexport", "pff-tools")],
        "the contract",
    )?;
    let out = root.join("target/contract");
    std::fs::create_dir_all(&out)?;
    let excused_log = out.join("excused.jsonl");
    let _ = std::fs::remove_file(&excused_log);
    // Every version's spec, found on disk; each after v4 has its runs' labels prefixed by it.
    let prefixes: Vec<String> = crate::specs::discover(root)?
        .into_iter()
        .map(|n| format!("v{n}"))
        .collect();
    let plans = prefixes
        .iter()
        .map(|prefix| prepare_version(root, &out, &venv, prefix, &excused_log))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let password = fresh_password()?;
    let (sim, ready) = start_simulator(root, &out, &password)?;
    println!(
        "    simulator: {} (serving {})",
        ready["base_url"].as_str().unwrap_or_default(),
        prefixes.join(", ")
    );
    let mut passed = true;
    for stage in STAGES {
        for plan in &plans {
            passed &= run_version(&venv, &out, &ready, &password, plan, stage)?;
        }
    }
    let excused = std::fs::read_to_string(&excused_log).unwrap_or_default();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for line in excused.lines() {
        *counts.entry(line.to_string()).or_default() += 1;
    }
    for (what, n) in &counts {
        println!("    excused by a spec exception: {n} x {what}");
    }

    let demo = run_demo(root, &out.join("demo"))?;
    let readers = out.join("readers.py");
    std::fs::write(&readers, READERS)?;
    let files_ok = Command::new(venv.join("bin/python"))
        .arg(&readers)
        .arg(ready.to_string())
        .arg(demo.to_string())
        .status()
        .context("running the Python readers")?
        .success();
    sim.stop()?;
    if !passed {
        bail!("schemathesis found failures; see its report above");
    }
    if !files_ok {
        bail!("the simulator's MSG, PST or ZIP did not pass the independent readers");
    }
    // A gigabyte per run is not worth keeping once it passed; a failing one stays to look at.
    if let Some(zip) = ready["zip"]["path"].as_str() {
        let _ = std::fs::remove_file(zip);
    }
    Ok(())
}

/// A fresh password for the simulator's account, so that no fixed secret is written down.
fn fresh_password() -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hooks_get_the_notes_and_the_log_path() {
        let notes = [json!({"check": "status_code_conformance", "status": 400})];
        let text = hooks(&notes, Path::new("/tmp/excused.ndjson"));
        assert!(!text.contains("__EXCEPTIONS__") && !text.contains("__EXCUSED_LOG__"));
        assert!(
            text.contains("EXCUSED_LOG = \"/tmp/excused.ndjson\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\"check\": \"status_code_conformance\""),
            "{text}"
        );
        assert!(text.contains("f\"{name}_except_documented\""), "{text}");
    }
}
