//! Checks a JSON payload against the spec, strictly: every field must be
//! known, every enum value listed, every type right. The runtime is lenient
//! on purpose; this is the maintainer's tool for noticing what Gigs sends
//! that the spec does not describe yet, and the check on our own examples.

use std::fmt;

use serde_json::{Map, Value};

use crate::dates;
use crate::diagnostic::Span;
use crate::ir::{EventDef, Field, FieldKind, Spec, TypeDef, TypeRef, UnionDef, Version};

/// What kind of mismatch a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// The payload has a field the spec does not know.
    UnknownField,
    /// An enum value the spec does not list.
    UnknownEnumValue,
    /// A value of the wrong JSON type or format.
    TypeMismatch,
    /// A required field is absent.
    MissingField,
    /// `null` where the spec does not allow it.
    UnexpectedNull,
    /// A constant field with another value.
    WrongConstant,
    /// The payload's event type or version is not in the spec at all.
    NotInSpec,
}

/// One step of a path into a JSON payload.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathStep {
    Field(String),
    Index(usize),
}

/// One place where the payload and the spec disagree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// JSON path, `data.price.amount`; empty for the payload itself.
    pub path: String,
    /// The same path, step by step: keys may contain dots.
    pub steps: Vec<PathStep>,
    pub kind: FindingKind,
    /// What is wrong, in words.
    pub message: String,
    /// The definition it concerns, where the spec would change to describe
    /// the payload; `None` when no change of the spec describes it.
    pub site: Option<Site>,
}

/// The definition a finding concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
    /// A field (null where it is not nullable, or missing): the field as
    /// defined in the version, in the object with this Rust name (`None`:
    /// the envelope).
    Field {
        owner: Option<String>,
        wire: String,
        span: Span,
    },
    /// The members of the object with this Rust name (a field it lacks).
    Object(String),
    /// The envelope's members.
    Envelope,
    /// The members of a union's kind that has none besides its tag.
    UnitKind { union: String, kind: String },
    /// The enum with this Rust name (a value it does not list).
    Enum(String),
    /// The union with this Rust name (a kind it does not list).
    Union(String),
}

/// `data.simTypes[0]`.
fn render(steps: &[PathStep]) -> String {
    let mut rendered = String::new();
    for step in steps {
        match step {
            PathStep::Field(name) => {
                if !rendered.is_empty() {
                    rendered.push('.');
                }
                rendered.push_str(name);
            }
            PathStep::Index(index) => rendered.push_str(&format!("[{index}]")),
        }
    }
    rendered
}

/// `path` with one more step.
fn child(path: &[PathStep], step: PathStep) -> Vec<PathStep> {
    let mut child = path.to_vec();
    child.push(step);
    child
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// What [`check_payload`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadReport {
    /// The version whose schema was used.
    pub version: Option<String>,
    /// The payload's event type, if it has one.
    pub event_type: Option<String>,
    /// Every mismatch, sorted by path.
    pub findings: Vec<Finding>,
}

/// Checks `payload` against the event its `type` names, in the version its
/// `version` names (the newest version when it names none).
pub fn check_payload(spec: &Spec, payload: &Value) -> PayloadReport {
    let event_type = payload
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let named_version = payload.get("version").and_then(Value::as_str);
    let version = match named_version {
        Some(date) => spec.versions.iter().find(|version| version.date == date),
        None => spec.versions.last(),
    };
    let mut report = PayloadReport {
        version: version.map(|version| version.date.clone()),
        event_type: event_type.clone(),
        findings: Vec::new(),
    };
    let Some(version) = version else {
        report.findings.push(Finding {
            path: "version".to_owned(),
            steps: vec![PathStep::Field("version".to_owned())],
            kind: FindingKind::NotInSpec,
            message: format!(
                "API version `{}` is not in the spec",
                named_version.unwrap_or_default()
            ),
            site: None,
        });
        return report;
    };
    let event = event_type
        .as_deref()
        .and_then(|kind| version.events.iter().find(|event| event.event_type == kind));
    match event {
        Some(event) => report.findings = check_event(version, event, payload),
        None => report.findings.push(Finding {
            path: "type".to_owned(),
            steps: vec![PathStep::Field("type".to_owned())],
            kind: FindingKind::NotInSpec,
            message: match &event_type {
                Some(kind) => format!("event type `{kind}` is not in version {}", version.date),
                None => "the payload has no string `type`".to_owned(),
            },
            site: None,
        }),
    }
    report
}

/// Every mismatch between `payload` and `event` as defined in `version`.
pub fn check_event(version: &Version, event: &EventDef, payload: &Value) -> Vec<Finding> {
    let mut checker = Checker {
        version,
        findings: Vec::new(),
    };
    checker.event(event, payload);
    checker.findings.sort();
    checker.findings.dedup();
    checker.findings
}

