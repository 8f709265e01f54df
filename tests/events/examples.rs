//! Every event type's documented example, from the crate: what downstream
//! tests build events from, now that generated structs are `#[non_exhaustive]`.

use std::any::TypeId;

use gigs_events::{v2024_08_29, v2024_10_28, v2024_12_20, v2025_05_22};
use gigs_events_tests::{assert_same_json, spec_examples};

/// Checks a version's `examples()` against the spec's examples of that version.
fn examples_are_the_specs<E: serde::Serialize>(date: &str, types: &[&str], examples: Vec<E>) {
    let expected: Vec<(String, Vec<u8>)> = spec_examples()
        .into_iter()
        .filter(|(version, _, _)| version == date)
        .map(|(_, event_type, json)| (event_type, json))
        .collect();
    assert_eq!(
        examples.len(),
        types.len(),
        "{date}: one example per event type"
    );
    assert_eq!(examples.len(), expected.len(), "{date}");
    for (example, (event_type, json)) in examples.iter().zip(&expected) {
        let serialized = serde_json::to_vec(example).unwrap();
        assert_same_json(json, &serialized, &format!("{date} {event_type}"));
    }
}

#[test]
fn every_version_gives_the_example_of_every_event_type() {
    examples_are_the_specs(
        "2024-08-29",
        v2024_08_29::Event::TYPES,
        v2024_08_29::examples(),
    );
    examples_are_the_specs(
        "2024-10-28",
        v2024_10_28::Event::TYPES,
        v2024_10_28::examples(),
    );
    examples_are_the_specs(
        "2024-12-20",
        v2024_12_20::Event::TYPES,
        v2024_12_20::examples(),
    );
    examples_are_the_specs(
        "2025-05-22",
        v2025_05_22::Event::TYPES,
        v2025_05_22::examples(),
    );
}

#[test]
fn an_example_is_the_parsed_json_it_carries() {
    use v2025_05_22::Example as _;
    let example = v2025_05_22::PlanUpdated::example();
    let parsed = v2025_05_22::Event::from_json(v2025_05_22::PlanUpdated::JSON.as_bytes()).unwrap();
    assert_eq!(
        parsed,
        v2025_05_22::Event::PlanUpdated(Box::new(example.clone()))
    );
    assert_eq!(example.data.name, "Gigs Global");
}

#[test]
fn a_type_shared_by_two_versions_gives_each_versions_example() {
    // 2024-10-28 changed nothing about plans: one Rust type in both modules.
    assert_eq!(
        TypeId::of::<v2024_08_29::PlanUpdated>(),
        TypeId::of::<v2024_10_28::PlanUpdated>()
    );
    let older = <v2024_08_29::PlanUpdated as v2024_08_29::Example>::example();
    let newer = <v2024_10_28::PlanUpdated as v2024_10_28::Example>::example();
    assert_eq!(older.version, "2024-08-29");
    assert_eq!(newer.version, "2024-10-28");
}
