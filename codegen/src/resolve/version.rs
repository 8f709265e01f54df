//! One version's definitions: the names of its types, its objects, enums
//! and fields. Its envelope and events are in [`super::events`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::cycles::check_containment_cycles;
use super::events::Slot;
use super::overlay::{Drafts, EnumDraft, FieldDraft};
use super::span_of;
use super::type_expr::{TypeExpr, ValueExpr, parse_type_expr};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::hints::closest;
use crate::ir::{
    EnumDef, EnumSource, EnumValue, Field, FieldKind, ObjectDef, ObjectOrigin, Presence, TypeDef,
    TypeRef, Version,
};
use crate::names;
use crate::spec::{EnumValueSpec, FieldSpec};

/// Resolves the definitions in force at one version.
pub(super) struct VersionResolver<'a> {
    pub(super) date: &'a str,
    pub(super) drafts: &'a Drafts,
    pub(super) diagnostics: &'a mut Diagnostics,
    /// Spec name of every object and named enum → its Rust name.
    pub(super) names: BTreeMap<String, String>,
    /// Every Rust type name in the version module → where it comes from.
    taken: BTreeMap<String, Span>,
    pub(super) types: BTreeMap<String, TypeDef>,
}

impl<'a> VersionResolver<'a> {
    pub(super) fn new(date: &'a str, drafts: &'a Drafts, diagnostics: &'a mut Diagnostics) -> Self {
        Self {
            date,
            drafts,
            diagnostics,
            names: BTreeMap::new(),
            taken: BTreeMap::new(),
            types: BTreeMap::new(),
        }
    }

    /// The version's definitions, checked.
    pub(super) fn resolve(mut self) -> Version {
        for reserved in names::RESERVED {
            self.claim(reserved, Span::default());
        }
        let drafts = self.drafts;
        for (spec_name, draft) in &drafts.objects {
            self.register_name(spec_name, &draft.file);
        }
        for (spec_name, draft) in &drafts.enums {
            self.register_name(spec_name, &draft.file);
        }
        for (spec_name, file) in &drafts.unions {
            self.register_name(spec_name, &file.path);
        }
        for (spec_name, draft) in &drafts.enums {
            self.named_enum(spec_name, draft);
        }
        for (spec_name, draft) in &drafts.objects {
            let rust_name = names::type_name(spec_name);
            let description = self.description(draft.description.as_ref(), &draft.file);
            let fields = self.object_fields(&rust_name, &draft.fields);
            self.types.insert(
                rust_name.clone(),
                TypeDef::Object(ObjectDef {
                    spec_name: spec_name.clone(),
                    rust_name,
                    description,
                    fields,
                    origin: ObjectOrigin::Spec,
                    span: Span::file(&draft.file),
                    last_changed_in: draft.last_file.clone(),
                }),
            );
        }
        for (spec_name, file) in &drafts.unions {
            self.union(spec_name, file);
        }
        let envelope = self.envelope();
        let events = drafts
            .events
            .values()
            .filter_map(|draft| self.event(draft, &envelope))
            .collect();
        check_containment_cycles(&self.types, self.diagnostics);
        Version {
            date: self.date.to_owned(),
            envelope: envelope.shared_fields(),
            payload_members: envelope.payload_members(),
            types: self.types,
            events,
            envelope_file: drafts
                .envelope
                .as_ref()
                .map(|draft| draft.last_file.clone())
                .unwrap_or_default(),
        }
    }

