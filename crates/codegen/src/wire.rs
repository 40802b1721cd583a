//! The wire table: what the hand-written layer needs to know about the wire, derived from the
//! spec and from the client progenitor generated from it, so that no hand-written file spells
//! an operationId or an action key.
//!
//! - `Operation`: re-exported from the cross-version table (`table.rs`), which every
//!   version's spec contributes its operations to.
//! - `ALL` on every unit-only enum of `types` (the spec's string enums), for value lists such
//!   as the CLI's `--region`.
//! - `<Enum>Key` for every externally tagged enum of `types` whose variants carry data (the
//!   item action's `oneOf` of single-key objects): the keys without their bodies, so code can
//!   name an action before it has one.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// One operation of the spec, as the cross-version table (`table.rs`) needs it.
#[derive(Debug, Clone)]
pub struct Op {
    pub id: String,
    pub method: String,
    pub path: String,
    pub client_name: String,
    /// Whether a success answer may be a file (`application/octet-stream`).
    pub downloads: bool,
    /// The actions the operation performs (`x-vbo-action`), if it is an action.
    pub action: Option<crate::table::ActionDecl>,
    /// The names of its query parameters.
    pub query: Vec<String>,
}

/// Generates the wire module's source from the generation view and the generated client, and
/// the spec's operations for the cross-version table.
pub fn generate(
    spec: &openapiv3::OpenAPI,
    client: &syn::File,
) -> Result<(TokenStream, Vec<Op>), String> {
    let client_names = client_operation_names(client);
    let ops = operations(spec, &client_names)?;
    let types = client
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .ok_or("the generated client has no `types` module")?;
    let mut enums = TokenStream::new();
    for item in types {
        if let syn::Item::Enum(e) = item {
            enums.extend(enum_support(e)?);
        }
    }
    let calls = calls(client, &ops)?;
    let bodies = bodies(client, &ops);
    let spelling = crate::spelling::generate(spec, &ops_with_bodies(spec));
    let components = components(spec, types);
    let tokens = quote! {
        #[allow(unused_imports)]
        use super::{types, ByteStream};
        pub use crate::generated::operations::Operation;
        #enums
        #calls
        #bodies
        #spelling
        #components
    };
    Ok((tokens, ops))
}

/// `round_trip_component`: every component schema of the spec that has a generated type of
/// its name, so that the spec's examples are checked against the types without a list
/// written by hand.
fn components(spec: &openapiv3::OpenAPI, types: &[syn::Item]) -> TokenStream {
    let generated: std::collections::BTreeSet<String> = types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let names: Vec<&String> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .filter(|name| generated.contains(*name))
        .collect();
    let idents: Vec<Ident> = names.iter().map(|n| format_ident!("{}", n)).collect();
    quote! {
        /// Reads `value` as the generated type of the spec's component schema `name` (a list
        /// of them with `array`) and writes it back: `None` for a component without a
        /// generated type of its name. For the tests that round-trip the spec's examples.
        #[doc(hidden)]
        pub fn round_trip_component(
            name: &str,
            array: bool,
            value: &::serde_json::Value,
        ) -> Option<Result<::serde_json::Value, String>> {
            fn via<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                array: bool,
                value: &::serde_json::Value,
            ) -> Result<::serde_json::Value, String> {
                let out = if array {
                    ::serde_json::from_value::<Vec<T>>(value.clone())
                        .map_err(|e| e.to_string())
                        .and_then(|v| ::serde_json::to_value(v).map_err(|e| e.to_string()))
                } else {
                    ::serde_json::from_value::<T>(value.clone())
                        .map_err(|e| e.to_string())
                        .and_then(|v| ::serde_json::to_value(v).map_err(|e| e.to_string()))
                };
                out
            }
            Some(match name {
                #( #names => via::<types::#idents>(array, value), )*
                _ => return None,
            })
        }
    }
}

