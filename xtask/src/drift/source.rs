//! Where the two documents come from: the working tree, a git revision, a file, or a URL.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

/// A document and where it came from, for the report.
pub struct Document {
    pub label: String,
    pub value: Value,
}

/// Parses JSON or YAML (OpenAPI 3.0); JSON is read with serde_json, which is much faster on a
/// vendor document of several megabytes.
pub fn parse(text: &str, origin: &str) -> anyhow::Result<Value> {
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).with_context(|| format!("{origin}: invalid JSON"))?
    } else {
        serde_norway::from_str(text).with_context(|| format!("{origin}: invalid YAML"))?
    };
    if value.get("swagger").is_some() {
        bail!("{origin}: a Swagger 2.0 document; drift compares OpenAPI 3.0 documents");
    }
    match value.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => Ok(value),
        Some(v) => bail!("{origin}: `openapi: {v}` is not OpenAPI 3"),
        None => bail!("{origin}: not an OpenAPI document (no `openapi` field)"),
    }
}

/// Runs git; `None` when it fails. The output is trimmed (see [`show`] for file contents).
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<Option<String>> {
    Ok(git_raw(dir, args)?.map(|out| out.trim_end().to_string()))
}

fn git_raw(dir: &Path, args: &[&str]) -> anyhow::Result<Option<String>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
}

fn git_required(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    git(dir, args)?.with_context(|| format!("`git {}` failed in {}", args.join(" "), dir.display()))
}

/// The repository holding `spec`, and the spec's path inside it.
fn repository(spec: &Path) -> anyhow::Result<(PathBuf, String)> {
    let spec = spec
        .canonicalize()
        .with_context(|| format!("{} does not exist", spec.display()))?;
    let dir = spec.parent().context("the spec has no parent directory")?;
    let top = git(dir, &["rev-parse", "--show-toplevel"])?.with_context(|| {
        format!(
            "{} is not in a git repository; pass --base FILE",
            spec.display()
        )
    })?;
    let top = PathBuf::from(top).canonicalize()?;
    let relative = spec
        .strip_prefix(&top)
        .context("the spec is outside its repository")?
        .to_string_lossy()
        .replace('\\', "/");
    Ok((top, relative))
}

/// A file's exact content at a revision.
fn show(top: &Path, revision: &str, relative: &str) -> anyhow::Result<Option<String>> {
    git_raw(top, &["show", &format!("{revision}:{relative}")])
}

fn short(top: &Path, revision: &str) -> String {
    git(top, &["rev-parse", "--short", revision])
        .ok()
        .flatten()
        .unwrap_or_else(|| revision.to_string())
}

/// The base document: `--base` as a file if one exists there, else as a git revision; without
/// `--base`, the default described in [`default_base`]. `None` when there is nothing earlier
/// to compare with (the spec is new).
pub fn base(root: &Path, spec: &Path, base: Option<&str>) -> anyhow::Result<Option<Document>> {
    if let Some(base) = base {
        for candidate in [PathBuf::from(base), root.join(base)] {
            if candidate.is_file() {
                let text = std::fs::read_to_string(&candidate)
                    .with_context(|| format!("reading {}", candidate.display()))?;
                return Ok(Some(Document {
                    label: candidate.display().to_string(),
                    value: parse(&text, &candidate.display().to_string())?,
                }));
            }
        }
        let (top, relative) = repository(spec)?;
        if git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{base}^{{commit}}"),
            ],
        )?
        .is_none()
        {
            bail!("--base {base}: neither a file nor a git revision");
        }
        let text = show(&top, base, &relative)?
            .with_context(|| format!("{relative} does not exist at {base}"))?;
        let label = format!("{relative} at {base} ({})", short(&top, base));
        return Ok(Some(Document {
            value: parse(&text, &label)?,
            label,
        }));
    }
    default_base(spec)
}

