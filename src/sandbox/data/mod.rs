//! The sandbox's deterministic datasets.
//!
//! Nothing is stored: row *i* of every dataset is computed on demand from `(seed, i)`, so a
//! sandbox with `scale = 100_000` costs no more memory than one with `scale = 500`. Rows are
//! ordered newest first: row *i* was received at `now − i·step − jitter` with
//! `step = span / len` and `jitter < step`, so timestamps strictly decrease with the index and a
//! `[from, to]` window maps to an index range by binary search ([`SandboxData::range`]).
//!
//! | dataset | rows | span |
//! |---|---|---|
//! | held queue | `max(25, scale / 100)` | 14 days |
//! | message tracking (= archive) | `scale` | 30 days |
//! | URL click logs | `scale` | 30 days |
//! | attachment logs | `scale` | 30 days |
//! | impersonation logs | `scale` | 30 days |
//!
//! TTP log rows refer to an older tracked message (same sender, recipient, subject and
//! internet message id), so an investigation can go from a click log to a tracking search.

pub mod archive;
pub mod held;
pub mod rng;
pub mod tracking;
pub mod ttp;
pub mod vocab;

use std::ops::Range;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

pub use archive::ArchiveItem;
pub use held::HeldMessage;
pub use tracking::TrackedEmail;
pub use ttp::{AttachmentLog, ClickLog, ImpersonationLog, ImpersonationResult};

use rng::{Rng, Stream};

const DAY_MS: i64 = 86_400_000;

/// One of the generated datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// The held-message queue (`get-hold-message-list`).
    Held,
    /// Message tracking (`message-finder/search`) and the archive (`archive/search`).
    Tracking,
    /// URL Protect click logs.
    Clicks,
    /// Attachment Protect logs.
    Attachments,
    /// Impersonation Protect logs.
    Impersonation,
}

impl Dataset {
    fn tag(self) -> u64 {
        match self {
            Dataset::Held => 1,
            Dataset::Tracking => 2,
            Dataset::Clicks => 3,
            Dataset::Attachments => 4,
            Dataset::Impersonation => 5,
        }
    }

    fn span_ms(self) -> i64 {
        match self {
            Dataset::Held => 14 * DAY_MS,
            _ => 30 * DAY_MS,
        }
    }
}

/// An address as Mimecast renders it: `{"emailAddress": …, "displayableName": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The SMTP address.
    pub email_address: String,
    /// The display name (may be empty).
    pub displayable_name: String,
}

/// The seeded generator behind every endpoint. Cheap to clone; holds no rows.
#[derive(Debug, Clone)]
pub struct SandboxData {
    seed: u64,
    scale: usize,
    now: DateTime<Utc>,
    now_ms: i64,
    held_len: usize,
}

impl SandboxData {
    /// A generator for `scale` rows per log dataset, anchored at `now` (whole seconds are
    /// recommended; sub-second parts are kept).
    pub fn new(seed: u64, scale: usize, now: DateTime<Utc>) -> Self {
        Self {
            seed,
            scale,
            now,
            now_ms: now.timestamp_millis(),
            held_len: (scale / 100).max(25),
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Rows per log dataset.
    pub fn scale(&self) -> usize {
        self.scale
    }

    /// The instant the data is anchored at ("now" for relative dates and TTP defaults).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The mailbox of the API's own user: non-admin held-list and archive queries see only it.
    pub fn service_user(&self) -> &'static str {
        vocab::SERVICE_USER
    }

    /// Number of rows in a dataset (the held queue before any release or reject).
    pub fn len(&self, dataset: Dataset) -> usize {
        match dataset {
            Dataset::Held => self.held_len,
            _ => self.scale,
        }
    }

    /// True when a dataset has no rows (`scale = 0` empties every dataset but the held queue).
    pub fn is_empty(&self, dataset: Dataset) -> bool {
        self.len(dataset) == 0
    }

    fn time_ms(&self, dataset: Dataset, index: usize) -> i64 {
        let len = self.len(dataset).max(1) as i64;
        let step = (dataset.span_ms() / len).max(1);
        let jitter_cap = (step * 3 / 4).max(1) as u64;
        let jitter = Rng::keyed(
            self.seed,
            (Stream::Jitter as u64) << 8 | dataset.tag(),
            index as u64,
        )
        .below(jitter_cap) as i64;
        self.now_ms - (index as i64).saturating_mul(step) - jitter
    }

    /// The timestamp of row `index`, in whole seconds (what the API shows).
    pub fn time(&self, dataset: Dataset, index: usize) -> DateTime<Utc> {
        let secs = self.time_ms(dataset, index).div_euclid(1000);
        Utc.timestamp_opt(secs, 0).single().unwrap_or(self.now)
    }

    /// The rows whose (whole-second) timestamp lies in `[from, to]`, both ends inclusive and
    /// optional. Rows are newest first, so this is a contiguous index range.
    pub fn range(
        &self,
        dataset: Dataset,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Range<usize> {
        let len = self.len(dataset);
        let secs = |i: usize| self.time_ms(dataset, i).div_euclid(1000);
        let lo = match to {
            Some(to) => partition_point(len, |i| secs(i) > to.timestamp()),
            None => 0,
        };
        let hi = match from {
            Some(from) => partition_point(len, |i| secs(i) >= from.timestamp()),
            None => len,
        };
        lo..hi.max(lo)
    }
}

/// The first index in `0..len` for which `pred` is false, given that `pred` is true on a
/// prefix and false after it.
fn partition_point(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(scale: usize) -> SandboxData {
        SandboxData::new(
            7,
            scale,
            Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap(),
        )
    }

    #[test]
    fn times_strictly_decrease_and_stay_in_the_span() {
        for scale in [1, 10, 500, 5000] {
            let d = data(scale);
            for ds in [Dataset::Held, Dataset::Tracking, Dataset::Clicks] {
                let len = d.len(ds);
                let mut last = i64::MAX;
                for i in 0..len {
                    let t = d.time_ms(ds, i);
                    assert!(
                        t < last,
                        "{ds:?} row {i} not older than row {}",
                        i.max(1) - 1
                    );
                    assert!(t <= d.now_ms && t > d.now_ms - ds.span_ms());
                    last = t;
                }
            }
        }
        assert_eq!(data(0).len(Dataset::Held), 25);
        assert_eq!(data(100_000).len(Dataset::Held), 1000);
        assert!(data(0).is_empty(Dataset::Clicks));
    }

    #[test]
    fn range_matches_a_linear_scan() {
        let d = data(700);
        let now = d.now();
        let windows = [
            (None, None),
            (Some(now - chrono::Duration::days(3)), None),
            (None, Some(now - chrono::Duration::days(20))),
            (
                Some(now - chrono::Duration::days(9)),
                Some(now - chrono::Duration::days(2)),
            ),
            (
                Some(d.time(Dataset::Clicks, 40)),
                Some(d.time(Dataset::Clicks, 40)),
            ),
            (Some(now), Some(now - chrono::Duration::days(1))),
            (Some(now + chrono::Duration::days(1)), None),
        ];
        for (from, to) in windows {
            for ds in [Dataset::Tracking, Dataset::Clicks, Dataset::Held] {
                let want: Vec<usize> = (0..d.len(ds))
                    .filter(|&i| {
                        let t = d.time(ds, i);
                        from.is_none_or(|f| t >= f) && to.is_none_or(|x| t <= x)
                    })
                    .collect();
                let got: Vec<usize> = d.range(ds, from, to).collect();
                assert_eq!(got, want, "{ds:?} {from:?}..{to:?}");
            }
        }
    }
}
