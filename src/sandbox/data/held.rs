//! The held-message queue (`/api/gateway/get-hold-message-list`).
//!
//! `max(25, scale / 100)` messages held within the last 14 days, newest first. Every fifth
//! message (index ≡ 2 mod 5) is addressed to the service user, so a non-admin listing shows a
//! handful. Which of them have been released or rejected is server state, not data: see
//! `SandboxState`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rng::{OpaqueIds, Rng, Stream};
use super::tracking::Party;
use super::vocab::{self, fill};
use super::{Address, Dataset, SandboxData};

const HELD_ID_PURPOSE: u64 = 20;

/// One row of the held list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldMessage {
    /// Opaque held-message id (~250 characters), the key for release and reject.
    pub id: String,
    /// "Message Hold Applied - … policy".
    pub reason: String,
    /// Upper-case reason id.
    pub reason_id: String,
    /// Lower-case reason code (what Mimecast recommends to match on).
    pub reason_code: String,
    /// Envelope sender.
    pub from: Address,
    /// Header sender.
    pub from_header: Address,
    /// The recipient (a single object here, unlike tracking).
    pub to: Address,
    /// Subject line.
    pub subject: String,
    /// "INBOUND" or "OUTBOUND".
    pub route: String,
    /// Whether it has attachments.
    pub has_attachments: bool,
    /// Size in bytes.
    pub size: u64,
    /// When it was received.
    pub date_received: String,
    /// The policy that held it.
    pub policy_info: String,
    /// `dateReceived` as a timestamp.
    #[serde(skip)]
    pub received_at: DateTime<Utc>,
}

impl SandboxData {
    fn held_ids(&self) -> OpaqueIds {
        OpaqueIds::new(self.seed(), HELD_ID_PURPOSE, "eNo", 248)
    }

    /// Whether held message `index` is addressed to the service user (non-admin view).
    pub fn held_for_service_user(&self, index: usize) -> bool {
        index % 5 == 2
    }

    /// The queue position of a held-message id, if it is one of this sandbox's ids.
    pub fn held_index(&self, id: &str) -> Option<usize> {
        self.held_ids()
            .decode(id.trim(), self.len(Dataset::Held) as u64)
            .map(|i| i as usize)
    }

    /// Held message `index` (newest first).
    pub fn held_message(&self, index: usize) -> HeldMessage {
        let mut rng = Rng::new(self.seed(), Stream::Held, index as u64);
        let reason_ix = rng.weighted(&[30, 20, 12, 14, 10, 14]);
        let (reason, reason_id, policy) = vocab::HOLD_REASONS[reason_ix];
        let outbound = reason_ix == 2 && !self.held_for_service_user(index) && rng.percent(40);
        let employee = Party::Employee {
            person: rng.below(vocab::EMPLOYEES.len() as u64) as u8,
            domain: rng.weighted(&[85, 15]) as u8,
        };
        let list: &[(&str, &str)] = match reason_ix {
            0 => vocab::SPAM_SENDERS,
            1 | 5 => vocab::MALWARE_SENDERS,
            3 => vocab::IMPERSONATION_SENDERS,
            4 => vocab::PHISH_SENDERS,
            _ => &[],
        };
        let external = if list.is_empty() {
            Party::Partner {
                contact: rng.below(vocab::PARTNER_CONTACTS.len() as u64) as u8,
                domain: rng.below(vocab::PARTNER_DOMAINS.len() as u64) as u8,
            }
        } else {
            let (address, name) = *rng.pick(list);
            Party::Listed { address, name }
        };
        let (sender, recipient) = if outbound {
            (employee, external)
        } else if self.held_for_service_user(index) {
            (external, Party::Service)
        } else {
            (external, employee)
        };
        // Anti-spoofing holds show the organisation's own address in the header.
        let header = if reason_ix == 4 {
            Address {
                email_address: "it-helpdesk@example-corp.com".to_owned(),
                displayable_name: "IT Helpdesk".to_owned(),
            }
        } else {
            sender.to_address()
        };
        let templates = match reason_ix {
            0 => vocab::SPAM_SUBJECTS,
            1 | 5 => vocab::MALWARE_SUBJECTS,
            2 if outbound => vocab::OUTBOUND_SUBJECTS,
            2 => vocab::CLEAN_SUBJECTS,
            3 => vocab::IMPERSONATION_SUBJECTS,
            _ => vocab::PHISH_SUBJECTS,
        };
        let template = *rng.pick(templates);
        let n = rng.between(10_000, 99_999);
        let month = rng.below(12) as usize;
        let partner = if outbound {
            recipient.parts().1
        } else {
            sender.parts().1
        };
        let has_attachments = matches!(reason_ix, 1 | 5) || rng.percent(30);
        let size = if has_attachments {
            rng.between(40_000, 6_000_000)
        } else {
            rng.between(2_000, 60_000)
        };
        let received_at = self.time(Dataset::Held, index);
        HeldMessage {
            id: self.held_ids().encode(index as u64),
            reason: reason.to_owned(),
            reason_id: reason_id.to_owned(),
            reason_code: reason_id.to_ascii_lowercase(),
            from: sender.to_address(),
            from_header: header,
            to: recipient.to_address(),
            subject: fill(template, n, month, partner, ""),
            route: if outbound { "OUTBOUND" } else { "INBOUND" }.to_owned(),
            has_attachments,
            size,
            date_received: crate::mimecast::dates::format(received_at),
            policy_info: policy.to_owned(),
            received_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn held_rows_look_like_mimecast_and_ids_resolve() {
        let now = Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap();
        let d = SandboxData::new(1, 500, now);
        let rows: Vec<HeldMessage> = (0..25).map(|i| d.held_message(i)).collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(d.held_index(&row.id), Some(i));
            assert!(row.id.len() >= 200, "held ids are long");
            assert!(row.reason.starts_with("Message Hold Applied - "));
            assert_eq!(row.reason_code, row.reason_id.to_lowercase());
            assert!(row.received_at > now - chrono::Duration::days(14));
            assert_eq!(
                row.to.email_address == vocab::SERVICE_USER,
                d.held_for_service_user(i)
            );
        }
        let own = rows
            .iter()
            .filter(|r| r.to.email_address == vocab::SERVICE_USER)
            .count();
        assert_eq!(own, 5);
        assert_eq!(d.held_index("not-an-id"), None);
        assert_eq!(
            d.held_index(&d.held_message(25).id),
            None,
            "beyond the queue"
        );
    }
}
