//! Reading timestamps: the shape Gigs writes, read directly; any other
//! text, through jiff's parser.
//!
//! Gigs writes every timestamp as `2024-03-13T15:36:01Z`, now and then with
//! a fraction of a second. jiff's parser accepts much more (lowercase
//! separators, numeric offsets, RFC 9557 annotations, leap seconds, …) and
//! spends about 500 instructions on each, which made timestamps one of the
//! larger costs of a parse. [`parse`] reads `YYYY-MM-DDTHH:MM:SS`, an
//! optional fraction of 1 to 9 digits and `Z` or `+00:00` directly, and
//! hands every other text, including every text it does not accept, to
//! jiff. So the answer is always jiff's: the same instant for what jiff
//! accepts, and jiff's own error for what it rejects (the property tests
//! below compare the two on random text near that shape).

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimeParser;
use serde::de::{Deserializer, Visitor};

/// The parser behind `Timestamp`'s `FromStr` and `Deserialize`.
static JIFF: DateTimeParser = DateTimeParser::new();

/// Parses an RFC 3339 timestamp exactly as `text.parse::<Timestamp>()`
/// does, only faster for the shape Gigs writes.
pub fn parse(text: &[u8]) -> Result<Timestamp, jiff::Error> {
    match parse_common(text) {
        Some(timestamp) => Ok(timestamp),
        None => JIFF.parse_timestamp(text),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00)`, when the fields name a real
/// instant in jiff's range and the second is not a leap second; `None` for
/// anything else, which jiff then judges.
fn parse_common(text: &[u8]) -> Option<Timestamp> {
    let (head, rest) = text.split_first_chunk::<19>()?;
    let [
        y1,
        y2,
        y3,
        y4,
        b'-',
        m1,
        m2,
        b'-',
        d1,
        d2,
        b'T',
        h1,
        h2,
        b':',
        i1,
        i2,
        b':',
        s1,
        s2,
    ] = *head
    else {
        return None;
    };
    let year = digits([y1, y2, y3, y4])?;
    let month = digits([m1, m2])?;
    let day = digits([d1, d2])?;
    let hour = digits([h1, h2])?;
    let minute = digits([i1, i2])?;
    let second = digits([s1, s2])?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let (nanosecond, offset) = match rest.split_first() {
        Some((b'.', fraction)) => {
            let length = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=9).contains(&length) {
                return None;
            }
            let (fraction, offset) = fraction.split_at(length);
            let mut nanosecond = 0_i32;
            for &digit in fraction {
                nanosecond = nanosecond * 10 + i32::from(digit - b'0');
            }
            (nanosecond * 10_i32.pow(9 - length as u32), offset)
        }
        _ => (0, rest),
    };
    if offset != b"Z" && offset != b"+00:00" {
        return None;
    }
    let second = days_since_unix_epoch(year, month, day) * 86_400
        + i64::from(hour * 3_600 + minute * 60 + second);
    // Out of jiff's range (the last hours of 9999-12-31): jiff says why.
    Timestamp::new(second, nanosecond).ok()
}

/// The number written in ASCII digits, if they all are.
fn digits<const N: usize>(ascii: [u8; N]) -> Option<u32> {
    let mut number = 0;
    for byte in ascii {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        number = number * 10 + u32::from(digit);
    }
    Some(number)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar,
/// counting in 400-year eras from 0000-03-01 so that leap days fall at the
/// end of each year.
fn days_since_unix_epoch(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 0000-03-01 is 719,468 days before 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// Reads a timestamp string, as `Timestamp`'s `Deserialize` does, with the
/// same errors.
struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // jiff's words, so that errors read as they did before.
        formatter.write_str("a timestamp string")
    }

    fn visit_bytes<E: serde::de::Error>(self, value: &[u8]) -> Result<Timestamp, E> {
        parse(value).map_err(E::custom)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Timestamp, E> {
        self.visit_bytes(value.as_bytes())
    }
}

/// Reads an `Option<Timestamp>`: `null` is `None`.
struct OptionalTimestampVisitor;

impl<'de> Visitor<'de> for OptionalTimestampVisitor {
    type Value = Option<Timestamp>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("option")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserialize_timestamp(deserializer).map(Some)
    }
}

/// Deserializes a `Timestamp` field, like its `Deserialize` impl.
#[inline(never)]
pub fn deserialize_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Timestamp, D::Error> {
    deserializer.deserialize_str(TimestampVisitor)
}

/// Deserializes an `Option<Timestamp>` field, like its `Deserialize` impl:
/// `null` is `None`. (The field needs `#[serde(default)]` for absent to be
/// `None`, which serde grants `Option` fields only without `deserialize_with`.)
#[inline(never)]
pub fn deserialize_optional_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    deserializer.deserialize_option(OptionalTimestampVisitor)
}

