//! The cross-version operation table: every version's spec contributes its operations, so
//! that the hand-written layer names an operation once (`Operation::ListMailboxes`) and asks
//! each version for its method and path, and finds the operation that performs an action in
//! a version without a hand-written mapping.
//!
//! - `ApiVersion`: one variant per spec (`openapi/vbo-v4.yaml` is `V4`), in version order.
//! - `Operation`: the union of the specs' operationIds. The same operationId in two specs is
//!   the same operation (the specs keep v4's names where the meaning is the same).
//! - The action table, from each action operation's `x-vbo-action`: a key (the operation
//!   performs that action, its body is the action's bare options) or a list of keys (it
//!   performs any of them, its body is one of `{key: options}`, as v4's `/Action` routes).
//!   Keys are v4's wire names; what the action acts on (an item, several, a folder, a whole
//!   mailbox) follows from the path: `{itemId}`, an `/items/` segment, `{folderId}`, else the
//!   mailbox.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::wire::{Op, upper_camel};

/// The extension that says which actions an operation performs.
pub const ACTION_EXTENSION: &str = "x-vbo-action";

/// What an action operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Item,
    Items,
    Folder,
    Mailbox,
}

impl Scope {
    fn ident(self) -> proc_macro2::Ident {
        format_ident!("{}", format!("{self:?}"))
    }
}

/// An operation's `x-vbo-action`.
#[derive(Debug, Clone)]
pub struct ActionDecl {
    pub keys: Vec<String>,
    /// A list: the body wraps the options in the action's key.
    pub wrapped: bool,
    pub scope: Scope,
}

/// Reads `x-vbo-action` (`value`) of operation `id` at `path`.
pub fn action_decl(
    id: &str,
    path: &str,
    value: Option<&serde_json::Value>,
) -> Result<Option<ActionDecl>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let bad =
        || format!("{id}: {ACTION_EXTENSION} is an action key or a non-empty list of action keys");
    let (keys, wrapped) = match value {
        serde_json::Value::String(key) => (vec![key.clone()], false),
        serde_json::Value::Array(list) if !list.is_empty() => (
            list.iter()
                .map(|k| k.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
            true,
        ),
        _ => return Err(bad()),
    };
    let lower = path.to_ascii_lowercase();
    let scope = if lower.contains("{itemid}") {
        Scope::Item
    } else if lower.contains("/items/") {
        Scope::Items
    } else if lower.contains("{folderid}") {
        Scope::Folder
    } else {
        Scope::Mailbox
    };
    Ok(Some(ActionDecl {
        keys,
        wrapped,
        scope,
    }))
}

/// One version's spec and its operations.
pub struct Version {
    /// `v4`: the spec's path prefix, and the module the client goes in.
    pub label: String,
    /// The spec's path in the repository, for the docs.
    pub spec_file: String,
    pub ops: Vec<Op>,
}

