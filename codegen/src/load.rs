//! Stage 1, load: reads the spec directory into the typed file models of
//! [`crate::spec`], keeping every file's text for diagnostics.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostic, Diagnostics, Sources, Span, display_path};
use crate::spec::{EnumFile, EventFile, ObjectFile, RemovedFile, UnionFile, VersionsFile};

/// The largest spec file we read. Real ones are a few KiB; anything near this
/// is a mistake, and refusing it early bounds time and memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A file's parsed content, with its path relative to the spec directory and
/// the definition name it gives (the file name without `.yaml`).
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub name: String,
    pub content: T,
}

/// The files of one version's directory.
#[derive(Debug, Default)]
pub struct VersionFiles {
    pub envelope: Option<Loaded<ObjectFile>>,
    pub objects: Vec<Loaded<ObjectFile>>,
    pub enums: Vec<Loaded<EnumFile>>,
    pub unions: Vec<Loaded<UnionFile>>,
    pub events: Vec<Loaded<EventFile>>,
    pub removed: Option<Loaded<RemovedFile>>,
    /// Files that exist but could not be read or parsed. Their problems are
    /// already reported; later stages use this to stay quiet about names
    /// these files would have defined, instead of calling them undefined.
    pub unreadable: Vec<PathBuf>,
}

/// The whole spec as read from disk.
#[derive(Debug)]
pub struct LoadedSpec {
    pub versions: Loaded<VersionsFile>,
    /// One entry per version in `versions.yaml` whose directory could be read,
    /// in that order.
    pub version_files: Vec<(String, VersionFiles)>,
}

/// Reads every file of the spec in `spec_dir`.
///
/// Problems are collected into `diagnostics`; `None` means a file every later
/// step depends on (`versions.yaml`) could not be read.
pub fn load(
    spec_dir: &Path,
    sources: &mut Sources,
    diagnostics: &mut Diagnostics,
) -> Option<LoadedSpec> {
    let mut reader = Reader {
        spec_dir,
        sources,
        diagnostics,
    };
    let versions = reader.parse::<VersionsFile>(Path::new("versions.yaml"))?;
    let listed: Vec<String> = versions
        .content
        .versions
        .iter()
        .map(|version| version.value.clone())
        .collect();
    reader.check_no_stray_directories(&listed);
    let version_files = listed
        .iter()
        .filter_map(|version| {
            let files = reader.version_files(version, &versions)?;
            Some((version.clone(), files))
        })
        .collect();
    Some(LoadedSpec {
        versions,
        version_files,
    })
}

struct Reader<'a> {
    spec_dir: &'a Path,
    sources: &'a mut Sources,
    diagnostics: &'a mut Diagnostics,
}

