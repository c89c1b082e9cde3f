//! Archive search: `POST /api/archive/search` with `data[0] {admin, query: <xmlquery>}`.
//!
//! `admin` false (the default) searches only the service user's mailbox; true searches every
//! mailbox (optionally narrowed by `<mailboxes>`). Page size comes from `metadata@page-size`
//! (else `meta.pagination.pageSize`, else 25; at most 500), the first page may skip
//! `metadata@startrow` matches, and later pages follow `meta.pagination.next`. The answer is
//! `data[0].items[]` plus `queryDuration`, with `meta.pagination{pageSize, recordStart, next}`.

use std::time::Instant;

use chrono::DateTime;
use serde_json::{Value, json};

use super::archive_query::{self, ArchiveFilter, ParsedQuery};
use super::fields::{contains_ci, opt_bool, opt_str};
use super::{ApiRequest, Endpoint, next_token, resume, to_json};
use crate::sandbox::data::tracking::Party;
use crate::sandbox::data::{Dataset, SandboxData};
use crate::sandbox::envelope::{ApiError, Envelope};
use crate::sandbox::paging::{page_size, scan};
use crate::sandbox::state::SandboxState;

const DEFAULT_PAGE: usize = 25;
const MAX_PAGE: usize = 500;

fn parse_item(item: &Value, data: &SandboxData) -> Result<ParsedQuery, ApiError> {
    let admin = opt_bool(item, "admin")?.unwrap_or(false);
    let query = match opt_str(item, "query")? {
        None => return Err(ApiError::null("query")),
        Some(q) if q.trim().is_empty() => return Err(ApiError::blank("query")),
        Some(q) => q,
    };
    let mut parsed = archive_query::parse(query, data.now()).map_err(|message| {
        ApiError::new(
            "err_archive_invalid_query",
            format!("Invalid search query: {message}"),
        )
        .field("query")
    })?;
    parsed.filter.admin = admin;
    Ok(parsed)
}

fn party_contains(party: &Party, needle: &str) -> bool {
    contains_ci(&party.address(), needle) || contains_ci(party.name(), needle)
}

fn keeps(data: &SandboxData, f: &ArchiveFilter, index: usize) -> bool {
    let attrs = data.message_attrs(index);
    let recipients = attrs.recipients();
    let mut parties = std::iter::once(&attrs.sender).chain(recipients.iter());
    if !f.admin && !parties.clone().any(|p| *p == Party::Service) {
        return false;
    }
    if !f.mailboxes.is_empty() && !parties.any(|p| f.mailboxes.iter().any(|m| p.matches(m))) {
        return false;
    }
    if let Some(from) = &f.sent_from
        && !attrs.sender.matches(from)
    {
        return false;
    }
    if let Some(to) = &f.sent_to
        && !recipients.iter().any(|r| r.matches(to))
    {
        return false;
    }
    let Some(text) = &f.text else {
        return true;
    };
    let subject = || contains_ci(&attrs.subject(), text);
    let from = || party_contains(&attrs.sender, text);
    let to = || recipients.iter().any(|r| party_contains(r, text));
    match f.text_field.as_deref() {
        Some("subject") => subject(),
        Some("from") => from(),
        Some("to") => to(),
        _ => subject() || from() || to(),
    }
}

