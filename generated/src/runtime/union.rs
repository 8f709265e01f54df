//! Tagged unions: JSON objects whose tag member (such as `type`) says which
//! kind they are, and so which other members they have.
//!
//! Reading one never buffers more than it must: when the tag comes first, as
//! Gigs writes it, the kind's members are read straight from the input, so
//! an error inside them names its full JSON path. Only a tag written later
//! makes the members wait, as raw JSON, until the kind is known.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A tagged union the generated code defines: its name, its tag and its
/// kinds, and how to read a listed kind from the members after the tag.
pub trait TaggedUnion: Sized {
    /// The union's name in the spec, for messages.
    const NAME: &'static str;
    /// The member holding the kind.
    const TAG: &'static str;
    /// Every kind the spec lists.
    const KINDS: &'static [&'static str];

    /// Reads the listed kind `kind` from the object's other members.
    fn listed<'de, D: Deserializer<'de>>(kind: &str, members: D) -> Result<Self, D::Error>;

    /// Keeps a kind the spec does not list.
    fn unrecognized(raw: RawVariant) -> Self;
}

/// A member of a tagged union whose kind this crate does not know, kept
/// whole as received: serializing it writes the same JSON back.
#[derive(Clone)]
pub struct RawVariant {
    kind: String,
    json: Box<RawValue>,
}

impl RawVariant {
    /// The kind, as the tag names it.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The whole object as received.
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// Parses the object into a type of the caller's, such as a
    /// `serde_json::Value` or a struct for a kind the crate does not know yet.
    pub fn deserialize_into<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.json.get())
    }
}

impl fmt::Debug for RawVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawVariant")
            .field("kind", &self.kind)
            .field("json", &self.json.get())
            .finish()
    }
}

impl PartialEq for RawVariant {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.json.get() == other.json.get()
    }
}

impl Eq for RawVariant {}

impl Serialize for RawVariant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// Reads a tagged union `U`; for serde_json deserializers, which can keep
/// members as raw JSON.
pub fn deserialize_union<'de, D, U>(deserializer: D) -> Result<U, D::Error>
where
    D: Deserializer<'de>,
    U: TaggedUnion,
{
    deserializer.deserialize_map(UnionVisitor(PhantomData))
}

struct UnionVisitor<U>(PhantomData<U>);

impl<'de, U: TaggedUnion> Visitor<'de> for UnionVisitor<U> {
    type Value = U;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object with a `{}` member", U::NAME, U::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field(U::TAG));
        };
        if first == U::TAG {
            let kind: String = map.next_value()?;
            if U::KINDS.contains(&kind.as_str()) {
                return U::listed(&kind, MapAccessDeserializer::new(map));
            }
            let tag = raw_json(&kind).map_err(de::Error::custom)?;
            let mut members = vec![(first, tag)];
            while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
                members.push(member);
            }
            return raw_variant(kind, &members)
                .map(U::unrecognized)
                .map_err(de::Error::custom);
        }
        let mut members: Vec<(String, Box<RawValue>)> = vec![(first, map.next_value()?)];
        while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
            members.push(member);
        }
        let Some((_, tag)) = members.iter().find(|(key, _)| key == U::TAG) else {
            return Err(de::Error::missing_field(U::TAG));
        };
        let kind: String = serde_json::from_str(tag.get())
            .map_err(|error| de::Error::custom(format_args!("`{}`: {error}", U::TAG)))?;
        if !U::KINDS.contains(&kind.as_str()) {
            return raw_variant(kind, &members)
                .map(U::unrecognized)
                .map_err(de::Error::custom);
        }
        let text = object_text(&members);
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        U::listed(&kind, &mut deserializer).map_err(de::Error::custom)
    }
}

/// `value` as a JSON text of its own.
fn raw_json(value: &str) -> serde_json::Result<Box<RawValue>> {
    serde_json::value::to_raw_value(value)
}

