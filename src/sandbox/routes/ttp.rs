//! TTP logs (`/api/ttp/{url,attachment,impersonation}/get-logs`) and URL decoding
//! (`/api/ttp/url/decode-url`).
//!
//! Common log filters: `from` (default: start of the current UTC day), `to` (default: now),
//! `oldestFirst` (default false). Page size: default 100, at most 500. Rows come nested as
//! `data[0].clickLogs` / `attachmentLogs` / `impersonationLogs` (+ `resultCount`, the rows
//! on this page). `meta.pagination.totalCount` counts every matching row in the window.

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fields::{contains_ci, enum_list, opt_bool, opt_date, opt_enum, opt_str, opt_text};
use super::{ApiRequest, Endpoint, count_key, fail_item, next_token, resume};
use crate::sandbox::data::vocab::{IMPERSONATION_ACTIONS, IMPERSONATION_IDENTIFIERS};
use crate::sandbox::data::{Dataset, SandboxData};
use crate::sandbox::envelope::{ApiError, Datum, Envelope};
use crate::sandbox::paging::{count, index_at, page_size, scan};
use crate::sandbox::state::SandboxState;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;
const ROUTES: &[&str] = &["inbound", "outbound", "internal", "all"];
const SCAN_RESULTS: &[&str] = &["clean", "malicious", "all"];
const ATTACHMENT_RESULTS: &[&str] = &["safe", "malicious", "timeout", "error", "unsafe", "all"];
const SEARCH_FIELDS: &[&str] = &[
    "senderAddress",
    "recipientAddress",
    "subject",
    "policy",
    "all",
];

/// The time window shared by the three log filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Window {
    from: i64,
    to: i64,
    oldest_first: bool,
}

impl Window {
    fn parse(item: &Value, data: &SandboxData) -> Result<Self, ApiError> {
        let now = data.now();
        let midnight = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(now, |t| t.and_utc());
        let from = opt_date(item, "from")?.unwrap_or(midnight);
        let to = opt_date(item, "to")?.unwrap_or(now);
        if from > to {
            return Err(ApiError::invalid("from", "from must not be after to"));
        }
        Ok(Self {
            from: from.timestamp(),
            to: to.timestamp(),
            oldest_first: opt_bool(item, "oldestFirst")?.unwrap_or(false),
        })
    }

