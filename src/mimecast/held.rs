//! The held queue: listing (`get-hold-message-list`), release (`hold-release`) and
//! reject (`hold-reject`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dates;
use super::endpoints::{self, Endpoint};
use super::error::{ApiFailure, MimecastError};
use super::mailbox::Mailbox;
use super::paging::Listing;
use super::transport::MimecastClient;

/// Which field `searchBy` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldSearchField {
    /// Any field.
    All,
    /// Subject.
    Subject,
    /// Sender address.
    Sender,
    /// Recipient address.
    Recipient,
    /// Hold reason code.
    ReasonCode,
}

/// A held-queue query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldQuery {
    /// All recipients' held mail (`true`) or only the API user's own (`false`, Mimecast's default).
    pub admin: bool,
    /// Oldest time to include.
    pub start: Option<DateTime<Utc>>,
    /// Newest time to include.
    pub end: Option<DateTime<Utc>>,
    /// Optional text filter.
    pub search: Option<(HeldSearchField, String)>,
}

/// The wire form of [`HeldQuery`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldQueryItem {
    admin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    search_by: Option<SearchBy>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchBy {
    field_name: HeldSearchField,
    value: String,
}

/// One held message (`data[]`, flat).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct HeldMessage {
    /// Mimecast's held-message id (long, opaque).
    pub id: String,
    /// Why it is held, in words.
    pub reason: String,
    /// Reason id, upper case.
    pub reason_id: String,
    /// Reason code, lower case (Mimecast's preferred key).
    pub reason_code: String,
    /// Envelope sender.
    pub from: Option<Mailbox>,
    /// Header sender.
    pub from_header: Option<Mailbox>,
    /// Recipient (a single object in this answer).
    pub to: Option<Mailbox>,
    /// Subject line.
    pub subject: String,
    /// INBOUND, OUTBOUND, INTERNAL.
    pub route: String,
    /// Whether it has attachments.
    pub has_attachments: bool,
    /// Size in bytes.
    pub size: Option<u64>,
    /// When it was received.
    #[serde(with = "dates::lenient")]
    pub date_received: Option<DateTime<Utc>>,
    /// The policy that held it.
    pub policy_info: String,
}

impl HeldMessage {
    /// The sender shown to people: the header address, else the envelope address.
    pub fn sender(&self) -> &str {
        self.from_header
            .as_ref()
            .filter(|m| !m.email_address.is_empty())
            .or(self.from.as_ref())
            .map(|m| m.email_address.as_str())
            .unwrap_or("")
    }

    /// The recipient address.
    pub fn recipient(&self) -> &str {
        self.to
            .as_ref()
            .map(|m| m.email_address.as_str())
            .unwrap_or("")
    }
}

impl Listing for HeldQuery {
    type Item = HeldQueryItem;
    type Data = HeldMessage;
    type Row = HeldMessage;
    const ENDPOINT: Endpoint = endpoints::HOLD_LIST;

    fn item(&self) -> Result<HeldQueryItem, String> {
        let search_by = match &self.search {
            Some((_, value)) if value.trim().is_empty() => {
                return Err("give a value to search the held queue for".into());
            }
            Some((field, value)) => Some(SearchBy {
                field_name: *field,
                value: value.trim().to_owned(),
            }),
            None => None,
        };
        Ok(HeldQueryItem {
            admin: self.admin,
            start: self.start.map(dates::format),
            end: self.end.map(dates::format),
            search_by,
        })
    }

    fn rows(data: Vec<HeldMessage>) -> Vec<HeldMessage> {
        data
    }
}

/// Mimecast's reasons for rejecting held mail (`reasonType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// MESSAGE CONTAINS UNDESIRABLE CONTENT
    UndesirableContent,
    /// MESSAGE CONTAINS CONFIDENTIAL INFORMATION
    ConfidentialInformation,
    /// REVIEWER DISAPPROVES OF CONTENT
    ReviewerDisapproves,
    /// INAPPROPRIATE COMMUNICATION
    InappropriateCommunication,
    /// MESSAGE GOES AGAINST EMAIL POLICIES
    AgainstEmailPolicies,
}

