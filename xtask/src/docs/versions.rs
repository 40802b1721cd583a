//! `docs/api/versions.md`: what differs between the versions, derived from the specs alone:
//! which versions serve each operation (by operationId) and at which method and path
//! (`routes`), which operation performs each action (`x-vbo-action`) and whether its body
//! wraps the options in the action's key, the query parameters of each operation per version,
//! and the request and response differences of each operation between consecutive versions,
//! as `cargo xtask drift` classifies them (`changes`). Each spec's `info.description` says in
//! words how it differs from the one before; this page lists what the specs say in their
//! structure, so that it cannot disagree with them.

mod changes;
mod routes;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use serde_json::Value;

/// One version's spec.
pub struct Version {
    /// `4` of `openapi/vbo-v4.yaml`.
    pub number: u32,
    /// `vbo-v4.yaml`.
    pub spec_file: String,
    /// Where its pages are, relative to `docs/api`: `` or `v6/`.
    pub dir: String,
    pub doc: Value,
}

impl Version {
    fn label(&self) -> String {
        format!("v{}", self.number)
    }

    /// The link from `versions.md` to the page of operation `id`.
    fn page(&self, id: &str) -> String {
        format!("{}{id}.md", self.dir)
    }

    fn operations(&self) -> Vec<crate::spec::Operation<'_>> {
        crate::spec::operations(&self.doc)
            .into_iter()
            .filter(|op| op.id.is_some())
            .collect()
    }
}

/// One operationId: its group (its first tag in the newest version that serves it) and its
/// operation in each version (in the order of `versions`), if served.
struct Op<'a> {
    id: &'a str,
    group: String,
    per: Vec<Option<crate::spec::Operation<'a>>>,
}

/// The page.
pub fn page(versions: &[Version]) -> anyhow::Result<String> {
    let ops = operations(versions);
    let groups = groups(versions, &ops);
    let mut out = String::new();
    let files: Vec<String> = versions
        .iter()
        .map(|v| format!("openapi/{}", v.spec_file))
        .collect();
    let _ = writeln!(
        out,
        "<!-- Generated from {} by `cargo xtask docs`. Do not edit: edit the specs. -->\n",
        files.join(", ")
    );
    let _ = writeln!(out, "# What differs between the API versions\n");
    let _ = writeln!(
        out,
        "Generated from the specs alone by `cargo xtask docs`: each spec's `info.description` \
         says in words how its version differs from the one before; this page lists what the \
         specs themselves say. An operation keeps its operationId across versions where it \
         means the same thing.\n"
    );
    let _ = writeln!(
        out,
        "| Version | Spec | Document version | Operations | Reference |\n|---|---|---|---|---|"
    );
    for version in versions {
        let _ = writeln!(
            out,
            "| {} | `openapi/{}` | {} | {} | [{}README.md]({}README.md) |",
            version.label(),
            version.spec_file,
            version
                .doc
                .pointer("/info/version")
                .and_then(Value::as_str)
                .unwrap_or("(none)"),
            version.operations().len(),
            version.dir,
            version.dir,
        );
    }
    let _ = writeln!(
        out,
        "\n- [Operations by version](#operations-by-version)\n- [Actions](#actions)\n\
         - [Query parameters](#query-parameters)\n\
         - [Changes between consecutive versions](#changes-between-consecutive-versions)\n"
    );
    routes::operations(&mut out, versions, &ops, &groups);
    routes::actions(&mut out, versions)?;
    routes::queries(&mut out, versions, &ops, &groups);
    changes::write(&mut out, versions, &ops, &groups)?;
    Ok(out)
}

/// Every operationId, in the order the versions introduce them.
fn operations(versions: &[Version]) -> Vec<Op<'_>> {
    let mut ops: Vec<Op<'_>> = Vec::new();
    for (index, version) in versions.iter().enumerate() {
        for operation in version.operations() {
            let id = operation.id.unwrap_or_default();
            let group = operation
                .node
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_string();
            let op = match ops.iter_mut().position(|op| op.id == id) {
                Some(at) => &mut ops[at],
                None => {
                    ops.push(Op {
                        id,
                        group: group.clone(),
                        per: vec![None; versions.len()],
                    });
                    ops.last_mut().expect("just pushed")
                }
            };
            op.group = group;
            op.per[index] = Some(operation);
        }
    }
    ops
}

/// The groups (tags) in the order the specs declare them, oldest spec first, then any tag
/// an operation uses that no spec declares.
fn groups(versions: &[Version], ops: &[Op]) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    let declared = versions
        .iter()
        .flat_map(|v| {
            v.doc
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|tag| tag.get("name").and_then(Value::as_str).map(String::from));
    for group in declared.chain(ops.iter().map(|op| op.group.clone())) {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups.retain(|group| ops.iter().any(|op| op.group == *group));
    groups
}

/// Text for a table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `GET /v4/Organizations`.
fn request(op: &crate::spec::Operation) -> String {
    format!("{} {}", op.method.to_uppercase(), op.path)
}
