//! Checks every event's example payload against the event's schema in every
//! version that has the event. Examples are ours, so unlike received
//! payloads they must match exactly: no unknown field, no unlisted value.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::ir::{EventDef, Field, FieldKind, Spec, TypeDef, TypeRef, Version};

pub fn check_examples(spec: &Spec, diagnostics: &mut Diagnostics) {
    for version in &spec.versions {
        for event in &version.events {
            let Some(example) = &event.example else {
                diagnostics.push(
                    Diagnostic::new(
                        event.span.clone(),
                        format!("the event `{}` has no `example`", event.event_type),
                    )
                    .hint("add a complete example payload under `example: |`"),
                );
                continue;
            };
            let value: Value = match serde_json::from_str(&example.json) {
                Ok(value) => value,
                Err(error) => {
                    // A block scalar's text starts on the line after `example: |`.
                    let span = Span::at(
                        &example.span.file,
                        example.span.line + error.line(),
                        error.column() + 2,
                    );
                    diagnostics.push(
                        Diagnostic::new(span, format!("the example is not valid JSON: {error}"))
                            .hint("write the example as JSON under `example: |`"),
                    );
                    continue;
                }
            };
            let mut checker = Checker {
                version,
                problems: Vec::new(),
            };
            checker.event(event, &value);
            for problem in checker.problems {
                diagnostics.push(
                    Diagnostic::new(
                        example.span.clone(),
                        format!("the example does not match the spec: {problem}"),
                    )
                    .hint("fix the example, or the spec if the example is right"),
                );
            }
        }
    }
}

struct Checker<'a> {
    version: &'a Version,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn event(&mut self, event: &EventDef, value: &Value) {
        let Value::Object(map) = value else {
            self.problems
                .push("the payload is not a JSON object".to_owned());
            return;
        };
        let fields = &self.version.envelope;
        for field in fields {
            let path = field.wire_name.clone();
            let found = map.get(&field.wire_name);
            match &field.kind {
                FieldKind::EventType => {
                    if found.and_then(Value::as_str) != Some(event.event_type.as_str()) {
                        self.problems
                            .push(format!("`type` is not `{}`", event.event_type));
                    }
                }
                FieldKind::Data => match found {
                    Some(data) => self.named(&event.data, data, &path, false),
                    None => self.problems.push("`data` is missing".to_owned()),
                },
                FieldKind::PreviousData => match (found, event.previous_data) {
                    (Some(previous), true) => self.named(&event.data, previous, &path, true),
                    (Some(_), false) => self.problems.push(
                        "`previousData` is present, but the event has no `previous_data: true`"
                            .to_owned(),
                    ),
                    (None, _) => {}
                },
                _ => self.field(field, found, &path, false),
            }
        }
        self.unknown_keys(map, fields, "");
    }

    fn field(&mut self, field: &Field, found: Option<&Value>, path: &str, partial: bool) {
        match (found, &field.kind) {
            (None, FieldKind::Const(_)) if partial => {}
            (None, _) if field.required && !partial => {
                self.problems
                    .push(format!("required field `{path}` is missing"));
            }
            (None, _) => {}
            (Some(Value::Null), _) if field.nullable => {}
            (Some(Value::Null), _) => self
                .problems
                .push(format!("`{path}` is null but not nullable")),
            (Some(value), FieldKind::Const(constant)) => {
                if value.as_str() != Some(constant.as_str()) {
                    self.problems.push(format!("`{path}` is not `{constant}`"));
                }
            }
            (Some(value), FieldKind::Value(type_ref)) => self.value(type_ref, value, path),
            (Some(_), _) => {}
        }
    }

    fn value(&mut self, type_ref: &TypeRef, value: &Value, path: &str) {
        let ok = match type_ref {
            TypeRef::String => value.is_string(),
            TypeRef::Integer => value.is_i64(),
            TypeRef::Boolean => value.is_boolean(),
            TypeRef::Timestamp => value.as_str().is_some_and(is_timestamp),
            TypeRef::Date => value.as_str().is_some_and(crate::resolve::is_date),
            TypeRef::Map => value
                .as_object()
                .is_some_and(|map| map.values().all(Value::is_string)),
            TypeRef::List(item) => match value.as_array() {
                Some(items) => {
                    for (index, element) in items.iter().enumerate() {
                        self.value(item, element, &format!("{path}[{index}]"));
                    }
                    true
                }
                None => false,
            },
            TypeRef::Named(name) => {
                self.named(name, value, path, false);
                true
            }
        };
        if !ok {
            self.problems
                .push(format!("`{path}` is not a valid {}", describe(type_ref)));
        }
    }

    fn named(&mut self, name: &str, value: &Value, path: &str, partial: bool) {
        match self.version.types.get(name) {
            Some(TypeDef::Object(object)) => {
                let Value::Object(map) = value else {
                    self.problems.push(format!("`{path}` is not an object"));
                    return;
                };
                for field in &object.fields {
                    let field_path = format!("{path}.{}", field.wire_name);
                    self.field(field, map.get(&field.wire_name), &field_path, partial);
                }
                self.unknown_keys(map, &object.fields, path);
            }
            Some(TypeDef::Enum(enum_def)) => match value.as_str() {
                Some(text) if enum_def.values.iter().any(|listed| listed.wire == text) => {}
                Some(text) => self.problems.push(format!(
                    "`{path}` is `{text}`, which `{name}` does not list"
                )),
                None => self.problems.push(format!("`{path}` is not a string")),
            },
            None => {}
        }
    }

    fn unknown_keys(&mut self, map: &serde_json::Map<String, Value>, fields: &[Field], path: &str) {
        for key in map.keys() {
            if !fields.iter().any(|field| &field.wire_name == key) {
                let full = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                self.problems.push(format!("`{full}` is not in the spec"));
            }
        }
    }
}

fn describe(type_ref: &TypeRef) -> String {
    match type_ref {
        TypeRef::String => "string".to_owned(),
        TypeRef::Integer => "integer".to_owned(),
        TypeRef::Boolean => "boolean".to_owned(),
        TypeRef::Timestamp => "RFC 3339 timestamp".to_owned(),
        TypeRef::Date => "date (YYYY-MM-DD)".to_owned(),
        TypeRef::Map => "map of strings".to_owned(),
        TypeRef::List(item) => format!("list of {}", describe(item)),
        TypeRef::Named(name) => name.clone(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_timestamp(text: &str) -> bool {
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let (clock, zone_ok) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, true)
    } else if time.len() > 6 {
        let (clock, zone) = time.split_at(time.len() - 6);
        let zone = zone.as_bytes();
        (
            clock,
            (zone[0] == b'+' || zone[0] == b'-') && zone[3] == b':',
        )
    } else {
        (time, false)
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<&str> = whole.split(':').collect();
    crate::resolve::is_date(date)
        && zone_ok
        && parts.len() == 3
        && parts
            .iter()
            .all(|part| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}
