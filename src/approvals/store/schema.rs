//! The SQLite schema and its migrations, tracked in `PRAGMA user_version`.
//!
//! Times are RFC 3339 text in UTC with microseconds (`2024-05-01T10:00:00.000000Z`): fixed
//! width, so they compare correctly as text, and readable in the `sqlite3` shell.

use rusqlite::{Connection, TransactionBehavior};

use super::super::error::StoreError;

/// Version 1: pending actions with a state machine guarded by triggers, and an append-only
/// audit log.
const V1: &str = r#"
CREATE TABLE pending_actions (
    short_id            TEXT PRIMARY KEY NOT NULL,
    message_id          TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('release', 'reject')),
    reject_reason_type  TEXT,
    reject_message      TEXT,
    reject_notify       INTEGER NOT NULL DEFAULT 0 CHECK (reject_notify IN (0, 1)),
    ev_sender           TEXT NOT NULL,
    ev_recipient        TEXT NOT NULL,
    ev_subject          TEXT NOT NULL,
    ev_reason           TEXT NOT NULL,
    ev_policy           TEXT NOT NULL,
    ev_received         TEXT,
    ev_size             INTEGER,
    ev_has_attachments  INTEGER NOT NULL CHECK (ev_has_attachments IN (0, 1)),
    requester_platform  TEXT NOT NULL,
    requester_user      TEXT NOT NULL,
    requester_display   TEXT NOT NULL,
    requester_roles     TEXT NOT NULL,
    channel             TEXT NOT NULL,
    chat_ref            TEXT,
    reason              TEXT,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                            ('pending', 'claimed', 'executed', 'failed', 'denied', 'expired')),
    decided_platform    TEXT,
    decided_user        TEXT,
    decided_display     TEXT,
    decided_roles       TEXT,
    decided_at          TEXT,
    mimecast_request_id TEXT,
    error               TEXT,
    CHECK ((state = 'pending') = (decided_at IS NULL)),
    CHECK ((state IN ('pending', 'expired')) = (decided_user IS NULL)),
    CHECK ((state = 'executed') = (mimecast_request_id IS NOT NULL)),
    CHECK ((state = 'failed') = (error IS NOT NULL))
) STRICT;

CREATE INDEX pending_actions_open ON pending_actions (state, expires_at);

-- The only transitions: pending -> claimed | denied | expired, claimed -> executed | failed.
CREATE TRIGGER pending_actions_transitions
BEFORE UPDATE OF state ON pending_actions
WHEN NOT ((OLD.state = 'pending' AND NEW.state IN ('claimed', 'denied', 'expired'))
       OR (OLD.state = 'claimed' AND NEW.state IN ('executed', 'failed')))
BEGIN
    SELECT RAISE(ABORT, 'pending_actions: state change not allowed');
END;

-- What was requested, and by whom, never changes after the request.
CREATE TRIGGER pending_actions_request_fixed
BEFORE UPDATE OF short_id, message_id, kind, reject_reason_type, reject_message, reject_notify,
    ev_sender, ev_recipient, ev_subject, ev_reason, ev_policy, ev_received, ev_size,
    ev_has_attachments, requester_platform, requester_user, requester_display, requester_roles,
    channel, reason, created_at, expires_at
ON pending_actions
BEGIN
    SELECT RAISE(ABORT, 'pending_actions: the request cannot be changed');
END;

-- INSERT OR REPLACE would delete the old row without firing delete triggers.
CREATE TRIGGER pending_actions_no_replace
BEFORE INSERT ON pending_actions
WHEN EXISTS (SELECT 1 FROM pending_actions WHERE short_id = NEW.short_id)
BEGIN
    SELECT RAISE(ABORT, 'pending_actions: short id already used');
END;

CREATE TABLE audit_log (
    -- Positive, so that NEW.id (-1 for a rowid still to be assigned) names no row below.
    id                  INTEGER PRIMARY KEY CHECK (id > 0),
    at                  TEXT NOT NULL,
    event               TEXT NOT NULL CHECK (event IN ('requested', 'approved', 'denied',
                            'expired', 'executed', 'failed', 'refused', 'cli_confirmed')),
    short_id            TEXT,
    message_id          TEXT,
    action              TEXT CHECK (action IN ('release', 'reject')),
    actor_platform      TEXT,
    actor_user          TEXT,
    actor_display       TEXT,
    actor_roles         TEXT,
    outcome             TEXT NOT NULL,
    mimecast_request_id TEXT,
    detail              TEXT,
    data                TEXT
) STRICT;

CREATE INDEX audit_log_short_id ON audit_log (short_id);

-- Append-only: no update, no delete, and no insert that would replace a row.
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_append_only
BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
"#;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`SCHEMA_VERSION`] in one immediate transaction, so that two
/// processes opening a new file at once do not both create it. A newer file is refused.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let from = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("negative schema version {found}")))?;
    for sql in MIGRATIONS.iter().skip(from) {
        tx.execute_batch(sql)?;
    }
    if found != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}
