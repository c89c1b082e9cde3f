//! Targeted Threat Protection logs: URL clicks, attachment scans, impersonation hits, and the
//! rewritten-link codec behind `/api/ttp/url/decode-url`.
//!
//! Each log row refers to a slightly older tracked message (row `i` looks at messages `i+1 …
//! i+8` for a fitting one), taking its sender, recipient, subject, route and Message-ID.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rng::{OpaqueIds, Rng, Stream};
use super::tracking::{MessageAttrs, MessageHead, Profile, Route};
use super::vocab::{self, fill};
use super::{Dataset, SandboxData};

const REWRITE_PURPOSE: u64 = 30;
const IMPERSONATION_ID_PURPOSE: u64 = 40;

/// One row of `data[0].clickLogs[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickLog {
    /// Who clicked.
    pub user_email_address: String,
    /// Who sent the mail with the link.
    pub from_user_email_address: String,
    /// The clicked URL (for about one row in five, the Mimecast-rewritten form).
    pub url: String,
    /// URL Protect definition.
    pub ttp_definition: String,
    /// Subject of the mail.
    pub subject: String,
    /// allow, warn or block.
    pub action: String,
    /// "N/A".
    pub admin_override: String,
    /// "None".
    pub user_override: String,
    /// clean or malicious.
    pub scan_result: String,
    /// URL category.
    pub category: String,
    /// Sending IP or "Internal IP".
    pub sending_ip: String,
    /// "Continue", "Cancel" or "N/A".
    pub user_awareness_action: String,
    /// When the click happened.
    pub date: String,
    /// Allow, Block or Warn outcome.
    pub actions: String,
    /// inbound, outbound or internal.
    pub route: String,
    /// "User Click" or "Entry Scan".
    pub creation_method: String,
    /// Where the link was: ["Body"] or ["Attachment"].
    pub email_parts_description: Vec<String>,
    /// Message-ID of the mail.
    pub message_id: String,
    /// The original URL, whatever `url` shows (not on the wire).
    #[serde(skip)]
    pub original_url: String,
    /// `date` as a timestamp.
    #[serde(skip)]
    pub at: DateTime<Utc>,
}

/// One row of `data[0].attachmentLogs[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentLog {
    /// Sender ("<>" for null-sender mail).
    pub sender_address: String,
    /// Recipient.
    pub recipient_address: String,
    /// File name.
    pub file_name: String,
    /// MIME type.
    pub file_type: String,
    /// safe, malicious, unsafe, timeout or error.
    pub result: String,
    /// "none, none", "hold, none", …
    pub action_triggered: String,
    /// When it was scanned.
    pub date: String,
    /// Sandbox report text.
    pub details: String,
    /// inbound, outbound or internal.
    pub route: String,
    /// Message-ID of the mail.
    pub message_id: String,
    /// Subject of the mail.
    pub subject: String,
    /// SHA-256 of the file (hex).
    pub file_hash: String,
    /// Attachment Protect definition.
    pub definition: String,
    /// `date` as a timestamp.
    #[serde(skip)]
    pub at: DateTime<Utc>,
}

/// One entry of `impersonationResults[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpersonationResult {
    /// Which list the lookalike was checked against.
    pub impersonation_domain_source: String,
    /// The protected name or domain.
    pub similar_domain: String,
    /// What in the mail resembled it.
    pub string_similar_to_domain: String,
    /// The identifier that fired.
    pub checker_result: String,
}

/// One row of `data[0].impersonationLogs[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpersonationLog {
    /// "MTOKEN:…".
    pub id: String,
    /// Sender.
    pub sender_address: String,
    /// Recipient.
    pub recipient_address: String,
    /// Subject.
    pub subject: String,
    /// Impersonation Protect definition.
    pub definition: String,
    /// Number of identifiers that fired.
    pub hits: u32,
    /// The identifiers that fired.
    pub identifiers: Vec<String>,
    /// none, hold, bounce, delete, smart_folder.
    pub action: String,
    /// Whether the mail was tagged external.
    pub tagged_external: bool,
    /// Whether the mail was tagged malicious.
    pub tagged_malicious: bool,
    /// Sending IP.
    pub sender_ip_address: String,
    /// When it happened.
    pub event_time: String,
    /// Details per identifier.
    pub impersonation_results: Vec<ImpersonationResult>,
    /// Message-ID of the mail.
    pub message_id: String,
    /// `eventTime` as a timestamp.
    #[serde(skip)]
    pub at: DateTime<Utc>,
}

