//! Helpers for driving the router in-process in tests.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use tower::ServiceExt;

use crate::sandbox::{Sandbox, SandboxConfig, SandboxState};

/// The fixed "now" of test sandboxes.
pub(crate) fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap()
}

/// A small deterministic configuration.
pub(crate) fn test_config() -> SandboxConfig {
    SandboxConfig {
        seed: 11,
        scale: 600,
        now: test_now(),
        token_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    }
}

/// An answer: status, headers, JSON body (`Null` if not JSON) and the raw bytes.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub raw: Vec<u8>,
}

/// A router, its state and a valid bearer token.
pub(crate) struct TestApi {
    pub router: Router,
    pub state: SandboxState,
    pub token: String,
}

impl TestApi {
    pub fn new(config: SandboxConfig) -> Self {
        let (router, state) = Sandbox::router(config);
        let token = state.issue_token();
        Self {
            router,
            state,
            token,
        }
    }

    pub fn small() -> Self {
        Self::new(test_config())
    }

    /// Sends any request.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<Body>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(body.into()).expect("valid request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let raw = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            json,
            raw,
        }
    }

    /// POSTs JSON with the bearer token.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        let auth = format!("Bearer {}", self.token);
        self.send(
            Method::POST,
            path,
            &[
                ("authorization", auth),
                (header::CONTENT_TYPE.as_str(), "application/json".into()),
            ],
            body.to_string(),
        )
        .await
    }

    /// Follows `meta.pagination.next` from `first` until the end, returning every page.
    pub async fn all_pages(&self, path: &str, first: Value, limit: usize) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut body = first;
        for _ in 0..limit {
            let answer = self.post(path, body.clone()).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
            assert_eq!(
                answer.json["fail"],
                serde_json::json!([]),
                "{}",
                answer.json
            );
            let next = answer.json["meta"]["pagination"]["next"]
                .as_str()
                .map(str::to_owned);
            pages.push(answer.json);
            match next {
                Some(token) => body["meta"]["pagination"]["pageToken"] = Value::String(token),
                None => return pages,
            }
        }
        panic!("paging did not end within {limit} pages");
    }
}

/// The first error code of the first fail entry.
pub(crate) fn fail_code(json: &Value) -> &str {
    json["fail"][0]["errors"][0]["code"].as_str().unwrap_or("")
}

/// The field of the first error of the first fail entry.
pub(crate) fn fail_field(json: &Value) -> &str {
    json["fail"][0]["errors"][0]["field"].as_str().unwrap_or("")
}
