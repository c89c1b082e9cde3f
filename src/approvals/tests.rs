//! Behaviour of the two-person rule over a real SQLite file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;

/// A database path under the system temp dir, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!(
            "mimecast-bot-approvals-{name}-{}-{}.db",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        )))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
        .single()
        .expect("valid time")
}

fn console(user: &str, roles: &[&str]) -> Actor {
    Actor::new(Platform::Console, user, format!("{user} (display)"))
        .with_roles(roles.iter().copied())
}

fn analyst() -> Actor {
    console("ana", &["analyst"])
}

fn lead() -> Actor {
    console("lee", &["lead"])
}

fn other_lead() -> Actor {
    console("lou", &["lead"])
}

fn policies() -> Policies {
    Policies {
        console: ApprovalPolicy {
            requesters: RoleSet::roles(["analyst", "lead"]),
            approvers: RoleSet::roles(["lead"]),
            allow_self_approval: false,
        },
        ..Policies::default()
    }
}

fn evidence(received: Option<DateTime<Utc>>) -> Evidence {
    Evidence {
        sender: "ceo@examp1e.com".into(),
        recipient: "ap@example.com".into(),
        subject: "Wire transfer — urgent 💸 <script>'; DROP TABLE audit_log; --".into(),
        reason: "Message Hold Applied - Spam Signature policy".into(),
        policy: "Default Anti-Spam".into(),
        received,
        size: Some(48_213),
        has_attachments: true,
    }
}

fn release_by(requester: Actor) -> NewRequest {
    NewRequest {
        message_id: "eNoVzE0KgjAQAOC7TG-held-message-id".into(),
        kind: ActionKind::Release,
        evidence: evidence(Some(t0() - TimeDelta::hours(1))),
        requester,
        channel: "console".into(),
        reason: Some("user confirmed by phone".into()),
    }
}

fn approvals(store: Store, clock: &ManualClock) -> Approvals {
    Approvals::new(store, policies()).with_clock(clock.clone())
}

async fn file_approvals(db: &TempDb, clock: &ManualClock) -> Approvals {
    approvals(Store::open(db.path()).await.expect("open store"), clock)
}

/// An execute closure that counts its calls and answers `answer`.
fn counting(
    calls: &Arc<AtomicUsize>,
    answer: Result<&str, &str>,
) -> impl FnOnce(PendingAction) -> std::future::Ready<Result<String, String>> + Send + 'static {
    let calls = Arc::clone(calls);
    let answer = answer.map(str::to_owned).map_err(str::to_owned);
    move |_action| {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(answer)
    }
}

