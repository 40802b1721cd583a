//! Requests read the way the v4 server reads them, and checked against the spec's own
//! schemas.
//!
//! The v4 server (ASP.NET Web API with Json.NET) matches property names in any letter case,
//! accepts `"true"`/`"false"` for booleans and enum values in any case, reads dates loosely
//! (see `loose_date`), and tolerates trailing commas. [`normalize`] rewrites a body into the spec's canonical spelling, with the names
//! taken from the schema itself, so that validation can then be the spec's strict schema.
//! `super::explain` turns the validation errors into messages.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::spec::Spec;

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

/// `value` without the object properties that `schema` has no place for: those that no
/// branch of a closed object (`additionalProperties: false`) names, at any depth. A later
/// version's body is read into v4's shape so.
pub fn prune(spec: &Spec, schema: &Value, value: Value) -> Value {
    prune_in(spec, &[schema], value, 0)
}

fn prune_in(spec: &Spec, schemas: &[&Value], value: Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value;
    }
    let mut all = Vec::new();
    for schema in schemas {
        alternatives(spec, schema, &mut all, depth);
    }
    match value {
        Value::Object(map) => {
            let closed = all
                .iter()
                .any(|s| s.get("additionalProperties") == Some(&Value::Bool(false)));
            map.into_iter()
                .filter_map(|(key, child)| {
                    let child_schemas: Vec<&Value> = all
                        .iter()
                        .filter_map(|s| s.get("properties").and_then(|p| p.get(&key)))
                        .collect();
                    if child_schemas.is_empty() && closed {
                        return None;
                    }
                    Some((key, prune_in(spec, &child_schemas, child, depth + 1)))
                })
                .collect::<Map<String, Value>>()
                .into()
        }
        Value::Array(items) => {
            let item_schemas: Vec<&Value> = all.iter().filter_map(|s| s.get("items")).collect();
            items
                .into_iter()
                .map(|item| prune_in(spec, &item_schemas, item, depth + 1))
                .collect()
        }
        other => other,
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
pub(super) fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
    fn trailing_commas_are_removed_outside_strings_only() {
        assert_eq!(
            strip_trailing_commas(r#"{"a": [1, 2, ], "b": ",}", }"#),
            r#"{"a": [1, 2 ], "b": ",}" }"#
        );
    }
}
