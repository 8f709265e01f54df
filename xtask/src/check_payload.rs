//! `cargo xtask check-payload FILE...` and `--inbox DB`: is a captured
//! payload fully described by the spec?

use std::fs;
use std::path::{Path, PathBuf};

use gigs_codegen::conformance::check_payload;

/// One captured body, and what to call it in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// A file's path, or `inbox.db#evt_…` for a dead letter.
    pub name: String,
    /// The body, or why it could not be read.
    pub body: Result<Vec<u8>, String>,
}

impl Payload {
    /// The body as JSON, or why it cannot be read as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        let bytes = self.body.as_ref().map_err(Clone::clone)?;
        serde_json::from_slice(bytes).map_err(|error| error.to_string())
    }
}

/// Checks each file; returns whether every one is fully described.
pub fn run(root: &Path, files: &[PathBuf]) -> anyhow::Result<bool> {
    run_payloads(root, &read_files(files))
}

/// Each file, as a payload.
pub fn read_files(files: &[PathBuf]) -> Vec<Payload> {
    files
        .iter()
        .map(|file| Payload {
            name: file.display().to_string(),
            body: fs::read(file).map_err(|error| error.to_string()),
        })
        .collect()
}

/// Checks each payload; returns whether every one is fully described.
pub fn run_payloads(root: &Path, payloads: &[Payload]) -> anyhow::Result<bool> {
    let spec = match gigs_codegen::load_and_resolve(&root.join("spec")) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(false);
        }
    };
    let mut all_described = true;
    for payload in payloads {
        let name = &payload.name;
        let payload = match payload.json() {
            Ok(payload) => payload,
            Err(error) => {
                println!("{name}: cannot read as JSON: {error}");
                all_described = false;
                continue;
            }
        };
        let report = check_payload(&spec, &payload);
        println!(
            "{name}: {} in version {}",
            report.event_type.as_deref().unwrap_or("(no type)"),
            report.version.as_deref().unwrap_or("(unknown)")
        );
        if report.findings.is_empty() {
            println!("  fully described by the spec");
            continue;
        }
        all_described = false;
        for finding in &report.findings {
            println!("  {finding}");
        }
        let count = report.findings.len();
        println!(
            "  {count} difference{} from the spec",
            if count == 1 { "" } else { "s" }
        );
    }
    Ok(all_described)
}

/// The dead letters of an example receiver's inbox (an SQLite database),
/// oldest first, each named `<db>#<event id>`.
///
/// # Errors
///
/// When the file cannot be opened as an SQLite database, or has no inbox.
#[cfg(feature = "inbox")]
pub fn dead_letters(db: &Path) -> anyhow::Result<Vec<Payload>> {
    use anyhow::Context as _;
    use rusqlite::{Connection, OpenFlags};

    // Opening read-only would also create nothing, but WAL databases need
    // their `-shm` file: read-write, without creating a missing database.
    let connection = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("cannot open the inbox {}", db.display()))?;
    let mut select = connection
        .prepare(
            "SELECT event_id, inbox.body FROM dead_letters
             JOIN inbox USING (event_id) ORDER BY inbox.seq",
        )
        .with_context(|| {
            format!(
                "{} is not a receiver's inbox (examples/receiver/schema.sql)",
                db.display()
            )
        })?;
    let letters = select
        .query_map([], |row| {
            Ok(Payload {
                name: format!("{}#{}", db.display(), row.get::<_, String>(0)?),
                body: Ok(row.get(1)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot read the dead letters of {}", db.display()))?;
    Ok(letters)
}

#[cfg(all(test, feature = "inbox"))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The inbox's tables, as the example receiver creates them.
    const SCHEMA: &str = include_str!("../../generated/examples/receiver/schema.sql");

    #[test]
    fn dead_letters_are_read_from_the_inbox_with_their_bodies() {
        let dir = std::env::temp_dir().join(format!("xtask-inbox-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let db = dir.join("inbox.db");
        let _ = fs::remove_file(&db);
        let connection = rusqlite::Connection::open(&db).unwrap();
        connection.execute_batch(SCHEMA).unwrap();
        for (event_id, state, body) in [
            ("evt_handled", "handled", "{}"),
            ("evt_dead_1", "dead", r#"{"id": "evt_dead_1"}"#),
            ("evt_dead_2", "dead", r#"{"id": "evt_dead_2"}"#),
        ] {
            connection
                .execute(
                    "INSERT INTO inbox (event_id, event_type, message_id, body, received_at, state)
                     VALUES (?1, 'com.gigs.plan.updated', 'msg_1', ?2, 0, ?3)",
                    (event_id, body.as_bytes(), state),
                )
                .unwrap();
            if state == "dead" {
                connection
                    .execute(
                        "INSERT INTO dead_letters (event_id, stage, error, attempts, failed_at)
                         VALUES (?1, 'parse', 'data.name: invalid type: null', 1, 0)",
                        [event_id],
                    )
                    .unwrap();
            }
        }
        drop(connection);

        let letters = dead_letters(&db).unwrap();
        let expected: Vec<_> = ["evt_dead_1", "evt_dead_2"]
            .into_iter()
            .map(|id| Payload {
                name: format!("{}#{id}", db.display()),
                body: Ok(format!(r#"{{"id": "{id}"}}"#).into_bytes()),
            })
            .collect();
        assert_eq!(letters, expected);

        let error = dead_letters(&dir.join("missing.db")).unwrap_err();
        assert!(
            format!("{error:#}").starts_with("cannot open the inbox "),
            "{error:#}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
