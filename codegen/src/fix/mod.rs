//! The spec changes that make a captured payload fit its version: what
//! `cargo xtask check-payload --fix` writes.
//!
//! Each change is the smallest that describes what the payload shows, made
//! where the definition in force at the payload's version is written, so
//! that it holds from there on for every version that inherits it:
//!
//! - `null` where the field is not nullable: `nullable: true`;
//! - a required field missing: `required: false`;
//! - a field the spec lacks: a new optional field typed from its values
//!   (an object's members go into a new object file), `json` where the
//!   values say too little;
//! - an enum value or a union kind the spec lacks: added.
//!
//! Planning reads files through a callback and returns their new texts; it
//! writes nothing.

mod infer;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use serde_json::Value;

use crate::conformance::{Finding, FindingKind, PathStep, Site, check_payload};
use crate::diagnostic::{Span, display_path};
use crate::ir::{EnumSource, ObjectOrigin, Spec, TypeDef, Version};
use crate::names;
use infer::{Member, Shape};
use yaml::{LineId, YamlText, scalar};

/// The changes that make one payload fit the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixes {
    /// The version the payload was checked against.
    pub version: String,
    /// The payload's event type.
    pub event_type: String,
    /// Every file to write (relative to the spec directory) with its new text.
    pub files: BTreeMap<PathBuf, String>,
    /// What changed, in the order planned.
    pub changes: Vec<Change>,
    /// What no change of the spec describes: wrong types and constants.
    pub left: Vec<Finding>,
}

/// One change to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file and the line changed (in its new text).
    pub span: Span,
    /// The payload's JSON path that needs it.
    pub path: String,
    /// What changed, in words.
    pub what: String,
    /// What the maintainer should know: why a type is `json`, which later
    /// versions define the field anew and so are unchanged.
    pub notes: Vec<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.span, self.what, self.path)?;
        for note in &self.notes {
            write!(f, "\n    note: {note}")?;
        }
        Ok(())
    }
}

/// Why a payload gets no changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixError {
    /// The body is not a Gigs event.
    NotAnEnvelope(String),
    /// The payload's API version is not in the spec.
    VersionNotInSpec(String),
    /// The payload's event type is not in its version.
    EventTypeNotInSpec { event_type: String, version: String },
    /// A file to change is not written in a way the change can be made in.
    CannotEdit { span: Span, message: String },
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnEnvelope(why) => write!(
                f,
                "not a Gigs event envelope ({why}); nothing changed. \
                 --fix takes the body of a Gigs webhook: a JSON object with \
                 `\"object\": \"event\"`, a string `type` and an object `data`"
            ),
            Self::VersionNotInSpec(version) => write!(
                f,
                "API version `{version}` is not in the spec; nothing changed. \
                 Add it with `cargo xtask new-version {version}`, then fix again"
            ),
            Self::EventTypeNotInSpec {
                event_type,
                version,
            } => {
                let file = event_type.strip_prefix("com.gigs.").unwrap_or(event_type);
                write!(
                    f,
                    "event type `{event_type}` is not in version {version}; nothing changed. \
                     Describe it in `spec/{version}/events/{file}.yaml` (spec/README.md, \
                     \"Events\", shows how), then fix again for its fields"
                )
            }
            Self::CannotEdit { span, message } if span.file.as_os_str().is_empty() => {
                write!(f, "{message}; nothing changed")
            }
            Self::CannotEdit { span, message } => {
                write!(f, "spec/{span}: {message}; nothing changed")
            }
        }
    }
}

impl std::error::Error for FixError {}

