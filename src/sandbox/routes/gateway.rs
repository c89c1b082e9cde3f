//! Held messages: `get-hold-message-list`, `hold-release`, `hold-reject`.
//!
//! List filters: `admin` (default false: only mail held for the service user), `start`/`end`
//! on `dateReceived`, `searchBy{fieldName: all|subject|sender|recipient|reason_code, value}`
//! (case-insensitive substring). Page size: default 25, at most 500. Released and rejected
//! messages leave the queue at once.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fields::{contains_ci, opt_bool, opt_date, opt_enum, opt_str, opt_text};
use super::{ApiRequest, Endpoint, fail_item, next_token, resume, to_json};
use crate::sandbox::data::{Dataset, HeldMessage};
use crate::sandbox::envelope::{ApiError, Envelope};
use crate::sandbox::paging::{page_size, scan};
use crate::sandbox::state::{Disposition, SandboxState};

const DEFAULT_PAGE: usize = 25;
const MAX_PAGE: usize = 500;

/// The `reasonType` values `hold-reject` accepts.
pub(crate) const REASON_TYPES: &[&str] = &[
    "MESSAGE CONTAINS UNDESIRABLE CONTENT",
    "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
    "REVIEWER DISAPPROVES OF CONTENT",
    "INAPPROPRIATE COMMUNICATION",
    "MESSAGE GOES AGAINST EMAIL POLICIES",
];

const SEARCH_FIELDS: &[&str] = &["all", "subject", "sender", "recipient", "reason_code"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HoldFilter {
    admin: bool,
    start: Option<i64>,
    end: Option<i64>,
    field: Option<String>,
    value: Option<String>,
}

fn parse_filter(item: &Value) -> Result<HoldFilter, ApiError> {
    let admin = opt_bool(item, "admin")?.unwrap_or(false);
    let start = opt_date(item, "start")?;
    let end = opt_date(item, "end")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::invalid("start", "start must not be after end"));
    }
    let (field, value) = match item.get("searchBy") {
        None | Some(Value::Null) => (None, None),
        Some(search @ Value::Object(_)) => {
            let field = opt_enum(search, "fieldName", SEARCH_FIELDS)
                .map_err(|e| ApiError {
                    field: Some("searchBy.fieldName".into()),
                    ..e
                })?
                .unwrap_or("all");
            match opt_text(search, "value")? {
                Some(value) => (Some(field.to_owned()), Some(value.to_lowercase())),
                None => (None, None),
            }
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "searchBy",
                "searchBy must be an object {fieldName, value}",
            ));
        }
    };
    Ok(HoldFilter {
        admin,
        start: start.map(|d| d.timestamp()),
        end: end.map(|d| d.timestamp()),
        field,
        value,
    })
}

fn search_matches(row: &HeldMessage, field: &str, needle: &str) -> bool {
    let sender = || {
        contains_ci(&row.from.email_address, needle)
            || contains_ci(&row.from.displayable_name, needle)
            || contains_ci(&row.from_header.email_address, needle)
            || contains_ci(&row.from_header.displayable_name, needle)
    };
    let recipient = || {
        contains_ci(&row.to.email_address, needle) || contains_ci(&row.to.displayable_name, needle)
    };
    let subject = || contains_ci(&row.subject, needle);
    let reason = || contains_ci(&row.reason_code, needle) || contains_ci(&row.reason, needle);
    match field {
        "subject" => subject(),
        "sender" => sender(),
        "recipient" => recipient(),
        "reason_code" => reason(),
        _ => subject() || sender() || recipient() || reason(),
    }
}

fn keeps(state: &SandboxState, filter: &HoldFilter, index: usize) -> bool {
    let data = state.data();
    if !state.is_held(index) || !(filter.admin || data.held_for_service_user(index)) {
        return false;
    }
    match (&filter.field, &filter.value) {
        (Some(field), Some(value)) => search_matches(&data.held_message(index), field, value),
        _ => true,
    }
}

