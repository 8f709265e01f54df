//! The generator behind the `gigs-events` crate: reads the YAML spec of Gigs
//! webhook events and produces the crate's Rust modules.
//!
//! The pipeline has one stage per module: [`load`] reads the files, [`resolve`]
//! applies version overlays and checks every name and reference, `emit` turns
//! the resolved model into tokens, and [`render`] formats them. [`generate`]
//! runs them all and returns the files to write; it never writes anything
//! itself, so regeneration and the drift check share one code path.

pub mod baseline;
mod cargo;
pub mod conformance;
mod cores;
pub mod dates;
pub mod diagnostic;
pub mod diff;
mod docs;
mod emit;
mod example;
pub mod fix;
mod hints;
pub mod ir;
pub mod load;
mod names;
pub mod render;
pub mod resolve;
pub mod semver;
pub mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use cargo::{FEATURES_BEGIN, FEATURES_END, splice_features};
pub use diagnostic::{Diagnostic, Diagnostics, Span};

/// Where generated Rust modules live, relative to the repository root.
pub const API_DIR: &str = "generated/src/api";

/// Everything `cargo xtask regen` produces from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Path relative to the repository root → file contents, sorted.
    pub files: BTreeMap<PathBuf, String>,
    /// The `[features]` lines for the API versions, spliced into
    /// `generated/Cargo.toml` between its markers.
    pub cargo_features: String,
    /// How many versions, types and events the spec has, for the summary line.
    pub summary: Summary,
}

/// What the spec holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub versions: usize,
    /// Event types of the version that has the most.
    pub events: usize,
    /// Distinct type definitions generated (after sharing between versions).
    pub type_revisions: usize,
}

/// Reads the spec in `spec_dir` and returns every generated file, or every
/// problem found in the spec.
pub fn generate(spec_dir: &Path) -> Result<Generated, Diagnostics> {
    let spec = load_and_resolve(spec_dir)?;
    let (emitted, rendered) = render::render_all(|on_file| emit::emit(&spec, on_file));
    let mut files = BTreeMap::new();
    for file in rendered {
        let text = file.text.map_err(|message| {
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(Diagnostic::new(Span::default(), message));
            diagnostics
        })?;
        files.insert(Path::new(API_DIR).join(file.path), text);
    }
    for (path, contents) in docs::docs(&spec) {
        files.insert(path, contents);
    }
    Ok(Generated {
        files,
        cargo_features: cargo::features(&spec),
        summary: Summary {
            versions: spec.versions.len(),
            events: spec
                .versions
                .iter()
                .map(|version| version.events.len())
                .max()
                .unwrap_or(0),
            type_revisions: emitted.type_revisions,
        },
    })
}

/// Loads and resolves the spec, checking the examples: everything short of
/// emitting code. Tools that inspect the spec (diffs, payload checks) use this.
pub fn load_and_resolve(spec_dir: &Path) -> Result<ir::Spec, Diagnostics> {
    let mut sources = diagnostic::Sources::default();
    let mut diagnostics = Diagnostics::default();
    let Some(loaded) = load::load(spec_dir, &mut sources, &mut diagnostics) else {
        return Err(diagnostics.finish((), &sources).err().unwrap_or_default());
    };
    let mut spec = resolve::resolve(&loaded, &mut diagnostics);
    if diagnostics.is_empty() {
        example::complete_and_check(&mut spec, &mut diagnostics);
    }
    diagnostics.finish(spec, &sources)
}
