//! One generic envelope per revision of the envelope, through which every
//! event struct is read.
//!
//! A derived `Deserialize` is compiled for every struct and every
//! deserializer it meets, and an API version that changes the envelope
//! brings a new revision of every event struct. Most of what all versions
//! together cost to compile was these copies of the envelope's reading. So
//! the envelope's members are read once, by the derived `Deserialize` of
//! `EventEnvelope<Data, Previous>`, which the compiler instantiates once per
//! kind of object rather than once per event type; each event struct's
//! `Deserialize` only moves the members into its fields. The envelope has
//! the event structs' fields, names, order and attributes, so what is
//! accepted, and every error with its path, stays as the derive on the
//! event struct had it, with exceptions no Gigs body meets: a JSON value
//! that is not an object is "expected struct EventEnvelope", and `type`, or
//! `previousData` on an event without previous values, given twice is an
//! error instead of being ignored.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{ident, presence_type, serde_attr, value_type};
use crate::ir::{EventDef, Field, FieldKind, TypeRef, Version};
use crate::names::EVENT_ENVELOPE;

/// What a stored field of an event holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The same for every event of the version.
    Shared,
    /// The event's object (`data`).
    Data,
    /// The previous values of the event's object (`previousData`).
    Previous,
}

/// The stored fields of the version's events, with their roles, taken from
/// an event that has previous values if any has.
#[derive(Debug)]
pub struct Envelope<'a> {
    fields: Vec<(Role, &'a Field)>,
    /// The wire name of the member holding the event's type.
    type_member: Option<&'a str>,
    /// The names of the two type parameters, chosen not to shadow a type
    /// the version defines.
    data: proc_macro2::Ident,
    previous: proc_macro2::Ident,
}

impl<'a> Envelope<'a> {
    /// The envelope of `version`'s events; `None` when it has none.
    pub fn of(version: &'a Version) -> Option<Self> {
        let reference = version
            .events
            .iter()
            .find(|event| event.previous_data.is_some())
            .or_else(|| version.events.first())?;
        let fresh = |base: &str| {
            let mut name = base.to_owned();
            while version.types.contains_key(&name) {
                name.push('_');
            }
            ident(&name)
        };
        let type_member = reference.fields.iter().find_map(|field| match &field.kind {
            FieldKind::Const(value) if *value == reference.event_type => {
                Some(field.wire_name.as_str())
            }
            _ => None,
        });
        Some(Self {
            fields: roles(version, reference).collect(),
            type_member,
            data: fresh("Data"),
            previous: fresh("Previous"),
        })
    }

    fn has_previous(&self) -> bool {
        self.fields.iter().any(|(role, _)| *role == Role::Previous)
    }

    /// The named types the envelope's shared members use.
    pub fn uses(&self) -> Vec<String> {
        let mut uses: Vec<String> = self
            .fields
            .iter()
            .filter(|(role, _)| *role == Role::Shared)
            .filter_map(|(_, field)| match &field.kind {
                FieldKind::Value(type_ref) => type_ref.named().map(str::to_owned),
                FieldKind::Const(_) => None,
            })
            .collect();
        uses.sort();
        uses.dedup();
        uses
    }

