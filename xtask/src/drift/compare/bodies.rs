//! Request bodies and the media types of a body, request or response.

use serde_json::Value;

use super::operations::Operation;
use super::shape::Doc;
use super::{Dir, Rule, Side, Walk};
use crate::spec::escape;

impl<'a> Walk<'a> {
    pub(super) fn request_body(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let body = |doc: &Doc<'a>, o: &Operation<'a>| {
            o.node
                .get("requestBody")
                .map(|b| doc.resolve(b, &format!("{}/requestBody", o.pointer)))
        };
        let (before, after) = (body(&self.base, base), body(&self.current, current));
        let required = |b: Option<&(&Value, String)>| {
            b.is_some_and(|(b, _)| b.get("required") == Some(&Value::Bool(true)))
        };
        if required(before.as_ref()) != required(after.as_ref())
            && let Some((_, pointer)) = after.as_ref().or(before.as_ref())
        {
            let now = required(after.as_ref());
            // A body that became optional still takes what clients send.
            self.out.push(
                if now && before.is_none() {
                    Rule::ParameterRequiredAdded
                } else {
                    Rule::RequiredChanged
                },
                Some(now),
                &op,
                format!("{op}: request body"),
                (
                    if after.is_some() {
                        Side::Current
                    } else {
                        Side::Base
                    },
                    pointer,
                ),
                format!(
                    "the request body became {}",
                    if now { "required" } else { "optional" }
                ),
            );
        }
        let (Some((before, before_pointer)), Some((after, after_pointer))) = (before, after) else {
            return;
        };
        self.content(
            before,
            after,
            &before_pointer,
            &after_pointer,
            &format!("{op}: request body"),
            Dir::Request,
        );
    }

    /// Compares the media types of a body and, where they match, their schemas.
    pub(super) fn content(
        &mut self,
        before: &'a Value,
        after: &'a Value,
        before_pointer: &str,
        after_pointer: &str,
        place: &str,
        dir: Dir,
    ) {
        let op = self.op.clone();
        let media = |v: &'a Value| v.get("content").and_then(Value::as_object);
        let (b, a) = (media(before), media(after));
        let (removed_rule, added_rule) = match dir {
            Dir::Request => (Rule::RequestMediaTypeRemoved, Rule::RequestMediaTypeAdded),
            Dir::Response => (Rule::ResponseMediaTypeRemoved, Rule::ResponseMediaTypeAdded),
        };
        // An exact media type first; else a range such as `*/*`, which vendor documents use
        // for everything.
        let find = |map: Option<&'a serde_json::Map<String, Value>>, wanted: &str| {
            let entries = || map.into_iter().flatten();
            entries()
                .find(|(m, _)| {
                    media_matches(m, wanted) && !m.contains('*') && !wanted.contains('*')
                })
                .map(|(m, v)| (m.clone(), v, true))
                .or_else(|| {
                    entries()
                        .find(|(m, _)| media_matches(m, wanted))
                        .map(|(m, v)| (m.clone(), v, false))
                })
        };
        let binary = |doc: &Doc<'a>, schema: &'a Value| {
            let (schema, _) = doc.resolve(schema, "");
            schema.get("format").and_then(Value::as_str) == Some("binary")
        };
        for (media_type, body) in b.into_iter().flatten() {
            match find(a, media_type) {
                None => self.out.push(
                    removed_rule,
                    None,
                    &op,
                    format!("{place} {media_type}"),
                    (
                        Side::Base,
                        &format!("{before_pointer}/content/{}", escape(media_type)),
                    ),
                    format!("media type {media_type} was removed"),
                ),
                Some((now_type, now, exact)) => {
                    if let (Some(bs), Some(cs)) = (body.get("schema"), now.get("schema"))
                        // A range standing for a file says nothing about our JSON beside it.
                        && (exact || binary(&self.base, bs) == binary(&self.current, cs))
                    {
                        self.schema(
                            bs,
                            cs,
                            &format!("{before_pointer}/content/{}/schema", escape(media_type)),
                            &format!("{after_pointer}/content/{}/schema", escape(&now_type)),
                            &format!("{place} {media_type}: "),
                            dir,
                            true,
                        );
                    }
                }
            }
        }
        for media_type in a.into_iter().flat_map(|m| m.keys()) {
            if find(b, media_type).is_none() {
                self.out.push(
                    added_rule,
                    None,
                    &op,
                    format!("{place} {media_type}"),
                    (
                        Side::Current,
                        &format!("{after_pointer}/content/{}", escape(media_type)),
                    ),
                    format!("media type {media_type} was added"),
                );
            }
        }
    }
}

/// `*/*` and `type/*` match any media type of their range; parameters are ignored.
fn media_matches(a: &str, b: &str) -> bool {
    let plain = |m: &str| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let (a, b) = (plain(a), plain(b));
    if a == b || a == "*/*" || b == "*/*" {
        return true;
    }
    let range = |m: &str| m.strip_suffix("/*").map(str::to_string);
    range(&a).is_some_and(|r| b.starts_with(&format!("{r}/")))
        || range(&b).is_some_and(|r| a.starts_with(&format!("{r}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_media_types_match() {
        assert!(media_matches("application/json", "*/*"));
        assert!(media_matches(
            "application/json; charset=utf-8",
            "application/json"
        ));
        assert!(media_matches("application/*", "application/octet-stream"));
        assert!(!media_matches("application/json", "text/plain"));
    }
}
