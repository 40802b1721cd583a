//! The operations of a document, with their parameters merged as OpenAPI says: the path
//! item's, overridden by the operation's own of the same name and location.

use serde_json::Value;

use crate::{Spec, pointer, resolve_in};

/// HTTP methods an OpenAPI path item can hold, in the specification's order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// The path template, e.g. `/v4/RestoreSessions/{restoreSessionId}`.
    pub path: &'a str,
    /// The method, lower case as in the document.
    pub method: &'static str,
    /// `operationId`, if the operation has one.
    pub id: Option<&'a str>,
    /// Pointer of the operation object: `/paths/<escaped path>/<method>`.
    pub pointer: String,
    /// The operation object.
    pub node: &'a Value,
    /// The path item that holds it.
    pub item: &'a Value,
    /// Its parameters, path-level ones included, each resolved.
    pub parameters: Vec<Parameter<'a>>,
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter<'a> {
    /// `name`.
    pub name: &'a str,
    /// `in`: `path`, `query`, `header` or `cookie`.
    pub location: &'a str,
    /// Pointer of the parameter where it is declared (path item or operation).
    pub pointer: String,
    /// The parameter object, its `$ref` followed.
    pub node: &'a Value,
}

impl Parameter<'_> {
    /// `required`, false when absent.
    pub fn required(&self) -> bool {
        self.node.get("required").and_then(Value::as_bool) == Some(true)
    }

    /// `schema`, if any.
    pub fn schema(&self) -> Option<&Value> {
        self.node.get("schema")
    }
}

impl<'a> Operation<'a> {
    /// `requestBody`, its `$ref` followed.
    pub fn request_body(&self, spec: &'a Spec) -> Option<&'a Value> {
        self.node.get("requestBody").map(|b| spec.resolve(b))
    }

    /// `responses` as (status, response with its `$ref` followed), in document order.
    pub fn responses(&self, spec: &'a Spec) -> Vec<(&'a str, &'a Value)> {
        self.node
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, response)| (status.as_str(), spec.resolve(response)))
            .collect()
    }
}

impl Spec {
    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<Operation<'_>> {
        operations(self.document())
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<Operation<'_>> {
        self.operations().into_iter().find(|op| op.id == Some(id))
    }
}

/// Every operation of a bare document, in document order ([`Spec::operations`]).
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = resolve_in(doc, item).unwrap_or(item);
        let item_pointer = pointer::push("/paths", path);
        let shared = parameters(doc, item, &item_pointer);
        for method in METHODS {
            let Some(node) = item.get(method) else {
                continue;
            };
            let op_pointer = format!("{item_pointer}/{method}");
            let own = parameters(doc, node, &op_pointer);
            let mut parameters: Vec<Parameter<'_>> = shared
                .iter()
                .filter(|p| {
                    !own.iter()
                        .any(|o| o.name == p.name && o.location == p.location)
                })
                .cloned()
                .collect();
            parameters.extend(own);
            out.push(Operation {
                path,
                method,
                id: node.get("operationId").and_then(Value::as_str),
                pointer: op_pointer,
                node,
                item,
                parameters,
            });
        }
    }
    out
}

fn parameters<'a>(doc: &'a Value, holder: &'a Value, at: &str) -> Vec<Parameter<'a>> {
    holder
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, p)| {
            let node = resolve_in(doc, p).unwrap_or(p);
            Parameter {
                name: node.get("name").and_then(Value::as_str).unwrap_or(""),
                location: node.get("in").and_then(Value::as_str).unwrap_or(""),
                pointer: format!("{at}/parameters/{index}"),
                node,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_parameters_override_the_path_items_of_the_same_name_and_place() {
        let spec = Spec::parse(
            "paths:\n  /a/{id}:\n    parameters:\n      - {name: id, in: path, required: true}\n      \
             - {$ref: '#/components/parameters/limit'}\n    get:\n      operationId: getA\n      \
             parameters:\n        - {name: limit, in: query, description: own}\n        \
             - {name: id, in: query}\n    post: {operationId: postA}\n\
             components:\n  parameters:\n    limit: {name: limit, in: query}\n",
        )
        .unwrap();
        let ops = spec.operations();
        assert_eq!(ops.len(), 2);
        let get = spec.operation("getA").unwrap();
        assert_eq!(get.pointer, "/paths/~1a~1{id}/get");
        let names: Vec<_> = get
            .parameters
            .iter()
            .map(|p| (p.name, p.location))
            .collect();
        assert_eq!(names, [("id", "path"), ("limit", "query"), ("id", "query")]);
        assert_eq!(get.parameters[1].node["description"], "own");
        assert!(get.parameters[0].required());
        let post = spec.operation("postA").unwrap();
        assert_eq!(post.parameters.len(), 2);
        assert_eq!(post.parameters[1].pointer, "/paths/~1a~1{id}/parameters/1");
    }
}
