//! The JSON envelope every Mimecast call shares.
//!
//! Requests: `{"meta":{"pagination":{"pageSize":N,"pageToken":"…"}},"data":[{…}]}`.
//! Answers: `{"meta":{"status":200,"pagination":{…,"next":"…"}},"data":[…],"fail":[…]}`, where
//! HTTP 200 can still carry a failure in `fail[]` or `meta.status`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiFailure, FailError};

/// Pagination part of a request's `meta`.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RequestPagination {
    /// Rows per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// The previous answer's `meta.pagination.next`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

/// A request's `meta`.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// Paging instructions.
    pub pagination: RequestPagination,
}

/// A request body: optional `meta` and the `data` items.
#[derive(Debug, Clone, Serialize)]
pub struct RequestEnvelope<T> {
    /// Present for paged calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// The items; several items act like several calls.
    pub data: Vec<T>,
}

/// Pagination part of an answer's `meta`.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct ResponsePagination {
    /// Rows per page.
    pub page_size: Option<u64>,
    /// Total rows matching, when Mimecast counts them.
    pub total_count: Option<u64>,
    /// Token of the next page; absent on the last page.
    pub next: Option<String>,
    /// Token of the previous page.
    pub previous: Option<String>,
    /// Archive search's first row number.
    pub record_start: Option<u64>,
}

/// An answer's `meta`.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct ResponseMeta {
    /// The function's status, which may differ from the HTTP status.
    pub status: Option<u16>,
    /// Paging state.
    pub pagination: Option<ResponsePagination>,
}

/// One raw `fail[]` entry as Mimecast sends it.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct RawFailure {
    /// Echo of the failed request item.
    pub key: Value,
    /// Reasons.
    pub errors: Vec<FailError>,
    /// Some error bodies (the token endpoint) put code and message at this level.
    pub code: Option<String>,
    /// See `code`.
    pub message: Option<String>,
}

impl RawFailure {
    /// Normalises to an [`ApiFailure`].
    pub fn into_failure(self) -> ApiFailure {
        let key = match &self.key {
            Value::Object(map) => match (map.get("id"), map.get("ids")) {
                (Some(Value::String(id)), _) => id.clone(),
                (_, Some(Value::Array(ids))) => ids
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                _ => self.key.to_string(),
            },
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut errors = self.errors;
        if errors.is_empty() && (self.code.is_some() || self.message.is_some()) {
            errors.push(FailError {
                code: self.code.unwrap_or_default(),
                message: self.message.unwrap_or_default(),
                field: None,
                retryable: false,
            });
        }
        ApiFailure { key, errors }
    }
}

/// An answer body with `data` items of type `T`.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct ResponseEnvelope<T> {
    /// Status and paging.
    #[serde(default)]
    pub meta: ResponseMeta,
    /// The items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Items that failed.
    #[serde(default)]
    pub fail: Vec<RawFailure>,
}

impl<T> ResponseEnvelope<T> {
    /// The token of the next page, if any (an empty string counts as none).
    pub fn next_token(&self) -> Option<String> {
        self.meta
            .pagination
            .as_ref()
            .and_then(|p| p.next.clone())
            .filter(|t| !t.is_empty())
    }

    /// The normalised `fail[]` entries.
    pub fn failures(&self) -> Vec<ApiFailure> {
        self.fail
            .iter()
            .cloned()
            .map(RawFailure::into_failure)
            .collect()
    }
}

/// Reads the first failure's code and message from an error body, whatever its shape
/// (`fail[].errors[]`, `fail[].message`, or nothing).
pub fn error_summary(body: &[u8]) -> (String, String) {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        fail: Vec<RawFailure>,
    }
    let Ok(parsed) = serde_json::from_slice::<Body>(body) else {
        return (String::new(), String::new());
    };
    parsed
        .fail
        .into_iter()
        .map(RawFailure::into_failure)
        .find_map(|f| f.errors.into_iter().next())
        .map(|e| (e.code, e.message))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_envelope_omits_empty_meta_fields() {
        let body = RequestEnvelope {
            meta: Some(RequestMeta {
                pagination: RequestPagination {
                    page_size: Some(50),
                    page_token: None,
                },
            }),
            data: vec![json!({"admin": true})],
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"meta":{"pagination":{"pageSize":50}},"data":[{"admin":true}]})
        );
    }

    #[test]
    fn parses_a_release_answer_with_a_failure() {
        let raw = json!({
            "meta": {"status": 200},
            "data": [{"id": "a", "release": true}],
            "fail": [{"key": {"id": "b"}, "errors": [{"code": "err_x", "message": "gone", "retryable": false}]}]
        });
        let env: ResponseEnvelope<Value> = serde_json::from_value(raw).unwrap();
        assert_eq!(env.data.len(), 1);
        let failures = env.failures();
        assert_eq!(failures[0].key, "b");
        assert_eq!(failures[0].reason(), "gone");
        assert_eq!(env.next_token(), None);
    }

    #[test]
    fn reads_token_endpoint_style_errors() {
        let body = br#"{"fail":[{"code":"invalid_client","message":"bad client"}]}"#;
        assert_eq!(
            error_summary(body),
            ("invalid_client".into(), "bad client".into())
        );
        assert_eq!(error_summary(b"<html>"), (String::new(), String::new()));
    }
}