impl Reader<'_> {
    fn version_files(
        &mut self,
        version: &str,
        versions: &Loaded<VersionsFile>,
    ) -> Option<VersionFiles> {
        let dir = Path::new(version);
        if !self.spec_dir.join(dir).is_dir() {
            let line = versions
                .content
                .versions
                .iter()
                .find(|listed| listed.value == version)
                .map_or(0, |listed| listed.referenced.line() as usize);
            self.diagnostics.push(
                Diagnostic::new(
                    Span::at(&versions.path, line, 5),
                    format!("version {version} has no directory `spec/{version}/`"),
                )
                .hint(format!(
                    "create `spec/{version}/` (an empty version needs only a `.keep` file), \
                     or run `cargo xtask new-version {version}`"
                )),
            );
            return None;
        }
        let mut files = VersionFiles::default();
        for entry in self.list(dir) {
            let Some(file_name) = entry.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            let unreadable = &mut files.unreadable;
            match file_name {
                ".keep" => {}
                "envelope.yaml" => files.envelope = self.parse_or_note(&entry, unreadable),
                "removed.yaml" => files.removed = self.parse_or_note(&entry, unreadable),
                "objects" => files.objects = self.parse_all(&entry, unreadable),
                "enums" => files.enums = self.parse_all(&entry, unreadable),
                "unions" => files.unions = self.parse_all(&entry, unreadable),
                "events" => files.events = self.parse_all(&entry, unreadable),
                _ => self.diagnostics.push(
                    Diagnostic::new(
                        Span::file(&entry),
                        format!("unexpected `{file_name}` in a version directory"),
                    )
                    .hint(
                        "a version directory holds `envelope.yaml`, `removed.yaml`, \
                         `objects/`, `enums/`, `unions/` and `events/` only",
                    ),
                ),
            }
        }
        Some(files)
    }

    /// Every directory under the spec must be a listed version.
    fn check_no_stray_directories(&mut self, listed: &[String]) {
        for entry in self.list(Path::new("")) {
            let is_dir = self.spec_dir.join(&entry).is_dir();
            let name = display_path(&entry);
            if is_dir && !listed.contains(&name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Span::file(&entry),
                        format!("directory `{name}` is not a version listed in versions.yaml"),
                    )
                    .hint(format!(
                        "add `{name}` to versions.yaml in date order, or remove the directory"
                    )),
                );
            }
        }
    }

    /// Parses every `.yaml` file of a kind directory, such as `objects/`,
    /// noting in `unreadable` those that fail.
    fn parse_all<T: DeserializeOwned>(
        &mut self,
        dir: &Path,
        unreadable: &mut Vec<PathBuf>,
    ) -> Vec<Loaded<T>> {
        let mut parsed = Vec::new();
        for entry in self.list(dir) {
            let is_yaml = entry.extension().is_some_and(|ext| ext == "yaml");
            if !is_yaml || self.spec_dir.join(&entry).is_dir() {
                self.diagnostics.push(
                    Diagnostic::new(
                        Span::file(&entry),
                        "unexpected entry: definitions are `.yaml` files",
                    )
                    .hint("rename it to end in `.yaml`, or move it out of the spec"),
                );
                continue;
            }
            parsed.extend(self.parse_or_note(&entry, unreadable));
        }
        parsed
    }

    /// [`Reader::parse`], noting the file in `unreadable` if it fails.
    fn parse_or_note<T: DeserializeOwned>(
        &mut self,
        path: &Path,
        unreadable: &mut Vec<PathBuf>,
    ) -> Option<Loaded<T>> {
        let parsed = self.parse(path);
        if parsed.is_none() {
            unreadable.push(path.to_path_buf());
        }
        parsed
    }

    /// The entries of a directory under the spec, sorted so that output never
    /// depends on the file system's order.
    fn list(&mut self, dir: &Path) -> Vec<PathBuf> {
        let entries = match fs::read_dir(self.spec_dir.join(dir)) {
            Ok(entries) => entries,
            Err(error) => {
                self.diagnostics.push(Diagnostic::new(
                    Span::file(dir),
                    format!("cannot read the directory: {error}"),
                ));
                return Vec::new();
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| dir.join(entry.file_name()))
            .collect();
        paths.sort();
        paths
    }

    /// Reads and parses one file; `None` after recording why it could not be.
    fn parse<T: DeserializeOwned>(&mut self, path: &Path) -> Option<Loaded<T>> {
        let text = self.read(path)?;
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".yaml"))
            .unwrap_or_default()
            .to_owned();
        match parse_str(path, &text) {
            Ok(content) => Some(Loaded {
                path: path.to_path_buf(),
                name,
                content,
            }),
            Err(diagnostic) => {
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// Reads a file as UTF-8 text within the size limit.
    fn read(&mut self, path: &Path) -> Option<String> {
        let full_path = self.spec_dir.join(path);
        let fail = |message: String| Diagnostic::new(Span::file(path), message);
        match fs::metadata(&full_path) {
            Ok(metadata) if metadata.len() > MAX_FILE_BYTES => {
                self.diagnostics.push(
                    fail(format!(
                        "the file is {} bytes, more than the {MAX_FILE_BYTES} bytes a spec file may have",
                        metadata.len()
                    ))
                    .hint("a spec file describes one definition; split it or remove what does not belong"),
                );
                return None;
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                self.diagnostics
                    .push(fail("the file does not exist".to_owned()).hint(
                        "a spec directory starts with `versions.yaml`, the list of API versions; \
                     spec/README.md shows it",
                    ));
                return None;
            }
            Err(error) => {
                self.diagnostics
                    .push(fail(format!("cannot read the file: {error}")));
                return None;
            }
        }
        let bytes = match fs::read(&full_path) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.diagnostics
                    .push(fail(format!("cannot read the file: {error}")));
                return None;
            }
        };
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.sources.add(path, &text);
                Some(text)
            }
            Err(error) => {
                let bytes = error.as_bytes();
                let valid_up_to = error.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&bytes[..valid_up_to]);
                let line = valid.matches('\n').count() + 1;
                let column = valid.chars().rev().take_while(|&c| c != '\n').count() + 1;
                // Quote the line, with the bad bytes shown as `�`.
                self.sources.add(path, &String::from_utf8_lossy(bytes));
                let byte = bytes.get(valid_up_to).copied().unwrap_or_default();
                self.diagnostics.push(
                    Diagnostic::new(
                        Span::at(path, line, column),
                        format!("the file is not valid UTF-8: byte 0x{byte:02X} here is no UTF-8 character"),
                    )
                    .hint("save the file as UTF-8; spec files are UTF-8 text"),
                );
                None
            }
        }
    }
}

