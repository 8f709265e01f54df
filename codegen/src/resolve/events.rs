//! One version's envelope and events. Each event gets its complete list of
//! fields here, the envelope's placeholders filled in, and the partial type
//! of its object's previous values when it carries `previousData`.

use super::overlay::EventDraft;
use super::span_of;
use super::version::VersionResolver;
use crate::diagnostic::{Diagnostic, Span};
use crate::hints::closest;
use crate::ir::{EventDef, Example, Field, FieldKind, ObjectDef, ObjectOrigin, TypeDef, TypeRef};
use crate::names;

/// What a field holds: the same for every event, or what each event fills
/// in (the envelope's placeholders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Slot {
    Fixed(FieldKind),
    /// `const: $event_type`: the event's type.
    EventType,
    /// `type: $data`: the event's object.
    Data,
    /// `type: $previous_data`: the previous values of the event's object.
    PreviousData,
}

impl Slot {
    /// The placeholder as the spec writes it.
    pub(super) fn as_written(&self) -> &'static str {
        match self {
            Self::Fixed(_) => "",
            Self::EventType => "$event_type",
            Self::Data => "$data",
            Self::PreviousData => "$previous_data",
        }
    }
}

/// The envelope's fields, some of them placeholders.
#[derive(Debug, Default)]
pub(super) struct EnvelopeTemplate {
    fields: Vec<(Slot, Field)>,
}

impl EnvelopeTemplate {
    /// The fields that are the same for every event.
    pub(super) fn shared_fields(&self) -> Vec<Field> {
        self.fields
            .iter()
            .filter(|(slot, _)| matches!(slot, Slot::Fixed(_)))
            .map(|(_, field)| field.clone())
            .collect()
    }

    /// The wire names of the members holding the event's object and its
    /// previous values.
    pub(super) fn payload_members(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(slot, _)| matches!(slot, Slot::Data | Slot::PreviousData))
            .map(|(_, field)| field.wire_name.clone())
            .collect()
    }

    fn has(&self, wanted: &Slot) -> bool {
        self.fields.iter().any(|(slot, _)| slot == wanted)
    }

    /// The fields of one event; `previousData` only if it carries it.
    fn for_event(&self, event_type: &str, data: &str, previous: Option<&str>) -> Vec<Field> {
        self.fields
            .iter()
            .filter_map(|(slot, field)| {
                let kind = match slot {
                    Slot::Fixed(kind) => kind.clone(),
                    Slot::EventType => FieldKind::Const(event_type.to_owned()),
                    Slot::Data => FieldKind::Value(TypeRef::Named(data.to_owned())),
                    Slot::PreviousData => FieldKind::Value(TypeRef::Named(previous?.to_owned())),
                };
                Some(Field {
                    kind,
                    ..field.clone()
                })
            })
            .collect()
    }
}

