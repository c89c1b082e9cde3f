//! The store's transactions. Each one that changes anything runs as `BEGIN IMMEDIATE`, so that
//! it holds the write lock from its first read (no read-then-upgrade deadlock between
//! connections), and writes its audit entries in the same transaction as its change.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::super::audit::{AuditEntry, AuditEvent, NewAudit, request_data};
use super::super::error::{Refusal, StoreError};
use super::super::ids;
use super::super::model::{ActionKind, Actor, PendingAction, State};
use super::rows::{
    AUDIT_COLUMNS, PENDING_COLUMNS, RawAudit, RawPending, roles_json, size_to_db, ts,
};

/// Draws of a fresh short id before giving up.
const ID_DRAWS: usize = 8;

/// Longest id quoted back from input that named no action.
const MAX_QUOTED_ID: usize = 64;

fn immediate(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Appends one audit entry and returns its id.
pub(crate) fn append_audit(conn: &Connection, entry: &NewAudit) -> Result<i64, StoreError> {
    let actor = entry.actor.as_ref();
    conn.execute(
        "INSERT INTO audit_log (at, event, short_id, message_id, action, actor_platform, \
         actor_user, actor_display, actor_roles, outcome, mimecast_request_id, detail, data) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            ts(entry.at),
            entry.event.as_str(),
            entry.short_id,
            entry.message_id,
            entry.action,
            actor.map(|a| a.platform.as_str()),
            actor.map(|a| a.user_id.as_str()),
            actor.map(|a| a.display.as_str()),
            actor.map(|a| roles_json(&a.roles)),
            entry.outcome,
            entry.mimecast_request_id,
            entry.detail,
            entry.data.as_ref().map(|d| d.to_string()),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Appends one audit entry in its own transaction.
pub(crate) fn append_audit_tx(conn: &mut Connection, entry: &NewAudit) -> Result<i64, StoreError> {
    let tx = immediate(conn)?;
    let id = append_audit(&tx, entry)?;
    tx.commit()?;
    Ok(id)
}

/// The newest `limit` audit entries, newest first.
pub(crate) fn recent_audit(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?1"
    ))?;
    let raw = stmt
        .query_map([limit], RawAudit::read)?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawAudit::into_entry).collect()
}

/// Every audit entry about `short_id`, oldest first.
pub(crate) fn audit_of(conn: &Connection, short_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE short_id = ?1 ORDER BY id"
    ))?;
    let raw = stmt
        .query_map([short_id], RawAudit::read)?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawAudit::into_entry).collect()
}

/// The action with `short_id`, if any.
pub(crate) fn get(conn: &Connection, short_id: &str) -> Result<Option<PendingAction>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PENDING_COLUMNS} FROM pending_actions WHERE short_id = ?1"
    ))?;
    stmt.query_row([short_id], RawPending::read)
        .optional()?
        .map(RawPending::into_action)
        .transpose()
}

/// Actions in `state`, oldest first.
pub(crate) fn in_state(conn: &Connection, state: &str) -> Result<Vec<PendingAction>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PENDING_COLUMNS} FROM pending_actions WHERE state = ?1 \
         ORDER BY created_at, short_id"
    ))?;
    let raw = stmt
        .query_map([state], RawPending::read)?
        .collect::<Result<Vec<_>, _>>()?;
    raw.into_iter().map(RawPending::into_action).collect()
}

