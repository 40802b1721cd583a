//! [`View`]: the parts of a schema that the pages show.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

/// The parts of a schema that the pages show, whatever `openapiv3` variant holds them.
#[derive(Default)]
pub(super) struct View<'a> {
    pub(super) typ: Option<&'static str>,
    pub(super) format: Option<String>,
    pub(super) description: Option<&'a str>,
    pub(super) nullable: bool,
    pub(super) default: Option<&'a Value>,
    pub(super) enumeration: Vec<Value>,
    /// The known values of an open enum (`x-extensible-enum`): others may appear.
    pub(super) open_values: Vec<Value>,
    pub(super) minimum: Option<String>,
    pub(super) maximum: Option<String>,
    pub(super) min_length: Option<usize>,
    pub(super) max_length: Option<usize>,
    pub(super) pattern: Option<&'a str>,
    pub(super) properties: Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>>,
    pub(super) required: &'a [String],
    pub(super) items: Option<&'a ReferenceOr<Box<Schema>>>,
    pub(super) additional: Option<&'a ReferenceOr<Schema>>,
    pub(super) variants: Vec<&'a ReferenceOr<Schema>>,
    pub(super) all_of: Vec<&'a ReferenceOr<Schema>>,
}

pub(super) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

pub(super) fn format_name<T: std::fmt::Debug>(
    format: &VariantOrUnknownOrEmpty<T>,
) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => {
            // `DateTime` -> `date-time`, `Int64` -> `int64`: the spec's own spelling.
            let name = format!("{item:?}");
            let mut out = String::new();
            let mut previous: Option<char> = None;
            for c in name.chars() {
                if c.is_uppercase() && previous.is_some_and(|p| !p.is_ascii_digit()) {
                    out.push('-');
                }
                out.extend(c.to_lowercase());
                previous = Some(c);
            }
            Some(out)
        }
        VariantOrUnknownOrEmpty::Unknown(name) => Some(name.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

impl<'a> View<'a> {
    pub(super) fn of(schema: &'a Schema) -> Self {
        let data = &schema.schema_data;
        let mut view = View {
            description: data.description.as_deref(),
            nullable: data.nullable,
            default: data.default.as_ref(),
            open_values: data
                .extensions
                .get("x-extensible-enum")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            ..View::default()
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                view.typ = Some("string");
                view.format = format_name(&s.format);
                view.enumeration = s
                    .enumeration
                    .iter()
                    .map(|v| v.clone().map_or(Value::Null, Value::String))
                    .collect();
                view.min_length = s.min_length;
                view.max_length = s.max_length;
                view.pattern = s.pattern.as_deref();
            }
            SchemaKind::Type(Type::Integer(i)) => {
                view.typ = Some("integer");
                view.format = format_name(&i.format);
                view.minimum = i.minimum.map(|x| x.to_string());
                view.maximum = i.maximum.map(|x| x.to_string());
                view.enumeration = i
                    .enumeration
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::from))
                    .collect();
            }
            SchemaKind::Type(Type::Number(n)) => {
                view.typ = Some("number");
                view.format = format_name(&n.format);
                view.minimum = n.minimum.map(number);
                view.maximum = n.maximum.map(number);
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                view.typ = Some("boolean");
                view.enumeration = b
                    .enumeration
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::Bool))
                    .collect();
            }
            SchemaKind::Type(Type::Object(o)) => {
                view.typ = Some("object");
                if !o.properties.is_empty() {
                    view.properties = Some(&o.properties);
                }
                view.required = &o.required;
                if let Some(AdditionalProperties::Schema(s)) = &o.additional_properties {
                    view.additional = Some(s);
                }
            }
            SchemaKind::Type(Type::Array(a)) => {
                view.typ = Some("array");
                view.items = a.items.as_ref();
            }
            SchemaKind::OneOf { one_of } => view.variants = one_of.iter().collect(),
            SchemaKind::AnyOf { any_of } => view.variants = any_of.iter().collect(),
            SchemaKind::AllOf { all_of } => view.all_of = all_of.iter().collect(),
            SchemaKind::Not { .. } => {}
            SchemaKind::Any(any) => {
                view.typ = match any.typ.as_deref() {
                    Some("string") => Some("string"),
                    Some("integer") => Some("integer"),
                    Some("number") => Some("number"),
                    Some("boolean") => Some("boolean"),
                    Some("array") => Some("array"),
                    Some("object") => Some("object"),
                    _ if !any.properties.is_empty() => Some("object"),
                    _ => None,
                };
                view.format = any.format.clone();
                view.enumeration = any.enumeration.clone();
                view.minimum = any.minimum.map(number);
                view.maximum = any.maximum.map(number);
                view.min_length = any.min_length;
                view.max_length = any.max_length;
                view.pattern = any.pattern.as_deref();
                if !any.properties.is_empty() {
                    view.properties = Some(&any.properties);
                }
                view.required = &any.required;
                view.items = any.items.as_ref();
                if let Some(AdditionalProperties::Schema(s)) = &any.additional_properties {
                    view.additional = Some(s);
                }
                // Branches with neither a type nor a $ref only constrain the properties beside
                // them (crates/codegen/src/view.rs rule 2): the description says it, they are no variants.
                let typed = |branches: &'a [ReferenceOr<Schema>]| {
                    branches.iter().any(|b| match b {
                        ReferenceOr::Reference { .. } => true,
                        ReferenceOr::Item(s) => {
                            !matches!(&s.schema_kind, SchemaKind::Any(a) if a.typ.is_none())
                        }
                    })
                };
                if typed(&any.one_of) {
                    view.variants = any.one_of.iter().collect();
                } else if typed(&any.any_of) {
                    view.variants = any.any_of.iter().collect();
                }
                view.all_of = any.all_of.iter().collect();
            }
        }
        view
    }

    pub(super) fn is_binary(&self) -> bool {
        self.typ == Some("string") && self.format.as_deref() == Some("binary")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_in_the_spec() {
        use openapiv3::{IntegerFormat, StringFormat};
        assert_eq!(
            format_name(&VariantOrUnknownOrEmpty::Item(StringFormat::DateTime)).as_deref(),
            Some("date-time")
        );
        assert_eq!(
            format_name(&VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64)).as_deref(),
            Some("int64")
        );
    }
}
