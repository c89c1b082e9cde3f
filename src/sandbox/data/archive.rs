//! Archive items (`/api/archive/search`): the same messages as message tracking, row for row.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rng::OpaqueIds;
use super::tracking::{MessageAttrs, Party};
use super::{Address, Dataset, SandboxData};

const ARCHIVE_ID_PURPOSE: u64 = 50;
const SMASH_PURPOSE: u64 = 51;

/// One row of `data[0].items[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveItem {
    /// Size in bytes.
    pub size: u64,
    /// Number of attachments.
    pub attachmentcount: u32,
    /// Subject.
    pub subject: String,
    /// Sender display name.
    pub displayfrom: String,
    /// Sender address.
    pub displayfromaddress: String,
    /// Recipients' display names, comma separated.
    pub displayto: String,
    /// Recipients.
    pub displaytoaddresslist: Vec<Address>,
    /// Opaque archive id.
    pub id: String,
    /// Message fingerprint.
    pub smash: String,
    /// When it was received.
    pub receiveddate: String,
    /// Always "ARCHIVED".
    pub status: String,
    /// `receiveddate` as a timestamp.
    #[serde(skip)]
    pub received_at: DateTime<Utc>,
}

impl SandboxData {
    /// Archive item `index` (the archived copy of tracked message `index`).
    pub fn archive_item(&self, index: usize) -> ArchiveItem {
        self.archive_item_with(index, &self.message_attrs(index))
    }

    pub(crate) fn archive_item_with(&self, index: usize, attrs: &MessageAttrs) -> ArchiveItem {
        let mut text = self.text_rng(Dataset::Tracking, index);
        let attachmentcount = if attrs.attachments {
            1 + text.below(3) as u32
        } else {
            0
        };
        let size = 3_000 + text.below(40_000) + u64::from(attachmentcount) * text.below(2_000_000);
        let received_at = self.time(Dataset::Tracking, index);
        let recipients = attrs.recipients();
        ArchiveItem {
            size,
            attachmentcount,
            subject: attrs.subject(),
            displayfrom: attrs.sender.name().to_owned(),
            displayfromaddress: attrs.sender.address(),
            displayto: recipients
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", "),
            displaytoaddresslist: recipients.iter().map(Party::to_address).collect(),
            id: OpaqueIds::new(self.seed(), ARCHIVE_ID_PURPOSE, "eNpVj8", 184).encode(index as u64),
            smash: OpaqueIds::new(self.seed(), SMASH_PURPOSE, "", 44).encode(index as u64),
            receiveddate: crate::mimecast::dates::format(received_at),
            status: "ARCHIVED".to_owned(),
            received_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn archive_mirrors_tracking() {
        let d = SandboxData::new(2, 400, Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap());
        for i in [0, 5, 399] {
            let item = d.archive_item(i);
            let msg = d.tracked_email(i);
            assert_eq!(item.subject, msg.subject);
            assert_eq!(item.displayfromaddress, msg.from_hdr.email_address);
            assert_eq!(item.displaytoaddresslist, msg.to);
            assert_eq!(item.receiveddate, msg.received);
            assert_eq!(item.attachmentcount > 0, msg.attachments);
            assert_eq!(item.status, "ARCHIVED");
        }
    }
}
