//! The event types Gigs documents beyond the first eighteen, checked against
//! payloads written from Gigs' documentation rather than from the spec's own
//! examples: other ids and values, nulls where the docs allow them, fields
//! and enum values the spec does not know.
//!
//! Every file under `tests/fixtures/catalog/` is named after its event type
//! without `com.gigs.`; files in subdirectories are further payloads of the
//! same kind, such as ones of a later API version.

use std::path::{Path, PathBuf};

use gigs_codegen::conformance::{FindingKind, PathStep, check_payload};
use gigs_events::{VersionedEvent, v2024_08_29, v2024_10_28};
use gigs_events_tests::{assert_same_json, json, root, spec};
use serde_json::Value;

/// The event types added to the catalog, each with at least one fixture.
const NEW_TYPES: [&str; 29] = [
    "com.gigs.apiKey.created",
    "com.gigs.connectSession.created",
    "com.gigs.connectSession.updated",
    "com.gigs.installation.created",
    "com.gigs.installation.updated",
    "com.gigs.portOutCredentials.issued",
    "com.gigs.porting.canceled",
    "com.gigs.porting.completed",
    "com.gigs.porting.declined",
    "com.gigs.porting.requested",
    "com.gigs.porting.updated",
    "com.gigs.project.deleted",
    "com.gigs.project.updated",
    "com.gigs.subscription.activated",
    "com.gigs.subscription.canceled",
    "com.gigs.subscription.created",
    "com.gigs.subscription.ended",
    "com.gigs.subscription.renewed",
    "com.gigs.subscription.restored",
    "com.gigs.subscription.resumed",
    "com.gigs.subscription.updated",
    "com.gigs.subscriptionAddon.activated",
    "com.gigs.subscriptionAddon.created",
    "com.gigs.subscriptionAddon.ended",
    "com.gigs.subscriptionAddon.renewed",
    "com.gigs.subscriptionChange.applied",
    "com.gigs.usageBalance.thresholdReached",
    "com.gigs.user.created",
    "com.gigs.user.updated",
];

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/catalog")
}

/// Every fixture, in subdirectories too, sorted.
fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
                .path();
            if path.is_dir() {
                walk(&path, found);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&fixture_dir(), &mut found);
    found.sort();
    found
}

/// The event type a fixture's file name promises: `porting.completed.json`
/// holds a `com.gigs.porting.completed`.
fn type_of_file(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_suffix(".json"))
        .unwrap_or_else(|| panic!("{} is not a .json file name", path.display()));
    format!("com.gigs.{name}")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The fixture whose file name gives `event_type`, at the top level.
fn fixture(event_type: &str) -> Vec<u8> {
    let name = event_type.trim_start_matches("com.gigs.");
    read(&fixture_dir().join(format!("{name}.json")))
}

