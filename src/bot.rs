//! The bot's core, shared by every chat adapter and the console: reads go to the [`Engine`];
//! release and reject become approval requests; Approve and Deny decide them (the Mimecast call
//! runs once, inside the claim); `audit` shows the log to approvers.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mimecast_commands::{Command, Invocation};
use serde_json::json;

use crate::approvals::{
    ActionKind, Actor, ApprovalError, Approvals, AuditEntry, Decision, Evidence, NewRequest,
    PendingAction, State,
};
use crate::chat::inflight::InFlight;
use crate::engine::held::evidence_fields;
use crate::engine::reply::{Button, ButtonStyle, Field, Reply, Row, Severity, Table, Text};
use crate::engine::{Engine, EngineError};
use crate::mimecast::{HeldMessage, MimecastClient, MimecastError, RejectHeld, RejectReason};
use crate::ops::metrics::{ApprovalOutcome, CommandOutcome, metrics};

/// Prefix of an Approve button's id; the pending action's short id follows.
pub const APPROVE_PREFIX: &str = "approve:";
/// Prefix of a Deny button's id.
pub const DENY_PREFIX: &str = "deny:";

/// What a pressed button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonAction {
    /// Approve the pending action.
    Approve,
    /// Deny it.
    Deny,
}

/// Reads a button id (`approve:abcd…`) back into its action and short id.
pub fn parse_button(id: &str) -> Option<(ButtonAction, &str)> {
    if let Some(short) = id.strip_prefix(APPROVE_PREFIX) {
        Some((ButtonAction::Approve, short))
    } else {
        id.strip_prefix(DENY_PREFIX)
            .map(|short| (ButtonAction::Deny, short))
    }
}

/// The pending action's short id when `reply` is an approval request (its Approve button),
/// so the adapter can remember where the request was posted.
pub fn approval_request_id(reply: &Reply) -> Option<String> {
    if reply.severity == Severity::Error {
        return None;
    }
    reply.buttons.iter().find_map(|b| {
        parse_button(&b.id)
            .filter(|(a, _)| *a == ButtonAction::Approve)
            .map(|(_, id)| id.to_owned())
    })
}

/// A command or decision failed; [`BotError::user_message`] is the one line to show.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The engine (input, Mimecast) failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The approval rule or store refused or failed.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
}

impl BotError {
    /// One line for the user.
    pub fn user_message(&self) -> String {
        match self {
            Self::Engine(e) => e.user_message(),
            Self::Approval(e) => e.to_string(),
        }
    }

    /// True when the command was turned down for a reason the person can fix (input, an
    /// approval rule, an unknown or ambiguous message, an unknown page) rather than failing.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Approval(e) => e.refusal().is_some(),
            Self::Engine(
                EngineError::Input(_)
                | EngineError::NotHeld
                | EngineError::Refused(_)
                | EngineError::BadPage
                | EngineError::AmbiguousRef
                | EngineError::NeedsConfirmation
                | EngineError::Mimecast(MimecastError::InvalidRequest { .. }),
            ) => true,
            Self::Engine(_) => false,
        }
    }
}

/// Engine plus approvals, and the count of work in flight (for a clean stop).
#[derive(Clone)]
pub struct Bot {
    engine: Engine,
    approvals: Approvals,
    in_flight: Arc<InFlight>,
}

impl Bot {
    /// A bot over `engine` and `approvals`.
    pub fn new(engine: Engine, approvals: Approvals) -> Self {
        Self {
            engine,
            approvals,
            in_flight: Arc::default(),
        }
    }

