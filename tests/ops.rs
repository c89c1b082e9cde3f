//! `/metrics` and `/healthz` end to end: a sandbox in-process, a real client and bot, and the
//! operations router served on a loopback port.
//!
//! The metrics registry is process-wide and the tests here run in parallel, so counters are
//! compared before and after, as "grew by at least"; each test uses endpoints (and chat
//! platforms) that the others leave alone.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Mode, client, sandbox};
use mimecast_bot::approvals::{
    Actor, ApprovalPolicy, Approvals, Platform, Policies, RoleSet, Store,
};
use mimecast_bot::bot::Bot;
use mimecast_bot::engine::Engine;
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::mimecast::{AttachmentLogQuery, MimecastError, UrlLogQuery};
use mimecast_bot::ops::{HealthChecks, MimecastCheck, metrics, router, serve};
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxHandle};
use mimecast_commands::parse_line;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const URL_LOGS: &str = "/api/ttp/url/get-logs";
const ATTACHMENT_LOGS: &str = "/api/ttp/attachment/get-logs";
const HELD: &str = "/api/gateway/get-hold-message-list";

/// Longest any one HTTP exchange with the operations server may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The operations router on 127.0.0.1 and a free port.
struct Ops {
    base: String,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Ops {
    async fn start(checks: HealthChecks) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, router(checks), async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .build()
            .expect("HTTP client");
        Self {
            base,
            http,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the operations server answers")
    }

    async fn metrics_text(&self) -> String {
        let answer = self.get("/metrics").await;
        assert_eq!(answer.status(), 200);
        let content_type = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        answer.text().await.expect("metrics body")
    }

    /// `/healthz`: the status code and the JSON body.
    async fn health(&self) -> (u16, serde_json::Value) {
        let answer = self.get("/healthz").await;
        let status = answer.status().as_u16();
        let body = answer.json().await.expect("JSON health body");
        (status, body)
    }

    /// Stops the server and waits (bounded) for it to finish.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("the server stops within 10 s")
                .expect("the server task did not panic")
                .expect("the server ended cleanly");
        }
    }
}

/// The value of the sample `name{labels}` (labels exactly as rendered), or 0 when absent.
fn value(text: &str, name: &str, labels: &str) -> f64 {
    let key = if labels.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{labels}}}")
    };
    text.lines()
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            (series == key).then(|| value.parse::<f64>().ok())?
        })
        .unwrap_or(0.0)
}

fn calls(text: &str, endpoint: &str, status: &str) -> f64 {
    value(
        text,
        "mimecast_bot_mimecast_calls_total",
        &format!("endpoint=\"{endpoint}\",status=\"{status}\""),
    )
}

fn latency_count(text: &str, endpoint: &str) -> f64 {
    value(
        text,
        "mimecast_bot_mimecast_call_duration_seconds_count",
        &format!("endpoint=\"{endpoint}\""),
    )
}

/// A store file unique to this test, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!(
            "mimecast-bot-ops-{name}-{}.db",
            uuid::Uuid::new_v4()
        )))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A Mimecast check for `sb` that probes on every `/healthz` (no cache).
fn uncached_check(sb: &SandboxHandle) -> MimecastCheck {
    MimecastCheck::for_client(&client(sb, Mode::OAuth2))
        .expect("probe client")
        .with_cache(Duration::ZERO)
}

