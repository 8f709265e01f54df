//! The public API the generated crate has for a spec, and how it changed
//! between two specs, in semver terms: what `cargo xtask semver` reports.
//!
//! Each dated module is a unit. Additions are minor changes: generated
//! structs are `#[non_exhaustive]` and every enum has a catch-all and is
//! `#[non_exhaustive]`, so a new field, value, kind, type, event or version
//! breaks no code that compiled before. Anything removed or changed in an
//! existing version is major; docs and examples are patch changes.

use std::collections::BTreeMap;
use std::fmt;

use crate::ir::{FieldKind, Presence, Spec, TypeDef, TypeRef, Version};
use crate::names;

/// How much a change, or a set of changes, requires the version to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        })
    }
}

/// One change of the generated public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    pub bump: Bump,
    /// The item: `v2024_08_29::Plan.name`.
    pub path: String,
    /// What happened to it: `String -> Option<String>`, `added`.
    pub what: String,
}

impl fmt::Display for ApiChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.bump, self.path, self.what)
    }
}

/// What an item of the API is, for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// The part whose change breaks users: a field's Rust type, a type's
    /// kind, a variant's payload.
    signature: String,
    /// What a user reads but no code depends on: docs and examples.
    docs: String,
    /// How adding the item is classified.
    added: Bump,
    deprecated: bool,
}

/// The public API generated for `spec`, by item path.
fn model(spec: &Spec) -> BTreeMap<String, Item> {
    let mut items = BTreeMap::new();
    for version in &spec.versions {
        let module = version.module();
        items.insert(
            module.clone(),
            item(
                format!("module, feature `{}`", version.feature()),
                String::new(),
            ),
        );
        for definition in version.types.values() {
            add_type(&mut items, &module, definition);
        }
        add_events(&mut items, &module, version);
    }
    items
}

fn item(signature: String, docs: String) -> Item {
    Item {
        signature,
        docs,
        added: Bump::Minor,
        deprecated: false,
    }
}

fn add_type(items: &mut BTreeMap<String, Item>, module: &str, definition: &TypeDef) {
    match definition {
        TypeDef::Object(object) => {
            let path = format!("{module}::{}", object.rust_name);
            items.insert(
                path.clone(),
                item("struct".to_owned(), object.description.clone()),
            );
            add_fields(items, &path, &object.fields);
        }
        TypeDef::Enum(enum_def) => {
            let path = format!("{module}::{}", enum_def.rust_name);
            items.insert(
                path.clone(),
                item("enum".to_owned(), enum_def.description.clone()),
            );
            for value in &enum_def.values {
                items.insert(
                    format!("{path}::{}", value.rust_name),
                    item(
                        format!("variant `{}`", value.wire),
                        value.description.clone().unwrap_or_default(),
                    ),
                );
            }
        }
        TypeDef::Union(union) => {
            let path = format!("{module}::{}", union.rust_name);
            items.insert(
                path.clone(),
                item(
                    format!("enum tagged by `{}`", union.tag),
                    union.description.clone(),
                ),
            );
            for variant in &union.variants {
                let payload = variant
                    .payload
                    .as_ref()
                    .map_or_else(String::new, |payload| format!("({payload})"));
                items.insert(
                    format!("{path}::{}", variant.rust_name),
                    item(
                        format!("variant `{}`{payload}", variant.wire),
                        variant.description.clone(),
                    ),
                );
            }
        }
    }
}

fn add_fields(items: &mut BTreeMap<String, Item>, owner: &str, fields: &[crate::ir::Field]) {
    for field in fields {
        let FieldKind::Value(type_ref) = &field.kind else {
            // Constants are written on serialization, not stored: no API.
            continue;
        };
        let mut docs = field.description.clone();
        if let Some(example) = &field.example {
            docs.push_str(&format!(" Example: {example}"));
        }
        items.insert(
            format!("{owner}.{}", field.rust_name),
            Item {
                deprecated: field.deprecated.is_some(),
                ..item(rust_type(type_ref, field.presence), docs)
            },
        );
    }
}