/// The object made of `members`, in their order.
fn object_text(members: &[(String, Box<RawValue>)]) -> String {
    let mut text = String::from("{");
    for (index, (key, value)) in members.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        // A key read from JSON always writes back as JSON.
        text.push_str(&serde_json::to_string(key).unwrap_or_default());
        text.push(':');
        text.push_str(value.get());
    }
    text.push('}');
    text
}

fn raw_variant(
    kind: String,
    members: &[(String, Box<RawValue>)],
) -> serde_json::Result<RawVariant> {
    let json = RawValue::from_string(object_text(members))?;
    Ok(RawVariant { kind, json })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    /// `{"type": "a", "n": 1}` or `{"type": "b"}`.
    #[derive(Debug, PartialEq)]
    enum Shape {
        A(A),
        B,
        Unrecognized(RawVariant),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct A {
        n: i64,
    }

    impl TaggedUnion for Shape {
        const NAME: &'static str = "shape";
        const TAG: &'static str = "type";
        const KINDS: &'static [&'static str] = &["a", "b"];

        fn listed<'de, D: Deserializer<'de>>(kind: &str, members: D) -> Result<Self, D::Error> {
            match kind {
                "a" => A::deserialize(members).map(Self::A),
                "b" => de::IgnoredAny::deserialize(members).map(|_| Self::B),
                other => Err(de::Error::unknown_variant(other, Self::KINDS)),
            }
        }

        fn unrecognized(raw: RawVariant) -> Self {
            Self::Unrecognized(raw)
        }
    }

    impl<'de> Deserialize<'de> for Shape {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_union(deserializer)
        }
    }

    fn parse(json: &str) -> Result<Shape, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn the_tag_may_come_first_or_last() {
        assert_eq!(parse(r#"{"type":"a","n":1}"#), Ok(Shape::A(A { n: 1 })));
        assert_eq!(parse(r#"{"n":2,"type":"a"}"#), Ok(Shape::A(A { n: 2 })));
        assert_eq!(parse(r#"{"type":"b","extra":[1]}"#), Ok(Shape::B));
        assert_eq!(parse(r#"{"extra":{},"type":"b"}"#), Ok(Shape::B));
    }

    #[test]
    fn an_unknown_kind_is_kept_as_received() {
        let Ok(Shape::Unrecognized(raw)) = parse(r#"{"type":"c", "c": {"x": [1, null]}}"#) else {
            panic!("not kept");
        };
        assert_eq!(raw.kind(), "c");
        assert_eq!(raw.json().get(), r#"{"type":"c","c":{"x": [1, null]}}"#);
        let Ok(Shape::Unrecognized(later)) = parse(r#"{"c":true,"type":"c"}"#) else {
            panic!("not kept");
        };
        assert_eq!(later.json().get(), r#"{"c":true,"type":"c"}"#);
    }

    #[test]
    fn a_bad_member_of_a_known_kind_is_an_error() {
        let first = parse(r#"{"type":"a","n":"1"}"#).unwrap_err();
        assert!(
            first.starts_with("invalid type: string \"1\", expected i64"),
            "{first}"
        );
        let later = parse(r#"{"n":"1","type":"a"}"#).unwrap_err();
        assert!(
            later.starts_with("invalid type: string \"1\", expected i64"),
            "{later}"
        );
        let missing = parse(r#"{"type":"a"}"#).unwrap_err();
        assert!(missing.starts_with("missing field `n`"), "{missing}");
    }

    #[test]
    fn the_tag_must_be_there_and_a_string() {
        let missing = parse(r#"{"n":1}"#).unwrap_err();
        assert!(missing.starts_with("missing field `type`"), "{missing}");
        let empty = parse("{}").unwrap_err();
        assert!(empty.starts_with("missing field `type`"), "{empty}");
        let number = parse(r#"{"type":1}"#).unwrap_err();
        assert!(number.starts_with("invalid type: integer `1`"), "{number}");
        let not_an_object = parse("[]").unwrap_err();
        assert!(not_an_object.contains("a shape object"), "{not_an_object}");
    }
}
