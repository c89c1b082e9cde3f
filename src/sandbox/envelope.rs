//! Response builders: the Mimecast envelope `{"meta":{"status":…},"data":[…],"fail":[…]}`,
//! fail entries, error answers and the `X-RateLimit-*` headers every answer carries.

use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// One error inside a fail entry: `{"code","message","field"?,"retryable"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub retryable: bool,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            field: None,
            retryable: false,
        }
    }

    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// `err_validation_null`: a required field is missing.
    pub fn null(field: &str) -> Self {
        Self::new("err_validation_null", format!("{field} must not be null")).field(field)
    }

    /// `err_validation_blank`: a required field is empty.
    pub fn blank(field: &str) -> Self {
        Self::new("err_validation_blank", format!("{field} must not be blank")).field(field)
    }

    /// `err_validation_invalid_value`: a value outside the allowed set or of the wrong type.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new("err_validation_invalid_value", message).field(field)
    }
}

/// One `fail[]` entry: the failing item echoed as `key`, and its errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FailEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    pub errors: Vec<ApiError>,
}

impl FailEntry {
    pub fn new(key: Option<Value>, error: ApiError) -> Self {
        Self {
            key,
            errors: vec![error],
        }
    }
}

/// One element of `data[]`: a JSON tree, or text already serialized (large log pages are
/// written straight from their row structs, without building a tree per row).
#[derive(Debug, Clone)]
pub(crate) enum Datum {
    /// A JSON tree.
    Value(Value),
    /// Serialized JSON text.
    Raw(Box<RawValue>),
}

impl Datum {
    /// Serializes `item` now, as `data[]` text.
    pub fn serialized<T: Serialize>(item: &T) -> Self {
        match serde_json::value::to_raw_value(item) {
            Ok(raw) => Self::Raw(raw),
            Err(_) => Self::Value(Value::Null),
        }
    }

    /// The element as a JSON tree.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Value(value) => value.clone(),
            Self::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        }
    }
}

impl From<Value> for Datum {
    fn from(value: Value) -> Self {
        Self::Value(value)
    }
}

impl PartialEq for Datum {
    fn eq(&self, other: &Self) -> bool {
        self.to_value() == other.to_value()
    }
}

impl Serialize for Datum {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => value.serialize(serializer),
            Self::Raw(raw) => raw.serialize(serializer),
        }
    }
}

/// A whole answer body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Envelope {
    pub meta_status: u16,
    pub pagination: Option<Value>,
    pub data: Vec<Datum>,
    pub fail: Vec<FailEntry>,
}

impl Envelope {
    pub fn ok(data: Vec<Value>) -> Self {
        Self::ok_data(data.into_iter().map(Datum::Value).collect())
    }

    /// A success whose `data[]` elements are given as [`Datum`]s.
    pub fn ok_data(data: Vec<Datum>) -> Self {
        Self {
            meta_status: 200,
            pagination: None,
            data,
            fail: Vec::new(),
        }
    }

    /// HTTP-200 style failure of one item: empty data, one fail entry.
    pub fn failed(key: Option<Value>, error: ApiError) -> Self {
        Self {
            meta_status: 200,
            pagination: None,
            data: Vec::new(),
            fail: vec![FailEntry::new(key, error)],
        }
    }

    pub fn with_pagination(mut self, pagination: Value) -> Self {
        self.pagination = Some(pagination);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut meta = json!({ "status": self.meta_status });
        if let (Some(p), Some(m)) = (&self.pagination, meta.as_object_mut()) {
            m.insert("pagination".to_owned(), p.clone());
        }
        let data: Vec<Value> = self.data.iter().map(Datum::to_value).collect();
        json!({ "meta": meta, "data": data, "fail": self.fail })
    }

    /// The body as bytes: the same text as `to_json().to_string()`, without first copying
    /// every row into a second `Value` tree (the copy dominated large pages).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Field order = the sorted keys of the `Value` map `to_json` builds.
        #[derive(Serialize)]
        struct Body<'a> {
            data: &'a [Datum],
            fail: Value,
            meta: Value,
        }
        let mut meta = json!({ "status": self.meta_status });
        if let (Some(p), Some(m)) = (&self.pagination, meta.as_object_mut()) {
            m.insert("pagination".to_owned(), p.clone());
        }
        let body = Body {
            data: &self.data,
            fail: json!(self.fail),
            meta,
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }

    pub fn into_response(self, http: StatusCode) -> Response {
        (
            http,
            [(header::CONTENT_TYPE, "application/json")],
            self.to_bytes(),
        )
            .into_response()
    }
}

