//! The spec type a field takes from the values a payload shows for it.

use serde_json::Value;

use crate::dates;

/// What values say about a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `string`, `integer`, `boolean`, `timestamp` or `date`.
    Scalar(&'static str),
    List(Box<Shape>),
    /// An object's members, in the order first seen.
    Object(Vec<(String, Member)>),
    /// Too little to tell (an empty list or object): any other evidence wins.
    Unknown(&'static str),
    /// No spec type fits (a fraction, values of different types): `json`.
    Json(&'static str),
}

/// A field's shape, and whether it was seen `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub shape: Shape,
    pub nullable: bool,
}

impl Member {
    /// What `values` (all of one field) say together.
    pub fn of<'a>(values: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut member = Self {
            shape: Shape::Unknown("it is only ever null"),
            nullable: false,
        };
        let mut seen = false;
        for value in values {
            if value.is_null() {
                member.nullable = true;
                continue;
            }
            let shape = shape_of(value);
            member.shape = if seen {
                merge(member.shape, shape)
            } else {
                shape
            };
            seen = true;
        }
        member
    }

    /// Why the member is `json`, when it is.
    pub fn json_reason(&self) -> Option<&'static str> {
        match &self.shape {
            Shape::Unknown(reason) | Shape::Json(reason) => Some(reason),
            _ => None,
        }
    }
}

fn shape_of(value: &Value) -> Shape {
    match value {
        Value::Null => Shape::Unknown("it is only ever null"),
        Value::Bool(_) => Shape::Scalar("boolean"),
        Value::Number(number) if number.is_i64() => Shape::Scalar("integer"),
        Value::Number(number) if number.is_u64() => {
            Shape::Json("it is an integer beyond the range of i64")
        }
        Value::Number(_) => {
            Shape::Json("it is a number with a fraction, and the spec has no number type")
        }
        Value::String(text) if dates::is_timestamp(text) => Shape::Scalar("timestamp"),
        Value::String(text) if dates::is_version_date(text) => Shape::Scalar("date"),
        Value::String(_) => Shape::Scalar("string"),
        Value::Array(items) if items.is_empty() => Shape::Unknown("it is an empty list"),
        Value::Array(items) => {
            if items.iter().any(Value::is_null) {
                return Shape::Json("its list holds nulls");
            }
            let item = Member::of(items);
            match item.shape {
                Shape::Unknown(_) => Shape::Json("its list holds only empty values"),
                Shape::Json(reason) => Shape::Json(reason),
                shape => Shape::List(Box::new(shape)),
            }
        }
        Value::Object(map) if map.is_empty() => Shape::Unknown("it is an empty object"),
        Value::Object(map) => Shape::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), Member::of([value])))
                .collect(),
        ),
    }
}

/// One shape for two values of the same field.
fn merge(first: Shape, second: Shape) -> Shape {
    match (first, second) {
        (Shape::Unknown(_), other) | (other, Shape::Unknown(_)) => other,
        (Shape::Json(reason), _) | (_, Shape::Json(reason)) => Shape::Json(reason),
        (Shape::Scalar(a), Shape::Scalar(b)) if a == b => Shape::Scalar(a),
        (Shape::Scalar(a), Shape::Scalar(b))
            if [a, b]
                .iter()
                .all(|kind| matches!(*kind, "string" | "timestamp" | "date")) =>
        {
            Shape::Scalar("string")
        }
        (Shape::List(a), Shape::List(b)) => match merge(*a, *b) {
            Shape::Json(reason) => Shape::Json(reason),
            item => Shape::List(Box::new(item)),
        },
        (Shape::Object(mut members), Shape::Object(more)) => {
            for (key, member) in more {
                match members.iter_mut().find(|(known, _)| *known == key) {
                    Some((_, known)) => {
                        known.nullable |= member.nullable;
                        known.shape = merge(known.shape.clone(), member.shape);
                    }
                    None => members.push((key, member)),
                }
            }
            Shape::Object(members)
        }
        _ => Shape::Json("its values have different types"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shape(value: Value) -> Shape {
        Member::of([&value]).shape
    }

    #[test]
    fn scalars_take_the_narrowest_type_their_text_allows() {
        assert_eq!(shape(json!("x")), Shape::Scalar("string"));
        assert_eq!(
            shape(json!("2024-01-02T03:04:05Z")),
            Shape::Scalar("timestamp")
        );
        assert_eq!(shape(json!("2024-01-02")), Shape::Scalar("date"));
        assert_eq!(shape(json!(3)), Shape::Scalar("integer"));
        assert_eq!(shape(json!(false)), Shape::Scalar("boolean"));
        assert!(matches!(shape(json!(2.5)), Shape::Json(_)));
        assert!(matches!(shape(json!(u64::MAX)), Shape::Json(_)));
    }

    #[test]
    fn lists_merge_their_items_and_empty_values_say_nothing() {
        assert_eq!(
            shape(json!([{"a": 1}, {"a": null, "b": "x"}])),
            Shape::List(Box::new(Shape::Object(vec![
                (
                    "a".to_owned(),
                    Member {
                        shape: Shape::Scalar("integer"),
                        nullable: true
                    }
                ),
                (
                    "b".to_owned(),
                    Member {
                        shape: Shape::Scalar("string"),
                        nullable: false
                    }
                ),
            ])))
        );
        assert!(matches!(shape(json!([])), Shape::Unknown(_)));
        assert!(matches!(shape(json!({})), Shape::Unknown(_)));
        assert!(matches!(shape(json!([1, "a"])), Shape::Json(_)));
        assert!(matches!(shape(json!([1, null])), Shape::Json(_)));
        assert_eq!(
            shape(json!(["2024-01-02T03:04:05Z", "soon"])),
            Shape::List(Box::new(Shape::Scalar("string")))
        );
        let null = Member::of([&json!(null)]);
        assert!(null.nullable);
        assert!(null.json_reason().is_some());
    }
}
