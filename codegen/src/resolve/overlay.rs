//! The definitions in force at each version: the first version's files,
//! then each later version's overlay (new files, `patch`es, `removed.yaml`)
//! applied in turn.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::span_of;
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::load::{Loaded, VersionFiles};
use crate::spec::{
    EnumFile, EnumValueSpec, EventFile, FieldSpec, ObjectFile, ObjectPatch, OrderedMap,
    RemovedFile, UnionFile,
};

/// A field as written, with the file it was written in (a patch may add
/// fields to an object defined in another file).
#[derive(Debug, Clone)]
pub(super) struct FieldDraft {
    pub wire: Spanned<String>,
    pub file: PathBuf,
    pub spec: FieldSpec,
}

/// An object or the envelope as in force at some version.
#[derive(Debug, Clone)]
pub(super) struct ObjectDraft {
    pub file: PathBuf,
    /// The latest file that defines or patches it: where a field is added.
    pub last_file: PathBuf,
    pub description: Option<Spanned<String>>,
    pub fields: Vec<FieldDraft>,
}

/// A named enum as in force at some version; each value keeps its file.
#[derive(Debug, Clone)]
pub(super) struct EnumDraft {
    pub file: PathBuf,
    /// The latest file that defines or patches it: where a value is added.
    pub last_file: PathBuf,
    pub description: Option<Spanned<String>>,
    pub values: Vec<(Spanned<EnumValueSpec>, PathBuf)>,
    pub span: Span,
}

/// An event file in force at some version.
#[derive(Debug, Clone)]
pub(super) struct EventDraft {
    pub file: PathBuf,
    /// The file name without `.yaml`.
    pub name: String,
    /// The version whose directory holds the file: its example shows that
    /// version's payload.
    pub written_for: String,
    pub spec: EventFile,
}

/// The definitions in force at some version: the previous version's, with
/// this version's overlay applied.
#[derive(Debug, Clone, Default)]
pub(super) struct Drafts {
    pub envelope: Option<ObjectDraft>,
    pub objects: BTreeMap<String, ObjectDraft>,
    pub enums: BTreeMap<String, EnumDraft>,
    /// Tagged unions, each as its latest file defines it whole.
    pub unions: BTreeMap<String, Loaded<UnionFile>>,
    pub events: BTreeMap<String, EventDraft>,
    /// Objects, enums and unions whose file could not be read or parsed, in this
    /// version or an earlier one: references to them are not reported again.
    pub unreadable: BTreeSet<String>,
}