/// Parses the text of one spec file, as if read from `path` (relative to the
/// spec directory): the check [`load`] runs on every file, without the
/// file system. `T` is the kind of file, such as [`ObjectFile`].
pub fn parse_file<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostics> {
    parse_str(path, text).map_err(|diagnostic| {
        let mut sources = Sources::default();
        sources.add(path, text);
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(diagnostic);
        diagnostics.finish((), &sources).err().unwrap_or_default()
    })
}

/// Parses one file's text, or says why it cannot be.
fn parse_str<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostic> {
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    }) {
        return Err(Diagnostic::new(Span::file(path), "the file is empty")
            .hint("write the definition, or delete the file"));
    }
    serde_saphyr::from_str_with_options::<T>(text, yaml_options())
        .map_err(|error| yaml_diagnostic(path, text, &error))
}

/// Parser limits: generous for real spec files, tight enough that an alias
/// bomb or a runaway file fails fast with bounded memory.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
    }
}

/// A YAML or shape error from serde-saphyr as one of our diagnostics.
fn yaml_diagnostic(path: &Path, text: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let (mut line, mut column) = error.location().map_or((0, 0), |location| {
        (location.line() as usize, location.column() as usize)
    });
    let error = original_error(error);
    match error {
        // Reported at the mapping's last key; its first key is where a
        // reader looks for what the mapping holds.
        serde_saphyr::Error::SerdeMissingField { .. } => {
            (line, column) = mapping_start(text, line, column);
        }
        // Found after reading the whole file, and about the whole file.
        serde_saphyr::Error::Budget {
            breach: serde_saphyr::budget::BudgetBreach::AliasAnchorRatio { .. },
            ..
        } => (line, column) = (0, 0),
        _ => {}
    }
    let (message, hint) = yaml_message_and_hint(error);
    let diagnostic = Diagnostic::new(Span::at(path, line, column), message);
    match hint {
        Some(hint) => diagnostic.hint(hint),
        None => diagnostic,
    }
}

/// The error itself, without the snippet or alias wrappers around it.
fn original_error(error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    match error.without_snippet() {
        serde_saphyr::Error::AliasError { error, .. } => original_error(error),
        other => other,
    }
}

/// The first line of the block mapping that has a key at `line`:`column`:
/// the topmost key at that column with nothing less indented in between
/// (for a list item, its `- key` line). A flow mapping, or a position that is
/// no key, is returned unchanged.
fn mapping_start(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = line;
    for number in (1..line).rev() {
        let Some(text) = lines.get(number - 1) else {
            break;
        };
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // 1-based columns of the line's first character and of its key,
        // after any `- ` list markers.
        let indent = text.len() - text.trim_start_matches(' ').len() + 1;
        let key = text.len() - text.trim_start_matches(['-', ' ']).len() + 1;
        if key == column && indent == column {
            start = number;
        } else if key == column {
            // `- key: value`: the first key of a list item.
            start = number;
            break;
        } else if indent < column {
            break;
        }
        // Otherwise the line is inside the value of one of the keys, such as
        // a list written at the keys' column.
    }
    (start, column)
}

