//! The shapes Gigs' pages document where the spec once was stricter than
//! they are: a null PIN, a subscription change without `requestedChange`,
//! members the docs mark as possibly absent, the fields and events the spec
//! lacked. Each payload under `tests/fixtures/documented/` shows one of
//! them, written for the API version whose pages show it, at
//! `<event type without com.gigs.>/<what it shows>.json`.
//!
//! Every such payload is fully described by the spec, parses into its own
//! variant in its own version, and serializes back to the same JSON; each
//! test below then checks the typed value that shape gives.

use std::path::{Path, PathBuf};

use gigs_codegen::conformance::check_payload;
use gigs_events::{VersionedEvent, v2024_08_29, v2024_10_28, v2024_12_20, v2025_05_22};
use gigs_events_tests::{assert_same_json, json, root, spec};
use serde_json::json;

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/documented")
}

/// Every documented payload, as `<event type without com.gigs.>/<shape>`.
fn fixture_names() -> Vec<String> {
    fn entries(dir: &Path) -> Vec<PathBuf> {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        entries
            .map(|entry| {
                entry
                    .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
                    .path()
            })
            .collect()
    }
    let mut names = Vec::new();
    for event_dir in entries(&fixture_dir()) {
        for file in entries(&event_dir) {
            let relative = file.strip_prefix(fixture_dir()).unwrap_or(&file);
            let Some(name) = relative
                .to_str()
                .and_then(|name| name.strip_suffix(".json"))
            else {
                panic!("{} is not a .json file", file.display());
            };
            names.push(name.to_owned());
        }
    }
    names.sort();
    names
}

/// The event type a fixture's directory gives: `porting.completed/…`
/// holds a `com.gigs.porting.completed`.
fn type_of(name: &str) -> String {
    let event_type = name
        .split_once('/')
        .map_or(name, |(event_type, _shape)| event_type);
    format!("com.gigs.{event_type}")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The documented payload `name`, checked as the module docs say, parsed.
fn documented(name: &str) -> VersionedEvent {
    let body = read(&fixture_dir().join(format!("{name}.json")));
    let payload = json(&body);
    let findings: Vec<String> = check_payload(&spec(), &payload)
        .findings
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        findings.is_empty(),
        "{name} is not fully described: {findings:#?}"
    );

    let event = VersionedEvent::from_json(&body)
        .unwrap_or_else(|error| panic!("{name} does not parse: {error}"));
    assert_eq!(event.event_type(), type_of(name), "{name}");
    assert_eq!(event.event_type(), payload["type"], "{name}");
    assert_eq!(event.version(), payload["version"].as_str(), "{name}");
    assert!(
        event.untyped().is_none(),
        "{name} was not parsed into its own variant"
    );
    let serialized = serde_json::to_vec(&event).unwrap_or_default();
    assert_same_json(&body, &serialized, name);
    event
}

#[test]
fn every_documented_shape_is_described_parses_in_its_version_and_round_trips() {
    let names = fixture_names();
    assert!(names.len() >= 20, "only {} documented shapes", names.len());
    for name in names {
        documented(&name);
    }
}

#[test]
fn a_null_account_pin_parses() {
    let event = documented("portOutCredentials.issued/null-pin");
    let VersionedEvent::V2024_12_20(v2024_12_20::Event::PortOutCredentialsIssued(event)) = event
    else {
        panic!("not a 2024-12-20 portOutCredentials.issued: {event:?}");
    };
    assert_eq!(event.data.account_pin, None);
    assert_eq!(event.data.account_number, "5550192837");
    assert_eq!(event.data.behavior, None, "absent before the current pages");
}

#[test]
fn port_out_credentials_carry_their_behavior() {
    let event = documented("portOutCredentials.issued/behavior");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::PortOutCredentialsIssued(event)) = event
    else {
        panic!("not a 2025-05-22 portOutCredentials.issued: {event:?}");
    };
    assert_eq!(
        event.data.behavior,
        Some(v2025_05_22::PortOutCredentialsBehavior::CancelOnly)
    );
    assert_eq!(event.data.account_pin, None);
}