/// `call()` on every generated request builder: `send()`, with the error converted into the
/// crate's `Error` naming the operation, and the value out of its `ResponseValue`.
fn calls(client: &syn::File, ops: &[Op]) -> Result<TokenStream, String> {
    let builders = client
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .ok_or("the generated client has no `builder` module")?;
    let mut out = TokenStream::new();
    for op in ops {
        let variant = upper_camel(&op.id);
        let send = builders
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(i) => Some(i),
                _ => None,
            })
            .filter(|i| matches!(&*i.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == variant)))
            .flat_map(|i| &i.items)
            .find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                _ => None,
            })
            .ok_or_else(|| format!("{}: the generated builder `{variant}` has no send()", op.id))?;
        let value = response_value_type(&send.sig.output).ok_or_else(|| {
            format!(
                "{}: send() does not return Result<ResponseValue<T>, _>",
                op.id
            )
        })?;
        let doc = format!(
            "Sends the request; a failure is a [`crate::Error`] that names `{}`.",
            op.client_name
        );
        out.extend(quote! {
            impl<'a> super::builder::#variant<'a> {
                #[doc = #doc]
                pub async fn call(self) -> Result<#value, crate::Error> {
                    match self.send().await {
                        Ok(value) => Ok(value.into_inner()),
                        Err(error) => Err(crate::Error::from_generated(error, Operation::#variant).await),
                    }
                }
            }
        });
    }
    Ok(out)
}

/// `round_trip_body`: each operation's JSON request body type, from its builder's `body()`.
fn bodies(client: &syn::File, ops: &[Op]) -> TokenStream {
    let builders: Vec<&syn::ItemImpl> = client
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i),
            _ => None,
        })
        .collect();
    let mut arms = TokenStream::new();
    for op in ops {
        let variant = upper_camel(&op.id);
        let body = builders
            .iter()
            .filter(|i| matches!(&*i.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == variant)))
            .flat_map(|i| &i.items)
            .find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == "body" => body_type(&f.sig),
                _ => None,
            });
        if let Some(body) = body {
            arms.extend(quote!(Operation::#variant => Some(via::<#body>(value)),));
        }
    }
    quote! {
        /// Reads `value` as the JSON request body of `operation` in this version and writes it
        /// back: a body built for another version comes out as this version's types send it
        /// (what they do not know is left out). `None`: the operation has no JSON body here.
        pub fn round_trip_body(
            operation: Operation,
            value: &::serde_json::Value,
        ) -> Option<Result<::serde_json::Value, ::serde_json::Error>> {
            fn via<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                value: &::serde_json::Value,
            ) -> Result<::serde_json::Value, ::serde_json::Error> {
                ::serde_json::from_value::<T>(value.clone()).and_then(::serde_json::to_value)
            }
            match operation {
                #arms
                _ => None,
            }
        }
    }
}

/// Each operation's id and request body schema (its first media type's).
fn ops_with_bodies(
    spec: &openapiv3::OpenAPI,
) -> Vec<(String, openapiv3::ReferenceOr<openapiv3::Schema>)> {
    let mut out = Vec::new();
    for item in spec.paths.paths.values() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let (Some(id), Some(openapiv3::ReferenceOr::Item(body))) =
                (&operation.operation_id, &operation.request_body)
            else {
                continue;
            };
            if let Some(schema) = body.content.values().next().and_then(|m| m.schema.clone()) {
                out.push((id.clone(), schema));
            }
        }
    }
    out
}

/// `T` of `fn body<V>(..) where V: TryInto<T>`.
fn body_type(sig: &syn::Signature) -> Option<syn::Type> {
    let predicate = sig.generics.where_clause.as_ref()?.predicates.first()?;
    let syn::WherePredicate::Type(predicate) = predicate else {
        return None;
    };
    predicate.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    })
}

