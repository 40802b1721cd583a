//! Following `$ref`s in the typed model, and JSON pointers in the order-keeping one.

use indexmap::IndexMap;
use openapiv3::{Parameter, ReferenceOr, Schema};

use super::Docs;

/// Unescapes one JSON pointer segment.
pub(super) fn unescape(segment: &str) -> String {
    crate::spec::pointer::unescape(segment)
}

impl<'a> Docs<'a> {
    /// A `$ref` to a component schema, followed to its end; its name is the last one.
    pub(super) fn schema(&self, reference: &'a str) -> Option<(String, &'a Schema)> {
        let mut target = reference;
        for _ in 0..64 {
            let name = target.strip_prefix("#/components/schemas/")?;
            match self.api.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(schema) => return Some((name.to_string(), schema)),
                ReferenceOr::Reference { reference } => target = reference,
            }
        }
        None
    }

    pub(super) fn resolve(
        &self,
        r: &'a ReferenceOr<Schema>,
    ) -> Option<(Option<String>, &'a Schema)> {
        match r {
            ReferenceOr::Item(s) => Some((None, s)),
            ReferenceOr::Reference { reference } => {
                self.schema(reference).map(|(n, s)| (Some(n), s))
            }
        }
    }

    pub(super) fn resolve_boxed(
        &self,
        r: &'a ReferenceOr<Box<Schema>>,
    ) -> Option<(Option<String>, &'a Schema)> {
        match r {
            ReferenceOr::Item(s) => Some((None, s)),
            ReferenceOr::Reference { reference } => {
                self.schema(reference).map(|(n, s)| (Some(n), s))
            }
        }
    }

    /// The order-keeping YAML value at a JSON pointer.
    pub(super) fn ordered_at(&self, pointer: &str) -> Option<&'a serde_norway::Value> {
        let mut node = self.ordered;
        for segment in pointer.trim_start_matches('#').split('/').skip(1) {
            let segment = unescape(segment);
            node = match node {
                serde_norway::Value::Sequence(items) => {
                    items.get(segment.parse::<usize>().ok()?)?
                }
                other => other.get(segment.as_str())?,
            };
        }
        Some(node)
    }

    /// Follows a `$ref` of a component of another kind; the pointer is where it ends.
    pub(super) fn component<T>(
        &self,
        r: &'a ReferenceOr<T>,
        pointer: String,
        kind: &str,
        pick: impl Fn(&'a openapiv3::Components) -> &'a IndexMap<String, ReferenceOr<T>>,
    ) -> Option<(&'a T, String)> {
        let mut current = r;
        let mut pointer = pointer;
        for _ in 0..64 {
            match current {
                ReferenceOr::Item(item) => return Some((item, pointer)),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix(&format!("#/components/{kind}/"))?;
                    current = pick(self.api.components.as_ref()?).get(name)?;
                    pointer = reference.clone();
                }
            }
        }
        None
    }

    pub(super) fn parameter(&self, r: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        self.component(r, String::new(), "parameters", |c| &c.parameters)
            .map(|(p, _)| p)
    }
}
