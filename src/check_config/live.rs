//! `check-config --live`: one cheap authenticated call to Mimecast, Discord and Slack each,
//! side by side, each bounded by [`LIVE_TIMEOUT`].

use std::time::Duration;

use super::Checked;
use crate::discord::DiscordSettings;
use crate::discord::settings::{self as discord_settings, API_URL_ENV as DISCORD_API_URL_ENV};
use crate::mimecast::{ClientConfig, HeldQuery, MimecastClient, RetryPolicy};
use crate::slack::settings::{
    API_URL_ENV as SLACK_API_URL_ENV, BOT_TOKEN_ENV as SLACK_BOT_TOKEN_ENV,
};
use crate::slack::web::SlackWeb;
use crate::slack::{SlackApiError, SlackSettings};

/// How long each live check may take.
pub const LIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// A live check failed; each message is one line without any credential.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The service did not answer in time.
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The Mimecast client could not be built, or Mimecast refused or failed the call.
    #[error("{0}")]
    Mimecast(String),
    /// Discord refused the bot token.
    #[error(
        "Discord refused the bot token (HTTP {status}); check {}",
        discord_settings::TOKEN_ENV
    )]
    DiscordRefused {
        /// 401 or 403.
        status: u16,
    },
    /// Discord answered another error status.
    #[error("Discord answered HTTP {status}")]
    DiscordHttp {
        /// The status.
        status: u16,
    },
    /// Discord could not be reached, or its answer not read.
    #[error("cannot reach Discord ({0}); check the network and {DISCORD_API_URL_ENV}")]
    DiscordUnreachable(String),
    /// Slack refused the bot token (`invalid_auth`, `not_authed`, `token_revoked`, …).
    #[error("Slack refused the bot token: {0}; check {SLACK_BOT_TOKEN_ENV}")]
    SlackRefused(String),
    /// Slack answered `auth.test` with another error.
    #[error("Slack answered auth.test with {0}")]
    SlackApi(String),
    /// Slack answered an HTTP error status.
    #[error("Slack answered HTTP {0}")]
    SlackHttp(u16),
    /// Slack could not be reached, or its answer not read.
    #[error("cannot reach Slack ({0}); check the network and {SLACK_API_URL_ENV}")]
    SlackUnreachable(String),
}

/// Why a live check has no `ok`.
#[derive(Debug)]
pub(super) enum LiveOutcome {
    /// Not run: nothing (valid) to check.
    Skipped(&'static str),
    /// Run, and it failed.
    Failed(LiveError),
}

pub(super) type LiveResult = Result<Option<String>, LiveOutcome>;

/// Runs the live checks side by side, each bounded by [`LIVE_TIMEOUT`]; results in the order
/// Mimecast, Discord, Slack.
pub(super) async fn live_checks(checked: &Checked) -> Vec<(&'static str, LiveResult)> {
    let mimecast = async {
        match &checked.mimecast {
            Ok(config) => bounded(check_mimecast(config)).await.map(Some),
            Err(_) => Err(LiveOutcome::Skipped("its configuration is invalid")),
        }
    };
    let discord = async {
        match &checked.discord {
            Some(Ok(settings)) => bounded(check_discord(settings)).await.map(Some),
            Some(Err(_)) => Err(LiveOutcome::Skipped("its configuration is invalid")),
            None => Err(LiveOutcome::Skipped("not configured")),
        }
    };
    let slack = async {
        match &checked.slack {
            Some(Ok(settings)) => bounded(check_slack(settings)).await.map(Some),
            Some(Err(_)) => Err(LiveOutcome::Skipped("its configuration is invalid")),
            None => Err(LiveOutcome::Skipped("not configured")),
        }
    };
    let (mimecast, discord, slack) = tokio::join!(mimecast, discord, slack);
    vec![
        ("mimecast", mimecast),
        ("discord", discord),
        ("slack", slack),
    ]
}

/// `check` within [`LIVE_TIMEOUT`].
async fn bounded(
    check: impl Future<Output = Result<String, LiveError>>,
) -> Result<String, LiveOutcome> {
    match tokio::time::timeout(LIVE_TIMEOUT, check).await {
        Ok(result) => result.map_err(LiveOutcome::Failed),
        Err(_) => Err(LiveOutcome::Failed(LiveError::Timeout(LIVE_TIMEOUT))),
    }
}

/// One row of the API user's held queue: the cheapest authenticated call (with API 2.0 it
/// mints a token first), with one attempt and no rate-limit waiting.
pub async fn check_mimecast(config: &ClientConfig) -> Result<String, LiveError> {
    let mut config = config.clone();
    config.retry = RetryPolicy {
        max_attempts: 1,
        max_rate_limit_wait: Duration::ZERO,
        request_timeout: LIVE_TIMEOUT,
        ..config.retry
    };
    let api = config.credentials.api_version();
    let base = config.base_url.as_str().trim_end_matches('/').to_owned();
    let client = MimecastClient::new(config).map_err(|e| LiveError::Mimecast(e.user_message()))?;
    client
        .page(&HeldQuery::default(), 1, None)
        .await
        .map_err(|e| LiveError::Mimecast(e.user_message()))?;
    Ok(format!("{api} at {base}"))
}

/// `GET /users/@me` with the bot token.
pub async fn check_discord(settings: &DiscordSettings) -> Result<String, LiveError> {
    use serenity::http::HttpError;
    match settings.http().get_current_user().await {
        Ok(user) => Ok(format!("bot {}", user.name)),
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(answer))) => {
            let status = answer.status_code.as_u16();
            Err(if matches!(status, 401 | 403) {
                LiveError::DiscordRefused { status }
            } else {
                LiveError::DiscordHttp { status }
            })
        }
        Err(serenity::Error::Http(HttpError::Request(e))) => {
            Err(LiveError::DiscordUnreachable(causes(&e.without_url())))
        }
        Err(e) => Err(LiveError::DiscordUnreachable(e.to_string())),
    }
}

/// `error`'s message and its sources', `: `-separated (the last is usually the telling one).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

/// `auth.test` with the bot token.
pub async fn check_slack(settings: &SlackSettings) -> Result<String, LiveError> {
    let web = SlackWeb::new(&settings.api_url, settings.bot_token.clone())
        .map_err(|e| LiveError::SlackUnreachable(e.to_string()))?;
    web.auth_test().await.map_err(|e| match e {
        SlackApiError::Api { error, .. } => match error.as_str() {
            "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked"
            | "token_expired" | "no_permission" => LiveError::SlackRefused(error),
            _ => LiveError::SlackApi(error),
        },
        SlackApiError::Http { status, .. } => LiveError::SlackHttp(status),
        SlackApiError::Transport { detail, .. } => LiveError::SlackUnreachable(detail),
    })
}