/// Plans the changes that make `payload` fit the spec. `read` gives the
/// text of a spec file (path relative to the spec directory), `None` when
/// there is no such file.
pub fn plan(
    spec: &Spec,
    payload: &Value,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<Fixes, FixError> {
    check_envelope(payload)?;
    let report = check_payload(spec, payload);
    let event_type = report.event_type.clone().unwrap_or_default();
    let Some(version) = report
        .version
        .as_deref()
        .and_then(|date| spec.versions.iter().find(|version| version.date == date))
    else {
        let named = payload.get("version").and_then(Value::as_str);
        return Err(FixError::VersionNotInSpec(
            named.unwrap_or_default().to_owned(),
        ));
    };
    if report
        .findings
        .iter()
        .any(|finding| finding.kind == FindingKind::NotInSpec)
    {
        return Err(FixError::EventTypeNotInSpec {
            event_type,
            version: version.date.clone(),
        });
    }
    let mut planner = Planner {
        spec,
        version,
        event_type: event_type.clone(),
        read,
        files: BTreeMap::new(),
        changes: Vec::new(),
        taken: taken_names(spec),
    };
    let left = planner.plan(&report.findings, payload)?;
    let changes = planner
        .changes
        .iter()
        .map(|planned| Change {
            span: Span::at(
                &planned.file,
                planner
                    .files
                    .get(&planned.file)
                    .map_or(0, |text| text.line_number(planned.line)),
                0,
            ),
            path: planned.path.clone(),
            what: planned.what.clone(),
            notes: planned.notes.clone(),
        })
        .collect();
    Ok(Fixes {
        version: version.date.clone(),
        event_type,
        files: planner
            .files
            .iter()
            .map(|(path, text)| (path.clone(), text.text()))
            .collect(),
        changes,
        left,
    })
}

/// A Gigs event: an object with `"object": "event"`, a string `type` and
/// an object `data`.
fn check_envelope(payload: &Value) -> Result<(), FixError> {
    let Some(map) = payload.as_object() else {
        return Err(FixError::NotAnEnvelope(
            "it is not a JSON object".to_owned(),
        ));
    };
    if map.get("object").and_then(Value::as_str) != Some("event") {
        return Err(FixError::NotAnEnvelope(
            "its `object` is not `event`".to_owned(),
        ));
    }
    if !map.get("type").is_some_and(Value::is_string) {
        return Err(FixError::NotAnEnvelope(
            "it has no string `type`".to_owned(),
        ));
    }
    if !map.get("data").is_some_and(Value::is_object) {
        return Err(FixError::NotAnEnvelope(
            "its `data` is not the object the event is about".to_owned(),
        ));
    }
    Ok(())
}

/// Every Rust type name any version uses, or the generated code reserves.
fn taken_names(spec: &Spec) -> BTreeSet<String> {
    let mut taken: BTreeSet<String> = spec
        .versions
        .iter()
        .flat_map(|version| version.types.keys().cloned())
        .collect();
    taken.insert(names::EVENT_ENUM.to_owned());
    taken.insert(names::EVENT_ENVELOPE.to_owned());
    taken
}

/// A change as planned: its line is known by id until every edit is made.
struct Planned {
    file: PathBuf,
    line: LineId,
    path: String,
    what: String,
    notes: Vec<String>,
}

/// Where a new field goes: a file and the mapping's keys in it.
struct Target {
    file: PathBuf,
    path: Vec<String>,
    /// The spec name new objects of its members are named after.
    owner_name: String,
}

struct Planner<'a> {
    spec: &'a Spec,
    version: &'a Version,
    event_type: String,
    read: &'a dyn Fn(&Path) -> Option<String>,
    files: BTreeMap<PathBuf, YamlText>,
    changes: Vec<Planned>,
    /// Rust type names in use, new objects' included.
    taken: BTreeSet<String>,
}

