//! The two-person rule end to end: the bot's request, approve and deny against the sandbox,
//! with a real SQLite store. The sandbox's request log shows what reached Mimecast.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeDelta;
use common::{Mode, client, sandbox, served};
use mimecast_bot::approvals::{
    Actor, ApprovalError, ApprovalPolicy, Approvals, ManualClock, Platform, Policies, Refusal,
    RoleSet, State, Store,
};
use mimecast_bot::bot::{Bot, BotError};
use mimecast_bot::engine::Engine;
use mimecast_bot::engine::refs::short_ref;
use mimecast_bot::sandbox::{Fault, FaultKind, SandboxConfig, SandboxHandle};
use mimecast_commands::parse_line;

const RELEASE: &str = "/api/gateway/hold-release";
const REJECT: &str = "/api/gateway/hold-reject";

fn person(name: &str, roles: &[&str]) -> Actor {
    Actor::new(Platform::Discord, format!("id-{name}"), name).with_roles(roles.iter().copied())
}

fn policies(approvers: RoleSet) -> Policies {
    Policies {
        discord: ApprovalPolicy {
            requesters: RoleSet::roles(["soc"]),
            approvers,
            allow_self_approval: false,
        },
        ..Policies::default()
    }
}

fn lead_policies() -> Policies {
    policies(RoleSet::roles(["lead"]))
}

/// A store file unique to this test, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "mimecast-bot-test-{name}-{}.db",
            uuid::Uuid::new_v4()
        ));
        Self(path)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn bot(sb: &SandboxHandle, approvals: Approvals) -> Bot {
    Bot::new(Engine::new(client(sb, Mode::OAuth2)), approvals)
}

async fn memory_bot(sb: &SandboxHandle, policies: Policies) -> Bot {
    bot(
        sb,
        Approvals::new(Store::open_in_memory().expect("store"), policies),
    )
}

/// Requests a release of the sandbox's first held message as `requester`; returns the request id.
async fn request_release(bot: &Bot, sb: &SandboxHandle, requester: &Actor) -> String {
    let id = sb.data().held_message(0).id;
    let line = format!("release {} --reason \"looks legitimate\"", short_ref(&id));
    let reply = bot
        .command(requester, "C1", &parse_line(&line).expect("valid"), None)
        .await
        .expect("request accepted");
    assert!(
        reply.buttons.iter().any(|b| b.id.starts_with("approve:")),
        "{reply:?}"
    );
    reply.buttons[0]
        .id
        .trim_start_matches("approve:")
        .to_owned()
}

