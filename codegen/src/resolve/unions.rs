//! Tagged unions: each kind becomes a variant, and a kind with members
//! besides the tag gets an object of them, its tag first as a constant, so
//! that it reads and writes itself like any object.

use serde_saphyr::Spanned;

use super::overlay::FieldDraft;
use super::span_of;
use super::version::VersionResolver;
use crate::diagnostic::{Diagnostic, Span};
use crate::ir::{
    Field, FieldKind, ObjectDef, ObjectOrigin, Presence, TypeDef, UnionDef, UnionVariant,
};
use crate::load::Loaded;
use crate::names;
use crate::spec::{UnionFile, VariantSpec};

impl VersionResolver<'_> {
    /// A union from its file; its name is already registered.
    pub(super) fn union(&mut self, spec_name: &str, file: &Loaded<UnionFile>) {
        let Some(rust_name) = self.names.get(spec_name).cloned() else {
            return;
        };
        let content = &file.content;
        let description = self.description(content.description.as_ref(), &file.path);
        let tag = content.tag.value.clone();
        if names::field_name(&tag).is_empty() || tag.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(span_of(&file.path, &content.tag), "the tag is empty")
                    .hint("name the member that holds the kind, such as `tag: type`"),
            );
            return;
        }
        if content.variants.0.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(Span::file(&file.path), "the union has no variants")
                    .hint("list each kind under `variants:`, keyed by its tag value"),
            );
        }
        let mut variants: Vec<UnionVariant> = Vec::new();
        for (wire, spec) in &content.variants.0 {
            if let Some(variant) = self.variant(&rust_name, wire, spec, file, &variants) {
                variants.push(variant);
            }
        }
        self.types.insert(
            rust_name.clone(),
            TypeDef::Union(UnionDef {
                spec_name: spec_name.to_owned(),
                rust_name,
                description,
                tag,
                variants,
                span: Span::file(&file.path),
            }),
        );
    }

    /// One kind, with the object of its members when it has any.
    fn variant(
        &mut self,
        union: &str,
        wire: &Spanned<String>,
        spec: &VariantSpec,
        file: &Loaded<UnionFile>,
        earlier: &[UnionVariant],
    ) -> Option<UnionVariant> {
        let span = span_of(&file.path, wire);
        let rust_name = match &spec.rust_name {
            Some(name) => name.value.clone(),
            None => names::variant_name(&wire.value),
        };
        if !names::is_upper_camel(&rust_name) || rust_name == "Unrecognized" {
            self.diagnostics.push(
                Diagnostic::new(
                    span,
                    format!(
                        "the kind `{}` gives no usable Rust variant name (got `{rust_name}`)",
                        wire.value
                    ),
                )
                .hint("set `rust_name` on the kind to an UpperCamelCase name other than `Unrecognized`"),
            );
            return None;
        }
        if let Some(first) = earlier
            .iter()
            .find(|variant| variant.rust_name == rust_name)
        {
            self.diagnostics.push(
                Diagnostic::new(
                    span,
                    format!(
                        "the kinds `{}` and `{}` both become the variant `{rust_name}`",
                        wire.value, first.wire
                    ),
                )
                .hint("set `rust_name` on one of them"),
            );
            return None;
        }
        let description = self.description(spec.description.as_ref(), &file.path);
        let drafts: Vec<FieldDraft> = spec
            .fields
            .iter()
            .flat_map(|fields| &fields.0)
            .map(|(field_wire, field_spec)| FieldDraft {
                wire: field_wire.clone(),
                file: file.path.clone(),
                spec: field_spec.clone(),
            })
            .collect();
        let payload = if drafts.is_empty() {
            None
        } else {
            let payload_name = format!("{union}{rust_name}");
            if !self.claim(&payload_name, span.clone()) {
                return None;
            }
            self.variant_members(&payload_name, union, wire, &drafts, file, &description);
            Some(payload_name)
        };
        Some(UnionVariant {
            wire: wire.value.clone(),
            rust_name,
            description,
            payload,
        })
    }

    /// Defines the object of a kind's members: its tag, a constant, then
    /// the members the spec lists.
    fn variant_members(
        &mut self,
        payload_name: &str,
        union: &str,
        wire: &Spanned<String>,
        drafts: &[FieldDraft],
        file: &Loaded<UnionFile>,
        description: &str,
    ) {
        let span = span_of(&file.path, wire);
        let tag = file.content.tag.value.as_str();
        let tag_field = Field {
            wire_name: tag.to_owned(),
            rust_name: names::field_name(tag),
            kind: FieldKind::Const(wire.value.clone()),
            presence: Presence::Always,
            deprecated: None,
            preview: false,
            description: format!("The kind, always `{}`.", wire.value),
            example: None,
            span,
        };
        let mut fields = vec![tag_field];
        fields.extend(self.object_fields(payload_name, drafts));
        if let Some(clash) = fields[1..].iter().find(|field| field.wire_name == tag) {
            self.diagnostics.push(
                Diagnostic::new(
                    clash.span.clone(),
                    format!("the member `{tag}` is the union's tag"),
                )
                .hint("the tag is written by the union itself; remove this field"),
            );
        }
        self.types.insert(
            payload_name.to_owned(),
            TypeDef::Object(ObjectDef {
                spec_name: format!("{}.{}", file.name, wire.value),
                rust_name: payload_name.to_owned(),
                description: description.to_owned(),
                fields,
                origin: ObjectOrigin::UnionVariant(union.to_owned()),
                span: Span::file(&file.path),
                last_changed_in: file.path.clone(),
            }),
        );
    }
}
