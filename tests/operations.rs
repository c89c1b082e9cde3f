//! The real `mimecast-bot run` process with Discord and Slack, the Mimecast sandbox and
//! loopback stand-ins of both platforms:
//! a whole session (commands, an approval, bad input, a forged request, a refused Mimecast
//! login) logged at `trace` as JSON must contain none of the configured secrets; `/metrics`
//! counts what happened; SIGTERM lets a running command finish, refuses new ones and exits 0
//! with the store closed cleanly. Also: `mimecast-bot demo` serves `/metrics` for its session.

mod common;
mod discord_standin;
mod slack_standin;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{sandbox, served};
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxCredentials};
use serde_json::Value;
use slack_standin::{
    BOT_TOKEN, Call, SIGNING_SECRET, SlackStandIn, button_press, signed, slash_command,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const MIMECAST_SECRET: &str = "mc-client-secret-7Yq2Lr9Wd4";
const DISCORD_TOKEN: &str = "discord-bot-token.Kp3Zx8.Vw5Nq1";
const CHANNEL: &str = "C0SOCALERTS";
const WAIT: Duration = Duration::from_secs(30);

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("mimecast-bot-ops-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Lines a child process wrote to one stream, collected as they come.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn follow(stream: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> Self {
        let lines = Self::default();
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stream).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                sink.0.lock().expect("lock").push(line);
            }
        });
        lines
    }

    fn all(&self) -> String {
        self.0.lock().expect("lock").join("\n")
    }

    /// Waits (bounded) for a line matching `pred`.
    async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(line) = self.0.lock().expect("lock").iter().find(|l| pred(l)) {
                return line.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {what} within {WAIT:?}; output:\n{}",
                self.all()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The `addr` field of the JSON log line whose message is `message`.
async fn logged_addr(log: &Lines, message: &str) -> String {
    let line = log.wait_for(message, |l| l.contains(message)).await;
    let json: Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("JSON log line: {line}"));
    json["addr"]
        .as_str()
        .unwrap_or_else(|| panic!("addr in {line}"))
        .to_owned()
}

async fn post(http: &reqwest::Client, url: &str, body: &str, signature: Option<&str>) -> u16 {
    let (ts, good) = signed(body, chrono::Utc::now().timestamp());
    http.post(url)
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature.unwrap_or(&good))
        .body(body.to_owned())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn answer(standin: &SlackStandIn, what: &str, pred: impl Fn(&Call) -> bool) -> Call {
    standin
        .wait_for(WAIT, pred)
        .await
        .unwrap_or_else(|| panic!("no {what}; calls: {:#?}", standin.calls()))
}

fn hook(id: &'static str) -> impl Fn(&Call) -> bool {
    move |c: &Call| c.method == "response_url" && c.hook.as_deref() == Some(id)
}