/// `T` of `-> Result<ResponseValue<T>, E>`.
fn response_value_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let first_generic = |ty: &syn::Type, name: &str| -> Option<syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    };
    first_generic(&first_generic(ty, "Result")?, "ResponseValue")
}

/// The spec's operations in document order (paths, then methods in OpenAPI's order).
fn operations(spec: &openapiv3::OpenAPI, client_names: &[String]) -> Result<Vec<Op>, String> {
    let mut ops = Vec::new();
    for (path, item) in &spec.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            return Err(format!("{path}: path items by reference are not supported"));
        };
        for (method, operation) in item.iter() {
            let id = operation
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path}: the operation has no operationId"))?;
            // progenitor names the method by the operationId in snake case; match without
            // relying on its case conversion, and fail if it ever names one differently.
            let folded = fold(&id);
            let client_name = client_names
                .iter()
                .find(|name| fold(name) == folded)
                .cloned()
                .ok_or_else(|| {
                    format!("{id}: no generated client method carries this operation")
                })?;
            let action = crate::table::action_decl(
                &id,
                path,
                operation.extensions.get(crate::table::ACTION_EXTENSION),
            )?;
            if let Some(action) = action.as_ref().filter(|a| a.wrapped) {
                let keys = wrapper_keys(spec, operation);
                if keys != action.keys {
                    return Err(format!(
                        "{id}: {} lists {:?}, but the body is one of {keys:?}",
                        crate::table::ACTION_EXTENSION,
                        action.keys
                    ));
                }
            }
            let query = item
                .parameters
                .iter()
                .chain(&operation.parameters)
                .filter_map(|p| match p {
                    openapiv3::ReferenceOr::Item(openapiv3::Parameter::Query {
                        parameter_data,
                        ..
                    }) => Some(parameter_data.name.clone()),
                    openapiv3::ReferenceOr::Reference { reference } => reference
                        .strip_prefix("#/components/parameters/")
                        .and_then(|name| spec.components.as_ref()?.parameters.get(name))
                        .and_then(|p| match p.as_item()? {
                            openapiv3::Parameter::Query { parameter_data, .. } => {
                                Some(parameter_data.name.clone())
                            }
                            _ => None,
                        }),
                    _ => None,
                })
                .collect();
            ops.push(Op {
                query,
                action,
                downloads: downloads(spec, operation),
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                client_name,
            });
        }
    }
    Ok(ops)
}

/// Whether one of `operation`'s success responses (inline or by reference) has a binary
/// `application/octet-stream` body.
fn downloads(spec: &openapiv3::OpenAPI, operation: &openapiv3::Operation) -> bool {
    operation
        .responses
        .responses
        .iter()
        .any(|(status, response)| {
            let success = match status {
                openapiv3::StatusCode::Code(code) => (200..300).contains(code),
                openapiv3::StatusCode::Range(range) => *range == 2,
            };
            let response = match response {
                openapiv3::ReferenceOr::Item(response) => Some(response),
                openapiv3::ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| spec.components.as_ref()?.responses.get(name))
                    .and_then(|r| r.as_item()),
            };
            success && response.is_some_and(|r| r.content.contains_key("application/octet-stream"))
        })
}

