//! The external OpenAPI validator, openapi-spec-validator, and its output as findings.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::Finding;
use crate::spec::escape;

/// openapi-spec-validator, from the project's Python tools, in OpenAPI 3.0 mode.
pub(super) fn external_validator(root: &Path, spec: &Path) -> anyhow::Result<Vec<Finding>> {
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
}
