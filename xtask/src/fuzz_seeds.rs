//! `cargo xtask fuzz-seeds`: the raw seed inputs of the fuzz targets, from
//! what the repository already holds. `fuzz/refresh-corpus` minimizes them
//! into the checked-in corpus.
//!
//! - `from_json`: every JSON fixture under `tests/fixtures/`, and the example
//!   of every event in every version of the spec (written or derived).
//! - `spec_loader`: spec trees in the target's input format (`@@ <path>`
//!   lines, see `fuzz/README.md`): every case of `tests/bad_specs/`, the
//!   obstacle-course spec, and each file of `spec/` put into the spec of
//!   every file kind at the place of its kind.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The line that starts a file in a `spec_loader` input.
const FILE_MARKER: &str = "@@ ";

/// The valid spec that has a file of every kind, which the spec's own files
/// are put into.
const EVERY_FILE_KIND: &str = "tests/bad_specs/_valid_every_file_kind";

/// Writes the seeds under `out/<target>/`, and says how many.
pub fn run(root: &Path, out: &Path) -> Result<()> {
    let from_json = out.join("from_json");
    let spec_loader = out.join("spec_loader");
    for dir in [&from_json, &spec_loader] {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let payloads = write_payload_seeds(root, &from_json)?;
    let trees = write_spec_tree_seeds(root, &spec_loader)?;
    println!(
        "{payloads} seeds in {}, {trees} in {}",
        from_json.display(),
        spec_loader.display()
    );
    Ok(())
}

fn write_payload_seeds(root: &Path, out: &Path) -> Result<usize> {
    let mut count = 0;
    let fixtures = root.join("tests/fixtures");
    for path in files_under(&fixtures)? {
        if path.extension().is_some_and(|ext| ext == "json") {
            let name = format!("fixture-{}", flat_name(&fixtures, &path));
            copy(&path, &out.join(name))?;
            count += 1;
        }
    }
    let spec = gigs_codegen::load_and_resolve(&root.join("spec"))
        .map_err(|diagnostics| anyhow::anyhow!("the spec has errors:\n{diagnostics}"))?;
    for version in &spec.versions {
        for event in &version.events {
            if let Some(example) = &event.example {
                let name = format!("example-{}-{}.json", version.date, event.event_type);
                write(&out.join(name), example.json.as_bytes())?;
                count += 1;
            }
        }
    }
    Ok(count)
}

fn write_spec_tree_seeds(root: &Path, out: &Path) -> Result<usize> {
    let mut count = 0;
    let bad_specs = root.join("tests/bad_specs");
    for case in sorted_entries(&bad_specs)? {
        if case.is_dir() {
            let name = file_name(&case);
            let files = tree_files(&case)?
                .into_iter()
                .filter(|(path, _)| path != "expected.txt")
                .collect::<Vec<_>>();
            write(&out.join(format!("bad_spec-{name}")), &encode_tree(&files))?;
            count += 1;
        }
    }
    let obstacle = tree_files(&root.join("tests/obstacle/spec"))?;
    write(&out.join("obstacle"), &encode_tree(&obstacle))?;
    count += 1;

    // Each of the spec's files, in the small spec of every file kind: in its
    // first version if it is from the spec's first, else in its second.
    let every_kind = tree_files(&root.join(EVERY_FILE_KIND))?;
    let versions: Vec<&str> = every_kind
        .iter()
        .filter_map(|(path, _)| path.split_once('/').map(|(version, _)| version))
        .collect();
    let (Some(first), Some(later)) = (versions.iter().min(), versions.iter().max()) else {
        bail!("{EVERY_FILE_KIND} has no version directory");
    };
    let spec_dir = root.join("spec");
    let spec_files = tree_files(&spec_dir)?;
    let spec_first = spec_files
        .iter()
        .filter_map(|(path, _)| path.split_once('/').map(|(version, _)| version))
        .min()
        .unwrap_or_default()
        .to_owned();
    for (path, contents) in &spec_files {
        let Some((version, within)) = path.split_once('/') else {
            continue;
        };
        if !within.ends_with(".yaml") {
            continue;
        }
        let placed = format!(
            "{}/{within}",
            if version == spec_first { first } else { later }
        );
        let mut files: Vec<(String, Vec<u8>)> = every_kind
            .iter()
            .filter(|(existing, _)| *existing != placed)
            .cloned()
            .collect();
        files.push((placed, contents.clone()));
        let name = format!("spec-{}", path.replace('/', "-"));
        write(&out.join(name), &encode_tree(&files))?;
        count += 1;
    }
    write(&out.join("every_file_kind"), &encode_tree(&every_kind))?;
    Ok(count + 1)
}

/// The `spec_loader` input of `files`: each as a `@@ <path>` line and its
/// bytes, which get a final newline so that the next marker starts a line.
fn encode_tree(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut input = Vec::new();
    for (path, contents) in files {
        input.extend_from_slice(FILE_MARKER.as_bytes());
        input.extend_from_slice(path.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(contents);
        if !contents.is_empty() && !contents.ends_with(b"\n") {
            input.push(b'\n');
        }
    }
    input
}

/// Every file under `dir` as (path relative to `dir` with `/`, bytes), sorted.
fn tree_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    files_under(dir)?
        .into_iter()
        .map(|path| {
            let contents =
                fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let relative = path
                .strip_prefix(dir)
                .with_context(|| format!("{} is not under {}", path.display(), dir.display()))?;
            let components: Vec<String> = relative
                .components()
                .map(|component| component.as_os_str().to_string_lossy().into_owned())
                .collect();
            Ok((components.join("/"), contents))
        })
        .collect()
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            files.extend(files_under(&entry)?);
        } else {
            files.push(entry);
        }
    }
    Ok(files)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    entries.sort();
    Ok(entries)
}

fn flat_name(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('/', "-")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

fn write(path: &Path, contents: &[u8]) -> Result<()> {
    fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}
