//! Rules on the document as a whole: its OpenAPI version, its `$ref`s, its operationIds.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Finding, codegen, leading_pointer};

pub(super) fn version(doc: &Value, out: &mut Vec<Finding>) {
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
pub(super) fn dangling_refs(text: &str, out: &mut Vec<Finding>) -> bool {
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
    crate::spec::operations(doc)
        .into_iter()
        .map(|op| (format!("#{}", op.pointer), op.node))
        .collect()
}

pub(super) fn operation_ids(doc: &Value, out: &mut Vec<Finding>) {
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
