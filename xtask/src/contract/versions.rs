//! The contract's runs per version: each spec's exceptions, hooks and stop and token
//! operations (`prepare_version`), and its schemathesis runs by stage (`run_version`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use super::{
    MAX_EXAMPLES, Run, SEEDS, SELF_TEST, config, exceptions, hooks, login_operations, schemathesis,
    sh, stop_operation, token_operation,
};

/// Test cases per operation and phase for the versions after v4: their requests are read
/// into v4's shape and handled by v4's code, which v4's runs test in depth; what these runs
/// check is each version's own shape, with one seed and fewer cases, to keep the contract's
/// time modest.
const LATER_MAX_EXAMPLES: &str = "12";

/// One version's spec, as the contract runs it.
pub(super) struct VersionPlan {
    prefix: String,
    spec_path: PathBuf,
    doc: Value,
    /// The checks replaced by their wrappers (the spec's `x-contract-exception` notes).
    excepted: Vec<String>,
    hooks_path: PathBuf,
    stop_operation: String,
    token: (String, bool),
}

/// Reads the spec of `prefix`, writes its hooks and self-tests them.
pub(super) fn prepare_version(
    root: &Path,
    out: &Path,
    venv: &Path,
    prefix: &str,
    excused_log: &Path,
) -> anyhow::Result<VersionPlan> {
    let spec_path = root.join(format!("openapi/vbo-{prefix}.yaml"));
    let doc: Value = serde_norway::from_str(
        &std::fs::read_to_string(&spec_path)
            .with_context(|| format!("reading {}", spec_path.display()))?,
    )
    .with_context(|| format!("parsing {}", spec_path.display()))?;
    let exceptions = exceptions(&doc)?;
    let stop_operation = stop_operation(&doc)?;
    let token = token_operation(&doc)?;
    for e in &exceptions {
        let operations: Vec<&str> = e["operations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        println!(
            "    exception from the {prefix} spec: {} for a {} of {}, when {}",
            e["check"].as_str().unwrap_or_default(),
            e["status"],
            operations.join(", "),
            e["when"],
        );
    }
    let mut excepted: Vec<String> = exceptions
        .iter()
        .filter_map(|e| e["check"].as_str().map(str::to_string))
        .collect();
    excepted.sort();
    excepted.dedup();
    // v4's file keeps its name; each later version has its own.
    let hooks_path = match prefix {
        "v4" => out.join("schemathesis_hooks.py"),
        _ => out.join(format!("schemathesis_hooks-{prefix}.py")),
    };
    std::fs::write(&hooks_path, hooks(&exceptions, excused_log))?;
    let self_test = out.join("hooks_self_test.py");
    std::fs::write(&self_test, SELF_TEST)?;
    sh(Command::new(venv.join("bin/python"))
        .arg(&self_test)
        .arg(&hooks_path))?;
    Ok(VersionPlan {
        prefix: prefix.to_string(),
        spec_path,
        doc,
        excepted,
        hooks_path,
        stop_operation,
        token,
    })
}

/// The stages of the runs, in order: every version's seeded-ids runs, which need the seeded
/// working session working, come before v4's generated-ids run, whose stateful phase may
/// stop any session it lists; the tenants' runs, which stop none, come last.
pub(super) const STAGES: [&str; 3] = ["seeded-ids", "generated-ids", "tenant"];

/// The schemathesis runs of one version's spec in `stage`: whether all passed. v4's are the
/// seeded-ids run (both seeds), the generated-ids run and the tenant's; a later version's the
/// seeded and the tenant's, with one seed and fewer cases.
pub(super) fn run_version(
    venv: &Path,
    out: &Path,
    ready: &Value,
    password: &str,
    plan: &VersionPlan,
    stage: &str,
) -> anyhow::Result<bool> {
    let mut passed = true;
    let seeded = Some(plan.stop_operation.as_str());
    // Each login runs the operations it may use (`x-vbo-login`): the other kind's answer
    // 401 to every case, which says nothing about them.
    // The tenant's run covers only the tenant routes: the shared ones are the same code.
    let tenant_only = login_operations(&plan.doc, |login| login == Some("tenant"));
    let not_tenant_only = login_operations(&plan.doc, |login| login != Some("tenant"));
    let v4 = plan.prefix == "v4";
    let (max_examples, some_seeds) = if v4 {
        (MAX_EXAMPLES, &SEEDS[..])
    } else {
        (LATER_MAX_EXAMPLES, &SEEDS[..1])
    };
    let mut runs = vec![("seeded-ids", "username", seeded, &tenant_only, some_seeds)];
    if v4 {
        runs.push(("generated-ids", "username", None, &tenant_only, &SEEDS[..1]));
    }
    runs.push((
        "tenant",
        "tenant_username",
        None,
        &not_tenant_only,
        &SEEDS[..1],
    ));
    for (label, username, ids, excluded, seeds) in runs {
        if label != stage {
            continue;
        }
        let label = match v4 {
            true => label.to_string(),
            false => format!("{}-{label}", plan.prefix),
        };
        let config_path = out.join(format!("schemathesis-{label}.toml"));
        std::fs::write(
            &config_path,
            config(
                ready,
                &plan.token,
                username,
                password,
                &plan.hooks_path,
                &plan.excepted,
                ids,
            ),
        )?;
        for (index, seed) in seeds.iter().enumerate() {
            let run = Run {
                label: match index {
                    0 => label.clone(),
                    n => format!("{label}-{}", n + 1),
                },
                seed,
                max_examples,
                config: config_path.clone(),
                excluded,
            };
            passed &= schemathesis(venv, out, &plan.spec_path, ready, &run)?;
        }
    }
    Ok(passed)
}
