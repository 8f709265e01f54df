//! Line counts of the generated modules: in total, per type revision and
//! per API version.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Line counts of the generated modules.
#[derive(Debug, Default)]
pub struct Lines {
    /// Every `.rs` file under the API directory.
    pub files: usize,
    pub total: usize,
    /// Type module (`plan`) → revision module (`v2024_08_29`) → its lines
    /// and the features it is compiled for.
    revisions: BTreeMap<String, BTreeMap<String, Revision>>,
    /// Version module (`v2024_08_29`) → its own lines.
    versions: BTreeMap<String, usize>,
    /// Lines compiled whatever the features: `mod.rs` and `types/mod.rs`.
    common: usize,
}

/// One revision of a type: the file `types/<type>/<revision>.rs`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Revision {
    lines: usize,
    /// The features of its gate in `types/mod.rs`: it is compiled when any
    /// is on.
    features: BTreeSet<String>,
}

/// Counts the lines of every `.rs` file under `api_dir`.
pub fn count(api_dir: &Path) -> anyhow::Result<Lines> {
    let mut lines = Lines::default();
    let mut gates = BTreeMap::new();
    for path in rust_files(api_dir)? {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let count = text.lines().count();
        lines.files += 1;
        lines.total += count;
        let Ok(relative) = path.strip_prefix(api_dir) else {
            continue;
        };
        let parts: Vec<&str> = relative
            .iter()
            .filter_map(|part| part.to_str())
            .map(|part| part.trim_end_matches(".rs"))
            .collect();
        match parts.as_slice() {
            ["types", "mod"] => {
                lines.common += count;
                gates = revision_gates(&text);
            }
            ["mod"] => lines.common += count,
            ["types", type_module, revision] => {
                lines
                    .revisions
                    .entry((*type_module).to_owned())
                    .or_default()
                    .insert(
                        (*revision).to_owned(),
                        Revision {
                            lines: count,
                            features: BTreeSet::new(),
                        },
                    );
            }
            [version] => {
                lines.versions.insert((*version).to_owned(), count);
            }
            _ => {}
        }
    }
    for ((type_module, revision), features) in gates {
        if let Some(revision) = lines
            .revisions
            .get_mut(&type_module)
            .and_then(|revisions| revisions.get_mut(&revision))
        {
            revision.features = features;
        }
    }
    Ok(lines)
}

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The gates of `types/mod.rs`: (type module, revision module) → the
/// features named by the `#[cfg(…)]` before `pub mod <revision>;`, which may
/// span several lines.
fn revision_gates(text: &str) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut gates = BTreeMap::new();
    let mut type_module: Option<String> = None;
    let mut cfg = String::new();
    let mut in_cfg = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(" {"))
        {
            type_module = Some(name.to_owned());
        } else if trimmed.starts_with("#[cfg(") || in_cfg {
            cfg.push_str(trimmed);
            in_cfg = !trimmed.ends_with(")]");
        } else if let Some(revision) = trimmed
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(';'))
            && let Some(type_module) = &type_module
        {
            gates.insert(
                (type_module.clone(), revision.to_owned()),
                quoted_features(&std::mem::take(&mut cfg)),
            );
        }
    }
    gates
}

/// The `feature = "…"` names of a `#[cfg(…)]`.
fn quoted_features(cfg: &str) -> BTreeSet<String> {
    cfg.split("feature")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start().strip_prefix('=')?.trim_start();
            let rest = rest.strip_prefix('"')?;
            Some(rest[..rest.find('"')?].to_owned())
        })
        .collect()
}

/// The feature of a version module: `v2024_08_29` → `v2024-08-29`.
fn module_feature(module: &str) -> String {
    module.replace('_', "-")
}

impl Lines {
    /// Types with at least one definition.
    pub fn types(&self) -> usize {
        self.revisions.len()
    }

    /// Distinct type definitions, after sharing between versions.
    pub fn type_revisions(&self) -> usize {
        self.revisions.values().map(BTreeMap::len).sum()
    }

