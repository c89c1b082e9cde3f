//! The two HTTP endpoints Slack calls: slash commands and interactivity (`block_actions`).
//!
//! Each request's signature is checked on the raw body before anything else; a failure answers
//! 401 and is logged with its reason only. A good request is acknowledged at once (Slack gives
//! up after 3 seconds) and the work continues in a task that answers through the request's
//! `response_url`, or, for approval requests and decisions, through chat.postMessage and
//! chat.update so that the message can be found and updated later.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mimecast_commands::{Invocation, OutputFormat};
use serde_json::{Value, json};
use slack_morphism::prelude::{SlackInteractionActionContainer, SlackInteractionEvent};

use super::roles::GroupRoles;
use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier};
use super::text::command_text;
use super::web::{MessageRef, SlackWeb, Visibility};
use crate::approvals::{Actor, Platform};
use crate::bot::{Bot, ButtonAction, approval_request_id, parse_button};
use crate::chat::STOPPING;
use crate::chat::pages::Pages;
use crate::engine::reply::Reply;
use crate::render::slack::{self as view, NEXT_PAGE_ACTION, SlackMessage};

/// Most characters of an `--output json` document shown in a Slack code block.
const JSON_PREVIEW: usize = 2500;

/// Everything the endpoints share.
pub struct SlackApp {
    pub(super) bot: Bot,
    pub(super) verifier: Verifier,
    pub(super) web: SlackWeb,
    pub(super) roles: GroupRoles,
    pub(super) pages: Pages,
}

/// Why a request got no work done.
enum Refused {
    /// Signature, timestamp or replay.
    Unauthorized,
    /// Signed but not a form Slack sends.
    Malformed(&'static str),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "invalid request signature").into_response()
            }
            Self::Malformed(what) => (StatusCode::BAD_REQUEST, what).into_response(),
        }
    }
}

impl SlackApp {
    /// Checks the signature of a request at the current time.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Refused> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let now = chrono::Utc::now().timestamp();
        self.verifier
            .verify(
                header(TIMESTAMP_HEADER),
                header(SIGNATURE_HEADER),
                body,
                now,
            )
            .map_err(|e| {
                tracing::warn!(reason = %e, "refused a Slack request");
                Refused::Unauthorized
            })
    }

    /// The person behind a request, with the configured user groups they belong to.
    async fn actor(&self, user_id: &str, name: &str) -> Actor {
        let roles = self.roles.roles_of(&self.web, user_id).await;
        Actor::new(Platform::Slack, user_id, name).with_roles(roles)
    }
}

/// `POST /slack/commands`.
pub async fn command(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused.into_response();
    }
    let form = form_fields(&body);
    let (Some(user), Some(channel), Some(response_url)) = (
        form.get("user_id"),
        form.get("channel_id"),
        form.get("response_url"),
    ) else {
        return Refused::Malformed("not a slash command").into_response();
    };
    let text = command_text(form.get("text").map_or("", String::as_str));
    let invocation = match mimecast_commands::parse_line(&text) {
        Ok(invocation) => invocation,
        // Bad input: answered in the acknowledgement, only to the person who typed it.
        Err(e) => return ephemeral_ack(&e.to_string()),
    };
    let Some(guard) = app.bot.in_flight().begin() else {
        return ephemeral_ack(STOPPING);
    };
    let name = form
        .get("user_name")
        .cloned()
        .unwrap_or_else(|| user.clone());
    let work = CommandWork {
        user: user.clone(),
        name,
        channel: channel.clone(),
        response_url: response_url.clone(),
        invocation,
    };
    tokio::spawn(async move {
        work.run(&app).await;
        drop(guard);
    });
    StatusCode::OK.into_response()
}

/// A parsed slash command, run after the acknowledgement.
struct CommandWork {
    user: String,
    name: String,
    channel: String,
    response_url: String,
    invocation: Invocation,
}

impl CommandWork {
    async fn run(self, app: &SlackApp) {
        let actor = app.actor(&self.user, &self.name).await;
        match app
            .bot
            .command(&actor, &self.channel, &self.invocation, None)
            .await
        {
            Ok(reply) => match approval_request_id(&reply) {
                Some(request) => self.post_request(app, &reply, &request).await,
                None => {
                    let message = render_result(app, &reply, &self.invocation);
                    respond(app, &self.response_url, &message, Visibility::InChannel).await;
                }
            },
            Err(e) => {
                let message = view::render_error(&e.user_message());
                respond(app, &self.response_url, &message, Visibility::Ephemeral).await;
            }
        }
    }