impl Drafts {
    /// Applies one version's files to the definitions of the version before.
    pub fn apply(
        &mut self,
        date: &str,
        files: &VersionFiles,
        is_first: bool,
        diagnostics: &mut Diagnostics,
    ) {
        for path in &files.unreadable {
            let kind = path.parent().and_then(Path::file_name);
            let name = path.file_stem().and_then(|name| name.to_str());
            if let (Some(kind), Some(name)) = (kind, name)
                && (kind == "objects" || kind == "enums" || kind == "unions")
            {
                self.unreadable.insert(name.to_owned());
            }
        }
        let envelope_unreadable = files
            .unreadable
            .iter()
            .any(|path| path.ends_with("envelope.yaml"));
        if let Some(envelope) = &files.envelope {
            let previous = self.envelope.take();
            self.envelope = object_draft(envelope, previous, diagnostics);
        } else if is_first && !envelope_unreadable {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(Path::new(date)),
                    "the first version has no `envelope.yaml`",
                )
                .hint("describe the event envelope in `envelope.yaml`; spec/README.md shows it"),
            );
        }
        for object in &files.objects {
            let previous = self.objects.remove(&object.name);
            if let Some(draft) = object_draft(object, previous, diagnostics) {
                self.objects.insert(object.name.clone(), draft);
            }
        }
        for enum_file in &files.enums {
            let previous = self.enums.remove(&enum_file.name);
            if let Some(draft) = enum_draft(enum_file, previous, diagnostics) {
                self.enums.insert(enum_file.name.clone(), draft);
            }
        }
        for union in &files.unions {
            self.unions.insert(union.name.clone(), union.clone());
        }
        self.apply_events(date, files, diagnostics);
        if let Some(removed) = &files.removed {
            self.apply_removed(removed, is_first, diagnostics);
        }
    }

    /// The version's event files, each replacing its type's earlier one.
    fn apply_events(&mut self, date: &str, files: &VersionFiles, diagnostics: &mut Diagnostics) {
        let mut defined_here: BTreeMap<&str, &Path> = BTreeMap::new();
        for event in &files.events {
            let event_type = event.content.event_type.value.as_str();
            if let Some(first) = defined_here.insert(event_type, &event.path) {
                diagnostics.push(
                    Diagnostic::new(
                        span_of(&event.path, &event.content.event_type),
                        format!(
                            "event type `{event_type}` is already defined in {}",
                            crate::diagnostic::display_path(first)
                        ),
                    )
                    .hint("each event type has exactly one file"),
                );
                continue;
            }
            self.events.insert(
                event_type.to_owned(),
                EventDraft {
                    file: event.path.clone(),
                    name: event.name.clone(),
                    written_for: date.to_owned(),
                    spec: event.content.clone(),
                },
            );
        }
    }

    /// `removed.yaml`: definitions of earlier versions that end here.
    fn apply_removed(
        &mut self,
        removed: &Loaded<RemovedFile>,
        is_first: bool,
        diagnostics: &mut Diagnostics,
    ) {
        if is_first {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(&removed.path),
                    "the first version has nothing to remove",
                )
                .hint("delete `removed.yaml` from the first version"),
            );
            return;
        }
        let lists = [
            ("object", &removed.content.objects),
            ("enum", &removed.content.enums),
            ("union", &removed.content.unions),
            ("event", &removed.content.events),
        ];
        for (kind, names) in lists {
            for name in names {
                let existed = match kind {
                    "object" => self.objects.remove(&name.value).is_some(),
                    "enum" => self.enums.remove(&name.value).is_some(),
                    "union" => self.unions.remove(&name.value).is_some(),
                    _ => self.events.remove(&name.value).is_some(),
                };
                if !existed {
                    diagnostics.push(
                        Diagnostic::new(
                            span_of(&removed.path, name),
                            format!(
                                "removes the {kind} `{}`, which the previous version does not have",
                                name.value
                            ),
                        )
                        .hint(
                            "check the name; only definitions of earlier versions can be removed",
                        ),
                    );
                }
            }
        }
    }
}

/// An object (or the envelope) after applying `file` to its previous definition.
fn object_draft(
    file: &Loaded<ObjectFile>,
    previous: Option<ObjectDraft>,
    diagnostics: &mut Diagnostics,
) -> Option<ObjectDraft> {
    let content = &file.content;
    match (&content.patch, &content.fields) {
        (Some(_), _) if content.description.is_some() || content.fields.is_some() => {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(&file.path),
                    "a file is either a complete definition or a `patch`, not both",
                )
                .hint("move `description` and `fields` under `patch:` (as `description` and `set`), or drop `patch`"),
            );
            previous
        }
        (Some(patch), _) => {
            let mut draft = patch_base(previous, &file.path, &file.name, "fields", diagnostics)?;
            draft.last_file = file.path.clone();
            patch_object(&mut draft, patch, file, diagnostics);
            Some(draft)
        }
        (None, Some(fields)) => Some(ObjectDraft {
            file: file.path.clone(),
            last_file: file.path.clone(),
            description: content.description.clone(),
            fields: field_drafts(fields, &file.path),
        }),
        (None, None) => {
            diagnostics.push(
                Diagnostic::new(Span::file(&file.path), "missing `fields`")
                    .hint("a complete definition has `description` and `fields`; a change of an earlier version is a `patch`"),
            );
            previous
        }
    }
}

