//! The drift rules: each one's id, whether it breaks code that uses the generated client, and
//! why, defined once in the table below.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Breaking,
    Compatible,
}

/// Defines [`Rule`] from one table: variant, kebab-case id, severity, explanation.
macro_rules! rules {
    ($($rule:ident = $name:literal, $severity:ident, $why:literal;)*) => {
        /// A kind of difference between two documents. Its id (`name`) is what reports, JSON
        /// output and the fixture directories (`tests/fixtures/drift/<id>[--variant]`) spell.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $(#[doc = $why] $rule,)*
        }

        impl Rule {
            /// Every rule, in the order `--list-rules` prints them.
            pub const ALL: &[Rule] = &[$(Rule::$rule,)*];

            /// The kebab-case id, such as `operation-removed`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$rule => $name,)*
                }
            }

            /// Whether the change breaks code that uses the generated client (some call sites
            /// decide per change, such as `nullable-changed` on an optional property).
            pub fn severity(self) -> Severity {
                match self {
                    $(Rule::$rule => Severity::$severity,)*
                }
            }

            /// Why, in a sentence.
            pub fn why(self) -> &'static str {
                match self {
                    $(Rule::$rule => $why,)*
                }
            }
        }
    };
}

rules! {
    OperationRemoved = "operation-removed", Breaking,
        "an operation is gone: its generated method disappears";
    OperationIdRenamed = "operation-id-renamed", Breaking,
        "an operation's operationId changed: its generated method is renamed";
    OperationMoved = "operation-moved", Breaking,
        "an operationId now names another method or path: built clients call the old one";
    OperationAdded = "operation-added", Compatible,
        "a new operation: a new generated method";
    ParameterRemoved = "parameter-removed", Breaking,
        "a parameter is gone: its builder method disappears";
    ParameterRequiredAdded = "parameter-required-added", Breaking,
        "a new required parameter: existing calls fail until they set it";
    ParameterAdded = "parameter-added", Compatible,
        "a new optional parameter";
    PropertyRemoved = "property-removed", Breaking,
        "a property is gone: its generated field disappears";
    PropertyRequiredAdded = "property-required-added", Breaking,
        "a new required request property: existing requests lack it";
    PropertyAdded = "property-added", Compatible,
        "a new optional request property, or a new response property";
    PropertyNameCaseChanged = "property-name-case-changed", Breaking,
        "a property is spelled with other capitals: generated serde names are case-sensitive";
    TypeChanged = "type-changed", Breaking,
        "a type changed (or an enum appeared or vanished): the generated Rust type changes";
    FormatChanged = "format-changed", Breaking,
        "a format changed: it picks the Rust type (uuid, date-time, int64...)";
    RequiredChanged = "required-changed", Breaking,
        "a property or parameter changed between required and optional: `T` versus `Option<T>`";
    NullableChanged = "nullable-changed", Breaking,
        "a required property became nullable or not: `T` versus `Option<T>` (compatible when \
         the property is optional: it is an `Option` either way)";
    RequestEnumValueRemoved = "request-enum-value-removed", Breaking,
        "an enum value is gone from a request: requests that send it are refused";
    RequestEnumValueAdded = "request-enum-value-added", Compatible,
        "a new enum value in a request";
    ResponseEnumValueAdded = "response-enum-value-added", Breaking,
        "a new enum value in a response: the closed generated enum fails to deserialize it";
    EnumOpened = "enum-opened", Breaking,
        "a closed enum became open (`x-extensible-enum`): its generated type gains \
         `Unknown(String)` and loses `Copy`; matches need the new arm. Against a server's \
         document: the server may send more values, which the client must keep";
    EnumClosed = "enum-closed", Breaking,
        "an open enum became closed: a value it kept in `Unknown` now fails to deserialize";
    OpenEnumValueAdded = "open-enum-value-added", Breaking,
        "a new known value of an open enum: the regenerated type gains a variant, so \
         exhaustive matches change; clients built before keep the value in `Unknown`";
    ResponseEnumValueRemoved = "response-enum-value-removed", Breaking,
        "an enum value is gone from a response: its generated variant disappears";
    RequestVariantRemoved = "request-variant-removed", Breaking,
        "a oneOf/anyOf branch is gone from a request: its generated variant disappears";
    RequestVariantAdded = "request-variant-added", Compatible,
        "a new oneOf/anyOf branch in a request";
    ResponseVariantAdded = "response-variant-added", Breaking,
        "a new oneOf/anyOf branch in a response: the generated enum fails to deserialize it";
    ResponseVariantRemoved = "response-variant-removed", Breaking,
        "a oneOf/anyOf branch is gone from a response: its generated variant disappears";
    RequestConstraintTightened = "request-constraint-tightened", Breaking,
        "a request constraint narrowed (minimum, maximum, length, pattern): valid requests fail";
    ConstraintChanged = "constraint-changed", Compatible,
        "a constraint widened, or changed on a response";
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking,
        "a request media type is gone: the generated body encoding is refused";
    RequestMediaTypeAdded = "request-media-type-added", Compatible,
        "a new request media type";
    ResponseMediaTypeRemoved = "response-media-type-removed", Breaking,
        "a response media type is gone: clients that ask for it get something else";
    ResponseMediaTypeAdded = "response-media-type-added", Compatible,
        "a new response media type";
    SuccessStatusChanged = "success-status-changed", Breaking,
        "the success statuses changed: the generated method expects the old ones";
    ErrorStatusAdded = "error-status-added", Compatible,
        "a new error status: clients already handle errors they do not know";
    ErrorStatusRemoved = "error-status-removed", Compatible,
        "an error status is gone";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl FromStr for Rule {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.name() == name)
            .ok_or_else(|| format!("unknown drift rule `{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    #[test]
    fn every_rule_is_listed_once() {
        let names: BTreeSet<_> = Rule::ALL.iter().map(|rule| rule.name()).collect();
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn ids_parse_back_and_print_as_they_serialize() {
        for &rule in Rule::ALL {
            assert_eq!(rule.name().parse::<Rule>(), Ok(rule));
            assert_eq!(rule.to_string(), rule.name());
            assert_eq!(
                serde_json::to_value(rule).unwrap(),
                serde_json::Value::from(rule.name())
            );
        }
        assert!("operation-renamed".parse::<Rule>().is_err());
    }

    /// Each fixture directory is named `<rule>` or `<rule>--<variant>`, and every rule has one.
    #[test]
    fn every_fixture_directory_names_a_rule() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drift");
        let mut covered = BTreeSet::new();
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let id = name.split_once("--").map_or(name.as_str(), |(id, _)| id);
            match id.parse::<Rule>() {
                Ok(rule) => covered.insert(rule.name()),
                Err(e) => panic!("fixture directory {name}: {e}"),
            };
        }
        for rule in Rule::ALL {
            assert!(covered.contains(rule.name()), "rule {rule} has no fixture");
        }
    }
}
