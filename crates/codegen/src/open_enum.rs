//! Open response enums: string values that a server may extend, generated as an enum of the
//! known values plus `Unknown(String)`.
//!
//! The spec marks such a schema `type: string` with `x-extensible-enum: [..]` (the Zalando
//! convention) instead of `enum`, because the truth of the wire is "one of these, or a value a
//! newer server added": the v3 documentation lists four session states where v4's pages list
//! two, and v6 added the session type `Vet`. A closed enum would make progenitor's client fail
//! a whole page of sessions over one value it does not know.
//!
//! typify cannot generate an open enum, so each such component schema is replaced (progenitor's
//! `with_replacement`) by the type generated here and placed in the generated `types` module,
//! under the schema's own name. Known values deserialize to their variant (case-exact: the
//! server's responses are); anything else to `Unknown` with the value kept, and serializes back
//! unchanged. `cargo xtask lint` keeps these schemas out of requests, which stay strict.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The extension that marks an open enum.
pub const EXTENSION: &str = "x-extensible-enum";

/// One open enum of the spec: a component schema with [`EXTENSION`].
pub struct OpenEnum {
    /// The component's name, which is the generated type's name.
    pub name: String,
    /// The known values, in the spec's order.
    pub values: Vec<String>,
    description: Option<String>,
    /// The module the generated types are in.
    types: String,
}

impl OpenEnum {
    /// The path of the generated type, as the generated client refers to it.
    pub fn path(&self) -> String {
        format!("{}::{}", self.types, self.name)
    }
}

/// The open enums of the spec's components, or why one is malformed; their types go in the
/// module `types` (such as `crate::generated::v6::types`).
pub fn find(spec: &openapiv3::OpenAPI, types: &str) -> Result<Vec<OpenEnum>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, schema) in &components.schemas {
        let openapiv3::ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let Some(values) = schema.schema_data.extensions.get(EXTENSION) else {
            continue;
        };
        let pointer = format!("#/components/schemas/{name}/{EXTENSION}");
        let values: Vec<String> = values
            .as_array()
            .filter(|values| !values.is_empty())
            .and_then(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .ok_or_else(|| format!("{pointer}: must be a non-empty list of strings"))?;
        let mut seen = std::collections::BTreeSet::new();
        for value in &values {
            let variant = variant_name(value);
            if variant == "Unknown" || variant.is_empty() || !seen.insert(variant.clone()) {
                return Err(format!(
                    "{pointer}: `{value}` gives the variant name `{variant}`, which is empty, \
                     taken by another value, or the reserved `Unknown`"
                ));
            }
        }
        out.push(OpenEnum {
            name: name.clone(),
            values,
            description: schema.schema_data.description.clone(),
            types: types.to_string(),
        });
    }
    Ok(out)
}

/// The variant name of a value: its alphanumeric characters, the first upper-cased.
fn variant_name(value: &str) -> String {
    let cleaned: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut chars = cleaned.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        _ => String::new(),
    }
}

/// The generated type of one open enum.
pub fn generate(open: &OpenEnum) -> TokenStream {
    let name = Ident::new(&open.name, Span::call_site());
    let variants: Vec<Ident> = open
        .values
        .iter()
        .map(|v| Ident::new(&variant_name(v), Span::call_site()))
        .collect();
    let values = &open.values;
    let count = values.len();
    let doc = open.description.clone().unwrap_or_default();
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    quote! {
        #[doc = #doc]
        ///
        /// An open enum: a value this client does not know is kept in `Unknown`, not refused.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value the spec does not list, as the server sent it.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The values the spec lists, in its order.
            pub const KNOWN: [Self; #count] = [ #( Self::#variants, )* ];

            /// The value as the server spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::std::string::String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::variant_name;

    #[test]
    fn variant_names_are_upper_camel_identifiers() {
        assert_eq!(variant_name("Working"), "Working");
        assert_eq!(variant_name("vet"), "Vet");
        assert_eq!(variant_name("in-progress"), "Inprogress");
        assert_eq!(variant_name("1st"), "");
    }
}
