//! A quick look at the top level of an envelope, for phase one of parsing.
//!
//! Gigs writes `object` and `id` first, then `data`, then the other members
//! with `type` and `version` last. Reading `type` with serde means skipping
//! all of `data` through a validating parser, which costs half as much as
//! parsing the event itself. So the scanner reads plain string members
//! forwards from the start until the first value that is not one, then
//! backwards from the end the same way, and steps over `data` (tracking only
//! strings and brackets) only when the three members are not found at the
//! two ends.
//!
//! Backwards, it stops as soon as it has the three members: Gigs writes
//! `type` and `version` last, so it reads two members at each end.
//!
//! It does not validate: phase two parses the whole body with serde_json,
//! which rejects anything malformed, including a duplicated `type`, `id` or
//! `version` of an event this crate knows. (Of an unknown event, whose body
//! is kept as it is, a member given twice is not always noticed; the one
//! read at an end decides.) Whenever the scanner meets something it does
//! not expect, it gives up and the caller falls back to serde, which then
//! also produces the error message.

/// The top-level string members phase one needs, borrowed from the body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TopLevel<'a> {
    pub event_type: Option<&'a str>,
    pub id: Option<&'a str>,
    pub version: Option<&'a str>,
}

/// Reads `type`, `id` and `version` from the top-level object of `text`.
///
/// `None` when the text does not look like an object, a member appears
/// twice, or one of the three is not a string without escapes.
pub fn top_level(text: &str) -> Option<TopLevel<'_>> {
    let (mut found, stopped_at) = forward_members(text, false)?;
    let Some(stopped_at) = stopped_at else {
        return Some(found);
    };
    if found.event_type.is_none() || found.id.is_none() {
        let (tail, tail_start) = backward_strings(text, &found)?;
        if tail_start > stopped_at {
            for (slot, value) in [
                (&mut found.event_type, tail.event_type),
                (&mut found.id, tail.id),
                (&mut found.version, tail.version),
            ] {
                match (&slot, value) {
                    (Some(_), Some(_)) => return None,
                    (None, Some(value)) => *slot = Some(value),
                    _ => {}
                }
            }
            // `version` is optional, so only finding all three proves that
            // none of them waits in the middle.
            if found.event_type.is_some() && found.id.is_some() && found.version.is_some() {
                return Some(found);
            }
        }
    }
    forward_members(text, true).map(|(found, _)| found)
}

/// The members at the start of the object, and where the first member
/// whose value is not a string starts: `None` when the object has no such
/// member, or when `step_over_values` says to step over them and read on.
fn forward_members(text: &str, step_over_values: bool) -> Option<(TopLevel<'_>, Option<usize>)> {
    let bytes = text.as_bytes();
    let mut found = TopLevel::default();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some((found, None));
    }
    loop {
        let member_start = at;
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, at)?;
        let key = &bytes[at + 1..key_end - 1];
        at = skip_space(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(bytes, at + 1);
        let slot = slot(&mut found, key);
        let end = if bytes.get(at) == Some(&b'"') {
            let end = string_end(bytes, at)?;
            if let Some(slot) = slot {
                let value = text.get(at + 1..end - 1)?;
                if slot.is_some() || value.contains('\\') {
                    return None;
                }
                *slot = Some(value);
            }
            end
        } else if slot.is_some() {
            // `type`, `id` and `version` must be strings; serde will say so.
            return None;
        } else if step_over_values {
            value_end(bytes, at)?
        } else {
            return Some((found, Some(member_start)));
        };
        at = skip_space(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_space(bytes, at + 1),
            Some(b'}') => return Some((found, None)),
            _ => return None,
        }
    }
}

