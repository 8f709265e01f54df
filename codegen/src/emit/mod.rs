//! Stage 3, emit: the resolved spec as Rust tokens, one token stream per
//! generated file.
//!
//! Types are shared between versions: each type's definition is generated
//! for every version, with the types it uses resolved to the revisions in
//! force at that version, and identical definitions are kept once. A type
//! therefore gets a new revision exactly when it, or something it contains,
//! changed.

mod envelope;
mod events;
pub(crate) mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{EventDef, Field, FieldKind, Spec, TypeDef, Version};
use crate::names;
use types::{StructDef, doc_attrs, ident};

/// One generated file: its path under `generated/src/api/` and its tokens.
#[derive(Debug)]
pub struct EmittedFile {
    pub path: String,
    pub docs: Vec<String>,
    pub tokens: TokenStream,
}

/// A revision of a type: what tells it apart, and the versions that use it.
/// Its file is handed on when it is recorded.
#[derive(Debug)]
struct Revision {
    /// The module of the version that introduced it, `v2024_08_29`.
    module: String,
    /// The definition as text, compared to find identical ones.
    key: String,
    /// The features of the versions using it.
    features: Vec<String>,
}

/// Every revision of every type, by Rust type name.
#[derive(Debug, Default)]
struct Revisions {
    by_type: BTreeMap<String, Vec<Revision>>,
    /// (Rust type name, fingerprint of its definition with the revisions it
    /// uses) → the module of the revision it made.
    by_fingerprint: BTreeMap<(String, String), String>,
}

impl Revisions {
    /// Records the definition of `rust_name` in `version`, as compared by
    /// `key`; returns the module of the revision used and, when the
    /// definition is a new revision, that revision's file.
    /// Definitions with the same `key` are one revision: the first one
    /// makes the file.
    fn record(
        &mut self,
        rust_name: &str,
        key: String,
        file: impl FnOnce(&str) -> EmittedFile,
        version: &Version,
    ) -> (String, Option<EmittedFile>) {
        let revisions = self.by_type.entry(rust_name.to_owned()).or_default();
        if let Some(existing) = revisions.iter_mut().find(|revision| revision.key == key) {
            existing.features.push(version.feature());
            return (existing.module.clone(), None);
        }
        let module = version.module();
        let file = file(&module);
        revisions.push(Revision {
            module: module.clone(),
            key,
            features: vec![version.feature()],
        });
        (module, Some(file))
    }

    /// The revision made by an earlier version from a definition with this
    /// fingerprint, now used by `version` too; `None` when there is none.
    fn reuse(&mut self, rust_name: &str, fingerprint: &str, version: &Version) -> Option<String> {
        let module = self
            .by_fingerprint
            .get(&(rust_name.to_owned(), fingerprint.to_owned()))?;
        let revision = self
            .by_type
            .get_mut(rust_name)?
            .iter_mut()
            .find(|revision| revision.module == *module)?;
        revision.features.push(version.feature());
        Some(module.clone())
    }
}

