//! Static detection of the shapes that progenitor 0.15 cannot generate (it asserts, or emits
//! wrong code), checked on the generation view that build.rs hands it. The rules mirror
//! progenitor's own response classification (`progenitor-impl` `method.rs`): a response is
//! typed by its `application/json` schema, raw when it has another media type, and none when
//! it has no content; all success responses must share one kind, and so must all error
//! responses, with `default` counting as both.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Finding, operations};
use crate::codegen_check::view;
use crate::spec::pointer::escape;

/// What progenitor makes of one response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A JSON body of this schema (its `$ref`, or the inline schema's JSON).
    Json(String),
    /// Another media type: the raw byte stream.
    Raw,
    /// No content.
    Empty,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Json(schema) if schema.starts_with("#/") => write!(f, "JSON {schema}"),
            Kind::Json(_) => f.write_str("JSON (inline schema)"),
            Kind::Raw => f.write_str("a raw byte stream"),
            Kind::Empty => f.write_str("no body"),
        }
    }
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    // The shared walker; a reference it cannot follow is reported by the lint's own rule.
    crate::spec::resolve_in(doc, node).unwrap_or(node)
}

fn kind(doc: &Value, response: &Value) -> Kind {
    let content = resolve(doc, response)
        .get("content")
        .and_then(Value::as_object);
    let Some(content) = content.filter(|c| !c.is_empty()) else {
        return Kind::Empty;
    };
    match content.iter().find(|(media_type, _)| is_json(media_type)) {
        Some((_, media)) => {
            let schema = media.get("schema").cloned().unwrap_or(Value::Null);
            Kind::Json(match schema.get("$ref").and_then(Value::as_str) {
                Some(target) => target.to_string(),
                None => schema.to_string(),
            })
        }
        None => Kind::Raw,
    }
}

enum Status {
    Success,
    Error,
    Default,
    Other,
}

fn classify(status: &str) -> Status {
    match status {
        "default" => Status::Default,
        "2XX" | "101" => Status::Success,
        "4XX" | "5XX" => Status::Error,
        code => match code.parse::<u16>() {
            Ok(200..=299) => Status::Success,
            Ok(400..=599) => Status::Error,
            _ => Status::Other,
        },
    }
}

/// Adds the findings of every shape rule, on the generation view of `doc`.
pub fn shapes(doc: &Value, out: &mut Vec<Finding>) {
    let mut view = doc.clone();
    view::apply(&mut view);
    let doc = &view;
    for (pointer, operation) in operations(doc) {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("(no operationId)");
        request_media(doc, operation, &pointer, id, out);
        responses(doc, operation, &pointer, id, out);
    }
    schema_nodes(doc, out);
}