impl RejectReason {
    /// Every reason, in Mimecast's order.
    pub const ALL: [RejectReason; 5] = [
        Self::UndesirableContent,
        Self::ConfidentialInformation,
        Self::ReviewerDisapproves,
        Self::InappropriateCommunication,
        Self::AgainstEmailPolicies,
    ];

    /// The exact string Mimecast expects.
    pub fn wire(self) -> &'static str {
        match self {
            Self::UndesirableContent => "MESSAGE CONTAINS UNDESIRABLE CONTENT",
            Self::ConfidentialInformation => "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
            Self::ReviewerDisapproves => "REVIEWER DISAPPROVES OF CONTENT",
            Self::InappropriateCommunication => "INAPPROPRIATE COMMUNICATION",
            Self::AgainstEmailPolicies => "MESSAGE GOES AGAINST EMAIL POLICIES",
        }
    }

    /// The reason whose wire string is `text`.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.wire() == text)
    }
}

impl Serialize for RejectReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire())
    }
}

/// A request to reject held messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectHeld {
    /// Held-message ids.
    pub ids: Vec<String>,
    /// Text returned to the sender.
    pub message: Option<String>,
    /// Mimecast's reason category.
    pub reason_type: Option<RejectReason>,
    /// Whether the sender is told.
    pub notify: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RejectItem<'a> {
    ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_type: Option<RejectReason>,
    notify: bool,
}

#[derive(Serialize)]
struct ReleaseItem<'a> {
    id: &'a str,
}

/// Per-item answer of release and reject.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ActionResult {
    id: String,
    release: Option<bool>,
    reject: Option<bool>,
}

/// Proof that Mimecast carried out a release or reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionReceipt {
    /// The ids Mimecast confirmed.
    pub ids: Vec<String>,
    /// The `x-mc-req-id` of the call, for the audit log.
    pub request_id: String,
}

impl MimecastClient {
    /// Releases one held message. Succeeds only when the answer has no `fail` entry and says
    /// `release: true` for the id. Never repeated after an answer that might mean it ran.
    pub async fn release_held(&self, id: &str) -> Result<ActionReceipt, MimecastError> {
        let ep = endpoints::HOLD_RELEASE;
        let id = id.trim();
        if id.is_empty() {
            return Err(MimecastError::InvalidRequest {
                endpoint: ep.path,
                detail: "give the id of the held message to release".into(),
            });
        }
        let answer = self
            .call::<_, ActionResult>(&ep, None, vec![ReleaseItem { id }])
            .await?;
        let request_id = answer.request_id.clone();
        let ids = confirmed(
            &ep,
            "release",
            &[id.to_owned()],
            answer.envelope.failures(),
            answer.envelope.data,
        )?;
        Ok(ActionReceipt { ids, request_id })
    }

    /// Rejects held messages. Every id must be confirmed with `reject: true`; a partial answer
    /// is reported as [`MimecastError::Partial`] naming what was and was not done.
    pub async fn reject_held(&self, request: &RejectHeld) -> Result<ActionReceipt, MimecastError> {
        let ep = endpoints::HOLD_REJECT;
        let ids: Vec<String> = request
            .ids
            .iter()
            .map(|i| i.trim().to_owned())
            .filter(|i| !i.is_empty())
            .collect();
        if ids.is_empty() {
            return Err(MimecastError::InvalidRequest {
                endpoint: ep.path,
                detail: "give the id of the held message to reject".into(),
            });
        }
        let item = RejectItem {
            ids: &ids,
            message: request
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty()),
            reason_type: request.reason_type,
            notify: request.notify,
        };
        let answer = self.call::<_, ActionResult>(&ep, None, vec![item]).await?;
        let request_id = answer.request_id.clone();
        let ids = confirmed(
            &ep,
            "reject",
            &ids,
            answer.envelope.failures(),
            answer.envelope.data,
        )?;
        Ok(ActionReceipt { ids, request_id })
    }
}

