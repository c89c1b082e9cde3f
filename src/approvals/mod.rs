//! The two-person rule for releasing and rejecting held mail: durable, audited, and independent
//! of any chat platform.
//!
//! In chat and the console, `release` and `reject` create a [`PendingAction`] instead of calling
//! Mimecast ([`Approvals::request`]). A second person approves it ([`Approvals::approve`]) or
//! denies it ([`Approvals::deny`]); otherwise it expires ([`Approvals::expire_due`]). The first
//! valid decision claims the action atomically in SQLite, so however many approvals arrive at
//! once, the Mimecast call (a closure the caller passes; nothing here talks to Mimecast or to a
//! chat platform) runs exactly once, and its outcome is recorded as it was: a failure is never
//! recorded as a success.
//!
//! Who may request and approve comes from [`Policies`], per platform, and fails closed (see
//! [`policy`]). Every request, decision, refusal, expiry and outcome is appended to an audit
//! log that SQLite triggers keep append-only (see [`store`]). The one-shot CLI keeps its own
//! confirmation and records what it did with [`Approvals::record_cli_action`].
//!
//! Adapters map their users to an [`Actor`]: the platform's stable user id (never a display
//! name) and the roles the platform reports at the moment of acting.

pub mod audit;
pub mod clock;
mod decide;
pub mod error;
pub mod ids;
pub mod model;
pub mod policy;
pub mod store;

#[cfg(test)]
mod tests;

pub use audit::{AuditEntry, AuditEvent};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decide::{
    Approvals, CliAction, Decision, MAX_AUDIT_LIMIT, MIN_EXPIRY, NewRequest, OUTCOME_UNKNOWN,
};
pub use error::{ApprovalError, Refusal, StoreError};
pub use ids::SHORT_ID_LEN;
pub use model::{
    ActionKind, Actor, DEFAULT_EXPIRY, Evidence, HOLD_RETENTION, PendingAction, Platform, State,
    expiry_for,
};
pub use policy::{ApprovalPolicy, Policies, RoleSet};
pub use store::{DEFAULT_DB_PATH, SCHEMA_VERSION, Store};
