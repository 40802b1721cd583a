//! Runs the very generation step of `build.rs` on a spec, without building the crate.

use std::path::Path;

use anyhow::{Context, bail};

pub use vbo365_codegen as codegen;
pub use vbo365_codegen::view;

pub fn run(spec: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    match codegen::generate(&text) {
        Ok(source) => {
            let (_, rewrites) = codegen::generation_view(&text).map_err(anyhow::Error::msg)?;
            println!(
                "{}: generates {} lines of client code",
                spec.display(),
                source.lines().count()
            );
            for rewrite in rewrites {
                println!("  generation view: {}: {}", rewrite.pointer, rewrite.what);
            }
            Ok(())
        }
        Err(reason) => bail!("{}: {reason}", spec.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::codegen;

    const SPEC: &str = include_str!("../../openapi/vbo-v4.yaml");

    #[test]
    fn the_spec_generates() {
        let source = codegen::generate(SPEC).unwrap();
        assert!(source.contains("pub enum MailboxItemAction"));
    }

    #[test]
    fn a_dangling_ref_is_named_with_its_location() {
        let broken = SPEC.replacen(
            "$ref: '#/components/schemas/ExportToPstOptions'",
            "$ref: '#/components/schemas/ExportToPstOptionz'",
            1,
        );
        let error = codegen::generate(&broken).unwrap_err();
        assert!(
            error.contains("$ref '#/components/schemas/ExportToPstOptionz' does not resolve"),
            "{error}"
        );
        assert!(
            error.contains("#/components/schemas/MailboxItemAction/oneOf/0/properties/exportToPst"),
            "{error}"
        );
    }

    #[test]
    fn a_shape_progenitor_rejects_names_the_operation_and_reason() {
        // A `default` response with another schema than the success one makes progenitor
        // assert; the build must say where and why instead of panicking.
        let broken = SPEC.replacen(
            "      responses:\n        '200':\n          description: The organizations.",
            "      responses:\n        default:\n          description: Anything else.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/OAuthError'\n        '200':\n          description: The organizations.",
            1,
        );
        assert_ne!(broken, SPEC, "the fixture edit must apply");
        let error = codegen::generate(&broken).unwrap_err();
        assert!(
            error.contains("#/paths/~1v4~1Organizations/get (listOrganizations)"),
            "{error}"
        );
        assert!(
            error.contains("progenitor cannot generate this operation"),
            "{error}"
        );
    }

    #[test]
    fn invalid_yaml_is_reported_with_its_line() {
        let error = codegen::generate("openapi: 3.0.3\ninfo: [unclosed\n").unwrap_err();
        assert!(error.contains("invalid YAML"), "{error}");
        assert!(error.contains("line"), "{error}");
    }

    #[test]
    fn the_view_rewrites_only_what_it_documents() {
        let (_, rewrites) = codegen::generation_view(SPEC).unwrap();
        let pointers: Vec<_> = rewrites.iter().map(|r| r.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/components/parameters/folderId/schema",
                "/components/parameters/itemId/schema",
                "/components/schemas/ExportItemsToPstOptions/anyOf",
                "/components/schemas/ExportToPstOptions/anyOf",
                "/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Action/post/responses/200/content",
                "/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Folders~1{folderId}~1Action/post/responses/200/content",
                "/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Items~1Action/post/responses/200/content",
                "/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Items~1{itemId}~1Action/post/responses/200/content",
            ]
        );
    }
}
