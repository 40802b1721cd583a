//! Enums by direction: a response may carry values this spec does not know yet, a request
//! must not send them.
//!
//! - `response-enum-closed`: an `enum` reached from a response body. One value a newer (or
//!   older) server adds, as v6 added the session type `Vet`, would make the generated client
//!   refuse the whole page. Write `type: string` with `x-extensible-enum` instead, which the
//!   generator turns into an enum with `Unknown(String)` (`crates/codegen/src/open_enum.rs`).
//! - `request-enum-open`: an `x-extensible-enum` reached from a request body or parameter.
//!   Requests stay strict: the client must not send a value the server may refuse.
//! - `open-enum-placement`: an `x-extensible-enum` that is not a named component schema, the
//!   only place the generator can replace it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Finding;
use crate::spec::{Spec, pointer};

const OPEN: &str = "x-extensible-enum";

pub(super) fn enums(spec: &Spec, out: &mut Vec<Finding>) {
    let mut responses = Reached::default();
    let mut requests = Reached::default();
    for op in spec.operations() {
        let at = format!("#{}", op.pointer);
        for (status, response) in op.responses(spec) {
            let at = format!("{at}/responses/{}", pointer::escape(status));
            for (media, schema) in media_schemas(response) {
                responses.schema(spec, schema, format!("{at}/content/{media}/schema"));
            }
        }
        if let Some(body) = op.request_body(spec) {
            for (media, schema) in media_schemas(body) {
                requests.schema(
                    spec,
                    schema,
                    format!("{at}/requestBody/content/{media}/schema"),
                );
            }
        }
        for parameter in &op.parameters {
            if let Some(schema) = parameter.node.get("schema") {
                requests.schema(spec, schema, format!("{}/schema", parameter.pointer));
            }
        }
    }
    for (at, node) in &responses.nodes {
        if node.get("enum").is_some() && node.get("type").is_some() {
            out.push(Finding {
                pointer: at.clone(),
                rule: "response-enum-closed",
                message: "a closed `enum` in a response: one value the spec does not list \
                          would fail the whole response in the generated client"
                    .into(),
                hint: format!(
                    "make it a component schema with `type: string` and `{OPEN}: [..]` (the \
                     generated type keeps unknown values in `Unknown`)"
                ),
            });
        }
    }
    for (at, node) in &requests.nodes {
        if node.get(OPEN).is_some() {
            out.push(Finding {
                pointer: at.clone(),
                rule: "request-enum-open",
                message: format!("`{OPEN}` in a request: requests must stay strict"),
                hint: "give the request its own schema with a closed `enum`".into(),
            });
        }
    }
    crate::spec::walk(spec.document(), &mut String::from("#"), &mut |at, node| {
        let named = at
            .strip_prefix("#/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'));
        if node.get(OPEN).is_some() && !named {
            out.push(Finding {
                pointer: at.to_string(),
                rule: "open-enum-placement",
                message: format!("`{OPEN}` outside `#/components/schemas/<Name>`"),
                hint: "move it into a named component schema and `$ref` it".into(),
            });
        }
    });
}

/// `content.<media>.schema` of a request body or response, with the escaped media type.
fn media_schemas(body: &Value) -> Vec<(String, &Value)> {
    body.get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(media, m)| m.get("schema").map(|s| (pointer::escape(media), s)))
        .collect()
}

/// The schema nodes reached from some roots, through `$ref`s and subschemas, by pointer.
#[derive(Default)]
struct Reached<'a> {
    nodes: Vec<(String, &'a Value)>,
    seen: BTreeSet<String>,
}

impl<'a> Reached<'a> {
    fn schema(&mut self, spec: &'a Spec, node: &'a Value, at: String) {
        if let Some(target) = node.get("$ref").and_then(Value::as_str) {
            if let Ok(resolved) = spec.try_resolve(node) {
                self.schema(spec, resolved, target.to_string());
            }
            return;
        }
        if !self.seen.insert(at.clone()) {
            return;
        }
        self.nodes.push((at.clone(), node));
        if let Some(Value::Object(properties)) = node.get("properties") {
            for (name, child) in properties {
                self.schema(
                    spec,
                    child,
                    format!("{at}/properties/{}", pointer::escape(name)),
                );
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = node.get(key).filter(|c| c.is_object()) {
                self.schema(spec, child, format!("{at}/{key}"));
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(children)) = node.get(key) {
                for (index, child) in children.iter().enumerate() {
                    self.schema(spec, child, format!("{at}/{key}/{index}"));
                }
            }
        }
    }
}