/// Stores a new pending action (drawing another short id if its own is taken) and audits
/// `requested`. Returns the action as stored.
pub(crate) fn insert_request(
    conn: &mut Connection,
    mut action: PendingAction,
) -> Result<PendingAction, StoreError> {
    let tx = immediate(conn)?;
    let mut draws = 0;
    while tx
        .query_row(
            "SELECT 1 FROM pending_actions WHERE short_id = ?1",
            [&action.short_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some()
    {
        draws += 1;
        if draws >= ID_DRAWS {
            return Err(StoreError::IdsExhausted);
        }
        action.short_id = ids::new_short_id();
    }
    let (reason_type, message, notify) = match &action.kind {
        ActionKind::Release => (None, None, false),
        ActionKind::Reject {
            reason_type,
            message,
            notify,
        } => (reason_type.as_deref(), message.as_deref(), *notify),
    };
    let ev = &action.evidence;
    let req = &action.requester;
    tx.execute(
        concat!(
            "INSERT INTO pending_actions (",
            request_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
             ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
        ),
        params![
            action.short_id,
            action.message_id,
            action.kind.name(),
            reason_type,
            message,
            notify,
            ev.sender,
            ev.recipient,
            ev.subject,
            ev.reason,
            ev.policy,
            ev.received.map(ts),
            size_to_db(ev.size),
            ev.has_attachments,
            req.platform.as_str(),
            req.user_id,
            req.display,
            roles_json(&req.roles),
            action.channel,
            action.chat_ref,
            action.reason,
            ts(action.created_at),
            ts(action.expires_at),
        ],
    )?;
    let mut entry = NewAudit::about(
        AuditEvent::Requested,
        &action,
        Some(&action.requester),
        action.created_at,
        "pending",
    );
    entry.data = Some(request_data(&action));
    entry.detail = action.reason.clone().map(|r| format!("reason: {r}"));
    append_audit(&tx, &entry)?;
    tx.commit()?;
    Ok(action)
}

/// What a decision asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decide {
    /// Approve: claim the action for its one Mimecast call.
    Claim,
    /// Deny (or withdraw).
    Deny,
}

/// The result of [`decide`].
#[derive(Debug)]
pub(crate) enum Transition {
    /// This decision won; the action as it now stands.
    Won(Box<PendingAction>),
    /// Refused (and audited as such).
    Refused(Refusal),
}

/// Applies a decision if, and only if, the action is still pending and not expired at `now`:
/// one conditional `UPDATE` whose row count says whether this decision won. Otherwise the
/// reason is worked out, an expired action is marked expired, and the refusal is audited.
pub(crate) fn decide(
    conn: &mut Connection,
    short_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    what: Decide,
) -> Result<Transition, StoreError> {
    let tx = immediate(conn)?;
    let new_state = match what {
        Decide::Claim => "claimed",
        Decide::Deny => "denied",
    };
    let won = tx.execute(
        "UPDATE pending_actions SET state = ?1, decided_platform = ?2, decided_user = ?3, \
         decided_display = ?4, decided_roles = ?5, decided_at = ?6 \
         WHERE short_id = ?7 AND state = 'pending' AND expires_at > ?6",
        params![
            new_state,
            actor.platform.as_str(),
            actor.user_id,
            actor.display,
            roles_json(&actor.roles),
            ts(now),
            short_id,
        ],
    )?;
    let current = get(&tx, short_id)?;
    let transition = match (won, current) {
        (1, Some(action)) => {
            let entry = match what {
                Decide::Claim => {
                    NewAudit::about(AuditEvent::Approved, &action, Some(actor), now, "claimed")
                }
                Decide::Deny => {
                    let outcome = if actor.same_person(&action.requester) {
                        "withdrawn"
                    } else {
                        "denied"
                    };
                    NewAudit::about(AuditEvent::Denied, &action, Some(actor), now, outcome)
                }
            };
            append_audit(&tx, &entry)?;
            Transition::Won(Box::new(action))
        }
        (0, None) => Transition::Refused(refuse_not_found(&tx, short_id, actor, now)?),
        (0, Some(action)) if action.state.is_pending() => {
            // Pending but not open: past its expiry. Mark it so, then refuse.
            let expired = mark_expired(&tx, action, now)?;
            let refusal = Refusal::Expired {
                short_id: expired.short_id.clone(),
                at: expired.expires_at,
            };
            refuse(&tx, &expired, actor, now, &refusal)?;
            Transition::Refused(refusal)
        }
        (0, Some(action)) => {
            let refusal = Refusal::AlreadyDecided {
                short_id: action.short_id.clone(),
                state: action.state.name(),
                outcome: action.outcome_line().unwrap_or_default(),
            };
            refuse(&tx, &action, actor, now, &refusal)?;
            Transition::Refused(refusal)
        }
        (rows, _) => {
            return Err(StoreError::Corrupt(format!(
                "deciding {short_id} changed {rows} rows"
            )));
        }
    };
    tx.commit()?;
    Ok(transition)
}

/// Audits a decision on an id that names no action, and returns the refusal.
pub(crate) fn refuse_not_found(
    conn: &Connection,
    short_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Refusal, StoreError> {
    let quoted: String = short_id.chars().take(MAX_QUOTED_ID).collect();
    let refusal = Refusal::NotFound {
        short_id: quoted.clone(),
    };
    append_audit(
        conn,
        &NewAudit {
            at: now,
            event: AuditEvent::Refused,
            short_id: Some(quoted),
            message_id: None,
            action: None,
            actor: Some(actor.clone()),
            outcome: refusal.code().to_owned(),
            mimecast_request_id: None,
            detail: Some(refusal.detail()),
            data: None,
        },
    )?;
    Ok(refusal)
}

/// Audits `refusal` of `actor` on `action`.
pub(crate) fn refuse(
    conn: &Connection,
    action: &PendingAction,
    actor: &Actor,
    now: DateTime<Utc>,
    refusal: &Refusal,
) -> Result<i64, StoreError> {
    append_audit(
        conn,
        &NewAudit::about(
            AuditEvent::Refused,
            action,
            Some(actor),
            now,
            refusal.code(),
        )
        .detail(refusal.detail()),
    )
}

/// Marks a pending action expired (at its `expires_at`) and audits `expired` at `now`.
fn mark_expired(
    tx: &Transaction<'_>,
    mut action: PendingAction,
    now: DateTime<Utc>,
) -> Result<PendingAction, StoreError> {
    let changed = tx.execute(
        "UPDATE pending_actions SET state = 'expired', decided_at = expires_at \
         WHERE short_id = ?1 AND state = 'pending' AND expires_at <= ?2",
        params![action.short_id, ts(now)],
    )?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!(
            "expiring {} changed {changed} rows",
            action.short_id
        )));
    }
    action.state = State::Expired {
        at: action.expires_at,
    };
    append_audit(
        tx,
        &NewAudit::about(AuditEvent::Expired, &action, None, now, "expired")
            .detail(format!("expired at {}", ts(action.expires_at))),
    )?;
    Ok(action)
}

