//! `cargo xtask semver`: how the generated API changed since the last
//! release, whether the crate's version says so, and the CHANGELOG entry.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};
use gigs_codegen::ir::Spec;
use gigs_codegen::semver::{ApiChange, Bump, compare, required_bump};

/// The manifest whose version is checked.
const MANIFEST: &str = "generated/Cargo.toml";

/// A crate version, `major.minor.patch`; pre-release and build metadata are
/// not used by this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CrateVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl std::fmt::Display for CrateVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl CrateVersion {
    /// Reads `1.2.3`.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let parts: Vec<&str> = text.split('.').collect();
        let [major, minor, patch] = parts.as_slice() else {
            bail!("`{text}` is not a version of the form MAJOR.MINOR.PATCH");
        };
        let number = |part: &str| {
            part.parse::<u64>()
                .with_context(|| format!("`{text}` is not a version of the form MAJOR.MINOR.PATCH"))
        };
        Ok(Self {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
        })
    }

    /// The `version` of a manifest's `[package]`.
    pub fn of_manifest(manifest: &str) -> anyhow::Result<Self> {
        let mut in_package = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_package = line == "[package]";
            } else if in_package
                && let Some(value) = line.strip_prefix("version")
                && let Some(value) = value.trim_start().strip_prefix('=')
            {
                return Self::parse(value.trim().trim_matches('"'));
            }
        }
        bail!("the manifest has no `version` in its [package]")
    }

    /// The largest change this version may carry over `baseline`, by
    /// Cargo's rules: in `0.y.z` a change of `y` is breaking and a change of
    /// `z` compatible (minor and patch alike); in `0.0.z` every change is
    /// breaking. `None` when it is not above `baseline`.
    pub fn allows_over(self, baseline: Self) -> Option<Bump> {
        if self <= baseline {
            return (self == baseline).then_some(Bump::None);
        }
        Some(match (baseline.major, baseline.minor) {
            (0, 0) => Bump::Major,
            (0, _) if self.major > 0 || self.minor > baseline.minor => Bump::Major,
            (0, _) => Bump::Minor,
            _ if self.major > baseline.major => Bump::Major,
            _ if self.minor > baseline.minor => Bump::Minor,
            _ => Bump::Patch,
        })
    }

    /// The smallest version after `self` that allows `bump`.
    pub fn next_allowing(self, bump: Bump) -> Self {
        let (major, minor, patch) = (self.major, self.minor, self.patch);
        let (major, minor, patch) = match (bump, major, minor) {
            (Bump::None, ..) => (major, minor, patch),
            (Bump::Major, 0, 0) | (Bump::Minor | Bump::Patch, 0, _) => (0, minor, patch + 1),
            (Bump::Major, 0, _) => (0, minor + 1, 0),
            (Bump::Major, ..) => (major + 1, 0, 0),
            (Bump::Minor, ..) => (major, minor + 1, 0),
            (Bump::Patch, ..) => (major, minor, patch + 1),
        };
        Self {
            major,
            minor,
            patch,
        }
    }
}

/// The spec and crate version at a git revision.
#[derive(Debug)]
pub struct Baseline {
    /// The revision as given, or the one found.
    pub rev: String,
    /// Its commit's hash, and abbreviated.
    pub hash: String,
    pub commit: String,
    pub version: CrateVersion,
    pub spec: Spec,
}