/// Filterable facts of a click-log row.
#[derive(Debug, Clone)]
pub(crate) struct ClickAttrs {
    pub msg_index: usize,
    pub msg: MessageAttrs,
    pub malicious: bool,
    rng: Rng,
}

/// Filterable facts of an attachment-log row.
#[derive(Debug, Clone)]
pub(crate) struct AttachmentAttrs {
    pub msg_index: usize,
    pub msg: MessageAttrs,
    pub result: &'static str,
    rng: Rng,
}

/// Filterable facts of an impersonation-log row.
#[derive(Debug, Clone)]
pub(crate) struct ImpersonationAttrs {
    pub msg_index: usize,
    pub msg: MessageAttrs,
    pub identifiers: Vec<&'static str>,
    pub action: &'static str,
    pub tagged_malicious: bool,
    pub definition: &'static str,
}

impl SandboxData {
    /// The first message among `index+1 ..= index+8` satisfying `fits`, else `index+1`
    /// (clamped to the dataset).
    fn related_message(
        &self,
        index: usize,
        fits: impl Fn(&MessageHead) -> bool,
    ) -> (usize, MessageAttrs) {
        let last = self.scale().saturating_sub(1);
        for step in 1..=8 {
            let j = index.saturating_add(step);
            if j > last {
                break;
            }
            if fits(&self.message_head(j)) {
                return (j, self.message_attrs(j));
            }
        }
        let j = index.saturating_add(1).min(last);
        (j, self.message_attrs(j))
    }

    pub(crate) fn click_attrs(&self, index: usize) -> ClickAttrs {
        let (msg_index, msg) = self.related_message(index, |m| m.route != Route::Outbound);
        let mut rng = Rng::new(self.seed(), Stream::Clicks, index as u64);
        let malicious = match msg.profile {
            Profile::Phish => rng.percent(90),
            Profile::Spam => rng.percent(20),
            Profile::Malware => rng.percent(30),
            _ => false,
        };
        ClickAttrs {
            msg_index,
            msg,
            malicious,
            rng,
        }
    }

    fn rewrite_tokens(&self) -> OpaqueIds {
        OpaqueIds::new(self.seed(), REWRITE_PURPOSE, "", 22)
    }

    /// The Mimecast-rewritten form of click row `index`'s URL:
    /// `https://protect-eu.mimecast.com/s/<token>?domain=<host>`.
    pub fn rewritten_url(&self, index: usize) -> String {
        let original = self.click_log(index).original_url;
        self.rewrite(index, &original)
    }

    fn rewrite(&self, index: usize, original: &str) -> String {
        format!(
            "https://{}/s/{}?domain={}",
            vocab::PROTECT_HOST,
            self.rewrite_tokens().encode(index as u64),
            host_of(original)
        )
    }

