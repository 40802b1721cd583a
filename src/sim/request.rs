//! Requests read the way the v4 server reads them, and checked against the spec's own
//! schemas.
//!
//! The v4 server (ASP.NET Web API with Json.NET) matches property names in any letter case,
//! accepts `"true"`/`"false"` for booleans and enum values in any case, reads dates loosely
//! (see `loose_date`), and tolerates trailing commas. [`normalize`] rewrites a body into the spec's canonical spelling, with the names
//! taken from the schema itself, so that validation can then be the spec's strict schema.
//! [`explain`] turns validation errors into messages that name the field and the rule, and
//! names the `oneOf` branch a request meant rather than "not valid under any of the schemas".

use std::collections::BTreeSet;

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind as Kind};
use serde_json::{Map, Value};

use crate::spec::{SchemaValidator, Spec};

/// Schemas nest deeper than this only through a reference cycle.
const MAX_DEPTH: usize = 24;

/// Every schema `schema` stands for: itself and the branches of its combinators, resolved.
fn alternatives<'a>(spec: &'a Spec, schema: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = spec.resolve(schema);
    out.push(schema);
    for keyword in ["oneOf", "anyOf", "allOf"] {
        if let Some(branches) = schema.get(keyword).and_then(Value::as_array) {
            for branch in branches {
                alternatives(spec, branch, out, depth + 1);
            }
        }
    }
}

fn has_type(schemas: &[&Value], kind: &str) -> bool {
    schemas
        .iter()
        .any(|s| s.get("type").and_then(Value::as_str) == Some(kind))
}

fn has_format(schemas: &[&Value], format: &str) -> bool {
    schemas
        .iter()
        .any(|s| s.get("format").and_then(Value::as_str) == Some(format))
}

/// Rewrites `value` into the spelling `schema` uses: property names and enum strings matched
/// case-insensitively, `"true"`/`"false"` where only a boolean fits, and dates in the loose
/// forms Json.NET reads ([`super::loose_date`]) as RFC 3339. `at` names the value
/// in messages. A name given twice in different cases is an error.
pub fn normalize(spec: &Spec, schema: &Value, value: Value, at: &str) -> Result<Value, String> {
    normalize_in(spec, &[schema], value, at, 0)
}

fn normalize_in(
    spec: &Spec,
    schemas: &[&Value],
    value: Value,
    at: &str,
    depth: usize,
) -> Result<Value, String> {
    let mut all = Vec::new();
    for schema in schemas {
        alternatives(spec, schema, &mut all, depth);
    }
    if depth > MAX_DEPTH {
        return Ok(value);
    }
    match value {
        Value::Object(map) => {
            let names: BTreeSet<&str> = all
                .iter()
                .filter_map(|s| s.get("properties").and_then(Value::as_object))
                .flat_map(|p| p.keys().map(String::as_str))
                .collect();
            let mut out = Map::new();
            let mut given: Vec<(String, String)> = Vec::new();
            for (key, child) in map {
                let canonical = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&key))
                    .map_or_else(|| key.clone(), |n| n.to_string());
                if let Some((first, _)) = given.iter().find(|(_, c)| *c == canonical) {
                    return Err(format!(
                        "{}: given twice, as `{first}` and `{key}`",
                        join(at, &canonical)
                    ));
                }
                given.push((key, canonical.clone()));
                let mut child_schemas: Vec<&Value> = all
                    .iter()
                    .filter_map(|s| s.get("properties").and_then(|p| p.get(&canonical)))
                    .collect();
                if child_schemas.is_empty() {
                    child_schemas = all
                        .iter()
                        .filter_map(|s| s.get("additionalProperties"))
                        .filter(|s| s.is_object())
                        .collect();
                }
                let child = normalize_in(
                    spec,
                    &child_schemas,
                    child,
                    &join(at, &canonical),
                    depth + 1,
                )?;
                out.insert(canonical, child);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let item_schemas: Vec<&Value> = all.iter().filter_map(|s| s.get("items")).collect();
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    normalize_in(spec, &item_schemas, item, &format!("{at}[{i}]"), depth + 1)
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Value::String(text) => {
            if has_format(&all, "date-time")
                && chrono::DateTime::parse_from_rfc3339(&text).is_err()
                && let Some(strict) = super::loose_date::to_rfc3339(&text)
            {
                return Ok(Value::String(strict));
            }
            if has_type(&all, "boolean") && !has_type(&all, "string") {
                if text.eq_ignore_ascii_case("true") {
                    return Ok(Value::Bool(true));
                }
                if text.eq_ignore_ascii_case("false") {
                    return Ok(Value::Bool(false));
                }
            }
            let canonical = all
                .iter()
                .filter_map(|s| s.get("enum").and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .find(|option| option.eq_ignore_ascii_case(&text));
            Ok(Value::String(canonical.map_or(text, str::to_string)))
        }
        other => Ok(other),
    }
}

/// Removes the trailing commas that Json.NET tolerates (`{"a": 1,}`), outside strings.
pub fn strip_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `a.b`, or `b` at the top.
fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// The field an error is about: `root` followed by the instance path, dotted.
fn field(root: &str, error: &ValidationError<'_>) -> String {
    let mut out = root.to_string();
    for segment in error.instance_path().as_str().split('/').skip(1) {
        let segment = crate::spec::pointer::unescape(segment);
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            out = join(&out, &segment);
        }
    }
    if out.is_empty() { "body".into() } else { out }
}

