//! A parsed document and its references.

use std::fmt;

use serde_json::Value;

use crate::pointer;

/// A parsed OpenAPI 3.0 document (YAML or JSON), as JSON.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
}

/// Why a `$ref` cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// The reference points outside this document, or at nothing in it.
    Dangling(String),
    /// Following the reference comes back to it.
    Cycle(Vec<String>),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dangling(target) => write!(
                f,
                "$ref '{target}' does not resolve (only references inside this document are \
                 supported)"
            ),
            Self::Cycle(chain) => write!(f, "$ref cycle: {}", chain.join(" -> ")),
        }
    }
}

impl std::error::Error for RefError {}

impl Spec {
    /// Parses a document from YAML or JSON text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
        Self::from_value(doc)
    }

    /// Wraps a document already parsed.
    pub fn from_value(doc: Value) -> Result<Self, String> {
        if doc.is_object() {
            Ok(Self { doc })
        } else {
            Err("the document is not a mapping".into())
        }
    }

    /// The document as JSON.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The document, for a caller that rewrites it.
    pub fn into_document(self) -> Value {
        self.doc
    }

    /// `info.version`.
    pub fn version(&self) -> Option<&str> {
        self.doc.pointer("/info/version").and_then(Value::as_str)
    }

    /// The node at a JSON pointer.
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.doc.pointer(pointer)
    }

    /// Follows `$ref`s until a node that is not a reference.
    pub fn try_resolve<'a>(&'a self, node: &'a Value) -> Result<&'a Value, RefError> {
        resolve_in(&self.doc, node)
    }

    /// Follows `$ref`s as far as they lead: a dangling or cyclic reference is returned as it
    /// is, for callers that report it elsewhere ([`Spec::reference_errors`]).
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        self.try_resolve(node).unwrap_or(node)
    }

    /// Every `$ref` of the document that cannot be followed, each as `<pointer>: <why>`.
    pub fn reference_errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.doc, &mut String::from("#"), &mut |at, node| {
            if node.get("$ref").is_some_and(Value::is_string)
                && let Err(error) = self.try_resolve(node)
            {
                out.push(format!("{at}: {error}"));
            }
        });
        out
    }
}

/// `$ref` resolution on a bare document, for callers that hold one ([`Spec::try_resolve`]).
pub fn resolve_in<'a>(doc: &'a Value, mut node: &'a Value) -> Result<&'a Value, RefError> {
    let mut seen: Vec<String> = Vec::new();
    while let Some(target) = node.get("$ref").and_then(Value::as_str) {
        if seen.iter().any(|s| s == target) {
            seen.push(target.to_string());
            return Err(RefError::Cycle(seen));
        }
        seen.push(target.to_string());
        node = pointer::from_fragment(target)
            .and_then(|p| doc.pointer(&p))
            .ok_or_else(|| RefError::Dangling(target.to_string()))?;
    }
    Ok(node)
}

/// Calls `visit` on every object of the tree with its pointer (`#`-prefixed).
pub fn walk(node: &Value, at: &mut String, visit: &mut impl FnMut(&str, &Value)) {
    match node {
        Value::Object(map) => {
            visit(at, node);
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&pointer::escape(key));
                walk(child, at, visit);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&index.to_string());
                walk(child, at, visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> Spec {
        Spec::parse(yaml).unwrap()
    }

    #[test]
    fn references_resolve_through_chains_and_escaped_keys() {
        let s = spec(
            "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {type: string}\n\
             paths:\n  /a/{id}: {get: {x: 1}}\nx: {$ref: '#/paths/~1a~1%7Bid%7D/get'}\n",
        );
        let a = s.at("/components/schemas/A").unwrap();
        assert_eq!(s.try_resolve(a).unwrap()["type"], "string");
        assert_eq!(s.resolve(&s.document()["x"])["x"], 1);
        assert!(s.reference_errors().is_empty());
    }

    #[test]
    fn cycles_and_dangling_references_are_errors_not_loops() {
        let s = spec(
            "a: {$ref: '#/b'}\nb: {$ref: '#/a'}\nc: {$ref: '#/nowhere'}\nd: {$ref: 'x.yaml#/y'}\n",
        );
        assert!(matches!(
            s.try_resolve(&s.document()["a"]),
            Err(RefError::Cycle(_))
        ));
        assert!(matches!(
            s.try_resolve(&s.document()["c"]),
            Err(RefError::Dangling(_))
        ));
        let errors = s.reference_errors();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("#/d: $ref 'x.yaml#/y' does not resolve"))
        );
        // Lenient resolution stops at the reference it cannot follow.
        assert_eq!(s.resolve(&s.document()["c"])["$ref"], "#/nowhere");
    }
}
