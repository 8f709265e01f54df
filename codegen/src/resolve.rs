//! Stage 2, resolve: applies the version overlays, resolves type references
//! and checks every name, collecting all problems instead of stopping at the
//! first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::ir::{
    EnumDef, EnumValue, EventDef, Example, Field, FieldKind, ObjectDef, Spec, TypeDef, TypeRef,
    Version, previous_data_type_name,
};
use crate::load::{Loaded, LoadedSpec, VersionFiles};
use crate::names;
use crate::spec::{EnumFile, EnumValueSpec, EventFile, FieldSpec, ObjectFile, VersionsFile};

/// Resolves the loaded files into the model every later stage works on.
pub fn resolve(loaded: &LoadedSpec, diagnostics: &mut Diagnostics) -> Spec {
    let valid_versions = check_version_list(&loaded.versions, diagnostics);
    let mut drafts = Drafts::default();
    let mut versions = Vec::new();
    for (index, (date, files)) in loaded.version_files.iter().enumerate() {
        let is_first = index == 0;
        drafts.apply(date, files, is_first, diagnostics);
        if valid_versions.contains(date) {
            versions.push(VersionResolver::new(date, &drafts, diagnostics).resolve());
        }
    }
    Spec { versions }
}

/// The span of a value read with its position.
fn span_of<T>(file: &Path, spanned: &Spanned<T>) -> Span {
    Span::at(
        file,
        spanned.referenced.line() as usize,
        spanned.referenced.column() as usize,
    )
}

/// Versions must be real dates, each after the one before.
fn check_version_list(
    versions: &Loaded<VersionsFile>,
    diagnostics: &mut Diagnostics,
) -> BTreeSet<String> {
    let mut valid = BTreeSet::new();
    let mut newest: Option<&str> = None;
    if versions.content.versions.is_empty() {
        diagnostics.push(
            Diagnostic::new(Span::file(&versions.path), "no API version is listed")
                .hint("list at least one version, such as `- 2024-08-29`"),
        );
    }
    for version in &versions.content.versions {
        let span = span_of(&versions.path, version);
        let date = version.value.as_str();
        if !is_date(date) {
            diagnostics.push(
                Diagnostic::new(span, format!("`{date}` is not a valid version date"))
                    .hint("versions are calendar dates written YYYY-MM-DD, such as 2024-08-29"),
            );
            continue;
        }
        if let Some(previous) = newest
            && date <= previous
        {
            diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("version {date} is not after the version before it, {previous}"),
                )
                .hint("list versions oldest first, each one once"),
            );
            continue;
        }
        newest = Some(date);
        valid.insert(date.to_owned());
    }
    valid
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    year >= 1 && (1..=days_in_month).contains(&day)
}

/// A field as written, with the file it was written in (a patch may add
/// fields to an object defined in another file).
#[derive(Debug, Clone)]
struct FieldDraft {
    wire: Spanned<String>,
    file: PathBuf,
    spec: FieldSpec,
}

#[derive(Debug, Clone)]
struct ObjectDraft {
    file: PathBuf,
    description: Option<Spanned<String>>,
    fields: Vec<FieldDraft>,
}

#[derive(Debug, Clone)]
struct EnumDraft {
    file: PathBuf,
    description: Option<Spanned<String>>,
    values: Vec<(Spanned<EnumValueSpec>, PathBuf)>,
    span: Span,
}

#[derive(Debug, Clone)]
struct EventDraft {
    file: PathBuf,
    name: String,
    spec: EventFile,
}

/// The definitions in force at some version: the previous version's, with
/// this version's overlay applied.
#[derive(Debug, Clone, Default)]
struct Drafts {
    envelope: Option<ObjectDraft>,
    objects: BTreeMap<String, ObjectDraft>,
    enums: BTreeMap<String, EnumDraft>,
    events: BTreeMap<String, EventDraft>,
    /// Objects and enums whose file could not be read or parsed, in this
    /// version or an earlier one: references to them are not reported again.
    unreadable: BTreeSet<String>,
}

