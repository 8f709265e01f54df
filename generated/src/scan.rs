//! A quick look at the top level of an envelope, for phase one of parsing.
//!
//! Gigs writes `type` and `version` after `data`, so reading them with serde
//! means skipping all of `data` through a validating parser, which costs half
//! as much as parsing the event itself. This scanner only tracks strings and
//! brackets to step over values. It does not validate: phase two parses the
//! whole body with serde_json, which rejects anything malformed. Whenever the
//! scanner meets something it does not expect, it gives up and the caller
//! falls back to serde, which then also produces the error message.

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
    let bytes = text.as_bytes();
    let mut found = TopLevel::default();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(found);
    }
    loop {
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
        let slot = match key {
            b"type" => Some(&mut found.event_type),
            b"id" => Some(&mut found.id),
            b"version" => Some(&mut found.version),
            _ => None,
        };
        let value_end = match slot {
            Some(slot) => {
                if slot.is_some() || bytes.get(at) != Some(&b'"') {
                    return None;
                }
                let end = string_end(bytes, at)?;
                let value = text.get(at + 1..end - 1)?;
                if value.contains('\\') {
                    return None;
                }
                *slot = Some(value);
                end
            }
            None => value_end(bytes, at)?,
        };
        at = skip_space(bytes, value_end);
        match bytes.get(at) {
            Some(b',') => at = skip_space(bytes, at + 1),
            Some(b'}') => return Some(found),
            _ => return None,
        }
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
}
