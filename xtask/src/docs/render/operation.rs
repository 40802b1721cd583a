//! The page of one operation: request line, headers, parameters, body and responses.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use indexmap::IndexMap;
use openapiv3::{
    Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, SecurityScheme, StatusCode,
};

use super::tables::render_rows;
use super::view::View;
use super::{Docs, cell};
use crate::spec::escape;

impl<'a> Docs<'a> {
    pub(super) fn server(&self) -> String {
        let Some(server) = self.api.servers.first() else {
            return String::new();
        };
        let mut url = server.url.clone();
        for name in server.variables.iter().flat_map(|v| v.keys()) {
            url = url.replace(&format!("{{{name}}}"), &format!("<{name}>"));
        }
        url
    }

    pub(super) fn security(&self, operation: &Operation) -> Vec<(String, String)> {
        let requirements = operation
            .security
            .as_ref()
            .or(self.api.security.as_ref())
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for name in requirements.iter().flat_map(|r| r.keys()) {
            let scheme = self
                .api
                .components
                .as_ref()
                .and_then(|c| c.security_schemes.get(name))
                .and_then(ReferenceOr::as_item);
            let (value, description) = match scheme {
                Some(SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                }) if scheme.eq_ignore_ascii_case("bearer") => {
                    ("`Bearer <access_token>`".to_string(), description.clone())
                }
                Some(SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                }) => (format!("`{scheme} ...`"), description.clone()),
                Some(SecurityScheme::APIKey { description, .. }) => {
                    ("an API key".to_string(), description.clone())
                }
                // OAuth 2.0 tokens go in the same bearer header as an http bearer scheme's.
                Some(SecurityScheme::OAuth2 { description, .. }) => {
                    ("`Bearer <access_token>`".to_string(), description.clone())
                }
                _ => (format!("`{name}`"), None),
            };
            // Alternatives that send the same header are one row, with the first's words.
            if out.iter().any(|(v, _)| *v == value) {
                continue;
            }
            out.push((
                value,
                description
                    .map(|d| cell(&d))
                    .unwrap_or_else(|| name.clone()),
            ));
        }
        out
    }

    pub(super) fn operation(
        &self,
        path: &str,
        method: &str,
        op: &'a Operation,
    ) -> anyhow::Result<String> {
        let mut out = String::new();
        let id = op.operation_id.as_deref().unwrap_or_default();
        let title = op.summary.clone().unwrap_or_else(|| id.to_string());
        let op_pointer = format!("#/paths/{}/{method}", escape(path));
        let _ = writeln!(
            out,
            "<!-- Generated from {} by `cargo xtask docs`. Do not edit: edit the spec. -->\n",
            self.spec_label
        );
        let _ = writeln!(out, "# {title}\n");
        let mut meta = format!("Operation `{id}`");
        if !op.tags.is_empty() {
            let tags: Vec<String> = op.tags.iter().map(|t| format!("`{t}`")).collect();
            let _ = write!(meta, " · tag {}", tags.join(", "));
        }
        // `x-vbo-login`: the one kind of login the operation serves.
        match op.extensions.get("x-vbo-login").and_then(|v| v.as_str()) {
            Some("tenant") => meta.push_str(" · **tenant login only**"),
            Some("administrator") => meta.push_str(" · **administrator login only**"),
            Some(other) => bail!("{id}: x-vbo-login is `administrator` or `tenant`, not `{other}`"),
            None => {}
        }
        if op.deprecated {
            meta.push_str(" · **deprecated**");
        }
        let _ = writeln!(out, "{meta} · [all operations](README.md)\n");
        if let Some(description) = &op.description {
            let _ = writeln!(out, "{}\n", description.trim_end());
        }

        let _ = writeln!(out, "## Request\n");
        let _ = writeln!(
            out,
            "```http\n{} {}{path}\n```\n",
            method.to_uppercase(),
            self.server()
        );

        // Parameters: the path item's, overridden by the operation's of the same name.
        let mut parameters: IndexMap<(String, String), &Parameter> = IndexMap::new();
        let item = match self.api.paths.paths.get(path) {
            Some(ReferenceOr::Item(item)) => Some(item),
            _ => None,
        };
        for r in item
            .map(|i| i.parameters.iter())
            .into_iter()
            .flatten()
            .chain(op.parameters.iter())
        {
            let Some(parameter) = self.parameter(r) else {
                bail!("{op_pointer}: a parameter reference does not resolve");
            };
            let data = parameter.parameter_data_ref();
            let location = match parameter {
                Parameter::Path { .. } => "path",
                Parameter::Query { .. } => "query",
                Parameter::Header { .. } => "header",
                Parameter::Cookie { .. } => "cookie",
            };
            parameters.insert((location.into(), data.name.clone()), parameter);
        }
        let rows_of = |location: &str| -> Vec<[String; 4]> {
            parameters
                .iter()
                .filter(|((l, _), _)| l == location)
                .map(|(_, p)| {
                    let data = p.parameter_data_ref();
                    let view = match &data.format {
                        ParameterSchemaOrContent::Schema(s) => self.resolve(s),
                        ParameterSchemaOrContent::Content(_) => None,
                    };
                    let (label, description) = match view {
                        Some((name, schema)) => {
                            let view = View::of(schema);
                            (
                                self.type_label(name.as_deref(), &view),
                                self.row_description(data.description.as_deref(), &view),
                            )
                        }
                        None => (
                            "content".into(),
                            cell(data.description.as_deref().unwrap_or("")),
                        ),
                    };
                    [
                        format!("`{}`", data.name),
                        label,
                        if data.required { "yes" } else { "no" }.into(),
                        description,
                    ]
                })
                .collect()
        };

        // Headers: authorization, content type, accept, and header parameters.
        let mut headers: Vec<[String; 3]> = Vec::new();
        for (value, description) in self.security(op) {
            headers.push(["`Authorization`".into(), value, description]);
        }
        let body = match &op.request_body {
            Some(r) => Some(
                self.component(
                    r,
                    format!("{op_pointer}/requestBody"),
                    "requestBodies",
                    |c| &c.request_bodies,
                )
                .with_context(|| format!("{op_pointer}: the request body does not resolve"))?,
            ),
            None => None,
        };
        if let Some((body, _)) = &body {
            let types: Vec<String> = body.content.keys().map(|t| format!("`{t}`")).collect();
            headers.push([
                "`Content-Type`".into(),
                types.join(" or "),
                "The media type of the body.".into(),
            ]);
        }
        let accept: Vec<String> = op
            .responses
            .responses
            .iter()
            .filter(|(status, _)| {
                matches!(status, StatusCode::Code(200..=299) | StatusCode::Range(2))
            })
            .filter_map(|(status, r)| {
                self.component(r, status.to_string(), "responses", |c| &c.responses)
            })
            .flat_map(|(r, _)| r.content.keys())
            .map(|t| format!("`{t}`"))
            .collect();
        if !accept.is_empty() {
            headers.push([
                "`Accept`".into(),
                accept.join(", "),
                "What the success response may be.".into(),
            ]);
        }
        for row in rows_of("header") {
            let [name, _, _, description] = row;
            headers.push([name, "".into(), description]);
        }
        if !headers.is_empty() {
            let _ = writeln!(out, "### Request headers\n");
            let _ = writeln!(out, "| Header | Value | Description |\n|---|---|---|");
            for [a, b, c] in headers {
                let _ = writeln!(out, "| {a} | {b} | {c} |");
            }
            out.push('\n');
        }
        for (location, heading) in [
            ("path", "Path parameters"),
            ("query", "Query parameters"),
            ("cookie", "Cookie parameters"),
        ] {
            let rows = rows_of(location);
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {heading}\n");
            render_rows(&rows, "Parameter", &mut out);
        }

        if let Some((body, pointer)) = body {
            self.request_body(body, &pointer, &mut out);
        }
        self.responses(op, &op_pointer, &mut out);
        Ok(out)
    }
}