    /// The work in flight: adapters hold a guard per command or press, and a stop drains it.
    pub fn in_flight(&self) -> &Arc<InFlight> {
        &self.in_flight
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The approvals.
    pub fn approvals(&self) -> &Approvals {
        &self.approvals
    }

    /// Runs a command from `actor` in `channel`. Release and reject do not touch Mimecast's
    /// held queue: they create a pending action whose reply carries Approve and Deny buttons.
    /// Counted in `mimecast_bot_commands_total` by canonical words and outcome.
    pub async fn command(
        &self,
        actor: &Actor,
        channel: &str,
        invocation: &Invocation,
        page: Option<String>,
    ) -> Result<Reply, BotError> {
        let result = self.run_command(actor, channel, invocation, page).await;
        let outcome = match &result {
            Ok(_) => CommandOutcome::Ok,
            Err(e) if e.is_refusal() => CommandOutcome::Refused,
            Err(_) => CommandOutcome::Error,
        };
        metrics().command(invocation.command.id().path(), outcome);
        result
    }

    async fn run_command(
        &self,
        actor: &Actor,
        channel: &str,
        invocation: &Invocation,
        page: Option<String>,
    ) -> Result<Reply, BotError> {
        match &invocation.command {
            Command::MessagesRelease(release) => {
                let message = self.engine.find_held(release.id.as_str()).await?;
                self.request(
                    actor,
                    channel,
                    &message,
                    ActionKind::Release,
                    release.reason.clone(),
                )
                .await
            }
            Command::MessagesReject(reject) => {
                let message = self.engine.find_held(reject.id.as_str()).await?;
                self.request(
                    actor,
                    channel,
                    &message,
                    ActionKind::reject_from(reject),
                    None,
                )
                .await
            }
            Command::Audit(audit) => {
                let entries = self.approvals.recent_audit_as(actor, audit.limit).await?;
                Ok(audit_reply(&entries))
            }
            _ => Ok(self.engine.execute(invocation, page).await?),
        }
    }

    async fn request(
        &self,
        actor: &Actor,
        channel: &str,
        message: &HeldMessage,
        kind: ActionKind,
        reason: Option<String>,
    ) -> Result<Reply, BotError> {
        let action = self
            .approvals
            .request(NewRequest {
                message_id: message.id.clone(),
                kind,
                evidence: Evidence::from_held(message),
                requester: actor.clone(),
                channel: channel.to_owned(),
                reason,
            })
            .await
            .inspect_err(count_refusal)?;
        metrics().approval(ApprovalOutcome::Requested);
        Ok(request_reply(&action, message))
    }

    /// Approves the pending action `short_id` as `actor`: the first valid approval claims it
    /// and makes the one Mimecast call; the reply states the outcome (buttons removed).
    pub async fn approve(&self, actor: Actor, short_id: &str) -> Result<Reply, BotError> {
        let client = self.engine.client().clone();
        let decision = self
            .approvals
            .approve(short_id, actor, move |action| async move {
                execute(&client, &action).await
            })
            .await
            .inspect_err(count_refusal)?;
        metrics().approval(match &decision {
            Decision::Executed(_) => ApprovalOutcome::Executed,
            Decision::Failed(_) => ApprovalOutcome::Failed,
            Decision::Denied(_) => ApprovalOutcome::Denied,
        });
        Ok(outcome_reply(decision.action()))
    }

    /// Denies (or, for the requester, withdraws) the pending action `short_id`.
    pub async fn deny(&self, actor: Actor, short_id: &str) -> Result<Reply, BotError> {
        let decision = self
            .approvals
            .deny(short_id, actor)
            .await
            .inspect_err(count_refusal)?;
        metrics().approval(ApprovalOutcome::Denied);
        Ok(outcome_reply(decision.action()))
    }

    /// Marks overdue requests expired; returns each with the reply to update its message with.
    pub async fn expire_due(&self) -> Result<Vec<(PendingAction, Reply)>, BotError> {
        let expired = self.approvals.expire_due().await?;
        metrics().approvals_add(ApprovalOutcome::Expired, expired.len() as u64);
        Ok(expired
            .into_iter()
            .map(|a| {
                let reply = outcome_reply(&a);
                (a, reply)
            })
            .collect())
    }
}

/// Counts a request or decision the approval rule refused (other failures are not outcomes).
fn count_refusal(err: &ApprovalError) {
    if err.refusal().is_some() {
        metrics().approval(ApprovalOutcome::Refused);
    }
}

/// The one Mimecast call of an approved action. `Ok` carries Mimecast's request id; `Err` the
/// reason shown and recorded.
async fn execute(client: &MimecastClient, action: &PendingAction) -> Result<String, String> {
    let result = match &action.kind {
        ActionKind::Release => client.release_held(&action.message_id).await,
        ActionKind::Reject {
            reason_type,
            message,
            notify,
        } => {
            let request = RejectHeld {
                ids: vec![action.message_id.clone()],
                message: message.clone(),
                reason_type: reason_type.as_deref().and_then(RejectReason::from_wire),
                notify: *notify,
            };
            client.reject_held(&request).await
        }
    };
    result.map(|receipt| receipt.request_id).map_err(|e| {
        tracing::warn!(short_id = %action.short_id, error = %e, "approved action failed at Mimecast");
        e.user_message()
    })
}

fn time(at: DateTime<Utc>) -> String {
    crate::render::time_text(at)
}

fn kind_fields(action: &PendingAction) -> Vec<Field> {
    let mut fields = Vec::new();
    if let ActionKind::Reject {
        reason_type,
        message,
        notify,
    } = &action.kind
    {
        if let Some(reason) = reason_type {
            fields.push(Field {
                name: "Reject reason".into(),
                value: Text::plain(reason.clone()),
            });
        }
        if let Some(message) = message {
            fields.push(Field {
                name: "Note to sender".into(),
                value: Text::untrusted(message.clone()),
            });
        }
        fields.push(Field {
            name: "Notify sender".into(),
            value: Text::plain(if *notify { "yes" } else { "no" }),
        });
    }
    if let Some(reason) = &action.reason {
        fields.push(Field {
            name: "Reason".into(),
            value: Text::untrusted(reason.clone()),
        });
    }
    fields.push(Field {
        name: "Requested by".into(),
        value: Text::untrusted(action.requester.display.clone()),
    });
    fields
}

/// The request message: evidence, who asked, and Approve / Deny buttons.
pub fn request_reply(action: &PendingAction, message: &HeldMessage) -> Reply {
    let verb = action.kind.name();
    let mut reply = Reply::new(
        format!("Approval needed: {verb} held message"),
        format!(
            "Waiting for an approver; expires {}.",
            time(action.expires_at)
        ),
        Severity::Warning,
    );
    reply.fields = evidence_fields(message);
    reply.fields.extend(kind_fields(action));
    reply.fields.push(Field {
        name: "Request".into(),
        value: Text::plain(action.short_id.clone()),
    });
    reply.buttons = vec![
        Button {
            id: format!("{APPROVE_PREFIX}{}", action.short_id),
            label: format!("Approve {verb}"),
            style: ButtonStyle::Success,
        },
        Button {
            id: format!("{DENY_PREFIX}{}", action.short_id),
            label: "Deny".into(),
            style: ButtonStyle::Danger,
        },
    ];
    reply.footer = Some(format!(
        "Requested {} · only an approver other than the requester can approve",
        time(action.created_at)
    ));
    reply.json = Some(
        json!({"command": format!("messages {verb}"), "request": action.short_id,
                             "state": "pending", "expiresAt": action.expires_at.to_rfc3339(),
                             "message": crate::engine::listings::held_document(message)}),
    );
    reply
}

/// A decided (or expired) request: the outcome line, the evidence, no buttons.
pub fn outcome_reply(action: &PendingAction) -> Reply {
    let verb = action.kind.name();
    let (title, severity) = match &action.state {
        State::Executed { .. } => (
            format!("{} held message", capitalise(action.kind.past_tense())),
            Severity::Success,
        ),
        State::Failed { .. } => (format!("Failed to {verb} held message"), Severity::Error),
        State::Denied { .. } => (
            format!("{} request denied", capitalise(verb)),
            Severity::Info,
        ),
        State::Expired { .. } => (
            format!("{} request expired", capitalise(verb)),
            Severity::Info,
        ),
        State::Claimed { .. } => (
            format!("{} approved, waiting for Mimecast", capitalise(verb)),
            Severity::Warning,
        ),
        State::Pending => (
            format!("Approval needed: {verb} held message"),
            Severity::Warning,
        ),
    };
    let summary = action
        .outcome_line()
        .unwrap_or_else(|| "Waiting for an approver.".to_owned());
    let mut reply = Reply::new(title, crate::render::sanitize::one_line(&summary), severity);
    let e = &action.evidence;
    reply.fields = vec![
        Field {
            name: "From".into(),
            value: Text::untrusted(e.sender.clone()),
        },
        Field {
            name: "To".into(),
            value: Text::untrusted(e.recipient.clone()),
        },
        Field {
            name: "Subject".into(),
            value: Text::untrusted(e.subject.clone()),
        },
        Field {
            name: "Held because".into(),
            value: Text::untrusted(e.reason.clone()),
        },
        Field {
            name: "Received".into(),
            value: Text::time(e.received),
        },
    ];
    reply.fields.extend(kind_fields(action));
    reply.fields.push(Field {
        name: "Request".into(),
        value: Text::plain(action.short_id.clone()),
    });
    reply.json = Some(
        json!({"request": action.short_id, "state": action.state.name(),
                             "outcome": action.outcome_line(), "messageId": action.message_id}),
    );
    reply
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Recent audit entries as a table, newest first.
pub fn audit_reply(entries: &[AuditEntry]) -> Reply {
    let mut reply = Reply::new(
        "Approval audit log",
        format!("{} most recent entries", entries.len()),
        Severity::Info,
    );
    reply.table = Some(Table {
        columns: ["When (UTC)", "Event", "Who", "Action", "Outcome", "Request"]
            .map(str::to_owned)
            .to_vec(),
        rows: entries
            .iter()
            .map(|e| Row {
                cells: vec![
                    Text::Time(e.at),
                    Text::plain(e.event.as_str()),
                    e.actor.as_ref().map_or(Text::Empty, |a| {
                        Text::untrusted(format!("{} ({})", a.display, a.platform))
                    }),
                    e.action.as_deref().map_or(Text::Empty, Text::plain),
                    Text::plain(e.outcome.clone()),
                    e.short_id.as_deref().map_or(Text::Empty, Text::plain),
                ],
            })
            .collect(),
    });
    reply.footer = Some("The audit log is append-only.".into());
    reply.json = Some(json!({"command": "audit", "entries": entries}));
    reply
}