    /// Decodes a rewritten link this sandbox issued back to the original URL.
    pub fn decode_url(&self, url: &str) -> Option<String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        let (host, path) = rest.split_once('/')?;
        let host = host.to_ascii_lowercase();
        if !(host.starts_with("protect") && host.ends_with(".mimecast.com")) {
            return None;
        }
        let token = path.strip_prefix("s/")?;
        let token = token.split(['?', '#', '/']).next()?;
        let index = self.rewrite_tokens().decode(token, self.scale() as u64)?;
        Some(self.click_log(index as usize).original_url)
    }

    /// URL click-log row `index` (newest first).
    pub fn click_log(&self, index: usize) -> ClickLog {
        let ClickAttrs {
            msg_index,
            msg,
            malicious,
            mut rng,
        } = self.click_attrs(index);
        let (template, category) = if malicious {
            *rng.pick(vocab::MALICIOUS_URLS)
        } else {
            *rng.pick(vocab::CLEAN_URLS)
        };
        let tok = rng.alnum(12);
        let original_url = fill(template, rng.between(1000, 99_999), 0, "", &tok);
        let shown = if rng.percent(20) {
            self.rewrite(index, &original_url)
        } else {
            original_url.clone()
        };
        let action = if malicious {
            if rng.percent(70) { "block" } else { "warn" }
        } else {
            "allow"
        };
        let awareness = match action {
            "warn" => *rng.pick(&["Continue", "Continue", "Cancel"]),
            _ => "N/A",
        };
        let actions = match (action, awareness) {
            ("allow", _) | ("warn", "Continue") => "Allow",
            _ => "Block",
        };
        let in_attachment = msg.attachments && rng.percent(15);
        let at = self.time(Dataset::Clicks, index);
        ClickLog {
            user_email_address: msg.recipients()[0].address(),
            from_user_email_address: msg.sender.address(),
            url: shown,
            ttp_definition: (*rng.pick(vocab::URL_DEFINITIONS)).to_owned(),
            subject: msg.subject(),
            action: action.to_owned(),
            admin_override: "N/A".to_owned(),
            user_override: "None".to_owned(),
            scan_result: if malicious { "malicious" } else { "clean" }.to_owned(),
            category: category.to_owned(),
            sending_ip: match msg.route {
                Route::Inbound => msg.sender_ip(),
                _ => "Internal IP".to_owned(),
            },
            user_awareness_action: awareness.to_owned(),
            date: crate::mimecast::dates::format(at),
            actions: actions.to_owned(),
            route: msg.route.as_str().to_owned(),
            creation_method: if rng.percent(85) {
                "User Click"
            } else {
                "Entry Scan"
            }
            .to_owned(),
            email_parts_description: vec![
                if in_attachment { "Attachment" } else { "Body" }.to_owned(),
            ],
            message_id: self.message_id_with(msg_index, &msg),
            original_url,
            at,
        }
    }

    pub(crate) fn attachment_attrs(&self, index: usize) -> AttachmentAttrs {
        let (msg_index, msg) = self.related_message(index, |m| m.attachments);
        let mut rng = Rng::new(self.seed(), Stream::Attachments, index as u64);
        let result = if msg.profile == Profile::Malware {
            ["malicious", "unsafe", "timeout", "error"][rng.weighted(&[80, 10, 5, 5])]
        } else {
            ["safe", "timeout", "error", "unsafe", "malicious"][rng.weighted(&[92, 3, 2, 1, 2])]
        };
        AttachmentAttrs {
            msg_index,
            msg,
            result,
            rng,
        }
    }

    /// Attachment-log row `index` (newest first).
    pub fn attachment_log(&self, index: usize) -> AttachmentLog {
        let AttachmentAttrs {
            msg_index,
            msg,
            result,
            mut rng,
        } = self.attachment_attrs(index);
        let bad = matches!(result, "malicious" | "unsafe") || msg.profile == Profile::Malware;
        let (pattern, mime) = if bad {
            *rng.pick(vocab::MALICIOUS_FILES)
        } else {
            *rng.pick(vocab::SAFE_FILES)
        };
        let secs = rng.between(2, 95);
        let took = format!("Time taken: 0 hrs, {} min, {} sec", secs / 60, secs % 60);
        let details = match result {
            "safe" => format!("Safe   \r\n{took}"),
            "malicious" => format!(
                "Malicious   \r\nAnti-Virus Detection: {}.{}\r\n{took}",
                rng.pick(vocab::MALWARE_NAMES),
                rng.between(1000, 99_999)
            ),
            "unsafe" => format!("Unsafe   \r\nActive content (macros) detected\r\n{took}"),
            "timeout" => "Timeout   \r\nSandbox analysis exceeded 5 minutes".to_owned(),
            _ => "Error   \r\nFile could not be scanned: password protected archive".to_owned(),
        };
        let action_triggered = match result {
            "malicious" => "hold, none",
            "unsafe" => "hold, notify",
            "timeout" => "user release, none",
            _ => "none, none",
        };
        let at = self.time(Dataset::Attachments, index);
        AttachmentLog {
            sender_address: if rng.percent(2) {
                "<>".to_owned()
            } else {
                msg.sender.address()
            },
            recipient_address: msg.recipients()[0].address(),
            file_name: fill(pattern, msg.n, msg.month, "", ""),
            file_type: mime.to_owned(),
            result: result.to_owned(),
            action_triggered: action_triggered.to_owned(),
            date: crate::mimecast::dates::format(at),
            details,
            route: msg.route.as_str().to_owned(),
            message_id: self.message_id_with(msg_index, &msg),
            subject: msg.subject(),
            file_hash: rng.hex(64),
            definition: (*rng.pick(vocab::ATTACHMENT_DEFINITIONS)).to_owned(),
            at,
        }
    }

    pub(crate) fn impersonation_attrs(&self, index: usize) -> ImpersonationAttrs {
        let (msg_index, msg) = self.related_message(index, |m| {
            matches!(
                m.profile,
                Profile::Impersonation | Profile::Phish | Profile::Spam
            )
        });
        let mut rng = Rng::new(self.seed(), Stream::Impersonation, index as u64);
        let strong = msg.profile == Profile::Impersonation;
        let mut identifiers: Vec<&'static str> = Vec::with_capacity(4);
        if strong {
            let pool = [
                "similar_internal_domain",
                "internal_user_name",
                "reply_address_mismatch",
                "targeted_threat_dictionary",
                "newly_observed_domain",
            ];
            let hits = rng.between(2, 4) as usize;
            let start = rng.below(pool.len() as u64) as usize;
            identifiers.extend((0..hits).map(|k| pool[(start + k) % pool.len()]));
        } else {
            identifiers.push(*rng.pick(&[
                "newly_observed_domain",
                "reply_address_mismatch",
                "targeted_threat_dictionary",
            ]));
        }
        let action = if strong {
            ["hold", "bounce", "delete", "smart_folder", "none"]
                [rng.weighted(&[50, 20, 10, 10, 10])]
        } else {
            ["none", "smart_folder"][rng.weighted(&[80, 20])]
        };
        let tagged_malicious = strong || rng.percent(15);
        let definition = if strong && rng.percent(70) {
            vocab::IMPERSONATION_DEFINITIONS[1]
        } else {
            vocab::IMPERSONATION_DEFINITIONS[0]
        };
        ImpersonationAttrs {
            msg_index,
            msg,
            identifiers,
            action,
            tagged_malicious,
            definition,
        }
    }

    fn impersonation_ids(&self) -> OpaqueIds {
        OpaqueIds::new(self.seed(), IMPERSONATION_ID_PURPOSE, "MTOKEN:eNq", 128)
    }

    /// Impersonation-log row `index` (newest first).
    pub fn impersonation_log(&self, index: usize) -> ImpersonationLog {
        let ImpersonationAttrs {
            msg_index,
            msg,
            identifiers,
            action,
            tagged_malicious,
            definition,
        } = self.impersonation_attrs(index);
        let sender_domain = msg.sender.parts().1;
        let results = identifiers
            .iter()
            .filter_map(|id| match *id {
                "similar_internal_domain" => Some(ImpersonationResult {
                    impersonation_domain_source: "Internal Domains".to_owned(),
                    similar_domain: vocab::ORG_DOMAINS[0].to_owned(),
                    string_similar_to_domain: sender_domain.to_owned(),
                    checker_result: (*id).to_owned(),
                }),
                "internal_user_name" => Some(ImpersonationResult {
                    impersonation_domain_source: "Internal User Names".to_owned(),
                    similar_domain: msg.sender.name().to_owned(),
                    string_similar_to_domain: msg.sender.name().to_owned(),
                    checker_result: (*id).to_owned(),
                }),
                _ => None,
            })
            .collect();
        let at = self.time(Dataset::Impersonation, index);
        ImpersonationLog {
            id: self.impersonation_ids().encode(index as u64),
            sender_address: msg.sender.address(),
            recipient_address: msg.recipients()[0].address(),
            subject: msg.subject(),
            definition: definition.to_owned(),
            hits: identifiers.len() as u32,
            identifiers: identifiers.iter().map(|s| (*s).to_owned()).collect(),
            action: action.to_owned(),
            tagged_external: msg.route == Route::Inbound,
            tagged_malicious,
            sender_ip_address: msg.sender_ip(),
            event_time: crate::mimecast::dates::format(at),
            impersonation_results: results,
            message_id: self.message_id_with(msg_index, &msg),
            at,
        }
    }
}