#[test]
#[allow(deprecated)]
fn a_2025_05_22_subscription_needs_neither_porting_nor_last_porting() {
    let event = documented("subscription.created/without-porting");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionCreated(event)) = event else {
        panic!("not a 2025-05-22 subscription.created: {event:?}");
    };
    assert_eq!(event.data.porting, None);
    assert_eq!(event.data.last_porting, None);
    assert_eq!(event.actor, v2025_05_22::Actor::System);
}

#[test]
#[allow(deprecated)]
fn a_2025_05_22_subscription_may_still_carry_porting() {
    let event = documented("subscription.updated/porting");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionUpdated(event)) = event else {
        panic!("not a 2025-05-22 subscription.updated: {event:?}");
    };
    let Some(Some(porting)) = &event.data.porting else {
        panic!("the porting was dropped: {:?}", event.data.porting);
    };
    assert!(porting.id.starts_with("prt_"), "{}", porting.id);
    assert_eq!(event.data.last_porting, None);
}

#[test]
#[allow(deprecated)]
fn a_2025_05_22_subscription_may_carry_a_null_last_porting() {
    let event = documented("subscription.created/last-porting");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionCreated(event)) = event else {
        panic!("not a 2025-05-22 subscription.created: {event:?}");
    };
    assert_eq!(event.data.last_porting, Some(None), "present and null");
    assert_eq!(event.data.porting, None, "absent");
}

#[test]
fn an_older_subscription_needs_no_ended_at_or_first_usage_at() {
    let event = documented("subscription.created/without-ended-and-first-usage");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::SubscriptionCreated(event)) = event else {
        panic!("not a 2024-10-28 subscription.created: {event:?}");
    };
    assert_eq!(event.data.ended_at, None);
    assert_eq!(event.data.first_usage_at, None);
}

#[test]
fn an_older_subscription_change_has_no_requested_change_and_a_null_failure_code() {
    let event = documented("subscriptionChange.deleted/without-requested-change");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::SubscriptionChangeDeleted(event)) = event
    else {
        panic!("not a 2024-10-28 subscriptionChange.deleted: {event:?}");
    };
    assert_eq!(event.data.requested_change, None);
    assert_eq!(event.data.failure_code, Some(None), "present and null");
}

#[test]
#[allow(deprecated)]
fn a_failure_code_is_typed_and_a_2025_05_22_plan_needs_no_deprecated_usage_fields() {
    let event = documented("subscriptionChange.applied/failure-code");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionChangeApplied(event)) = event
    else {
        panic!("not a 2025-05-22 subscriptionChange.applied: {event:?}");
    };
    assert_eq!(
        event.data.failure_code,
        Some(Some("consentNotGiven".to_owned()))
    );
    assert_eq!(
        event.data.status,
        v2025_05_22::SubscriptionChangeStatus::Failed
    );
    let Some(plan) = &event.data.plan else {
        panic!("the plan was dropped");
    };
    assert_eq!(plan.data, None);
    assert_eq!(plan.voice_unit, None);
    assert_eq!(plan.name, "Gigs Unlimited");
    assert_eq!(plan.allowances.data_bytes, None, "null: unlimited");
}

#[test]
fn an_empty_appearance_parses() {
    let event = documented("connectSession.created/empty-appearance");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::ConnectSessionCreated(event)) = event
    else {
        panic!("not a 2024-10-28 connectSession.created: {event:?}");
    };
    let Some(appearance) = &event.data.appearance else {
        panic!("the appearance was dropped");
    };
    assert_eq!(appearance.theme, None);
}

#[test]
fn a_porting_flow_says_which_pages_it_hides() {
    let event = documented("connectSession.created/intent-behavior");
    let VersionedEvent::V2024_12_20(v2024_12_20::Event::ConnectSessionCreated(event)) = event
    else {
        panic!("not a 2024-12-20 connectSession.created: {event:?}");
    };
    let v2024_12_20::ConnectSessionIntent::CompletePorting(intent) = &event.data.intent else {
        panic!("not a completePorting intent: {:?}", event.data.intent);
    };
    let Some(Some(parameters)) = &intent.complete_porting else {
        panic!("the parameters were dropped");
    };
    let Some(Some(behavior)) = &parameters.behavior else {
        panic!("the behavior was dropped");
    };
    assert_eq!(behavior.hide_intro_page, Some(Some(true)));
    assert_eq!(behavior.hide_outro_page, Some(Some(false)));
}

