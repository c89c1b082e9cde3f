//! Interactions: `/mimecast` commands and button presses.
//!
//! Every interaction is acknowledged at once (Discord drops one not answered within 3 s):
//! commands with a deferred reply, buttons with a deferred update. The work follows, and the
//! answer replaces the deferred message. Errors go only to the person who acted (ephemeral).

use std::sync::Arc;

use mimecast_commands::{DiscordInvocation, Invocation, OutputFormat, from_discord};
use serde_json::{Value, json};
use serenity::all::{
    CommandInteraction, ComponentInteraction, Context, CreateAttachment, EventHandler, Http,
    Interaction, Member, Ready, User,
};

use crate::approvals::{Actor, Platform};
use crate::bot::{Bot, ButtonAction, approval_request_id, parse_button};
use crate::chat::pages::{PAGE_PREFIX, Pages};
use crate::engine::Reply;
use crate::render::discord::{self as view, EPHEMERAL};

/// Interaction callback types (Discord's numbering).
mod callback {
    /// CHANNEL_MESSAGE_WITH_SOURCE.
    pub const MESSAGE: u8 = 4;
    /// DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE.
    pub const DEFER: u8 = 5;
    /// DEFERRED_UPDATE_MESSAGE.
    pub const DEFER_UPDATE: u8 = 6;
}

/// serenity's event handler for the bot.
pub struct Handler {
    bot: Bot,
    pages: Arc<Pages>,
}

impl Handler {
    /// A handler running commands through `bot`.
    pub fn new(bot: Bot) -> Self {
        Self {
            bot,
            pages: Arc::new(Pages::default()),
        }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, "connected to Discord");
        crate::ops::metrics().set_connected(Platform::Discord, true);
    }

    async fn shard_stage_update(&self, _ctx: Context, event: serenity::all::ShardStageUpdateEvent) {
        let connected = matches!(event.new, serenity::all::ConnectionStage::Connected);
        crate::ops::metrics().set_connected(Platform::Discord, connected);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(_work) = self.bot.in_flight().begin() else {
            return stopping(&ctx.http, &interaction).await;
        };
        match interaction {
            Interaction::Command(command)
                if command.data.name == mimecast_commands::discord::COMMAND_NAME =>
            {
                self.on_command(&ctx.http, &command).await
            }
            Interaction::Component(press) => self.on_button(&ctx.http, &press).await,
            _ => {}
        }
    }
}

