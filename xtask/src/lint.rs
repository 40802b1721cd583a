//! `cargo xtask lint`: the spec is valid OpenAPI 3.0, follows the project's rules, and holds no
//! shape that progenitor cannot generate, so that a bad edit is named with its location and a
//! fix before `build.rs` stops the build.
//!
//! Every finding names its JSON pointer in the spec, its rule and how to fix it.

mod progenitor;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;

use crate::codegen_check::codegen;
use crate::spec::pointer::escape;
use crate::spec::{METHODS, Spec};

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

/// Every rule with what it protects, for `--list-rules` and the README.
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

fn version(doc: &Value, out: &mut Vec<Finding>) {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        out.push(Finding {
            pointer: "#/openapi".into(),
            rule: "openapi-version",
            message: format!(
                "`openapi: {version}`: progenitor 0.15 only generates OpenAPI 3.0.x \
                 (it fails with 'invalid version')"
            ),
            hint: "write `openapi: 3.0.3`; express 3.1's `type: [T, 'null']` as \
                   `nullable: true`"
                .into(),
        });
    }
}

/// Reports the `$ref`s that do not resolve, as build.rs would; true when all resolve.
fn dangling_refs(text: &str, out: &mut Vec<Finding>) -> bool {
    let Err(error) = codegen::load(text) else {
        return true;
    };
    for line in error.lines() {
        out.push(Finding {
            pointer: leading_pointer(line).unwrap_or("#").to_string(),
            rule: "dangling-ref",
            message: line.to_string(),
            hint: "point the `$ref` at an existing `#/components/...` entry, or add the entry"
                .into(),
        });
    }
    false
}

/// Each operation of the document: its pointer and the operation object.
pub fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.push((format!("#/paths/{}/{method}", escape(path)), operation));
            }
        }
    }
    out
}

fn operation_ids(doc: &Value, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (pointer, operation) in operations(doc) {
        match operation.get("operationId").and_then(Value::as_str) {
            None => out.push(Finding {
                pointer,
                rule: "operation-id",
                message: "the operation has no operationId (or not a string); progenitor names \
                          the generated method after it and refuses operations without one"
                    .into(),
                hint: "add a unique camelCase `operationId`".into(),
            }),
            Some(id) => {
                if let Some(first) = seen.get(id) {
                    out.push(Finding {
                        pointer: format!("{pointer}/operationId"),
                        rule: "operation-id",
                        message: format!("operationId `{id}` is also used at {first}"),
                        hint: "rename one of them; operationIds are the generated method names"
                            .into(),
                    });
                } else {
                    seen.insert(id, pointer);
                }
            }
        }
    }
}

fn has_text(node: &Value, key: &str) -> bool {
    node.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

fn descriptions(spec: &Spec, out: &mut Vec<Finding>) {
    let doc = spec.document();
    for (pointer, operation) in operations(doc) {
        if !has_text(operation, "summary") && !has_text(operation, "description") {
            out.push(Finding {
                pointer: pointer.clone(),
                rule: "operation-described",
                message: "the operation has neither a summary nor a description".into(),
                hint: "add a `summary` (the docs' page title) and, where it helps, a \
                       `description`"
                    .into(),
            });
        }
    }
    // Parameters: inline in path items and operations, and the shared components.
    let mut parameters: Vec<(String, &Value)> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let item_pointer = format!("#/paths/{}", escape(path));
        collect_parameters(item, &item_pointer, &mut parameters);
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                collect_parameters(
                    operation,
                    &format!("{item_pointer}/{method}"),
                    &mut parameters,
                );
            }
        }
    }
    for (name, parameter) in doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        parameters.push((
            format!("#/components/parameters/{}", escape(name)),
            parameter,
        ));
    }
    for (pointer, parameter) in parameters {
        if !has_text(parameter, "description") {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push(Finding {
                pointer,
                rule: "parameter-described",
                message: format!("parameter `{name}` has no description"),
                hint: "add a `description`: what the value is and where a client gets it".into(),
            });
        }
    }
    // Properties: every schema node of the document, each visited once where it is written.
    let mut schemas = Vec::new();
    schema_roots(doc, &mut schemas);
    for (pointer, schema) in schemas {
        properties_described(spec, schema, &pointer, out);
    }
}