#[test]
fn a_porting_address_may_have_a_null_postal_code() {
    let event = documented("porting.completed/null-postal-code");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::PortingCompleted(event)) = event else {
        panic!("not a 2025-05-22 porting.completed: {event:?}");
    };
    let Some(address) = &event.data.address else {
        panic!("the address was dropped");
    };
    assert_eq!(address.postal_code, None);
    assert_eq!(address.city, "Dublin");
}

#[test]
fn a_project_legal_address_may_have_a_null_postal_code() {
    let event = documented("project.updated/null-legal-postal-code");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::ProjectUpdated(event)) = event else {
        panic!("not a 2024-10-28 project.updated: {event:?}");
    };
    let Some(Some(legal)) = &event.data.legal else {
        panic!("the legal entity was dropped");
    };
    assert_eq!(legal.postal_code, None);
    assert_eq!(legal.country, "HK");
}

#[test]
fn an_actor_may_leave_out_its_id() {
    let event = documented("porting.declined/actor-without-id");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::PortingDeclined(event)) = event else {
        panic!("not a 2025-05-22 porting.declined: {event:?}");
    };
    let v2025_05_22::Actor::Member(member) = &event.actor else {
        panic!("not a member: {:?}", event.actor);
    };
    assert_eq!(member.member, None);
}

#[test]
fn a_porting_needs_no_declined_attempts_nor_its_preview_fields() {
    let event = documented("porting.requested/without-declined-fields");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::PortingRequested(event)) = event else {
        panic!("not a 2024-10-28 porting.requested: {event:?}");
    };
    assert_eq!(event.data.declined_attempts, None);
    assert_eq!(event.data.declined_code, None);
    assert_eq!(event.data.declined_message, None);
}

#[test]
fn a_project_needs_no_legal_entity_nor_its_preview_image() {
    let event = documented("project.updated/without-legal-and-image");
    let VersionedEvent::V2024_12_20(v2024_12_20::Event::ProjectUpdated(event)) = event else {
        panic!("not a 2024-12-20 project.updated: {event:?}");
    };
    assert_eq!(event.data.legal, None);
    assert_eq!(event.data.image, None);
}

#[test]
fn project_billing_delinquency_and_support_are_typed() {
    let event = documented("project.updated/billing-delinquency-and-support");
    let VersionedEvent::V2024_12_20(v2024_12_20::Event::ProjectUpdated(event)) = event else {
        panic!("not a 2024-12-20 project.updated: {event:?}");
    };
    let Some(billing) = &event.data.billing else {
        panic!("the billing was dropped");
    };
    assert_eq!(billing.invoice_grace_period_days, Some(Some(7)));
    assert_eq!(billing.invoice_overdue_period_days, Some(Some(14)));
    assert_eq!(billing.invoice_overdue_action, Some(Some("end".to_owned())));
    assert_eq!(billing.restrict_behavior, Some(None), "null in the docs");
    assert_eq!(billing.recovery_fee_percentage, Some(Some(json!(0))));
    assert_eq!(billing.payment_behavior, Some(Some("manual".to_owned())));
    let Some(Some(support)) = &event.data.support else {
        panic!("the support was dropped");
    };
    assert_eq!(
        support.email,
        Some(Some("help@acme-mobile.example".to_owned()))
    );
    assert_eq!(support.phone, Some(Some("+18005550123".to_owned())));
}

#[test]
fn a_period_may_leave_out_its_number() {
    let event = documented("subscriptionAddon.renewed/period-without-number");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionAddonRenewed(event)) = event
    else {
        panic!("not a 2025-05-22 subscriptionAddon.renewed: {event:?}");
    };
    let Some(period) = &event.data.current_period else {
        panic!("the period was dropped");
    };
    assert_eq!(period.number, None);
    assert_eq!(
        period.start.map(|start| start.to_string()).as_deref(),
        Some("2024-05-11T08:00:12Z")
    );
}

