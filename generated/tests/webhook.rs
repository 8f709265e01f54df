//! Signature verification of webhook deliveries: the public test vector,
//! every rejection with its exact error, and a cross-check against the
//! `standardwebhooks` crate.

#![cfg(feature = "webhook")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gigs_events::webhook::{
    DEFAULT_TOLERANCE, Headers, VerifyError, Webhook, WebhookError, WebhookHeader,
};
use gigs_events::{Error, ParseEvent};
use proptest::prelude::*;

// The public Standard Webhooks / Svix test vector.
const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const TIMESTAMP: u64 = 1_649_367_553;
const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

fn webhook() -> Webhook {
    Webhook::new(SECRET).unwrap()
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The test vector's headers, under their Standard Webhooks names.
fn vector_headers() -> Vec<(&'static str, String)> {
    headers(ID, &TIMESTAMP.to_string(), SIGNATURE)
}

fn headers(id: &str, timestamp: &str, signature: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_owned()),
        ("webhook-signature", signature.to_owned()),
    ]
}

/// Replaces the value of the header `name` (which must be present).
fn set(headers: &mut [(&'static str, String)], name: &str, value: &str) {
    let entry = headers.iter_mut().find(|(n, _)| *n == name).unwrap();
    entry.1 = value.to_owned();
}

/// Verifies `headers` against the vector's body at the vector's timestamp.
fn verify_vector(headers: &(impl Headers + ?Sized)) -> Result<(), VerifyError> {
    webhook().verify_at(headers, BODY, at(TIMESTAMP))
}

/// Verifies a signature header against the vector's message.
fn verify_signature(signature: &str) -> Result<(), VerifyError> {
    verify_vector(&headers(ID, &TIMESTAMP.to_string(), signature))
}

/// A signature of the vector's message under another key.
fn foreign_signature(key: &[u8]) -> String {
    Webhook::from_key(key).unwrap().sign(ID, TIMESTAMP, BODY)
}

// ---------------------------------------------------------------- test vector

#[test]
fn signs_the_public_test_vector() {
    assert_eq!(webhook().sign(ID, TIMESTAMP, BODY), SIGNATURE);
}

#[test]
fn verifies_the_public_test_vector_at_its_timestamp() {
    assert_eq!(verify_vector(&vector_headers()), Ok(()));
}

#[test]
fn verify_uses_the_system_clock() {
    // The vector is from 2022: far too old today.
    assert_eq!(
        webhook().verify(&vector_headers(), BODY),
        Err(VerifyError::TimestampTooOld)
    );
    // A message signed now passes.
    let now = now_seconds();
    let headers = headers(ID, &now.to_string(), &webhook().sign(ID, now, BODY));
    assert_eq!(webhook().verify(&headers, BODY), Ok(()));
}

// ---------------------------------------------------------------- secrets

#[test]
fn accepts_bare_base64_and_surrounding_whitespace_in_secrets() {
    for secret in [
        "C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "  whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\n",
    ] {
        let webhook = Webhook::new(secret).unwrap();
        assert_eq!(webhook.sign(ID, TIMESTAMP, BODY), SIGNATURE, "{secret:?}");
    }
}

#[test]
fn from_key_takes_the_decoded_secret() {
    let key = STANDARD.decode("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    let webhook = Webhook::from_key(&key).unwrap();
    assert_eq!(webhook.sign(ID, TIMESTAMP, BODY), SIGNATURE);
}

#[test]
fn rejects_malformed_secrets() {
    for secret in [
        "",
        "whsec_",
        "   ",
        "whsec_not base64!",
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7o", // length not a multiple of 4
        "whsec_C2FVsBQIhrscChlQIMV-b5sSYspob7oD", // URL-safe alphabet
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD=", // stray padding
        "whsec_whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "WHSEC_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    ] {
        assert_eq!(
            Webhook::new(secret).map(|_| ()),
            Err(VerifyError::MalformedSecret),
            "{secret:?}"
        );
    }
    assert_eq!(
        Webhook::from_key(&[]).map(|_| ()),
        Err(VerifyError::MalformedSecret)
    );
}

#[test]
fn debug_output_never_shows_the_key() {
    let webhook = webhook();
    assert_eq!(format!("{webhook:?}"), "Webhook { tolerance: 300s, .. }");
    let pretty = format!("{webhook:#?}");
    assert!(!pretty.contains("C2FVsBQ"), "{pretty}");
}

#[test]
fn errors_never_show_the_expected_signature() {
    let mut headers = vector_headers();
    set(
        &mut headers,
        "webhook-signature",
        &foreign_signature(b"other key"),
    );
    let error = verify_vector(&headers).unwrap_err();
    assert_eq!(error, VerifyError::NoMatchingSignature);
    let expected = SIGNATURE.trim_start_matches("v1,");
    for text in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!text.contains(expected), "{text}");
        assert!(!text.contains("C2FVsBQ"), "{text}");
    }
}

// ---------------------------------------------------------------- tampering

#[test]
fn rejects_a_tampered_body() {
    let tampered = br#"{"email":"test@example.com","username":"test_user2"}"#;
    assert_eq!(
        webhook().verify_at(&vector_headers(), tampered, at(TIMESTAMP)),
        Err(VerifyError::NoMatchingSignature)
    );
    // Re-serializing the body (here, adding a space) is tampering too.
    let reformatted = br#"{"email": "test@example.com","username":"test_user"}"#;
    assert_eq!(
        webhook().verify_at(&vector_headers(), reformatted, at(TIMESTAMP)),
        Err(VerifyError::NoMatchingSignature)
    );
    assert_eq!(
        webhook().verify_at(&vector_headers(), b"", at(TIMESTAMP)),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn rejects_a_tampered_id() {
    let mut headers = vector_headers();
    set(
        &mut headers,
        "webhook-id",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpK",
    );
    assert_eq!(
        verify_vector(&headers),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn rejects_a_tampered_timestamp() {
    let mut headers = vector_headers();
    set(
        &mut headers,
        "webhook-timestamp",
        &(TIMESTAMP + 1).to_string(),
    );
    assert_eq!(
        verify_vector(&headers),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn rejects_a_tampered_signature() {
    let mut tag = STANDARD.decode(&SIGNATURE[3..]).unwrap();
    for bit in [0, 7, 100, 255] {
        tag[bit / 8] ^= 1 << (bit % 8);
        let tampered = format!("v1,{}", STANDARD.encode(&tag));
        assert_eq!(
            verify_signature(&tampered),
            Err(VerifyError::NoMatchingSignature),
            "bit {bit}"
        );
        tag[bit / 8] ^= 1 << (bit % 8);
    }
    // The right signature under another secret.
    assert_eq!(
        verify_signature(&foreign_signature(b"another secret")),
        Err(VerifyError::NoMatchingSignature)
    );
}

// ---------------------------------------------------------------- timestamps

#[test]
fn accepts_timestamps_just_inside_the_tolerance() {
    let tolerance = DEFAULT_TOLERANCE.as_secs();
    assert_eq!(tolerance, 300);
    for now in [
        at(TIMESTAMP + tolerance),
        at(TIMESTAMP - tolerance),
        // Fractions of a second are dropped from `now`.
        at(TIMESTAMP + tolerance) + Duration::from_millis(999),
    ] {
        assert_eq!(
            webhook().verify_at(&vector_headers(), BODY, now),
            Ok(()),
            "{now:?}"
        );
    }
}

#[test]
fn rejects_stale_timestamps_just_outside_the_tolerance() {
    assert_eq!(
        webhook().verify_at(&vector_headers(), BODY, at(TIMESTAMP + 301)),
        Err(VerifyError::TimestampTooOld)
    );
    assert_eq!(
        webhook().verify_at(&vector_headers(), BODY, at(TIMESTAMP + 86_400 * 365)),
        Err(VerifyError::TimestampTooOld)
    );
}

#[test]
fn rejects_future_timestamps_just_outside_the_tolerance() {
    assert_eq!(
        webhook().verify_at(&vector_headers(), BODY, at(TIMESTAMP - 301)),
        Err(VerifyError::TimestampTooNew)
    );
    assert_eq!(
        webhook().verify_at(&vector_headers(), BODY, UNIX_EPOCH - Duration::from_secs(1)),
        Err(VerifyError::TimestampTooNew)
    );
}

#[test]
fn the_tolerance_is_configurable() {
    let webhook = webhook().with_tolerance(Duration::from_secs(10));
    assert_eq!(webhook.tolerance(), Duration::from_secs(10));
    let check = |now| webhook.verify_at(&vector_headers(), BODY, at(now));
    assert_eq!(check(TIMESTAMP + 10), Ok(()));
    assert_eq!(check(TIMESTAMP - 10), Ok(()));
    assert_eq!(check(TIMESTAMP + 11), Err(VerifyError::TimestampTooOld));
    assert_eq!(check(TIMESTAMP - 11), Err(VerifyError::TimestampTooNew));

    let strict = self::webhook().with_tolerance(Duration::ZERO);
    let check = |now| strict.verify_at(&vector_headers(), BODY, at(now));
    assert_eq!(check(TIMESTAMP), Ok(()));
    assert_eq!(check(TIMESTAMP + 1), Err(VerifyError::TimestampTooOld));
    assert_eq!(check(TIMESTAMP - 1), Err(VerifyError::TimestampTooNew));
}

#[test]
fn extreme_timestamps_are_rejected_without_overflow() {
    let webhook = webhook();
    for (timestamp, now, expected) in [
        (0, at(TIMESTAMP), VerifyError::TimestampTooOld),
        (u64::MAX, at(TIMESTAMP), VerifyError::TimestampTooNew),
        (
            u64::MAX,
            UNIX_EPOCH - Duration::from_secs(1 << 40),
            VerifyError::TimestampTooNew,
        ),
        (
            1 << 40,
            UNIX_EPOCH - Duration::from_secs(1 << 40),
            VerifyError::TimestampTooNew,
        ),
    ] {
        let signature = webhook.sign(ID, timestamp, BODY);
        let headers = headers(ID, &timestamp.to_string(), &signature);
        assert_eq!(webhook.verify_at(&headers, BODY, now), Err(expected));
    }
    let huge = webhook.with_tolerance(Duration::MAX);
    let signature = huge.sign(ID, u64::MAX, BODY);
    let headers = headers(ID, &u64::MAX.to_string(), &signature);
    assert_eq!(huge.verify_at(&headers, BODY, UNIX_EPOCH), Ok(()));
}

#[test]
fn rejects_malformed_timestamps() {
    for timestamp in [
        "",
        " ",
        "abc",
        "1649367553s",
        "1649367553.0",
        "1.649367553e9",
        "-1649367553",
        "+1649367553",
        "01649367553",
        "1649 367553",
        "0x6250A581",
        "18446744073709551616", // u64::MAX + 1
        "１６４９３６７５５３", // full-width digits
    ] {
        let mut headers = vector_headers();
        set(&mut headers, "webhook-timestamp", timestamp);
        assert_eq!(
            verify_vector(&headers),
            Err(VerifyError::MalformedTimestamp),
            "{timestamp:?}"
        );
    }
}

#[test]
fn surrounding_whitespace_in_header_values_is_ignored() {
    let headers = headers(
        &format!(" {ID}\t"),
        &format!("  {TIMESTAMP} "),
        &format!(" {SIGNATURE}  "),
    );
    assert_eq!(verify_vector(&headers), Ok(()));
}

#[test]
fn a_zero_timestamp_is_well_formed() {
    let webhook = webhook();
    let headers = headers(ID, "0", &webhook.sign(ID, 0, BODY));
    assert_eq!(webhook.verify_at(&headers, BODY, UNIX_EPOCH), Ok(()));
}

// ---------------------------------------------------------------- signature lists

#[test]
fn accepts_any_matching_entry_among_several() {
    let others = [
        foreign_signature(b"old secret"),
        foreign_signature(b"new secret"),
        foreign_signature(b"third secret"),
    ];
    for position in 0..=others.len() {
        let mut entries: Vec<&str> = others.iter().map(String::as_str).collect();
        entries.insert(position, SIGNATURE);
        let header = entries.join(" ");
        assert_eq!(verify_signature(&header), Ok(()), "{header}");
    }
    assert_eq!(
        verify_signature(&others.join(" ")),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn extra_spaces_between_entries_are_ignored() {
    let header = format!("{}   {SIGNATURE}", foreign_signature(b"old"));
    assert_eq!(verify_signature(&header), Ok(()));
}

#[test]
fn ignores_entries_of_other_versions() {
    let right = &SIGNATURE[3..];
    // Other versions around a valid v1 entry.
    let header = format!("v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ== v2,{right} {SIGNATURE} v0,%%%");
    assert_eq!(verify_signature(&header), Ok(()));
    // The right value under another version does not count.
    for header in [
        format!("v2,{right}"),
        format!("V1,{right}"),
        format!("v1a,{right}"),
    ] {
        assert_eq!(
            verify_signature(&header),
            Err(VerifyError::NoMatchingSignature),
            "{header}"
        );
    }
    // Other versions' values are not checked for form.
    assert_eq!(
        verify_signature("v2,not*base64 v1a,"),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[test]
fn rejects_malformed_signature_headers() {
    let right = &SIGNATURE[3..];
    let short = STANDARD.encode([7_u8; 16]);
    for header in [
        "".to_owned(),
        "   ".to_owned(),
        "v1".to_owned(),
        "v1,".to_owned(),
        right.to_owned(),
        format!(",{right}"),
        format!("v1,{}", &right[..20]),
        format!("v1,{}", right.trim_end_matches('=')), // padding missing
        format!("v1,{right}x"),
        format!("v1,{short}"),
        format!("v1;{right}"),
        format!("v1,{right},extra"),
        format!("{} v1", foreign_signature(b"old")),
    ] {
        assert_eq!(
            verify_signature(&header),
            Err(VerifyError::MalformedSignature),
            "{header:?}"
        );
    }
}

#[test]
fn a_malformed_entry_does_not_hide_a_matching_one() {
    for header in [
        format!("v1,garbage {SIGNATURE}"),
        format!("{SIGNATURE} v1"),
        format!("nocomma {SIGNATURE} ,empty"),
    ] {
        assert_eq!(verify_signature(&header), Ok(()), "{header}");
    }
}

// ---------------------------------------------------------------- headers

#[test]
fn reports_each_missing_header() {
    for (name, header) in [
        ("webhook-id", WebhookHeader::Id),
        ("webhook-timestamp", WebhookHeader::Timestamp),
        ("webhook-signature", WebhookHeader::Signature),
    ] {
        let mut headers = vector_headers();
        headers.retain(|(n, _)| *n != name);
        assert_eq!(
            verify_vector(&headers),
            Err(VerifyError::MissingHeader(header)),
            "{name}"
        );
    }
    let none: [(&str, &str); 0] = [];
    assert_eq!(
        verify_vector(&none),
        Err(VerifyError::MissingHeader(WebhookHeader::Id))
    );
}

#[test]
fn rejects_duplicated_headers() {
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut headers = vector_headers();
        let value = headers.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        // Even a repeat of the same value is ambiguous.
        headers.push((name, value));
        assert_eq!(
            verify_vector(&headers),
            Err(VerifyError::DuplicateHeader(name)),
            "{name}"
        );
    }
    // A second signature header, carrying a valid signature, is still refused.
    let mut headers = vector_headers();
    set(
        &mut headers,
        "webhook-signature",
        &foreign_signature(b"old"),
    );
    headers.push(("webhook-signature", SIGNATURE.to_owned()));
    assert_eq!(
        verify_vector(&headers),
        Err(VerifyError::DuplicateHeader("webhook-signature"))
    );
    // Names differing in case only are the same header.
    let mut headers = vector_headers();
    headers.push(("Webhook-Id", ID.to_owned()));
    assert_eq!(
        verify_vector(&headers),
        Err(VerifyError::DuplicateHeader("webhook-id"))
    );
}

#[test]
fn accepts_svix_headers() {
    let headers = [
        ("svix-id", ID),
        ("svix-timestamp", "1649367553"),
        ("svix-signature", SIGNATURE),
    ];
    assert_eq!(verify_vector(&headers), Ok(()));
    let mut tampered = headers;
    tampered[0].1 = "msg_other";
    assert_eq!(
        verify_vector(&tampered),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut duplicated = headers.to_vec();
    duplicated.push(("svix-timestamp", "1649367553"));
    assert_eq!(
        verify_vector(&duplicated),
        Err(VerifyError::DuplicateHeader("svix-timestamp"))
    );
    assert_eq!(
        verify_vector(&headers[1..]),
        Err(VerifyError::MissingHeader(WebhookHeader::Id))
    );
}

#[test]
fn header_names_ignore_case() {
    let headers = [
        ("Webhook-Id", ID),
        ("WEBHOOK-TIMESTAMP", "1649367553"),
        ("Svix-Signature", SIGNATURE),
    ];
    assert_eq!(verify_vector(&headers), Ok(()));
}

#[test]
fn accepts_both_prefixes_with_equal_values() {
    let mut headers = vector_headers();
    headers.extend([
        ("svix-id", ID.to_owned()),
        ("svix-timestamp", TIMESTAMP.to_string()),
        ("svix-signature", SIGNATURE.to_owned()),
    ]);
    assert_eq!(verify_vector(&headers), Ok(()));
}

#[test]
fn rejects_both_prefixes_with_different_values() {
    for (name, value, header) in [
        ("svix-id", "msg_other", WebhookHeader::Id),
        ("svix-timestamp", "1649367554", WebhookHeader::Timestamp),
        ("svix-signature", "v1,AAAA", WebhookHeader::Signature),
    ] {
        let mut headers = vector_headers();
        headers.push((name, value.to_owned()));
        assert_eq!(
            verify_vector(&headers),
            Err(VerifyError::ConflictingHeaders(header)),
            "{name}"
        );
    }
    // Even when the `svix-` one holds the valid signature.
    let mut headers = vector_headers();
    set(
        &mut headers,
        "webhook-signature",
        &foreign_signature(b"old"),
    );
    headers.push(("svix-signature", SIGNATURE.to_owned()));
    assert_eq!(
        verify_vector(&headers),
        Err(VerifyError::ConflictingHeaders(WebhookHeader::Signature))
    );
}

#[test]
fn header_errors_come_before_timestamp_and_signature_errors() {
    // Missing signature and stale timestamp: the missing header is reported.
    let incomplete = [("webhook-id", ID), ("webhook-timestamp", "1")];
    assert_eq!(
        verify_vector(&incomplete),
        Err(VerifyError::MissingHeader(WebhookHeader::Signature))
    );
    // Stale timestamp and wrong signature: the timestamp is reported.
    let stale = headers(ID, "1", SIGNATURE);
    assert_eq!(verify_vector(&stale), Err(VerifyError::TimestampTooOld));
}

#[test]
fn header_names_and_helpers() {
    assert_eq!(WebhookHeader::Id.name(), "webhook-id");
    assert_eq!(WebhookHeader::Timestamp.svix_name(), "svix-timestamp");
    assert_eq!(WebhookHeader::Signature.to_string(), "webhook-signature");
    assert_eq!(
        VerifyError::MissingHeader(WebhookHeader::Id).to_string(),
        "missing webhook-id header (or svix-id)"
    );
}

// ---------------------------------------------------------------- header maps

#[test]
fn works_with_hash_maps() {
    let map: HashMap<String, String> = vector_headers()
        .into_iter()
        .map(|(name, value)| (name.to_uppercase(), value))
        .collect();
    assert_eq!(verify_vector(&map), Ok(()));
    let mut duplicated = map.clone();
    duplicated.insert("webhook-id".to_owned(), ID.to_owned());
    assert_eq!(
        verify_vector(&duplicated),
        Err(VerifyError::DuplicateHeader("webhook-id"))
    );
}

#[test]
fn works_with_closures() {
    let map: HashMap<&str, &str> = [
        ("webhook-id", ID),
        ("webhook-timestamp", "1649367553"),
        ("webhook-signature", SIGNATURE),
    ]
    .into();
    let lookup = |name: &str| map.get(name).copied();
    assert_eq!(verify_vector(&lookup), Ok(()));
    let without_id = |name: &str| map.get(name).filter(|_| name != "webhook-id").copied();
    assert_eq!(
        verify_vector(&without_id),
        Err(VerifyError::MissingHeader(WebhookHeader::Id))
    );
}

#[test]
fn works_with_byte_values_and_a_custom_header_map() {
    struct Custom(Vec<(Vec<u8>, Vec<u8>)>);
    impl Headers for Custom {
        fn values(&self, name: &str, each: &mut dyn FnMut(&[u8])) {
            for (key, value) in &self.0 {
                if key.eq_ignore_ascii_case(name.as_bytes()) {
                    each(value);
                }
            }
        }
    }
    let custom = Custom(
        vector_headers()
            .into_iter()
            .map(|(name, value)| (name.as_bytes().to_vec(), value.into_bytes()))
            .collect(),
    );
    assert_eq!(verify_vector(&custom), Ok(()));
    // A `dyn Headers` works too.
    let dynamic: &dyn Headers = &custom;
    assert_eq!(verify_vector(dynamic), Ok(()));
}

#[test]
fn ids_need_not_be_utf8() {
    let webhook = webhook();
    let id: &[u8] = b"msg_\xe9t\xe9";
    let key = STANDARD.decode(&SECRET[6..]).unwrap();
    // What a sender signs: the id bytes as sent.
    let mut signed = id.to_vec();
    signed.extend_from_slice(format!(".{TIMESTAMP}.").as_bytes());
    signed.extend_from_slice(BODY);
    let signature = format!("v1,{}", STANDARD.encode(hmac_sha256(&key, &signed)));
    let headers: [(&str, &[u8]); 3] = [
        ("webhook-id", id),
        ("webhook-timestamp", b"1649367553"),
        ("webhook-signature", signature.as_bytes()),
    ];
    assert_eq!(webhook.verify_at(&headers, BODY, at(TIMESTAMP)), Ok(()));
}

/// HMAC-SHA256 of `message`, computed directly rather than through `sign`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(feature = "http")]
#[test]
fn works_with_http_header_maps() {
    use http::{HeaderMap, HeaderValue};

    let mut map = HeaderMap::new();
    for (name, value) in vector_headers() {
        map.insert(name, HeaderValue::from_str(&value).unwrap());
    }
    assert_eq!(verify_vector(&map), Ok(()));
    map.append("webhook-signature", HeaderValue::from_static(SIGNATURE));
    assert_eq!(
        verify_vector(&map),
        Err(VerifyError::DuplicateHeader("webhook-signature"))
    );
    map.remove("webhook-signature");
    assert_eq!(
        verify_vector(&map),
        Err(VerifyError::MissingHeader(WebhookHeader::Signature))
    );
}

// ---------------------------------------------------------------- bodies

#[test]
fn non_utf8_bodies_are_signed_and_verified_as_bytes() {
    let webhook = webhook();
    let body: &[u8] = &[0xff, 0xfe, 0x00, b'{', 0x80, b'}', 0xc3];
    assert!(String::from_utf8(body.to_vec()).is_err());
    let signature = webhook.sign(ID, TIMESTAMP, body);
    let headers = headers(ID, &TIMESTAMP.to_string(), &signature);
    assert_eq!(webhook.verify_at(&headers, body, at(TIMESTAMP)), Ok(()));
    let mut tampered = body.to_vec();
    tampered[4] = 0x81;
    assert_eq!(
        webhook.verify_at(&headers, &tampered, at(TIMESTAMP)),
        Err(VerifyError::NoMatchingSignature)
    );
}

// ---------------------------------------------------------------- verify_and_parse

/// A stand-in event: the body's text, which must start with `{`; anything
/// else fails as the crate's own parser fails on it.
#[derive(Debug, PartialEq)]
struct Text(String);

impl ParseEvent for Text {
    fn from_json(body: &[u8]) -> Result<Self, Error> {
        match body.first() {
            Some(b'{') => Ok(Self(String::from_utf8_lossy(body).into_owned())),
            _ => Err(gigs_events::VersionedEvent::from_json(body)
                .expect_err("a body not starting with `{` is no event")),
        }
    }
}

#[test]
fn verify_and_parse_returns_the_parsed_event() {
    let event = webhook()
        .verify_and_parse_at::<Text>(&vector_headers(), BODY, at(TIMESTAMP))
        .unwrap();
    assert_eq!(event, Text(String::from_utf8(BODY.to_vec()).unwrap()));
}

#[test]
fn verify_and_parse_tells_verification_from_parse_failures() {
    let webhook = webhook();
    // Unparsable and unsigned: verification fails first.
    let garbage = b"not json";
    assert_eq!(
        webhook.verify_and_parse_at::<Text>(&vector_headers(), garbage, at(TIMESTAMP)),
        Err(WebhookError::Verify(VerifyError::NoMatchingSignature))
    );
    // Authentic but unparsable.
    let signature = webhook.sign(ID, TIMESTAMP, garbage);
    let headers = headers(ID, &TIMESTAMP.to_string(), &signature);
    let error = webhook
        .verify_and_parse_at::<Text>(&headers, garbage, at(TIMESTAMP))
        .unwrap_err();
    let WebhookError::Parse(parse_error) = &error else {
        panic!("expected a parse error, got {error:?}");
    };
    assert_eq!(
        parse_error.line_and_column(),
        Some((1, 2)),
        "{parse_error:?}"
    );
    assert_eq!(error.to_string(), "authentic webhook not parsed");
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(
        source.as_deref(),
        Some("malformed JSON at line 1, column 2: expected ident")
    );
    // With the system clock, the 2022 vector is too old.
    assert_eq!(
        webhook.verify_and_parse::<Text>(&vector_headers(), BODY),
        Err(WebhookError::Verify(VerifyError::TimestampTooOld))
    );
}

// ---------------------------------------------------------------- cross-check

/// `standardwebhooks` headers for a message, as an `http::HeaderMap`.
fn reference_headers(id: &str, timestamp: i64, signature: &str) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    map.insert("webhook-id", id.parse().unwrap());
    map.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
    map.insert("webhook-signature", signature.parse().unwrap());
    map
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn signatures_match_the_reference_implementation(
        key in proptest::collection::vec(any::<u8>(), 1..80),
        id in "[A-Za-z0-9_-]{1,40}",
        timestamp in 0_i64..4_000_000_000,
        body in any::<String>(),
    ) {
        let secret = format!("whsec_{}", STANDARD.encode(&key));
        let ours = Webhook::new(&secret).unwrap();
        let reference = standardwebhooks::Webhook::new(&secret).unwrap();
        let theirs = reference.sign(&id, timestamp, body.as_bytes()).unwrap();
        prop_assert_eq!(ours.sign(&id, timestamp.unsigned_abs(), body.as_bytes()), theirs);
    }

    #[test]
    fn reference_signatures_verify_here(
        key in proptest::collection::vec(any::<u8>(), 1..80),
        id in "[A-Za-z0-9_-]{1,40}",
        timestamp in 1_000_000_000_i64..4_000_000_000,
        skew in -300_i64..=300,
        body in any::<String>(),
    ) {
        let reference = standardwebhooks::Webhook::from_bytes(key.clone()).unwrap();
        let signature = reference.sign(&id, timestamp, body.as_bytes()).unwrap();
        let headers = headers(&id, &timestamp.to_string(), &signature);
        let ours = Webhook::from_key(&key).unwrap();
        let now = at(timestamp.saturating_add(skew).unsigned_abs());
        prop_assert_eq!(ours.verify_at(&headers, body.as_bytes(), now), Ok(()));
        // And a one-byte change of the body is caught.
        let mut tampered = body.into_bytes();
        tampered.push(b'!');
        prop_assert_eq!(
            ours.verify_at(&headers, &tampered, now),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn signatures_made_here_verify_with_the_reference(
        key in proptest::collection::vec(any::<u8>(), 1..80),
        id in "[A-Za-z0-9_-]{1,40}",
        skew in -250_i64..=250,
        body in any::<String>(),
    ) {
        // The reference checks against the system clock.
        let timestamp = i64::try_from(now_seconds()).unwrap() + skew;
        let ours = Webhook::from_key(&key).unwrap();
        let signature = ours.sign(&id, timestamp.unsigned_abs(), body.as_bytes());
        let secret = format!("whsec_{}", STANDARD.encode(&key));
        let reference = standardwebhooks::Webhook::new(&secret).unwrap();
        let headers = reference_headers(&id, timestamp, &signature);
        prop_assert!(reference.verify(body.as_bytes(), &headers).is_ok());
        let mut tampered = body.into_bytes();
        tampered.push(b'!');
        prop_assert!(reference.verify(&tampered, &headers).is_err());
    }

    #[test]
    fn accepts_exactly_what_the_reference_accepts(
        key in proptest::collection::vec(any::<u8>(), 1..40),
        id in "[A-Za-z0-9_]{1,20}",
        body in "[ -~]{0,60}",
        entries in proptest::collection::vec(0_u8..5, 0..5),
    ) {
        // Signature headers mixing the right signature, wrong ones and other
        // versions: both implementations must agree on whether they pass.
        let timestamp = i64::try_from(now_seconds()).unwrap();
        let ours = Webhook::from_key(&key).unwrap();
        let right = ours.sign(&id, timestamp.unsigned_abs(), body.as_bytes());
        let wrong = Webhook::from_key(b"wrong").unwrap().sign(&id, 1, body.as_bytes());
        let header = entries
            .iter()
            .map(|kind| match kind {
                0 => right.clone(),
                1 => wrong.clone(),
                2 => right.replacen("v1,", "v2,", 1),
                3 => right.replacen("v1,", "v1,A", 1),
                _ => "v1a,c2lnbmF0dXJl".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        let reference = standardwebhooks::Webhook::from_bytes(key.clone()).unwrap();
        let theirs = reference
            .verify(body.as_bytes(), &reference_headers(&id, timestamp, &header))
            .is_ok();
        let headers = headers(&id, &timestamp.to_string(), &header);
        let result = ours.verify_at(&headers, body.as_bytes(), at(timestamp.unsigned_abs()));
        prop_assert_eq!(result.is_ok(), theirs, "{:?} for {}", result, header);
        prop_assert_eq!(result.is_ok(), entries.contains(&0));
    }

    #[test]
    fn never_panics_on_arbitrary_input(
        secret in any::<String>(),
        id in proptest::collection::vec(any::<u8>(), 0..30),
        timestamp in proptest::collection::vec(any::<u8>(), 0..25),
        signature in proptest::collection::vec(any::<u8>(), 0..120),
        body in proptest::collection::vec(any::<u8>(), 0..60),
        now in 0_u64..1 << 40,
    ) {
        let _ = Webhook::new(&secret);
        let headers: [(&str, &[u8]); 3] = [
            ("webhook-id", &id),
            ("webhook-timestamp", &timestamp),
            ("webhook-signature", &signature),
        ];
        let result = webhook().verify_at(&headers, &body, at(now));
        prop_assert!(result.is_err());
    }
}