/// `#[cfg(feature = "…")]` enabling an item for any of `features`.
fn cfg_any(features: &[String]) -> TokenStream {
    match features {
        [single] => quote!(#[cfg(feature = #single)]),
        several => quote!(#[cfg(any(#(feature = #several),*))]),
    }
}

/// What the generated API holds besides its files.
#[derive(Debug)]
pub struct Emitted {
    /// Distinct type definitions, after sharing between versions.
    pub type_revisions: usize,
}

/// Every file of the generated API, handed to `on_file` as soon as it is
/// complete, so that rendering can start while the rest is emitted: a
/// type's revision as soon as it is recorded. With a file comes its tokens
/// as text when emitting made that text already.
pub fn emit(spec: &Spec, mut on_file: impl FnMut(EmittedFile, Option<String>)) -> Emitted {
    let mut revisions = Revisions::default();
    for version in &spec.versions {
        let assigned = emit_version_types(version, &mut revisions, &mut on_file);
        on_file(events::version_module(version, &assigned), None);
    }
    on_file(types_mod_file(&revisions), None);
    on_file(events::api_mod_file(spec), None);
    Emitted {
        type_revisions: revisions.by_type.values().map(Vec::len).sum(),
    }
}

/// A type to define in a version, with the types it uses.
struct Definition<'a> {
    rust_name: String,
    /// Everything its tokens are made from besides the revisions of the
    /// types it uses, when that is cheaper to write out than the tokens:
    /// two definitions with the same fingerprint have the same tokens, so
    /// one unchanged since an earlier version is not emitted again.
    fingerprint: Option<String>,
    /// Its tokens.
    emit: Box<dyn Fn() -> TokenStream + 'a>,
    /// Its tokens as compared between versions, when they differ from
    /// `emit`'s: an event's docs show its version's example, which alone
    /// does not make a new revision. `emit` then only runs for a new one.
    compared: Option<Box<dyn Fn() -> TokenStream + 'a>>,
    uses: Vec<String>,
}

/// Records the revision of every type of `version`, handing each new
/// revision's file to `on_file`; returns type → revision module.
fn emit_version_types(
    version: &Version,
    revisions: &mut Revisions,
    on_file: &mut impl FnMut(EmittedFile, Option<String>),
) -> BTreeMap<String, String> {
    let definitions = definitions(version);
    let mut assigned: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Vec<&Definition<'_>> = definitions.iter().collect();
    // Dependencies first, so a definition's tokens can name their revisions.
    // The resolver rejected cycles, so every round places at least one type;
    // should it not, the rest is placed anyway rather than looping forever.
    while !pending.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|definition| {
            definition
                .uses
                .iter()
                .all(|used| assigned.contains_key(used) || *used == definition.rust_name)
        });
        let progress = !ready.is_empty();
        let batch = if progress { ready } else { waiting.clone() };
        for definition in batch {
            let used: Vec<(&String, &str)> = definition
                .uses
                .iter()
                .filter(|used| **used != definition.rust_name)
                .map(|used| (used, assigned.get(used).map_or("", String::as_str)))
                .collect();
            let fingerprint = definition
                .fingerprint
                .as_ref()
                .map(|fingerprint| format!("{used:?} {fingerprint}"));
            if let Some(module) = fingerprint.as_ref().and_then(|fingerprint| {
                revisions.reuse(&definition.rust_name, fingerprint, version)
            }) {
                assigned.insert(definition.rust_name.clone(), module);
                continue;
            }
            let uses: Vec<TokenStream> = used
                .iter()
                .map(|(used, revision)| {
                    let module = ident(&names::module_name(used));
                    let revision = ident(revision);
                    let name = ident(used);
                    quote!(use crate::api::types::#module::#revision::#name;)
                })
                .collect();
            let (key, body) = match &definition.compared {
                Some(compared) => {
                    let compared = compared();
                    (quote!(#(#uses)* #compared).to_string(), None)
                }
                None => {
                    let body = (definition.emit)();
                    (quote!(#(#uses)* #body).to_string(), Some(body))
                }
            };
            // The key is the file's text unless it was compared without
            // the example.
            let text = definition.compared.is_none().then(|| key.clone());
            let file = |module: &str| {
                let body = body.unwrap_or_else(|| (definition.emit)());
                revision_file(&definition.rust_name, module, quote!(#(#uses)* #body))
            };
            let (module, new_file) = revisions.record(&definition.rust_name, key, file, version);
            if let Some(new_file) = new_file {
                on_file(new_file, text);
            }
            if let Some(fingerprint) = fingerprint {
                revisions
                    .by_fingerprint
                    .insert((definition.rust_name.clone(), fingerprint), module.clone());
            }
            assigned.insert(definition.rust_name.clone(), module);
        }
        pending = if progress { waiting } else { Vec::new() };
    }
    assigned
}

/// The named types a field uses.
fn uses_of(fields: &[Field]) -> Vec<String> {
    let mut uses: Vec<String> = fields
        .iter()
        .filter_map(|field| match &field.kind {
            FieldKind::Value(type_ref) => type_ref.named().map(str::to_owned),
            _ => None,
        })
        .collect();
    uses.sort();
    uses.dedup();
    uses
}

/// Every type `version` defines: objects (partial types of previous values
/// among them), enums, events and `Event`.
fn definitions(version: &Version) -> Vec<Definition<'_>> {
    let mut definitions = Vec::new();
    for definition in version.types.values() {
        // A type's tokens are made from its definition alone.
        let fingerprint = Some(format!("{definition:?}"));
        match definition {
            TypeDef::Object(object) => {
                definitions.push(Definition {
                    rust_name: object.rust_name.clone(),
                    uses: uses_of(&object.fields),
                    fingerprint,
                    emit: Box::new(move || {
                        types::struct_tokens(&StructDef {
                            rust_name: &object.rust_name,
                            docs: vec![object.description.clone()],
                            deprecated: None,
                            fields: &object.fields,
                            inherent: TokenStream::new(),
                            deserialize: None,
                        })
                    }),
                    compared: None,
                });
            }
            TypeDef::Enum(enum_def) => definitions.push(Definition {
                rust_name: enum_def.rust_name.clone(),
                uses: Vec::new(),
                fingerprint,
                emit: Box::new(move || types::enum_tokens(enum_def)),
                compared: None,
            }),
            TypeDef::Union(union) => definitions.push(Definition {
                rust_name: union.rust_name.clone(),
                uses: union
                    .variants
                    .iter()
                    .filter_map(|variant| variant.payload.clone())
                    .collect(),
                fingerprint,
                emit: Box::new(move || types::union_tokens(union)),
                compared: None,
            }),
        }
    }
    let envelope = envelope::Envelope::of(version);
    // What an event's compared tokens are made from besides the event:
    // the envelope it is read through.
    let envelope_fingerprint = format!("{envelope:?} {:?}", version.payload_members);
    let mut envelope_used = false;
    for event in &version.events {
        let deserialize = envelope
            .as_ref()
            .and_then(|envelope| envelope.deserialize_impl(version, event));
        let mut uses = uses_of(&event.fields);
        if deserialize.is_some() {
            envelope_used = true;
            uses.push(names::EVENT_ENVELOPE.to_owned());
        }
        // The example is left out: it shows in the docs, not in what is
        // compared.
        let without_example = EventDef {
            example: None,
            ..event.clone()
        };
        definitions.push(Definition {
            rust_name: event.rust_name.clone(),
            uses,
            fingerprint: Some(format!("{without_example:?} {envelope_fingerprint}")),
            emit: Box::new({
                let deserialize = deserialize.clone();
                move || event_tokens(version, event, deserialize.clone(), true)
            }),
            compared: Some(Box::new(move || {
                event_tokens(version, event, deserialize.clone(), false)
            })),
        });
    }
    if let Some(envelope) = envelope.filter(|_| envelope_used) {
        definitions.push(Definition {
            rust_name: names::EVENT_ENVELOPE.to_owned(),
            uses: envelope.uses(),
            fingerprint: None,
            emit: Box::new(move || envelope.tokens()),
            compared: None,
        });
    }
    definitions.push(Definition {
        rust_name: names::EVENT_ENUM.to_owned(),
        uses: version
            .events
            .iter()
            .map(|event| event.rust_name.clone())
            .collect(),
        fingerprint: None,
        emit: Box::new(move || events::event_enum(version)),
        compared: None,
    });
    definitions
}

/// An event's struct, with its version's example in the docs or, for
/// comparing with other versions, without.
fn event_tokens(
    version: &Version,
    event: &EventDef,
    deserialize: Option<TokenStream>,
    with_example: bool,
) -> TokenStream {
    let event_type = &event.event_type;
    let mut docs = vec![format!("`{}`: {}", event.event_type, event.description)];
    if let Some(example) = event.example.as_ref().filter(|_| with_example) {
        docs.extend([
            String::new(),
            format!("# Example (API version {})", version.date),
            String::new(),
            "```json".to_owned(),
            example.json.trim_end().to_owned(),
            "```".to_owned(),
        ]);
    }
    types::struct_tokens(&StructDef {
        rust_name: &event.rust_name,
        docs,
        deprecated: event.deprecated.as_deref(),
        fields: &event.fields,
        inherent: quote! {
            /// The event's `type`.
            pub const TYPE: &'static str = #event_type;
        },
        deserialize,
    })
}

/// `types/<type>/<version>.rs`: one revision of a type. Which versions
/// compile it is said once, in `types/mod.rs`, so that a new version leaves
/// the files of the types it does not change alone.
fn revision_file(rust_name: &str, module: &str, tokens: TokenStream) -> EmittedFile {
    let date = module.trim_start_matches('v').replace('_', "-");
    EmittedFile {
        path: format!("types/{}/{module}.rs", names::module_name(rust_name)),
        docs: vec![format!("`{rust_name}` as defined in API version {date}.")],
        tokens,
    }
}

/// `types/mod.rs`: one module per type, holding its revisions, each behind
/// the features of the versions using it: the one place version gates live.
fn types_mod_file(revisions: &Revisions) -> EmittedFile {
    let modules = revisions.by_type.iter().map(|(rust_name, type_revisions)| {
        let module = ident(&names::module_name(rust_name));
        let docs = doc_attrs(&[format!(
            "Every revision of `{rust_name}`, one module per API version that changed it."
        )]);
        let gated = type_revisions.iter().map(|revision| {
            let cfg = cfg_any(&revision.features);
            let revision = ident(&revision.module);
            quote!(#cfg pub mod #revision;)
        });
        quote! {
            #docs
            pub mod #module {
                #(#gated)*
            }
        }
    });
    EmittedFile {
        path: "types/mod.rs".to_owned(),
        docs: vec![
            "The definitions behind the version modules; each type once per distinct definition."
                .to_owned(),
            String::new(),
            "Each revision is compiled when a version using it is enabled; these gates are the only place that lists versions per type."
                .to_owned(),
        ],
        tokens: quote! {
            // Deprecated fields and events are still defined, parsed and
            // serialized; only their users should be warned.
            #![allow(deprecated)]
            #(#modules)*
        },
    }
}
