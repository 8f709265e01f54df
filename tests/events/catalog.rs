//! The documented event catalog: every event type, in every version, with
//! the names that are hardest to get right.

use gigs_events::v2025_05_22 as newest;
use gigs_events_tests::{root, spec_examples};
use serde_json::json;

/// The event types of Gigs' documentation: the eighteen of its event pages
/// first covered, and the rest of today's catalog, with the two that only a
/// third-party copy of it names (`subscription.restored` and
/// `subscription.restricted`).
const CATALOG: [&str; 49] = [
    "com.gigs.addon.archived",
    "com.gigs.addon.updated",
    "com.gigs.apiKey.created",
    "com.gigs.connectSession.created",
    "com.gigs.connectSession.updated",
    "com.gigs.device.deleted",
    "com.gigs.device.updated",
    "com.gigs.eSimProfile.disabled",
    "com.gigs.eSimProfile.enabled",
    "com.gigs.eSimProfile.updated",
    "com.gigs.installation.created",
    "com.gigs.installation.updated",
    "com.gigs.plan.deleted",
    "com.gigs.plan.published",
    "com.gigs.plan.updated",
    "com.gigs.portOutCredentials.issued",
    "com.gigs.porting.canceled",
    "com.gigs.porting.completed",
    "com.gigs.porting.declined",
    "com.gigs.porting.requested",
    "com.gigs.porting.updated",
    "com.gigs.project.deleted",
    "com.gigs.project.updated",
    "com.gigs.sim.deleted",
    "com.gigs.sim.retired",
    "com.gigs.sim.updated",
    "com.gigs.subscription.activated",
    "com.gigs.subscription.canceled",
    "com.gigs.subscription.created",
    "com.gigs.subscription.ended",
    "com.gigs.subscription.renewed",
    "com.gigs.subscription.restored",
    "com.gigs.subscription.restricted",
    "com.gigs.subscription.resumed",
    "com.gigs.subscription.updated",
    "com.gigs.subscriptionAddon.activated",
    "com.gigs.subscriptionAddon.created",
    "com.gigs.subscriptionAddon.ended",
    "com.gigs.subscriptionAddon.renewed",
    "com.gigs.subscriptionChange.applied",
    "com.gigs.subscriptionChange.created",
    "com.gigs.subscriptionChange.deleted",
    "com.gigs.usageBalance.thresholdReached",
    "com.gigs.usageNotification.created",
    "com.gigs.usageThreshold.exceeded",
    "com.gigs.user.address.created",
    "com.gigs.user.created",
    "com.gigs.user.deleted",
    "com.gigs.user.updated",
];

#[test]
fn every_version_knows_the_whole_catalog() {
    assert_eq!(newest::Event::TYPES, CATALOG);
    let spec = gigs_codegen::load_and_resolve(&root().join("spec")).unwrap();
    for version in &spec.versions {
        let types: Vec<&str> = version
            .events
            .iter()
            .map(|event| event.event_type.as_str())
            .collect();
        assert_eq!(types, CATALOG, "{}", version.date);
    }
}

#[test]
fn every_catalog_event_has_an_example_in_every_version() {
    let examples = spec_examples();
    let mut versions: Vec<&str> = examples.iter().map(|(date, _, _)| date.as_str()).collect();
    versions.dedup();
    assert!(!versions.is_empty());
    for version in versions {
        let mut covered: Vec<&str> = examples
            .iter()
            .filter(|(date, _, _)| date == version)
            .map(|(_, event_type, _)| event_type.as_str())
            .collect();
        covered.sort_unstable();
        assert_eq!(covered, CATALOG, "{version}");
    }
}

/// The example of `event_type` in the newest version, which `v2025_05_22` parses.
fn example(event_type: &str) -> Vec<u8> {
    spec_examples()
        .into_iter()
        .rev()
        .find(|(_, kind, _)| kind == event_type)
        .map(|(_, _, body)| body)
        .unwrap_or_else(|| panic!("no example for {event_type}"))
}

#[test]
fn a_three_part_event_type_gets_its_own_variant() {
    let body = example("com.gigs.user.address.created");
    match newest::Event::from_json(&body).unwrap() {
        newest::Event::UserAddressCreated(event) => {
            assert_eq!(
                newest::UserAddressCreated::TYPE,
                "com.gigs.user.address.created"
            );
            assert!(event.data.id.starts_with("adr_"), "{}", event.data.id);
        }
        other => panic!("parsed as {other:?}"),
    }
}

#[test]
fn a_hyphenated_enum_value_round_trips() {
    let mut body: serde_json::Value =
        serde_json::from_slice(&example("com.gigs.device.updated")).unwrap();
    body["data"]["model"]["type"] = json!("feature-phone");
    let bytes = serde_json::to_vec(&body).unwrap();
    let newest::Event::DeviceUpdated(event) = newest::Event::from_json(&bytes).unwrap() else {
        panic!("device.updated not dispatched");
    };
    let model = event.data.model.as_ref().unwrap();
    assert_eq!(model.type_, newest::DeviceModelType::FeaturePhone);
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(written["data"]["model"]["type"], "feature-phone");
}

#[test]
#[allow(deprecated)]
fn the_deprecated_usage_threshold_event_still_parses() {
    let body = example("com.gigs.usageThreshold.exceeded");
    match newest::Event::from_json(&body).unwrap() {
        newest::Event::UsageThresholdExceeded(event) => {
            assert!((0..=100).contains(&event.data.threshold_percentage));
        }
        other => panic!("parsed as {other:?}"),
    }
}