fn request_media(doc: &Value, operation: &Value, pointer: &str, id: &str, out: &mut Vec<Finding>) {
    let Some(body) = operation.get("requestBody") else {
        return;
    };
    let Some(content) = resolve(doc, body).get("content").and_then(Value::as_object) else {
        return;
    };
    if content.len() > 1 {
        out.push(Finding {
            pointer: format!("{pointer}/requestBody/content"),
            rule: "progenitor-request-media",
            message: format!(
                "{id}: the request body has {} media types ({}); progenitor generates one body \
                 per operation and panics on more (upstream issue #76)",
                content.len(),
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            hint: "keep the one media type the client sends (application/json, or \
                   application/x-www-form-urlencoded for OAuth)"
                .into(),
        });
    }
}

fn responses(doc: &Value, operation: &Value, pointer: &str, id: &str, out: &mut Vec<Finding>) {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return;
    };
    let mut success: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
    let mut errors: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
    let mut default = None;
    for (status, response) in responses {
        let content = resolve(doc, response)
            .get("content")
            .and_then(Value::as_object);
        if let Some(content) = content
            && content.len() > 1
            && content.keys().any(|m| is_json(m))
        {
            out.push(Finding {
                pointer: format!("{pointer}/responses/{}/content", escape(status)),
                rule: "progenitor-response-media",
                message: format!(
                    "{id} {status}: media types {} beside JSON; progenitor picks the JSON one \
                     and would JSON-parse every other body",
                    content.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                hint: "declare one media type per status, or, for a file download beside JSON, \
                       declare the file as `application/octet-stream` with `type: string, \
                       format: binary` (crates/codegen/src/view.rs rule 1 keeps it as a raw stream)"
                    .into(),
            });
        }
        let kind = kind(doc, response);
        match classify(status) {
            Status::Success => success.entry(kind).or_default().push(status),
            Status::Error => errors.entry(kind).or_default().push(status),
            Status::Default => default = Some(kind),
            Status::Other => {}
        }
    }
    let listing = |kinds: &BTreeMap<Kind, Vec<&str>>| {
        kinds
            .iter()
            .map(|(kind, statuses)| format!("{} -> {kind}", statuses.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let at = format!("{pointer}/responses");
    if success.len() > 1 {
        out.push(Finding {
            pointer: at.clone(),
            rule: "progenitor-success-kinds",
            message: format!(
                "{id}: the success responses differ in kind ({}); progenitor asserts \
                 `response_types.len() <= 1` (upstream issue #950)",
                listing(&success)
            ),
            hint: "give the operation one success status with one body kind; a body that \
                   depends on the request stays one status (see crates/codegen/src/view.rs rule 1)"
                .into(),
        });
    }
    if errors.len() > 1 {
        out.push(Finding {
            pointer: at.clone(),
            rule: "progenitor-error-bodies",
            message: format!(
                "{id}: the error responses have different bodies ({}); progenitor generates \
                 one error type per operation and asserts",
                listing(&errors)
            ),
            hint: "give every error status the same body (here `#/components/schemas/Error` \
                   through `#/components/responses/...`)"
                .into(),
        });
    }
    if let Some(default) = default {
        // `default` is both a success and an error response, except beside a `2XX` range.
        let beside_success = !responses.contains_key("2XX");
        let clashes: Vec<String> = success
            .keys()
            .filter(|_| beside_success)
            .chain(errors.keys())
            .filter(|kind| **kind != default)
            .map(|kind| kind.to_string())
            .collect();
        if !clashes.is_empty() {
            out.push(Finding {
                pointer: format!("{at}/default"),
                rule: "progenitor-default-response",
                message: format!(
                    "{id}: `default` ({default}) differs from {}; progenitor counts `default` \
                     as a success and an error response and asserts",
                    clashes.join(", ")
                ),
                hint: "replace `default` with explicit codes or `4XX`/`5XX` ranges that share \
                       the error body"
                    .into(),
            });
        }
    }
}

/// Schema-level shapes: `enum: [null]` and a closed `allOf`, anywhere in the document.
fn schema_nodes(doc: &Value, out: &mut Vec<Finding>) {
    // The shared walker visits every object with its pointer.
    crate::spec::walk(doc, &mut String::from("#"), &mut |at, node| {
        let Some(map) = node.as_object() else { return };
        if map.get("enum") == Some(&Value::Array(vec![Value::Null])) {
            out.push(Finding {
                pointer: at.to_string(),
                rule: "progenitor-null-enum",
                message: "`enum: [null]`: progenitor serializes the value as the bare \
                      property name, not `null`"
                    .into(),
                hint: "write `type: object, nullable: true, additionalProperties: false` \
                   (serializes as `null`)"
                    .into(),
            });
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            let closed = map.get("additionalProperties") == Some(&Value::Bool(false))
                || members.iter().any(|m| {
                    resolve(doc, m).get("additionalProperties") == Some(&Value::Bool(false))
                });
            if closed {
                out.push(Finding {
                    pointer: at.to_string(),
                    rule: "progenitor-closed-allof",
                    message: "`allOf` with `additionalProperties: false`: no value can \
                          satisfy every member, and progenitor generates an \
                          uninhabitable `enum {}`"
                        .into(),
                    hint: "write the merged object out with its own properties, or drop \
                       `additionalProperties: false` from the members"
                        .into(),
                });
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::lint;

    const SPEC: &str = include_str!("../../../openapi/vbo-v4.yaml");
    const ORGS: &str =
        "      responses:\n        '200':\n          description: The organizations.";

    fn edited(from: &str, to: &str) -> String {
        let out = SPEC.replacen(from, to, 1);
        assert_ne!(out, SPEC, "the edit must apply: {from}");
        out
    }

    /// The findings of `rule`, each as its pointer.
    fn found(text: &str, rule: &str) -> Vec<String> {
        let all = lint(text);
        all.iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.pointer.clone())
            .collect()
    }

    /// Confirms that build.rs's generation really fails on the edited spec, so that each
    /// static rule below is tested against a shape progenitor truly rejects.
    fn progenitor_rejects(text: &str) {
        assert!(
            crate::codegen_check::codegen::generate(text).is_err(),
            "progenitor generated the edited spec"
        );
    }

    #[test]
    fn json_beside_another_media_type_is_named() {
        let text = edited(
            "          description: The organizations.\n          content:\n",
            "          description: The organizations.\n          content:\n            text/csv:\n              schema:\n                type: string\n              example: a,b\n",
        );
        assert_eq!(
            found(&text, "progenitor-response-media"),
            ["#/paths/~1v4~1Organizations/get/responses/200/content"]
        );
    }

    #[test]
    fn mixed_success_kinds_are_named() {
        let text = edited(
            ORGS,
            "      responses:\n        '204':\n          description: No organizations.\n        '200':\n          description: The organizations.",
        );
        progenitor_rejects(&text);
        assert_eq!(
            found(&text, "progenitor-success-kinds"),
            ["#/paths/~1v4~1Organizations/get/responses"]
        );
    }

    #[test]
    fn a_default_response_unlike_the_success_is_named() {
        let text = edited(
            ORGS,
            "      responses:\n        default:\n          description: Anything else.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/OAuthError'\n              example:\n                error: x\n        '200':\n          description: The organizations.",
        );
        progenitor_rejects(&text);
        assert_eq!(
            found(&text, "progenitor-default-response"),
            ["#/paths/~1v4~1Organizations/get/responses/default"]
        );
    }

    #[test]
    fn differing_error_bodies_are_named() {
        let text = edited(
            "        '401':\n          $ref: '#/components/responses/Unauthorized'\n        '408':\n          $ref: '#/components/responses/RequestTimeout'\n        '413':\n          $ref: '#/components/responses/PayloadTooLarge'\n        '500':\n          $ref: '#/components/responses/ServerError'\n\n  /v4/Organizations/{organizationId}:",
            "        '401':\n          description: Unauthorized, no body.\n        '408':\n          $ref: '#/components/responses/RequestTimeout'\n        '413':\n          $ref: '#/components/responses/PayloadTooLarge'\n        '500':\n          $ref: '#/components/responses/ServerError'\n\n  /v4/Organizations/{organizationId}:",
        );
        progenitor_rejects(&text);
        assert_eq!(
            found(&text, "progenitor-error-bodies"),
            ["#/paths/~1v4~1Organizations/get/responses"]
        );
    }

    #[test]
    fn two_request_media_types_are_named() {
        let text = edited(
            "        content:\n          application/x-www-form-urlencoded:\n",
            "        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/TokenRequest'\n            example:\n              grant_type: password\n              username: a\n              password: b\n          application/x-www-form-urlencoded:\n",
        );
        progenitor_rejects(&text);
        assert_eq!(
            found(&text, "progenitor-request-media"),
            ["#/paths/~1v4~1token/post/requestBody/content"]
        );
    }

    #[test]
    fn the_binary_multiplexed_action_response_is_left_to_the_view() {
        assert_eq!(
            found(SPEC, "progenitor-response-media"),
            Vec::<String>::new()
        );
        assert_eq!(
            found(SPEC, "progenitor-success-kinds"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn null_enum_and_closed_all_of_are_named() {
        let text = edited(
            "            sendtoDefaultaddress:\n              type: object\n              nullable: true\n              additionalProperties: false\n",
            "            sendtoDefaultaddress:\n              enum: [null]\n",
        );
        assert_eq!(
            found(&text, "progenitor-null-enum"),
            ["#/components/schemas/MailboxItemAction/oneOf/3/properties/sendtoDefaultaddress"]
        );
        let text = edited(
            "    StopAction:\n      type: object\n",
            "    StopAction:\n      allOf:\n        - $ref: '#/components/schemas/ExploreAction'\n      type: object\n",
        );
        assert_eq!(
            found(&text, "progenitor-closed-allof"),
            ["#/components/schemas/StopAction"]
        );
    }

    #[test]
    fn a_failure_no_static_rule_knows_is_still_reported() {
        // A request body with no schema: progenitor refuses it; no shape rule covers it.
        let text = edited(
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/VexEmailSettingsUpdate'\n",
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            x-schema:\n              $ref: '#/components/schemas/VexEmailSettingsUpdate'\n",
        );
        assert_eq!(
            found(&text, "progenitor-generate").len(),
            1,
            "{:?}",
            lint(&text)
        );
    }
}
