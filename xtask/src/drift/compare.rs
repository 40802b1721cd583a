//! The classifier: walks the operations of two OpenAPI 3.0 documents side by side and names
//! each difference, breaking or not for code that uses the client generated from the base.
//!
//! "Breaking" means: code written against the client generated from the base stops compiling
//! when regenerated from the current spec, or a client built from the base fails against a
//! server that behaves as the current spec says. The documents are read as plain JSON so that
//! a vendor document with oddities still compares, rather than failing a typed parse.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::spec::METHODS;
use crate::spec::pointer::escape;

/// Every rule: its id, whether it is breaking, and why.
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "operation-removed",
        Severity::Breaking,
        "an operation is gone: its generated method disappears",
    ),
    (
        "operation-id-renamed",
        Severity::Breaking,
        "an operation's operationId changed: its generated method is renamed",
    ),
    (
        "operation-moved",
        Severity::Breaking,
        "an operationId now names another method or path: built clients call the old one",
    ),
    (
        "operation-added",
        Severity::Compatible,
        "a new operation: a new generated method",
    ),
    (
        "parameter-removed",
        Severity::Breaking,
        "a parameter is gone: its builder method disappears",
    ),
    (
        "parameter-required-added",
        Severity::Breaking,
        "a new required parameter: existing calls fail until they set it",
    ),
    (
        "parameter-added",
        Severity::Compatible,
        "a new optional parameter",
    ),
    (
        "property-removed",
        Severity::Breaking,
        "a property is gone: its generated field disappears",
    ),
    (
        "property-required-added",
        Severity::Breaking,
        "a new required request property: existing requests lack it",
    ),
    (
        "property-added",
        Severity::Compatible,
        "a new optional request property, or a new response property",
    ),
    (
        "property-name-case-changed",
        Severity::Breaking,
        "a property is spelled with other capitals: generated serde names are case-sensitive",
    ),
    (
        "type-changed",
        Severity::Breaking,
        "a type changed (or an enum appeared or vanished): the generated Rust type changes",
    ),
    (
        "format-changed",
        Severity::Breaking,
        "a format changed: it picks the Rust type (uuid, date-time, int64...)",
    ),
    (
        "required-changed",
        Severity::Breaking,
        "a property or parameter changed between required and optional: `T` versus `Option<T>`",
    ),
    (
        "nullable-changed",
        Severity::Breaking,
        "a required property became nullable or not: `T` versus `Option<T>` (compatible when \
         the property is optional: it is an `Option` either way)",
    ),
    (
        "request-enum-value-removed",
        Severity::Breaking,
        "an enum value is gone from a request: requests that send it are refused",
    ),
    (
        "request-enum-value-added",
        Severity::Compatible,
        "a new enum value in a request",
    ),
    (
        "response-enum-value-added",
        Severity::Breaking,
        "a new enum value in a response: the closed generated enum fails to deserialize it",
    ),
    (
        "response-enum-value-removed",
        Severity::Breaking,
        "an enum value is gone from a response: its generated variant disappears",
    ),
    (
        "request-variant-removed",
        Severity::Breaking,
        "a oneOf/anyOf branch is gone from a request: its generated variant disappears",
    ),
    (
        "request-variant-added",
        Severity::Compatible,
        "a new oneOf/anyOf branch in a request",
    ),
    (
        "response-variant-added",
        Severity::Breaking,
        "a new oneOf/anyOf branch in a response: the generated enum fails to deserialize it",
    ),
    (
        "response-variant-removed",
        Severity::Breaking,
        "a oneOf/anyOf branch is gone from a response: its generated variant disappears",
    ),
    (
        "request-constraint-tightened",
        Severity::Breaking,
        "a request constraint narrowed (minimum, maximum, length, pattern): valid requests fail",
    ),
    (
        "constraint-changed",
        Severity::Compatible,
        "a constraint widened, or changed on a response",
    ),
    (
        "request-media-type-removed",
        Severity::Breaking,
        "a request media type is gone: the generated body encoding is refused",
    ),
    (
        "request-media-type-added",
        Severity::Compatible,
        "a new request media type",
    ),
    (
        "response-media-type-removed",
        Severity::Breaking,
        "a response media type is gone: clients that ask for it get something else",
    ),
    (
        "response-media-type-added",
        Severity::Compatible,
        "a new response media type",
    ),
    (
        "success-status-changed",
        Severity::Breaking,
        "the success statuses changed: the generated method expects the old ones",
    ),
    (
        "error-status-added",
        Severity::Compatible,
        "a new error status: clients already handle errors they do not know",
    ),
    (
        "error-status-removed",
        Severity::Compatible,
        "an error status is gone",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Breaking,
    Compatible,
}