/// `POST /api/gateway/get-hold-message-list`.
pub(crate) fn hold_list(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let key = request.first().cloned();
    let size = match page_size(request.page_size.as_ref(), DEFAULT_PAGE, MAX_PAGE) {
        Ok(size) => size,
        Err(error) => return Envelope::failed(key, error),
    };
    let start = match resume(state, Endpoint::HoldList, request, parse_filter) {
        Ok(start) => start,
        Err(envelope) => return envelope,
    };
    let filter = &start.filter;
    let data = state.data();
    let to_date = |secs: Option<i64>| secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let range = data.range(Dataset::Held, to_date(filter.start), to_date(filter.end));
    let len = range.len();
    let keep = |off: usize| keeps(state, filter, range.start + off);
    let page = scan(len, start.offset, size, keep);
    let total = (0..len).filter(|&off| keep(off)).count();
    let rows: Vec<Value> = page
        .offsets
        .iter()
        .map(|off| to_json(&data.held_message(range.start + off)))
        .collect();
    let mut pagination = json!({ "pageSize": size, "totalCount": total });
    if let Some(next) = page.next {
        pagination["next"] = json!(next_token(
            state,
            Endpoint::HoldList,
            filter,
            next,
            start.ordinal + rows.len()
        ));
    }
    Envelope::ok(rows).with_pagination(pagination)
}

/// Takes one held id out of the queue, or explains why not.
fn take(state: &SandboxState, id: &str, disposition: Disposition) -> Result<(), ApiError> {
    let not_found = |message: &str| ApiError::new("err_hold_message_not_found", message);
    let index = state
        .data()
        .held_index(id)
        .ok_or_else(|| not_found("Held message not found"))?;
    if state.take_held(index, disposition) {
        Ok(())
    } else {
        Err(not_found(
            "Held message not found: it has already been released or rejected",
        ))
    }
}

/// `POST /api/gateway/hold-release`: `data[]` of `{id}`.
pub(crate) fn hold_release(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let mut envelope = Envelope::ok(Vec::new());
    for item in &request.items {
        let outcome = match opt_str(item, "id") {
            Err(error) => Err(error),
            Ok(None) => Err(ApiError::null("id")),
            Ok(Some(id)) if id.trim().is_empty() => Err(ApiError::blank("id")),
            Ok(Some(id)) => take(state, id, Disposition::Released).map(|()| id),
        };
        match outcome {
            Ok(id) => envelope
                .data
                .push(json!({ "id": id, "release": true }).into()),
            Err(error) => envelope.fail.push(fail_item(item, error)),
        }
    }
    envelope
}

/// Validates one reject item; returns its ids.
fn reject_ids(item: &Value) -> Result<Vec<&str>, ApiError> {
    if !item.is_object() {
        return Err(ApiError::invalid("data", "data items must be JSON objects"));
    }
    let ids = match item.get("ids") {
        None | Some(Value::Null) => return Err(ApiError::null("ids")),
        Some(Value::Array(ids)) => ids,
        Some(_) => {
            return Err(ApiError::invalid(
                "ids",
                "ids must be an array of held message ids",
            ));
        }
    };
    if ids.is_empty() {
        return Err(ApiError::blank("ids"));
    }
    let ids: Vec<&str> = ids
        .iter()
        .map(|v| v.as_str().filter(|s| !s.trim().is_empty()))
        .collect::<Option<_>>()
        .ok_or_else(|| ApiError::invalid("ids", "ids must be non-empty strings"))?;
    opt_str(item, "message")?;
    opt_enum(item, "reasonType", REASON_TYPES)?;
    opt_bool(item, "notify")?;
    Ok(ids)
}

/// `POST /api/gateway/hold-reject`: `data[]` of `{ids[], message, reasonType, notify}`.
pub(crate) fn hold_reject(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let mut envelope = Envelope::ok(Vec::new());
    for item in &request.items {
        match reject_ids(item) {
            Err(error) => envelope.fail.push(fail_item(item, error)),
            Ok(ids) => {
                for id in ids {
                    match take(state, id, Disposition::Rejected) {
                        Ok(()) => envelope
                            .data
                            .push(json!({ "id": id, "reject": true }).into()),
                        Err(error) => envelope.fail.push(fail_item(&json!({ "id": id }), error)),
                    }
                }
            }
        }
    }
    envelope
}

