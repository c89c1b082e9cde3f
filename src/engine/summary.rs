//! `summary`: the day's TTP activity, impersonation first, as a reply.

use chrono::{DateTime, Utc};
use mimecast_commands::{self as cmd, SummaryKind};
use serde_json::{Value, json};

use super::error::EngineError;
use super::reply::{Field, Reply, Severity, Text};
use crate::mimecast::MimecastClient;
use crate::summaries::{self, Counter, DailySummary, Day, ImpersonationTotals, Kinds};

/// How many entries each "top" list shows.
pub const TOP: usize = 5;

/// How many identifiers the reply lists (Mimecast has about six).
pub const TOP_IDENTIFIERS: usize = 10;

/// The change from `before` to `now`: `▲ +12`, `▼ −3` (a true minus sign) or `= same`.
pub fn change_text(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("▲ +{}", now - before),
        std::cmp::Ordering::Less => format!("▼ \u{2212}{}", before - now),
        std::cmp::Ordering::Equal => "= same".to_owned(),
    }
}

/// What the previous period is called: "the day before" for a day, else "the previous period".
fn previous_name(day: &Day) -> &'static str {
    if day.is_one_day() {
        "the day before"
    } else {
        "the previous period"
    }
}

/// `now − before` as a signed number, saturating.
fn signed_change(now: u64, before: u64) -> i64 {
    i64::try_from(now)
        .unwrap_or(i64::MAX)
        .saturating_sub(i64::try_from(before).unwrap_or(i64::MAX))
}

fn change_json(now: &ImpersonationTotals, before: &ImpersonationTotals) -> Value {
    json!({
        "total": signed_change(now.total, before.total),
        "stopped": signed_change(now.stopped, before.stopped),
        "taggedMalicious": signed_change(now.tagged_malicious, before.tagged_malicious),
    })
}

fn totals_json(t: &ImpersonationTotals) -> Value {
    json!({"total": t.total, "stopped": t.stopped, "taggedMalicious": t.tagged_malicious})
}

fn counts_text(counter: &Counter, n: usize) -> Text {
    let top = counter.top(n);
    if top.is_empty() {
        return Text::Empty;
    }
    Text::untrusted(
        top.iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Builds the summary the command asks for (`--date`, default today, as a UTC day).
pub async fn build(
    client: &MimecastClient,
    c: &cmd::Summary,
    now: DateTime<Utc>,
) -> Result<Reply, EngineError> {
    let date = c.date.map_or_else(|| now.date_naive(), |d| d.day(now));
    let kinds = match c.kind {
        SummaryKind::All => Kinds::ALL,
        SummaryKind::Impersonation => Kinds::IMPERSONATION,
        SummaryKind::Urls => Kinds::URLS,
        SummaryKind::Attachments => Kinds::ATTACHMENTS,
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
        let change = imp.previous.map(|before| {
            format!(
                " ({} vs {})",
                change_text(imp.total, before.total),
                previous_name(&s.day)
            )
        });
        headline.push(format!(
            "{} impersonation attempts{}, {} stopped, {} tagged malicious",
            imp.total,
            change.unwrap_or_default(),
            imp.stopped,
            imp.tagged_malicious
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
        if let Some(before) = &imp.previous {
            fields.push(Field {
                name: format!("Change vs {}", previous_name(&s.day)),
                value: Text::plain(format!(
                    "attempts {} ({} before), stopped {} ({} before), tagged malicious {} ({} before)",
                    change_text(imp.total, before.total),
                    before.total,
                    change_text(imp.stopped, before.stopped),
                    before.stopped,
                    change_text(imp.tagged_malicious, before.tagged_malicious),
                    before.tagged_malicious,
                )),
            });
        }
        fields.push(Field {
            name: "Impersonation types".into(),
            value: top_text(&imp.by_type),
        });
        fields.push(Field {
            name: "Identifiers".into(),
            value: counts_text(&imp.by_identifier, TOP_IDENTIFIERS),
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
            "byIdentifier": imp.by_identifier.top(TOP_IDENTIFIERS).into_iter()
                .map(|(id, n)| (id, json!(n))).collect::<serde_json::Map<String, Value>>(),
        });
        if let Some(before) = &imp.previous {
            document["impersonation"]["previous"] = totals_json(before);
            document["impersonation"]["change"] = change_json(&imp.totals(), before);
        }
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
