//! One generic envelope per revision of the envelope, through which every
//! event struct is read.
//!
//! A derived `Deserialize` is compiled for every struct and every
//! deserializer it meets, and an API version that changes the envelope
//! brings a new revision of every event struct: most of what all versions
//! together cost to compile was these copies of the envelope's reading.
//! Each event struct's `Deserialize` now only moves the members of an
//! `EventEnvelope<Data, Previous>` into its fields. The envelope's own
//! `Deserialize` is written here: only the few lines reading the object and
//! its previous values are generic over them, and the members every event
//! shares are read by one function, compiled once per deserializer however
//! many kinds of objects there are.
//!
//! It reads what the derive on the event struct read, the same way: the
//! same keys, unknown ones ignored, the same duplicate and missing-field
//! errors in the same order, timestamps as the generated structs read them.
//! It differs where no Gigs body goes: a JSON array is not read as an
//! event, a value that is not an object is "expected struct EventEnvelope",
//! and `type`, or `previousData` of an event without previous values, given
//! twice is an error instead of being ignored.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{Reader, ident, presence_type, value_type};
use crate::ir::{EventDef, Field, FieldKind, Presence, TypeRef, Version};
use crate::names::{self, EVENT_ENVELOPE};

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
    /// The member holding the event's type, a constant of each event.
    type_member: Option<&'a Field>,
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
        let type_member = reference.fields.iter().find(|field| {
            matches!(&field.kind, FieldKind::Const(value) if *value == reference.event_type)
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
    /// values, and its `Deserialize`.
    pub fn tokens(&self) -> TokenStream {
        let name = ident(EVENT_ENVELOPE);
        let data = &self.data;
        let previous = &self.previous;
        let (params, bounds) = if self.has_previous() {
            (
                quote!(<#data, #previous>),
                quote!(#data: ::serde::Deserialize<'de>, #previous: ::serde::Deserialize<'de>),
            )
        } else {
            (quote!(<#data>), quote!(#data: ::serde::Deserialize<'de>))
        };
        let members: Vec<Member<'_>> = self
            .fields
            .iter()
            .filter_map(|(role, field)| Member::new(*role, field, data, previous))
            .collect();
        let fields = members.iter().map(|member| {
            let field_name = &member.field_name;
            let rust_type = &member.rust_type;
            quote!(pub(crate) #field_name: #rust_type,)
        });
        let reading = self.reading(&members, &name, &params, &bounds);
        quote! {
            /// The members of an event as read from JSON, with the event's
            /// object and the previous values of its object as parameters:
            /// every event struct of the versions using this revision is
            /// read through it.
            pub(crate) struct #name #params {
                #(#fields)*
            }

            #reading
        }
    }

    /// `Deserialize` for the envelope. Only the object and its previous
    /// values are read by code generic over them; the members every event
    /// shares are read by one function, compiled once per deserializer.
    fn reading(
        &self,
        members: &[Member<'_>],
        name: &proc_macro2::Ident,
        params: &TokenStream,
        bounds: &TokenStream,
    ) -> TokenStream {
        let variants = members.iter().map(|member| &member.variant);
        // Parsing dispatched on the `type` phase one found at an end of the
        // envelope; reading the member here too makes one given twice,
        // anywhere, an error.
        let type_member = self.type_member.map(|field| {
            (
                field.wire_name.as_str(),
                ident(&names::variant_name(&field.rust_name)),
                ident(&field.rust_name),
            )
        });
        let type_variant = type_member
            .as_ref()
            .map(|(_, variant, _)| quote!(#variant,));
        let key_arms = members.iter().map(|member| {
            let wire = &member.field.wire_name;
            let variant = &member.variant;
            quote!(#wire => __Member::#variant,)
        });
        let type_key_arm = type_member
            .as_ref()
            .map(|(wire, variant, _)| quote!(#wire => __Member::#variant,));
        let type_read = type_member.as_ref().map(|(wire, variant, slot)| {
            quote! {
                __Member::#variant => {
                    if self.#slot.is_some() {
                        return ::std::result::Result::Err(
                            <A::Error as ::serde::de::Error>::duplicate_field(#wire),
                        );
                    }
                    self.#slot = ::std::option::Option::Some(
                        ::serde::de::MapAccess::next_value::<::serde::de::IgnoredAny>(map)?,
                    );
                }
            }
        });
        let type_slot = type_member
            .as_ref()
            .map(|(_, _, slot)| quote!(#slot: ::std::option::Option<::serde::de::IgnoredAny>,));
        let shared: Vec<&Member<'_>> = members
            .iter()
            .filter(|member| member.role == Role::Shared)
            .collect();
        let shared_slots = shared.iter().map(|member| {
            let field_name = &member.field_name;
            let rust_type = &member.rust_type;
            quote!(#field_name: ::std::option::Option<#rust_type>,)
        });
        let shared_reads = shared.iter().map(|member| member.read());
        let payload: Vec<&Member<'_>> = members
            .iter()
            .filter(|member| member.role != Role::Shared)
            .collect();
        let payload_slots = payload.iter().map(|member| {
            let field_name = &member.field_name;
            quote!(let mut #field_name = ::std::option::Option::None;)
        });
        let payload_reads = payload.iter().map(|member| member.read());
        // Completing the shared members, in the order of all the fields so
        // that the first missing one is named, as a derived `Deserialize`
        // does: a required payload member is checked in its place by whether
        // it was read.
        let checks = members.iter().map(|member| {
            let field_name = &member.field_name;
            let wire = &member.field.wire_name;
            let required = member.field.presence == Presence::Always;
            match (member.role, required) {
                (Role::Shared, true) => quote! {
                    let #field_name = self.#field_name.ok_or_else(|| E::missing_field(#wire))?;
                },
                (Role::Shared, false) => {
                    quote!(let #field_name = self.#field_name.unwrap_or_default();)
                }
                (_, true) => quote! {
                    if !#field_name {
                        return ::std::result::Result::Err(E::missing_field(#wire));
                    }
                },
                (_, false) => TokenStream::new(),
            }
        });
        let shared_names: Vec<&proc_macro2::Ident> =
            shared.iter().map(|member| &member.field_name).collect();
        let required_payload: Vec<&proc_macro2::Ident> = payload
            .iter()
            .filter(|member| member.field.presence == Presence::Always)
            .map(|member| &member.field_name)
            .collect();
        let read_flags = required_payload.iter().map(|name| quote!(#name: bool,));
        let flags = required_payload.iter().map(|name| quote!(#name.is_some(),));
        let completions = members.iter().map(|member| {
            let field_name = &member.field_name;
            let wire = &member.field.wire_name;
            let value = match (member.role, member.field.presence) {
                (Role::Shared, _) => quote!(shared.#field_name),
                (_, Presence::Always) => quote! {
                    #field_name.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#wire))?
                },
                (_, _) => quote!(#field_name.unwrap_or_default()),
            };
            quote!(#field_name: #value,)
        });
        let shared_fields = shared.iter().map(|member| {
            let field_name = &member.field_name;
            let rust_type = &member.rust_type;
            quote!(#field_name: #rust_type,)
        });
        let wire_names = members.iter().map(|member| &member.field.wire_name);
        let envelope_name = EVENT_ENVELOPE;
        let expecting = format!("struct {EVENT_ENVELOPE}");
        quote! {
            impl<'de, #bounds> ::serde::Deserialize<'de> for #name #params {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    /// A member of the envelope.
                    #[derive(Clone, Copy)]
                    enum __Member {
                        #(#variants,)*
                        #type_variant
                    }

                    /// A member's key: `None` for one the envelope does not have.
                    struct __Key(::std::option::Option<__Member>);

                    impl<'de> ::serde::Deserialize<'de> for __Key {
                        fn deserialize<D: ::serde::Deserializer<'de>>(
                            deserializer: D,
                        ) -> ::std::result::Result<Self, D::Error> {
                            deserializer.deserialize_identifier(__Key(::std::option::Option::None))
                        }
                    }

                    impl ::serde::de::Visitor<'_> for __Key {
                        type Value = __Key;

                        fn expecting(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            formatter.write_str("field identifier")
                        }

                        fn visit_str<E: ::serde::de::Error>(self, key: &str) -> ::std::result::Result<__Key, E> {
                            ::std::result::Result::Ok(__Key(::std::option::Option::Some(match key {
                                #(#key_arms)*
                                #type_key_arm
                                _ => return ::std::result::Result::Ok(__Key(::std::option::Option::None)),
                            })))
                        }
                    }

                    /// The members every event shares, as far as read.
                    #[derive(Default)]
                    struct __Shared {
                        #(#shared_slots)*
                        #type_slot
                    }

                    /// The members every event shares, all read.
                    struct __Complete {
                        #(#shared_fields)*
                    }

                    impl __Shared {
                        /// The shared members, once every member is read; the flags
                        /// say which required payload members (the object) were.
                        #[inline(never)]
                        fn finish<E: ::serde::de::Error>(
                            self,
                            #(#read_flags)*
                        ) -> ::std::result::Result<__Complete, E> {
                            #(#checks)*
                            ::std::result::Result::Ok(__Complete { #(#shared_names),* })
                        }

                        /// Reads the value of `member`, a shared one: not generic
                        /// over the event's object, so compiled once per deserializer.
                        #[inline(never)]
                        fn read<'de, A: ::serde::de::MapAccess<'de>>(
                            &mut self,
                            member: __Member,
                            map: &mut A,
                        ) -> ::std::result::Result<(), A::Error> {
                            match member {
                                #(#shared_reads)*
                                #type_read
                                _ => {}
                            }
                            ::std::result::Result::Ok(())
                        }
                    }

                    struct __Visitor #params(::std::marker::PhantomData<fn() -> #name #params>);

                    impl<'de, #bounds> ::serde::de::Visitor<'de> for __Visitor #params {
                        type Value = #name #params;

                        fn expecting(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            formatter.write_str(#expecting)
                        }

                        fn visit_map<A: ::serde::de::MapAccess<'de>>(
                            self,
                            mut map: A,
                        ) -> ::std::result::Result<Self::Value, A::Error> {
                            let mut shared = __Shared::default();
                            #(#payload_slots)*
                            while let ::std::option::Option::Some(__Key(key)) =
                                ::serde::de::MapAccess::next_key::<__Key>(&mut map)?
                            {
                                match key {
                                    #(#payload_reads)*
                                    ::std::option::Option::Some(member) => shared.read(member, &mut map)?,
                                    ::std::option::Option::None => {
                                        ::serde::de::MapAccess::next_value::<::serde::de::IgnoredAny>(&mut map)?;
                                    }
                                }
                            }
                            let shared = shared.finish::<A::Error>(#(#flags)*)?;
                            ::std::result::Result::Ok(#name {
                                #(#completions)*
                            })
                        }
                    }

                    deserializer.deserialize_struct(
                        #envelope_name,
                        &[#(#wire_names),*],
                        __Visitor(::std::marker::PhantomData),
                    )
                }
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

/// A stored member of the envelope, as the reading code declares and reads it.
struct Member<'a> {
    role: Role,
    field: &'a Field,
    type_ref: &'a TypeRef,
    field_name: proc_macro2::Ident,
    variant: proc_macro2::Ident,
    /// The field's type, with the parameters for the object and its
    /// previous values.
    rust_type: TokenStream,
}

impl<'a> Member<'a> {
    fn new(
        role: Role,
        field: &'a Field,
        data: &proc_macro2::Ident,
        previous: &proc_macro2::Ident,
    ) -> Option<Self> {
        let FieldKind::Value(type_ref) = &field.kind else {
            return None;
        };
        let value = match role {
            Role::Shared => value_type(type_ref),
            Role::Data => quote!(#data),
            Role::Previous => quote!(#previous),
        };
        Some(Self {
            role,
            field,
            type_ref,
            field_name: ident(&field.rust_name),
            variant: ident(&names::variant_name(&field.rust_name)),
            rust_type: presence_type(value, field.presence),
        })
    }

    /// The match arm reading the member's value, once: a second key is a
    /// duplicate, as a derived `Deserialize` says. A shared member is read
    /// into `__Shared` by `__Shared::read`, the object and its previous
    /// values into locals of `visit_map`; each value as the generated
    /// structs read it.
    fn read(&self) -> TokenStream {
        let field_name = &self.field_name;
        let variant = &self.variant;
        let (slot, pattern, map) = if self.role == Role::Shared {
            (
                quote!(self.#field_name),
                quote!(__Member::#variant),
                quote!(map),
            )
        } else {
            (
                quote!(#field_name),
                quote!(::std::option::Option::Some(__Member::#variant)),
                quote!(&mut map),
            )
        };
        let wire = &self.field.wire_name;
        let next =
            |wrapper: TokenStream| quote!(::serde::de::MapAccess::next_value::<#wrapper>(#map)?.0);
        let value = match Reader::of(self.type_ref, self.field.presence) {
            Some(Reader::Timestamp) => next(quote!(crate::__private::TimestampMember)),
            Some(Reader::OptionalTimestamp) => {
                next(quote!(crate::__private::OptionalTimestampMember))
            }
            Some(Reader::NullableTimestamp) => {
                let value = next(quote!(crate::__private::OptionalTimestampMember));
                quote!(::std::option::Option::Some(#value))
            }
            Some(Reader::Nullable) => {
                quote!(::std::option::Option::Some(::serde::de::MapAccess::next_value(#map)?))
            }
            None => quote!(::serde::de::MapAccess::next_value(#map)?),
        };
        quote! {
            #pattern => {
                if #slot.is_some() {
                    return ::std::result::Result::Err(
                        <A::Error as ::serde::de::Error>::duplicate_field(#wire),
                    );
                }
                #slot = ::std::option::Option::Some(#value);
            }
        }
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
