//! Scheduled daily summaries: day boundaries in the schedule's timezone (including both
//! daylight-saving change days), the config checks, and the scheduler posting to the loopback
//! Discord stand-in exactly once across ticks and a restart, catching up once after downtime,
//! and posting an empty day.

mod common;
mod discord_standin;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use common::{Mode, client, sandbox};
use discord_standin::{CHANNEL_ID, DiscordStandIn, RecordedCall};
use mimecast_bot::approvals::{ManualClock, Store};
use mimecast_bot::config::Config;
use mimecast_bot::discord::{DiscordPoster, DiscordSettings};
use mimecast_bot::sandbox::{SandboxConfig, SandboxHandle};
use mimecast_bot::secret::Secret;
use mimecast_bot::summaries::runs::{RECLAIM_AFTER, RunStore};
use mimecast_bot::summaries::schedule::{Schedule, zoned_day};
use mimecast_bot::summaries::scheduler::{Posted, Scheduler};
use mimecast_bot::summaries::{self, Kinds};
use serde_json::Value;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn schedule(time: &str, timezone: &str) -> Schedule {
    Schedule::parse(
        "soc-morning",
        "discord",
        CHANNEL_ID,
        time,
        timezone,
        &["impersonation".into(), "urls".into(), "attachments".into()],
    )
    .expect("a valid schedule")
}

// ---- time logic ----

#[test]
fn berlin_posts_at_eight_the_summary_of_the_local_day_before() {
    let s = schedule("08:00", "Europe/Berlin");
    let due = s
        .latest_due(at("2024-05-02T06:00:00Z"))
        .expect("a run is due");
    assert_eq!(due.post_at, at("2024-05-02T06:00:00Z"), "08:00 CEST");
    assert_eq!(due.day.date, date(2024, 5, 1));
    assert_eq!(due.day.start, at("2024-04-30T22:00:00Z"));
    assert_eq!(due.day.end, at("2024-05-01T22:00:00Z"));
}

#[test]
fn before_the_post_time_todays_run_is_not_due() {
    let s = schedule("08:00", "Europe/Berlin");
    let due = s
        .latest_due(at("2024-05-02T05:59:59Z"))
        .expect("yesterday's run");
    assert_eq!(due.post_at, at("2024-05-01T06:00:00Z"));
    assert_eq!(
        due.day.date,
        date(2024, 4, 30),
        "still the run posted on May 1"
    );
}

#[test]
fn the_spring_forward_day_in_berlin_is_23_hours() {
    let s = schedule("08:00", "Europe/Berlin");
    let due = s
        .latest_due(at("2024-04-01T06:30:00Z"))
        .expect("a run is due");
    assert_eq!(due.day.date, date(2024, 3, 31));
    assert_eq!(due.day.start, at("2024-03-30T23:00:00Z"), "00:00 CET");
    assert_eq!(due.day.end, at("2024-03-31T22:00:00Z"), "00:00 CEST");
    assert_eq!(due.day.end - due.day.start, TimeDelta::hours(23));
    assert_eq!(due.post_at, at("2024-04-01T06:00:00Z"));
}

#[test]
fn the_fall_back_day_in_berlin_is_25_hours() {
    let s = schedule("08:00", "Europe/Berlin");
    let due = s
        .latest_due(at("2024-10-28T07:00:00Z"))
        .expect("a run is due");
    assert_eq!(due.day.date, date(2024, 10, 27));
    assert_eq!(due.day.start, at("2024-10-26T22:00:00Z"), "00:00 CEST");
    assert_eq!(due.day.end, at("2024-10-27T23:00:00Z"), "00:00 CET");
    assert_eq!(due.day.end - due.day.start, TimeDelta::hours(25));
    assert_eq!(due.post_at, at("2024-10-28T07:00:00Z"), "08:00 CET");
    // A minute earlier it is 07:59 CET: the run posted on Oct 27 is still the latest.
    let before = s
        .latest_due(at("2024-10-28T06:59:00Z"))
        .expect("the day before's run");
    assert_eq!(before.day.date, date(2024, 10, 26));
}

