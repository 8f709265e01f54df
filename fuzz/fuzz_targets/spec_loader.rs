//! Arbitrary bytes as a whole spec directory, through the generator: it must
//! answer with generated files or with messages, never a panic.
//!
//! The input is a tree of files, each introduced by a line `@@ <path>` and
//! holding the bytes up to the next such line (`@` cannot start a YAML
//! value, so a spec file never contains one). So one input can hold
//! `versions.yaml`, envelopes, objects, enums, unions, events, patches and
//! `removed.yaml` of several versions, and a mutation can change a file, its
//! kind (its directory) or its name. `fuzz/README.md` describes the format.

#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The line prefix that starts a file.
const FILE_MARKER: &[u8] = b"@@ ";
/// Bounds that keep one run quick; real specs stay far below them in a
/// seed, which holds a small spec.
const MAX_FILES: usize = 64;
const MAX_DEPTH: usize = 4;
const MAX_NAME_BYTES: usize = 64;

/// One file of the input: where it goes under the spec directory (a path
/// ending in `/` is an empty directory) and its bytes.
struct File<'a> {
    path: &'a str,
    contents: &'a [u8],
}

/// The files of `input`, in order; bytes before the first marker belong to
/// no file. Paths that could leave the spec directory, or that no file
/// system would take, are skipped with their contents.
fn files(input: &[u8]) -> Vec<File<'_>> {
    let mut files = Vec::new();
    let mut rest = input;
    let mut at_line_start = true;
    let mut current: Option<(&str, usize)> = None;
    let mut offset = 0;
    while !rest.is_empty() {
        let line_len = rest
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(rest.len(), |newline| newline + 1);
        let line = &rest[..line_len];
        if at_line_start && line.starts_with(FILE_MARKER) {
            if let Some((path, start)) = current.take() {
                files.push(File {
                    path,
                    contents: &input[start..offset],
                });
            }
            let path = std::str::from_utf8(&line[FILE_MARKER.len()..])
                .map(|path| path.trim_end_matches(['\n', '\r']))
                .ok()
                .filter(|path| is_safe_path(path));
            current = path.map(|path| (path, offset + line_len));
            if let Some((path, start)) = current
                && path.ends_with('/')
            {
                files.push(File {
                    path,
                    contents: &input[start..start],
                });
                current = None;
            }
        }
        at_line_start = line.ends_with(b"\n");
        offset += line_len;
        rest = &rest[line_len..];
    }
    if let Some((path, start)) = current {
        files.push(File {
            path,
            contents: &input[start..],
        });
    }
    files.truncate(MAX_FILES);
    files
}

/// A relative path of a few plain components: no `.`, `..`, empty or long
/// component, no control character or backslash.
fn is_safe_path(path: &str) -> bool {
    let components: Vec<&str> = path.strip_suffix('/').unwrap_or(path).split('/').collect();
    components.len() <= MAX_DEPTH
        && components.iter().all(|component| {
            !component.is_empty()
                && *component != "."
                && *component != ".."
                && component.len() <= MAX_NAME_BYTES
                && !component.chars().any(|c| c.is_control() || c == '\\')
        })
}

/// This process's spec directory in the temporary directory, emptied before
/// each input and left there at the end (a fuzzing process has no clean exit).
fn spec_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("gigs-fuzz-spec-{}", std::process::id())))
}

/// Writes the files under `dir`. A file that cannot be written where an
/// earlier one stands (`objects` as a file, then `objects/plan.yaml`) is
/// left out, as if the input did not have it.
fn write_tree(dir: &Path, files: &[File<'_>]) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("cannot empty the spec directory");
    }
    fs::create_dir_all(dir).expect("cannot create the spec directory");
    for file in files {
        let target = dir.join(file.path);
        if file.path.ends_with('/') {
            let _ = fs::create_dir_all(&target);
            continue;
        }
        let created = target
            .parent()
            .is_none_or(|parent| fs::create_dir_all(parent).is_ok());
        if created {
            let _ = fs::write(&target, file.contents);
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let files = files(input);
    let dir = spec_dir();
    write_tree(dir, &files);
    if let Err(diagnostics) = gigs_codegen::generate(dir) {
        assert!(!diagnostics.is_empty(), "an error without a message");
        let _ = diagnostics.to_string();
    }
});
