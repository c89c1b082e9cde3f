//! The summary builder against the sandbox: every figure is recomputed here straight from the
//! sandbox's generator (`SandboxData::range` + `impersonation_log`), not through the client.

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mimecast_bot::engine::reply::Text;
use mimecast_bot::engine::summary::{change_text, to_reply};
use mimecast_bot::sandbox::SandboxConfig;
use mimecast_bot::sandbox::data::{Dataset, SandboxData};
use mimecast_bot::summaries::{self, Counter, Day, ImpersonationTotals, Kinds};

use common::{Mode, client, sandbox};

/// The data's anchor: fixed, so the day below is always inside the 30-day span.
fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap()
}

/// A full UTC day well inside the data, and the one before it.
fn the_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 10).unwrap()
}

async fn seeded(scale: usize) -> mimecast_bot::sandbox::SandboxHandle {
    sandbox(SandboxConfig {
        seed: 11,
        scale,
        now: anchor(),
        ..SandboxConfig::default()
    })
    .await
}

/// Everything the builder should find in `[start, end)`, counted the plain way.
#[derive(Debug, Default)]
struct Expected {
    total: u64,
    stopped: u64,
    tagged: u64,
    by_action: BTreeMap<String, u64>,
    recipients: HashMap<String, u64>,
    sender_domains: HashMap<String, u64>,
    identifiers: HashMap<String, u64>,
    subjects: HashMap<String, u64>,
}

fn expected(data: &SandboxData, start: DateTime<Utc>, end: DateTime<Utc>) -> Expected {
    let mut e = Expected::default();
    // The API's `to` is inclusive, in whole seconds.
    let range = data.range(
        Dataset::Impersonation,
        Some(start),
        Some(end - Duration::seconds(1)),
    );
    for i in range {
        let row = data.impersonation_log(i);
        assert!(
            row.at >= start && row.at < end,
            "row {i} outside the window"
        );
        e.total += 1;
        let action = if row.action.is_empty() {
            "none".to_owned()
        } else {
            row.action.to_lowercase()
        };
        if ["hold", "bounce", "delete", "remove_email"].contains(&action.as_str()) {
            e.stopped += 1;
        }
        *e.by_action.entry(action).or_default() += 1;
        if row.tagged_malicious {
            e.tagged += 1;
        }
        *e.recipients
            .entry(row.recipient_address.to_lowercase())
            .or_default() += 1;
        let domain = row.sender_address.split('@').next_back().unwrap();
        *e.sender_domains.entry(domain.to_lowercase()).or_default() += 1;
        *e.subjects
            .entry(row.subject.trim().to_lowercase())
            .or_default() += 1;
        let mut seen: Vec<&str> = Vec::new();
        for id in &row.identifiers {
            if !seen.contains(&id.as_str()) {
                seen.push(id);
                *e.identifiers.entry(id.to_lowercase()).or_default() += 1;
            }
        }
    }
    e
}

/// The `n` largest entries, count descending then value ascending.
fn top(map: &HashMap<String, u64>, n: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(n);
    all
}

/// Every value of `want` has its exact count in `got`, and nothing else is there.
fn same_counts(what: &str, got: &Counter, want: &HashMap<String, u64>) {
    assert_eq!(got.distinct(), want.len(), "{what}: distinct values");
    for (value, n) in want {
        assert_eq!(got.get(value), *n, "{what}: count of {value}");
    }
    assert_eq!(got.top(5), top(want, 5), "{what}: top 5");
}

