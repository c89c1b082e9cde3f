//! The Slack adapter: `/mimecast …` slash commands answered with Block Kit, approval requests
//! with Approve and Deny buttons, decisions and expiry notices written into the request's
//! message with chat.update, scheduled summaries posted with chat.postMessage.
//!
//! Two endpoints ([`mimecast_commands::slack::COMMANDS_PATH`] and
//! [`mimecast_commands::slack::INTERACTIONS_PATH`]) listen on the configured address; the Slack
//! app that calls them is created from `commands/slack-manifest.json`. Every request is
//! verified first ([`signature`]).

pub mod handler;
pub mod roles;
pub mod settings;
pub mod signature;
pub mod text;
pub mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::post;

use crate::approvals::{Platform, Policies};
use crate::bot::Bot;
use crate::chat::pages::Pages;
use crate::chat::{PostFuture, RequestMessages};
use crate::engine::reply::Reply;
use crate::render::slack as view;
use crate::summaries::scheduler::SummaryPoster;
use handler::SlackApp;
pub use settings::{SlackSettings, SlackSettingsError};
use web::MessageRef;
pub use web::SlackApiError;
pub use web::SlackWeb;

/// Largest request body accepted (Slack's payloads are a few kilobytes).
pub const MAX_BODY: usize = 256 * 1024;

/// Why the adapter could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// The settings are wrong.
    #[error(transparent)]
    Settings(#[from] SlackSettingsError),
    /// The Web API client could not be built.
    #[error(transparent)]
    Api(#[from] SlackApiError),
    /// The listener failed.
    #[error("Slack listener on {addr}: {detail}")]
    Listen {
        /// The address.
        addr: String,
        /// What happened.
        detail: String,
    },
}

/// The Web API client of `settings`: one per process, shared (it is a cheap clone of one
/// connection pool) by the endpoints, [`SlackMessages`] and [`SlackPoster`].
pub fn web_api(settings: &SlackSettings) -> Result<SlackWeb, SlackError> {
    Ok(SlackWeb::new(
        &settings.api_url,
        settings.bot_token.clone(),
    )?)
}

/// The endpoints' router for `bot` with `settings` (roles from `policies.slack`), calling the
/// Web API through `web`.
pub fn router(settings: &SlackSettings, web: SlackWeb, bot: Bot, policies: &Policies) -> Router {
    let app = Arc::new(SlackApp {
        bot,
        verifier: signature::Verifier::new(settings.signing_secret.clone()),
        web,
        roles: roles::GroupRoles::from_policy(&policies.slack),
        pages: Pages::default(),
    });
    Router::new()
        .route(
            mimecast_commands::slack::COMMANDS_PATH,
            post(handler::command),
        )
        .route(
            mimecast_commands::slack::INTERACTIONS_PATH,
            post(handler::interaction),
        )
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

/// Serves the endpoints on `listener` until `shutdown` completes (requests in flight finish).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SlackError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(%addr, "Slack endpoints listening");
    // Slack calls in over HTTP: "connected" means the endpoints are being served.
    crate::ops::metrics().set_connected(Platform::Slack, true);
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| SlackError::Listen {
            addr,
            detail: e.to_string(),
        });
    crate::ops::metrics().set_connected(Platform::Slack, false);
    result
}

/// Rewrites Slack request messages (stored as `CHANNEL/TS`) with chat.update.
pub struct SlackMessages {
    web: SlackWeb,
}

impl SlackMessages {
    /// Through `web` (see [`web_api`]).
    pub fn new(web: SlackWeb) -> Self {
        Self { web }
    }
}

impl RequestMessages for SlackMessages {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn replace<'a>(&'a self, chat_ref: &'a str, reply: &'a Reply) -> PostFuture<'a> {
        Box::pin(async move {
            let at = MessageRef::from_chat_ref(chat_ref)
                .ok_or_else(|| format!("{chat_ref:?} is not a Slack CHANNEL/TS reference"))?;
            self.web
                .update_message(&at, &view::render(reply, None))
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Scheduled summaries through chat.postMessage.
pub struct SlackPoster {
    web: SlackWeb,
}

impl SlackPoster {
    /// Through `web` (see [`web_api`]).
    pub fn new(web: SlackWeb) -> Self {
        Self { web }
    }
}

impl SummaryPoster for SlackPoster {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn post<'a>(&'a self, channel: &'a str, reply: &'a Reply) -> PostFuture<'a> {
        Box::pin(async move {
            self.web
                .post_message(channel, &view::render(reply, None))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}
