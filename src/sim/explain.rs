//! Validation errors as messages a user can act on: each names the field and says, in words,
//! what was expected (`exportToPst.pstSizeLimitBytes: 1024 is less than the minimum
//! 1073741824`), never a schema keyword; a `oneOf` names the branch a request meant rather
//! than "not valid under any of the schemas". No message quotes a string value of the
//! request, which may be a password.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind as Kind};
use serde_json::Value;

use super::request::join;
use crate::spec::{SchemaValidator, Spec};

/// The field an error is about: `root` followed by the instance path, dotted.
fn field(root: &str, error: &ValidationError<'_>) -> String {
    let mut out = root.to_string();
    for segment in error.instance_path().as_str().split('/').skip(1) {
        let segment = crate::spec::pointer::unescape(segment);
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            out = join(&out, &segment);
        }
    }
    if out.is_empty() { "body".into() } else { out }
}

/// Validates `instance`; on failure, the messages of [`explain`], joined.
pub fn check(
    spec: &Spec,
    validator: &SchemaValidator,
    instance: &Value,
    root: &str,
) -> Result<(), String> {
    let mut messages = Vec::new();
    for error in validator.validator().iter_errors(instance) {
        for message in explain(spec, &error, root) {
            if !messages.contains(&message) {
                messages.push(message);
            }
        }
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(messages.join("; "))
    }
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => format!("{t}"),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| format!("{t}"))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Messages for one validation error, each `field: problem`. They never quote a string
/// value of the request, which may be a password.
pub fn explain(spec: &Spec, error: &ValidationError<'_>, root: &str) -> Vec<String> {
    let at = field(root, error);
    let numeric = error
        .instance()
        .is_number()
        .then(|| error.instance().to_string());
    let problem = match error.kind() {
        Kind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            return vec![format!(
                "{}: is required",
                join(&at_or_empty(&at, root), name)
            )];
        }
        Kind::AdditionalProperties { unexpected } => {
            return unexpected
                .iter()
                .map(|name| {
                    format!(
                        "{}: is not a property of {at}",
                        join(&at_or_empty(&at, root), name)
                    )
                })
                .collect();
        }
        Kind::OneOfNotValid { context } | Kind::AnyOf { context } => {
            return explain_alternatives(spec, error, context, &at, root);
        }
        Kind::OneOfMultipleValid { .. } => {
            "matches more than one of the alternatives; exactly one is allowed".to_string()
        }
        Kind::Type { kind } => format!("must be {}", type_name(kind)),
        Kind::Enum { options } => format!("must be one of {options}"),
        Kind::Minimum { limit } => match numeric {
            Some(value) => format!("{value} is less than the minimum {limit}"),
            None => format!("must be at least {limit}"),
        },
        Kind::Maximum { limit } => match numeric {
            Some(value) => format!("{value} is more than the maximum {limit}"),
            None => format!("must be at most {limit}"),
        },
        Kind::MinLength { limit } => format!("must be at least {limit} characters long"),
        Kind::MaxLength { limit } => format!("must be at most {limit} characters long"),
        Kind::Format { format } => format_words(format),
        Kind::Pattern { pattern } => format!("must match {pattern}"),
        // `additionalProperties: false` on an object without properties (`savetoMsg`):
        // jsonschema reports the object's path, with the property's value as the instance.
        Kind::FalseSchema
            if error
                .schema_path()
                .as_str()
                .ends_with("/additionalProperties") =>
        {
            "takes no properties: send null".to_string()
        }
        Kind::FalseSchema => return vec![not_allowed(&at)],
        Kind::UnevaluatedProperties { unexpected } => {
            return unexpected
                .iter()
                .map(|name| not_allowed(&join(&at_or_empty(&at, root), name)))
                .collect();
        }
        Kind::Constant { expected_value } => format!("must be {expected_value}"),
        Kind::ExclusiveMinimum { limit } => format!("must be more than {limit}"),
        Kind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        Kind::MinItems { limit } => format!("must hold at least {limit} item(s)"),
        Kind::MaxItems { limit } => format!("must hold at most {limit} item(s)"),
        Kind::AdditionalItems { limit } => format!("must hold at most {limit} item(s)"),
        Kind::UnevaluatedItems { .. } => "holds items that are not allowed".to_string(),
        Kind::UniqueItems => "must not list the same value twice".to_string(),
        Kind::Contains => "must hold at least one item of the expected kind".to_string(),
        Kind::MinProperties { limit } => format!("must have at least {limit} propert(ies)"),
        Kind::MaxProperties { limit } => format!("must have at most {limit} propert(ies)"),
        Kind::MultipleOf { multiple_of } => format!("must be a multiple of {multiple_of}"),
        Kind::Not { .. } => "is a value that is not allowed here".to_string(),
        Kind::PropertyNames { .. } => "has a property name that is not allowed".to_string(),
        Kind::ContentEncoding { content_encoding } => {
            format!("must be {content_encoding}-encoded")
        }
        Kind::ContentMediaType { content_media_type } => {
            format!("must hold {content_media_type}")
        }
        Kind::Custom { message, .. } => message.clone(),
        Kind::BacktrackLimitExceeded { .. }
        | Kind::RegexEngineFailure { .. }
        | Kind::Referencing(_) => "cannot be checked by the simulator".to_string(),
        Kind::FromUtf8 { .. } => "must be UTF-8 text".to_string(),
    };
    vec![format!("{at}: {problem}")]
}

