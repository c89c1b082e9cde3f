//! Release and reject of held mail: finding the message, showing its evidence, and the one
//! Mimecast call. Who may trigger the call (confirmation in the CLI, approval in chat) is
//! decided by the caller, never here.

use mimecast_commands as cmd;
use serde_json::json;

use super::error::EngineError;
use super::listings::{held_document, held_reason};
use super::reply::{Field, Reply, Severity, Text};
use super::{Engine, refs};
use crate::mimecast::{self, HeldMessage, HeldQuery};
use futures_util::TryStreamExt;

/// Most held messages searched for an id (pages of 500).
pub const MAX_HELD_SCAN: usize = 10_000;

impl Engine {
    /// The held message named by `id` (its Mimecast id or its short reference, see
    /// [`super::refs`]), searched in the admin held queue. Two messages answering to one
    /// reference are refused rather than guessed between.
    pub async fn find_held(&self, id: &str) -> Result<HeldMessage, EngineError> {
        let mut rows = Box::pin(self.client().rows(
            HeldQuery {
                admin: true,
                ..Default::default()
            },
            500,
        ));
        let mut found: Option<HeldMessage> = None;
        let mut scanned = 0;
        while let Some(message) = rows.try_next().await? {
            if message.id == id {
                return Ok(message);
            }
            if refs::names(id, &message.id) {
                if found.is_some() {
                    return Err(EngineError::AmbiguousRef);
                }
                found = Some(message);
            }
            scanned += 1;
            if scanned >= MAX_HELD_SCAN {
                break;
            }
        }
        found.ok_or(EngineError::NotHeld)
    }

    /// The evidence a person needs before releasing or rejecting `message`.
    pub fn evidence(&self, message: &HeldMessage, action: &str) -> Reply {
        let mut reply = Reply::new(format!("{action} held message?"), "", Severity::Warning);
        reply.fields = evidence_fields(message);
        reply.json = Some(held_document(message));
        reply
    }

    /// Releases `message` (one Mimecast call). `reason` is recorded by the caller; Mimecast's
    /// release call has no field for it.
    pub async fn release(
        &self,
        message: &HeldMessage,
        reason: Option<&str>,
    ) -> Result<Reply, EngineError> {
        let receipt = self.client().release_held(&message.id).await?;
        let mut reply = Reply::new(
            "Released",
            "Mimecast released the message to its recipient.",
            Severity::Success,
        );
        reply.fields = evidence_fields(message);
        if let Some(reason) = reason {
            reply.fields.push(Field {
                name: "Reason".into(),
                value: Text::untrusted(reason),
            });
        }
        reply.footer = Some(format!("Mimecast request {}", receipt.request_id));
        reply.json = Some(
            json!({"command": "messages release", "released": receipt.ids,
                                 "requestId": receipt.request_id, "reason": reason,
                                 "message": held_document(message)}),
        );
        Ok(reply)
    }

    /// Rejects `message` with the command's reason type, note and notify flag (one call).
    pub async fn reject(
        &self,
        message: &HeldMessage,
        c: &cmd::Reject,
    ) -> Result<Reply, EngineError> {
        let request = mimecast::RejectHeld {
            ids: vec![message.id.clone()],
            message: c.message.clone(),
            reason_type: c
                .reason_type
                .and_then(|r| mimecast::RejectReason::from_wire(r.wire())),
            notify: c.notify,
        };
        let receipt = self.client().reject_held(&request).await?;
        let mut reply = Reply::new(
            "Rejected",
            "Mimecast rejected the message; it will not be delivered.",
            Severity::Success,
        );
        reply.fields = evidence_fields(message);
        if let Some(reason) = c.reason_type {
            reply.fields.push(Field {
                name: "Reject reason".into(),
                value: Text::plain(reason.wire()),
            });
        }
        reply.fields.push(Field {
            name: "Sender notified".into(),
            value: Text::plain(if c.notify { "yes" } else { "no" }),
        });
        reply.footer = Some(format!("Mimecast request {}", receipt.request_id));
        reply.json = Some(
            json!({"command": "messages reject", "rejected": receipt.ids,
                                 "requestId": receipt.request_id,
                                 "reasonType": c.reason_type.map(|r| r.wire()), "notify": c.notify,
                                 "message": held_document(message)}),
        );
        Ok(reply)
    }
}

/// Sender, recipient, subject, hold reason and policy, received time, size, attachments.
pub fn evidence_fields(m: &HeldMessage) -> Vec<Field> {
    let size = m.size.map_or_else(|| "unknown".to_owned(), human_size);
    vec![
        Field {
            name: "Ref".into(),
            value: Text::plain(refs::short_ref(&m.id)),
        },
        Field {
            name: "From".into(),
            value: Text::untrusted(m.sender()),
        },
        Field {
            name: "To".into(),
            value: Text::untrusted(m.recipient()),
        },
        Field {
            name: "Subject".into(),
            value: Text::untrusted(m.subject.clone()),
        },
        Field {
            name: "Held because".into(),
            value: Text::untrusted(held_reason(m)),
        },
        Field {
            name: "Policy".into(),
            value: Text::untrusted(m.policy_info.clone()),
        },
        Field {
            name: "Received".into(),
            value: Text::time(m.date_received),
        },
        Field {
            name: "Size".into(),
            value: Text::plain(format!(
                "{size}{}",
                if m.has_attachments {
                    ", with attachments"
                } else {
                    ""
                }
            )),
        },
    ]
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}