#[tokio::test]
async fn metrics_count_calls_by_endpoint_and_status_and_rate_limit_waits() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mimecast = client(&sb, Mode::OAuth2);
    let ops = Ops::start(HealthChecks::new()).await;
    let before = ops.metrics_text().await;

    // One 429 waited out, then the answer.
    sb.inject(Fault {
        kind: FaultKind::RateLimit { reset_ms: 50 },
        path: Some(URL_LOGS.into()),
        times: Some(1),
    });
    mimecast
        .page(&UrlLogQuery::default(), 10, None)
        .await
        .expect("URL logs after one rate-limit wait");
    // One 403.
    sb.inject(Fault {
        kind: FaultKind::Status { code: 403 },
        path: Some(ATTACHMENT_LOGS.into()),
        times: Some(1),
    });
    let err = mimecast
        .page(&AttachmentLogQuery::default(), 10, None)
        .await
        .expect_err("403");
    assert!(matches!(err, MimecastError::Forbidden { .. }), "{err:?}");

    let after = ops.metrics_text().await;
    let grew = |f: &dyn Fn(&str) -> f64| f(&after) - f(&before);
    assert!(grew(&|t| calls(t, URL_LOGS, "429")) >= 1.0, "{after}");
    assert!(grew(&|t| calls(t, URL_LOGS, "200")) >= 1.0, "{after}");
    assert!(
        grew(&|t| calls(t, ATTACHMENT_LOGS, "403")) >= 1.0,
        "{after}"
    );
    assert!(grew(&|t| latency_count(t, URL_LOGS)) >= 2.0, "{after}");
    assert!(
        grew(&|t| value(
            t,
            "mimecast_bot_mimecast_call_duration_seconds_bucket",
            &format!("endpoint=\"{URL_LOGS}\",le=\"+Inf\"")
        )) >= 2.0
    );
    assert!(grew(&|t| value(t, "mimecast_bot_rate_limit_waits_total", "")) >= 1.0);
    assert!(grew(&|t| value(t, "mimecast_bot_rate_limit_wait_seconds_total", "")) >= 0.05);
    // Every family is announced once.
    for name in [
        "mimecast_bot_commands_total",
        "mimecast_bot_mimecast_calls_total",
        "mimecast_bot_mimecast_call_duration_seconds",
        "mimecast_bot_rate_limit_waits_total",
        "mimecast_bot_rate_limit_wait_seconds_total",
        "mimecast_bot_approvals_total",
        "mimecast_bot_summary_runs_total",
        "mimecast_bot_chat_connected",
    ] {
        let type_lines = after
            .lines()
            .filter(|l| l.starts_with(&format!("# TYPE {name} ")))
            .count();
        assert_eq!(type_lines, 1, "{name}");
    }
    ops.stop().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn bot_commands_and_approval_decisions_are_counted() {
    let sb = sandbox(SandboxConfig::default()).await;
    let policies = Policies {
        discord: ApprovalPolicy {
            requesters: RoleSet::roles(["soc"]),
            approvers: RoleSet::roles(["lead"]),
            allow_self_approval: false,
        },
        ..Policies::default()
    };
    let approvals = Approvals::new(Store::open_in_memory().expect("store"), policies);
    let bot = Bot::new(Engine::new(client(&sb, Mode::OAuth2)), approvals);
    let alice = Actor::new(Platform::Discord, "id-alice", "alice").with_roles(["soc"]);
    let lead = Actor::new(Platform::Discord, "id-lead", "lead").with_roles(["lead"]);
    let ops = Ops::start(HealthChecks::new()).await;
    let before = ops.metrics_text().await;

    let held = parse_line("messages held --admin").expect("valid");
    bot.command(&alice, "C1", &held, None)
        .await
        .expect("held list");
    let unknown = parse_line("release zzzzzzzzzzzz").expect("valid");
    bot.command(&alice, "C1", &unknown, None)
        .await
        .expect_err("no such held message");
    let id = sb.data().held_message(0).id;
    let release = parse_line(&format!("release {}", short_ref(&id))).expect("valid");
    let reply = bot
        .command(&alice, "C1", &release, None)
        .await
        .expect("request created");
    let short_id = reply
        .buttons
        .first()
        .and_then(|b| b.id.strip_prefix("approve:"))
        .expect("an Approve button")
        .to_owned();
    bot.approve(alice.clone(), &short_id)
        .await
        .expect_err("self-approval is refused");
    bot.approve(lead, &short_id).await.expect("approved");

    let after = ops.metrics_text().await;
    let grew =
        |name: &str, labels: &str| value(&after, name, labels) - value(&before, name, labels);
    let commands = "mimecast_bot_commands_total";
    assert!(
        grew(commands, r#"command="messages held",outcome="ok""#) >= 1.0,
        "{after}"
    );
    assert!(grew(commands, r#"command="messages release",outcome="ok""#) >= 1.0);
    assert!(grew(commands, r#"command="messages release",outcome="refused""#) >= 1.0);
    let approvals = "mimecast_bot_approvals_total";
    assert!(grew(approvals, r#"outcome="requested""#) >= 1.0, "{after}");
    assert!(grew(approvals, r#"outcome="refused""#) >= 1.0);
    assert!(grew(approvals, r#"outcome="executed""#) >= 1.0);
    assert!(calls(&after, "/api/gateway/hold-release", "200") >= 1.0);
    ops.stop().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn healthz_is_ok_with_a_writable_store_a_reachable_sandbox_and_connected_chat() {
    let sb = sandbox(SandboxConfig::default()).await;
    let db = TempDb::new("healthy");
    let store = Store::open(&db.0).await.expect("store file");
    // Discord is this test's platform; the others here leave it alone.
    let checks = HealthChecks::new()
        .store(store)
        .mimecast(uncached_check(&sb))
        .chat([Platform::Discord]);
    let ops = Ops::start(checks).await;

    let (status, body) = ops.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["discord"], "not connected");
    assert!(
        ops.metrics_text()
            .await
            .contains("mimecast_bot_chat_connected{platform=\"discord\"} 0\n")
    );

    metrics().set_connected(Platform::Discord, true);
    let before = calls(&ops.metrics_text().await, HELD, "200");
    let (status, body) = ops.health().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ok",
            "checks": {"store": "ok", "mimecast": "ok", "discord": "ok"}})
    );
    let text = ops.metrics_text().await;
    assert!(text.contains("mimecast_bot_chat_connected{platform=\"discord\"} 1\n"));
    assert!(
        calls(&text, HELD, "200") > before,
        "the probe reads the held list"
    );
    ops.stop().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn healthz_names_mimecast_when_the_sandbox_is_stopped() {
    let sb = sandbox(SandboxConfig::default()).await;
    let check = uncached_check(&sb);
    let ops = Ops::start(HealthChecks::new().mimecast(check)).await;
    let (status, body) = ops.health().await;
    assert_eq!(status, 200, "{body}");

    sb.shutdown().await;
    let began = Instant::now();
    let (status, body) = ops.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "fail");
    let reason = body["reason"].as_str().expect("a reason");
    assert!(reason.starts_with("mimecast: "), "{reason}");
    assert!(!reason.contains('\n'));
    assert!(began.elapsed() < Duration::from_secs(10), "bounded probe");
    ops.stop().await;
}

#[tokio::test]
async fn healthz_names_mimecast_on_a_persistent_401_or_403() {
    let sb = sandbox(SandboxConfig::default()).await;
    let ops = Ops::start(HealthChecks::new().mimecast(uncached_check(&sb))).await;

    sb.inject(Fault {
        kind: FaultKind::Status { code: 403 },
        path: None,
        times: None,
    });
    let (status, body) = ops.health().await;
    assert_eq!(status, 503, "{body}");
    let reason = body["reason"].as_str().expect("a reason");
    assert!(reason.starts_with("mimecast: "), "{reason}");
    assert!(reason.contains("403"), "{reason}");

    sb.clear_faults();
    sb.inject(Fault {
        kind: FaultKind::Status { code: 401 },
        path: None,
        times: None,
    });
    let (status, body) = ops.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["mimecast"], "credentials refused (HTTP 401)");
    let secret = mimecast_bot::sandbox::SandboxCredentials::default().client_secret;
    assert!(!body.to_string().contains(&secret));

    sb.clear_faults();
    let (status, body) = ops.health().await;
    assert_eq!(status, 200, "recovers once Mimecast does: {body}");
    ops.stop().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn healthz_names_the_store_while_another_writer_holds_the_lock() {
    let db = TempDb::new("locked");
    let store = Store::open(&db.0).await.expect("store file");
    let checks = HealthChecks::new()
        .store(store)
        .store_timeout(Duration::from_millis(300));
    let ops = Ops::start(checks).await;
    let (status, body) = ops.health().await;
    assert_eq!(status, 200, "{body}");

    let other = rusqlite::Connection::open(&db.0).expect("second connection");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("the other writer takes the lock");
    let (status, body) = ops.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["store"], "no write lock within 0.3 s");
    other.execute_batch("ROLLBACK").expect("release the lock");
    drop(other);

    // The check that was waiting finishes once the lock is free; health recovers.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = ops.health().await;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "store check never recovered: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ops.stop().await;
}