impl VersionResolver<'_> {
    /// The envelope in force, checked for the fields every event needs.
    pub(super) fn envelope(&mut self) -> EnvelopeTemplate {
        let Some(draft) = &self.drafts.envelope else {
            return EnvelopeTemplate::default();
        };
        let template = EnvelopeTemplate {
            fields: self.fields("Envelope", &draft.fields, true),
        };
        let id_ok = template.fields.iter().any(|(_, field)| {
            field.wire_name == "id"
                && field.kind == FieldKind::Value(TypeRef::String)
                && field.presence == crate::ir::Presence::Always
        });
        let mut missing = Vec::new();
        if !id_ok {
            missing.push("a required, non-nullable `id` of type string");
        }
        if !template.has(&Slot::EventType) {
            missing.push("a `type` field with `const: $event_type`");
        }
        if !template.has(&Slot::Data) {
            missing.push("a `data` field with `type: $data`");
        }
        for what in missing {
            self.diagnostics.push(
                Diagnostic::new(
                    Span::file(&draft.file),
                    format!("the envelope needs {what}"),
                )
                .hint("spec/README.md shows a complete envelope"),
            );
        }
        template
    }

    /// One event, with its fields complete.
    pub(super) fn event(
        &mut self,
        draft: &EventDraft,
        envelope: &EnvelopeTemplate,
    ) -> Option<EventDef> {
        let spec = &draft.spec;
        let file = &draft.file;
        let type_span = span_of(file, &spec.event_type);
        let rust_name = self.event_rust_name(draft)?;
        if !self.claim(&rust_name, type_span.clone()) {
            return None;
        }
        let data = self.event_data(draft)?;
        let mut previous_data = None;
        if let Some(flag) = spec.previous_data.as_ref().filter(|flag| flag.value) {
            if !envelope.has(&Slot::PreviousData) {
                self.diagnostics.push(
                    Diagnostic::new(
                        span_of(file, flag),
                        "the event has `previous_data: true`, but the envelope has no `$previous_data` field",
                    )
                    .hint("add `previousData: {type: $previous_data, required: false, ...}` to the envelope"),
                );
            }
            previous_data = Some(self.previous_values(&data, &type_span));
        }
        let event_type = spec.event_type.value.as_str();
        let description = self.description(Some(&spec.description), file);
        Some(EventDef {
            event_type: event_type.to_owned(),
            rust_name,
            fields: envelope.for_event(event_type, &data, previous_data.as_deref()),
            data,
            previous_data,
            description,
            deprecated: self.deprecation(spec.deprecated.as_ref(), file),
            example: spec.example.as_ref().map(|example| Example {
                json: example.value.clone(),
                span: span_of(file, example),
                written_for: draft.written_for.clone(),
            }),
            span: type_span,
        })
    }

    /// The struct and variant name of an event, from a well-formed type
    /// that matches its file's name.
    fn event_rust_name(&mut self, draft: &EventDraft) -> Option<String> {
        let type_span = span_of(&draft.file, &draft.spec.event_type);
        let event_type = draft.spec.event_type.value.as_str();
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
        Some(rust_name)
    }

    /// The Rust name of the object an event's `data` names.
    fn event_data(&mut self, draft: &EventDraft) -> Option<String> {
        let named = &draft.spec.data;
        match self.names.get(&named.value) {
            Some(rust) if matches!(self.types.get(rust), Some(TypeDef::Object(_))) => {
                return Some(rust.clone());
            }
            None if self.drafts.unreadable.contains(&named.value) => return None,
            _ => {}
        }
        let mut diagnostic = Diagnostic::new(
            span_of(&draft.file, named),
            format!("no object named `{}` in version {}", named.value, self.date),
        );
        let objects = self.drafts.objects.keys().map(String::as_str);
        diagnostic = match closest(&named.value, objects) {
            Some(close) => diagnostic.hint(format!("did you mean `{close}`?")),
            None => diagnostic.hint(format!("define it in `objects/{}.yaml`", named.value)),
        };
        self.diagnostics.push(diagnostic);
        None
    }

    /// Defines, once per object, the partial type of its previous values:
    /// its value fields, each of which may be absent. Returns its name.
    fn previous_values(&mut self, data: &str, span: &Span) -> String {
        let name = format!("{data}PreviousData");
        let defined = matches!(
            self.types.get(&name),
            Some(TypeDef::Object(ObjectDef {
                origin: ObjectOrigin::PreviousValues(_),
                ..
            }))
        );
        if defined || !self.claim(&name, span.clone()) {
            return name;
        }
        let Some(TypeDef::Object(object)) = self.types.get(data) else {
            return name;
        };
        let fields = object
            .fields
            .iter()
            .filter(|field| matches!(field.kind, FieldKind::Value(_)))
            .map(|field| Field {
                presence: field.presence.made_optional(),
                ..field.clone()
            })
            .collect();
        let description = format!(
            "The values that fields of a `{data}` had before an update: only the fields that changed are present.\n\n\
             A changed nested object is present whole. For a nullable field, `Some(None)` means it was `null` before, while `None` means it did not change."
        );
        let partial = ObjectDef {
            spec_name: format!("{} (previous values)", object.spec_name),
            rust_name: name.clone(),
            description,
            fields,
            origin: ObjectOrigin::PreviousValues(data.to_owned()),
            span: object.span.clone(),
            last_changed_in: object.last_changed_in.clone(),
        };
        self.types.insert(name.clone(), TypeDef::Object(partial));
        name
    }
}
