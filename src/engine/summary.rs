//! `summary`: the day's TTP activity, impersonation first, as a reply.

use chrono::{DateTime, Utc};
use mimecast_commands::{self as cmd, SummaryKind};
use serde_json::{Value, json};

use super::error::EngineError;
use super::reply::{Field, Reply, Severity, Text};
use crate::mimecast::MimecastClient;
use crate::summaries::{self, Counter, DailySummary, Day, Kinds};

/// How many entries each "top" list shows.
pub const TOP: usize = 5;

/// Builds the summary the command asks for (`--date`, default today, as a UTC day).
pub async fn build(
    client: &MimecastClient,
    c: &cmd::Summary,
    now: DateTime<Utc>,
) -> Result<Reply, EngineError> {
    let date = c.date.map_or_else(|| now.date_naive(), |d| d.day(now));
    let kinds = match c.kind {
        SummaryKind::All => Kinds::ALL,
        SummaryKind::Impersonation => Kinds {
            impersonation: true,
            urls: false,
            attachments: false,
        },
        SummaryKind::Urls => Kinds {
            impersonation: false,
            urls: true,
            attachments: false,
        },
        SummaryKind::Attachments => Kinds {
            impersonation: false,
            urls: false,
            attachments: true,
        },
    };
    let summary = summaries::build(client, Day::utc(date), kinds).await?;
    Ok(to_reply(&summary))
}

fn top_text(counter: &Counter) -> Text {
    let top = counter.top(TOP);
    if top.is_empty() {
        return Text::Empty;
    }
    Text::untrusted(
        top.iter()
            .map(|(v, n)| format!("{v} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn top_json(counter: &Counter) -> Value {
    Value::Array(
        counter
            .top(TOP)
            .into_iter()
            .map(|(value, count)| json!({"value": value, "count": count}))
            .collect(),
    )
}

/// The summary as a reply: impersonation attempts first.
pub fn to_reply(s: &DailySummary) -> Reply {
    let mut headline = Vec::new();
    let mut fields = Vec::new();
    let mut severity = Severity::Info;
    let mut document = json!({"command": "summary", "date": s.day.date.to_string()});

    if let Some(imp) = &s.impersonation {
        headline.push(format!(
            "{} impersonation attempts, {} stopped, {} tagged malicious",
            imp.total, imp.stopped, imp.tagged_malicious
        ));
        if imp.total > 0 {
            severity = Severity::Warning;
        }
        let actions = imp
            .by_action
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        fields.push(Field {
            name: "Impersonation by action".into(),
            value: Text::plain(if actions.is_empty() {
                "—".into()
            } else {
                actions
            }),
        });
        fields.push(Field {
            name: "Most targeted".into(),
            value: top_text(&imp.recipients),
        });
        fields.push(Field {
            name: "Top sender domains".into(),
            value: top_text(&imp.sender_domains),
        });
        fields.push(Field {
            name: "Impersonation types".into(),
            value: top_text(&imp.by_type),
        });
        fields.push(Field {
            name: "Top subjects".into(),
            value: top_text(&imp.subjects),
        });
        document["impersonation"] = json!({
            "total": imp.total, "stopped": imp.stopped, "taggedMalicious": imp.tagged_malicious,
            "byAction": imp.by_action, "topRecipients": top_json(&imp.recipients),
            "topSenderDomains": top_json(&imp.sender_domains), "topTypes": top_json(&imp.by_type),
            "topSubjects": top_json(&imp.subjects),
        });
    }
    if let Some(urls) = &s.urls {
        headline.push(format!(
            "{} URL clicks ({} malicious)",
            urls.total, urls.malicious
        ));
        if urls.malicious > 0 {
            severity = Severity::Danger;
        }
        fields.push(Field {
            name: "URL clicks".into(),
            value: Text::plain(format!(
                "{} total, {} malicious, {} blocked",
                urls.total, urls.malicious, urls.blocked
            )),
        });
        fields.push(Field {
            name: "Clicked malicious links".into(),
            value: top_text(&urls.malicious_clickers),
        });
        document["urls"] = json!({"total": urls.total, "malicious": urls.malicious, "blocked": urls.blocked,
                                  "topMaliciousClickers": top_json(&urls.malicious_clickers)});
    }
    if let Some(att) = &s.attachments {
        let bad = att.by_result.get("malicious").copied().unwrap_or(0)
            + att.by_result.get("unsafe").copied().unwrap_or(0);
        headline.push(format!(
            "{} attachment scans ({} malicious or unsafe)",
            att.total, bad
        ));
        if bad > 0 {
            severity = Severity::Danger;
        }
        let results = att
            .by_result
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        fields.push(Field {
            name: "Attachment scans".into(),
            value: Text::plain(if results.is_empty() {
                "—".into()
            } else {
                results
            }),
        });
        fields.push(Field {
            name: "Senders of malicious files".into(),
            value: top_text(&att.malicious_senders),
        });
        document["attachments"] = json!({"total": att.total, "byResult": att.by_result,
                                         "topMaliciousSenders": top_json(&att.malicious_senders)});
    }

    let mut reply = Reply::new(
        format!("Daily summary for {} (UTC)", s.day.date),
        headline.join(" · "),
        severity,
    );
    reply.fields = fields;
    reply.footer = Some(format!(
        "{} → {}",
        crate::render::time_text(s.day.start),
        crate::render::time_text(s.day.end)
    ));
    reply.json = Some(document);
    reply
}
