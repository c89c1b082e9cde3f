//! Mimecast's date formats.
//!
//! Requests carry `yyyy-MM-ddTHH:mm:ss+0000` (the documented form); answers use the same form.
//! Parsing also takes the `Z` and `+00:00` variants seen from some tenants.

use chrono::{DateTime, FixedOffset, Utc};

/// The `strftime` pattern Mimecast documents for request and response dates.
pub const WIRE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Formats a UTC instant for a request body: `2024-01-31T23:59:59+0000`.
pub fn format(at: DateTime<Utc>) -> String {
    at.format(WIRE_FORMAT).to_string()
}

/// Parses a date from a Mimecast answer or request (`+0000`, `+00:00` or `Z`).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::<FixedOffset>::parse_from_str(text, WIRE_FORMAT)
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .map(|at| at.with_timezone(&Utc))
        .ok()
}

/// Refuses a range whose start lies after its end, saying which is which.
pub fn check_order(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Result<(), String> {
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(format!(
            "the start {} is after the end {}",
            format(start),
            format(end)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_with_a_colonless_offset() {
        let at = Utc.with_ymd_and_hms(2024, 1, 31, 23, 59, 59).unwrap();
        assert_eq!(format(at), "2024-01-31T23:59:59+0000");
    }

    #[test]
    fn parses_every_variant_to_the_same_instant() {
        let want = Utc.with_ymd_and_hms(2022, 8, 1, 13, 10, 54).unwrap();
        for text in [
            "2022-08-01T13:10:54+0000",
            "2022-08-01T13:10:54+00:00",
            "2022-08-01T13:10:54Z",
            "2022-08-01T15:10:54+0200",
        ] {
            assert_eq!(parse(text), Some(want), "{text}");
        }
        assert_eq!(parse("yesterday"), None);
    }
}

/// Serde helpers for dates inside Mimecast answers.
///
/// An unreadable date in one row must not make a whole page unreadable, so these yield `None`
/// for text that is not a date; the raw text is never needed downstream.
pub mod lenient {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Deserializes an optional Mimecast date, `None` when absent, null or unreadable.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.as_deref().and_then(super::parse))
    }

    /// Serializes in Mimecast's own form, so JSON output matches the wire.
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&super::format(*at)),
            None => s.serialize_none(),
        }
    }
}
