//! The rules on edits of the project's spec.

use super::*;

const SPEC: &str = include_str!("../../../openapi/vbo-v4.yaml");

fn rules(text: &str) -> Vec<(&'static str, String)> {
    lint(text)
        .into_iter()
        .map(|f| (f.rule, f.pointer))
        .collect()
}

fn edited(from: &str, to: &str) -> String {
    let out = SPEC.replacen(from, to, 1);
    assert_ne!(out, SPEC, "the edit must apply: {from}");
    out
}

#[test]
fn the_spec_has_no_findings() {
    assert_eq!(lint(SPEC), Vec::new());
}

#[test]
fn every_rule_is_listed_once() {
    let mut names: Vec<_> = RULES.iter().map(|(r, _)| *r).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
}

#[test]
fn openapi_3_1_is_refused() {
    let found = rules(&edited("openapi: 3.0.3", "openapi: 3.1.0"));
    assert!(
        found.contains(&("openapi-version", "#/openapi".into())),
        "{found:?}"
    );
}

#[test]
fn a_duplicate_operation_id_is_named() {
    let found = rules(&edited(
        "operationId: listOrganizations",
        "operationId: createToken",
    ));
    assert_eq!(
        found,
        [(
            "operation-id",
            "#/paths/~1v4~1token/post/operationId".into()
        )]
    );
}

#[test]
fn undescribed_operation_parameter_and_property_are_named() {
    let text = edited(
        "      summary: List organizations\n      description: |\n        Lists the organizations added to the VBO server. Not paged in v4. An administrator\n        route: a tenant's token gets 401 (a tenant reads its own with `getTenantOrganization`).\n",
        "",
    );
    let text = text.replacen(
        "          description: Lists the children of this folder; omitted, the top-level folders.\n",
        "",
        1,
    );
    let text = text.replacen(
        "          description: What went wrong, in the server's words.\n\n    OAuthError:",
        "\n    OAuthError:",
        1,
    );
    let found = rules(&text);
    assert!(
        found.contains(&(
            "operation-described",
            "#/paths/~1v4~1Organizations/get".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "parameter-described",
            "#/paths/~1v4~1RestoreSessions~1{restoreSessionId}~1Organization~1Mailboxes~1{mailboxId}~1Folders/get/parameters/2".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "property-described",
            "#/components/schemas/Error/properties/message".into()
        )),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn a_missing_and_an_invalid_example_are_named() {
    let text = edited(
        "              example:\n                enableNotification: true\n                server: smtp.office365.com\n                port: 587\n                useAuthentication: true\n                username: notifications@westsupport.onmicrosoft.com\n                useSSL: true\n",
        "              x-no-example: true\n              x-rest:\n                server: smtp.office365.com\n                useSSL: true\n",
    );
    let text = text.replacen(
        "pstSizeLimitBytes: 1073741824",
        "pstSizeLimitBytes: 1024",
        1,
    );
    let found = rules(&text);
    assert!(
        found.contains(&(
            "example-missing",
            "#/paths/~1v4~1VEXEmailSettings/get/responses/200/content/application~1json".into()
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(rule, pointer)| *rule == "example-invalid"
                && pointer.ends_with("/examples/exportToPstWithSizeLimit/value")),
        "{found:?}"
    );
}

#[test]
fn a_dangling_ref_is_named() {
    let found = rules(&edited(
        "$ref: '#/components/schemas/ExportToPstOptions'",
        "$ref: '#/components/schemas/ExportToPstOptionz'",
    ));
    assert!(
        found.contains(&(
            "dangling-ref",
            "#/components/schemas/MailboxItemAction/oneOf/0/properties/exportToPst".into()
        )),
        "{found:?}"
    );
}

#[test]
fn invalid_yaml_is_one_finding() {
    assert_eq!(rules("openapi: [3.0\n")[0].0, "yaml");
}

#[test]
fn a_closed_response_enum_is_named() {
    let found = rules(&edited(
        "      type: string\n      x-extensible-enum: [Starting, Working, Stopping, Stopped]\n",
        "      type: string\n      enum: [Starting, Working, Stopping, Stopped]\n",
    ));
    assert!(
        found.contains(&(
            "response-enum-closed",
            "#/components/schemas/RestoreSessionState".into()
        )),
        "{found:?}"
    );
}

#[test]
fn an_open_request_enum_and_a_misplaced_one_are_named() {
    let found = rules(&edited(
        "          enum: [vex, veod, vesp]\n",
        "          x-extensible-enum: [vex, veod, vesp]\n",
    ));
    let at = "#/components/schemas/ExploreOptions/properties/type";
    assert!(
        found.contains(&("request-enum-open", at.into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("open-enum-placement", at.into())),
        "{found:?}"
    );
}