/// The value of the first metric line starting with `series`.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_whole_session_logs_no_secret_and_sigterm_finishes_running_work() {
    let sb = sandbox(SandboxConfig {
        credentials: SandboxCredentials {
            client_secret: MIMECAST_SECRET.into(),
            ..SandboxCredentials::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let standin = SlackStandIn::start(&[("S0SOC", &["U0ANALYST"]), ("S0LEADS", &["U0LEAD"])]).await;
    let discord = discord_standin::DiscordStandIn::start().await;
    let dir = TempDir::new();
    let store = dir.0.join("bot.db");
    let config = dir.0.join("mimecast-bot.toml");
    std::fs::write(
        &config,
        "[approvals.slack]\nrequesters = { roles = [\"S0SOC\", \"S0LEADS\"] }\napprovers = { roles = [\"S0LEADS\"] }\n[ops]\nlisten = \"127.0.0.1:0\"\n",
    )
    .expect("config");
    let client_id = SandboxCredentials::default().client_id;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .arg("run")
        .env_clear()
        .env("MIMECAST_BOT_CONFIG", &config)
        .env("MIMECAST_BOT_STORE_PATH", &store)
        .env("MIMECAST_BASE_URL", sb.base_url())
        .env("MIMECAST_CLIENT_ID", &client_id)
        .env("MIMECAST_CLIENT_SECRET", MIMECAST_SECRET)
        .env("DISCORD_TOKEN", DISCORD_TOKEN)
        .env("DISCORD_API_URL", discord.rest_url())
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_API_URL", standin.api_url())
        .env("SLACK_LISTEN", "127.0.0.1:0")
        .env("MIMECAST_BOT_LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the bot starts");
    let stdout = Lines::follow(child.stdout.take().expect("stdout"));
    let log = Lines::follow(child.stderr.take().expect("stderr"));
    let slack = format!(
        "http://{}",
        logged_addr(&log, "Slack endpoints listening").await
    );
    let ops = format!(
        "http://{}",
        logged_addr(&log, "health and metrics listening").await
    );
    let http = reqwest::Client::new();
    let commands = format!("{slack}/slack/commands");
    let interactions = format!("{slack}/slack/interactions");

    // Discord: connected, and a command answered.
    assert!(
        discord.wait_identified(WAIT).await,
        "the bot identified on the gateway"
    );
    discord
        .send_interaction(discord_standin::slash_command(
            "900000000000000001",
            "tok-ops",
            "500000000000000001",
            &[],
            serde_json::json!([{"name": "held", "type": 1, "options": [{"name": "admin", "type": 5, "value": true}]}]),
        ))
        .await;
    discord
        .wait_for(|c| c.is_edit_original("tok-ops"), WAIT)
        .await
        .expect("the Discord command was answered");

    // A listing, bad input, a forged request.
    let body = slash_command(
        "messages held --admin",
        "U0ANALYST",
        CHANNEL,
        &standin.response_url("held"),
    );
    assert_eq!(post(&http, &commands, &body, None).await, 200);
    answer(&standin, "held answer", hook("held")).await;
    let body = slash_command(
        "messages search --from",
        "U0ANALYST",
        CHANNEL,
        &standin.response_url("bad"),
    );
    assert_eq!(post(&http, &commands, &body, None).await, 200);
    assert_eq!(post(&http, &commands, &body, Some("v0=00ff")).await, 401);

    // A release: requested by the analyst, approved by the lead, executed once.
    let reference = short_ref(&sb.data().held_message(0).id);
    let body = slash_command(
        &format!("messages release {reference}"),
        "U0ANALYST",
        CHANNEL,
        &standin.response_url("req"),
    );
    assert_eq!(post(&http, &commands, &body, None).await, 200);
    let request = answer(&standin, "request", |c| c.method == "chat.postMessage").await;
    let approve = request.json["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find_map(|e| {
            e["action_id"]
                .as_str()
                .filter(|id| id.starts_with("approve:"))
                .map(str::to_owned)
        })
        .expect("Approve button");
    let press = button_press(
        "U0LEAD",
        &approve,
        &approve,
        CHANNEL,
        "1700000000.000001",
        &standin.response_url("ok"),
    );
    assert_eq!(post(&http, &interactions, &press, None).await, 200);
    answer(&standin, "decision", |c| c.method == "chat.update").await;
    assert_eq!(served(&sb, "/api/gateway/hold-release").len(), 1);

    // A refused Mimecast login: the token is dropped and the next one refused.
    sb.expire_tokens();
    sb.inject(Fault {
        kind: FaultKind::Status { code: 401 },
        path: Some("/oauth/token".into()),
        times: Some(3),
    });
    let body = slash_command(
        "ttp urls",
        "U0ANALYST",
        CHANNEL,
        &standin.response_url("denied"),
    );
    assert_eq!(post(&http, &commands, &body, None).await, 200);
    let denied = answer(&standin, "login failure answer", hook("denied")).await;
    assert_eq!(denied.json["response_type"], "ephemeral");
    sb.clear_faults();

    // /metrics counts the session.
    let metrics = http
        .get(format!("{ops}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metric(
            &metrics,
            "mimecast_bot_commands_total{command=\"messages held\",outcome=\"ok\"}"
        )
        .is_some_and(|v| v >= 1.0),
        "{metrics}"
    );
    assert!(
        metric(
            &metrics,
            "mimecast_bot_approvals_total{outcome=\"executed\"}"
        )
        .is_some_and(|v| v >= 1.0),
        "{metrics}"
    );
    assert!(metrics.contains("mimecast_bot_mimecast_calls_total{endpoint=\"/api/gateway/hold-release\",status=\"200\"} 1"), "{metrics}");
    assert!(
        metrics.contains("endpoint=\"/oauth/token\",status=\"401\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("mimecast_bot_chat_connected{platform=\"slack\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mimecast_bot_chat_connected{platform=\"discord\"} 1"),
        "{metrics}"
    );
    let health = http
        .get(format!("{ops}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200, "{:?}", health.text().await);

    // SIGTERM while a slow command runs: it still gets its answer, then the bot exits 0.
    sb.inject(Fault {
        kind: FaultKind::Slow { delay_ms: 2000 },
        path: Some("/api/gateway/get-hold-message-list".into()),
        times: Some(1),
    });
    let before = served(&sb, "/api/gateway/get-hold-message-list").len();
    let body = slash_command(
        "messages held --admin",
        "U0ANALYST",
        CHANNEL,
        &standin.response_url("slow"),
    );
    assert_eq!(post(&http, &commands, &body, None).await, 200);
    for _ in 0..200 {
        if served(&sb, "/api/gateway/get-hold-message-list").len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits in time")
        .expect("status");
    assert!(status.success(), "exit {status:?}; log:\n{}", log.all());
    assert!(
        standin.calls().iter().any(|c| hook("slow")(c)),
        "the running command was answered before exit"
    );
    assert!(log.all().contains("stopped cleanly"), "{}", log.all());
    assert_eq!(
        post(&http, &commands, &body, None).await,
        0,
        "nothing listens after the stop"
    );
    // The store was checkpointed: the WAL file is empty or gone.
    let wal = dir.0.join("bot.db-wal");
    assert!(
        std::fs::metadata(&wal)
            .map(|m| m.len() == 0)
            .unwrap_or(true),
        "WAL emptied"
    );

    // Nothing logged or printed holds a secret.
    let everything = format!("{}\n{}", log.all(), stdout.all());
    assert!(everything.len() > 1000, "trace logging produced output");
    for secret in [MIMECAST_SECRET, SIGNING_SECRET, BOT_TOKEN, DISCORD_TOKEN] {
        assert!(
            !everything.contains(secret),
            "a secret was logged: {secret}"
        );
    }
    standin.shutdown().await;
    discord.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn the_demo_serves_metrics_for_its_session() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"))
        .arg("demo")
        .env_clear()
        .env("MIMECAST_BOT_OPS_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "mimecast_bot=info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the demo starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = Lines::follow(child.stdout.take().expect("stdout"));
    let stderr = Lines::follow(child.stderr.take().expect("stderr"));
    let line = stderr
        .wait_for("metrics address", |l| l.starts_with("metrics: http://"))
        .await;
    let url = line.trim_start_matches("metrics: ").to_owned();
    // Text logs written to a pipe (docker logs, journald) carry no colour escape codes.
    let logged = stderr
        .wait_for("the ops log line", |l| {
            l.contains("serving /healthz and /metrics")
        })
        .await;
    assert!(!logged.contains('\u{1b}'), "escape codes in {logged:?}");
    stdin
        .write_all(b"/mimecast held --admin\n/mimecast ttp urls --start 7d\n/mimecast messages search --from\n")
        .await
        .expect("write");
    stdin.flush().await.expect("flush");
    let http = reqwest::Client::new();
    let mut text = String::new();
    for _ in 0..200 {
        text = http
            .get(&url)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        if text.contains("command=\"ttp urls\",outcome=\"ok\"")
            && text.contains("outcome=\"refused\"")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("mimecast_bot_commands_total{command=\"messages held\",outcome=\"ok\"} 1"),
        "{text}\n{}",
        stdout.all()
    );
    assert!(
        text.contains("mimecast_bot_commands_total{command=\"ttp urls\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("endpoint=\"/api/ttp/url/get-logs\",status=\"200\""),
        "{text}"
    );
    drop(stdin);
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(status.success());
}
