//! The list of API versions in `versions.yaml`.

use std::collections::BTreeSet;

use super::span_of;
use crate::dates::is_version_date;
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::load::Loaded;
use crate::spec::VersionsFile;

/// Versions must be real dates, each after the one before.
pub(super) fn check_version_list(
    versions: &Loaded<VersionsFile>,
    diagnostics: &mut Diagnostics,
) -> BTreeSet<String> {
    let mut valid = BTreeSet::new();
    let mut newest: Option<&str> = None;
    if versions.content.versions.is_empty() {
        diagnostics.push(
            Diagnostic::new(Span::file(&versions.path), "no API version is listed")
                .hint("list at least one version, such as `- 2024-08-29`"),
        );
    }
    for version in &versions.content.versions {
        let span = span_of(&versions.path, version);
        let date = version.value.as_str();
        if !is_version_date(date) {
            diagnostics.push(
                Diagnostic::new(span, format!("`{date}` is not a valid version date"))
                    .hint("versions are calendar dates written YYYY-MM-DD, such as 2024-08-29"),
            );
            continue;
        }
        if let Some(previous) = newest
            && date <= previous
        {
            diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("version {date} is not after the version before it, {previous}"),
                )
                .hint("list versions oldest first, each one once"),
            );
            continue;
        }
        newest = Some(date);
        valid.insert(date.to_owned());
    }
    valid
}
