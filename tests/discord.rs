//! The real `mimecast-bot` Discord client (serenity) end to end against a loopback Discord
//! stand-in (REST and gateway) and the Mimecast sandbox: commands are deferred then answered
//! with embeds, a release request carries Approve and Deny buttons, a non-approver is refused
//! privately, a lead's approval releases exactly once and updates the message.

mod common;
mod discord_standin;

use std::time::Duration;

use common::{Mode, client, sandbox, served};
use discord_standin::{DiscordStandIn, RecordedCall, button_press, message, slash_command};
use mimecast_bot::approvals::{ApprovalPolicy, Approvals, ManualClock, Policies, RoleSet, Store};
use mimecast_bot::bot::Bot;
use mimecast_bot::discord::{self, DiscordSettings};
use mimecast_bot::engine::Engine;
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::sandbox::{SandboxConfig, SandboxHandle};
use mimecast_bot::secret::Secret;
use serde_json::{Value, json};

const SOC_ROLE: &str = "111111111111111111";
const LEAD_ROLE: &str = "222222222222222222";
const WAIT: Duration = Duration::from_secs(20);

fn settings(standin: &DiscordStandIn) -> DiscordSettings {
    DiscordSettings {
        token: Secret::new("test-token"),
        api_url: Some(standin.rest_url()),
        guild_id: None,
    }
}

fn the_bot(sb: &SandboxHandle) -> Bot {
    bot_with_clock(sb, None)
}

fn bot_with_clock(sb: &SandboxHandle, clock: Option<ManualClock>) -> Bot {
    let policies = Policies {
        discord: ApprovalPolicy {
            requesters: RoleSet::roles([SOC_ROLE, LEAD_ROLE]),
            approvers: RoleSet::roles([LEAD_ROLE]),
            allow_self_approval: false,
        },
        ..Policies::default()
    };
    let mut approvals = Approvals::new(Store::open_in_memory().expect("store"), policies);
    if let Some(clock) = clock {
        approvals = approvals.with_clock(clock);
    }
    Bot::new(Engine::new(client(sb, Mode::OAuth2)), approvals)
}

/// The bot's serenity client running against the stand-in.
struct Running {
    task: tokio::task::JoinHandle<()>,
    shards: std::sync::Arc<serenity::gateway::ShardManager>,
}

impl Running {
    /// Stops the shards (serenity runs them on their own tasks) and then the client task.
    async fn stop(self) {
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

/// Starts the bot's serenity client against the stand-in and waits for it to identify.
async fn connect(standin: &DiscordStandIn, bot: Bot) -> Running {
    let mut client = discord::client(&settings(standin), bot)
        .await
        .expect("client builds");
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(120), client.start()).await;
    });
    assert!(
        standin.wait_identified(WAIT).await,
        "the bot identified on the gateway"
    );
    Running { task, shards }
}

async fn call(
    standin: &DiscordStandIn,
    what: &str,
    predicate: impl Fn(&RecordedCall) -> bool,
) -> RecordedCall {
    standin
        .wait_for(predicate, WAIT)
        .await
        .unwrap_or_else(|| panic!("no {what} within {WAIT:?}"))
}

fn embed_text(payload: &Value) -> String {
    let mut text = String::new();
    for embed in payload["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            text.push_str(embed[key].as_str().unwrap_or_default());
            text.push('\n');
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            text.push_str(field["name"].as_str().unwrap_or_default());
            text.push(' ');
            text.push_str(field["value"].as_str().unwrap_or_default());
            text.push('\n');
        }
    }
    text
}