/// The default base:
/// - on a branch: the spec at the merge-base of HEAD with `main` (or `origin/main`);
/// - on main itself (the merge-base is HEAD), or without a main branch: the spec at HEAD when
///   the working tree changed it; otherwise the spec before the last commit that changed it,
///   so that a fresh clone of main in CI still checks the latest spec change.
fn default_base(spec: &Path) -> anyhow::Result<Option<Document>> {
    let (top, relative) = repository(spec)?;
    let head = git_required(&top, &["rev-parse", "HEAD"])?;
    let main = ["main", "origin/main"].into_iter().find(|name| {
        git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{name}^{{commit}}"),
            ],
        )
        .ok()
        .flatten()
        .is_some()
    });
    if let Some(main) = main
        && let Some(merge_base) = git(&top, &["merge-base", "HEAD", main])?
        && merge_base != head
    {
        let text = show(&top, &merge_base, &relative)?;
        let label = format!(
            "{relative} at the merge-base with {main} ({})",
            short(&top, &merge_base)
        );
        return match text {
            Some(text) => Ok(Some(Document {
                value: parse(&text, &label)?,
                label,
            })),
            None => {
                say!("drift: {relative} is new since {label}; nothing to compare");
                Ok(None)
            }
        };
    }
    let working =
        std::fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    if let Some(committed) = show(&top, "HEAD", &relative)?
        && committed != working
    {
        let label = format!(
            "{relative} at HEAD ({}), against the uncommitted working tree",
            short(&top, "HEAD")
        );
        return Ok(Some(Document {
            value: parse(&committed, &label)?,
            label,
        }));
    }
    let last = git_required(&top, &["log", "-1", "--format=%H", "HEAD", "--", &relative])?;
    if last.is_empty() {
        bail!("{relative} is not committed; commit it or pass --base FILE");
    }
    let parent = format!("{last}^");
    if git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{parent}^{{commit}}"),
        ],
    )?
    .is_none()
    {
        if git(&top, &["rev-parse", "--is-shallow-repository"])?.as_deref() == Some("true") {
            bail!(
                "shallow clone: the commit before {} is not fetched; run `git fetch \
                 --deepen=50` (or clone with more history), or pass --base",
                short(&top, &last)
            );
        }
        say!(
            "drift: {relative} was added in the first commit ({}); nothing to compare",
            short(&top, &last)
        );
        return Ok(None);
    }
    let label = format!(
        "{relative} before its last change {} (at {})",
        short(&top, &last),
        short(&top, &parent)
    );
    match show(&top, &parent, &relative)? {
        Some(text) => Ok(Some(Document {
            value: parse(&text, &label)?,
            label,
        })),
        None => {
            say!(
                "drift: {relative} was added in {}; nothing to compare",
                short(&top, &last)
            );
            Ok(None)
        }
    }
}

/// TLS options for fetching an upstream document, the same as the client's: extra CA
/// certificates merged with the system's, or (explicitly) no verification.
pub struct Tls<'a> {
    pub ca_certs: &'a [PathBuf],
    pub insecure: bool,
}

/// An upstream document from a file or an http(s) URL.
pub fn upstream(root: &Path, source: &str, tls: &Tls) -> anyhow::Result<Document> {
    let text = if source.starts_with("https://") || source.starts_with("http://") {
        fetch(source, tls)?
    } else {
        let path = [PathBuf::from(source), root.join(source)]
            .into_iter()
            .find(|p| p.is_file())
            .with_context(|| format!("--upstream {source}: no such file (or use a URL)"))?;
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
    };
    Ok(Document {
        value: parse(&text, source)?,
        label: format!("{source} ({} bytes)", text.len()),
    })
}

fn fetch(url: &str, tls: &Tls) -> anyhow::Result<String> {
    let mut certificates = Vec::new();
    for path in tls.ca_certs {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let found = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("{} is not a PEM certificate bundle", path.display()))?;
        if found.is_empty() {
            bail!("{} holds no PEM certificate", path.display());
        }
        certificates.extend(found);
    }
    if tls.insecure {
        eprintln!("drift: TLS certificate verification is OFF for {url}");
    }
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(300))
        .tls_certs_merge(certificates)
        .tls_danger_accept_invalid_certs(tls.insecure)
        .build()
        .context("building the HTTP client")?;
    let response = client
        .get(url)
        .header(
            "accept",
            "application/json, application/yaml;q=0.9, */*;q=0.1",
        )
        .send()
        .with_context(|| {
            format!(
                "fetching {url} (for a self-signed or private-CA certificate, pass --ca-cert \
                 PEM, or --insecure)"
            )
        })?;
    let status = response.status();
    if !status.is_success() {
        bail!("fetching {url}: HTTP {status}");
    }
    response
        .text()
        .with_context(|| format!("reading the body of {url}"))
}