    fn range(&self, data: &SandboxData, dataset: Dataset) -> Range<usize> {
        let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0);
        data.range(dataset, at(self.from), at(self.to))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ClickFilter {
    window: Window,
    route: String,
    scan_result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AttachmentFilter {
    window: Window,
    route: String,
    result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ImpersonationFilter {
    window: Window,
    tagged_malicious: Option<bool>,
    search_field: Option<String>,
    query: Option<String>,
    identifiers: Vec<String>,
    actions: Vec<String>,
}

/// A log filter: serializable (it travels in page tokens) and with a time window.
trait LogFilter: Serialize + serde::de::DeserializeOwned + PartialEq {
    fn window(&self) -> &Window;
}

impl LogFilter for ClickFilter {
    fn window(&self) -> &Window {
        &self.window
    }
}

impl LogFilter for AttachmentFilter {
    fn window(&self) -> &Window {
        &self.window
    }
}

impl LogFilter for ImpersonationFilter {
    fn window(&self) -> &Window {
        &self.window
    }
}

/// `data[0]` of a log answer: the page's rows under the endpoint's key. Serialized straight
/// from the row structs (no JSON tree per row: large pages are the benchmark's hot path).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum LogsPage<R> {
    #[serde(rename = "clickLogs")]
    Clicks(Vec<R>),
    #[serde(rename = "attachmentLogs")]
    Attachments(Vec<R>),
}

/// `data[0]` of an impersonation-log answer, which also counts the page's rows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImpersonationPage<R> {
    impersonation_logs: Vec<R>,
    result_count: usize,
}

/// The page-and-count loop shared by the three log endpoints.
fn log_page<F: LogFilter, R>(
    state: &SandboxState,
    request: &ApiRequest,
    endpoint: Endpoint,
    dataset: Dataset,
    parse: impl Fn(&Value) -> Result<F, ApiError>,
    keep: impl Fn(&F, usize) -> bool,
    row: impl Fn(usize) -> R,
) -> Result<(Vec<R>, Value), Envelope> {
    let size = page_size(request.page_size.as_ref(), DEFAULT_PAGE, MAX_PAGE)
        .map_err(|e| Envelope::failed(request.first().cloned(), e))?;
    let start = resume(state, endpoint, request, parse)?;
    let filter = &start.filter;
    let win = filter.window();
    let range = win.range(state.data(), dataset);
    let index = |off: usize| index_at(&range, win.oldest_first, off);
    let matches = |off: usize| keep(filter, index(off));
    let page = scan(range.len(), start.offset, size, matches);
    let total = state.cached_count(count_key(endpoint, filter), || count(range.len(), matches));
    let rows: Vec<R> = page.offsets.iter().map(|&off| row(index(off))).collect();
    let mut pagination = json!({ "pageSize": size, "totalCount": total });
    if let Some(next) = page.next {
        pagination["next"] = json!(next_token(
            state,
            endpoint,
            filter,
            next,
            start.ordinal + rows.len()
        ));
    }
    Ok((rows, pagination))
}

fn route_ok(wanted: &str, route: &str) -> bool {
    wanted == "all" || wanted == route
}

/// `POST /api/ttp/url/get-logs`.
pub(crate) fn url_logs(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let data = state.data();
    let parse = |item: &Value| {
        Ok(ClickFilter {
            window: Window::parse(item, data)?,
            route: opt_enum(item, "route", ROUTES)?.unwrap_or("all").to_owned(),
            scan_result: opt_enum(item, "scanResult", SCAN_RESULTS)?
                .unwrap_or("all")
                .to_owned(),
        })
    };
    let keep = |f: &ClickFilter, i: usize| {
        let attrs = data.click_attrs(i);
        let result = if attrs.malicious {
            "malicious"
        } else {
            "clean"
        };
        route_ok(&f.route, attrs.msg.route.as_str()) && route_ok(&f.scan_result, result)
    };
    let row = |i: usize| data.click_log(i);
    match log_page(
        state,
        request,
        Endpoint::UrlLogs,
        Dataset::Clicks,
        parse,
        keep,
        row,
    ) {
        Ok((rows, pagination)) => {
            Envelope::ok_data(vec![Datum::serialized(&LogsPage::Clicks(rows))])
                .with_pagination(pagination)
        }
        Err(envelope) => envelope,
    }
}

/// `POST /api/ttp/attachment/get-logs`.
pub(crate) fn attachment_logs(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let data = state.data();
    let parse = |item: &Value| {
        Ok(AttachmentFilter {
            window: Window::parse(item, data)?,
            route: opt_enum(item, "route", ROUTES)?.unwrap_or("all").to_owned(),
            result: opt_enum(item, "result", ATTACHMENT_RESULTS)?
                .unwrap_or("all")
                .to_owned(),
        })
    };
    let keep = |f: &AttachmentFilter, i: usize| {
        let attrs = data.attachment_attrs(i);
        route_ok(&f.route, attrs.msg.route.as_str()) && route_ok(&f.result, attrs.result)
    };
    let row = |i: usize| data.attachment_log(i);
    match log_page(
        state,
        request,
        Endpoint::AttachmentLogs,
        Dataset::Attachments,
        parse,
        keep,
        row,
    ) {
        Ok((rows, pagination)) => {
            Envelope::ok_data(vec![Datum::serialized(&LogsPage::Attachments(rows))])
                .with_pagination(pagination)
        }
        Err(envelope) => envelope,
    }
}

fn parse_impersonation(item: &Value, data: &SandboxData) -> Result<ImpersonationFilter, ApiError> {
    let window = Window::parse(item, data)?;
    let tagged_malicious = opt_bool(item, "taggedMalicious")?;
    let search_field = opt_enum(item, "searchField", SEARCH_FIELDS)?;
    let query = opt_text(item, "query")?.map(|q| q.to_lowercase());
    let search_field = match (search_field, &query) {
        (Some(_), None) => {
            return Err(ApiError::null("query"));
        }
        (None, Some(_)) => Some("all"),
        (field, _) => field,
    };
    Ok(ImpersonationFilter {
        window,
        tagged_malicious,
        search_field: search_field.map(str::to_owned),
        query,
        identifiers: enum_list(item, "identifiers", IMPERSONATION_IDENTIFIERS)?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        actions: enum_list(item, "actions", IMPERSONATION_ACTIONS)?
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

fn impersonation_keeps(data: &SandboxData, f: &ImpersonationFilter, i: usize) -> bool {
    // Without filters every row matches: skip generating it (twice per row otherwise).
    if f.tagged_malicious.is_none()
        && f.actions.is_empty()
        && f.identifiers.is_empty()
        && f.query.is_none()
    {
        return true;
    }
    let attrs = data.impersonation_attrs(i);
    if f.tagged_malicious
        .is_some_and(|t| t != attrs.tagged_malicious)
    {
        return false;
    }
    if !f.actions.is_empty() && !f.actions.iter().any(|a| a == attrs.action) {
        return false;
    }
    if !f.identifiers.is_empty()
        && !f
            .identifiers
            .iter()
            .any(|id| attrs.identifiers.contains(&id.as_str()))
    {
        return false;
    }
    let (Some(field), Some(query)) = (&f.search_field, &f.query) else {
        return true;
    };
    let sender = || contains_ci(&attrs.msg.sender.address(), query);
    let recipient = || contains_ci(&attrs.msg.recipients()[0].address(), query);
    let subject = || contains_ci(&attrs.msg.subject(), query);
    let policy = || contains_ci(attrs.definition, query);
    match field.as_str() {
        "senderAddress" => sender(),
        "recipientAddress" => recipient(),
        "subject" => subject(),
        "policy" => policy(),
        _ => sender() || recipient() || subject() || policy(),
    }
}

/// `POST /api/ttp/impersonation/get-logs`.
pub(crate) fn impersonation_logs(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let data = state.data();
    let row = |i: usize| data.impersonation_log(i);
    match log_page(
        state,
        request,
        Endpoint::ImpersonationLogs,
        Dataset::Impersonation,
        |item| parse_impersonation(item, data),
        |f, i| impersonation_keeps(data, f, i),
        row,
    ) {
        Ok((rows, pagination)) => {
            let page = ImpersonationPage {
                result_count: rows.len(),
                impersonation_logs: rows,
            };
            Envelope::ok_data(vec![Datum::serialized(&page)]).with_pagination(pagination)
        }
        Err(envelope) => envelope,
    }
}

/// `POST /api/ttp/url/decode-url`: `data[]` of `{url}`.
pub(crate) fn decode_url(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let mut envelope = Envelope::ok(Vec::new());
    for item in &request.items {
        match opt_str(item, "url") {
            Err(error) => envelope.fail.push(fail_item(item, error)),
            Ok(None) => envelope.fail.push(fail_item(item, ApiError::null("url"))),
            Ok(Some(url)) if url.trim().is_empty() => {
                envelope.fail.push(fail_item(item, ApiError::blank("url")));
            }
            Ok(Some(url)) => {
                let answer = match state.data().decode_url(url) {
                    Some(original) => json!({ "url": original, "success": true }),
                    None => json!({ "url": url, "success": false }),
                };
                envelope.data.push(answer.into());
            }
        }
    }
    envelope
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Instant;

    use chrono::{Duration, TimeZone, Utc};
    use serde_json::{Value, json};

    use super::super::test_support::{TestApi, fail_code, fail_field, test_config};
    use super::super::to_json;
    use crate::mimecast::dates;
    use crate::sandbox::SandboxConfig;
    use crate::sandbox::data::Dataset;

    const URLS: &str = "/api/ttp/url/get-logs";
    const ATTACHMENTS: &str = "/api/ttp/attachment/get-logs";
    const IMPERSONATION: &str = "/api/ttp/impersonation/get-logs";
    const DECODE: &str = "/api/ttp/url/decode-url";

    fn rows(page: &Value, key: &str) -> Vec<Value> {
        page["data"][0][key].as_array().cloned().unwrap_or_default()
    }

    fn month() -> (String, String) {
        let now = test_config().now;
        (dates::format(now - Duration::days(30)), dates::format(now))
    }

    #[tokio::test]
    async fn url_logs_filters_match_an_independent_scan() {
        let api = TestApi::small();
        let data = api.state.data();
        let (from, to) = month();
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.click_log(i))
            .filter(|c| c.route == "inbound" && c.scan_result == "malicious")
            .map(|c| to_json(&c))
            .collect();
        assert!(want.len() > 5);
        let body = json!({"meta":{"pagination":{"pageSize":4}},
            "data":[{"from": from, "to": to, "route":"inbound", "scanResult":"malicious"}]});
        let pages = api.all_pages(URLS, body, 200).await;
        assert_eq!(pages[0]["meta"]["pagination"]["totalCount"], want.len());
        assert_eq!(pages[0]["meta"]["pagination"]["pageSize"], 4);
        let got: Vec<Value> = pages.iter().flat_map(|p| rows(p, "clickLogs")).collect();
        assert_eq!(got, want);
        for row in &got {
            for field in [
                "userEmailAddress",
                "fromUserEmailAddress",
                "url",
                "ttpDefinition",
                "subject",
                "action",
                "adminOverride",
                "userOverride",
                "scanResult",
                "category",
                "sendingIp",
                "userAwarenessAction",
                "date",
                "actions",
                "route",
                "creationMethod",
                "messageId",
            ] {
                assert!(row[field].is_string(), "{field}");
            }
            assert!(row["emailPartsDescription"].is_array());
        }
    }

    #[tokio::test]
    async fn paging_all_rows_oldest_first_without_duplicates() {
        let api = TestApi::small();
        let data = api.state.data();
        let (from, to) = month();
        let body = json!({"meta":{"pagination":{"pageSize":37}},
            "data":[{"from": from, "to": to, "oldestFirst": true}]});
        let pages = api.all_pages(ATTACHMENTS, body, 100).await;
        let got: Vec<Value> = pages
            .iter()
            .flat_map(|p| rows(p, "attachmentLogs"))
            .collect();
        let range = data.range(
            Dataset::Attachments,
            dates::parse(&month().0),
            dates::parse(&month().1),
        );
        assert_eq!(got.len(), range.len());
        let want: Vec<Value> = range
            .rev()
            .map(|i| to_json(&data.attachment_log(i)))
            .collect();
        assert_eq!(got, want);
        let dates: Vec<&str> = got.iter().filter_map(|r| r["date"].as_str()).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "oldest first");
        let unique: HashSet<String> = got.iter().map(|r| r.to_string()).collect();
        assert_eq!(unique.len(), got.len());
    }

    #[tokio::test]
    async fn attachment_result_filter_and_validation() {
        let api = TestApi::small();
        let data = api.state.data();
        let (from, to) = month();
        let answer = api
            .post(
                ATTACHMENTS,
                json!({"meta":{"pagination":{"pageSize":500}},
                "data":[{"from": from, "to": to, "result":"malicious"}]}),
            )
            .await;
        let got = rows(&answer.json, "attachmentLogs");
        let want = (0..data.scale())
            .filter(|&i| data.attachment_log(i).result == "malicious")
            .count();
        assert!(want > 0);
        assert_eq!(got.len(), want);
        assert!(got.iter().all(|r| r["result"] == "malicious"));
        let bad = api
            .post(ATTACHMENTS, json!({"data":[{"result":"dangerous"}]}))
            .await;
        assert_eq!(fail_field(&bad.json), "result");
        assert_eq!(bad.json["fail"][0]["key"], json!({"result":"dangerous"}));
        let bad = api.post(URLS, json!({"data":[{"route":"sideways"}]})).await;
        assert_eq!(fail_field(&bad.json), "route");
        let bad = api.post(URLS, json!({"data":[{"from": "2024-06-14T00:00:00+0000", "to": "2024-06-01T00:00:00+0000"}]})).await;
        assert_eq!(fail_field(&bad.json), "from");
    }

    #[tokio::test]
    async fn impersonation_filters_and_result_count() {
        let api = TestApi::small();
        let data = api.state.data();
        let (from, to) = month();
        let body = json!({"meta":{"pagination":{"pageSize":500}}, "data":[{"from": from, "to": to,
            "taggedMalicious": true, "actions": ["hold", "bounce"],
            "identifiers": ["similar_internal_domain", "internal_user_name"],
            "searchField": "all", "query": "EXAMP"}]});
        let answer = api.post(IMPERSONATION, body).await;
        let got = rows(&answer.json, "impersonationLogs");
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.impersonation_log(i))
            .filter(|l| l.tagged_malicious && ["hold", "bounce"].contains(&l.action.as_str()))
            .filter(|l| {
                l.identifiers
                    .iter()
                    .any(|i| i == "similar_internal_domain" || i == "internal_user_name")
            })
            .filter(|l| {
                [
                    &l.sender_address,
                    &l.recipient_address,
                    &l.subject,
                    &l.definition,
                ]
                .iter()
                .any(|s| s.to_lowercase().contains("examp"))
            })
            .map(|l| to_json(&l))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want);
        assert_eq!(answer.json["data"][0]["resultCount"], want.len());
        let bad = api
            .post(IMPERSONATION, json!({"data":[{"searchField":"subject"}]}))
            .await;
        assert_eq!(fail_field(&bad.json), "query");
        let bad = api
            .post(IMPERSONATION, json!({"data":[{"identifiers":["made_up"]}]}))
            .await;
        assert_eq!(fail_field(&bad.json), "identifiers");
        let bad = api
            .post(IMPERSONATION, json!({"data":[{"taggedMalicious":"maybe"}]}))
            .await;
        assert_eq!(fail_field(&bad.json), "taggedMalicious");
    }

