//! Tokens for one type definition: a struct with its `Serialize` impl, or an
//! open enum with its conversions.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::ir::{EnumDef, Field, FieldKind, Presence, TypeRef, UnionDef};

/// A struct to generate: an object, an event, or a partial type of previous values.
#[derive(Debug)]
pub struct StructDef<'a> {
    pub rust_name: &'a str,
    pub docs: Vec<String>,
    pub deprecated: Option<&'a str>,
    pub fields: &'a [Field],
    /// Extra items for the `impl` block, such as `const TYPE`.
    pub inherent: TokenStream,
    /// A `Deserialize` impl written for the struct; `None` derives one.
    pub deserialize: Option<TokenStream>,
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc = "..."]` attributes, one per line, as `///` comments render.
pub fn doc_attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().flat_map(|paragraph| {
        if paragraph.is_empty() {
            vec![String::new()]
        } else {
            paragraph.lines().map(str::to_owned).collect()
        }
    });
    let attrs = lines.map(|line| {
        let line = if line.is_empty() {
            line
        } else {
            format!(" {line}")
        };
        let line = doc_literal(&line);
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// A doc line as a string literal, raw unless it cannot be: it renders as
/// the same `///` line, and a raw literal is neither escaped here nor
/// unescaped when parsed back, which for the example payloads in the docs
/// is a good part of the generator's time.
pub fn doc_literal(line: &str) -> Literal {
    let hashes = if line.contains('"') {
        "#".repeat(line.matches('#').count() + 1)
    } else {
        String::new()
    };
    format!("r{hashes}\"{line}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(line))
}

/// `#[deprecated]`, with its note when there is one.
pub fn deprecated_attr(note: Option<&str>) -> TokenStream {
    match note {
        Some(note) if !note.is_empty() => quote!(#[deprecated(note = #note)]),
        Some(_) => quote!(#[deprecated]),
        None => TokenStream::new(),
    }
}

/// The Rust type of a value.
pub fn value_type(type_ref: &TypeRef) -> TokenStream {
    match type_ref {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Timestamp => quote!(::jiff::Timestamp),
        TypeRef::Date => quote!(::jiff::civil::Date),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Map => quote!(
            ::std::collections::BTreeMap<::std::string::String, ::std::string::String>
        ),
        TypeRef::List(item) => {
            let item = value_type(item);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The type of a field holding `value`, as its presence makes it.
pub fn presence_type(value: TokenStream, presence: Presence) -> TokenStream {
    match presence {
        Presence::Always => value,
        Presence::Nullable | Presence::Optional => quote!(::std::option::Option<#value>),
        Presence::OptionalNullable => {
            quote!(::std::option::Option<::std::option::Option<#value>>)
        }
    }
}

/// The `#[serde(...)]` attribute of a field of type `type_ref` for a derived
/// `Deserialize`, if it needs one.
fn serde_attr(field: &Field, type_ref: &TypeRef) -> TokenStream {
    let wire = &field.wire_name;
    let mut serde_args = Vec::new();
    if field.wire_name != field.rust_name {
        serde_args.push(quote!(rename = #wire));
    }
    let deserializer = Reader::of(type_ref, field.presence).map(Reader::function);
    // serde reads an absent `Option` field as `None` by itself only when
    // the field has no `deserialize_with`.
    let absent_is_none = match field.presence {
        Presence::Always => false,
        Presence::Nullable => deserializer.is_some(),
        Presence::Optional | Presence::OptionalNullable => true,
    };
    if absent_is_none {
        serde_args.push(quote!(default));
    }
    if let Some(deserializer) = deserializer {
        serde_args.push(quote!(deserialize_with = #deserializer));
    }
    if serde_args.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(#(#serde_args),*)])
    }
}

/// How a field's value is read when not by its type's own `Deserialize`:
/// timestamps through the runtime's fast path, and values for which absent
/// and `null` differ. Timestamps in lists keep jiff's `Deserialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Timestamp,
    OptionalTimestamp,
    NullableTimestamp,
    Nullable,
}

impl Reader {
    /// The reader of a field of `type_ref` with `presence`, if it needs one.
    pub fn of(type_ref: &TypeRef, presence: Presence) -> Option<Self> {
        match (type_ref, presence) {
            (TypeRef::Timestamp, Presence::Always) => Some(Self::Timestamp),
            (TypeRef::Timestamp, Presence::Nullable | Presence::Optional) => {
                Some(Self::OptionalTimestamp)
            }
            (TypeRef::Timestamp, Presence::OptionalNullable) => Some(Self::NullableTimestamp),
            (_, Presence::OptionalNullable) => Some(Self::Nullable),
            _ => None,
        }
    }

    /// The runtime function a derived `Deserialize` calls for it.
    fn function(self) -> &'static str {
        match self {
            Self::Timestamp => "crate::__private::deserialize_timestamp",
            Self::OptionalTimestamp => "crate::__private::deserialize_optional_timestamp",
            Self::NullableTimestamp => "crate::__private::deserialize_nullable_timestamp",
            Self::Nullable => "crate::__private::deserialize_nullable",
        }
    }
}

/// The docs of a field: its description, then what the flags mean for users.
fn field_docs(field: &Field) -> Vec<String> {
    let mut docs = vec![field.description.clone()];
    if field.preview {
        docs.push(String::new());
        docs.push(
            "**Preview**: this field is a preview feature of the Gigs API and may change at any time."
                .to_owned(),
        );
    }
    if let Some(example) = &field.example {
        docs.push(String::new());
        docs.push(format!("Example: `{example}`"));
    }
    match field.presence {
        Presence::Always | Presence::Nullable => {}
        Presence::Optional => {
            docs.push(String::new());
            docs.push("`None` when the field is absent.".to_owned());
        }
        Presence::OptionalNullable => {
            docs.push(String::new());
            docs.push(
                "`None` when the field is absent, `Some(None)` when it is `null`.".to_owned(),
            );
        }
    }
    docs
}

pub fn struct_tokens(def: &StructDef<'_>) -> TokenStream {
    let name = ident(def.rust_name);
    let docs = doc_attrs(&def.docs);
    let deprecated = deprecated_attr(def.deprecated);
    let stored: Vec<&Field> = def
        .fields
        .iter()
        .filter(|field| matches!(field.kind, FieldKind::Value(_)))
        .collect();
    let field_defs = stored.iter().map(|field| {
        let FieldKind::Value(type_ref) = &field.kind else {
            return TokenStream::new();
        };
        let field_name = ident(&field.rust_name);
        let docs = doc_attrs(&field_docs(field));
        let deprecated = deprecated_attr(field.deprecated.as_deref());
        let rust_type = presence_type(value_type(type_ref), field.presence);
        let serde_attr = if def.deserialize.is_some() {
            TokenStream::new()
        } else {
            serde_attr(field, type_ref)
        };
        quote! {
            #docs
            #deprecated
            #serde_attr
            pub #field_name: #rust_type,
        }
    });
    let serialize = serialize_impl(def, &name);
    let inherent = if def.inherent.is_empty() {
        TokenStream::new()
    } else {
        let body = &def.inherent;
        quote!(impl #name { #body })
    };
    let (derive_deserialize, deserialize) = match &def.deserialize {
        Some(written) => (TokenStream::new(), written.clone()),
        None => (quote!(, ::serde::Deserialize), TokenStream::new()),
    };
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq #derive_deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#field_defs)*
        }

        #inherent

        #serialize

        #deserialize
    }
}

/// `Serialize` by hand, because constant fields (`"object": "plan"`) are
/// written on the wire but not stored, and absent fields must stay absent.
fn serialize_impl(def: &StructDef<'_>, name: &Ident) -> TokenStream {
    let wire_name = def.rust_name;
    let always_written = def
        .fields
        .iter()
        .filter(|field| {
            matches!(field.kind, FieldKind::Const(_))
                || matches!(field.presence, Presence::Always | Presence::Nullable)
        })
        .count();
    let sometimes_written: Vec<TokenStream> = def
        .fields
        .iter()
        .filter(|field| {
            matches!(field.kind, FieldKind::Value(_))
                && matches!(
                    field.presence,
                    Presence::Optional | Presence::OptionalNullable
                )
        })
        .map(|field| {
            let field_name = ident(&field.rust_name);
            quote!(usize::from(self.#field_name.is_some()))
        })
        .collect();
    let count = proc_macro2::Literal::usize_unsuffixed(always_written);
    let len = match (always_written, sometimes_written.is_empty()) {
        (_, true) => quote!(#count),
        (0, false) => quote!(#(#sometimes_written)+*),
        (_, false) => quote!(#count #(+ #sometimes_written)*),
    };
    let writes = def.fields.iter().map(|field| {
        let wire = &field.wire_name;
        match &field.kind {
            FieldKind::Const(value) => quote!(state.serialize_field(#wire, #value)?;),
            _ => {
                let field_name = ident(&field.rust_name);
                match field.presence {
                    Presence::Always | Presence::Nullable => {
                        quote!(state.serialize_field(#wire, &self.#field_name)?;)
                    }
                    Presence::Optional | Presence::OptionalNullable => quote! {
                        match &self.#field_name {
                            ::std::option::Option::Some(value) => state.serialize_field(#wire, value)?,
                            ::std::option::Option::None => state.skip_field(#wire)?,
                        }
                    },
                }
            }
        }
    });
    let state_binding = if def.fields.is_empty() {
        quote!(state)
    } else {
        quote!(mut state)
    };
    // Deprecated fields need no `allow` here: every definition lives under
    // `types/`, whose `mod.rs` allows `deprecated` for all of them.
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeStruct as _;
                let #state_binding = serializer.serialize_struct(#wire_name, #len)?;
                #(#writes)*
                state.end()
            }
        }
    }
}

/// An open enum: the listed values, plus `Unrecognized` for any other.
pub fn enum_tokens(def: &EnumDef) -> TokenStream {
    let name = ident(&def.rust_name);
    let mut doc_lines = vec![def.description.clone()];
    doc_lines.push(String::new());
    doc_lines.push(
        "Open: a value this crate does not list is kept as `Unrecognized` and serialized back unchanged."
            .to_owned(),
    );
    let docs = doc_attrs(&doc_lines);
    let variants = def.values.iter().map(|value| {
        let variant = ident(&value.rust_name);
        let wire = &value.wire;
        let doc = match &value.description {
            Some(description) => format!("`{wire}`: {description}"),
            None => format!("`{wire}`"),
        };
        let docs = doc_attrs(&[doc]);
        quote!(#docs #variant,)
    });
    let to_str = def.values.iter().map(|value| {
        let variant = ident(&value.rust_name);
        let wire = &value.wire;
        quote!(Self::#variant => #wire,)
    });
    let from_str = def.values.iter().map(|value| {
        let variant = ident(&value.rust_name);
        let wire = &value.wire;
        quote!(#wire => Self::#variant,)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as received.
            Unrecognized(::std::string::String),
        }

        impl #name {
            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unrecognized(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unrecognized(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                crate::__private::deserialize_open_enum(deserializer)
            }
        }
    }
}

/// A tagged union: one variant per kind, holding the object of its members
/// (or nothing when it has none), plus `Unrecognized` for other kinds.
pub fn union_tokens(def: &UnionDef) -> TokenStream {
    let name = ident(&def.rust_name);
    let docs = doc_attrs(&[
        def.description.clone(),
        String::new(),
        format!(
            "The `{}` member says which kind it is. Open: a kind this crate does not list is kept whole as `Unrecognized` and serialized back unchanged.",
            def.tag
        ),
    ]);
    let variants = def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let docs = doc_attrs(&[format!("`{}`: {}", variant.wire, variant.description)]);
        match &variant.payload {
            Some(payload) => {
                let payload = ident(payload);
                quote!(#docs #variant_name(#payload),)
            }
            None => quote!(#docs #variant_name,),
        }
    });
    let kind_arms = def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let wire = &variant.wire;
        match &variant.payload {
            Some(_) => quote!(Self::#variant_name(_) => #wire,),
            None => quote!(Self::#variant_name => #wire,),
        }
    });
    let listed_arms = def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let wire = &variant.wire;
        match &variant.payload {
            Some(_) => quote! {
                #wire => ::serde::Deserialize::deserialize(members).map(Self::#variant_name),
            },
            None => quote! {
                #wire => <::serde::de::IgnoredAny as ::serde::Deserialize>::deserialize(members)
                    .map(|_| Self::#variant_name),
            },
        }
    });
    let tag = &def.tag;
    let serialize_arms = def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let wire = &variant.wire;
        match &variant.payload {
            Some(_) => quote!(Self::#variant_name(members) => ::serde::Serialize::serialize(members, serializer),),
            None => quote! {
                Self::#variant_name => {
                    use ::serde::ser::SerializeMap as _;
                    let mut map = serializer.serialize_map(::std::option::Option::Some(1))?;
                    map.serialize_entry(#tag, #wire)?;
                    map.end()
                }
            },
        }
    });
    let spec_name = &def.spec_name;
    let kinds = def.variants.iter().map(|variant| &variant.wire);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A kind the spec does not list, kept as received.
            Unrecognized(crate::RawVariant),
        }

        impl #name {
            /// The kind, as the object's tag names it.
            pub fn kind(&self) -> &str {
                match self {
                    #(#kind_arms)*
                    Self::Unrecognized(raw) => raw.kind(),
                }
            }
        }

        impl crate::__private::TaggedUnion for #name {
            const NAME: &'static str = #spec_name;
            const TAG: &'static str = #tag;
            const KINDS: &'static [&'static str] = &[#(#kinds),*];

            fn listed<'de, D: ::serde::Deserializer<'de>>(
                kind: &str,
                members: D,
            ) -> ::std::result::Result<Self, D::Error> {
                match kind {
                    #(#listed_arms)*
                    other => ::std::result::Result::Err(
                        <D::Error as ::serde::de::Error>::unknown_variant(other, Self::KINDS),
                    ),
                }
            }

            fn unrecognized(raw: crate::RawVariant) -> Self {
                Self::Unrecognized(raw)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::Unrecognized(raw) => ::serde::Serialize::serialize(raw, serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                crate::__private::deserialize_union(deserializer)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_keep_their_lines_and_blank_lines() {
        let docs = doc_attrs(&["One.\nTwo.".to_owned(), String::new(), "Three.".to_owned()]);
        assert_eq!(
            docs.to_string(),
            quote!(#[doc = r" One."] #[doc = r" Two."] #[doc = r""] #[doc = r" Three."])
                .to_string()
        );
    }

    #[test]
    fn doc_literals_are_raw_with_enough_hashes() {
        assert_eq!(
            doc_literal(r##" {"tag": "#1"}"##).to_string(),
            r####"r##" {"tag": "#1"}"##"####
        );
        // A lone carriage return cannot be in a raw string.
        assert_eq!(doc_literal("a\rb").to_string(), r#""a\rb""#);
    }

    #[test]
    fn value_types_are_fully_qualified() {
        let list = TypeRef::List(Box::new(TypeRef::Named("Plan".to_owned())));
        assert_eq!(
            value_type(&list).to_string(),
            quote!(::std::vec::Vec<Plan>).to_string()
        );
        assert_eq!(
            value_type(&TypeRef::Timestamp).to_string(),
            quote!(::jiff::Timestamp).to_string()
        );
    }
}
