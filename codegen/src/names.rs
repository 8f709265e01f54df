//! Rust names for spec names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves, in any edition we target: a field with one of these
/// names gets a trailing underscore (`type_`), as `self` and `crate` cannot be
/// raw identifiers and one rule is easier to remember than two.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The enum of a version's events, a name the generated code takes in every
/// version.
pub const EVENT_ENUM: &str = "Event";

/// The generic envelope event structs are read through, also taken in every
/// version.
pub const EVENT_ENVELOPE: &str = "EventEnvelope";

/// The trait giving each event type its documented example in a version,
/// also taken in every version.
pub const EXAMPLE_TRAIT: &str = "Example";

/// Every Rust type name the generated code takes in every version module.
pub const RESERVED: [&str; 3] = [EVENT_ENUM, EVENT_ENVELOPE, EXAMPLE_TRAIT];

/// The Rust field name for a JSON key: `simTypes` → `sim_types`,
/// `user.fullName` → `user_full_name`, `type` → `type_`.
pub fn field_name(wire: &str) -> String {
    escape_keyword(wire.to_snake_case())
}

/// The Rust type name for a spec name: `eSimProfile` → `ESimProfile`.
pub fn type_name(spec_name: &str) -> String {
    escape_keyword(spec_name.to_upper_camel_case())
}

/// The Rust variant name for an enum value: `feature-phone` → `FeaturePhone`.
pub fn variant_name(value: &str) -> String {
    escape_keyword(value.to_upper_camel_case())
}

/// The file and module name for a Rust type name: `ESimProfile` → `e_sim_profile`.
pub fn module_name(rust_type: &str) -> String {
    escape_keyword(rust_type.to_snake_case())
}

fn escape_keyword(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

/// Whether `name` can be written as a Rust identifier as it is.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic());
    starts_well && chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) && name != "_"
}

/// Whether `name` is UpperCamelCase, as a type or variant name must be.
pub fn is_upper_camel(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// Whether `name` is snake_case, as a field name must be.
pub fn is_snake(name: &str) -> bool {
    is_identifier(name) && !name.chars().any(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_become_rust_names() {
        assert_eq!(field_name("simTypes"), "sim_types");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(type_name("eSimProfile"), "ESimProfile");
        assert_eq!(type_name("user.address.created"), "UserAddressCreated");
        assert_eq!(variant_name("feature-phone"), "FeaturePhone");
        assert_eq!(variant_name("eSIM"), "ESim");
        assert_eq!(module_name("ESimProfile"), "e_sim_profile");
    }

    #[test]
    fn name_shapes_are_checked() {
        assert!(is_upper_camel("Plan") && !is_upper_camel("plan") && !is_upper_camel("Plan_2"));
        assert!(is_snake("plan_id") && !is_snake("planId"));
        assert!(!is_identifier("5g") && !is_identifier("_") && !is_identifier("a-b"));
    }
}
