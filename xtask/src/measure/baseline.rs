//! The plain-derive baseline crate: the newest API version as plain serde
//! derives, with gigs-events' own dependencies and the workspace's profiles,
//! so that both crates build against the same already built dependencies.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};

/// The baseline's package name.
pub const PACKAGE: &str = "gigs-events-baseline";

/// Writes the baseline crate of the spec's newest version into `dir`:
/// `Cargo.toml`, `src/lib.rs` and the workspace's `Cargo.lock`, so that it
/// resolves the same dependency versions. Returns the version's date.
pub fn write(root: &Path, dir: &Path) -> anyhow::Result<String> {
    let spec = gigs_codegen::load_and_resolve(&root.join("spec"))
        .map_err(|diagnostics| anyhow::anyhow!("the spec does not resolve:\n{diagnostics}"))?;
    let Some(newest) = spec.versions.last() else {
        bail!("the spec has no API version");
    };
    let source = gigs_codegen::baseline::plain_derive(newest).map_err(anyhow::Error::msg)?;
    let workspace_manifest = read(&root.join("Cargo.toml"))?;
    let crate_manifest = read(&root.join("generated").join("Cargo.toml"))?;
    let manifest = manifest(&workspace_manifest, &crate_manifest)?;
    let src = dir.join("src");
    fs::create_dir_all(&src).with_context(|| format!("cannot create {}", src.display()))?;
    write_file(&dir.join("Cargo.toml"), &manifest)?;
    write_file(&src.join("lib.rs"), &source)?;
    let lock = root.join("Cargo.lock");
    fs::copy(&lock, dir.join("Cargo.lock"))
        .with_context(|| format!("cannot copy {} to {}", lock.display(), dir.display()))?;
    Ok(newest.date.clone())
}

/// The baseline's manifest: a workspace of its own, gigs-events' required
/// dependencies as they are declared, and the workspace's profiles, whose
/// per-package settings reach gigs-events' dependencies too (`syn`, built
/// for serde's derive).
fn manifest(workspace_manifest: &str, crate_manifest: &str) -> anyhow::Result<String> {
    let workspace_dependencies = section(workspace_manifest, "[workspace.dependencies]");
    let mut dependencies = String::new();
    for line in section(crate_manifest, "[dependencies]") {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.contains("optional = true") {
            continue;
        }
        match line.strip_suffix(".workspace = true") {
            Some(name) => {
                let declared = workspace_dependencies
                    .iter()
                    .find(|candidate| dependency_name(candidate) == Some(name.trim()))
                    .with_context(|| {
                        format!("`{name}` is not in the workspace's [workspace.dependencies]")
                    })?;
                dependencies.push_str(declared.trim());
            }
            None => dependencies.push_str(line),
        }
        dependencies.push('\n');
    }
    if dependencies.is_empty() {
        bail!("generated/Cargo.toml lists no [dependencies]");
    }
    let mut manifest = format!(
        "[package]\nname = \"{PACKAGE}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         # A workspace of its own, wherever it is written.\n[workspace]\n\n\
         [dependencies]\n{dependencies}"
    );
    for (header, body) in sections(workspace_manifest) {
        if header.starts_with("[profile.") {
            manifest.push('\n');
            manifest.push_str(header);
            manifest.push('\n');
            for line in body {
                manifest.push_str(line);
                manifest.push('\n');
            }
        }
    }
    Ok(manifest)
}

/// The name a dependency line declares: `serde = { … }` → `serde`.
fn dependency_name(line: &str) -> Option<&str> {
    let (name, _) = line.split_once('=')?;
    Some(name.trim())
}

/// The lines of the section `header`, comments and blank lines included.
fn section<'a>(manifest: &'a str, header: &str) -> Vec<&'a str> {
    sections(manifest)
        .into_iter()
        .find(|(name, _)| *name == header)
        .map(|(_, body)| body)
        .unwrap_or_default()
}

/// Every `[section]` of a manifest with the lines up to the next one.
fn sections(manifest: &str) -> Vec<(&str, Vec<&str>)> {
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            sections.push((trimmed, Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push(line);
        }
    }
    sections
}

fn read(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKSPACE: &str = r#"[workspace]
members = ["generated"]

[workspace.dependencies]
serde = { version = "1", features = ["derive"] }
jiff = { version = "0.2", default-features = false }

[profile.dev.package."*"]
debug = false

[profile.dev.package.syn]
opt-level = 2
"#;

    const CRATE: &str = r#"[package]
name = "gigs-events"

[dependencies]
serde.workspace = true
jiff.workspace = true
hmac = { version = "0.13", optional = true }
# Not optional.
http = "1"

[dev-dependencies]
proptest.workspace = true
"#;

    #[test]
    fn the_manifest_has_the_crates_dependencies_and_the_shared_profiles() {
        let manifest = manifest(WORKSPACE, CRATE).unwrap();
        assert!(manifest.contains(
            "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n\
             jiff = { version = \"0.2\", default-features = false }\nhttp = \"1\"\n"
        ));
        assert!(!manifest.contains("hmac"), "{manifest}");
        assert!(!manifest.contains("proptest"), "{manifest}");
        assert!(manifest.contains("[profile.dev.package.\"*\"]\ndebug = false\n"));
        assert!(manifest.contains("[profile.dev.package.syn]\nopt-level = 2\n"));
        assert!(manifest.contains("\n[workspace]\n"));
    }

    #[test]
    fn a_dependency_missing_from_the_workspace_is_an_error() {
        let error = manifest(WORKSPACE, "[dependencies]\nrand.workspace = true\n")
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some("`rand` is not in the workspace's [workspace.dependencies]")
        );
    }
}