fn refusal(result: Result<Decision, ApprovalError>) -> Refusal {
    match result {
        Err(ApprovalError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn events(entries: &[AuditEntry]) -> Vec<(AuditEvent, String)> {
    entries
        .iter()
        .map(|e| (e.event, e.outcome.clone()))
        .collect()
}

#[tokio::test]
async fn self_approval_is_refused_and_another_approver_gets_through() {
    let db = TempDb::new("self");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    let calls = Arc::new(AtomicUsize::new(0));

    let request = approvals
        .request(release_by(lead()))
        .await
        .expect("request");
    let refused = refusal(
        approvals
            .approve(&request.short_id, lead(), counting(&calls, Ok("r1")))
            .await,
    );
    assert!(
        matches!(refused, Refusal::SelfApproval { .. }),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "You cannot approve your own request: another approver must."
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let still = approvals
        .get(&request.short_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(still.state, State::Pending);

    // The analyst's own approval is refused as self-approval too (it is their request).
    let mine = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    let refused = refusal(
        approvals
            .approve(&mine.short_id, analyst(), counting(&calls, Ok("r2")))
            .await,
    );
    assert!(matches!(refused, Refusal::SelfApproval { .. }));

    let decision = approvals
        .approve(&request.short_id, other_lead(), counting(&calls, Ok("r3")))
        .await
        .expect("approve");
    assert!(matches!(decision, Decision::Executed(_)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let audit = approvals.audit_of(&request.short_id).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![
            (AuditEvent::Requested, "pending".into()),
            (AuditEvent::Refused, "self_approval".into()),
            (AuditEvent::Approved, "claimed".into()),
            (AuditEvent::Executed, "executed".into()),
        ]
    );
    assert_eq!(
        audit[1].actor.as_ref().map(|a| a.user_id.as_str()),
        Some("lee")
    );
    assert_eq!(audit[3].mimecast_request_id.as_deref(), Some("r3"));
    assert_eq!(
        audit[3].message_id.as_deref(),
        Some(request.message_id.as_str())
    );
}

#[tokio::test]
async fn allow_self_approval_lets_an_approver_approve_their_own_request() {
    let clock = ManualClock::new(t0());
    let mut policies = policies();
    policies.console.allow_self_approval = true;
    let approvals =
        Approvals::new(Store::open_in_memory().expect("store"), policies).with_clock(clock.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let request = approvals
        .request(release_by(lead()))
        .await
        .expect("request");
    let decision = approvals
        .approve(&request.short_id, lead(), counting(&calls, Ok("r1")))
        .await
        .expect("approve");
    assert!(matches!(decision, Decision::Executed(_)));
}

#[tokio::test]
async fn a_non_approver_is_refused() {
    let db = TempDb::new("nonapprover");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");

    let refused = refusal(
        approvals
            .approve(
                &request.short_id,
                console("bob", &["analyst"]),
                counting(&calls, Ok("r1")),
            )
            .await,
    );
    assert!(matches!(refused, Refusal::NotApprover { .. }));
    assert_eq!(refused.to_string(), "You are not an approver.");
    assert!(refused.detail().contains("bob"));
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // An approver on another platform is refused too: ids cannot be compared across platforms.
    let slack_lead = Actor::new(Platform::Slack, "U1", "lee").with_roles(["lead"]);
    let refused = refusal(
        approvals
            .approve(&request.short_id, slack_lead, counting(&calls, Ok("r1")))
            .await,
    );
    assert!(matches!(refused, Refusal::WrongPlatform { .. }));

    let audit = approvals.audit_of(&request.short_id).await.expect("audit");
    assert_eq!(
        audit.last().map(|e| e.outcome.as_str()),
        Some("wrong_platform")
    );
    assert_eq!(audit[1].outcome, "not_approver");
    assert_eq!(
        approvals
            .get(&request.short_id)
            .await
            .expect("get")
            .map(|a| a.state),
        Some(State::Pending)
    );
}

#[tokio::test]
async fn an_empty_approver_list_refuses_every_approval() {
    let clock = ManualClock::new(t0());
    let policies = Policies {
        console: ApprovalPolicy {
            requesters: RoleSet::anyone(),
            approvers: RoleSet::default(),
            allow_self_approval: true,
        },
        ..Policies::default()
    };
    let approvals =
        Approvals::new(Store::open_in_memory().expect("store"), policies).with_clock(clock.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    for approver in [lead(), other_lead(), analyst()] {
        let refused = refusal(
            approvals
                .approve(&request.short_id, approver, counting(&calls, Ok("r")))
                .await,
        );
        assert!(
            matches!(refused, Refusal::NoApprovers { .. }),
            "{refused:?}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // And with no requesters configured, nobody may request.
    let closed = Approvals::new(Store::open_in_memory().expect("store"), Policies::default());
    let err = closed
        .request(release_by(lead()))
        .await
        .expect_err("refused");
    assert!(matches!(
        err.refusal(),
        Some(Refusal::NoRequesters {
            platform: Platform::Console
        })
    ));
    let audit = closed.recent_audit(10).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![(AuditEvent::Refused, "no_requesters".into())]
    );
    assert_eq!(audit[0].short_id, None);
    assert!(audit[0].data.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_approvals_execute_exactly_once() {
    let db = TempDb::new("race");
    let clock = ManualClock::new(t0());
    // Five handles, five SQLite connections on one file: exactly-once must come from the
    // conditional UPDATE, not from sharing one connection.
    let mut handles = Vec::new();
    for _ in 0..5 {
        handles.push(file_approvals(&db, &clock).await);
    }
    let request = handles[0]
        .request(release_by(analyst()))
        .await
        .expect("request");

    let calls = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let approvals = handles[i % handles.len()].clone();
        let (calls, barrier) = (Arc::clone(&calls), Arc::clone(&barrier));
        let short_id = request.short_id.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            approvals
                .approve(
                    &short_id,
                    console(&format!("lead-{i}"), &["lead"]),
                    move |action| {
                        async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            // Stay in flight a while so that the other approvals arrive meanwhile.
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(format!("mc-req-{}", action.short_id))
                        }
                    },
                )
                .await
        }));
    }
    let mut executed = 0;
    let mut already = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(Decision::Executed(_)) => executed += 1,
            Err(ApprovalError::Refused(Refusal::AlreadyDecided { .. })) => already += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!((executed, already), (1, 49));

    let audit = handles[0].audit_of(&request.short_id).await.expect("audit");
    let count = |event| audit.iter().filter(|e| e.event == event).count();
    assert_eq!(count(AuditEvent::Requested), 1);
    assert_eq!(count(AuditEvent::Approved), 1);
    assert_eq!(count(AuditEvent::Executed), 1);
    assert_eq!(count(AuditEvent::Refused), 49);
    assert!(
        audit
            .iter()
            .filter(|e| e.event == AuditEvent::Refused)
            .all(|e| e.outcome == "already_decided")
    );
    let action = handles[0]
        .get(&request.short_id)
        .await
        .expect("get")
        .expect("exists");
    assert!(matches!(action.state, State::Executed { .. }));
}

#[tokio::test]
async fn a_restart_between_request_and_approval_keeps_the_request() {
    let db = TempDb::new("restart");
    let clock = ManualClock::new(t0());
    let short_id = {
        let approvals = file_approvals(&db, &clock).await;
        let request = approvals
            .request(release_by(analyst()))
            .await
            .expect("request");
        assert!(
            approvals
                .attach_chat_ref(&request.short_id, "1234567890")
                .await
                .expect("chat ref")
        );
        request.short_id
    };
    // Everything dropped: the connection is closed. Open the file again.
    clock.advance(TimeDelta::minutes(30));
    let approvals = file_approvals(&db, &clock).await;
    let pending = approvals.pending().await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].chat_ref.as_deref(), Some("1234567890"));

    let calls = Arc::new(AtomicUsize::new(0));
    let decision = approvals
        .approve(
            &short_id.to_uppercase(),
            lead(),
            counting(&calls, Ok("mc-1")),
        )
        .await
        .expect("approve after restart");
    let Decision::Executed(action) = decision else {
        panic!("not executed: {decision:?}")
    };
    assert_eq!(
        action.state,
        State::Executed {
            by: lead(),
            at: t0() + TimeDelta::minutes(30),
            mimecast_request_id: "mc-1".into()
        }
    );
    assert_eq!(
        action.outcome_line().as_deref(),
        Some(
            "released by lee (display) (console) at 2024-05-01 10:30:00 UTC \
             (Mimecast request mc-1)"
        )
    );
    assert!(approvals.pending().await.expect("pending").is_empty());
}

#[tokio::test]
async fn an_action_claimed_before_a_crash_is_never_executed_again() {
    let db = TempDb::new("crash");
    let clock = ManualClock::new(t0());
    let short_id = {
        let approvals = file_approvals(&db, &clock).await;
        let request = approvals
            .request(release_by(analyst()))
            .await
            .expect("request");
        // Claim as an approval does, then "crash" before the Mimecast outcome is recorded.
        let (id, now) = (request.short_id.clone(), approvals.now());
        let won = approvals
            .store()
            .call(move |c| store::ops::decide(c, &id, &lead(), now, store::ops::Decide::Claim))
            .await
            .expect("claim");
        assert!(matches!(won, store::ops::Transition::Won(_)));
        request.short_id
    };
    let approvals = file_approvals(&db, &clock).await;
    let claimed = approvals.claimed().await.expect("claimed");
    assert_eq!(claimed.len(), 1);
    let calls = Arc::new(AtomicUsize::new(0));
    let refused = refusal(
        approvals
            .approve(&short_id, other_lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(
        refused,
        Refusal::AlreadyDecided {
            state: "claimed",
            ..
        }
    ));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // Expiry never touches it either.
    clock.advance(TimeDelta::days(1));
    assert!(approvals.expire_due().await.expect("expire").is_empty());
}

#[tokio::test]
async fn requests_expire_after_the_configured_time() {
    let db = TempDb::new("expiry");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    assert_eq!(approvals.expiry(), DEFAULT_EXPIRY);
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    assert_eq!(request.expires_at, t0() + TimeDelta::hours(4));

    // Just before the expiry nothing is due.
    clock.set(t0() + TimeDelta::hours(4) - TimeDelta::seconds(1));
    assert!(approvals.expire_due().await.expect("sweep").is_empty());
    assert_eq!(approvals.pending().await.expect("pending").len(), 1);

    // At the expiry an approval is refused, and the action is marked expired.
    clock.set(t0() + TimeDelta::hours(4));
    let calls = Arc::new(AtomicUsize::new(0));
    let refused = refusal(
        approvals
            .approve(&request.short_id, lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(refused, Refusal::Expired { .. }), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "This request expired at 2024-05-01 14:00:00 UTC."
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let action = approvals
        .get(&request.short_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        action.state,
        State::Expired {
            at: t0() + TimeDelta::hours(4)
        }
    );
    let refused = refusal(
        approvals
            .approve(&request.short_id, lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(
        refused,
        Refusal::AlreadyDecided {
            state: "expired",
            ..
        }
    ));
    let audit = approvals.audit_of(&request.short_id).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![
            (AuditEvent::Requested, "pending".into()),
            (AuditEvent::Expired, "expired".into()),
            (AuditEvent::Refused, "expired".into()),
            (AuditEvent::Refused, "already_decided".into()),
        ]
    );
    assert_eq!(audit[1].actor, None);
}

#[tokio::test]
async fn expiry_never_passes_the_end_of_the_hold() {
    let db = TempDb::new("hold");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;

    // Received 13 days 22 hours ago: the hold ends in 2 hours, before the 4-hour expiry.
    let mut near = release_by(analyst());
    near.evidence.received = Some(t0() - TimeDelta::days(14) + TimeDelta::hours(2));
    let near = approvals.request(near).await.expect("request");
    assert_eq!(near.expires_at, t0() + TimeDelta::hours(2));

    // Receipt time unknown: the configured expiry alone.
    let mut unknown = release_by(analyst());
    unknown.evidence.received = None;
    let unknown = approvals.request(unknown).await.expect("request");
    assert_eq!(unknown.expires_at, t0() + TimeDelta::hours(4));

    // A longer configured expiry is still capped by the hold, and clamped to 14 days.
    let week = approvals.clone().with_expiry(TimeDelta::days(7));
    let mut older = release_by(analyst());
    older.evidence.received = Some(t0() - TimeDelta::days(10));
    let older = week.request(older).await.expect("request");
    assert_eq!(older.expires_at, t0() + TimeDelta::days(4));
    assert_eq!(
        approvals.clone().with_expiry(TimeDelta::days(30)).expiry(),
        HOLD_RETENTION
    );
    assert_eq!(
        approvals.clone().with_expiry(TimeDelta::zero()).expiry(),
        MIN_EXPIRY
    );

    // The sweep after 2 hours expires only the capped one, once.
    clock.advance(TimeDelta::hours(2));
    let expired = approvals.expire_due().await.expect("sweep");
    assert_eq!(
        expired
            .iter()
            .map(|a| a.short_id.as_str())
            .collect::<Vec<_>>(),
        vec![near.short_id.as_str()]
    );
    assert_eq!(
        expired[0].outcome_line().as_deref(),
        Some("expired at 2024-05-01 12:00:00 UTC")
    );
    assert!(approvals.expire_due().await.expect("sweep").is_empty());
    assert_eq!(approvals.pending().await.expect("pending").len(), 2);

    // A message whose hold is over cannot be requested at all.
    let mut old = release_by(analyst());
    old.evidence.received = Some(t0() - TimeDelta::days(15));
    let err = approvals.request(old).await.expect_err("refused");
    assert!(matches!(err.refusal(), Some(Refusal::HoldEnded { .. })));
    let last = approvals.recent_audit(1).await.expect("audit");
    assert_eq!(
        events(&last),
        vec![(AuditEvent::Refused, "hold_ended".into())]
    );
}

#[tokio::test]
async fn a_failed_mimecast_call_is_recorded_as_a_failure() {
    let db = TempDb::new("failure");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    let error = "Mimecast did not release the message (hold-release answered release: false)";
    let decision = approvals
        .approve(&request.short_id, lead(), counting(&calls, Err(error)))
        .await
        .expect("decision");
    let Decision::Failed(action) = decision else {
        panic!("not a failure: {decision:?}")
    };
    assert_eq!(
        action.state,
        State::Failed {
            by: lead(),
            at: t0(),
            error: error.into()
        }
    );
    let audit = approvals.audit_of(&request.short_id).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![
            (AuditEvent::Requested, "pending".into()),
            (AuditEvent::Approved, "claimed".into()),
            (AuditEvent::Failed, "failed".into()),
        ]
    );
    assert_eq!(audit[2].detail.as_deref(), Some(error));
    assert_eq!(audit[2].mimecast_request_id, None);

    // A failed action is decided: a second approval does not call Mimecast again.
    let refused = refusal(
        approvals
            .approve(&request.short_id, other_lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(
        refused,
        Refusal::AlreadyDecided {
            state: "failed",
            ..
        }
    ));
    assert!(refused.to_string().contains("Mimecast failed"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panicking_mimecast_call_is_recorded_as_an_unknown_failure() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    let decision = approvals
        .approve(&request.short_id, lead(), |_action| async {
            panic!("bug in the execute closure")
        })
        .await
        .expect("decision");
    let Decision::Failed(action) = decision else {
        panic!("not a failure: {decision:?}")
    };
    assert!(matches!(action.state, State::Failed { ref error, .. } if error == OUTCOME_UNKNOWN));
}

#[tokio::test]
async fn reject_round_trips_reason_type_message_and_notify() {
    let db = TempDb::new("reject");
    let clock = ManualClock::new(t0());
    let kind = ActionKind::Reject {
        reason_type: Some(
            crate::mimecast::RejectReason::InappropriateCommunication
                .wire()
                .into(),
        ),
        message: Some("Rejected — see policy §4 'quoted' \"double\"".into()),
        notify: true,
    };
    let short_id = {
        let approvals = file_approvals(&db, &clock).await;
        let request = NewRequest {
            kind: kind.clone(),
            reason: None,
            ..release_by(analyst())
        };
        let action = approvals.request(request).await.expect("request");
        assert_eq!(action.kind, kind);
        action.short_id
    };
    let approvals = file_approvals(&db, &clock).await;
    let stored = approvals
        .get(&short_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.kind, kind);
    assert_eq!(stored.evidence, evidence(Some(t0() - TimeDelta::hours(1))));
    assert_eq!(stored.reason, None);
    assert_eq!(stored.requester, analyst());

    let seen = Arc::new(std::sync::Mutex::new(None));
    let sink = Arc::clone(&seen);
    let decision = approvals
        .approve(&short_id, lead(), move |action| async move {
            *sink.lock().expect("lock") = Some(action.kind.clone());
            Ok("mc-reject".to_owned())
        })
        .await
        .expect("approve");
    assert_eq!(decision.action().kind, kind);
    assert_eq!(*seen.lock().expect("lock"), Some(kind.clone()));
    assert!(
        decision
            .action()
            .outcome_line()
            .is_some_and(|l| l.starts_with("rejected by lee"))
    );
    let audit = approvals.audit_of(&short_id).await.expect("audit");
    assert_eq!(audit[0].action.as_deref(), Some("reject"));
    let data = audit[0].data.as_ref().expect("request data");
    assert_eq!(data["kind"]["reasonType"], "INAPPROPRIATE COMMUNICATION");
    assert_eq!(data["kind"]["notify"], true);

    // The parsed command maps onto the same kind.
    let invocation = mimecast_commands::parse_line(
        "messages reject --id MSG1 --reason-type inappropriate-communication --notify",
    )
    .expect("parse");
    let mimecast_commands::Command::MessagesReject(command) = invocation.command else {
        panic!("not a reject")
    };
    assert!(matches!(
        ActionKind::reject_from(&command),
        ActionKind::Reject { reason_type: Some(ref r), notify: true, .. }
            if r == "INAPPROPRIATE COMMUNICATION"
    ));
}

#[tokio::test]
async fn deny_and_withdraw() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    let calls = Arc::new(AtomicUsize::new(0));

    let denied = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    let refused = approvals
        .deny(&denied.short_id, console("bob", &["analyst"]))
        .await
        .expect_err("a non-approver cannot deny");
    assert!(matches!(
        refused.refusal(),
        Some(Refusal::NotApprover { .. })
    ));
    let decision = approvals
        .deny(&denied.short_id, lead())
        .await
        .expect("deny");
    assert!(matches!(decision, Decision::Denied(_)));
    assert_eq!(
        decision.action().outcome_line().as_deref(),
        Some("denied by lee (display) (console) at 2024-05-01 10:00:00 UTC")
    );
    let refused = refusal(
        approvals
            .approve(&denied.short_id, other_lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(
        refused,
        Refusal::AlreadyDecided {
            state: "denied",
            ..
        }
    ));
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let withdrawn = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    let decision = approvals
        .deny(&withdrawn.short_id, analyst())
        .await
        .expect("withdraw");
    assert!(
        decision
            .action()
            .outcome_line()
            .is_some_and(|l| l.starts_with("withdrawn by ana"))
    );
    let audit = approvals
        .audit_of(&withdrawn.short_id)
        .await
        .expect("audit");
    assert_eq!(audit[1].event, AuditEvent::Denied);
    assert_eq!(audit[1].outcome, "withdrawn");
}

#[tokio::test]
async fn unknown_ids_are_refused_and_audited() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    let calls = Arc::new(AtomicUsize::new(0));
    let long = "x".repeat(500);
    let refused = refusal(
        approvals
            .approve(&long, lead(), counting(&calls, Ok("mc")))
            .await,
    );
    assert!(matches!(refused, Refusal::NotFound { .. }));
    let audit = approvals.recent_audit(1).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![(AuditEvent::Refused, "not_found".into())]
    );
    assert_eq!(audit[0].short_id.as_ref().map(String::len), Some(64));
    assert!(
        !approvals
            .attach_chat_ref("nope", "1")
            .await
            .expect("chat ref")
    );
}

#[tokio::test]
async fn cli_actions_are_audited_in_the_same_shape() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    let operator = Actor::new(Platform::Cli, "alice", "alice");
    let done = CliAction {
        message_id: "held-1".into(),
        evidence: evidence(None),
        actor: operator.clone(),
        kind: ActionKind::Release,
        reason: Some("confirmed with the recipient".into()),
        outcome: Ok("mc-cli-1".into()),
    };
    approvals.record_cli_action(done).await.expect("record");
    let failed = CliAction {
        message_id: "held-2".into(),
        evidence: evidence(None),
        actor: operator.clone(),
        kind: ActionKind::Reject {
            reason_type: None,
            message: None,
            notify: false,
        },
        reason: None,
        outcome: Err("Mimecast answered 500".into()),
    };
    approvals.record_cli_action(failed).await.expect("record");

    let audit = approvals.recent_audit(10).await.expect("audit");
    assert_eq!(
        events(&audit),
        vec![
            (AuditEvent::CliConfirmed, "failed".into()),
            (AuditEvent::CliConfirmed, "executed".into()),
        ]
    );
    assert!(audit[0].id > audit[1].id);
    assert_eq!(audit[0].detail.as_deref(), Some("Mimecast answered 500"));
    assert_eq!(audit[0].action.as_deref(), Some("reject"));
    assert_eq!(audit[1].mimecast_request_id.as_deref(), Some("mc-cli-1"));
    assert_eq!(audit[1].message_id.as_deref(), Some("held-1"));
    assert_eq!(audit[1].actor.as_ref(), Some(&operator));
    assert_eq!(audit[1].short_id, None);
}

#[tokio::test]
async fn only_approvers_read_the_audit_log() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    for _ in 0..3 {
        approvals
            .request(release_by(analyst()))
            .await
            .expect("request");
    }
    let err = approvals
        .recent_audit_as(&analyst(), 10)
        .await
        .expect_err("analyst");
    assert!(matches!(err.refusal(), Some(Refusal::NotApprover { .. })));
    let entries = approvals.recent_audit_as(&lead(), 2).await.expect("lead");
    assert_eq!(entries.len(), 2);
    // Newest first: the analyst's refused read, then the last request.
    assert_eq!(entries[0].outcome, "not_approver");
    assert_eq!(entries[1].event, AuditEvent::Requested);
}

fn raw(db: &TempDb) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db.path()).expect("raw open");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

fn audit_rows(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count")
}

#[tokio::test]
async fn the_audit_log_refuses_update_and_delete() {
    let db = TempDb::new("appendonly");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    approvals
        .approve(&request.short_id, lead(), |_a| async {
            Ok("mc".to_owned())
        })
        .await
        .expect("approve");

    // Another client on the same file, as someone with the sqlite3 shell would be.
    let conn = raw(&db);
    let before = audit_rows(&conn);
    assert_eq!(before, 3);
    for sql in [
        "UPDATE audit_log SET outcome = 'executed' WHERE event = 'approved'",
        "UPDATE audit_log SET mimecast_request_id = NULL",
        "DELETE FROM audit_log WHERE id = 1",
        "DELETE FROM audit_log",
        "INSERT OR REPLACE INTO audit_log (id, at, event, outcome) \
         VALUES (1, '2024-01-01T00:00:00.000000Z', 'requested', 'forged')",
        "INSERT INTO audit_log (id, at, event, outcome) \
         VALUES (2, '2024-01-01T00:00:00.000000Z', 'requested', 'forged') \
         ON CONFLICT (id) DO UPDATE SET outcome = 'forged'",
    ] {
        let err = conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(audit_rows(&conn), before);
    let forged: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE outcome = 'forged'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(forged, 0);

    // The bot's own connection is held to the same rule.
    let err = approvals
        .store()
        .call(|c| Ok(c.execute("DELETE FROM audit_log", [])?))
        .await
        .expect_err("delete through the store");
    assert!(err.to_string().contains("append-only"), "{err}");

    // Appending still works.
    conn.execute(
        "INSERT INTO audit_log (at, event, outcome) VALUES ('2024-01-01T00:00:00.000000Z', 'refused', 'x')",
        [],
    )
    .expect("append");
    assert_eq!(audit_rows(&conn), before + 1);
}

#[tokio::test]
async fn pending_actions_keep_to_their_state_machine() {
    let db = TempDb::new("states");
    let clock = ManualClock::new(t0());
    let approvals = file_approvals(&db, &clock).await;
    let request = approvals
        .request(release_by(analyst()))
        .await
        .expect("request");
    approvals
        .approve(&request.short_id, lead(), |_a| async {
            Ok("mc".to_owned())
        })
        .await
        .expect("approve");
    let conn = raw(&db);
    for sql in [
        "UPDATE pending_actions SET state = 'pending', decided_at = NULL, decided_platform = NULL, \
         decided_user = NULL, decided_display = NULL, decided_roles = NULL, \
         mimecast_request_id = NULL",
        "UPDATE pending_actions SET state = 'claimed', mimecast_request_id = NULL",
        "UPDATE pending_actions SET ev_subject = 'harmless'",
        "UPDATE pending_actions SET requester_user = 'lee'",
        "INSERT OR REPLACE INTO pending_actions SELECT * FROM pending_actions",
    ] {
        let err = conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("pending_actions"), "{sql}: {err}");
    }
    let action = approvals
        .get(&request.short_id)
        .await
        .expect("get")
        .expect("exists");
    assert!(matches!(action.state, State::Executed { .. }));
    assert_eq!(action.evidence, request.evidence);
}

#[tokio::test]
async fn the_store_uses_wal_and_refuses_newer_schemas() {
    let db = TempDb::new("schema");
    let store = Store::open(db.path()).await.expect("open");
    assert_eq!(store.path(), Some(db.path()));
    drop(store);
    let conn = raw(&db);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, SCHEMA_VERSION);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(db.path())
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    // Opening again is a no-op migration.
    Store::open(db.path()).await.expect("reopen");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    let err = Store::open(db.path()).await.expect_err("newer schema");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn short_ids_are_short_and_unique_across_ten_thousand_requests() {
    let clock = ManualClock::new(t0());
    let approvals = approvals(Store::open_in_memory().expect("store"), &clock);
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        let action = approvals
            .request(release_by(analyst()))
            .await
            .expect("request");
        assert!(action.short_id.len() <= 16);
        assert!(ids::is_short_id(&action.short_id), "{}", action.short_id);
        assert!(seen.insert(action.short_id));
    }
    assert_eq!(seen.len(), 10_000);
    assert_eq!(approvals.pending().await.expect("pending").len(), 10_000);
}
