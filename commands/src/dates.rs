//! Date bounds as the user typed them, and their resolution to UTC instants.
//!
//! Accepted forms: a calendar date `YYYY-MM-DD` (a whole UTC day), an ISO 8601 / RFC 3339
//! instant with a zone (`2024-01-01T09:00:00Z`, `…+02:00`, or Mimecast's `…+0000`), and relative
//! forms `today`, `yesterday` (UTC days), `Nd` and `Nh` (N days or hours before now).

use std::fmt;

use chrono::{
    DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc,
};

use crate::error::ParseError;

/// The largest `Nd` accepted (about ten years).
pub const MAX_DAYS: u32 = 3650;
/// The largest `Nh` accepted (the same ten years in hours).
pub const MAX_HOURS: u32 = MAX_DAYS * 24;

/// The last second of a day: a calendar date given as an end bound means up to here.
/// Mimecast dates carry whole seconds, so this is the end of the day on the wire.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// One end of a date range, kept in the form the user typed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateBound {
    /// `YYYY-MM-DD`: the whole UTC day (start at 00:00:00, end at 23:59:59).
    Date(NaiveDate),
    /// An instant with a zone; the offset the user gave is kept for display.
    Instant(DateTime<FixedOffset>),
    /// `today`: the current UTC day.
    Today,
    /// `yesterday`: the UTC day before today.
    Yesterday,
    /// `Nd`: N × 24 hours before now.
    DaysAgo(u32),
    /// `Nh`: N hours before now.
    HoursAgo(u32),
}

impl DateBound {
    /// Parses the user's text for `option` (used in the error message), e.g. `--start`.
    pub fn parse(text: &str, option: &str) -> Result<DateBound, ParseError> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let invalid = || ParseError::InvalidDate {
            option: option.to_string(),
            value: text.to_string(),
        };
        match lower.as_str() {
            "today" => return Ok(DateBound::Today),
            "yesterday" => return Ok(DateBound::Yesterday),
            _ => {}
        }
        if let Some(count) = relative(&lower, 'd') {
            return match count {
                Some(days) if days <= MAX_DAYS => Ok(DateBound::DaysAgo(days)),
                _ => Err(ParseError::RelativeTooFar {
                    option: option.to_string(),
                    value: text.to_string(),
                }),
            };
        }
        if let Some(count) = relative(&lower, 'h') {
            return match count {
                Some(hours) if hours <= MAX_HOURS => Ok(DateBound::HoursAgo(hours)),
                _ => Err(ParseError::RelativeTooFar {
                    option: option.to_string(),
                    value: text.to_string(),
                }),
            };
        }
        if is_calendar_date_shape(trimmed) {
            return NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .map(DateBound::Date)
                .map_err(|_| invalid());
        }
        if trimmed.len() > 10 && is_calendar_date_shape(trimmed.get(..10).unwrap_or("")) {
            if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
                return Ok(DateBound::Instant(at));
            }
            if let Ok(at) = DateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%z") {
                return Ok(DateBound::Instant(at));
            }
            let naive = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M"));
            if naive.is_ok() {
                return Err(ParseError::DateWithoutZone {
                    option: option.to_string(),
                    value: text.to_string(),
                });
            }
        }
        Err(invalid())
    }

    /// Parses the text of a `--date` (a single day): `YYYY-MM-DD`, `today`, `yesterday` or `Nd`.
    pub fn parse_day(text: &str, option: &str) -> Result<DateBound, ParseError> {
        match DateBound::parse(text, option) {
            Ok(DateBound::Instant(_))
            | Ok(DateBound::HoursAgo(_))
            | Err(ParseError::DateWithoutZone { .. }) => Err(ParseError::InvalidDay {
                option: option.to_string(),
                value: text.to_string(),
            }),
            Err(ParseError::InvalidDate { .. }) => Err(ParseError::InvalidDay {
                option: option.to_string(),
                value: text.to_string(),
            }),
            other => other,
        }
    }

    /// True for forms that do not depend on the current time (a calendar date or an instant).
    pub fn is_absolute(&self) -> bool {
        matches!(self, DateBound::Date(_) | DateBound::Instant(_))
    }

    /// The UTC instant this bound stands for at `now`. A day-long form (`YYYY-MM-DD`, `today`,
    /// `yesterday`) gives 00:00:00 of that day, or 23:59:59 when `end_of_range` is true.
    /// Relative hours and days count back from `now` whichever end they are.
    pub fn resolve(&self, now: DateTime<Utc>, end_of_range: bool) -> DateTime<Utc> {
        let day = |date: NaiveDate| {
            let time = if end_of_range {
                END_OF_DAY
            } else {
                NaiveTime::MIN
            };
            date.and_time(time).and_utc()
        };
        match *self {
            DateBound::Date(date) => day(date),
            DateBound::Instant(at) => at.with_timezone(&Utc),
            DateBound::Today => day(now.date_naive()),
            DateBound::Yesterday => {
                let today = now.date_naive();
                day(today.pred_opt().unwrap_or(today))
            }
            DateBound::DaysAgo(days) => back(now, Duration::days(i64::from(days))),
            DateBound::HoursAgo(hours) => back(now, Duration::hours(i64::from(hours))),
        }
    }

    /// The UTC calendar day this bound falls on at `now` (for `summary --date`).
    pub fn day(&self, now: DateTime<Utc>) -> NaiveDate {
        self.resolve(now, false).date_naive()
    }
}