    /// Reserves a Rust type name in the version module, reporting a clash.
    pub(super) fn claim(&mut self, rust_name: &str, span: Span) -> bool {
        if let Some(first) = self.taken.get(rust_name) {
            let (first, hint) = if first.file.as_os_str().is_empty() {
                (
                    "the generated code".to_owned(),
                    format!(
                        "choose another name: `{}` are the generated code's own in every version",
                        names::RESERVED.join("`, `")
                    ),
                )
            } else {
                (
                    first.to_string(),
                    "rename one of the two (for an inline enum, set `enum_name`)".to_owned(),
                )
            };
            self.diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("the Rust type name `{rust_name}` is already used by {first}"),
                )
                .hint(hint),
            );
            return false;
        }
        self.taken.insert(rust_name.to_owned(), span);
        true
    }

    /// Takes the Rust name of an object or named enum for its spec name.
    fn register_name(&mut self, spec_name: &str, file: &Path) {
        let rust_name = names::type_name(spec_name);
        if !names::is_upper_camel(&rust_name) {
            self.diagnostics.push(
                Diagnostic::new(
                    Span::file(file),
                    format!("`{spec_name}` does not give a Rust type name (got `{rust_name}`)"),
                )
                .hint("name the file with letters and digits, starting with a letter, such as `eSimProfile.yaml`"),
            );
            return;
        }
        if self.claim(&rust_name, Span::file(file)) {
            self.names.insert(spec_name.to_owned(), rust_name);
        }
    }

    /// The note of `deprecated`, which says what to use instead: a bare
    /// `true` (read as the text "true") or an empty note says nothing.
    pub(super) fn deprecation(
        &mut self,
        note: Option<&Spanned<String>>,
        file: &Path,
    ) -> Option<String> {
        let note = note?;
        let text = note.value.trim();
        if text.is_empty() || text == "true" || text == "false" {
            let message = if text.is_empty() {
                "`deprecated` is empty; it takes a note saying what to use instead".to_owned()
            } else {
                format!("`deprecated` takes a note saying what to use instead, not `{text}`")
            };
            self.diagnostics.push(
                Diagnostic::new(span_of(file, note), message).hint(
                    "write the note, such as `deprecated: Use allowances.dataBytes instead.`",
                ),
            );
        }
        Some(text.to_owned())
    }

    /// A definition's description, which every definition must have.
    pub(super) fn description(
        &mut self,
        description: Option<&Spanned<String>>,
        file: &Path,
    ) -> String {
        match description {
            Some(text) if !text.value.trim().is_empty() => text.value.trim().to_owned(),
            Some(text) => {
                self.diagnostics.push(
                    Diagnostic::new(span_of(file, text), "the description is empty")
                        .hint("say what it is in a sentence"),
                );
                String::new()
            }
            None => {
                self.diagnostics.push(
                    Diagnostic::new(Span::file(file), "missing `description`")
                        .hint("every definition is documented; say what it is in a sentence"),
                );
                String::new()
            }
        }
    }

    /// A named enum, from its file.
    fn named_enum(&mut self, spec_name: &str, draft: &EnumDraft) {
        let Some(rust_name) = self.names.get(spec_name).cloned() else {
            return;
        };
        let description = self.description(draft.description.as_ref(), &draft.file);
        let values = self.enum_values(&draft.values, draft.span.clone());
        self.types.insert(
            rust_name.clone(),
            TypeDef::Enum(EnumDef {
                rust_name,
                description,
                values,
                span: draft.span.clone(),
                source: EnumSource::Named {
                    last_changed_in: draft.last_file.clone(),
                },
            }),
        );
    }

    /// An enum's values, each with its Rust variant name, checked.
    fn enum_values(
        &mut self,
        values: &[(Spanned<EnumValueSpec>, PathBuf)],
        span: Span,
    ) -> Vec<EnumValue> {
        if values.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(span, "the enum has no values")
                    .hint("list at least one value; an open string is `type: string`"),
            );
        }
        let mut resolved: Vec<EnumValue> = Vec::new();
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        let mut variant_spans: BTreeMap<String, (String, Span)> = BTreeMap::new();
        variant_spans.insert(
            "Unrecognized".to_owned(),
            (
                String::from("(the variant for values the spec does not list)"),
                Span::default(),
            ),
        );
        for (value, file) in values {
            let span = span_of(file, value);
            let spec = &value.value;
            if !listed.insert(spec.value.as_str()) {
                self.diagnostics.push(
                    Diagnostic::new(span, format!("the value `{}` is listed twice", spec.value))
                        .hint("remove the second one"),
                );
                continue;
            }
            let rust_name = spec
                .rust_name
                .clone()
                .unwrap_or_else(|| names::variant_name(&spec.value));
            if !names::is_upper_camel(&rust_name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!(
                            "the value `{}` gives no Rust variant name (got `{rust_name}`)",
                            spec.value
                        ),
                    )
                    .hint("write the value as `{ value: ..., rust_name: SomeName }`"),
                );
                continue;
            }
            if let Some((first, _)) = variant_spans.get(&rust_name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!(
                            "the values `{}` and `{first}` both become the variant `{rust_name}`",
                            spec.value
                        ),
                    )
                    .hint("give one of them its own name: `{ value: ..., rust_name: OtherName }`"),
                );
                continue;
            }
            variant_spans.insert(rust_name.clone(), (spec.value.clone(), span));
            resolved.push(EnumValue {
                wire: spec.value.clone(),
                rust_name,
                description: spec.description.clone(),
            });
        }
        resolved
    }

    /// An object's fields; placeholders are not allowed in them.
    pub(super) fn object_fields(&mut self, owner: &str, drafts: &[FieldDraft]) -> Vec<Field> {
        self.fields(owner, drafts, false)
            .into_iter()
            .map(|(_, field)| field)
            .collect()
    }

    /// Fields in order, each with what it holds; a field whose Rust name
    /// another already took is reported and left out.
    pub(super) fn fields(
        &mut self,
        owner: &str,
        drafts: &[FieldDraft],
        in_envelope: bool,
    ) -> Vec<(Slot, Field)> {
        let mut fields: Vec<(Slot, Field)> = Vec::new();
        for draft in drafts {
            let Some((slot, field)) = self.field(owner, draft, in_envelope) else {
                continue;
            };
            if let Some((_, first)) = fields
                .iter()
                .find(|(_, existing)| existing.rust_name == field.rust_name)
            {
                self.diagnostics.push(
                    Diagnostic::new(
                        field.span.clone(),
                        format!(
                            "the fields `{}` and `{}` both become the Rust field `{}`",
                            field.wire_name, first.wire_name, field.rust_name
                        ),
                    )
                    .hint("set `rust_name` on one of them"),
                );
                continue;
            }
            fields.push((slot, field));
        }
        fields
    }

    /// One field. A placeholder's `kind` is the constant it is written as
    /// (`$data`), until each event fills in its own.
    fn field(
        &mut self,
        owner: &str,
        draft: &FieldDraft,
        in_envelope: bool,
    ) -> Option<(Slot, Field)> {
        let spec = &draft.spec;
        let file = &draft.file;
        let span = span_of(file, &draft.wire);
        let wire = draft.wire.value.clone();
        let rust_name = self.field_rust_name(draft)?;
        let slot = self.field_slot(owner, &rust_name, draft, in_envelope)?;
        if spec.enum_name.is_some() && spec.enum_values.is_none() {
            self.diagnostics.push(
                Diagnostic::new(
                    span.clone(),
                    "`enum_name` names an inline `enum`, and there is none",
                )
                .hint("remove `enum_name`, or list the values under `enum:`"),
            );
        }
        let description = match &spec.description {
            Some(text) => text.value.trim().to_owned(),
            None => {
                self.diagnostics.push(
                    Diagnostic::new(
                        span.clone(),
                        format!("the field `{wire}` has no `description`"),
                    )
                    .hint("every field is documented; say what it holds in a sentence"),
                );
                String::new()
            }
        };
        let kind = match &slot {
            Slot::Fixed(kind) => kind.clone(),
            placeholder => FieldKind::Const(placeholder.as_written().to_owned()),
        };
        let field = Field {
            wire_name: wire,
            rust_name,
            kind,
            presence: Presence::from_flags(
                spec.required.unwrap_or(true),
                spec.nullable.unwrap_or(false),
            ),
            deprecated: self.deprecation(spec.deprecated.as_ref(), file),
            preview: spec.preview.unwrap_or(false),
            description,
            example: spec.example.clone(),
            span,
        };
        Some((slot, field))
    }

    /// The field's Rust name: `rust_name`, or the snake case of its wire name.
    fn field_rust_name(&mut self, draft: &FieldDraft) -> Option<String> {
        let spec = &draft.spec;
        let wire = &draft.wire.value;
        let rust_name = match &spec.rust_name {
            Some(name) => name.value.clone(),
            None => names::field_name(wire),
        };
        if names::is_snake(&rust_name) && !rust_name.is_empty() {
            return Some(rust_name);
        }
        let diagnostic = match &spec.rust_name {
            Some(name) => Diagnostic::new(
                span_of(&draft.file, name),
                format!("`{rust_name}` is not a snake_case Rust field name"),
            )
            .hint("write `rust_name` in snake_case, such as `plan_id`"),
            None => Diagnostic::new(
                span_of(&draft.file, &draft.wire),
                format!("the field `{wire}` gives no Rust field name (got `{rust_name}`)"),
            )
            .hint("set `rust_name` to a snake_case name"),
        };
        self.diagnostics.push(diagnostic);
        None
    }

    /// What the field holds, from exactly one of `type`, `enum` and `const`.
    fn field_slot(
        &mut self,
        owner: &str,
        rust_name: &str,
        draft: &FieldDraft,
        in_envelope: bool,
    ) -> Option<Slot> {
        let spec = &draft.spec;
        let file = &draft.file;
        let wire = &draft.wire.value;
        let kinds_given: Vec<&str> = [
            ("`type`", spec.type_expr.is_some()),
            ("`enum`", spec.enum_values.is_some()),
            ("`const`", spec.const_value.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect();
        if kinds_given.len() != 1 {
            let message = match kinds_given.as_slice() {
                [] => format!("the field `{wire}` has no `type`, `enum` or `const`"),
                [first, second] => format!("the field `{wire}` has both {first} and {second}"),
                _ => format!("the field `{wire}` has `type`, `enum` and `const`"),
            };
            self.diagnostics.push(
                Diagnostic::new(span_of(file, &draft.wire), message)
                    .hint("give it exactly one: `type: string`, `enum: [a, b]` or `const: value`"),
            );
            return None;
        }
        if let Some(expr) = &spec.type_expr {
            return self.field_type(expr, file, in_envelope);
        }
        if let Some(values) = &spec.enum_values {
            let enum_name = match &spec.enum_name {
                Some(name) => name.value.clone(),
                None => format!("{owner}{}", names::type_name(rust_name)),
            };
            return self
                .inline_enum(enum_name, values, spec, file)
                .map(|enum_name| Slot::Fixed(FieldKind::Value(TypeRef::Named(enum_name))));
        }
        let value = spec.const_value.as_ref()?;
        if value.value != "$event_type" {
            return Some(Slot::Fixed(FieldKind::Const(value.value.clone())));
        }
        if !in_envelope {
            self.diagnostics.push(
                Diagnostic::new(
                    span_of(file, value),
                    "`$event_type` is only meaningful in the envelope",
                )
                .hint("write the constant itself"),
            );
            return None;
        }
        Some(Slot::EventType)
    }

    /// Defines the enum a field lists inline; returns its Rust name.
    fn inline_enum(
        &mut self,
        enum_name: String,
        values: &Spanned<Vec<Spanned<EnumValueSpec>>>,
        spec: &FieldSpec,
        file: &Path,
    ) -> Option<String> {
        let enum_span = span_of(file, values);
        if !names::is_upper_camel(&enum_name) {
            self.diagnostics.push(
                Diagnostic::new(
                    enum_span,
                    format!("`{enum_name}` is not an UpperCamelCase type name"),
                )
                .hint("set `enum_name` to a name such as `PlanStatus`"),
            );
            return None;
        }
        if !self.claim(&enum_name, enum_span.clone()) {
            return None;
        }
        let with_file: Vec<_> = values
            .value
            .iter()
            .map(|value| (value.clone(), file.to_path_buf()))
            .collect();
        let resolved = self.enum_values(&with_file, enum_span.clone());
        let description = spec
            .description
            .as_ref()
            .map(|text| text.value.trim().to_owned())
            .unwrap_or_default();
        self.types.insert(
            enum_name.clone(),
            TypeDef::Enum(EnumDef {
                rust_name: enum_name.clone(),
                description,
                values: resolved,
                span: enum_span,
                source: EnumSource::Inline,
            }),
        );
        Some(enum_name)
    }

    /// What a `type:` gives: a value type, or in the envelope a placeholder.
    fn field_type(
        &mut self,
        expr: &Spanned<String>,
        file: &Path,
        in_envelope: bool,
    ) -> Option<Slot> {
        let span = span_of(file, expr);
        let parsed = match parse_type_expr(&expr.value) {
            Ok(parsed) => parsed,
            Err(message) => {
                self.diagnostics.push(
                    Diagnostic::new(span, message).hint(
                        "types are string, integer, boolean, timestamp, date, map, json, list<T> or the name of an object, enum or union",
                    ),
                );
                return None;
            }
        };
        match parsed {
            TypeExpr::Data | TypeExpr::PreviousData if !in_envelope => {
                self.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!("`{}` is only meaningful in the envelope", expr.value),
                    )
                    .hint("name the object's type instead"),
                );
                None
            }
            TypeExpr::Data => Some(Slot::Data),
            TypeExpr::PreviousData => Some(Slot::PreviousData),
            TypeExpr::Value(value) => self
                .value_type(&value, span)
                .map(|type_ref| Slot::Fixed(FieldKind::Value(type_ref))),
        }
    }

    /// The type a value expression names, looking names up in this version.
    fn value_type(&mut self, expr: &ValueExpr, span: Span) -> Option<TypeRef> {
        match expr {
            ValueExpr::Primitive(primitive) => Some(primitive.clone()),
            ValueExpr::List(item) => self
                .value_type(item, span)
                .map(|item| TypeRef::List(Box::new(item))),
            ValueExpr::Name(name) => match self.names.get(name) {
                Some(rust_name) => Some(TypeRef::Named(rust_name.clone())),
                None if self.drafts.unreadable.contains(name) => None,
                None => {
                    let mut diagnostic = Diagnostic::new(
                        span,
                        format!("no object or enum named `{name}` in version {}", self.date),
                    );
                    let primitives = [
                        "string",
                        "integer",
                        "boolean",
                        "timestamp",
                        "date",
                        "map",
                        "json",
                    ];
                    let candidates = self.names.keys().map(String::as_str).chain(primitives);
                    diagnostic = match closest(name, candidates) {
                        Some(close) => diagnostic.hint(format!("did you mean `{close}`?")),
                        None => diagnostic.hint(format!(
                            "define it in `objects/{name}.yaml` or `enums/{name}.yaml`"
                        )),
                    };
                    self.diagnostics.push(diagnostic);
                    None
                }
            },
        }
    }
}
