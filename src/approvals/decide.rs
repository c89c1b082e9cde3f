//! Requests and decisions: the two-person rule over the store.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

use super::audit::{AuditEntry, AuditEvent, NewAudit, request_data};
use super::clock::{Clock, SystemClock, now_stored};
use super::error::{ApprovalError, Refusal, StoreError};
use super::ids;
use super::model::{
    ActionKind, Actor, DEFAULT_EXPIRY, Evidence, HOLD_RETENTION, PendingAction, State, expiry_for,
};
use super::policy::Policies;
use super::store::Store;
use super::store::ops::{self, Decide, Transition};

/// Shortest configurable expiry.
pub const MIN_EXPIRY: TimeDelta = TimeDelta::minutes(1);

/// Most audit entries one read returns.
pub const MAX_AUDIT_LIMIT: u32 = 500;

/// Shown (and recorded) when the Mimecast call panicked: it may or may not have been sent.
pub const OUTCOME_UNKNOWN: &str = "the bot failed while calling Mimecast, so whether Mimecast \
    acted is unknown; check the held queue before asking again";

/// Tries at recording a Mimecast outcome before giving up (and logging it).
const RECORD_TRIES: u32 = 3;

/// A request for a release or reject, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// The held message's full Mimecast id.
    pub message_id: String,
    /// Release or reject.
    pub kind: ActionKind,
    /// What the approver will be shown.
    pub evidence: Evidence,
    /// Who asks.
    pub requester: Actor,
    /// Where (channel id, or `console`).
    pub channel: String,
    /// The requester's `--reason`.
    pub reason: Option<String>,
}

/// A release or reject the one-shot CLI carried out after its own confirmation (or `--yes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliAction {
    /// The held message's full Mimecast id.
    pub message_id: String,
    /// What the operator was shown.
    pub evidence: Evidence,
    /// The operator ([`super::Platform::Cli`], user id = the OS user name).
    pub actor: Actor,
    /// Release or reject.
    pub kind: ActionKind,
    /// `--reason`.
    pub reason: Option<String>,
    /// Mimecast's request id, or the error shown.
    pub outcome: Result<String, String>,
}

/// How a decision ended. The action inside carries the final [`State`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approved, and Mimecast confirmed it.
    Executed(PendingAction),
    /// Approved, but the Mimecast call failed; nothing is recorded as done.
    Failed(PendingAction),
    /// Denied by an approver or withdrawn by the requester.
    Denied(PendingAction),
}

impl Decision {
    /// The action as it now stands.
    pub fn action(&self) -> &PendingAction {
        match self {
            Self::Executed(a) | Self::Failed(a) | Self::Denied(a) => a,
        }
    }
}

/// The two-person rule: requests, approvals, denials and expiry over a durable [`Store`].
/// Cheap to clone; clones share the store, the policies and the clock.
#[derive(Clone)]
pub struct Approvals {
    store: Store,
    policies: Arc<Policies>,
    clock: Arc<dyn Clock>,
    expiry: TimeDelta,
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approvals")
            .field("store", &self.store)
            .field("policies", &self.policies)
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

impl Approvals {
    /// Approvals over `store` under `policies`, on the system clock, expiring after
    /// [`DEFAULT_EXPIRY`].
    pub fn new(store: Store, policies: Policies) -> Self {
        Self {
            store,
            policies: Arc::new(policies),
            clock: Arc::new(SystemClock),
            expiry: DEFAULT_EXPIRY,
        }
    }