struct Checker<'a> {
    version: &'a Version,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn report(&mut self, path: &[PathStep], kind: FindingKind, message: String) {
        self.report_at(path, kind, message, None);
    }

    fn report_at(
        &mut self,
        path: &[PathStep],
        kind: FindingKind,
        message: String,
        site: Option<Site>,
    ) {
        self.findings.push(Finding {
            path: render(path),
            steps: path.to_vec(),
            kind,
            message,
            site,
        });
    }

    fn event(&mut self, event: &EventDef, value: &Value) {
        let Value::Object(map) = value else {
            self.report(
                &[],
                FindingKind::TypeMismatch,
                "the payload is not a JSON object".to_owned(),
            );
            return;
        };
        self.fields(&event.fields, map, &[], None);
    }

    /// Every field of an object (`None`: the envelope), then the keys no
    /// field names.
    fn fields(
        &mut self,
        fields: &[Field],
        map: &Map<String, Value>,
        path: &[PathStep],
        owner: Option<&str>,
    ) {
        for field in fields {
            let field_path = child(path, PathStep::Field(field.wire_name.clone()));
            self.field(field, map.get(&field.wire_name), &field_path, owner);
        }
        let site = match owner {
            Some(object) => Site::Object(object.to_owned()),
            None => Site::Envelope,
        };
        self.unknown_fields(map, fields, path, None, site);
    }

    fn field(
        &mut self,
        field: &Field,
        found: Option<&Value>,
        path: &[PathStep],
        owner: Option<&str>,
    ) {
        let site = || {
            Some(Site::Field {
                owner: owner.map(str::to_owned),
                wire: field.wire_name.clone(),
                span: field.span.clone(),
            })
        };
        match (found, &field.kind) {
            (None, _) if field.presence.is_required() => {
                self.report_at(
                    path,
                    FindingKind::MissingField,
                    "required field is missing".to_owned(),
                    site(),
                );
            }
            (None, _) => {}
            (Some(Value::Null), _) if field.presence.is_nullable() => {}
            (Some(Value::Null), _) => {
                self.report_at(
                    path,
                    FindingKind::UnexpectedNull,
                    "is null, but the field is not nullable".to_owned(),
                    site(),
                );
            }
            (Some(value), FieldKind::Const(constant)) => {
                if value.as_str() != Some(constant.as_str()) {
                    self.report(
                        path,
                        FindingKind::WrongConstant,
                        format!("is not `{constant}`"),
                    );
                }
            }
            (Some(value), FieldKind::Value(type_ref)) => self.value(type_ref, value, path),
        }
    }

    fn value(&mut self, type_ref: &TypeRef, value: &Value, path: &[PathStep]) {
        let ok = match type_ref {
            TypeRef::List(item) => match value.as_array() {
                Some(items) => {
                    for (index, element) in items.iter().enumerate() {
                        self.value(item, element, &child(path, PathStep::Index(index)));
                    }
                    true
                }
                None => false,
            },
            TypeRef::Named(name) => {
                self.named(name, value, path);
                true
            }
            scalar => scalar_fits(scalar, value),
        };
        if !ok {
            self.report(
                path,
                FindingKind::TypeMismatch,
                format!(
                    "expected {}, found {}",
                    describe(type_ref),
                    json_kind(value)
                ),
            );
        }
    }

    fn named(&mut self, name: &str, value: &Value, path: &[PathStep]) {
        match self.version.types.get(name) {
            Some(TypeDef::Object(object)) => {
                let Value::Object(map) = value else {
                    self.report(
                        path,
                        FindingKind::TypeMismatch,
                        format!(
                            "expected a {} object, found {}",
                            object.spec_name,
                            json_kind(value)
                        ),
                    );
                    return;
                };
                self.fields(&object.fields, map, path, Some(&object.rust_name));
            }
            Some(TypeDef::Enum(enum_def)) => match value.as_str() {
                Some(text) if enum_def.values.iter().any(|listed| listed.wire == text) => {}
                Some(text) => self.report_at(
                    path,
                    FindingKind::UnknownEnumValue,
                    format!(
                        "`{text}` is not a listed value of {} (it lists {})",
                        enum_def.rust_name,
                        enum_def
                            .values
                            .iter()
                            .map(|value| format!("`{}`", value.wire))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Some(Site::Enum(enum_def.rust_name.clone())),
                ),
                None => self.report(
                    path,
                    FindingKind::TypeMismatch,
                    format!("expected a string, found {}", json_kind(value)),
                ),
            },
            Some(TypeDef::Union(union)) => self.union(union, value, path),
            None => {}
        }
    }

    /// A tagged union: its tag names a listed kind, whose members it has.
    fn union(&mut self, union: &UnionDef, value: &Value, path: &[PathStep]) {
        let Value::Object(map) = value else {
            self.report(
                path,
                FindingKind::TypeMismatch,
                format!(
                    "expected a {} object, found {}",
                    union.spec_name,
                    json_kind(value)
                ),
            );
            return;
        };
        let tag_path = child(path, PathStep::Field(union.tag.clone()));
        let kind = match map.get(&union.tag) {
            Some(Value::String(kind)) => kind,
            Some(other) => {
                let found = json_kind(other);
                self.report(
                    &tag_path,
                    FindingKind::TypeMismatch,
                    format!("expected a string, found {found}"),
                );
                return;
            }
            None => {
                self.report(
                    &tag_path,
                    FindingKind::MissingField,
                    "required field is missing".to_owned(),
                );
                return;
            }
        };
        match union.variant(kind) {
            Some(variant) => match &variant.payload {
                Some(payload) => self.named(payload, value, path),
                None => {
                    let site = Site::UnitKind {
                        union: union.rust_name.clone(),
                        kind: kind.clone(),
                    };
                    self.unknown_fields(map, &[], path, Some(&union.tag), site);
                }
            },
            None => self.report_at(
                &tag_path,
                FindingKind::UnknownEnumValue,
                format!(
                    "`{kind}` is not a listed kind of {} (it lists {})",
                    union.rust_name,
                    union
                        .variants
                        .iter()
                        .map(|variant| format!("`{}`", variant.wire))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(Site::Union(union.rust_name.clone())),
            ),
        }
    }

    /// Reports every key of `map` that no field (and not `also_known`) names.
    fn unknown_fields(
        &mut self,
        map: &Map<String, Value>,
        fields: &[Field],
        path: &[PathStep],
        also_known: Option<&str>,
        site: Site,
    ) {
        for key in map.keys() {
            let known = fields.iter().any(|field| &field.wire_name == key)
                || also_known == Some(key.as_str());
            if !known {
                let full = child(path, PathStep::Field(key.clone()));
                self.report_at(
                    &full,
                    FindingKind::UnknownField,
                    "field not in the spec".to_owned(),
                    Some(site.clone()),
                );
            }
        }
    }
}

/// Whether `value` is a valid `type_ref` that is neither a list nor named:
/// the one place these value rules are written.
pub(crate) fn scalar_fits(type_ref: &TypeRef, value: &Value) -> bool {
    match type_ref {
        TypeRef::String => value.is_string(),
        TypeRef::Integer => value.is_i64(),
        TypeRef::Boolean => value.is_boolean(),
        TypeRef::Timestamp => value.as_str().is_some_and(dates::is_timestamp),
        TypeRef::Date => value.as_str().is_some_and(dates::is_date),
        TypeRef::Map => value
            .as_object()
            .is_some_and(|map| map.values().all(Value::is_string)),
        TypeRef::Json => true,
        TypeRef::List(_) | TypeRef::Named(_) => false,
    }
}

fn describe(type_ref: &TypeRef) -> String {
    match type_ref {
        TypeRef::String => "a string".to_owned(),
        TypeRef::Integer => "an integer".to_owned(),
        TypeRef::Boolean => "a boolean".to_owned(),
        TypeRef::Timestamp => "an RFC 3339 timestamp".to_owned(),
        TypeRef::Date => "a date (YYYY-MM-DD)".to_owned(),
        TypeRef::Map => "a map of strings".to_owned(),
        TypeRef::Json => "any JSON value".to_owned(),
        TypeRef::List(item) => format!("a list of {}", describe(item)),
        TypeRef::Named(name) => name.clone(),
    }
}

fn json_kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(number) if number.is_i64() || number.is_u64() => {
            format!("the integer {number}")
        }
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {text:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_in_javascript() {
        let steps = [
            PathStep::Field("data".to_owned()),
            PathStep::Field("sims".to_owned()),
            PathStep::Index(0),
            PathStep::Field("iccid".to_owned()),
        ];
        assert_eq!(render(&steps), "data.sims[0].iccid");
        assert_eq!(render(&[]), "");
    }

    #[test]
    fn json_kinds_are_named_with_their_value() {
        assert_eq!(json_kind(&serde_json::json!(5)), "the integer 5");
        assert_eq!(json_kind(&serde_json::json!(2.5)), "the number 2.5");
        assert_eq!(json_kind(&serde_json::json!("x")), "the string \"x\"");
        assert_eq!(json_kind(&serde_json::json!(null)), "null");
    }
}
