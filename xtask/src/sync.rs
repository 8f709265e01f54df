//! Stage 5, write: compares what the spec generates with what is on disk,
//! and writes the difference. `regen`, `regen --check` and the drift test
//! all go through [`plan`], so they can never disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use gigs_codegen::{API_DIR, Diagnostics, Generated};

/// The Cargo manifest whose `[features]` block is generated.
const CARGO_TOML: &str = "generated/Cargo.toml";

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The spec has errors; nothing may be written.
    #[error("{0}")]
    Spec(Diagnostics),
    /// The repository could not be read.
    #[error("cannot read {}", .0.display())]
    Io(PathBuf, #[source] io::Error),
    /// `generated/Cargo.toml` lacks its feature markers.
    #[error("{0}")]
    Manifest(String),
}

/// What regeneration would change.
#[derive(Debug)]
pub struct Plan {
    generated: Generated,
    /// Every generated path → its contents now, `None` if it does not exist.
    current: BTreeMap<PathBuf, Option<String>>,
    /// Files under the generated directory that the spec no longer produces.
    stale: Vec<PathBuf>,
    /// The directory whose every file is generated, relative to the root.
    owned_dir: PathBuf,
}

/// Generates from `root/spec` and compares with the files under `root`.
pub fn plan(root: &Path) -> Result<Plan, PlanError> {
    let mut generated = gigs_codegen::generate(&root.join("spec")).map_err(PlanError::Spec)?;
    let manifest = read(root, Path::new(CARGO_TOML))?.unwrap_or_default();
    let spliced = gigs_codegen::splice_features(&manifest, &generated.cargo_features)
        .map_err(PlanError::Manifest)?;
    generated.files.insert(PathBuf::from(CARGO_TOML), spliced);
    compare(root, generated, Path::new(API_DIR))
}

/// Compares `generated` (paths relative to `root`) with the disk. Every file
/// under `owned_dir` is generated: those `generated` lacks are stale.
pub fn compare(root: &Path, generated: Generated, owned_dir: &Path) -> Result<Plan, PlanError> {
    let mut current = BTreeMap::new();
    for path in generated.files.keys() {
        current.insert(path.clone(), read(root, path)?);
    }
    let mut stale = Vec::new();
    for path in files_under(root, owned_dir)? {
        if !generated.files.contains_key(&path) {
            stale.push(path);
        }
    }
    Ok(Plan {
        generated,
        current,
        stale,
        owned_dir: owned_dir.to_path_buf(),
    })
}

impl Plan {
    /// Whether the disk already matches the spec.
    pub fn is_up_to_date(&self) -> bool {
        self.stale.is_empty() && self.changed().next().is_none()
    }

    /// The files to write: new or different.
    pub fn changed(&self) -> impl Iterator<Item = (&PathBuf, &String)> {
        self.generated.files.iter().filter(|(path, contents)| {
            self.current.get(*path).and_then(Option::as_ref) != Some(*contents)
        })
    }

    /// The files to delete.
    pub fn stale(&self) -> &[PathBuf] {
        &self.stale
    }

    /// A unified diff from the disk to what the spec generates.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for (path, wanted) in self.changed() {
            let old = self
                .current
                .get(path)
                .cloned()
                .flatten()
                .unwrap_or_default();
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&old, wanted);
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            );
        }
        for path in &self.stale {
            let _ = writeln!(
                out,
                "--- a/{}\n+++ /dev/null\n(no longer generated)",
                path.display()
            );
        }
        out
    }

    /// One line: what the spec has and what was (or would be) done.
    pub fn summary_line(&self) -> String {
        let summary = self.generated.summary;
        let changed = self.changed().count();
        let total = self.generated.files.len();
        format!(
            "{} versions, {} event types, {} type definitions: {changed} files written, {} unchanged, {} removed",
            summary.versions,
            summary.events,
            summary.type_revisions,
            total - changed,
            self.stale.len()
        )
    }

    /// Writes every changed file and deletes the stale ones. Each file is
    /// written to a temporary name and renamed, so a failure never leaves a
    /// half-written file behind.
    pub fn apply(&self, root: &Path) -> io::Result<()> {
        for (path, contents) in self.changed() {
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let temporary = target.with_extension("regen-tmp");
            fs::write(&temporary, contents)?;
            fs::rename(&temporary, &target)?;
        }
        for path in &self.stale {
            fs::remove_file(root.join(path))?;
        }
        remove_empty_dirs(&root.join(&self.owned_dir))?;
        Ok(())
    }
}

fn read(root: &Path, path: &Path) -> Result<Option<String>, PlanError> {
    match fs::read_to_string(root.join(path)) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(PlanError::Io(path.to_path_buf(), error)),
    }
}

/// Every file under `dir` (relative to `root`), as paths relative to `root`.
fn files_under(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, PlanError> {
    let mut files = Vec::new();
    let entries = match fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(files),
        Err(error) => return Err(PlanError::Io(dir.to_path_buf(), error)),
    };
    for entry in entries {
        let entry = entry.map_err(|error| PlanError::Io(dir.to_path_buf(), error))?;
        let path = dir.join(entry.file_name());
        if entry.path().is_dir() {
            files.extend(files_under(root, &path)?);
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn remove_empty_dirs(dir: &Path) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if fs::read_dir(&path)?.next().is_none() {
                fs::remove_dir(&path)?;
            }
        }
    }
    Ok(())
}