    /// The same, telling time by `clock`.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The same, with requests expiring after `expiry` (kept between [`MIN_EXPIRY`] and
    /// [`HOLD_RETENTION`]; the message's hold caps it further).
    pub fn with_expiry(mut self, expiry: TimeDelta) -> Self {
        self.expiry = expiry.clamp(MIN_EXPIRY, HOLD_RETENTION);
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The policies.
    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    /// The configured expiry.
    pub fn expiry(&self) -> TimeDelta {
        self.expiry
    }

    /// Now, by this instance's clock, at the store's precision.
    pub fn now(&self) -> DateTime<Utc> {
        now_stored(&*self.clock)
    }

    /// Creates a pending action (audited `requested`) if the requester may ask and the
    /// message's hold has not ended; otherwise the refusal is audited and returned.
    pub async fn request(&self, request: NewRequest) -> Result<PendingAction, ApprovalError> {
        let now = self.now();
        let mut evidence = request.evidence;
        evidence.received = evidence.received.map(|r| r.trunc_subsecs(6));
        let action = PendingAction {
            short_id: ids::new_short_id(),
            message_id: request.message_id,
            kind: request.kind,
            expires_at: expiry_for(now, self.expiry, evidence.received),
            evidence,
            requester: request.requester,
            channel: request.channel,
            chat_ref: None,
            reason: request.reason,
            created_at: now,
            state: State::Pending,
        };
        let refusal = match self.policies.check_request(&action.requester) {
            Err(refusal) => Some(refusal),
            Ok(()) => action
                .evidence
                .hold_ends()
                .filter(|ends| *ends <= now)
                .map(|ended| Refusal::HoldEnded { ended }),
        };
        if let Some(refusal) = refusal {
            let mut entry = NewAudit::about(
                AuditEvent::Refused,
                &action,
                Some(&action.requester),
                now,
                refusal.code(),
            )
            .detail(format!("request: {}", refusal.detail()));
            // No action was created, so no short id is recorded.
            entry.short_id = None;
            entry.data = Some(request_data(&action));
            self.store
                .call(move |c| ops::append_audit_tx(c, &entry))
                .await?;
            return Err(refusal.into());
        }
        let action = self
            .store
            .call(move |c| ops::insert_request(c, action))
            .await?;
        tracing::info!(
            short_id = %action.short_id,
            kind = action.kind.name(),
            requester = %action.requester.user_id,
            "approval requested"
        );
        Ok(action)
    }

    /// Approves `short_id` as `approver` and, if this approval is the first valid decision,
    /// runs `execute` (the one Mimecast call) exactly once and records its outcome.
    ///
    /// The action is claimed atomically in SQLite before `execute` runs, so concurrent
    /// approvals (from this process or another on the same file) cannot both run it; the
    /// losers get [`Refusal::AlreadyDecided`]. `execute` gets the claimed action and returns
    /// Mimecast's request id or the error to show. It runs, and its outcome is recorded, on a
    /// task of its own: if the caller stops waiting, the call still completes and is recorded.
    /// A panic in `execute` is recorded as a failure with [`OUTCOME_UNKNOWN`].
    pub async fn approve<F, Fut>(
        &self,
        short_id: &str,
        approver: Actor,
        execute: F,
    ) -> Result<Decision, ApprovalError>
    where
        F: FnOnce(PendingAction) -> Fut + Send + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        let short_id = ids::normalize(short_id);
        let now = self.now();
        let action = self.find(&short_id, &approver, now).await?;
        if let Err(refusal) = self.policies.check_approve(&action.requester, &approver) {
            return Err(self.refused(&action, &approver, now, refusal).await);
        }
        let actor = approver.clone();
        let claimed = match self
            .store
            .call(move |c| ops::decide(c, &short_id, &actor, now, Decide::Claim))
            .await?
        {
            Transition::Won(action) => *action,
            Transition::Refused(refusal) => return Err(refusal.into()),
        };
        tracing::info!(
            short_id = %claimed.short_id,
            approver = %approver.user_id,
            "approval claimed the action; calling Mimecast"
        );
        let this = self.clone();
        let short_id = claimed.short_id.clone();
        tokio::spawn(async move { this.run_claimed(claimed, execute).await })
            .await
            .map_err(|e| ApprovalError::Unrecorded {
                outcome: format!("unknown ({short_id})"),
                source: StoreError::Task(e.to_string()),
            })?
    }