    #[tokio::test]
    async fn default_window_is_today() {
        let api = TestApi::small();
        let data = api.state.data();
        let answer = api
            .post(
                URLS,
                json!({"meta":{"pagination":{"pageSize":500}},"data":[{}]}),
            )
            .await;
        let midnight = Utc.with_ymd_and_hms(2024, 6, 14, 0, 0, 0).unwrap();
        let want = (0..data.scale())
            .filter(|&i| data.time(Dataset::Clicks, i) >= midnight)
            .count();
        assert!(want > 0);
        assert_eq!(rows(&answer.json, "clickLogs").len(), want);
        let empty = api.post(URLS, json!({})).await;
        assert_eq!(empty.json["meta"]["pagination"]["totalCount"], want);
    }

    #[tokio::test]
    async fn decode_url_round_trip() {
        let api = TestApi::small();
        let data = api.state.data();
        let click = (0..data.scale())
            .map(|i| data.click_log(i))
            .find(|c| c.url.contains("/s/"))
            .expect("some rewritten link");
        let answer = api
            .post(
                DECODE,
                json!({"data":[{"url": click.url}, {"url": "https://example.com/x"}, {"nope": 1}]}),
            )
            .await;
        assert_eq!(
            answer.json["data"],
            json!([{"url": click.original_url, "success": true},
                   {"url": "https://example.com/x", "success": false}])
        );
        assert_eq!(fail_code(&answer.json), "err_validation_null");
        assert_eq!(answer.json["fail"][0]["key"], json!({"nope": 1}));
    }

