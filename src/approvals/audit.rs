//! Audit log entries: one per request, decision, refusal, expiry, outcome and CLI action.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Actor, PendingAction};

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// A release or reject was requested (a pending action was created).
    Requested,
    /// An approver's decision claimed the action; the Mimecast call follows.
    Approved,
    /// An approver denied it, or the requester withdrew it.
    Denied,
    /// Nobody decided in time.
    Expired,
    /// Mimecast carried it out (with its request id).
    Executed,
    /// The Mimecast call failed (with the error).
    Failed,
    /// A request, decision or audit read was refused (outcome: the [`super::Refusal::code`]).
    Refused,
    /// The one-shot CLI carried out a release or reject after its own confirmation.
    CliConfirmed,
}

impl AuditEvent {
    /// Every event.
    pub const ALL: [AuditEvent; 8] = [
        Self::Requested,
        Self::Approved,
        Self::Denied,
        Self::Expired,
        Self::Executed,
        Self::Failed,
        Self::Refused,
        Self::CliConfirmed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Executed => "executed",
            Self::Failed => "failed",
            Self::Refused => "refused",
            Self::CliConfirmed => "cli_confirmed",
        }
    }

    /// The event whose stored name is `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the audit log, as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the log (increasing).
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub event: AuditEvent,
    /// The pending action's short id (none for CLI actions and refused requests).
    pub short_id: Option<String>,
    /// The held message's full Mimecast id, when known.
    pub message_id: Option<String>,
    /// `release` or `reject`, when known.
    pub action: Option<String>,
    /// Who acted (none for expiry).
    pub actor: Option<Actor>,
    /// The result in one word: `pending`, `claimed`, `executed`, `failed`, `denied`,
    /// `withdrawn`, `expired`, or a refusal code.
    pub outcome: String,
    /// Mimecast's request id, for executed actions.
    pub mimecast_request_id: Option<String>,
    /// Human-readable detail (may quote untrusted data: escape when showing).
    pub detail: Option<String>,
    /// Structured detail: for `requested` and `cli_confirmed`, the action's kind, reason and
    /// evidence as JSON.
    pub data: Option<serde_json::Value>,
}

/// An entry to append.
#[derive(Debug, Clone)]
pub(crate) struct NewAudit {
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    pub short_id: Option<String>,
    pub message_id: Option<String>,
    pub action: Option<&'static str>,
    pub actor: Option<Actor>,
    pub outcome: String,
    pub mimecast_request_id: Option<String>,
    pub detail: Option<String>,
    pub data: Option<serde_json::Value>,
}

impl NewAudit {
    /// An entry about `action`, by `actor`.
    pub fn about(
        event: AuditEvent,
        action: &PendingAction,
        actor: Option<&Actor>,
        at: DateTime<Utc>,
        outcome: impl Into<String>,
    ) -> Self {
        Self {
            at,
            event,
            short_id: Some(action.short_id.clone()),
            message_id: Some(action.message_id.clone()),
            action: Some(action.kind.name()),
            actor: actor.cloned(),
            outcome: outcome.into(),
            mimecast_request_id: None,
            detail: None,
            data: None,
        }
    }

    /// The same entry with `detail`.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The JSON `data` of a request: kind, reason, channel and evidence.
pub(crate) fn request_data(action: &PendingAction) -> serde_json::Value {
    serde_json::json!({
        "kind": action.kind,
        "reason": action.reason,
        "channel": action.channel,
        "evidence": action.evidence,
        "expiresAt": action.expires_at,
    })
}