fn refusal(err: &BotError) -> &Refusal {
    match err {
        BotError::Approval(ApprovalError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_request_calls_nothing_and_self_approval_is_refused() {
    let sb = sandbox(SandboxConfig::default()).await;
    let policies = policies(RoleSet::roles(["soc"])); // the requester is also an approver
    let bot = memory_bot(&sb, policies).await;
    let alice = person("alice", &["soc"]);
    let request = request_release(&bot, &sb, &alice).await;
    assert!(
        served(&sb, RELEASE).is_empty(),
        "a request alone does not release"
    );
    let err = bot
        .approve(alice.clone(), &request)
        .await
        .expect_err("self-approval");
    assert!(
        matches!(refusal(&err), Refusal::SelfApproval { .. }),
        "{err:?}"
    );
    assert!(served(&sb, RELEASE).is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_non_approver_is_refused_and_an_approver_releases() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bot = memory_bot(&sb, lead_policies()).await;
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    let err = bot
        .approve(person("bob", &["soc"]), &request)
        .await
        .expect_err("not a lead");
    assert!(
        matches!(refusal(&err), Refusal::NotApprover { .. }),
        "{err:?}"
    );
    assert!(served(&sb, RELEASE).is_empty());

    let reply = bot
        .approve(person("carol", &["lead"]), &request)
        .await
        .expect("approved");
    assert!(reply.title.contains("Released"), "{reply:?}");
    assert!(
        reply.buttons.is_empty(),
        "buttons removed after the decision"
    );
    assert!(
        reply.summary.contains("released by carol"),
        "{}",
        reply.summary
    );
    let releases = served(&sb, RELEASE);
    assert_eq!(releases.len(), 1);
    assert_eq!(
        releases[0].body["data"][0]["id"],
        serde_json::json!(sb.data().held_message(0).id)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_empty_approver_list_refuses_every_approval() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bot = memory_bot(&sb, policies(RoleSet::default())).await;
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    for who in [
        person("carol", &["lead"]),
        person("root", &["admin", "lead", "soc"]),
    ] {
        let err = bot
            .approve(who, &request)
            .await
            .expect_err("no approvers configured");
        assert!(
            matches!(refusal(&err), Refusal::NoApprovers { .. }),
            "{err:?}"
        );
    }
    assert!(served(&sb, RELEASE).is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn fifty_concurrent_approvals_release_exactly_once() {
    let sb = sandbox(SandboxConfig::default()).await;
    let db = TempDb::new("fifty");
    let approvals = Approvals::new(Store::open(&db.0).await.expect("store"), lead_policies());
    let bot = Arc::new(bot(&sb, approvals));
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let bot = bot.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            bot.approve(person(&format!("lead{i}"), &["lead"]), &request)
                .await
        }));
    }
    let mut executed = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(reply) if reply.title.contains("Released") => executed += 1,
            Ok(other) => panic!("unexpected outcome {other:?}"),
            Err(err) => {
                assert!(
                    matches!(refusal(&err), Refusal::AlreadyDecided { .. }),
                    "{err:?}"
                );
                refused += 1;
            }
        }
    }
    assert_eq!((executed, refused), (1, 49));
    assert_eq!(
        served(&sb, RELEASE).len(),
        1,
        "Mimecast was called exactly once"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_restart_between_request_and_approval_keeps_the_request() {
    let sb = sandbox(SandboxConfig::default()).await;
    let db = TempDb::new("restart");
    let request = {
        let approvals = Approvals::new(Store::open(&db.0).await.expect("store"), lead_policies());
        let first = bot(&sb, approvals);
        request_release(&first, &sb, &person("alice", &["soc"])).await
        // `first` and its store are dropped here: the process "restarts".
    };
    let approvals = Approvals::new(Store::open(&db.0).await.expect("reopened"), lead_policies());
    let second = bot(&sb, approvals);
    let reply = second
        .approve(person("carol", &["lead"]), &request)
        .await
        .expect("approved after restart");
    assert!(reply.title.contains("Released"));
    assert_eq!(served(&sb, RELEASE).len(), 1);
    let audit = second.approvals().audit_of(&request).await.expect("audit");
    let events: Vec<&str> = audit.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, vec!["requested", "approved", "executed"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_request_cannot_be_approved() {
    let sb = sandbox(SandboxConfig::default()).await;
    let clock = ManualClock::new(chrono::Utc::now());
    let approvals = Approvals::new(Store::open_in_memory().expect("store"), lead_policies())
        .with_clock(clock.clone())
        .with_expiry(TimeDelta::hours(4));
    let bot = bot(&sb, approvals);
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    clock.advance(TimeDelta::hours(4) + TimeDelta::seconds(1));
    let expired = bot.expire_due().await.expect("expiry runs");
    assert_eq!(expired.len(), 1);
    assert!(expired[0].1.title.contains("expired"), "{:?}", expired[0].1);
    assert!(expired[0].1.buttons.is_empty());
    let err = bot
        .approve(person("carol", &["lead"]), &request)
        .await
        .expect_err("expired");
    assert!(
        matches!(
            refusal(&err),
            Refusal::Expired { .. } | Refusal::AlreadyDecided { .. }
        ),
        "{err:?}"
    );
    assert!(served(&sb, RELEASE).is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_mimecast_failure_is_recorded_as_a_failure() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bot = memory_bot(&sb, lead_policies()).await;
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    sb.inject(Fault {
        kind: FaultKind::Status { code: 500 },
        path: Some(RELEASE.into()),
        times: Some(1),
    });
    let reply = bot
        .approve(person("carol", &["lead"]), &request)
        .await
        .expect("decided");
    assert!(reply.title.starts_with("Failed to release"), "{reply:?}");
    assert!(
        reply.summary.contains("Mimecast failed"),
        "{}",
        reply.summary
    );
    let action = bot
        .approvals()
        .get(&request)
        .await
        .expect("read")
        .expect("exists");
    assert!(
        matches!(action.state, State::Failed { .. }),
        "{:?}",
        action.state
    );
    let audit = bot.approvals().audit_of(&request).await.expect("audit");
    assert_eq!(audit.last().map(|e| e.event.as_str()), Some("failed"));
    assert_eq!(
        served(&sb, RELEASE).len(),
        1,
        "a failed release is not repeated"
    );
    // The message is still held.
    let still = bot.engine().find_held(&sb.data().held_message(0).id).await;
    assert!(still.is_ok());
    sb.shutdown().await;
}

#[tokio::test]
async fn reject_carries_reason_type_notify_and_message() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bot = memory_bot(&sb, lead_policies()).await;
    let id = sb.data().held_message(2).id;
    let line = format!(
        "reject {} --reason-type inappropriate-communication --message \"Not for us\" --notify",
        short_ref(&id)
    );
    let reply = bot
        .command(
            &person("alice", &["soc"]),
            "C1",
            &parse_line(&line).expect("valid"),
            None,
        )
        .await
        .expect("requested");
    let request = reply.buttons[0]
        .id
        .trim_start_matches("approve:")
        .to_owned();
    assert!(served(&sb, REJECT).is_empty());
    let done = bot
        .approve(person("carol", &["lead"]), &request)
        .await
        .expect("approved");
    assert!(done.title.contains("Rejected"), "{done:?}");
    let sent = served(&sb, REJECT);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body["data"][0],
        serde_json::json!({"ids": [id], "message": "Not for us",
                           "reasonType": "INAPPROPRIATE COMMUNICATION", "notify": true})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_deny_closes_the_request_without_calling_mimecast() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bot = memory_bot(&sb, lead_policies()).await;
    let request = request_release(&bot, &sb, &person("alice", &["soc"])).await;
    let err = bot
        .deny(person("bob", &["soc"]), &request)
        .await
        .expect_err("not an approver");
    assert!(
        matches!(refusal(&err), Refusal::NotApprover { .. }),
        "{err:?}"
    );
    let reply = bot
        .deny(person("carol", &["lead"]), &request)
        .await
        .expect("denied");
    assert!(reply.title.contains("denied"), "{reply:?}");
    let err = bot
        .approve(person("dave", &["lead"]), &request)
        .await
        .expect_err("already denied");
    assert!(
        matches!(refusal(&err), Refusal::AlreadyDecided { .. }),
        "{err:?}"
    );
    assert!(served(&sb, RELEASE).is_empty());
    sb.shutdown().await;
}
