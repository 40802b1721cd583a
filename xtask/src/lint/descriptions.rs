//! Every operation, parameter and schema property is described.

use serde_json::Value;

use super::{Finding, operations};
use crate::spec::{METHODS, Spec, escape};

fn has_text(node: &Value, key: &str) -> bool {
    node.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

pub(super) fn descriptions(spec: &Spec, out: &mut Vec<Finding>) {
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
