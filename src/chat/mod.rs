//! What the chat adapters (Discord, Slack) share beyond the [`Bot`]: next-page buttons, and
//! the one expiry sweep that updates each expired request's message on the platform it was
//! posted on.

pub mod inflight;
pub mod pages;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::approvals::{PendingAction, Platform};
use crate::bot::Bot;
use crate::engine::reply::Reply;

/// The answer to a command or press that arrives while the bot is stopping.
pub const STOPPING: &str = "The bot is restarting; try again in a minute.";

/// How often overdue approval requests are expired and their messages updated.
pub const EXPIRY_INTERVAL: Duration = Duration::from_secs(60);

/// A boxed future returning a one-line error for the log.
pub type PostFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Rewrites the chat message that shows an approval request (on one platform).
pub trait RequestMessages: Send + Sync {
    /// The platform whose messages this rewrites.
    fn platform(&self) -> Platform;
    /// Replaces the message `chat_ref` (the platform's handle stored with the request) with
    /// `reply`, buttons removed.
    fn replace<'a>(&'a self, chat_ref: &'a str, reply: &'a Reply) -> PostFuture<'a>;
}

/// Expires overdue requests and rewrites each one's message on its own platform to say so.
/// Returns how many messages were updated. Requests without a message reference (or on a
/// platform not running here) are expired in the store and only logged.
pub async fn expire_once(bot: &Bot, messages: &[Arc<dyn RequestMessages>]) -> usize {
    let expired = match bot.expire_due().await {
        Ok(expired) => expired,
        Err(e) => {
            tracing::warn!(error = %e, "expiring requests failed");
            return 0;
        }
    };
    let mut updated = 0;
    for (action, reply) in expired {
        if replace_for(messages, &action, &reply).await {
            updated += 1;
        }
    }
    updated
}

async fn replace_for(
    messages: &[Arc<dyn RequestMessages>],
    action: &PendingAction,
    reply: &Reply,
) -> bool {
    let Some(chat_ref) = action.chat_ref.as_deref() else {
        return false;
    };
    let Some(target) = messages
        .iter()
        .find(|m| m.platform() == action.requester.platform)
    else {
        tracing::info!(request = %action.short_id, platform = %action.requester.platform, "expired a request whose platform is not running here");
        return false;
    };
    match target.replace(chat_ref, reply).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, request = %action.short_id, "could not mark a request expired");
            false
        }
    }
}

/// Every [`EXPIRY_INTERVAL`]: [`expire_once`] (the first sweep at once).
pub async fn expire_loop(bot: Bot, messages: Vec<Arc<dyn RequestMessages>>) {
    let mut tick = tokio::time::interval(EXPIRY_INTERVAL);
    loop {
        tick.tick().await;
        expire_once(&bot, &messages).await;
    }
}