/// The plain string members at the end of the object, read backwards until
/// they and the members `ahead` found at the start are all three, and
/// where the first of them starts. Only strings without backslashes are
/// read, as only they can be found backwards without ambiguity.
fn backward_strings<'a>(text: &'a str, ahead: &TopLevel<'_>) -> Option<(TopLevel<'a>, usize)> {
    let bytes = text.as_bytes();
    let mut found = TopLevel::default();
    let mut at = skip_space_back(bytes, bytes.len());
    if at == 0 || bytes[at - 1] != b'}' {
        return None;
    }
    at -= 1;
    loop {
        let before = skip_space_back(bytes, at);
        // The value: a plain string ending just before `before`.
        let Some((value_start, value)) = plain_string_back(text, before) else {
            return Some((found, at));
        };
        let colon = skip_space_back(bytes, value_start);
        if colon == 0 || bytes[colon - 1] != b':' {
            return Some((found, at));
        }
        let key_end = skip_space_back(bytes, colon - 1);
        let Some((key_start, key)) = plain_string_back(text, key_end) else {
            return Some((found, at));
        };
        let separator = skip_space_back(bytes, key_start);
        if separator == 0 || !matches!(bytes[separator - 1], b',' | b'{') {
            return Some((found, at));
        }
        if let Some(slot) = slot(&mut found, key.as_bytes()) {
            if slot.is_some() {
                return None;
            }
            *slot = Some(value);
        }
        at = key_start;
        let complete = (found.event_type.is_some() || ahead.event_type.is_some())
            && (found.id.is_some() || ahead.id.is_some())
            && (found.version.is_some() || ahead.version.is_some());
        if complete || bytes[separator - 1] == b'{' {
            return Some((found, at));
        }
        at = separator - 1;
    }
}

/// The string whose closing quote is just before `end`, if it has no
/// backslash: its opening quote's position and its contents.
fn plain_string_back(text: &str, end: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let close = end.checked_sub(1)?;
    if bytes.get(close) != Some(&b'"') {
        return None;
    }
    // One pass back to the opening quote, stopping at a backslash too: a
    // string with one cannot be delimited from its end.
    let open = bytes[..close]
        .iter()
        .rposition(|&b| b == b'"' || b == b'\\')?;
    if bytes[open] == b'\\' || (open > 0 && bytes[open - 1] == b'\\') {
        return None;
    }
    Some((open, text.get(open + 1..close)?))
}

fn skip_space_back(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && matches!(bytes[at - 1], b' ' | b'\n' | b'\r' | b'\t') {
        at -= 1;
    }
    at
}

