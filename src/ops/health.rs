//! `GET /healthz` and `GET /metrics` on the operations address.
//!
//! `/healthz` runs the configured [`HealthChecks`] and answers `200` with
//! `{"status":"ok","checks":{"store":"ok","mimecast":"ok","discord":"ok"}}` when every check
//! passes, or `503` with `"status":"fail"`, each failing check's one-line reason in `checks`,
//! and all of them in `reason` (`"mimecast: credentials refused (HTTP 401)"`). Reasons are
//! written here from error kinds and status codes: they never carry a credential, a token or
//! an error chain.
//!
//! - `store`: the approvals database takes the write lock ([`Store::check_writable`]).
//! - `mimecast`: an authenticated call answers ([`MimecastCheck`]); its result is cached (30 s
//!   by default) so that probes of `/healthz` cannot hammer Mimecast.
//! - one check per enabled chat platform (`discord`, `slack`): its adapter says it is connected
//!   (the `mimecast_bot_chat_connected` gauge, see [`Metrics::set_connected`]).
//!
//! `/metrics` answers the process-wide registry ([`metrics()`]) as `text/plain; version=0.0.4`.
//!
//! [`Metrics::set_connected`]: super::metrics::Metrics::set_connected

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use super::OpsError;
use super::metrics::{self, metrics};
use crate::approvals::{Platform, Store};
use crate::mimecast::{HeldQuery, MimecastClient, MimecastError, RetryPolicy};

/// How long a Mimecast probe may take before it counts as failed.
pub const MIMECAST_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a Mimecast probe's result is reused.
pub const MIMECAST_CACHE: Duration = Duration::from_secs(30);

/// How long the store check may take (another writer may hold the lock) before it fails.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a probe returns: `Err` carries a one-line reason fit for `/healthz` (no secrets).
pub type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'static>>;

/// A probe, run on demand.
pub type CheckFn = Arc<dyn Fn() -> CheckFuture + Send + Sync>;

/// Whether Mimecast answers an authenticated call: a probe bounded by a timeout, with its
/// result (pass or fail) reused for a while. Concurrent checks share one probe.
pub struct MimecastCheck {
    probe: CheckFn,
    timeout: Duration,
    cache_for: Duration,
    last: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl std::fmt::Debug for MimecastCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MimecastCheck")
            .field("timeout", &self.timeout)
            .field("cache_for", &self.cache_for)
            .finish_non_exhaustive()
    }
}

impl MimecastCheck {
    /// A check running `probe`, with [`MIMECAST_TIMEOUT`] and [`MIMECAST_CACHE`].
    pub fn new(probe: impl Fn() -> CheckFuture + Send + Sync + 'static) -> Self {
        Self {
            probe: Arc::new(probe),
            timeout: MIMECAST_TIMEOUT,
            cache_for: MIMECAST_CACHE,
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// The ready-made check: reads one row of the API user's own held queue
    /// (`/api/gateway/get-hold-message-list`, page size 1), the cheapest authenticated call
    /// the bot makes; with API 2.0 credentials this also mints a token when needed.
    ///
    /// The probe uses its own client built from `client`'s configuration (same tenant and
    /// credentials, its own token cache) with one attempt, no rate-limit waiting and the
    /// check's timeout, so a slow or rate-limited Mimecast answers the probe at once instead
    /// of being retried. A 429 counts as reachable: Mimecast answered, and restarting the bot
    /// would not help. The API application needs "Account | Dashboard | Read".
    pub fn for_client(client: &MimecastClient) -> Result<Self, OpsError> {
        let mut config = client.config().clone();
        config.retry = RetryPolicy {
            max_attempts: 1,
            max_rate_limit_wait: Duration::ZERO,
            request_timeout: MIMECAST_TIMEOUT,
            ..config.retry
        };
        let probe_client = MimecastClient::new(config).map_err(OpsError::Client)?;
        Ok(Self::new(move || {
            let client = probe_client.clone();
            Box::pin(async move { probe_held_list(&client).await })
        }))
    }

    /// The same, failing a probe that takes longer than `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same, reusing a probe's result for `cache_for` (zero: probe on every check).
    pub fn with_cache(mut self, cache_for: Duration) -> Self {
        self.cache_for = cache_for;
        self
    }

    /// Passes when the last probe, at most the cache period old, passed; probes otherwise.
    pub async fn check(&self) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, result)) = last.as_ref()
            && at.elapsed() < self.cache_for
        {
            return result.clone();
        }
        let result = match tokio::time::timeout(self.timeout, (self.probe)()).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs_f64())),
        };
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// One row of the held queue, as [`MimecastCheck::for_client`]'s probe.
async fn probe_held_list(client: &MimecastClient) -> Result<(), String> {
    match client.page(&HeldQuery::default(), 1, None).await {
        Ok(_) | Err(MimecastError::RateLimited { .. }) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "health check: Mimecast probe failed");
            Err(reason(&e))
        }
    }
}

