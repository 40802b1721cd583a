//! `versions.md` from two tiny specs that differ in known ways: each difference must show.

use super::*;

/// v1: a wrapped action route, an item list filtered by `folderId`, an item with `Name`,
/// a closed `kind` enum, a required `size`, answering 200 in JSON; a settings route.
const V1: &str = r##"
openapi: 3.0.3
info: {title: t, version: 1.0.0}
tags: [{name: items}, {name: settings}]
paths:
  /v1/items:
    get:
      operationId: listItems
      tags: [items]
      parameters:
        - {name: folderId, in: query, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
  /v1/items/{itemId}/Action:
    post:
      operationId: performItemAction
      tags: [items]
      x-vbo-action: [export, send]
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              oneOf:
                - type: object
                  required: [export]
                  properties:
                    export: {$ref: '#/components/schemas/ExportOptions'}
                - type: object
                  required: [send]
                  properties:
                    send: {type: object, properties: {to: {type: string}}}
      responses:
        '200': {description: ok}
  /v1/Settings:
    get:
      operationId: getSettings
      tags: [settings]
      responses:
        '200': {description: ok}
components:
  schemas:
    Item:
      type: object
      required: [size]
      properties:
        Name: {type: string}
        size: {type: integer}
        kind: {type: string, enum: [mail, note]}
    ExportOptions:
      type: object
      properties:
        keywords: {type: string}
"##;

/// v2: one route per action with a bare body, `parentId` instead of `folderId`, `name`
/// instead of `Name`, `size` optional, `kind` gains `task`, a new `owner`, the export drops
/// `keywords` and answers 204, the list also answers `text/csv`; the settings are gone.
const V2: &str = r##"
openapi: 3.0.3
info: {title: t, version: 2.0.0}
tags: [{name: items}]
paths:
  /v2/items:
    get:
      operationId: listItems
      tags: [items]
      parameters:
        - {name: parentId, in: query, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
            text/csv:
              schema: {type: string}
  /v2/items/{itemId}/export:
    post:
      operationId: exportItem
      tags: [items]
      x-vbo-action: export
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {format: {type: string}}}
      responses:
        '204': {description: done}
  /v2/items/{itemId}/send:
    post:
      operationId: sendItem
      tags: [items]
      x-vbo-action: send
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {to: {type: string}}}
      responses:
        '200': {description: ok}
components:
  schemas:
    Item:
      type: object
      properties:
        name: {type: string}
        size: {type: integer}
        kind: {type: string, enum: [mail, note, task]}
        owner: {type: string}
"##;

fn version(number: u32, dir: &str, text: &str) -> Version {
    Version {
        number,
        spec_file: format!("vbo-v{number}.yaml"),
        dir: dir.into(),
        doc: serde_norway::from_str(text).unwrap(),
    }
}

fn page_of_two() -> String {
    page(&[version(1, "", V1), version(2, "v2/", V2)]).unwrap()
}

#[track_caller]
fn has(page: &str, expected: &str) {
    assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
}

#[test]
fn the_routes_of_each_version_show_linked_to_their_pages() {
    let page = page_of_two();
    has(
        &page,
        "| `listItems` | [`GET /v1/items`](listItems.md) | [`GET /v2/items`](v2/listItems.md) |",
    );
    has(
        &page,
        "| `getSettings` | [`GET /v1/Settings`](getSettings.md) | — |",
    );
    has(
        &page,
        "| `exportItem` | — | [`POST /v2/items/{itemId}/export`]",
    );
    has(&page, "### items\n");
    has(&page, "### settings\n");
}

#[test]
fn each_action_shows_its_operation_and_whether_it_is_wrapped() {
    let page = page_of_two();
    has(&page, "### On one item\n");
    has(
        &page,
        "| `export` | v1 | [`performItemAction`](performItemAction.md) | \
         `POST /v1/items/{itemId}/Action` | wrapped in `export` |",
    );
    has(
        &page,
        "| `export` | v2 | [`exportItem`](v2/exportItem.md) | \
         `POST /v2/items/{itemId}/export` | bare |",
    );
    has(&page, "| `send` | v2 | [`sendItem`](v2/sendItem.md) |");
}

#[test]
fn the_query_parameters_of_each_version_show_and_differences_are_marked() {
    let page = page_of_two();
    has(
        &page,
        "| `listItems` | `folderId` (string, required), `limit` (integer) | \
         **`parentId` (string, required), `limit` (integer)** |",
    );
}

#[test]
fn the_schema_differences_between_versions_show() {
    let page = page_of_two();
    has(&page, "### v1 → v2\n");
    let list = "| [`listItems`](v2/listItems.md) | ";
    for (rule, text) in [
        ("parameter-removed", "`folderId`"),
        ("parameter-required-added", "`parentId`"),
        ("property-name-case-changed", "Name"),
        ("property-added", "owner"),
        ("required-changed", "size"),
        ("response-enum-value-added", "task"),
        ("response-media-type-added", "text/csv"),
    ] {
        let row = page
            .lines()
            .find(|line| line.starts_with(list) && line.contains(&format!("`{rule}`")))
            .unwrap_or_else(|| panic!("no {rule} row of listItems in:\n{page}"));
        assert!(row.contains(text), "{rule}: {row}");
    }
    // The action, compared through its options: wrapped in v1, bare in v2.
    let export = "| [`exportItem`](v2/exportItem.md) (v1: [`performItemAction`](performItemAction.md), `export`) | ";
    for (rule, text) in [
        ("property-removed", "keywords"),
        ("property-added", "format"),
        ("success-status-changed", "204"),
    ] {
        let row = page
            .lines()
            .find(|line| line.starts_with(export) && line.contains(&format!("`{rule}`")))
            .unwrap_or_else(|| panic!("no {rule} row of exportItem in:\n{page}"));
        assert!(row.contains(text), "{rule}: {row}");
    }
    // The same options either way: nothing to say about the send action's body.
    assert!(
        !page
            .lines()
            .any(|l| l.starts_with("| [`sendItem`]") && l.contains("request body")),
        "{page}"
    );
    // What the route tables say is not repeated as a change.
    for rule in ["operation-added", "operation-removed", "operation-moved"] {
        assert!(!page.contains(&format!("`{rule}`")), "{rule}:\n{page}");
    }
}