    #[tokio::test]
    async fn large_scale_pages_fast_and_counts_without_materialising_rows() {
        let api = TestApi::new(SandboxConfig {
            scale: 100_000,
            ..test_config()
        });
        let (from, to) = month();
        let started = Instant::now();
        let mut body =
            json!({"meta":{"pagination":{"pageSize":100}},"data":[{"from": from, "to": to}]});
        let mut seen = HashSet::new();
        for _ in 0..3 {
            let answer = api.post(URLS, body.clone()).await;
            assert_eq!(answer.json["meta"]["pagination"]["totalCount"], 100_000);
            for row in rows(&answer.json, "clickLogs") {
                assert!(seen.insert(row.to_string()));
            }
            let next = answer.json["meta"]["pagination"]["next"]
                .as_str()
                .expect("more")
                .to_owned();
            body["meta"]["pagination"]["pageToken"] = json!(next);
        }
        assert_eq!(seen.len(), 300);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "three pages took {:?}",
            started.elapsed()
        );

        // A filtered full-range count walks 100 000 rows; its live heap stays tiny.
        let data = api.state.data().clone();
        let range = data.range(Dataset::Clicks, None, None);
        let (count, peak) = crate::sandbox::alloc_probe::peak_growth(|| {
            crate::sandbox::paging::count(range.len(), |i| data.click_attrs(i).malicious)
        });
        assert!(count > 1000 && count < 50_000, "{count}");
        assert!(peak < 64 * 1024, "peak live heap {peak} bytes");
        // The probe does see materialised rows.
        let (_rows, held) = crate::sandbox::alloc_probe::peak_growth(|| {
            (0..2000).map(|i| data.click_log(i)).collect::<Vec<_>>()
        });
        assert!(held > 256 * 1024, "2000 rows held only {held} bytes");
        let answer = api
            .post(
                URLS,
                json!({"meta":{"pagination":{"pageSize":10}},
                "data":[{"from": month().0, "to": month().1, "scanResult":"malicious"}]}),
            )
            .await;
        assert_eq!(answer.json["meta"]["pagination"]["totalCount"], count);
    }
}
