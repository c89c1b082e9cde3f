//! Posts each schedule's daily summary once: every [`TICK`], for each schedule, the most recent
//! run whose post time has passed is claimed in the [`RunStore`], built and posted.
//!
//! - A run first seen more than [`LATE_AFTER`] past its post time (the bot was not running, or
//!   could not post) is still posted once, with a "late" note before its headline.
//! - Only the most recent run is caught up: after days of downtime, one post, not a flood.
//! - A failed build or post leaves the claim unposted; it is retried once the claim is stale
//!   (see [`super::runs::RECLAIM_AFTER`]), as long as the run is still the most recent.
//! - A schedule that has never posted posts its most recent run at the first tick (late when
//!   its post time was more than [`LATE_AFTER`] ago).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::runs::{RunStore, RunsError};
use super::schedule::{Due, Schedule, zoned_day};
use crate::approvals::{Clock, Platform};
use crate::chat::PostFuture;
use crate::engine::reply::Reply;
use crate::engine::summary::to_reply;
use crate::mimecast::{MimecastClient, MimecastError};
use crate::ops::metrics::{SummaryOutcome, metrics};

/// How often the scheduler looks for due runs.
pub const TICK: Duration = Duration::from_secs(30);

/// A run first seen later than this after its post time is posted with a "late" note.
pub const LATE_AFTER: TimeDelta = TimeDelta::minutes(15);

/// Sends a summary to a channel of one platform.
pub trait SummaryPoster: Send + Sync {
    /// The platform it posts to.
    fn platform(&self) -> Platform;
    /// Posts `reply` to `channel`; the error is one line for the log.
    fn post<'a>(&'a self, channel: &'a str, reply: &'a Reply) -> PostFuture<'a>;
}

/// One summary posted by a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The schedule.
    pub schedule: String,
    /// The local day summarised.
    pub day: NaiveDate,
    /// Whether it went out late.
    pub late: bool,
}

/// Why one schedule's run was not posted this tick.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The runs store failed.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// Mimecast failed while building the summary.
    #[error("building the summary failed: {}", .0.user_message())]
    Mimecast(#[from] MimecastError),
    /// The channel refused the post.
    #[error("posting the summary failed: {0}")]
    Post(String),
}

/// The daily summaries of the configured schedules.
pub struct Scheduler {
    schedules: Vec<Schedule>,
    runs: RunStore,
    client: MimecastClient,
    posters: Vec<Arc<dyn SummaryPoster>>,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    /// A scheduler over `schedules`, storing runs in `runs`, reading Mimecast with `client`,
    /// posting through the poster of each schedule's platform, telling time by `clock`.
    pub fn new(
        schedules: Vec<Schedule>,
        runs: RunStore,
        client: MimecastClient,
        posters: Vec<Arc<dyn SummaryPoster>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            schedules,
            runs,
            client,
            posters,
            clock,
        }
    }

    /// The platforms some schedule posts to but no poster serves (check before running).
    pub fn unserved_platforms(&self) -> Vec<Platform> {
        let mut missing: Vec<Platform> = self
            .schedules
            .iter()
            .map(|s| s.platform)
            .filter(|p| !self.posters.iter().any(|poster| poster.platform() == *p))
            .collect();
        missing.dedup();
        missing
    }

    /// The schedules.
    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// Posts every schedule's most recent due run that nobody has claimed yet. Failures are
    /// logged and retried on a later tick.
    pub async fn tick(&self) -> Vec<Posted> {
        let mut posted = Vec::new();
        for schedule in &self.schedules {
            match self.run_schedule(schedule).await {
                Ok(Some(p)) => {
                    metrics().summary_run(SummaryOutcome::Posted);
                    posted.push(p);
                }
                Ok(None) => {}
                Err(e) => {
                    metrics().summary_run(SummaryOutcome::Failed);
                    tracing::warn!(schedule = %schedule.name, error = %e, "scheduled summary not posted")
                }
            }
        }
        posted
    }

    /// Ticks every [`TICK`] until the task is dropped or aborted.
    pub async fn run_forever(self) {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            for p in self.tick().await {
                tracing::info!(schedule = %p.schedule, day = %p.day, late = p.late, "posted the daily summary");
            }
        }
    }

    async fn run_schedule(&self, schedule: &Schedule) -> Result<Option<Posted>, SchedulerError> {
        let now = self.clock.now();
        let Some(due) = schedule.latest_due(now) else {
            return Ok(None);
        };
        let late = now - due.post_at > LATE_AFTER;
        if !self
            .runs
            .claim(&schedule.name, due.day.date, now, late)
            .await?
        {
            return Ok(None);
        }
        // The change is against the previous local day (23 or 25 hours around a DST change).
        let previous = due
            .day
            .date
            .pred_opt()
            .and_then(|d| zoned_day(d, schedule.timezone));
        let summary =
            super::build_compared(&self.client, due.day, previous, schedule.kinds).await?;
        let mut reply = to_reply(&summary);
        reply.title = format!(
            "Daily summary for {} ({})",
            due.day.date,
            schedule.timezone.name()
        );
        if late {
            reply.summary = format!("{} {}", late_note(schedule, &due, now), reply.summary);
        }
        let poster = self
            .posters
            .iter()
            .find(|p| p.platform() == schedule.platform)
            .ok_or_else(|| {
                SchedulerError::Post(format!("no {} adapter is running", schedule.platform))
            })?;
        poster
            .post(&schedule.channel, &reply)
            .await
            .map_err(SchedulerError::Post)?;
        self.runs
            .mark_posted(&schedule.name, due.day.date, self.clock.now())
            .await?;
        Ok(Some(Posted {
            schedule: schedule.name.clone(),
            day: due.day.date,
            late,
        }))
    }
}

/// "late: posted at … because the bot was not running or could not post at …", in the
/// schedule's timezone.
fn late_note(schedule: &Schedule, due: &Due, now: DateTime<Utc>) -> String {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&schedule.timezone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    format!(
        "(late: posted at {} because the bot was down or could not post at {})",
        local(now),
        local(due.post_at)
    )
}
