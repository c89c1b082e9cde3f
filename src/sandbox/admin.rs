//! Local control endpoints under `/_sandbox/` (unauthenticated, loopback clients only, never
//! recorded or faulted):
//!
//! | method | path | does |
//! |---|---|---|
//! | POST | `/_sandbox/faults` | queue a [`Fault`] given as JSON, e.g. `{"kind":"rate_limit","reset_ms":250,"path":"/api/ttp/url/get-logs","times":1}` |
//! | GET | `/_sandbox/faults` | list queued faults |
//! | DELETE | `/_sandbox/faults` | clear faults |
//! | GET | `/_sandbox/requests` | recorded requests (JSON array) |
//! | DELETE | `/_sandbox/requests` | clear them |
//! | POST | `/_sandbox/expire-tokens` | expire every issued bearer token |
//! | GET | `/_sandbox/info` | seed, scale, now, dataset sizes, credential ids (no secrets) |

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use super::data::Dataset;
use super::envelope::json_response;
use super::faults::Fault;
use super::state::SandboxState;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/_sandbox/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route(
            "/_sandbox/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/_sandbox/expire-tokens", post(expire_tokens))
        .route("/_sandbox/info", get(info))
        .route_layer(middleware::from_fn(local_only))
}

/// Refuses admin calls from non-loopback peers (when the peer address is known).
async fn local_only(request: Request, next: Next) -> Response {
    let remote = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if remote.is_some_and(|ip| !ip.is_loopback()) {
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({ "error": "the /_sandbox/ endpoints only answer local clients" }),
        );
    }
    next.run(request).await
}

async fn add_fault(State(state): State<SandboxState>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(fault) => fault,
        Err(err) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({ "error": format!("not a fault: {err}") }),
            );
        }
    };
    if let Err(message) = fault.validate() {
        return json_response(StatusCode::BAD_REQUEST, &json!({ "error": message }));
    }
    state.inject(fault.clone());
    json_response(
        StatusCode::CREATED,
        &json!({ "queued": fault, "faults": state.faults() }),
    )
}

async fn list_faults(State(state): State<SandboxState>) -> Response {
    json_response(StatusCode::OK, &json!(state.faults()))
}

async fn clear_faults(State(state): State<SandboxState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn list_requests(State(state): State<SandboxState>) -> Response {
    json_response(StatusCode::OK, &json!(state.requests()))
}

async fn clear_requests(State(state): State<SandboxState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<SandboxState>) -> StatusCode {
    state.expire_tokens();
    StatusCode::NO_CONTENT
}

async fn info(State(state): State<SandboxState>) -> Response {
    let config = state.config();
    let data = state.data();
    let creds = &config.credentials;
    json_response(
        StatusCode::OK,
        &json!({
            "seed": config.seed,
            "scale": config.scale,
            "now": crate::mimecast::dates::format(config.now),
            "token_ttl_secs": config.token_ttl.as_secs(),
            "service_user": data.service_user(),
            "credentials": {
                "client_id": creds.client_id,
                "app_id": creds.app_id,
                "access_key": creds.access_key,
            },
            "datasets": {
                "held": data.len(Dataset::Held),
                "held_remaining": state.held_remaining(),
                "tracking": data.len(Dataset::Tracking),
                "archive": data.len(Dataset::Tracking),
                "url_logs": data.len(Dataset::Clicks),
                "attachment_logs": data.len(Dataset::Attachments),
                "impersonation_logs": data.len(Dataset::Impersonation),
            },
            "faults": state.faults(),
        }),
    )
}