#[test]
fn a_usage_balance_source_may_have_a_null_member() {
    let event = documented("usageBalance.thresholdReached/null-source-member");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::UsageBalanceThresholdReached(event)) =
        event
    else {
        panic!("not a 2025-05-22 usageBalance.thresholdReached: {event:?}");
    };
    let v2025_05_22::UsageBalanceSource::SubscriptionPeriod(source) = &event.data.source else {
        panic!("not a subscriptionPeriod source: {:?}", event.data.source);
    };
    assert_eq!(source.subscription_period, Some(None), "present and null");
    assert_eq!(source.subscription_addon, None, "absent");
}

#[test]
#[allow(deprecated)]
fn a_current_add_on_is_typed() {
    let event = documented("subscriptionAddon.created/current-addon");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionAddonCreated(event)) = event
    else {
        panic!("not a 2025-05-22 subscriptionAddon.created: {event:?}");
    };
    let addon = &event.data.addon;
    assert_eq!(
        addon.activation_trigger,
        Some(v2025_05_22::AddonActivationTrigger::NetworkLatch)
    );
    assert_eq!(addon.coverage, Some(None), "null: coverage does not apply");
    assert_eq!(
        addon.plans.as_deref(),
        Some(["pln_0SNlurA049MEWV3V0q7gjQbM4EVo".to_owned()].as_slice())
    );
    let metadata = addon.metadata.clone().unwrap_or_default();
    assert_eq!(metadata.get("campaign").map(String::as_str), Some("summer"));
    assert!(addon.data > 0, "still listed by the current add-on page");
    assert_eq!(addon.sms, None);
    assert_eq!(addon.voice_unit, None);
    let Some(Some(billing)) = &event.data.billing else {
        panic!("the billing was dropped");
    };
    assert_eq!(billing.discount, Some(None));
    let v2025_05_22::Actor::ApiKey(api_key) = &event.actor else {
        panic!("not an API key: {:?}", event.actor);
    };
    assert_eq!(
        api_key.api_key.as_deref(),
        Some("apk_0SNlurA049MEWV5RbnAh3AZD2rGl")
    );
}

#[test]
fn plan_triggers_are_typed() {
    let event = documented("plan.published/triggers");
    let VersionedEvent::V2024_08_29(v2024_08_29::Event::PlanPublished(event)) = event else {
        panic!("not a 2024-08-29 plan.published: {event:?}");
    };
    assert_eq!(
        event.data.activation_trigger,
        Some(v2024_08_29::PlanActivationTrigger::UsageStarted)
    );
    assert_eq!(
        event.data.first_period_trigger,
        Some(v2024_08_29::PlanFirstPeriodTrigger::Activation)
    );
}

#[test]
fn a_subscription_discount_names_its_voucher() {
    let event = documented("subscription.updated/billing-discount");
    let VersionedEvent::V2024_12_20(v2024_12_20::Event::SubscriptionUpdated(event)) = event else {
        panic!("not a 2024-12-20 subscription.updated: {event:?}");
    };
    let Some(Some(billing)) = &event.data.billing else {
        panic!("the billing was dropped");
    };
    let Some(Some(discount)) = &billing.discount else {
        panic!("the discount was dropped");
    };
    assert_eq!(
        discount.voucher,
        Some(Some("vou_0SNlurA049MEWV3k2iCMw8Xzn0Fd".to_owned()))
    );
}

#[test]
fn a_deleted_plan_is_typed() {
    let event = documented("plan.deleted/archived-plan");
    let VersionedEvent::V2024_10_28(v2024_10_28::Event::PlanDeleted(event)) = event else {
        panic!("not a 2024-10-28 plan.deleted: {event:?}");
    };
    assert_eq!(event.data.status, v2024_10_28::PlanStatus::Archived);
    assert_eq!(v2024_10_28::PlanDeleted::TYPE, "com.gigs.plan.deleted");
}

#[test]
fn a_restricted_subscription_is_typed() {
    let event = documented("subscription.restricted/restricted-status");
    let VersionedEvent::V2025_05_22(v2025_05_22::Event::SubscriptionRestricted(event)) = event
    else {
        panic!("not a 2025-05-22 subscription.restricted: {event:?}");
    };
    assert_eq!(
        event.data.status,
        v2025_05_22::SubscriptionStatus::Restricted
    );
}
