//! Request and response bodies: media types, schemas and examples.

use std::fmt::Write as _;

use indexmap::IndexMap;
use openapiv3::{
    MediaType, Operation, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response,
};

use super::view::View;
use super::{Docs, cell, first_sentence};
use crate::spec::escape;

impl<'a> Docs<'a> {
    /// The examples of a media type, printed from the order-keeping document.
    pub(super) fn examples(
        &self,
        media_type: &str,
        media: &MediaType,
        pointer: &str,
        out: &mut String,
    ) {
        let mut found = Vec::new();
        if media.example.is_some() {
            found.push((None, format!("{pointer}/example")));
        }
        for (name, example) in &media.examples {
            let summary = match example {
                ReferenceOr::Item(e) => e.summary.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            let label = match summary {
                Some(summary) => format!("`{name}`: {summary}"),
                None => format!("`{name}`"),
            };
            found.push((
                Some(label),
                format!("{pointer}/examples/{}/value", escape(name)),
            ));
        }
        for (label, at) in found {
            let Some(value) = self.ordered_at(&at) else {
                continue;
            };
            if let Some(label) = label {
                let _ = writeln!(out, "Example {label}\n");
            } else {
                out.push_str("Example:\n\n");
            }
            if media_type == "application/x-www-form-urlencoded" {
                let body = serde_urlencoded::to_string(value)
                    .unwrap_or_else(|e| format!("(cannot form-encode the example: {e})"));
                let _ = writeln!(out, "```text\n{body}\n```\n");
            } else {
                let json = serde_json::to_string_pretty(value)
                    .unwrap_or_else(|e| format!("(cannot print the example: {e})"));
                let _ = writeln!(out, "```json\n{json}\n```\n");
            }
        }
    }

    pub(super) fn content(
        &self,
        content: &'a IndexMap<String, MediaType>,
        pointer: &str,
        out: &mut String,
        level: usize,
    ) {
        for (media_type, media) in content {
            let at = format!("{pointer}/content/{}", escape(media_type));
            let _ = writeln!(out, "{} `{media_type}`\n", "#".repeat(level));
            if let Some(schema) = &media.schema {
                let binary = self
                    .resolve(schema)
                    .is_some_and(|(_, s)| View::of(s).is_binary());
                if binary {
                    let description = self
                        .resolve(schema)
                        .and_then(|(_, s)| s.schema_data.description.clone())
                        .unwrap_or_default();
                    let _ = writeln!(out, "A file (binary). {}\n", cell(&description));
                } else {
                    self.body_schema(schema, out, level + 1);
                }
            }
            self.examples(media_type, media, &at, out);
        }
    }

    pub(super) fn request_body(&self, body: &'a RequestBody, pointer: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "### Request body{}\n",
            if body.required { "" } else { " (optional)" }
        );
        if let Some(description) = &body.description {
            let _ = writeln!(out, "{}\n", description.trim_end());
        }
        self.content(&body.content, pointer, out, 4);
    }

    pub(super) fn responses(&self, op: &'a Operation, op_pointer: &str, out: &mut String) {
        let _ = writeln!(out, "## Responses\n");
        let mut all: Vec<(String, &'a ReferenceOr<Response>)> = op
            .responses
            .responses
            .iter()
            .map(|(status, r)| (status.to_string(), r))
            .collect();
        if let Some(default) = &op.responses.default {
            all.push(("default".into(), default));
        }
        let resolved: Vec<(String, &'a Response, String)> = all
            .into_iter()
            .filter_map(|(status, r)| {
                self.component(
                    r,
                    format!("{op_pointer}/responses/{}", escape(&status)),
                    "responses",
                    |c| &c.responses,
                )
                .map(|(response, pointer)| (status, response, pointer))
            })
            .collect();
        let _ = writeln!(out, "| Status | Description | Media types |\n|---|---|---|");
        for (status, response, _) in &resolved {
            let types: Vec<String> = response.content.keys().map(|t| format!("`{t}`")).collect();
            let _ = writeln!(
                out,
                "| {status} | {} | {} |",
                first_sentence(&response.description),
                if types.is_empty() {
                    "no body".to_string()
                } else {
                    types.join(", ")
                }
            );
        }
        out.push('\n');
        for (status, response, pointer) in &resolved {
            let _ = writeln!(out, "### {status}\n");
            let _ = writeln!(out, "{}\n", response.description.trim_end());
            if !response.headers.is_empty() {
                let _ = writeln!(out, "| Header | Type | Description |\n|---|---|---|");
                for (name, header) in &response.headers {
                    let Some(header) = header.as_item() else {
                        continue;
                    };
                    let label = match &header.format {
                        ParameterSchemaOrContent::Schema(s) => self
                            .resolve(s)
                            .map(|(n, s)| self.type_label(n.as_deref(), &View::of(s)))
                            .unwrap_or_default(),
                        ParameterSchemaOrContent::Content(_) => "content".into(),
                    };
                    let _ = writeln!(
                        out,
                        "| `{name}` | {label} | {} |",
                        cell(header.description.as_deref().unwrap_or(""))
                    );
                }
                out.push('\n');
            }
            self.content(&response.content, pointer, out, 4);
        }
    }
}
