//! `x-vbo-upstream-errata`: where our spec knowingly differs from a vendor's document because
//! the vendor's document is wrong about the wire, said once, on the operation, with the reason.
//!
//! ```yaml
//! x-vbo-upstream-errata:
//!   - rule: security-changed       # a drift rule id (`--list-rules`)
//!     at: security                 # the change's location, without the leading `<op>: `
//!     reason: The vendor leaves /v6/token under its global bearer requirement; ...
//! ```
//!
//! Only `--upstream` reads them. A difference that every operation it reaches acknowledges
//! (same rule, same location) is reported as an acknowledged erratum, not as breaking. An
//! erratum that matches no difference (the vendor fixed its document, or ours changed) is
//! itself a breaking `erratum-unmatched`, so that the acknowledgements cannot go stale.

use serde_json::Value;

use super::compare::{Change, Side};
use super::rule::Rule;

/// The extension's name.
pub const EXTENSION: &str = "x-vbo-upstream-errata";

/// One acknowledgement, as read from our spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erratum {
    /// The operation that carries it (its operationId, or `METHOD /path`).
    pub op: String,
    /// A rule id; not checked here, so that a misspelt one is reported as unmatched.
    pub rule: String,
    /// The change's location without the leading `<op>: `, such as `security`.
    pub at: String,
    pub reason: String,
    /// JSON pointer of the entry in our spec.
    pub pointer: String,
}

/// Every erratum of our spec, in document order. An entry without `rule`, `at` or `reason` is
/// kept with the missing fields empty: it matches nothing and is reported.
pub fn read(ours: &Value) -> Vec<Erratum> {
    let mut out = Vec::new();
    for op in crate::spec::operations(ours) {
        let Some(list) = op.node.get(EXTENSION).and_then(Value::as_array) else {
            continue;
        };
        let name = op.id.map_or_else(
            || format!("{} {}", op.method.to_uppercase(), op.path),
            String::from,
        );
        for (index, entry) in list.iter().enumerate() {
            let field = |key: &str| {
                entry
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            };
            out.push(Erratum {
                op: name.clone(),
                rule: field("rule"),
                at: field("at"),
                reason: field("reason"),
                pointer: format!("#{}/{EXTENSION}/{index}", op.pointer),
            });
        }
    }
    out
}

/// A change's location without its operation: `security` of `createToken: security`.
fn place(change: &Change) -> &str {
    change
        .location
        .split_once(": ")
        .map_or("", |(_, rest)| rest)
}

fn matches(erratum: &Erratum, change: &Change, op: &str) -> bool {
    !erratum.reason.is_empty()
        && erratum.op == op
        && erratum.rule == change.rule.name()
        && erratum.at == place(change)
}

