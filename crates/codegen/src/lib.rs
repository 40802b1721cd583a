//! Client generation, shared by `build.rs` and `cargo xtask lint`, so that the lint reports
//! exactly what the build would reject, with the spec location and the reason.
//!
//! - [`generate_files`]: progenitor's client through the generation view (`view.rs`, where
//!   generation differs from the spec, documented in one place), and the wire table derived
//!   from it (`wire.rs`), one of each per version's spec;
//! - [`table::generate`]: the cross-version operation and action table (`table.rs`).

pub mod open_enum;
mod spelling;
pub mod table;
pub mod view;
mod wire;

pub use wire::Op;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::Value;
use vbo365_spec::{Spec, pointer};

/// The hand-written type that every secret in the spec is generated as.
pub const SECRET_TYPE: &str = "crate::SecretString";

/// The hand-written type that every `format: date-time` is generated as: strict when built,
/// lenient when read (servers write offset-less times too).
pub const TIMESTAMP_TYPE: &str = "crate::Timestamp";

/// Parses the YAML spec into JSON, with every local `$ref` checked to resolve.
pub fn load(text: &str) -> Result<Value, String> {
    let spec = Spec::parse(text)?;
    let errors = spec.reference_errors();
    if errors.is_empty() {
        Ok(spec.into_document())
    } else {
        Err(errors.join("\n"))
    }
}

/// The generation view of the spec as a typed OpenAPI document, and the rewrites it took.
pub fn generation_view(text: &str) -> Result<(openapiv3::OpenAPI, Vec<view::Rewrite>), String> {
    let mut value = load(text)?;
    let rewrites = view::apply(&mut value);
    let spec = serde_path_to_error::deserialize(value).map_err(|e| {
        format!(
            "#/{}: not a valid OpenAPI 3.0 document: {}",
            e.path(),
            e.inner()
        )
    })?;
    Ok((spec, rewrites))
}

/// Generator settings: builder-style client, hooks for auth, secrets as `SecretString`, open
/// response enums as the types of `open_enum.rs`.
pub fn settings(open_enums: &[open_enum::OpenEnum]) -> GenerationSettings {
    use schemars::schema::{InstanceType, SchemaObject};
    let password = SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some("password".to_string()),
        ..Default::default()
    };
    let date_time = SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some("date-time".to_string()),
        ..Default::default()
    };
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::hooks::Inner))
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap")
        .with_conversion(password, SECRET_TYPE, [TypeImpl::Default].into_iter())
        .with_conversion(
            date_time,
            TIMESTAMP_TYPE,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_replacement(
            "ApplicationCertificate",
            SECRET_TYPE,
            [TypeImpl::Default].into_iter(),
        );
    for open in open_enums {
        settings.with_replacement(
            &open.name,
            open.path(),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

/// The generated sources of one version: the client, and the wire table derived from it
/// (`crates/codegen/src/wire.rs`).
pub struct Generated {
    /// `vbo_v4.rs`: progenitor's client.
    pub client: String,
    /// `vbo_v4_wire.rs`: enum value lists, action keys, `call()`.
    pub wire: String,
    /// The operations, for the cross-version table ([`table::generate`]).
    pub operations: Vec<wire::Op>,
}

/// Generates the formatted client source from the spec text.
pub fn generate(text: &str) -> Result<String, String> {
    generate_files(text, "the spec", "v4").map(|generated| generated.client)
}

/// Where the generated client of version module `module` (`v6`) has its types. v4's client
/// is also at the top of `generated`, where its source has always pointed.
fn types_path(module: &str) -> String {
    if module == "v4" {
        "crate::generated::types".into()
    } else {
        format!("crate::generated::{module}::types")
    }
}

/// Generates the client and its wire table from the text of the spec at `spec_file` (named
/// in the generated files' header), for the version module `module` (`v4`).
pub fn generate_files(text: &str, spec_file: &str, module: &str) -> Result<Generated, String> {
    let (spec, _) = generation_view(text)?;
    let types = types_path(module);
    let open_enums = open_enum::find(&spec, &types)?;
    let tokens = match generate_tokens(&spec, &types) {
        Ok(tokens) => tokens,
        Err(reason) => return Err(locate_failure(&spec, &types, &reason)),
    };
    let (tokens, encoders) = view::route_path_encoder(tokens);
    if encoders == 0 && spec_has_path_parameters(&spec) {
        return Err(format!(
            "progenitor no longer calls encode_path for path parameters: rule 4 of \
             crates/codegen/src/view.rs ({}) must be adapted",
            view::PATH_ENCODER
        ));
    }
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    let (wire, operations) = wire::generate(&spec, &file)?;
    add_to_types(&mut file, open_enums.iter().map(open_enum::generate))?;
    let wire: syn::File = syn::parse2(wire).map_err(|e| {
        format!("crates/codegen/src/wire.rs produced code that does not parse: {e}")
    })?;
    let header = format!("// @generated by build.rs from {spec_file}. Do not edit.\n\n");
    Ok(Generated {
        client: format!("{header}{}", prettyplease::unparse(&file)),
        wire: format!("{header}{}", prettyplease::unparse(&wire)),
        operations,
    })
}

/// Appends `items` to the generated `types` module, where the replaced schemas' names point.
fn add_to_types(
    file: &mut syn::File,
    items: impl Iterator<Item = proc_macro2::TokenStream>,
) -> Result<(), String> {
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or("the generated client has no `types` module")?;
    for tokens in items {
        let parsed: syn::File = syn::parse2(tokens).map_err(|e| {
            format!("crates/codegen/src/open_enum.rs produced code that does not parse: {e}")
        })?;
        types.extend(parsed.items);
    }
    Ok(())
}

/// Whether any operation has a path parameter, that is a `{name}` in its path.
fn spec_has_path_parameters(spec: &openapiv3::OpenAPI) -> bool {
    spec.paths.paths.keys().any(|path| path.contains('{'))
}

/// Runs progenitor, turning its panics (it asserts on shapes it cannot generate) into errors.
fn generate_tokens(
    spec: &openapiv3::OpenAPI,
    types: &str,
) -> Result<proc_macro2::TokenStream, String> {
    let open_enums = open_enum::find(spec, types)?;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result =
        std::panic::catch_unwind(|| Generator::new(&settings(&open_enums)).generate_tokens(spec));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "progenitor panicked".to_string())),
    }
}

/// Names the operation that progenitor rejects, by generating each one on its own.
fn locate_failure(spec: &openapiv3::OpenAPI, types: &str, reason: &str) -> String {
    for (path, item) in &spec.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let mut single = spec.clone();
            let mut only = openapiv3::PathItem {
                parameters: item.parameters.clone(),
                ..Default::default()
            };
            set_operation(&mut only, method, operation.clone());
            single.paths.paths = [(path.clone(), openapiv3::ReferenceOr::Item(only))]
                .into_iter()
                .collect();
            if let Err(why) = generate_tokens(&single, types) {
                let id = operation
                    .operation_id
                    .as_deref()
                    .unwrap_or("(no operationId)");
                return format!(
                    "#/paths/{}/{method} ({id}): progenitor cannot generate this operation: {}\n\
                     hint: each operation needs one success response type and one error \
                     body type; see crates/codegen/src/view.rs for what the generation view rewrites",
                    pointer::escape(path),
                    why.trim()
                );
            }
        }
    }
    format!("progenitor cannot generate the spec: {}", reason.trim())
}

fn set_operation(item: &mut openapiv3::PathItem, method: &str, op: openapiv3::Operation) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    };
    *slot = Some(op);
}
