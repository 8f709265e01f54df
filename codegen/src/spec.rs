//! The spec files as written: one serde type per kind of file.
//!
//! Every key is checked (`deny_unknown_fields`), and every value a later
//! stage may complain about keeps its position (`Spanned`).

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// `versions.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionsFile {
    pub versions: Vec<Spanned<String>>,
}

/// An object file, or the envelope: a complete definition (`description`
/// and `fields`) or, in a later version, a `patch` of the previous one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectFile {
    pub description: Option<Spanned<String>>,
    pub fields: Option<OrderedMap<FieldSpec>>,
    pub patch: Option<ObjectPatch>,
}

/// The changes a later version makes to an object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectPatch {
    pub description: Option<Spanned<String>>,
    pub set: Option<OrderedMap<FieldSpec>>,
    pub remove: Option<Vec<Spanned<String>>>,
}

/// One field of an object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(rename = "type")]
    pub type_expr: Option<Spanned<String>>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Spanned<Vec<Spanned<EnumValueSpec>>>>,
    pub enum_name: Option<Spanned<String>>,
    #[serde(rename = "const")]
    pub const_value: Option<Spanned<String>>,
    pub required: Option<bool>,
    pub nullable: Option<bool>,
    pub deprecated: Option<Spanned<String>>,
    pub preview: Option<bool>,
    pub description: Option<Spanned<String>>,
    pub example: Option<String>,
    pub rust_name: Option<Spanned<String>>,
}

/// A named enum file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumFile {
    pub description: Option<Spanned<String>>,
    pub values: Option<Spanned<Vec<Spanned<EnumValueSpec>>>>,
    pub patch: Option<EnumPatch>,
}

/// The changes a later version makes to a named enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumPatch {
    pub description: Option<Spanned<String>>,
    pub add: Option<Vec<Spanned<EnumValueSpec>>>,
    pub remove: Option<Vec<Spanned<String>>>,
}

/// One enum value: the plain value, or the value with its docs and Rust name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValueSpec {
    pub value: String,
    pub description: Option<String>,
    pub rust_name: Option<String>,
}

/// The long form of an enum value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnumValueMap {
    value: String,
    description: Option<String>,
    rust_name: Option<String>,
}

impl<'de> Deserialize<'de> for EnumValueSpec {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnumValueVisitor;

        impl<'de> Visitor<'de> for EnumValueVisitor {
            type Value = EnumValueSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an enum value, or a mapping with `value`, `description` and `rust_name`",
                )
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<EnumValueSpec, E> {
                Ok(EnumValueSpec {
                    value: value.to_owned(),
                    description: None,
                    rust_name: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EnumValueSpec, A::Error> {
                let long = EnumValueMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(EnumValueSpec {
                    value: long.value,
                    description: long.description,
                    rust_name: long.rust_name,
                })
            }
        }

        deserializer.deserialize_any(EnumValueVisitor)
    }
}

/// A tagged union file: a JSON object whose members depend on its tag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionFile {
    pub description: Option<Spanned<String>>,
    /// The member holding the kind, such as `type`.
    pub tag: Spanned<String>,
    /// Each kind by its tag value, with the members it has besides the tag.
    pub variants: OrderedMap<VariantSpec>,
}

/// One kind of a tagged union.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub description: Option<Spanned<String>>,
    pub fields: Option<OrderedMap<FieldSpec>>,
    pub rust_name: Option<Spanned<String>>,
}

/// An event file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    #[serde(rename = "type")]
    pub event_type: Spanned<String>,
    pub data: Spanned<String>,
    pub previous_data: Option<Spanned<bool>>,
    pub description: Spanned<String>,
    pub deprecated: Option<Spanned<String>>,
    pub example: Option<Spanned<String>>,
}

/// `removed.yaml` in a later version.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovedFile {
    #[serde(default)]
    pub objects: Vec<Spanned<String>>,
    #[serde(default)]
    pub enums: Vec<Spanned<String>>,
    #[serde(default)]
    pub unions: Vec<Spanned<String>>,
    #[serde(default)]
    pub events: Vec<Spanned<String>>,
}

/// A YAML mapping that keeps its keys' order and positions.
///
/// Duplicate keys never reach it: the YAML parser rejects them first.
#[derive(Debug, Clone)]
pub struct OrderedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedMapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedMapVisitor<V> {
            type Value = OrderedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(OrderedMapVisitor(PhantomData))
    }
}
