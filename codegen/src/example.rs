//! Checks every event's example payload against the event's schema in every
//! version that has the event. Examples are ours, so unlike received
//! payloads they must match exactly: no unknown field, no unlisted value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::ir::{EventDef, Field, FieldKind, Spec, TypeDef, TypeRef, Version};

pub fn check_examples(spec: &Spec, diagnostics: &mut Diagnostics) {
    // An example is checked in every version that has its event. A problem
    // found in only some of them names those versions.
    let mut checked_in: BTreeMap<&Span, usize> = BTreeMap::new();
    let mut mismatches: BTreeMap<(Span, String), (&Span, Vec<&str>)> = BTreeMap::new();
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
                    let rendered = error.to_string();
                    let message = match rendered.rfind(" at line ") {
                        Some(cut) => &rendered[..cut],
                        None => &rendered,
                    };
                    let span = example_span(&example.span, error.line(), error.column().max(1));
                    diagnostics.push(
                        Diagnostic::new(span, format!("the example is not valid JSON: {message}"))
                            .hint("write the example as JSON under `example: |`"),
                    );
                    continue;
                }
            };
            *checked_in.entry(&example.span).or_default() += 1;
            let mut checker = Checker {
                version,
                problems: Vec::new(),
            };
            checker.event(event, &value);
            for (path, problem) in checker.problems {
                let (line, column) = locate(&example.json, &path);
                let span = example_span(&example.span, line, column);
                mismatches
                    .entry((span, problem))
                    .or_insert_with(|| (&example.span, Vec::new()))
                    .1
                    .push(&version.date);
            }
        }
    }
    for ((span, problem), (example, versions)) in mismatches {
        let in_every_version = checked_in.get(example) == Some(&versions.len());
        let diagnostic = if in_every_version {
            Diagnostic::new(
                span,
                format!("the example does not match the spec: {problem}"),
            )
            .hint("fix the example, or the spec if the example is right")
        } else {
            let first = versions.first().copied().unwrap_or_default();
            let file = example
                .file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            Diagnostic::new(
                span,
                format!(
                    "the example does not match {}: {problem}",
                    version_list(&versions)
                ),
            )
            .hint(format!(
                "an example must match every version that has its event; if the payload \
                 changed in {first}, write `{first}/events/{file}` with an example of the new one"
            ))
        };
        diagnostics.push(diagnostic);
    }
}

/// `version 2024-10-28`, `versions 2024-10-28 and 2024-12-20`, …
fn version_list(versions: &[&str]) -> String {
    match versions {
        [one] => format!("version {one}"),
        [rest @ .., last] => format!("versions {} and {last}", rest.join(", ")),
        [] => "some versions".to_owned(),
    }
}

/// The place in the spec file of `line`:`column` of an example's JSON. The
/// example is a block scalar: its text starts at `example`, and every line
/// is indented like the first.
fn example_span(example: &Span, line: usize, column: usize) -> Span {
    Span::at(
        &example.file,
        example.line + line.saturating_sub(1),
        example.column.saturating_sub(1) + column,
    )
}

/// One step of a path into a JSON payload.
#[derive(Debug, Clone)]
enum Key {
    Field(String),
    Index(usize),
}

/// `data.simTypes[0]`.
fn render(path: &[Key]) -> String {
    let mut rendered = String::new();
    for key in path {
        match key {
            Key::Field(name) if rendered.is_empty() => rendered.push_str(name),
            Key::Field(name) => {
                rendered.push('.');
                rendered.push_str(name);
            }
            Key::Index(index) => {
                let _ = write!(rendered, "[{index}]");
            }
        }
    }
    rendered
}

/// `path` with one more step.
fn child(path: &[Key], key: Key) -> Vec<Key> {
    let mut child = path.to_vec();
    child.push(key);
    child
}

/// A short description of a JSON value found where another was expected.
fn shown(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        scalar => {
            let text = scalar.to_string();
            if text.chars().count() > 40 {
                format!("`{}…`", text.chars().take(40).collect::<String>())
            } else {
                format!("`{text}`")
            }
        }
    }
}

