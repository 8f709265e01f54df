//! Edits of a spec file's text that change only what they must: a line
//! replaced or lines inserted, every other byte (comments, blank lines,
//! quoting, flow or block style) kept. The spec's files are block YAML that
//! already parsed; this reads just enough of their structure (keys, their
//! indentation, lists) to find where an edit goes.

use std::fmt;

/// The keys of a field, in the order the spec's README lists them: a new
/// key goes after the keys that come before it.
const FIELD_KEY_ORDER: [&str; 11] = [
    "type",
    "enum",
    "enum_name",
    "const",
    "required",
    "nullable",
    "deprecated",
    "preview",
    "description",
    "example",
    "rust_name",
];

/// A line of a file being edited: original lines keep their number as their
/// id, inserted ones get new ids, so that a change can name its line after
/// later edits moved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineId(usize);

/// Why a file cannot be edited as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// The 1-based line, 0 for the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn edit_error(line: usize, message: impl Into<String>) -> EditError {
    EditError {
        line,
        message: message.into(),
    }
}

/// The text of one file, line by line, with edits applied.
#[derive(Debug, Clone)]
pub struct YamlText {
    lines: Vec<(LineId, String)>,
    next_id: usize,
    ends_with_newline: bool,
    /// Spaces per level of nesting, as the file indents.
    step: usize,
}

/// Where a key's value lives, by line indices of the current text.
#[derive(Debug, Clone, Copy)]
struct Block {
    /// The key's indentation; `None` for the whole document.
    indent: Option<usize>,
    /// The first line after the key's line.
    body_start: usize,
    /// One past the block's last line of content.
    body_end: usize,
}

/// What follows a key's colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueStyle {
    /// Nothing on the line: a block (mapping, list) or nothing at all below.
    Block,
    /// `{ … }`.
    FlowMapping,
    /// `[ … ]`.
    FlowSequence,
    /// A scalar, an alias or a block scalar.
    Other,
}

impl YamlText {
    pub fn new(text: &str) -> Self {
        let lines: Vec<(LineId, String)> = text
            .lines()
            .enumerate()
            .map(|(index, line)| (LineId(index + 1), line.to_owned()))
            .collect();
        let step = lines
            .iter()
            .map(|(_, line)| indent_of(line))
            .filter(|&indent| indent > 0)
            .min()
            .unwrap_or(2);
        Self {
            next_id: lines.len() + 1,
            lines,
            ends_with_newline: text.ends_with('\n') || text.is_empty(),
            step,
        }
    }