/// A one-line reason for `/healthz`, from the error's kind and status only.
pub fn reason(err: &MimecastError) -> String {
    match err {
        MimecastError::Transport { .. } => "cannot connect to Mimecast".to_owned(),
        MimecastError::Timeout { timeout, .. } => {
            format!("no answer within {} s", timeout.as_secs_f64())
        }
        MimecastError::Unauthorized { .. } => "credentials refused (HTTP 401)".to_owned(),
        MimecastError::Forbidden { permission, .. } => {
            format!("permission missing: {permission} (HTTP 403)")
        }
        MimecastError::BindingExpired { .. } => "API 1.0 keys expired (HTTP 418)".to_owned(),
        MimecastError::RateLimited { .. } => "rate limited (HTTP 429)".to_owned(),
        MimecastError::Http { status, .. } => format!("HTTP {status}"),
        MimecastError::Api { .. } | MimecastError::NotExecuted { .. } => {
            "Mimecast refused the probe".to_owned()
        }
        MimecastError::Partial { .. } | MimecastError::Decode { .. } => {
            "unreadable answer from Mimecast".to_owned()
        }
        MimecastError::InvalidRequest { .. } => "the probe could not be sent".to_owned(),
    }
}

/// The checks `/healthz` runs. Each part is optional; with none, `/healthz` always passes.
#[derive(Debug)]
pub struct HealthChecks {
    store: Option<Store>,
    store_timeout: Duration,
    mimecast: Option<MimecastCheck>,
    chat: Vec<Platform>,
}

impl Default for HealthChecks {
    fn default() -> Self {
        Self::new()
    }
}

impl HealthChecks {
    /// No checks yet.
    pub fn new() -> Self {
        Self {
            store: None,
            store_timeout: STORE_TIMEOUT,
            mimecast: None,
            chat: Vec::new(),
        }
    }

    /// Checks that the approvals database is writable, within [`STORE_TIMEOUT`].
    pub fn store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// The same, with another limit for the store check.
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// Checks Mimecast with `check`.
    pub fn mimecast(mut self, check: MimecastCheck) -> Self {
        self.mimecast = Some(check);
        self
    }

    /// Checks that the adapter of each of `platforms` (the enabled ones) is connected, and
    /// exports their `mimecast_bot_chat_connected` gauges (at 0 until they connect).
    pub fn chat(mut self, platforms: impl IntoIterator<Item = Platform>) -> Self {
        for platform in platforms {
            metrics().register_platform(platform);
            if !self.chat.contains(&platform) {
                self.chat.push(platform);
            }
        }
        self
    }

    /// Runs every check (concurrently) and reports each by name.
    pub async fn run(&self) -> HealthReport {
        let store = async {
            let store = self.store.as_ref()?;
            let result =
                match tokio::time::timeout(self.store_timeout, store.check_writable()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "health check: approvals store not writable");
                        Err("not writable".to_owned())
                    }
                    Err(_) => Err(format!(
                        "no write lock within {} s",
                        self.store_timeout.as_secs_f64()
                    )),
                };
            Some(result)
        };
        let mimecast = async {
            match &self.mimecast {
                Some(check) => Some(check.check().await),
                None => None,
            }
        };
        let (store, mimecast) = tokio::join!(store, mimecast);
        let mut checks = Vec::new();
        if let Some(result) = store {
            checks.push(("store", result));
        }
        if let Some(result) = mimecast {
            checks.push(("mimecast", result));
        }
        for platform in &self.chat {
            let result = if metrics().connected(*platform) {
                Ok(())
            } else {
                Err("not connected".to_owned())
            };
            checks.push((platform.as_str(), result));
        }
        HealthReport { checks }
    }
}

/// The outcome of [`HealthChecks::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// Each check by name (`store`, `mimecast`, `discord`, `slack`), with its reason if failing.
    pub checks: Vec<(&'static str, Result<(), String>)>,
}