/// The keys of a request body that is a `oneOf` of single-key objects (v4's actions).
fn wrapper_keys(spec: &openapiv3::OpenAPI, operation: &openapiv3::Operation) -> Vec<String> {
    let schemas = spec.components.as_ref().map(|c| &c.schemas);
    let resolve =
        |schema: &openapiv3::ReferenceOr<openapiv3::Schema>| -> Option<openapiv3::Schema> {
            match schema {
                openapiv3::ReferenceOr::Item(schema) => Some(schema.clone()),
                openapiv3::ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| schemas?.get(name)?.as_item().cloned()),
            }
        };
    let body = match &operation.request_body {
        Some(openapiv3::ReferenceOr::Item(body)) => body,
        _ => return Vec::new(),
    };
    let Some(schema) = body
        .content
        .get("application/json")
        .and_then(|media| media.schema.as_ref())
        .and_then(resolve)
    else {
        return Vec::new();
    };
    let openapiv3::SchemaKind::OneOf { one_of } = &schema.schema_kind else {
        return Vec::new();
    };
    one_of
        .iter()
        .filter_map(resolve)
        .filter_map(|variant| match variant.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(object))
                if object.properties.len() == 1 =>
            {
                object.properties.keys().next().cloned()
            }
            _ => None,
        })
        .collect()
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `operation_id`s of the generated `OperationInfo { operation_id: "…" }` literals.
fn client_operation_names(client: &syn::File) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_expr_struct(&mut self, node: &'ast syn::ExprStruct) {
            if node.path.is_ident("OperationInfo") {
                for field in &node.fields {
                    if let (
                        syn::Member::Named(name),
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(value),
                            ..
                        }),
                    ) = (&field.member, &field.expr)
                        && name == "operation_id"
                    {
                        self.0.push(value.value());
                    }
                }
            }
            syn::visit::visit_expr_struct(self, node);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_file(&mut names, client);
    names.0.sort();
    names.0.dedup();
    names.0
}

/// `ALL` for a unit-only enum; a key enum for an externally tagged enum with data.
fn enum_support(e: &syn::ItemEnum) -> Result<TokenStream, String> {
    if e.variants.is_empty() || serde_attribute(&e.attrs, "untagged").is_some() {
        return Ok(TokenStream::new());
    }
    let name = &e.ident;
    let variants: Vec<&Ident> = e.variants.iter().map(|v| &v.ident).collect();
    if e.variants.iter().all(|v| v.fields.is_empty()) {
        let count = variants.len();
        return Ok(quote! {
            impl types::#name {
                /// Every value, in the spec's order.
                pub const ALL: [Self; #count] = [ #( Self::#variants, )* ];
            }
        });
    }
    if serde_attribute(&e.attrs, "tag").is_some() {
        return Ok(TokenStream::new());
    }
    let key = format_ident!("{name}Key");
    let wire: Vec<String> = e
        .variants
        .iter()
        .map(|v| serde_attribute(&v.attrs, "rename").unwrap_or_else(|| v.ident.to_string()))
        .collect();
    let patterns: Vec<TokenStream> = e
        .variants
        .iter()
        .map(|v| {
            let ident = &v.ident;
            match v.fields {
                syn::Fields::Unit => quote!(Self::#ident),
                syn::Fields::Unnamed(_) => quote!(Self::#ident(..)),
                syn::Fields::Named(_) => quote!(Self::#ident { .. }),
            }
        })
        .collect();
    let count = variants.len();
    let doc = format!("The keys of [`types::{name}`], without their bodies.");
    let docs = wire.iter().map(|w| format!("`{w}`"));
    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #key {
            #( #[doc = #docs] #variants, )*
        }

        impl #key {
            /// Every key, in the spec's order.
            pub const ALL: [Self; #count] = [ #( Self::#variants, )* ];

            /// The key on the wire.
            pub const fn wire_name(self) -> &'static str {
                match self { #( Self::#variants => #wire, )* }
            }
        }

        impl types::#name {
            /// Which key this value is sent under.
            pub fn key(&self) -> #key {
                match self { #( #patterns => #key::#variants, )* }
            }
        }
    })
}

/// The value of `#[serde(name = "…")]` or the presence of `#[serde(name)]` (as "").
fn serde_attribute(attrs: &[syn::Attribute], name: &str) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(name) {
                found = Some(match meta.value() {
                    Ok(value) => value.parse::<syn::LitStr>()?.value(),
                    Err(_) => String::new(),
                });
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

pub(crate) fn upper_camel(id: &str) -> Ident {
    let mut chars = id.chars();
    let name: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars.filter(|c| c.is_ascii_alphanumeric()))
        .collect();
    Ident::new(&name, Span::call_site())
}
