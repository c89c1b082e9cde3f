//! A bounded log of the API requests the sandbox answered, for tests and the admin endpoint.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many requests are kept; older ones are dropped first.
pub const RECORD_CAPACITY: usize = 10_000;

/// The authentication scheme a request presented (valid or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// `Authorization: Bearer …` (API 2.0).
    Bearer,
    /// `Authorization: MC accessKey:signature` (API 1.0).
    Hmac,
    /// No `Authorization` header, or another scheme.
    None,
}

/// One answered `/api/**` or `/oauth/token` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Request path (no query string).
    pub path: String,
    /// The scheme presented.
    pub auth: AuthKind,
    /// The JSON body, or `null` when it was empty or not JSON (the token form is not JSON).
    pub body: serde_json::Value,
    /// The HTTP status answered.
    pub status: u16,
    /// When the request arrived (real clock).
    pub at: DateTime<Utc>,
}

/// A ring buffer of [`RecordedRequest`]s.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    entries: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn record(&self, request: RecordedRequest) {
        let mut entries = self.lock();
        if entries.len() >= RECORD_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(request);
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest() {
        let recorder = Recorder::default();
        for i in 0..RECORD_CAPACITY + 5 {
            recorder.record(RecordedRequest {
                method: "POST".into(),
                path: format!("/api/{i}"),
                auth: AuthKind::None,
                body: serde_json::Value::Null,
                status: 200,
                at: Utc::now(),
            });
        }
        let all = recorder.snapshot();
        assert_eq!(all.len(), RECORD_CAPACITY);
        assert_eq!(all[0].path, "/api/5");
        recorder.clear();
        assert!(recorder.snapshot().is_empty());
    }
}