struct Checker<'a> {
    version: &'a Version,
    /// Where each problem is (a path into the payload), and what it is.
    problems: Vec<(Vec<Key>, String)>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &[Key], message: String) {
        self.problems.push((path.to_vec(), message));
    }

    fn event(&mut self, event: &EventDef, value: &Value) {
        let Value::Object(map) = value else {
            self.problem(&[], "the payload is not a JSON object".to_owned());
            return;
        };
        let fields = &self.version.envelope;
        for field in fields {
            let path = [Key::Field(field.wire_name.clone())];
            let found = map.get(&field.wire_name);
            match &field.kind {
                FieldKind::EventType => {
                    if found.and_then(Value::as_str) != Some(event.event_type.as_str()) {
                        let at: &[Key] = if found.is_some() { &path } else { &[] };
                        self.problem(at, format!("`type` is not `{}`", event.event_type));
                    }
                }
                FieldKind::Data => match found {
                    Some(data) => self.named(&event.data, data, &path, false),
                    None => self.problem(&[], "`data` is missing".to_owned()),
                },
                FieldKind::PreviousData => match (found, event.previous_data) {
                    (Some(previous), true) => self.named(&event.data, previous, &path, true),
                    (Some(_), false) => self.problem(
                        &path,
                        "`previousData` is present, but the event has no `previous_data: true`"
                            .to_owned(),
                    ),
                    (None, _) => {}
                },
                _ => self.field(field, found, &[], &path, false),
            }
        }
        self.unknown_keys(map, fields, &[]);
    }

    /// Checks the field at `path`, found (or not) in the object at `parent`.
    fn field(
        &mut self,
        field: &Field,
        found: Option<&Value>,
        parent: &[Key],
        path: &[Key],
        partial: bool,
    ) {
        match (found, &field.kind) {
            (None, FieldKind::Const(_)) if partial => {}
            (None, _) if field.required && !partial => {
                let message = format!("required field `{}` is missing", render(path));
                self.problem(parent, message);
            }
            (None, _) => {}
            (Some(Value::Null), _) if field.nullable => {}
            (Some(Value::Null), _) => {
                let message = format!("`{}` is null but not nullable", render(path));
                self.problem(path, message);
            }
            (Some(value), FieldKind::Const(constant)) => {
                if value.as_str() != Some(constant.as_str()) {
                    let message = format!(
                        "`{}` is {}, not `\"{constant}\"`",
                        render(path),
                        shown(value)
                    );
                    self.problem(path, message);
                }
            }
            (Some(value), FieldKind::Value(type_ref)) => self.value(type_ref, value, path),
            (Some(_), _) => {}
        }
    }

    fn value(&mut self, type_ref: &TypeRef, value: &Value, path: &[Key]) {
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
                        self.value(item, element, &child(path, Key::Index(index)));
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
            let message = format!(
                "`{}` is {}, not a valid {}",
                render(path),
                shown(value),
                describe(type_ref)
            );
            self.problem(path, message);
        }
    }

    fn named(&mut self, name: &str, value: &Value, path: &[Key], partial: bool) {
        match self.version.types.get(name) {
            Some(TypeDef::Object(object)) => {
                let Value::Object(map) = value else {
                    let message = format!("`{}` is {}, not an object", render(path), shown(value));
                    self.problem(path, message);
                    return;
                };
                for field in &object.fields {
                    let field_path = child(path, Key::Field(field.wire_name.clone()));
                    let found = map.get(&field.wire_name);
                    self.field(field, found, path, &field_path, partial);
                }
                self.unknown_keys(map, &object.fields, path);
            }
            Some(TypeDef::Enum(enum_def)) => match value.as_str() {
                Some(text) if enum_def.values.iter().any(|listed| listed.wire == text) => {}
                Some(text) => {
                    let listed = enum_def
                        .values
                        .iter()
                        .map(|listed| format!("`{}`", listed.wire))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let message = format!(
                        "`{}` is `{text}`, which `{name}` does not list (it has {listed})",
                        render(path)
                    );
                    self.problem(path, message);
                }
                None => {
                    let message = format!("`{}` is {}, not a string", render(path), shown(value));
                    self.problem(path, message);
                }
            },
            None => {}
        }
    }

    fn unknown_keys(
        &mut self,
        map: &serde_json::Map<String, Value>,
        fields: &[Field],
        path: &[Key],
    ) {
        for key in map.keys() {
            if !fields.iter().any(|field| &field.wire_name == key) {
                let key_path = child(path, Key::Field(key.clone()));
                let message = format!("`{}` is not in the spec", render(&key_path));
                self.problem(&key_path, message);
            }
        }
    }
}

/// The 1-based line and column in `json` (valid JSON) where the value at
/// `path` is written: its key in an object, the element itself in a list.
/// When part of the path is not there, the deepest part that is.
fn locate(json: &str, path: &[Key]) -> (usize, usize) {
    let bytes = json.as_bytes();
    let mut at = skip_space(bytes, 0);
    let mut found = at;
    for key in path {
        let member = match (key, bytes.get(at)) {
            (Key::Field(name), Some(b'{')) => find_member(json, at, name),
            (Key::Index(index), Some(b'[')) => find_element(bytes, at, *index),
            _ => None,
        };
        let Some((start, value)) = member else {
            break;
        };
        found = start;
        at = value;
    }
    let before = json.get(..found).unwrap_or(json);
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, column)
}

/// In the object opening at `open`, where the key `name` starts and where
/// its value starts.
fn find_member(json: &str, open: usize, name: &str) -> Option<(usize, usize)> {
    let bytes = json.as_bytes();
    let mut at = open + 1;
    loop {
        at = skip_space(bytes, at);
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_start = at;
        at = skip_string(bytes, at);
        let key: String = serde_json::from_str(json.get(key_start..at)?).ok()?;
        // Past the `:`.
        at = skip_space(bytes, skip_space(bytes, at) + 1);
        if key == name {
            return Some((key_start, at));
        }
        at = skip_space(bytes, skip_value(bytes, at));
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at += 1;
    }
}

/// In the list opening at `open`, where element `index` starts.
fn find_element(bytes: &[u8], open: usize, index: usize) -> Option<(usize, usize)> {
    let mut at = skip_space(bytes, open + 1);
    for _ in 0..index {
        at = skip_space(bytes, skip_value(bytes, at));
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at = skip_space(bytes, at + 1);
    }
    match bytes.get(at) {
        Some(b']') | None => None,
        Some(_) => Some((at, at)),
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Past the string whose opening quote is at `at`.
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    at += 1;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match byte {
            b'\\' => at += 1,
            b'"' => return at,
            _ => {}
        }
    }
    at
}

/// Past the value that starts at `at`.
fn skip_value(bytes: &[u8], mut at: usize) -> usize {
    match bytes.get(at) {
        Some(b'"') => skip_string(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0_usize;
            while let Some(&byte) = bytes.get(at) {
                match byte {
                    b'"' => {
                        at = skip_string(bytes, at);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return at + 1;
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            at
        }
        _ => {
            while bytes.get(at).is_some_and(|byte| {
                !matches!(byte, b',' | b'}' | b']') && !byte.is_ascii_whitespace()
            }) {
                at += 1;
            }
            at
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
