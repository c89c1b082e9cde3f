//! What a pending release or reject is: the action, the evidence shown to the approver, who
//! asked, and where it stands.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::mimecast::HeldMessage;

/// How long Mimecast keeps a message in the held queue after it was received. A pending action
/// never outlives the hold of its message.
pub const HOLD_RETENTION: TimeDelta = TimeDelta::days(14);

/// How long a request waits for a decision unless configured otherwise.
pub const DEFAULT_EXPIRY: TimeDelta = TimeDelta::hours(4);

/// The chat platform or interface an actor used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Discord: user ids and role ids are snowflakes.
    Discord,
    /// Slack: user ids (`U…`/`W…`) and user-group ids (`S…`).
    Slack,
    /// The interactive console demo: user names.
    Console,
    /// The one-shot CLI run by the operator who holds the API keys.
    Cli,
}

impl Platform {
    /// The stored (and displayed) name: `discord`, `slack`, `console`, `cli`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discord => "discord",
            Self::Slack => "slack",
            Self::Console => "console",
            Self::Cli => "cli",
        }
    }

    /// The platform whose [`Platform::as_str`] is `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Discord, Self::Slack, Self::Console, Self::Cli]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person acting through one platform. `user_id` is the platform's stable id (never the
/// display name); `roles` are what the platform says the person holds at the moment of acting
/// (Discord role ids, Slack user-group ids, console role names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Where the person acted.
    pub platform: Platform,
    /// The platform's id of the person (Discord user id, Slack user id, console user name).
    pub user_id: String,
    /// A name to show; chat-supplied, so escape it when rendering.
    pub display: String,
    /// Role or group ids the person holds, as the platform reported them.
    pub roles: Vec<String>,
}

impl Actor {
    /// An actor with no roles.
    pub fn new(platform: Platform, user_id: impl Into<String>, display: impl Into<String>) -> Self {
        Self {
            platform,
            user_id: user_id.into(),
            display: display.into(),
            roles: Vec::new(),
        }
    }

    /// The same actor holding `roles`.
    pub fn with_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// True when `other` is the same person on the same platform.
    pub fn same_person(&self, other: &Actor) -> bool {
        self.platform == other.platform && self.user_id == other.user_id
    }
}

/// What will be done to the held message once approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ActionKind {
    /// Deliver the message to its recipient.
    Release,
    /// Refuse the message for good.
    Reject {
        /// Mimecast's `reasonType`, its exact wire string (see
        /// [`crate::mimecast::RejectReason::wire`]).
        #[serde(rename = "reasonType")]
        reason_type: Option<String>,
        /// Note returned to the sender (Mimecast `message`).
        message: Option<String>,
        /// Whether the sender is told (Mimecast `notify`).
        notify: bool,
    },
}

impl ActionKind {
    /// The reject of a parsed `messages reject` command.
    pub fn reject_from(command: &mimecast_commands::Reject) -> Self {
        Self::Reject {
            reason_type: command.reason_type.map(|r| r.wire().to_owned()),
            message: command.message.clone(),
            notify: command.notify,
        }
    }

    /// `release` or `reject`, as stored.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Reject { .. } => "reject",
        }
    }

    /// The past tense for outcomes: `released` or `rejected`.
    pub fn past_tense(&self) -> &'static str {
        match self {
            Self::Release => "released",
            Self::Reject { .. } => "rejected",
        }
    }
}

/// What the approver sees about the held message. Every string is data from Mimecast (and so
/// from the sender of the mail): stored exactly as given, defanged and escaped when shown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Sender address.
    pub sender: String,
    /// Recipient address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Why Mimecast holds it.
    pub reason: String,
    /// The policy that held it.
    pub policy: String,
    /// When Mimecast received it; the hold ends [`HOLD_RETENTION`] later.
    pub received: Option<DateTime<Utc>>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Whether it has attachments.
    pub has_attachments: bool,
}

impl Evidence {
    /// The evidence of a held message as Mimecast listed it. The reason is Mimecast's `reason`,
    /// or its `reasonCode` when that is empty.
    pub fn from_held(message: &HeldMessage) -> Self {
        let reason = if message.reason.trim().is_empty() {
            message.reason_code.clone()
        } else {
            message.reason.clone()
        };
        Self {
            sender: message.sender().to_owned(),
            recipient: message.recipient().to_owned(),
            subject: message.subject.clone(),
            reason,
            policy: message.policy_info.clone(),
            received: message.date_received,
            size: message.size,
            has_attachments: message.has_attachments,
        }
    }

    /// When the message's hold ends, if its receipt time is known.
    pub fn hold_ends(&self) -> Option<DateTime<Utc>> {
        self.received
            .and_then(|r| r.checked_add_signed(HOLD_RETENTION))
    }
}