/// The host part of a URL (`https://host/path` → `host`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn data() -> SandboxData {
        SandboxData::new(
            5,
            3000,
            Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap(),
        )
    }

    #[test]
    fn logs_refer_to_tracked_messages() {
        let d = data();
        for i in (0..3000).step_by(97) {
            let click = d.click_log(i);
            let j = d
                .tracking_index(&click.message_id)
                .expect("click message is tracked");
            let msg = d.tracked_email(j);
            assert!(j > i || j == 2999);
            assert_eq!(msg.subject, click.subject);
            assert_eq!(msg.from_hdr.email_address, click.from_user_email_address);
            let att = d.attachment_log(i);
            assert!(d.tracking_index(&att.message_id).is_some());
            let imp = d.impersonation_log(i);
            assert!(d.tracking_index(&imp.message_id).is_some());
            assert!(imp.id.starts_with("MTOKEN:"));
            assert_eq!(imp.hits as usize, imp.identifiers.len());
        }
    }

    #[test]
    fn value_sets_are_covered() {
        let d = data();
        let clicks: Vec<ClickLog> = (0..3000).map(|i| d.click_log(i)).collect();
        for v in ["allow", "warn", "block"] {
            assert!(clicks.iter().any(|c| c.action == v), "{v}");
        }
        assert!(clicks.iter().any(|c| c.scan_result == "malicious"));
        assert!(
            clicks
                .iter()
                .any(|c| c.url.contains("protect-eu.mimecast.com/s/"))
        );
        let atts: Vec<AttachmentLog> = (0..3000).map(|i| d.attachment_log(i)).collect();
        for v in ["safe", "malicious", "unsafe", "timeout", "error"] {
            assert!(atts.iter().any(|a| a.result == v), "{v}");
        }
        assert!(atts.iter().all(|a| a.file_hash.len() == 64));
        let imps: Vec<ImpersonationLog> = (0..3000).map(|i| d.impersonation_log(i)).collect();
        for v in ["none", "hold", "bounce", "delete", "smart_folder"] {
            assert!(imps.iter().any(|a| a.action == v), "{v}");
        }
        assert!(imps.iter().any(|a| a.tagged_malicious));
        assert!(imps.iter().any(|a| !a.tagged_malicious));
    }

    #[test]
    fn rewritten_urls_decode_to_the_original() {
        let d = data();
        let mut seen = 0;
        for i in 0..200 {
            let click = d.click_log(i);
            if click.url != click.original_url {
                seen += 1;
                assert_eq!(d.decode_url(&click.url), Some(click.original_url.clone()));
                assert!(
                    click
                        .url
                        .ends_with(&format!("?domain={}", host_of(&click.original_url)))
                );
            }
            assert_eq!(d.decode_url(&d.rewritten_url(i)), Some(click.original_url));
        }
        assert!(seen > 10);
        assert_eq!(d.decode_url("https://example.com/s/abc"), None);
        assert_eq!(
            d.decode_url("https://protect-eu.mimecast.com/s/AAAAAAAAAAAAAAAAAAAAAA"),
            None
        );
        assert_eq!(d.decode_url("not a url"), None);
    }
}