/// The JSON type of `value`, as the messages name types.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value where the schema allows none, in words: for a property, that its object takes no
/// such property (`savetoMsg.a` of `{"savetoMsg": {"a": 1}}`, which must be `null`).
fn not_allowed(at: &str) -> String {
    match at.rsplit_once('.') {
        Some((parent, name)) => {
            format!("{at}: is not a property of {parent}, which takes no `{name}`")
        }
        None => format!("{at}: is not allowed here"),
    }
}

/// What a string `format` expects, in words and with an example.
fn format_words(format: &str) -> String {
    match format {
        "date-time" => {
            "must be a date and time, such as 2020-03-02T10:00:00Z (RFC 3339)".to_string()
        }
        "email" => "must be an email address, such as j_smith@example.com".to_string(),
        "uuid" => "must be a GUID, such as 9e9b7199-f547-467a-b580-9d283a75eaad".to_string(),
        other => format!("must be a valid {other}"),
    }
}

/// The field for a property under `at`: the top level is spoken of as `body`, but its
/// properties by their own names.
fn at_or_empty(at: &str, root: &str) -> String {
    if root.is_empty() && at == "body" {
        String::new()
    } else {
        at.to_string()
    }
}

/// Whether an error says the value has the wrong shape for a branch, right where the
/// combinator is: a missing or unknown property, or another type.
fn is_shape(error: &ValidationError<'_>, here: &str) -> bool {
    error.instance_path().as_str() == here
        && matches!(
            error.kind(),
            Kind::Required { .. } | Kind::AdditionalProperties { .. } | Kind::Type { .. }
        )
}

