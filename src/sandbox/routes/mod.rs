//! The HTTP surface: the `/api/**` pipeline (auth → route → body → faults → handler → record)
//! and one module per API area.

mod archive;
mod archive_query;
mod fields;
mod gateway;
mod oauth;
mod tracking;
mod ttp;

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::admin;
use super::auth;
use super::envelope::{
    ApiError, Envelope, FailEntry, add_rate_headers, error_for_status, error_response,
    set_rate_headers,
};
use super::faults::FaultKind;
use super::paging::{PageToken, filter_mismatch};
use super::recorder::RecordedRequest;
use super::state::SandboxState;

/// Largest accepted request body.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The API endpoints the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    HoldList,
    HoldRelease,
    HoldReject,
    TrackingSearch,
    UrlLogs,
    AttachmentLogs,
    ImpersonationLogs,
    ArchiveSearch,
    DecodeUrl,
}

impl Endpoint {
    pub const ALL: [Endpoint; 9] = [
        Endpoint::HoldList,
        Endpoint::HoldRelease,
        Endpoint::HoldReject,
        Endpoint::TrackingSearch,
        Endpoint::UrlLogs,
        Endpoint::AttachmentLogs,
        Endpoint::ImpersonationLogs,
        Endpoint::ArchiveSearch,
        Endpoint::DecodeUrl,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::HoldList => "/api/gateway/get-hold-message-list",
            Endpoint::HoldRelease => "/api/gateway/hold-release",
            Endpoint::HoldReject => "/api/gateway/hold-reject",
            Endpoint::TrackingSearch => "/api/message-finder/search",
            Endpoint::UrlLogs => "/api/ttp/url/get-logs",
            Endpoint::AttachmentLogs => "/api/ttp/attachment/get-logs",
            Endpoint::ImpersonationLogs => "/api/ttp/impersonation/get-logs",
            Endpoint::ArchiveSearch => "/api/archive/search",
            Endpoint::DecodeUrl => "/api/ttp/url/decode-url",
        }
    }

    fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.path() == path)
    }
}

/// A parsed `/api/**` request body.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiRequest {
    /// The `data` items.
    pub items: Vec<Value>,
    /// `meta.pagination.pageSize`.
    pub page_size: Option<Value>,
    /// `meta.pagination.pageToken`.
    pub page_token: Option<String>,
}

impl ApiRequest {
    /// Parses a body; the error is the message of a 400 answer.
    fn parse(bytes: &[u8], json: Option<&Value>) -> Result<Self, &'static str> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let Some(body) = json else {
            return Err("The request body is not valid JSON");
        };
        if !body.is_object() {
            return Err("The request body must be a JSON object");
        }
        let items = match body.get("data") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err("`data` must be an array"),
        };
        let pagination = body.get("meta").and_then(|m| m.get("pagination"));
        let page_size = pagination.and_then(|p| p.get("pageSize")).cloned();
        let page_token = match pagination.and_then(|p| p.get("pageToken")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        Ok(Self {
            items,
            page_size,
            page_token,
        })
    }

    /// The first data item, if any.
    pub fn first(&self) -> Option<&Value> {
        self.items.first()
    }
}

/// Where a list query starts: its filters, scan offset and how many rows came before.
pub(crate) struct Resume<F> {
    pub filter: F,
    pub offset: usize,
    pub ordinal: usize,
}