fn collect_parameters<'a>(holder: &'a Value, pointer: &str, out: &mut Vec<(String, &'a Value)>) {
    for (index, parameter) in holder
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if parameter.get("$ref").is_none() {
            out.push((format!("{pointer}/parameters/{index}"), parameter));
        }
    }
}

/// The schemas written in the document: components, and inline ones in parameters and bodies.
fn schema_roots<'a>(doc: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.push((format!("#/components/schemas/{}", escape(name)), schema));
    }
    fn media<'a>(holder: &'a Value, pointer: &str, out: &mut Vec<(String, &'a Value)>) {
        for (media_type, media) in holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(schema) = media.get("schema") {
                out.push((
                    format!("{pointer}/content/{}/schema", escape(media_type)),
                    schema,
                ));
            }
        }
    }
    let mut holders: Vec<(String, &Value)> = Vec::new();
    for (pointer, operation) in operations(doc) {
        if let Some(body) = operation.get("requestBody") {
            holders.push((format!("{pointer}/requestBody"), body));
        }
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            holders.push((format!("{pointer}/responses/{}", escape(status)), response));
        }
        for (index, parameter) in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(schema) = parameter.get("schema") {
                out.push((format!("{pointer}/parameters/{index}/schema"), schema));
            }
        }
    }
    for kind in ["responses", "requestBodies"] {
        for (name, holder) in doc
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            holders.push((format!("#/components/{kind}/{}", escape(name)), holder));
        }
    }
    for (pointer, holder) in holders {
        media(holder, &pointer, out);
    }
}

/// Walks one written schema (not through `$ref`s, which are walked where they are written).
fn properties_described(spec: &Spec, schema: &Value, pointer: &str, out: &mut Vec<Finding>) {
    let Value::Object(map) = schema else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    let in_combinator = pointer.contains("/anyOf/") || pointer.contains("/oneOf/");
    if in_combinator && constraint_branch(map) {
        // It only narrows its parent's properties, which are described where they are defined.
        return;
    }
    if let Some(Value::Object(properties)) = map.get("properties") {
        for (name, property) in properties {
            let at = format!("{pointer}/properties/{}", escape(name));
            let described = has_text(property, "description")
                || (property.get("$ref").is_some()
                    && has_text(spec.resolve(property), "description"));
            if !described {
                out.push(Finding {
                    pointer: at.clone(),
                    rule: "property-described",
                    message: format!("property `{name}` has no description"),
                    hint: "add a `description` (for a `$ref` property, describe the referenced \
                           schema: OpenAPI 3.0 ignores siblings of `$ref`)"
                        .into(),
                });
            }
            properties_described(spec, property, &at, out);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get(key) {
            properties_described(spec, child, &format!("{pointer}/{key}"), out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (index, child) in map
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            properties_described(spec, child, &format!("{pointer}/{key}/{index}"), out);
        }
    }
}

/// A branch of a cross-field constraint (crates/codegen/src/view.rs rule 2): no `type`, no `$ref`.
fn constraint_branch(map: &serde_json::Map<String, Value>) -> bool {
    !map.contains_key("type") && !map.contains_key("$ref") && map.contains_key("properties")
}

/// A `type: string, format: binary` body is a file: an example of it says nothing.
fn is_binary(spec: &Spec, schema: &Value) -> bool {
    let schema = spec.resolve(schema);
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").and_then(Value::as_str) == Some("binary")
}

fn examples(spec: &Spec, out: &mut Vec<Finding>) {
    let doc = spec.document();
    for (pointer, operation) in operations(doc) {
        let mut holders: Vec<(String, &Value)> = Vec::new();
        if let Some(body) = operation.get("requestBody") {
            holders.push((format!("{pointer}/requestBody"), spec.resolve(body)));
        }
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            holders.push((
                format!("{pointer}/responses/{}", escape(status)),
                spec.resolve(response),
            ));
        }
        for (holder_pointer, holder) in holders {
            for (media_type, media) in holder
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let Some(schema) = media.get("schema") else {
                    continue;
                };
                let has_example = media.get("example").is_some()
                    || media
                        .get("examples")
                        .and_then(Value::as_object)
                        .is_some_and(|e| !e.is_empty());
                if !has_example && !is_binary(spec, schema) {
                    out.push(Finding {
                        pointer: format!("{holder_pointer}/content/{}", escape(media_type)),
                        rule: "example-missing",
                        message: format!("the {media_type} body has no example"),
                        hint: "add an `example` (or named `examples`) that validates against the \
                               schema; the docs and the mock server show it"
                            .into(),
                    });
                }
            }
        }
    }
    // A schema that does not compile fails every example of it: say so once per reason.
    let mut uncompiled: BTreeMap<String, usize> = BTreeMap::new();
    for example in spec.examples() {
        let errors = match spec.validator(&example.schema) {
            Ok(validator) => validator.errors(&example.value),
            Err(error) => {
                let count = uncompiled.entry(error.clone()).or_default();
                *count += 1;
                if *count > 1 {
                    continue;
                }
                vec![error]
            }
        };
        if !errors.is_empty() {
            out.push(Finding {
                pointer: format!("#{}", example.pointer),
                rule: "example-invalid",
                message: format!(
                    "the example does not validate against its schema:\n{}",
                    errors.join("\n")
                ),
                hint: "fix the example, or the schema if the example shows the real wire".into(),
            });
        }
    }
    for (error, count) in uncompiled.into_iter().filter(|(_, count)| *count > 1) {
        out.push(Finding {
            pointer: "#".into(),
            rule: "example-invalid",
            message: format!("{} more examples are not checked: {error}", count - 1),
            hint: "fix the schema (see the other findings); the examples are checked then".into(),
        });
    }
}

