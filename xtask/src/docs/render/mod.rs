//! Renders the spec as Markdown pages. The structure comes from the typed `openapiv3` model
//! (which keeps the document's order); examples are printed from an order-keeping YAML value,
//! so that they read as written in the spec.

mod bodies;
mod index;
mod operation;
mod refs;
mod tables;
mod view;

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use openapiv3::OpenAPI;
use serde_json::Value;

/// Every page, by file name.
/// `spec_name` is the spec's file name: the pages name it, not its path, so that they do not
/// depend on where the spec was read from. `versions_link`, when given, is the link from the
/// index to the page of differences between the versions (`docs/api/versions.md`).
pub fn pages(
    text: &str,
    spec_name: &str,
    versions_link: Option<&str>,
) -> anyhow::Result<BTreeMap<String, String>> {
    let api: OpenAPI = serde_norway::from_str(text).context("not a valid OpenAPI 3.0 document")?;
    let ordered: serde_norway::Value = serde_norway::from_str(text).context("invalid YAML")?;
    let docs = Docs {
        api: &api,
        ordered: &ordered,
        spec_label: spec_name,
        versions_link,
    };
    let mut pages = BTreeMap::new();
    let mut index = Vec::new();
    for (path, method, operation) in api.operations() {
        let Some(id) = operation.operation_id.as_deref() else {
            bail!(
                "{} {path} has no operationId to name its page",
                method.to_uppercase()
            );
        };
        let file = format!("{id}.md");
        if pages.contains_key(&file) {
            bail!("operationId {id} is used twice");
        }
        pages.insert(file.clone(), docs.operation(path, method, operation)?);
        index.push((path, method, operation, file));
    }
    pages.insert("README.md".into(), docs.index(&index));
    Ok(pages)
}

struct Docs<'a> {
    api: &'a OpenAPI,
    ordered: &'a serde_norway::Value,
    spec_label: &'a str,
    versions_link: Option<&'a str>,
}

fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The first sentence of a description, for a heading or an index.
fn first_sentence(text: &str) -> String {
    let line = cell(text);
    match line.find(". ") {
        Some(end) => line[..=end].to_string(),
        None => line,
    }
}

fn code(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../../../openapi/vbo-v4.yaml");

    #[test]
    fn every_operation_has_a_page_and_an_index_entry() {
        let pages = pages(SPEC, "vbo-v4.yaml", None).unwrap();
        let index = &pages["README.md"];
        let spec: serde_json::Value = serde_norway::from_str(SPEC).unwrap();
        let ids: Vec<String> = crate::lint::operations(&spec)
            .into_iter()
            .filter_map(|(_, op)| op["operationId"].as_str().map(String::from))
            .collect();
        assert_eq!(pages.len(), ids.len() + 1);
        for id in ids {
            assert!(pages.contains_key(&format!("{id}.md")), "{id}");
            assert!(index.contains(&format!("[`{id}`]({id}.md)")), "{id}");
        }
    }

    #[test]
    fn the_action_page_has_the_vendor_shape() {
        let pages = pages(SPEC, "vbo-v4.yaml", None).unwrap();
        let page = &pages["performMailboxItemAction.md"];
        for expected in [
            "```http\nPOST https://<host>:<port>/v4/RestoreSessions/{restoreSessionId}/Organization/Mailboxes/{mailboxId}/Items/{itemId}/Action\n```",
            "| `Authorization` | `Bearer <access_token>` |",
            "| `Content-Type` | `application/json` |",
            "### Path parameters",
            "| `itemId` | string | yes |",
            "#### Variant 1: `exportToPst`",
            "| `exportToPst.pstSizeLimitBytes` | integer (int64) | no |",
            "From 1073741824 to 52613349376.",
            "`restoreTo`, variant 2: `RestoreToWithDeviceCode`",
            "| `restoreTo.userCode` | string | yes |",
            "Example `sendtoDifferentaddress`: Send to a different address (vendor example 6)",
            "| 200 | The action succeeded.",
            "| `Content-Length` | integer (int64) |",
        ] {
            assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
        }
        // Examples keep the spec's order of keys.
        assert!(
            page.contains("\"applicationId\": \"8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60\",\n    \"applicationCertificate\""),
            "{page}"
        );
    }

    #[test]
    fn the_token_page_shows_form_encoded_examples() {
        let pages = pages(SPEC, "vbo-v4.yaml", None).unwrap();
        let page = &pages["createToken.md"];
        assert!(
            page.contains("```text\ngrant_type=password&username=admin%40westsupport.onmicrosoft.com&password=paSSw0rd\n```"),
            "{page}"
        );
        assert!(
            !page.contains("| `Authorization` |"),
            "createToken needs no token: {page}"
        );
    }
}