    /// The text with every edit applied.
    pub fn text(&self) -> String {
        let mut text = self
            .lines
            .iter()
            .map(|(_, line)| line.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if self.ends_with_newline {
            text.push('\n');
        }
        text
    }

    /// The current 1-based line number of a line.
    pub fn line_number(&self, id: LineId) -> usize {
        self.lines
            .iter()
            .position(|(line_id, _)| *line_id == id)
            .map_or(0, |index| index + 1)
    }

    /// The spaces a nested level is indented by.
    pub fn step(&self) -> usize {
        self.step
    }

    fn line(&self, index: usize) -> &str {
        self.lines.get(index).map_or("", |(_, line)| line.as_str())
    }

    /// The current index of the line that was line `line` (1-based) of the file.
    fn original(&self, line: usize) -> Result<usize, EditError> {
        self.lines
            .iter()
            .position(|(id, _)| *id == LineId(line))
            .ok_or_else(|| edit_error(line, format!("the file has no line {line}")))
    }

    fn insert(&mut self, at: usize, lines: Vec<String>) -> Option<LineId> {
        let first = LineId(self.next_id);
        let count = lines.len();
        for (offset, line) in lines.into_iter().enumerate() {
            self.lines
                .insert(at + offset, (LineId(self.next_id + offset), line));
        }
        self.next_id += count;
        (count > 0).then_some(first)
    }

    fn replace(&mut self, index: usize, line: String) -> LineId {
        let (id, old) = &mut self.lines[index];
        *old = line;
        *id
    }

    /// Sets `key: value` in the mapping of the field whose key is at
    /// `line`:`column` (1-based) of the original file: the key's value is
    /// replaced, or the key is added among the field's keys in the README's
    /// order. Returns the line changed, or `None` when it already says so.
    pub fn set_field_key(
        &mut self,
        line: usize,
        column: usize,
        wire: &str,
        key: &str,
        value: &str,
    ) -> Result<Option<LineId>, EditError> {
        let index = self.original(line)?;
        let text = self.line(index).to_owned();
        let found = parse_key(&text);
        let indent = indent_of(&text);
        let Some((_, rest)) = found.filter(|(found, _)| found == wire) else {
            return Err(edit_error(
                line,
                format!("expected the field `{wire}` at line {line}; has the file changed?"),
            ));
        };
        if column > 0 && indent + 1 != column {
            return Err(edit_error(
                line,
                format!("expected the field `{wire}` at column {column} of line {line}"),
            ));
        }
        match value_style(rest) {
            ValueStyle::Block => {}
            ValueStyle::FlowMapping => return self.set_in_flow_mapping(index, key, value),
            _ => {
                return Err(edit_error(
                    line,
                    format!(
                        "the field `{wire}` is not written as a mapping; set `{key}: {value}` by hand"
                    ),
                ));
            }
        }
        let block = self.block_of(index);
        let children = self.entries(block);
        if let Some((_, child)) = children.iter().find(|(name, _)| name == key) {
            let child_text = self.line(*child).to_owned();
            let Some((_, old_value)) = parse_key(&child_text) else {
                return Err(edit_error(line, "cannot read the field's keys"));
            };
            let (old_scalar, comment) = split_comment(old_value);
            if old_scalar.trim() == value {
                return Ok(None);
            }
            let prefix_len = child_text.len() - old_value.len();
            let mut replaced = format!("{} {value}", &child_text[..prefix_len]);
            if !comment.is_empty() {
                replaced.push(' ');
                replaced.push_str(comment);
            }
            return Ok(Some(self.replace(*child, replaced)));
        }
        let Some(child_indent) = self.child_indent(block) else {
            return Err(edit_error(
                line,
                format!("the field `{wire}` has no keys; set `{key}: {value}` by hand"),
            ));
        };
        let order = |name: &str| FIELD_KEY_ORDER.iter().position(|known| *known == name);
        let rank = order(key).unwrap_or(FIELD_KEY_ORDER.len());
        let after = children
            .iter()
            .filter(|(name, _)| order(name).is_some_and(|position| position < rank))
            .map(|(_, child)| *child)
            .next_back();
        let at = match after {
            Some(child) => self.block_of(child).body_end,
            None => index + 1,
        };
        Ok(self.insert(
            at,
            vec![format!("{}{key}: {value}", " ".repeat(child_indent))],
        ))
    }

    /// `key: value` in a one-line flow mapping, `{type: string}`.
    fn set_in_flow_mapping(
        &mut self,
        index: usize,
        key: &str,
        value: &str,
    ) -> Result<Option<LineId>, EditError> {
        let text = self.line(index).to_owned();
        let line = index + 1;
        let Some(open) = text.find('{') else {
            return Err(edit_error(line, "cannot find the field's `{`"));
        };
        let Some(close) = matching_close(&text, open) else {
            return Err(edit_error(
                line,
                format!(
                    "the field's flow mapping spans several lines; set `{key}: {value}` by hand"
                ),
            ));
        };
        let inner = &text[open + 1..close];
        if inner.split(',').any(|entry| {
            entry
                .split_once(':')
                .is_some_and(|(name, _)| name.trim() == key)
        }) {
            return Err(edit_error(
                line,
                format!(
                    "the field already has `{key}` in its flow mapping; set it to `{value}` by hand"
                ),
            ));
        }
        let before = inner.trim_end();
        let separator = if before.trim().is_empty() { "" } else { ", " };
        let edited = format!(
            "{}{before}{separator}{key}: {value}{}",
            &text[..=open],
            &text[open + 1 + inner.trim_end().len()..]
        );
        Ok(Some(self.replace(index, edited)))
    }

    /// Adds `entry` (lines indented from column 0, one level per
    /// [`YamlText::step`]) at the end of the mapping at `path` (keys from
    /// the top), creating the keys of `path` that are missing. Returns the
    /// entry's first line.
    pub fn append_entry(&mut self, path: &[&str], entry: &[String]) -> Result<LineId, EditError> {
        let mut block = self.document();
        for (depth, key) in path.iter().enumerate() {
            let found = self
                .entries(block)
                .into_iter()
                .find(|(name, _)| name == key);
            match found {
                Some((_, index)) => {
                    let rest = parse_key(self.line(index)).map_or("", |(_, rest)| rest);
                    if value_style(rest) != ValueStyle::Block {
                        return Err(edit_error(
                            index + 1,
                            format!(
                                "`{key}` is not written as a block mapping; add the entry by hand"
                            ),
                        ));
                    }
                    block = self.block_of(index);
                }
                None => {
                    let indent = self.default_child_indent(block);
                    let mut lines = Vec::new();
                    for (level, missing) in path[depth..].iter().enumerate() {
                        lines.push(format!(
                            "{}{missing}:",
                            " ".repeat(indent + level * self.step)
                        ));
                    }
                    let entry_indent = indent + (path.len() - depth) * self.step;
                    let first_entry_line = block.body_end + lines.len();
                    lines.extend(indented(entry, entry_indent));
                    self.insert(block.body_end, lines);
                    return Ok(self.lines[first_entry_line].0);
                }
            }
        }
        let indent = self
            .child_indent(block)
            .unwrap_or_else(|| self.default_child_indent(block));
        let at = block.body_end;
        self.insert(at, indented(entry, indent))
            .ok_or_else(|| edit_error(0, "nothing to add"))
    }

    /// Adds `item` (a YAML scalar, quoted as needed) to the list that is the
    /// value of `path`, creating `key: [item]` when the last key is missing.
    pub fn append_to_list_at_path(
        &mut self,
        path: &[&str],
        item: &str,
    ) -> Result<LineId, EditError> {
        let (parents, last) = match path.split_last() {
            Some((last, parents)) => (parents, *last),
            None => return Err(edit_error(0, "no list named")),
        };
        let mut block = self.document();
        for key in parents {
            let Some((_, index)) = self
                .entries(block)
                .into_iter()
                .find(|(name, _)| name == key)
            else {
                return self.append_entry(&path[..path.len() - 1], &[format!("{last}: [{item}]")]);
            };
            block = self.block_of(index);
        }
        let Some((_, index)) = self
            .entries(block)
            .into_iter()
            .find(|(name, _)| name == last)
        else {
            return self.append_entry(parents, &[format!("{last}: [{item}]")]);
        };
        let text = self.line(index).to_owned();
        let rest = parse_key(&text).map_or("", |(_, rest)| rest);
        match value_style(rest) {
            ValueStyle::FlowSequence => {
                let column = text.len() - rest.trim_start().len();
                self.append_to_flow_list(index, column, item)
            }
            ValueStyle::Block => {
                let Some(first) = (index + 1..self.lines.len())
                    .find(|&candidate| is_content(self.line(candidate)))
                else {
                    return Err(edit_error(index + 1, format!("`{last}` has no list")));
                };
                self.append_to_block_list(first, item)
            }
            _ => Err(edit_error(
                index + 1,
                format!("`{last}` is not written as a list; add `{item}` by hand"),
            )),
        }
    }

    /// Adds `item` to the list that starts at `line`:`column` (1-based) of
    /// the original file: a flow list's `[` or a block list's first `-`.
    pub fn append_to_list_at(
        &mut self,
        line: usize,
        column: usize,
        item: &str,
    ) -> Result<LineId, EditError> {
        let index = self.original(line)?;
        let text = self.line(index).to_owned();
        let from = column.saturating_sub(1).min(text.len());
        let start = text[from..].find(['[', '-']).map(|offset| from + offset);
        match start.and_then(|at| text[at..].chars().next().map(|c| (at, c))) {
            Some((at, '[')) => self.append_to_flow_list(index, at, item),
            Some((_, '-')) => self.append_to_block_list(index, item),
            _ => Err(edit_error(
                line,
                format!("expected a list at line {line}; add `{item}` by hand"),
            )),
        }
    }

    /// Inserts `, item` before the `]` that closes the `[` at `index`:`open`.
    fn append_to_flow_list(
        &mut self,
        index: usize,
        open: usize,
        item: &str,
    ) -> Result<LineId, EditError> {
        // The closing bracket may be on a later line.
        let mut joined = String::new();
        let mut starts = Vec::new();
        for candidate in index..self.lines.len() {
            starts.push(joined.len());
            joined.push_str(self.line(candidate));
            joined.push('\n');
        }
        let Some(close) = matching_close(&joined, open) else {
            return Err(edit_error(index + 1, "cannot find the end of the list"));
        };
        let inner_end = joined[..close].trim_end().len();
        let last = joined[..inner_end].chars().next_back();
        let insertion = match last {
            Some('[') => item.to_owned(),
            Some(',') => format!(" {item}"),
            _ => format!(", {item}"),
        };
        // The line holding the list's last character (at least its `[`).
        let last_at = inner_end.saturating_sub(1).max(open);
        let offset_line = starts
            .iter()
            .rposition(|&start| start <= last_at)
            .unwrap_or(0);
        let line_index = index + offset_line;
        let column = inner_end - starts[offset_line];
        let mut text = self.line(line_index).to_owned();
        text.insert_str(column, &insertion);
        Ok(self.replace(line_index, text))
    }

    /// Adds `- item` after the block list whose first item is at `first`.
    fn append_to_block_list(&mut self, first: usize, item: &str) -> Result<LineId, EditError> {
        let text = self.line(first);
        let indent = indent_of(text);
        if !text.trim_start().starts_with('-') {
            return Err(edit_error(first + 1, "expected a list item"));
        }
        let mut end = first + 1;
        for candidate in first + 1..self.lines.len() {
            let line = self.line(candidate);
            if !is_content(line) {
                continue;
            }
            let nested = indent_of(line) > indent
                || (indent_of(line) == indent && line.trim_start().starts_with('-'));
            if !nested {
                break;
            }
            end = candidate + 1;
        }
        self.insert(end, vec![format!("{}- {item}", " ".repeat(indent))])
            .ok_or_else(|| edit_error(first + 1, "nothing to add"))
    }

    fn document(&self) -> Block {
        Block {
            indent: None,
            body_start: 0,
            body_end: self.lines.len(),
        }
    }

    /// The block of the key at `index`: the lines below it that are more
    /// indented (or a list at its own indentation).
    fn block_of(&self, index: usize) -> Block {
        let indent = indent_of(self.line(index));
        let mut body_end = index + 1;
        for candidate in index + 1..self.lines.len() {
            let line = self.line(candidate);
            if line.trim().is_empty() {
                continue;
            }
            let inside = indent_of(line) > indent
                || (indent_of(line) == indent
                    && line.trim_start().starts_with('-')
                    && !line.trim_start().starts_with("---"));
            if !inside {
                break;
            }
            body_end = candidate + 1;
        }
        Block {
            indent: Some(indent),
            body_start: index + 1,
            body_end,
        }
    }

    /// The indentation of a block's keys, if it has any.
    fn child_indent(&self, block: Block) -> Option<usize> {
        (block.body_start..block.body_end)
            .map(|index| self.line(index))
            .find(|line| is_content(line) && !line.trim_start().starts_with('-'))
            .map(indent_of)
            .filter(|&indent| block.indent.is_none_or(|parent| indent > parent))
    }

    fn default_child_indent(&self, block: Block) -> usize {
        block.indent.map_or(0, |indent| indent + self.step)
    }

    /// The keys of a block mapping, with their lines.
    fn entries(&self, block: Block) -> Vec<(String, usize)> {
        let Some(indent) = self.child_indent(block) else {
            return Vec::new();
        };
        (block.body_start..block.body_end)
            .filter(|&index| {
                let line = self.line(index);
                is_content(line) && indent_of(line) == indent
            })
            .filter_map(|index| parse_key(self.line(index)).map(|(key, _)| (key, index)))
            .collect()
    }
}

/// `lines` indented by `indent` more spaces (blank lines stay empty).
fn indented(lines: &[String], indent: usize) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{}{line}", " ".repeat(indent))
            }
        })
        .collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Whether a line holds something besides spaces and a comment.
