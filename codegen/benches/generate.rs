//! Time of `gigs_codegen::generate` on the real spec and on a synthetic spec
//! 20 times larger.
//!
//! The synthetic spec is the real one plus 19 renamed copies of every object,
//! enum and event of every version (`plan` → `planCopy1`, …,
//! `com.gigs.plan.updated` → `com.gigs.planCopy1.updated`), references and
//! example payloads rewritten to match, so that it passes the same checks.
//! It is written to a temporary directory at start and removed at the end.
//!
//! Run with `cargo bench -p gigs-codegen --bench generate`. After a run, the
//! bench reads criterion's estimates back
//! (`target/criterion/generate/<spec>/new/estimates.json`, the median of
//! each) and prints them as a Markdown table with their ratio.

use std::collections::BTreeSet;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use criterion::Criterion;

/// The synthetic spec is this many times the real one.
const SCALE: usize = 20;

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
}

/// The suffix of the `copy`-th copy of every name.
fn suffix(copy: usize) -> String {
    format!("Copy{copy}")
}

/// The object and enum names defined anywhere in the spec.
#[derive(Debug, Default)]
struct Names {
    types: BTreeSet<String>,
}

impl Names {
    fn collect(spec: &Path) -> Result<Self, String> {
        let mut names = Self::default();
        for version in subdirectories(spec)? {
            for kind in ["objects", "enums"] {
                for file in yaml_files(&version.join(kind))? {
                    if let Some(stem) = file.file_stem().and_then(|stem| stem.to_str()) {
                        names.types.insert(stem.to_owned());
                    }
                }
            }
        }
        Ok(names)
    }

    /// `name` in copy `copy`, if it is a type of the spec.
    fn rename(&self, name: &str, copy: usize) -> Option<String> {
        self.types
            .contains(name)
            .then(|| format!("{name}{}", suffix(copy)))
    }

    /// A field type (`plan`, `list<sim>`, `string`) in copy `copy`.
    fn rename_type(&self, value: &str, copy: usize) -> Option<String> {
        let bare = value.trim_matches(|c| c == '"' || c == '\'');
        if let Some(inner) = bare
            .strip_prefix("list<")
            .and_then(|rest| rest.strip_suffix('>'))
        {
            return self
                .rename(inner, copy)
                .map(|renamed| format!("list<{renamed}>"));
        }
        self.rename(bare, copy)
    }
}

/// `com.gigs.plan.updated` in copy `copy`: `com.gigs.planCopy1.updated`.
fn rename_event_type(event_type: &str, copy: usize) -> Option<String> {
    let rest = event_type.strip_prefix("com.gigs.")?;
    let (object, action) = rest.split_once('.')?;
    Some(format!("com.gigs.{object}{}.{action}", suffix(copy)))
}