#[tokio::test]
async fn impersonation_aggregation_matches_the_seeded_data() {
    let sb = seeded(6000).await;
    let day = Day::utc(the_day());
    let want = expected(sb.data(), day.start, day.end);
    let want_before = expected(sb.data(), day.start - Duration::days(1), day.start);
    assert!(want.total > 100, "the day has data: {}", want.total);
    assert!(want.stopped > 0 && want.stopped < want.total);
    assert!(want.tagged > 0 && want.tagged < want.total);
    assert!(want.identifiers.len() >= 4, "{:?}", want.identifiers);

    let summary = summaries::build(&client(&sb, Mode::OAuth2), day, Kinds::IMPERSONATION)
        .await
        .expect("summary builds");
    assert_eq!(summary.day, day);
    assert!(summary.urls.is_none() && summary.attachments.is_none());
    let imp = summary.impersonation.expect("impersonation asked for");

    assert_eq!(imp.total, want.total, "total");
    assert_eq!(imp.stopped, want.stopped, "stopped");
    assert_eq!(imp.tagged_malicious, want.tagged, "tagged malicious");
    assert_eq!(imp.by_action, want.by_action, "by action");
    assert_eq!(imp.by_action.values().sum::<u64>(), want.total);
    same_counts("recipients", &imp.recipients, &want.recipients);
    same_counts("sender domains", &imp.sender_domains, &want.sender_domains);
    same_counts("identifiers", &imp.by_identifier, &want.identifiers);
    same_counts("subjects", &imp.subjects, &want.subjects);
    assert_eq!(imp.by_type.total(), want.total, "one type per attempt");

    // The change against the day before, from the previous day's rows.
    assert_eq!(
        imp.previous,
        Some(ImpersonationTotals {
            total: want_before.total,
            stopped: want_before.stopped,
            tagged_malicious: want_before.tagged,
        })
    );
    assert!(want_before.total > 0);

    // Every page was read, each of at most 500 rows, in both windows.
    let served = common::served(&sb, "/api/ttp/impersonation/get-logs");
    let pages = (want.total.div_ceil(500) + want_before.total.div_ceil(500)) as usize;
    assert_eq!(served.len(), pages, "one request per page");
}

#[tokio::test]
async fn reply_puts_impersonation_first_with_identifiers_and_change() {
    let sb = seeded(6000).await;
    let day = Day::utc(the_day());
    let want = expected(sb.data(), day.start, day.end);
    let before = expected(sb.data(), day.start - Duration::days(1), day.start);

    let summary = summaries::build(&client(&sb, Mode::Hmac), day, Kinds::ALL)
        .await
        .expect("summary builds");
    assert!(summary.urls.is_some() && summary.attachments.is_some());
    let reply = to_reply(&summary);

    let change = change_text(want.total, before.total);
    assert!(
        reply.summary.starts_with(&format!(
            "{} impersonation attempts ({change} vs the day before), {} stopped, {} tagged malicious",
            want.total, want.stopped, want.tagged
        )),
        "{}",
        reply.summary
    );
    let parts: Vec<&str> = reply.summary.split(" · ").collect();
    assert_eq!(parts.len(), 3, "{}", reply.summary);
    assert!(parts[1].contains("URL clicks") && parts[2].contains("attachment scans"));
    assert_eq!(reply.fields[0].name, "Impersonation by action");
    let names: Vec<&str> = reply.fields.iter().map(|f| f.name.as_str()).collect();
    let first_url = names.iter().position(|n| *n == "URL clicks").unwrap();
    let identifiers = names.iter().position(|n| *n == "Identifiers").unwrap();
    let change_at = names
        .iter()
        .position(|n| *n == "Change vs the day before")
        .unwrap();
    assert!(
        identifiers < first_url && change_at < first_url,
        "{names:?}"
    );

    // Identifiers with their counts, most frequent first.
    let Text::Untrusted(ids) = &reply.fields[identifiers].value else {
        panic!("identifiers: {:?}", reply.fields[identifiers].value)
    };
    let listed: Vec<String> = top(&want.identifiers, 10)
        .into_iter()
        .map(|(id, n)| format!("{id} {n}"))
        .collect();
    assert_eq!(*ids, listed.join(", "));

    // The JSON document.
    let doc = reply.json.expect("json");
    let imp = &doc["impersonation"];
    assert_eq!(doc["command"], "summary");
    assert_eq!(doc["date"], "2024-06-10");
    assert_eq!(imp["total"], want.total);
    assert_eq!(imp["stopped"], want.stopped);
    assert_eq!(imp["taggedMalicious"], want.tagged);
    for (action, n) in &want.by_action {
        assert_eq!(imp["byAction"][action], *n, "byAction.{action}");
    }
    for (id, n) in &want.identifiers {
        assert_eq!(imp["byIdentifier"][id], *n, "byIdentifier.{id}");
    }
    let (r, n) = &top(&want.recipients, 1)[0];
    assert_eq!(imp["topRecipients"][0]["value"], *r);
    assert_eq!(imp["topRecipients"][0]["count"], *n);
    let (d, n) = &top(&want.sender_domains, 1)[0];
    assert_eq!(imp["topSenderDomains"][0]["value"], *d);
    assert_eq!(imp["topSenderDomains"][0]["count"], *n);
    assert_eq!(imp["previous"]["total"], before.total);
    assert_eq!(imp["previous"]["stopped"], before.stopped);
    assert_eq!(imp["previous"]["taggedMalicious"], before.tagged);
    assert_eq!(
        imp["change"]["total"],
        want.total as i64 - before.total as i64
    );
    assert_eq!(
        imp["change"]["stopped"],
        want.stopped as i64 - before.stopped as i64
    );
    assert!(doc["urls"]["total"].as_u64().unwrap() > 0);
    assert!(doc["attachments"]["total"].as_u64().unwrap() > 0);
}

