//! The spec as data, for what is derived from it at run time: example checks and the
//! simulator's request validation. The walker itself is the workspace crate `vbo365-spec`,
//! shared with `build.rs` and `cargo xtask`; the client types come from the same file through
//! `build.rs`. Nothing here restates a schema by hand.

pub use vbo365_spec::{
    Example, METHODS, Operation, Parameter, RefError, SchemaValidator, Spec, escape, pointer,
    to_json_schema,
};

/// `openapi/vbo-v4.yaml`, embedded at compile time.
pub const SOURCE: &str = vbo365_spec::V4;

/// The spec of `version`, embedded at compile time.
pub fn source(version: crate::ApiVersion) -> &'static str {
    crate::generated::spec_text(version)
}

/// The spec of `version`, parsed.
pub fn embedded(version: crate::ApiVersion) -> Spec {
    Spec::parse(source(version)).expect("build.rs has already parsed every embedded spec")
}
