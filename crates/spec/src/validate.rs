//! JSON Schema validation of instances against the document's schemas.

use serde_json::{Map, Value};

use crate::Spec;

/// A JSON Schema validator compiled from an OpenAPI schema.
pub struct SchemaValidator {
    validator: jsonschema::Validator,
}

impl SchemaValidator {
    /// The compiled validator, for callers that need structured errors: the simulator names
    /// the `oneOf` branch a request meant instead of "not valid under any of the schemas".
    pub fn validator(&self) -> &jsonschema::Validator {
        &self.validator
    }

    /// Every violation of `instance`, each as `<instance path>: <reason>`.
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        self.validator
            .iter_errors(instance)
            .map(|e| {
                let path = e.instance_path().to_string();
                let path = if path.is_empty() {
                    "/".to_string()
                } else {
                    path
                };
                format!("{path}: {e}")
            })
            .collect()
    }
}

impl Spec {
    /// Compiles an OpenAPI schema of this document into a JSON Schema validator.
    pub fn validator(&self, schema: &Value) -> Result<SchemaValidator, String> {
        self.compile(schema, false)
    }

    /// [`Spec::validator`] that also checks OpenAPI's `uuid` format, which draft 4 does not
    /// define, as the generated types read it.
    pub fn validator_checking_uuids(&self, schema: &Value) -> Result<SchemaValidator, String> {
        self.compile(schema, true)
    }

    fn compile(&self, schema: &Value, uuids: bool) -> Result<SchemaValidator, String> {
        let components: Map<String, Value> = self
            .document()
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, s)| (name.clone(), to_json_schema(s)))
            .collect();
        let mut root = Map::new();
        root.insert("allOf".into(), Value::Array(vec![to_json_schema(schema)]));
        root.insert(
            "components".into(),
            serde_json::json!({ "schemas": components }),
        );
        let mut options = jsonschema::draft4::options().should_validate_formats(true);
        if uuids {
            options = options.with_format("uuid", |text: &str| uuid::Uuid::parse_str(text).is_ok());
        }
        options
            .build(&Value::Object(root))
            .map(|validator| SchemaValidator { validator })
            .map_err(|e| format!("the schema does not compile: {e}"))
    }
}

/// Converts an OpenAPI 3.0 schema into the JSON Schema (draft 4) it means: `nullable` becomes
/// a `null` type, and OpenAPI-only keywords are dropped. `$ref`s keep pointing at
/// `#/components/schemas/...`, which [`Spec::validator`] places at the same path.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "nullable" | "discriminator" | "readOnly" | "writeOnly" | "xml" | "externalDocs"
            | "example" | "deprecated" => {}
            k if k.starts_with("x-") => {}
            "properties" | "patternProperties" | "definitions" => {
                let converted = value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, s)| (name.clone(), to_json_schema(s)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(converted));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let converted = value
                    .as_array()
                    .map(|items| items.iter().map(to_json_schema).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(converted));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(kind)) = out.get("type").cloned() {
            out.insert("type".into(), serde_json::json!([kind, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
        } else {
            return serde_json::json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
        }
    }
    Value::Object(out)
}