/// The person behind an interaction: their user id, name and (in a guild) role ids.
pub fn actor(user: &User, member: Option<&Member>) -> Actor {
    let roles = member
        .map(|m| {
            m.roles
                .iter()
                .map(|r| r.get().to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Actor::new(
        Platform::Discord,
        user.id.get().to_string(),
        user.name.clone(),
    )
    .with_roles(roles)
}

impl Handler {
    async fn on_command(&self, http: &Http, command: &CommandInteraction) {
        let data = serde_json::to_value(&command.data).unwrap_or(Value::Null);
        let parsed = DiscordInvocation::from_json(&data).and_then(|d| from_discord(&d));
        let invocation = match parsed {
            Ok(invocation) => invocation,
            Err(e) => {
                // Bad input: answer at once, only to the person who typed it.
                let body =
                    json!({"type": callback::MESSAGE, "data": view::render_error(&e.to_string())});
                log_failure(
                    "command error reply",
                    http.create_interaction_response(command.id, &command.token, &body, vec![])
                        .await,
                );
                return;
            }
        };
        let defer = json!({"type": callback::DEFER});
        if let Err(e) = http
            .create_interaction_response(command.id, &command.token, &defer, vec![])
            .await
        {
            tracing::warn!(error = %e, "could not acknowledge a command");
            return;
        }
        let who = actor(&command.user, command.member.as_deref());
        let channel = command.channel_id.get().to_string();
        match self.bot.command(&who, &channel, &invocation, None).await {
            Ok(reply) => {
                let posted = self
                    .edit_original(http, &command.token, &reply, &invocation)
                    .await;
                if let (Some(message), Some(request)) = (posted, approval_request_id(&reply)) {
                    let chat_ref = format!("{}/{}", message.channel_id.get(), message.id.get());
                    if let Err(e) = self
                        .bot
                        .approvals()
                        .attach_chat_ref(&request, &chat_ref)
                        .await
                    {
                        tracing::warn!(error = %e, "could not remember the request's message");
                    }
                }
            }
            Err(e) => {
                self.error_after_defer(http, &command.token, &e.user_message())
                    .await
            }
        }
    }

    async fn on_button(&self, http: &Http, press: &ComponentInteraction) {
        let ack = json!({"type": callback::DEFER_UPDATE});
        if let Err(e) = http
            .create_interaction_response(press.id, &press.token, &ack, vec![])
            .await
        {
            tracing::warn!(error = %e, "could not acknowledge a button");
            return;
        }
        let id = press.data.custom_id.as_str();
        let who = actor(&press.user, press.member.as_ref());
        if let Some((action, request)) = parse_button(id) {
            let result = match action {
                ButtonAction::Approve => self.bot.approve(who, request).await,
                ButtonAction::Deny => self.bot.deny(who, request).await,
            };
            match result {
                Ok(reply) => {
                    let message = view::render(&reply, None);
                    log_failure(
                        "decision update",
                        http.edit_original_interaction_response(&press.token, &message, vec![])
                            .await,
                    );
                }
                Err(e) => self.ephemeral(http, &press.token, &e.user_message()).await,
            }
        } else if id.starts_with(PAGE_PREFIX) {
            let Some((invocation, handle)) = self.pages.get(id) else {
                self.ephemeral(
                    http,
                    &press.token,
                    "That page is no longer available; run the command again.",
                )
                .await;
                return;
            };
            match self.bot.engine().execute(&invocation, Some(handle)).await {
                Ok(reply) => {
                    self.edit_original(http, &press.token, &reply, &invocation)
                        .await;
                }
                Err(e) => self.ephemeral(http, &press.token, &e.user_message()).await,
            }
        }
    }

    /// Replaces the deferred message with `reply`; returns the posted message.
    async fn edit_original(
        &self,
        http: &Http,
        token: &str,
        reply: &Reply,
        invocation: &Invocation,
    ) -> Option<serenity::all::Message> {
        let next = reply
            .next_page
            .clone()
            .map(|handle| self.pages.remember(invocation, handle));
        let message = view::render(reply, next.as_deref());
        let mut body = serde_json::to_value(&message).unwrap_or(Value::Null);
        let mut files = Vec::new();
        if invocation.output == OutputFormat::Json
            && let Some(document) = &reply.json
        {
            let bytes = serde_json::to_vec_pretty(document).unwrap_or_default();
            files.push(CreateAttachment::bytes(bytes, "result.json"));
            body["attachments"] = json!([{"id": 0, "filename": "result.json"}]);
        }
        match http
            .edit_original_interaction_response(token, &body, files)
            .await
        {
            Ok(message) => Some(message),
            Err(e) => {
                tracing::warn!(error = %e, "could not post a reply");
                None
            }
        }
    }

    /// After a public deferral, an error must not stay public: remove the placeholder and tell
    /// only the person who typed the command.
    async fn error_after_defer(&self, http: &Http, token: &str, message: &str) {
        log_failure(
            "remove placeholder",
            http.delete_original_interaction_response(token).await,
        );
        self.ephemeral(http, token, message).await;
    }

    async fn ephemeral(&self, http: &Http, token: &str, message: &str) {
        let mut body = serde_json::to_value(view::render_error(message)).unwrap_or(Value::Null);
        body["flags"] = json!(EPHEMERAL);
        log_failure(
            "ephemeral follow-up",
            http.create_followup_message(token, &body, vec![]).await,
        );
    }
}

/// Answers an interaction that arrives while the bot is stopping, only to the person.
async fn stopping(http: &Http, interaction: &Interaction) {
    let (id, token) = match interaction {
        Interaction::Command(c) => (c.id, &c.token),
        Interaction::Component(c) => (c.id, &c.token),
        _ => return,
    };
    let mut data =
        serde_json::to_value(view::render_error(crate::chat::STOPPING)).unwrap_or(Value::Null);
    data["flags"] = json!(EPHEMERAL);
    let body = json!({"type": callback::MESSAGE, "data": data});
    log_failure(
        "stopping reply",
        http.create_interaction_response(id, token, &body, vec![])
            .await,
    );
}

fn log_failure<T>(what: &str, result: serenity::Result<T>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "Discord call failed: {what}");
    }
}