    /// Runs the Mimecast call of a claimed action and records what it answered.
    async fn run_claimed<F, Fut>(
        &self,
        claimed: PendingAction,
        execute: F,
    ) -> Result<Decision, ApprovalError>
    where
        F: FnOnce(PendingAction) -> Fut + Send + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        let short_id = claimed.short_id.clone();
        let outcome = tokio::spawn(async move { execute(claimed).await })
            .await
            .unwrap_or_else(|_| Err(OUTCOME_UNKNOWN.to_owned()));
        let mut tries = 0;
        let action = loop {
            let (id, result) = (short_id.clone(), outcome.clone());
            let now = self.now();
            match self
                .store
                .call(move |c| ops::finish(c, &id, now, &result))
                .await
            {
                Ok(action) => break action,
                Err(e) if tries + 1 < RECORD_TRIES => {
                    tries += 1;
                    tracing::warn!(%short_id, error = %e, "recording a Mimecast outcome failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(tries))).await;
                }
                Err(source) => {
                    let outcome = match &outcome {
                        Ok(id) => format!("executed, Mimecast request {id}"),
                        Err(e) => format!("failed: {e}"),
                    };
                    tracing::error!(%short_id, %outcome, error = %source,
                        "could not record the Mimecast outcome of an approved action");
                    return Err(ApprovalError::Unrecorded { outcome, source });
                }
            }
        };
        match &action.state {
            State::Executed {
                mimecast_request_id,
                ..
            } => {
                tracing::info!(%short_id, %mimecast_request_id, "approved action executed");
                Ok(Decision::Executed(action))
            }
            State::Failed { error, .. } => {
                tracing::warn!(%short_id, %error, "approved action failed at Mimecast");
                Ok(Decision::Failed(action))
            }
            other => Err(StoreError::Corrupt(format!(
                "{short_id} is {} after recording its outcome",
                other.name()
            ))
            .into()),
        }
    }

    /// Denies `short_id` as `actor`: an approver, or the requester withdrawing their request.
    pub async fn deny(&self, short_id: &str, actor: Actor) -> Result<Decision, ApprovalError> {
        let short_id = ids::normalize(short_id);
        let now = self.now();
        let action = self.find(&short_id, &actor, now).await?;
        if let Err(refusal) = self.policies.check_deny(&action.requester, &actor) {
            return Err(self.refused(&action, &actor, now, refusal).await);
        }
        match self
            .store
            .call(move |c| ops::decide(c, &short_id, &actor, now, Decide::Deny))
            .await?
        {
            Transition::Won(action) => Ok(Decision::Denied(*action)),
            Transition::Refused(refusal) => Err(refusal.into()),
        }
    }

    /// Marks every pending action past its expiry as expired (audited `expired`) and returns
    /// them, so their chat messages can be updated. Run it at start and then every minute or so.
    pub async fn expire_due(&self) -> Result<Vec<PendingAction>, ApprovalError> {
        let now = self.now();
        Ok(self.store.call(move |c| ops::expire_due(c, now)).await?)
    }

    /// The action with `short_id`, whatever its state (an unswept expired one still reads
    /// `Pending`: see [`PendingAction::is_open`]).
    pub async fn get(&self, short_id: &str) -> Result<Option<PendingAction>, ApprovalError> {
        let short_id = ids::normalize(short_id);
        Ok(self.store.call(move |c| ops::get(c, &short_id)).await?)
    }

    /// Actions still waiting for a decision (pending and not expired), oldest first.
    pub async fn pending(&self) -> Result<Vec<PendingAction>, ApprovalError> {
        let now = self.now();
        let all = self.store.call(|c| ops::in_state(c, "pending")).await?;
        Ok(all.into_iter().filter(|a| a.is_open(now)).collect())
    }

    /// Actions claimed by an approval whose Mimecast outcome was never recorded. Outside a
    /// running approval this means the bot stopped mid-call: the outcome is unknown, the
    /// action is never executed again, and a person should check Mimecast.
    pub async fn claimed(&self) -> Result<Vec<PendingAction>, ApprovalError> {
        Ok(self.store.call(|c| ops::in_state(c, "claimed")).await?)
    }

