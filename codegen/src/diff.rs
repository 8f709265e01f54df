//! What changed between two API versions, for someone receiving webhooks.
//!
//! "Breaking" means code written against the older version can misread or
//! reject what the newer one sends: something removed, a type changed, a
//! field that may now be absent or null. Additions are never breaking,
//! because received data is open (unknown fields are ignored, enums are
//! open, unknown event types are kept raw).

use std::collections::BTreeMap;
use std::fmt;

use crate::ir::{Field, FieldKind, ObjectDef, ObjectOrigin, TypeDef, TypeRef, UnionDef, Version};

/// One change a consumer may care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed: `sim.metadata`, `com.gigs.plan.updated`, `simType`.
    pub subject: String,
    /// How, in a few words: `field added (map, optional)`.
    pub what: String,
    pub breaking: bool,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.breaking {
            "breaking"
        } else {
            "not breaking"
        };
        write!(f, "`{}`: {} ({verdict})", self.subject, self.what)
    }
}

/// Every change from `old` to `new`, events first, then types by name.
pub fn diff(old: &Version, new: &Version) -> Vec<Change> {
    let mut changes = Vec::new();
    let old_events: BTreeMap<&str, _> = old
        .events
        .iter()
        .map(|e| (e.event_type.as_str(), e))
        .collect();
    let new_events: BTreeMap<&str, _> = new
        .events
        .iter()
        .map(|e| (e.event_type.as_str(), e))
        .collect();
    for (event_type, event) in &new_events {
        match old_events.get(event_type) {
            None => changes.push(change(event_type, "event added", false)),
            Some(before) if before.data != event.data => changes.push(change(
                event_type,
                &format!("`data` changed from {} to {}", before.data, event.data),
                true,
            )),
            Some(before) if before.previous_data.is_some() && event.previous_data.is_none() => {
                changes.push(change(event_type, "no longer carries `previousData`", true));
            }
            Some(before) if before.previous_data.is_none() && event.previous_data.is_some() => {
                changes.push(change(event_type, "now carries `previousData`", false));
            }
            Some(before) if before.deprecated.is_none() && event.deprecated.is_some() => {
                changes.push(change(event_type, "deprecated", false));
            }
            Some(_) => {}
        }
    }
    for event_type in old_events.keys() {
        if !new_events.contains_key(event_type) {
            changes.push(change(event_type, "event removed", true));
        }
    }
    fields_diff(
        "envelope",
        &old.envelope,
        &new.envelope,
        old,
        new,
        &mut changes,
    );

    let old_objects = spec_named_objects(old);
    let new_objects = spec_named_objects(new);
    for (name, object) in &new_objects {
        match old_objects.get(name) {
            None if object.origin == ObjectOrigin::Spec => {
                changes.push(change(name, "object added", false));
            }
            None => {}
            Some(before) => {
                fields_diff(name, &before.fields, &object.fields, old, new, &mut changes)
            }
        }
    }
    for (name, object) in &old_objects {
        if !new_objects.contains_key(name) && object.origin == ObjectOrigin::Spec {
            changes.push(change(name, "object removed", true));
        }
    }
    let old_unions = spec_named_unions(old);
    let new_unions = spec_named_unions(new);
    for name in new_unions.keys() {
        if !old_unions.contains_key(name) {
            changes.push(change(name, "union added", false));
        }
    }
    for name in old_unions.keys() {
        if !new_unions.contains_key(name) {
            changes.push(change(name, "union removed", true));
        }
    }
    changes
}

/// Tagged unions by their spec name.
fn spec_named_unions(version: &Version) -> BTreeMap<&str, &UnionDef> {
    version
        .types
        .values()
        .filter_map(|definition| match definition {
            TypeDef::Union(union) => Some((union.spec_name.as_str(), union)),
            _ => None,
        })
        .collect()
}

fn change(subject: &str, what: &str, breaking: bool) -> Change {
    Change {
        subject: subject.to_owned(),
        what: what.to_owned(),
        breaking,
    }
}

/// The spec's objects, and the members of each union kind (`actor.user`),
/// by their spec name, which is what people call them. Partial types of
/// previous values follow from their objects and events.
fn spec_named_objects(version: &Version) -> BTreeMap<&str, &ObjectDef> {
    version
        .types
        .values()
        .filter_map(|definition| match definition {
            TypeDef::Object(object)
                if matches!(
                    object.origin,
                    ObjectOrigin::Spec | ObjectOrigin::UnionVariant(_)
                ) =>
            {
                Some((object.spec_name.as_str(), object))
            }
            _ => None,
        })
        .collect()
}