/// Rewrites an object or enum file (a definition or a patch) for copy `copy`:
/// every `type:` naming a type of the spec and every `enum_name:`.
fn rewrite_type_file(text: &str, names: &Names, copy: usize) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let trimmed = line.trim_start();
        let rewritten = match (
            trimmed.strip_prefix("type: "),
            trimmed.strip_prefix("enum_name: "),
        ) {
            (Some(value), _) => names
                .rename_type(value.trim(), copy)
                .map(|renamed| format!("{indent}type: {renamed}")),
            (None, Some(value)) => Some(format!(
                "{indent}enum_name: {}{}",
                value.trim(),
                suffix(copy)
            )),
            (None, None) => None,
        };
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Rewrites an event file for copy `copy`: its `type`, its `data` and the
/// `type` of its example payload.
fn rewrite_event_file(text: &str, names: &Names, copy: usize) -> Result<String, String> {
    let event_type = text
        .lines()
        .find_map(|line| line.strip_prefix("type: "))
        .map(|value| value.trim().trim_matches('"'))
        .ok_or("an event file without `type:`")?;
    let renamed = rename_event_type(event_type, copy)
        .ok_or_else(|| format!("unexpected event type `{event_type}`"))?;
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        if line.starts_with("type: ") {
            out.push_str(&format!("type: {renamed}"));
        } else if let Some(data) = line.strip_prefix("data: ") {
            let data = data.trim();
            let data = names.rename(data, copy).unwrap_or_else(|| data.to_owned());
            out.push_str(&format!("data: {data}"));
        } else {
            out.push_str(&line.replace(&format!("\"{event_type}\""), &format!("\"{renamed}\"")));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Rewrites `removed.yaml` so that it removes every copy too.
fn rewrite_removed(text: &str, names: &Names) -> String {
    let copies = |item: &str| -> Vec<String> {
        let mut all = vec![item.to_owned()];
        for copy in 1..SCALE {
            all.extend(
                names
                    .rename(item, copy)
                    .or_else(|| rename_event_type(item, copy)),
            );
        }
        all
    };
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some((key, list)) = line.split_once(": [") {
            let items: Vec<String> = list
                .trim_end()
                .trim_end_matches(']')
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .flat_map(copies)
                .collect();
            out.push_str(&format!("{key}: [{}]\n", items.join(", ")));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            let indent = &line[..line.len() - trimmed.len()];
            for item in copies(item.trim()) {
                out.push_str(&format!("{indent}- {item}\n"));
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn subdirectories(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))? {
        let path = entry
            .map_err(|error| format!("{}: {error}", dir.display()))?
            .path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))? {
        let path = entry
            .map_err(|error| format!("{}: {error}", dir.display()))?
            .path();
        if path
            .extension()
            .is_some_and(|extension| extension == "yaml")
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|error| format!("{}: {error}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|error| format!("{}: {error}", from.display()))? {
        let path = entry
            .map_err(|error| format!("{}: {error}", from.display()))?
            .path();
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_dir() {
            copy_tree(&path, &to.join(name))?;
        } else {
            fs::copy(&path, to.join(name))
                .map_err(|error| format!("{}: {error}", path.display()))?;
        }
    }
    Ok(())
}

/// Writes the real spec plus `SCALE - 1` renamed copies of everything to `to`.
fn synthetic_spec(from: &Path, to: &Path) -> Result<(), String> {
    copy_tree(from, to)?;
    let names = Names::collect(from)?;
    for version in subdirectories(from)? {
        let Some(version_name) = version.file_name() else {
            continue;
        };
        let target = to.join(version_name);
        for kind in ["objects", "enums"] {
            for file in yaml_files(&version.join(kind))? {
                let Some(stem) = file.file_stem().and_then(|stem| stem.to_str()) else {
                    continue;
                };
                let text = read(&file)?;
                for copy in 1..SCALE {
                    let path = target
                        .join(kind)
                        .join(format!("{stem}{}.yaml", suffix(copy)));
                    write(&path, &rewrite_type_file(&text, &names, copy))?;
                }
            }
        }
        for file in yaml_files(&version.join("events"))? {
            let text = read(&file)?;
            for copy in 1..SCALE {
                let event = rewrite_event_file(&text, &names, copy)
                    .map_err(|error| format!("{}: {error}", file.display()))?;
                let event_type = event
                    .lines()
                    .find_map(|line| line.strip_prefix("type: com.gigs."))
                    .ok_or_else(|| format!("{}: lost its type", file.display()))?;
                write(
                    &target.join("events").join(format!("{event_type}.yaml")),
                    &event,
                )?;
            }
        }
        let removed = version.join("removed.yaml");
        if removed.is_file() {
            write(
                &target.join("removed.yaml"),
                &rewrite_removed(&read(&removed)?, &names),
            )?;
        }
    }
    Ok(())
}

/// The line count of every generated file together.
fn generated_lines(spec: &Path) -> Result<(usize, usize), String> {
    let generated = gigs_codegen::generate(spec).map_err(|diagnostics| diagnostics.to_string())?;
    let lines = generated
        .files
        .values()
        .map(|contents| contents.lines().count())
        .sum();
    Ok((generated.files.len(), lines))
}

/// The bad specs that must be refused quickly, whatever their size: the
/// alias bomb (bounded by the YAML budgets) and a 50 MiB file (refused by
/// its size before it is read). Built in `dir`.
fn hostile_specs(dir: &Path) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad_specs");
    let alias_bomb = dir.join("alias_bomb");
    copy_tree(&cases.join("alias_bomb"), &alias_bomb)?;
    let huge = dir.join("huge_file");
    copy_tree(&cases.join("_base"), &huge)?;
    let plan = huge.join("2024-08-29/objects/plan.yaml");
    let mut text = read(&plan)?;
    let padding = "# padding\n".repeat((50 << 20) / 10 - text.len() / 10);
    text.push_str(&padding);
    write(&plan, &text)?;
    Ok(vec![("alias_bomb", alias_bomb), ("50MiB_file", huge)])
}

fn run() -> Result<(), String> {
    let real = spec_dir();
    let synthetic = std::env::temp_dir().join(format!("gigs-codegen-bench-{}", std::process::id()));
    if synthetic.exists() {
        fs::remove_dir_all(&synthetic)
            .map_err(|error| format!("{}: {error}", synthetic.display()))?;
    }
    let hostile_dir = synthetic.with_extension("hostile");
    let result = synthetic_spec(&real, &synthetic).and_then(|()| {
        let hostile = hostile_specs(&hostile_dir)?;
        for (name, spec) in &hostile {
            if gigs_codegen::generate(spec).is_ok() {
                return Err(format!("the hostile spec {name} was accepted"));
            }
        }
        // Both specs must generate before anything is measured.
        let (real_files, real_lines) = generated_lines(&real)?;
        let (synthetic_files, synthetic_lines) = generated_lines(&synthetic)?;
        eprintln!(
            "real spec: {real_files} files, {real_lines} lines; \
             {SCALE}x spec: {synthetic_files} files, {synthetic_lines} lines"
        );

        let mut criterion = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5))
            .sample_size(20)
            .configure_from_args();
        let mut group = criterion.benchmark_group("generate");
        group.bench_function("real", |bencher| {
            bencher.iter(|| gigs_codegen::generate(black_box(&real)));
        });
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(20));
        group.bench_function(format!("x{SCALE}"), |bencher| {
            bencher.iter(|| gigs_codegen::generate(black_box(&synthetic)));
        });
        group.finish();
        // Refusing a hostile spec costs less than generating the real one.
        let mut group = criterion.benchmark_group("generate");
        for (name, spec) in &hostile {
            group.bench_function(format!("refuse_{name}"), |bencher| {
                bencher.iter(|| gigs_codegen::generate(black_box(spec)));
            });
        }
        group.finish();
        criterion.final_summary();
        // `cargo bench` passes `--bench`; `cargo test --benches` does not.
        if std::env::args().any(|arg| arg == "--bench") {
            report((real_files, real_lines), (synthetic_files, synthetic_lines));
            report_refusals(&hostile);
        }
        Ok(())
    });
    // Best effort: a leftover directory in the temporary directory is harmless.
    let _ = fs::remove_dir_all(&synthetic);
    let _ = fs::remove_dir_all(&hostile_dir);
    result
}

