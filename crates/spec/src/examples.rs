//! The examples of a document, each with the schema it must satisfy.

use serde_json::Value;

use crate::Spec;
use crate::pointer::escape;

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

impl Spec {
    /// Every example of the document: request and response bodies (named `examples` and
    /// single `example`) and parameters.
    pub fn examples(&self) -> Vec<Example> {
        let mut out = Vec::new();
        for op in self.operations() {
            for parameter in &op.parameters {
                if let (Some(value), Some(schema)) =
                    (parameter.node.get("example"), parameter.schema())
                {
                    out.push(Example {
                        pointer: format!("{}/example", parameter.pointer),
                        schema: schema.clone(),
                        media_type: None,
                        value: value.clone(),
                    });
                }
            }
            if let Some(body) = op.request_body(self) {
                self.media_examples(body, &format!("{}/requestBody", op.pointer), &mut out);
            }
            for (status, response) in op.responses(self) {
                self.media_examples(
                    response,
                    &format!("{}/responses/{status}", op.pointer),
                    &mut out,
                );
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