/// The `item_false` fault: every id answers `release:false` / `reject:false`, nothing changes.
pub(crate) fn item_false(endpoint: Endpoint, request: &ApiRequest) -> Envelope {
    let mut data = Vec::new();
    for item in &request.items {
        match endpoint {
            Endpoint::HoldReject => {
                let ids = item.get("ids").and_then(Value::as_array);
                for id in ids.into_iter().flatten() {
                    data.push(json!({ "id": id, "reject": false }));
                }
            }
            _ => data.push(
                json!({ "id": item.get("id").cloned().unwrap_or(Value::Null), "release": false }),
            ),
        }
    }
    Envelope::ok(data)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use axum::http::StatusCode;
    use serde_json::json;

    use super::super::test_support::{TestApi, fail_code, fail_field};
    use crate::sandbox::data::Dataset;
    use crate::sandbox::data::vocab::SERVICE_USER;
    use crate::sandbox::state::Disposition;

    const LIST: &str = "/api/gateway/get-hold-message-list";
    const RELEASE: &str = "/api/gateway/hold-release";
    const REJECT: &str = "/api/gateway/hold-reject";

    fn ids(page: &serde_json::Value) -> Vec<String> {
        page["data"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn list_shape_and_admin_scope() {
        let api = TestApi::small();
        let data = api.state.data();
        let own = api.post(LIST, json!({"data":[{}]})).await;
        assert_eq!(own.status, StatusCode::OK);
        let rows = own.json["data"].as_array().expect("flat data array");
        let want = (0..data.len(Dataset::Held))
            .filter(|&i| data.held_for_service_user(i))
            .count();
        assert!(want >= 3);
        assert_eq!(rows.len(), want);
        assert_eq!(own.json["meta"]["pagination"]["totalCount"], want);
        assert!(own.json["meta"]["pagination"].get("next").is_none());
        for row in rows {
            assert_eq!(row["to"]["emailAddress"], SERVICE_USER);
            for field in [
                "id",
                "reason",
                "reasonId",
                "reasonCode",
                "subject",
                "route",
                "dateReceived",
                "policyInfo",
            ] {
                assert!(row[field].is_string(), "{field}");
            }
            assert!(row["from"]["emailAddress"].is_string());
            assert!(row["fromHeader"]["displayableName"].is_string());
            assert!(row["hasAttachments"].is_boolean() && row["size"].is_u64());
        }
        let all = api.post(LIST, json!({"data":[{"admin":true}]})).await;
        assert_eq!(all.json["meta"]["pagination"]["totalCount"], 25);
        assert_eq!(
            all.json["data"][0],
            super::super::to_json(&data.held_message(0))
        );
    }

    #[tokio::test]
    async fn paging_reaches_every_row_once() {
        let api = TestApi::small();
        let pages = api
            .all_pages(
                LIST,
                json!({"meta":{"pagination":{"pageSize":7}},"data":[{"admin":true}]}),
                20,
            )
            .await;
        assert_eq!(pages.len(), 4);
        let got: Vec<String> = pages.iter().flat_map(ids).collect();
        let want: Vec<String> = (0..25)
            .map(|i| api.state.data().held_message(i).id)
            .collect();
        assert_eq!(got, want);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), 25);
    }

    #[tokio::test]
    async fn search_and_dates_filter_rows() {
        let api = TestApi::small();
        let data = api.state.data();
        let body = json!({"data":[{"admin":true,"searchBy":{"fieldName":"reason_code","value":"SPAM_signature"}}]});
        let answer = api.post(LIST, body).await;
        let want: Vec<String> = (0..25)
            .map(|i| data.held_message(i))
            .filter(|m| m.reason_code.contains("spam_signature"))
            .map(|m| m.id)
            .collect();
        assert!(!want.is_empty());
        assert_eq!(ids(&answer.json), want);

        let start = data.time(Dataset::Held, 15);
        let end = data.time(Dataset::Held, 5);
        let body = json!({"data":[{"admin":true,
            "start": crate::mimecast::dates::format(start),
            "end": crate::mimecast::dates::format(end)}]});
        let answer = api.post(LIST, body).await;
        let want: Vec<String> = (5..=15).map(|i| data.held_message(i).id).collect();
        assert_eq!(ids(&answer.json), want);

        let bad = api
            .post(
                LIST,
                json!({"data":[{"searchBy":{"fieldName":"body","value":"x"}}]}),
            )
            .await;
        assert_eq!(fail_field(&bad.json), "searchBy.fieldName");
        let bad = api
            .post(LIST, json!({"data":[{"start":"last tuesday"}]}))
            .await;
        assert_eq!(fail_code(&bad.json), "err_validation_invalid_date");
    }

    #[tokio::test]
    async fn page_tokens_are_checked() {
        let api = TestApi::small();
        let first = api
            .post(
                LIST,
                json!({"meta":{"pagination":{"pageSize":5}},"data":[{"admin":true}]}),
            )
            .await;
        let next = first.json["meta"]["pagination"]["next"]
            .as_str()
            .expect("next")
            .to_owned();
        let mut tampered = next.clone();
        let last = tampered.pop().expect("non-empty");
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let answer = api
            .post(
                LIST,
                json!({"meta":{"pagination":{"pageToken": tampered}},"data":[{"admin":true}]}),
            )
            .await;
        assert_eq!(fail_code(&answer.json), "err_invalid_page_token");
        assert_eq!(answer.json["data"], json!([]));
        let answer = api
            .post(
                LIST,
                json!({"meta":{"pagination":{"pageToken": next}},"data":[{"admin":false}]}),
            )
            .await;
        assert_eq!(
            fail_code(&answer.json),
            "err_invalid_page_token",
            "other filters"
        );
        let answer = api
            .post(
                "/api/ttp/url/get-logs",
                json!({"meta":{"pagination":{"pageToken": next}}}),
            )
            .await;
        assert_eq!(
            fail_code(&answer.json),
            "err_invalid_page_token",
            "other endpoint"
        );
        // The token alone (no data) resumes with its own filters.
        let answer = api
            .post(
                LIST,
                json!({"meta":{"pagination":{"pageToken": next, "pageSize": 5}}}),
            )
            .await;
        assert_eq!(answer.json["fail"], json!([]));
        assert_eq!(
            answer.json["data"][0]["id"],
            api.state.data().held_message(5).id
        );
    }

    #[tokio::test]
    async fn release_takes_messages_out_once() {
        let api = TestApi::small();
        let data = api.state.data();
        let id = data.held_message(2).id;
        let other = data.held_message(3).id;
        let answer = api
            .post(
                RELEASE,
                json!({"data":[{"id": id}, {"id": other}, {"id": "eNoBogus"}, {}]}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.json["data"],
            json!([{"id": id, "release": true}, {"id": other, "release": true}])
        );
        let fails = answer.json["fail"].as_array().expect("fail array");
        assert_eq!(fails.len(), 2);
        assert_eq!(fails[0]["key"], json!({"id": "eNoBogus"}));
        assert_eq!(fails[0]["errors"][0]["code"], "err_hold_message_not_found");
        assert_eq!(fails[0]["errors"][0]["retryable"], false);
        assert_eq!(fails[1]["errors"][0]["code"], "err_validation_null");
        assert_eq!(api.state.held_disposition(2), Some(Disposition::Released));

        let list = api.post(LIST, json!({"data":[{"admin":true}]})).await;
        assert_eq!(list.json["meta"]["pagination"]["totalCount"], 23);
        assert!(!ids(&list.json).contains(&id));

        let again = api.post(RELEASE, json!({"data":[{"id": id}]})).await;
        assert_eq!(again.json["data"], json!([]));
        assert_eq!(fail_code(&again.json), "err_hold_message_not_found");
        assert_eq!(again.json["fail"][0]["key"]["id"], id.as_str());
    }

    #[tokio::test]
    async fn reject_validates_and_rejects() {
        let api = TestApi::small();
        let data = api.state.data();
        let (a, b) = (data.held_message(7).id, data.held_message(8).id);
        let missing = api.post(REJECT, json!({"data":[{"message":"no"}]})).await;
        assert_eq!(fail_code(&missing.json), "err_validation_null");
        assert_eq!(fail_field(&missing.json), "ids");
        let reason = api
            .post(
                REJECT,
                json!({"data":[{"ids":[a], "reasonType":"BECAUSE"}]}),
            )
            .await;
        assert_eq!(fail_field(&reason.json), "reasonType");
        assert!(
            api.state.held_disposition(7).is_none(),
            "invalid item not executed"
        );
        let empty = api.post(REJECT, json!({"data":[{"ids":[]}]})).await;
        assert_eq!(fail_code(&empty.json), "err_validation_blank");

        let ok = api
            .post(
                REJECT,
                json!({"data":[{"ids":[a, b, "unknown"], "message":"Blocked as phishing",
                    "reasonType":"MESSAGE CONTAINS UNDESIRABLE CONTENT", "notify": true}]}),
            )
            .await;
        assert_eq!(
            ok.json["data"],
            json!([{"id": a, "reject": true}, {"id": b, "reject": true}])
        );
        assert_eq!(ok.json["fail"][0]["key"], json!({"id": "unknown"}));
        assert_eq!(api.state.held_disposition(8), Some(Disposition::Rejected));
        let release = api.post(RELEASE, json!({"data":[{"id": a}]})).await;
        assert_eq!(fail_code(&release.json), "err_hold_message_not_found");
    }
}
