//! The single-file HTML reference of the spec, built with Redocly's CLI (`build-docs`,
//! `@redocly/cli` pinned in `xtask/tools/npm`), and `cargo xtask browser`: the reference
//! opened in a real headless Chromium, driven by playwright-core (`browser/check.cjs`).
//!
//! The HTML is built into `target/docs/`, never committed: it is 2.5 MB of Redoc's bundle
//! around the spec and changes with every Redocly release. CI builds it from the current spec
//! on every run and checks it there, so the reference it checks is always current.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Where `cargo xtask docs` and `cargo xtask browser` write the reference.
pub const HTML: &str = "target/docs/api.html";
/// The screenshot of the Action operation, a CI artifact.
pub const SCREENSHOT: &str = "target/docs/action.png";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Builds the HTML reference of `spec` into `out` (both relative to `root`).
pub fn build_html(root: &Path, spec: &Path, out: &Path) -> anyhow::Result<()> {
    let bin = crate::tools::npm_tools(root)?;
    let out = root.join(out);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let output = Command::new(bin.join("redocly"))
        .current_dir(root)
        .arg("build-docs")
        .arg(root.join(spec))
        // Redoc's scripts in the file, not from Redocly's CDN: one file that works offline.
        .arg("--inlineBundle")
        .arg("--output")
        .arg(&out)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .context("starting redocly build-docs")?;
    if !output.status.success() {
        bail!(
            "redocly build-docs failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let bytes = std::fs::metadata(&out)?.len();
    say!(
        "{}: the HTML reference of {} ({} KiB)",
        out.strip_prefix(root).unwrap_or(&out).display(),
        spec.display(),
        bytes / 1024
    );
    Ok(())
}

/// `cargo xtask browser`: builds the reference from the current spec, opens it in Chromium
/// and checks the Action operation as rendered; saves a screenshot.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let spec_path = Path::new("openapi/vbo-v4.yaml");
    build_html(root, spec_path, Path::new(HTML))?;
    let text = std::fs::read_to_string(root.join(spec_path))?;
    let spec = crate::spec::Spec::parse(&text).map_err(anyhow::Error::msg)?;
    let expected = expectations(&spec)?;
    ensure_chromium()?;
    let modules: PathBuf = crate::tools::npm_tools(root)?
        .parent()
        .context("node_modules/.bin has a parent")?
        .to_path_buf();
    let output = Command::new("node")
        .current_dir(root)
        .arg(root.join("xtask/src/browser/check.cjs"))
        .arg(&modules)
        .arg(root.join(HTML))
        .arg(expected.to_string())
        .arg(root.join(SCREENSHOT))
        .env("CHROMIUM", CHROMIUM)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("starting node for the browser check")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .with_context(|| format!("the browser check printed no report ({})", output.status))?;
    let shown = |list: &str| {
        report[list]
            .as_array()
            .map_or(0, |a| a.iter().filter(|e| e["shown"] == true).count())
    };
    for failure in report["failures"].as_array().into_iter().flatten() {
        say!("✗  {}", failure.as_str().unwrap_or_default());
    }
    let bodies = expected["bodies"].as_array().map_or(0, Vec::len);
    let examples = expected["examples"].as_array().map_or(0, Vec::len);
    if !output.status.success() {
        bail!("the HTML reference does not render the spec (above)");
    }
    say!(
        "browser: {} rendered by Chromium: {}/{bodies} body variants, {}/{examples} examples, no console errors; screenshot {SCREENSHOT}",
        expected["operationId"].as_str().unwrap_or_default(),
        shown("bodies"),
        shown("examples"),
    );
    Ok(())
}

/// What the rendered page must show, from the spec: the operation's route in Redoc, its
/// summary, the key of each `oneOf` variant of its body, and each request example.
fn expectations(spec: &crate::spec::Spec) -> anyhow::Result<Value> {
    // The operation the check looks at: the one whose JSON body has the most `oneOf`
    // variants (the item action, six), found in the spec rather than named here.
    let variant_count = |op: &crate::spec::Operation<'_>| {
        op.request_body(spec)
            .map(|body| &body["content"]["application/json"]["schema"])
            .and_then(|schema| spec.resolve(schema)["oneOf"].as_array().map(Vec::len))
            .unwrap_or(0)
    };
    let chosen = spec
        .operations()
        .into_iter()
        .filter(|op| variant_count(op) > 0)
        .max_by_key(variant_count)
        .context("the spec has no operation with a oneOf JSON body")?;
    let operation = chosen.node;
    let operation_id = chosen
        .id
        .context("the action operation has no operationId")?;
    let tag = operation["tags"][0]
        .as_str()
        .with_context(|| format!("{operation_id} has no tag"))?;
    let media = &spec.resolve(&operation["requestBody"])["content"]["application/json"];
    let variants = spec.resolve(&media["schema"])["oneOf"]
        .as_array()
        .with_context(|| format!("the body of {operation_id} is not a oneOf"))?;
    let bodies = variants
        .iter()
        .map(|variant| {
            let properties = spec.resolve(variant)["properties"]
                .as_object()
                .filter(|p| p.len() == 1)
                .context("a body variant that is not a single-key object")?;
            Ok(properties.keys().next().cloned().unwrap_or_default())
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let examples = media["examples"]
        .as_object()
        .with_context(|| format!("the body of {operation_id} has no examples"))?
        .iter()
        .map(|(name, example)| {
            let example = spec.resolve(example);
            let key = example["value"]
                .as_object()
                .and_then(|v| v.keys().next())
                .with_context(|| format!("example {name} is not an action"))?;
            Ok(json!({
                "name": name,
                "summary": example["summary"].as_str().unwrap_or(name),
                "key": key,
            }))
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    Ok(json!({
        "operationId": operation_id,
        "route": format!("{}/{}", tag.to_lowercase(), operation_id.to_lowercase()),
        "summary": operation["summary"],
        "bodies": bodies,
        "examples": examples,
    }))
}

/// Installs Debian's Chromium when it is missing (as `.ci/run` installs python3-venv).
fn ensure_chromium() -> anyhow::Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    say!("{CHROMIUM} is missing: installing Debian's chromium");
    crate::tools::run(Command::new("apt-get").args(["update", "-qq"]))?;
    crate::tools::run(Command::new("apt-get").args(["install", "-y", "-qq", "chromium"]))
        .context("installing chromium (apt-get install -y chromium)")
}