    /// The type revisions compiled with `feature` on: `(count, lines)`.
    fn revisions_for(&self, feature: &str) -> (usize, usize) {
        self.revisions
            .values()
            .flat_map(BTreeMap::values)
            .filter(|revision| revision.features.contains(feature))
            .fold((0, 0), |(count, lines), revision| {
                (count + 1, lines + revision.lines)
            })
    }

    /// The lines a build with only the version module `version`
    /// (`v2024_08_29`) compiles: its module, the type revisions behind its
    /// feature and the lines every build compiles. `None` for a version with
    /// no module.
    pub fn compiled_for(&self, version: &str) -> Option<usize> {
        let own = self.versions.get(version)?;
        let (_, type_lines) = self.revisions_for(&module_feature(version));
        Some(self.common + own + type_lines)
    }

    /// Per version: its module's lines, the type revisions it uses and the
    /// lines compiled for it alone.
    pub fn per_version(&self) -> impl Iterator<Item = (&str, usize, usize, usize)> {
        self.versions.iter().map(|(version, own)| {
            let (used, _) = self.revisions_for(&module_feature(version));
            (
                version.as_str(),
                *own,
                used,
                self.compiled_for(version).unwrap_or_default(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES_MOD: &str = "\
// @generated
//! The definitions behind the version modules.
/// Every revision of `Plan`.
pub mod plan {
    #[cfg(any(feature = \"v2024-08-29\", feature = \"v2024-10-28\"))]
    pub mod v2024_08_29;
    #[cfg(
        any(
            feature = \"v2024-12-20\",
            feature = \"v2025-05-22\"
        )
    )]
    pub mod v2024_12_20;
}
/// Every revision of `Sim`.
pub mod sim {
    #[cfg(feature = \"v2025-05-22\")]
    pub mod v2025_05_22;
}
";

    fn features(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn gates_are_read_per_type_and_revision_from_types_mod() {
        let gates = revision_gates(TYPES_MOD);
        let key = |type_module: &str, revision: &str| (type_module.to_owned(), revision.to_owned());
        assert_eq!(
            gates.get(&key("plan", "v2024_08_29")),
            Some(&features(&["v2024-08-29", "v2024-10-28"]))
        );
        assert_eq!(
            gates.get(&key("plan", "v2024_12_20")),
            Some(&features(&["v2024-12-20", "v2025-05-22"]))
        );
        assert_eq!(
            gates.get(&key("sim", "v2025_05_22")),
            Some(&features(&["v2025-05-22"]))
        );
        assert_eq!(gates.len(), 3);
    }

    #[test]
    fn a_version_compiles_its_module_its_revisions_and_the_shared_lines() {
        let mut lines = Lines {
            common: 10,
            ..Lines::default()
        };
        let revision = |lines: usize, names: &[&str]| Revision {
            lines,
            features: features(names),
        };
        lines.revisions.insert(
            "plan".to_owned(),
            BTreeMap::from([
                ("v1".to_owned(), revision(100, &["v1"])),
                ("v2".to_owned(), revision(120, &["v2"])),
            ]),
        );
        lines.revisions.insert(
            "sim".to_owned(),
            BTreeMap::from([("v1".to_owned(), revision(50, &["v1", "v2"]))]),
        );
        lines.versions.insert("v1".to_owned(), 5);
        lines.versions.insert("v2".to_owned(), 6);
        assert_eq!(lines.compiled_for("v1"), Some(10 + 5 + 100 + 50));
        assert_eq!(lines.compiled_for("v2"), Some(10 + 6 + 120 + 50));
        assert_eq!(lines.compiled_for("v3"), None);
        assert_eq!(lines.type_revisions(), 3);
        assert_eq!(lines.types(), 2);
        let per_version: Vec<_> = lines.per_version().collect();
        assert_eq!(per_version, [("v1", 5, 2, 165), ("v2", 6, 2, 186)]);
    }

    #[test]
    fn features_are_read_from_cfgs() {
        assert_eq!(
            quoted_features(r#"#[cfg(feature = "v2024-08-29")]"#),
            features(&["v2024-08-29"])
        );
        assert_eq!(
            quoted_features(r#"#[cfg(any(feature="a", feature = "b"))]"#),
            features(&["a", "b"])
        );
        assert!(quoted_features("#[cfg(test)]").is_empty());
    }
}