/// Where `key` goes, if it is one of the three members.
fn slot<'s, 'a>(found: &'s mut TopLevel<'a>, key: &[u8]) -> Option<&'s mut Option<&'a str>> {
    match key {
        b"type" => Some(&mut found.event_type),
        b"id" => Some(&mut found.id),
        b"version" => Some(&mut found.version),
        _ => None,
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

/// Just past the closing quote of the string whose opening quote is at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        let offset = bytes
            .get(at..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\')?;
        at += offset;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        // A backslash escapes the next byte, whatever it is.
        at += 2;
    }
}

/// Just past the value that starts at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0_usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let rest = bytes.get(at..)?;
            let length = rest
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(rest.len());
            (length > 0).then_some(at + length)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_members_wherever_they_are() {
        let text = r#" { "object": "event", "data": {"type": "inner", "list": [1, {"id": "x"}], "s": "a \"quoted\" }]"},
            "id": "evt_1", "version": "2024-08-29", "type": "com.gigs.plan.updated", "n": -1.5e3, "t": true } "#;
        assert_eq!(
            top_level(text),
            Some(TopLevel {
                event_type: Some("com.gigs.plan.updated"),
                id: Some("evt_1"),
                version: Some("2024-08-29"),
            })
        );
    }

    #[test]
    fn reads_the_ends_without_stepping_over_the_middle() {
        let text = r#"{"object": "event", "id": "evt_1", "data": {"type": "inner"},
            "project": "gigs", "type": "com.gigs.sim.updated", "version": "2024-12-20"}"#;
        assert_eq!(
            top_level(text),
            Some(TopLevel {
                event_type: Some("com.gigs.sim.updated"),
                id: Some("evt_1"),
                version: Some("2024-12-20"),
            })
        );
        // A member named at both ends is one too many.
        let twice = r#"{"type": "a", "id": "b", "data": {}, "type": "c"}"#;
        assert_eq!(top_level(twice), None);
    }

    #[test]
    fn reads_back_only_until_it_has_the_three() {
        // The first `type` is for phase two to reject; the scanner never
        // reaches it.
        let text = r#"{"id": "evt_1", "data": {}, "type": "a", "version": "v", "type": "b"}"#;
        assert_eq!(
            top_level(text),
            Some(TopLevel {
                event_type: Some("b"),
                id: Some("evt_1"),
                version: Some("v"),
            })
        );
    }

    #[test]
    fn a_version_between_two_values_is_found_in_the_middle() {
        let text = r#"{"type": "t", "object": {"a": 1}, "version": "v", "data": {}, "id": "i"}"#;
        assert_eq!(
            top_level(text),
            Some(TopLevel {
                event_type: Some("t"),
                id: Some("i"),
                version: Some("v"),
            })
        );
    }

    #[test]
    fn an_escaped_quote_at_the_end_sends_the_scan_through_the_middle() {
        let text =
            r#"{"id": "evt_1", "data": [], "type": "com.gigs.plan.updated", "note": "say \"hi\""}"#;
        assert_eq!(
            top_level(text).and_then(|found| found.event_type),
            Some("com.gigs.plan.updated")
        );
    }

    #[test]
    fn reports_absent_members_as_none() {
        assert_eq!(top_level("{}"), Some(TopLevel::default()));
        assert_eq!(
            top_level(r#"{"id": "evt_1"}"#),
            Some(TopLevel {
                id: Some("evt_1"),
                ..TopLevel::default()
            })
        );
    }

    #[test]
    fn gives_up_on_anything_serde_should_judge() {
        for text in [
            "",
            "[]",
            "null",
            r#"{"type": 1}"#,
            r#"{"type": "a\u0062"}"#,
            r#"{"type": "a", "type": "b"}"#,
            r#"{"type": "a" "id": "b"}"#,
            r#"{"type": "a""#,
            r#"{"data": {"unclosed": [}"#,
            r#"{"type": "#,
            r#"{"a": }"#,
            "{\"a\": \"\\",
        ] {
            assert_eq!(top_level(text), None, "{text}");
        }
    }

    use proptest::prelude::{Just, ProptestConfig, Strategy, prop_oneof};

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the text, the scanner returns, and what it returns is
        /// borrowed from quoted text.
        #[test]
        fn never_panics(text in r#"[{}\[\]",: \\a-z0-9tyeidvrsonp]{0,80}"#) {
            if let Some(found) = top_level(&text) {
                for value in [found.event_type, found.id, found.version].into_iter().flatten() {
                    let quoted = format!("\"{value}\"");
                    proptest::prop_assert!(text.contains(&quoted));
                }
            }
        }

        /// On envelopes with distinct members, the scanner finds what serde finds.
        #[test]
        fn agrees_with_serde_on_envelopes(
            members in proptest::collection::vec(
                (proptest::sample::select(vec!["type", "id", "version", "data", "object"]),
                 prop_oneof![
                     "[a-z.]{0,8}".prop_map(serde_json::Value::String),
                     Just(serde_json::json!({"type": "inner", "list": [1, "x\"y"]})),
                     Just(serde_json::json!(12.5)),
                 ]),
                0..6,
            )
        ) {
            // Duplicated members are for serde to judge (see the module docs).
            let mut seen = Vec::new();
            let members: Vec<_> = members
                .into_iter()
                .filter(|(key, _)| {
                    let first = !seen.contains(key);
                    seen.push(*key);
                    first
                })
                .collect();
            let body = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(key, value)| format!("{key:?}: {value}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let (Some(found), Ok(serde_json::Value::Object(map))) =
                (top_level(&body), serde_json::from_str::<serde_json::Value>(&body))
            {
                proptest::prop_assert_eq!(found.event_type, map.get("type").and_then(|v| v.as_str()));
                proptest::prop_assert_eq!(found.id, map.get("id").and_then(|v| v.as_str()));
                proptest::prop_assert_eq!(found.version, map.get("version").and_then(|v| v.as_str()));
            }
        }
    }
}
