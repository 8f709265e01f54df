//! The version modules with their `Event` enums and examples, and the API
//! root with `VersionedEvent`.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::EmittedFile;
use super::types::{deprecated_attr, doc_attrs, ident};
use crate::ir::{Spec, Version};
use crate::names;

/// `vYYYY_MM_DD.rs`: the version's types, re-exported from their revisions,
/// and its `Event` enum.
pub fn version_module(version: &Version, assigned: &BTreeMap<String, String>) -> EmittedFile {
    // The envelope is how event structs are read, not part of the API.
    let public = assigned
        .iter()
        .filter(|(rust_name, _)| rust_name.as_str() != names::EVENT_ENVELOPE);
    let reexports = public.map(|(rust_name, revision)| {
        let module = ident(&names::module_name(rust_name));
        let revision = ident(revision);
        let name = ident(rust_name);
        quote!(pub use super::types::#module::#revision::#name;)
    });
    let examples = examples(version);
    let count = version.events.len();
    EmittedFile {
        path: format!("{}.rs", version.module()),
        docs: vec![
            format!("Gigs API version {}: {count} event types.", version.date),
            String::new(),
            "Parse a webhook body with [`Event::from_json`] and `match` on the [`Event`].".to_owned(),
            "[`Example`] gives each event type its documented example in this version, for tests.".to_owned(),
            "Types that did not change since an earlier version are that version's types, re-exported."
                .to_owned(),
        ],
        tokens: quote! {
            #![allow(deprecated)]
            #(#reexports)*
            #examples
        },
    }
}

/// `text` as a raw string literal, so that the JSON reads in the generated
/// file as in the spec: with as many `#` as needed to enclose it.
fn raw_string(text: &str) -> TokenStream {
    let longest_run = text
        .split('"')
        .skip(1)
        .map(|after_quote| after_quote.chars().take_while(|c| *c == '#').count())
        .max()
        .unwrap_or(0);
    let hashes = "#".repeat(longest_run + 1);
    let literal = format!("r{hashes}\"{text}\"{hashes}");
    literal.parse().unwrap_or_else(|_| {
        let escaped = proc_macro2::Literal::string(text);
        quote!(#escaped)
    })
}

/// The `Example` trait of a version and its impls: each event type's
/// example in this version, embedded as JSON and parsed by `Event::from_json`
/// when asked for, so that examples add no reading code to compile. A
/// type shared by several versions implements each version's trait.
fn examples(version: &Version) -> TokenStream {
    let date = &version.date;
    let trait_docs = doc_attrs(&[
        format!("The example payload Gigs documents for an event type, in API version {date}."),
        String::new(),
        "For tests of code that handles events: generated structs are `#[non_exhaustive]`, so code outside this crate cannot build them from struct literals. With this trait in scope, `PlanUpdated::example()` is the parsed example.".to_owned(),
        String::new(),
        "A type that did not change between versions implements the trait of each version using it, each with that version's example: name the trait (`v2024_12_20::Example`) of the version your endpoint is set to.".to_owned(),
    ]);
    let example_trait = ident(names::EXAMPLE_TRAIT);
    let impls = version.events.iter().filter_map(|event| {
        let example = event.example.as_ref()?;
        let name = ident(&event.rust_name);
        let json = raw_string(&example.json);
        Some(quote! {
            impl #example_trait for #name {
                const JSON: &'static str = #json;

                fn example() -> Self {
                    match Event::from_json(Self::JSON.as_bytes()) {
                        ::std::result::Result::Ok(Event::#name(event)) => *event,
                        other => crate::__private::unparsable_example(Self::TYPE, other.err()),
                    }
                }
            }
        })
    });
    let every = version
        .events
        .iter()
        .filter(|event| event.example.is_some())
        .map(|event| {
            let name = ident(&event.rust_name);
            quote!((#name::TYPE, <#name as #example_trait>::JSON),)
        });
    let examples_doc = doc_attrs(&[format!(
        "The example of every event type of API version {date} that has one, parsed, in the order of [`Event::TYPES`]."
    )]);
    quote! {
        #examples_doc
        pub fn examples() -> ::std::vec::Vec<Event> {
            [#(#every)*]
                .into_iter()
                .map(|(event_type, json)| {
                    Event::from_json(json.as_bytes()).unwrap_or_else(|error| {
                        crate::__private::unparsable_example(event_type, ::std::option::Option::Some(error))
                    })
                })
                .collect()
        }

        #trait_docs
        pub trait #example_trait: ::std::marker::Sized {
            /// The example as Gigs documents it: a complete webhook body.
            const JSON: &'static str;

            /// The example, parsed.
            fn example() -> Self;
        }
        #(#impls)*
    }
}

/// The `Event` enum over the events of `version`. Like every type, it is
/// shared by the versions whose events are all the same.
pub fn event_enum(version: &Version) -> TokenStream {
    let events = &version.events;
    let variants = events.iter().map(|event| {
        let name = ident(&event.rust_name);
        let docs = doc_attrs(&[format!("`{}`: {}", event.event_type, event.description)]);
        let deprecated = deprecated_attr(event.deprecated.as_deref());
        quote!(#docs #deprecated #name(::std::boxed::Box<#name>),)
    });
    let types: Vec<&str> = events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    let parse_arms = events.iter().map(|event| {
        let name = ident(&event.rust_name);
        quote! {
            #name::TYPE => head.parse_event(Self::PAYLOAD_MEMBERS).map(Self::#name),
        }
    });
    let type_arms = events.iter().map(|event| {
        let name = ident(&event.rust_name);
        quote!(Self::#name(_) => #name::TYPE,)
    });
    let id_arms = events.iter().map(|event| {
        let name = ident(&event.rust_name);
        quote!(Self::#name(event) => &event.id,)
    });
    let serialize_arms = events.iter().map(|event| {
        let name = ident(&event.rust_name);
        quote!(Self::#name(event) => ::serde::Serialize::serialize(event, serializer),)
    });
    let payload_members = &version.payload_members;
    let typed_arm = if events.is_empty() {
        TokenStream::new()
    } else {
        quote!(_ => ::std::option::Option::None,)
    };
    let json_impls = json_impls(
        "Event",
        serialize_arms,
        "Unknown",
        &[
            "Reads the event as JSON and dispatches on its `type` like".to_owned(),
            "[`Event::from_json`]; works with serde_json deserializers.".to_owned(),
        ],
    );
    let enum_doc = doc_attrs(&[
        "A Gigs webhook event: one variant per event type of the API version.".to_owned(),
        String::new(),
        "Event types this version does not know are kept whole in [`Event::Unknown`], so a new event type never fails a parse."
            .to_owned(),
    ]);
    quote! {
        #enum_doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event type this version does not know, kept as received.
            Unknown(::std::boxed::Box<crate::RawEvent>),
        }

        impl Event {
            /// The event types this version knows, sorted.
            pub const TYPES: &'static [&'static str] = &[#(#types),*];

            /// The envelope members that hold an event's object: a problem
            /// inside them is a schema error of the event's type.
            const PAYLOAD_MEMBERS: &'static [&'static str] = &[#(#payload_members),*];

            /// Parses a webhook body, exactly as received.
            ///
            /// The envelope's `type` is read first; the body is then parsed once,
            /// straight into the event's struct. An unknown `type` gives
            /// [`Event::Unknown`]; a body that does not match its type's schema
            /// gives an error naming the JSON path.
            pub fn from_json(body: &[u8]) -> ::std::result::Result<Self, crate::Error> {
                Self::from_head(crate::__private::EventHead::parse(body)?)
            }

            pub(crate) fn from_head(
                head: crate::__private::EventHead<'_>,
            ) -> ::std::result::Result<Self, crate::Error> {
                match head.event_type() {
                    #(#parse_arms)*
                    _ => head
                        .into_raw()
                        .map(|event| Self::Unknown(::std::boxed::Box::new(event))),
                }
            }

            /// The event's `type`, such as `com.gigs.plan.updated`.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#type_arms)*
                    Self::Unknown(event) => event.event_type(),
                }
            }

            /// The event as received, when this version does not type it
            /// ([`Event::Unknown`]).
            pub fn untyped(&self) -> ::std::option::Option<&crate::RawEvent> {
                match self {
                    Self::Unknown(event) => ::std::option::Option::Some(event),
                    #typed_arm
                }
            }

            /// The event's `id`, unique per event: the key to de-duplicate deliveries on.
            pub fn id(&self) -> &str {
                match self {
                    #(#id_arms)*
                    Self::Unknown(event) => event.id(),
                }
            }
        }

        #json_impls
    }
}

/// `#[cfg_attr(docsrs, doc(cfg(feature = "…")))]`: the badge docs.rs shows
/// on an item that `feature` enables.
pub fn doc_cfg(feature: &str) -> TokenStream {
    quote!(#[cfg_attr(docsrs, doc(cfg(feature = #feature)))])
}

/// `mod.rs`: the version modules behind their features, and
/// `VersionedEvent`. No alias follows the newest version: users name the
/// version their endpoint is set to, so a new version breaks no one.
pub fn api_mod_file(spec: &Spec) -> EmittedFile {
    let modules = spec.versions.iter().map(|version| {
        let feature = version.feature();
        let badge = doc_cfg(&feature);
        let module = ident(&version.module());
        quote!(#[cfg(feature = #feature)] #badge pub mod #module;)
    });
    let versioned = versioned_event(spec);
    EmittedFile {
        path: "mod.rs".to_owned(),
        docs: vec!["The generated API: one module per Gigs API version.".to_owned()],
        tokens: quote! {
            mod types;
            #(#modules)*
            #versioned
        },
    }
}

fn versioned_event(spec: &Spec) -> TokenStream {
    let versions = &spec.versions;
    let variant = |version: &Version| ident(&format!("V{}", version.date.replace('-', "_")));
    let variants = versions.iter().map(|version| {
        let feature = version.feature();
        let name = variant(version);
        let module = ident(&version.module());
        let docs = doc_attrs(&[format!("An event of API version {}.", version.date)]);
        let badge = doc_cfg(&feature);
        quote!(#[cfg(feature = #feature)] #badge #docs #name(#module::Event),)
    });
    let parse_arms = versions.iter().map(|version| {
        let feature = version.feature();
        let name = variant(version);
        let module = ident(&version.module());
        let date = &version.date;
        quote! {
            #[cfg(feature = #feature)]
            ::std::option::Option::Some(#date) => #module::Event::from_head(head).map(Self::#name),
        }
    });
    let each = |method: TokenStream| {
        let arms = versions.iter().map(move |version| {
            let feature = version.feature();
            let name = variant(version);
            let method = method.clone();
            quote!(#[cfg(feature = #feature)] Self::#name(event) => event.#method,)
        });
        quote!(#(#arms)*)
    };
    let type_arms = each(quote!(event_type()));
    let id_arms = each(quote!(id()));
    let untyped_arms = each(quote!(untyped()));
    let serialize_arms = versions.iter().map(|version| {
        let feature = version.feature();
        let name = variant(version);
        quote!(#[cfg(feature = #feature)] Self::#name(event) => ::serde::Serialize::serialize(event, serializer),)
    });
    let json_impls = json_impls(
        "VersionedEvent",
        serialize_arms,
        "Unsupported",
        &["Reads the event as JSON and parses it like [`VersionedEvent::from_json`].".to_owned()],
    );
    let version_arms = versions.iter().map(|version| {
        let feature = version.feature();
        let name = variant(version);
        let date = &version.date;
        quote!(#[cfg(feature = #feature)] Self::#name(_) => ::std::option::Option::Some(#date),)
    });
    quote! {
        /// An event parsed with the module of the API version named in its envelope.
        ///
        /// For receivers that get several versions at once, such as during an
        /// upgrade. Versions whose feature is off, and versions this crate does
        /// not know, are kept whole as [`VersionedEvent::Unsupported`]: never
        /// an error for that reason alone.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum VersionedEvent {
            #(#variants)*
            /// An event of an API version this build does not parse.
            Unsupported(::std::boxed::Box<crate::RawEvent>),
        }

        impl VersionedEvent {
            /// Parses a webhook body with the module of the version its envelope names.
            pub fn from_json(body: &[u8]) -> ::std::result::Result<Self, crate::Error> {
                let head = crate::__private::EventHead::parse(body)?;
                match head.version() {
                    #(#parse_arms)*
                    _ => head
                        .into_raw()
                        .map(|event| Self::Unsupported(::std::boxed::Box::new(event))),
                }
            }

            /// The API version of the event, as its envelope names it.
            pub fn version(&self) -> ::std::option::Option<&str> {
                match self {
                    #(#version_arms)*
                    Self::Unsupported(event) => event.version(),
                }
            }

            /// The event's `type`.
            pub fn event_type(&self) -> &str {
                match self {
                    #type_arms
                    Self::Unsupported(event) => event.event_type(),
                }
            }

            /// The event's `id`.
            pub fn id(&self) -> &str {
                match self {
                    #id_arms
                    Self::Unsupported(event) => event.id(),
                }
            }

            /// The event as received, when this build does not type it: its
            /// version is not enabled or not known, or its type is not in
            /// its version.
            pub fn untyped(&self) -> ::std::option::Option<&crate::RawEvent> {
                match self {
                    #untyped_arms
                    Self::Unsupported(event) => ::std::option::Option::Some(event),
                }
            }
        }

        #json_impls
    }
}

/// `ParseEvent`, `Serialize` and `Deserialize` for an event enum: each
/// variant serializes as the event it holds, `raw_variant` (the events the
/// enum does not type) as received; reading goes through its `from_json`,
/// described to rustdoc by `deserialize_doc`.
fn json_impls(
    enum_name: &str,
    serialize_arms: impl Iterator<Item = TokenStream>,
    raw_variant: &str,
    deserialize_doc: &[String],
) -> TokenStream {
    let enum_name = ident(enum_name);
    let raw_variant = ident(raw_variant);
    let deserialize_doc = doc_attrs(deserialize_doc);
    quote! {
        impl crate::ParseEvent for #enum_name {
            fn from_json(body: &[u8]) -> ::std::result::Result<Self, crate::Error> {
                Self::from_json(body)
            }
        }

        impl ::serde::Serialize for #enum_name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::#raw_variant(event) => ::serde::Serialize::serialize(event, serializer),
                }
            }
        }

        #deserialize_doc
        impl<'de> ::serde::Deserialize<'de> for #enum_name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let json: ::std::boxed::Box<::serde_json::value::RawValue> =
                    ::serde::Deserialize::deserialize(deserializer)?;
                Self::from_json(json.get().as_bytes()).map_err(::serde::de::Error::custom)
            }
        }
    }
}
