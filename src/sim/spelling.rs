//! Names as the spec spells them on the wire, read from the generated types' serde
//! attributes, so that the simulator's messages name fields without restating them (actions
//! and operations are named by the generated wire table, `crate::generated::wire`).

use serde::Serialize;
use serde_json::Value;

/// The one key of `value` serialized as a JSON object: the wire name of the one field set in
/// a value of a type whose other fields are left out when unset. `None` if `value` is not
/// such an object.
pub fn only_key<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        Value::Object(map) if map.len() == 1 => map.into_iter().next().map(|(key, _)| key),
        _ => None,
    }
}

/// The wire name of a field of a generated type that derives `Default` and leaves unset
/// fields out: `field_name!(types::VexEmailSettings, server)`.
macro_rules! field_name {
    ($type:ty, $field:ident) => {{
        type Fields = $type;
        $crate::sim::spelling::only_key(&Fields {
            $field: Some(Default::default()),
            ..Default::default()
        })
        .unwrap_or_else(|| stringify!($field).to_string())
    }};
}
pub(crate) use field_name;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;
    use crate::types;

    fn properties(schema: &str) -> Vec<String> {
        let spec = Spec::embedded();
        let pointer = format!("/components/schemas/{schema}/properties");
        spec.document()
            .pointer(&pointer)
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn field_names_are_the_spec_properties() {
        let names = [
            field_name!(types::VexEmailSettings, enable_notification),
            field_name!(types::VexEmailSettings, server),
            field_name!(types::VexEmailSettings, from),
            field_name!(types::VexEmailSettings, use_ssl),
        ];
        let spec = properties("VexEmailSettings");
        for name in names {
            assert!(spec.contains(&name), "{name} in {spec:?}");
        }
    }

    #[test]
    fn only_a_single_key_object_has_an_only_key() {
        assert_eq!(only_key(&types::VexEmailSettings::default()), None);
        assert_eq!(only_key(&1), None);
    }
}