#[test]
fn change_is_shown_with_arrows_and_a_true_minus() {
    assert_eq!(change_text(20, 8), "▲ +12");
    assert_eq!(change_text(5, 8), "▼ \u{2212}3");
    assert_eq!(change_text(7, 7), "= same");
    assert_eq!(change_text(0, 0), "= same");
}

#[tokio::test]
async fn an_empty_day_gives_zeros_and_no_error() {
    let sb = seeded(2000).await;
    // Two months before the data's 30 days.
    let day = Day::utc(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap());
    assert!(
        sb.data()
            .range(Dataset::Impersonation, Some(day.start), Some(day.end))
            .is_empty()
    );
    let summary = summaries::build(&client(&sb, Mode::OAuth2), day, Kinds::ALL)
        .await
        .expect("an empty day is not an error");
    let imp = summary.impersonation.as_ref().unwrap();
    assert_eq!((imp.total, imp.stopped, imp.tagged_malicious), (0, 0, 0));
    assert!(imp.by_action.is_empty());
    assert_eq!(imp.recipients.distinct(), 0);
    assert_eq!(imp.by_identifier.distinct(), 0);
    assert_eq!(imp.previous, Some(ImpersonationTotals::default()));
    assert_eq!(summary.urls.as_ref().unwrap().total, 0);
    assert_eq!(summary.attachments.as_ref().unwrap().total, 0);

    let reply = to_reply(&summary);
    assert!(
        reply
            .summary
            .starts_with("0 impersonation attempts (= same vs the day before), 0 stopped"),
        "{}",
        reply.summary
    );
    let doc = reply.json.unwrap();
    assert_eq!(doc["impersonation"]["total"], 0);
    assert_eq!(doc["impersonation"]["change"]["total"], 0);
    assert_eq!(doc["impersonation"]["byIdentifier"], serde_json::json!({}));

    // A window holding no whole second sends no request at all.
    sb.clear_requests();
    let instant = Day::new(the_day(), anchor(), anchor());
    let summary = summaries::build(&client(&sb, Mode::OAuth2), instant, Kinds::IMPERSONATION)
        .await
        .expect("an empty window is not an error");
    assert_eq!(summary.impersonation.unwrap().total, 0);
    assert!(common::served(&sb, "/api/ttp/impersonation/get-logs").is_empty());
}

#[tokio::test]
async fn an_arbitrary_window_counts_only_its_rows_and_compares_with_the_one_before() {
    let sb = seeded(3000).await;
    // Six hours, at odd minutes.
    let start = Utc.with_ymd_and_hms(2024, 6, 12, 3, 17, 0).unwrap();
    let end = start + Duration::hours(6);
    let window = Day::between(start, end);
    assert_eq!(window.date, NaiveDate::from_ymd_opt(2024, 6, 12).unwrap());
    assert!(!window.is_one_day());
    let previous = window.previous();
    assert_eq!(
        (previous.start, previous.end),
        (start - Duration::hours(6), start)
    );

    let want = expected(sb.data(), start, end);
    let before = expected(sb.data(), previous.start, previous.end);
    assert!(want.total > 0 && before.total > 0);
    let summary = summaries::build(&client(&sb, Mode::OAuth2), window, Kinds::IMPERSONATION)
        .await
        .unwrap();
    let imp = summary.impersonation.as_ref().unwrap();
    assert_eq!(imp.total, want.total);
    assert_eq!(imp.by_action, want.by_action);
    assert_eq!(imp.previous.unwrap().total, before.total);
    assert!(
        to_reply(&summary)
            .summary
            .contains("vs the previous period"),
    );

    // Without a comparison there is no second stream and no change shown.
    let summary = summaries::build_compared(
        &client(&sb, Mode::OAuth2),
        window,
        None,
        Kinds::IMPERSONATION,
    )
    .await
    .unwrap();
    assert_eq!(summary.impersonation.as_ref().unwrap().previous, None);
    let reply = to_reply(&summary);
    assert!(!reply.summary.contains(" vs "), "{}", reply.summary);
    assert!(reply.json.unwrap()["impersonation"].get("change").is_none());
}
