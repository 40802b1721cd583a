//! Security requirements: the ways an operation can be authenticated, compared by what goes
//! on the wire (scheme names differ between documents), and response headers.

use std::collections::BTreeSet;

use serde_json::Value;

use super::operations::Operation;
use super::shape::Doc;
use super::{Rule, Side, Walk, join};

/// What a security scheme sends: bearer, OAuth 2.0 and OpenID Connect all send
/// `Authorization: Bearer`, an API key its own header, query or cookie.
fn wire_kind(doc: &Doc<'_>, name: &str) -> String {
    let scheme = doc
        .root
        .pointer(&format!(
            "/components/securitySchemes/{}",
            crate::spec::escape(name)
        ))
        .map(|s| doc.resolve(s, "").0);
    let field = |s: &Value, key: &str| {
        s.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    match scheme {
        Some(s) => match field(s, "type").as_str() {
            "oauth2" | "openidconnect" => "bearer".into(),
            "http" => field(s, "scheme"),
            "apikey" => format!("api key in {} `{}`", field(s, "in"), field(s, "name")),
            other => other.to_string(),
        },
        None => format!("undefined scheme `{name}`"),
    }
}

/// The ways to authenticate an operation, each the wire kinds it needs together (`none` for
/// an empty requirement).
fn ways(doc: &Doc<'_>, op: &Operation<'_>) -> BTreeSet<String> {
    let requirements = op
        .node
        .get("security")
        .or_else(|| doc.root.get("security"))
        .and_then(Value::as_array);
    let Some(requirements) = requirements else {
        return ["none".to_string()].into();
    };
    // `security: []` is no requirement at all.
    if requirements.is_empty() {
        return ["none".to_string()].into();
    }
    requirements
        .iter()
        .filter_map(Value::as_object)
        .map(|requirement| {
            let kinds: BTreeSet<String> = requirement
                .keys()
                .map(|name| wire_kind(doc, name))
                .collect();
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds.into_iter().collect::<Vec<_>>().join(" + ")
            }
        })
        .collect()
}

impl<'a> Walk<'a> {
    pub(super) fn security(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let (before, after) = (ways(&self.base, base), ways(&self.current, current));
        if before == after {
            return;
        }
        let op = self.op.clone();
        let still = before.intersection(&after).next().is_some();
        self.out.push(
            Rule::SecurityChanged,
            Some(!still),
            &op,
            format!("{op}: security"),
            (Side::Current, &current.pointer),
            format!(
                "authenticated by {} is now by {}{}",
                join(&before),
                join(&after),
                if still {
                    ""
                } else {
                    " (none of the ways before)"
                }
            ),
        );
    }

    /// The headers of one response on both sides: one that is gone breaks the clients that
    /// read it when it was required.
    pub(super) fn headers(
        &mut self,
        before: &'a Value,
        after: &'a Value,
        b_pointer: &str,
        place: &str,
    ) {
        let empty = serde_json::Map::new();
        let list = |r: &'a Value| {
            r.get("headers")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
        };
        let (b, a) = (list(before), list(after));
        let op = self.op.clone();
        for (name, header) in b {
            if a.keys().any(|other| other.eq_ignore_ascii_case(name)) {
                continue;
            }
            let (header, _) = self.base.resolve(header, "");
            let required = header.get("required") == Some(&Value::Bool(true));
            self.out.push(
                Rule::ResponseHeaderRemoved,
                Some(required),
                &op,
                format!("{place}: header {name}"),
                (
                    Side::Base,
                    &format!("{b_pointer}/headers/{}", crate::spec::escape(name)),
                ),
                format!(
                    "{} header `{name}` is gone",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }
}
