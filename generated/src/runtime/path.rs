//! The JSON path of the value serde_json stopped at, found from the
//! position of its error.
//!
//! serde_json places every error that is not a syntax error just after what
//! it last read: after a value of the wrong type, after the `}` of an object
//! missing a member, after the key of a member given twice, or before a
//! value it refused to start. Walking the body up to that offset, keeping
//! the stack of open objects and arrays, names the value the error is about.
//! One function, not generic over the type being read, so that naming the
//! path costs nothing per type at compile time.

/// Where a walk is inside one open object or array.
#[derive(Debug)]
enum Frame<'a> {
    Object {
        /// The key of the member being read, as written (escapes included).
        key: Option<&'a str>,
        /// Whether its `:` has been read, so that its value is next.
        value_next: bool,
    },
    Array {
        index: usize,
    },
}

/// Converts serde_json's 1-based line and byte column into an offset in `body`:
/// the number of bytes its reader had consumed.
pub fn offset_of(body: &str, line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match body[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return body.len(),
        }
    }
    (line_start + column).min(body.len())
}

/// The JSON path (`data.sims[0].iccid`) of what serde_json had just read, or
/// was about to read, when it stopped at byte `offset` of `body`. `body` is
/// well-formed JSON up to `offset`, as it is for any error that is not a
/// syntax error; the path is the empty string for the body itself.
pub fn path_at(body: &str, offset: usize) -> String {
    let bytes = body.as_bytes();
    let offset = offset.min(bytes.len());
    let mut stack: Vec<Frame<'_>> = Vec::new();
    // Whether the last thing read was a complete value (a member's or an
    // element's, or the body's), which is what the error is about.
    let mut value_ended = false;
    let mut position = 0;
    while position < offset {
        let byte = bytes[position];
        let end = match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                position += 1;
                continue;
            }
            b'{' | b'[' => {
                stack.push(if byte == b'{' {
                    Frame::Object {
                        key: None,
                        value_next: false,
                    }
                } else {
                    Frame::Array { index: 0 }
                });
                value_ended = false;
                position + 1
            }
            b'}' | b']' => {
                stack.pop();
                value_ended = true;
                position + 1
            }
            b':' => {
                if let Some(Frame::Object { value_next, .. }) = stack.last_mut() {
                    *value_next = true;
                }
                value_ended = false;
                position + 1
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object { key, value_next }) => {
                        *key = None;
                        *value_next = false;
                    }
                    Some(Frame::Array { index }) => *index += 1,
                    None => {}
                }
                value_ended = false;
                position + 1
            }
            b'"' => {
                let end = string_end(bytes, position);
                match stack.last_mut() {
                    Some(Frame::Object {
                        key: key @ None, ..
                    }) => {
                        *key = body.get(position + 1..end - 1);
                        value_ended = false;
                    }
                    _ => value_ended = true,
                }
                end
            }
            _ => {
                value_ended = true;
                scalar_end(bytes, position)
            }
        };
        if end > offset {
            // serde_json stopped inside this token: it is what was being read.
            value_ended = false;
            break;
        }
        position = end;
    }
    render(&stack, value_ended)
}

/// Renders the path of the stack's innermost member or element: the one
/// whose value just ended or is next. In an object with neither (a key read
/// but not its `:`, or no key yet), the path of the object itself.
fn render(stack: &[Frame<'_>], value_ended: bool) -> String {
    let mut path = String::new();
    for (depth, frame) in stack.iter().enumerate() {
        let innermost = depth + 1 == stack.len();
        match frame {
            Frame::Object {
                key: Some(key),
                value_next,
            } if !innermost || *value_next || value_ended => {
                if !path.is_empty() {
                    path.push('.');
                }
                push_key(&mut path, key);
            }
            // The element that just ended or is next.
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
            Frame::Object { .. } => {}
        }
    }
    path
}

/// Appends a key as written in JSON, its escapes decoded.
fn push_key(path: &mut String, key: &str) {
    if key.contains('\\') {
        match serde_json::from_str::<String>(&format!("\"{key}\"")) {
            Ok(decoded) => path.push_str(&decoded),
            Err(_) => path.push_str(key),
        }
    } else {
        path.push_str(key);
    }
}

/// The offset just after the string starting with the `"` at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut position = start + 1;
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'\\' => position += 2,
            b'"' => return position + 1,
            _ => position += 1,
        }
    }
    bytes.len()
}

/// The offset just after the number, `true`, `false` or `null` at `start`.
fn scalar_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
        .map_or(bytes.len(), |length| start + length)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path serde_json's error names when reading `body` as `T` fails.
    fn located<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
        let error = serde_json::from_str::<T>(body).expect_err("the body must not parse");
        assert!(error.is_data(), "{error}");
        path_at(body, offset_of(body, error.line(), error.column()))
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Price {
        amount: i64,
        currency: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Plan {
        id: String,
        price: Price,
        tags: Vec<String>,
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named() {
        let body = r#"{"id": "pln_1", "price": {"amount": "999", "currency": "USD"}, "tags": []}"#;
        assert_eq!(located::<Plan>(body), "price.amount");
        let body = "{\n  \"id\": 7,\n  \"price\": null,\n  \"tags\": []\n}";
        assert_eq!(located::<Plan>(body), "id");
    }

    #[test]
    fn an_object_missing_a_member_is_named() {
        let body = r#"{"id": "pln_1", "price": {"amount": 1}, "tags": []}"#;
        assert_eq!(located::<Plan>(body), "price");
        assert_eq!(located::<Plan>(r#"{"id": "pln_1"}"#), "");
    }

    #[test]
    fn elements_are_named_by_index() {
        let body = r#"{"id": "a", "price": {"amount": 1, "currency": "USD"}, "tags": ["x", 2]}"#;
        assert_eq!(located::<Plan>(body), "tags[1]");
        let body =
            r#"{"id": "a", "price": {"amount": 1, "currency": "USD"}, "tags": ["x", {"a": 1}]}"#;
        assert_eq!(located::<Plan>(body), "tags[1]");
    }

    #[test]
    fn a_container_where_a_value_belongs_names_the_member() {
        let body =
            r#"{"id": {"nested": true}, "price": {"amount": 1, "currency": "USD"}, "tags": []}"#;
        assert_eq!(located::<Plan>(body), "id");
        let body = r#"{"id": "a", "price": [1], "tags": []}"#;
        assert_eq!(located::<Plan>(body), "price");
    }

    #[test]
    fn a_member_given_twice_names_its_object() {
        let body =
            r#"{"id": "a", "price": {"amount": 1, "amount": 2, "currency": "USD"}, "tags": []}"#;
        assert_eq!(located::<Plan>(body), "price");
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let body = r#"{"i\u0064": 1, "price": {"amount": 1, "currency": "USD"}, "tags": []}"#;
        assert_eq!(located::<Plan>(body), "id");
    }

    #[test]
    fn offsets_count_bytes_from_the_start_of_the_line() {
        let body = "{\n  \"é\": 1,\n  \"b\": 2\n}";
        assert_eq!(offset_of(body, 1, 1), 1);
        assert_eq!(offset_of(body, 2, 3), 5);
        assert_eq!(offset_of(body, 3, 5), body.find("\"b\"").unwrap_or(0) + 3);
        assert_eq!(offset_of(body, 9, 1), body.len());
    }
}
