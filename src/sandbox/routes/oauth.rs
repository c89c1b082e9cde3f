//! `POST /oauth/token`: the API 2.0 client-credentials grant.
//!
//! Form body `client_id`, `client_secret`, `grant_type=client_credentials` (the id and secret
//! may instead come as HTTP Basic). Success: `{"access_token","token_type":"Bearer",
//! "expires_in","scope":""}`. Failures use the token endpoint's own shape,
//! `{"fail":[{"code","message"}]}`: 400 `invalid_request` for a missing field or a non-form
//! body, 401 `invalid_client` for wrong credentials, 401 `unsupported_grant_type`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use super::{SlowBy, read_body, record_and_send};
use crate::sandbox::auth;
use crate::sandbox::envelope::{error_for_status, json_response, set_rate_headers};
use crate::sandbox::faults::FaultKind;
use crate::sandbox::recorder::RecordedRequest;
use crate::sandbox::state::SandboxState;

const PATH: &str = "/oauth/token";

fn oauth_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({ "fail": [{ "code": code, "message": message }] }),
    )
}

/// Decodes `application/x-www-form-urlencoded` text.
fn form_decode(text: &str) -> Vec<(String, String)> {
    fn unescape(part: &str) -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn issue(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.is_empty() && !content_type.contains("application/x-www-form-urlencoded") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The token request must be application/x-www-form-urlencoded",
        );
    }
    let form = form_decode(&String::from_utf8_lossy(body));
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let basic = basic_credentials(headers);
    let client_id = field("client_id").or_else(|| basic.as_ref().map(|b| b.0.clone()));
    let client_secret = field("client_secret").or_else(|| basic.as_ref().map(|b| b.1.clone()));
    let (Some(grant), Some(client_id), Some(client_secret)) =
        (field("grant_type"), client_id, client_secret)
    else {
        let missing: Vec<&str> = [
            ("grant_type", field("grant_type").is_none()),
            ("client_id", field("client_id").is_none() && basic.is_none()),
            (
                "client_secret",
                field("client_secret").is_none() && basic.is_none(),
            ),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Missing required parameter(s): {}", missing.join(", ")),
        );
    };
    if grant != "client_credentials" {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let creds = &state.config().credentials;
    if client_id != creds.client_id || client_secret != creds.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: unknown client_id or wrong client_secret",
        );
    }
    let token = state.issue_token();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.config().token_ttl.as_secs(),
            "scope": "",
        }),
    )
}

async fn answer(
    state: &SandboxState,
    method: &Method,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if method != Method::POST {
        let mut response = oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "Use POST for /oauth/token",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let fault = state.fault_queue().take(PATH, |kind| {
        matches!(
            kind,
            FaultKind::RateLimit { .. }
                | FaultKind::Status { .. }
                | FaultKind::Slow { .. }
                | FaultKind::MalformedJson
        )
    });
    match fault {
        Some(FaultKind::RateLimit { reset_ms }) => {
            let error = error_for_status(429);
            let mut response =
                oauth_error(StatusCode::TOO_MANY_REQUESTS, &error.code, &error.message);
            set_rate_headers(response.headers_mut(), 0, reset_ms);
            response
        }
        Some(FaultKind::Status { code }) => {
            let error = error_for_status(code);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            oauth_error(status, &error.code, &error.message)
        }
        Some(FaultKind::Slow { delay_ms }) => {
            let mut response = issue(state, headers, body);
            response
                .extensions_mut()
                .insert(SlowBy(Duration::from_millis(delay_ms)));
            response
        }
        Some(FaultKind::MalformedJson) => {
            let response = issue(state, headers, body);
            let status = response.status();
            let bytes = read_body(response.into_body()).await.unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            (status, [(header::CONTENT_TYPE, "application/json")], cut).into_response()
        }
        _ => issue(state, headers, body),
    }
}

/// The `/oauth/token` handler (recorded like API calls; its form body is recorded as `null`).
pub(crate) async fn token(State(state): State<SandboxState>, request: Request) -> Response {
    let at = Utc::now();
    let (parts, body) = request.into_parts();
    let bytes = read_body(body).await.unwrap_or_default();
    // Finish and record even if the client hangs up (see the API pipeline).
    tokio::spawn(async move {
        let response = answer(&state, &parts.method, &parts.headers, &bytes).await;
        let record = RecordedRequest {
            method: parts.method.to_string(),
            path: PATH.to_owned(),
            auth: auth::kind_of(&parts.headers),
            body: Value::Null,
            status: 0,
            at,
        };
        record_and_send(&state, response, record).await
    })
    .await
    .unwrap_or_else(|_| {
        oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The token endpoint failed",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        assert_eq!(
            form_decode("a=1&b=x+y%21&c=&d"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), String::new()),
                ("d".into(), String::new())
            ]
        );
        assert_eq!(form_decode("a=%"), vec![("a".into(), "%".into())]);
        assert_eq!(form_decode("a=%zz"), vec![("a".into(), "%zz".into())]);
        assert_eq!(form_decode("a=%4"), vec![("a".into(), "%4".into())]);
    }
}
