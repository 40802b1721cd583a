//! The request and response differences of each operation between consecutive versions, as
//! the drift classifier (`crate::drift`, `cargo xtask drift`) names them: properties added,
//! removed or spelled with other capitals, required and enum changes, parameters, media types
//! and statuses. Operations are matched by operationId; an action whose operation differs
//! between the two versions (v4's `/Action` routes against the later versions' one route per
//! action) is compared through its options: the wrapped body's options against the bare body.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use vbo365_codegen::table::{ACTION_EXTENSION, action_decl};

use super::{Op, Version, cell};
use crate::drift::{Change, Matching, Rule};

/// What the route tables already say, so not listed here.
const ROUTE_RULES: [Rule; 3] = [
    Rule::OperationAdded,
    Rule::OperationRemoved,
    Rule::OperationMoved,
];

pub(super) fn write(
    out: &mut String,
    versions: &[Version],
    ops: &[Op],
    groups: &[String],
) -> anyhow::Result<()> {
    let _ = writeln!(out, "## Changes between consecutive versions\n");
    let _ = writeln!(
        out,
        "The differences in each operation's parameters, request body and responses, from one \
         version to the next, named by the rules of `cargo xtask drift` (`cargo xtask drift \
         --list-rules` explains each). Operations are matched by operationId; an action whose \
         operation changed is compared through its options (the wrapped body's options against \
         the bare body; the wrapped operation's responses are those of every action it performs, \
         so a media type that only its other actions answer shows as removed). Where and what refer to the newer version unless they say otherwise.\n"
    );
    for pair in versions.windows(2) {
        let (older, newer) = (&pair[0], &pair[1]);
        let _ = writeln!(out, "### {} → {}\n", older.label(), newer.label());
        let (changes, through) = compare(older, newer)?;
        if changes.is_empty() {
            let _ = writeln!(out, "No differences in parameters, bodies or responses.\n");
            continue;
        }
        let position = |id: &str| ops.iter().position(|op| op.id == id).unwrap_or(usize::MAX);
        for group in groups {
            let in_group = |id: &String| {
                ops.iter()
                    .any(|op| op.id == id.as_str() && op.group == *group)
            };
            let mut rows: Vec<(usize, String, &Change, Vec<&String>)> = changes
                .iter()
                .filter_map(|change| {
                    let reached: Vec<&String> =
                        change.operations.iter().filter(|id| in_group(id)).collect();
                    let first = position(reached.first()?);
                    Some((first, place(change), change, reached))
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| {
                (a.0, &a.1, a.2.rule.name(), &a.3).cmp(&(b.0, &b.1, b.2.rule.name(), &b.3))
            });
            // One row for the same kind of change at the same place of the same operations,
            // such as the values added to one enum.
            let mut merged: Vec<(String, &Change, Vec<&String>, Vec<&str>)> = Vec::new();
            for (_, place, change, reached) in rows {
                match merged.last_mut() {
                    Some(last)
                        if last.0 == place && last.1.rule == change.rule && last.2 == reached =>
                    {
                        last.3.push(&change.message);
                    }
                    _ => merged.push((place, change, reached, vec![&change.message])),
                }
            }
            let _ = writeln!(out, "#### {group}\n");
            let _ = writeln!(
                out,
                "| Operation | Change | Where | What |\n|---|---|---|---|"
            );
            for (place, change, reached, messages) in merged {
                let names: Vec<String> = reached
                    .iter()
                    .map(|id| {
                        let mut name = format!("[`{id}`]({})", newer.page(id));
                        if let Some((older_id, key)) = through.get(id.as_str()) {
                            let _ = write!(
                                name,
                                " ({}: [`{older_id}`]({}), `{key}`)",
                                older.label(),
                                older.page(older_id)
                            );
                        }
                        name
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | {} |",
                    names.join(", "),
                    change.rule,
                    cell(&place),
                    cell(&messages.join("; "))
                );
            }
            out.push('\n');
        }
    }
    Ok(())
}

/// `response 200 application/json: name`: the location without the operation's name.
fn place(change: &Change) -> String {
    match change.location.split_once(": ") {
        Some((_, place)) => place.to_string(),
        None => String::new(),
    }
}

/// The changes from `older` to `newer`, and for the actions compared through their options:
/// the newer operationId → (the older operationId, the action key).
type Through = BTreeMap<String, (String, String)>;

fn compare(older: &Version, newer: &Version) -> anyhow::Result<(Vec<Change>, Through)> {
    let matching = Matching {
        upstream: false,
        prefixes: vec![(older.label(), newer.label())],
    };
    let mut changes = crate::drift::compare_documents(&older.doc, &newer.doc, &matching);
    let (older_actions, newer_actions, through) = actions(older, newer)?;
    changes.extend(crate::drift::compare_documents(
        &older_actions,
        &newer_actions,
        &Matching::default(),
    ));
    changes.retain(|change| !ROUTE_RULES.contains(&change.rule));
    Ok((changes, through))
}

/// One action operation: the operation, its path item, its scope and key, and its options
/// schema (the wrapped body's variant for the key, or the bare body's schema).
struct Action<'a> {
    op: crate::spec::Operation<'a>,
    id: &'a str,
    scope: vbo365_codegen::table::Scope,
    key: String,
    wrapped: bool,
}

fn action_ops(version: &Version) -> anyhow::Result<Vec<Action<'_>>> {
    let mut out = Vec::new();
    for op in version.operations() {
        let id = op.id.unwrap_or_default();
        let decl = action_decl(id, op.path, op.node.get(ACTION_EXTENSION))
            .map_err(|e| anyhow::anyhow!("{}: {e}", version.spec_file))?;
        for key in decl.iter().flat_map(|d| d.keys.clone()) {
            let decl = decl.as_ref().expect("keys come from a declaration");
            out.push(Action {
                op: op.clone(),
                id,
                scope: decl.scope,
                key,
                wrapped: decl.wrapped,
            });
        }
    }
    Ok(out)
}