fn is_content(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// The key of a `key: value` line and what follows its colon; `None` for a
/// list item or a line that is no key.
fn parse_key(line: &str) -> Option<(String, &str)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('-') || trimmed.starts_with('#') {
        return None;
    }
    let (key, after) = match trimmed.chars().next()? {
        quote @ ('"' | '\'') => {
            let mut key = String::new();
            let mut chars = trimmed.char_indices().skip(1);
            let mut end = None;
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' if quote == '"' => {
                        if let Some((_, escaped)) = chars.next() {
                            key.push(escaped);
                        }
                    }
                    c if c == quote => {
                        if quote == '\'' && trimmed[at + 1..].starts_with('\'') {
                            key.push('\'');
                            chars.next();
                        } else {
                            end = Some(at + 1);
                            break;
                        }
                    }
                    c => key.push(c),
                }
            }
            let rest = trimmed[end?..].trim_start();
            (key, rest.strip_prefix(':')?)
        }
        _ => {
            let colon = trimmed
                .match_indices(':')
                .map(|(at, _)| at)
                .find(|&at| trimmed[at + 1..].is_empty() || trimmed[at + 1..].starts_with(' '))?;
            (
                trimmed[..colon].trim_end().to_owned(),
                &trimmed[colon + 1..],
            )
        }
    };
    if !after.is_empty() && !after.starts_with(' ') {
        return None;
    }
    Some((key, after))
}

