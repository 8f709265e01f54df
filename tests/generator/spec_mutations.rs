//! No spec input makes the generator panic: the real spec with one file
//! damaged (bytes flipped or replaced, the file cut short, a line deleted or
//! doubled) is either generated or refused with messages, never a crash.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::sample::Index;

/// Every file of the real spec: path relative to `spec/`, and contents.
fn spec_files() -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
        let mut entries: Vec<_> = fs::read_dir(root.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        entries.sort();
        for name in entries {
            let path = dir.join(name);
            if root.join(&path).is_dir() {
                walk(root, &path, files);
            } else {
                files.push((path.clone(), fs::read(root.join(&path)).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &gigs_events_tests::root().join("spec"),
        Path::new(""),
        &mut files,
    );
    files
}

/// One way to damage a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR bytes with non-zero masks: mostly invalid UTF-8, sometimes not.
    FlipBytes(Vec<(Index, u8)>),
    /// Replace a byte with one that means something to YAML or JSON.
    ReplaceByte(Index, u8),
    Truncate(Index),
    DeleteLine(Index),
    DuplicateLine(Index),
}

const SIGNIFICANT: &[u8] = b":-[]{}#&*!|>'\"\n\t ,?%@`0aZ\\";

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop::collection::vec((any::<Index>(), 1..=255_u8), 1..4).prop_map(Mutation::FlipBytes),
        (any::<Index>(), prop::sample::select(SIGNIFICANT))
            .prop_map(|(at, byte)| Mutation::ReplaceByte(at, byte)),
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
    ]
}

fn apply(mutation: &Mutation, bytes: &[u8]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    if bytes.is_empty() {
        return bytes;
    }
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&byte| byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    match mutation {
        Mutation::FlipBytes(flips) => {
            for (at, mask) in flips {
                let at = at.index(bytes.len());
                bytes[at] ^= mask;
            }
            bytes
        }
        Mutation::ReplaceByte(at, byte) => {
            let at = at.index(bytes.len());
            bytes[at] = *byte;
            bytes
        }
        Mutation::Truncate(at) => {
            bytes.truncate(at.index(bytes.len()));
            bytes
        }
        Mutation::DeleteLine(line) => {
            lines.remove(line.index(lines.len()));
            lines.concat()
        }
        Mutation::DuplicateLine(line) => {
            let line = line.index(lines.len());
            lines.insert(line, lines[line].clone());
            lines.concat()
        }
    }
}

/// A spec directory of its own in the temporary directory, removed when
/// dropped.
struct TempSpec(PathBuf);

impl TempSpec {
    fn new(files: &[(PathBuf, Vec<u8>)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gigs-events-spec-mutations-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        for (path, contents) in files {
            let target = dir.join(path);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::write(target, contents).unwrap();
        }
        Self(dir)
    }
}

impl Drop for TempSpec {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

proptest! {
    // Each case generates the whole spec (about half a second in a debug
    // build when the damage goes unnoticed), so the count stays modest.
    #![proptest_config(ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_damaged_spec_is_generated_or_refused_but_never_panics(
        file in any::<Index>(),
        mutation in mutation(),
    ) {
        let mut files = spec_files();
        let yaml: Vec<usize> = (0..files.len())
            .filter(|&index| files[index].0.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        let target = yaml[file.index(yaml.len())];
        files[target].1 = apply(&mutation, &files[target].1);
        let spec = TempSpec::new(&files);

        // A panic inside fails the case; proptest then shrinks it.
        match gigs_codegen::generate(&spec.0) {
            Ok(generated) => prop_assert!(!generated.files.is_empty()),
            Err(diagnostics) => {
                prop_assert!(!diagnostics.is_empty());
                prop_assert!(diagnostics.iter().all(|diagnostic| !diagnostic.message.is_empty()));
                let rendered = diagnostics.to_string();
                prop_assert!(rendered.ends_with("nothing was generated"), "{}", rendered);
            }
        }
    }
}
