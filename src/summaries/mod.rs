//! Daily summaries: every row of a day's TTP logs, streamed page by page and aggregated as it
//! goes, so memory stays bounded whatever the volume. Impersonation attempts come first.
//!
//! Memory: one page of rows at a time (the stream), plus counters capped at
//! [`counter::MAX_DISTINCT`] keys of at most [`counter::MAX_KEY_BYTES`] bytes each. No row is
//! kept. The previous period (for the change) is streamed too, counting only its totals.

pub mod counter;
pub mod runs;
pub mod schedule;
pub mod scheduler;

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, SubsecRound, Utc};
use futures_util::TryStreamExt;

pub use counter::Counter;

use crate::engine::impersonation::impersonation_type;
use crate::mimecast::{
    AttachmentLogQuery, ImpersonationLogQuery, MimecastClient, MimecastError, UrlLogQuery, Window,
};

/// Rows asked for per page while summarising.
pub const PAGE_SIZE: u32 = 500;

/// Which logs a summary covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    /// Impersonation Protect.
    pub impersonation: bool,
    /// URL Protect.
    pub urls: bool,
    /// Attachment Protect.
    pub attachments: bool,
}

impl Kinds {
    /// Every kind.
    pub const ALL: Kinds = Kinds {
        impersonation: true,
        urls: true,
        attachments: true,
    };
    /// Impersonation Protect only.
    pub const IMPERSONATION: Kinds = Kinds {
        impersonation: true,
        urls: false,
        attachments: false,
    };
    /// URL Protect only.
    pub const URLS: Kinds = Kinds {
        impersonation: false,
        urls: true,
        attachments: false,
    };
    /// Attachment Protect only.
    pub const ATTACHMENTS: Kinds = Kinds {
        impersonation: false,
        urls: false,
        attachments: true,
    };
}

/// The period a summary covers, `[start, end)`: usually one day (UTC, or a day in a schedule's
/// timezone), but any window works (see [`Day::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The calendar date the summary is named after.
    pub date: NaiveDate,
    /// First instant.
    pub start: DateTime<Utc>,
    /// First instant after the period (for a day: the next day's start).
    pub end: DateTime<Utc>,
}

impl Day {
    /// An arbitrary window `[start, end)` named after `date` (an `end` before `start` is
    /// taken as `start`: an empty window).
    pub fn new(date: NaiveDate, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            date,
            start,
            end: end.max(start),
        }
    }

    /// The window `[start, end)`, named after the UTC date of `start`.
    pub fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self::new(start.date_naive(), start, end)
    }

    /// The period of the same length just before this one (for a UTC day: the day before).
    /// Across a daylight-saving change in a schedule's timezone the day before may be an hour
    /// longer or shorter; pass it explicitly to [`build_compared`] then.
    pub fn previous(&self) -> Day {
        let length = self.end - self.start;
        let start = self.start - length;
        let date = self
            .date
            .checked_sub_days(Days::new(1))
            .unwrap_or(self.date);
        Self {
            date,
            start,
            end: self.start,
        }
    }

    /// Whether the window is about one day long (23 to 25 hours, so days of a daylight-saving
    /// change count).
    pub fn is_one_day(&self) -> bool {
        let hours = (self.end - self.start).num_minutes();
        (23 * 60..=25 * 60).contains(&hours)
    }

    /// The UTC day `date`.
    pub fn utc(date: NaiveDate) -> Self {
        let start = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let end = date
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(start, |d| d.and_utc());
        Self { date, start, end }
    }

    /// The query window. Mimecast's `to` is inclusive and in whole seconds: stop one second
    /// before `end`. `None` when the window holds no whole second.
    fn window(&self) -> Option<Window> {
        // Rows carry whole seconds: the first whole second at or after `start`, up to the last
        // whole second before `end`.
        let from = ceil_to_second(self.start);
        let to = ceil_to_second(self.end) - chrono::Duration::seconds(1);
        (to >= from).then_some(Window {
            from: Some(from),
            to: Some(to),
            oldest_first: true,
        })
    }
}

/// `at` rounded up to a whole second.
fn ceil_to_second(at: DateTime<Utc>) -> DateTime<Utc> {
    let down = at.trunc_subsecs(0);
    if down == at {
        at
    } else {
        down + chrono::Duration::seconds(1)
    }
}