/// What a key's value is written as.
fn value_style(rest: &str) -> ValueStyle {
    let mut value = split_comment(rest).0.trim();
    // An anchor names the value without changing it.
    if let Some(anchored) = value.strip_prefix('&') {
        value = anchored
            .split_once(' ')
            .map_or("", |(_, after)| after)
            .trim();
    }
    match value.chars().next() {
        None => ValueStyle::Block,
        Some('{') => ValueStyle::FlowMapping,
        Some('[') => ValueStyle::FlowSequence,
        Some(_) => ValueStyle::Other,
    }
}

/// A value and its trailing comment (` # …`), outside quotes.
fn split_comment(rest: &str) -> (&str, &str) {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in rest.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '#') if previous == ' ' => return (&rest[..at], &rest[at..]),
            _ => {}
        }
        previous = c;
    }
    (rest, "")
}

/// The index of the bracket closing the one at `open`, outside quotes.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (at, c) in text[open..].char_indices() {
        match (quote, c) {
            (Some('"'), '\\') => {}
            (Some(open_quote), c) if c == open_quote => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open + at);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` as a YAML scalar: plain when that reads back as the same string
/// (in block and flow context alike), double-quoted otherwise.
pub fn scalar(text: &str) -> String {
    let plain_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '));
    let starts_well = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let reserved = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    if plain_chars && starts_well && !reserved && !text.ends_with(' ') && !text.contains("  ") {
        text.to_owned()
    } else {
        serde_json::Value::String(text.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(text: &str, edit: impl FnOnce(&mut YamlText)) -> String {
        let mut yaml = YamlText::new(text);
        edit(&mut yaml);
        yaml.text()
    }

    const OBJECT: &str = "\
# A comment at the top.
description: Thing.
fields:
  name:
    type: string   # inline note
    description: >-
      The name: long
      text.

  size: {type: integer, description: Size.}
  kind:
    enum: [a, b]
    required: false
    description: Kind.
# trailing
";

    #[test]
    fn a_missing_key_goes_after_the_keys_that_precede_it() -> Result<(), EditError> {
        let text = edited(OBJECT, |yaml| {
            let changed = yaml.set_field_key(4, 3, "name", "nullable", "true");
            assert_eq!(
                changed.map(|id| id.map(|id| yaml.line_number(id))),
                Ok(Some(6))
            );
        });
        assert_eq!(
            text,
            OBJECT.replace("# inline note\n", "# inline note\n    nullable: true\n")
        );
        let text = edited(OBJECT, |yaml| {
            assert!(
                yaml.set_field_key(11, 3, "kind", "nullable", "true")
                    .is_ok()
            );
        });
        assert!(text.contains("    required: false\n    nullable: true\n    description: Kind."));
        Ok(())
    }

    #[test]
    fn an_existing_key_is_replaced_in_place_and_a_flow_field_gets_the_key() {
        let text = edited(OBJECT, |yaml| {
            assert!(
                yaml.set_field_key(11, 3, "kind", "required", "true")
                    .is_ok()
            );
            assert_eq!(
                yaml.set_field_key(11, 3, "kind", "required", "true"),
                Ok(None)
            );
            assert!(
                yaml.set_field_key(10, 3, "size", "nullable", "true")
                    .is_ok()
            );
        });
        assert_eq!(
            text,
            OBJECT.replace("required: false", "required: true").replace(
                "{type: integer, description: Size.}",
                "{type: integer, description: Size., nullable: true}"
            )
        );
    }

    #[test]
    fn a_field_not_at_its_line_is_an_error() {
        let mut yaml = YamlText::new(OBJECT);
        assert!(
            yaml.set_field_key(5, 3, "name", "nullable", "true")
                .is_err()
        );
        assert_eq!(yaml.text(), OBJECT);
    }

    #[test]
    fn entries_go_at_the_end_of_their_mapping_and_missing_keys_are_created() {
        let entry = ["added:".to_owned(), "  type: string".to_owned()];
        let text = edited(OBJECT, |yaml| {
            assert!(yaml.append_entry(&["fields"], &entry).is_ok());
        });
        assert!(
            text.ends_with("    description: Kind.\n  added:\n    type: string\n# trailing\n"),
            "{text}"
        );
        let patch = "patch:\n  remove: [old]\n";
        let text = edited(patch, |yaml| {
            assert!(yaml.append_entry(&["patch", "set"], &entry).is_ok());
        });
        assert_eq!(
            text,
            "patch:\n  remove: [old]\n  set:\n    added:\n      type: string\n"
        );
    }

    #[test]
    fn list_items_keep_the_list_style() {
        let text = edited(OBJECT, |yaml| {
            assert!(yaml.append_to_list_at(12, 11, "c").is_ok());
        });
        assert!(text.contains("enum: [a, b, c]"), "{text}");
        let block = "values:\n  - a\n  - value: b\n    description: B.\nother: 1\n";
        let text = edited(block, |yaml| {
            assert!(yaml.append_to_list_at_path(&["values"], "c").is_ok());
        });
        assert_eq!(
            text,
            "values:\n  - a\n  - value: b\n    description: B.\n  - c\nother: 1\n"
        );
        let multi_line = "values: [\n  a,\n  b\n]\n";
        let text = edited(multi_line, |yaml| {
            assert!(yaml.append_to_list_at_path(&["values"], "c").is_ok());
        });
        assert_eq!(text, "values: [\n  a,\n  b, c\n]\n");
        let text = edited("patch:\n  remove: [a]\n", |yaml| {
            assert!(yaml.append_to_list_at_path(&["patch", "add"], "c").is_ok());
        });
        assert_eq!(text, "patch:\n  remove: [a]\n  add: [c]\n");
    }

    #[test]
    fn scalars_are_quoted_only_when_plain_would_read_otherwise() {
        assert_eq!(scalar("eSIM"), "eSIM");
        assert_eq!(scalar("feature-phone"), "feature-phone");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("5g"), "\"5g\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("a, b"), "\"a, b\"");
        assert_eq!(scalar(""), "\"\"");
    }
}
