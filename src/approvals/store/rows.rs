//! Rows to values and back. Reading checks everything and reports a bad row as
//! [`StoreError::Corrupt`]; nothing here panics on stored data.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;

use super::super::audit::{AuditEntry, AuditEvent};
use super::super::error::StoreError;
use super::super::model::{ActionKind, Actor, Evidence, PendingAction, Platform, State};

/// The columns of `pending_actions`, in the order [`RawPending::read`] reads them.
pub(crate) const PENDING_COLUMNS: &str = concat!(
    request_columns!(),
    ", state, decided_platform, decided_user, decided_display, decided_roles, decided_at, \
     mimecast_request_id, error"
);

/// The columns of `audit_log`, in the order [`RawAudit::read`] reads them.
pub(crate) const AUDIT_COLUMNS: &str = "id, at, event, short_id, message_id, action, \
    actor_platform, actor_user, actor_display, actor_roles, outcome, mimecast_request_id, \
    detail, data";

/// A time as stored.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(column: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?}: {e}")))
}

fn parse_opt_ts(column: &str, text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| parse_ts(column, &t)).transpose()
}

/// Roles as stored (a JSON array).
pub(crate) fn roles_json(roles: &[String]) -> String {
    serde_json::Value::from(roles.to_vec()).to_string()
}

fn parse_roles(text: Option<String>) -> Result<Vec<String>, StoreError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("roles {t:?}: {e}")))
        }
    }
}

fn parse_platform(text: &str) -> Result<Platform, StoreError> {
    Platform::parse(text).ok_or_else(|| StoreError::Corrupt(format!("platform {text:?}")))
}

/// A size as stored; sizes beyond `i64::MAX` bytes do not exist and are stored as unknown.
pub(crate) fn size_to_db(size: Option<u64>) -> Option<i64> {
    size.and_then(|s| i64::try_from(s).ok())
}

fn actor(
    platform: Option<String>,
    user: Option<String>,
    display: Option<String>,
    roles: Option<String>,
) -> Result<Option<Actor>, StoreError> {
    match (platform, user) {
        (Some(p), Some(u)) => Ok(Some(Actor {
            platform: parse_platform(&p)?,
            user_id: u,
            display: display.unwrap_or_default(),
            roles: parse_roles(roles)?,
        })),
        (None, None) => Ok(None),
        _ => Err(StoreError::Corrupt(
            "actor with a platform or id missing".into(),
        )),
    }
}

/// A `pending_actions` row as SQLite gives it.
pub(crate) struct RawPending {
    short_id: String,
    message_id: String,
    kind: String,
    reject_reason_type: Option<String>,
    reject_message: Option<String>,
    reject_notify: bool,
    ev_sender: String,
    ev_recipient: String,
    ev_subject: String,
    ev_reason: String,
    ev_policy: String,
    ev_received: Option<String>,
    ev_size: Option<i64>,
    ev_has_attachments: bool,
    requester_platform: String,
    requester_user: String,
    requester_display: String,
    requester_roles: String,
    channel: String,
    chat_ref: Option<String>,
    reason: Option<String>,
    created_at: String,
    expires_at: String,
    state: String,
    decided_platform: Option<String>,
    decided_user: Option<String>,
    decided_display: Option<String>,
    decided_roles: Option<String>,
    decided_at: Option<String>,
    mimecast_request_id: Option<String>,
    error: Option<String>,
}

