//! A loopback Slack for tests: the Web API methods the bot calls (chat.postMessage,
//! chat.update, usergroups.users.list, auth.test) answering in Slack's `{"ok": …}` format, and
//! `response_url`s, all recording what they received. Bound to 127.0.0.1 on a port the OS
//! picks. Also signs requests the way Slack does, to call the bot's endpoints.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use mimecast_bot::secret::Secret;
use mimecast_bot::slack::signature::Verifier;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Call {
    /// `chat.postMessage`, `chat.update`, `usergroups.users.list` or `response_url`.
    pub method: String,
    /// The response_url id (for `response_url` calls).
    pub hook: Option<String>,
    /// The `Authorization` header.
    pub auth: Option<String>,
    /// The JSON body.
    pub json: Value,
}

#[derive(Default)]
struct Shared {
    calls: Mutex<Vec<Call>>,
    groups: Mutex<HashMap<String, Vec<String>>>,
    changed: Notify,
    next_ts: Mutex<u64>,
}

/// The running stand-in.
pub struct SlackStandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SlackStandIn {
    /// Starts on 127.0.0.1 with `groups` (user-group id → member user ids).
    pub async fn start(groups: &[(&str, &[&str])]) -> Self {
        let shared = Arc::new(Shared::default());
        {
            let mut map = shared.groups.lock().expect("lock");
            for (group, members) in groups {
                map.insert(
                    (*group).to_owned(),
                    members.iter().map(|m| (*m).to_owned()).collect(),
                );
            }
        }
        let app = Router::new()
            .route("/api/{method}", post(api))
            .route("/hooks/{id}", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared, task }
    }

    /// The Web API base URL (SLACK_API_URL).
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// A fresh response_url.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/hooks/{id}", self.addr)
    }

    /// Everything received so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().expect("lock").clone()
    }

    /// The calls of one method.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Waits (at most `timeout`) for a call matching `pred`.
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&Call) -> bool) -> Option<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if let Some(call) = self.calls().into_iter().find(|c| pred(c)) {
                return Some(call);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

fn record(shared: &Shared, call: Call) {
    shared.calls.lock().expect("lock").push(call);
    shared.changed.notify_waiters();
}

async fn api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = match method.as_str() {
        "chat.postMessage" => {
            let mut next = shared.next_ts.lock().expect("lock");
            *next += 1;
            json!({"ok": true, "channel": json["channel"], "ts": format!("1700000000.{:06}", *next)})
        }
        "chat.update" => json!({"ok": true, "channel": json["channel"], "ts": json["ts"]}),
        "usergroups.users.list" => {
            let group = json["usergroup"].as_str().unwrap_or_default();
            match shared.groups.lock().expect("lock").get(group) {
                Some(users) => json!({"ok": true, "users": users}),
                None => json!({"ok": false, "error": "no_such_subteam"}),
            }
        }
        "auth.test" => json!({
            "ok": true,
            "url": "https://standin.slack.com/",
            "team": "Stand-in SOC",
            "user": "mimecast-bot",
            "team_id": "T0001",
            "user_id": "U0BOT",
            "bot_id": "B0001"
        }),
        _ => json!({"ok": false, "error": "unknown_method"}),
    };
    if auth.as_deref() != Some("Bearer xoxb-test-token") {
        record(
            &shared,
            Call {
                method,
                hook: None,
                auth,
                json,
            },
        );
        return axum::Json(json!({"ok": false, "error": "invalid_auth"}));
    }
    record(
        &shared,
        Call {
            method,
            hook: None,
            auth,
            json,
        },
    );
    axum::Json(answer)
}

async fn hook(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> &'static str {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(
        &shared,
        Call {
            method: "response_url".into(),
            hook: Some(id),
            auth,
            json,
        },
    );
    "ok"
}

/// The signing secret the tests configure.
pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789";
/// The bot token the tests configure.
pub const BOT_TOKEN: &str = "xoxb-test-token";

/// A form body and the headers Slack would send with it at `timestamp`.
pub fn signed(body: &str, timestamp: i64) -> (String, String) {
    let verifier = Verifier::new(Secret::new(SIGNING_SECRET));
    (
        timestamp.to_string(),
        verifier.sign(timestamp, body.as_bytes()),
    )
}

/// A slash command's form body.
pub fn slash_command(text: &str, user: &str, channel: &str, response_url: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", "legacy-unused")
        .append_pair("team_id", "T0001")
        .append_pair("team_domain", "soc")
        .append_pair("channel_id", channel)
        .append_pair("channel_name", "soc-alerts")
        .append_pair("user_id", user)
        .append_pair("user_name", &user.to_lowercase())
        .append_pair("command", "/mimecast")
        .append_pair("text", text)
        .append_pair("response_url", response_url)
        .append_pair("trigger_id", "1.2.3")
        .append_pair("api_app_id", "A0001")
        .finish()
}

/// A block_actions interaction's form body: `user` pressed `action_id` (with `value`) on the
/// message `ts` in `channel`.
pub fn button_press(
    user: &str,
    action_id: &str,
    value: &str,
    channel: &str,
    ts: &str,
    response_url: &str,
) -> String {
    let payload = json!({
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "soc"},
        "user": {"id": user, "username": user.to_lowercase(), "name": user.to_lowercase(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-unused",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "soc-alerts"},
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action_id,
            "block_id": "actions",
            "text": {"type": "plain_text", "text": "Approve", "emoji": true},
            "value": value,
            "action_ts": "1700000001.000001"
        }]
    });
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}