/// Runs git in `root`, returning its output; `what` says what for, in errors.
fn git(root: &Path, args: &[&str], what: &str) -> anyhow::Result<Vec<u8>> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .with_context(|| format!("cannot run git to {what}"))?;
    if !output.status.success() {
        bail!(
            "git {} failed ({what}): {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

fn git_text(root: &Path, args: &[&str], what: &str) -> anyhow::Result<String> {
    String::from_utf8(git(root, args, what)?)
        .with_context(|| format!("git answered with something that is not UTF-8 ({what})"))
}

/// The version of the crate in `generated/Cargo.toml` at `commit`.
fn version_at(root: &Path, commit: &str) -> anyhow::Result<CrateVersion> {
    let manifest = git_text(
        root,
        &["show", &format!("{commit}:{MANIFEST}")],
        &format!("read {MANIFEST} at {commit}"),
    )?;
    CrateVersion::of_manifest(&manifest).with_context(|| format!("{MANIFEST} at {commit}"))
}

/// The full hash of `rev`, with a clear error when the clone lacks it.
fn resolve_rev(root: &Path, rev: &str) -> anyhow::Result<String> {
    let spec = format!("{rev}^{{commit}}");
    git_text(
        root,
        &["rev-parse", "--verify", "--quiet", &spec],
        "find the baseline",
    )
    .map(|hash| hash.trim().to_owned())
    .map_err(|_| {
        anyhow::anyhow!(
            "the baseline `{rev}` is not a commit of this clone; a shallow clone lacks the \
                 history: fetch it (`git fetch --unshallow --tags`) or name another with --baseline"
        )
    })
}

/// The last release: the newest commit whose crate version differs from
/// `current`, the working tree's.
pub fn default_baseline(root: &Path, current: CrateVersion) -> anyhow::Result<String> {
    let commits = git_text(
        root,
        &["log", "--first-parent", "--format=%H", "HEAD"],
        "list the history",
    )?;
    for commit in commits.lines() {
        if version_at(root, commit)? != current {
            return Ok(commit.to_owned());
        }
    }
    bail!(
        "no commit has a crate version other than {current}: there is no earlier release to \
         compare with; name one with --baseline"
    )
}

/// Reads the spec at `rev` into a temporary directory and resolves it.
pub fn baseline(root: &Path, rev: &str, scratch: &Path) -> anyhow::Result<Baseline> {
    let hash = resolve_rev(root, rev)?;
    let version = version_at(root, &hash)?;
    let archive = git(
        root,
        &["archive", "--format=tar", &hash, "spec"],
        "read the baseline's spec",
    )?;
    fs::create_dir_all(scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(scratch)
        .stdin(Stdio::piped())
        .spawn()
        .context("cannot run tar to unpack the baseline's spec")?;
    if let Some(stdin) = tar.stdin.as_mut() {
        stdin
            .write_all(&archive)
            .context("cannot hand the baseline's spec to tar")?;
    }
    let status = tar.wait().context("tar did not finish")?;
    if !status.success() {
        bail!("tar could not unpack the baseline's spec");
    }
    let spec = gigs_codegen::load_and_resolve(&scratch.join("spec")).map_err(|diagnostics| {
        anyhow::anyhow!("the spec at {rev} does not load with today's generator:\n{diagnostics}")
    })?;
    Ok(Baseline {
        rev: if rev == hash {
            hash.chars().take(7).collect()
        } else {
            rev.to_owned()
        },
        commit: hash.chars().take(7).collect(),
        hash,
        version,
        spec,
    })
}

/// What `cargo xtask semver` found.
#[derive(Debug)]
pub struct Report {
    pub baseline: Baseline,
    pub current: CrateVersion,
    pub spec: Spec,
    pub changes: Vec<ApiChange>,
}

impl Report {
    pub fn required(&self) -> Bump {
        required_bump(&self.changes)
    }

    /// Whether the crate's version allows the changes.
    pub fn bumped_enough(&self) -> bool {
        self.current
            .allows_over(self.baseline.version)
            .is_some_and(|allowed| allowed >= self.required())
    }

    /// The report: one line per change, the required bump, and what it
    /// means for the crate's version.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let base = &self.baseline;
        let name = if base.rev == base.commit {
            base.commit.clone()
        } else {
            format!("{} ({})", base.rev, base.commit)
        };
        let _ = writeln!(text, "baseline: {name}, gigs-events {}", base.version);
        for change in &self.changes {
            let _ = writeln!(text, "{change}");
        }
        let required = self.required();
        let _ = writeln!(text, "required bump: {required}");
        let _ = writeln!(
            text,
            "(the types generated from the spec; cargo-semver-checks covers the whole crate)"
        );
        let needed = base.version.next_allowing(required);
        let rule = if base.version.major == 0 {
            "under Cargo's rules for 0.x, a breaking change raises the minor version and an addition the patch version"
        } else {
            "under SemVer"
        };
        let verdict = if self.bumped_enough() {
            "enough"
        } else {
            "NOT enough"
        };
        let _ = writeln!(
            text,
            "{rule}: over {} this needs at least {needed}; generated/Cargo.toml has {}: {verdict}",
            base.version, self.current
        );
        text
    }

    /// The API part of the CHANGELOG entry of the current version, in
    /// Markdown: the Gigs API versions covered, the changes by kind, and
    /// for each new API version what changed from the one before it.
    pub fn changelog(&self) -> String {
        let mut text = String::new();
        let dates: Vec<&str> = self
            .spec
            .versions
            .iter()
            .map(|version| version.date.as_str())
            .collect();
        let _ = writeln!(
            text,
            "Gigs API versions: {} (written by `cargo xtask semver --changelog`, against {}).\n",
            dates.join(", "),
            self.baseline.version
        );
        let sections = [
            (Bump::Major, "Breaking changes to the generated types"),
            (Bump::Minor, "Added to the generated types"),
            (Bump::Patch, "Docs and examples of the generated types"),
        ];
        for (bump, title) in sections {
            let lines: Vec<String> = self
                .changes
                .iter()
                .filter(|change| change.bump == bump)
                .map(|change| format!("- `{}`: {}", change.path, change.what))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(text, "#### {title}\n\n{}\n", lines.join("\n"));
        }
        if self.changes.is_empty() {
            let _ = writeln!(text, "No change to the generated types.\n");
        }
        let old_dates: Vec<&str> = self
            .baseline
            .spec
            .versions
            .iter()
            .map(|version| version.date.as_str())
            .collect();
        for pair in self.spec.versions.windows(2) {
            let [previous, new] = pair else { continue };
            if old_dates.contains(&new.date.as_str()) {
                continue;
            }
            let section = gigs_codegen::diff::markdown_section(previous, new);
            let _ = writeln!(text, "#{}", section.replace("\n## ", "\n### "));
        }
        text
    }
}

/// Compares the spec at `rev` (or the last release) with the working tree.
pub fn run(root: &Path, rev: Option<&str>) -> anyhow::Result<Report> {
    let manifest_path = root.join(MANIFEST);
    let manifest = fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let current = CrateVersion::of_manifest(&manifest).context(MANIFEST)?;
    let rev = match rev {
        Some(rev) => rev.to_owned(),
        None => default_baseline(root, current)?,
    };
    let scratch = ScratchDir::new()?;
    let baseline = baseline(root, &rev, scratch.path())?;
    let spec = match gigs_codegen::load_and_resolve(&root.join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => bail!("the spec has errors:\n{diagnostics}"),
    };
    let changes = compare(&baseline.spec, &spec);
    Ok(Report {
        baseline,
        current,
        spec,
        changes,
    })
}

/// A temporary directory for the baseline's spec, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("gigs-events-semver-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
