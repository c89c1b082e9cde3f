//! Message Finder (tracking) search: `POST /api/message-finder/search`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dates;
use super::endpoints::{self, Endpoint};
use super::mailbox::{Mailbox, one_or_many};
use super::paging::Listing;

/// What to search for. Either `message_id`, or at least one of `from`, `to`, `subject`,
/// `sender_ip` (Mimecast refuses a search with neither).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSearch {
    /// Envelope or header sender, an address or a domain.
    pub from: Option<String>,
    /// Recipient, an address or a domain.
    pub to: Option<String>,
    /// Text in the subject.
    pub subject: Option<String>,
    /// Sending IP address.
    pub sender_ip: Option<String>,
    /// The Internet message id (`<…@…>`), instead of the fields above.
    pub message_id: Option<String>,
    /// Oldest time to include.
    pub start: Option<DateTime<Utc>>,
    /// Newest time to include.
    pub end: Option<DateTime<Utc>>,
    /// Why the search is run, kept in Mimecast's audit.
    pub search_reason: Option<String>,
}

/// The wire form of [`MessageSearch`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSearchItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    search_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advanced_track_and_trace_options: Option<TrackAndTraceOptions>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct TrackAndTraceOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(rename = "senderIP", skip_serializing_if = "Option::is_none")]
    sender_ip: Option<String>,
}

/// One tracked message (`data[0].trackedEmails[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct TrackedEmail {
    /// Mimecast's tracking id (long, opaque).
    pub id: String,
    /// Delivery status: delivered, held, rejected, archived, bounced, …
    pub status: String,
    /// Mimecast's description of the state.
    pub info: String,
    /// Envelope sender.
    pub from_env: Option<Mailbox>,
    /// Header sender.
    pub from_hdr: Option<Mailbox>,
    /// Recipients.
    #[serde(deserialize_with = "one_or_many")]
    pub to: Vec<Mailbox>,
    /// Subject line.
    pub subject: String,
    /// When Mimecast received it.
    #[serde(with = "dates::lenient")]
    pub received: Option<DateTime<Utc>>,
    /// When it was sent.
    #[serde(with = "dates::lenient")]
    pub sent: Option<DateTime<Utc>>,
    /// Sending IP.
    #[serde(rename = "senderIP")]
    pub sender_ip: String,
    /// Whether it has attachments.
    pub attachments: bool,
    /// inbound, outbound or internal.
    pub route: String,
    /// Spam score.
    pub spam_score: Option<i64>,
    /// Spam detection level.
    pub detection_level: String,
}

impl TrackedEmail {
    /// The sender shown to people: the header address, else the envelope address.
    pub fn sender(&self) -> &str {
        self.from_hdr
            .as_ref()
            .filter(|m| !m.email_address.is_empty())
            .or(self.from_env.as_ref())
            .map(|m| m.email_address.as_str())
            .unwrap_or("")
    }
}

/// `data[]` element of a search answer.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct TrackedEmails {
    /// The matches.
    pub tracked_emails: Vec<TrackedEmail>,
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Listing for MessageSearch {
    type Item = MessageSearchItem;
    type Data = TrackedEmails;
    type Row = TrackedEmail;
    const ENDPOINT: Endpoint = endpoints::MESSAGE_SEARCH;

    fn item(&self) -> Result<MessageSearchItem, String> {
        let options = TrackAndTraceOptions {
            from: non_empty(&self.from),
            to: non_empty(&self.to),
            subject: non_empty(&self.subject),
            sender_ip: non_empty(&self.sender_ip),
        };
        let has_options = options.from.is_some()
            || options.to.is_some()
            || options.subject.is_some()
            || options.sender_ip.is_some();
        let message_id = non_empty(&self.message_id);
        match (&message_id, has_options) {
            (Some(_), true) => {
                return Err("search by message id or by sender/recipient/subject, not both".into());
            }
            (None, false) => {
                return Err("give a sender, recipient, subject or message id to search for".into());
            }
            _ => {}
        }
        Ok(MessageSearchItem {
            start: self.start.map(dates::format),
            end: self.end.map(dates::format),
            search_reason: non_empty(&self.search_reason),
            message_id,
            advanced_track_and_trace_options: has_options.then_some(options),
        })
    }

    fn rows(data: Vec<TrackedEmails>) -> Vec<TrackedEmail> {
        data.into_iter().flat_map(|d| d.tracked_emails).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_the_documented_request() {
        let search = MessageSearch {
            from: Some("sender@example.com".into()),
            start: dates::parse("2024-01-01T00:00:00+0000"),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(search.item().unwrap()).unwrap(),
            json!({"start":"2024-01-01T00:00:00+0000",
                   "advancedTrackAndTraceOptions":{"from":"sender@example.com"}})
        );
    }

    #[test]
    fn needs_exactly_one_kind_of_criterion() {
        assert!(MessageSearch::default().item().is_err());
        let both = MessageSearch {
            message_id: Some("<a@b>".into()),
            subject: Some("x".into()),
            ..Default::default()
        };
        assert!(both.item().is_err());
    }

    #[test]
    fn parses_a_captured_row() {
        let row: TrackedEmail = serde_json::from_value(json!({
            "info": "Envelope Rejected", "id": "abc", "status": "rejected",
            "fromEnv": {"emailAddress": "env@x.com"},
            "fromHdr": {"displayableName": "X", "emailAddress": "hdr@x.com"},
            "to": [{"displayableName": "", "emailAddress": "me@corp.com"}],
            "received": "2022-08-01T13:10:54+0000", "subject": "Hi", "senderIP": "1.2.3.4",
            "attachments": false, "route": "inbound", "sent": "2022-08-01T13:10:50+0000",
            "spamScore": 0, "detectionLevel": ""
        }))
        .unwrap();
        assert_eq!(row.sender(), "hdr@x.com");
        assert_eq!(row.to[0].email_address, "me@corp.com");
        assert_eq!(row.received, dates::parse("2022-08-01T13:10:54+0000"));
        assert_eq!(row.sender_ip, "1.2.3.4");
    }
}