impl HealthReport {
    /// True when every check passed.
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|(_, r)| r.is_ok())
    }

    /// The failing checks as one line: `mimecast: HTTP 500; slack: not connected`.
    pub fn reason(&self) -> Option<String> {
        let failing: Vec<String> = self
            .checks
            .iter()
            .filter_map(|(name, r)| r.as_ref().err().map(|why| format!("{name}: {why}")))
            .collect();
        (!failing.is_empty()).then(|| failing.join("; "))
    }

    /// The `/healthz` body.
    pub fn to_json(&self) -> Value {
        let checks: Map<String, Value> = self
            .checks
            .iter()
            .map(|(name, r)| {
                let value = match r {
                    Ok(()) => "ok".to_owned(),
                    Err(why) => one_line(why),
                };
                ((*name).to_owned(), Value::String(value))
            })
            .collect();
        match self.reason() {
            None => json!({"status": "ok", "checks": checks}),
            Some(reason) => {
                json!({"status": "fail", "checks": checks, "reason": one_line(&reason)})
            }
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The operations router: `GET /healthz` running `checks`, `GET /metrics` rendering the
/// process-wide registry.
pub fn router(checks: HealthChecks) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Arc::new(checks))
}

async fn healthz(State(checks): State<Arc<HealthChecks>>) -> Response {
    let report = checks.run().await;
    let status = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(report.to_json()),
    )
        .into_response()
}

async fn metrics_text() -> Response {
    (
        [
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metrics().render(),
    )
        .into_response()
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish. Bind the listener first (`TcpListener::bind(config address)`) so that a bad
/// address fails at start-up.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz and /metrics");
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counting(fail: bool) -> (MimecastCheck, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&calls);
        let check = MimecastCheck::new(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if fail {
                    Err("HTTP 500".to_owned())
                } else {
                    Ok(())
                }
            })
        });
        (check, calls)
    }

    #[tokio::test]
    async fn mimecast_probe_is_cached() {
        let (check, calls) = counting(false);
        for _ in 0..5 {
            assert_eq!(check.check().await, Ok(()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let (check, calls) = counting(true);
        let check = check.with_cache(Duration::ZERO);
        for _ in 0..3 {
            assert_eq!(check.check().await, Err("HTTP 500".to_owned()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn slow_probe_times_out() {
        let check = MimecastCheck::new(|| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(())
            })
        })
        .with_timeout(Duration::from_millis(50));
        let started = Instant::now();
        assert_eq!(
            check.check().await,
            Err("no answer within 0.05 s".to_owned())
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn report_names_failing_checks() {
        let store = Store::open_in_memory().expect("store");
        let (failing, _) = counting(true);
        let report = HealthChecks::new()
            .store(store.clone())
            .mimecast(failing)
            .run()
            .await;
        assert!(!report.healthy());
        assert_eq!(report.reason().as_deref(), Some("mimecast: HTTP 500"));
        let body = report.to_json();
        assert_eq!(body["status"], "fail");
        assert_eq!(body["checks"]["store"], "ok");
        assert_eq!(body["checks"]["mimecast"], "HTTP 500");

        let (passing, _) = counting(false);
        let report = HealthChecks::new()
            .store(store)
            .mimecast(passing)
            .run()
            .await;
        assert!(report.healthy());
        assert_eq!(
            report.to_json(),
            json!({"status": "ok", "checks": {"store": "ok", "mimecast": "ok"}})
        );
    }

    #[tokio::test]
    async fn chat_checks_follow_the_gauge() {
        // The console platform is never set by an adapter, so this test owns its gauge.
        let checks = HealthChecks::new().chat([Platform::Console]);
        metrics().set_connected(Platform::Console, false);
        let report = checks.run().await;
        assert_eq!(report.reason().as_deref(), Some("console: not connected"));
        metrics().set_connected(Platform::Console, true);
        assert!(checks.run().await.healthy());
    }

    #[test]
    fn reasons_carry_no_mimecast_text() {
        let err = MimecastError::Unauthorized {
            endpoint: "/oauth/token",
            code: "invalid_client".into(),
            message: "client secret abc123 is wrong".into(),
        };
        assert_eq!(reason(&err), "credentials refused (HTTP 401)");
        let err = MimecastError::Transport {
            endpoint: "/api/x",
            detail: "connection failed: https://tenant.example/?token=secret".into(),
            not_sent: true,
        };
        assert_eq!(reason(&err), "cannot connect to Mimecast");
    }
}
