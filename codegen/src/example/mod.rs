//! Every event's example in every version: the written one, checked
//! strictly against the version it is written for, and for the versions
//! after it that have no example of their own, one derived from it and
//! checked the same way. Examples are ours, so unlike received payloads they
//! must match exactly: no unknown field, no unlisted value.

mod derive;

use std::thread;

use serde_json::Value;

use crate::conformance::{PathStep, check_event};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::ir::{EventDef, Example, Spec, Version};

/// Derives the examples of versions without a written one, then checks
/// every example against its version.
///
/// Each version's examples are its own business, so the versions are shared
/// out over the machine's cores; the problems found come back in the order
/// of the versions whatever the number of cores.
pub fn complete_and_check(spec: &mut Spec, diagnostics: &mut Diagnostics) {
    let threads = crate::cores::available().min(spec.versions.len()).max(1);
    let mut shares: Vec<Vec<(usize, &mut Version)>> = (0..threads).map(|_| Vec::new()).collect();
    for (index, version) in spec.versions.iter_mut().enumerate() {
        shares[index % threads].push((index, version));
    }
    let check_share = |share: Vec<(usize, &mut Version)>| -> Vec<(usize, Diagnostics)> {
        share
            .into_iter()
            .map(|(index, version)| {
                let mut found = Diagnostics::default();
                complete_and_check_version(version, &mut found);
                (index, found)
            })
            .collect()
    };
    let mut found = Vec::new();
    thread::scope(|scope| {
        let mut shares = shares.into_iter();
        let own = shares.next().unwrap_or_default();
        let others: Vec<_> = shares
            .map(|share| scope.spawn(move || check_share(share)))
            .collect();
        found.extend(check_share(own));
        for other in others {
            found.extend(crate::cores::join(other));
        }
    });
    found.sort_unstable_by_key(|(index, _)| *index);
    for (_, version_found) in found {
        diagnostics.extend(version_found);
    }
}

/// [`complete_and_check`] for one version.
fn complete_and_check_version(version: &mut Version, diagnostics: &mut Diagnostics) {
    let mut derived = Vec::new();
    for (index, event) in version.events.iter().enumerate() {
        let Some(example) = &event.example else {
            diagnostics.push(
                Diagnostic::new(
                    event.span.clone(),
                    format!("the event `{}` has no `example`", event.event_type),
                )
                .hint("add a complete example payload under `example: |`"),
            );
            continue;
        };
        let Some(value) = parse(example, diagnostics) else {
            continue;
        };
        if example.written_for == version.date {
            check_written(version, event, example, &value, diagnostics);
        } else {
            derived.push((index, derive::derive(&value, version, event)));
        }
    }
    for (index, json) in derived {
        if let Some(example) = &mut version.events[index].example {
            example.json = json;
        }
        let event = &version.events[index];
        check_derived(version, event, diagnostics);
    }
}

/// The example as JSON, or a diagnostic at the place it stops being JSON.
fn parse(example: &Example, diagnostics: &mut Diagnostics) -> Option<Value> {
    match serde_json::from_str(&example.json) {
        Ok(value) => Some(value),
        Err(error) => {
            let rendered = error.to_string();
            let message = match rendered.rfind(" at line ") {
                Some(cut) => &rendered[..cut],
                None => &rendered,
            };
            let span = example_span(&example.span, error.line(), error.column().max(1));
            diagnostics.push(
                Diagnostic::new(span, format!("the example is not valid JSON: {message}"))
                    .hint("write the example as JSON under `example: |`"),
            );
            None
        }
    }
}

/// A written example matches its version exactly; a mismatch points at its line.
fn check_written(
    version: &Version,
    event: &EventDef,
    example: &Example,
    value: &Value,
    diagnostics: &mut Diagnostics,
) {
    for finding in check_event(version, event, value) {
        let (line, column) = locate(&example.json, &finding.steps);
        diagnostics.push(
            Diagnostic::new(
                example_span(&example.span, line, column),
                format!("the example does not match the spec: {finding}"),
            )
            .hint("fix the example, or the spec if the example is right"),
        );
    }
    if let Some(named) = value.get(derive::VERSION_MEMBER).and_then(Value::as_str)
        && named != version.date
    {
        let steps = [PathStep::Field(derive::VERSION_MEMBER.to_owned())];
        let (line, column) = locate(&example.json, &steps);
        diagnostics.push(
            Diagnostic::new(
                example_span(&example.span, line, column),
                format!(
                    "the example is of version {named}, but its file is in version {}",
                    version.date
                ),
            )
            .hint(format!(
                "set `\"version\": \"{}\"`, or move the file to `{named}/events/`",
                version.date
            )),
        );
    }
}

