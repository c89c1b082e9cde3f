//! Injected misbehaviour: rate limits, error statuses, slowness, broken JSON and the
//! HTTP-200-but-failed answers Mimecast is known for.
//!
//! Faults sit in a queue. For each request that passed authentication, the first queued fault
//! whose path matches (and whose kind applies to that endpoint) is used; a fault with
//! `times: Some(n)` is dropped after `n` uses, `None` stays until cleared. A fault without a
//! path applies to every `/api/**` path; `/oauth/token` is only faulted by a fault that names
//! it (and only by `rate_limit`, `status`, `slow` and `malformed_json`).
//!
//! Command-line syntax ([`Fault::from_str`](std::str::FromStr)): `rate-limit=MS`,
//! `status=CODE`, `slow=MS`, `malformed-json`, `fail-in-200`, `meta-status=CODE`,
//! `item-false`, optionally followed by `@/api/path` and `*N`, e.g.
//! `rate-limit=250@/api/ttp/url/get-logs*1`.

use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One queued fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// The exact request path it applies to; `None` = any `/api/**` path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How many requests it applies to; `None` = every request until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

/// What a fault does. Serialized with a snake_case `kind` tag, e.g.
/// `{"kind":"rate_limit","reset_ms":250}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 429 with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset: reset_ms`; the
    /// function is not executed.
    RateLimit {
        /// Milliseconds until the client may retry.
        reset_ms: u64,
    },
    /// That HTTP status with a Mimecast-shaped fail body (e.g. 500, 403, 418, 401); not executed.
    Status {
        /// HTTP status code (100–599).
        code: u16,
    },
    /// Answers normally but only after the delay. The function is executed and the request
    /// recorded before the wait, so a client that gives up still finds the work done.
    Slow {
        /// Delay in milliseconds.
        delay_ms: u64,
    },
    /// HTTP 200 whose body is the real answer cut in half (the function *is* executed, as when
    /// a connection drops mid-answer).
    MalformedJson,
    /// HTTP 200, empty `data`, one `fail` entry; not executed.
    #[serde(rename = "fail_in_200")]
    FailIn200 {
        /// The error code.
        #[serde(default = "default_fail_code")]
        code: String,
        /// The error message.
        #[serde(default = "default_fail_message")]
        message: String,
        /// The `retryable` flag.
        #[serde(default)]
        retryable: bool,
    },
    /// HTTP 200 with `meta.status` set to `status` and a fail entry; not executed.
    MetaStatus {
        /// The `meta.status` value.
        status: u16,
    },
    /// Only for `hold-release` / `hold-reject`: nothing is executed and every item answers
    /// `{"id": …, "release": false}` (or `"reject": false`).
    ItemFalse,
}

fn default_fail_code() -> String {
    "err_sandbox_injected_failure".to_owned()
}

fn default_fail_message() -> String {
    "Injected failure (sandbox fault)".to_owned()
}

impl FaultKind {
    /// `fail-in-200` with the default code and message.
    pub fn fail_in_200() -> Self {
        FaultKind::FailIn200 {
            code: default_fail_code(),
            message: default_fail_message(),
            retryable: false,
        }
    }
}

impl Fault {
    /// A fault on every `/api/**` request until cleared.
    pub fn always(kind: FaultKind) -> Self {
        Self {
            kind,
            path: None,
            times: None,
        }
    }

    /// The same fault restricted to one path.
    pub fn on(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The same fault limited to `n` uses.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Checks the values a spec or JSON body can get wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Status { code } | FaultKind::MetaStatus { status: code }
                if !(100..=599).contains(&code) =>
            {
                return Err(format!("status {code} is not an HTTP status (100-599)"));
            }
            _ => {}
        }
        if let Some(path) = &self.path
            && !path.starts_with('/')
        {
            return Err(format!("path `{path}` must start with /"));
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".to_owned());
        }
        Ok(())
    }

    fn matches(&self, path: &str) -> bool {
        match &self.path {
            Some(p) => p == path,
            None => path.starts_with("/api/"),
        }
    }
}

/// A fault spec that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid fault spec `{0}`: expected rate-limit=MS, status=CODE, slow=MS, malformed-json, \
     fail-in-200, meta-status=CODE or item-false, optionally followed by @/api/path and *N"
)]
pub struct FaultSpecError(pub String);

