//! Every example in the spec validates against its schema and round-trips through the
//! generated types to the same JSON.

use serde_json::Value;
use vbo365::spec::Spec;

/// Deserializes `value` as the generated type of the component schema `name` (or an array of
/// it) and serializes it back, through the table generated from the spec
/// (`wire::round_trip_component`). A component that an example uses without a generated type
/// of its name fails the test instead of being skipped.
fn round_trip(name: &str, array: bool, value: &Value) -> Result<Value, String> {
    vbo365::generated::wire::round_trip_component(name, array, value)
        .unwrap_or_else(|| Err(format!("no generated type is named after schema {name}")))
}

/// The component an example's schema names: `$ref` or an array of `$ref`.
fn component(schema: &Value) -> Option<(String, bool)> {
    let name = |s: &Value| {
        s.get("$ref")?
            .as_str()?
            .strip_prefix("#/components/schemas/")
            .map(str::to_string)
    };
    if let Some(n) = name(schema) {
        return Some((n, false));
    }
    schema.get("items").and_then(name).map(|n| (n, true))
}

/// Optional properties are absent rather than `null` after a round trip; both mean "no
/// value" on the wire. Required `null`s (such as `savetoMsg`) are serialized by the generated
/// types and compared as they are.
fn drop_nulls_absent_in(original: &Value, round_tripped: &Value) -> Value {
    match (original, round_tripped) {
        (Value::Object(a), Value::Object(b)) => Value::Object(
            a.iter()
                .filter(|(k, v)| !v.is_null() || b.contains_key(*k))
                .map(|(k, v)| {
                    (
                        k.clone(),
                        drop_nulls_absent_in(v, b.get(k).unwrap_or(&Value::Null)),
                    )
                })
                .collect(),
        ),
        (Value::Array(a), Value::Array(b)) => Value::Array(
            a.iter()
                .zip(b.iter().chain(std::iter::repeat(&Value::Null)))
                .map(|(x, y)| drop_nulls_absent_in(x, y))
                .collect(),
        ),
        _ => original.clone(),
    }
}

#[test]
fn every_example_validates_against_its_schema() {
    let spec = Spec::embedded();
    let examples = spec.examples();
    assert!(
        examples.len() >= 30,
        "the spec has lost examples: {}",
        examples.len()
    );
    let mut failures = Vec::new();
    for example in &examples {
        let validator = spec.validator(&example.schema).unwrap();
        for error in validator.errors(&example.value) {
            failures.push(format!("{}: {error}", example.pointer));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid examples:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_body_example_round_trips_through_the_generated_types() {
    let spec = Spec::embedded();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in spec.examples() {
        if example.media_type.is_none() {
            continue; // parameter examples are plain scalars
        }
        let Some((name, array)) = component(&example.schema) else {
            continue; // the binary file body has no generated type
        };
        match round_trip(&name, array, &example.value) {
            Ok(back) => {
                let expected = drop_nulls_absent_in(&example.value, &back);
                if back != expected {
                    failures.push(format!("{}: {expected} became {back}", example.pointer));
                }
                checked += 1;
            }
            Err(e) => failures.push(format!("{} ({name}): {e}", example.pointer)),
        }
    }
    assert!(
        failures.is_empty(),
        "round trips that failed:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 30, "only {checked} body examples were checked");
}

#[test]
fn the_validator_rejects_what_the_server_rejects() {
    // Guards the checks above against a validator that accepts everything.
    let spec = Spec::embedded();
    let action = serde_json::json!({ "$ref": "#/components/schemas/MailboxItemAction" });
    let validator = spec.validator(&action).unwrap();
    let rejected = [
        serde_json::json!({ "exporToPst": {} }),
        serde_json::json!({ "savetoMsg": null, "sendtoDefaultaddress": null }),
        serde_json::json!({ "exportToPst": { "enablePstSizeLimit": true } }),
        serde_json::json!({ "exportToPst": { "pstSizeLimitBytes": 1024 } }),
        serde_json::json!({ "restoretoOriginallocation": { "userName": "a", "userPassword": "b", "userCode": "c" } }),
        serde_json::json!({ "restoreTo": { "userCode": "c" } }),
        serde_json::json!({ "sendtoDifferentaddress": { "from": "not an address", "to": "a@b.c" } }),
    ];
    for body in rejected {
        assert!(!validator.errors(&body).is_empty(), "accepted {body}");
    }
    assert!(
        validator
            .errors(&serde_json::json!({ "savetoMsg": null }))
            .is_empty()
    );
}