/// `POST /api/archive/search`.
pub(crate) fn search(state: &SandboxState, request: &ApiRequest) -> Envelope {
    let started = Instant::now();
    let data = state.data();
    let key = request.first().cloned();
    let parsed = match request
        .first()
        .map(|item| parse_item(item, data))
        .transpose()
    {
        Ok(parsed) => parsed,
        Err(error) => return Envelope::failed(key, error),
    };
    let meta_size = match page_size(request.page_size.as_ref(), DEFAULT_PAGE, MAX_PAGE) {
        Ok(size) => size,
        Err(error) => return Envelope::failed(key, error),
    };
    let size = parsed
        .as_ref()
        .and_then(|p| p.page_size)
        .map_or(meta_size, |s| s.min(MAX_PAGE));
    let start = match resume(state, Endpoint::ArchiveSearch, request, |item| {
        parse_item(item, data).map(|p| p.filter)
    }) {
        Ok(start) => start,
        Err(envelope) => return envelope,
    };
    let filter = &start.filter;
    let at = |s: Option<i64>| s.and_then(|s| DateTime::from_timestamp(s, 0));
    let range = data.range(Dataset::Tracking, at(filter.from), at(filter.to));
    let keep = |off: usize| keeps(data, filter, range.start + off);
    let (offset, ordinal) = match (
        &request.page_token,
        parsed.as_ref().and_then(|p| p.startrow),
    ) {
        (None, Some(startrow)) if startrow > 0 => {
            let skipped = scan(range.len(), 0, startrow, keep);
            match (skipped.offsets.len() == startrow, skipped.next) {
                (true, Some(next)) => (next, startrow),
                _ => (range.len(), startrow),
            }
        }
        _ => (start.offset, start.ordinal),
    };
    let page = scan(range.len(), offset, size, keep);
    let items: Vec<Value> = page
        .offsets
        .iter()
        .map(|off| to_json(&data.archive_item(range.start + off)))
        .collect();
    let mut pagination = json!({ "pageSize": size, "recordStart": ordinal });
    if let Some(next) = page.next {
        pagination["next"] = json!(next_token(
            state,
            Endpoint::ArchiveSearch,
            filter,
            next,
            ordinal + items.len()
        ));
    }
    let took = started.elapsed().as_millis() as u64;
    Envelope::ok(vec![json!({ "items": items, "queryDuration": took })]).with_pagination(pagination)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::test_support::{TestApi, fail_code, fail_field};
    use super::super::to_json;
    use crate::sandbox::data::vocab::SERVICE_USER;

    const PATH: &str = "/api/archive/search";

    fn query(muse: &str, metadata: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><xmlquery trace="iql,muse"><metadata query-type="emailarchive" archive="true" active="false" {metadata}><smartfolders/><return-fields><return-field>subject</return-field></return-fields></metadata><muse>{muse}</muse></xmlquery>"#
        )
    }

    fn items(page: &Value) -> Vec<Value> {
        page["data"][0]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn escaped_text_matches_and_shape_is_nested() {
        let api = TestApi::small();
        let data = api.state.data();
        let q = query(
            "<text>subject: R&amp;D budget review &lt;draft</text><date select=\"last_year\"/>",
            "page-size=\"500\" startrow=\"0\"",
        );
        let answer = api
            .post(PATH, json!({"data":[{"admin": true, "query": q}]}))
            .await;
        assert_eq!(answer.json["fail"], json!([]), "{}", answer.json);
        let got = items(&answer.json);
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.archive_item(i))
            .filter(|a| a.subject.contains("R&D budget review <draft"))
            .map(|a| to_json(&a))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want);
        assert!(answer.json["data"][0]["queryDuration"].is_u64());
        assert_eq!(answer.json["meta"]["pagination"]["recordStart"], 0);
        let row = &got[0];
        for field in [
            "subject",
            "displayfrom",
            "displayfromaddress",
            "displayto",
            "id",
            "smash",
            "receiveddate",
        ] {
            assert!(row[field].is_string(), "{field}");
        }
        assert_eq!(row["status"], "ARCHIVED");
        assert!(row["displaytoaddresslist"][0]["emailAddress"].is_string());
        let char_ref = query(
            "<text>subject: &#220;berweisung</text>",
            "page-size=\"500\"",
        );
        let answer = api
            .post(PATH, json!({"data":[{"admin": true, "query": char_ref}]}))
            .await;
        let got = items(&answer.json);
        assert!(!got.is_empty());
        assert!(
            got.iter()
                .all(|i| i["subject"].as_str().unwrap_or("").contains("Überweisung"))
        );
    }

    #[tokio::test]
    async fn non_admin_sees_only_the_service_mailbox_and_pages() {
        let api = TestApi::small();
        let data = api.state.data();
        let q = query("<text></text>", "page-size=\"4\"");
        let pages = api
            .all_pages(PATH, json!({"data":[{"query": q}]}), 100)
            .await;
        let got: Vec<Value> = pages.iter().flat_map(items).collect();
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.archive_item(i))
            .filter(|a| {
                a.displayfromaddress == SERVICE_USER
                    || a.displaytoaddresslist
                        .iter()
                        .any(|t| t.email_address == SERVICE_USER)
            })
            .map(|a| to_json(&a))
            .collect();
        assert!(want.len() > 4);
        assert_eq!(got, want);
        assert_eq!(pages[1]["meta"]["pagination"]["recordStart"], 4);
        // startrow skips matches on the first page.
        let q = query("<text></text>", "page-size=\"2\" startrow=\"3\"");
        let answer = api.post(PATH, json!({"data":[{"query": q}]})).await;
        assert_eq!(items(&answer.json), want[3..5].to_vec());
        assert_eq!(answer.json["meta"]["pagination"]["recordStart"], 3);
    }

    #[tokio::test]
    async fn sent_and_between_filters() {
        let api = TestApi::small();
        let data = api.state.data();
        let q = query(
            r#"<date select="between" from="2024-06-01T00:00:00Z" to="2024-06-10T00:00:00+0000"/><sent select="from">paypa1-billing.net</sent>"#,
            "page-size=\"500\"",
        );
        let answer = api
            .post(PATH, json!({"data":[{"admin": true, "query": q}]}))
            .await;
        let got = items(&answer.json);
        let lo = crate::mimecast::dates::parse("2024-06-01T00:00:00Z").expect("date");
        let hi = crate::mimecast::dates::parse("2024-06-10T00:00:00Z").expect("date");
        let want: Vec<Value> = (0..data.scale())
            .map(|i| data.archive_item(i))
            .filter(|a| a.received_at >= lo && a.received_at <= hi)
            .filter(|a| a.displayfromaddress.ends_with("@paypa1-billing.net"))
            .map(|a| to_json(&a))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want);
    }

    #[tokio::test]
    async fn bad_queries_fail_with_a_reason() {
        let api = TestApi::small();
        let answer = api
            .post(
                PATH,
                json!({"data":[{"admin": true, "query": "<xmlquery><muse><text>x</muse>"}]}),
            )
            .await;
        assert_eq!(fail_code(&answer.json), "err_archive_invalid_query");
        assert_eq!(fail_field(&answer.json), "query");
        assert!(
            answer.json["fail"][0]["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("XML")
        );
        let answer = api.post(PATH, json!({"data":[{"admin": true}]})).await;
        assert_eq!(fail_code(&answer.json), "err_validation_null");
        let answer = api.post(PATH, json!({})).await;
        assert_eq!(fail_code(&answer.json), "err_validation_null");
    }
}
