//! An example for a version that has none written: the nearest written
//! example, carried over to the version's schema. What still fits is kept
//! as written; what the version dropped is dropped; what it requires anew is
//! made from the fields' `example:` values, or from their types.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::conformance::scalar_fits;
use crate::ir::{EventDef, Field, FieldKind, Presence, TypeDef, TypeRef, Version};

/// The envelope member that names the API version: set to the version the
/// example is derived for, as Gigs would send it.
pub(super) const VERSION_MEMBER: &str = "version";

/// `written` (a JSON object) carried over to `event` in `version`, as
/// pretty-printed JSON in the order of the version's fields.
pub fn derive(written: &Value, version: &Version, event: &EventDef) -> String {
    let deriver = Deriver { version };
    let mut derived = deriver.object(&event.fields, written.as_object());
    if let Json::Object(members) = &mut derived
        && let Some((_, value)) = members.iter_mut().find(|(key, _)| key == VERSION_MEMBER)
    {
        *value = Json::Plain(Value::String(version.date.clone()));
    }
    let mut text = String::new();
    derived.write_pretty(&mut text, 0);
    text.push('\n');
    text
}

/// JSON whose objects keep the order they are built in.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Plain(Value),
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
}

impl Json {
    fn write_pretty(&self, out: &mut String, indent: usize) {
        let pad = |depth: usize| "  ".repeat(depth);
        match self {
            Self::Plain(value) => out.push_str(&value.to_string()),
            Self::Object(members) if members.is_empty() => out.push_str("{}"),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Object(members) => {
                out.push_str("{\n");
                for (index, (key, value)) in members.iter().enumerate() {
                    let _ = write!(out, "{}{}: ", pad(indent + 1), Value::String(key.clone()));
                    value.write_pretty(out, indent + 1);
                    out.push_str(if index + 1 < members.len() {
                        ",\n"
                    } else {
                        "\n"
                    });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
            Self::Array(items) => {
                out.push_str("[\n");
                for (index, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write_pretty(out, indent + 1);
                    out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
        }
    }
}

struct Deriver<'a> {
    version: &'a Version,
}

impl Deriver<'_> {
    /// An object of `fields`: each from `source` when it fits, made up when
    /// it is required and does not, left out otherwise.
    fn object(&self, fields: &[Field], source: Option<&Map<String, Value>>) -> Json {
        let mut members = Vec::new();
        for field in fields {
            let found = source.and_then(|map| map.get(&field.wire_name));
            let value = match found {
                Some(value) => self.field(field, value),
                None => None,
            };
            let value = match value {
                Some(value) => Some(value),
                None if field.presence.is_required() => Some(self.made_up(field)),
                None => None,
            };
            if let Some(value) = value {
                members.push((field.wire_name.clone(), value));
            }
        }
        Json::Object(members)
    }

    /// `value` for `field`, if it fits.
    fn field(&self, field: &Field, value: &Value) -> Option<Json> {
        match (&field.kind, value) {
            (_, Value::Null) if field.presence.is_nullable() => Some(Json::Plain(Value::Null)),
            (_, Value::Null) => None,
            (FieldKind::Const(constant), _) => Some(Json::Plain(Value::String(constant.clone()))),
            (FieldKind::Value(type_ref), value) => self.value(type_ref, value),
        }
    }

    /// `value` as a `type_ref`, if it fits.
    fn value(&self, type_ref: &TypeRef, value: &Value) -> Option<Json> {
        match type_ref {
            TypeRef::List(item) => value
                .as_array()?
                .iter()
                .map(|element| self.value(item, element))
                .collect::<Option<Vec<_>>>()
                .map(Json::Array),
            TypeRef::Named(name) => self.named(name, Some(value)),
            scalar => scalar_fits(scalar, value).then(|| Json::Plain(value.clone())),
        }
    }

    /// A value of the named type: from `value` where it fits, made up where
    /// it does not.
    fn named(&self, name: &str, value: Option<&Value>) -> Option<Json> {
        match self.version.types.get(name)? {
            TypeDef::Object(object) => {
                let map = match value {
                    Some(value) => Some(value.as_object()?),
                    None => None,
                };
                Some(self.object(&object.fields, map))
            }
            TypeDef::Enum(enum_def) => match value.and_then(Value::as_str) {
                Some(text) if enum_def.values.iter().any(|listed| listed.wire == text) => {
                    Some(Json::Plain(Value::String(text.to_owned())))
                }
                Some(_) => None,
                None => enum_def
                    .values
                    .first()
                    .map(|first| Json::Plain(Value::String(first.wire.clone()))),
            },
            TypeDef::Union(union) => {
                let kind = value.and_then(|value| value.get(&union.tag)?.as_str());
                let variant = match kind {
                    Some(kind) => union.variant(kind)?,
                    None => union.variants.first()?,
                };
                match &variant.payload {
                    Some(payload) => self.named(payload, value.filter(|value| value.is_object())),
                    None => Some(Json::Object(vec![(
                        union.tag.clone(),
                        Json::Plain(Value::String(variant.wire.clone())),
                    )])),
                }
            }
        }
    }

    /// A value for a required field nothing fits: its `example:`, else null
    /// when it may be null, else the simplest value of its type.
    fn made_up(&self, field: &Field) -> Json {
        let type_ref = match &field.kind {
            FieldKind::Const(constant) => return Json::Plain(Value::String(constant.clone())),
            FieldKind::Value(type_ref) => type_ref,
        };
        if let Some(example) = field.example.as_deref()
            && let Some(value) = self.example_value(type_ref, example)
        {
            return value;
        }
        if field.presence == Presence::Nullable {
            return Json::Plain(Value::Null);
        }
        self.simplest(type_ref)
    }

    /// A field's `example:` text as a value of its type, if it is one.
    fn example_value(&self, type_ref: &TypeRef, example: &str) -> Option<Json> {
        let value = match type_ref {
            TypeRef::Integer => Value::from(example.trim().parse::<i64>().ok()?),
            TypeRef::Boolean => Value::Bool(example.trim().parse().ok()?),
            TypeRef::String | TypeRef::Timestamp | TypeRef::Date => {
                Value::String(example.to_owned())
            }
            TypeRef::Named(name) => match self.version.types.get(name)? {
                TypeDef::Enum(_) => Value::String(example.to_owned()),
                _ => return None,
            },
            TypeRef::Map | TypeRef::Json | TypeRef::List(_) => return None,
        };
        self.value(type_ref, &value)
    }

    /// The simplest value of a type: the version's date for dates and
    /// timestamps, the first value of an enum, the required fields of an object.
    fn simplest(&self, type_ref: &TypeRef) -> Json {
        let date = &self.version.date;
        let value = match type_ref {
            TypeRef::String => Value::String(String::new()),
            TypeRef::Integer => Value::from(0),
            TypeRef::Boolean => Value::Bool(false),
            TypeRef::Timestamp => Value::String(format!("{date}T00:00:00Z")),
            TypeRef::Date => Value::String(date.clone()),
            TypeRef::Map | TypeRef::Json => Value::Object(Map::new()),
            TypeRef::List(_) => return Json::Array(Vec::new()),
            TypeRef::Named(name) => {
                return self.named(name, None).unwrap_or(Json::Plain(Value::Null));
            }
        };
        Json::Plain(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_print_in_the_order_they_were_built() {
        let json = Json::Object(vec![
            ("z".to_owned(), Json::Plain(Value::from(1))),
            (
                "a".to_owned(),
                Json::Array(vec![Json::Plain(Value::Null), Json::Object(Vec::new())]),
            ),
            ("m".to_owned(), Json::Array(Vec::new())),
        ]);
        let mut text = String::new();
        json.write_pretty(&mut text, 0);
        assert_eq!(
            text,
            "{\n  \"z\": 1,\n  \"a\": [\n    null,\n    {}\n  ],\n  \"m\": []\n}"
        );
    }
}
