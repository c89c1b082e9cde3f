//! Authentication: API 2.0 Bearer tokens (cached, renewed before expiry) and API 1.0 signatures.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::config::Credentials;
use super::envelope::error_summary;
use super::error::MimecastError;
use super::signature;
use super::transport::transport_error;
use crate::secret::Secret;

/// Path of the OAuth2 token endpoint.
pub const TOKEN_PATH: &str = "/oauth/token";

/// A token is renewed this long before it expires (or at 90 % of its life if that is shorter).
pub const RENEW_MARGIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct CachedToken {
    value: Secret,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Signs requests for one set of credentials.
pub struct Authenticator {
    credentials: Credentials,
    token: Mutex<Option<CachedToken>>,
}

/// The headers of one request plus, for API 2.0, the token used (to invalidate it on 401).
pub struct SignedHeaders {
    /// Headers to add to the request.
    pub headers: HeaderMap,
    /// The Bearer token sent, if any.
    pub bearer: Option<Secret>,
}

impl Authenticator {
    /// An authenticator with an empty token cache.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            token: Mutex::new(None),
        }
    }

    /// True for API 2.0 credentials, where a 401 is worth one token renewal.
    pub fn renews_tokens(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth2 { .. })
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Authentication headers for a request to `path` carrying `request_id`.
    pub async fn headers(
        &self,
        http: &reqwest::Client,
        base: &reqwest::Url,
        timeout: Duration,
        path: &str,
        request_id: &str,
    ) -> Result<SignedHeaders, MimecastError> {
        let mut headers = HeaderMap::new();
        match &self.credentials {
            Credentials::OAuth2 { .. } => {
                let token = self.bearer(http, base, timeout).await?;
                headers.insert(
                    AUTHORIZATION,
                    header_value(&format!("Bearer {}", token.expose()))?,
                );
                Ok(SignedHeaders {
                    headers,
                    bearer: Some(token),
                })
            }
            Credentials::Hmac {
                app_id,
                app_key,
                access_key,
                secret_key,
            } => {
                let date = signature::header_date(chrono::Utc::now());
                let sig = signature::sign(
                    secret_key.expose(),
                    &date,
                    request_id,
                    path,
                    app_key.expose(),
                )
                .map_err(|e| MimecastError::InvalidRequest {
                    endpoint: "signature",
                    detail: e.to_string(),
                })?;
                headers.insert(
                    AUTHORIZATION,
                    header_value(&signature::authorization_header(access_key, &sig))?,
                );
                headers.insert("x-mc-app-id", header_value(app_id)?);
                headers.insert("x-mc-date", header_value(&date)?);
                Ok(SignedHeaders {
                    headers,
                    bearer: None,
                })
            }
        }
    }

    /// Forgets `used` if it is still the cached token, so the next call mints a new one.
    /// Comparing first means that many requests failing with one stale token renew it once.
    pub async fn invalidate(&self, used: &Secret) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| &t.value == used) {
            *cached = None;
        }
    }

    /// A valid Bearer token, minted if the cache is empty or due for renewal. The lock is held
    /// while minting so that concurrent callers wait for one renewal instead of each making one.
    async fn bearer(
        &self,
        http: &reqwest::Client,
        base: &reqwest::Url,
        timeout: Duration,
    ) -> Result<Secret, MimecastError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let fresh = self.mint(http, base, timeout).await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    async fn mint(
        &self,
        http: &reqwest::Client,
        base: &reqwest::Url,
        timeout: Duration,
    ) -> Result<CachedToken, MimecastError> {
        let Credentials::OAuth2 {
            client_id,
            client_secret,
        } = &self.credentials
        else {
            return Err(MimecastError::InvalidRequest {
                endpoint: TOKEN_PATH,
                detail: "API 1.0 credentials do not use tokens".to_owned(),
            });
        };
        let url = base
            .join(TOKEN_PATH)
            .map_err(|e| MimecastError::InvalidRequest {
                endpoint: TOKEN_PATH,
                detail: e.to_string(),
            })?;
        let form = [
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.expose()),
            ("grant_type", "client_credentials"),
        ];
        let sent = Instant::now();
        let response = http
            .post(url)
            .form(&form)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| {
                crate::ops::metrics().mimecast_call(
                    TOKEN_PATH,
                    crate::ops::CallStatus::Error,
                    sent.elapsed(),
                );
                transport_error(TOKEN_PATH, timeout, &e)
            })?;
        let status = response.status();
        crate::ops::metrics().mimecast_call(
            TOKEN_PATH,
            crate::ops::CallStatus::Http(status.as_u16()),
            sent.elapsed(),
        );
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(TOKEN_PATH, timeout, &e))?;
        if !status.is_success() {
            let (code, message) = error_summary(&body);
            return Err(match status.as_u16() {
                400 | 401 => MimecastError::Unauthorized {
                    endpoint: TOKEN_PATH,
                    code,
                    message,
                },
                other => MimecastError::Http {
                    endpoint: TOKEN_PATH,
                    status: other,
                    code,
                    message,
                },
            });
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| MimecastError::Decode {
                endpoint: TOKEN_PATH,
                detail: e.to_string(),
            })?;
        if answer.access_token.is_empty() {
            return Err(MimecastError::Decode {
                endpoint: TOKEN_PATH,
                detail: "empty access_token".to_owned(),
            });
        }
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(1799));
        let margin = RENEW_MARGIN.min(lifetime / 10);
        Ok(CachedToken {
            value: Secret::new(answer.access_token),
            renew_at: sent + lifetime.saturating_sub(margin),
        })
    }
}

fn header_value(text: &str) -> Result<HeaderValue, MimecastError> {
    let mut value = HeaderValue::from_str(text).map_err(|_| MimecastError::InvalidRequest {
        endpoint: "headers",
        detail: "a credential contains characters that cannot be sent in an HTTP header".to_owned(),
    })?;
    // Keeps the value out of hyper's and reqwest's debug output.
    value.set_sensitive(true);
    Ok(value)
}