impl Drafts {
    fn apply(
        &mut self,
        date: &str,
        files: &VersionFiles,
        is_first: bool,
        diagnostics: &mut Diagnostics,
    ) {
        for path in &files.unreadable {
            let kind = path.parent().and_then(Path::file_name);
            let name = path.file_stem().and_then(|name| name.to_str());
            if let (Some(kind), Some(name)) = (kind, name)
                && (kind == "objects" || kind == "enums")
            {
                self.unreadable.insert(name.to_owned());
            }
        }
        let envelope_unreadable = files
            .unreadable
            .iter()
            .any(|path| path.ends_with("envelope.yaml"));
        if let Some(envelope) = &files.envelope {
            let previous = self.envelope.take();
            self.envelope = object_draft(envelope, previous, diagnostics);
        } else if is_first && !envelope_unreadable {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(Path::new(date)),
                    "the first version has no `envelope.yaml`",
                )
                .hint("describe the event envelope in `envelope.yaml`; spec/README.md shows it"),
            );
        }
        for object in &files.objects {
            let previous = self.objects.remove(&object.name);
            if let Some(draft) = object_draft(object, previous, diagnostics) {
                self.objects.insert(object.name.clone(), draft);
            }
        }
        for enum_file in &files.enums {
            let previous = self.enums.remove(&enum_file.name);
            if let Some(draft) = enum_draft(enum_file, previous, diagnostics) {
                self.enums.insert(enum_file.name.clone(), draft);
            }
        }
        let mut defined_here: BTreeMap<&str, &Path> = BTreeMap::new();
        for event in &files.events {
            let event_type = event.content.event_type.value.as_str();
            if let Some(first) = defined_here.insert(event_type, &event.path) {
                diagnostics.push(
                    Diagnostic::new(
                        span_of(&event.path, &event.content.event_type),
                        format!(
                            "event type `{event_type}` is already defined in {}",
                            crate::diagnostic::display_path(first)
                        ),
                    )
                    .hint("each event type has exactly one file"),
                );
                continue;
            }
            self.events.insert(
                event_type.to_owned(),
                EventDraft {
                    file: event.path.clone(),
                    name: event.name.clone(),
                    spec: event.content.clone(),
                },
            );
        }
        if let Some(removed) = &files.removed {
            if is_first {
                diagnostics.push(
                    Diagnostic::new(
                        Span::file(&removed.path),
                        "the first version has nothing to remove",
                    )
                    .hint("delete `removed.yaml` from the first version"),
                );
                return;
            }
            let lists = [
                ("object", &removed.content.objects),
                ("enum", &removed.content.enums),
                ("event", &removed.content.events),
            ];
            for (kind, names) in lists {
                for name in names {
                    let existed = match kind {
                        "object" => self.objects.remove(&name.value).is_some(),
                        "enum" => self.enums.remove(&name.value).is_some(),
                        _ => self.events.remove(&name.value).is_some(),
                    };
                    if !existed {
                        diagnostics.push(
                            Diagnostic::new(
                                span_of(&removed.path, name),
                                format!(
                                    "removes the {kind} `{}`, which the previous version does not have",
                                    name.value
                                ),
                            )
                            .hint("check the name; only definitions of earlier versions can be removed"),
                        );
                    }
                }
            }
        }
    }
}