/// Works out the filters and start of a paged query from `data[0]` and `pageToken`.
///
/// Without a token the filters come from `data[0]` (or defaults). With a token they come from
/// the token; if `data[0]` is also sent, its filters must equal the token's.
pub(crate) fn resume<F>(
    state: &SandboxState,
    endpoint: Endpoint,
    request: &ApiRequest,
    parse: impl Fn(&Value) -> Result<F, ApiError>,
) -> Result<Resume<F>, Envelope>
where
    F: Serialize + DeserializeOwned + PartialEq,
{
    let key = request.first().cloned();
    let fail = |error: ApiError| Envelope::failed(key.clone(), error);
    let empty = json!({});
    let item = request.first().unwrap_or(&empty);
    if !item.is_object() {
        return Err(fail(ApiError::invalid(
            "data",
            "data items must be JSON objects",
        )));
    }
    let Some(text) = &request.page_token else {
        let filter = parse(item).map_err(fail)?;
        return Ok(Resume {
            filter,
            offset: 0,
            ordinal: 0,
        });
    };
    let token = state.pager().decode(text, endpoint.path()).map_err(fail)?;
    let filter: F = serde_json::from_value(token.filter).map_err(|_| fail(filter_mismatch()))?;
    if request.first().is_some() && parse(item).map_err(fail)? != filter {
        return Err(fail(filter_mismatch()));
    }
    Ok(Resume {
        filter,
        offset: token.offset,
        ordinal: token.ordinal,
    })
}

/// The `next` token for a page that stopped at `next_offset`.
pub(crate) fn next_token<F: Serialize>(
    state: &SandboxState,
    endpoint: Endpoint,
    filter: &F,
    next_offset: usize,
    ordinal: usize,
) -> String {
    state.pager().encode(&PageToken {
        endpoint: endpoint.path().to_owned(),
        offset: next_offset,
        ordinal,
        filter: serde_json::to_value(filter).unwrap_or(Value::Null),
    })
}

/// The cache key of a count over immutable data.
pub(crate) fn count_key<F: Serialize>(endpoint: Endpoint, filter: &F) -> String {
    format!(
        "{}|{}",
        endpoint.path(),
        serde_json::to_string(filter).unwrap_or_default()
    )
}

/// Serializes rows (they are plain structs, so this cannot fail in practice).
pub(crate) fn to_json<T: Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

fn handle(endpoint: Endpoint, state: &SandboxState, request: &ApiRequest) -> Envelope {
    match endpoint {
        Endpoint::HoldList => gateway::hold_list(state, request),
        Endpoint::HoldRelease => gateway::hold_release(state, request),
        Endpoint::HoldReject => gateway::hold_reject(state, request),
        Endpoint::TrackingSearch => tracking::search(state, request),
        Endpoint::UrlLogs => ttp::url_logs(state, request),
        Endpoint::AttachmentLogs => ttp::attachment_logs(state, request),
        Endpoint::ImpersonationLogs => ttp::impersonation_logs(state, request),
        Endpoint::ArchiveSearch => archive::search(state, request),
        Endpoint::DecodeUrl => ttp::decode_url(state, request),
    }
}

/// Builds the router over a state.
pub(crate) fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/oauth/token", any(oauth::token))
        .route("/api/{*rest}", any(api_entry))
        .merge(admin::routes())
        .fallback(not_found)
        .with_state(state)
}

async fn not_found(State(state): State<SandboxState>) -> Response {
    let mut response = error_response(StatusCode::NOT_FOUND, error_for_status(404));
    add_rate_headers(&mut response, state.rate());
    response
}

/// Reads the whole body; `None` when it is over [`MAX_BODY`] or unreadable.
pub(crate) async fn read_body(body: Body) -> Option<Bytes> {
    to_bytes(body, MAX_BODY).await.ok()
}

async fn api_entry(State(state): State<SandboxState>, request: Request) -> Response {
    let at = Utc::now();
    let (parts, body) = request.into_parts();
    let bytes = read_body(body).await;
    // Like a real server, finish (and record) the work even if the client hangs up meanwhile:
    // a client that timed out on a slow `hold-release` must not assume nothing happened.
    tokio::spawn(answer_api(state, parts, bytes, at))
        .await
        .unwrap_or_else(|_| {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, error_for_status(500))
        })
}

