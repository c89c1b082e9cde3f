//! When a scheduled summary is due, in the schedule's own timezone. Pure time logic, no I/O.
//!
//! A schedule posts at `time` (local) on day D the summary of the previous local day D-1,
//! covering `[D-1 00:00, D 00:00)` local, converted to UTC: 24 hours, or 23 / 25 on a day
//! daylight saving starts / ends.
//!
//! Local times that do not exist (the spring-forward gap) resolve to the first instant after
//! the gap; local times that happen twice (fall-back) resolve to the first occurrence.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Day, Kinds};
pub use crate::approvals::Platform;

/// A checked `[[schedules]]` entry (see [`crate::config::ScheduleConfig`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Unique name; also the key of its runs in the store.
    pub name: String,
    /// Where it posts.
    pub platform: Platform,
    /// The channel id on that platform.
    pub channel: String,
    /// Local time of day of the post.
    pub time: NaiveTime,
    /// The IANA timezone days and `time` are read in.
    pub timezone: Tz,
    /// Which logs the summary covers.
    pub kinds: Kinds,
}

/// One run of a schedule: the summary of `day`, posted at `post_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The local day summarised (the day before the post).
    pub day: Day,
    /// When it is posted.
    pub post_at: DateTime<Utc>,
}

/// A schedule entry is not valid; every variant names the schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// No name.
    #[error("a schedule has no name (set `name`)")]
    NoName,
    /// Two schedules share a name.
    #[error("schedule {0:?}: the name is used by another schedule")]
    DuplicateName(String),
    /// Not a supported platform.
    #[error(
        "schedule {name:?}: platform {platform:?} is not supported (use \"discord\" or \"slack\")"
    )]
    Platform {
        /// The schedule.
        name: String,
        /// What was given.
        platform: String,
    },
    /// The channel is not a channel id of the schedule's platform.
    #[error(
        "schedule {name:?}: channel {channel:?} is not a {} channel id ({})",
        platform_name(*platform),
        channel_hint(*platform)
    )]
    Channel {
        /// The platform.
        platform: Platform,
        /// The schedule.
        name: String,
        /// What was given.
        channel: String,
    },
    /// The time is not `HH:MM`.
    #[error("schedule {name:?}: time {time:?} is not a time of day as HH:MM (00:00 to 23:59)")]
    Time {
        /// The schedule.
        name: String,
        /// What was given.
        time: String,
    },
    /// Not an IANA timezone.
    #[error(
        "schedule {name:?}: timezone {timezone:?} is not an IANA timezone (e.g. Europe/Berlin)"
    )]
    Timezone {
        /// The schedule.
        name: String,
        /// What was given.
        timezone: String,
    },
    /// An unknown kind, or none.
    #[error(
        "schedule {name:?}: kinds {kinds:?} must name one or more of impersonation, urls, attachments"
    )]
    Kinds {
        /// The schedule.
        name: String,
        /// What was given.
        kinds: Vec<String>,
    },
}

/// Whether `channel` looks like a channel id of `platform`: Discord snowflakes are digits; Slack
/// ids are `C…` (public), `G…` (private) or `D…` (direct) and upper-case letters and digits.
fn channel_ok(platform: Platform, channel: &str) -> bool {
    match platform {
        Platform::Discord => channel.parse::<u64>().is_ok_and(|n| n > 0),
        Platform::Slack => {
            channel.len() >= 7
                && channel.len() <= 24
                && channel.starts_with(['C', 'G', 'D'])
                && channel
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
        Platform::Console | Platform::Cli => false,
    }
}

/// The platform's name as people write it.
fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Discord => "Discord",
        Platform::Slack => "Slack",
        Platform::Console => "console",
        Platform::Cli => "CLI",
    }
}

/// What a channel id of `platform` looks like, for the error.
fn channel_hint(platform: Platform) -> &'static str {
    match platform {
        Platform::Discord => "digits, e.g. 123456789012345678",
        Platform::Slack => "e.g. C0123456789",
        Platform::Console | Platform::Cli => "not a chat platform",
    }
}