/// An object (or the envelope) after applying `file` to its previous definition.
fn object_draft(
    file: &Loaded<ObjectFile>,
    previous: Option<ObjectDraft>,
    diagnostics: &mut Diagnostics,
) -> Option<ObjectDraft> {
    let content = &file.content;
    let fields_of = |map: &crate::spec::OrderedMap<FieldSpec>| -> Vec<FieldDraft> {
        map.0
            .iter()
            .map(|(wire, spec)| FieldDraft {
                wire: wire.clone(),
                file: file.path.clone(),
                spec: spec.clone(),
            })
            .collect()
    };
    match (&content.patch, &content.fields) {
        (Some(_), _) if content.description.is_some() || content.fields.is_some() => {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(&file.path),
                    "a file is either a complete definition or a `patch`, not both",
                )
                .hint("move `description` and `fields` under `patch:` (as `description` and `set`), or drop `patch`"),
            );
            previous
        }
        (Some(patch), _) => {
            let Some(mut draft) = previous else {
                diagnostics.push(
                    Diagnostic::new(
                        Span::file(&file.path),
                        format!(
                            "`{}` is a patch, but no earlier version defines it",
                            file.name
                        ),
                    )
                    .hint("write the complete definition (`description` and `fields`) instead"),
                );
                return None;
            };
            if let Some(description) = &patch.description {
                draft.description = Some(description.clone());
            }
            for field in patch.set.iter().flat_map(fields_of) {
                match draft
                    .fields
                    .iter_mut()
                    .find(|existing| existing.wire.value == field.wire.value)
                {
                    Some(existing) => *existing = field,
                    None => draft.fields.push(field),
                }
            }
            for removed in patch.remove.iter().flatten() {
                let before = draft.fields.len();
                draft
                    .fields
                    .retain(|field| field.wire.value != removed.value);
                if draft.fields.len() == before {
                    diagnostics.push(
                        Diagnostic::new(
                            span_of(&file.path, removed),
                            format!(
                                "removes the field `{}`, which `{}` does not have",
                                removed.value, file.name
                            ),
                        )
                        .hint("check the field's wire name"),
                    );
                }
            }
            Some(draft)
        }
        (None, Some(fields)) => Some(ObjectDraft {
            file: file.path.clone(),
            description: content.description.clone(),
            fields: fields_of(fields),
        }),
        (None, None) => {
            diagnostics.push(
                Diagnostic::new(Span::file(&file.path), "missing `fields`")
                    .hint("a complete definition has `description` and `fields`; a change of an earlier version is a `patch`"),
            );
            previous
        }
    }
}

/// An enum after applying `file` to its previous definition.
fn enum_draft(
    file: &Loaded<EnumFile>,
    previous: Option<EnumDraft>,
    diagnostics: &mut Diagnostics,
) -> Option<EnumDraft> {
    let content = &file.content;
    let with_file = |values: &[Spanned<EnumValueSpec>]| -> Vec<(Spanned<EnumValueSpec>, PathBuf)> {
        values
            .iter()
            .map(|value| (value.clone(), file.path.clone()))
            .collect()
    };
    match (&content.patch, &content.values) {
        (Some(_), _) if content.values.is_some() || content.description.is_some() => {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(&file.path),
                    "a file is either a complete definition or a `patch`, not both",
                )
                .hint("move the changes under `patch:` as `add`, `remove` and `description`"),
            );
            previous
        }
        (Some(patch), _) => {
            let Some(mut draft) = previous else {
                diagnostics.push(
                    Diagnostic::new(
                        Span::file(&file.path),
                        format!(
                            "`{}` is a patch, but no earlier version defines it",
                            file.name
                        ),
                    )
                    .hint("write the complete definition (`description` and `values`) instead"),
                );
                return None;
            };
            if let Some(description) = &patch.description {
                draft.description = Some(description.clone());
            }
            draft
                .values
                .extend(with_file(patch.add.as_deref().unwrap_or_default()));
            for removed in patch.remove.iter().flatten() {
                let before = draft.values.len();
                draft
                    .values
                    .retain(|(value, _)| value.value.value != removed.value);
                if draft.values.len() == before {
                    diagnostics.push(
                        Diagnostic::new(
                            span_of(&file.path, removed),
                            format!(
                                "removes the value `{}`, which `{}` does not have",
                                removed.value, file.name
                            ),
                        )
                        .hint("check the spelling of the value"),
                    );
                }
            }
            Some(draft)
        }
        (None, Some(values)) => Some(EnumDraft {
            file: file.path.clone(),
            description: content.description.clone(),
            values: with_file(&values.value),
            span: span_of(&file.path, values),
        }),
        (None, None) => {
            diagnostics.push(
                Diagnostic::new(Span::file(&file.path), "missing `values`")
                    .hint("list the enum's values under `values:`"),
            );
            previous
        }
    }
}

