//! The Slack adapter end to end: its real HTTP endpoints (signed as Slack signs), the Mimecast
//! sandbox, and a loopback Slack (tests/slack_standin) recording Web API calls and
//! response_url answers. Commands are acknowledged and then answered through the
//! response_url; forged, stale and replayed requests are refused; a release request is posted
//! with chat.postMessage, a non-approver is told privately, a lead's approval releases exactly
//! once and chat.update rewrites the request; expiry and scheduled summaries use the same API.

mod common;
mod slack_standin;

use std::sync::Arc;
use std::time::Duration;

use common::{Mode, client, sandbox, served};
use mimecast_bot::approvals::{ApprovalPolicy, Approvals, ManualClock, Policies, RoleSet, Store};
use mimecast_bot::bot::Bot;
use mimecast_bot::chat::{self, RequestMessages};
use mimecast_bot::engine::Engine;
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::engine::reply::{Reply, Severity};
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxHandle};
use mimecast_bot::secret::Secret;
use mimecast_bot::slack::{self, SlackMessages, SlackPoster, SlackSettings};
use mimecast_bot::summaries::scheduler::SummaryPoster;
use serde_json::Value;
use slack_standin::{
    BOT_TOKEN, Call, SIGNING_SECRET, SlackStandIn, button_press, signed, slash_command,
};

const SOC_GROUP: &str = "S0SOC";
const LEAD_GROUP: &str = "S0LEADS";
const ANALYST: &str = "U0ANALYST";
const LEAD: &str = "U0LEAD";
const CHANNEL: &str = "C0SOCALERTS";
const WAIT: Duration = Duration::from_secs(20);

fn policies() -> Policies {
    Policies {
        slack: ApprovalPolicy {
            requesters: RoleSet::roles([SOC_GROUP, LEAD_GROUP]),
            approvers: RoleSet::roles([LEAD_GROUP]),
            allow_self_approval: false,
        },
        ..Policies::default()
    }
}

fn settings(standin: &SlackStandIn) -> SlackSettings {
    SlackSettings {
        signing_secret: Secret::new(SIGNING_SECRET),
        bot_token: Secret::new(BOT_TOKEN),
        api_url: standin.api_url(),
        listen: "127.0.0.1:0".parse().expect("addr"),
    }
}

