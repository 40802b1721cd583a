//! A document with `$ref` resolution, and its schemas normalized into [`Shape`]s.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::spec::escape;

/// A document with `$ref` resolution.
pub(super) struct Doc<'a> {
    pub(super) root: &'a Value,
}

impl<'a> Doc<'a> {
    /// Follows `$ref`s (the shared walker), with the pointer of the definition reached; a
    /// reference that cannot be followed is compared as it is.
    pub(super) fn resolve(&self, node: &'a Value, pointer: &str) -> (&'a Value, String) {
        match crate::spec::resolve_traced(self.root, node) {
            Ok((node, Some(target))) => (node, target.to_string()),
            Ok((node, None)) => (node, pointer.to_string()),
            Err(_) => (node, pointer.to_string()),
        }
    }
}

/// A schema, normalized: `allOf` merged, `type` inferred from `properties`/`items`.
#[derive(Default)]
pub(super) struct Shape<'a> {
    pub(super) pointer: String,
    pub(super) types: BTreeSet<String>,
    pub(super) format: Option<String>,
    pub(super) nullable: bool,
    pub(super) enumeration: Option<Vec<Value>>,
    /// Whether `enumeration` is open (`x-extensible-enum`): other values may appear.
    pub(super) open: bool,
    pub(super) properties: BTreeMap<String, (&'a Value, String)>,
    pub(super) required: BTreeSet<String>,
    pub(super) items: Option<(&'a Value, String)>,
    pub(super) additional: Option<(&'a Value, String)>,
    pub(super) variants: Vec<(String, &'a Value, String)>,
    pub(super) constraints: BTreeMap<&'static str, Value>,
    /// The value a server assumes when the client leaves this one out.
    pub(super) default: Option<Value>,
}

pub(super) const CONSTRAINTS: [&str; 9] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
];

impl<'a> Doc<'a> {
    pub(super) fn shape(&self, node: &'a Value, pointer: &str) -> Shape<'a> {
        let (node, pointer) = self.resolve(node, pointer);
        let mut shape = Shape {
            pointer: pointer.clone(),
            ..Shape::default()
        };
        self.merge(&mut shape, node, &pointer, 0);
        if shape.types.is_empty() {
            if !shape.properties.is_empty() {
                shape.types.insert("object".into());
            } else if shape.items.is_some() {
                shape.types.insert("array".into());
            }
        }
        shape
    }

    fn merge(&self, shape: &mut Shape<'a>, node: &'a Value, pointer: &str, depth: usize) {
        let Value::Object(map) = node else {
            return;
        };
        match map.get("type") {
            Some(Value::String(t)) => {
                shape.types.insert(t.clone());
            }
            // OpenAPI 3.1 style, seen in vendor documents.
            Some(Value::Array(types)) => {
                for t in types.iter().filter_map(Value::as_str) {
                    if t == "null" {
                        shape.nullable = true;
                    } else {
                        shape.types.insert(t.to_string());
                    }
                }
            }
            _ => {}
        }
        if let Some(format) = map.get("format").and_then(Value::as_str) {
            shape.format = Some(format.to_string());
        }
        if let Some(default) = map.get("default") {
            shape.default = Some(default.clone());
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            shape.nullable = true;
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            let values: Vec<Value> = values
                .iter()
                .filter(|v| {
                    if v.is_null() {
                        shape.nullable = true;
                    }
                    !v.is_null()
                })
                .cloned()
                .collect();
            shape.enumeration = Some(values);
        }
        if let Some(Value::Array(values)) = map.get("x-extensible-enum") {
            shape.enumeration = Some(values.clone());
            shape.open = true;
        }
        for key in CONSTRAINTS {
            if let Some(value) = map.get(key) {
                shape.constraints.insert(key, value.clone());
            }
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, property) in properties {
                shape.properties.insert(
                    name.clone(),
                    (property, format!("{pointer}/properties/{}", escape(name))),
                );
            }
        }
        if let Some(Value::Array(required)) = map.get("required") {
            shape
                .required
                .extend(required.iter().filter_map(Value::as_str).map(String::from));
        }
        if let Some(items) = map.get("items") {
            shape.items = Some((items, format!("{pointer}/items")));
        }
        if let Some(additional @ Value::Object(_)) = map.get("additionalProperties") {
            shape.additional = Some((additional, format!("{pointer}/additionalProperties")));
        }
        if let Some(Value::Array(members)) = map.get("allOf")
            && depth < 32
        {
            for (index, member) in members.iter().enumerate() {
                let (member, at) = self.resolve(member, &format!("{pointer}/allOf/{index}"));
                self.merge(shape, member, &at, depth + 1);
            }
        }
        for keyword in ["oneOf", "anyOf"] {
            let Some(Value::Array(branches)) = map.get(keyword) else {
                continue;
            };
            // Branches without a type or a $ref only constrain the properties beside them
            // (crates/codegen/src/view.rs rule 2); they are not variants.
            let constraint_only = map.contains_key("properties")
                && branches.iter().all(|b| {
                    b.as_object()
                        .is_some_and(|b| !b.contains_key("type") && !b.contains_key("$ref"))
                });
            if constraint_only {
                continue;
            }
            for (index, branch) in branches.iter().enumerate() {
                let at = format!("{pointer}/{keyword}/{index}");
                let key = self.variant_key(branch, index);
                shape.variants.push((key, branch, at));
            }
        }
    }

    /// Names a variant so that it matches across documents: the schema it references, else
    /// the properties it requires (the tagged action objects), else its position.
    fn variant_key(&self, branch: &'a Value, index: usize) -> String {
        if let Some(target) = branch.get("$ref").and_then(Value::as_str) {
            return target.rsplit('/').next().unwrap_or(target).to_string();
        }
        let required: Vec<&str> = branch
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if required.is_empty() {
            format!("#{index}")
        } else {
            required.join("+")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_refs_resolve() {
        let doc = serde_json::json!({
            "paths": {"/a/{id}": {"get": {"x": 1}}},
            "r": {"$ref": "#/paths/~1a~1%7Bid%7D/get"}
        });
        let (node, pointer) = Doc { root: &doc }.resolve(&doc["r"], "#/r");
        assert_eq!(node["x"], 1);
        assert_eq!(pointer, "#/paths/~1a~1%7Bid%7D/get");
    }

    #[test]
    fn a_ref_cycle_ends() {
        let doc = serde_json::json!({
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"$ref": "#/components/schemas/A"}
            }}
        });
        let d = Doc { root: &doc };
        let (_, at) = d.resolve(&doc["components"]["schemas"]["A"], "#/x");
        // A cycle ends at once: the reference is compared as it is.
        assert_eq!(at, "#/x");
    }
}
