//! Which scheduled summaries were posted: table `summary_runs` in the same SQLite file as the
//! approvals store, so a restart (or a second process on the same file) never posts twice.
//!
//! A run is claimed before its summary is built: `INSERT … ON CONFLICT` either inserts the row
//! or takes over a stale claim, and one row changed means this process owns the post. After
//! the post succeeds the row is marked posted and is never claimed again.
//!
//! A claim whose post never completed (the summary or the post failed, or the process died in
//! between) becomes claimable again [`RECLAIM_AFTER`] after it was made, so a failure is
//! retried on a later tick, at most once per that interval. The one case that can post twice
//! is a post that reached the channel but whose success was never recorded.
//!
//! Like the approvals store: WAL journal, [`crate::approvals::store::BUSY_TIMEOUT`], every
//! call on tokio's blocking pool, times as fixed-width RFC 3339 text in UTC.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::approvals::store::BUSY_TIMEOUT;

/// How long an unposted claim blocks others before it may be claimed again.
pub const RECLAIM_AFTER: TimeDelta = TimeDelta::minutes(10);

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS summary_runs (
    schedule   TEXT NOT NULL,
    day        TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    posted_at  TEXT,
    late       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (schedule, day)
)";

/// The runs table failed.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// SQLite refused.
    #[error("summary runs store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking task did not finish.
    #[error("summary runs store task failed: {0}")]
    Task(String),
}

/// One stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The schedule's name.
    pub schedule: String,
    /// The local day summarised.
    pub day: NaiveDate,
    /// When it was (last) claimed.
    pub claimed_at: DateTime<Utc>,
    /// When the post succeeded.
    pub posted_at: Option<DateTime<Utc>>,
    /// Whether it was posted late.
    pub late: bool,
}

/// A handle to the runs table; cheap to clone.
#[derive(Clone)]
pub struct RunStore {
    conn: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for RunStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl RunStore {
    /// Opens (creating if needed) the file at `path` and the table in it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, RunsError> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(path = %path.display(), journal_mode = %mode, "the summary runs store could not use WAL mode");
            }
            Self::finish(conn, Some(path))
        })
        .await
        .map_err(|e| RunsError::Task(e.to_string()))?
    }

    /// A store in memory (tests).
    pub fn open_in_memory() -> Result<Self, RunsError> {
        Self::finish(Connection::open_in_memory()?, None)
    }

    fn finish(conn: Connection, path: Option<PathBuf>) -> Result<Self, RunsError> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    async fn call<T, F>(&self, f: F) -> Result<T, RunsError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, RunsError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&conn)
        })
        .await
        .map_err(|e| RunsError::Task(e.to_string()))?
    }

    /// Claims the run of `schedule` for `day` at `now`: true when this caller now owns it
    /// (new, or an unposted claim older than [`RECLAIM_AFTER`]); false when it was posted or
    /// someone else's claim is still fresh.
    pub async fn claim(
        &self,
        schedule: &str,
        day: NaiveDate,
        now: DateTime<Utc>,
        late: bool,
    ) -> Result<bool, RunsError> {
        let (schedule, day) = (schedule.to_owned(), day.to_string());
        let stale_before = stamp(now - RECLAIM_AFTER);
        let now = stamp(now);
        self.call(move |conn| {
            let changed = conn.execute(
                "INSERT INTO summary_runs (schedule, day, claimed_at, posted_at, late)
                 VALUES (?1, ?2, ?3, NULL, ?4)
                 ON CONFLICT (schedule, day) DO UPDATE
                    SET claimed_at = excluded.claimed_at, late = excluded.late
                    WHERE summary_runs.posted_at IS NULL AND summary_runs.claimed_at <= ?5",
                params![schedule, day, now, late, stale_before],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    /// Records that the run was posted.
    pub async fn mark_posted(
        &self,
        schedule: &str,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), RunsError> {
        let (schedule, day, now) = (schedule.to_owned(), day.to_string(), stamp(now));
        self.call(move |conn| {
            conn.execute(
                "UPDATE summary_runs SET posted_at = ?3 WHERE schedule = ?1 AND day = ?2",
                params![schedule, day, now],
            )?;
            Ok(())
        })
        .await
    }

    /// The stored run of `schedule` for `day`, if any.
    pub async fn get(
        &self,
        schedule: &str,
        day: NaiveDate,
    ) -> Result<Option<RunRecord>, RunsError> {
        let (name, day_text) = (schedule.to_owned(), day.to_string());
        self.call(move |conn| {
            let row = conn
                .query_row(
                    "SELECT claimed_at, posted_at, late FROM summary_runs
                     WHERE schedule = ?1 AND day = ?2",
                    params![name, day_text],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, Option<String>>(1)?,
                            row.get::<_, bool>(2)?,
                        ))
                    },
                )
                .optional()?;
            Ok(row.and_then(|(claimed, posted, late)| {
                Some(RunRecord {
                    schedule: name,
                    day,
                    claimed_at: DateTime::parse_from_rfc3339(&claimed).ok()?.to_utc(),
                    posted_at: posted
                        .and_then(|p| DateTime::parse_from_rfc3339(&p).ok())
                        .map(|p| p.to_utc()),
                    late,
                })
            }))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    #[tokio::test]
    async fn a_run_is_claimed_once_and_a_stale_unposted_claim_again() {
        let runs = RunStore::open_in_memory().expect("store");
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).expect("day");
        let t0 = at("2024-05-02T06:00:00Z");
        assert!(runs.claim("s", day, t0, false).await.expect("claim"));
        assert!(!runs.claim("s", day, t0, false).await.expect("claim"));
        let soon = t0 + TimeDelta::minutes(5);
        assert!(
            !runs
                .claim("s", day, soon, false)
                .await
                .expect("fresh claim")
        );
        let later = t0 + RECLAIM_AFTER;
        assert!(runs.claim("s", day, later, true).await.expect("stale"));
        runs.mark_posted("s", day, later).await.expect("posted");
        let much_later = later + TimeDelta::hours(5);
        assert!(
            !runs
                .claim("s", day, much_later, false)
                .await
                .expect("posted")
        );
        let record = runs.get("s", day).await.expect("get").expect("row");
        assert_eq!(record.posted_at, Some(later));
        assert!(record.late);
        assert!(runs.claim("other", day, t0, false).await.expect("other"));
    }
}