/// Where a pending action stands. Only `Pending` can be decided; `Claimed` means an approval
/// won and the Mimecast call is in flight (after a crash it means "outcome unknown").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum State {
    /// Waiting for a decision.
    Pending,
    /// Approved by `by` at `at`; the Mimecast call is running.
    Claimed {
        /// The approver.
        by: Actor,
        /// When the approval claimed the action.
        at: DateTime<Utc>,
    },
    /// Approved and carried out by Mimecast.
    Executed {
        /// The approver.
        by: Actor,
        /// When Mimecast's answer was recorded.
        at: DateTime<Utc>,
        /// Mimecast's request id (`x-mc-req-id`) for the call.
        mimecast_request_id: String,
    },
    /// Approved, but the Mimecast call failed: nothing was released or rejected, or that could
    /// not be confirmed.
    Failed {
        /// The approver.
        by: Actor,
        /// When the failure was recorded.
        at: DateTime<Utc>,
        /// The error shown to people.
        error: String,
    },
    /// Denied (by an approver) or withdrawn (by the requester).
    Denied {
        /// Who denied it.
        by: Actor,
        /// When.
        at: DateTime<Utc>,
    },
    /// Nobody decided before the expiry.
    Expired {
        /// When it expired (its `expires_at`).
        at: DateTime<Utc>,
    },
}

impl State {
    /// The stored name: `pending`, `claimed`, `executed`, `failed`, `denied`, `expired`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed { .. } => "claimed",
            Self::Executed { .. } => "executed",
            Self::Failed { .. } => "failed",
            Self::Denied { .. } => "denied",
            Self::Expired { .. } => "expired",
        }
    }

    /// True when no decision has been taken yet.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Pending)
    }
}

/// A release or reject waiting for (or past) its second person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAction {
    /// Random id for buttons and commands: [`super::ids::SHORT_ID_LEN`] characters of
    /// lowercase base32, safe in URLs and Discord/Slack custom ids.
    pub short_id: String,
    /// The held message's full Mimecast id.
    pub message_id: String,
    /// Release or reject, with the reject's parameters.
    pub kind: ActionKind,
    /// What the approver is shown.
    pub evidence: Evidence,
    /// Who asked.
    pub requester: Actor,
    /// Where it was asked (channel id, or `console`).
    pub channel: String,
    /// The platform's handle of the posted request message (Discord message id, Slack `ts`),
    /// set with [`super::Approvals::attach_chat_ref`] so the message can be updated later,
    /// also after a restart.
    pub chat_ref: Option<String>,
    /// The requester's `--reason`.
    pub reason: Option<String>,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// When it stops accepting decisions.
    pub expires_at: DateTime<Utc>,
    /// Where it stands.
    pub state: State,
}

impl PendingAction {
    /// True when it is still pending and not past its expiry at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.state.is_pending() && now < self.expires_at
    }

    /// One line saying how it ended, e.g. `released by Alice (discord) at 2024-05-01 10:00 UTC`;
    /// `None` while pending. Names are chat-supplied: escape when rendering.
    pub fn outcome_line(&self) -> Option<String> {
        let when = |at: &DateTime<Utc>| at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let who = |a: &Actor| format!("{} ({})", a.display, a.platform);
        match &self.state {
            State::Pending => None,
            State::Claimed { by, at } => Some(format!(
                "approved by {} at {}; waiting for Mimecast",
                who(by),
                when(at)
            )),
            State::Executed {
                by,
                at,
                mimecast_request_id,
            } => Some(format!(
                "{} by {} at {} (Mimecast request {mimecast_request_id})",
                self.kind.past_tense(),
                who(by),
                when(at)
            )),
            State::Failed { by, at, error } => Some(format!(
                "approved by {} at {}, but Mimecast failed: {error}",
                who(by),
                when(at)
            )),
            State::Denied { by, at } if by.same_person(&self.requester) => {
                Some(format!("withdrawn by {} at {}", who(by), when(at)))
            }
            State::Denied { by, at } => Some(format!("denied by {} at {}", who(by), when(at))),
            State::Expired { at } => Some(format!("expired at {}", when(at))),
        }
    }
}

/// When a request made at `created_at` expires: `expiry` later, but never after the end of the
/// message's hold (`received` + [`HOLD_RETENTION`]). With `received` unknown, `expiry` alone.
pub fn expiry_for(
    created_at: DateTime<Utc>,
    expiry: TimeDelta,
    received: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let configured = created_at
        .checked_add_signed(expiry)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    match received.and_then(|r| r.checked_add_signed(HOLD_RETENTION)) {
        Some(hold_ends) => configured.min(hold_ends),
        None => configured,
    }
}
