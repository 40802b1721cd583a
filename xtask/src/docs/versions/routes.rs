//! The routes of `versions.md`: each operation's method and path per version, each action's
//! operation per version, and each operation's query parameters per version.

use std::fmt::Write as _;

use anyhow::anyhow;
use serde_json::Value;
use vbo365_codegen::table::{ACTION_EXTENSION, Scope, action_decl};

use super::{Op, Version, cell, request};

fn header(out: &mut String, first: &str, versions: &[Version]) {
    let labels: Vec<String> = versions.iter().map(Version::label).collect();
    let _ = writeln!(
        out,
        "| {first} | {} |\n|---|{}",
        labels.join(" | "),
        "---|".repeat(versions.len())
    );
}

/// Per group, per operation, per version: the request, linked to the version's page.
pub(super) fn operations(out: &mut String, versions: &[Version], ops: &[Op], groups: &[String]) {
    let _ = writeln!(out, "## Operations by version\n");
    let _ = writeln!(
        out,
        "Each operation's request in each version that serves it, linked to its page; — where \
         the version does not serve it.\n"
    );
    for group in groups {
        let _ = writeln!(out, "### {group}\n");
        header(out, "Operation", versions);
        for op in ops.iter().filter(|op| op.group == *group) {
            let cells: Vec<String> = versions
                .iter()
                .zip(&op.per)
                .map(|(version, served)| match served {
                    Some(operation) => {
                        format!("[`{}`]({})", request(operation), version.page(op.id))
                    }
                    None => "—".into(),
                })
                .collect();
            let _ = writeln!(out, "| `{}` | {} |", op.id, cells.join(" | "));
        }
        out.push('\n');
    }
}

/// One action operation of one version.
struct Route<'a> {
    version: &'a Version,
    op: crate::spec::Operation<'a>,
    scope: Scope,
    key: String,
    wrapped: bool,
}

/// Every (version, action operation, key), from `x-vbo-action`.
fn routes(versions: &[Version]) -> anyhow::Result<Vec<Route<'_>>> {
    let mut routes = Vec::new();
    for version in versions {
        for op in version.operations() {
            let id = op.id.unwrap_or_default();
            let decl = action_decl(id, op.path, op.node.get(ACTION_EXTENSION))
                .map_err(|e| anyhow!("{}: {e}", version.spec_file))?;
            let Some(decl) = decl else { continue };
            for key in decl.keys {
                routes.push(Route {
                    version,
                    op: op.clone(),
                    scope: decl.scope,
                    key,
                    wrapped: decl.wrapped,
                });
            }
        }
    }
    Ok(routes)
}

fn scope_heading(scope: Scope) -> &'static str {
    match scope {
        Scope::Item => "On one item",
        Scope::Items => "On several items",
        Scope::Folder => "On a folder",
        Scope::Mailbox => "On a whole mailbox",
    }
}

/// The scopes in the order of the table, and the keys in the order the specs first list them.
fn order(routes: &[Route]) -> (Vec<Scope>, Vec<String>) {
    let mut scopes: Vec<Scope> = routes.iter().map(|r| r.scope).collect();
    scopes.sort();
    scopes.dedup();
    let mut keys: Vec<String> = Vec::new();
    for route in routes {
        if !keys.contains(&route.key) {
            keys.push(route.key.clone());
        }
    }
    (scopes, keys)
}

/// Per scope, per action key, per version: the operation, its request, and its body.
pub(super) fn actions(out: &mut String, versions: &[Version]) -> anyhow::Result<()> {
    let routes = routes(versions)?;
    let _ = writeln!(out, "## Actions\n");
    let _ = writeln!(
        out,
        "The actions are the keys of `{ACTION_EXTENSION}`. An operation whose \
         `{ACTION_EXTENSION}` lists keys performs any of them, and its body is \
         `{{\"<key>\": <options>}}` (**wrapped**); one whose `{ACTION_EXTENSION}` is one key \
         performs that action, and its body is the options themselves (**bare**). What an \
         action acts on follows from the path.\n"
    );
    let (scopes, keys) = order(&routes);
    for scope in scopes {
        let _ = writeln!(out, "### {}\n", scope_heading(scope));
        let _ = writeln!(
            out,
            "| Action | Version | Operation | Request | Body |\n|---|---|---|---|---|"
        );
        for key in &keys {
            for route in routes.iter().filter(|r| r.scope == scope && r.key == *key) {
                let id = route.op.id.unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| `{key}` | {} | [`{id}`]({}) | `{}` | {} |",
                    route.version.label(),
                    route.version.page(id),
                    request(&route.op),
                    if route.wrapped {
                        format!("wrapped in `{key}`")
                    } else {
                        "bare".to_string()
                    }
                );
            }
        }
        out.push('\n');
    }
    Ok(())
}

/// `folderId` (string, required): the name, with the type and whether it is required.
fn parameter(p: &crate::spec::Parameter) -> String {
    let mut notes: Vec<String> = Vec::new();
    if let Some(typ) = p
        .schema()
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
    {
        notes.push(cell(typ));
    }
    if p.required() {
        notes.push("required".into());
    }
    if notes.is_empty() {
        format!("`{}`", p.name)
    } else {
        format!("`{}` ({})", p.name, notes.join(", "))
    }
}

/// Per group, the query parameters of each operation that has any, per version.
pub(super) fn queries(out: &mut String, versions: &[Version], ops: &[Op], groups: &[String]) {
    let _ = writeln!(out, "## Query parameters\n");
    let _ = writeln!(
        out,
        "The query parameters of every operation that has any in some version; **bold** where \
         the version's list differs from the previous version's; — where the version does not \
         serve the operation.\n"
    );
    for group in groups {
        let rows: Vec<&Op> = ops
            .iter()
            .filter(|op| op.group == *group)
            .filter(|op| {
                op.per
                    .iter()
                    .flatten()
                    .any(|o| o.parameters.iter().any(|p| p.location == "query"))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {group}\n");
        header(out, "Operation", versions);
        for op in rows {
            let mut previous: Option<String> = None;
            let cells: Vec<String> = op
                .per
                .iter()
                .map(|served| {
                    let Some(operation) = served else {
                        return "—".to_string();
                    };
                    let list: Vec<String> = operation
                        .parameters
                        .iter()
                        .filter(|p| p.location == "query")
                        .map(parameter)
                        .collect();
                    let list = if list.is_empty() {
                        "(none)".to_string()
                    } else {
                        list.join(", ")
                    };
                    let changed = previous.as_ref().is_some_and(|p| *p != list);
                    previous = Some(list.clone());
                    if changed { format!("**{list}**") } else { list }
                })
                .collect();
            let _ = writeln!(out, "| `{}` | {} |", op.id, cells.join(" | "));
        }
        out.push('\n');
    }
}