/// openapi-spec-validator, from the project's Python tools, in OpenAPI 3.0 mode.
fn external_validator(root: &Path, spec: &Path) -> anyhow::Result<Vec<Finding>> {
    let venv = crate::tools::python_env(root)?;
    let output = Command::new(venv.join("bin/openapi-spec-validator"))
        .args(["--schema", "3.0", "--validation-errors", "all"])
        .arg(spec)
        .output()
        .context("starting openapi-spec-validator")?;
    if output.status.success() {
        return Ok(Vec::new());
    }
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    let findings = parse_validator_output(&text);
    if findings.is_empty() {
        // Not the error format we know: report it whole rather than lose it.
        return Ok(vec![Finding {
            pointer: "#".into(),
            rule: "openapi-validator",
            message: text.trim().to_string(),
            hint: "fix what openapi-spec-validator reports".into(),
        }]);
    }
    Ok(findings)
}

/// Turns the validator's `Validation Error: ... On instance['a']['b']:` blocks into findings.
fn parse_validator_output(text: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for line in text.lines() {
        if let Some((_, message)) = line.split_once(": Validation Error: ") {
            let message = message
                .strip_prefix('[')
                .and_then(|m| m.split_once("] "))
                .map_or(message, |(_, m)| m);
            out.push(Finding {
                pointer: "#".into(),
                rule: "openapi-validator",
                message: message.to_string(),
                hint: "make the node follow the OpenAPI 3.0 schema (see the message)".into(),
            });
        } else if let Some(path) = line.strip_prefix("On instance")
            && let Some(last) = out.last_mut()
            && last.pointer == "#"
        {
            last.pointer = python_path_to_pointer(path.trim_end_matches(':'));
        }
    }
    out
}

