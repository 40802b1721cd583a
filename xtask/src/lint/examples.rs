//! Every non-binary body has an example, and every example validates against its schema.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Finding, operations};
use crate::spec::{Spec, escape};

fn is_binary(spec: &Spec, schema: &Value) -> bool {
    let schema = spec.resolve(schema);
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").and_then(Value::as_str) == Some("binary")
}

pub(super) fn examples(spec: &Spec, out: &mut Vec<Finding>) {
    let doc = spec.document();
    for (pointer, operation) in operations(doc) {
        let mut holders: Vec<(String, &Value)> = Vec::new();
        if let Some(body) = operation.get("requestBody") {
            holders.push((format!("{pointer}/requestBody"), spec.resolve(body)));
        }
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            holders.push((
                format!("{pointer}/responses/{}", escape(status)),
                spec.resolve(response),
            ));
        }
        for (holder_pointer, holder) in holders {
            for (media_type, media) in holder
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let Some(schema) = media.get("schema") else {
                    continue;
                };
                let has_example = media.get("example").is_some()
                    || media
                        .get("examples")
                        .and_then(Value::as_object)
                        .is_some_and(|e| !e.is_empty());
                if !has_example && !is_binary(spec, schema) {
                    out.push(Finding {
                        pointer: format!("{holder_pointer}/content/{}", escape(media_type)),
                        rule: "example-missing",
                        message: format!("the {media_type} body has no example"),
                        hint: "add an `example` (or named `examples`) that validates against the \
                               schema; the docs and the mock server show it"
                            .into(),
                    });
                }
            }
        }
    }
    // A schema that does not compile fails every example of it: say so once per reason.
    let mut uncompiled: BTreeMap<String, usize> = BTreeMap::new();
    for example in spec.examples() {
        let errors = match spec.validator(&example.schema) {
            Ok(validator) => validator.errors(&example.value),
            Err(error) => {
                let count = uncompiled.entry(error.clone()).or_default();
                *count += 1;
                if *count > 1 {
                    continue;
                }
                vec![error]
            }
        };
        if !errors.is_empty() {
            out.push(Finding {
                pointer: format!("#{}", example.pointer),
                rule: "example-invalid",
                message: format!(
                    "the example does not validate against its schema:\n{}",
                    errors.join("\n")
                ),
                hint: "fix the example, or the schema if the example shows the real wire".into(),
            });
        }
    }
    for (error, count) in uncompiled.into_iter().filter(|(_, count)| *count > 1) {
        out.push(Finding {
            pointer: "#".into(),
            rule: "example-invalid",
            message: format!("{} more examples are not checked: {error}", count - 1),
            hint: "fix the schema (see the other findings); the examples are checked then".into(),
        });
    }
}
