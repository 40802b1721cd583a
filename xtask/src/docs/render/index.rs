//! The index page: every operation, grouped as the spec's tags group them.

use std::fmt::Write as _;

use openapiv3::Operation;
use serde_json::Value;

use super::{Docs, cell};

impl<'a> Docs<'a> {
    pub(super) fn index(&self, operations: &[(&str, &str, &Operation, String)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<!-- Generated from {} by `cargo xtask docs`. Do not edit: edit the spec. -->\n",
            self.spec_label
        );
        let _ = writeln!(out, "# {}\n", self.api.info.title);
        let _ = writeln!(
            out,
            "API version {} · OpenAPI {} · generated from the spec, `{}`, by `cargo xtask docs`.\n",
            self.api.info.version, self.api.openapi, self.spec_label
        );
        if let Some(link) = self.versions_link {
            let _ = writeln!(
                out,
                "The other API versions, and what differs between them operation by operation: \
                 [versions]({link}).\n"
            );
        }
        if let Some(server) = self.api.servers.first() {
            let _ = writeln!(out, "Server: `{}`", self.server());
            for (name, variable) in server.variables.iter().flatten() {
                let _ = writeln!(
                    out,
                    "- `{name}`: {} Default `{}`.",
                    cell(variable.description.as_deref().unwrap_or("")),
                    variable.default
                );
            }
            out.push('\n');
        }
        // Group by the first tag, in the order the spec declares its tags.
        let mut tags: Vec<(String, Option<String>)> = self
            .api
            .tags
            .iter()
            .map(|t| (t.name.clone(), t.description.clone()))
            .collect();
        for (_, _, op, _) in operations {
            let tag = op.tags.first().cloned().unwrap_or_else(|| "other".into());
            if !tags.iter().any(|(t, _)| *t == tag) {
                tags.push((tag, None));
            }
        }
        for (tag, description) in tags {
            let rows: Vec<_> = operations
                .iter()
                .filter(|(_, _, op, _)| {
                    op.tags.first().map(String::as_str).unwrap_or("other") == tag
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {tag}\n");
            if let Some(description) = description {
                let _ = writeln!(out, "{}\n", description.trim_end());
            }
            let _ = writeln!(out, "| Operation | Request | Summary |\n|---|---|---|");
            for (path, method, op, file) in rows {
                let _ = writeln!(
                    out,
                    "| [`{}`]({file}) | `{} {path}` | {} |",
                    op.operation_id.as_deref().unwrap_or_default(),
                    method.to_uppercase(),
                    cell(op.summary.as_deref().unwrap_or(""))
                );
            }
            out.push('\n');
        }
        let errata = self
            .api
            .info
            .extensions
            .get("x-errata")
            .and_then(Value::as_array);
        if let Some(errata) = errata {
            let _ = writeln!(out, "## Errata of the vendor's v4 page, corrected here\n");
            for erratum in errata.iter().filter_map(Value::as_str) {
                let _ = writeln!(out, "- {}", cell(erratum));
            }
            out.push('\n');
        }
        out
    }
}
