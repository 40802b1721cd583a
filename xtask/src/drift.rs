//! `cargo xtask drift`: what changed in the spec since a base, classified as breaking or not
//! for code that uses the generated client; or, with `--upstream`, how our operations differ
//! from the document a server publishes.
//!
//! Exit codes: 0 compatible (or breaking with a new major `info.version`), 1 breaking, 2 could
//! not run (bad arguments, git or network failure, unreadable document).

mod compare;
mod errata;
mod rule;
mod source;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::Value;

pub use compare::{Change, Matching, compare as compare_documents};
pub use rule::{Rule, Severity};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The base: a file, or a git revision. Default: the merge-base of HEAD with main; on main
    /// itself, HEAD when the working tree changed the spec, else the spec before its last
    /// change.
    #[arg(long, value_name = "REF|FILE")]
    pub base: Option<String>,
    /// The current spec.
    #[arg(long, default_value = "openapi/vbo-v4.yaml")]
    pub spec: PathBuf,
    /// Compare our spec with a document a server publishes (file, http or https URL) instead
    /// of with a base.
    #[arg(long, value_name = "FILE|URL", conflicts_with = "base")]
    pub upstream: Option<String>,
    /// With --upstream: map our path prefix to theirs, such as `v4=v6` (repeatable).
    #[arg(long, value_name = "OURS=THEIRS", requires = "upstream")]
    pub map_prefix: Vec<String>,
    /// With a https URL: trust the CA certificates of this PEM file besides the system's.
    #[arg(long, value_name = "PEM", requires = "upstream")]
    pub ca_cert: Vec<PathBuf>,
    /// With a https URL: accept any certificate. Prefer --ca-cert.
    #[arg(long, requires = "upstream")]
    pub insecure: bool,
    /// `text` (readable) or `json`.
    #[arg(long, default_value = "text")]
    pub format: crate::lint::Format,
    /// `breaking`: list only the breaking changes in the text report (the counts, and
    /// `--format json`, keep every change).
    #[arg(long, value_name = "WHICH")]
    pub only: Option<Only>,
    /// List the rules and exit.
    #[arg(long)]
    pub list_rules: bool,
}

/// Which changes the text report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    Breaking,
}

/// Against a server: how much of our spec its document covers, in counts rather than a list
/// of the server's own operations.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Coverage {
    /// Our operations.
    pub ours: usize,
    /// Ours that the server publishes.
    pub covered: usize,
    /// Of those, the ones with at least one difference.
    pub changed: usize,
    /// Ours that the server does not publish.
    pub missing: usize,
    /// The server's operations that ours does not have (`operation-added`).
    pub theirs_only: usize,
}

/// The report, as `--format json` prints it.
#[derive(Serialize)]
pub struct Report {
    pub base: String,
    pub current: String,
    pub upstream: bool,
    pub base_version: Option<String>,
    pub current_version: Option<String>,
    /// The major part of `info.version` changed, which allows breaking changes.
    pub major_changed: bool,
    pub breaking: usize,
    /// Compatible changes, not counting the acknowledged errata.
    pub compatible: usize,
    /// With `--upstream`: breaking differences that our spec acknowledges as the vendor
    /// document's errata (`x-vbo-upstream-errata`), so not breaking.
    pub acknowledged: usize,
    pub changes: Vec<Change>,
    /// With `--upstream`: our operations covered, changed and missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// The exit code: 0 compatible or allowed, 1 breaking.
    pub exit: u8,
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<bool> {
    if args.list_rules {
        for rule in Rule::ALL {
            let severity = match rule.severity() {
                Severity::Breaking => "breaking",
                Severity::Compatible => "compatible",
            };
            say!("{:30} {severity:10} {}", rule.name(), rule.why());
            say!("{:41} against a server: {}", "", rule.upstream());
        }
        return Ok(true);
    }
    let spec = root.join(&args.spec);
    let text =
        std::fs::read_to_string(&spec).with_context(|| format!("reading {}", spec.display()))?;
    let current = source::Document {
        value: source::parse(&text, &args.spec.display().to_string())?,
        label: args.spec.display().to_string(),
    };
    let (base, current, matching) = match &args.upstream {
        Some(upstream) => {
            let tls = source::Tls {
                ca_certs: &args.ca_cert,
                insecure: args.insecure,
            };
            let theirs = source::upstream(root, upstream, &tls)?;
            let matching = Matching {
                upstream: true,
                prefixes: parse_prefixes(&args.map_prefix)?,
            };
            // Ours is the base: the client is generated from it, the server is what it meets.
            (current, theirs, matching)
        }
        None => match source::base(root, &spec, args.base.as_deref())? {
            Some(base) => (base, current, Matching::default()),
            None => return Ok(true),
        },
    };
    let report = report(&base, &current, &matching);
    match args.format {
        crate::lint::Format::Json => say!("{}", serde_json::to_string_pretty(&report)?),
        crate::lint::Format::Text => print_text(&report, args.only),
    }
    Ok(report.exit == 0)
}

fn parse_prefixes(values: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|value| match value.split_once('=') {
            Some((ours, theirs)) if !ours.trim_matches('/').is_empty() => Ok((
                ours.trim_matches('/').to_string(),
                theirs.trim_matches('/').to_string(),
            )),
            _ => bail!("--map-prefix {value}: expected OURS=THEIRS, such as v4=v6"),
        })
        .collect()
}