/// Which document a pointer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Base,
    Current,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub rule: &'static str,
    pub breaking: bool,
    /// Where it shows, in words: operation, body or parameter, property path.
    pub location: String,
    /// JSON pointer of the changed node, in the current document unless it only exists in
    /// the base.
    pub pointer: String,
    pub side: Side,
    pub message: String,
    /// Every operation the change reaches (a shared component reaches several).
    pub operations: Vec<String>,
}

/// How the two documents are matched.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// Against a server's document: paths match case-insensitively, operationIds are the
    /// vendor's own and are not compared, messages speak of "the server".
    pub upstream: bool,
    /// `(ours, theirs)` version prefixes, such as `("v4", "v6")`.
    pub prefixes: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

/// A document with `$ref` resolution.
struct Doc<'a> {
    root: &'a Value,
}

impl<'a> Doc<'a> {
    /// Follows a `$ref` chain to its end; the pointer is that of the node reached. Cycles and
    /// references outside the document stop the walk at the last node.
    fn resolve(&self, node: &'a Value, pointer: &str) -> (&'a Value, String) {
        let mut node = node;
        let mut pointer = pointer.to_string();
        let mut seen = HashSet::new();
        while let Some(target) = node.get("$ref").and_then(Value::as_str) {
            let Some(next) = target
                .strip_prefix('#')
                .and_then(|p| self.root.pointer(&unescape_uri(p)))
            else {
                break;
            };
            if !seen.insert(target.to_string()) {
                break;
            }
            node = next;
            pointer = target.to_string();
        }
        (node, pointer)
    }
}