impl FromStr for Fault {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let bad = || FaultSpecError(spec.to_owned());
        let (rest, times) = match spec.rsplit_once('*') {
            Some((rest, n)) => (rest, Some(n.parse::<u32>().map_err(|_| bad())?)),
            None => (spec, None),
        };
        let (kind_text, path) = match rest.split_once('@') {
            Some((kind, path)) => (kind, Some(path.to_owned())),
            None => (rest, None),
        };
        let (name, value) = match kind_text.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (kind_text, None),
        };
        let number = |v: Option<&str>| v.and_then(|v| v.parse::<u64>().ok()).ok_or_else(bad);
        let status = |v: Option<&str>| {
            v.and_then(|v| v.parse::<u16>().ok())
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(bad)
        };
        let kind = match (name, value) {
            ("rate-limit", v) => FaultKind::RateLimit {
                reset_ms: number(v)?,
            },
            ("status", v) => FaultKind::Status { code: status(v)? },
            ("slow", v) => FaultKind::Slow {
                delay_ms: number(v)?,
            },
            ("malformed-json", None) => FaultKind::MalformedJson,
            ("fail-in-200", None) => FaultKind::fail_in_200(),
            ("meta-status", v) => FaultKind::MetaStatus { status: status(v)? },
            ("item-false", None) => FaultKind::ItemFalse,
            _ => return Err(bad()),
        };
        let fault = Fault { kind, path, times };
        fault.validate().map_err(|_| bad())?;
        Ok(fault)
    }
}

/// The queue of active faults.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: Mutex<Vec<Fault>>,
}

impl FaultQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn push(&self, fault: Fault) {
        self.lock().push(fault);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    /// Uses the first fault that matches `path` and for which `applies` holds.
    pub fn take(&self, path: &str, applies: impl Fn(&FaultKind) -> bool) -> Option<FaultKind> {
        let mut faults = self.lock();
        let pos = faults
            .iter()
            .position(|f| f.matches(path) && applies(&f.kind))?;
        let kind = faults[pos].kind.clone();
        match &mut faults[pos].times {
            Some(1) => {
                faults.remove(pos);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spec_form() {
        let cases = [
            (
                "rate-limit=250",
                Fault::always(FaultKind::RateLimit { reset_ms: 250 }),
            ),
            ("status=500", Fault::always(FaultKind::Status { code: 500 })),
            (
                "slow=20*3",
                Fault::always(FaultKind::Slow { delay_ms: 20 }).times(3),
            ),
            ("malformed-json", Fault::always(FaultKind::MalformedJson)),
            ("fail-in-200", Fault::always(FaultKind::fail_in_200())),
            (
                "meta-status=403",
                Fault::always(FaultKind::MetaStatus { status: 403 }),
            ),
            (
                "item-false@/api/gateway/hold-release",
                Fault::always(FaultKind::ItemFalse).on("/api/gateway/hold-release"),
            ),
            (
                "rate-limit=250@/api/ttp/url/get-logs*1",
                Fault::always(FaultKind::RateLimit { reset_ms: 250 })
                    .on("/api/ttp/url/get-logs")
                    .times(1),
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(spec.parse::<Fault>(), Ok(want), "{spec}");
        }
    }

    #[test]
    fn rejects_bad_specs_naming_the_valid_forms() {
        for spec in [
            "",
            "explode",
            "status=abc",
            "status=42",
            "status=700",
            "rate-limit",
            "malformed-json=3",
            "slow=5*0",
            "slow=5*x",
            "slow=5@api/x",
            "item-false=1",
        ] {
            let err = spec.parse::<Fault>().expect_err(spec);
            let text = err.to_string();
            assert!(
                text.contains("rate-limit=MS") && text.contains("item-false"),
                "{text}"
            );
            assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn json_form_uses_snake_case_tags() {
        let fault: Fault = serde_json::from_str(
            r#"{"kind":"rate_limit","reset_ms":250,"path":"/api/ttp/url/get-logs","times":1}"#,
        )
        .expect("valid fault json");
        assert_eq!(
            fault,
            Fault::always(FaultKind::RateLimit { reset_ms: 250 })
                .on("/api/ttp/url/get-logs")
                .times(1)
        );
        let fault: Fault = serde_json::from_str(r#"{"kind":"fail_in_200","code":"err_x"}"#)
            .expect("defaults fill the rest");
        assert_eq!(
            fault.kind,
            FaultKind::FailIn200 {
                code: "err_x".into(),
                message: default_fail_message(),
                retryable: false
            }
        );
        let text = serde_json::to_string(&Fault::always(FaultKind::ItemFalse)).expect("serialize");
        assert_eq!(text, r#"{"kind":"item_false"}"#);
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn queue_counts_down_and_matches_paths() {
        let queue = FaultQueue::default();
        queue.push(
            Fault::always(FaultKind::Status { code: 500 })
                .on("/api/a")
                .times(2),
        );
        queue.push(Fault::always(FaultKind::ItemFalse));
        let any = |_: &FaultKind| true;
        assert_eq!(queue.take("/api/b", |k| *k != FaultKind::ItemFalse), None);
        assert_eq!(
            queue.take("/api/a", any),
            Some(FaultKind::Status { code: 500 })
        );
        assert_eq!(
            queue.take("/api/a", any),
            Some(FaultKind::Status { code: 500 })
        );
        assert_eq!(queue.take("/api/a", any), Some(FaultKind::ItemFalse));
        assert_eq!(
            queue.take("/oauth/token", any),
            None,
            "pathless faults are /api only"
        );
        assert_eq!(queue.list().len(), 1);
        queue.clear();
        assert_eq!(queue.take("/api/a", any), None);
    }
}