fn version(doc: &Value) -> Option<String> {
    doc.pointer("/info/version")
        .and_then(Value::as_str)
        .map(String::from)
}

/// The major part of a version: `4` of `4.0.0`, `v4` of `v4`.
fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version).trim()
}

pub fn report(base: &source::Document, current: &source::Document, matching: &Matching) -> Report {
    let mut changes = compare::compare(&base.value, &current.value, matching);
    if matching.upstream {
        // Ours is the base: its acknowledgements of the vendor document's errata.
        errata::apply(&errata::read(&base.value), &mut changes);
        // Breaking first, as `compare` orders them (a stable sort keeps the rest in place).
        changes.sort_by_key(|c| !c.breaking);
    }
    let (base_version, current_version) = (version(&base.value), version(&current.value));
    // Against a server, a new major version is what the report is about, not an excuse.
    let major_changed = !matching.upstream
        && match (&base_version, &current_version) {
            (Some(b), Some(c)) => major(b) != major(c),
            _ => false,
        };
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let acknowledged = changes.iter().filter(|c| c.erratum.is_some()).count();
    let coverage = matching.upstream.then(|| coverage(&base.value, &changes));
    Report {
        coverage,
        base: base.label.clone(),
        current: current.label.clone(),
        upstream: matching.upstream,
        base_version,
        current_version,
        major_changed,
        breaking,
        compatible: changes.len() - breaking - acknowledged,
        acknowledged,
        exit: u8::from(breaking > 0 && !major_changed),
        changes,
    }
}

/// Our operations (the base, in upstream mode) against the changes found.
fn coverage(ours: &Value, changes: &[Change]) -> Coverage {
    let ids: std::collections::BTreeSet<&str> = ours
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .collect();
    let of_rule = |rule: Rule| changes.iter().filter(move |c| c.rule == rule);
    let missing: std::collections::BTreeSet<&str> = of_rule(Rule::OperationRemoved)
        .flat_map(|c| c.operations.iter().map(String::as_str))
        .collect();
    let changed: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter(|c| !matches!(c.rule, Rule::OperationRemoved | Rule::OperationAdded))
        .flat_map(|c| c.operations.iter().map(String::as_str))
        .filter(|op| ids.contains(op) && !missing.contains(op))
        .collect();
    Coverage {
        ours: ids.len(),
        covered: ids.len() - missing.len(),
        changed: changed.len(),
        missing: missing.len(),
        theirs_only: of_rule(Rule::OperationAdded).count(),
    }
}

fn print_text(report: &Report, only: Option<Only>) {
    let (base_side, current_side) = if report.upstream {
        ("ours", "upstream")
    } else {
        ("base", "current")
    };
    say!("{base_side}:    {}", report.base);
    say!("{current_side}: {}", report.current);
    say!(
        "version: {} -> {}",
        report.base_version.as_deref().unwrap_or("(none)"),
        report.current_version.as_deref().unwrap_or("(none)")
    );
    let listed = report.changes.iter().filter(|change| {
        // The server's own operations are counted below, not listed one by one.
        let theirs_only = report.upstream && change.rule == Rule::OperationAdded;
        // `--only breaking` keeps the acknowledged errata: they are breaking but for the note.
        !theirs_only
            && (only != Some(Only::Breaking) || change.breaking || change.erratum.is_some())
    });
    for change in listed {
        say!();
        say!(
            "{:10} {}  {}",
            if change.breaking {
                "BREAKING"
            } else if change.erratum.is_some() {
                "erratum"
            } else {
                "compatible"
            },
            change.rule,
            change.location
        );
        say!("           {}", change.message);
        let side = match change.side {
            compare::Side::Base => format!("{base_side} "),
            compare::Side::Current => String::new(),
        };
        say!("           at {side}{}", change.pointer);
        if change.operations.len() > 1 {
            say!("           in {}", change.operations.join(", "));
        }
        if let Some(reason) = &change.erratum {
            say!("           acknowledged erratum of the server's document: {reason}");
        }
    }
    say!();
    if let Some(c) = &report.coverage {
        say!(
            "our operations: {} covered by the server ({} of them with differences), {} \
             missing; the server has {} operation(s) of its own (not listed; --format json \
             lists them).",
            c.covered,
            c.changed,
            c.missing,
            c.theirs_only
        );
    }
    if report.acknowledged > 0 {
        say!(
            "{} change(s): {} breaking, {} compatible, {} acknowledged erratum/errata.",
            report.changes.len(),
            report.breaking,
            report.compatible,
            report.acknowledged
        );
    } else {
        say!(
            "{} change(s): {} breaking, {} compatible.",
            report.changes.len(),
            report.breaking,
            report.compatible
        );
    }
    if report.breaking > 0 {
        if report.major_changed {
            say!("The major version changed: breaking changes are allowed.");
        } else if report.upstream {
            say!("A client generated from our spec would not work with this server as is.");
        } else {
            say!(
                "Breaking changes need a new major info.version (now {}), or a compatible \
                 spelling of the change.",
                report.current_version.as_deref().unwrap_or("(none)")
            );
        }
    }
}