/// Validates `instance`; on failure, the messages of [`explain`], joined.
pub fn check(
    spec: &Spec,
    validator: &SchemaValidator,
    instance: &Value,
    root: &str,
) -> Result<(), String> {
    let mut messages = Vec::new();
    for error in validator.validator().iter_errors(instance) {
        for message in explain(spec, &error, root) {
            if !messages.contains(&message) {
                messages.push(message);
            }
        }
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(messages.join("; "))
    }
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => format!("{t}"),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| format!("{t}"))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Messages for one validation error, each `field: problem`. They never quote a string
/// value of the request, which may be a password.
pub fn explain(spec: &Spec, error: &ValidationError<'_>, root: &str) -> Vec<String> {
    let at = field(root, error);
    let numeric = error
        .instance()
        .is_number()
        .then(|| error.instance().to_string());
    let problem = match error.kind() {
        Kind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            return vec![format!(
                "{}: is required",
                join(&at_or_empty(&at, root), name)
            )];
        }
        Kind::AdditionalProperties { unexpected } => {
            return unexpected
                .iter()
                .map(|name| {
                    format!(
                        "{}: is not a property of {at}",
                        join(&at_or_empty(&at, root), name)
                    )
                })
                .collect();
        }
        Kind::OneOfNotValid { context } | Kind::AnyOf { context } => {
            return explain_alternatives(spec, error, context, &at, root);
        }
        Kind::OneOfMultipleValid { .. } => {
            "matches more than one of the alternatives; exactly one is allowed".to_string()
        }
        Kind::Type { kind } => format!("must be {}", type_name(kind)),
        Kind::Enum { options } => format!("must be one of {options}"),
        Kind::Minimum { limit } => match numeric {
            Some(value) => format!("{value} is less than the minimum {limit}"),
            None => format!("must be at least {limit}"),
        },
        Kind::Maximum { limit } => match numeric {
            Some(value) => format!("{value} is more than the maximum {limit}"),
            None => format!("must be at most {limit}"),
        },
        Kind::MinLength { limit } => format!("must be at least {limit} characters long"),
        Kind::MaxLength { limit } => format!("must be at most {limit} characters long"),
        Kind::Format { format } => format!("must be a valid {format}"),
        Kind::Pattern { pattern } => format!("must match {pattern}"),
        _ => format!("fails the `{}` rule", error.kind().keyword()),
    };
    vec![format!("{at}: {problem}")]
}

/// The field for a property under `at`: the top level is spoken of as `body`, but its
/// properties by their own names.
fn at_or_empty(at: &str, root: &str) -> String {
    if root.is_empty() && at == "body" {
        String::new()
    } else {
        at.to_string()
    }
}

