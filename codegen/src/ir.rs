//! The resolved spec: what stage 2 hands to code emission. Every name is
//! checked, every reference points at a definition of the same version, and
//! every definition keeps the place it came from.

use std::collections::BTreeMap;

use crate::diagnostic::Span;

/// Every API version, oldest first.
#[derive(Debug, Clone)]
pub struct Spec {
    pub versions: Vec<Version>,
}

/// One API version, with every definition it has (inherited or its own).
#[derive(Debug, Clone)]
pub struct Version {
    /// The date, `2024-08-29`.
    pub date: String,
    /// The envelope's fields, including the `$data` and `$previous_data` placeholders.
    pub envelope: Vec<Field>,
    /// Objects and enums by Rust type name.
    pub types: BTreeMap<String, TypeDef>,
    /// Events, sorted by type.
    pub events: Vec<EventDef>,
}

impl Version {
    /// The module name, `v2024_08_29`.
    pub fn module(&self) -> String {
        format!("v{}", self.date.replace('-', "_"))
    }

    /// The cargo feature, `v2024-08-29`.
    pub fn feature(&self) -> String {
        format!("v{}", self.date)
    }

    /// The object with Rust name `rust_name`, if there is one.
    pub fn object(&self, rust_name: &str) -> Option<&ObjectDef> {
        match self.types.get(rust_name) {
            Some(TypeDef::Object(object)) => Some(object),
            _ => None,
        }
    }
}

/// A named type.
#[derive(Debug, Clone)]
pub enum TypeDef {
    Object(ObjectDef),
    Enum(EnumDef),
}

/// A JSON object type.
#[derive(Debug, Clone)]
pub struct ObjectDef {
    /// The name in the spec, `eSimProfile`.
    pub spec_name: String,
    /// The Rust type name, `ESimProfile`.
    pub rust_name: String,
    pub description: String,
    pub fields: Vec<Field>,
    pub span: Span,
}

/// One field of an object or of the envelope.
#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON key.
    pub wire_name: String,
    /// The Rust field name, already safe (`type_` for `type`).
    pub rust_name: String,
    pub kind: FieldKind,
    pub required: bool,
    pub nullable: bool,
    pub deprecated: Option<String>,
    pub preview: bool,
    pub description: String,
    pub example: Option<String>,
    pub span: Span,
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Always this string; not stored, written on serialization.
    Const(String),
    /// The envelope's `type`: the event type, constant per event.
    EventType,
    /// The envelope's `data`: the event's object.
    Data,
    /// The envelope's `previousData`: the partial type of the event's object.
    PreviousData,
    /// A value of this type.
    Value(TypeRef),
}

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Integer,
    Boolean,
    Timestamp,
    Date,
    /// String keys to string values.
    Map,
    List(Box<TypeRef>),
    /// An object or enum, by Rust type name.
    Named(String),
}

impl TypeRef {
    /// The object or enum this type refers to, directly or through lists.
    pub fn named(&self) -> Option<&str> {
        match self {
            Self::Named(name) => Some(name),
            Self::List(item) => item.named(),
            _ => None,
        }
    }
}

/// An open enum of strings.
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub rust_name: String,
    pub description: String,
    pub values: Vec<EnumValue>,
    pub span: Span,
}

/// One value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    pub rust_name: String,
    pub description: Option<String>,
}

/// One event type.
#[derive(Debug, Clone)]
pub struct EventDef {
    /// `com.gigs.plan.updated`.
    pub event_type: String,
    /// The struct and variant name, `PlanUpdated`.
    pub rust_name: String,
    /// The Rust name of the object in `data`.
    pub data: String,
    pub previous_data: bool,
    pub description: String,
    pub deprecated: Option<String>,
    pub example: Option<Example>,
    pub span: Span,
}

/// An example payload and where it is written.
#[derive(Debug, Clone)]
pub struct Example {
    pub json: String,
    pub span: Span,
}

impl EventDef {
    /// The name of the partial type of previous values, `PlanPreviousData`.
    pub fn previous_data_type(&self) -> Option<String> {
        self.previous_data
            .then(|| previous_data_type_name(&self.data))
    }
}

/// The partial type of previous values of the object `object`.
pub fn previous_data_type_name(object: &str) -> String {
    format!("{object}PreviousData")
}