impl Schedule {
    /// Checks one entry's fields (names are checked for uniqueness by [`Schedule::check_all`]).
    pub fn parse(
        name: &str,
        platform: &str,
        channel: &str,
        time: &str,
        timezone: &str,
        kinds: &[String],
    ) -> Result<Self, ScheduleError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ScheduleError::NoName);
        }
        let owned = || name.to_owned();
        let platform = match platform.trim().to_ascii_lowercase().as_str() {
            "discord" => Platform::Discord,
            "slack" => Platform::Slack,
            _ => {
                return Err(ScheduleError::Platform {
                    name: owned(),
                    platform: platform.to_owned(),
                });
            }
        };
        if !channel_ok(platform, channel.trim()) {
            return Err(ScheduleError::Channel {
                platform,
                name: owned(),
                channel: channel.to_owned(),
            });
        }
        let time = parse_time(time).ok_or_else(|| ScheduleError::Time {
            name: owned(),
            time: time.to_owned(),
        })?;
        let timezone = timezone
            .trim()
            .parse::<Tz>()
            .map_err(|_| ScheduleError::Timezone {
                name: owned(),
                timezone: timezone.to_owned(),
            })?;
        let kinds = parse_kinds(kinds).ok_or_else(|| ScheduleError::Kinds {
            name: owned(),
            kinds: kinds.to_vec(),
        })?;
        Ok(Self {
            name: owned(),
            platform,
            channel: channel.trim().to_owned(),
            time,
            timezone,
            kinds,
        })
    }

    /// Refuses two schedules with the same name.
    pub fn check_all(schedules: &[Schedule]) -> Result<(), ScheduleError> {
        for (i, s) in schedules.iter().enumerate() {
            if schedules[..i].iter().any(|other| other.name == s.name) {
                return Err(ScheduleError::DuplicateName(s.name.clone()));
            }
        }
        Ok(())
    }

    /// The run posted on local day `posting_date`: the summary of the day before.
    pub fn run_on(&self, posting_date: NaiveDate) -> Option<Due> {
        let summarised = posting_date.checked_sub_days(Days::new(1))?;
        Some(Due {
            day: zoned_day(summarised, self.timezone)?,
            post_at: local_instant(posting_date.and_time(self.time), self.timezone)?,
        })
    }

    /// The most recent run whose post time is at or before `now`.
    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<Due> {
        let today = now.with_timezone(&self.timezone).date_naive();
        // Today's run, else an earlier one; a gap can push a late-evening post past midnight,
        // so look back a few days (bounded).
        (0..4u64)
            .filter_map(|back| today.checked_sub_days(Days::new(back)))
            .filter_map(|date| self.run_on(date))
            .find(|run| run.post_at <= now)
    }
}

/// The local day `date` in `tz`: `[date 00:00, date+1 00:00)` local, in UTC.
pub fn zoned_day(date: NaiveDate, tz: Tz) -> Option<Day> {
    let next = date.checked_add_days(Days::new(1))?;
    Some(Day {
        date,
        start: local_instant(date.and_time(NaiveTime::MIN), tz)?,
        end: local_instant(next.and_time(NaiveTime::MIN), tz)?,
    })
}

/// The instant of local time `local` in `tz`: the first occurrence when it happens twice, the
/// first instant after the gap when it does not exist.
pub fn local_instant(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => after_gap(local, tz),
    }
}

/// The first instant whose local time is at or after `local` (which falls in a gap): a
/// binary search over whole seconds between two instants that bracket it whatever the offset
/// (offsets stay within ±15 h). Local time only moves forward across a gap, so the search is
/// monotonic there; at most ~17 steps.
fn after_gap(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    let naive_utc = local.and_utc();
    let mut lo = naive_utc
        .checked_sub_signed(chrono::TimeDelta::hours(15))?
        .timestamp();
    let mut hi = naive_utc
        .checked_add_signed(chrono::TimeDelta::hours(15))?
        .timestamp();
    let local_at =
        |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).naive_local());
    // Invariant: local(lo) < local, local(hi) >= local.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_at(mid)? >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// `HH:MM`, 00:00 to 23:59.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// Kind names into [`Kinds`]; `None` for an unknown name or an empty list.
fn parse_kinds(names: &[String]) -> Option<Kinds> {
    let mut kinds = Kinds {
        impersonation: false,
        urls: false,
        attachments: false,
    };
    for name in names {
        match name.trim().to_ascii_lowercase().as_str() {
            "impersonation" => kinds.impersonation = true,
            "urls" => kinds.urls = true,
            "attachments" => kinds.attachments = true,
            _ => return None,
        }
    }
    (kinds.impersonation || kinds.urls || kinds.attachments).then_some(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin(time: &str) -> Schedule {
        Schedule::parse("s", "discord", "1", time, "Europe/Berlin", &["urls".into()])
            .expect("valid")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    #[test]
    fn a_post_time_in_the_gap_runs_when_the_gap_ends() {
        let s = berlin("02:30");
        let date = NaiveDate::from_ymd_opt(2024, 3, 31).expect("date");
        let run = s.run_on(date).expect("run");
        // 03:00 CEST, the first instant after 02:00-03:00 local.
        assert_eq!(run.post_at, utc("2024-03-31T01:00:00Z"));
    }

    #[test]
    fn an_ambiguous_post_time_runs_at_its_first_occurrence() {
        let s = berlin("02:30");
        let date = NaiveDate::from_ymd_opt(2024, 10, 27).expect("date");
        assert_eq!(
            s.run_on(date).expect("run").post_at,
            utc("2024-10-27T00:30:00Z")
        );
    }

    #[test]
    fn times_and_kinds_are_checked() {
        for bad in ["8", "24:00", "08:60", "08:00:00", "8:5", "", "ab:cd"] {
            assert!(parse_time(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_time("8:05"), NaiveTime::from_hms_opt(8, 5, 0));
        assert!(parse_kinds(&[]).is_none());
        assert!(parse_kinds(&["phish".into()]).is_none());
    }
}