/// Checks that every requested id came back confirmed, and turns anything else into an error.
fn confirmed(
    ep: &Endpoint,
    action: &'static str,
    requested: &[String],
    mut failures: Vec<ApiFailure>,
    data: Vec<ActionResult>,
) -> Result<Vec<String>, MimecastError> {
    let flag = |r: &ActionResult| {
        if action == "release" {
            r.release
        } else {
            r.reject
        }
    };
    let mut done = Vec::new();
    for result in &data {
        if flag(result) == Some(true) && requested.contains(&result.id) {
            done.push(result.id.clone());
        }
    }
    for id in requested {
        let reported = failures.iter().any(|f| f.key.split(',').any(|k| k == id));
        if !done.contains(id) && !reported {
            failures.push(ApiFailure {
                key: id.clone(),
                errors: vec![super::error::FailError {
                    code: format!("{action}_not_confirmed"),
                    message: format!("Mimecast did not confirm the {action}"),
                    field: None,
                    retryable: false,
                }],
            });
        }
    }
    match (done.is_empty(), failures.is_empty()) {
        (_, true) => Ok(done),
        (true, false) if requested.len() == 1 && data.iter().any(|r| flag(r) == Some(false)) => {
            Err(MimecastError::NotExecuted {
                endpoint: ep.path,
                action,
                id: requested[0].clone(),
            })
        }
        (true, false) => Err(MimecastError::Api {
            endpoint: ep.path,
            failures,
        }),
        (false, false) => Err(MimecastError::Partial {
            endpoint: ep.path,
            done,
            failures,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reject_serializes_wire_reason_strings() {
        let ids = vec!["a".to_owned()];
        let item = RejectItem {
            ids: &ids,
            message: Some("no thanks"),
            reason_type: Some(RejectReason::InappropriateCommunication),
            notify: true,
        };
        assert_eq!(
            serde_json::to_value(item).unwrap(),
            json!({"ids":["a"],"message":"no thanks","reasonType":"INAPPROPRIATE COMMUNICATION","notify":true})
        );
        for reason in RejectReason::ALL {
            assert_eq!(RejectReason::from_wire(reason.wire()), Some(reason));
        }
    }

    #[test]
    fn held_query_wire_form() {
        let query = HeldQuery {
            admin: true,
            search: Some((HeldSearchField::ReasonCode, "spam".into())),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(query.item().unwrap()).unwrap(),
            json!({"admin":true,"searchBy":{"fieldName":"reason_code","value":"spam"}})
        );
    }

    #[test]
    fn confirmation_needs_a_true_flag_for_every_id() {
        let ep = endpoints::HOLD_RELEASE;
        let ok = vec![ActionResult {
            id: "a".into(),
            release: Some(true),
            reject: None,
        }];
        assert_eq!(
            confirmed(&ep, "release", &["a".into()], vec![], ok).unwrap(),
            vec!["a"]
        );

        let refused = vec![ActionResult {
            id: "a".into(),
            release: Some(false),
            reject: None,
        }];
        assert!(matches!(
            confirmed(&ep, "release", &["a".into()], vec![], refused),
            Err(MimecastError::NotExecuted { .. })
        ));

        assert!(matches!(
            confirmed(&ep, "release", &["a".into()], vec![], vec![]),
            Err(MimecastError::Api { .. })
        ));

        let partial = vec![ActionResult {
            id: "a".into(),
            release: None,
            reject: Some(true),
        }];
        assert!(matches!(
            confirmed(&ep, "reject", &["a".into(), "b".into()], vec![], partial),
            Err(MimecastError::Partial { .. })
        ));
    }
}