/// The earlier definition a patch applies to; without one, the patch is
/// reported: it should be a complete definition (`description` and `body`).
fn patch_base<T>(
    previous: Option<T>,
    path: &Path,
    name: &str,
    body: &str,
    diagnostics: &mut Diagnostics,
) -> Option<T> {
    if previous.is_none() {
        diagnostics.push(
            Diagnostic::new(
                Span::file(path),
                format!("`{name}` is a patch, but no earlier version defines it"),
            )
            .hint(format!(
                "write the complete definition (`description` and `{body}`) instead"
            )),
        );
    }
    previous
}

/// The fields of a map, each remembering its file.
fn field_drafts(map: &OrderedMap<FieldSpec>, file: &Path) -> Vec<FieldDraft> {
    map.0
        .iter()
        .map(|(wire, spec)| FieldDraft {
            wire: wire.clone(),
            file: file.to_path_buf(),
            spec: spec.clone(),
        })
        .collect()
}

/// Applies an object's `patch`: a new description, fields set (replaced in
/// place or added at the end) and fields removed.
fn patch_object(
    draft: &mut ObjectDraft,
    patch: &ObjectPatch,
    file: &Loaded<ObjectFile>,
    diagnostics: &mut Diagnostics,
) {
    if let Some(description) = &patch.description {
        draft.description = Some(description.clone());
    }
    for field in patch
        .set
        .iter()
        .flat_map(|set| field_drafts(set, &file.path))
    {
        match draft
            .fields
            .iter_mut()
            .find(|existing| existing.wire.value == field.wire.value)
        {
            Some(existing) => *existing = field,
            None => draft.fields.push(field),
        }
    }
    for removed in patch.remove.iter().flatten() {
        let before = draft.fields.len();
        draft
            .fields
            .retain(|field| field.wire.value != removed.value);
        if draft.fields.len() == before {
            diagnostics.push(
                Diagnostic::new(
                    span_of(&file.path, removed),
                    format!(
                        "removes the field `{}`, which `{}` does not have",
                        removed.value, file.name
                    ),
                )
                .hint("check the field's wire name"),
            );
        }
    }
}

/// An enum after applying `file` to its previous definition.
fn enum_draft(
    file: &Loaded<EnumFile>,
    previous: Option<EnumDraft>,
    diagnostics: &mut Diagnostics,
) -> Option<EnumDraft> {
    let content = &file.content;
    let with_file = |values: &[Spanned<EnumValueSpec>]| -> Vec<(Spanned<EnumValueSpec>, PathBuf)> {
        values
            .iter()
            .map(|value| (value.clone(), file.path.clone()))
            .collect()
    };
    match (&content.patch, &content.values) {
        (Some(_), _) if content.values.is_some() || content.description.is_some() => {
            diagnostics.push(
                Diagnostic::new(
                    Span::file(&file.path),
                    "a file is either a complete definition or a `patch`, not both",
                )
                .hint("move the changes under `patch:` as `add`, `remove` and `description`"),
            );
            previous
        }
        (Some(patch), _) => {
            let mut draft = patch_base(previous, &file.path, &file.name, "values", diagnostics)?;
            draft.last_file = file.path.clone();
            if let Some(description) = &patch.description {
                draft.description = Some(description.clone());
            }
            draft
                .values
                .extend(with_file(patch.add.as_deref().unwrap_or_default()));
            for removed in patch.remove.iter().flatten() {
                let before = draft.values.len();
                draft
                    .values
                    .retain(|(value, _)| value.value.value != removed.value);
                if draft.values.len() == before {
                    diagnostics.push(
                        Diagnostic::new(
                            span_of(&file.path, removed),
                            format!(
                                "removes the value `{}`, which `{}` does not have",
                                removed.value, file.name
                            ),
                        )
                        .hint("check the spelling of the value"),
                    );
                }
            }
            Some(draft)
        }
        (None, Some(values)) => Some(EnumDraft {
            file: file.path.clone(),
            last_file: file.path.clone(),
            description: content.description.clone(),
            values: with_file(&values.value),
            span: span_of(&file.path, values),
        }),
        (None, None) => {
            diagnostics.push(
                Diagnostic::new(Span::file(&file.path), "missing `values`")
                    .hint("list the enum's values under `values:`"),
            );
            previous
        }
    }
}