fn fields_diff(
    owner: &str,
    old_fields: &[Field],
    new_fields: &[Field],
    old: &Version,
    new: &Version,
    changes: &mut Vec<Change>,
) {
    for field in new_fields {
        let subject = format!("{owner}.{}", field.wire_name);
        let Some(before) = old_fields.iter().find(|f| f.wire_name == field.wire_name) else {
            let presence = if field.presence.is_required() {
                "required"
            } else {
                "optional"
            };
            changes.push(change(
                &subject,
                &format!("field added ({}, {presence})", describe(&field.kind, new)),
                false,
            ));
            continue;
        };
        let (old_type, new_type) = (describe(&before.kind, old), describe(&field.kind, new));
        if old_type != new_type {
            changes.push(change(
                &subject,
                &format!("type changed from {old_type} to {new_type}"),
                true,
            ));
        } else if let (Some(old_values), Some(new_values)) = (
            listed_values(&before.kind, old),
            listed_values(&field.kind, new),
        ) {
            values_diff(&subject, &old_values, &new_values, changes);
        }
        match (before.presence.is_required(), field.presence.is_required()) {
            (true, false) => changes.push(change(&subject, "may now be absent", true)),
            (false, true) => changes.push(change(&subject, "now always present", false)),
            _ => {}
        }
        match (before.presence.is_nullable(), field.presence.is_nullable()) {
            (false, true) => changes.push(change(&subject, "may now be null", true)),
            (true, false) => changes.push(change(&subject, "never null any more", false)),
            _ => {}
        }
        if before.deprecated.is_none() && field.deprecated.is_some() {
            changes.push(change(&subject, "deprecated", false));
        }
    }
    for field in old_fields {
        if !new_fields.iter().any(|f| f.wire_name == field.wire_name) {
            changes.push(change(
                &format!("{owner}.{}", field.wire_name),
                "field removed",
                true,
            ));
        }
    }
}

/// What a field's enum or union lists: "enum value" and its values, or
/// "kind" and the union's kinds; directly or in lists.
fn listed_values<'a>(
    kind: &FieldKind,
    version: &'a Version,
) -> Option<(&'static str, Vec<&'a str>)> {
    let FieldKind::Value(type_ref) = kind else {
        return None;
    };
    match version.types.get(type_ref.named()?) {
        Some(TypeDef::Enum(enum_def)) => Some((
            "enum value",
            enum_def
                .values
                .iter()
                .map(|value| value.wire.as_str())
                .collect(),
        )),
        Some(TypeDef::Union(union)) => Some((
            "kind",
            union
                .variants
                .iter()
                .map(|variant| variant.wire.as_str())
                .collect(),
        )),
        _ => None,
    }
}

/// Values added (not breaking: enums and unions are open) and removed.
fn values_diff(
    subject: &str,
    (noun, old): &(&str, Vec<&str>),
    (_, new): &(&str, Vec<&str>),
    changes: &mut Vec<Change>,
) {
    for value in new {
        if !old.contains(value) {
            changes.push(change(subject, &format!("{noun} `{value}` added"), false));
        }
    }
    for value in old {
        if !new.contains(value) {
            changes.push(change(subject, &format!("{noun} `{value}` removed"), true));
        }
    }
}

/// A field's type in spec terms, for messages and comparison.
fn describe(kind: &FieldKind, version: &Version) -> String {
    match kind {
        FieldKind::Const(value) => format!("constant `{value}`"),
        FieldKind::Value(type_ref) => describe_type(type_ref, version),
    }
}

fn describe_type(type_ref: &TypeRef, version: &Version) -> String {
    match type_ref {
        TypeRef::String => "string".to_owned(),
        TypeRef::Integer => "integer".to_owned(),
        TypeRef::Boolean => "boolean".to_owned(),
        TypeRef::Timestamp => "timestamp".to_owned(),
        TypeRef::Date => "date".to_owned(),
        TypeRef::Map => "map".to_owned(),
        TypeRef::Json => "json".to_owned(),
        TypeRef::List(item) => format!("list<{}>", describe_type(item, version)),
        TypeRef::Named(name) => match version.types.get(name) {
            Some(TypeDef::Object(object)) => object.spec_name.clone(),
            Some(TypeDef::Enum(_)) => "enum".to_owned(),
            Some(TypeDef::Union(union)) => union.spec_name.clone(),
            None => name.clone(),
        },
    }
}

/// The changes from `old` to `new` as a Markdown section.
pub fn markdown_section(old: &Version, new: &Version) -> String {
    let changes = diff(old, new);
    let mut section = format!("## {} → {}\n\n", old.date, new.date);
    if changes.is_empty() {
        section.push_str("No change to events or objects.\n");
        return section;
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    section.push_str(&format!(
        "{} change{}, {breaking} breaking.\n\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    for change in &changes {
        section.push_str(&format!("- {change}\n"));
    }
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_values_do_not_break_and_removed_ones_do() {
        let mut changes = Vec::new();
        values_diff(
            "sim.status",
            &("enum value", vec!["active", "retired"]),
            &("enum value", vec!["active", "suspended"]),
            &mut changes,
        );
        assert_eq!(
            changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "`sim.status`: enum value `suspended` added (not breaking)",
                "`sim.status`: enum value `retired` removed (breaking)",
            ]
        );
    }
}
