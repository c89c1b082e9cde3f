//! The one place that sends requests: authentication, retries, rate limits, status mapping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::Authenticator;
use super::config::ClientConfig;
use super::endpoints::Endpoint;
use super::envelope::{RequestEnvelope, ResponseEnvelope, error_summary};
use super::error::MimecastError;
use super::retry::{CallKind, backoff, rate_limit_wait};
use crate::ops::metrics::{CallStatus, metrics};

/// Largest answer body the client reads; a bigger one is refused rather than buffered.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A Mimecast API client. Cheap to clone; clones share the connection pool and token cache.
#[derive(Clone)]
pub struct MimecastClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    auth: Authenticator,
}

/// What the client knows about one completed call.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    /// The parsed body.
    pub envelope: ResponseEnvelope<T>,
    /// The `x-mc-req-id` sent with the attempt that succeeded, for the audit log.
    pub request_id: String,
}

impl MimecastClient {
    /// A client for `config`. Certificate verification is always on (rustls with the bundled
    /// web PKI roots); there is no option to turn it off.
    pub fn new(config: ClientConfig) -> Result<Self, MimecastError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("mimecast-bot/", env!("CARGO_PKG_VERSION")))
            .https_only(config.base_url.scheme() == "https")
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| MimecastError::InvalidRequest {
                endpoint: "client",
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                auth: Authenticator::new(config.credentials.clone()),
                http,
                config,
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Sends `data` items to `endpoint` with optional paging, and returns the parsed answer.
    ///
    /// Retries: a 429 is waited out (for `X-RateLimit-Reset`, up to the policy's cap) for any
    /// call, since Mimecast did not run the function; a 401 with API 2.0 renews the token once;
    /// reads are also retried after 5xx, timeouts and transport errors with jittered
    /// exponential back-off. A write is never repeated after an answer that might mean it ran.
    pub async fn call<Req, Resp>(
        &self,
        endpoint: &Endpoint,
        meta: Option<super::envelope::RequestMeta>,
        data: Vec<Req>,
    ) -> Result<Answer<Resp>, MimecastError>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let inner = &*self.inner;
        let policy = &inner.config.retry;
        let body = serde_json::to_vec(&RequestEnvelope { meta, data }).map_err(|e| {
            MimecastError::InvalidRequest {
                endpoint: endpoint.path,
                detail: e.to_string(),
            }
        })?;
        let url = inner.config.base_url.join(endpoint.path).map_err(|e| {
            MimecastError::InvalidRequest {
                endpoint: endpoint.path,
                detail: e.to_string(),
            }
        })?;

        let mut attempt: u32 = 0;
        let mut renewed_token = false;
        loop {
            attempt += 1;
            let last_try = attempt >= policy.max_attempts;
            let request_id = uuid::Uuid::new_v4().to_string();
            let signed = inner
                .auth
                .headers(
                    &inner.http,
                    &inner.config.base_url,
                    policy.request_timeout,
                    endpoint.path,
                    &request_id,
                )
                .await;
            let signed = match signed {
                Ok(signed) => signed,
                Err(err) if !last_try && retry_before_sending(&err) => {
                    pause(endpoint, attempt, backoff(policy, attempt), &err).await;
                    continue;
                }
                Err(err) => return Err(err),
            };

            let started = Instant::now();
            let sent = inner
                .http
                .post(url.clone())
                .headers(signed.headers)
                .header("x-mc-req-id", &request_id)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .timeout(policy.request_timeout)
                .body(body.clone())
                .send()
                .await;
            let answered = sent
                .as_ref()
                .map_or(CallStatus::Error, |r| CallStatus::Http(r.status().as_u16()));
            metrics().mimecast_call(endpoint.path, answered, started.elapsed());

            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    let err = transport_error(endpoint.path, policy.request_timeout, &e);
                    let never_sent = matches!(err, MimecastError::Transport { not_sent: true, .. });
                    if !last_try && (endpoint.kind == CallKind::Read || never_sent) {
                        pause(endpoint, attempt, backoff(policy, attempt), &err).await;
                        continue;
                    }
                    return Err(err);
                }
            };

            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = rate_limit_wait(response.headers());
                if wait > policy.max_rate_limit_wait || last_try {
                    return Err(MimecastError::RateLimited {
                        endpoint: endpoint.path,
                        wait,
                    });
                }
                tracing::warn!(
                    endpoint = endpoint.path,
                    wait_ms = wait.as_millis() as u64,
                    "Mimecast rate limit: waiting"
                );
                metrics().rate_limit_wait(wait);
                tokio::time::sleep(wait).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && inner.auth.renews_tokens() && !renewed_token {
                if let Some(used) = &signed.bearer {
                    inner.auth.invalidate(used).await;
                }
                renewed_token = true;
                attempt -= 1; // the renewal is not one of the policy's attempts
                tracing::info!(
                    endpoint = endpoint.path,
                    "Mimecast answered 401: renewing the token once"
                );
                continue;
            }

            let body = match read_body(response, endpoint.path, policy.request_timeout).await {
                Ok(body) => body,
                Err(err) => {
                    if !last_try && endpoint.kind == CallKind::Read {
                        pause(endpoint, attempt, backoff(policy, attempt), &err).await;
                        continue;
                    }
                    return Err(err);
                }
            };

            if status.is_server_error() && endpoint.kind == CallKind::Read && !last_try {
                let (code, message) = error_summary(&body);
                let err = MimecastError::Http {
                    endpoint: endpoint.path,
                    status: status.as_u16(),
                    code,
                    message,
                };
                pause(endpoint, attempt, backoff(policy, attempt), &err).await;
                continue;
            }
            if !status.is_success() {
                let (code, message) = error_summary(&body);
                return Err(status_error(endpoint, status.as_u16(), code, message));
            }

            let envelope: ResponseEnvelope<Resp> =
                serde_json::from_slice(&body).map_err(|e| MimecastError::Decode {
                    endpoint: endpoint.path,
                    detail: e.to_string(),
                })?;
            if let Some(meta_status) = envelope.meta.status.filter(|s| !(200..300).contains(s)) {
                let (code, message) = envelope
                    .failures()
                    .into_iter()
                    .find_map(|f| f.errors.into_iter().next())
                    .map(|e| (e.code, e.message))
                    .unwrap_or_default();
                return Err(status_error(endpoint, meta_status, code, message));
            }
            let retryable_failure = !envelope.fail.is_empty()
                && envelope.data.is_empty()
                && envelope.failures().iter().all(|f| f.retryable());
            if retryable_failure && endpoint.kind == CallKind::Read && !last_try {
                let err = MimecastError::Api {
                    endpoint: endpoint.path,
                    failures: envelope.failures(),
                };
                pause(endpoint, attempt, backoff(policy, attempt), &err).await;
                continue;
            }
            return Ok(Answer {
                envelope,
                request_id,
            });
        }
    }
}