#[test]
fn new_york_days_and_post_times() {
    let s = schedule("07:00", "America/New_York");
    let spring = zoned_day(date(2024, 3, 10), s.timezone).expect("a day");
    assert_eq!(spring.start, at("2024-03-10T05:00:00Z"));
    assert_eq!(spring.end, at("2024-03-11T04:00:00Z"));
    let fall = zoned_day(date(2024, 11, 3), s.timezone).expect("a day");
    assert_eq!(fall.end - fall.start, TimeDelta::hours(25));
    let due = s.latest_due(at("2024-03-11T11:00:00Z")).expect("07:00 EDT");
    assert_eq!(due.day, spring);
    assert_eq!(due.post_at, at("2024-03-11T11:00:00Z"));
    let early = s.latest_due(at("2024-03-11T10:59:00Z")).expect("06:59 EDT");
    assert_eq!(early.day.date, date(2024, 3, 9));
}

#[test]
fn post_times_in_the_gap_or_the_overlap_resolve_forward_and_first() {
    let s = schedule("02:30", "Europe/Berlin");
    // 2024-03-31 02:30 does not exist in Berlin: run at 03:00 CEST, when the gap ends.
    assert_eq!(
        s.run_on(date(2024, 3, 31)).expect("run").post_at,
        at("2024-03-31T01:00:00Z")
    );
    // 2024-10-27 02:30 happens twice: the first time (CEST).
    assert_eq!(
        s.run_on(date(2024, 10, 27)).expect("run").post_at,
        at("2024-10-27T00:30:00Z")
    );
}

// ---- config ----

fn config_with(entry: &str) -> Result<Config, String> {
    Config::parse(&format!("[[schedules]]\n{entry}\n"))
}

const GOOD: &str = "name = \"soc\"\nplatform = \"discord\"\nchannel = \"1180000000000000004\"\ntime = \"08:00\"\ntimezone = \"Europe/Berlin\"";

#[test]
fn a_schedule_is_read_with_all_kinds_by_default() {
    let config = config_with(GOOD).expect("valid");
    let schedules = config.schedules().expect("valid");
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].kinds, Kinds::ALL);
    assert_eq!(schedules[0].timezone.name(), "Europe/Berlin");
    let only = config_with(&format!("{GOOD}\nkinds = [\"urls\"]")).expect("valid");
    let kinds = only.schedules().expect("valid")[0].kinds;
    assert!(kinds.urls && !kinds.impersonation && !kinds.attachments);
}

#[test]
fn a_slack_schedule_names_a_slack_channel() {
    let slack = GOOD
        .replace("\"discord\"", "\"slack\"")
        .replace("1180000000000000004", "C0123456789");
    let schedules = config_with(&slack)
        .expect("valid")
        .schedules()
        .expect("valid");
    assert_eq!(
        schedules[0].platform,
        mimecast_bot::approvals::Platform::Slack
    );
    assert_eq!(schedules[0].channel, "C0123456789");
    let lower = slack.replace("C0123456789", "c0123456789");
    let err = config_with(&lower).expect_err("lower case");
    assert!(
        err.contains("C0123456789"),
        "says what an id looks like: {err}"
    );
}