/// The variant name the generator gives an event type:
/// `com.gigs.subscriptionAddon.activated` is `SubscriptionAddonActivated`.
fn variant_name(event_type: &str) -> String {
    event_type
        .trim_start_matches("com.gigs.")
        .split('.')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// The two variant names in the `Debug` rendering of a parsed event:
/// `V2024_08_29(PortingCompleted(PortingCompleted { … }))` gives the version
/// module's variant and the event's.
fn debug_variants(event: &VersionedEvent) -> (String, String) {
    let rendered = format!("{event:?}");
    let mut parts = rendered.splitn(3, '(');
    let outer = parts.next().unwrap_or_default().to_owned();
    let inner = parts.next().unwrap_or_default().to_owned();
    (outer, inner)
}

/// Removes the member at `steps` from `value`, if it is there.
fn remove(value: &mut Value, steps: &[PathStep]) {
    let Some((last, parents)) = steps.split_last() else {
        return;
    };
    let mut at = value;
    for step in parents {
        let next = match step {
            PathStep::Field(name) => at.get_mut(name.as_str()),
            PathStep::Index(index) => at.get_mut(*index),
        };
        let Some(next) = next else {
            return;
        };
        at = next;
    }
    if let (PathStep::Field(name), Some(object)) = (last, at.as_object_mut()) {
        object.remove(name.as_str());
    }
}

#[test]
fn every_new_event_type_is_in_every_version_and_has_a_fixture() {
    let spec = spec();
    for version in &spec.versions {
        for event_type in NEW_TYPES {
            assert!(
                version
                    .events
                    .iter()
                    .any(|event| event.event_type == event_type),
                "{event_type} is missing from version {}",
                version.date
            );
        }
    }
    let mut top_level: Vec<String> = fixtures()
        .iter()
        .filter(|path| path.parent() == Some(fixture_dir().as_path()))
        .map(|path| type_of_file(path))
        .collect();
    top_level.sort();
    assert_eq!(top_level, NEW_TYPES);
}

#[test]
fn every_fixture_parses_with_its_own_version_into_its_own_variant_and_round_trips() {
    let spec = spec();
    let all = fixtures();
    assert!(all.len() >= NEW_TYPES.len(), "only {} fixtures", all.len());
    let mut with_unlisted_values = 0;
    for path in all {
        let context = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let body = read(&path);
        let payload = json(&body);
        let event_type = type_of_file(&path);
        assert_eq!(payload["type"], event_type.as_str(), "{context}");
        let Some(version) = payload["version"].as_str() else {
            panic!("{context} has no string `version`");
        };

        let event = VersionedEvent::from_json(&body)
            .unwrap_or_else(|error| panic!("{context} does not parse: {error}"));
        assert_eq!(event.version(), Some(version), "{context}");
        assert_eq!(event.event_type(), event_type, "{context}");
        let (module, variant) = debug_variants(&event);
        assert_eq!(
            module,
            format!("V{}", version.replace('-', "_")),
            "{context} was not parsed with the module of its version"
        );
        assert_eq!(
            variant,
            variant_name(&event_type),
            "{context} was not parsed into its own variant"
        );

        // The spec's own view of the fixture: besides the extras written into
        // it on purpose, it must be a payload the spec fully describes.
        let report = check_payload(&spec, &payload);
        let unexpected: Vec<String> = report
            .findings
            .iter()
            .filter(|finding| {
                !matches!(
                    finding.kind,
                    FindingKind::UnknownField | FindingKind::UnknownEnumValue
                )
            })
            .map(ToString::to_string)
            .collect();
        assert!(unexpected.is_empty(), "{context}: {unexpected:#?}");
        let unknown_fields: Vec<_> = report
            .findings
            .iter()
            .filter(|finding| finding.kind == FindingKind::UnknownField)
            .collect();
        assert!(
            !unknown_fields.is_empty(),
            "{context} has no field the spec does not know"
        );
        if report
            .findings
            .iter()
            .any(|finding| finding.kind == FindingKind::UnknownEnumValue)
        {
            with_unlisted_values += 1;
        }

        // Unknown fields are dropped by design; everything else comes back,
        // unlisted enum values and nulls included.
        let mut expected = payload.clone();
        for finding in unknown_fields {
            remove(&mut expected, &finding.steps);
        }
        let serialized = serde_json::to_vec(&event).unwrap_or_default();
        let expected = serde_json::to_vec(&expected).unwrap_or_default();
        assert_same_json(&expected, &serialized, &context);
    }
    assert!(
        with_unlisted_values > 0,
        "no fixture carries an enum value the spec does not list"
    );
}

#[test]
fn plural_units_and_unlimited_balances_are_typed() {
    let body = fixture("com.gigs.usageBalance.thresholdReached");
    let Ok(VersionedEvent::V2024_08_29(v2024_08_29::Event::UsageBalanceThresholdReached(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("the usage balance fixture is not a 2024-08-29 usageBalance.thresholdReached");
    };
    let balance = &event.data;
    assert_eq!(balance.unit, v2024_08_29::AllowanceUnit::Seconds);
    assert_eq!(balance.unit.as_str(), "seconds");
    assert_eq!(balance.used, 5400);
    assert_eq!(balance.limit, None, "null means unlimited");
    assert_eq!(balance.remaining_percent, None);
    assert_eq!(balance.usable_until, None);
    assert_eq!(balance.allowance.type_, v2024_08_29::UsageType::Voice);
    assert_eq!(balance.allowance.id, None, "absent, as in Gigs' examples");
    assert_eq!(
        balance.allowance.unit,
        v2024_08_29::AllowanceUnit::Unrecognized("minutes".to_owned())
    );
}

#[test]
fn hyphenated_application_values_are_typed_and_unknown_ones_kept() {
    let updated = fixture("com.gigs.installation.updated");
    let Ok(VersionedEvent::V2024_08_29(v2024_08_29::Event::InstallationUpdated(event))) =
        VersionedEvent::from_json(&updated)
    else {
        panic!("the installation.updated fixture is not a 2024-08-29 installation.updated");
    };
    assert_eq!(
        event.data.application,
        v2024_08_29::InstallationApplication::GigsEmails
    );
    assert_eq!(event.data.application.as_str(), "gigs-emails");
    // Only the untyped `settings` changed, so no typed field was before.
    let Some(previous) = &event.previous_data else {
        panic!("previousData was dropped");
    };
    assert_eq!(previous.application, None);
    assert_eq!(previous.created_at, None);

    let created = fixture("com.gigs.installation.created");
    let Ok(VersionedEvent::V2024_10_28(v2024_10_28::Event::InstallationCreated(event))) =
        VersionedEvent::from_json(&created)
    else {
        panic!("the installation.created fixture is not a 2024-10-28 installation.created");
    };
    assert_eq!(
        event.data.application,
        v2024_10_28::InstallationApplication::Unrecognized("gigs-billing".to_owned())
    );
    assert_eq!(event.data.created_at.to_string(), "2024-02-12T11:04:37Z");
}

#[test]
fn a_masked_token_keeps_its_bullets_and_fractional_timestamps_parse() {
    let body = fixture("com.gigs.apiKey.created");
    let Ok(VersionedEvent::V2024_10_28(v2024_10_28::Event::ApiKeyCreated(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("the apiKey.created fixture is not a 2024-10-28 apiKey.created");
    };
    assert_eq!(event.data.token, "gpk_X9a1••••");
    assert!(event.data.id.starts_with("apk_"), "{}", event.data.id);
    let expires: jiff::Timestamp = "2025-01-31T00:00:00Z".parse().unwrap();
    assert_eq!(event.data.expires_at, Some(expires));
    let written = json(&serde_json::to_vec(&event).unwrap());
    assert_eq!(written["data"]["token"], "gpk_X9a1••••");
}

#[test]
fn previous_data_tells_a_null_from_an_unchanged_field() {
    let body = fixture("com.gigs.connectSession.updated");
    let Ok(VersionedEvent::V2024_08_29(v2024_08_29::Event::ConnectSessionUpdated(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("the connectSession.updated fixture is not a 2024-08-29 connectSession.updated");
    };
    let Some(previous) = &event.previous_data else {
        panic!("previousData was dropped");
    };
    assert_eq!(previous.callback_url, Some(None), "it was null before");
    assert_eq!(previous.url, None, "unchanged, so absent");
    assert_eq!(event.data.appearance, None, "absent in the fixture");

    let body = fixture("com.gigs.porting.updated");
    let Ok(VersionedEvent::V2024_10_28(v2024_10_28::Event::PortingUpdated(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("the porting.updated fixture is not a 2024-10-28 porting.updated");
    };
    assert_eq!(
        event.data.status,
        v2024_10_28::PortingStatus::Failed,
        "a status only third-party copies of the docs list"
    );
    let Some(previous) = &event.previous_data else {
        panic!("previousData was dropped");
    };
    assert_eq!(previous.status, Some(v2024_10_28::PortingStatus::Requested));
    assert_eq!(previous.failed_at, Some(None), "it was null before");
}

#[test]
fn a_changed_plan_arrives_whole_in_previous_data() {
    let body = fixture("com.gigs.subscription.updated");
    let Ok(VersionedEvent::V2024_08_29(v2024_08_29::Event::SubscriptionUpdated(event))) =
        VersionedEvent::from_json(&body)
    else {
        panic!("the subscription.updated fixture is not a 2024-08-29 subscription.updated");
    };
    let Some(previous) = &event.previous_data else {
        panic!("previousData was dropped");
    };
    let Some(plan) = &previous.plan else {
        panic!("the previous plan was dropped");
    };
    assert_eq!(plan.name, "Gigs Starter");
    assert_eq!(plan.price.amount, 999);
    assert_ne!(plan.id, event.data.plan.id);
    assert_eq!(
        previous.status,
        Some(v2024_08_29::SubscriptionStatus::Pending)
    );
}
