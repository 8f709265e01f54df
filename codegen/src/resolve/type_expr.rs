//! What a field's `type:` says: a primitive, a list, a name, or one of the
//! envelope's placeholders.

use crate::ir::TypeRef;

/// A type expression as written in `type:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TypeExpr {
    Data,
    PreviousData,
    Value(ValueExpr),
}

/// A type a value can have, before names are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ValueExpr {
    Primitive(TypeRef),
    List(Box<ValueExpr>),
    Name(String),
}

/// Reads a `type:`, or says why it is not a type.
pub(super) fn parse_type_expr(text: &str) -> Result<TypeExpr, String> {
    match text.trim() {
        "$data" => Ok(TypeExpr::Data),
        "$previous_data" => Ok(TypeExpr::PreviousData),
        other => parse_value_expr(other).map(TypeExpr::Value),
    }
}

/// A value type: `string`, `list<plan>`, `plan`, …
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
        "json" => TypeRef::Json,
        "" => return Err("the type is empty".to_owned()),
        name if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            return Ok(ValueExpr::Name(name.to_owned()));
        }
        other => return Err(format!("`{other}` is not a type")),
    };
    Ok(ValueExpr::Primitive(primitive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_lists_names_and_placeholders() {
        assert_eq!(
            parse_type_expr(" list<list<simType>> "),
            Ok(TypeExpr::Value(ValueExpr::List(Box::new(ValueExpr::List(
                Box::new(ValueExpr::Name("simType".to_owned()))
            )))))
        );
        assert_eq!(
            parse_type_expr("timestamp"),
            Ok(TypeExpr::Value(ValueExpr::Primitive(TypeRef::Timestamp)))
        );
        assert_eq!(parse_type_expr("$data"), Ok(TypeExpr::Data));
        assert_eq!(
            parse_type_expr("$previous_data"),
            Ok(TypeExpr::PreviousData)
        );
    }

    #[test]
    fn what_is_not_a_type_says_so() {
        assert_eq!(parse_type_expr(""), Err("the type is empty".to_owned()));
        assert_eq!(
            parse_type_expr("list<int"),
            Err("`list<int` is not a type".to_owned())
        );
        assert_eq!(
            parse_type_expr("map<string>"),
            Err("`map<string>` is not a type".to_owned())
        );
    }
}