/// A type expression as written in `type:`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TypeExpr {
    Data,
    PreviousData,
    Value(ValueExpr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ValueExpr {
    Primitive(TypeRef),
    List(Box<ValueExpr>),
    Name(String),
}

fn parse_type_expr(text: &str) -> Result<TypeExpr, String> {
    match text.trim() {
        "$data" => Ok(TypeExpr::Data),
        "$previous_data" => Ok(TypeExpr::PreviousData),
        other => parse_value_expr(other).map(TypeExpr::Value),
    }
}

fn parse_value_expr(text: &str) -> Result<ValueExpr, String> {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix("list<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return parse_value_expr(inner).map(|item| ValueExpr::List(Box::new(item)));
    }
    let primitive = match text {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "boolean" => TypeRef::Boolean,
        "timestamp" => TypeRef::Timestamp,
        "date" => TypeRef::Date,
        "map" => TypeRef::Map,
        "" => return Err("the type is empty".to_owned()),
        name if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            return Ok(ValueExpr::Name(name.to_owned()));
        }
        other => return Err(format!("`{other}` is not a type")),
    };
    Ok(ValueExpr::Primitive(primitive))
}

/// Resolves the definitions in force at one version.
struct VersionResolver<'a> {
    date: &'a str,
    drafts: &'a Drafts,
    diagnostics: &'a mut Diagnostics,
    /// Spec name of every object and named enum → its Rust name.
    names: BTreeMap<String, String>,
    /// Every Rust type name in the version module → where it comes from.
    taken: BTreeMap<String, Span>,
    types: BTreeMap<String, TypeDef>,
    /// The partial types of previous values already claimed.
    partials: BTreeSet<String>,
}

impl<'a> VersionResolver<'a> {
    fn new(date: &'a str, drafts: &'a Drafts, diagnostics: &'a mut Diagnostics) -> Self {
        Self {
            date,
            drafts,
            diagnostics,
            names: BTreeMap::new(),
            taken: BTreeMap::new(),
            types: BTreeMap::new(),
            partials: BTreeSet::new(),
        }
    }

    fn resolve(mut self) -> Version {
        self.claim("Event", Span::default());
        let drafts = self.drafts;
        for (spec_name, draft) in &drafts.objects {
            self.register_name(spec_name, &draft.file);
        }
        for (spec_name, draft) in &drafts.enums {
            self.register_name(spec_name, &draft.file);
        }
        for (spec_name, draft) in &drafts.enums {
            self.named_enum(spec_name, draft);
        }
        for (spec_name, draft) in &drafts.objects {
            let rust_name = names::type_name(spec_name);
            let description = self.description(draft.description.as_ref(), &draft.file);
            let fields = self.fields(&rust_name, &draft.fields, false);
            self.types.insert(
                rust_name.clone(),
                TypeDef::Object(ObjectDef {
                    spec_name: spec_name.clone(),
                    rust_name,
                    description,
                    fields,
                    span: Span::file(&draft.file),
                }),
            );
        }
        let envelope = match &drafts.envelope {
            Some(draft) => {
                let fields = self.fields("Envelope", &draft.fields, true);
                self.check_envelope(&fields, &draft.file);
                fields
            }
            None => Vec::new(),
        };
        let has_previous_data = envelope
            .iter()
            .any(|field| field.kind == FieldKind::PreviousData);
        let events: Vec<EventDef> = drafts
            .events
            .values()
            .filter_map(|draft| self.event(draft, has_previous_data))
            .collect();
        self.check_containment_cycles();
        Version {
            date: self.date.to_owned(),
            envelope,
            types: self.types,
            events,
        }
    }

