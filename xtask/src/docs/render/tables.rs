//! Property tables: a schema's rows, with a section per variant, and their Markdown.

use std::fmt::Write as _;

use openapiv3::{ReferenceOr, Schema};

use super::view::View;
use super::{Docs, cell, code};

/// A property table with the variant sections that follow it.
#[derive(Default)]
pub(super) struct Section {
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) rows: Vec<[String; 4]>,
    pub(super) sections: Vec<Section>,
}

impl<'a> Docs<'a> {
    /// `string (uuid)`, `array of Organization`, `one of 3 (RestoreToOptions)`...
    pub(super) fn type_label(&self, name: Option<&str>, view: &View) -> String {
        let named = |label: String| match name {
            Some(name)
                if view.typ != Some("string")
                    || !view.enumeration.is_empty()
                    || !view.open_values.is_empty() =>
            {
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

    /// The referenced schema of a `nullable: true` wrapper around a single `allOf` member, as
    /// a nullable view; `None` for any other schema.
    fn nullable_reference(&self, schema: &'a Schema) -> Option<(Option<String>, View<'a>)> {
        let openapiv3::SchemaKind::AllOf { all_of } = &schema.schema_kind else {
            return None;
        };
        let [member] = all_of.as_slice() else {
            return None;
        };
        let (name, referenced) = self.resolve(member)?;
        let mut view = View::of(referenced);
        view.nullable |= schema.schema_data.nullable;
        if schema.schema_data.description.is_some() {
            view.description = schema.schema_data.description.as_deref();
        }
        Some((name, view))
    }

    /// The description of a table row: the description, then constraints and values.
    pub(super) fn row_description(&self, own: Option<&str>, view: &View) -> String {
        let mut parts = Vec::new();
        if let Some(text) = own.or(view.description) {
            parts.push(cell(text));
        }
        if !view.enumeration.is_empty() {
            let values: Vec<String> = view.enumeration.iter().map(code).collect();
            parts.push(format!("Values: {}.", values.join(", ")));
        }
        if !view.open_values.is_empty() {
            let values: Vec<String> = view.open_values.iter().map(code).collect();
            parts.push(format!(
                "Known values: {}; a newer server may send others.",
                values.join(", ")
            ));
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
    pub(super) fn rows(
        &self,
        view: &View<'a>,
        prefix: &str,
        stack: &mut Vec<String>,
        out: &mut Section,
    ) {
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
            let mut own = match property {
                ReferenceOr::Item(s) => s.schema_data.description.as_deref(),
                ReferenceOr::Reference { .. } => None,
            };
            // `nullable` beside a lone `allOf: [$ref]`: OpenAPI 3.0's way to make a reference
            // nullable. The row shows the referenced type, nullable.
            let (target, inner) = match self.nullable_reference(schema) {
                Some((named, referenced)) => {
                    own = own.or(referenced.description);
                    (named, referenced)
                }
                None => (target, View::of(schema)),
            };
            let full = format!("{prefix}{name}");
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

    pub(super) fn variant(
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
    pub(super) fn body_schema(
        &self,
        schema: &'a ReferenceOr<Schema>,
        out: &mut String,
        level: usize,
    ) {
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
}

pub(super) fn render_rows(rows: &[[String; 4]], first: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "| {first} | Type | Required | Description |\n|---|---|---|---|"
    );
    for [a, b, c, d] in rows {
        let _ = writeln!(out, "| {a} | {b} | {c} | {d} |");
    }
    out.push('\n');
}

pub(super) fn render_section(section: &Section, level: usize, out: &mut String) {
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