/// Two documents of the actions whose operation differs between `older` and `newer`, one
/// operation per (scope, key) at the same path in both, named as the newer operation, whose
/// body is the action's options either way.
fn actions(older: &Version, newer: &Version) -> anyhow::Result<(Value, Value, Through)> {
    let (before, after) = (action_ops(older)?, action_ops(newer)?);
    let mut older_paths = Map::new();
    let mut newer_paths = Map::new();
    let mut through = Through::new();
    for a in &after {
        let Some(b) = before.iter().find(|b| b.scope == a.scope && b.key == a.key) else {
            continue;
        };
        if b.id == a.id {
            continue;
        }
        let path = format!("/{:?}/{}", a.scope, a.key);
        older_paths.insert(path.clone(), item(older, b, a));
        newer_paths.insert(path, item(newer, a, a));
        through.insert(a.id.to_string(), (b.id.to_string(), a.key.clone()));
    }
    let document = |version: &Version, paths: Map<String, Value>| {
        let mut doc = version.doc.clone();
        doc["paths"] = Value::Object(paths);
        doc
    };
    Ok((
        document(older, older_paths),
        document(newer, newer_paths),
        through,
    ))
}

/// The path item of `action` in `version`'s document, as the operation `named` (its id and
/// tags), with the body unwrapped to the options.
fn item(version: &Version, action: &Action, named: &Action) -> Value {
    let mut node = action.op.node.clone();
    node["operationId"] = json!(named.id);
    if let Some(tags) = named.op.node.get("tags") {
        node["tags"] = tags.clone();
    }
    if let Some(object) = node.as_object_mut() {
        object.remove(ACTION_EXTENSION);
    }
    if action.wrapped {
        let body = action
            .op
            .node
            .get("requestBody")
            .map(|b| crate::spec::resolve_in(&version.doc, b).unwrap_or(b));
        let mut unwrapped = body.cloned().unwrap_or_else(|| json!({}));
        if let Some(content) = unwrapped.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                if let Some(schema) = media.get("schema") {
                    let options = options(&version.doc, schema, &action.key);
                    *media = json!({ "schema": options });
                }
            }
        }
        node["requestBody"] = unwrapped;
    }
    let mut item = json!({ "post": node });
    if let Some(parameters) = action.op.item.get("parameters") {
        item["parameters"] = parameters.clone();
    }
    item
}

/// The schema of `key` in the wrapped body `schema`: the property `key` of the `oneOf`
/// variant that has it.
fn options(doc: &Value, schema: &Value, key: &str) -> Value {
    let resolve = |node: &Value| crate::spec::resolve_in(doc, node).unwrap_or(node).clone();
    let schema = resolve(schema);
    let variants = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .map(resolve);
    for variant in variants.chain(std::iter::once(schema.clone())) {
        if let Some(options) = variant.pointer(&format!("/properties/{}", crate::spec::escape(key)))
        {
            return options.clone();
        }
    }
    json!({})
}
