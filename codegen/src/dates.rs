//! What counts as a date and a timestamp: version names, and the values the
//! payload checker accepts. Values are judged by jiff, as the runtime parses
//! them, so the checker and the crate never disagree on one.

/// Whether `text` is a real calendar date written exactly `YYYY-MM-DD`, as
/// API versions are named.
pub fn is_version_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shape_ok && is_date(text)
}

/// Whether the runtime reads `text` as a `jiff::civil::Date`.
pub fn is_date(text: &str) -> bool {
    text.parse::<jiff::civil::Date>().is_ok()
}

/// Whether the runtime reads `text` as a `jiff::Timestamp`.
pub fn is_timestamp(text: &str) -> bool {
    text.parse::<jiff::Timestamp>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_dates_are_real_days_in_one_shape() {
        assert!(is_version_date("2024-08-29"));
        assert!(is_version_date("2024-02-29"));
        assert!(!is_version_date("2025-02-29"));
        assert!(!is_version_date("2025-02-30"));
        assert!(!is_version_date("2024-8-29"));
        assert!(!is_version_date("20240829"));
        assert!(!is_version_date("2024-08-29 "));
    }

    #[test]
    fn timestamps_are_judged_by_their_values() {
        assert!(is_timestamp("2024-01-01T00:00:00Z"));
        assert!(is_timestamp("2024-01-01T00:00:00.0Z"));
        assert!(is_timestamp("2024-01-01T00:00:00+02:00"));
        assert!(!is_timestamp("2024-01-01T25:61:61Z"));
        assert!(!is_timestamp("2023-02-29T00:00:00Z"));
        assert!(!is_timestamp("2024-01-01T00:00:00"));
        assert!(!is_timestamp("yesterday"));
    }
}