    /// Reserves a Rust type name in the version module, reporting a clash.
    fn claim(&mut self, rust_name: &str, span: Span) -> bool {
        if let Some(first) = self.taken.get(rust_name) {
            let first = if first.file.as_os_str().is_empty() {
                "the generated code".to_owned()
            } else {
                first.to_string()
            };
            self.diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("the Rust type name `{rust_name}` is already used by {first}"),
                )
                .hint("rename one of the two (for an inline enum, set `enum_name`)"),
            );
            return false;
        }
        self.taken.insert(rust_name.to_owned(), span);
        true
    }

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
    fn deprecation(&mut self, note: Option<&Spanned<String>>, file: &Path) -> Option<String> {
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

    fn description(&mut self, description: Option<&Spanned<String>>, file: &Path) -> String {
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
            }),
        );
    }

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

    fn fields(&mut self, owner: &str, drafts: &[FieldDraft], in_envelope: bool) -> Vec<Field> {
        let mut fields: Vec<Field> = Vec::new();
        for draft in drafts {
            let Some(field) = self.field(owner, draft, in_envelope) else {
                continue;
            };
            if let Some(first) = fields
                .iter()
                .find(|existing| existing.rust_name == field.rust_name)
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
            fields.push(field);
        }
        fields
    }

    fn field(&mut self, owner: &str, draft: &FieldDraft, in_envelope: bool) -> Option<Field> {
        let spec = &draft.spec;
        let file = &draft.file;
        let span = span_of(file, &draft.wire);
        let wire = draft.wire.value.clone();
        let rust_name = match &spec.rust_name {
            Some(name) => name.value.clone(),
            None => names::field_name(&wire),
        };
        if !names::is_snake(&rust_name) || rust_name.is_empty() {
            let diagnostic = match &spec.rust_name {
                Some(name) => Diagnostic::new(
                    span_of(file, name),
                    format!("`{rust_name}` is not a snake_case Rust field name"),
                )
                .hint("write `rust_name` in snake_case, such as `plan_id`"),
                None => Diagnostic::new(
                    span.clone(),
                    format!("the field `{wire}` gives no Rust field name (got `{rust_name}`)"),
                )
                .hint("set `rust_name` to a snake_case name"),
            };
            self.diagnostics.push(diagnostic);
            return None;
        }
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
                Diagnostic::new(span, message)
                    .hint("give it exactly one: `type: string`, `enum: [a, b]` or `const: value`"),
            );
            return None;
        }
        let kind = if let Some(expr) = &spec.type_expr {
            self.field_type(expr, file, in_envelope)?
        } else if let Some(values) = &spec.enum_values {
            let enum_name = match &spec.enum_name {
                Some(name) => name.value.clone(),
                None => format!("{owner}{}", names::type_name(&rust_name)),
            };
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
                .map(|value| (value.clone(), file.clone()))
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
                }),
            );
            FieldKind::Value(TypeRef::Named(enum_name))
        } else if let Some(value) = &spec.const_value {
            if value.value == "$event_type" {
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
                FieldKind::EventType
            } else {
                FieldKind::Const(value.value.clone())
            }
        } else {
            return None;
        };
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
        Some(Field {
            wire_name: wire,
            rust_name,
            kind,
            required: spec.required.unwrap_or(true),
            nullable: spec.nullable.unwrap_or(false),
            deprecated: self.deprecation(spec.deprecated.as_ref(), file),
            preview: spec.preview.unwrap_or(false),
            description,
            example: spec.example.clone(),
            span,
        })
    }

    fn field_type(
        &mut self,
        expr: &Spanned<String>,
        file: &Path,
        in_envelope: bool,
    ) -> Option<FieldKind> {
        let span = span_of(file, expr);
        let parsed = match parse_type_expr(&expr.value) {
            Ok(parsed) => parsed,
            Err(message) => {
                self.diagnostics.push(
                    Diagnostic::new(span, message).hint(
                        "types are string, integer, boolean, timestamp, date, map, list<T> or an object or enum name",
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
            TypeExpr::Data => Some(FieldKind::Data),
            TypeExpr::PreviousData => Some(FieldKind::PreviousData),
            TypeExpr::Value(value) => self.value_type(&value, span).map(FieldKind::Value),
        }
    }

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
                    let primitives = ["string", "integer", "boolean", "timestamp", "date", "map"];
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

    fn check_envelope(&mut self, fields: &[Field], file: &Path) {
        let has = |kind: &FieldKind| fields.iter().any(|field| &field.kind == kind);
        let id_ok = fields.iter().any(|field| {
            field.wire_name == "id"
                && field.kind == FieldKind::Value(TypeRef::String)
                && field.required
                && !field.nullable
        });
        let mut missing = Vec::new();
        if !id_ok {
            missing.push("a required, non-nullable `id` of type string");
        }
        if !has(&FieldKind::EventType) {
            missing.push("a `type` field with `const: $event_type`");
        }
        if !has(&FieldKind::Data) {
            missing.push("a `data` field with `type: $data`");
        }
        for what in missing {
            self.diagnostics.push(
                Diagnostic::new(Span::file(file), format!("the envelope needs {what}"))
                    .hint("spec/README.md shows a complete envelope"),
            );
        }
    }

    fn event(&mut self, draft: &EventDraft, has_previous_data: bool) -> Option<EventDef> {
        let spec = &draft.spec;
        let file = &draft.file;
        let type_span = span_of(file, &spec.event_type);
        let event_type = spec.event_type.value.as_str();
        let Some(rest) = event_type.strip_prefix("com.gigs.") else {
            self.diagnostics.push(
                Diagnostic::new(
                    type_span,
                    format!("the event type `{event_type}` does not start with `com.gigs.`"),
                )
                .hint("Gigs event types are `com.gigs.<object>.<action>`"),
            );
            return None;
        };
        let parts_ok = rest.split('.').count() >= 2
            && rest
                .split('.')
                .all(|part| names::is_identifier(part) && !part.contains('_'));
        if !parts_ok {
            self.diagnostics.push(
                Diagnostic::new(
                    type_span,
                    format!("the event type `{event_type}` is not `com.gigs.<object>.<action>`"),
                )
                .hint("each part after `com.gigs.` is letters and digits, at least two parts"),
            );
            return None;
        }
        if draft.name != rest {
            self.diagnostics.push(
                Diagnostic::new(
                    type_span.clone(),
                    format!("the event `{event_type}` is in `{}.yaml`", draft.name),
                )
                .hint(format!(
                    "name the file `{rest}.yaml`, so it is found by its type"
                )),
            );
        }
        let rust_name = names::type_name(rest);
        if rust_name == "Unknown" {
            self.diagnostics.push(
                Diagnostic::new(type_span, "the event type gives the variant `Unknown`, which is reserved for event types the spec does not know")
                    .hint("this type cannot be modelled as it is"),
            );
            return None;
        }
        if !self.claim(&rust_name, type_span.clone()) {
            return None;
        }
        let data_span = span_of(file, &spec.data);
        let data = match self.names.get(&spec.data.value) {
            Some(rust) if matches!(self.types.get(rust), Some(TypeDef::Object(_))) => rust.clone(),
            None if self.drafts.unreadable.contains(&spec.data.value) => return None,
            _ => {
                let mut diagnostic = Diagnostic::new(
                    data_span,
                    format!(
                        "no object named `{}` in version {}",
                        spec.data.value, self.date
                    ),
                );
                let objects = self.drafts.objects.keys().map(String::as_str);
                diagnostic = match closest(&spec.data.value, objects) {
                    Some(close) => diagnostic.hint(format!("did you mean `{close}`?")),
                    None => {
                        diagnostic.hint(format!("define it in `objects/{}.yaml`", spec.data.value))
                    }
                };
                self.diagnostics.push(diagnostic);
                return None;
            }
        };
        let previous_data = spec.previous_data.as_ref().is_some_and(|flag| flag.value);
        if let Some(flag) = spec.previous_data.as_ref().filter(|flag| flag.value) {
            if !has_previous_data {
                self.diagnostics.push(
                    Diagnostic::new(
                        span_of(file, flag),
                        "the event has `previous_data: true`, but the envelope has no `$previous_data` field",
                    )
                    .hint("add `previousData: {type: $previous_data, required: false, ...}` to the envelope"),
                );
            }
            let partial = previous_data_type_name(&data);
            if self.partials.insert(partial.clone()) {
                self.claim(&partial, type_span.clone());
            }
        }
        let description = self.description(Some(&spec.description), file);
        Some(EventDef {
            event_type: event_type.to_owned(),
            rust_name,
            data,
            previous_data,
            description,
            deprecated: self.deprecation(spec.deprecated.as_ref(), file),
            example: spec.example.as_ref().map(|example| Example {
                json: example.value.clone(),
                span: span_of(file, example),
            }),
            span: type_span,
        })
    }

    /// An object that contains itself, directly or through other objects,
    /// has no finite JSON; in Rust it would not even have a size.
    fn check_containment_cycles(&mut self) {
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, definition) in &self.types {
            if let TypeDef::Object(object) = definition {
                let targets = object
                    .fields
                    .iter()
                    .filter_map(|field| match &field.kind {
                        FieldKind::Value(type_ref) => type_ref.named(),
                        _ => None,
                    })
                    .filter(|target| matches!(self.types.get(*target), Some(TypeDef::Object(_))))
                    .collect();
                edges.insert(name, targets);
            }
        }
        let mut reported = BTreeSet::new();
        for start in edges.keys() {
            if let Some(cycle) = find_cycle(start, &edges)
                && reported.insert(cycle.iter().min().copied().unwrap_or_default().to_owned())
            {
                // Point at the field that starts the cycle, and name the
                // objects as the spec does.
                let next = cycle.get(1).copied().unwrap_or_default();
                let span = match self.types.get(*start) {
                    Some(TypeDef::Object(object)) => object
                        .fields
                        .iter()
                        .find(|field| match &field.kind {
                            FieldKind::Value(type_ref) => type_ref.named() == Some(next),
                            _ => false,
                        })
                        .map_or_else(|| object.span.clone(), |field| field.span.clone()),
                    _ => Span::default(),
                };
                let spec_names: Vec<&str> = cycle
                    .iter()
                    .map(|name| match self.types.get(*name) {
                        Some(TypeDef::Object(object)) => object.spec_name.as_str(),
                        _ => name,
                    })
                    .collect();
                self.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!(
                            "objects contain each other in a cycle: {}",
                            spec_names.join(" → ")
                        ),
                    )
                    .hint("refer to one of them by id (`type: string`) instead of embedding it"),
                );
            }
        }
    }
}

/// A path from `start` back to itself, if there is one.
fn find_cycle<'a>(start: &'a str, edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn walk<'a>(
        node: &'a str,
        start: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        seen: &mut BTreeSet<&'a str>,
    ) -> bool {
        for &next in edges.get(node).into_iter().flatten() {
            if next == start {
                path.push(next);
                return true;
            }
            if seen.insert(next) {
                path.push(next);
                if walk(next, start, edges, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start];
    let mut seen = BTreeSet::new();
    walk(start, start, edges, &mut path, &mut seen).then_some(path)
}

/// The candidate closest to `name`, if one is close enough to be a typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&name.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