impl RawPending {
    /// Reads a row selected with [`PENDING_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            short_id: row.get(0)?,
            message_id: row.get(1)?,
            kind: row.get(2)?,
            reject_reason_type: row.get(3)?,
            reject_message: row.get(4)?,
            reject_notify: row.get(5)?,
            ev_sender: row.get(6)?,
            ev_recipient: row.get(7)?,
            ev_subject: row.get(8)?,
            ev_reason: row.get(9)?,
            ev_policy: row.get(10)?,
            ev_received: row.get(11)?,
            ev_size: row.get(12)?,
            ev_has_attachments: row.get(13)?,
            requester_platform: row.get(14)?,
            requester_user: row.get(15)?,
            requester_display: row.get(16)?,
            requester_roles: row.get(17)?,
            channel: row.get(18)?,
            chat_ref: row.get(19)?,
            reason: row.get(20)?,
            created_at: row.get(21)?,
            expires_at: row.get(22)?,
            state: row.get(23)?,
            decided_platform: row.get(24)?,
            decided_user: row.get(25)?,
            decided_display: row.get(26)?,
            decided_roles: row.get(27)?,
            decided_at: row.get(28)?,
            mimecast_request_id: row.get(29)?,
            error: row.get(30)?,
        })
    }

    /// The pending action, checked.
    pub(crate) fn into_action(self) -> Result<PendingAction, StoreError> {
        let kind = match self.kind.as_str() {
            "release" => ActionKind::Release,
            "reject" => ActionKind::Reject {
                reason_type: self.reject_reason_type,
                message: self.reject_message,
                notify: self.reject_notify,
            },
            other => return Err(StoreError::Corrupt(format!("kind {other:?}"))),
        };
        let requester = Actor {
            platform: parse_platform(&self.requester_platform)?,
            user_id: self.requester_user,
            display: self.requester_display,
            roles: parse_roles(Some(self.requester_roles))?,
        };
        let decided_by = actor(
            self.decided_platform,
            self.decided_user,
            self.decided_display,
            self.decided_roles,
        )?;
        let decided_at = parse_opt_ts("decided_at", self.decided_at)?;
        let missing = |what: &str| {
            StoreError::Corrupt(format!(
                "{} is {} without {what}",
                self.short_id, self.state
            ))
        };
        let state = match self.state.as_str() {
            "pending" => State::Pending,
            "expired" => State::Expired {
                at: decided_at.ok_or_else(|| missing("decided_at"))?,
            },
            name => {
                let by = decided_by.ok_or_else(|| missing("decided_by"))?;
                let at = decided_at.ok_or_else(|| missing("decided_at"))?;
                match name {
                    "claimed" => State::Claimed { by, at },
                    "denied" => State::Denied { by, at },
                    "executed" => State::Executed {
                        by,
                        at,
                        mimecast_request_id: self
                            .mimecast_request_id
                            .ok_or_else(|| missing("mimecast_request_id"))?,
                    },
                    "failed" => State::Failed {
                        by,
                        at,
                        error: self.error.ok_or_else(|| missing("error"))?,
                    },
                    other => return Err(StoreError::Corrupt(format!("state {other:?}"))),
                }
            }
        };
        Ok(PendingAction {
            evidence: Evidence {
                sender: self.ev_sender,
                recipient: self.ev_recipient,
                subject: self.ev_subject,
                reason: self.ev_reason,
                policy: self.ev_policy,
                received: parse_opt_ts("ev_received", self.ev_received)?,
                size: self.ev_size.and_then(|s| u64::try_from(s).ok()),
                has_attachments: self.ev_has_attachments,
            },
            created_at: parse_ts("created_at", &self.created_at)?,
            expires_at: parse_ts("expires_at", &self.expires_at)?,
            short_id: self.short_id,
            message_id: self.message_id,
            kind,
            requester,
            channel: self.channel,
            chat_ref: self.chat_ref,
            reason: self.reason,
            state,
        })
    }
}

/// An `audit_log` row as SQLite gives it.
pub(crate) struct RawAudit {
    id: i64,
    at: String,
    event: String,
    short_id: Option<String>,
    message_id: Option<String>,
    action: Option<String>,
    actor_platform: Option<String>,
    actor_user: Option<String>,
    actor_display: Option<String>,
    actor_roles: Option<String>,
    outcome: String,
    mimecast_request_id: Option<String>,
    detail: Option<String>,
    data: Option<String>,
}

impl RawAudit {
    /// Reads a row selected with [`AUDIT_COLUMNS`].
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            at: row.get(1)?,
            event: row.get(2)?,
            short_id: row.get(3)?,
            message_id: row.get(4)?,
            action: row.get(5)?,
            actor_platform: row.get(6)?,
            actor_user: row.get(7)?,
            actor_display: row.get(8)?,
            actor_roles: row.get(9)?,
            outcome: row.get(10)?,
            mimecast_request_id: row.get(11)?,
            detail: row.get(12)?,
            data: row.get(13)?,
        })
    }

    /// The entry, checked.
    pub(crate) fn into_entry(self) -> Result<AuditEntry, StoreError> {
        let data = self
            .data
            .map(|d| {
                serde_json::from_str(&d)
                    .map_err(|e| StoreError::Corrupt(format!("audit {} data: {e}", self.id)))
            })
            .transpose()?;
        Ok(AuditEntry {
            id: self.id,
            at: parse_ts("at", &self.at)?,
            event: AuditEvent::parse(&self.event)
                .ok_or_else(|| StoreError::Corrupt(format!("audit event {:?}", self.event)))?,
            short_id: self.short_id,
            message_id: self.message_id,
            action: self.action,
            actor: actor(
                self.actor_platform,
                self.actor_user,
                self.actor_display,
                self.actor_roles,
            )?,
            outcome: self.outcome,
            mimecast_request_id: self.mimecast_request_id,
            detail: self.detail,
            data,
        })
    }
}
