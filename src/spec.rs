//! The spec as data, for what is derived from it at run time: example checks, the
//! simulator's request validation, lint and drift. The client types come from the same file
//! through `build.rs`; nothing here restates a schema by hand.

use serde_json::{Map, Value};

/// `openapi/vbo-v4.yaml`, embedded at compile time.
pub const SOURCE: &str = include_str!("../openapi/vbo-v4.yaml");

/// HTTP methods an OpenAPI path item can hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A parsed OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
}

/// One example of the spec, with the schema it must satisfy.
#[derive(Debug, Clone)]
pub struct Example {
    /// JSON pointer of the example in the spec.
    pub pointer: String,
    /// The OpenAPI schema the example is for (a `$ref` or inline).
    pub schema: Value,
    /// The media type, for request and response bodies.
    pub media_type: Option<String>,
    /// The example value.
    pub value: Value,
}

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
    /// The embedded spec of this crate.
    pub fn embedded() -> Self {
        Self::parse(SOURCE).expect("build.rs has already parsed the embedded spec")
    }

    /// Parses a spec from YAML or JSON text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
        if !doc.is_object() {
            return Err("the document is not a mapping".into());
        }
        Ok(Self { doc })
    }

    /// The document as JSON.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// `info.version`.
    pub fn version(&self) -> Option<&str> {
        self.doc.pointer("/info/version").and_then(Value::as_str)
    }

    /// Follows `$ref`s until a node that is not a reference (at most 32 hops).
    pub fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(target) => match target.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                    Some(next) => node = next,
                    None => return node,
                },
                None => return node,
            }
        }
        node
    }

    /// Compiles an OpenAPI schema of this document into a JSON Schema validator.
    pub fn validator(&self, schema: &Value) -> Result<SchemaValidator, String> {
        let components: Map<String, Value> = self
            .doc
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
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map(|validator| SchemaValidator { validator })
            .map_err(|e| format!("the schema does not compile: {e}"))
    }

    /// Every example of the document: request and response bodies (named `examples` and
    /// single `example`) and parameters.
    pub fn examples(&self) -> Vec<Example> {
        let mut out = Vec::new();
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let item_pointer = format!("/paths/{}", escape(path));
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let op_pointer = format!("{item_pointer}/{method}");
                let parameters = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .chain(
                        operation
                            .get("parameters")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    );
                for (index, parameter) in parameters.enumerate() {
                    let parameter = self.resolve(parameter);
                    if let (Some(value), Some(schema)) =
                        (parameter.get("example"), parameter.get("schema"))
                    {
                        out.push(Example {
                            pointer: format!("{op_pointer}/parameters/{index}/example"),
                            schema: schema.clone(),
                            media_type: None,
                            value: value.clone(),
                        });
                    }
                }
                if let Some(body) = operation.get("requestBody") {
                    self.media_examples(
                        self.resolve(body),
                        &format!("{op_pointer}/requestBody"),
                        &mut out,
                    );
                }
                if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
                    for (status, response) in responses {
                        self.media_examples(
                            self.resolve(response),
                            &format!("{op_pointer}/responses/{status}"),
                            &mut out,
                        );
                    }
                }
            }
        }
        out
    }

    fn media_examples(&self, holder: &Value, pointer: &str, out: &mut Vec<Example>) {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return;
        };
        for (media_type, media) in content {
            let Some(schema) = media.get("schema") else {
                continue;
            };
            let media_pointer = format!("{pointer}/content/{}", escape(media_type));
            let mut push = |pointer: String, value: &Value| {
                out.push(Example {
                    pointer,
                    schema: schema.clone(),
                    media_type: Some(media_type.clone()),
                    value: value.clone(),
                })
            };
            if let Some(value) = media.get("example") {
                push(format!("{media_pointer}/example"), value);
            }
            if let Some(examples) = media.get("examples").and_then(Value::as_object) {
                for (name, example) in examples {
                    if let Some(value) = self.resolve(example).get("value") {
                        push(
                            format!("{media_pointer}/examples/{}/value", escape(name)),
                            value,
                        );
                    }
                }
            }
        }
    }
}

/// Escapes a key for a JSON pointer.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
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
