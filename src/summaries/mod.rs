//! Daily summaries: every row of a day's TTP logs, streamed page by page and aggregated as it
//! goes, so memory stays bounded whatever the volume. Impersonation attempts come first.

pub mod counter;

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
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
}

/// One UTC day, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The calendar date.
    pub date: NaiveDate,
    /// First instant.
    pub start: DateTime<Utc>,
    /// First instant of the next day.
    pub end: DateTime<Utc>,
}

impl Day {
    /// The UTC day `date`.
    pub fn utc(date: NaiveDate) -> Self {
        let start = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let end = date
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(start, |d| d.and_utc());
        Self { date, start, end }
    }

    fn window(&self) -> Window {
        // Mimecast's `to` is inclusive: stop one second before the next day.
        Window {
            from: Some(self.start),
            to: Some(self.end - chrono::Duration::seconds(1)),
            oldest_first: true,
        }
    }
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
    /// Attempts per derived impersonation type.
    pub by_type: Counter,
    /// Targeted recipients.
    pub recipients: Counter,
    /// Sender domains.
    pub sender_domains: Counter,
    /// Subjects.
    pub subjects: Counter,
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

/// Builds the summary of `day` for `kinds`, reading every page of each log.
pub async fn build(
    client: &MimecastClient,
    day: Day,
    kinds: Kinds,
) -> Result<DailySummary, MimecastError> {
    let impersonation = if kinds.impersonation {
        Some(impersonation(client, day).await?)
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

/// Aggregates one day of impersonation logs.
pub async fn impersonation(
    client: &MimecastClient,
    day: Day,
) -> Result<ImpersonationStats, MimecastError> {
    let mut stats = ImpersonationStats::default();
    let query = ImpersonationLogQuery {
        window: day.window(),
        ..Default::default()
    };
    let mut rows = Box::pin(client.rows(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        stats.total += 1;
        let action = row.action.trim().to_lowercase();
        if STOPPING_ACTIONS.contains(&action.as_str()) {
            stats.stopped += 1;
        }
        *stats
            .by_action
            .entry(if action.is_empty() {
                "none".into()
            } else {
                action
            })
            .or_default() += 1;
        if row.tagged_malicious {
            stats.tagged_malicious += 1;
        }
        stats
            .by_type
            .add(&impersonation_type(&row.identifiers, &row.definition));
        stats.recipients.add(&row.recipient_address);
        stats.sender_domains.add(domain_of(&row.sender_address));
        stats.subjects.add(&row.subject);
    }
    Ok(stats)
}

/// Aggregates one day of URL click logs.
pub async fn urls(client: &MimecastClient, day: Day) -> Result<UrlStats, MimecastError> {
    let mut stats = UrlStats::default();
    let query = UrlLogQuery {
        window: day.window(),
        ..Default::default()
    };
    let mut rows = Box::pin(client.rows(query, PAGE_SIZE));
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
    let query = AttachmentLogQuery {
        window: day.window(),
        ..Default::default()
    };
    let mut rows = Box::pin(client.rows(query, PAGE_SIZE));
    while let Some(row) = rows.try_next().await? {
        stats.total += 1;
        let result = row.result.trim().to_lowercase();
        if matches!(result.as_str(), "malicious" | "unsafe") {
            stats.malicious_senders.add(&row.sender_address);
        }
        *stats.by_result.entry(result).or_default() += 1;
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