    /// An approval request goes out with chat.postMessage, so its `ts` is known and the
    /// message can be updated on a decision or expiry. Where the bot may not post (not in the
    /// channel), it goes through the response_url instead and a decision updates it from the
    /// button press.
    async fn post_request(&self, app: &SlackApp, reply: &Reply, request: &str) {
        let message = view::render(reply, None);
        match app.web.post_message(&self.channel, &message).await {
            Ok(at) => {
                if let Err(e) = app
                    .bot
                    .approvals()
                    .attach_chat_ref(request, &at.to_chat_ref())
                    .await
                {
                    tracing::warn!(error = %e, "could not remember the request's message");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not post the request with chat.postMessage; answering through the response_url");
                respond(app, &self.response_url, &message, Visibility::InChannel).await;
            }
        }
    }
}

/// `POST /slack/interactions`.
pub async fn interaction(
    State(app): State<Arc<SlackApp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = app.verify(&headers, &body) {
        return refused.into_response();
    }
    let form = form_fields(&body);
    let Some(payload) = form.get("payload") else {
        return Refused::Malformed("no payload").into_response();
    };
    let event = match serde_json::from_str::<SlackInteractionEvent>(payload) {
        Ok(SlackInteractionEvent::BlockActions(event)) => event,
        // Other interaction types are not used by the bot: acknowledged, nothing done.
        Ok(_) => return StatusCode::OK.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable Slack interaction payload");
            return Refused::Malformed("unreadable payload").into_response();
        }
    };
    let Some(user) = event.user.as_ref() else {
        return StatusCode::OK.into_response();
    };
    let Some(action) = event.actions.as_ref().and_then(|a| a.first()) else {
        return StatusCode::OK.into_response();
    };
    let Some(guard) = app.bot.in_flight().begin() else {
        return ephemeral_ack(STOPPING);
    };
    let message_at = match &event.container {
        SlackInteractionActionContainer::Message(m) => m
            .channel_id
            .as_ref()
            .or(event.channel.as_ref().map(|c| &c.id))
            .map(|channel| MessageRef {
                channel: channel.to_string(),
                ts: m.message_ts.to_string(),
            }),
        _ => None,
    };
    let work = PressWork {
        user: user.id.to_string(),
        name: user
            .username
            .clone()
            .or_else(|| user.name.clone())
            .unwrap_or_else(|| user.id.to_string()),
        action_id: action.action_id.to_string(),
        value: action.value.clone().unwrap_or_default(),
        response_url: event.response_url.as_ref().map(|u| u.0.to_string()),
        message_at,
    };
    tokio::spawn(async move {
        work.run(&app).await;
        drop(guard);
    });
    StatusCode::OK.into_response()
}

/// A button press, handled after the acknowledgement.
struct PressWork {
    user: String,
    name: String,
    action_id: String,
    value: String,
    response_url: Option<String>,
    message_at: Option<MessageRef>,
}

impl PressWork {
    async fn run(self, app: &SlackApp) {
        if self.action_id == NEXT_PAGE_ACTION {
            return self.next_page(app).await;
        }
        let Some((action, request)) = parse_button(&self.action_id) else {
            return;
        };
        let actor = app.actor(&self.user, &self.name).await;
        let result = match action {
            ButtonAction::Approve => app.bot.approve(actor, request).await,
            ButtonAction::Deny => app.bot.deny(actor, request).await,
        };
        match result {
            Ok(reply) => self.replace(app, &view::render(&reply, None)).await,
            Err(e) => self.tell_presser(app, &e.user_message()).await,
        }
    }

    async fn next_page(&self, app: &SlackApp) {
        let Some((invocation, handle)) = app.pages.get(&self.value) else {
            return self
                .tell_presser(
                    app,
                    "That page is no longer available; run the command again.",
                )
                .await;
        };
        match app.bot.engine().execute(&invocation, Some(handle)).await {
            // Listings were answered through the response_url, which replaces them best.
            Ok(reply) => match &self.response_url {
                Some(url) => {
                    let message = render_result(app, &reply, &invocation);
                    respond(app, url, &message, Visibility::ReplaceOriginal).await;
                }
                None => {
                    self.replace(app, &render_result(app, &reply, &invocation))
                        .await
                }
            },
            Err(e) => self.tell_presser(app, &e.user_message()).await,
        }
    }

    /// Rewrites the pressed message: chat.update (requests are posted with chat.postMessage),
    /// or the response_url when that fails.
    async fn replace(&self, app: &SlackApp, message: &SlackMessage) {
        if let Some(at) = &self.message_at {
            match app.web.update_message(at, message).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "chat.update failed; replacing through the response_url")
                }
            }
        }
        if let Some(url) = &self.response_url {
            respond(app, url, message, Visibility::ReplaceOriginal).await;
        }
    }

    /// A one-line answer only the presser sees.
    async fn tell_presser(&self, app: &SlackApp, text: &str) {
        if let Some(url) = &self.response_url {
            respond(app, url, &view::render_error(text), Visibility::Ephemeral).await;
        }
    }
}

/// A command's result for Slack: the reply's blocks with a Next page button, and an
/// `--output json` document as a code block (cut to fit, with the cut announced).
fn render_result(app: &SlackApp, reply: &Reply, invocation: &Invocation) -> SlackMessage {
    let next = reply
        .next_page
        .clone()
        .map(|handle| app.pages.remember(invocation, handle));
    if invocation.output == OutputFormat::Json
        && let Some(document) = &reply.json
    {
        let mut shown = reply.clone();
        let text = serde_json::to_string_pretty(document).unwrap_or_default();
        shown.preformatted = Some(crate::render::truncate::truncate(&text, JSON_PREVIEW));
        shown.table = None;
        shown.footer = Some(format!(
            "{}JSON shown here is cut to {JSON_PREVIEW} characters; the full document: mimecast-bot {} --output json",
            reply
                .footer
                .as_deref()
                .map(|f| format!("{f} · "))
                .unwrap_or_default(),
            invocation.command.id().path(),
        ));
        return view::render(&shown, next.as_deref());
    }
    view::render(reply, next.as_deref())
}

/// POSTs to a response_url, logging a failure (there is nobody else to tell).
async fn respond(app: &SlackApp, url: &str, message: &SlackMessage, visibility: Visibility) {
    if let Err(e) = app.web.respond(url, message, visibility).await {
        tracing::warn!(error = %e, "could not answer through the response_url");
    }
}

/// An acknowledgement that carries a one-line error for the person who typed the command.
fn ephemeral_ack(text: &str) -> Response {
    let mut body = serde_json::to_value(view::render_error(text)).unwrap_or(Value::Null);
    body["response_type"] = json!("ephemeral");
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The fields of an `application/x-www-form-urlencoded` body (the first of repeated names).
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}