/// A derived example matches its version too; when it cannot (a value no
/// field's `example:` gives), the version needs an example of its own.
fn check_derived(version: &Version, event: &EventDef, diagnostics: &mut Diagnostics) {
    let Some(example) = &event.example else {
        return;
    };
    let Ok(value) = serde_json::from_str::<Value>(&example.json) else {
        return;
    };
    let file = example
        .span
        .file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    for finding in check_event(version, event, &value) {
        diagnostics.push(
            Diagnostic::new(
                example.span.clone(),
                format!(
                    "no example of version {} can be derived from this one: {finding}",
                    version.date
                ),
            )
            .hint(format!(
                "give the field an `example:`, or write `{}/events/{file}` with an example of that version",
                version.date
            )),
        );
    }
}

/// The place in the spec file of `line`:`column` of an example's JSON. The
/// example is a block scalar: its text starts at `example`, and every line
/// is indented like the first.
fn example_span(example: &Span, line: usize, column: usize) -> Span {
    Span::at(
        &example.file,
        example.line + line.saturating_sub(1),
        example.column.saturating_sub(1) + column,
    )
}

/// The 1-based line and column in `json` (valid JSON) where the value at
/// `path` is written: its key in an object, the element itself in a list.
/// When part of the path is not there, the deepest part that is.
fn locate(json: &str, path: &[PathStep]) -> (usize, usize) {
    let bytes = json.as_bytes();
    let mut at = skip_space(bytes, 0);
    let mut found = at;
    for key in path {
        let member = match (key, bytes.get(at)) {
            (PathStep::Field(name), Some(b'{')) => find_member(json, at, name),
            (PathStep::Index(index), Some(b'[')) => find_element(bytes, at, *index),
            _ => None,
        };
        let Some((start, value)) = member else {
            break;
        };
        found = start;
        at = value;
    }
    let before = json.get(..found).unwrap_or(json);
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, column)
}

/// In the object opening at `open`, where the key `name` starts and where
/// its value starts.
fn find_member(json: &str, open: usize, name: &str) -> Option<(usize, usize)> {
    let bytes = json.as_bytes();
    let mut at = open + 1;
    loop {
        at = skip_space(bytes, at);
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_start = at;
        at = skip_string(bytes, at);
        let key: String = serde_json::from_str(json.get(key_start..at)?).ok()?;
        // Past the `:`.
        at = skip_space(bytes, skip_space(bytes, at) + 1);
        if key == name {
            return Some((key_start, at));
        }
        at = skip_space(bytes, skip_value(bytes, at));
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at += 1;
    }
}

/// In the list opening at `open`, where element `index` starts.
fn find_element(bytes: &[u8], open: usize, index: usize) -> Option<(usize, usize)> {
    let mut at = skip_space(bytes, open + 1);
    for _ in 0..index {
        at = skip_space(bytes, skip_value(bytes, at));
        if bytes.get(at) != Some(&b',') {
            return None;
        }
        at = skip_space(bytes, at + 1);
    }
    match bytes.get(at) {
        Some(b']') | None => None,
        Some(_) => Some((at, at)),
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Past the string whose opening quote is at `at`.
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    at += 1;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match byte {
            b'\\' => at += 1,
            b'"' => return at,
            _ => {}
        }
    }
    at
}

/// Past the value that starts at `at`.
fn skip_value(bytes: &[u8], mut at: usize) -> usize {
    match bytes.get(at) {
        Some(b'"') => skip_string(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0_usize;
            while let Some(&byte) = bytes.get(at) {
                match byte {
                    b'"' => {
                        at = skip_string(bytes, at);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return at + 1;
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            at
        }
        _ => {
            while bytes.get(at).is_some_and(|byte| {
                !matches!(byte, b',' | b'}' | b']') && !byte.is_ascii_whitespace()
            }) {
                at += 1;
            }
            at
        }
    }
}
