//! The classifier: walks the operations of two OpenAPI 3.0 documents side by side and names
//! each difference, breaking or not for code that uses the client generated from the base.
//!
//! "Breaking" means: code written against the client generated from the base stops compiling
//! when regenerated from the current spec, or a client built from the base fails against a
//! server that behaves as the current spec says. The documents are read as plain JSON so that
//! a vendor document with oddities still compares, rather than failing a typed parse.

mod bodies;
mod operations;
mod parameters;
mod responses;
mod schemas;
mod security;
mod shape;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::rule::{Rule, Severity};
use shape::Doc;

/// Which document a pointer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Base,
    Current,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub rule: Rule,
    pub breaking: bool,
    /// Where it shows, in words: operation, body or parameter, property path.
    pub location: String,
    /// JSON pointer of the changed node, in the current document unless it only exists in
    /// the base.
    pub pointer: String,
    pub side: Side,
    pub message: String,
    /// Every operation the change reaches (a shared component reaches several).
    pub operations: Vec<String>,
    /// Against a server: the reason our spec gives for a breaking difference it acknowledges
    /// (`x-vbo-upstream-errata`); the change is then not breaking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
}

/// How the two documents are matched.
#[derive(Debug, Clone, Default)]
pub struct Matching {
    /// Against a server's document: paths match case-insensitively, operationIds are the
    /// vendor's own and are not compared, messages speak of "the server".
    pub upstream: bool,
    /// `(ours, theirs)` version prefixes, such as `("v4", "v6")`.
    pub prefixes: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

/// Collects the changes, merging repeats of one change reached from several operations.
struct Collector {
    changes: BTreeMap<(&'static str, Side, String, String), Change>,
}

impl Collector {
    fn push(
        &mut self,
        rule: Rule,
        breaking: Option<bool>,
        op: &str,
        location: String,
        (side, pointer): (Side, &str),
        message: String,
    ) {
        let breaking = breaking.unwrap_or(rule.severity() == Severity::Breaking);
        let location = location.trim_end_matches([' ', ':']).to_string();
        let key = (rule.name(), side, pointer.to_string(), message.clone());
        let change = self.changes.entry(key).or_insert_with(|| Change {
            rule,
            breaking,
            location,
            pointer: pointer.to_string(),
            side,
            message,
            operations: Vec::new(),
            erratum: None,
        });
        if !change.operations.iter().any(|o| o == op) {
            change.operations.push(op.to_string());
        }
    }
}

/// Compares two documents; breaking changes first, then by location.
pub fn compare(base: &Value, current: &Value, matching: &Matching) -> Vec<Change> {
    let mut walk = Walk {
        base: Doc { root: base },
        current: Doc { root: current },
        matching,
        out: Collector {
            changes: BTreeMap::new(),
        },
        op: String::new(),
        seen: HashSet::new(),
    };
    walk.operations();
    let mut changes: Vec<Change> = walk.out.changes.into_values().collect();
    changes.sort_by(|a, b| {
        (!a.breaking, &a.operations, &a.location, a.rule.name()).cmp(&(
            !b.breaking,
            &b.operations,
            &b.location,
            b.rule.name(),
        ))
    });
    changes
}

struct Walk<'a> {
    base: Doc<'a>,
    current: Doc<'a>,
    matching: &'a Matching,
    out: Collector,
    /// The operation being compared, for the report.
    op: String,
    /// Schema pairs already compared within this operation and direction.
    seen: HashSet<(String, String, bool)>,
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}
