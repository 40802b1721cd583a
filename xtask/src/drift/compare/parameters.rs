//! Parameters: path-item and operation parameters, matched by location and name.

use std::collections::BTreeMap;

use serde_json::Value;

use super::operations::Operation;
use super::shape::Doc;
use super::{Dir, Rule, Side, Walk};

impl<'a> Walk<'a> {
    fn parameter_map(
        &self,
        doc: &Doc<'a>,
        op: &Operation<'a>,
    ) -> BTreeMap<(String, String), (&'a Value, String)> {
        let mut out = BTreeMap::new();
        let item_pointer = op
            .pointer
            .rsplit_once('/')
            .map_or(op.pointer.as_str(), |(item, _)| item);
        // Operation parameters come second: they override the path item's of the same name.
        let lists = [
            (op.item_parameters, item_pointer),
            (op.node.get("parameters"), op.pointer.as_str()),
        ];
        for (list, at) in lists {
            for (index, parameter) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{at}/parameters/{index}");
                let (parameter, at) = doc.resolve(parameter, &at);
                let location = parameter.get("in").and_then(Value::as_str).unwrap_or("");
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
                // Header names are case-insensitive; path parameters match by position in the
                // path, so their key is their order of appearance in the path.
                let name = if location == "header" || self.matching.upstream {
                    name.to_lowercase()
                } else {
                    name.to_string()
                };
                let key = if location == "path" && self.matching.upstream {
                    let position = op
                        .path
                        .split('{')
                        .skip(1)
                        .position(|s| {
                            s.split('}')
                                .next()
                                .unwrap_or("")
                                .eq_ignore_ascii_case(&name)
                        })
                        .map_or(name.clone(), |p| format!("#{p}"));
                    (location.to_string(), position)
                } else {
                    (location.to_string(), name)
                };
                out.insert(key, (parameter, at));
            }
        }
        out
    }

    pub(super) fn parameters(&mut self, base: &Operation<'a>, current: &Operation<'a>) {
        let op = self.op.clone();
        let before = self.parameter_map(&self.base, base);
        let after = self.parameter_map(&self.current, current);
        for ((location, key), (parameter, pointer)) in &before {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or(key);
            let place = format!("{op}: {location} parameter `{name}`");
            let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
            match after.get(&(location.clone(), key.clone())) {
                None => self.out.push(
                    Rule::ParameterRemoved,
                    None,
                    &op,
                    place,
                    (Side::Base, pointer),
                    format!("{location} parameter `{name}` was removed"),
                ),
                Some((now, now_pointer)) => {
                    if required(parameter) != required(now) {
                        self.out.push(
                            Rule::RequiredChanged,
                            None,
                            &op,
                            place.clone(),
                            (Side::Current, now_pointer),
                            format!(
                                "{location} parameter `{name}` became {}",
                                if required(now) {
                                    "required"
                                } else {
                                    "optional"
                                }
                            ),
                        );
                    }
                    if let (Some(b), Some(c)) = (parameter.get("schema"), now.get("schema")) {
                        self.schema(
                            b,
                            c,
                            &format!("{pointer}/schema"),
                            &format!("{now_pointer}/schema"),
                            &place,
                            Dir::Request,
                            required(now),
                        );
                    }
                }
            }
        }
        for ((location, key), (parameter, pointer)) in &after {
            if before.contains_key(&(location.clone(), key.clone())) {
                continue;
            }
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or(key);
            let required = parameter.get("required") == Some(&Value::Bool(true));
            self.out.push(
                if required {
                    Rule::ParameterRequiredAdded
                } else {
                    Rule::ParameterAdded
                },
                None,
                &op,
                format!("{op}: {location} parameter `{name}`"),
                (Side::Current, pointer),
                format!(
                    "new {} {location} parameter `{name}`",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }
}
