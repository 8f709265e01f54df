//! The resolved spec: what stage 2 hands to every later stage. It is
//! finished: every name is checked, every reference points at a definition
//! of the same version, every event has its complete list of fields, and the
//! partial types of previous values are ordinary objects. Emit, the payload
//! checker and the version diff only read it.

use std::collections::BTreeMap;
use std::path::PathBuf;

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
    /// The envelope fields that are the same for every event: all but the
    /// event's `type`, its `data` and its previous values.
    pub envelope: Vec<Field>,
    /// The envelope members that hold the event's object and its previous
    /// values (`data`, `previousData`): what an event's schema covers.
    pub payload_members: Vec<String>,
    /// Objects, enums and unions by Rust type name.
    pub types: BTreeMap<String, TypeDef>,
    /// Events, sorted by type.
    pub events: Vec<EventDef>,
    /// The latest file up to this version that defines or patches the
    /// envelope: where a member it lacks is added.
    pub envelope_file: PathBuf,
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
    Union(UnionDef),
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
    /// Whether the spec defines it, or the generator derived it.
    pub origin: ObjectOrigin,
    pub span: Span,
    /// The latest file up to this version that defines or patches it (for a
    /// union's kind, the union's file): where a field it lacks is added.
    pub last_changed_in: PathBuf,
}

/// Where an object comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectOrigin {
    /// An object file of the spec.
    Spec,
    /// The previous values of the object with this Rust name, in
    /// `previousData`: its value fields, each of them optional.
    PreviousValues(String),
    /// The members of one kind of the union with this Rust name, its tag
    /// first (a constant).
    UnionVariant(String),
}

/// One field of an object, an event or the envelope.
#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON key.
    pub wire_name: String,
    /// The Rust field name, already safe (`type_` for `type`).
    pub rust_name: String,
    pub kind: FieldKind,
    pub presence: Presence,
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
    /// A value of this type.
    Value(TypeRef),
}

/// Whether a field's key may be absent and whether its value may be `null`:
/// the one place the spec's `required` and `nullable` are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always there, never null: `T`.
    Always,
    /// Always there, may be null: `Option<T>`, serialized as `null`.
    Nullable,
    /// May be absent, never null: `Option<T>`, omitted when `None`.
    Optional,
    /// May be absent or null: `Option<Option<T>>`.
    OptionalNullable,
}

impl Presence {
    /// The presence the spec's two flags describe.
    pub fn from_flags(required: bool, nullable: bool) -> Self {
        match (required, nullable) {
            (true, false) => Self::Always,
            (true, true) => Self::Nullable,
            (false, false) => Self::Optional,
            (false, true) => Self::OptionalNullable,
        }
    }

    /// Whether the key must be present.
    pub fn is_required(self) -> bool {
        matches!(self, Self::Always | Self::Nullable)
    }

    /// Whether the value may be `null`.
    pub fn is_nullable(self) -> bool {
        matches!(self, Self::Nullable | Self::OptionalNullable)
    }

    /// The same nullability, with the key allowed to be absent.
    pub fn made_optional(self) -> Self {
        Self::from_flags(false, self.is_nullable())
    }
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
    /// Any JSON value, kept as it is: for members whose shape the docs do
    /// not describe.
    Json,
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
    /// Where its values are listed.
    pub span: Span,
    pub source: EnumSource,
}

/// Where an enum is defined: where a value it lacks is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumSource {
    /// An enum file; the latest file up to this version that defines or
    /// patches it.
    Named { last_changed_in: PathBuf },
    /// A field's `enum:` list, at the enum's span.
    Inline,
}

/// One value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    pub rust_name: String,
    pub description: Option<String>,
}

/// A tagged union: a JSON object whose tag member says which kind it is,
/// and so which other members it has. Open: kinds it does not list are kept.
#[derive(Debug, Clone)]
pub struct UnionDef {
    /// The name in the spec, `actor`.
    pub spec_name: String,
    /// The Rust type name, `Actor`.
    pub rust_name: String,
    pub description: String,
    /// The member holding the kind, `type`.
    pub tag: String,
    pub variants: Vec<UnionVariant>,
    pub span: Span,
}

/// One kind of a tagged union.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The tag's value, `apiKey`.
    pub wire: String,
    /// The Rust variant name, `ApiKey`.
    pub rust_name: String,
    pub description: String,
    /// The object of its members, tag included, when it has members besides
    /// the tag (`ActorApiKey`); a kind with none is a unit variant.
    pub payload: Option<String>,
}

impl UnionDef {
    /// The kind whose tag value is `wire`.
    pub fn variant(&self, wire: &str) -> Option<&UnionVariant> {
        self.variants.iter().find(|variant| variant.wire == wire)
    }
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
    /// The Rust name of the object in `previousData`, when the event has it.
    pub previous_data: Option<String>,
    pub description: String,
    pub deprecated: Option<String>,
    /// The envelope's fields, with the event's `type`, `data` and
    /// `previousData` filled in: the event struct's fields.
    pub fields: Vec<Field>,
    pub example: Option<Example>,
    pub span: Span,
}

/// An event's example payload in one version.
#[derive(Debug, Clone)]
pub struct Example {
    /// The payload: as written when `written_for` is this version, otherwise
    /// derived from the written one for this version.
    pub json: String,
    /// Where the written example is.
    pub span: Span,
    /// The version the written example shows.
    pub written_for: String,
}
