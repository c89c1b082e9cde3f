//! Refusals (the rule said no; shown to the person) and failures (something broke).
//!
//! `Display` of every error here is one line fit to show the person who acted; names and ids
//! inside it come from chat or from Mimecast, so escape it for the platform. [`Refusal::detail`]
//! and [`ApprovalError::detail`] add what an operator needs and go to the audit log and logs.

use chrono::{DateTime, Utc};

use super::model::Platform;

/// Why a request or decision was refused. Nothing was done, and the refusal is in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The platform's requester set names nobody.
    #[error("Release and reject requests are turned off here: no requesters are configured.")]
    NoRequesters {
        /// The platform.
        platform: Platform,
    },
    /// The actor is not among the requesters.
    #[error("You are not allowed to request a release or reject.")]
    NotRequester {
        /// The actor's id.
        user_id: String,
        /// The roles the actor held.
        roles: Vec<String>,
    },
    /// The platform's approver set names nobody: every approval fails closed.
    #[error("Nobody can approve here: no approvers are configured.")]
    NoApprovers {
        /// The platform.
        platform: Platform,
    },
    /// The actor is not among the approvers.
    #[error("You are not an approver.")]
    NotApprover {
        /// The actor's id.
        user_id: String,
        /// The roles the actor held.
        roles: Vec<String>,
    },
    /// The requester tried to approve their own request.
    #[error("You cannot approve your own request: another approver must.")]
    SelfApproval {
        /// The actor's id.
        user_id: String,
    },
    /// The decision came from another platform than the request.
    #[error("This request was made on {requested_on}; decide it there.")]
    WrongPlatform {
        /// Where it was requested.
        requested_on: Platform,
        /// Where the decision came from.
        acted_on: Platform,
    },
    /// No pending action has this short id.
    #[error("There is no request {short_id}.")]
    NotFound {
        /// The id asked for (as given, shortened).
        short_id: String,
    },
    /// Someone decided first (or it expired), so this decision changes nothing.
    #[error("This request was already decided: {outcome}.")]
    AlreadyDecided {
        /// The short id.
        short_id: String,
        /// The stored state name.
        state: &'static str,
        /// How it ended, see [`super::PendingAction::outcome_line`].
        outcome: String,
    },
    /// The request expired before this decision.
    #[error("This request expired at {} UTC.", at.format("%Y-%m-%d %H:%M:%S"))]
    Expired {
        /// The short id.
        short_id: String,
        /// Its expiry.
        at: DateTime<Utc>,
    },
    /// The held message's 14-day hold is over, so it cannot be requested any more.
    #[error("This message's 14-day hold has ended; it can no longer be released or rejected.")]
    HoldEnded {
        /// When the hold ended.
        ended: DateTime<Utc>,
    },
}

impl Refusal {
    /// A stable code, stored as the audit entry's outcome.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoRequesters { .. } => "no_requesters",
            Self::NotRequester { .. } => "not_requester",
            Self::NoApprovers { .. } => "no_approvers",
            Self::NotApprover { .. } => "not_approver",
            Self::SelfApproval { .. } => "self_approval",
            Self::WrongPlatform { .. } => "wrong_platform",
            Self::NotFound { .. } => "not_found",
            Self::AlreadyDecided { .. } => "already_decided",
            Self::Expired { .. } => "expired",
            Self::HoldEnded { .. } => "hold_ended",
        }
    }

    /// The operator's detail: what was checked against what.
    pub fn detail(&self) -> String {
        match self {
            Self::NoRequesters { platform } => {
                format!("{platform}: the requester set names no user or role and is not `anyone`")
            }
            Self::NotRequester { user_id, roles } => format!(
                "user {user_id:?} with roles {roles:?} matches no requester user id or role"
            ),
            Self::NoApprovers { platform } => {
                format!("{platform}: the approver set names no user or role (fails closed)")
            }
            Self::NotApprover { user_id, roles } => {
                format!("user {user_id:?} with roles {roles:?} matches no approver user id or role")
            }
            Self::SelfApproval { user_id } => {
                format!("user {user_id:?} requested this action; allow_self_approval is off")
            }
            Self::WrongPlatform {
                requested_on,
                acted_on,
            } => format!("requested on {requested_on}, decision attempted from {acted_on}"),
            Self::NotFound { short_id } => format!("no pending action with id {short_id:?}"),
            Self::AlreadyDecided {
                short_id,
                state,
                outcome,
            } => format!("{short_id} is {state}: {outcome}"),
            Self::Expired { short_id, at } => {
                format!("{short_id} expired at {}", at.to_rfc3339())
            }
            Self::HoldEnded { ended } => {
                format!("received + 14 days = {}, not after now", ended.to_rfc3339())
            }
        }
    }
}

/// The SQLite store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer build.
    #[error("the database schema is version {found}; this build knows up to {supported}")]
    NewerSchema {
        /// `user_version` found in the file.
        found: i64,
        /// The newest version this build migrates to.
        supported: i64,
    },
    /// A stored row does not make sense (edited by hand, or a bug).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The blocking database task panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
    /// No unused short id was found in a few draws (should never happen).
    #[error("could not draw an unused short id")]
    IdsExhausted,
}

/// Why a request or decision did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// The rule said no; nothing was done.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The store failed before anything was sent to Mimecast; nothing was done.
    #[error("The approvals database failed, so nothing was done.")]
    Store(#[from] StoreError),
    /// Mimecast was called but its outcome could not be recorded. The outcome is in the logs;
    /// the action stays `claimed` and is never executed again.
    #[error("Mimecast answered ({outcome}), but the bot could not record it; check Mimecast.")]
    Unrecorded {
        /// What Mimecast answered: `executed, request …` or `failed: …`.
        outcome: String,
        /// Why recording failed.
        source: StoreError,
    },
}

impl ApprovalError {
    /// The refusal, if this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// The operator's detail.
    pub fn detail(&self) -> String {
        match self {
            Self::Refused(r) => r.detail(),
            Self::Store(e) => e.to_string(),
            Self::Unrecorded { outcome, source } => format!("{outcome}; store: {source}"),
        }
    }
}
