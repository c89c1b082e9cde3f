//! Message tracking: `POST /api/message-finder/search`.
//!
//! `data[0]`: `start`/`end` (default: the whole 30 days), `searchReason` (ignored), and either
//! `messageId` or `advancedTrackAndTraceOptions{from, to, subject, senderIP, route}` with at
//! least one of from/to/subject/senderIP. `from`/`to` match a full address or a domain
//! (case-insensitively; `to` matches any recipient), `subject` is a case-insensitive
//! substring, `senderIP` exact, `route` one or more of inbound|outbound|internal. The answer
//! is `data[0].trackedEmails[]`, newest first, paged by `meta.pagination` (default 100, at
//! most 500).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fields::{contains_ci, enum_list, opt_date, opt_text};
use super::{ApiRequest, Endpoint, count_key, next_token, resume, to_json};
use crate::sandbox::data::Dataset;
use crate::sandbox::envelope::{ApiError, Envelope};
use crate::sandbox::paging::{count, page_size, scan};
use crate::sandbox::state::SandboxState;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;
const ROUTES: &[&str] = &["inbound", "outbound", "internal", "all"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TrackingFilter {
    start: Option<i64>,
    end: Option<i64>,
    message_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    sender_ip: Option<String>,
    routes: Vec<String>,
}

fn parse_filter(item: &Value) -> Result<TrackingFilter, ApiError> {
    let start = opt_date(item, "start")?;
    let end = opt_date(item, "end")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::invalid("start", "start must not be after end"));
    }
    let message_id = opt_text(item, "messageId")?;
    let empty = json!({});
    let options = match item.get("advancedTrackAndTraceOptions") {
        None | Some(Value::Null) => &empty,
        Some(options @ Value::Object(_)) => options,
        Some(_) => {
            return Err(ApiError::invalid(
                "advancedTrackAndTraceOptions",
                "advancedTrackAndTraceOptions must be an object",
            ));
        }
    };
    let from = opt_text(options, "from")?;
    let to = opt_text(options, "to")?;
    let subject = opt_text(options, "subject")?.map(|s| s.to_lowercase());
    let sender_ip = opt_text(options, "senderIP")?;
    let mut routes: Vec<String> = enum_list(options, "route", ROUTES)?
        .into_iter()
        .map(str::to_owned)
        .collect();
    if routes.iter().any(|r| r == "all") {
        routes.clear();
    }
    if message_id.is_none()
        && from.is_none()
        && to.is_none()
        && subject.is_none()
        && sender_ip.is_none()
    {
        return Err(ApiError::new(
            "err_validation_null",
            "Either messageId or one of advancedTrackAndTraceOptions from, to, subject, senderIP must be given",
        )
        .field("advancedTrackAndTraceOptions"));
    }
    Ok(TrackingFilter {
        start: start.map(|d| d.timestamp()),
        end: end.map(|d| d.timestamp()),
        message_id,
        from,
        to,
        subject,
        sender_ip,
        routes,
    })
}

fn keeps(state: &SandboxState, filter: &TrackingFilter, index: usize) -> bool {
    let attrs = state.data().message_attrs(index);
    if !filter.routes.is_empty() && !filter.routes.iter().any(|r| r == attrs.route.as_str()) {
        return false;
    }
    if let Some(from) = &filter.from
        && !attrs.sender.matches(from)
    {
        return false;
    }
    if let Some(to) = &filter.to
        && !attrs.recipients().iter().any(|r| r.matches(to))
    {
        return false;
    }
    if let Some(ip) = &filter.sender_ip
        && attrs.sender_ip() != *ip
    {
        return false;
    }
    if let Some(subject) = &filter.subject
        && !contains_ci(&attrs.subject(), subject)
    {
        return false;
    }
    true
}