/// Errors from minting a token that happened before the API call was sent: safe to retry
/// for reads and writes alike.
fn retry_before_sending(err: &MimecastError) -> bool {
    match err {
        MimecastError::Transport { .. } | MimecastError::Timeout { .. } => true,
        MimecastError::Http { status, .. } => *status >= 500,
        _ => false,
    }
}

async fn pause(endpoint: &Endpoint, attempt: u32, wait: Duration, err: &MimecastError) {
    tracing::warn!(
        endpoint = endpoint.path,
        attempt,
        wait_ms = wait.as_millis() as u64,
        error = %err,
        "Mimecast call failed: retrying"
    );
    tokio::time::sleep(wait).await;
}

/// Maps a non-success status (HTTP or `meta.status`) to an error a responder can act on.
pub fn status_error(
    endpoint: &Endpoint,
    status: u16,
    code: String,
    message: String,
) -> MimecastError {
    let endpoint_path = endpoint.path;
    match status {
        401 => MimecastError::Unauthorized {
            endpoint: endpoint_path,
            code,
            message,
        },
        403 => MimecastError::Forbidden {
            endpoint: endpoint_path,
            permission: endpoint.permission,
            code,
            message,
        },
        418 => MimecastError::BindingExpired {
            endpoint: endpoint_path,
        },
        429 => MimecastError::RateLimited {
            endpoint: endpoint_path,
            wait: super::retry::DEFAULT_RATE_LIMIT_WAIT,
        },
        _ if code == "err_xdk_binding_expired" => MimecastError::BindingExpired {
            endpoint: endpoint_path,
        },
        other => MimecastError::Http {
            endpoint: endpoint_path,
            status: other,
            code,
            message,
        },
    }
}

/// Classifies a reqwest error without echoing the URL (which names the tenant's host only,
/// but keeps errors short) or any header.
pub fn transport_error(
    endpoint: &'static str,
    timeout: Duration,
    err: &reqwest::Error,
) -> MimecastError {
    if err.is_timeout() {
        return MimecastError::Timeout { endpoint, timeout };
    }
    let not_sent = err.is_connect();
    let mut detail = err.without_url_ref().to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        source = inner.source();
    }
    MimecastError::Transport {
        endpoint,
        detail,
        not_sent,
    }
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let kind = if self.is_connect() {
            "connection failed"
        } else if self.is_request() {
            "request failed"
        } else if self.is_body() {
            "body error"
        } else if self.is_decode() {
            "decode error"
        } else if self.is_redirect() {
            "redirect refused"
        } else {
            "HTTP error"
        };
        kind.to_owned()
    }
}

async fn read_body(
    mut response: reqwest::Response,
    endpoint: &'static str,
    timeout: Duration,
) -> Result<Vec<u8>, MimecastError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large(endpoint));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, timeout, &e))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large(endpoint));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(endpoint: &'static str) -> MimecastError {
    MimecastError::Decode {
        endpoint,
        detail: format!("answer larger than {MAX_BODY_BYTES} bytes"),
    }
}