#[test]
fn invalid_schedules_are_refused_naming_the_schedule() {
    let cases = [
        (GOOD.replace("Europe/Berlin", "Europe/Atlantis"), "timezone"),
        (GOOD.replace("08:00", "8am"), "time"),
        (GOOD.replace("08:00", "24:00"), "time"),
        (GOOD.replace("\"discord\"", "\"teams\""), "not supported"),
        // A Discord snowflake is not a Slack channel id.
        (GOOD.replace("\"discord\"", "\"slack\""), "Slack channel id"),
        (GOOD.replace("1180000000000000004", "general"), "channel"),
        (format!("{GOOD}\nkinds = [\"phishing\"]"), "kinds"),
        (format!("{GOOD}\nkinds = []"), "kinds"),
    ];
    for (entry, needle) in cases {
        let err = config_with(&entry).expect_err(&entry);
        assert!(err.contains("\"soc\""), "names the schedule: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let twice = Config::parse(&format!("[[schedules]]\n{GOOD}\n[[schedules]]\n{GOOD}\n"))
        .expect_err("duplicate");
    assert!(
        twice.contains("\"soc\"") && twice.contains("another schedule"),
        "{twice}"
    );
    let typo = config_with(&format!("{GOOD}\ntimzone = \"UTC\"")).expect_err("unknown key");
    assert!(typo.contains("timzone"), "{typo}");
    let missing = config_with("name = \"soc\"").expect_err("missing fields");
    assert!(missing.contains("platform"), "{missing}");
}

// ---- the scheduler against the sandbox and the Discord stand-in ----

/// The sandbox's data ends here and covers the 30 days before.
const SANDBOX_NOW: &str = "2024-05-02T12:00:00Z";

/// A temporary SQLite file, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(
            std::env::temp_dir().join(format!("mimecast-bot-schedule-{}.db", uuid::Uuid::new_v4())),
        )
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

struct World {
    sb: SandboxHandle,
    standin: DiscordStandIn,
    clock: ManualClock,
    db: TempDb,
}

impl World {
    async fn new(clock_at: &str) -> Self {
        Self {
            sb: sandbox(SandboxConfig {
                now: at(SANDBOX_NOW),
                ..SandboxConfig::default()
            })
            .await,
            standin: DiscordStandIn::start().await,
            clock: ManualClock::new(at(clock_at)),
            db: TempDb::new(),
        }
    }

    /// A scheduler as `mimecast-bot run` builds it, with a fresh handle on the runs file (a
    /// new process, as far as the store is concerned).
    async fn scheduler(&self) -> Scheduler {
        let runs = RunStore::open(self.db.path()).await.expect("runs store");
        let http = DiscordSettings {
            token: Secret::new("test-token"),
            api_url: Some(self.standin.rest_url()),
            guild_id: None,
        }
        .http();
        Scheduler::new(
            vec![schedule("08:00", "Europe/Berlin")],
            runs,
            client(&self.sb, Mode::OAuth2),
            vec![Arc::new(DiscordPoster::new(Arc::new(http)))],
            Arc::new(self.clock.clone()),
        )
    }

    fn posts(&self) -> Vec<RecordedCall> {
        let path = format!("/api/v10/channels/{CHANNEL_ID}/messages");
        self.standin
            .requests()
            .into_iter()
            .filter(|c| c.is("POST", &path) && c.status == 200)
            .collect()
    }
}

fn embed_text(call: &RecordedCall, key: &str) -> String {
    call.json
        .pointer(&format!("/embeds/0/{key}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Ticks at most `limit` times and returns every post.
async fn tick_n(scheduler: &Scheduler, limit: usize) -> Vec<Posted> {
    let mut all = Vec::new();
    for _ in 0..limit {
        let posted = tokio::time::timeout(Duration::from_secs(30), scheduler.tick())
            .await
            .expect("a tick finishes");
        all.extend(posted);
    }
    all
}

#[tokio::test]
async fn a_schedule_posts_the_days_summary_once_across_ticks_and_a_restart() {
    // 08:00 CEST on May 2: the summary of May 1 (Berlin) is due.
    let world = World::new("2024-05-02T06:00:10Z").await;
    // The approvals store shares the file.
    let approvals = Store::open(world.db.path()).await.expect("approvals store");

    let scheduler = world.scheduler().await;
    let posted = tick_n(&scheduler, 2).await;
    assert_eq!(
        posted,
        vec![Posted {
            schedule: "soc-morning".into(),
            day: date(2024, 5, 1),
            late: false
        }]
    );
    let posts = world.posts();
    assert_eq!(posts.len(), 1, "two ticks, one post");
    // Markdown is escaped in titles: drop the backslashes.
    assert_eq!(
        embed_text(&posts[0], "title").replace('\\', ""),
        "Daily summary for 2024-05-01 (Europe/Berlin)"
    );

    // The numbers are those of the Berlin day, counted independently.
    let day = zoned_day(
        date(2024, 5, 1),
        schedule("08:00", "Europe/Berlin").timezone,
    )
    .expect("a day");
    let expected = summaries::impersonation(&client(&world.sb, Mode::OAuth2), day)
        .await
        .expect("impersonation stats");
    assert!(expected.total > 0, "the sandbox has attempts that day");
    let description = embed_text(&posts[0], "description");
    assert!(
        description.starts_with(&format!("{} impersonation attempts", expected.total)),
        "{description}"
    );
    assert!(!description.contains("late"), "{description}");

    // Restart: a new scheduler over a reopened file, later the same morning.
    drop(scheduler);
    world.clock.advance(TimeDelta::hours(2));
    let restarted = world.scheduler().await;
    assert!(tick_n(&restarted, 2).await.is_empty());
    assert_eq!(world.posts().len(), 1, "still one post after the restart");

    // Before the next morning's post time: nothing.
    world.clock.set(at("2024-05-03T05:59:00Z"));
    assert!(tick_n(&restarted, 1).await.is_empty());
    // At it: the next day, once.
    world.clock.set(at("2024-05-03T06:00:00Z"));
    let next = tick_n(&restarted, 2).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].day, date(2024, 5, 2));
    assert_eq!(world.posts().len(), 2);
    drop(approvals);
}

#[tokio::test]
async fn after_downtime_only_the_latest_missed_day_is_posted_once_and_marked_late() {
    let world = World::new("2024-04-20T06:00:00Z").await;
    let scheduler = world.scheduler().await;
    assert_eq!(tick_n(&scheduler, 1).await.len(), 1, "April 19 on time");

    // Down from before 08:00 on April 21 until 11:30 on April 23: two posts were missed.
    world.clock.set(at("2024-04-23T09:30:00Z"));
    let restarted = world.scheduler().await;
    let posted = tick_n(&restarted, 3).await;
    assert_eq!(
        posted,
        vec![Posted {
            schedule: "soc-morning".into(),
            day: date(2024, 4, 22),
            late: true
        }],
        "one catch-up post, for the latest day only"
    );
    let posts = world.posts();
    assert_eq!(posts.len(), 2);
    let description = embed_text(&posts[1], "description");
    assert!(
        description.contains("late: posted at 2024-04-23 11:30 CEST")
            && description.contains("2024-04-23 08:00 CEST"),
        "{description}"
    );
}

#[tokio::test]
async fn an_empty_day_posts_zero_attempts() {
    // March 1 is weeks before the sandbox's 30 days of data.
    let world = World::new("2024-03-02T07:00:00Z").await;
    let scheduler = world.scheduler().await;
    let posted = tick_n(&scheduler, 1).await;
    assert_eq!(posted.len(), 1, "posted, no error");
    assert_eq!(posted[0].day, date(2024, 3, 1));
    let posts = world.posts();
    assert_eq!(posts.len(), 1);
    let description = embed_text(&posts[0], "description");
    assert!(
        description.starts_with("0 impersonation attempts"),
        "{description}"
    );
}

#[tokio::test]
async fn a_failed_post_is_retried_once_the_claim_is_stale() {
    let world = World::new("2024-05-02T06:00:00Z").await;
    let path = format!("/api/v10/channels/{CHANNEL_ID}/messages");
    world.standin.fail_next(
        "POST",
        &path,
        403,
        serde_json::json!({"code": 50013, "message": "Missing Permissions"}),
    );
    let scheduler = world.scheduler().await;
    assert!(
        tick_n(&scheduler, 2).await.is_empty(),
        "refused, then claimed"
    );
    assert!(world.posts().is_empty());
    world.clock.advance(RECLAIM_AFTER);
    let posted = tick_n(&scheduler, 2).await;
    assert_eq!(posted.len(), 1, "retried once the claim went stale");
    assert_eq!(world.posts().len(), 1);
}

#[tokio::test]
async fn two_processes_on_one_file_post_once() {
    let world = World::new("2024-05-02T06:00:00Z").await;
    let (a, b) = (world.scheduler().await, world.scheduler().await);
    let (from_a, from_b) = tokio::time::timeout(Duration::from_secs(60), async {
        tokio::join!(a.tick(), b.tick())
    })
    .await
    .expect("both ticks finish");
    assert_eq!(from_a.len() + from_b.len(), 1, "one of them posted");
    assert_eq!(world.posts().len(), 1);
}