async fn answer_api(
    state: SandboxState,
    parts: axum::http::request::Parts,
    bytes: Option<Bytes>,
    at: chrono::DateTime<Utc>,
) -> Response {
    let path = parts.uri.path().to_owned();
    let json: Option<Value> = bytes.as_ref().and_then(|b| serde_json::from_slice(b).ok());
    let response = match &bytes {
        Some(bytes) => {
            pipeline(
                &state,
                &parts.method,
                &path,
                &parts.headers,
                bytes,
                json.as_ref(),
            )
            .await
        }
        None => error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new("err_request_too_large", "The request body is too large"),
        ),
    };
    let record = RecordedRequest {
        method: parts.method.to_string(),
        path,
        auth: auth::kind_of(&parts.headers),
        body: json.unwrap_or(Value::Null),
        status: 0,
        at,
    };
    record_and_send(&state, response, record).await
}

async fn pipeline(
    state: &SandboxState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    bytes: &[u8],
    json: Option<&Value>,
) -> Response {
    if let Err(error) =
        auth::authenticate(&state.config().credentials, state.tokens(), headers, path)
    {
        return error.into_response();
    }
    let Some(endpoint) = Endpoint::from_path(path) else {
        return error_response(StatusCode::NOT_FOUND, error_for_status(404));
    };
    if method != Method::POST {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, error_for_status(405));
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let request = match ApiRequest::parse(bytes, json) {
        Ok(request) => request,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ApiError::new("err_request_malformed", message),
            );
        }
    };
    let is_hold_action = matches!(endpoint, Endpoint::HoldRelease | Endpoint::HoldReject);
    let fault = state
        .fault_queue()
        .take(path, |kind| is_hold_action || *kind != FaultKind::ItemFalse);
    let mut malformed = false;
    let mut delay = None;
    match fault {
        None => {}
        Some(FaultKind::RateLimit { reset_ms }) => {
            let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, error_for_status(429));
            set_rate_headers(response.headers_mut(), 0, reset_ms);
            return response;
        }
        Some(FaultKind::Status { code }) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error_response(status, error_for_status(code));
        }
        Some(FaultKind::FailIn200 {
            code,
            message,
            retryable,
        }) => {
            return Envelope::failed(
                request.first().cloned(),
                ApiError::new(&code, message).retryable(retryable),
            )
            .into_response(StatusCode::OK);
        }
        Some(FaultKind::MetaStatus { status }) => {
            let mut envelope = Envelope::failed(request.first().cloned(), error_for_status(status));
            envelope.meta_status = status;
            return envelope.into_response(StatusCode::OK);
        }
        Some(FaultKind::ItemFalse) => {
            return gateway::item_false(endpoint, &request).into_response(StatusCode::OK);
        }
        Some(FaultKind::Slow { delay_ms }) => delay = Some(Duration::from_millis(delay_ms)),
        Some(FaultKind::MalformedJson) => malformed = true,
    }
    let worker_state = state.clone();
    let answer =
        tokio::task::spawn_blocking(move || handle(endpoint, &worker_state, &request)).await;
    let envelope = match answer {
        Ok(envelope) => envelope,
        Err(_) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, error_for_status(500));
        }
    };
    let mut response = if malformed {
        let mut text = envelope.to_json().to_string().into_bytes();
        text.truncate(text.len() / 2);
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response()
    } else {
        envelope.into_response(StatusCode::OK)
    };
    if let Some(delay) = delay {
        response.extensions_mut().insert(SlowBy(delay));
    }
    response
}

/// Marks an answer that a `slow` fault holds back: the work is done and recorded at once,
/// the answer is sent after the delay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlowBy(pub Duration);

/// Records an answer, then holds it back if a `slow` fault asked for it.
pub(crate) async fn record_and_send(
    state: &SandboxState,
    mut response: Response,
    record: RecordedRequest,
) -> Response {
    add_rate_headers(&mut response, state.rate());
    state.recorder().record(RecordedRequest {
        status: response.status().as_u16(),
        ..record
    });
    if let Some(SlowBy(delay)) = response.extensions_mut().remove::<SlowBy>() {
        tokio::time::sleep(delay).await;
    }
    response
}

/// Per-item failure helper for action endpoints.
pub(crate) fn fail_item(key: &Value, error: ApiError) -> FailEntry {
    FailEntry::new(Some(key.clone()), error)
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;