    /// Remembers the platform's handle of the message that shows the request (Discord message
    /// id, Slack `ts`), so it can be updated after a restart. False when no such action.
    pub async fn attach_chat_ref(
        &self,
        short_id: &str,
        chat_ref: impl Into<String>,
    ) -> Result<bool, ApprovalError> {
        let short_id = ids::normalize(short_id);
        let chat_ref = chat_ref.into();
        Ok(self
            .store
            .call(move |c| ops::set_chat_ref(c, &short_id, &chat_ref))
            .await?)
    }

    /// The newest `limit` audit entries (1 to [`MAX_AUDIT_LIMIT`]), newest first, unchecked:
    /// for the operator's CLI. Chat adapters use [`Approvals::recent_audit_as`].
    pub async fn recent_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, ApprovalError> {
        let limit = limit.clamp(1, MAX_AUDIT_LIMIT);
        Ok(self
            .store
            .call(move |c| ops::recent_audit(c, limit))
            .await?)
    }

    /// [`Approvals::recent_audit`] for `actor`, who must be an approver on their platform
    /// (a refusal is audited).
    pub async fn recent_audit_as(
        &self,
        actor: &Actor,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, ApprovalError> {
        if let Err(refusal) = self.policies.check_audit_viewer(actor) {
            let entry = NewAudit {
                at: self.now(),
                event: AuditEvent::Refused,
                short_id: None,
                message_id: None,
                action: None,
                actor: Some(actor.clone()),
                outcome: refusal.code().to_owned(),
                mimecast_request_id: None,
                detail: Some(format!("audit read: {}", refusal.detail())),
                data: None,
            };
            self.store
                .call(move |c| ops::append_audit_tx(c, &entry))
                .await?;
            return Err(refusal.into());
        }
        self.recent_audit(limit).await
    }

    /// Every audit entry about one action, oldest first.
    pub async fn audit_of(&self, short_id: &str) -> Result<Vec<AuditEntry>, ApprovalError> {
        let short_id = ids::normalize(short_id);
        Ok(self
            .store
            .call(move |c| ops::audit_of(c, &short_id))
            .await?)
    }

    /// Records a release or reject done by the one-shot CLI (event `cli_confirmed`, outcome
    /// `executed` or `failed`) in the same shape as chat decisions. Returns the entry's id.
    pub async fn record_cli_action(&self, action: CliAction) -> Result<i64, ApprovalError> {
        let data = serde_json::json!({
            "kind": action.kind,
            "reason": action.reason,
            "evidence": action.evidence,
        });
        let (outcome, request_id, detail) = match action.outcome {
            Ok(id) => (
                "executed",
                Some(id),
                action.reason.map(|r| format!("reason: {r}")),
            ),
            Err(e) => ("failed", None, Some(e)),
        };
        let entry = NewAudit {
            at: self.now(),
            event: AuditEvent::CliConfirmed,
            short_id: None,
            message_id: Some(action.message_id),
            action: Some(action.kind.name()),
            actor: Some(action.actor),
            outcome: outcome.to_owned(),
            mimecast_request_id: request_id,
            detail,
            data: Some(data),
        };
        Ok(self
            .store
            .call(move |c| ops::append_audit_tx(c, &entry))
            .await?)
    }

    /// The action named `short_id`, or the audited [`Refusal::NotFound`].
    async fn find(
        &self,
        short_id: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<PendingAction, ApprovalError> {
        let (id, who) = (short_id.to_owned(), actor.clone());
        let found = self
            .store
            .call(move |c| match ops::get(c, &id)? {
                Some(action) => Ok(Ok(action)),
                None => Ok(Err(ops::refuse_not_found(c, &id, &who, now)?)),
            })
            .await?;
        found.map_err(ApprovalError::from)
    }

    /// Audits a policy refusal and returns it as an error (or the store's error, if auditing
    /// failed: a refusal is never silent).
    async fn refused(
        &self,
        action: &PendingAction,
        actor: &Actor,
        now: DateTime<Utc>,
        refusal: Refusal,
    ) -> ApprovalError {
        let (action, actor, audited) = (action.clone(), actor.clone(), refusal.clone());
        match self
            .store
            .call(move |c| ops::refuse(c, &action, &actor, now, &audited))
            .await
        {
            Ok(_) => refusal.into(),
            Err(e) => e.into(),
        }
    }
}
