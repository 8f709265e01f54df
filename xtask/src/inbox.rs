//! `check-payload --inbox`: the dead letters of a gigs-receiver inbox, read
//! with the receiver's own code, so that the two never disagree on the
//! schema.

use std::path::PathBuf;

use anyhow::Context as _;
use gigs_receiver::inbox::{Inbox, InboxOptions, Location, Synchronous};

use crate::check_payload::Payload;

/// The dead letters of the inbox `inbox` names (an SQLite file, or a
/// PostgreSQL URL or connection string), oldest first, each named
/// `<inbox>#<event id or delivery id>`.
///
/// # Errors
///
/// When the inbox cannot be opened or read; a missing SQLite file is not
/// created.
pub fn dead_letters(inbox: &str) -> anyhow::Result<Vec<Payload>> {
    let location = location(inbox);
    if let Location::File(path) = &location {
        anyhow::ensure!(
            path.is_file(),
            "cannot open the inbox {inbox}: no such file"
        );
    }
    let options = InboxOptions {
        location: location.clone(),
        synchronous: Synchronous::Normal,
        replica: "xtask".to_owned(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let letters = runtime
        .block_on(async {
            let inbox = Inbox::open(&options).await?;
            inbox.dead_letters().await
        })
        .with_context(|| format!("cannot read the dead letters of {location}"))?;
    Ok(letters
        .into_iter()
        .map(|letter| Payload {
            name: format!(
                "{location}#{}",
                letter.key.as_deref().unwrap_or("(no delivery id)")
            ),
            body: Ok(letter.body),
        })
        .collect())
}

/// A PostgreSQL connection string (`postgres://…`, `postgresql://…`,
/// `host=… dbname=…`), or else an SQLite file.
fn location(inbox: &str) -> Location {
    let postgres = inbox.starts_with("postgres://")
        || inbox.starts_with("postgresql://")
        || inbox.contains('=');
    if postgres {
        Location::Postgres(inbox.to_owned())
    } else {
        Location::File(PathBuf::from(inbox))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use gigs_receiver::handler;
    use gigs_receiver::inbox::Delivery;

    use super::*;

    #[test]
    fn dead_letters_are_read_from_the_inbox_with_their_bodies() {
        let dir = std::env::temp_dir().join(format!("xtask-inbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("inbox.db");
        let _ = std::fs::remove_file(&db);
        let seed = include_str!("../../tests/fixtures/seeds/plan.updated.json");
        let null_name = seed.replacen("\"Gigs Global\"", "null", 1);
        assert_ne!(null_name, seed);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let options = InboxOptions {
                location: Location::File(db.clone()),
                synchronous: Synchronous::Normal,
                replica: "test".to_owned(),
            };
            let inbox = Inbox::open(&options).await.unwrap();
            let deliveries = vec![
                Delivery::read("msg_1".to_owned(), seed.as_bytes().to_vec()),
                Delivery::read(
                    "msg_2".to_owned(),
                    null_name.replacen("evt_", "evt_dead_", 1).into_bytes(),
                ),
                Delivery::read("msg_3".to_owned(), b"not json".to_vec()),
            ];
            inbox.store_all(deliveries).await.unwrap();
            inbox
                .handle_pending(10, Arc::new(handler::handle))
                .await
                .unwrap();
        });

        let letters = dead_letters(db.to_str().unwrap()).unwrap();
        let expected = vec![
            Payload {
                name: format!("{}#evt_dead_0SNlurA049MEWV5gNTcQ5A07h3Ol", db.display()),
                body: Ok(null_name.replacen("evt_", "evt_dead_", 1).into_bytes()),
            },
            Payload {
                name: format!("{}#msg_3", db.display()),
                body: Ok(b"not json".to_vec()),
            },
        ];
        assert_eq!(letters, expected);

        let missing = dir.join("missing.db");
        let error = dead_letters(missing.to_str().unwrap()).unwrap_err();
        assert!(
            format!("{error:#}").starts_with("cannot open the inbox "),
            "{error:#}"
        );
        assert!(!missing.exists());
        assert!(matches!(
            location("postgres://localhost/gigs"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            location("host=/run/postgresql dbname=gigs"),
            Location::Postgres(_)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