/// A JSON answer with the given status.
pub(crate) fn json_response(http: StatusCode, body: &Value) -> Response {
    (
        http,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// An error answer without a key: `{"meta":{"status":N},"data":[],"fail":[{"errors":[…]}]}`.
pub(crate) fn error_response(http: StatusCode, error: ApiError) -> Response {
    let mut envelope = Envelope::failed(None, error);
    envelope.meta_status = http.as_u16();
    envelope.into_response(http)
}

/// The error Mimecast would give with an HTTP (or `meta.status`) code.
pub(crate) fn error_for_status(code: u16) -> ApiError {
    let (name, message, retryable) = match code {
        400 => ("err_request_malformed", "The request is malformed", false),
        401 => (
            "err_xdk_invalid_token",
            "The access token is not valid; request a new one",
            false,
        ),
        403 => (
            "err_xdk_forbidden",
            "The application's role does not permit this operation",
            false,
        ),
        404 => ("err_resource_not_found", "Resource not found", false),
        405 => (
            "err_method_not_allowed",
            "Use POST for this endpoint",
            false,
        ),
        409 => (
            "err_conflict",
            "The request conflicts with current data",
            false,
        ),
        418 => (
            "err_xdk_binding_expired",
            "The access key / secret key binding has expired",
            false,
        ),
        429 => (
            "err_xdk_rate_limit_exceeded",
            "Rate limit exceeded; retry after X-RateLimit-Reset milliseconds",
            true,
        ),
        502..=504 => (
            "err_service_unavailable",
            "Service temporarily unavailable",
            true,
        ),
        500..=599 => ("err_server_internal", "Internal server error", true),
        _ => ("err_sandbox_status", "Injected status", false),
    };
    ApiError::new(name, message).retryable(retryable)
}

/// The requests-per-window budget advertised in `X-RateLimit-Limit`.
pub(crate) const RATE_LIMIT: u32 = 1000;
/// One request is added back to the bucket every this many milliseconds.
pub(crate) const REFILL_MS: u64 = 50;

/// An advisory leaky bucket behind the `X-RateLimit-*` headers. It is never enforced (use a
/// `rate_limit` fault for 429s), so benchmarks are not throttled.
#[derive(Debug)]
pub(crate) struct RateBucket {
    state: Mutex<(f64, Instant)>,
}

impl Default for RateBucket {
    fn default() -> Self {
        Self {
            state: Mutex::new((f64::from(RATE_LIMIT), Instant::now())),
        }
    }
}

impl RateBucket {
    /// Spends one request; returns `(remaining, reset_ms)`.
    pub fn take(&self) -> (u32, u64) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let elapsed_ms = now.duration_since(state.1).as_secs_f64() * 1000.0;
        let tokens = (state.0 + elapsed_ms / REFILL_MS as f64).min(f64::from(RATE_LIMIT));
        let tokens = (tokens - 1.0).max(0.0);
        *state = (tokens, now);
        let fraction = tokens.fract();
        let reset = ((1.0 - fraction) * REFILL_MS as f64).ceil().max(1.0) as u64;
        (tokens.floor() as u32, reset)
    }
}

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Sets the three `X-RateLimit-*` headers.
pub(crate) fn set_rate_headers(headers: &mut HeaderMap, remaining: u32, reset_ms: u64) {
    headers.insert(LIMIT, HeaderValue::from(RATE_LIMIT));
    headers.insert(REMAINING, HeaderValue::from(remaining));
    headers.insert(RESET, HeaderValue::from(reset_ms));
}

/// Adds the headers unless the answer already has them (a 429 sets its own).
pub(crate) fn add_rate_headers(response: &mut Response, bucket: &RateBucket) {
    let (remaining, reset) = bucket.take();
    if !response.headers().contains_key(&RESET) {
        set_rate_headers(response.headers_mut(), remaining, reset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let envelope = Envelope::failed(Some(json!({"id": "x"})), ApiError::null("ids"));
        assert_eq!(
            envelope.to_bytes(),
            envelope.to_json().to_string().into_bytes()
        );
        let body = envelope.to_json();
        assert_eq!(
            body,
            json!({"meta":{"status":200},"data":[],"fail":[{"key":{"id":"x"},"errors":[
                {"code":"err_validation_null","message":"ids must not be null","field":"ids","retryable":false}]}]})
        );
        let envelope = Envelope::ok(vec![json!({"b": [1, "x\"y"], "a": null})])
            .with_pagination(json!({"pageSize": 1, "next": "t"}));
        assert_eq!(
            envelope.to_bytes(),
            envelope.to_json().to_string().into_bytes()
        );
        let body = envelope.to_json();
        assert_eq!(body["meta"]["pagination"]["pageSize"], 1);
        assert_eq!(body["fail"], json!([]));
    }

    #[test]
    fn serialized_data_is_written_as_is() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Row {
            sender_address: &'static str,
            tagged_malicious: bool,
        }
        let raw = Datum::serialized(&Row {
            sender_address: "a\"b@x.example",
            tagged_malicious: true,
        });
        let envelope = Envelope::ok_data(vec![raw.clone(), json!({"n": 1}).into()]);
        let bytes = envelope.to_bytes();
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.contains(r#"{"senderAddress":"a\"b@x.example","taggedMalicious":true}"#));
        let parsed: Value = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(parsed, envelope.to_json());
        assert_eq!(
            raw.to_value(),
            json!({"senderAddress": "a\"b@x.example", "taggedMalicious": true})
        );
    }

    #[test]
    fn bucket_counts_down_and_refills() {
        let bucket = RateBucket::default();
        let (first, reset) = bucket.take();
        let (second, _) = bucket.take();
        assert!(first <= RATE_LIMIT && second <= first);
        assert!((1..=REFILL_MS).contains(&reset));
        assert!(error_for_status(503).retryable && !error_for_status(403).retryable);
    }
}