fn back(now: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    now.checked_sub_signed(by)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `Some(Some(n))` for `<digits><unit>`, `Some(None)` when the digits overflow, `None` otherwise.
fn relative(text: &str, unit: char) -> Option<Option<u32>> {
    let digits = text.strip_suffix(unit)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u32>().ok())
}

/// `dddd-dd-dd` with ASCII digits: the only calendar-date shape accepted.
fn is_calendar_date_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

impl fmt::Display for DateBound {
    /// Prints the bound in the user's form, so it parses back to an equal value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateBound::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            DateBound::Instant(at) => f.write_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            DateBound::Today => f.write_str("today"),
            DateBound::Yesterday => f.write_str("yesterday"),
            DateBound::DaysAgo(days) => write!(f, "{days}d"),
            DateBound::HoursAgo(hours) => write!(f, "{hours}h"),
        }
    }
}

/// The `--start` / `--end` pair of a command. Either end may be absent: the engine applies
/// Mimecast's defaults (start of the current day, now) or its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DateRange {
    /// `--start`, if given.
    pub start: Option<DateBound>,
    /// `--end`, if given.
    pub end: Option<DateBound>,
}

impl DateRange {
    /// The range resolved at `now`: start as a start bound, end as an end bound.
    pub fn resolve(&self, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.start.map(|s| s.resolve(now, false)),
            self.end.map(|e| e.resolve(now, true)),
        )
    }

    /// Refuses a range whose start is after its end, evaluated at `now`. Works for relative
    /// forms too; the parser already runs it for absolute pairs.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ParseError> {
        if let (Some(start), Some(end)) = (self.start, self.end)
            && start.resolve(now, false) > end.resolve(now, true)
        {
            return Err(ParseError::StartAfterEnd {
                start: start.to_string(),
                end: end.to_string(),
            });
        }
        Ok(())
    }

    /// The check the parser runs: only when both ends are absolute (independent of `now`).
    pub(crate) fn check_absolute(&self) -> Result<(), ParseError> {
        match (self.start, self.end) {
            (Some(start), Some(end)) if start.is_absolute() && end.is_absolute() => {
                self.check(DateTime::<Utc>::UNIX_EPOCH)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 10, 30, 0)
            .single()
            .expect("valid test time")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, s)
            .single()
            .expect("valid test time")
    }

    #[test]
    fn calendar_date_covers_the_whole_day() {
        let bound = DateBound::parse("2024-01-31", "--end").expect("parses");
        assert_eq!(bound.resolve(now(), false), utc(2024, 1, 31, 0, 0, 0));
        assert_eq!(bound.resolve(now(), true), utc(2024, 1, 31, 23, 59, 59));
        assert_eq!(bound.to_string(), "2024-01-31");
    }

    #[test]
    fn instants_keep_their_zone_and_resolve_to_utc() {
        for (text, shown) in [
            ("2024-01-01T09:00:00Z", "2024-01-01T09:00:00Z"),
            ("2024-01-01T11:00:00+02:00", "2024-01-01T11:00:00+02:00"),
            ("2024-01-01T11:00:00+0200", "2024-01-01T11:00:00+02:00"),
        ] {
            let bound = DateBound::parse(text, "--start").expect(text);
            assert_eq!(
                bound.resolve(now(), false),
                utc(2024, 1, 1, 9, 0, 0),
                "{text}"
            );
            assert_eq!(
                bound.resolve(now(), true),
                utc(2024, 1, 1, 9, 0, 0),
                "{text}"
            );
            assert_eq!(bound.to_string(), shown);
        }
    }

    #[test]
    fn relative_forms_count_back_from_now() {
        let parse = |t: &str| DateBound::parse(t, "--start").expect(t);
        assert_eq!(
            parse("today").resolve(now(), false),
            utc(2024, 3, 15, 0, 0, 0)
        );
        assert_eq!(
            parse("TODAY").resolve(now(), true),
            utc(2024, 3, 15, 23, 59, 59)
        );
        assert_eq!(
            parse("yesterday").resolve(now(), false),
            utc(2024, 3, 14, 0, 0, 0)
        );
        assert_eq!(
            parse("yesterday").resolve(now(), true),
            utc(2024, 3, 14, 23, 59, 59)
        );
        assert_eq!(
            parse("7d").resolve(now(), false),
            utc(2024, 3, 8, 10, 30, 0)
        );
        assert_eq!(
            parse("24h").resolve(now(), true),
            utc(2024, 3, 14, 10, 30, 0)
        );
        assert_eq!(parse("0h").resolve(now(), false), now());
    }

    #[test]
    fn bad_dates_are_refused_with_the_option_named() {
        for text in [
            "2024-13-01",
            "2024-02-30",
            "2024-1-1",
            "01/02/2024",
            "",
            "d",
            "-7d",
            "7w",
            "tomorrow",
        ] {
            let err = DateBound::parse(text, "--start").expect_err(text);
            assert!(
                matches!(err, ParseError::InvalidDate { .. }),
                "{text}: {err}"
            );
        }
        assert!(matches!(
            DateBound::parse("2024-01-01T09:00:00", "--start"),
            Err(ParseError::DateWithoutZone { .. })
        ));
        assert!(matches!(
            DateBound::parse("3651d", "--start"),
            Err(ParseError::RelativeTooFar { .. })
        ));
        assert!(matches!(
            DateBound::parse("99999999999999999999h", "--start"),
            Err(ParseError::RelativeTooFar { .. })
        ));
    }

    #[test]
    fn days_accept_only_day_forms() {
        assert_eq!(
            DateBound::parse_day("yesterday", "--date"),
            Ok(DateBound::Yesterday)
        );
        assert_eq!(
            DateBound::parse_day("3d", "--date"),
            Ok(DateBound::DaysAgo(3))
        );
        assert!(matches!(
            DateBound::parse_day("24h", "--date"),
            Err(ParseError::InvalidDay { .. })
        ));
        assert!(matches!(
            DateBound::parse_day("2024-01-01T00:00:00Z", "--date"),
            Err(ParseError::InvalidDay { .. })
        ));
        assert_eq!(
            DateBound::parse_day("2024-01-02", "--date").map(|d| d.day(now())),
            NaiveDate::from_ymd_opt(2024, 1, 2).ok_or(ParseError::Empty)
        );
    }

    #[test]
    fn range_check_uses_whole_days_and_now() {
        let range = |s: &str, e: &str| DateRange {
            start: Some(DateBound::parse(s, "--start").expect(s)),
            end: Some(DateBound::parse(e, "--end").expect(e)),
        };
        assert_eq!(range("2024-01-01", "2024-01-01").check_absolute(), Ok(()));
        assert_eq!(
            range("2024-02-01", "2024-01-01").check_absolute().map_err(|e| e.to_string()),
            Err("--start 2024-02-01 is after --end 2024-01-01; give a --start on or before the --end".into())
        );
        // Relative pairs are not checked by the parser but are by `check(now)`.
        assert_eq!(range("today", "2024-01-01").check_absolute(), Ok(()));
        assert!(range("today", "2024-01-01").check(now()).is_err());
        assert!(range("1d", "7d").check(now()).is_err());
        assert_eq!(range("7d", "1d").check(now()), Ok(()));
        assert_eq!(range("yesterday", "today").check(now()), Ok(()));
    }

    #[test]
    fn resolve_never_overflows() {
        let early = DateTime::<Utc>::MIN_UTC;
        assert_eq!(DateBound::DaysAgo(MAX_DAYS).resolve(early, false), early);
        assert_eq!(
            DateBound::Yesterday.resolve(early, false).date_naive(),
            early.date_naive()
        );
    }
}