impl Planner<'_> {
    /// Plans a change for each finding a change describes; returns the rest.
    fn plan(&mut self, findings: &[Finding], payload: &Value) -> Result<Vec<Finding>, FixError> {
        let mut left = Vec::new();
        // Values by where they go: list items may show one field many times.
        let mut new_fields: BTreeMap<(Site, String), (String, Vec<&Value>)> = BTreeMap::new();
        let mut new_kinds: BTreeMap<(String, String), (String, Vec<&Value>)> = BTreeMap::new();
        let mut new_values: BTreeMap<(String, String), String> = BTreeMap::new();
        for finding in findings {
            let value = value_at(payload, &finding.steps);
            match (&finding.kind, &finding.site) {
                (FindingKind::UnexpectedNull, Some(Site::Field { owner, wire, span })) => {
                    self.set_flag(finding, owner.as_deref(), wire, span, "nullable", "true")?;
                }
                (FindingKind::MissingField, Some(Site::Field { owner, wire, span })) => {
                    self.set_flag(finding, owner.as_deref(), wire, span, "required", "false")?;
                }
                (FindingKind::UnknownField, Some(site)) => {
                    let Some((PathStep::Field(key), value)) = finding.steps.last().zip(value)
                    else {
                        left.push(finding.clone());
                        continue;
                    };
                    let entry = new_fields
                        .entry((self.defining_site(site), key.clone()))
                        .or_insert_with(|| (finding.path.clone(), Vec::new()));
                    entry.1.push(value);
                }
                (FindingKind::UnknownEnumValue, Some(Site::Enum(name))) => {
                    if let Some(text) = value.and_then(Value::as_str) {
                        new_values
                            .entry((name.clone(), text.to_owned()))
                            .or_insert_with(|| finding.path.clone());
                    }
                }
                (FindingKind::UnknownEnumValue, Some(Site::Union(name))) => {
                    let parent = &finding.steps[..finding.steps.len().saturating_sub(1)];
                    let (Some(kind), Some(object)) =
                        (value.and_then(Value::as_str), value_at(payload, parent))
                    else {
                        left.push(finding.clone());
                        continue;
                    };
                    let entry = new_kinds
                        .entry((name.clone(), kind.to_owned()))
                        .or_insert_with(|| (finding.path.clone(), Vec::new()));
                    entry.1.push(object);
                }
                _ => left.push(finding.clone()),
            }
        }
        for ((site, key), (path, values)) in new_fields {
            self.add_field(&site, &key, &path, &values)?;
        }
        for ((enum_name, value), path) in new_values {
            self.add_enum_value(&enum_name, &value, &path)?;
        }
        for ((union, kind), (path, objects)) in new_kinds {
            self.add_union_kind(&union, &kind, &path, &objects)?;
        }
        Ok(left)
    }

    /// The site whose definition a field is added to: an object's previous
    /// values are the object's fields.
    fn defining_site(&self, site: &Site) -> Site {
        if let Site::Object(name) = site
            && let Some(object) = self.version.object(name)
            && let ObjectOrigin::PreviousValues(data) = &object.origin
        {
            return Site::Object(data.clone());
        }
        site.clone()
    }

    fn text(&mut self, file: &Path) -> Result<&mut YamlText, FixError> {
        if !self.files.contains_key(file) {
            let Some(text) = (self.read)(file) else {
                return Err(FixError::CannotEdit {
                    span: Span::file(file),
                    message: "cannot read the file".to_owned(),
                });
            };
            self.files.insert(file.to_path_buf(), YamlText::new(&text));
        }
        self.files
            .get_mut(file)
            .ok_or_else(|| FixError::CannotEdit {
                span: Span::file(file),
                message: "cannot read the file".to_owned(),
            })
    }

    fn cannot_edit(file: &Path, error: yaml::EditError) -> FixError {
        FixError::CannotEdit {
            span: Span::at(file, error.line, 0),
            message: error.message,
        }
    }

    /// `nullable: true` or `required: false` on a field's definition.
    fn set_flag(
        &mut self,
        finding: &Finding,
        owner: Option<&str>,
        wire: &str,
        span: &Span,
        key: &str,
        value: &str,
    ) -> Result<(), FixError> {
        let changed = self
            .text(&span.file)?
            .set_field_key(span.line, span.column, wire, key, value)
            .map_err(|error| Self::cannot_edit(&span.file, error))?;
        let Some(line) = changed else {
            return Ok(());
        };
        let why = match key {
            "nullable" => "the payload has it null",
            _ => "the payload leaves it out",
        };
        let notes = self.later_definitions(owner, wire, span);
        self.changes.push(Planned {
            file: span.file.clone(),
            line,
            path: finding.path.clone(),
            what: format!("`{key}: {value}` on `{wire}`: {why}"),
            notes,
        });
        Ok(())
    }

    /// The later versions that define the field anew, which a change of
    /// this definition does not reach.
    fn later_definitions(&self, owner: Option<&str>, wire: &str, span: &Span) -> Vec<String> {
        let mut seen: BTreeSet<Span> = BTreeSet::new();
        let mut notes = Vec::new();
        let later = self
            .spec
            .versions
            .iter()
            .skip_while(|version| version.date != self.version.date)
            .skip(1);
        for version in later {
            let fields = match owner {
                Some(object) => version.object(object).map(|object| &object.fields),
                None => version
                    .events
                    .iter()
                    .find(|event| event.event_type == self.event_type)
                    .map(|event| &event.fields),
            };
            let Some(field) = fields
                .into_iter()
                .flatten()
                .find(|field| field.wire_name == wire)
            else {
                continue;
            };
            if field.span != *span && seen.insert(field.span.clone()) {
                notes.push(format!(
                    "version {} defines `{wire}` anew at {}; that definition is unchanged",
                    version.date, field.span
                ));
            }
        }
        notes
    }

    /// Where a field the site lacks goes.
    fn target(&self, site: &Site) -> Option<Target> {
        match site {
            Site::Envelope => Some(self.object_target(&self.version.envelope_file, "event")),
            Site::Object(rust_name) => {
                let object = self.version.object(rust_name)?;
                match &object.origin {
                    ObjectOrigin::Spec => {
                        Some(self.object_target(&object.last_changed_in, &object.spec_name))
                    }
                    ObjectOrigin::PreviousValues(_) => self.target(&self.defining_site(site)),
                    ObjectOrigin::UnionVariant(union) => {
                        let TypeDef::Union(union) = self.version.types.get(union)? else {
                            return None;
                        };
                        let variant = union
                            .variants
                            .iter()
                            .find(|variant| variant.payload.as_deref() == Some(rust_name))?;
                        Some(self.kind_target(&union.span.file, &union.spec_name, &variant.wire))
                    }
                }
            }
            Site::UnitKind { union, kind } => {
                let TypeDef::Union(union) = self.version.types.get(union)? else {
                    return None;
                };
                Some(self.kind_target(&union.span.file, &union.spec_name, kind))
            }
            _ => None,
        }
    }

    /// An object file's fields: `fields`, or `patch.set` in a patch.
    fn object_target(&self, file: &Path, owner_name: &str) -> Target {
        let is_patch = self
            .files
            .get(file)
            .map(YamlText::text)
            .or_else(|| (self.read)(file))
            .is_some_and(|text| text.lines().any(|line| line.starts_with("patch:")));
        let path = if is_patch {
            vec!["patch".to_owned(), "set".to_owned()]
        } else {
            vec!["fields".to_owned()]
        };
        Target {
            file: file.to_path_buf(),
            path,
            owner_name: owner_name.to_owned(),
        }
    }

    fn kind_target(&self, file: &Path, union: &str, kind: &str) -> Target {
        Target {
            file: file.to_path_buf(),
            path: vec!["variants".to_owned(), kind.to_owned(), "fields".to_owned()],
            owner_name: format!("{union}{}", kind.to_upper_camel_case()),
        }
    }

    /// A new optional field, typed from the values the payload shows.
    fn add_field(
        &mut self,
        site: &Site,
        key: &str,
        path: &str,
        values: &[&Value],
    ) -> Result<(), FixError> {
        let Some(target) = self.target(site) else {
            return Err(FixError::CannotEdit {
                span: Span::default(),
                message: format!("cannot tell where `{path}` would be defined"),
            });
        };
        let member = Member::of(values.iter().copied());
        let version_dir = version_dir(&target.file);
        let (lines, new_objects) = self.field_lines(key, &member, &target.owner_name, &version_dir);
        let keys: Vec<&str> = target.path.iter().map(String::as_str).collect();
        let line = self
            .text(&target.file)?
            .append_entry(&keys, &lines)
            .map_err(|error| Self::cannot_edit(&target.file, error))?;
        let mut notes = Vec::new();
        if let Some(reason) = member.json_reason() {
            notes.push(format!(
                "typed `json`: {reason}, which says too little for a precise type"
            ));
        }
        notes.extend(new_object_notes(&version_dir, &new_objects));
        self.changes.push(Planned {
            file: target.file.clone(),
            line,
            path: path.to_owned(),
            what: format!(
                "new optional field `{key}` of type `{}`",
                self.type_expr_preview(&member)
            ),
            notes,
        });
        Ok(())
    }

    /// The type a member gets, for the change's description.
    fn type_expr_preview(&self, member: &Member) -> String {
        fn expr(shape: &Shape) -> String {
            match shape {
                Shape::Scalar(kind) => (*kind).to_owned(),
                Shape::List(item) => format!("list<{}>", expr(item)),
                Shape::Object(_) => "object".to_owned(),
                Shape::Unknown(_) | Shape::Json(_) => "json".to_owned(),
            }
        }
        match member.json_reason() {
            Some(_) => "json".to_owned(),
            None => expr(&member.shape),
        }
    }

    /// The lines of a new field (indented from column 0), and the names of
    /// the object files created for its members.
    fn field_lines(
        &mut self,
        key: &str,
        member: &Member,
        owner_name: &str,
        version_dir: &str,
    ) -> (Vec<String>, Vec<String>) {
        let step = " ".repeat(2);
        let mut new_objects = Vec::new();
        let type_expr = match member.json_reason() {
            Some(_) => "json".to_owned(),
            None => self.type_expr(
                key,
                &member.shape,
                owner_name,
                version_dir,
                &mut new_objects,
            ),
        };
        let seen = format!(
            "Not in Gigs' documentation; seen in a `{}` payload of version {}.",
            self.event_type, self.version.date
        );
        let description = match member.json_reason() {
            Some(reason) => format!("{seen} Kept as JSON: {reason}."),
            None => seen,
        };
        let mut lines = vec![
            format!("{}:", scalar(key)),
            format!("{step}type: {}", scalar(&type_expr)),
            format!("{step}required: false"),
        ];
        if member.nullable || member.json_reason().is_some() {
            lines.push(format!("{step}nullable: true"));
        }
        lines.push(format!("{step}description: {}", scalar(&description)));
        (lines, new_objects)
    }

    /// The spec type of a shape with no `json` in it, creating object files
    /// for objects.
    fn type_expr(
        &mut self,
        key: &str,
        shape: &Shape,
        owner_name: &str,
        version_dir: &str,
        new_objects: &mut Vec<String>,
    ) -> String {
        match shape {
            Shape::Scalar(kind) => (*kind).to_owned(),
            Shape::List(item) => format!(
                "list<{}>",
                self.type_expr(key, item, owner_name, version_dir, new_objects)
            ),
            Shape::Object(members) => {
                let name = self.new_object_name(owner_name, key, version_dir);
                new_objects.push(name.clone());
                let mut lines = vec![
                    format!(
                        "description: {}",
                        scalar(&format!(
                            "The members of `{key}`, not in Gigs' documentation; seen in a `{}` payload of version {}.",
                            self.event_type, self.version.date
                        ))
                    ),
                    "fields:".to_owned(),
                ];
                for (member_key, member) in members {
                    let (field, more) = self.field_lines(member_key, member, &name, version_dir);
                    lines.extend(field.into_iter().map(|line| format!("  {line}")));
                    new_objects.extend(more);
                }
                let file = Path::new(version_dir)
                    .join("objects")
                    .join(format!("{name}.yaml"));
                let mut text = lines.join("\n");
                text.push('\n');
                self.files.insert(file, YamlText::new(&text));
                name
            }
            Shape::Unknown(_) | Shape::Json(_) => "json".to_owned(),
        }
    }

    /// `<owner><Key>`, as the spec names objects nested in others
    /// (`connectSessionAppearance`), made unique.
    fn new_object_name(&mut self, owner_name: &str, key: &str, version_dir: &str) -> String {
        let base = format!(
            "{}{}",
            owner_name.to_lower_camel_case(),
            key.to_upper_camel_case()
        );
        let mut candidate = base.clone();
        let mut counter = 2;
        loop {
            let file = Path::new(version_dir)
                .join("objects")
                .join(format!("{candidate}.yaml"));
            let free = !self.taken.contains(&names::type_name(&candidate))
                && !self.files.contains_key(&file)
                && (self.read)(&file).is_none();
            if free {
                self.taken.insert(names::type_name(&candidate));
                return candidate;
            }
            candidate = format!("{base}{counter}");
            counter += 1;
        }
    }

    /// An enum value the spec does not list, added where the enum is
    /// defined at the payload's version.
    fn add_enum_value(&mut self, enum_name: &str, value: &str, path: &str) -> Result<(), FixError> {
        let Some(TypeDef::Enum(enum_def)) = self.version.types.get(enum_name) else {
            return Ok(());
        };
        let item = scalar(value);
        let (file, result) = match &enum_def.source {
            EnumSource::Inline => {
                let span = enum_def.span.clone();
                let result =
                    self.text(&span.file)?
                        .append_to_list_at(span.line, span.column, &item);
                (span.file, result)
            }
            EnumSource::Named { last_changed_in } => {
                let is_patch = self
                    .text(last_changed_in)?
                    .text()
                    .lines()
                    .any(|line| line.starts_with("patch:"));
                let keys: &[&str] = if is_patch {
                    &["patch", "add"]
                } else {
                    &["values"]
                };
                let result = self
                    .text(last_changed_in)?
                    .append_to_list_at_path(keys, &item);
                (last_changed_in.clone(), result)
            }
        };
        let line = result.map_err(|error| Self::cannot_edit(&file, error))?;
        self.changes.push(Planned {
            file,
            line,
            path: path.to_owned(),
            what: format!("new value `{value}` of the enum {enum_name}"),
            notes: Vec::new(),
        });
        Ok(())
    }

    /// A union kind the spec does not list, with the members the payload
    /// shows besides the tag.
    fn add_union_kind(
        &mut self,
        union_name: &str,
        kind: &str,
        path: &str,
        objects: &[&Value],
    ) -> Result<(), FixError> {
        let Some(TypeDef::Union(union)) = self.version.types.get(union_name) else {
            return Ok(());
        };
        let file = union.span.file.clone();
        let owner_name = format!("{}{}", union.spec_name, kind.to_upper_camel_case());
        let version_dir = version_dir(&file);
        let mut members: Vec<(String, Vec<&Value>)> = Vec::new();
        for object in objects {
            for (key, value) in object.as_object().into_iter().flatten() {
                if *key == union.tag {
                    continue;
                }
                match members.iter_mut().find(|(known, _)| known == key) {
                    Some((_, values)) => values.push(value),
                    None => members.push((key.clone(), vec![value])),
                }
            }
        }
        let description = format!(
            "A kind not in Gigs' documentation; seen in a `{}` payload of version {}.",
            self.event_type, self.version.date
        );
        let mut lines = vec![
            format!("{}:", scalar(kind)),
            format!("  description: {}", scalar(&description)),
        ];
        let mut notes = Vec::new();
        if !members.is_empty() {
            lines.push("  fields:".to_owned());
        }
        for (key, values) in &members {
            let member = Member::of(values.iter().copied());
            if let Some(reason) = member.json_reason() {
                notes.push(format!(
                    "its member `{key}` is typed `json`: {reason}, which says too little for a precise type"
                ));
            }
            let (field, new_objects) = self.field_lines(key, &member, &owner_name, &version_dir);
            lines.extend(field.into_iter().map(|line| format!("    {line}")));
            notes.extend(new_object_notes(&version_dir, &new_objects));
        }
        let line = self
            .text(&file)?
            .append_entry(&["variants"], &lines)
            .map_err(|error| Self::cannot_edit(&file, error))?;
        self.changes.push(Planned {
            file,
            line,
            path: path.to_owned(),
            what: format!(
                "new kind `{kind}` of the union {union_name}{}",
                match members.len() {
                    0 => String::new(),
                    1 => " with its member".to_owned(),
                    _ => " with its members".to_owned(),
                }
            ),
            notes,
        });
        Ok(())
    }
}

/// A note for each object file created.
fn new_object_notes(version_dir: &str, objects: &[String]) -> Vec<String> {
    objects
        .iter()
        .map(|object| {
            let file = Path::new(version_dir)
                .join("objects")
                .join(format!("{object}.yaml"));
            format!("new object `{object}` in {}", display_path(&file))
        })
        .collect()
}

/// The value at `steps` in `payload`.
fn value_at<'a>(payload: &'a Value, steps: &[PathStep]) -> Option<&'a Value> {
    steps.iter().try_fold(payload, |value, step| match step {
        PathStep::Field(key) => value.get(key),
        PathStep::Index(index) => value.get(index),
    })
}

/// The version directory a spec file is in: its first component.
fn version_dir(file: &Path) -> String {
    file.components()
        .next()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}
