//! Authentication as Mimecast checks it, before anything else on `/api/**`.
//!
//! * API 2.0: `Authorization: Bearer <token>` where the token came from `/oauth/token` and has
//!   not expired (expiry uses the real clock).
//! * API 1.0: `Authorization: MC <accessKey>:<signature>` plus `x-mc-app-id`, `x-mc-date`
//!   (`Tue, 24 Nov 2015 12:50:11 UTC`, within 15 minutes of the real clock) and `x-mc-req-id`;
//!   the signature is checked with [`crate::mimecast::signature::verify`] over
//!   `date:req-id:path:app-key`.
//!
//! Every failure is a 401 with the Mimecast fail shape and a code naming the problem.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{NaiveDateTime, Utc};
use dashmap::DashMap;

use super::config::SandboxCredentials;
use super::envelope::{ApiError, error_response};
use super::recorder::AuthKind;
use crate::mimecast::signature;

/// Largest accepted distance between `x-mc-date` and the server clock.
pub(crate) const MAX_DATE_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
const PRUNE_ABOVE: usize = 10_000;

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    #[error(
        "0001 Authorization header is missing; send Bearer (API 2.0) or MC (API 1.0) credentials"
    )]
    Missing,
    #[error("0001 Authorization type not supported; use Bearer or MC")]
    UnsupportedScheme,
    #[error("Unknown access token; request one from /oauth/token")]
    UnknownToken,
    #[error("Access token has expired; request a new one from /oauth/token")]
    ExpiredToken,
    #[error("Authorization must be `MC accessKey:signature`")]
    MalformedMc,
    #[error("0001 Missing required header(s): {0}")]
    MissingHeaders(String),
    #[error("Unknown application id in x-mc-app-id: connection headers not configured")]
    UnknownApp,
    #[error("Unknown access key: no such binding")]
    UnknownAccessKey,
    #[error("x-mc-date `{0}` is not in the form `Tue, 24 Nov 2015 12:50:11 UTC`")]
    BadDate(String),
    #[error("x-mc-date is more than 15 minutes away from the server clock")]
    DateSkew,
    #[error("0004 Invalid Signature")]
    BadSignature,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "err_xdk_authorization_missing",
            AuthError::UnsupportedScheme => "err_xdk_auth_type_not_supported",
            AuthError::UnknownToken => "err_xdk_invalid_token",
            AuthError::ExpiredToken => "err_xdk_token_expired",
            AuthError::MalformedMc => "err_xdk_malformed_authorization",
            AuthError::MissingHeaders(_) => "err_xdk_missing_headers",
            AuthError::UnknownApp => "err_developer_key",
            AuthError::UnknownAccessKey => "err_xdk_unknown_access_key",
            AuthError::BadDate(_) => "err_xdk_invalid_date",
            AuthError::DateSkew => "err_xdk_date_out_of_range",
            AuthError::BadSignature => "err_xdk_invalid_signature",
        }
    }

    /// The 401 answer.
    pub fn into_response(self) -> Response {
        error_response(
            StatusCode::UNAUTHORIZED,
            ApiError::new(self.code(), self.to_string()),
        )
    }
}

/// Issued bearer tokens and their expiry.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: DashMap<String, Instant>,
}

impl TokenStore {
    /// A new random token valid for `ttl`.
    pub fn issue(&self, ttl: Duration) -> String {
        let now = Instant::now();
        if self.tokens.len() > PRUNE_ABOVE {
            let horizon = Duration::from_secs(3600);
            self.tokens
                .retain(|_, expiry| now.saturating_duration_since(*expiry) < horizon);
        }
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let expiry = now
            .checked_add(ttl)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.tokens.insert(token.clone(), expiry);
        token
    }

    pub fn check(&self, token: &str) -> Result<(), AuthError> {
        match self.tokens.get(token) {
            None => Err(AuthError::UnknownToken),
            Some(expiry) if Instant::now() >= *expiry => Err(AuthError::ExpiredToken),
            Some(_) => Ok(()),
        }
    }

    /// Makes every issued token expired (they then answer "expired", not "unknown").
    pub fn expire_all(&self) {
        let now = Instant::now();
        self.tokens
            .iter_mut()
            .for_each(|mut e| *e.value_mut() = now);
    }
}