/// The bot's Slack endpoints on a loopback port; the base URL and the bot.
struct World {
    sb: SandboxHandle,
    standin: SlackStandIn,
    bot: Bot,
    base: String,
    http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl World {
    async fn start(clock: Option<ManualClock>) -> Self {
        let sb = sandbox(SandboxConfig::default()).await;
        let standin = SlackStandIn::start(&[(SOC_GROUP, &[ANALYST]), (LEAD_GROUP, &[LEAD])]).await;
        let mut approvals = Approvals::new(Store::open_in_memory().expect("store"), policies());
        if let Some(clock) = clock {
            approvals = approvals.with_clock(clock);
        }
        let bot = Bot::new(
            Engine::new(client(&sb, Mode::OAuth2)).with_page_size(5),
            approvals,
        );
        let settings = settings(&standin);
        let web = slack::web_api(&settings).expect("web api");
        let router = slack::router(&settings, web, bot.clone(), &policies());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = slack::serve(listener, router, std::future::pending()).await;
        });
        Self {
            sb,
            standin,
            bot,
            base,
            http: reqwest::Client::new(),
            server,
        }
    }

    /// POSTs `body` to `path` signed at `timestamp` (or with the given signature).
    async fn post(
        &self,
        path: &str,
        body: &str,
        timestamp: i64,
        signature: Option<&str>,
    ) -> (u16, String) {
        let (ts, good) = signed(body, timestamp);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", signature.unwrap_or(&good))
            .body(body.to_owned())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("the bot answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn command(&self, text: &str, user: &str, hook: &str) -> (u16, String) {
        let body = slash_command(text, user, CHANNEL, &self.standin.response_url(hook));
        self.post("/slack/commands", &body, now(), None).await
    }

    async fn press(&self, user: &str, action_id: &str, ts: &str, hook: &str) -> (u16, String) {
        let body = button_press(
            user,
            action_id,
            action_id,
            CHANNEL,
            ts,
            &self.standin.response_url(hook),
        );
        self.post("/slack/interactions", &body, now(), None).await
    }

    async fn answer(&self, what: &str, pred: impl Fn(&Call) -> bool) -> Call {
        self.standin.wait_for(WAIT, pred).await.unwrap_or_else(|| {
            panic!(
                "no {what} within {WAIT:?}; calls: {:#?}",
                self.standin.calls()
            )
        })
    }

    async fn stop(self) {
        self.server.abort();
        self.standin.shutdown().await;
        self.sb.shutdown().await;
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn hook(id: &'static str) -> impl Fn(&Call) -> bool {
    move |c: &Call| c.method == "response_url" && c.hook.as_deref() == Some(id)
}

/// Every text of a Block Kit message, joined.
fn block_text(message: &Value) -> String {
    let mut out = String::new();
    collect_text(message, &mut out);
    out
}

fn collect_text(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "text" && v.is_string() {
                    out.push_str(v.as_str().unwrap_or_default());
                    out.push('\n');
                } else {
                    collect_text(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// The action ids of every button in a message.
fn action_ids(message: &Value) -> Vec<String> {
    message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["action_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_signed_command_is_acknowledged_then_answered_through_the_response_url() {
    let world = World::start(None).await;
    // The held list answers slowly: the acknowledgement must not wait for it.
    world.sb.inject(Fault {
        kind: FaultKind::Slow { delay_ms: 1500 },
        path: Some("/api/gateway/get-hold-message-list".into()),
        times: Some(1),
    });
    let (status, body) = world.command("messages held --admin", ANALYST, "h1").await;
    assert_eq!(status, 200);
    assert!(body.is_empty(), "a plain acknowledgement, got {body:?}");
    assert!(
        world.standin.calls_of("response_url").is_empty(),
        "answered after the acknowledgement, not before"
    );
    let answer = world.answer("held answer", hook("h1")).await;
    let json = &answer.json;
    assert_eq!(json["response_type"], "in_channel");
    assert_eq!(json["unfurl_links"], false);
    assert_eq!(json["unfurl_media"], false);
    assert!(
        answer.auth.is_none(),
        "the bot token never goes to a response_url"
    );
    let blocks = json["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    // Senders are Mimecast data: defanged, never a live address.
    let first = world.sb.data().held_message(0);
    let text = block_text(json);
    assert!(
        !text.contains(&first.from_header.email_address),
        "raw sender in {text}"
    );
    assert!(
        text.contains("[@]") || text.contains("[.]"),
        "defanged data in {text}"
    );
    assert_eq!(
        served(&world.sb, "/api/gateway/get-hold-message-list").len(),
        1
    );
    world.stop().await;
}

#[tokio::test]
async fn bad_input_is_answered_privately_in_the_acknowledgement() {
    let world = World::start(None).await;
    let (status, body) = world.command("messages search --from", ANALYST, "h2").await;
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).expect("JSON acknowledgement");
    assert_eq!(json["response_type"], "ephemeral");
    assert!(block_text(&json).contains("--from"), "{json}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        world.sb.requests().is_empty(),
        "bad input never reaches Mimecast"
    );
    world.stop().await;
}

#[tokio::test]
async fn forged_stale_and_replayed_requests_are_refused() {
    let world = World::start(None).await;
    let body = slash_command(
        "messages held --admin",
        ANALYST,
        CHANNEL,
        &world.standin.response_url("x"),
    );
    // Another secret's signature.
    let forged = mimecast_bot::slack::signature::Verifier::new(Secret::new("not-the-secret"))
        .sign(now(), body.as_bytes());
    assert_eq!(
        world
            .post("/slack/commands", &body, now(), Some(&forged))
            .await
            .0,
        401
    );
    // A body changed after signing.
    let (_, good) = signed(&body, now());
    let tampered = body.replace("held", "search");
    assert_eq!(
        world
            .post("/slack/commands", &tampered, now(), Some(&good))
            .await
            .0,
        401
    );
    // Six minutes old.
    assert_eq!(
        world
            .post("/slack/commands", &body, now() - 360, None)
            .await
            .0,
        401
    );
    // No signature at all.
    let response = world
        .http
        .post(format!("{}/slack/commands", world.base))
        .body(body.clone())
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 401);
    // Accepted once, refused when sent again.
    let at = now();
    assert_eq!(world.post("/slack/commands", &body, at, None).await.0, 200);
    assert_eq!(world.post("/slack/commands", &body, at, None).await.0, 401);
    // Interactions are checked the same way.
    let press = button_press(
        LEAD,
        "approve:AAAAAAAAAAAA",
        "v",
        CHANNEL,
        "1.2",
        &world.standin.response_url("y"),
    );
    assert_eq!(
        world
            .post("/slack/interactions", &press, now() - 400, None)
            .await
            .0,
        401
    );
    world.answer("the one accepted command", hook("x")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        served(&world.sb, "/api/gateway/get-hold-message-list").len(),
        1,
        "only the accepted request reached Mimecast"
    );
    assert!(
        world
            .standin
            .calls()
            .iter()
            .all(|c| c.hook.as_deref() != Some("y"))
    );
    world.stop().await;
}

#[tokio::test]
async fn release_needs_a_lead_and_runs_once_and_the_message_is_updated() {
    let world = World::start(None).await;
    let reference = short_ref(&world.sb.data().held_message(0).id);
    let (status, _) = world
        .command(&format!("messages release {reference}"), ANALYST, "req")
        .await;
    assert_eq!(status, 200);
    let posted = world
        .answer("the request via chat.postMessage", |c| {
            c.method == "chat.postMessage"
        })
        .await;
    assert_eq!(posted.auth.as_deref(), Some("Bearer xoxb-test-token"));
    assert_eq!(posted.json["channel"], CHANNEL);
    assert_eq!(posted.json["unfurl_links"], false);
    let buttons = action_ids(&posted.json);
    let approve = buttons
        .iter()
        .find(|id| id.starts_with("approve:"))
        .expect("an Approve button")
        .clone();
    assert!(
        buttons.iter().any(|id| id.starts_with("deny:")),
        "{buttons:?}"
    );
    // Recorded for later updates (expiry).
    let request = approve.trim_start_matches("approve:").to_owned();
    let mut recorded = None;
    for _ in 0..100 {
        if let Some(action) = world.bot.approvals().get(&request).await.expect("get")
            && action.chat_ref.is_some()
        {
            recorded = action.chat_ref;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ts = "1700000000.000001";
    assert_eq!(
        recorded.as_deref(),
        Some(format!("{CHANNEL}/{ts}").as_str())
    );

    // The requester cannot approve their own request: told privately, nothing released.
    assert_eq!(world.press(ANALYST, &approve, ts, "self").await.0, 200);
    let refused = world.answer("self-approval refusal", hook("self")).await;
    assert_eq!(refused.json["response_type"], "ephemeral");
    assert_eq!(refused.json["replace_original"], false);
    assert!(served(&world.sb, "/api/gateway/hold-release").is_empty());

    // The lead (a member of the lead user group) approves: one release, the message rewritten.
    assert_eq!(world.press(LEAD, &approve, ts, "lead").await.0, 200);
    let update = world
        .answer("chat.update", |c| c.method == "chat.update")
        .await;
    assert_eq!(update.json["channel"], CHANNEL);
    assert_eq!(update.json["ts"], ts);
    assert!(
        action_ids(&update.json).is_empty(),
        "buttons removed: {}",
        update.json
    );
    let text = block_text(&update.json).to_lowercase();
    assert!(text.contains("released"), "{text}");
    assert!(
        text.contains("lead") && text.contains("analyst"),
        "who asked and who approved: {text}"
    );
    assert_eq!(served(&world.sb, "/api/gateway/hold-release").len(), 1);
    assert!(
        world
            .standin
            .calls_of("usergroups.users.list")
            .iter()
            .any(|c| c.json["usergroup"] == LEAD_GROUP),
        "roles come from the user groups"
    );

    // A late second press is refused privately and releases nothing more.
    world.press(LEAD, &approve, ts, "late").await;
    let late = world.answer("late refusal", hook("late")).await;
    assert!(
        block_text(&late.json).contains("already decided"),
        "{}",
        late.json
    );
    assert_eq!(served(&world.sb, "/api/gateway/hold-release").len(), 1);
    world.stop().await;
}

#[tokio::test]
async fn an_expired_request_is_rewritten_with_chat_update() {
    let clock = ManualClock::new(chrono::Utc::now());
    let world = World::start(Some(clock.clone())).await;
    let reference = short_ref(&world.sb.data().held_message(1).id);
    world
        .command(&format!("messages reject {reference}"), ANALYST, "rej")
        .await;
    world
        .answer("request", |c| c.method == "chat.postMessage")
        .await;
    for _ in 0..100 {
        let pending = world.bot.approvals().pending().await.expect("pending");
        if pending.iter().any(|a| a.chat_ref.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    clock.advance(chrono::TimeDelta::hours(5));
    let messages: Arc<dyn RequestMessages> = Arc::new(SlackMessages::new(
        slack::web_api(&settings(&world.standin)).expect("web api"),
    ));
    assert_eq!(chat::expire_once(&world.bot, &[messages]).await, 1);
    let update = world
        .answer("expiry update", |c| c.method == "chat.update")
        .await;
    assert!(
        block_text(&update.json).to_lowercase().contains("expired"),
        "{}",
        update.json
    );
    assert!(action_ids(&update.json).is_empty());
    assert!(served(&world.sb, "/api/gateway/hold-reject").is_empty());
    world.stop().await;
}

#[tokio::test]
async fn the_next_page_button_replaces_the_listing() {
    let world = World::start(None).await;
    world.command("messages held --admin", ANALYST, "p1").await;
    let first = world.answer("first page", hook("p1")).await;
    let page_button = first.json["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "page")
        .unwrap_or_else(|| panic!("a Next page button in {}", first.json));
    let value = page_button["value"].as_str().expect("value").to_owned();
    let body = button_press(
        ANALYST,
        "page",
        &value,
        CHANNEL,
        "1.1",
        &world.standin.response_url("p2"),
    );
    assert_eq!(
        world
            .post("/slack/interactions", &body, now(), None)
            .await
            .0,
        200
    );
    let second = world.answer("second page", hook("p2")).await;
    assert_eq!(second.json["replace_original"], true);
    assert_ne!(block_text(&second.json), block_text(&first.json));
    world.stop().await;
}

#[tokio::test]
async fn summaries_are_posted_with_chat_post_message() {
    let standin = SlackStandIn::start(&[]).await;
    let poster = SlackPoster::new(slack::web_api(&settings(&standin)).expect("web api"));
    let mut reply = Reply::new(
        "Daily summary for 2024-01-30 (Europe/Berlin)",
        "12 impersonation attempts <!channel>",
        Severity::Warning,
    );
    reply.footer = Some("window 2024-01-29 23:00 to 2024-01-30 23:00 UTC".into());
    poster.post("C0SUMMARY", &reply).await.expect("posted");
    let call = standin
        .calls_of("chat.postMessage")
        .pop()
        .expect("one post");
    assert_eq!(call.json["channel"], "C0SUMMARY");
    assert_eq!(call.json["unfurl_links"], false);
    let text = block_text(&call.json);
    assert!(text.contains("Daily summary"), "{text}");
    assert!(
        !text.contains("<!channel>"),
        "no mention can be made: {text}"
    );
    // A refused post is an error, not a silent success.
    let wrong = SlackSettings {
        bot_token: Secret::new("xoxb-wrong"),
        ..settings(&standin)
    };
    let err = SlackPoster::new(slack::web_api(&wrong).expect("web api"))
        .post("C0SUMMARY", &reply)
        .await;
    assert!(
        err.as_ref()
            .is_err_and(|e| e.contains("invalid_auth") && !e.contains("xoxb")),
        "{err:?}"
    );
    standin.shutdown().await;
}
