//! The drift rules: each one's id, whether it breaks code that uses the generated client, and
//! why, in base mode (a spec against its earlier self) and in upstream mode (ours against a
//! server's document, where the direction of a change decides), defined once in the table
//! below.

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
    ($($rule:ident = $name:literal, $severity:ident, $why:literal, upstream: $upstream:literal;)*) => {
        /// A kind of difference between two documents. Its id (`name`) is what reports, JSON
        /// output and the fixture directories (`tests/fixtures/drift/<id>[--variant]`) spell.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $(#[doc = $why] #[doc = ""] #[doc = concat!("Against a server: ", $upstream, ".")] $rule,)*
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

            /// Why, in a sentence: what the change means for code that uses the client
            /// regenerated from the current spec (base mode).
            pub fn why(self) -> &'static str {
                match self {
                    $(Rule::$rule => $why,)*
                }
            }

            /// What the difference means when ours meets a server's document (`--upstream`):
            /// whether a client generated from ours still works with that server.
            pub fn upstream(self) -> &'static str {
                match self {
                    $(Rule::$rule => $upstream,)*
                }
            }
        }
    };
}

rules! {
    OperationRemoved = "operation-removed", Breaking,
        "an operation is gone: its generated method disappears",
        upstream: "the server does not publish one of our operations: calling it fails";
    OperationIdRenamed = "operation-id-renamed", Breaking,
        "an operation's operationId changed: its generated method is renamed",
        upstream: "not compared: the server's operationIds are its own";
    OperationMoved = "operation-moved", Breaking,
        "an operationId now names another method or path: built clients call the old one",
        upstream: "not compared: the server's operationIds are its own";
    OperationAdded = "operation-added", Compatible,
        "a new operation: a new generated method",
        upstream: "the server has an operation ours lacks: counted, harmless";
    ParameterRemoved = "parameter-removed", Breaking,
        "a parameter is gone: its builder method disappears",
        upstream: "the server does not document one of our parameters: it may ignore it";
    ParameterRequiredAdded = "parameter-required-added", Breaking,
        "a new required parameter: existing calls fail until they set it",
        upstream: "the server requires a parameter ours never sends";
    ParameterAdded = "parameter-added", Compatible,
        "a new optional parameter",
        upstream: "the server takes an optional parameter ours does not send";
    PropertyRemoved = "property-removed", Breaking,
        "a property is gone: its generated field disappears",
        upstream: "the server does not know one of our properties: breaking in a request and for a required response property; an optional response property reads as None";
    PropertyRequiredAdded = "property-required-added", Breaking,
        "a new required request property: existing requests lack it",
        upstream: "the server requires a request property ours does not send";
    PropertyAdded = "property-added", Compatible,
        "a new optional request property, or a new response property",
        upstream: "the server takes or sends a property ours ignores";
    PropertyNameCaseChanged = "property-name-case-changed", Breaking,
        "a property is spelled with other capitals: generated serde names are case-sensitive",
        upstream: "the server spells a property with other capitals: our serde names do not match";
    TypeChanged = "type-changed", Breaking,
        "a type changed (or an enum appeared or vanished): the generated Rust type changes",
        upstream: "the types differ; an enum the server adds to what it sends fits our plain value, and one it drops from what it takes accepts our values (compatible); the reverse is breaking";
    FormatChanged = "format-changed", Breaking,
        "a format changed: it picks the Rust type (uuid, date-time, int64...)",
        upstream: "a format the server adds to what it sends, or drops from what it takes, is compatible (as is any change to our `password`); one it drops from what ours parses, or adds to what ours sends, is breaking";
    RequiredChanged = "required-changed", Breaking,
        "a property or parameter changed between required and optional: `T` versus `Option<T>`",
        upstream: "a response property the server always sends, or a request property it no longer needs, is compatible; one it may omit where ours requires it, or one it requires where ours may omit it, is breaking";
    NullableChanged = "nullable-changed", Breaking,
        "a required property became nullable or not: `T` versus `Option<T>` (compatible when \
         the property is optional: it is an `Option` either way)",
        upstream: "judged by our requiredness: the server sending null where ours requires a value, or refusing a null ours may send, is breaking; the rest is compatible";
    RequestEnumValueRemoved = "request-enum-value-removed", Breaking,
        "an enum value is gone from a request: requests that send it are refused",
        upstream: "the server refuses a value ours may send";
    RequestEnumValueAdded = "request-enum-value-added", Compatible,
        "a new enum value in a request",
        upstream: "the server takes a value ours never sends";
    ResponseEnumValueAdded = "response-enum-value-added", Breaking,
        "a new enum value in a response: the closed generated enum fails to deserialize it",
        upstream: "the server sends a value our closed enum lacks (compatible when ours is open)";
    EnumOpened = "enum-opened", Breaking,
        "a closed enum became open (`x-extensible-enum`): its generated type gains \
         `Unknown(String)` and loses `Copy`; matches need the new arm. Against a server's \
         document: the server may send more values, which the client must keep",
        upstream: "the server may send values our closed enum lacks";
    EnumClosed = "enum-closed", Breaking,
        "an open enum became closed: a value it kept in `Unknown` now fails to deserialize",
        upstream: "the server sends fewer values than our open enum keeps: compatible in a response";
    OpenEnumValueAdded = "open-enum-value-added", Breaking,
        "a new known value of an open enum: the regenerated type gains a variant, so \
         exhaustive matches change; clients built before keep the value in `Unknown`",
        upstream: "the server sends a value our enum lacks: compatible when ours is open";
    ResponseEnumValueRemoved = "response-enum-value-removed", Breaking,
        "an enum value is gone from a response: its generated variant disappears",
        upstream: "the server no longer sends a value ours knows: compatible";
    RequestVariantRemoved = "request-variant-removed", Breaking,
        "a oneOf/anyOf branch is gone from a request: its generated variant disappears",
        upstream: "the server refuses a variant ours may send";
    RequestVariantAdded = "request-variant-added", Compatible,
        "a new oneOf/anyOf branch in a request",
        upstream: "the server takes a variant ours never sends";
    ResponseVariantAdded = "response-variant-added", Breaking,
        "a new oneOf/anyOf branch in a response: the generated enum fails to deserialize it",
        upstream: "the server sends a variant ours cannot read";
    ResponseVariantRemoved = "response-variant-removed", Breaking,
        "a oneOf/anyOf branch is gone from a response: its generated variant disappears",
        upstream: "the server no longer sends a variant ours knows";
    RequestConstraintTightened = "request-constraint-tightened", Breaking,
        "a request constraint narrowed (minimum, maximum, length, pattern): valid requests fail",
        upstream: "the server refuses values ours may send";
    ConstraintChanged = "constraint-changed", Compatible,
        "a constraint widened, or changed on a response",
        upstream: "the server's constraint is wider, or on what it sends";
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking,
        "a request media type is gone: the generated body encoding is refused",
        upstream: "the server does not take the body encoding ours sends";
    RequestMediaTypeAdded = "request-media-type-added", Compatible,
        "a new request media type",
        upstream: "the server takes an encoding ours does not send";
    ResponseMediaTypeRemoved = "response-media-type-removed", Breaking,
        "a response media type is gone: clients that ask for it get something else",
        upstream: "the server does not send a media type ours asks for";
    ResponseMediaTypeAdded = "response-media-type-added", Compatible,
        "a new response media type",
        upstream: "the server may send a media type ours does not ask for";
    SuccessStatusChanged = "success-status-changed", Breaking,
        "the success statuses changed: the generated method expects the old ones",
        upstream: "the server answers with other success statuses than ours expects";
    DefaultChanged = "default-changed", Breaking,
        "a request value's default changed: every call that leaves it out behaves otherwise \
         (compatible on a response, or when only one side documents a default)",
        upstream: "the server assumes another default than ours for a value the client leaves out";
    SecurityChanged = "security-changed", Breaking,
        "an operation's security changed: breaking when none of the ways to authenticate it \
         accepted before is accepted now (bearer, OAuth 2.0 and OpenID Connect all send the \
         bearer header), compatible when only alternatives were added or dropped",
        upstream: "the server accepts none of the ways ours authenticates (breaking), or other ways besides";
    ResponseHeaderRemoved = "response-header-removed", Breaking,
        "a response header is gone: breaking when it was required (clients read it), \
         compatible when optional",
        upstream: "the server does not send a header ours requires (breaking), or one ours has as optional";
    ErrorStatusAdded = "error-status-added", Compatible,
        "a new error status: clients already handle errors they do not know",
        upstream: "the server documents an error ours handles as any other";
    ErrorStatusRemoved = "error-status-removed", Compatible,
        "an error status is gone",
        upstream: "the server no longer documents an error";
    ErratumUnmatched = "erratum-unmatched", Breaking,
        "not compared: `x-vbo-upstream-errata` is read against a server's document only",
        upstream: "an `x-vbo-upstream-errata` entry of ours acknowledges no breaking difference (the vendor fixed its document, or ours changed): remove or fix it";
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