    /// The envelope struct, generic over the event's object and its previous
    /// values.
    pub fn tokens(&self) -> TokenStream {
        let name = ident(EVENT_ENVELOPE);
        let data = &self.data;
        let previous = &self.previous;
        // The bound is written out because the derive would also ask
        // `Default` of a parameter behind a `default` field, which an
        // `Option` of it does not need.
        let (params, bound) = if self.has_previous() {
            (
                quote!(<#data, #previous>),
                format!("{data}: ::serde::Deserialize<'de>, {previous}: ::serde::Deserialize<'de>"),
            )
        } else {
            (
                quote!(<#data>),
                format!("{data}: ::serde::Deserialize<'de>"),
            )
        };
        let fields = self.fields.iter().map(|(role, field)| {
            let FieldKind::Value(type_ref) = &field.kind else {
                return TokenStream::new();
            };
            let value = match role {
                Role::Shared => value_type(type_ref),
                Role::Data => quote!(#data),
                Role::Previous => quote!(#previous),
            };
            let rust_type = presence_type(value, field.presence);
            let serde_attr = serde_attr(field, type_ref);
            let field_name = ident(&field.rust_name);
            quote! {
                #serde_attr
                pub(crate) #field_name: #rust_type,
            }
        });
        // Parsing dispatched on the `type` phase one found at an end of the
        // envelope; reading the member here too makes one given twice,
        // anywhere, an error.
        let type_member = self.type_member.map(|wire| {
            quote! {
                #[serde(rename = #wire, default)]
                _event_type: ::std::option::Option<::serde::de::IgnoredAny>,
            }
        });
        quote! {
            /// The members of an event as read from JSON, with the event's
            /// object and the previous values of its object as parameters:
            /// every event struct of the versions using this revision is
            /// read through it.
            #[derive(::serde::Deserialize)]
            #[serde(bound(deserialize = #bound))]
            pub(crate) struct #name #params {
                #(#fields)*
                #type_member
            }
        }
    }

    /// The `Deserialize` impl of `event`'s struct, reading through the
    /// envelope; `None` when the event's fields are not the envelope's with
    /// its own object filled in, and the struct derives its own.
    pub fn deserialize_impl(&self, version: &Version, event: &EventDef) -> Option<TokenStream> {
        let own: Vec<(Role, &Field)> = roles(version, event).collect();
        let expected = self
            .fields
            .iter()
            .filter(|(role, _)| *role != Role::Previous || event.previous_data.is_some());
        if own.len() != expected.clone().count()
            || !own
                .iter()
                .zip(expected)
                .all(|(mine, template)| same_member(*mine, *template))
        {
            return None;
        }
        let object = ident(&event.data);
        let instance = match (&event.previous_data, self.has_previous()) {
            (Some(previous), _) => {
                let previous = ident(previous);
                quote!(<#object, #previous>)
            }
            (None, true) => quote!(<#object, ::serde::de::IgnoredAny>),
            (None, false) => quote!(<#object>),
        };
        let moves = own.iter().map(|(_, field)| {
            let name = ident(&field.rust_name);
            quote!(#name: envelope.#name,)
        });
        let envelope = ident(EVENT_ENVELOPE);
        let rust_name = ident(&event.rust_name);
        Some(quote! {
            impl<'de> ::serde::Deserialize<'de> for #rust_name {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    let envelope = <#envelope #instance as ::serde::Deserialize>::deserialize(deserializer)?;
                    ::std::result::Result::Ok(Self { #(#moves)* })
                }
            }
        })
    }
}

/// The stored fields of `event` (all but the constants), in order, with
/// their roles: a payload member holding the event's object or its previous
/// values, or a member every event shares.
fn roles<'a>(version: &Version, event: &'a EventDef) -> impl Iterator<Item = (Role, &'a Field)> {
    event.fields.iter().filter_map(move |field| {
        let FieldKind::Value(type_ref) = &field.kind else {
            return None;
        };
        let payload = version.payload_members.contains(&field.wire_name);
        let role = match type_ref {
            TypeRef::Named(named) if payload && *named == event.data => Role::Data,
            TypeRef::Named(named) if payload && event.previous_data.as_ref() == Some(named) => {
                Role::Previous
            }
            _ => Role::Shared,
        };
        Some((role, field))
    })
}

/// Whether an event's field is read as the envelope's: the same member in
/// the same role, declared the same way (a shared one of the same type).
fn same_member((role, field): (Role, &Field), (template_role, template): (Role, &Field)) -> bool {
    role == template_role
        && field.wire_name == template.wire_name
        && field.rust_name == template.rust_name
        && field.presence == template.presence
        && (role != Role::Shared || field.kind == template.kind)
}
