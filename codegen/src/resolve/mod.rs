//! Stage 2, resolve: applies the version overlays, resolves type references
//! and checks every name, collecting all problems instead of stopping at the
//! first. What it returns is finished: later stages only read it.
//!
//! - [`versions`]: the list of versions;
//! - [`overlay`]: the definitions in force at each version, files applied in turn;
//! - [`type_expr`]: what a `type:` says;
//! - [`version`]: one version's names, objects, enums and fields;
//! - [`unions`]: its tagged unions;
//! - [`events`]: its envelope and events, each with its fields complete;
//! - [`cycles`]: checks over a whole version.

mod cycles;
mod events;
mod overlay;
mod type_expr;
mod unions;
mod version;
mod versions;

use std::path::Path;

use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostics, Span};
use crate::ir::Spec;
use crate::load::LoadedSpec;

/// Resolves the loaded files into the model every later stage works on.
pub fn resolve(loaded: &LoadedSpec, diagnostics: &mut Diagnostics) -> Spec {
    let valid_versions = versions::check_version_list(&loaded.versions, diagnostics);
    let mut drafts = overlay::Drafts::default();
    let mut resolved = Vec::new();
    for (index, (date, files)) in loaded.version_files.iter().enumerate() {
        let is_first = index == 0;
        drafts.apply(date, files, is_first, diagnostics);
        if valid_versions.contains(date) {
            resolved.push(version::VersionResolver::new(date, &drafts, diagnostics).resolve());
        }
    }
    Spec { versions: resolved }
}

/// The span of a value read with its position.
fn span_of<T>(file: &Path, spanned: &Spanned<T>) -> Span {
    Span::at(
        file,
        spanned.referenced.line() as usize,
        spanned.referenced.column() as usize,
    )
}