/// Whether an error says the value has the wrong shape for a branch, right where the
/// combinator is: a missing or unknown property, or another type.
fn is_shape(error: &ValidationError<'_>, here: &str) -> bool {
    error.instance_path().as_str() == here
        && matches!(
            error.kind(),
            Kind::Required { .. } | Kind::AdditionalProperties { .. } | Kind::Type { .. }
        )
}

fn explain_alternatives(
    spec: &Spec,
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    at: &str,
    root: &str,
) -> Vec<String> {
    let here = error.instance_path().as_str();
    // The combinator's branches, from the spec (the validator keeps the spec's layout).
    let branches: Vec<&Value> = spec
        .document()
        .pointer(error.schema_path().as_str())
        .and_then(Value::as_array)
        .map(|b| b.iter().map(|s| spec.resolve(s)).collect())
        .unwrap_or_default();
    // Branches without a type only constrain the parent's properties (the size limit rule);
    // none of them is "the one meant", so all are listed.
    let constraints_only = !branches.is_empty()
        && spec
            .document()
            .pointer(error.schema_path().as_str())
            .and_then(Value::as_array)
            .is_some_and(|b| {
                b.iter()
                    .all(|s| s.get("type").is_none() && s.get("$ref").is_none())
            });
    let mut candidates: Vec<usize> = (0..context.len()).collect();
    if !constraints_only {
        let scores: Vec<usize> = context
            .iter()
            .map(|errors| errors.iter().filter(|e| is_shape(e, here)).count())
            .collect();
        let best = scores.iter().copied().min().unwrap_or(0);
        candidates.retain(|&i| scores[i] == best);
        if let [only] = candidates.as_slice() {
            return context[*only]
                .iter()
                .flat_map(|e| explain(spec, e, root))
                .collect();
        }
        // Every branch fails only by which properties it has: say which sets are allowed.
        let by_properties = candidates.iter().all(|&i| {
            context[i].iter().all(|e| {
                e.instance_path().as_str() == here
                    && matches!(
                        e.kind(),
                        Kind::Required { .. } | Kind::AdditionalProperties { .. }
                    )
            })
        });
        if by_properties && branches.len() == context.len() {
            let required: Vec<Vec<&str>> = branches
                .iter()
                .map(|b| {
                    b.get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default()
                })
                .collect();
            let common: Vec<&str> = required
                .first()
                .map(|first| {
                    first
                        .iter()
                        .copied()
                        .filter(|p| required.iter().all(|r| r.contains(p)))
                        .collect()
                })
                .unwrap_or_default();
            let sets: Vec<String> = required
                .iter()
                .map(|r| {
                    r.iter()
                        .copied()
                        .filter(|p| !common.contains(p))
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect();
            let given: Vec<String> = error
                .instance()
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let mut message = format!("{at}: must have exactly one of {}", sets.join(", "));
            if !common.is_empty() {
                message.push_str(&format!(", besides {}", common.join(", ")));
            }
            message.push_str(&format!(
                " (given: {})",
                if given.is_empty() {
                    "nothing".to_string()
                } else {
                    given.join(", ")
                }
            ));
            return vec![message];
        }
    }
    let alternatives: Vec<String> = candidates
        .iter()
        .map(|&i| {
            let label = branches
                .get(i)
                .and_then(|b| b.get("description"))
                .and_then(Value::as_str)
                .map(|d| d.trim().trim_end_matches('.').to_string())
                .unwrap_or_else(|| format!("alternative {}", i + 1));
            let reasons: Vec<String> = context[i]
                .iter()
                .flat_map(|e| explain(spec, e, root))
                .collect();
            format!("{label} ({})", reasons.join(", "))
        })
        .collect();
    vec![format!(
        "{at}: must satisfy one of: {}",
        alternatives.join("; or ")
    )]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn action_errors(body: Value) -> String {
        let spec = Spec::embedded();
        let schema = json!({"$ref": "#/components/schemas/MailboxItemAction"});
        let validator = spec.validator(&schema).unwrap();
        let body = normalize(&spec, &schema, body, "").unwrap();
        check(&spec, &validator, &body, "").unwrap_err()
    }

    #[test]
    fn names_are_matched_in_any_case_and_string_booleans_become_booleans() {
        let spec = Spec::embedded();
        let schema = json!({"$ref": "#/components/schemas/MailboxItemAction"});
        let body = json!({"ExportToPST": {"EnablePstSizeLimit": "False", "contentkeywords": "x"}});
        let normalized = normalize(&spec, &schema, body, "").unwrap();
        assert_eq!(
            normalized,
            json!({"exportToPst": {"enablePstSizeLimit": false, "contentKeywords": "x"}})
        );
        let explore = json!({"$ref": "#/components/schemas/ExploreAction"});
        let normalized =
            normalize(&spec, &explore, json!({"EXPLORE": {"Type": "VEX"}}), "").unwrap();
        assert_eq!(normalized, json!({"explore": {"type": "vex"}}));
    }

    #[test]
    fn a_name_given_twice_in_different_cases_is_refused() {
        let spec = Spec::embedded();
        let schema = json!({"$ref": "#/components/schemas/SendToDifferentAddressOptions"});
        let error = normalize(
            &spec,
            &schema,
            json!({"from": "a@b.c", "FROM": "d@e.f"}),
            "x",
        )
        .unwrap_err();
        // serde_json orders keys, so the upper-case spelling comes first.
        assert_eq!(error, "x.from: given twice, as `FROM` and `from`");
    }

    #[test]
    fn a_string_that_is_no_boolean_stays_a_string_for_validation_to_refuse() {
        let message = action_errors(json!({"exportToPst": {"enablePstSizeLimit": "yes"}}));
        assert!(
            message.starts_with("exportToPst.enablePstSizeLimit: must be boolean; "),
            "{message}"
        );
    }

    #[test]
    fn the_error_names_the_field_of_the_action_meant() {
        assert_eq!(
            action_errors(
                json!({"exportToPst": {"enablePstSizeLimit": true, "pstSizeLimitBytes": 1024}})
            ),
            "exportToPst.pstSizeLimitBytes: 1024 is less than the minimum 1073741824"
        );
    }

    #[test]
    fn a_constraint_combinator_lists_its_alternatives() {
        let message = action_errors(json!({"exportToPst": {"enablePstSizeLimit": true}}));
        assert!(
            message.contains("exportToPst.pstSizeLimitBytes: is required")
                && message.contains("exportToPst.enablePstSizeLimit: must be one of [false]"),
            "{message}"
        );
    }

    #[test]
    fn mixed_credential_methods_say_which_sets_are_allowed() {
        let message = action_errors(json!({"restoreTo": {
            "mailbox": "a@b.c", "userCode": "x", "userName": "u", "userPassword": "p"}}));
        assert_eq!(
            message,
            "restoreTo: must have exactly one of userName + userPassword, userCode, \
             applicationId + applicationCertificate + applicationCertificatePassword, \
             besides mailbox (given: mailbox, userCode, userName, userPassword)"
        );
    }

    #[test]
    fn an_empty_or_unknown_action_lists_the_six_keys() {
        let expected = "body: must have exactly one of exportToPst, restoretoOriginallocation, \
                        restoreTo, sendtoDefaultaddress, sendtoDifferentaddress, savetoMsg";
        assert_eq!(
            action_errors(json!({})),
            format!("{expected} (given: nothing)")
        );
        assert_eq!(
            action_errors(json!({"exportToPst": {}, "savetoMsg": null})),
            format!("{expected} (given: exportToPst, savetoMsg)")
        );
    }

    #[test]
    fn messages_never_quote_string_values() {
        let message = action_errors(json!({"restoretoOriginallocation": {
            "userName": "", "userPassword": "s3cret-value"}}));
        assert!(!message.contains("s3cret-value"), "{message}");
        assert_eq!(
            message,
            "restoretoOriginallocation.userName: must be at least 1 characters long"
        );
    }

    #[test]
    fn trailing_commas_are_removed_outside_strings_only() {
        assert_eq!(
            strip_trailing_commas(r#"{"a": [1, 2, ], "b": ",}", }"#),
            r#"{"a": [1, 2 ], "b": ",}" }"#
        );
    }
}
