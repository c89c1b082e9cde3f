//! Targeted Threat Protection logs: URL clicks, attachment scans, impersonation detections.
//!
//! All three take `from`/`to`/`oldestFirst` and answer rows nested under `data[0].<key>[]`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dates;
use super::endpoints::{self, Endpoint};
use super::paging::Listing;

/// Mail route filter of the URL and attachment logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Inbound mail.
    Inbound,
    /// Outbound mail.
    Outbound,
    /// Internal mail.
    Internal,
    /// Every route (Mimecast's default).
    #[default]
    All,
}

/// URL scan verdict filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UrlScanResult {
    /// Clean URLs.
    Clean,
    /// Malicious URLs.
    Malicious,
    /// Both.
    #[default]
    All,
}

/// Attachment scan result filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentResult {
    /// Safe.
    Safe,
    /// Malicious.
    Malicious,
    /// Scan timed out.
    Timeout,
    /// Scan failed.
    Error,
    /// Unsafe.
    Unsafe,
    /// Every result.
    #[default]
    All,
}

/// Which field an impersonation `query` searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ImpersonationSearchField {
    /// Sender address.
    SenderAddress,
    /// Recipient address.
    RecipientAddress,
    /// Subject.
    Subject,
    /// Policy (definition) name.
    Policy,
    /// Every field.
    All,
}

/// Time window shared by the three logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Oldest event (Mimecast's default: start of today).
    pub from: Option<DateTime<Utc>>,
    /// Newest event (Mimecast's default: now).
    pub to: Option<DateTime<Utc>>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct WindowItem {
    oldest_first: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
}

impl Window {
    fn item(&self) -> Result<WindowItem, String> {
        dates::check_order(self.from, self.to)?;
        Ok(WindowItem {
            oldest_first: self.oldest_first,
            from: self.from.map(dates::format),
            to: self.to.map(dates::format),
        })
    }
}

/// URL Protect click-log query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlLogQuery {
    /// Time window.
    pub window: Window,
    /// Route filter.
    pub route: Route,
    /// Verdict filter.
    pub scan_result: UrlScanResult,
}

/// Wire form of [`UrlLogQuery`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlLogItem {
    #[serde(flatten)]
    window: WindowItem,
    route: Route,
    scan_result: UrlScanResult,
}

/// One URL click (`data[0].clickLogs[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ClickLog {
    /// The URL (untrusted; defang before showing).
    pub url: String,
    /// allow, warn or block.
    pub action: String,
    /// clean, malicious, …
    pub scan_result: String,
    /// URL category.
    pub category: String,
    /// Who clicked.
    pub user_email_address: String,
    /// Who sent the message with the link.
    pub from_user_email_address: String,
    /// When.
    #[serde(with = "dates::lenient")]
    pub date: Option<DateTime<Utc>>,
    /// Subject of the message.
    pub subject: String,
    /// URL Protect definition.
    pub ttp_definition: String,
    /// Admin override.
    pub admin_override: String,
    /// User override.
    pub user_override: String,
    /// IP the message came from.
    pub sending_ip: String,
    /// User-awareness action.
    pub user_awareness_action: String,
    /// Route.
    pub route: String,
    /// User Click, Entry Scan, …
    pub creation_method: String,
    /// Message id of the carrying mail.
    pub message_id: String,
}

/// `data[]` element of the URL log answer.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ClickLogs {
    /// The rows.
    pub click_logs: Vec<ClickLog>,
}

impl Listing for UrlLogQuery {
    type Item = UrlLogItem;
    type Data = ClickLogs;
    type Row = ClickLog;
    const ENDPOINT: Endpoint = endpoints::TTP_URL_LOGS;

    fn item(&self) -> Result<UrlLogItem, String> {
        Ok(UrlLogItem {
            window: self.window.item()?,
            route: self.route,
            scan_result: self.scan_result,
        })
    }

    fn rows(data: Vec<ClickLogs>) -> Vec<ClickLog> {
        data.into_iter().flat_map(|d| d.click_logs).collect()
    }
}

/// Attachment Protect log query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentLogQuery {
    /// Time window.
    pub window: Window,
    /// Route filter.
    pub route: Route,
    /// Result filter.
    pub result: AttachmentResult,
}

/// Wire form of [`AttachmentLogQuery`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentLogItem {
    #[serde(flatten)]
    window: WindowItem,
    route: Route,
    result: AttachmentResult,
}

/// One attachment scan (`data[0].attachmentLogs[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct AttachmentLog {
    /// File name (untrusted).
    pub file_name: String,
    /// MIME type.
    pub file_type: String,
    /// safe, malicious, …
    pub result: String,
    /// Sender (can be `<>`).
    pub sender_address: String,
    /// Recipient.
    pub recipient_address: String,
    /// When.
    #[serde(with = "dates::lenient")]
    pub date: Option<DateTime<Utc>>,
    /// What was done.
    pub action_triggered: String,
    /// Scanner details.
    pub details: String,
    /// Route.
    pub route: String,
    /// Message id.
    pub message_id: String,
    /// Subject.
    pub subject: String,
    /// SHA-256 of the file.
    pub file_hash: String,
    /// Attachment Protect definition.
    pub definition: String,
}

/// `data[]` element of the attachment log answer.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct AttachmentLogs {
    /// The rows.
    pub attachment_logs: Vec<AttachmentLog>,
}

impl Listing for AttachmentLogQuery {
    type Item = AttachmentLogItem;
    type Data = AttachmentLogs;
    type Row = AttachmentLog;
    const ENDPOINT: Endpoint = endpoints::TTP_ATTACHMENT_LOGS;

    fn item(&self) -> Result<AttachmentLogItem, String> {
        Ok(AttachmentLogItem {
            window: self.window.item()?,
            route: self.route,
            result: self.result,
        })
    }