fn add_events(items: &mut BTreeMap<String, Item>, module: &str, version: &Version) {
    let event_enum = format!("{module}::{}", names::EVENT_ENUM);
    items.insert(event_enum.clone(), item("enum".to_owned(), String::new()));
    for event in &version.events {
        let path = format!("{module}::{}", event.rust_name);
        items.insert(
            path.clone(),
            Item {
                deprecated: event.deprecated.is_some(),
                ..item(
                    format!("struct, TYPE = `{}`", event.event_type),
                    event.description.clone(),
                )
            },
        );
        add_fields(items, &path, &event.fields);
        items.insert(
            format!("{event_enum}::{}", event.rust_name),
            item(format!("variant({})", event.rust_name), String::new()),
        );
        if let Some(example) = &event.example {
            items.insert(
                format!("{path}::example()"),
                Item {
                    added: Bump::Minor,
                    ..item(
                        format!("{}::{}", module, names::EXAMPLE_TRAIT),
                        example.json.clone(),
                    )
                },
            );
        }
    }
}

/// The field's Rust type as users write it: `Option<Vec<Plan>>`.
pub fn rust_type(type_ref: &TypeRef, presence: Presence) -> String {
    let value = value_type(type_ref);
    match presence {
        Presence::Always => value,
        Presence::Nullable | Presence::Optional => format!("Option<{value}>"),
        Presence::OptionalNullable => format!("Option<Option<{value}>>"),
    }
}

fn value_type(type_ref: &TypeRef) -> String {
    match type_ref {
        TypeRef::String => "String".to_owned(),
        TypeRef::Integer => "i64".to_owned(),
        TypeRef::Boolean => "bool".to_owned(),
        TypeRef::Timestamp => "jiff::Timestamp".to_owned(),
        TypeRef::Date => "jiff::civil::Date".to_owned(),
        TypeRef::Map => "BTreeMap<String, String>".to_owned(),
        TypeRef::Json => "serde_json::Value".to_owned(),
        TypeRef::List(item) => format!("Vec<{}>", value_type(item)),
        TypeRef::Named(name) => name.clone(),
    }
}

/// Every change of the generated public API from `old` to `new`, sorted by
/// item path.
pub fn compare(old: &Spec, new: &Spec) -> Vec<ApiChange> {
    let (old, new) = (model(old), model(new));
    let mut changes = Vec::new();
    let change = |bump, path: &str, what: String| ApiChange {
        bump,
        path: path.to_owned(),
        what,
    };
    for (path, before) in &old {
        match new.get(path) {
            None => changes.push(change(
                Bump::Major,
                path,
                format!("removed ({})", before.signature),
            )),
            Some(after) if after.signature != before.signature => changes.push(change(
                Bump::Major,
                path,
                format!("{} -> {}", before.signature, after.signature),
            )),
            Some(after) => {
                if !before.deprecated && after.deprecated {
                    changes.push(change(Bump::Minor, path, "deprecated".to_owned()));
                } else if before.deprecated && !after.deprecated {
                    changes.push(change(Bump::Patch, path, "no longer deprecated".to_owned()));
                }
                if after.docs != before.docs {
                    let what = if path.ends_with("::example()") {
                        "example changed"
                    } else {
                        "docs changed"
                    };
                    changes.push(change(Bump::Patch, path, what.to_owned()));
                }
            }
        }
    }
    for (path, after) in &new {
        if !old.contains_key(path) {
            changes.push(change(
                after.added,
                path,
                format!("added ({})", after.signature),
            ));
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path).then(b.bump.cmp(&a.bump)));
    changes
}

/// The bump the changes need together.
pub fn required_bump(changes: &[ApiChange]) -> Bump {
    changes
        .iter()
        .map(|change| change.bump)
        .max()
        .unwrap_or(Bump::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_read_as_users_write_them() {
        let list = TypeRef::List(Box::new(TypeRef::Named("Plan".to_owned())));
        assert_eq!(rust_type(&list, Presence::Nullable), "Option<Vec<Plan>>");
        assert_eq!(
            rust_type(&TypeRef::String, Presence::OptionalNullable),
            "Option<Option<String>>"
        );
    }

    #[test]
    fn the_largest_bump_wins() {
        let change = |bump| ApiChange {
            bump,
            path: String::new(),
            what: String::new(),
        };
        assert_eq!(required_bump(&[]), Bump::None);
        assert_eq!(
            required_bump(&[
                change(Bump::Patch),
                change(Bump::Major),
                change(Bump::Minor)
            ]),
            Bump::Major
        );
    }
}