/// Deserializes an `Option<Option<Timestamp>>` field where absent and
/// `null` differ, like `deserialize_nullable`: absent is `None` (through
/// `#[serde(default)]`), `null` is `Some(None)`.
pub fn deserialize_nullable_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Timestamp>>, D::Error> {
    deserialize_optional_timestamp(deserializer).map(Some)
}

/// A `Timestamp` read as [`deserialize_timestamp`] reads it, for code that
/// reads members one at a time.
#[derive(Debug)]
pub struct TimestampMember(pub Timestamp);

impl<'de> serde::Deserialize<'de> for TimestampMember {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_timestamp(deserializer).map(Self)
    }
}

/// An `Option<Timestamp>` read as [`deserialize_optional_timestamp`] reads
/// it, for code that reads members one at a time.
#[derive(Debug)]
pub struct OptionalTimestampMember(pub Option<Timestamp>);

impl<'de> serde::Deserialize<'de> for OptionalTimestampMember {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_optional_timestamp(deserializer).map(Self)
    }
}

/// The error `serde::de::Error::custom` makes of jiff's, for tests.
#[cfg(test)]
fn error_message(error: &jiff::Error) -> String {
    use serde::de::Error as _;
    serde_json::Error::custom(error).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::{Just, ProptestConfig, Strategy, prop_oneof};

    fn jiff(text: &[u8]) -> Result<Timestamp, String> {
        JIFF.parse_timestamp(text)
            .map_err(|error| error_message(&error))
    }

    fn ours(text: &[u8]) -> Result<Timestamp, String> {
        parse(text).map_err(|error| error_message(&error))
    }

    #[test]
    fn reads_what_gigs_writes_without_jiff() {
        for (text, second, nanosecond) in [
            ("2024-03-13T15:36:01Z", 1_710_344_161, 0),
            ("1970-01-01T00:00:00Z", 0, 0),
            ("1969-12-31T23:59:59.5Z", -1, 500_000_000),
            (
                "2024-02-29T12:00:00.123456789+00:00",
                1_709_208_000,
                123_456_789,
            ),
            ("2000-02-29T00:00:00.1Z", 951_782_400, 100_000_000),
            ("0000-01-01T00:00:00Z", -62_167_219_200, 0),
            (
                "9999-12-30T22:00:00.999999999Z",
                253_402_207_200,
                999_999_999,
            ),
        ] {
            let expected = Timestamp::new(second, nanosecond).unwrap();
            assert_eq!(parse_common(text.as_bytes()), Some(expected), "{text}");
            assert_eq!(jiff(text.as_bytes()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn leaves_every_other_shape_to_jiff() {
        for text in [
            // jiff accepts these, each in its own way.
            "2024-03-13t15:36:01z",
            "2024-03-13 15:36:01Z",
            "2024-03-13T15:36:60Z",
            "2024-03-13T15:36:01,5Z",
            "2024-03-13T15:36:01+01:00",
            "2024-03-13T15:36:01-00:00",
            "2024-03-13T15:36:01Z[UTC]",
            "2024-03-13T15:36Z",
            "+002024-03-13T15:36:01Z",
            // jiff rejects these.
            "2023-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-03-13T24:00:00Z",
            "2024-03-13T15:36:01.Z",
            "2024-03-13T15:36:01.1234567890Z",
            "2024-03-13T15:36:01",
            "2024-03-13T15:36:01Z ",
            "9999-12-31T00:00:00Z",
            "2024-03-13T15:36:0١Z",
        ] {
            assert_eq!(parse_common(text.as_bytes()), None, "{text}");
            assert_eq!(ours(text.as_bytes()), jiff(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn deserializes_as_jiff_does_errors_included() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Jiff {
            always: Timestamp,
            #[serde(default)]
            optional: Option<Timestamp>,
        }
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Ours {
            #[serde(deserialize_with = "deserialize_timestamp")]
            always: Timestamp,
            #[serde(default, deserialize_with = "deserialize_optional_timestamp")]
            optional: Option<Timestamp>,
        }
        for json in [
            r#"{"always": "2024-03-13T15:36:01Z", "optional": "2024-03-13T15:36:01.5Z"}"#,
            r#"{"always": "2024-03-13t15:36:01+02:00", "optional": null}"#,
            r#"{"always": "2024-03-13T15:36:01Z"}"#,
            r#"{"always": "2023-02-29T00:00:00Z"}"#,
            r#"{"always": "2024-03-13T15:36:01Z", "optional": "yesterday"}"#,
            r#"{"always": 1710344161}"#,
            r#"{"always": "2024-03-13T15:36:01Z", "optional": 5}"#,
            r#"{"always": null}"#,
            r#"{"optional": "2024-03-13T15:36:01Z"}"#,
        ] {
            let jiff = serde_json::from_str::<Jiff>(json).map_err(|error| error.to_string());
            let ours = serde_json::from_str::<Ours>(json).map_err(|error| error.to_string());
            let ours = ours.map(|ours| Jiff {
                always: ours.always,
                optional: ours.optional,
            });
            assert_eq!(ours, jiff, "{json}");
        }
    }

    #[test]
    fn nullable_tells_absent_from_null() {
        #[derive(Debug, serde::Deserialize)]
        struct Nullable {
            #[serde(default, deserialize_with = "deserialize_nullable_timestamp")]
            at: Option<Option<Timestamp>>,
        }
        let read = |json: &str| serde_json::from_str::<Nullable>(json).map(|read| read.at);
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"at": null}"#).unwrap(), Some(None));
        assert_eq!(
            read(r#"{"at": "1970-01-01T00:00:01Z"}"#).unwrap(),
            Some(Some(Timestamp::new(1, 0).unwrap()))
        );
        assert!(read(r#"{"at": "1970-01-01"}"#).is_err());
    }

    /// A timestamp written field by field, each field possibly out of
    /// range, with a separator, a fraction and an offset that are mostly
    /// but not always the ones the fast path reads.
    fn near_the_shape() -> impl Strategy<Value = String> {
        let year = prop_oneof![
            0_u32..=9999,
            proptest::sample::select(vec![0, 1, 1900, 1969, 1970, 2000, 2024, 2100, 9999]),
        ];
        let separator = proptest::sample::select(vec!["T", "T", "T", "t", " ", "_"]);
        let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{1,9}", "[.,][0-9]{0,12}",];
        let offset = proptest::sample::select(vec![
            "Z",
            "Z",
            "+00:00",
            "z",
            "-00:00",
            "+01:00",
            "-23:59",
            "+0000",
            "+00",
            "+00:00:00",
            "Z[UTC]",
            "[UTC]",
            "",
            " Z",
            "ZZ",
        ]);
        (
            (year, 0_u32..=13, 0_u32..=32),
            separator,
            (0_u32..=25, 0_u32..=61, 0_u32..=61),
            fraction,
            offset,
        )
            .prop_map(
                |((year, month, day), separator, (hour, minute, second), fraction, offset)| {
                    format!(
                        "{year:04}-{month:02}-{day:02}{separator}\
                         {hour:02}:{minute:02}:{second:02}{fraction}{offset}"
                    )
                },
            )
    }

    /// `text` with one byte replaced, inserted or removed, or cut short.
    fn mutated(text: String) -> impl Strategy<Value = String> {
        let length = text.len();
        let replacement = proptest::sample::select(vec![
            "0", "9", "-", ":", "T", "Z", ".", "+", " ", "é", "١", "\u{0}", "",
        ]);
        (0..=length, 0..=length, replacement, 0_u8..4).prop_map(
            move |(at, end, replacement, how)| {
                let (at, end) = (at.min(end), at.max(end));
                let bytes = text.as_bytes();
                let edited: Vec<u8> = match how {
                    // Replace one byte.
                    0 => [
                        &bytes[..at],
                        replacement.as_bytes(),
                        bytes.get(at + 1..).unwrap_or(&[]),
                    ]
                    .concat(),
                    // Insert.
                    1 => [&bytes[..at], replacement.as_bytes(), &bytes[at..]].concat(),
                    // Cut short.
                    2 => bytes[..at].to_vec(),
                    // Remove a run.
                    _ => [&bytes[..at], &bytes[end..]].concat(),
                };
                String::from_utf8_lossy(&edited).into_owned()
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// On text near the shape, the fast path either declines or finds
        /// exactly jiff's instant, and `parse` answers as jiff does.
        #[test]
        fn agrees_with_jiff_near_the_shape(text in near_the_shape()) {
            if let Some(fast) = parse_common(text.as_bytes()) {
                proptest::prop_assert_eq!(Ok(fast), jiff(text.as_bytes()));
            }
            proptest::prop_assert_eq!(ours(text.as_bytes()), jiff(text.as_bytes()));
        }

        /// The same on that text mutated: bytes replaced, inserted, removed.
        #[test]
        fn agrees_with_jiff_on_mutations(text in near_the_shape().prop_flat_map(mutated)) {
            if let Some(fast) = parse_common(text.as_bytes()) {
                proptest::prop_assert_eq!(Ok(fast), jiff(text.as_bytes()));
            }
            proptest::prop_assert_eq!(ours(text.as_bytes()), jiff(text.as_bytes()));
        }

        /// The same on arbitrary bytes, most of them not even UTF-8.
        #[test]
        fn agrees_with_jiff_on_any_bytes(
            bytes in proptest::collection::vec(proptest::sample::select(
                b"0123456789-:T.Z+ tz\xc3\xa9\xff".to_vec()), 0..40)
        ) {
            if let Some(fast) = parse_common(&bytes) {
                proptest::prop_assert_eq!(Ok(fast), jiff(&bytes));
            }
            proptest::prop_assert_eq!(ours(&bytes), jiff(&bytes));
        }

        /// Every instant in range, written as Gigs writes it (whole seconds,
        /// or with 1 to 9 fraction digits), takes the fast path and comes
        /// back unchanged.
        #[test]
        fn reads_every_instant_gigs_can_write(
            second in Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
            nanosecond in 0_i32..1_000_000_000,
            digits in 0_usize..=9,
            plus_zero in proptest::bool::ANY,
        ) {
            let nanosecond = nanosecond - nanosecond % 10_i32.pow(9 - digits as u32);
            let Ok(instant) = Timestamp::new(second, nanosecond) else {
                return Ok(());
            };
            let civil = jiff::tz::Offset::UTC.to_datetime(instant);
            if civil.year() < 0 {
                // Six-digit years are not Gigs' shape.
                return Ok(());
            }
            let fraction = if digits == 0 {
                String::new()
            } else {
                format!(".{:09}", civil.subsec_nanosecond())[..=digits].to_owned()
            };
            let offset = if plus_zero { "+00:00" } else { "Z" };
            let text = format!("{}{fraction}{offset}", civil.strftime("%Y-%m-%dT%H:%M:%S"));
            proptest::prop_assert_eq!(parse_common(text.as_bytes()), Some(instant), "{}", text);
        }
    }
}
