//! `cargo xtask lint`: the spec is valid OpenAPI 3.0, follows the project's rules, and holds no
//! shape that progenitor cannot generate, so that a bad edit is named with its location and a
//! fix before `build.rs` stops the build.
//!
//! Every finding names its JSON pointer in the spec, its rule and how to fix it.

mod descriptions;
mod document;
mod enums;
mod examples;
mod progenitor;
#[cfg(test)]
mod tests;
mod validator;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::codegen_check::codegen;
use crate::spec::Spec;
use crate::spec::pointer::escape;
use descriptions::descriptions;
pub use document::operations;
use document::{dangling_refs, operation_ids, version};
use enums::enums;
use examples::examples;
use validator::external_validator;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The spec to check.
    #[arg(default_value = "openapi/vbo-v4.yaml")]
    pub spec: PathBuf,
    /// `text` (readable) or `json`.
    #[arg(long, default_value = "text")]
    pub format: Format,
    /// Skip the external OpenAPI validator (openapi-spec-validator from PyPI), for machines
    /// without Python. CI never skips it.
    #[arg(long)]
    pub skip_validator: bool,
    /// List the rules and exit.
    #[arg(long)]
    pub list_rules: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// JSON pointer of the offending node, `#/...`.
    pub pointer: String,
    pub rule: &'static str,
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Every rule with what it protects, for `--list-rules` and CONTRIBUTING.md.
pub const RULES: &[(&str, &str)] = &[
    ("yaml", "the spec parses as YAML"),
    (
        "openapi-validator",
        "openapi-spec-validator accepts the document as OpenAPI 3.0",
    ),
    (
        "openapi-version",
        "`openapi` is 3.0.x: progenitor 0.15 refuses 3.1",
    ),
    ("dangling-ref", "every `$ref` resolves inside the document"),
    (
        "typed-parse",
        "the generation view parses as a typed OpenAPI 3.0 document (openapiv3)",
    ),
    (
        "operation-id",
        "every operation has an operationId, and no two share one",
    ),
    (
        "operation-described",
        "every operation has a summary or a description",
    ),
    ("parameter-described", "every parameter has a description"),
    (
        "property-described",
        "every schema property has a description (a `$ref` property: its target has one)",
    ),
    (
        "example-missing",
        "every non-binary request and response body has an example",
    ),
    (
        "example-invalid",
        "every example validates against its schema",
    ),
    (
        "progenitor-response-media",
        "no response offers JSON beside other media types that the generation view leaves",
    ),
    (
        "progenitor-success-kinds",
        "the success responses of an operation share one body kind",
    ),
    (
        "progenitor-error-bodies",
        "the error responses of an operation share one body kind",
    ),
    (
        "progenitor-default-response",
        "a `default` response has the body of the responses it stands beside",
    ),
    (
        "progenitor-request-media",
        "a request body has one media type",
    ),
    (
        "progenitor-null-enum",
        "no `enum: [null]`: progenitor serializes it as a bare string",
    ),
    (
        "progenitor-closed-allof",
        "no `allOf` with `additionalProperties: false`: progenitor makes it uninhabitable",
    ),
    (
        "response-enum-closed",
        "no closed `enum` in a response: servers add values (use `x-extensible-enum`)",
    ),
    (
        "request-enum-open",
        "no `x-extensible-enum` in a request: requests stay strict",
    ),
    (
        "open-enum-placement",
        "an `x-extensible-enum` is a named component schema, which the generator replaces",
    ),
    (
        "progenitor-generate",
        "progenitor generates the client from the spec (what build.rs runs)",
    ),
];

pub fn run(root: &Path, args: &Args) -> anyhow::Result<bool> {
    if args.list_rules {
        for (rule, what) in RULES {
            say!("{rule:28} {what}");
        }
        return Ok(true);
    }
    let path = root.join(&args.spec);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut findings = Vec::new();
    if !args.skip_validator {
        findings.extend(external_validator(root, &path)?);
    }
    findings.extend(lint(&text));
    match args.format {
        Format::Json => say!("{}", serde_json::to_string_pretty(&findings)?),
        Format::Text => print_text(&args.spec, &findings),
    }
    Ok(findings.is_empty())
}

fn print_text(spec: &Path, findings: &[Finding]) {
    if findings.is_empty() {
        say!(
            "{}: no findings ({} rules checked)",
            spec.display(),
            RULES.len()
        );
        return;
    }
    for finding in findings {
        say!("{}  [{}]", finding.pointer, finding.rule);
        for line in finding.message.lines() {
            say!("    {line}");
        }
        say!("    fix: {}", finding.hint);
    }
    say!("{}: {} finding(s)", spec.display(), findings.len());
}

/// Every rule but the external validator, on the spec text.
pub fn lint(text: &str) -> Vec<Finding> {
    let spec = match Spec::parse(text) {
        Ok(spec) => spec,
        Err(error) => {
            return vec![Finding {
                pointer: "#".into(),
                rule: "yaml",
                message: error,
                hint: "fix the YAML syntax at the line given".into(),
            }];
        }
    };
    let doc = spec.document();
    let mut out = Vec::new();
    version(doc, &mut out);
    let refs_resolve = dangling_refs(text, &mut out);
    operation_ids(doc, &mut out);
    descriptions(&spec, &mut out);
    examples(&spec, &mut out);
    if !refs_resolve {
        // Everything below follows references; the dangling ones are already reported.
        return out;
    }
    enums(&spec, &mut out);
    progenitor::shapes(doc, &mut out);
    // These rules already explain why generation would fail; say it once.
    let explained = out.iter().any(|f| {
        f.rule.starts_with("progenitor-") || matches!(f.rule, "operation-id" | "openapi-version")
    });
    match codegen::generation_view(text) {
        Err(error) => out.push(Finding {
            pointer: dotted_to_pointer(leading_pointer(&error).unwrap_or("#")),
            rule: "typed-parse",
            message: error,
            hint: "fix the node so that it follows the OpenAPI 3.0 object it stands for".into(),
        }),
        Ok(_) => {
            // The shape rules explain a generation failure better; run it for what they miss.
            if !explained && let Err(error) = codegen::generate(text) {
                out.push(Finding {
                    pointer: leading_pointer(&error).unwrap_or("#").to_string(),
                    rule: "progenitor-generate",
                    message: error,
                    hint: "give each operation one success body type and one error body type, \
                           or teach the generation view (crates/codegen/src/view.rs) the shape"
                        .into(),
                });
            }
        }
    }
    out
}

/// The `#/...` pointer that codegen puts at the start of its messages.
fn leading_pointer(message: &str) -> Option<&str> {
    let first = message.split_whitespace().next()?;
    first.starts_with("#/").then(|| first.trim_end_matches(':'))
}

/// serde_path_to_error's `#/components.schemas.Error` as `#/components/schemas/Error` (best
/// effort: a key holding a dot is split).
fn dotted_to_pointer(path: &str) -> String {
    let Some(rest) = path.strip_prefix("#/") else {
        return path.to_string();
    };
    let mut pointer = String::from("#");
    for segment in rest.split('.').filter(|s| !s.is_empty()) {
        pointer.push('/');
        pointer.push_str(&escape(segment));
    }
    pointer
}