/// Where criterion keeps its results, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        })
        .join("criterion")
}

/// The median time of one `generate`, in nanoseconds, from the latest run.
fn median_ns(spec: &str) -> Option<f64> {
    let path = criterion_dir()
        .join("generate")
        .join(spec)
        .join("new")
        .join("estimates.json");
    let estimates: serde_json::Value = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
    estimates.get("median")?.get("point_estimate")?.as_f64()
}

/// Prints both times and their ratio, as Markdown.
fn report(real: (usize, usize), synthetic: (usize, usize)) {
    let (Some(real_ns), Some(synthetic_ns)) = (median_ns("real"), median_ns(&format!("x{SCALE}")))
    else {
        eprintln!("no estimates for both specs; no table");
        return;
    };
    println!(
        "\n| spec | generated files | generated lines | generate() (median) |\n\
         |---|---|---|---|\n\
         | real | {} | {} | {:.1} ms |\n\
         | {SCALE}x | {} | {} | {:.1} ms |\n\n\
         {SCALE}x / real: {:.1}x the time for {:.1}x the lines (target for real: under 100 ms)",
        real.0,
        real.1,
        real_ns / 1e6,
        synthetic.0,
        synthetic.1,
        synthetic_ns / 1e6,
        synthetic_ns / real_ns,
        synthetic.1 as f64 / real.1 as f64,
    );
}

/// Each refusal's time as a fraction of generating the real spec.
fn report_refusals(hostile: &[(&str, PathBuf)]) {
    let Some(real_ns) = median_ns("real") else {
        return;
    };
    println!("\n| refused spec | time (median) | / generate(real) |\n|---|---|---|");
    for (name, _) in hostile {
        if let Some(ns) = median_ns(&format!("refuse_{name}")) {
            println!("| {name} | {:.2} ms | {:.3}x |", ns / 1e6, ns / real_ns);
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