/// Our message and hint for a YAML or shape error.
fn yaml_message_and_hint(error: &serde_saphyr::Error) -> (String, Option<String>) {
    use serde_saphyr::Error;
    let owned = |message: &str, hint: &str| (message.to_owned(), Some(hint.to_owned()));
    match error {
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let listed = expected
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let close = crate::hints::closest(field, expected.iter().copied());
            let hint = match close {
                Some(close) => format!("did you mean `{close}`? spec/README.md lists every key"),
                None => "check the spelling; spec/README.md lists every key".to_owned(),
            };
            (
                format!("unknown field `{field}`, expected one of {listed}"),
                Some(hint),
            )
        }
        Error::DuplicateMappingKey { key: Some(key), .. } => (
            format!("the key `{key}` appears twice in this mapping"),
            Some("each key may appear once; merge or rename the entries".to_owned()),
        ),
        Error::Unexpected { expected, .. } => match *expected {
            "mapping start" => owned(
                "expected a mapping (`key: value` entries) here",
                "spec/README.md shows what each key holds",
            ),
            "sequence start" => owned(
                "expected a list here",
                "write a list as `[a, b]`, or as lines starting with `- `",
            ),
            "string scalar" | "scalar" => owned(
                "expected a single value (text) here",
                "write the value on the line of its key, or as a block under `key: |`",
            ),
            other => (format!("expected {other}"), None),
        },
        Error::SerdeInvalidType { .. } | Error::SerdeInvalidValue { .. } => (
            yaml_message(&error.to_string()),
            Some("spec/README.md shows what each key holds".to_owned()),
        ),
        Error::InvalidScalar { ty: "boolean", .. } => owned(
            "expected a boolean, `true` or `false`",
            "write `true` or `false`",
        ),
        Error::Budget { breach, .. } => {
            use serde_saphyr::budget::BudgetBreach;
            let message = match breach {
                BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
                    "the file repeats YAML aliases too much: {aliases} aliases of {anchors} anchor{}",
                    if *anchors == 1 { "" } else { "s" }
                ),
                BudgetBreach::Aliases { aliases } => {
                    format!(
                        "the file has too many YAML aliases: more than {}",
                        aliases.saturating_sub(1)
                    )
                }
                BudgetBreach::Anchors { anchors } => {
                    format!(
                        "the file has too many YAML anchors: more than {}",
                        anchors.saturating_sub(1)
                    )
                }
                BudgetBreach::Events { events } => format!(
                    "the file is too large for a spec file: more than {} YAML nodes",
                    events.saturating_sub(1)
                ),
                other => format!("the file is too large for a spec file: {other:?}"),
            };
            (
                message,
                Some(
                    "spec files must stay small; write values out instead of repeating aliases"
                        .to_owned(),
                ),
            )
        }
        Error::MultipleDocuments { .. } => owned(
            "the file holds more than one YAML document",
            "a spec file is one YAML document; remove the `---` separator and what follows, \
             or move it to a file of its own",
        ),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => owned(
            "the file's aliases expand to more than a spec file may hold",
            "spec files must stay small; write values out instead of nesting aliases",
        ),
        Error::ExternalMessage { source, msg, .. }
            if matches!(**source, serde_saphyr::ExternalMessageSource::Parser(_)) =>
        {
            let hint = if msg.contains("tab") {
                "indent with spaces; YAML does not allow tabs in indentation"
            } else {
                "check the quoting, the indentation and the brackets here and on the lines above; \
                 a value containing `: ` or ` #` must be quoted"
            };
            (format!("invalid YAML: {msg}"), Some(hint.to_owned()))
        }
        other => {
            let message = yaml_message(&other.to_string());
            let hint = yaml_hint(&message);
            (message, hint)
        }
    }
}

/// serde-saphyr's message without the position it repeats
/// (`line 5 column 3: …` or `… at line 5, column 3`).
fn yaml_message(rendered: &str) -> String {
    let first_line = rendered.lines().next().unwrap_or_default();
    let without_prefix = match first_line.strip_prefix("line ") {
        Some(rest) => rest
            .split_once(": ")
            .map_or(first_line, |(_, message)| message),
        None => first_line,
    };
    let without_suffix = match without_prefix.rfind(" at line ") {
        Some(cut) => &without_prefix[..cut],
        None => without_prefix,
    };
    // The YAML library's advice on duplicate keys is for programs using it,
    // not for people editing the spec.
    match without_suffix.find(", set DuplicateKeyPolicy") {
        Some(cut) => without_suffix[..cut].to_owned(),
        None => without_suffix.to_owned(),
    }
}

/// A fix hint for the YAML errors people actually make.
fn yaml_hint(message: &str) -> Option<String> {
    if message.starts_with("unknown field") {
        Some("check the spelling; spec/README.md lists every key".to_owned())
    } else if message.starts_with("duplicate mapping key") {
        Some("each key may appear once; merge or rename the entries".to_owned())
    } else if message.starts_with("missing field") {
        Some("add the key; spec/README.md says what it holds".to_owned())
    } else if message.contains("budget") || message.contains("limit") {
        Some("spec files must stay small; avoid deeply nested aliases".to_owned())
    } else {
        None
    }
}