/// The table's source (`vbo_operations.rs`), from every version in version order.
pub fn generate(versions: &[Version]) -> Result<String, String> {
    let mut ids: Vec<(String, String)> = Vec::new();
    for version in versions {
        for op in &version.ops {
            match ids.iter().find(|(id, _)| *id == op.id) {
                Some((_, name)) if *name != op.client_name => {
                    return Err(format!(
                        "{}: operation {} is generated as `{}` here and `{name}` in another version",
                        version.spec_file, op.id, op.client_name
                    ));
                }
                Some(_) => {}
                None => ids.push((op.id.clone(), op.client_name.clone())),
            }
        }
    }
    let known_keys: Vec<&String> = versions
        .iter()
        .flat_map(|v| &v.ops)
        .filter_map(|op| op.action.as_ref())
        .filter(|a| a.wrapped)
        .flat_map(|a| &a.keys)
        .collect();
    let mut actions = Vec::new();
    for version in versions {
        for op in &version.ops {
            let Some(action) = &op.action else { continue };
            for key in &action.keys {
                if !known_keys.contains(&key) {
                    return Err(format!(
                        "{}: {}: {ACTION_EXTENSION} `{key}` is not the key of a wrapped action \
                         (the v4 `/Action` routes list the keys)",
                        version.spec_file, op.id
                    ));
                }
                if actions
                    .iter()
                    .any(|(v, s, k, _, _): &(usize, Scope, &String, &Op, bool)| {
                        *v == version_index(versions, version) && *s == action.scope && *k == key
                    })
                {
                    return Err(format!(
                        "{}: two operations perform `{key}` on the same {:?}",
                        version.spec_file, action.scope
                    ));
                }
                actions.push((
                    version_index(versions, version),
                    action.scope,
                    key,
                    op,
                    action.wrapped,
                ));
            }
        }
    }
    let version_idents: Vec<_> = versions
        .iter()
        .map(|v| upper_camel(&v.label.to_ascii_uppercase()))
        .collect();
    let labels: Vec<&String> = versions.iter().map(|v| &v.label).collect();
    let files: Vec<&String> = versions.iter().map(|v| &v.spec_file).collect();
    let version_count = versions.len();
    let variants: Vec<_> = ids.iter().map(|(id, _)| upper_camel(id)).collect();
    let id_strings: Vec<&String> = ids.iter().map(|(id, _)| id).collect();
    let client_names: Vec<&String> = ids.iter().map(|(_, n)| n).collect();
    let count = ids.len();
    let docs = ids.iter().map(|(id, _)| {
        let served: Vec<String> = versions
            .iter()
            .filter_map(|v| v.ops.iter().find(|op| op.id == *id))
            .map(|op| format!("{} {}", op.method, op.path))
            .collect();
        format!("`{id}`: {}.", served.join(", "))
    });
    // Per operation, per version: (method, path, downloads) or None.
    let per_version = |f: &dyn Fn(&Op) -> TokenStream| -> Vec<TokenStream> {
        ids.iter()
            .map(|(id, _)| {
                let arms = versions.iter().zip(&version_idents).map(|(v, ident)| {
                    match v.ops.iter().find(|op| op.id == *id) {
                        Some(op) => {
                            let value = f(op);
                            quote!(ApiVersion::#ident => Some(#value))
                        }
                        None => quote!(ApiVersion::#ident => None),
                    }
                });
                quote!(match version { #( #arms, )* })
            })
            .collect()
    };
    let methods = per_version(&|op| {
        let m = &op.method;
        quote!(#m)
    });
    let paths = per_version(&|op| {
        let p = &op.path;
        quote!(#p)
    });
    let queries = per_version(&|op| {
        let q = &op.query;
        quote!(&[#(#q),*])
    });
    let downloads = per_version(&|op| {
        let d = op.downloads;
        quote!(#d)
    });
    let action_rows = actions.iter().map(|(v, scope, key, op, wrapped)| {
        let version = &version_idents[*v];
        let scope = scope.ident();
        let operation = upper_camel(&op.id);
        quote! {
            (ApiVersion::#version, ActionScope::#scope, #key,
             ActionRoute { operation: Operation::#operation, wrapped: #wrapped })
        }
    });
    let action_count = actions.len();
    let tokens = quote! {
        /// Every version of the API that a spec in `openapi/` describes, oldest first.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ApiVersion {
            #( #[doc = #labels] #version_idents, )*
        }

        impl ApiVersion {
            /// Every version, oldest first.
            pub const ALL: [ApiVersion; #version_count] = [ #( Self::#version_idents, )* ];

            /// The path prefix, such as `v4`.
            pub const fn prefix(self) -> &'static str {
                match self { #( Self::#version_idents => #labels, )* }
            }

            /// The spec the version's client is generated from.
            pub const fn spec_file(self) -> &'static str {
                match self { #( Self::#version_idents => #files, )* }
            }
        }

        /// What an action operation acts on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ActionScope {
            /// One item (`{itemId}` in the path).
            Item,
            /// The items listed in the body.
            Items,
            /// A folder.
            Folder,
            /// A whole mailbox.
            Mailbox,
        }

        /// The operation that performs an action in a version, and the form of its body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ActionRoute {
            /// The operation.
            pub operation: Operation,
            /// `true`: the body is `{"<key>": options}` (v4's `/Action` routes); `false`: the
            /// bare options.
            pub wrapped: bool,
        }

        /// Every (version, scope, action key, route), from the specs' `x-vbo-action`.
        pub const ACTIONS: [(ApiVersion, ActionScope, &str, ActionRoute); #action_count] = [
            #( #action_rows, )*
        ];

        /// The operation that performs the action with v4 key `key` on `scope` in `version`.
        pub fn action_route(version: ApiVersion, scope: ActionScope, key: &str) -> Option<ActionRoute> {
            ACTIONS
                .iter()
                .find(|(v, s, k, _)| *v == version && *s == scope && *k == key)
                .map(|(_, _, _, route)| *route)
        }

        /// Every operation of every version's spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            #( #[doc = #docs] #variants, )*
        }

        impl Operation {
            /// Every operation: v4's in its spec's order, then those later versions add.
            pub const ALL: [Operation; #count] = [ #( Self::#variants, )* ];

            /// The specs' `operationId`.
            pub const fn id(self) -> &'static str {
                match self { #( Self::#variants => #id_strings, )* }
            }

            /// The generated clients' method: the `operation_id` the hooks are given.
            pub const fn client_name(self) -> &'static str {
                match self { #( Self::#variants => #client_names, )* }
            }

            /// The HTTP method in `version`, upper case; `None` where it does not serve it.
            pub const fn method(self, version: ApiVersion) -> Option<&'static str> {
                match self { #( Self::#variants => #methods, )* }
            }

            /// The path template in `version`, as in its spec.
            pub const fn path(self, version: ApiVersion) -> Option<&'static str> {
                match self { #( Self::#variants => #paths, )* }
            }

            /// The names of its query parameters in `version` (none where it does not serve it).
            pub const fn query_parameters(self, version: ApiVersion) -> &'static [&'static str] {
                let query: Option<&'static [&'static str]> = match self { #( Self::#variants => #queries, )* };
                match query {
                    Some(query) => query,
                    None => &[],
                }
            }

            /// Whether `version` serves the operation.
            pub const fn served_by(self, version: ApiVersion) -> bool {
                self.path(version).is_some()
            }

            /// Whether a success answer in `version` may be a file (a 2xx
            /// `application/octet-stream` body): such a request asks for files and JSON alike,
            /// and has no total timeout.
            pub const fn downloads(self, version: ApiVersion) -> bool {
                let downloads: Option<bool> = match self { #( Self::#variants => #downloads, )* };
                matches!(downloads, Some(true))
            }

            /// The operation with this `operationId`.
            pub fn from_id(id: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|op| op.id() == id)
            }

            /// The operation whose generated method has this name.
            pub fn from_client_name(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|op| op.client_name() == name)
            }
        }

        impl ::std::fmt::Display for Operation {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.id())
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        format!("crates/codegen/src/table.rs produced code that does not parse: {e}")
    })?;
    Ok(format!(
        "// @generated by build.rs from {}. Do not edit.\n\n{}",
        files
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        prettyplease::unparse(&file)
    ))
}

fn version_index(versions: &[Version], version: &Version) -> usize {
    versions
        .iter()
        .position(|v| std::ptr::eq(v, version))
        .unwrap_or_default()
}