/// `$ref`s may percent-encode their pointer (`%7B` for `{`); vendor documents do.
fn unescape_uri(pointer: &str) -> String {
    if !pointer.contains('%') {
        return pointer.to_string();
    }
    let bytes = pointer.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = pointer
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A schema, normalized: `allOf` merged, `type` inferred from `properties`/`items`.
#[derive(Default)]
struct Shape<'a> {
    pointer: String,
    types: BTreeSet<String>,
    format: Option<String>,
    nullable: bool,
    enumeration: Option<Vec<Value>>,
    properties: BTreeMap<String, (&'a Value, String)>,
    required: BTreeSet<String>,
    items: Option<(&'a Value, String)>,
    additional: Option<(&'a Value, String)>,
    variants: Vec<(String, &'a Value, String)>,
    constraints: BTreeMap<&'static str, Value>,
}

const CONSTRAINTS: [&str; 9] = [
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
    fn shape(&self, node: &'a Value, pointer: &str) -> Shape<'a> {
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

/// One operation of a document.
struct Operation<'a> {
    method: &'static str,
    path: String,
    id: Option<String>,
    pointer: String,
    node: &'a Value,
    /// Path-item parameters, which the operation inherits.
    item_parameters: Option<&'a Value>,
}

impl Operation<'_> {
    fn name(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(node) = item.get(method).filter(|n| n.is_object()) {
                out.push(Operation {
                    method,
                    path: path.clone(),
                    id: node
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(String::from),
                    pointer: format!("#/paths/{}/{method}", escape(path)),
                    node,
                    item_parameters: item.get("parameters"),
                });
            }
        }
    }
    out
}

/// Collects the changes, merging repeats of one change reached from several operations.
struct Collector {
    changes: BTreeMap<(&'static str, Side, String, String), Change>,
}

impl Collector {
    fn push(
        &mut self,
        rule: &'static str,
        breaking: Option<bool>,
        op: &str,
        location: String,
        (side, pointer): (Side, &str),
        message: String,
    ) {
        let breaking = breaking.unwrap_or_else(|| {
            RULES
                .iter()
                .find(|(id, _, _)| *id == rule)
                .is_some_and(|(_, severity, _)| *severity == Severity::Breaking)
        });
        let location = location.trim_end_matches([' ', ':']).to_string();
        let key = (rule, side, pointer.to_string(), message.clone());
        let change = self.changes.entry(key).or_insert_with(|| Change {
            rule,
            breaking,
            location,
            pointer: pointer.to_string(),
            side,
            message,
            operations: Vec::new(),
        });
        if !change.operations.iter().any(|o| o == op) {
            change.operations.push(op.to_string());
        }
    }
}

/// Compares two documents; breaking changes first, then by location.
pub fn compare(base: &Value, current: &Value, matching: &Matching) -> Vec<Change> {
    let mut walk = Walk {
        base: Doc { root: base },
        current: Doc { root: current },
        matching,
        out: Collector {
            changes: BTreeMap::new(),
        },
        op: String::new(),
        seen: HashSet::new(),
    };
    walk.operations();
    let mut changes: Vec<Change> = walk.out.changes.into_values().collect();
    changes.sort_by(|a, b| {
        (!a.breaking, &a.operations, &a.location, a.rule).cmp(&(
            !b.breaking,
            &b.operations,
            &b.location,
            b.rule,
        ))
    });
    changes
}

struct Walk<'a> {
    base: Doc<'a>,
    current: Doc<'a>,
    matching: &'a Matching,
    out: Collector,
    /// The operation being compared, for the report.
    op: String,
    /// Schema pairs already compared within this operation and direction.
    seen: HashSet<(String, String, bool)>,
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

    fn operations(&mut self) {
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
                                "operation-moved",
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
                                "operation-removed",
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
                    "operation-id-renamed",
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
                "operation-added",
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
    }

    fn parameter_map(
        &self,
        doc: &Doc<'a>,
        op: &Operation<'a>,
    ) -> BTreeMap<(String, String), (&'a Value, String)> {
        let mut out = BTreeMap::new();
        let item_pointer = op
            .pointer
            .rsplit_once('/')
            .map_or(op.pointer.as_str(), |(item, _)| item);
        // Operation parameters come second: they override the path item's of the same name.
        let lists = [
            (op.item_parameters, item_pointer),
            (op.node.get("parameters"), op.pointer.as_str()),
        ];
        for (list, at) in lists {
            for (index, parameter) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{at}/parameters/{index}");
                let (parameter, at) = doc.resolve(parameter, &at);
                let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
                // Header names are case-insensitive; path parameters match by position in the
                // path, so their key is their order of appearance in the path.
                let name = if location == "header" || self.matching.upstream {
                    name.to_lowercase()
                } else {
                    name.to_string()
                };
                let key = if location == "path" && self.matching.upstream {
                    let position = op
                        .path
                        .split('{')
                        .skip(1)
                        .position(|s| {
                            s.split('}')
                                .next()
                                .unwrap_or("")
                                .eq_ignore_ascii_case(&name)
                        })
                        .map_or(name.clone(), |p| format!("#{p}"));
                    (location.to_string(), position)
                } else {
                    (location.to_string(), name)
                };
                out.insert(key, (parameter, at));
            }
        }
        out
    }

    fn parameters(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let before = self.parameter_map(&self.base, base);
        let after = self.parameter_map(&self.current, current);
        for ((location, key), (parameter, pointer)) in &before {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or(key);
            let place = format!("{op}: {location} parameter `{name}`");
            let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
            match after.get(&(location.clone(), key.clone())) {
                None => self.out.push(
                    "parameter-removed",
                    None,
                    &op,
                    place,
                    (Side::Base, pointer),
                    format!("{location} parameter `{name}` was removed"),
                ),
                Some((now, now_pointer)) => {
                    if required(parameter) != required(now) {
                        self.out.push(
                            "required-changed",
                            None,
                            &op,
                            place.clone(),
                            (Side::Current, now_pointer),
                            format!(
                                "{location} parameter `{name}` became {}",
                                if required(now) {
                                    "required"
                                } else {
                                    "optional"
                                }
                            ),
                        );
                    }
                    if let (Some(b), Some(c)) = (parameter.get("schema"), now.get("schema")) {
                        self.schema(
                            b,
                            c,
                            &format!("{pointer}/schema"),
                            &format!("{now_pointer}/schema"),
                            &place,
                            Dir::Request,
                            required(now),
                        );
                    }
                }
            }
        }
        for ((location, key), (parameter, pointer)) in &after {
            if before.contains_key(&(location.clone(), key.clone())) {
                continue;
            }
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or(key);
            let required = parameter.get("required") == Some(&Value::Bool(true));
            self.out.push(
                if required {
                    "parameter-required-added"
                } else {
                    "parameter-added"
                },
                None,
                &op,
                format!("{op}: {location} parameter `{name}`"),
                (Side::Current, pointer),
                format!(
                    "new {} {location} parameter `{name}`",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }

    fn request_body(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let body = |doc: &Doc<'a>, o: &Operation<'a>| {
            o.node
                .get("requestBody")
                .map(|b| doc.resolve(b, &format!("{}/requestBody", o.pointer)))
        };
        let (before, after) = (body(&self.base, base), body(&self.current, current));
        let required = |b: Option<&(&Value, String)>| {
            b.is_some_and(|(b, _)| b.get("required") == Some(&Value::Bool(true)))
        };
        if required(before.as_ref()) != required(after.as_ref())
            && let Some((_, pointer)) = after.as_ref().or(before.as_ref())
        {
            let now = required(after.as_ref());
            // A body that became optional still takes what clients send.
            self.out.push(
                if now && before.is_none() {
                    "parameter-required-added"
                } else {
                    "required-changed"
                },
                Some(now),
                &op,
                format!("{op}: request body"),
                (
                    if after.is_some() {
                        Side::Current
                    } else {
                        Side::Base
                    },
                    pointer,
                ),
                format!(
                    "the request body became {}",
                    if now { "required" } else { "optional" }
                ),
            );
        }
        let (Some((before, before_pointer)), Some((after, after_pointer))) = (before, after) else {
            return;
        };
        self.content(
            before,
            after,
            &before_pointer,
            &after_pointer,
            &format!("{op}: request body"),
            Dir::Request,
        );
    }

    /// Compares the media types of a body and, where they match, their schemas.
    fn content(
        &mut self,
        before: &'a Value,
        after: &'a Value,
        before_pointer: &str,
        after_pointer: &str,
        place: &str,
        dir: Dir,
    ) {
        let op = self.op.clone();
        let media = |v: &'a Value| v.get("content").and_then(Value::as_object);
        let (b, a) = (media(before), media(after));
        let (removed_rule, added_rule) = match dir {
            Dir::Request => ("request-media-type-removed", "request-media-type-added"),
            Dir::Response => ("response-media-type-removed", "response-media-type-added"),
        };
        // An exact media type first; else a range such as `*/*`, which vendor documents use
        // for everything.
        let find = |map: Option<&'a serde_json::Map<String, Value>>, wanted: &str| {
            let entries = || map.into_iter().flatten();
            entries()
                .find(|(m, _)| {
                    media_matches(m, wanted) && !m.contains('*') && !wanted.contains('*')
                })
                .map(|(m, v)| (m.clone(), v, true))
                .or_else(|| {
                    entries()
                        .find(|(m, _)| media_matches(m, wanted))
                        .map(|(m, v)| (m.clone(), v, false))
                })
        };
        let binary = |doc: &Doc<'a>, schema: &'a Value| {
            let (schema, _) = doc.resolve(schema, "");
            schema.get("format").and_then(Value::as_str) == Some("binary")
        };
        for (media_type, body) in b.into_iter().flatten() {
            match find(a, media_type) {
                None => self.out.push(
                    removed_rule,
                    None,
                    &op,
                    format!("{place} {media_type}"),
                    (
                        Side::Base,
                        &format!("{before_pointer}/content/{}", escape(media_type)),
                    ),
                    format!("media type {media_type} was removed"),
                ),
                Some((now_type, now, exact)) => {
                    if let (Some(bs), Some(cs)) = (body.get("schema"), now.get("schema"))
                        // A range standing for a file says nothing about our JSON beside it.
                        && (exact || binary(&self.base, bs) == binary(&self.current, cs))
                    {
                        self.schema(
                            bs,
                            cs,
                            &format!("{before_pointer}/content/{}/schema", escape(media_type)),
                            &format!("{after_pointer}/content/{}/schema", escape(&now_type)),
                            &format!("{place} {media_type}: "),
                            dir,
                            true,
                        );
                    }
                }
            }
        }
        for media_type in a.into_iter().flat_map(|m| m.keys()) {
            if find(b, media_type).is_none() {
                self.out.push(
                    added_rule,
                    None,
                    &op,
                    format!("{place} {media_type}"),
                    (
                        Side::Current,
                        &format!("{after_pointer}/content/{}", escape(media_type)),
                    ),
                    format!("media type {media_type} was added"),
                );
            }
        }
    }

    fn responses(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let empty = serde_json::Map::new();
        let list = |o: &Operation<'a>| {
            o.node
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (before, after) = (list(base), list(current));
        let success = |map: &serde_json::Map<String, Value>| {
            let codes: BTreeSet<String> =
                map.keys().filter(|s| s.starts_with('2')).cloned().collect();
            if codes.is_empty() && map.contains_key("default") {
                ["default".to_string()].into()
            } else {
                codes
            }
        };
        let (before_success, after_success) = (success(&before), success(&after));
        if before_success != after_success {
            self.out.push(
                "success-status-changed",
                None,
                &op,
                format!("{op}: responses"),
                (Side::Current, &format!("{}/responses", current.pointer)),
                format!(
                    "success statuses {} are now {}",
                    join(&before_success),
                    join(&after_success)
                ),
            );
        }
        // Error statuses (`default` stands for any of them in a vendor document).
        let errors = |map: &serde_json::Map<String, Value>| -> BTreeSet<String> {
            map.keys()
                .filter(|s| !s.starts_with('2') && !s.starts_with('1') && *s != "default")
                .cloned()
                .collect()
        };
        let (before_errors, after_errors) = (errors(&before), errors(&after));
        if !after.contains_key("default") {
            for status in before_errors.difference(&after_errors) {
                self.out.push(
                    "error-status-removed",
                    None,
                    &op,
                    format!("{op}: response {status}"),
                    (
                        Side::Base,
                        &format!("{}/responses/{}", base.pointer, escape(status)),
                    ),
                    format!("error status {status} was removed"),
                );
            }
        }
        if !before.contains_key("default") {
            for status in after_errors.difference(&before_errors) {
                self.out.push(
                    "error-status-added",
                    None,
                    &op,
                    format!("{op}: response {status}"),
                    (
                        Side::Current,
                        &format!("{}/responses/{}", current.pointer, escape(status)),
                    ),
                    format!("error status {status} was added"),
                );
            }
        }
        // Pairs to compare: the statuses in both, and the one success response on each side
        // when a single success status changed.
        let mut pairs: Vec<(String, String)> = before
            .keys()
            .filter(|s| after.contains_key(*s))
            .map(|s| (s.clone(), s.clone()))
            .collect();
        if before_success.len() == 1 && after_success.len() == 1 && before_success != after_success
        {
            let (b, a) = (
                before_success.iter().next().cloned().unwrap_or_default(),
                after_success.iter().next().cloned().unwrap_or_default(),
            );
            pairs.push((b, a));
        }
        for (b_status, a_status) in pairs {
            let (Some(b), Some(a)) = (
                response_of(base, &b_status),
                response_of(current, &a_status),
            ) else {
                continue;
            };
            let (b, b_pointer) = self.base.resolve(b.0, &b.1);
            let (a, a_pointer) = self.current.resolve(a.0, &a.1);
            self.content(
                b,
                a,
                &b_pointer,
                &a_pointer,
                &format!("{op}: response {a_status}"),
                Dir::Response,
            );
        }
    }

    /// Compares two schemas at one location. `required` says whether the value must be
    /// present (a required property, a body), which decides `T` versus `Option<T>`.
    #[allow(clippy::too_many_arguments)]
    fn schema(
        &mut self,
        before: &'a Value,
        after: &'a Value,
        before_pointer: &str,
        after_pointer: &str,
        place: &str,
        dir: Dir,
        required: bool,
    ) {
        let b = self.base.shape(before, before_pointer);
        let a = self.current.shape(after, after_pointer);
        if !self
            .seen
            .insert((b.pointer.clone(), a.pointer.clone(), dir == Dir::Request))
        {
            return;
        }
        let op = self.op.clone();
        let at = (Side::Current, a.pointer.as_str());
        if !b.types.is_empty() && !a.types.is_empty() && b.types != a.types {
            self.out.push(
                "type-changed",
                None,
                &op,
                place.to_string(),
                at,
                format!("type {} is now {}", join(&b.types), join(&a.types)),
            );
            return;
        }
        if b.variants.is_empty() != a.variants.is_empty() {
            let kind = |s: &Shape| {
                if s.variants.is_empty() {
                    "a single schema"
                } else {
                    "a oneOf/anyOf"
                }
            };
            self.out.push(
                "type-changed",
                None,
                &op,
                place.to_string(),
                at,
                format!("{} is now {}", kind(&b), kind(&a)),
            );
            return;
        }
        if b.format != a.format {
            self.out.push(
                "format-changed",
                None,
                &op,
                place.to_string(),
                at,
                format!(
                    "format {} is now {}",
                    b.format.as_deref().unwrap_or("(none)"),
                    a.format.as_deref().unwrap_or("(none)")
                ),
            );
        }
        if b.nullable != a.nullable {
            self.out.push(
                "nullable-changed",
                Some(required),
                &op,
                place.to_string(),
                at,
                format!(
                    "{} nullable{}",
                    if a.nullable { "became" } else { "is no longer" },
                    if required {
                        " (required, so its Rust type changes)"
                    } else {
                        " (optional: an Option either way)"
                    }
                ),
            );
        }
        self.enumeration(&b, &a, place, dir);
        self.constraints(&b, &a, place, dir);
        self.properties(&b, &a, place, dir);
        if let (Some((bi, bp)), Some((ai, ap))) = (&b.items, &a.items) {
            self.schema(bi, ai, bp, ap, &format!("{place}[]"), dir, true);
        }
        if let (Some((bi, bp)), Some((ai, ap))) = (&b.additional, &a.additional) {
            self.schema(bi, ai, bp, ap, &format!("{place}{{*}}"), dir, true);
        }
        self.variants(&b, &a, place, dir);
    }

    fn enumeration(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let at = (Side::Current, a.pointer.as_str());
        match (&b.enumeration, &a.enumeration) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => self.out.push(
                "type-changed",
                None,
                &op,
                place.to_string(),
                at,
                format!(
                    "{} (a generated enum {} a plain value)",
                    if a.enumeration.is_some() {
                        "an enum was added"
                    } else {
                        "the enum was removed"
                    },
                    if a.enumeration.is_some() {
                        "replaces"
                    } else {
                        "becomes"
                    }
                ),
            ),
            (Some(before), Some(after)) => {
                let removed: Vec<&Value> = before.iter().filter(|v| !after.contains(v)).collect();
                let added: Vec<&Value> = after.iter().filter(|v| !before.contains(v)).collect();
                let (removed_rule, added_rule) = match dir {
                    Dir::Request => ("request-enum-value-removed", "request-enum-value-added"),
                    Dir::Response => ("response-enum-value-removed", "response-enum-value-added"),
                };
                for value in removed {
                    self.out.push(
                        removed_rule,
                        None,
                        &op,
                        place.to_string(),
                        at,
                        format!("enum value {value} was removed"),
                    );
                }
                for value in added {
                    self.out.push(
                        added_rule,
                        None,
                        &op,
                        place.to_string(),
                        at,
                        format!("enum value {value} was added"),
                    );
                }
            }
        }
    }

    fn constraints(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        for key in CONSTRAINTS {
            let (before, after) = (b.constraints.get(key), a.constraints.get(key));
            if before == after {
                continue;
            }
            let number = |v: Option<&Value>| v.and_then(Value::as_f64);
            let tighter = match key {
                "minimum" | "minLength" | "minItems" | "exclusiveMinimum" => {
                    match (number(before), number(after)) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(x), Some(y)) => y > x,
                    }
                }
                "maximum" | "maxLength" | "maxItems" | "exclusiveMaximum" => {
                    match (number(before), number(after)) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(x), Some(y)) => y < x,
                    }
                }
                _ => after.is_some(),
            };
            let shown = |v: Option<&Value>| v.map_or("(none)".to_string(), Value::to_string);
            self.out.push(
                if tighter && dir == Dir::Request {
                    "request-constraint-tightened"
                } else {
                    "constraint-changed"
                },
                None,
                &op,
                place.to_string(),
                (Side::Current, &a.pointer),
                format!("{key} {} is now {}", shown(before), shown(after)),
            );
        }
    }

    fn properties(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let sub = |name: &str| {
            if place.ends_with(' ') || place.is_empty() {
                format!("{place}{name}")
            } else {
                format!("{place}.{name}")
            }
        };
        let mut unmatched_after: BTreeSet<&String> = a
            .properties
            .keys()
            .filter(|k| !b.properties.contains_key(*k))
            .collect();
        for (name, (before, before_pointer)) in &b.properties {
            let found = match a.properties.get_key_value(name) {
                Some(found) => Some(found),
                None => {
                    let other = unmatched_after
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(name))
                        .copied();
                    if let Some(other) = other {
                        unmatched_after.remove(other);
                        let (_, pointer) = &a.properties[other];
                        self.out.push(
                            "property-name-case-changed",
                            None,
                            &op,
                            sub(name),
                            (Side::Current, pointer),
                            format!("property `{name}` is spelled `{other}`"),
                        );
                    }
                    other.and_then(|o| a.properties.get_key_value(o))
                }
            };
            let Some((after_name, (after, after_pointer))) = found else {
                let message = if self.matching.upstream {
                    format!("property `{name}` is not in the server's document")
                } else {
                    format!("property `{name}` was removed")
                };
                self.out.push(
                    "property-removed",
                    None,
                    &op,
                    sub(name),
                    (Side::Base, before_pointer),
                    message,
                );
                continue;
            };
            let (was, is) = (b.required.contains(name), a.required.contains(after_name));
            if was != is {
                self.out.push(
                    "required-changed",
                    None,
                    &op,
                    sub(name),
                    (Side::Current, after_pointer),
                    format!(
                        "property `{name}` became {}",
                        if is { "required" } else { "optional" }
                    ),
                );
            }
            self.schema(
                before,
                after,
                before_pointer,
                after_pointer,
                &sub(name),
                dir,
                is,
            );
        }
        for name in unmatched_after {
            let (_, pointer) = &a.properties[name];
            let required = a.required.contains(name);
            let rule = if required && dir == Dir::Request {
                "property-required-added"
            } else {
                "property-added"
            };
            self.out.push(
                rule,
                None,
                &op,
                sub(name),
                (Side::Current, pointer),
                format!(
                    "new {} property `{name}`",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }

    fn variants(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let (removed_rule, added_rule) = match dir {
            Dir::Request => ("request-variant-removed", "request-variant-added"),
            Dir::Response => ("response-variant-removed", "response-variant-added"),
        };
        for (key, before, before_pointer) in &b.variants {
            match a.variants.iter().find(|(k, _, _)| k == key) {
                None => self.out.push(
                    removed_rule,
                    None,
                    &op,
                    format!("{place}<{key}>"),
                    (Side::Base, before_pointer),
                    format!("variant `{key}` was removed"),
                ),
                Some((_, after, after_pointer)) => self.schema(
                    before,
                    after,
                    before_pointer,
                    after_pointer,
                    &format!("{place}<{key}>"),
                    dir,
                    true,
                ),
            }
        }
        for (key, _, pointer) in &a.variants {
            if !b.variants.iter().any(|(k, _, _)| k == key) {
                self.out.push(
                    added_rule,
                    None,
                    &op,
                    format!("{place}<{key}>"),
                    (Side::Current, pointer),
                    format!("variant `{key}` was added"),
                );
            }
        }
    }
}

fn response_of<'a>(op: &Operation<'a>, status: &str) -> Option<(&'a Value, String)> {
    op.node
        .get("responses")?
        .get(status)
        .map(|r| (r, format!("{}/responses/{}", op.pointer, escape(status))))
}

/// `*/*` and `type/*` match any media type of their range; parameters are ignored.
fn media_matches(a: &str, b: &str) -> bool {
    let plain = |m: &str| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let (a, b) = (plain(a), plain(b));
    if a == b || a == "*/*" || b == "*/*" {
        return true;
    }
    let range = |m: &str| m.strip_suffix("/*").map(str::to_string);
    range(&a).is_some_and(|r| b.starts_with(&format!("{r}/")))
        || range(&b).is_some_and(|r| a.starts_with(&format!("{r}/")))
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
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

    #[test]
    fn wildcard_media_types_match() {
        assert!(media_matches("application/json", "*/*"));
        assert!(media_matches(
            "application/json; charset=utf-8",
            "application/json"
        ));
        assert!(media_matches("application/*", "application/octet-stream"));
        assert!(!media_matches("application/json", "text/plain"));
    }

    #[test]
    fn percent_encoded_refs_resolve() {
        assert_eq!(unescape_uri("/paths/~1a~1%7Bid%7D"), "/paths/~1a~1{id}");
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
        assert!(at.starts_with("#/components/schemas/"));
    }

    #[test]
    fn every_rule_is_listed_once() {
        let mut ids: Vec<_> = RULES.iter().map(|(id, _, _)| *id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