/// The scheme a request presents, whatever its validity.
pub(crate) fn kind_of(headers: &HeaderMap) -> AuthKind {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let scheme = value.split(' ').next().unwrap_or("");
    if scheme.eq_ignore_ascii_case("bearer") {
        AuthKind::Bearer
    } else if scheme.eq_ignore_ascii_case("mc") {
        AuthKind::Hmac
    } else {
        AuthKind::None
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Parses an `x-mc-date` (`Tue, 24 Nov 2015 12:50:11 UTC`; `GMT` is accepted too).
pub(crate) fn parse_header_date(text: &str) -> Option<chrono::DateTime<Utc>> {
    ["%a, %d %b %Y %H:%M:%S UTC", "%a, %d %b %Y %H:%M:%S GMT"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text.trim(), f).ok())
        .map(|naive| naive.and_utc())
}

/// Checks a request's credentials for `path`.
pub(crate) fn authenticate(
    credentials: &SandboxCredentials,
    tokens: &TokenStore,
    headers: &HeaderMap,
    path: &str,
) -> Result<AuthKind, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(AuthError::Missing);
    };
    let value = value
        .to_str()
        .map_err(|_| AuthError::UnsupportedScheme)?
        .trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        tokens.check(rest.trim())?;
        return Ok(AuthKind::Bearer);
    }
    if !scheme.eq_ignore_ascii_case("mc") {
        return Err(AuthError::UnsupportedScheme);
    }
    let (access_key, presented) = rest
        .trim()
        .split_once(':')
        .filter(|(a, s)| !a.is_empty() && !s.is_empty())
        .ok_or(AuthError::MalformedMc)?;
    let app_id = header_text(headers, "x-mc-app-id");
    let date = header_text(headers, "x-mc-date");
    let req_id = header_text(headers, "x-mc-req-id");
    let (Some(app_id), Some(date), Some(req_id)) = (app_id, date, req_id) else {
        let missing: Vec<&str> = [
            ("x-mc-app-id", app_id),
            ("x-mc-date", date),
            ("x-mc-req-id", req_id),
        ]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
        return Err(AuthError::MissingHeaders(missing.join(", ")));
    };
    if app_id != credentials.app_id {
        return Err(AuthError::UnknownApp);
    }
    if access_key != credentials.access_key {
        return Err(AuthError::UnknownAccessKey);
    }
    let at = parse_header_date(date).ok_or_else(|| AuthError::BadDate(date.to_owned()))?;
    if (Utc::now() - at).abs() > MAX_DATE_SKEW {
        return Err(AuthError::DateSkew);
    }
    if !signature::verify(
        &credentials.secret_key,
        date,
        req_id,
        path,
        &credentials.app_key,
        presented,
    ) {
        return Err(AuthError::BadSignature);
    }
    Ok(AuthKind::Hmac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn hmac_headers(creds: &SandboxCredentials, path: &str, date: &str) -> HeaderMap {
        let req_id = "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297";
        let sig = signature::sign(&creds.secret_key, date, req_id, path, &creds.app_key)
            .expect("valid secret");
        let mut h = HeaderMap::new();
        let auth = signature::authorization_header(&creds.access_key, &sig);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&auth).expect("ascii"),
        );
        h.insert(
            "x-mc-app-id",
            HeaderValue::from_str(&creds.app_id).expect("ascii"),
        );
        h.insert("x-mc-date", HeaderValue::from_str(date).expect("ascii"));
        h.insert("x-mc-req-id", HeaderValue::from_static(req_id));
        h
    }

    #[test]
    fn hmac_checks_each_part() {
        let creds = SandboxCredentials::default();
        let tokens = TokenStore::default();
        let path = "/api/gateway/hold-release";
        let now = signature::header_date(Utc::now());
        let good = hmac_headers(&creds, path, &now);
        assert_eq!(
            authenticate(&creds, &tokens, &good, path),
            Ok(AuthKind::Hmac)
        );
        assert_eq!(
            authenticate(&creds, &tokens, &good, "/api/gateway/hold-reject"),
            Err(AuthError::BadSignature),
            "the path is signed"
        );
        let mut h = good.clone();
        h.remove("x-mc-req-id");
        h.remove("x-mc-date");
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::MissingHeaders("x-mc-date, x-mc-req-id".into()))
        );
        let mut h = good.clone();
        h.insert("x-mc-app-id", HeaderValue::from_static("other"));
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::UnknownApp)
        );
        let old = signature::header_date(Utc::now() - chrono::TimeDelta::minutes(16));
        let h = hmac_headers(&creds, path, &old);
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::DateSkew)
        );
        let h = hmac_headers(&creds, path, "yesterday");
        assert!(matches!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::BadDate(_))
        ));
        let mut h = good.clone();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("MC nocolon"),
        );
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::MalformedMc)
        );
        let mut h = good;
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("MC someone-else:c2ln"),
        );
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::UnknownAccessKey)
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert_eq!(
            authenticate(&creds, &tokens, &h, path),
            Err(AuthError::UnsupportedScheme)
        );
        assert_eq!(
            authenticate(&creds, &tokens, &HeaderMap::new(), path),
            Err(AuthError::Missing)
        );
    }

    #[test]
    fn tokens_expire() {
        let tokens = TokenStore::default();
        let t = tokens.issue(Duration::from_secs(60));
        assert_eq!(t.len(), 64);
        assert_eq!(tokens.check(&t), Ok(()));
        assert_eq!(tokens.check("nope"), Err(AuthError::UnknownToken));
        tokens.expire_all();
        assert_eq!(tokens.check(&t), Err(AuthError::ExpiredToken));
        let short = tokens.issue(Duration::ZERO);
        assert_eq!(tokens.check(&short), Err(AuthError::ExpiredToken));
    }

    #[test]
    fn header_dates() {
        assert!(parse_header_date("Tue, 24 Nov 2015 12:50:11 UTC").is_some());
        assert!(parse_header_date("Tue, 24 Nov 2015 12:50:11 GMT").is_some());
        assert!(parse_header_date("2015-11-24T12:50:11Z").is_none());
    }
}