fn button_ids(payload: &Value) -> Vec<String> {
    payload["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn held_release_request_refusal_and_approval_end_to_end() {
    let sb = sandbox(SandboxConfig::default()).await;
    let standin = DiscordStandIn::start().await;
    let running = connect(&standin, the_bot(&sb)).await;

    // /mimecast held admin:true → deferred, then an embed listing the held queue.
    standin
        .send_interaction(slash_command(
            "1001",
            "tok-held",
            "500000000000000001",
            &[SOC_ROLE],
            json!([{"name": "held", "type": 1, "options": [{"name": "admin", "type": 5, "value": true}]}]),
        ))
        .await;
    let deferred = call(&standin, "deferral", |c| c.is_callback_for("1001")).await;
    assert_eq!(deferred.callback_type(), Some(5));
    let answer = call(&standin, "held answer", |c| c.is_edit_original("tok-held")).await;
    let text = embed_text(&answer.json);
    assert!(text.contains("Held messages"), "{text}");
    let first = sb.data().held_message(0);
    let sender = first.from.email_address.clone();
    let defanged = sender.replace('@', "[@]").replace('.', "[.]");
    // Markdown escapes aside (`\\[` for `[`), the sender is shown defanged, never as an address.
    let unescaped = text.replace('\\', "");
    assert!(
        unescaped.contains(&defanged),
        "sender shown defanged:\n{text}"
    );
    assert!(!unescaped.contains(&sender), "{text}");
    assert_eq!(answer.json["allowed_mentions"]["parse"], json!([]));

    // /mimecast release id:<ref> → a request with Approve and Deny buttons; nothing released.
    let reference = short_ref(&first.id);
    standin
        .send_interaction(slash_command(
            "1002",
            "tok-release",
            "500000000000000001",
            &[SOC_ROLE],
            json!([{"name": "release", "type": 1, "options": [{"name": "id", "type": 3, "value": reference}]}]),
        ))
        .await;
    let request = call(&standin, "request", |c| c.is_edit_original("tok-release")).await;
    let ids = button_ids(&request.json);
    let approve = ids
        .iter()
        .find(|i| i.starts_with("approve:"))
        .expect("approve button")
        .clone();
    assert!(ids.iter().any(|i| i.starts_with("deny:")), "{ids:?}");
    assert!(ids.iter().all(|i| i.len() <= 100));
    assert!(served(&sb, "/api/gateway/hold-release").is_empty());
    let posted = message(
        "900000000000000001",
        discord_standin::CHANNEL_ID,
        "",
        request.json["embeds"].clone(),
        request.json["components"].clone(),
    );

    // A SOC member who is not a lead presses Approve: refused, only to them.
    standin
        .send_interaction(button_press(
            "1003",
            "tok-bob",
            "500000000000000002",
            &[SOC_ROLE],
            &approve,
            posted.clone(),
        ))
        .await;
    assert_eq!(
        call(&standin, "ack", |c| c.is_callback_for("1003"))
            .await
            .callback_type(),
        Some(6)
    );
    let refusal = call(&standin, "refusal", |c| c.is_followup("tok-bob")).await;
    assert_eq!(
        refusal.json["flags"].as_u64().map(|f| f & 64),
        Some(64),
        "ephemeral"
    );
    assert!(served(&sb, "/api/gateway/hold-release").is_empty());

    // A lead approves: released once, the message updated and its buttons removed.
    standin
        .send_interaction(button_press(
            "1004",
            "tok-carol",
            "500000000000000003",
            &[LEAD_ROLE],
            &approve,
            posted.clone(),
        ))
        .await;
    assert_eq!(
        call(&standin, "ack", |c| c.is_callback_for("1004"))
            .await
            .callback_type(),
        Some(6)
    );
    let updated = call(&standin, "update", |c| c.is_edit_original("tok-carol")).await;
    assert!(
        embed_text(&updated.json).contains("Released"),
        "{}",
        updated.json
    );
    assert!(
        button_ids(&updated.json).is_empty(),
        "buttons removed: {}",
        updated.json
    );
    assert_eq!(served(&sb, "/api/gateway/hold-release").len(), 1);

    // A second press after the decision: refused privately, still one release.
    standin
        .send_interaction(button_press(
            "1005",
            "tok-dave",
            "500000000000000004",
            &[LEAD_ROLE],
            &approve,
            posted,
        ))
        .await;
    call(&standin, "late refusal", |c| c.is_followup("tok-dave")).await;
    assert_eq!(served(&sb, "/api/gateway/hold-release").len(), 1);

    running.stop().await;
    standin.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_answered_privately_at_once() {
    let sb = sandbox(SandboxConfig::default()).await;
    let standin = DiscordStandIn::start().await;
    let running = connect(&standin, the_bot(&sb)).await;
    standin
        .send_interaction(slash_command(
            "2001",
            "tok-bad",
            "500000000000000001",
            &[SOC_ROLE],
            json!([{"name": "ttp", "type": 2, "options": [{"name": "urls", "type": 1,
                    "options": [{"name": "start", "type": 3, "value": "not-a-date"}]}]}]),
        ))
        .await;
    let reply = call(&standin, "error reply", |c| c.is_callback_for("2001")).await;
    assert_eq!(reply.callback_type(), Some(4));
    assert_eq!(
        reply.json["data"]["flags"].as_u64().map(|f| f & 64),
        Some(64)
    );
    assert!(sb.requests().is_empty(), "bad input never reaches Mimecast");
    running.stop().await;
    standin.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn register_bulk_overwrites_the_generated_commands() {
    let standin = DiscordStandIn::start().await;
    let count = discord::register(&settings(&standin))
        .await
        .expect("registered");
    assert_eq!(count, 1);
    let put = call(&standin, "bulk overwrite", |c| {
        c.method == "PUT" && c.path.ends_with("/commands")
    })
    .await;
    assert_eq!(
        put.json,
        json!([mimecast_commands::discord_commands_json()])
    );
    assert!(put.bot_authorization);
    standin.shutdown().await;
}

#[tokio::test]
async fn json_output_is_attached_and_more_rows_get_a_next_page_button() {
    let sb = sandbox(SandboxConfig::default()).await;
    let standin = DiscordStandIn::start().await;
    let running = connect(&standin, the_bot(&sb)).await;
    let options = json!([{"name": "ttp", "type": 2, "options": [{"name": "urls", "type": 1, "options": [
        {"name": "start", "type": 3, "value": "7d"}, {"name": "output", "type": 3, "value": "json"}]}]}]);
    standin
        .send_interaction(slash_command(
            "3001",
            "tok-json",
            "500000000000000001",
            &[SOC_ROLE],
            options,
        ))
        .await;
    let answer = call(&standin, "json answer", |c| c.is_edit_original("tok-json")).await;
    let file = answer
        .files
        .iter()
        .find(|f| f.filename == "result.json")
        .expect("a result.json attachment");
    let document: Value = serde_json::from_slice(&file.data).expect("the attachment is JSON");
    assert!(
        document["results"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(document["results"][0].get("scanResult").is_some());

    // More than one page: a Next page button whose id fits Discord's 100 characters.
    let next = button_ids(&answer.json)
        .into_iter()
        .find(|i| i.starts_with("page:"))
        .expect("next page button");
    assert!(next.len() <= 100);
    let posted = message(
        "900000000000000002",
        discord_standin::CHANNEL_ID,
        "",
        answer.json["embeds"].clone(),
        answer.json["components"].clone(),
    );
    standin
        .send_interaction(button_press(
            "3002",
            "tok-next",
            "500000000000000001",
            &[SOC_ROLE],
            &next,
            posted,
        ))
        .await;
    let second = call(&standin, "next page", |c| c.is_edit_original("tok-next")).await;
    assert_ne!(
        embed_text(&second.json),
        embed_text(&answer.json),
        "a different page"
    );
    running.stop().await;
    standin.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_request_message_is_edited_through_the_channel_api() {
    let sb = sandbox(SandboxConfig::default()).await;
    let standin = DiscordStandIn::start().await;
    let clock = ManualClock::new(chrono::Utc::now());
    let bot = bot_with_clock(&sb, Some(clock.clone()));
    let running = connect(&standin, bot.clone()).await;
    let reference = short_ref(&sb.data().held_message(0).id);
    standin
        .send_interaction(slash_command(
            "4001",
            "tok-expire",
            "500000000000000001",
            &[SOC_ROLE],
            json!([{"name": "release", "type": 1, "options": [{"name": "id", "type": 3, "value": reference}]}]),
        ))
        .await;
    call(&standin, "request", |c| c.is_edit_original("tok-expire")).await;
    // The handler records the posted message's id right after posting; wait for it.
    let mut recorded = false;
    for _ in 0..100 {
        let pending = bot.approvals().pending().await.expect("pending");
        if pending.iter().any(|a| a.chat_ref.is_some()) {
            recorded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recorded, "the request's message was recorded");
    clock.advance(chrono::TimeDelta::hours(5));
    let http = std::sync::Arc::new(settings(&standin).http());
    let updated = discord::expire_once(&bot, &http).await;
    assert_eq!(updated, 1);
    let edit = call(&standin, "channel edit", |c| {
        c.method == "PATCH" && c.path.starts_with("/api/v10/channels/")
    })
    .await;
    assert!(embed_text(&edit.json).contains("expired"), "{}", edit.json);
    assert_eq!(edit.json["components"], json!([]), "buttons removed");
    assert!(served(&sb, "/api/gateway/hold-release").is_empty());
    running.stop().await;
    standin.shutdown().await;
    sb.shutdown().await;
}
