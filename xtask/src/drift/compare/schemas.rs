//! Schemas: type, format, nullability, enums, constraints, properties and variants.

use std::collections::BTreeSet;

use serde_json::Value;

use super::shape::{CONSTRAINTS, Shape};
use super::{Dir, Rule, Side, Walk, join};

impl<'a> Walk<'a> {
    /// Compares two schemas at one location. `required` says whether the value must be
    /// present (a required property, a body), which decides `T` versus `Option<T>`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn schema(
        &mut self,
        before: &'a Value,
        after: &'a Value,
        before_pointer: &str,
        after_pointer: &str,
        place: &str,
        dir: Dir,
        required: bool,
    ) {
        let b = self.base.shape(before, before_pointer);
        let a = self.current.shape(after, after_pointer);
        if !self
            .seen
            .insert((b.pointer.clone(), a.pointer.clone(), dir == Dir::Request))
        {
            return;
        }
        let op = self.op.clone();
        let at = (Side::Current, a.pointer.as_str());
        if !b.types.is_empty() && !a.types.is_empty() && b.types != a.types {
            self.out.push(
                Rule::TypeChanged,
                None,
                &op,
                place.to_string(),
                at,
                format!("type {} is now {}", join(&b.types), join(&a.types)),
            );
            return;
        }
        if self.matching.upstream
            && dir == Dir::Request
            && !b.variants.is_empty()
            && a.variants.is_empty()
        {
            // Against a server that takes one schema where ours sends one of several (the
            // vendor's flat token form or restore body, our grants or credential methods):
            // what ours sends is one of its variants, so each variant must be a value the
            // server's schema takes. Each is compared with it in place of the oneOf.
            for (key, variant, pointer) in &b.variants {
                self.schema(
                    variant,
                    after,
                    pointer,
                    after_pointer,
                    &format!("{place}<{key}>"),
                    dir,
                    required,
                );
            }
            return;
        }
        if b.variants.is_empty() != a.variants.is_empty() {
            let kind = |s: &Shape| {
                if s.variants.is_empty() {
                    "a single schema"
                } else {
                    "a oneOf/anyOf"
                }
            };
            self.out.push(
                Rule::TypeChanged,
                None,
                &op,
                place.to_string(),
                at,
                format!("{} is now {}", kind(&b), kind(&a)),
            );
            return;
        }
        if b.format != a.format {
            // Against a server: a format it adds to what it sends, or drops from what it
            // takes, is a promise kept; ours is what the client parses and sends.
            let breaking = self.matching.upstream.then(|| match dir {
                // `password` is generated as a secret string, which takes any string.
                Dir::Response => b.format.as_deref().is_some_and(|f| f != "password"),
                Dir::Request => a.format.is_some(),
            });
            self.out.push(
                Rule::FormatChanged,
                breaking,
                &op,
                place.to_string(),
                at,
                format!(
                    "format {} is now {}",
                    b.format.as_deref().unwrap_or("(none)"),
                    a.format.as_deref().unwrap_or("(none)")
                ),
            );
        }
        if b.nullable != a.nullable {
            // `required` is ours against a server. It sends null where ours has a required
            // `T` (breaking), or no longer sends it (compatible); it refuses the null a
            // required nullable of ours may send (breaking), or takes it (compatible).
            let breaking = if self.matching.upstream {
                required
                    && match dir {
                        Dir::Response => a.nullable,
                        Dir::Request => b.nullable,
                    }
            } else {
                required
            };
            self.out.push(
                Rule::NullableChanged,
                Some(breaking),
                &op,
                place.to_string(),
                at,
                format!(
                    "{} nullable{}",
                    if a.nullable { "became" } else { "is no longer" },
                    if required {
                        " (required, so its Rust type changes)"
                    } else {
                        " (optional: an Option either way)"
                    }
                ),
            );
        }
        if b.default != a.default {
            // What a client that leaves the value out gets: other behaviour for every such
            // call of a request; a response's default says nothing the client relies on.
            let shown = |v: &Option<Value>| v.as_ref().map_or("(none)".into(), Value::to_string);
            // A default that only one side documents is no evidence of other behaviour.
            let both = b.default.is_some() && a.default.is_some();
            self.out.push(
                Rule::DefaultChanged,
                Some(dir == Dir::Request && both),
                &op,
                place.to_string(),
                at,
                format!("default {} is now {}", shown(&b.default), shown(&a.default)),
            );
        }
        self.enumeration(&b, &a, place, dir);
        self.constraints(&b, &a, place, dir);
        self.properties(&b, &a, place, dir);
        if let (Some((bi, bp)), Some((ai, ap))) = (&b.items, &a.items) {
            self.schema(bi, ai, bp, ap, &format!("{place}[]"), dir, true);
        }
        if let (Some((bi, bp)), Some((ai, ap))) = (&b.additional, &a.additional) {
            self.schema(bi, ai, bp, ap, &format!("{place}{{*}}"), dir, true);
        }
        self.variants(&b, &a, place, dir);
    }

    fn enumeration(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let at = (Side::Current, a.pointer.as_str());
        match (&b.enumeration, &a.enumeration) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => self.out.push(
                Rule::TypeChanged,
                // Against a server: an enum it adds to what it sends fits our plain value;
                // one it drops from what it takes accepts our enum's values. The other way
                // round, it sends values ours does not list or refuses values ours sends.
                self.matching.upstream.then(|| match dir {
                    Dir::Response => a.enumeration.is_none() && !b.open,
                    Dir::Request => a.enumeration.is_some(),
                }),
                &op,
                place.to_string(),
                at,
                format!(
                    "{} (a generated enum {} a plain value)",
                    if a.enumeration.is_some() {
                        "an enum was added"
                    } else {
                        "the enum was removed"
                    },
                    if a.enumeration.is_some() {
                        "replaces"
                    } else {
                        "becomes"
                    }
                ),
            ),
            (Some(before), Some(after)) => {
                if b.open != a.open {
                    // Against a server, a closed enum in what it sends is fewer values than
                    // our open one keeps: compatible.
                    let breaking = (self.matching.upstream && dir == Dir::Response && !a.open)
                        .then_some(false);
                    self.out.push(
                        if a.open {
                            Rule::EnumOpened
                        } else {
                            Rule::EnumClosed
                        },
                        breaking,
                        &op,
                        place.to_string(),
                        at,
                        if a.open {
                            "the enum is now open (x-extensible-enum): unknown values are kept"
                        } else {
                            "the enum is now closed: values it does not list fail"
                        }
                        .to_string(),
                    );
                }
                let removed: Vec<&Value> = before.iter().filter(|v| !after.contains(v)).collect();
                let added: Vec<&Value> = after.iter().filter(|v| !before.contains(v)).collect();
                let (removed_rule, added_rule) = match dir {
                    Dir::Request => (Rule::RequestEnumValueRemoved, Rule::RequestEnumValueAdded),
                    Dir::Response if a.open => {
                        (Rule::ResponseEnumValueRemoved, Rule::OpenEnumValueAdded)
                    }
                    Dir::Response => (Rule::ResponseEnumValueRemoved, Rule::ResponseEnumValueAdded),
                };
                // Against a server: values it no longer sends are no trouble for our enum, and
                // values it sends beyond ours are kept by an open one.
                let upstream_response = self.matching.upstream && dir == Dir::Response;
                let removed_breaking = upstream_response.then_some(false);
                let added_breaking = upstream_response.then_some(!b.open);
                for value in removed {
                    self.out.push(
                        removed_rule,
                        removed_breaking,
                        &op,
                        place.to_string(),
                        at,
                        format!("enum value {value} was removed"),
                    );
                }
                for value in added {
                    self.out.push(
                        added_rule,
                        added_breaking,
                        &op,
                        place.to_string(),
                        at,
                        format!("enum value {value} was added"),
                    );
                }
            }
        }
    }

    fn constraints(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        for key in CONSTRAINTS {
            let (before, after) = (b.constraints.get(key), a.constraints.get(key));
            if before == after {
                continue;
            }
            let number = |v: Option<&Value>| v.and_then(Value::as_f64);
            let tighter = match key {
                "minimum" | "minLength" | "minItems" | "exclusiveMinimum" => {
                    match (number(before), number(after)) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(x), Some(y)) => y > x,
                    }
                }
                "maximum" | "maxLength" | "maxItems" | "exclusiveMaximum" => {
                    match (number(before), number(after)) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(x), Some(y)) => y < x,
                    }
                }
                _ => after.is_some(),
            };
            let shown = |v: Option<&Value>| v.map_or("(none)".to_string(), Value::to_string);
            self.out.push(
                if tighter && dir == Dir::Request {
                    Rule::RequestConstraintTightened
                } else {
                    Rule::ConstraintChanged
                },
                None,
                &op,
                place.to_string(),
                (Side::Current, &a.pointer),
                format!("{key} {} is now {}", shown(before), shown(after)),
            );
        }
    }

    fn properties(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let sub = |name: &str| {
            if place.ends_with(' ') || place.is_empty() {
                format!("{place}{name}")
            } else {
                format!("{place}.{name}")
            }
        };
        let mut unmatched_after: BTreeSet<&String> = a
            .properties
            .keys()
            .filter(|k| !b.properties.contains_key(*k))
            .collect();
        for (name, (before, before_pointer)) in &b.properties {
            let found = match a.properties.get_key_value(name) {
                Some(found) => Some(found),
                None => {
                    let other = unmatched_after
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(name))
                        .copied();
                    if let Some(other) = other {
                        unmatched_after.remove(other);
                        let (_, pointer) = &a.properties[other];
                        self.out.push(
                            Rule::PropertyNameCaseChanged,
                            None,
                            &op,
                            sub(name),
                            (Side::Current, pointer),
                            format!("property `{name}` is spelled `{other}`"),
                        );
                    }
                    other.and_then(|o| a.properties.get_key_value(o))
                }
            };
            let Some((after_name, (after, after_pointer))) = found else {
                let message = if self.matching.upstream {
                    format!("property `{name}` is not in the server's document")
                } else {
                    format!("property `{name}` was removed")
                };
                // Against a server that does not send one of our optional response
                // properties, the client reads `None`.
                let breaking = (self.matching.upstream && dir == Dir::Response)
                    .then(|| b.required.contains(name));
                self.out.push(
                    Rule::PropertyRemoved,
                    breaking,
                    &op,
                    sub(name),
                    (Side::Base, before_pointer),
                    message,
                );
                continue;
            };
            let (was, is) = (b.required.contains(name), a.required.contains(after_name));
            if was != is {
                // Against a server: a response property it now always sends (`is`), or a
                // request property it no longer needs (`was`), is a promise kept.
                let breaking = self.matching.upstream.then_some(match dir {
                    Dir::Response => was,
                    Dir::Request => is,
                });
                self.out.push(
                    Rule::RequiredChanged,
                    breaking,
                    &op,
                    sub(name),
                    (Side::Current, after_pointer),
                    format!(
                        "property `{name}` became {}",
                        if is { "required" } else { "optional" }
                    ),
                );
            }
            // Whether the value must be there: the current side's in base mode (its Rust
            // type), ours against a server (the client is generated from ours).
            let required = if self.matching.upstream { was } else { is };
            self.schema(
                before,
                after,
                before_pointer,
                after_pointer,
                &sub(name),
                dir,
                required,
            );
        }
        for name in unmatched_after {
            let (_, pointer) = &a.properties[name];
            let required = a.required.contains(name);
            let rule = if required && dir == Dir::Request {
                Rule::PropertyRequiredAdded
            } else {
                Rule::PropertyAdded
            };
            self.out.push(
                rule,
                None,
                &op,
                sub(name),
                (Side::Current, pointer),
                format!(
                    "new {} property `{name}`",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }

    fn variants(&mut self, b: &Shape<'a>, a: &Shape<'a>, place: &str, dir: Dir) {
        let op = self.op.clone();
        let (removed_rule, added_rule) = match dir {
            Dir::Request => (Rule::RequestVariantRemoved, Rule::RequestVariantAdded),
            Dir::Response => (Rule::ResponseVariantRemoved, Rule::ResponseVariantAdded),
        };
        for (key, before, before_pointer) in &b.variants {
            match a.variants.iter().find(|(k, _, _)| k == key) {
                None => self.out.push(
                    removed_rule,
                    None,
                    &op,
                    format!("{place}<{key}>"),
                    (Side::Base, before_pointer),
                    format!("variant `{key}` was removed"),
                ),
                Some((_, after, after_pointer)) => self.schema(
                    before,
                    after,
                    before_pointer,
                    after_pointer,
                    &format!("{place}<{key}>"),
                    dir,
                    true,
                ),
            }
        }
        for (key, _, pointer) in &a.variants {
            if !b.variants.iter().any(|(k, _, _)| k == key) {
                self.out.push(
                    added_rule,
                    None,
                    &op,
                    format!("{place}<{key}>"),
                    (Side::Current, pointer),
                    format!("variant `{key}` was added"),
                );
            }
        }
    }
}