/// The headline figures of a period's impersonation attempts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImpersonationTotals {
    /// Attempts.
    pub total: u64,
    /// Attempts whose action stopped the mail.
    pub stopped: u64,
    /// Attempts tagged malicious.
    pub tagged_malicious: u64,
}

/// Impersonation attempts of one day.
#[derive(Debug, Default, Clone)]
pub struct ImpersonationStats {
    /// Attempts.
    pub total: u64,
    /// Attempts per Mimecast action (none, hold, bounce, …).
    pub by_action: BTreeMap<String, u64>,
    /// Attempts whose action stopped the mail (hold, bounce, delete, remove_email).
    pub stopped: u64,
    /// Attempts tagged malicious.
    pub tagged_malicious: u64,
    /// Attempts per derived impersonation type (the combination of identifiers, in words).
    pub by_type: Counter,
    /// Attempts per individual identifier (internal_user_name, newly_observed_domain, …); an
    /// attempt with several identifiers counts once under each.
    pub by_identifier: Counter,
    /// Targeted recipients.
    pub recipients: Counter,
    /// Sender domains.
    pub sender_domains: Counter,
    /// Subjects.
    pub subjects: Counter,
    /// The previous period's figures, for the change; `None` when not compared.
    pub previous: Option<ImpersonationTotals>,
}

impl ImpersonationStats {
    /// This period's headline figures.
    pub fn totals(&self) -> ImpersonationTotals {
        ImpersonationTotals {
            total: self.total,
            stopped: self.stopped,
            tagged_malicious: self.tagged_malicious,
        }
    }
}

/// URL clicks of one day.
#[derive(Debug, Default, Clone)]
pub struct UrlStats {
    /// Clicks.
    pub total: u64,
    /// Clicks on URLs scanned malicious.
    pub malicious: u64,
    /// Clicks blocked.
    pub blocked: u64,
    /// Users who clicked malicious URLs.
    pub malicious_clickers: Counter,
}

/// Attachment scans of one day.
#[derive(Debug, Default, Clone)]
pub struct AttachmentStats {
    /// Scans.
    pub total: u64,
    /// Scans per result (safe, malicious, …).
    pub by_result: BTreeMap<String, u64>,
    /// Senders of malicious or unsafe files.
    pub malicious_senders: Counter,
}

/// The summary of one day.
#[derive(Debug, Clone)]
pub struct DailySummary {
    /// The day.
    pub day: Day,
    /// Impersonation attempts, when asked for.
    pub impersonation: Option<ImpersonationStats>,
    /// URL clicks, when asked for.
    pub urls: Option<UrlStats>,
    /// Attachment scans, when asked for.
    pub attachments: Option<AttachmentStats>,
}

/// Impersonation actions that stop the mail.
pub const STOPPING_ACTIONS: [&str; 4] = ["hold", "bounce", "delete", "remove_email"];

/// Builds the summary of `day` for `kinds`, reading every page of each log. Impersonation
/// attempts are compared with [`Day::previous`].
pub async fn build(
    client: &MimecastClient,
    day: Day,
    kinds: Kinds,
) -> Result<DailySummary, MimecastError> {
    build_compared(client, day, Some(day.previous()), kinds).await
}

/// [`build`], comparing impersonation attempts with `previous` (none when `None`).
pub async fn build_compared(
    client: &MimecastClient,
    day: Day,
    previous: Option<Day>,
    kinds: Kinds,
) -> Result<DailySummary, MimecastError> {
    let impersonation = if kinds.impersonation {
        let mut stats = impersonation(client, day).await?;
        if let Some(previous) = previous {
            stats.previous = Some(impersonation_totals(client, previous).await?);
        }
        Some(stats)
    } else {
        None
    };
    let urls = if kinds.urls {
        Some(urls(client, day).await?)
    } else {
        None
    };
    let attachments = if kinds.attachments {
        Some(attachments(client, day).await?)
    } else {
        None
    };
    Ok(DailySummary {
        day,
        impersonation,
        urls,
        attachments,
    })
}

/// Distinct values kept in [`ImpersonationStats::by_action`] and [`AttachmentStats::by_result`]
/// before the rest are counted under [`counter::OTHER`] (Mimecast has a handful of each).
pub const MAX_ACTIONS: usize = 32;

