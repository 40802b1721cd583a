//! Responses: success and error statuses, and the bodies of the statuses on both sides.

use std::collections::BTreeSet;

use serde_json::Value;

use super::operations::Operation;
use super::{Dir, Rule, Side, Walk, join};
use crate::spec::escape;

impl<'a> Walk<'a> {
    pub(super) fn responses(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let empty = serde_json::Map::new();
        let list = |o: &Operation<'a>| {
            o.node
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (before, after) = (list(base), list(current));
        let success = |map: &serde_json::Map<String, Value>| {
            let codes: BTreeSet<String> =
                map.keys().filter(|s| s.starts_with('2')).cloned().collect();
            if codes.is_empty() && map.contains_key("default") {
                ["default".to_string()].into()
            } else {
                codes
            }
        };
        let (before_success, after_success) = (success(&before), success(&after));
        if before_success != after_success {
            self.out.push(
                Rule::SuccessStatusChanged,
                None,
                &op,
                format!("{op}: responses"),
                (Side::Current, &format!("{}/responses", current.pointer)),
                format!(
                    "success statuses {} are now {}",
                    join(&before_success),
                    join(&after_success)
                ),
            );
        }
        // Error statuses (`default` stands for any of them in a vendor document).
        let errors = |map: &serde_json::Map<String, Value>| -> BTreeSet<String> {
            map.keys()
                .filter(|s| !s.starts_with('2') && !s.starts_with('1') && *s != "default")
                .cloned()
                .collect()
        };
        let (before_errors, after_errors) = (errors(&before), errors(&after));
        if !after.contains_key("default") {
            for status in before_errors.difference(&after_errors) {
                self.out.push(
                    Rule::ErrorStatusRemoved,
                    None,
                    &op,
                    format!("{op}: response {status}"),
                    (
                        Side::Base,
                        &format!("{}/responses/{}", base.pointer, escape(status)),
                    ),
                    format!("error status {status} was removed"),
                );
            }
        }
        if !before.contains_key("default") {
            for status in after_errors.difference(&before_errors) {
                self.out.push(
                    Rule::ErrorStatusAdded,
                    None,
                    &op,
                    format!("{op}: response {status}"),
                    (
                        Side::Current,
                        &format!("{}/responses/{}", current.pointer, escape(status)),
                    ),
                    format!("error status {status} was added"),
                );
            }
        }
        // Pairs to compare: the statuses in both, and the one success response on each side
        // when a single success status changed.
        let mut pairs: Vec<(String, String)> = before
            .keys()
            .filter(|s| after.contains_key(*s))
            .map(|s| (s.clone(), s.clone()))
            .collect();
        if before_success.len() == 1 && after_success.len() == 1 && before_success != after_success
        {
            let (b, a) = (
                before_success.iter().next().cloned().unwrap_or_default(),
                after_success.iter().next().cloned().unwrap_or_default(),
            );
            pairs.push((b, a));
        }
        for (b_status, a_status) in pairs {
            let (Some(b), Some(a)) = (
                response_of(base, &b_status),
                response_of(current, &a_status),
            ) else {
                continue;
            };
            let (b, b_pointer) = self.base.resolve(b.0, &b.1);
            let (a, a_pointer) = self.current.resolve(a.0, &a.1);
            self.headers(b, a, &b_pointer, &format!("{op}: response {a_status}"));
            self.content(
                b,
                a,
                &b_pointer,
                &a_pointer,
                &format!("{op}: response {a_status}"),
                Dir::Response,
            );
        }
    }
}

fn response_of<'a>(op: &Operation<'a>, status: &str) -> Option<(&'a Value, String)> {
    op.node
        .get("responses")?
        .get(status)
        .map(|r| (r, format!("{}/responses/{}", op.pointer, escape(status))))
}
