//! The plain-derive baseline: one API version rendered as the types a user
//! would write by hand, or get from a JSON Schema generator, so that what
//! the generated crate costs to compile can be compared with what the types
//! themselves cost.
//!
//! Every struct derives `Debug`, `Clone`, `PartialEq`, `Serialize` and
//! `Deserialize`; optional and nullable fields are `Option`s; enums are
//! closed; unions and the events are internally tagged enums. There are no
//! hand-written impls, no docs and no deprecations, and constant members
//! are not stored (serde skips members a struct does not name). One function
//! reads a body into the event enum with serde_json, as a user's code would:
//! without a caller, a library compiles none of the derived reading, which
//! is generic over the deserializer. It is not part of the crate and is
//! never written by `cargo xtask regen`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::types::{ident, value_type};
use crate::ir::{EnumDef, Field, FieldKind, ObjectDef, Presence, TypeDef, UnionDef, Version};

/// The member every event names its type with.
const EVENT_TAG: &str = "type";

/// The source of a crate's `lib.rs` holding `version` as plain derives; the
/// error means the renderer produced invalid Rust, a bug in the generator.
pub fn plain_derive(version: &Version) -> Result<String, String> {
    let types = version.types.values().map(|definition| match definition {
        TypeDef::Object(object) => object_tokens(object),
        TypeDef::Enum(definition) => enum_tokens(definition),
        TypeDef::Union(union) => union_tokens(union),
    });
    let events = version
        .events
        .iter()
        .map(|event| struct_tokens(&event.rust_name, &event.fields));
    let variants = version.events.iter().map(|event| {
        let name = ident(&event.rust_name);
        let wire = &event.event_type;
        quote!(#[serde(rename = #wire)] #name(#name),)
    });
    let date = format!(
        " Gigs API version {} as plain serde derives: the compile-time baseline of `gigs-events`.",
        version.date
    );
    let tokens = quote! {
        #![doc = #date]
        #![allow(clippy::large_enum_variant)]

        use ::serde::{Deserialize, Serialize};

        #(#types)*
        #(#events)*

        /// Any event of this version, told apart by its `type`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = #EVENT_TAG)]
        pub enum Event {
            #(#variants)*
        }

        /// Reads a webhook body.
        pub fn from_json(body: &[u8]) -> ::serde_json::Result<Event> {
            ::serde_json::from_slice(body)
        }
    };
    let parsed: syn::File = syn::parse2(tokens)
        .map_err(|error| format!("the baseline renderer produced invalid Rust: {error}"))?;
    Ok(prettyplease::unparse(&parsed))
}

fn object_tokens(object: &ObjectDef) -> TokenStream {
    struct_tokens(&object.rust_name, &object.fields)
}

fn struct_tokens(rust_name: &str, fields: &[Field]) -> TokenStream {
    let name = ident(rust_name);
    let fields = fields.iter().filter_map(|field| {
        let FieldKind::Value(type_ref) = &field.kind else {
            return None;
        };
        let value = value_type(type_ref);
        let field_name = ident(&field.rust_name);
        let wire = &field.wire_name;
        let mut serde_args = Vec::new();
        if field.wire_name != field.rust_name {
            serde_args.push(quote!(rename = #wire));
        }
        let field_type = match field.presence {
            Presence::Always => value,
            Presence::Nullable => quote!(Option<#value>),
            Presence::Optional | Presence::OptionalNullable => {
                serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
                quote!(Option<#value>)
            }
        };
        let attr = if serde_args.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[serde(#(#serde_args),*)])
        };
        Some(quote!(#attr pub #field_name: #field_type,))
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct #name {
            #(#fields)*
        }
    }
}

fn enum_tokens(definition: &EnumDef) -> TokenStream {
    let name = ident(&definition.rust_name);
    let variants = definition.values.iter().map(|value| {
        let variant = ident(&value.rust_name);
        let wire = &value.wire;
        quote!(#[serde(rename = #wire)] #variant,)
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn union_tokens(union: &UnionDef) -> TokenStream {
    let name = ident(&union.rust_name);
    let tag = &union.tag;
    let variants = union.variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let wire = &variant.wire;
        match &variant.payload {
            Some(payload) => {
                let payload = ident(payload);
                quote!(#[serde(rename = #wire)] #variant_name(#payload),)
            }
            None => quote!(#[serde(rename = #wire)] #variant_name,),
        }
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = #tag)]
        pub enum #name {
            #(#variants)*
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_newest_version_renders_as_plain_derives() {
        let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let spec = crate::load_and_resolve(&spec_dir).unwrap_or_else(|error| panic!("{error}"));
        let newest = spec.versions.last().expect("the spec has versions");
        let rendered = plain_derive(newest);
        let source = rendered.as_deref().unwrap_or_default();
        assert!(rendered.is_ok(), "{rendered:?}");
        assert!(
            !source.contains("impl "),
            "hand-written impls in:\n{source}"
        );
        assert!(source.contains("#[serde(tag = \"type\")]\npub enum Event {"));
        assert_eq!(
            source
                .matches("#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]")
                .count(),
            newest.types.len() + newest.events.len() + 1
        );
        assert!(source.contains(
            "#[serde(rename = \"com.gigs.plan.updated\")]\n    PlanUpdated(PlanUpdated),"
        ));
    }
}