/// Marks every pending action past its expiry at `now` as expired; returns them.
pub(crate) fn expire_due(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> Result<Vec<PendingAction>, StoreError> {
    let tx = immediate(conn)?;
    let due = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM pending_actions \
             WHERE state = 'pending' AND expires_at <= ?1 ORDER BY expires_at, short_id"
        ))?;
        let raw = stmt
            .query_map([ts(now)], RawPending::read)?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(RawPending::into_action)
            .collect::<Result<Vec<_>, _>>()?
    };
    let expired = due
        .into_iter()
        .map(|action| mark_expired(&tx, action, now))
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok(expired)
}

/// Records the Mimecast outcome of a claimed action: `Ok(request id)` or `Err(error)`.
pub(crate) fn finish(
    conn: &mut Connection,
    short_id: &str,
    now: DateTime<Utc>,
    outcome: &Result<String, String>,
) -> Result<PendingAction, StoreError> {
    let tx = immediate(conn)?;
    let (state, request_id, error) = match outcome {
        Ok(id) => ("executed", Some(id.as_str()), None),
        Err(e) => ("failed", None, Some(e.as_str())),
    };
    let changed = tx.execute(
        "UPDATE pending_actions SET state = ?1, decided_at = ?2, mimecast_request_id = ?3, \
         error = ?4 WHERE short_id = ?5 AND state = 'claimed'",
        params![state, ts(now), request_id, error, short_id],
    )?;
    let action = get(&tx, short_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("claimed action {short_id} vanished")))?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!(
            "finishing {short_id}: it is {}, not claimed",
            action.state.name()
        )));
    }
    let by = match &action.state {
        State::Executed { by, .. } | State::Failed { by, .. } => by.clone(),
        other => {
            return Err(StoreError::Corrupt(format!(
                "finishing {short_id} left it {}",
                other.name()
            )));
        }
    };
    let mut entry = match outcome {
        Ok(_) => NewAudit::about(AuditEvent::Executed, &action, Some(&by), now, "executed"),
        Err(e) => {
            NewAudit::about(AuditEvent::Failed, &action, Some(&by), now, "failed").detail(e.clone())
        }
    };
    entry.mimecast_request_id = request_id.map(str::to_owned);
    append_audit(&tx, &entry)?;
    tx.commit()?;
    Ok(action)
}

/// Sets the chat message handle of an action; false when there is no such action.
pub(crate) fn set_chat_ref(
    conn: &mut Connection,
    short_id: &str,
    chat_ref: &str,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE pending_actions SET chat_ref = ?1 WHERE short_id = ?2",
        params![chat_ref, short_id],
    )?;
    Ok(changed == 1)
}
