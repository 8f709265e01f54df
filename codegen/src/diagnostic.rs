//! Spec errors, located and rendered like rustc's.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a spec file. Lines and columns are 1-based; 0 means unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file, relative to the spec directory.
    pub file: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, 0 when the problem concerns the whole line or file.
    pub column: usize,
}

impl Span {
    /// The whole of `file`.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
        }
    }

    /// A position in `file`.
    pub fn at(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = display_path(&self.file);
        match (self.line, self.column) {
            (0, _) => write!(f, "{file}"),
            (line, 0) => write!(f, "{file}:{line}"),
            (line, column) => write!(f, "{file}:{line}:{column}"),
        }
    }
}

/// One problem in the spec: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong, one line.
    pub message: String,
    /// How to fix it, if there is a likely fix.
    pub hint: Option<String>,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A problem at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    /// Adds a fix hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Renders like rustc:
///
/// ```text
/// error: unknown field `requird`, expected one of `type`, `required`, …
///  --> 2024-08-29/objects/plan.yaml:5:5
///   |
/// 5 |     requird: true
///   |     ^
///   = help: …
/// ```
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let gutter = " ".repeat(self.span.line.max(1).to_string().len());
        write!(f, "{gutter}--> spec/{}", self.span)?;
        if let (Some(text), true) = (&self.source_line, self.span.line > 0) {
            let caret_at = self.span.column.saturating_sub(1);
            // Tabs keep their width under the caret, so the caret lines up.
            let padding: String = text
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{gutter} |\n{} | {}\n{gutter} | {padding}^",
                self.span.line,
                text.trim_end()
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = help: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one run, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in file and line order once [`Diagnostics::finish`] ran.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` if nothing was recorded, else every problem sorted by place,
    /// with the offending source lines filled in from `sources`.
    pub fn finish<T>(mut self, value: T, sources: &Sources) -> Result<T, Self> {
        if self.0.is_empty() {
            return Ok(value);
        }
        // By message too, so that the same problem found twice (say, in two
        // versions) is adjacent and reported once.
        self.0
            .sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.message.cmp(&b.message)));
        self.0.dedup();
        for diagnostic in &mut self.0 {
            if diagnostic.source_line.is_none() && diagnostic.span.line > 0 {
                diagnostic.source_line = sources
                    .line(&diagnostic.span.file, diagnostic.span.line)
                    .map(str::to_owned);
            }
        }
        Err(self)
    }

    /// Appends every problem of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}\n")?;
        }
        let count = self.0.len();
        write!(
            f,
            "error: the spec has {count} error{}; nothing was generated",
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// The text of every spec file read, to quote lines in diagnostics.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<(PathBuf, String)>,
}

impl Sources {
    /// Remembers the text of `file`.
    pub fn add(&mut self, file: &Path, text: &str) {
        self.files.push((file.to_path_buf(), text.to_owned()));
    }

    /// Line `line` (1-based) of `file`, if it was read.
    pub fn line(&self, file: &Path, line: usize) -> Option<&str> {
        let (_, text) = self.files.iter().find(|(path, _)| path == file)?;
        text.lines().nth(line.checked_sub(1)?)
    }
}

/// Paths always print with `/`, whatever the platform, so messages and
/// snapshots are the same everywhere.
pub(crate) fn display_path(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