/// `POST /api/message-finder/search`.
pub(crate) fn search(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let key = request.first().cloned();
    let size = match page_size(request.page_size.as_ref(), DEFAULT_PAGE, MAX_PAGE) {
        Ok(size) => size,
        Err(error) => return Envelope::failed(key, error),
    };
    let start = match resume(state, Endpoint::TrackingSearch, request, parse_filter) {
        Ok(start) => start,
        Err(envelope) => return envelope,
    };
    let filter = &start.filter;
    let data = state.data();
    let to_date = |secs: Option<i64>| secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let range = data.range(
        Dataset::Tracking,
        to_date(filter.start),
        to_date(filter.end),
    );
    // A Message-ID names one message: narrow the scan to it.
    let range = match &filter.message_id {
        Some(message_id) => match data.tracking_index(message_id) {
            Some(i) if range.contains(&i) => i..i + 1,
            _ => range.start..range.start,
        },
        None => range,
    };
    let keep = |off: usize| keeps(state, filter, range.start + off);
    let page = scan(range.len(), start.offset, size, keep);
    let total = state.cached_count(
        format!("{}|{range:?}", count_key(Endpoint::TrackingSearch, filter)),
        || count(range.len(), keep),
    );
    let rows: Vec<Value> = page
        .offsets
        .iter()
        .map(|off| to_json(&data.tracked_email(range.start + off)))
        .collect();
    let mut pagination = json!({ "pageSize": size, "totalCount": total });
    if let Some(next) = page.next {
        pagination["next"] = json!(next_token(
            state,
            Endpoint::TrackingSearch,
            filter,
            next,
            start.ordinal + rows.len()
        ));
    }
    Envelope::ok(vec![json!({ "trackedEmails": rows })]).with_pagination(pagination)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::test_support::{TestApi, fail_field};
    use crate::sandbox::data::Dataset;

    const PATH: &str = "/api/message-finder/search";

    fn emails(page: &Value) -> Vec<Value> {
        page["data"][0]["trackedEmails"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn requires_criteria() {
        let api = TestApi::small();
        let answer = api
            .post(PATH, json!({"data":[{"searchReason":"why"}]}))
            .await;
        assert_eq!(answer.json["data"], json!([]));
        assert_eq!(fail_field(&answer.json), "advancedTrackAndTraceOptions");
        let answer = api
            .post(
                PATH,
                json!({"data":[{"advancedTrackAndTraceOptions":{"route":"inbound"}}]}),
            )
            .await;
        assert_eq!(fail_field(&answer.json), "advancedTrackAndTraceOptions");
        let answer = api
            .post(PATH, json!({"data":[{"advancedTrackAndTraceOptions":{"from":"a@b.c","route":"sideways"}}]}))
            .await;
        assert_eq!(fail_field(&answer.json), "route");
    }

    #[tokio::test]
    async fn domain_filter_paged_matches_an_independent_scan() {
        let api = TestApi::small();
        let data = api.state.data();
        let start = data.time(Dataset::Tracking, 400);
        let end = data.time(Dataset::Tracking, 20);
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.tracked_email(i))
            .filter(|m| m.received_at >= start && m.received_at <= end)
            .filter(|m| {
                m.to.iter().any(|t| {
                    t.email_address
                        .to_lowercase()
                        .ends_with("@example-corp.com")
                })
            })
            .filter(|m| m.route == "inbound")
            .map(|m| super::super::to_json(&m))
            .collect();
        assert!(want.len() > 20);
        let body = json!({"meta":{"pagination":{"pageSize":9}},"data":[{
            "start": crate::mimecast::dates::format(start),
            "end": crate::mimecast::dates::format(end),
            "advancedTrackAndTraceOptions":{"to":"EXAMPLE-CORP.COM","route":["inbound"]}}]});
        let pages = api.all_pages(PATH, body, 100).await;
        assert_eq!(pages[0]["meta"]["pagination"]["totalCount"], want.len());
        let got: Vec<Value> = pages.iter().flat_map(emails).collect();
        assert_eq!(got, want);
    }

    #[tokio::test]
    async fn address_subject_and_message_id_searches() {
        let api = TestApi::small();
        let data = api.state.data();
        let target = data.tracked_email(123);
        let sender = target.from_hdr.email_address.clone();
        let answer = api
            .post(
                PATH,
                json!({"meta":{"pagination":{"pageSize":500}},
                "data":[{"advancedTrackAndTraceOptions":{"from": sender.to_uppercase()}}]}),
            )
            .await;
        let rows = emails(&answer.json);
        assert!(rows.iter().any(|r| r["id"] == target.id.as_str()));
        assert!(
            rows.iter()
                .all(|r| r["fromHdr"]["emailAddress"] == sender.as_str())
        );
        let want = (0..data.scale())
            .filter(|&i| data.tracked_email(i).from_hdr.email_address == sender)
            .count();
        assert_eq!(rows.len(), want);

        let answer = api
            .post(
                PATH,
                json!({"meta":{"pagination":{"pageSize":500}},
                "data":[{"advancedTrackAndTraceOptions":{"subject":"überweisung"}}]}),
            )
            .await;
        let rows = emails(&answer.json);
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|r| r["subject"].as_str().unwrap_or("").contains("Überweisung"))
        );

        let answer = api
            .post(PATH, json!({"data":[{"messageId": target.message_id}]}))
            .await;
        assert_eq!(emails(&answer.json), vec![super::super::to_json(&target)]);
        assert_eq!(answer.json["meta"]["pagination"]["totalCount"], 1);
        let answer = api
            .post(
                PATH,
                json!({"data":[{"messageId": "<nothing@nowhere.example>"}]}),
            )
            .await;
        assert_eq!(emails(&answer.json), Vec::<Value>::new());
        assert_eq!(answer.json["fail"], json!([]));
    }
}
