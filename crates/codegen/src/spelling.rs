//! `body_spelling`: how each operation's request body spells what it holds, in one version:
//! the property names reachable from its schema, the values of each string enum by the name
//! of the property that holds it, and the properties that v4 names otherwise
//! (`x-vbo-v4-name`). The client writes a body built in v4's spelling in the version's with
//! it (`datetime` is `dateTime` from v6 on, `vex` is `Vex`, the mailbox export's
//! `contentKeywords` is `contentKeyword`) and refuses, naming it, a property the operation
//! does not take.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::wire::upper_camel;

/// The extension on a property that v4 names otherwise: v4's name.
pub const V4_NAME_EXTENSION: &str = "x-vbo-v4-name";

#[derive(Default)]
struct Found {
    names: BTreeSet<String>,
    renames: BTreeSet<(String, String)>,
    enums: BTreeMap<String, BTreeSet<String>>,
}

/// `body_spelling(operation)` for the operations of `bodies` (id, request body schema).
pub fn generate(
    spec: &openapiv3::OpenAPI,
    bodies: &[(String, openapiv3::ReferenceOr<openapiv3::Schema>)],
) -> TokenStream {
    let arms = bodies.iter().map(|(id, schema)| {
        let found = walk(spec, schema);
        let variant = upper_camel(id);
        let names = found.names.iter();
        let renames = found.renames.iter().map(|(old, new)| quote!((#old, #new)));
        let enums = found
            .enums
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(name, values)| {
                let values = values.iter();
                quote!((#name, &[#(#values),*]))
            });
        quote! {
            Operation::#variant => Some(crate::versioned::Spelling {
                names: &[#(#names),*],
                renames: &[#(#renames),*],
                enums: &[#(#enums),*],
            }),
        }
    });
    quote! {
        /// How the request body of `operation` spells what it holds in this version; `None`
        /// for an operation without a body here.
        pub fn body_spelling(operation: Operation) -> Option<crate::versioned::Spelling> {
            match operation {
                #(#arms)*
                _ => None,
            }
        }
    }
}

/// Everything reachable from `root`, references followed once each.
fn walk(spec: &openapiv3::OpenAPI, root: &openapiv3::ReferenceOr<openapiv3::Schema>) -> Found {
    let components = spec.components.as_ref().map(|c| &c.schemas);
    let mut seen = BTreeSet::new();
    let mut resolve = |schema: &openapiv3::ReferenceOr<openapiv3::Schema>| match schema {
        openapiv3::ReferenceOr::Item(schema) => Some(schema.clone()),
        openapiv3::ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            if !seen.insert(name.to_string()) {
                return None;
            }
            components?.get(name)?.as_item().cloned()
        }
    };
    let unbox = |schema: &openapiv3::ReferenceOr<Box<openapiv3::Schema>>| match schema {
        openapiv3::ReferenceOr::Item(schema) => openapiv3::ReferenceOr::Item((**schema).clone()),
        openapiv3::ReferenceOr::Reference { reference } => openapiv3::ReferenceOr::Reference {
            reference: reference.clone(),
        },
    };
    let string_enum = |schema: &openapiv3::ReferenceOr<openapiv3::Schema>| -> Vec<String> {
        let schema = match schema {
            openapiv3::ReferenceOr::Item(schema) => Some(schema.clone()),
            openapiv3::ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/schemas/")
                .and_then(|name| components?.get(name)?.as_item().cloned()),
        };
        match schema.map(|s| s.schema_kind) {
            Some(openapiv3::SchemaKind::Type(openapiv3::Type::String(string))) => {
                string.enumeration.into_iter().flatten().collect()
            }
            _ => Vec::new(),
        }
    };
    let mut found = Found::default();
    let mut pending: Vec<openapiv3::Schema> = resolve(root).into_iter().collect();
    while let Some(schema) = pending.pop() {
        match &schema.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) => {
                for (name, property) in &object.properties {
                    found.names.insert(name.clone());
                    let property = unbox(property);
                    if let openapiv3::ReferenceOr::Item(inline) = &property
                        && let Some(v4) = inline
                            .schema_data
                            .extensions
                            .get(V4_NAME_EXTENSION)
                            .and_then(|v| v.as_str())
                    {
                        found.renames.insert((v4.to_string(), name.clone()));
                    }
                    let values = string_enum(&property);
                    if !values.is_empty() {
                        found.enums.entry(name.clone()).or_default().extend(values);
                    }
                    pending.extend(resolve(&property));
                }
            }
            openapiv3::SchemaKind::Type(openapiv3::Type::Array(array)) => {
                if let Some(items) = &array.items {
                    pending.extend(resolve(&unbox(items)));
                }
            }
            openapiv3::SchemaKind::OneOf { one_of: list }
            | openapiv3::SchemaKind::AllOf { all_of: list }
            | openapiv3::SchemaKind::AnyOf { any_of: list } => {
                pending.extend(list.iter().filter_map(&mut resolve));
            }
            _ => {}
        }
    }
    found
}