/// Marks the breaking changes that every operation they reach acknowledges, and appends an
/// `erratum-unmatched` change for each erratum that acknowledged none.
pub fn apply(errata: &[Erratum], changes: &mut Vec<Change>) {
    let mut used = vec![false; errata.len()];
    for change in changes.iter_mut().filter(|c| c.breaking) {
        let found: Option<Vec<usize>> = change
            .operations
            .iter()
            .map(|op| errata.iter().position(|e| matches(e, change, op)))
            .collect();
        let Some(found) = found.filter(|f| !f.is_empty()) else {
            continue;
        };
        for &index in &found {
            used[index] = true;
        }
        change.breaking = false;
        change.erratum = Some(errata[found[0]].reason.clone());
    }
    for (erratum, _) in errata.iter().zip(used).filter(|(_, used)| !used) {
        let message = if erratum.reason.is_empty() || erratum.rule.is_empty() {
            format!("{EXTENSION} entry needs `rule`, `at` and `reason`")
        } else {
            format!(
                "erratum `{}` at `{}` matches no breaking difference: remove it, or fix it",
                erratum.rule, erratum.at
            )
        };
        changes.push(Change {
            rule: Rule::ErratumUnmatched,
            breaking: true,
            location: format!("{}: {}", erratum.op, erratum.at),
            pointer: erratum.pointer.clone(),
            side: Side::Base,
            message,
            operations: vec![erratum.op.clone()],
            erratum: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rule: Rule, location: &str, operations: &[&str]) -> Change {
        Change {
            rule,
            breaking: true,
            location: location.into(),
            pointer: "#/x".into(),
            side: Side::Current,
            message: "m".into(),
            operations: operations.iter().map(|o| o.to_string()).collect(),
            erratum: None,
        }
    }

    fn spec() -> Value {
        serde_json::json!({
            "paths": {
                "/v6/token": {"post": {
                    "operationId": "createToken",
                    "x-vbo-upstream-errata": [
                        {"rule": "security-changed", "at": "security", "reason": "no bearer on /token"},
                        {"rule": "type-changed", "at": "response 200 application/json", "reason": "stale"}
                    ]
                }},
                "/v6/a": {"get": {"operationId": "getA",
                    "x-vbo-upstream-errata": [{"rule": "type-changed", "at": "response 200 x", "reason": "r"}]}},
                "/v6/b": {"get": {"operationId": "getB"}}
            }
        })
    }

    #[test]
    fn entries_are_read_with_their_operation_and_pointer() {
        let errata = read(&spec());
        assert_eq!(errata.len(), 3);
        let token = errata.iter().find(|e| e.op == "createToken").unwrap();
        assert_eq!(token.rule, "security-changed");
        assert_eq!(token.at, "security");
        assert_eq!(
            token.pointer,
            "#/paths/~1v6~1token/post/x-vbo-upstream-errata/0"
        );
    }

    #[test]
    fn a_matching_change_is_acknowledged_and_a_stale_erratum_reported() {
        let errata = read(&spec());
        let mut changes = vec![
            change(
                Rule::SecurityChanged,
                "createToken: security",
                &["createToken"],
            ),
            change(Rule::SecurityChanged, "getB: security", &["getB"]),
        ];
        apply(&errata, &mut changes);
        assert!(!changes[0].breaking);
        assert_eq!(changes[0].erratum.as_deref(), Some("no bearer on /token"));
        // Another operation's change is not acknowledged by createToken's erratum.
        assert!(changes[1].breaking);
        let stale: Vec<&Change> = changes
            .iter()
            .filter(|c| c.rule == Rule::ErratumUnmatched)
            .collect();
        assert_eq!(stale.len(), 2, "{stale:#?}");
        assert!(stale.iter().all(|c| c.breaking && c.side == Side::Base));
        assert!(
            stale
                .iter()
                .any(|c| c.pointer == "#/paths/~1v6~1token/post/x-vbo-upstream-errata/1"),
            "{stale:#?}"
        );
    }

    #[test]
    fn a_shared_change_needs_every_operation_to_acknowledge_it() {
        let errata = read(&spec());
        let mut changes = vec![change(
            Rule::TypeChanged,
            "getA: response 200 x",
            &["getA", "getB"],
        )];
        apply(&errata, &mut changes);
        assert!(changes[0].breaking, "getB does not acknowledge it");
        assert!(changes.iter().any(|c| c.rule == Rule::ErratumUnmatched
            && c.operations == ["getA"]
            && c.location == "getA: response 200 x"));
    }

    #[test]
    fn an_entry_without_a_reason_acknowledges_nothing() {
        let doc = serde_json::json!({"paths": {"/a": {"get": {
            "operationId": "getA",
            "x-vbo-upstream-errata": [{"rule": "security-changed", "at": "security"}]
        }}}});
        let mut changes = vec![change(Rule::SecurityChanged, "getA: security", &["getA"])];
        apply(&read(&doc), &mut changes);
        assert!(changes[0].breaking);
        assert!(
            changes[1]
                .message
                .contains("needs `rule`, `at` and `reason`")
        );
    }
}
