//! Operations: listing them, matching them across the two documents (by path and method,
//! or by operationId when one moved), and comparing each pair.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::{Rule, Side, Walk};

/// One operation of a document.
pub(super) struct Operation<'a> {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) id: Option<String>,
    pub(super) pointer: String,
    pub(super) node: &'a Value,
    /// Path-item parameters, which the operation inherits.
    pub(super) item_parameters: Option<&'a Value>,
}

impl Operation<'_> {
    pub(super) fn name(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    crate::spec::operations(doc)
        .into_iter()
        .filter(|op| op.node.is_object())
        .map(|op| Operation {
            method: op.method,
            path: op.path.to_string(),
            id: op.id.map(String::from),
            pointer: format!("#{}", op.pointer),
            node: op.node,
            item_parameters: op.item.get("parameters"),
        })
        .collect()
}

/// A path with parameter names blanked, for matching (`/a/{id}` and `/a/{x}` are one path).
fn path_key(path: &str, lowercase: bool) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ if lowercase => out.extend(c.to_lowercase()),
            _ => out.push(c),
        }
    }
    out.trim_end_matches('/').to_string()
}

impl<'a> Walk<'a> {
    fn ours_key(&self, op: &Operation) -> String {
        let mut path = op.path.clone();
        for (ours, theirs) in &self.matching.prefixes {
            let from = format!("/{}", ours.trim_matches('/'));
            let to = if theirs.trim_matches('/').is_empty() {
                String::new()
            } else {
                format!("/{}", theirs.trim_matches('/'))
            };
            if path
                .to_lowercase()
                .starts_with(&format!("{}/", from.to_lowercase()))
            {
                path = format!("{to}{}", &path[from.len()..]);
                break;
            }
        }
        format!("{} {}", op.method, path_key(&path, self.matching.upstream))
    }

    fn theirs_key(&self, op: &Operation) -> String {
        format!(
            "{} {}",
            op.method,
            path_key(&op.path, self.matching.upstream)
        )
    }

    pub(super) fn operations(&mut self) {
        let base_ops = operations(self.base.root);
        let current_ops = operations(self.current.root);
        let by_key: BTreeMap<String, &Operation> = current_ops
            .iter()
            .map(|o| (self.theirs_key(o), o))
            .collect();
        let by_id: BTreeMap<&str, &Operation> = current_ops
            .iter()
            .filter_map(|o| o.id.as_deref().map(|id| (id, o)))
            .collect();
        let mut matched: HashSet<String> = HashSet::new();
        for base_op in &base_ops {
            let name = base_op.name();
            self.op = name.clone();
            self.seen.clear();
            let current_op = by_key.get(&self.ours_key(base_op)).copied();
            let current_op = match current_op {
                Some(op) => op,
                None => {
                    let moved = (!self.matching.upstream)
                        .then(|| base_op.id.as_deref().and_then(|id| by_id.get(id)))
                        .flatten()
                        .copied();
                    match moved {
                        Some(op) => {
                            self.out.push(
                                Rule::OperationMoved,
                                None,
                                &name,
                                name.clone(),
                                (Side::Current, &op.pointer),
                                format!(
                                    "`{name}` moved from {} {} to {} {}",
                                    base_op.method.to_uppercase(),
                                    base_op.path,
                                    op.method.to_uppercase(),
                                    op.path
                                ),
                            );
                            op
                        }
                        None => {
                            let message = if self.matching.upstream {
                                format!(
                                    "{} {} is not published by the server",
                                    base_op.method.to_uppercase(),
                                    base_op.path
                                )
                            } else {
                                format!(
                                    "{} {} was removed",
                                    base_op.method.to_uppercase(),
                                    base_op.path
                                )
                            };
                            self.out.push(
                                Rule::OperationRemoved,
                                None,
                                &name,
                                name.clone(),
                                (Side::Base, &base_op.pointer),
                                message,
                            );
                            continue;
                        }
                    }
                }
            };
            matched.insert(current_op.pointer.clone());
            if !self.matching.upstream
                && base_op.id != current_op.id
                && base_op.path == current_op.path
            {
                self.out.push(
                    Rule::OperationIdRenamed,
                    None,
                    &name,
                    name.clone(),
                    (
                        Side::Current,
                        &format!("{}/operationId", current_op.pointer),
                    ),
                    format!(
                        "operationId `{}` is now `{}`",
                        base_op.id.as_deref().unwrap_or("(none)"),
                        current_op.id.as_deref().unwrap_or("(none)")
                    ),
                );
            }
            self.operation(base_op, current_op);
        }
        for op in current_ops.iter().filter(|o| !matched.contains(&o.pointer)) {
            let name = op.name();
            let message = if self.matching.upstream {
                format!(
                    "{} {} is published by the server, not in our spec",
                    op.method.to_uppercase(),
                    op.path
                )
            } else {
                format!("{} {} was added", op.method.to_uppercase(), op.path)
            };
            self.out.push(
                Rule::OperationAdded,
                None,
                &name,
                name.clone(),
                (Side::Current, &op.pointer),
                message,
            );
        }
    }

    fn operation(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        self.parameters(base, current);
        self.request_body(base, current);
        self.responses(base, current);
        self.security(base, current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_by_shape_and_optionally_by_case() {
        assert_eq!(path_key("/v4/A/{id}/B", false), "/v4/A/{}/B");
        assert_eq!(path_key("/v4/A/{id}/B/", true), "/v4/a/{}/b");
    }
}
