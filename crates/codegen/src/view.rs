//! The generation view: what progenitor is given instead of the truthful spec, and why.
//!
//! `openapi/vbo-v4.yaml` describes the wire as the server behaves. progenitor 0.15 cannot
//! generate some of it, so `build.rs` hands it a view derived here, in code, and the
//! hand-written layer restores what the view leaves out. Docs, the simulator and the contract
//! checks read the spec itself, never this view. The rules, all of them:
//!
//! 1. **Multiplexed responses.** A response whose media types include a binary
//!    `application/octet-stream` beside others keeps only the binary one, so the generated
//!    method returns the raw body as a `ByteStream`. The Action endpoint's 200 is such a
//!    response: a PST/ZIP/MSG file, JSON restore statistics, or no body at all, depending on
//!    the action. Given all three, progenitor would pick JSON and try to JSON-parse a PST.
//!    `vbo365::ActionOutcome` classifies the real response by `Content-Type` and magic bytes.
//! 2. **Cross-field constraints.** An `anyOf`/`oneOf` beside `properties` whose branches
//!    declare no `type` and no `$ref` only constrains the parent's own properties ("when
//!    `enablePstSizeLimit` is true, `pstSizeLimitBytes` is required"). typify would turn it
//!    into a type of its own; it is dropped, and `vbo365::validate` enforces it before a
//!    request is sent.
//! 3. **Secrets** are settings rather than rewrites (see `codegen::settings`): every
//!    `format: password` string and the `ApplicationCertificate` schema are generated as
//!    `vbo365::SecretString`, whose Debug and Display never show the value.
//! 4. **Path segments.** The generated code's calls of progenitor-client's `encode_path` are
//!    rewritten (in the generated tokens, see [`route_path_encoder`]) into calls of
//!    `crate::path::encode_segment`. `encode_path` leaves `\`, `[`, `]`, `^`, `|` and others
//!    as they are, and URL parsing turns `\` into `/`: an item id could leave its segment and
//!    reach another endpoint. The spec itself is unchanged; it says the id is one segment.
//! 6. **Timestamps** are a setting too: every `format: date-time` is generated as
//!    `vbo365::Timestamp`, which reads offset-less server times without failing and is built
//!    only from RFC 3339.
//! 5. **Client bounds.** A parameter's `x-client-bounds` (`maxLength`, `pattern`) is what a
//!    client refuses before sending, not a documented server rule, so the spec keeps it out of
//!    the schema. The view copies it into the parameter's schema, so that the generated
//!    parameter type refuses such values and `vbo365::validate` reads the bounds from it.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use serde_json::{Map, Value};

/// One rewrite that the view applied, for `cargo xtask lint` and the build log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// JSON pointer of the rewritten node in the spec.
    pub pointer: String,
    /// Which rule applied, and what it removed.
    pub what: String,
}

/// Rewrites `spec` in place into the generation view and returns what it changed.
pub fn apply(spec: &mut Value) -> Vec<Rewrite> {
    let mut rewrites = Vec::new();
    walk(spec, &mut String::new(), &mut rewrites);
    rewrites
}

fn walk(node: &mut Value, pointer: &mut String, rewrites: &mut Vec<Rewrite>) {
    match node {
        Value::Object(map) => {
            rewrite_multiplexed_content(map, pointer, rewrites);
            apply_client_bounds(map, pointer, rewrites);
            drop_constraint_combinators(map, pointer, rewrites);
            for (key, child) in map.iter_mut() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&vbo365_spec::pointer::escape(key));
                walk(child, pointer, rewrites);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                walk(child, pointer, rewrites);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Rule 1: a response `content` with a binary octet-stream beside other media types.
fn rewrite_multiplexed_content(
    map: &mut Map<String, Value>,
    pointer: &str,
    out: &mut Vec<Rewrite>,
) {
    if !pointer.contains("/responses/") {
        return;
    }
    let Some(Value::Object(content)) = map.get_mut("content") else {
        return;
    };
    let binary = content
        .get("application/octet-stream")
        .and_then(|media| media.pointer("/schema/format"))
        .and_then(Value::as_str)
        == Some("binary");
    if !binary || content.len() < 2 {
        return;
    }
    let removed: Vec<String> = content
        .keys()
        .filter(|k| *k != "application/octet-stream")
        .cloned()
        .collect();
    content.retain(|k, _| k == "application/octet-stream");
    out.push(Rewrite {
        pointer: format!("{pointer}/content"),
        what: format!(
            "rule 1 (multiplexed response): kept application/octet-stream as a raw stream, \
             dropped {} for generation",
            removed.join(", ")
        ),
    });
}

/// Rule 5: a parameter's `x-client-bounds`, into its schema for generation.
fn apply_client_bounds(map: &mut Map<String, Value>, pointer: &str, out: &mut Vec<Rewrite>) {
    let Some(Value::Object(bounds)) = map.get("x-client-bounds").cloned() else {
        return;
    };
    let Some(Value::Object(schema)) = map.get_mut("schema") else {
        return;
    };
    let mut copied = Vec::new();
    for key in ["maxLength", "pattern"] {
        if let Some(value) = bounds.get(key) {
            schema.insert(key.to_string(), value.clone());
            copied.push(key);
        }
    }
    if !copied.is_empty() {
        out.push(Rewrite {
            pointer: format!("{pointer}/schema"),
            what: format!(
                "rule 5 (client bounds): {} from x-client-bounds, for generation",
                copied.join(", ")
            ),
        });
    }
}

/// Rule 2: `anyOf`/`oneOf` beside `properties` whose branches only constrain those properties.
fn drop_constraint_combinators(
    map: &mut Map<String, Value>,
    pointer: &str,
    out: &mut Vec<Rewrite>,
) {
    if !map.contains_key("properties") {
        return;
    }
    for keyword in ["anyOf", "oneOf"] {
        let only_constraints = match map.get(keyword) {
            Some(Value::Array(branches)) => branches.iter().all(|branch| {
                branch
                    .as_object()
                    .is_some_and(|b| !b.contains_key("type") && !b.contains_key("$ref"))
            }),
            _ => false,
        };
        if only_constraints {
            map.remove(keyword);
            out.push(Rewrite {
                pointer: format!("{pointer}/{keyword}"),
                what: format!(
                    "rule 2 (cross-field constraint): dropped {keyword} for generation; \
                     vbo365::validate enforces it"
                ),
            });
        }
    }
}

/// Rule 4: the function that encodes every path parameter of the generated client.
pub const PATH_ENCODER: &str = "crate::path::encode_segment";

/// Rule 4: replaces each call `encode_path(..)` in the generated tokens with a call of
/// [`PATH_ENCODER`], and says how many it replaced (none means progenitor changed).
pub fn route_path_encoder(tokens: TokenStream) -> (TokenStream, usize) {
    let encoder: TokenStream = PATH_ENCODER.parse().expect("a path");
    let mut count = 0;
    let out = rewrite_calls(tokens, &encoder, &mut count);
    (out, count)
}

fn rewrite_calls(tokens: TokenStream, encoder: &TokenStream, count: &mut usize) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident)
                if ident == "encode_path"
                    && matches!(
                        trees.get(index + 1),
                        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis
                    ) =>
            {
                *count += 1;
                out.extend(encoder.clone());
            }
            TokenTree::Group(group) => {
                let mut inner = Group::new(
                    group.delimiter(),
                    rewrite_calls(group.stream(), encoder, count),
                );
                inner.set_span(group.span());
                out.extend([TokenTree::Group(inner)]);
            }
            other => out.extend([other.clone()]),
        }
    }
    out
}