/// `['paths']['/v4/x']['get']` (Python subscripts) as `#/paths/~1v4~1x/get`.
fn python_path_to_pointer(path: &str) -> String {
    let mut pointer = String::from("#");
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let (key, after) = match rest.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let body = &rest[1..];
                let end = body.find(quote).unwrap_or(body.len());
                (&body[..end], &body[(end + 1).min(body.len())..])
            }
            _ => {
                let end = rest.find(']').unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        pointer.push('/');
        pointer.push_str(&escape(key));
        rest = after;
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../openapi/vbo-v4.yaml");

    fn rules(text: &str) -> Vec<(&'static str, String)> {
        lint(text)
            .into_iter()
            .map(|f| (f.rule, f.pointer))
            .collect()
    }

    fn edited(from: &str, to: &str) -> String {
        let out = SPEC.replacen(from, to, 1);
        assert_ne!(out, SPEC, "the edit must apply: {from}");
        out
    }

    #[test]
    fn the_spec_has_no_findings() {
        assert_eq!(lint(SPEC), Vec::new());
    }

    #[test]
    fn every_rule_is_listed_once() {
        let mut names: Vec<_> = RULES.iter().map(|(r, _)| *r).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn openapi_3_1_is_refused() {
        let found = rules(&edited("openapi: 3.0.3", "openapi: 3.1.0"));
        assert!(
            found.contains(&("openapi-version", "#/openapi".into())),
            "{found:?}"
        );
    }

    #[test]
    fn a_duplicate_operation_id_is_named() {
        let found = rules(&edited(
            "operationId: listOrganizations",
            "operationId: createToken",
        ));
        assert_eq!(
            found,
            [(
                "operation-id",
                "#/paths/~1v4~1token/post/operationId".into()
            )]
        );
    }

    #[test]
    fn undescribed_operation_parameter_and_property_are_named() {
        let text = edited(
            "      summary: List organizations\n      description: Lists the organizations added to the VBO server. Not paged in v4.\n",
            "",
        );
        let text = text.replacen(
            "          description: Lists the children of this folder; omitted, the top-level folders.\n",
            "",
            1,
        );
        let text = text.replacen(
            "          description: What went wrong, in the server's words.\n\n    OAuthError:",
            "\n    OAuthError:",
            1,
        );
        let found = rules(&text);
        assert!(
            found.contains(&(
                "operation-described",
                "#/paths/~1v4~1Organizations/get".into()
            )),
            "{found:?}"
        );
        assert!(
            found.contains(&(
                "parameter-described",
                "#/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Folders/get/parameters/2".into()
            )),
            "{found:?}"
        );
        assert!(
            found.contains(&(
                "property-described",
                "#/components/schemas/Error/properties/message".into()
            )),
            "{found:?}"
        );
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn a_missing_and_an_invalid_example_are_named() {
        let text = edited(
            "              example:\n                enableNotification: true\n                server: smtp.office365.com\n                port: 587\n                useAuthentication: true\n                userName: notifications@westsupport.onmicrosoft.com\n                useSSL: true\n",
            "              x-no-example: true\n              x-rest:\n                server: smtp.office365.com\n                useSSL: true\n",
        );
        let text = text.replacen(
            "pstSizeLimitBytes: 1073741824",
            "pstSizeLimitBytes: 1024",
            1,
        );
        let found = rules(&text);
        assert!(
            found.contains(&(
                "example-missing",
                "#/paths/~1v4~1VEXEmailSettings/get/responses/200/content/application~1json".into()
            )),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(rule, pointer)| *rule == "example-invalid"
                    && pointer.ends_with("/examples/exportToPstWithSizeLimit/value")),
            "{found:?}"
        );
    }

    #[test]
    fn a_dangling_ref_is_named() {
        let found = rules(&edited(
            "$ref: '#/components/schemas/ExportToPstOptions'",
            "$ref: '#/components/schemas/ExportToPstOptionz'",
        ));
        assert!(
            found.contains(&(
                "dangling-ref",
                "#/components/schemas/MailboxItemAction/oneOf/0/properties/exportToPst".into()
            )),
            "{found:?}"
        );
    }

    #[test]
    fn the_validator_output_becomes_findings_with_pointers() {
        let output = "/tmp/bad.yaml: Validation Error: [1] 5 is not of type 'string'\n\n\
            Failed validating 'type' in schema['properties']:\n    {'type': 'string'}\n\n\
            On instance['paths']['/v4/Organizations']['get']['operationId']:\n    5\n\
            /tmp/bad.yaml: Validation Error: [2] 'message' is not of type 'array'\n\
            On instance['components']['schemas']['Error']['required']:\n\
            /tmp/bad.yaml: 2 validation errors found\n";
        let found = parse_validator_output(output);
        assert_eq!(
            found
                .iter()
                .map(|f| (f.pointer.as_str(), f.message.as_str()))
                .collect::<Vec<_>>(),
            [
                (
                    "#/paths/~1v4~1Organizations/get/operationId",
                    "5 is not of type 'string'"
                ),
                (
                    "#/components/schemas/Error/required",
                    "'message' is not of type 'array'"
                ),
            ]
        );
    }

    #[test]
    fn invalid_yaml_is_one_finding() {
        assert_eq!(rules("openapi: [3.0\n")[0].0, "yaml");
    }
}