    fn rows(data: Vec<AttachmentLogs>) -> Vec<AttachmentLog> {
        data.into_iter().flat_map(|d| d.attachment_logs).collect()
    }
}

/// Impersonation Protect log query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpersonationLogQuery {
    /// Time window.
    pub window: Window,
    /// Only rows tagged malicious (`Some(true)`), only untagged (`Some(false)`), or both.
    pub tagged_malicious: Option<bool>,
    /// Field to search, with the text.
    pub search: Option<(ImpersonationSearchField, String)>,
    /// Only rows with these identifiers (empty: any).
    pub identifiers: Vec<String>,
    /// Only rows with these actions (empty: any), Mimecast's action values.
    pub actions: Vec<String>,
}

/// Wire form of [`ImpersonationLogQuery`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpersonationLogItem {
    #[serde(flatten)]
    window: WindowItem,
    #[serde(skip_serializing_if = "Option::is_none")]
    tagged_malicious: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    search_field: Option<ImpersonationSearchField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<String>,
}

/// One similarity finding inside an impersonation row.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ImpersonationResult {
    /// Where the look-alike domain came from.
    pub impersonation_domain_source: String,
    /// The domain it resembles.
    pub similar_domain: String,
    /// The string it resembles.
    pub string_similar_to_domain: String,
    /// The checker's verdict.
    pub checker_result: String,
}

/// One impersonation detection (`data[0].impersonationLogs[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ImpersonationLog {
    /// Row id.
    pub id: String,
    /// Sender (untrusted).
    pub sender_address: String,
    /// Targeted recipient.
    pub recipient_address: String,
    /// Subject.
    pub subject: String,
    /// Impersonation Protect definition that matched.
    pub definition: String,
    /// How many identifiers hit.
    pub hits: u32,
    /// Identifier names (newly_observed_domain, internal_user_name, …).
    pub identifiers: Vec<String>,
    /// Action taken (none, hold, bounce, delete, …).
    pub action: String,
    /// Whether the message was tagged external.
    pub tagged_external: bool,
    /// Whether it was tagged malicious.
    pub tagged_malicious: bool,
    /// Sending IP.
    pub sender_ip_address: String,
    /// When.
    #[serde(with = "dates::lenient")]
    pub event_time: Option<DateTime<Utc>>,
    /// Similarity findings.
    pub impersonation_results: Vec<ImpersonationResult>,
    /// Message id.
    pub message_id: String,
}

/// `data[]` element of the impersonation log answer.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ImpersonationLogs {
    /// The rows.
    pub impersonation_logs: Vec<ImpersonationLog>,
    /// Mimecast's count of matching rows.
    pub result_count: Option<u64>,
}

impl Listing for ImpersonationLogQuery {
    type Item = ImpersonationLogItem;
    type Data = ImpersonationLogs;
    type Row = ImpersonationLog;
    const ENDPOINT: Endpoint = endpoints::TTP_IMPERSONATION_LOGS;

    fn item(&self) -> Result<ImpersonationLogItem, String> {
        let (search_field, query) = match &self.search {
            Some((_, text)) if text.trim().is_empty() => {
                return Err("give the text to search the impersonation logs for".into());
            }
            Some((field, text)) => (Some(*field), Some(text.trim().to_owned())),
            None => (None, None),
        };
        Ok(ImpersonationLogItem {
            window: self.window.item()?,
            tagged_malicious: self.tagged_malicious,
            search_field,
            query,
            identifiers: self.identifiers.clone(),
            actions: self.actions.clone(),
        })
    }

    fn rows(data: Vec<ImpersonationLogs>) -> Vec<ImpersonationLog> {
        data.into_iter()
            .flat_map(|d| d.impersonation_logs)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_query_wire_form() {
        let query = UrlLogQuery {
            window: Window {
                from: dates::parse("2024-01-01T00:00:00Z"),
                to: None,
                oldest_first: false,
            },
            route: Route::Inbound,
            scan_result: UrlScanResult::Malicious,
        };
        assert_eq!(
            serde_json::to_value(query.item().unwrap()).unwrap(),
            json!({"oldestFirst":false,"from":"2024-01-01T00:00:00+0000","route":"inbound","scanResult":"malicious"})
        );
    }

    #[test]
    fn impersonation_query_wire_form_and_validation() {
        let query = ImpersonationLogQuery {
            tagged_malicious: Some(true),
            search: Some((ImpersonationSearchField::SenderAddress, "ceo".into())),
            actions: vec!["hold".into(), "bounce".into()],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(query.item().unwrap()).unwrap(),
            json!({"oldestFirst":false,"taggedMalicious":true,"searchField":"senderAddress",
                   "query":"ceo","actions":["hold","bounce"]})
        );
        let backwards = UrlLogQuery {
            window: Window {
                from: dates::parse("2024-02-01T00:00:00Z"),
                to: dates::parse("2024-01-01T00:00:00Z"),
                oldest_first: false,
            },
            ..Default::default()
        };
        assert!(backwards.item().unwrap_err().contains("after the end"));
    }

    #[test]
    fn rows_come_from_the_nested_key() {
        let data: Vec<ImpersonationLogs> = serde_json::from_value(json!([{
            "impersonationLogs": [{"id": "1", "senderAddress": "ceo@examp1e.com", "identifiers": ["internal_user_name"],
                                   "action": "hold", "taggedMalicious": true, "eventTime": "2024-01-02T03:04:05+0000",
                                   "hits": 2, "impersonationResults": []}],
            "resultCount": 1
        }]))
        .unwrap();
        let rows = ImpersonationLogQuery::rows(data);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].identifiers, vec!["internal_user_name"]);
        assert!(rows[0].event_time.is_some());
    }
}