/// Counts `key` in a small map of at most [`MAX_ACTIONS`] keys (then under `(other)`).
fn count_capped(map: &mut BTreeMap<String, u64>, key: String) {
    if let Some(n) = map.get_mut(&key) {
        *n += 1;
    } else if map.len() < MAX_ACTIONS {
        map.insert(key, 1);
    } else {
        *map.entry(counter::OTHER.into()).or_default() += 1;
    }
}

/// The action as counted: trimmed, lower case, `none` when blank.
fn action_of(raw: &str) -> String {
    let action = counter::clip(raw.trim()).to_lowercase();
    if action.is_empty() {
        "none".into()
    } else {
        action
    }
}

/// The impersonation query for `day`, or `None` when the window is empty.
fn impersonation_query(day: Day) -> Option<ImpersonationLogQuery> {
    Some(ImpersonationLogQuery {
        window: day.window()?,
        ..Default::default()
    })
}

/// Aggregates one day of impersonation logs (without the comparison: see [`build`]).
pub async fn impersonation(
    client: &MimecastClient,
    day: Day,
) -> Result<ImpersonationStats, MimecastError> {
    let mut stats = ImpersonationStats::default();
    let Some(query) = impersonation_query(day) else {
        return Ok(stats);
    };
    let mut rows = Box::pin(client.rows_read_ahead(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        stats.total += 1;
        let action = action_of(&row.action);
        if STOPPING_ACTIONS.contains(&action.as_str()) {
            stats.stopped += 1;
        }
        count_capped(&mut stats.by_action, action);
        if row.tagged_malicious {
            stats.tagged_malicious += 1;
        }
        stats
            .by_type
            .add(&impersonation_type(&row.identifiers, &row.definition));
        // Each identifier once per row, however often the row repeats it.
        for (k, identifier) in row.identifiers.iter().enumerate() {
            if !row.identifiers[..k]
                .iter()
                .any(|seen| seen.trim().eq_ignore_ascii_case(identifier.trim()))
            {
                stats.by_identifier.add(identifier);
            }
        }
        stats.recipients.add(&row.recipient_address);
        stats.sender_domains.add(domain_of(&row.sender_address));
        stats.subjects.add(&row.subject);
    }
    Ok(stats)
}

/// Counts one period's impersonation attempts: totals only, constant memory.
pub async fn impersonation_totals(
    client: &MimecastClient,
    day: Day,
) -> Result<ImpersonationTotals, MimecastError> {
    let mut totals = ImpersonationTotals::default();
    let Some(query) = impersonation_query(day) else {
        return Ok(totals);
    };
    let mut rows = Box::pin(client.rows_read_ahead(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        totals.total += 1;
        if STOPPING_ACTIONS.contains(&action_of(&row.action).as_str()) {
            totals.stopped += 1;
        }
        if row.tagged_malicious {
            totals.tagged_malicious += 1;
        }
    }
    Ok(totals)
}

/// Aggregates one day of URL click logs.
pub async fn urls(client: &MimecastClient, day: Day) -> Result<UrlStats, MimecastError> {
    let mut stats = UrlStats::default();
    let Some(window) = day.window() else {
        return Ok(stats);
    };
    let query = UrlLogQuery {
        window,
        ..Default::default()
    };
    let mut rows = Box::pin(client.rows_read_ahead(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        stats.total += 1;
        if row.scan_result.eq_ignore_ascii_case("malicious") {
            stats.malicious += 1;
            stats.malicious_clickers.add(&row.user_email_address);
        }
        if row.action.eq_ignore_ascii_case("block") {
            stats.blocked += 1;
        }
    }
    Ok(stats)
}

/// Aggregates one day of attachment scan logs.
pub async fn attachments(
    client: &MimecastClient,
    day: Day,
) -> Result<AttachmentStats, MimecastError> {
    let mut stats = AttachmentStats::default();
    let Some(window) = day.window() else {
        return Ok(stats);
    };
    let query = AttachmentLogQuery {
        window,
        ..Default::default()
    };
    let mut rows = Box::pin(client.rows_read_ahead(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        stats.total += 1;
        let result = counter::clip(row.result.trim()).to_lowercase();
        if matches!(result.as_str(), "malicious" | "unsafe") {
            stats.malicious_senders.add(&row.sender_address);
        }
        count_capped(&mut stats.by_result, result);
    }
    Ok(stats)
}

/// The domain part of an address (the whole text when there is no `@`).
pub fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map_or(address, |(_, domain)| domain)
        .trim_end_matches('>')
}
