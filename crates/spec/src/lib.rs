//! The one walker of vbo365's OpenAPI documents, shared by `build.rs` (through the codegen
//! crate), the simulator, the tests and every `cargo xtask` check, so that `$ref` resolution,
//! JSON-pointer escaping and the merging of parameters are written once.
//!
//! Documents are read as JSON values rather than typed OpenAPI models: lint and drift must
//! read documents that a typed model (or the generator) rejects, and report where.

mod document;
mod examples;
mod operations;
pub mod pointer;
#[cfg(feature = "validate")]
mod validate;

pub use document::{RefError, Spec, resolve_in, resolve_traced, walk};
pub use examples::Example;
pub use operations::{METHODS, Operation, Parameter, operations};
pub use pointer::escape;
#[cfg(feature = "validate")]
pub use validate::{SchemaValidator, to_json_schema};

/// `openapi/vbo-v4.yaml`, the v4 document, embedded at compile time.
pub const V4: &str = include_str!("../../../openapi/vbo-v4.yaml");

impl Spec {
    /// The embedded v4 document.
    pub fn embedded() -> Self {
        Self::parse(V4).expect("build.rs has already parsed the embedded spec")
    }
}
