//! Renders the spec as Markdown pages. The structure comes from the typed `openapiv3` model
//! (which keeps the document's order); examples are printed from an order-keeping YAML value,
//! so that they read as written in the spec.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, bail};
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent,
    ReferenceOr, RequestBody, Response, Schema, SchemaKind, SecurityScheme, StatusCode, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::spec::pointer::escape;

/// Every page, by file name.
/// `spec_name` is the spec's file name: the pages name it, not its path, so that they do not
/// depend on where the spec was read from.
pub fn pages(text: &str, spec_name: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let api: OpenAPI = serde_norway::from_str(text).context("not a valid OpenAPI 3.0 document")?;
    let ordered: serde_norway::Value = serde_norway::from_str(text).context("invalid YAML")?;
    let docs = Docs {
        api: &api,
        ordered: &ordered,
        spec_label: spec_name,
    };
    let mut pages = BTreeMap::new();
    let mut index = Vec::new();
    for (path, method, operation) in api.operations() {
        let Some(id) = operation.operation_id.as_deref() else {
            bail!(
                "{} {path} has no operationId to name its page",
                method.to_uppercase()
            );
        };
        let file = format!("{id}.md");
        if pages.contains_key(&file) {
            bail!("operationId {id} is used twice");
        }
        pages.insert(file.clone(), docs.operation(path, method, operation)?);
        index.push((path, method, operation, file));
    }
    pages.insert("README.md".into(), docs.index(&index));
    Ok(pages)
}

struct Docs<'a> {
    api: &'a OpenAPI,
    ordered: &'a serde_norway::Value,
    spec_label: &'a str,
}

/// A property table with the variant sections that follow it.
#[derive(Default)]
struct Section {
    title: String,
    description: Option<String>,
    rows: Vec<[String; 4]>,
    sections: Vec<Section>,
}