fn explain_alternatives(
    spec: &Spec,
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    at: &str,
    root: &str,
) -> Vec<String> {
    let here = error.instance_path().as_str();
    // The combinator's branches, from the spec (the validator keeps the spec's layout).
    let branches: Vec<&Value> = spec
        .document()
        .pointer(error.schema_path().as_str())
        .and_then(Value::as_array)
        .map(|b| b.iter().map(|s| spec.resolve(s)).collect())
        .unwrap_or_default();
    // Branches without a type only constrain the parent's properties (the size limit rule);
    // none of them is "the one meant", so all are listed.
    let constraints_only = !branches.is_empty()
        && spec
            .document()
            .pointer(error.schema_path().as_str())
            .and_then(Value::as_array)
            .is_some_and(|b| {
                b.iter()
                    .all(|s| s.get("type").is_none() && s.get("$ref").is_none())
            });
    // Every branch wants another type than the one given (an array for an object): say
    // that once rather than for each branch.
    let wrong_type = |errors: &Vec<ValidationError<'static>>| {
        errors
            .iter()
            .any(|e| e.instance_path().as_str() == here && matches!(e.kind(), Kind::Type { .. }))
    };
    if !context.is_empty() && context.iter().all(wrong_type) {
        let mut wanted: Vec<String> = context
            .iter()
            .flatten()
            .filter_map(|e| match e.kind() {
                Kind::Type { kind } if e.instance_path().as_str() == here => Some(type_name(kind)),
                _ => None,
            })
            .collect();
        wanted.sort();
        wanted.dedup();
        return vec![format!(
            "{at}: must be {} (given: {})",
            wanted.join(" or "),
            json_type(error.instance())
        )];
    }
    let mut candidates: Vec<usize> = (0..context.len()).collect();
    if !constraints_only {
        let scores: Vec<usize> = context
            .iter()
            .map(|errors| errors.iter().filter(|e| is_shape(e, here)).count())
            .collect();
        let best = scores.iter().copied().min().unwrap_or(0);
        candidates.retain(|&i| scores[i] == best);
        if let [only] = candidates.as_slice() {
            return context[*only]
                .iter()
                .flat_map(|e| explain(spec, e, root))
                .collect();
        }
        // Every branch fails only by which properties it has: say which sets are allowed.
        let by_properties = candidates.iter().all(|&i| {
            context[i].iter().all(|e| {
                e.instance_path().as_str() == here
                    && matches!(
                        e.kind(),
                        Kind::Required { .. } | Kind::AdditionalProperties { .. }
                    )
            })
        });
        if by_properties && branches.len() == context.len() {
            let required: Vec<Vec<&str>> = branches
                .iter()
                .map(|b| {
                    b.get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default()
                })
                .collect();
            let common: Vec<&str> = required
                .first()
                .map(|first| {
                    first
                        .iter()
                        .copied()
                        .filter(|p| required.iter().all(|r| r.contains(p)))
                        .collect()
                })
                .unwrap_or_default();
            let sets: Vec<String> = required
                .iter()
                .map(|r| {
                    r.iter()
                        .copied()
                        .filter(|p| !common.contains(p))
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect();
            let given: Vec<String> = error
                .instance()
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let mut message = format!("{at}: must have exactly one of {}", sets.join(", "));
            if !common.is_empty() {
                message.push_str(&format!(", besides {}", common.join(", ")));
            }
            message.push_str(&format!(
                " (given: {})",
                if given.is_empty() {
                    "nothing".to_string()
                } else {
                    given.join(", ")
                }
            ));
            return vec![message];
        }
    }
    let alternatives: Vec<String> = candidates
        .iter()
        .map(|&i| {
            let label = branches
                .get(i)
                .and_then(|b| b.get("description"))
                .and_then(Value::as_str)
                .map(|d| d.trim().trim_end_matches('.').to_string())
                .unwrap_or_else(|| format!("alternative {}", i + 1));
            let reasons: Vec<String> = context[i]
                .iter()
                .flat_map(|e| explain(spec, e, root))
                .collect();
            format!("{label} ({})", reasons.join(", "))
        })
        .collect();
    vec![format!(
        "{at}: must satisfy one of: {}",
        alternatives.join("; or ")
    )]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn action_errors(body: Value) -> String {
        let spec = Spec::embedded();
        let schema = json!({"$ref": "#/components/schemas/MailboxItemAction"});
        let validator = spec.validator(&schema).unwrap();
        let body = super::super::request::normalize(&spec, &schema, body, "").unwrap();
        check(&spec, &validator, &body, "").unwrap_err()
    }

    #[test]
    fn a_string_that_is_no_boolean_stays_a_string_for_validation_to_refuse() {
        let message = action_errors(json!({"exportToPst": {"enablePstSizeLimit": "yes"}}));
        assert!(
            message.starts_with("exportToPst.enablePstSizeLimit: must be boolean; "),
            "{message}"
        );
    }

    #[test]
    fn the_error_names_the_field_of_the_action_meant() {
        assert_eq!(
            action_errors(
                json!({"exportToPst": {"enablePstSizeLimit": true, "pstSizeLimitBytes": 1024}})
            ),
            "exportToPst.pstSizeLimitBytes: 1024 is less than the minimum 1073741824"
        );
    }

    #[test]
    fn a_constraint_combinator_lists_its_alternatives() {
        let message = action_errors(json!({"exportToPst": {"enablePstSizeLimit": true}}));
        assert!(
            message.contains("exportToPst.pstSizeLimitBytes: is required")
                && message.contains("exportToPst.enablePstSizeLimit: must be one of [false]"),
            "{message}"
        );
    }

    #[test]
    fn mixed_credential_methods_say_which_sets_are_allowed() {
        let message = action_errors(json!({"restoreTo": {
            "mailbox": "a@b.c", "userCode": "x", "userName": "u", "userPassword": "p"}}));
        assert_eq!(
            message,
            "restoreTo: must have exactly one of userName + userPassword, userCode, \
             applicationId + applicationCertificate + applicationCertificatePassword, \
             besides mailbox (given: mailbox, userCode, userName, userPassword)"
        );
    }

    #[test]
    fn an_empty_or_unknown_action_lists_the_six_keys() {
        let expected = "body: must have exactly one of exportToPst, restoretoOriginallocation, \
                        restoreTo, sendtoDefaultaddress, sendtoDifferentaddress, savetoMsg";
        assert_eq!(
            action_errors(json!({})),
            format!("{expected} (given: nothing)")
        );
        assert_eq!(
            action_errors(json!({"exportToPst": {}, "savetoMsg": null})),
            format!("{expected} (given: exportToPst, savetoMsg)")
        );
    }

    #[test]
    fn every_refusal_says_in_words_what_was_expected() {
        for (body, expected) in [
            (
                json!({"savetoMsg": {"a": 1}}),
                "savetoMsg: takes no properties: send null",
            ),
            (
                json!({"sendtoDefaultaddress": {"items": []}}),
                "sendtoDefaultaddress: takes no properties: send null",
            ),
            (json!([]), "body: must be object (given: array)"),
            (
                json!({"sendtoDifferentaddress": {"to": "not an address"}}),
                "sendtoDifferentaddress.to: must be an email address, such as j_smith@example.com",
            ),
        ] {
            let message = action_errors(body.clone());
            assert_eq!(message, expected, "{body}");
        }
    }

    #[test]
    fn messages_never_quote_string_values() {
        let message = action_errors(json!({"restoretoOriginallocation": {
            "userName": "", "userPassword": "s3cret-value"}}));
        assert!(!message.contains("s3cret-value"), "{message}");
        assert_eq!(
            message,
            "restoretoOriginallocation.userName: must be at least 1 characters long"
        );
    }
}