/// The parts of a schema that the pages show, whatever `openapiv3` variant holds them.
#[derive(Default)]
struct View<'a> {
    typ: Option<&'static str>,
    format: Option<String>,
    description: Option<&'a str>,
    nullable: bool,
    default: Option<&'a Value>,
    enumeration: Vec<Value>,
    minimum: Option<String>,
    maximum: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<&'a str>,
    properties: Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>>,
    required: &'a [String],
    items: Option<&'a ReferenceOr<Box<Schema>>>,
    additional: Option<&'a ReferenceOr<Schema>>,
    variants: Vec<&'a ReferenceOr<Schema>>,
    all_of: Vec<&'a ReferenceOr<Schema>>,
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn format_name<T: std::fmt::Debug>(format: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
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
    fn of(schema: &'a Schema) -> Self {
        let data = &schema.schema_data;
        let mut view = View {
            description: data.description.as_deref(),
            nullable: data.nullable,
            default: data.default.as_ref(),
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

    fn is_binary(&self) -> bool {
        self.typ == Some("string") && self.format.as_deref() == Some("binary")
    }
}

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The first sentence of a description, for a heading or an index.
fn first_sentence(text: &str) -> String {
    let line = cell(text);
    match line.find(". ") {
        Some(end) => line[..=end].to_string(),
        None => line,
    }
}

fn code(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Unescapes one JSON pointer segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

impl<'a> Docs<'a> {
    /// A `$ref` to a component schema, followed to its end; its name is the last one.
    fn schema(&self, reference: &'a str) -> Option<(String, &'a Schema)> {
        let mut target = reference;
        for _ in 0..64 {
            let name = target.strip_prefix("#/components/schemas/")?;
            match self.api.components.as_ref()?.schemas.get(name)? {
                ReferenceOr::Item(schema) => return Some((name.to_string(), schema)),
                ReferenceOr::Reference { reference } => target = reference,
            }
        }
        None
    }

    fn resolve(&self, r: &'a ReferenceOr<Schema>) -> Option<(Option<String>, &'a Schema)> {
        match r {
            ReferenceOr::Item(s) => Some((None, s)),
            ReferenceOr::Reference { reference } => {
                self.schema(reference).map(|(n, s)| (Some(n), s))
            }
        }
    }

    fn resolve_boxed(
        &self,
        r: &'a ReferenceOr<Box<Schema>>,
    ) -> Option<(Option<String>, &'a Schema)> {
        match r {
            ReferenceOr::Item(s) => Some((None, s)),
            ReferenceOr::Reference { reference } => {
                self.schema(reference).map(|(n, s)| (Some(n), s))
            }
        }
    }

    /// The order-keeping YAML value at a JSON pointer.
    fn ordered_at(&self, pointer: &str) -> Option<&'a serde_norway::Value> {
        let mut node = self.ordered;
        for segment in pointer.trim_start_matches('#').split('/').skip(1) {
            let segment = unescape(segment);
            node = match node {
                serde_norway::Value::Sequence(items) => {
                    items.get(segment.parse::<usize>().ok()?)?
                }
                other => other.get(segment.as_str())?,
            };
        }
        Some(node)
    }

    /// Follows a `$ref` of a component of another kind; the pointer is where it ends.
    fn component<T>(
        &self,
        r: &'a ReferenceOr<T>,
        pointer: String,
        kind: &str,
        pick: impl Fn(&'a openapiv3::Components) -> &'a IndexMap<String, ReferenceOr<T>>,
    ) -> Option<(&'a T, String)> {
        let mut current = r;
        let mut pointer = pointer;
        for _ in 0..64 {
            match current {
                ReferenceOr::Item(item) => return Some((item, pointer)),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix(&format!("#/components/{kind}/"))?;
                    current = pick(self.api.components.as_ref()?).get(name)?;
                    pointer = reference.clone();
                }
            }
        }
        None
    }

    fn parameter(&self, r: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        self.component(r, String::new(), "parameters", |c| &c.parameters)
            .map(|(p, _)| p)
    }

    /// `string (uuid)`, `array of Organization`, `one of 3 (RestoreToOptions)`...
    fn type_label(&self, name: Option<&str>, view: &View) -> String {
        let named = |label: String| match name {
            Some(name) if view.typ != Some("string") || !view.enumeration.is_empty() => {
                format!("{label} (`{name}`)")
            }
            _ => label,
        };
        if !view.variants.is_empty() {
            return named(format!("one of {}", view.variants.len()));
        }
        if !view.all_of.is_empty() {
            return named("all of".into());
        }
        match view.typ {
            Some("array") => {
                let item = view.items.and_then(|i| self.resolve_boxed(i));
                match item {
                    Some((item_name, item)) => {
                        let inner = View::of(item);
                        match item_name {
                            Some(n) => format!("array of `{n}`"),
                            None => format!("array of {}", self.type_label(None, &inner)),
                        }
                    }
                    None => "array".into(),
                }
            }
            Some("object") if view.additional.is_some() && view.properties.is_none() => {
                let value = view.additional.and_then(|a| self.resolve(a));
                match value {
                    Some((Some(n), _)) => named(format!("map of `{n}`")),
                    _ => named("map".into()),
                }
            }
            Some(typ) => {
                let label = match &view.format {
                    Some(format) => format!("{typ} ({format})"),
                    None => typ.to_string(),
                };
                named(label)
            }
            None => named("any".into()),
        }
    }

    /// The description of a table row: the description, then constraints and values.
    fn row_description(&self, own: Option<&str>, view: &View) -> String {
        let mut parts = Vec::new();
        if let Some(text) = own.or(view.description) {
            parts.push(cell(text));
        }
        if !view.enumeration.is_empty() {
            let values: Vec<String> = view.enumeration.iter().map(code).collect();
            parts.push(format!("Values: {}.", values.join(", ")));
        }
        match (&view.minimum, &view.maximum) {
            (Some(min), Some(max)) => parts.push(format!("From {min} to {max}.")),
            (Some(min), None) => parts.push(format!("Minimum {min}.")),
            (None, Some(max)) => parts.push(format!("Maximum {max}.")),
            (None, None) => {}
        }
        match (view.min_length, view.max_length) {
            (Some(min), Some(max)) => parts.push(format!("Length {min} to {max}.")),
            (Some(1), None) => parts.push("Not empty.".into()),
            (Some(min), None) => parts.push(format!("At least {min} characters.")),
            (None, Some(max)) => parts.push(format!("At most {max} characters.")),
            (None, None) => {}
        }
        if let Some(pattern) = view.pattern {
            parts.push(format!("Pattern `{pattern}`."));
        }
        if let Some(default) = view.default {
            parts.push(format!("Default {}.", code(default)));
        }
        if view.nullable {
            parts.push("May be `null`.".into());
        }
        parts.join(" ")
    }

    /// The rows of an object's properties (nested objects inline, with dotted names), and a
    /// section for each variant of a property that is a oneOf/anyOf.
    fn rows(&self, view: &View<'a>, prefix: &str, stack: &mut Vec<String>, out: &mut Section) {
        for member in &view.all_of {
            if let Some((_, schema)) = self.resolve(member) {
                self.rows(&View::of(schema), prefix, stack, out);
            }
        }
        let Some(properties) = view.properties else {
            return;
        };
        for (name, property) in properties {
            let Some((target, schema)) = self.resolve_boxed(property) else {
                continue;
            };
            let inner = View::of(schema);
            let full = format!("{prefix}{name}");
            let own = match property {
                ReferenceOr::Item(s) => s.schema_data.description.as_deref(),
                ReferenceOr::Reference { .. } => None,
            };
            out.rows.push([
                format!("`{full}`"),
                self.type_label(target.as_deref(), &inner),
                if view.required.contains(name) {
                    "yes".into()
                } else {
                    "no".into()
                },
                self.row_description(own, &inner),
            ]);
            let key = target.clone().unwrap_or_else(|| full.clone());
            if stack.contains(&key) || stack.len() > 8 {
                continue;
            }
            stack.push(key);
            if !inner.variants.is_empty() {
                for (index, variant) in inner.variants.iter().enumerate() {
                    out.sections.push(self.variant(
                        &format!("`{full}`, variant {}", index + 1),
                        variant,
                        &format!("{full}."),
                        stack,
                    ));
                }
            } else if inner.properties.is_some() || !inner.all_of.is_empty() {
                self.rows(&inner, &format!("{full}."), stack, out);
            } else if let Some(items) = inner.items.and_then(|i| self.resolve_boxed(i)) {
                self.rows(&View::of(items.1), &format!("{full}[]."), stack, out);
            } else if let Some(values) = inner.additional.and_then(|a| self.resolve(a)) {
                self.rows(&View::of(values.1), &format!("{full}.<key>."), stack, out);
            }
            stack.pop();
        }
    }

    fn variant(
        &self,
        title: &str,
        variant: &'a ReferenceOr<Schema>,
        prefix: &str,
        stack: &mut Vec<String>,
    ) -> Section {
        let Some((name, schema)) = self.resolve(variant) else {
            return Section {
                title: format!("{title}: unresolved reference"),
                ..Section::default()
            };
        };
        let view = View::of(schema);
        let label = match (&name, view.properties) {
            (Some(name), _) => format!("`{name}`"),
            // A tagged action: its one required property names it.
            (None, Some(_)) if view.required.len() == 1 => format!("`{}`", view.required[0]),
            _ => String::new(),
        };
        let mut section = Section {
            title: if label.is_empty() {
                title.to_string()
            } else {
                format!("{title}: {label}")
            },
            description: view.description.map(String::from),
            ..Section::default()
        };
        if view.properties.is_some() || !view.all_of.is_empty() {
            self.rows(&view, prefix, stack, &mut section);
        } else if !view.variants.is_empty() {
            for (index, inner) in view.variants.iter().enumerate() {
                section.sections.push(self.variant(
                    &format!("{title}.{}", index + 1),
                    inner,
                    prefix,
                    stack,
                ));
            }
        } else {
            section.rows.push([
                "(value)".into(),
                self.type_label(name.as_deref(), &view),
                "yes".into(),
                self.row_description(None, &view),
            ]);
        }
        section
    }

    /// A body's schema: a variant section per branch, a property table, or one line.
    fn body_schema(&self, schema: &'a ReferenceOr<Schema>, out: &mut String, level: usize) {
        let Some((name, resolved)) = self.resolve(schema) else {
            let _ = writeln!(out, "Schema: unresolved reference.\n");
            return;
        };
        let view = View::of(resolved);
        let _ = write!(out, "Schema: {}", self.type_label(name.as_deref(), &view));
        match view.description {
            Some(text) if name.is_some() => {
                let _ = writeln!(out, ". {}\n", cell(text));
            }
            _ => out.push_str(".\n\n"),
        }
        let mut stack: Vec<String> = name.into_iter().collect();
        if !view.variants.is_empty() {
            let _ = writeln!(out, "One of {} variants:\n", view.variants.len());
            for (index, variant) in view.variants.iter().enumerate() {
                let section =
                    self.variant(&format!("Variant {}", index + 1), variant, "", &mut stack);
                render_section(&section, level, out);
            }
        } else if view.properties.is_some() || !view.all_of.is_empty() {
            let mut section = Section::default();
            self.rows(&view, "", &mut stack, &mut section);
            render_section(&section, level, out);
        } else if let Some((item_name, item)) = view.items.and_then(|i| self.resolve_boxed(i)) {
            let mut section = Section::default();
            stack.extend(item_name);
            self.rows(&View::of(item), "[].", &mut stack, &mut section);
            render_section(&section, level, out);
        }
    }

    /// The examples of a media type, printed from the order-keeping document.
    fn examples(&self, media_type: &str, media: &MediaType, pointer: &str, out: &mut String) {
        let mut found = Vec::new();
        if media.example.is_some() {
            found.push((None, format!("{pointer}/example")));
        }
        for (name, example) in &media.examples {
            let summary = match example {
                ReferenceOr::Item(e) => e.summary.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            let label = match summary {
                Some(summary) => format!("`{name}`: {summary}"),
                None => format!("`{name}`"),
            };
            found.push((
                Some(label),
                format!("{pointer}/examples/{}/value", escape(name)),
            ));
        }
        for (label, at) in found {
            let Some(value) = self.ordered_at(&at) else {
                continue;
            };
            if let Some(label) = label {
                let _ = writeln!(out, "Example {label}\n");
            } else {
                out.push_str("Example:\n\n");
            }
            if media_type == "application/x-www-form-urlencoded" {
                let body = serde_urlencoded::to_string(value)
                    .unwrap_or_else(|e| format!("(cannot form-encode the example: {e})"));
                let _ = writeln!(out, "```text\n{body}\n```\n");
            } else {
                let json = serde_json::to_string_pretty(value)
                    .unwrap_or_else(|e| format!("(cannot print the example: {e})"));
                let _ = writeln!(out, "```json\n{json}\n```\n");
            }
        }
    }

    fn content(
        &self,
        content: &'a IndexMap<String, MediaType>,
        pointer: &str,
        out: &mut String,
        level: usize,
    ) {
        for (media_type, media) in content {
            let at = format!("{pointer}/content/{}", escape(media_type));
            let _ = writeln!(out, "{} `{media_type}`\n", "#".repeat(level));
            if let Some(schema) = &media.schema {
                let binary = self
                    .resolve(schema)
                    .is_some_and(|(_, s)| View::of(s).is_binary());
                if binary {
                    let description = self
                        .resolve(schema)
                        .and_then(|(_, s)| s.schema_data.description.clone())
                        .unwrap_or_default();
                    let _ = writeln!(out, "A file (binary). {}\n", cell(&description));
                } else {
                    self.body_schema(schema, out, level + 1);
                }
            }
            self.examples(media_type, media, &at, out);
        }
    }

    fn server(&self) -> String {
        let Some(server) = self.api.servers.first() else {
            return String::new();
        };
        let mut url = server.url.clone();
        for name in server.variables.iter().flat_map(|v| v.keys()) {
            url = url.replace(&format!("{{{name}}}"), &format!("<{name}>"));
        }
        url
    }

    fn security(&self, operation: &Operation) -> Vec<(String, String)> {
        let requirements = operation
            .security
            .as_ref()
            .or(self.api.security.as_ref())
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for name in requirements.iter().flat_map(|r| r.keys()) {
            let scheme = self
                .api
                .components
                .as_ref()
                .and_then(|c| c.security_schemes.get(name))
                .and_then(ReferenceOr::as_item);
            let (value, description) = match scheme {
                Some(SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                }) if scheme.eq_ignore_ascii_case("bearer") => {
                    ("`Bearer <access_token>`".to_string(), description.clone())
                }
                Some(SecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                }) => (format!("`{scheme} ...`"), description.clone()),
                Some(SecurityScheme::APIKey { description, .. }) => {
                    ("an API key".to_string(), description.clone())
                }
                _ => (format!("`{name}`"), None),
            };
            out.push((
                value,
                description
                    .map(|d| cell(&d))
                    .unwrap_or_else(|| name.clone()),
            ));
        }
        out
    }

    fn operation(&self, path: &str, method: &str, op: &'a Operation) -> anyhow::Result<String> {
        let mut out = String::new();
        let id = op.operation_id.as_deref().unwrap_or_default();
        let title = op.summary.clone().unwrap_or_else(|| id.to_string());
        let op_pointer = format!("#/paths/{}/{method}", escape(path));
        let _ = writeln!(
            out,
            "<!-- Generated from {} by `cargo xtask docs`. Do not edit: edit the spec. -->\n",
            self.spec_label
        );
        let _ = writeln!(out, "# {title}\n");
        let mut meta = format!("Operation `{id}`");
        if !op.tags.is_empty() {
            let tags: Vec<String> = op.tags.iter().map(|t| format!("`{t}`")).collect();
            let _ = write!(meta, " · tag {}", tags.join(", "));
        }
        if op.deprecated {
            meta.push_str(" · **deprecated**");
        }
        let _ = writeln!(out, "{meta} · [all operations](README.md)\n");
        if let Some(description) = &op.description {
            let _ = writeln!(out, "{}\n", description.trim_end());
        }

        let _ = writeln!(out, "## Request\n");
        let _ = writeln!(
            out,
            "```http\n{} {}{path}\n```\n",
            method.to_uppercase(),
            self.server()
        );

        // Parameters: the path item's, overridden by the operation's of the same name.
        let mut parameters: IndexMap<(String, String), &Parameter> = IndexMap::new();
        let item = match self.api.paths.paths.get(path) {
            Some(ReferenceOr::Item(item)) => Some(item),
            _ => None,
        };
        for r in item
            .map(|i| i.parameters.iter())
            .into_iter()
            .flatten()
            .chain(op.parameters.iter())
        {
            let Some(parameter) = self.parameter(r) else {
                bail!("{op_pointer}: a parameter reference does not resolve");
            };
            let data = parameter.parameter_data_ref();
            let location = match parameter {
                Parameter::Path { .. } => "path",
                Parameter::Query { .. } => "query",
                Parameter::Header { .. } => "header",
                Parameter::Cookie { .. } => "cookie",
            };
            parameters.insert((location.into(), data.name.clone()), parameter);
        }
        let rows_of = |location: &str| -> Vec<[String; 4]> {
            parameters
                .iter()
                .filter(|((l, _), _)| l == location)
                .map(|(_, p)| {
                    let data = p.parameter_data_ref();
                    let view = match &data.format {
                        ParameterSchemaOrContent::Schema(s) => self.resolve(s),
                        ParameterSchemaOrContent::Content(_) => None,
                    };
                    let (label, description) = match view {
                        Some((name, schema)) => {
                            let view = View::of(schema);
                            (
                                self.type_label(name.as_deref(), &view),
                                self.row_description(data.description.as_deref(), &view),
                            )
                        }
                        None => (
                            "content".into(),
                            cell(data.description.as_deref().unwrap_or("")),
                        ),
                    };
                    [
                        format!("`{}`", data.name),
                        label,
                        if data.required { "yes" } else { "no" }.into(),
                        description,
                    ]
                })
                .collect()
        };

        // Headers: authorization, content type, accept, and header parameters.
        let mut headers: Vec<[String; 3]> = Vec::new();
        for (value, description) in self.security(op) {
            headers.push(["`Authorization`".into(), value, description]);
        }
        let body = match &op.request_body {
            Some(r) => Some(
                self.component(
                    r,
                    format!("{op_pointer}/requestBody"),
                    "requestBodies",
                    |c| &c.request_bodies,
                )
                .with_context(|| format!("{op_pointer}: the request body does not resolve"))?,
            ),
            None => None,
        };
        if let Some((body, _)) = &body {
            let types: Vec<String> = body.content.keys().map(|t| format!("`{t}`")).collect();
            headers.push([
                "`Content-Type`".into(),
                types.join(" or "),
                "The media type of the body.".into(),
            ]);
        }
        let accept: Vec<String> = op
            .responses
            .responses
            .iter()
            .filter(|(status, _)| {
                matches!(status, StatusCode::Code(200..=299) | StatusCode::Range(2))
            })
            .filter_map(|(status, r)| {
                self.component(r, status.to_string(), "responses", |c| &c.responses)
            })
            .flat_map(|(r, _)| r.content.keys())
            .map(|t| format!("`{t}`"))
            .collect();
        if !accept.is_empty() {
            headers.push([
                "`Accept`".into(),
                accept.join(", "),
                "What the success response may be.".into(),
            ]);
        }
        for row in rows_of("header") {
            let [name, _, _, description] = row;
            headers.push([name, "".into(), description]);
        }
        if !headers.is_empty() {
            let _ = writeln!(out, "### Request headers\n");
            let _ = writeln!(out, "| Header | Value | Description |\n|---|---|---|");
            for [a, b, c] in headers {
                let _ = writeln!(out, "| {a} | {b} | {c} |");
            }
            out.push('\n');
        }
        for (location, heading) in [
            ("path", "Path parameters"),
            ("query", "Query parameters"),
            ("cookie", "Cookie parameters"),
        ] {
            let rows = rows_of(location);
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {heading}\n");
            render_rows(&rows, "Parameter", &mut out);
        }

        if let Some((body, pointer)) = body {
            self.request_body(body, &pointer, &mut out);
        }
        self.responses(op, &op_pointer, &mut out);
        Ok(out)
    }

    fn request_body(&self, body: &'a RequestBody, pointer: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "### Request body{}\n",
            if body.required { "" } else { " (optional)" }
        );
        if let Some(description) = &body.description {
            let _ = writeln!(out, "{}\n", description.trim_end());
        }
        self.content(&body.content, pointer, out, 4);
    }

    fn responses(&self, op: &'a Operation, op_pointer: &str, out: &mut String) {
        let _ = writeln!(out, "## Responses\n");
        let mut all: Vec<(String, &'a ReferenceOr<Response>)> = op
            .responses
            .responses
            .iter()
            .map(|(status, r)| (status.to_string(), r))
            .collect();
        if let Some(default) = &op.responses.default {
            all.push(("default".into(), default));
        }
        let resolved: Vec<(String, &'a Response, String)> = all
            .into_iter()
            .filter_map(|(status, r)| {
                self.component(
                    r,
                    format!("{op_pointer}/responses/{}", escape(&status)),
                    "responses",
                    |c| &c.responses,
                )
                .map(|(response, pointer)| (status, response, pointer))
            })
            .collect();
        let _ = writeln!(out, "| Status | Description | Media types |\n|---|---|---|");
        for (status, response, _) in &resolved {
            let types: Vec<String> = response.content.keys().map(|t| format!("`{t}`")).collect();
            let _ = writeln!(
                out,
                "| {status} | {} | {} |",
                first_sentence(&response.description),
                if types.is_empty() {
                    "no body".to_string()
                } else {
                    types.join(", ")
                }
            );
        }
        out.push('\n');
        for (status, response, pointer) in &resolved {
            let _ = writeln!(out, "### {status}\n");
            let _ = writeln!(out, "{}\n", response.description.trim_end());
            if !response.headers.is_empty() {
                let _ = writeln!(out, "| Header | Type | Description |\n|---|---|---|");
                for (name, header) in &response.headers {
                    let Some(header) = header.as_item() else {
                        continue;
                    };
                    let label = match &header.format {
                        ParameterSchemaOrContent::Schema(s) => self
                            .resolve(s)
                            .map(|(n, s)| self.type_label(n.as_deref(), &View::of(s)))
                            .unwrap_or_default(),
                        ParameterSchemaOrContent::Content(_) => "content".into(),
                    };
                    let _ = writeln!(
                        out,
                        "| `{name}` | {label} | {} |",
                        cell(header.description.as_deref().unwrap_or(""))
                    );
                }
                out.push('\n');
            }
            self.content(&response.content, pointer, out, 4);
        }
    }

    fn index(&self, operations: &[(&str, &str, &Operation, String)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<!-- Generated from {} by `cargo xtask docs`. Do not edit: edit the spec. -->\n",
            self.spec_label
        );
        let _ = writeln!(out, "# {}\n", self.api.info.title);
        let _ = writeln!(
            out,
            "API version {} · OpenAPI {} · generated from the spec, `{}`, by `cargo xtask docs`.\n",
            self.api.info.version, self.api.openapi, self.spec_label
        );
        if let Some(server) = self.api.servers.first() {
            let _ = writeln!(out, "Server: `{}`", self.server());
            for (name, variable) in server.variables.iter().flatten() {
                let _ = writeln!(
                    out,
                    "- `{name}`: {} Default `{}`.",
                    cell(variable.description.as_deref().unwrap_or("")),
                    variable.default
                );
            }
            out.push('\n');
        }
        // Group by the first tag, in the order the spec declares its tags.
        let mut tags: Vec<(String, Option<String>)> = self
            .api
            .tags
            .iter()
            .map(|t| (t.name.clone(), t.description.clone()))
            .collect();
        for (_, _, op, _) in operations {
            let tag = op.tags.first().cloned().unwrap_or_else(|| "other".into());
            if !tags.iter().any(|(t, _)| *t == tag) {
                tags.push((tag, None));
            }
        }
        for (tag, description) in tags {
            let rows: Vec<_> = operations
                .iter()
                .filter(|(_, _, op, _)| {
                    op.tags.first().map(String::as_str).unwrap_or("other") == tag
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {tag}\n");
            if let Some(description) = description {
                let _ = writeln!(out, "{}\n", description.trim_end());
            }
            let _ = writeln!(out, "| Operation | Request | Summary |\n|---|---|---|");
            for (path, method, op, file) in rows {
                let _ = writeln!(
                    out,
                    "| [`{}`]({file}) | `{} {path}` | {} |",
                    op.operation_id.as_deref().unwrap_or_default(),
                    method.to_uppercase(),
                    cell(op.summary.as_deref().unwrap_or(""))
                );
            }
            out.push('\n');
        }
        let errata = self
            .api
            .info
            .extensions
            .get("x-errata")
            .and_then(Value::as_array);
        if let Some(errata) = errata {
            let _ = writeln!(out, "## Errata of the vendor's v4 page, corrected here\n");
            for erratum in errata.iter().filter_map(Value::as_str) {
                let _ = writeln!(out, "- {}", cell(erratum));
            }
            out.push('\n');
        }
        out
    }
}

fn render_rows(rows: &[[String; 4]], first: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "| {first} | Type | Required | Description |\n|---|---|---|---|"
    );
    for [a, b, c, d] in rows {
        let _ = writeln!(out, "| {a} | {b} | {c} | {d} |");
    }
    out.push('\n');
}

fn render_section(section: &Section, level: usize, out: &mut String) {
    if !section.title.is_empty() {
        let _ = writeln!(out, "{} {}\n", "#".repeat(level.min(6)), section.title);
    }
    if let Some(description) = &section.description {
        let _ = writeln!(out, "{}\n", cell(description));
    }
    if !section.rows.is_empty() {
        render_rows(&section.rows, "Property", out);
    }
    for inner in &section.sections {
        render_section(inner, level + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../../openapi/vbo-v4.yaml");

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

    #[test]
    fn every_operation_has_a_page_and_an_index_entry() {
        let pages = pages(SPEC, "vbo-v4.yaml").unwrap();
        let index = &pages["README.md"];
        let spec: serde_json::Value = serde_norway::from_str(SPEC).unwrap();
        let ids: Vec<String> = crate::lint::operations(&spec)
            .into_iter()
            .filter_map(|(_, op)| op["operationId"].as_str().map(String::from))
            .collect();
        assert_eq!(pages.len(), ids.len() + 1);
        for id in ids {
            assert!(pages.contains_key(&format!("{id}.md")), "{id}");
            assert!(index.contains(&format!("[`{id}`]({id}.md)")), "{id}");
        }
    }

    #[test]
    fn the_action_page_has_the_vendor_shape() {
        let pages = pages(SPEC, "vbo-v4.yaml").unwrap();
        let page = &pages["performMailboxItemAction.md"];
        for expected in [
            "```http\nPOST https://<host>:<port>/v4/RestoreSessions/{restoreSessionId}/Organization/Mailboxes/{mailboxId}/Items/{itemId}/Action\n```",
            "| `Authorization` | `Bearer <access_token>` |",
            "| `Content-Type` | `application/json` |",
            "### Path parameters",
            "| `itemId` | string | yes |",
            "#### Variant 1: `exportToPst`",
            "| `exportToPst.pstSizeLimitBytes` | integer (int64) | no |",
            "From 1073741824 to 52613349376.",
            "`restoreTo`, variant 2: `RestoreToWithDeviceCode`",
            "| `restoreTo.userCode` | string | yes |",
            "Example `sendtoDifferentaddress`: Send to a different address (vendor example 6)",
            "| 200 | The action succeeded.",
            "| `Content-Length` | integer (int64) |",
        ] {
            assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
        }
        // Examples keep the spec's order of keys.
        assert!(
            page.contains("\"applicationId\": \"8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60\",\n    \"applicationCertificate\""),
            "{page}"
        );
    }

    #[test]
    fn the_token_page_shows_form_encoded_examples() {
        let pages = pages(SPEC, "vbo-v4.yaml").unwrap();
        let page = &pages["createToken.md"];
        assert!(
            page.contains("```text\ngrant_type=password&username=admin%40westsupport.onmicrosoft.com&password=paSSw0rd\n```"),
            "{page}"
        );
        assert!(
            !page.contains("| `Authorization` |"),
            "createToken needs no token: {page}"
        );
    }
}
